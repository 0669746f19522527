#!/usr/bin/env bash
# Benchmark of panelctl account import (make bench; not part of make check): the same number of
# accounts imported with one hashing worker and with one per CPU, in the same run, on a
# throwaway MariaDB server; wall time, CPU time (user + system) and their ratio, then a rerun
# that skips every line. Default password scheme: SHA512-crypt, 100,000 rounds. Before them,
# one core's hash rate with the same library (libcrypt's crypt_r, through python3's crypt
# module) on the file's own passwords, the reference for the workers' throughput.
# Environment: LINES (accounts per import, default 300), JOBS (default: the CPUs online),
# ROUNDS (sha512_rounds, default 100000). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
lines=${LINES:-300}
jobs=${JOBS:-$(nproc)}
rounds=${ROUNDS:-100000}
out=$build/bench
mkdir -p "$out"
[[ -x $build/bin/panelctl ]] || { echo "build panelctl first (make)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (Debian package time)" >&2; exit 1; }

# shellcheck source=tests/bench/bench-lib.bash
. tests/bench/bench-lib.bash
bench_server import-bench import_bench
{
	bench_db_conf import_bench
	cat <<CONF

[accounts]
sha512_rounds = $rounds
CONF
} >"$work/panel.conf"
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
# import with N workers should come close to N times it. The cost of a round depends on the
# password's and the salt's lengths (a 16-character password with crypt's 16-character salt
# takes a second SHA-512 block where a 14-character one does not: "Bench-pass-b-100" costs a
# third more than "Bench-pass-b-99"), so the reference hashes the second file's own passwords,
# 20 of them spread over it, with salts of crypt_gensalt's length.
echo "== one core's hash rate" >&2
hash_rate=$(python3 -W ignore - "$rounds" "$work/b.jsonl" <<'PY'
import crypt, json, sys, time
rounds = int(sys.argv[1])
with open(sys.argv[2]) as f:
    passwords = [json.loads(line)["password"] for line in f]
sample = [passwords[i * len(passwords) // 20] for i in range(min(20, len(passwords)))]
start = time.monotonic()
for i, password in enumerate(sample):
    crypt.crypt(password, "$6$rounds=%d$benchsaltbench%03d" % (rounds, i))
print("%.2f" % (len(sample) / (time.monotonic() - start)))
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
	# time(1) counts hundredths: a tiny run may take "0.00".
	if (w1 < 0.01) w1 = 0.01; if (wn < 0.01) wn = 0.01; if (wr < 0.01) wr = 0.01
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
