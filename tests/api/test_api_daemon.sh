#!/usr/bin/env bash
# panel-api as a process: command line and configuration errors, 503 when the database is
# unreachable, SIGHUP reloads (and keeps the old configuration when the new one is bad),
# SIGTERM lets an in-flight request finish and exits 0, and the log never shows secrets.
set -uo pipefail
# shellcheck source=tests/api/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_setup api_daemon
api_write_conf "$SERVER0_PORT" "token_ttl = 600"
# Started on a database not migrated yet, it says what to run.
"$api" -c "$work/panel.conf" --port-file "$work/port0" 2>"$work/early.log" &
early=$!
for _ in $(seq 1 300); do
	[[ -s $work/port0 ]] && break
	sleep 0.1
done
kill "$early" 2>/dev/null
wait "$early" 2>/dev/null
grep -q 'run `panelctl schema migrate`' "$work/early.log" ||
	fail "no warning about a schema behind: $(cat "$work/early.log")"
ok "started on a database not migrated, it says to run panelctl schema migrate"
api_admin 'Daemon-root-pass1'
# Started on a database a newer panel-api already migrated (an old instance restarted during a
# rolling upgrade), it says so, and still serves.
mariadb -S "$SERVER0_SOCKET" -u root "$db" -e "INSERT INTO panel_schema_version
	(version, name, checksum) SELECT MAX(version) + 1, 'from_the_future', REPEAT('f', 64)
	FROM panel_schema_version"
"$api" -c "$work/panel.conf" --port-file "$work/port1" 2>"$work/newer.log" &
early=$!
for _ in $(seq 1 300); do
	[[ -s $work/port1 ]] && grep -q 'newer than' "$work/newer.log" && break
	sleep 0.1
done
[[ $(curl -s "http://127.0.0.1:$(cat "$work/port1")/healthz") == *'"ok"'* ]] ||
	fail "not serving on a newer schema"
kill "$early" 2>/dev/null
wait "$early" 2>/dev/null
grep -q 'schema does not match this panel-api: the database is at schema version .*, newer than' \
	"$work/newer.log" || fail "no warning about a schema newer than panel-api: $(cat "$work/newer.log")"
ok "started on a database newer than itself, it says so and serves"
mariadb -S "$SERVER0_SOCKET" -u root "$db" -e \
	"DELETE FROM panel_schema_version WHERE name = 'from_the_future'"

login() { # prints the JSON answer
	curl -s -H 'Content-Type: application/json' \
		-d '{"login": "admin", "password": "Daemon-root-pass1"}' "$base/api/v1/auth/login"
}

# ---------------------------------------------------------------- command line
"$api" --help | grep -- '--listen' >/dev/null || fail "--help"
"$api" --version | grep '^panel-api ' >/dev/null || fail "--version"
"$api" --list-routes | grep -x 'GET /healthz' >/dev/null || fail "--list-routes"
"$api" --bogus >/dev/null 2>&1; [[ $? == 2 ]] || fail "unknown option: want exit 2"
"$api" --log nowhere >/dev/null 2>&1; [[ $? == 2 ]] || fail "--log nowhere: want exit 2"
"$api" -c "$work/missing.conf" 2>"$work/err"; [[ $? == 2 ]] || fail "missing config: want exit 2"
grep -q 'missing.conf' "$work/err" || fail "missing config not named: $(cat "$work/err")"
cp "$work/panel.conf" "$work/good.conf"
for bad in 'listen = localhost' 'listen = 127.0.0.1:99999' 'threads = 0' 'token_ttl = 5' \
	'trusted_proxies = 10.0.0.0/33' 'upload_timeout = 0' 'upload_rate_window = 0' \
	$'upload_memory_mb = 10\nmember_upload_memory_mb = 20' 'thread = 8' 'upload_memory_md = 64'; do
	api_write_conf "$SERVER0_PORT" "$bad"
	# A value taken by mistake would start the daemon: its exit 124 fails the check.
	timeout 10 "$api" -c "$work/panel.conf" 2>"$work/err"; rc=$?
	[[ $rc == 2 ]] || fail "'$bad': exit $rc, want 2"
	grep -q 'api\.' "$work/err" || fail "'$bad': the key is not named: $(cat "$work/err")"
done
PANEL_CONFIG=$work/good.conf "$api" --listen 127.0.0.1:0 --threads 1 --port-file "$work/port" \
	2>>"$work/api.log" &
pid=$!
for _ in $(seq 1 300); do [[ -s $work/port ]] && break; sleep 0.1; done
[[ -s $work/port ]] || fail "PANEL_CONFIG and --listen"
grep -q '1 threads' "$work/api.log" || fail "--threads not applied"
api_stop
ok "command line: --help, --version, --list-routes, exit 2 on bad options and values"

# ---------------------------------------------------------------- descriptors
# Two a connection sending a file: the soft limit is raised to what max_connections wants
# (2 x 1000 + 64, and two a worker thread), within the hard one; short of it, a warning.
api_write_conf "$SERVER0_PORT" "max_connections = 1000"
start_limited() { # $1: soft:hard limit of open files
	rm -f "$work/port"
	prlimit --nofile="$1" "$api" -c "$work/panel.conf" --port-file "$work/port" \
		2>>"$work/api.log" &
	pid=$!
	for _ in $(seq 1 300); do [[ -s $work/port ]] && break; sleep 0.1; done
	[[ -s $work/port ]] || fail "panel-api did not start under prlimit $1"
}
hard=$(ulimit -Hn) # only root may raise it
[[ $hard == unlimited ]] && hard=1048576
want=$((1000 * 2 + 64 + 2 * 2))
start_limited "256:$hard"
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")
((soft == (hard < want ? hard : want))) || fail "soft limit of open files $soft (hard $hard)"
api_stop
((hard < want)) || ! grep -q 'file descriptors at most' "$work/api.log" ||
	fail "warned with room enough"
start_limited 256:512
api_stop
grep -q '512 file descriptors at most: api.max_connections = 1000' "$work/api.log" ||
	fail "no warning with a hard limit of 512"
ok "the limit of open files is raised for max_connections, or the shortfall said"

# ---------------------------------------------------------------- database unreachable
api_write_conf 1 ""
api_start
code=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' "$base/healthz")
[[ $code == 503 ]] || fail "healthz without database: $code"
grep -q '"code":"unavailable"' "$work/body" || fail "healthz 503 body: $(cat "$work/body")"
grep -qi '^retry-after: ' "$work/headers" || fail "503 without Retry-After"
code=$(curl -s -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"login": "admin", "password": "x"}' "$base/api/v1/auth/login")
[[ $code == 503 ]] || fail "login without database: $code"
grep -q 'Connection refused\|127.0.0.1' "$work/body" && fail "the server's error leaked: $(cat "$work/body")"
api_stop
ok "database unreachable: 503 with Retry-After, no server detail"

# ---------------------------------------------------------------- SIGHUP
api_write_conf "$SERVER0_PORT" "token_ttl = 600"
api_start
login | grep -q '"expires_in":600' || fail "token_ttl 600"
curl -sf "$base/healthz" >/dev/null || fail "healthz"
api_write_conf "$SERVER0_PORT" "token_ttl = 1200"
kill -HUP "$pid"
for _ in $(seq 1 100); do grep -q 'configuration reloaded' "$work/api.log" && break; sleep 0.1; done
grep -q 'configuration reloaded' "$work/api.log" || fail "no reload logged"
login | grep -q '"expires_in":1200' || fail "token_ttl not reloaded"
ok "SIGHUP reloads the configuration"

api_write_conf "$SERVER0_PORT" "token_ttl = nonsense"
kill -HUP "$pid"
for _ in $(seq 1 100); do grep -q 'reload refused' "$work/api.log" && break; sleep 0.1; done
grep -q 'reload refused.*api.token_ttl' "$work/api.log" || fail "bad reload not logged"
login | grep -q '"expires_in":1200' || fail "the old configuration was not kept"
api_write_conf 1 "token_ttl = 300" # a database that does not answer: refused too
kill -HUP "$pid"
for _ in $(seq 1 100); do (($(grep -c 'reload refused' "$work/api.log") >= 2)) && break; sleep 0.1; done
(($(grep -c 'reload refused' "$work/api.log") >= 2)) || fail "unreachable database accepted"
login | grep -q '"expires_in":1200' || fail "the old configuration was not kept (database)"
ok "SIGHUP with a bad file or an unreachable database keeps the current configuration"

# ---------------------------------------------------------------- SIGTERM drains
token=$(login | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[[ -n $token ]] || fail "no token"
notes=$(head -c 48000 /dev/zero | tr '\0' 'n')
printf '{"login": "slowpoke", "password": "Slowpoke-pass-1", "mail": "s@example.net", "notes": "%s"}' \
	"$notes" >"$work/slow.json"
# About 3 seconds of upload; SIGTERM arrives in the middle.
curl -s -o "$work/slow.out" -w '%{http_code}' --limit-rate 16k -H "Authorization: Bearer $token" \
	-H 'Content-Type: application/json' --data-binary "@$work/slow.json" \
	"$base/api/v1/accounts" >"$work/slow.code" &
slow=$!
sleep 1
grep -q 'POST /api/v1/accounts' "$work/api.log" && fail "the upload finished too early for this test"
kill -TERM "$pid"
sleep 0.3
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/healthz")
[[ $code == 000 ]] || fail "still accepting new connections while draining ($code)"
wait "$slow"
[[ $(cat "$work/slow.code") == 201 ]] || fail "in-flight request: $(cat "$work/slow.code") $(head -c 300 "$work/slow.out")"
wait "$pid"; rc=$?
pid=
((rc == 0)) || fail "exit $rc after SIGTERM"
grep -q 'draining' "$work/api.log" || fail "no drain logged"
grep -q 'stopped' "$work/api.log" || fail "no stop logged"
ok "SIGTERM: no new connections, the in-flight request completes, exit 0"

# ---------------------------------------------------------------- logs
grep -q 'POST /api/v1/accounts 201 .* uid=2000 .* req=[0-9a-f]\{16\}' "$work/api.log" ||
	fail "request line format"
grep -q 'Daemon-root-pass1\|Slowpoke-pass-1' "$work/api.log" && fail "a password is in the log"
grep -q "$token" "$work/api.log" && fail "a token is in the log"
grep -q 'pt_' "$work/api.log" && fail "something like a token is in the log"
ok "one line per request, no secrets in the log"
