"""libdatachannel as a peer: the Node.js program libdatachannel.js on the
npm package node-datachannel, which ships libdatachannel built (Debian 12
has no libdatachannel package), driven through linepeer.

node-datachannel is installed with npm, the first time, into a directory
of the build tree ($RTCD_BUILD_ROOT/tests/interop/node-datachannel, or
$RTCD_NODE_DATACHANNEL_DIR; by hand without either, under $XDG_CACHE_HOME
or /tmp) and reused after.  The test's network namespace has no way out,
so interop.main calls available(), which installs, before it enters it
(INSTALLS_BEFORE_NETNS).  No node, no npm or no registry: available() says
why and the test is skipped.
"""

import fcntl
import os
import shutil
import subprocess

from . import netns
from .linepeer import LinePeer

__all__ = ["available", "LibdatachannelPeer", "VERSION"]

# Pinned: node-datachannel 0.33.4 is libdatachannel 0.24.5 (its
# getLibraryVersion()), the one the SDP samples in tests/data/sdp/ come
# from.  Its engines field asks for Node.js >= 18.20.
VERSION = "0.33.4"
PACKAGE = "node-datachannel"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libdatachannel.js")
# interop.main: available() may download, so run it before the namespace.
INSTALLS_BEFORE_NETNS = True
NPM_TIMEOUT = 150  # seconds; the test's own limit is 180


def install_dir():
    path = os.environ.get("RTCD_NODE_DATACHANNEL_DIR")
    if path:
        return path
    build = os.environ.get("RTCD_BUILD_ROOT")
    if build:
        return os.path.join(build, "tests", "interop", "node-datachannel")
    return os.path.join(os.environ.get("XDG_CACHE_HOME", "/tmp"), "rtcd-interop-node-datachannel")


def node_path():
    return os.path.join(install_dir(), "node_modules")


def _probe():
    """libdatachannel's version if the installed node-datachannel is the
    pinned one and loads, else None."""
    package = os.path.join(node_path(), PACKAGE, "package.json")
    if not os.path.exists(package):
        return None
    script = ("const p = require(%r); if (p.version !== %r) process.exit(3);"
              "const ndc = require('node-datachannel'); console.log(ndc.getLibraryVersion());"
              "ndc.cleanup();" % (package, VERSION))
    try:
        out = subprocess.run(["node", "-e", script], env=dict(os.environ, NODE_PATH=node_path()),
                             capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def _install():
    """npm install into a fresh directory beside the target, renamed into
    place once complete: a broken or half install is never reused.
    Returns why it failed, or None."""
    target = install_dir()
    parent = os.path.dirname(os.path.abspath(target))
    os.makedirs(parent, exist_ok=True)
    work = "%s.new-%d" % (target, os.getpid())
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_loglevel="error")
    try:
        out = subprocess.run(
            # An exact version never changes: npm's cache, when it has it,
            # is enough (without --prefer-offline and with no network, npm
            # retries for two minutes before it uses its cache).
            ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--save-exact",
             "--fetch-retries=1", "--fetch-timeout=30000", "--prefix", work,
             "%s@%s" % (PACKAGE, VERSION)],
            env=env, capture_output=True, text=True, timeout=NPM_TIMEOUT, cwd=parent)
    except subprocess.TimeoutExpired:
        shutil.rmtree(work, ignore_errors=True)
        return "npm install %s@%s: no answer within %d s" % (PACKAGE, VERSION, NPM_TIMEOUT)
    if out.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        # npm's first error lines say what (EAI_AGAIN, ECONNREFUSED, ...);
        # its last, where its log went.
        lines = [l for l in (out.stderr or out.stdout).strip().splitlines()
                 if "complete log" not in l]
        return "npm install %s@%s failed (exit %d): %s" % (
            PACKAGE, VERSION, out.returncode, " | ".join(lines[:4]))
    shutil.rmtree(target, ignore_errors=True)
    os.rename(work, target)
    return None


def available():
    """Why libdatachannel cannot run here, or None if it can: installs
    node-datachannel the first time (outside the test's namespace)."""
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            return "%s is not installed (Node.js 20 with npm)" % tool
    if _probe():
        return None
    if netns.inside():
        return ("%s %s is not installed in %s, and this network namespace has no way "
                "out to install it" % (PACKAGE, VERSION, install_dir()))
    os.makedirs(os.path.dirname(os.path.abspath(install_dir())), exist_ok=True)
    # One install at a time (two tests starting together wait for one).
    with open(install_dir() + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _probe():
            return None
        why = _install()
        if why:
            return why
    if not _probe():
        return "%s %s installed in %s but does not load" % (PACKAGE, VERSION, install_dir())
    return None


def library_version():
    return _probe()


class LibdatachannelPeer(LinePeer):
    # libdatachannel 0.24.5 advertises a=max-message-size:262144 and sends
    # up to what the remote advertises (rtcd: 262144), so 256 KiB both
    # ways: no max_receive/max_send_message_size needed.
    #
    # node-datachannel's DataChannel has no getters for ordered,
    # maxRetransmits or maxPacketLifeTime, so for a channel the remote
    # opened its dc_state/data_channel say null for the three
    # (datachannel.unreliable checks rtcd's parameters only at rtcd then).
    knows_remote_reliability = False

    def __init__(self, env=None):
        env = dict(env if env is not None else os.environ)
        env["NODE_PATH"] = node_path()
        super().__init__("libdatachannel", ["node", SCRIPT], env=env)
