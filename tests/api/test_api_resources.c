/* panel-api against a real daemon and database: every resource route and its refusals
 * (accounts, lock/unlock/renew, passwords, quotas, default quotas, audit, application keys with
 * their scopes, networks and expiry), and acting as a member. */
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
	/* No trusted proxy: X-Forwarded-For must be ignored. */
	return api_group_start(&srv, "");
}

static int teardown(void **state)
{
	(void)state;
	return api_stop(&srv) == 0 ? 0 : -1;
}

static json_t *item_named(json_t *items, const char *key, const char *value)
{
	size_t i;
	json_t *item;

	json_array_foreach(items, i, item)
	{
		if (json_is_string(json_object_get(item, key)) &&
		    strcmp(json_string_value(json_object_get(item, key)), value) == 0)
			return item;
	}
	return NULL;
}

static void test_account_lifecycle(void **state)
{
	char token[PANEL_TOKEN_MAX];
	api_resp r;

	(void)state;
	api_request(
	    &r, &srv, "POST", "/api/v1/accounts", srv.admin_token,
	    "{\"login\": \"life1\", \"password\": \"Life1-pass-1\", \"mail\": "
	    "\"life1@example.net\", \"nom\": \"Martin\", \"prenom\": \"Léa\", \"type\": "
	    "\"default\", \"duration\": 12, \"notes\": \"line 1\\nline 2\", \"enabled\": true, "
	    "\"canpass\": true, \"admin\": false}",
	    NULL);
	assert_api_status(&r, 201);
	assert_string_equal(r.location, "/api/v1/accounts/life1");
	assert_string_equal(api_str(&r, "login"), "life1");
	assert_string_equal(api_str(&r, "prenom"), "Léa");
	assert_string_equal(api_str(&r, "notes"), "line 1\nline 2");
	assert_int_equal(json_integer_value(json_object_get(r.json, "duration")), 12);
	assert_string_equal(api_str(&r, "creator"), "admin");
	assert_null(json_object_get(r.json, "password"));
	assert_null(strstr(r.body, "Life1-pass-1"));
	assert_null(strstr(r.body, "argon2"));
	char expiry[32];
	snprintf(expiry, sizeof(expiry), "%s", api_str(&r, "expiry"));
	assert_true(strlen(expiry) == 19);
	api_resp_free(&r);

	api_request(&r, &srv, "GET", "/api/v1/accounts/life1", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "mail"), "life1@example.net");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/accounts/nosuchone", srv.admin_token, NULL, NULL,
			   404);

	api_request(&r, &srv, "PATCH", "/api/v1/accounts/life1", srv.admin_token,
		    "{\"mail\": \"new@example.net\", \"notes\": \"vip\", \"canpass\": false}",
		    NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "mail"), "new@example.net");
	assert_true(json_is_false(json_object_get(r.json, "canpass")));
	api_resp_free(&r);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/life1", srv.admin_token,
			   "{\"login\": \"renamed\"}", NULL, 400); /* login is not a PATCH field */
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/life1", srv.admin_token,
			   "{\"password\": \"x\"}", NULL,
			   400); /* passwords go through PUT .../password */
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/nosuchone", srv.admin_token,
			   "{\"nom\": \"x\"}", NULL, 404);

	/* renew: the period moves by duration x periods. */
	api_request(&r, &srv, "POST", "/api/v1/accounts/life1/renew", srv.admin_token,
		    "{\"periods\": 2}", NULL);
	assert_api_status(&r, 200);
	assert_string_not_equal(api_str(&r, "expiry"), expiry);
	api_resp_free(&r);
	assert_api_request(&srv, "POST", "/api/v1/accounts/life1/renew", srv.admin_token,
			   "{\"periods\": 0}", NULL, 400);
	assert_api_request(&srv, "POST", "/api/v1/accounts/life1/renew", srv.admin_token, NULL,
			   NULL, 200); /* default: one period */
	assert_int_equal(api_create_account(&srv, srv.admin_token, "life2", "Life2-pass-1", ""),
			 201);
	api_request(&r, &srv, "POST", "/api/v1/accounts/life2/renew", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 400); /* never expires: nothing to renew */
	assert_string_equal(api_error_code(&r), "invalid");
	api_resp_free(&r);

	/* lock / unlock: a token from before the lock stays refused after the unlock (a thief's
	 * would come back with it), as does one locked by PATCH. */
	char before_lock[PANEL_TOKEN_MAX];
	assert_int_equal(
	    api_login(&srv, "life2", "Life2-pass-1", before_lock, sizeof(before_lock), NULL), 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", before_lock, NULL, NULL, 200);
	api_request(&r, &srv, "POST", "/api/v1/accounts/life2/lock", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "enabled")));
	api_resp_free(&r);
	assert_int_equal(api_login(&srv, "life2", "Life2-pass-1", NULL, 0, NULL), 401);
	assert_api_request(&srv, "POST", "/api/v1/accounts/life2/lock", srv.admin_token,
			   "{\"reason\": \"x\"}", NULL, 400);
	api_request(&r, &srv, "POST", "/api/v1/accounts/life2/unlock", srv.admin_token, "{}", NULL);
	assert_api_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json, "enabled")));
	api_resp_free(&r);
	assert_int_equal(api_login(&srv, "life2", "Life2-pass-1", token, sizeof(token), NULL), 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", before_lock, NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL, 200);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/life2", srv.admin_token,
			   "{\"enabled\": false}", NULL, 200);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/life2", srv.admin_token,
			   "{\"enabled\": true}", NULL, 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL, 401);
	assert_int_equal(api_login(&srv, "life2", "Life2-pass-1", token, sizeof(token), NULL), 200);
	/* The super admin cannot lock itself. */
	assert_int_equal(
	    api_status(&srv, "POST", "/api/v1/accounts/admin/lock", srv.admin_token, NULL, NULL) /
		100,
	    4);

	/* passwords: the member with its old password; the admin without. */
	api_request(&r, &srv, "PUT", "/api/v1/accounts/life2/password", token,
		    "{\"old_password\": \"wrong-one\", \"password\": \"Life2-new-pass\"}", NULL);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_field(&r), "old_password");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL, 200);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/life2/password", token,
			   "{\"password\": \"Life2-new-pass\"}", NULL,
			   400); /* old_password is required of a member */
	assert_api_request(&srv, "PUT", "/api/v1/accounts/life2/password", token,
			   "{\"old_password\": \"Life2-pass-1\", \"password\": "
			   "\"Life2-new-pass\"}",
			   NULL, 204);
	assert_int_equal(api_login(&srv, "life2", "Life2-pass-1", NULL, 0, NULL), 401);
	assert_int_equal(api_login(&srv, "life2", "Life2-new-pass", NULL, 0, NULL), 200);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/life2/password", srv.admin_token,
			   "{\"password\": \"Life2-reset-pass\"}", NULL, 204);
	assert_int_equal(api_login(&srv, "life2", "Life2-reset-pass", NULL, 0, NULL), 200);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/life2/password", srv.admin_token,
			   "{\"password\": \"\"}", NULL, 400);
	/* canpass = false: the member may not change it. */
	assert_int_equal(api_login(&srv, "life1", "Life1-pass-1", token, sizeof(token), NULL), 200);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/life1/password", token,
			   "{\"old_password\": \"Life1-pass-1\", \"password\": "
			   "\"Life1-new-pass\"}",
			   NULL, 403);

	/* delete */
	assert_api_request(&srv, "DELETE", "/api/v1/accounts/life2", srv.admin_token, NULL, NULL,
			   204);
	assert_api_request(&srv, "GET", "/api/v1/accounts/life2", srv.admin_token, NULL, NULL, 404);
	assert_api_request(&srv, "DELETE", "/api/v1/accounts/life2", srv.admin_token, NULL, NULL,
			   404);
	assert_int_equal(api_login(&srv, "life2", "Life2-reset-pass", NULL, 0, NULL), 401);
	assert_int_equal(
	    api_status(&srv, "DELETE", "/api/v1/accounts/admin", srv.admin_token, NULL, NULL) / 100,
	    4);
	assert_api_request(&srv, "GET", "/api/v1/accounts/admin", srv.admin_token, NULL, NULL, 200);
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, "Life2-new-pass"));
	assert_false(api_log_contains(&srv, "Life2-reset-pass"));
}

static void test_quotas(void **state)
{
	api_resp r;
	json_t *dom;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "quo1", "Quo1-pass-12", ""),
			 201);
	api_request(&r, &srv, "GET", "/api/v1/accounts/quo1/quotas", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	dom = item_named(json_object_get(r.json, "items"), "name", "dom");
	assert_non_null(dom);
	assert_true(json_is_integer(json_object_get(dom, "total")));
	assert_int_equal(json_integer_value(json_object_get(dom, "used")), 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")),
			 json_array_size(json_object_get(r.json, "items")));
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	api_resp_free(&r);

	api_request(&r, &srv, "PUT", "/api/v1/accounts/quo1/quotas/dom", srv.admin_token,
		    "{\"value\": 7}", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "name"), "dom");
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 7);
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts/quo1/quotas/dom", srv.admin_token, NULL,
		    NULL);
	assert_api_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 7);
	api_resp_free(&r);

	api_request(&r, &srv, "PUT", "/api/v1/accounts/quo1/quotas/bogus", srv.admin_token,
		    "{\"value\": 7}", NULL);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_field(&r), "name");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/accounts/quo1/quotas/bogus", srv.admin_token, NULL,
			   NULL, 400);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/quo1/quotas/dom", srv.admin_token,
			   "{\"value\": -1}", NULL, 400);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/quo1/quotas/dom", srv.admin_token,
			   "{\"value\": \"7\"}", NULL, 400);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/quo1/quotas/dom", srv.admin_token, "{}",
			   NULL, 400);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/nosuch/quotas/dom", srv.admin_token,
			   "{\"value\": 1}", NULL, 404);
	assert_api_request(&srv, "GET", "/api/v1/accounts/nosuch/quotas", srv.admin_token, NULL,
			   NULL, 404);

	/* Defaults: new accounts of the type get them. */
	api_request(&r, &srv, "PUT", "/api/v1/quotas/defaults", srv.admin_token,
		    "{\"type\": \"gold\", \"name\": \"dom\", \"value\": 42}", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "type"), "gold");
	assert_int_equal(json_integer_value(json_object_get(r.json, "value")), 42);
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/quotas/defaults?type=gold", srv.admin_token, NULL,
		    NULL);
	assert_api_status(&r, 200);
	dom = item_named(json_object_get(r.json, "items"), "name", "dom");
	assert_non_null(dom);
	assert_int_equal(json_integer_value(json_object_get(dom, "value")), 42);
	assert_null(item_named(json_object_get(r.json, "items"), "type", "default"));
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/quotas/defaults", srv.admin_token, NULL, NULL);
	assert_non_null(item_named(json_object_get(r.json, "items"), "type", "default"));
	assert_non_null(item_named(json_object_get(r.json, "items"), "type", "gold"));
	api_resp_free(&r);
	assert_int_equal(api_create_account(&srv, srv.admin_token, "quo2", "Quo2-pass-12",
					    ", \"type\": \"gold\""),
			 201);
	api_request(&r, &srv, "GET", "/api/v1/accounts/quo2/quotas/dom", srv.admin_token, NULL,
		    NULL);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 42);
	api_resp_free(&r);
	assert_int_equal(api_create_account(&srv, srv.admin_token, "quo3", "Quo3-pass-12",
					    ", \"type\": \"nosuchtype\""),
			 400);
	assert_api_request(&srv, "PUT", "/api/v1/quotas/defaults", srv.admin_token,
			   "{\"name\": \"dom\"}", NULL, 400);
	assert_api_request(&srv, "PUT", "/api/v1/quotas/defaults", srv.admin_token,
			   "{\"name\": \"dom\", \"value\": 1, \"extra\": 1}", NULL, 400);
	assert_api_request(&srv, "GET", "/api/v1/quotas/defaults?kind=x", srv.admin_token, NULL,
			   NULL, 400);
}

static void test_audit(void **state)
{
	json_t *entry, *items;
	api_resp r;
	char path[256], cursor[32];
	size_t got = 0;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "aud1", "Aud1-pass-123", ""),
			 201);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/aud1", srv.admin_token,
			   "{\"nom\": \"Before\"}", NULL, 200);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/aud1", srv.admin_token,
			   "{\"nom\": \"After\"}", NULL, 200);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/aud1/password", srv.admin_token,
			   "{\"password\": \"Aud1-secret-77\"}", NULL, 204);
	api_request(&r, &srv, "GET", "/api/v1/audit?object_kind=account&object_id=aud1",
		    srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_true(json_array_size(items) >= 4);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")),
			 json_array_size(items));
	/* Newest first: the password change, then the second update with before and after. */
	entry = json_array_get(items, 1);
	assert_string_equal(json_string_value(json_object_get(entry, "action")), "account.update");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(entry, "before"), "nom")), "Before");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(entry, "after"), "nom")), "After");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(entry, "actor"), "login")), "admin");
	assert_string_equal(json_string_value(json_object_get(entry, "ip")), "127.0.0.1");
	assert_null(strstr(r.body, "Aud1-secret-77"));
	assert_null(strstr(r.body, "Aud1-pass-123"));
	assert_null(strstr(r.body, "$argon2"));
	api_resp_free(&r);

	/* Cursor pages, newest first, no entry twice. */
	cursor[0] = '\0';
	for (int page = 0; page < 50; page++) {
		snprintf(path, sizeof(path), "/api/v1/audit?limit=2%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		api_request(&r, &srv, "GET", path, srv.admin_token, NULL, NULL);
		assert_api_status(&r, 200);
		got += json_array_size(json_object_get(r.json, "items"));
		if (!json_is_string(json_object_get(r.json, "next_cursor"))) {
			assert_int_equal(got, json_integer_value(json_object_get(r.json, "total")));
			api_resp_free(&r);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", api_str(&r, "next_cursor"));
		api_resp_free(&r);
	}
	assert_true(got >= 4);
	assert_api_request(&srv, "GET", "/api/v1/audit?cursor=abc", srv.admin_token, NULL, NULL,
			   400);
	/* since: a date, or refused as a malformed parameter (MariaDB read "yesterday" as no date,
	 * and every entry came back). */
	api_request(&r, &srv, "GET", "/api/v1/audit?since=yesterday", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_code(&r), "invalid_parameter");
	assert_string_equal(api_error_field(&r), "since");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/audit?since=2026-02-29", srv.admin_token, NULL,
			   NULL, 400);
	assert_api_request(&srv, "GET", "/api/v1/audit?since=2026-01-01%2024:00:00",
			   srv.admin_token, NULL, NULL, 400);
	api_request(&r, &srv, "GET", "/api/v1/audit?since=2999-01-01%2000:00:00", srv.admin_token,
		    NULL, NULL);
	assert_api_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/audit?since=2000-02-29", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 4);
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/audit?offset=2", srv.admin_token, NULL, NULL, 400);
}

/* Creates a key through the API; returns the status and copies the secret and id. */
static long make_key(const char *body, char *secret, size_t secretsz, long long *id)
{
	api_resp r;
	long status;

	api_request(&r, &srv, "POST", "/api/v1/apikeys", srv.admin_token, body, NULL);
	status = r.status;
	if (secret)
		snprintf(secret, secretsz, "%s", api_str(&r, "key"));
	if (id)
		*id = json_integer_value(json_object_get(r.json, "id"));
	api_resp_free(&r);
	return status;
}

static void test_apikeys(void **state)
{
	char key[PANEL_TOKEN_MAX], path[64];
	long long id;
	api_resp r;

	(void)state;
	api_request(&r, &srv, "POST", "/api/v1/apikeys", srv.admin_token,
		    "{\"name\": \"php panel\", \"scope\": \"write\"}", NULL);
	assert_api_status(&r, 201);
	snprintf(key, sizeof(key), "%s", api_str(&r, "key"));
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	assert_int_equal(strncmp(key, "pk_", 3), 0);
	api_resp_free(&r);
	/* Stored hashed: the secret is nowhere in the database. */
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM panel_apikeys WHERE key_hash = '%s'"
				    " OR name = '%s'",
				    key, key),
			 0);

	api_request(&r, &srv, "GET", "/api/v1/apikeys", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	assert_null(strstr(r.body, key));
	assert_null(strstr(r.body, "\"key\""));
	assert_non_null(item_named(json_object_get(r.json, "items"), "name", "php panel"));
	api_resp_free(&r);

	api_request(&r, &srv, "GET", "/api/v1/auth/whoami", key, NULL, NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "via"), "apikey");
	assert_int_equal(json_integer_value(json_object_get(r.json, "apikey_id")), id);
	api_resp_free(&r);
	assert_int_equal(api_create_account(&srv, key, "bykey1", "Bykey1-pass-1", ""), 201);
	/* Logout revokes tokens: a key may not use it (403, as a read-only key, not 400). */
	api_request(&r, &srv, "POST", "/api/v1/auth/logout", key, NULL, NULL);
	assert_api_status(&r, 403);
	assert_string_equal(api_error_code(&r), "forbidden");
	api_resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/apikeys/%lld", id);
	assert_api_request(&srv, "DELETE", path, srv.admin_token, NULL, NULL, 204);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", key, NULL, NULL, 401);
	api_request(&r, &srv, "GET", "/api/v1/apikeys", srv.admin_token, NULL, NULL);
	assert_true(json_is_true(json_object_get(
	    item_named(json_object_get(r.json, "items"), "name", "php panel"), "revoked")));
	api_resp_free(&r);
	assert_api_request(&srv, "DELETE", "/api/v1/apikeys/999999", srv.admin_token, NULL, NULL,
			   404);
	/* An id that is not a number names no key: 404 like any unknown id (docs/api.md). */
	api_request(&r, &srv, "DELETE", "/api/v1/apikeys/abc", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 404);
	assert_string_equal(api_error_code(&r), "not_found");
	assert_string_equal(api_error_field(&r), "id");
	api_resp_free(&r);
	assert_api_request(&srv, "DELETE", "/api/v1/apikeys/-1", srv.admin_token, NULL, NULL, 404);

	/* Refused bodies. */
	assert_int_equal(make_key("{}", NULL, 0, NULL), 400);
	assert_int_equal(make_key("{\"name\": \"x\", \"scope\": \"admin\"}", NULL, 0, NULL), 400);
	assert_int_equal(make_key("{\"name\": \"x\", \"scope\": [\"accounts\", 3]}", NULL, 0, NULL),
			 400);
	assert_int_equal(make_key("{\"name\": \"x\", \"scope\": [\"nosuchkind\"]}", NULL, 0, NULL),
			 400);
	assert_int_equal(make_key("{\"name\": \"x\", \"scope\": 3}", NULL, 0, NULL), 400);
	assert_int_equal(
	    make_key("{\"name\": \"x\", \"networks\": [\"10.0.0.0/33\"]}", NULL, 0, NULL), 400);
	assert_int_equal(make_key("{\"name\": \"x\", \"networks\": \"10.0.0.0/8\"}", NULL, 0, NULL),
			 400);
	assert_int_equal(make_key("{\"name\": \"x\", \"expires\": \"2001-01-01\"}", NULL, 0, NULL),
			 400);
	assert_int_equal(make_key("{\"name\": \"x\", \"secret\": \"mine\"}", NULL, 0, NULL), 400);

	/* An Idempotency-Key replay gives the id again but never the secret a second time. */
	static const char *const idem[] = {"Idempotency-Key: key-create-1", NULL};
	api_resp first, again;
	api_request(&first, &srv, "POST", "/api/v1/apikeys", srv.admin_token,
		    "{\"name\": \"idem key\"}", idem);
	api_request(&again, &srv, "POST", "/api/v1/apikeys", srv.admin_token,
		    "{\"name\": \"idem key\"}", idem);
	assert_api_status(&first, 201);
	assert_api_status(&again, 201);
	assert_true(again.replayed);
	assert_int_equal(json_integer_value(json_object_get(again.json, "id")),
			 json_integer_value(json_object_get(first.json, "id")));
	assert_true(json_is_string(json_object_get(first.json, "key")));
	assert_true(json_is_null(json_object_get(again.json, "key")));
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM panel_idempotency WHERE body LIKE "
				    "'%%%s%%'",
				    api_str(&first, "key")),
			 0);
	api_resp_free(&first);
	api_resp_free(&again);
}

static void test_apikey_scopes(void **state)
{
	char ro[PANEL_TOKEN_MAX], kinds[PANEL_TOKEN_MAX], net_ok[PANEL_TOKEN_MAX];
	char net_no[PANEL_TOKEN_MAX], expired[PANEL_TOKEN_MAX];
	static const char *const spoof[] = {"X-Forwarded-For: 10.1.2.3",
					    "CF-Connecting-IP: 10.1.2.3", NULL};
	long long expired_id;
	api_resp r;

	(void)state;
	assert_int_equal(make_key("{\"name\": \"ro\", \"scope\": \"read\"}", ro, sizeof(ro), NULL),
			 201);
	assert_api_request(&srv, "GET", "/api/v1/accounts", ro, NULL, NULL, 200);
	assert_api_request(&srv, "GET", "/api/v1/accounts/admin/quotas", ro, NULL, NULL, 200);
	api_request(&r, &srv, "POST", "/api/v1/accounts", ro,
		    "{\"login\": \"byro\", \"password\": \"Byro-pass-123\", \"mail\": "
		    "\"byro@example.net\"}",
		    NULL);
	assert_api_status(&r, 403);
	assert_string_equal(api_error_code(&r), "scope_forbidden");
	api_resp_free(&r);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/admin", ro, "{\"nom\": \"x\"}", NULL,
			   403);
	assert_api_request(&srv, "DELETE", "/api/v1/apikeys/1", ro, NULL, NULL, 403);
	api_request(&r, &srv, "POST", "/api/v1/auth/logout", ro, NULL, NULL);
	assert_api_status(&r, 403);
	assert_string_equal(api_error_code(&r), "scope_forbidden");
	api_resp_free(&r);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/admin/quotas/dom", ro, "{\"value\": 3}",
			   NULL, 403);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'byro'"), 0);

	assert_int_equal(make_key("{\"name\": \"quotas only\", \"scope\": [\"quotas\"]}", kinds,
				  sizeof(kinds), NULL),
			 201);
	assert_api_request(&srv, "GET", "/api/v1/accounts/admin/quotas", kinds, NULL, NULL, 200);
	/* A member's quotas; never an administrator's account (test_api_authz's escalations). */
	assert_int_equal(api_create_account(&srv, srv.admin_token, "byquota", "Byquota-pass-1", ""),
			 201);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/byquota/quotas/dom", kinds,
			   "{\"value\": 3}", NULL, 200);
	assert_api_request(&srv, "PUT", "/api/v1/accounts/admin/quotas/dom", kinds,
			   "{\"value\": 3}", NULL, 403);
	assert_api_request(&srv, "GET", "/api/v1/quotas/defaults", kinds, NULL, NULL, 200);
	api_request(&r, &srv, "GET", "/api/v1/accounts", kinds, NULL, NULL);
	assert_api_status(&r, 403);
	assert_string_equal(api_error_code(&r), "scope_forbidden");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/audit", kinds, NULL, NULL, 403);
	assert_api_request(&srv, "GET", "/api/v1/apikeys", kinds, NULL, NULL, 403);
	assert_api_request(&srv, "POST", "/api/v1/apikeys", kinds, "{\"name\": \"more\"}", NULL,
			   403);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", kinds, NULL, NULL, 200);

	/* Networks: the test connects from 127.0.0.1; spoofed headers change nothing. */
	assert_int_equal(make_key("{\"name\": \"lo\", \"networks\": [\"127.0.0.1/32\", \"::1\"]}",
				  net_ok, sizeof(net_ok), NULL),
			 201);
	assert_api_request(&srv, "GET", "/api/v1/accounts", net_ok, NULL, NULL, 200);
	assert_int_equal(make_key("{\"name\": \"lan\", \"networks\": [\"10.0.0.0/8\"]}", net_no,
				  sizeof(net_no), NULL),
			 201);
	api_request(&r, &srv, "GET", "/api/v1/accounts", net_no, NULL, NULL);
	assert_api_status(&r, 401);
	assert_string_equal(api_error_code(&r), "unauthenticated");
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/accounts", net_no, NULL, spoof, 401);

	/* Expired keys are refused. */
	assert_int_equal(make_key("{\"name\": \"soon\", \"expires\": \"2099-01-01 00:00:00\"}",
				  expired, sizeof(expired), &expired_id),
			 201);
	assert_api_request(&srv, "GET", "/api/v1/accounts", expired, NULL, NULL, 200);
	assert_int_equal(api_sql(&srv,
				 "UPDATE panel_apikeys SET expires = NOW() - INTERVAL 1 SECOND "
				 "WHERE id = %lld",
				 expired_id),
			 0);
	assert_api_request(&srv, "GET", "/api/v1/accounts", expired, NULL, NULL, 401);

	/* A key whose owner loses admin rights stops working. */
	char owner_token[PANEL_TOKEN_MAX], owned[PANEL_TOKEN_MAX];
	assert_int_equal(api_create_account(&srv, srv.admin_token, "keyadm", "Keyadm-pass-1",
					    ", \"admin\": true"),
			 201);
	assert_int_equal(
	    api_login(&srv, "keyadm", "Keyadm-pass-1", owner_token, sizeof(owner_token), NULL),
	    200);
	api_request(&r, &srv, "POST", "/api/v1/apikeys", owner_token, "{\"name\": \"k\"}", NULL);
	assert_api_status(&r, 201);
	snprintf(owned, sizeof(owned), "%s", api_str(&r, "key"));
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", owned, NULL, NULL, 200);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/keyadm", srv.admin_token,
			   "{\"admin\": false}", NULL, 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", owned, NULL, NULL, 401);
}

static void test_act_as(void **state)
{
	static const char *const as_actm[] = {"X-Panel-Act-As: actm", NULL};
	static const char *const as_nobody[] = {"X-Panel-Act-As: nobodyhere", NULL};
	static const char *const as_bad[] = {"X-Panel-Act-As: this-login-is-far-too-long", NULL};
	static const char *const as_malformed[] = {"X-Panel-Act-As: act m!", NULL};
	static const char *const as_admin[] = {"X-Panel-Act-As: admin", NULL};
	char member[PANEL_TOKEN_MAX];
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "actm", "Actm-pass-123", ""),
			 201);
	assert_int_equal(api_create_account(&srv, srv.admin_token, "acto", "Acto-pass-123", ""),
			 201);
	api_request(&r, &srv, "GET", "/api/v1/auth/whoami", srv.admin_token, NULL, as_actm);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "login"), "admin");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "acting_as"), "login")),
	    "actm");
	api_resp_free(&r);

	/* Acting as actm, the admin sees actm only. */
	api_request(&r, &srv, "GET", "/api/v1/accounts", srv.admin_token, NULL, as_actm);
	assert_api_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/accounts/acto", srv.admin_token, NULL, as_actm,
			   404);
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/actm", srv.admin_token,
			   "{\"nom\": \"Acted\"}", as_actm, 200);
	/* Audited with both names. */
	api_request(&r, &srv, "GET", "/api/v1/audit?object_kind=account&object_id=actm&limit=1",
		    srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	json_t *entry = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(entry, "actor"), "login")), "admin");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(entry, "as"), "login")), "actm");
	api_resp_free(&r);

	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", srv.admin_token, NULL, as_nobody,
			   404);
	api_request(&r, &srv, "GET", "/api/v1/auth/whoami", srv.admin_token, NULL, as_bad);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_code(&r), "invalid_header");
	api_resp_free(&r);
	/* Not a login at all: a malformed header (400), not an unknown account (404). */
	api_request(&r, &srv, "GET", "/api/v1/accounts", srv.admin_token, NULL, as_malformed);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_code(&r), "invalid_header");
	assert_string_equal(api_error_field(&r), "X-Panel-Act-As");
	api_resp_free(&r);
	/* A member cannot act as anyone, not even itself. */
	assert_int_equal(api_login(&srv, "actm", "Actm-pass-123", member, sizeof(member), NULL),
			 200);
	assert_api_request(&srv, "GET", "/api/v1/auth/whoami", member, NULL, as_actm, 403);
	assert_api_request(&srv, "GET", "/api/v1/accounts/admin", member, NULL, as_admin, 403);
	assert_api_request(&srv, "GET", "/api/v1/accounts/acto", member, NULL, NULL, 404);
}

/* The password policies over REST: anyone reads them and checks a password against them, an
 * admin changes them, a member may not; the changed rule applies to the next password. */
static void test_policies(void **state)
{
	char member[PANEL_TOKEN_MAX];
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, srv.admin_token, "polmem", "Polmem-pass-1", ""),
			 201);
	assert_int_equal(api_login(&srv, "polmem", "Polmem-pass-1", member, sizeof(member), NULL),
			 200);
	api_request(&r, &srv, "GET", "/api/v1/policies", member, NULL, NULL);
	assert_api_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 5);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 5);
	assert_non_null(item_named(json_object_get(r.json, "items"), "name", "mem"));
	assert_non_null(item_named(json_object_get(r.json, "items"), "name", "hta"));
	api_resp_free(&r);
	assert_api_request(&srv, "GET", "/api/v1/policies/nope", member, NULL, NULL, 404);

	/* A member may not change a policy; an admin changes only the fields it gives. */
	assert_api_request(&srv, "PATCH", "/api/v1/policies/pop", member, "{\"minsize\": 20}", NULL,
			   403);
	api_request(&r, &srv, "GET", "/api/v1/policies/pop", srv.admin_token, NULL, NULL);
	assert_api_status(&r, 200);
	long long classcount = json_integer_value(json_object_get(r.json, "classcount"));
	long long minsize = json_integer_value(json_object_get(r.json, "minsize"));
	int allowlogin = json_is_true(json_object_get(r.json, "allowlogin"));
	api_resp_free(&r);
	api_request(&r, &srv, "PATCH", "/api/v1/policies/pop", srv.admin_token,
		    "{\"minsize\": 20, \"allowlogin\": false}", NULL);
	assert_api_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "minsize")), 20);
	assert_int_equal(json_integer_value(json_object_get(r.json, "classcount")), classcount);
	assert_true(json_is_false(json_object_get(r.json, "allowlogin")));
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT minsize FROM policy WHERE name = 'pop'"), 20);
	assert_api_request(&srv, "PATCH", "/api/v1/policies/pop", srv.admin_token, "{}", NULL, 400);
	assert_api_request(&srv, "PATCH", "/api/v1/policies/pop", srv.admin_token,
			   "{\"minsize\": 256}", NULL, 400);
	assert_api_request(&srv, "PATCH", "/api/v1/policies/pop", srv.admin_token,
			   "{\"minsize\": 30, \"maxsize\": 10}", NULL, 400);

	/* A password against the policy, without storing anything. */
	assert_api_request(&srv, "POST", "/api/v1/policies/pop/check", member,
			   "{\"password\": \"Short-1\"}", NULL, 400);
	api_request(&r, &srv, "POST", "/api/v1/policies/pop/check", member,
		    "{\"password\": \"Long-enough-pass-2026\", \"login\": \"box@polmem.example\"}",
		    NULL);
	assert_api_status(&r, 204);
	api_resp_free(&r);
	api_request(&r, &srv, "POST", "/api/v1/policies/pop/check", member,
		    "{\"password\": \"polmem-polmem-polmem-1\", \"login\": \"polmem\"}", NULL);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_field(&r), "password");
	api_resp_free(&r);
	assert_api_request(&srv, "POST", "/api/v1/policies/pop/check", member, "{}", NULL, 400);
	char body[128];
	snprintf(body, sizeof(body), "{\"minsize\": %lld, \"allowlogin\": %s}", minsize,
		 allowlogin ? "true" : "false");
	assert_api_request(&srv, "PATCH", "/api/v1/policies/pop", srv.admin_token, body, NULL, 200);
}

/* A list's malformed cursor or name filter is a malformed query parameter, whichever of
 * panel-api or libpanel finds it (libpanel's checks answered invalid). */
static void test_list_parameters(void **state)
{
	static const char *const paths[][2] = {
	    {"/api/v1/accounts/admin/domains?cursor=not%20a%20domain", "cursor"},
	    {"/api/v1/accounts?cursor=A-B", "cursor"},
	    {"/api/v1/accounts?login_prefix=A-B", "login_prefix"},
	    {"/api/v1/domains/nothere.org/mail?prefix=a%20b", "prefix"},
	};
	api_resp r;

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		api_request(&r, &srv, "GET", paths[i][0], srv.admin_token, NULL, NULL);
		assert_api_status(&r, 400);
		assert_string_equal(api_error_code(&r), "invalid_parameter");
		assert_string_equal(api_error_field(&r), paths[i][1]);
		api_resp_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_account_lifecycle),
	    cmocka_unit_test(test_quotas),
	    cmocka_unit_test(test_audit),
	    cmocka_unit_test(test_apikeys),
	    cmocka_unit_test(test_apikey_scopes),
	    cmocka_unit_test(test_act_as),
	    cmocka_unit_test(test_policies),
	    cmocka_unit_test(test_list_parameters),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
