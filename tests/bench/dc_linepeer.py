# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pairs of stacks that run as processes speaking dc-pion's commands
(dc-pion/main.go, dc_aiortc.py), measured the way dc_rtcd.py measures rtcd:
two processes, one peer connection in each per pair, every time taken here
when the event that ends an interval arrives."""
import os
import time

from peers.linepeer import LinePeer
from peers import netns

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


class Stack:
    """Two processes of one stack: an offerer and an answerer."""

    def __init__(self, name, argv):
        self.name = name
        self.offerer = LinePeer(name + "-offerer", argv)
        try:
            self.answerer = LinePeer(name + "-answerer", argv)
        except BaseException:
            self.offerer.close()
            raise
        self.offerer.reply_timeout = self.answerer.reply_timeout = 300.0

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
        try:
            self.offerer.wait_event("open", TIMEOUT, pc=a)
            self.answerer.wait_event("open", TIMEOUT, pc=b)
        except TimeoutError as e:
            raise Failed(str(e))
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


def bulk(stack, runs, total, size):
    a, b, _ = stack.start()
    stack.wait_open(a, b)
    results = []
    count = total // size
    for _ in range(runs):
        stack.answerer.call("expect", pc=b, count=count, size=size)
        t0 = time.monotonic()
        stack.offerer.call("send", pc=a, count=count, size=size)
        try:
            ev = stack.answerer.wait_event("received", 300.0, pc=b)
        except TimeoutError as e:
            raise Failed("%s: not everything arrived: %s" % (stack.name, e))
        results.append((time.monotonic() - t0, Received(ev)))
    stack.close(a, b)
    return results


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
