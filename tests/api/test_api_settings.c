/* panel-api against a real daemon and database: the global settings (AlternC's variable table),
 * who reads and who changes them, and their refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_matrix.h"

static int setup(void **state)
{
	(void)state;
	return api_cast_setup("", "[\"ftp\"]");
}

static int teardown(void **state)
{
	(void)state;
	return api_cast_teardown();
}

static json_t *item_named(json_t *items, const char *name)
{
	size_t i;
	json_t *item;

	json_array_foreach(items, i, item)
	{
		if (strcmp(json_string_value(json_object_get(item, "name")), name) == 0)
			return item;
	}
	return NULL;
}

static void test_settings(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(&r, AB, "GET", "/api/v1/settings", NULL, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 4);
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	json_t *flag = item_named(items, "subadmin_restriction");
	assert_non_null(flag);
	assert_string_equal(json_string_value(json_object_get(flag, "kind")), "flag");
	assert_string_equal(json_string_value(json_object_get(flag, "value")), "");
	api_resp_free(&r);

	assert_api_call(
	    &r, SA, "PUT", "/api/v1/settings/new_email",
	    "{\"value\": \"ops@example.net\", \"comment\": \"who hears of new accounts\"}", 200);
	assert_string_equal(api_str(&r, "value"), "ops@example.net");
	assert_string_equal(api_str(&r, "kind"), "mail");
	assert_string_equal(api_str(&r, "comment"), "who hears of new accounts");
	api_resp_free(&r);
	assert_api_call(&r, AB, "GET", "/api/v1/settings/new_email", NULL, 200);
	assert_string_equal(api_str(&r, "value"), "ops@example.net");
	api_resp_free(&r);

	/* Values against their kind; names; bodies. */
	assert_api_call(&r, SA, "PUT", "/api/v1/settings/subadmin_restriction",
			"{\"value\": \"yes\"}", 400);
	assert_string_equal(api_error_code(&r), "invalid");
	assert_string_equal(api_error_field(&r), "value");
	api_resp_free(&r);
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/hosting_tld", "{\"value\": \"x\"}", 400);
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/rss_feed",
			"{\"value\": \"ftp://example.net/\"}", 400);
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/bad%20name", "{\"value\": \"1\"}", 400);
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/x", "{}", 400);
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/x", "{\"value\": 1}", 400);
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/x",
			"{\"value\": \"1\", \"kind\": \"t\"}", 400);
	assert_api_call(NULL, SA, "GET", "/api/v1/settings/bad%20name", NULL, 400);

	/* Free text, multi-line; the comment stays when not given. */
	assert_api_call(&r, SA, "PUT", "/api/v1/settings/plugin.motd",
			"{\"value\": \"line 1\\nline 2\", \"comment\": \"message of the day\"}",
			200);
	assert_string_equal(api_str(&r, "kind"), "text");
	api_resp_free(&r);
	assert_api_call(&r, SA, "PUT", "/api/v1/settings/plugin.motd", "{\"value\": \"\"}", 200);
	assert_string_equal(api_str(&r, "value"), "");
	assert_string_equal(api_str(&r, "comment"), "message of the day");
	api_resp_free(&r);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/settings/plugin.motd", NULL, 204);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/settings/plugin.motd", NULL, 404);
	assert_api_call(NULL, SA, "GET", "/api/v1/settings/plugin.motd", NULL, 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_audit WHERE object_kind ="
					  " 'setting' AND object_id = 'plugin.motd'"),
			 3);
}

/* A sub-admin whom subadmin_restriction lets see every account still may not change a setting,
 * least of all the one that decides what sub-admins see. */
static void test_subadmin_cannot_write(void **state)
{
	(void)state;
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/subadmin_restriction",
			"{\"value\": \"1\"}", 200);
	assert_api_call(NULL, AB, "GET", "/api/v1/accounts/memc", NULL, 200);
	assert_api_call(NULL, AB, "PUT", "/api/v1/settings/subadmin_restriction",
			"{\"value\": \"0\"}", 403);
	assert_api_call(NULL, AB, "PUT", "/api/v1/settings/new_email",
			"{\"value\": \"spy@example.net\"}", 403);
	assert_api_call(NULL, KB, "PUT", "/api/v1/settings/new_email",
			"{\"value\": \"spy@example.net\"}", 403);
	assert_api_call(NULL, AC, "DELETE", "/api/v1/settings/subadmin_restriction", NULL, 403);
	assert_int_equal(api_number(&srv, "SELECT value FROM variable WHERE name ="
					  " 'subadmin_restriction'"),
			 1);
	assert_api_call(NULL, SA, "PUT", "/api/v1/settings/subadmin_restriction",
			"{\"value\": \"\"}", 200);
	assert_api_call(NULL, AB, "GET", "/api/v1/accounts/memc", NULL, 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM variable WHERE value ="
					  " 'spy@example.net'"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_settings),
	    cmocka_unit_test(test_subadmin_cannot_write),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
