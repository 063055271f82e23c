#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""docs/dbus-api.md, the public contract, and dbus/*.xml, what rtcd serves
(test_introspection.py holds the XML to the daemon's Introspect), agree both
ways: every method (its arguments' types, names and directions), property
(type, access, how PropertiesChanged carries it) and signal of the XML is in
the document, and every one in the document is in the XML unless the
document marks it not yet served, in which case it must not be there."""
import os
import re
import sys
import xml.etree.ElementTree as ET

import tap

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(SRC, "docs", "dbus-api.md")
XML_DIR = os.path.join(SRC, "dbus")
PREFIX = "org.rtcd.WebRTC1."

ENTRY = re.compile(r"^(\w+)\((.*?)\)(?:\s*->\s*\((.*)\))?\s*$")
ROW = re.compile(r"^\|\s*`(\w+)`\s*\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|\s*(\w+)\s*\|")


def args(text, direction):
    """'s type, s sdp' -> [('in', 's', 'type'), ('in', 's', 'sdp')]."""
    out = []
    for a in filter(None, (x.strip() for x in (text or "").split(","))):
        typ, name = a.split()
        out.append((direction, typ, name))
    return out


def parse_doc(text):
    """{(interface, kind, name): (description, served)} from the document:
    `## org.rtcd.WebRTC1.X` opens an interface, `### Methods`, `### Properties`
    and `### Signals` its parts; entries are the unindented lines of code
    blocks (methods, signals) and the rows of property tables. Under any
    heading that says "not yet served", entries are marked so."""
    items = {}
    headings = {}
    iface = kind = None
    in_code = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code and line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            title = line[level:].strip()
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = title
            if level <= 2:
                iface = title if title.startswith(PREFIX) else None
                kind = None
            elif level == 3:
                kind = title.split()[0].lower()
            continue
        if not iface or kind not in ("methods", "properties", "signals"):
            continue
        served = not any("not yet served" in h.lower() for h in headings.values())
        if kind == "properties" and not in_code:
            m = ROW.match(line)
            if m:
                name, typ, access, changed = m.groups()
                key = (iface, "property", name)
                assert key not in items, "docs/dbus-api.md:%d: %s twice" % (n, key)
                items[key] = ((typ, access, changed), served)
        elif kind in ("methods", "signals") and in_code and line[:1].strip():
            m = ENTRY.match(line)
            assert m, "docs/dbus-api.md:%d: not a %s entry: %r" % (n, kind[:-1], line)
            name, ins, outs = m.groups()
            if kind == "methods":
                sig = args(ins, "in") + args(outs, "out")
            else:
                assert outs is None, "docs/dbus-api.md:%d: a signal returns nothing" % n
                sig = args(ins, "out")
            key = (iface, kind[:-1], name)
            assert key not in items, "docs/dbus-api.md:%d: %s twice" % (n, key)
            items[key] = (tuple(sig), served)
    return items


def parse_xml(directory):
    """{(interface, kind, name): description} from dbus/*.xml, in the same
    form as parse_doc's."""
    items = {}
    for fname in sorted(os.listdir(directory)):
        if not fname.endswith(".xml"):
            continue
        for iface in ET.parse(os.path.join(directory, fname)).getroot().findall("interface"):
            name = iface.get("name")
            for m in iface.findall("method"):
                sig = tuple((a.get("direction", "in"), a.get("type"), a.get("name"))
                            for a in m.findall("arg"))
                items[(name, "method", m.get("name"))] = sig
            for s in iface.findall("signal"):
                sig = tuple(("out", a.get("type"), a.get("name")) for a in s.findall("arg"))
                items[(name, "signal", s.get("name"))] = sig
            for p in iface.findall("property"):
                changed = "value"
                for a in p.findall("annotation"):
                    if a.get("name") == "org.freedesktop.DBus.Property.EmitsChangedSignal":
                        changed = {"true": "value"}.get(a.get("value"), a.get("value"))
                items[(name, "property", p.get("name"))] = (p.get("type"), p.get("access"),
                                                            changed)
    return items


def disagreements(doc, xml):
    """Every way the two differ, as sentences; [] when they agree."""
    out = []
    for key, want in sorted(xml.items()):
        if key not in doc:
            out.append("%s %s.%s is served (dbus/) but not in the document" %
                       (key[1], key[0], key[2]))
            continue
        got, served = doc[key]
        if not served:
            out.append("%s %s.%s is served (dbus/) but the document says not yet" %
                       (key[1], key[0], key[2]))
        if got != want:
            out.append("%s %s.%s: the document has %s, dbus/ has %s" %
                       (key[1], key[0], key[2], got, want))
    for key, (_, served) in sorted(doc.items()):
        if served and key not in xml:
            out.append("%s %s.%s is in the document but not served (dbus/)" %
                       (key[1], key[0], key[2]))
    return out


def load():
    with open(DOC) as f:
        return parse_doc(f.read()), parse_xml(XML_DIR)


def test_document_parses():
    doc, xml = load()
    ifaces = {k[0] for k in doc}
    for name in ("Manager", "PeerConnection", "DataChannel", "RtpTransceiver",
                 "MediaStreamTrack"):
        assert PREFIX + name in ifaces, "no %s%s in the document" % (PREFIX, name)
    served = [k for k, (_, s) in doc.items() if s]
    later = [k for k, (_, s) in doc.items() if not s]
    assert len(served) >= 50, (len(served), len(later))
    # Served: local media (GetUserMedia, its tracks, transceivers that send them).
    for key in [("Manager", "method", "GetUserMedia"), ("Manager", "method", "EnumerateDevices"),
                ("Manager", "signal", "DeviceChange"),
                ("MediaStreamTrack", "property", "PipeWireNode"),
                ("MediaStreamTrack", "method", "ApplyConstraints"),
                ("PeerConnection", "method", "AddTrack"),
                ("PeerConnection", "method", "RemoveTrack"),
                ("PeerConnection", "method", "AddTransceiver"),
                ("PeerConnection", "property", "Transceivers"),
                ("RtpTransceiver", "method", "SetDirection"),
                ("RtpTransceiver", "property", "Codecs"),
                ("PeerConnection", "signal", "Track"),
                ("RtpTransceiver", "property", "ReceiverTrack"),
                ("MediaStreamTrack", "method", "Play")]:
        full = (PREFIX + key[0],) + key[1:]
        assert full in doc and doc[full][1], "%s is not marked served" % (full,)
    assert xml, "no interfaces in dbus/*.xml"


def test_document_and_xml_agree():
    doc, xml = load()
    problems = disagreements(doc, xml)
    assert not problems, "\n".join(problems)


def test_descriptions_only_invalidated():
    doc, _ = load()
    for name in ("LocalDescription", "RemoteDescription"):
        (typ, access, changed), served = doc[(PREFIX + "PeerConnection", "property", name)]
        assert (typ, access, changed, served) == ("(ss)", "read", "invalidates", True), name


# A part of the document for what a version does not serve yet.
LATER = """
# Not yet served by this version

## org.rtcd.WebRTC1.MediaStreamTrack

### Methods

```
Rewind()
```
"""


def test_not_yet_served_part():
    """Under a "Not yet served" heading, entries are in the document and in
    no XML file."""
    with open(DOC) as f:
        text = f.read()
    _, xml = load()
    doc = parse_doc(text + LATER)
    assert doc[(PREFIX + "MediaStreamTrack", "method", "Rewind")] == ((), False)
    assert not disagreements(doc, xml), disagreements(doc, xml)


def test_checker_sees_differences():
    """The comparison itself can fail: a document missing a method, with a
    wrong argument type, or claiming a not-yet-served method, differs."""
    with open(DOC) as f:
        text = f.read()
    _, xml = load()
    for broken, expect in [
            (text.replace("RestartIce()\n", "", 1), "RestartIce is served"),
            (text.replace("AddIceCandidate(s candidate, s sdp_mid, i sdp_mline_index)",
                          "AddIceCandidate(s candidate, s sdp_mid, u sdp_mline_index)", 1),
             "AddIceCandidate: the document has"),
            (text.replace("| `BufferedAmountLowThreshold` | `t` | readwrite |",
                          "| `BufferedAmountLowThreshold` | `t` | read |", 1),
             "BufferedAmountLowThreshold: the document has"),
            (text + LATER.replace("# Not yet served", "# Served", 1),
             "Rewind is in the document but not served")]:
        assert broken != text, "the document changed: this check needs updating (%s)" % expect
        found = disagreements(parse_doc(broken), xml)
        assert any(expect in p for p in found), (expect, found)


def main():
    t = tap.Tap()
    for case in (test_document_parses, test_document_and_xml_agree,
                 test_descriptions_only_invalidated, test_not_yet_served_part,
                 test_checker_sees_differences):
        t.run(case)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
