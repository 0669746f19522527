#!/usr/bin/env bash
# panelctl mail and ftp against a database of the shared test cluster: output fields, exit
# codes, --as visibility, mailbox passwords checked by doveadm, FTP passwords by crypt(3).
# The PHP snippets are single-quoted on purpose: their $ belong to PHP.
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup mail
mkdir "$work/root"
cat >>"$work/panel.conf" <<CONF

[hosting]
fqdn = panel.host.example
public_ip = 192.0.2.10
ns1 = ns1.host.example
default_mx = mx1.host.example
root = $work/root
CONF
# box_hash ADDRESS: the hash dovecot reads for a mailbox.
box_hash() { sql "SELECT password FROM mail_users WHERE alias = '$1'"; }
# box_login ADDRESS PASSWORD: doveadm checks the password against the stored hash.
box_login() {
	local hash
	hash=$(box_hash "$1")
	[[ -n $hash ]] || return 1
	doveadm pw -t "$hash" -p "$2" >/dev/null 2>&1
}
# ftp_login NAME PASSWORD: crypt(3), as proftpd's SQLAuthTypes Crypt, accepts the password.
ftp_login() {
	local hash
	hash=$(sql "SELECT encrypted_password FROM ftpusers WHERE name = '$1'")
	[[ -n $hash ]] || return 1
	php -r 'exit(hash_equals($argv[1], crypt($argv[2], $argv[1])) ? 0 : 1);' "$hash" "$2"
}

ctl schema migrate >/dev/null || fail "migrate"
printf 'Box-pass-11\n' >"$work/pw1"
printf 'Box-pass-22\n' >"$work/pw2"
ctl_accounts "$work/pw1"
ctl domain add alice-shop.fr --login alice >/dev/null || fail "alice's domain"
ctl domain add bob-site.fr --login bob >/dev/null || fail "bob's domain"

# ---------------------------------------------------------------- mail add
expect_rc 0 "mailbox" ctl --json mail add info@alice-shop.fr --mailbox --password-file "$work/pw1"
for kv in address=info@alice-shop.fr local=info domain=alice-shop.fr mailbox=true \
	recipients='[]' expires=null size=0; do
	[[ $(out | jget "${kv%%=*}") == "${kv#*=}" ]] || fail "mail add: ${kv%%=*}: $(out)"
done
[[ $(out | jget password) == '<missing>' ]] || fail "no password field"
[[ $(box_hash info@alice-shop.fr) == '{CRYPT}$6$'* ]] || fail "hash scheme: $(box_hash info@alice-shop.fr)"
box_login info@alice-shop.fr Box-pass-11 || fail "doveadm accepts the mailbox password"
box_login info@alice-shop.fr Box-pass-22 && fail "doveadm refuses another password"
grep -q Box-pass "$work/out" "$work/err" && fail "the password is printed"
expect_rc 0 "mailbox, password on stdin, through --as" ctl --as alice mail add \
	contact@alice-shop.fr --mailbox --password-file - <"$work/pw2"
{ grep -qx 'address: contact@alice-shop.fr' "$work/out" && grep -qx 'mailbox: yes' "$work/out" &&
	grep -qx 'expires: never' "$work/out"; } || fail "text output: $(out)"
box_login contact@alice-shop.fr Box-pass-22 || fail "doveadm: password from stdin"
expect_rc 0 "forwards with expiry" ctl --json mail add sales@alice-shop.fr \
	--recipient x@example.org --recipient y@example.org --expires 2040-01-01
[[ $(out | jget mailbox) == false && $(out | jget recipients) == '["x@example.org","y@example.org"]' &&
	$(out | jget expires) == '2040-01-01 00:00:00' ]] || fail "forwards: $(out)"
[[ -z $(box_hash sales@alice-shop.fr) ]] || fail "no mailbox row for forwards only"
expect_rc 0 "catch-all" ctl --json mail add @alice-shop.fr --recipient info@alice-shop.fr
[[ $(out | jget address) == @alice-shop.fr && $(out | jget local) == '' ]] ||
	fail "catch-all: $(out)"
ok "mail add: mailbox (doveadm pw -t on the stored hash), stdin, forwards, expiry, catch-all"

# --mailbox without a file: the password is asked twice on the terminal, without echo.
if command -v script >/dev/null; then
	rm -f "$work/tty.in" "$work/tty.log"
	mkfifo "$work/tty.in"
	script -qfec "$panelctl -c $work/panel.conf mail add tty@alice-shop.fr --mailbox" \
		"$work/tty.log" <"$work/tty.in" >/dev/null 2>&1 &
	pid=$!
	exec 3>"$work/tty.in"
	for want in 'Mailbox password: ' 'again'; do
		for ((i = 0; i < 200; i++)); do
			grep -q "$want" "$work/tty.log" 2>/dev/null && break
			sleep 0.05
		done
		printf 'Tty-box-pass-1\n' >&3
	done
	set +e
	wait "$pid"
	rc=$?
	set -e
	exec 3>&-
	[[ $rc == 0 ]] || fail "prompted mail add: exit $rc: $(cat "$work/tty.log")"
	grep -q 'Tty-box-pass' "$work/tty.log" && fail "the prompt echoed the password"
	box_login tty@alice-shop.fr Tty-box-pass-1 || fail "doveadm: the prompted password"
	ctl mail del tty@alice-shop.fr --yes >/dev/null || fail "mail del tty"
	ok "mail add --mailbox prompts twice without echo"
else
	ok "# SKIP terminal prompt: script(1) missing"
fi

expect_rc 4 "taken" ctl mail add info@alice-shop.fr --recipient z@example.org
expect_rc 2 "bad local part" ctl mail add 'bad local@alice-shop.fr' --recipient z@example.org
expect_rc 2 "not an address" ctl mail add alice-shop.fr --recipient z@example.org
expect_rc 2 "bad recipient" ctl mail add rr@alice-shop.fr --recipient not-an-address
expect_rc 2 "malformed expiry" ctl mail add old@alice-shop.fr --recipient z@example.org \
	--expires tomorrow
expect_rc 2 "neither box nor forward" ctl mail add none@alice-shop.fr
expect_rc 2 "--password-file without --mailbox" ctl mail add pf@alice-shop.fr \
	--recipient z@example.org --password-file "$work/pw1"
expect_rc 2 "no password on a non-terminal" ctl mail add nopw@alice-shop.fr --mailbox </dev/null
expect_rc 3 "nopw was not created" ctl mail show nopw@alice-shop.fr
expect_rc 3 "unknown domain" ctl mail add x@nowhere.fr --recipient z@example.org
expect_rc 3 "another member's domain" ctl --as bob mail add x@alice-shop.fr --recipient z@example.org
ctl quota set alice mail 6 >/dev/null || fail "quota set"
expect_rc 5 "mail quota" ctl mail add seventh@alice-shop.fr --recipient z@example.org
grep -q 'quota mail' "$work/err" || fail "quota message: $(err)"
for opt in --password --password=Secret-in-argv-1; do
	expect_rc 2 "option $opt" ctl mail add q@alice-shop.fr --mailbox "$opt" Secret-in-argv-2
	grep -q Secret-in-argv "$work/out" "$work/err" && fail "$opt echoed: $(err)"
done
ok "mail add refusals: 4 taken, 2 invalid/no password, 3 unknown or other member's, 5 quota"

# ---------------------------------------------------------------- show, list, --as
expect_rc 0 "show" ctl mail show sales@alice-shop.fr
{ grep -qx 'recipients: x@example.org, y@example.org' "$work/out" &&
	grep -qx 'expires: 2040-01-01 00:00:00' "$work/out" && grep -qx 'mailbox: no' "$work/out"; } ||
	fail "show text: $(out)"
expect_rc 3 "bob cannot see alice's address" ctl --as bob mail show info@alice-shop.fr
expect_rc 3 "nor list alice's domain" ctl --as bob mail list alice-shop.fr
expect_rc 3 "nor change its password" ctl --as bob mail passwd info@alice-shop.fr \
	--password-file "$work/pw2"
expect_rc 3 "nor delete it" ctl --as bob mail del info@alice-shop.fr --yes
expect_rc 0 "alice lists hers" ctl --as alice --json mail list alice-shop.fr
want="@alice-shop.fr contact@alice-shop.fr info@alice-shop.fr postmaster@alice-shop.fr sales@alice-shop.fr"
[[ $(out | column address) == "$want" && $(out | jget total) == 5 ]] || fail "list: $(out)"
expect_rc 0 "bob's own domain" ctl --as bob --json mail list bob-site.fr
[[ $(out | column address) == postmaster@bob-site.fr ]] || fail "bob's list: $(out)"
expect_rc 0 "--prefix" ctl --json mail list alice-shop.fr --prefix s
[[ $(out | column address) == sales@alice-shop.fr ]] || fail "--prefix: $(out)"
expect_rc 0 "page" ctl --json mail list alice-shop.fr --limit 2
[[ $(out | jget total) == 5 && $(out | jget items.1.address) == contact@alice-shop.fr ]] ||
	fail "first page: $(out)"
cursor=$(out | jget next_cursor)
[[ $cursor != null ]] || fail "next_cursor"
expect_rc 0 "next page" ctl --json mail list alice-shop.fr --limit 2 --cursor "$cursor"
[[ $(out | jget items.0.address) == info@alice-shop.fr ]] || fail "second page: $(out)"
expect_rc 0 "--all" ctl --json mail list alice-shop.fr --limit 2 --all
[[ $(out | column address) == "$want" && $(out | jget next_cursor) == null ]] || fail "--all: $(out)"
expect_rc 0 "list (text)" ctl mail list alice-shop.fr
head -n 1 "$work/out" | grep -Eq '^ADDRESS +MAILBOX +RECIPIENTS +EXPIRES +SIZE$' || fail "header: $(out)"
grep -Eq '^info@alice-shop\.fr +yes +- +never +0$' "$work/out" || fail "row: $(out)"
expect_rc 2 "list without a domain" ctl mail list
expect_rc 3 "list of an unknown domain" ctl mail list nowhere.fr
ok "mail show/list: fields, prefix, cursors, --all; another member's mail is not found (3)"

# ---------------------------------------------------------------- edit, passwd
expect_rc 0 "edit forwards" ctl --json mail edit sales@alice-shop.fr --recipient z@example.org \
	--expires never
[[ $(out | jget recipients) == '["z@example.org"]' && $(out | jget expires) == null ]] ||
	fail "edit: $(out)"
expect_rc 2 "no forwards and no box" ctl mail edit sales@alice-shop.fr --no-recipients
expect_rc 0 "add a box" ctl --json mail edit sales@alice-shop.fr --mailbox yes --password-file "$work/pw2"
[[ $(out | jget mailbox) == true ]] || fail "box added: $(out)"
box_login sales@alice-shop.fr Box-pass-22 || fail "doveadm: the new box's password"
expect_rc 0 "forwards off, box kept" ctl --json mail edit sales@alice-shop.fr --no-recipients
[[ $(out | jget recipients) == '[]' && $(out | jget mailbox) == true ]] || fail "edit: $(out)"
expect_rc 4 "--password-file on an existing box" ctl mail edit sales@alice-shop.fr --mailbox yes \
	--password-file "$work/pw1"
expect_rc 0 "remove the box" ctl --json mail edit info@alice-shop.fr --mailbox no \
	--recipient z@example.org
[[ $(out | jget mailbox) == false ]] || fail "box removed: $(out)"
[[ -z $(box_hash info@alice-shop.fr) ]] || fail "the box's rows are gone"
expect_rc 2 "nothing to change" ctl mail edit sales@alice-shop.fr
expect_rc 2 "--recipient and --no-recipients" ctl mail edit sales@alice-shop.fr \
	--recipient z@example.org --no-recipients
expect_rc 2 "bad --mailbox" ctl mail edit sales@alice-shop.fr --mailbox perhaps
expect_rc 3 "edit unknown" ctl mail edit nobody@alice-shop.fr --expires never
before=$(box_hash contact@alice-shop.fr)
expect_rc 0 "passwd" ctl mail passwd contact@alice-shop.fr --password-file - <"$work/pw1"
[[ $(out) == "password of contact@alice-shop.fr changed" ]] || fail "passwd text: $(out)"
[[ $(box_hash contact@alice-shop.fr) != "$before" ]] || fail "the hash changed"
box_login contact@alice-shop.fr Box-pass-11 || fail "doveadm: the new password"
box_login contact@alice-shop.fr Box-pass-22 && fail "doveadm: the old password no longer works"
expect_rc 0 "passwd --json" ctl --json mail passwd contact@alice-shop.fr --password-file "$work/pw2"
[[ $(out | jget changed) == true ]] || fail "passwd json: $(out)"
expect_rc 4 "passwd of forwards only" ctl mail passwd info@alice-shop.fr --password-file "$work/pw1"
expect_rc 2 "passwd without a terminal" ctl mail passwd contact@alice-shop.fr </dev/null
expect_rc 3 "passwd unknown" ctl mail passwd nobody@alice-shop.fr --password-file "$work/pw1"
ok "mail edit (forwards, expiry, box on/off) and passwd, checked with doveadm"

# ---------------------------------------------------------------- del
expect_rc 2 "del without --yes" ctl mail del sales@alice-shop.fr
expect_rc 0 "del" ctl --json mail del sales@alice-shop.fr --yes
[[ $(out | jget deleted) == true && $(out | jget address) == sales@alice-shop.fr ]] ||
	fail "del: $(out)"
expect_rc 3 "gone" ctl mail show sales@alice-shop.fr
[[ -z $(box_hash sales@alice-shop.fr) ]] || fail "its box rows are gone"
expect_rc 3 "del again" ctl mail del sales@alice-shop.fr --yes
ok "mail del: --yes required (2), gone afterwards (3)"

# ---------------------------------------------------------------- ftp
expect_rc 0 "ftp add" ctl --json --as alice ftp add --prefix alice --password-file "$work/pw1"
for kv in name=alice prefix=alice suffix= owner=alice dir=/; do
	[[ $(out | jget "${kv%%=*}") == "${kv#*=}" ]] || fail "ftp add: ${kv%%=*}: $(out)"
done
[[ $(out | jget id) =~ ^[0-9]+$ && $(out | jget password) == '<missing>' ]] || fail "ftp add: $(out)"
ftp_login alice Box-pass-11 || fail "crypt(3) accepts the FTP password"
ftp_login alice Box-pass-22 && fail "crypt(3) refuses another password"
expect_rc 0 "ftp add on a domain" ctl ftp add --login alice --prefix alice-shop.fr --suffix web \
	--dir /www/site --password-file - <"$work/pw2"
{ grep -qx 'name: alice-shop.fr_web' "$work/out" && grep -qx 'dir: /www/site' "$work/out" &&
	grep -qx "homedir: $work/root/html/a/alice/www/site" "$work/out"; } || fail "ftp add text: $(out)"
[[ $(sql "SELECT homedir FROM ftpusers WHERE name = 'alice-shop.fr_web'") == "$work/root/html/a/alice/www/site" ]] ||
	fail "proftpd's homedir"
expect_rc 5 "ftp quota" ctl ftp add --login alice --prefix alice --suffix third --password-file "$work/pw1"
expect_rc 2 "prefix of another account" ctl --as alice ftp add --prefix bob-site.fr \
	--password-file "$work/pw1"
expect_rc 2 "folder outside the web space" ctl --as bob ftp add --prefix bob --dir ../etc \
	--password-file "$work/pw1"
expect_rc 2 "bad suffix" ctl --as bob ftp add --prefix bob --suffix 'a b' --password-file "$work/pw1"
expect_rc 2 "--prefix is required" ctl --as bob ftp add --password-file "$work/pw1"
expect_rc 2 "no password on a non-terminal" ctl --as bob ftp add --prefix bob </dev/null
expect_rc 0 "bob's account" ctl --as bob ftp add --prefix bob --password-file "$work/pw1"
expect_rc 4 "ftp name taken" ctl --as bob ftp add --prefix bob --password-file "$work/pw1"
ok "ftp add: fields, crypt(3) password, homedir; refusals 4, 5, 2"

expect_rc 0 "ftp list --login" ctl --json ftp list --login alice
[[ $(out | column name) == "alice alice-shop.fr_web" && $(out | jget total) == 2 ]] ||
	fail "ftp list: $(out)"
expect_rc 0 "ftp list as bob" ctl --as bob --json ftp list
[[ $(out | column name) == bob ]] || fail "bob sees only his: $(out)"
expect_rc 3 "bob cannot see alice's" ctl --as bob ftp show alice
expect_rc 3 "nor change it" ctl --as bob ftp passwd alice --password-file "$work/pw2"
expect_rc 3 "nor delete it" ctl --as bob ftp del alice --yes
expect_rc 0 "ftp list (text)" ctl ftp list --login alice
head -n 1 "$work/out" | grep -Eq '^NAME +OWNER +DIR$' || fail "header: $(out)"
grep -Eq '^alice-shop\.fr_web +alice +/www/site$' "$work/out" || fail "row: $(out)"
expect_rc 0 "ftp show" ctl --json ftp show alice-shop.fr_web
[[ $(out | jget owner) == alice && $(out | jget suffix) == web ]] || fail "ftp show: $(out)"
expect_rc 0 "ftp edit" ctl --json ftp edit alice-shop.fr_web --suffix blog --dir /blog
[[ $(out | jget name) == alice-shop.fr_blog && $(out | jget dir) == /blog ]] || fail "edit: $(out)"
expect_rc 3 "old name gone" ctl ftp show alice-shop.fr_web
expect_rc 2 "ftp edit: nothing" ctl ftp edit alice-shop.fr_blog
expect_rc 4 "ftp edit onto a taken name" ctl ftp edit alice-shop.fr_blog --prefix alice --suffix ''
expect_rc 0 "ftp passwd" ctl ftp passwd alice --password-file "$work/pw2"
[[ $(out) == "password of alice changed" ]] || fail "ftp passwd: $(out)"
ftp_login alice Box-pass-22 || fail "crypt(3): the new FTP password"
ftp_login alice Box-pass-11 && fail "crypt(3): the old FTP password no longer works"
expect_rc 2 "ftp del without --yes" ctl ftp del alice
expect_rc 0 "ftp del" ctl --json ftp del alice --yes
[[ $(out | jget deleted) == true ]] || fail "ftp del: $(out)"
expect_rc 3 "ftp gone" ctl ftp show alice
expect_rc 3 "ftp del unknown" ctl ftp del alice --yes
ok "ftp list/show/edit/passwd/del, --as visibility (3)"

# ---------------------------------------------------------------- purge-expired
ctl quota set alice mail 20 >/dev/null || fail "quota for the purge"
ctl mail add gone1@alice-shop.fr --recipient z@example.org --expires 2040-01-01 >/dev/null ||
	fail "temporary address"
sql "UPDATE mail_domain SET expiration_date = NOW() - INTERVAL 1 DAY WHERE mail = 'gone1@alice-shop.fr'"
expect_rc 6 "a member view may not purge" ctl --as alice mail purge-expired
expect_rc 0 "purge-expired" ctl --json mail purge-expired
[[ $(out | jget deleted) == 1 ]] || fail "purge-expired: $(out)"
expect_rc 3 "the expired address is gone" ctl mail show gone1@alice-shop.fr
expect_rc 0 "an address without expiry stays" ctl mail show contact@alice-shop.fr
ok "mail purge-expired: the expired temporary addresses only"

# ---------------------------------------------------------------- the domain's deletion takes its mail
ctl domain del alice-shop.fr --yes >/dev/null || fail "domain del"
expect_rc 3 "its addresses are gone" ctl mail show contact@alice-shop.fr
[[ -z $(box_hash contact@alice-shop.fr) ]] || fail "and their boxes"
expect_rc 3 "its FTP accounts are gone" ctl ftp show alice-shop.fr_blog
ok "deleting a domain removes its mail and FTP accounts"
