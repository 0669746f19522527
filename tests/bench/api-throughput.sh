#!/usr/bin/env bash
# Throughput of panel-api against its floor (make bench; not part of make check): a read (GET of
# one account), a list (GET /api/v1/accounts?limit=20) and a write (PATCH of an account's
# notes), each sent by wrk to panel-api (bearer token) and to tests/bench/api_baseline.c (bare
# libmicrohttpd + one prepared statement, same database connection setup), back to back in the
# same run, REPS times each (median kept). A throwaway primary and semi-sync replica, and a
# dbproxy in front of them, as deployed; everything on this machine. Each route in ROUTES is
# measured: "dbproxy" (both servers reach the database through the same dbproxy: the issue's
# definition of the baseline) and "direct" (both talk to the primary itself: no relay's fixed
# cost to dilute the difference). Environment: DURATION (s per run, default 10), REPS (3),
# CONNECTIONS (16), THREADS (worker threads of both servers, 4), ACCOUNTS (200),
# ROUTES ("dbproxy direct"), WORKLOADS ("read list write"; "keyed": the write with an
# Idempotency-Key),
# DBPROXY_ARGS (more dbproxy options). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
duration=${DURATION:-10}
reps=${REPS:-3}
connections=${CONNECTIONS:-16}
threads=${THREADS:-4}
accounts=${ACCOUNTS:-200}
read -ra routes <<<"${ROUTES:-dbproxy direct}"
read -ra workloads <<<"${WORKLOADS:-read list write}"
out=$build/bench
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is missing: make deps" >&2; exit 1; }
for b in bin/panel-api bin/panelctl bin/dbproxy bench/api_baseline; do
	[[ -x $build/$b ]] || { echo "build $b first (make bench)" >&2; exit 1; }
done

# shellcheck source=tests/bench/bench-lib.bash
. tests/bench/bench-lib.bash

echo "== a primary, a semi-sync replica and dbproxy, $accounts accounts" >&2
bench_server api-bench api_bench --replicas 1 --semisync
"$mc" sql "$dir" 0 "
	CREATE USER dbmon@'127.0.0.1' IDENTIFIED BY 'monitor-pw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
		READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD ON *.* TO dbmon@'127.0.0.1';
	GRANT SELECT ON mysql.global_priv TO dbmon@'127.0.0.1';"
echo monitor-pw >"$work/mon.pw"
proxy_port=$(bench_free_port)
admin_port=$(bench_free_port)
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/admin.token"
# dbproxy with its defaults (busy polling, zero copy), as make run and the packages start it;
# DBPROXY_ARGS adds options for experiments (DBPROXY_ARGS="--busy-poll-us 0").
read -ra dbproxy_args <<<"${DBPROXY_ARGS:-}"
"$build/bin/dbproxy" --listen "127.0.0.1:$proxy_port" --server "127.0.0.1:$SERVER0_PORT" \
	--server "127.0.0.1:$SERVER1_PORT" --monitor-user dbmon \
	--monitor-password-file "$work/mon.pw" --admin "127.0.0.1:$admin_port" \
	--admin-token-file "$work/admin.token" --log-level warn "${dbproxy_args[@]}" \
	2>"$work/dbproxy.log" &
proxy_pid=$!
bench_pids+=("$proxy_pid")

# panel_conf ROUTE PORT DB_PORT: panel-api's configuration for one route.
panel_conf() {
	{
		bench_db_conf api_bench "$3"
		cat <<CONF

[accounts]
sha512_rounds = 5000

[api]
listen = 127.0.0.1:$2
threads = $threads
connections_per_address = 0
CONF
	} >"$work/panel.$1.conf"
}
declare -A api_port base_port db_port=([dbproxy]=$proxy_port [direct]=$SERVER0_PORT)
for route in "${routes[@]}"; do
	[[ -n ${db_port[$route]:-} ]] || { echo "unknown route $route (dbproxy, direct)" >&2; exit 2; }
	api_port[$route]=$(bench_free_port)
	base_port[$route]=$(bench_free_port)
	panel_conf "$route" "${api_port[$route]}" "${db_port[$route]}"
done
for _ in $(seq 1 100); do
	"$mc" sql "$dir" 0 "SELECT 1" >/dev/null 2>&1 &&
		mariadb -h 127.0.0.1 -P "$proxy_port" -u "$CLUSTER_USER" -p"$CLUSTER_PASSWORD" \
			-e 'SELECT 1' >/dev/null 2>&1 && break
	sleep 0.1
done
ctl() { "$build/bin/panelctl" -c "$work/panel.${routes[0]}.conf" "$@"; }
ctl schema migrate >/dev/null
printf 'Bench-root-pw-1\n' >"$work/pw"
ctl account add admin --mail admin@example.com --admin --password-file "$work/pw" >/dev/null
for i in $(seq 1 "$accounts"); do
	printf '{"login":"bench%d","password":"Bench-pass-%d","mail":"bench%d@example.com"}\n' \
		"$i" "$i" "$i"
done >"$work/accounts.jsonl"
ctl --admin admin account import "$work/accounts.jsonl" >/dev/null

declare -A api_pid base_pid
for route in "${routes[@]}"; do
	"$build/bin/panel-api" -c "$work/panel.$route.conf" >"$work/panel-api.$route.log" 2>&1 &
	api_pid[$route]=$!
	bench_pids+=($!)
	"$build/bench/api_baseline" -p "${base_port[$route]}" -t "$threads" -H 127.0.0.1 \
		-P "${db_port[$route]}" -u "$CLUSTER_USER" -s "$work/secret" -d api_bench \
		>"$work/baseline.$route.log" 2>&1 &
	base_pid[$route]=$!
	bench_pids+=($!)
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:${api_port[$route]}/healthz" &&
			curl -s -o /dev/null \
				"http://127.0.0.1:${base_port[$route]}/api/v1/accounts?limit=1" && break
		sleep 0.1
	done
done
# One token serves every route: the instances share the database.
token=$(curl -s -H 'Content-Type: application/json' \
	-d '{"login": "admin", "password": "Bench-root-pw-1"}' \
	"http://127.0.0.1:${api_port[${routes[0]}]}/api/v1/auth/login" |
	php -r 'echo json_decode(stream_get_contents(STDIN), true)["token"] ?? "";')
[[ -n $token ]] || { echo "no token: $(cat "$work/panel-api.${routes[0]}.log")" >&2; exit 1; }

# One wrk script per workload; the same script is sent to both servers.
# keyed: the write with an Idempotency-Key of its own (the claim, and the answer stored with
# the change); the baseline ignores the header.
for w in read list write keyed; do
	cat >"$work/$w.lua" <<LUA
local n = 0
local threads = 0
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
-- Keys unique to each thread of each run: tid is set by setup, in the thread's own state.
function setup(thread)
	threads = threads + 1
	thread:set("tid", threads .. "-" .. os.time())
end
request = function()
	n = n + 1
	local login = "bench" .. math.random(1, $accounts)
	if "$w" == "read" then
		return wrk.format("GET", "/api/v1/accounts/" .. login)
	elseif "$w" == "list" then
		return wrk.format("GET", "/api/v1/accounts?limit=20")
	elseif "$w" == "keyed" then
		return wrk.format("PATCH", "/api/v1/accounts/" .. login,
			{["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json",
			 ["Idempotency-Key"] = "bench-" .. tid .. "-" .. n},
			'{"notes": "bench ' .. n .. '"}')
	end
	return wrk.format("PATCH", "/api/v1/accounts/" .. login, nil,
		'{"notes": "bench ' .. n .. '"}')
end
LUA
done

# The primary's count of statements received (Questions: every command, prepared executes,
# BEGIN and COMMIT included); dbproxy's probes add a few per second.
questions() {
	mariadb -h 127.0.0.1 -P "$SERVER0_PORT" -u "$CLUSTER_USER" -N -B \
		-e "SHOW GLOBAL STATUS LIKE 'Questions'" | cut -f2
}

# CPU time of a process so far, in clock ticks (utime + stime, all threads).
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
primary_pid=$(cat "$SERVER0_PIDFILE")
hz=$(getconf CLK_TCK)

# bench TARGET PORT WORKLOAD PID: one wrk run; prints "requests/s p99_ms statements/request
# server_cpu_us/request primary_cpu_us/request" (the CPU of the server measured, PID, and of the
# primary's mariadbd, over the run). Any answer other than 2xx fails the run: only successful
# requests are counted.
bench() {
	local log=$work/wrk.$1.$3.log q0 s0 m0
	q0=$(questions)
	s0=$(cpu_ticks "$4")
	m0=$(cpu_ticks "$primary_pid")
	wrk -t 2 -c "$connections" -d "${duration}s" --latency -s "$work/$3.lua" \
		"http://127.0.0.1:$2" >"$log"
	if grep -q 'Non-2xx or 3xx' "$log"; then
		echo "$1 $3: errors: $(cat "$log")" >&2
		exit 1
	fi
	awk -v q="$(($(questions) - q0 - 1))" -v s="$(($(cpu_ticks "$4") - s0))" \
		-v m="$(($(cpu_ticks "$primary_pid") - m0))" -v hz="$hz" '/Requests\/sec:/ { rps = $2 }
		/ requests in / { n = $1 }
		$1 == "99%" { v = $2; ms = v + 0
			if (v ~ /us$/) ms = ms / 1000; else if (v ~ /ms$/) ms = ms + 0;
			else if (v ~ /s$/) ms = ms * 1000; p99 = ms }
		END { printf "%s %.2f %.2f %.1f %.1f\n", rps, p99, n ? q / n : 0,
			n ? s / hz * 1e6 / n : 0, n ? m / hz * 1e6 / n : 0 }' "$log"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for route in "${routes[@]}"; do
	for w in "${workloads[@]}"; do
		: >"$work/api.$route.$w"
		: >"$work/base.$route.$w"
	done
done
for rep in $(seq 1 "$reps"); do
	for route in "${routes[@]}"; do
		for w in "${workloads[@]}"; do
			# Alternate which server goes first, so that neither always runs on a warmer box.
			if ((rep % 2)); then order="api base"; else order="base api"; fi
			for t in $order; do
				if [[ $t == api ]]; then
					port=${api_port[$route]} pid=${api_pid[$route]}
				else
					port=${base_port[$route]} pid=${base_pid[$route]}
				fi
				result=$(bench "$t.$route" "$port" "$w" "$pid")
				echo "$result" >>"$work/$t.$route.$w"
				echo "rep $rep $route $w $t: $result (req/s, p99 ms, statements/request," \
					"CPU µs/request of the server, of the primary)" >&2
			done
		done
	done
done

report=$out/api-throughput.md
{
	echo "| route | workload | panel-api req/s | baseline req/s | panel-api / baseline |" \
		"p99 ms panel-api | p99 ms baseline | ratio per run, median |" \
		"statements per request panel-api / baseline |" \
		"CPU µs/request panel-api / baseline | primary's CPU µs/request panel-api / baseline |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for route in "${routes[@]}"; do
		for w in "${workloads[@]}"; do
			f=$route.$w
			a=$(cut -d' ' -f1 "$work/api.$f" | median)
			b=$(cut -d' ' -f1 "$work/base.$f" | median)
			pa=$(cut -d' ' -f2 "$work/api.$f" | median)
			pb=$(cut -d' ' -f2 "$work/base.$f" | median)
			qa=$(cut -d' ' -f3 "$work/api.$f" | median)
			qb=$(cut -d' ' -f3 "$work/base.$f" | median)
			ca=$(cut -d' ' -f4 "$work/api.$f" | median)
			cb=$(cut -d' ' -f4 "$work/base.$f" | median)
			ma=$(cut -d' ' -f5 "$work/api.$f" | median)
			mb=$(cut -d' ' -f5 "$work/base.$f" | median)
			# The two servers of one run share the machine's load of that moment: on a
			# shared machine the median of the per-run ratios is steadier than the ratio
			# of medians.
			r=$(paste -d' ' <(cut -d' ' -f1 "$work/api.$f") <(cut -d' ' -f1 "$work/base.$f") |
				awk '{ printf "%.4f\n", $1 / $2 }' | median)
			awk -v route="$route" -v w="$w" -v a="$a" -v b="$b" -v pa="$pa" -v pb="$pb" \
				-v r="$r" -v qa="$qa" -v qb="$qb" -v ca="$ca" -v cb="$cb" -v ma="$ma" \
				-v mb="$mb" 'BEGIN {
				printf "| %s | %s | %.0f | %.0f | %.2fx | %.2f | %.2f | %.2fx | %.2f / %.2f |" \
					" %.1f / %.1f | %.1f / %.1f |\n", route, w, a, b, a / b, pa, pb, r, qa,
					qb, ca, cb, ma, mb }'
		done
	done
	echo
	if [[ " ${routes[*]} " == *" dbproxy "* ]]; then
		# How the dbproxy loop waited over the whole run (busy polling: docs/dbproxy.md §2).
		# shellcheck disable=SC2016 # PHP's variables
		curl -s -H "Authorization: Bearer $(cat "$work/admin.token")" \
			"http://127.0.0.1:$admin_port/status" |
			php -r '$c = json_decode(stream_get_contents(STDIN), true)["counters"] ?? [];
				printf("dbproxy: %d spinning polls, %d sleeping, ",
					$c["polls_spinning"] ?? -1, $c["polls_sleeping"] ?? -1);'
		# Its CPU time over the whole run (utime + stime, fields 14 and 15 after the command).
		awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.1f s of CPU\n", ($12 + $13) / hz }' \
			"/proc/$proxy_pid/stat"
	fi
	echo "wrk -t 2 -c $connections -d ${duration}s, median of $reps, $threads worker threads each," \
		"$accounts accounts, $(nproc) CPUs"
} | tee "$report"
echo "(written to $report)" >&2
