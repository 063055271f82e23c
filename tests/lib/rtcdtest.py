# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for rtcd's Python tests: a private dbus-daemon and a real rtcd.

    with rtcdtest.Daemon() as d:
        bus = d.bus()                       # a new connection to the private bus
        pc = d.create_peer_connection(bus)  # proxy of a new PeerConnection
        ...

Everything started is stopped again, also when a test fails. The rtcd binary
comes from $RTCD_BINARY (meson sets it), the event loop from $RTCD_IO.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import tap

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

# Signals need a main loop: every connection made here runs on GLib's.
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

BUS_NAME = "org.rtcd.WebRTC1"
ROOT = "/org/rtcd/WebRTC1"
IFACE = "org.rtcd.WebRTC1"
MANAGER = IFACE + ".Manager"
PC = IFACE + ".PeerConnection"
DC = IFACE + ".DataChannel"
PROPS = "org.freedesktop.DBus.Properties"
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_rtcd():
    path = os.environ.get("RTCD_BINARY")
    if path:
        return path
    for candidate in ("build/daemon/rtcd", "build-asan/daemon/rtcd"):
        p = os.path.join(SRC, candidate)
        if os.path.exists(p):
            return p
    raise RuntimeError("RTCD_BINARY is not set and no built rtcd was found")


def io_uring_refusal():
    """Why io_uring cannot be used here (a seccomp filter such as Docker's
    default, kernel.io_uring_disabled), or None when it can."""
    import ctypes
    import errno
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)  # struct io_uring_params
    fd = libc.syscall(425, 1, params)           # io_uring_setup, every arch
    if fd >= 0:
        os.close(fd)
        return None
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EPERM):
        return os.strerror(err)
    return None  # another error is rtcd's to report, not a reason to skip


class Tap(tap.Tap):
    """tap.Tap for tests of rtcd: a run meant for io_uring (RTCD_IO=uring)
    skips where io_uring is refused; the epoll run covers those machines."""

    def __init__(self):
        super().__init__()
        if os.environ.get("RTCD_IO") == "uring":
            why = io_uring_refusal()
            if why:
                tap.skip_all("io_uring is refused here (%s): the epoll run covers it" % why)


# SIGTERM when the test process dies, so that a test killed by its timeout
# leaves no dbus-daemon or rtcd behind (its own clean-up never runs then).
# setpriv rather than a preexec_fn: that is unsafe in a process with threads.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "TERM"]


class Daemon:
    """A private bus with rtcd on it. extra_args go to rtcd; bus_config is
    the dbus-daemon configuration (default: tests/integration/session-bus.conf)."""

    def __init__(self, extra_args=(), start_rtcd=True, verbose=True, netns=None,
                 bus_config=None):
        self.extra_args = list(extra_args)
        self.bus_config = bus_config
        self.verbose = verbose
        # rtcd may run in a network namespace (the network lab's hosts); the
        # bus socket is a path, so clients reach it from anywhere.
        self.netns = netns
        self.start_rtcd = start_rtcd
        self.tmp = tempfile.TemporaryDirectory(prefix="rtcd-test-")
        self.bus_proc = None
        self.rtcd = None
        self.address = None
        self.log_path = os.path.join(self.tmp.name, "rtcd.log")
        self._conns = []

    def __enter__(self):
        try:
            self._start_bus()
            if self.start_rtcd:
                self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _start_bus(self):
        conf = self.bus_config or os.path.join(SRC, "tests", "integration", "session-bus.conf")
        # dbus-daemon's own chatter (it cannot raise its fd limit in a
        # container) goes to a file, not into every test's output.
        with open(os.path.join(self.tmp.name, "dbus-daemon.log"), "ab") as log:
            self.bus_proc = subprocess.Popen(
                DIE_WITH_PARENT + ["dbus-daemon", "--config-file=" + conf, "--nofork",
                                   "--print-address=1"],
                stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                start_new_session=True)
        line = self.bus_proc.stdout.readline().decode().strip()
        if not line:
            raise RuntimeError("dbus-daemon did not start")
        self.address = line

    def start(self):
        """Starts rtcd and waits until it owns its name."""
        env = dict(os.environ)
        log = open(self.log_path, "ab")
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        # Outside a namespace of the test's own, ICE stays on loopback: no
        # check ever goes to an address of the machine's real interfaces.
        gather = [] if self.netns or any(a.startswith("--interface") for a in self.extra_args) \
            else ["--interface=lo", "--loopback-candidates"]
        self.rtcd = subprocess.Popen(
            DIE_WITH_PARENT + prefix + [find_rtcd(), "--address=" + self.address] +
            (["--verbose"] if self.verbose else []) + gather + self.extra_args,
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
        log.close()
        watcher = self.bus()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if watcher.name_has_owner(BUS_NAME):
                return
            if self.rtcd.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError("rtcd did not come up:\n" + self.log())

    def stop_rtcd(self, sig=signal.SIGTERM, timeout=10):
        """Stops rtcd with `sig`; returns its exit status."""
        if not self.rtcd:
            return None
        if self.rtcd.poll() is None:
            self.rtcd.send_signal(sig)
            try:
                self.rtcd.wait(timeout)
            except subprocess.TimeoutExpired:
                self.rtcd.kill()
                self.rtcd.wait()
                raise RuntimeError("rtcd ignored signal %d" % sig)
        status = self.rtcd.returncode
        self.rtcd = None
        return status

    def stop(self):
        for c in self._conns:
            try:
                c.close()
            except Exception:
                pass
        self._conns = []
        try:
            self.stop_rtcd()
            # A sanitizer's report at exit (a leak, above all) fails the
            # test that ran this daemon.
            log = self.log() if os.path.exists(self.log_path) else ""
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                           "runtime error:"):
                if marker in log:
                    raise RuntimeError("rtcd: %s\n%s" % (marker, log[log.index(marker):][:3000]))
        finally:
            if self.bus_proc:
                self.bus_proc.terminate()
                self.bus_proc.wait()
                self.bus_proc.stdout.close()
                self.bus_proc = None
            self.tmp.cleanup()

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def bus(self):
        conn = dbus.bus.BusConnection(self.address)
        self._conns.append(conn)
        return conn

    def manager(self, bus):
        return dbus.Interface(bus.get_object(BUS_NAME, ROOT), MANAGER)

    def create_peer_connection(self, bus, config=None):
        path = self.manager(bus).CreatePeerConnection(
            dbus.Dictionary(config or {}, signature="sv"))
        return dbus.Interface(bus.get_object(BUS_NAME, path), PC)

    def env(self):
        """Environment for a child process that should talk to this daemon."""
        env = dict(os.environ)
        env["RTCD_BUS_ADDRESS"] = self.address
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        return env


def pump(cond=None, timeout=2.0):
    """Runs the main loop until cond() is true (returns True) or the timeout
    passes (returns False; with no cond, just drains what is pending)."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while True:
        while ctx.pending():
            ctx.iteration(False)
        if cond is not None and cond():
            return True
        if time.monotonic() >= deadline:
            return cond is None
        ctx.iteration(False) or time.sleep(0.002)


class Signals:
    """Records every signal the connection receives from rtcd, in order:
    a list of (path, interface, member, args)."""

    def __init__(self, bus):
        self.log = []
        bus.add_signal_receiver(self._on, bus_name=None, path_keyword="path",
                                interface_keyword="iface", member_keyword="member",
                                sender_keyword="sender")
        self.bus = bus

    def _on(self, *args, path=None, iface=None, member=None, sender=None):
        if iface == "org.freedesktop.DBus":
            return
        self.log.append((str(path), str(iface), str(member), args))

    def members(self, path=None):
        return [m for (p, _, m, _) in self.log if path is None or p == path]

    def wait_for(self, member, path=None, timeout=2.0):
        return pump(lambda: member in self.members(path), timeout)


def prop(bus, path, iface, name):
    return bus.get_object(BUS_NAME, path).Get(iface, name, dbus_interface=PROPS)


def props(bus, path, iface):
    return bus.get_object(BUS_NAME, path).GetAll(iface, dbus_interface=PROPS)


def error_name(exc):
    return exc.get_dbus_name() if isinstance(exc, dbus.exceptions.DBusException) else None


