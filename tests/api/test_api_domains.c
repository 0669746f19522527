/* panel-api's domain routes against a real daemon and database: a domain's life (create, read,
 * ETag, patch, delete), refusals, pagination, IDN names, idempotency keys and act-as, and races
 * for one domain and for the quota. Entries and zones: test_api_domains_entries.c; admin tables
 * and the authorization matrix: test_api_domains_admin.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_domains.h"

/* ---------------------------------------------------------------- domains */

static void test_domain_lifecycle(void **state)
{
	char etag[80], old_etag[80], header[128];
	api_resp r;

	(void)state;
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/domains",
		 "{\"domain\": \"Life-A.org.\", \"dns\": true, \"mx\": true}");
	assert_api_status(&r, 201);
	assert_string_equal(r.location, "/api/v1/domains/life-a.org");
	assert_string_equal(api_str(&r, "domain"), "life-a.org");
	assert_string_equal(api_str(&r, "owner"), "mema");
	assert_true(json_is_true(json_object_get(r.json, "dns")));
	assert_true(json_is_true(json_object_get(r.json, "mx")));
	assert_true(json_is_false(json_object_get(r.json, "noerase")));
	/* AlternC's default entries: '' url, www vhost, mail webmail, the default MX. */
	assert_true(json_integer_value(json_object_get(r.json, "subdomains")) >= 3);
	snprintf(etag, sizeof(etag), "\"%s\"", api_str(&r, "etag"));
	assert_string_equal(r.etag, etag);
	api_resp_free(&r);
	assert_int_equal(
	    api_number(&srv, "SELECT COUNT(*) FROM domaines WHERE domaine = 'life-a.org' AND "
			     "compte = (SELECT uid FROM membres WHERE login = 'mema')"),
	    1);

	/* Taken: by the same member or anyone else. */
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/domains", "{\"domain\": \"life-a.org\"}");
	assert_api_status(&r, 409);
	assert_string_equal(api_error_code(&r), "exists");
	api_resp_free(&r);
	assert_int_equal(add_domain(MB, "memb", "life-a.org"), 409);

	/* GET, with its ETag; 304 with If-None-Match. */
	api_call(&r, MA, "GET", "/api/v1/domains/life-a.org", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(r.etag, etag);
	assert_string_equal(api_str(&r, "dns_action"), "UPDATE");
	api_resp_free(&r);
	snprintf(header, sizeof(header), "If-None-Match: %s", etag);
	const char *const inm[] = {header, NULL};
	assert_api_request(&srv, "GET", "/api/v1/domains/life-a.org", tokens[MA], NULL, inm, 304);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/LIFE-A.ORG", NULL, 200);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/nowhere-a.org", NULL, 404);

	/* PATCH with If-Match: a stale tag is 412 and changes nothing. */
	const char *const stale[] = {"If-Match: \"0123456789abcdef\"", NULL};
	api_request(&r, &srv, "PATCH", "/api/v1/domains/life-a.org", tokens[MA], "{\"mx\": false}",
		    stale);
	assert_api_status(&r, 412);
	assert_string_equal(api_error_code(&r), "precondition_failed");
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT gesmx FROM domaines WHERE domaine='life-a.org'"),
			 1);
	snprintf(header, sizeof(header), "If-Match: %s", etag);
	const char *const match[] = {header, NULL};
	api_request(&r, &srv, "PATCH", "/api/v1/domains/life-a.org", tokens[MA], "{\"mx\": false}",
		    match);
	assert_api_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "mx")));
	assert_string_not_equal(r.etag, etag);
	snprintf(old_etag, sizeof(old_etag), "%s", etag);
	snprintf(etag, sizeof(etag), "%s", r.etag);
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT gesmx FROM domaines WHERE domaine='life-a.org'"),
			 0);
	/* The old tag is stale now, for PATCH and DELETE. */
	snprintf(header, sizeof(header), "If-Match: %s", old_etag);
	assert_api_request(&srv, "PATCH", "/api/v1/domains/life-a.org", tokens[MA],
			   "{\"mx\": true}", match, 412);
	assert_api_request(&srv, "DELETE", "/api/v1/domains/life-a.org", tokens[MA], NULL, match,
			   412);
	assert_api_call(NULL, MA, "PATCH", "/api/v1/domains/life-a.org", "{\"mx\": 1}", 400);
	api_call(&r, MA, "PATCH", "/api/v1/domains/life-a.org", "{\"domain\": \"x.org\"}");
	assert_api_status(&r, 400);
	assert_string_equal(api_error_code(&r), "unknown_field");
	assert_string_equal(api_error_field(&r), "domain");
	api_resp_free(&r);

	/* noerase: admins only; a locked domain cannot be deleted by its member. */
	api_call(&r, MA, "PATCH", "/api/v1/domains/life-a.org", "{\"noerase\": true}");
	assert_api_status(&r, 403);
	assert_string_equal(api_error_field(&r), "noerase");
	api_resp_free(&r);
	assert_api_call(NULL, AB, "PATCH", "/api/v1/domains/life-a.org", "{\"noerase\": true}",
			200);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/life-a.org", NULL, 403);
	assert_api_call(NULL, MA, "PATCH", "/api/v1/domains/life-a.org", "{\"dns\": false}", 403);
	assert_api_call(NULL, AB, "PATCH", "/api/v1/domains/life-a.org", "{\"noerase\": false}",
			200);

	/* DELETE marks it for the cron side; a second DELETE is a conflict. */
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/life-a.org", NULL, 204);
	api_call(&r, MA, "GET", "/api/v1/domains/life-a.org", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "dns_action"), "DELETE");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/life-a.org", NULL, 409);
	assert_api_call(NULL, MA, "PUT", "/api/v1/domains/life-a.org/subdomains",
			"{\"sub\": \"x\", \"type\": \"vhost\", \"target\": \"/\"}", 409);

	/* Its deletion cancelled while the cron has not removed it; then nothing is pending. */
	api_call(&r, MA, "POST", "/api/v1/domains/life-a.org/cancel-delete", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "dns_action"), "UPDATE");
	char quoted[80];
	snprintf(quoted, sizeof(quoted), "\"%s\"", api_str(&r, "etag"));
	assert_string_equal(r.etag, quoted);
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE domaine ="
					  " 'life-a.org' AND web_action = 'DELETE'"),
			 0);
	api_call(&r, MA, "POST", "/api/v1/domains/life-a.org/cancel-delete", NULL);
	assert_api_status(&r, 409);
	assert_string_equal(api_error_code(&r), "conflict");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/life-a.org/cancel-delete",
			"{\"force\": true}", 400);
	/* Deleted again, and the cron finished: nothing left to cancel. */
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/life-a.org", NULL, 204);
	assert_int_equal(api_sql(&srv, "DELETE FROM sub_domaines WHERE domaine = 'life-a.org'"), 0);
	assert_int_equal(api_sql(&srv, "DELETE FROM domaines WHERE domaine = 'life-a.org'"), 0);
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/life-a.org/cancel-delete", NULL, 404);
	assert_api_call(NULL, SA, "POST", "/api/v1/domains/life-a.org/cancel-delete", NULL, 404);

	/* 405 with Allow on a known path. */
	api_call(&r, MA, "PUT", "/api/v1/domains/own-a.org", "{}");
	assert_api_status(&r, 405);
	assert_string_equal(r.allow, "GET, PATCH, DELETE");
	api_resp_free(&r);
}

static void test_domain_refusals(void **state)
{
	static const struct {
		const char *body;
		long status;
		const char *code, *field;
	} cases[] = {
	    {"{}", 400, "missing_field", "domain"},
	    {"{\"domain\": null}", 400, "missing_field", "domain"},
	    {"{\"domain\": 42}", 400, "invalid_field", "domain"},
	    {"{\"domain\": \"ok-a.org\", \"dns\": \"yes\"}", 400, "invalid_field", "dns"},
	    {"{\"domain\": \"ok-a.org\", \"owner\": \"memb\"}", 400, "unknown_field", "owner"},
	    {"{\"domain\": \"bad..name.org\"}", 400, "invalid", "domain"},
	    {"{\"domain\": \"-bad.org\"}", 400, "invalid", "domain"},
	    {"{\"domain\": \"bad\\nname.org\"}", 400, "invalid_field", "domain"},
	    {"{\"domain\": \"x.org; rm -rf /\"}", 400, "invalid", "domain"},
	    {"{\"domain\": \"nottld.zz\"}", 400, "invalid", "domain"},
	    {"{\"domain\": \"panel.host.example\"}", 400, "invalid", "domain"},
	    {"{\"domain\": \"afilias.net\"}", 400, "invalid", "domain"},
	    {"{\"domain\": \"sub.bee-b.org\"}", 409, "exists", "domain"},
	    {"{\"domain\": \"forced-a.zz\", \"force\": true}", 403, "forbidden", "force"},
	    {"{\"domain\": \"locked-a.org\", \"noerase\": true}", 403, "forbidden", "noerase"},
	};
	api_resp r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		api_call(&r, MA, "POST", "/api/v1/accounts/mema/domains", cases[i].body);
		if (r.status != cases[i].status || strcmp(api_error_code(&r), cases[i].code) != 0 ||
		    strcmp(api_error_field(&r), cases[i].field) != 0)
			fail_msg("%s: %ld %s", cases[i].body, r.status, r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM domaines WHERE domaine LIKE "
					  "'%%zz' OR domaine LIKE 'locked%%' OR domaine LIKE "
					  "'%%name.org'"),
			 0);
	/* The super admin may force a TLD that is not listed (a sub-admin may not: the TLD table
	 * is a global setting), and admins lock at creation. */
	api_call(&r, AB, "POST", "/api/v1/accounts/mema/domains",
		 "{\"domain\": \"forced-a.zz\", \"force\": true, \"noerase\": true}");
	assert_api_status(&r, 403);
	api_resp_free(&r);
	api_call(&r, SA, "POST", "/api/v1/accounts/mema/domains",
		 "{\"domain\": \"forced-a.zz\", \"force\": true, \"noerase\": true}");
	assert_api_status(&r, 201);
	assert_true(json_is_true(json_object_get(r.json, "noerase")));
	api_resp_free(&r);
	/* No body, a body that is not JSON, not an object. */
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/domains", NULL, 400);
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/domains", "{", 400);
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/domains", "[]", 400);
	/* Writes take no query string; lists refuse unknown parameters. */
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/domains?x=1",
			"{\"domain\": \"q-a.org\"}", 400);
	assert_api_call(NULL, MA, "GET", "/api/v1/accounts/mema/domains?sort=x", NULL, 400);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/own-a.org?x=1", NULL, 400);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/own%0a.org", NULL, 400);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/own%2fa.org", NULL, 400);
	/* No credentials. */
	assert_api_request(&srv, "GET", "/api/v1/domains/own-a.org", NULL, NULL, NULL, 401);
}

static void test_pagination(void **state)
{
	char path[256], seen[8][80], cursor[128] = "";
	size_t nseen = 0;
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, tokens[AB], "pager", API_PASS, ""), 201);
	assert_int_equal(api_set_quota("pager", "dom", 10), 200);
	const char *names[] = {"p5.org", "p1.org", "p3.org", "p2.org", "p4.org"};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(add_domain(AB, "pager", names[i]), 201);
	do {
		snprintf(path, sizeof(path), "/api/v1/accounts/pager/domains?limit=2%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		api_call(&r, AB, "GET", path, NULL);
		assert_api_status(&r, 200);
		assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 5);
		assert_true(api_items(&r) <= 2);
		for (size_t i = 0; i < api_items(&r); i++) {
			json_t *item = json_array_get(json_object_get(r.json, "items"), i);
			assert_true(nseen < 8);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s",
				 json_string_value(json_object_get(item, "domain")));
		}
		json_t *next = json_object_get(r.json, "next_cursor");
		assert_true(json_is_null(next) || json_is_string(next));
		snprintf(cursor, sizeof(cursor), "%s",
			 json_is_string(next) ? json_string_value(next) : "");
		api_resp_free(&r);
	} while (cursor[0]);
	assert_int_equal(nseen, 5);
	for (size_t i = 0; i < 5; i++) {
		char want[16];
		snprintf(want, sizeof(want), "p%zu.org", i + 1);
		assert_string_equal(seen[i], want);
	}
	api_call(&r, AB, "GET", "/api/v1/accounts/pager/domains?offset=3&limit=500", NULL);
	assert_int_equal(api_items(&r), 2);
	assert_non_null(api_item(&r, "domain", "p4.org"));
	api_resp_free(&r);
	assert_api_call(NULL, AB, "GET", "/api/v1/accounts/pager/domains?offset=1&cursor=p1.org",
			NULL, 400);
	assert_api_call(NULL, AB, "GET", "/api/v1/accounts/pager/domains?limit=0", NULL, 400);
	assert_api_call(NULL, AB, "GET", "/api/v1/accounts/pager/domains?limit=501", NULL, 400);
	assert_api_call(NULL, AB, "GET", "/api/v1/accounts/pager/domains?cursor=bad%20name", NULL,
			400);
	/* A member sees its own list only. */
	api_call(&r, MA, "GET", "/api/v1/accounts/mema/domains?limit=500", NULL);
	assert_api_status(&r, 200);
	assert_non_null(api_item(&r, "domain", "own-a.org"));
	assert_null(api_item(&r, "domain", "bee-b.org"));
	assert_null(api_item(&r, "domain", "p1.org"));
	api_resp_free(&r);
}

static void test_idn_idempotency_act_as(void **state)
{
	api_resp r, again;

	(void)state;
	/* An internationalized name: punycode in answers, UTF-8 accepted in the URL. */
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/domains",
		 "{\"domain\": \"caf\xc3\xa9.fr\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "domain"), "xn--caf-dma.fr");
	assert_string_equal(r.location, "/api/v1/domains/xn--caf-dma.fr");
	api_resp_free(&r);
	api_call(&r, MA, "GET", "/api/v1/domains/caf%C3%A9.fr", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "domain"), "xn--caf-dma.fr");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/CAF%C3%89.fr/subdomains", NULL, 200);
	assert_int_equal(api_call(NULL, MA, "GET", "/api/v1/domains/caf%C3.fr", NULL) / 100, 4);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/caf%zz.fr", NULL, 400);

	/* A retried creation with its Idempotency-Key gets the first answer back. */
	const char *const key[] = {"Idempotency-Key: dom-idem-1", NULL};
	api_request(&r, &srv, "POST", "/api/v1/accounts/mema/domains", tokens[MA],
		    "{\"domain\": \"idem-a.org\"}", key);
	api_request(&again, &srv, "POST", "/api/v1/accounts/mema/domains", tokens[MA],
		    "{\"domain\": \"idem-a.org\"}", key);
	assert_api_status(&r, 201);
	assert_api_status(&again, 201);
	assert_true(again.replayed);
	assert_string_equal(again.etag, r.etag);
	assert_string_equal(api_str(&again, "etag"), api_str(&r, "etag"));
	api_resp_free(&r);
	api_resp_free(&again);
	assert_api_request(&srv, "POST", "/api/v1/accounts/mema/domains", tokens[MA],
			   "{\"domain\": \"idem2-a.org\"}", key, 409);
	assert_int_equal(
	    api_number(&srv, "SELECT COUNT(*) FROM domaines WHERE domaine LIKE 'idem%%'"), 1);

	/* An admin acting as its member: the member's domains only, audited with both names. */
	api_call(&r, AB_MA, "POST", "/api/v1/accounts/mema/domains",
		 "{\"domain\": \"asme-a.org\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "owner"), "mema");
	api_resp_free(&r);
	assert_true(
	    api_number(&srv, "SELECT COUNT(*) FROM panel_audit WHERE object_id = 'asme-a.org'"
			     " AND as_uid = (SELECT uid FROM membres WHERE login = 'mema') AND"
			     " actor_uid = (SELECT uid FROM membres WHERE login = 'adminb')") >= 1);
	assert_api_call(NULL, AB_MA, "GET", "/api/v1/domains/asme-a.org", NULL, 200);
	assert_api_call(NULL, AB_MA, "GET", "/api/v1/domains/bee-b.org", NULL, 404);
	assert_api_call(NULL, AB, "GET", "/api/v1/domains/bee-b.org", NULL, 200);
}

/* ---------------------------------------------------------------- races */

/* Two members post the same domain at the same moment: one 201, the other 409. */
static void test_race_same_domain(void **state)
{
	api_racer racers[2];

	(void)state;
	for (int round = 0; round < 6; round++) {
		memset(racers, 0, sizeof(racers));
		for (int i = 0; i < 2; i++) {
			racers[i].who = i ? MB : MA;
			racers[i].method = "POST";
			snprintf(racers[i].path, sizeof(racers[i].path),
				 "/api/v1/accounts/%s/domains", i ? "memb" : "mema");
			snprintf(racers[i].body, sizeof(racers[i].body),
				 "{\"domain\": \"race%d.org\"}", round);
		}
		assert_int_equal(api_race(racers, 2), 0);
		if (api_race_count(racers, 2, 201) != 1 || api_race_count(racers, 2, 409) != 1)
			fail_msg("round %d: %ld %s / %ld %s", round, racers[0].resp.status,
				 racers[0].resp.body ? racers[0].resp.body : "",
				 racers[1].resp.status,
				 racers[1].resp.body ? racers[1].resp.body : "");
		api_race_free(racers, 2);
		assert_int_equal(api_number(&srv,
					    "SELECT COUNT(*) FROM domaines WHERE domaine = "
					    "'race%d.org'",
					    round),
				 1);
	}
}

/* Posts racing for the last free slots of the dom quota: exactly the free slots succeed. */
static void test_race_quota(void **state)
{
	enum { N = 10, FREE = 3 };
	api_racer racers[N];

	(void)state;
	assert_int_equal(api_create_account(&srv, tokens[AB], "quotad", API_PASS, ""), 201);
	assert_int_equal(api_set_quota("quotad", "dom", FREE + 1), 200);
	assert_int_equal(add_domain(AB, "quotad", "first-q.org"), 201);
	memset(racers, 0, sizeof(racers));
	for (int i = 0; i < N; i++) {
		racers[i].who = i % 2 ? AB : KB;
		racers[i].method = "POST";
		snprintf(racers[i].path, sizeof(racers[i].path), "/api/v1/accounts/quotad/domains");
		snprintf(racers[i].body, sizeof(racers[i].body), "{\"domain\": \"slot%d-q.org\"}",
			 i);
	}
	assert_int_equal(api_race(racers, N), 0);
	int created = api_race_count(racers, N, 201), refused = api_race_count(racers, N, 422);
	for (int i = 0; i < N; i++)
		if (racers[i].resp.status == 422)
			assert_string_equal(api_error_code(&racers[i].resp), "quota_exceeded");
	api_race_free(racers, N);
	assert_int_equal(created, FREE);
	assert_int_equal(refused, N - FREE);
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM domaines WHERE compte = (SELECT uid "
				    "FROM membres WHERE login = 'quotad')"),
			 FREE + 1);
	api_resp r;
	api_call(&r, AB, "GET", "/api/v1/accounts/quotad/quotas/dom", NULL);
	assert_int_equal(json_integer_value(json_object_get(r.json, "used")), FREE + 1);
	api_resp_free(&r);
}

/* POST /api/v1/accounts with "ftp" and "install_domain": 1.0's account page in one request,
 * all or nothing. */
static void test_account_creation_extras(void **state)
{
	api_resp r;

	(void)state;
	assert_int_equal(api_sql(&srv, "INSERT INTO variable (name, value) VALUES ('hosting_tld',"
				       " 'users.example') ON DUPLICATE KEY UPDATE value ="
				       " 'users.example'"),
			 0);
	api_call(&r, AB, "POST", "/api/v1/accounts",
		 "{\"login\": \"extra1\", \"password\": \"" API_PASS "\", \"mail\":"
		 " \"extra1@example.org\", \"ftp\": true, \"install_domain\": \"users.example\"}");
	assert_api_status(&r, 201);
	api_resp_free(&r);
	api_call(&r, AB, "GET", "/api/v1/domains/extra1.users.example", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "owner"), "extra1");
	assert_true(json_is_true(json_object_get(r.json, "noerase")));
	api_resp_free(&r);
	api_call(&r, AB, "GET", "/api/v1/ftp/extra1", NULL);
	assert_api_status(&r, 200);
	api_resp_free(&r);
	/* With an Idempotency-Key: a domain write, so not in a request's transaction (cron_lock.c
	 * refuses that), and replayed all the same. */
	static const char *const key[] = {"Idempotency-Key: extras-3", NULL};
	const char *extra3 = "{\"login\": \"extra3\", \"password\": \"" API_PASS "\", \"mail\":"
			     " \"extra3@example.org\", \"install_domain\": \"users.example\"}";
	for (int i = 0; i < 2; i++) {
		api_request(&r, &srv, "POST", "/api/v1/accounts", srv.admin_token, extra3, key);
		assert_api_status(&r, 201);
		assert_int_equal(r.replayed, i);
		api_resp_free(&r);
	}
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM domaines d JOIN membres m ON"
				    " m.uid = d.compte WHERE d.domaine = 'extra3.users.example'"
				    " AND m.login = 'extra3'"),
			 1);

	/* A parent of another account: refused, and nothing made. */
	assert_int_equal(add_domain(MB, "memb", "not-ab.org"), 201);
	api_call(&r, AB, "POST", "/api/v1/accounts",
		 "{\"login\": \"extra2\", \"password\": \"" API_PASS "\", \"mail\":"
		 " \"extra2@example.org\", \"ftp\": true, \"install_domain\": \"not-ab.org\"}");
	assert_api_status(&r, 400);
	assert_string_equal(api_error_field(&r), "install_domain");
	api_resp_free(&r);
	assert_api_call(NULL, AB, "POST", "/api/v1/accounts",
			"{\"login\": \"extra2\", \"password\": \"" API_PASS "\", \"mail\":"
			" \"extra2@example.org\", \"ftp\": \"yes\"}",
			400);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = 'extra2'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM ftpusers WHERE name = 'extra2'"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_domain_lifecycle),
	    cmocka_unit_test(test_domain_refusals),
	    cmocka_unit_test(test_pagination),
	    cmocka_unit_test(test_idn_idempotency_act_as),
	    cmocka_unit_test(test_race_same_domain),
	    cmocka_unit_test(test_race_quota),
	    cmocka_unit_test(test_account_creation_extras),
	};
	return cmocka_run_group_tests(tests, api_domains_setup, api_domains_teardown);
}
