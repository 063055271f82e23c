#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the daemon answers to Introspect equals the XML in dbus/, and the
object tree is walkable by a second connection as busctl does it."""
import os
import subprocess
import xml.etree.ElementTree as ET

import sys

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, ROOT, DC, PC, MANAGER

XML_DIR = os.path.join(rtcdtest.SRC, "dbus")
STANDARD = {"org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Properties",
            "org.freedesktop.DBus.Peer"}


def canonical(elem):
    """An interface element as nested tuples: tags, attributes, children in
    order; whitespace and comments do not count."""
    children = tuple(canonical(c) for c in elem if isinstance(c.tag, str))
    return (elem.tag, tuple(sorted(elem.attrib.items())), children)


def xml_interface(name):
    tree = ET.parse(os.path.join(XML_DIR, name + ".xml"))
    (iface,) = [i for i in tree.getroot().findall("interface") if i.get("name") == name]
    return iface


def introspect(bus, path):
    xml = bus.get_object(BUS_NAME, path).Introspect(
        dbus_interface="org.freedesktop.DBus.Introspectable")
    return ET.fromstring(str(xml))


def interfaces_of(root):
    return {i.get("name"): i for i in root.findall("interface")}


def nodes_of(root):
    return [n.get("name") for n in root.findall("node")]


def check_object(bus, path, iface_name, extra=()):
    root = introspect(bus, path)
    ifaces = interfaces_of(root)
    assert set(ifaces) == STANDARD | {iface_name} | set(extra), sorted(ifaces)
    want = canonical(xml_interface(iface_name))
    got = canonical(ifaces[iface_name])
    assert got == want, "Introspect of %s differs from dbus/%s.xml:\n%s\n%s" % (
        path, iface_name, got, want)
    return root


def fixture(d):
    owner = d.bus()
    pc = d.create_peer_connection(owner)
    dc_path = pc.CreateDataChannel("chat", dbus.Dictionary({}, signature="sv"))
    return owner, pc, str(dc_path)


def test_every_object_matches_xml(d):
    owner, pc, dc_path = fixture(d)
    check_object(owner, ROOT, MANAGER, extra=["org.freedesktop.DBus.ObjectManager"])
    check_object(owner, pc.object_path, PC)
    check_object(owner, dc_path, DC)


def test_intermediate_nodes(d):
    owner, pc, dc_path = fixture(d)
    assert nodes_of(introspect(owner, "/")) == ["org"]
    assert nodes_of(introspect(owner, "/org")) == ["rtcd"]
    assert nodes_of(introspect(owner, "/org/rtcd")) == ["WebRTC1"]
    assert "pc" in nodes_of(introspect(owner, ROOT))
    number = pc.object_path.rsplit("/", 1)[1]
    assert number in nodes_of(introspect(owner, ROOT + "/pc"))
    assert "dc" in nodes_of(introspect(owner, pc.object_path))


def test_busctl_from_second_connection(d):
    owner, pc, dc_path = fixture(d)
    env = dict(os.environ)
    run = lambda *a: subprocess.run(["busctl", "--address=" + d.address] + list(a),
                                    capture_output=True, text=True, env=env, timeout=20)
    tree = run("tree", "--list", BUS_NAME)
    assert tree.returncode == 0, tree.stderr
    for p in (ROOT, pc.object_path, dc_path):
        assert p in tree.stdout.split(), tree.stdout
    intro = run("introspect", BUS_NAME, pc.object_path)
    assert intro.returncode == 0, intro.stderr
    assert ".CreateOffer" in intro.stdout and ".SignalingState" in intro.stdout
    get = run("get-property", BUS_NAME, pc.object_path, PC, "SignalingState")
    assert get.returncode == 0 and get.stdout.strip() == 's "stable"', get.stdout + get.stderr
    label = run("get-property", BUS_NAME, dc_path, DC, "Label")
    assert label.stdout.strip() == 's "chat"', label.stdout + label.stderr
    version = run("get-property", BUS_NAME, ROOT, MANAGER, "Version")
    assert version.returncode == 0 and version.stdout.startswith('s "'), version.stdout
    # busctl is an inspector, not the owner: calls that change things are refused.
    call = run("call", BUS_NAME, pc.object_path, PC, "Close")
    assert call.returncode != 0 and "Access denied" in call.stderr + call.stdout, \
        call.stdout + call.stderr


def test_managed_objects(d):
    owner, pc, dc_path = fixture(d)
    om = dbus.Interface(owner.get_object(BUS_NAME, ROOT), "org.freedesktop.DBus.ObjectManager")
    objects = om.GetManagedObjects()
    assert set(map(str, objects)) == {pc.object_path, dc_path}, objects
    assert objects[pc.object_path][PC]["SignalingState"] == "stable"
    assert objects[dc_path][DC]["Label"] == "chat"
    assert objects[dc_path][DC]["ReadyState"] == "connecting"
    assert list(objects[pc.object_path][PC]["DataChannels"]) == [dc_path]


def test_properties_getall_matches_xml(d):
    owner, pc, dc_path = fixture(d)
    for path, name in ((pc.object_path, PC), (dc_path, DC), (ROOT, MANAGER)):
        got = set(rtcdtest.props(owner, path, name))
        want = {p.get("name") for p in xml_interface(name).findall("property")}
        assert got == want, (name, got ^ want)


TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"


def test_track_matches_xml(d):
    # rtcd runs with --fake-media-devices: a track of the fake camera.
    owner = d.bus()
    manager = dbus.Interface(owner.get_object(BUS_NAME, ROOT), MANAGER)
    (path,) = manager.GetUserMedia(dbus.Dictionary({"video": True}, signature="sv"))
    check_object(owner, str(path), TRACK)
    got = set(rtcdtest.props(owner, str(path), TRACK))
    assert got == {p.get("name") for p in xml_interface(TRACK).findall("property")}, got
    assert "track" in nodes_of(introspect(owner, ROOT))


def main():
    tap = rtcdtest.Tap()
    for t in (test_every_object_matches_xml, test_intermediate_nodes,
              test_busctl_from_second_connection, test_managed_objects,
              test_properties_getall_matches_xml):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d:
        tap.run(test_track_matches_xml, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
