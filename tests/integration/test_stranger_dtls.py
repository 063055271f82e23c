#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""DTLS from a stranger during the handshake (RFC 8445 section 11: only an
address a connectivity check validated may send anything but STUN). Two
peer connections on one rtcd connect with a data channel while a third
address, a UDP socket of this test on loopback, sends a DTLS fatal alert
and a bogus ClientHello to every candidate port it sees, before the
candidates reach the other side and then again and again until both are
connected. Neither may take them: the connection comes up, a message
crosses the channel, and GetStats counts what was discarded."""
import re
import socket
import sys
import threading

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, DC
from tap import comment
from test_ice import local, state

E = dbus.Dictionary({}, signature="sv")
CANDIDATE = re.compile(r"^(?:a=)?candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ ", re.I)


def fatal_alert(seq):
    """An alert record of epoch 0: fatal, handshake_failure."""
    return bytes([21, 0xfe, 0xfd, 0, 0]) + seq.to_bytes(6, "big") + bytes([0, 2, 2, 40])


def bogus_client_hello(seq):
    """A handshake record of epoch 0 whose message says ClientHello and is
    garbage after its header."""
    body = bytes([1, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 24]) + bytes(range(0xa0, 0xb8))
    return (bytes([22, 0xfe, 0xfd, 0, 0]) + seq.to_bytes(6, "big") +
            len(body).to_bytes(2, "big") + body)


class Stranger:
    """UDP sockets on loopback that send DTLS to every port they learn."""

    def __init__(self):
        self.socks = {}
        self.targets = set()
        self.seq = 0
        self.sent = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = None
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                s = socket.socket(family, socket.SOCK_DGRAM)
                s.bind((host, 0))
            except OSError:
                continue
            s.setblocking(False)
            self.socks[family] = s

    def learn(self, line):
        """A candidate line (trickled, or a=candidate: of a description)."""
        m = CANDIDATE.match(line.strip())
        if not m:
            return
        family = socket.AF_INET6 if ":" in m.group(1) else socket.AF_INET
        target = (family, m.group(1), int(m.group(2)))
        with self.lock:
            if family not in self.socks or target in self.targets:
                return
            self.targets.add(target)
        self.attack(target)

    def attack(self, target=None):
        with self.lock:
            for family, host, port in ([target] if target else sorted(self.targets)):
                for record in (fatal_alert(self.seq), bogus_client_hello(self.seq + 1)):
                    try:
                        self.socks[family].sendto(record, (host, port))
                        self.sent += 1
                    except OSError:
                        pass
                self.seq += 2

    def flood(self):
        """Attacks every port, every millisecond, until stopped."""
        def run():
            while not self.stop.wait(0.001):
                self.attack()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def answers(self):
        """What rtcd sent back to the stranger: DTLS records (first byte
        20..63) would mean it took the stranger for the peer."""
        got = []
        for s in self.socks.values():
            while True:
                try:
                    got.append(s.recv(4096))
                except (BlockingIOError, InterruptedError):
                    break
        return [g for g in got if g and 20 <= g[0] <= 63]

    def close(self):
        self.stop.set()
        if self.thread:
            self.thread.join()
        for s in self.socks.values():
            s.close()


def without_candidates(sdp):
    """A description as trickle ICE signals it: candidates come one by one,
    later (rtcd may have gathered some into it already)."""
    return "".join(l + "\r\n" for l in sdp.split("\r\n")
                   if l and not l.startswith(("a=candidate:", "a=end-of-candidates")))


def transport(pc):
    stats = pc.GetStats()
    return [v for v in stats.values() if v["type"] == "transport"][0]


def test_stranger_sends_dtls_during_handshake(d):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    other = {a.object_path: b, b.object_path: a}
    stranger = Stranger()
    assert stranger.socks, "no UDP socket on loopback"
    try:
        ch = str(a.CreateDataChannel("chat", E))
        a.SetLocalDescription("offer", "")
        b.SetRemoteDescription("offer", without_candidates(local(bus, a)))
        b.SetLocalDescription("answer", "")
        a.SetRemoteDescription("answer", without_candidates(local(bus, b)))
        # Both gather; what they gather reaches the other side only later,
        # so that no check can run (and no address be validated) before
        # the stranger's first records are there.
        assert rtcdtest.pump(lambda: all(
            state(bus, pc, "IceGatheringState") == "complete" for pc in (a, b)), 5)
        candidates = [(p, args) for (p, _, m, args) in sig.log if m == "IceCandidate"]
        seen = [len(sig.log)]
        for pc in (a, b):
            for line in local(bus, pc).split("\r\n"):
                stranger.learn(line)
        for (p, args) in candidates:
            stranger.learn(str(args[0]))
        assert stranger.targets, "no candidate port seen"
        before = stranger.sent
        # Then again and again, to every port seen, until both are connected.
        stranger.flood()
        for (p, args) in candidates:
            if p in other:
                other[p].AddIceCandidate(args[0], args[1], args[2])
        states = set()

        def step():
            for (p, _, m, args) in sig.log[seen[0]:]:
                seen[0] += 1
                if m == "IceCandidate" and p in other:
                    stranger.learn(str(args[0]))
                    other[p].AddIceCandidate(args[0], args[1], args[2])
            ab = (state(bus, a, "ConnectionState"), state(bus, b, "ConnectionState"))
            states.update(ab)
            return ab == ("connected", "connected")

        assert rtcdtest.pump(step, 15), (state(bus, a, "ConnectionState"),
                                         state(bus, b, "ConnectionState"), d.log()[-2000:])
        stranger.stop.set()
        stranger.thread.join()
        assert "failed" not in states, states
        assert before >= 2 * len(stranger.targets) and stranger.sent > before, stranger.sent

        # A message crosses the channel.
        assert rtcdtest.pump(lambda: "Open" in sig.members(ch) and any(
            m == "DataChannel" and p == b.object_path for (p, _, m, _) in sig.log), 5)
        peer = [str(args[0]) for (p, _, m, args) in sig.log
                if p == b.object_path and m == "DataChannel"][0]
        dbus.Interface(bus.get_object(BUS_NAME, ch), DC).Send("through", signature="v")
        assert rtcdtest.pump(lambda: [str(args[0]) for (p, _, m, args) in sig.log
                                      if p == peer and m == "Message"] == ["through"], 5)

        for pc in (a, b):
            t = transport(pc)
            assert str(t["dtlsState"]) == "connected", t
            assert int(t["packetsDiscardedUnvalidated"]) > 0, t
        assert stranger.answers() == [], "rtcd answered the stranger with DTLS"
        comment("%d records to %d ports; discarded unvalidated: %d and %d" % (
            stranger.sent, len(stranger.targets),
            int(transport(a)["packetsDiscardedUnvalidated"]),
            int(transport(b)["packetsDiscardedUnvalidated"])))
    finally:
        stranger.close()


def main():
    tap = rtcdtest.Tap()
    for t in (test_stranger_sends_dtls_during_handshake,):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
