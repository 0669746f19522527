/* panel-api's authorization matrix against a real daemon: every route for a member, a sub-admin,
 * another sub-admin, an application key and an admin acting as a member, on their own and on
 * others' objects. A member never reaches another member's data, by any route or parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

static api_server srv;

/* Principals: SA super admin; AB, AC sub-admins; MA, MB created by AB; MC created by AC; KB an
 * application key of AB; AB_MA is AB acting as MA (X-Panel-Act-As). */
enum { SA, AB, AC, MA, MB, MC, KB, AB_MA, NPRINCIPALS };
static char tokens[NPRINCIPALS][PANEL_TOKEN_MAX];
static long long key_ab, key_ac; /* ids of an application key of AB and one of AC */

static const char *const PASS = "Matrix-pass-2026";

static int setup(void **state)
{
	api_resp r;

	(void)state;
	if (api_group_start(&srv, "") < 0)
		return -1;
	snprintf(tokens[SA], PANEL_TOKEN_MAX, "%s", srv.admin_token);
	if (api_create_account(&srv, tokens[SA], "adminb", PASS, ", \"admin\": true") != 201 ||
	    api_create_account(&srv, tokens[SA], "adminc", PASS, ", \"admin\": true") != 201 ||
	    api_login(&srv, "adminb", PASS, tokens[AB], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_login(&srv, "adminc", PASS, tokens[AC], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_create_account(&srv, tokens[AB], "mema", PASS, "") != 201 ||
	    api_create_account(&srv, tokens[AB], "memb", PASS, "") != 201 ||
	    api_create_account(&srv, tokens[AC], "memc", PASS, "") != 201 ||
	    api_login(&srv, "mema", PASS, tokens[MA], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_login(&srv, "memb", PASS, tokens[MB], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_login(&srv, "memc", PASS, tokens[MC], PANEL_TOKEN_MAX, NULL) != 200)
		return -1;
	snprintf(tokens[AB_MA], PANEL_TOKEN_MAX, "%s", tokens[AB]);
	api_request(&r, &srv, "POST", "/api/v1/apikeys", tokens[AB], "{\"name\": \"ab key\"}",
		    NULL);
	snprintf(tokens[KB], PANEL_TOKEN_MAX, "%s", api_str(&r, "key"));
	key_ab = json_integer_value(json_object_get(r.json, "id"));
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/apikeys", tokens[AC], "{\"name\": \"ac key\"}",
		    NULL);
	key_ac = json_integer_value(json_object_get(r.json, "id"));
	api_resp_free(&r);
	return key_ab > 0 && key_ac > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return api_stop(&srv) == 0 ? 0 : -1;
}

static const char *const act_as_mema[] = {"X-Panel-Act-As: mema", NULL};

static long call(int who, const char *method, const char *path, const char *body)
{
	return api_status(&srv, method, path, tokens[who], body, who == AB_MA ? act_as_mema : NULL);
}

static const char *const names[] = {"SA", "AB", "AC", "MA", "MB", "MC", "KB", "AB_MA"};

struct row {
	int who;
	const char *method;
	const char *path;
	const char *body;
	long expect; /* exact status; 4 means "403 or 404" (both refuse without leaking data) */
};

#define PW_BODY "{\"old_password\": \"Matrix-pass-2026\", \"password\": \"Other-pass-2026\"}"

/* Every route that names someone else's object, for every kind of principal. */
static const struct row rows[] = {
    /* GET /accounts/{login} */
    {MA, "GET", "/api/v1/accounts/mema", NULL, 200},
    {MA, "GET", "/api/v1/accounts/memb", NULL, 404},
    {MA, "GET", "/api/v1/accounts/memc", NULL, 404},
    {MA, "GET", "/api/v1/accounts/adminb", NULL, 404},
    {MA, "GET", "/api/v1/accounts/admin", NULL, 404},
    {MA, "GET", "/api/v1/accounts/MEMB", NULL, 4},
    {MA, "GET", "/api/v1/accounts/memb%20", NULL, 4},
    {AB, "GET", "/api/v1/accounts/mema", NULL, 200},
    {AB, "GET", "/api/v1/accounts/memc", NULL, 404},
    {AB, "GET", "/api/v1/accounts/adminc", NULL, 404},
    {AB, "GET", "/api/v1/accounts/admin", NULL, 404},
    {AC, "GET", "/api/v1/accounts/mema", NULL, 404},
    {KB, "GET", "/api/v1/accounts/mema", NULL, 200},
    {KB, "GET", "/api/v1/accounts/memc", NULL, 404},
    {AB_MA, "GET", "/api/v1/accounts/mema", NULL, 200},
    {AB_MA, "GET", "/api/v1/accounts/memb", NULL, 404},
    {SA, "GET", "/api/v1/accounts/memc", NULL, 200},
    /* POST /accounts */
    {MA, "POST", "/api/v1/accounts",
     "{\"login\": \"bymember\", \"password\": \"Bymember-pass-1\", \"mail\": \"x@example.net\"}",
     403},
    {AB_MA, "POST", "/api/v1/accounts",
     "{\"login\": \"byactas\", \"password\": \"Byactas-pass-1\", \"mail\": \"x@example.net\"}", 4},
    {MA, "POST", "/api/v1/accounts",
     "{\"login\": \"bymember\", \"password\": \"Bymember-pass-1\", \"mail\": \"x@example.net\", "
     "\"admin\": true}",
     403},
    /* PATCH /accounts/{login} */
    {MA, "PATCH", "/api/v1/accounts/memb", "{\"nom\": \"pwned\"}", 404},
    {MA, "PATCH", "/api/v1/accounts/memc", "{\"nom\": \"pwned\"}", 404},
    {MA, "PATCH", "/api/v1/accounts/mema", "{\"admin\": true}", 403},
    {MA, "PATCH", "/api/v1/accounts/mema", "{\"enabled\": false}", 403},
    {MA, "PATCH", "/api/v1/accounts/mema", "{\"type\": \"default\", \"duration\": 1}", 403},
    {MA, "PATCH", "/api/v1/accounts/mema", "{\"notes\": \"x\"}", 403},
    {MA, "PATCH", "/api/v1/accounts/mema", "{\"nom\": \"Mine\"}", 200},
    {AB, "PATCH", "/api/v1/accounts/memc", "{\"nom\": \"pwned\"}", 404},
    {AC, "PATCH", "/api/v1/accounts/memb", "{\"nom\": \"pwned\"}", 404},
    {AB, "PATCH", "/api/v1/accounts/admin", "{\"nom\": \"pwned\"}", 404},
    {AB, "PATCH", "/api/v1/accounts/adminc", "{\"admin\": false}", 404},
    {KB, "PATCH", "/api/v1/accounts/memc", "{\"nom\": \"pwned\"}", 404},
    {AB_MA, "PATCH", "/api/v1/accounts/memb", "{\"nom\": \"pwned\"}", 404},
    /* DELETE /accounts/{login} */
    {MA, "DELETE", "/api/v1/accounts/mema", NULL, 403},
    {MA, "DELETE", "/api/v1/accounts/memb", NULL, 4},
    {AB, "DELETE", "/api/v1/accounts/memc", NULL, 404},
    {AC, "DELETE", "/api/v1/accounts/memb", NULL, 404},
    {AB, "DELETE", "/api/v1/accounts/admin", NULL, 404},
    {KB, "DELETE", "/api/v1/accounts/memc", NULL, 404},
    {AB_MA, "DELETE", "/api/v1/accounts/memb", NULL, 4},
    /* lock, unlock, renew */
    {MA, "POST", "/api/v1/accounts/mema/lock", NULL, 403},
    {MA, "POST", "/api/v1/accounts/memb/lock", NULL, 4},
    {MA, "POST", "/api/v1/accounts/memb/unlock", NULL, 4},
    {MA, "POST", "/api/v1/accounts/mema/renew", NULL, 403},
    {MA, "POST", "/api/v1/accounts/memb/renew", NULL, 4},
    {AB, "POST", "/api/v1/accounts/memc/lock", NULL, 404},
    {AB, "POST", "/api/v1/accounts/memc/unlock", NULL, 404},
    {AB, "POST", "/api/v1/accounts/memc/renew", NULL, 404},
    {AC, "POST", "/api/v1/accounts/mema/lock", NULL, 404},
    {AB, "POST", "/api/v1/accounts/admin/lock", NULL, 404},
    {KB, "POST", "/api/v1/accounts/memc/lock", NULL, 404},
    {AB_MA, "POST", "/api/v1/accounts/memb/lock", NULL, 404},
    /* PUT /accounts/{login}/password */
    {MA, "PUT", "/api/v1/accounts/memb/password", PW_BODY, 404},
    {MA, "PUT", "/api/v1/accounts/memc/password", PW_BODY, 404},
    {MA, "PUT", "/api/v1/accounts/admin/password", PW_BODY, 404},
    {AB, "PUT", "/api/v1/accounts/memc/password", "{\"password\": \"Other-pass-2026\"}", 404},
    {AB, "PUT", "/api/v1/accounts/admin/password", "{\"password\": \"Other-pass-2026\"}", 404},
    {AC, "PUT", "/api/v1/accounts/mema/password", "{\"password\": \"Other-pass-2026\"}", 404},
    {KB, "PUT", "/api/v1/accounts/memc/password", "{\"password\": \"Other-pass-2026\"}", 404},
    {AB_MA, "PUT", "/api/v1/accounts/memb/password", "{\"password\": \"Other-pass-2026\"}", 404},
    /* pending system work */
    {MA, "GET", "/api/v1/accounts/mema/actions", NULL, 200},
    {MA, "GET", "/api/v1/accounts/memb/actions", NULL, 404},
    {AB, "GET", "/api/v1/accounts/memb/actions", NULL, 200},
    {AB, "GET", "/api/v1/accounts/memc/actions", NULL, 404},
    {AB_MA, "GET", "/api/v1/accounts/memb/actions", NULL, 404},
    {SA, "GET", "/api/v1/accounts/memc/actions", NULL, 200},
    /* quotas */
    {MA, "GET", "/api/v1/accounts/mema/quotas", NULL, 200},
    {MA, "GET", "/api/v1/accounts/memb/quotas", NULL, 404},
    {MA, "GET", "/api/v1/accounts/memb/quotas/dom", NULL, 404},
    {MA, "GET", "/api/v1/accounts/memc/quotas", NULL, 404},
    {MA, "PUT", "/api/v1/accounts/mema/quotas/dom", "{\"value\": 99}", 403},
    {MA, "PUT", "/api/v1/accounts/memb/quotas/dom", "{\"value\": 99}", 4},
    {AB, "GET", "/api/v1/accounts/memc/quotas", NULL, 404},
    {AB, "GET", "/api/v1/accounts/memc/quotas/dom", NULL, 404},
    {AB, "PUT", "/api/v1/accounts/memc/quotas/dom", "{\"value\": 99}", 404},
    {AC, "PUT", "/api/v1/accounts/mema/quotas/dom", "{\"value\": 99}", 404},
    {KB, "PUT", "/api/v1/accounts/memc/quotas/dom", "{\"value\": 99}", 404},
    {AB_MA, "GET", "/api/v1/accounts/memb/quotas", NULL, 404},
    {AB_MA, "PUT", "/api/v1/accounts/memb/quotas/dom", "{\"value\": 99}", 404},
    {AB, "PUT", "/api/v1/accounts/mema/quotas/dom", "{\"value\": 3}", 200},
    /* admin-only routes */
    {MA, "GET", "/api/v1/quotas/defaults", NULL, 403},
    {MA, "PUT", "/api/v1/quotas/defaults", "{\"name\": \"dom\", \"value\": 99}", 403},
    {MA, "GET", "/api/v1/audit", NULL, 403},
    {MA, "GET", "/api/v1/apikeys", NULL, 403},
    {MA, "POST", "/api/v1/apikeys", "{\"name\": \"mine\"}", 403},
    {MA, "DELETE", "/api/v1/apikeys/1", NULL, 4},
    {MC, "GET", "/api/v1/audit?object_id=mema", NULL, 403},
    {AC, "DELETE", "/api/v1/apikeys/%AB_KEY%", NULL, 404},
    {AB, "DELETE", "/api/v1/apikeys/%AC_KEY%", NULL, 404},
    {KB, "DELETE", "/api/v1/apikeys/%AC_KEY%", NULL, 404},
    /* global settings: admins read them, only the super admin changes them */
    {MA, "GET", "/api/v1/settings", NULL, 403},
    {MA, "GET", "/api/v1/settings/subadmin_restriction", NULL, 403},
    {MA, "PUT", "/api/v1/settings/subadmin_restriction", "{\"value\": \"1\"}", 403},
    {MA, "DELETE", "/api/v1/settings/subadmin_restriction", NULL, 403},
    {AB_MA, "GET", "/api/v1/settings", NULL, 403},
    {AB_MA, "PUT", "/api/v1/settings/new_email", "{\"value\": \"x@example.net\"}", 403},
    {AB, "GET", "/api/v1/settings/subadmin_restriction", NULL, 200},
    {AB, "PUT", "/api/v1/settings/subadmin_restriction", "{\"value\": \"1\"}", 403},
    {AB, "DELETE", "/api/v1/settings/subadmin_restriction", NULL, 403},
    /* slave servers: admins acting as themselves read, those who change global settings
     * write; members never reach them */
    {MA, "GET", "/api/v1/slaves/ips", NULL, 403},
    {MA, "POST", "/api/v1/slaves/ips", "{\"ip\": \"192.0.2.1\"}", 403},
    {MA, "DELETE", "/api/v1/slaves/ips/192.0.2.1", NULL, 403},
    {MA, "GET", "/api/v1/slaves/dns-accounts", NULL, 403},
    {MA, "POST", "/api/v1/slaves/dns-accounts",
     "{\"login\": \"evil\", \"password\": \"Evil-pass-2026\"}", 403},
    {MA, "DELETE", "/api/v1/slaves/dns-accounts/evil", NULL, 403},
    {MA, "GET", "/api/v1/slaves/mx-accounts", NULL, 403},
    {MA, "POST", "/api/v1/slaves/mx-accounts",
     "{\"login\": \"evil\", \"password\": \"Evil-pass-2026\"}", 403},
    {MA, "DELETE", "/api/v1/slaves/mx-accounts/evil", NULL, 403},
    {AB_MA, "GET", "/api/v1/slaves/ips", NULL, 403},
    {AB_MA, "POST", "/api/v1/slaves/mx-accounts",
     "{\"login\": \"evil\", \"password\": \"Evil-pass-2026\"}", 403},
    {AB, "GET", "/api/v1/slaves/ips", NULL, 200},
    {AB, "GET", "/api/v1/slaves/mx-accounts", NULL, 200},
    {AB, "POST", "/api/v1/slaves/ips", "{\"ip\": \"192.0.2.1\"}", 403},
    {AB, "POST", "/api/v1/slaves/dns-accounts",
     "{\"login\": \"evil\", \"password\": \"Evil-pass-2026\"}", 403},
    {KB, "POST", "/api/v1/slaves/ips", "{\"ip\": \"192.0.2.1\"}", 403},
    {MA, "GET", "/admin/domlist.php", NULL, 401},
    {MA, "GET", "/admin/mxlist.php", NULL, 401},
    /* a change of contact address: only for an account the caller manages (a refused one
     * sends nothing) */
    {MA, "POST", "/api/v1/accounts/memb/mail-change", "{\"mail\": \"x@example.net\"}", 404},
    {MA, "POST", "/api/v1/accounts/memc/mail-change", "{\"mail\": \"x@example.net\"}", 404},
    {AB, "POST", "/api/v1/accounts/memc/mail-change", "{\"mail\": \"x@example.net\"}", 404},
    {AB_MA, "POST", "/api/v1/accounts/memb/mail-change", "{\"mail\": \"x@example.net\"}", 404},
    {KB, "POST", "/api/v1/accounts/memc/mail-change", "{\"mail\": \"x@example.net\"}", 404},
    {MA, "POST", "/api/v1/auth/mail-change/confirm",
     "{\"uid\": 2000, \"cookie\": \"00000000000000000000\", \"key\": \"000000\"}", 401},
    {KB, "PUT", "/api/v1/settings/new_email", "{\"value\": \"x@example.net\"}", 403},
    {KB, "GET", "/api/v1/settings", NULL, 200},
    /* creators (the super admin), account types and quota resets (admins) */
    {MA, "GET", "/api/v1/creators", NULL, 403},
    {AB, "GET", "/api/v1/creators", NULL, 403},
    {KB, "GET", "/api/v1/creators", NULL, 403},
    {AB_MA, "GET", "/api/v1/creators", NULL, 403},
    {MA, "POST", "/api/v1/accounts/mema/reset-quotas", NULL, 403},
    {MA, "POST", "/api/v1/accounts/memb/reset-quotas", NULL, 4},
    {AB, "POST", "/api/v1/accounts/memc/reset-quotas", NULL, 404},
    {AC, "POST", "/api/v1/accounts/mema/reset-quotas", NULL, 404},
    {KB, "POST", "/api/v1/accounts/memc/reset-quotas", NULL, 404},
    {AB_MA, "POST", "/api/v1/accounts/memb/reset-quotas", NULL, 404},
    {MA, "DELETE", "/api/v1/account-types/default", NULL, 403},
    {MA, "DELETE", "/api/v1/account-types/nosuchtype", NULL, 403},
    {AB, "DELETE", "/api/v1/account-types/nosuchtype", NULL, 403},
    {AB_MA, "DELETE", "/api/v1/account-types/nosuchtype", NULL, 403},
    /* the file manager: only the member's own space, or its admin's */
    {MA, "GET", "/api/v1/accounts/memb/files", NULL, 404},
    {MA, "GET", "/api/v1/accounts/memc/files/content?path=x", NULL, 404},
    {MA, "DELETE", "/api/v1/accounts/memb/files?path=x", NULL, 404},
    {MA, "POST", "/api/v1/accounts/memb/files/mkdir", "{\"path\": \"x\"}", 404},
    {MA, "POST", "/api/v1/accounts/memb/files/copy", "{\"from\": \"a\", \"to\": \"b\"}", 404},
    {MA, "PUT", "/api/v1/accounts/memb/file-preferences", "{\"listmode\": 1}", 404},
    {AB, "GET", "/api/v1/accounts/memc/files", NULL, 404},
    {AB, "POST", "/api/v1/accounts/memc/files/rename", "{\"from\": \"a\", \"to\": \"b\"}", 404},
    {AC, "GET", "/api/v1/accounts/mema/file-preferences", NULL, 404},
    {KB, "DELETE", "/api/v1/accounts/memc/files?path=x", NULL, 404},
    {AB_MA, "GET", "/api/v1/accounts/memb/files", NULL, 404},
    {AB_MA, "GET", "/api/v1/accounts/memb/file-preferences", NULL, 404},
    /* act-as: only admins, only for members they manage */
    {MA, "GET", "/api/v1/auth/whoami", NULL, 200},
};

static void expand(char *out, size_t outsz, const char *path)
{
	const char *ab = strstr(path, "%AB_KEY%"), *ac = strstr(path, "%AC_KEY%");

	if (ab)
		snprintf(out, outsz, "%.*s%lld", (int)(ab - path), path, key_ab);
	else if (ac)
		snprintf(out, outsz, "%.*s%lld", (int)(ac - path), path, key_ac);
	else
		snprintf(out, outsz, "%s", path);
}

static void test_matrix(void **state)
{
	int failures = 0;
	char path[256];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		long got;
		expand(path, sizeof(path), row->path);
		got = call(row->who, row->method, path, row->body);
		if (row->expect == 4 ? (got != 403 && got != 404) : got != row->expect) {
			fprintf(stderr, "%s %s %s: got %ld, want %ld\n", names[row->who],
				row->method, path, got, row->expect);
			failures++;
		}
	}
	assert_int_equal(failures, 0);

	/* Nothing the refused calls tried happened. */
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM local WHERE nom = 'pwned'"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login IN ('bymember',"
					  " 'byactas')"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE enabled = 0"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM quotas WHERE total = 99"), 0);
	assert_int_equal(api_number(&srv, "SELECT su FROM membres WHERE login = 'mema'"), 0);
	assert_int_equal(api_number(&srv, "SELECT su FROM membres WHERE login = 'adminc'"), 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres"), 6);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_apikeys WHERE revoked = 1"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM variable WHERE name ="
					  " 'subadmin_restriction' AND value = ''"),
			 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM variable WHERE value ="
					  " 'x@example.net'"),
			 0);
	assert_int_equal(api_login(&srv, "memb", PASS, NULL, 0, NULL), 200);
	assert_int_equal(api_login(&srv, "admin", API_ADMIN_PASSWORD, NULL, 0, NULL), 200);
}

static int list_has(const api_resp *r, const char *login)
{
	size_t i;
	json_t *item;

	json_array_foreach(json_object_get(r->json, "items"), i, item)
	{
		if (strcmp(json_string_value(json_object_get(item, "login")), login) == 0)
			return 1;
	}
	return 0;
}

/* Lists only ever hold what the caller may see, whatever the filters say. */
static void test_lists(void **state)
{
	char path[128];
	api_resp r;

	(void)state;
	api_request(&r, &srv, "GET", "/api/v1/accounts", tokens[MA], NULL, NULL);
	assert_api_status(&r, 200);
	assert_true(list_has(&r, "mema"));
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts?login_prefix=mem&limit=500", tokens[MA],
		    NULL, NULL);
	assert_false(list_has(&r, "memb"));
	assert_false(list_has(&r, "memc"));
	api_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/accounts?creator=%lld",
		 api_number(&srv, "SELECT uid FROM membres WHERE login = 'adminc'"));
	api_request(&r, &srv, "GET", path, tokens[MA], NULL, NULL);
	assert_false(list_has(&r, "memc"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", path, tokens[AB], NULL, NULL);
	assert_api_status(&r, 200);
	assert_false(list_has(&r, "memc"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts?offset=0&limit=500", tokens[AB], NULL, NULL);
	assert_true(list_has(&r, "mema"));
	assert_true(list_has(&r, "memb"));
	assert_false(list_has(&r, "memc"));
	assert_false(list_has(&r, "adminc"));
	assert_false(list_has(&r, "admin"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts?mail=memc@example.net", tokens[AB], NULL,
		    NULL);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 0);
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts", tokens[AC], NULL, NULL);
	assert_true(list_has(&r, "memc"));
	assert_false(list_has(&r, "mema"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts", tokens[SA], NULL, NULL);
	assert_true(list_has(&r, "mema"));
	assert_true(list_has(&r, "memc"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts", tokens[AB], NULL, act_as_mema);
	assert_true(list_has(&r, "mema"));
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	api_resp_free(&r);

	/* Audit: a sub-admin sees nothing about the other's accounts. */
	api_request(&r, &srv, "GET", "/api/v1/audit?limit=500", tokens[AB], NULL, NULL);
	assert_api_status(&r, 200);
	assert_null(strstr(r.body, "memc"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/audit?object_kind=account&object_id=memc", tokens[AB],
		    NULL, NULL);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/audit?limit=500", tokens[AC], NULL, NULL);
	assert_null(strstr(r.body, "\"mema\""));
	assert_null(strstr(r.body, "\"memb\""));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/audit?object_id=memc", tokens[SA], NULL, NULL);
	assert_true(json_array_size(json_object_get(r.json, "items")) > 0);
	api_resp_free(&r);

	/* Application keys: each admin its own; the super admin all. */
	api_request(&r, &srv, "GET", "/api/v1/apikeys", tokens[AB], NULL, NULL);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_null(strstr(r.body, "ac key"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/apikeys", tokens[SA], NULL, NULL);
	assert_non_null(strstr(r.body, "ac key"));
	assert_non_null(strstr(r.body, "ab key"));
	api_resp_free(&r);
}

static void test_act_as_matrix(void **state)
{
	static const char *const as_memc[] = {"X-Panel-Act-As: memc", NULL};
	static const char *const as_memb[] = {"X-Panel-Act-As: memb", NULL};
	static const char *const as_adminc[] = {"X-Panel-Act-As: adminc", NULL};

	(void)state;
	/* Members may not act as anyone. */
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", tokens[MA], NULL, as_memb, 403);
	assert_api_request(&srv, "GET", "/api/v1/accounts/memb", tokens[MA], NULL, as_memb, 403);
	/* A sub-admin only as the members it manages. */
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", tokens[AB], NULL, as_memc, 404);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/memc", tokens[AB],
			   "{\"nom\": \"pwned\"}", as_memc, 404);
	assert_int_equal(
	    api_status(&srv, "GET", "/api/v1/auth/whoami", tokens[AB], NULL, as_adminc) / 100, 4);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", tokens[KB], NULL, as_memb, 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", tokens[SA], NULL, as_memc, 200);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM local WHERE nom = 'pwned'"), 0);
}

/* Another member's login and a login that does not exist get the same answer on every route:
 * a member cannot learn which accounts exist. */
static void test_no_existence_oracle(void **state)
{
	/* method, the path around the login, body */
	static const char *const routes[][4] = {
	    {"GET", "", "", NULL},
	    {"PATCH", "", "", "{\"nom\": \"x\"}"},
	    {"DELETE", "", "", NULL},
	    {"POST", "", "/lock", NULL},
	    {"POST", "", "/unlock", NULL},
	    {"POST", "", "/renew", NULL},
	    {"PUT", "", "/password", PW_BODY},
	    {"GET", "", "/actions", NULL},
	    {"GET", "", "/quotas", NULL},
	    {"GET", "", "/quotas/dom", NULL},
	    {"PUT", "", "/quotas/dom", "{\"value\": 99}"},
	    {"POST", "", "/reset-quotas", NULL},
	    {"GET", "", "/files?path=/", NULL},
	    {"GET", "", "/files/content?path=a", NULL},
	    {"DELETE", "", "/files?path=a", NULL},
	    {"POST", "", "/files/mkdir", "{\"path\": \"a\"}"},
	    {"POST", "", "/files/rename", "{\"from\": \"a\", \"to\": \"b\"}"},
	    {"POST", "", "/files/copy", "{\"from\": \"a\", \"to\": \"b\"}"},
	    {"POST", "", "/files/chmod", "{\"path\": \"a\", \"writable\": false}"},
	    {"GET", "", "/file-preferences", NULL},
	    {"PUT", "", "/file-preferences", "{\"listmode\": 1}"},
	};
	static const int who[] = {MA, AB, KB, AB_MA};
	char other[128], ghost[128];

	(void)state;
	for (size_t w = 0; w < sizeof(who) / sizeof(who[0]); w++) {
		for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
			const char *victim = who[w] == AB || who[w] == KB ? "memc" : "memb";
			long a, b;
			snprintf(other, sizeof(other), "/api/v1/accounts/%s%s%s", routes[i][1],
				 victim, routes[i][2]);
			snprintf(ghost, sizeof(ghost), "/api/v1/accounts/%sghostacct%s",
				 routes[i][1], routes[i][2]);
			a = call(who[w], routes[i][0], other, routes[i][3]);
			b = call(who[w], routes[i][0], ghost, routes[i][3]);
			if (a != b || a < 400)
				fprintf(stderr, "%s %s %s: %ld, nonexistent: %ld\n", names[who[w]],
					routes[i][0], other, a, b);
			assert_true(a >= 400);
			assert_int_equal(a, b);
		}
	}
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM local WHERE nom = 'x'"), 0);
}

/* A failed check names what went wrong: expect the status, and for a refusal that the change
 * did not happen is asserted by the caller. */
static void expect(int who, const char *method, const char *path, const char *body, long want,
		   const char *const *headers)
{
	long got = api_status(&srv, method, path, tokens[who], body, headers);

	if (got != want)
		fprintf(stderr, "%s %s %s %s: got %ld, want %ld\n", names[who], method, path,
			body ? body : "", got, want);
	assert_int_equal(got, want);
}

/* The paths by which a lesser principal could become a greater one, each refused: a sub-admin
 * lifting the limits set on its own account, or (when subadmin_restriction lets it see every
 * account) taking the super admin's password, mail or identity; an application key, whatever
 * its scope, reaching an administrator's credentials, granting admin rights or making keys
 * (which its scope and networks would not bind); a sub-admin loosening the password policies
 * that bind every member. What stays allowed is checked beside each refusal. */
static void test_escalations(void **state)
{
	static const char *const act_as_admin[] = {"X-Panel-Act-As: admin", NULL};
	static const char *const act_as_self[] = {"X-Panel-Act-As: adminb", NULL};
	static const char *const new_pw = "{\"password\": \"Taken-over-2026\"}";

	(void)state;
	/* A sub-admin over its own account: a member's rights. */
	expect(AB, "PATCH", "/api/v1/accounts/adminb", "{\"duration\": 1}", 403, NULL);
	expect(AB, "PATCH", "/api/v1/accounts/adminb", "{\"notes\": \"self\"}", 403, NULL);
	expect(AB, "PATCH", "/api/v1/accounts/adminb", "{\"type\": \"default\"}", 403, NULL);
	expect(AB, "PUT", "/api/v1/accounts/adminb/quotas/dom", "{\"value\": 99}", 403, NULL);
	expect(AB, "POST", "/api/v1/accounts/adminb/renew", NULL, 403, NULL);
	expect(AB, "POST", "/api/v1/accounts/adminb/reset-quotas", NULL, 403, NULL);
	expect(AB, "PUT", "/api/v1/accounts/adminb/password", "{\"password\": \"Other-pass-2026\"}",
	       400, NULL);
	/* Nor as itself through act-as (it was its own manager then: every limit lifted, its
	 * password changed without the old one). */
	expect(AB, "PUT", "/api/v1/accounts/adminb/quotas/dom", "{\"value\": 99}", 403,
	       act_as_self);
	expect(AB, "PATCH", "/api/v1/accounts/adminb", "{\"duration\": 0}", 403, act_as_self);
	expect(AB, "PUT", "/api/v1/accounts/adminb/password", new_pw, 403, act_as_self);
	expect(AB, "GET", "/api/v1/accounts/adminb", NULL, 403, act_as_self);
	expect(AB, "PATCH", "/api/v1/accounts/adminb", "{\"nom\": \"Bee\"}", 200, NULL);
	expect(AB, "PUT", "/api/v1/accounts/adminb/password", PW_BODY, 204, NULL);
	assert_int_equal(api_login(&srv, "adminb", "Other-pass-2026", NULL, 0, NULL), 200);
	expect(AB, "GET", "/api/v1/auth/whoami", NULL, 200, NULL); /* its own change kept it */
	expect(SA, "PUT", "/api/v1/accounts/adminb/password",
	       "{\"password\": \"Matrix-pass-2026\"}", 204, NULL);
	/* A reset by another ends the account's sessions (a thief's among them), not its keys. */
	expect(AB, "GET", "/api/v1/auth/whoami", NULL, 401, NULL);
	expect(KB, "GET", "/api/v1/auth/whoami", NULL, 200, NULL);
	expect(SA, "GET", "/api/v1/auth/whoami", NULL, 200, NULL);
	assert_int_equal(api_login(&srv, "adminb", PASS, tokens[AB], PANEL_TOKEN_MAX, NULL), 200);
	expect(SA, "PATCH", "/api/v1/accounts/adminb", "{\"notes\": \"by the super admin\"}", 200,
	       NULL);
	/* Password policies reach every member: like the other global settings, and the forced
	 * domain that passes the forbidden list and the TLD table. */
	expect(AB, "PATCH", "/api/v1/policies/mem", "{\"minsize\": 1}", 403, NULL);
	expect(AB, "POST", "/api/v1/accounts/mema/domains",
	       "{\"domain\": \"hotmail.com\", \"force\": true}", 403, NULL);
	expect(AB, "POST", "/api/v1/accounts/mema/domains",
	       "{\"domain\": \"mema-shop.xyz\", \"force\": true}", 403, NULL);

	/* AB's key (scope "write"): members' accounts yes, administrators' credentials no. */
	expect(KB, "PUT", "/api/v1/accounts/adminb/password", new_pw, 403, NULL);
	expect(KB, "PATCH", "/api/v1/accounts/adminb", "{\"mail\": \"evil@example.net\"}", 403,
	       NULL);
	expect(KB, "POST", "/api/v1/accounts/adminb/mail-change",
	       "{\"mail\": \"evil@example.net\"}", 403, NULL);
	expect(KB, "POST", "/api/v1/accounts",
	       "{\"login\": \"bykey\", \"password\": \"Bykey-pass-2026\", \"mail\": "
	       "\"k@example.net\", \"admin\": true}",
	       403, NULL);
	expect(KB, "PATCH", "/api/v1/accounts/mema", "{\"admin\": true}", 403, NULL);
	expect(KB, "POST", "/api/v1/apikeys", "{\"name\": \"wider\"}", 403, NULL);
	expect(KB, "PUT", "/api/v1/accounts/mema/password", "{\"password\": \"Matrix-pass-2026\"}",
	       204, NULL);
	expect(KB, "PATCH", "/api/v1/accounts/mema", "{\"notes\": \"by key\"}", 200, NULL);

	/* Every account visible to every admin (AlternC's subadmin_restriction at 1): the super
	 * admin's account is still its own. */
	expect(SA, "PUT", "/api/v1/settings/subadmin_restriction", "{\"value\": \"1\"}", 200, NULL);
	expect(AB, "GET", "/api/v1/accounts/admin", NULL, 200, NULL);
	expect(AB, "PUT", "/api/v1/accounts/admin/password", new_pw, 403, NULL);
	expect(AB, "PATCH", "/api/v1/accounts/admin", "{\"mail\": \"evil@example.net\"}", 403,
	       NULL);
	expect(AB, "PATCH", "/api/v1/accounts/admin", "{\"nom\": \"pwned\"}", 403, NULL);
	expect(AB, "POST", "/api/v1/accounts/admin/mail-change", "{\"mail\": \"evil@example.net\"}",
	       403, NULL);
	expect(AB, "PUT", "/api/v1/accounts/admin/quotas/dom", "{\"value\": 99}", 403, NULL);
	expect(AB, "GET", "/api/v1/accounts/admin", NULL, 403, act_as_admin);
	expect(AB, "PUT", "/api/v1/accounts/admin/password", new_pw, 403, act_as_admin);
	expect(AB, "PATCH", "/api/v1/accounts/adminb", "{\"duration\": 0}", 403, NULL);
	expect(AB, "GET", "/api/v1/accounts/memc", NULL, 200, NULL);
	expect(SA, "PUT", "/api/v1/settings/subadmin_restriction", "{\"value\": \"\"}", 200, NULL);

	/* Nothing of it happened. */
	assert_int_equal(api_login(&srv, "admin", API_ADMIN_PASSWORD, NULL, 0, NULL), 200);
	assert_int_equal(api_login(&srv, "adminb", PASS, NULL, 0, NULL), 200);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE mail ="
					  " 'evil@example.net' OR login = 'bykey'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM chgmail"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM local WHERE nom = 'pwned'"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM quotas WHERE total = 99"), 0);
	assert_int_equal(api_number(&srv, "SELECT COALESCE(duration, 0) FROM membres WHERE login ="
					  " 'adminb'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT su FROM membres WHERE login = 'mema'"), 0);
	assert_int_equal(api_number(&srv, "SELECT minsize FROM policy WHERE name = 'mem'"), 8);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM domaines WHERE domaine IN"
					  " ('hotmail.com', 'mema-shop.xyz')"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_apikeys WHERE name ="
					  " 'wider'"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matrix),	  cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_act_as_matrix), cmocka_unit_test(test_no_existence_oracle),
	    cmocka_unit_test(test_escalations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
