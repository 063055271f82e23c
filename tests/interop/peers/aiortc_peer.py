"""aiortc (Debian's python3-aiortc) as a peer.

Two halves in one module:
- run as `/usr/bin/python3 -m peers.aiortc_peer`, it is a peer process that
  speaks the JSON-lines protocol of peer.py on stdin/stdout (logs to stderr);
- imported, AiortcPeer starts such a process and drives it like any peer.

A separate process keeps aiortc's asyncio loop, its sockets and its
threads out of the test, and lets the test kill it whatever state it is in.
aiortc gathers every candidate inside setLocalDescription, so its local
description is always complete and it never trickles.
"""

import asyncio
import base64
import json
import logging
import os
import shutil
import subprocess
import sys

INTERPRETER = "/usr/bin/python3"  # Debian's, which has aiortc; PATH may hold another


def available():
    """Why aiortc cannot run here, or None if it can."""
    if not shutil.which(INTERPRETER):
        return INTERPRETER + " is missing"
    probe = subprocess.run([INTERPRETER, "-c", "import aiortc"], capture_output=True)
    if probe.returncode != 0:
        return "aiortc is not installed (python3-aiortc)"
    return None


if __name__ != "__main__":
    from .linepeer import LinePeer

    class AiortcPeer(LinePeer):
        trickles = False  # it gathers inside setLocalDescription
        # Message sizes need nothing here: aiortc 1.4 advertises
        # a=max-message-size:65536 (RTCSctpTransport.getCapabilities), which
        # rtcd honours, and sends whatever size it is given.

        def __init__(self, env=None):
            env = dict(env if env is not None else os.environ)
            package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            env["PYTHONPATH"] = package_parent
            super().__init__("aiortc", [INTERPRETER, "-m", "peers.aiortc_peer"], env=env)


# --- the peer process --------------------------------------------------------

class Server:
    def __init__(self, out):
        import aiortc
        self.aiortc = aiortc
        self.out = out
        self.next_id = 0
        self.pcs = {}
        self.channels = {}  # id -> [channel, echo]
        self.tracks = {}  # pc id -> local tracks
        self.counts = {}  # pc id -> counters of its remote tracks (consume)
        self.consumers = []

    def emit(self, obj):
        self.out.write(json.dumps(obj) + "\n")
        self.out.flush()

    def alloc(self):
        self.next_id += 1
        return self.next_id

    def pc(self, args):
        try:
            return self.pcs[args["pc"]]
        except KeyError:
            raise ValueError("no peer connection %r" % args.get("pc"))

    def channel(self, args):
        try:
            return self.channels[args["dc"]]
        except KeyError:
            raise ValueError("no data channel %r" % args.get("dc"))

    @staticmethod
    def describe(desc):
        return None if desc is None else {"type": desc.type, "sdp": desc.sdp}

    def channel_info(self, cid):
        dc = self.channels[cid][0]
        return {"dc": cid, "label": dc.label, "protocol": dc.protocol, "ordered": dc.ordered,
                "negotiated": dc.negotiated, "id": dc.id, "ready_state": dc.readyState,
                "max_retransmits": dc.maxRetransmits,
                "max_packet_life_time": dc.maxPacketLifeTime}

    def watch_channel(self, pid, dc):
        cid = self.alloc()
        entry = [dc, False]
        self.channels[cid] = entry

        def ev(name, **fields):
            self.emit(dict(fields, event=name, pc=pid, dc=cid))

        @dc.on("open")
        def on_open():
            ev("dc_open", **self.channel_info(cid))

        @dc.on("close")
        def on_close():
            ev("dc_close")

        @dc.on("message")
        def on_message(msg):
            if isinstance(msg, str):
                ev("dc_message", text=msg)
            else:
                ev("dc_message", binary=base64.b64encode(msg).decode())
            if entry[1]:
                dc.send(msg)
        return cid

    def watch_pc(self, pid, pc, echo):
        def ev(name, **fields):
            self.emit(dict(fields, event=name, pc=pid))

        @pc.on("signalingstatechange")
        def on_signaling():
            ev("signaling_state", state=pc.signalingState)

        @pc.on("icegatheringstatechange")
        def on_gathering():
            ev("ice_gathering_state", state=pc.iceGatheringState)

        @pc.on("iceconnectionstatechange")
        def on_ice():
            ev("ice_connection_state", state=pc.iceConnectionState)

        @pc.on("connectionstatechange")
        def on_connection():
            ev("connection_state", state=pc.connectionState)

        @pc.on("datachannel")
        def on_datachannel(dc):
            cid = self.watch_channel(pid, dc)
            self.channels[cid][1] = echo
            ev("data_channel", **self.channel_info(cid))

        @pc.on("track")
        def on_track(track):
            ev("track", kind=track.kind, id=track.id)
            self.counts[pid].append(self.consume(track))

    def consume(self, track):
        """Receive (and so decode) every frame of a remote track, counting
        them: what media_counts reports.  Returns the counters."""
        counts = {"kind": track.kind, "id": track.id, "frames": 0, "width": 0, "height": 0,
                  "samples": 0, "first": None, "last": None}

        async def run():
            loop = asyncio.get_running_loop()
            while True:
                try:
                    frame = await track.recv()
                except Exception:  # MediaStreamError: the track ended
                    return
                counts["frames"] += 1
                counts["last"] = loop.time()
                if counts["first"] is None:
                    counts["first"] = counts["last"]
                if track.kind == "video":
                    counts["width"], counts["height"] = frame.width, frame.height
                else:
                    counts["samples"] += frame.samples
        self.consumers.append(asyncio.ensure_future(run()))
        return counts

    # Each cmd_* takes the request's arguments and returns the result.

    async def cmd_create_pc(self, args):
        cfg = args.get("config") or {}
        servers = [self.aiortc.RTCIceServer(urls=s["urls"], username=s.get("username"),
                                            credential=s.get("credential"))
                   for s in cfg.get("ice_servers", [])]
        pc = self.aiortc.RTCPeerConnection(self.aiortc.RTCConfiguration(iceServers=servers))
        pid = self.alloc()
        self.pcs[pid] = pc
        self.tracks[pid] = []
        self.counts[pid] = []
        self.watch_pc(pid, pc, bool(cfg.get("echo")))
        return {"pc": pid}

    async def cmd_create_data_channel(self, args):
        pc = self.pc(args)
        dc = pc.createDataChannel(args["label"], maxPacketLifeTime=args.get("max_packet_life_time"),
                                  maxRetransmits=args.get("max_retransmits"),
                                  ordered=args.get("ordered", True),
                                  protocol=args.get("protocol", ""),
                                  negotiated=args.get("negotiated", False), id=args.get("id"))
        return self.channel_info(self.watch_channel(args["pc"], dc))

    async def cmd_add_track(self, args):
        from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
        tracks = {"audio": AudioStreamTrack, "video": VideoStreamTrack}
        if args.get("kind") not in tracks:
            raise ValueError("kind: %r is neither audio nor video" % args.get("kind"))
        track = tracks[args["kind"]]()
        self.pc(args).addTrack(track)
        self.tracks[args["pc"]].append(track)
        return {"track": len(self.tracks[args["pc"]]) - 1, "kind": track.kind}

    async def cmd_media_counts(self, args):
        """Frames received and decoded per remote track, with the last
        video frame's size; first/last: seconds on the loop's clock."""
        self.pc(args)
        return self.counts[args["pc"]]

    async def cmd_codecs(self, args):
        from aiortc import RTCRtpReceiver, RTCRtpSender

        def names(caps):
            return [("%s %s" % (c.mimeType, ";".join("%s=%s" % kv for kv in c.parameters.items())))
                    .strip() for c in caps.codecs]
        return {"receive": names(RTCRtpReceiver.getCapabilities(args["kind"])),
                "send": names(RTCRtpSender.getCapabilities(args["kind"]))}

    async def cmd_set_codec_preferences(self, args):
        """The codecs whose mimeType is mime_type first on every transceiver
        of `kind`.  aiortc settles an answer's codecs in
        setRemoteDescription: call this on transceivers made before it."""
        from aiortc import RTCRtpSender
        caps = RTCRtpSender.getCapabilities(args["kind"]).codecs
        first = [c for c in caps if c.mimeType.lower() == args["mime_type"].lower()]
        if not first:
            raise ValueError("%s: not a codec of aiortc" % args["mime_type"])
        n = 0
        for t in self.pc(args).getTransceivers():
            if t.kind == args["kind"]:
                t.setCodecPreferences(first + [c for c in caps if c not in first])
                n += 1
        if not n:
            raise ValueError("no %s transceiver" % args["kind"])
        return {"transceivers": n}

    async def cmd_add_transceiver(self, args):
        t = self.pc(args).addTransceiver(args["kind"], direction=args.get("direction", "sendrecv"))
        return {"kind": t.kind, "direction": t.direction}

    async def cmd_create_offer(self, args):
        return self.describe(await self.pc(args).createOffer())

    async def cmd_create_answer(self, args):
        return self.describe(await self.pc(args).createAnswer())

    async def cmd_set_local_description(self, args):
        pc = self.pc(args)
        kind, sdp = args["type"], args.get("sdp", "")
        if sdp:
            desc = self.aiortc.RTCSessionDescription(sdp=sdp, type=kind)
        elif kind == "offer":
            desc = await pc.createOffer()
        elif kind == "answer":
            desc = await pc.createAnswer()
        else:
            raise ValueError("type %r needs an sdp" % kind)
        await pc.setLocalDescription(desc)
        return self.describe(pc.localDescription)

    async def cmd_set_remote_description(self, args):
        desc = self.aiortc.RTCSessionDescription(sdp=args["sdp"], type=args["type"])
        await self.pc(args).setRemoteDescription(desc)

    async def cmd_add_ice_candidate(self, args):
        from aiortc.sdp import candidate_from_sdp
        line = args.get("candidate", "")
        if not line:
            return None  # end of candidates: aiortc has nothing to do with it
        if line.startswith("candidate:"):
            line = line[len("candidate:"):]
        cand = candidate_from_sdp(line)
        cand.sdpMid = args.get("sdp_mid")
        cand.sdpMLineIndex = args.get("sdp_mline_index")
        await self.pc(args).addIceCandidate(cand)

    async def cmd_local_description(self, args):
        return self.describe(self.pc(args).localDescription)

    async def cmd_remote_description(self, args):
        return self.describe(self.pc(args).remoteDescription)

    async def cmd_gathering_complete(self, args):
        pc = self.pc(args)
        if pc.localDescription is None:
            raise ValueError("no local description: gathering has not started")
        return self.describe(pc.localDescription)

    async def cmd_state(self, args):
        pc = self.pc(args)
        return {"signaling": pc.signalingState, "ice_gathering": pc.iceGatheringState,
                "ice_connection": pc.iceConnectionState, "connection": pc.connectionState}

    async def cmd_get_stats(self, args):
        report = await self.pc(args).getStats()
        return {k: {f: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v))
                    for f, v in vars(s).items()} for k, s in report.items()}

    async def cmd_close_pc(self, args):
        await self.pc(args).close()

    async def cmd_dc_state(self, args):
        self.channel(args)
        return self.channel_info(args["dc"])

    async def cmd_send(self, args):
        dc = self.channel(args)[0]
        if ("text" in args) == ("binary" in args):
            raise ValueError("send needs exactly one of text and binary")
        dc.send(args["text"] if "text" in args else base64.b64decode(args["binary"]))

    async def cmd_echo(self, args):
        self.channel(args)[1] = bool(args.get("enable"))

    async def cmd_close_dc(self, args):
        self.channel(args)[0].close()

    async def handle(self, line):
        try:
            req = json.loads(line)
        except ValueError as e:
            self.emit({"id": 0, "ok": False, "error": "request is not JSON: %s" % e})
            return
        rid, cmd, args = req.get("id", 0), req.get("cmd", ""), req.get("args") or {}
        fn = getattr(self, "cmd_" + cmd, None)
        if fn is None:
            self.emit({"id": rid, "ok": False, "error": "unknown command %r" % cmd})
            return
        try:
            result = await fn(args)
        except Exception as e:  # every failure is the test's to see, not ours to die of
            self.emit({"id": rid, "ok": False, "error": "%s: %s" % (type(e).__name__, e)})
            return
        self.emit({"id": rid, "ok": True, "result": result})

    async def close(self):
        for pc in self.pcs.values():
            await pc.close()
        for task in self.consumers:
            task.cancel()


async def serve():
    loop = asyncio.get_running_loop()
    server = Server(sys.stdout)
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        if not line.strip():
            continue
        if json.loads(line).get("cmd") == "quit":
            server.emit({"id": json.loads(line).get("id", 0), "ok": True})
            break
        # Commands run one after the other, in the order they came: the
        # test waits for each reply anyway, and order matters for SDP.
        await server.handle(line)
    await server.close()


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("AIORTC_PEER_LOG", "WARNING"))
    asyncio.run(serve())
