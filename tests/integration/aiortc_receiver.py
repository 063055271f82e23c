#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An aiortc peer that answers an offer and decodes the video it receives,
for test_media_send.py: the offer (with its candidates) comes on stdin,
the answer goes to stdout followed by a line "END", then one line
"decoded N WIDTHxHEIGHT" once N video frames were decoded (or the time ran
out). Candidates on 127.0.0.1 only: the test stays on loopback."""
import asyncio
import sys

import aioice.ice
from aiortc import RTCPeerConnection, RTCSessionDescription

# aioice leaves loopback out; the test needs nothing else.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []

WANT = int(sys.argv[1]) if len(sys.argv) > 1 else 10
TIMEOUT = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0


async def main():
    offer = sys.stdin.read()
    pc = RTCPeerConnection()
    decoded = {"n": 0, "size": "0x0"}
    done = asyncio.Event()

    async def consume(track):
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            decoded["n"] += 1
            decoded["size"] = "%dx%d" % (frame.width, frame.height)
            if decoded["n"] >= WANT:
                done.set()
                return

    @pc.on("track")
    def on_track(track):
        if track.kind == "video":
            asyncio.ensure_future(consume(track))
        else:
            # Audio is drained so that its jitter buffer does not grow.
            async def drain():
                while True:
                    try:
                        await track.recv()
                    except Exception:
                        return
            asyncio.ensure_future(drain())

    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    sys.stdout.write(pc.localDescription.sdp.rstrip("\r\n") + "\r\nEND\n")
    sys.stdout.flush()
    try:
        await asyncio.wait_for(done.wait(), TIMEOUT)
    except asyncio.TimeoutError:
        pass
    print("decoded %d %s" % (decoded["n"], decoded["size"]), flush=True)
    await pc.close()


asyncio.run(main())
