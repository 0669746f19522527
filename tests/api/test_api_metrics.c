/* panel-api's GET /metrics (who may read it, route templates as labels, the exposition format
 * checked by tests/api/prom-check.py and promtool when installed), request ids taken from
 * X-Request-Id or made, and the JSON log format: one object per line, never a secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

#define MEMBER_PASSWORD "Member-Pass-3141"
#define NEW_PASSWORD	"Member-Pass-2718"
#define WRONG_PASSWORD	"Wrong-Pass-1618"

static api_server srv;

static int setup(void **state)
{
	(void)state;
	return api_group_start(&srv, "log_format = json");
}

static int teardown(void **state)
{
	(void)state;
	return api_stop(&srv) == 0 ? 0 : -1;
}

/* The value of the sample line that starts with series (name and labels), or -1. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line)
		if (strncmp(line, series, n) == 0 && line[n] == ' ')
			return strtod(line + n + 1, NULL);
	return -1;
}

/* Runs a shell command; its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[PATH_MAX * 2 + 256];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Creates an application key of the admin with scope (JSON) and copies its secret. */
static void make_key(const char *name, const char *scope, char *key, size_t keysz)
{
	char body[256];
	api_resp r;

	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"scope\": %s}", name, scope);
	api_request(&r, &srv, "POST", "/api/v1/apikeys", srv.admin_token, body, NULL);
	assert_api_status(&r, 201);
	snprintf(key, keysz, "%s", api_str(&r, "key"));
	assert_true(strncmp(key, "pk_", 3) == 0);
	api_resp_free(&r);
}

/* Only the super admin, or a key whose scope names "metrics", reads them. */
static void test_metrics_access(void **state)
{
	static const char *const act_as_mira[] = {"X-Panel-Act-As: mira", NULL};
	char member[PANEL_TOKEN_MAX], boss[PANEL_TOKEN_MAX], key[PANEL_TOKEN_MAX];
	api_resp r;

	(void)state;
	assert_api_request(&srv, "GET", "/metrics", NULL, NULL, NULL, 401);
	assert_int_equal(api_create_account(&srv, srv.admin_token, "mira", MEMBER_PASSWORD, ""),
			 201);
	assert_int_equal(
	    api_create_account(&srv, srv.admin_token, "boss", MEMBER_PASSWORD, ", \"admin\": true"),
	    201);
	assert_int_equal(api_login(&srv, "mira", MEMBER_PASSWORD, member, sizeof(member), NULL),
			 200);
	assert_int_equal(api_login(&srv, "boss", MEMBER_PASSWORD, boss, sizeof(boss), NULL), 200);
	assert_api_request(&srv, "GET", "/metrics", member, NULL, NULL, 403);
	assert_api_request(&srv, "GET", "/metrics", boss, NULL, NULL, 403); /* a sub-admin */
	/* The super admin acting as a member is that member here. */
	assert_api_request(&srv, "GET", "/metrics", srv.admin_token, NULL, act_as_mira, 403);

	api_request(&r, &srv, "GET", "/metrics", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	assert_true(strncmp(r.content_type, "text/plain; version=0.0.4", 25) == 0);
	api_resp_free(&r);

	make_key("prometheus", "[\"metrics\"]", key, sizeof(key));
	assert_api_request(&srv, "GET", "/metrics", key, NULL, NULL, 200);
	assert_api_request(&srv, "GET", "/api/v1/accounts", key, NULL, NULL, 403);
	make_key("accounts-only", "[\"accounts\"]", key, sizeof(key));
	api_request(&r, &srv, "GET", "/metrics", key, NULL, NULL);
	assert_api_status(&r, 403);
	assert_string_equal(api_error_code(&r), "scope_forbidden");
	api_resp_free(&r);
}

/* Requests are counted under their route template, with a latency histogram, and the whole
 * text passes the format checks. */
static void test_metrics_content(void **state)
{
	char file[PATH_MAX + 32];
	api_resp r;
	FILE *f;
	double n;

	(void)state;
	assert_api_request(&srv, "GET", "/api/v1/accounts/admin", srv.admin_token, NULL, NULL, 200);
	assert_api_request(&srv, "GET", "/api/v1/accounts/admin", srv.admin_token, NULL, NULL, 200);
	assert_api_request(&srv, "GET", "/api/v1/accounts/nobody", srv.admin_token, NULL, NULL,
			   404);
	assert_api_request(&srv, "GET", "/api/v1/nothing", srv.admin_token, NULL, NULL, 404);
	api_request(&r, &srv, "GET", "/metrics", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	assert_non_null(r.body);
	n = sample(r.body, "panel_api_requests_total{route=\"/api/v1/accounts/{login}\","
			   "method=\"GET\",code=\"200\"}");
	assert_true(n >= 2);
	assert_true(sample(r.body, "panel_api_requests_total{route=\"/api/v1/accounts/{login}\","
				   "method=\"GET\",code=\"404\"}") >= 1);
	assert_true(sample(r.body, "panel_api_requests_total{route=\"none\",method=\"none\","
				   "code=\"404\"}") >= 1);
	/* The template, never the concrete path: label values stay few. */
	assert_null(strstr(r.body, "/api/v1/accounts/admin"));
	assert_null(strstr(r.body, "nobody"));
	assert_true(sample(r.body, "panel_api_request_duration_seconds_count{route=\"/api/v1/"
				   "accounts/{login}\",method=\"GET\"}") >= 3);
	assert_true(sample(r.body, "panel_api_request_duration_seconds_bucket{route=\"/api/v1/"
				   "accounts/{login}\",method=\"GET\",le=\"+Inf\"}") >= 3);
	assert_true(sample(r.body, "panel_api_active_tokens") >= 1);
	assert_true(sample(r.body, "panel_api_active_apikeys") >= 0);
	assert_true(sample(r.body, "panel_api_db_unavailable_total") >= 0);
	assert_true(sample(r.body, "panel_api_db_transaction_retries_total") >= 0);
	assert_true(sample(r.body, "panel_api_requests_in_flight") >= 1);
	assert_true(sample(r.body, "process_start_time_seconds") > 1.6e9);
	assert_non_null(strstr(r.body, "panel_api_build_info{version=\""));

	snprintf(file, sizeof(file), "%s/metrics.txt", srv.dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs(r.body, f);
	assert_int_equal(fclose(f), 0);
	api_resp_free(&r);
	assert_int_equal(run("/usr/bin/python3 tests/api/prom-check.py metrics '%s'", file), 0);
	if (run("command -v promtool >/dev/null") == 0)
		assert_int_equal(run("promtool check metrics < '%s'", file), 0);
}

/* The sample alert rules name only metrics that dbproxy, the runner and panel-api produce. */
static void test_alert_rules(void **state)
{
	char bad[PATH_MAX + 32];
	FILE *f;

	(void)state;
	assert_int_equal(run("/usr/bin/python3 tests/api/prom-check.py rules "
			     "docs/prometheus-alerts.yml dbproxy/dp_admin.c panelctl/cmd_actions.c "
			     "panel-api/papi_metrics.c"),
			 0);
	if (run("command -v promtool >/dev/null") == 0)
		assert_int_equal(run("promtool check rules docs/prometheus-alerts.yml"), 0);
	/* The check can fail: a misspelt name is caught. */
	snprintf(bad, sizeof(bad), "%s/bad-rules.yml", srv.dir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("groups:\n  - name: g\n    rules:\n      - alert: A\n"
	      "        expr: dbproxy_routing_opened == 0\n"
	      "        labels: {severity: critical}\n        annotations: {summary: s}\n",
	      f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run("/usr/bin/python3 tests/api/prom-check.py rules '%s' "
			     "dbproxy/dp_admin.c >/dev/null",
			     bad),
			 1);
}

/* A safe X-Request-Id is kept (answer, error body, log); anything else is replaced. */
static void test_request_id(void **state)
{
	static const char *const refused[] = {
	    "X-Request-Id: two words", "X-Request-Id: a\"quote",
	    "X-Request-Id: pt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "X-Request-Id: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
	};
	api_resp r;

	(void)state;
	api_request(&r, &srv, "GET", "/api/v1/accounts/nobody", srv.admin_token, NULL,
		    (const char *const[]){"X-Request-Id: trace-42.a_B", NULL});
	assert_api_status(&r, 404);
	assert_string_equal(r.request_id, "trace-42.a_B");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "error"), "request_id")),
	    "trace-42.a_B");
	api_resp_free(&r);
	assert_true(api_log_wait(&srv, "\"request_id\":\"trace-42.a_B\"", 3000));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		api_request(&r, &srv, "GET", "/healthz", NULL, NULL,
			    (const char *const[]){refused[i], NULL});
		assert_api_status(&r, 200);
		assert_int_equal(strlen(r.request_id), 16);
		assert_int_equal(strspn(r.request_id, "0123456789abcdef"), 16);
		api_resp_free(&r);
	}
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, "pt_AAAAAAAA"));
}

/* Requests that carry passwords, tokens and keys, then the log: one JSON object per line,
 * request lines with their id and route, and none of those secrets anywhere. */
static void test_log_json_without_secrets(void **state)
{
	char token[PANEL_TOKEN_MAX], key[PANEL_TOKEN_MAX], line[8192], body[256];
	const char *secrets[5], *headers[2] = {NULL, NULL};
	size_t lines = 0, requests = 0;
	FILE *f;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "sly", MEMBER_PASSWORD, ""),
			 201);
	assert_int_equal(api_login(&srv, "sly", WRONG_PASSWORD, NULL, 0, NULL), 401);
	assert_int_equal(api_login(&srv, "sly", MEMBER_PASSWORD, token, sizeof(token), NULL), 200);
	snprintf(body, sizeof(body), "{\"old_password\": \"%s\", \"password\": \"%s\"}",
		 MEMBER_PASSWORD, NEW_PASSWORD);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/sly/password", token, body, NULL, 204);
	make_key("secret-check", "\"read\"", key, sizeof(key));
	assert_api_request(&srv, "GET", "/api/v1/accounts", key, NULL, NULL, 200);
	/* A credential in the wrong place is still never written down. */
	snprintf(line, sizeof(line), "X-Request-Id: %s", srv.admin_token);
	headers[0] = line;
	assert_api_request(&srv, "GET", "/healthz", NULL, NULL, headers, 200);
	api_terminate(&srv); /* every line is out */
	assert_int_equal(api_spawn(&srv), 0);

	secrets[0] = API_ADMIN_PASSWORD;
	secrets[1] = MEMBER_PASSWORD;
	secrets[2] = WRONG_PASSWORD;
	secrets[3] = NEW_PASSWORD;
	secrets[4] = NULL;
	api_log_settle(&srv);
	for (size_t i = 0; secrets[i]; i++)
		assert_false(api_log_contains(&srv, secrets[i]));
	assert_false(api_log_contains(&srv, srv.admin_token + 3));
	assert_false(api_log_contains(&srv, token + 3));
	assert_false(api_log_contains(&srv, key + 3));
	assert_false(api_log_contains(&srv, "Bearer"));

	f = fopen(srv.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *msg;
		if (!o)
			fprintf(stderr, "not a JSON line: %s", line);
		assert_non_null(o);
		assert_true(json_is_string(json_object_get(o, "time")));
		assert_true(json_is_string(json_object_get(o, "level")));
		msg = json_string_value(json_object_get(o, "msg"));
		assert_non_null(msg);
		if (strcmp(msg, "request") == 0) {
			requests++;
			assert_true(json_is_string(json_object_get(o, "request_id")));
			assert_true(json_is_string(json_object_get(o, "method")));
			assert_true(json_is_string(json_object_get(o, "path")));
			assert_true(json_is_integer(json_object_get(o, "status")));
			assert_true(json_is_number(json_object_get(o, "duration_ms")));
		}
		json_decref(o);
		lines++;
	}
	fclose(f);
	assert_true(lines > requests);
	assert_true(requests >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_metrics_access),
	    cmocka_unit_test(test_metrics_content),
	    cmocka_unit_test(test_alert_rules),
	    cmocka_unit_test(test_request_id),
	    cmocka_unit_test(test_log_json_without_secrets),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
