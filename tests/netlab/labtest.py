# SPDX-License-Identifier: LGPL-2.1-or-later
"""Datagram helpers shared by the netlab self-tests (TAP comes from
tests/lib/tap.py)."""
import os
import shutil
import socket

import tap
from tap import Tap, comment  # noqa: F401 -- the lab tests use labtest.Tap

# Linux's SO_RCVBUFFORCE (root may exceed net.core.rmem_max); Python lacks the name.
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


def skip_unless_able(need_turn=True):
    """Ends the test with a TAP skip when the lab cannot be built here."""
    why = None
    if os.geteuid() != 0:
        why = "needs root (network namespaces)"
    else:
        for tool in ["ip", "nft", "tc"] + (["turnserver", "openssl"] if need_turn else []):
            if shutil.which(tool) is None:
                why = "%s is not installed" % tool
                break
    if why:
        tap.skip_all(why)


def receiver(lab, node, addr, port=0):
    """A UDP socket bound in node with a receive buffer large enough for a
    test's whole burst, so the socket itself never drops."""
    sock = lab.socket(node, bind=(addr, port))
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    return sock


def receive(sock, count, timeout=10.0):
    """Up to count datagrams as (data, source); stops early only when
    nothing arrives for timeout seconds (a safety net, not a measurement)."""
    sock.settimeout(timeout)
    got = []
    try:
        while len(got) < count:
            got.append(sock.recvfrom(65536))
    except socket.timeout:
        pass
    return got


def receive_until(sock, marker, timeout=10.0):
    """Datagrams up to and including the first one equal to marker."""
    sock.settimeout(timeout)
    got = []
    while not got or got[-1][0] != marker:
        got.append(sock.recvfrom(65536))
    return got


def drain(sock):
    """Whatever is queued on sock right now, without waiting."""
    sock.setblocking(False)
    got = []
    try:
        while True:
            got.append(sock.recvfrom(65536))
    except BlockingIOError:
        pass
    finally:
        sock.setblocking(True)
    return got
