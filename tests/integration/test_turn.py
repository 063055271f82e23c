#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Relayed connectivity through a real TURN server (coturn, started here on
127.0.0.1): relay-only peer connections connect over TURN/UDP, TURN/TCP and
TURN/TLS, the server named by host name (resolved off the reactor); an
untrusted certificate and a wrong password reach the owner as
IceCandidateError."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import dbus
import rtcdtest
from rtcdtest import PC
from test_ice import Trickler, connected, local, negotiate, state


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Coturn:
    def __init__(self):
        self.port = free_port()
        self.tls_port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="rtcd-coturn-")
        # A self-signed certificate for "localhost" and 127.0.0.1, which
        # rtcd is told to trust with --turn-ca-file.
        self.cert = os.path.join(self.tmp, "cert.pem")
        key = os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", self.cert],
                       check=True, capture_output=True)
        self.proc = subprocess.Popen(
            ["turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
             "--listening-port=%d" % self.port, "--tls-listening-port=%d" % self.tls_port,
             "--cert=" + self.cert, "--pkey=" + key,
             "--lt-cred-mech", "--user=alice:secret",
             "--realm=rtcd.test", "--fingerprint", "--allow-loopback-peers", "--no-cli",
             "--no-dtls", "--min-port=49152", "--max-port=65535",
             "--log-file=" + os.path.join(self.tmp, "turn.log"), "--pidfile=" +
             os.path.join(self.tmp, "turn.pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.close()
        raise RuntimeError("turnserver did not start")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def relay_config(url, password="secret"):
    return {"ice-servers": dbus.Array([dbus.Dictionary({
        "urls": dbus.Array([url], signature="s"), "username": "alice",
        "credential": password}, signature="sv")], signature="a{sv}"),
        "ice-transport-policy": "relay"}


def relay_connects(d, url):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a = d.create_peer_connection(bus, relay_config(url))
    b = d.create_peer_connection(bus, relay_config(url))
    negotiate(bus, a, bus, b)
    tr = Trickler(sig, {a.object_path: b, b.object_path: a})
    assert rtcdtest.pump(lambda: tr() or connected([(bus, a), (bus, b)]), 20), \
        (state(bus, a), state(bus, b), d.log()[-2000:])
    # Only relay candidates were announced, and the selected pair is relayed.
    for c in [x for x in local(bus, a).split("\r\n") if x.startswith("a=candidate:")]:
        assert " typ relay" in c, c
    stats = a.GetStats()
    transport = [v for v in stats.values() if v["type"] == "transport"][0]
    pair = stats[transport["selectedCandidatePairId"]]
    assert stats[pair["localCandidateId"]]["candidateType"] == "relay"


def test_turn_udp(d, turn):
    relay_connects(d, "turn:localhost:%d?transport=udp" % turn.port)


def test_turn_tcp(d, turn):
    relay_connects(d, "turn:127.0.0.1:%d?transport=tcp" % turn.port)


def test_turn_tls(d, turn):
    relay_connects(d, "turns:localhost:%d" % turn.tls_port)
    assert "TLS" in d.log()


def test_turn_tls_untrusted(d, turn):
    """Without --turn-ca-file the self-signed server is not trusted: the
    owner hears IceCandidateError 701 with the reason, nothing is relayed."""
    with rtcdtest.Daemon() as plain:
        bus = plain.bus()
        sig = rtcdtest.Signals(bus)
        a = plain.create_peer_connection(bus, relay_config("turns:localhost:%d" % turn.tls_port))
        a.CreateDataChannel("x", dbus.Dictionary({}, signature="sv"))
        a.SetLocalDescription("offer", "")
        assert sig.wait_for("IceCandidateError", a.object_path, 15), plain.log()[-2000:]
        err = [args for (p, _, m, args) in sig.log if m == "IceCandidateError"][0]
        assert int(err[3]) == 701 and "certificate" in str(err[4]), err


def test_wrong_password(d, turn):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a = d.create_peer_connection(bus, relay_config("turn:127.0.0.1:%d" % turn.port, "wrong"))
    a.CreateDataChannel("x", dbus.Dictionary({}, signature="sv"))
    a.SetLocalDescription("offer", "")
    assert sig.wait_for("IceCandidateError", a.object_path, 10)
    err = [args for (p, _, m, args) in sig.log if m == "IceCandidateError"][0]
    assert int(err[3]) in (401, 441), err
    assert str(err[2]).startswith("turn:127.0.0.1:"), err
    # Nothing to gather with a relay-only policy and a failed server.
    assert rtcdtest.pump(lambda: state(bus, a, "IceGatheringState") == "complete", 10)


def main():
    tap = rtcdtest.Tap()
    if not shutil.which("turnserver"):
        tap.skip("turn", "coturn is not installed")
        return tap.done()
    turn = Coturn()
    try:
        for t in (test_turn_udp, test_turn_tcp, test_turn_tls, test_turn_tls_untrusted,
                  test_wrong_password):
            with rtcdtest.Daemon(["--turn-ca-file=" + turn.cert]) as d:
                tap.run(t, d, turn)
    finally:
        turn.close()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
