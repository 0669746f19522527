#!/usr/bin/env bash
# panelctl db, dbuser and jobs against the shared test cluster: real databases and users on the
# server, logins over TCP, grants the server enforces, dumps and restores run by `jobs run`,
# repair, exit codes and --as visibility.
# The PHP snippets are single-quoted on purpose: their $ belong to PHP.
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Member databases and users live on the server itself, beside other tests' ones: logins of
# this run only.
n=$(($$ % 100000))
alice=ua$n
bob=ub$n
# drop_members: drops the server's databases and users of alice and bob.
drop_members() {
	local name
	for name in $(root -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE
		SCHEMA_NAME REGEXP '^(${alice}|${bob})(_|\$)'" 2>/dev/null); do
		root -e "DROP DATABASE \`$name\`" || true
	done
	for name in $(root -e "SELECT CONCAT(User, '@', Host) FROM mysql.user WHERE
		User REGEXP '^(${alice}|${bob})(_|\$)'" 2>/dev/null); do
		root -e "DROP USER '${name%@*}'@'${name#*@}'" || true
	done
}
ctl_setup database drop_members
mkdir "$work/root"
cat >>"$work/panel.conf" <<CONF

[member_database]
client_host = 127.0.0.1

[hosting]
root = $work/root
CONF
# as_user USER PASSWORD SQL...: runs SQL as a member's user over TCP, the password in the
# environment (never in argv).
as_user() {
	local user=$1 password=$2
	shift 2
	MYSQL_PWD=$password mariadb -h 127.0.0.1 -P "$SERVER0_PORT" -u "$user" -N "$@"
}
server_has_db() { [[ -n $(root -e "SHOW DATABASES LIKE '$1'") ]]; }

ctl schema migrate >/dev/null || fail "migrate"
printf 'Db-pass-1111\n' >"$work/pw1"
printf 'Db-pass-2222\n' >"$work/pw2"
ctl account add "ad$n" --mail admin@example.com --admin --password-file "$work/pw1" >/dev/null ||
	fail "admin"
for who in "$alice" "$bob"; do
	ctl account add "$who" --mail "$who@example.com" --password-file "$work/pw1" >/dev/null ||
		fail "account $who"
done
ctl quota set "$alice" mysql 3 >/dev/null || fail "quota set mysql"
ctl quota set "$alice" mysql_users 2 >/dev/null || fail "quota set mysql_users"

# ---------------------------------------------------------------- db add, show, list
expect_rc 0 "db add (the login's own)" ctl --json --as "$alice" db add
[[ $(out | jget name) == "$alice" && $(out | jget owner) == "$alice" && $(out | jget size) == 0 ]] ||
	fail "db add: $(out)"
server_has_db "$alice" || fail "the database exists on the server"
expect_rc 0 "db add with a suffix" ctl db add --login "$alice" shop
{ grep -qx "name: ${alice}_shop" "$work/out" && grep -qx "owner: $alice" "$work/out"; } ||
	fail "db add text: $(out)"
server_has_db "${alice}_shop" || fail "${alice}_shop exists on the server"
expect_rc 4 "taken" ctl db add --login "$alice" shop
expect_rc 2 "bad suffix" ctl db add --login "$alice" 'Shop!'
expect_rc 2 "two suffixes" ctl db add --login "$alice" a b
expect_rc 3 "unknown login" ctl db add --login nobody x
expect_rc 0 "third database" ctl db add --login "$alice" blog
expect_rc 5 "mysql quota" ctl db add --login "$alice" more
grep -q 'quota mysql' "$work/err" || fail "quota message: $(err)"
server_has_db "${alice}_more" && fail "nothing is created past the quota"
expect_rc 0 "bob's database" ctl --as "$bob" db add
root "${alice}_shop" -e "CREATE TABLE t (i INT); INSERT INTO t VALUES (1), (2)"
expect_rc 0 "db show" ctl --json db show "${alice}_shop"
[[ $(out | jget name) == "${alice}_shop" && $(out | jget size) -gt 0 ]] || fail "db show: $(out)"
expect_rc 0 "db list --login" ctl --json db list --login "$alice"
[[ $(out | column name) == "$alice ${alice}_blog ${alice}_shop" && $(out | jget total) == 3 ]] ||
	fail "db list: $(out)"
expect_rc 0 "db list (text)" ctl db list --login "$alice"
head -n 1 "$work/out" | grep -Eq '^NAME +OWNER +SIZE$' || fail "header: $(out)"
grep -Eq "^${alice}_shop +$alice +[1-9][0-9]*$" "$work/out" || fail "row: $(out)"
expect_rc 0 "bob's view" ctl --as "$bob" --json db list
[[ $(out | column name) == "$bob" ]] || fail "bob sees only his: $(out)"
expect_rc 3 "bob cannot see alice's" ctl --as "$bob" db show "${alice}_shop"
expect_rc 3 "nor drop it" ctl --as "$bob" db del "${alice}_shop" --yes
expect_rc 3 "nor dump it" ctl --as "$bob" db dump "${alice}_shop"
expect_rc 3 "unknown database" ctl db show "${alice}_nothing"
ok "db add/show/list: server side, suffixes, 4 taken, 2 invalid, 5 quota, --as (3)"

# ---------------------------------------------------------------- db backup (put_mysql_backup)
expect_rc 0 "a new database has no backup" ctl --json db show "${alice}_shop"
[[ $(out | jget backup.mode) == none ]] || fail "no backup by default: $(out)"
expect_rc 0 "daily backups" ctl --json --as "$alice" db backup "${alice}_shop" daily \
	--history 7 --gzip yes --dir 'sql-dumps/shop/'
web=$work/root/html/${alice:0:1}/$alice
[[ $(out | jget backup.mode) == daily && $(out | jget backup.history) == 7 &&
	$(out | jget backup.gzip) == true && $(out | jget backup.dir) == "$web/sql-dumps/shop" ]] ||
	fail "db backup: $(out)"
# What AlternC 1.0's sqlbackup.sh reads for its daily run (bck_mode=2), as it reads it.
[[ $(sql "SELECT login, db, bck_history, bck_gzip, bck_dir FROM db WHERE bck_mode=2") == \
	"$alice	${alice}_shop	7	1	$web/sql-dumps/shop" ]] ||
	fail "sqlbackup.sh's row: $(sql "SELECT * FROM db WHERE bck_mode=2")"
expect_rc 0 "weekly, the folder kept" ctl --json db backup "${alice}_shop" weekly --history 3
[[ $(out | jget backup.mode) == weekly && $(out | jget backup.dir) == "$web/sql-dumps/shop" &&
	$(out | jget backup.gzip) == false ]] || fail "weekly: $(out)"
expect_rc 0 "the web space itself" ctl --json db backup "${alice}_shop" weekly --history 3 --dir /
[[ $(out | jget backup.dir) == "$web" ]] || fail "dir /: $(out)"
expect_rc 0 "a first setting without --dir" ctl --json db backup "${alice}_blog" none
[[ $(out | jget backup.dir) == "$web/backups" ]] || fail "default folder: $(out)"
for bad in ../../../etc 'a/../../..' "$(printf 'a\tb')" "$(printf 'a\nb')" 'x/./y'; do
	expect_rc 2 "hostile folder $bad" ctl db backup "${alice}_shop" daily --history 1 --dir "$bad"
done
[[ $(sql "SELECT bck_dir FROM db WHERE db = '${alice}_shop'") == "$web" ]] ||
	fail "a refused folder changes nothing"
expect_rc 2 "daily needs a history" ctl db backup "${alice}_shop" daily
expect_rc 2 "history over 255" ctl db backup "${alice}_shop" daily --history 256
expect_rc 2 "unknown mode" ctl db backup "${alice}_shop" hourly --history 1
expect_rc 3 "bob cannot set alice's" ctl --as "$bob" db backup "${alice}_shop" none
expect_rc 3 "unknown database" ctl db backup "${alice}_nothing" none
ok "db backup: 1.0's bck_* columns as sqlbackup.sh reads them, folders in the web space only"

# ---------------------------------------------------------------- dbuser
expect_rc 0 "dbuser add" ctl --json --as "$alice" dbuser add ro --password-file "$work/pw1"
[[ $(out | jget name) == "${alice}_ro" && $(out | jget owner) == "$alice" &&
	$(out | jget password) == '<missing>' ]] || fail "dbuser add: $(out)"
[[ $(as_user "${alice}_ro" Db-pass-1111 -e 'SELECT CURRENT_USER()') == "${alice}_ro@127.0.0.1" ]] ||
	fail "the new user logs in over TCP"
as_user "${alice}_ro" Db-pass-2222 -e 'SELECT 1' >/dev/null 2>&1 && fail "a wrong password is refused"
expect_rc 0 "dbuser show" ctl --json dbuser show "${alice}_ro"
[[ $(out | jget grants) == "{\"$alice\":[],\"${alice}_blog\":[],\"${alice}_shop\":[]}" ]] ||
	fail "no rights yet, per database: $(out)"
as_user "${alice}_ro" Db-pass-1111 "${alice}_shop" -e 'SELECT COUNT(*) FROM t' >/dev/null 2>&1 &&
	fail "no SELECT before the grant"
expect_rc 0 "grant SELECT" ctl --json dbuser grant "${alice}_ro" "${alice}_shop" select
[[ $(out | jget "grants.${alice}_shop") == '["SELECT"]' && $(out | jget "grants.$alice") == '[]' ]] ||
	fail "grant: $(out)"
[[ $(as_user "${alice}_ro" Db-pass-1111 "${alice}_shop" -e 'SELECT COUNT(*) FROM t') == 2 ]] ||
	fail "SELECT works after the grant"
as_user "${alice}_ro" Db-pass-1111 "${alice}_shop" -e 'INSERT INTO t VALUES (3)' 2>"$work/merr" &&
	fail "INSERT is refused with SELECT only"
grep -q 'INSERT command denied' "$work/merr" || fail "the server denies INSERT: $(cat "$work/merr")"
expect_rc 0 "grant two rights, any case" ctl dbuser grant "${alice}_ro" "${alice}_shop" 'Select, insert'
grep -qx "grant ${alice}_shop: SELECT,INSERT" "$work/out" || fail "show text: $(out)"
as_user "${alice}_ro" Db-pass-1111 "${alice}_shop" -e 'INSERT INTO t VALUES (3)' ||
	fail "INSERT works once granted"
expect_rc 0 "grant none" ctl --json dbuser grant "${alice}_ro" "${alice}_shop" none
[[ $(out | jget "grants.${alice}_shop") == '[]' ]] || fail "none: $(out)"
as_user "${alice}_ro" Db-pass-1111 "${alice}_shop" -e 'SELECT 1 FROM t' >/dev/null 2>&1 &&
	fail "no SELECT after none"
expect_rc 2 "unknown right" ctl dbuser grant "${alice}_ro" "${alice}_shop" select,fly
expect_rc 2 "missing rights" ctl dbuser grant "${alice}_ro" "${alice}_shop"
expect_rc 3 "another member's database" ctl dbuser grant "${alice}_ro" "$bob" SELECT
expect_rc 3 "unknown user" ctl dbuser grant "${alice}_nobody" "${alice}_shop" SELECT
ctl dbuser grant "${alice}_ro" "${alice}_shop" SELECT >/dev/null || fail "grant back"
ok "dbuser add/show/grant: TCP login, SELECT but not INSERT, rights names, refusals"

expect_rc 0 "dbuser passwd" ctl dbuser passwd "${alice}_ro" --password-file - <"$work/pw2"
[[ $(out) == "password of ${alice}_ro changed" ]] || fail "passwd: $(out)"
as_user "${alice}_ro" Db-pass-2222 -e 'SELECT 1' >/dev/null || fail "the new password works"
as_user "${alice}_ro" Db-pass-1111 -e 'SELECT 1' >/dev/null 2>&1 && fail "the old one no longer"
expect_rc 2 "passwd without a terminal" ctl dbuser passwd "${alice}_ro" </dev/null
expect_rc 0 "user named after the login" ctl dbuser add --login "$alice" --password-file "$work/pw1"
grep -qx "name: $alice" "$work/out" || fail "dbuser add without suffix: $(out)"
expect_rc 5 "mysql_users quota" ctl dbuser add --login "$alice" rw --password-file "$work/pw1"
ctl quota set "$bob" mysql_users 3 >/dev/null || fail "quota set"
expect_rc 0 "bob's user" ctl dbuser add --login "$bob" --password-file "$work/pw1"
expect_rc 4 "user taken" ctl dbuser add --login "$bob" --password-file "$work/pw1"
expect_rc 2 "bad suffix" ctl dbuser add --login "$alice" 'R W' --password-file "$work/pw1"
expect_rc 2 "no password on a non-terminal" ctl dbuser add --login "$bob" x </dev/null
expect_rc 0 "dbuser list" ctl --json dbuser list --login "$alice"
[[ $(out | column name) == "$alice ${alice}_ro" ]] || fail "dbuser list: $(out)"
expect_rc 0 "bob's users" ctl --as "$bob" --json dbuser list
[[ $(out | column name) == "$bob" ]] || fail "bob's users: $(out)"
expect_rc 3 "bob cannot see alice's user" ctl --as "$bob" dbuser show "${alice}_ro"
expect_rc 3 "nor grant it" ctl --as "$bob" dbuser grant "${alice}_ro" "${alice}_shop" SELECT
expect_rc 3 "nor reset it" ctl --as "$bob" dbuser passwd "${alice}_ro" --password-file "$work/pw1"
ok "dbuser passwd/list: new password, 5 quota, 4 taken, --as (3)"

# ---------------------------------------------------------------- dump, restore, jobs run
# Before the account's mem_add has made its web root, a dump fails and makes nothing.
expect_rc 0 "db dump" ctl db dump "${alice}_shop"
job=$(out)
expect_rc 0 "jobs run" ctl --json jobs run
[[ $(sql "SELECT result FROM panel_actions WHERE id = $job") == *"folders are not made yet"* ]] ||
	fail "dump before mem_add: $(sql "SELECT result FROM panel_actions WHERE id = $job")"
[[ ! -e $web ]] || fail "a dump before mem_add made $web"
mkdir -p "$web" # as the account's mem_add makes it
expect_rc 0 "db dump" ctl db dump "${alice}_shop"
job=$(out)
[[ $job =~ ^[0-9]+$ ]] || fail "dump prints the job id: $(out)"
expect_rc 6 "jobs run needs the system" ctl --admin "ad$n" jobs run
expect_rc 0 "jobs run" ctl --json jobs run
[[ $(out | jget 'done') == 1 ]] || fail "one job run: $(out)"
[[ $(sql "SELECT result FROM panel_actions WHERE id = $job") == ok ]] ||
	fail "job result: $(sql "SELECT result FROM panel_actions WHERE id = $job")"
dumps=("$work/root/html/${alice:0:1}/$alice/backups/${alice}_shop-"*.sql)
[[ -f ${dumps[0]} ]] || fail "the dump is in the owner's backups folder: $(find "$work/root")"
grep -q 'CREATE TABLE `t`' "${dumps[0]}" || fail "the dump holds the table"
expect_rc 0 "nothing left to run" ctl jobs run
[[ $(out) == "0 jobs run" ]] || fail "jobs run text: $(out)"
root "${alice}_shop" -e "DROP TABLE t"
expect_rc 0 "db restore" ctl --json db restore "${alice}_shop" "$(basename "${dumps[0]}")"
[[ $(out | jget job) -gt $job ]] || fail "restore job: $(out)"
ctl jobs run >/dev/null || fail "jobs run (restore)"
[[ $(root "${alice}_shop" -e 'SELECT COUNT(*) FROM t') == 3 ]] || fail "the table is back"
expect_rc 2 "restore of a file that is not this database's dump" ctl db restore "${alice}_shop" \
	../../etc/passwd
expect_rc 2 "restore without a file" ctl db restore "${alice}_shop"
ok "db dump + jobs run writes the dump under hosting.root; restore brings the data back"

# ---------------------------------------------------------------- repair
expect_rc 0 "repair: clean" ctl --json db repair
[[ $(out | jget total) == 0 ]] || fail "nothing to repair: $(out)"
root -e "CREATE DATABASE ${bob}_orphan"
root -e "DROP DATABASE ${alice}_blog"
expect_rc 0 "repair: report" ctl --json db repair
out | php -r '$l = json_decode(stream_get_contents(STDIN), true); $n = [];
	foreach ($l["items"] as $i) $n[] = "$i[kind]/$i[name]/$i[problem]";
	sort($n); echo implode(" ", $n);' >"$work/problems"
[[ $(cat "$work/problems") == "database/${alice}_blog/not_on_server database/${bob}_orphan/no_row" ]] ||
	fail "repair report: $(cat "$work/problems")"
[[ $(ctl --json db list --login "$bob" | column name) == "$bob" ]] || fail "nothing fixed yet"
expect_rc 6 "repair is for admins" ctl --as "$alice" db repair
expect_rc 0 "repair --fix" ctl --json db repair --fix
[[ $(out | jget total) == 2 ]] || fail "two fixed: $(out)"
[[ $(ctl --json db list --login "$bob" | column name) == "$bob ${bob}_orphan" ]] ||
	fail "the orphan got a row"
expect_rc 3 "the gone database lost its row" ctl db show "${alice}_blog"
expect_rc 0 "repair: clean again" ctl db repair
[[ $(out) == "the databases and users match their rows" ]] || fail "repair text: $(out)"
ok "db repair: reports both kinds, --fix adds and removes rows, admins only (6)"

# ---------------------------------------------------------------- del
expect_rc 2 "db del without --yes" ctl db del "${alice}_shop"
server_has_db "${alice}_shop" || fail "still there"
expect_rc 0 "db del" ctl --json db del "${alice}_shop" --yes
[[ $(out | jget deleted) == true ]] || fail "db del: $(out)"
server_has_db "${alice}_shop" && fail "dropped on the server"
expect_rc 3 "db gone" ctl db show "${alice}_shop"
expect_rc 2 "dbuser del without --yes" ctl dbuser del "${alice}_ro"
expect_rc 0 "dbuser del" ctl dbuser del "${alice}_ro" --yes
[[ $(out) == "database user ${alice}_ro deleted" ]] || fail "dbuser del: $(out)"
as_user "${alice}_ro" Db-pass-2222 -e 'SELECT 1' >/dev/null 2>&1 && fail "the user is dropped"
expect_rc 3 "dbuser del again" ctl dbuser del "${alice}_ro" --yes
ok "db del and dbuser del: --yes required (2), dropped on the server"
