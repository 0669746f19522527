#!/usr/bin/env bash
# Tests of tests/harness/mariadb-cluster, the shell entry point of the MariaDB test harness:
# start, sql, status, kill, start-server, the owner guard and stop. Exit 0 when all pass.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MC=$HERE/mariadb-cluster
BASE=$(mktemp -d "${TMPDIR:-/tmp}/th-cluster-test.XXXXXX") || exit 1
C1=$BASE/c1
C2=$BASE/c2
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
