# SPDX-License-Identifier: LGPL-2.1-or-later
"""TAP output for the Python tests: one line per case, so that meson counts
each; a failed case prints its traceback as comments. No dependencies, so
that tests without D-Bus (the network lab's own) use it too."""
import sys
import traceback


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def run(self, fn, *args):
        self.n += 1
        try:
            fn(*args)
            print("ok %d - %s" % (self.n, fn.__name__), flush=True)
        except Exception as e:  # noqa: BLE001 -- any failure fails the case
            self.failed += 1
            for line in traceback.format_exc().splitlines():
                print("# " + line)
            print("not ok %d - %s: %s" % (self.n, fn.__name__, e), flush=True)

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why), flush=True)

    def done(self):
        """Prints the plan; the exit status for sys.exit."""
        print("1..%d" % self.n, flush=True)
        return 1 if self.failed else 0


def comment(text):
    """Text as TAP comment lines (shown with a failing test's output)."""
    for line in text.splitlines():
        print("# " + line)
    sys.stdout.flush()
