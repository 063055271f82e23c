#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcd as a process: command line, readiness notification, logging, the
name already taken, the event loop backends."""
import os
import re
import socket
import subprocess
import sys
import tempfile

import rtcdtest
from rtcdtest import BUS_NAME


def rtcd(*args, **kw):
    return subprocess.run([rtcdtest.find_rtcd()] + list(args), capture_output=True,
                          text=True, timeout=20, **kw)


def test_command_line():
    r = rtcd("--help")
    assert r.returncode == 0 and "--system" in r.stdout and "--io=" in r.stdout, r
    r = rtcd("--version")
    assert r.returncode == 0 and re.fullmatch(r"rtcd \d+\.\d+\.\d+\n", r.stdout), r.stdout
    for bad in (["--io=poll"], ["--no-such-option"], ["extra"], ["--max-peer-connections=0"],
                ["--max-data-channels=-3"]):
        r = rtcd(*bad)
        assert r.returncode == 2 and r.stderr, (bad, r)


def test_ready_notification(d):
    """With $NOTIFY_SOCKET set, rtcd says READY=1 once it owns its name, and
    STOPPING=1 when it stops."""
    path = os.path.join(d.tmp.name, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    proc = subprocess.Popen([rtcdtest.find_rtcd(), "--address=" + d.address], env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        msg = sock.recv(4096).decode()
        assert "READY=1" in msg.split("\n"), msg
        assert d.bus().name_has_owner(BUS_NAME)
        proc.terminate()
        assert "STOPPING=1" in sock.recv(4096).decode()
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
        sock.close()


def test_name_taken(d):
    r = rtcd("--address=" + d.address)
    assert r.returncode == 1, r
    assert r.stderr.startswith("error: ") and BUS_NAME in r.stderr, r.stderr
    # The first daemon is unaffected.
    pc = d.create_peer_connection(d.bus())
    assert pc.CreateOffer({}).startswith("v=0")


def test_log_prefixes_and_backend(d):
    assert rtcdtest.pump(lambda: "event loop:" in d.log(), 5)
    log = d.log()
    lines = [l for l in log.splitlines() if l]
    # A file is not the journal: no syslog prefixes (test_no_bus has both).
    assert lines and not any(re.match(r"<[0-7]>", l) for l in lines), log
    want = {"uring": "io_uring", "epoll": "epoll"}.get(os.environ.get("RTCD_IO", ""))
    if want:
        assert "event loop: %s)" % want in log, log


def test_forced_backend(d):
    d.stop_rtcd()
    for io, name in (("epoll", "epoll"), ("uring", "io_uring")):
        d.extra_args = ["--io=" + io]
        d.start()
        # The line comes right after the name is owned: give it a moment.
        assert rtcdtest.pump(lambda: "event loop: %s)" % name in d.log(), 5), d.log()
        assert d.create_peer_connection(d.bus()).CreateOffer({}).startswith("v=0")
        d.stop_rtcd()


def test_srtp_offload_modes(d):
    # This kernel loads no modules: "on" must refuse to start, clearly.
    r = rtcd("--address=" + d.address, "--srtp-offload=on")
    assert r.returncode == 1 and "rtcd_srtp" in r.stderr, r
    r = rtcd("--srtp-offload=sometimes")
    assert r.returncode == 2, r
    # "auto" (the default) runs on libsrtp2 alone.
    assert rtcdtest.pump(lambda: "SRTP: libsrtp2 in userspace" in d.log(), 5), d.log()


def test_no_bus():
    r = rtcd("--address=unix:path=/nonexistent/bus")
    assert r.returncode == 1 and r.stderr.startswith("error: ") and "<3>" not in r.stderr, r
    # With stderr the journal's stream ($JOURNAL_STREAM names its device
    # and inode, as systemd sets it), lines carry syslog priorities.
    with tempfile.TemporaryFile("w+") as err:
        st = os.fstat(err.fileno())
        env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        r = subprocess.run([rtcdtest.find_rtcd(), "--address=unix:path=/nonexistent/bus"],
                           stdout=subprocess.DEVNULL, stderr=err, env=env, timeout=20)
        err.seek(0)
        text = err.read()
    assert r.returncode == 1 and text.startswith("<3>") and "error: " not in text, text


def main():
    tap = rtcdtest.Tap()
    tap.run(test_command_line)
    tap.run(test_no_bus)
    for t in (test_name_taken, test_log_prefixes_and_backend, test_forced_backend,
              test_srtp_offload_modes):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    with rtcdtest.Daemon(start_rtcd=False) as d:
        tap.run(test_ready_notification, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
