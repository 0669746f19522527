#!/usr/bin/env bash
# The HA platform (tools/run-ha.sh) under a client load through HAProxy while its parts fail in
# turn: kill -9 of a panel-api, SIGSTOP of the other, panel-api-1 cut from its database (a
# network namespace: skipped where none can be made), kill -9 of a dbproxy, kill -9 of the
# primary MariaDB (cooperative dbproxies). During each fault the
# API answers reads, after it creates are acknowledged again; at the end every acknowledged create
# exists (0 lost).
# The longest time the client saw errors is printed for each fault, not asserted. No daemon of
# the platform may log a sanitizer report (the ASan build).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}
[[ $build == /* ]] || build=$root/$build
# shellcheck source=tests/ha/lib.sh
source "$root/tests/ha/lib.sh"

ha_setup
# panel-api-1 in a network namespace of its own (tools/run-ha.sh HA_NETNS=1) where allowed.
netns=0
if ha_netns_allowed; then
	netns=1
fi
HA_NETNS=$netns ha_start
ha_load_start

# fault NAME CMD...: runs CMD (the fault and its repair) under the load; the API must answer and
# acknowledge new creates afterwards.
fault() {
	local name=$1
	shift
	ha_phase_begin
	"$@"
	ha_phase_end "$name"
}

kill_api1() {
	ha_signal panel-api-1 KILL
	ha_answers "panel-api-1 killed"
	ha_wait_haproxy api1 DOWN
	sleep 1.5
	"$root/tools/run-ha.sh" restart "$HA_DIR" panel-api-1
	ha_wait_haproxy api1 UP
}
stop_api2() {
	ha_signal panel-api-2 STOP
	ha_answers "panel-api-2 stopped"
	sleep 2
	ha_answers "panel-api-2 stopped"
	ha_signal panel-api-2 CONT
	ha_wait_haproxy api2 UP
}
# panel-api-1 cut from dbproxy-1 (a blackhole route in its namespace): it still answers HAProxy,
# but its /healthz does not (it pings the database), so HAProxy takes it out; meanwhile reads
# answer and creates are acknowledged through panel-api-2.
cut_api1_db() {
	local n
	ha_netns_cut db
	ha_wait_haproxy api1 DOWN
	ha_answers "panel-api-1 cut from its database"
	n=$(ha_acked)
	ha_wait_acked $((n + 2)) "no create acknowledged while panel-api-1 was cut from its database"
	ha_answers "panel-api-1 cut from its database"
	ha_netns_heal db
	ha_wait_haproxy api1 UP
}
kill_dbproxy1() {
	ha_signal dbproxy-1 KILL
	ha_answers "dbproxy-1 killed"
	ha_wait_haproxy api1 DOWN
	sleep 1.5
	"$root/tools/run-ha.sh" restart "$HA_DIR" dbproxy-1
	ha_wait_haproxy api1 UP
}
# The primary MariaDB: with cooperative monitoring one dbproxy fails over and both route to
# the new writer (docs/ha.md); creates are acknowledged again and none is lost.
kill_primary() {
	local before i
	before=$(ha_writer)
	ha_signal mariadb-primary KILL
	for ((i = 0; i < 150; i++)); do
		[[ $(ha_writer) != "$before" ]] && break
		sleep 0.1
	done
	[[ $(ha_writer) != "$before" ]] || fail "no failover within 15 s after the primary died"
	ha_answers "the primary killed"
}
fault "kill -9 panel-api-1" kill_api1
fault "SIGSTOP panel-api-2 (3 s)" stop_api2
if ((netns)); then
	fault "panel-api-1 cut from its db" cut_api1_db
else
	echo "# skip: panel-api-1 cut from its database (ip netns not allowed here: not root, or no CAP_NET_ADMIN)"
fi
fault "kill -9 dbproxy-1" kill_dbproxy1
if [[ $HA_COOPERATIVE == 1 ]]; then
	fault "kill -9 the primary MariaDB" kill_primary
fi

ha_load_stop
ha_check_ledger
ha_check_sanitizers
