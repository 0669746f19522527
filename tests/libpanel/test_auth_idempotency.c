/* Tests of idempotency keys against a real MariaDB: claim, complete and replay, per principal,
 * conflicts, release, expiry after 24 hours and purging, syntax, concurrent claims of one key
 * (exactly one runs), a claim whose request died with its connection (taken over), an expired
 * key claimed afresh (held like a new claim), and a request's operations committed with its
 * answer or not at all. */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth_support.h"
#include "panel/panel.h"

static int setup(void **state)
{
	(void)state;
	return auth_setup("auth_idem");
}

static int teardown(void **state)
{
	(void)state;
	return auth_teardown();
}

#define CLAIMERS 8 /* threads claiming one key at once */

/* ---------------------------------------------------------------- idempotency */

#define H1	 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2	 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3	 "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define H3_UPPER "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"

static void idempotency_claim_complete_replay(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};

	(void)state;
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1));
	assert_null(r.body);
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1), PANEL_ECONFLICT,
		     NULL);
	assert_string_equal(panel_error_last()->message,
			    "the first request with this key is still running");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H2), PANEL_ECONFLICT,
		     NULL);
	assert_string_equal(panel_error_last()->message,
			    "this Idempotency-Key was used for another request");
	assert_null(r.body);
	/* Keys are per principal. */
	assert_panel_ok(panel_idempotency_begin(&r, p, "key:7", "k-1", H2));

	assert_panel_ok(panel_idempotency_complete(p, "token:2001", "k-1", 201, "{\"id\":\"x\"}",
						   "/api/v1/things/x"));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1), PANEL_EEXISTS, NULL);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"id\":\"x\"}");
	assert_string_equal(r.location, "/api/v1/things/x"); /* the 201's Location comes back */
	free(r.body);
	r.body = NULL;
	/* Upper-case hex is the same hash. */
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-hex", H3));
	assert_panel_ok(panel_idempotency_complete(p, "token:2001", "k-hex", 204, "", NULL));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-hex", H3_UPPER), PANEL_EEXISTS,
		     NULL);
	assert_int_equal(r.status, 204);
	assert_string_equal(r.location, "");
	free(r.body);
	r.body = NULL;
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H2), PANEL_ECONFLICT,
		     NULL);
	assert_string_equal(panel_error_last()->message,
			    "this Idempotency-Key was used for another request");
	/* An answer is stored once; a released completed key stays. */
	assert_error(panel_idempotency_complete(p, "token:2001", "k-1", 500, "{}", NULL),
		     PANEL_ENOTFOUND, NULL);
	assert_panel_ok(panel_idempotency_release(p, "token:2001", "k-1"));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1), PANEL_EEXISTS, NULL);
	assert_int_equal(r.status, 201);
	free(r.body);
	r.body = NULL;
	assert_error(panel_idempotency_complete(p, "token:2001", "never", 200, "{}", NULL),
		     PANEL_ENOTFOUND, NULL);
}

static void idempotency_release_and_expiry(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};

	(void)state;
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-2", H1));
	assert_panel_ok(panel_idempotency_release(p, "token:2001", "k-2"));
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'k-2'"), 0);
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-2", H2));
	assert_panel_ok(panel_idempotency_complete(p, "token:2001", "k-2", 200, NULL, NULL));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-2", H2), PANEL_EEXISTS, NULL);
	assert_string_equal(r.body, "");
	free(r.body);
	r.body = NULL;

	/* After 24 hours the key is forgotten: a new request may use it. */
	sqlf("UPDATE panel_idempotency SET created = NOW() - INTERVAL 25 HOUR WHERE idem_key = "
	     "'k-2'");
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-2", H1));
	assert_int_equal(num("SELECT status FROM panel_idempotency WHERE idem_key = 'k-2'"), 0);
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-2", H1), PANEL_ECONFLICT,
		     NULL);

	/* Old rows of other keys are purged along the way. */
	sqlf("INSERT INTO panel_idempotency (principal, idem_key, request_hash, status, body, "
	     "created)"
	     " VALUES ('token:9', 'old', '%s', 200, '{}', NOW() - INTERVAL 2 DAY)",
	     H1);
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-3", H1));
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'old'"), 0);

	/* Syntax. */
	char longkey[300];
	memset(longkey, 'k', 256);
	longkey[256] = '\0';
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "", H1), PANEL_EINVALID, "key");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", longkey, H1), PANEL_EINVALID,
		     "key");
	longkey[255] = '\0';
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", longkey, H1));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "a\nb", H1), PANEL_EINVALID,
		     "key");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", NULL, H1), PANEL_EINVALID, "key");
	assert_error(panel_idempotency_begin(&r, p, "", "k", H1), PANEL_EINVALID, "principal");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k", "abc"), PANEL_EINVALID,
		     "request_hash");
	assert_error(panel_idempotency_begin(
			 &r, p, "token:2001", "k",
			 "zz11111111111111111111111111111111111111111111111111111111111111"),
		     PANEL_EINVALID, "request_hash");
	assert_error(panel_idempotency_complete(p, "token:2001", "k-3", 0, "{}", NULL),
		     PANEL_EINVALID, "status");
	assert_error(panel_idempotency_complete(p, "token:2001", "k-3", 600, "{}", NULL),
		     PANEL_EINVALID, "status");
	assert_null(r.body);
}

struct claimer {
	pthread_barrier_t *start;
	panel *p;
	int rc;
};

static void *claim(void *arg)
{
	struct claimer *c = arg;
	panel_idempotent_response r = {0, NULL, ""};

	pthread_barrier_wait(c->start);
	c->rc = panel_idempotency_begin(&r, c->p, "token:2001", "k-race", H1);
	free(r.body);
	return NULL;
}

/* Retries that arrive together: exactly one runs, the others are told it is running. */
static void idempotency_concurrent_claims(void **state)
{
	struct claimer c[CLAIMERS];
	pthread_t threads[CLAIMERS];
	pthread_barrier_t start;
	int claimed = 0, running = 0;

	(void)state;
	assert_int_equal(pthread_barrier_init(&start, NULL, CLAIMERS), 0);
	for (int i = 0; i < CLAIMERS; i++) {
		c[i] = (struct claimer){&start, ts_panel_open(cluster, dbname), 1};
		assert_int_equal(pthread_create(&threads[i], NULL, claim, &c[i]), 0);
	}
	/* Every claimer ends before any handle closes: a closed handle is a request that died,
	 * whose claim a later retry may take over. */
	for (int i = 0; i < CLAIMERS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < CLAIMERS; i++) {
		panel_close(c[i].p);
		claimed += c[i].rc == 0;
		running += c[i].rc == PANEL_ECONFLICT;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(claimed, 1);
	assert_int_equal(running, CLAIMERS - 1);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'k-race'"),
			 1);
}

/* The request that claimed a key died (its daemon killed, its database connection closed
 * with it): while the connection lives, a retry is told the request runs; once it is gone, the
 * retry takes the claim over and completes it, instead of "still running" for a day. */
static void idempotency_orphaned_claim_taken_over(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};
	panel *first = ts_panel_open(cluster, dbname), *retry = ts_panel_open(cluster, dbname);

	(void)state;
	assert_non_null(first);
	assert_non_null(retry);
	assert_panel_ok(panel_idempotency_begin(&r, first, "token:2001", "k-orphan", H1));
	assert_error(panel_idempotency_begin(&r, retry, "token:2001", "k-orphan", H1),
		     PANEL_ECONFLICT, NULL);
	assert_string_equal(panel_error_last()->message,
			    "the first request with this key is still running");
	/* Another request is still refused, even once the claim is free: the first session gone
	 * from the server, which lets its lock go after the client has closed. */
	uint64_t first_id = 0;
	assert_int_equal(
	    panel__db_query_u64(&first_id, first->db, "SELECT CONNECTION_ID()", DB_NOARGS), 0);
	panel_close(first);
	for (int i = 0; i < 500 && num("SELECT COUNT(*) FROM information_schema.processlist"
				       " WHERE id = %llu",
				       (unsigned long long)first_id) != 0;
	     i++)
		usleep(20 * 1000);
	assert_error(panel_idempotency_begin(&r, retry, "token:2001", "k-orphan", H2),
		     PANEL_ECONFLICT, NULL);
	assert_string_equal(panel_error_last()->message,
			    "this Idempotency-Key was used for another request");
	/* The same request takes it over; a third handle then sees it running. */
	assert_panel_ok(panel_idempotency_begin(&r, retry, "token:2001", "k-orphan", H1));
	panel *third = ts_panel_open(cluster, dbname);
	assert_non_null(third);
	assert_error(panel_idempotency_begin(&r, third, "token:2001", "k-orphan", H1),
		     PANEL_ECONFLICT, NULL);
	assert_panel_ok(
	    panel_idempotency_complete(retry, "token:2001", "k-orphan", 201, "{}", NULL));
	assert_error(panel_idempotency_begin(&r, third, "token:2001", "k-orphan", H1),
		     PANEL_EEXISTS, NULL);
	assert_int_equal(r.status, 201);
	free(r.body);
	panel_close(third);
	panel_close(retry);
}

/* A key whose answer expired is claimed afresh, and held like a new claim while its request
 * runs: a retry meanwhile is told it runs. The purge of begin takes 20 expired rows a call, so
 * with more of them the row is still there to be claimed again. */
static void idempotency_expired_key_claimed_is_held(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};
	panel *first = ts_panel_open(cluster, dbname), *retry = ts_panel_open(cluster, dbname);

	(void)state;
	assert_non_null(first);
	assert_non_null(retry);
	for (int i = 0; i < 25; i++)
		sqlf("INSERT INTO panel_idempotency (principal, idem_key, request_hash, status,"
		     " body, created) VALUES ('token:9', 'old-%d', '%s', 200, '{}',"
		     " NOW() - INTERVAL 3 DAY)",
		     i, H1);
	sqlf("INSERT INTO panel_idempotency (principal, idem_key, request_hash, status, body,"
	     " created) VALUES ('token:2001', 'k-expired', '%s', 201, '{}',"
	     " NOW() - INTERVAL 2 DAY)",
	     H2);
	assert_panel_ok(panel_idempotency_begin(&r, first, "token:2001", "k-expired", H1));
	assert_int_equal(num("SELECT status FROM panel_idempotency WHERE idem_key = 'k-expired'"),
			 0);
	assert_error(panel_idempotency_begin(&r, retry, "token:2001", "k-expired", H1),
		     PANEL_ECONFLICT, NULL);
	assert_string_equal(panel_error_last()->message,
			    "the first request with this key is still running");
	assert_panel_ok(
	    panel_idempotency_complete(first, "token:2001", "k-expired", 201, "{}", NULL));
	assert_error(panel_idempotency_begin(&r, retry, "token:2001", "k-expired", H1),
		     PANEL_EEXISTS, NULL);
	free(r.body);
	sqlf("DELETE FROM panel_idempotency WHERE principal = 'token:9'");
	panel_close(retry);
	panel_close(first);
}

/* A claimed request's operations and its answer in one transaction (panel-api's PAPI_ATOMIC
 * routes): a cut after the operation but before its answer was stored applies neither, so the
 * retry runs it again and answers 201. Without it the account was made by the first attempt and
 * the retry, running again, answered "exists". */
static long long request_session(void)
{
	return num("SELECT t.trx_mysql_thread_id FROM information_schema.innodb_trx t"
		   " JOIN information_schema.processlist l ON l.id = t.trx_mysql_thread_id"
		   " WHERE l.db = DATABASE() AND t.trx_rows_modified > 0");
}

static void create_in_request(panel *h, const char *key)
{
	panel_idempotent_response r = {0, NULL, ""};
	panel_actor super = panel_actor_admin(SUPER);
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;

	spec.login = "atomic1";
	spec.password = "Atomic-pass-42";
	spec.mail = "atomic1@example.org";
	assert_panel_ok(panel_idempotency_begin(&r, h, "token:2000", key, H1));
	assert_panel_ok(panel_idempotency_atomic_begin(h));
	/* An operation that fails is undone alone: the request goes on. */
	spec.mail = "not a mail";
	assert_int_not_equal(panel_account_create(&a, h, &super, &spec), 0);
	spec.mail = "atomic1@example.org";
	assert_panel_ok(panel_account_create(&a, h, &super, &spec));
	panel_account_free(a);
	assert_false(panel_idempotency_atomic_broken(h));
}

static void idempotency_atomic_cut_applies_nothing(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};
	panel *first = ts_panel_open(cluster, dbname), *retry = ts_panel_open(cluster, dbname);
	long long session;

	(void)state;
	assert_non_null(first);
	assert_non_null(retry);
	add_account(SUPER, "admin", "super-secret-1", 1, 1);
	create_in_request(first, "k-atomic");
	/* Nothing is visible before the answer commits with it. */
	assert_int_equal(num("SELECT COUNT(*) FROM membres WHERE login = 'atomic1'"), 0);
	/* The cut: the request's session dies before its answer is stored. */
	session = request_session();
	assert_true(session > 0);
	sqlf("KILL %lld", session);
	assert_error(panel_idempotency_complete(first, "token:2000", "k-atomic", 201,
						"{\"login\":\"atomic1\"}", NULL),
		     PANEL_EUNAVAILABLE, NULL);
	assert_int_equal(num("SELECT COUNT(*) FROM membres WHERE login = 'atomic1'"), 0);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'k-atomic'"
			     " AND status <> 0"),
			 0);

	/* The retry takes the claim over and runs; its answer commits with the account. */
	create_in_request(retry, "k-atomic");
	assert_panel_ok(panel_idempotency_complete(retry, "token:2000", "k-atomic", 201,
						   "{\"login\":\"atomic1\"}", NULL));
	assert_int_equal(num("SELECT COUNT(*) FROM membres WHERE login = 'atomic1'"), 1);
	assert_error(panel_idempotency_begin(&r, first, "token:2000", "k-atomic", H1),
		     PANEL_EEXISTS, NULL);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"login\":\"atomic1\"}");
	free(r.body);
	/* Aborted: the claim is given up, nothing of the request stays. */
	assert_panel_ok(panel_idempotency_begin(&r, first, "token:2000", "k-abort", H2));
	assert_panel_ok(panel_idempotency_atomic_begin(first));
	sqlf("UPDATE membres SET notes = 'before' WHERE login = 'atomic1'");
	panel_account_spec ch = PANEL_ACCOUNT_SPEC_INIT;
	panel_actor super = panel_actor_admin(SUPER);
	panel_account *a = NULL;
	ch.notes = "changed";
	assert_panel_ok(panel_account_update(&a, first, &super, "atomic1", &ch, NULL));
	panel_account_free(a);
	panel_idempotency_atomic_abort(first);
	assert_panel_ok(panel_idempotency_release(first, "token:2000", "k-abort"));
	assert_int_equal(num("SELECT COUNT(*) FROM membres WHERE notes = 'before'"), 1);
	panel_close(retry);
	panel_close(first);
}

/* The claim itself inside the request's transaction (panel_idempotency_begin_atomic): a retry
 * that arrives meanwhile waits on the claim's row, then gets the answer committed with the
 * change; or, when the first request rolled back, the claim. */
struct waiter {
	panel *h;
	const char *key;
	int rc;
	panel_idempotent_response r;
	atomic_int done;   /* the claim returned (rc and message set) */
	char message[256]; /* its error's message */
};

static void *claim_atomic(void *arg)
{
	struct waiter *w = arg;

	w->rc = panel_idempotency_begin_atomic(&w->r, w->h, "token:2000", w->key, H1);
	if (w->rc < 0)
		snprintf(w->message, sizeof(w->message), "%s", panel_error_last()->message);
	atomic_store(&w->done, 1);
	return NULL;
}

static long long waiting_claims(void)
{
	return num("SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE()"
		   " AND info LIKE 'SET STATEMENT innodb_lock_wait_timeout%%INSERT INTO"
		   " panel_idempotency%%'");
}

/* Waits up to 10 s (a loaded machine) for w's claim to wait on the row; when it does not, says
 * what the claim and the database's sessions were doing instead. */
static void wait_for_waiting_claim(struct waiter *w)
{
	panel_db_rows *rows;

	for (int i = 0; i < 500 && !waiting_claims(); i++)
		usleep(20 * 1000);
	if (waiting_claims() == 1)
		return;
	if (atomic_load(&w->done))
		print_message("the claim of %s returned %d (%s) without waiting\n", w->key, w->rc,
			      w->message);
	if (panel__db_query(&rows, p->db,
			    "SELECT CONCAT_WS(' | ', id, command, state, time, info) FROM"
			    " information_schema.processlist WHERE db = DATABASE()",
			    DB_NOARGS) == 0) {
		for (size_t i = 0; i < panel__db_rows_count(rows); i++)
			print_message("session: %s\n", panel__db_cell(rows, i, 0));
		panel__db_rows_free(rows);
	}
	fail_msg("the claim of %s was not seen waiting on the row", w->key);
}

static void idempotency_atomic_claim_waits_for_its_answer(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};
	panel *first = ts_panel_open(cluster, dbname);
	struct waiter w = {ts_panel_open(cluster, dbname), "k-wait", 1, {0, NULL, ""}, 0, ""};
	pthread_t t;

	(void)state;
	assert_non_null(first);
	assert_non_null(w.h);
	assert_panel_ok(panel_idempotency_begin_atomic(&r, first, "token:2000", "k-wait", H1));
	/* Not committed: nobody else sees the claim. */
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'k-wait'"),
			 0);
	assert_int_equal(pthread_create(&t, NULL, claim_atomic, &w), 0);
	/* The retry waits on the claim's row. */
	wait_for_waiting_claim(&w);
	assert_panel_ok(
	    panel_idempotency_complete(first, "token:2000", "k-wait", 201, "{\"a\":1}", NULL));
	pthread_join(t, NULL);
	assert_int_equal(w.rc, PANEL_EEXISTS);
	assert_int_equal(w.r.status, 201);
	assert_string_equal(w.r.body, "{\"a\":1}");
	free(w.r.body);
	assert_false(panel_idempotency_atomic_broken(w.h));

	/* The first request rolls back: the waiting retry claims the key and runs. */
	w = (struct waiter){w.h, "k-wait-2", 1, {0, NULL, ""}, 0, ""};
	assert_panel_ok(panel_idempotency_begin_atomic(&r, first, "token:2000", "k-wait-2", H1));
	assert_int_equal(pthread_create(&t, NULL, claim_atomic, &w), 0);
	wait_for_waiting_claim(&w);
	panel_idempotency_atomic_abort(first);
	pthread_join(t, NULL);
	assert_panel_ok(w.rc);
	assert_panel_ok(panel_idempotency_complete(w.h, "token:2000", "k-wait-2", 204, "", NULL));
	assert_int_equal(num("SELECT status FROM panel_idempotency WHERE idem_key = 'k-wait-2'"),
			 204);

	/* Another request with the key, once answered: refused at once. */
	assert_error(panel_idempotency_begin_atomic(&r, first, "token:2000", "k-wait-2", H2),
		     PANEL_ECONFLICT, NULL);
	assert_string_equal(panel_error_last()->message,
			    "this Idempotency-Key was used for another request");
	panel_close(w.h);
	panel_close(first);
}

/* The session of a claim is lost while its request runs (killed, a cut, a failover): the
 * claim's lock went with it and a retry takes the claim over, so the request must not go on on a
 * new session beside the retry: its operations fail, and its release leaves the retry's claim.
 * Before, the handle reconnected and the request ran a second time beside its retry. */
static void idempotency_claim_session_lost(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};
	panel *first = ts_panel_open(cluster, dbname), *retry = ts_panel_open(cluster, dbname);
	panel_actor super = panel_actor_admin(SUPER);
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	long long holder;
	int rc = PANEL_ECONFLICT;

	(void)state;
	assert_non_null(first);
	assert_non_null(retry);
	assert_panel_ok(panel_idempotency_begin(&r, first, "token:2000", "k-lost", H1));
	holder = num("SELECT IS_USED_LOCK(CONCAT('panel_idem_', LEFT(SHA2(CONCAT('token:2000',"
		     " CHAR(0), 'k-lost'), 256), 40)))");
	assert_true(holder > 0);
	sqlf("KILL %lld", holder);
	for (int i = 0; i < 100 && rc == PANEL_ECONFLICT; i++) {
		rc = panel_idempotency_begin(&r, retry, "token:2000", "k-lost", H1);
		if (rc == PANEL_ECONFLICT)
			usleep(20 * 1000);
	}
	assert_panel_ok(rc); /* taken over: the retry runs */
	spec.login = "lostclaim";
	spec.password = "Lostclaim-pass-42";
	spec.mail = "lostclaim@example.org";
	assert_error(panel_account_create(&a, first, &super, &spec), PANEL_EUNAVAILABLE, NULL);
	assert_int_equal(num("SELECT COUNT(*) FROM membres WHERE login = 'lostclaim'"), 0);
	assert_panel_ok(panel_idempotency_release(first, "token:2000", "k-lost"));
	assert_int_equal(
	    num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'k-lost' AND status = 0"),
	    1);
	assert_panel_ok(panel_account_create(&a, retry, &super, &spec));
	panel_account_free(a);
	assert_panel_ok(panel_idempotency_complete(retry, "token:2000", "k-lost", 201, "{}", NULL));
	/* The first handle's next request gets a new session. */
	assert_error(panel_idempotency_begin(&r, first, "token:2000", "k-lost", H1), PANEL_EEXISTS,
		     NULL);
	assert_int_equal(r.status, 201);
	free(r.body);
	assert_int_equal(num("SELECT COUNT(*) FROM membres WHERE login = 'lostclaim'"), 1);
	panel_close(retry);
	panel_close(first);
}

/* The purge of expired rows at each claim does not wait for another request's claim made in
 * its transaction (uncommitted until its answer), which its scan meets first when every older
 * row has expired: before, an unrelated key's claim waited there for the lock wait timeout. */
static void idempotency_purge_does_not_wait(void **state)
{
	panel_idempotent_response r = {0, NULL, ""};
	panel *first = ts_panel_open(cluster, dbname), *other = ts_panel_open(cluster, dbname);
	struct timespec t0, t1;

	(void)state;
	assert_non_null(first);
	assert_non_null(other);
	sqlf("DELETE FROM panel_idempotency");
	for (int i = 0; i < 5; i++)
		sqlf("INSERT INTO panel_idempotency (principal, idem_key, request_hash, status,"
		     " body, created) VALUES ('token:9', 'gone-%d', '%s', 200, '{}',"
		     " NOW() - INTERVAL 3 DAY)",
		     i, H1);
	assert_panel_ok(panel_idempotency_begin_atomic(&r, first, "token:2000", "k-purge-1", H1));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_panel_ok(panel_idempotency_begin(&r, other, "token:2000", "k-purge-2", H1));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_panel_ok(panel_idempotency_release(other, "token:2000", "k-purge-2"));
	panel_idempotency_atomic_abort(first);
	assert_panel_ok(panel_idempotency_release(first, "token:2000", "k-purge-1"));
	panel_close(other);
	panel_close(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(idempotency_claim_complete_replay),
	    cmocka_unit_test(idempotency_release_and_expiry),
	    cmocka_unit_test(idempotency_concurrent_claims),
	    cmocka_unit_test(idempotency_orphaned_claim_taken_over),
	    cmocka_unit_test(idempotency_atomic_cut_applies_nothing),
	    cmocka_unit_test(idempotency_atomic_claim_waits_for_its_answer),
	    cmocka_unit_test(idempotency_claim_session_lost),
	    cmocka_unit_test(idempotency_expired_key_claimed_is_held),
	    cmocka_unit_test(idempotency_purge_does_not_wait),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
