#!/usr/bin/env bash
# `make run`: a self-contained local demo. Starts a MariaDB primary + replica (the test
# harness) under ./run/, dbproxy in front of them, migrates the panel schema through dbproxy,
# creates the first admin, starts panel-api on 127.0.0.1 and the actions runner
# (`panelctl actions watch`, the hosting root in ./run/alternc), logs in, prints the URL, a token
# and first commands, and stops everything on Ctrl-C.
set -euo pipefail
build=${1:-build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
run=$root/run
cluster=$run/mariadb

if [[ -e $cluster ]]; then
	tests/harness/mariadb-cluster stop "$cluster" >/dev/null 2>&1 || true
fi
mkdir -p "$run"
echo "run: starting MariaDB primary + replica in $cluster"
tests/harness/mariadb-cluster start "$cluster" --replicas 1 --semisync --owner-pid $$ >"$run/cluster.log"
# shellcheck disable=SC1091
source "$cluster/cluster.env"
stop() {
	echo
	echo "run: stopping"
	# panel-api first: SIGTERM lets its requests finish before the database goes away.
	if [[ -n ${api_pid:-} ]] && kill "$api_pid" 2>/dev/null; then
		wait "$api_pid" 2>/dev/null || true
	fi
	if [[ -n ${runner_pid:-} ]] && kill "$runner_pid" 2>/dev/null; then
		wait "$runner_pid" 2>/dev/null || true
	fi
	if [[ -n ${proxy_pid:-} ]] && kill "$proxy_pid" 2>/dev/null; then
		wait "$proxy_pid" 2>/dev/null || true
	fi
	jobs -p | xargs -r kill 2>/dev/null || true
	tests/harness/mariadb-cluster stop "$cluster" >/dev/null 2>&1 || true
}
trap stop EXIT
trap 'exit 0' INT TERM

mariadb -S "$SERVER0_SOCKET" -u root -e "CREATE DATABASE IF NOT EXISTS alternc CHARACTER SET utf8mb4"
umask 077
printf '%s\n' "$CLUSTER_PASSWORD" >"$run/db.secret"
printf '%s\n' "$CLUSTER_REPL_PASSWORD" >"$run/repl.secret"
head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$run/dbproxy-admin.token"

# A free loopback port: nothing answers on it.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
	done
}
proxy_port=$(free_port)
proxy_admin=$(free_port)
echo "run: starting dbproxy on 127.0.0.1:$proxy_port"
# The servers are new: a writer remembered from an earlier demo would fence the new primary.
rm -f "$run/dbproxy.state"
"$build/bin/dbproxy" --listen "127.0.0.1:$proxy_port" \
	--server "s0=127.0.0.1:$SERVER0_PORT" --server "s1=127.0.0.1:$SERVER1_PORT" \
	--monitor-user "$CLUSTER_USER" --monitor-password-file "$run/db.secret" \
	--replication-user "$CLUSTER_REPL_USER" --replication-password-file "$run/repl.secret" \
	--admin "127.0.0.1:$proxy_admin" --admin-token-file "$run/dbproxy-admin.token" \
	--state-file "$run/dbproxy.state" 2>"$run/dbproxy.log" &
proxy_pid=$!
routed=
for _ in $(seq 1 100); do
	MYSQL_PWD=$CLUSTER_PASSWORD mariadb -h 127.0.0.1 -P "$proxy_port" -u "$CLUSTER_USER" \
		--connect-timeout=1 -e 'SELECT 1' >/dev/null 2>&1 && { routed=1; break; }
	kill -0 "$proxy_pid" 2>/dev/null || { cat "$run/dbproxy.log" >&2; exit 1; }
	sleep 0.1
done
[[ -n $routed ]] || { tail -n 20 "$run/dbproxy.log" >&2; echo "run: dbproxy routes no client" >&2; exit 1; }
set_owners=no
((EUID == 0)) && set_owners=yes
cat >"$run/panel.conf" <<CONF
; Written by \`make run\`: the demo's libpanel configuration.
[database]
; through dbproxy, which follows the primary when it fails over
host = 127.0.0.1
port = $proxy_port
user = $CLUSTER_USER
password_file = $run/db.secret
name = alternc

[hosting]
fqdn = panel.demo.example
public_ip = 192.0.2.10
ns1 = ns1.demo.example
ns2 = ns2.demo.example
default_mx = mx.demo.example
; web roots, maildirs and the trash of the demo, made by \`panelctl actions watch\`
root = $run/alternc

[runner]
; only root can give files to www-data and the members' groups
set_owners = $set_owners

[api]
; port 0: any free port (panel-api writes the one it got to run/panel-api.port)
listen = 127.0.0.1:0
threads = 4
token_ttl = 86400
CONF
"$build/bin/panelctl" -c "$run/panel.conf" schema migrate

# The first admin (uid 2000, AlternC's super admin), with a random password shown once.
admin_password=Demo-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
printf '%s\n' "$admin_password" >"$run/admin.secret"
printf '%s\n' "$admin_password" |
	"$build/bin/panelctl" -c "$run/panel.conf" account add admin --mail admin@demo.example \
		--admin --password-file - >/dev/null

# The actions runner: web roots and maildirs appear under run/alternc as accounts are created.
mkdir -p "$run/alternc"
"$build/bin/panelctl" -c "$run/panel.conf" actions watch 2>"$run/runner.log" &
runner_pid=$!

rm -f "$run/panel-api.port"
"$build/bin/panel-api" -c "$run/panel.conf" --port-file "$run/panel-api.port" \
	2>"$run/panel-api.log" &
api_pid=$!
for _ in $(seq 1 100); do
	[[ -s $run/panel-api.port ]] && break
	kill -0 "$api_pid" 2>/dev/null || { cat "$run/panel-api.log" >&2; exit 1; }
	sleep 0.1
done
[[ -s $run/panel-api.port ]] || { echo "run: panel-api did not start" >&2; exit 1; }
api_url=http://127.0.0.1:$(cat "$run/panel-api.port")
login_json=$(printf '{"login": "admin", "password": "%s"}' "$admin_password")
token=$(curl -s -H 'Content-Type: application/json' -d "$login_json" "$api_url/api/v1/auth/login" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[[ -n $token ]] || { echo "run: could not log in" >&2; cat "$run/panel-api.log" >&2; exit 1; }

cat <<MSG

The demo is running (Ctrl-C stops it and removes the servers' data).
  panel-api         $api_url   (log: $run/panel-api.log)
  admin             login admin, password $admin_password
  admin token       $token
  dbproxy           127.0.0.1:$proxy_port   (admin http://127.0.0.1:$proxy_admin, token in $run/dbproxy-admin.token)
  MariaDB primary   127.0.0.1:$SERVER0_PORT  (socket $SERVER0_SOCKET)
  MariaDB replica   127.0.0.1:$SERVER1_PORT  (GTID + semi-sync replication)
  actions runner    panelctl actions watch   (log: $run/runner.log; files in $run/alternc)
  configuration     $run/panel.conf

Try:
  export API=$api_url TOKEN=$token
  curl -H "Authorization: Bearer \$TOKEN" \$API/api/v1/accounts
  curl -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
       -d '{"login": "alice", "password": "Alice-pass-1", "mail": "alice@example.net"}' \$API/api/v1/accounts
  $build/bin/panelctl -c $run/panel.conf account list
  ls -l $run/alternc/html/a/       # alice's web root, made by the runner within a second
  $build/bin/panelctl -c $run/panel.conf actions list
  mariadb -h 127.0.0.1 -P $SERVER1_PORT -u root alternc -e 'SHOW TABLES'   # the replica has it too
  docs/api.md describes every route.

Fail over:
  kill -9 \$(cat $SERVER0_PIDFILE)       # the primary dies; dbproxy promotes the replica
  curl -H "Authorization: Bearer \$TOKEN" \$API/api/v1/accounts       # still answers
  curl -H "Authorization: Bearer \$(cat $run/dbproxy-admin.token)" http://127.0.0.1:$proxy_admin/status
MSG
while :; do
	sleep 3600 &
	wait $! # a plain sleep would delay the trap until it ends
done
