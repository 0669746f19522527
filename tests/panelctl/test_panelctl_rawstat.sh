#!/usr/bin/env bash
# Raw web statistics (AlternC 1.0's m_sta2) through panelctl (`rawstat`) and panel-api
# (/api/v1/accounts/{login}/rawstats, /api/v1/rawstats/{id}): sets only for hosts the member
# publishes, folders inside its web space, the sta2 quota, 1.0's rawstat.daily query on what
# was written, another member's sets invisible, and a domain's deletion taking its sets (and
# only its own: 1.0 took every host whose name merely ended the same way).
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup rawstat
mkdir "$work/root"
ctl_hosting "$work/root"

ctl schema migrate >/dev/null || fail "migrate"
printf 'Rawstat-pass-1\n' >"$work/pw"
ctl_accounts "$work/pw"
ctl quota set alice dom 5 >/dev/null && ctl quota set bob dom 5 >/dev/null || fail "dom quota"
for d in shop.fr myshop.fr; do
	ctl domain add "$d" --login alice >/dev/null || fail "domain $d"
done
ctl domain add bobsite.fr --login bob >/dev/null || fail "bob's domain"
web=$work/root/html/a/alice

expect_rc 5 "no sta2 quota yet" ctl --as alice rawstat add shop.fr logs
ctl quota set alice sta2 3 >/dev/null || fail "sta2 quota"
expect_rc 0 "the domain itself" ctl --json --as alice rawstat add shop.fr logs/shop/
[[ $(out | jget hostname) == shop.fr && $(out | jget folder) == "$web/logs/shop" &&
	$(out | jget owner) == alice ]] || fail "add: $(out)"
shop=$(out | jget id)
expect_rc 0 "an entry's name" ctl --json --as alice rawstat add WWW.Shop.FR. /logs/www
[[ $(out | jget hostname) == www.shop.fr ]] || fail "host name stored lower case: $(out)"
expect_rc 0 "another domain" ctl --json rawstat add www.myshop.fr logs --login alice
expect_rc 5 "the quota is used up" ctl --as alice rawstat add myshop.fr logs
ok "rawstat add: the account's hosts, lower case, folders made absolute, quota sta2 (5)"

expect_rc 2 "bob's host" ctl --as alice rawstat add bobsite.fr logs
expect_rc 2 "a host nobody has" ctl --as alice rawstat add www.nowhere.fr logs
for bad in ../../b/bob /../../../etc 'a/../../..' "$(printf 'x\ny')"; do
	expect_rc 2 "folder $bad" ctl --as alice rawstat edit "$shop" "$bad"
done
expect_rc 2 "not a host name" ctl --as alice rawstat add 'shop.fr/../x' logs
expect_rc 3 "bob sees no set of alice" ctl --as bob rawstat show "$shop"
expect_rc 3 "bob may not move it" ctl --as bob rawstat edit "$shop" mine
expect_rc 3 "bob may not delete it" ctl --as bob rawstat del "$shop"
expect_rc 2 "an id is a number" ctl rawstat show abc
[[ $(sql "SELECT folder FROM stats2 WHERE id = $shop") == "$web/logs/shop" ]] ||
	fail "refused changes left the set alone"
ok "rawstat refusals: others' hosts and sets (2, 3), folders outside the space (2)"

expect_rc 0 "edit" ctl --json --as alice rawstat edit "$shop" stats
[[ $(out | jget folder) == "$web/stats" ]] || fail "edit: $(out)"
expect_rc 0 "list" ctl --json --as alice rawstat list
[[ $(out | column hostname) == "shop.fr www.myshop.fr www.shop.fr" ]] || fail "list: $(out)"
expect_rc 0 "bob's list is empty" ctl --json --as bob rawstat list
[[ $(out | jget total) == 0 ]] || fail "bob's list: $(out)"
# AlternC 1.0's rawstat.daily reads the sets this way.
[[ $(sql "SELECT mid, folder, hostname FROM stats2 ORDER BY CHAR_LENGTH(hostname) ASC" |
	head -n 1 | cut -f 2,3) == "$web/stats	shop.fr" ]] || fail "rawstat.daily's query"
ok "rawstat edit/list; 1.0's rawstat.daily query reads what was written"

ctl domain del shop.fr --yes >/dev/null || fail "domain del"
expect_rc 0 "list after the domain's deletion" ctl --json --as alice rawstat list
[[ $(out | column hostname) == "www.myshop.fr" ]] || fail "only myshop.fr's set stays: $(out)"
ok "a domain's deletion takes the sets of the domain and its entries only"

ctl_start_api
alice=$(ctl_token alice Rawstat-pass-1)
bob=$(ctl_token bob Rawstat-pass-1)
call() { # call TOKEN METHOD PATH [BODY]: the status; the body in $work/out
	local args=(-sS -o "$work/out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1")
	[[ -n ${4:-} ]] && args+=(-H 'Content-Type: application/json' -d "$4")
	curl "${args[@]}" "$api$3"
}
[[ $(call "$alice" POST /api/v1/accounts/alice/rawstats \
	'{"hostname": "myshop.fr", "dir": "rest"}') == 201 ]] || fail "REST create: $(out)"
id=$(out | jget id)
[[ $(call "$alice" GET "/api/v1/rawstats/$id") == 200 && $(out | jget folder) == "$web/rest" ]] ||
	fail "REST get: $(out)"
[[ $(call "$bob" GET "/api/v1/rawstats/$id") == 404 ]] || fail "REST: bob gets 404"
[[ $(call "$bob" DELETE "/api/v1/rawstats/$id") == 404 ]] || fail "REST: bob deletes nothing"
[[ $(call "$alice" PATCH "/api/v1/rawstats/$id" '{"dir": "../x"}') == 400 ]] ||
	fail "REST: a folder outside: $(out)"
[[ $(call "$alice" PATCH "/api/v1/rawstats/$id" '{"dir": "rest2"}') == 200 &&
	$(out | jget folder) == "$web/rest2" ]] || fail "REST patch: $(out)"
[[ $(call "$alice" GET /api/v1/accounts/alice/rawstats) == 200 && $(out | jget total) == 2 ]] ||
	fail "REST list: $(out)"
[[ $(call "$alice" DELETE "/api/v1/rawstats/$id") == 204 ]] || fail "REST delete"
[[ $(call "$alice" GET "/api/v1/rawstats/$id") == 404 ]] || fail "REST: gone"
[[ $(call "$alice" GET /api/v1/rawstats/0x1) == 404 ]] || fail "REST: not an id"
ok "REST rawstats: create, get, patch, list, delete; bob gets 404"
