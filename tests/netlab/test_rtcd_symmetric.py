#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcd behind two symmetric NATs: every destination gets a mapping of its
own, so server-reflexive candidates lead nowhere and only a TURN relay
connects the two daemons. It does, with policy "all" (the agent finds the
relay among every candidate) and with policy "relay" over TCP."""
import sys
import time

import test_rtcd_common as common
from test_rtcd_common import config, ice_server, stun_url, turn_server


def relay_in_use(call, host):
    """Whether the selected pair on host has a relay candidate at either end:
    ours, or the peer's that our checks reach through its TURN server."""
    _, local, remote = call.selected_pair(host)
    return "relay" in (local["candidateType"], remote["candidateType"])


def test_only_relay_connects(lab, peers):
    """Two calls at once: one with STUN alone fails, one with STUN and TURN
    connects through the relay."""
    direct = peers.call(config([ice_server([stun_url(lab)])]))
    relayed = peers.call(config([ice_server([stun_url(lab)]), turn_server(lab, "udp")]))
    assert peers.pump_until(relayed.connected, 20), relayed.ice_states()
    for host in ("a", "b"):
        assert relay_in_use(relayed, host), relayed.selected_pair(host)
    # RFC 8445 gives up on a check after its retransmissions, and W3C's
    # "failed" follows once every pair has: about 40 s with rtcd's timers.
    t0 = time.monotonic()
    assert peers.pump_until(lambda: direct.ice_states() == ("failed", "failed") or
                            direct.connected(), 90), direct.ice_states()
    print("# STUN alone: %s / %s after %.0f s" % (direct.ice_states() +
                                                 (time.monotonic() - t0,)))
    assert not direct.connected(), direct.ice_states()
    # The relayed call never noticed.
    assert relayed.connected(), relayed.ice_states()


def test_relay_policy_over_tcp(lab, peers):
    call = peers.call(config([turn_server(lab, "tcp")], policy="relay"))
    call.wait_connected(timeout=20)
    for host in ("a", "b"):
        _, local, remote = call.selected_pair(host)
        assert local["candidateType"] == "relay" and local["address"] == lab.turn.host, local
        assert remote["address"] == lab.turn.host, remote


def main():
    common.skip_unless_able()
    return common.run_cases({"nat": "symmetric"}, [test_only_relay_connects,
                                                   test_relay_policy_over_tcp])


if __name__ == "__main__":
    sys.exit(main())
