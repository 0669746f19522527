#!/usr/bin/env bash
# Protected folders (AlternC 1.0's m_hta) through panelctl (`hta`) and panel-api
# (/api/v1/accounts/{login}/protected-folders...), down to the files Apache reads: a pass of
# `panelctl actions run` writes them and `htpasswd -v` (apache2-utils) accepts the passwords;
# another member's folders stay out of reach.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup hta
mkdir "$work/root"
cat >>"$work/panel.conf" <<CONF

[hosting]
root = $work/root
CONF
command -v htpasswd >/dev/null || fail "htpasswd (apache2-utils) is not installed: make deps"

ctl schema migrate >/dev/null || fail "migrate"
printf 'Hta-account-pass-1\n' >"$work/pw"
ctl_accounts "$work/pw"
ctl actions run >/dev/null || fail "the web roots"
web=$work/root/html/a/alice

expect_rc 0 "protect" ctl --json --as alice hta protect members/
[[ $(out | jget protected) == true ]] || fail "protect: $(out)"
expect_rc 4 "twice" ctl --as alice hta protect /members
printf 'Reader-pass-4242\n' >"$work/upw"
expect_rc 0 "user-add" ctl --as alice hta user-add /members reader --password-file "$work/upw"
expect_rc 4 "the same user" ctl --as alice hta user-add /members reader \
	--password-file "$work/upw"
expect_rc 2 "a user with a colon" ctl --as alice hta user-add /members 'a:b' \
	--password-file "$work/upw"
expect_rc 3 "an unprotected folder" ctl --as alice hta user-add /other reader \
	--password-file "$work/upw"
expect_rc 2 "a folder outside" ctl --as alice hta protect ../bob
expect_rc 3 "bob on alice's folders" ctl --as bob hta users /members --login alice
expect_rc 0 "list" ctl --json --as alice hta list
[[ $(out | jget items.0.dir) == /members && $(out | jget items.0.users) == 1 ]] ||
	fail "list: $(out)"
expect_rc 0 "users" ctl --as alice hta users /members
[[ $(out) == reader ]] || fail "users: $(out)"
ok "hta protect/user-add/list/users and their refusals (2, 3, 4)"

ctl actions run >/dev/null || fail "the runner's pass"
[[ -f $web/members/.htaccess && -f $web/members/.htpasswd ]] || fail "the files are written"
grep -qxF "AuthUserFile $web/members/.htpasswd" "$web/members/.htaccess" ||
	fail ".htaccess names the password file: $(cat "$web/members/.htaccess")"
htpasswd -vb "$web/members/.htpasswd" reader Reader-pass-4242 >/dev/null 2>&1 ||
	fail "htpasswd -v accepts the password"
if htpasswd -vb "$web/members/.htpasswd" reader Wrong-pass-4242 >/dev/null 2>&1; then
	fail "htpasswd -v refuses a wrong password"
fi
ok "the runner writes .htaccess and .htpasswd; htpasswd -v agrees"

ctl_start_api
alice=$(ctl_token alice Hta-account-pass-1)
bob=$(ctl_token bob Hta-account-pass-1)
call() { # call TOKEN METHOD PATH [BODY]: the status; the body in $work/out
	local args=(-sS -o "$work/out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1")
	[[ -n ${4:-} ]] && args+=(-H 'Content-Type: application/json' -d "$4")
	curl "${args[@]}" "$api$3"
}
base=/api/v1/accounts/alice/protected-folders
[[ $(call "$alice" PUT "$base/users/reader/password" \
	'{"dir": "/members", "password": "Newer-pass-4343"}') == 204 ]] || fail "REST passwd: $(out)"
[[ $(call "$alice" POST "$base/users" \
	'{"dir": "/members", "user": "second", "password": "Second-pass-4343"}') == 201 ]] ||
	fail "REST user add: $(out)"
[[ $(call "$alice" GET "$base/users?dir=/members") == 200 && $(out | column user) == \
	"reader second" ]] || fail "REST users: $(out)"
[[ $(call "$bob" GET "$base/users?dir=/members") == 404 ]] || fail "REST: bob gets 404"
[[ $(call "$bob" DELETE "$base?dir=/members") == 404 ]] || fail "REST: bob deletes nothing"
[[ $(call "$alice" GET "$base/users") == 400 ]] || fail "REST: ?dir= is required"
[[ $(call "$alice" DELETE "$base/users/second?dir=/members") == 204 ]] || fail "REST user del"
ctl actions run >/dev/null || fail "the runner's pass"
htpasswd -vb "$web/members/.htpasswd" reader Newer-pass-4343 >/dev/null 2>&1 ||
	fail "the new password is in the file"
[[ $(grep -c . "$web/members/.htpasswd") == 1 ]] || fail "the removed user is gone"
[[ $(call "$alice" DELETE "$base?dir=/members") == 204 ]] || fail "REST unprotect: $(out)"
[[ $(call "$alice" GET "$base") == 200 && $(out | jget total) == 0 ]] || fail "REST list"
ctl actions run >/dev/null || fail "the runner's pass"
[[ ! -e $web/members/.htaccess && ! -e $web/members/.htpasswd ]] || fail "the files are gone"
ok "REST protected folders: password, users, unprotect; bob gets 404; files follow"
