"""Data-channel interop scenarios between rtcd and one third-party peer.

Each scenario gets a Session: a fresh rtcd peer connection and one of the
peer's, negotiated with rtcd as the offerer or as the answerer (trickle,
as connectivity.py does it), DTLS and SCTP up ("connected" on both sides)
and the offerer's first channel open at both ends.  Then one feature:

- echo: rtcd opens a channel, the peer sends every message back; text
  and binary, empty and from 1 B up to 256 KiB (or the peer's real limit, below),
  every byte and the text/binary kind checked where the peer received it
  and again where rtcd got it back; one byte over the peer's
  max-message-size is refused by rtcd with TypeError;
- remote_channel: the peer opens a channel, rtcd learns of it from the
  PeerConnection.DataChannel signal and the test echoes on it through
  rtcd;
- unreliable: ordered=false, maxRetransmits=0 from each side; on a
  loopback that loses nothing every message arrives, in whatever order;
- negotiated: negotiated=true with the same id on both sides, no DCEP,
  no DataChannel signal, messages both ways;
- many_channels: 16 channels opened by each side at once, stream ids
  unique and of one parity per side (by DTLS role), a message each way
  on each;
- early_channels: a channel from each side created before anything is
  negotiated (rtcd's before its offer or its answer) opens with SCTP;
- close_by_rtcd / close_by_peer: DataChannel.Close, or the peer's
  close(), on a channel each side opened: the other side sees it close,
  rtcd's channel goes "closing" then "closed" with Closing and Close, the
  object goes away, and the association carries on;
- pc_close_by_rtcd / pc_close_by_peer: the whole connection closed by one
  side: the other side's channels close.

Message sizes.  rtcd advertises a=max-message-size:262144 and honours the
peer's (RFC 8841: 65536 when absent).  What a peer can take is the
smaller of what its description says and what its driver knows better
(`max_receive_message_size`, see peers/pion.py); what it can send, its
driver's `max_send_message_size` or rtcd's 256 KiB.  The sizes tried are
SIZES up to that limit, plus the limit itself when it falls between them.
"""

import base64
import hashlib
import random
import time

import connectivity
import interop
from interop import check

DC_IFACE = "org.rtcd.WebRTC1.DataChannel"
TYPE_ERROR = "org.rtcd.WebRTC1.Error.TypeError"
UNKNOWN_OBJECT = "org.freedesktop.DBus.Error.UnknownObject"

RTCD_MAX_MESSAGE_SIZE = 256 * 1024   # rtcd's a=max-message-size
DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024  # RFC 8841 6: no attribute, 64 KiB
# Empty too: SCTP has no empty messages, so RFC 8831 sends one byte with
# a PPID of its own (56 text, 57 binary), which must not show.
SIZES = (0, 1, 1000, 16 * 1024, 64 * 1024, 256 * 1024)
UNRELIABLE_COUNT = 50
NEGOTIATED_ID = 42
MANY_CHANNELS = 16
# Everything here is on one veth in one namespace; the margin is for two
# cores shared with a browser moving a few MiB of base64 through DevTools.
TIMEOUT = 20.0
# A whole connection closing is one packet or two each way.
PC_CLOSE_TIMEOUT = 8.0


# --- messages ------------------------------------------------------------------
# A message is ("text", str) or ("binary", bytes), compared whole.

def text_message(size):
    """A text message of exactly `size` bytes of UTF-8, with characters of
    every UTF-8 length so that a stack that counts characters, cuts a
    sequence or re-encodes shows up."""
    pattern = "a\u00e9\u20ac\U0001f600"  # 1 + 2 + 3 + 4 bytes
    text = pattern * (size // 10)
    return ("text", text + "a" * (size - len(text.encode())))


def binary_message(size):
    """Binary bytes of `size`, different for every size (seeded), all 256
    values likely: a NUL or a 0xff lost on the way shows."""
    return ("binary", random.Random(size).randbytes(size))


def payload(message):
    """The bytes a message puts on the wire."""
    kind, data = message
    return data.encode() if kind == "text" else data


def describe(messages):
    """Messages as a short list: kind, length and a digest prefix each."""
    return [(m[0], len(payload(m)), hashlib.sha256(payload(m)).hexdigest()[:12])
            for m in messages]


def check_messages(got, sent, what, any_order=False):
    if any_order:
        ok = sorted(got) == sorted(sent)
    else:
        ok = got == sent
    check(ok, "%s: got %r,\nsent %r" % (what, describe(got), describe(sent)))


def sizes_up_to(limit):
    sizes = [n for n in SIZES if n <= limit]
    if limit < SIZES[-1] and limit not in sizes:
        sizes.append(limit)
    return sizes


def rtcd_send_limit(sdp):
    """The largest message rtcd sends a peer whose description is `sdp`:
    its a=max-message-size (RFC 8841: 64 KiB without one, 0 = no limit),
    but no more than rtcd's own (W3C: what the transport can send).
    Firefox advertises 1 GiB, Chromium 256 KiB, aiortc 64 KiB."""
    advertised = DEFAULT_MAX_MESSAGE_SIZE
    for line in connectivity.lines(sdp):
        if line.startswith("a=max-message-size:"):
            advertised = int(line.split(":", 1)[1]) or RTCD_MAX_MESSAGE_SIZE
    return min(advertised, RTCD_MAX_MESSAGE_SIZE)


# --- rtcd and the peer, connected ------------------------------------------------

class Session:
    """One rtcd peer connection and one of the peer's, connected (ICE, DTLS,
    SCTP) with the offerer's first channel ("ice") open at both ends.

    The peer echoes every message on channels rtcd opens (its create_pc
    `echo`).  rtcd's signals on a bus connection of the session's own are
    recorded; the peer's events for this connection are in
    self.link.peer_events, both refreshed by poll()."""

    def __init__(self, daemon, peer, rtcd_offers, early=False):
        """early: before anything is negotiated, each side opens a channel
        ("early-rtcd", "early-peer"); self.early has them, open at both
        ends, as (rtcd's path, the peer's dc)."""
        import rtcdtest  # only once in the namespace, as interop.main does
        self.rtcdtest = rtcdtest
        self.peer = peer
        self._labels = {}  # rtcd's remote channels: path -> label, read once
        # A connection of our own: its signal log and match rules end with it.
        self.bus = daemon.bus()
        self.signals = rtcdtest.Signals(self.bus)
        self.link = connectivity.Link(daemon, self.bus, peer, trickle=True,
                                      pc_config={"echo": True})
        self.ppc = self.link.ppc
        self.pc = self.link.rtcd.pc
        try:
            if early:
                early_path = self.rtcd_channel("early-rtcd")
                early_dc = self.peer.create_data_channel(self.ppc, "early-peer")["dc"]
            if rtcd_offers:
                path = connectivity.rtcd_offers(self.link)
            else:
                dc = connectivity.peer_offers(self.link)
            self.link.wait_connected()
            self.wait(lambda: self.rtcd_prop(self.link.rtcd.path, "ConnectionState",
                                             interop.PC_IFACE) == "connected" and
                      self.peer.state(self.ppc)["connection"] == "connected",
                      "DTLS: ConnectionState connected on both sides")
            if rtcd_offers:
                dc = self.wait_peer_remote_channel("ice")["dc"]
            else:
                path = self.wait_rtcd_remote_channel("ice")
            self.wait_open(path, dc, "the offerer's first channel")
            self.first = path, dc
            if early:
                self.early = [(early_path, self.wait_peer_remote_channel("early-rtcd")["dc"]),
                              (self.wait_rtcd_remote_channel("early-peer"), early_dc)]
                for p, d in self.early:
                    self.wait_open(p, d, "a channel opened before negotiation")
        except BaseException:
            self.close()
            raise

    def close(self):
        self.link.close()
        self.bus.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- waiting ---------------------------------------------------------------
    def poll(self):
        self.link.forward()  # D-Bus signals, the peer's events, late candidates

    def wait(self, cond, what, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            result = cond()
            if result:
                return result
            if time.monotonic() > deadline:
                raise interop.Failure("%s: not within %.0f s\n%s" % (what, timeout, self.report()))
            time.sleep(0.01)

    def report(self):
        import collections
        out = [self.link.report(), "rtcd's data-channel signals (Message: kind, size, digest):"]
        for path, _, member, args in self.signals.log:
            if "/dc/" not in path and member != "DataChannel":
                continue
            if member == "Message":
                args = describe([self.decode(args[0])])
            elif member == "PropertiesChanged":
                args = dict(args[1])
            out.append("  %s %s %r" % (path, member, args))
        # The event list above is cut short: count every message.
        counted = collections.Counter(ev.get("dc") for ev in self.peer_events("dc_message"))
        out.append("%s's messages by channel: %r" % (self.peer.name, dict(counted)))
        try:
            stats = self.pc.GetStats()
            out.append("rtcd's data-channel stats: %r" % [
                {str(k): (str(v) if isinstance(v, str) else int(v)) for k, v in entry.items()
                 if k in ("label", "state", "messagesSent", "messagesReceived")}
                for entry in stats.values() if entry["type"] == "data-channel"])
        except Exception as e:  # noqa: BLE001 -- a report must not hide the failure
            out.append("rtcd's data-channel stats: %s" % e)
        return "\n".join(out)

    # --- rtcd's side -------------------------------------------------------------
    def rtcd_prop(self, path, name, iface=DC_IFACE):
        value = self.rtcdtest.prop(self.bus, path, iface, name)
        return str(value) if isinstance(value, str) else value

    def rtcd_dc(self, path):
        import dbus
        # No introspection: a channel that is gone must fail the call
        # itself (UnknownObject), not log an Introspect error first.
        return dbus.Interface(self.bus.get_object(interop.BUS_NAME, path, introspect=False),
                              DC_IFACE)

    def rtcd_channel(self, label, **init):
        """rtcd's CreateDataChannel(label, init): init in the contract's
        names with '_' for '-', e.g. max_retransmits=0."""
        import dbus
        types = {"ordered": dbus.Boolean, "negotiated": dbus.Boolean, "protocol": dbus.String,
                 "id": dbus.UInt16, "max_retransmits": dbus.UInt16,
                 "max_packet_life_time": dbus.UInt16}
        options = dbus.Dictionary({k.replace("_", "-"): types[k](v) for k, v in init.items()},
                                  signature="sv")
        return str(self.pc.CreateDataChannel(label, options))

    def rtcd_send(self, path, message):
        import dbus
        kind, data = message
        value = dbus.String(data) if kind == "text" else dbus.ByteArray(data)
        self.rtcd_dc(path).Send(value, signature="v")

    @staticmethod
    def decode(value):
        if isinstance(value, str):
            return ("text", str(value))
        return ("binary", bytes(value))

    def rtcd_signals(self, path, member=None):
        return [(m, args) for p, _, m, args in self.signals.log
                if p == path and (member is None or m == member)]

    def rtcd_messages(self, path):
        return [self.decode(args[0]) for _, args in self.rtcd_signals(path, "Message")]

    def rtcd_ready_states(self, path):
        """Every ReadyState rtcd announced for the channel, in order."""
        return [str(args[1]["ReadyState"]) for _, args in self.rtcd_signals(path, "PropertiesChanged")
                if "ReadyState" in args[1]]

    def rtcd_remote_channels(self):
        """Paths from PeerConnection.DataChannel, with their labels (read
        when the signal is first seen: a closed channel's object is gone)."""
        for _, args in self.rtcd_signals(self.link.rtcd.path, "DataChannel"):
            path = str(args[0])
            if path not in self._labels:
                self._labels[path] = self.rtcd_prop(path, "Label")
        return dict(self._labels)

    def rtcd_is_open(self, path):
        return "Open" in [m for m, _ in self.rtcd_signals(path)] or \
            self.rtcd_prop(path, "ReadyState") == "open"

    def wait_rtcd_remote_channel(self, label):
        def find():
            for path, lbl in self.rtcd_remote_channels().items():
                if lbl == label:
                    return path
            return None
        return self.wait(find, "rtcd: DataChannel signal for %r" % label)

    # --- the peer's side -----------------------------------------------------------
    def peer_events(self, event, **match):
        return [ev for ev in self.link.peer_events
                if ev.get("event") == event and all(ev.get(k) == v for k, v in match.items())]

    def peer_messages(self, dc):
        return [("text", ev["text"]) if "text" in ev else ("binary", base64.b64decode(ev["binary"]))
                for ev in self.peer_events("dc_message", dc=dc)]

    def peer_send(self, dc, message):
        kind, data = message
        if kind == "text":
            self.peer.call("send", dc=dc, text=data)
        else:
            self.peer.call("send", dc=dc, binary=base64.b64encode(data).decode())

    def peer_is_open(self, dc):
        return bool(self.peer_events("dc_open", dc=dc)) or \
            self.peer.call("dc_state", dc=dc)["ready_state"] == "open"

    def wait_peer_remote_channel(self, label):
        """The peer's data_channel event for `label`: its channel info."""
        found = self.wait(lambda: self.peer_events("data_channel", label=label),
                          "%s: data_channel event for %r" % (self.peer.name, label))
        return found[0]

    # --- both ----------------------------------------------------------------------
    def open_pair(self, label, opened_by_rtcd, **init):
        """A channel opened by one side (rtcd or the peer, `init` in
        peer.py's names), open at both ends: (rtcd's path, the peer's dc)."""
        if opened_by_rtcd:
            path = self.rtcd_channel(label, **init)
            dc = self.wait_peer_remote_channel(label)["dc"]
        else:
            dc = self.peer.create_data_channel(self.ppc, label, **init)["dc"]
            path = self.wait_rtcd_remote_channel(label)
        self.wait_open(path, dc, "channel %r" % label)
        return path, dc

    def wait_open(self, path, dc, what):
        self.wait(lambda: self.rtcd_is_open(path) and self.peer_is_open(dc),
                  "%s open at both ends" % what)

    def peer_limits(self):
        """(largest message rtcd may send the peer, largest it sends rtcd)."""
        to_peer = rtcd_send_limit(self.link.peer_sdp)
        to_peer = min(to_peer, getattr(self.peer, "max_receive_message_size", to_peer))
        from_peer = min(RTCD_MAX_MESSAGE_SIZE,
                        getattr(self.peer, "max_send_message_size", RTCD_MAX_MESSAGE_SIZE))
        return to_peer, from_peer


# --- the scenarios -------------------------------------------------------------------
# Each takes a connected Session and raises on failure.

def echo(s):
    """rtcd sends text and binary of every size on a channel it opened; the
    peer echoes each; both copies are checked; over the limit is refused."""
    # A label and protocol past ASCII: they cross in DCEP as UTF-8.
    label, protocol = "echo \u2713 \u00fcnic\u00f8de", "chat/\u20ac1"
    path, dc = s.open_pair(label, opened_by_rtcd=True, protocol=protocol)
    info = s.peer.call("dc_state", dc=dc)
    check(info["label"] == label and info["protocol"] == protocol,
          "%s's view of rtcd's channel: %r" % (s.peer.name, info))
    to_peer, _ = s.peer_limits()
    sent = [make(n) for n in sizes_up_to(to_peer) for make in (text_message, binary_message)]
    for message in sent:
        s.rtcd_send(path, message)
    # Both counts: the peer's events and rtcd's signals come by different
    # ways, so the echo may overtake the peer's report of the original.
    s.wait(lambda: len(s.peer_messages(dc)) >= len(sent) and len(s.rtcd_messages(path)) >= len(sent),
           "%d messages at %s and echoed back to rtcd" % (len(sent), s.peer.name))
    check_messages(s.peer_messages(dc), sent, "%s received" % s.peer.name)
    check_messages(s.rtcd_messages(path), sent, "rtcd got back")
    print("# %s: echoed %s, text and binary" % (s.peer.name, sizes_up_to(to_peer)))

    # RFC 8841: the peer's description bounds what rtcd may send it.
    import dbus
    limit = rtcd_send_limit(s.link.peer_sdp)
    try:
        s.rtcd_send(path, binary_message(limit + 1))
    except dbus.DBusException as e:
        check(e.get_dbus_name() == TYPE_ERROR, "%d bytes, over the max-message-size %d for %s: %s"
              % (limit + 1, limit, s.peer.name, e))
    else:
        raise interop.Failure("rtcd took %d bytes, over the max-message-size %d for %s"
                              % (limit + 1, limit, s.peer.name))


def remote_channel(s):
    """The peer opens a channel; rtcd announces it with DataChannel; the
    peer's text and binary messages reach rtcd and rtcd's echo the peer."""
    path, dc = s.open_pair("from-peer", opened_by_rtcd=False, protocol="echo")
    check(s.rtcd_prop(path, "Protocol") == "echo" and s.rtcd_prop(path, "Ordered") and
          not s.rtcd_prop(path, "Negotiated"),
          "rtcd's view of the peer's channel: %r" % dict(
              s.rtcdtest.props(s.bus, path, DC_IFACE)))
    to_peer, from_peer = s.peer_limits()
    sent = [make(n) for n in sizes_up_to(from_peer) for make in (text_message, binary_message)]
    for message in sent:
        s.peer_send(dc, message)
    s.wait(lambda: len(s.rtcd_messages(path)) >= len(sent), "%d messages at rtcd" % len(sent))
    check_messages(s.rtcd_messages(path), sent, "rtcd received")
    back = [m for m in sent if len(payload(m)) <= to_peer]
    for message in back:
        s.rtcd_send(path, message)
    s.wait(lambda: len(s.peer_messages(dc)) >= len(back),
           "%d messages echoed by rtcd at %s" % (len(back), s.peer.name))
    check_messages(s.peer_messages(dc), back, "%s got back" % s.peer.name)


def unreliable(s):
    """ordered=false, maxRetransmits=0 opened by each side: the other side
    sees those parameters, and every message arrives (no loss here); and
    an ordered channel with maxPacketLifeTime from rtcd."""
    mine, pdc = s.open_pair("unreliable-rtcd", opened_by_rtcd=True,
                            ordered=False, max_retransmits=0)
    # A driver whose stack does not tell what a remote channel's DCEP said
    # (knows_remote_reliability = False: node-datachannel, peers/
    # libdatachannel.py) cannot be asked: what crossed is seen only in the
    # other direction, rtcd's view of the peer's channel below.
    knows = getattr(s.peer, "knows_remote_reliability", True)
    info = s.peer.call("dc_state", dc=pdc)
    check(not knows or (info["ordered"] is False and info.get("max_retransmits") == 0),
          "%s's view of rtcd's unreliable channel: %r" % (s.peer.name, info))
    theirs, tdc = s.open_pair("unreliable-peer", opened_by_rtcd=False,
                              ordered=False, max_retransmits=0)
    check(not s.rtcd_prop(theirs, "Ordered") and s.rtcd_prop(theirs, "MaxRetransmits") == 0,
          "rtcd's view of %s's unreliable channel: %r" % (s.peer.name, dict(
              s.rtcdtest.props(s.bus, theirs, DC_IFACE))))

    to_rtcd = [("text", "peer %d" % i) for i in range(UNRELIABLE_COUNT)]
    to_peer = [("text", "rtcd %d" % i) if i % 2 else binary_message(100 + i)
               for i in range(UNRELIABLE_COUNT)]
    for message in to_peer:
        s.rtcd_send(mine, message)  # the peer echoes these
    for message in to_rtcd:
        s.peer_send(tdc, message)
    s.wait(lambda: len(s.peer_messages(pdc)) >= len(to_peer) and
           len(s.rtcd_messages(mine)) >= len(to_peer) and
           len(s.rtcd_messages(theirs)) >= len(to_rtcd),
           "every unreliable message (a loopback loses none)")
    check_messages(s.peer_messages(pdc), to_peer, "%s received" % s.peer.name, any_order=True)
    check_messages(s.rtcd_messages(mine), to_peer, "rtcd got back", any_order=True)
    check_messages(s.rtcd_messages(theirs), to_rtcd, "rtcd received", any_order=True)

    timed, timed_dc = s.open_pair("timed-rtcd", opened_by_rtcd=True, max_packet_life_time=1000)
    info = s.peer.call("dc_state", dc=timed_dc)
    # Pion leaves out what is not set, the others give null.
    check(not knows or (info["ordered"] is True and info.get("max_packet_life_time") == 1000 and
                        info.get("max_retransmits") is None),
          "%s's view of rtcd's channel with a lifetime: %r" % (s.peer.name, info))
    sent = [("text", "timed %d" % i) for i in range(10)]
    for message in sent:
        s.rtcd_send(timed, message)
    s.wait(lambda: len(s.rtcd_messages(timed)) >= len(sent), "messages echoed on the timed channel")
    check_messages(s.rtcd_messages(timed), sent, "rtcd got back, in order")


def negotiated(s):
    """negotiated=true, id=42 created on both sides: it opens without DCEP
    (no DataChannel signal, no data_channel event) and carries both ways."""
    path = s.rtcd_channel("agreed", negotiated=True, id=NEGOTIATED_ID)
    dc = s.peer.create_data_channel(s.ppc, "agreed", negotiated=True, id=NEGOTIATED_ID)["dc"]
    s.wait_open(path, dc, "the negotiated channel")
    check(s.rtcd_prop(path, "Negotiated") and s.rtcd_prop(path, "Id") == NEGOTIATED_ID,
          "rtcd's negotiated channel: %r" % dict(s.rtcdtest.props(s.bus, path, DC_IFACE)))
    to_peer = [text_message(1000), binary_message(1000)]
    to_rtcd = [text_message(100), binary_message(100)]
    for message in to_peer:
        s.rtcd_send(path, message)
    for message in to_rtcd:
        s.peer_send(dc, message)
    s.wait(lambda: len(s.rtcd_messages(path)) >= 2 and len(s.peer_messages(dc)) >= 2,
           "messages both ways on the negotiated channel")
    check_messages(s.peer_messages(dc), to_peer, "%s received" % s.peer.name)
    check_messages(s.rtcd_messages(path), to_rtcd, "rtcd received")
    check("agreed" not in s.rtcd_remote_channels().values(),
          "rtcd announced the negotiated channel with DataChannel")
    check(not s.peer_events("data_channel", label="agreed"),
          "%s announced the negotiated channel as a remote one" % s.peer.name)


def check_rtcd_closed(s, path, what, timeout=TIMEOUT):
    """rtcd's channel went open -> closing -> closed, Closing then Close,
    and its object is gone."""
    import dbus
    s.wait(lambda: s.rtcd_signals(path, "Close"), "%s: rtcd's Close signal" % what, timeout)
    states = s.rtcd_ready_states(path)
    check(states[-2:] == ["closing", "closed"], "%s: rtcd's ReadyState went %r" % (what, states))
    order = [m for m, _ in s.rtcd_signals(path) if m in ("Open", "Closing", "Close")]
    check(order[-2:] == ["Closing", "Close"], "%s: rtcd's signals %r" % (what, order))
    try:
        s.rtcd_send(path, ("text", "after close"))
    except dbus.DBusException as e:
        check(e.get_dbus_name() == UNKNOWN_OBJECT, "%s: Send after Close: %s" % (what, e))
    else:
        raise interop.Failure("%s: rtcd sent on a closed channel" % what)


def check_still_carries(s):
    """The first channel still works both ways after others closed: a
    stream reset must not take the association with it."""
    path, dc = s.first
    before_rtcd, before_peer = len(s.rtcd_messages(path)), len(s.peer_messages(dc))
    s.rtcd_send(path, ("text", "still here, rtcd"))
    s.peer_send(dc, ("text", "still here, " + s.peer.name))
    s.wait(lambda: ("text", "still here, " + s.peer.name) in s.rtcd_messages(path)[before_rtcd:]
           and ("text", "still here, rtcd") in s.peer_messages(dc)[before_peer:],
           "a message each way on the first channel after the close")


def close_by(s, rtcd_closes):
    for opened_by_rtcd in (True, False):
        what = "a channel %s opened, closed by %s" % (
            "rtcd" if opened_by_rtcd else s.peer.name, "rtcd" if rtcd_closes else s.peer.name)
        label = "bye-%s" % ("rtcd" if opened_by_rtcd else "peer")
        path, dc = s.open_pair(label, opened_by_rtcd=opened_by_rtcd)
        if rtcd_closes:
            s.rtcd_dc(path).Close()
        else:
            s.peer.call("close_dc", dc=dc)
        s.wait(lambda: s.peer_events("dc_close", dc=dc), "%s: %s's close event" % (what, s.peer.name))
        check_rtcd_closed(s, path, what)
        state = s.peer.call("dc_state", dc=dc)["ready_state"]
        check(state == "closed", "%s: %s's channel is %r" % (what, s.peer.name, state))
    check_still_carries(s)


def close_by_rtcd(s):
    """rtcd's DataChannel.Close on a channel each side opened: the peer's
    channel closes, rtcd's goes closing -> closed and away."""
    close_by(s, rtcd_closes=True)


def close_by_peer(s):
    """The peer's close() on a channel each side opened: rtcd's channel
    goes closing -> closed with Closing and Close, and away."""
    close_by(s, rtcd_closes=False)


def many_channels(s):
    """MANY_CHANNELS channels opened by each side at once: each opens at
    both ends with its own stream id (rtcd's all of one parity, the
    peer's of the other: RFC 8832 6, by DTLS role) and carries a message
    each way."""
    mine = [s.rtcd_channel("rtcd-%d" % i) for i in range(MANY_CHANNELS)]
    theirs = [s.peer.create_data_channel(s.ppc, "peer-%d" % i)["dc"] for i in range(MANY_CHANNELS)]
    pairs = []
    for i, path in enumerate(mine):
        pairs.append((path, s.wait_peer_remote_channel("rtcd-%d" % i)["dc"]))
    for i, dc in enumerate(theirs):
        pairs.append((s.wait_rtcd_remote_channel("peer-%d" % i), dc))
    for path, dc in pairs:
        s.wait_open(path, dc, "channel %s" % path)
    ids = [s.rtcd_prop(path, "Id") for path, _ in pairs]
    check(len(set(ids)) == len(ids), "stream ids used twice: %r" % ids)
    parity = {i % 2 for i in ids[:MANY_CHANNELS]}, {i % 2 for i in ids[MANY_CHANNELS:]}
    check(len(parity[0]) == 1 and len(parity[1]) == 1 and parity[0] != parity[1],
          "rtcd's ids %r and %s's %r are not of one parity each"
          % (ids[:MANY_CHANNELS], s.peer.name, ids[MANY_CHANNELS:]))
    for n, (path, dc) in enumerate(pairs):
        s.rtcd_send(path, ("text", "to %s %d" % (s.peer.name, n)))
        s.peer_send(dc, ("text", "to rtcd %d" % n))
    # On rtcd's channels the peer echoes: its message and the echo.
    s.wait(lambda: all(len(s.peer_messages(dc)) >= 1 and len(s.rtcd_messages(path)) >= 1
                       for path, dc in pairs),
           "a message each way on each of %d channels" % len(pairs))
    for n, (path, dc) in enumerate(pairs):
        expected = ("text", "to %s %d" % (s.peer.name, n))
        check(s.peer_messages(dc)[0] == expected,
              "%s on channel %d: %r" % (s.peer.name, n, s.peer_messages(dc)))
        check(("text", "to rtcd %d" % n) in s.rtcd_messages(path),
              "rtcd on channel %d: %r" % (n, s.rtcd_messages(path)))


def early_channels(s):
    """A channel from each side created before anything was negotiated
    (rtcd's before its offer or its answer): both open at both ends once
    SCTP is up, with the first, and carry a message each way."""
    for n, (path, dc) in enumerate(s.early):
        s.rtcd_send(path, ("text", "early from rtcd %d" % n))
        s.peer_send(dc, ("binary", b"early from the peer %d" % n))
    s.wait(lambda: all(s.peer_messages(dc) and s.rtcd_messages(path) for path, dc in s.early),
           "a message each way on each early channel")
    for n, (path, dc) in enumerate(s.early):
        check(s.peer_messages(dc)[0] == ("text", "early from rtcd %d" % n),
              "%s on early channel %d: %r" % (s.peer.name, n, s.peer_messages(dc)))
        check(("binary", b"early from the peer %d" % n) in s.rtcd_messages(path),
              "rtcd on early channel %d: %r" % (n, s.rtcd_messages(path)))


early_channels.early = True  # the Session opens them


def pc_close_by_rtcd(s):
    """PeerConnection.Close: the peer's channels close."""
    second = s.open_pair("second", opened_by_rtcd=False)
    s.pc.Close()
    for _, dc in (s.first, second):
        s.wait(lambda: s.peer_events("dc_close", dc=dc),
               "%s: close event after rtcd's Close" % s.peer.name, PC_CLOSE_TIMEOUT)


def pc_close_by_peer(s):
    """The peer closes its whole connection: rtcd's channels go closing ->
    closed with Closing and Close."""
    second = s.open_pair("second", opened_by_rtcd=True)
    s.peer.call("close_pc", pc=s.ppc)
    for path, _ in (s.first, second):
        check_rtcd_closed(s, path, "%s closed its connection" % s.peer.name, PC_CLOSE_TIMEOUT)


FEATURES = [echo, remote_channel, unreliable, negotiated, many_channels, early_channels,
            close_by_rtcd, close_by_peer, pc_close_by_rtcd, pc_close_by_peer]


def scenario(feature, rtcd_offers):
    """A scenario (daemon, bus, peer) running `feature` on a new Session."""
    def run(daemon, _bus, peer):
        with Session(daemon, peer, rtcd_offers, getattr(feature, "early", False)) as s:
            feature(s)
    run.__name__ = "dc_%s_%s" % (feature.__name__, "rtcd_offers" if rtcd_offers else "peer_offers")
    run.__doc__ = feature.__doc__
    return run


SCENARIOS = [scenario(f, o) for o in (True, False) for f in FEATURES]


def both_roles(feature, why):
    return {scenario(feature, o).__name__: why for o in (True, False)}


# Known rtcd bugs these scenarios show, by peer, for interop.with_known_issues
# (an entry makes a scenario's result not count: remove it with the fix), as
# {peer name: {scenario name: why}}, made with both_roles. Empty: the two found
# here (a peer's bare close_notify left rtcd's channels
# open; rtcd's Close sent no SCTP ABORT, which aiortc needs) are fixed.
KNOWN_ISSUES = {}


def scenarios_for(peer_name):
    """SCENARIOS with the known issues against this peer marked."""
    return interop.with_known_issues(SCENARIOS, KNOWN_ISSUES.get(peer_name, {}))
