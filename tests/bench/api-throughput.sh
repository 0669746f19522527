#!/usr/bin/env bash
# Throughput of panel-api against its floor (make bench; not part of make check): a read (GET of
# one account), a list (GET /api/v1/accounts?limit=20) and a write (PATCH of an account's
# notes), each sent by wrk to panel-api (bearer token) and to tests/bench/api_baseline.c (bare
# libmicrohttpd + one prepared statement, same database connection setup), back to back in the
# same run, REPS times each (median kept). One throwaway MariaDB server; everything on this
# machine. Environment: DURATION (s per run, default 10), REPS (3), CONNECTIONS (16),
# THREADS (worker threads of both servers, 4), ACCOUNTS (200). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
duration=${DURATION:-10}
reps=${REPS:-3}
connections=${CONNECTIONS:-16}
threads=${THREADS:-4}
accounts=${ACCOUNTS:-200}
out=$build/bench
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is missing: make deps" >&2; exit 1; }
for b in bin/panel-api bin/panelctl bench/api_baseline; do
	[[ -x $build/$b ]] || { echo "build $b first (make bench)" >&2; exit 1; }
done

mc=tests/harness/mariadb-cluster
work=$(mktemp -d "${TMPDIR:-/tmp}/api-bench.XXXXXX")
dir=$work/cluster
api_pid= base_pid=
cleanup() {
	local rc=$?
	for pid in $api_pid $base_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	"$mc" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

echo "== starting a MariaDB server, $accounts accounts" >&2
env=$("$mc" start "$dir" --replicas 0 --owner-pid $$ | tail -n 1)
# shellcheck disable=SC1090
. "$env"
"$mc" sql "$dir" 0 "CREATE DATABASE api_bench"
printf '%s\n' "$CLUSTER_PASSWORD" >"$work/secret"
api_port=$(free_port)
base_port=$(free_port)
cat >"$work/panel.conf" <<CONF
[database]
host = 127.0.0.1
port = $SERVER0_PORT
user = $CLUSTER_USER
password_file = $work/secret
name = api_bench

[accounts]
sha512_rounds = 5000

[api]
listen = 127.0.0.1:$api_port
threads = $threads
connections_per_address = 0
CONF
ctl() { "$build/bin/panelctl" -c "$work/panel.conf" "$@"; }
ctl schema migrate >/dev/null
printf 'Bench-root-pw-1\n' >"$work/pw"
ctl account add admin --mail admin@example.com --admin --password-file "$work/pw" >/dev/null
for i in $(seq 1 "$accounts"); do
	printf '{"login":"bench%d","password":"Bench-pass-%d","mail":"bench%d@example.com"}\n' \
		"$i" "$i" "$i"
done >"$work/accounts.jsonl"
ctl --admin admin account import "$work/accounts.jsonl" >/dev/null

"$build/bin/panel-api" -c "$work/panel.conf" >"$work/panel-api.log" 2>&1 &
api_pid=$!
"$build/bench/api_baseline" -p "$base_port" -t "$threads" -H 127.0.0.1 -P "$SERVER0_PORT" \
	-u "$CLUSTER_USER" -s "$work/secret" -d api_bench >"$work/baseline.log" 2>&1 &
base_pid=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$api_port/healthz" &&
		curl -s -o /dev/null "http://127.0.0.1:$base_port/api/v1/accounts?limit=1" && break
	sleep 0.1
done
token=$(curl -s -H 'Content-Type: application/json' \
	-d '{"login": "admin", "password": "Bench-root-pw-1"}' \
	"http://127.0.0.1:$api_port/api/v1/auth/login" |
	php -r 'echo json_decode(stream_get_contents(STDIN), true)["token"] ?? "";')
[[ -n $token ]] || { echo "no token: $(cat "$work/panel-api.log")" >&2; exit 1; }

# One wrk script per workload; the same script is sent to both servers.
for w in read list write; do
	cat >"$work/$w.lua" <<LUA
local n = 0
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
request = function()
	n = n + 1
	local login = "bench" .. math.random(1, $accounts)
	if "$w" == "read" then
		return wrk.format("GET", "/api/v1/accounts/" .. login)
	elseif "$w" == "list" then
		return wrk.format("GET", "/api/v1/accounts?limit=20")
	end
	return wrk.format("PATCH", "/api/v1/accounts/" .. login, nil,
		'{"notes": "bench ' .. n .. '"}')
end
LUA
done

# bench TARGET PORT WORKLOAD: one wrk run; prints "requests/s p99_ms". Any answer other than
# 2xx fails the run: only successful requests are counted.
bench() {
	local log=$work/wrk.$1.$3.log
	wrk -t 2 -c "$connections" -d "${duration}s" --latency -s "$work/$3.lua" \
		"http://127.0.0.1:$2" >"$log"
	if grep -q 'Non-2xx or 3xx' "$log"; then
		echo "$1 $3: errors: $(cat "$log")" >&2
		exit 1
	fi
	awk '/Requests\/sec:/ { rps = $2 }
		$1 == "99%" { v = $2; ms = v + 0
			if (v ~ /us$/) ms = ms / 1000; else if (v ~ /ms$/) ms = ms + 0;
			else if (v ~ /s$/) ms = ms * 1000; p99 = ms }
		END { printf "%s %.2f\n", rps, p99 }' "$log"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for w in read list write; do
	: >"$work/api.$w"
	: >"$work/base.$w"
done
for rep in $(seq 1 "$reps"); do
	for w in read list write; do
		# Alternate which server goes first, so that neither always runs on a warmer box.
		if ((rep % 2)); then order="api base"; else order="base api"; fi
		for t in $order; do
			if [[ $t == api ]]; then port=$api_port; else port=$base_port; fi
			result=$(bench "$t" "$port" "$w")
			echo "$result" >>"$work/$t.$w"
			echo "rep $rep $w $t: $result req/s, p99 ms" >&2
		done
	done
done

report=$out/api-throughput.md
{
	echo "| workload | panel-api req/s | baseline req/s | panel-api / baseline |" \
		"p99 ms panel-api | p99 ms baseline | ratio per run, median |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	for w in read list write; do
		a=$(cut -d' ' -f1 "$work/api.$w" | median)
		b=$(cut -d' ' -f1 "$work/base.$w" | median)
		pa=$(cut -d' ' -f2 "$work/api.$w" | median)
		pb=$(cut -d' ' -f2 "$work/base.$w" | median)
		# The two servers of one run share the machine's load of that moment: on a shared
		# machine the median of the per-run ratios is steadier than the ratio of medians.
		r=$(paste -d' ' <(cut -d' ' -f1 "$work/api.$w") <(cut -d' ' -f1 "$work/base.$w") |
			awk '{ printf "%.4f\n", $1 / $2 }' | median)
		awk -v w="$w" -v a="$a" -v b="$b" -v pa="$pa" -v pb="$pb" -v r="$r" \
			'BEGIN { printf "| %s | %.0f | %.0f | %.2fx | %.2f | %.2f | %.2fx |\n", w, a, b, a / b, pa, pb, r }'
	done
	echo
	echo "wrk -t 2 -c $connections -d ${duration}s, median of $reps, $threads worker threads each," \
		"$accounts accounts, $(nproc) CPUs"
} | tee "$report"
echo "(written to $report)" >&2
