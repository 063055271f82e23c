#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ICE through the daemon: peer connections reach "connected" over host
candidates on loopback, with trickle and without; states in W3C order;
AddIceCandidate's errors; ICE restart; stats; a vanished peer."""
import signal
import sys
import time

import dbus
import rtcdtest
from rtcdtest import PC

E = dbus.Dictionary({}, signature="sv")
STATE = "org.rtcd.WebRTC1.Error."


def state(bus, pc, name="IceConnectionState"):
    return str(rtcdtest.prop(bus, pc.object_path, PC, name))


def local(bus, pc):
    return str(rtcdtest.prop(bus, pc.object_path, PC, "LocalDescription")[1])


class Trickler:
    """Forwards every IceCandidate signal of one pc to the other."""

    def __init__(self, sig, pairs):
        self.sig, self.pairs, self.seen = sig, pairs, 0

    def __call__(self):
        for (p, _, m, args) in self.sig.log[self.seen:]:
            self.seen += 1
            if m == "IceCandidate" and p in self.pairs:
                self.pairs[p].AddIceCandidate(args[0], args[1], args[2])
        return False


def connected(buses_pcs):
    return all(state(b, p) in ("connected", "completed") for b, p in buses_pcs)


def negotiate(bus_a, a, bus_b, b, trickle=True):
    a.CreateDataChannel("x", E)
    a.SetLocalDescription("offer", "")
    if not trickle:
        assert rtcdtest.pump(lambda: state(bus_a, a, "IceGatheringState") == "complete", 5)
    b.SetRemoteDescription("offer", local(bus_a, a))
    b.SetLocalDescription("answer", "")
    if not trickle:
        assert rtcdtest.pump(lambda: state(bus_b, b, "IceGatheringState") == "complete", 5)
    a.SetRemoteDescription("answer", local(bus_b, b))


def test_trickle_connects(d):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    negotiate(bus, a, bus, b)
    tr = Trickler(sig, {a.object_path: b, b.object_path: a})
    assert rtcdtest.pump(lambda: tr() or connected([(bus, a), (bus, b)]), 10), \
        (state(bus, a), state(bus, b))
    assert state(bus, a, "ConnectionState") == "connected"
    # The signals of the last change may still be on their way.
    assert rtcdtest.pump(lambda: any(
        m == "PropertiesChanged" and p == a.object_path and
        str(x[1].get("ConnectionState", "")) == "connected" for (p, _, m, x) in sig.log), 3)
    # W3C order on the offerer: gathering starts, candidates with the
    # description updated first, the null candidate, then "complete".
    changes = [(m, args) for (p, _, m, args) in sig.log if p == a.object_path]
    gathering = [str(x[1]["IceGatheringState"]) for (m, x) in changes
                 if m == "PropertiesChanged" and "IceGatheringState" in x[1]]
    assert gathering == ["gathering", "complete"], gathering
    cands = [str(x[0]) for (m, x) in changes if m == "IceCandidate"]
    assert cands and cands[-1] == "" and all(c.startswith("candidate:") for c in cands[:-1]), cands
    ice = [str(x[1]["IceConnectionState"]) for (m, x) in changes
           if m == "PropertiesChanged" and "IceConnectionState" in x[1]]
    assert ice[0] == "checking" and ice[-1] in ("connected", "completed"), ice
    # The answerer (controlled) never looks failed while it waits for the
    # offerer's nomination of pairs its own checks found valid.
    ice_b = [str(x[1]["IceConnectionState"]) for (p, _, m, x) in sig.log
             if p == b.object_path and m == "PropertiesChanged" and "IceConnectionState" in x[1]]
    assert "failed" not in ice_b and ice_b[0] == "checking", ice_b
    conn = [str(x[1]["ConnectionState"]) for (m, x) in changes
            if m == "PropertiesChanged" and "ConnectionState" in x[1]]
    assert conn == ["connecting", "connected"], conn
    # Every gathered candidate is in the local description, as W3C says.
    desc = local(bus, a)
    for c in cands[:-1]:
        assert "a=" + c + "\r\n" in desc, c
    assert "a=end-of-candidates\r\n" in desc


def test_without_trickle(d):
    bus = d.bus()
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    negotiate(bus, a, bus, b, trickle=False)
    assert "a=candidate:" in local(bus, a) and "a=candidate:" in local(bus, b)
    assert rtcdtest.pump(lambda: connected([(bus, a), (bus, b)]), 10)


def nominated(pc):
    """Whether the pair data goes on is nominated: consent freshness
    (RFC 7675) watches it from then on."""
    stats = pc.GetStats()
    t = [v for v in stats.values() if v["type"] == "transport"]
    pair = t and stats.get(t[0].get("selectedCandidatePairId", ""))
    return bool(pair and pair["nominated"])


def test_two_daemons(d):
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b = d.bus(), d2.bus()
        sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
        a, b = d.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
        negotiate(bus_a, a, bus_b, b)
        ta = Trickler(sig_a, {a.object_path: b})
        tb = Trickler(sig_b, {b.object_path: a})
        assert rtcdtest.pump(lambda: ta() or tb() or connected([(bus_a, a), (bus_b, b)]), 10)
        # "connected" comes with the first valid pair, the nomination a Ta
        # slot later (RFC 8445 12.1).
        assert rtcdtest.pump(lambda: nominated(a), 5)
        stats = a.GetStats()
        pairs = [v for v in stats.values() if v["type"] == "candidate-pair" and
                 v.get("nominated")]
        assert pairs, stats
        transport = [v for v in stats.values() if v["type"] == "transport"][0]
        sel = stats[transport["selectedCandidatePairId"]]
        assert float(sel["currentRoundTripTime"]) >= 0 and int(sel["responsesReceived"]) > 0
        local_c = stats[sel["localCandidateId"]]
        assert local_c["type"] == "local-candidate" and local_c["candidateType"] == "host"


def test_add_ice_candidate_errors(d):
    bus = d.bus()
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    cand = "candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host"
    try:
        a.AddIceCandidate(cand, "0", 0)
        raise AssertionError("accepted without a remote description")
    except dbus.exceptions.DBusException as e:
        assert e.get_dbus_name() == STATE + "InvalidStateError", e
    negotiate(bus, a, bus, b)
    for args, err in (((cand, "", -1), "TypeError"), ((cand, "7", -1), "OperationError"),
                      ((cand, "", 5), "OperationError"),
                      (("candidate:garbage", "0", 0), "SyntaxError"),
                      ((cand + " ufrag zzzz", "0", 0), "OperationError")):
        try:
            a.AddIceCandidate(*args)
            raise AssertionError("accepted %r" % (args,))
        except dbus.exceptions.DBusException as e:
            assert e.get_dbus_name() == STATE + err, (args, e.get_dbus_name())
    before = str(rtcdtest.prop(bus, a.object_path, PC, "RemoteDescription")[1])
    a.AddIceCandidate(cand, "0", -1)
    a.AddIceCandidate("", "", -1)
    after = str(rtcdtest.prop(bus, a.object_path, PC, "RemoteDescription")[1])
    assert "a=" + cand + "\r\n" in after and "a=end-of-candidates" in after
    assert before != after


def test_ice_restart_keeps_connection(d):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    negotiate(bus, a, bus, b)
    tr = Trickler(sig, {a.object_path: b, b.object_path: a})
    assert rtcdtest.pump(lambda: tr() or connected([(bus, a), (bus, b)]), 10)
    old = [l for l in local(bus, a).split("\r\n") if l.startswith("a=ice-ufrag:")][0]
    n_before = sig.members(a.object_path).count("NegotiationNeeded")
    a.RestartIce()
    assert rtcdtest.pump(lambda: sig.members(a.object_path).count("NegotiationNeeded") > n_before)
    a.SetLocalDescription("offer", "")
    new = [l for l in local(bus, a).split("\r\n") if l.startswith("a=ice-ufrag:")][0]
    assert new != old
    b.SetRemoteDescription("offer", local(bus, a))
    b.SetLocalDescription("answer", "")
    a.SetRemoteDescription("answer", local(bus, b))
    states = []
    def watch():
        tr()
        states.append((state(bus, a), state(bus, b)))
        return False
    rtcdtest.pump(watch, 3)
    # Never dropped while the new pair was being found.
    assert all(x in ("connected", "completed", "checking") and y in ("connected", "completed", "checking")
               for x, y in states), states
    assert connected([(bus, a), (bus, b)])


def test_peer_vanishes(d):
    """A peer that is killed once its pair is nominated: disconnected, then
    failed within RFC 7675's 30 s without consent."""
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b = d.bus(), d2.bus()
        sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
        a, b = d.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
        negotiate(bus_a, a, bus_b, b)
        ta, tb = Trickler(sig_a, {a.object_path: b}), Trickler(sig_b, {b.object_path: a})
        assert rtcdtest.pump(lambda: ta() or tb() or connected([(bus_a, a), (bus_b, b)]), 10)
        assert rtcdtest.pump(lambda: nominated(a), 5)
        t0 = time.monotonic()
        d2.stop_rtcd(signal.SIGKILL)
        assert rtcdtest.pump(lambda: state(bus_a, a) == "disconnected", 15), state(bus_a, a)
        t_disc = time.monotonic() - t0
        assert rtcdtest.pump(lambda: state(bus_a, a) == "failed", 40), state(bus_a, a)
        t_fail = time.monotonic() - t0
        assert state(bus_a, a, "ConnectionState") == "failed"
        print("# disconnected after %.1f s, failed after %.1f s" % (t_disc, t_fail))


def test_port_range(d):
    """--port-range: every host candidate's port is in the range, and the
    connection works."""
    with rtcdtest.Daemon(["--port-range=42100-42109"]) as dr:
        bus = dr.bus()
        sig = rtcdtest.Signals(bus)
        a, b = dr.create_peer_connection(bus), dr.create_peer_connection(bus)
        negotiate(bus, a, bus, b)
        tr = Trickler(sig, {a.object_path: b, b.object_path: a})
        assert rtcdtest.pump(lambda: tr() or connected([(bus, a), (bus, b)]), 10)
        ports = [int(str(args[0]).split()[5]) for (p, _, m, args) in sig.log
                 if m == "IceCandidate" and args[0]]
        assert ports and all(42100 <= p <= 42109 for p in ports), ports


def test_mdns_host_candidates(d):
    """--mdns-host-candidates: our host candidates go out as .local names
    (never an address), the other daemon resolves them over multicast, and
    the two connect. In a network namespace of the test's own, multicast on
    its loopback only."""
    import os
    import subprocess
    ns = "rtcd-mdns-%d" % os.getpid()
    run = lambda *a: subprocess.run(["ip", "netns", "exec", ns] + list(a), check=True)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        run("ip", "link", "set", "lo", "up", "multicast", "on")
        run("ip", "route", "add", "224.0.0.0/4", "dev", "lo")
        args = ["--interface=lo", "--loopback-candidates", "--mdns-host-candidates"]
        with rtcdtest.Daemon(args, netns=ns) as d1, rtcdtest.Daemon(args, netns=ns) as d2:
            bus_a, bus_b = d1.bus(), d2.bus()
            sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
            a, b = d1.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
            negotiate(bus_a, a, bus_b, b)
            ta, tb = Trickler(sig_a, {a.object_path: b}), Trickler(sig_b, {b.object_path: a})
            assert rtcdtest.pump(lambda: ta() or tb() or connected([(bus_a, a), (bus_b, b)]), 15), \
                (state(bus_a, a), state(bus_b, b), d1.log()[-1500:])
            cands = [str(args[0]) for (p, _, m, args) in sig_a.log if m == "IceCandidate" and args[0]]
            assert cands and all(c.split()[4].endswith(".local") for c in cands), cands
            # The description carries names only (o= has JSEP's dummy 127.0.0.1).
            lines = [l for l in local(bus_a, a).split("\r\n") if l.startswith("a=candidate:")]
            assert lines and all(l.split()[4].endswith(".local") for l in lines), lines
            # The peer reached us at the address behind the name.
            stats = b.GetStats()
            t = [v for v in stats.values() if v["type"] == "transport"][0]
            remote = stats[stats[t["selectedCandidatePairId"]]["remoteCandidateId"]]
            assert str(remote["address"]) in ("127.0.0.1", "::1"), remote
    finally:
        subprocess.run(["ip", "netns", "delete", ns])


def main():
    tap = rtcdtest.Tap()
    for t in (test_trickle_connects, test_without_trickle, test_two_daemons,
              test_add_ice_candidate_errors, test_ice_restart_keeps_connection,
              test_port_range, test_mdns_host_candidates, test_peer_vanishes):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
