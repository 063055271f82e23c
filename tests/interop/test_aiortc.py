#!/usr/bin/python3
"""Interop between rtcd and aiortc: signalling (interop.py) and ICE
connectivity (connectivity.py)."""

import connectivity
import interop
from peers import aiortc_peer

interop.main(aiortc_peer, aiortc_peer.AiortcPeer, extra=interop.with_known_issues(
    connectivity.SCENARIOS, connectivity.KNOWN_ISSUES))
