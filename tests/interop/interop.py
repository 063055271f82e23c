"""The signalling interop scenarios between rtcd and one third-party peer,
and the main() each test_<peer>.py runs them (and connectivity.py's) with.

A test script:
  - enters a private network namespace (peers/netns.py) first of all, so
    rtcd, the bus and the peer share a network nobody else sees;
  - exits 77 (skipped) if and only if the peer is not installed (a peer
    module with INSTALLS_BEFORE_NETNS installs it first, outside);
  - starts a private bus and rtcd (tests/lib/rtcdtest.py), then the peer;
  - runs every scenario, prints one "ok"/"not ok" line for each, and exits
    1 if any failed (but for those marked with known_issue, reported as
    TAP TODO).  Every process it started is stopped on the way out.
"""

import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from peers import netns  # noqa: E402

BUS_NAME = "org.rtcd.WebRTC1"
PC_IFACE = "org.rtcd.WebRTC1.PeerConnection"
SKIP = 77


class Failure(AssertionError):
    pass


class Skip(Exception):
    """A scenario that cannot run against this peer (e.g. a codec it does
    not have): reported as TAP "ok ... # SKIP why"."""


def check(cond, what):
    if not cond:
        raise Failure(what)


# --- SDP, only as far as the checks need it -------------------------------------

def sections(sdp):
    """The m-sections of a description: dicts with kind, port, proto, mid."""
    out = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            kind, port, proto = line[2:].split(" ")[:3]
            out.append({"kind": kind, "port": int(port.split("/")[0]), "proto": proto, "mid": None,
                        "direction": "sendrecv"})
        elif line.startswith("a=mid:") and out:
            out[-1]["mid"] = line[len("a=mid:"):]
        elif line[2:] in ("sendrecv", "sendonly", "recvonly", "inactive") and out:
            out[-1]["direction"] = line[2:]
    return out


def check_answer_matches_offer(offer, answer, accept_media):
    """JSEP: an answer has the offer's m-sections in the same order with the
    same mids; a rejected section has port 0. accept_media: rtcd, with no
    track of its own, takes the peer's audio and video (recvonly)."""
    o, a = sections(offer), sections(answer)
    check(len(o) == len(a), "answer has %d m-sections, offer %d" % (len(a), len(o)))
    for i, (mo, ma) in enumerate(zip(o, a)):
        check(mo["kind"] == ma["kind"], "m-section %d: offer %s, answer %s" % (i, mo["kind"], ma["kind"]))
        check(ma["mid"] == mo["mid"], "m-section %d: offer mid %r, answer mid %r" % (i, mo["mid"], ma["mid"]))
        if mo["kind"] == "application":
            check(ma["port"] != 0, "m-section %d (data channels) rejected" % i)
        elif accept_media:
            check(ma["port"] != 0, "m-section %d (%s) rejected" % (i, ma["kind"]))
            check(ma["direction"] == "recvonly",
                  "m-section %d (%s): rtcd has no track to send, yet answers %s"
                  % (i, ma["kind"], ma["direction"]))
        else:
            check(ma["port"] == 0, "m-section %d (%s) accepted with port %d"
                  % (i, ma["kind"], ma["port"]))


# --- rtcd's side ---------------------------------------------------------------------

class RtcdPeerConnection:
    def __init__(self, daemon, bus, config=None):
        import dbus
        self._dbus = dbus
        self.path = daemon.manager(bus).CreatePeerConnection(
            dbus.Dictionary(config or {}, signature="sv"))
        obj = bus.get_object(BUS_NAME, self.path)
        self.pc = dbus.Interface(obj, PC_IFACE)
        self._props = dbus.Interface(obj, "org.freedesktop.DBus.Properties")

    def prop(self, name):
        return self._props.Get(PC_IFACE, name)

    def description(self, which):
        kind, sdp = self.prop(which)
        return str(kind), str(sdp)

    def local_description(self, gathering_timeout=3.0):
        """LocalDescription once gathering is complete, or as it is after
        gathering_timeout: candidates do not matter for signalling."""
        deadline = time.monotonic() + gathering_timeout
        while self.prop("IceGatheringState") != "complete" and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.description("LocalDescription")

    def close(self):
        try:
            self.pc.Close()
        except self._dbus.DBusException:
            pass


def no_options():
    import dbus
    return dbus.Dictionary({}, signature="sv")


def check_stable(rtcd, peer, ppc):
    check(rtcd.prop("SignalingState") == "stable",
          "rtcd signaling state is %s, not stable" % rtcd.prop("SignalingState"))
    check(peer.signaling_state(ppc) == "stable",
          "%s signaling state is %s, not stable" % (peer.name, peer.signaling_state(ppc)))


# --- the scenarios ---------------------------------------------------------------------
# Each takes (daemon, bus, peer) and raises on failure.

def rtcd_offers_datachannel(daemon, bus, peer):
    """The peer accepts rtcd's offer with a data channel; rtcd its answer."""
    rtcd = RtcdPeerConnection(daemon, bus)
    ppc = peer.create_pc()
    try:
        rtcd.pc.CreateDataChannel("chat", no_options())
        offer = str(rtcd.pc.CreateOffer(no_options()))
        check([s["kind"] for s in sections(offer)] == ["application"],
              "rtcd's offer has m-sections %r" % sections(offer))
        rtcd.pc.SetLocalDescription("offer", offer)
        check(rtcd.prop("SignalingState") == "have-local-offer",
              "after SetLocalDescription(offer): %s" % rtcd.prop("SignalingState"))
        kind, offer = rtcd.local_description()
        check(kind == "offer", "LocalDescription type is %r" % kind)

        peer.set_remote_description(ppc, "offer", offer)
        peer.set_local_description(ppc, "answer")
        answer = peer.gathering_complete(ppc)["sdp"]
        check_answer_matches_offer(offer, answer, accept_media=True)

        rtcd.pc.SetRemoteDescription("answer", answer)
        check_stable(rtcd, peer, ppc)
        check(rtcd.description("RemoteDescription") == ("answer", answer),
              "RemoteDescription is not the answer given")
    finally:
        rtcd.close()
        peer.call("close_pc", pc=ppc)


def peer_offers(daemon, bus, peer, media):
    """The common part of the peer_offers_* scenarios; returns the offer."""
    rtcd = RtcdPeerConnection(daemon, bus)
    ppc = peer.create_pc()
    try:
        if media:
            peer.add_track(ppc, "audio")
            peer.add_track(ppc, "video")
        peer.create_data_channel(ppc, "chat")
        peer.set_local_description(ppc, "offer")
        offer = peer.gathering_complete(ppc)["sdp"]

        rtcd.pc.SetRemoteDescription("offer", offer)
        check(rtcd.prop("SignalingState") == "have-remote-offer",
              "after SetRemoteDescription(offer): %s" % rtcd.prop("SignalingState"))
        answer = str(rtcd.pc.CreateAnswer(no_options()))
        check_answer_matches_offer(offer, answer, accept_media=True)
        rtcd.pc.SetLocalDescription("answer", answer)
        kind, answer = rtcd.local_description()
        check(kind == "answer", "LocalDescription type is %r" % kind)
        check_answer_matches_offer(offer, answer, accept_media=True)

        peer.set_remote_description(ppc, "answer", answer)
        check_stable(rtcd, peer, ppc)
        check(rtcd.description("RemoteDescription") == ("offer", offer),
              "RemoteDescription is not the offer given")
        return offer
    finally:
        rtcd.close()
        peer.call("close_pc", pc=ppc)


def peer_offers_datachannel(daemon, bus, peer):
    """rtcd accepts the peer's data-channel offer; the peer accepts rtcd's answer."""
    peer_offers(daemon, bus, peer, media=False)


def peer_offers_media_and_datachannel(daemon, bus, peer):
    """rtcd answers an audio+video+data offer taking the peer's media
    (recvonly: it has no track of its own) and the peer accepts that answer."""
    peer_offers(daemon, bus, peer, media=True)


SCENARIOS = [rtcd_offers_datachannel, peer_offers_datachannel, peer_offers_media_and_datachannel]


def known_issue(scenario, why):
    """`scenario`, marked as failing because of a known rtcd bug that is
    being fixed: reported as TAP TODO, so that neither its failure nor
    (a race may hide the bug) its success decides the test's result.
    Remove the mark with the fix."""
    def run(daemon, bus, peer):
        scenario(daemon, bus, peer)
    run.__name__ = scenario.__name__
    run.__doc__ = scenario.__doc__
    run.known_issue = why
    return run


def with_known_issues(scenarios, issues):
    """The scenarios, those named in `issues` (name -> why) marked."""
    return [known_issue(s, issues[s.__name__]) if s.__name__ in issues else s for s in scenarios]


# --- main ----------------------------------------------------------------------------------

def main(peer_module, make_peer, scenarios=None, extra=(), datachannel=(), media=(),
         make_media_peer=None):
    """Run `scenarios` (default SCENARIOS) plus `extra` ones against the peer
    that make_peer() starts, or with the argument "datachannel" the
    `datachannel` ones, or with "media" the `media` ones (rtcd with its
    fake camera and microphone, the peer from make_media_peer() if given):
    a test each, each with a time limit of its own.
    peer_module.available() says whether it is installed."""
    group = sys.argv[1:]
    if group not in ([], ["datachannel"], ["media"]):
        sys.exit("usage: %s [datachannel | media]" % sys.argv[0])
    if getattr(peer_module, "INSTALLS_BEFORE_NETNS", False) and not netns.inside():
        # Its available() may download the peer (npm), which the namespace,
        # with no way out, cannot: first here, then again inside, where
        # it finds what it installed.
        why_not = peer_module.available()
        if why_not:
            print("1..0 # SKIP %s" % why_not)
            sys.exit(SKIP)
    netns.enter()
    why_not = peer_module.available()
    if why_not:
        print("1..0 # SKIP %s" % why_not)
        sys.exit(SKIP)

    import rtcdtest  # the lead's fixture: private dbus-daemon + rtcd

    daemon_args = ["--interface=" + netns.RTCD_INTERFACE]
    if group == ["datachannel"]:
        scenarios = list(datachannel)
    elif group == ["media"]:
        scenarios = list(media)
        daemon_args += ["--fake-media-devices", "--no-pipewire"]
        make_peer = make_media_peer or make_peer
    else:
        scenarios = list(scenarios or SCENARIOS) + list(extra)
    # By hand: RTCD_INTEROP_ONLY=ice_peer_offers runs the scenarios whose
    # names contain it.
    only = os.environ.get("RTCD_INTEROP_ONLY")
    if only:
        scenarios = [s for s in scenarios if only in s.__name__]
    failed = 0
    dump_log = False
    print("1..%d" % len(scenarios))
    # rtcd gathers on one end of the veth pair: real addresses, as the
    # peers want them (no --loopback-candidates, which some refuse).
    with rtcdtest.Daemon(extra_args=daemon_args) as daemon:
        bus = daemon.bus()
        with make_peer() as peer:
            for n, scenario in enumerate(scenarios, 1):
                name = "%s: %s" % (peer.name, scenario.__name__)
                issue = getattr(scenario, "known_issue", None)
                todo = " # TODO " + issue if issue else ""
                try:
                    scenario(daemon, bus, peer)
                except Skip as why:
                    print("ok %d - %s # SKIP %s" % (n, name, why))
                except Exception:
                    failed += not issue
                    print("not ok %d - %s%s" % (n, name, todo))
                    for line in traceback.format_exc().splitlines():
                        print("# " + line)
                    dump_log = True
                else:
                    print("ok %d - %s%s" % (n, name, todo))
                sys.stdout.flush()
        if dump_log:
            print("# rtcd's log:")
            for line in daemon.log().splitlines():
                print("#   " + line)
    sys.exit(1 if failed else 0)
