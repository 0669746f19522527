#!/usr/bin/env bash
# Throughput benchmark for dbproxy (make bench; not part of make check): sysbench
# oltp_point_select, oltp_read_write and large_rows (1 MiB rows, tests/bench/large_rows.lua) at
# 1, 4 and 16 threads, direct to the MariaDB primary, through dbproxy with its defaults,
# through dbproxy with busy polling and zero-copy off ("plain": the relay without either), and
# through HAProxy in TCP mode, interleaved, REPS times each (median kept). A primary and a
# semi-sync replica from the test harness, everything on this machine.
# Environment: DURATION (s per run, default 10), REPS (default 3), THREADS ("1 4 16"),
# WORKLOADS ("oltp_point_select oltp_read_write large_rows"). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
duration=${DURATION:-10}
reps=${REPS:-3}
threads=${THREADS:-"1 4 16"}
workloads=${WORKLOADS:-"oltp_point_select oltp_read_write large_rows"}
out=$build/bench
mkdir -p "$out"
for tool in sysbench haproxy; do
	command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
		{ echo "$tool is missing: make deps" >&2; exit 1; }
done
[[ -x $build/bin/dbproxy ]] || { echo "build dbproxy first (make)" >&2; exit 1; }

mc=tests/harness/mariadb-cluster
work=$(mktemp -d "${TMPDIR:-/tmp}/dbproxy-bench.XXXXXX")
dir=$work/cluster
proxy_pid= plain_pid= haproxy_pid=
cleanup() {
	local rc=$?
	if [[ -n $proxy_pid ]]; then kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null || true; fi
	if [[ -n $plain_pid ]]; then kill "$plain_pid" 2>/dev/null; wait "$plain_pid" 2>/dev/null || true; fi
	if [[ -n $haproxy_pid ]]; then kill "$haproxy_pid" 2>/dev/null; wait "$haproxy_pid" 2>/dev/null || true; fi
	"$mc" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

echo "== starting a primary and a semi-sync replica" >&2
env=$("$mc" start "$dir" --replicas 1 --semisync --owner-pid $$ | tail -n 1)
# shellcheck disable=SC1090
. "$env"
"$mc" sql "$dir" 0 "
	CREATE USER dbmon@'127.0.0.1' IDENTIFIED BY 'monitor-pw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
		READ_ONLY ADMIN, CONNECTION ADMIN,
		PROCESS, RELOAD ON *.* TO dbmon@'127.0.0.1';
	GRANT SELECT ON mysql.global_priv TO dbmon@'127.0.0.1';
	CREATE DATABASE sbtest;
	CREATE USER sbtest@'127.0.0.1' IDENTIFIED BY 'sbtest-pw';
	GRANT ALL ON sbtest.* TO sbtest@'127.0.0.1';"
echo monitor-pw >"$work/mon.pw"

direct_port=$SERVER0_PORT
proxy_port=$(free_port)
plain_port=$(free_port)
haproxy_port=$(free_port)
dbproxy_args=(--server "127.0.0.1:$SERVER0_PORT" --server "127.0.0.1:$SERVER1_PORT"
	--monitor-user dbmon --monitor-password-file "$work/mon.pw" --log-level warn --max-clients 4000)
"$build/bin/dbproxy" --listen "127.0.0.1:$proxy_port" "${dbproxy_args[@]}" 2>"$work/dbproxy.log" &
proxy_pid=$!
# The same relay without busy polling and without splice, to show what each brings. Both
# dbproxies watch the same servers and agree: the first --server is the writer.
# PLAIN_ARGS replaces its two options (experiments: PLAIN_ARGS="--zero-copy off").
read -ra plain_args <<<"${PLAIN_ARGS:---busy-poll-us 0 --zero-copy off}"
"$build/bin/dbproxy" --listen "127.0.0.1:$plain_port" "${dbproxy_args[@]}" "${plain_args[@]}" \
	2>"$work/dbproxy-plain.log" &
plain_pid=$!
cat >"$work/haproxy.cfg" <<CFG
global
	maxconn 4000
defaults
	mode tcp
	timeout connect 2s
	timeout client 1h
	timeout server 1h
listen mysql
	bind 127.0.0.1:$haproxy_port
	server primary 127.0.0.1:$SERVER0_PORT check inter 1s
CFG
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
sleep 1

sb_common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=sbtest --mysql-password=sbtest-pw
	--mysql-db=sbtest --tables=4 --table-size=10000)
echo "== sysbench prepare" >&2
sysbench oltp_read_write "${sb_common[@]}" --mysql-port="$direct_port" prepare >"$work/prepare.log"
large_rows=$root/tests/bench/large_rows.lua
sysbench "$large_rows" "${sb_common[@]}" --mysql-port="$direct_port" prepare >>"$work/prepare.log"

cpu_ticks() { # utime + stime of a process in clock ticks
	awk '{print $14 + $15}' "/proc/$1/stat"
}

declare -A tps p95 qps cpu
for w in $workloads; do
	for t in $threads; do
		for ((r = 1; r <= reps; r++)); do
			for target in direct dbproxy plain haproxy; do
				pid=
				case $target in
				direct) port=$direct_port ;;
				dbproxy) port=$proxy_port pid=$proxy_pid ;;
				plain) port=$plain_port pid=$plain_pid ;;
				haproxy) port=$haproxy_port pid=$haproxy_pid ;;
				esac
				script=$w
				[[ $w == large_rows ]] && script=$large_rows
				c0=$(cpu_ticks "${pid:-$$}")
				res=$(sysbench "$script" "${sb_common[@]}" --mysql-port="$port" --threads="$t" \
					--time="$duration" --percentile=95 --report-interval=0 run)
				c1=$(cpu_ticks "${pid:-$$}")
				k="$w/$t/$target"
				tps[$k]+="$(sed -n 's/.*transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' <<<"$res") "
				qps[$k]+="$(sed -n 's/.*queries: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' <<<"$res") "
				p95[$k]+="$(sed -n 's/.*95th percentile: *\([0-9.]*\).*/\1/p' <<<"$res") "
				queries=$(sed -n 's/.*queries: *\([0-9]*\) .*/\1/p' <<<"$res")
				if [[ -n $pid ]]; then
					cpu[$k]+="$(awk -v d=$((c1 - c0)) -v q="$queries" -v hz="$(getconf CLK_TCK)" \
						'BEGIN { printf "%.1f", d / hz * 1e6 / q }') "
				fi
				echo "$k run $r: $(awk "{print \$NF}" <<<"${tps[$k]}") tps" >&2
			done
		done
	done
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

report=$out/dbproxy-throughput.md
{
	echo "sysbench $(sysbench --version | awk '{print $2}'), $(haproxy -v | head -1 | awk '{print $1, $3}'), MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}' || true)"
	echo "$(nproc) CPUs, $(date -u +%FT%TZ), ${duration}s per run, median of $reps runs, 4 tables x 10000 rows"
	echo
	echo "(plain: dbproxy with ${plain_args[*]}; large_rows tps = MiB/s)"
	echo
	echo "| workload | threads | direct tps | dbproxy tps | plain tps | HAProxy tps | dbproxy/direct | plain/direct | HAProxy/direct | p95 ms direct / dbproxy / plain / HAProxy | CPU µs/query dbproxy / plain / HAProxy |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f%%", 100*a/b}'; }
	for w in $workloads; do
		for t in $threads; do
			d=$(median "${tps[$w/$t/direct]}") p=$(median "${tps[$w/$t/dbproxy]}")
			n=$(median "${tps[$w/$t/plain]}") h=$(median "${tps[$w/$t/haproxy]}")
			echo "| $w | $t | $d | $p | $n | $h | $(pct "$p" "$d") | $(pct "$n" "$d") | $(pct "$h" "$d") |" \
				"$(median "${p95[$w/$t/direct]}") / $(median "${p95[$w/$t/dbproxy]}") /" \
				"$(median "${p95[$w/$t/plain]}") / $(median "${p95[$w/$t/haproxy]}") |" \
				"$(median "${cpu[$w/$t/dbproxy]}") / $(median "${cpu[$w/$t/plain]}") /" \
				"$(median "${cpu[$w/$t/haproxy]}") |"
		done
	done
} | tee "$report"
echo "(written to $report)" >&2
