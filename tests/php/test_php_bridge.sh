#!/usr/bin/env bash
# The PHP bridge (clients/php): PanelApi and the AlternC 1.0-compatible classes against a real
# panel-api: error mapping, idempotent retries, the one retry on a 503 (tests/php/failover_proxy.php
# under php -S), act-as, cursors, m_mem, m_admin, m_dom and m_mail.
set -euo pipefail
build=${PANEL_BUILD:-build/release}
api=$build/bin/panel-api
panelctl=$build/bin/panelctl
: "${PANEL_TEST_CLUSTER:?run through tests/run-tests}"
# shellcheck disable=SC1091
source "$PANEL_TEST_CLUSTER/cluster.env"
fail() { echo "not ok - $*"; [[ -f ${work:-/nonexistent}/api.log ]] && tail -n 30 "$work/api.log"; exit 1; }

command -v php >/dev/null || fail "php-cli is not installed (make deps)"
php -r 'exit(function_exists("curl_init") ? 0 : 1);' || fail "php-curl is not installed (make deps)"

db=php_bridge_$$
work=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	mariadb -S "$SERVER0_SOCKET" -u root -e "DROP DATABASE IF EXISTS $db" || true
	rm -rf "$work"
}
trap cleanup EXIT

mariadb -S "$SERVER0_SOCKET" -u root -e "CREATE DATABASE $db"
printf '%s\n' "$CLUSTER_PASSWORD" >"$work/secret"
cat >"$work/panel.conf" <<CONF
[database]
host = 127.0.0.1
port = $SERVER0_PORT
user = $CLUSTER_USER
password_file = $work/secret
name = $db

[api]
listen = 127.0.0.1:0
threads = 2
CONF
"$panelctl" -c "$work/panel.conf" schema migrate >/dev/null || fail "migrate"
printf '%s\n' 'Php-root-pass-77' |
	"$panelctl" -c "$work/panel.conf" account add admin --mail admin@example.net --admin \
		--password-file - >/dev/null || fail "first admin"

"$api" -c "$work/panel.conf" --port-file "$work/port" 2>"$work/api.log" &
pid=$!
for _ in $(seq 1 300); do
	[[ -s $work/port ]] && break
	kill -0 "$pid" 2>/dev/null || fail "panel-api exited at start"
	sleep 0.1
done
[[ -s $work/port ]] || fail "panel-api did not start"

php tests/php/bridge.php "http://127.0.0.1:$(cat "$work/port")" admin 'Php-root-pass-77' ||
	fail "the PHP bridge"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=
((rc == 0)) || fail "panel-api exited $rc"
