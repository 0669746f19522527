/* Tests of cancelling a domain's pending deletion against a real MariaDB: what comes back (the
 * domain, its remaining entries, the mail marker), what does not, and the refusals (nothing
 * pending, the cron done, another member, a locked domain, a deleted account). */
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
static panel_actor sys, super, alice, bob;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

static int setup(void **state)
{
	static const char *const settings[] = {"hosting", "fqdn",	"panel.host.example",
					       "hosting", "public_ip",	"192.0.2.10",
					       "hosting", "ns1",	"ns1.host.example",
					       "hosting", "ns2",	"ns2.host.example",
					       "hosting", "default_mx", "mx1.host.example",
					       NULL};

	(void)state;
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "undelete", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = panel_actor_member(ts_member(p, &super, "alice"));
	bob = panel_actor_member(ts_member(p, &super, "bob"));
	sql("UPDATE quotas SET total = 20 WHERE name IN ('dom', 'mail')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

/* name hosted for login by who (noerase as given), then deleted by who. */
static void add_and_delete(const panel_actor *who, const char *login, const char *name, int noerase)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = name;
	spec.noerase = noerase;
	assert_panel_ok(panel_domain_add(&d, p, who, login, &spec));
	panel_domain_free(d);
	assert_panel_ok(panel_domain_delete(p, who, name));
}

/* Rows of table matching the condition where. */
#define ROWS(table, where) number("SELECT COUNT(*) FROM %s.%s WHERE %s", db, table, where)

static void test_undelete(void **state)
{
	panel_domain *d = NULL;

	(void)state;
	add_and_delete(&alice, NULL, "undo-me.org", -1);
	assert_int_equal(ROWS("mail_domain", "mail = 'undo-me.org'"), 0); /* purged */
	long long entries = ROWS("sub_domaines", "domaine = 'undo-me.org'");
	assert_true(entries >= 4); /* '', www, mail and the default MX */
	assert_panel_ok(panel_domain_undelete(&d, p, &alice, "UNDO-ME.org."));
	assert_string_equal(d->domain, "undo-me.org");
	assert_string_equal(d->dns_action, "UPDATE");
	assert_int_equal(d->subdomains, (unsigned)entries);
	panel_domain_free(d);
	assert_int_equal(ROWS("sub_domaines", "domaine = 'undo-me.org' AND web_action = 'UPDATE'"),
			 entries);
	assert_int_equal(ROWS("mail_domain", "mail = 'undo-me.org'"), 1); /* marker again */
	assert_int_equal(
	    ROWS("panel_audit", "action = 'domain.undelete' AND object_id = 'undo-me.org'"), 1);
	/* Nothing pending any more: a second cancellation is refused, and changes nothing. */
	assert_panel_rc(panel_domain_undelete(&d, p, &alice, "undo-me.org"), PANEL_ECONFLICT);
	assert_null(d);
	assert_panel_rc(panel_domain_undelete(&d, p, &super, "undo-me.org"), PANEL_ECONFLICT);
	assert_int_equal(ROWS("panel_audit", "action = 'domain.undelete'"), 1);
}

/* The cron removed some entries already (update_domains.sh's step 2): the others come back. The
 * cron finished (rows gone): nothing to cancel. */
static void test_after_the_cron(void **state)
{
	panel_domain *d = NULL;

	(void)state;
	add_and_delete(&alice, NULL, "half-gone.org", -1);
	sql("DELETE FROM sub_domaines WHERE domaine = 'half-gone.org' AND sub = 'www'");
	long long left = ROWS("sub_domaines", "domaine = 'half-gone.org'");
	assert_panel_ok(panel_domain_undelete(&d, p, &alice, "half-gone.org"));
	assert_int_equal(d->subdomains, (unsigned)left);
	panel_domain_free(d);
	assert_int_equal(ROWS("sub_domaines", "domaine = 'half-gone.org' AND sub = 'www'"), 0);

	add_and_delete(&alice, NULL, "all-gone.org", -1);
	sql("DELETE FROM sub_domaines WHERE domaine = 'all-gone.org'");
	sql("DELETE FROM domaines WHERE domaine = 'all-gone.org'");
	assert_panel_rc(panel_domain_undelete(&d, p, &alice, "all-gone.org"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_domain_undelete(&d, p, &sys, "all-gone.org"), PANEL_ENOTFOUND);
	assert_int_equal(ROWS("domaines", "domaine = 'all-gone.org'"), 0);
}

/* Who may cancel: whoever may delete. */
static void test_refusals(void **state)
{
	panel_domain *d = NULL;
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;

	(void)state;
	add_and_delete(&alice, NULL, "alices.org", -1);
	assert_panel_rc(panel_domain_undelete(&d, p, &bob, "alices.org"), PANEL_ENOTFOUND);
	assert_string_equal(panel_error_last()->field, "domain");
	assert_panel_rc(panel_domain_undelete(&d, p, &bob, "nosuch-domain.org"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_domain_undelete(&d, p, &alice, "not a domain"), PANEL_EINVALID);
	assert_int_equal(ROWS("domaines", "domaine = 'alices.org' AND dns_action = 'DELETE'"), 1);

	/* An admin locked the domain and deleted it: the member may not bring it back. */
	add_and_delete(&super, "alice", "locked.org", 1);
	assert_panel_rc(panel_domain_undelete(&d, p, &alice, "locked.org"), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_domain_undelete(&d, p, &super, "locked.org"));
	panel_domain_free(d);

	/* The owner's account is deleted: its domains go with it. */
	spec.login = "carol";
	spec.password = "Correct-Horse-9";
	spec.mail = "carol@example.org";
	assert_panel_ok(panel_account_create(&a, p, &super, &spec));
	panel_account_free(a);
	panel_domain_spec dspec = PANEL_DOMAIN_SPEC_INIT;
	dspec.domain = "carols.org";
	sql("UPDATE quotas SET total = 5 WHERE name = 'dom'");
	assert_panel_ok(panel_domain_add(&d, p, &super, "carol", &dspec));
	panel_domain_free(d);
	assert_panel_ok(panel_account_delete(p, &super, "carol"));
	assert_panel_rc(panel_domain_undelete(&d, p, &super, "carols.org"), PANEL_ECONFLICT);
	assert_int_equal(ROWS("domaines", "domaine = 'carols.org' AND dns_action = 'DELETE'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_undelete),
	    cmocka_unit_test(test_after_the_cron),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
