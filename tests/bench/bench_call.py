#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Call benchmark (issue 13, "Measured"). Prints figures; never fails on a
time, but exits 1 when a call could not be set up or carried no video (then
the figures would not say what they claim).

One call, audio + video both ways, 640x480 at 30 fps VP8 (fake devices):

- rtcd<->rtcd: two daemons (--fake-media-devices), one app on each (this
  process, over D-Bus). CPU of both daemons from /proc/PID/stat (utime +
  stime of all their threads), scaled to CPU seconds per minute of call;
  packets/s sent and packets/s per core (RTP packets both daemons sent /
  the CPU seconds they used); the syscalls per sent packet, counted by the
  kernel (perf stat on the syscall tracepoints, and the io_uring SQEs)
  and the sends per datagram from the daemons' own UDP totals
  (RTCD_UDP_STATS). Three configurations: io_uring with GSO (the default),
  io_uring with RTCD_UDP_GSO=off (one datagram per send: the reference) and
  epoll with GSO.
- Chromium<->Chromium: two headless Debian Chromium browsers (as
  tests/interop/peers/chromium.py drives them), each with its fake camera
  and microphone at the same resolution and frame rate, each playing what
  it receives in a <video>; CPU of every Chromium process (both browsers).

Then the ratio of the two calls' CPU. Each configuration warms up WARMUP_S
(the congestion controller ramps up; 10) and is measured for DURATION_S (20;
the figures are scaled to a minute). The bitrates each call reached are
printed beside its CPU: a call at a lower bitrate costs less.

Everything runs in a private network namespace of its own (root), like the
other benchmarks (tests/interop/peers/netns.py).

Environment: DURATION_S (20), WARMUP_S (10), CONFIGS (comma list of
rtcd-gso, rtcd-nogso, rtcd-epoll, chromium; default all).
"""
import json
import os
import subprocess
import sys
import time

from peers import netns

if os.geteuid() != 0:
    print("call benchmark skipped: it needs root for a network namespace of its own")
    sys.exit(0)
netns.enter()

import dbus  # noqa: E402
import rtcdtest  # noqa: E402
from peers import chromium  # noqa: E402
from peers.peer import PeerError  # noqa: E402

DURATION = float(os.environ.get("DURATION_S", "20"))
WARMUP = float(os.environ.get("WARMUP_S", "10"))
CONFIGS = os.environ.get("CONFIGS", "rtcd-gso,rtcd-nogso,rtcd-epoll,chromium").split(",")
TICKS = os.sysconf("SC_CLK_TCK")
VIDEO = {"width": dbus.UInt32(640), "height": dbus.UInt32(480), "frame-rate": 30.0}
CHROMIUM_EXE = "/usr/lib/chromium/chromium"
# Syscall tracepoints perf counts, per process; SQEs are io_uring's sends.
EVENTS = ["raw_syscalls:sys_enter", "syscalls:sys_enter_io_uring_enter",
          "syscalls:sys_enter_sendmsg", "syscalls:sys_enter_sendmmsg",
          "syscalls:sys_enter_sendto", "io_uring:io_uring_submit_req"]
# The rest of them, for where the syscalls per packet go.
OTHER_SYSCALLS = ["futex", "read", "write", "poll", "ppoll", "epoll_wait", "epoll_pwait",
                  "recvmsg", "recvmmsg", "sendmsg", "sendmmsg", "io_uring_enter", "timerfd_settime",
                  "clock_nanosleep", "madvise", "mprotect", "munmap", "mmap", "brk"]
EVENTS += ["syscalls:sys_enter_" + n for n in OTHER_SYSCALLS if
           "syscalls:sys_enter_" + n not in EVENTS]


class Failed(Exception):
    pass


def line(label, text):
    print("  %-30s %s" % (label, text), flush=True)


def cpu_seconds(pids):
    """utime + stime of processes (all their threads, living and ended)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)
    return total / TICKS


class SyscallCounter:
    """perf stat of the syscall tracepoints on some processes, meanwhile."""

    def __init__(self, pids):
        self.pids = pids
        self.counts = {}
        self.proc = None

    def __enter__(self):
        self.out = "/tmp/rtcd-bench-call-perf-%d.txt" % os.getpid()
        try:
            self.proc = subprocess.Popen(
                ["perf", "stat", "-x", ",", "-o", self.out, "-p", ",".join(map(str, self.pids))] +
                sum((["-e", e] for e in EVENTS), []),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.3)  # attached before the window starts
        except OSError:
            self.proc = None
        return self

    def __exit__(self, *exc):
        if not self.proc:
            return False
        self.proc.send_signal(2)
        self.proc.wait(10)
        try:
            with open(self.out) as f:
                for row in f:
                    cols = row.strip().split(",")
                    if len(cols) > 2 and cols[0].isdigit():
                        self.counts[cols[2]] = int(cols[0])
            os.unlink(self.out)
        except OSError:
            pass
        return False


# ---- rtcd <-> rtcd ------------------------------------------------------------

def video_stats(pc, kind):
    return [v for v in pc.GetStats().values()
            if v["type"] == kind and v.get("kind") == "video"]


def rtp_sent(pcs):
    """(RTP packets, bytes) the peer connections sent, audio and video."""
    packets = nbytes = 0
    for pc in pcs:
        for v in pc.GetStats().values():
            if v["type"] == "outbound-rtp":
                packets += int(v["packetsSent"])
                nbytes += int(v["bytesSent"])
    return packets, nbytes


def udp_totals(log):
    """The daemon's 'udp totals' line (RTCD_UDP_STATS=1) as numbers."""
    for row in log.splitlines():
        if "udp totals:" in row:
            nums = [int(w) for w in row.replace("(", " ").split() if w.isdigit()]
            return {"datagrams": nums[0], "sends": nums[1], "gso_sends": nums[2]}
    return None


def call_rtcd(label, env):
    from test_ice import Trickler, state
    from test_media_send import negotiate

    saved = dict(os.environ)
    os.environ.update(env)
    os.environ["RTCD_UDP_STATS"] = "1"
    args = ["--fake-media-devices", "--no-pipewire"]
    try:
        with rtcdtest.Daemon(args, verbose=False) as d1, \
                rtcdtest.Daemon(args, verbose=False) as d2:
            bus_a, bus_b = d1.bus(), d2.bus()
            sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
            a, b = d1.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
            for d, bus, pc in ((d1, bus_a, a), (d2, bus_b, b)):
                for t in d.manager(bus).GetUserMedia(dbus.Dictionary(
                        {"audio": True, "video": dbus.Dictionary(VIDEO, signature="sv")},
                        signature="sv"), timeout=15):
                    pc.AddTrack(t, dbus.Array(["s"], signature="s"))
            peers = {a.object_path: b, b.object_path: a}
            ta, tb = Trickler(sig_a, peers), Trickler(sig_b, peers)
            negotiate(bus_a, a, bus_b, b)
            if not rtcdtest.pump(lambda: ta() or tb() or (
                    state(bus_a, a, "ConnectionState") == "connected" and
                    state(bus_b, b, "ConnectionState") == "connected"), 20):
                raise Failed("%s: the call did not connect" % label)
            rtcdtest.pump(timeout=WARMUP)
            pids = [d1.rtcd.pid, d2.rtcd.pid]
            with SyscallCounter(pids) as sc:
                cpu0, sent0, t0 = cpu_seconds(pids), rtp_sent((a, b)), time.monotonic()
                decoded0 = sum(int(video_stats(pc, "inbound-rtp")[0].get("framesDecoded", 0))
                               for pc in (a, b))
                rtcdtest.pump(timeout=DURATION)
                cpu1, sent1, t1 = cpu_seconds(pids), rtp_sent((a, b)), time.monotonic()
                decoded1 = sum(int(video_stats(pc, "inbound-rtp")[0].get("framesDecoded", 0))
                               for pc in (a, b))
            per_daemon = [cpu_seconds([p]) for p in pids]
            targets = [int(video_stats(pc, "outbound-rtp")[0].get("targetBitrate", 0))
                       for pc in (a, b)]
            d1.stop_rtcd()
            d2.stop_rtcd()
            totals = [udp_totals(d.log()) for d in (d1, d2)]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    wall = t1 - t0
    cpu = cpu1 - cpu0
    packets = sent1[0] - sent0[0]
    if decoded1 - decoded0 <= 0:
        raise Failed("%s: no video decoded during the measurement" % label)
    res = {"cpu_per_min": cpu * 60 / wall, "wall": wall, "packets_per_s": packets / wall,
           "packets_per_core_s": packets / cpu if cpu > 0 else 0,
           "kbps": (sent1[1] - sent0[1]) * 8 / wall / 1000 / 2,
           "fps_decoded": (decoded1 - decoded0) / wall / 2}
    line(label, "%.2f CPU s per minute of call (both daemons; %.0f%% of a core)" % (
        res["cpu_per_min"], 100 * cpu / wall))
    line("", "whole run per daemon: %.2f s and %.2f s of CPU" % tuple(per_daemon))
    line("", "media sent: %.0f kbit/s per direction (RTP payload+headers), video target %s "
         "kbit/s; %.1f frames/s decoded per direction" % (
             res["kbps"], "/".join(str(t // 1000) for t in targets), res["fps_decoded"]))
    line("", "%.0f RTP packets/s sent (both), %.0f packets/s per core" % (
        res["packets_per_s"], res["packets_per_core_s"]))
    if sc.counts and packets:
        c = sc.counts
        sends = c.get("syscalls:sys_enter_sendmsg", 0) + c.get("syscalls:sys_enter_sendmmsg", 0) + \
            c.get("syscalls:sys_enter_sendto", 0)
        res["syscalls_per_packet"] = c.get("raw_syscalls:sys_enter", 0) / packets
        line("", "per RTP packet sent: %.2f syscalls in all, %.3f send syscalls, %.2f "
             "io_uring_enter, %.3f io_uring SQEs (any kind)" % (
                 res["syscalls_per_packet"], sends / packets,
                 c.get("syscalls:sys_enter_io_uring_enter", 0) / packets,
                 c.get("io_uring:io_uring_submit_req", 0) / packets))
        top = sorted(((c.get("syscalls:sys_enter_" + n, 0), n) for n in OTHER_SYSCALLS),
                     reverse=True)[:6]
        line("", "of them: " + ", ".join("%s %.2f" % (n, k / packets) for k, n in top if k))
    else:
        line("", "syscalls: not counted (perf stat unavailable)")
    if all(totals):
        dg = sum(t["datagrams"] for t in totals)
        sends = sum(t["sends"] for t in totals)
        gso = sum(t["gso_sends"] for t in totals)
        res["sends_per_datagram"] = sends / dg
        line("", "UDP, whole run: %d datagrams in %d kernel sends (%.3f per datagram), "
             "%d of them GSO" % (dg, sends, sends / dg, gso))
    return res


# ---- Chromium <-> Chromium ----------------------------------------------------

PAGE_JS = r"""
window.callBench = {
  pc: null,
  async start() {
    const stream = await navigator.mediaDevices.getUserMedia({audio: true,
      video: {width: 640, height: 480, frameRate: 30}});
    const pc = this.pc = new RTCPeerConnection();
    stream.getTracks().forEach(t => pc.addTrack(t, stream));
    pc.ontrack = e => {
      const el = document.createElement(e.track.kind);
      el.autoplay = true; el.muted = e.track.kind === 'audio' ? false : true;
      el.srcObject = new MediaStream([e.track]);
      document.body.appendChild(el);
      el.play().catch(() => {});
    };
    return true;
  },
  async gathered() {
    if (this.pc.iceGatheringState !== 'complete')
      await new Promise(r => this.pc.addEventListener('icegatheringstatechange',
        () => this.pc.iceGatheringState === 'complete' && r()));
    return this.pc.localDescription.sdp;
  },
  async offer() {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.gathered();
  },
  async answer(sdp) {
    await this.pc.setRemoteDescription({type: 'offer', sdp});
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.gathered();
  },
  async accept(sdp) {
    await this.pc.setRemoteDescription({type: 'answer', sdp});
    return true;
  },
  async stats() {
    const r = {sent: 0, bytes: 0, decoded: 0, codec: '', target: 0, connected:
               this.pc.connectionState};
    const s = await this.pc.getStats();
    const codecs = {};
    s.forEach(v => { if (v.type === 'codec') codecs[v.id] = v.mimeType; });
    s.forEach(v => {
      if (v.type === 'outbound-rtp') { r.sent += v.packetsSent; r.bytes += v.bytesSent;
        if (v.kind === 'video') { r.codec = codecs[v.codecId] || '';
          r.width = v.frameWidth; r.height = v.frameHeight; r.fps = v.framesPerSecond;
          r.target = v.targetBitrate || 0; } }
      if (v.type === 'inbound-rtp' && v.kind === 'video') r.decoded += v.framesDecoded || 0;
    });
    return r;
  },
};
true
"""


def chromium_processes():
    """Every Chromium process (both browsers): ours are the only ones in our
    network namespace."""
    ours = os.readlink("/proc/self/ns/net")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/ns/net" % entry) == ours and \
                    os.readlink("/proc/%s/exe" % entry) == CHROMIUM_EXE:
                found.append(int(entry))
        except OSError:
            continue
    return found


class BlankPage:
    """An empty page on http://127.0.0.1: getUserMedia needs a secure
    context, which about:blank is not for Chromium."""

    def __enter__(self):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"<!doctype html><title>call</title><body></body>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/" % self.server.server_address[1]
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        return False


def call_chromium(label):
    why = chromium.available()
    if why:
        line(label, "skipped: " + why)
        return None
    with BlankPage() as page:
        return call_chromium_on(label, page.url)


def call_chromium_on(label, url):
    peers = []
    try:
        for _ in range(2):
            # The fake camera runs at 20 fps unless told otherwise.
            peers.append(chromium.ChromiumPeer(
                url=url, extra_flags=["--use-fake-device-for-media-stream=fps=30"]))
        a, b = peers

        def ev(peer, expr, timeout=120.0):
            # Generous: on a loaded machine the browser answers slowly.
            try:
                return peer._evaluate(expr, timeout)
            except PeerError as e:
                raise PeerError("%s: %s" % (expr[:40].strip(), e))
        for p in peers:
            ev(p, PAGE_JS)
            ev(p, "window.callBench.start()")
        offer = ev(a, "window.callBench.offer()")
        answer = ev(b, "window.callBench.answer(%s)" % json.dumps(offer))
        ev(a, "window.callBench.accept(%s)" % json.dumps(answer))
        deadline = time.monotonic() + 20
        while not all(ev(p, "window.callBench.stats()")["connected"] == "connected"
                      for p in peers):
            if time.monotonic() > deadline:
                raise Failed("%s: the call did not connect" % label)
            time.sleep(0.2)
        time.sleep(WARMUP)
        stats0 = [ev(p, "window.callBench.stats()") for p in peers]
        pids = chromium_processes()
        cpu0, t0 = cpu_seconds(pids), time.monotonic()
        time.sleep(DURATION)
        cpu1, t1 = cpu_seconds(pids), time.monotonic()
        stats1 = [ev(p, "window.callBench.stats()") for p in peers]
    except PeerError as e:
        raise Failed("%s: %s" % (label, e))
    finally:
        for p in peers:
            p.close()
    wall = t1 - t0
    cpu = cpu1 - cpu0
    packets = sum(s1["sent"] - s0["sent"] for s0, s1 in zip(stats0, stats1))
    decoded = sum(s1["decoded"] - s0["decoded"] for s0, s1 in zip(stats0, stats1))
    nbytes = sum(s1["bytes"] - s0["bytes"] for s0, s1 in zip(stats0, stats1))
    if decoded <= 0:
        raise Failed("%s: no video decoded during the measurement" % label)
    res = {"cpu_per_min": cpu * 60 / wall, "packets_per_s": packets / wall,
           "packets_per_core_s": packets / cpu if cpu > 0 else 0}
    line(label, "%.2f CPU s per minute of call (%d Chromium processes; %.0f%% of a core)" % (
        res["cpu_per_min"], len(pids), 100 * cpu / wall))
    line("", "media sent: %.0f kbit/s per direction, video %s %sx%s at %s fps, target %s "
         "kbit/s; %.1f frames/s decoded per direction" % (
             nbytes * 8 / wall / 1000 / 2, stats1[0]["codec"], stats1[0].get("width"),
             stats1[0].get("height"), stats1[0].get("fps"),
             "/".join(str(int(s["target"]) // 1000) for s in stats1), decoded / wall / 2))
    line("", "%.0f RTP packets/s sent (both), %.0f packets/s per core" % (
        res["packets_per_s"], res["packets_per_core_s"]))
    return res


def main():
    load = open("/proc/loadavg").read().split()[:3]
    print("call benchmark: 640x480 30 fps VP8 + Opus both ways, %.0f s measured after %.0f s "
          "of warm-up; %d CPUs, load average %s at the start" % (
              DURATION, WARMUP, os.cpu_count(), " ".join(load)), flush=True)
    results, failures = {}, []
    runs = [("rtcd-gso", lambda: call_rtcd("rtcd<->rtcd, io_uring, GSO", {"RTCD_IO": "uring"})),
            ("rtcd-nogso", lambda: call_rtcd("rtcd<->rtcd, io_uring, no GSO",
                                             {"RTCD_IO": "uring", "RTCD_UDP_GSO": "off"})),
            ("rtcd-epoll", lambda: call_rtcd("rtcd<->rtcd, epoll, GSO", {"RTCD_IO": "epoll"})),
            ("chromium", lambda: call_chromium("Chromium<->Chromium (%s)" % chromium.version()))]
    for name, fn in runs:
        if name not in CONFIGS:
            continue
        try:
            results[name] = fn()
        except (Failed, dbus.exceptions.DBusException, RuntimeError) as e:
            failures.append(str(e))
            line(name, "FAILED: %s" % e)
    r, c = results.get("rtcd-gso"), results.get("chromium")
    if r and c:
        line("ratio", "rtcd uses %.2f x the CPU of Chromium for the call (%.2f vs %.2f s/min)" % (
            r["cpu_per_min"] / c["cpu_per_min"], r["cpu_per_min"], c["cpu_per_min"]))
    g, n = results.get("rtcd-gso"), results.get("rtcd-nogso")
    if g and n and "syscalls_per_packet" in g and "syscalls_per_packet" in n:
        line("GSO", "sends per datagram %.3f with GSO, %.3f without; syscalls per packet "
             "%.2f with, %.2f without" % (g.get("sends_per_datagram", 0),
                                          n.get("sends_per_datagram", 0),
                                          g["syscalls_per_packet"], n["syscalls_per_packet"]))
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
