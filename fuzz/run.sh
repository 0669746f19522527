#!/usr/bin/env bash
# Runs each libFuzzer target (make fuzz) for SECONDS on its seed corpus, fuzz/corpus/<target>,
# plus what earlier runs found (build/fuzz/corpus/<target>, never written into the repo).
# Usage: fuzz/run.sh SECONDS [TARGET...]   Exit status 1 when any target found a crash; its input is
# printed (build/fuzz/artifacts/<target>/crash-*), to reproduce: build/fuzz/<target> FILE.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
build=${FUZZ_BUILD:-build/fuzz}
seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
	for src in fuzz/fuzz_*.c; do
		targets+=("$(basename "$src" .c)")
	done
fi

failed=0
for t in "${targets[@]}"; do
	bin=$build/$t
	work=$build/corpus/$t
	artifacts=$build/artifacts/$t
	log=$build/logs/$t.log
	if [[ ! -x $bin ]]; then
		echo "not ok - $t: $bin is not built (make fuzz-build)"
		failed=1
		continue
	fi
	mkdir -p "$work" "$artifacts" "$(dirname "$log")"
	rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*
	dict=()
	[[ -f fuzz/$t.dict ]] && dict=(-dict="fuzz/$t.dict")
	# Leaks count, UBSan stops at its first report; 2 GB and 10 s per input at most.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
		"$work" "fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	crashes=$(find "$artifacts" -type f 2>/dev/null | sort)
	stats=$(grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$log" |
		sed 's/^stat:://' | tr '\n' ' ')
	last=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1)
	if ((rc != 0)) || [[ -n $crashes ]]; then
		echo "not ok - $t: exit $rc after ${seconds}s"
		grep -E 'ERROR: |runtime error|SUMMARY' "$log" | head -n 5
		for c in $crashes; do
			echo "  crashing input: $c (reproduce: $bin $c)"
		done
		echo "  log: $log"
		failed=1
	else
		echo "ok - $t: ${seconds}s, $stats| ${last#*	}"
	fi
done
exit "$failed"
