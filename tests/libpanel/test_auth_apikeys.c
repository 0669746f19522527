/* Tests of application keys against a real MariaDB: creation (only the hash stored, audited
 * without secret), authentication, lists and revocation per admin, expiry, the owner's state,
 * networks (IPv4, IPv6, mapped addresses), scopes, and every refusal. Logins and tokens:
 * test_auth_login.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "auth_support.h"
#include "panel/json.h"
#include "panel/panel.h"

static int setup(void **state)
{
	(void)state;
	return auth_setup("auth_keys");
}

static int teardown(void **state)
{
	(void)state;
	return auth_teardown();
}

/* ---------------------------------------------------------------- application keys */

static int create_key(panel_apikey *key, char *secret, uint32_t admin, const char *name,
		      const char *scope, const char *networks, const char *expires)
{
	panel_actor who = panel_actor_admin(admin);
	panel_apikey_spec spec = PANEL_APIKEY_SPEC_INIT;

	spec.name = name;
	spec.scope = scope;
	spec.networks = networks;
	spec.expires = expires;
	return panel_apikey_create(key, secret, PANEL_TOKEN_MAX, p, &who, &spec);
}

static void apikey_create_list_revoke(void **state)
{
	panel_apikey key, key2;
	panel_apikey_list *list = NULL;
	panel_principal who;
	panel_actor bob = panel_actor_admin(BOB), hank = panel_actor_admin(HANK),
		    super = panel_actor_admin(SUPER);
	char secret[PANEL_TOKEN_MAX], secret2[PANEL_TOKEN_MAX], hash[65], after[4096];
	json_t *j;

	(void)state;
	assert_int_equal(create_key(&key, secret, BOB, "billing ✓", NULL, NULL, NULL), 0);
	assert_int_equal(strncmp(secret, "pk_", 3), 0);
	assert_int_equal(strlen(secret), 46);
	assert_true(key.id > 0);
	assert_int_equal(key.uid, BOB);
	assert_string_equal(key.login, "bob");
	assert_string_equal(key.name, "billing ✓");
	assert_string_equal(key.scope, "write");
	assert_string_equal(key.networks, "");
	assert_string_equal(key.expires, "");
	assert_string_equal(key.last_used, "");
	assert_int_equal(strlen(key.created), 19);
	assert_int_equal(key.revoked, 0);

	/* Only the hash is stored; the audit trail has neither secret nor hash. */
	sha256_hex(hash, secret);
	assert_int_equal(
	    num("SELECT COUNT(*) FROM panel_apikeys WHERE key_hash = '%s' AND id = %llu", hash,
		(unsigned long long)key.id),
	    1);
	assert_int_equal(
	    rows_containing("panel_apikeys", "name, key_hash, scope, networks", secret + 3), 0);
	assert_int_equal(
	    rows_containing("panel_audit", "object_id, before_data, after_data", secret + 3), 0);
	assert_int_equal(rows_containing("panel_audit", "object_id, before_data, after_data", hash),
			 0);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_audit WHERE action = 'apikey.create' AND"
			     " object_kind = 'apikey' AND object_id = '%llu' AND actor_uid = %d AND"
			     " subject_uid = %d AND before_data IS NULL",
			     (unsigned long long)key.id, BOB, BOB),
			 1);
	text(after, sizeof(after),
	     "SELECT after_data FROM panel_audit WHERE action = 'apikey.create' AND object_id ="
	     " '%llu'",
	     (unsigned long long)key.id);
	j = json_loads(after, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "scope")), "write");
	assert_null(json_object_get(j, "key_hash"));
	json_decref(j);

	/* The key authenticates from anywhere: a write key of bob. */
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "192.0.2.1"));
	assert_int_equal(who.uid, BOB);
	assert_string_equal(who.login, "bob");
	assert_int_equal(who.admin, 1);
	assert_int_equal(who.apikey_id, key.id);
	assert_int_equal(who.read_only, 0);
	assert_string_equal(who.kinds, "");
	assert_string_equal(who.expires, "");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_int_equal(num("SELECT last_used IS NOT NULL FROM panel_apikeys WHERE id = %llu",
			     (unsigned long long)key.id),
			 1);
	j = panel_principal_to_json(&who);
	assert_string_equal(json_string_value(json_object_get(j, "via")), "apikey");
	assert_int_equal(json_integer_value(json_object_get(j, "apikey_id")), (json_int_t)key.id);
	json_decref(j);
	/* A token is not a key and a key is not a token. */
	assert_error(panel_auth_token(&who, p, secret), PANEL_EAUTH, NULL);

	/* Lists: bob sees his keys, hank his own, the super admin all, newest first. */
	assert_int_equal(create_key(&key2, secret2, HANK, "hank's", "read", NULL, NULL), 0);
	assert_panel_ok(panel_apikey_list_get(&list, p, &bob));
	assert_int_equal(list->count, 1);
	assert_int_equal(list->items[0].id, key.id);
	panel_apikey_list_free(list);
	assert_panel_ok(panel_apikey_list_get(&list, p, &super));
	assert_int_equal(list->count, 2);
	assert_int_equal(list->items[0].id, key2.id);
	assert_int_equal(list->items[1].id, key.id);
	assert_string_equal(list->items[0].login, "hank");
	panel_apikey_list_free(list);

	/* Revoking: not someone else's (unless super admin), idempotent, audited. */
	assert_error(panel_apikey_revoke(p, &hank, key.id), PANEL_ENOTFOUND, "id");
	assert_error(panel_apikey_revoke(p, &bob, 999999), PANEL_ENOTFOUND, "id");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_panel_ok(panel_apikey_revoke(p, &bob, key.id));
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	assert_panel_ok(panel_apikey_revoke(p, &bob, key.id));
	assert_int_equal(num("SELECT COUNT(*) FROM panel_audit WHERE action = 'apikey.revoke' AND"
			     " object_id = '%llu'",
			     (unsigned long long)key.id),
			 1);
	assert_panel_ok(panel_apikey_list_get(&list, p, &bob));
	assert_int_equal(list->count, 1);
	assert_int_equal(list->items[0].revoked, 1);
	panel_apikey_list_free(list);
	assert_panel_ok(panel_apikey_revoke(p, &super, key2.id));
	assert_error(panel_auth_apikey(&who, p, secret2, NULL), PANEL_EAUTH, NULL);
}

static void apikey_expiry_and_owner(void **state)
{
	panel_apikey key;
	panel_principal who;
	char secret[PANEL_TOKEN_MAX];

	(void)state;
	assert_int_equal(create_key(&key, secret, BOB, "expiring", NULL, NULL, "2099-01-01"), 0);
	assert_string_equal(key.expires, "2099-01-01 00:00:00");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_string_equal(who.expires, "2099-01-01 00:00:00");
	sqlf("UPDATE panel_apikeys SET expires = NOW() - INTERVAL 1 SECOND WHERE id = %llu",
	     (unsigned long long)key.id);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);

	/* The owner must still be an enabled admin. */
	assert_int_equal(create_key(&key, secret, BOB, "owner", NULL, NULL, "2099-12-31 23:59:59"),
			 0);
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	sqlf("UPDATE membres SET su = 0 WHERE uid = %d", BOB);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	sqlf("UPDATE membres SET su = 1, enabled = 0 WHERE uid = %d", BOB);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	sqlf("UPDATE membres SET enabled = 1 WHERE uid = %d", BOB);
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
}

static void apikey_networks(void **state)
{
	panel_apikey key;
	panel_principal who;
	char secret[PANEL_TOKEN_MAX], v6[PANEL_TOKEN_MAX];

	(void)state;
	assert_int_equal(
	    create_key(&key, secret, BOB, "office", NULL, "192.0.2.0/24, 10.1.2.3/8", NULL), 0);
	assert_string_equal(key.networks, "192.0.2.0/24,10.0.0.0/8");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "192.0.2.77"));
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "10.200.3.4"));
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "::ffff:192.0.2.5"));
	assert_error(panel_auth_apikey(&who, p, secret, "192.0.3.1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, "11.0.0.1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, "2001:db8::1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, ""), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, "192.0.2.77x"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, " 192.0.2.77"), PANEL_EAUTH, NULL);

	assert_int_equal(create_key(&key, v6, BOB, "v6", NULL,
				    "2001:DB8:ABCD:1::5/48,198.51.100.9,::ffff:203.0.113.0/120",
				    NULL),
			 0);
	assert_string_equal(key.networks, "2001:db8:abcd::/48,198.51.100.9/32,203.0.113.0/24");
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "2001:db8:abcd:12::1"));
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "2001:db8:abcd:ffff:ffff:ffff:ffff:ffff"));
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "198.51.100.9"));
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "203.0.113.200"));
	assert_error(panel_auth_apikey(&who, p, v6, "2001:db8:abce::1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, v6, "198.51.100.10"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, v6, "fe80::1%eth0"), PANEL_EAUTH, NULL);

	/* A prefix that is not a multiple of 8. */
	assert_int_equal(create_key(&key, v6, BOB, "odd", NULL, "192.0.2.64/27", NULL), 0);
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "192.0.2.95"));
	assert_error(panel_auth_apikey(&who, p, v6, "192.0.2.96"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, v6, "192.0.2.63"), PANEL_EAUTH, NULL);

	json_t *j = panel_apikey_to_json(&key);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "networks")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "networks"), 0)),
			    "192.0.2.64/27");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "owner"), "login")), "bob");
	assert_true(json_is_null(json_object_get(j, "expires")));
	assert_true(json_is_false(json_object_get(j, "revoked")));
	json_decref(j);
}

static void apikey_scopes(void **state)
{
	panel_apikey key;
	panel_principal who;
	char secret[PANEL_TOKEN_MAX];
	json_t *j;

	(void)state;
	assert_int_equal(create_key(&key, secret, BOB, "reader", "read", NULL, NULL), 0);
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_int_equal(who.read_only, 1);
	assert_string_equal(who.kinds, "");

	assert_int_equal(create_key(&key, secret, BOB, "quotas", "accounts, quotas", NULL, NULL),
			 0);
	assert_string_equal(key.scope, "accounts,quotas");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_int_equal(who.read_only, 0);
	assert_string_equal(who.kinds, "accounts,quotas");
	j = panel_principal_to_json(&who);
	assert_int_equal(json_array_size(json_object_get(j, "kinds")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "kinds"), 1)),
			    "quotas");
	json_decref(j);

	assert_int_equal(
	    create_key(&key, secret, BOB, "all",
		       "accounts,quotas,domains,mail,databases,dbusers,ftp,audit,apikeys", NULL,
		       NULL),
	    0);
}

static void apikey_refusals(void **state)
{
	panel_apikey key;
	char secret[PANEL_TOKEN_MAX];
	panel_actor alice = panel_actor_member(ALICE), fake = panel_actor_admin(ALICE),
		    sys = panel_actor_system(), as = panel_actor_admin_as(BOB, ALICE);
	panel_apikey_spec spec = PANEL_APIKEY_SPEC_INIT;
	panel_apikey_list *list = NULL;
	long long before = num("SELECT COUNT(*) FROM panel_apikeys");

	(void)state;
	spec.name = "mine";
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &alice, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_string_equal(secret, "");
	/* Claiming to be an admin does not make one. */
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &fake, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &sys, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &as, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, NULL, &spec),
		     PANEL_EINVALID, "actor");
	assert_error(panel_apikey_list_get(&list, p, &alice), PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_list_get(&list, p, &fake), PANEL_EFORBIDDEN, NULL);
	assert_null(list);
	assert_error(panel_apikey_revoke(p, &alice, 1), PANEL_EFORBIDDEN, NULL);
	/* A locked admin is no admin. */
	sqlf("UPDATE membres SET enabled = 0 WHERE uid = %d", HANK);
	assert_error(create_key(&key, secret, HANK, "locked", NULL, NULL, NULL), PANEL_EFORBIDDEN,
		     NULL);
	sqlf("UPDATE membres SET enabled = 1 WHERE uid = %d", HANK);

	static const char *const bad_scopes[] = {"admin",     "accounts,accounts", "read,accounts",
						 "accounts,", ",accounts",	   "Accounts",
						 "writes",    "accounts;quotas"};
	for (size_t i = 0; i < sizeof(bad_scopes) / sizeof(bad_scopes[0]); i++)
		assert_error(create_key(&key, secret, BOB, "k", bad_scopes[i], NULL, NULL),
			     PANEL_EINVALID, "scope");
	static const char *const bad_networks[] = {
	    "10.0.0.0/33",	 "10.0.0.0/8;",	 "fe80::1%eth0", "1.2.3",
	    "10.0.0.0/08",	 "10.0.0.0/",	 "10.0.0.0/+8",	 "2001:db8::/129",
	    "::ffff:1.2.3.4/95", "10.0.0.0/8,,", "anywhere",	 "10.0.0.0/8,foo",
	    "10.0.0.0/-1"};
	for (size_t i = 0; i < sizeof(bad_networks) / sizeof(bad_networks[0]); i++)
		assert_error(create_key(&key, secret, BOB, "k", NULL, bad_networks[i], NULL),
			     PANEL_EINVALID, "networks");
	static const char *const bad_expires[] = {
	    "2001-01-01",	   "2099-02-30", "tomorrow", "2099-01-01T00:00:00", "2099-13-01",
	    "2099-01-01 24:00:00", "2099-1-1",	 "",	     "2099-01-01 00:00:00x"};
	for (size_t i = 0; i < sizeof(bad_expires) / sizeof(bad_expires[0]); i++)
		assert_error(create_key(&key, secret, BOB, "k", NULL, NULL, bad_expires[i]),
			     PANEL_EINVALID, "expires");
	assert_error(create_key(&key, secret, BOB, NULL, NULL, NULL, NULL), PANEL_EINVALID, "name");
	assert_error(create_key(&key, secret, BOB, "two\nlines", NULL, NULL, NULL), PANEL_EINVALID,
		     "name");
	char longname[200];
	memset(longname, 'n', 129);
	longname[129] = '\0';
	assert_error(create_key(&key, secret, BOB, longname, NULL, NULL, NULL), PANEL_EINVALID,
		     "name");
	spec.version = 2;
	panel_actor bob = panel_actor_admin(BOB);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &bob, &spec),
		     PANEL_EINVALID, "version");
	/* Nothing was stored by any of these. */
	assert_int_equal(num("SELECT COUNT(*) FROM panel_apikeys"), before);
	/* Keys that were never handed out. */
	panel_principal who;
	assert_error(
	    panel_auth_apikey(&who, p, "pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL),
	    PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, "pk_' OR '1'='1", NULL), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, NULL, NULL), PANEL_EAUTH, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accounts),
	    cmocka_unit_test(apikey_create_list_revoke),
	    cmocka_unit_test(apikey_expiry_and_owner),
	    cmocka_unit_test(apikey_networks),
	    cmocka_unit_test(apikey_scopes),
	    cmocka_unit_test(apikey_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
