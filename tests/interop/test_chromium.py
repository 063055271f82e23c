#!/usr/bin/python3
"""Signalling interop between rtcd and Chromium (interop.py has the
scenarios), plus an offer whose host candidates hide behind mDNS names."""

import interop
from peers import chromium


def mdns_offer_datachannel(daemon, bus, peer):
    """rtcd accepts an offer whose host candidates are .local names
    (Chromium's default), and Chromium accepts rtcd's answer."""
    with chromium.ChromiumPeer(mdns=True) as mdns_peer:
        mdns_peer.name = "chromium (mDNS)"
        offer = interop.peer_offers(daemon, bus, mdns_peer, media=False)
    interop.check(".local " in offer, "Chromium's offer has no .local candidate:\n" + offer)


interop.main(chromium, chromium.ChromiumPeer, extra=[mdns_offer_datachannel])
