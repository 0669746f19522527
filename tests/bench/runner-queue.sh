#!/usr/bin/env bash
# The runner's choice of the actions to run, on a queue one member filled (make bench; not part
# of make check): HISTORY finished actions and WAITING waiting ones of one account, and WAITING
# waiting ones of as many other accounts, on a throwaway MariaDB server. The server's time for
# the statement that picks the candidates of a pass, as libpanel runs it (read from panelctl's
# binary), and for the statement it replaced (a NOT EXISTS for each candidate), in the same
# run, REPS times each (median). Environment: HISTORY (500000), WAITING (1000), REPS (5). See
# docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
history=${HISTORY:-500000}
waiting=${WAITING:-1000}
reps=${REPS:-5}
out=$build/bench
mkdir -p "$out"
[[ -x $build/bin/panelctl ]] || { echo "build panelctl first (make)" >&2; exit 1; }

# The statement of runner.c's candidates(), without a kinds clause, its lease and limit bound.
new=$(strings "$build/bin/panelctl" | grep -F 'FORCE INDEX (runnable)' | head -n 1)
[[ -n $new ]] || { echo "no candidates statement in $build/bin/panelctl" >&2; exit 1; }
new=${new//%s/}
new=${new/INTERVAL ? SECOND/INTERVAL 300 SECOND}
new=${new/LIMIT ?/LIMIT 20}
# The reference: the statement before (libpanel 0d935b8 and earlier).
old="SELECT a.id FROM panel_actions a WHERE ((a.state = 'pending' AND a.next_try <= NOW()) OR
 (a.state = 'running' AND a.claimed_at < NOW() - INTERVAL 300 SECOND)) AND (a.action IN
 ('db_dump', 'db_restore') OR NOT EXISTS (SELECT 1 FROM panel_actions b WHERE b.id < a.id AND
 b.state IN ('pending', 'running') AND b.action NOT IN ('db_dump', 'db_restore') AND (b.uid =
 a.uid OR (a.login <> '' AND b.login = a.login)))) ORDER BY a.id LIMIT 20"

# shellcheck source=tests/bench/bench-lib.bash
. tests/bench/bench-lib.bash
bench_server runner-bench runner_bench
bench_db_conf runner_bench >"$work/panel.conf"
"$build/bin/panelctl" -c "$work/panel.conf" schema migrate >/dev/null
sql() { "$mc" sql "$dir" 0 "SET SESSION max_recursive_iterations = 100000000; USE runner_bench; $1"; }
echo "== $history finished and $waiting waiting actions of one account, $waiting of others" >&2
sql "INSERT INTO panel_actions (action, uid, login, args, state, done_at)
	WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $history)
	SELECT IF(n % 2, 'mail_add', 'mail_del'), 2001, 'flood', '{}', 'done', NOW() FROM s;
	INSERT INTO panel_actions (action, uid, login, args)
	WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $waiting)
	SELECT IF(n % 2, 'mail_add', 'mail_del'), 2001, 'flood', '{}' FROM s;
	INSERT INTO panel_actions (action, uid, login, args)
	WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $waiting)
	SELECT 'mail_add', 3000 + n, CONCAT('m', n), '{}' FROM s;
	ANALYZE TABLE panel_actions" >/dev/null

# seconds STATEMENT: the server's time for it (its profile), once.
seconds() {
	sql "SET profiling = 1; $1; SHOW PROFILES" | awk -F'\t' '$1 ~ /^[0-9]+$/ { t = $2 } END { print t }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
[[ $(sql "$new" | md5sum) == $(sql "$old" | md5sum) ]] ||
	{ echo "the two statements disagree" >&2; exit 1; }
: >"$work/new"
: >"$work/old"
for _ in $(seq 1 "$reps"); do
	seconds "$new" >>"$work/new"
	seconds "$old" >>"$work/old"
done
report=$out/runner-queue.md
{
	echo "| statement | seconds (median of $reps) | runs |"
	echo "| --- | --- | --- |"
	echo "| candidates, libpanel now | $(median <"$work/new") | $(paste -sd' ' "$work/new") |"
	echo "| candidates before (NOT EXISTS) | $(median <"$work/old") | $(paste -sd' ' "$work/old") |"
	echo
	echo "$history finished and $waiting waiting actions of one account, $waiting waiting of" \
		"$waiting others; MariaDB $(sql 'SELECT VERSION()' | tail -n 1)"
} | tee "$report"
echo "(written to $report)" >&2
