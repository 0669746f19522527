#!/usr/bin/env bash
# Throughput benchmark for dbproxy (make bench; not part of make check): sysbench
# oltp_point_select and oltp_read_write at 1, 4 and 16 threads, direct to the MariaDB primary,
# through dbproxy and through HAProxy in TCP mode, interleaved, REPS times each (median kept).
# A primary and a semi-sync replica from the test harness, everything on this machine.
# Environment: DURATION (s per run, default 10), REPS (default 3), THREADS ("1 4 16"),
# WORKLOADS ("oltp_point_select oltp_read_write"). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
duration=${DURATION:-10}
reps=${REPS:-3}
threads=${THREADS:-"1 4 16"}
workloads=${WORKLOADS:-"oltp_point_select oltp_read_write"}
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
proxy_pid= haproxy_pid=
cleanup() {
	local rc=$?
	if [[ -n $proxy_pid ]]; then kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null || true; fi
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
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN,
		PROCESS, RELOAD ON *.* TO dbmon@'127.0.0.1';
	GRANT SELECT ON mysql.global_priv TO dbmon@'127.0.0.1';
	CREATE DATABASE sbtest;
	CREATE USER sbtest@'127.0.0.1' IDENTIFIED BY 'sbtest-pw';
	GRANT ALL ON sbtest.* TO sbtest@'127.0.0.1';"
echo monitor-pw >"$work/mon.pw"

direct_port=$SERVER0_PORT
proxy_port=$(free_port)
haproxy_port=$(free_port)
"$build/bin/dbproxy" --listen "127.0.0.1:$proxy_port" --server "127.0.0.1:$SERVER0_PORT" \
	--server "127.0.0.1:$SERVER1_PORT" --monitor-user dbmon --monitor-password-file "$work/mon.pw" \
	--log-level warn --max-clients 4000 2>"$work/dbproxy.log" &
proxy_pid=$!
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

proxy_cpu() { # utime + stime of dbproxy in clock ticks
	awk '{print $14 + $15}' "/proc/$proxy_pid/stat"
}

declare -A tps p95 qps cpu
for w in $workloads; do
	for t in $threads; do
		for ((r = 1; r <= reps; r++)); do
			for target in direct dbproxy haproxy; do
				case $target in
				direct) port=$direct_port ;;
				dbproxy) port=$proxy_port ;;
				haproxy) port=$haproxy_port ;;
				esac
				c0=$(proxy_cpu)
				res=$(sysbench "$w" "${sb_common[@]}" --mysql-port="$port" --threads="$t" \
					--time="$duration" --percentile=95 --report-interval=0 run)
				c1=$(proxy_cpu)
				k="$w/$t/$target"
				tps[$k]+="$(sed -n 's/.*transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' <<<"$res") "
				qps[$k]+="$(sed -n 's/.*queries: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' <<<"$res") "
				p95[$k]+="$(sed -n 's/.*95th percentile: *\([0-9.]*\).*/\1/p' <<<"$res") "
				queries=$(sed -n 's/.*queries: *\([0-9]*\) .*/\1/p' <<<"$res")
				if [[ $target == dbproxy ]]; then
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
	echo "| workload | threads | direct tps | dbproxy tps | HAProxy tps | dbproxy/direct | HAProxy/direct | p95 ms direct / dbproxy / HAProxy | dbproxy CPU µs/query |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for w in $workloads; do
		for t in $threads; do
			d=$(median "${tps[$w/$t/direct]}") p=$(median "${tps[$w/$t/dbproxy]}") h=$(median "${tps[$w/$t/haproxy]}")
			echo "| $w | $t | $d | $p | $h | $(awk -v a="$p" -v b="$d" 'BEGIN{printf "%.1f%%", 100*a/b}') |" \
				"$(awk -v a="$h" -v b="$d" 'BEGIN{printf "%.1f%%", 100*a/b}') |" \
				"$(median "${p95[$w/$t/direct]}") / $(median "${p95[$w/$t/dbproxy]}") / $(median "${p95[$w/$t/haproxy]}") |" \
				"$(median "${cpu[$w/$t/dbproxy]}") |"
		done
	done
} | tee "$report"
echo "(written to $report)" >&2
