#!/usr/bin/env bash
# Benchmark of an AlternC 1.0 migration through panelctl account import (make bench; not part
# of make check): LINES members (default 10000), each with its stored MD5-crypt hash, a domain
# and a mailbox with its stored hash, as an export of 1.0 gives them, imported on a throwaway
# MariaDB server with JOBS workers (default: twice the CPUs online, as panelctl); then the same file again (every
# object skipped). Wall and CPU time of both, and the rows made. See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
lines=${LINES:-10000}
jobs=${JOBS:-$(($(nproc) * 2))}
out=$build/bench
mkdir -p "$out"
[[ -x $build/bin/panelctl ]] || { echo "build panelctl first (make)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (Debian package time)" >&2; exit 1; }

# shellcheck source=tests/bench/bench-lib.bash
. tests/bench/bench-lib.bash
bench_server import-alternc alternc_import
{
	bench_db_conf alternc_import
	cat <<CONF

[hosting]
fqdn = panel.bench.example
public_ip = 192.0.2.10
ns1 = ns1.bench.example
ns2 = ns2.bench.example
default_mx = mx1.bench.example
root = $work/root
CONF
} >"$work/panel.conf"
ctl() { "$build/bin/panelctl" -c "$work/panel.conf" "$@"; }
ctl schema migrate >/dev/null

echo "== writing $lines members with their domain and mailbox" >&2
php -r '
	$n = (int)$argv[1];
	for ($i = 1; $i <= $n; $i++) {
		$line = ["login" => "m$i", "mail" => "m$i@example.net",
			"password_hash" => crypt("Member-$i", sprintf("\$1\$%08d\$", $i)),
			"domains" => [["domain" => "member$i.example.org", "mail" => [
				["local" => "contact", "password_hash" =>
					crypt("Box-$i", sprintf("\$1\$b%07d\$", $i))]]]]];
		echo json_encode($line), "\n";
	}' "$lines" >"$work/export.jsonl"

run() { # run NAME: the import, its wall and CPU seconds in $work/NAME.time
	/usr/bin/time -f '%e %U %S' -o "$work/$1.time" \
		"$build/bin/panelctl" -c "$work/panel.conf" --json account import --jobs "$jobs" \
		"$work/export.jsonl" \
		>"$work/$1.out" 2>/dev/null || true
}
echo "== import" >&2
run first
echo "== rerun" >&2
run rerun
rows=$("$mc" sql "$dir" 0 "SELECT CONCAT((SELECT COUNT(*) FROM alternc_import.membres), ' ',
	(SELECT COUNT(*) FROM alternc_import.domaines), ' ',
	(SELECT COUNT(*) FROM alternc_import.mail_users))" | tail -n 1)
report() { # report NAME: wall s, cpu s, members/s
	read -r wall user sys <"$work/$1.time"
	awk -v w="$wall" -v u="$user" -v s="$sys" -v n="$lines" -v name="$1" \
		'BEGIN { printf "| %s | %d | %.1f | %.1f | %.0f |\n", name, n, w, u + s, n / w }'
}
{
	echo "$jobs workers"
	echo
	echo "| run | members | wall s | panelctl CPU s | members/s |"
	echo "| --- | --- | --- | --- | --- |"
	report first
	report rerun
	echo
	echo "rows after both runs (accounts, domains, mailboxes): $rows"
} | tee "$out/import-alternc.md"
