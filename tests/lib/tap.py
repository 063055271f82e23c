# SPDX-License-Identifier: LGPL-2.1-or-later
"""TAP output for the Python tests: one line per case, so that meson counts
each; a failed case prints its traceback as comments. No dependencies, so
that tests without D-Bus (the network lab's own) use it too.

A test that cannot run here says so rather than passing (the same rules as
tests/check.h for the C tests):

    tap.skip_all("needs root")      before any case: `1..0 # SKIP needs root`
    raise tap.Skip("no ::1")        inside a case: `ok N - case # SKIP no ::1`
    t.skip("case", "why")           a case not even started

meson counts a test whose cases all skipped as SKIP and tools/test.sh lists
every skipped case with its reason. The exit status of a skipped TAP test is
0 (SKIP_STATUS): meson 1.0 reads the skip from the TAP plan and counts any
other status of a protocol 'tap' test, 77 included, as an ERROR.
"""
import sys
import traceback

SKIP_STATUS = 0


class Skip(Exception):
    """Raised inside a case that cannot run here; the message says why."""


def skip_all(why):
    """Ends the whole test as skipped, before any case ran."""
    print("1..0 # SKIP %s" % why, flush=True)
    sys.exit(SKIP_STATUS)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def run(self, fn, *args):
        self.n += 1
        try:
            fn(*args)
            print("ok %d - %s" % (self.n, fn.__name__), flush=True)
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (self.n, fn.__name__, e), flush=True)
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
