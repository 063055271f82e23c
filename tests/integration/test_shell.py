#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tools/shell.sh, the README's way to explore rtcd with nothing installed:
busctl --user and rtcctl reach the rtcd it starts, the command's exit status
is the script's, and rtcd, its bus and its files are gone afterwards, also
when the script is stopped with SIGTERM while the command runs."""
import os
import signal
import subprocess
import sys
import time

import tap

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHELL = os.path.join(SRC, "tools", "shell.sh")
REPORT = 'echo "pids $RTCD_PID $RTCD_DBUS_PID $RTCD_SHELL_DIR"'


def env():
    e = dict(os.environ)
    # The build meson made; and nothing of a session this test may run in.
    e["RTCD_BUILD_ROOT"] = os.environ["RTCD_BUILD_ROOT"]
    for name in ("DBUS_SESSION_BUS_ADDRESS", "RTCD_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
        e.pop(name, None)
    return e


def shell(command, timeout=60):
    return subprocess.run([SHELL, "--loopback-candidates", "-c", command], env=env(),
                          capture_output=True, text=True, timeout=timeout)


def started(stdout):
    """The rtcd and dbus-daemon pids and the directory the script reported."""
    for line in stdout.splitlines():
        if line.startswith("pids "):
            rtcd, bus, directory = line.split()[1:]
            return int(rtcd), int(bus), directory
    raise AssertionError("no pids line in:\n" + stdout)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def assert_gone(rtcd, bus, directory):
    for what, pid in (("rtcd", rtcd), ("dbus-daemon", bus)):
        assert not alive(pid), "%s (pid %d) still runs" % (what, pid)
    assert not os.path.exists(directory), directory + " is left behind"


def test_busctl_user_tree():
    r = shell("busctl --user tree org.rtcd.WebRTC1 && " + REPORT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "/org/rtcd/WebRTC1" in r.stdout, r.stdout
    assert_gone(*started(r.stdout))


def test_busctl_user_calls_the_daemon():
    r = shell("busctl --user get-property org.rtcd.WebRTC1 /org/rtcd/WebRTC1 "
              "org.rtcd.WebRTC1.Manager Version")
    assert r.returncode == 0 and r.stdout.startswith('s "'), r.stdout + r.stderr


def test_rtcctl_on_path():
    r = shell("rtcctl list && " + REPORT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "/org/rtcd/WebRTC1" in r.stdout, r.stdout
    assert_gone(*started(r.stdout))


def test_exit_status_is_the_commands():
    r = shell(REPORT + "; exit 3")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert_gone(*started(r.stdout))


def test_sigterm_cleans_up():
    p = subprocess.Popen([SHELL, "-c", REPORT + "; sleep 60"], env=env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        rtcd, bus, directory = started(line)
        assert alive(rtcd) and alive(bus) and os.path.isdir(directory)
        p.send_signal(signal.SIGTERM)
        status = p.wait(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        p.stderr.close()
    assert status == 143, status
    # The script waits for what it stops; allow the kernel to reap.
    deadline = time.monotonic() + 5
    while (alive(rtcd) or alive(bus)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_gone(rtcd, bus, directory)


def main():
    t = tap.Tap()
    if not os.environ.get("RTCD_BUILD_ROOT"):
        tap.skip_all("RTCD_BUILD_ROOT is not set (meson sets it)")
    for case in (test_busctl_user_tree, test_busctl_user_calls_the_daemon, test_rtcctl_on_path,
                 test_exit_status_is_the_commands, test_sigterm_cleans_up):
        t.run(case)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
