#!/usr/bin/env bash
# The PHP bridge during a real failover: a cluster of its own (primary and a semi-sync
# replica), dbproxy in front, panel-api on dbproxy, and PanelApi creating accounts (an
# Idempotency-Key each, its one retry on a 503) while the primary is killed with SIGKILL. Every
# create that was answered is in the new primary exactly once, and every create that failed
# for the failover succeeds when sent again with its key: no account is lost or made twice.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}
cluster_cmd=$root/tests/harness/mariadb-cluster
fail() {
	echo "not ok - $*"
	for f in dbproxy.log api.log writer.out; do
		[[ -f ${work:-/nonexistent}/$f ]] && { echo "== $f"; tail -n 25 "$work/$f"; }
	done
	exit 1
}
command -v php >/dev/null || fail "php-cli is not installed (make deps)"

work=$(mktemp -d /tmp/panel-phpfo-XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
	"$cluster_cmd" stop "$work/c" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

env_file=$("$cluster_cmd" start "$work/c" --replicas 1 --semisync --owner-pid $$ | tail -n 1) ||
	fail "cluster"
# shellcheck disable=SC1090
source "$env_file"
sql0() { mariadb --no-defaults -S "$work/c/server0/sock" -u root -N -e "$1"; }
sql0 "CREATE USER dpmon@'127.0.0.1' IDENTIFIED BY 'mon-pw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
	READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD ON *.* TO dpmon@'127.0.0.1';
	GRANT SELECT ON mysql.global_priv TO dpmon@'127.0.0.1';
	CREATE DATABASE panel_fo"
printf 'mon-pw\n' >"$work/mon.pw"
printf '%s\n' "$CLUSTER_PASSWORD" >"$work/secret"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$work/token"
chmod 600 "$work/mon.pw" "$work/token" "$work/secret"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dport=$(free_port)
aport=$(free_port)
"$root/$build/bin/dbproxy" --listen "127.0.0.1:$dport" --server "s0=127.0.0.1:$SERVER0_PORT" \
	--server "s1=127.0.0.1:$SERVER1_PORT" --monitor-user dpmon \
	--monitor-password-file "$work/mon.pw" --admin "127.0.0.1:$aport" \
	--admin-token-file "$work/token" >"$work/dbproxy.log" 2>&1 &
pids+=($!)
writer_is() {
	curl -sf -H "Authorization: Bearer $(cat "$work/token")" "http://127.0.0.1:$aport/status" |
		python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["primary"] != sys.argv[1])' "$1"
}
wait_for() { # wait_for SECONDS DESCRIPTION CMD...
	local limit=$1 what=$2 i
	shift 2
	for ((i = 0; i < limit * 10; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$what"
}
wait_for 30 "dbproxy never routed to s0" writer_is s0

cat >"$work/panel.conf" <<CONF
[database]
host = 127.0.0.1
port = $dport
user = $CLUSTER_USER
password_file = $work/secret
name = panel_fo

[api]
listen = 127.0.0.1:0
threads = 2
CONF
ctl() { "$root/$build/bin/panelctl" -c "$work/panel.conf" "$@"; }
ctl schema migrate >/dev/null || fail "migrate through dbproxy"
printf 'Failover-boss-71\n' | ctl account add admin --mail admin@example.net --admin \
	--password-file - >/dev/null || fail "first admin"
"$root/$build/bin/panel-api" -c "$work/panel.conf" --port-file "$work/port" 2>"$work/api.log" &
pids+=($!)
wait_for 30 "panel-api did not start" test -s "$work/port"

count=60
php "$root/tests/php/failover_writer.php" "http://127.0.0.1:$(cat "$work/port")" admin \
	Failover-boss-71 "$count" "$work/killed" >"$work/writer.out" 2>&1 &
writer=$!
pids+=($writer)
wait_for 30 "the writer never started" grep -q '^created fo5$' "$work/writer.out"
"$cluster_cmd" kill "$work/c" 0 KILL
wait_for 60 "no failover to s1" writer_is s1
touch "$work/killed"
rc=0
wait "$writer" || rc=$?
((rc == 0)) || fail "the writer ended with $rc"

made=$(grep -cE '^(created|retried) ' "$work/writer.out" || true)
failed=$(grep -c '^failed ' "$work/writer.out" || true)
[[ $made == "$count" ]] || fail "$made of $count accounts answered as made"
mariadb --no-defaults -S "$work/c/server1/sock" -u root -N -e \
	"SELECT login, COUNT(*) FROM panel_fo.membres WHERE login LIKE 'fo%' GROUP BY login" \
	>"$work/rows" || fail "reading the new primary"
[[ $(wc -l <"$work/rows") == "$count" ]] || fail "$(wc -l <"$work/rows") accounts on the new primary"
! awk '$2 != 1' "$work/rows" | grep -q . || fail "an account made twice: $(awk '$2 != 1' "$work/rows")"
echo "ok - $count accounts created through a primary's SIGKILL under dbproxy: every one exactly" \
	"once on the new primary ($failed failed during the failover and were sent again with their key)"
