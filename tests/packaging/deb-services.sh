#!/usr/bin/env bash
# Run by test_deb_install.sh inside the Debian 12 tree where the packages were installed, in a
# network namespace of its own: a MariaDB server, then dbproxy, panelctl, panel-api and the
# actions runner started as their units would (ExecStart and User= from /tmp/units.tsv), each
# checked to answer; every daemon is stopped with SIGTERM and must exit 0.
set -euo pipefail

ok() { echo "ok - $*"; }
pids=()
fail() {
	echo "not ok - $*" >&2
	for f in /tmp/*.log; do
		echo "# --- $f" >&2
		tail -n 15 "$f" >&2
	done
	exit 1
}
cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do
		kill -9 "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

# wait_for WHAT PID CMD...: until CMD succeeds (30 s at most, PID still running).
wait_for() {
	local what=$1 pid=$2 _
	shift 2
	for _ in $(seq 1 300); do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || fail "$what: the process died"
		sleep 0.1
	done
	fail "$what: not within 30 s"
}
# stop NAME PID: SIGTERM, as systemctl stop sends it; the exit status must be 0.
stop() {
	local rc=0
	kill -TERM "$2"
	wait "$2" || rc=$?
	[[ $rc == 0 ]] || fail "$1 exited $rc after SIGTERM"
}
unit_field() { awk -F'\t' -v u="$1" -v n="$2" '$1 == u { print $n }' /tmp/units.tsv; }
# as_unit UNIT LOG [ARGS...]: the unit's ExecStart as its User= (root when none), under
# UMask=0077 or the unit's own, in the background; $! is the daemon (exec), as $MAINPID.
as_unit() {
	local unit=$1 log=$2 user cmd umask_
	shift 2
	user=$(unit_field "$unit" 2)
	read -r -a cmd <<<"$(unit_field "$unit" 3)"
	umask_=$(sed -n 's/^UMask=//p' "/lib/systemd/system/$unit.service")
	(
		umask "${umask_:-0022}"
		if [[ -n $user ]]; then
			exec setpriv --reuid="$user" --regid="$user" --init-groups -- "${cmd[@]}" "$@"
		fi
		exec "${cmd[@]}" "$@"
	) >"$log" 2>&1 &
}

# ---------------------------------------------------------------- MariaDB
install -d -o mysql -g mysql /run/mysqld
mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock --port=3306 \
	--bind-address=127.0.0.1 --server-id=1 --log-bin=bin --gtid-strict-mode=1 \
	--log-slave-updates=1 --log-error=/tmp/mariadb.log 2>>/tmp/mariadb.log &
db_pid=$!
pids+=("$db_pid")
wait_for "MariaDB" "$db_pid" mariadb-admin --socket=/run/mysqld/mysqld.sock ping
# The monitoring account as docs/dbproxy.md asks; the panel's account on its database.
mariadb --socket=/run/mysqld/mysqld.sock <<'SQL'
CREATE USER dbproxy@'127.0.0.1' IDENTIFIED BY 'monitor-pw';
GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
      READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD ON *.* TO dbproxy@'127.0.0.1';
GRANT SELECT ON mysql.global_priv TO dbproxy@'127.0.0.1';
CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'repl-pw';
GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
CREATE DATABASE alternc;
CREATE USER panel@'127.0.0.1' IDENTIFIED BY 'panel-pw';
GRANT ALL ON alternc.* TO panel@'127.0.0.1';
SQL
ok "MariaDB $(mariadb --socket=/run/mysqld/mysqld.sock -N -e 'SELECT VERSION()') runs in the tree"

# ---------------------------------------------------------------- dbproxy
# What README.Debian asks the administrator to edit: the servers and the secrets.
sed -i -e '/^server = /d' -e 's/^listen = .*/&\nserver = db1=127.0.0.1:3306/' /etc/dbproxy/dbproxy.conf
grep -q '^server = db1=127.0.0.1:3306$' /etc/dbproxy/dbproxy.conf || fail "editing dbproxy.conf"
echo monitor-pw >/etc/dbproxy/monitor.password
echo repl-pw >/etc/dbproxy/replication.password
# RuntimeDirectory= and StateDirectory= (made by postinst too), as systemd would make them.
install -d -o dbproxy -g dbproxy -m 755 /run/dbproxy
install -d -o dbproxy -g dbproxy -m 700 /var/lib/dbproxy
export STATE_DIRECTORY=/var/lib/dbproxy
as_unit dbproxy /tmp/dbproxy.log
dp_pid=$!
pids+=("$dp_pid")
token=$(cat /etc/dbproxy/admin.token)
status() { curl -sf -H "Authorization: Bearer $token" http://127.0.0.1:8089/status; }
primary_db1() { status | grep -q '"primary": *"db1"'; }
wait_for "dbproxy's admin endpoint naming db1 the primary" "$dp_pid" primary_db1
code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8089/status)
[[ $code == 401 ]] || fail "the admin endpoint answers $code without the token"
curl -sf -H "Authorization: Bearer $token" http://127.0.0.1:8089/metrics | grep -q '^dbproxy_epoch ' ||
	fail "no dbproxy_epoch in /metrics"
[[ $(stat -c %U /var/lib/dbproxy/state) == dbproxy ]] || fail "the state file is not dbproxy's"
ok "dbproxy as user dbproxy: the admin endpoint answers with the token only (/status: primary db1, /metrics)"

# ---------------------------------------------------------------- panelctl
echo panel-pw >/etc/panel/db.password
version=$(panelctl --version) || fail "panelctl --version"
ok "panelctl --version: $version"
panelctl --config /etc/panel/panel.conf schema migrate >/tmp/migrate.log 2>&1 ||
	fail "panelctl schema migrate through dbproxy"
panelctl --config /etc/panel/panel.conf schema status >/tmp/schema.log 2>&1 ||
	fail "panelctl schema status"
tables=$(mariadb --socket=/run/mysqld/mysqld.sock -N -e \
	"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'alternc'")
((tables > 10)) || fail "schema migrate made $tables tables"
ok "panelctl schema migrate through dbproxy (as in panel.conf): $tables tables"

# ---------------------------------------------------------------- panel-api
as_unit panel-api /tmp/panel-api.log
api_pid=$!
pids+=("$api_pid")
healthz() { curl -sf http://127.0.0.1:8080/healthz | grep -q '"database": *"ok"'; }
wait_for "panel-api's /healthz" "$api_pid" healthz
[[ $(stat -c %U "/proc/$api_pid") == panel-api ]] || fail "panel-api does not run as panel-api"
ok "panel-api as user panel-api: GET /healthz answers {\"database\": \"ok\"} through dbproxy"

# ---------------------------------------------------------------- the actions runner
install -d -m 755 /var/alternc
panelctl --config /etc/panel/panel.conf actions run >/tmp/actions-run.log 2>&1 ||
	fail "panelctl actions run (one pass)"
ok "the runner's one pass: panelctl actions run exits 0"
as_unit panel-actions /tmp/panel-actions.log
run_pid=$!
pids+=("$run_pid")
sleep 2
kill -0 "$run_pid" 2>/dev/null || fail "panelctl actions watch (the unit's ExecStart) died"
stop panel-actions "$run_pid"
ok "panel-actions' ExecStart (panelctl actions watch) runs, and SIGTERM ends it with 0"

stop panel-api "$api_pid"
stop dbproxy "$dp_pid"
ok "panel-api and dbproxy end with 0 on SIGTERM"
mariadb-admin --socket=/run/mysqld/mysqld.sock shutdown
wait "$db_pid" || true
pids=()
