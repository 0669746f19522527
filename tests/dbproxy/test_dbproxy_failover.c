/* dbproxy crash failover with a ledger: a writer inserts through dbproxy and records every
 * acknowledged id; the primary is killed (-9) again and again; after each failover every
 * acknowledged id must be on the new primary and writes must work, and the old primary is
 * fenced, then rejoined as a replica by the admin command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

#define CYCLES 3

typedef dpt_fixture fixture;

/* File scope, freed by the teardown: a failed assertion must not leave its thread running. */
static dpt_writer W;

static int setup(void **state)
{
	static fixture f;
	th_options opts = {.replicas = 2, .semisync = 1};
	if (dpt_fixture_start(&f, &opts, NULL) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	dpt_writer_free(&W);
	return dpt_fixture_stop(*state);
}

typedef struct ro_wait {
	th_cluster *c;
	int idx;
} ro_wait;

static int is_read_only(void *arg)
{
	ro_wait *r = arg;
	return dpt_number(r->c, r->idx, "SELECT @@global.read_only") == 1;
}

typedef struct up_wait {
	dpt_proxy *p;
	int idx;
} up_wait;

static int seen_up(void *arg)
{
	up_wait *u = arg;
	char health[32];
	return dpt_server_field(u->p, u->idx, "health", health, sizeof(health)) == 0 &&
	       !strcmp(health, "up");
}

static void test_kill9_ledger_cycles(void **state)
{
	fixture *f = *state;
	dpt_writer *w = &W;
	uint64_t epoch0 = 0, epoch;
	int primary = dpt_primary(&f->p, &epoch0);

	assert_int_equal(primary, 0);
	assert_int_equal(dpt_writer_start(w, &f->p, 2), 0);
	assert_true(dpt_writer_wait(w, 50, 20000));

	for (int cycle = 0; cycle < CYCLES; cycle++) {
		size_t before = dpt_writer_count(w), checked = 0;
		uint64_t t0 = dpt_ms();

		dpt_log("cycle %d: kill -9 primary s%d (%zu acknowledged so far)", cycle, primary,
			before);
		assert_int_equal(th_server_signal(f->c, primary, SIGKILL), 0);
		/* Writes must succeed again: through a new primary. */
		if (!dpt_writer_wait(w, before + 50, 30000))
			dpt_proxy_dump_log(&f->p, 60);
		assert_true(dpt_writer_count(w) >= before + 50);
		int np = dpt_primary(&f->p, &epoch);
		dpt_log("cycle %d: writes resumed on s%d (epoch %llu) %llu ms after the kill",
			cycle, np, (unsigned long long)epoch, (unsigned long long)(dpt_ms() - t0));
		assert_true(np >= 0 && np != primary);
		assert_true(epoch > epoch0);
		epoch0 = epoch;

		/* Zero loss: every acknowledged insert is on the new primary. */
		long missing = dpt_ledger_missing(f->c, np, w, &checked);
		dpt_log("cycle %d: %zu acknowledged ids checked on s%d, %ld missing", cycle,
			checked, np, missing);
		assert_int_equal(missing, 0);

		/* The old primary comes back writable (its own options): fenced at once. */
		assert_int_equal(th_server_start(f->c, primary), 0);
		ro_wait rw = {f->c, primary};
		assert_true(dpt_until(10000, is_read_only, &rw));
		up_wait uw = {&f->p, primary};
		assert_true(dpt_until(10000, seen_up, &uw));
		assert_int_equal(dpt_primary(&f->p, NULL), np);

		/* Rejoin it as a replica of the new primary (or, when crash recovery kept a
		 * transaction no replica had, find it quarantined and re-provision it). */
		assert_true(dpt_rejoin_or_reprovision(f->c, &f->p, primary) >= 0);
		primary = np;
	}
	dpt_writer_stop(w);
	size_t checked = 0;
	long missing = dpt_ledger_missing(f->c, primary, w, &checked);
	dpt_log("end: %zu acknowledged inserts, %d errors seen by the writer, %ld missing", checked,
		w->errors, missing);
	assert_int_equal(missing, 0);
	dpt_writer_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kill9_ledger_cycles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
