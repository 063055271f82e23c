#!/usr/bin/python3
"""Capture the SDP samples in tests/data/sdp/ from the real peers.

Usage: /usr/bin/python3 tests/interop/capture_sdp.py [OUTDIR]

Runs in a private network namespace (peers/netns.py), so host candidates
carry 198.18.0.x addresses rather than this machine's.  Each sample is a
description as the tool hands it over once gathering is complete (so with
its candidates), bytes unchanged: CRLF line endings as the tools produce.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from peers import netns  # noqa: E402

netns.enter()

from peers import aiortc_peer, chromium, firefox, pion  # noqa: E402

OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(HERE, "..", "data", "sdp"))


def save(name, desc):
    path = os.path.join(OUT, name + ".sdp")
    with open(path, "wb") as f:
        f.write(desc["sdp"].encode())
    print("%-40s %s, %d bytes" % (name + ".sdp", desc["type"], len(desc["sdp"])))


def offer(peer, media=False, **config):
    pc = peer.create_pc(**config)
    if media:
        peer.add_track(pc, "audio")
        peer.add_track(pc, "video")
    peer.create_data_channel(pc, "data")
    peer.set_local_description(pc, "offer")
    return peer.gathering_complete(pc)


def answer(peer, remote_offer):
    pc = peer.create_pc()
    peer.set_remote_description(pc, "offer", remote_offer["sdp"])
    peer.set_local_description(pc, "answer")
    return peer.gathering_complete(pc)


def main():
    os.makedirs(OUT, exist_ok=True)
    with pion.PionPeer() as p, aiortc_peer.AiortcPeer() as a, chromium.ChromiumPeer() as c:
        chromium_offer = offer(c)
        save("chromium-offer-datachannel", chromium_offer)
        save("chromium-offer-av-datachannel", offer(c, media=True))
        pion_offer = offer(p)
        save("pion-offer-datachannel", pion_offer)
        save("pion-offer-av-datachannel", offer(p, media=True))
        save("chromium-answer-datachannel", answer(c, pion_offer))
        save("pion-answer-datachannel", answer(p, chromium_offer))
        aiortc_offer = offer(a)
        save("aiortc-offer-datachannel", aiortc_offer)
        save("aiortc-offer-av-datachannel", offer(a, media=True))
        save("aiortc-answer-datachannel", answer(a, chromium_offer))
    with chromium.ChromiumPeer(mdns=True) as c:
        save("chromium-offer-datachannel-mdns", offer(c))
    with firefox.FirefoxPeer() as f:
        save("firefox-offer-datachannel", offer(f))
        save("firefox-offer-av-datachannel", offer(f, media=True))
        save("firefox-answer-datachannel", answer(f, pion_offer))


if __name__ == "__main__":
    main()
