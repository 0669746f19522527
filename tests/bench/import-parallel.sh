#!/usr/bin/env bash
# Benchmark of panelctl account import (make bench; not part of make check): the same number of
# accounts imported with one hashing worker and with one per CPU, in the same run, on a
# throwaway MariaDB server; wall time, CPU time (user + system) and their ratio, then a rerun
# that skips every line. Default password scheme: SHA512-crypt, 100,000 rounds. Before them,
# one core's hash rate with the same library (libcrypt's crypt_r, through python3's crypt
# module), the reference for the workers' throughput.
# Environment: LINES (accounts per import, default 40), JOBS (default: the CPUs online),
# ROUNDS (sha512_rounds, default 100000). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
lines=${LINES:-40}
jobs=${JOBS:-$(nproc)}
rounds=${ROUNDS:-100000}
out=$build/bench
mkdir -p "$out"
[[ -x $build/bin/panelctl ]] || { echo "build panelctl first (make)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (Debian package time)" >&2; exit 1; }

mc=tests/harness/mariadb-cluster
work=$(mktemp -d "${TMPDIR:-/tmp}/import-bench.XXXXXX")
dir=$work/cluster
cleanup() {
	local rc=$?
	"$mc" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting a MariaDB server" >&2
env=$("$mc" start "$dir" --replicas 0 --owner-pid $$ | tail -n 1)
# shellcheck disable=SC1090
. "$env"
"$mc" sql "$dir" 0 "CREATE DATABASE import_bench"
printf '%s\n' "$CLUSTER_PASSWORD" >"$work/secret"
cat >"$work/panel.conf" <<CONF
[database]
host = 127.0.0.1
port = $SERVER0_PORT
user = $CLUSTER_USER
password_file = $work/secret
name = import_bench

[accounts]
sha512_rounds = $rounds
CONF
ctl() { "$build/bin/panelctl" -c "$work/panel.conf" "$@"; }
ctl schema migrate >/dev/null

# One file per run, with its own logins: both imports create the same number of accounts.
for set in a b; do
	for i in $(seq 1 "$lines"); do
		printf '{"login":"%s%d","password":"Bench-pass-%s-%d","mail":"%s%d@example.com"}\n' \
			"$set" "$i" "$set" "$i" "$set" "$i"
	done >"$work/$set.jsonl"
done

# run NAME JOBS FILE: prints "wall user sys" (seconds) of one import.
run() {
	/usr/bin/time -f '%e %U %S' -o "$work/$1.time" \
		"$build/bin/panelctl" -c "$work/panel.conf" account import --jobs "$2" "$3" \
		>"$work/$1.out"
	grep -c -e ': created ' -e ': skipped ' "$work/$1.out" >"$work/$1.count" || true
	cat "$work/$1.time"
}

# One core's SHA512-crypt rate, through the libcrypt that libpanel calls (crypt_rn): the
# import with N workers should come close to N times it.
echo "== one core's hash rate" >&2
hash_rate=$(python3 -W ignore - "$rounds" <<'PY'
import crypt, sys, time
rounds, n = int(sys.argv[1]), 20
start = time.monotonic()
for i in range(n):
    crypt.crypt("Bench-pass-%d" % i, "$6$rounds=%d$benchsalt%04d" % (rounds, i))
print("%.2f" % (n / (time.monotonic() - start)))
PY
)

echo "== $lines accounts, 1 worker" >&2
read -r w1 u1 s1 < <(run one 1 "$work/a.jsonl")
echo "== $lines accounts, $jobs workers" >&2
read -r wn un sn < <(run many "$jobs" "$work/b.jsonl")
echo "== rerun of the second file ($lines lines skipped)" >&2
read -r wr ur sr < <(run rerun "$jobs" "$work/b.jsonl")
for f in one many rerun; do
	[[ $(cat "$work/$f.count") == "$lines" ]] || { echo "$f: not every line done" >&2; exit 1; }
done

report=$out/import-parallel.md
awk -v n="$lines" -v j="$jobs" -v r="$rounds" -v h="$hash_rate" -v w1="$w1" -v u1="$u1" -v s1="$s1" \
	-v wn="$wn" -v un="$un" -v sn="$sn" -v wr="$wr" -v ur="$ur" -v sr="$sr" 'BEGIN {
	printf "| run | wall s | CPU s (user + sys) | CPU / wall | accounts/s | speed-up |\n"
	printf "| --- | --- | --- | --- | --- | --- |\n"
	printf "| %d accounts, 1 worker | %.2f | %.2f | %.2f | %.1f | 1.00 |\n", n, w1, u1 + s1,
		(u1 + s1) / w1, n / w1
	printf "| %d accounts, %d workers | %.2f | %.2f | %.2f | %.1f | %.2f |\n", n, j, wn,
		un + sn, (un + sn) / wn, n / wn, w1 / wn
	printf "| rerun, %d lines skipped | %.2f | %.2f | %.2f | %.1f | |\n", n, wr, ur + sr,
		(ur + sr) / wr, n / wr
	printf "\none core hashes %.1f passwords/s (libcrypt); %d workers import %.1f accounts/s:" \
		" %.0f%% of %d x that\n", h, j, n / wn, 100 * (n / wn) / (j * h), j
	printf "\nsha512_rounds %d, %d CPUs online\n", r, j
}' | tee "$report"
echo "(written to $report)" >&2
