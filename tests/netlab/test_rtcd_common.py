# SPDX-License-Identifier: LGPL-2.1-or-later
"""Not a test: what the test_rtcd_*.py cases share. Two rtcd daemons, each
on a private bus of its own and running inside one host of a network lab,
negotiate a peer connection through their buses, trickle their candidates
to each other, and the test reads the states and the stats that follow.

    with Peers(lab) as peers:                       # rtcd in hosts a and b
        call = peers.call(config([ice_server([stun_url(lab)])]))
        call.wait_connected(timeout=20)
        call.channel                                    # a's reliable channel (path)
        pair, local, remote = call.selected_pair("a")   # their stats
"""
import sys

import dbus
import labtest
import netlab
import rtcdtest
from rtcdtest import PC

EMPTY = dbus.Dictionary({}, signature="sv")
CONNECTED = ("connected", "completed")


def skip_unless_able():
    """TAP skip when the lab or rtcd cannot run here."""
    labtest.skip_unless_able(need_turn=True)
    try:
        rtcdtest.find_rtcd()
    except RuntimeError as e:
        rtcdtest.tap.skip_all(str(e))


def ice_server(urls, username=None, credential=None):
    """One entry of CreatePeerConnection's "ice-servers"."""
    entry = {"urls": dbus.Array(urls, signature="s")}
    if username is not None:
        entry["username"] = dbus.String(username)
        entry["credential"] = dbus.String(credential)
    return dbus.Dictionary(entry, signature="sv")


def stun_url(lab):
    return "stun:%s:%d" % (lab.turn.host, lab.turn.port)


def turn_url(lab, transport):
    """coturn's TURN URL over "udp", "tcp" or "tls" (turns:)."""
    if transport == "tls":
        return "turns:%s:%d?transport=tcp" % (lab.turn.host, lab.turn.tls_port)
    return "turn:%s:%d?transport=%s" % (lab.turn.host, lab.turn.port, transport)


def turn_server(lab, transport, password=None):
    return ice_server([turn_url(lab, transport)], lab.turn.username,
                      lab.turn.password if password is None else password)


def config(servers, policy="all"):
    """A CreatePeerConnection dictionary."""
    return dbus.Dictionary({
        "ice-servers": dbus.Array(servers, signature="a{sv}"),
        "ice-transport-policy": dbus.String(policy),
    }, signature="sv")


class Host:
    """One daemon of the pair: its bus connection and every signal on it."""

    def __init__(self, name, daemon):
        self.name = name
        self.daemon = daemon
        self.bus = daemon.bus()
        self.signals = rtcdtest.Signals(self.bus)


class End:
    """One peer connection of a call, on one host's daemon."""

    def __init__(self, host, cfg):
        self.host = host
        self.name = host.name
        self.pc = host.daemon.create_peer_connection(host.bus, cfg)
        self._forwarded = len(host.signals.log)

    def prop(self, name):
        return str(rtcdtest.prop(self.host.bus, self.pc.object_path, PC, name))

    def local_sdp(self):
        return str(rtcdtest.prop(self.host.bus, self.pc.object_path, PC,
                                 "LocalDescription")[1])

    def own_signals(self, member):
        return [args for (p, _, m, args) in self.host.signals.log
                if p == self.pc.object_path and m == member]

    def forward_candidates(self, other):
        """Trickle: every new IceCandidate signal of ours to the other end."""
        log = self.host.signals.log
        while self._forwarded < len(log):
            p, _, m, args = log[self._forwarded]
            self._forwarded += 1
            if m == "IceCandidate" and p == self.pc.object_path:
                other.pc.AddIceCandidate(args[0], args[1], args[2])

    def stats(self):
        return {str(k): {str(f): v for f, v in entry.items()}
                for k, entry in self.pc.GetStats().items()}


class Call:
    """A peer connection from host a (the offerer) to host b, negotiated;
    candidates trickle while a wait runs."""

    def __init__(self, host_a, host_b, cfg_a, cfg_b, prepare=None):
        self.a, self.b = End(host_a, cfg_a), End(host_b, cfg_b)
        a, b = self.a, self.b
        # What a adds before the offer (tracks, transceivers).
        if prepare:
            prepare(a)
        # A reliable, ordered channel: the offer needs one to carry SCTP.
        self.channel = str(a.pc.CreateDataChannel("netlab", EMPTY))
        a.pc.SetLocalDescription("offer", "")
        b.pc.SetRemoteDescription("offer", a.local_sdp())
        b.pc.SetLocalDescription("answer", "")
        a.pc.SetRemoteDescription("answer", b.local_sdp())

    def close(self):
        for end in (self.a, self.b):
            try:
                end.pc.Close()
            except dbus.exceptions.DBusException:
                pass        # a daemon that died: its log tells why

    def end(self, name):
        return self.a if name == "a" else self.b

    def trickle(self):
        self.a.forward_candidates(self.b)
        self.b.forward_candidates(self.a)

    def ice_states(self):
        return (self.a.prop("IceConnectionState"), self.b.prop("IceConnectionState"))

    def connected(self):
        return all(s in CONNECTED for s in self.ice_states())

    def pump_until(self, cond, timeout):
        """Trickles while waiting for cond(); True if it came true."""
        return rtcdtest.pump(lambda: self.trickle() or cond(), timeout)

    def wait_connected(self, timeout):
        """ICE "connected" (or "completed") on both ends, and then the
        connection (ICE and DTLS) "connected" too."""
        ok = self.pump_until(self.connected, timeout)
        assert ok, "not connected after %d s: ICE %s / %s" % ((timeout,) + self.ice_states())
        ok = self.pump_until(lambda: all(e.prop("ConnectionState") == "connected"
                                         for e in (self.a, self.b)), timeout)
        assert ok, "ConnectionState %s / %s" % (self.a.prop("ConnectionState"),
                                                self.b.prop("ConnectionState"))

    def wait_nominated(self, timeout=20):
        """The pair each side sends on is nominated too. "connected" comes
        earlier: data flows on the best valid pair before nomination
        (RFC 8445 12.1), so a test of the final pair waits for this."""
        def nominated():
            return all(bool(self.selected_pair(n)[0]["nominated"]) for n in ("a", "b"))
        assert self.pump_until(nominated, timeout), "no nominated pair after %d s" % timeout

    def wait_gathered(self, timeout=15):
        ok = self.pump_until(lambda: all(e.prop("IceGatheringState") == "complete"
                                         for e in (self.a, self.b)), timeout)
        assert ok, "gathering: %s / %s" % (self.a.prop("IceGatheringState"),
                                           self.b.prop("IceGatheringState"))

    def selected_pair(self, name):
        """(pair, local candidate, remote candidate) stats of the selected
        pair on one side."""
        stats = self.end(name).stats()
        transport = [v for v in stats.values() if v["type"] == "transport"]
        assert transport and "selectedCandidatePairId" in transport[0], stats
        pair = stats[str(transport[0]["selectedCandidatePairId"])]
        return pair, stats[str(pair["localCandidateId"])], stats[str(pair["remoteCandidateId"])]

    def announced_candidate_types(self, name):
        """The types of the candidates one side trickled (IceCandidate
        signals) and put in its local description: what the peer learns."""
        end = self.end(name)
        lines = [str(args[0]) for args in end.own_signals("IceCandidate") if str(args[0])]
        lines += [l[2:] for l in end.local_sdp().split("\r\n") if l.startswith("a=candidate:")]
        return sorted(set(l.split(" typ ")[1].split()[0] for l in lines))

    def local_candidate_types(self, name):
        """The types of the local candidates in one side's stats."""
        stats = self.end(name).stats()
        return sorted(str(v["candidateType"]) for v in stats.values()
                      if v["type"] == "local-candidate")

    def describe(self):
        """States, candidates and pairs of both sides, for a failure."""
        lines = []
        for end in (self.a, self.b):
            lines.append("%s %s: ICE %s, gathering %s, connection %s" % (
                end.name, end.pc.object_path, end.prop("IceConnectionState"),
                end.prop("IceGatheringState"), end.prop("ConnectionState")))
            for k, v in sorted(end.stats().items()):
                if v["type"] in ("local-candidate", "remote-candidate"):
                    lines.append("  %s %s %s %s:%s %s" % (k, v["type"], v["candidateType"],
                                                          v["address"], v["port"],
                                                          v["protocol"]))
                elif v["type"] == "candidate-pair":
                    lines.append("  %s %s-%s %s nominated=%s req %s/%s resp %s/%s" % (
                        k, v["localCandidateId"], v["remoteCandidateId"], v["state"],
                        bool(v["nominated"]), v["requestsSent"], v["requestsReceived"],
                        v["responsesSent"], v["responsesReceived"]))
            for args in end.own_signals("IceCandidateError"):
                lines.append("  IceCandidateError %s" % " ".join(str(x) for x in args))
        return "\n".join(lines)


class Peers:
    """rtcd in host a and in host b of lab, each on a bus of its own."""

    def __init__(self, lab, names=("a", "b"), daemon_args=()):
        # names: the lab's hosts to run rtcd in; the first one offers.
        # daemon_args: more rtcd arguments (--fake-media-devices).
        self.lab = lab
        self.names = names
        self.daemon_args = list(daemon_args)
        self.daemons = []
        self.hosts = []
        self.calls = []

    def __enter__(self):
        try:
            for name in self.names:
                # The lab's coturn has a certificate of the lab's own.
                trust = (["--turn-ca-file=" + self.lab.turn.cert]
                         if getattr(self.lab, "turn", None) else [])
                d = rtcdtest.Daemon(netns=self.lab.netns(name),
                                    extra_args=["--interface=eth0"] + trust +
                                    self.daemon_args)
                self.daemons.append(d)
                d.__enter__()
                self.hosts.append(Host(name, d))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        for d in reversed(self.daemons):
            d.stop()
        self.daemons = []

    def close_calls(self):
        """Closes the calls so far: the next case starts on idle daemons."""
        for c in self.calls:
            c.close()
        self.calls = []

    def call(self, cfg_a, cfg_b=None, prepare=None):
        """A new call from a to b; cfg_b defaults to cfg_a. prepare(end a)
        runs before the offer."""
        c = Call(self.hosts[0], self.hosts[1], cfg_a, cfg_a if cfg_b is None else cfg_b,
                 prepare)
        self.calls.append(c)
        return c

    def pump_until(self, cond, timeout):
        """Trickles for every call while waiting for cond(); True if it came true."""
        return rtcdtest.pump(lambda: any(c.trickle() for c in self.calls) or cond(), timeout)

    def describe(self):
        """Lab, calls and the daemons' logs, for a failing case."""
        parts = [self.lab.describe()]
        for c in self.calls:
            try:
                parts.append(c.describe())
            except dbus.exceptions.DBusException as e:
                parts.append("(no state: %s)" % e)
        for host in self.hosts:
            log = host.daemon.log().splitlines()
            parts.append("--- rtcd in host %s, last lines of its log" % host.name)
            parts.extend(log[-60:])
        return "\n".join(parts)


def tcp_connections(lab, host):
    """Established TCP connections in host, as "local peer" strings."""
    out = lab.run(host, ["ss", "-Htn", "state", "established"]).stdout
    return [" ".join(line.split()[-2:]) for line in out.splitlines() if line.strip()]


def run_cases(lab_args, cases, daemon_args=()):
    """Builds one lab, starts the daemons once and runs every case(lab,
    peers) in it; a failing case prints the lab's and the daemons' state."""
    tap = labtest.Tap()
    with netlab.Lab(**lab_args) as lab, Peers(lab, daemon_args=daemon_args) as peers:
        for case in cases:
            before = tap.failed
            tap.run(case, lab, peers)
            if tap.failed != before:
                labtest.comment(peers.describe())
            peers.close_calls()
    return tap.done()
