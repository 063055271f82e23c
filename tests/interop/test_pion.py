#!/usr/bin/python3
"""Interop between rtcd and Pion: signalling (interop.py), ICE
connectivity (connectivity.py), also with Pion's host candidates behind
mDNS names, which rtcd must resolve, and data channels (datachannel.py)."""

import connectivity
import datachannel
import interop
import media
from peers import netns, pion

# Pion gives all its host candidates one name, and its responder answers
# with its address on the route to the querier: in this namespace that is
# rtcd's end of the veth whichever interface a candidate is on.  So Pion
# gathers on that end alone, where the answer is right.
MDNS_CONFIG = {"mdns": "gather", "interfaces": [netns.RTCD_INTERFACE]}

interop.main(pion, pion.PionPeer, extra=interop.with_known_issues(
    connectivity.SCENARIOS + connectivity.mdns_scenarios(pion.PionPeer, MDNS_CONFIG),
    connectivity.KNOWN_ISSUES), datachannel=datachannel.scenarios_for("pion"),
    media=media.scenarios())
