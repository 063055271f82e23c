#!/usr/bin/python3
"""Interop between rtcd and Chromium: signalling (interop.py), ICE
connectivity (connectivity.py), also with Chromium's default of hiding its
host addresses behind mDNS names, which rtcd must resolve, and data
channels (datachannel.py)."""

import connectivity
import datachannel
import interop
import media
from peers import chromium


def mdns_offer_datachannel(daemon, bus, peer):
    """rtcd accepts an offer whose host candidates are .local names
    (Chromium's default), and Chromium accepts rtcd's answer."""
    with chromium.ChromiumPeer(mdns=True) as mdns_peer:
        mdns_peer.name = "chromium (mDNS)"
        offer = interop.peer_offers(daemon, bus, mdns_peer, media=False)
    interop.check(".local " in offer, "Chromium's offer has no .local candidate:\n" + offer)


def mdns_peer():
    return chromium.ChromiumPeer(mdns=True)


interop.main(chromium, chromium.ChromiumPeer, extra=[mdns_offer_datachannel] +
             interop.with_known_issues(connectivity.SCENARIOS +
                                       connectivity.mdns_scenarios(mdns_peer),
                                       connectivity.KNOWN_ISSUES),
             datachannel=datachannel.scenarios_for("chromium"),
             media=media.scenarios(), make_media_peer=lambda: chromium.ChromiumPeer(media=True))
