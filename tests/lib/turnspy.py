# SPDX-License-Identifier: LGPL-2.1-or-later
"""A UDP proxy in front of a TURN server that writes down, per client, the
order of the TURN messages it forwards (issue 10, item 7: the permission
must be installed before the first data to a peer leaves).

    with turnspy.Coturn() as turn, turnspy.TurnSpy(turn.address) as spy:
        url = "turn:127.0.0.1:%d?transport=udp" % spy.port   # give this to the peers
        ...
        assert not spy.permission_violations(), spy.dump()

Each client address gets an upstream socket of its own, so the server sees
one 5-tuple per client, as without the proxy. What the spy records, in
arrival order, is a list of Message per client; `kind` is one of

    Allocate, Refresh, CreatePermission, ChannelBind (requests, client to server)
    Allocate success / ... error, and so on (responses, server to client)
    Send indication, ChannelData (client to server: data to a peer)
    Data indication, ChannelData in (server to client: data from a peer)
    Binding, Binding success, ... (STUN on the same port) and "other"

with `peers`, the XOR-PEER-ADDRESS(es) as (ip, port) tuples; a response
carries its request's peers, ChannelData the peer its channel was bound to.
Standard library only; one thread does the forwarding.
"""
import os
import selectors
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

MAGIC = 0x2112A442
METHODS = {0x001: "Binding", 0x003: "Allocate", 0x004: "Refresh", 0x006: "Send",
           0x007: "Data", 0x008: "CreatePermission", 0x009: "ChannelBind"}
XOR_PEER_ADDRESS = 0x0012
CHANNEL_NUMBER = 0x000C
# Messages that install a permission for the peer's IP (RFC 8656 9, 12).
INSTALLS = ("CreatePermission success", "ChannelBind success")
# Data a client sends towards a peer through the relay.
TO_PEER = ("Send indication", "ChannelData")


class Message:
    """One forwarded datagram. index counts the client's messages both ways."""

    __slots__ = ("index", "time", "outbound", "kind", "peers", "tid", "channel")

    def __init__(self, index, when, outbound, kind, peers=(), tid=None, channel=None):
        self.index = index
        self.time = when
        self.outbound = outbound    # client to server
        self.kind = kind
        self.peers = tuple(peers)
        self.tid = tid
        self.channel = channel

    def __repr__(self):
        return "%3d %8.1f ms %s %s%s" % (
            self.index, self.time * 1000, "->" if self.outbound else "<-", self.kind,
            "".join(" %s:%d" % p for p in self.peers))


def _xor_address(value, tid):
    """(ip, port) from an XOR-*-ADDRESS value, or None."""
    if len(value) < 8:
        return None
    family = value[1]
    port = struct.unpack("!H", value[2:4])[0] ^ (MAGIC >> 16)
    if family == 1:
        raw = struct.unpack("!I", value[4:8])[0] ^ MAGIC
        return socket.inet_ntop(socket.AF_INET, struct.pack("!I", raw)), port
    if family == 2 and len(value) >= 20:
        mask = struct.pack("!I", MAGIC) + tid
        raw = bytes(a ^ b for a, b in zip(value[4:20], mask))
        return socket.inet_ntop(socket.AF_INET6, raw), port
    return None


def parse_stun(data):
    """(kind, tid, peers, channel) of a STUN message, or None when it is not one."""
    if len(data) < 20 or data[0] & 0xC0:
        return None
    mtype, length, cookie = struct.unpack("!HHI", data[:8])
    if cookie != MAGIC or 20 + length > len(data):
        return None
    method = (mtype & 0x000F) | ((mtype & 0x00E0) >> 1) | ((mtype & 0x3E00) >> 2)
    cls = ((mtype >> 4) & 1) | ((mtype >> 7) & 2)
    name = METHODS.get(method, "method 0x%03x" % method)
    kind = name + ("", " indication", " success", " error")[cls]
    tid = data[8:20]
    peers, channel = [], None
    pos = 20
    while pos + 4 <= 20 + length:
        atype, alen = struct.unpack("!HH", data[pos:pos + 4])
        value = data[pos + 4:pos + 4 + alen]
        if atype == XOR_PEER_ADDRESS:
            a = _xor_address(value, tid)
            if a:
                peers.append(a)
        elif atype == CHANNEL_NUMBER and alen >= 2:
            channel = struct.unpack("!H", value[:2])[0]
        pos += 4 + ((alen + 3) & ~3)
    return kind, tid, peers, channel


def _peer_matches(peers, peer):
    """peer is an IP (any port) or an (ip, port) tuple; None matches all."""
    if peer is None:
        return True
    if isinstance(peer, str):
        return any(p[0] == peer for p in peers)
    return tuple(peer) in peers


class TurnSpy:
    """Forwards UDP between TURN clients and `server` ((host, port)),
    listening on `listen`; records what passes (see the module's text)."""

    def __init__(self, server, listen=("127.0.0.1", 0)):
        self.server = server
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(listen)
        self.port = self.sock.getsockname()[1]
        self.address = self.sock.getsockname()
        self.lock = threading.Lock()
        self.log = {}          # client (ip, port) -> [Message]
        self._upstream = {}    # client -> socket towards the server
        self._pending = {}     # (client, tid) -> request peers
        self._channels = {}    # (client, channel) -> peer (from the ChannelBind request)
        self._start = time.monotonic()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.sock, selectors.EVENT_READ, None)
        self._stop_r, self._stop_w = socket.socketpair()
        self._selector.register(self._stop_r, selectors.EVENT_READ, "stop")
        self._thread = threading.Thread(target=self._run, name="turnspy", daemon=True)
        self._thread.start()

    # ---- forwarding -----------------------------------------------------
    def _run(self):
        while True:
            for key, _ in self._selector.select():
                if key.data == "stop":
                    return
                sock = key.fileobj
                try:
                    data, source = sock.recvfrom(65536)
                except OSError:
                    continue
                if key.data is None:
                    self._from_client(data, source)
                else:
                    self._from_server(key.data, data)

    def _from_client(self, data, client):
        up = self._upstream.get(client)
        if up is None:
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.bind((self.address[0], 0))
            up.connect(self.server)
            self._upstream[client] = up
            self._selector.register(up, selectors.EVENT_READ, client)
        self._record(client, data, True)
        try:
            up.send(data)
        except OSError:
            pass

    def _from_server(self, client, data):
        self._record(client, data, False)
        try:
            self.sock.sendto(data, client)
        except OSError:
            pass

    def _record(self, client, data, outbound):
        when = time.monotonic() - self._start
        with self.lock:
            log = self.log.setdefault(client, [])
            index = len(log)
            if len(data) >= 4 and 0x40 <= data[0] <= 0x7F:
                channel = struct.unpack("!H", data[:2])[0]
                peer = self._channels.get((client, channel))
                log.append(Message(index, when, outbound,
                                   "ChannelData" if outbound else "ChannelData in",
                                   [peer] if peer else [], channel=channel))
                return
            parsed = parse_stun(data)
            if parsed is None:
                log.append(Message(index, when, outbound, "other"))
                return
            kind, tid, peers, channel = parsed
            if kind.endswith(("success", "error")):
                # Responses carry no peer: take their request's.
                peers, channel = self._pending.get((client, tid), ([], None))
            elif not kind.endswith("indication"):
                self._pending[(client, tid)] = (peers, channel)
                if kind == "ChannelBind" and channel is not None and peers:
                    self._channels[(client, channel)] = peers[0]
            log.append(Message(index, when, outbound, kind, peers, tid, channel))

    # ---- what a test asks -------------------------------------------------
    def clients(self):
        with self.lock:
            return list(self.log)

    def messages(self, client=None):
        """The messages of one client (the only one when None)."""
        with self.lock:
            if client is None:
                if len(self.log) != 1:
                    raise ValueError("%d clients: name one" % len(self.log))
                client = next(iter(self.log))
            return list(self.log.get(client, []))

    def first_index(self, kind, peer=None, client=None):
        """Index of the client's first message of that kind (a string or a
        tuple of them) concerning peer (an IP, or (ip, port)), or None."""
        kinds = (kind,) if isinstance(kind, str) else tuple(kind)
        for m in self.messages(client):
            if m.kind in kinds and _peer_matches(m.peers, peer):
                return m.index
        return None

    def peers(self, client=None):
        """Every peer IP the client sent data to through the relay."""
        return sorted({p[0] for m in self.messages(client) if m.kind in TO_PEER
                       for p in m.peers})

    def permission_violations(self):
        """For every client and every peer IP it sent data to: the cases
        where a Send indication or ChannelData to that IP left before the
        server confirmed a permission for it (CreatePermission or
        ChannelBind success). An empty list when all is in order."""
        bad = []
        for client in self.clients():
            for ip in self.peers(client):
                sent = self.first_index(TO_PEER, ip, client)
                installed = self.first_index(INSTALLS, ip, client)
                if installed is None or installed > sent:
                    bad.append((client, ip, sent, installed))
        return bad

    def dump(self):
        """Everything recorded, readable (for assertion messages)."""
        lines = []
        for client in self.clients():
            lines.append("client %s:%d" % client)
            lines += ["  %r" % m for m in self.messages(client)]
        return "\n".join(lines)

    # ---- lifetime -------------------------------------------------------
    def close(self):
        if self._thread.is_alive():
            self._stop_w.send(b"x")
            self._thread.join(5)
        self._selector.close()
        for s in list(self._upstream.values()) + [self.sock, self._stop_r, self._stop_w]:
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Coturn:
    """coturn on 127.0.0.1, UDP only, user u / password p, realm r."""

    USER, PASSWORD = "u", "p"

    def __init__(self, host="127.0.0.1"):
        if not shutil.which("turnserver"):
            raise RuntimeError("coturn is not installed (turnserver)")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((host, 0))
            self.port = s.getsockname()[1]
        self.address = (host, self.port)
        self.tmp = tempfile.mkdtemp(prefix="turnspy-")
        self.proc = subprocess.Popen(
            ["turnserver", "-n", "--listening-ip=" + host, "--relay-ip=" + host,
             "--listening-port=%d" % self.port, "--lt-cred-mech",
             "--user=%s:%s" % (self.USER, self.PASSWORD), "--realm=r", "--fingerprint",
             "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls",
             "--min-port=49152", "--max-port=65535",
             "--log-file=" + os.path.join(self.tmp, "turn.log"),
             "--pidfile=" + os.path.join(self.tmp, "turn.pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # It listens once it answers a Binding request.
        deadline = time.monotonic() + 10
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.1)
            request = struct.pack("!HHI", 0x0001, 0, MAGIC) + os.urandom(12)
            while time.monotonic() < deadline:
                s.sendto(request, self.address)
                try:
                    s.recvfrom(2048)
                    return
                except OSError:
                    pass
        self.close()
        raise RuntimeError("turnserver did not start")

    def url(self, port=None):
        """The turn: URL for a peer, through a spy's port when given."""
        return "turn:%s:%d?transport=udp" % (self.address[0], port or self.port)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
