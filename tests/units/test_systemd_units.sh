#!/usr/bin/env bash
# The systemd side of `make install`: the three units, the sysusers.d file and the configuration
# examples, where they go and the hardening each unit carries; `systemd-analyze verify` on them
# (and `systemd-analyze security`'s exposure scores, printed, not asserted); the users
# systemd-sysusers makes of the file; a configuration is never overwritten; `make uninstall`.
# Then dbproxy as its unit runs it: its state file in $STATE_DIRECTORY, its Unix socket 0777
# under UMask=0077, the unit's ExecReload reloading it, SIGTERM ending it with 0.
set -euo pipefail
build=${PANEL_BUILD:-build/release}
fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }

san=0
[[ $build == *asan* ]] && san=1
tmp=$(mktemp -d)
dp_pid=
dp_log=/dev/null
cleanup() {
	[[ -n $dp_pid ]] && kill -KILL "$dp_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# mk ARGS...: make with this build, never creating users on this machine.
mk() {
	make -s --no-print-directory BUILD="$build" SAN="$san" INSTALL_USERS=no "$@" \
		>"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make $*"; }
}
# has UNIT LINE...: each LINE is a line of UNIT, exactly.
has() {
	local unit=$1 line
	shift
	for line in "$@"; do
		grep -Fx -- "$line" "$unit" >/dev/null || fail "$(basename "$unit") lacks '$line'"
	done
}

# ---------------------------------------------------------------- install into DESTDIR
dest=$tmp/dest
mk install DESTDIR="$dest" PREFIX=/usr
units=$dest/usr/lib/systemd/system
for f in "$units"/panel-api.service "$units"/dbproxy.service "$units"/panel-actions.service \
	"$dest"/usr/lib/sysusers.d/panel.conf "$dest"/usr/share/man/man8/panel-actions.8 \
	"$dest"/usr/bin/panel-api "$dest"/usr/bin/dbproxy "$dest"/usr/bin/panelctl; do
	[[ -f $f ]] || fail "make install DESTDIR=... PREFIX=/usr did not install ${f#"$dest"}"
done
left=$(grep -l '@[A-Z]*@' "$units"/*.service || true)
[[ -z $left ]] || fail "placeholders left in $left"
ok "units in /usr/lib/systemd/system, sysusers.d file, panel-actions(8), binaries"

common=(
	'Type=exec' 'Restart=on-failure' 'RestartPreventExitStatus=2' 'ExecReload=/bin/kill -HUP $MAINPID'
	'Wants=network-online.target' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes'
	'PrivateTmp=yes' 'ProtectKernelTunables=yes' 'ProtectKernelModules=yes'
	'ProtectKernelLogs=yes' 'ProtectControlGroups=yes' 'RestrictNamespaces=yes'
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'LockPersonality=yes'
	'MemoryDenyWriteExecute=yes' 'SystemCallArchitectures=native'
	'WantedBy=multi-user.target'
)
unprivileged=('CapabilityBoundingSet=' 'PrivateDevices=yes' 'SystemCallFilter=@system-service'
	'SystemCallFilter=~@privileged' 'RestrictSUIDSGID=yes')
has "$units/panel-api.service" "${common[@]}" "${unprivileged[@]}" \
	'User=panel-api' 'Group=panel-api' \
	'ExecStart=/usr/bin/panel-api --config /etc/panel/panel.conf --foreground --log stderr'
has "$units/dbproxy.service" "${common[@]}" "${unprivileged[@]}" \
	'User=dbproxy' 'Group=dbproxy' 'StateDirectory=dbproxy' 'RuntimeDirectory=dbproxy' \
	'ExecStart=/usr/bin/dbproxy --config /etc/dbproxy/dbproxy.conf'
has "$units/panel-actions.service" "${common[@]}" \
	'ExecStart=/usr/bin/panelctl --config /etc/panel/panel.conf actions watch' \
	'ReadWritePaths=-/var/alternc' 'PrivateDevices=yes' 'SystemCallFilter=@system-service quotactl quotactl_fd' \
	'CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_SYS_ADMIN CAP_SETUID CAP_SETGID'
! grep -E '^(User|DynamicUser)=' "$units/panel-actions.service" >/dev/null ||
	fail "panel-actions.service must run as root (members' files, quotas)"
ok "each unit carries its user, capabilities and hardening options"

for conf in etc/panel/panel.conf etc/dbproxy/dbproxy.conf; do
	[[ -f $dest/$conf ]] || fail "no /$conf installed"
	[[ $(stat -c %a "$dest/$conf") == 640 ]] || fail "/$conf is not mode 0640"
	echo "; the administrator's own line" >>"$dest/$conf"
done
mk install DESTDIR="$dest" PREFIX=/usr
for conf in etc/panel/panel.conf etc/dbproxy/dbproxy.conf; do
	grep -Fx "; the administrator's own line" "$dest/$conf" >/dev/null ||
		fail "a second make install replaced /$conf"
done
ok "configuration examples installed once (0640), never over an existing file"

# The example names no server (the units are enabled at install): dbproxy refuses to start, with
# exit status 2, which RestartPreventExitStatus= keeps systemd from repeating. Its commented
# addresses are documentation ones (RFC 5737), not machines of someone's network.
! grep -E '^[[:space:]]*server[[:space:]]*=' "$dest/etc/dbproxy/dbproxy.conf" >/dev/null ||
	fail "the example dbproxy.conf sets a server"
grep -E '^# server = db1=192\.0\.2\.11:3306$' "$dest/etc/dbproxy/dbproxy.conf" >/dev/null ||
	fail "the example's server lines are not RFC 5737 addresses"
set +e
"$build/bin/dbproxy" --config "$dest/etc/dbproxy/dbproxy.conf" >"$tmp/noserver.log" 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || fail "dbproxy on the example configuration: exit $rc, want 2: $(cat "$tmp/noserver.log")"
grep -F 'no server given (server = NAME=HOST:PORT' "$tmp/noserver.log" >/dev/null ||
	fail "dbproxy on the example configuration: $(cat "$tmp/noserver.log")"
ok "the example dbproxy.conf sets no server: dbproxy exits 2 saying so"

if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers --root="$dest" "$dest/usr/lib/sysusers.d/panel.conf" >"$tmp/sysusers.log" 2>&1 ||
		{ cat "$tmp/sysusers.log"; fail "systemd-sysusers refused dist/sysusers.d/panel.conf"; }
	for user in panel-api dbproxy panel-restore; do
		entry=$(grep "^$user:" "$dest/etc/passwd") || fail "systemd-sysusers made no user $user"
		[[ $entry == *:/usr/sbin/nologin ]] || fail "$user can log in: $entry"
		grep "^$user:" "$dest/etc/group" >/dev/null || fail "no group $user"
	done
	ok "systemd-sysusers --root makes the users panel-api, dbproxy and panel-restore (nologin) and their groups"
else
	echo "# systemd-sysusers not installed: the sysusers.d file was not tried"
fi

# ---------------------------------------------------------------- systemd-analyze
# verify checks that each ExecStart binary exists: a second install under a scratch PREFIX
# (no DESTDIR) gives units whose paths resolve on this machine.
prefix=$tmp/prefix
mk install PREFIX="$prefix"
[[ -f $prefix/etc/panel/panel.conf ]] || fail "a scratch PREFIX's configuration is not under PREFIX/etc"
grep -Fx "ExecStart=$prefix/bin/dbproxy --config $prefix/etc/dbproxy/dbproxy.conf" \
	"$prefix/lib/systemd/system/dbproxy.service" >/dev/null || fail "ExecStart does not follow PREFIX"
if command -v systemd-analyze >/dev/null 2>&1; then
	echo "# $(systemd-analyze --version | head -n 1)"
	man=(--man=no)
	# Documentation=man:... is checked too when man can read the installed pages.
	command -v man >/dev/null 2>&1 && man=(--man=yes)
	set +e
	MANPATH=$prefix/share/man systemd-analyze verify "${man[@]}" \
		"$prefix"/lib/systemd/system/*.service >"$tmp/verify.log" 2>&1
	rc=$?
	set -e
	sed 's/^/# verify: /' "$tmp/verify.log"
	[[ $rc == 0 && ! -s $tmp/verify.log ]] || fail "systemd-analyze verify ${man[*]}: exit $rc, output above"
	ok "systemd-analyze verify ${man[*]}: the three units are clean"
	for unit in panel-api dbproxy panel-actions; do
		if systemd-analyze security --offline=yes --man=no \
			"$prefix/lib/systemd/system/$unit.service" >"$tmp/security.log" 2>&1; then
			echo "# security: $(grep 'Overall exposure level' "$tmp/security.log" || echo "no score for $unit")"
		else
			echo "# security: systemd-analyze security --offline=yes failed for $unit:"
			tail -n 3 "$tmp/security.log" | sed 's/^/#   /'
		fi
	done
else
	echo "# systemd-analyze is not installed (Debian package systemd): units NOT verified, only checked above"
fi

# ---------------------------------------------------------------- make uninstall
mk uninstall DESTDIR="$dest" PREFIX=/usr
for f in usr/lib/systemd/system/panel-api.service usr/lib/systemd/system/panel-actions.service \
	usr/lib/sysusers.d/panel.conf usr/bin/dbproxy usr/share/man/man8/panel-actions.8 \
	usr/lib/libpanel.so.0; do
	[[ ! -e $dest/$f ]] || fail "make uninstall left /$f"
done
[[ -f $dest/etc/panel/panel.conf && -f $dest/etc/dbproxy/dbproxy.conf ]] ||
	fail "make uninstall removed a configuration file"
ok "make uninstall removes what install put, keeps the configuration"

# ---------------------------------------------------------------- dbproxy as its unit runs it
# No server needs to answer: dbproxy writes its state file as it starts. The port is one where
# nothing listens (probes are refused and retried).
unit=$prefix/lib/systemd/system/dbproxy.service
printf 'not-a-real-password\n' >"$tmp/monitor.password"
mkdir -p "$tmp/state" "$tmp/state2"
dbproxy_start() { # dbproxy_start LOG ARGS...: in the background, dp_pid
	local log=$1
	shift
	dp_log=$log
	# The unit's UMask; exec: $! is dbproxy's pid, as $MAINPID.
	(
		umask 0077
		STATE_DIRECTORY=$tmp/state:$tmp/state2 exec "$build/bin/dbproxy" \
			--listen-socket "$tmp/dp.sock" --server s0=127.0.0.1:9 --monitor-user monitor \
			--monitor-password-file "$tmp/monitor.password" --log-level info "$@"
	) 2>"$log" &
	dp_pid=$!
}
# wait_for WHAT CMD...: until CMD succeeds (10 s at most, dbproxy still running).
wait_for() {
	local what=$1 i
	shift
	for i in $(seq 1 100); do
		"$@" && return 0
		kill -0 "$dp_pid" 2>/dev/null || { cat "$dp_log"; fail "dbproxy died waiting for $what"; }
		sleep 0.1
	done
	cat "$dp_log"
	fail "$what: not within 10 s"
}
dbproxy_stop() { # SIGTERM, as systemctl stop sends it: exit 0
	local rc=0
	kill -TERM "$dp_pid"
	wait "$dp_pid" || rc=$?
	dp_pid=
	[[ $rc == 0 ]] || { cat "$dp_log"; fail "dbproxy exited $rc after SIGTERM"; }
}

dbproxy_start "$tmp/dp.log"
wait_for "the state file in \$STATE_DIRECTORY" test -s "$tmp/state/state"
[[ $(cat "$tmp/state/state") == $'epoch=1\nprimary=s0' ]] ||
	fail "unexpected state file: $(cat "$tmp/state/state")"
[[ ! -e $tmp/state2/state ]] || fail "the state file went to the second StateDirectory"
[[ $(stat -c %a "$tmp/state/state") == 600 ]] || fail "the state file is not mode 0600"
ok "without state_file, dbproxy keeps its state in \$STATE_DIRECTORY/state (the first directory)"
[[ $(stat -c %a "$tmp/dp.sock") == 777 ]] ||
	fail "the listen_socket is mode $(stat -c %a "$tmp/dp.sock") under umask 0077, not 0777"
ok "under the unit's UMask=0077 the listen_socket stays connectable by every user (0777)"

# The unit's own ExecReload, with $MAINPID as systemd would set it.
reload=$(sed -n 's/^ExecReload=//p' "$unit")
reload=${reload//\$MAINPID/$dp_pid}
read -r -a reload_cmd <<<"$reload"
"${reload_cmd[@]}"
log_has() { grep -F "$1" "$tmp/dp.log" >/dev/null; }
wait_for "the reload" log_has "configuration reloaded"
log_has "SIGHUP: reloading" || fail "no SIGHUP line in the log"
dbproxy_stop
ok "the unit's ExecReload ($reload) reloads dbproxy; SIGTERM ends it with 0"

rm -f "$tmp/state/state"
dbproxy_start "$tmp/dp2.log" --state-file "$tmp/explicit.state"
wait_for "the configured state file" test -s "$tmp/explicit.state"
[[ ! -e $tmp/state/state ]] || fail "\$STATE_DIRECTORY was used although state_file is set"
dbproxy_stop
ok "a configured state_file wins over \$STATE_DIRECTORY"
