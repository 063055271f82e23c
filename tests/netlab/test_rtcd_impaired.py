#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcd over a bad network: 5% loss and 100 ms delay on both routers (so a
check crosses four impaired hops, 200 ms one way and about 19% loss per
round trip), yet two daemons behind EIM NATs connect, directly and through
a TURN relay. Lost checks are retransmitted (RFC 8445 14.3, RFC 8489 6.2.1)."""
import sys
import time

import test_rtcd_common as common
from test_rtcd_common import config, ice_server, stun_url, turn_server

LOSS_PERCENT = 5
DELAY_MS = 100


def impair(lab):
    for host in ("a", "b"):
        lab.set_loss(host, LOSS_PERCENT)
        lab.set_delay(host, DELAY_MS, seed=ord(host))


def connect(call, timeout=60):
    t0 = time.monotonic()
    call.wait_connected(timeout)
    print("# connected after %.1f s" % (time.monotonic() - t0))


def test_server_reflexive_impaired(lab, peers):
    impair(lab)
    call = peers.call(config([ice_server([stun_url(lab)])]))
    connect(call)
    for host, peer in (("a", "b"), ("b", "a")):
        pair, _, remote = call.selected_pair(host)
        assert remote["candidateType"] in ("srflx", "prflx"), remote
        assert remote["address"] == lab.public_addr(peer), remote
        # Two impaired routers each way: at least 400 ms per round trip.
        assert float(pair["currentRoundTripTime"]) >= 0.4, pair


def test_relay_impaired(lab, peers):
    impair(lab)
    call = peers.call(config([turn_server(lab, "udp")], policy="relay"))
    connect(call)
    for host in ("a", "b"):
        _, local, _ = call.selected_pair(host)
        assert local["candidateType"] == "relay", local


def main():
    common.skip_unless_able()
    return common.run_cases({"nat": "eim"}, [test_server_reflexive_impaired,
                                             test_relay_impaired])


if __name__ == "__main__":
    sys.exit(main())
