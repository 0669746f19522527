# Helpers of the HA platform test and benchmark (sourced, not run): the platform of
# tools/run-ha.sh in a temporary folder, the client load of ha_client.py, faults, phases and the
# ledger check. The caller sets root and build (an absolute build folder).
# shellcheck shell=bash disable=SC2154

# fail MESSAGE: the test fails, with the end of the logs that tell why.
fail() {
	echo "not ok - $*"
	local f
	for f in panel-api-1.log panel-api-2.log dbproxy-1.log dbproxy-2.log haproxy.log; do
		[[ -f ${HA_DIR:-/nonexistent}/$f ]] && {
			echo "== $f"
			tail -n 15 "$HA_DIR/$f"
		}
	done
	[[ -f ${work:-/nonexistent}/client.log ]] && {
		echo "== client.log"
		tail -n 15 "$work/client.log"
	}
	exit 1
}

# ha_setup: the work folder (removed at exit, with everything started in it; kept, with the
# logs, when PANEL_HA_KEEP is set).
ha_setup() {
	command -v haproxy >/dev/null || fail "haproxy is not installed (make deps)"
	command -v python3 >/dev/null || fail "python3 is not installed"
	work=$(mktemp -d /tmp/panel-ha-XXXXXX)
	client_pid=
	trap ha_cleanup EXIT
}
ha_cleanup() {
	touch "$work/load/stop" 2>/dev/null || true
	if [[ -n ${client_pid:-} ]]; then
		{ kill "$client_pid" && wait "$client_pid"; } 2>/dev/null || true
	fi
	"$root/tools/run-ha.sh" stop "$work/ha" >/dev/null 2>&1 || true
	if [[ -n ${PANEL_HA_KEEP:-} ]]; then
		echo "# logs kept in $work (PANEL_HA_KEEP)"
	else
		rm -rf "$work"
	fi
}

# ha_start: the platform on free ports in $work/ha; its ha.env sourced (HA_URL, HA_TOKEN...).
ha_start() {
	local env
	env=$("$root/tools/run-ha.sh" "$build" --dir "$work/ha" --background --owner-pid $$ \
		2>"$work/start.log" | tail -n 1) || {
		cat "$work/start.log"
		fail "tools/run-ha.sh --background"
	}
	# shellcheck disable=SC1090
	source "$env"
	echo "# platform up: $HA_URL (cooperative dbproxies: $HA_COOPERATIVE)"
}

# ha_acked: how many creates the client has seen acknowledged.
ha_acked() { wc -l <"$work/load/ledger"; }

# ha_load_start [PREFIX]: the client load through the balancer; returns once it has created some.
# shellcheck disable=SC2120 # the test takes the default
ha_load_start() {
	mkdir -p "$work/load"
	: >"$work/load/ledger"
	python3 "$root/tests/ha/ha_client.py" load "$HA_URL" "$HA_TOKEN" "$work/load" "${1:-a}" \
		>"$work/client.log" 2>&1 &
	client_pid=$!
	ha_wait_acked 3 "the client load did not start"
}
ha_load_stop() {
	touch "$work/load/stop"
	wait "$client_pid" || fail "the client ended with $?"
	client_pid=
}

# ha_wait_acked N WHAT: waits (30 s at most) until more than N creates are acknowledged.
ha_wait_acked() {
	local i
	for ((i = 0; i < 300; i++)); do
		(($(ha_acked) > $1)) && return 0
		sleep 0.1
	done
	ha_fail_or_note "$2"
}

# ha_fail_or_note MESSAGE: the test fails; with HA_LENIENT set (the benchmark, which records what
# happens whatever it is) a note is printed and the caller gets status 1.
ha_fail_or_note() {
	[[ -n ${HA_LENIENT:-} ]] || fail "$1"
	echo "# note: $1"
	return 1
}

# ha_signal NAME SIGNAL: sends SIGNAL to the process of DIR/NAME.pid.
ha_signal() {
	local pid
	pid=$(cat "$HA_DIR/$1.pid") || fail "no pid file for $1"
	kill -s "$2" "$pid" || fail "kill -$2 $1 ($pid)"
	if [[ $2 == KILL ]]; then
		while kill -0 "$pid" 2>/dev/null && [[ $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) != Z ]]; do
			sleep 0.01
		done
	fi
}

# ha_answers WHAT: a read through the balancer answers 200 (within 15 s) now.
ha_answers() {
	local code
	code=$(curl -s -o /dev/null -m 15 -w '%{http_code}' -H "Authorization: Bearer $HA_TOKEN" \
		"$HA_URL/api/v1/accounts/admin" || true)
	[[ $code == 200 ]] || fail "$1: a read through HAProxy answered ${code:-nothing}, not 200"
}

# ha_haproxy_state SERVER: HAProxy's view of a server of the panel_api backend (UP, DOWN...).
ha_haproxy_state() {
	local csv
	csv=$(curl -s -m 2 "http://127.0.0.1:$HA_STATS_PORT/;csv") || return 0
	awk -F, -v s="$1" '$1 == "panel_api" && $2 == s { print $18 }' <<<"$csv"
}
# ha_wait_haproxy SERVER STATE: waits (20 s at most) until HAProxy sees SERVER in STATE.
ha_wait_haproxy() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(ha_haproxy_state "$1") == "$2" ]] && return 0
		sleep 0.1
	done
	ha_fail_or_note "HAProxy never saw $1 $2 (now: $(ha_haproxy_state "$1"))"
}

# ha_phase_begin / ha_phase_end NAME: around a fault and its repair. The end waits (30 s at most)
# for a create acknowledged after the repair, then prints the fault's line: the longest time the
# client saw errors, failed and total requests, the slowest successful answer. The line is also
# appended to $work/phases (NAME<TAB>window<TAB>errors<TAB>requests<TAB>slowest<TAB>kinds<TAB>
# recovered, yes or no).
ha_phase_begin() {
	phase_t0=$EPOCHREALTIME
}
ha_phase_end() {
	local name=$1 n window errors total slowest kinds recovered=yes
	n=$(ha_acked)
	ha_wait_acked "$n" "$name: no create acknowledged within 30 s after the repair" || recovered=no
	sleep 0.5
	read -r window errors total slowest kinds < <(python3 "$root/tests/ha/ha_client.py" window \
		"$work/load" "$phase_t0" "$EPOCHREALTIME")
	printf '# %-30s longest error window %5.2f s, %3d failed of %4d requests (%s), slowest answer %5.2f s\n' \
		"$name" "$window" "$errors" "$total" "$kinds" "$slowest"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$window" "$errors" "$total" "$slowest" "$kinds" \
		"$recovered" >>"$work/phases"
}

# ha_writer: the index of the server dbproxy-1 routes writes to (0 when it cannot tell).
ha_writer() {
	local status
	status=$(curl -s -m 2 -H "Authorization: Bearer $(cat "$HA_DIR/dbproxy-admin.token")" \
		"http://127.0.0.1:$HA_DBPROXY1_ADMIN/status" || true)
	python3 -c 'import json,sys
try: print(int(json.load(sys.stdin)["primary"].lstrip("s")))
except Exception: print(0)' <<<"$status"
}

# ha_lost_on_writer: how many acknowledged creates the server dbproxy-1 writes to lacks (read
# there with SQL, whatever state the API is in).
ha_lost_on_writer() {
	local sock_var
	# shellcheck disable=SC1090
	source "$HA_CLUSTER_ENV"
	sock_var=SERVER$(ha_writer)_SOCKET
	mariadb --no-defaults -S "${!sock_var}" -u root -N -e "SELECT login FROM alternc.membres" \
		>"$work/on-writer" || {
		echo "?"
		return
	}
	comm -23 <(sort -u "$work/load/ledger") <(sort -u "$work/on-writer") | wc -l
}

# ha_check_ledger: every acknowledged create exists through the balancer.
ha_check_ledger() {
	local acked lost
	acked=$(ha_acked)
	((acked > 0)) || fail "no create was acknowledged"
	python3 "$root/tests/ha/ha_client.py" missing "$work/load" "$HA_URL" "$HA_TOKEN" \
		>"$work/missing" || fail "reading the accounts back"
	lost=$(wc -l <"$work/missing")
	((lost == 0)) || fail "$lost of $acked acknowledged creates lost: $(head -n 5 "$work/missing" | tr '\n' ' ')"
	echo "ok - $acked acknowledged creates, every one there after the faults (0 lost)"
}

# ha_check_sanitizers: stops the platform, then no daemon's log may hold a sanitizer report
# (ASan, UBSan, LeakSanitizer at exit) in the build under test.
ha_check_sanitizers() {
	local reports
	"$root/tools/run-ha.sh" stop "$HA_DIR"
	mapfile -t reports < <(grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
		"$HA_DIR"/*.log || true)
	((${#reports[@]} == 0)) || fail "sanitizer reports in ${reports[*]}:" \
		"$(grep -h -m 3 -E 'ERROR: |runtime error:' "${reports[@]}")"
	echo "ok - no sanitizer report in the daemons' logs"
}

# ha_netns_allowed: network namespaces can be made here (root with CAP_NET_ADMIN), so that
# HA_NETNS=1 runs panel-api-1 in one of its own (tools/run-ha.sh) and its paths can be cut.
ha_netns_allowed() {
	local probe=panelha-probe-$$
	((EUID == 0)) && command -v ip >/dev/null || return 1
	ip netns add "$probe" 2>/dev/null || return 1
	ip netns del "$probe"
}

# ha_netns_cut PATH / ha_netns_heal PATH: cuts (a blackhole route in panel-api-1's namespace) or
# repairs one of its paths: haproxy (HAProxy and everything else in the root namespace reach
# panel-api-1 from that address: its answers and health checks are lost) or db (dbproxy-1's
# address: panel-api-1 still answers, but not its database).
ha_netns_ip() {
	[[ -n ${HA_NETNS_NAME:-} ]] || fail "the platform runs without HA_NETNS=1"
	case $1 in
	haproxy) echo "$HA_NETNS_HAPROXY_IP" ;;
	db) echo "$HA_NETNS_DB_IP" ;;
	*) fail "no network path named $1" ;;
	esac
}
ha_netns_cut() {
	local ip
	ip=$(ha_netns_ip "$1")
	ip -n "$HA_NETNS_NAME" route add blackhole "$ip/32" || fail "cutting $1 ($ip)"
}
ha_netns_heal() {
	local ip
	ip=$(ha_netns_ip "$1")
	ip -n "$HA_NETNS_NAME" route del blackhole "$ip/32" || fail "repairing $1 ($ip)"
}
