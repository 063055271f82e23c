"""Drivers for third-party WebRTC peers used by rtcd's interop tests.

Every driver speaks the same command set (see peer.py), so a test can be
written once and run against Pion, aiortc, libdatachannel, Chromium and
Firefox alike.
"""
