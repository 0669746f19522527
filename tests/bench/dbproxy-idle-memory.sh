#!/usr/bin/env bash
# Memory per idle client (make bench; not part of make check): N authenticated MySQL sessions
# (default 10,000; handshake, login and one SELECT 1 each, then silent) held open through
# dbproxy, then through HAProxy in TCP mode, in the same run, in front of one throwaway MariaDB
# server from the test harness, everything on loopback. For each proxy: its memory at rest,
# with the N idle sessions and after they closed (/proc/PID/smaps_rollup: Rss, Pss,
# Private_Dirty), the per-session difference, the kernel's side (/proc/net/sockstat TCP "mem"
# pages: socket buffers; /proc/meminfo Slab: socket structures, files, epoll entries, for all
# four sockets of a session: client, proxy x2, server) and, for dbproxy, its own gauges
# (sessions, relay buffers lent). The server's own memory per session is shown for scale.
# Environment: N (sessions, default 10000), SETTLE (s to wait once all are open, default 3).
# Target (issue 16): dbproxy under 16 KiB of user-space memory per idle session.
# See docs/benchmarks.md, "Memory per idle client".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
n=${N:-10000}
settle=${SETTLE:-3}
out=$build/bench
client=$build/bench/idle_clients
mkdir -p "$out"
for tool in haproxy curl; do
	command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
		{ echo "$tool is missing: make deps" >&2; exit 1; }
done
[[ -x $build/bin/dbproxy ]] || { echo "build dbproxy first (make)" >&2; exit 1; }
[[ -x $client ]] || { echo "build $client first (make bench)" >&2; exit 1; }

# Each session holds two descriptors in a proxy, one in the client and one in the server:
# raise the limit for everything started from here (the hard limit too, with
# CAP_SYS_RESOURCE). Where the hard limit stays lower (a container without that capability:
# 20,000 here) N is lowered to what a proxy can hold, 100 descriptors kept for its own use;
# the figures are per session, the report says which N was measured.
want_fds=$((2 * n + 100))
if (($(ulimit -Hn) < want_fds)); then
	ulimit -Hn "$want_fds" 2>/dev/null || true
fi
ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < want_fds)); then
	n=$((($(ulimit -n) - 100) / 2))
	echo "descriptor limit $(ulimit -n) (hard): measuring with N=$n sessions" >&2
fi

mc=tests/harness/mariadb-cluster
work=$(mktemp -d "${TMPDIR:-/tmp}/dbproxy-idlemem.XXXXXX")
dir=$work/cluster
proxy_pid="" haproxy_pid="" client_pid=""
stop_pid() {
	if [[ -n $1 ]]; then
		kill "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}
cleanup() {
	local rc=$?
	stop_pid "$client_pid"
	stop_pid "$proxy_pid"
	stop_pid "$haproxy_pid"
	"$mc" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

echo "== starting one MariaDB server" >&2
env=$("$mc" start "$dir" --replicas 0 --owner-pid $$ | tail -n 1)
# shellcheck disable=SC1090
. "$env"
sql() { "$mc" sql "$dir" 0 "$1"; }
sql "SET GLOBAL max_connections = $((n + 200));
	SET GLOBAL thread_cache_size = 0;
	CREATE USER dbmon@'127.0.0.1' IDENTIFIED BY 'monitor-pw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
		READ_ONLY ADMIN, CONNECTION ADMIN,
		PROCESS, RELOAD ON *.* TO dbmon@'127.0.0.1';
	GRANT SELECT ON mysql.global_priv TO dbmon@'127.0.0.1';
	CREATE USER idle@'127.0.0.1' IDENTIFIED BY 'idle-pw';"
server_fds=$(sql "SELECT @@open_files_limit")
if ((server_fds < n + 100)); then
	echo "MariaDB's open_files_limit is $server_fds, below $((n + 100))" >&2
	exit 1
fi
echo monitor-pw >"$work/mon.pw"
head -c 24 /dev/urandom | base64 >"$work/admin.token"

proxy_port=$(free_port)
admin_port=$(free_port)
haproxy_port=$(free_port)
"$build/bin/dbproxy" --listen "127.0.0.1:$proxy_port" --server "127.0.0.1:$SERVER0_PORT" \
	--monitor-user dbmon --monitor-password-file "$work/mon.pw" --log-level warn \
	--max-clients $((n + 100)) --admin "127.0.0.1:$admin_port" \
	--admin-token-file "$work/admin.token" 2>"$work/dbproxy.log" &
proxy_pid=$!
cat >"$work/haproxy.cfg" <<CFG
global
	maxconn $((n + 10))
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
sleep 2
mariadb_pid=$("$mc" status "$dir" | awk '$1 == 0 {print $3}')

# "Rss Pss Private_Dirty" of a process in KiB.
smaps() { awk '/^(Rss|Pss|Private_Dirty):/ {v[$1] = $2} END {print v["Rss:"], v["Pss:"], v["Private_Dirty:"]}' "/proc/$1/smaps_rollup"; }
sock_pages() { awk '$1 == "TCP:" {for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1)}' /proc/net/sockstat; }
slab_kib() { awk '$1 == "Slab:" {print $2}' /proc/meminfo; }
threads_connected() { sql "SHOW GLOBAL STATUS LIKE 'Threads_connected'" | awk '{print $2}'; }
metric() {
	curl -sf -H "Authorization: Bearer $(cat "$work/admin.token")" \
		"http://127.0.0.1:$admin_port/metrics" | awk -v m="$1" '$1 == m {v = $2} END {print v}'
}
wait_threads() { # until the server holds at most $1 client connections (60 s)
	local i
	for ((i = 0; i < 600; i++)); do
		(($(threads_connected) <= $1)) && return 0
		sleep 0.1
	done
	echo "the server still holds $(threads_connected) connections" >&2
	return 1
}

declare -A r
measure() { # name pid port
	local name=$1 pid=$2 port=$3 base line
	base=$(threads_connected)
	r[$name/rest]=$(smaps "$pid")
	r[$name/srv_rest]=$(smaps "$mariadb_pid")
	r[$name/sock_rest]=$(sock_pages)
	r[$name/slab_rest]=$(slab_kib)
	echo "== $name: opening $n idle sessions" >&2
	"$client" 127.0.0.1 "$port" idle idle-pw "$n" >"$work/client.out" 2>"$work/client.err" &
	client_pid=$!
	while ! line=$(grep '^ready' "$work/client.out"); do
		if ! kill -0 "$client_pid" 2>/dev/null; then
			cat "$work/client.err" >&2
			echo "the client failed through $name" >&2
			return 1
		fi
		sleep 0.5
	done
	r[$name/open_s]=$(awk '{print $3}' <<<"$line")
	sleep "$settle"
	r[$name/idle]=$(smaps "$pid")
	r[$name/srv_idle]=$(smaps "$mariadb_pid")
	r[$name/sock_idle]=$(sock_pages)
	r[$name/slab_idle]=$(slab_kib)
	r[$name/conns]=$(($(threads_connected) - base))
	if [[ $name == dbproxy ]]; then
		r[$name/sessions]=$(metric dbproxy_sessions)
		r[$name/buffers]=$(metric dbproxy_buffers_in_use)
		r[$name/pipes]=$(metric dbproxy_pipes_in_use)
		grep -E '^(VmRSS|VmData|Threads)' "/proc/$pid/status" >"$work/dbproxy-status.txt"
	fi
	echo "== $name: ${r[$name/conns]} server connections in $(awk '{print $3}' <<<"$line") s; closing" >&2
	stop_pid "$client_pid"
	client_pid=
	wait_threads $((base + 2))
	sleep 1
	r[$name/after]=$(smaps "$pid")
}
measure dbproxy "$proxy_pid" "$proxy_port"
measure haproxy "$haproxy_pid" "$haproxy_port"

field() { awk -v i="$2" '{print $i}' <<<"$1"; }
# per-session bytes from two "Rss Pss Private_Dirty" KiB triples, field i
per() { awk -v a="$(field "$1" "$3")" -v b="$(field "$2" "$3")" -v n="$n" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}'; }
kib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1024}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

report=$out/dbproxy-idle-memory.md
{
	echo "$(haproxy -v | head -1 | awk '{print $1, $3}'), MariaDB $(sql 'SELECT VERSION()'), $(nproc) CPUs, $(uname -r), $(date -u +%FT%TZ)"
	echo "$n authenticated idle sessions per proxy (one SELECT 1 each, then silent), ${settle} s settle; memory in MiB, per session in bytes (KiB)"
	echo
	echo "| proxy | server connections | RSS at rest | RSS idle | RSS after close | per session RSS | per session Pss | per session Private_Dirty | target |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for p in dbproxy haproxy; do
		rs=$(per "${r[$p/rest]}" "${r[$p/idle]}" 1)
		ps=$(per "${r[$p/rest]}" "${r[$p/idle]}" 2)
		pd=$(per "${r[$p/rest]}" "${r[$p/idle]}" 3)
		verdict=
		[[ $p == dbproxy ]] && verdict=$(awk -v b="$pd" 'BEGIN {print (b < 16384 ? "under 16 KiB" : "OVER 16 KiB")}')
		echo "| $p | ${r[$p/conns]} | $(mib "$(field "${r[$p/rest]}" 1)") | $(mib "$(field "${r[$p/idle]}" 1)") |" \
			"$(mib "$(field "${r[$p/after]}" 1)") | $rs ($(kib "$rs")) | $ps ($(kib "$ps")) |" \
			"$pd ($(kib "$pd")) | $verdict |"
	done
	echo
	echo "Kernel, whole machine, for the four sockets of each session (client, proxy x2, server):"
	echo
	echo "| proxy | TCP socket buffers (sockstat mem) per session | Slab per session | MariaDB RSS per session (first run) |"
	echo "| --- | --- | --- | --- |"
	page=$(getconf PAGESIZE)
	for p in dbproxy haproxy; do
		sk=$(awk -v a="${r[$p/sock_rest]}" -v b="${r[$p/sock_idle]}" -v pg="$page" -v n="$n" 'BEGIN {printf "%.0f", (b - a) * pg / n}')
		sl=$(awk -v a="${r[$p/slab_rest]}" -v b="${r[$p/slab_idle]}" -v n="$n" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}')
		# Only the first run shows the server's cost: the second reuses what the first freed.
		sv="—"
		if [[ $p == dbproxy ]]; then
			sv=$(per "${r[$p/srv_rest]}" "${r[$p/srv_idle]}" 1)
			sv="$sv ($(kib "$sv"))"
		fi
		echo "| $p | $sk | $sl ($(kib "$sl")) | $sv |"
	done
	echo
	echo "dbproxy's own gauges with the sessions idle: dbproxy_sessions ${r[dbproxy/sessions]}," \
		"dbproxy_buffers_in_use ${r[dbproxy/buffers]}, dbproxy_pipes_in_use ${r[dbproxy/pipes]};" \
		"$(tr -s '\t\n' ' ' <"$work/dbproxy-status.txt")"
	echo "Sessions opened in ${r[dbproxy/open_s]} s through dbproxy, ${r[haproxy/open_s]} s through HAProxy."
} | tee "$report"
echo "(written to $report)" >&2
