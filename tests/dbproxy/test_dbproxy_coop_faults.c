/* The leader of two cooperative dbproxies dies in the middle of a failover (docs/ha.md §3),
 * at a point chosen with a fail point (DBPROXY_FAILPOINT, docs/dbproxy.md §13), not by timing
 * luck: it stops itself there (SIGSTOP), the test sees it stopped and kills it (-9). Killed
 * after choosing the candidate but before publishing it, after publishing but before promoting
 * it, or after promoting it but before redirecting the other replica and routing: the other
 * dbproxy becomes the leader and completes the failover (exactly one in all), exactly one
 * server is then writable, both dbproxies (the dead one restarted) route to it, no client is
 * routed to a server still read-only, no write acknowledged through either is lost, and every
 * other server ends up replicating from the new writer. Hung after publishing and resumed once
 * the other has failed over, the old leader's promotion fails its guard and it follows. A
 * publication that reaches no majority (a replica's register row locked by another session)
 * promotes nothing; once the row is free exactly one failover completes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt_group.h"

#define NPROXY 2

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p[NPROXY];
	int launched[NPROXY]; /* p[i].argv holds its command line */
} fixture;

/* File scope, freed by the teardown: a failed assertion must not leave a thread running. */
static dpt_writer W[NPROXY];

/* Starts dbproxy i (cooperative, a state file of its own), with DBPROXY_FAILPOINT=failpoint
 * in its environment when failpoint is not NULL. */
static int launch(fixture *f, int i, const char *failpoint)
{
	int r;
	if (failpoint)
		setenv("DBPROXY_FAILPOINT", failpoint, 1);
	if (f->launched[i]) {
		r = dpt_proxy_launch(&f->p[i], f->p[i].argv);
	} else {
		char state[PATH_MAX];
		snprintf(state, sizeof(state), "%.*s/state-%d", PATH_MAX - 16, f->c->dir, i);
		const char *extra[] = {"--cooperative-monitoring", "majority", "--state-file",
				       state, NULL};
		r = dpt_proxy_start(&f->p[i], f->c, extra);
		f->launched[i] = r == 0;
	}
	unsetenv("DBPROXY_FAILPOINT");
	return r;
}

static int setup(void **state)
{
	static fixture f;
	th_options opts = {.replicas = 2, .semisync = 1};
	unsetenv("DBPROXY_FAILPOINT");
	if (th_cluster_start(&f.c, &opts) < 0)
		return -1;
	if (dpt_setup_users(f.c) < 0) {
		th_cluster_free(f.c);
		return -1;
	}
	*state = &f;
	return 0;
}

static int stop_all(fixture *f)
{
	return dpt_group_stop(f->p, W, NPROXY);
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = stop_all(f);
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

static void dump_all(fixture *f)
{
	dpt_group_dump(f->p, NPROXY, 60);
}

static void assert_agreed(fixture *f, unsigned ms)
{
	dpt_group_assert_agreed(f->p, NPROXY, ms);
}

typedef struct took_over {
	fixture *f;
	int idx, old;
} took_over;

/* dbproxy idx leads and routes to a primary other than old. */
static int failed_over(void *arg)
{
	took_over *t = arg;
	view v = view_of(&t->f->p[t->idx]);
	return v.leader && v.open && v.primary >= 0 && v.primary != t->old;
}

typedef struct up_wait {
	fixture *f;
	int idx;
} up_wait;

/* Every running dbproxy sees server idx up, and the leader holds its lock. */
static int seen_up_locked(void *arg)
{
	up_wait *u = arg;
	return dpt_group_sees_up(u->f->p, NPROXY, u->idx) &&
	       dpt_group_leader_locked(u->f->p, NPROXY, u->idx);
}

/* The register's writer on server idx as a running server says it ("" when unreadable). */
static void register_writer(fixture *f, int idx, char *out, size_t size)
{
	MYSQL *m = th_connect(f->c, idx, NULL);
	out[0] = 0;
	if (m && mysql_query(m, "SELECT writer FROM dbproxy.writer WHERE id = 1") == 0) {
		MYSQL_RES *r = mysql_store_result(m);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		if (row && row[0])
			snprintf(out, size, "%s", row[0]);
		mysql_free_result(r);
	}
	if (m)
		mysql_close(m);
}

typedef struct one_writable {
	fixture *f;
	int idx;
} one_writable;

/* Server idx is the only writable one. */
static int only_writable(void *arg)
{
	one_writable *o = arg;
	int w, n = dpt_writable_servers(o->f->c, &w);
	return n == 1 && w == o->idx;
}

/* The writers stopped: every write acknowledged through either dbproxy is on server primary,
 * and nobody was routed to a published, not yet writable candidate (clients waited instead of
 * getting 1290). The writers are freed. */
static void assert_ledgers_on(fixture *f, int primary)
{
	for (int i = 0; i < NPROXY; i++)
		dpt_writer_stop(&W[i]);
	for (int i = 0; i < NPROXY; i++) {
		size_t checked = 0;
		long missing = dpt_ledger_missing(f->c, primary, &W[i], &checked);
		dpt_log("through dbproxy %d: %zu acknowledged, %ld missing on s%d; %d errors, %d "
			"of them 1290 (read-only)",
			i, checked, missing, primary, W[i].errors, W[i].read_only_errors);
		assert_int_equal(missing, 0);
		assert_int_equal(W[i].read_only_errors, 0);
	}
	for (int i = 0; i < NPROXY; i++)
		dpt_writer_free(&W[i]);
}

/* ---------------------------------------------------------------- the case */

/* dbproxy 0 leads with DBPROXY_FAILPOINT=failpoint, dbproxy 1 follows; the primary is killed
 * under writes through both; dbproxy 0 stops itself at the fail point and is killed there. */
enum stage { CHOSEN, PUBLISHED, PROMOTED };

static void leader_dies_at(fixture *f, const char *failpoint, enum stage stage, int hang)
{
	/* dbproxy 0 alone first: it takes every lock and leads; then dbproxy 1 follows. */
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_proxy_stop(&f->p[i]), 0);
	assert_int_equal(launch(f, 0, failpoint), 0);
	assert_int_equal(launch(f, 1, NULL), 0);
	assert_agreed(f, 20000);
	assert_int_equal(leader_index(f), 0);
	int old = view_of(&f->p[0]).primary;
	assert_true(old >= 0);
	long long failovers_before = view_of(&f->p[1]).failovers;

	static int round;
	round++;
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(
		    dpt_writer_start_at(&W[i], &f->p[i], 2, 1 + i * 1000000 + round * 100000), 0);
	for (int i = 0; i < NPROXY; i++)
		assert_true(dpt_writer_wait(&W[i], 50, 20000));

	dpt_log("kill -9 primary s%d; the leader stops at fail point %s", old, failpoint);
	assert_int_equal(th_server_signal(f->c, old, SIGKILL), 0);
	uint64_t deadline = dpt_ms() + 30000;
	while (!dpt_proc_stopped(f->p[0].pid)) {
		if (dpt_ms() > deadline) {
			dump_all(f);
			fail_msg("the leader did not reach fail point %s", failpoint);
		}
		dpt_sleep_ms(20);
	}

	/* Stopped there: nothing is writable until the promotion; the register names the
	 * candidate on the running servers (a majority) once published. */
	int w, n = dpt_writable_servers(f->c, &w);
	assert_int_equal(n, stage == PROMOTED ? 1 : 0);
	char old_ident[64], reg[256];
	snprintf(old_ident, sizeof(old_ident), "s%d=127.0.0.1:%d", old, f->c->servers[old].port);
	for (int i = 0; i < f->c->nservers; i++) {
		if (i == old)
			continue;
		register_writer(f, i, reg, sizeof(reg));
		dpt_log("s%d's register names %s", i, reg);
		if (stage != CHOSEN)
			assert_string_not_equal(reg, old_ident);
		else
			assert_string_equal(reg, old_ident);
	}

	if (!hang) {
		dpt_log("kill -9 the stopped leader, dbproxy 0");
		kill(f->p[0].pid, SIGKILL);
		waitpid(f->p[0].pid, NULL, 0);
		f->p[0].pid = 0;
	} else {
		dpt_log("the leader, dbproxy 0, stays stopped: its locks expire");
	}

	/* The other one takes the lead and completes the failover (once promoted, it adopts the
	 * new writer and redirects the other replica: no failover of its own). */
	took_over t = {f, 1, old};
	if (!dpt_until(30000, failed_over, &t)) {
		dump_all(f);
		fail_msg("dbproxy 1 did not take over and fail over");
	}
	int primary = view_of(&f->p[1]).primary;
	size_t now1 = dpt_writer_count(&W[1]);
	if (!dpt_writer_wait(&W[1], now1 + 50, 30000)) {
		dump_all(f);
		fail_msg("writes through dbproxy 1 did not resume");
	}
	n = dpt_writable_servers(f->c, &w);
	assert_int_equal(n, 1);
	assert_int_equal(w, primary);
	long long expected = failovers_before + (stage == PROMOTED ? 0 : 1);
	assert_int_equal(view_of(&f->p[1]).failovers, expected);
	assert_int_equal(dpt_served_by(&f->p[1]), f->c->servers[primary].server_id);

	if (hang) {
		/* Resumed, its next steps fail their guard (the locks are the other one's): it
		 * promotes nothing and follows. */
		dpt_log("SIGCONT dbproxy 0");
		kill(f->p[0].pid, SIGCONT);
	} else {
		/* Restarted (without the fail point), the dead one follows the same writer. */
		assert_int_equal(launch(f, 0, NULL), 0);
	}
	assert_agreed(f, 10000);
	assert_int_equal(leader_index(f), 1);
	assert_int_equal(view_of(&f->p[0]).primary, primary);
	assert_int_equal(dpt_served_by(&f->p[0]), f->c->servers[primary].server_id);
	size_t now0 = dpt_writer_count(&W[0]);
	if (!dpt_writer_wait(&W[0], now0 + 50, 30000)) {
		dump_all(f);
		fail_msg("writes through the restarted dbproxy 0 did not resume");
	}
	/* Exactly one failover in all: the restarted one made none, the leader one (or none,
	 * when the dead one had promoted). */
	assert_int_equal(total_failovers(f), expected);
	n = dpt_writable_servers(f->c, &w);
	assert_int_equal(n, 1);
	assert_int_equal(w, primary);

	assert_ledgers_on(f, primary);

	/* The old primary comes back and is rejoined, for the next case. */
	up_wait u = {f, old};
	assert_int_equal(th_server_start(f->c, old), 0);
	if (!dpt_until(15000, seen_up_locked, &u)) {
		dump_all(f);
		fail_msg("s%d not seen up", old);
	}
	assert_true(dpt_rejoin_or_reprovision(f->c, &f->p[1], old) >= 0);
	assert_agreed(f, 10000);
	/* Every other server replicates from the writer, the one the dead leader had frozen
	 * too; a re-provisioned one (it restarts writable) is fenced by then. */
	if (!dpt_until(15000, dpt_replicas_ready, &f->p[1])) {
		json_t *st = dpt_status(&f->p[1]);
		char *servers =
		    st ? json_dumps(json_object_get(st, "servers"), JSON_INDENT(1)) : NULL;
		dump_all(f);
		fprintf(stderr, "dbproxy 1's servers: %s\n", servers ? servers : "?");
		free(servers);
		json_decref(st);
		fail_msg("the replicas do not all replicate from s%d", primary);
	}
	one_writable ow = {f, primary};
	assert_true(dpt_until(10000, only_writable, &ow));
}

/* Published, not promoted: the register names a read-only replica of the dead primary. */
static void test_killed_after_publish(void **state)
{
	leader_dies_at(*state, "after_publish", PUBLISHED, 0);
}

/* Chosen, not published: the register still names the dead primary. */
static void test_killed_before_publish(void **state)
{
	leader_dies_at(*state, "before_publish", CHOSEN, 0);
}

/* Promoted, the other replica not redirected yet, nothing routed: the register names the
 * writable candidate. */
static void test_killed_after_promote(void **state)
{
	leader_dies_at(*state, "after_promote", PROMOTED, 0);
}

/* Hung, not killed, after publishing: once its locks expired (wait_timeout) the other one
 * leads and fails over; resumed, the old leader's promotion fails its guard. */
static void test_hung_after_publish(void **state)
{
	leader_dies_at(*state, "after_publish", PUBLISHED, 1);
}

static long long total_refusals(fixture *f)
{
	long long n = 0;
	for (int i = 0; i < NPROXY; i++)
		n += view_of(&f->p[i]).refusals;
	return n;
}

/* Some dbproxy leads and routes to a primary other than the dead one. */
static int anyone_failed_over(void *arg)
{
	took_over *t = arg;
	for (int i = 0; i < NPROXY; i++) {
		t->idx = i;
		if (failed_over(t))
			return 1;
	}
	return 0;
}

/* The publication reaches no majority: a replica's register row is locked by another session
 * (a stalled server), so the leader's write there waits past its step's limit. The failover
 * fails before any promotion, the replicas are unfrozen, nothing is writable; once the row is
 * free, exactly one failover completes, every dbproxy routes to it, 0 acknowledged writes lost
 * and no client routed to a read-only server. */
static void test_publication_without_majority(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_proxy_stop(&f->p[i]), 0);
	assert_int_equal(launch(f, 0, NULL), 0);
	assert_int_equal(launch(f, 1, NULL), 0);
	assert_agreed(f, 20000);
	int old = view_of(&f->p[0]).primary;
	assert_true(old >= 0);
	int y = old == 1 ? 2 : 1;
	long long failovers_before = total_failovers(f), refusals_before = total_refusals(f);

	MYSQL *blocker = th_connect(f->c, y, NULL);
	assert_non_null(blocker);
	assert_int_equal(mysql_query(blocker, "SET SESSION sql_log_bin = 0"), 0);
	assert_int_equal(mysql_query(blocker, "BEGIN"), 0);
	assert_int_equal(
	    mysql_query(blocker, "SELECT epoch FROM dbproxy.writer WHERE id = 1 FOR UPDATE"), 0);
	mysql_free_result(mysql_store_result(blocker));

	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_writer_start_at(&W[i], &f->p[i], 2, 1 + i * 1000000 + 900000),
				 0);
	for (int i = 0; i < NPROXY; i++)
		assert_true(dpt_writer_wait(&W[i], 50, 20000));
	dpt_log("s%d's register row locked by a test session; kill -9 primary s%d", y, old);
	assert_int_equal(th_server_signal(f->c, old, SIGKILL), 0);
	uint64_t deadline = dpt_ms() + 30000;
	while (total_refusals(f) == refusals_before) {
		if (dpt_ms() > deadline) {
			dump_all(f);
			fail_msg("no failover failed while the register row was locked");
		}
		dpt_sleep_ms(50);
	}
	int w, n = dpt_writable_servers(f->c, &w);
	dpt_log("a failover failed (%lld); %d writable server(s); the row is released",
		total_refusals(f) - refusals_before, n);
	assert_int_equal(n, 0);
	assert_int_equal(total_failovers(f), failovers_before);
	assert_int_equal(mysql_query(blocker, "COMMIT"), 0);
	mysql_close(blocker);

	took_over t = {f, 0, old};
	if (!dpt_until(30000, anyone_failed_over, &t)) {
		dump_all(f);
		fail_msg("nobody failed over once the register row was free");
	}
	assert_agreed(f, 10000);
	int primary = view_of(&f->p[t.idx]).primary;
	for (int i = 0; i < NPROXY; i++) {
		size_t now = dpt_writer_count(&W[i]);
		if (!dpt_writer_wait(&W[i], now + 50, 30000)) {
			dump_all(f);
			fail_msg("writes through dbproxy %d did not resume", i);
		}
		assert_int_equal(dpt_served_by(&f->p[i]), f->c->servers[primary].server_id);
	}
	assert_int_equal(total_failovers(f), failovers_before + 1);
	n = dpt_writable_servers(f->c, &w);
	assert_int_equal(n, 1);
	assert_int_equal(w, primary);
	assert_ledgers_on(f, primary);
}

/* An admin's switchover, asked of the leader in a thread of its own (the leader stops at its
 * fail point meanwhile). */
typedef struct switchover_call {
	const dpt_proxy *p;
	char path[64];
	char *body;
	int status;
} switchover_call;

static void *switchover_thread(void *arg)
{
	switchover_call *c = arg;
	c->status = dpt_http(c->p, "POST", c->path, &c->body);
	return NULL;
}

/* A switchover whose candidate dies between the publication and the promotion (the leader
 * held at its after_publish fail point meanwhile): it fails, and the old writer, demoted, is
 * published again and made writable; writes resume through both dbproxies. Before, the leader
 * kept routing to the read-only old writer (1290) and the follower to the dead candidate the
 * register named, for good (found by a review). */
static void test_switchover_fails_after_publish(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_proxy_stop(&f->p[i]), 0);
	assert_int_equal(launch(f, 0, "after_publish"), 0);
	assert_int_equal(launch(f, 1, NULL), 0);
	assert_agreed(f, 20000);
	assert_int_equal(leader_index(f), 0);
	int old = view_of(&f->p[0]).primary;
	assert_true(old >= 0);
	/* Every server up, a replica of the writer (a case before may have left one down):
	 * without the candidate, the other two still make a majority. */
	for (int i = 0; i < f->c->nservers; i++) {
		MYSQL *m = th_connect(f->c, i, NULL);
		if (m) {
			mysql_close(m);
			continue;
		}
		up_wait u = {f, i};
		assert_int_equal(th_server_start(f->c, i), 0);
		assert_true(dpt_until(15000, seen_up_locked, &u));
		assert_true(dpt_rejoin_or_reprovision(f->c, &f->p[0], i) >= 0);
	}
	assert_true(dpt_until(15000, dpt_replicas_ready, &f->p[0]));
	int cand = old == 0 ? 1 : 0;
	for (int i = 0; i < NPROXY; i++)
		assert_int_equal(dpt_writer_start_at(&W[i], &f->p[i], 2, 1 + i * 1000000 + 800000),
				 0);
	for (int i = 0; i < NPROXY; i++)
		assert_true(dpt_writer_wait(&W[i], 50, 20000));

	switchover_call call = {.p = &f->p[0]};
	pthread_t t;
	snprintf(call.path, sizeof(call.path), "/switchover?to=s%d", cand);
	dpt_log("switchover to s%d; its server dies once the leader published it", cand);
	assert_int_equal(pthread_create(&t, NULL, switchover_thread, &call), 0);
	uint64_t deadline = dpt_ms() + 30000;
	while (!dpt_proc_stopped(f->p[0].pid)) {
		if (dpt_ms() > deadline) {
			dump_all(f);
			fail_msg("the leader did not reach fail point after_publish");
		}
		dpt_sleep_ms(20);
	}
	assert_int_equal(th_server_signal(f->c, cand, SIGKILL), 0);
	kill(f->p[0].pid, SIGCONT);
	pthread_join(t, NULL);
	dpt_log("switchover answer %d: %s", call.status, call.body ? call.body : "");
	assert_non_null(call.body);
	assert_non_null(strstr(call.body, "could not promote"));
	free(call.body);

	/* The old writer again, writable, the only one, and both dbproxies route to it. */
	one_writable ow = {f, old};
	if (!dpt_until(15000, only_writable, &ow)) {
		dump_all(f);
		fail_msg("s%d was not made writable again", old);
	}
	assert_agreed(f, 15000);
	for (int i = 0; i < NPROXY; i++) {
		size_t now = dpt_writer_count(&W[i]);
		if (!dpt_writer_wait(&W[i], now + 50, 20000)) {
			dump_all(f);
			fail_msg("writes through dbproxy %d did not resume", i);
		}
		assert_int_equal(dpt_served_by(&f->p[i]), f->c->servers[old].server_id);
	}
	for (int i = 0; i < NPROXY; i++)
		dpt_writer_stop(&W[i]);
	for (int i = 0; i < NPROXY; i++) {
		size_t checked = 0;
		assert_int_equal(dpt_ledger_missing(f->c, old, &W[i], &checked), 0);
		dpt_writer_free(&W[i]);
	}

	/* The dead candidate comes back, a replica again, for the next case. */
	up_wait u = {f, cand};
	assert_int_equal(th_server_start(f->c, cand), 0);
	if (!dpt_until(15000, seen_up_locked, &u)) {
		dump_all(f);
		fail_msg("s%d not seen up", cand);
	}
	assert_true(dpt_rejoin_or_reprovision(f->c, &f->p[0], cand) >= 0);
	assert_true(dpt_until(15000, only_writable, &ow));
}

int main(void)
{
	/* The switchover case first: it needs all three servers up, and a server a case kills
	 * with -9 can fail its next start (MariaDB aborted once in its binary log recovery). */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_switchover_fails_after_publish),
	    cmocka_unit_test(test_killed_after_publish),
	    cmocka_unit_test(test_killed_before_publish),
	    cmocka_unit_test(test_killed_after_promote),
	    cmocka_unit_test(test_hung_after_publish),
	    cmocka_unit_test(test_publication_without_majority),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
