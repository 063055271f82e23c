"""A private network for one test: a new network namespace with loopback
and a veth pair, addresses 198.18.0.1 and 198.18.0.2 (RFC 2544 benchmark
space) and no way out.

Loopback alone is not enough: aiortc drops 127.0.0.1 candidates and
libwebrtc never offers loopback.  Every packet stays inside the namespace,
so tests neither see nor disturb the machine's own interfaces.

Multicast works in it too, for mDNS (.local host candidates): the veth is
multicast-capable and 224.0.0.0/4 is routed onto it, so a query sent to
224.0.0.251:5353 reaches a responder listening in the namespace.
"""

import os
import subprocess
import sys

MARK = "RTCD_INTEROP_NETNS"
ADDRESSES = ("198.18.0.1", "198.18.0.2")
# rtcd gathers on this end of the pair (see interop.main).
RTCD_INTERFACE = "rtc0"

_entered = False


def inside():
    """Whether this process runs in the namespace enter() made (so with no
    way out: nothing can be downloaded from here)."""
    return _entered or os.environ.get(MARK) == str(os.getpid())


def enter(argv=None):
    """Re-run this program in a fresh network namespace (once), then set up
    the veth pair inside it.  Returns only in the namespace; a second call
    returns at once."""
    global _entered
    if _entered:
        return
    if os.environ.get(MARK) != str(os.getpid()):
        argv = argv or [sys.executable] + sys.argv
        env = dict(os.environ)
        # unshare execs the program in place, so it keeps unshare's pid:
        # the mark tells the re-executed program it is already inside.
        env[MARK] = str(os.getpid())
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvpe("unshare", ["unshare", "--net", "--"] + argv, env)
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "link", "add", "rtc0", "type", "veth", "peer", "name", "rtc1"],
                ["ip", "addr", "add", ADDRESSES[0] + "/24", "dev", "rtc0"],
                ["ip", "addr", "add", ADDRESSES[1] + "/24", "dev", "rtc1"],
                ["ip", "link", "set", "rtc0", "multicast", "on", "up"],
                ["ip", "link", "set", "rtc1", "multicast", "on", "up"],
                # mDNS queries and answers (224.0.0.251) take this route
                # whatever the default route is.
                ["ip", "route", "add", "224.0.0.0/4", "dev", "rtc0"],
                # Browsers gather only on the interface of the default route
                # and none at all without one.  This one ends at rtc1, in
                # the same namespace, which does not forward: still no way out.
                ["ip", "route", "add", "default", "dev", "rtc0"]):
        subprocess.run(cmd, check=True)
    _entered = True
