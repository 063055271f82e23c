#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Apps against apps (issue 14, items 3 and 8): one app's many connections
cannot take the file descriptors another app's peer connection needs; a peer
connection that gets no socket says so; rtcd raises its soft fd limit; a
sandboxed app cannot tell another's objects from absent ones; a peer's
multicast and broadcast candidates are refused; GetStats' dtlsState on a
connected transport; object numbers nobody can predict; InvalidStateError on
a closing object, UnknownObject once it is gone.

The apps are Flatpak-like sandboxes (bubblewrap with a /.flatpak-info of
their own), so that rtcd tells them apart by app id as it would on a desktop."""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time

import dbus
import rtcdtest
from tap import comment
from rtcdtest import BUS_NAME, ROOT, PC, PROPS, error_name

E = dbus.Dictionary({}, signature="sv")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sandbox_prefix(d, app_id):
    """bwrap arguments running a command as the Flatpak app `app_id`."""
    info = os.path.join(d.tmp.name, "flatpak-info-" + app_id)
    with open(info, "w") as f:
        f.write("[Application]\nname=%s\n" % app_id)
    socket_path = d.address.split("path=", 1)[1].split(",", 1)[0]
    return ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
            "--ro-bind", info, "/.flatpak-info", "--unshare-pid",
            "--bind", socket_path, socket_path]


# Ten connections of one app, each taking as many peer connections as rtcd
# gives it and making each gather (its sockets). Prints how many it got.
HOG = textwrap.dedent("""
    import sys, dbus
    conns, held = [], 0
    for _ in range(10):
        bus = dbus.bus.BusConnection(sys.argv[1])
        conns.append(bus)
        mgr = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1")
        for _ in range(64):
            try:
                path = mgr.CreatePeerConnection(dbus.Dictionary({}, signature="sv"),
                                                dbus_interface="org.rtcd.WebRTC1.Manager")
            except dbus.exceptions.DBusException as e:
                if e.get_dbus_name() != "org.freedesktop.DBus.Error.LimitsExceeded":
                    raise
                break
            pc = dbus.Interface(bus.get_object("org.rtcd.WebRTC1", path),
                                "org.rtcd.WebRTC1.PeerConnection")
            pc.CreateDataChannel("x", dbus.Dictionary({}, signature="sv"))
            pc.SetLocalDescription("offer", "")
            held += 1
    print(held, flush=True)
    sys.stdin.read()      # holds everything until the test is done
""")

# An app making one peer connection: its candidates and candidate errors
# once gathering is complete, and the worst latency of its calls.
VICTIM = textwrap.dedent("""
    import json, sys, time, dbus, dbus.mainloop.glib
    from gi.repository import GLib
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(sys.argv[1])
    out = {"candidates": [], "errors": [], "worst_ms": 0.0}
    def timed(fn, *a, **kw):
        t = time.monotonic()
        r = fn(*a, **kw)
        out["worst_ms"] = max(out["worst_ms"], (time.monotonic() - t) * 1000)
        return r
    def on_signal(*args, member=None, **kw):
        if member == "IceCandidate":
            out["candidates"].append(str(args[0]))
        elif member == "IceCandidateError":
            out["errors"].append([str(a) for a in args])
    bus.add_signal_receiver(on_signal, dbus_interface="org.rtcd.WebRTC1.PeerConnection",
                            member_keyword="member")
    mgr = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1")
    path = timed(mgr.CreatePeerConnection, dbus.Dictionary({}, signature="sv"),
                 dbus_interface="org.rtcd.WebRTC1.Manager")
    pc = dbus.Interface(bus.get_object("org.rtcd.WebRTC1", path),
                        "org.rtcd.WebRTC1.PeerConnection")
    timed(pc.CreateDataChannel, "x", dbus.Dictionary({}, signature="sv"))
    timed(pc.SetLocalDescription, "offer", "")
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "" not in out["candidates"]:
        ctx.iteration(False) or time.sleep(0.005)
    t = time.monotonic() + 0.2
    while time.monotonic() < t:
        ctx.iteration(False) or time.sleep(0.005)
    out["gathering"] = str(timed(pc.Get, "org.rtcd.WebRTC1.PeerConnection",
                                 "IceGatheringState",
                                 dbus_interface="org.freedesktop.DBus.Properties"))
    timed(pc.GetStats)
    print(json.dumps(out))
""")


def need_bwrap():
    if not shutil.which("bwrap"):
        raise AssertionError("bubblewrap is not installed")


def run_victim(d, prefix):
    r = subprocess.run(prefix + ["/usr/bin/python3", "-c", VICTIM, d.address],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_many_connections_cannot_starve_another_app(d):
    """rtcd runs with 1024 descriptors and cannot raise them (hard = soft):
    an app with 10 connections x 64 peer connections, each gathering, would
    take them all; the victim, another app, must still get its candidates."""
    need_bwrap()
    pid = d.rtcd.pid
    rss_before = rss_kib(pid)
    hog = subprocess.Popen(sandbox_prefix(d, "org.example.Hog") +
                           ["/usr/bin/python3", "-c", HOG, d.address],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        line = hog.stdout.readline()
        assert line.strip().isdigit(), hog.stderr.read() if hog.poll() is not None else line
        held = int(line)
        time.sleep(0.3)     # the last gathering settles
        fds = open_fds(pid)
        victim = run_victim(d, sandbox_prefix(d, "org.example.Victim"))
        comment("hog holds %d peer connections; rtcd %d fds, RSS %d -> %d KiB; "
                         "victim's worst call %.1f ms" % (
                             held, fds, rss_before, rss_kib(pid), victim["worst_ms"]))
        cands = [c for c in victim["candidates"] if c]
        assert cands, victim
        assert victim["errors"] == [], victim
        assert victim["gathering"] == "complete", victim
        assert held < 640, held
        # The hog's own peer connections are not starved either.
        assert fds < 1024 - 64, fds
    finally:
        hog.stdin.close()
        hog.wait(30)
        hog.stdout.close()
        hog.stderr.close()


def test_no_socket_is_an_error(d):
    """With one port to bind, the second peer connection gets no socket: it
    says so with IceCandidateError instead of completing with nothing."""
    first = run_victim(d, [])
    assert [c for c in first["candidates"] if c] and first["errors"] == [], first
    bus = d.bus()
    keep = d.create_peer_connection(bus)   # holds the port
    keep.CreateDataChannel("x", E)
    keep.SetLocalDescription("offer", "")
    assert rtcdtest.pump(lambda: rtcdtest.prop(bus, keep.object_path, PC,
                                               "IceGatheringState") == "complete", 5)
    second = run_victim(d, [])
    comment("second: %s" % json.dumps(second))
    assert not [c for c in second["candidates"] if c], second
    assert second["errors"], second
    address, port, url, code, text = second["errors"][0]
    assert int(code) == 701 and "socket" in text, second["errors"]


def test_soft_fd_limit_raised(d):
    with open("/proc/%d/limits" % d.rtcd.pid) as f:
        line = [l for l in f if l.startswith("Max open files")][0]
    soft, hard = line.split()[3:5]
    assert soft == hard, line


# What a sandboxed app learns of a path: the error's name and message.
PROBE = textwrap.dedent("""
    import json, sys, dbus
    bus = dbus.bus.BusConnection(sys.argv[1])
    out = {}
    for path in sys.argv[2:]:
        answers = []
        o = bus.get_object("org.rtcd.WebRTC1", path)
        for call in (lambda: o.Close(dbus_interface="org.rtcd.WebRTC1.PeerConnection"),
                     lambda: o.Get("org.rtcd.WebRTC1.PeerConnection", "SignalingState",
                                   dbus_interface="org.freedesktop.DBus.Properties"),
                     lambda: o.GetStats(dbus_interface="org.rtcd.WebRTC1.PeerConnection"),
                     lambda: o.Introspect(dbus_interface="org.freedesktop.DBus.Introspectable"),
                     lambda: o.Ping(dbus_interface="org.freedesktop.DBus.Peer")):
            try:
                r = call()
                answers.append(["ok", str(r).replace(path, "PATH")])
            except dbus.exceptions.DBusException as e:
                answers.append([e.get_dbus_name(), e.get_dbus_message().replace(path, "PATH")])
        out[path] = answers
    mine = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1").CreatePeerConnection(
        dbus.Dictionary({}, signature="sv"), dbus_interface="org.rtcd.WebRTC1.Manager")
    out["mine"] = str(mine)
    print(json.dumps(out))
""")


def test_foreign_object_looks_absent(d):
    need_bwrap()
    owner = d.bus()
    pc = d.create_peer_connection(owner)
    dc = str(pc.CreateDataChannel("c", E))
    missing = ROOT + "/pc/987654"
    r = subprocess.run(sandbox_prefix(d, "org.example.Prober") +
                       ["/usr/bin/python3", "-c", PROBE, d.address, pc.object_path, dc,
                        missing, missing + "/dc/1"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    comment(json.dumps(out))
    assert out[pc.object_path] == out[missing], out
    assert out[dc] == out[missing + "/dc/1"], out
    assert out[missing][0][0] == "org.freedesktop.DBus.Error.UnknownObject", out
    # Its own object is reached, and the owner's is untouched.
    assert rtcdtest.prop(owner, pc.object_path, PC, "SignalingState") == "stable"


def test_object_numbers_unguessable(d):
    """Object paths carry numbers nobody can predict or count from: two apps
    creating peer connections and channels in turn get numbers that are not
    consecutive (nor close), spread over 1 .. 2^63 - 1 in decimal, and none
    comes back over 300 create/close cycles (the contract: never reused)."""
    buses = [d.bus(), d.bus()]
    pc_re = re.compile(r"^%s/pc/([1-9][0-9]*)$" % ROOT)
    order, seen = [], set()
    for i in range(300):
        bus = buses[i % 2]
        pc = d.create_peer_connection(bus)
        m = pc_re.match(pc.object_path)
        assert m, pc.object_path
        order.append(int(m.group(1)))
        for label in ("a", "b"):
            ch = str(pc.CreateDataChannel(label, E))
            assert re.match(r"^%s/dc/[1-9][0-9]*$" % re.escape(pc.object_path), ch), ch
            order.append(int(ch.rsplit("/", 1)[1]))
        pc.Close()
    seen = set(order)
    gaps = [abs(a - b) for a, b in zip(order, order[1:])]
    comment("first numbers %s; smallest gap between consecutive objects 2^%.1f" % (
        order[:3], math.log2(min(gaps))))
    assert len(seen) == len(order), "a number was used twice"
    assert all(0 < n < 1 << 63 for n in order), order
    # Random 63-bit numbers closer than 2^32: about one pair in 2^30.
    assert min(gaps) > 1 << 32, sorted(gaps)[:5]
    assert max(order) > 1 << 61 and min(order) < 1 << 61, (min(order), max(order))


def test_group_candidates_refused(d):
    """A peer's multicast, broadcast or unspecified candidate is refused
    (OperationError): no check goes there (test-ice-agent looks at the wire)."""
    bus = d.bus()
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    a.CreateDataChannel("x", E)
    a.SetLocalDescription("offer", "")
    b.SetRemoteDescription("offer", str(rtcdtest.prop(bus, a.object_path, PC,
                                                      "LocalDescription")[1]))
    b.SetLocalDescription("answer", "")     # its ICE agent runs: it judges each candidate
    for address in ("224.0.0.251", "239.255.255.250", "255.255.255.255", "0.0.0.0",
                    "ff02::1", "::"):
        cand = "candidate:9 1 udp 2130706431 %s 5353 typ host" % address
        try:
            b.AddIceCandidate(cand, "0", 0)
        except dbus.exceptions.DBusException as e:
            assert error_name(e) == "org.rtcd.WebRTC1.Error.OperationError", (address, e)
            assert "unicast" in e.get_dbus_message(), e
    b.AddIceCandidate("candidate:9 1 udp 2130706431 127.0.0.1 5353 typ host", "0", 0)
    # The agent holds none of them: no pair, no check.
    remote = [str(v["address"]) for v in b.GetStats().values()
              if v["type"] == "remote-candidate"]
    assert "127.0.0.1" in remote, remote
    assert not set(remote) & {"224.0.0.251", "239.255.255.250", "255.255.255.255",
                              "0.0.0.0", "ff02::1", "::"}, remote


def test_dtls_state_in_stats(d):
    """GetStats' transport says "connected" for DTLS once it is (it said
    "new" whatever the state before the engine became one object)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from test_ice import negotiate, Trickler, connected
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    negotiate(bus, a, bus, b)
    tr = Trickler(sig, {a.object_path: b, b.object_path: a})
    assert rtcdtest.pump(lambda: tr() or all(
        str(rtcdtest.prop(bus, p.object_path, PC, "ConnectionState")) == "connected"
        for p in (a, b)), 10)
    for p in (a, b):
        stats = p.GetStats()
        transport = [v for v in stats.values() if v["type"] == "transport"][0]
        assert transport["dtlsState"] == "connected", transport
        assert transport["iceState"] in ("connected", "completed"), transport


def test_calls_on_closing_and_closed_objects(d):
    """W3C's InvalidStateError while an object exists but is closing; once
    gone, UnknownObject (the contract: Close frees a peer connection and its
    channels at once, rtcd keeps no closed objects). A channel closed toward
    a peer that does not answer (its rtcd is stopped) stays "closing" until
    the stream reset completes: Send and OpenSocket are InvalidStateError,
    Close again is a no-op, properties read; then it is removed."""
    import signal
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from test_datachannel import connect_pair
    DC = rtcdtest.DC
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d, d2)
        assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch), 5)
        chan = dbus.Interface(bus_a.get_object(BUS_NAME, ch), DC)
        d2.rtcd.send_signal(signal.SIGSTOP)
        try:
            chan.Close()
            assert rtcdtest.prop(bus_a, ch, DC, "ReadyState") == "closing"
            answers = []
            for call in (lambda: chan.Send("late", signature="v"), chan.OpenSocket):
                try:
                    call()
                    answers.append("ok")
                except dbus.exceptions.DBusException as e:
                    answers.append(error_name(e))
            chan.Close()        # W3C: nothing more to do
            comment("calls on a closing channel: %s" % answers)
            assert answers == ["org.rtcd.WebRTC1.Error.InvalidStateError"] * 2, answers
        finally:
            d2.rtcd.send_signal(signal.SIGCONT)
        assert rtcdtest.pump(lambda: "Close" in sig_a.members(ch), 10), sig_a.members(ch)
        a.Close()
        for path, call in ((ch, lambda: chan.Send("x", signature="v")),
                           (a.object_path, lambda: a.CreateOffer(E)),
                           (a.object_path, lambda: a.GetStats())):
            try:
                call()
                raise AssertionError("a closed object answered")
            except dbus.exceptions.DBusException as e:
                assert error_name(e) == "org.freedesktop.DBus.Error.UnknownObject", (path, e)


def main():
    tap = rtcdtest.Tap()
    # rtcd with 1024 open files and no way to raise them, as under a unit
    # without LimitNOFILE whose hard limit is low.
    with rtcdtest.Daemon(start_rtcd=False) as d:
        saved = rtcdtest.DIE_WITH_PARENT
        rtcdtest.DIE_WITH_PARENT = saved + ["prlimit", "--nofile=1024:1024", "--"]
        try:
            d.start()
        finally:
            rtcdtest.DIE_WITH_PARENT = saved
        tap.run(test_many_connections_cannot_starve_another_app, d)
    with rtcdtest.Daemon(start_rtcd=False) as d:
        saved = rtcdtest.DIE_WITH_PARENT
        rtcdtest.DIE_WITH_PARENT = saved + ["prlimit", "--nofile=256:4096", "--"]
        try:
            d.start()
        finally:
            rtcdtest.DIE_WITH_PARENT = saved
        tap.run(test_soft_fd_limit_raised, d)
    port = 20000 + os.getpid() % 20000
    with rtcdtest.Daemon(["--port-range=%d-%d" % (port, port)]) as d:
        tap.run(test_no_socket_is_an_error, d)
    for t in (test_foreign_object_looks_absent, test_object_numbers_unguessable,
              test_group_candidates_refused, test_dtls_state_in_stats,
              test_calls_on_closing_and_closed_objects):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
