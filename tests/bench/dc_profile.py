# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where the time of a measurement went: the CPU each process used during
it (who is the bottleneck), and optionally a perf profile of each."""
import os
import signal
import subprocess
import time

def sched_ns(pid):
    """{thread id: (ns on a CPU, ns runnable but waiting for one)} of a
    process's threads, from /proc/PID/task/TID/schedstat."""
    threads = {}
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            with open("%s/%s/schedstat" % (base, tid)) as f:
                run, wait = f.read().split()[:2]
        except OSError:  # the thread ended meanwhile
            continue
        threads[tid] = (int(run), int(wait))
    return threads


def pids_in_our_netns(exe):
    """The processes running `exe` in this process's network namespace: in
    the benchmark's private namespace, exactly those it started itself."""
    ours = os.readlink("/proc/self/ns/net")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/ns/net" % entry) == ours and \
                    os.readlink("/proc/%s/exe" % entry) == exe:
                found.append(int(entry))
        except OSError:  # gone, or a kernel thread
            continue
    return found


def pss_kib(pids):
    """Proportional set size of processes together, in KiB: shared pages
    are split among their sharers, so a group of processes adds up fairly."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("Pss:"))
        except OSError:
            continue
    return total


class CpuMeter:
    """with CpuMeter({"label": pid or [pids], ...}) as m: ...; str(m) reads
    "label 93% (+5% waiting), ...": the CPU each process used over the
    interval (100% = one core busy throughout) and the time its threads were
    runnable but waited for a CPU. Much waiting means a busy machine, not a
    figure of the process's own."""

    def __init__(self, pids):
        self.pids = pids
        self.used = {}
        self.waited = {}
        self.wall = 0.0

    @staticmethod
    def _threads(pids):
        """sched_ns() of one process or of a group, keyed by (pid, tid)."""
        threads = {}
        for pid in pids if isinstance(pids, (list, tuple)) else [pids]:
            try:
                threads.update({(pid, t): v for t, v in sched_ns(pid).items()})
            except OSError:  # a process of the group is gone
                continue
        return threads

    def __enter__(self):
        self._t0 = time.monotonic()
        self._start = {k: self._threads(p) for k, p in self.pids.items()}
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self._t0
        for k, pids in self.pids.items():
            start = self._start[k]
            end = self._threads(pids)
            self.used[k] = sum(r - start.get(t, (0, 0))[0] for t, (r, _) in end.items()) / 1e9
            self.waited[k] = sum(w - start.get(t, (0, 0))[1] for t, (_, w) in end.items()) / 1e9
        return False

    def __str__(self):
        return ", ".join("%s %.0f%% (+%.0f%% waiting)" % (
            k, 100 * self.used[k] / self.wall, 100 * self.waited[k] / self.wall)
            for k in self.pids)


class Profiler:
    """perf record -g on each process for the duration of the with block,
    into DIR/<name>.data; top() summarises one. A no-op without a dir."""

    def __init__(self, directory, pids):
        self.dir = directory
        self.pids = pids
        self.procs = {}

    def path(self, name):
        return os.path.join(self.dir, name + ".data")

    def __enter__(self):
        if self.dir:
            os.makedirs(self.dir, exist_ok=True)
            for name, pid in self.pids.items():
                self.procs[name] = subprocess.Popen(
                    ["perf", "record", "-g", "-q", "-o", self.path(name), "-p", str(pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)  # perf attaches before the measured work starts
        return self

    def __exit__(self, *exc):
        for proc in self.procs.values():
            proc.send_signal(signal.SIGINT)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return False

    def _report(self, name, *args):
        """perf report's rows as (percent, the rest of the row), summed over
        rows that read the same: perf may split one symbol over several
        entries (two mappings of one library), which would hide its total."""
        out = subprocess.run(["perf", "report", "-i", self.path(name), "--stdio", "-g", "none",
                              "--percent-limit", "0.1"] + list(args),
                             capture_output=True, text=True)
        total = {}
        for row in out.stdout.splitlines():
            fields = row.split()
            if not fields or row.startswith("#") or not fields[0].endswith("%"):
                continue
            # With --children a self percentage follows; it is not the key.
            rest = fields[1:]
            while rest and rest[0].endswith("%"):
                rest = rest[1:]
            key = " ".join(rest)
            total[key] = total.get(key, 0.0) + float(fields[0][:-1])
        return sorted(((p, k) for k, p in total.items()), reverse=True)

    def top(self, name, count=12):
        """Where the samples were: self time by library, the count symbols
        with the most self time, and the user-space functions with the
        most time including what they call."""
        def rows(found):
            return ["  %6.2f%%  %s" % (p, k) for p, k in found[:count]]
        by_dso = "  ".join("%.1f%% %s" % (p, k) for p, k in self._report(
            name, "--no-children", "--sort", "dso")[:8])
        own = self._report(name, "--no-children", "--sort", "dso,sym")
        inclusive = [(p, k) for p, k in self._report(name, "--children", "--sort", "sym")
                     if "[k]" not in k and "0x0000" not in k]
        return (["by library: " + by_dso, "self:"] + rows(own) +
                ["inclusive (user space):"] + rows(inclusive))


def heaptrack_peaks(path, count=12):
    """The count allocation sites holding the most memory at the heap's
    peak, from a heaptrack recording: "<size> in <calls> calls: <function>
    (<file:line>)", sizes as heaptrack prints them (K, M: powers of 1000)."""
    out = subprocess.run(["heaptrack_print", "-f", path, "--print-peaks", "1",
                          "--print-allocators", "0", "--print-temporary", "0",
                          "--print-leaks", "0", "--print-histogram", "0", "-n", str(count),
                          "-s", "0"], capture_output=True, text=True)
    sites = []
    lines = [l.strip() for l in out.stdout.splitlines()]
    for i, l in enumerate(lines):
        if " peak memory consumed over " in l:
            size, rest = l.split(" peak memory consumed over ")
            calls = rest.split()[0]
            where = lines[i + 1] if i + 1 < len(lines) else "?"
            at = lines[i + 2][3:] if i + 2 < len(lines) and lines[i + 2].startswith("at ") \
                else (lines[i + 2] if i + 2 < len(lines) else "")
            sites.append("%s in %s calls: %s (%s)" % (size, calls, where, at))
    return sites
