#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Relay pairs connect at network speed: through a TURN server of the test
(coturn behind turnspy, a proxy that writes down the order of what each
client sends), two relay-only peer connections never send data to a peer
before the server confirmed the peer's permission (CreatePermission or
ChannelBind success) — the server would drop it, and ICE would wait for a
check's retransmission (500 ms) to connect. Judged by the order of
messages the server sees, not by time."""
import shutil
import sys

import dbus
import rtcdtest
import turnspy
from test_ice import Trickler, connected, negotiate, state


def relay_config(url):
    return {"ice-servers": dbus.Array([dbus.Dictionary({
        "urls": dbus.Array([url], signature="s"), "username": turnspy.Coturn.USER,
        "credential": turnspy.Coturn.PASSWORD}, signature="sv")], signature="a{sv}"),
        "ice-transport-policy": "relay"}


def test_permission_before_data(d, turn, spy):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a = d.create_peer_connection(bus, relay_config(turn.url(spy.port)))
    b = d.create_peer_connection(bus, relay_config(turn.url(spy.port)))
    negotiate(bus, a, bus, b)
    tr = Trickler(sig, {a.object_path: b, b.object_path: a})
    assert rtcdtest.pump(lambda: tr() or connected([(bus, a), (bus, b)]), 20), \
        (state(bus, a), state(bus, b), spy.dump(), d.log()[-2000:])
    clients = spy.clients()
    assert len(clients) == 2, spy.dump()
    for client in clients:
        # Each side sent its checks (and DTLS) to the other's relay...
        assert spy.peers(client), spy.dump()
        # ...and asked for the permission before the first of them.
        for ip in spy.peers(client):
            asked = spy.first_index(("CreatePermission", "ChannelBind"), ip, client)
            sent = spy.first_index(turnspy.TO_PEER, ip, client)
            assert asked is not None and asked < sent, spy.dump()
    assert not spy.permission_violations(), spy.dump()


def main():
    tap = rtcdtest.Tap()
    if not shutil.which("turnserver"):
        tap.skip("turn-order", "coturn is not installed")
        return tap.done()
    with turnspy.Coturn() as turn:
        for t in (test_permission_before_data,):
            with turnspy.TurnSpy(turn.address) as spy, rtcdtest.Daemon() as d:
                tap.run(t, d, turn, spy)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
