/* Three cooperative dbproxies contending for the monitor locks of one cluster (docs/ha.md §1,
 * §6): started all at once, again and again, they settle on exactly one leader, and every
 * sample taken afterwards shows exactly one, also from the worst split (each holds the lock of
 * one server, forced with SIGSTOP); kill -9 of the primary under writes through all
 * three gives exactly one failover in all (the sum of their counters), all three route to the
 * same new primary, at most one server is writable at any sample, and no acknowledged write is
 * lost; kill -9 of the leader makes exactly one of the other two the leader, without a
 * failover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>

#include "dpt_group.h"

#define NPROXY 3

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p[NPROXY];
} fixture;

/* File scope, freed by the teardown: a failed assertion must not leave a thread running. */
static dpt_writer W[NPROXY];

static int start_proxy(fixture *f, int i)
{
	return dpt_group_start(f->p, f->c, i);
}

static void dump_all(fixture *f)
{
	dpt_group_dump(f->p, NPROXY, 40);
}

static int setup(void **state)
{
	static fixture f;
	th_options opts = {.replicas = 2, .semisync = 1};
	if (th_cluster_start(&f.c, &opts) < 0)
		return -1;
	int ok = dpt_setup_users(f.c) == 0;
	for (int i = 0; ok && i < NPROXY; i++)
		ok = start_proxy(&f, i) == 0;
	if (!ok) {
		dump_all(&f);
		th_cluster_free(f.c);
		return -1;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = dpt_group_stop(f->p, W, NPROXY);
	th_cluster_free(f->c);
	return rc;
}

/* ---------------------------------------------------------------- what each one says */

typedef dpt_view view;

static view view_of(const dpt_proxy *p)
{
	return dpt_group_view(p);
}

static void assert_agreed(fixture *f, unsigned ms)
{
	dpt_group_assert_agreed(f->p, NPROXY, ms);
}

static int leaders(fixture *f, int *which)
{
	return dpt_group_leaders(f->p, NPROXY, which);
}

static int leader_index(fixture *f)
{
	return dpt_group_leader(f->p, NPROXY);
}

static long long total_failovers(fixture *f)
{
	return dpt_group_failovers(f->p, NPROXY);
}

/* ---------------------------------------------------------------- a sampler */

/* Samples, until stopped, how many dbproxies lead and how many servers are writable. */
typedef struct sampler {
	pthread_t th;
	fixture *f;
	atomic_int stop;
	int running;
	pthread_mutex_t pids; /* f->p[].pid: the test kills a dbproxy while sampling */
	int samples, min_leaders, max_leaders, max_writable, writable_samples;
} sampler;

static sampler S;

/* leaders() on a copy of the dbproxies taken under S.pids (sampler_forget writes a pid). */
static int sampled_leaders(sampler *s, int *which)
{
	dpt_proxy p[NPROXY];

	pthread_mutex_lock(&s->pids);
	memcpy(p, s->f->p, sizeof(p));
	pthread_mutex_unlock(&s->pids);
	return dpt_group_leaders(p, NPROXY, which);
}

/* A dbproxy killed and reaped while the sampler runs: it leaves the sample. */
static void sampler_forget(fixture *f, int i)
{
	pthread_mutex_lock(&S.pids);
	f->p[i].pid = 0;
	pthread_mutex_unlock(&S.pids);
}

static void *sampler_main(void *arg)
{
	sampler *s = arg;
	while (!atomic_load(&s->stop)) {
		int l, w, nl = sampled_leaders(s, &l), nw = dpt_writable_servers(s->f->c, &w);
		if (nl < s->min_leaders)
			s->min_leaders = nl;
		if (nl > s->max_leaders)
			s->max_leaders = nl;
		if (nw >= 0) { /* -1: a server dying in the middle of the sample */
			s->writable_samples++;
			if (nw > s->max_writable)
				s->max_writable = nw;
		}
		s->samples++;
		dpt_sleep_ms(20);
	}
	return NULL;
}

static void sampler_start(fixture *f)
{
	memset(&S, 0, sizeof(S));
	pthread_mutex_init(&S.pids, NULL);
	S.f = f;
	S.min_leaders = NPROXY + 1;
	S.running = pthread_create(&S.th, NULL, sampler_main, &S) == 0;
	assert_true(S.running);
}

static void sampler_stop(void)
{
	if (!S.running)
		return;
	atomic_store(&S.stop, 1);
	pthread_join(S.th, NULL);
	pthread_mutex_destroy(&S.pids);
	S.running = 0;
	dpt_log("%d samples: %d to %d leaders; at most %d writable server(s) in %d samples",
		S.samples, S.min_leaders, S.max_leaders, S.max_writable, S.writable_samples);
}

/* ---------------------------------------------------------------- the cases */

/* Stopped, then started again all at the same moment (each dbproxy takes the locks it gets
 * first; the ones with some but no majority let go for a random while): one leader. */
static void test_contention(void **state)
{
	fixture *f = *state;
	assert_agreed(f, 20000);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < NPROXY; i++) {
			kill(f->p[i].pid, SIGKILL);
			waitpid(f->p[i].pid, NULL, 0);
			f->p[i].pid = 0;
		}
		dpt_log("round %d: three dbproxies start at once", round);
		for (int i = 0; i < NPROXY; i++)
			assert_int_equal(dpt_proxy_spawn(&f->p[i], f->p[i].argv), 0);
		for (int i = 0; i < NPROXY; i++)
			assert_int_equal(dpt_proxy_wait_open(&f->p[i]), 0);
		assert_agreed(f, 20000);
		int l = leader_index(f);
		dpt_log("round %d: dbproxy %d leads", round, l);
		/* And it stays so: every sample, one leader, the same. */
		for (int s = 0; s < 20; s++) {
			int which, n = leaders(f, &which);
			assert_int_equal(n, 1);
			assert_int_equal(which, l);
			dpt_sleep_ms(50);
		}
	}
	int w, n = dpt_writable_servers(f->c, &w);
	assert_int_equal(n, 1);
	assert_int_equal(w, view_of(&f->p[0]).primary);
	assert_int_equal(total_failovers(f), 0);
}

/* The monitor lock's name, as dbproxy derives it from the monitoring password (dp_coop.c). */
static void lock_name(char *out, size_t size)
{
	unsigned char d[crypto_generichash_BYTES];
	char hex[2 * crypto_generichash_BYTES + 1];
	static const char ctx[] = "dbproxy cooperative monitoring lock";
	crypto_generichash(d, sizeof(d), (const unsigned char *)DPT_MON_PASS, strlen(DPT_MON_PASS),
			   (const unsigned char *)ctx, sizeof(ctx) - 1);
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	snprintf(out, size, "dbproxy_%.40s", hex);
}

typedef struct holds {
	fixture *f;
	int proxy, server;
} holds;

/* dbproxy h->proxy says it holds the lock of server h->server. */
static int holds_lock(void *arg)
{
	holds *h = arg;
	json_t *st = dpt_status(&h->f->p[h->proxy]);
	json_t *regs = json_object_get(json_object_get(st, "cooperative"), "registers");
	int held =
	    json_is_true(json_object_get(json_array_get(regs, (size_t)h->server), "lock_held"));
	json_decref(st);
	return held;
}

/* Kills the three dbproxies, takes the three locks, starts them (followers of the register,
 * no lock anywhere), then hands out server s's lock while only dbproxy s runs, the others
 * stopped (SIGSTOP). Resumes them all. 1 when each held exactly one lock at that moment: no
 * dbproxy stayed stopped long enough for its lock to expire (2 s after its last cycle), so
 * dbproxy s could take no lock but s's; 0 when one did (a loaded machine): try again. */
static int hand_out_locks(fixture *f, const char *name)
{
	char sql[160];
	MYSQL *hold[NPROXY] = {0};
	uint64_t stopped_at[NPROXY] = {0}, longest = 0;
	for (int i = 0; i < NPROXY; i++) {
		kill(f->p[i].pid, SIGKILL);
		waitpid(f->p[i].pid, NULL, 0);
		f->p[i].pid = 0;
	}
	snprintf(sql, sizeof(sql), "SELECT GET_LOCK('%s', 5)", name);
	for (int s = 0; s < NPROXY; s++) {
		hold[s] = th_connect(f->c, s, NULL);
		assert_non_null(hold[s]);
		assert_int_equal(dpt_query_number(hold[s], sql), 1);
	}
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_proxy_spawn(&f->p[i], f->p[i].argv), 0);
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_proxy_wait_open(&f->p[i]), 0);
	int l;
	assert_int_equal(leaders(f, &l), 0);

	snprintf(sql, sizeof(sql), "SELECT RELEASE_LOCK('%s')", name);
	for (int s = 0; s < NPROXY; s++) {
		/* Only dbproxy s runs while server s's lock is free. */
		for (int i = 0; i < NPROXY; i++) {
			if (i == s && stopped_at[i]) {
				uint64_t d = dpt_ms() - stopped_at[i];
				longest = d > longest ? d : longest;
				stopped_at[i] = 0;
			} else if (i != s && !stopped_at[i]) {
				stopped_at[i] = dpt_ms();
			}
			kill(f->p[i].pid, i == s ? SIGCONT : SIGSTOP);
		}
		assert_int_equal(dpt_query_number(hold[s], sql), 1);
		holds h = {f, s, s};
		if (!dpt_until(5000, holds_lock, &h)) {
			for (int i = 0; i < NPROXY; i++)
				kill(f->p[i].pid, SIGCONT);
			dump_all(f);
			fail_msg("dbproxy %d did not take the lock of s%d", s, s);
		}
	}
	for (int i = 0; i < NPROXY; i++)
		if (stopped_at[i] && dpt_ms() - stopped_at[i] > longest)
			longest = dpt_ms() - stopped_at[i];
	/* Every server's lock has a holder, none of them the test. */
	snprintf(sql, sizeof(sql), "SELECT IS_USED_LOCK('%s') IS NOT NULL", name);
	int all_held = 1;
	for (int s = 0; s < NPROXY; s++) {
		all_held &= dpt_query_number(hold[s], sql) == 1;
		mysql_close(hold[s]);
	}
	for (int i = 0; i < NPROXY; i++)
		kill(f->p[i].pid, SIGCONT);
	dpt_log("locks handed out, one per dbproxy; the longest stop %llu ms; all resume",
		(unsigned long long)longest);
	return all_held && longest < 1500;
}

/* The worst split, forced: each dbproxy holds the lock of one server, none is free, nobody
 * has a majority (hand_out_locks). They must let go (docs/ha.md §1: a random 1-4 probe
 * intervals) until one of them holds two. */
static void test_split_locks(void **state)
{
	fixture *f = *state;
	char name[64];
	assert_int_equal(f->c->nservers, NPROXY);
	assert_agreed(f, 20000);
	long long failovers = total_failovers(f);
	int primary = view_of(&f->p[0]).primary;
	lock_name(name, sizeof(name));
	int split = 0;
	for (int attempt = 0; attempt < 3 && !split; attempt++)
		if (!(split = hand_out_locks(f, name)))
			dpt_log("a dbproxy stayed stopped too long (its lock may have expired): "
				"again");
	assert_true(split);
	assert_agreed(f, 20000);
	int l = leader_index(f);
	dpt_log("dbproxy %d leads", l);
	for (int s = 0; s < 20; s++) {
		int which, n = leaders(f, &which);
		assert_int_equal(n, 1);
		assert_int_equal(which, l);
		dpt_sleep_ms(50);
	}
	assert_int_equal(view_of(&f->p[l]).primary, primary);
	assert_int_equal(total_failovers(f), failovers);
}

static void test_one_failover_no_loss(void **state)
{
	fixture *f = *state;
	assert_agreed(f, 20000);
	int old = view_of(&f->p[0]).primary;
	long long failovers = total_failovers(f);
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_writer_start_at(&W[i], &f->p[i], 2, 1 + i * 1000000), 0);
	for (int i = 0; i < NPROXY; i++)
		assert_true(dpt_writer_wait(&W[i], 50, 20000));

	sampler_start(f);
	size_t before[NPROXY];
	for (int i = 0; i < NPROXY; i++)
		before[i] = dpt_writer_count(&W[i]);
	dpt_log("kill -9 primary s%d", old);
	assert_int_equal(th_server_signal(f->c, old, SIGKILL), 0);
	for (int i = 0; i < NPROXY; i++)
		if (!dpt_writer_wait(&W[i], before[i] + 50, 30000)) {
			sampler_stop();
			dump_all(f);
			fail_msg("writes through dbproxy %d did not resume", i);
		}
	assert_agreed(f, 10000);
	sampler_stop();
	/* The leader never changed hands, and no two servers were writable at once. */
	assert_int_equal(S.min_leaders, 1);
	assert_int_equal(S.max_leaders, 1);
	assert_true(S.max_writable <= 1);
	assert_true(S.writable_samples > 0);

	view v = view_of(&f->p[0]);
	assert_int_not_equal(v.primary, old);
	assert_int_equal(total_failovers(f), failovers + 1);
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_served_by(&f->p[i]), f->c->servers[v.primary].server_id);
	int w, n = dpt_writable_servers(f->c, &w);
	assert_int_equal(n, 1);
	assert_int_equal(w, v.primary);

	for (int i = 0; i < NPROXY; i++)
		dpt_writer_stop(&W[i]);
	for (int i = 0; i < NPROXY; i++) {
		size_t checked = 0;
		long missing = dpt_ledger_missing(f->c, v.primary, &W[i], &checked);
		dpt_log("through dbproxy %d: %zu acknowledged, %ld missing on s%d; %d errors, %d "
			"of them 1290 (read-only)",
			i, checked, missing, v.primary, W[i].errors, W[i].read_only_errors);
		assert_int_equal(missing, 0);
		assert_int_equal(W[i].read_only_errors, 0);
		assert_true(checked >= before[i] + 50);
	}
}

static void test_leader_killed(void **state)
{
	fixture *f = *state;
	assert_agreed(f, 10000);
	int leader = leader_index(f);
	int primary = view_of(&f->p[leader]).primary;
	long long failovers = total_failovers(f) - view_of(&f->p[leader]).failovers;

	sampler_start(f);
	dpt_log("kill -9 the leader, dbproxy %d", leader);
	kill(f->p[leader].pid, SIGKILL);
	waitpid(f->p[leader].pid, NULL, 0);
	sampler_forget(f, leader);
	assert_agreed(f, 10000);
	int next = leader_index(f);
	assert_int_not_equal(next, leader);
	/* And it stays so. */
	for (int s = 0; s < 20; s++) {
		int which, n = leaders(f, &which);
		assert_int_equal(n, 1);
		assert_int_equal(which, next);
		dpt_sleep_ms(50);
	}
	sampler_stop();
	assert_true(S.max_leaders <= 1);
	assert_true(S.max_writable <= 1);
	for (int i = 0; i < NPROXY; i++)
		if (f->p[i].pid > 0) {
			assert_int_equal(view_of(&f->p[i]).primary, primary);
			assert_int_equal(dpt_served_by(&f->p[i]), f->c->servers[primary].server_id);
		}
	assert_int_equal(total_failovers(f), failovers); /* the counters of the two left */

	/* Back, it follows. */
	assert_int_equal(dpt_proxy_launch(&f->p[leader], f->p[leader].argv), 0);
	assert_agreed(f, 10000);
	assert_int_equal(leader_index(f), next);
	assert_int_equal(view_of(&f->p[leader]).primary, primary);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_contention),
	    cmocka_unit_test(test_split_locks),
	    cmocka_unit_test(test_one_failover_no_loss),
	    cmocka_unit_test(test_leader_killed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
