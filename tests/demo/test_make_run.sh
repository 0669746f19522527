#!/usr/bin/env bash
# `make run` and `make run HA=1` as a new user meets them: tools/run-demo.sh and tools/run-ha.sh
# (what the README's commands start after the build) in the foreground, each in a folder of its
# own (RUN_DIR). Each comes up; the commands it prints under "Try:" (and the demo's "Fail
# over:") work when pasted into a shell as printed: the account list, a create, panelctl, the
# runner's web root, the replica's tables, a database's dump and its restore (the demo's
# [member_database] client_host), kill -9 of the primary (the API still answers and
# takes writes), kill -9 and restart of a panel-api, SIGSTOP of the other; dbproxy finds no server
# setting to fix; Ctrl-C (SIGINT to the process group, as a terminal sends it) stops every
# process it started and removes the servers' data; no daemon logged a sanitizer report (the
# ASan build).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}
cd "$root"
work=$(mktemp -d /tmp/panel-demo-XXXXXX)
run=
demo_pid=

cleanup() {
	if [[ -n $demo_pid ]] && kill -TERM "$demo_pid" 2>/dev/null; then
		wait "$demo_pid" 2>/dev/null || true
	fi
	if [[ -n $run ]]; then
		tools/run-ha.sh stop "$run" >/dev/null 2>&1 || true
		tests/harness/mariadb-cluster stop "$run/mariadb" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "not ok - $*"
	local f
	for f in "$work/out" "$work/pasted" "$run"/*.log; do
		[[ -s $f ]] || continue
		echo "== $f"
		tail -n 25 "$f"
	done
	exit 1
}

# demo_start NAME SCRIPT BANNER: runs SCRIPT (tools/run-demo.sh or tools/run-ha.sh) in the
# foreground's way, in $work/NAME, until it prints BANNER (120 s at most).
demo_start() {
	local name=$1 script=$2 banner=$3 _
	run=$work/$name
	# A process group of its own where SIGINT is not ignored, as a terminal's foreground job.
	set -m
	RUN_DIR=$run "$script" "$build" >"$work/out" 2>&1 &
	demo_pid=$!
	set +m
	for _ in $(seq 1 1200); do
		grep -q "^$banner" "$work/out" && break
		kill -0 "$demo_pid" 2>/dev/null || fail "$name stopped before it was up"
		sleep 0.1
	done
	grep -q "^$banner" "$work/out" || fail "$name was not up after 120 s"
	echo "ok - $name is up"
	! grep -E 'warn: server [^ ]+: setting ' "$run"/dbproxy*.log ||
		fail "dbproxy finds settings to fix on the servers of $name"
	echo "ok - $name: dbproxy finds no server setting to fix"
}

# printed FIRST [LAST]: the lines the demo printed after the line FIRST, up to the line before one
# that matches LAST (default: to the end).
printed() {
	if [[ -n ${2:-} ]]; then
		sed -n "/^$1/,/$2/p" "$work/out" | sed '1d;$d'
	else
		sed -n "/^$1/,\$p" "$work/out" | sed '1d'
	fi
}

# paste_lines NAME LINES...: runs the lines in one shell from the repository's root, as a user
# pastes them; their output is kept in $work/pasted.
paste_lines() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$work/$name.sh"
	bash -e -o pipefail "$work/$name.sh" >"$work/pasted" 2>&1 || fail "the \"$name\" commands"
}

# demo_interrupt NAME: Ctrl-C; the demo must stop every process it started and remove the
# servers' data, and no daemon may have logged a sanitizer report.
demo_interrupt() {
	local name=$1 rc=0 _
	kill -INT -- "-$demo_pid"
	for _ in $(seq 1 600); do
		kill -0 "$demo_pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$demo_pid" 2>/dev/null || fail "$name still runs 60 s after Ctrl-C"
	wait "$demo_pid" || rc=$?
	demo_pid=
	((rc == 0)) || fail "$name exited with $rc on Ctrl-C"
	for _ in $(seq 1 100); do
		pgrep -f -- "$run" >/dev/null || break
		sleep 0.1
	done
	! pgrep -af -- "$run" || fail "processes of $name are still running after Ctrl-C"
	[[ ! -e $run/mariadb ]] || fail "the servers' data of $name is still in $run/mariadb"
	echo "ok - $name: Ctrl-C stops every process and removes the servers' data"
	! grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$run"/*.log ||
		fail "sanitizer reports in the logs of $name"
	echo "ok - $name: no sanitizer report in the daemons' logs"
}

# shellcheck disable=SC2016
create_bob='curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $TOKEN" \
	-H "Content-Type: application/json" \
	-d "{\"login\": \"bob\", \"password\": \"Bob-pass-12\", \"mail\": \"bob@example.net\"}" \
	$API/api/v1/accounts'

# ---------------------------------------------------------------- make run
demo_start demo tools/run-demo.sh 'The demo is running'
mapfile -t try < <(printed 'Try:' 'docs\/api.md describes')
mapfile -t failover < <(printed 'Fail over:')
((${#try[@]} >= 5)) || fail "no \"Try:\" commands printed"
((${#failover[@]} >= 2)) || fail "no \"Fail over:\" commands printed"
[[ ${try[0]} == *"export API="* ]] || fail "the first command does not set API and TOKEN: ${try[0]}"

paste_lines try "${try[@]}"
grep -q '"login":"admin"' "$work/pasted" || fail "the account list has no admin"
grep -q '"uid":[0-9]*,"login":"alice"' "$work/pasted" || fail "alice was not created"
grep -Eq '^alice +[0-9]+ ' "$work/pasted" || fail "panelctl account list has no alice"
grep -q '^membres$' "$work/pasted" || fail "the replica has no membres table"
echo "ok - demo: the \"Try:\" commands as printed"

for _ in $(seq 1 300); do
	[[ -d $run/alternc/html/a/alice ]] && break
	sleep 0.1
done
[[ -d $run/alternc/html/a/alice ]] || fail "the runner made no web root for alice"
echo "ok - demo: the runner made alice's web root"

# wait_action ACTION: until the runner has done alice's ACTION (30 s at most); fails on failed.
wait_action() {
	local list _
	for _ in $(seq 1 300); do
		list=$("$build/bin/panelctl" -c "$run/panel.conf" actions list --login alice)
		grep -Eq "^[0-9]+ +$1 +alice +done " <<<"$list" && return 0
		grep -Eq "^[0-9]+ +$1 +alice +failed " <<<"$list" && fail "$1 failed: $list"
		sleep 0.1
	done
	fail "the runner did not do $1: $list"
}

# A database of alice's, its dump and the dump's restore, as docs/api.md shows them: the
# restore's account logs in through dbproxy, from 127.0.0.1.
# shellcheck disable=SC2016
paste_lines dump "${try[0]}" \
	'curl -sf -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "{\"suffix\": \"shop\"}" $API/api/v1/accounts/alice/databases' \
	'curl -sf -X POST -H "Authorization: Bearer $TOKEN" $API/api/v1/databases/alice_shop/dump'
wait_action db_dump
dump=$(cd "$run/alternc/html/a/alice/backups" && ls alice_shop-*.sql)
# shellcheck disable=SC2016
paste_lines restore "${try[0]}" \
	"curl -sf -H \"Authorization: Bearer \$TOKEN\" -H 'Content-Type: application/json' -d '{\"file\": \"$dump\"}' \$API/api/v1/databases/alice_shop/restore"
wait_action db_restore
echo "ok - demo: a database's dump and its restore"

paste_lines failover "${try[0]}" "${failover[@]}"
grep -q '"login":"alice"' "$work/pasted" || fail "the API did not answer after the primary's death"
grep -q '"failovers": 1,' "$work/pasted" || fail "dbproxy's status shows no failover"
grep -q '"primary": "s1"' "$work/pasted" || fail "dbproxy's status does not route to the replica"
paste_lines write "${try[0]}" "$create_bob"
[[ $(cat "$work/pasted") == 201 ]] || fail "a create after the failover answered $(cat "$work/pasted")"
echo "ok - demo: after kill -9 of the primary the API answers and takes writes"
demo_interrupt demo

# ---------------------------------------------------------------- make run HA=1
demo_start ha tools/run-ha.sh 'The HA demo is running'
mapfile -t try < <(printed 'Try:' '^  panel-api-1 runs in network namespace|^$')
((${#try[@]} >= 5)) || fail "no \"Try:\" commands printed"
[[ ${try[0]} == *"export API="* ]] || fail "the first command does not set API and TOKEN: ${try[0]}"
paste_lines ha-try "${try[@]}" "$create_bob"
grep -q '"login":"admin"' "$work/pasted" || fail "the account list has no admin"
grep -q '"uid":[0-9]*,"login":"alice"' "$work/pasted" || fail "alice was not created"
[[ $(tail -n 1 "$work/pasted") == 201 ]] ||
	fail "a create after the panel-apis' faults answered $(tail -n 1 "$work/pasted")"
echo "ok - HA demo: the \"Try:\" commands as printed, then a create through the balancer"
demo_interrupt "HA demo"
