#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcd through NATs: two daemons in hosts a and b, each behind an
endpoint-independent NAT, connect over server-reflexive candidates from the
lab's STUN server, and over TURN relays (UDP, TCP, TLS) with relay-only
policy; a TURN server that refuses our credentials reaches the owner as
IceCandidateError."""
import sys

import test_rtcd_common as common
from test_rtcd_common import config, ice_server, stun_url, turn_server, turn_url


def test_server_reflexive(lab, peers):
    """Host candidates cannot reach each other across the NATs: the pair
    that works has the peer's server-reflexive (or peer-reflexive) address."""
    call = peers.call(config([ice_server([stun_url(lab)])]))
    call.wait_connected(timeout=20)
    call.wait_nominated()
    for host, peer in (("a", "b"), ("b", "a")):
        assert "srflx" in call.local_candidate_types(host), call.local_candidate_types(host)
        pair, local, remote = call.selected_pair(host)
        assert remote["candidateType"] in ("srflx", "prflx"), remote
        assert remote["address"] == lab.public_addr(peer), remote
        # The local side of a pair is the candidate's base (RFC 8445 6.1.2.4).
        assert local["candidateType"] in ("host", "srflx", "prflx"), local
        assert local["address"] in (lab.addr(host), lab.public_addr(host)), local
        assert int(pair["responsesReceived"]) > 0 and pair["nominated"], pair


def test_stun_and_turn_on_one_server(lab, peers):
    """The usual deployment: stun: and turn: URLs of one server. Every kind
    of candidate is gathered, and the direct path wins over the relay."""
    call = peers.call(config([ice_server([stun_url(lab)]), turn_server(lab, "udp")]))
    call.wait_gathered()
    for host in ("a", "b"):
        assert call.announced_candidate_types(host) == ["host", "relay", "srflx"], \
            (host, call.announced_candidate_types(host))
        assert not call.end(host).own_signals("IceCandidateError"), \
            call.end(host).own_signals("IceCandidateError")
    call.wait_connected(timeout=20)
    for host in ("a", "b"):
        _, local, remote = call.selected_pair(host)
        assert "relay" not in (local["candidateType"], remote["candidateType"]), (local, remote)


def relay_only(lab, peers, transport):
    call = peers.call(config([turn_server(lab, transport)], policy="relay"))
    call.wait_gathered()
    for host in ("a", "b"):
        types = call.announced_candidate_types(host)
        assert types == ["relay"], (host, types)
    call.wait_connected(timeout=20)
    for host in ("a", "b"):
        pair, local, remote = call.selected_pair(host)
        assert local["candidateType"] == "relay", local
        assert local["address"] == lab.turn.host, local
        assert local["relatedAddress"] == lab.public_addr(host), local
        assert remote["candidateType"] in ("relay", "prflx"), remote
        assert remote["address"] == lab.turn.host, remote
    return call


def test_relay_over_udp(lab, peers):
    relay_only(lab, peers, "udp")
    for host in ("a", "b"):
        assert not common.tcp_connections(lab, host), common.tcp_connections(lab, host)


def test_relay_over_tcp(lab, peers):
    relay_only(lab, peers, "tcp")
    server = "%s:%d" % (lab.turn.host, lab.turn.port)
    for host in ("a", "b"):
        conns = common.tcp_connections(lab, host)
        assert any(c.endswith(" " + server) for c in conns), (host, conns)


def test_relay_over_tls(lab, peers):
    """turns: with the lab's CA trusted (--turn-ca-file): TLS to coturn's
    port 5349, the certificate checked against the URL's IP address."""
    relay_only(lab, peers, "tls")
    server = "%s:%d" % (lab.turn.host, lab.turn.tls_port)
    for host in ("a", "b"):
        conns = common.tcp_connections(lab, host)
        assert any(c.endswith(" " + server) for c in conns), (host, conns)


def test_wrong_credentials(lab, peers):
    """coturn answers 401 to a wrong password; the owner hears about it."""
    call = peers.call(config([turn_server(lab, "udp", password="not-the-password")]))
    call.wait_gathered()
    errors = call.a.own_signals("IceCandidateError")
    assert errors, "no IceCandidateError"
    address, port, url, code, text = errors[0]
    assert int(code) == 401, errors     # STUN's Unauthorized, passed through as W3C asks
    assert str(url) == turn_url(lab, "udp"), url
    assert str(address) == lab.turn.host and int(port) == lab.turn.port, errors
    print("# %s" % " ".join(str(x) for x in errors[0]))


def main():
    common.skip_unless_able()
    return common.run_cases({"nat": "eim"}, [
        test_server_reflexive, test_stun_and_turn_on_one_server, test_relay_over_udp, test_relay_over_tcp,
        test_relay_over_tls, test_wrong_credentials])


if __name__ == "__main__":
    sys.exit(main())
