# Helpers shared by the shell tests that run panel-api as a process (sourced, not run): the
# common setup (a database of the shared cluster, a work folder, panel.conf), the first admin,
# starting and stopping the daemon, and reporting.
# shellcheck shell=bash disable=SC2034 # the variables set here are the tests'

# api_setup NAME [HOOK]: the start of every test. Reads the shared cluster's cluster.env, then
# sets build, api and panelctl (the binaries of the build under test), db (NAME_PID, created on
# the primary), work (a fresh folder holding secret, the cluster password) and pid (the daemon's,
# none yet). At exit the daemon is stopped, then the function named HOOK runs (a test's own
# cleanup), then the database and the folder go.
api_setup() {
	build=${PANEL_BUILD:-build/release}
	api=$build/bin/panel-api
	panelctl=$build/bin/panelctl
	: "${PANEL_TEST_CLUSTER:?run through tests/run-tests}"
	# shellcheck disable=SC1091
	source "$PANEL_TEST_CLUSTER/cluster.env"
	db=$1_$$
	api_cleanup_hook=${2:-}
	work=$(mktemp -d)
	pid=
	trap api_cleanup EXIT
	mariadb -S "$SERVER0_SOCKET" -u root -e "CREATE DATABASE $db"
	printf '%s\n' "$CLUSTER_PASSWORD" >"$work/secret"
}
api_cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	if [[ -n ${api_cleanup_hook:-} ]]; then
		"$api_cleanup_hook" || true
	fi
	mariadb -S "$SERVER0_SOCKET" -u root -e "DROP DATABASE IF EXISTS $db" || true
	rm -rf "$work"
}

# api_write_conf PORT [LINES]: $work/panel.conf with the test's database on PORT (the primary's,
# $SERVER0_PORT, or one that does not answer) and an [api] section on a free loopback port with 2
# threads, LINES (further [api] lines) last: append further sections to the file.
api_write_conf() {
	cat >"$work/panel.conf" <<CONF
[database]
host = 127.0.0.1
port = $1
user = $CLUSTER_USER
password_file = $work/secret
name = $db

[api]
listen = 127.0.0.1:0
threads = 2
${2:-}
CONF
}

# api_admin PASSWORD: the schema migrated and the first account, admin (admin@example.net), an
# admin with PASSWORD.
api_admin() {
	"$panelctl" -c "$work/panel.conf" schema migrate >/dev/null || fail "migrate"
	printf '%s\n' "$1" |
		"$panelctl" -c "$work/panel.conf" account add admin --mail admin@example.net --admin \
			--password-file - >/dev/null || fail "first admin"
}

# api_start [ARGS...]: panel-api on $work/panel.conf with ARGS, its stderr appended to
# $work/api.log; returns once it listens. Sets pid, port and base (its URL).
# shellcheck disable=SC2120 # most tests pass no ARGS
api_start() {
	local _
	rm -f "$work/port"
	"$api" -c "$work/panel.conf" --port-file "$work/port" "$@" 2>>"$work/api.log" &
	pid=$!
	for _ in $(seq 1 300); do
		[[ -s $work/port ]] && break
		kill -0 "$pid" 2>/dev/null || fail "panel-api exited at start"
		sleep 0.1
	done
	[[ -s $work/port ]] || fail "panel-api did not start"
	port=$(cat "$work/port")
	base=http://127.0.0.1:$port
}
# api_stop: SIGTERM; the exit status must be 0 (ASan leaks would make it non-zero).
api_stop() {
	local rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	pid=
	((rc == 0)) || fail "panel-api exited $rc after SIGTERM"
}

# api_need_php: php-cli and its curl extension, as the AlternC panel calls panel-api.
api_need_php() {
	command -v php >/dev/null || fail "php-cli is not installed (make deps)"
	php -r 'exit(function_exists("curl_init") ? 0 : 1);' ||
		fail "php-curl is not installed (make deps)"
}

# fail MESSAGE: the test fails, with the end of panel-api's log.
fail() {
	echo "not ok - $*"
	[[ -f ${work:-/nonexistent}/api.log ]] && tail -n 30 "$work/api.log"
	exit 1
}
ok() { echo "ok - $*"; }
