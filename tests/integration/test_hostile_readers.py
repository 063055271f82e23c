#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Clients that read their messages late, or seem never to (issue 14): rtcd
learns what a client has read from its answers to org.freedesktop.DBus.Peer.Ping.
One that never answers (a GDBus filter swallows the Ping, as a filtering
proxy or a stuck connection would) is held at 4 MiB unread and, after
--unread-timeout, taken for not reading: its channels get an Error and
close, its calls are refused until it answers again. One that answers late
but within the timeout is held, then served, and loses nothing. A bystander's
calls are answered within a second throughout."""
import socket
import sys
import time

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, ROOT, DC, MANAGER, PC, PROPS
from test_hostile_bus import CONF, LIMITS, MIB, Bystander, alive, test_stalled_signal_reader


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
    with rtcdtest.Daemon(["--unread-timeout=3"], bus_config=CONF) as d:
        tap.run(test_client_never_answers_ping, d)
    with rtcdtest.Daemon(["--unread-timeout=20"], bus_config=CONF) as d:
        tap.run(test_slow_reader_not_taken_for_silent, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
