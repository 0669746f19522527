/* panel-api when its database goes away and comes back (its own MariaDB server, killed and
 * restarted): 503 with Retry-After meanwhile, never 401 or 500, and every worker reconnects by
 * itself afterwards with the same tokens still valid, to the member server too; and a keyed
 * create cut from the database between its change and its stored answer. */
#include <pthread.h>
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

/* kill -9 of the server, then its start; returns once panel-api answers /healthz again. */
static void restart_server(void)
{
	long status = 0;

	assert_int_equal(th_server_signal(srv.cluster, 0, SIGKILL), 0);
	assert_int_equal(th_server_start(srv.cluster, 0), 0);
	for (int i = 0; i < 50 && status != 200; i++) {
		status = api_status(&srv, "GET", "/healthz", NULL, NULL, NULL);
		if (status != 200)
			api_sleep_ms(100);
	}
	assert_int_equal(status, 200);
}

/* Each worker's connection to the member server (here the same server) dies with it too. After
 * the restart the first statement a worker sends there is a DROP DATABASE (a deletion), or a
 * read (a creation): both go through on a connection opened again, never 503. Before, the
 * first of each worker failed: the member connection was reconnected only at account creation. */
static void test_member_server_after_restart(void **state)
{
	char body[64], path[96];

	(void)state;
	assert_api_request(&srv, "POST", "/api/v1/accounts", srv.admin_token,
			   "{\"login\": \"dbfail\", \"password\": \"Dbfail-pass-1\", "
			   "\"mail\": \"dbfail@example.net\"}",
			   NULL, 201);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/dbfail/quotas/mysql", srv.admin_token,
			   "{\"value\": 40}", NULL, 200);
	/* Every worker opens its connection to the member server. */
	for (int i = 0; i < 12; i++) {
		snprintf(body, sizeof(body), "{\"suffix\": \"b%d\"}", i);
		assert_api_request(&srv, "POST", "/api/v1/accounts/dbfail/databases",
				   srv.admin_token, body, NULL, 201);
	}
	restart_server();
	for (int i = 0; i < 12; i++) {
		snprintf(path, sizeof(path), "/api/v1/databases/dbfail_b%d", i);
		assert_api_request(&srv, "DELETE", path, srv.admin_token, NULL, NULL, 204);
	}
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata "
					  "WHERE schema_name LIKE 'dbfail\\_b%%'"),
			 0);
	restart_server();
	for (int i = 0; i < 12; i++) {
		snprintf(body, sizeof(body), "{\"suffix\": \"a%d\"}", i);
		assert_api_request(&srv, "POST", "/api/v1/accounts/dbfail/databases",
				   srv.admin_token, body, NULL, 201);
	}
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata "
					  "WHERE schema_name LIKE 'dbfail\\_a%%'"),
			 12);
}

/* A keyed create whose database session is cut while its answer is being stored: the answer
 * was to commit with the account, so neither is there, the client is told 503, and the retry
 * runs and answers 201 (then replays it). Before, the account committed on its own first: the
 * client got a 201 whose answer was never stored, and a retry answered 409 "exists". A
 * trigger holds the store (SLEEP) so that the test kills that session at that moment. */
struct keyed_post {
	api_resp r;
	const char *body;
	const char *const *headers;
};

static void *post_account(void *arg)
{
	struct keyed_post *k = arg;

	api_request(&k->r, &srv, "POST", "/api/v1/accounts", srv.admin_token, k->body, k->headers);
	return NULL;
}

static void test_keyed_create_cut_before_its_answer(void **state)
{
	static const char *const idem[] = {"Idempotency-Key: cut-create-1", NULL};
	struct keyed_post k = {.body = "{\"login\": \"cutcreate\", \"password\": "
				       "\"Cutcreate-pass-1\", \"mail\": \"cut@example.net\"}",
			       .headers = idem};
	long long session = -1;
	pthread_t t;
	api_resp r;

	(void)state;
	assert_int_equal(api_sql(&srv, "CREATE TRIGGER hold_answer BEFORE UPDATE ON"
				       " panel_idempotency FOR EACH ROW SET NEW.body ="
				       " IF(NEW.status <> 0 AND NEW.idem_key = 'cut-create-1'"
				       " AND SLEEP(5) = 0, NEW.body, NEW.body)"),
			 0);
	assert_int_equal(pthread_create(&t, NULL, post_account, &k), 0);
	for (int i = 0; i < 200 && session <= 0; i++) {
		session =
		    api_number(&srv, "SELECT COALESCE(MAX(id), 0) FROM"
				     " information_schema.processlist WHERE db = DATABASE()"
				     " AND info LIKE 'UPDATE panel_idempotency SET status%%'");
		if (session <= 0)
			api_sleep_ms(25);
	}
	assert_true(session > 0);
	/* Still held in the store: the account is in its uncommitted transaction only. */
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'cutcreate'"),
			 0);
	assert_int_equal(api_sql(&srv, "KILL %lld", session), 0);
	pthread_join(t, NULL);
	assert_api_status(&k.r, 503);
	assert_string_equal(api_error_code(&k.r), "unavailable");
	api_resp_free(&k.r);
	assert_int_equal(api_sql(&srv, "DROP TRIGGER hold_answer"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'cutcreate'"),
			 0);

	api_request(&r, &srv, "POST", "/api/v1/accounts", srv.admin_token, k.body, idem);
	assert_api_status(&r, 201);
	assert_false(r.replayed);
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", srv.admin_token, k.body, idem);
	assert_api_status(&r, 201);
	assert_true(r.replayed);
	assert_string_equal(api_str(&r, "login"), "cutcreate");
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'cutcreate'"),
			 1);
}

/* Waits for the session running an INSERT INTO membres (held by a trigger's SLEEP), kills
 * it and returns its id. */
static long long kill_account_insert(void)
{
	long long session = -1;

	for (int i = 0; i < 200 && session <= 0; i++) {
		session = api_number(&srv, "SELECT COALESCE(MAX(id), 0) FROM"
					   " information_schema.processlist WHERE db = DATABASE()"
					   " AND info LIKE 'INSERT INTO membres%%'");
		if (session <= 0)
			api_sleep_ms(25);
	}
	assert_true(session > 0);
	assert_int_equal(api_sql(&srv, "KILL %lld", session), 0);
	return session;
}

/* The session is cut while the create itself runs (a failover under the request): the
 * request's transaction is lost with it, and panel-api runs the request once more on a new
 * session, from its claim: the client gets the one 201, and the retry its replay. */
static void test_keyed_create_cut_during_the_change(void **state)
{
	static const char *const idem[] = {"Idempotency-Key: cut-op-1", NULL};
	struct keyed_post k = {.body = "{\"login\": \"cutop\", \"password\": "
				       "\"Cutop-pass-1\", \"mail\": \"cutop@example.net\"}",
			       .headers = idem};
	long long session, again = -1;
	pthread_t t;
	api_resp r;

	(void)state;
	assert_int_equal(api_sql(&srv, "CREATE TRIGGER hold_create BEFORE INSERT ON membres"
				       " FOR EACH ROW SET NEW.notes = IF(NEW.login = 'cutop'"
				       " AND SLEEP(2) = 0, NEW.notes, NEW.notes)"),
			 0);
	assert_int_equal(pthread_create(&t, NULL, post_account, &k), 0);
	session = kill_account_insert();
	/* The second run, on another session, gets through the trigger's pause. */
	for (int i = 0; i < 200 && again <= 0; i++) {
		again = api_number(&srv,
				   "SELECT COALESCE(MAX(id), 0) FROM"
				   " information_schema.processlist WHERE db = DATABASE()"
				   " AND info LIKE 'INSERT INTO membres%%' AND id <> %lld",
				   session);
		if (again <= 0)
			api_sleep_ms(25);
	}
	pthread_join(t, NULL);
	assert_int_equal(api_sql(&srv, "DROP TRIGGER hold_create"), 0);
	assert_true(again > 0);
	assert_api_status(&k.r, 201);
	assert_false(k.r.replayed);
	api_resp_free(&k.r);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'cutop'"), 1);
	api_request(&r, &srv, "POST", "/api/v1/accounts", srv.admin_token, k.body, idem);
	assert_api_status(&r, 201);
	assert_true(r.replayed);
	api_resp_free(&r);
	assert_true(api_log_contains(&srv, "request transaction lost"));
}

/* A keyed write outside a request's transaction (a new account with its domain installed) whose
 * session is cut while it runs: its claim's lock went with the session, and a retry could take
 * the claim over at once, so the request does not go on on a new session: 503, and the retry
 * runs it once. Before, it went on (201) while a retry sent meanwhile ran it a second time
 * (409 "exists", its answer not the stored one). */
static void test_keyed_domain_write_cut(void **state)
{
	static const char *const idem[] = {"Idempotency-Key: cut-dom-1", NULL};
	struct keyed_post k = {.body = "{\"login\": \"cutdom\", \"password\": "
				       "\"Cutdom-pass-1\", \"mail\": \"cutdom@example.net\","
				       " \"install_domain\": \"users.example\"}",
			       .headers = idem};
	pthread_t t;
	api_resp r;

	(void)state;
	assert_int_equal(api_sql(&srv, "INSERT INTO variable (name, value) VALUES ('hosting_tld',"
				       " 'users.example') ON DUPLICATE KEY UPDATE value ="
				       " 'users.example'"),
			 0);
	assert_int_equal(api_sql(&srv, "CREATE TRIGGER hold_dom BEFORE INSERT ON membres"
				       " FOR EACH ROW SET NEW.notes = IF(NEW.login = 'cutdom'"
				       " AND SLEEP(2) = 0, NEW.notes, NEW.notes)"),
			 0);
	assert_int_equal(pthread_create(&t, NULL, post_account, &k), 0);
	kill_account_insert();
	pthread_join(t, NULL);
	assert_int_equal(api_sql(&srv, "DROP TRIGGER hold_dom"), 0);
	assert_api_status(&k.r, 503);
	assert_string_equal(api_error_code(&k.r), "unavailable");
	api_resp_free(&k.r);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'cutdom'"),
			 0);
	for (int i = 0; i < 2; i++) {
		api_request(&r, &srv, "POST", "/api/v1/accounts", srv.admin_token, k.body, idem);
		assert_api_status(&r, 201);
		assert_int_equal(r.replayed, i);
		api_resp_free(&r);
	}
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'cutdom'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_database_restart),
	    cmocka_unit_test(test_member_server_after_restart),
	    cmocka_unit_test(test_keyed_create_cut_before_its_answer),
	    cmocka_unit_test(test_keyed_create_cut_during_the_change),
	    cmocka_unit_test(test_keyed_domain_write_cut),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
