#!/usr/bin/env bash
# Failover benchmark for dbproxy (make bench; not part of make check): TRIALS (default 20)
# kill -9 trials and HANG_TRIALS (default 20) SIGSTOP trials of the primary under a continuous
# writer, through dbproxy, with a primary and two semi-sync replicas from the test harness;
# reports the time from the signal to the first acknowledged write and the number of lost
# acknowledged writes. Then SATURATE_S (default 60) seconds of 16 sysbench threads through
# dbproxy, which must cause no failover. See docs/benchmarks.md.
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

hang_trials=${HANG_TRIALS:-20}
saturate_s=${SATURATE_S:-60}
rc=0
echo "== dbproxy failover: $trials kill -9 trials ($(date -u +%FT%TZ), $(nproc) CPUs)"
"$out/dbproxy-failover-bench" "$trials" kill | tee "$out/dbproxy-failover.txt" || rc=1
if ((hang_trials > 0)); then
	echo "== dbproxy failover: $hang_trials SIGSTOP trials (a hung primary)"
	"$out/dbproxy-failover-bench" "$hang_trials" stop | tee "$out/dbproxy-hang.txt" || rc=1
fi
if ((saturate_s > 0)); then
	echo "== no false failover: ${saturate_s} s of 16 sysbench threads on the $(nproc) CPUs"
	"$out/dbproxy-failover-bench" "$saturate_s" saturate | tee "$out/dbproxy-saturate.txt" || rc=1
fi
exit "$rc"
