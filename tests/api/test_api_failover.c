/* panel-api when its database goes away and comes back (its own MariaDB server, killed and
 * restarted): 503 with Retry-After meanwhile, never 401 or 500, and every worker reconnects by
 * itself afterwards with the same tokens still valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

static api_server srv;

static int setup(void **state)
{
	th_options opts = {.replicas = 0, .semisync = 0};
	th_cluster *own;

	(void)state;
	if (th_cluster_start(&own, &opts) < 0)
		return -1;
	if (api_start_on(&srv, own, "threads = 3") < 0) {
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

static void test_database_restart(void **state)
{
	static const char *const idem[] = {"Idempotency-Key: failover-create-1", NULL};
	const char *body = "{\"login\": \"afterfail\", \"password\": \"Afterfail-pass-1\", "
			   "\"mail\": \"afterfail@example.net\"}";
	api_resp r;
	long status = 0;

	(void)state;
	/* Every worker has a connection open. */
	for (int i = 0; i < 12; i++)
		assert_api_request(&srv, "GET", "/api/v1/accounts", srv.admin_token, NULL, NULL,
				   200);

	assert_int_equal(th_server_signal(srv.cluster, 0, SIGKILL), 0);
	for (int i = 0; i < 6; i++) {
		api_request(&r, &srv, "GET", "/healthz", NULL, NULL, NULL);
		assert_api_status(&r, 503);
		assert_string_equal(api_error_code(&r), "unavailable");
		assert_true(atoi(r.retry_after) > 0);
		api_resp_free(&r);
		/* A valid token during the outage is 503, never 401: clients must not log out. */
		api_request(&r, &srv, "GET", "/api/v1/accounts", srv.admin_token, NULL, NULL);
		assert_api_status(&r, 503);
		assert_null(strstr(r.body, "Lost connection"));
		assert_null(strstr(r.body, "Can't connect"));
		api_resp_free(&r);
	}
	assert_api_request(&srv, "POST", "/api/v1/accounts", srv.admin_token, body, idem, 503);
	assert_api_request(&srv, "POST", "/api/v1/auth/login", NULL,
			   "{\"login\": \"admin\", \"password\": \"" API_ADMIN_PASSWORD "\"}", NULL,
			   503);

	assert_int_equal(th_server_start(srv.cluster, 0), 0);
	/* The server is back: each worker reconnects on its next request. */
	for (int i = 0; i < 50 && status != 200; i++) {
		status = api_status(&srv, "GET", "/healthz", NULL, NULL, NULL);
		if (status != 200)
			api_sleep_ms(100);
	}
	assert_int_equal(status, 200);
	for (int i = 0; i < 12; i++)
		assert_api_request(&srv, "GET", "/api/v1/accounts", srv.admin_token, NULL, NULL,
				   200);
	/* The write refused during the outage runs now (the key was never claimed). */
	api_request(&r, &srv, "POST", "/api/v1/accounts", srv.admin_token, body, idem);
	assert_api_status(&r, 201);
	assert_false(r.replayed);
	api_resp_free(&r);
	assert_api_request(&srv, "POST", "/api/v1/accounts", srv.admin_token, body, idem, 201);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_database_restart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
