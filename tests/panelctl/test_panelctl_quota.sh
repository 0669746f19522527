#!/usr/bin/env bash
# panelctl quota show/set/reset/defaults/default-set/type-del, creator list, policy list/set and
# apikey add/list/revoke against a database of the shared test cluster: values, tables, JSON,
# exit codes.
# The PHP snippets are single-quoted on purpose: their $ belong to PHP.
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup quota

ctl schema migrate >/dev/null || fail "migrate"
printf 'Admin-pass-1\n' >"$work/pw"
ctl account add admin --mail root@example.com --admin --password-file "$work/pw" >/dev/null ||
	fail "bootstrap admin"
ctl --admin admin account add bob --mail bob@example.com --admin --password-file "$work/pw" \
	>/dev/null || fail "add bob"
ctl --admin bob account add carol --mail carol@example.com --password-file "$work/pw" \
	>/dev/null || fail "add carol"

# ---------------------------------------------------------------- quota defaults
expect_rc 0 "defaults" ctl --json quota defaults default
default_mail=$(out | item name mail value)
[[ $default_mail =~ ^[0-9]+$ && $(out | item name dom value) =~ ^[0-9]+$ ]] || fail "defaults of default: $(out)"
expect_rc 0 "defaults (text)" ctl quota defaults
head -n 1 "$work/out" | grep -Eq '^TYPE +NAME +VALUE$' || fail "defaults header: $(out)"
expect_rc 0 "default-set" ctl --json quota default-set reseller dom 25
[[ $(out | jget type) == reseller && $(out | jget name) == dom && $(out | jget value) == 25 ]] ||
	fail "default-set: $(out)"
expect_rc 0 "defaults of the new type" ctl --json quota defaults reseller
[[ $(out | item name dom value) == 25 ]] || fail "reseller dom: $(out)"
expect_rc 2 "default-set bad value" ctl quota default-set reseller dom lots
expect_rc 2 "default-set negative" ctl quota default-set reseller dom -1
expect_rc 2 "default-set unknown name" ctl quota default-set reseller nosuchquota 1
ctl account add dora --mail dora@example.com --type reseller --password-file "$work/pw" >/dev/null ||
	fail "add dora"
expect_rc 0 "a new account gets its type's defaults" ctl --json quota show dora dom
[[ $(out | jget total) == 25 && $(out | jget used) == 0 ]] || fail "dora dom: $(out)"
ok "quota defaults, default-set (a new type), applied to new accounts"

# ---------------------------------------------------------------- quota show, set
expect_rc 0 "show (text)" ctl quota show carol
head -n 1 "$work/out" | grep -Eq '^NAME +USED +TOTAL +MEASURED$' || fail "quota header: $(out)"
grep -Eq "^mail +0 +$default_mail +-\$" "$work/out" || fail "carol's mail quota row: $(out)"
expect_rc 0 "show (json)" ctl --json quota show carol
[[ $(out | item name mail total) == "$default_mail" && $(out | jget next_cursor) == null ]] ||
	fail "quota json: $(out)"
expect_rc 0 "set" ctl --json quota set carol mail 42
[[ $(out | jget name) == mail && $(out | jget total) == 42 && $(out | jget used) == 0 ]] ||
	fail "set: $(out)"
expect_rc 0 "show one" ctl quota show carol mail
[[ $(out) == $'name: mail\nused: 0\ntotal: 42' ]] || fail "show one (text): $(out)"
expect_rc 0 "bob sees carol's quota" ctl --admin bob --json quota show carol mail
[[ $(out | jget total) == 42 ]] || fail "bob: $(out)"
expect_rc 0 "--as carol" ctl --admin bob --as carol --json quota show carol mail
[[ $(out | jget total) == 42 ]] || fail "--as carol: $(out)"
expect_rc 3 "bob cannot see dora's quotas" ctl --admin bob quota show dora
expect_rc 3 "unknown login" ctl quota show nobody
expect_rc 2 "unknown quota" ctl --json quota show carol nosuchquota
[[ $(out | jget error.field) == name ]] || fail "unknown quota field: $(out)"
expect_rc 2 "bad value" ctl quota set carol mail 12abc
expect_rc 2 "too many arguments" ctl quota set carol mail 1 2
ok "quota show (table, one, JSON), set, visibility, refusals"

# ---------------------------------------------------------------- policy
expect_rc 0 "policy list" ctl --json policy list
[[ $(out | jget total) == 5 && $(out | jget items.0.name) == mem ]] || fail "policy list: $(out)"
expect_rc 0 "policy list (text)" ctl policy list
head -n 1 "$work/out" | grep -Eq '^NAME +MINSIZE +MAXSIZE +CLASSCOUNT +ALLOWLOGIN$' ||
	fail "policy header: $(out)"
expect_rc 0 "policy set" ctl --json policy set pop --minsize 9 --classcount 3 --allowlogin no
[[ $(out | jget minsize) == 9 && $(out | jget classcount) == 3 && $(out | jget allowlogin) == false ]] ||
	fail "policy set: $(out)"
expect_rc 0 "only the options given change" ctl --json policy set pop --maxsize 40
[[ $(out | jget minsize) == 9 && $(out | jget maxsize) == 40 ]] || fail "policy partial: $(out)"
expect_rc 0 "stored" ctl --json policy list
[[ $(out | item name pop minsize) == 9 && $(out | item name pop maxsize) == 40 &&
	$(out | item name mem minsize) != 9 ]] || fail "stored policy: $(out)"
expect_rc 2 "unknown policy" ctl policy set nosuch --minsize 1
expect_rc 2 "out of range" ctl policy set pop --minsize 256
expect_rc 2 "min above max" ctl policy set pop --minsize 50
expect_rc 2 "nothing to change" ctl policy set pop
expect_rc 6 "a member cannot change policies" ctl --admin bob --as carol policy set pop --minsize 1
printf 'Short1\n' >"$work/try"
expect_rc 2 "policy check: too short for pop now" ctl policy check pop john --password-file "$work/try"
printf 'Long-enough-Pass-7\n' >"$work/try"
expect_rc 0 "policy check: good" ctl --json policy check pop john --password-file "$work/try"
[[ $(out | jget ok) == true ]] || fail "policy check: $(out)"
printf 'john-Long-enough-7\n' >"$work/try"
expect_rc 2 "policy check: the login inside" ctl policy check pop john --password-file "$work/try"
ok "policy list, set (partial), refusals, check"

# ---------------------------------------------------------------- apikey
expect_rc 2 "keys need --admin" ctl apikey add batch
grep -q -- '--admin' "$work/err" || fail "apikey without --admin: $(err)"
expect_rc 0 "apikey add" ctl --admin bob --json apikey add 'nightly batch' --scope read \
	--networks 127.0.0.1/32 --expires 2099-01-01
secret=$(out | jget secret)
id=$(out | jget id)
[[ ${#secret} -ge 32 && $id =~ ^[0-9]+$ && $(out | jget name) == 'nightly batch' &&
	$(out | jget revoked) == false ]] || fail "apikey add: $(out)"
expect_rc 0 "apikey add (text)" ctl --admin bob apikey add second
secret2=$(sed -n 's/^secret: //p' "$work/out")
[[ ${#secret2} -ge 32 && $secret2 != "$secret" ]] || fail "apikey add text: $(out)"
grep -q 'shown only now' "$work/err" || fail "the once-only warning: $(err)"
expect_rc 0 "apikey list" ctl --admin bob --json apikey list
grep -qF -- "$secret" "$work/out" && fail "list shows a secret"
grep -qF -- "$secret2" "$work/out" && fail "list shows a secret"
[[ $(out | jget total) == 2 && $(out | item id "$id" scope) == read ]] || fail "apikey list: $(out)"
expect_rc 0 "apikey list (text)" ctl --admin bob apikey list
head -n 1 "$work/out" | grep -Eq '^ID +NAME +OWNER +SCOPE +NETWORKS +EXPIRES +LAST_USED +REVOKED$' ||
	fail "apikey header: $(out)"
grep -E "^$id +nightly batch +bob +read " "$work/out" >/dev/null || fail "apikey row: $(out)"
mariadb -S "$SERVER0_SOCKET" -u root "$db" -N -e "SELECT * FROM panel_apikeys" >"$work/rows"
grep -qF -- "$secret" "$work/rows" && fail "the secret is stored in clear"
ctl --admin admin account add erin --mail erin@example.com --admin --password-file "$work/pw" \
	>/dev/null || fail "add erin"
expect_rc 3 "another admin cannot revoke bob's key" ctl --admin erin apikey revoke "$id"
expect_rc 0 "revoke" ctl --admin bob --json apikey revoke "$id"
[[ $(out | jget revoked) == true ]] || fail "revoke: $(out)"
expect_rc 0 "revoked in the list" ctl --admin bob --json apikey list
[[ $(out | item id "$id" revoked) == true ]] || fail "revoked flag: $(out)"
expect_rc 0 "the super admin sees every key" ctl --admin admin --json apikey list
[[ $(out | jget total) == 2 ]] || fail "admin's list: $(out)"
expect_rc 3 "revoke unknown" ctl --admin bob apikey revoke 999999
expect_rc 2 "revoke bad id" ctl --admin bob apikey revoke abc
expect_rc 2 "bad scope" ctl --admin bob apikey add x --scope everything!
expect_rc 2 "bad network" ctl --admin bob apikey add x --networks 300.1.2.3/8
expect_rc 2 "expiry in the past" ctl --admin bob apikey add x --expires 2001-01-01
ok "apikey add (secret once, hashed), list without secrets, revoke, refusals"

# ---------------------------------------------------------------- reset, type-del, creators
expect_rc 0 "raise dora's dom" ctl quota set dora dom 77
expect_rc 0 "quota reset" ctl --json quota reset dora
[[ $(out | item name dom total) == 25 && $(out | item name mail total) == 0 ]] ||
	fail "reset to the reseller defaults: $(out)"
expect_rc 0 "quota reset (text)" ctl quota reset dora
grep -Eq '^dom +0 +25 +-$' "$work/out" || fail "reset table: $(out)"
expect_rc 0 "bob acting as carol keeps his admin powers" ctl --admin bob --as carol quota reset carol
expect_rc 3 "bob does not see dora" ctl --admin bob quota reset dora
expect_rc 4 "type-del while dora has it" ctl quota type-del reseller
expect_rc 6 "a sub-admin deletes no type" ctl --admin bob quota type-del reseller
expect_rc 2 "default stays" ctl quota type-del default
[[ $(sql "SELECT COUNT(*) FROM defquotas WHERE type = 'reseller'") -gt 0 ]] || fail "reseller gone"
ctl account edit dora --type default >/dev/null || fail "dora to default"
expect_rc 0 "type-del" ctl --json quota type-del reseller
[[ $(out | jget type) == reseller && $(out | jget deleted) == true ]] || fail "type-del: $(out)"
expect_rc 3 "type-del again" ctl quota type-del reseller
expect_rc 0 "creator list" ctl --json creator list
[[ $(out | logins) == "admin bob erin" ]] || fail "creators: $(out)"
[[ $(out | item login admin members) == 2 && $(out | item login bob members) == 1 &&
	$(out | item login erin members) == 0 ]] || fail "creator counts: $(out)"
expect_rc 0 "creator list (text)" ctl --admin admin creator list
head -n 1 "$work/out" | grep -Eq '^LOGIN +UID +ADMIN +ENABLED +MEMBERS$' || fail "creator header: $(out)"
expect_rc 6 "a sub-admin lists no creators" ctl --admin bob creator list
ok "quota reset, quota type-del (refused while used), creator list (super admin only)"
