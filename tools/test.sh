#!/bin/bash
# The whole test suite, as CI runs it: installs what is missing, builds rtcd
# twice (gcc with warnings as errors; clang with AddressSanitizer, UBSan and
# libFuzzer) and runs every suite. The last line is "N passed, N failed".
#
#   tools/test.sh                 everything
#   SUITES="unit integration" tools/test.sh    only those suites
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

./tools/install-deps.sh all || { echo "0 passed, 1 failed"; exit 1; }

suites=${SUITES:-"unit integration fuzz interop netlab kmod"}
results=()
fail_setup=0

build() { # dir, then meson options
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	fi
	meson compile -C "$dir" || return 1
}

run_suites() { # dir, suites...
	local dir=$1; shift
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	meson test -C "$dir" --print-errorlogs --num-processes 2 "${args[@]}"
	results+=("$dir/meson-logs/testlog.json")
}

# 1. gcc, -Werror: every suite.
if build build -Dwerror=true -Dbuildtype=debugoptimized; then
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
	if CC=clang build build-asan -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dfuzzing=true -Dinterop=false; then
		# shellcheck disable=SC2086
		run_suites build-asan $asan_suites
	else
		fail_setup=$((fail_setup + 1))
	fi
fi

# The summary CI reads: one line per test, whatever the runner printed.
/usr/bin/python3 - "$fail_setup" "${results[@]}" <<'PY'
import json, sys
failed_builds = int(sys.argv[1])
passed = failed = skipped = 0
for path in sys.argv[2:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print("FAILED:", json.loads(line)["name"])
failed += failed_builds
print("%d passed, %d failed" % (passed, failed) + (", %d skipped" % skipped if skipped else ""))
sys.exit(1 if failed else 0)
PY
