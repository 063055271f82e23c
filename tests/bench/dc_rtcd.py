# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcd's side of the data-channel benchmark: two daemons, each an app's
own rtcd, as on two machines; one peer connection in each per call.

Everything is driven over D-Bus from this process's GLib main loop, and
every time is taken here, when the signal that ends an interval is
dispatched (wait() blocks in the loop; it never polls with a sleep)."""
import os
import shlex
import signal
import socket
import struct
import subprocess
import threading
import time

import dbus
from gi.repository import GLib

import rtcdtest
from rtcdtest import BUS_NAME, DC, PC

EMPTY = dbus.Dictionary({}, signature="sv")
SEQ = struct.Struct(">Q")  # every bulk message starts with its sequence number
TIMEOUT = 30.0


class Failed(Exception):
    """A measurement that did not complete; the message says what is missing."""


def wait(cond, timeout=TIMEOUT):
    """Run the main loop until cond() is true; False when timeout passes."""
    ctx = GLib.MainContext.default()
    expired = []
    source = GLib.timeout_add(int(timeout * 1000), lambda: expired.append(1) and False)
    try:
        while not cond():
            if expired:
                return False
            ctx.iteration(True)
        return True
    finally:
        if not expired:
            GLib.source_remove(source)


def payload(seq, size):
    """A bulk message: its sequence number, then filler up to size bytes."""
    return SEQ.pack(seq) + bytes(size - SEQ.size)


class Side:
    """One daemon seen from its app: a bus connection, and when the
    signals this benchmark waits for arrived."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.bus = daemon.bus()
        self.opened = {}             # channel path -> time of its Open signal
        self.remote_channels = {}    # pc path -> [channel paths the remote opened]
        self.candidates = {}         # pc path -> [(candidate, mid, index)], not yet passed on
        self.messages = {}           # channel path -> receiver callback for Message
        self.low = set()             # channel paths that signalled BufferedAmountLow
        self.reached = {}            # (pc path, property, state) -> first time seen
        self.bus.add_signal_receiver(self._open, "Open", DC, path_keyword="path")
        self.bus.add_signal_receiver(self._low, "BufferedAmountLow", DC, path_keyword="path")
        self.bus.add_signal_receiver(self._message, "Message", DC, path_keyword="path",
                                     byte_arrays=True)
        self.bus.add_signal_receiver(self._channel, "DataChannel", PC, path_keyword="path")
        self.bus.add_signal_receiver(self._candidate, "IceCandidate", PC, path_keyword="path")
        self.bus.add_signal_receiver(self._changed, "PropertiesChanged", rtcdtest.PROPS,
                                     path_keyword="path")

    def _open(self, path=None):
        self.opened[str(path)] = time.monotonic()

    def _low(self, path=None):
        self.low.add(str(path))

    def _message(self, data, path=None):
        on = self.messages.get(str(path))
        if on:
            on(data)

    def _channel(self, channel, path=None):
        self.remote_channels.setdefault(str(path), []).append(str(channel))

    def _candidate(self, candidate, mid, index, path=None):
        self.candidates.setdefault(str(path), []).append((candidate, mid, index))

    def _changed(self, iface, changed, invalidated, path=None):
        if iface != PC:
            return
        now = time.monotonic()
        for name in ("IceConnectionState", "ConnectionState"):
            if name in changed:
                self.reached.setdefault((str(path), name, str(changed[name])), now)

    def create(self):
        return self.daemon.create_peer_connection(self.bus)

    def channel(self, path):
        return dbus.Interface(self.bus.get_object(BUS_NAME, path), DC)

    def trickle_to(self, pc, other):
        """Pass pc's gathered candidates on to the other side's pc."""
        for cand in self.candidates.pop(pc.object_path, []):
            other.AddIceCandidate(*cand)


class Pair:
    """A connected pair: offerer a in one daemon, answerer b in the other,
    with one open channel, a's end `ch` and b's end `peer_ch`."""

    def __init__(self, sa, sb, a, b, ch, peer_ch):
        self.sa, self.sb, self.a, self.b, self.ch, self.peer_ch = sa, sb, a, b, ch, peer_ch

    def phases(self, t0):
        """When the offerer's ICE and then DTLS came up and its channel
        opened, in seconds from t0 (None for a step not seen)."""
        a = self.a.object_path

        def at(name, states=("connected",)):
            seen = [self.sa.reached[(a, name, s)] for s in states
                    if (a, name, s) in self.sa.reached]
            return min(seen) - t0 if seen else None
        return (at("IceConnectionState", ("connected", "completed")), at("ConnectionState"),
                self.sa.opened[self.ch] - t0)

    def close(self):
        self.a.Close()
        self.b.Close()


def start_pair(sa, sb):
    """A new peer connection in each daemon and a channel on the offerer's,
    as an app has them before its offer: (a, b, channel path on a)."""
    a, b = sa.create(), sb.create()
    ch = str(a.CreateDataChannel("bench", EMPTY))
    return a, b, ch


def negotiate(sa, sb, a, b):
    """Offer, answer and both descriptions applied, as an app would."""
    offer = a.CreateOffer(EMPTY)
    a.SetLocalDescription("offer", offer)
    b.SetRemoteDescription("offer", offer)
    answer = b.CreateAnswer(EMPTY)
    b.SetLocalDescription("answer", answer)
    a.SetRemoteDescription("answer", answer)


def opened_both(sa, sb, a, b, ch):
    """Trickles what has been gathered and says whether the channel is open
    at both ends; returns the answerer's channel path once it is."""
    sa.trickle_to(a, b)
    sb.trickle_to(b, a)
    peer = sb.remote_channels.get(b.object_path)
    if ch in sa.opened and peer and peer[0] in sb.opened:
        return peer[0]
    return None


def connect(sa, sb, phases=None):
    """One pair, from the CreateOffer call to Open at both ends; returns
    (pair, seconds). phases, a list, gets the pair's Pair.phases()."""
    a, b, ch = start_pair(sa, sb)
    t0 = time.monotonic()
    negotiate(sa, sb, a, b)
    if not wait(lambda: opened_both(sa, sb, a, b, ch)):
        raise Failed("rtcd: the channel did not open at both ends within %.0f s" % TIMEOUT)
    pair = Pair(sa, sb, a, b, ch, opened_both(sa, sb, a, b, ch))
    if phases is not None:
        phases.append(pair.phases(t0))
    return pair, max(sa.opened[ch], sb.opened[pair.peer_ch]) - t0


def binary():
    return rtcdtest.find_rtcd()


def daemons(netns_interface, extra=(), heaptrack_answerer=None):
    """Two daemons, the offerer's and the answerer's; the answerer's runs
    under heaptrack, recording into that file, if one is given."""
    args = ["--interface=" + netns_interface] + list(extra)
    answerer = (HeaptrackedDaemon(heaptrack_answerer, extra_args=args, verbose=False)
                if heaptrack_answerer else rtcdtest.Daemon(extra_args=args, verbose=False))
    return rtcdtest.Daemon(extra_args=args, verbose=False), answerer


def pid_of(daemon):
    """The pid of the daemon's rtcd process itself."""
    return daemon.rtcd_pid() if isinstance(daemon, HeaptrackedDaemon) else daemon.rtcd.pid


class HeaptrackedDaemon(rtcdtest.Daemon):
    """A Daemon whose rtcd runs under heaptrack, which writes `output`
    (plus .zst) when rtcd exits. Its memory figures include heaptrack's."""

    def __init__(self, output, **kwargs):
        super().__init__(**kwargs)
        self.output = output

    def start(self):
        # Daemon runs $RTCD_BINARY; for this one that is a launcher script.
        launcher = os.path.join(self.tmp.name, "rtcd-under-heaptrack")
        with open(launcher, "w") as f:
            f.write("#!/bin/sh\nexec heaptrack -o %s %s \"$@\"\n" % (
                shlex.quote(self.output), shlex.quote(binary())))
        os.chmod(launcher, 0o755)
        saved = os.environ.get("RTCD_BINARY")
        os.environ["RTCD_BINARY"] = launcher
        try:
            super().start()
        finally:
            if saved is None:
                del os.environ["RTCD_BINARY"]
            else:
                os.environ["RTCD_BINARY"] = saved

    def rtcd_pid(self):
        """heaptrack's script runs rtcd as its child."""
        real = os.path.realpath(binary())
        todo = [self.rtcd.pid]
        while todo:
            pid = todo.pop()
            try:
                if os.path.realpath("/proc/%d/exe" % pid) == real:
                    return pid
                with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                    todo += [int(c) for c in f.read().split()]
            except OSError:
                continue
        raise Failed("rtcd is not running under heaptrack")

    def stop_rtcd(self, sig=signal.SIGTERM, timeout=60):
        # rtcd itself gets the signal, so that it exits cleanly and
        # heaptrack, still running, finishes writing its file.
        if self.rtcd and self.rtcd.poll() is None:
            try:
                os.kill(self.rtcd_pid(), sig)
            except (Failed, ProcessLookupError):
                pass
            try:
                self.rtcd.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        return super().stop_rtcd(sig, timeout)


# ---- offer -> open ----------------------------------------------------------

def offer_to_open(sa, sb, runs):
    """[seconds] and [phases] (see Pair.phases) of runs fresh pairs."""
    times, phases = [], []
    for _ in range(runs):
        pair, seconds = connect(sa, sb, phases)
        times.append(seconds)
        pair.close()
    return times, phases


# ---- bulk through OpenSocket -------------------------------------------------

class Receiver(threading.Thread):
    """Reads `count` records of 1 + size bytes from a SOCK_SEQPACKET socket
    and checks each: binary, the whole size, the next sequence number."""

    def __init__(self, sock, count, size):
        super().__init__(name="bulk-receiver", daemon=True)
        self.sock, self.count, self.size = sock, count, size
        self.received = 0
        self.bytes = 0
        self.bad = 0
        self.error = None
        self.done_at = None

    def run(self):
        buf = bytearray(self.size + 64)
        view = memoryview(buf)
        try:
            while self.received < self.count:
                n = self.sock.recv_into(buf)
                if n == 0:
                    self.error = "the socket closed after %d records" % self.received
                    return
                if n != 1 + self.size or buf[0] != 2 or \
                        SEQ.unpack_from(view, 1)[0] != self.received:
                    self.bad += 1
                self.received += 1
                self.bytes += n - 1
            self.done_at = time.monotonic()
        except OSError as e:
            self.error = str(e)


def send_records(sock, count, size):
    record = bytearray(b"\x02" + payload(0, size))
    for seq in range(count):
        SEQ.pack_into(record, 1, seq)
        # One record per send: a SOCK_SEQPACKET send is all or nothing.
        if sock.send(record) != len(record):
            raise Failed("a record went out in part")


def bulk_socket(pair, total, size):
    """total bytes in size-byte messages, a's app socket to b's; returns
    (seconds from the first write to the last record read, Receiver)."""
    count = total // size
    sa = socket.socket(fileno=pair.sa.channel(pair.ch).OpenSocket().take())
    sb = socket.socket(fileno=pair.sb.channel(pair.peer_ch).OpenSocket().take())
    try:
        # rtcd hands out non-blocking sockets; this app blocks, in two
        # threads, and gives up on a daemon that stops moving data.
        sa.settimeout(TIMEOUT)
        sb.settimeout(TIMEOUT)
        rx = Receiver(sb, count, size)
        rx.start()
        t0 = time.monotonic()
        send_records(sa, count, size)
        rx.join(TIMEOUT + 60)
        if rx.done_at is None:
            raise Failed("rtcd OpenSocket: %d of %d records arrived (%s)"
                         % (rx.received, count, rx.error or "timeout"))
        return rx.done_at - t0, rx
    finally:
        sa.close()
        sb.close()


def app_ceiling(total, size):
    """The same sender and receiver over a plain socketpair: how fast this
    app side can go at all, so rtcd's figure is known not to be ours."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        for s in (a, b):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        rx = Receiver(b, total // size, size)
        rx.start()
        t0 = time.monotonic()
        send_records(a, total // size, size)
        rx.join()
        if rx.done_at is None or rx.bad:
            raise Failed("socketpair: %s" % (rx.error or "%d bad records" % rx.bad))
        return rx.done_at - t0, rx
    finally:
        a.close()
        b.close()


# ---- bulk through D-Bus Send / Message -----------------------------------------

class MessageCounter:
    def __init__(self, count, size):
        self.count, self.size = count, size
        self.received = 0
        self.bytes = 0
        self.bad = 0
        self.done_at = None

    def __call__(self, data):
        if len(data) != self.size or SEQ.unpack_from(data)[0] != self.received:
            self.bad += 1
        self.received += 1
        self.bytes += len(data)
        if self.received == self.count:
            self.done_at = time.monotonic()


def bulk_dbus(pair, total, size, window=64, low=2 << 20):
    """total bytes as Send(ay) calls on a, counted from b's Message signals.
    The sender makes `window` calls at a time (dbus-daemon limits a
    connection's pending replies), and when the channel holds more than
    `low` bytes waits for BufferedAmountLow, as a W3C app does."""
    count = total // size
    rx = MessageCounter(count, size)
    pair.sb.messages[pair.peer_ch] = rx
    tx = pair.sa.channel(pair.ch)
    props = dbus.Interface(pair.sa.bus.get_object(BUS_NAME, pair.ch), rtcdtest.PROPS)
    props.Set(DC, "BufferedAmountLowThreshold", dbus.UInt64(low))
    errors = []
    pending = [0]

    def replied():
        pending[0] -= 1

    def failed(e):
        pending[0] -= 1
        errors.append(str(e))

    seq = 0
    t0 = time.monotonic()
    while seq < count and not errors:
        for _ in range(min(window, count - seq)):
            pending[0] += 1
            tx.Send(dbus.ByteArray(payload(seq, size)), signature="v",
                    reply_handler=replied, error_handler=failed)
            seq += 1
        if not wait(lambda: pending[0] == 0):
            raise Failed("rtcd Send: no replies to %d calls" % pending[0])
        pair.sa.low.discard(pair.ch)
        if int(props.Get(DC, "BufferedAmount")) > low and \
                not wait(lambda: pair.ch in pair.sa.low):
            raise Failed("rtcd Send: BufferedAmountLow never came")
    if errors:
        raise Failed("rtcd Send: %s" % errors[0])
    if not wait(lambda: rx.done_at is not None, TIMEOUT + 60):
        raise Failed("rtcd Message: %d of %d messages arrived" % (rx.received, count))
    del pair.sb.messages[pair.peer_ch]
    return rx.done_at - t0, rx


# ---- memory per idle connection ----------------------------------------------

def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def rss_by_kind(pid):
    """Resident KiB of a process by kind of mapping, from /proc/PID/smaps:
    "heap" (brk: malloc's main arena), "anonymous" (mmap: large allocations,
    other arenas, stacks), "io_uring" (rings and registered buffers),
    "files" (code and other file mappings)."""
    kinds = dict.fromkeys(("heap", "anonymous", "io_uring", "files"), 0)
    kind = None
    with open("/proc/%d/smaps" % pid) as f:
        for row in f:
            fields = row.split()
            if not fields[0].endswith(":"):  # a mapping's header line
                name = fields[5] if len(fields) > 5 else ""
                kind = ("heap" if name == "[heap]" else "io_uring" if "io_uring" in name
                        else "anonymous" if not name or name.startswith("[")
                        else "files")
            elif fields[0] == "Rss:":
                kinds[kind] += int(fields[1])
    return kinds


def hold_pairs(sa, sb, count, settle=1.0):
    """count connected pairs with one open channel each; returns
    ((rss a before, rss b before), (after), {kind: KiB growth summed over
    both daemons}, pairs). The caller closes the pairs."""
    pids = (pid_of(sa.daemon), pid_of(sb.daemon))
    connect(sa, sb)[0].close()  # one-time setup is not per connection
    wait(lambda: False, settle)
    before = tuple(vm_rss_kib(p) for p in pids)
    kinds_before = [rss_by_kind(p) for p in pids]
    started = []
    for _ in range(count):
        a, b, ch = start_pair(sa, sb)
        negotiate(sa, sb, a, b)
        started.append((a, b, ch))
    pairs = []

    def all_open():
        while started:
            a, b, ch = started[0]
            peer = opened_both(sa, sb, a, b, ch)
            if not peer:
                for a2, b2, _ in started[1:]:
                    sa.trickle_to(a2, b2)
                    sb.trickle_to(b2, a2)
                return False
            pairs.append(Pair(sa, sb, a, b, ch, peer))
            started.pop(0)
        return True
    if not wait(all_open, 120):
        raise Failed("rtcd: %d of %d pairs open after 120 s" % (len(pairs), count))
    wait(lambda: False, settle)
    after = tuple(vm_rss_kib(p) for p in pids)
    growth = {k: sum(rss_by_kind(p)[k] - kb[k] for p, kb in zip(pids, kinds_before))
              for k in kinds_before[0]}
    return before, after, growth, pairs
