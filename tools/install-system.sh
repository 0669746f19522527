#!/usr/bin/env bash
# The system side of `make install`: the systemd units (ExecStart pointing at BINDIR), the
# sysusers.d file, the configuration examples where no configuration exists yet and, when
# installing as root on this machine (no DESTDIR), the system users. See docs/operations.md.
#
# Environment (set by the Makefile): DESTDIR BINDIR SYSCONFDIR UNITDIR SYSUSERSDIR
# INSTALL_USERS (auto: create the users when root and DESTDIR is empty; no: never).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
: "${BINDIR:?}" "${SYSCONFDIR:?}" "${UNITDIR:?}" "${SYSUSERSDIR:?}"
DESTDIR=${DESTDIR:-}
INSTALL_USERS=${INSTALL_USERS:-auto}

install -d "$DESTDIR$UNITDIR" "$DESTDIR$SYSUSERSDIR"
for in in "$root"/dist/systemd/*.in; do
	unit=$(basename "$in" .in)
	sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" "$in" >"$DESTDIR$UNITDIR/$unit.tmp"
	chmod 644 "$DESTDIR$UNITDIR/$unit.tmp"
	mv "$DESTDIR$UNITDIR/$unit.tmp" "$DESTDIR$UNITDIR/$unit"
done
install -m 644 "$root/dist/sysusers.d/panel.conf" "$DESTDIR$SYSUSERSDIR/panel.conf"

# Configuration: an existing file is the administrator's and is never replaced. A new one is
# root's, mode 0640; its group becomes the daemon's once that group exists (below).
new_configs=()
config() { # config SOURCE DEST GROUP
	local src=$1 dest=$DESTDIR$2
	install -d -m 755 "$(dirname "$dest")"
	[[ -e $dest ]] && return 0
	install -m 640 "$src" "$dest"
	new_configs+=("$dest:$3")
}
config "$root/dist/panel.conf.example" "$SYSCONFDIR/panel/panel.conf" panel-api
config "$root/dbproxy/dbproxy.conf.example" "$SYSCONFDIR/dbproxy/dbproxy.conf" dbproxy

[[ -z $DESTDIR && $INSTALL_USERS == auto ]] || exit 0
if ((EUID != 0)); then
	echo "install: not root: create the users panel-api, dbproxy and panel-restore yourself" \
		"(systemd-sysusers $SYSUSERSDIR/panel.conf)" >&2
	exit 0
fi
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$SYSUSERSDIR/panel.conf"
else
	# The same users as the sysusers.d file: system accounts that cannot log in.
	nologin=$(command -v nologin || echo /usr/sbin/nologin)
	getent passwd panel-api >/dev/null ||
		useradd --system --user-group --no-create-home --home-dir / --shell "$nologin" \
			--comment "panel REST API (panel-api)" panel-api
	getent passwd dbproxy >/dev/null ||
		useradd --system --user-group --no-create-home --home-dir /var/lib/dbproxy \
			--shell "$nologin" --comment "panel MySQL proxy (dbproxy)" dbproxy
	getent passwd panel-restore >/dev/null ||
		useradd --system --user-group --no-create-home --home-dir / --shell "$nologin" \
			--comment "panel database restores" panel-restore
fi
for c in ${new_configs[@]+"${new_configs[@]}"}; do
	chgrp "${c##*:}" "${c%:*}"
done
# A running systemd learns about new or changed units now; nothing is enabled or started.
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || true
fi
