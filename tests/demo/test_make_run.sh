#!/usr/bin/env bash
# `make run` as a new user meets it: tools/run-demo.sh (what the README's first command starts
# after the build) in a folder of its own (RUN_DIR). The demo comes up; the commands it prints
# under "Try:" and "Fail over:" work when pasted into a shell as printed (the account list, a
# create, panelctl, the runner's web root, the replica's tables; kill -9 of the primary, after
# which the API still answers and takes writes); its dbproxy finds no server setting to fix;
# Ctrl-C (SIGINT to its process group, as a terminal sends it) stops every process it started
# and removes the servers' data; no daemon logged a sanitizer report (the ASan build).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}
cd "$root"
work=$(mktemp -d /tmp/panel-demo-XXXXXX)
run=$work/run
demo_pid=

cleanup() {
	if [[ -n $demo_pid ]] && kill -TERM "$demo_pid" 2>/dev/null; then
		wait "$demo_pid" 2>/dev/null || true
	fi
	tests/harness/mariadb-cluster stop "$run/mariadb" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "not ok - $*"
	local f
	for f in "$work/out" "$work/pasted" "$run/dbproxy.log" "$run/panel-api.log" "$run/runner.log"; do
		[[ -s $f ]] || continue
		echo "== $f"
		tail -n 25 "$f"
	done
	exit 1
}

# paste_lines NAME LINES...: runs the lines in one shell from the repository's root, as a user pastes
# them; their output is kept in $work/pasted.
paste_lines() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$work/$name.sh"
	bash -e -o pipefail "$work/$name.sh" >"$work/pasted" 2>&1 || fail "the demo's \"$name\" commands"
}

# A process group of its own where SIGINT is not ignored, as a terminal's foreground job.
set -m
RUN_DIR=$run tools/run-demo.sh "$build" >"$work/out" 2>&1 &
demo_pid=$!
set +m
for _ in $(seq 1 1200); do
	grep -q '^The demo is running' "$work/out" && break
	kill -0 "$demo_pid" 2>/dev/null || fail "the demo stopped before it was up"
	sleep 0.1
done
grep -q '^The demo is running' "$work/out" || fail "the demo was not up after 120 s"
echo "ok - the demo is up"

mapfile -t try < <(sed -n '/^Try:/,/docs\/api.md describes/p' "$work/out" | sed '1d;$d')
mapfile -t failover < <(sed -n '/^Fail over:/,$p' "$work/out" | sed '1d')
((${#try[@]} >= 5)) || fail "no \"Try:\" commands printed"
((${#failover[@]} >= 2)) || fail "no \"Fail over:\" commands printed"
[[ ${try[0]} == *"export API="* ]] || fail "the first command does not set API and TOKEN: ${try[0]}"

paste_lines try "${try[@]}"
grep -q '"login":"admin"' "$work/pasted" || fail "the account list has no admin"
grep -q '"uid":[0-9]*,"login":"alice"' "$work/pasted" || fail "alice was not created"
grep -Eq '^alice +[0-9]+ ' "$work/pasted" || fail "panelctl account list has no alice"
grep -q '^membres$' "$work/pasted" || fail "the replica has no membres table"
echo "ok - the \"Try:\" commands as printed"

for _ in $(seq 1 300); do
	[[ -d $run/alternc/html/a/alice ]] && break
	sleep 0.1
done
[[ -d $run/alternc/html/a/alice ]] || fail "the runner made no web root for alice"
echo "ok - the runner made alice's web root"

! grep -E 'warn: server [^ ]+: setting ' "$run/dbproxy.log" ||
	fail "dbproxy finds settings to fix on the demo's servers"
echo "ok - dbproxy finds no server setting to fix"

paste_lines failover "${try[0]}" "${failover[@]}"
grep -q '"login":"alice"' "$work/pasted" || fail "the API did not answer after the primary's death"
grep -q '"failovers": 1,' "$work/pasted" || fail "dbproxy's status shows no failover"
grep -q '"primary": "s1"' "$work/pasted" || fail "dbproxy's status does not route to the replica"
# shellcheck disable=SC2016
paste_lines write "${try[0]}" 'curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $TOKEN" \
	-H "Content-Type: application/json" \
	-d "{\"login\": \"bob\", \"password\": \"Bob-pass-12\", \"mail\": \"bob@example.net\"}" \
	$API/api/v1/accounts'
[[ $(cat "$work/pasted") == 201 ]] || fail "a create after the failover answered $(cat "$work/pasted")"
echo "ok - after kill -9 of the primary the API answers and takes writes"

kill -INT -- "-$demo_pid"
rc=0
wait "$demo_pid" || rc=$?
demo_pid=
((rc == 0)) || fail "the demo exited with $rc on Ctrl-C"
grep -q '^run: stopping' "$work/out" || fail "the demo did not say it stops"
for _ in $(seq 1 100); do
	pgrep -f -- "$work" >/dev/null || break
	sleep 0.1
done
! pgrep -af -- "$work" || fail "processes of the demo are still running after Ctrl-C"
[[ ! -e $run/mariadb ]] || fail "the servers' data is still in $run/mariadb"
echo "ok - Ctrl-C stops every process and removes the servers' data"

! grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$run"/*.log ||
	fail "sanitizer reports in the demo's logs"
echo "ok - no sanitizer report in the daemons' logs"
