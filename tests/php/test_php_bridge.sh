#!/usr/bin/env bash
# The PHP bridge (clients/php): PanelApi and the AlternC 1.0-compatible classes against a real
# panel-api, as a PHPUnit suite (tests/php/phpunit.xml, *Test.php): error mapping, idempotent
# retries, the one retry on a 503 (tests/php/failover_proxy.php under php -S), act-as, cursors,
# m_mem, m_admin, m_dom, m_mail, m_quota, m_ftp, m_mysql (databases created on the server),
# m_sta2, m_hta, m_bro, the slave DNS / backup MX accounts and m_mem's mailed reset codes and
# mail change links. m_dom::checkmx asks tests/support/fake_dns.py (loopback, never the network).
# m_mail's wrappers may run the program /usr/bin/true ([mail] wrappers; the API only records them).
# Mails (password reset codes, mail change links) go to tests/support/fake-sendmail. The file
# manager (m_bro) works in the [hosting] root of the run (panel-api runs as root here).
# PANEL_PHPUNIT_ARGS: extra arguments for phpunit (e.g. "--filter MysqlTest").
set -euo pipefail
# shellcheck source=tests/api/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../api/lib.sh"

api_need_php
command -v phpunit >/dev/null || fail "phpunit is not installed (make deps)"
for f in clients/php/*.php clients/php/alternc/*.php tests/php/*.php; do
	php -l "$f" >/dev/null || fail "php -l $f"
done

# The tests' logins start with pb$tag: the members' databases and users are named after them.
tag=$(printf '%05x' $((RANDOM * 32 + RANDOM % 32)))
dns_pid=
api_setup php_bridge bridge_cleanup
# The mails panel-api sends (tests/support/fake-sendmail keeps one file msg.* each): the tests read
# the reset codes and mail change links there.
export FAKE_SENDMAIL_DIR=$work/mails
root() { mariadb -S "$SERVER0_SOCKET" -u root -N -B "$@"; }
# drop_members: the member server's databases and users of this run's accounts.
drop_members() {
	local name
	for name in $(root -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA
		WHERE SCHEMA_NAME LIKE 'pb${tag}%'"); do
		root -e "DROP DATABASE \`$name\`" || true
	done
	for name in $(root -e "SELECT CONCAT(User, '@', Host) FROM mysql.user
		WHERE User LIKE 'pb${tag}%' OR User LIKE 'panel\\_rst\\_pb${tag}%'"); do
		root -e "DROP USER '${name%@*}'@'${name#*@}'" || true
	done
}
bridge_cleanup() { # after panel-api's stop, before the database goes
	if [[ -n $dns_pid ]]; then
		kill "$dns_pid" 2>/dev/null || true
		wait "$dns_pid" 2>/dev/null || true
	fi
	drop_members || true
}

# The MX of the domains DomMailTest checks (pb<tag>-mx<letter>.org): the host's, foreign, none
# (no rule: NXDOMAIN), a DNS failure.
python3 tests/support/fake_dns.py --port-file "$work/dns.port" "pb${tag}-mxa.org=mx:mx1.example.net" \
	"pb${tag}-mxb.org=mx:mx.elsewhere.example,mx2.elsewhere.example" "pb${tag}-mxd.org=servfail" &
dns_pid=$!
for _ in $(seq 1 100); do
	[[ -s $work/dns.port ]] && break
	kill -0 "$dns_pid" 2>/dev/null || fail "fake_dns.py exited at start"
	sleep 0.1
done
[[ -s $work/dns.port ]] || fail "fake_dns.py did not start"
# The PHP panel's own address: its X-Forwarded-For (the browser's address) is believed.
api_write_conf "$SERVER0_PORT" "trusted_proxies = 127.0.0.1/32"
cat >>"$work/panel.conf" <<CONF

[member_database]
client_host = 127.0.0.1

[hosting]
root = $work/root
fqdn = panel.example.net
ns1 = ns1.example.net
ns2 = ns2.example.net
public_ip = 192.0.2.10
default_mx = mx1.example.net

[dns]
resolver = 127.0.0.1:$(cat "$work/dns.port")
timeout = 1

[mail]
wrappers = /usr/bin/true
sendmail = $PWD/tests/support/fake-sendmail
hosting_name = Example Hosting

[files]
max_size = 2048
upload_max_size = 100000
CONF
mkdir "$work/root" "$work/mails"
api_admin 'Php-root-pass-77'
api_start

export PANEL_TEST_API_URL=$base PANEL_TEST_ADMIN_LOGIN=admin \
	PANEL_TEST_ADMIN_PASSWORD='Php-root-pass-77' PANEL_TEST_TAG=$tag PANEL_TEST_MYSQL_SOCKET=$SERVER0_SOCKET \
	PANEL_TEST_PANEL_DB=$db PANEL_TEST_HOSTING_ROOT=$work/root PANEL_TEST_MAIL_DIR=$work/mails
read -r -a extra <<<"${PANEL_PHPUNIT_ARGS:-}"
phpunit -c tests/php/phpunit.xml "${extra[@]}" || fail "the PHPUnit suite of the PHP bridge"
ok "the PHPUnit suite of the PHP bridge"
api_stop
# The suite made databases and users on the member server: none may be left behind.
drop_members
left=$(root -e "SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE
	'pb${tag}%') + (SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'pb${tag}%')")
[[ $left == 0 ]] || fail "$left databases or users of the run are left on the server"
ok "the run's databases and users are dropped"
