#!/usr/bin/env bash
# No-loss soak for dbproxy (make bench; not part of make check): TRIALS (default 204) crash
# trials cycling through the scenarios (a)-(f) of tests/dbproxy/test_dbproxy_noloss.c, each
# with a fresh cluster, a writer with a ledger and kill -9 of the primary. Reports, per
# scenario, the acknowledged writes lost (target 0) and the write gap around the crash (the
# longest time between two acknowledgements: target p50 < 300 ms, p99 < 1 s, except (c), whose
# replicas are held back on purpose). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
trials=${TRIALS:-204}
out=$build/bench
mkdir -p "$out"
bin=$build/tests/test_dbproxy_noloss
[[ -x $bin ]] || { echo "build the tests first (make tests)" >&2; exit 1; }

rounds=$(((trials + 5) / 6))
log=$out/dbproxy-noloss-soak.log
echo "== dbproxy no-loss soak: $((rounds * 6)) trials, scenarios (a)-(f) ($(date -u +%FT%TZ), $(nproc) CPUs)"
start=$SECONDS
DPT_ONLY=abcdef DPT_REPEAT=$rounds "$bin" >"$log" 2>&1 || true

# One line per trial: scenario letter, gap in ms (or -), lost (or -: the trial failed).
awk '
	/ scenario \(/ { if (cur != "") print cur, gap, lost; cur = substr($0, index($0, "(") + 1, 1); gap = "-"; lost = "-" }
	/write gap [0-9]+ ms/ { match($0, /write gap [0-9]+/); gap = substr($0, RSTART + 10, RLENGTH - 10) }
	/\(soak: lost=/ { match($0, /lost=[0-9-]+/); lost = substr($0, RSTART + 5, RLENGTH - 5) }
	/\[  FAILED  \] test_/ { lost = (lost == "-" ? "fail" : lost) }
	END { if (cur != "") print cur, gap, lost }
' "$log" >"$out/dbproxy-noloss-soak.trials"

# The value at fraction q of the sorted numbers on stdin.
percentile() {
	sort -n | awk -v q="$1" '{ v[NR] = $1 } END { if (NR) print v[int((NR - 1) * q) + 1]; else print "-" }'
}

report() {
	local trials=$out/dbproxy-noloss-soak.trials s rows n failed lost gaps
	printf '%-9s %6s %6s %6s %8s %8s %8s\n' scenario trials failed lost gap-p50 gap-p99 gap-max
	for s in a b c d e f; do
		rows=$(awk -v s="$s" '$1 == s' "$trials")
		n=$(grep -c . <<<"$rows" || true)
		failed=$(awk '$3 == "-" || $3 == "fail"' <<<"$rows" | grep -c . || true)
		lost=$(awk '$3 ~ /^[0-9]+$/ { l += $3 } END { print l + 0 }' <<<"$rows")
		gaps=$(awk '$2 ~ /^[0-9]+$/ { print $2 }' <<<"$rows")
		printf '(%s)       %6d %6d %6d %8s %8s %8s\n' "$s" "$n" "$failed" "$lost" \
			"$(percentile 0.50 <<<"$gaps")" "$(percentile 0.99 <<<"$gaps")" \
			"$(percentile 1 <<<"$gaps")"
	done
	awk '{ n++; if ($3 !~ /^[0-9]+$/) f++; else l += $3 }
		END { printf "all       %6d %6d %6d\n", n, f, l }' "$trials"
	echo "(gaps in ms; $((SECONDS - start)) s; trial log: $log)"
}
report | tee "$out/dbproxy-noloss-soak.txt"
