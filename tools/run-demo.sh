#!/usr/bin/env bash
# `make run`: a self-contained local demo. Starts a MariaDB primary + replica (the test
# harness) under ./run/, migrates the panel schema, writes run/panel.conf, prints how to use it,
# and stops everything on Ctrl-C.
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
	jobs -p | xargs -r kill 2>/dev/null || true
	tests/harness/mariadb-cluster stop "$cluster" >/dev/null 2>&1 || true
}
trap stop EXIT
trap 'exit 0' INT TERM

mariadb -S "$SERVER0_SOCKET" -u root -e "CREATE DATABASE IF NOT EXISTS alternc CHARACTER SET utf8mb4"
umask 077
printf '%s\n' "$CLUSTER_PASSWORD" >"$run/db.secret"
cat >"$run/panel.conf" <<CONF
; Written by \`make run\`: the demo's libpanel configuration.
[database]
host = 127.0.0.1
port = $SERVER0_PORT
user = $CLUSTER_USER
password_file = $run/db.secret
name = alternc

[hosting]
fqdn = panel.demo.example
public_ip = 192.0.2.10
ns1 = ns1.demo.example
ns2 = ns2.demo.example
default_mx = mx.demo.example
CONF
"$build/bin/panelctl" -c "$run/panel.conf" schema migrate

cat <<MSG

The demo is running (Ctrl-C stops it and removes the servers' data).
  MariaDB primary   127.0.0.1:$SERVER0_PORT  (socket $SERVER0_SOCKET)
  MariaDB replica   127.0.0.1:$SERVER1_PORT  (GTID + semi-sync replication)
  configuration     $run/panel.conf

Try:
  $build/bin/panelctl -c $run/panel.conf schema status
  mariadb -h 127.0.0.1 -P $SERVER1_PORT -u root alternc -e 'SHOW TABLES'   # the replica has it too
MSG
while :; do
	sleep 3600 &
	wait $! # a plain sleep would delay the trap until it ends
done
