"""ICE connectivity scenarios between rtcd and one third-party peer.

Each scenario negotiates a data channel (the one m-section every stack
offers without capture devices), then waits until ICE is "connected" (or
"completed") on BOTH sides at once: rtcd's IceConnectionState over D-Bus
and the peer's iceConnectionState through its driver.  Only ICE is
asserted here; DTLS, SCTP and the channels are datachannel.py's, which
builds on the Link below.

Two ways to get candidates across, as applications do:

- with trickle, each description goes out the moment it is set, its
  candidate lines removed, so that connectivity rests on the candidates
  trickled alone: rtcd's IceCandidate signals go to the peer's
  addIceCandidate and the peer's candidates to AddIceCandidate, each held
  back (as a signalling server would) until the receiver has a remote
  description.  aiortc never trickles (it gathers inside
  setLocalDescription), so its candidates are taken from its description
  and sent one by one, which is how an application trickles aiortc's;
- without trickle, each side waits for gathering to complete and sends its
  full description; no AddIceCandidate at all.
"""

import ipaddress
import time

import interop
from interop import check, no_options

CONNECTED = ("connected", "completed")
# Host candidates on one veth: checks succeed within a second or two.  The
# margin is for two cores shared with a browser.
CONNECT_TIMEOUT = 20.0
GATHERING_TIMEOUT = 10.0
# How long rtcd may take to replace a peer-reflexive remote candidate with
# the signalled one.  For mDNS names, RFC 6762 6 lets a responder multicast
# a record at most once a second, and Chromium announces its names as it
# gathers, so rtcd's first query, right after that, goes unanswered until
# its retry a second later.
SETTLE_TIMEOUT = 6.0


# --- SDP ---------------------------------------------------------------------------

def lines(sdp):
    return sdp.replace("\r\n", "\n").split("\n")


def without_candidates(sdp):
    """The description with its candidate and end-of-candidates lines
    removed: what a trickling peer sends before it has gathered."""
    kept = [l for l in lines(sdp) if not l.startswith(("a=candidate:", "a=end-of-candidates"))]
    return "\r\n".join(kept)


def candidates_in(sdp):
    """(candidate, sdp_mid, sdp_mline_index) of each a=candidate line."""
    out, index, mid = [], -1, ""
    for l in lines(sdp):
        if l.startswith("m="):
            index, mid = index + 1, ""
        elif l.startswith("a=mid:"):
            mid = l[len("a=mid:"):]
        elif l.startswith("a=candidate:") and index >= 0:
            out.append((l[len("a="):], mid, index))
    return out


def is_numeric(address):
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def abridged(event):
    """An event with long values (a data-channel message) cut short for a report."""
    return {k: v[:60] + "...(%d chars)" % len(v) if isinstance(v, str) and len(v) > 80 else v
            for k, v in event.items()}


# --- rtcd and the peer, linked -------------------------------------------------------

class Link:
    """One rtcd peer connection and one of the peer's, and the signalling
    channel between them.  Records what crossed it, for failure reports."""

    def __init__(self, daemon, bus, peer, trickle, pc_config=None):
        self.peer = peer
        self.trickle = trickle
        self.rtcd = interop.RtcdPeerConnection(daemon, bus)
        self.ppc = peer.create_pc(**(pc_config or {}))
        self.from_rtcd = []   # rtcd's candidates, in signal order
        self.from_peer = []   # the peer's
        self.sent_to_peer = 0
        self.sent_to_rtcd = 0
        self.peer_has_remote = False
        self.rtcd_has_remote = False
        self.sdp = {}         # what went across: "offer", "answer"
        self.peer_sdp = ""    # the peer's description as it was sent
        self.peer_events = []
        self.history = []     # (seconds, rtcd state, peer state) as polled
        self.rtcd_states = []  # every IceConnectionState rtcd announced
        self._matches = [
            bus.add_signal_receiver(self._on_candidate, signal_name="IceCandidate",
                                    dbus_interface=interop.PC_IFACE, path=self.rtcd.path),
            bus.add_signal_receiver(self._on_properties, signal_name="PropertiesChanged",
                                    dbus_interface="org.freedesktop.DBus.Properties",
                                    path=self.rtcd.path)]

    def _on_candidate(self, candidate, sdp_mid, sdp_mline_index):
        self.from_rtcd.append((str(candidate), str(sdp_mid), int(sdp_mline_index)))

    def _on_properties(self, interface, changed, invalidated):
        if "IceConnectionState" in changed:
            self.rtcd_states.append(str(changed["IceConnectionState"]))

    def close(self):
        for match in self._matches:
            match.remove()
        self.rtcd.close()
        try:
            self.peer.call("close_pc", pc=self.ppc)
        except Exception:  # noqa: BLE001 -- a dead peer has nothing left to close
            pass

    # --- descriptions ----------------------------------------------------------
    def rtcd_description(self):
        """rtcd's LocalDescription as this link sends it."""
        if self.trickle:
            return without_candidates(self.rtcd.description("LocalDescription")[1])
        deadline = time.monotonic() + GATHERING_TIMEOUT
        while self.rtcd.prop("IceGatheringState") != "complete":
            check(time.monotonic() < deadline, "rtcd: gathering not complete after %.0f s"
                  % GATHERING_TIMEOUT)
            time.sleep(0.02)
        sdp = self.rtcd.description("LocalDescription")[1]
        check("a=candidate:" in sdp, "rtcd's complete description has no candidate:\n" + sdp)
        return sdp

    def peer_description(self):
        """The peer's local description as this link sends it."""
        if self.trickle:
            sdp = self.peer.local_description(self.ppc)["sdp"]
            if not self.peer.trickles:
                # Its description is complete already: trickle what is in it.
                self.from_peer += candidates_in(sdp) + [("", "", -1)]
            return without_candidates(sdp)
        sdp = self.peer.gathering_complete(self.ppc, GATHERING_TIMEOUT)["sdp"]
        check("a=candidate:" in sdp, "%s's complete description has no candidate:\n%s"
              % (self.peer.name, sdp))
        return sdp

    def to_rtcd(self, kind, sdp):
        self.sdp[kind] = self.peer_sdp = sdp
        self.rtcd.pc.SetRemoteDescription(kind, sdp)
        self.rtcd_has_remote = True

    def to_peer(self, kind, sdp):
        self.sdp[kind] = sdp
        self.peer.set_remote_description(self.ppc, kind, sdp)
        self.peer_has_remote = True

    # --- candidates --------------------------------------------------------------
    def forward(self):
        """Deliver every candidate whose receiver is ready for it."""
        import rtcdtest  # only once in the namespace, as interop.main does
        rtcdtest.pump(timeout=0)  # the IceCandidate signals
        for ev in self.peer.events():
            if ev.get("pc") != self.ppc:
                continue  # left over from an earlier scenario's connection
            self.peer_events.append(ev)
            if ev.get("event") == "ice_candidate" and self.trickle:
                mid = ev.get("sdp_mid")
                index = ev.get("sdp_mline_index")
                self.from_peer.append((ev.get("candidate") or "", "" if mid is None else mid,
                                       -1 if index is None else index))
        if not self.trickle:
            return
        if self.peer_has_remote:
            while self.sent_to_peer < len(self.from_rtcd):
                cand, mid, index = self.from_rtcd[self.sent_to_peer]
                self.sent_to_peer += 1
                self.peer.add_ice_candidate(self.ppc, cand, mid, index)
        if self.rtcd_has_remote:
            while self.sent_to_rtcd < len(self.from_peer):
                cand, mid, index = self.from_peer[self.sent_to_rtcd]
                self.sent_to_rtcd += 1
                self.rtcd.pc.AddIceCandidate(cand, mid, index)

    def wait_connected(self):
        """Forward candidates until both sides are connected at once."""
        t0 = time.monotonic()
        while True:
            self.forward()
            states = (str(self.rtcd.prop("IceConnectionState")),
                      self.peer.state(self.ppc)["ice_connection"])
            if not self.history or self.history[-1][1:] != states:
                self.history.append((round(time.monotonic() - t0, 2),) + states)
            # W3C: "failed" is final until an ICE restart, however short
            # it was; the signals show it even when polling missed it.
            if "failed" in self.rtcd_states:
                raise interop.Failure("rtcd's IceConnectionState went through %r\n%s"
                                      % (self.rtcd_states, self.report()))
            if states[0] in CONNECTED and states[1] in CONNECTED:
                return
            elapsed = time.monotonic() - t0
            if elapsed > CONNECT_TIMEOUT or "failed" in states:
                raise interop.Failure("ICE not connected on both sides after %.1f s\n%s"
                                      % (elapsed, self.report()))
            time.sleep(0.02)

    # --- after connecting ---------------------------------------------------------
    def selected_pair(self):
        """rtcd's selected candidate pair and its two candidates, from GetStats."""
        stats = self.rtcd.pc.GetStats()
        transports = [v for v in stats.values() if v["type"] == "transport"]
        check(len(transports) == 1, "rtcd's stats have %d transports:\n%r" % (len(transports), stats))
        pair_id = transports[0].get("selectedCandidatePairId")
        check(pair_id in stats, "rtcd's transport has no selected pair:\n%r" % stats)
        pair = stats[pair_id]
        return pair, stats[pair["localCandidateId"]], stats[pair["remoteCandidateId"]]

    def report(self):
        out = ["states (s, rtcd, %s): %r" % (self.peer.name, self.history),
               "rtcd's IceConnectionState signals: %r" % self.rtcd_states,
               "trickle: %s" % self.trickle,
               "rtcd's candidates (%d sent): %r" % (self.sent_to_peer, self.from_rtcd),
               "%s's candidates (%d sent): %r" % (self.peer.name, self.sent_to_rtcd, self.from_peer),
               "%s's events: %r" % (self.peer.name, [abridged(ev) for ev in self.peer_events[-30:]])]
        for kind, sdp in self.sdp.items():
            out.append("%s sent:\n  %s" % (kind, "\n  ".join(lines(sdp))))
        try:
            out.append("rtcd's stats: %r" % dict(self.rtcd.pc.GetStats()))
        except Exception as e:  # noqa: BLE001 -- a report must not hide the failure
            out.append("rtcd's stats: %s" % e)
        return "\n".join(out)


def rtcd_offers(link):
    """rtcd opens a channel "ice" and offers; returns the channel's path."""
    path = str(link.rtcd.pc.CreateDataChannel("ice", no_options()))
    link.rtcd.pc.SetLocalDescription("offer", "")
    link.to_peer("offer", link.rtcd_description())
    link.peer.set_local_description(link.ppc, "answer")
    link.to_rtcd("answer", link.peer_description())
    return path


def peer_offers(link):
    """The peer opens a channel "ice" and offers; returns the channel's
    number at the peer."""
    dc = link.peer.create_data_channel(link.ppc, "ice")["dc"]
    link.peer.set_local_description(link.ppc, "offer")
    link.to_rtcd("offer", link.peer_description())
    link.rtcd.pc.SetLocalDescription("answer", "")
    link.to_peer("answer", link.rtcd_description())
    return dc


def connect(daemon, bus, peer, offerer, trickle, check_remote=None, pc_config=None):
    """Negotiate with `offerer` (rtcd_offers or peer_offers), reach ICE
    connected on both sides, then check rtcd's selected pair with
    check_remote(link) (default: check_signalled_remote).  pc_config goes
    to the peer's create_pc."""
    link = Link(daemon, bus, peer, trickle, pc_config)
    try:
        offerer(link)
        link.wait_connected()
        pair, local, remote = link.selected_pair()
        check(int(pair.get("responsesReceived", 0)) > 0,
              "rtcd's selected pair has no STUN response: %r" % pair)
        print("# %s: connected after %.2f s; rtcd's pair %s %s:%s -> %s %s:%s" % (
            peer.name, link.history[-1][0], local.get("candidateType"), local.get("address"),
            local.get("port"), remote.get("candidateType"), remote.get("address"),
            remote.get("port")))
        (check_remote or check_signalled_remote)(link)
    finally:
        link.close()


def signalled_candidates(link):
    """(address, port) of each candidate the peer signalled, trickled or in
    its description."""
    out = []
    for cand, _, _ in link.from_peer + candidates_in(link.peer_sdp):
        fields = cand.split()
        if len(fields) > 5 and fields[5].isdigit():
            out.append((fields[4], int(fields[5])))
    return out


def wait_selected_remote(link, accept, what):
    """Keep forwarding candidates until accept(remote candidate stats of
    rtcd's selected pair) holds.  A check from the peer that comes before
    its candidate makes a peer-reflexive remote candidate; the signalled
    one must replace it when it comes."""
    t0 = time.monotonic()
    while True:
        link.forward()
        remote = link.selected_pair()[2]
        if accept(remote):
            return remote, time.monotonic() - t0
        if time.monotonic() - t0 > SETTLE_TIMEOUT:
            raise interop.Failure("after %.0f s, rtcd's selected pair leads to %s %s:%s, not %s\n%s"
                                  % (SETTLE_TIMEOUT, remote.get("candidateType"),
                                     remote.get("address"), remote.get("port"), what(),
                                     link.report()))
        time.sleep(0.1)


def check_signalled_remote(link):
    """rtcd's selected pair leads to a host candidate the peer signalled:
    its candidates crossed, by description or by AddIceCandidate."""
    wait_selected_remote(
        link, lambda r: r.get("candidateType") == "host" and
        (str(r.get("address")), int(r.get("port", 0))) in signalled_candidates(link),
        lambda: "one of %s's host candidates %r" % (link.peer.name, signalled_candidates(link)))


def check_resolved_mdns(link):
    """The peer's host candidates were .local names only, and rtcd's
    selected pair leads to one of them, resolved: a host candidate with a
    numeric address and the port of a .local candidate."""
    def resolved(r):
        ports = [p for a, p in signalled_candidates(link) if a.endswith(".local")]
        return (r.get("candidateType") == "host" and is_numeric(str(r.get("address"))) and
                int(r.get("port", 0)) in ports)
    remote, t = wait_selected_remote(
        link, resolved, lambda: "a host candidate with a numeric address resolved from one "
        "of the .local ones in %r" % signalled_candidates(link))
    signalled = signalled_candidates(link)
    check(not any(is_numeric(a) for a, _ in signalled),
          "%s sent numeric addresses too, so nothing needed resolving: %r"
          % (link.peer.name, signalled))
    print("# %s: .local resolved to %s after %.2f s more" % (link.peer.name, remote["address"], t))


def scenario(offerer, trickle):
    """A scenario (daemon, bus, peer) for one role and one way of trickling."""
    def run(daemon, bus, peer):
        connect(daemon, bus, peer, offerer, trickle)
    run.__name__ = "ice_%s_%s" % (offerer.__name__, "trickle" if trickle else "no_trickle")
    return run


SCENARIOS = [scenario(o, t) for o in (rtcd_offers, peer_offers) for t in (True, False)]


def mdns_scenario(offerer, trickle, make_peer, pc_config=None):
    """A scenario against a peer (from make_peer(), its connection made with
    pc_config) that hides its host addresses behind mDNS names: rtcd
    resolves them and connects."""
    def run(daemon, bus, _peer):
        with make_peer() as peer:
            peer.name += " (mDNS)"
            connect(daemon, bus, peer, offerer, trickle, check_remote=check_resolved_mdns,
                    pc_config=pc_config)
    run.__name__ = "ice_mdns_%s_%s" % (offerer.__name__, "trickle" if trickle else "no_trickle")
    return run


def mdns_scenarios(make_peer, pc_config=None):
    """mdns_scenario for both roles, with trickle and without."""
    return [mdns_scenario(o, t, make_peer, pc_config)
            for o in (rtcd_offers, peer_offers) for t in (True, False)]


# Known rtcd bugs these scenarios show, for interop.with_known_issues
# (none at the moment; an entry makes a scenario's result not count).
KNOWN_ISSUES = {}
