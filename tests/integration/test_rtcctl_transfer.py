#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcctl send / receive: two rtcctl processes on one private bus move a file,
or standard input to standard output, through rtcd's data channel and
OpenSocket; the bytes arrive unchanged (SHA-256), an empty file too; a
sender that stops early or breaks the protocol leaves the receiver failing,
never with a silently short file; bad input gets a clear error and exit
status."""
import hashlib
import os
import re
import subprocess
import sys
import threading

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, DC, PC

RTCCTL = os.path.join(os.environ.get("RTCD_BUILD_ROOT", os.path.join(rtcdtest.SRC, "build")),
                      "libclient", "rtcctl")
THROUGHPUT = re.compile(r"^rtcctl: (sent|received) (\d+) bytes in [0-9.]+ s", re.M)
TIMEOUT = 60


class Transfer:
    """One `rtcctl send` and one `rtcctl receive`, the SDP through two FIFOs
    in the daemon's scratch directory."""

    def __init__(self, d, send_args, receive_args, data=None, capture=False):
        self.dir = d.tmp.name
        offer, answer = os.path.join(self.dir, "offer"), os.path.join(self.dir, "answer")
        for fifo in (offer, answer):
            if os.path.exists(fifo):
                os.unlink(fifo)
            os.mkfifo(fifo)
        self.send_err = open(os.path.join(self.dir, "send.err"), "w+")
        self.receive_err = open(os.path.join(self.dir, "receive.err"), "w+")
        self.sender = subprocess.Popen(
            [RTCCTL, "send", "--sdp-out", offer, "--sdp-in", answer] + send_args,
            stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.send_err, env=d.env())
        self.receiver = subprocess.Popen(
            [RTCCTL, "receive", "--sdp-in", offer, "--sdp-out", answer] + receive_args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=self.receive_err, env=d.env())
        # Standard input and output are pipes: fed and drained alongside.
        self.output = b""
        self.threads = []
        if data is not None:
            self.threads.append(threading.Thread(target=self._feed, args=(data,)))
        if capture:
            self.threads.append(threading.Thread(target=self._drain))
        for t in self.threads:
            t.start()

    def _feed(self, data):
        try:
            self.sender.stdin.write(data)
            self.sender.stdin.close()
        except BrokenPipeError:
            pass

    def _drain(self):
        self.output = self.receiver.stdout.read()

    def wait(self):
        """Both exit statuses; both processes are gone afterwards."""
        try:
            status = (self.sender.wait(TIMEOUT), self.receiver.wait(TIMEOUT))
        finally:
            for p in (self.sender, self.receiver):
                if p.poll() is None:
                    p.kill()
                    p.wait()
            for t in self.threads:
                t.join()
        return status

    def errors(self):
        out = []
        for f in (self.send_err, self.receive_err):
            f.seek(0)
            out.append(f.read())
            f.close()
        return out


def sha(data):
    return hashlib.sha256(data).hexdigest()


def random_file(d, name, size):
    path = os.path.join(d.tmp.name, name)
    with open(path, "wb") as f:
        f.write(os.urandom(size))
    return path


def check_done(t, size):
    status = t.wait()
    send_err, receive_err = t.errors()
    assert status == (0, 0), (status, send_err, receive_err)
    sent, received = THROUGHPUT.search(send_err), THROUGHPUT.search(receive_err)
    assert sent and int(sent.group(2)) == size, send_err
    assert "all confirmed by the receiver" in send_err, send_err
    assert received and int(received.group(2)) == size, receive_err


def test_file_to_file(d):
    size = 4 * 1024 * 1024 + 12345       # not a multiple of the 64 KiB records
    src = random_file(d, "data", size)
    dst = os.path.join(d.tmp.name, "copy")
    t = Transfer(d, ["--file", src, "--label", "file"], ["--output", dst])
    check_done(t, size)
    with open(src, "rb") as a, open(dst, "rb") as b:
        assert sha(a.read()) == sha(b.read())


def test_stdin_to_stdout(d):
    data = os.urandom(3 * 1024 * 1024 + 7)
    t = Transfer(d, ["--file", "-"], ["--output", "-"], data=data, capture=True)
    check_done(t, len(data))
    assert len(t.output) == len(data) and sha(t.output) == sha(data)


def test_empty_file(d):
    src = random_file(d, "empty", 0)
    dst = os.path.join(d.tmp.name, "copy")
    with open(dst, "wb") as f:
        f.write(b"old content, to be replaced")
    t = Transfer(d, ["--file", src], ["--output", dst])
    check_done(t, 0)
    assert os.path.getsize(dst) == 0


def receive_from_impostor(d, messages, close=False):
    """`rtcctl receive` against a sender that breaks the protocol: a peer
    connection driven from here, its messages sent with DataChannel.Send.
    Returns the receiver's exit status, stderr and output."""
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    pc = d.create_peer_connection(bus)
    ch = str(pc.CreateDataChannel("impostor", dbus.Dictionary({}, signature="sv")))
    pc.SetLocalDescription("offer", "")
    assert rtcdtest.pump(lambda: str(rtcdtest.prop(bus, pc.object_path, PC,
                                                   "IceGatheringState")) == "complete", 5)
    offer, answer = os.path.join(d.tmp.name, "offer"), os.path.join(d.tmp.name, "answer")
    dst = os.path.join(d.tmp.name, "copy")
    os.mkfifo(offer)
    os.mkfifo(answer)
    with open(os.path.join(d.tmp.name, "receive.err"), "w+") as err:
        receiver = subprocess.Popen(
            [RTCCTL, "receive", "--sdp-in", offer, "--sdp-out", answer, "--output", dst],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=d.env())
        try:
            with open(offer, "w") as f:
                f.write(str(rtcdtest.prop(bus, pc.object_path, PC, "LocalDescription")[1]))
            with open(answer) as f:
                lines = [line for line in f.read().splitlines() if line]
            pc.SetRemoteDescription("answer", "\r\n".join(lines) + "\r\n")
            assert rtcdtest.pump(lambda: "Open" in sig.members(ch), 10)
            channel = dbus.Interface(bus.get_object(BUS_NAME, ch), DC)
            for m in messages:
                channel.Send(m, signature="v")
            if close:
                channel.Close()
            status = receiver.wait(TIMEOUT)
        finally:
            if receiver.poll() is None:
                receiver.kill()
                receiver.wait()
        err.seek(0)
        with open(dst, "rb") as f:
            return status, err.read(), f.read()


def test_receiver_refuses_stray_text(d):
    status, err, out = receive_from_impostor(d, [dbus.String("hello")])
    assert status == 1 and "an unexpected text message from the sender" in err, (status, err)
    assert out == b""


def test_receiver_counts_bytes(d):
    """An end mark that claims more than arrived: the receiver says data
    was lost instead of passing the short file as complete."""
    status, err, out = receive_from_impostor(d, [dbus.ByteArray(b"abc"), dbus.String("end 5")])
    assert status == 1, (status, err)
    assert "the sender sent 5 bytes but 3 arrived: messages were lost" in err, err
    assert out == b"abc"


def test_receiver_sender_closes_at_once(d):
    """A sender that closes the channel right after its end mark, without
    waiting for the receipt: the data is all there, so the receiver exits 0."""
    status, err, out = receive_from_impostor(
        d, [dbus.ByteArray(b"abc"), dbus.ByteArray(b"de"), dbus.String("end 5")], close=True)
    assert status == 0, (status, err)
    assert out == b"abcde"
    assert THROUGHPUT.search(err) and THROUGHPUT.search(err).group(2) == "5", err


def test_receiver_sender_closes_early(d):
    """A sender that closes the channel before its end mark: the receiver
    says the data is incomplete and exits 1; it never passes a short file
    as complete."""
    status, err, out = receive_from_impostor(d, [dbus.ByteArray(b"abc")], close=True)
    assert status == 1, (status, err)
    assert "before the sender's end mark: the data is incomplete (3 bytes received)" in err, err
    assert not THROUGHPUT.search(err), err
    assert out == b"abc"


def test_missing_file(d):
    missing = os.path.join(d.tmp.name, "no-such-file")
    r = subprocess.run([RTCCTL, "send", "--file", missing], env=d.env(),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 1, r
    assert r.stderr == "rtcctl: %s: No such file or directory\n" % missing, r.stderr
    # Nothing was created in the daemon for it.
    r = subprocess.run([RTCCTL, "list"], env=d.env(), capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert "/pc/" not in r.stdout, r.stdout


def test_usage_errors(d):
    cases = [
        (["send"], "standard input carries the data"),
        (["receive"], "standard output carries the data"),
        (["send", "--file", "/dev/null", "extra"], "send takes no arguments"),
        (["receive", "--output", "/dev/null", "--wait", "0"], "--wait needs"),
        (["send", "--bogus"], "Try 'rtcctl send --help'"),
    ]
    for args, message in cases:
        r = subprocess.run([RTCCTL] + args, env=d.env(), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 2, (args, r)
        assert message in r.stderr, (args, r.stderr)
    r = subprocess.run([RTCCTL, "send", "--file", "/"], env=d.env(), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 1 and r.stderr == "rtcctl: /: Is a directory\n", r


def test_help_without_bus(d):
    env = dict(d.env(), RTCD_BUS_ADDRESS="unix:path=" + os.path.join(d.tmp.name, "no-bus"))
    for command in ("send", "receive"):
        r = subprocess.run([RTCCTL, command, "--help"], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0 and r.stdout.startswith("Usage: rtcctl %s " % command), r
    # Anything else does need the bus, and says so.
    r = subprocess.run([RTCCTL, "send", "--file", "/dev/null", "--help"], env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 1 and "cannot connect to the bus" in r.stderr, r


def main():
    tap = rtcdtest.Tap()
    for t in (test_file_to_file, test_stdin_to_stdout, test_empty_file,
              test_receiver_refuses_stray_text, test_receiver_counts_bytes,
              test_receiver_sender_closes_early, test_receiver_sender_closes_at_once,
              test_missing_file, test_usage_errors, test_help_without_bus):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
