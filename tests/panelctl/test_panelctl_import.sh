#!/usr/bin/env bash
# panelctl account import: bulk creation from JSON lines, a report per line (text and JSON),
# the exit code of the first failure, --dry-run creating nothing, passwords never reported.
# The PHP snippets are single-quoted on purpose: their $ belong to PHP.
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup import

ctl schema migrate >/dev/null || fail "migrate"
printf 'Admin-pass-1\n' >"$work/pw"
ctl account add admin --mail root@example.com --admin --password-file "$work/pw" >/dev/null ||
	fail "bootstrap admin"
ctl --admin admin account add bob --mail bob@example.com --admin --password-file "$work/pw" \
	>/dev/null || fail "add bob"
ctl policy set mem --minsize 8 >/dev/null || fail "policy"

# Line 2 is blank; each bad line fails for one reason. Every password is distinct so that the
# reports can be searched for any of them.
cat >"$work/accounts.jsonl" <<'JSONL'
{"login":"imp1","password":"Pw-good-one","mail":"imp1@example.com","nom":"Un","prenom":"Ana","duration":6,"notes":"batch"}

{"login":"imp2","password":"Pw-good-two","mail":"imp2@example.com","enabled":false,"canpass":false,"type":"default"}
{"login":"admin","password":"Pw-taken-three","mail":"a@example.com"}
{"login":"imp3","password": Pw-unquoted-four,"mail":"imp3@example.com"}
{"login":"imp4","password":"Pw-5","mail":"imp4@example.com"}
{"login":"imp5","password":"Pw-colour-six","mail":"imp5@example.com","colour":"blue"}
["imp6","Pw-array-seven"]
{"login":"imp7","password":"Pw-nomail-eight"}
{"login":"IMP8","password":"Pw-upper-nine","mail":"imp8@example.com","admin":true}
{"login":"imp9","password":"Pw-badmail-ten","mail":"not-an-address"}
{"login":"imp1","password":"Pw-again-eleven","mail":"imp1@example.com"}
{"login":"imp10","password":"Pw-dup-twelve","mail":"x@example.com","mail":"y@example.com"}
{"login":"imp11","password":"Pw-enabled-13","mail":"imp11@example.com","enabled":"yes"}
JSONL
passwords=(Pw-good-one Pw-good-two Pw-taken-three Pw-unquoted-four Pw-5 Pw-colour-six
	Pw-array-seven Pw-nomail-eight Pw-upper-nine Pw-badmail-ten Pw-again-eleven Pw-dup-twelve
	Pw-enabled-13)
no_password_in() {
	for p in "${passwords[@]}"; do
		grep -qF -- "$p" "$@" && fail "password $p appears in the report: $(cat "$@")"
	done
	return 0
}

# ---------------------------------------------------------------- dry run
expect_rc 4 "dry run" ctl --admin bob account import "$work/accounts.jsonl" --dry-run
# The dry run does not check the contact address: line 11 passes it (see the man page).
cat >"$work/want-dry" <<'WANT'
line 1: valid imp1 (dry run)
line 3: valid imp2 (dry run)
line 4: admin: login already taken (login)
line 5: not valid JSON at column 30: invalid token
line 6: imp4: the password must have at least 8 characters (password)
line 7: imp5: unknown field (colour)
line 8: each line must be a JSON object
line 9: imp7: required (mail)
line 10: valid imp8 (dry run)
line 11: valid imp9 (dry run)
line 12: imp1: already on an earlier line (login)
line 13: not valid JSON at column 73: duplicate object key
line 14: imp11: must be true or false (enabled)
WANT
diff -u "$work/want-dry" "$work/out" || fail "dry-run report"
no_password_in "$work/out" "$work/err"
expect_rc 0 "nothing created" ctl --json account list --prefix imp
[[ $(out | jget total) == 0 ]] || fail "--dry-run created accounts: $(out)"
ok "--dry-run: a report per line, exit code of the first failure (4), nothing created"

# ---------------------------------------------------------------- import
expect_rc 4 "import" ctl --admin bob account import "$work/accounts.jsonl"
cat >"$work/want" <<'WANT'
line 1: created imp1
line 3: created imp2
line 4: admin: the login admin is already taken (login)
line 5: not valid JSON at column 30: invalid token
line 6: imp4: the password must have at least 8 characters (password)
line 7: imp5: unknown field (colour)
line 8: each line must be a JSON object
line 9: imp7: required (mail)
line 10: created imp8
line 11: imp9: invalid e-mail address (mail)
line 12: imp1: already on an earlier line (login)
line 13: not valid JSON at column 73: duplicate object key
line 14: imp11: must be true or false (enabled)
WANT
diff -u "$work/want" "$work/out" || fail "import report"
no_password_in "$work/out" "$work/err"
expect_rc 0 "created" ctl --json account list --prefix imp
[[ $(out | logins) == "imp1 imp2 imp8" ]] || fail "the good lines were created: $(out)"
expect_rc 0 "imp1" ctl --json account show imp1
[[ $(out | jget nom) == Un && $(out | jget prenom) == Ana && $(out | jget duration) == 6 &&
	$(out | jget notes) == batch && $(out | jget creator) == bob ]] || fail "imp1 fields: $(out)"
expect_rc 0 "imp2" ctl --json account show imp2
[[ $(out | jget enabled) == false && $(out | jget canpass) == false ]] || fail "imp2 flags: $(out)"
expect_rc 0 "imp8" ctl --json account show imp8
[[ $(out | jget admin) == true ]] || fail "imp8 admin: $(out)"
printf 'Pw-good-one\n' >"$work/old"
printf 'Pw-changed-1\n' >"$work/new"
expect_rc 0 "the imported password is the one stored" ctl account passwd imp1 \
	--old-password-file "$work/old" --password-file "$work/new"
ok "import: good lines created with their fields and password, bad lines reported, exit 4"

# ---------------------------------------------------------------- JSON report, stdin
printf '%s\n' '{"login":"imp20","password":"Pw-json-20","mail":"imp20@example.com"}' \
	'{"login":"imp21","password":"Pw-json-21"}' \
	'{"login":"imp20","password":"Pw-json-22","mail":"imp20@example.com"}' >"$work/two.jsonl"
passwords+=(Pw-json-20 Pw-json-21 Pw-json-22)
expect_rc 2 "JSON report from stdin" ctl --json account import - <"$work/two.jsonl"
no_password_in "$work/out" "$work/err"
[[ $(out | jget 0.line) == 1 && $(out | jget 0.login) == imp20 && $(out | jget 0.status) == created &&
	$(out | jget 0.error) == '<missing>' ]] || fail "json line 1: $(out)"
[[ $(out | jget 1.line) == 2 && $(out | jget 1.status) == error &&
	$(out | jget 1.error.code) == invalid && $(out | jget 1.error.field) == mail ]] ||
	fail "json line 2: $(out)"
[[ $(out | jget 2.status) == error && $(out | jget 2.error.code) == exists ]] ||
	fail "json line 3: $(out)"
[[ $(out | jget 3) == '<missing>' ]] || fail "one report per line: $(out)"
expect_rc 0 "created by the system" ctl --json account show imp20
[[ $(out | jget creator) == null ]] || fail "imp20 creator: $(out)"
ok "--json: an array of {line, login, status, error}; first failure's exit code (2)"

# ---------------------------------------------------------------- all good, empty, unreadable
printf '%s\n' '{"login":"imp30","password":"Pw-all-30","mail":"imp30@example.com"}' \
	'{"login":"imp31","password":"Pw-all-31","mail":"imp31@example.com"}' >"$work/good.jsonl"
passwords+=(Pw-all-30 Pw-all-31)
expect_rc 0 "all lines good" ctl account import "$work/good.jsonl"
[[ $(out) == $'line 1: created imp30\nline 2: created imp31' ]] || fail "all good: $(out)"
expect_rc 0 "empty file" ctl --json account import /dev/null
[[ $(out | jget '') == '[]' ]] || fail "empty import: $(out)"
php -r 'echo json_encode(["login" => "imp50", "password" => "Pw-long-50",
	"mail" => "imp50@example.com", "notes" => str_repeat("x", 300000)]), "\n";' >"$work/long.jsonl"
expect_rc 2 "a line over 256 KiB" ctl account import "$work/long.jsonl"
[[ $(out) == "line 1: the line is longer than 256 KiB" ]] || fail "long line: $(out)"
expect_rc 2 "missing file" ctl account import "$work/none.jsonl"
expect_rc 2 "no file" ctl account import
printf '%s\n' '{"login":"imp40","password":"Pw-member-40","mail":"imp40@example.com"}' >"$work/m.jsonl"
expect_rc 6 "a member cannot import" ctl --admin bob --as imp1 account import "$work/m.jsonl"
expect_rc 3 "nothing created by a refused import" ctl account show imp40
ok "all good 0, empty file 0, over-long line 2, unreadable file 2, refused actor 6"

# ---------------------------------------------------------------- several workers, rerun
# Passwords are hashed by a pool of workers while the main thread inserts: every account is
# created once, with its own line's password, the report keeps the file's order, and a rerun
# of the same file skips what exists. Fewer rounds keep the test short.
printf '\n[accounts]\nsha512_rounds = 5000\n' >>"$work/panel.conf"
: >"$work/par.jsonl"
for i in $(seq 1 20); do
	printf '{"login":"par%d","password":"Pw-par-%d-x","mail":"par%d@example.com"}\n' "$i" "$i" \
		"$i" >>"$work/par.jsonl"
	case $i in
	5) printf '{"login":"par5","password":"Pw-par-dup-x","mail":"par5@example.com"}\n' ;;
	9) printf '{"login":"par99","password":"short","mail":"par99@example.com"}\n' ;;
	13) printf '{"login":"par98","password":"Pw-par-98-x","mail":"bad"}\n' ;;
	esac >>"$work/par.jsonl"
done
# The first 8 lines alone, as an import that stopped halfway.
sed -n 1,8p "$work/par.jsonl" >"$work/par-half.jsonl"
expect_rc 4 "first half" ctl account import --jobs 3 "$work/par-half.jsonl"
expect_rc 4 "several workers" ctl account import --jobs 3 "$work/par.jsonl"
{
	for i in $(seq 1 20); do
		n=$((i + (i > 5) + (i > 9) + (i > 13)))
		if ((i <= 7)); then
			echo "line $n: skipped par$i (exists)"
		else
			echo "line $n: created par$i"
		fi
		case $i in
		5) echo "line 6: par5: already on an earlier line (login)" ;;
		9) echo "line 11: par99: the password must have at least 8 characters (password)" ;;
		13) echo "line 16: par98: invalid e-mail address (mail)" ;;
		esac
	done
} >"$work/want-par"
diff -u "$work/want-par" "$work/out" || fail "report with several workers"
[[ $(sql "SELECT COUNT(*), COUNT(DISTINCT login) FROM membres WHERE login LIKE 'par%'") == \
	$'20\t20' ]] || fail "20 accounts, once each: $(sql "SELECT login FROM membres")"
[[ $(sql "SELECT COUNT(*) FROM panel_audit WHERE action = 'account.create' AND
	object_id LIKE 'par%'") == 20 ]] || fail "one creation each in the audit trail"
for i in 1 8 14 20; do
	printf 'Pw-par-%d-x\n' "$i" >"$work/old"
	expect_rc 0 "par$i has its own line's password" ctl account passwd "par$i" \
		--old-password-file "$work/old" --password-file "$work/new"
done
ok "import with 3 workers: every account once, its own password, errors per line in order"

expect_rc 4 "rerun" ctl --json account import --jobs 2 "$work/par.jsonl"
[[ $(out | jget 0.status) == skipped && $(out | jget 5.status) == error &&
	$(out | jget 5.error.code) == exists && $(out | jget 22.status) == skipped &&
	$(out | jget 23) == '<missing>' ]] || fail "rerun report: $(out)"
sed -n 1p "$work/err" >"$work/first-event"
sed -n '$p' "$work/err" >"$work/last-event"
[[ $(jget event <"$work/first-event") == start && $(jget total <"$work/first-event") == 23 &&
	$(jget workers <"$work/first-event") == 2 ]] || fail "start event: $(err)"
[[ $(jget event <"$work/last-event") == done && $(jget done <"$work/last-event") == 23 &&
	$(jget skipped <"$work/last-event") == 20 && $(jget created <"$work/last-event") == 0 &&
	$(jget errors <"$work/last-event") == 3 ]] || fail "done event: $(err)"
[[ $(sql "SELECT COUNT(*) FROM membres WHERE login LIKE 'par%'") == 20 ]] ||
	fail "the rerun created nothing more"
expect_rc 2 "--jobs 0" ctl account import --jobs 0 "$work/par.jsonl"
ok "rerun: existing accounts skipped and reported, errors again; JSON progress events on stderr"

# ---------------------------------------------------------------- an export of AlternC 1.0
# Stored hashes as 1.0 kept them (MD5-crypt, DES from MySQL's ENCRYPT(), SHA512-crypt), the
# members' domains and boxes; made by the system, resumable.
ctl_hosting "$work"
ctl quota default-set default dom 5 >/dev/null || fail "default dom quota"
hash() { php -r 'echo crypt($argv[1], $argv[2]);' "$1" "$2"; }
md5=$(hash Old-md5-pass '$1$abcdefgh$')
des=$(hash Olddes12 ab)
box=$(hash Box-pass-1 '$1$boxsalt1$')
sha=$(hash Box-pass-2 '$6$rounds=5000$boxsalt2$')
[[ $md5 == '$1$abcdefgh$'* && ${#des} == 13 && $sha == '$6$rounds=5000$boxsalt2$'* ]] ||
	fail "PHP's crypt() made the hashes 1.0 stored"
cat >"$work/alternc.jsonl" <<JSONL
{"login":"old1","mail":"old1@example.com","password_hash":"$md5","domains":[{"domain":"old-one.fr","mail":[{"local":"info","password_hash":"$box"},{"local":"sales","password_hash":"{CRYPT}$sha"}]}]}
{"login":"old2","mail":"old2@example.com","password_hash":"$des","domains":[{"domain":"old-two.fr"},{"domain":"old-two.org","mail":[{"local":"me","password":"Plain-box-pass-3"}]}]}
{"login":"old3","mail":"old3@example.com","password_hash":"not-a-hash"}
{"login":"old4","mail":"old4@example.com","password_hash":"$md5","password":"Both-given-4"}
{"login":"old5","mail":"old5@example.com","password_hash":"$md5","domains":[{"domain":"old-five.fr","mail":[{"local":"x"}]}]}
{"login":"old6","mail":"old6@example.com","password_hash":"$md5","domains":[{"domain":"old-one.fr"}]}
{"login":"old10","mail":"old10@example.com","password_hash":"$md5","domains":[{"domain":"shop.panel.host.example"}]}
{"login":"old11","mail":"old11@example.com","password_hash":"{MD5-CRYPT}$md5"}
{"login":"old7","mail":"old7@example.com","password_hash":"\$2b\$31\$abcdefghijklmnopqrstuu$(printf 'a%.0s' {1..31})"}
{"login":"old8","mail":"old8@example.com","password_hash":"\$6\$rounds=999999999\$saltsalt\$$(printf 'b%.0s' {1..86})"}
JSONL
expect_rc 2 "1.0 export" ctl --json account import "$work/alternc.jsonl"
[[ $(out | jget 0.status) == created && $(out | jget 0.hosting.domains_created) == 1 &&
	$(out | jget 0.hosting.mail_created) == 2 && $(out | jget 1.status) == created &&
	$(out | jget 1.hosting.domains_created) == 2 && $(out | jget 1.hosting.mail_created) == 1 ]] ||
	fail "1.0 export, good lines: $(out | jget 0)"
[[ $(out | jget 2.error.field) == password_hash && $(out | jget 3.error.field) == password_hash &&
	$(out | jget 4.error.field) == 'domains[0].mail[0]' && $(out | jget 5.status) == error &&
	$(out | jget 5.error.field) == 'domains[0]' && $(out | jget 5.account_created) == '<missing>' &&
	$(out | jget 6.error.field) == 'domains[0]' && $(out | jget 6.account_created) == true &&
	$(out | jget 7.status) == created &&
	$(out | jget 8.error.field) == password_hash && $(out | jget 9.error.field) == password_hash ]] ||
	fail "1.0 export, bad lines: $(out)"
# A hash past the work limits (bcrypt cost 31: a day of CPU for each login attempt; SHA-crypt
# with 999,999,999 rounds) is refused like a malformed one.
[[ $(sql "SELECT COUNT(*) FROM membres WHERE login IN ('old7', 'old8')") == 0 ]] ||
	fail "hashes past the work limits create nothing"
expect_rc 2 "rerun of the export" ctl --json account import "$work/alternc.jsonl"
[[ $(out | jget 0.status) == skipped && $(out | jget 0.hosting.domains_existing) == 1 &&
	$(out | jget 0.hosting.mail_existing) == 2 && $(out | jget 0.hosting.mail_created) == 0 ]] ||
	fail "rerun skips what is there: $(out)"
[[ $(sql "SELECT pass FROM membres WHERE login = 'old1'") == "$md5" ]] || fail "hash kept as is"
# A mail server's scheme tag is dropped: AlternC 1.0's PHP login compares crypt() with it.
stored=$(sql "SELECT pass FROM membres WHERE login = 'old11'")
php -r 'exit(crypt("Old-md5-pass", $argv[1]) === $argv[1] ? 0 : 1);' "$stored" ||
	fail "PHP's crypt() verifies an imported tagged hash: $stored"
printf 'Old-md5-pass\n' >"$work/old"
printf 'New-pass-after-1\n' >"$work/new"
expect_rc 0 "an MD5-crypt account logs in" ctl account passwd old1 \
	--old-password-file "$work/old" --password-file "$work/new"
printf 'Olddes12\n' >"$work/old"
expect_rc 0 "a DES account logs in" ctl account passwd old2 \
	--old-password-file "$work/old" --password-file "$work/new"
stored=$(sql "SELECT password FROM mail_users WHERE alias = 'info_old-one.fr'")
[[ $stored == "{CRYPT}$box" ]] || fail "box hash stored as the mail stack reads it: $stored"
php -r 'exit(crypt("Box-pass-1", substr($argv[1], 7)) === substr($argv[1], 7) ? 0 : 1);' \
	"$stored" || fail "crypt(3) verifies the box's imported hash"
[[ $(sql "SELECT COUNT(*) FROM membres WHERE login IN ('old3', 'old4')") == 0 ]] ||
	fail "refused hashes create nothing"
ok "1.0 export: stored hashes kept (MD5-crypt, DES), domains and boxes made, bad lines reported"

# The passwords changed since: a rerun skips the accounts and no longer adds their hosting. A
# line that only names an account and its contact address, with a hash of its own, adds no
# box on that account's domains (a catch-all here: every address without a box of its own).
boxes=$(sql "SELECT COUNT(*) FROM mail_users")
att=$(hash Attacker-pw-1 '$1$evilsalt$')
printf '%s\n' \
	"{\"login\":\"old1\",\"mail\":\"OLD1@example.com\",\"password_hash\":\"$att\",\"domains\":[{\"domain\":\"old-one.fr\",\"mail\":[{\"local\":\"\",\"password_hash\":\"$att\"},{\"local\":\"ceo\",\"password_hash\":\"$att\"}]},{\"domain\":\"new-for-old1.fr\"}]}" \
	"{\"login\":\"old2\",\"mail\":\"old2@example.com\",\"password\":\"Olddes12\",\"domains\":[{\"domain\":\"old-two.fr\",\"mail\":[{\"local\":\"x\",\"password\":\"Plain-box-pass-3\"}]}]}" \
	>"$work/hostile.jsonl"
expect_rc 4 "lines naming existing accounts" ctl --json account import "$work/hostile.jsonl"
[[ $(out | jget 0.status) == error && $(out | jget 0.error.field) == login &&
	$(out | jget 0.error.code) == exists && $(out | jget 1.status) == error &&
	$(out | jget 1.error.field) == login ]] || fail "a foreign line adds nothing: $(out)"
[[ $(sql "SELECT COUNT(*) FROM mail_users") == "$boxes" &&
	$(sql "SELECT COUNT(*) FROM domaines WHERE domaine = 'new-for-old1.fr'") == 0 ]] ||
	fail "no box, no domain added to an existing account by a line with another password"
printf '%s\n' "{\"login\":\"old2\",\"mail\":\"old2@example.com\",\"password\":\"New-pass-after-1\",\"domains\":[{\"domain\":\"old-two.fr\",\"mail\":[{\"local\":\"y\",\"password\":\"Plain-box-pass-4\"}]}]}" \
	>"$work/own.jsonl"
expect_rc 0 "a line with the account's own password" ctl --json account import "$work/own.jsonl"
[[ $(out | jget 0.status) == skipped && $(out | jget 0.hosting.mail_created) == 1 ]] ||
	fail "the account's own password completes its hosting: $(out)"
expect_rc 4 "rerun after the passwords changed" ctl --json account import "$work/alternc.jsonl"
[[ $(out | jget 0.status) == error && $(out | jget 0.error.field) == login ]] ||
	fail "rerun after a password change: $(out | jget 0)"
expect_rc 6 "only the system imports stored hashes" ctl --admin admin account import \
	<(sed -n 1p "$work/alternc.jsonl" | sed 's/old1/old9/g')
ok "1.0 export: a rerun skips what exists, adds hosting only with the account's password; an admin may not import stored hashes (6)"
