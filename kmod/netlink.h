/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTCD_NETLINK_H
#define RTCD_NETLINK_H

int rtcd_netlink_init(void);
void rtcd_netlink_exit(void);

#endif
