#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab's NATs behave like the NATs ICE meets: server-reflexive mappings,
endpoint-independent or symmetric mapping, filtering, hole punching, and no
way out of the lab."""
import subprocess
import sys

import labtest
import netlab
from stunclient import binding

STUN = (netlab.TURN_ADDR, netlab.TURN_PORT)
STUN_ALT = (netlab.TURN_ALT_ADDR, netlab.TURN_PORT)


def test_server_reflexive_address(lab):
    """A host sees its router's public address, not its own."""
    for host in ("a", "c"):
        with lab.socket(host, bind=(lab.addr(host), 0)) as s:
            mapped_ip, _ = binding(s, STUN)
            assert mapped_ip == lab.public_addr(host) != lab.addr(host), (host, mapped_ip)


def test_endpoint_independent_mapping(lab):
    """One socket behind an "eim" NAT has one mapping, whatever the destination."""
    with lab.socket("a") as s:
        first, second = binding(s, STUN), binding(s, STUN_ALT)
        assert first == second, (first, second)
        assert binding(s, STUN) == first


def test_symmetric_mapping(lab):
    """Behind a "symmetric" NAT each destination gets a mapping of its own
    (fully random ports: two equal ones by chance are about 1 in 30000)."""
    with lab.socket("b") as s:
        first, second = binding(s, STUN), binding(s, STUN_ALT)
        assert first[0] == second[0] == lab.public_addr("b")
        assert first[1] != second[1], (first, second)
        # A mapping lives as long as its conntrack entry: asking again keeps it.
        assert binding(s, STUN) == first


def test_hole_punching(lab):
    """Two EIM hosts reach each other on their server-reflexive addresses:
    the first packet dies at the far NAT without changing its mapping, the
    answer gets through, and so does everything after it."""
    with lab.socket("a") as sa, lab.socket("c") as sc:
        ma, mc = binding(sa, STUN), binding(sc, STUN)
        sa.sendto(b"1 unsolicited at c", mc)
        sc.sendto(b"2 punched", ma)
        data, source = labtest.receive(sa, 1)[0]
        assert (data, source) == (b"2 punched", mc), (data, source)
        sa.sendto(b"3 answer", mc)
        data, source = labtest.receive(sc, 1)[0]
        # "1" went out first on the same path: it would have come first.
        assert (data, source) == (b"3 answer", ma), (data, source)


def test_filtering(lab):
    """The NAT filters by address and port: a public sender that a host
    never talked to cannot reach its mapping."""
    with lab.socket("a") as sa, \
            labtest.receiver(lab, netlab.PUBLIC, netlab.TURN_ALT_ADDR, 4000) as stranger, \
            labtest.receiver(lab, netlab.PUBLIC, netlab.TURN_ALT_ADDR, 4001) as friend:
        mapped = binding(sa, STUN)
        stranger.sendto(b"unsolicited", mapped)
        sa.sendto(b"hello", friend.getsockname())
        data, source = labtest.receive(friend, 1)[0]
        assert data == b"hello" and source == mapped, (data, source)
        friend.sendto(b"reply", mapped)
        data, source = labtest.receive(sa, 1)[0]
        assert (data, source) == (b"reply", friend.getsockname()), (data, source)


def test_no_way_out(lab):
    """Nothing in the lab has a route beyond it, nor a link to the machine:
    "public" sends what is not for the lab to a gateway nobody answers for."""
    for node in ("a", "a-router", "b-router", netlab.PUBLIC):
        r = lab.run(node, ["ip", "route", "get", "192.0.2.1"], check=False)
        if node == "a":
            assert "via 10.0.1.1" in r.stdout, r.stdout   # only to its own router
        elif node == netlab.PUBLIC:
            assert "via %s dev br0" % netlab.PUBLIC_VOID_GATEWAY in r.stdout, r.stdout
        else:
            assert r.returncode != 0 and "unreachable" in r.stderr, (node, r)
    r = lab.run(netlab.PUBLIC, ["ip", "-o", "-4", "addr"])
    assert netlab.PUBLIC_VOID_GATEWAY + "/" not in r.stdout, r.stdout
    links = {node: lab.run(node, ["ip", "-o", "link"]).stdout for node in
             ("a", "a-router", netlab.PUBLIC)}
    names = {node: sorted(line.split(":")[1].strip().split("@")[0]
                          for line in out.splitlines()) for node, out in links.items()}
    assert names["a"] == ["eth0", "lo"], names
    assert names["a-router"] == ["imp0", "lan", "lo", "wan"], names
    assert names[netlab.PUBLIC] == ["br0", "lo", "p-a", "p-b", "p-c"], names


def test_processes_in_hosts(lab):
    """run and popen start programs inside a host with extra environment."""
    r = lab.run("c", ["sh", "-c", 'echo "$NETLAB_PROBE"; ip -o -4 addr show dev eth0'],
                env={"NETLAB_PROBE": "from c"})
    assert r.stdout.startswith("from c\n") and lab.addr("c") + "/24" in r.stdout, r.stdout
    p = lab.popen("a", ["sh", "-c", "echo $NETLAB_PROBE; exec sleep 600"],
                  env={"NETLAB_PROBE": "long-lived"}, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "long-lived\n"
    assert p.poll() is None     # still running; teardown stops it


def main():
    labtest.skip_unless_able()
    tap = labtest.Tap()
    with netlab.Lab(hosts=("a", "b", "c"), nat={"a": "eim", "b": "symmetric", "c": "eim"}) as lab:
        for t in (test_server_reflexive_address, test_endpoint_independent_mapping,
                  test_symmetric_mapping, test_hole_punching, test_filtering,
                  test_no_way_out, test_processes_in_hosts):
            tap.run(t, lab)
        if tap.failed:
            labtest.comment(lab.describe())
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
