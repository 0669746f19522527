/* Races between two calls whose checks could each miss the other, against a real MariaDB: a
 * domain added above another account's domain being added (and siblings, which must not wait
 * for each other), a statistics set or an FTP account made on a domain being deleted. Each case
 * stops the first call after its checks, on the member's quotas row this test holds
 * (panel__quota_reserve locks it after the checks), starts the second call, and lets the first go
 * on once the second has finished or waits on a lock. Before the fixes, both calls passed each
 * time. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor super;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

static int setup(void **state)
{
	static const char *const settings[] = {"hosting", "fqdn",	"panel.host.example",
					       "hosting", "public_ip",	"192.0.2.10",
					       "hosting", "ns1",	"ns1.host.example",
					       "hosting", "ns2",	"ns2.host.example",
					       "hosting", "default_mx", "mx1.host.example",
					       NULL};

	(void)state;
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "races", settings) != 0)
		return -1;
	super = panel_actor_admin(2000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

/* ---------------------------------------------------------------- two calls */

enum op { DOMAIN_ADD, DOMAIN_DELETE, RAWSTAT_CREATE, FTP_CREATE };

struct call {
	enum op op;
	panel_actor who;
	const char *name;
	int rc, done;
};

static void run_call(struct call *c, panel *h)
{
	switch (c->op) {
	case DOMAIN_ADD: {
		panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
		panel_domain *d = NULL;
		spec.domain = c->name;
		c->rc = panel_domain_add(&d, h, &c->who, NULL, &spec);
		panel_domain_free(d);
		break;
	}
	case DOMAIN_DELETE:
		c->rc = panel_domain_delete(h, &c->who, c->name);
		break;
	case RAWSTAT_CREATE: {
		panel_rawstat *r = NULL;
		c->rc = panel_rawstat_create(&r, h, &c->who, NULL, c->name, "/");
		panel_rawstat_free(r);
		break;
	}
	case FTP_CREATE: {
		panel_ftp_spec spec = PANEL_FTP_SPEC_INIT;
		panel_ftp *f = NULL;
		spec.prefix = c->name;
		spec.suffix = "web";
		spec.password = "Ftp-Pass-4711-xyz";
		c->rc = panel_ftp_create(&f, h, &c->who, NULL, &spec);
		panel_ftp_free(f);
		break;
	}
	}
}

/* Runs the call on a handle of its own (another panel-api worker). */
static void *call_thread(void *arg)
{
	struct call *c = arg;
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *own = NULL;

	if (panel_open(&own, cfg) == 0)
		run_call(c, own);
	else
		c->rc = 1000;
	panel_config_free(cfg);
	panel_close(own);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Statements of the test's database waiting on a lock (running for more than 300 ms). */
static long long lock_waits(void)
{
	return number(
	    "SELECT COUNT(*) FROM information_schema.processlist WHERE db = '%s' AND"
	    " command IN ('Query', 'Execute') AND time_ms > 300 AND id <> CONNECTION_ID()",
	    db);
}

/* first runs until it waits on uid's quotas row named quota (held here, after first's
 * checks); then second runs until it ends or waits on a lock; then first goes on. 1 when
 * second ended while first was held (it waited for nothing of first's). */
static int interleave(uint32_t uid, const char *quota, struct call *first, struct call *second)
{
	MYSQL *m = th_connect(cluster, 0, db);
	char q[200];
	pthread_t t1, t2;
	int waiting = 0;

	assert_non_null(m);
	assert_int_equal(mysql_query(m, "START TRANSACTION"), 0);
	snprintf(q, sizeof(q), "SELECT total FROM quotas WHERE uid = %u AND name = '%s' FOR UPDATE",
		 uid, quota);
	assert_int_equal(mysql_query(m, q), 0);
	mysql_free_result(mysql_store_result(m));
	assert_int_equal(pthread_create(&t1, NULL, call_thread, first), 0);
	for (int i = 0; i < 500 && !waiting; i++, usleep(20000))
		waiting = lock_waits() >= 1;
	assert_true(waiting);
	assert_int_equal(pthread_create(&t2, NULL, call_thread, second), 0);
	for (int i = 0; i < 500; i++, usleep(20000))
		if (__atomic_load_n(&second->done, __ATOMIC_ACQUIRE) || lock_waits() >= 2)
			break;
	int second_done = __atomic_load_n(&second->done, __ATOMIC_ACQUIRE);
	assert_int_equal(mysql_query(m, "ROLLBACK"), 0);
	mysql_close(m);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return second_done;
}

static panel_actor member(const char *login)
{
	uint32_t uid = ts_member(p, &super, login);

	sql("UPDATE quotas SET total = 20 WHERE uid = %u", uid);
	return panel_actor_member(uid);
}

/* ---------------------------------------------------------------- the cases */

/* One after the other, a member may not add a domain above another account's domain (1.0's
 * rawstat.daily would append that domain's access log to its statistics). At once, one of the
 * two additions fails. */
static void test_domain_above_another_being_added(void **state)
{
	panel_actor alice = member("hbalice"), bob = member("hbbob");
	struct call a = {DOMAIN_ADD, alice, "race-below.org", 0, 0};
	struct call b = {DOMAIN_ADD, bob, "shop.race-below.org", 0, 0};

	(void)state;
	assert_false(interleave(alice.uid, "dom", &a, &b)); /* the second waited */
	assert_panel_ok(a.rc);
	assert_panel_rc(b.rc, PANEL_EEXISTS);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE domaine IN"
				" ('race-below.org', 'shop.race-below.org')",
				db),
			 1);
}

/* Two members adding domains under the same parent at once (an import's workers, say):
 * neither waits for the other, both are made. */
static void test_siblings_added_at_once(void **state)
{
	panel_actor alice = member("sbalice"), bob = member("sbbob");
	struct call first = {DOMAIN_ADD, member("sbcarol"), "zero.sibling-race.org", 0, 0};
	struct call a = {DOMAIN_ADD, alice, "one.sibling-race.org", 0, 0};
	struct call b = {DOMAIN_ADD, bob, "two.sibling-race.org", 0, 0};

	(void)state;
	/* The parent's row is made by the first addition under it; then it is only shared. */
	run_call(&first, p);
	assert_panel_ok(first.rc);
	assert_true(interleave(alice.uid, "dom", &a, &b));
	assert_panel_ok(a.rc);
	assert_panel_ok(b.rc);
}

/* login makes the domain, then makes an object of kind op on it (held after its checks on
 * its quotas row quota) while deleting the domain: the deletion goes through and leaves no row
 * of table where that object would be. */
static void object_on_domain_being_deleted(const char *login, const char *domain, enum op op,
					   const char *quota, const char *table, const char *where)
{
	panel_actor owner = member(login);
	struct call add = {DOMAIN_ADD, owner, domain, 0, 0};
	struct call a = {op, owner, domain, 0, 0};
	struct call b = {DOMAIN_DELETE, owner, domain, 0, 0};

	run_call(&add, p);
	assert_panel_ok(add.rc);
	interleave(owner.uid, quota, &a, &b);
	assert_panel_ok(b.rc);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.%s WHERE %s", db, table, where), 0);
}

/* A statistics set made on a domain its member deletes at once: the deletion's purge finds it.
 * Left behind, it would get the access logs of whoever hosts the name next. */
static void test_rawstat_on_domain_being_deleted(void **state)
{
	(void)state;
	object_on_domain_being_deleted("rsalice", "stats-race.org", RAWSTAT_CREATE, "sta2",
				       "stats2", "hostname = 'stats-race.org'");
}

/* An FTP account named after a domain its member deletes at once: the purge finds it (left
 * behind, the next owner of the name could not have it). */
static void test_ftp_on_domain_being_deleted(void **state)
{
	(void)state;
	object_on_domain_being_deleted("ftalice", "ftp-race.org", FTP_CREATE, "ftp", "ftpusers",
				       "name = 'ftp-race.org_web'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_domain_above_another_being_added),
	    cmocka_unit_test(test_siblings_added_at_once),
	    cmocka_unit_test(test_rawstat_on_domain_being_deleted),
	    cmocka_unit_test(test_ftp_on_domain_being_deleted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
