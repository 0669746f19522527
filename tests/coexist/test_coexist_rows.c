/* The rows AlternC 1.0's cron and pages read, written by the library: sub-domain types in 1.0's
 * case, what update_domains.sh selects after a domain is added or changed (the web entries to
 * create, the zones to regenerate and the entries of their bodies), and the FTP home of an
 * account at the root of the web space, with the trailing '/' 1.0's is_ftp compares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor super, member;

#define number(...) ts_number(cluster, __VA_ARGS__)

static int setup(void **state)
{
	(void)state;
	const char *const settings[] = {
	    "hosting", "fqdn", "panel.host.example", "hosting", "default_mx", "mx1.host.example",
	    "hosting", "root", "/var/alternc",	     NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "coexr", settings) != 0)
		return -1;
	super = panel_actor_admin(2000);
	member = panel_actor_member(ts_member(p, &super, "coexrows"));
	ts_exec(cluster, db, "UPDATE quotas SET total = 10 WHERE name IN ('dom', 'ftp')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_account_delete(p, &super, "coexrows");
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

static void the_cron_and_the_pages_find_what_they_expect(void **state)
{
	(void)state;
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = "coex-rows.org";
	assert_panel_ok(panel_domain_add(&d, p, &member, NULL, &spec));
	panel_domain_free(d);
	assert_panel_ok(
	    panel_subdomain_set(NULL, p, &member, "coex-rows.org", "", "txt", "v=spf1 mx -all"));
	/* 1.0's case, compared as bytes. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = "
				"'coex-rows.org' AND BINARY type IN ('URL', 'VHOST', 'WEBMAIL', "
				"'DEFMX', 'TXT')",
				db),
			 number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = "
				"'coex-rows.org'",
				db));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = "
				"'coex-rows.org'",
				db),
			 5);
	/* update_domains.sh step 3: each entry with web_action UPDATE, with its owner. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines sd JOIN `%s`.membres m ON "
				"m.uid = sd.compte WHERE sd.web_action = 'UPDATE' AND sd.domaine = "
				"'coex-rows.org' AND m.login = 'coexrows' AND ((sd.sub = 'www' AND "
				"BINARY sd.type = 'VHOST' AND sd.valeur = '/coexrowsorg') OR "
				"(sd.sub = '' AND BINARY sd.type = 'URL' AND sd.valeur = "
				"'http://www.coex-rows.org'))",
				db, db),
			 2);
	/* Step 6: the zone to regenerate, and its body (DISTINCT entries of enabled types). */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE domaine = "
				"'coex-rows.org' AND dns_action = 'UPDATE' AND gesdns = 1 AND "
				"gesmx = 1",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(DISTINCT dt.entry) FROM `%s`.sub_domaines sd JOIN "
				"`%s`.domaines_type dt ON dt.name = sd.type WHERE sd.domaine = "
				"'coex-rows.org' AND sd.enable IN ('ENABLE', 'ENABLED') AND "
				"dt.entry IN ('%%SUB%% IN A @@PUBLIC_IP@@', '%%SUB%% IN TXT "
				"\"%%TARGET%%\"', '%%SUB%% IN MX 5 @@DEFAULT_MX@@')",
				db, db),
			 3);

	/* An FTP account at the web space's root: homedir with its trailing '/'. */
	panel_ftp_spec fspec = PANEL_FTP_SPEC_INIT;
	panel_ftp *f = NULL;
	fspec.prefix = "coexrows";
	fspec.password = "Ftp passphrase 2026";
	assert_panel_ok(panel_ftp_create(&f, p, &member, NULL, &fspec));
	assert_string_equal(f->dir, "/");
	panel_ftp_free(f);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.ftpusers WHERE name = 'coexrows' AND "
				"BINARY homedir = '/var/alternc/html/c/coexrows/'",
				db),
			 1);
}

/* AlternC 1.0 deletes or disables one value of a multi-value type; so does the library when
 * given the value, and every value when not. */
static void one_value_among_several(void **state)
{
	(void)state;
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = "coex-values.org";
	assert_panel_ok(panel_domain_add(&d, p, &member, NULL, &spec));
	panel_domain_free(d);
	const char *txt[] = {"v=spf1 mx -all", "google-site-verification=abc"};
	for (size_t i = 0; i < 2; i++)
		assert_panel_ok(
		    panel_subdomain_set(NULL, p, &member, "coex-values.org", "", "txt", txt[i]));
	assert_panel_ok(
	    panel_subdomain_set(NULL, p, &member, "coex-values.org", "srv", "ip", "192.0.2.1"));
	assert_panel_ok(
	    panel_subdomain_set(NULL, p, &member, "coex-values.org", "srv", "ip", "192.0.2.2"));
#define LIVE(sub, type, value)                                                                     \
	number(                                                                                    \
	    "SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = 'coex-values.org' AND sub = "  \
	    "'%s' AND type = '%s' AND valeur = '%s' AND web_action <> 'DELETE'",                   \
	    db, sub, type, value)
	assert_panel_ok(panel_subdomain_delete(p, &member, "coex-values.org", "@", "txt", txt[1]));
	assert_int_equal(LIVE("", "txt", txt[0]), 1);
	assert_int_equal(LIVE("", "txt", txt[1]), 0);
	assert_panel_rc(panel_subdomain_delete(p, &member, "coex-values.org", "@", "txt", txt[1]),
			PANEL_ENOTFOUND);
	assert_string_equal(panel_error_last()->field, "value");
	assert_panel_ok(panel_subdomain_set_enabled(p, &member, "coex-values.org", "srv", "ip",
						    "192.0.2.2", 0));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = "
				"'coex-values.org' AND sub = 'srv' AND ((valeur = '192.0.2.2' AND "
				"enable = 'DISABLE') OR (valeur = '192.0.2.1' AND enable = "
				"'ENABLED'))",
				db),
			 2);
	/* A value of the wrong form for the type is refused, not silently matched. */
	assert_panel_rc(
	    panel_subdomain_delete(p, &member, "coex-values.org", "srv", "ip", "not an ip"),
	    PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "value");
	/* Without a value: every value of the type. */
	assert_panel_ok(panel_subdomain_delete(p, &member, "coex-values.org", "srv", "ip", NULL));
	assert_int_equal(LIVE("srv", "ip", "192.0.2.1") + LIVE("srv", "ip", "192.0.2.2"), 0);
#undef LIVE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_cron_and_the_pages_find_what_they_expect),
	    cmocka_unit_test(one_value_among_several),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
