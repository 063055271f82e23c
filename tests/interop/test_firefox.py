#!/usr/bin/python3
"""Signalling interop between rtcd and Firefox ESR (interop.py has the scenarios)."""

import interop
from peers import firefox

interop.main(firefox, firefox.FirefoxPeer)
