#!/usr/bin/env bash
# Many creates through the API against panelctl's import (make bench; not part of make check):
# the documented way for scripts (docs/api.md, "Many creates from a script": one POST per
# account over a few kept-alive connections, each with its Idempotency-Key) and
# `panelctl account import --jobs <CPUs>`, side by side on one throwaway MariaDB server, with
# the default password scheme (SHA512-crypt, 100,000 rounds), so that both are bound by the
# hashing. Reports accounts per second of each and their ratio, and checks that every request
# created its account. Environment: LINES (accounts imported, default 100), DURATION (s of
# API creates per run, 10), CONNECTIONS (requests in flight, 4), THREADS (panel-api's
# workers, 4), REPS (3). See docs/benchmarks.md §7.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
lines=${LINES:-100}
duration=${DURATION:-10}
connections=${CONNECTIONS:-4}
threads=${THREADS:-4}
reps=${REPS:-3}
jobs=$(nproc)
out=$build/bench
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is missing: make deps" >&2; exit 1; }
for b in bin/panel-api bin/panelctl; do
	[[ -x $build/$b ]] || { echo "build $b first (make)" >&2; exit 1; }
done

# shellcheck source=tests/bench/bench-lib.bash
. tests/bench/bench-lib.bash
bench_server api-create create_bench
api_port=$(bench_free_port)
{
	bench_db_conf create_bench
	cat <<CONF

[api]
listen = 127.0.0.1:$api_port
threads = $threads
connections_per_address = 0
CONF
} >"$work/panel.conf"
ctl() { "$build/bin/panelctl" -c "$work/panel.conf" "$@"; }
ctl schema migrate >/dev/null
printf 'Bench-root-pw-1\n' >"$work/pw"
ctl account add admin --mail admin@example.com --admin --password-file "$work/pw" >/dev/null
"$build/bin/panel-api" -c "$work/panel.conf" >"$work/panel-api.log" 2>&1 &
bench_pids+=($!)
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$api_port/healthz" && break
	sleep 0.1
done
token=$(curl -s -H 'Content-Type: application/json' \
	-d '{"login": "admin", "password": "Bench-root-pw-1"}' \
	"http://127.0.0.1:$api_port/api/v1/auth/login" |
	php -r 'echo json_decode(stream_get_contents(STDIN), true)["token"] ?? "";')
[[ -n $token ]] || { echo "no token: $(cat "$work/panel-api.log")" >&2; exit 1; }

# accounts PREFIX: how many logins start with PREFIX (letters and digits only).
accounts() {
	"$mc" sql "$dir" 0 "SELECT COUNT(*) FROM create_bench.membres WHERE login LIKE '$1%'" |
		tail -n 1
}

# import REP: accounts per second of one panelctl import of LINES new accounts.
import_rate() {
	# Passwords of one length for both ways (16 characters): the cost of SHA512-crypt
	# depends on it (docs/benchmarks.md §5).
	for i in $(seq 1 "$lines"); do
		printf '{"login":"imp%sx%d","password":"Zq9-Bench-%d-%04d","mail":"imp%sx%d@example.com"}\n' \
			"$1" "$i" "$(($1 % 10))" "$i" "$1" "$i"
	done >"$work/import.$1.jsonl"
	local wall
	/usr/bin/time -f '%e' -o "$work/import.$1.time" \
		"$build/bin/panelctl" -c "$work/panel.conf" account import --jobs "$jobs" \
		"$work/import.$1.jsonl" >/dev/null
	wall=$(cat "$work/import.$1.time")
	(($(accounts "imp${1}x") == lines)) || { echo "import $1: not every account made" >&2; exit 1; }
	awk -v n="$lines" -v w="$wall" 'BEGIN { printf "%.1f\n", n / w }'
}

# api REP: accounts per second of DURATION s of creates, CONNECTIONS in flight, each request a
# new login and its own Idempotency-Key, as docs/api.md shows.
cat >"$work/create.lua" <<LUA
local counter = 0
local threads = {}
function setup(thread)
	thread:set("id", #threads + 1)
	table.insert(threads, thread)
end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
request = function()
	counter = counter + 1
	local login = string.format("api%sx%dx%d", rep, id, counter)
	wrk.headers["Idempotency-Key"] = "import-" .. login
	-- 16 characters, as the import's (the policy refuses one that contains the login).
	return wrk.format(nil, "/api/v1/accounts", nil, string.format(
		'{"login":"%s","password":"Zq9-Bench-%d-%04d","mail":"%s@example.com"}',
		login, id % 10, counter % 10000, login))
end
LUA
api_rate() {
	local made log=$work/wrk.$1.log
	sed "s/^local counter = 0/local counter = 0\nrep = \"$1\"/" "$work/create.lua" >"$work/create.$1.lua"
	wrk -t 2 -c "$connections" -d "${duration}s" -s "$work/create.$1.lua" \
		"http://127.0.0.1:$api_port" >"$log"
	if grep -q 'Non-2xx or 3xx' "$log"; then
		echo "api $1: errors: $(cat "$log")" >&2
		tail -n 5 "$work/panel-api.log" >&2
		exit 1
	fi
	sleep 1 # the requests wrk left in flight at its end land
	made=$(accounts "api${1}x")
	# wrk counts the requests it got answers to; the database what was made. They must agree
	# (a request cut at the end of the run still lands: allow the connections in flight).
	awk -v made="$made" -v c="$connections" '/ requests in / { n = $1 }
		/Requests\/sec:/ { rps = $2 }
		END { if (made < n || made > n + c) { print "made " made ", answered " n > "/dev/stderr"; exit 1 }
			printf "%.1f\n", rps }' "$log"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$work/import.rates"
: >"$work/api.rates"
: >"$work/ratios"
for rep in $(seq 1 "$reps"); do
	# Alternate which goes first, so that neither always runs on a warmer box.
	if ((rep % 2)); then
		a=$(api_rate "$rep")
		i=$(import_rate "$rep")
	else
		i=$(import_rate "$rep")
		a=$(api_rate "$rep")
	fi
	echo "rep $rep: API $a accounts/s, panelctl import $i accounts/s" >&2
	echo "$a" >>"$work/api.rates"
	echo "$i" >>"$work/import.rates"
	awk -v a="$a" -v i="$i" 'BEGIN { printf "%.3f\n", a / i }' >>"$work/ratios"
done

report=$out/api-create.md
{
	echo "| way | accounts/s (median of $reps) | per run |"
	echo "| --- | --- | --- |"
	echo "| API, $connections requests in flight, $threads workers | $(median <"$work/api.rates") |" \
		"$(paste -sd' ' "$work/api.rates") |"
	echo "| panelctl account import --jobs $jobs | $(median <"$work/import.rates") |" \
		"$(paste -sd' ' "$work/import.rates") |"
	echo
	echo "API / import, median of the per-run ratios: $(median <"$work/ratios")" \
		"($(paste -sd' ' "$work/ratios")); SHA512-crypt 100,000 rounds, $jobs CPUs"
} | tee "$report"
echo "(written to $report)" >&2
