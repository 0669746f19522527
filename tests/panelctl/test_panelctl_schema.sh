#!/usr/bin/env bash
# panelctl schema status/migrate/repair-utf8 against a database of the shared test cluster: output, JSON,
# and the exit codes scripts rely on.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup schema

out=$(ctl schema status) || fail "status exit $?"
[[ $out == "schema version 0 of "* ]] || fail "status on an empty database: $out"
ok "status on an empty database"

json=$(ctl --json schema migrate) || fail "migrate exit $?"
grep -q '"from": 0' <<<"$json" || fail "migrate json: $json"
latest=$(sed -n 's/.*"to": \([0-9]*\).*/\1/p' <<<"$json")
((latest >= 2)) || fail "latest version $latest"
ok "migrate to version $latest"

PANEL_CONFIG=$work/panel.conf "$panelctl" --json schema status | grep '"up_to_date": true' >/dev/null ||
	fail "status after migrate"
ok "PANEL_CONFIG is honoured"

out=$(ctl schema migrate)
[[ $out == "schema already at version $latest" ]] || fail "second migrate: $out"
ok "second migrate is a no-op"

# repair-utf8: opt-in; a dry run counts, a run re-reads and archives, a second run does nothing.
out=$(ctl schema repair-utf8 --dry-run)
[[ $out == "no double-encoded text to repair" ]] || fail "repair on a clean database: $out"
# "Noël" and "Hervé" as AlternC 1.0's French pages left them after 0002 ("NoÃ«l", "HervÃ©").
sql "INSERT INTO variable (name, value) VALUES
  ('panel_test_fr', CONVERT(CONVERT(X'4E6FC3AB6C' USING latin1) USING utf8mb4)),
  ('panel_test_fr2', CONVERT(CONVERT(X'48657276C3A9' USING latin1) USING utf8mb4))"
out=$(ctl schema repair-utf8 --dry-run)
[[ $out == "would re-read as UTF-8: 2 variable.value (dry run: nothing changed)" ]] ||
	fail "dry run: $out"
[[ $(sql "SELECT HEX(value) FROM variable WHERE name = 'panel_test_fr'") == 4E6FC383C2AB6C ]] ||
	fail "the dry run wrote"
json=$(ctl --json schema repair-utf8) || fail "repair exit $?"
for want in '"total": 2' '"variable.value": 2' '"dry_run": false'; do
	grep -q "$want" <<<"$json" || fail "repair json: $json"
done
[[ $(sql "SELECT HEX(value) FROM variable WHERE name = 'panel_test_fr'") == 4E6FC3AB6C ]] ||
	fail "not repaired"
[[ $(sql "SELECT COUNT(*) FROM panel_legacy_rows WHERE reason = 'double_utf8:value'") == 2 ]] ||
	fail "before-values not archived"
out=$(ctl schema repair-utf8)
[[ $out == "no double-encoded text to repair" ]] || fail "second repair: $out"
ok "repair-utf8: dry run, run, second run"

set +e
"$panelctl" -c "$work/nope.conf" schema status >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "missing config: exit $rc, want 2"
ctl schema explode >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "unknown verb: exit $rc, want 2"
ctl schema repair-utf8 --now >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "unknown repair option: exit $rc, want 2"
sed -i "s/^port = .*/port = 1/" "$work/panel.conf"
out=$(ctl --json schema status); rc=$?
[[ $rc == 7 ]] || fail "unreachable server: exit $rc, want 7"
grep -q '"code": "unavailable"' <<<"$out" || fail "unreachable server json: $out"
sed -i "s/^port = .*/port = $SERVER0_PORT/; s/^password_file = .*/password = wrong-password/" "$work/panel.conf"
sed -i "s/^user = .*/user = nobody_at_all/" "$work/panel.conf"
ctl schema status >/dev/null 2>&1; rc=$?
[[ $rc == 6 ]] || fail "refused credentials: exit $rc, want 6"
set -e
ok "exit codes: 2 invalid, 7 unavailable, 6 denied"
