/* panel-api's domain routes against a real daemon and database: domains, entries, zones checked
 * by named-checkzone, domain types, TLDs and forbidden domains, with their refusals, the
 * authorization matrix, application key scopes, and races for one domain and for the quota. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_matrix.h"

#define HOSTING                                                                                    \
	"\n[hosting]\nfqdn = panel.host.example\npublic_ip = 192.0.2.10\n"                         \
	"public_ipv6 = 2001:db8::10\nns1 = ns1.host.example\nns2 = ns2.host.example\n"             \
	"default_mx = mx1.host.example\ndefault_secondary_mx = mx2.host.example\n"

static long add_domain(int who, const char *login, const char *domain)
{
	char path[128], body[256];

	snprintf(path, sizeof(path), "/api/v1/accounts/%s/domains", login);
	snprintf(body, sizeof(body), "{\"domain\": \"%s\"}", domain);
	return api_call(NULL, who, "POST", path, body);
}

static int setup(void **state)
{
	(void)state;
	if (api_cast_setup(HOSTING, "[\"accounts\", \"mail\"]") < 0)
		return -1;
	if (api_set_quota("mema", "dom", 30) != 200 || api_set_quota("memb", "dom", 30) != 200 ||
	    api_set_quota("memc", "dom", 5) != 200)
		return -1;
	/* The victims: memb's domain with one more entry, memc's domain; mema's own. */
	if (add_domain(MB, "memb", "bee-b.org") != 201 ||
	    api_call(NULL, MB, "PUT", "/api/v1/domains/bee-b.org/subdomains",
		     "{\"sub\": \"blog\", \"type\": \"vhost\", \"target\": \"/blog\"}") != 200 ||
	    add_domain(MC, "memc", "cee-c.org") != 201 ||
	    add_domain(MA, "mema", "own-a.org") != 201)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return api_cast_teardown();
}

/* Writes zone to a file and runs named-checkzone -k fail on it: its exit status; its output in
 * out. */
static int checkzone(const char *origin, const char *zone, char *out, size_t outsz)
{
	char path[] = "/tmp/papi-zone-XXXXXX", cmd[256];
	int fd = mkstemp(path), status;
	FILE *p;
	size_t used;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, zone, strlen(zone)), (ssize_t)strlen(zone));
	close(fd);
	snprintf(cmd, sizeof(cmd), "named-checkzone -k fail %s %s 2>&1", origin, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	used = fread(out, 1, outsz - 1, p);
	out[used] = '\0';
	status = pclose(p);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

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
	/* Admins may force a TLD that is not listed, and lock at creation. */
	api_call(&r, AB, "POST", "/api/v1/accounts/mema/domains",
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

/* ---------------------------------------------------------------- entries and zones */

/* The entry (sub, type) of a list answer, or NULL. */
static json_t *entry(const api_resp *r, const char *sub, const char *type)
{
	size_t i;
	json_t *item;

	json_array_foreach(json_object_get(r->json, "items"), i, item)
	{
		if (strcmp(json_string_value(json_object_get(item, "sub")), sub) == 0 &&
		    strcmp(json_string_value(json_object_get(item, "type")), type) == 0)
			return item;
	}
	return NULL;
}

static void test_subdomains(void **state)
{
	api_resp r;
	json_t *e;

	(void)state;
	assert_int_equal(add_domain(MA, "mema", "subs-a.org"), 201);
	api_call(&r, MA, "GET", "/api/v1/domains/subs-a.org/subdomains", NULL);
	assert_api_status(&r, 200);
	assert_non_null(entry(&r, "@", "url"));
	assert_non_null(entry(&r, "@", "defmx"));
	assert_non_null(api_item(&r, "sub", "www"));
	assert_non_null(api_item(&r, "sub", "mail"));
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), api_items(&r));
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	api_resp_free(&r);

	api_call(&r, MA, "PUT", "/api/v1/domains/subs-a.org/subdomains",
		 "{\"sub\": \"Blog\", \"type\": \"VHOST\", \"target\": \"/blog\"}");
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "sub"), "blog");
	assert_string_equal(api_str(&r, "type"), "vhost");
	assert_string_equal(api_str(&r, "target"), "/blog");
	assert_string_equal(api_str(&r, "domain"), "subs-a.org");
	api_resp_free(&r);
	/* A type that cannot repeat replaces the entry of that type. */
	assert_api_call(NULL, MA, "PUT", "/api/v1/domains/subs-a.org/subdomains",
			"{\"sub\": \"blog\", \"type\": \"vhost\", \"target\": \"/b2\"}", 200);
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM sub_domaines WHERE domaine = "
				    "'subs-a.org' AND sub = 'blog' AND web_action <> 'DELETE'"),
			 1);
	/* Types that repeat (ip, txt) sit side by side; a clash is 409. */
	assert_api_call(NULL, MA, "PUT", "/api/v1/domains/subs-a.org/subdomains",
			"{\"sub\": \"multi\", \"type\": \"ip\", \"target\": \"192.0.2.1\"}", 200);
	assert_api_call(NULL, MA, "PUT", "/api/v1/domains/subs-a.org/subdomains",
			"{\"sub\": \"multi\", \"type\": \"ip\", \"target\": \"192.0.2.2\"}", 200);
	api_call(&r, MA, "PUT", "/api/v1/domains/subs-a.org/subdomains",
		 "{\"sub\": \"multi\", \"type\": \"vhost\", \"target\": \"/m\"}");
	assert_api_status(&r, 409);
	assert_string_equal(api_error_code(&r), "conflict");
	api_resp_free(&r);
	/* Bad types and targets; admin-only types. */
	static const struct {
		const char *body;
		long status;
		const char *field;
	} bad[] = {
	    {"{\"sub\": \"x\", \"type\": \"nosuchtype\", \"target\": \"/\"}", 400, "type"},
	    {"{\"sub\": \"x\", \"type\": \"ip\", \"target\": \"300.1.1.1\"}", 400, "target"},
	    {"{\"sub\": \"x\", \"type\": \"url\", \"target\": \"javascript:alert(1)\"}", 400,
	     "target"},
	    {"{\"sub\": \"x\", \"type\": \"vhost\", \"target\": \"../../etc\"}", 400, "target"},
	    {"{\"sub\": \"x y\", \"type\": \"vhost\", \"target\": \"/\"}", 400, "sub"},
	    {"{\"sub\": \"x\", \"type\": \"txt\", \"target\": \"a\\nb IN A 1.2.3.4\"}", 400,
	     "target"},
	    {"{\"sub\": \"x\", \"type\": \"defmx\"}", 403, "type"},
	    {"{\"type\": \"vhost\", \"target\": \"/\"}", 400, "sub"},
	    {"{\"sub\": \"x\", \"target\": \"/\"}", 400, "type"},
	    {"{\"sub\": \"x\", \"type\": \"vhost\", \"target\": \"/\", \"ttl\": 5}", 400, "ttl"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api_call(&r, MA, "PUT", "/api/v1/domains/subs-a.org/subdomains", bad[i].body);
		if (r.status != bad[i].status || strcmp(api_error_field(&r), bad[i].field) != 0)
			fail_msg("%s: %ld %s", bad[i].body, r.status, r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE domaine = "
					  "'subs-a.org' AND sub = 'x'"),
			 0);
	/* The admin may set the admin-only type on its member's domain. */
	assert_api_call(NULL, AB, "PUT", "/api/v1/domains/subs-a.org/subdomains",
			"{\"sub\": \"adm\", \"type\": \"defmx\"}", 200);

	/* disable / enable / delete; "@" is the domain itself. */
	assert_api_call(NULL, MA, "POST",
			"/api/v1/domains/subs-a.org/subdomains/blog/vhost/disable", NULL, 204);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE domaine = "
					  "'subs-a.org' AND sub = 'blog' AND enable = 'DISABLE'"),
			 1);
	api_call(&r, MA, "GET", "/api/v1/domains/subs-a.org/subdomains", NULL);
	e = entry(&r, "blog", "vhost");
	assert_non_null(e);
	assert_true(json_is_false(json_object_get(e, "enabled")));
	api_resp_free(&r);
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/subs-a.org/subdomains/blog/vhost/enable",
			"{}", 204);
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/subs-a.org/subdomains/blog/vhost/enable",
			"{\"now\": true}", 400);
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/subs-a.org/subdomains/nope/vhost/enable",
			NULL, 404);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/subs-a.org/subdomains/%40/url", NULL,
			204);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE domaine = "
					  "'subs-a.org' AND sub = '' AND web_action <> 'DELETE'"
					  " AND type = 'url'"),
			 0);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/subs-a.org/subdomains/@/url", NULL,
			404);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/subs-a.org/subdomains/multi/ip", NULL,
			204);
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM sub_domaines WHERE domaine = "
				    "'subs-a.org' AND sub = 'multi' AND web_action <> 'DELETE'"),
			 0);
	/* Members may not remove the admin-only entries either. */
	assert_api_call(NULL, MA, "DELETE", "/api/v1/domains/subs-a.org/subdomains/adm/defmx", NULL,
			403);
	assert_int_equal(api_call(NULL, MA, "DELETE",
				  "/api/v1/domains/subs-a.org/subdomains/blog/nosuchtype", NULL) /
			     100,
			 4);
}

static void test_zone(void **state)
{
	char out[8192];
	api_resp r;

	(void)state;
	assert_int_equal(add_domain(MA, "mema", "zone-a.org"), 201);
	static const char *const entries[] = {
	    "{\"sub\": \"www\", \"type\": \"vhost\", \"target\": \"/www\"}",
	    "{\"sub\": \"v4\", \"type\": \"ip\", \"target\": \"198.51.100.7\"}",
	    "{\"sub\": \"v6\", \"type\": \"ipv6\", \"target\": \"2001:db8::7\"}",
	    "{\"sub\": \"alias\", \"type\": \"cname\", \"target\": \"target.example.net\"}",
	    "{\"sub\": \"@\", \"type\": \"txt\", \"target\": \"v=spf1 mx -all \\\"quoted\\\"\"}",
	    "{\"sub\": \"*\", \"type\": \"ip\", \"target\": \"198.51.100.8\"}",
	    "{\"sub\": \"relay\", \"type\": \"mx\", \"target\": \"mx.example.net\"}",
	};
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (api_call(NULL, MA, "PUT", "/api/v1/domains/zone-a.org/subdomains",
			     entries[i]) != 200)
			fail_msg("entry %s refused", entries[i]);
	api_call(&r, MA, "GET", "/api/v1/domains/zone-a.org/zone", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(r.content_type, "text/dns");
	assert_null(r.json);
	assert_non_null(r.body);
	assert_non_null(strstr(r.body, "SOA"));
	assert_non_null(strstr(r.body, "198.51.100.7"));
	assert_non_null(strstr(r.body, "2001:db8::7"));
	assert_non_null(strstr(r.body, "target.example.net."));
	assert_non_null(strstr(r.body, "ns1.host.example."));
	if (checkzone("zone-a.org", r.body, out, sizeof(out)) != 0)
		fail_msg("named-checkzone refused the zone:\n%s\n%s", r.body, out);
	api_resp_free(&r);
	/* A disabled entry leaves the zone. */
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/zone-a.org/subdomains/v4/ip/disable",
			NULL, 204);
	api_call(&r, MA, "GET", "/api/v1/domains/zone-a.org/zone", NULL);
	assert_api_status(&r, 200);
	assert_null(strstr(r.body, "198.51.100.7"));
	assert_int_equal(checkzone("zone-a.org", r.body, out, sizeof(out)), 0);
	api_resp_free(&r);
	/* Errors stay JSON. */
	api_call(&r, MB, "GET", "/api/v1/domains/zone-a.org/zone", NULL);
	assert_api_status(&r, 404);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(api_error_code(&r), "not_found");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/zone-a.org/zone?x=1", NULL, 400);
	/* The admin and its key see it too; another sub-admin does not. */
	assert_api_call(NULL, AB, "GET", "/api/v1/domains/zone-a.org/zone", NULL, 200);
	assert_api_call(NULL, KB, "GET", "/api/v1/domains/zone-a.org/zone", NULL, 200);
	assert_api_call(NULL, AC, "GET", "/api/v1/domains/zone-a.org/zone", NULL, 404);
}

/* ---------------------------------------------------------------- admin tables */

static void test_domain_types(void **state)
{
	api_resp r;

	(void)state;
	api_call(&r, MA, "GET", "/api/v1/domain-types", NULL);
	assert_api_status(&r, 200);
	json_t *vhost = api_item(&r, "name", "vhost");
	assert_non_null(vhost);
	assert_string_equal(json_string_value(json_object_get(vhost, "target")), "DIRECTORY");
	assert_true(json_is_array(json_object_get(vhost, "compatibility")));
	assert_non_null(api_item(&r, "name", "defmx"));
	api_resp_free(&r);
	api_call(&r, MA, "GET", "/api/v1/domain-types/defmx", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "enable"), "ADMIN");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/domain-types/nosuch", NULL, 404);

	/* Admins change them; compatibility as an array or as a comma string. */
	assert_api_call(NULL, MA, "PATCH", "/api/v1/domain-types/panel",
			"{\"description\": \"pwned\"}", 403);
	assert_api_call(NULL, AB_MA, "PATCH", "/api/v1/domain-types/panel",
			"{\"description\": \"pwned\"}", 403);
	api_call(&r, SA, "PATCH", "/api/v1/domain-types/panel",
		 "{\"description\": \"Panel access\", \"compatibility\": [\"txt\", \"mx\"], "
		 "\"advanced\": false, \"enable\": \"ADMIN\"}");
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "description"), "Panel access");
	assert_int_equal(json_array_size(json_object_get(r.json, "compatibility")), 2);
	assert_true(json_is_false(json_object_get(r.json, "advanced")));
	assert_string_equal(api_str(&r, "enable"), "ADMIN");
	api_resp_free(&r);
	api_call(&r, SA, "PATCH", "/api/v1/domain-types/panel",
		 "{\"compatibility\": \"txt,mx,vhost\", \"enable\": \"ALL\", \"entry\": "
		 "\"%SUB% IN A @@PUBLIC_IP@@\"}");
	assert_api_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "compatibility")), 3);
	api_resp_free(&r);
	static const struct {
		const char *body;
		const char *field;
	} bad[] = {
	    {"{\"compatibility\": [\"txt\", \"nosuch\"]}", "compatibility"},
	    {"{\"compatibility\": [\"txt,mx\"]}", "compatibility"},
	    {"{\"compatibility\": 5}", "compatibility"},
	    {"{\"enable\": \"SOME\"}", "enable"},
	    {"{\"only_dns\": 2}", "only_dns"},
	    {"{\"entry\": \"%SUB% IN A 1.2.3.4\\n* IN A 6.6.6.6\"}", "entry"},
	    {"{\"target\": \"URL\"}", "target"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api_call(&r, SA, "PATCH", "/api/v1/domain-types/panel", bad[i].body);
		if (r.status != 400 || strcmp(api_error_field(&r), bad[i].field) != 0)
			fail_msg("%s: %ld %s", bad[i].body, r.status, r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_api_call(NULL, SA, "PATCH", "/api/v1/domain-types/nosuch",
			"{\"description\": \"x\"}", 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM domaines_type WHERE description = "
					  "'pwned'"),
			 0);
}

static void test_tlds_and_forbidden(void **state)
{
	api_resp r;

	(void)state;
	/* TLDs: anyone reads them; admins change them. */
	api_call(&r, MA, "GET", "/api/v1/tlds", NULL);
	assert_api_status(&r, 200);
	json_t *fr = api_item(&r, "tld", "fr");
	assert_non_null(fr);
	assert_int_equal(json_integer_value(json_object_get(fr, "mode")), 4);
	api_resp_free(&r);
	assert_api_call(NULL, MA, "POST", "/api/v1/tlds", "{\"tld\": \"zz\", \"mode\": 4}", 403);
	assert_api_call(NULL, AB_MA, "POST", "/api/v1/tlds", "{\"tld\": \"zz\", \"mode\": 4}", 403);
	assert_int_equal(add_domain(MA, "mema", "before-a.zz"), 400);
	api_call(&r, SA, "POST", "/api/v1/tlds", "{\"tld\": \".ZZ\", \"mode\": 4}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "tld"), "zz");
	assert_string_equal(r.location, "/api/v1/tlds/zz");
	api_resp_free(&r);
	assert_int_equal(add_domain(MA, "mema", "after-a.zz"), 201);
	api_call(&r, SA, "POST", "/api/v1/tlds", "{\"tld\": \"zz\", \"mode\": 0}");
	assert_api_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "mode")), 0);
	api_resp_free(&r);
	assert_int_equal(add_domain(MA, "mema", "again-a.zz"), 400);
	assert_api_call(NULL, SA, "POST", "/api/v1/tlds", "{\"tld\": \"zz\", \"mode\": 6}", 400);
	assert_api_call(NULL, SA, "POST", "/api/v1/tlds", "{\"tld\": \"z z\", \"mode\": 1}", 400);
	assert_api_call(NULL, SA, "POST", "/api/v1/tlds", "{\"tld\": \"zz\"}", 400);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/tlds/zz", NULL, 403);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/tlds/zz", NULL, 204);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/tlds/zz", NULL, 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM tld WHERE tld = 'zz'"), 0);

	/* Forbidden domains: admins only, even to read. */
	assert_api_call(NULL, MA, "GET", "/api/v1/forbidden-domains", NULL, 403);
	assert_api_call(NULL, AB_MA, "GET", "/api/v1/forbidden-domains", NULL, 403);
	assert_api_call(NULL, MA, "POST", "/api/v1/forbidden-domains", "{\"domain\": \"pwn.org\"}",
			403);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/forbidden-domains/afilias.net", NULL, 403);
	api_call(&r, AB, "GET", "/api/v1/forbidden-domains", NULL);
	assert_api_status(&r, 200);
	assert_non_null(api_item(&r, "domain", "afilias.net"));
	api_resp_free(&r);
	api_call(&r, SA, "POST", "/api/v1/forbidden-domains", "{\"domain\": \"Banned.ORG\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "domain"), "banned.org");
	assert_string_equal(r.location, "/api/v1/forbidden-domains/banned.org");
	api_resp_free(&r);
	api_call(&r, SA, "POST", "/api/v1/forbidden-domains",
		 "{\"domain\": \"\xc3\xa9t\xc3\xa9.org\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "domain"), "xn--t-9fab.org");
	api_resp_free(&r);
	assert_api_call(NULL, SA, "POST", "/api/v1/forbidden-domains",
			"{\"domain\": \"banned.org\"}", 409);
	assert_int_equal(add_domain(MA, "mema", "banned.org"), 400);
	assert_int_equal(add_domain(MA, "mema", "www.banned.org"), 400);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/forbidden-domains/banned.org", NULL, 204);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/forbidden-domains/banned.org", NULL, 404);
	assert_api_call(NULL, SA, "DELETE", "/api/v1/forbidden-domains/%C3%A9t%C3%A9.org", NULL,
			204);
	assert_int_equal(add_domain(MA, "mema", "banned.org"), 201);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM forbidden_domains WHERE domain IN "
					  "('pwn.org', 'banned.org') OR domain LIKE 'xn--%%'"),
			 0);
	assert_int_equal(
	    api_number(&srv, "SELECT COUNT(*) FROM forbidden_domains WHERE domain = 'afilias.net'"),
	    1);
}

/* ---------------------------------------------------------------- authorization */

#define D	   "bee-b.org"
#define G	   "ghost-z.org"
#define PD	   "/api/v1/domains/" D
#define VHOST_BODY "{\"sub\": \"pwn\", \"type\": \"ip\", \"target\": \"192.0.2.66\"}"

/* Every domain route that names someone else's object, for every kind of principal. */
static const api_row rows[] = {
/* another member of the same admin, a member of another admin, another sub-admin, an
 * admin acting as another member: all see nothing */
#define DENIED(who)                                                                                \
	{who, "GET", PD, NULL, 404, D, G}, {who, "PATCH", PD, "{\"mx\": false}", 404, D, G},       \
	    {who, "DELETE", PD, NULL, 404, D, G}, {who, "GET", PD "/subdomains", NULL, 404, D, G}, \
	    {who, "PUT", PD "/subdomains", VHOST_BODY, 404, D, G},                                 \
	    {who, "DELETE", PD "/subdomains/blog/vhost", NULL, 404, D, G},                         \
	    {who, "DELETE", PD "/subdomains/@/url", NULL, 404, D, G},                              \
	    {who, "POST", PD "/subdomains/blog/vhost/enable", NULL, 404, D, G},                    \
	    {who, "POST", PD "/subdomains/blog/vhost/disable", NULL, 404, D, G},                   \
	    {who, "GET", PD "/zone", NULL, 404, D, G},                                             \
	    {who, "GET", "/api/v1/accounts/memb/domains", NULL, 404, "memb", "ghostacct"},         \
	    {who,                                                                                  \
	     "POST",                                                                               \
	     "/api/v1/accounts/memb/domains",                                                      \
	     "{\"domain\": \"pwn-b.org\"}",                                                        \
	     404,                                                                                  \
	     "memb",                                                                               \
	     "ghostacct"},                                                                         \
	    {who, "GET", "/api/v1/domains/BEE-B.ORG", NULL, 404, "BEE-B", "GHOST-Z"},              \
	    {who, "GET", "/api/v1/domains/bee-b.org.", NULL, 404, D, G},                           \
	    {who, "GET", "/api/v1/domains/%62ee-b.org/zone", NULL, 404, "%62ee-b", "ghost-z"},     \
	{                                                                                          \
		who, "PATCH", "/api/v1/domains/Bee-B.Org", "{\"dns\": false}", 404, "Bee-B",       \
		    "Ghost-Z"                                                                      \
	}
    DENIED(MA),
    DENIED(MC),
    DENIED(AC),
    DENIED(AB_MA),
    /* the owner, its admin and the admin's key see it; keys are held to their scope */
    {MB, "GET", PD, NULL, 200, NULL, NULL},
    {MB, "GET", PD "/zone", NULL, 200, NULL, NULL},
    {AB, "GET", PD "/subdomains", NULL, 200, NULL, NULL},
    {KB, "GET", PD, NULL, 200, NULL, NULL},
    {KB, "GET", "/api/v1/accounts/memb/domains", NULL, 200, NULL, NULL},
    {KRO, "GET", PD, NULL, 200, NULL, NULL},
    {KRO, "PATCH", PD, "{\"mx\": false}", 403, NULL, NULL},
    {KRO, "PUT", PD "/subdomains", VHOST_BODY, 403, NULL, NULL},
    {KRO, "DELETE", PD, NULL, 403, NULL, NULL},
    {KOTHER, "GET", PD, NULL, 403, NULL, NULL},
    {KOTHER, "GET", "/api/v1/domain-types", NULL, 403, NULL, NULL},
    {KOTHER, "GET", "/api/v1/tlds", NULL, 403, NULL, NULL},
    {KOTHER, "POST", "/api/v1/accounts/memb/domains", "{\"domain\": \"pwn-b.org\"}", 403, NULL,
     NULL},
    {SA, "GET", "/api/v1/domains/cee-c.org", NULL, 200, NULL, NULL},
    {AB, "GET", "/api/v1/domains/cee-c.org", NULL, 404, "cee-c.org", G},
    {KB, "GET", "/api/v1/domains/cee-c.org/zone", NULL, 404, "cee-c.org", G},
    {AB, "GET", "/api/v1/accounts/memc/domains", NULL, 404, "memc", "ghostacct"},
    {MB, "GET", "/api/v1/domains/cee-c.org/subdomains", NULL, 404, "cee-c.org", G},
    /* members on admin routes and admin-only fields */
    {MA, "PATCH", "/api/v1/domain-types/vhost", "{\"description\": \"pwned\"}", 403, NULL, NULL},
    {MA, "POST", "/api/v1/tlds", "{\"tld\": \"pwn\", \"mode\": 4}", 403, NULL, NULL},
    {MA, "DELETE", "/api/v1/tlds/fr", NULL, 403, NULL, NULL},
    {MA, "GET", "/api/v1/forbidden-domains", NULL, 403, NULL, NULL},
    {MA, "POST", "/api/v1/forbidden-domains", "{\"domain\": \"pwn.org\"}", 403, NULL, NULL},
    {MA, "DELETE", "/api/v1/forbidden-domains/afilias.net", NULL, 403, NULL, NULL},
    {AB_MA, "DELETE", "/api/v1/tlds/fr", NULL, 403, NULL, NULL},
    {MA, "POST", "/api/v1/accounts/mema/domains", "{\"domain\": \"pwn-a.org\", \"force\": true}",
     403, NULL, NULL},
    {MA, "PATCH", "/api/v1/domains/own-a.org", "{\"noerase\": true}", 403, NULL, NULL},
    {MA, "PUT", "/api/v1/domains/own-a.org/subdomains", "{\"sub\": \"m\", \"type\": \"defmx2\"}",
     403, NULL, NULL},
    {MA, "GET", "/api/v1/domain-types", NULL, 200, NULL, NULL},
    {MA, "GET", "/api/v1/tlds", NULL, 200, NULL, NULL},
};

static void test_matrix(void **state)
{
	(void)state;
	assert_int_equal(api_run_matrix(rows, sizeof(rows) / sizeof(rows[0])), 0);
	/* Nothing the refused calls tried happened. */
	assert_int_equal(
	    api_number(&srv, "SELECT gesmx + gesdns FROM domaines WHERE domaine = 'bee-b.org'"), 2);
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM domaines WHERE domaine = 'bee-b.org' AND "
				    "dns_action <> 'DELETE'"),
			 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE sub = 'pwn'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE domaine = "
					  "'bee-b.org' AND (web_action = 'DELETE' OR enable <> "
					  "'ENABLED')"),
			 0);
	assert_int_equal(
	    api_number(&srv, "SELECT COUNT(*) FROM domaines WHERE domaine LIKE 'pwn%%'"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM domaines_type WHERE description = "
					  "'pwned'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM tld WHERE tld IN ('pwn', 'fr')"),
			 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM forbidden_domains WHERE domain IN "
					  "('pwn.org', 'afilias.net')"),
			 1);
	assert_int_equal(
	    api_number(&srv, "SELECT noerase FROM domaines WHERE domaine = 'own-a.org'"), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_domain_lifecycle), cmocka_unit_test(test_domain_refusals),
	    cmocka_unit_test(test_pagination),	     cmocka_unit_test(test_idn_idempotency_act_as),
	    cmocka_unit_test(test_subdomains),	     cmocka_unit_test(test_zone),
	    cmocka_unit_test(test_domain_types),     cmocka_unit_test(test_tlds_and_forbidden),
	    cmocka_unit_test(test_matrix),	     cmocka_unit_test(test_race_same_domain),
	    cmocka_unit_test(test_race_quota),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
