#!/usr/bin/env bash
# panelctl setting list/get/set/del against a database of the shared test cluster: values,
# kinds, comments, tables, JSON, exit codes, and who may change a setting.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup setting

ctl schema migrate >/dev/null || fail "migrate"
printf 'Admin-pass-1\n' >"$work/pw"
ctl account add admin --mail root@example.com --admin --password-file "$work/pw" >/dev/null ||
	fail "bootstrap admin"
ctl --admin admin account add bob --mail bob@example.com --admin --password-file "$work/pw" \
	>/dev/null || fail "add bob"
ctl --admin bob account add carol --mail carol@example.com --password-file "$work/pw" \
	>/dev/null || fail "add carol"

# ---------------------------------------------------------------- list, get
expect_rc 0 "list" ctl --json setting list
[[ $(out | column name) == "hosting_tld new_email rss_feed subadmin_restriction" ]] ||
	fail "seeded settings: $(out)"
[[ $(out | item name subadmin_restriction kind) == flag && $(out | jget total) == 4 ]] ||
	fail "kinds: $(out)"
expect_rc 0 "list (text)" ctl setting list
head -n 1 "$work/out" | grep -Eq '^NAME +KIND +VALUE$' || fail "list header: $(out)"
grep -Eq '^new_email +mail +0$' "$work/out" || fail "new_email row: $(out)"
expect_rc 0 "get" ctl setting get rss_feed
grep -q '^kind: url$' "$work/out" || fail "get (text): $(out)"
expect_rc 0 "a sub-admin reads" ctl --admin bob --json setting get hosting_tld
[[ $(out | jget value) == 0 ]] || fail "bob get: $(out)"
expect_rc 3 "get unknown" ctl setting get nosuchsetting
expect_rc 2 "get bad name" ctl setting get 'bad name'
expect_rc 6 "a member reads nothing" ctl --admin bob --as carol setting list
ok "setting list, get"

# ---------------------------------------------------------------- set, del
expect_rc 0 "set hosting_tld" ctl --json setting set hosting_tld Members.Example.COM
[[ $(out | jget value) == members.example.com && $(out | jget kind) == domain ]] ||
	fail "hosting_tld: $(out)"
[[ $(sql "SELECT value FROM variable WHERE name = 'hosting_tld'") == members.example.com ]] ||
	fail "hosting_tld row"
expect_rc 2 "set hosting_tld to a bad value" ctl --json setting set hosting_tld 'not a domain'
[[ $(out | jget error.field) == value ]] || fail "bad value field: $(out)"
expect_rc 2 "flag" ctl setting set subadmin_restriction 2
expect_rc 2 "mail" ctl setting set new_email nobody
expect_rc 0 "free text with a comment" ctl --json setting set plugin.motd 'hello' --comment 'shown at login'
[[ $(out | jget kind) == text && $(out | jget comment) == 'shown at login' ]] || fail "motd: $(out)"
expect_rc 0 "the comment stays" ctl --json setting set plugin.motd ''
[[ $(out | jget value) == '' && $(out | jget comment) == 'shown at login' ]] || fail "kept: $(out)"
expect_rc 2 "set without a value" ctl setting set plugin.motd
expect_rc 6 "a sub-admin changes nothing" ctl --admin bob setting set subadmin_restriction 1
expect_rc 6 "a sub-admin deletes nothing" ctl --admin bob setting del plugin.motd
expect_rc 0 "the super admin changes" ctl --admin admin setting set subadmin_restriction 1
expect_rc 6 "even when sub-admins see all" ctl --admin bob setting set subadmin_restriction 0
[[ $(sql "SELECT value FROM variable WHERE name = 'subadmin_restriction'") == 1 ]] ||
	fail "subadmin_restriction changed by bob"
expect_rc 0 "del" ctl --json setting del plugin.motd
[[ $(out | jget deleted) == true ]] || fail "del: $(out)"
expect_rc 3 "del again" ctl setting del plugin.motd
expect_rc 0 "del (text)" ctl setting del subadmin_restriction
[[ $(out) == 'setting subadmin_restriction deleted' ]] || fail "del text: $(out)"
[[ $(sql "SELECT COUNT(*) FROM panel_audit WHERE object_kind = 'setting'") == 6 ]] ||
	fail "audit: $(sql "SELECT action, object_id FROM panel_audit WHERE object_kind = 'setting'")"
ok "setting set, del; refusals"
