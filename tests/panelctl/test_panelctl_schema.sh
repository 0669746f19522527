#!/usr/bin/env bash
# panelctl schema status/migrate against a database of the shared test cluster: output, JSON,
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

set +e
"$panelctl" -c "$work/nope.conf" schema status >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "missing config: exit $rc, want 2"
ctl schema explode >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "unknown verb: exit $rc, want 2"
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
