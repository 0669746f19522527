#!/usr/bin/env bash
# test_dbproxy_connect_errors.sh: with its servers off loopback and no PROXY protocol, every
# client reaches MariaDB from dbproxy's address, so a few bad handshakes from anyone would get
# dbproxy blocked (1129) for everyone once max_connect_errors is reached. dbproxy raises that
# limit itself. The servers listen on this machine's non-loopback address (MariaDB does not
# count loopback clients): first the block is shown directly, then through dbproxy it does not
# happen.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}
dbproxy_bin=$root/$build/bin/dbproxy
cluster_cmd=$root/tests/harness/mariadb-cluster
fail() { echo "not ok - $*"; [[ -f ${work:-}/dbproxy.log ]] && tail -n 20 "$work/dbproxy.log"; exit 1; }

addr=$( (ip -4 -o addr show scope global 2>/dev/null || true) | awk '{print $4}' | cut -d/ -f1 | head -n 1)
[[ -n $addr ]] || addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep '\.' | head -n 1 || true)
if [[ -z $addr ]]; then
	echo "skipped: this machine has no non-loopback IPv4 address"
	exit 0
fi

work=$(mktemp -d /tmp/panel-dpce-XXXXXX)
cleanup() {
	[[ -f $work/dbproxy.pid ]] && kill "$(cat "$work/dbproxy.pid")" 2>/dev/null
	"$cluster_cmd" stop "$work/c" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
"$cluster_cmd" start "$work/c" --replicas 0 --bind-any --owner-pid $$ >/dev/null || fail "cluster"
# MariaDB's default, skip_name_resolve=OFF, keeps the host cache where errors are counted (the
# harness turns it off elsewhere): restart the server that way.
grep -vx -- --skip-name-resolve "$work/c/server0/args" >"$work/args" && mv "$work/args" "$work/c/server0/args"
"$cluster_cmd" kill "$work/c" 0 TERM >/dev/null
for ((i = 0; i < 300; i++)); do
	[[ $("$cluster_cmd" status "$work/c" | awk '$1 == 0 {print $3}') == down ]] && break
	sleep 0.05
done
"$cluster_cmd" start-server "$work/c" 0 >/dev/null || fail "restart with name resolution"
port=$("$cluster_cmd" status "$work/c" | awk '$1 == 0 {print $2}')
sock=$work/c/server0/sock
sql() { mariadb --no-defaults -S "$sock" -u root -N -B -e "$1"; }
sql "CREATE USER dpmon@'%' IDENTIFIED BY 'mon-pw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
	READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD ON *.* TO dpmon@'%';
	CREATE USER dpapp@'%' IDENTIFIED BY 'app-pw';
	SET GLOBAL max_connect_errors = 3;"

# A bad handshake: read the greeting, answer with a packet that is no handshake response.
bad_handshake() {
	exec 3<>"/dev/tcp/$1/$2" || return 0
	timeout 2 head -c 4 <&3 >/dev/null || true
	printf '\x02\x00\x00\x01\xff\xff' >&3 || true
	sleep 0.1
	exec 3<&- 3>&-
}
app_select() {
	mariadb --no-defaults --protocol=tcp -h "$1" -P "$2" -u dpapp -papp-pw -N -B \
		--connect-timeout=5 -e 'SELECT 1' 2>&1
}

# Directly, from the non-loopback address: blocked after three.
for _ in 1 2 3 4 5; do bad_handshake "$addr" "$port"; done
out=$(app_select "$addr" "$port" || true)
[[ $out == *1129* || $out == *blocked* ]] ||
	fail "the server did not block $addr after bad handshakes (got: $out): the test cannot tell"
echo "ok - directly, 5 bad handshakes from $addr get that address blocked (1129)"
sql "FLUSH HOSTS"

printf 'mon-pw\n' >"$work/mon.pw"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$work/token"
chmod 600 "$work/mon.pw" "$work/token"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dport=$(free_port)
aport=$(free_port)
"$dbproxy_bin" --listen "127.0.0.1:$dport" --server "s0=$addr:$port" --monitor-user dpmon \
	--monitor-password-file "$work/mon.pw" --admin "127.0.0.1:$aport" \
	--admin-token-file "$work/token" >"$work/dbproxy.log" 2>&1 &
echo $! >"$work/dbproxy.pid"
for ((i = 0; i < 200; i++)); do
	[[ $(sql 'SELECT @@global.max_connect_errors') == 4294967295 ]] && break
	sleep 0.05
done
[[ $(sql 'SELECT @@global.max_connect_errors') == 4294967295 ]] ||
	fail "dbproxy did not raise max_connect_errors"
grep -q 'raising max_connect_errors' "$work/dbproxy.log" || fail "not logged"
echo "ok - dbproxy raises max_connect_errors on a server off loopback, and says so"

for _ in $(seq 1 20); do bad_handshake 127.0.0.1 "$dport"; done
out=$(app_select 127.0.0.1 "$dport") || fail "a client after 20 bad handshakes: $out"
[[ $out == 1 ]] || fail "unexpected answer: $out"
echo "ok - through dbproxy, 20 bad handshakes from any client do not get dbproxy blocked"
