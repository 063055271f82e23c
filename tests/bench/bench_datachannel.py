#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Data-channel benchmark (issue 5). Prints figures; never fails on a time,
but exits 1 when a measurement could not be made or a receiver found a
message missing or wrong: then the figures do not say what they claim.

For rtcd<->rtcd (two daemons, as two apps on two machines would have),
pion<->pion, aiortc<->aiortc (two processes each) and Chromium<->Chromium
(two RTCPeerConnections in one page):

1. Bulk throughput: TOTAL bytes (64 MiB) as SIZE-byte (16 KiB) binary
   messages on one reliable ordered channel, from the sender's first write
   to the receiver's last message, median of BULK_RUNS, with the CPU each
   process used meanwhile (which one is the bottleneck, if any). The receiver
   checks every message (size and sequence number) and the count; a run
   that loses or garbles anything is reported as such. rtcd twice: through
   DataChannel.OpenSocket and through D-Bus Send(ay) / Message signals.
   The OpenSocket app side (this Python process) is measured alone over a
   socketpair first, the "app ceiling".
2. Offer to open: from the offerer's CreateOffer call to the channel's Open
   at both ends (rtcd: the Open signals; the others: onopen), median of
   RUNS fresh pairs. rtcd trickles its candidates; the others send complete
   descriptions (host candidates only, gathered at once).
3. Memory: PAIRS connected pairs with one open channel each, in fresh
   processes; VmRSS of each process before (after one warm-up pair, opened
   and closed) and after, divided by PAIRS: KiB per peer connection. For
   Chromium, whose pairs live in several processes, the PSS of all of them,
   divided by the 2 * PAIRS peer connections they hold.

Everything runs in a private network namespace (tests/interop/peers/
netns.py): its two veth addresses are both local, so the packets go over
the namespace's loopback. Targets from the issue and published figures
for scale are printed beside the measured ones.

Environment: RUNS (20), BULK_RUNS (3), TOTAL_MIB (64), SIZE (16384),
PAIRS (200), IDLE_S (8: seconds idle before memory is read), STACKS (comma list, default all of rtcd,pion,aiortc,chromium;
rtcd-baseline is rtcd again with the daemon at $RTCD_BASELINE, e.g. a build of the commit
before a change: STACKS=rtcd,rtcd-baseline RTCD_BASELINE=../base/build/daemon/rtcd),
PERF_DIR (if set: perf record -g of both daemons during the OpenSocket runs,
into this directory, and their top symbols printed; needs perf),
HEAPTRACK_DIR (if set: the answerer's daemon of the memory measurement runs
under heaptrack, and the allocation sites holding the most at its peak are
printed; needs heaptrack).
"""
import os
import statistics
import sys

from peers import netns

if os.geteuid() != 0:
    print("data-channel benchmark skipped: it needs root for a network namespace of its own")
    sys.exit(0)
netns.enter()

import dc_linepeer  # noqa: E402
import dc_profile  # noqa: E402
import dc_rtcd  # noqa: E402

RUNS = int(os.environ.get("RUNS", "20"))
BULK_RUNS = int(os.environ.get("BULK_RUNS", "3"))
TOTAL = int(os.environ.get("TOTAL_MIB", "64")) << 20
SIZE = int(os.environ.get("SIZE", "16384"))
PAIRS = int(os.environ.get("PAIRS", "200"))
# "Idle": how long every stack's pairs sit before their memory is read (and
# before the baseline is), long enough for idle-time releases (rtcd gives
# DTLS buffers back after 2 s and trims its heap 5 s after the last change).
IDLE_S = float(os.environ.get("IDLE_S", "8"))
PERF_DIR = os.environ.get("PERF_DIR")
HEAPTRACK_DIR = os.environ.get("HEAPTRACK_DIR")
STACKS = os.environ.get("STACKS", "rtcd,pion,aiortc,chromium").split(",")

TARGETS = {"throughput": 95.0, "open_ms": 10.0, "rss_kib": 128.0}
PUBLISHED = {  # from the issue, for scale
    "throughput": {"aiortc": 22.0, "chromium": 13.5, "pion": 13.0},
    "open_ms": {"pion": 7.0, "aiortc": 46.0},
    "rss_kib": {"aiortc": 260.0, "pion": 490.0},
}


def mbps(seconds, nbytes):
    return nbytes / seconds / 1e6


class Results:
    """Figures by measure and by stack, printed as they come and compared
    at the end."""

    def __init__(self):
        self.figures = {"throughput": {}, "open_ms": {}, "rss_kib": {}}
        self.failures = []
        self.most_waiting = 0.0  # the most a stack's threads waited for a CPU, / wall time

    def note(self, measure, stack, value):
        self.figures[measure][stack] = value


def line(label, text):
    print("  %-24s %s" % (label, text), flush=True)


def bulk_line(res, label, runs, total, cpu=None):
    """runs: [(seconds, receiver)], cpu: a CpuMeter over them; prints and
    returns the median MB/s."""
    rates = [mbps(s, total) for s, _ in runs]
    bad = sum(rx.bad for _, rx in runs)
    got = sum(rx.bytes for _, rx in runs)
    verdict = "all %d bytes verified" % got
    if bad or got != total * len(runs):
        verdict = "%d BAD MESSAGES, %d of %d bytes" % (bad, got, total * len(runs))
        res.failures.append("%s: %s" % (label, verdict))
    line(label, "median %7.1f MB/s  min %7.1f  max %7.1f  (%d x %d MiB, %s)" % (
        statistics.median(rates), min(rates), max(rates), len(runs), total >> 20, verdict))
    if cpu:
        line("", "CPU (100%% = one core): %s" % cpu)
        res.most_waiting = max([res.most_waiting] + [w / cpu.wall for w in cpu.waited.values()])
    return statistics.median(rates)


def measure(res, stack, what, fn):
    """Runs one measurement; a failure is printed and remembered, and the
    benchmark goes on with the next."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 -- a figure missing, said so
        res.failures.append("%s, %s: %s: %s" % (stack, what, type(e).__name__, e))
        line(what, "could not be measured: %s: %s" % (type(e).__name__, e))
        return None


def print_open(res, stack, times):
    res.note("open_ms", stack, statistics.median(times) * 1000)
    line("offer -> open", "median %6.1f ms  min %6.1f  max %6.1f  (%d pairs)" % (
        statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000, len(times)))


def print_memory(res, stack, before, after, what=("offerer", "answerer")):
    per = [(b - a) / PAIRS for a, b in zip(before, after)]
    res.note("rss_kib", stack, statistics.mean(per))
    line("memory, %d idle pairs" % PAIRS, ", ".join(
        "%s %d -> %d KiB (%.1f KiB per pc)" % (w, b, a, p)
        for w, b, a, p in zip(what, before, after, per)))


def print_profile(profiler):
    for name in profiler.pids:
        line("perf, " + name, "(self time, top symbols; %s)" % profiler.path(name))
        for row in profiler.top(name):
            print("      " + row.strip())


def run_rtcd(res, name="rtcd"):
    print("%s: rtcd<->rtcd, two daemons, one peer connection in each (%s)" % (name, dc_rtcd.binary()),
          flush=True)
    s, rx = dc_rtcd.app_ceiling(TOTAL, SIZE)
    line("app ceiling (socketpair)", "%7.1f MB/s  (this process's OpenSocket reader and "
         "writer alone)" % mbps(s, TOTAL))
    d1, d2 = dc_rtcd.daemons(netns.RTCD_INTERFACE, ["--max-peer-connections=%d" % (PAIRS + 10)])
    with d1, d2:
        sa, sb = dc_rtcd.Side(d1), dc_rtcd.Side(d2)
        got = measure(res, name, "offer -> open", lambda: dc_rtcd.offer_to_open(sa, sb, RUNS))
        if got:
            times, phases = got
            print_open(res, name, times)
            line("", "offerer's steps, medians from CreateOffer: %s" % ", ".join(
                "%s %s" % (what, "%.1f ms" % (statistics.median(ts) * 1000)
                           if None not in ts else "not seen")
                for what, ts in zip(("ICE connected", "DTLS connected", "channel open"),
                                    zip(*phases))))

        pids = {"offerer's rtcd": dc_rtcd.pid_of(d1), "answerer's rtcd": dc_rtcd.pid_of(d2),
                "this app": os.getpid()}

        def bulk(fn, profile_dir=None):
            pair, _ = dc_rtcd.connect(sa, sb)
            profiler = dc_profile.Profiler(profile_dir, {"rtcd-offerer": dc_rtcd.pid_of(d1),
                                                         "rtcd-answerer": dc_rtcd.pid_of(d2)})
            try:
                with dc_profile.CpuMeter(pids) as cpu, profiler:
                    runs = [fn(pair, TOTAL, SIZE) for _ in range(BULK_RUNS)]
                return runs, cpu, profiler
            finally:
                pair.close()
        got = measure(res, name, "bulk, OpenSocket",
                      lambda: bulk(dc_rtcd.bulk_socket, PERF_DIR))
        if got:
            runs, cpu, profiler = got
            res.note("throughput", name, bulk_line(res, "bulk, OpenSocket", runs, TOTAL, cpu))
            if PERF_DIR:
                print_profile(profiler)
        got = measure(res, name, "bulk, D-Bus Send(ay)", lambda: bulk(dc_rtcd.bulk_dbus))
        if got:
            runs, cpu, _ = got
            res.note("throughput", name + " (D-Bus Send)",
                     bulk_line(res, "bulk, D-Bus Send(ay)", runs, TOTAL, cpu))

    # Memory in two fresh daemons: the bulk runs' freed heap would hide growth.
    heap = os.path.join(HEAPTRACK_DIR, "rtcd-answerer") if HEAPTRACK_DIR else None
    if heap:
        os.makedirs(HEAPTRACK_DIR, exist_ok=True)
    d1, d2 = dc_rtcd.daemons(netns.RTCD_INTERFACE, ["--max-peer-connections=%d" % (PAIRS + 10)],
                             heaptrack_answerer=heap)
    with d1, d2:
        sa, sb = dc_rtcd.Side(d1), dc_rtcd.Side(d2)
        held = measure(res, name, "memory", lambda: dc_rtcd.hold_pairs(sa, sb, PAIRS, IDLE_S))
        if held:
            before, after, growth, pairs = held
            print_memory(res, name, before, after, ("offerer's rtcd", "answerer's rtcd"))
            line("", "growth by kind of memory, per pc: %s" % ", ".join(
                "%s %.1f KiB" % (k, v / (2 * PAIRS)) for k, v in growth.items()))
            for p in pairs:
                p.close()
    if heap:
        line("heaptrack, rtcd-answerer", "(its figures above include heaptrack's own; "
             "allocation sites at the heap's peak, %d pairs held; %s.zst)" % (PAIRS, heap))
        for site in dc_profile.heaptrack_peaks(heap + ".zst"):
            print("      " + site)


def run_rtcd_baseline(res):
    """The same as rtcd, with the daemon of $RTCD_BASELINE (another build,
    say of the commit before a change), so both are measured in one run."""
    path = os.environ.get("RTCD_BASELINE")
    if not path:
        print("rtcd-baseline: skipped: set RTCD_BASELINE to another build's rtcd", flush=True)
        return
    saved = os.environ.get("RTCD_BINARY")
    os.environ["RTCD_BINARY"] = path
    try:
        run_rtcd(res, "rtcd-baseline")
    finally:
        if saved is None:
            del os.environ["RTCD_BINARY"]
        else:
            os.environ["RTCD_BINARY"] = saved


def run_line_stack(res, name, argv, why_not):
    why = why_not()
    if why:
        print("%s<->%s: skipped: %s" % (name, name, why), flush=True)
        return
    print("%s<->%s: two processes, one peer connection in each" % (name, name), flush=True)
    with dc_linepeer.Stack(name, argv()) as stack:
        times = measure(res, name, "offer -> open", lambda: dc_linepeer.offer_to_open(stack, RUNS))
        if times:
            print_open(res, name, times)
        offerer, answerer = stack.pids()
        cpu = dc_profile.CpuMeter({"offerer": offerer, "answerer": answerer})
        runs = measure(res, name, "bulk",
                       lambda: dc_linepeer.bulk(stack, BULK_RUNS, TOTAL, SIZE, cpu))
        if runs:
            res.note("throughput", name, bulk_line(res, "bulk", runs, TOTAL, cpu))
    with dc_linepeer.Stack(name, argv()) as stack:  # fresh processes, as for rtcd
        held = measure(res, name, "memory", lambda: dc_linepeer.hold_pairs(stack, PAIRS, IDLE_S))
        if held:
            print_memory(res, name, *held)


def run_pion(res):
    import build_dc_pion
    run_line_stack(res, "pion", dc_linepeer.pion_argv, build_dc_pion.available)


def run_aiortc(res):
    from peers import aiortc_peer
    run_line_stack(res, "aiortc", dc_linepeer.aiortc_argv, aiortc_peer.available)


def run_chromium(res):
    import dc_chromium
    why = dc_chromium.available()
    if why:
        print("chromium<->chromium: skipped: %s" % why, flush=True)
        return
    print("chromium<->chromium: two RTCPeerConnections in one headless page (%s)"
          % dc_chromium.version(), flush=True)
    with dc_chromium.Page() as page:
        times = measure(res, "chromium", "offer -> open", lambda: page.offer_to_open(RUNS))
        if times:
            print_open(res, "chromium", times)
        cpu = dc_profile.CpuMeter({"all of Chromium": page.processes()})
        runs = measure(res, "chromium", "bulk", lambda: page.bulk(BULK_RUNS, TOTAL, SIZE, cpu))
        if runs:
            res.note("throughput", "chromium", bulk_line(res, "bulk", runs, TOTAL, cpu))
    with dc_chromium.Page() as page:  # a fresh browser, as for the others
        held = measure(res, "chromium", "memory", lambda: page.hold_pairs(PAIRS, IDLE_S))
        if held:
            before, after = held
            res.note("rss_kib", "chromium", (after - before) / (2 * PAIRS))
            line("memory, %d idle pairs" % PAIRS, "all of Chromium's processes, PSS %d -> %d "
                 "KiB (%.1f KiB per pc; both pcs of a pair are in it)" % (
                     before, after, (after - before) / (2 * PAIRS)))


def report(res):
    units = {"throughput": ("MB/s", "bulk throughput", True),
             "open_ms": ("ms", "offer -> open", False),
             "rss_kib": ("KiB/pc", "memory per idle pc", False)}
    print("Summary (ratio = stack / rtcd; target and published figures from the issue):")
    for measure, (unit, title, higher_better) in units.items():
        figs = res.figures[measure]
        base = figs.get("rtcd")
        target = TARGETS[measure]
        print("  %s (target for rtcd %s %g %s):" % (title, ">=" if higher_better else "<=",
                                                     target, unit))
        for stack, value in figs.items():
            ratio = " %6.2fx rtcd" % (value / base) if base and stack != "rtcd" else ""
            met = ""
            if stack == "rtcd":
                ok = value >= target if higher_better else value <= target
                met = "  (target %s)" % ("met" if ok else "NOT met")
            pub = PUBLISHED[measure].get(stack)
            print("    %-20s %9.1f %-6s%s%s%s" % (stack, value, unit, ratio, met,
                                                "  (published: %g)" % pub if pub else ""))


def main():
    print("Data-channel benchmark: %d MiB in %d-byte messages x %d, offer -> open x %d, "
          "%d idle pairs" % (TOTAL >> 20, SIZE, BULK_RUNS, RUNS, PAIRS), flush=True)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    # Figures from a busy machine are not comparable with a quiet one's.
    print("  %d CPUs, load average %s at the start" % (os.cpu_count(), " ".join(load)),
          flush=True)
    res = Results()
    runners = {"rtcd": run_rtcd, "rtcd-baseline": run_rtcd_baseline, "pion": run_pion,
               "aiortc": run_aiortc,
               "chromium": run_chromium}
    for stack in STACKS:
        measure(res, stack, stack, lambda: runners[stack](res))
    report(res)
    if res.most_waiting > 0.2:
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        print("Note: the machine was busy (load average %s now): during a bulk run, a "
              "stack's threads waited for a CPU for up to %.0f%% of its time (threads summed), "
              "so these figures are lower than an idle machine's; compare the stacks within "
              "this run." % (load, 100 * res.most_waiting))
    if res.failures:
        # Not a time: something did not work, and the figures above miss it.
        print("Measurements that failed:")
        for f in res.failures:
            print("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
