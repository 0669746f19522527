#!/usr/bin/env bash
# panelctl account add/show/list/edit/lock/unlock/renew/admin/passwd/del against a database of
# the shared test cluster: output fields, --admin/--as visibility, passwords, exit codes.
# The PHP snippets are single-quoted on purpose: their $ belong to PHP.
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup account

ctl schema migrate >/dev/null || fail "migrate"
printf 'First-pass-1\n' >"$work/pw1"
printf 'Second-pass-2\n' >"$work/pw2"
printf 'Wrong-pass-3\n' >"$work/pw3"

# ---------------------------------------------------------------- add, show
expect_rc 0 "bootstrap admin" ctl --json account add admin --mail root@example.com --admin \
	--password-file "$work/pw1"
[[ $(out | jget uid) == 2000 && $(out | jget admin) == true && $(out | jget creator) == null ]] ||
	fail "the first account is the super admin 2000: $(out)"
expect_rc 0 "add bob" ctl --admin admin --json account add bob --mail bob@example.com --admin \
	--password-file - <"$work/pw1"
[[ $(out | jget creator) == admin ]] || fail "--admin admin is bob's creator: $(out)"
expect_rc 0 "add carol" ctl --admin bob account add carol --mail carol@example.com --nom Dupont \
	--prenom 'Zoé' --type default --duration 12 --notes 'first line' --no-canpass \
	--password-file "$work/pw1"
{ grep -qx 'login: carol' "$work/out" && grep -qx 'prenom: Zoé' "$work/out" &&
	grep -qx 'creator: bob' "$work/out" && grep -qx 'duration: 12 months' "$work/out"; } ||
	fail "add prints key: value lines: $(out)"
expect_rc 0 "add dave (system)" ctl account add dave --mail dave@example.com --locked \
	--password-file "$work/pw1"
expect_rc 0 "show carol" ctl --json account show carol
for kv in login=carol mail=carol@example.com nom=Dupont prenom=Zoé type=default duration=12 \
	creator=bob admin=false enabled=true canpass=false notes='first line' expired=false; do
	got=$(out | jget "${kv%%=*}")
	[[ $got == "${kv#*=}" ]] || fail "show carol: ${kv%%=*} is '$got', want '${kv#*=}'"
done
[[ $(out | jget expiry) == 20??-??-??\ ??:??:?? && $(out | jget etag) =~ ^[0-9a-f]{8,}$ ]] ||
	fail "show carol: expiry and etag: $(out)"
[[ $(out | jget password) == '<missing>' && $(out | jget pass) == '<missing>' ]] ||
	fail "show carol exposes a password field"
grep -q First-pass-1 "$work/out" && fail "show prints the password"
expect_rc 0 "show dave (text)" ctl account show dave
{ grep -qx 'enabled: no' "$work/out" && grep -qx 'creator: -' "$work/out"; } ||
	fail "show dave text: $(out)"
ok "add (system, --admin, --password-file FILE and -) and show, JSON and text"

# ---------------------------------------------------------------- refusals of add
expect_rc 4 "duplicate login" ctl account add carol --mail c2@example.com --password-file "$work/pw1"
grep -q 'already taken' "$work/err" || fail "duplicate message: $(err)"
expect_rc 2 "bad login" ctl account add 'Bad_Login!' --mail x@example.com --password-file "$work/pw1"
expect_rc 2 "bad mail" ctl account add eve --mail not-an-address --password-file "$work/pw1"
expect_rc 2 "missing --mail" ctl account add eve --password-file "$work/pw1"
expect_rc 2 "two logins" ctl account add eve frank --mail e@example.com --password-file "$work/pw1"
expect_rc 2 "missing password file" ctl account add eve --mail e@example.com --password-file "$work/none"
expect_rc 2 "empty password file" ctl account add eve --mail e@example.com --password-file /dev/null
expect_rc 2 "non-terminal stdin without --password-file" ctl account add eve --mail e@example.com </dev/null
grep -q 'no password: use --password-file' "$work/err" || fail "no-password message: $(err)"
expect_rc 2 "unknown option" ctl account add eve --mail e@example.com --colour blue
expect_rc 3 "unknown login" ctl account show nobody
expect_rc 3 "unknown login, JSON" ctl --json account show nobody
[[ $(out | jget error.code) == not_found && $(out | jget error.field) == login ]] ||
	fail "JSON error object: $(out)"
[[ ! -s $work/err ]] || fail "--json errors go to stdout only: $(err)"
expect_rc 3 "eve was never created" ctl account show eve
ok "add refusals: duplicate 4, bad input 2, no password on a non-terminal 2, unknown login 3"


# ---------------------------------------------------------------- passwords never in argv
for opt in --password --password=Secret-in-argv-1 --pass=Secret-in-argv-1 --old-password; do
	expect_rc 2 "option $opt" ctl account add eve --mail e@example.com "$opt" Secret-in-argv-2
	grep -q 'Secret-in-argv' "$work/out" "$work/err" && fail "$opt: the value is echoed: $(err)"
done
expect_rc 2 "global --password=" ctl --password=Secret-in-argv-3 account show carol
grep -q 'Secret-in-argv' "$work/err" && fail "global option echoed its value: $(err)"
ctl --help >"$work/help"
sed 's/\\-/-/g' docs/man/panelctl.1 >"$work/man"
opts=$(grep -ho -- '--[a-z-]*pass[a-z-]*' "$work/help" "$work/man" | sort -u)
[[ -n $opts ]] || fail "no password option found in the help"
for o in $opts; do
	[[ $o == *-file || $o == --canpass || $o == --no-canpass ]] || fail "option $o could take a password"
done
ok "no option takes a password; wrong options are named without their values"

# Every command of the help is documented in the man page, with each of its options.
while read -r resource verb rest; do
	grep -q "$resource $verb" "$work/man" ||
		fail "man page lacks '$resource $verb'"
	# shellcheck disable=SC2013 # options are single words
	for o in $(grep -o -- '--[a-z-]*' <<<"$rest"); do
		grep -q -- "$o" "$work/man" || fail "man page lacks $o of $resource $verb"
	done
done < <(sed -n 's/^  \([a-z]\+ [a-z-]\+.*\)$/\1/p' "$work/help")
for code in 0 1 2 3 4 5 6 7 8; do
	grep -qx "\.B $code" docs/man/panelctl.1 || fail "man page lacks exit status $code"
done
ok "the man page documents every command, option and exit code"

# ---------------------------------------------------------------- list
expect_rc 0 "list (text)" ctl account list
head -n 1 "$work/out" | grep -Eq '^LOGIN +UID +TYPE +ENABLED +ADMIN +MAIL +CREATOR +EXPIRY$' ||
	fail "list header: $(out)"
[[ $(wc -l <"$work/out") == 5 ]] || fail "list: 4 accounts and a header: $(out)"
col=$(head -n 1 "$work/out" | grep -bo MAIL | cut -d: -f1)
[[ $(grep '^carol ' "$work/out" | cut -c$((col + 1))-) == carol@example.com* ]] ||
	fail "list columns are aligned: $(out)"
expect_rc 0 "list json" ctl --json account list
[[ $(out | jget total) == 4 && $(out | logins) == "admin bob carol dave" &&
	$(out | jget next_cursor) == null ]] || fail "list json: $(out)"
expect_rc 0 "list page" ctl --json account list --limit 2
[[ $(out | logins) == "admin bob" && $(out | jget total) == 4 ]] || fail "first page: $(out)"
cursor=$(out | jget next_cursor)
[[ $cursor != null ]] || fail "first page has a next_cursor"
expect_rc 0 "next page" ctl --json account list --limit 2 --cursor "$cursor"
[[ $(out | logins) == "carol dave" ]] || fail "second page: $(out)"
expect_rc 0 "list --all" ctl --json account list --limit 1 --all
[[ $(out | logins) == "admin bob carol dave" && $(out | jget next_cursor) == null ]] ||
	fail "--all follows the cursors: $(out)"
expect_rc 0 "filters" ctl --json account list --enabled no
[[ $(out | logins) == dave ]] || fail "--enabled no: $(out)"
expect_rc 0 "filters" ctl --json account list --creator bob
[[ $(out | logins) == carol ]] || fail "--creator bob: $(out)"
expect_rc 0 "filters" ctl --json account list --prefix ca --mail carol@example.com --type default
[[ $(out | logins) == carol ]] || fail "--prefix/--mail/--type: $(out)"
expect_rc 0 "filters" ctl --json account list --expiring 400
[[ $(out | logins) == carol ]] || fail "--expiring 400: $(out)"
expect_rc 2 "bad --enabled" ctl account list --enabled maybe
expect_rc 2 "bad --limit" ctl account list --limit 0
expect_rc 3 "unknown --creator" ctl account list --creator nobody
ok "list: aligned table, JSON items/total/next_cursor, cursors, --all, filters"

# ---------------------------------------------------------------- --admin and --as
expect_rc 0 "list as bob" ctl --admin bob --json account list
[[ $(out | logins) == "bob carol" ]] || fail "bob sees itself and what it created: $(out)"
expect_rc 3 "bob cannot see dave" ctl --admin bob account show dave
expect_rc 6 "carol is no admin" ctl --admin carol account list
expect_rc 3 "--admin unknown" ctl --admin nobody account list
expect_rc 0 "bob as carol" ctl --admin bob --as carol --json account show carol
[[ $(out | jget login) == carol ]] || fail "--as carol shows carol"
expect_rc 3 "bob as carol sees only carol" ctl --admin bob --as carol account show bob
expect_rc 3 "bob cannot act as dave" ctl --admin bob --as dave account show dave
expect_rc 0 "--as without --admin (super admin)" ctl --as dave --json account list
[[ $(out | logins) == dave ]] || fail "--as dave lists only dave: $(out)"
expect_rc 3 "--as unknown" ctl --as nobody account show nobody
ctl account lock admin >/dev/null 2>&1 && fail "the super admin cannot be locked"
mariadb -S "$SERVER0_SOCKET" -u root "$db" -e "UPDATE membres SET enabled = 0 WHERE uid = 2000"
expect_rc 2 "--as without a usable super admin" ctl --as dave account show dave
grep -q -- '--admin' "$work/err" || fail "the message suggests --admin: $(err)"
mariadb -S "$SERVER0_SOCKET" -u root "$db" -e "UPDATE membres SET enabled = 1 WHERE uid = 2000"
expect_rc 0 "audit trail attribution" ctl --admin bob account edit carol --notes 'by bob'
who=$(mariadb -S "$SERVER0_SOCKET" -u root "$db" -N -e "SELECT COUNT(*) FROM panel_audit
	WHERE actor_uid = 2001 AND object_id = 'carol'")
((who >= 2)) || fail "bob's create and edit of carol are attributed to bob in the audit trail: $who"
ok "--admin: creator-based visibility, non-admin 6; --as: member view; 2 without a super admin"

# ---------------------------------------------------------------- edit, lock, unlock, renew, admin
# C1 controls (U+009B CSI, U+009D OSC: xterm obeys them in UTF-8), bidi overrides and bytes that
# are not UTF-8 are escaped too; other UTF-8 is shown.
ctl account edit carol --nom $'\xc2\x9b2J\xc2\x9d52;c;eA==\xc2\x9c' \
	--prenom $'\xe2\x80\xaeexe.txt' \
	>/dev/null || fail "edit with C1 and bidi"
expect_rc 0 "text escapes C1 and bidi controls" ctl account show carol
{ grep -qx 'nom: \\xc2\\x9b2J\\xc2\\x9d52;c;eA==\\xc2\\x9c' "$work/out" &&
	grep -qx 'prenom: \\xe2\\x80\\xaeexe.txt' "$work/out"; } || fail "C1 and bidi in text: $(out)"
expect_rc 0 "the table escapes them" ctl account list
grep -q $'\xc2\x9b\\|\xe2\x80\xae' "$work/out" && fail "C1 or bidi in the table: $(out)"
# --json writes them as \u escapes: the same strings to a parser, nothing raw to a terminal.
expect_rc 0 "--json escapes them" ctl --json account show carol
grep -q $'\xc2\x9b\\|\xc2\x9d\\|\xe2\x80\xae' "$work/out" && fail "C1 or bidi in JSON: $(out)"
[[ $(out | jget nom) == $'\xc2\x9b2J\xc2\x9d52;c;eA==\xc2\x9c' &&
	$(out | jget prenom) == $'\xe2\x80\xaeexe.txt' ]] || fail "--json changed the strings: $(out)"
ctl account edit carol --nom Martin --prenom Zoé >/dev/null || fail "edit back"
expect_rc 0 "edit" ctl --json account edit carol --mail new@example.com --nom Martin \
	--notes $'two\nlines' --canpass yes
[[ $(out | jget mail) == new@example.com && $(out | jget nom) == Martin &&
	$(out | jget canpass) == true && $(out | jget notes) == $'two\nlines' ]] || fail "edit: $(out)"
etag=$(out | jget etag)
expect_rc 0 "edit text escapes control characters" ctl account show carol
grep -qx 'notes: two\\nlines' "$work/out" || fail "notes in text: $(out)"
expect_rc 4 "stale --if-match" ctl account edit carol --prenom Anne --if-match 0123456789abcdef
expect_rc 0 "fresh --if-match" ctl --json account edit carol --prenom Anne --if-match "$etag"
[[ $(out | jget prenom) == Anne ]] || fail "if-match edit: $(out)"
expect_rc 2 "nothing to change" ctl account edit carol
expect_rc 2 "bad --canpass" ctl account edit carol --canpass perhaps
expect_rc 2 "bad --duration" ctl account edit carol --duration -3
expect_rc 3 "edit unknown" ctl account edit nobody --nom X
expect_rc 0 "lock" ctl --json account lock carol
[[ $(out | jget enabled) == false ]] || fail "lock: $(out)"
expect_rc 0 "unlock" ctl --json account unlock carol
[[ $(out | jget enabled) == true ]] || fail "unlock: $(out)"
expect_rc 4 "an admin cannot lock itself" ctl --admin bob account lock bob
expiry=$(ctl --json account show carol | jget expiry)
expect_rc 0 "renew" ctl --json account renew carol --periods 2
[[ $(out | jget expiry) == "$((${expiry:0:4} + 2))${expiry:4}" ]] ||
	fail "renew 2 x 12 months: $expiry -> $(out | jget expiry)"
expect_rc 2 "renew an account that never expires" ctl account renew dave
expect_rc 2 "renew 0 periods" ctl account renew carol --periods 0
expect_rc 0 "grant admin" ctl --json account admin dave yes
[[ $(out | jget admin) == true ]] || fail "admin yes: $(out)"
expect_rc 4 "grant again" ctl account admin dave yes
expect_rc 0 "remove admin" ctl --json account admin dave no
[[ $(out | jget admin) == false ]] || fail "admin no: $(out)"
expect_rc 4 "the super admin stays admin" ctl account admin admin no
expect_rc 2 "admin maybe" ctl account admin dave maybe
ok "edit (if-match 4), lock/unlock, renew by periods, admin yes/no and their refusals"

# ---------------------------------------------------------------- passwd
ctl account unlock dave >/dev/null || fail "unlock dave"
hash() { sql "SELECT pass FROM membres WHERE login='$1'"; }
before=$(hash dave)
expect_rc 0 "admin reset" ctl account passwd dave --password-file "$work/pw2"
[[ $(out) == "password of dave changed" && $(hash dave) != "$before" ]] || fail "reset: $(out)"
expect_rc 6 "wrong old password" ctl account passwd dave --old-password-file "$work/pw1" \
	--password-file "$work/pw3"
grep -q 'wrong' "$work/err" || fail "wrong old password message: $(err)"
expect_rc 0 "own change with the old password" ctl --json account passwd dave \
	--old-password-file "$work/pw2" --password-file - <"$work/pw3"
[[ $(out | jget changed) == true ]] || fail "passwd json: $(out)"
ctl account edit dave --canpass no >/dev/null
expect_rc 6 "canpass no" ctl account passwd dave --old-password-file "$work/pw3" --password-file "$work/pw1"
ctl policy set mem --minsize 20 >/dev/null || fail "policy set"
expect_rc 2 "policy refuses a short password" ctl account passwd dave --password-file "$work/pw1"
grep -q First-pass-1 "$work/out" "$work/err" && fail "the refused password is echoed"
ctl policy set mem --minsize 0 >/dev/null
expect_rc 2 "both passwords from stdin" ctl account passwd dave --password-file - --old-password-file -
expect_rc 2 "passwd without a terminal" ctl account passwd dave </dev/null
expect_rc 3 "passwd unknown" ctl account passwd nobody --password-file "$work/pw1"
ok "passwd: reset, own change with --old-password-file (wrong 6, canpass 6), policy 2"

# ---------------------------------------------------------------- terminal prompt
if command -v script >/dev/null; then
	# Drive a real terminal: answer each prompt once it shows (echo is off by then).
	prompt_add() { # LOGIN FIRST SECOND -> exit code of panelctl
		local login=$1 first=$2 second=$3 pid n
		rm -f "$work/tty.in" "$work/tty.log"
		mkfifo "$work/tty.in"
		script -qfec "$panelctl -c $work/panel.conf account add $login --mail t@example.com" \
			"$work/tty.log" <"$work/tty.in" >/dev/null 2>&1 &
		pid=$!
		exec 3>"$work/tty.in"
		# Each answer once its own prompt shows (by position, not by value: the two answers
		# may be equal); an answer typed before panelctl turns echo off would be flushed.
		local prompts=('Password: ' 'again') answers=("$first" "$second") i
		for i in 0 1; do
			for ((n = 0; n < 200; n++)); do
				grep -q "${prompts[i]}" "$work/tty.log" 2>/dev/null && break
				sleep 0.05
			done
			printf '%s\n' "${answers[i]}" >&3
		done
		# Never wait forever on a terminal that lost an answer.
		(sleep 20 && kill "$pid" 2>/dev/null) >/dev/null 2>&1 &
		local watchdog=$!
		set +e
		wait "$pid"
		local rc=$?
		kill "$watchdog" 2>/dev/null
		wait "$watchdog" 2>/dev/null
		set -e
		exec 3>&-
		echo "$rc"
	}
	rc=$(prompt_add ttyuser Tty-pass-12345 Tty-pass-12345)
	[[ $rc == 0 ]] || fail "prompted add: exit $rc: $(cat "$work/tty.log")"
	grep -q 'Tty-pass' "$work/tty.log" && fail "the prompt echoed the password: $(cat "$work/tty.log")"
	printf 'Tty-pass-12345\n' >"$work/ttypw"
	expect_rc 0 "the prompted password is the one stored" ctl account passwd ttyuser \
		--old-password-file "$work/ttypw" --password-file "$work/pw1"
	rc=$(prompt_add ttyother Tty-pass-12345 Tty-pass-54321)
	[[ $rc == 2 ]] || fail "different passwords: exit $rc, want 2"
	grep -q 'differ' "$work/tty.log" || fail "mismatch message: $(cat "$work/tty.log")"
	expect_rc 3 "nothing created on a mismatch" ctl account show ttyother
	ok "terminal prompt: no echo, asked twice, a mismatch refused"
else
	ok "# SKIP terminal prompt: script(1) missing"
fi

# ---------------------------------------------------------------- del
expect_rc 2 "del without --yes" ctl account del carol
expect_rc 0 "carol still there" ctl account show carol
expect_rc 4 "bob cannot delete itself" ctl --admin bob account del bob --yes
expect_rc 0 "del" ctl --json account del carol --yes
[[ $(out | jget deleted) == true && $(out | jget login) == carol ]] || fail "del json: $(out)"
expect_rc 3 "deleted" ctl account show carol
expect_rc 3 "del unknown" ctl account del carol --yes
ok "del: --yes required (2), self 4, gone afterwards (3)"

expect_rc 0 "add with its default FTP account" ctl --json account add ftpdflt \
	--mail f@example.com --ftp --password-file "$work/pw1"
[[ $(sql "SELECT COUNT(*) FROM ftpusers f JOIN membres m ON m.uid = f.uid WHERE
	f.name = 'ftpdflt' AND m.login = 'ftpdflt'") == 1 ]] || fail "the default FTP account"
expect_rc 2 "install a domain under nothing allowed" ctl account add ftpdflt2 \
	--mail f@example.com --ftp --install-domain not-here.org --password-file "$work/pw1"
[[ $(sql "SELECT COUNT(*) FROM membres WHERE login = 'ftpdflt2'") == 0 &&
	$(sql "SELECT COUNT(*) FROM ftpusers WHERE name = 'ftpdflt2'") == 0 ]] ||
	fail "a refused extra leaves no account and no FTP account"
ok "add --ftp makes the default FTP account; a refused --install-domain makes nothing (2)"

# ---------------------------------------------------------------- unavailable
sed -i "s/^port = .*/port = 1/" "$work/panel.conf"
expect_rc 7 "unreachable server" ctl --json account list
[[ $(out | jget error.code) == unavailable ]] || fail "unavailable json: $(out)"
ok "database down: exit 7"

