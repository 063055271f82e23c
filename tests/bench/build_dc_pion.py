#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds dc-pion/ the way tests/interop/peers/build_pion.py builds the
interop peer (GOPATH mode against Debian's Pion, no network), reusing it.

Usage: build_dc_pion.py OUTPUT [WORKDIR]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from peers import build_pion  # noqa: E402

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dc-pion")


def build(output, workdir=None):
    # build_pion builds the package directory named by its SOURCE; it has no
    # parameter for another one, so this points it at ours. Each build has
    # a work directory (GOPATH) of its own, so the two never meet.
    build_pion.SOURCE = SOURCE
    build_pion.build_pion(output, workdir)


available = build_pion.available

if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: build_dc_pion.py OUTPUT [WORKDIR]")
    build(*sys.argv[1:])
