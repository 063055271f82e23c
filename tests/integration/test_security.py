#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The security contract: owners, read-only inspectors, other users and
sandboxed apps; quotas; bad input that changes nothing."""
import os
import shutil
import subprocess
import sys
import textwrap

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, ROOT, PC, DC, PROPS, error_name

DENIED = "org.freedesktop.DBus.Error.AccessDenied"
EMPTY = dbus.Dictionary({}, signature="sv")


def expect_error(name, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except dbus.exceptions.DBusException as e:
        assert e.get_dbus_name() == name, "%s, want %s: %s" % (e.get_dbus_name(), name, e)
        return e
    raise AssertionError("no error, want " + name)


def owned_pc(d):
    owner = d.bus()
    pc = d.create_peer_connection(owner)
    dc = str(pc.CreateDataChannel("c", EMPTY))
    return owner, pc, dc


def test_inspector_reads_only(d):
    owner, pc, dc = owned_pc(d)
    other = d.bus()
    obj = other.get_object(BUS_NAME, pc.object_path)
    assert obj.Get(PC, "SignalingState", dbus_interface=PROPS) == "stable"
    assert "LocalDescription" in obj.GetAll(PC, dbus_interface=PROPS)
    assert obj.GetStats(dbus_interface=PC)
    obj.Introspect(dbus_interface="org.freedesktop.DBus.Introspectable")
    for method, args in (("CreateOffer", [EMPTY]), ("CreateAnswer", [EMPTY]),
                         ("SetLocalDescription", ["offer", ""]),
                         ("SetRemoteDescription", ["rollback", ""]),
                         ("CreateDataChannel", ["x", EMPTY]), ("Close", [])):
        expect_error(DENIED, getattr(obj, method), *args, dbus_interface=PC)
    dobj = other.get_object(BUS_NAME, dc)
    expect_error(DENIED, dobj.Close, dbus_interface=DC)
    expect_error(DENIED, dobj.Set, DC, "BufferedAmountLowThreshold", dbus.UInt64(5),
                 dbus_interface=PROPS)
    # The owner is unaffected, and may Set.
    owner.get_object(BUS_NAME, dc).Set(DC, "BufferedAmountLowThreshold", dbus.UInt64(5),
                                       dbus_interface=PROPS)
    assert rtcdtest.prop(owner, dc, DC, "BufferedAmountLowThreshold") == 5
    assert pc.CreateOffer(EMPTY).startswith("v=0")


# A client run in another process (another uid, or a sandbox): it makes its
# own peer connection and reports what it sees of the others.
CLIENT = textwrap.dedent("""
    import json, sys, dbus
    bus = dbus.bus.BusConnection(sys.argv[1])
    target = sys.argv[2]
    out = {}
    root = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1")
    mine = root.CreatePeerConnection(dbus.Dictionary({}, signature="sv"),
                                     dbus_interface="org.rtcd.WebRTC1.Manager")
    out["mine"] = str(mine)
    objs = root.GetManagedObjects(dbus_interface="org.freedesktop.DBus.ObjectManager")
    out["managed"] = sorted(str(p) for p in objs)
    import xml.etree.ElementTree as ET
    node = ET.fromstring(str(bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1/pc")
                         .Introspect(dbus_interface="org.freedesktop.DBus.Introspectable")))
    out["nodes"] = sorted(n.get("name") for n in node.findall("node"))
    def err(fn):
        try:
            fn()
            return None
        except dbus.exceptions.DBusException as e:
            return e.get_dbus_name()
    t = bus.get_object("org.rtcd.WebRTC1", target)
    out["get"] = err(lambda: t.Get("org.rtcd.WebRTC1.PeerConnection", "SignalingState",
                                   dbus_interface="org.freedesktop.DBus.Properties"))
    out["introspect"] = err(lambda: t.Introspect(
        dbus_interface="org.freedesktop.DBus.Introspectable"))
    out["stats"] = err(lambda: t.GetStats(dbus_interface="org.rtcd.WebRTC1.PeerConnection"))
    out["close"] = err(lambda: t.Close(dbus_interface="org.rtcd.WebRTC1.PeerConnection"))
    print(json.dumps(out))
""")


def run_isolated_client(d, prefix, target):
    import json
    r = subprocess.run(prefix + ["/usr/bin/python3", "-c", CLIENT, d.address, target],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def check_isolated(d, out, target):
    # It sees its own peer connection and nothing of anyone else's.
    assert out["managed"] == [out["mine"]], out
    assert out["nodes"] == [out["mine"].rsplit("/", 1)[1]], out
    # Others' objects answer as absent ones do: their existence is not told.
    for k in ("get", "introspect", "stats", "close"):
        assert out[k] == "org.freedesktop.DBus.Error.UnknownObject", (k, out)


def test_other_user_isolated(d):
    owner, pc, dc = owned_pc(d)
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    check_isolated(d, run_isolated_client(d, prefix, pc.object_path), pc.object_path)
    # The owner still sees and keeps its own objects.
    paths = [str(p) for p in dbus.Interface(owner.get_object(BUS_NAME, ROOT),
             "org.freedesktop.DBus.ObjectManager").GetManagedObjects()]
    assert pc.object_path in paths and dc in paths


def test_sandboxed_app_isolated(d):
    if not shutil.which("bwrap"):
        raise AssertionError("bubblewrap is not installed")
    owner, pc, dc = owned_pc(d)
    info = os.path.join(d.tmp.name, "flatpak-info")
    with open(info, "w") as f:
        f.write("[Application]\nname=org.example.Sandboxed\n")
    # A root of its own, as Flatpak gives: binding the host's / read-write
    # would create /.flatpak-info on the host itself.
    prefix = ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
              "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
              "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
              "--ro-bind", info, "/.flatpak-info", "--unshare-pid"]
    # The bus socket, as a Flatpak app reaches it through its proxy socket.
    socket_path = d.address.split("path=", 1)[1].split(",", 1)[0]
    prefix += ["--bind", socket_path, socket_path]
    assert not os.path.exists("/.flatpak-info")
    check_isolated(d, run_isolated_client(d, prefix, pc.object_path), pc.object_path)


def test_quota_peer_connections(d):
    a, b = d.bus(), d.bus()
    pcs = [d.create_peer_connection(a) for _ in range(3)]
    e = expect_error("org.freedesktop.DBus.Error.LimitsExceeded",
                     d.create_peer_connection, a)
    assert str(e.get_dbus_message())
    # Another client has its own quota; closing frees a slot.
    d.create_peer_connection(b)
    pcs[0].Close()
    d.create_peer_connection(a)


def test_quota_data_channels(d):
    a = d.bus()
    pc = d.create_peer_connection(a)
    for i in range(4):
        pc.CreateDataChannel("c%d" % i, EMPTY)
    expect_error("org.freedesktop.DBus.Error.LimitsExceeded", pc.CreateDataChannel, "x", EMPTY)
    # Closing a channel gives its slot back.
    dc = rtcdtest.prop(a, pc.object_path, PC, "DataChannels")[0]
    a.get_object(BUS_NAME, dc).Close(dbus_interface=DC)
    pc.CreateDataChannel("again", EMPTY)


def test_bad_arguments_change_nothing(d):
    a = d.bus()
    mgr = a.get_object(BUS_NAME, ROOT)
    # Wrong signature.
    expect_error("org.freedesktop.DBus.Error.InvalidArgs", mgr.CreatePeerConnection,
                 "not a dict", signature="s", dbus_interface=rtcdtest.MANAGER)
    # Unknown key, wrong variant type, bad enum value, bad URL, TURN without credentials.
    bad_configs = [
        ({"no-such-key": dbus.Boolean(True)}, "TypeError"),
        ({"bundle-policy": dbus.UInt32(1)}, "TypeError"),
        ({"bundle-policy": "most"}, "TypeError"),
        ({"ice-transport-policy": "none"}, "TypeError"),
        ({"ice-servers": dbus.Array([dbus.Dictionary({"urls": dbus.Array(["http://x"], signature="s")}, signature="sv")], signature="a{sv}")}, "SyntaxError"),
        ({"ice-servers": dbus.Array([dbus.Dictionary({"urls": dbus.Array(["turn:x"], signature="s")}, signature="sv")], signature="a{sv}")}, "InvalidAccessError"),
    ]
    for config, err in bad_configs:
        expect_error("org.rtcd.WebRTC1.Error." + err, mgr.CreatePeerConnection,
                     dbus.Dictionary(config, signature="sv"), dbus_interface=rtcdtest.MANAGER)
    om = dbus.Interface(mgr, "org.freedesktop.DBus.ObjectManager")
    assert len(om.GetManagedObjects()) == 0
    # A good configuration still works.
    pc = d.create_peer_connection(a, {
        "ice-servers": dbus.Array([dbus.Dictionary({
            "urls": dbus.Array(["stun:stun.example.org", "turn:127.0.0.1?transport=tcp"], signature="s"),
            "username": "u", "credential": "p"}, signature="sv")], signature="a{sv}"),
        "ice-transport-policy": "relay", "bundle-policy": "balanced",
        "ice-candidate-pool-size": dbus.Byte(2)})
    before = rtcdtest.props(a, pc.object_path, PC)
    expect_error("org.rtcd.WebRTC1.Error.SyntaxError", pc.SetRemoteDescription, "offer", "garbage")
    expect_error("org.rtcd.WebRTC1.Error.TypeError", pc.SetRemoteDescription, "bogus", "")
    expect_error("org.rtcd.WebRTC1.Error.TypeError", pc.CreateOffer,
                 dbus.Dictionary({"ice-restart": "yes"}, signature="sv"))
    expect_error("org.rtcd.WebRTC1.Error.TypeError", pc.CreateDataChannel, "x",
                 dbus.Dictionary({"max-retransmits": dbus.UInt16(1),
                                  "max-packet-life-time": dbus.UInt16(1)}, signature="sv"))
    expect_error("org.rtcd.WebRTC1.Error.TypeError", pc.CreateDataChannel, "x",
                 dbus.Dictionary({"negotiated": True}, signature="sv"))
    expect_error("org.freedesktop.DBus.Error.UnknownMethod", a.get_object(BUS_NAME, pc.object_path).NoSuchMethod,
                 dbus_interface=PC)
    expect_error("org.freedesktop.DBus.Error.UnknownObject",
                 a.get_object(BUS_NAME, ROOT + "/pc/999999").Close, dbus_interface=PC)
    assert rtcdtest.props(a, pc.object_path, PC) == before
    pc.CreateDataChannel("fine", EMPTY)


def test_signals_are_unicast(d):
    owner = d.bus()
    spy = d.bus()
    spy_signals = rtcdtest.Signals(spy)
    owner_signals = rtcdtest.Signals(owner)
    pc = d.create_peer_connection(owner)
    pc.CreateDataChannel("c", EMPTY)
    assert owner_signals.wait_for("NegotiationNeeded")
    pc.SetLocalDescription("offer", pc.CreateOffer(EMPTY))
    assert owner_signals.wait_for("PropertiesChanged")
    rtcdtest.pump(timeout=0.3)
    assert "InterfacesAdded" in owner_signals.members()
    assert spy_signals.log == [], spy_signals.log


def main():
    tap = rtcdtest.Tap()
    for t in (test_inspector_reads_only, test_other_user_isolated, test_sandboxed_app_isolated,
              test_bad_arguments_change_nothing, test_signals_are_unicast):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    with rtcdtest.Daemon(["--max-peer-connections=3"]) as d:
        tap.run(test_quota_peer_connections, d)
    with rtcdtest.Daemon(["--max-data-channels=4"]) as d:
        tap.run(test_quota_data_channels, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
