#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seeds of fuzz_transport (tests/fuzz/corpus/transport).

Each seed is a scene byte and a script of ops, in the format
tests/fuzz/fuzz_transport.c describes. The DTLS flights of the "foreign"
seeds were recorded from a handshake between two other endpoints: valid
records, but not of this connection.

    python3 tests/fuzz/transport_seeds.py [corpus-dir]

FUZZ_TRANSPORT_TRACE=1 fuzz-replay-transport <seed> prints where a seed
left the victim (ICE, DTLS and SCTP states, what it dropped).
"""
import os
import struct
import sys

# ---- the scene -------------------------------------------------------------
OFFERS = 1          # the victim offers (DTLS server), else answers (client)
HANDSHAKE = 2       # the script starts before ICE and DTLS ran
LATE_ANSWER = 4     # the answer reaches the offerer 20 ms late
SETUP_CHANNEL = 8   # the peer opens a channel "setup" once SCTP is up
STRANGERS = 16      # strangers only; the victim must connect all the same

# ---- where a datagram comes from (the `from` byte) --------------------------
PEER, STRANGER, PEER_HOST_OTHER_PORT, STRANGER_V6 = 0, 1, 2, 3
SOCKET_2, SOCKET_RELAY = 2 << 2, 3 << 2      # sockets the victim does not have

# ---- STUN flags (op 8) ----------------------------------------------------------
REQUEST, INDICATION, SUCCESS, ERROR = 0, 1, 2, 3
LAST_TID, USERNAME, INTEGRITY, FINGERPRINT, ROLE_OR_MAPPED, USE_CANDIDATE = (
    4, 8, 0x10, 0x20, 0x40, 0x80)
CHECK = REQUEST | USERNAME | INTEGRITY | FINGERPRINT | ROLE_OR_MAPPED

# PPIDs of op 2, by index
DCEP, STRING, BINARY, STRING_EMPTY, BINARY_EMPTY = 0, 1, 2, 3, 4

FOREIGN_CLIENT_HELLO = bytes.fromhex(
    "16feff000000000000000000a3010000970000000000000097fefdaa09b81f4f846dbeae174ee4fbf517a64e1e5ee1f6"
    "5db2567e0fabc815656fa800000016c02bc02fc02cc030cca9cca8c009c013c00ac01400ff01000057000b0004030001"
    "02000a00080006001d00170018000e00090006000700010002000016000000170000000d002a00280403050306030807"
    "08080809080a080b080408050806040105010601030303010302040205020602")

FOREIGN_SERVER_FLIGHT = bytes.fromhex(
    "16fefd0000000000000000004e020000420000000000000042fefdd8dd48f9789280aa6bce9525c7d918ed7629f1f933"
    "1f5a15706bac78f36f1f4c00c02b00001aff01000100000b000403000102000e000500020007000017000016fefd0000"
    "00000000000101200b000114000100000000011400011100010e3082010a3081b2a00302010202087afc36976e2bdba7"
    "300a06082a8648ce3d040302300c310a300806035504030c0162301e170d3236313132333130323132395a170d323631"
    "3232343130323132395a300c310a300806035504030c01623059301306072a8648ce3d020106082a8648ce3d03010703"
    "42000418bb3bd8e2c83e729ec9b64e11783281f912cf72ff38d6d40c6cc53907d2d22c122e172cf57a01b268f9f6137d"
    "d6f42370144938ce45c4a3077f5e1b9e29c073300a06082a8648ce3d040302034700304402203e1c775749fca6ffc1a4"
    "03496fb47ca488c4afd6dec7f0e0ee6956981029d38d022079de5b10aaeaedd364039d7604c183f8119b034e52c401b5"
    "f39e8d4a006883ed16fefd0000000000000002007a0c00006e000200000000006e03001d204791285526ee84118d0aa9"
    "f973a6f695ec49037d1a5475d6bbe1b2755d71235a040300463044022013f6ce6c06cb4bcf93c34ea5cc035bac8be4a4"
    "c48685a2ac962aeccdde1ac8a902204c5ffbf0e2297f9e1708f3737990d12d194c306174684cea2133e6e5d5656f3416"
    "fefd0000000000000003003c0d0000300003000000000030030102400028040305030603080708080809080a080b0804"
    "08050806040105010601030303010302040205020602000016fefd0000000000000004000c0e00000000040000000000"
    "00")

FOREIGN_CLIENT_FLIGHT = bytes.fromhex(
    "16fefd000000000000000101210b000115000100000000011500011200010f3082010b3081b2a00302010202081d73ef"
    "81217be484300a06082a8648ce3d040302300c310a300806035504030c0161301e170d3236313132333130323132395a"
    "170d3236313232343130323132395a300c310a300806035504030c01613059301306072a8648ce3d020106082a8648ce"
    "3d03010703420004c3e2bd322ce49d8d13a489b0066567f808229d0c9438aa2643a60eb7780b37a384c3e4b2b79ba5a7"
    "80fd564ecf58fb5c577f0fbcaad293b9e96f305d3cc4ab7e300a06082a8648ce3d0403020348003045022100b04796d9"
    "50ab837d82f5aa597592a041a817c899264c6ffd0cd4ca388b504dd10220505480fdd3056e8e3b40655233b5d9b1c8de"
    "a9361c20eb04dafe0be096e2cfdf16fefd0000000000000002002d100000210002000000000021204d66927823e70a0f"
    "37bee8bea62bb30cf1a23e0fd5511760e7d9adcabe36d01116fefd000000000000000300580f00004c00030000000000"
    "4c040300483046022100b7ef11643364c2970b6e2bb8cd998e090d2b8719dc1eb4ecaa3d0b7233a7c8c8022100df77a6"
    "7cc5d6c4ac7518a36d511136c88f9daaefce0af0a137d2dc1906071c2b14fefd000000000000000400010116fefd0001"
    "0000000000000030c238a7fdd7744a7d404825e4bc4c57ea813c12f11d57f8ba8eb836f9e518bb9ce614c56e4a265fc3"
    "710262ab8f95a03e")

FOREIGN_SERVER_FINISHED = bytes.fromhex(
    "14fefd000000000000000500010116fefd00010000000000000030d1cb4218aabcdf71c852618b5a9abf032b51b1b5f0"
    "a61b8bb5cc2987c02efabc49bdda881c9ca512473168d6ffc3fee1")

# A fatal alert (handshake_failure) of epoch 0, and a ClientHello of garbage.
FATAL_ALERT = bytes([21, 0xfe, 0xfd] + [0] * 8 + [0, 2, 2, 40])
BOGUS_HELLO = (bytes([22, 0xfe, 0xfd] + [0] * 8 + [0, 28]) +
               bytes([1, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 16]) + bytes(range(0xa0, 0xaf)))


# ---- ops ----------------------------------------------------------------------
def chunk(data):
    return struct.pack(">H", len(data)) + data


def datagram(data, frm=PEER):
    return bytes([0, frm]) + chunk(data)


def sctp_packet(packet, flags=3):
    return bytes([1, flags]) + chunk(packet)


def peer_message(stream, ppid, data):
    return bytes([2, stream, ppid]) + chunk(data)


def victim_opens(stream, flags):
    return bytes([3, stream, flags])


def victim_sends(stream, length):
    return bytes([4, stream]) + struct.pack(">H", length)


def channel_call(arg):
    return bytes([5, arg])


def steps(n):
    return bytes([6, (n - 1) % 64])


def peer_goes(how):
    return bytes([7, how])


def stun(flags, attrs=b"", frm=PEER):
    return bytes([8, frm, flags]) + chunk(attrs)


def candidate(line):
    return bytes([9]) + chunk(line.encode())


def wait(tenths):
    return bytes([10, tenths])


def replay(idx, frm=PEER, off=0, xor=0):
    return bytes([11, frm, idx]) + struct.pack(">H", off) + bytes([xor])


def dcep_open(label, protocol=b"", channel_type=0, priority=256, param=0):
    return (struct.pack(">BBHIHH", 3, channel_type, priority, param, len(label),
                        len(protocol)) + label + protocol)


def sctp_data(payload, ppid=50, stream=0, ssn=0, tsn=0):
    """A packet with one DATA chunk (B and E set); header and TSN fixed by op 1."""
    data = struct.pack(">BBHIHHI", 0, 3, 16 + len(payload), tsn, stream, ssn, ppid) + payload
    data += bytes(-len(data) % 4)
    return bytes(12) + data


def attr(kind, value):
    return struct.pack(">HH", kind, len(value)) + value


SEEDS = {
    # Connected: both associations up before the script.
    "connected-answerer-nothing": (0, b""),
    "connected-offerer-nothing": (OFFERS, b""),
    "connected-peer-dcep-open-then-text":
        (0, peer_message(2, DCEP, dcep_open(b"chat", b"proto")) +
         peer_message(2, STRING, b"hello")),
    "connected-peer-dcep-open-twice-close-reopen":
        (0, peer_message(2, DCEP, dcep_open(b"first")) +
         peer_message(2, DCEP, dcep_open(b"second", channel_type=2, param=500)) +
         channel_call(0x82) + steps(8) + peer_message(2, DCEP, dcep_open(b"third", channel_type=0x81, param=1))),
    "connected-peer-dcep-open-unordered-rexmit":
        (OFFERS, peer_message(3, DCEP, dcep_open(b"u", channel_type=0x81, param=3)) +
         peer_message(3, BINARY, b"\x00")),
    "connected-peer-binary-and-empty":
        (0, peer_message(4, DCEP, dcep_open(b"")) + peer_message(4, BINARY, b"\x01\x02") +
         peer_message(4, BINARY_EMPTY, b"\x00") + peer_message(4, STRING_EMPTY, b"\x00") +
         peer_message(4, 5, b"partial") + peer_message(4, 7, b"no ppid")),
    "connected-sctp-data-dcep-open": (0, sctp_packet(sctp_data(dcep_open(b"raw")))),
    "connected-sctp-data-dcep-open-offerer":
        (OFFERS, sctp_packet(sctp_data(dcep_open(b"raw"), stream=3))),
    "connected-sctp-data-unfixed": (0, sctp_packet(sctp_data(b"no header fix", 51), 0)),
    "connected-victim-open-send-close":
        (0, victim_opens(1, 0x01) + victim_sends(1, 4096) + victim_sends(1, 1) +
         channel_call(0x41) + channel_call(0x61) + channel_call(0x01) + steps(10) + wait(5)),
    "connected-victim-negotiated-peer-closes":
        (OFFERS, victim_opens(1, 0x03) + victim_sends(1, 0x0101) + peer_goes(1) + wait(20)),
    "connected-peer-dtls-close": (0, peer_goes(0) + steps(4) + victim_opens(0, 0x80)),
    "connected-setup-channel-hold":
        (SETUP_CHANNEL, channel_call(0x20) + channel_call(0xa0) + peer_message(6, STRING, b"x") +
         channel_call(0x20) + steps(4)),
    "connected-replays":
        (0, replay(0) + replay(1, off=20, xor=0x40) + replay(2, STRANGER) +
         replay(3, PEER | SOCKET_2) + replay(4, STRANGER_V6, off=13, xor=1) + steps(4)),
    "connected-foreign-flights-from-peer":
        (OFFERS, datagram(FOREIGN_CLIENT_HELLO) + datagram(FOREIGN_CLIENT_FLIGHT) +
         datagram(FATAL_ALERT) + steps(4) + victim_opens(0, 0x80)),
    "connected-foreign-server-finished":
        (0, datagram(FOREIGN_SERVER_FINISHED) + datagram(FOREIGN_SERVER_FLIGHT) + steps(4)),
    "connected-stun-from-peer":
        (0, stun(CHECK | USE_CANDIDATE) + stun(REQUEST) + stun(INDICATION | FINGERPRINT) +
         stun(SUCCESS | LAST_TID | INTEGRITY | FINGERPRINT | ROLE_OR_MAPPED) +
         stun(ERROR | LAST_TID | INTEGRITY, attr(0x0009, b"\x00\x00\x04\x57role")) +
         stun(CHECK, attr(0x802a, bytes(8))) + steps(6)),
    # A stranger with the credentials is a new path: its checks make it a
    # peer-reflexive candidate, its answer to the victim's check validates it.
    "connected-stun-new-path":
        (OFFERS, stun(CHECK | USE_CANDIDATE, frm=STRANGER) +
         stun(SUCCESS | LAST_TID | INTEGRITY | FINGERPRINT | ROLE_OR_MAPPED, frm=STRANGER) +
         steps(20) + stun(SUCCESS | LAST_TID | INTEGRITY | FINGERPRINT | ROLE_OR_MAPPED,
                          frm=STRANGER) +
         datagram(FOREIGN_CLIENT_HELLO, STRANGER) + replay(0, STRANGER) + steps(10)),
    "connected-candidates":
        (0, candidate("candidate:1 1 udp 2122260223 10.0.0.66 7777 typ host") +
         candidate("candidate:2 1 udp 2122260223 abc.local 7777 typ host") +
         candidate("candidate:3 1 udp 2122260223 ab.local 7778 typ host") +
         candidate("candidate:4 1 udp 1686052607 fd00::66 7777 typ srflx raddr :: rport 0") +
         candidate("") + steps(30) +
         stun(SUCCESS | LAST_TID | INTEGRITY | FINGERPRINT | ROLE_OR_MAPPED, frm=STRANGER)),
    "connected-time-passes": (0, wait(255) + wait(255) + victim_sends(0, 3)),

    # Handshake: the script meets ICE checks and the DTLS handshake.
    "handshake-answerer-steps":
        (HANDSHAKE, steps(1) + steps(1) + steps(1) + steps(1) + steps(1) + steps(1) +
         steps(2) + steps(2) + steps(4) + steps(8) + steps(16)),
    "handshake-offerer-steps":
        (HANDSHAKE | OFFERS, steps(1) + steps(1) + steps(1) + steps(1) + steps(1) +
         steps(1) + steps(2) + steps(2) + steps(4) + steps(8) + steps(16)),
    "handshake-offerer-foreign-clienthello":
        (HANDSHAKE | OFFERS, steps(3) + datagram(FOREIGN_CLIENT_HELLO) + steps(3) +
         datagram(FOREIGN_CLIENT_HELLO) + datagram(FOREIGN_CLIENT_FLIGHT) + steps(20)),
    "handshake-answerer-foreign-server-flight":
        (HANDSHAKE, steps(4) + datagram(FOREIGN_SERVER_FLIGHT) + steps(2) +
         datagram(FOREIGN_SERVER_FLIGHT) + datagram(FOREIGN_SERVER_FINISHED) + steps(20)),
    "handshake-answerer-alert-from-peer-address":
        (HANDSHAKE, datagram(FATAL_ALERT) + steps(6) + datagram(FATAL_ALERT) + steps(20)),
    "handshake-late-answer-replays":
        (HANDSHAKE | OFFERS | LATE_ANSWER, steps(6) + replay(0) + replay(1) + steps(2) +
         replay(2) + replay(3, STRANGER, off=25, xor=0x80) + steps(30)),
    "handshake-stun-role-conflict":
        (HANDSHAKE | OFFERS, steps(2) + stun(CHECK, attr(0x802a, b"\xff" * 8)) +
         stun(CHECK | USE_CANDIDATE) + steps(4) +
         stun(ERROR | LAST_TID | INTEGRITY | FINGERPRINT, attr(0x0009, b"\x00\x00\x04\x57")) +
         steps(30)),
    # The peer goes after the victim's first check succeeded, before its
    # nomination got through: the nomination times out (a deadline left in
    # the past had the victim's owner spin).
    "handshake-peer-gone-before-nomination":
        (HANDSHAKE | OFFERS | LATE_ANSWER, steps(8) + peer_goes(1) + wait(255) + wait(255)),
    "handshake-garbage": (HANDSHAKE, datagram(b"\x80garbage") + datagram(b"\xff") +
                          datagram(b"") + datagram(b"\x00\x01\x00\x00") +
                          datagram(b"\x40\x00\x00\x04abcd") + steps(30)),

    # Strangers only: alerts and bogus ClientHellos at every moment of the
    # handshake (RFC 8445 11); the victim must connect all the same.
    "strangers-handshake-answerer":
        (STRANGERS | HANDSHAKE,
         (datagram(FATAL_ALERT, STRANGER) + datagram(BOGUS_HELLO, STRANGER) +
          datagram(FATAL_ALERT, PEER_HOST_OTHER_PORT) + datagram(FATAL_ALERT, STRANGER_V6) +
          datagram(FATAL_ALERT, PEER | SOCKET_2) + datagram(BOGUS_HELLO, PEER | SOCKET_RELAY) +
          steps(1)) * 12),
    "strangers-handshake-offerer":
        (STRANGERS | HANDSHAKE | OFFERS,
         (datagram(FATAL_ALERT, STRANGER) + datagram(FOREIGN_CLIENT_HELLO, STRANGER) +
          replay(0, STRANGER) + replay(1, PEER_HOST_OTHER_PORT) + steps(1)) * 12),
    "strangers-late-answer":
        (STRANGERS | HANDSHAKE | OFFERS | LATE_ANSWER,
         (datagram(FATAL_ALERT, PEER_HOST_OTHER_PORT) + datagram(BOGUS_HELLO, STRANGER) +
          stun(REQUEST | USERNAME | FINGERPRINT | USE_CANDIDATE, frm=STRANGER) +
          replay(0, PEER | SOCKET_2) + steps(1)) * 10 + datagram(FATAL_ALERT, STRANGER) * 20),
    # More held than the pc keeps (16, 4 a source): the oldest go.
    "strangers-flood-held":
        (STRANGERS | HANDSHAKE | OFFERS,
         steps(2) + b"".join(datagram(BOGUS_HELLO, frm) * 5
                             for frm in (STRANGER, PEER_HOST_OTHER_PORT, STRANGER_V6,
                                         PEER | SOCKET_2, STRANGER | SOCKET_2,
                                         PEER_HOST_OTHER_PORT | SOCKET_2,
                                         STRANGER_V6 | SOCKET_2)) + steps(4) +
         b"".join(datagram(FATAL_ALERT, frm) * 5 for frm in (STRANGER, STRANGER_V6))),
    "strangers-connected":
        (STRANGERS | SETUP_CHANNEL,
         datagram(FATAL_ALERT, STRANGER) + replay(0, STRANGER) + replay(1, STRANGER_V6) +
         datagram(FOREIGN_SERVER_FINISHED, STRANGER) + victim_sends(0, 100) + steps(4)),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "transport")
    os.makedirs(out, exist_ok=True)
    for name, (scene, script) in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([scene]) + script)


if __name__ == "__main__":
    main()
