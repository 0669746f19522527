#!/usr/bin/env bash
# Tests of tests/harness/mariadb-cluster, the shell entry point of the MariaDB test harness:
# start, sql, status, kill, start-server, the owner guard, --tls and stop. Exit 0 when all pass.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MC=$HERE/mariadb-cluster
BASE=$(mktemp -d "${TMPDIR:-/tmp}/th-cluster-test.XXXXXX") || exit 1
chmod 0711 "$BASE" # as root, the servers' user (mysql) must reach the clusters' folders
C1=$BASE/c1
C2=$BASE/c2
C3=$BASE/c3
OWNER=
failures=0

ok()
{
	echo "ok - $*"
}

not_ok()
{
	echo "not ok - $*"
	failures=$((failures + 1))
}

# check DESCRIPTION COMMAND...: one line of output per check.
check()
{
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		not_ok "$what"
	fi
}

cleanup()
{
	"$MC" stop "$C1" 2>/dev/null
	"$MC" stop "$C2" 2>/dev/null
	"$MC" stop "$C3" 2>/dev/null
	if [[ -n $OWNER ]]; then
		kill -9 "$OWNER" 2>/dev/null
	fi
	rm -rf -- "$BASE"
}
trap cleanup EXIT

alive()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

gone()
{
	local pid
	for pid in "$@"; do
		alive "$pid" && return 1
	done
	return 0
}

# until_true SECONDS COMMAND...: polls the command every 0.1 s.
until_true()
{
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

equals()
{
	[[ $1 == "$2" ]]
}

sql_equals()
{
	local dir=$1 idx=$2 sql=$3 want=$4
	[[ $("$MC" sql "$dir" "$idx" "$sql" 2>/dev/null) == "$want" ]]
}

status_field()
{
	local dir=$1 idx=$2 field=$3
	"$MC" status "$dir" | awk -v i="$idx" -v f="$field" '$1 == i { print $f }'
}

# tls_cipher DIR IDX CA: the session's Ssl_cipher of a TCP connection to server IDX that uses
# TLS and verifies the server's certificate (and its name, 127.0.0.1) against CA; fails when
# the connection does.
tls_cipher()
{
	local dir=$1 idx=$2 ca=$3 port
	port=$(sed -n "s/^SERVER${idx}_PORT=//p" "$dir/cluster.env")
	mariadb --no-defaults --host=127.0.0.1 --port="$port" --user=root --connect-timeout=10 \
		--ssl-ca="$ca" --ssl-verify-server-cert --batch --skip-column-names \
		-e "SHOW SESSION STATUS LIKE 'Ssl_cipher'" | cut -f 2
}

# tls_ok DIR IDX: a verified TLS connection to server IDX works and has a cipher.
tls_ok()
{
	local cipher
	cipher=$(tls_cipher "$1" "$2" "$1/tls/ca.pem") && [[ -n $cipher ]]
}

# tls_refused DIR IDX CA: the TLS connection fails (the certificate does not verify).
tls_refused()
{
	! tls_cipher "$@" >/dev/null 2>&1
}

# Processes whose command line names the folder (servers and the guard).
no_process_in()
{
	! pgrep -f -- "$1/" >/dev/null
}

# ---------------------------------------------------------------- start
out=$("$MC" start "$C1" --replicas 1 --owner-pid $$)
rc=$?
check "start with 1 replica exits 0" equals "$rc" 0
check "start prints the env file path last" equals "$(tail -n 1 <<<"$out")" "$C1/cluster.env"
check "cluster.env counts 2 servers" grep -qx 'CLUSTER_SERVERS=2' "$C1/cluster.env"
check "env prints cluster.env" equals "$("$MC" env "$C1")" "$(cat "$C1/cluster.env")"
# shellcheck source=/dev/null
check "cluster.env is shell-sourceable" bash -c "set -eu; . '$C1/cluster.env'; \
	[[ \$SERVER1_PORT =~ ^[0-9]+\$ && \$SERVER0_SOCKET == '$C1/server0/sock' ]]"
check "each server has its stored command line" test -s "$C1/server1/args"
# As root, the servers run as the mysql user: their superuser account, open to every local user
# on a loopback port, may not write files as root (INTO OUTFILE into a root-only folder).
if ((EUID == 0)) && id mysql >/dev/null 2>&1 && [[ $(cat "$C1/run-as") == root ]]; then
	echo "ok - # skip: the mysql user cannot reach $BASE (TMPDIR under a closed folder)"
elif ((EUID == 0)) && id mysql >/dev/null 2>&1; then
	pid0=$(cat "$C1/server0/mariadbd.pid" 2>/dev/null)
	check "as root, the servers run as the mysql user" \
		equals "$(ps -o user= -p "${pid0:-0}" | tr -d ' ')" mysql
	mkdir -m 0700 "$BASE/rootonly"
	"$MC" sql "$C1" 0 "SELECT 'x' INTO OUTFILE '$BASE/rootonly/proof'" >/dev/null 2>&1
	check "as root, the superuser account cannot write a file into a root-only folder" \
		test ! -e "$BASE/rootonly/proof"
	args_before=$(md5sum <"$C1/server0/args")
	"$MC" sql "$C1" 0 "SET GLOBAL general_log_file = '$C1/server0/args';
		SET GLOBAL general_log = 1; SELECT 'x
--user=root'" >/dev/null 2>&1
	"$MC" sql "$C1" 0 "SET GLOBAL general_log = 0;
		SET GLOBAL general_log_file = 'general.log'" >/dev/null 2>&1
	check "as root, the server cannot append to the command line start-server runs" \
		equals "$(md5sum <"$C1/server0/args")" "$args_before"
fi
check "without --tls cluster.env says CLUSTER_TLS=0 and names no CA" \
	bash -c "grep -qx 'CLUSTER_TLS=0' '$C1/cluster.env' &&
		grep -qx 'CLUSTER_TLS_CA=' '$C1/cluster.env'"
check "without --tls the servers have no TLS" \
	sql_equals "$C1" 0 "SELECT @@have_ssl" DISABLED

# ---------------------------------------------------------------- sql
check "sql prints tab-separated rows" sql_equals "$C1" 0 "SELECT 1, 'a b'" $'1\ta b'
check "sql fails on a bad statement" bash -c "! '$MC' sql '$C1' 0 'SELEC 1' 2>/dev/null"
check "sql fails on a server that does not exist" \
	bash -c "! '$MC' sql '$C1' 2 'SELECT 1' 2>/dev/null"
"$MC" sql "$C1" 0 "CREATE DATABASE shtest; CREATE TABLE shtest.t (i INT PRIMARY KEY);
	INSERT INTO shtest.t VALUES (1), (2)"
check "a write on the primary reaches the replica" \
	until_true 10 sql_equals "$C1" 1 "SELECT COUNT(*) FROM shtest.t" 2
check "the replica is read-only" sql_equals "$C1" 1 "SELECT @@read_only" 1
check "the replica's threads run" sql_equals "$C1" 1 \
	"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'system user'" 2

# ---------------------------------------------------------------- status, kill, start-server
check "status has one line per server" equals "$("$MC" status "$C1" | wc -l)" 2
pid1=$(status_field "$C1" 1 3)
check "status shows the replica's pid from its pid file" \
	equals "$pid1" "$(cat "$C1/server1/mariadbd.pid")"
check "status shows the replica's port" \
	equals "$(status_field "$C1" 1 2)" "$(sed -n 's/^SERVER1_PORT=//p' "$C1/cluster.env")"
check "kill stops the replica" "$MC" kill "$C1" 1
check "the killed replica's process is gone" gone "$pid1"
check "status shows the killed replica as down" equals "$(status_field "$C1" 1 3)" down
check "kill fails on a server that is down" bash -c "! '$MC' kill '$C1' 1 2>/dev/null"
"$MC" sql "$C1" 0 "INSERT INTO shtest.t VALUES (3)"
check "start-server starts the replica again" "$MC" start-server "$C1" 1
pid1b=$(status_field "$C1" 1 3)
check "the restarted replica runs under a new pid" \
	bash -c "[[ $pid1b =~ ^[0-9]+\$ && $pid1b != $pid1 ]]"
check "the restarted replica catches up with a write made while it was down" \
	until_true 10 sql_equals "$C1" 1 "SELECT COUNT(*) FROM shtest.t" 3
check "start-server refuses a running server" \
	bash -c "! '$MC' start-server '$C1' 1 2>/dev/null"
check "kill STOP stops a server" "$MC" kill "$C1" 0 STOP
check "the stopped server is in state T" grep -q '^[^)]*) T' "/proc/$(status_field "$C1" 0 3)/stat"
check "kill CONT resumes it" "$MC" kill "$C1" 0 CONT
check "the resumed server answers" sql_equals "$C1" 0 "SELECT 7" 7
check "replicate points the replica at the primary again" "$MC" replicate "$C1" 1 0

# ---------------------------------------------------------------- failover by hand
"$MC" sql "$C1" 1 "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0;
	INSERT INTO shtest.t VALUES (10)"
check "replicate makes the old primary a replica of the new one" "$MC" replicate "$C1" 0 1
check "replicate returns once the new replica has caught up" \
	sql_equals "$C1" 0 "SELECT COUNT(*) FROM shtest.t WHERE i = 10" 1
"$MC" sql "$C1" 0 "STOP SLAVE; INSERT INTO shtest.t VALUES (100)"
"$MC" sql "$C1" 1 "INSERT INTO shtest.t VALUES (100)"
check "replicate fails on a server whose GTID history diverged" \
	bash -c "! '$MC' replicate '$C1' 0 1 2>/dev/null"

# ---------------------------------------------------------------- refusals
mkdir "$BASE/full"
touch "$BASE/full/keep"
check "start refuses a non-empty folder" bash -c "! '$MC' start '$BASE/full' 2>/dev/null"
check "stop refuses a folder that is not a cluster" bash -c "! '$MC' stop '$BASE/full' 2>/dev/null"
check "refused folders are left intact" test -f "$BASE/full/keep"
check "no command prints usage and fails" bash -c "'$MC' >/dev/null 2>&1; [[ \$? == 2 ]]"

# ---------------------------------------------------------------- the owner guard
sleep 1000 &
OWNER=$!
"$MC" start "$C2" --owner-pid "$OWNER" >/dev/null
check "start with --owner-pid exits 0" equals "$?" 0
pid2=$(status_field "$C2" 0 3)
check "the second cluster runs" alive "$pid2"
kill -9 "$OWNER"
wait "$OWNER" 2>/dev/null
OWNER=
check "the owner's death stops its servers within 10 s" until_true 10 gone "$pid2"
check "the owner's death removes its folder within 10 s" until_true 10 test ! -e "$C2"
check "no process of the second cluster is left (guard included)" until_true 5 no_process_in "$C2"

# ---------------------------------------------------------------- --tls
out=$("$MC" start "$C3" --replicas 1 --tls --owner-pid $$)
check "start --tls exits 0" equals "$?" 0
check "cluster.env says CLUSTER_TLS=1" grep -qx 'CLUSTER_TLS=1' "$C3/cluster.env"
check "cluster.env names the CA, the certificate and the key" \
	bash -c "grep -qx 'CLUSTER_TLS_CA=$C3/tls/ca.pem' '$C3/cluster.env' &&
		grep -qx 'CLUSTER_TLS_CERT=$C3/tls/server-cert.pem' '$C3/cluster.env' &&
		grep -qx 'CLUSTER_TLS_KEY=$C3/tls/server-key.pem' '$C3/cluster.env'"
check "the keys are private (mode 0600)" \
	equals "$(stat -c %a "$C3/tls/server-key.pem" "$C3/tls/ca-key.pem" | sort -u)" 600
check "the server certificate is signed by the CA" \
	bash -c "openssl verify -CAfile '$C3/tls/ca.pem' '$C3/tls/server-cert.pem' >/dev/null"
check "the server certificate names 127.0.0.1 and localhost" \
	bash -c "openssl x509 -in '$C3/tls/server-cert.pem' -noout -checkip 127.0.0.1 |
		grep -q 'does match' && openssl x509 -in '$C3/tls/server-cert.pem' -noout \
		-checkhost localhost | grep -q 'does match'"
check "the certificates are valid for 2 days, not more" \
	bash -c "{ openssl x509 -in '$C3/tls/server-cert.pem' -noout -checkend $((2 * 86400 - 600)) &&
		! openssl x509 -in '$C3/tls/server-cert.pem' -noout -checkend $((2 * 86400 + 600)) &&
		! openssl x509 -in '$C3/tls/ca.pem' -noout -checkend $((2 * 86400 + 600)); } >/dev/null"
check "every server is started with the CA, certificate and key" \
	bash -c "grep -qx -- '--ssl-ca=$C3/tls/ca.pem' '$C3/server1/args' &&
		grep -qx -- '--ssl-cert=$C3/tls/server-cert.pem' '$C3/server1/args' &&
		grep -qx -- '--ssl-key=$C3/tls/server-key.pem' '$C3/server1/args'"
check "the primary accepts a TLS connection verified against the CA" tls_ok "$C3" 0
check "the replica accepts a TLS connection verified against the CA" tls_ok "$C3" 1
# Another CA, made here: the servers' certificate must not verify against it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=not the cluster's CA" -keyout "$BASE/other-ca-key.pem" \
	-out "$BASE/other-ca.pem" >/dev/null 2>&1
check "another CA is made for the next check" test -s "$BASE/other-ca.pem"
check "verification against another CA fails" tls_refused "$C3" 0 "$BASE/other-ca.pem"
check "a TCP connection without TLS still works, unencrypted" \
	equals "$(mariadb --no-defaults --host=127.0.0.1 --user=root --skip-ssl --batch \
		--port="$(sed -n 's/^SERVER0_PORT=//p' "$C3/cluster.env")" --skip-column-names \
		-e "SHOW SESSION STATUS LIKE 'Ssl_cipher'")" $'Ssl_cipher\t'
"$MC" sql "$C3" 0 "CREATE DATABASE tlstest; CREATE TABLE tlstest.t (i INT PRIMARY KEY);
	INSERT INTO tlstest.t VALUES (1)"
check "kill and start-server restart a --tls replica" \
	bash -c "'$MC' kill '$C3' 1 && '$MC' start-server '$C3' 1"
check "the restarted replica speaks TLS again" tls_ok "$C3" 1
check "the restarted replica replicates" \
	until_true 10 sql_equals "$C3" 1 "SELECT COUNT(*) FROM tlstest.t" 1
check "stop removes a --tls cluster with its certificates" \
	bash -c "'$MC' stop '$C3' && test ! -e '$C3'"

# ---------------------------------------------------------------- stop
pid0=$(status_field "$C1" 0 3)
pid1=$(status_field "$C1" 1 3)
"$MC" kill "$C1" 1 STOP
check "stop exits 0, even with a stopped server" "$MC" stop "$C1"
check "stop removes the folder" test ! -e "$C1"
check "stop leaves no server running" gone "$pid0" "$pid1"
check "no process of the first cluster is left" until_true 5 no_process_in "$C1"
check "stop is idempotent" "$MC" stop "$C1"
check "stop of a folder that never existed succeeds" "$MC" stop "$BASE/never"

if ((failures)); then
	echo "# $failures check(s) failed"
	exit 1
fi
echo "# all checks passed"
