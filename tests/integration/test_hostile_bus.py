#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One client must not hurt the others through the bus (issue 14, items 1
and 2), on a bus whose message limit is Debian's: a message over rtcd's
16 MiB, from a plain or a sandboxed client, is refused (LimitsExceeded) and
rtcd stays up; a client that stops reading its data channel signals is held
back alone, while another client's calls are answered within a second."""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, ROOT, DC, MANAGER, PROPS
from test_datachannel import remote_channels, up
from test_ice import negotiate, state

E = dbus.Dictionary({}, signature="sv")
LIMITS = "org.freedesktop.DBus.Error.LimitsExceeded"
CONF = os.path.join(rtcdtest.SRC, "tests", "integration", "hostile-bus.conf")
MIB = 1 << 20

# Another app, in its own process: calls Get(Version) every 20 ms for `secs`
# seconds and reports its worst latency and its failures.
BYSTANDER = textwrap.dedent("""
    import json, sys, time, dbus
    bus = dbus.bus.BusConnection(sys.argv[1])
    # No introspection: each call is one round trip, the one measured.
    root = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1", introspect=False)
    end = time.monotonic() + float(sys.argv[2])
    worst, calls, failures = 0.0, 0, []
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            root.Get("org.rtcd.WebRTC1.Manager", "Version",
                     dbus_interface="org.freedesktop.DBus.Properties", timeout=5)
        except dbus.exceptions.DBusException as e:
            failures.append(e.get_dbus_name())
        worst = max(worst, time.monotonic() - t)
        calls += 1
        time.sleep(0.02)
    print(json.dumps({"worst": worst, "calls": calls, "failures": failures}))
""")


class Bystander:
    def __init__(self, d, secs):
        self.proc = subprocess.Popen([sys.executable, "-c", BYSTANDER, d.address, str(secs)],
                                     stdout=subprocess.PIPE, text=True)

    def result(self):
        out, _ = self.proc.communicate(timeout=120)
        r = json.loads(out)
        print("# bystander: %d calls, worst %.3f s, failures %s" % (
            r["calls"], r["worst"], r["failures"][:3]))
        return r


def rss_mib(d):
    with open("/proc/%d/status" % d.rtcd.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def alive(d):
    assert d.rtcd.poll() is None, "rtcd exited:\n" + d.log()[-3000:]
    assert d.bus().name_has_owner(BUS_NAME)


# What a client sends: a call of `size` bytes and a unicast signal of as much.
ATTACK = textwrap.dedent("""
    import json, sys, dbus
    bus = dbus.bus.BusConnection(sys.argv[1])
    size = int(sys.argv[2])
    out = {}
    root = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1")
    pc = bus.get_object("org.rtcd.WebRTC1", root.CreatePeerConnection(
        dbus.Dictionary({}, signature="sv"), dbus_interface="org.rtcd.WebRTC1.Manager"))
    sig = dbus.lowlevel.SignalMessage("/x", "org.example.Hostile", "Big")
    sig.set_destination(bus.get_name_owner("org.rtcd.WebRTC1"))
    sig.append(dbus.ByteArray(b"s" * size), signature="ay")
    bus.send_message(sig)
    for what, fn in (
            ("sdp", lambda: pc.SetRemoteDescription("offer", "v" * size,
                                                    dbus_interface="org.rtcd.WebRTC1.PeerConnection")),
            ("bytes", lambda: root.CreatePeerConnection(
                dbus.Dictionary({"x": dbus.ByteArray(b"b" * size)}, signature="sv"),
                dbus_interface="org.rtcd.WebRTC1.Manager"))):
        try:
            fn()
            out[what] = None
        except dbus.exceptions.DBusException as e:
            out[what] = e.get_dbus_name()
    out["after"] = pc.Get("org.rtcd.WebRTC1.PeerConnection", "SignalingState",
                          dbus_interface="org.freedesktop.DBus.Properties")
    print(json.dumps(out))
""")


def attack(d, prefix, size):
    r = subprocess.run(prefix + ["/usr/bin/python3", "-c", ATTACK, d.address, str(size)],
                       capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stderr[-2000:] + d.log()[-2000:]
    return json.loads(r.stdout)


def oversize(d, prefix):
    rss0 = rss_mib(d)
    byst = Bystander(d, 4)
    peak = rss0
    for size in (17 * MIB, 60 * MIB):
        out = attack(d, prefix, size)
        alive(d)
        peak = max(peak, rss_mib(d))
        assert out == {"sdp": LIMITS, "bytes": LIMITS, "after": "stable"}, (size, out)
    r = byst.result()
    print("# rtcd RSS %.1f MiB before, %.1f MiB after (peak seen %.1f)" % (
        rss0, rss_mib(d), peak))
    alive(d)
    assert not r["failures"], r


def test_oversize_message_plain(d):
    oversize(d, [])


def sandbox_prefix(d):
    info = os.path.join(d.tmp.name, "flatpak-info")
    with open(info, "w") as f:
        f.write("[Application]\nname=org.example.Hostile\n")
    socket_path = d.address.split("path=", 1)[1].split(",", 1)[0]
    return ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
            "--ro-bind", info, "/.flatpak-info", "--unshare-pid",
            "--bind", socket_path, socket_path]


def test_oversize_message_sandboxed(d):
    if not shutil.which("bwrap"):
        raise AssertionError("bubblewrap is not installed")
    oversize(d, sandbox_prefix(d))


def test_stalled_signal_reader(d, secs=15):
    """A receives with Message signals and stops reading its bus connection;
    its peer writes 64 KiB records as fast as rtcd takes them."""
    bus_a, bus_b = d.bus(), d.bus()
    sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
    a, b = d.create_peer_connection(bus_a), d.create_peer_connection(bus_b)
    ch = str(a.CreateDataChannel("chat", E))
    negotiate(bus_a, a, bus_b, b)
    assert up(bus_a, a, bus_b, b, sig_a, sig_b), state(bus_a, a, "ConnectionState")
    assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch) and
                         len(remote_channels(sig_b, b)) == 2, 5)
    peer = [p for p in remote_channels(sig_b, b)
            if rtcdtest.prop(bus_b, p, DC, "Label") == "chat"][0]
    sa = socket.socket(fileno=dbus.Interface(bus_a.get_object(BUS_NAME, ch), DC)
                       .OpenSocket().take())
    sa.setblocking(False)
    rss0 = rss_mib(d)

    # From here on nothing reads bus_b (the main loop does not run).
    byst = Bystander(d, secs)
    record = bytes([2]) + bytes(64 * 1024)
    written = 0
    end = time.monotonic() + secs - 2
    while time.monotonic() < end:
        _, w, _ = select.select([], [sa], [], 0.2)
        if not w:
            continue
        try:
            while True:
                sa.send(record)
                written += 1
        except BlockingIOError:
            pass
    rss_attack = rss_mib(d)
    r = byst.result()
    alive(d)
    print("# wrote %d records (%d MiB) while B did not read; rtcd RSS %.1f -> %.1f MiB" % (
        written, written * len(record) // MIB, rss0, rss_attack))
    assert not r["failures"] and r["worst"] < 1.0, r

    # B reads again: what was held back arrives, nothing was dropped.
    got = lambda: len([m for (p, _, m, _) in sig_b.log if p == peer and m == "Message"])
    assert rtcdtest.pump(lambda: got() >= written, 60), (got(), written)
    assert "Error" not in sig_b.members(peer)
    sa.close()


def main():
    tap = rtcdtest.Tap()
    for t in (test_oversize_message_plain, test_oversize_message_sandboxed,
              test_stalled_signal_reader):
        with rtcdtest.Daemon(bus_config=CONF) as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
