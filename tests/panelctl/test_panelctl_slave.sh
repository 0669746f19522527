#!/usr/bin/env bash
# panelctl slaveip, slaveaccount and mxaccount against a database of the shared test cluster:
# rows, tables, JSON, exit codes, and that members and sub-admins change nothing.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup slave

ctl schema migrate >/dev/null || fail "migrate"
printf 'Admin-pass-1\n' >"$work/pw"
ctl account add admin --mail root@example.com --admin --password-file "$work/pw" >/dev/null ||
	fail "bootstrap admin"
ctl --admin admin account add bob --mail bob@example.com --admin --password-file "$work/pw" \
	>/dev/null || fail "add bob"
ctl --admin bob account add carol --mail carol@example.com --password-file "$work/pw" \
	>/dev/null || fail "add carol"

# ---------------------------------------------------------------- slaveip
expect_rc 0 "add" ctl --json slaveip add 192.0.2.53
[[ $(out | jget ip) == 192.0.2.53 && $(out | jget prefix) == 32 ]] || fail "add: $(out)"
expect_rc 0 "add a network" ctl slaveip add 198.51.100.0 24
expect_rc 0 "add IPv6" ctl --json slaveip add 2001:DB8::53
[[ $(out | jget ip) == 2001:db8::53 && $(out | jget prefix) == 128 ]] || fail "v6: $(out)"
expect_rc 2 "host bits" ctl --json slaveip add 10.0.0.1 8
[[ $(out | jget error.field) == prefix ]] || fail "host bits field: $(out)"
expect_rc 2 "bad prefix" ctl slaveip add 192.0.2.0 abc
expect_rc 2 "not an address" ctl slaveip add ns2.example.net
expect_rc 4 "twice" ctl slaveip add 192.0.2.53
expect_rc 0 "list" ctl --json slaveip list
[[ $(out | column ip) == "192.0.2.53 198.51.100.0 2001:db8::53" && $(out | jget total) == 3 ]] ||
	fail "list: $(out)"
expect_rc 0 "list (text)" ctl slaveip list
head -n 1 "$work/out" | grep -Eq '^IP +PREFIX$' || fail "list header: $(out)"
grep -Eq '^198\.51\.100\.0 +24$' "$work/out" || fail "list row: $(out)"
expect_rc 2 "del without --yes" ctl slaveip del 198.51.100.0
expect_rc 0 "del" ctl --json slaveip del 198.51.100.0 --yes
[[ $(out | jget deleted) == true ]] || fail "del: $(out)"
expect_rc 3 "del again" ctl slaveip del 198.51.100.0 --yes
expect_rc 6 "a member lists nothing" ctl --admin bob --as carol slaveip list
expect_rc 6 "a sub-admin adds nothing" ctl --admin bob slaveip add 192.0.2.54
expect_rc 0 "a sub-admin lists" ctl --admin bob slaveip list
[[ $(sql "SELECT COUNT(*) FROM slaveip") == 2 ]] || fail "rows: $(sql "SELECT * FROM slaveip")"
ok "slaveip add, list, del; refusals"

# ---------------------------------------------------------------- slaveaccount, mxaccount
printf 'Ns2-pass-2026\n' >"$work/ns2"
expect_rc 0 "slaveaccount add" ctl --json slaveaccount add ns2 --password-file "$work/ns2"
[[ $(out | jget login) == ns2 && $(out | jget kind) == dns ]] || fail "add: $(out)"
[[ $(sql "SELECT pass FROM slaveaccount WHERE login = 'ns2'") == Ns2-pass-2026 ]] ||
	fail "clear-text password as 1.0 stores it"
expect_rc 4 "twice" ctl slaveaccount add ns2 --password-file "$work/ns2"
printf 'short\n' >"$work/short"
expect_rc 2 "short password" ctl --json slaveaccount add ns3 --password-file "$work/short"
[[ $(out | jget error.field) == password ]] || fail "short field: $(out)"
expect_rc 0 "mxaccount add" ctl mxaccount add mx2 --password-file "$work/ns2"
[[ $(out) == 'mx account mx2 created' ]] || fail "mx add text: $(out)"
expect_rc 0 "mxaccount list" ctl --json mxaccount list
[[ $(out | column login) == mx2 && $(out | jget total) == 1 ]] || fail "mx list: $(out)"
if out | grep -q Ns2-pass; then fail "the list shows a password"; fi
expect_rc 0 "slaveaccount list (text)" ctl slaveaccount list
grep -Eq '^ns2 +dns$' "$work/out" || fail "list row: $(out)"
expect_rc 6 "a member adds nothing" ctl --admin bob --as carol mxaccount add evil \
	--password-file "$work/ns2"
expect_rc 6 "a sub-admin deletes nothing" ctl --admin bob mxaccount del mx2 --yes
expect_rc 0 "del" ctl --json mxaccount del mx2 --yes
[[ $(out | jget deleted) == true && $(out | jget kind) == mx ]] || fail "del: $(out)"
expect_rc 3 "del again" ctl mxaccount del mx2 --yes
[[ $(sql "SELECT COUNT(*) FROM mxaccount") == 0 ]] || fail "mxaccount rows"
ok "slaveaccount and mxaccount add, list, del; refusals"
