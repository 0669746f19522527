#!/usr/bin/env bash
# panelctl domain/sub/zone/tld/forbidden against a database of the shared test cluster: output
# fields, exit codes, --as visibility, and zones that named-checkzone accepts.
# The PHP snippets are single-quoted on purpose: their $ belong to PHP.
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup domain
mkdir "$work/root"
cat >>"$work/panel.conf" <<CONF

[hosting]
fqdn = panel.host.example
public_ip = 192.0.2.10
ns1 = ns1.host.example
ns2 = ns2.host.example
default_mx = mx1.host.example
default_secondary_mx = mx2.host.example
root = $work/root
CONF
# entries: "sub/type/target/enabled" of a sub list on stdin, sorted, space-separated.
entries() {
	php -r '$l = json_decode(stream_get_contents(STDIN), true); $n = [];
		foreach ($l["items"] as $i) $n[] = $i["sub"] . "/" . $i["type"] . "/" . $i["target"] .
			"/" . ($i["enabled"] ? "on" : "off");
		sort($n); echo implode(" ", $n);'
}

ctl schema migrate >/dev/null || fail "migrate"
printf 'First-pass-1\n' >"$work/pw"
ctl_accounts "$work/pw"

# ---------------------------------------------------------------- domain add, show
expect_rc 0 "add for alice" ctl --json domain add alice-shop.fr --login alice
for kv in domain=alice-shop.fr owner=alice dns=true mx=true noerase=false dns_action=UPDATE \
	subdomains=5; do
	[[ $(out | jget "${kv%%=*}") == "${kv#*=}" ]] || fail "add: ${kv%%=*}: $(out)"
done
[[ $(out | jget etag) =~ ^[0-9a-f]{32}$ ]] || fail "add: etag: $(out)"
[[ $(sql "SELECT compte FROM domaines WHERE domaine = 'alice-shop.fr'") == 2001 ]] ||
	fail "the row belongs to alice (uid 2001)"
expect_rc 0 "add through --as" ctl --as bob domain add bob-site.fr --no-dns --no-mx
{ grep -qx 'owner: bob' "$work/out" && grep -qx 'dns: no' "$work/out" &&
	grep -qx 'mx: no' "$work/out"; } || fail "add --as bob --no-dns --no-mx, text: $(out)"
expect_rc 0 "show (text)" ctl domain show alice-shop.fr
for line in 'domain: alice-shop.fr' 'owner: alice' 'dns: yes' 'mx: yes' 'noerase: no' \
	'dns_result: -' 'subdomains: 5'; do
	grep -qx "$line" "$work/out" || fail "show lacks '$line': $(out)"
done
ok "domain add (--login, --as, --no-dns, --no-mx) and show, JSON and text"

ctl quota set bob dom 10 >/dev/null || fail "quota set"
expect_rc 0 "internationalized name" ctl --json domain add 'café-crème.fr' --login bob
[[ $(out | jget domain) == xn--caf-crme-60ag.fr ]] || fail "punycode: $(out)"
expect_rc 2 "no owner for the system" ctl domain add nobody-owns.fr
expect_rc 2 "bad name" ctl domain add 'bad_name!.fr' --login bob
expect_rc 2 "TLD not allowed" ctl domain add example.zz --login bob
grep -q 'top-level domain' "$work/err" || fail "TLD message: $(err)"
expect_rc 4 "taken" ctl domain add alice-shop.fr --login bob
grep -q 'already hosted' "$work/err" || fail "taken message: $(err)"
expect_rc 4 "under another account's domain" ctl domain add www.alice-shop.fr --login bob
expect_rc 5 "dom quota" ctl --as alice domain add alice-two.fr
grep -q 'quota dom' "$work/err" || fail "quota message: $(err)"
expect_rc 3 "unknown owner" ctl domain add nobody.fr --login nobody
expect_rc 2 "two domains" ctl domain add a.fr b.fr --login bob
expect_rc 2 "unknown option" ctl domain add c.fr --login bob --colour blue
expect_rc 0 "--force passes the TLD check" ctl --json domain add example.zz --login bob --force
[[ $(out | jget owner) == bob ]] || fail "forced add: $(out)"
expect_rc 0 "--noerase by an admin" ctl --json domain add locked.fr --login bob --noerase
[[ $(out | jget noerase) == true ]] || fail "--noerase: $(out)"
expect_rc 3 "unknown domain" ctl domain show nowhere.fr
expect_rc 3 "unknown domain, JSON" ctl --json domain show nowhere.fr
[[ $(out | jget error.code) == not_found && ! -s $work/err ]] || fail "JSON error: $(out)"
ok "domain add refusals: 2 invalid/TLD, 4 taken, 5 quota, 3 unknown; --force, --noerase"

# ---------------------------------------------------------------- --as visibility
expect_rc 3 "bob cannot see alice's domain" ctl --as bob domain show alice-shop.fr
expect_rc 3 "nor its entries" ctl --as bob sub list alice-shop.fr
expect_rc 3 "nor its zone" ctl --as bob zone show alice-shop.fr
expect_rc 3 "nor change it" ctl --as bob domain edit alice-shop.fr --mx no
expect_rc 3 "nor set an entry" ctl --as bob sub set alice-shop.fr evil ip 198.51.100.66
expect_rc 3 "nor delete it" ctl --as bob domain del alice-shop.fr --yes
expect_rc 0 "alice sees hers" ctl --as alice --json domain show alice-shop.fr
expect_rc 0 "list as bob" ctl --as bob --json domain list
[[ $(out | column domain) == "bob-site.fr example.zz locked.fr xn--caf-crme-60ag.fr" &&
	$(out | jget total) == 4 ]] || fail "bob's list: $(out)"
expect_rc 0 "list as alice" ctl --as alice --json domain list
[[ $(out | column domain) == alice-shop.fr ]] || fail "alice's list: $(out)"
expect_rc 6 "a non-admin cannot act" ctl --admin alice domain list
ok "--as: a member sees only its own domains; other members' are not found (3)"

# ---------------------------------------------------------------- list
expect_rc 0 "list (system)" ctl --json domain list
[[ $(out | jget total) == 5 && $(out | jget next_cursor) == null ]] || fail "list: $(out)"
expect_rc 0 "list --login" ctl --json domain list --login alice
[[ $(out | column domain) == alice-shop.fr ]] || fail "--login alice: $(out)"
expect_rc 0 "first page" ctl --json domain list --limit 2
[[ $(out | column domain) == "alice-shop.fr bob-site.fr" && $(out | jget total) == 5 ]] ||
	fail "first page: $(out)"
cursor=$(out | jget next_cursor)
[[ $cursor != null ]] || fail "a next_cursor after the first page"
expect_rc 0 "second page" ctl --json domain list --limit 2 --cursor "$cursor"
[[ $(out | column domain) == "example.zz locked.fr" ]] || fail "second page: $(out)"
expect_rc 0 "--all" ctl --json domain list --limit 2 --all
[[ $(out | jget items.4.domain) == xn--caf-crme-60ag.fr && $(out | jget next_cursor) == null ]] ||
	fail "--all: $(out)"
expect_rc 0 "list (text)" ctl domain list
head -n 1 "$work/out" | grep -Eq '^DOMAIN +OWNER +DNS +MX +NOERASE +ENTRIES +DNS_ACTION$' ||
	fail "header: $(out)"
grep -Eq '^bob-site\.fr +bob +no +no +no +[0-9]+ +UPDATE$' "$work/out" || fail "row: $(out)"
[[ $(wc -l <"$work/out") == 6 ]] || fail "5 rows and a header: $(out)"
expect_rc 0 "list page (text)" ctl domain list --limit 1
grep -q -- '--cursor' "$work/err" || fail "text says more pages follow: $(err)"
expect_rc 2 "bad --limit" ctl domain list --limit 0
expect_rc 2 "positional" ctl domain list alice
ok "domain list: JSON items/total/next_cursor, --login, cursors, --all, table"

# ---------------------------------------------------------------- edit
etag=$(ctl --json domain show alice-shop.fr | jget etag)
expect_rc 0 "edit --mx no" ctl --json domain edit alice-shop.fr --mx no --if-match "$etag"
[[ $(out | jget mx) == false && $(out | jget dns) == true && $(out | jget etag) != "$etag" ]] ||
	fail "edit: $(out)"
expect_rc 4 "stale --if-match" ctl domain edit alice-shop.fr --mx yes --if-match "$etag"
expect_rc 0 "edit --mx yes --dns yes" ctl --json domain edit alice-shop.fr --mx yes --dns yes
[[ $(out | jget mx) == true ]] || fail "edit back: $(out)"
expect_rc 2 "nothing to change" ctl domain edit alice-shop.fr
expect_rc 2 "bad yes/no" ctl domain edit alice-shop.fr --dns maybe
expect_rc 3 "edit unknown" ctl domain edit nowhere.fr --dns no
expect_rc 0 "lock" ctl --json domain edit bob-site.fr --noerase yes
[[ $(out | jget noerase) == true ]] || fail "noerase: $(out)"
ok "domain edit: --dns/--mx/--noerase, --if-match (4), refusals"

# ---------------------------------------------------------------- sub
expect_rc 0 "sub set ip" ctl --json sub set alice-shop.fr blog ip 198.51.100.7
for kv in domain=alice-shop.fr sub=blog type=ip target=198.51.100.7 enabled=true; do
	[[ $(out | jget "${kv%%=*}") == "${kv#*=}" ]] || fail "sub set: ${kv%%=*}: $(out)"
done
expect_rc 0 "sub set txt on @" ctl sub set alice-shop.fr @ txt 'v=spf1 -all'
{ grep -qx 'sub: @' "$work/out" && grep -qx 'type: txt' "$work/out" &&
	grep -qx 'target: v=spf1 -all' "$work/out"; } || fail "sub set text: $(out)"
expect_rc 0 "sub set through --as" ctl --as alice sub set alice-shop.fr shop cname \
	shops.example.net
expect_rc 0 "sub list" ctl --json sub list alice-shop.fr
want="@/defmx//on @/defmx2//on @/txt/v=spf1 -all/on @/url/http://www.alice-shop.fr/on"
want+=" blog/ip/198.51.100.7/on mail/webmail//on shop/cname/shops.example.net./on"
want+=" www/vhost/$(out | php -r '$l = json_decode(stream_get_contents(STDIN), true);
	foreach ($l["items"] as $i) if ($i["sub"] == "www") echo $i["target"];')/on"
[[ $(out | entries) == "$want" && $(out | jget total) == 8 ]] ||
	fail "sub list: $(out | entries), want $want"
expect_rc 0 "sub list (text)" ctl sub list alice-shop.fr
head -n 1 "$work/out" | grep -Eq '^SUB +TYPE +TARGET +ENABLE +WEB_ACTION$' || fail "header: $(out)"
grep -Eq '^blog +ip +198\.51\.100\.7 +ENABLED +UPDATE$' "$work/out" || fail "row: $(out)"
expect_rc 4 "CNAME beside a vhost" ctl sub set alice-shop.fr www cname other.example.org
expect_rc 2 "bad IPv4" ctl sub set alice-shop.fr blog2 ip 999.1.1.1
expect_rc 2 "unknown type" ctl sub set alice-shop.fr blog2 nosuchtype 198.51.100.8
expect_rc 2 "missing arguments" ctl sub set alice-shop.fr blog2
expect_rc 3 "unknown domain" ctl sub set nowhere.fr blog ip 198.51.100.8
ok "sub set/list: JSON and text, '@', refusals 2 and 4"

# ---------------------------------------------------------------- zone
expect_rc 0 "zone show" ctl zone show alice-shop.fr
cp "$work/out" "$work/zone"
named-checkzone alice-shop.fr "$work/zone" >"$work/check" 2>&1 ||
	fail "named-checkzone refuses the zone: $(cat "$work/check") $(cat "$work/zone")"
for line in '@ IN NS ns1.host.example.' 'blog IN A 198.51.100.7' 'www IN A 192.0.2.10' \
	'@ IN MX 5 mx1.host.example.' 'shop CNAME shops.example.net.' '@ IN TXT "v=spf1 -all"'; do
	grep -qxF "$line" "$work/zone" || fail "zone lacks '$line': $(cat "$work/zone")"
done
expect_rc 0 "zone show --json" ctl --json zone show alice-shop.fr
[[ $(out | jget domain) == alice-shop.fr ]] || fail "zone json: $(out)"
out | php -r '$z = json_decode(stream_get_contents(STDIN), true);
	exit($z["zone"] === file_get_contents($argv[1]) ? 0 : 1);' "$work/zone" ||
	fail "--json wraps the same text"
expect_rc 0 "member's zone" ctl --as alice zone show alice-shop.fr
cmp -s "$work/out" "$work/zone" || fail "the member sees the same zone"
expect_rc 3 "zone of an unknown domain" ctl zone show nowhere.fr
ok "zone show: accepted by named-checkzone, --json wraps it, --as sees it"

# ---------------------------------------------------------------- sub enable, disable, del
expect_rc 0 "disable" ctl --json sub disable alice-shop.fr blog ip
[[ $(out | jget enabled) == false && $(out | jget sub) == blog ]] || fail "disable: $(out)"
[[ $(ctl --json sub list alice-shop.fr | entries) == *"blog/ip/198.51.100.7/off"* ]] ||
	fail "blog is disabled in the list"
ctl zone show alice-shop.fr >"$work/zone"
grep -q '^blog ' "$work/zone" && fail "a disabled entry stays out of the zone"
named-checkzone alice-shop.fr "$work/zone" >/dev/null || fail "zone after disable"
expect_rc 0 "enable" ctl sub enable alice-shop.fr blog ip
[[ $(out) == "entry blog ip of alice-shop.fr enabled" ]] || fail "enable text: $(out)"
ctl zone show alice-shop.fr | grep -xF 'blog IN A 198.51.100.7' >/dev/null || fail "enabled again"
expect_rc 0 "del" ctl --json sub del alice-shop.fr blog ip
[[ $(out | jget deleted) == true ]] || fail "sub del: $(out)"
[[ $(ctl --json sub list alice-shop.fr | entries) != *blog* ]] || fail "blog is gone"
ctl zone show alice-shop.fr | grep '^blog ' >/dev/null && fail "blog is gone from the zone"
expect_rc 3 "del again" ctl sub del alice-shop.fr blog ip
expect_rc 3 "disable unknown" ctl sub disable alice-shop.fr nothing ip
expect_rc 2 "del: one argument too many" ctl sub del alice-shop.fr blog ip 198.51.100.7 extra
# One value among several, as AlternC 1.0 deletes them.
ctl sub set alice-shop.fr multi ip 198.51.100.8 >/dev/null || fail "set multi 8"
ctl sub set alice-shop.fr multi ip 198.51.100.9 >/dev/null || fail "set multi 9"
expect_rc 0 "del one value" ctl sub del alice-shop.fr multi ip 198.51.100.8
ctl zone show alice-shop.fr | grep -xF 'multi IN A 198.51.100.9' >/dev/null || fail "the other value stays"
ctl zone show alice-shop.fr | grep -F '198.51.100.8' >/dev/null && fail "the value is gone from the zone"
expect_rc 3 "del a value that is not there" ctl sub del alice-shop.fr multi ip 198.51.100.8
ok "sub enable/disable/del, one value or all, reflected in the list and the zone"

# ---------------------------------------------------------------- tld, forbidden
expect_rc 0 "tld list" ctl --json tld list
out | php -r '$l = json_decode(stream_get_contents(STDIN), true);
	foreach ($l["items"] as $i) if ($i["tld"] === "fr" && $i["mode"] === 4) exit(0); exit(1);' ||
	fail "fr has mode 4: $(out)"
expect_rc 0 "tld set" ctl --json tld set zz 4
[[ $(out | jget tld) == zz && $(out | jget mode) == 4 ]] || fail "tld set: $(out)"
expect_rc 0 "a .zz domain is now accepted" ctl domain add ok.zz --login bob
expect_rc 0 "tld list (text)" ctl tld list
grep -Eq '^zz +4$' "$work/out" || fail "tld list text: $(out)"
expect_rc 2 "mode 9" ctl tld set zz 9
expect_rc 6 "a member view may not" ctl --as alice tld set yy 4
expect_rc 0 "tld del" ctl --json tld del zz
[[ $(out | jget deleted) == true ]] || fail "tld del: $(out)"
expect_rc 2 "refused again" ctl domain add again.zz --login bob
expect_rc 3 "tld del unknown" ctl tld del zz
expect_rc 0 "forbidden add" ctl --json forbidden add evil.fr
[[ $(out | jget domain) == evil.fr && $(out | jget forbidden) == true ]] || fail "forbid: $(out)"
expect_rc 0 "forbidden list" ctl --json forbidden list
[[ $(out | column domain) == *evil.fr* ]] || fail "forbidden list: $(out)"
expect_rc 2 "under a forbidden domain" ctl domain add www.evil.fr --login bob
expect_rc 4 "forbidden twice" ctl forbidden add evil.fr
expect_rc 6 "a member view may not list them" ctl --as alice forbidden list
expect_rc 0 "forbidden del" ctl forbidden del evil.fr
[[ $(out) == "evil.fr is no longer forbidden" ]] || fail "forbidden del: $(out)"
expect_rc 3 "forbidden del again" ctl forbidden del evil.fr
ok "tld list/set/del and forbidden list/add/del, admin only (6)"

# ---------------------------------------------------------------- domain-type
expect_rc 0 "domain-type list" ctl --json domain-type list
[[ $(out | column name) == *vhost* ]] || fail "domain-type list: $(out)"
sql "UPDATE sub_domaines SET web_action = 'OK' WHERE type = 'IP'"
sql "UPDATE domaines SET dns_action = 'OK' WHERE domaine = 'alice-shop.fr'"
expect_rc 6 "a member view may not regenerate" ctl --as alice domain-type regen ip
[[ $(sql "SELECT COUNT(*) FROM sub_domaines WHERE type = 'IP' AND web_action = 'UPDATE'") == 0 ]] ||
	fail "nothing marked by a refused call"
expect_rc 0 "domain-type regen" ctl --json domain-type regen ip
[[ $(out | jget entries) -ge 1 && $(out | jget entries) == \
	$(sql "SELECT COUNT(*) FROM sub_domaines WHERE type = 'IP' AND web_action = 'UPDATE'") ]] ||
	fail "regen counts what it marked: $(out)"
[[ $(sql "SELECT dns_action FROM domaines WHERE domaine = 'alice-shop.fr'") == UPDATE ]] ||
	fail "the zone of a domain with such an entry is marked"
expect_rc 3 "regen an unknown type" ctl domain-type regen nosuch
expect_rc 0 "domain-type set" ctl --json domain-type set txt --description 'Text record' \
	--enable ADMIN --advanced no
[[ $(out | jget description) == 'Text record' && $(out | jget enable) == ADMIN &&
	$(out | jget advanced) == false ]] || fail "domain-type set: $(out)"
expect_rc 2 "a template of two lines" ctl domain-type set txt --entry "$(printf 'a IN A 1.2.3.4\nb IN A 5.6.7.8')"
expect_rc 2 "--advanced maybe" ctl domain-type set txt --advanced maybe
expect_rc 6 "a member view may not set" ctl --as alice domain-type set txt --enable ALL
ctl domain-type set txt --enable ALL --advanced yes >/dev/null || fail "txt back"
ok "domain-type list/set/regen, admin only (6), counts what it marked"

# ---------------------------------------------------------------- del
expect_rc 2 "del without --yes" ctl domain del example.zz
[[ $(ctl --json domain show example.zz | jget dns_action) == UPDATE ]] || fail "untouched"
expect_rc 0 "del" ctl --json domain del example.zz --yes
[[ $(out | jget domain) == example.zz && $(out | jget deleted) == true ]] || fail "del: $(out)"
expect_rc 0 "pending deletion" ctl --json domain show example.zz
[[ $(out | jget dns_action) == DELETE && $(out | jget subdomains) == 0 ]] ||
	fail "marked for the cron side: $(out)"
[[ $(sql "SELECT COUNT(*) FROM sub_domaines WHERE domaine = 'example.zz' AND
	web_action <> 'DELETE'") == 0 ]] || fail "its entries are marked too"
expect_rc 3 "del unknown" ctl domain del nowhere.fr --yes
ok "domain del: --yes required (2), marked DELETE for the cron side"

# ---------------------------------------------------------------- undel
expect_rc 0 "undel" ctl --json domain undel example.zz
[[ $(out | jget dns_action) == UPDATE && $(out | jget subdomains) != 0 ]] || fail "undel: $(out)"
[[ $(sql "SELECT COUNT(*) FROM sub_domaines WHERE domaine = 'example.zz' AND
	web_action = 'DELETE'") == 0 ]] || fail "its entries come back"
expect_rc 4 "undel with nothing pending" ctl domain undel example.zz
expect_rc 0 "del again" ctl domain del example.zz --yes
sql "DELETE FROM sub_domaines WHERE domaine = 'example.zz'"
sql "DELETE FROM domaines WHERE domaine = 'example.zz'"
expect_rc 3 "undel after the cron removed it" ctl domain undel example.zz
expect_rc 3 "undel unknown" ctl domain undel nowhere.fr
expect_rc 2 "undel without a domain" ctl domain undel
ok "domain undel: back to UPDATE; nothing pending (4), removed by the cron (3)"
