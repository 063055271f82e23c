#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A lab leaves nothing behind: not after an exception, not after SIGTERM,
and after SIGKILL the next lab's sweep removes it. Labs run side by side."""
import json
import os
import signal
import subprocess
import sys
import textwrap

import labtest
import netlab
from stunclient import binding

# A child that builds a lab, reports what it made, and waits to be killed.
CHILD = textwrap.dedent("""
    import json, sys, time
    import netlab
    with netlab.Lab() as lab:
        lab.set_delay("a", 5)
        print(json.dumps({"id": lab.id, "dir": lab.dir,
                          "pids": [p.pid for p in lab._procs],
                          "namespaces": [lab.netns(n) for n in
                                         ("a", "a-router", "b", "b-router", "public")]}),
              flush=True)
        time.sleep(600)
""")


def lab_namespaces(lab_id):
    return [ns for ns in netlab._namespaces() if ns.startswith(netlab.PREFIX + lab_id + "-")]


def alive(pid):
    """True while pid runs (a zombie of ours counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def assert_gone(state):
    assert lab_namespaces(state["id"]) == [], lab_namespaces(state["id"])
    assert not os.path.exists(state["dir"]), state["dir"]
    running = [pid for pid in state["pids"] if alive(pid)]
    assert running == [], running


def start_child():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ))
    state = json.loads(child.stdout.readline())
    assert sorted(lab_namespaces(state["id"])) == sorted(state["namespaces"])
    assert len(state["pids"]) == 2 and all(alive(pid) for pid in state["pids"]), state
    return child, state


def test_exception_inside_with():
    try:
        with netlab.Lab() as lab:
            state = {"id": lab.id, "dir": lab.dir}
            lab.set_delay("b", 1)
            state["pids"] = [p.pid for p in lab._procs]
            raise KeyError("a failing test")
    except KeyError:
        pass
    assert_gone(state)


def test_sigterm():
    child, state = start_child()
    child.send_signal(signal.SIGTERM)
    assert child.wait(30) == 128 + signal.SIGTERM
    child.stdout.close()
    assert_gone(state)


def test_sigkill_then_sweep():
    child, state = start_child()
    child.kill()
    child.wait()
    child.stdout.close()
    # Nothing could clean up: all of it is still there...
    assert sorted(lab_namespaces(state["id"])) == sorted(state["namespaces"])
    assert all(alive(pid) for pid in state["pids"])
    # ...until a sweep, which every new lab runs first.
    assert state["id"] in netlab.sweep()
    assert_gone(state)


def test_sweep_spares_live_labs():
    with netlab.Lab(turn=False) as lab:
        netlab.sweep()
        assert len(lab_namespaces(lab.id)) == 5
        assert lab.run("a", ["ip", "-o", "addr", "show", "eth0"]).returncode == 0


def test_labs_side_by_side():
    """Two labs at once: same addresses, separate worlds."""
    with netlab.Lab(hosts=("a",)) as one, netlab.Lab(hosts=("a",)) as two:
        assert one.id != two.id
        for lab in (one, two):
            with lab.socket("a") as s:
                assert binding(s, (lab.turn.host, lab.turn.port))[0] == lab.public_addr("a")
        assert one.turn.password != two.turn.password


def main():
    labtest.skip_unless_able()
    tap = labtest.Tap()
    for t in (test_exception_inside_with, test_sigterm, test_sigkill_then_sweep,
              test_sweep_spares_live_labs, test_labs_side_by_side):
        tap.run(t)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
