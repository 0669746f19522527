#!/usr/bin/env bash
# make deb-check: builds the Debian packages (make deb), installs them with apt into a clean
# Debian 12 tree (debootstrap minbase, cached under build/packaging), checks what they put
# there (users, conffiles, secret files, units enabled, man pages, pkg-config), then starts each
# daemon in the tree as its unit's ExecStart and User= would, next to a MariaDB server of the
# tree, and checks that each answers. No systemd runs there; policy-rc.d keeps the packages'
# scripts from starting anything. The daemons run in a network namespace of their own, so
# their ports never meet those of other tests on this machine. Root only; not part of
# make check (minutes, and debootstrap). See docs/packaging.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/packaging/lib.sh
source "$here/lib.sh"
root=$PKG_ROOT
tree=$PKG_CACHE/deb-install-tree
t0=$(date +%s)

ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*" >&2
	exit 1
}
((EUID == 0)) || fail "root is needed (debootstrap, chroot, mounts)"

# Processes whose root is the tree (the daemons started there), by pid.
kill_tree_procs() {
	local p r real
	real=$(realpath "$tree" 2>/dev/null) || return 0
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[[ $r == "$real" ]] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	return 0
}
cleanup() {
	kill_tree_procs
	pkg_umount "$tree"
	if [[ -z ${KEEP_TREE:-} ]]; then
		rm -rf "$tree"
	fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- build
if [[ -z ${SKIP_BUILD:-} ]]; then
	"$root/tools/build-deb.sh" >/dev/null
fi
debs=()
for p in libpanel0 libpanel-dev panelctl panel-api dbproxy panel-actions; do
	f=$(find "$root/build/deb" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
	[[ -n $f ]] || fail "no $p package in build/deb (make deb)"
	debs+=("$f")
done
ok "make deb built ${#debs[@]} packages, lintian without errors"

# The services' maintainer scripts, as dh_installsystemd --no-start --restart-after-upgrade and
# debian/*.prerm make them: never started at installation, not stopped before an upgrade,
# try-restarted after one (only those running), stopped on removal.
ctl=$(mktemp -d)
for u in dbproxy panel-api panel-actions; do
	f=$(find "$root/build/deb" -maxdepth 1 -name "${u}_*.deb" | head -n 1)
	rm -rf "${ctl:?}"/*
	dpkg-deb -e "$f" "$ctl"
	grep -Eq "deb-systemd-invoke try-restart '?$u\.service'?" "$ctl/postinst" ||
		fail "$u's postinst does not try-restart $u.service after an upgrade"
	! grep -Eq 'deb-systemd-invoke (start|restart) ' "$ctl/postinst" || fail "$u's postinst starts $u.service"
	! grep -q 'deb-systemd-invoke stop' "$ctl/preinst" 2>/dev/null || fail "$u's preinst stops $u.service"
	[[ -f $ctl/prerm ]] || fail "$u has no prerm"
	# shellcheck disable=SC2016 # the prerm's own "$1"
	{ grep -q '"$1" = remove' "$ctl/prerm" && grep -Eq "deb-systemd-invoke stop '?$u\.service'?" "$ctl/prerm"; } ||
		fail "$u's prerm does not stop $u.service on removal"
done
rm -rf "$ctl"
ok "maintainer scripts: the services try-restarted after an upgrade, stopped on removal, never started at installation"

# ---------------------------------------------------------------- install
rm -rf "$tree"
pkg_tree "$tree"
mkdir -p "$tree/tmp/debs"
cp "${debs[@]}" "$tree/tmp/debs/"
in_debs=()
for f in "${debs[@]}"; do
	in_debs+=("/tmp/debs/${f##*/}")
done
pkg_mount "$tree"
log=$PKG_CACHE/deb-install.log
{
	pkg_chroot "$tree" apt-get update &&
		pkg_chroot "$tree" apt-get install -y --no-install-recommends "${in_debs[@]}" \
			mariadb-server mariadb-client curl pkg-config
} >"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	fail "apt-get install of the packages in the tree (log: $log)"
}
ok "apt-get installs the packages and their dependencies in a minbase Debian 12"

in_tree() { pkg_chroot "$tree" "$@"; }
for u in panel-api dbproxy panel-restore; do
	shell=$(in_tree getent passwd "$u" | cut -d: -f7) || fail "no user $u"
	[[ $shell == /usr/sbin/nologin ]] || fail "user $u has the shell $shell"
	in_tree getent group "$u" >/dev/null || fail "no group $u"
done
ok "postinst made the system users panel-api, dbproxy and panel-restore (nologin) and their groups"

mode() { in_tree stat -c '%a %U:%G' "$1"; }
for f in /etc/dbproxy/monitor.password /etc/dbproxy/replication.password /etc/dbproxy/admin.token; do
	[[ $(mode "$f") == "640 root:dbproxy" ]] || fail "$f is $(mode "$f")"
done
[[ $(mode /etc/panel/db.password) == "640 root:panel-api" ]] ||
	fail "/etc/panel/db.password is $(mode /etc/panel/db.password)"
[[ $(wc -c <"$tree/etc/dbproxy/admin.token") -ge 40 ]] ||
	fail "the admin token is not a random one"
[[ $(mode /var/lib/dbproxy) == "700 dbproxy:dbproxy" ]] || fail "/var/lib/dbproxy is $(mode /var/lib/dbproxy)"
[[ $(mode /etc/panel/panel.conf) == "640 root:panel-api" ]] ||
	fail "/etc/panel/panel.conf is $(mode /etc/panel/panel.conf), its header says 0640 root:panel-api"
ok "secret files root:<daemon's group> 0640 (the admin token random), /var/lib/dbproxy the user's, panel.conf 0640 root:panel-api"

# shellcheck disable=SC2016 # dpkg-query's own ${field}
conffiles=$(in_tree dpkg-query -W -f='${Conffiles}\n' panelctl dbproxy)
for f in /etc/panel/panel.conf /etc/dbproxy/dbproxy.conf; do
	grep -q "^ $f " <<<"$conffiles" || fail "$f is not a conffile: $conffiles"
done
ok "/etc/panel/panel.conf (panelctl) and /etc/dbproxy/dbproxy.conf (dbproxy) are conffiles"

for u in dbproxy panel-api panel-actions; do
	[[ -f $tree/lib/systemd/system/$u.service ]] || fail "no unit $u.service"
	[[ -L $tree/etc/systemd/system/multi-user.target.wants/$u.service ]] || fail "$u.service is not enabled"
done
ok "the three units are installed and enabled (not started: policy-rc.d, and no systemd)"

for m in man1/panelctl.1 man8/panel-api.8 man8/dbproxy.8 man8/panel-actions.8; do
	[[ -f $tree/usr/share/man/$m.gz ]] || fail "no man page $m"
done
ok "the man pages panelctl(1), panel-api(8), dbproxy(8), panel-actions(8)"

[[ $(in_tree pkg-config --modversion libpanel) == "$(cd "$root" && dpkg-parsechangelog -S Version)" ]] ||
	fail "pkg-config does not find libpanel"
libs=$(in_tree pkg-config --libs libpanel | sed "s/ *$//")
[[ $libs == "-lpanel" ]] || fail "pkg-config --libs libpanel: $libs"
[[ -L $tree/usr/lib/x86_64-linux-gnu/libpanel.so || -n $(find "$tree/usr/lib" -name libpanel.so -type l) ]] ||
	fail "no libpanel.so link"
ok "libpanel-dev: pkg-config finds libpanel ($libs), libpanel.so links to the soname"

# ---------------------------------------------------------------- services
# The unit's ExecStart, User and the parts of its sandbox a daemon relies on are read from the
# installed unit itself.
unit_get() { sed -n "s/^$2=//p" "$tree/lib/systemd/system/$1.service" | head -n 1; }
for u in dbproxy panel-api panel-actions; do
	printf '%s\t%s\t%s\n' "$u" "$(unit_get "$u" User)" "$(unit_get "$u" ExecStart)"
done >"$tree/tmp/units.tsv"
cp "$here/deb-services.sh" "$tree/tmp/deb-services.sh"
# A network namespace of its own: only lo, up.
unshare --net --fork bash -c 'ip link set lo up && exec "$@"' _ \
	chroot "$tree" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
	bash /tmp/deb-services.sh || fail "the services in the tree (above)"
kill_tree_procs

# ---------------------------------------------------------------- reinstallation
# The packages again (postinst configure runs again): the administrator's edits and secrets stay.
token=$(cat "$tree/etc/dbproxy/admin.token")
in_tree dpkg -i "${in_debs[@]}" >>"$log" 2>&1 || fail "dpkg -i of the same packages again"
[[ $(cat "$tree/etc/dbproxy/admin.token") == "$token" ]] || fail "reinstalling changed the admin token"
grep -q '^server = db1=127.0.0.1:3306$' "$tree/etc/dbproxy/dbproxy.conf" ||
	fail "reinstalling lost the edited dbproxy.conf"
[[ $(cat "$tree/etc/panel/db.password") == panel-pw && $(mode /etc/panel/db.password) == "640 root:panel-api" ]] ||
	fail "reinstalling changed /etc/panel/db.password"
[[ $(mode /etc/panel/panel.conf) == "640 root:panel-api" ]] ||
	fail "reinstalling made /etc/panel/panel.conf $(mode /etc/panel/panel.conf)"
ok "reinstalling keeps the edited conffile, the passwords and the admin token"

# ---------------------------------------------------------------- removal
in_tree apt-get purge -y panel-actions panel-api dbproxy panelctl >>"$log" 2>&1 || fail "apt-get purge"
for f in /etc/dbproxy /etc/panel /var/lib/dbproxy /usr/bin/panelctl /lib/systemd/system/dbproxy.service \
	/etc/systemd/system/multi-user.target.wants/dbproxy.service; do
	[[ ! -e $tree$f && ! -L $tree$f ]] || fail "$f is still there after the purge"
done
in_tree getent passwd dbproxy >/dev/null || fail "the purge removed the user dbproxy"
ok "apt-get purge removes the configuration, the secret files, the state and the enabling links (the users stay)"
pkg_umount "$tree"

echo "# deb-check took $(($(date +%s) - t0)) s"
