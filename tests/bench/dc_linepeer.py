# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pairs of stacks that run as processes speaking dc-pion's commands
(dc-pion/main.go, dc_aiortc.py), measured the way dc_rtcd.py measures rtcd:
two processes, one peer connection in each per pair, every time taken here
when the event that ends an interval arrives.

The framing is that of tests/interop/peers/linepeer.py as it was when this
was written ({"id", "cmd", arguments...} per line); the interop drivers'
own may change with their command set, so this file keeps its own client."""
import json
import os
import queue
import subprocess
import tempfile
import threading
import time

from peers import netns
from peers.process import ProcessGroup

import dc_rtcd
from dc_rtcd import Failed

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 30.0


def aiortc_argv():
    return ["/usr/bin/python3", os.path.join(HERE, "dc_aiortc.py")]


def pion_argv():
    path = os.environ.get("RTCD_DC_PION")
    if not path:
        import build_dc_pion
        cache = os.path.join(os.environ.get("XDG_CACHE_HOME", "/tmp"), "rtcd-bench-dc-pion")
        path = os.path.join(cache, "dc-pion")
        build_dc_pion.build(path, cache)
    return [path]


class PeerError(Exception):
    """The process answered a command with an error, or is gone."""


class LineProcess:
    """A child process: one request per line on its stdin, one reply per
    request and events at any time on its stdout."""

    def __init__(self, name, argv, reply_timeout=300.0):
        self.name = name
        self.reply_timeout = reply_timeout
        self._next_id = 0
        self._replies = queue.Queue()
        self._events = queue.Queue()
        self._pending = []  # events taken from the queue, not yet matched
        # Its log (Pion's complains about every socket closed under it) is
        # kept out of the figures and quoted when something fails.
        self._log = tempfile.TemporaryFile()
        self._proc = ProcessGroup(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self._log, bufsize=0)
        threading.Thread(target=self._read, name=name + "-reader", daemon=True).start()

    def _read(self):
        for raw in self._proc.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:  # not ours (stdout is only for the protocol)
                continue
            (self._events if "event" in msg else self._replies).put(msg)
        self._replies.put(None)

    def call(self, cmd, **args):
        self._next_id += 1
        try:
            self._proc.proc.stdin.write((json.dumps(dict(args, id=self._next_id, cmd=cmd))
                                         + "\n").encode())
            reply = self._replies.get(timeout=self.reply_timeout)
        except (BrokenPipeError, queue.Empty):
            reply = None
        if reply is None or reply.get("id") != self._next_id:
            raise PeerError("%s: no reply to %s%s" % (self.name, cmd, self.log_tail()))
        if not reply.get("ok"):
            raise PeerError("%s: %s: %s%s" % (self.name, cmd, reply.get("error"),
                                               self.log_tail()))
        return reply.get("result")

    def log_tail(self, lines=5):
        """The end of the process's log, to quote in an error."""
        self._log.seek(0)
        tail = self._log.read().decode(errors="replace").splitlines()[-lines:]
        return "".join("\n    | " + line for line in tail)

    def wait_event(self, event, timeout, **match):
        """The first event named `event` whose fields equal `match`."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self._pending):
                if ev["event"] == event and all(ev.get(k) == v for k, v in match.items()):
                    return self._pending.pop(i)
            try:
                self._pending.append(self._events.get(
                    timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise Failed("%s: no %s event for %r within %.0f s%s" % (
                    self.name, event, match, timeout, self.log_tail()))

    def close(self):
        try:
            self.call("quit")
        except PeerError:
            pass
        self._proc.stop()
        self._log.close()


class Stack:
    """Two processes of one stack: an offerer and an answerer."""

    def __init__(self, name, argv):
        self.name = name
        self.offerer = LineProcess(name + "-offerer", argv)
        try:
            self.answerer = LineProcess(name + "-answerer", argv)
        except BaseException:
            self.offerer.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.offerer.close()
        self.answerer.close()

    def pids(self):
        return (self.offerer.call("pid")["pid"], self.answerer.call("pid")["pid"])

    def start(self):
        """A new pair, signalled up to the answer applied: (a, b, t0)."""
        a = self.offerer.call("create", interfaces=[netns.RTCD_INTERFACE], channel=True)["pc"]
        b = self.answerer.call("create", interfaces=[netns.RTCD_INTERFACE])["pc"]
        t0 = time.monotonic()
        offer = self.offerer.call("offer", pc=a)["sdp"]
        answer = self.answerer.call("answer", pc=b, sdp=offer)["sdp"]
        self.offerer.call("accept", pc=a, sdp=answer)
        return a, b, t0

    def wait_open(self, a, b):
        self.offerer.wait_event("open", TIMEOUT, pc=a)
        self.answerer.wait_event("open", TIMEOUT, pc=b)
        return time.monotonic()

    def close(self, a, b):
        self.offerer.call("close", pc=a)
        self.answerer.call("close", pc=b)


def offer_to_open(stack, runs):
    times = []
    for _ in range(runs):
        a, b, t0 = stack.start()
        times.append(stack.wait_open(a, b) - t0)
        stack.close(a, b)
    return times


class Received:
    """What the receiving process reported, shaped like dc_rtcd's receivers."""

    def __init__(self, event):
        self.received, self.bytes, self.bad = event["count"], event["bytes"], event["bad"]


def bulk(stack, runs, total, size, meter):
    """runs transfers on one pair; meter: a context manager around them."""
    a, b, _ = stack.start()
    stack.wait_open(a, b)
    count = total // size
    with meter:
        results = [transfer(stack, a, b, count, size) for _ in range(runs)]
    stack.close(a, b)
    return results


def transfer(stack, a, b, count, size):
    """count messages from a to b: (seconds, what b received)."""
    stack.answerer.call("expect", pc=b, count=count, size=size)
    t0 = time.monotonic()
    stack.offerer.call("send", pc=a, count=count, size=size)
    ev = stack.answerer.wait_event("received", 300.0, pc=b)
    return time.monotonic() - t0, Received(ev)


def hold_pairs(stack, count, settle=1.0):
    """VmRSS (KiB) of both processes before and after count open pairs."""
    pids = stack.pids()
    a, b, _ = stack.start()  # one-time setup is not per connection
    stack.wait_open(a, b)
    stack.close(a, b)
    time.sleep(settle)
    before = tuple(dc_rtcd.vm_rss_kib(p) for p in pids)
    pairs = [stack.start()[:2] for _ in range(count)]
    for a, b in pairs:
        stack.wait_open(a, b)
    time.sleep(settle)
    after = tuple(dc_rtcd.vm_rss_kib(p) for p in pids)
    for a, b in pairs:
        stack.close(a, b)
    return before, after
