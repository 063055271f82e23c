#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dc_aiortc: one side of an aiortc data-channel pair for the data-channel
benchmark, a process of its own. It speaks the same commands and events as
dc-pion/main.go (see there) in the framing of tests/interop/peers/
linepeer.py. aiortc gathers every candidate inside setLocalDescription, so
each description it returns is complete."""
import asyncio
import json
import logging
import os
import struct
import sys

from aiortc import RTCPeerConnection, RTCSessionDescription

SEQ = struct.Struct(">Q")
HIGH, LOW = 4 << 20, 1 << 20  # sender flow control, as in dc-pion


class Side:
    """A peer connection, its one channel, and what it has received."""

    def __init__(self, pid, pc, emit):
        self.id, self.pc, self.emit = pid, pc, emit
        self.dc = None
        self.low = asyncio.Event()
        self.want = self.size = self.got = self.bytes = self.bad = 0
        self.armed = False

    def watch(self, dc):
        self.dc = dc
        dc.bufferedAmountLowThreshold = LOW
        dc.on("bufferedamountlow", self.low.set)
        dc.on("open", lambda: self.emit({"event": "open", "pc": self.id}))
        dc.on("message", self.receive)
        if dc.readyState == "open":  # a remote channel arrives open
            self.emit({"event": "open", "pc": self.id})

    def receive(self, data):
        if isinstance(data, str) or len(data) != self.size or \
                SEQ.unpack_from(data)[0] != self.got:
            self.bad += 1
        self.got += 1
        self.bytes += len(data)
        if self.armed and self.got == self.want:
            self.armed = False
            self.emit({"event": "received", "pc": self.id, "count": self.got,
                       "bytes": self.bytes, "bad": self.bad})

    async def send(self, count, size):
        if self.dc is None or self.dc.readyState != "open" or size < SEQ.size:
            raise ValueError("no open channel, or size below 8")
        msg = bytearray(size)
        for seq in range(count):
            while self.dc.bufferedAmount > HIGH:
                self.low.clear()
                await self.low.wait()
            SEQ.pack_into(msg, 0, seq)
            self.dc.send(bytes(msg))


class Server:
    def __init__(self):
        self.sides = {}
        self.next = 0

    @staticmethod
    def emit(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def describe(self, pc, desc):
        await pc.setLocalDescription(desc)
        return {"sdp": pc.localDescription.sdp}

    async def handle(self, req):
        cmd = req["cmd"]
        if cmd == "create":
            self.next += 1
            side = Side(self.next, RTCPeerConnection(), self.emit)
            self.sides[side.id] = side
            if req.get("channel"):
                side.watch(side.pc.createDataChannel("bench"))
            side.pc.on("datachannel", side.watch)
            return {"pc": side.id}
        if cmd == "pid":
            return {"pid": os.getpid()}
        side = self.sides.get(req.get("pc"))
        if side is None:
            raise ValueError("no peer connection %r" % req.get("pc"))
        if cmd == "offer":
            return await self.describe(side.pc, await side.pc.createOffer())
        if cmd == "answer":
            await side.pc.setRemoteDescription(RTCSessionDescription(req["sdp"], "offer"))
            return await self.describe(side.pc, await side.pc.createAnswer())
        if cmd == "accept":
            await side.pc.setRemoteDescription(RTCSessionDescription(req["sdp"], "answer"))
            return None
        if cmd == "expect":
            side.want, side.size = req["count"], req["size"]
            side.got = side.bytes = side.bad = 0
            side.armed = True
            return None
        if cmd == "send":
            await side.send(req["count"], req["size"])
            return None
        if cmd == "close":
            del self.sides[side.id]
            await side.pc.close()
            return None
        raise ValueError("unknown command %r" % cmd)

    async def serve(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                break
            req = json.loads(line)
            if req.get("cmd") == "quit":
                self.emit({"id": req.get("id"), "ok": True})
                break
            try:
                self.emit({"id": req.get("id"), "ok": True, "result": await self.handle(req)})
            except Exception as e:  # noqa: BLE001 -- every failure is the reply
                self.emit({"id": req.get("id"), "ok": False, "error": "%s: %s" % (
                    type(e).__name__, e)})
        for side in list(self.sides.values()):
            await side.pc.close()


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    asyncio.run(Server().serve())
