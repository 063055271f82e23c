#!/usr/bin/python3
"""Interop between rtcd and libdatachannel (node-datachannel from npm):
signalling (interop.py), ICE connectivity (connectivity.py) and data
channels (datachannel.py).  libdatachannel has no mDNS candidates of its
own (libjuice gathers plain addresses), so no ice_mdns_* scenarios."""

import connectivity
import datachannel
import interop
from peers import libdatachannel

interop.main(libdatachannel, libdatachannel.LibdatachannelPeer, extra=interop.with_known_issues(
    connectivity.SCENARIOS, connectivity.KNOWN_ISSUES),
    datachannel=datachannel.scenarios_for("libdatachannel"))
