/* panel-api's admin tables for domains against a real daemon and database: domain types, TLDs
 * and forbidden domains with their refusals, and the authorization matrix of every domain route
 * (refused calls answer exactly like missing objects; application key scopes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_domains.h"

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
	    /* AlternC's DNS cron does not fill it in: BIND would refuse the zone. */
	    {"{\"entry\": \"%SUB% IN AAAA @@PUBLIC_IPV6@@\"}", "entry"},
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

	/* Regeneration: admins only; counts what it marked. */
	assert_api_call(NULL, MA, "POST", "/api/v1/domain-types/panel/regenerate", NULL, 403);
	assert_api_call(NULL, AB_MA, "POST", "/api/v1/domain-types/panel/regenerate", NULL, 403);
	assert_api_call(NULL, SA, "POST", "/api/v1/domain-types/nosuch/regenerate", NULL, 404);
	assert_int_equal(api_sql(&srv, "UPDATE sub_domaines SET web_action = 'OK' WHERE type ="
				       " 'VHOST' AND web_action = 'UPDATE'"),
			 0);
	long long vhosts = api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE type = 'VHOST'"
					    " AND web_action = 'OK'");
	assert_true(vhosts > 0);
	api_call(&r, SA, "POST", "/api/v1/domain-types/vhost/regenerate", "{}");
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "name"), "vhost");
	assert_int_equal(json_integer_value(json_object_get(r.json, "entries")), vhosts);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM sub_domaines WHERE type = 'VHOST'"
					  " AND web_action = 'UPDATE'"),
			 vhosts);
	assert_true(json_is_integer(json_object_get(r.json, "domains")));
	api_resp_free(&r);
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
	    {who, "POST", PD "/cancel-delete", NULL, 404, D, G},                                   \
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
    {KRO, "POST", PD "/cancel-delete", NULL, 403, NULL, NULL},
    {MB, "POST", PD "/cancel-delete", NULL, 409, NULL, NULL}, /* nothing pending */
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
    {MA, "POST", "/api/v1/domain-types/vhost/regenerate", NULL, 403, NULL, NULL},
    {KRO, "POST", "/api/v1/domain-types/vhost/regenerate", NULL, 403, NULL, NULL},
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_domain_types),
	    cmocka_unit_test(test_tlds_and_forbidden),
	    cmocka_unit_test(test_matrix),
	};
	return cmocka_run_group_tests(tests, api_domains_setup, api_domains_teardown);
}
