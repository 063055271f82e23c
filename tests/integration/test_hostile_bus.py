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
from rtcdtest import BUS_NAME, ROOT, DC, MANAGER, PC, PROPS
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


class DeafClient:
    """A GDBus connection that reads everything but never answers
    org.freedesktop.DBus.Peer calls (a filter swallows them), as behind a
    filtering proxy or with a library that does not implement Peer."""

    def __init__(self, d):
        from gi.repository import Gio
        self.Gio = Gio
        self.g = Gio.DBusConnection.new_for_address_sync(
            d.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.pings = 0
        self.log = []
        self.filter = self.g.add_filter(self._deaf)
        self.g.signal_subscribe(None, None, None, None, None, Gio.DBusSignalFlags.NONE,
                                self._on_signal)

    def _deaf(self, conn, msg, incoming):
        if incoming and msg.get_message_type() == self.Gio.DBusMessageType.METHOD_CALL \
                and msg.get_interface() == "org.freedesktop.DBus.Peer":
            self.pings += 1
            return None
        return msg

    def _on_signal(self, conn, sender, path, iface, member, params):
        # A message's bytes would be a Python list of ints: not kept.
        self.log.append((path, member, None if member == "Message" else params.unpack()))

    def hear(self):
        self.g.remove_filter(self.filter)

    def call(self, path, iface, method, sig=None, *args, timeout=10):
        from gi.repository import GLib
        r = self.g.call_sync(BUS_NAME, path, iface, method,
                             GLib.Variant("(%s)" % sig, args) if sig else None,
                             None, self.Gio.DBusCallFlags.NONE, timeout * 1000, None)
        return r.unpack() if r else None

    def prop(self, path, iface, name):
        return self.call(path, PROPS, "Get", "ss", iface, name)[0]

    def open_socket(self, path):
        r, fds = self.g.call_with_unix_fd_list_sync(
            BUS_NAME, path, DC, "OpenSocket", None, None, self.Gio.DBusCallFlags.NONE,
            10000, None, None)
        return socket.socket(fileno=fds.get(r.unpack()[0]))

    def close(self):
        self.g.close_sync(None)


def error_of(call):
    from gi.repository import GLib, Gio
    try:
        call()
        return None
    except GLib.Error as e:
        return Gio.DBusError.get_remote_error(e), str(e)


def test_client_never_answers_ping(d):
    """A client reads its Message signals but never answers rtcd's
    Peer.Ping: rtcd cannot tell that it reads, holds its channel at 4 MiB
    unread, and once the Ping has gone unanswered for --unread-timeout (3 s
    here) takes it for not reading: the channel gets an Error (W3C: error,
    then close) and is closed, so its peer stops waiting (the writing end
    closes too); the client's calls are refused (LimitsExceeded, saying to
    answer Ping) until it answers one, then it is served again. Another
    client's calls are answered within a second throughout."""
    c = DeafClient(d)
    inspector = d.bus()
    try:
        a = c.call(ROOT, MANAGER, "CreatePeerConnection", "a{sv}", {})[0]
        b = c.call(ROOT, MANAGER, "CreatePeerConnection", "a{sv}", {})[0]
        ch = c.call(a, PC, "CreateDataChannel", "sa{sv}", "chat", {})[0]
        c.call(a, PC, "SetLocalDescription", "ss", "offer", "")
        assert rtcdtest.pump(lambda: c.prop(a, PC, "IceGatheringState") == "complete", 5)
        c.call(b, PC, "SetRemoteDescription", "ss", "offer", c.prop(a, PC, "LocalDescription")[1])
        c.call(b, PC, "SetLocalDescription", "ss", "answer", "")
        assert rtcdtest.pump(lambda: c.prop(b, PC, "IceGatheringState") == "complete", 5)
        c.call(a, PC, "SetRemoteDescription", "ss", "answer", c.prop(b, PC, "LocalDescription")[1])
        peer = lambda: [args[0] for (p, m, args) in c.log if p == b and m == "DataChannel"]
        assert rtcdtest.pump(lambda: peer() and (ch, "Open", ()) in c.log, 10), c.log[-5:]
        peer = peer()[0]
        sa = c.open_socket(ch)
        sa.setblocking(False)

        byst = Bystander(d, 15)
        record = bytes([2]) + bytes(64 * 1024)
        written = 0
        start = time.monotonic()
        error_at = None
        # The client reads (the main loop runs) while its peer writes.
        while time.monotonic() - start < 20 and error_at is None:
            try:
                while True:
                    sa.send(record)
                    written += 1
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                pass
            rtcdtest.pump(timeout=0.05)
            if [1 for (p, m, _) in c.log if p == peer and m == "Error"]:
                error_at = time.monotonic() - start
        got = len([1 for (p, m, _) in c.log if p == peer and m == "Message"])
        errors = [args for (p, m, args) in c.log if p == peer and m == "Error"]
        print("# wrote %d records of 64 KiB, %d arrived; %d pings swallowed; "
              "Error after %s s" % (written, got, c.pings,
                                    "%.1f" % error_at if error_at else "never"))
        assert c.pings >= 1
        assert errors and errors[0][0] == "OperationError" and "Peer.Ping" in errors[0][1], \
            errors or c.log[-5:]
        assert error_at >= 3, error_at
        assert got * 64 * 1024 < 8 * MIB, got       # held at about 4 MiB
        # Refused while silent; the peer's end (and its socket) closes.
        refused = error_of(lambda: c.prop(ROOT, MANAGER, "Version"))
        assert refused and refused[0] == LIMITS and "Ping" in refused[1], refused
        gone = lambda path: rtcdtest.error_name(rtcdtest_try(
            lambda: inspector.get_object(BUS_NAME, path, introspect=False).Get(
                DC, "ReadyState", dbus_interface=PROPS))) == \
            "org.freedesktop.DBus.Error.UnknownObject"
        assert rtcdtest.pump(lambda: gone(peer) and gone(ch), 10), d.log()[-2000:]
        r = byst.result()
        assert not r["failures"] and r["worst"] < 1.0, r
        alive(d)

        # It answers again: served again.
        c.hear()
        assert rtcdtest.pump(lambda: error_of(
            lambda: c.prop(ROOT, MANAGER, "Version")) is None, 15)
        sa.close()
    finally:
        c.close()


def rtcdtest_try(fn):
    try:
        return fn()
    except dbus.exceptions.DBusException as e:
        return e


def test_slow_reader_not_taken_for_silent(d):
    """With --unread-timeout=20, a client that reads nothing for 5 s (its
    Pings answered late, not never: after the stall, dbus-python takes
    seconds more to read the 4 MiB before the Ping) is held and then served:
    no Error, every message arrives. A legitimately slow client is not
    dropped."""
    test_stalled_signal_reader(d, 5)


def main():
    tap = rtcdtest.Tap()
    for t in (test_oversize_message_plain, test_oversize_message_sandboxed,
              test_stalled_signal_reader):
        with rtcdtest.Daemon(bus_config=CONF) as d:
            tap.run(t, d)
    with rtcdtest.Daemon(["--unread-timeout=3"], bus_config=CONF) as d:
        tap.run(test_client_never_answers_ping, d)
    with rtcdtest.Daemon(["--unread-timeout=20"], bus_config=CONF) as d:
        tap.run(test_slow_reader_not_taken_for_silent, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
