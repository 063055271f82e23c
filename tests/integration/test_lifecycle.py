#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Objects come and go with their owners: Close, a client that dies, and
the daemon's own shutdown."""
import signal
import subprocess
import sys
import textwrap

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, ROOT, PC, DC

EMPTY = dbus.Dictionary({}, signature="sv")


def managed(bus):
    om = dbus.Interface(bus.get_object(BUS_NAME, ROOT), "org.freedesktop.DBus.ObjectManager")
    return sorted(str(p) for p in om.GetManagedObjects())


def test_close_removes_objects(d):
    owner = d.bus()
    sig = rtcdtest.Signals(owner)
    pc = d.create_peer_connection(owner)
    dc = str(pc.CreateDataChannel("c", EMPTY))
    assert managed(owner) == sorted([pc.object_path, dc])
    pc.Close()
    assert managed(owner) == []
    assert rtcdtest.pump(lambda: sig.members().count("InterfacesRemoved") == 2)
    # The closed state was announced before the object went away.
    changed = [a for (p, _, m, a) in sig.log if m == "PropertiesChanged" and p == pc.object_path]
    assert changed and changed[-1][1]["SignalingState"] == "closed", changed
    assert changed[-1][1]["ConnectionState"] == "closed"
    try:
        pc.CreateOffer(EMPTY)
        raise AssertionError("a closed peer connection answered")
    except dbus.exceptions.DBusException as e:
        assert e.get_dbus_name() == "org.freedesktop.DBus.Error.UnknownObject", e


def test_channel_close(d):
    owner = d.bus()
    sig = rtcdtest.Signals(owner)
    pc = d.create_peer_connection(owner)
    dc = str(pc.CreateDataChannel("c", EMPTY))
    owner.get_object(BUS_NAME, dc).Close(dbus_interface=DC)
    assert rtcdtest.pump(lambda: "InterfacesRemoved" in sig.members())
    on_dc = [m for (p, _, m, _) in sig.log if p == dc]
    # W3C order: closing, then close.
    assert on_dc.index("Closing") < on_dc.index("Close"), on_dc
    states = [a[1]["ReadyState"] for (p, _, m, a) in sig.log
              if p == dc and m == "PropertiesChanged" and "ReadyState" in a[1]]
    assert states == ["closing", "closed"], states
    assert list(rtcdtest.prop(owner, pc.object_path, PC, "DataChannels")) == []


def test_numbers_never_reused(d):
    owner = d.bus()
    seen = set()
    for _ in range(5):
        pc = d.create_peer_connection(owner)
        dc = str(pc.CreateDataChannel("c", EMPTY))
        assert pc.object_path not in seen and dc not in seen
        seen |= {pc.object_path, dc}
        pc.Close()


CLIENT = textwrap.dedent("""
    import sys, dbus, os
    bus = dbus.bus.BusConnection(sys.argv[1])
    mgr = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1")
    for i in range(3):
        p = mgr.CreatePeerConnection(dbus.Dictionary({}, signature="sv"),
                                     dbus_interface="org.rtcd.WebRTC1.Manager")
        bus.get_object("org.rtcd.WebRTC1", p).CreateDataChannel(
            "c", dbus.Dictionary({}, signature="sv"),
            dbus_interface="org.rtcd.WebRTC1.PeerConnection")
    print("ready", flush=True)
    sys.stdin.readline()
""")


def test_dead_client_leaves_nothing(d):
    watcher = d.bus()
    mine = d.create_peer_connection(watcher)
    for how in ("kill", "exit"):
        child = subprocess.Popen(["/usr/bin/python3", "-c", CLIENT, d.address],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        assert len(managed(watcher)) == 1 + 6
        if how == "kill":
            child.send_signal(signal.SIGKILL)
        else:
            child.stdin.write("\n")
            child.stdin.flush()
        child.wait()
        child.stdin.close()
        child.stdout.close()
        assert rtcdtest.pump(lambda: managed(watcher) == [mine.object_path], 5), managed(watcher)
    # The daemon's bookkeeping for gone clients is freed: its log says so.
    assert "left: closed 3 peer connection(s)" in d.log(), d.log()


def test_shutdown_tells_owners(d):
    owner = d.bus()
    sig = rtcdtest.Signals(owner)
    pc = d.create_peer_connection(owner)
    status = d.stop_rtcd(signal.SIGTERM)
    assert status == 0, status
    assert rtcdtest.pump(lambda: any(
        m == "PropertiesChanged" and p == pc.object_path and a[1].get("SignalingState") == "closed"
        for (p, _, m, a) in sig.log), 3), sig.log


def test_sigint_exits_cleanly(d):
    owner = d.bus()
    d.create_peer_connection(owner)
    assert d.stop_rtcd(signal.SIGINT) == 0
    # The bus learns of the exit from the closed socket, a moment later.
    assert rtcdtest.pump(lambda: not owner.name_has_owner(BUS_NAME), 3)


def main():
    tap = rtcdtest.Tap()
    for t in (test_close_removes_objects, test_channel_close, test_numbers_never_reused,
              test_dead_client_leaves_nothing, test_shutdown_tells_owners,
              test_sigint_exits_cleanly):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
