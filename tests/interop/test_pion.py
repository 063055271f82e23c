#!/usr/bin/python3
"""Signalling interop between rtcd and Pion (interop.py has the scenarios)."""

import interop
from peers import pion

interop.main(pion, pion.PionPeer)
