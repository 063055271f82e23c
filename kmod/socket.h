/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching SRTP processing to a process's UDP socket: the receive hook
 * (UDP encapsulation receive) and the send hook (a copy of the socket's
 * struct proto whose sendmsg protects), and the socket's stream table.
 */
#ifndef RTCD_SOCKET_H
#define RTCD_SOCKET_H

#include <linux/net.h>

#include "stream.h"

int rtcd_socket_attach(struct socket *sock, u32 mark);
int rtcd_socket_detach(struct socket *sock);
int rtcd_socket_add_stream(struct socket *sock, const struct rtcd_stream_config *cfg);
int rtcd_socket_del_stream(struct socket *sock, u32 ssrc, u8 direction);
int rtcd_socket_get_stats(struct socket *sock, u32 ssrc, u8 direction,
			  struct rtcd_stream_stats *out);

#endif
