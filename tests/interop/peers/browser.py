"""What the Chromium and Firefox drivers share: rtc.js in a page, reached
through an `_evaluate(expression)` that each browser provides its own way."""

import json
import os
import time

from .peer import Peer, PeerError

RTC_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rtc.js")


def rtc_js():
    with open(RTC_JS, encoding="utf-8") as f:
        return f.read()


class BrowserPeer(Peer):
    call_timeout = 30.0

    def _evaluate(self, expression, timeout):
        """Run an expression (awaiting a promise) in the page and return its
        JSON-serialisable value."""
        raise NotImplementedError

    def call(self, cmd, **args):
        expr = "window.rtcPeer.call(%s, %s)" % (json.dumps(cmd), json.dumps(args))
        answer = self._evaluate(expr, self.call_timeout)
        if not answer.get("ok"):
            raise PeerError("%s: %s: %s" % (self.name, cmd, answer.get("error")))
        return answer.get("result")

    def _fetch_events(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            new = self._evaluate("window.rtcPeer.takeEvents()", self.call_timeout)
            self._events.extend(new)
            if new or time.monotonic() >= deadline:
                return
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
