#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Data channels over a bad network: two rtcd daemons behind EIM NATs, with
5% loss and 50 ms ± 10 ms of delay (the jitter reorders packets) on host a's
router, so every packet between them is impaired once each way.

In one association, at the same time:
  - a reliable ordered channel moves 64 MiB (RTCD_DC_BULK_MIB) from a to b through
    DataChannel.OpenSocket, and both ends hash the same SHA-256;
  - an unordered channel with maxRetransmits 0 carries 2000 (one per 32 KiB) numbered 1 KiB
    messages, sent spread over the bulk transfer (message i once b has
    received i/2000 of the bulk data: the buffers between the apps hold
    megabytes, so a's writes say little about where the transfer is): some
    are lost for good (none is retransmitted), the others arrive while the
    bulk data is still backlogged, not only after it.
Throughput, elapsed time and the lossy channel's figures are printed as TAP
comments; only correctness is asserted, within generous timeouts.

Slow by nature: SCTP halves its congestion window on every loss, so 5% loss
and a 100 ms round trip allow about 50-70 KiB/s (measured here: 64 MiB in
15 to 25 minutes; unimpaired, the same transfer takes 5 s)."""
import hashlib
import os
import random
import selectors
import socket
import statistics
import struct
import sys
import time

import dbus
import labtest
import rtcdtest
import test_rtcd_common as common
from rtcdtest import DC
from test_rtcd_common import config, ice_server, stun_url

LOSS_PERCENT = 5
DELAY_MS = 50
JITTER_MS = 10

# 64 MiB as the issue asks (suite netlab-long); CI's netlab suite runs the
# same test with 4 MiB (RTCD_DC_BULK_MIB), about a minute and a half.
BULK_MIB = int(os.environ.get("RTCD_DC_BULK_MIB", "64"))
BULK_BYTES = BULK_MIB << 20
BULK_RECORD = 64 << 10          # payload bytes per message (max is 256 KiB)
# One lossy message per 32 KiB of bulk data, at least 200: with 5% loss
# each way, 200 all arriving has a chance of about 1e-9.
LOSSY_COUNT = max(200, BULK_BYTES // (32 << 10))
LOSSY_SIZE = 1024
# Generous: no figure here is asserted, a stalled transfer only ends the wait.
CONNECT_TIMEOUT = 60
STALL_TIMEOUT = 60              # no byte moved on any channel for this long
PROGRESS_EVERY = 30             # seconds between progress lines in the log
# Once everything was sent and the bulk data is through, the lossy channel
# is done when nothing arrived for this long (what is not there by then was
# lost: it is never retransmitted).
LOSSY_QUIET = 10

RECORD_BINARY = b"\x02"
# The largest record rtcd delivers: a type byte and 256 KiB of payload.
RECORD_MAX = 1 + (256 << 10)


def impair(lab):
    lab.set_loss("a", LOSS_PERCENT)
    lab.set_delay("a", DELAY_MS, jitter_ms=JITTER_MS, seed=5)


def channel(host, path):
    return dbus.Interface(host.bus.get_object(rtcdtest.BUS_NAME, path), DC)


def open_socket(host, path):
    """The channel's SOCK_SEQPACKET data plane, non-blocking."""
    s = socket.socket(fileno=channel(host, path).OpenSocket().take())
    assert s.type == socket.SOCK_SEQPACKET, s
    s.setblocking(False)
    return s


def remote_channel(call, label, timeout=20):
    """The path of the channel b learned of (PeerConnection.DataChannel)
    with this label, once it is open."""
    b = call.b
    found = []

    def look():
        for args in b.own_signals("DataChannel"):
            path = str(args[0])
            if rtcdtest.prop(b.host.bus, path, DC, "Label") == label:
                found.append(path)
                return rtcdtest.prop(b.host.bus, path, DC, "ReadyState") == "open"
        return False
    assert call.pump_until(look, timeout), "b has no open channel %r: %s" % (
        label, [str(a[0]) for a in b.own_signals("DataChannel")])
    return found[-1]


def wait_open(call, path, timeout=20):
    a = call.a
    ok = call.pump_until(lambda: rtcdtest.prop(a.host.bus, path, DC, "ReadyState") == "open",
                         timeout)
    assert ok, "%s: %s" % (path, rtcdtest.prop(a.host.bus, path, DC, "ReadyState"))


def lossy_message(i):
    """Message i of the lossy channel: its number, then filler derived from it."""
    head = struct.pack("!I", i)
    return head + bytes((i + k) & 0xff for k in range(LOSSY_SIZE - len(head)))


class Transfer:
    """Both channels' four sockets, driven from one selector loop: the bulk
    sender writes as fast as rtcd takes records, the lossy sender sends
    message i once the bulk receiver has i/LOSSY_COUNT of the bulk
    data, and both receivers read everything that arrives."""

    def __init__(self, bulk_tx, bulk_rx, lossy_tx, lossy_rx):
        self.bulk_tx, self.bulk_rx = bulk_tx, bulk_rx
        self.lossy_tx, self.lossy_rx = lossy_tx, lossy_rx
        self.rng = random.Random(64)
        self.next_record = None
        self.sent = self.received = 0
        self.hash_sent, self.hash_received = hashlib.sha256(), hashlib.sha256()
        self.lossy_sent = 0
        self.lossy_send_time = {}
        # (number, arrival time, bulk bytes received by then)
        self.lossy_arrivals = []
        self.t_start = self.t_bulk_done = None
        self.last_progress = None

    def _send_bulk(self):
        while self.sent < BULK_BYTES:
            if self.next_record is None:
                n = min(BULK_RECORD, BULK_BYTES - self.sent)
                self.next_record = self.rng.randbytes(n)
            try:
                self.bulk_tx.send(RECORD_BINARY + self.next_record)
            except BlockingIOError:
                return
            self.hash_sent.update(self.next_record)
            self.sent += len(self.next_record)
            self.next_record = None
            self.last_progress = time.monotonic()

    def _lossy_due(self):
        return (self.lossy_sent < LOSSY_COUNT and
                self.received >= self.lossy_sent * BULK_BYTES // LOSSY_COUNT)

    def _send_lossy(self):
        while self._lossy_due():
            try:
                self.lossy_tx.send(RECORD_BINARY + lossy_message(self.lossy_sent))
            except BlockingIOError:
                return
            self.lossy_send_time[self.lossy_sent] = self.last_progress = time.monotonic()
            self.lossy_sent += 1

    @staticmethod
    def _records(sock, what):
        """Every record waiting on sock."""
        while True:
            try:
                r = sock.recv(RECORD_MAX + 1)
            except BlockingIOError:
                return
            if not r:
                raise AssertionError("rtcd closed the %s socket" % what)
            yield r

    def _receive_bulk(self):
        for r in self._records(self.bulk_rx, "reliable receiver's"):
            assert r[:1] == RECORD_BINARY, "reliable record of type %r" % r[:1]
            self.hash_received.update(memoryview(r)[1:])
            self.received += len(r) - 1
            assert self.received <= BULK_BYTES, "more bytes than sent: %d" % self.received
            self.last_progress = time.monotonic()
        if self.received == BULK_BYTES and self.t_bulk_done is None:
            self.t_bulk_done = time.monotonic()

    def _receive_lossy(self):
        now = time.monotonic()
        for r in self._records(self.lossy_rx, "lossy receiver's"):
            assert r[:1] == RECORD_BINARY and len(r) == 1 + LOSSY_SIZE, \
                "lossy record of type %r, %d bytes" % (r[:1], len(r))
            (i,) = struct.unpack("!I", r[1:5])
            assert i < self.lossy_sent and r[1:] == lossy_message(i), \
                "lossy message %d is not one that was sent" % i
            self.lossy_arrivals.append((i, now, self.received))
            self.last_progress = now

    def run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.bulk_rx, selectors.EVENT_READ, self._receive_bulk)
        sel.register(self.lossy_rx, selectors.EVENT_READ, self._receive_lossy)
        sel.register(self.bulk_tx, selectors.EVENT_WRITE, self._send_bulk)
        lossy_tx_watched = False
        self.t_start = self.last_progress = time.monotonic()
        next_report = self.t_start + PROGRESS_EVERY
        while True:
            now = time.monotonic()
            if now >= next_report:
                labtest.comment("after %.0f s: %s" % (now - self.t_start, self.describe()))
                next_report += PROGRESS_EVERY
            if self.t_bulk_done is not None and self.lossy_sent == LOSSY_COUNT and (
                    len(self.lossy_arrivals) == LOSSY_COUNT or
                    now - self.last_progress >= LOSSY_QUIET):
                break
            assert now - self.last_progress < STALL_TIMEOUT, \
                "nothing moved for %d s: %s" % (STALL_TIMEOUT, self.describe())
            # The lossy sender follows the bulk one, so it is written to
            # whenever a message is due; the socket is watched only when
            # it pushed back.
            self._send_lossy()
            want = self._lossy_due()
            if want != lossy_tx_watched:
                if want:
                    sel.register(self.lossy_tx, selectors.EVENT_WRITE, self._send_lossy)
                else:
                    sel.unregister(self.lossy_tx)
                lossy_tx_watched = want
            if self.sent == BULK_BYTES and self.bulk_tx in sel.get_map():
                sel.unregister(self.bulk_tx)
            for key, _ in sel.select(timeout=0.2):
                key.data()
            # Signals (BufferedAmountLow and the like) keep flowing to the
            # test's bus connections: read them so nothing piles up.
            rtcdtest.pump(timeout=0)
        sel.close()

    def describe(self):
        return "bulk %d sent, %d received of %d; lossy %d sent, %d received" % (
            self.sent, self.received, BULK_BYTES, self.lossy_sent, len(self.lossy_arrivals))


def report(t):
    elapsed = t.t_bulk_done - t.t_start
    labtest.comment("reliable: %d MiB in %.1f s = %.0f KiB/s (%.2f Mbit/s)" % (
        BULK_BYTES >> 20, elapsed, BULK_BYTES / 1024 / elapsed,
        BULK_BYTES * 8 / 1e6 / elapsed))
    arrived = len(t.lossy_arrivals)
    latency = sorted(at - t.lossy_send_time[i] for i, at, _ in t.lossy_arrivals)
    late = sum(1 for _, at, _ in t.lossy_arrivals if at > t.t_bulk_done)
    reordered = sum(1 for x, y in zip(t.lossy_arrivals, t.lossy_arrivals[1:]) if y[0] < x[0])
    labtest.comment("lossy: %d of %d arrived (%.1f%% lost), %d after the bulk transfer ended, "
                    "%d out of order" % (arrived, LOSSY_COUNT,
                                         100.0 * (LOSSY_COUNT - arrived) / LOSSY_COUNT,
                                         late, reordered))
    if latency:
        labtest.comment("lossy one-way latency: median %.3f s, 90th %.3f s, max %.3f s" % (
            statistics.median(latency), latency[int(0.9 * (len(latency) - 1))], latency[-1]))


def test_bulk_and_lossy_channel(lab, peers):
    impair(lab)
    call = peers.call(config([ice_server([stun_url(lab)])]))
    t0 = time.monotonic()
    call.wait_connected(CONNECT_TIMEOUT)
    labtest.comment("connected after %.1f s" % (time.monotonic() - t0))
    lossy = str(call.a.pc.CreateDataChannel("lossy", dbus.Dictionary(
        {"ordered": False, "max-retransmits": dbus.UInt16(0)}, signature="sv")))
    wait_open(call, call.channel)
    wait_open(call, lossy)
    bulk_peer = remote_channel(call, "netlab")
    lossy_peer = remote_channel(call, "lossy")
    assert not rtcdtest.prop(call.b.host.bus, lossy_peer, DC, "Ordered")
    assert rtcdtest.prop(call.b.host.bus, lossy_peer, DC, "MaxRetransmits") == 0

    socks = [open_socket(call.a.host, call.channel), open_socket(call.b.host, bulk_peer),
             open_socket(call.a.host, lossy), open_socket(call.b.host, lossy_peer)]
    try:
        t = Transfer(*socks)
        t.run()
    finally:
        for s in socks:
            s.close()
    report(t)

    # The reliable channel: every byte, in order.
    assert t.received == BULK_BYTES, t.describe()
    assert t.hash_received.hexdigest() == t.hash_sent.hexdigest()
    labtest.comment("SHA-256 %s at both ends" % t.hash_sent.hexdigest())

    # The lossy channel: nothing twice, some lost for good, some through.
    numbers = [i for i, _, _ in t.lossy_arrivals]
    assert t.lossy_sent == LOSSY_COUNT, t.describe()
    assert len(set(numbers)) == len(numbers), "a lossy message arrived twice"
    assert 0 < len(numbers) < LOSSY_COUNT, t.describe()
    # ... and not held back behind the bulk data: messages arrived in every
    # quarter of the bulk transfer (counted in bulk bytes received).
    quarters = sorted({min(3, 4 * got // BULK_BYTES) for _, _, got in t.lossy_arrivals})
    assert quarters == [0, 1, 2, 3], \
        "lossy messages arrived only in quarters %s of the bulk transfer" % quarters


def main():
    common.skip_unless_able()
    return common.run_cases({"nat": "eim"}, [test_bulk_and_lossy_channel])


if __name__ == "__main__":
    sys.exit(main())
