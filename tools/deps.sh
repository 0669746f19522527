#!/usr/bin/env bash
# Installs the Debian packages the project builds, tests and runs with, when they are missing.
# Idempotent and silent when everything is there; see docs/dependencies.md for why each one is needed.
# `deps.sh packaging` checks the other list: what `make deb`, `make deb-check` and
# `make bare-check` need (docs/packaging.md), which `make check` does not.
set -euo pipefail

if [[ ${1:-} == packaging ]]; then
	packages=(
		build-essential pkg-config # debian/control's Build-Depends, as dpkg-checkbuilddeps wants them
		libmariadb-dev libsodium-dev libinih-dev libcrypt-dev libjansson-dev libmicrohttpd-dev libidn2-dev
		debhelper   # dh, debhelper-compat 13: debian/rules
		dpkg-dev    # dpkg-buildpackage, dpkg-gensymbols, dpkg-parsechangelog
		fakeroot    # dpkg-buildpackage's default gain-root command (for a build as a user)
		lintian     # make deb fails on lintian errors
		debootstrap # the clean Debian 12 trees of make deb-check and make bare-check
	)
else
	packages=(
		build-essential pkg-config
		libmariadb-dev        # MariaDB Connector/C: libpanel's and dbproxy's database client
		libsodium-dev         # argon2id password hashes, random tokens, constant-time compares
		libinih-dev           # the INI configuration file reader
		libcrypt-dev          # libxcrypt: verifies AlternC 1.0's MD5-crypt and DES hashes
		libjansson-dev        # JSON for panel-api and panelctl --json
		libmicrohttpd-dev     # the HTTP server of panel-api and of dbproxy's admin endpoint
		libcmocka-dev         # the C unit test framework
		libcurl4-openssl-dev  # HTTP client of the panel-api tests
		curl                  # HTTP from shell tests and make run's examples
		php-cli php-curl      # a PHP client, the way the AlternC panel calls panel-api
		phpunit               # the PHP bridge's test suite (tests/php/phpunit.xml): clients/php against panel-api
		mariadb-server        # real servers for the tests and `make run`
		mariadb-client        # mariadb, mariadb-admin, mariadb-dump
		mariadb-test          # MariaDB's own test suite, run through dbproxy (make check, make mtr)
		openssl               # the test harness's throwaway CA and certificates (--tls)
		clang-format          # make format-check
		clang                 # the fuzz targets (make fuzz, make check): libFuzzer needs clang
		libclang-rt-14-dev    # clang's runtimes: libFuzzer (-fsanitize=fuzzer), ASan, UBSan
		libidn2-dev           # internationalized domain names to their ASCII (punycode) form
		bind9-utils           # named-checkzone: the tests check every rendered DNS zone
		dovecot-core          # doveadm pw: the tests check mailbox hashes as the IMAP server does
		apache2-utils         # htpasswd -v: the tests check protected folders' passwords as Apache does
		courier-authdaemon    # authtest: AlternC 1.0's mail stack checks the mailboxes (coexist tests)
		courier-authlib-mysql # its MySQL module, configured as 1.0's authmysqlrc
		sysbench              # dbproxy benchmarks (make bench): oltp_point_select, oltp_read_write
		haproxy               # make run HA=1 and tests/ha: the balancer of the two panel-apis; dbproxy benchmarks
		wrk                   # panel-api benchmarks (make bench only): the HTTP load generator
		systemd               # systemd-analyze verify, systemd-sysusers: the units test (not booted)
		chromium              # headless browser: the dbproxy status page test loads it during a failover
		python3-yaml python3-jsonschema  # tests/api/openapi-check.py: docs/openapi.yaml as a contract
		openapi-specification # the official OpenAPI 3.0 JSON Schema the document is linted with
	)
fi

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if ((EUID != 0)); then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run 'sudo ${1:+tools/deps.sh }${1:-make deps}' (or: sudo apt-get install -y ${missing[*]})" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# apt-get's output, in a file of mktemp's (never a fixed name in /tmp, which another user could
# have linked elsewhere: this runs as root); kept only when the installation fails.
log=$(mktemp "${TMPDIR:-/tmp}/panel-deps.XXXXXX.log")
# A machine that never ran 'apt-get update' has no package lists: update first then.
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
	apt-get update -qq >>"$log" 2>&1 || true # its errors show in the log below
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		echo "deps: apt-get install failed (full log: $log)" >&2
		exit 1
	fi
fi
rm -f "$log"
# The package's service is not wanted: tests and `make run` start their own servers.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mariadb 2>/dev/null; then
	systemctl stop mariadb >/dev/null 2>&1 || true
fi
echo "deps: done"
