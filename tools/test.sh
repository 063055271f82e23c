#!/bin/bash
# The whole test suite, as CI runs it: installs what is missing, builds rtcd
# twice (gcc with warnings as errors in build/; clang with AddressSanitizer,
# UBSan and libFuzzer in build-asan/) and runs every suite. The last line is
# "N passed, N failed, N skipped"; every skipped test and skipped case is
# listed above it with its reason.
#
#   tools/test.sh                 everything
#   SUITES="unit integration" tools/test.sh    only those suites
#
# Whatever configured build/ or build-asan/ before (tools/demo.sh, a hand-made
# `meson setup build`, `meson configure -Dwerror=false`), each run sets them
# back to exactly CI's configuration: the compiler, CI's options, and every
# other option at its default.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

./tools/install-deps.sh all || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

suites=${SUITES:-"unit integration fuzz interop netlab kmod"}
results=()
fail_setup=0

# Prints the -D arguments that bring the configured directory $1 to CI's
# options ($2...: -Dname=value) with every other option at the default
# meson.build gives it; nothing when it is there already.
options_to_reset() {
	local dir=$1; shift
	/usr/bin/python3 - "$dir" "$@" <<'PY'
import json, subprocess, sys
def options(where):
    out = subprocess.run(["meson", "introspect", "--buildoptions", where],
                         capture_output=True, text=True, check=True).stdout
    return [o for o in json.loads(out) if o.get("machine") != "build"]
defaults = {o["name"]: o["value"] for o in options("meson.build")}
current = options(sys.argv[1])
wanted = dict(a[2:].split("=", 1) for a in sys.argv[2:])

def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)

# The backend and the install paths never change what is built or tested.
fixed = {"backend", "prefix", "bindir", "datadir", "includedir", "infodir",
         "libdir", "libexecdir", "localedir", "localstatedir", "mandir",
         "sbindir", "sharedstatedir", "sysconfdir", "wrap_mode"}
for o in current:
    name = o["name"]
    if name in fixed or name not in defaults:
        continue
    want = wanted.get(name, text(defaults[name]))
    if text(o["value"]) != want:
        print("-D%s=%s" % (name, want))
PY
}

build() { # compiler, dir, then CI's meson options
	local compiler=$1 dir=$2; shift 2
	local have reset
	if [ -f "$dir/build.ninja" ]; then
		# "C compiler for the host machine: cc (gcc 12.2.0 ...)"
		have=$(sed -n 's/^C compiler for the host machine: [^(]*(\([a-z]*\) .*/\1/p' \
			"$dir/meson-logs/meson-log.txt" 2>/dev/null | head -n1)
		if [ "$have" != "$compiler" ]; then
			echo "== $dir was built with ${have:-an unknown compiler}, not $compiler: set up again"
			rm -rf "$dir"
		fi
	fi
	if [ ! -f "$dir/build.ninja" ]; then
		CC=$compiler meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	else
		reset=$(options_to_reset "$dir" "$@") || { echo "cannot read $dir's options"; return 1; }
		if [ -n "$reset" ]; then
			echo "== $dir: back to CI's options:" $reset
			# shellcheck disable=SC2086
			meson configure "$dir" $reset >"$dir.setup.log" 2>&1 ||
				{ cat "$dir.setup.log"; return 1; }
		fi
	fi
	meson compile -C "$dir" || return 1
}

run_suites() { # dir, suites...
	local dir=$1; shift
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	# A run with no tests writes no log: never count an older run's.
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "${args[@]}"
	results+=("$dir/meson-logs/testlog.json")
}

# 1. gcc, -Werror: every suite.
if build gcc build -Dwerror=true -Dbuildtype=debugoptimized; then
	# shellcheck disable=SC2086
	run_suites build $suites
else
	fail_setup=$((fail_setup + 1))
fi

# 2. clang with ASan + UBSan (+ libFuzzer targets): unit, integration, fuzz.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
asan_suites=""
for s in unit integration fuzz; do
	case " $suites " in *" $s "*) asan_suites="$asan_suites $s" ;; esac
done
if [ -n "$asan_suites" ]; then
	if build clang build-asan -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dfuzzing=true -Dinterop=false; then
		# shellcheck disable=SC2086
		run_suites build-asan $asan_suites
	else
		fail_setup=$((fail_setup + 1))
	fi
fi

# The summary CI reads. meson's result per test (a TAP test whose cases all
# skipped, `1..0 # SKIP why`, is SKIP), each skipped case with its reason,
# and the counts on the last line.
/usr/bin/python3 - "$fail_setup" "${results[@]}" <<'PY'
import json, os, re, sys
failed_builds = int(sys.argv[1])
passed = failed = skipped = 0
skips = []
skip_line = re.compile(r"^(?:1\.\.0|ok \d+(?: - (.*?))?) # SKIP\b ?(.*)$", re.I)
for path in sys.argv[2:]:
    build = os.path.basename(os.path.dirname(os.path.dirname(path)))
    try:
        lines = open(path).read().splitlines()
    except OSError:
        print("FAILED: no tests ran in %s (no %s)" % (build, path))
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        r = t["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print("FAILED: %s (%s)" % (t["name"], build))
        for out in (t.get("stdout") or "").splitlines():
            m = skip_line.match(out)
            if m:
                what = t["name"] + (": " + m.group(1) if m.group(1) else "")
                skips.append("%s (%s): %s" % (what, build, m.group(2) or "no reason given"))
        if r == "SKIP" and not any(s.startswith(t["name"]) for s in skips):
            skips.append("%s (%s): exit status 77" % (t["name"], build))
for s in skips:
    print("skipped:", s)
if failed_builds:
    print("FAILED: %d build(s): the compiler's output is above" % failed_builds)
failed += failed_builds
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed else 0)
PY
