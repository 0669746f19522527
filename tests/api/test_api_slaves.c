/* panel-api against a real daemon and database: the slave servers' administration routes
 * (addresses, DNS and MX accounts; admins only) and the lists slave DNS and backup MX servers
 * poll at AlternC 1.0's paths with HTTP Basic: exact lines, and right, wrong and missing
 * credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_matrix.h"

/* base64 of "login:password" */
#define NS2_OK	  "Authorization: Basic bnMyOk5zMi1wYXNzLTIwMjY=" /* ns2:Ns2-pass-2026 */
#define NS2_WRONG "Authorization: Basic bnMyOldyb25nLXBhc3MtMjY=" /* ns2:Wrong-pass-26 */
#define MX2_OK	  "Authorization: Basic bXgyOk14Mi1wYXNzLTIwMjY=" /* mx2:Mx2-pass-2026 */
#define MX2_NS2	  "Authorization: Basic bXgyOk5zMi1wYXNzLTIwMjY=" /* mx2:Ns2-pass-2026 */

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

static void test_ips(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/ips", "{\"ip\": \"192.0.2.53\"}", 201);
	assert_string_equal(api_str(&r, "ip"), "192.0.2.53");
	assert_int_equal(json_integer_value(json_object_get(r.json, "prefix")), 32);
	assert_string_equal(r.location, "/api/v1/slaves/ips/192.0.2.53");
	api_resp_free(&r);
	assert_api_call(NULL, SA, "POST", "/api/v1/slaves/ips",
			"{\"ip\": \"2001:db8::\", \"prefix\": 48}", 201);
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/ips", "{\"ip\": \"192.0.2.53\"}", 409);
	assert_string_equal(api_error_code(&r), "exists");
	api_resp_free(&r);
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/ips",
			"{\"ip\": \"10.0.0.1\", \"prefix\": 8}", 400);
	assert_string_equal(api_error_field(&r), "prefix");
	api_resp_free(&r);
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/ips", "{\"ip\": \"ns2.example.net\"}", 400);
	assert_string_equal(api_error_field(&r), "ip");
	api_resp_free(&r);

	assert_api_call(&r, AB, "GET", "/api/v1/slaves/ips", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 2);
	json_t *first = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "ip")), "192.0.2.53");
	api_resp_free(&r);

	assert_api_call(NULL, SA, "DELETE", "/api/v1/slaves/ips/2001:db8::", NULL, 204);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/slaves/ips/2001:db8::", NULL, 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM slaveip"), 1);
}

/* Members never reach the tables; a sub-admin reads them but does not change them. */
static void test_refusals(void **state)
{
	(void)state;
	assert_api_call(NULL, MA, "GET", "/api/v1/slaves/ips", NULL, 403);
	assert_api_call(NULL, MA, "POST", "/api/v1/slaves/ips", "{\"ip\": \"192.0.2.1\"}", 403);
	assert_api_call(NULL, AB_MA, "GET", "/api/v1/slaves/dns-accounts", NULL, 403);
	assert_api_call(NULL, MA, "POST", "/api/v1/slaves/mx-accounts",
			"{\"login\": \"evil\", \"password\": \"Evil-pass-2026\"}", 403);
	assert_api_call(NULL, AB, "POST", "/api/v1/slaves/dns-accounts",
			"{\"login\": \"evil\", \"password\": \"Evil-pass-2026\"}", 403);
	assert_api_call(NULL, KOTHER, "GET", "/api/v1/slaves/ips", NULL, 403);
	assert_api_call(NULL, KRO, "POST", "/api/v1/slaves/ips", "{\"ip\": \"192.0.2.1\"}", 403);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM slaveaccount"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM mxaccount"), 0);
}

static void test_accounts(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/dns-accounts",
			"{\"login\": \"ns2\", \"password\": \"Ns2-pass-2026\"}", 201);
	assert_string_equal(api_str(&r, "kind"), "dns");
	assert_null(json_object_get(r.json, "password"));
	assert_string_equal(r.location, "/api/v1/slaves/dns-accounts/ns2");
	api_resp_free(&r);
	assert_api_call(NULL, SA, "POST", "/api/v1/slaves/mx-accounts",
			"{\"login\": \"mx2\", \"password\": \"Mx2-pass-2026\"}", 201);
	assert_api_call(NULL, SA, "POST", "/api/v1/slaves/mx-accounts",
			"{\"login\": \"mx3\", \"password\": \"Mx3-pass-2026\"}", 201);
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/mx-accounts",
			"{\"login\": \"mx2\", \"password\": \"Mx2-pass-2026\"}", 409);
	api_resp_free(&r);
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/dns-accounts",
			"{\"login\": \"a:b\", \"password\": \"Ns2-pass-2026\"}", 400);
	assert_string_equal(api_error_field(&r), "login");
	api_resp_free(&r);
	assert_api_call(&r, SA, "POST", "/api/v1/slaves/dns-accounts",
			"{\"login\": \"ns4\", \"password\": \"short\"}", 400);
	assert_string_equal(api_error_field(&r), "password");
	api_resp_free(&r);

	assert_api_call(&r, AB, "GET", "/api/v1/slaves/mx-accounts", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 2);
	json_t *first = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "login")), "mx2");
	assert_null(json_object_get(first, "password"));
	api_resp_free(&r);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/slaves/mx-accounts/mx3", NULL, 204);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/slaves/mx-accounts/mx3", NULL, 404);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/slaves/dns-accounts/mx2", NULL, 404);
}

static long poll(api_resp *r, const char *path, const char *auth)
{
	const char *const headers[] = {auth, NULL};

	if (api_request(r, &srv, "GET", path, NULL, NULL, auth ? headers : NULL) < 0)
		return -1;
	return r->status;
}

/* The exact answer for a fixture of domains: gesdns = 1 (gesmx = 1) ones, ordered, one a line. */
static void test_polling(void **state)
{
	api_resp r;

	(void)state;
	assert_int_equal(api_sql(&srv,
				 "INSERT INTO domaines (compte, domaine, gesdns, gesmx) VALUES"
				 " (2000, 'zeta.example', 1, 0), (2000, 'alpha.example', 1, 1),"
				 " (2000, 'mx-only.example', 0, 1), (2000, 'none.example', 0, 0)"),
			 0);
	assert_int_equal(poll(&r, "/admin/domlist.php", NS2_OK), 200);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	assert_int_equal(r.len, strlen("alpha.example\nzeta.example\n"));
	assert_memory_equal(r.body, "alpha.example\nzeta.example\n", r.len);
	api_resp_free(&r);
	assert_int_equal(poll(&r, "/admin/mxlist.php", MX2_OK), 200);
	assert_int_equal(r.len, strlen("alpha.example\nmx-only.example\n"));
	assert_memory_equal(r.body, "alpha.example\nmx-only.example\n", r.len);
	api_resp_free(&r);

	/* Missing, wrong, of the other kind, malformed: 401 with 1.0's challenge, no list. */
	const struct {
		const char *path, *auth, *realm;
	} refused[] = {
	    {"/admin/domlist.php", NULL, "Basic realm=\"Domain List Authentication\""},
	    {"/admin/domlist.php", NS2_WRONG, "Basic realm=\"Domain List Authentication\""},
	    {"/admin/domlist.php", MX2_OK, "Basic realm=\"Domain List Authentication\""},
	    {"/admin/mxlist.php", NS2_OK, "Basic realm=\"MX List Authentication\""},
	    {"/admin/mxlist.php", MX2_NS2, "Basic realm=\"MX List Authentication\""},
	    {"/admin/mxlist.php", "Authorization: Basic !!!",
	     "Basic realm=\"MX List Authentication\""},
	    {"/admin/mxlist.php", "Authorization: Bearer x",
	     "Basic realm=\"MX List Authentication\""},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(poll(&r, refused[i].path, refused[i].auth), 401);
		assert_string_equal(r.www_authenticate, refused[i].realm);
		assert_string_equal(api_error_code(&r), "unauthenticated");
		assert_null(strstr(r.body, "alpha.example"));
		api_resp_free(&r);
	}
	/* Deleting the account ends its access at once. */
	assert_api_call(NULL, SA, "DELETE", "/api/v1/slaves/dns-accounts/ns2", NULL, 204);
	assert_int_equal(poll(&r, "/admin/domlist.php", NS2_OK), 401);
	api_resp_free(&r);
}

/* Guessing is throttled: the sixth wrong password from one address is 429 with Retry-After. */
static void test_throttle(void **state)
{
	api_resp r;
	long status = 0;

	(void)state;
	for (int i = 0; i < 6 && status != 429; i++) {
		status = poll(&r, "/admin/mxlist.php", MX2_NS2);
		api_resp_free(&r);
	}
	assert_int_equal(status, 429);
	assert_int_equal(poll(&r, "/admin/mxlist.php", MX2_OK), 429);
	assert_true(atoi(r.retry_after) > 0);
	api_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ips),	     cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_accounts), cmocka_unit_test(test_polling),
	    cmocka_unit_test(test_throttle),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
