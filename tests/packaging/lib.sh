#!/usr/bin/env bash
# Shared by the packaging tests (test_deb_install.sh, test_bare_debian.sh): a minbase Debian 12
# tree made by debootstrap from this machine's apt mirror, cached as a tarball under build/,
# and the mounts a chroot needs, always undone on exit. Sourced, not run.

PKG_ROOT=${PKG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PKG_CACHE=${PKG_CACHE:-$PKG_ROOT/build/packaging}
PKG_TARBALL=$PKG_CACHE/bookworm-minbase.tar.gz

# The first Debian mirror apt uses here (sources.list or a deb822 .sources file).
pkg_mirror() {
	local f uri
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		uri=$(grep -hoE '^(deb[[:space:]]+(\[[^]]*\][[:space:]]+)?|URIs:[[:space:]]*)[a-z]+://[^[:space:]]+/debian/?([[:space:]]|$)' "$f" |
			grep -oE '[a-z]+://[^[:space:]]+' | head -n 1 || true)
		if [[ -n $uri ]]; then
			echo "${uri%/}"
			return 0
		fi
	done
	echo "packaging: no Debian mirror found in /etc/apt/sources.list(.d)" >&2
	return 1
}

# pkg_tree DIR: a fresh minbase bookworm tree in DIR, from the cached tarball when there is one.
pkg_tree() {
	local dir=$1 mirror
	mkdir -p "$dir" "$PKG_CACHE"
	if [[ ! -s $PKG_TARBALL ]]; then
		mirror=$(pkg_mirror) || return 1
		echo "# debootstrap --variant=minbase bookworm from $mirror (cached in $PKG_TARBALL)"
		local tmp=$PKG_CACHE/debootstrap.tmp
		rm -rf "$tmp"
		debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$PKG_CACHE/debootstrap.log" 2>&1 || {
			tail -n 20 "$PKG_CACHE/debootstrap.log" >&2
			return 1
		}
		# The tree's apt uses the same mirror; its package lists are fetched when needed.
		echo "deb $mirror bookworm main" >"$tmp/etc/apt/sources.list"
		rm -rf "$tmp"/var/cache/apt/archives/*.deb
		tar -C "$tmp" -czf "$PKG_TARBALL.tmp" . && mv "$PKG_TARBALL.tmp" "$PKG_TARBALL"
		rm -rf "$tmp"
	fi
	tar -C "$dir" -xzf "$PKG_TARBALL"
	cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	cp /etc/hosts "$dir/etc/hosts" 2>/dev/null || true
	# No service starts from a package's postinst inside the tree (invoke-rc.d asks this).
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
}

PKG_MOUNTS=()
# pkg_mount DIR [sys]: DIR bound onto itself, so that / is a mount point in the chroot as on a
# real machine (`unshare --mount` makes / private, which fails on a directory that is not a
# mount point), then /proc, /dev, /dev/pts (and /sys) inside; undone by pkg_umount.
pkg_mount() {
	local dir=$1 m
	mount --bind "$dir" "$dir" && PKG_MOUNTS+=("$dir")
	mount -t proc proc "$dir/proc" && PKG_MOUNTS+=("$dir/proc")
	mount --bind /dev "$dir/dev" && PKG_MOUNTS+=("$dir/dev")
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dir/dev/pts" && PKG_MOUNTS+=("$dir/dev/pts")
	if [[ ${2:-} == sys ]]; then
		mount -t sysfs sysfs "$dir/sys" && PKG_MOUNTS+=("$dir/sys")
	fi
	for m in "${PKG_MOUNTS[@]}"; do
		mountpoint -q "$m" || return 1
	done
}

# Every mount made, innermost first, and any other still under the tree (a lazy unmount if busy).
pkg_umount() {
	local dir=${1:-} i m
	for ((i = ${#PKG_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${PKG_MOUNTS[i]}" 2>/dev/null || umount -l "${PKG_MOUNTS[i]}" 2>/dev/null || true
	done
	PKG_MOUNTS=()
	if [[ -n $dir && -d $dir ]]; then
		while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done < <(awk -v d="$(realpath "$dir")" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
	fi
}

# pkg_chroot DIR CMD...: a command in the tree with a clean environment.
pkg_chroot() {
	local dir=$1
	shift
	chroot "$dir" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb "$@"
}
