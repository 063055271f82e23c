#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Impairments on a router: random loss (nftables), delay, jitter and
reordering (the impair relay), rate (tbf). Measured by counting packets and
reading sequence numbers, never by asserting on a clock."""
import re
import socket
import struct
import sys

import labtest
import netlab

SINK = netlab.TURN_ADDR


def sink(lab, port):
    return labtest.receiver(lab, netlab.PUBLIC, SINK, port)


def last_counters(lab):
    """The counters the relay on a's router printed when it last stopped."""
    return lab.impair_log("a").splitlines()[-1]


def counted(counters):
    """(received, forwarded) from the relay's counters line. The namespace's
    own chatter (an IPv6 router solicitation, say) may pass through the relay
    too, so tests check their datagrams were among what it forwarded."""
    m = re.match(r"impair: (\d+) received, (\d+) forwarded,", counters)
    assert m, counters
    return int(m.group(1)), int(m.group(2))


def numbered(tag, i, size=0):
    return struct.pack("!cI", tag, i) + b"\0" * size


def sequence(datagrams, tag):
    return [struct.unpack("!cI", d[:5])[1] for d, _ in datagrams if d[:1] == tag]


def inversions(seq):
    return sum(1 for i in range(len(seq)) for j in range(i + 1, len(seq)) if seq[i] > seq[j])


def test_loss(lab):
    """5% loss: of 2000 datagrams some 100 are lost; the bounds are six
    standard deviations wide. Without loss every datagram arrives."""
    with lab.socket("a") as s, sink(lab, 5000) as rx:
        dest = rx.getsockname()
        for i in range(200):
            s.sendto(numbered(b"c", i), dest)
        assert sorted(sequence(labtest.receive(rx, 200), b"c")) == list(range(200))

        lab.set_loss("a", 5)
        for i in range(2000):
            s.sendto(numbered(b"L", i), dest)
        lab.set_loss("a", 0)
        # The end marker is sent with loss off: when it arrives, everything
        # sent before it on the same path has arrived or been dropped.
        s.sendto(b"end", dest)
        got = labtest.receive_until(rx, b"end")
        seq = sequence(got, b"L")
        assert len(set(seq)) == len(seq)
        lost = 2000 - len(seq)
        print("# 5%% loss: %d of 2000 lost" % lost)
        assert 40 <= lost <= 160, lost


def test_delay_keeps_order(lab):
    """200 ms on a's router, no jitter: a's datagrams, sent interleaved with
    b's, all arrive after b's, in the order they were sent."""
    with lab.socket("a") as sa, lab.socket("b") as sb, sink(lab, 5001) as rx:
        dest = rx.getsockname()
        lab.set_delay("a", 200)
        try:
            for i in range(20):
                sa.sendto(numbered(b"A", i), dest)
                sb.sendto(numbered(b"B", i), dest)
            got = labtest.receive(rx, 40)
        finally:
            lab.set_delay("a", 0)
        tags = b"".join(d[:1] for d, _ in got)
        assert tags == b"B" * 20 + b"A" * 20, tags
        assert sequence(got, b"A") == list(range(20)) == sequence(got, b"B")
        counters = last_counters(lab)
        received, forwarded = counted(counters)
        assert received >= 20 and forwarded >= 20, counters


def test_jitter_reorders(lab):
    """50 ± 40 ms per packet: a burst arrives complete but shuffled."""
    with lab.socket("a") as s, sink(lab, 5002) as rx:
        dest = rx.getsockname()
        lab.set_delay("a", 50, jitter_ms=40, seed=7)
        try:
            for i in range(300):
                s.sendto(numbered(b"J", i), dest)
            seq = sequence(labtest.receive(rx, 300), b"J")
        finally:
            lab.set_delay("a", 0)
        assert sorted(seq) == list(range(300)), len(seq)
        n = inversions(seq)
        print("# jitter: %d of %d pairs reordered" % (n, 300 * 299 // 2))
        assert n >= 1000, n


def test_direction(lab):
    """"up" delays only what the host sends: the relay sees a's 5 datagrams
    out, not the 5 answers coming back."""
    with lab.socket("a") as s, sink(lab, 5003) as rx:
        lab.set_delay("a", 1, direction="up")
        try:
            for i in range(5):
                s.sendto(numbered(b"U", i), rx.getsockname())
            got = labtest.receive(rx, 5)
            for data, source in got:
                rx.sendto(data, source)
            assert len(labtest.receive(s, 5)) == 5
        finally:
            lab.set_delay("a", 0)
        counters = last_counters(lab)
        received, forwarded = counted(counters)
        # The 5 answers coming back did not pass (10 would have).
        assert 5 <= forwarded <= received < 10, counters


def test_tcp_through_the_relay(lab):
    """TCP (TURN over TCP or TLS) crosses a jittery router intact."""
    payload = bytes(range(256)) * 400
    with lab.socket(netlab.PUBLIC, type=socket.SOCK_STREAM, bind=(SINK, 5004)) as server, \
            lab.socket("a", type=socket.SOCK_STREAM) as client:
        server.listen(1)
        lab.set_delay("a", 10, jitter_ms=8, seed=3)
        try:
            client.settimeout(20)
            client.connect((SINK, 5004))
            conn, _ = server.accept()
            with conn:
                conn.settimeout(20)
                client.sendall(payload)
                client.shutdown(socket.SHUT_WR)
                received = b""
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    received += chunk
        finally:
            lab.set_delay("a", 0)
        assert received == payload, len(received)


def test_rate(lab):
    """1 mbit/s with a 10 kB bucket and 20 ms of queue: of a 300 kB burst
    only a small part gets through; without the limit all of it does."""
    with lab.socket("a") as s, sink(lab, 5005) as rx:
        dest = rx.getsockname()
        lab.set_rate("a", "1mbit", burst="10kb", latency_ms=20)
        try:
            for i in range(300):
                s.sendto(numbered(b"R", i, size=995), dest)
        finally:
            lab.set_rate("a", None)
        s.sendto(b"end", dest)
        limited = sequence(labtest.receive_until(rx, b"end"), b"R")
        print("# rate: %d of 300 datagrams of 1000 bytes passed" % len(limited))
        assert 5 <= len(limited) <= 150, len(limited)
        for i in range(300):
            s.sendto(numbered(b"F", i, size=995), dest)
        assert len(sequence(labtest.receive(rx, 300), b"F")) == 300


def main():
    labtest.skip_unless_able(need_turn=False)
    tap = labtest.Tap()
    with netlab.Lab(turn=False) as lab:
        for t in (test_loss, test_delay_keeps_order, test_jitter_reorders, test_direction,
                  test_tcp_through_the_relay, test_rate):
            tap.run(t, lab)
        if tap.failed:
            labtest.comment(lab.describe())
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
