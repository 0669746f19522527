#!/usr/bin/env bash
# Mail wrappers (AlternC 1.0's add_wrapper) through panelctl (`wrapper`) and panel-api
# (/api/v1/domains/{domain}/wrappers, /api/v1/mail-wrappers/{address}): only programs the host
# allows ([mail] wrappers), arguments without any shell syntax (local(8) runs the alias through
# /bin/sh), admins only to create, the rows 1.0's postfix maps read, and a domain's deletion
# taking them.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup wrapper
mkdir "$work/root"
ctl_hosting "$work/root"
cat >>"$work/panel.conf" <<CONF

[mail]
wrappers = /usr/lib/mailman/mail/mailman, /usr/bin/true
CONF

ctl schema migrate >/dev/null || fail "migrate"
printf 'Wrapper-pass-1\n' >"$work/pw"
ctl_accounts "$work/pw"
ctl quota set alice dom 3 >/dev/null || fail "quota"
ctl domain add lists.fr --login alice >/dev/null || fail "domain"

expect_rc 0 "add" ctl --json wrapper add news@lists.fr '/usr/lib/mailman/mail/mailman post news'
[[ $(out | jget address) == news@lists.fr && $(out | jget owner) == alice &&
	$(out | jget command) == '/usr/lib/mailman/mail/mailman post news' ]] || fail "add: $(out)"
# What AlternC 1.0's postfix maps read: the virtual address, then local(8)'s alias.
[[ $(sql "SELECT alias, type, pop FROM mail_domain WHERE mail = 'news@lists.fr'") == \
	"news_lists.fr	1	0" ]] || fail "mail_domain row"
[[ $(sql "SELECT alias FROM mail_alias WHERE mail = 'news_lists.fr'") == \
	'"| /usr/lib/mailman/mail/mailman post news"' ]] || fail "mail_alias row"
ok "wrapper add: 1.0's rows, the program and its words"

expect_rc 2 "a program not allowed" ctl wrapper add x@lists.fr '/bin/sh -c id'
expect_rc 2 "a relative program" ctl wrapper add x@lists.fr 'true'
for bad in '/usr/bin/true; id' '/usr/bin/true $(id)' '/usr/bin/true `id`' \
	"/usr/bin/true 'a b'" '/usr/bin/true "a"' '/usr/bin/true | id' '/usr/bin/true > /tmp/x' \
	'/usr/bin/true  a' '/usr/bin/true a ' '/usr/bin/true a&&id' "$(printf '/usr/bin/true\nid')" \
	'/usr/bin/true*' '/usr/bin/true ~root'; do
	expect_rc 2 "shell syntax: $bad" ctl wrapper add x@lists.fr "$bad"
done
expect_rc 4 "a taken address" ctl wrapper add news@lists.fr '/usr/bin/true'
[[ $(sql "SELECT COUNT(*) FROM mail_domain WHERE type = 1") == 1 &&
	$(sql "SELECT COUNT(*) FROM mail_alias WHERE alias LIKE '%|%'") == 1 ]] ||
	fail "refused wrappers left no row"
ok "wrapper add refusals: programs not allowed and shell syntax (2), taken (4)"

expect_rc 0 "the owner lists them" ctl --json --as alice wrapper list lists.fr
[[ $(out | column address) == news@lists.fr ]] || fail "list: $(out)"
expect_rc 3 "another member does not see them" ctl --as bob wrapper list lists.fr
expect_rc 3 "nor delete them" ctl --as bob wrapper del news@lists.fr
expect_rc 0 "the mail list shows no wrapper" ctl --json --as alice mail list lists.fr
[[ $(out | jget items) != *news@lists.fr* ]] || fail "mail list: $(out)"

ctl_start_api
admin=$(ctl_token admin Wrapper-pass-1)
alice=$(ctl_token alice Wrapper-pass-1)
call() { # call TOKEN METHOD PATH [BODY]: the status; the body in $work/out
	local args=(-sS -o "$work/out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1")
	[[ -n ${4:-} ]] && args+=(-H 'Content-Type: application/json' -d "$4")
	curl "${args[@]}" "$api$3"
}
[[ $(call "$alice" POST /api/v1/domains/lists.fr/wrappers \
	'{"local": "l2", "command": "/usr/bin/true"}') == 403 ]] || fail "REST: a member: $(out)"
[[ $(call "$admin" POST /api/v1/domains/lists.fr/wrappers \
	'{"local": "l2", "command": "/usr/bin/true x;id"}') == 400 ]] || fail "REST: syntax: $(out)"
[[ $(call "$admin" POST /api/v1/domains/lists.fr/wrappers \
	'{"local": "l2", "command": "/usr/bin/true l2"}') == 201 ]] || fail "REST add: $(out)"
[[ $(call "$alice" GET /api/v1/domains/lists.fr/wrappers) == 200 && $(out | jget total) == 2 ]] ||
	fail "REST list: $(out)"
[[ $(call "$alice" DELETE /api/v1/mail-wrappers/l2@lists.fr) == 204 ]] || fail "REST del"
ok "REST wrappers: admins create, the owner lists and deletes"

ctl domain del lists.fr --yes >/dev/null || fail "domain del"
[[ $(sql "SELECT COUNT(*) FROM mail_domain WHERE type = 1") == 0 &&
	$(sql "SELECT COUNT(*) FROM mail_alias WHERE alias LIKE '%|%'") == 0 ]] ||
	fail "the domain's wrappers go with it"
ok "a domain's deletion removes its wrappers and their aliases"
