"""The command set every peer driver speaks, and helpers built on it.

A driver implements `call(cmd, **args)` (one request, one result, or
PeerError) and `_fetch_events()`; this module adds the typed helpers and
event waiting.  The commands, with their arguments and results:

  create_pc            config={ice_servers, ice_transport_policy,
                       bundle_policy, ...}               -> {"pc": n}
  create_data_channel  pc, label, ordered, max_retransmits,
                       max_packet_life_time, protocol, negotiated, id
                                                         -> channel info {"dc": n, ...}
  add_track            pc, kind ("audio" | "video"), source ("device":
                       the browser's getUserMedia)       -> {...}
  codecs               kind                              -> {"receive", "send"}: "mime fmtp"
  set_codec_preferences  pc, kind, mime_type (first)     (browsers, aiortc, Pion)
  media_counts         pc   -> aiortc: frames per remote track; Pion: RTP
                       per SSRC and payload type
  write_sample         pc, track, binary, duration_ms    (Pion: one media sample)
  add_transceiver      pc, kind, direction               -> {...}
  create_offer         pc, ice_restart                   -> {"type", "sdp"}
  create_answer        pc                                -> {"type", "sdp"}
  set_local_description  pc, type, sdp ("" = implicit)   -> {"type", "sdp"}
  set_remote_description pc, type, sdp
  add_ice_candidate    pc, candidate, sdp_mid, sdp_mline_index
  local_description / remote_description  pc            -> {"type", "sdp"} | None
  gathering_complete   pc, timeout_ms                    -> {"type", "sdp"} with candidates
  state                pc   -> {"signaling", "ice_gathering", "ice_connection", "connection"}
  get_stats            pc
  close_pc             pc
  dc_state             dc                                -> channel info
  send                 dc, text | binary (base64)
  echo                 dc, enable
  close_dc             dc

Events are dicts with "event" and "pc" (and "dc" for channels):
signaling_state, ice_gathering_state, ice_connection_state,
connection_state (each with "state"), ice_candidate (candidate, sdp_mid,
sdp_mline_index; "" = end), negotiation_needed, data_channel, dc_open,
dc_message (text | binary), dc_close, dc_error, track.
"""

import time


class PeerError(Exception):
    """The peer answered a command with an error."""


class Peer:
    name = "peer"
    # Whether the peer reports its candidates as ice_candidate events while
    # it gathers; one that does not has them all in its local description.
    trickles = True

    def __init__(self):
        self._events = []

    # --- for drivers -------------------------------------------------
    def call(self, cmd, **args):
        raise NotImplementedError

    def _fetch_events(self, timeout):
        """Append newly arrived events to self._events, waiting at most
        timeout seconds for the first one."""
        raise NotImplementedError

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- typed helpers -------------------------------------------------
    def create_pc(self, **config):
        return self.call("create_pc", config=config)["pc"]

    def create_data_channel(self, pc, label, **init):
        return self.call("create_data_channel", pc=pc, label=label, **init)

    def add_track(self, pc, kind):
        return self.call("add_track", pc=pc, kind=kind)

    def add_transceiver(self, pc, kind, direction="sendrecv"):
        return self.call("add_transceiver", pc=pc, kind=kind, direction=direction)

    def create_offer(self, pc, ice_restart=False):
        return self.call("create_offer", pc=pc, ice_restart=ice_restart)["sdp"]

    def create_answer(self, pc):
        return self.call("create_answer", pc=pc)["sdp"]

    def set_local_description(self, pc, type, sdp=""):
        return self.call("set_local_description", pc=pc, type=type, sdp=sdp)

    def set_remote_description(self, pc, type, sdp):
        self.call("set_remote_description", pc=pc, type=type, sdp=sdp)

    def add_ice_candidate(self, pc, candidate, sdp_mid=None, sdp_mline_index=None):
        args = {"pc": pc, "candidate": candidate}
        if sdp_mid is not None:
            args["sdp_mid"] = sdp_mid
        if sdp_mline_index is not None:
            args["sdp_mline_index"] = sdp_mline_index
        self.call("add_ice_candidate", **args)

    def local_description(self, pc):
        return self.call("local_description", pc=pc)

    def remote_description(self, pc):
        return self.call("remote_description", pc=pc)

    def gathering_complete(self, pc, timeout=10.0):
        """The local description once every candidate is in it."""
        return self.call("gathering_complete", pc=pc, timeout_ms=int(timeout * 1000))

    def state(self, pc):
        return self.call("state", pc=pc)

    def signaling_state(self, pc):
        return self.state(pc)["signaling"]

    def send_text(self, dc, text):
        self.call("send", dc=dc, text=text)

    # --- events ----------------------------------------------------------
    def wait_event(self, event, timeout=10.0, **match):
        """Remove and return the first event named `event` whose fields
        equal `match`; raise TimeoutError with what did arrive if none does."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self._events):
                if ev.get("event") == event and all(ev.get(k) == v for k, v in match.items()):
                    return self._events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("%s: no %s event matching %r within %.1f s; events: %r"
                                   % (self.name, event, match, timeout, self._events[-20:]))
            self._fetch_events(min(left, 0.2))

    def events(self):
        """Every event received so far and not yet consumed."""
        self._fetch_events(0)
        evs, self._events = self._events, []
        return evs
