#!/usr/bin/env bash
# `make deb`: the Debian packages (debian/), built by dpkg-buildpackage in a copy of the tree
# under build/deb/src so that the tree's own build/ and the folder above it stay untouched; the
# .deb files and the lintian report land in build/deb/. See docs/packaging.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${DEB_OUT:-$root/build/deb}
cd "$root"

"$root/tools/deps.sh" packaging

version=$(dpkg-parsechangelog -S Version)
src=$out/src/panel-$version
rm -rf "$out"
mkdir -p "$src"
# The working tree as it is (uncommitted changes and new files included), without ignored files.
git ls-files -z --cached --others --exclude-standard |
	tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$src" -xf -

cd "$src"
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=2}
dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
cd "$out"
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"

# Errors fail the build; the warnings kept are explained in docs/packaging.md.
if ! lintian --fail-on error --info "$out"/*.changes >"$out/lintian.txt" 2>&1; then
	cat "$out/lintian.txt" >&2
	echo "deb: lintian reports errors (above)" >&2
	exit 1
fi
cat "$out/lintian.txt"
ls -1 "$out"/*.deb
