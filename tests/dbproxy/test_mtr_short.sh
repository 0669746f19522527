#!/usr/bin/env bash
# test_mtr_short.sh: part of make check: the short list of MariaDB's own tests
# (tests/dbproxy/mtr-short.list) run directly and through dbproxy, every result compared
# (tests/dbproxy/mtr-compare.sh; the full list is make mtr). Release build only: see below.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}

# The ASan build's dbproxy relays the same bytes; what this test compares is MariaDB's
# behaviour through dbproxy, which the release build shows as well, in half the time. The ASan
# dbproxy is exercised by the other dbproxy tests.
if [[ ${build%/} != *release ]]; then
	echo "skipped: runs for the release build only (PANEL_BUILD=$build); the ASan build would take" \
		"twice as long to compare the same protocol behaviour"
	exit 0
fi

exec "$root/tests/dbproxy/mtr-compare.sh" --short --jobs 4
