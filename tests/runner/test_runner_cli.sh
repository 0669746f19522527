#!/usr/bin/env bash
# panelctl actions run/watch/list/retry/metrics against a database of the shared test cluster and
# a hosting root in a temporary folder: web roots appear with 1.0's owner and mode, watch picks
# new work within seconds and stops on SIGTERM, SIGHUP re-reads the configuration, JSON and exit
# codes, the Prometheus counters, the "no disk quotas" notice, and the web usage measured by the
# passes (shown by quota show with its time; said once by watch).
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../panelctl/lib.sh"
stop_watch() {
	if [[ -n ${watch_pid:-} ]]; then
		kill "$watch_pid" 2>/dev/null || true
		wait "$watch_pid" 2>/dev/null || true
	fi
}
ctl_setup runnercli stop_watch
hosting=$work/root
cat >>"$work/panel.conf" <<CONF
[hosting]
root = $hosting
[runner]
lease = 1
retry_base = 1
CONF

ctl schema migrate >/dev/null || fail "migrate"
printf 'Admin-pass-1\n' >"$work/pw"
ctl account add admin --mail root@example.com --admin --password-file "$work/pw" >/dev/null ||
	fail "bootstrap admin"
ctl account add rcalice --mail alice@example.com --password-file "$work/pw" >/dev/null ||
	fail "add rcalice"
alice=$(sql "SELECT uid FROM membres WHERE login = 'rcalice'")

# ---------------------------------------------------------------- list, run
expect_rc 0 "list pending" ctl --json actions list --state pending --login rcalice
[[ $(out | jget total) == 1 && $(out | jget items.0.action) == mem_add &&
	$(out | jget items.0.state) == pending ]] || fail "pending: $(out)"
expect_rc 6 "an admin does not run actions" ctl --admin admin actions run
expect_rc 0 "run" ctl --json actions run
[[ $(out | jget done) == 2 && $(out | jget failed) == 0 ]] || fail "run: $(out)"
[[ $(stat -c '%u:%g %a' "$hosting/html/r/rcalice") == "33:$alice 2770" ]] ||
	fail "web root: $(stat -c '%u:%g %a' "$hosting/html/r/rcalice")"
expect_rc 0 "run again" ctl actions run
grep -E '^0 done, 0 failed, 0 to retry' "$work/out" >/dev/null || fail "second run: $(out)"
expect_rc 0 "list (text)" ctl actions list
head -n 1 "$work/out" | grep -E '^ID +ACTION +LOGIN +STATE +ATTEMPTS +AGE +ERROR' >/dev/null ||
	fail "list header: $(out)"
expect_rc 2 "bad state" ctl actions list --state sleeping
ok "actions list and run: web root 33:uid 2770, JSON, exit codes"

# ---------------------------------------------------------------- web usage
# The first pass measured every member: walked here (no disk quotas on this machine's kernel).
[[ $(sql "SELECT COUNT(*) FROM size_web WHERE uid = $alice") == 1 ]] || fail "rcalice not measured"
dd if=/dev/urandom of="$hosting/html/r/rcalice/f" bs=1k count=200 2>/dev/null
sql "UPDATE size_web SET ts = NOW() - INTERVAL 1 HOUR WHERE uid = $alice"
expect_rc 0 "run measures" ctl --json actions run
[[ $(out | jget measured) == 1 && $(out | jget unmeasured) == 0 &&
	$(out | jget usage_source) =~ ^(walk|quotas)$ && $(out | jget usage) == "web usage of 1 member"* ]] ||
	fail "run usage: $(out)"
expect_rc 0 "quota show web (json)" ctl --json quota show rcalice web
used=$(out | jget used)
[[ $used -ge 200 && $used == $(sql "SELECT size FROM size_web WHERE uid = $alice") &&
	$(out | jget measured_at) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}$ ]] ||
	fail "quota web: $(out)"
expect_rc 0 "quota show web (text)" ctl quota show rcalice web
grep -E '^measured_at: [0-9]{4}-' "$work/out" >/dev/null || fail "quota web text: $(out)"
expect_rc 0 "quota show (table)" ctl quota show rcalice
grep -E "^web +$used +[0-9]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} " "$work/out" >/dev/null ||
	fail "quota table: $(out)"
sql "UPDATE size_web SET ts = NOW() - INTERVAL 1 HOUR WHERE uid = $alice"
expect_rc 0 "run (text) says how" ctl actions run
grep -E '^0 done, 0 failed, 0 to retry, 0 trash folders emptied; web usage of 1 member ' \
	"$work/out" >/dev/null || fail "run usage text: $(out)"
ok "web usage measured by the pass, shown with its time (JSON, text, table)"

# ---------------------------------------------------------------- failures, retry, metrics
sql "INSERT INTO panel_actions (action, uid, login, args) VALUES ('mkdir', $alice, 'rcalice',
	'{\"dir\": \"/../../etc\"}')"
bad=$(sql "SELECT MAX(id) FROM panel_actions")
expect_rc 0 "run a bad action" ctl --json actions run
[[ $(out | jget failed) == 1 ]] || fail "bad action: $(out)"
expect_rc 0 "list failed" ctl --json actions list --state failed
[[ $(out | jget items.0.id) == "$bad" && $(out | jget items.0.result) == *refused* ]] ||
	fail "failed list: $(out)"
expect_rc 0 "metrics" ctl actions metrics
done_count=$(sql "SELECT COUNT(*) FROM panel_actions WHERE state = 'done'")
grep -x "panel_actions{state=\"done\"} $done_count" "$work/out" >/dev/null || fail "metrics: $(out)"
grep -x 'panel_actions{state="failed"} 1' "$work/out" >/dev/null || fail "metrics failed: $(out)"
grep -x '# TYPE panel_actions_oldest_pending_seconds gauge' "$work/out" >/dev/null ||
	fail "metrics type: $(out)"
expect_rc 0 "metrics to a file" ctl actions metrics --output "$work/panel.prom"
/usr/bin/python3 tests/api/prom-check.py metrics "$work/panel.prom" >"$work/check" 2>&1 ||
	fail "metrics format: $(cat "$work/check")"
if command -v promtool >/dev/null; then
	promtool check metrics <"$work/panel.prom" >"$work/check" 2>&1 || fail "promtool: $(cat "$work/check")"
fi
grep -x 'panel_actions_oldest_pending_seconds 0' "$work/panel.prom" >/dev/null ||
	fail "metrics file: $(cat "$work/panel.prom")"
# The temporary file is not at a name another user can guess: a link planted where the old
# code wrote (<path>.<pid>.tmp; exec keeps the shell's pid) leaves its target alone.
mkdir "$work/textfile"
printf 'keep me\n' >"$work/victim"
expect_rc 0 "metrics past a planted link" sh -c 'ln -s "$1" "$2.$$.tmp" && shift 2 && exec "$@"' sh \
	"$work/victim" "$work/textfile/panel.prom" "$panelctl" -c "$work/panel.conf" actions metrics \
	--output "$work/textfile/panel.prom"
[[ $(cat "$work/victim") == "keep me" ]] || fail "metrics wrote through a planted link: $(cat "$work/victim")"
[[ -f $work/textfile/panel.prom && ! -L $work/textfile/panel.prom ]] || fail "no metrics file"
grep -x 'panel_actions{state="failed"} 1' "$work/textfile/panel.prom" >/dev/null ||
	fail "metrics file past a link: $(cat "$work/textfile/panel.prom")"
[[ $(stat -c %a "$work/textfile/panel.prom") == 644 ]] ||
	fail "metrics file mode $(stat -c %a "$work/textfile/panel.prom"), want 644"
left=$(find "$work/textfile" -name 'panel.prom.*' ! -name '*.tmp')
[[ -z $left ]] || fail "temporary files left: $left"
expect_rc 6 "a member reads no metrics" ctl --as rcalice actions metrics
expect_rc 0 "retry" ctl actions retry "$bad"
[[ $(sql "SELECT state, attempts FROM panel_actions WHERE id = $bad") == "pending	0" ]] ||
	fail "retried: $(sql "SELECT state, attempts FROM panel_actions WHERE id = $bad")"
expect_rc 4 "retry a pending action" ctl actions retry "$bad"
expect_rc 3 "retry an unknown action" ctl actions retry 99999999
expect_rc 2 "retry without an id" ctl actions retry
ctl actions run >/dev/null
ok "failed actions listed with their reason, retried; metrics in Prometheus' format, the file 0644, never through a planted link"

# ---------------------------------------------------------------- quotas without quotas
expect_rc 0 "web quota" ctl quota set rcalice web 1000
expect_rc 0 "run the quota" ctl actions run
if grep 'no disk quotas' "$work/err" >/dev/null; then
	[[ $(sql "SELECT result FROM panel_actions WHERE action = 'quota_edit'") == *"no disk quotas"* ]] ||
		fail "quota result: $(sql "SELECT result FROM panel_actions WHERE action = 'quota_edit'")"
	ok "no disk quotas: said on stderr and in the action's result"
else
	[[ $(sql "SELECT result FROM panel_actions WHERE action = 'quota_edit'") == *"group quota"* ]] ||
		fail "quota result: $(sql "SELECT result FROM panel_actions WHERE action = 'quota_edit'")"
	ok "disk quotas applied on the hosting root's filesystem"
fi

# ---------------------------------------------------------------- watch
# panelctl itself (not the ctl function, whose subshell would take the signals).
sql "UPDATE size_web SET ts = NOW() - INTERVAL 1 HOUR"
"$panelctl" -c "$work/panel.conf" actions watch 2>"$work/watch.log" &
watch_pid=$!
ctl account add rcbob --mail bob@example.com --password-file "$work/pw" >/dev/null || fail "add rcbob"
for _ in $(seq 1 50); do
	[[ -d $hosting/html/r/rcbob ]] && break
	sleep 0.1
done
[[ -d $hosting/html/r/rcbob ]] || fail "watch did not make rcbob's web root: $(cat "$work/watch.log")"
# rcbob measured by a later pass; how the usage is measured is said once, not at every pass.
for _ in $(seq 1 50); do
	[[ $(sql "SELECT COUNT(*) FROM size_web s JOIN membres m USING (uid) WHERE m.login = 'rcbob'") == 1 ]] &&
		break
	sleep 0.1
done
[[ $(sql "SELECT COUNT(*) FROM size_web s JOIN membres m USING (uid) WHERE m.login = 'rcbob'") == 1 ]] ||
	fail "watch did not measure rcbob: $(cat "$work/watch.log")"
said=$(grep -c 'web usage of' "$work/watch.log" || true)
[[ $said == 1 ]] || fail "usage said $said times: $(cat "$work/watch.log")"
kill -HUP "$watch_pid"
for _ in $(seq 1 50); do
	grep 'configuration reloaded' "$work/watch.log" >/dev/null && break
	sleep 0.1
done
grep 'configuration reloaded' "$work/watch.log" >/dev/null || fail "SIGHUP: $(cat "$work/watch.log")"
kill -TERM "$watch_pid"
set +e
wait "$watch_pid"
rc=$?
set -e
watch_pid=
[[ $rc == 0 ]] || fail "watch exit $rc: $(cat "$work/watch.log")"
grep 'stopped' "$work/watch.log" >/dev/null || fail "no stop line: $(cat "$work/watch.log")"
ok "watch: new work picked up, SIGHUP re-reads the configuration, SIGTERM stops it cleanly"
