#!/usr/bin/env bash
# mtr-compare.sh: runs tests of MariaDB's own suite (mariadb-test-run, --extern mode) on a fresh
# server per test, once directly and once through dbproxy, and reports every test whose result
# through dbproxy differs from its direct result (docs/testing.md, "MariaDB's test suite through
# dbproxy").
#
#   tests/dbproxy/mtr-compare.sh [--short] [--list FILE] [--expected FILE] [--jobs N]
#                                [--keep DIR] [--no-rerun] [TEST...]
#
# Needs Debian's mariadb-test package (make deps installs it) and a built dbproxy
# ($PANEL_BUILD/bin/dbproxy, default build/release). Exit status 0 when every test behaves the
# same through dbproxy as directly, or differs only as listed in the expected-differences list.
# A test that differs unexpectedly is run again in both modes (unless --no-rerun): one that is
# the same then is reported as a timing race, not counted as a failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/tests/dbproxy
list=$here/mtr-tests.list
expected_file=$here/mtr-expected-differences.list
jobs=1
keep=''
rerun=1
tests=()
mtr_dir=${MTR_DIR:-/usr/share/mysql/mysql-test}
build=${PANEL_BUILD:-build/release}
[[ $build == /* ]] || build=$root/$build
dbproxy_bin=$build/bin/dbproxy
readonly MON_USER=dbproxy_mon
readonly MON_PASSWORD=mtr-compare-monitor
readonly TOKEN=mtr-compare-admin-token-0123456789
readonly TEST_TIMEOUT_MIN=5 # mariadb-test-run's --testcase-timeout, minutes

usage()
{
	sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while (($# > 0)); do
	case $1 in
	--short) list=$here/mtr-short.list ;;
	--list) list=$2; shift ;;
	--expected) expected_file=$2; shift ;;
	--jobs | -j) jobs=$2; shift ;;
	--keep) keep=$2; shift ;;
	--no-rerun) rerun=0 ;;
	-h | --help) usage ;;
	-*) echo "mtr-compare: unknown option $1" >&2; usage ;;
	*) tests+=("$1") ;;
	esac
	shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "mtr-compare: --jobs needs a number" >&2; exit 2; }

if ! dpkg-query -W -f='${Status}' mariadb-test 2>/dev/null | grep -q 'install ok installed' ||
	[[ ! -x $mtr_dir/mariadb-test-run ]]; then
	echo "mtr-compare: Debian's mariadb-test package is missing (run: make deps)" >&2
	exit 2
fi
[[ -x $dbproxy_bin ]] || { echo "mtr-compare: no $dbproxy_bin (run: make)" >&2; exit 2; }
for tool in mariadb curl; do
	command -v "$tool" >/dev/null || { echo "mtr-compare: $tool not found (run: make deps)" >&2; exit 2; }
done

# Test names: the command line, else the list file (one per line, # comments).
if ((${#tests[@]} == 0)); then
	[[ -f $list ]] || { echo "mtr-compare: no list $list" >&2; exit 2; }
	mapfile -t tests < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')
fi
((${#tests[@]} > 0)) || { echo "mtr-compare: no tests to run" >&2; exit 2; }
# Each test once: its results folder is named after it.
mapfile -t tests < <(printf '%s\n' "${tests[@]}" | awk '!seen[$0]++')
declare -A expected=()
if [[ -f $expected_file ]]; then
	while read -r name reason; do
		[[ -z $name || $name == \#* ]] && continue
		expected[$name]=$reason
	done <"$expected_file"
fi

# A short folder: mariadb-test-run's sockets must fit in 107 bytes.
work=$(mktemp -d "${TMPDIR:-/tmp}/mtrcmp.XXXXXX")
# The processes of one slot (one worker): dbproxy and the servers of the current test.
kill_slot()
{
	local vardir=$1 pidfile pid i
	if [[ -f $vardir/dbproxy.pid ]]; then
		pid=$(<"$vardir/dbproxy.pid")
		if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$vardir/"; then
			kill -TERM "$pid" 2>/dev/null || true
			kill -TERM "$pid" 2>/dev/null || true # the second one ends open sessions at once
			for ((i = 0; i < 100; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.05; done
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$vardir/dbproxy.pid"
	fi
	for pidfile in "$vardir"/run/*.pid; do
		[[ -f $pidfile ]] || continue
		pid=$(<"$pidfile")
		# Only a process started on this folder is ever signalled.
		if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] &&
			tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$vardir/"; then
			# SIGKILL: the server and its datadir are thrown away, a clean shutdown
			# would only cost time.
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 200; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.02; done
		fi
		rm -f "$pidfile"
	done
}
cleanup()
{
	local d
	trap - EXIT INT TERM
	# Workers first (they would start more), then whatever their current test left running.
	for d in $(jobs -p); do kill "$d" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for d in "$work"/slot*/var; do [[ -d $d ]] && kill_slot "$d"; done
	if [[ -n $keep ]]; then
		mkdir -p "$keep" && cp -a "$work"/results "$keep"/ 2>/dev/null || true
		[[ -d $work/reruns ]] && cp -a "$work"/reruns "$keep"/ 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback TCP port in 20000-32000 (below Linux's ephemeral range).
free_port()
{
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# mariadb-test-run's result word for a test in its output: pass, fail, skipped...
mtr_result()
{
	local name=$1 log=$2 r
	r=$(sed -n "s/^$name[[:space:]]*\[ \([a-z-]*\) \].*/\1/p" "$log" | tail -n 1)
	echo "${r:-error}"
}

# Runs one test in one mode (direct|proxied) in slot folder $3, results under results/TEST.
run_mode()
{
	local name=$1 mode=$2 slot=$3 out=$4
	local vardir=$slot/var port sock dport aport target_port target_sock i r routing=""
	rm -rf "$vardir"
	# A fresh, bootstrapped server with the test's own options (-master.opt, the
	# combinations' first choice), as mariadb-test-run would start it for this test. InnoDB on
	# (MTR's default configuration skips it unless a test asks): dbproxy's probe reads InnoDB
	# settings. Both modes run with exactly the same server.
	if ! (cd "$mtr_dir" && ./mariadb-test-run --vardir="$vardir" --start-and-exit \
		--mysqld=--innodb "$name") >"$out/$mode.start.log" 2>&1 ||
		[[ ! -f $vardir/run/mysqld.1.pid ]]; then
		r=$(mtr_result "$name" "$out/$mode.start.log")
		[[ $r == error ]] && r=nostart
		echo "$r" >"$out/$mode.result"
		kill_slot "$vardir"
		return
	fi
	port=$(sed -n '/^\[mysqld\.1\]/,/^\[/s/^port=//p' "$vardir/my.cnf")
	sock=$(sed -n '/^\[mysqld\.1\]/,/^\[/s/^socket=//p' "$vardir/my.cnf")
	# dbproxy's monitoring user (docs/dbproxy.md section 12), in both modes so that the
	# servers are the same, outside the binary log.
	mariadb --no-defaults -S "$sock" -u root -e "SET SESSION sql_log_bin = 0;
		CREATE USER $MON_USER@'127.0.0.1' IDENTIFIED BY '$MON_PASSWORD';
		GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
		READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD ON *.* TO $MON_USER@'127.0.0.1';
		GRANT SELECT ON mysql.global_priv TO $MON_USER@'127.0.0.1';" >"$out/$mode.users.log" 2>&1  || true
	target_port=$port target_sock=$sock
	if [[ $mode == proxied ]]; then
		printf '%s\n' "$MON_PASSWORD" >"$vardir/dbproxy-mon.pw"
		printf '%s\n' "$TOKEN" >"$vardir/dbproxy-admin.token"
		chmod 600 "$vardir/dbproxy-mon.pw" "$vardir/dbproxy-admin.token"
		dport=$(free_port)
		aport=$(free_port)
		"$dbproxy_bin" --listen "127.0.0.1:$dport" --listen-socket "$vardir/dbproxy.sock" \
			--server "s0=127.0.0.1:$port" --monitor-user "$MON_USER" \
			--monitor-password-file "$vardir/dbproxy-mon.pw" --admin "127.0.0.1:$aport" \
			--admin-token-file "$vardir/dbproxy-admin.token" >"$vardir/dbproxy.log" 2>&1 &
		echo $! >"$vardir/dbproxy.pid"
		for ((i = 0; i < 200; i++)); do
			routing=$(curl -s -m 1 -H "Authorization: Bearer $TOKEN" \
				"http://127.0.0.1:$aport/status" 2>/dev/null |
				sed -n 's/^ *"routing": "\([a-z ]*\)".*/\1/p') || true
			[[ $routing == open ]] && break
			sleep 0.05
		done
		if [[ $routing != open ]]; then
			echo "dbproxy did not open routing (log: $vardir/dbproxy.log)" >"$out/$mode.log"
			cp "$vardir/dbproxy.log" "$out/dbproxy.log" 2>/dev/null || true
			echo noproxy >"$out/$mode.result"
			kill_slot "$vardir"
			return
		fi
		target_port=$dport target_sock=$vardir/dbproxy.sock
	fi
	# The test itself, on the running server (TCP for the default connection, the socket for
	# the test's "localhost" connections), in the same vardir: secure_file_priv is that folder.
	(cd "$mtr_dir" && timeout $((TEST_TIMEOUT_MIN * 60 + 120)) ./mariadb-test-run \
		--vardir="$vardir" --extern host=127.0.0.1 --extern port="$target_port" \
		--extern socket="$target_sock" --nocheck-testcases --nowarnings --retry=0 \
		--max-test-fail=0 --testcase-timeout=$TEST_TIMEOUT_MIN --tail-lines=0 \
		"$name") >"$out/$mode.log" 2>&1 || true
	mtr_result "$name" "$out/$mode.log" >"$out/$mode.result"
	find "$vardir/log" -name '*.reject' -exec cat {} + >"$out/$mode.reject" 2>/dev/null || true
	# The logs of a failed run (client programs write theirs there): kept for --keep.
	if [[ $(cat "$out/$mode.result") != pass ]]; then
		mkdir -p "$out/$mode.var-log"
		find "$vardir/log" "$vardir/mysqld.1" -maxdepth 1 -type f -size -20M \
			-exec cp {} "$out/$mode.var-log/" \; 2>/dev/null || true
	fi
	[[ $mode == proxied ]] && cp "$vardir/dbproxy.log" "$out/dbproxy.log" 2>/dev/null
	kill_slot "$vardir"
	rm -rf "$vardir"
}

# The work is a queue of (test, mode) runs, each on its own fresh server: a worker takes the
# next run nobody has taken (mkdir is atomic), so that a long run does not hold back the
# others and a test's two modes may run side by side.
worker()
{
	local k=$1 i name mode out t0 slot=$work/slot$1
	mkdir -p "$slot"
	for ((i = 0; i < 2 * ${#tests[@]}; i++)); do
		mkdir "$work/claims/$i" 2>/dev/null || continue
		name=${tests[i / 2]}
		mode=direct
		((i % 2 == 0)) || mode=proxied
		out=$work/results/$name
		mkdir -p "$out"
		t0=$SECONDS
		run_mode "$name" "$mode" "$slot" "$out"
		echo $((SECONDS - t0)) >"$out/$mode.seconds"
		touch "$out/$mode.done"
	done
}

mkdir -p "$work/results" "$work/claims"
start=$SECONDS
# mariadb-test-run works in its current folder and mariadb-test writes each .reject file next
# to its .result file: run it from a tree of symbolic links whose main/ is our own folder, so
# that nothing is ever written under the package's files.
# mariadb-test-run takes the folder above it (above mysql-test/, the first one with a bin/) as
# the installation's base: $work/base stands for /usr.
mkdir -p "$work/base/mysql-test"
for e in bin sbin lib share libexec; do
	[[ -e /usr/$e ]] && ln -s "/usr/$e" "$work/base/$e"
done
for e in "$mtr_dir"/*; do
	[[ $(basename "$e") == main ]] || ln -s "$e" "$work/base/mysql-test/"
done
cp -as "$mtr_dir/main" "$work/base/mysql-test/main"
mtr_dir=$work/base/mysql-test
echo "mtr-compare: ${#tests[@]} tests, $jobs job(s), dbproxy $dbproxy_bin"
for ((k = 0; k < jobs; k++)); do
	worker "$k" &
done

# The verdicts of one test's two runs in $1: "DIRECT PROXIED" (fail(other) when both failed
# with different outputs, which is a difference too).
verdicts()
{
	local out=$1 d p
	d=$(cat "$out/direct.result" 2>/dev/null || echo missing)
	p=$(cat "$out/proxied.result" 2>/dev/null || echo missing)
	if [[ $d == fail && $p == fail ]] && ! cmp -s "$out/direct.reject" "$out/proxied.reject"; then
		p='fail(other)'
	fi
	echo "$d $p"
}

# Print each test's line in list order as soon as it is done.
passed=0
failed=0
differ=()
for name in "${tests[@]}"; do
	out=$work/results/$name
	while [[ ! -f $out/direct.done || ! -f $out/proxied.done ]]; do
		sleep 0.2
		# A worker that died leaves its tests undone: stop waiting for them.
		[[ -z $(jobs -rp) ]] && break
	done
	read -r d p < <(verdicts "$out")
	note=same
	if [[ $d != "$p" ]]; then
		if [[ -n ${expected[$name]+x} ]]; then
			note="differs (expected: ${expected[$name]})"
			passed=$((passed + 1))
		else
			note=DIFFERS
			failed=$((failed + 1))
		fi
		differ+=("$name")
	else
		passed=$((passed + 1))
	fi
	printf '%-40s direct %-7s %3ss  proxied %-11s %3ss  %s\n' "$name" "$d" \
		"$(cat "$out/direct.seconds" 2>/dev/null || echo '?')" "$p" \
		"$(cat "$out/proxied.seconds" 2>/dev/null || echo '?')" "$note"
done
wait

# An unexpected difference may be a race that load decides, directly too (a server's close
# against the client's next command...): each such test runs once more in both modes, one
# after the other, once the queue is done. The same verdicts then: reported as timing, not
# counted as a failure; a real difference shows again (docs/testing.md).
declare -A raced=()
if ((rerun)); then
	mkdir -p "$work/slotr"
	for name in "${differ[@]}"; do
		[[ -n ${expected[$name]+x} ]] && continue
		out=$work/reruns/$name
		mkdir -p "$out"
		for mode in direct proxied; do
			t0=$SECONDS
			run_mode "$name" "$mode" "$work/slotr" "$out"
			echo $((SECONDS - t0)) >"$out/$mode.seconds"
		done
		read -r d p < <(verdicts "$out")
		if [[ $d == "$p" ]]; then
			note="same on a rerun: a timing race, not counted"
			raced[$name]=1
			failed=$((failed - 1))
			passed=$((passed + 1))
		else
			note=DIFFERS
		fi
		printf '%-40s direct %-7s %3ss  proxied %-11s %3ss  %s\n' "$name (rerun)" "$d" \
			"$(cat "$out/direct.seconds")" "$p" "$(cat "$out/proxied.seconds")" "$note"
	done
fi

if ((${#differ[@]} > 0)); then
	echo "== tests whose result through dbproxy differs from direct:"
	for name in "${differ[@]}"; do
		out=$work/results/$name
		if [[ -n ${expected[$name]+x} ]]; then
			echo "   $name (expected: ${expected[$name]})"
			continue
		fi
		if [[ -n ${raced[$name]+x} ]]; then
			echo "   $name: the same on a rerun (a timing race); the first run:"
		else
			[[ -d $work/reruns/$name ]] && out=$work/reruns/$name
		fi
		echo "   $name: direct $(cat "$out/direct.result"), proxied $(cat "$out/proxied.result")"
		if [[ -s $out/proxied.reject ]] && [[ -s $out/direct.reject ]]; then
			echo "      direct .reject vs proxied .reject:"
			diff "$out/direct.reject" "$out/proxied.reject" | head -n 30 | sed 's/^/      | /' || true
		fi
		# mariadb-test-run's report of the proxied run: the diff against the .result file.
		sed -n '/^'"$name"' /,$p' "$out/proxied.log" | head -n 60 | sed 's/^/      | /'
		if [[ -f $out/dbproxy.log ]]; then
			echo "      dbproxy log (warnings and errors):"
			grep -E ' (warn|error):' "$out/dbproxy.log" | grep -v 'setting ' | tail -n 10 |
				sed 's/^/      | /' || true
		fi
	done
fi
echo "mtr-compare: $((SECONDS - start)) s${keep:+, logs kept in $keep/results}"
echo "$passed passed, $failed failed"
((failed == 0))
