#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Data channels end to end through the daemon: DTLS and SCTP over ICE on
loopback, in one daemon and across two; text and binary messages up to
256 KiB, channels opened by either side, negotiated and unreliable
channels, close from either side, and a wrong fingerprint."""
import sys

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, DC, PC
from test_ice import Trickler, negotiate, state

E = dbus.Dictionary({}, signature="sv")


def up(bus_a, a, bus_b, b, sig_a, sig_b, timeout=10):
    ta = Trickler(sig_a, {a.object_path: b})
    tb = Trickler(sig_b, {b.object_path: a}) if sig_b is not sig_a else None
    if tb is None:
        ta.pairs[b.object_path] = a
    return rtcdtest.pump(lambda: ta() or (tb and tb()) or (
        state(bus_a, a, "ConnectionState") == "connected" and
        state(bus_b, b, "ConnectionState") == "connected"), timeout)


def dc(bus, path):
    return dbus.Interface(bus.get_object(BUS_NAME, path), DC)


def remote_channels(sig, pc):
    return [str(args[0]) for (p, _, m, args) in sig.log if p == pc.object_path and m == "DataChannel"]


def messages(sig, path):
    return [args[0] for (p, _, m, args) in sig.log if p == path and m == "Message"]


def connect_pair(d, d2=None, init=None):
    bus_a = d.bus()
    bus_b = (d2 or d).bus() if d2 else bus_a
    sig_a = rtcdtest.Signals(bus_a)
    sig_b = rtcdtest.Signals(bus_b) if d2 else sig_a
    a = d.create_peer_connection(bus_a)
    b = (d2 or d).create_peer_connection(bus_b)
    ch = str(a.CreateDataChannel("chat", dbus.Dictionary(init or {}, signature="sv")))
    # negotiate() makes one more channel "x" first; ours exists already.
    negotiate(bus_a, a, bus_b, b)
    assert up(bus_a, a, bus_b, b, sig_a, sig_b), (state(bus_a, a, "ConnectionState"),
                                                state(bus_b, b, "ConnectionState"))
    return bus_a, bus_b, sig_a, sig_b, a, b, ch


def socket_pair(d, d2=None):
    """connect_pair's names, b's end of the "chat" channel once it is open
    at both ends, and an OpenSocket on each end, non-blocking."""
    import socket
    bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d, d2)
    assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch) and len(remote_channels(sig_b, b)) == 2, 5)
    peer = [p for p in remote_channels(sig_b, b) if rtcdtest.prop(bus_b, p, DC, "Label") == "chat"][0]
    sa = socket.socket(fileno=dc(bus_a, ch).OpenSocket().take())
    sb = socket.socket(fileno=dc(bus_b, peer).OpenSocket().take())
    sa.setblocking(False)
    sb.setblocking(False)
    return bus_a, bus_b, sig_a, sig_b, a, b, ch, peer, sa, sb


def test_echo_sizes(d):
    bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d)
    assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch) and len(remote_channels(sig_b, b)) == 2, 5)
    assert rtcdtest.prop(bus_a, ch, DC, "ReadyState") == "open"
    assert rtcdtest.prop(bus_a, ch, DC, "Id") != 0xffff
    peer = [p for p in remote_channels(sig_b, b)
            if rtcdtest.prop(bus_b, p, DC, "Label") == "chat"][0]
    assert rtcdtest.prop(bus_b, peer, DC, "ReadyState") == "open"
    sizes = [1, 100, 1200, 16384, 65536, 262144]
    for n in sizes:
        dc(bus_a, ch).Send(dbus.ByteArray(bytes(i % 251 for i in range(n))), signature="v")
        dc(bus_a, ch).Send("é" * (n // 2) if n > 1 else "a", signature="v")
    assert rtcdtest.pump(lambda: len(messages(sig_b, peer)) == 2 * len(sizes), 20), \
        len(messages(sig_b, peer))
    got = messages(sig_b, peer)
    for i, n in enumerate(sizes):
        assert bytes(got[2 * i]) == bytes(i % 251 for i in range(n)), n
        assert str(got[2 * i + 1]) == ("é" * (n // 2) if n > 1 else "a"), n
    # Too big for the peer's max-message-size (ours: 256 KiB).
    try:
        dc(bus_a, ch).Send(dbus.ByteArray(b"x" * (262144 + 1)))
        raise AssertionError("an oversized message was taken")
    except dbus.exceptions.DBusException as e:
        assert e.get_dbus_name() == "org.rtcd.WebRTC1.Error.TypeError", e
    # Echo back the other way.
    dc(bus_b, peer).Send("pong", signature="v")
    assert rtcdtest.pump(lambda: [str(m) for m in messages(sig_a, ch)] == ["pong"], 5)


def test_channel_from_answerer_and_close(d):
    bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d)
    late = str(b.CreateDataChannel("late", E))
    assert rtcdtest.pump(lambda: "Open" in sig_b.members(late), 5)
    assert rtcdtest.pump(lambda: any(
        rtcdtest.prop(bus_a, p, DC, "Label") == "late" for p in remote_channels(sig_a, a)), 5)
    mine = [p for p in remote_channels(sig_a, a) if rtcdtest.prop(bus_a, p, DC, "Label") == "late"][0]
    # Ids by DTLS role: one side even, the other odd (RFC 8832 6).
    assert (int(rtcdtest.prop(bus_a, ch, DC, "Id")) - int(rtcdtest.prop(bus_b, late, DC, "Id"))) % 2 == 1
    # Close from the side that did not open it: both see closing, then close.
    dc(bus_a, mine).Close()
    assert rtcdtest.pump(lambda: "Close" in sig_b.members(late) and "Close" in sig_a.members(mine), 5)
    order = [m for m in sig_b.members(late) if m in ("Open", "Closing", "Close")]
    assert order == ["Open", "Closing", "Close"], order
    try:
        dc(bus_b, late).Send("after close", signature="v")
        raise AssertionError("sent on a closed channel")
    except dbus.exceptions.DBusException as e:
        assert e.get_dbus_name() == "org.freedesktop.DBus.Error.UnknownObject", e


def test_negotiated_and_unreliable(d):
    neg = {"negotiated": True, "id": dbus.UInt16(40)}
    bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d, init=neg)
    other = str(b.CreateDataChannel("chat", dbus.Dictionary(neg, signature="sv")))
    assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch) and "Open" in sig_b.members(other), 5)
    dc(bus_a, ch).Send("negotiated", signature="v")
    assert rtcdtest.pump(lambda: [str(m) for m in messages(sig_b, other)] == ["negotiated"], 5)
    # No DataChannel signal for a negotiated channel (only "x" from negotiate()).
    assert all(rtcdtest.prop(bus_b, p, DC, "Label") == "x" for p in remote_channels(sig_b, b))
    unrel = str(a.CreateDataChannel("fast", dbus.Dictionary(
        {"ordered": False, "max-retransmits": dbus.UInt16(0)}, signature="sv")))
    assert rtcdtest.pump(lambda: any(rtcdtest.prop(bus_b, p, DC, "Label") == "fast"
                                     for p in remote_channels(sig_b, b)), 5)
    peer = [p for p in remote_channels(sig_b, b) if rtcdtest.prop(bus_b, p, DC, "Label") == "fast"][0]
    assert not rtcdtest.prop(bus_b, peer, DC, "Ordered")
    assert rtcdtest.prop(bus_b, peer, DC, "MaxRetransmits") == 0
    for i in range(50):
        dc(bus_a, unrel).Send("m%d" % i, signature="v")
    # Loopback loses nothing: all arrive, in some order.
    assert rtcdtest.pump(lambda: len(messages(sig_b, peer)) == 50, 5)


def test_two_daemons(d):
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d, d2)
        assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch), 5)
        assert rtcdtest.pump(lambda: len(remote_channels(sig_b, b)) == 2, 5)
        peer = [p for p in remote_channels(sig_b, b)
                if rtcdtest.prop(bus_b, p, DC, "Label") == "chat"][0]
        dc(bus_a, ch).Send("across", signature="v")
        assert rtcdtest.pump(lambda: [str(m) for m in messages(sig_b, peer)] == ["across"], 5)
        stats = a.GetStats()
        t = [v for v in stats.values() if v["type"] == "transport"][0]
        assert int(stats[t["selectedCandidatePairId"]]["bytesSent"]) > 0
        # W3C RTCDataChannelStats count payload bytes, each side its own way.
        sent = [v for v in stats.values() if v["type"] == "data-channel" and v["label"] == "chat"][0]
        assert (int(sent["messagesSent"]), int(sent["bytesSent"])) == (1, 6), sent
        assert (int(sent["messagesReceived"]), int(sent["bytesReceived"])) == (0, 0), sent
        got = [v for v in b.GetStats().values() if v["type"] == "data-channel" and v["label"] == "chat"][0]
        assert (int(got["messagesReceived"]), int(got["bytesReceived"])) == (1, 6), got


def test_wrong_fingerprint(d):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    ch = str(a.CreateDataChannel("secret", E))
    a.SetLocalDescription("offer", "")
    offer = str(rtcdtest.prop(bus, a.object_path, PC, "LocalDescription")[1])
    b.SetRemoteDescription("offer", offer)
    b.SetLocalDescription("answer", "")
    answer = str(rtcdtest.prop(bus, b.object_path, PC, "LocalDescription")[1])
    lines = answer.split("\r\n")
    fp = [i for i, l in enumerate(lines) if l.startswith("a=fingerprint:sha-256 ")][0]
    digest = lines[fp].split(" ", 1)[1]
    lines[fp] = "a=fingerprint:sha-256 " + ("00" if digest[:2] != "00" else "11") + digest[2:]
    a.SetRemoteDescription("answer", "\r\n".join(lines))
    tr = Trickler(sig, {a.object_path: b, b.object_path: a})
    assert rtcdtest.pump(lambda: tr() or state(bus, a, "ConnectionState") == "failed", 15), \
        state(bus, a, "ConnectionState")
    assert rtcdtest.prop(bus, ch, DC, "ReadyState") == "connecting"
    assert "Open" not in sig.members(ch)
    assert remote_channels(sig, b) == []
    assert "DTLS failed" in d.log()


def test_open_socket(d):
    """OpenSocket: records on a SOCK_SEQPACKET socket instead of signals,
    both ways, up to 256 KiB, with the socket's backpressure."""
    import socket
    bus_a, bus_b, sig_a, sig_b, a, b, ch, peer, sa, sb = socket_pair(d)
    assert sa.type == socket.SOCK_SEQPACKET
    sent = [b"\x01hello", b"\x02" + bytes(range(256)) * 1024, b"\x02",
            b"\x01" + "é".encode() * 1000]
    for r in sent:
        sa.send(r)
    got = []

    def drain():
        while True:
            try:
                got.append(sb.recv(262145 + 16))
            except BlockingIOError:
                return len(got) >= len(sent)
    assert rtcdtest.pump(drain, 10), [len(g) for g in got]
    assert got == sent, [len(g) for g in got]
    # No Message signal while the socket is open.
    assert messages(sig_b, peer) == []
    # A bulk run: 64 records of 64 KiB, read back whole and in order.
    big = [bytes([2]) + bytes([i]) * 65536 for i in range(64)]
    got.clear()
    sent = big
    pending = list(big)

    def pump_both():
        while pending:
            try:
                sa.send(pending[0])
                pending.pop(0)
            except BlockingIOError:
                break
        return drain()
    assert rtcdtest.pump(pump_both, 30), len(got)
    assert got == big
    # A bad record is refused with an Error signal; the channel lives on.
    sa.send(b"\x07oops")
    assert rtcdtest.pump(lambda: "Error" in sig_a.members(ch), 5)
    # Closing the app's end: messages are signals again.
    sb.close()
    rtcdtest.pump(timeout=0.3)
    sa.send(b"\x01after")
    assert rtcdtest.pump(lambda: [str(m) for m in messages(sig_b, peer)] == ["after"], 5)
    sa.close()


def test_open_socket_close_keeps_data(d):
    """A reader that is behind when the channel closes: every record sent
    before the close still reaches it, then end-of-file."""
    bus_a, bus_b, sig_a, sig_b, a, b, ch, peer, sa, sb = socket_pair(d)
    # More than the app's socket buffer holds (1 MiB): the rest waits in rtcd.
    big = [bytes([2]) + bytes([i]) * 65536 for i in range(48)]
    pending = list(big)

    def send_all():
        while pending:
            try:
                sa.send(pending[0])
                pending.pop(0)
            except BlockingIOError:
                return False
        return rtcdtest.prop(bus_a, ch, DC, "BufferedAmount") == 0
    assert rtcdtest.pump(send_all, 30), len(pending)
    dc(bus_a, ch).Close()
    # The close is behind the data: b's rtcd stopped taking data from SCTP
    # once its reader was 1 MiB behind, and SCTP resets a stream only after
    # what was sent before the reset. So it comes while the reader catches
    # up; the socket still gives every record, then end-of-file.
    got = []

    def read_some():
        while True:
            try:
                r = sb.recv(262145 + 16)
            except BlockingIOError:
                return False
            if not r:
                return True
            got.append(r)
    assert rtcdtest.pump(read_some, 20), "no end-of-file after %d of %d records" % (
        len(got), len(big))
    assert rtcdtest.pump(lambda: "Close" in sig_b.members(peer), 10)
    assert got == big, [len(g) for g in got]
    sa.close()
    sb.close()


def cpu_seconds(pid):
    import os
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_open_socket_paused_sleeps(d):
    """While reading from the app waits for the SCTP send buffer to drain
    (the peer is stopped here), rtcd sleeps: no busy loop on the socket.
    An idle wait costs ~0 CPU; the loop it replaces cost a whole core."""
    import signal
    import socket
    import time
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b, sig_a, sig_b, a, b, ch, peer, sa, sb = socket_pair(d, d2)
        d2.rtcd.send_signal(signal.SIGSTOP)
        try:
            record = b"\x02" + bytes(65536)
            sent = 0
            deadline = time.monotonic() + 10
            # Until the socket is full: rtcd has paused reading it.
            while time.monotonic() < deadline:
                try:
                    sa.send(record)
                    sent += 1
                except BlockingIOError:
                    rtcdtest.pump(timeout=0.5)
                    try:
                        sa.send(record)
                        sent += 1
                    except BlockingIOError:
                        break
            assert rtcdtest.prop(bus_a, ch, DC, "BufferedAmount") > 1024 * 1024
            before = cpu_seconds(d.rtcd.pid)
            time.sleep(2)
            used = cpu_seconds(d.rtcd.pid) - before
            assert used < 0.5, "rtcd used %.2f s of CPU in 2 s while waiting" % used
        finally:
            d2.rtcd.send_signal(signal.SIGCONT)
        # Everything still arrives once the peer runs again.
        sb.settimeout(20)
        for i in range(sent):
            assert sb.recv(262145 + 16) == record, i
        sa.close()
        sb.close()


def test_open_socket_slow_reader_loses_nothing(d):
    """An app that stops reading its socket: the receiving rtcd stops taking
    data from SCTP, the window closes, and the sender's app is held back
    (its socket fills) instead of the receiver dropping what its quota
    cannot hold (4 MiB here, far less than what is sent). Once the app reads
    again, every record arrives, in order; no Error on the way. While held,
    neither daemon spins."""
    import time
    total_records = 256                  # 16 MiB: four times the quota
    with rtcdtest.Daemon(extra_args=["--max-queued-bytes=%d" % (4 << 20)]) as d2:
        bus_a, bus_b, sig_a, sig_b, a, b, ch, peer, sa, sb = socket_pair(d, d2)

        def record(i):
            return bytes([2]) + i.to_bytes(4, "big") + bytes([i & 0xff]) * 65531

        sent = [0]
        last_progress = [time.monotonic()]

        def send_some():
            while sent[0] < total_records:
                try:
                    sa.send(record(sent[0]))
                except BlockingIOError:
                    return
                sent[0] += 1
                last_progress[0] = time.monotonic()

        # The receiving app sleeps: send until nothing has moved for 2 s.
        deadline = time.monotonic() + 30
        while time.monotonic() - last_progress[0] < 2 and time.monotonic() < deadline:
            send_some()
            rtcdtest.pump(timeout=0.1)
        assert sent[0] < total_records, "nothing held the sender back"
        held = sent[0]
        before = (cpu_seconds(d.rtcd.pid), cpu_seconds(d2.rtcd.pid))
        time.sleep(2)
        used = [cpu_seconds(p) - b for p, b in zip((d.rtcd.pid, d2.rtcd.pid), before)]
        assert max(used) < 0.5, "while held, the daemons used %s s of CPU in 2 s" % used
        assert rtcdtest.pump(lambda: False, 0.2) is False
        assert "Error" not in sig_b.members(peer), "the receiver dropped something"

        # The app reads again: everything arrives, in order.
        got = 0
        deadline = time.monotonic() + 60
        while got < total_records and time.monotonic() < deadline:
            send_some()
            while True:
                try:
                    r = sb.recv(262145 + 16)
                except BlockingIOError:
                    break
                assert r == record(got), "record %d: %d bytes, starts %r" % (got, len(r), r[:6])
                got += 1
            rtcdtest.pump(timeout=0.01)
        assert got == total_records, "%d of %d records (held at %d)" % (got, total_records, held)
        assert "Error" not in sig_b.members(peer), "the receiver dropped something"
        print("# held back at %d of %d records sent (64 KiB each); all %d arrived" % (
            held, total_records, got))
        sa.close()
        sb.close()


def main():
    tap = rtcdtest.Tap()
    for t in (test_echo_sizes, test_channel_from_answerer_and_close, test_negotiated_and_unreliable,
              test_two_daemons, test_wrong_fingerprint, test_open_socket,
              test_open_socket_close_keeps_data, test_open_socket_paused_sleeps,
              test_open_socket_slow_reader_loses_nothing):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
