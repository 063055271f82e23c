#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ICE benchmark (issue 4). Prints figures; never fails on a time.

1. Time from SetRemoteDescription(answer) on the offerer to its ICE
   connection state "connected" (aiortc says "completed"), median of RUNS
   calls, for rtcd<->rtcd (two daemons), aiortc<->aiortc and pion<->pion,
   with the ratios to rtcd. Both sides have gathered every candidate before
   the descriptions are exchanged, so the interval is the connectivity
   checks and nomination alone, not gathering. Each peer is a process of
   its own, driven from here: D-Bus for rtcd, the JSON-lines protocol of
   tests/interop/peers for the others; all timed the same way, here.
2. One rtcd holding SESSIONS connected ICE sessions (SESSIONS/2 pairs of
   its own peer connections): resident memory (VmRSS) and open fds from
   /proc, idle, with every session connected, and after closing them.

Everything runs in a private network namespace (tests/interop/peers/
netns.py) on its veth pair: aiortc leaves out 127.0.0.1 candidates, and
nothing here touches the machine's own interfaces.

With TURN=1, part 1 is relayed instead (issue 10, item 7): every peer has
relay-only policy and one coturn on 127.0.0.1 in the namespace
(tests/lib/turnspy.py starts it); part 2 is left out. aiortc 1.4 has no
iceTransportPolicy: its driver runs with aioice's transport_policy=RELAY
for connections that have a TURN server. Pion waits about 2 s before it
uses relay candidates (its relay acceptance wait). With TURNSPY=1 as well,
the peers reach coturn through turnspy's proxy and each stack's line says
whether any data left for a peer before the server confirmed a permission
for it (the proxy's thread adds a little to every time).

Environment: RUNS (default 20), SESSIONS (default 500), TURN, TURNSPY.
"""
import os
import statistics
import sys
import time

from peers import netns

if os.geteuid() != 0:
    print("ICE benchmark skipped: it needs root for a network namespace of its own")
    sys.exit(0)
netns.enter()

import dbus  # noqa: E402 -- after entering the namespace
import rtcdtest  # noqa: E402
from rtcdtest import PC  # noqa: E402

RUNS = int(os.environ.get("RUNS", "20"))
SESSIONS = int(os.environ.get("SESSIONS", "500"))
TURN = os.environ.get("TURN", "") not in ("", "0")
TURNSPY = TURN and os.environ.get("TURNSPY", "") not in ("", "0")
CONNECT_TIMEOUT = 20.0
EMPTY = dbus.Dictionary({}, signature="sv")
ICE_UP = ("connected", "completed")


class Skip(Exception):
    """A stack that cannot run here: its line says why."""


# ---- rtcd: two daemons, one peer connection each per call -----------------

class IceWatch:
    """When each peer connection's ICE connection state last changed, and to
    what, from PropertiesChanged signals as they arrive."""

    def __init__(self, bus):
        self.state = {}
        self.when = {}
        bus.add_signal_receiver(self._changed, signal_name="PropertiesChanged",
                                dbus_interface=rtcdtest.PROPS, path_keyword="path")

    def _changed(self, iface, changed, invalidated, path=None):
        if iface == PC and "IceConnectionState" in changed:
            self.state[str(path)] = str(changed["IceConnectionState"])
            self.when[str(path)] = time.monotonic()

    def up(self, path):
        return self.state.get(path) in ICE_UP


def description(bus, pc):
    return str(rtcdtest.prop(bus, pc.object_path, PC, "LocalDescription")[1])


def gathered(bus, pc):
    return rtcdtest.pump(lambda: str(rtcdtest.prop(bus, pc.object_path, PC,
                                                   "IceGatheringState")) == "complete", 10)


def rtcd_offer_answer(bus_a, bus_b, a, b):
    """Offer from a, answer from b, both complete; returns the answer."""
    a.CreateDataChannel("bench", EMPTY)
    a.SetLocalDescription("offer", "")
    if not gathered(bus_a, a):
        raise RuntimeError("rtcd: the offerer never finished gathering")
    b.SetRemoteDescription("offer", description(bus_a, a))
    b.SetLocalDescription("answer", "")
    if not gathered(bus_b, b):
        raise RuntimeError("rtcd: the answerer never finished gathering")
    return description(bus_b, b)


def rtcd_config(relay):
    """RTCConfiguration for rtcd: relay-only through relay (a turn: URL) or
    the default."""
    if not relay:
        return None
    server = dbus.Dictionary({"urls": dbus.Array([relay.url], signature="s"),
                              "username": relay.user, "credential": relay.password},
                             signature="sv")
    return dbus.Dictionary({"ice-servers": dbus.Array([server], signature="a{sv}"),
                            "ice-transport-policy": "relay"}, signature="sv")


def time_rtcd(runs, relay=None):
    args = ["--interface=" + netns.RTCD_INTERFACE]
    config = rtcd_config(relay)
    with rtcdtest.Daemon(extra_args=args, verbose=False) as d1, \
            rtcdtest.Daemon(extra_args=args, verbose=False) as d2:
        bus_a, bus_b = d1.bus(), d2.bus()
        watch = IceWatch(bus_a)
        times = []
        for _ in range(runs):
            a = d1.create_peer_connection(bus_a, config)
            b = d2.create_peer_connection(bus_b, config)
            answer = rtcd_offer_answer(bus_a, bus_b, a, b)
            t0 = time.monotonic()
            a.SetRemoteDescription("answer", answer)
            if not rtcdtest.pump(lambda: watch.up(a.object_path), CONNECT_TIMEOUT):
                raise RuntimeError("rtcd: not connected: %s" % watch.state.get(a.object_path))
            times.append(watch.when[a.object_path] - t0)
            a.Close()
            b.Close()
        return times


# ---- aiortc and Pion, through the interop peer drivers --------------------

def wait_ice_up(peer, pc):
    """The time the offerer's ICE came up, as seen here."""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while time.monotonic() < deadline:
        for ev in peer.events():
            if ev.get("event") == "ice_connection_state" and ev.get("pc") == pc:
                if ev.get("state") in ICE_UP:
                    return time.monotonic()
                if ev.get("state") == "failed":
                    raise RuntimeError("%s: ICE failed" % peer.name)
        time.sleep(0.0005)
    raise RuntimeError("%s: not connected within %.0f s" % (peer.name, CONNECT_TIMEOUT))


def time_peers(make_peer, config, runs):
    with make_peer() as offerer, make_peer() as answerer:
        times = []
        for _ in range(runs):
            a, b = offerer.create_pc(**config), answerer.create_pc(**config)
            offerer.create_data_channel(a, "bench")
            offerer.set_local_description(a, "offer")
            offer = offerer.gathering_complete(a)["sdp"]
            answerer.set_remote_description(b, "offer", offer)
            answerer.set_local_description(b, "answer")
            answer = answerer.gathering_complete(b)["sdp"]
            offerer.events()            # what came before is not timed
            t0 = time.monotonic()
            offerer.set_remote_description(a, "answer", answer)
            times.append(wait_ice_up(offerer, a) - t0)
            offerer.call("close_pc", pc=a)
            answerer.call("close_pc", pc=b)
        return times


def peer_config(relay):
    """The interop drivers' create_pc config for relay-only through relay."""
    if not relay:
        return {}
    return {"ice_servers": [{"urls": [relay.url], "username": relay.user,
                             "credential": relay.password}],
            "ice_transport_policy": "relay"}


# aiortc 1.4 has no iceTransportPolicy; aioice's Connection has one. The
# driver runs with it set to RELAY wherever aiortc gives a TURN server.
AIORTC_RELAY_ONLY = """
import runpy, aioice
plain = aioice.Connection.__init__
def relay_only(self, *args, **kwargs):
    if kwargs.get("turn_server"):
        kwargs["transport_policy"] = aioice.TransportPolicy.RELAY
    plain(self, *args, **kwargs)
aioice.Connection.__init__ = relay_only
runpy.run_module("peers.aiortc_peer", run_name="__main__", alter_sys=True)
"""


def time_aiortc(runs, relay=None):
    from peers import aiortc_peer
    why = aiortc_peer.available()
    if why:
        raise Skip(why)
    make = aiortc_peer.AiortcPeer
    if relay:
        from peers.linepeer import LinePeer

        class RelayOnlyAiortc(aiortc_peer.AiortcPeer):
            def __init__(self):
                env = dict(os.environ)
                env["PYTHONPATH"] = os.path.dirname(os.path.dirname(
                    os.path.abspath(aiortc_peer.__file__)))
                LinePeer.__init__(self, "aiortc", [aiortc_peer.INTERPRETER, "-c",
                                                   AIORTC_RELAY_ONLY], env=env)
        make = RelayOnlyAiortc
    return time_peers(make, peer_config(relay), runs)


def time_pion(runs, relay=None):
    from peers import pion
    why = pion.available()
    if why:
        raise Skip(why)
    return time_peers(pion.PionPeer, dict(peer_config(relay), interfaces=[netns.RTCD_INTERFACE]),
                      runs)


class Relay:
    """coturn in the namespace, reached directly or through a turnspy
    proxy (a new one per stack, so each stack's record is its own)."""

    def __init__(self, spy):
        import turnspy
        self.turnspy = turnspy
        self.coturn = turnspy.Coturn()
        self.user, self.password = turnspy.Coturn.USER, turnspy.Coturn.PASSWORD
        self.use_spy = spy
        self.spy = None
        self.url = self.coturn.url()

    def begin(self):
        if self.use_spy:
            self.spy = self.turnspy.TurnSpy(self.coturn.address)
            self.url = self.coturn.url(self.spy.port)

    def end(self):
        """What the spy saw, as a line; "" without a spy."""
        if not self.spy:
            return ""
        bad = self.spy.permission_violations()
        clients = len(self.spy.clients())
        self.spy.close()
        self.spy = None
        if not clients:
            return "turnspy: no TURN client seen"
        if not bad:
            return "turnspy: %d clients, permission confirmed before data to every peer" % clients
        return ("turnspy: %d clients, data before the permission's success at %d of them "
                "(first: message %d, success at %s)" % (clients, len({b[0] for b in bad}),
                                                        bad[0][2], bad[0][3]))

    def close(self):
        if self.spy:
            self.spy.close()
        self.coturn.close()


# ---- many sessions in one daemon ------------------------------------------

def proc_figures(pid):
    """(VmRSS in KiB, open fds) of a process."""
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return rss, len(os.listdir("/proc/%d/fd" % pid))


def hold_sessions(sessions):
    pairs = sessions // 2
    args = ["--interface=" + netns.RTCD_INTERFACE,
            "--max-peer-connections=%d" % (sessions + 10)]
    with rtcdtest.Daemon(extra_args=args, verbose=False) as d:
        bus = d.bus()
        watch = IceWatch(bus)
        pid = d.rtcd.pid
        rtcdtest.pump(None, 0.2)
        idle = proc_figures(pid)
        pcs = []
        t0 = time.monotonic()
        for _ in range(pairs):
            a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
            answer = rtcd_offer_answer(bus, bus, a, b)
            a.SetRemoteDescription("answer", answer)
            pcs += [a, b]
        paths = [pc.object_path for pc in pcs]
        ok = rtcdtest.pump(lambda: all(watch.up(p) for p in paths), 120)
        up = sum(watch.up(p) for p in paths)
        elapsed = time.monotonic() - t0
        rtcdtest.pump(None, 0.5)
        held = proc_figures(pid)
        for pc in pcs:
            pc.Close()
        rtcdtest.pump(None, 1.0)
        closed = proc_figures(pid)
        return ok, up, elapsed, idle, held, closed


# ---- report ---------------------------------------------------------------

def ms(seconds):
    return "%.1f ms" % (seconds * 1000)


def time_to_connected():
    relay = Relay(TURNSPY) if TURN else None
    print("ICE benchmark: SetRemoteDescription(answer) to ICE connected, %d calls each, %s"
          % (RUNS, "relay-only through coturn on 127.0.0.1%s" % (
              " behind turnspy" if TURNSPY else "") if relay
             else "host candidates on a veth pair"))
    medians = {}
    try:
        for name, fn in (("rtcd<->rtcd", time_rtcd), ("aiortc<->aiortc", time_aiortc),
                         ("pion<->pion", time_pion)):
            if relay:
                relay.begin()
            try:
                times = fn(RUNS, relay) if relay else fn(RUNS)
            except Skip as e:
                print("  %-16s skipped: %s" % (name, e))
                continue
            except Exception as e:  # noqa: BLE001 -- a figure missing, said so
                print("  %-16s could not be measured: %s" % (name, e))
                continue
            finally:
                seen = relay.end() if relay else ""
            medians[name] = statistics.median(times)
            print("  %-16s median %s  min %s  max %s" % (name, ms(medians[name]),
                                                        ms(min(times)), ms(max(times))))
            if seen:
                print("  %-16s %s" % ("", seen))
    finally:
        if relay:
            relay.close()
    base = medians.get("rtcd<->rtcd")
    if base:
        for name, m in medians.items():
            if name != "rtcd<->rtcd":
                print("  %s / rtcd: %.2f" % (name, m / base))
    sys.stdout.flush()


def main():
    time_to_connected()
    if TURN:
        return 0

    ok, up, elapsed, idle, held, closed = hold_sessions(SESSIONS)
    print("One rtcd holding %d ICE sessions (%d pairs of its own peer connections):"
          % (SESSIONS, SESSIONS // 2))
    print("  %d of %d connected after %.1f s%s" % (up, SESSIONS, elapsed,
                                                  "" if ok else " (not all!)"))
    print("  idle:            RSS %7d KiB, %4d fds" % idle)
    print("  %4d sessions:    RSS %7d KiB, %4d fds  (+%.1f KiB and +%.2f fds per session)" % (
        SESSIONS, held[0], held[1], (held[0] - idle[0]) / SESSIONS,
        (held[1] - idle[1]) / SESSIONS))
    print("  all closed:      RSS %7d KiB, %4d fds" % closed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
