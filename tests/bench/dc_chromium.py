# SPDX-License-Identifier: LGPL-2.1-or-later
"""Chromium<->Chromium for the data-channel benchmark: dc_chromium.js in a
page of tests/interop/peers/chromium.py's headless browser, two
RTCPeerConnections connected to each other and timed by the page's clock.
A pair's state is spread over the renderer, the network service and the
browser process, so CPU and memory are those of all of Chromium's
processes together (memory as PSS, which shares out their common pages)."""
import os
import time

import dc_profile

from peers import chromium

from dc_linepeer import Failed

HERE = os.path.dirname(os.path.abspath(__file__))
CALL_TIMEOUT = 600.0
EXE = "/usr/lib/chromium/chromium"
available = chromium.available


class Page:
    def __init__(self):
        self.peer = chromium.ChromiumPeer()
        try:
            with open(os.path.join(HERE, "dc_chromium.js"), encoding="utf-8") as f:
                self._eval(f.read() + "\n;true")
        except BaseException:
            self.peer.close()
            raise

    def _eval(self, expression):
        # The driver's Runtime.evaluate (awaiting promises); its rtc.js
        # command set has no bulk transfer, so the page runs our script.
        return self.peer._evaluate(expression, CALL_TIMEOUT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.peer.close()

    def offer_to_open(self, runs):
        return [ms / 1000 for ms in self._eval("window.dcBench.offerToOpen(%d)" % runs)]

    @staticmethod
    def processes():
        """Chromium's processes: ours are the only ones in our namespace."""
        return dc_profile.pids_in_our_netns(EXE)

    def bulk(self, runs, total, size, meter):
        """meter: a context manager around the transfers."""
        with meter:
            results = self._eval("window.dcBench.bulk(%d, %d, %d)" % (runs, total, size))
        if len(results) != runs:
            raise Failed("chromium: %d of %d runs came back" % (len(results), runs))
        return [(r["ms"] / 1000, Received(r)) for r in results]


    def hold_pairs(self, count, settle=1.0):
        """PSS (KiB) of all Chromium's processes before and after count
        open pairs (2 * count peer connections) in the page."""
        self._eval("window.dcBench.hold(1) && window.dcBench.release()")
        time.sleep(settle)
        before = dc_profile.pss_kib(self.processes())
        held = self._eval("window.dcBench.hold(%d)" % count)
        if held != count:
            raise Failed("chromium: %s of %d pairs open" % (held, count))
        time.sleep(settle)
        after = dc_profile.pss_kib(self.processes())
        self._eval("window.dcBench.release()")
        return before, after


class Received:
    def __init__(self, r):
        self.received, self.bytes, self.bad = r["count"], r["bytes"], r["bad"]


def version():
    return chromium.version()
