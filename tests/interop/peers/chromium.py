"""Debian's Chromium as a peer, headless, driven over the DevTools protocol
on --remote-debugging-pipe: the browser reads commands on fd 3 and writes
answers on fd 4, each a JSON message ended by a NUL byte.  No npm needed.

The page is about:blank unless a URL is given (getUserMedia needs a secure
context such as http://127.0.0.1); rtc.js is evaluated into it.
"""

import fcntl
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

from .browser import BrowserPeer, rtc_js
from .peer import PeerError
from .process import ProcessGroup

CHROMIUM = "/usr/bin/chromium"

# From /work/shared/recipes/real-peers.md: what headless Chromium needs as
# root on this machine, with fake capture devices for media tests.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
]
HIDE_IPS_WITH_MDNS = "WebRtcHideLocalIpsWithMdns"


def available():
    """Why Chromium cannot run here, or None if it can."""
    if not shutil.which(CHROMIUM):
        return "Chromium is not installed (chromium)"
    return None


def version():
    out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    return out.stdout.strip()


class DevToolsPipe:
    """The DevTools protocol over the pipe pair: send a command, wait for the
    answer with the same id.  Events are not needed and are dropped."""

    def __init__(self, to_browser, from_browser):
        self._out = os.fdopen(to_browser, "wb", buffering=0)
        self._in = os.fdopen(from_browser, "rb", buffering=0)
        self._next_id = 0
        self._answers = {}
        self._closed = False
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="devtools-reader", daemon=True)
        self._reader.start()

    def _read(self):
        buf = b""
        while True:
            chunk = self._in.read(65536)
            if not chunk:
                break
            buf += chunk
            *messages, buf = buf.split(b"\0")
            for raw in messages:
                msg = json.loads(raw)
                if "id" in msg:
                    with self._cond:
                        self._answers[msg["id"]] = msg
                        self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def send(self, method, params=None, session=None, timeout=30.0):
        with self._cond:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        try:
            self._out.write(json.dumps(msg).encode() + b"\0")
        except BrokenPipeError:
            raise PeerError("chromium: the browser is gone (%s)" % method)
        with self._cond:
            self._cond.wait_for(lambda: mid in self._answers or self._closed, timeout=timeout)
            answer = self._answers.pop(mid, None)
        if answer is None:
            raise PeerError("chromium: no answer to %s (%s)" % (
                method, "browser exited" if self._closed else "timeout"))
        if "error" in answer:
            raise PeerError("chromium: %s: %s" % (method, answer["error"].get("message")))
        return answer.get("result", {})

    def close(self):
        for f in (self._out, self._in):
            try:
                f.close()
            except OSError:
                pass


class BlankPage:
    """An empty page served on 127.0.0.1 from a thread of the test: a
    secure context (W3C: http://127.0.0.1 is potentially trustworthy), so
    navigator.mediaDevices exists, which about:blank lacks."""

    class _Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b"<!doctype html><html><head><title>rtcd interop</title></head><body></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def __init__(self):
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="blank-page",
                                        daemon=True)
        self._thread.start()
        self.url = "http://127.0.0.1:%d/" % self._server.server_address[1]

    def close(self):
        self._server.shutdown()
        self._server.server_close()


class ChromiumPeer(BrowserPeer):
    name = "chromium"

    def __init__(self, url="about:blank", mdns=False, extra_flags=(), media=False):
        """mdns=True keeps Chromium's default of hiding host addresses behind
        .local names; by default they are plain IPs.  media=True loads a
        page of the test's own (BlankPage) so that getUserMedia works."""
        super().__init__()
        self._profile = tempfile.mkdtemp(prefix="rtcd-chromium-")
        self._proc = None
        self._pipe = None
        self._page = None
        try:
            if media:
                self._page = BlankPage()
                url = self._page.url
            self._start(url, mdns, list(extra_flags))
        except BaseException:
            self.close()
            raise

    def _start(self, url, mdns, extra_flags):
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def wire_fds():  # runs in the child: the browser expects fds 3 and 4
            # Move both out of the way first: either may be fd 3 or 4 already.
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 5)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 5)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        flags = FLAGS + ["--user-data-dir=" + self._profile, "--remote-debugging-pipe"]
        if not mdns:
            flags.append("--disable-features=" + HIDE_IPS_WITH_MDNS)
        try:
            self._proc = ProcessGroup([CHROMIUM] + flags + extra_flags + ["about:blank"],
                                      preexec_fn=wire_fds, pass_fds=(3, 4),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL
                                      if not os.environ.get("RTCD_INTEROP_BROWSER_LOG") else None)
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        self._pipe = DevToolsPipe(to_browser_w, from_browser_r)

        target = self._pipe.send("Target.createTarget", {"url": url})["targetId"]
        self._session = self._pipe.send("Target.attachToTarget",
                                        {"targetId": target, "flatten": True})["sessionId"]
        if url != "about:blank":
            self._wait_loaded(url)
        self._evaluate(rtc_js() + "\n;true", 30.0)

    def _wait_loaded(self, url, timeout=30.0):
        # The new target is about:blank, "complete", until the navigation
        # to url commits.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._evaluate("[location.href, document.readyState]", 5.0) == [url, "complete"]:
                return
            time.sleep(0.05)
        raise PeerError("chromium: page did not load within %.0f s" % timeout)

    def _evaluate(self, expression, timeout):
        res = self._pipe.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
        }, session=self._session, timeout=timeout)
        if "exceptionDetails" in res:
            details = res["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise PeerError("chromium: script failed: %s" % text)
        return res["result"].get("value")

    def close(self):
        if self._pipe is not None:
            try:
                self._pipe.send("Browser.close", timeout=5.0)
            except PeerError:
                pass
        if self._proc is not None:
            self._proc.stop()
            self._proc = None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self._page is not None:
            self._page.close()
            self._page = None
        shutil.rmtree(self._profile, ignore_errors=True)
