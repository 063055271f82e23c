"""Debian's Firefox ESR as a peer, headless.

Firefox has no DevTools pipe to drive, so the page drives itself: it is
served by a small HTTP server on 127.0.0.1 inside the test, long-polls
GET /next for an expression to evaluate, and POSTs each result to
/result.  The same rtc.js as in Chromium runs in it.
"""

import http.server
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading

from .browser import BrowserPeer, rtc_js
from .peer import PeerError
from .process import ProcessGroup

FIREFOX = "/usr/bin/firefox-esr"

# A fresh profile with what an unattended WebRTC test needs: plain host
# addresses instead of mDNS names, fake devices, no permission prompts,
# and nothing that phones home.
PREFS = {
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.peerconnection.ice.loopback": True,
    "media.navigator.permission.disabled": True,
    "media.navigator.streams.fake": True,
    "media.autoplay.default": 0,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "app.update.enabled": False,
    "app.update.auto": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "extensions.update.enabled": False,
}

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>rtcd interop</title></head><body>
<script>%s</script>
<script>
"use strict";
// Evaluate what the test sends; report the value or the exception.
(async () => {
  for (;;) {
    let job;
    try {
      job = await (await fetch("/next", { cache: "no-store" })).json();
    } catch (e) {
      return; // the test has gone away
    }
    if (!job.id) continue; // long poll expired: ask again
    let answer;
    try {
      answer = { id: job.id, value: await (0, eval)(job.expr) };
    } catch (e) {
      answer = { id: job.id, error: String(e && e.stack || e) };
    }
    await fetch("/result", { method: "POST", body: JSON.stringify(answer) });
  }
})();
</script></body></html>
"""


def available():
    """Why Firefox cannot run here, or None if it can."""
    if not shutil.which(FIREFOX):
        return "Firefox is not installed (firefox-esr)"
    return None


def version():
    return subprocess.run([FIREFOX, "--version"], capture_output=True, text=True).stdout.strip()


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, code, body, ctype="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        owner = self.server.owner
        if self.path == "/":
            self._send(200, PAGE % rtc_js(), "text/html; charset=utf-8")
        elif self.path == "/next":
            try:
                job = owner.jobs.get(timeout=20)
            except queue.Empty:
                job = {}
            self._send(200, json.dumps(job))
        else:
            self._send(404, "{}")

    def do_POST(self):
        if self.path != "/result":
            self._send(404, "{}")
            return
        length = int(self.headers.get("Content-Length", "0"))
        answer = json.loads(self.rfile.read(length))
        self.server.owner.results.put(answer)
        self._send(200, "{}")


class FirefoxPeer(BrowserPeer):
    name = "firefox"

    def __init__(self, mdns=False):
        """mdns=True keeps Firefox's default of hiding host addresses behind
        .local names; by default they are plain IPs."""
        super().__init__()
        self._prefs = dict(PREFS)
        if mdns:
            self._prefs["media.peerconnection.ice.obfuscate_host_addresses"] = True
        self.jobs = queue.Queue()
        self.results = queue.Queue()
        self._next_job = 0
        self._profile = tempfile.mkdtemp(prefix="rtcd-firefox-")
        self._proc = None
        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.owner = self
        threading.Thread(target=self._http.serve_forever, name="firefox-http", daemon=True).start()
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self):
        with open(os.path.join(self._profile, "user.js"), "w") as f:
            for key, value in self._prefs.items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(key), json.dumps(value)))
        url = "http://127.0.0.1:%d/" % self._http.server_address[1]
        env = dict(os.environ, MOZ_HEADLESS="1", HOME=self._profile)
        log = None if os.environ.get("RTCD_INTEROP_BROWSER_LOG") else subprocess.DEVNULL
        self._proc = ProcessGroup([FIREFOX, "--headless", "--new-instance", "--no-remote",
                                   "--profile", self._profile, url],
                                  env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        # The first evaluation waits for the page to come up: Firefox's
        # first start in a fresh profile takes a few seconds.
        if self._evaluate("typeof window.rtcPeer", 60.0) != "object":
            raise PeerError("firefox: rtc.js did not load")

    def _evaluate(self, expression, timeout):
        self._next_job += 1
        job_id = self._next_job
        self.jobs.put({"id": job_id, "expr": expression})
        while True:
            if self._proc is None or not self._proc.running():
                raise PeerError("firefox: the browser is gone")
            try:
                answer = self.results.get(timeout=timeout)
            except queue.Empty:
                raise PeerError("firefox: no answer within %.0f s" % timeout)
            if answer.get("id") == job_id:
                break
        if "error" in answer:
            raise PeerError("firefox: script failed: %s" % answer["error"])
        return answer.get("value")

    def close(self):
        if self._proc is not None:
            self._proc.stop()
            self._proc = None
        self._http.shutdown()
        self._http.server_close()
        shutil.rmtree(self._profile, ignore_errors=True)
