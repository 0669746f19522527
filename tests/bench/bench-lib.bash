# Shared set-up of the benchmarks that run on one throwaway MariaDB server (sourced by them;
# not a *.sh, which make bench would run):
# bench_server starts the server in a new work folder, bench_db_conf writes the [database]
# section of a panel configuration for it, and on exit everything is stopped and removed,
# with the processes listed in bench_pids.
# shellcheck shell=bash

mc=tests/harness/mariadb-cluster
bench_pids=()

bench_cleanup() {
	local rc=$? pid
	for pid in "${bench_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	"$mc" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$work"
	exit "$rc"
}

# bench_server NAME DATABASE [START OPTIONS]: sets work and dir, the cluster's variables
# (SERVER0_PORT, CLUSTER_USER...), creates DATABASE and writes its password to $work/secret.
# The options go to mariadb-cluster start (default: one server, --replicas 0).
bench_server() {
	local env name=$1 db=$2
	shift 2
	(($#)) || set -- --replicas 0
	work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
	dir=$work/cluster
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	echo "== starting MariaDB ($*)" >&2
	env=$("$mc" start "$dir" "$@" --owner-pid $$ | tail -n 1)
	# shellcheck disable=SC1090
	. "$env"
	"$mc" sql "$dir" 0 "CREATE DATABASE $db"
	printf '%s\n' "$CLUSTER_PASSWORD" >"$work/secret"
}

# bench_db_conf DATABASE [PORT]: the [database] section of a panel configuration for that
# server (or a proxy of it on PORT).
bench_db_conf() {
	cat <<CONF
[database]
host = 127.0.0.1
port = ${2:-$SERVER0_PORT}
user = $CLUSTER_USER
password_file = $work/secret
name = $1
CONF
}

# bench_free_port: a TCP port free on loopback now.
bench_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
