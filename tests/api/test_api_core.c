/* panel-api against a real daemon and database: the HTTP conventions (error shape, 404, 405,
 * 413, 414, 415, 400s), login/logout/whoami, expired and revoked tokens, login throttling,
 * trusted proxies, Idempotency-Key, ETag/If-Match/If-None-Match and pagination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

static api_server srv;

static int setup(void **state)
{
	(void)state;
	/* The loopback peer is a trusted proxy here: each test picks its client address with
	 * X-Forwarded-For, so login throttling per address does not spill between tests. */
	return api_group_start(&srv, "trusted_proxies = 127.0.0.1/32, ::1/128\ntoken_ttl = 3600");
}

static int teardown(void **state)
{
	(void)state;
	return api_stop(&srv) == 0 ? 0 : -1;
}

/* Every error answer has exactly {"error": {"code", "message", "field", "request_id"}}. */
static void assert_error_shape(const api_resp *r, long status, const char *code)
{
	json_t *e = json_object_get(r->json, "error");

	assert_api_status(r, status);
	assert_non_null(e);
	assert_int_equal(json_object_size(r->json), 1);
	assert_string_equal(api_error_code(r), code);
	assert_true(json_is_string(json_object_get(e, "message")));
	assert_true(json_string_length(json_object_get(e, "message")) > 0);
	assert_true(json_is_string(json_object_get(e, "field")) ||
		    json_is_null(json_object_get(e, "field")));
	assert_string_equal(json_string_value(json_object_get(e, "request_id")), r->request_id);
	assert_int_equal(json_object_size(e), 4);
	assert_non_null(strstr(r->content_type, "application/json"));
}

static void test_healthz(void **state)
{
	api_resp r;

	(void)state;
	assert_int_equal(api_request(&r, &srv, "GET", "/healthz", NULL, NULL, NULL), 0);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "database"), "ok");
	assert_int_equal(strlen(r.request_id), 16);
	api_resp_free(&r);
}

static void test_routing_errors(void **state)
{
	const char *token = srv.admin_token;
	char *longpath;
	api_resp r;

	(void)state;
	api_request(&r, &srv, "GET", "/api/v1/nothing", token, NULL, NULL);
	assert_error_shape(&r, 404, "no_route");
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts/", token, NULL, NULL);
	assert_error_shape(&r, 404, "no_route");
	api_resp_free(&r);
	/* Unknown paths are 404 even without credentials; known ones then ask for them. */
	api_request(&r, &srv, "GET", "/api/v2/accounts", NULL, NULL, NULL);
	assert_error_shape(&r, 404, "no_route");
	api_resp_free(&r);

	api_request(&r, &srv, "PUT", "/api/v1/accounts", token, "{}", NULL);
	assert_error_shape(&r, 405, "method_not_allowed");
	assert_string_equal(r.allow, "GET, POST");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts/admin", token, "{}", NULL);
	assert_error_shape(&r, 405, "method_not_allowed");
	assert_string_equal(r.allow, "GET, PATCH, DELETE");
	api_resp_free(&r);

	longpath = malloc(3000);
	strcpy(longpath, "/api/v1/accounts/");
	memset(longpath + strlen(longpath), 'a', 2500);
	longpath[2517] = '\0';
	api_request(&r, &srv, "GET", longpath, token, NULL, NULL);
	assert_error_shape(&r, 414, "uri_too_long");
	api_resp_free(&r);
	/* The query string counts too: the whole URL is what is too long, not a parameter. */
	strcpy(longpath, "/api/v1/accounts?login_prefix=");
	memset(longpath + strlen(longpath), 'a', 2100);
	longpath[30 + 2100] = '\0';
	api_request(&r, &srv, "GET", longpath, token, NULL, NULL);
	assert_error_shape(&r, 414, "uri_too_long");
	api_resp_free(&r);
	/* Just below the limit, the parameter itself is judged. */
	longpath[30 + 1900] = '\0';
	api_request(&r, &srv, "GET", longpath, token, NULL, NULL);
	assert_error_shape(&r, 400, "invalid_parameter");
	api_resp_free(&r);
	free(longpath);

	/* A percent-encoded '/' or control character never reaches libpanel. */
	api_request(&r, &srv, "GET", "/api/v1/accounts/ad%2Fmin", token, NULL, NULL);
	assert_error_shape(&r, 400, "invalid_path");
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts/admin%00", token, NULL, NULL);
	assert_error_shape(&r, 400, "invalid_path");
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts/ad%6din", token, NULL, NULL);
	assert_api_status(&r, 200); /* a plain escape decodes */
	assert_string_equal(api_str(&r, "login"), "admin");
	api_resp_free(&r);
}

struct chunked {
	size_t left, size;
};

/* A JSON object of c->size bytes: '{' and spaces (never closed). */
static size_t feed_chunked(char *buf, size_t size, size_t n, void *arg)
{
	struct chunked *c = arg;
	size_t len = size * n < c->left ? size * n : c->left;

	memset(buf, ' ', len);
	if (len && c->left == c->size)
		buf[0] = '{';
	c->left -= len;
	return len;
}

/* POSTs a chunked JSON body of feed->size bytes to path, with token (NULL: no credentials);
 * the status (0 when the connection ended without an answer). */
static long post_chunked(const char *path, const char *token, struct chunked *feed)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[256], auth[PANEL_TOKEN_MAX + 32];
	long status = 0;
	api_resp r;

	snprintf(url, sizeof(url), "%s%s", srv.base, path);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Transfer-Encoding: chunked");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, feed_chunked);
	curl_easy_setopt(c, CURLOPT_READDATA, feed);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	memset(&r, 0, sizeof(r));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, api_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(r.body);
	return status;
}

static void test_body_errors(void **state)
{
	const char *token = srv.admin_token;
	static const char *const text_plain[] = {"Content-Type: text/plain", NULL};
	char *big;
	api_resp r;

	(void)state;
	/* 413 with a Content-Length over the limit. */
	big = malloc(70001);
	memset(big, ' ', 70000);
	big[0] = '{';
	big[69999] = '}';
	big[70000] = '\0';
	api_request(&r, &srv, "POST", "/api/v1/accounts", token, big, NULL);
	assert_error_shape(&r, 413, "body_too_large");
	api_resp_free(&r);
	free(big);

	/* 413 for a chunked body that grows past the limit. */
	{
		struct chunked feed = {70000, 70000};
		assert_int_equal(post_chunked("/api/v1/accounts", token, &feed), 413);
	}

	/* A chunked body far past the limit, before any credentials: read and dropped up to a MiB
	 * past the limit, then the connection is closed (before, the daemon read it to its end,
	 * gigabytes at a time). Just past the limit, still a 413. */
	{
		struct chunked feed = {(size_t)64 << 20, (size_t)64 << 20};
		long status = post_chunked("/api/v1/auth/login", NULL, &feed);
		assert_true(status == 0 || status == 413);
		assert_true(feed.left > (size_t)32 << 20);
		assert_true(api_log_wait(&srv, "bytes of a body dropped", 5000));
		feed = (struct chunked){70000 + 512 * 1024, 70000 + 512 * 1024};
		assert_int_equal(post_chunked("/api/v1/auth/login", NULL, &feed), 413);
		assert_int_equal(feed.left, 0);
	}

	/* 415: a body that is not declared as JSON. */
	{
		CURL *c = curl_easy_init();
		struct curl_slist *h = NULL;
		char url[128], auth[200];
		long status = 0;

		snprintf(url, sizeof(url), "%s/api/v1/accounts", srv.base);
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
		h = curl_slist_append(h, text_plain[0]);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"login\": \"x\"}");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		memset(&r, 0, sizeof(r));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, api_on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		assert_int_equal(status, 415);
		assert_non_null(strstr(r.body, "\"unsupported_media_type\""));
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		free(r.body);
	}

	api_request(&r, &srv, "POST", "/api/v1/accounts", token, "{\"login\": ", NULL);
	assert_error_shape(&r, 400, "invalid_json");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token, "[1, 2]", NULL);
	assert_error_shape(&r, 400, "invalid_json");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token,
		    "{\"login\": \"a\", \"login\": \"b\", \"password\": \"x\"}", NULL);
	assert_error_shape(&r, 400, "invalid_json");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token, "{} {}", NULL);
	assert_error_shape(&r, 400, "invalid_json");
	api_resp_free(&r);

	api_request(&r, &srv, "POST", "/api/v1/accounts", token,
		    "{\"login\": \"unk1\", \"password\": \"Pass-word-1\", \"mail\": "
		    "\"u@example.net\", \"is_root\": true}",
		    NULL);
	assert_error_shape(&r, 400, "unknown_field");
	assert_string_equal(api_error_field(&r), "is_root");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token, "{\"login\": \"unk1\"}", NULL);
	assert_error_shape(&r, 400, "missing_field");
	assert_string_equal(api_error_field(&r), "password");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token,
		    "{\"login\": 12, \"password\": \"Pass-word-1\"}", NULL);
	assert_error_shape(&r, 400, "invalid_field");
	assert_string_equal(api_error_field(&r), "login");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token,
		    "{\"login\": \"unk1\", \"password\": \"Pass-word-1\", \"admin\": \"yes\"}",
		    NULL);
	assert_error_shape(&r, 400, "invalid_field");
	assert_string_equal(api_error_field(&r), "admin");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token,
		    "{\"login\": \"unk1\", \"password\": \"Pass-word-1\", \"nom\": \"a\\nb\"}",
		    NULL);
	assert_error_shape(&r, 400, "invalid_field"); /* no CR/LF in one-line fields */
	assert_string_equal(api_error_field(&r), "nom");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts", token,
		    "{\"login\": \"unk1\", \"password\": \"Pass-word-1\", \"duration\": 1.5}",
		    NULL);
	assert_error_shape(&r, 400, "invalid_field");
	api_resp_free(&r);
	/* libpanel's own checks: login syntax. */
	api_request(&r, &srv, "POST", "/api/v1/accounts", token,
		    "{\"login\": \"Bad Login\", \"password\": \"Pass-word-1\", \"mail\": "
		    "\"b@example.net\"}",
		    NULL);
	assert_error_shape(&r, 400, "invalid");
	assert_string_equal(api_error_field(&r), "login");
	api_resp_free(&r);

	/* A body where none is taken; an unknown query parameter. */
	api_request(&r, &srv, "GET", "/api/v1/accounts", token, "{}", NULL);
	assert_error_shape(&r, 400, "invalid_json");
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts?sort=login", token, NULL, NULL);
	assert_error_shape(&r, 400, "invalid_parameter");
	assert_string_equal(api_error_field(&r), "sort");
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/accounts?dry_run=1", token,
		    "{\"login\": \"dry1\", \"password\": \"Pass-word-1\"}", NULL);
	assert_error_shape(&r, 400, "invalid_parameter"); /* writes take no query parameters */
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts?limit=abc", token, NULL, NULL);
	assert_error_shape(&r, 400, "invalid_parameter");
	assert_string_equal(api_error_field(&r), "limit");
	api_resp_free(&r);
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, "Pass-word-1"));
}

static void test_login_logout_whoami(void **state)
{
	static const char *const from[] = {"X-Forwarded-For: 192.0.2.10", NULL};
	char token[PANEL_TOKEN_MAX], member[PANEL_TOKEN_MAX];
	char path[128];
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "lmember", "Member-pass-1", ""),
			 201);
	assert_int_equal(api_login(&srv, "lmember", "Member-pass-1", member, sizeof(member), from),
			 200);
	assert_int_equal(strncmp(member, "pt_", 3), 0);

	api_request(&r, &srv, "GET", "/api/v1/auth/whoami", member, NULL, NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "login"), "lmember");
	assert_true(json_is_false(json_object_get(r.json, "admin")));
	assert_string_equal(api_str(&r, "via"), "token");
	assert_true(json_is_null(json_object_get(r.json, "acting_as")));
	api_resp_free(&r);

	/* The address the trusted proxy reported is what libpanel recorded. */
	api_request(&r, &srv, "GET", "/api/v1/accounts/lmember", srv.admin_token, NULL, NULL);
	assert_string_equal(api_str(&r, "lastip"), "192.0.2.10");
	api_resp_free(&r);

	/* The same error for an unknown login and a wrong password. */
	api_request(&r, &srv, "POST", "/api/v1/auth/login", NULL,
		    "{\"login\": \"lmember\", \"password\": \"wrong\"}", from);
	assert_error_shape(&r, 401, "login_failed");
	char wrong_message[256];
	snprintf(wrong_message, sizeof(wrong_message), "%s",
		 json_string_value(json_object_get(json_object_get(r.json, "error"), "message")));
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/auth/login", NULL,
		    "{\"login\": \"nobodyhere\", \"password\": \"wrong\"}", from);
	assert_error_shape(&r, 401, "login_failed");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "error"), "message")),
	    wrong_message);
	api_resp_free(&r);

	/* Credentials: missing, malformed, other schemes, unknown. */
	api_request(&r, &srv, "GET", "/api/v1/auth/whoami", NULL, NULL, NULL);
	assert_error_shape(&r, 401, "unauthenticated");
	api_resp_free(&r);
	static const char *const basic[] = {"Authorization: Basic YWRtaW46eA==", NULL};
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", NULL, NULL, basic, 401);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami",
			   "pt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", "garbage", NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami",
			   "pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 401);

	/* Logout revokes the token, and only that token. */
	assert_int_equal(api_login(&srv, "lmember", "Member-pass-1", token, sizeof(token), from),
			 200);
	assert_api_request(&srv, "POST", "/api/v1/auth/logout", token, NULL, NULL, 204);
	api_request(&r, &srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL);
	assert_error_shape(&r, 401, "unauthenticated");
	api_resp_free(&r);
	assert_api_request(&srv, "POST", "/api/v1/auth/logout", token, NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", member, NULL, NULL, 200);

	/* An expired token is refused. */
	assert_int_equal(api_login(&srv, "lmember", "Member-pass-1", token, sizeof(token), from),
			 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL, 200);
	assert_int_equal(api_sql(&srv, "UPDATE panel_tokens SET expires = NOW() - INTERVAL 1 SECOND"
				       " WHERE uid = (SELECT uid FROM membres WHERE login = "
				       "'lmember')"),
			 0);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", member, NULL, NULL, 401);

	/* A locked account's tokens stop working at once; it cannot log in either. */
	assert_int_equal(api_login(&srv, "lmember", "Member-pass-1", token, sizeof(token), from),
			 200);
	assert_api_request(&srv, "POST", "/api/v1/accounts/lmember/lock", srv.admin_token, NULL,
			   NULL, 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL, 401);
	api_request(&r, &srv, "POST", "/api/v1/auth/login", NULL,
		    "{\"login\": \"lmember\", \"password\": \"Member-pass-1\"}", from);
	assert_error_shape(&r, 401, "login_failed");
	api_resp_free(&r);

	/* Login bodies are checked like any other. */
	api_request(&r, &srv, "POST", "/api/v1/auth/login", NULL,
		    "{\"login\": \"lmember\", \"password\": \"x\", \"remember\": true}", from);
	assert_error_shape(&r, 400, "unknown_field");
	api_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/auth/login");
	api_request(&r, &srv, "POST", path, NULL, "{\"login\": \"lmember\"}", from);
	assert_error_shape(&r, 400, "missing_field");
	api_resp_free(&r);
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, "Member-pass-1"));
	assert_false(api_log_contains(&srv, member));
	assert_false(api_log_contains(&srv, srv.admin_token));
}

/* The routes that check a token inside their operation (PAPI_TOKEN_IN_OP) answer from a
 * principal each worker thread remembers: a change made by anyone else (another daemon, an
 * admin at the SQL prompt) must still count from the very next request. Each change is made on
 * another connection after every worker thread has served the token. */
static void warm(const char *token, const char *path, long want)
{
	for (int i = 0; i < 24; i++)
		assert_api_request(&srv, "GET", path, token, NULL, NULL, want);
}

static void test_cached_token_changes(void **state)
{
	static const char *const from[] = {"X-Forwarded-For: 192.0.2.30", NULL};
	static const char where[] = "token_hash = SHA2('%s', 256)";
	char token[PANEL_TOKEN_MAX], cond[256];
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "cmember", "Member-pass-1", ""),
			 201);
	assert_int_equal(api_create_account(&srv, srv.admin_token, "cother", "Member-pass-1", ""),
			 201);
	assert_int_equal(api_login(&srv, "cmember", "Member-pass-1", token, sizeof(token), from),
			 200);
	snprintf(cond, sizeof(cond), where, token);

	/* Revoked elsewhere: refused at once, on reads, lists and writes, bad requests included. */
	warm(token, "/api/v1/accounts/cmember", 200);
	assert_int_equal(api_sql(&srv, "UPDATE panel_tokens SET revoked = 1 WHERE %s", cond), 0);
	api_request(&r, &srv, "GET", "/api/v1/accounts/cmember", token, NULL, NULL);
	assert_error_shape(&r, 401, "unauthenticated");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/accounts?limit=5", token, NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/accounts?limit=abc", token, NULL, NULL, 401);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/cmember", token, "{\"nom\": \"x\"}",
			   NULL, 401);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/cmember", token, "{\"bad\": 1}", NULL,
			   401);
	assert_api_request(&srv, "GET", "/api/v1/accounts/nosuchaccount", token, NULL, NULL, 401);
	assert_int_equal(api_sql(&srv, "UPDATE panel_tokens SET revoked = 0 WHERE %s", cond), 0);
	warm(token, "/api/v1/accounts/cmember", 200);

	/* Expired elsewhere. */
	assert_int_equal(
	    api_sql(&srv, "UPDATE panel_tokens SET expires = NOW() - INTERVAL 1 SECOND WHERE %s",
		    cond),
	    0);
	assert_api_request(&srv, "GET", "/api/v1/accounts/cmember", token, NULL, NULL, 401);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/cmember", token, "{\"nom\": \"y\"}",
			   NULL, 401);
	assert_int_equal(
	    api_sql(&srv, "UPDATE panel_tokens SET expires = NOW() + INTERVAL 1 HOUR WHERE %s",
		    cond),
	    0);
	warm(token, "/api/v1/accounts/cmember", 200);

	/* Its row given another hash elsewhere: a read finds the row by its id once its worker has
	 * seen it valid, and compares the hash itself; refused as a token that no longer exists. */
	assert_int_equal(
	    api_sql(&srv, "UPDATE panel_tokens SET token_hash = REPEAT('0', 64) WHERE %s", cond),
	    0);
	assert_api_request(&srv, "GET", "/api/v1/accounts/cmember", token, NULL, NULL, 401);
	assert_int_equal(api_sql(&srv,
				 "UPDATE panel_tokens SET token_hash = SHA2('%s', 256)"
				 " WHERE token_hash = REPEAT('0', 64)",
				 token),
			 0);
	warm(token, "/api/v1/accounts/cmember", 200);

	/* The account locked elsewhere. */
	assert_int_equal(api_sql(&srv, "UPDATE membres SET enabled = 0 WHERE login = 'cmember'"),
			 0);
	assert_api_request(&srv, "GET", "/api/v1/accounts/cmember", token, NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/accounts?limit=5", token, NULL, NULL, 401);
	assert_int_equal(api_sql(&srv, "UPDATE membres SET enabled = 1 WHERE login = 'cmember'"),
			 0);
	warm(token, "/api/v1/accounts/cother", 404); /* a member sees only itself */

	/* Made an admin elsewhere: an admin from the next request on (the member's principal is
	 * refused, the token checked again in full and the request run as an admin); and back.
	 * Only an admin renews an account: cmember's (created by the super admin) to the end
	 * of its period, which needs a duration. */
	assert_int_equal(api_sql(&srv, "UPDATE membres SET duration = 12 WHERE login = 'cother'"),
			 0);
	warm(token, "/api/v1/accounts/cmember", 200);
	assert_api_request(&srv, "POST", "/api/v1/accounts/cother/renew", token, NULL, NULL, 403);
	assert_int_equal(api_sql(&srv, "UPDATE membres SET su = 1 WHERE login = 'cmember'"), 0);
	assert_int_equal(api_sql(&srv, "UPDATE membres SET creator = (SELECT uid FROM (SELECT uid"
				       " FROM membres WHERE login = 'cmember') m) WHERE login ="
				       " 'cother'"),
			 0);
	assert_api_request(&srv, "POST", "/api/v1/accounts/cother/renew", token, NULL, NULL, 200);
	warm(token, "/api/v1/accounts/cmember", 200);
	assert_int_equal(api_sql(&srv, "UPDATE membres SET su = 0 WHERE login = 'cmember'"), 0);
	assert_api_request(&srv, "POST", "/api/v1/accounts/cother/renew", token, NULL, NULL, 403);

	/* Logged out on this daemon: the same. */
	warm(token, "/api/v1/accounts/cmember", 200);
	assert_api_request(&srv, "POST", "/api/v1/auth/logout", token, NULL, NULL, 204);
	assert_api_request(&srv, "GET", "/api/v1/accounts/cmember", token, NULL, NULL, 401);
}

/* Five failures are free; after that the login from that address, and (after 20) the address,
 * are refused for a while. */
static void test_login_throttling(void **state)
{
	static const char *const from_a[] = {"X-Forwarded-For: 198.51.100.1", NULL};
	static const char *const from_b[] = {"X-Forwarded-For: 198.51.100.2", NULL};
	static const char *const from_c[] = {"X-Forwarded-For: 198.51.100.3", NULL};
	int limited = 0;
	char body[128];
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "thrott", "Thrott-pass-1", ""),
			 201);
	for (int i = 0; i < 12 && !limited; i++) {
		api_request(&r, &srv, "POST", "/api/v1/auth/login", NULL,
			    "{\"login\": \"thrott\", \"password\": \"bad\"}", from_a);
		if (r.status == 429) {
			assert_error_shape(&r, 429, "rate_limited");
			assert_true(atoi(r.retry_after) >= 1);
			limited = 1;
		} else {
			assert_api_status(&r, 401);
		}
		api_resp_free(&r);
	}
	assert_true(limited);
	/* Per login and address: from there, even the right password waits... */
	assert_int_equal(api_login(&srv, "thrott", "Thrott-pass-1", NULL, 0, from_a), 429);
	/* ...but the owner from another address gets in (security item 9). */
	assert_int_equal(api_login(&srv, "thrott", "Thrott-pass-1", NULL, 0, from_b), 200);

	/* Per address: failures on many logins from one address block that address. */
	limited = 0;
	for (int i = 0; i < 30 && !limited; i++) {
		snprintf(body, sizeof(body), "{\"login\": \"ghost%d\", \"password\": \"bad\"}", i);
		api_request(&r, &srv, "POST", "/api/v1/auth/login", NULL, body, from_c);
		limited = r.status == 429;
		if (!limited)
			assert_api_status(&r, 401);
		api_resp_free(&r);
	}
	assert_true(limited);
	/* The admin from elsewhere is not affected. */
	assert_int_equal(api_login(&srv, "admin", API_ADMIN_PASSWORD, NULL, 0, from_b), 200);
}

/* Only the trusted proxy's X-Forwarded-For hop counts, never the client's own claims. */
static void test_forwarded_for(void **state)
{
	static const char *const spoof[] = {"X-Forwarded-For: 10.9.9.9, 192.0.2.77",
					    "CF-Connecting-IP: 10.1.1.1", "X-Real-IP: 10.2.2.2",
					    NULL};
	static const char *const garbage[] = {"X-Forwarded-For: not-an-ip", NULL};
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "xffm", "Xffm-pass-12", ""),
			 201);
	assert_int_equal(api_login(&srv, "xffm", "Xffm-pass-12", NULL, 0, spoof), 200);
	api_request(&r, &srv, "GET", "/api/v1/accounts/xffm", srv.admin_token, NULL, NULL);
	assert_string_equal(api_str(&r, "lastip"), "192.0.2.77");
	api_resp_free(&r);
	assert_int_equal(api_login(&srv, "xffm", "Xffm-pass-12", NULL, 0, garbage), 200);
	api_request(&r, &srv, "GET", "/api/v1/accounts/xffm", srv.admin_token, NULL, NULL);
	assert_string_equal(api_str(&r, "lastip"), "127.0.0.1");
	api_resp_free(&r);
}

static void test_idempotency(void **state)
{
	static const char *const key1[] = {"Idempotency-Key: create-idem1-0001", NULL};
	static const char *const badkey[] = {"Idempotency-Key: has space", NULL};
	const char *body = "{\"login\": \"idem1\", \"password\": \"Idem1-pass-1\", \"mail\": "
			   "\"idem1@example.net\"}";
	api_resp first, again, other;

	(void)state;
	api_request(&first, &srv, "POST", "/api/v1/accounts", srv.admin_token, body, key1);
	assert_api_status(&first, 201);
	assert_false(first.replayed);
	api_request(&again, &srv, "POST", "/api/v1/accounts", srv.admin_token, body, key1);
	assert_api_status(&again, 201);
	assert_true(again.replayed);
	assert_string_equal(again.body, first.body);
	assert_string_equal(again.etag, first.etag);
	/* The Location too: a client files the ETag under it (PanelApi.php). */
	assert_string_equal(first.location, "/api/v1/accounts/idem1");
	assert_string_equal(again.location, first.location);
	/* Without the key, the retry is a plain conflict. */
	assert_api_request(&srv, "POST", "/api/v1/accounts", srv.admin_token, body, NULL, 409);
	/* The same key for another request is refused. */
	api_request(&other, &srv, "POST", "/api/v1/accounts", srv.admin_token,
		    "{\"login\": \"idem2\", \"password\": \"Idem2-pass-1\", \"mail\": "
		    "\"idem2@example.net\"}",
		    key1);
	assert_error_shape(&other, 409, "idempotency_conflict");
	api_resp_free(&other);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login IN "
					  "('idem1', 'idem2')"),
			 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_audit WHERE action = "
					  "'account.create' AND object_id = 'idem1'"),
			 1);
	api_request(&other, &srv, "POST", "/api/v1/accounts", srv.admin_token, body, badkey);
	assert_error_shape(&other, 400, "invalid_header");
	assert_string_equal(api_error_field(&other), "Idempotency-Key");
	api_resp_free(&other);
	/* Keys belong to a principal: another admin's identical key is its own. */
	assert_int_equal(api_create_account(&srv, srv.admin_token, "idemadm", "Idemadm-pass-1",
					    ", \"admin\": true"),
			 201);
	char token[PANEL_TOKEN_MAX];
	assert_int_equal(api_login(&srv, "idemadm", "Idemadm-pass-1", token, sizeof(token), NULL),
			 200);
	api_request(&other, &srv, "POST", "/api/v1/accounts", token, body, key1);
	assert_api_status(&other, 409);
	assert_string_equal(api_error_code(&other), "exists"); /* ran, was not replayed */
	assert_false(other.replayed);
	api_resp_free(&other);
	/* A revoked token gets no replay of its own stored answers: its key is checked first. */
	assert_api_request(&srv, "POST", "/api/v1/auth/logout", token, NULL, NULL, 204);
	api_request(&other, &srv, "POST", "/api/v1/accounts", token, body, key1);
	assert_api_status(&other, 401);
	assert_false(other.replayed);
	assert_null(strstr(other.body, "idem1@example.net"));
	api_resp_free(&other);
	api_resp_free(&first);
	api_resp_free(&again);
}

static void test_etag_if_match(void **state)
{
	char stale[80], ifm[200], fresh[80];
	const char *hdr[2] = {ifm, NULL};
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "etag1", "Etag1-pass-1", ""),
			 201);
	api_request(&r, &srv, "GET", "/api/v1/accounts/etag1", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	snprintf(stale, sizeof(stale), "%s", r.etag);
	/* The header is the quoted etag of the body. */
	snprintf(ifm, sizeof(ifm), "\"%s\"", api_str(&r, "etag"));
	assert_string_equal(stale, ifm);
	api_resp_free(&r);

	snprintf(ifm, sizeof(ifm), "If-None-Match: %s", stale);
	api_request(&r, &srv, "GET", "/api/v1/accounts/etag1", srv.admin_token, NULL, hdr);
	assert_api_status(&r, 304);
	assert_string_equal(r.etag, stale);
	api_resp_free(&r);

	snprintf(ifm, sizeof(ifm), "If-Match: %s", stale);
	api_request(&r, &srv, "PATCH", "/api/v1/accounts/etag1", srv.admin_token,
		    "{\"nom\": \"First\"}", hdr);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "nom"), "First");
	snprintf(fresh, sizeof(fresh), "%s", r.etag);
	assert_string_not_equal(fresh, stale);
	api_resp_free(&r);

	/* Someone changed it meanwhile: every update with the old ETag is refused. */
	api_request(&r, &srv, "PATCH", "/api/v1/accounts/etag1", srv.admin_token,
		    "{\"nom\": \"Second\"}", hdr);
	assert_error_shape(&r, 412, "precondition_failed");
	api_resp_free(&r);
	static const char *const routes[][2] = {
	    {"POST", "/api/v1/accounts/etag1/lock"},
	    {"POST", "/api/v1/accounts/etag1/unlock"},
	    {"PUT", "/api/v1/accounts/etag1/password"},
	    {"DELETE", "/api/v1/accounts/etag1"},
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const char *body =
		    strcmp(routes[i][0], "PUT") == 0 ? "{\"password\": \"Etag1-new-22\"}" : NULL;
		api_request(&r, &srv, routes[i][0], routes[i][1], srv.admin_token, body, hdr);
		assert_error_shape(&r, 412, "precondition_failed");
		api_resp_free(&r);
	}
	api_request(&r, &srv, "GET", "/api/v1/accounts/etag1", srv.admin_token, NULL, NULL);
	assert_string_equal(api_str(&r, "nom"), "First");
	assert_true(json_is_true(json_object_get(r.json, "enabled")));
	api_resp_free(&r);

	/* A list of tags, and "*". */
	snprintf(ifm, sizeof(ifm), "If-Match: %s, %s", stale, fresh);
	api_request(&r, &srv, "PATCH", "/api/v1/accounts/etag1", srv.admin_token,
		    "{\"prenom\": \"Jo\"}", hdr);
	assert_api_status(&r, 200);
	snprintf(fresh, sizeof(fresh), "%s", r.etag);
	api_resp_free(&r);
	snprintf(ifm, sizeof(ifm), "If-Match: *");
	assert_api_request(&srv, "POST", "/api/v1/accounts/etag1/lock", srv.admin_token, NULL, hdr,
			   200);
	snprintf(ifm, sizeof(ifm), "If-Match: W/%s", fresh);
	assert_api_request(&srv, "POST", "/api/v1/accounts/etag1/unlock", srv.admin_token, NULL,
			   hdr, 412); /* weak tags never match */
	snprintf(ifm, sizeof(ifm), "If-Match: \"unterminated");
	api_request(&r, &srv, "PATCH", "/api/v1/accounts/etag1", srv.admin_token, "{}", hdr);
	assert_error_shape(&r, 400, "invalid_header");
	api_resp_free(&r);
}

static void test_pagination(void **state)
{
	const char *logins[] = {"pgb", "pga", "pge", "pgc", "pgd"};
	char path[256], cursor[128] = "";
	json_t *seen = json_array();
	api_resp r;
	int pages = 0;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(
		    api_create_account(&srv, srv.admin_token, logins[i], "Pg-pass-123", ""), 201);
	do {
		size_t i;
		json_t *item;
		snprintf(path, sizeof(path), "/api/v1/accounts?login_prefix=pg&limit=2%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		api_request(&r, &srv, "GET", path, srv.admin_token, NULL, NULL);
		assert_api_status(&r, 200);
		assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 5);
		assert_true(json_array_size(json_object_get(r.json, "items")) <= 2);
		json_array_foreach(json_object_get(r.json, "items"), i, item)
		    json_array_append(seen, json_object_get(item, "login"));
		if (json_is_string(json_object_get(r.json, "next_cursor"))) {
			char *esc = curl_easy_escape(NULL, api_str(&r, "next_cursor"), 0);
			snprintf(cursor, sizeof(cursor), "%s", esc);
			curl_free(esc);
		} else {
			assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
			cursor[0] = '\0';
		}
		api_resp_free(&r);
		pages++;
	} while (cursor[0] && pages < 10);
	assert_int_equal(pages, 3);
	assert_int_equal(json_array_size(seen), 5);
	for (size_t i = 0; i < 5; i++) {
		char want[8];
		snprintf(want, sizeof(want), "pg%c", (char)('a' + i)); /* ordered by login */
		assert_string_equal(json_string_value(json_array_get(seen, i)), want);
	}
	json_decref(seen);

	api_request(&r, &srv, "GET", "/api/v1/accounts?login_prefix=pg&offset=3&limit=10",
		    srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(r.json, "items"), 0), "login")),
			    "pgd");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/accounts?limit=0", srv.admin_token, NULL, NULL,
			   400);
	assert_api_request(&srv, "GET", "/api/v1/accounts?limit=501", srv.admin_token, NULL, NULL,
			   400);
	assert_api_request(&srv, "GET", "/api/v1/accounts?offset=1&cursor=pga", srv.admin_token,
			   NULL, NULL, 400);
	assert_api_request(&srv, "GET", "/api/v1/accounts?enabled=maybe", srv.admin_token, NULL,
			   NULL, 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_healthz),	     cmocka_unit_test(test_routing_errors),
	    cmocka_unit_test(test_body_errors),	     cmocka_unit_test(test_login_logout_whoami),
	    cmocka_unit_test(test_forwarded_for),    cmocka_unit_test(test_idempotency),
	    cmocka_unit_test(test_etag_if_match),    cmocka_unit_test(test_pagination),
	    cmocka_unit_test(test_login_throttling), cmocka_unit_test(test_cached_token_changes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
