/* panel-api against a real daemon and database: the global settings (AlternC's variable table),
 * who reads and who changes them, and their refusals; the account creators; deleting an account
 * type and resetting an account's quotas to its type's defaults. */
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

static void test_creators(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(&r, SA, "GET", "/api/v1/creators", NULL, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 3); /* admin, adminb, adminc */
	json_t *b = NULL;
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
	{
		if (strcmp(json_string_value(json_object_get(item, "login")), "adminb") == 0)
			b = item;
	}
	assert_non_null(b);
	assert_int_equal(json_integer_value(json_object_get(b, "members")), 2);
	assert_true(json_is_true(json_object_get(b, "admin")));
	api_resp_free(&r);
	assert_api_call(NULL, AB, "GET", "/api/v1/creators", NULL, 403);
	assert_api_call(NULL, MA, "GET", "/api/v1/creators", NULL, 403);
}

static void test_account_types(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(NULL, SA, "PUT", "/api/v1/quotas/defaults",
			"{\"type\": \"gold\", \"name\": \"dom\", \"value\": 6}", 200);
	assert_api_call(NULL, SA, "PATCH", "/api/v1/accounts/memb", "{\"type\": \"gold\"}", 200);
	assert_api_call(NULL, AB, "PUT", "/api/v1/accounts/memb/quotas/dom", "{\"value\": 40}",
			200);

	/* Reset to the type's defaults: by the admins who manage the account. */
	assert_api_call(NULL, MB, "POST", "/api/v1/accounts/memb/reset-quotas", NULL, 403);
	assert_api_call(NULL, AC, "POST", "/api/v1/accounts/memb/reset-quotas", NULL, 404);
	assert_api_call(&r, AB, "POST", "/api/v1/accounts/memb/reset-quotas", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 7);
	assert_int_equal(api_number(&srv, "SELECT total FROM quotas q JOIN membres m ON m.uid ="
					  " q.uid WHERE m.login = 'memb' AND q.name = 'dom'"),
			 6);
	api_resp_free(&r);
	assert_api_call(NULL, AB, "POST", "/api/v1/accounts/memb/reset-quotas", "{\"x\": 1}", 400);

	/* A type with accounts stays; without, it goes. */
	api_call(&r, SA, "DELETE", "/api/v1/account-types/gold", NULL);
	assert_api_status(&r, 409);
	assert_string_equal(api_error_field(&r), "type");
	api_resp_free(&r);
	assert_api_call(NULL, AB, "DELETE", "/api/v1/account-types/gold", NULL, 403);
	assert_api_call(NULL, MB, "DELETE", "/api/v1/account-types/gold", NULL, 403);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/account-types/default", NULL, 400);
	assert_api_call(NULL, SA, "PATCH", "/api/v1/accounts/memb", "{\"type\": \"default\"}", 200);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/account-types/gold", NULL, 204);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/account-types/gold", NULL, 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM defquotas WHERE type = 'gold'"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_settings),
	    cmocka_unit_test(test_subadmin_cannot_write),
	    cmocka_unit_test(test_creators),
	    cmocka_unit_test(test_account_types),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
