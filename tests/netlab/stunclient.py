# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small STUN/TURN client for checking the network lab (RFC 8489, RFC 8656).

Independent of rtcd's own STUN code on purpose: the lab's self-tests must not
depend on the code the lab is there to test. It speaks just enough to ask a
server for a mapped address and to relay datagrams through a TURN
allocation over UDP, TCP or TLS with long-term credentials:

    sock = lab.socket("a")                       # a UDP socket in host a
    mapped = binding(sock, ("203.0.113.10", 3478))

    with Allocation(lab.socket("a"), server, "udp", user, password) as alloc:
        alloc.create_permission(peer_ip)
        alloc.send(peer, b"hello")               # Send indication
        data, peer = alloc.receive()             # Data indication or ChannelData
"""
import hashlib
import hmac
import os
import socket
import struct
import zlib

MAGIC = 0x2112A442

BINDING = 0x001
ALLOCATE = 0x003
REFRESH = 0x004
SEND = 0x006
DATA = 0x007
CREATE_PERMISSION = 0x008
CHANNEL_BIND = 0x009

REQUEST, INDICATION, SUCCESS, ERROR = 0x000, 0x010, 0x100, 0x110

ATTR_USERNAME = 0x0006
ATTR_MESSAGE_INTEGRITY = 0x0008
ATTR_ERROR_CODE = 0x0009
ATTR_CHANNEL_NUMBER = 0x000C
ATTR_LIFETIME = 0x000D
ATTR_XOR_PEER_ADDRESS = 0x0012
ATTR_DATA = 0x0013
ATTR_REALM = 0x0014
ATTR_NONCE = 0x0015
ATTR_XOR_RELAYED_ADDRESS = 0x0016
ATTR_REQUESTED_TRANSPORT = 0x0019
ATTR_XOR_MAPPED_ADDRESS = 0x0020
ATTR_FINGERPRINT = 0x8028

UDP_TRANSPORT = 17


class StunError(Exception):
    """The server answered with an error response (code and reason)."""

    def __init__(self, code, reason):
        super().__init__("STUN error %d %s" % (code, reason))
        self.code = code


def _message_type(method, cls):
    # The method's 12 bits interleave with the two class bits (RFC 8489 §5).
    return ((method & 0xF80) << 2) | ((method & 0x070) << 1) | (method & 0x00F) | cls


def _split_type(msg_type):
    cls = msg_type & 0x0110
    method = (msg_type & 0x000F) | ((msg_type & 0x00E0) >> 1) | ((msg_type & 0x3E00) >> 2)
    return method, cls


def _pad(b):
    return b + b"\0" * (-len(b) % 4)


def _xor_address(addr):
    ip, port = addr
    packed = socket.inet_aton(ip)
    xip = bytes(a ^ b for a, b in zip(packed, struct.pack("!I", MAGIC)))
    return struct.pack("!BBH", 0, 1, port ^ (MAGIC >> 16)) + xip


def _parse_xor_address(value):
    if len(value) != 8 or value[1] != 1:
        raise ValueError("not an IPv4 XOR address")
    port = struct.unpack("!H", value[2:4])[0] ^ (MAGIC >> 16)
    ip = bytes(a ^ b for a, b in zip(value[4:8], struct.pack("!I", MAGIC)))
    return socket.inet_ntoa(ip), port


class Message:
    def __init__(self, method, cls, txid=None, attrs=None):
        self.method = method
        self.cls = cls
        self.txid = txid or os.urandom(12)
        self.attrs = list(attrs or [])

    def get(self, attr_type):
        for t, v in self.attrs:
            if t == attr_type:
                return v
        return None

    def encode(self, key=None):
        body = b"".join(struct.pack("!HH", t, len(v)) + _pad(v) for t, v in self.attrs)
        mtype = _message_type(self.method, self.cls)
        if key is not None:
            # The length covers MESSAGE-INTEGRITY itself (24 bytes) when hashing.
            head = struct.pack("!HHI", mtype, len(body) + 24, MAGIC) + self.txid
            mac = hmac.new(key, head + body, hashlib.sha1).digest()
            body += struct.pack("!HH", ATTR_MESSAGE_INTEGRITY, 20) + mac
        head = struct.pack("!HHI", mtype, len(body) + 8, MAGIC) + self.txid
        crc = (zlib.crc32(head + body) ^ 0x5354554E) & 0xFFFFFFFF
        return head + body + struct.pack("!HHI", ATTR_FINGERPRINT, 4, crc)

    @classmethod
    def decode(cls, data):
        if len(data) < 20:
            raise ValueError("short STUN message")
        mtype, length, magic = struct.unpack("!HHI", data[:8])
        if mtype & 0xC000 or magic != MAGIC or length % 4 or 20 + length != len(data):
            raise ValueError("not a STUN message")
        method, klass = _split_type(mtype)
        msg = cls(method, klass, data[8:20])
        pos = 20
        while pos < len(data):
            if pos + 4 > len(data):
                raise ValueError("truncated attribute header")
            t, n = struct.unpack("!HH", data[pos:pos + 4])
            if pos + 4 + n > len(data):
                raise ValueError("attribute overruns the message")
            msg.attrs.append((t, data[pos + 4:pos + 4 + n]))
            pos += 4 + n + (-n % 4)
        return msg

    def error(self):
        v = self.get(ATTR_ERROR_CODE)
        if v is None or len(v) < 4:
            return 0, ""
        return (v[2] & 7) * 100 + v[3], v[4:].decode("utf-8", "replace")


def binding(sock, server, timeout=1.0, tries=4):
    """Sends a Binding request from a UDP socket; returns the mapped (ip, port)."""
    req = Message(BINDING, REQUEST)
    sock.settimeout(timeout)
    for _ in range(tries):
        sock.sendto(req.encode(), server)
        try:
            while True:
                data, _ = sock.recvfrom(2048)
                try:
                    resp = Message.decode(data)
                except ValueError:
                    continue
                if resp.txid == req.txid and resp.cls == SUCCESS:
                    return _parse_xor_address(resp.get(ATTR_XOR_MAPPED_ADDRESS))
        except socket.timeout:
            continue
    raise TimeoutError("no Binding response from %s:%d" % server)


class _StreamFramer:
    """STUN and ChannelData frames on a TCP or TLS byte stream (RFC 8656 §11.5)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, frame):
        self.sock.sendall(_pad(frame))

    def recv(self):
        while True:
            frame = self._take()
            if frame is not None:
                return frame
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("TURN server closed the connection")
            self.buf += chunk

    def _take(self):
        if len(self.buf) < 4:
            return None
        first, length = struct.unpack("!HH", self.buf[:4])
        if 0x4000 <= first <= 0x7FFF:
            total = 4 + length + (-length % 4)   # ChannelData, padded on streams
            size = 4 + length
        else:
            total = size = 20 + length
        if len(self.buf) < total:
            return None
        frame, self.buf = self.buf[:size], self.buf[total:]
        return frame


class Allocation:
    """A TURN allocation over 'udp', 'tcp' or 'tls' (then pass an ssl context)."""

    def __init__(self, sock, server, transport, username, password, ssl_context=None,
                 server_hostname=None, timeout=2.0):
        self.server = server
        self.transport = transport
        self.username = username
        self.password = password
        self.timeout = timeout
        self.key = None
        self.realm = self.nonce = None
        self.channels = {}
        self.pending = []          # data that arrived while waiting for a response
        sock.settimeout(timeout)
        if transport == "udp":
            self.sock, self.stream = sock, None
        else:
            sock.connect(server)
            if transport == "tls":
                sock = ssl_context.wrap_socket(sock, server_hostname=server_hostname)
            self.sock, self.stream = sock, _StreamFramer(sock)
        self.relayed = self.mapped = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        try:
            if self.relayed:
                self._request(REFRESH, [(ATTR_LIFETIME, struct.pack("!I", 0))])
        except (OSError, StunError, TimeoutError, ValueError):
            pass     # the allocation times out on the server anyway
        finally:
            self.sock.close()

    # -- transport ---------------------------------------------------------
    def _send_frame(self, frame):
        if self.stream:
            self.stream.send(frame)
        else:
            self.sock.sendto(frame, self.server)

    def _recv_frame(self):
        if self.stream:
            return self.stream.recv()
        while True:
            data, source = self.sock.recvfrom(65536)
            if source == self.server:
                return data

    # -- requests ------------------------------------------------------------
    def _transaction(self, msg, key):
        frame = msg.encode(key)
        tries = 4 if self.stream is None else 1
        for _ in range(tries):
            self._send_frame(frame)
            try:
                while True:
                    data = self._recv_frame()
                    if data and 0x40 <= data[0] <= 0x7F:
                        self.pending.append(self._channel_data(data))
                        continue
                    resp = Message.decode(data)
                    if resp.txid == msg.txid and resp.cls in (SUCCESS, ERROR):
                        return resp
                    if resp.method == DATA and resp.cls == INDICATION:
                        self.pending.append(self._data_indication(resp))
            except socket.timeout:
                continue
        raise TimeoutError("no response from the TURN server")

    def _request(self, method, attrs):
        """A request with long-term credentials: learns realm and nonce from
        the first 401, and retries once on 438 (stale nonce)."""
        for _ in range(3):
            auth = []
            if self.key is not None:
                auth = [(ATTR_USERNAME, self.username.encode()),
                        (ATTR_REALM, self.realm), (ATTR_NONCE, self.nonce)]
            resp = self._transaction(Message(method, REQUEST, attrs=attrs + auth), self.key)
            if resp.cls == SUCCESS:
                return resp
            code, reason = resp.error()
            if code in (401, 438) and resp.get(ATTR_NONCE) is not None:
                first_try = self.key is None
                self.realm = resp.get(ATTR_REALM) or self.realm
                self.nonce = resp.get(ATTR_NONCE)
                self.key = hashlib.md5(b"%s:%s:%s" % (self.username.encode(), self.realm,
                                                      self.password.encode())).digest()
                if first_try or code == 438:
                    continue
            raise StunError(code, reason)
        raise StunError(401, "credentials rejected")

    def allocate(self, lifetime=600):
        resp = self._request(ALLOCATE, [
            (ATTR_REQUESTED_TRANSPORT, struct.pack("!B3x", UDP_TRANSPORT)),
            (ATTR_LIFETIME, struct.pack("!I", lifetime))])
        self.relayed = _parse_xor_address(resp.get(ATTR_XOR_RELAYED_ADDRESS))
        self.mapped = _parse_xor_address(resp.get(ATTR_XOR_MAPPED_ADDRESS))
        return self.relayed

    def create_permission(self, peer_ip):
        self._request(CREATE_PERMISSION, [(ATTR_XOR_PEER_ADDRESS, _xor_address((peer_ip, 0)))])

    def channel_bind(self, peer, channel=0x4000):
        self._request(CHANNEL_BIND, [(ATTR_CHANNEL_NUMBER, struct.pack("!H2x", channel)),
                                     (ATTR_XOR_PEER_ADDRESS, _xor_address(peer))])
        self.channels[peer] = channel
        self.channels[channel] = peer

    # -- data ------------------------------------------------------------------
    def send(self, peer, data):
        """ChannelData when a channel is bound to peer, else a Send indication."""
        channel = self.channels.get(peer)
        if channel is not None:
            self._send_frame(struct.pack("!HH", channel, len(data)) + data)
        else:
            self._send_frame(Message(SEND, INDICATION, attrs=[
                (ATTR_XOR_PEER_ADDRESS, _xor_address(peer)), (ATTR_DATA, data)]).encode())

    def receive(self):
        """The next relayed datagram as (data, peer address)."""
        if self.pending:
            return self.pending.pop(0)
        while True:
            data = self._recv_frame()
            if data and 0x40 <= data[0] <= 0x7F:
                return self._channel_data(data)
            try:
                msg = Message.decode(data)
            except ValueError:
                continue
            if msg.method == DATA and msg.cls == INDICATION:
                return self._data_indication(msg)

    def _channel_data(self, frame):
        channel, length = struct.unpack("!HH", frame[:4])
        if channel not in self.channels or 4 + length > len(frame):
            raise ValueError("ChannelData on unknown channel 0x%04x" % channel)
        return frame[4:4 + length], self.channels[channel]

    @staticmethod
    def _data_indication(msg):
        return msg.get(ATTR_DATA), _parse_xor_address(msg.get(ATTR_XOR_PEER_ADDRESS))
