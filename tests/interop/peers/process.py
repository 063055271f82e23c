"""Child processes that cannot outlive the test that started them.

Each child gets its own session (so its own process group): closing it
signals the whole group, which also reaps the helpers a browser forks.
"""

import os
import signal
import subprocess
import time


class ProcessGroup:
    def __init__(self, argv, **popen_args):
        self.argv = argv
        self.proc = subprocess.Popen(argv, start_new_session=True, **popen_args)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def stop(self, grace=3.0):
        """SIGTERM the group, then SIGKILL whatever is left after `grace`
        seconds.  Safe to call more than once."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        self._signal(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        # The leader may be gone while its children linger: kill the group
        # regardless.
        self._signal(pgid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        self._wait_group_gone(pgid, grace)
        self.proc = None

    @staticmethod
    def _signal(pgid, sig):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            pass

    @staticmethod
    def _wait_group_gone(pgid, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
