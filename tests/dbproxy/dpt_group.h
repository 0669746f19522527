/* Helpers for tests that run several cooperative dbproxies in front of one cluster
 * (docs/ha.md): start one with a state file of its own, ask the running ones whether they
 * agree, who leads, how many failovers they made, and stop them all. A group is an array of
 * dpt_proxy; one whose pid is 0 is not running and is skipped. Header-only, like dpt.h;
 * included after cmocka.h (dpt_group_assert_agreed fails the test). */
#ifndef DPT_GROUP_H
#define DPT_GROUP_H

#include "dpt.h"

/* Starts dbproxy i of the group in cooperative mode, with the state file state-<i>. */
static inline int dpt_group_start(dpt_proxy *p, th_cluster *c, int i)
{
	char state[PATH_MAX];
	snprintf(state, sizeof(state), "%.*s/state-%d", PATH_MAX - 16, c->dir, i);
	const char *extra[] = {"--cooperative-monitoring", "majority", "--state-file", state, NULL};
	return dpt_proxy_start(&p[i], c, extra);
}

static inline dpt_view dpt_group_view(const dpt_proxy *p)
{
	return dpt_view_of(p->pid > 0 ? dpt_status(p) : NULL);
}

/* Every running dbproxy agrees: one leader, routing open to the same primary, same epoch. */
static inline int dpt_group_agreed(const dpt_proxy *p, int n)
{
	int leaders = 0, seen = 0;
	dpt_view first = {0};
	for (int i = 0; i < n; i++) {
		if (p[i].pid <= 0)
			continue;
		dpt_view v = dpt_group_view(&p[i]);
		if (!v.up || !v.open)
			return 0;
		if (seen++ == 0)
			first = v;
		else if (v.primary != first.primary || v.epoch != first.epoch)
			return 0;
		leaders += v.leader;
	}
	return leaders == 1;
}

/* How many running dbproxies say they lead; *which is the last of them (-1 when none). */
static inline int dpt_group_leaders(const dpt_proxy *p, int n, int *which)
{
	int count = 0;
	*which = -1;
	for (int i = 0; i < n; i++)
		if (p[i].pid > 0 && dpt_group_view(&p[i]).leader) {
			count++;
			*which = i;
		}
	return count;
}

/* The index of the one leader, or -1 when none or several say they lead. */
static inline int dpt_group_leader(const dpt_proxy *p, int n)
{
	int l;
	return dpt_group_leaders(p, n, &l) == 1 ? l : -1;
}

/* The failovers the running dbproxies made, summed. */
static inline long long dpt_group_failovers(const dpt_proxy *p, int n)
{
	long long total = 0;
	for (int i = 0; i < n; i++)
		total += p[i].pid > 0 ? dpt_group_view(&p[i]).failovers : 0;
	return total;
}

/* Every running dbproxy sees server idx up. */
static inline int dpt_group_sees_up(const dpt_proxy *p, int n, int idx)
{
	char health[32];
	for (int i = 0; i < n; i++)
		if (p[i].pid > 0 &&
		    (dpt_server_field(&p[i], idx, "health", health, sizeof(health)) < 0 ||
		     strcmp(health, "up") != 0))
			return 0;
	return 1;
}

/* The one leader holds the monitor lock on server idx. */
static inline int dpt_group_leader_locked(const dpt_proxy *p, int n, int idx)
{
	int l = dpt_group_leader(p, n);
	json_t *st = l >= 0 ? dpt_status(&p[l]) : NULL;
	json_t *regs = json_object_get(json_object_get(st, "cooperative"), "registers");
	int held = json_is_true(json_object_get(json_array_get(regs, (size_t)idx), "lock_held"));
	json_decref(st);
	return held;
}

static inline void dpt_group_dump(const dpt_proxy *p, int n, int lines)
{
	for (int i = 0; i < n; i++)
		if (p[i].pid > 0)
			dpt_proxy_dump_log(&p[i], lines);
}

/* Fails the test unless the group agrees (dpt_group_agreed) within ms; says what each one
 * sees, and their logs, first. */
static inline void dpt_group_assert_agreed(const dpt_proxy *p, int n, unsigned ms)
{
	uint64_t deadline = dpt_ms() + ms;
	while (!dpt_group_agreed(p, n)) {
		if (dpt_ms() >= deadline) {
			dpt_group_dump(p, n, 40);
			for (int i = 0; i < n; i++) {
				json_t *st = p[i].pid > 0 ? dpt_status(&p[i]) : NULL;
				char *coop =
				    st ? json_dumps(json_object_get(st, "cooperative"), 0) : NULL;
				dpt_view v = dpt_view_of(st);
				fprintf(
				    stderr,
				    "dbproxy %d (pid %d): up %d leader %d primary s%d epoch %llu "
				    "open %d: %s\n",
				    i, (int)p[i].pid, v.up, v.leader, v.primary,
				    (unsigned long long)v.epoch, v.open, coop ? coop : "");
				free(coop);
			}
			fail_msg("the dbproxies did not agree on one leader and one writer within "
				 "%u ms",
				 ms);
		}
		dpt_sleep_ms(50);
	}
}

/* Frees the writers w[0..n) (threads first), then stops every dbproxy; -1 when one did not
 * exit cleanly (its log is shown). */
static inline int dpt_group_stop(dpt_proxy *p, dpt_writer *w, int n)
{
	int rc = 0;
	for (int i = 0; i < n; i++)
		dpt_writer_free(&w[i]);
	for (int i = 0; i < n; i++) {
		int st = dpt_proxy_stop(&p[i]);
		if (st != 0) {
			fprintf(stderr, "dbproxy %d exit status %d\n", i, st);
			dpt_proxy_dump_log(&p[i], 80);
			rc = -1;
		}
	}
	return rc;
}

#endif
