#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls a hostile app may make that must cost only that app (issue 14):
Send toward a peer that does not read, AddIceCandidate without end, a
description with a flood of candidates. Each test prints rtcd's RSS and a
bystander client's worst call latency during the attack."""
import os
import select
import signal
import socket
import subprocess
import sys
import time

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, DC, MANAGER, PC, PROPS, ROOT
from test_datachannel import connect_pair, dc, remote_channels

E = dbus.Dictionary({}, signature="sv")
MIB = 1 << 20


def sanitized():
    """rtcd built with AddressSanitizer: its quarantine keeps up to 256 MiB
    of freed memory resident, so RSS says nothing about what rtcd holds."""
    with open(rtcdtest.find_rtcd(), "rb") as f:
        return b"__asan_init" in f.read()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


BYSTANDER = r"""
import sys, time, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
obj = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1")
worst = 0.0
sys.stdout.write("ready\n"); sys.stdout.flush()
while True:
    t = time.monotonic()
    obj.Get("org.rtcd.WebRTC1.Manager", "Version", dbus_interface="org.freedesktop.DBus.Properties",
            timeout=60)
    worst = max(worst, time.monotonic() - t)
    sys.stdout.write("%f\n" % worst); sys.stdout.flush()
    time.sleep(0.005)
"""


class Bystander:
    """Another client calling rtcd all along, in its own process: its worst
    call latency while an attack runs."""

    def __init__(self, d):
        self.proc = subprocess.Popen([sys.executable, "-c", BYSTANDER, d.address],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def worst(self):
        self.proc.terminate()
        out = self.proc.communicate()[0].split()
        return float(out[-1]) if out else float("inf")


def report(what, d, before_kib, bystander):
    print("# %s: rtcd RSS %d -> %d KiB, bystander's worst call %.1f ms" % (
        what, before_kib, rss_kib(d.rtcd.pid), bystander.worst() * 1000))


def test_send_past_quota(d):
    """Send toward a peer that does not read (its rtcd is stopped): W3C
    send() throws once the buffer would overflow. rtcd refuses past the
    owner's quota (--max-buffered-bytes, 4 MiB here) with LimitsExceeded,
    instead of buffering all of it; once the peer reads again, Send works."""
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d, d2)
        assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch), 5)
        before = rss_kib(d.rtcd.pid)
        by = Bystander(d)
        d2.rtcd.send_signal(signal.SIGSTOP)
        refused = None
        sent = 0
        try:
            chunk = dbus.ByteArray(bytes(256 * 1024))
            while sent < 64 * MIB:
                try:
                    dc(bus_a, ch).Send(chunk, signature="v")
                    sent += len(chunk)
                except dbus.exceptions.DBusException as e:
                    refused = e
                    break
            buffered = rtcdtest.prop(bus_a, ch, DC, "BufferedAmount")
        finally:
            d2.rtcd.send_signal(signal.SIGCONT)
        report("Send to a stopped peer", d, before, by)
        assert refused is not None, "%d MiB accepted" % (sent // MIB)
        assert rtcdtest.error_name(refused) == "org.freedesktop.DBus.Error.LimitsExceeded", refused
        assert "buffered" in str(refused), refused
        assert buffered <= 4 * MIB, buffered
        assert sent >= 2 * MIB, sent       # what fits is taken
        # The peer runs again: the buffer drains and Send is taken again.
        assert rtcdtest.pump(lambda: rtcdtest.prop(bus_a, ch, DC, "BufferedAmount") < MIB, 30)
        dc(bus_a, ch).Send("after", signature="v")


def channel_sockets(bus, channels):
    socks = []
    for c in channels:
        s = socket.socket(fileno=dc(bus, c).OpenSocket().take())
        s.setblocking(False)
        socks.append(s)
    return socks


def fill(socks, secs):
    """Writes 64 KiB records into every socket as fast as they take them."""
    record = bytes([2]) + bytes(64 * 1024)
    written = 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        _, w, _ = select.select([], socks, [], 0.1)
        for s in w:
            try:
                while True:
                    s.send(record)
                    written += len(record) - 1
            except BlockingIOError:
                pass
    return written


def test_socket_writes_past_quota(d):
    """OpenSocket's data plane obeys the owner's --max-buffered-bytes (4 MiB
    here) over all its channels, as Send does. 16 channels toward a peer that
    does not read (its rtcd is stopped for a few seconds): each socket alone
    stops at 1 MiB,
    together they held 16 MiB; rtcd now stops reading every socket of the
    owner once its channels hold the quota (the app's writes block: the
    socket's backpressure). Another client's Send is not refused, a
    bystander's calls are answered, and once the peer reads, all drains."""
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d, d2)
        chans = [ch] + [str(a.CreateDataChannel("c%d" % i, E)) for i in range(15)]
        assert rtcdtest.pump(lambda: all("Open" in sig_a.members(c) for c in chans), 10), \
            [sig_a.members(c) for c in chans]
        socks = channel_sockets(bus_a, chans)
        # What rtcd took from the sockets (W3C data-channel bytesSent).
        sent = lambda: sum(int(v["bytesSent"]) for v in a.GetStats().values()
                           if v["type"] == "data-channel")
        # Another client of the same rtcd, with a connection of its own.
        bus_c, _, sig_c, _, c1, c2, ch_c = connect_pair(d)
        assert rtcdtest.pump(lambda: "Open" in sig_c.members(ch_c), 10), sig_c.members(ch_c)
        before = rss_kib(d.rtcd.pid)
        by = Bystander(d)
        d2.rtcd.send_signal(signal.SIGSTOP)
        try:
            written = fill(socks, 3)
            held = [rtcdtest.prop(bus_a, c, DC, "BufferedAmount") for c in chans]
            sent_then = sent()
            after = rss_kib(d.rtcd.pid)
            for _ in range(8):      # 2 MiB: within the other client's own quota
                dc(bus_c, ch_c).Send(dbus.ByteArray(bytes(256 * 1024)), signature="v")
        finally:
            d2.rtcd.send_signal(signal.SIGCONT)
        report("16 sockets to a stopped peer", d, before, by)
        print("# the app wrote %d KiB into its sockets; its channels hold %d KiB "
              "(largest %d KiB); RSS %d -> %d KiB" % (
                  written // 1024, sum(held) // 1024, max(held) // 1024, before, after))
        assert sum(held) <= 4 * MIB, held
        if not sanitized():
            assert after - before < 16 * 1024, (before, after)
        # The peer reads again: what the channels held leaves, and the
        # sockets are read again (the quota frees as the peer acknowledges:
        # more than the quota taken from them means they drained).
        assert rtcdtest.pump(lambda: sent() - sent_then > 4 * MIB, 30), \
            (sent() - sent_then, [rtcdtest.prop(bus_a, c, DC, "BufferedAmount") for c in chans])
        assert fill(socks, 1) > 0, "the sockets are not read again"
        errors = [args for (p, _, m, args) in sig_a.log if p in chans and m == "Error"]
        assert not errors, errors


def answerer(d, bus):
    """b has answered a's offer: its ICE agent runs, its remote
    description is a's offer."""
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    a.CreateDataChannel("x", E)
    a.SetLocalDescription("offer", "")
    b.SetRemoteDescription("offer", rtcdtest.prop(bus, a.object_path, PC, "LocalDescription")[1])
    b.SetLocalDescription("answer", "")
    return a, b


def candidate(k, pad=0):
    return "candidate:%d 1 udp %d 10.%d.%d.%d %d typ host%s" % (
        k, 2000000000 - k, (k >> 16) & 255, (k >> 8) & 255, k & 255, 1024 + k % 60000,
        " x-pad " + "p" * pad if pad else "")


def test_add_ice_candidate_bounded(d):
    """1 000 AddIceCandidate calls of 16 KiB each: the remote description
    keeps what ICE takes (RTC_JSEP_MAX_REMOTE_CANDIDATES, 64) and refuses
    the rest with OperationError; a candidate the agent refuses is an
    error and not recorded; a repeated one is not recorded twice. RSS and
    the description stay bounded."""
    bus = d.bus()
    a, b = answerer(d, bus)
    before = rss_kib(d.rtcd.pid)
    by = Bystander(d)
    taken = refused = 0
    for k in range(1000):
        try:
            b.AddIceCandidate(candidate(k, 16 * 1024), "", 0)
            taken += 1
        except dbus.exceptions.DBusException as e:
            assert rtcdtest.error_name(e) == "org.rtcd.WebRTC1.Error.OperationError", e
            refused += 1
    sdp = str(rtcdtest.prop(bus, b.object_path, PC, "RemoteDescription")[1])
    report("1 000 AddIceCandidate of 16 KiB", d, before, by)
    print("# taken %d, refused %d; RemoteDescription %d bytes, %d candidates" % (
        taken, refused, len(sdp), sdp.count("a=candidate:")))
    assert taken <= 64 and refused >= 900, (taken, refused)
    assert sdp.count("a=candidate:") <= 64, sdp.count("a=candidate:")
    assert len(sdp) <= 1100 * 1024, len(sdp)
    if not sanitized():
        assert rss_kib(d.rtcd.pid) - before < 32 * 1024, (before, rss_kib(d.rtcd.pid))

    # Refused by the agent (port 0 is not usable): an error, not a line.
    a2, b2 = answerer(d, bus)
    bad = "candidate:1 1 udp 2000000000 10.1.2.3 0 typ host"
    try:
        b2.AddIceCandidate(bad, "", 0)
        raise AssertionError("a candidate ICE cannot use was taken")
    except dbus.exceptions.DBusException as e:
        assert rtcdtest.error_name(e) == "org.rtcd.WebRTC1.Error.OperationError", e
    assert "10.1.2.3 0 typ" not in str(rtcdtest.prop(bus, b2.object_path, PC, "RemoteDescription")[1])
    # The same candidate twice: recorded once.
    for _ in range(3):
        b2.AddIceCandidate(candidate(7), "", 0)
    assert str(rtcdtest.prop(bus, b2.object_path, PC, "RemoteDescription")[1]).count(
        candidate(7)) == 1


def test_descriptions_invalidated(d):
    """PropertiesChanged names LocalDescription and RemoteDescription
    among the invalidated properties, without their text (the D-Bus
    guidelines for large properties), as Introspect announces; Get
    still reads them."""
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a, b = answerer(d, bus)
    for k in range(20):
        b.AddIceCandidate(candidate(k), "", 0)
    rtcdtest.pump(timeout=0.5)
    changes = [args for (p, i, m, args) in sig.log if m == "PropertiesChanged"]
    invalidated = set()
    for (iface, changed, inv) in changes:
        assert "LocalDescription" not in changed and "RemoteDescription" not in changed, changed
        invalidated |= set(str(x) for x in inv)
    assert {"LocalDescription", "RemoteDescription"} <= invalidated, invalidated
    n = [args for (p, i, m, args) in sig.log
         if p == b.object_path and m == "PropertiesChanged" and "RemoteDescription" in args[2]]
    assert len(n) >= 20, len(n)
    xml = bus.get_object(BUS_NAME, b.object_path).Introspect(
        dbus_interface="org.freedesktop.DBus.Introspectable")
    for name in ("LocalDescription", "RemoteDescription"):
        at = xml.index('name="%s"' % name)
        assert 'EmitsChangedSignal" value="invalidates"' in xml[at:xml.index("</property>", at)]
    assert "a=candidate:" in str(rtcdtest.prop(bus, b.object_path, PC, "RemoteDescription")[1])


def big_offer(a, n):
    a.CreateDataChannel("x", E)
    lines = str(a.CreateOffer(E)).split("\r\n")
    i = max(k for k, line in enumerate(lines) if line.startswith("a=ice-pwd"))
    return "\r\n".join(lines[:i + 1] + ["a=" + candidate(k) for k in range(n)] + lines[i + 1:])


def test_huge_candidate_sdp(d):
    """An offer of 15 000 candidates: refused (OperationError, it says how
    many a section may hold) at the cost of one pass over the text; the
    peer connection is as before, and 64 candidates are fine."""
    bus = d.bus()
    a, b = d.create_peer_connection(bus), d.create_peer_connection(bus)
    sdp = big_offer(a, 15000)
    before = rss_kib(d.rtcd.pid)
    by = Bystander(d)
    t = time.monotonic()
    try:
        b.SetRemoteDescription("offer", sdp, timeout=60)
        b.SetLocalDescription("answer", "")
        refused = None
    except dbus.exceptions.DBusException as e:
        refused = e
    took = time.monotonic() - t
    report("SetRemoteDescription of 15 000 candidates (%d KiB), %.0f ms" % (
        len(sdp) // 1024, took * 1000), d, before, by)
    assert refused is not None, "taken"
    assert rtcdtest.error_name(refused) == "org.rtcd.WebRTC1.Error.OperationError", refused
    assert "at most 64" in str(refused), refused
    assert rtcdtest.prop(bus, b.object_path, PC, "SignalingState") == "stable"
    a2, b2 = d.create_peer_connection(bus), d.create_peer_connection(bus)
    b2.SetRemoteDescription("offer", big_offer(a2, 64))
    b2.SetLocalDescription("answer", "")


def main():
    tap = rtcdtest.Tap()
    with rtcdtest.Daemon(["--max-buffered-bytes=%d" % (4 * MIB)]) as d:
        tap.run(test_send_past_quota, d)
    with rtcdtest.Daemon(["--max-buffered-bytes=%d" % (4 * MIB)]) as d:
        tap.run(test_socket_writes_past_quota, d)
    for t in (test_add_ice_candidate_bounded, test_descriptions_invalidated, test_huge_candidate_sdp):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
