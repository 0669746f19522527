#!/usr/bin/env bash
# make bare-check: the README's "bare Debian 12" commands, proved. A minbase Debian 12 tree
# (debootstrap, cached under build/packaging) gets the repository (git archive of HEAD) in
# /root/panel; inside it (chroot, with /proc, /dev, /dev/pts, /dev/shm and /sys mounted) the
# commands of the README's first sh block are run as written, then `make deps` and `make check`
# (or the targets given: test_bare_debian.sh deps tests). Package downloads use the network;
# the builds and tests run in a network namespace of their own, so that their MariaDB servers
# and daemons never meet those of other tests on this machine. Each step's time is printed and
# kept in build/packaging/bare-check.times. Root only; not part of make check (it takes the
# time of a make check and more). See docs/packaging.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/packaging/lib.sh
source "$here/lib.sh"
root=$PKG_ROOT
tree=$PKG_CACHE/bare-tree
times=$PKG_CACHE/bare-check.times
targets=("$@")
((${#targets[@]})) || targets=(check)

ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*" >&2
	exit 1
}
((EUID == 0)) || fail "root is needed (debootstrap, chroot, mounts)"

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

# step NAME CMD...: runs CMD, logs its output to build/packaging/bare-NAME.log, records its time.
step() {
	local name=$1 start rc=0 log=$PKG_CACHE/bare-$1.log
	shift
	start=$(date +%s)
	"$@" >"$log" 2>&1 || rc=$?
	printf '%-12s %5d s  exit %d\n' "$name" $(($(date +%s) - start)) "$rc" | tee -a "$times"
	if ((rc != 0)); then
		tail -n 40 "$log" >&2
		fail "$name (log: $log)"
	fi
}

mkdir -p "$PKG_CACHE"
: >"$times"
start=$(date +%s)
rm -rf "$tree"
step debootstrap pkg_tree "$tree"
# Nothing but the minbase: no make, no compiler.
for tool in make cc gcc; do
	[[ ! -e $tree/usr/bin/$tool ]] || fail "the minbase tree already has $tool"
done
ok "a minbase Debian 12 tree without make or a compiler"

mkdir -p "$tree/root/panel"
git -C "$root" archive --format=tar HEAD | tar -C "$tree/root/panel" -xf -
ok "the repository (git archive of HEAD, $(git -C "$root" rev-parse --short HEAD)) in /root/panel"

# The README's first sh block: what to type on the bare machine, run line by line as written.
readme_cmds=$(awk '/^```sh$/ { inblock = 1; next } inblock && /^```$/ { exit } inblock' "$root/README.md" |
	sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d')
[[ -n $readme_cmds ]] || fail "no sh block in README.md"
grep -q 'apt-get install' <<<"$readme_cmds" || fail "the README's first block installs nothing"
echo "# the README's commands:"
sed 's/^/#   /' <<<"$readme_cmds"
# They end with the targets (make deps, make check): those run below, timed one by one.
setup_cmds=$(grep -v '^make ' <<<"$readme_cmds" || true)

pkg_mount "$tree" sys
mount -t tmpfs -o mode=1777 tmpfs "$tree/dev/shm" && PKG_MOUNTS+=("$tree/dev/shm")
in_tree() { # in_tree CMD: bash -c CMD in /root/panel, as root on the bare machine
	pkg_chroot "$tree" bash -c "cd /root/panel && $1"
}
# in_tree_offline CMD: the same in a network namespace with only lo (up).
in_tree_offline() {
	unshare --net --fork bash -c 'ip link set lo up && exec "$@"' _ \
		chroot "$tree" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 TERM=dumb bash -c "cd /root/panel && $1"
}

if [[ -n $setup_cmds ]]; then
	step readme in_tree "set -e; $setup_cmds"
fi
in_tree 'command -v make' >/dev/null || fail "make is missing after the README's commands"
ok "the README's commands install make"

step make-deps in_tree 'make deps'
ok "make deps installs the rest"

for t in "${targets[@]}"; do
	[[ $t == deps ]] && continue
	step "make-$t" in_tree_offline "make $t"
	ok "make $t passes inside the tree"
	if [[ $t == check ]]; then
		grep -E '^[0-9]+ passed, [0-9]+ failed' "$PKG_CACHE/bare-make-check.log" | tail -n 1
	fi
done
du -shx "$tree" 2>/dev/null | awk '{ print "tree size   " $1 }' | tee -a "$times"
echo "total        $(($(date +%s) - start)) s" | tee -a "$times"
kill_tree_procs
pkg_umount "$tree"
