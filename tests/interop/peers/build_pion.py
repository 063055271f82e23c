"""Builds the Pion peer (pion/) in GOPATH mode against Debian's
golang-github-pion-webrtc.v3-dev, with no network.

Usage: build_pion.py OUTPUT [WORKDIR]   (WORKDIR holds GOPATH and GOCACHE;
defaults to OUTPUT's directory).  Meson runs this; so does pion.py when
the tests run outside meson.
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "pion")
GOCODE = "/usr/share/gocode"
WEBRTC = os.path.join(GOCODE, "src/github.com/pion/webrtc")


def available():
    """Why Pion cannot run here, or None if it can."""
    if not shutil.which("go"):
        return "go is not installed (golang-go)"
    if not os.path.isdir(WEBRTC):
        return "Pion is not installed (golang-github-pion-webrtc.v3-dev)"
    return None


def build_pion(output, workdir=None):
    """Build the peer into `output`.  Go resolves github.com/pion/webrtc/v3
    to Debian's unversioned directory only for code inside a GOPATH ("minimal
    module compatibility"), so the sources are linked into a private one."""
    workdir = os.path.abspath(workdir or os.path.dirname(os.path.abspath(output)))
    gopath = os.path.join(workdir, "gopath")
    pkg = os.path.join(gopath, "src", "rtcd.test", "pion-peer")
    os.makedirs(os.path.dirname(pkg), exist_ok=True)
    if os.path.islink(pkg) and os.readlink(pkg) != SOURCE:
        os.unlink(pkg)
    if not os.path.lexists(pkg):
        os.symlink(SOURCE, pkg)
    env = dict(os.environ, GOPATH=gopath + ":" + GOCODE, GO111MODULE="off",
               GOPROXY="off", GOFLAGS="", GOCACHE=os.path.join(workdir, "gocache"))
    env.setdefault("HOME", workdir)
    # go finds its package's import path from PWD; chdir alone would give it
    # the symlink's target, which lies outside the GOPATH.
    env["PWD"] = pkg
    subprocess.run(["go", "build", "-o", os.path.abspath(output), "."],
                   cwd=pkg, env=env, check=True)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: build_pion.py OUTPUT [WORKDIR]")
    build_pion(*sys.argv[1:])
