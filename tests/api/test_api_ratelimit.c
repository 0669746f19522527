/* Writes per member account (api.member_write_rate, member_write_burst; papi_ratelimit.c): past
 * its bucket a member's write is 429 rate_limited with Retry-After, for the member's own token
 * and for an admin acting as it; its reads, another member's writes and an admin's own writes
 * go on; a refused keyed write claims nothing, and the bucket refills at the rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

static api_server srv;
static char tok_a[PANEL_TOKEN_MAX], tok_b[PANEL_TOKEN_MAX];

static void member(const char *login, char *token)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"login\": \"%s\", \"password\": \"Rate-pass-4242\", \"mail\": "
		 "\"%s@example.net\"}",
		 login, login);
	assert_api_request(&srv, "POST", "/api/v1/accounts", srv.admin_token, body, NULL, 201);
	assert_int_equal(api_login(&srv, login, "Rate-pass-4242", token, PANEL_TOKEN_MAX, NULL),
			 200);
}

static int setup(void **state)
{
	(void)state;
	if (api_start(&srv, "member_write_rate = 1\nmember_write_burst = 5") < 0) {
		api_dump_log(&srv, 40);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return api_stop(&srv) == 0 ? 0 : -1;
}

/* A write the member may send and that changes nothing: its answer is 404, not 429. */
static long write_as(const char *token, const char *const *headers)
{
	return api_status(&srv, "DELETE", "/api/v1/domains/nowhere.example", token, NULL, headers);
}

static void test_member_writes_limited(void **state)
{
	static const char *const as_a[] = {"X-Panel-Act-As: ratea", NULL};
	static const char *const key[] = {"Idempotency-Key: rate-limited-1", NULL};
	api_resp r;

	(void)state;
	member("ratea", tok_a);
	member("rateb", tok_b);
	/* The six writes and the refusals that follow take well under the second that refills
	 * one write (1 a second here). */
	for (int i = 0; i < 5; i++)
		assert_int_equal(write_as(tok_a, NULL), 404);
	api_request(&r, &srv, "DELETE", "/api/v1/domains/nowhere.example", tok_a, NULL, NULL);
	assert_api_status(&r, 429);
	assert_string_equal(api_error_code(&r), "rate_limited");
	assert_true(atoi(r.retry_after) >= 1);
	api_resp_free(&r);
	/* An admin acting as the member draws from the member's bucket. */
	assert_int_equal(write_as(srv.admin_token, as_a), 429);
	/* Refused before its key is claimed: the same key runs once the bucket has refilled. */
	api_request(&r, &srv, "POST", "/api/v1/accounts/ratea/databases", tok_a, "{}", key);
	assert_api_status(&r, 429);
	api_resp_free(&r);
	/* Reads go on; so do another member's writes and an admin's own. */
	assert_api_request(&srv, "GET", "/api/v1/accounts/ratea", tok_a, NULL, NULL, 200);
	assert_int_equal(write_as(tok_b, NULL), 404);
	for (int i = 0; i < 12; i++)
		assert_int_equal(write_as(srv.admin_token, NULL), 404);

	api_sleep_ms(1100);
	api_request(&r, &srv, "POST", "/api/v1/accounts/ratea/databases", tok_a, "{}", key);
	assert_true(r.status != 429);
	assert_false(r.replayed);
	api_resp_free(&r);
	/* What refilled meanwhile (the slower this machine, the more) is five writes at most. */
	long status = 0;
	for (int i = 0; i < 6 && status != 429; i++)
		status = write_as(tok_a, NULL);
	assert_int_equal(status, 429);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_member_writes_limited),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
