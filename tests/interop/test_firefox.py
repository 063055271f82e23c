#!/usr/bin/python3
"""Interop between rtcd and Firefox ESR: signalling (interop.py), ICE
connectivity (connectivity.py), also with host addresses behind mDNS
names (Firefox's default), which rtcd must resolve, and data channels
(datachannel.py)."""

import connectivity
import datachannel
import interop
import media
from peers import firefox


def mdns_peer():
    return firefox.FirefoxPeer(mdns=True)


interop.main(firefox, firefox.FirefoxPeer, extra=interop.with_known_issues(
    connectivity.SCENARIOS + connectivity.mdns_scenarios(mdns_peer), connectivity.KNOWN_ISSUES),
    datachannel=datachannel.scenarios_for("firefox"),
    media=media.scenarios())
