#!/usr/bin/env bash
# `make run`: a self-contained local demo. Starts a MariaDB primary + replica (the test
# harness) under ./run/ (or RUN_DIR), dbproxy in front of them, migrates the panel schema
# through dbproxy, creates the first admin, starts panel-api on 127.0.0.1 and the actions runner
# (`panelctl actions watch`, the hosting root in ./run/alternc), logs in, prints the URL, a token
# and first commands, and stops everything on Ctrl-C.
set -euo pipefail
build=${1:-build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
run=${RUN_DIR:-$root/run}
cluster=$run/mariadb

# shellcheck source=tools/run-lib.sh
source tools/run-lib.sh
mkdir -p "$run"
echo "run: starting MariaDB primary + replica in $cluster"
run_cluster_start "$cluster" 1 $$ "$run/cluster.log"
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

run_secrets "$run"
proxy_port='' proxy_admin=''
run_free_port proxy_port
run_free_port proxy_admin
echo "run: starting dbproxy on 127.0.0.1:$proxy_port"
run_dbproxy_args "$run" dbproxy "$proxy_port" "$proxy_admin"
"$build/bin/dbproxy" "${dbproxy_args[@]}" 2>"$run/dbproxy.log" &
proxy_pid=$!
run_wait_routed "$proxy_port" "$proxy_pid" "$run/dbproxy.log"
# port 0: any free port (panel-api writes the one it got to run/panel-api.port)
run_panel_conf "$run/panel.conf" "$run" "$proxy_port" 127.0.0.1:0
run_schema_and_admin "$build/bin/panelctl" "$run/panel.conf" "$run"
# The actions runner: web roots and maildirs appear under run/alternc as accounts are created.
mkdir -p "$run/alternc"
"$build/bin/panelctl" -c "$run/panel.conf" actions watch 2>"$run/runner.log" &
runner_pid=$!

rm -f "$run/panel-api.port"
"$build/bin/panel-api" -c "$run/panel.conf" --port-file "$run/panel-api.port" \
	2>"$run/panel-api.log" &
api_pid=$!
run_wait_file "$run/panel-api.port" "$api_pid" "$run/panel-api.log" panel-api
api_url=http://127.0.0.1:$(cat "$run/panel-api.port")
token=$(run_login "$api_url" "$admin_password")
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
