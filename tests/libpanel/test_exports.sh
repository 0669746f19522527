#!/usr/bin/env bash
# The shared library exports the public panel_* API and nothing else; its pkg-config file
# is usable; a program built against the installed headers and library runs.
set -euo pipefail
build=${PANEL_BUILD:-build/release}
so=$build/lib/libpanel.so.0
fail() { echo "not ok - $*"; exit 1; }

[[ -f $so ]] || fail "$so not built"
symbols=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
[[ -n $symbols ]] || fail "no exported symbol at all"
bad=$(grep -v '^panel_' <<<"$symbols" || true)
[[ -z $bad ]] || fail "symbols outside panel_*: $bad"
internal=$(grep '^panel__' <<<"$symbols" || true)
[[ -z $internal ]] || fail "internal panel__ symbols exported: $internal"
grep -qx panel_open <<<"$symbols" || fail "panel_open is not exported"
echo "ok - $(wc -l <<<"$symbols") symbols, all panel_*"

# Install into a scratch prefix and build a tiny program with pkg-config only.
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
# INSTALL_USERS=no: no system user is created on the machine running the tests.
make -s --no-print-directory install PREFIX="$prefix" BUILD="$build" INSTALL_USERS=no >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cat >"$prefix/use.c" <<'C'
#include <panel/panel.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	panel_config *cfg;
	if (panel_config_new(&cfg) != 0)
		return 1;
	int bad = panel_config_set(cfg, "database", "port", "nope");
	printf("%s %s %s\n", panel_version(), panel_error_name(bad), panel_error_last()->field);
	panel_config_free(cfg);
	return bad == PANEL_EINVALID ? 0 : 1;
}
C
san=()
[[ $build == *asan* ]] && san=(-fsanitize=address,undefined)
cc "${san[@]}" -o "$prefix/use" "$prefix/use.c" $(pkg-config --cflags --libs libpanel) || fail "cannot build against the installed library"
out=$(LD_LIBRARY_PATH=$prefix/lib "$prefix/use") || fail "the program failed: $out"
[[ $out == "0.1.0 invalid database.port" ]] || fail "unexpected output: $out"
# ldd's output is read whole: with pipefail, "ldd | grep -q" fails when grep's early exit
# makes ldd die of SIGPIPE (seen once in CI).
linked=$(LD_LIBRARY_PATH=$prefix/lib ldd "$prefix/use")
grep -qF "$prefix/lib/libpanel.so.0" <<<"$linked" ||
	fail "not linked to the installed libpanel.so.0: $linked"
echo "ok - installed headers, library and pkg-config file work"
