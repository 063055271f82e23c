#!/usr/bin/python3
"""Signalling interop between rtcd and aiortc (interop.py has the scenarios)."""

import interop
from peers import aiortc_peer

interop.main(aiortc_peer, aiortc_peer.AiortcPeer)
