#!/usr/bin/env bash
# test_fuzz_short.sh: part of make check: every libFuzzer target (fuzz/fuzz_*.c, built with
# clang under ASan + UBSan into build/fuzz/) runs a short while on its seed corpus, so that a
# parser regression is caught in CI; make fuzz runs them longer. Release build pass only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}
seconds=${PANEL_FUZZ_SECONDS:-8}

# The fuzz targets carry their own sanitizers and do not depend on the build under test: running
# them again for the ASan pass would only double the time.
if [[ ${build%/} != *release ]]; then
	echo "skipped: runs for the release build only (PANEL_BUILD=$build); the fuzz targets" \
		"have their own ASan + UBSan build"
	exit 0
fi

cd "$root"
# make check has built them already; this makes the script work on its own too.
if ! make -s --no-print-directory fuzz-build >/tmp/fuzz-build.$$.log 2>&1; then
	tail -n 30 /tmp/fuzz-build.$$.log
	rm -f /tmp/fuzz-build.$$.log
	echo "not ok - the fuzz targets do not build"
	exit 1
fi
rm -f /tmp/fuzz-build.$$.log
# Each run prints "ok - <target>: ..." or "not ok - <target>" with the crashing input's path.
exec fuzz/run.sh "$seconds"
