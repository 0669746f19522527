#!/usr/bin/env bash
# `make run HA=1`: the demo without a single point of failure in front of the database: three
# MariaDB servers, two dbproxies, two panel-apis (each on its own dbproxy), the actions runner and
# HAProxy balancing the panel-apis; pids in DIR/<name>.pid. Also what the HA tests start and stop.
#
#   tools/run-ha.sh [BUILD] [--dir DIR] [--background] [--owner-pid PID]
#       start (BUILD: build/release; DIR: $RUN_DIR, else ./run). In the foreground it prints
#       the URLs and stops everything on Ctrl-C; --background returns once everything answers,
#       with DIR/ha.env written, and everything stops when PID (default: the caller) exits or
#       on `stop`.
#   tools/run-ha.sh stop DIR               stops what a start in DIR started (idempotent)
#   tools/run-ha.sh restart DIR NAME       starts NAME again with its first command line and
#                                          waits until it answers; NAME is a pid file's name
#
# Names: mariadb-primary, mariadb-replica-1, mariadb-replica-2 (roles at start: after a failover
# the "replica" may be the primary), dbproxy-1, dbproxy-2, panel-api-1, panel-api-2, runner,
# haproxy. docs/operations.md ("The HA demo") describes the layout and HAProxy's settings.
#
# HA_NETNS=1 (root): panel-api-1 runs in a network namespace of its own (the "web machine"),
# joined to this one by a veth pair, so that the tests can cut its network paths (ha_netns_cut in
# tests/ha/lib.sh). Names and addresses are in DIR/netns.env and DIR/ha.env; `stop` removes them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
self=$root/tools/run-ha.sh
cd "$root"
# shellcheck source=tools/run-lib.sh
source tools/run-lib.sh

names=(haproxy panel-api-1 panel-api-2 runner dbproxy-1 dbproxy-2)
db_names=(mariadb-primary mariadb-replica-1 mariadb-replica-2)

die() {
	echo "run-ha: $*" >&2
	exit 1
}

# ha_alive DIR NAME: NAME's process runs (a pid reused by another program, or a zombie, is
# not it: every command line names a file in DIR).
ha_alive() {
	local pid cmdline
	pid=$(cat "$1/$2.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmdline == *"$1/"* ]]
}

# ha_spawn DIR NAME: starts the command saved in DIR/NAME.cmd, output to DIR/NAME.log, pid to
# DIR/NAME.pid, standard input /dev/null.
ha_spawn() {
	local dir=$1 name=$2 cmd
	eval "cmd=($(cat "$dir/$name.cmd"))"
	"${cmd[@]}" </dev/null >>"$dir/$name.log" 2>&1 &
	echo $! >"$dir/$name.pid"
}

# ha_define DIR NAME CMD...: saves CMD for ha_spawn and restart.
ha_define() {
	local dir=$1 name=$2
	shift 2
	printf '%q ' "$@" >"$dir/$name.cmd"
}

# ha_wait_http URL PID LOG WHAT: waits (20 s at most) until URL answers 200 while PID lives.
ha_wait_http() {
	local url=$1 pid=$2 log=$3 what=$4 _
	for _ in $(seq 1 200); do
		[[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" || true) == 200 ]] && return 0
		kill -0 "$pid" 2>/dev/null || {
			tail -n 20 "$log" >&2
			die "$what exited"
		}
		sleep 0.1
	done
	tail -n 20 "$log" >&2
	die "$what does not answer 200 on $url"
}

# ha_ready DIR NAME: waits until NAME (just spawned) serves.
ha_ready() {
	local dir=$1 name=$2 pid
	pid=$(cat "$dir/$name.pid")
	case $name in
	dbproxy-*)
		local port_var=HA_${name^^}_PORT
		port_var=${port_var//-/}
		local host_var=${port_var%_PORT}_HOST
		run_wait_routed "${!port_var}" "$pid" "$dir/$name.log" "${!host_var:-127.0.0.1}" ||
			die "$name does not route"
		;;
	panel-api-*)
		local port_var=HA_API${name##*-}_PORT host_var=HA_API${name##*-}_HOST
		ha_wait_http "http://${!host_var:-127.0.0.1}:${!port_var}/healthz" "$pid" \
			"$dir/$name.log" "$name"
		;;
	haproxy)
		ha_wait_http "http://127.0.0.1:$HA_STATS_PORT/" "$pid" "$dir/$name.log" "$name"
		;;
	runner)
		sleep 0.2
		kill -0 "$pid" 2>/dev/null || {
			tail -n 20 "$dir/$name.log" >&2
			die "the runner exited"
		}
		;;
	esac
}

# ha_netns_up DIR: panel-api-1's network namespace (HA_NETNS=1), named after this shell's pid
# (panelha-PID, veth phaPIDa in this namespace, phaPIDb in it: test_dbproxy_partition uses
# dpt/dpv and 10.231.x) on the first free 10.232.N.0/24: here .1 (HAProxy's side) and .3/32
# (where dbproxy-1 listens: a blackhole route to it there cuts panel-api-1 from its database
# only), there .2 (panel-api-1). Sets HA_NETNS_* and HA_API1_HOST; the names are saved in
# DIR/netns.env first, so that a failed start is cleaned up too.
ha_netns_up() {
	local dir=$1 n i
	((EUID == 0)) || die "HA_NETNS=1 needs root (ip netns)"
	command -v ip >/dev/null || die "HA_NETNS=1 needs ip (iproute2)"
	HA_NETNS_NAME=panelha-$$
	HA_NETNS_VETH=pha$$
	n=$(($$ % 250 + 1))
	for ((i = 0; i < 250; i++, n = n % 250 + 1)); do
		[[ $(ip -o addr show) == *"inet 10.232.$n."* ]] || break
	done
	((i < 250)) || die "no free 10.232.N.0/24 for HA_NETNS=1"
	HA_NETNS_HAPROXY_IP=10.232.$n.1
	HA_API1_HOST=10.232.$n.2
	HA_NETNS_DB_IP=10.232.$n.3
	printf 'HA_NETNS_NAME=%s\nHA_NETNS_VETH=%s\n' "$HA_NETNS_NAME" "$HA_NETNS_VETH" >"$dir/netns.env"
	ip netns add "$HA_NETNS_NAME" || die "ip netns add $HA_NETNS_NAME failed (no CAP_NET_ADMIN?)"
	ip link add "${HA_NETNS_VETH}a" type veth peer name "${HA_NETNS_VETH}b" netns "$HA_NETNS_NAME"
	ip addr add "$HA_NETNS_HAPROXY_IP/24" dev "${HA_NETNS_VETH}a"
	ip addr add "$HA_NETNS_DB_IP/32" dev "${HA_NETNS_VETH}a"
	ip link set "${HA_NETNS_VETH}a" up
	ip -n "$HA_NETNS_NAME" link set lo up
	ip -n "$HA_NETNS_NAME" addr add "$HA_API1_HOST/24" dev "${HA_NETNS_VETH}b"
	ip -n "$HA_NETNS_NAME" link set "${HA_NETNS_VETH}b" up
}

# ha_netns_down DIR: removes what ha_netns_up made (idempotent).
ha_netns_down() {
	local dir=$1 HA_NETNS_NAME HA_NETNS_VETH
	[[ -f $dir/netns.env ]] || return 0
	# shellcheck disable=SC1091
	source "$dir/netns.env"
	ip netns del "$HA_NETNS_NAME" 2>/dev/null || true
	ip link del "${HA_NETNS_VETH}a" 2>/dev/null || true
	rm -f "$dir/netns.env"
}

# ha_stop DIR: SIGTERM (after SIGCONT: it may be stopped) to each process, SIGKILL after 5 s,
# then the MariaDB servers and the network namespace.
ha_stop() {
	local dir=$1 name pid i
	for name in "${names[@]}"; do
		ha_alive "$dir" "$name" || continue
		pid=$(cat "$dir/$name.pid")
		kill -TERM "$pid" 2>/dev/null || true
		kill -CONT "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			ha_alive "$dir" "$name" || break
			sleep 0.1
		done
		if ha_alive "$dir" "$name"; then
			echo "run-ha: $name did not stop within 5 s: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	tests/harness/mariadb-cluster stop "$dir/mariadb" >/dev/null 2>&1 || true
	ha_netns_down "$dir"
	rm -f "$dir/ha.env"
}

# ha_guard DIR OWNER: stops everything when OWNER exits without doing it (kill -9 of the demo,
# a test that dies). Detached, in its own session: the terminal's Ctrl-C is not for it.
ha_guard() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	setsid bash -c 'while kill -0 "$2" 2>/dev/null && [[ -e $1/ha.env ]]; do sleep 1; done
		[[ -e $1/ha.env ]] && "$0" stop "$1"' "$self" "$1" "$2" </dev/null >/dev/null 2>&1 &
}

# ---------------------------------------------------------------- stop, restart
if [[ ${1:-} == stop ]]; then
	[[ -n ${2:-} ]] || die "usage: run-ha.sh stop DIR"
	dir=$(cd "$2" 2>/dev/null && pwd) || exit 0
	ha_stop "$dir"
	exit 0
fi
if [[ ${1:-} == restart ]]; then
	[[ -n ${2:-} && -n ${3:-} ]] || die "usage: run-ha.sh restart DIR NAME"
	dir=$(cd "$2" && pwd)
	name=$3
	[[ -f $dir/ha.env ]] || die "nothing runs in $dir"
	# shellcheck disable=SC1091
	source "$dir/ha.env"
	# shellcheck disable=SC1090
	source "$HA_CLUSTER_ENV"
	case $name in
	mariadb-*)
		idx=0
		[[ $name == mariadb-replica-* ]] && idx=${name##*-}
		# Read-only whatever it was, as docs/dbproxy.md asks of every server's configuration: a
		# returning old primary must not take writes before a dbproxy fences it.
		args=$dir/mariadb/server$idx/args
		if ! grep -qx -- --read-only=1 "$args"; then
			echo --read-only=1 >>"$args"
		fi
		tests/harness/mariadb-cluster start-server "$dir/mariadb" "$idx"
		;;
	*)
		[[ -f $dir/$name.cmd ]] || die "no process named $name"
		! ha_alive "$dir" "$name" || die "$name is running (pid $(cat "$dir/$name.pid"))"
		ha_spawn "$dir" "$name"
		ha_ready "$dir" "$name"
		;;
	esac
	exit 0
fi

# ---------------------------------------------------------------- start
build=build/release
dir=${RUN_DIR:-$root/run}
background=0
owner=$$
while (($# > 0)); do
	case $1 in
	--dir)
		mkdir -p "$2"
		dir=$(cd "$2" && pwd)
		shift 2
		;;
	--background)
		background=1
		owner=$PPID
		shift
		;;
	--owner-pid)
		owner=$2
		shift 2
		;;
	-*) die "unknown option $1" ;;
	*)
		build=$1
		shift
		;;
	esac
done
[[ $build == /* ]] || build=$root/$build
for bin in dbproxy panel-api panelctl; do
	[[ -x $build/bin/$bin ]] || die "$build/bin/$bin is not built (make all)"
done
command -v haproxy >/dev/null || die "haproxy is not installed (make deps)"
if [[ -e $dir/ha.env || -e $dir/netns.env ]]; then
	"$self" stop "$dir"
fi
mkdir -p "$dir"
rm -f "$dir"/*.pid "$dir"/*.cmd "$dir"/*.log
cluster=$dir/mariadb

started=0
on_exit() {
	# The foreground demo always stops; a background start only when it failed.
	if ((background == 0 || started == 0)); then
		((background)) || printf '\nrun: stopping\n'
		ha_stop "$dir"
		# The loop's `sleep 3600` ignores Ctrl-C's SIGINT (a background job of a script):
		# waiting for it would hold the terminal for up to an hour.
		jobs -p | xargs -r kill 2>/dev/null || true
		wait 2>/dev/null || true
	fi
}
trap on_exit EXIT
trap 'exit 0' INT TERM

echo "run: starting MariaDB primary + 2 replicas in $cluster"
# The harness's guard stops the servers when the owner exits; ha_guard does the rest.
run_cluster_start "$cluster" 2 "$owner" "$dir/cluster.log"
for i in 0 1 2; do
	pidfile_var=SERVER${i}_PIDFILE
	# A link: start-server writes a new pid there.
	ln -sfn "${!pidfile_var}" "$dir/${db_names[i]}.pid"
done
run_secrets "$dir"
# The panel's own user with explicit rights (its database, the members' databases and users),
# not the superuser: that one holds READ_ONLY ADMIN, which writes through read_only=1, so a
# dbproxy's fence would not stop the panel's writes on a server that is not the writer
# (docs/architecture.md, "Facts learned on MariaDB 10.11").
(
	umask 077
	head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/panel-db.secret"
)
mariadb -S "$SERVER0_SOCKET" -u root <<SQL
CREATE USER panel@'127.0.0.1' IDENTIFIED BY '$(cat "$dir/panel-db.secret")';
GRANT ALL PRIVILEGES ON alternc.* TO panel@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`%\\_%\`.* TO panel@'127.0.0.1' WITH GRANT OPTION;
GRANT SELECT ON mysql.user TO panel@'127.0.0.1';
GRANT CREATE USER ON *.* TO panel@'127.0.0.1';
SQL

run_free_port HA_DBPROXY1_PORT
run_free_port HA_DBPROXY2_PORT
run_free_port HA_DBPROXY1_ADMIN
run_free_port HA_DBPROXY2_ADMIN
run_free_port HA_API1_PORT
run_free_port HA_API2_PORT
run_free_port HA_HAPROXY_PORT
run_free_port HA_STATS_PORT
HA_API1_HOST=127.0.0.1
HA_DBPROXY1_HOST=127.0.0.1
HA_NETNS_NAME='' HA_NETNS_HAPROXY_IP='' HA_NETNS_DB_IP=''
if [[ ${HA_NETNS:-} == 1 ]]; then
	ha_netns_up "$dir"
	# dbproxy-1 listens where panel-api-1 reaches it (the runner, here, reaches it there too).
	HA_DBPROXY1_HOST=$HA_NETNS_DB_IP
	echo "run: panel-api-1 in network namespace $HA_NETNS_NAME at $HA_API1_HOST"
fi

# Two dbproxies in front of the same servers. Each would fail over on its own view and fence the
# other's primary; with cooperative monitoring (the dbproxy that holds a named lock on a majority
# of the servers acts, the other follows) both can watch the servers. A dbproxy without it: only
# dbproxy-1 fails over, dbproxy-2 (--auto-failover off) routes to its remembered primary, and
# after a failover it sees the new primary as a second writer and fences it: the primary's loss
# needs cooperative monitoring (see docs/operations.md, "The HA demo").
help=$("$build/bin/dbproxy" --help 2>&1 || true)
if [[ $help == *cooperative* ]]; then
	cooperative=1
	extra1=(--cooperative-monitoring majority)
	extra2=(--cooperative-monitoring majority)
else
	cooperative=0
	extra1=()
	extra2=(--auto-failover off)
fi
# panel-apis and the runner reach their dbproxy on their own machine: one whose peer stops
# answering (a cut, a frozen VM) is dropped in 3 s, and its server session, its locks (an
# Idempotency-Key's claim) and its transaction with it, instead of dbproxy's default 10 s.
if [[ $help == *client-dead* ]]; then
	extra1+=(--client-dead-ms 3000)
	extra2+=(--client-dead-ms 3000)
fi
# shellcheck disable=SC2153 # set by run_free_port
run_dbproxy_args "$dir" dbproxy-1 "$HA_DBPROXY1_PORT" "$HA_DBPROXY1_ADMIN" \
	"$HA_DBPROXY1_HOST"
ha_define "$dir" dbproxy-1 "$build/bin/dbproxy" "${dbproxy_args[@]}" "${extra1[@]}"
run_dbproxy_args "$dir" dbproxy-2 "$HA_DBPROXY2_PORT" "$HA_DBPROXY2_ADMIN"
ha_define "$dir" dbproxy-2 "$build/bin/dbproxy" "${dbproxy_args[@]}" "${extra2[@]}"
echo "run: starting dbproxy-1 on $HA_DBPROXY1_HOST:$HA_DBPROXY1_PORT, dbproxy-2 on 127.0.0.1:$HA_DBPROXY2_PORT"
ha_spawn "$dir" dbproxy-1
ha_spawn "$dir" dbproxy-2
ha_ready "$dir" dbproxy-1
ha_ready "$dir" dbproxy-2

# panel-api-N on dbproxy-N, at a fixed port: HAProxy finds a restarted one where it was.
# shellcheck disable=SC2153 # set by run_free_port
run_panel_conf "$dir/panel-1.conf" "$dir" "$HA_DBPROXY1_PORT" "$HA_API1_HOST:$HA_API1_PORT" panel \
	"$dir/panel-db.secret" "$HA_DBPROXY1_HOST"
run_panel_conf "$dir/panel-2.conf" "$dir" "$HA_DBPROXY2_PORT" "127.0.0.1:$HA_API2_PORT" panel \
	"$dir/panel-db.secret"
run_schema_and_admin "$build/bin/panelctl" "$dir/panel-1.conf" "$dir"
mkdir -p "$dir/alternc"
# One runner (on dbproxy-1): actions are claimed in the database, a second one would only wait.
ha_define "$dir" runner "$build/bin/panelctl" -c "$dir/panel-1.conf" actions watch
netns_exec=()
[[ -n $HA_NETNS_NAME ]] && netns_exec=(ip netns exec "$HA_NETNS_NAME")
ha_define "$dir" panel-api-1 "${netns_exec[@]}" "$build/bin/panel-api" -c "$dir/panel-1.conf"
ha_define "$dir" panel-api-2 "$build/bin/panel-api" -c "$dir/panel-2.conf"
ha_spawn "$dir" runner
ha_spawn "$dir" panel-api-1
ha_spawn "$dir" panel-api-2
ha_ready "$dir" runner
ha_ready "$dir" panel-api-1
ha_ready "$dir" panel-api-2

# HAProxy in HTTP mode; docs/operations.md ("The HA demo") explains each choice.
cat >"$dir/haproxy.cfg" <<CFG
# Written by tools/run-ha.sh: the HA demo's balancer in front of the two panel-apis.
global
	log stderr format short local0 info
	maxconn 2000
	stats socket $dir/haproxy.sock mode 600 level admin

defaults
	mode http
	log global
	option httplog
	timeout connect 500ms
	timeout client 30s
	# A panel-api that stops answering (SIGSTOP, a hang): its requests are sent again elsewhere
	# after this long (response-timeout below).
	timeout server 3s
	timeout check 500ms
	timeout http-keep-alive 10s
	# Up to 3 more attempts, each on another server (redispatch 1: every retry).
	retries 3
	option redispatch 1
	# Safe to resend: the request did not reach a server (conn-failure), the server died or hung
	# before answering (empty-response, junk-response, response-timeout) or said the database
	# is unavailable (503). HAProxy 2.6 resends any method: the rule below keeps other writes
	# to connection failures only.
	retry-on conn-failure empty-response junk-response response-timeout 503
	# A request is only resent when HAProxy holds all of it: wait for the whole body before
	# connecting (without this, a POST whose body comes after its headers is never resent).
	option http-buffer-request

frontend panel
	bind 127.0.0.1:$HA_HAPROXY_PORT
	default_backend panel_api

backend panel_api
	balance roundrobin
	option httpchk GET /healthz
	http-check expect status 200
	acl idempotent_method method GET HEAD
	acl has_idempotency_key req.hdr(Idempotency-Key) -m found
	http-request disable-l7-retry unless idempotent_method || has_idempotency_key
	default-server inter 250ms fastinter 250ms downinter 500ms fall 2 rise 2
	server api1 $HA_API1_HOST:$HA_API1_PORT check
	server api2 127.0.0.1:$HA_API2_PORT check
	# Fail open: when both checks fail (the database fails over: /healthz waits or answers 503
	# on both), requests still go to whichever panel-api accepts them, and wait there for the
	# new primary instead of getting HAProxy's own 503 at once.
	option allbackups
	server api1-open $HA_API1_HOST:$HA_API1_PORT backup
	server api2-open 127.0.0.1:$HA_API2_PORT backup

listen stats
	bind 127.0.0.1:$HA_STATS_PORT
	stats enable
	stats uri /
	stats refresh 1s
CFG
haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy refuses $dir/haproxy.cfg"
ha_define "$dir" haproxy haproxy -db -f "$dir/haproxy.cfg"
ha_spawn "$dir" haproxy
ha_ready "$dir" haproxy
url=http://127.0.0.1:$HA_HAPROXY_PORT
for _ in $(seq 1 50); do
	token=$(run_login "$url" "$admin_password")
	[[ -n $token ]] && break
	sleep 0.1
done
[[ -n $token ]] || die "could not log in through HAProxy"

{
	echo "# Written by tools/run-ha.sh: the HA demo in $dir (pids at start; current ones in $dir/<name>.pid)."
	echo "HA_DIR=$dir"
	echo "HA_BUILD=$build"
	echo "HA_URL=$url"
	echo "HA_TOKEN=$token"
	echo "HA_ADMIN_PASSWORD=$admin_password"
	echo "HA_COOPERATIVE=$cooperative"
	echo "HA_CLUSTER_ENV=$cluster/cluster.env"
	echo "HA_HAPROXY_SOCKET=$dir/haproxy.sock"
	for v in HA_HAPROXY_PORT HA_STATS_PORT HA_API1_PORT HA_API2_PORT HA_DBPROXY1_PORT \
		HA_DBPROXY2_PORT HA_DBPROXY1_ADMIN HA_DBPROXY2_ADMIN HA_API1_HOST HA_DBPROXY1_HOST \
		HA_NETNS_NAME HA_NETNS_HAPROXY_IP HA_NETNS_DB_IP; do
		echo "$v=${!v}"
	done
	for name in "${db_names[@]}" "${names[@]}"; do
		v=HA_PID_${name^^}
		echo "${v//-/_}=$(cat "$dir/$name.pid")"
	done
} >"$dir/ha.env.tmp"
chmod 600 "$dir/ha.env.tmp"
mv "$dir/ha.env.tmp" "$dir/ha.env"
ha_guard "$dir" "$owner"
started=1
if ((background)); then
	echo "$dir/ha.env"
	exit 0
fi

if ((cooperative)); then
	coop="both with cooperative monitoring (the one holding the majority lock fails over)"
else
	coop="dbproxy-1 fails over; dbproxy-2 has --auto-failover off (no cooperative monitoring in this build)"
fi
cat <<MSG

The HA demo is running (Ctrl-C stops it and removes the servers' data).
  balancer          $url   (HAProxy; stats http://127.0.0.1:$HA_STATS_PORT/)
  admin             login admin, password $admin_password
  admin token       $token
  panel-api-1       http://$HA_API1_HOST:$HA_API1_PORT   on dbproxy-1   (log: $dir/panel-api-1.log)
  panel-api-2       http://127.0.0.1:$HA_API2_PORT   on dbproxy-2   (log: $dir/panel-api-2.log)
  dbproxy-1         $HA_DBPROXY1_HOST:$HA_DBPROXY1_PORT   (admin http://127.0.0.1:$HA_DBPROXY1_ADMIN)
  dbproxy-2         127.0.0.1:$HA_DBPROXY2_PORT   (admin http://127.0.0.1:$HA_DBPROXY2_ADMIN)
                    $coop
  MariaDB           127.0.0.1:$SERVER0_PORT (primary), $SERVER1_PORT and $SERVER2_PORT (semi-sync replicas)
  actions runner    panelctl actions watch   (log: $dir/runner.log; files in $dir/alternc)
  pids              $dir/<name>.pid; environment in $dir/ha.env

Try:
  export API=$url TOKEN=$token
  curl -H "Authorization: Bearer \$TOKEN" \$API/api/v1/accounts
  curl -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: alice-1' \\
       -d '{"login": "alice", "password": "Alice-pass-1", "mail": "alice@example.net"}' \$API/api/v1/accounts
  kill -9 \$(cat $dir/panel-api-1.pid)     # the API keeps answering through the balancer
  tools/run-ha.sh restart $dir panel-api-1
  kill -STOP \$(cat $dir/panel-api-2.pid); sleep 3; kill -CONT \$(cat $dir/panel-api-2.pid)
MSG
if [[ -n $HA_NETNS_NAME ]]; then
	cat <<MSG
  panel-api-1 runs in network namespace $HA_NETNS_NAME; cut it from its database, then repair:
  ip -n $HA_NETNS_NAME route add blackhole $HA_NETNS_DB_IP/32
  ip -n $HA_NETNS_NAME route del blackhole $HA_NETNS_DB_IP/32
  (from HAProxy: $HA_NETNS_HAPROXY_IP/32)
MSG
fi
while :; do
	sleep 3600 &
	wait $! # a plain sleep would delay the trap until it ends
done
