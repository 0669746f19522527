#!/usr/bin/env bash
# The HA platform (tools/run-ha.sh) under faults, longer than tests/ha/test_ha_platform.sh (make
# bench; not part of make check): kill -9 and SIGSTOP (STOP_S seconds, default 3) of each part in
# turn, CYCLES times each (default 3; once for the primary MariaDB), a fresh platform per fault,
# under the client load of tests/ha/ha_client.py. Writes BUILD/bench/ha-platform.txt: per fault
# the longest time the client saw errors, the failed requests, the slowest answer, and the
# acknowledged creates missing from the writer afterwards. Network cuts (CUT_S seconds, default 5;
# panel-api-1 in a network namespace, tools/run-ha.sh HA_NETNS=1; skipped where ip netns is not
# allowed): "panel-api-1 CUT-HAPROXY" (HAProxy's path to it), "panel-api-1 CUT-DB" (its path to
# dbproxy-1). FAULTS (comma-separated "NAME SIGNAL") picks some; PANEL_HA_KEEP=1 keeps the last
# platform's logs. See docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
[[ $build == /* ]] || build=$root/$build
cycles=${CYCLES:-3}
stop_s=${STOP_S:-3}
cut_s=${CUT_S:-5}
out=$build/bench
mkdir -p "$out"
# shellcheck source=tests/ha/lib.sh
source "$root/tests/ha/lib.sh"
# Record what happens, whatever it is: a fault the platform does not recover from is a result.
export HA_LENIENT=1

ha_setup

# health_of NAME: the HAProxy server that shows NAME's health (its panel-api), or nothing.
health_of() {
	case $1 in
	panel-api-1 | dbproxy-1) echo api1 ;;
	panel-api-2 | dbproxy-2) echo api2 ;;
	esac
}

# since T0: hundredths of a second since T0 (an $EPOCHREALTIME); secs CS: them in seconds.
since() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN { printf "%d", (a - b) * 100 }'; }
secs() { awk -v c="$1" 'BEGIN { printf "%.2f", c / 100 }'; }

# inject NAME SIGNAL: the fault and its repair. KILL: the process dies, the platform runs without
# it for 1.5 s, then it is started again (a killed primary after the failover, if one happens
# within 30 s). STOP: stopped for STOP_S seconds, then continued. CUT-HAPROXY, CUT-DB: the path
# cut for CUT_S seconds, then repaired (ha_netns_cut in tests/ha/lib.sh).
inject() {
	local name=$1 sig=$2 server i
	server=$(health_of "$name")
	if [[ $sig == CUT-* ]]; then
		# Also how long HAProxy took to take panel-api-1 out, and to put it back.
		local path=${sig#CUT-} t0 down=never
		t0=$EPOCHREALTIME
		ha_netns_cut "${path,,}"
		while (($(since "$t0") < cut_s * 100)); do
			if [[ $down == never && $(ha_haproxy_state "$server") == DOWN ]]; then
				down=$(since "$t0")
			fi
			sleep 0.05
		done
		ha_netns_heal "${path,,}"
		t0=$EPOCHREALTIME
		ha_wait_haproxy "$server" UP || true
		[[ $down == never ]] || down="$(secs "$down") s"
		echo "# $name $sig: HAProxy saw $server DOWN $down after the cut, UP" \
			"$(secs "$(since "$t0")") s after the repair" | tee -a "$report"
	elif [[ $sig == STOP ]]; then
		ha_signal "$name" STOP
		sleep "$stop_s"
		ha_signal "$name" CONT
	else
		local writer_before
		writer_before=$(ha_writer)
		ha_signal "$name" KILL
		if [[ $name == mariadb-primary ]]; then
			for ((i = 0; i < 300; i++)); do
				[[ $(ha_writer) != "$writer_before" ]] && break
				sleep 0.1
			done
			echo "# dbproxy-1 writes to s$(ha_writer) (was s$writer_before)"
		fi
		sleep 1.5
		"$root/tools/run-ha.sh" restart "$HA_DIR" "$name" >>"$work/restart.log" 2>&1 ||
			ha_fail_or_note "$name did not restart" || true
	fi
	if [[ -n $server ]]; then
		ha_wait_haproxy "$server" UP || true
	fi
}

faults=(
	"panel-api-1 KILL" "panel-api-1 STOP" "panel-api-2 KILL" "panel-api-2 STOP"
	"dbproxy-1 KILL" "dbproxy-1 STOP" "dbproxy-2 KILL" "dbproxy-2 STOP"
	"runner KILL" "runner STOP"
	"mariadb-replica-1 KILL" "mariadb-replica-1 STOP"
	"mariadb-primary KILL" "mariadb-primary STOP"
	"panel-api-1 CUT-HAPROXY" "panel-api-1 CUT-DB"
)
# FAULTS="dbproxy-1 KILL,runner STOP" runs those only.
if [[ -n ${FAULTS:-} ]]; then
	IFS=, read -r -a faults <<<"$FAULTS"
fi
report=$out/ha-platform.txt
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "HA platform faults, $(date -u +%FT%TZ), $(nproc) CPUs, load average at start $load"
	echo "build $build, $cycles cycle(s) per fault (1 for the primary), SIGSTOP for $stop_s s," \
		"network cuts for $cut_s s"
} | tee "$report"
results=()
k=0
for f in "${faults[@]}"; do
	read -r name sig <<<"$f"
	k=$((k + 1))
	n=$cycles
	[[ $name == mariadb-primary ]] && n=1
	"$root/tools/run-ha.sh" stop "$work/ha" >/dev/null 2>&1 || true
	rm -rf "$work/ha" "$work/load" "$work/phases"
	echo "== $name $sig"
	netns=0
	if [[ $sig == CUT-* ]]; then
		if ! ha_netns_allowed; then
			echo "# skipped: ip netns is not allowed here (not root, or no CAP_NET_ADMIN)"
			results+=("| $sig $name | skipped: ip netns not allowed | | | | | |")
			continue
		fi
		netns=1
	fi
	HA_NETNS=$netns ha_start
	ha_load_start "$(printf '%c' {a..z} | cut -c"$k")"
	for ((c = 1; c <= n; c++)); do
		ha_phase_begin
		inject "$name" "$sig"
		ha_phase_end "$name $sig #$c"
	done
	ha_load_stop
	acked=$(ha_acked)
	lost=$(ha_lost_on_writer)
	# The worst cycle of the fault.
	row=$(awk -F'\t' '
		{ if ($2 > w) w = $2; e += $3; t += $4; if ($5 > s) s = $5; if ($7 == "no") r = "no" }
		END { printf "%.2f\t%d/%d\t%.2f\t%s", w, e, t, s, r == "no" ? "no" : "yes" }' "$work/phases")
	IFS=$'\t' read -r window failed slowest recovered <<<"$row"
	kinds=$(cut -f6 "$work/phases" | paste -sd' ')
	results+=("$(printf '| %s %s | %s s | %s | %s s | %s | %s of %s | %s |' "$sig" "$name" \
		"$window" "$failed" "$slowest" "$recovered" "$lost" "$acked" "$kinds")")
done
{
	echo
	echo "| fault | longest error window | failed / requests | slowest answer | recovered | acknowledged creates lost | errors seen (per cycle) |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	printf '%s\n' "${results[@]}"
	echo
	echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$report"
echo "report: $report"
