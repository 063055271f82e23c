#!/usr/bin/python3
"""Interop between rtcd and aiortc: signalling (interop.py) and ICE
connectivity (connectivity.py)."""

import connectivity
import interop
from peers import aiortc_peer

interop.main(aiortc_peer, aiortc_peer.AiortcPeer, extra=connectivity.SCENARIOS)
