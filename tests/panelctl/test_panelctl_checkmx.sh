#!/usr/bin/env bash
# AlternC's checkmx through panelctl (`domain checkmx`) and panel-api
# (GET /api/v1/domains/{domain}/mx-check), against a fake DNS server on loopback
# (tests/support/fake_dns.py, never the network): the host's MX, no MX, foreign MX, a DNS that
# fails or does not answer, and a member asking about another member's domain.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup checkmx

ctl_background dns python3 tests/support/fake_dns.py --port-file "$work/dns.port" \
	ours.org=mx:MX2.Host.Example.,backup.elsewhere.net \
	foreign.org=mx:mail.elsewhere.net \
	nodata.org=nodata broken.org=servfail silent.org=drop
ctl_wait_file "$work/dns.port" "$dns_pid"
cat >>"$work/panel.conf" <<CONF

[hosting]
fqdn = panel.host.example
public_ip = 192.0.2.10
ns1 = ns1.host.example
ns2 = ns2.host.example
default_mx = mx1.host.example
default_secondary_mx = mx2.host.example

[dns]
resolver = 127.0.0.1:$(cat "$work/dns.port")
timeout = 1
CONF

ctl schema migrate >/dev/null || fail "migrate"
printf 'Checkmx-pass-1\n' >"$work/pw"
ctl_accounts "$work/pw"
ctl quota set alice dom 10 >/dev/null || fail "quota"
for d in ours.org foreign.org nodata.org nxdomain.org broken.org silent.org; do
	ctl domain add "$d" --login alice >/dev/null || fail "domain $d"
done

expect_rc 0 "ours" ctl --json domain checkmx ours.org
[[ $(out | jget result) == ours && $(out | jget code) == 0 &&
	$(out | jget mx) == '["mx2.host.example","backup.elsewhere.net"]' ]] || fail "ours: $(out)"
expect_rc 0 "foreign" ctl --json domain checkmx foreign.org
[[ $(out | jget result) == foreign && $(out | jget code) == 2 &&
	$(out | jget mx) == '["mail.elsewhere.net"]' ]] || fail "foreign: $(out)"
expect_rc 0 "no MX record" ctl --json domain checkmx nodata.org
[[ $(out | jget result) == none && $(out | jget code) == 1 ]] || fail "nodata: $(out)"
expect_rc 0 "not in the DNS" ctl --json --as alice domain checkmx nxdomain.org
[[ $(out | jget result) == none && $(out | jget mx) == '[]' ]] || fail "nxdomain: $(out)"
expect_rc 0 "text output" ctl domain checkmx foreign.org
grep -qxF 'foreign.org: none of its MX is this host (2)' "$work/out" || fail "text: $(out)"
ok "checkmx: the host's MX (case and trailing dot ignored), none, foreign"

expect_rc 7 "SERVFAIL" ctl domain checkmx broken.org
expect_rc 7 "no answer" ctl domain checkmx silent.org
grep -q 'retry later' "$work/err" || fail "says to retry: $(err)"
ok "a DNS that fails or does not answer: unavailable (7), not 'no MX'"

expect_rc 3 "another member's domain" ctl --as bob domain checkmx ours.org
expect_rc 3 "a domain nobody hosts" ctl domain checkmx elsewhere.org
expect_rc 2 "not a domain name" ctl domain checkmx 'ours.org;id'
ok "checkmx only for a domain the caller sees (3), names checked (2)"

ctl_start_api
alice=$(ctl_token alice Checkmx-pass-1)
bob=$(ctl_token bob Checkmx-pass-1)
[[ $alice == pt_* && $bob == pt_* ]] || fail "login tokens"
code=$(curl -sS -o "$work/out" -w '%{http_code}' -H "Authorization: Bearer $alice" \
	"$api/api/v1/domains/ours.org/mx-check")
[[ $code == 200 && $(out | jget result) == ours && $(out | jget domain) == ours.org ]] ||
	fail "REST ours: $code $(out)"
code=$(curl -sS -o "$work/out" -w '%{http_code}' -H "Authorization: Bearer $bob" \
	"$api/api/v1/domains/ours.org/mx-check")
[[ $code == 404 ]] || fail "REST: bob may not check alice's domain: $code $(out)"
code=$(curl -sS -o "$work/out" -w '%{http_code}' -H "Authorization: Bearer $alice" \
	"$api/api/v1/domains/broken.org/mx-check")
[[ $code == 503 ]] || fail "REST: SERVFAIL is 503: $code $(out)"
ok "GET /api/v1/domains/{domain}/mx-check: 200 for the owner, 404 for another member, 503"
