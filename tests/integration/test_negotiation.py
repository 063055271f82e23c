#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two peer connections in one daemon negotiate a data-channel session;
the JSEP state machine as seen over D-Bus."""
import re
import sys

import dbus
import rtcdtest
from rtcdtest import PC, DC

EMPTY = dbus.Dictionary({}, signature="sv")
STATE = "org.rtcd.WebRTC1.Error.InvalidStateError"


def expect_error(name, fn, *args):
    try:
        fn(*args)
    except dbus.exceptions.DBusException as e:
        assert e.get_dbus_name() == name, "%s, want %s: %s" % (e.get_dbus_name(), name, e)
        return str(e.get_dbus_message())
    raise AssertionError("no error, want " + name)


def without_candidates(sdp):
    return "".join(l + "\r\n" for l in sdp.split("\r\n")[:-1]
                   if not l.startswith(("a=candidate:", "a=end-of-candidates")))


def state(bus, pc):
    return str(rtcdtest.prop(bus, pc.object_path, PC, "SignalingState"))


def desc(bus, pc, which):
    t, s = rtcdtest.prop(bus, pc.object_path, PC, which)
    return str(t), str(s)


def test_offer_answer(d):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    a = d.create_peer_connection(bus)
    b = d.create_peer_connection(bus)
    a.CreateDataChannel("chat", EMPTY)
    assert sig.wait_for("NegotiationNeeded", a.object_path)

    offer = str(a.CreateOffer(EMPTY))
    a.SetLocalDescription("offer", offer)
    assert state(bus, a) == "have-local-offer"
    # The description is the offer, plus the candidates gathered since.
    assert desc(bus, a, "LocalDescription")[0] == "offer"
    assert without_candidates(desc(bus, a, "LocalDescription")[1]) == offer
    b.SetRemoteDescription("offer", offer)
    assert state(bus, b) == "have-remote-offer"
    answer = str(b.CreateAnswer(EMPTY))
    b.SetLocalDescription("answer", answer)
    a.SetRemoteDescription("answer", answer)
    assert state(bus, a) == "stable" and state(bus, b) == "stable"
    assert desc(bus, a, "RemoteDescription") == ("answer", answer)
    assert without_candidates(desc(bus, b, "LocalDescription")[1]) == answer
    assert desc(bus, b, "RemoteDescription") == ("offer", offer)

    # The offer is a WebRTC data-channel offer (RFC 8841, RFC 8829).
    lines = offer.split("\r\n")
    assert offer.endswith("\r\n")
    assert lines[0] == "v=0"
    assert "a=group:BUNDLE 0" in lines
    assert "m=application 9 UDP/DTLS/SCTP webrtc-datachannel" in lines
    assert "a=setup:actpass" in lines
    assert "a=sctp-port:5000" in lines
    assert "a=max-message-size:262144" in lines
    fp = [l for l in lines if l.startswith("a=fingerprint:")]
    assert len(fp) == 1 and re.fullmatch(r"a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}", fp[0]), fp
    ufrag = [l[len("a=ice-ufrag:"):] for l in lines if l.startswith("a=ice-ufrag:")]
    pwd = [l[len("a=ice-pwd:"):] for l in lines if l.startswith("a=ice-pwd:")]
    assert len(ufrag[0]) >= 4 and len(pwd[0]) >= 22
    alines = answer.split("\r\n")
    assert "a=setup:active" in alines
    assert "m=application 9 UDP/DTLS/SCTP webrtc-datachannel" in alines
    # Each peer connection has its own certificate and credentials.
    assert [l for l in alines if l.startswith("a=fingerprint:")] != fp

    # The owner saw the states change, in order.
    assert rtcdtest.pump(lambda: len([1 for (p, _, m, x) in sig.log if p == a.object_path and m == "PropertiesChanged" and "SignalingState" in x[1]]) >= 2)
    states = [str(x[1]["SignalingState"]) for (p, _, m, x) in sig.log
              if p == a.object_path and m == "PropertiesChanged" and "SignalingState" in x[1]]
    assert states == ["have-local-offer", "stable"], states


def test_illegal_transitions(d):
    bus = d.bus()
    a = d.create_peer_connection(bus)
    b = d.create_peer_connection(bus)
    a.CreateDataChannel("x", EMPTY)
    offer = str(a.CreateOffer(EMPTY))
    msg = expect_error(STATE, a.SetRemoteDescription, "answer", offer)
    assert "stable" in msg, msg
    expect_error(STATE, a.CreateAnswer, EMPTY)
    a.SetLocalDescription("offer", offer)
    b.SetRemoteDescription("offer", offer)
    expect_error(STATE, b.SetLocalDescription, "offer", offer)
    # A munged description is not what was created.
    answer = str(b.CreateAnswer(EMPTY))
    expect_error("org.rtcd.WebRTC1.Error.InvalidModificationError",
                 b.SetLocalDescription, "answer", answer.replace("a=setup:active", "a=setup:passive"))
    assert state(bus, b) == "have-remote-offer"


def test_rollback_and_pranswer(d):
    bus = d.bus()
    a = d.create_peer_connection(bus)
    b = d.create_peer_connection(bus)
    a.CreateDataChannel("x", EMPTY)
    offer = str(a.CreateOffer(EMPTY))
    a.SetLocalDescription("offer", offer)
    a.SetLocalDescription("rollback", "")
    assert state(bus, a) == "stable"
    assert desc(bus, a, "LocalDescription") == ("", "")
    # Implicit offer (sdp ""), then pranswer and the final answer.
    a.SetLocalDescription("offer", "")
    offer = desc(bus, a, "LocalDescription")[1]
    assert "m=application" in offer
    b.SetRemoteDescription("offer", offer)
    pr = str(b.CreateAnswer(EMPTY))
    b.SetLocalDescription("pranswer", pr)
    assert state(bus, b) == "have-local-pranswer"
    a.SetRemoteDescription("pranswer", pr)
    assert state(bus, a) == "have-remote-pranswer"
    b.SetLocalDescription("answer", "")
    answer = desc(bus, b, "LocalDescription")
    assert answer[0] == "answer"
    a.SetRemoteDescription("answer", answer[1])
    assert state(bus, a) == "stable" and state(bus, b) == "stable"
    # Remote rollback.
    b.SetRemoteDescription("offer", str(a.CreateOffer(EMPTY)))
    b.SetRemoteDescription("rollback", "")
    assert state(bus, b) == "stable"


def test_data_channel_properties(d):
    bus = d.bus()
    pc = d.create_peer_connection(bus)
    dc = str(pc.CreateDataChannel("unreliable", dbus.Dictionary({
        "ordered": False, "max-retransmits": dbus.UInt16(0), "protocol": "chat/1",
        "negotiated": True, "id": dbus.UInt16(7)}, signature="sv")))
    p = rtcdtest.props(bus, dc, DC)
    assert p["Label"] == "unreliable" and p["Protocol"] == "chat/1"
    assert p["Ordered"] is not None and not p["Ordered"]
    assert p["MaxRetransmits"] == 0 and p["MaxPacketLifeTime"] == 0xffff
    assert p["Negotiated"] and p["Id"] == 7
    assert p["ReadyState"] == "connecting" and p["BufferedAmount"] == 0
    expect_error("org.rtcd.WebRTC1.Error.OperationError", pc.CreateDataChannel, "dup",
                 dbus.Dictionary({"negotiated": True, "id": dbus.UInt16(7)}, signature="sv"))
    plain = str(pc.CreateDataChannel("plain", EMPTY))
    assert rtcdtest.prop(bus, plain, DC, "Id") == 0xffff
    stats = pc.GetStats()
    types = sorted(str(v["type"]) for v in stats.values())
    assert types == ["data-channel", "data-channel", "peer-connection"], types
    dcs = [v for v in stats.values() if v["type"] == "data-channel"]
    assert {str(v["label"]) for v in dcs} == {"unreliable", "plain"}
    assert all(float(v["timestamp"]) > 1e12 for v in stats.values())


def main():
    tap = rtcdtest.Tap()
    for t in (test_offer_answer, test_illegal_transitions, test_rollback_and_pranswer,
              test_data_channel_properties):
        with rtcdtest.Daemon() as d:
            tap.run(t, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
