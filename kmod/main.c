// SPDX-License-Identifier: GPL-2.0
/*
 * rtcd_srtp: SRTP and SRTCP for rtcd's UDP sockets, in the kernel's receive
 * and send paths, configured over generic netlink (uapi/rtcd_srtp.h).
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "stream.h"
#include "uapi/rtcd_srtp.h"

static int __init rtcd_srtp_init(void)
{
	int err = rtcd_streams_init();

	if (err)
		return err;
	err = rtcd_netlink_init();
	if (err)
		rtcd_streams_exit();
	return err;
}

static void __exit rtcd_srtp_exit(void)
{
	rtcd_netlink_exit();
	rtcd_streams_exit();
}

module_init(rtcd_srtp_init);
module_exit(rtcd_srtp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SRTP/SRTCP offload for rtcd's UDP sockets");
MODULE_AUTHOR("The rtcd authors");
MODULE_VERSION("1");
MODULE_ALIAS_GENL_FAMILY(RTCD_SRTP_GENL_NAME);
MODULE_SOFTDEP("pre: gcm ctr hmac sha1");
