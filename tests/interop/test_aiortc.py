#!/usr/bin/python3
"""Interop between rtcd and aiortc: signalling (interop.py), ICE
connectivity (connectivity.py) and data channels (datachannel.py)."""

import connectivity
import datachannel
import interop
import media
from peers import aiortc_peer

interop.main(aiortc_peer, aiortc_peer.AiortcPeer, extra=interop.with_known_issues(
    connectivity.SCENARIOS, connectivity.KNOWN_ISSUES),
    datachannel=datachannel.scenarios_for("aiortc"),
    media=media.scenarios())
