#!/usr/bin/env bash
# Failover benchmark for dbproxy (make bench; not part of make check): TRIALS (default 20)
# kill -9 trials of the primary under a continuous writer, through dbproxy, with a primary and
# two semi-sync replicas from the test harness. Reports the time from kill to the first
# acknowledged write and the number of lost acknowledged writes. See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
trials=${TRIALS:-20}
out=$build/bench
mkdir -p "$out"

[[ -x $build/bin/dbproxy ]] || { echo "build dbproxy first (make)" >&2; exit 1; }
# The helper lives next to the build's binaries so that it finds $build/bin/dbproxy.
cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 -g -pthread \
	-Itests/harness -Itests/dbproxy $(pkg-config --cflags libmariadb jansson) \
	tests/bench/dbproxy_failover_bench.c tests/harness/th_cluster.c \
	-o "$out/dbproxy-failover-bench" $(pkg-config --libs libmariadb jansson) -lm

echo "== dbproxy failover: $trials kill -9 trials ($(date -u +%FT%TZ), $(nproc) CPUs)"
"$out/dbproxy-failover-bench" "$trials" | tee "$out/dbproxy-failover.txt"
