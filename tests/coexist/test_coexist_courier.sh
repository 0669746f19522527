#!/usr/bin/env bash
# Courier's authlib, AlternC 1.0's IMAP/POP/SMTP-AUTH authenticator, against mailboxes the
# library writes: authdaemond with authmysqlrc as 1.0 configures it (table mail_users, login
# field alias, crypt field password) on the test database, and authtest for a box created,
# its password changed, and the box removed. authdaemond runs in a private mount namespace, with
# this test's own /etc/courier and socket folder bound over the system's, so the machine's
# Courier setup is neither used nor touched. Needs root, courier-authdaemon and
# courier-authlib-mysql (make deps installs them).
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../panelctl/lib.sh"

for tool in authtest authdaemond unshare; do
	command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (make deps)"; exit 0; }
done
[[ -f /usr/lib/x86_64-linux-gnu/courier-authlib/libauthmysql.so ||
	-n $(find /usr/lib -name 'libauthmysql.so' 2>/dev/null | head -n 1) ]] ||
	{ echo "skipped: courier-authlib-mysql is not installed (make deps)"; exit 0; }
[[ $(id -u) == 0 ]] || { echo "skipped: authdaemond needs root"; exit 0; }

ctl_setup coexcourier
chmod 755 "$work"
cat >>"$work/panel.conf" <<CONF

[hosting]
fqdn = panel.host.example
default_mx = mx1.host.example
CONF

ctl schema migrate >/dev/null || fail "migrate"
printf 'Member-pass-2026\n' >"$work/member.pw"
printf 'Box pass one\n' >"$work/box1.pw"
printf 'Box pass two\n' >"$work/box2.pw"
ctl account add coexcour --mail coexcour@example.org --password-file "$work/member.pw" \
	>/dev/null || fail "account"
ctl domain add courier-coex.org --login coexcour >/dev/null || fail "domain"
ctl mail add box@courier-coex.org --mailbox --password-file "$work/box1.pw" >/dev/null ||
	fail "mailbox"

# AlternC 1.0's authmysqlrc (templates/courier/authmysqlrc), on this test's database.
mkdir -p "$work/etc" "$work/run"
cat >"$work/etc/authdaemonrc" <<RC
authmodulelist="authmysql"
daemons=1
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
RC
# The installed file's version line first and its MARKER section last: authmysql insists on them.
head -n 1 /etc/courier/authmysqlrc >"$work/etc/authmysqlrc"
cat >>"$work/etc/authmysqlrc" <<RC
MYSQL_SERVER 127.0.0.1
MYSQL_PORT $SERVER0_PORT
MYSQL_USERNAME $CLUSTER_USER
MYSQL_PASSWORD $CLUSTER_PASSWORD
MYSQL_DATABASE $db
MYSQL_USER_TABLE mail_users
MYSQL_CRYPT_PWFIELD password
MYSQL_LOGIN_FIELD alias
MYSQL_UID_FIELD 33
MYSQL_GID_FIELD uid
MYSQL_HOME_FIELD path
MYSQL_OPT 0

##NAME: MARKER:0
RC
chmod 640 "$work/etc/authmysqlrc"
chgrp courier "$work/etc/authmysqlrc" "$work/etc/authdaemonrc" 2>/dev/null || true
chown courier:courier "$work/run" 2>/dev/null || true
chmod 750 "$work/run"

# courier_says ADDRESS PASSWORD: authtest's verdict (0 accepted), with authdaemond started
# for the occasion in the private namespace.
courier_says() {
	unshare --mount --propagation private bash -c '
		set -e
		mount --bind "$1/etc" /etc/courier
		mkdir -p /run/courier/authdaemon
		mount --bind "$1/run" /run/courier/authdaemon
		rm -f /run/courier/authdaemon/socket /run/courier/authdaemon/socket.lock
		# What the authdaemond wrapper does, in the foreground, its log kept.
		set -a
		. /etc/courier/authdaemonrc
		set +a
		/usr/lib/courier/courier-authlib/authdaemond 2>>"$1/daemon.log" &
		daemon=$!
		for _ in $(seq 1 50); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.1; done
		rc=0
		authtest "$2" "$3" >"$1/authtest.out" 2>&1 || rc=$?
		kill $daemon 2>/dev/null || true
		wait $daemon 2>/dev/null || true
		exit $rc' courier-test "$work" "$1" "$2"
}

courier_says box@courier-coex.org 'Box pass one' ||
	fail "Courier refuses the box's password: $(cat "$work/authtest.out") $(tail -n 20 "$work/daemon.log")"
courier_says box@courier-coex.org 'Box pass two' && fail "Courier accepts a wrong password"
ok "Courier's authtest accepts a mailbox the library created, and only its password"

# The control: the form written before ({SHA512-CRYPT}$6$...) is refused by Courier.
good=$(sql "SELECT password FROM mail_users WHERE alias = 'box@courier-coex.org'")
[[ $good == '{CRYPT}$6$'* ]] || fail "unexpected stored form: $good"
sql "UPDATE mail_users SET password = CONCAT('{SHA512-CRYPT}', SUBSTRING(password, 8))
	WHERE alias = 'box@courier-coex.org'"
courier_says box@courier-coex.org 'Box pass one' && fail "Courier accepts {SHA512-CRYPT}: the control is wrong"
sql "UPDATE mail_users SET password = '$good' WHERE alias = 'box@courier-coex.org'"
ok "the former {SHA512-CRYPT} form is refused by Courier (why the library writes {CRYPT})"

ctl mail passwd box@courier-coex.org --password-file "$work/box2.pw" >/dev/null || fail "passwd"
courier_says box@courier-coex.org 'Box pass two' ||
	fail "Courier refuses the changed password: $(cat "$work/authtest.out") $(tail -n 5 "$work/daemon.log")"
courier_says box@courier-coex.org 'Box pass one' && fail "Courier accepts the old password"
ok "after a change through the library, Courier accepts the new password and not the old one"

ctl mail del box@courier-coex.org --yes >/dev/null || fail "del"
courier_says box@courier-coex.org 'Box pass two' && fail "Courier accepts a deleted box"
ok "a deleted box no longer logs in"
