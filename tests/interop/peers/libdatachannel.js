// libdatachannel (through the npm package node-datachannel, which ships it
// built) as a peer of rtcd's interop tests, speaking the JSON-lines protocol
// of peer.py and linepeer.py:
//
//   stdin:  {"id": 7, "cmd": "set_local_description", "args": {"pc": 1, ...}}
//   stdout: {"id": 7, "ok": true, "result": ...} or {"id": 7, "ok": false, "error": "..."}
//           and events at any time: {"event": "ice_candidate", "pc": 1, ...}
//   stderr: libdatachannel's log and ours.
//
// libdatachannel.py starts this with NODE_PATH pointing at the
// node_modules that holds node-datachannel.  It is node-datachannel's own
// API (PeerConnection, DataChannel, ...), not its W3C polyfill: what
// libdatachannel does, not what a JavaScript layer on it makes of it.
//
// What that API cannot do, and what this driver does instead:
// - no createOffer/createAnswer: a description is made only by
//   setLocalDescription(type), so create_offer and create_answer fail and
//   set_local_description takes only the implicit description (no sdp);
// - a DataChannel has no ordered/maxRetransmits/maxPacketLifeTime getters:
//   a channel created here reports the init it was made with, one the
//   remote opened reports null for the three (unknown, not "unset");
// - no negotiationneeded event: auto-negotiation is off
//   (disableAutoNegotiation), descriptions are made when the test asks;
// - a local candidate comes as an SDP attribute ("a=candidate:..."), sent
//   on without "a=" as W3C's candidate string; the end of candidates is
//   the gathering state "complete" (libdatachannel says "in-progress" for
//   W3C's "gathering").
"use strict";

const readline = require("readline");
const ndc = require("node-datachannel");

const write = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const log = (msg) => process.stderr.write(`libdatachannel-peer: ${msg}\n`);

// libdatachannel logs through this callback (to stderr: stdout carries
// the protocol).  RTCD_LDC_LOG=Debug (or Verbose, Info, ...) says more.
ndc.initLogger(process.env.RTCD_LDC_LOG || "Warning", (level, message) => {
  process.stderr.write(`libdatachannel ${level}: ${message}\n`);
});

let nextId = 0;
const pcs = new Map(); // id -> peer entry
const channels = new Map(); // id -> channel entry

function emit(name, fields) {
  write(Object.assign({ event: name }, fields));
}

function pcOf(args) {
  const p = pcs.get(args.pc);
  if (!p) throw new Error(`no peer connection ${args.pc}`);
  return p;
}

function channelOf(args) {
  const c = channels.get(args.dc);
  if (!c) throw new Error(`no data channel ${args.dc}`);
  return c;
}

// A native call on an object whose peer connection is gone throws
// ("called on destroyed channel"): answer `fallback` instead.
function safe(fn, fallback) {
  try {
    return fn();
  } catch (e) {
    return fallback;
  }
}

function describe(d) {
  return d ? { type: d.type, sdp: d.sdp } : null;
}

// The mids of a description's m-sections, in order: sdp_mline_index for
// a candidate that came with a mid, and the reverse.
function mids(sdp) {
  const out = [];
  for (const line of (sdp || "").split(/\r?\n/)) {
    if (line.startsWith("m=")) out.push(null);
    else if (line.startsWith("a=mid:") && out.length) out[out.length - 1] = line.slice(6).trim();
  }
  return out;
}

function candidateLines(sdp) {
  const out = [];
  let mid = null;
  for (const line of (sdp || "").split(/\r?\n/)) {
    if (line.startsWith("m=")) mid = null;
    else if (line.startsWith("a=mid:")) mid = line.slice(6).trim();
    else if (line.startsWith("a=candidate:")) out.push([line, mid]);
  }
  return out;
}

const GATHERING = { new: "new", "in-progress": "gathering", complete: "complete" };

// --- channels --------------------------------------------------------------

// init: the reliability the channel was created with, or null when the
// remote opened it (node-datachannel does not tell what DCEP said).
function watchChannel(p, dc, init, echo) {
  const id = ++nextId;
  const c = {
    id, pc: p.id, dc, echo,
    label: dc.getLabel(), protocol: dc.getProtocol(),
    negotiated: init ? !!init.negotiated : false,
    ordered: init ? init.ordered !== false : null,
    maxRetransmits: init ? (init.max_retransmits ?? null) : null,
    maxPacketLifeTime: init ? (init.max_packet_life_time ?? null) : null,
    closeRequested: false, closed: false, openSent: false,
  };
  channels.set(id, c);
  p.channels.add(c);
  const ev = (name, fields) => emit(name, Object.assign({ pc: p.id, dc: id }, fields));
  c.sendOpen = () => {
    if (c.openSent) return;
    c.openSent = true;
    ev("dc_open", channelInfo(c));
  };
  dc.onOpen(() => c.sendOpen());
  dc.onClosed(() => {
    if (c.closed) return;
    c.closed = true;
    ev("dc_close", {});
  });
  dc.onError((err) => ev("dc_error", { error: String(err) }));
  dc.onMessage((msg) => {
    // Text arrives as a string, binary as a Buffer.
    if (typeof msg === "string") ev("dc_message", { text: msg });
    else ev("dc_message", { binary: Buffer.from(msg).toString("base64") });
    if (!c.echo || c.closed) return;
    try {
      if (typeof msg === "string") dc.sendMessage(msg);
      else dc.sendMessageBinary(Buffer.from(msg));
    } catch (e) {
      ev("dc_error", { error: `echo: ${e.message}` });
    }
  });
  return c;
}

function readyState(c) {
  if (c.closed) return "closed";
  if (c.closeRequested) return "closing";
  return safe(() => c.dc.isOpen(), false) ? "open" : "connecting";
}

function channelInfo(c) {
  // libdatachannel answers 65535 for a stream id not chosen yet (before
  // the DTLS role is known); W3C says null.
  const sid = safe(() => c.dc.getId(), null);
  return {
    dc: c.id, label: c.label, protocol: c.protocol, ordered: c.ordered,
    negotiated: c.negotiated, id: sid === null || sid >= 65535 ? null : sid,
    ready_state: readyState(c), max_retransmits: c.maxRetransmits,
    max_packet_life_time: c.maxPacketLifeTime,
  };
}

// --- peer connections ----------------------------------------------------------

// W3C RTCIceServer entries ({urls, username, credential}) as
// node-datachannel's: "stun:host:port" strings, TURN as objects.
function iceServers(list) {
  const out = [];
  for (const s of list || []) {
    for (const url of [].concat(s.urls || [])) {
      const m = /^(stuns?|turns?):([^?]+?)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(url);
      if (!m) throw new Error(`ice server url ${JSON.stringify(url)} not understood`);
      const [, scheme, host, port, transport] = m;
      if (scheme.startsWith("stun")) {
        out.push(`${scheme}:${host}:${port || (scheme === "stuns" ? 5349 : 3478)}`);
        continue;
      }
      out.push({
        hostname: host, port: Number(port || (scheme === "turns" ? 5349 : 3478)),
        username: s.username || "", password: s.credential || "",
        relayType: scheme === "turns" ? "TurnTls" : transport === "tcp" ? "TurnTcp" : "TurnUdp",
      });
    }
  }
  return out;
}

function watchPc(p) {
  const pc = p.pc;
  const ev = (name, fields) => emit(name, Object.assign({ pc: p.id }, fields));
  const candidate = (line, mid) => {
    const cand = line.replace(/^a=/, "");
    if (p.candidatesSent.has(cand)) return;
    p.candidatesSent.add(cand);
    const index = mids(safe(() => pc.localDescription(), null)?.sdp).indexOf(mid);
    ev("ice_candidate", { candidate: cand, sdp_mid: mid, sdp_mline_index: index < 0 ? 0 : index });
  };
  pc.onLocalCandidate((cand, mid) => candidate(cand, mid));
  pc.onGatheringStateChange((state) => {
    ev("ice_gathering_state", { state: GATHERING[state] || state });
    if (state !== "complete") return;
    // Each callback has its own queue into JavaScript, so "complete" may
    // overtake the last candidates: those in the description go first,
    // then the end of candidates.
    const d = safe(() => pc.localDescription(), null);
    for (const [line, mid] of candidateLines(d && d.sdp)) candidate(line, mid);
    ev("ice_candidate", { candidate: "" });
  });
  pc.onSignalingStateChange((state) => ev("signaling_state", { state }));
  pc.onIceStateChange((state) => ev("ice_connection_state", { state }));
  pc.onStateChange((state) => ev("connection_state", { state }));
  pc.onDataChannel((dc) => {
    const c = watchChannel(p, dc, null, p.echo);
    ev("data_channel", channelInfo(c));
    // A channel the remote opened is open when it is announced: no onOpen.
    if (safe(() => dc.isOpen(), false)) c.sendOpen();
  });
  pc.onTrack((track) => ev("track", {
    kind: safe(() => track.type(), ""), id: safe(() => track.mid(), ""),
  }));
}

// A media section as an application makes one: Opus, or VP8 and H.264,
// with an SSRC and a stream, so an offer carries what a real one does.
function mediaDescription(p, kind, direction) {
  const count = p.tracks.filter((t) => t.kind === kind).length;
  const mid = count ? `${kind}-${count}` : kind;
  const ssrc = 1000 + p.tracks.length;
  let media;
  if (kind === "audio") {
    media = new ndc.Audio(mid, direction);
    media.addOpusCodec(111);
  } else if (kind === "video") {
    media = new ndc.Video(mid, direction);
    media.addVP8Codec(96);
    media.addH264Codec(102);
  } else {
    throw new Error(`kind: ${JSON.stringify(kind)} is neither audio nor video`);
  }
  if (direction !== "RecvOnly" && direction !== "Inactive") {
    media.addSSRC(ssrc, `${kind}-${ssrc}`, "libdatachannel-stream", `${kind}-track-${ssrc}`);
  }
  return media;
}

const DIRECTIONS = {
  sendrecv: "SendRecv", sendonly: "SendOnly", recvonly: "RecvOnly", inactive: "Inactive",
};

function addMedia(args, direction) {
  const p = pcOf(args);
  const dir = DIRECTIONS[direction];
  if (!dir) throw new Error(`direction: unknown value ${JSON.stringify(direction)}`);
  const track = p.pc.addTrack(mediaDescription(p, args.kind, dir));
  p.tracks.push({ kind: args.kind, track });
  return { track: p.tracks.length - 1, kind: args.kind, direction };
}

const commands = {
  create_pc(args) {
    const cfg = args.config || {};
    const conf = {
      iceServers: iceServers(cfg.ice_servers),
      // Descriptions only when the test sets them, as in W3C.
      disableAutoNegotiation: true,
    };
    if (cfg.ice_transport_policy) conf.iceTransportPolicy = cfg.ice_transport_policy;
    if (cfg.port_min) conf.portRangeBegin = cfg.port_min;
    if (cfg.port_max) conf.portRangeEnd = cfg.port_max;
    if (cfg.bind_address) conf.bindAddress = cfg.bind_address;
    if (cfg.max_message_size) conf.maxMessageSize = cfg.max_message_size;
    // bundle_policy: libdatachannel always bundles (max-bundle).
    const id = ++nextId;
    const p = {
      id, pc: new ndc.PeerConnection(`pc${id}`, conf), echo: !!cfg.echo,
      channels: new Set(), tracks: [], candidatesSent: new Set(), closed: false,
    };
    pcs.set(id, p);
    watchPc(p);
    return { pc: id };
  },
  create_data_channel(args) {
    const p = pcOf(args);
    const init = {};
    if (args.ordered === false) init.unordered = true;
    if (args.max_retransmits !== undefined && args.max_retransmits !== null) {
      init.maxRetransmits = args.max_retransmits;
    }
    if (args.max_packet_life_time !== undefined && args.max_packet_life_time !== null) {
      init.maxPacketLifeTime = args.max_packet_life_time;
    }
    if (args.protocol) init.protocol = args.protocol;
    if (args.negotiated) init.negotiated = true;
    if (args.id !== undefined && args.id !== null) init.id = args.id;
    const dc = p.pc.createDataChannel(args.label, init);
    const c = watchChannel(p, dc, args, false);
    // A negotiated channel may be open at once when SCTP is up already.
    if (safe(() => dc.isOpen(), false)) c.sendOpen();
    return channelInfo(c);
  },
  add_track: (args) => addMedia(args, "sendrecv"),
  add_transceiver: (args) => addMedia(args, args.direction || "sendrecv"),
  create_offer() {
    throw new Error("node-datachannel has no createOffer: set_local_description makes the offer");
  },
  create_answer() {
    throw new Error("node-datachannel has no createAnswer: set_local_description makes the answer");
  },
  set_local_description(args) {
    const p = pcOf(args);
    if (args.sdp) {
      throw new Error("node-datachannel sets only the implicit description (no sdp argument)");
    }
    p.pc.setLocalDescription(args.type);
    return describe(p.pc.localDescription());
  },
  set_remote_description(args) {
    pcOf(args).pc.setRemoteDescription(args.sdp, args.type);
    return null;
  },
  add_ice_candidate(args) {
    const p = pcOf(args);
    // W3C's end of candidates: libdatachannel's API has nothing for it.
    if (!args.candidate) return null;
    let mid = args.sdp_mid;
    if (mid === undefined || mid === null) {
      const remote = p.pc.remoteDescription();
      mid = mids(remote && remote.sdp)[args.sdp_mline_index || 0];
      if (mid === undefined || mid === null) {
        throw new Error(`no m-section ${args.sdp_mline_index} in the remote description`);
      }
    }
    p.pc.addRemoteCandidate(args.candidate, mid);
    return null;
  },
  local_description: (args) => describe(pcOf(args).pc.localDescription()),
  remote_description: (args) => describe(pcOf(args).pc.remoteDescription()),
  gathering_complete(args) {
    const p = pcOf(args);
    if (!p.pc.localDescription()) {
      throw new Error("no local description: gathering has not started");
    }
    const timeout = args.timeout_ms || 10000;
    const deadline = Date.now() + timeout;
    return new Promise((resolve, reject) => {
      const poll = () => {
        if (p.pc.gatheringState() === "complete") {
          resolve(describe(p.pc.localDescription()));
        } else if (Date.now() > deadline) {
          reject(new Error(`gathering not complete after ${timeout} ms`));
        } else {
          setTimeout(poll, 10);
        }
      };
      poll();
    });
  },
  state(args) {
    const p = pcOf(args);
    if (p.closed) {
      return { signaling: "closed", ice_gathering: "complete", ice_connection: "closed",
               connection: "closed" };
    }
    const pc = p.pc;
    return {
      signaling: pc.signalingState(),
      ice_gathering: GATHERING[pc.gatheringState()] || pc.gatheringState(),
      ice_connection: pc.iceState(),
      connection: pc.state(),
    };
  },
  get_stats(args) {
    const pc = pcOf(args).pc;
    return {
      bytes_sent: pc.bytesSent(), bytes_received: pc.bytesReceived(), rtt: pc.rtt(),
      selected_candidate_pair: pc.getSelectedCandidatePair(),
      max_message_size: pc.maxMessageSize(), max_data_channel_id: pc.maxDataChannelId(),
    };
  },
  close_pc(args) {
    const p = pcOf(args);
    if (!p.closed) {
      p.closed = true;
      p.pc.close();
    }
    return null;
  },
  dc_state(args) {
    const c = channelOf(args);
    const info = channelInfo(c);
    info.buffered_amount = safe(() => c.dc.bufferedAmount(), 0);
    return info;
  },
  send(args) {
    const c = channelOf(args);
    if ((args.text === undefined) === (args.binary === undefined)) {
      throw new Error("send needs exactly one of text and binary");
    }
    // false means "queued, not sent yet", not an error: errors throw.
    if (args.text !== undefined) c.dc.sendMessage(args.text);
    else c.dc.sendMessageBinary(Buffer.from(args.binary, "base64"));
    return null;
  },
  echo(args) {
    channelOf(args).echo = !!args.enable;
    return null;
  },
  close_dc(args) {
    const c = channelOf(args);
    if (!c.closed) {
      c.closeRequested = true;
      c.dc.close();
    }
    return null;
  },
};

let quitting = false;

function quit(code) {
  if (quitting) return;
  quitting = true;
  for (const p of pcs.values()) {
    if (!p.closed) {
      p.closed = true;
      safe(() => p.pc.close());
    }
  }
  // Let libdatachannel's threads finish what close() started before the
  // process goes; node-datachannel's cleanup() joins them.
  setTimeout(() => {
    safe(() => ndc.cleanup());
    process.exit(code);
  }, 100);
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  if (!line.trim()) return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    write({ id: 0, ok: false, error: `request is not JSON: ${e.message}` });
    return;
  }
  const id = req.id || 0;
  if (req.cmd === "quit") {
    write({ id, ok: true, result: null });
    quit(0);
    return;
  }
  const fn = commands[req.cmd];
  if (!fn) {
    write({ id, ok: false, error: `unknown command ${JSON.stringify(req.cmd)}` });
    return;
  }
  // Commands answer at once, in order, but for gathering_complete, which
  // waits without holding the others up (as Pion's does).
  const fail = (e) => write({ id, ok: false, error: `${e.name || "Error"}: ${e.message || e}` });
  let result;
  try {
    result = fn(req.args || {});
  } catch (e) {
    fail(e);
    return;
  }
  if (result instanceof Promise) {
    result.then((r) => write({ id, ok: true, result: r === undefined ? null : r }), fail);
  } else {
    write({ id, ok: true, result: result === undefined ? null : result });
  }
});
input.on("close", () => quit(0));
process.on("SIGTERM", () => quit(0));
process.on("uncaughtException", (e) => {
  log(`uncaught: ${e.stack || e}`);
});
log(`libdatachannel ${ndc.getLibraryVersion()}`);
