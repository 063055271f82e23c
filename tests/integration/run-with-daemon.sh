#!/bin/sh
# run-with-daemon.sh CMD [ARG]...: runs CMD with a private dbus-daemon and a
# real rtcd, exporting RTCD_BUS_ADDRESS and DBUS_SESSION_BUS_ADDRESS for it.
# RTCD_VERBOSE=0 starts rtcd without --verbose.
# Everything started here is stopped again, whatever CMD does. CMD's exit
# status is ours. RTCD_BINARY names the daemon; RTCD_ARGS adds arguments.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 - "$here" "$@" <<'PY'
import os, subprocess, sys
sys.path.insert(0, os.path.join(sys.argv[1], "..", "lib"))
import rtcdtest
extra = os.environ.get("RTCD_ARGS", "").split()
with rtcdtest.Daemon(extra_args=extra,
                     verbose=os.environ.get("RTCD_VERBOSE", "1") == "1") as d:
    status = subprocess.call(sys.argv[2:], env=d.env())
    if status != 0:
        sys.stderr.write("--- rtcd log ---\n" + d.log())
sys.exit(status)
PY
