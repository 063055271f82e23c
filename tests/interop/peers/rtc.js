// The command set of peer.py, implemented on the browser's own
// RTCPeerConnection.  chromium.py and firefox.py load this into a page;
// `rtcPeer.call(cmd, args)` runs one command and resolves to its result,
// `rtcPeer.takeEvents()` hands over the events queued since the last call.
"use strict";

window.rtcPeer = (() => {
  let nextId = 0;
  const pcs = new Map();
  const channels = new Map(); // id -> {dc, echo}
  let events = [];

  const emit = (name, fields) => events.push(Object.assign({ event: name }, fields));

  function pcOf(args) {
    const pc = pcs.get(args.pc);
    if (!pc) throw new Error(`no peer connection ${args.pc}`);
    return pc;
  }

  function channelOf(args) {
    const c = channels.get(args.dc);
    if (!c) throw new Error(`no data channel ${args.dc}`);
    return c;
  }

  const describe = (d) => (d ? { type: d.type, sdp: d.sdp } : null);

  function channelInfo(id) {
    const dc = channels.get(id).dc;
    return {
      dc: id, label: dc.label, protocol: dc.protocol, ordered: dc.ordered,
      negotiated: dc.negotiated, id: dc.id, ready_state: dc.readyState,
      max_retransmits: dc.maxRetransmits, max_packet_life_time: dc.maxPacketLifeTime,
    };
  }

  // In slices: spreading a 256 KiB message into one call's arguments
  // overflows the stack.
  function toBase64(buf) {
    const bytes = new Uint8Array(buf);
    let s = "";
    for (let i = 0; i < bytes.length; i += 8192) {
      s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    }
    return btoa(s);
  }
  const fromBase64 = (s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

  function watchChannel(pcId, dc, echo) {
    const id = ++nextId;
    const entry = { dc, echo };
    channels.set(id, entry);
    dc.binaryType = "arraybuffer";
    const ev = (name, fields) => emit(name, Object.assign({ pc: pcId, dc: id }, fields));
    dc.onopen = () => ev("dc_open", channelInfo(id));
    dc.onclose = () => ev("dc_close", {});
    dc.onerror = (e) => ev("dc_error", { error: String(e.error || e) });
    dc.onmessage = (m) => {
      if (typeof m.data === "string") ev("dc_message", { text: m.data });
      else ev("dc_message", { binary: toBase64(m.data) });
      if (entry.echo) dc.send(m.data);
    };
    return id;
  }

  function watchPc(id, pc, echo) {
    const ev = (name, fields) => emit(name, Object.assign({ pc: id }, fields));
    pc.onsignalingstatechange = () => ev("signaling_state", { state: pc.signalingState });
    pc.onicegatheringstatechange = () => ev("ice_gathering_state", { state: pc.iceGatheringState });
    pc.oniceconnectionstatechange = () => ev("ice_connection_state", { state: pc.iceConnectionState });
    pc.onconnectionstatechange = () => ev("connection_state", { state: pc.connectionState });
    pc.onnegotiationneeded = () => ev("negotiation_needed", {});
    pc.onicecandidate = (e) => {
      if (!e.candidate) return; // the empty candidate below says the same
      ev("ice_candidate", { candidate: e.candidate.candidate, sdp_mid: e.candidate.sdpMid,
                            sdp_mline_index: e.candidate.sdpMLineIndex });
    };
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") ev("ice_candidate", { candidate: "" });
    });
    pc.ondatachannel = (e) => {
      const dcId = watchChannel(id, e.channel, echo);
      ev("data_channel", channelInfo(dcId));
    };
    pc.ontrack = (e) => {
      playRemote(e.track);
      ev("track", { kind: e.track.kind, id: e.track.id,
                    stream_id: e.streams.length ? e.streams[0].id : "" });
    };
  }

  // A remote track plays in a muted element of the page, as an
  // application's would: what arrives is decoded and rendered.
  function playRemote(track) {
    const el = document.createElement(track.kind === "video" ? "video" : "audio");
    el.muted = true;
    el.autoplay = true;
    el.srcObject = new MediaStream([track]);
    (document.body || document.documentElement).appendChild(el);
    el.play().catch(() => {});
  }

  // A local track from the browser's fake capture device (Chromium's
  // --use-fake-device-for-media-stream, Firefox's media.navigator.streams.fake).
  async function deviceTrack(kind) {
    const constraints = kind === "video"
      ? { video: { width: 640, height: 480, frameRate: 30 } } : { audio: true };
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    return stream.getTracks()[0];
  }

  // A local track without a capture device: a tone or a moving canvas.
  function syntheticTrack(kind) {
    if (kind === "audio") {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      const dest = ctx.createMediaStreamDestination();
      osc.connect(dest);
      osc.start();
      return dest.stream.getAudioTracks()[0];
    }
    if (kind === "video") {
      const canvas = document.createElement("canvas");
      canvas.width = 320;
      canvas.height = 240;
      const g = canvas.getContext("2d");
      let frame = 0;
      setInterval(() => {
        g.fillStyle = `hsl(${(frame++ * 7) % 360}, 80%, 50%)`;
        g.fillRect(0, 0, canvas.width, canvas.height);
      }, 33);
      return canvas.captureStream(30).getVideoTracks()[0];
    }
    throw new Error(`kind: ${kind} is neither audio nor video`);
  }

  const commands = {
    create_pc(args) {
      const cfg = args.config || {};
      const conf = {
        iceServers: (cfg.ice_servers || []).map((s) => ({
          urls: s.urls, username: s.username, credential: s.credential })),
      };
      if (cfg.ice_transport_policy) conf.iceTransportPolicy = cfg.ice_transport_policy;
      if (cfg.bundle_policy) conf.bundlePolicy = cfg.bundle_policy;
      const pc = new RTCPeerConnection(conf);
      const id = ++nextId;
      pcs.set(id, pc);
      pc.rtcStreams = new MediaStream();
      watchPc(id, pc, !!cfg.echo);
      return { pc: id };
    },
    create_data_channel(args) {
      const init = {};
      for (const [ours, theirs] of [["ordered", "ordered"], ["max_retransmits", "maxRetransmits"],
        ["max_packet_life_time", "maxPacketLifeTime"], ["protocol", "protocol"],
        ["negotiated", "negotiated"], ["id", "id"]]) {
        if (args[ours] !== undefined && args[ours] !== null) init[theirs] = args[ours];
      }
      const dc = pcOf(args).createDataChannel(args.label, init);
      return channelInfo(watchChannel(args.pc, dc, false));
    },
    async add_track(args) {
      const pc = pcOf(args);
      const track = args.source === "device" ? await deviceTrack(args.kind)
        : syntheticTrack(args.kind);
      pc.rtcStreams.addTrack(track);
      pc.addTrack(track, pc.rtcStreams);
      return { kind: track.kind, label: track.label, settings: track.getSettings(),
               stream_id: pc.rtcStreams.id };
    },
    // The codecs this browser can receive and send, "mime fmtp" each.
    codecs(args) {
      const list = (caps) => (caps ? caps.codecs : []).map(
        (c) => `${c.mimeType} ${c.sdpFmtpLine || ""}`.trim());
      return { receive: list(RTCRtpReceiver.getCapabilities(args.kind)),
               send: list(RTCRtpSender.getCapabilities(args.kind)) };
    },
    // W3C setCodecPreferences on every transceiver of `kind`: the codecs
    // whose mimeType is args.mime_type first, then all the others.
    set_codec_preferences(args) {
      const pc = pcOf(args);
      const all = RTCRtpReceiver.getCapabilities(args.kind).codecs;
      const want = (c) => c.mimeType.toLowerCase() === args.mime_type.toLowerCase();
      const first = all.filter(want);
      if (!first.length) throw new Error(`${args.mime_type}: not a codec of this browser`);
      let n = 0;
      for (const t of pc.getTransceivers()) {
        if (t.receiver.track.kind !== args.kind || t.stopped) continue;
        t.setCodecPreferences(first.concat(all.filter((c) => !want(c))));
        n++;
      }
      if (!n) throw new Error(`no ${args.kind} transceiver`);
      return { transceivers: n };
    },
    add_transceiver(args) {
      const t = pcOf(args).addTransceiver(args.kind, { direction: args.direction || "sendrecv" });
      return { kind: t.receiver.track.kind, direction: t.direction };
    },
    async create_offer(args) {
      return describe(await pcOf(args).createOffer({ iceRestart: !!args.ice_restart }));
    },
    async create_answer(args) {
      return describe(await pcOf(args).createAnswer());
    },
    async set_local_description(args) {
      const pc = pcOf(args);
      if (args.sdp) await pc.setLocalDescription({ type: args.type, sdp: args.sdp });
      else if (args.type === "rollback") await pc.setLocalDescription({ type: "rollback" });
      else await pc.setLocalDescription(); // the implicit description
      return describe(pc.localDescription);
    },
    async set_remote_description(args) {
      await pcOf(args).setRemoteDescription({ type: args.type, sdp: args.sdp });
      return null;
    },
    async add_ice_candidate(args) {
      const init = { candidate: args.candidate };
      if (args.sdp_mid !== undefined) init.sdpMid = args.sdp_mid;
      if (args.sdp_mline_index !== undefined) init.sdpMLineIndex = args.sdp_mline_index;
      if (init.sdpMid === undefined && init.sdpMLineIndex === undefined) init.sdpMLineIndex = 0;
      await pcOf(args).addIceCandidate(init);
      return null;
    },
    local_description: (args) => describe(pcOf(args).localDescription),
    remote_description: (args) => describe(pcOf(args).remoteDescription),
    gathering_complete(args) {
      const pc = pcOf(args);
      if (!pc.localDescription) throw new Error("no local description: gathering has not started");
      const timeout = args.timeout_ms || 10000;
      return new Promise((resolve, reject) => {
        const done = () => {
          if (pc.iceGatheringState !== "complete") return;
          pc.removeEventListener("icegatheringstatechange", done);
          clearTimeout(timer);
          resolve(describe(pc.localDescription));
        };
        const timer = setTimeout(() => {
          pc.removeEventListener("icegatheringstatechange", done);
          reject(new Error(`gathering not complete after ${timeout} ms`));
        }, timeout);
        pc.addEventListener("icegatheringstatechange", done);
        done();
      });
    },
    state(args) {
      const pc = pcOf(args);
      return { signaling: pc.signalingState, ice_gathering: pc.iceGatheringState,
               ice_connection: pc.iceConnectionState, connection: pc.connectionState };
    },
    async get_stats(args) {
      const out = {};
      (await pcOf(args).getStats()).forEach((s) => { out[s.id] = s; });
      return out;
    },
    close_pc(args) { pcOf(args).close(); return null; },
    dc_state(args) {
      const { dc } = channelOf(args);
      const info = channelInfo(args.dc);
      info.buffered_amount = dc.bufferedAmount;
      return info;
    },
    send(args) {
      const { dc } = channelOf(args);
      if ((args.text === undefined) === (args.binary === undefined)) {
        throw new Error("send needs exactly one of text and binary");
      }
      dc.send(args.text !== undefined ? args.text : fromBase64(args.binary));
      return null;
    },
    echo(args) { channelOf(args).echo = !!args.enable; return null; },
    close_dc(args) { channelOf(args).dc.close(); return null; },
  };

  return {
    // Resolves to {ok, result} or {ok: false, error}: an exception must
    // reach the test as the peer's answer, not as a driver failure.
    async call(cmd, args) {
      const fn = commands[cmd];
      if (!fn) return { ok: false, error: `unknown command ${JSON.stringify(cmd)}` };
      try {
        const result = await fn(args || {});
        return { ok: true, result: result === undefined ? null : result };
      } catch (e) {
        return { ok: false, error: `${e.name}: ${e.message}` };
      }
    },
    takeEvents() {
      const out = events;
      events = [];
      return out;
    },
  };
})();
