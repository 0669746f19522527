# Helpers shared by the panelctl shell tests (sourced, not run): the common setup (a database of
# the shared cluster, a work folder, panel.conf), reporting, running a command with its exit
# status captured in $work/out and $work/err, and reading JSON with php.
# shellcheck shell=bash disable=SC2016

# ctl_setup NAME [HOOK]: the start of every test. Reads the shared cluster's cluster.env, then
# sets db (ctl_NAME_PID, created on the primary), work (a fresh folder holding secret, the
# cluster password, and panel.conf with its [database] section: append further sections to it)
# and panelctl (the binary of the build under test). At exit, the function named HOOK runs
# first (a test's own cleanup, such as server users it made), then the database and the folder
# go.
ctl_setup() {
	build=${PANEL_BUILD:-build/release}
	panelctl=$build/bin/panelctl
	: "${PANEL_TEST_CLUSTER:?run through tests/run-tests}"
	# shellcheck disable=SC1091
	source "$PANEL_TEST_CLUSTER/cluster.env"
	db=ctl_$1_$$
	ctl_cleanup_hook=${2:-}
	work=$(mktemp -d)
	trap ctl_cleanup EXIT
	root -e "CREATE DATABASE $db"
	printf '%s\n' "$CLUSTER_PASSWORD" >"$work/secret"
	cat >"$work/panel.conf" <<CONF
[database]
host = 127.0.0.1
port = $SERVER0_PORT
user = $CLUSTER_USER
password_file = $work/secret
name = $db
CONF
}
ctl_cleanup() {
	if [[ -n ${ctl_cleanup_hook:-} ]]; then
		"$ctl_cleanup_hook" || true
	fi
	local p
	for p in ${ctl_pids:-}; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	root -e "DROP DATABASE IF EXISTS $db" || true
	rm -rf "$work"
}

# ctl_background NAME CMD...: starts CMD in the background, stopped at exit; its pid in
# $NAME_pid (NAME a shell word) and its stderr in $work/NAME.log.
ctl_background() {
	local name=$1
	shift
	"$@" 2>"$work/$name.log" &
	printf -v "${name}_pid" '%s' "$!"
	ctl_pids="${ctl_pids:-} $!"
}
# ctl_wait_file FILE PID: waits (30 s at most) until FILE is not empty while PID lives.
ctl_wait_file() {
	local _
	for _ in $(seq 1 300); do
		[[ -s $1 ]] && return 0
		kill -0 "$2" 2>/dev/null || fail "process $2 exited before writing $1"
		sleep 0.1
	done
	fail "$1 was not written within 30 s"
}
# ctl_start_api: panel-api of the build under test on the test's configuration, on a free
# loopback port; sets api (its base URL) and api_pid.
ctl_start_api() {
	cat >>"$work/panel.conf" <<CONF

[api]
listen = 127.0.0.1:0
threads = 2
CONF
	ctl_background api "$build/bin/panel-api" -c "$work/panel.conf" --port-file "$work/api.port"
	ctl_wait_file "$work/api.port" "$api_pid"
	api=http://127.0.0.1:$(cat "$work/api.port")
}
# ctl_token LOGIN PASSWORD: a login token of the account, from panel-api's login route.
ctl_token() {
	curl -sS -H 'Content-Type: application/json' \
		-d "{\"login\": \"$1\", \"password\": \"$2\"}" "$api/api/v1/auth/login" | jget token
}

# ctl_hosting ROOT: appends the [hosting] settings a domain needs (names, address, MX) with
# ROOT as the hosting root.
ctl_hosting() {
	cat >>"$work/panel.conf" <<CONF

[hosting]
fqdn = panel.host.example
public_ip = 192.0.2.10
ns1 = ns1.host.example
ns2 = ns2.host.example
default_mx = mx1.host.example
root = $1
CONF
}
# ctl_accounts PASSWORD_FILE: the usual accounts of a test, admin (an admin), alice and bob,
# each with the password of the file and the contact address <login>@example.com.
ctl_accounts() {
	local who extra
	for who in admin alice bob; do
		extra=()
		[[ $who == admin ]] && extra=(--admin)
		ctl account add "$who" --mail "$who@example.com" "${extra[@]}" --password-file "$1" \
			>/dev/null || fail "account $who"
	done
}

# ctl ARGS...: panelctl on the test's configuration.
ctl() { "$panelctl" -c "$work/panel.conf" "$@"; }
# root ARGS...: the mariadb client as root on the primary's socket, without column names.
root() { mariadb -S "$SERVER0_SOCKET" -u root -N "$@"; }
# sql SQL: runs SQL in the test's database; rows tab-separated.
sql() { root "$db" -e "$1"; }

fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }
out() { cat "$work/out"; }
err() { cat "$work/err"; }
# run CMD...: runs CMD with its stdout in $work/out and its stderr in $work/err; prints the exit
# code.
run() {
	set +e
	"$@" >"$work/out" 2>"$work/err"
	echo $?
	set -e
}
# expect_rc WANT WHAT CMD...: CMD must exit with WANT.
expect_rc() {
	local want=$1 what=$2 rc
	shift 2
	rc=$(run "$@")
	[[ $rc == "$want" ]] || fail "$what: exit $rc, want $want; stdout: $(out) stderr: $(err)"
}
# jget PATH: the value at a dotted path (items.0.domain) of the JSON on stdin; true/false/null
# spelled out, arrays and objects as JSON.
jget() {
	php -r '
		$v = json_decode(stream_get_contents(STDIN), true);
		if ($v === null) { fwrite(STDERR, "jget: not JSON\n"); exit(1); }
		foreach (explode(".", $argv[1]) as $k) {
			if ($k === "") continue;
			if (!is_array($v) || !array_key_exists($k, $v)) { echo "<missing>"; exit(0); }
			$v = $v[$k];
		}
		if (is_bool($v)) echo $v ? "true" : "false";
		elseif ($v === null) echo "null";
		elseif (is_array($v)) echo json_encode($v);
		else echo $v;' "$1"
}
# column NAME: the values of one field of a JSON list's items on stdin (true/false spelled out),
# sorted, space-separated.
column() {
	php -r '$l = json_decode(stream_get_contents(STDIN), true);
		$n = array_map(function ($i) use ($argv) { return is_bool($i[$argv[1]]) ?
			($i[$argv[1]] ? "true" : "false") : $i[$argv[1]]; }, $l["items"]);
		sort($n); echo implode(" ", $n);' "$1"
}
# logins: the logins of a JSON list of accounts on stdin, sorted, space-separated.
logins() { column login; }
# item KEY VALUE FIELD: FIELD of the item of a JSON list (stdin) whose KEY is VALUE.
item() {
	php -r '$l = json_decode(stream_get_contents(STDIN), true);
		foreach ($l["items"] as $i) if ((string)$i[$argv[1]] === $argv[2]) {
			$v = $i[$argv[3]]; echo is_bool($v) ? ($v ? "true" : "false") : $v; exit(0); }
		echo "<missing>";' "$1" "$2" "$3"
}
