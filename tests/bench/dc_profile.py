# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where the time of a measurement went: the CPU each process used during
it (who is the bottleneck), and optionally a perf profile of each."""
import os
import resource
import signal
import subprocess
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of a process, all its threads."""
    if pid == os.getpid():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    with open("/proc/%d/stat" % pid) as f:
        # The command name may hold spaces: fields count from after its ')'.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class CpuMeter:
    """with CpuMeter({"label": pid, ...}) as m: ...; then str(m) reads
    "label 93%, ..." (100% = one core busy for the whole interval)."""

    def __init__(self, pids):
        self.pids = pids
        self.used = {}
        self.wall = 0.0

    def __enter__(self):
        self._t0 = time.monotonic()
        self._start = {k: cpu_seconds(p) for k, p in self.pids.items()}
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self._t0
        self.used = {k: cpu_seconds(p) - self._start[k] for k, p in self.pids.items()}
        return False

    def __str__(self):
        return ", ".join("%s %.0f%%" % (k, 100 * v / self.wall) for k, v in self.used.items())


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
        out = subprocess.run(["perf", "report", "-i", self.path(name), "--stdio", "-g", "none",
                              "--percent-limit", "0.5"] + list(args),
                             capture_output=True, text=True)
        return [l.strip() for l in out.stdout.splitlines() if l.strip() and l[0] != "#"]

    def top(self, name, count=12):
        """Where the samples were: a line of self time by library, the
        count symbols with the most self time, then the most inclusive
        time among the named ones (callers included)."""
        by_dso = "  ".join(" ".join(r.split()) for r in self._report(
            name, "--no-children", "--sort", "dso")[:8])
        own = self._report(name, "--no-children", "--fields", "overhead,dso,sym")
        inclusive = [r for r in self._report(name, "--children", "--fields",
                                             "overhead_children,sym")
                     if "0x0000" not in r and "[k]" not in r]
        return (["by library: " + by_dso, "self:"] + ["  " + r for r in own[:count]] +
                ["inclusive (user space):"] + ["  " + r for r in inclusive[:count]])
