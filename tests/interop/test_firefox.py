#!/usr/bin/python3
"""Interop between rtcd and Firefox ESR: signalling (interop.py) and ICE
connectivity (connectivity.py), also with host addresses behind mDNS
names (Firefox's default), which rtcd must resolve."""

import connectivity
import interop
from peers import firefox


def mdns_peer():
    return firefox.FirefoxPeer(mdns=True)


MDNS_SCENARIOS = [connectivity.mdns_scenario(offerer, True, mdns_peer)
                  for offerer in (connectivity.peer_offers, connectivity.rtcd_offers)]

interop.main(firefox, firefox.FirefoxPeer, extra=connectivity.SCENARIOS + MDNS_SCENARIOS)
