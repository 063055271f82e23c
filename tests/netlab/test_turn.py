#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""coturn in the lab: both hosts allocate relays over UDP, TCP and TLS with
the lab's credentials and certificate, and exchange data through them, also
from behind a symmetric NAT where nothing direct gets through."""
import socket
import ssl
import sys

import labtest
import netlab
import stunclient
from stunclient import Allocation, StunError


def allocation(lab, host, transport, password=None):
    turn = lab.turn
    if transport == "udp":
        sock, server = lab.socket(host), (turn.host, turn.port)
    else:
        sock = lab.socket(host, type=socket.SOCK_STREAM)
        server = (turn.host, turn.tls_port if transport == "tls" else turn.port)
    ctx = ssl.create_default_context(cafile=turn.cert) if transport == "tls" else None
    return Allocation(sock, server, transport, turn.username,
                      turn.password if password is None else password,
                      ssl_context=ctx, server_hostname=turn.hostname)


def test_allocate_every_transport(lab):
    for host in ("a", "b"):
        for transport in ("udp", "tcp", "tls"):
            with allocation(lab, host, transport) as alloc:
                relayed = alloc.allocate()
                assert relayed[0] == lab.turn.host and relayed[1] >= 49152, relayed
                # The server sees the host through its NAT.
                assert alloc.mapped[0] == lab.public_addr(host), (host, transport, alloc.mapped)


def test_credentials_enforced(lab):
    for transport in ("udp", "tcp"):
        with allocation(lab, "a", transport, password="not-the-password") as alloc:
            try:
                alloc.allocate()
                raise AssertionError("a wrong password got an allocation")
            except StunError as e:
                assert e.code == 401, e


def test_certificate(lab):
    """The generated certificate names the server; a client that does not
    trust it refuses the connection."""
    sock = lab.socket("a", type=socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect((lab.turn.host, lab.turn.tls_port))
    try:
        ssl.create_default_context().wrap_socket(sock, server_hostname=lab.turn.hostname)
        raise AssertionError("an untrusted certificate was accepted")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        sock.close()
    with allocation(lab, "b", "tls") as alloc:
        assert alloc.sock.getpeercert()["subject"] == ((("commonName", lab.turn.hostname),),)


def relay_exchange(lab, transport_a, transport_b, count=10):
    with allocation(lab, "a", transport_a) as ra, allocation(lab, "b", transport_b) as rb:
        ra.allocate()
        rb.allocate()
        ra.create_permission(rb.relayed[0])
        rb.create_permission(ra.relayed[0])
        # a -> b with Send indications, b -> a on a bound channel.
        for i in range(count):
            ra.send(rb.relayed, b"a%d" % i)
        got = [rb.receive() for _ in range(count)]
        assert got == [(b"a%d" % i, ra.relayed) for i in range(count)], got
        rb.channel_bind(ra.relayed)
        for i in range(count):
            rb.send(ra.relayed, b"b%d" % i)
        got = [ra.receive() for _ in range(count)]
        assert got == [(b"b%d" % i, rb.relayed) for i in range(count)], got


def test_relayed_exchange_udp(lab):
    relay_exchange(lab, "udp", "udp")


def test_relayed_exchange_tcp_and_tls(lab):
    relay_exchange(lab, "tcp", "tls")


def test_symmetric_nat_needs_the_relay(lab):
    """b is behind a symmetric NAT: the mapping a learns for b from STUN is
    not the one b uses towards a, so direct packets die at one NAT or the
    other, while the relay carries them."""
    stun = (lab.turn.host, lab.turn.port)
    with lab.socket("a") as sa, lab.socket("b") as sb:
        ma, mb = stunclient.binding(sa, stun), stunclient.binding(sb, stun)
        for _ in range(3):               # as an ICE agent would: both ways, repeatedly
            sa.sendto(b"from a", mb)
            sb.sendto(b"from b", ma)
        # Dozens of round trips through both routers: any direct packet
        # that got through would be waiting by the time this is done.
        relay_exchange(lab, "udp", "udp", count=3)
        assert labtest.drain(sa) == [] and labtest.drain(sb) == []


def main():
    labtest.skip_unless_able()
    tap = labtest.Tap()
    with netlab.Lab(nat={"a": "eim", "b": "symmetric"}) as lab:
        for t in (test_allocate_every_transport, test_credentials_enforced,
                  test_certificate, test_relayed_exchange_udp,
                  test_relayed_exchange_tcp_and_tls, test_symmetric_nat_needs_the_relay):
            tap.run(t, lab)
        if tap.failed:
            labtest.comment(lab.describe() + "\ncoturn's log:\n" + lab.turn_log())
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
