# Helpers shared by `make run` (tools/run-demo.sh) and `make run HA=1` (tools/run-ha.sh), sourced,
# not run: free ports, the throwaway MariaDB servers, dbproxy, panel.conf, the first admin, login.
# shellcheck shell=bash

# run_free_port VAR: sets VAR to a free loopback port (nothing answers on it right now), below
# Linux's ephemeral range (32768-60999) where outgoing connections could take it meanwhile, and
# not one handed out before by this shell.
run_ports_taken=" "
run_free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 12000))
		[[ $run_ports_taken == *" $port "* ]] && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
			run_ports_taken+="$port "
			printf -v "$1" '%s' "$port"
			return
		}
	done
}

# run_cluster_start DIR REPLICAS OWNER_PID LOG: the test harness's primary and REPLICAS semi-sync
# replicas in DIR (an earlier one there is stopped first), durable as in production
# (sync_binlog=1, binlog_format=ROW: dbproxy's settings checks find nothing to report), its
# cluster.env sourced, the panel database created; stopped by the harness's guard when
# OWNER_PID exits.
run_cluster_start() {
	local dir=$1 replicas=$2 owner=$3 log=$4
	if [[ -e $dir ]]; then
		tests/harness/mariadb-cluster stop "$dir" >/dev/null 2>&1 || true
	fi
	# As root the harness runs the servers as the mysql user, which must reach DIR (else it
	# runs them as root, their passwordless superuser a way to root for any local user): in a
	# clone under a folder closed to others (/root), the cluster lives in a new folder of
	# /tmp, and DIR links there.
	if ((EUID == 0)) && id mysql >/dev/null 2>&1 && [[ ! -L $dir ]] &&
		! runuser -u mysql -- test -x "$(dirname -- "$(realpath -m -- "$dir")")" 2>/dev/null; then
		rmdir -- "$dir" 2>/dev/null || true
		[[ -e $dir ]] || ln -s -- "$(mktemp -d /tmp/panel-run-mariadb.XXXXXX)" "$dir"
	fi
	tests/harness/mariadb-cluster start "$dir" --replicas "$replicas" --semisync --durable \
		--owner-pid "$owner" >"$log"
	# shellcheck disable=SC1091
	source "$dir/cluster.env"
	mariadb -S "$SERVER0_SOCKET" -u root -e "CREATE DATABASE IF NOT EXISTS alternc CHARACTER SET utf8mb4"
}

# run_secrets RUN: the cluster's passwords and a dbproxy admin token, as files in RUN.
run_secrets() {
	local run=$1
	(
		umask 077
		printf '%s\n' "$CLUSTER_PASSWORD" >"$run/db.secret"
		printf '%s\n' "$CLUSTER_REPL_PASSWORD" >"$run/repl.secret"
		head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$run/dbproxy-admin.token"
	)
}

# run_dbproxy_args RUN NAME PORT ADMIN_PORT [HOST]: sets the array dbproxy_args, dbproxy's
# options in front of every server of the cluster (the first the primary), listening on HOST
# (default 127.0.0.1), its state in RUN/NAME.state.
run_dbproxy_args() {
	local run=$1 name=$2 port=$3 admin=$4 host=${5:-127.0.0.1} i var
	dbproxy_args=(--listen "$host:$port")
	for ((i = 0; i < CLUSTER_SERVERS; i++)); do
		var=SERVER${i}_PORT
		dbproxy_args+=(--server "s$i=127.0.0.1:${!var}")
	done
	dbproxy_args+=(--monitor-user "$CLUSTER_USER" --monitor-password-file "$run/db.secret"
		--replication-user "$CLUSTER_REPL_USER" --replication-password-file "$run/repl.secret"
		--admin "127.0.0.1:$admin" --admin-token-file "$run/dbproxy-admin.token"
		--state-file "$run/$name.state")
	# The servers are new: a writer remembered from an earlier demo would fence the new primary.
	rm -f "$run/$name.state"
}

# run_wait_routed PORT PID LOG [HOST]: waits (10 s at most) until dbproxy PID routes a client on
# HOST:PORT (default host 127.0.0.1).
run_wait_routed() {
	local port=$1 pid=$2 log=$3 host=${4:-127.0.0.1} _
	for _ in $(seq 1 100); do
		MYSQL_PWD=$CLUSTER_PASSWORD mariadb -h "$host" -P "$port" -u "$CLUSTER_USER" \
			--connect-timeout=1 -e 'SELECT 1' >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || {
			cat "$log" >&2
			return 1
		}
		sleep 0.1
	done
	tail -n 20 "$log" >&2
	echo "run: dbproxy on port $port routes no client" >&2
	return 1
}

# run_panel_conf FILE RUN DB_PORT API_LISTEN [USER SECRET_FILE DB_HOST]: the demo's libpanel
# configuration, on the database through the dbproxy on DB_HOST:DB_PORT (default host
# 127.0.0.1) as USER (default: the cluster's superuser), panel-api listening on API_LISTEN
# (HOST:PORT, port 0: any).
run_panel_conf() {
	local file=$1 run=$2 db_port=$3 listen=$4 user=${5:-$CLUSTER_USER} secret=${6:-$2/db.secret}
	local db_host=${7:-127.0.0.1}
	local set_owners=no
	((EUID == 0)) && set_owners=yes
	cat >"$file" <<CONF
; Written by \`make run\`: the demo's libpanel configuration.
[database]
; through dbproxy, which follows the primary when it fails over
host = $db_host
port = $db_port
user = $user
password_file = $secret
name = alternc

[hosting]
fqdn = panel.demo.example
public_ip = 192.0.2.10
ns1 = ns1.demo.example
ns2 = ns2.demo.example
default_mx = mx.demo.example
; web roots, maildirs and the trash of the demo, made by \`panelctl actions watch\`
root = $run/alternc

[member_database]
; members' database users and a restore's account: the servers skip name resolution and see
; the demo's clients, dbproxy's relays included, as 127.0.0.1, never as localhost
client_host = 127.0.0.1

[runner]
; only root can give files to www-data and the members' groups
set_owners = $set_owners

[api]
listen = $listen
threads = 4
token_ttl = 86400
CONF
}

# run_schema_and_admin PANELCTL CONF RUN: migrates the schema and creates the first admin (uid
# 2000, AlternC's super admin) with a random password, kept in RUN/admin.secret and set in
# admin_password.
run_schema_and_admin() {
	local panelctl=$1 conf=$2 run=$3
	"$panelctl" -c "$conf" schema migrate
	admin_password=Demo-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	(
		umask 077
		printf '%s\n' "$admin_password" >"$run/admin.secret"
	)
	printf '%s\n' "$admin_password" |
		"$panelctl" -c "$conf" account add admin --mail admin@demo.example \
			--admin --password-file - >/dev/null
}

# run_wait_file FILE PID LOG WHAT: waits (10 s at most) until FILE is not empty while PID lives.
run_wait_file() {
	local file=$1 pid=$2 log=$3 what=$4 _
	for _ in $(seq 1 100); do
		[[ -s $file ]] && return 0
		kill -0 "$pid" 2>/dev/null || {
			cat "$log" >&2
			return 1
		}
		sleep 0.1
	done
	echo "run: $what did not start" >&2
	return 1
}

# run_login URL PASSWORD: a login token of admin from panel-api (or the balancer) at URL.
run_login() {
	local json
	json=$(printf '{"login": "admin", "password": "%s"}' "$2")
	curl -s -H 'Content-Type: application/json' -d "$json" "$1/api/v1/auth/login" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
