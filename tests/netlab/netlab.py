# SPDX-License-Identifier: LGPL-2.1-or-later
"""A network lab in network namespaces: hosts behind NATs, and a TURN server.

    import netlab
    with netlab.Lab(nat={"a": "eim", "b": "symmetric"}) as lab:
        lab.run("a", ["ip", "addr"])                  # CompletedProcess
        p = lab.popen("b", [rtcd, ...], env={"X": "1"})  # Popen, stopped at teardown
        sock = lab.socket("a")                        # a UDP socket inside host a
        lab.addr("a"), lab.public_addr("a")           # 10.0.1.2, 203.0.113.1
        lab.turn.urls()                               # stun:, turn: and turns: URLs
        lab.set_loss("a", 5)                          # % of packets through a's router
        lab.set_delay("a", 50, jitter_ms=10, seed=1)  # held by the impairment relay
        lab.set_rate("a", "2mbit")

Topology (every name below lives only inside the lab's namespaces; nothing
is routed to the machine's own interfaces, so no packet can leave):

    host a  eth0 10.0.1.2 ── lan 10.0.1.1  router a  wan 203.0.113.1 ─┐
    host b  eth0 10.0.2.2 ── lan 10.0.2.1  router b  wan 203.0.113.2 ─┤ br0 "public"
                                      coturn 203.0.113.10 and .11  ───┘

"public" is the Internet of the lab. Its default route points at a gateway
(203.0.113.254) that nothing answers for: a packet to an address beyond the
lab vanishes quietly there, as on the Internet, instead of failing with
ENETUNREACH. That matters to coturn: ICE pairs a relay with every remote
candidate, private host addresses too, and coturn stops relaying for an
allocation altogether after one send fails with ENETUNREACH.

The routers masquerade the host behind them. "eim" (the default) is Linux's
plain masquerade: an endpoint-independent mapping (the source port is kept,
and one internal address:port maps to one public address:port whatever the
destination) with address-and-port-dependent filtering, like most home
routers. "symmetric" maps every new destination to a new random port
(masquerade fully-random), so only a relay gets through. The routers drop
unsolicited inbound packets before conntrack remembers them, so a peer's
early connectivity check cannot steal the port a host is about to punch.

coturn runs in "public" with long-term credentials and a self-signed
certificate made for this lab: STUN and TURN on UDP and TCP 3478, TURN over
TLS on 5349, relays on 203.0.113.10. The second address (.11) lets a test
see whether a NAT keeps its mapping across destinations.

Impairments act on a host's router, on packets in both directions:
  - loss: an nftables `numgen random` drop rule in the forward chain;
  - delay, jitter and the reordering they cause: every IPv4 packet arriving on
    the router's ports is redirected (tc ingress, mirred) into a TUN device
    where `impair` (impair.c) holds it for delay ± jitter and writes it back;
    the kernel then routes and NATs it as usual. One pass per router, so
    a packet from a to b is delayed by a's setting plus b's;
  - rate: a tbf qdisc on both router ports.

rtcd (or anything else) in a host: `lab.popen(host, argv, env={...})`, or
`rtcdtest.Daemon(netns=lab.netns(host))`: a bus socket is a path, so a
private bus outside the lab serves daemons inside it. Other suites need
this directory on PYTHONPATH and $NETLAB_IMPAIR naming the built relay
(meson variables `netlab_dir` and `netlab_impair`).

Teardown (leaving the `with`, an exception, SIGTERM, SIGINT, interpreter exit)
stops every process started here, kills whatever else still runs in the lab's
namespaces, deletes the namespaces and the lab's directory. A lab whose owner
died without teardown (SIGKILL) is removed by `sweep()`, which every new Lab
runs first: lab names carry the owner's pid and start time.
"""
import atexit
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

PREFIX = "rtcnl-"
STATE_ROOT = os.path.join(tempfile.gettempdir(), "rtcd-netlab")
TURN_ADDR = "203.0.113.10"
TURN_ALT_ADDR = "203.0.113.11"
TURN_PORT = 3478
TURNS_PORT = 5349
TURN_HOSTNAME = "turn.netlab.test"
NAT_KINDS = ("eim", "symmetric")
PUBLIC = "public"
PUBLIC_VOID_GATEWAY = "203.0.113.254"   # never assigned: nothing answers its ARP
IMPAIR_DEV = "imp0"

_TEARDOWN_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_live_labs = []


def _sh(argv, check=True, input=None):
    """Runs a setup command; failures carry the command's own message."""
    r = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), (r.stderr or r.stdout).strip()))
    return r


def _start_time(pid):
    """The process start time (clock ticks since boot), or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    # Field 22; the command name (field 2) may contain spaces and parentheses.
    return stat.rsplit(")", 1)[1].split()[19]


def _lab_owner_alive(lab_id):
    try:
        pid_s, start, _ = lab_id.split("-", 2)
        return _start_time(int(pid_s)) == start
    except ValueError:
        return False


def _namespaces():
    r = _sh(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def _kill_namespace(ns):
    """SIGKILLs whatever still runs in a namespace, then deletes it."""
    for _ in range(10):
        pids = _sh(["ip", "netns", "pids", ns], check=False).stdout.split()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        time.sleep(0.05)
    _sh(["ip", "netns", "delete", ns], check=False)


def sweep():
    """Removes labs whose owning process is gone. Returns their ids."""
    stale = set()
    for ns in _namespaces():
        if ns.startswith(PREFIX):
            lab_id = "-".join(ns[len(PREFIX):].split("-")[:3])   # pid-start-random
            if not _lab_owner_alive(lab_id):
                stale.add(lab_id)
                _kill_namespace(ns)
    if os.path.isdir(STATE_ROOT):
        for lab_id in os.listdir(STATE_ROOT):
            if not _lab_owner_alive(lab_id):
                stale.add(lab_id)
                shutil.rmtree(os.path.join(STATE_ROOT, lab_id), ignore_errors=True)
    return sorted(stale)


def _in_netns(ns, fn):
    """Calls fn() on a thread that has entered namespace ns; returns its result.

    Network namespaces are per thread, and a socket keeps the namespace it
    was created in, so the caller's own thread is never moved."""
    result = {}

    def body():
        try:
            fd = os.open("/run/netns/" + ns, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(fd, _CLONE_NEWNET) != 0:
                    e = ctypes.get_errno()
                    raise OSError(e, "setns(%s): %s" % (ns, os.strerror(e)))
            finally:
                os.close(fd)
            result["value"] = fn()
        except BaseException as e:  # noqa: BLE001 -- handed to the caller
            result["error"] = e

    t = threading.Thread(target=body, name="netns-" + ns)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _find_impair():
    path = os.environ.get("NETLAB_IMPAIR")
    if path:
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.dirname(os.path.dirname(here))
    for build in ("build", "build-asan"):
        p = os.path.join(src, build, "tests", "netlab", "impair")
        if os.path.exists(p):
            return p
    raise RuntimeError("the impairment relay is not built: set NETLAB_IMPAIR")


class TurnServer:
    """Where coturn listens and how to log in."""

    def __init__(self, state_dir):
        self.host = TURN_ADDR
        self.alt_host = TURN_ALT_ADDR
        self.port = TURN_PORT
        self.tls_port = TURNS_PORT
        self.hostname = TURN_HOSTNAME
        self.realm = "netlab.test"
        self.username = "netlab"
        self.password = secrets.token_hex(8)
        self.cert = os.path.join(state_dir, "turn-cert.pem")
        self.key = os.path.join(state_dir, "turn-key.pem")

    def urls(self):
        """ICE server URLs for everything coturn offers here."""
        return ["stun:%s:%d" % (self.host, self.port),
                "turn:%s:%d?transport=udp" % (self.host, self.port),
                "turn:%s:%d?transport=tcp" % (self.host, self.port),
                "turns:%s:%d?transport=tcp" % (self.hostname, self.tls_port)]


class Lab:
    """Hosts behind NAT routers and a public network with coturn.

    hosts: names of the hosts (1 to 8 lowercase letters or digits each).
    nat: "eim" or "symmetric" for every host, or a dict host -> kind.
    turn: start coturn (a lab for plain NAT tests may not need it).
    """

    def __init__(self, hosts=("a", "b"), nat="eim", turn=True):
        if not 1 <= len(hosts) <= 8 or len(set(hosts)) != len(hosts):
            raise ValueError("hosts: 1 to 8 distinct names")
        for h in hosts:
            if not re.fullmatch(r"[a-z0-9]{1,8}", h):
                raise ValueError("host name %r: 1 to 8 lowercase letters or digits" % h)
            if h == PUBLIC:
                raise ValueError("'public' names the public network")
        kinds = dict(nat) if isinstance(nat, dict) else {h: nat for h in hosts}
        for h in hosts:
            kinds.setdefault(h, "eim")
            if kinds[h] not in NAT_KINDS:
                raise ValueError("nat for %s: one of %s" % (h, ", ".join(NAT_KINDS)))
        if set(kinds) - set(hosts):
            raise ValueError("nat names unknown hosts: %s" % sorted(set(kinds) - set(hosts)))
        self.hosts = tuple(hosts)
        self.nat = kinds
        self.with_turn = turn
        pid = os.getpid()
        self.id = "%d-%s-%s" % (pid, _start_time(pid), secrets.token_hex(3))
        self.dir = os.path.join(STATE_ROOT, self.id)
        self.turn = None
        self._namespaces = []
        self._procs = []
        self._impair = {}
        self._closed = False
        self.turn_process = None

    # -- names and addresses ----------------------------------------------------
    def netns(self, node):
        """The namespace of a host, of its router ("<host>-router") or "public"."""
        if node != PUBLIC and node not in self.hosts and \
                not (node.endswith("-router") and node[:-7] in self.hosts):
            raise KeyError("no node %r in this lab" % node)
        return "%s%s-%s" % (PREFIX, self.id, node)

    def _index(self, host):
        if host not in self.hosts:
            raise KeyError("no host %r in this lab" % host)
        return self.hosts.index(host) + 1

    def addr(self, host):
        """The host's own (private) address."""
        return "10.0.%d.2" % self._index(host)

    def gateway(self, host):
        """The LAN address of the host's router."""
        return "10.0.%d.1" % self._index(host)

    def public_addr(self, host):
        """The router's public address: the host's server-reflexive address."""
        return "203.0.113.%d" % self._index(host)

    def describe(self):
        """The topology as text, for a failing test's log."""
        lines = ["lab %s (namespaces %s*)" % (self.id, PREFIX + self.id + "-")]
        for h in self.hosts:
            lines.append("  host %s %s -> router %s/%s (%s NAT)" % (
                h, self.addr(h), self.gateway(h), self.public_addr(h), self.nat[h]))
        if self.turn:
            lines.append("  coturn %s and %s, user %s password %s realm %s, cert %s" % (
                self.turn.host, self.turn.alt_host, self.turn.username, self.turn.password,
                self.turn.realm, self.turn.cert))
        return "\n".join(lines)

    # -- lifecycle ----------------------------------------------------------------
    def __enter__(self):
        if not _live_labs:
            _catch_signals()
        _live_labs.append(self)
        try:
            sweep()
            os.makedirs(self.dir, mode=0o700)
            self._build()
            if self.with_turn:
                self._start_turn()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Stops everything and removes every namespace and file. Idempotent."""
        if self._closed:
            return
        self._closed = True
        # A second SIGTERM or ^C must not cut the teardown short.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _TEARDOWN_SIGNALS)
        try:
            for proc in reversed(self._procs):
                _stop_process(proc)
            for ns in reversed(self._namespaces):
                _kill_namespace(ns)
            shutil.rmtree(self.dir, ignore_errors=True)
            if self in _live_labs:
                _live_labs.remove(self)
            if not _live_labs:
                _release_signals()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    # -- running things ------------------------------------------------------------
    def _exec_argv(self, node, argv):
        return ["ip", "netns", "exec", self.netns(node)] + [str(a) for a in argv]

    @staticmethod
    def _env(env):
        if env is None:
            return None
        merged = dict(os.environ)
        for k, v in env.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = str(v)
        return merged

    def run(self, node, argv, env=None, check=True, timeout=60, **kw):
        """Runs argv in node to completion (subprocess.run; output captured
        as text unless stdout/stderr are given). env: variables set (or, with
        None, unset) on top of this process's environment."""
        if "stdout" not in kw and "stderr" not in kw:
            kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(self._exec_argv(node, argv), env=self._env(env), check=check,
                              timeout=timeout, **kw)

    def popen(self, node, argv, env=None, **kw):
        """Starts argv in node (subprocess.Popen, in a session of its own).
        Teardown stops it: SIGTERM, then SIGKILL after 5 s."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        proc = subprocess.Popen(self._exec_argv(node, argv), env=self._env(env),
                                start_new_session=True, **kw)
        self._procs.append(proc)
        return proc

    def socket(self, node, family=socket.AF_INET, type=socket.SOCK_DGRAM, bind=None):
        """A socket created inside node, for use from this process.
        bind: an (address, port) to bind to, in node."""
        def make():
            s = socket.socket(family, type)
            try:
                if bind is not None:
                    s.bind(bind)
            except BaseException:
                s.close()
                raise
            return s
        return _in_netns(self.netns(node), make)

    def call_in(self, node, fn):
        """Calls fn() on a thread inside node's namespace; returns its result."""
        return _in_netns(self.netns(node), fn)

    # -- building ---------------------------------------------------------------------
    def _ip(self, node, *args):
        _sh(["ip", "-n", self.netns(node)] + list(args))

    def _nft(self, node, script):
        _sh(["ip", "netns", "exec", self.netns(node), "nft", "-f", "-"], input=script)

    def _sysctl(self, node, *settings):
        _sh(["ip", "netns", "exec", self.netns(node), "sysctl", "-qw"] + list(settings))

    def _add_namespace(self, node):
        ns = self.netns(node)
        _sh(["ip", "netns", "add", ns])
        self._namespaces.append(ns)
        self._ip(node, "link", "set", "lo", "up")

    def _build(self):
        self._add_namespace(PUBLIC)
        self._ip(PUBLIC, "link", "add", "br0", "type", "bridge")
        self._ip(PUBLIC, "link", "set", "br0", "up")
        for a in (TURN_ADDR, TURN_ALT_ADDR):
            self._ip(PUBLIC, "addr", "add", a + "/24", "dev", "br0")
        self._ip(PUBLIC, "route", "add", "default", "via", PUBLIC_VOID_GATEWAY)
        for host in self.hosts:
            self._build_host(host)

    def _build_host(self, host):
        router = host + "-router"
        self._add_namespace(host)
        self._add_namespace(router)
        # Both ends are created inside their namespaces, so the names never
        # exist in (nor collide with) the machine's own namespace.
        _sh(["ip", "link", "add", "eth0", "netns", self.netns(host), "type", "veth",
             "peer", "name", "lan", "netns", self.netns(router)])
        _sh(["ip", "link", "add", "wan", "netns", self.netns(router), "type", "veth",
             "peer", "name", "p-" + host, "netns", self.netns(PUBLIC)])
        self._ip(host, "addr", "add", self.addr(host) + "/24", "dev", "eth0")
        self._ip(host, "link", "set", "eth0", "up")
        self._ip(host, "route", "add", "default", "via", self.gateway(host))
        self._ip(router, "addr", "add", self.gateway(host) + "/24", "dev", "lan")
        self._ip(router, "addr", "add", self.public_addr(host) + "/24", "dev", "wan")
        self._ip(router, "link", "set", "lan", "up")
        self._ip(router, "link", "set", "wan", "up")
        self._ip(PUBLIC, "link", "set", "p-" + host, "master", "br0", "up")
        # The impairment relay's device: exists always, used only while a
        # delay is set. Packets from it come "from" any address: no rp_filter.
        self._ip(router, "tuntap", "add", "dev", IMPAIR_DEV, "mode", "tun")
        self._ip(router, "link", "set", IMPAIR_DEV, "txqueuelen", "10000", "up")
        self._sysctl(router, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                     "net.ipv4.conf.default.rp_filter=0",
                     "net.ipv4.conf.%s.rp_filter=0" % IMPAIR_DEV,
                     "net.ipv6.conf.%s.disable_ipv6=1" % IMPAIR_DEV)
        lan = "10.0.%d.0/24" % self._index(host)
        masquerade = "masquerade fully-random" if self.nat[host] == "symmetric" else "masquerade"
        # Stateful NAT firewall. The input rule drops unsolicited packets to
        # the router itself before conntrack confirms an entry for them: such
        # an entry would make the host's own later packet to that peer clash
        # and get a new port, which no real NAT in front of ICE does.
        self._nft(router, """
table ip nat {
    chain postrouting {
        type nat hook postrouting priority srcnat;
        oifname "wan" %s
    }
}
table ip filter {
    chain input {
        type filter hook input priority filter; policy drop;
        ct state established,related accept
        ip saddr %s accept
        iifname "lo" accept
    }
    chain forward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        ip saddr %s oifname "wan" accept
    }
}
table ip impair {
    chain forward {
        type filter hook forward priority filter - 10;
    }
}
""" % (masquerade, lan, lan))

    def _start_turn(self):
        self.turn = turn = TurnServer(self.dir)
        _sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-keyout", turn.key, "-out", turn.cert, "-subj", "/CN=" + TURN_HOSTNAME,
             "-addext", "subjectAltName=DNS:%s,IP:%s,IP:%s" % (TURN_HOSTNAME, TURN_ADDR,
                                                                TURN_ALT_ADDR)])
        conf = os.path.join(self.dir, "turnserver.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "listening-ip=" + TURN_ADDR,
                "listening-ip=" + TURN_ALT_ADDR,
                "relay-ip=" + TURN_ADDR,
                "listening-port=%d" % TURN_PORT,
                "tls-listening-port=%d" % TURNS_PORT,
                "min-port=49152",
                "max-port=65535",
                "realm=" + turn.realm,
                "lt-cred-mech",
                "user=%s:%s" % (turn.username, turn.password),
                "fingerprint",
                "cert=" + turn.cert,
                "pkey=" + turn.key,
                "no-tlsv1",
                "no-tlsv1_1",
                "no-cli",
                "no-multicast-peers",
                "userdb=" + os.path.join(self.dir, "turndb"),
                "pidfile=" + os.path.join(self.dir, "turnserver.pid"),
                "log-file=" + os.path.join(self.dir, "turnserver.log"),
                "simple-log",
                "no-stdout-log",
                ""]))
        self.turn_process = self.popen(PUBLIC, ["turnserver", "-c", conf],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_for_turn()

    def _wait_for_turn(self, timeout=15):
        from stunclient import binding   # same directory; imported late on purpose
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.turn_process.poll() is not None:
                raise RuntimeError("coturn exited with %d:\n%s" % (
                    self.turn_process.returncode, self.turn_log()))
            try:
                for port in (self.turn.port, self.turn.tls_port):
                    with self.socket(PUBLIC, type=socket.SOCK_STREAM) as s:
                        s.settimeout(1)
                        s.connect((TURN_ADDR, port))
                with self.socket(PUBLIC) as s:
                    binding(s, (TURN_ADDR, TURN_PORT), timeout=0.2, tries=1)
                return
            except (OSError, TimeoutError):
                time.sleep(0.05)
        raise RuntimeError("coturn did not come up:\n" + self.turn_log())

    def turn_log(self):
        try:
            with open(os.path.join(self.dir, "turnserver.log")) as f:
                return f.read()
        except OSError:
            return "(no log)"

    # -- impairments ----------------------------------------------------------------
    def set_loss(self, host, percent):
        """Drops percent (0 to 100, two decimals) of the IPv4 packets that
        host's router forwards, in both directions, at random."""
        per_10k = round(float(percent) * 100)
        if not 0 <= per_10k <= 10000:
            raise ValueError("loss: 0 to 100 percent")
        router = host + "-router"
        self.netns(router)
        script = "flush chain ip impair forward\n"
        if per_10k:
            script += "add rule ip impair forward numgen random mod 10000 < %d drop\n" % per_10k
        self._nft(router, script)

    def set_delay(self, host, delay_ms, jitter_ms=0, seed=1, direction="both"):
        """Holds every IPv4 packet through host's router for delay ± jitter
        (uniform, per packet, from a PRNG seeded with seed). direction:
        "both", "up" (host to public) or "down" (public to host). delay_ms=0
        with jitter_ms=0 removes the relay. A new setting restarts the relay:
        packets it held are lost."""
        if direction not in ("both", "up", "down"):
            raise ValueError("direction: both, up or down")
        delay_us, jitter_us = round(delay_ms * 1000), round(jitter_ms * 1000)
        if delay_us < 0 or jitter_us < 0:
            raise ValueError("delay and jitter cannot be negative")
        router = host + "-router"
        ns = self.netns(router)
        self._stop_impair(router)
        if delay_us == 0 and jitter_us == 0:
            return
        with open(os.path.join(self.dir, "impair-%s.log" % host), "ab") as log:
            proc = self.popen(router, [_find_impair(), "--dev=" + IMPAIR_DEV,
                                       "--delay-us=%d" % delay_us,
                                       "--jitter-us=%d" % jitter_us, "--seed=%d" % int(seed)],
                              stdout=subprocess.PIPE, stderr=log)
        self._impair[router] = proc
        line = proc.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError("impair did not start: " + self.impair_log(host))
        ports = {"both": ("lan", "wan"), "up": ("lan",), "down": ("wan",)}[direction]
        for dev in ports:
            _sh(["ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "clsact"])
            _sh(["ip", "netns", "exec", ns, "tc", "filter", "add", "dev", dev, "ingress",
                 "protocol", "ip", "u32", "match", "u32", "0", "0",
                 "action", "mirred", "egress", "redirect", "dev", IMPAIR_DEV])

    def impair_log(self, host):
        """What the relay on host's router said (its counters when it stopped)."""
        try:
            with open(os.path.join(self.dir, "impair-%s.log" % host)) as f:
                return f.read()
        except OSError:
            return ""

    def _stop_impair(self, router):
        ns = self.netns(router)
        for dev in ("lan", "wan"):
            _sh(["ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "clsact"],
                check=False)
        proc = self._impair.pop(router, None)
        if proc:
            _stop_process(proc)
            self._procs.remove(proc)

    def set_rate(self, host, rate, burst="32kbit", latency_ms=400):
        """Limits host's router to rate (tc syntax: "2mbit") each way with a
        token bucket; packets beyond latency_ms of queue are dropped.
        rate=None removes the limit."""
        router = host + "-router"
        ns = self.netns(router)
        for dev in ("lan", "wan"):
            _sh(["ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root"],
                check=False)
            if rate is not None:
                _sh(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root",
                     "tbf", "rate", str(rate), "burst", str(burst),
                     "latency", "%dms" % latency_ms])

    def clear(self, host):
        """Removes every impairment on host's router."""
        self.set_loss(host, 0)
        self.set_delay(host, 0)
        self.set_rate(host, None)


def _stop_process(proc, timeout=5):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream:
            stream.close()


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _catch_signals():
    """While labs live, SIGTERM and SIGHUP become SystemExit so `with` blocks
    unwind and tear down; only where nobody installed a handler of their own."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _exit_on_signal)


def _release_signals():
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is _exit_on_signal:
            signal.signal(sig, signal.SIG_DFL)


@atexit.register
def _close_live_labs():
    for lab in list(_live_labs):
        lab.close()

