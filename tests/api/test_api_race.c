/* panel-api under concurrent requests against a real daemon: racing creations of one login,
 * racing retries with one Idempotency-Key, racing If-Match updates and racing quota changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

#define RACERS 10

static api_server srv;

static int setup(void **state)
{
	(void)state;
	return api_group_start(&srv, "");
}

static int teardown(void **state)
{
	(void)state;
	return api_stop(&srv) == 0 ? 0 : -1;
}

struct racer {
	pthread_barrier_t *start;
	const char *method, *path, *body;
	const char *headers[3];
	api_resp resp;
};

static void *race_one(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	api_request(&r->resp, &srv, r->method, r->path, srv.admin_token, r->body, r->headers);
	return NULL;
}

/* Runs n requests at once; results in racers[i].resp. */
static void race(struct racer *racers, size_t n)
{
	pthread_t threads[RACERS];
	pthread_barrier_t start;

	assert_true(n <= RACERS);
	assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
	for (size_t i = 0; i < n; i++) {
		racers[i].start = &start;
		assert_int_equal(pthread_create(&threads[i], NULL, race_one, &racers[i]), 0);
	}
	for (size_t i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
}

static void test_same_login(void **state)
{
	struct racer racers[RACERS];
	int created = 0, exists = 0;

	(void)state;
	memset(racers, 0, sizeof(racers));
	for (size_t i = 0; i < RACERS; i++) {
		racers[i].method = "POST";
		racers[i].path = "/api/v1/accounts";
		racers[i].body =
		    "{\"login\": \"racer\", \"password\": \"Racer-pass-123\", \"mail\": "
		    "\"racer@example.net\"}";
	}
	race(racers, RACERS);
	for (size_t i = 0; i < RACERS; i++) {
		if (racers[i].resp.status == 201)
			created++;
		else if (racers[i].resp.status == 409 &&
			 strcmp(api_error_code(&racers[i].resp), "exists") == 0)
			exists++;
		else
			fprintf(stderr, "unexpected %ld %s\n", racers[i].resp.status,
				racers[i].resp.body ? racers[i].resp.body : "");
		api_resp_free(&racers[i].resp);
	}
	assert_int_equal(created, 1);
	assert_int_equal(exists, RACERS - 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'racer'"), 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_audit WHERE action = "
					  "'account.create' AND object_id = 'racer'"),
			 1);
}

/* Retries of one request racing each other: it runs once and every answer is the same. */
static void test_same_idempotency_key(void **state)
{
	struct racer racers[RACERS];
	int replayed = 0;

	(void)state;
	memset(racers, 0, sizeof(racers));
	for (size_t i = 0; i < RACERS; i++) {
		racers[i].method = "POST";
		racers[i].path = "/api/v1/accounts";
		racers[i].body = "{\"login\": \"idemrace\", \"password\": \"Idemrace-pass-1\", "
				 "\"mail\": \"idemrace@example.net\"}";
		racers[i].headers[0] = "Idempotency-Key: race-7f3a";
	}
	race(racers, RACERS);
	for (size_t i = 0; i < RACERS; i++) {
		if (racers[i].resp.status != 201)
			fprintf(stderr, "racer %zu: %ld %s\n", i, racers[i].resp.status,
				racers[i].resp.body ? racers[i].resp.body : "");
		assert_api_status(&racers[i].resp, 201);
		assert_string_equal(racers[i].resp.body, racers[0].resp.body);
		replayed += racers[i].resp.replayed;
	}
	assert_int_equal(replayed, RACERS - 1);
	for (size_t i = 0; i < RACERS; i++)
		api_resp_free(&racers[i].resp);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'idemrace'"),
			 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_audit WHERE action = "
					  "'account.create' AND object_id = 'idemrace'"),
			 1);
}

/* A new account login (password pass) and RACERS updates of it at path, each with the
 * If-Match of the ETag first read: ifm holds the header, bodies the updates. */
static void patch_racers(struct racer racers[RACERS], char ifm[128], char bodies[RACERS][64],
			 const char *login, const char *pass, const char *path)
{
	api_resp r;

	assert_int_equal(api_create_account(&srv, srv.admin_token, login, pass, ""), 201);
	api_request(&r, &srv, "GET", path, srv.admin_token, NULL, NULL);
	snprintf(ifm, 128, "If-Match: %s", r.etag);
	api_resp_free(&r);
	memset(racers, 0, sizeof(struct racer) * RACERS);
	for (size_t i = 0; i < RACERS; i++) {
		snprintf(bodies[i], 64, "{\"nom\": \"writer %zu\"}", i);
		racers[i].method = "PATCH";
		racers[i].path = path;
		racers[i].body = bodies[i];
		racers[i].headers[0] = ifm;
	}
}

/* Everyone read the same ETag: exactly one update wins, the others get 412. */
static void test_if_match(void **state)
{
	struct racer racers[RACERS];
	char ifm[128], bodies[RACERS][64];
	int won = 0, refused = 0;

	(void)state;
	patch_racers(racers, ifm, bodies, "etagrace", "Etagrace-pass-1",
		     "/api/v1/accounts/etagrace");
	race(racers, RACERS);
	for (size_t i = 0; i < RACERS; i++) {
		if (racers[i].resp.status == 200)
			won++;
		else if (racers[i].resp.status == 412)
			refused++;
		api_resp_free(&racers[i].resp);
	}
	assert_int_equal(won, 1);
	assert_int_equal(refused, RACERS - 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_audit WHERE action = "
					  "'account.update' AND object_id = 'etagrace'"),
			 1);
}

/* The same ETag for updates and a deletion at once: one of them wins, whichever; the others
 * get 412 (or 404, the account gone when they look). Before, a deletion whose check passed
 * went on after an update had changed the account: two winners. */
static void test_if_match_delete(void **state)
{
	struct racer racers[RACERS];
	char ifm[128], bodies[RACERS][64];
	int won = 0, deleted = 0;

	(void)state;
	patch_racers(racers, ifm, bodies, "etagdel", "Etagdel-pass-1", "/api/v1/accounts/etagdel");
	racers[RACERS / 2].method = "DELETE";
	racers[RACERS / 2].body = NULL;
	race(racers, RACERS);
	for (size_t i = 0; i < RACERS; i++) {
		long st = racers[i].resp.status;
		if (st == 200 || st == 204)
			won++;
		deleted += st == 204;
		if (st != 200 && st != 204 && st != 412 && st != 404)
			fail_msg("racer %zu: %ld %s", i, st, racers[i].resp.body);
		api_resp_free(&racers[i].resp);
	}
	assert_int_equal(won, 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'etagdel'"),
			 !deleted);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_audit WHERE action = "
					  "'account.update' AND object_id = 'etagdel'"),
			 !deleted);
}

/* Concurrent limit changes are serialized: every one is applied and audited, and the audit's
 * before/after values form one chain ending at the stored value. */
static void test_quota_set(void **state)
{
	struct racer racers[RACERS];
	char bodies[RACERS][32];
	json_t *items;
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "quorace", "Quorace-pass-1", ""),
			 201);
	memset(racers, 0, sizeof(racers));
	for (size_t i = 0; i < RACERS; i++) {
		snprintf(bodies[i], sizeof(bodies[i]), "{\"value\": %zu}", 100 + i);
		racers[i].method = "PUT";
		racers[i].path = "/api/v1/accounts/quorace/quotas/mail";
		racers[i].body = bodies[i];
	}
	race(racers, RACERS);
	for (size_t i = 0; i < RACERS; i++) {
		assert_api_status(&racers[i].resp, 200);
		api_resp_free(&racers[i].resp);
	}
	api_request(&r, &srv, "GET",
		    "/api/v1/audit?object_kind=quota&object_id=quorace%2Fmail&limit=100",
		    srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), RACERS);
	/* Newest first: each entry's "before" is the next older entry's "after". */
	for (size_t i = 0; i + 1 < RACERS; i++) {
		json_t *newer = json_array_get(items, i), *older = json_array_get(items, i + 1);
		assert_int_equal(
		    json_integer_value(json_object_get(json_object_get(newer, "before"), "total")),
		    json_integer_value(json_object_get(json_object_get(older, "after"), "total")));
	}
	assert_int_equal(api_number(&srv, "SELECT total FROM quotas q JOIN membres m USING (uid) "
					  "WHERE m.login = 'quorace' AND q.name = 'mail'"),
			 json_integer_value(json_object_get(
			     json_object_get(json_array_get(items, 0), "after"), "total")));
	api_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_login), cmocka_unit_test(test_same_idempotency_key),
	    cmocka_unit_test(test_if_match),   cmocka_unit_test(test_if_match_delete),
	    cmocka_unit_test(test_quota_set),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
