#!/usr/bin/env bash
# panelctl account mail-change, mail-confirm, reset-mail and reset-password against a database
# of the shared test cluster and a fake sendmail that keeps the messages: what is mailed, JSON,
# exit codes, and nothing sent on a refusal.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup account_mail

export FAKE_SENDMAIL_DIR=$work/mails
mkdir "$FAKE_SENDMAIL_DIR"
cat >>"$work/panel.conf" <<CONF

[mail]
sendmail = $PWD/tests/support/fake-sendmail

[hosting]
fqdn = panel.example.net
CONF
# mails: how many messages were kept; mail: the one kept (fails when there are more or none).
mails() { find "$FAKE_SENDMAIL_DIR" -name 'msg.*' | wc -l; }
mail() {
	[[ $(mails) == 1 ]] || fail "expected one message, found $(mails)"
	cat "$FAKE_SENDMAIL_DIR"/msg.*
}
clear_mails() { rm -f "$FAKE_SENDMAIL_DIR"/msg.*; }

ctl schema migrate >/dev/null || fail "migrate"
printf 'Admin-pass-1\n' >"$work/pw"
ctl account add admin --mail root@example.com --admin --password-file "$work/pw" >/dev/null ||
	fail "bootstrap admin"
ctl --admin admin account add carol --mail carol@example.com --password-file "$work/pw" \
	>/dev/null || fail "add carol"

# ---------------------------------------------------------------- change of contact address
expect_rc 0 "mail-change" ctl --json --admin admin --as carol account mail-change carol \
	carol@example.org
key=$(out | jget key)
[[ $key =~ ^[0-9a-f]{6}$ ]] || fail "key: $(out)"
mail >"$work/msg"
grep -qx 'To: carol@example.org' "$work/msg" || fail "To: $(cat "$work/msg")"
cookie=$(sed -n 's/.*&cookie=\([0-9a-f]*\)$/\1/p' "$work/msg")
uid=$(sql "SELECT uid FROM membres WHERE login = 'carol'")
[[ ${#cookie} == 20 ]] || fail "cookie in the mail: $(cat "$work/msg")"
if grep -q "$key" "$work/msg"; then fail "the key is in the mail"; fi
expect_rc 6 "wrong key" ctl account mail-confirm "$uid" "$cookie" 000000
expect_rc 0 "confirm" ctl --json account mail-confirm "$uid" "$cookie" "$key"
[[ $(out | jget changed) == true ]] || fail "confirm: $(out)"
[[ $(sql "SELECT mail FROM membres WHERE login = 'carol'") == carol@example.org ]] ||
	fail "mail not changed"
clear_mails
expect_rc 2 "line break in the address" ctl account mail-change carol \
	$'x@example.org\nBcc: victim@example.org'
expect_rc 2 "two addresses" ctl account mail-change carol 'x@example.org,victim@example.org'
[[ $(mails) == 0 ]] || fail "a refused change sent mail"
touch "$FAKE_SENDMAIL_DIR/fail"
expect_rc 1 "the MTA fails" ctl account mail-change carol other@example.org
rm "$FAKE_SENDMAIL_DIR/fail"
[[ $(sql "SELECT COUNT(*) FROM chgmail") == 0 ]] || fail "a row stayed after a failed mail"
ok "account mail-change, mail-confirm"

# ---------------------------------------------------------------- password reset
clear_mails
expect_rc 0 "reset-mail" ctl --json account reset-mail carol
[[ $(out | jget requested) == true ]] || fail "reset-mail: $(out)"
mail >"$work/msg"
grep -qx 'To: carol@example.org' "$work/msg" || fail "reset To: $(cat "$work/msg")"
code=$(sed -n 's/^Reset code: //p' "$work/msg")
[[ $code == pr_* ]] || fail "code: $(cat "$work/msg")"
clear_mails
expect_rc 0 "reset-mail again (once a day)" ctl account reset-mail carol
[[ $(mails) == 0 ]] || fail "a second mail within the day"
printf 'Carol-new-2026\n' >"$work/newpw"
expect_rc 6 "wrong code" ctl account reset-password carol pr_nope --password-file "$work/newpw"
expect_rc 0 "reset-password" ctl --json account reset-password carol "$code" \
	--password-file "$work/newpw"
[[ $(out | jget changed) == true ]] || fail "reset-password: $(out)"
expect_rc 6 "the code is used up" ctl account reset-password carol "$code" \
	--password-file "$work/newpw"
ok "account reset-mail, reset-password"
