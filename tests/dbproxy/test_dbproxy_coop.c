/* Several dbproxies in front of one cluster, in cooperative mode (docs/ha.md): exactly one
 * leader; one failover per primary loss, by the leader, with both dbproxies routing to the
 * same new primary and every write acknowledged through either of them kept; a follower
 * refuses admin operations; the leader crashing or hanging hands over to the other without a
 * second failover; and a dbproxy that was down during a failover, whose state file names the
 * dead primary, routes to the new one when it comes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt_group.h"

#define NPROXY 2

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

static int setup(void **state)
{
	static fixture f;
	th_options opts = {.replicas = 2, .semisync = 1};
	if (th_cluster_start(&f.c, &opts) < 0)
		return -1;
	if (dpt_setup_users(f.c) < 0 || start_proxy(&f, 0) < 0 || start_proxy(&f, 1) < 0) {
		dpt_group_dump(f.p, NPROXY, 40);
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

static int leader_index(fixture *f)
{
	return dpt_group_leader(f->p, NPROXY);
}

static long long total_failovers(fixture *f)
{
	return dpt_group_failovers(f->p, NPROXY);
}

typedef struct up_wait {
	fixture *f;
	int idx;
} up_wait;

static int seen_up(void *arg)
{
	up_wait *u = arg;
	return dpt_group_sees_up(u->f->p, NPROXY, u->idx);
}

static void dump_all(fixture *f)
{
	dpt_group_dump(f->p, NPROXY, 40);
}

static void assert_agreed(fixture *f, unsigned ms)
{
	dpt_group_assert_agreed(f->p, NPROXY, ms);
}

/* The leader holds the monitor lock on server idx. */
static int leader_locked(void *arg)
{
	up_wait *u = arg;
	return dpt_group_leader_locked(u->f->p, NPROXY, u->idx);
}

/* A killed server restarts; the leader rejoins it as a replica once it holds its lock (its
 * statements there are guarded by it). */
static void restart_and_rejoin(fixture *f, int idx)
{
	up_wait u = {f, idx};
	assert_int_equal(th_server_start(f->c, idx), 0);
	assert_true(dpt_until(10000, seen_up, &u));
	assert_true(dpt_until(10000, leader_locked, &u));
	assert_true(dpt_rejoin_or_reprovision(f->c, &f->p[leader_index(f)], idx) >= 0);
	assert_agreed(f, 10000);
}

/* ---------------------------------------------------------------- the cases */

static void test_one_failover_no_loss(void **state)
{
	fixture *f = *state;
	assert_agreed(f, 20000);
	view a = view_of(&f->p[0]);
	assert_int_equal(a.primary, 0);
	int follower = leader_index(f) == 0 ? 1 : 0;

	/* A follower does not operate: it says who can. */
	char *body = NULL;
	int code = dpt_http(&f->p[follower], "POST", "/failover", &body);
	assert_int_not_equal(code, 200);
	assert_non_null(body);
	assert_non_null(strstr(body, "not the leader"));
	free(body);

	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_writer_start_at(&W[i], &f->p[i], 2, 1 + i * 1000000), 0);
	for (int i = 0; i < NPROXY; i++)
		assert_true(dpt_writer_wait(&W[i], 50, 20000));

	/* Sessions open across the crash: idle ones through each dbproxy, and one inside a
	 * transaction. */
	MYSQL *idle[NPROXY], *in_tx = dpt_connect(&f->p[follower], 10);
	for (int i = 0; i < NPROXY; i++) {
		idle[i] = dpt_connect(&f->p[i], 10);
		assert_non_null(idle[i]);
		assert_int_equal((int)dpt_query_number(idle[i], "SELECT @@server_id"),
				 f->c->servers[0].server_id);
	}
	assert_non_null(in_tx);
	assert_int_equal(mysql_query(in_tx, "BEGIN"), 0);
	assert_int_equal(mysql_query(in_tx, "INSERT INTO ledger (id, at) VALUES (-1, NOW(6))"), 0);

	size_t before[NPROXY];
	for (int i = 0; i < NPROXY; i++)
		before[i] = dpt_writer_count(&W[i]);
	dpt_log("kill -9 primary s0 (%zu and %zu acknowledged)", before[0], before[1]);
	assert_int_equal(th_server_signal(f->c, 0, SIGKILL), 0);
	for (int i = 0; i < NPROXY; i++)
		if (!dpt_writer_wait(&W[i], before[i] + 50, 30000)) {
			dump_all(f);
			fail_msg("writes through dbproxy %d did not resume", i);
		}
	assert_agreed(f, 10000);
	view v = view_of(&f->p[0]);
	assert_int_not_equal(v.primary, 0);
	/* Exactly one failover, made by one of them. */
	assert_int_equal(total_failovers(f), 1);
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_served_by(&f->p[i]), f->c->servers[v.primary].server_id);
	/* The idle sessions go on, on the new primary, without an error (docs/ha.md §4); the
	 * one inside a transaction is told its connection was lost. */
	for (int i = 0; i < NPROXY; i++) {
		int id = (int)dpt_query_number(idle[i], "SELECT @@server_id");
		if (id < 0)
			fail_msg("idle session through dbproxy %d: error %u %s", i,
				 mysql_errno(idle[i]), mysql_error(idle[i]));
		assert_int_equal(id, f->c->servers[v.primary].server_id);
		mysql_close(idle[i]);
	}
	assert_int_not_equal(mysql_query(in_tx, "COMMIT"), 0);
	dpt_log("inside a transaction: error %u %s", mysql_errno(in_tx), mysql_error(in_tx));
	assert_true(mysql_errno(in_tx) == 2013 || mysql_errno(in_tx) == 2006);
	mysql_close(in_tx);

	for (int i = 0; i < NPROXY; i++)
		dpt_writer_stop(&W[i]);
	for (int i = 0; i < NPROXY; i++) {
		size_t checked = 0;
		long missing = dpt_ledger_missing(f->c, v.primary, &W[i], &checked);
		dpt_log("through dbproxy %d: %zu acknowledged, %ld missing on s%d", i, checked,
			missing, v.primary);
		assert_int_equal(missing, 0);
		assert_true(checked >= before[i] + 50);
	}
	/* The old primary comes back: fenced, rejoined as a replica by the leader. */
	restart_and_rejoin(f, 0);
}

static void test_leader_crash_hands_over(void **state)
{
	fixture *f = *state;
	assert_agreed(f, 10000);
	int leader = leader_index(f), other = 1 - leader;
	int primary = view_of(&f->p[other]).primary;

	/* A member with a MySQL account squats on every server on the lock name a guessable
	 * dbproxy would use: named locks are shared by all users. It must not matter. */
	MYSQL *squat[TH_MAX_SERVERS] = {0};
	for (int i = 0; i < f->c->nservers; i++) {
		squat[i] = mysql_init(NULL);
		assert_non_null(mysql_real_connect(squat[i], "127.0.0.1", DPT_APP_USER,
						   DPT_APP_PASS, DPT_APP_DB,
						   (unsigned)f->c->servers[i].port, NULL, 0));
		if (dpt_query_number(squat[i], "SELECT GET_LOCK('dbproxy_monitor', 0)") != 1 ||
		    dpt_query_number(squat[i], "SELECT GET_LOCK('dbproxy_writer', 0)") != 1)
			fail_msg("the member could not take the lock names on s%d", i);
	}
	dpt_log("kill -9 the leader, dbproxy %d", leader);
	kill(f->p[leader].pid, SIGKILL);
	waitpid(f->p[leader].pid, NULL, 0);
	f->p[leader].pid = 0;
	assert_agreed(f, 10000);
	assert_true(view_of(&f->p[other]).leader);
	assert_int_equal(view_of(&f->p[other]).primary, primary);
	assert_int_equal(dpt_served_by(&f->p[other]), f->c->servers[primary].server_id);

	/* Back, it follows. */
	char *const *argv = f->p[leader].argv;
	assert_int_equal(dpt_proxy_launch(&f->p[leader], argv), 0);
	assert_agreed(f, 10000);
	assert_int_equal(leader_index(f), other);
	assert_int_equal(view_of(&f->p[leader]).primary, primary); /* no failover either */
	for (int i = 0; i < f->c->nservers; i++)
		mysql_close(squat[i]);
}

static void test_missed_failover(void **state)
{
	fixture *f = *state;
	assert_agreed(f, 10000);
	int leader = leader_index(f), away = 1 - leader;
	int primary = view_of(&f->p[leader]).primary;

	dpt_log("dbproxy %d stops; kill -9 primary s%d", away, primary);
	kill(f->p[away].pid, SIGKILL);
	waitpid(f->p[away].pid, NULL, 0);
	f->p[away].pid = 0;
	assert_int_equal(th_server_signal(f->c, primary, SIGKILL), 0);
	uint64_t deadline = dpt_ms() + 20000;
	view v;
	while ((v = view_of(&f->p[leader])).primary == primary || !v.open) {
		if (dpt_ms() > deadline) {
			dump_all(f);
			fail_msg("no failover");
		}
		dpt_sleep_ms(50);
	}
	/* Its state file names the dead primary: it must route to the new one. */
	char *const *argv = f->p[away].argv;
	assert_int_equal(dpt_proxy_launch(&f->p[away], argv), 0);
	assert_agreed(f, 10000);
	assert_int_equal(view_of(&f->p[away]).primary, v.primary);
	assert_int_equal(dpt_served_by(&f->p[away]), f->c->servers[v.primary].server_id);
	restart_and_rejoin(f, primary);
}

/* A leader frozen longer than its locks live (wait_timeout) loses them; when it resumes, it
 * follows, and nothing it had queued runs. */
static void test_hung_leader(void **state)
{
	fixture *f = *state;
	assert_agreed(f, 10000);
	int leader = leader_index(f), other = 1 - leader;
	long long failovers = total_failovers(f);
	int primary = view_of(&f->p[other]).primary;

	dpt_log("SIGSTOP the leader, dbproxy %d, for 5 s", leader);
	kill(f->p[leader].pid, SIGSTOP);
	uint64_t deadline = dpt_ms() + 15000;
	while (!view_of(&f->p[other]).leader) {
		if (dpt_ms() > deadline) {
			kill(f->p[leader].pid, SIGCONT);
			dump_all(f);
			fail_msg("the other dbproxy did not take over");
		}
		dpt_sleep_ms(50);
	}
	dpt_sleep_ms(1000);
	kill(f->p[leader].pid, SIGCONT);
	assert_agreed(f, 10000);
	assert_int_equal(leader_index(f), other);
	assert_int_equal(view_of(&f->p[leader]).primary, primary);
	assert_int_equal(total_failovers(f), failovers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_failover_no_loss),
	    cmocka_unit_test(test_leader_crash_hands_over),
	    cmocka_unit_test(test_missed_failover),
	    cmocka_unit_test(test_hung_leader),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
