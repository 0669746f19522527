#!/usr/bin/env bash
# The floor of CPU per statement for any relay on this machine (make bench; not part of make
# check): sysbench oltp_point_select through the smallest useful epoll relay
# (tests/bench/relay_floor.c), the same with io_uring (relay_floor_uring.c, when built: it
# needs liburing), dbproxy's plain relay (--busy-poll-us 0 --zero-copy off, as in
# dbproxy-throughput.sh) and HAProxy in TCP mode, interleaved, REPS times each (median kept),
# in front of one throwaway MariaDB server from the test harness, everything on loopback.
# CPU per query: growth of the relay's utime + stime (/proc/PID/stat) over sysbench's count.
# Environment: DURATION (s per run, default 5), REPS (default 3), THREADS ("1 4 16"),
# SPIN_US (the epoll relay's spin before blocking, default 0). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
duration=${DURATION:-5}
reps=${REPS:-3}
threads=${THREADS:-"1 4 16"}
spin_us=${SPIN_US:-0}
out=$build/bench
floor=$build/bench/relay_floor
floor_uring=$build/bench/relay_floor_uring
mkdir -p "$out"
for tool in sysbench haproxy; do
	command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
		{ echo "$tool is missing: make deps" >&2; exit 1; }
done
[[ -x $build/bin/dbproxy ]] || { echo "build dbproxy first (make)" >&2; exit 1; }
[[ -x $floor ]] || { echo "build $floor first (make bench)" >&2; exit 1; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# shellcheck source=tests/bench/bench-lib.bash
. tests/bench/bench-lib.bash
bench_server relay-floor sbtest
"$mc" sql "$dir" 0 "
	CREATE USER dbmon@'127.0.0.1' IDENTIFIED BY 'monitor-pw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
		READ_ONLY ADMIN, CONNECTION ADMIN,
		PROCESS, RELOAD ON *.* TO dbmon@'127.0.0.1';
	GRANT SELECT ON mysql.global_priv TO dbmon@'127.0.0.1';
	CREATE USER sbtest@'127.0.0.1' IDENTIFIED BY 'sbtest-pw';
	GRANT ALL ON sbtest.* TO sbtest@'127.0.0.1';"
echo monitor-pw >"$work/mon.pw"

sb_common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=sbtest --mysql-password=sbtest-pw
	--mysql-db=sbtest --tables=4 --table-size=10000)
echo "== sysbench prepare" >&2
sysbench oltp_point_select "${sb_common[@]}" --mysql-port="$SERVER0_PORT" prepare >"$work/prepare.log"

# The targets, in the order they run: name, port and pid of each.
targets=()
declare -A port pid label
start() { # name label command...: starts it in the background on port[name]
	local name=$1
	label[$name]=$2
	shift 2
	"$@" >"$work/$name.log" 2>&1 &
	bench_pids+=("$!")
	pid[$name]=$!
	targets+=("$name")
}
port[floor]=$(bench_free_port)
start floor "floor (epoll, spin $spin_us µs)" "$floor" "${port[floor]}" "$SERVER0_PORT" "$spin_us"
if [[ -x $floor_uring ]]; then
	port[uring]=$(bench_free_port)
	start uring "floor (io_uring)" "$floor_uring" "${port[uring]}" "$SERVER0_PORT"
else
	echo "== $floor_uring not built (liburing missing): skipping the io_uring relay" >&2
fi
port[plain]=$(bench_free_port)
start plain "dbproxy plain" "$build/bin/dbproxy" --listen "127.0.0.1:${port[plain]}" \
	--server "127.0.0.1:$SERVER0_PORT" --monitor-user dbmon \
	--monitor-password-file "$work/mon.pw" --log-level warn --max-clients 4000 \
	--busy-poll-us 0 --zero-copy off
port[haproxy]=$(bench_free_port)
cat >"$work/haproxy.cfg" <<CFG
global
	maxconn 4000
defaults
	mode tcp
	timeout connect 2s
	timeout client 1h
	timeout server 1h
listen mysql
	bind 127.0.0.1:${port[haproxy]}
	server primary 127.0.0.1:$SERVER0_PORT check inter 1s
CFG
start haproxy "HAProxy" haproxy -f "$work/haproxy.cfg" -db

# Each target answers a statement before anything is measured (dbproxy: once its monitor has
# found the server).
for name in "${targets[@]}"; do
	for ((i = 0; ; i++)); do
		mariadb -h 127.0.0.1 -P "${port[$name]}" -u sbtest -psbtest-pw -N -e 'SELECT 1' sbtest \
			>/dev/null 2>&1 && break
		if ((i >= 100)) || ! kill -0 "${pid[$name]}" 2>/dev/null; then
			cat "$work/$name.log" >&2
			echo "$name does not answer on port ${port[$name]}" >&2
			exit 1
		fi
		sleep 0.1
	done
done

cpu_ticks() { # utime + stime of a process (all its threads) in clock ticks
	awk '{print $14 + $15}' "/proc/$1/stat"
}

hz=$(getconf CLK_TCK)
declare -A tps cpu
for t in $threads; do
	for ((r = 1; r <= reps; r++)); do
		for name in "${targets[@]}"; do
			c0=$(cpu_ticks "${pid[$name]}")
			res=$(sysbench oltp_point_select "${sb_common[@]}" --mysql-port="${port[$name]}" \
				--threads="$t" --time="$duration" --report-interval=0 run)
			c1=$(cpu_ticks "${pid[$name]}")
			k=$t/$name
			x=$(sed -n 's/.*transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' <<<"$res")
			queries=$(sed -n 's/.*queries: *\([0-9]*\) .*/\1/p' <<<"$res")
			y=$(awk -v d=$((c1 - c0)) -v q="$queries" -v hz="$hz" 'BEGIN { printf "%.1f", d / hz * 1e6 / q }')
			tps[$k]+="$x " cpu[$k]+="$y "
			echo "$t threads, $name, run $r: $x tps, $y µs CPU/query" >&2
		done
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

report=$out/relay-floor.md
{
	echo "sysbench $(sysbench --version | awk '{print $2}'), $(haproxy -v | head -1 | awk '{print $1, $3}'), MariaDB $("$mc" sql "$dir" 0 'SELECT VERSION()'), $(uname -r)"
	echo "$(nproc) CPUs, $(date -u +%FT%TZ), oltp_point_select, 4 tables x 10000 rows, ${duration}s per run, median of $reps runs; load average before $load_before, after $load_after"
	echo
	echo "| threads | relay | tps | CPU µs/query | CPU / HAProxy's | CPU µs/query per run |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for t in $threads; do
		h=$(median "${cpu[$t/haproxy]}")
		for name in "${targets[@]}"; do
			c=$(median "${cpu[$t/$name]}")
			echo "| $t | ${label[$name]} | $(median "${tps[$t/$name]}") | $c |" \
				"$(awk -v a="$c" -v b="$h" 'BEGIN { printf "%.2fx", a / b }') | ${cpu[$t/$name]% } |"
		done
	done
} | tee "$report"
echo "(written to $report)" >&2
