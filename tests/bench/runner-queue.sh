#!/usr/bin/env bash
# The runner's choice of the actions to run, on queues one member or many filled (make bench; not
# part of make check), on a throwaway MariaDB server: the server's time for the statement that
# picks the candidates of a claim, as libpanel runs it (read from panelctl's binary), and for
# the statement it replaced (one NOT EXISTS for each candidate, through the (uid, id) index), in
# the same run, REPS times each (median), for each queue:
#   flood     one account's 500,000 finished and 1,000 waiting actions, 1,000 other accounts'
#   retries   the same, and 10,000 other accounts' actions waiting to be retried in an hour
#   accounts  100,000 accounts with one waiting action each
#   backlog   one account's 100,000 waiting actions, no history
# Environment: QUEUES (all four), REPS (3). See docs/benchmarks.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${PANEL_BUILD:-build/release}
read -ra queues <<<"${QUEUES:-flood retries accounts backlog}"
reps=${REPS:-3}
out=$build/bench
mkdir -p "$out"
[[ -x $build/bin/panelctl ]] || { echo "build panelctl first (make)" >&2; exit 1; }

# The statement of runner.c's candidates(), without a kinds clause, its lease and limit bound.
new=$(strings "$build/bin/panelctl" | grep -F 'FORCE INDEX (unfinished_uid)' | head -n 1)
[[ -n $new ]] || { echo "no candidates statement in $build/bin/panelctl" >&2; exit 1; }
new=$(printf '%s' "$new" | sed -e 's/%s//' -e 's/INTERVAL ? SECOND/INTERVAL 300 SECOND/' \
	-e 's/LIMIT ?$/LIMIT 20/')
# The reference: the statement of libpanel up to 0d935b8 (726f070 tried a GROUP BY over the
# unfinished actions instead, which grew with the queue and could walk the history again).
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
# fill H P O F: H finished and P waiting actions of account 2001, one waiting action of O other
# accounts each, and one of F more accounts each to be retried in an hour.
fill() {
	sql "TRUNCATE panel_actions;
	INSERT INTO panel_actions (action, uid, login, args, state, done_at)
	WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $1)
	SELECT IF(n % 2, 'mail_add', 'mail_del'), 2001, 'flood', '{}', 'done', NOW() FROM s
	WHERE $1 > 0;
	INSERT INTO panel_actions (action, uid, login, args, next_try)
	WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $4)
	SELECT 'mail_add', 900000 + n, CONCAT('f', n), '{}', NOW() + INTERVAL 1 HOUR FROM s
	WHERE $4 > 0;
	INSERT INTO panel_actions (action, uid, login, args)
	WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $2)
	SELECT IF(n % 2, 'mail_add', 'mail_del'), 2001, 'flood', '{}' FROM s WHERE $2 > 0;
	INSERT INTO panel_actions (action, uid, login, args)
	WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $3)
	SELECT 'mail_add', 3000 + n, CONCAT('m', n), '{}' FROM s WHERE $3 > 0;
	ANALYZE TABLE panel_actions" >/dev/null
}
declare -A sizes=([flood]="500000 1000 1000 0" [retries]="500000 1000 1000 10000"
	[accounts]="0 0 100000 0" [backlog]="0 100000 0 0")

# seconds STATEMENT: the server's time for it (its profile), once.
seconds() {
	sql "SET profiling = 1; $1; SHOW PROFILES" | awk -F'\t' '$1 ~ /^[0-9]+$/ { t = $2 } END { print t }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
report=$out/runner-queue.md
{
	echo "| queue | libpanel now: s (median of $reps) | before: s (median of $reps) | runs now / before |"
	echo "| --- | --- | --- | --- |"
} >"$report"
for q in "${queues[@]}"; do
	[[ -n ${sizes[$q]:-} ]] || { echo "unknown queue $q" >&2; exit 2; }
	# shellcheck disable=SC2086 # four numbers
	echo "== $q: $(printf 'history %s, waiting %s, others %s, retried later %s' ${sizes[$q]})" >&2
	# shellcheck disable=SC2086
	fill ${sizes[$q]}
	[[ $(sql "$new" | md5sum) == $(sql "$old" | md5sum) ]] ||
		{ echo "$q: the two statements disagree" >&2; exit 1; }
	: >"$work/new"
	: >"$work/old"
	for _ in $(seq 1 "$reps"); do
		seconds "$new" >>"$work/new"
		seconds "$old" >>"$work/old"
	done
	echo "| $q | $(median <"$work/new") | $(median <"$work/old") |" \
		"$(paste -sd' ' "$work/new") / $(paste -sd' ' "$work/old") |" >>"$report"
done
{
	echo
	echo "MariaDB $(sql 'SELECT VERSION()' | tail -n 1)"
} >>"$report"
cat "$report"
echo "(written to $report)" >&2
