/* Tests of domains, sub-domains and DNS zones against a real MariaDB: AlternC's rules and
 * refusals, ownership, every entry type, zones checked with named-checkzone (bind9-utils),
 * injection attempts, deletion cascades and two members racing for one domain. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor sys, super, alice, bob;

/* The support library's helpers, bound to this test's cluster, database and admin. */
#define number(...)   ts_number(cluster, __VA_ARGS__)
#define sql(...)      ts_exec(cluster, db, __VA_ARGS__)
#define member(login) ts_member(p, &super, login)

static int setup(void **state)
{
	(void)state;
	static const char *const settings[] = {"hosting",
					       "fqdn",
					       "panel.host.example",
					       "hosting",
					       "public_ip",
					       "192.0.2.10",
					       "hosting",
					       "public_ipv6",
					       "2001:db8::10",
					       "hosting",
					       "ns1",
					       "ns1.host.example",
					       "hosting",
					       "ns2",
					       "ns2.host.example",
					       "hosting",
					       "default_mx",
					       "mx1.host.example",
					       "hosting",
					       "default_secondary_mx",
					       "mx2.host.example",
					       NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "domains", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = panel_actor_member(member("alice"));
	bob = panel_actor_member(member("bob"));
	/* Room for the tests' domains. */
	sql("UPDATE quotas SET total = 50 WHERE name = 'dom'");
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

static panel_domain *add(const panel_actor *who, const char *name, int expect)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = name;
	int rc = panel_domain_add(&d, p, who, NULL, &spec);
	if (rc != expect)
		fail_msg("adding %s: %d, expected %d: %s", name, rc, expect,
			 panel_error_last()->message);
	return d;
}

/* Writes zone to a file and runs named-checkzone on it: its exit status. */
static int checkzone(const char *origin, const char *zone, char *output, size_t outsz)
{
	char path[] = "/tmp/panel-zone-XXXXXX";
	int fd = mkstemp(path), pipefd[2], status = -1;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, zone, strlen(zone)), (ssize_t)strlen(zone));
	close(fd);
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		/* -D dumps the zone as named understood it: what an injection would show in. */
		execlp("named-checkzone", "named-checkzone", "-D", "-q", "-k", "fail", origin, path,
		       (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	size_t used = 0;
	ssize_t n;
	while (used + 1 < outsz && (n = read(pipefd[0], output + used, outsz - used - 1)) > 0)
		used += (size_t)n;
	output[used] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* named-checkzone -D without -q prints the canonical zone; -q prints nothing: run it twice. */
static int checkzone_dump(const char *origin, const char *zone, char *output, size_t outsz)
{
	char path[] = "/tmp/panel-zone-XXXXXX";
	int fd = mkstemp(path), pipefd[2], status = -1;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, zone, strlen(zone)), (ssize_t)strlen(zone));
	close(fd);
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		execlp("named-checkzone", "named-checkzone", "-D", "-k", "fail", "-o", "-", origin,
		       path, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	size_t used = 0;
	ssize_t n;
	while (used + 1 < outsz && (n = read(pipefd[0], output + used, outsz - used - 1)) > 0)
		used += (size_t)n;
	output[used] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---------------------------------------------------------------- add */

static void add_creates_alternc_defaults(void **state)
{
	(void)state;
	panel_domain *d = add(&alice, "Alice-Shop.FR.", 0);
	panel_subdomain_list *subs;

	assert_string_equal(d->domain, "alice-shop.fr");
	assert_string_equal(d->login, "alice");
	assert_true(d->dns && d->mx && !d->noerase);
	assert_string_equal(d->dns_action, "UPDATE");
	assert_int_equal(d->subdomains, 5);
	panel_domain_free(d);
	assert_panel_ok(panel_subdomain_list_get(&subs, p, &alice, "alice-shop.fr"));
	assert_int_equal(subs->count, 5);
	assert_int_equal(subs->total, 5);
	/* '' url, '' defmx, '' defmx2, mail webmail, www vhost (ordered by sub, type). */
	assert_string_equal(subs->items[0].sub, "");
	assert_string_equal(subs->items[0].type, "defmx");
	assert_string_equal(subs->items[1].type, "defmx2");
	assert_string_equal(subs->items[2].type, "url");
	assert_string_equal(subs->items[2].target, "http://www.alice-shop.fr");
	assert_string_equal(subs->items[3].sub, "mail");
	assert_string_equal(subs->items[3].type, "webmail");
	assert_string_equal(subs->items[4].sub, "www");
	assert_string_equal(subs->items[4].target, "/aliceshopfr");
	panel_subdomain_list_free(subs);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE action='mkdir' AND "
				"login='alice' AND args LIKE '%%aliceshopfr%%'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE action='domain.add' "
				"AND object_id='alice-shop.fr'",
				db),
			 1);
	/* Mail hosted here: the marker row postfix reads, and postmaster@ to the owner. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_domain WHERE mail='alice-shop.fr' "
				"AND alias='alice-shop.fr' AND pop=0",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_domain WHERE mail="
				"'postmaster@alice-shop.fr' AND alias='alice@example.org'",
				db),
			 1);

	/* An internationalized name is stored in its ASCII form. */
	d = add(&alice, "café-crème.fr", 0);
	assert_string_equal(d->domain, "xn--caf-crme-60ag.fr");
	panel_domain_free(d);
	assert_panel_ok(panel_domain_get(&d, p, &alice, "CAFÉ-crème.fr"));
	panel_domain_free(d);
}

static void add_refusals(void **state)
{
	(void)state;
	struct {
		const char *name;
		int code;
	} cases[] = {
	    {"", PANEL_EINVALID},
	    {"localhost", PANEL_EINVALID},
	    {"bad_name.fr", PANEL_EINVALID},
	    {"-bad.fr", PANEL_EINVALID},
	    {"a..b.fr", PANEL_EINVALID},
	    {"x.fr\nevil", PANEL_EINVALID},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.fr", PANEL_EINVALID},
	    {"hotmail.com", PANEL_EINVALID},	  /* forbidden */
	    {"mail.hotmail.com", PANEL_EINVALID}, /* under a forbidden one */
	    {"example.xyz", PANEL_EINVALID},	  /* TLD not in the table */
	    {"eu.org", PANEL_EINVALID},		  /* a TLD of the table itself */
	    {"EU.ORG.", PANEL_EINVALID},	  /* the same, spelt otherwise */
	    {"panel.host.example", PANEL_EINVALID},
	    {"alice-shop.fr", PANEL_EEXISTS},	   /* alice's */
	    {"blog.alice-shop.fr", PANEL_EEXISTS}, /* under alice's */
	};
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spec.domain = cases[i].name;
		int rc = panel_domain_add(&d, p, &bob, NULL, &spec);
		if (rc != cases[i].code)
			fail_msg("%s: got %d (%s)", cases[i].name, rc, panel_error_last()->message);
		assert_string_equal(panel_error_last()->field, "domain");
	}
	/* The same account may add a name under its own domain... unless it is an entry. */
	d = add(&alice, "blog.alice-shop.fr", 0);
	panel_domain_free(d);
	add(&alice, "www.alice-shop.fr", PANEL_EEXISTS);
	/* Members cannot force; an admin can, for another account too. */
	spec = (panel_domain_spec)PANEL_DOMAIN_SPEC_INIT;
	spec.domain = "example.xyz";
	spec.force = 1;
	assert_panel_rc(panel_domain_add(&d, p, &bob, NULL, &spec), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_domain_add(&d, p, &super, "bob", &spec));
	assert_string_equal(d->login, "bob");
	panel_domain_free(d);
	/* AlternC 1.0's DNS cron drops a deleted domain's zone with a grep whose dots match any
	 * character: a name that reads like another account's that way is refused, both ways
	 * (alice hosts alice-shop.fr). */
	add(&bob, "alice.shop.fr", PANEL_EEXISTS);
	panel_domain_free(add(&bob, "bob.shops.org", 0));
	add(&alice, "bob-shops.org", PANEL_EEXISTS);
	panel_domain_free(add(&bob, "bob-shops.org", 0)); /* its own: its own business */
	/* Whoever hosted a suffix of the table would hold every name under it: a member's
	 * domain under eu.org is another member's to add. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE domaine = 'eu.org'", db),
			 0);
	d = add(&alice, "alice.eu.org", 0);
	panel_domain_free(d);
	/* Without DNS hosting, only name.tld (AlternC checkhostallow_nodns). */
	spec = (panel_domain_spec)PANEL_DOMAIN_SPEC_INIT;
	spec.domain = "deep.sub.example.org";
	spec.dns = 0;
	assert_panel_rc(panel_domain_add(&d, p, &bob, NULL, &spec), PANEL_EINVALID);
	/* A member cannot put a domain on another account. */
	spec.domain = "bobs.org";
	spec.dns = 1;
	assert_panel_rc(panel_domain_add(&d, p, &bob, "alice", &spec), PANEL_ENOTFOUND);
	/* The dom quota. */
	uint32_t carol = member("carol");
	panel_actor c = panel_actor_member(carol);
	sql("UPDATE quotas SET total = 1 WHERE uid = %u AND name = 'dom'", carol);
	panel_domain_free(add(&c, "carol1.org", 0));
	add(&c, "carol2.org", PANEL_EQUOTA);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE compte=%u", db, carol),
			 1);
}

/* ---------------------------------------------------------------- ownership */

static void others_domains_do_not_exist(void **state)
{
	(void)state;
	panel_domain *d = NULL;
	panel_subdomain_list *subs = NULL;
	char *zone = NULL;

	assert_panel_rc(panel_domain_get(&d, p, &bob, "alice-shop.fr"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_domain_edit(&d, p, &bob, "alice-shop.fr", 0, -1, -1, NULL),
			PANEL_ENOTFOUND);
	assert_panel_rc(panel_domain_delete(p, &bob, "alice-shop.fr"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_subdomain_list_get(&subs, p, &bob, "alice-shop.fr"), PANEL_ENOTFOUND);
	assert_panel_rc(
	    panel_subdomain_set(NULL, p, &bob, "alice-shop.fr", "evil", "ip", "203.0.113.66"),
	    PANEL_ENOTFOUND);
	assert_panel_rc(panel_subdomain_delete(p, &bob, "alice-shop.fr", "www", "vhost", NULL),
			PANEL_ENOTFOUND);
	assert_panel_rc(
	    panel_subdomain_set_enabled(p, &bob, "alice-shop.fr", "www", "vhost", NULL, 0),
	    PANEL_ENOTFOUND);
	assert_panel_rc(panel_domain_zone(&zone, p, &bob, "alice-shop.fr"), PANEL_ENOTFOUND);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE sub='evil'", db), 0);
	/* Bob's list does not show alice's domains; the admin's shows everything. */
	panel_domain_filter f = PANEL_DOMAIN_FILTER_INIT;
	panel_domain_list *l;
	assert_panel_ok(panel_domain_list_get(&l, p, &bob, NULL));
	for (size_t i = 0; i < l->count; i++)
		assert_string_equal(l->items[i].login, "bob");
	panel_domain_list_free(l);
	f.login = "alice";
	f.limit = 1;
	assert_panel_ok(panel_domain_list_get(&l, p, &super, &f));
	assert_true(l->total >= 3);
	assert_int_equal(l->count, 1);
	assert_true(l->next_cursor[0] != '\0');
	char cursor[PANEL_CURSOR_MAX + 1];
	snprintf(cursor, sizeof(cursor), "%s", l->next_cursor);
	panel_domain_list_free(l);
	f.cursor = cursor;
	assert_panel_ok(panel_domain_list_get(&l, p, &super, &f));
	assert_true(strcmp(l->items[0].domain, cursor) > 0);
	panel_domain_list_free(l);
	f.version = 99;
	assert_panel_rc(panel_domain_list_get(&l, p, &super, &f), PANEL_EINVALID);
}

/* ---------------------------------------------------------------- entries */

static void entries_of_every_type(void **state)
{
	(void)state;
	panel_domain *d = add(&alice, "every-type.org", 0);
	panel_subdomain s;
	char *zone = NULL, out[16384];
	panel_actor as;

	panel_domain_free(d);
	struct {
		const char *sub, *type, *target;
	} ok[] = {
	    {"blog", "vhost", "/blog//www/"},
	    {"old", "url", "https://new.example.net/path?a=1"},
	    {"srv", "ip", "198.51.100.7"},
	    {"srv", "ip", "198.51.100.8"}, /* several A records on a name */
	    {"srv", "ipv6", "2001:db8::7"},
	    {"alias", "cname", "target.example.net."},
	    {"", "txt", "v=spf1 mx -all"},
	    {"", "txt", "semicolon ; dollar $INCLUDE /etc/passwd and `backquotes`"},
	    {"_dmarc", "txt", "v=DMARC1; p=none"},
	    {"spf", "txt", "v=spf1 exists:%{i}.spf.example.net -all"}, /* SPF's own macros */
	    {"mx-here", "mx", "mail.example.net"},
	    {"mx-here", "mx2", "backup.example.net"},
	    {"webmail2", "webmail", ""},
	    {"*", "ip", "198.51.100.9"},
	    {"cp", "panel", ""},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (panel_subdomain_set(&s, p, &alice, "every-type.org", ok[i].sub, ok[i].type,
					ok[i].target) != 0)
			fail_msg("%s %s %s: %s", ok[i].sub, ok[i].type, ok[i].target,
				 panel_error_last()->message);
	assert_panel_ok(
	    panel_subdomain_set(&s, p, &alice, "every-type.org", "blog", "vhost", "/blog//www/"));
	assert_string_equal(s.target, "/blog/www"); /* normalized */
	/* Host names are stored absolute: AlternC 1.0's cron writes the value into the zone as
	 * it is, and without the final dot the name would be relative to the zone. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
		   "'every-type.org' AND ((sub='alias' AND valeur='target.example.net.')"
		   " OR (sub='mx-here' AND valeur IN ('mail.example.net.',"
		   " 'backup.example.net.')))",
		   db),
	    3);
	/* A row stored before (or by 1.0's panel) without the dot is still found by its value,
	 * given with or without it. */
	sql("INSERT INTO sub_domaines (compte, domaine, sub, valeur, type) VALUES (%u,"
	    " 'every-type.org', 'legacy', 'old.example.net', 'mx'), (%u, 'every-type.org',"
	    " 'legacy', 'older.example.net', 'mx')",
	    alice.uid, alice.uid);
	assert_panel_ok(
	    panel_subdomain_delete(p, &alice, "every-type.org", "legacy", "mx", "old.example.net"));
	assert_panel_ok(panel_subdomain_delete(p, &alice, "every-type.org", "legacy", "mx",
					       "older.example.net."));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'every-type.org' AND sub='legacy' AND web_action <> 'DELETE'",
				db),
			 0);
	/* Set again, a further value of a multi-value type (MX) replaces its old form without
	 * the dot (relative in the zone): only the absolute one is published. */
	sql("INSERT INTO sub_domaines (compte, domaine, sub, valeur, type) VALUES (%u,"
	    " 'every-type.org', 'legacy', 'mx.example.net', 'mx')",
	    alice.uid);
	assert_panel_ok(
	    panel_subdomain_set(&s, p, &alice, "every-type.org", "legacy", "mx", "mx.example.net"));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'every-type.org' AND sub='legacy' AND web_action <> 'DELETE'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'every-type.org' AND sub='legacy' AND valeur = 'mx.example.net.'"
				" AND web_action <> 'DELETE'",
				db),
			 1);
	sql("DELETE FROM sub_domaines WHERE domaine = 'every-type.org' AND sub = 'legacy'");

	/* Admin-only types: refused to the member, allowed to an admin acting as it. */
	assert_panel_rc(panel_subdomain_set(&s, p, &alice, "every-type.org", "x", "defmx", ""),
			PANEL_EFORBIDDEN);
	assert_panel_ok(panel_account_act_as(&as, p, &super, "alice"));
	assert_panel_ok(panel_subdomain_set(&s, p, &as, "every-type.org", "adm", "defmx", ""));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE action="
				"'subdomain.set' AND actor_uid=2000 AND as_uid=%u",
				db, alice.uid),
			 1);

	/* The zone passes named-checkzone, with every record and nothing injected. */
	assert_panel_ok(panel_domain_zone(&zone, p, &alice, "every-type.org"));
	if (checkzone("every-type.org", zone, out, sizeof(out)) != 0)
		fail_msg("named-checkzone refused the zone:\n%s\n%s", zone, out);
	assert_int_equal(checkzone_dump("every-type.org", zone, out, sizeof(out)), 0);
	const char *expected[] = {"srv.every-type.org.",
				  "198.51.100.7",
				  "198.51.100.8",
				  "2001:db8::7",
				  "alias.every-type.org.",
				  "CNAME\ttarget.example.net.",
				  "mx1.host.example.",
				  "mx2.host.example.",
				  "MX\t5 mail.example.net.",
				  "*.every-type.org.",
				  "\"v=spf1 mx -all\"",
				  "_dmarc.every-type.org.",
				  "\"semicolon ; dollar $INCLUDE /etc/passwd and `backquotes`\"",
				  "cp.every-type.org.",
				  "192.0.2.10"};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (!strstr(out, expected[i]))
			fail_msg("%s missing from the zone as named reads it:\n%s", expected[i],
				 out);
	/* The $INCLUDE stayed text: no record came from /etc/passwd. */
	assert_null(strstr(out, "root:"));
	free(zone);
}

/* At most 1000 live entries a domain, for admins too (1.0 had no limit: each is a zone line
 * and a vhost a web server block, rewritten at every change): setting an entry again, or
 * replacing a vhost's folder, still passes at the limit; a deletion makes room. */
static void entries_per_domain_capped(void **state)
{
	panel_domain *d = add(&alice, "many-entries.org", 0);
	panel_subdomain s;
	long long live;

	(void)state;
	panel_domain_free(d);
	assert_panel_ok(
	    panel_subdomain_set(&s, p, &alice, "many-entries.org", "www", "vhost", "/w"));
	live = number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = 'many-entries.org'"
		      " AND web_action <> 'DELETE'",
		      db);
	ts_exec(
	    cluster, db,
	    "INSERT INTO sub_domaines (compte, domaine, sub, valeur, type, web_action, enable)"
	    " WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %lld)"
	    " SELECT %u, 'many-entries.org', CONCAT('t', i), 'x', 'TXT', 'UPDATE', 'ENABLED'"
	    " FROM seq",
	    999 - live, alice.uid);
	assert_panel_ok(panel_subdomain_set(&s, p, &alice, "many-entries.org", "last", "txt", "y"));
	assert_panel_rc(panel_subdomain_set(&s, p, &alice, "many-entries.org", "more", "txt", "y"),
			PANEL_EQUOTA);
	assert_string_equal(panel_error_last()->field, "sub");
	assert_panel_rc(panel_subdomain_set(&s, p, &super, "many-entries.org", "more", "txt", "y"),
			PANEL_EQUOTA);
	assert_panel_ok(panel_subdomain_set(&s, p, &alice, "many-entries.org", "last", "txt", "y"));
	assert_panel_ok(
	    panel_subdomain_set(&s, p, &alice, "many-entries.org", "www", "vhost", "/v"));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine ="
				" 'many-entries.org' AND web_action <> 'DELETE'",
				db),
			 1000);
	assert_panel_ok(panel_subdomain_delete(p, &alice, "many-entries.org", "t1", "txt", NULL));
	assert_panel_ok(panel_subdomain_set(&s, p, &alice, "many-entries.org", "more", "txt", "y"));
	/* Undeleting brings back the entries the cron has not removed yet, the replaced values
	 * too: never past the cap (50 replacements, then a deletion and an undeletion, gave 1,053
	 * live entries). */
	for (int i = 0; i < 50; i++) {
		char folder[16];
		snprintf(folder, sizeof(folder), "/v%d", i);
		assert_panel_ok(
		    panel_subdomain_set(&s, p, &alice, "many-entries.org", "www", "vhost", folder));
	}
	/* If-Match compared under the domain row's lock: changed since it was read (mail hosting
	 * turned off), the deletion is refused and nothing is marked. */
	panel_domain *seen = NULL, *now = NULL;
	assert_panel_ok(panel_domain_get(&seen, p, &alice, "many-entries.org"));
	assert_panel_ok(panel_domain_edit(&now, p, &alice, "many-entries.org", -1, 0, -1, NULL));
	assert_string_not_equal(seen->etag, now->etag);
	assert_panel_rc(panel_domain_delete_if_match(p, &alice, "many-entries.org", seen->etag),
			PANEL_ECONFLICT);
	assert_string_equal(panel_error_last()->field, "if_match");
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE domaine ="
				" 'many-entries.org' AND dns_action = 'DELETE'",
				db),
			 0);
	assert_panel_ok(panel_domain_delete_if_match(p, &alice, "many-entries.org", now->etag));
	panel_domain_free(seen);
	panel_domain_free(now);
	assert_panel_rc(panel_domain_undelete(&d, p, &alice, "many-entries.org"), PANEL_EQUOTA);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine ="
				" 'many-entries.org' AND web_action <> 'DELETE'",
				db),
			 0);
}

static void entry_refusals(void **state)
{
	(void)state;
	struct {
		const char *sub, *type, *target;
		int code;
		const char *field;
	} bad[] = {
	    {"a", "vhost", "/../../etc", PANEL_EINVALID, "target"},
	    {"a", "vhost", "/ok/./x", PANEL_EINVALID, "target"},
	    {"a", "vhost", "relative", PANEL_EINVALID, "target"},
	    {"a", "vhost", "/with space", PANEL_EINVALID, "target"},
	    {"a", "url", "javascript:alert(1)", PANEL_EINVALID, "target"},
	    {"a", "url", "http://ok.example/\"><script>", PANEL_EINVALID, "target"},
	    {"a", "url", "http://bad_host/", PANEL_EINVALID, "target"},
	    {"a", "ip", "999.1.1.1", PANEL_EINVALID, "target"},
	    {"a", "ip", "198.51.100.7\n@ IN NS evil.", PANEL_EINVALID, "target"},
	    {"a", "ipv6", "2001:db8::g", PANEL_EINVALID, "target"},
	    {"a", "cname", "not a host", PANEL_EINVALID, "target"},
	    {"a", "txt", "line\nbreak", PANEL_EINVALID, "target"},
	    /* What AlternC 1.0's cron would write unescaped into its SQL (a quote, a backslash
	     * escaping the closing one: that member made admin) and into the zone through echo
	     * -e (a backslash-n: zone lines of the member's, $INCLUDE, then root's arithmetic). */
	    {"a", "txt", "v=x'; UPDATE membres SET su=1 WHERE login='alice'; -- ", PANEL_EINVALID,
	     "target"},
	    {"a", "txt", "a\\n$INCLUDE /etc/passwd", PANEL_EINVALID, "target"},
	    {"a", "txt", "ends with a backslash\\", PANEL_EINVALID, "target"},
	    {"a", "txt", "a \" b", PANEL_EINVALID, "target"},
	    /* Written into the vhost by the cron's sed -e "s#%%redirect%%#$REDIRECT#g": a # ends
	     * the expression (then e runs a command), & is the matched text. */
	    {"a", "url", "http://x.example/#;etouch$IFS/tmp/pwned;#", PANEL_EINVALID, "target"},
	    {"a", "url", "http://x.example/a&b", PANEL_EINVALID, "target"},
	    {"a", "txt", "", PANEL_EINVALID, "target"},
	    {"a", "webmail", "/not/empty", PANEL_EINVALID, "target"},
	    {"bad sub", "ip", "198.51.100.7", PANEL_EINVALID, "sub"},
	    {"a\nb", "ip", "198.51.100.7", PANEL_EINVALID, "sub"},
	    {"$origin", "ip", "198.51.100.7", PANEL_EINVALID, "sub"},
	    {"_srv", "ip", "198.51.100.7", PANEL_EINVALID, "sub"},
	    {"", "cname", "x.example.net", PANEL_EINVALID, "sub"},
	    {"a", "nosuchtype", "", PANEL_EINVALID, "type"},
	    /* srv has A records: a CNAME cannot join them, nor a vhost (not compatible). */
	    {"srv", "cname", "x.example.net", PANEL_ECONFLICT, "type"},
	    {"alias", "txt", "beside a cname", PANEL_ECONFLICT, "type"},
	    /* What AlternC 1.0's DNS cron would misread in its zone file or its rows. */
	    {"t1", "txt", "v=spf1 -all ; serial", PANEL_EINVALID, "target"},
	    {"t2", "txt", "LOCKED:YES", PANEL_EINVALID, "target"},
	    {"t3", "txt", "x ;;; END ALTERNC AUTOGENERATE CONFIGURATION", PANEL_EINVALID, "target"},
	    {"t4", "txt", " leading space", PANEL_EINVALID, "target"},
	    {"t5", "txt", "trailing space ", PANEL_EINVALID, "target"},
	    /* Read as latin1 by the cron ("?" in the zone, the row never done), and its
	     * markers replaced in the text. */
	    {"t6", "txt", "\xe6\x97\xa5\xe6\x9c\xac \xe2\x9c\x93", PANEL_EINVALID, "target"},
	    {"t7", "txt", "\xc3\xa9t\xc3\xa9", PANEL_EINVALID, "target"},
	    {"t8", "txt", "x %SUB% y", PANEL_EINVALID, "target"},
	    {"t9", "txt", "x %TARGET%", PANEL_EINVALID, "target"},
	    {"t10", "txt", "x %%fqdn%% y", PANEL_EINVALID, "target"},
	    {"t11", "txt", "x @@DOMAINE@@", PANEL_EINVALID, "target"},
	    {"srv", "vhost", "/x", PANEL_ECONFLICT, "type"},
	};
	panel_subdomain s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = panel_subdomain_set(&s, p, &alice, "every-type.org", bad[i].sub,
					     bad[i].type, bad[i].target);
		if (rc != bad[i].code || !panel_error_last()->field ||
		    strcmp(panel_error_last()->field, bad[i].field) != 0)
			fail_msg("case %zu (%s %s): got %d field %s: %s", i, bad[i].sub,
				 bad[i].type, rc,
				 panel_error_last()->field ? panel_error_last()->field : "-",
				 panel_error_last()->message);
	}
	/* A vhost replaces the previous vhost of the name. */
	assert_panel_ok(
	    panel_subdomain_set(&s, p, &alice, "every-type.org", "blog", "vhost", "/newblog"));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'every-type.org' AND sub='blog' AND web_action<>'DELETE'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'every-type.org' AND sub='blog' AND valeur='/blog/www' AND "
				"web_action='DELETE'",
				db),
			 1);
	/* Types needing our DNS are refused when the domain's DNS is elsewhere. */
	panel_domain *d;
	assert_panel_ok(panel_domain_edit(&d, p, &alice, "every-type.org", 0, -1, -1, NULL));
	panel_domain_free(d);
	assert_panel_rc(
	    panel_subdomain_set(&s, p, &alice, "every-type.org", "z", "ip", "198.51.100.7"),
	    PANEL_EINVALID);
	char *zone;
	assert_panel_rc(panel_domain_zone(&zone, p, &alice, "every-type.org"), PANEL_ECONFLICT);
	assert_panel_ok(panel_domain_edit(&d, p, &alice, "every-type.org", 1, -1, -1, NULL));
	panel_domain_free(d);
}

static void delete_disable_and_serial(void **state)
{
	(void)state;
	char *z1, *z2, *z3, out[8192];
	unsigned long s1 = 0, s2 = 0;

	assert_panel_ok(panel_domain_zone(&z1, p, &alice, "every-type.org"));
	assert_non_null(strstr(z1, "198.51.100.9"));
	assert_panel_ok(
	    panel_subdomain_set_enabled(p, &alice, "every-type.org", "*", "ip", NULL, 0));
	assert_panel_ok(panel_subdomain_delete(p, &alice, "every-type.org", "srv", "ip", NULL));
	assert_panel_rc(panel_subdomain_delete(p, &alice, "every-type.org", "srv", "ip", NULL),
			PANEL_ENOTFOUND);
	assert_panel_ok(panel_domain_zone(&z2, p, &alice, "every-type.org"));
	assert_null(strstr(z2, "198.51.100.9"));
	assert_null(strstr(z2, "198.51.100.7"));
	assert_non_null(strstr(z2, "2001:db8::7")); /* srv's AAAA stays */
	assert_int_equal(checkzone("every-type.org", z2, out, sizeof(out)), 0);
	/* The serial grew. */
	assert_int_equal(sscanf(strstr(z1, "( ") + 2, "%lu", &s1), 1);
	assert_int_equal(sscanf(strstr(z2, "( ") + 2, "%lu", &s2), 1);
	assert_true(s2 > s1);
	assert_panel_ok(
	    panel_subdomain_set_enabled(p, &alice, "every-type.org", "*", "ip", NULL, 1));
	assert_panel_ok(panel_domain_zone(&z3, p, &alice, "every-type.org"));
	assert_non_null(strstr(z3, "198.51.100.9"));
	free(z1);
	free(z2);
	free(z3);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'every-type.org' AND sub='*' AND enable='ENABLE'",
				db),
			 1);
}

static void hostile_rows_stay_out_of_the_zone(void **state)
{
	(void)state;
	char *zone, out[8192];

	panel_domain_free(add(&alice, "legacy-rows.org", 0));
	/* Rows as an old PHP panel could have written them, bypassing every check. */
	sql("INSERT INTO sub_domaines (compte, domaine, sub, valeur, type) VALUES"
	    " (%u, 'legacy-rows.org', 'evil\\n$INCLUDE /etc/passwd', '198.51.100.1', 'ip'),"
	    " (%u, 'legacy-rows.org', 'x', '198.51.100.1\\n@ IN NS attacker.example.', 'ip'),"
	    " (%u, 'legacy-rows.org', 'ok', '198.51.100.2', 'IP')",
	    alice.uid, alice.uid, alice.uid);
	assert_panel_ok(panel_domain_zone(&zone, p, &alice, "legacy-rows.org"));
	assert_null(strstr(zone, "$INCLUDE"));
	assert_null(strstr(zone, "attacker"));
	assert_non_null(strstr(zone, "ok IN A 198.51.100.2")); /* upper-case type, as 1.0 wrote */
	assert_non_null(strstr(zone, "; an invalid entry was left out"));
	if (checkzone("legacy-rows.org", zone, out, sizeof(out)) != 0)
		fail_msg("%s\n%s", zone, out);
	free(zone);
}

static void missing_settings_are_reported(void **state)
{
	(void)state;
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *bare;
	char *zone = NULL;

	assert_panel_ok(panel_config_set(cfg, "hosting", "fqdn", "panel.host.example"));
	assert_panel_ok(panel_config_set(cfg, "hosting", "ns1", "ns1.host.example"));
	assert_panel_ok(panel_config_set(cfg, "hosting", "default_mx", "mx1.host.example"));
	assert_panel_ok(
	    panel_config_set(cfg, "hosting", "default_secondary_mx", "mx2.host.example"));
	assert_panel_ok(panel_open(&bare, cfg));
	panel_config_free(cfg);
	assert_panel_rc(panel_domain_zone(&zone, bare, &alice, "alice-shop.fr"), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "hosting.public_ip");
	assert_null(zone);
	panel_close(bare);
}

/* ---------------------------------------------------------------- edit, delete */

static void edit_lock_and_mail_switch(void **state)
{
	(void)state;
	panel_domain *d = NULL, *e = NULL;

	assert_panel_ok(panel_domain_get(&d, p, &alice, "alice-shop.fr"));
	/* Mail hosting off: the default MX entries and the domain's mail go. */
	sql("INSERT IGNORE INTO mail_domain (mail, alias, uid, pop, type) VALUES ('alice-shop.fr', "
	    "'alice-shop.fr', %u, 0, 0), ('info@alice-shop.fr', 'x@example.org', %u, 0, 0)",
	    alice.uid, alice.uid);
	assert_panel_ok(panel_domain_edit(&e, p, &alice, "alice-shop.fr", -1, 0, -1, d->etag));
	assert_false(e->mx);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_domain WHERE mail = "
				"'alice-shop.fr' OR mail LIKE '%%@alice-shop.fr'",
				db),
			 0);
	/* blog.alice-shop.fr is another domain: its mail stays. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_domain WHERE mail = "
				"'blog.alice-shop.fr'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'alice-shop.fr' AND type LIKE 'defmx%%' AND web_action<>'DELETE'",
				db),
			 0);
	/* The etag moved: a stale If-Match is refused. */
	panel_domain_free(e);
	assert_panel_rc(panel_domain_edit(&e, p, &alice, "alice-shop.fr", -1, 1, -1, d->etag),
			PANEL_ECONFLICT);
	assert_panel_ok(panel_domain_edit(&e, p, &alice, "alice-shop.fr", -1, 1, -1, NULL));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine="
				"'alice-shop.fr' AND type LIKE 'defmx%%' AND web_action<>'DELETE'",
				db),
			 2);
	panel_domain_free(e);
	panel_domain_free(d);
	/* An admin's lock: the member can no longer change DNS or delete. */
	assert_panel_rc(panel_domain_edit(&e, p, &alice, "alice-shop.fr", -1, -1, 1, NULL),
			PANEL_EFORBIDDEN);
	assert_panel_ok(panel_domain_edit(&e, p, &super, "alice-shop.fr", -1, -1, 1, NULL));
	assert_true(e->noerase);
	panel_domain_free(e);
	assert_panel_rc(panel_domain_edit(&e, p, &alice, "alice-shop.fr", 0, -1, -1, NULL),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_domain_delete(p, &alice, "alice-shop.fr"), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_domain_edit(&e, p, &super, "alice-shop.fr", -1, -1, 0, NULL));
	panel_domain_free(e);
}

static void delete_cascades(void **state)
{
	(void)state;
	panel_domain_free(add(&alice, "going.org", 0));
	panel_domain_free(add(&alice, "staying.org", 0));
	sql("INSERT IGNORE INTO mail_domain (mail, alias, uid, pop, type) VALUES"
	    " ('going.org', 'going.org', %u, 0, 0), ('a@going.org', 'a_going.org', %u, 1, 0),"
	    " ('@going.org', 'x@example.org', %u, 0, 0), ('a@staying.org', 'a_staying.org', %u, 1, "
	    "0);"
	    "INSERT INTO mail_users (uid, alias, path, password) VALUES"
	    " (%u, 'a_going.org', '/var/alternc/mail/a/a_going.org', 'x'),"
	    " (%u, 'a@going.org', '/var/alternc/mail/a/a_going.org', 'x'),"
	    " (%u, 'a_staying.org', '/var/alternc/mail/a/a_staying.org', 'x');"
	    "INSERT INTO mail_alias (mail, alias) VALUES ('a_going.org', "
	    "'/var/alternc/mail/a/a_going.org/Maildir/'), ('a_staying.org', "
	    "'/var/alternc/mail/a/a_staying.org/Maildir/');"
	    "INSERT INTO ftpusers (name, homedir, uid) VALUES ('going.org', '/x', %u), "
	    "('going.org_web', '/x', %u), ('staying.org', '/x', %u)",
	    alice.uid, alice.uid, alice.uid, alice.uid, alice.uid, alice.uid, alice.uid, alice.uid,
	    alice.uid, alice.uid);

	assert_panel_ok(panel_domain_delete(p, &alice, "going.org"));
	assert_panel_rc(panel_domain_delete(p, &alice, "going.org"), PANEL_ECONFLICT);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE domaine='going.org' AND "
				"dns_action='DELETE'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine='going.org' "
				"AND web_action<>'DELETE'",
				db),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_domain WHERE mail LIKE "
				"'%%going.org'",
				db),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_users WHERE alias LIKE "
				"'%%going.org'",
				db),
			 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.mail_alias WHERE mail='a_going.org'", db), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.ftpusers WHERE name LIKE 'going.org%%'", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE action='mail_del' "
				"AND args LIKE '%%a_going.org%%'",
				db),
			 1);
	/* The other domain keeps everything. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.mail_users WHERE alias='a_staying.org'", db), 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.ftpusers WHERE name='staying.org'", db),
			 1);
	/* After the cron side removes the rows, nothing refers to the domain any more. */
	sql("DELETE FROM domaines WHERE dns_action = 'DELETE' AND domaine = 'going.org'");
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine='going.org'", db), 0);
}

/* ---------------------------------------------------------------- race */

struct racer {
	panel_actor who;
	int rc;
};

static void *race_add(void *arg)
{
	struct racer *r = arg;
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *own;
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	if (panel_open(&own, cfg) != 0) {
		r->rc = 1;
		panel_config_free(cfg);
		return NULL;
	}
	panel_config_free(cfg);
	spec.domain = "contested.org";
	r->rc = panel_domain_add(&d, own, &r->who, NULL, &spec);
	panel_domain_free(d);
	panel_close(own);
	return NULL;
}

static void two_members_race_for_a_domain(void **state)
{
	(void)state;
	struct racer a = {alice, 99}, b = {bob, 99};
	pthread_t ta, tb;

	assert_int_equal(pthread_create(&ta, NULL, race_add, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, race_add, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_true((a.rc == 0 && b.rc == PANEL_EEXISTS) || (b.rc == 0 && a.rc == PANEL_EEXISTS));
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.domaines WHERE domaine='contested.org'", db), 1);
	assert_int_equal(number("SELECT COUNT(DISTINCT compte) FROM `%s`.sub_domaines WHERE "
				"domaine='contested.org'",
				db),
			 1);
}

/* ---------------------------------------------------------------- admin tables */

static void admin_tables(void **state)
{
	(void)state;
	panel_domain_type_list *types;
	panel_domain_type t;
	panel_tld_list *tlds;
	panel_forbidden_list *forbidden;

	assert_panel_ok(panel_domain_type_list_get(&types, p, &alice));
	assert_int_equal(types->count, 12);
	assert_int_equal(types->total, 12);
	panel_domain_type_list_free(types);
	assert_panel_rc(
	    panel_domain_type_update(&t, p, &alice, "txt", "mine", NULL, NULL, NULL, -1, -1, -1),
	    PANEL_EFORBIDDEN);
	assert_panel_rc(panel_domain_type_update(&t, p, &super, "txt", NULL,
						 "%SUB% IN TXT \"%TARGET%\"\n$INCLUDE /etc/passwd",
						 NULL, NULL, -1, -1, -1),
			PANEL_EINVALID);
	assert_panel_rc(panel_domain_type_update(&t, p, &super, "txt", NULL, "$INCLUDE /etc/passwd",
						 NULL, NULL, -1, -1, -1),
			PANEL_EINVALID);
	/* 1.0's DNS cron reads the template as latin1: UTF-8 would reach the zone as "?". */
	assert_panel_rc(panel_domain_type_update(&t, p, &super, "txt", NULL,
						 "%SUB% IN TXT \"caf\xc3\xa9 %TARGET%\"", NULL,
						 NULL, -1, -1, -1),
			PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "entry");
	/* A description is UTF-8 text: a latin1 byte was the server's error 1366. */
	assert_panel_rc(panel_domain_type_update(&t, p, &super, "txt", "Texte \xe9", NULL, NULL,
						 NULL, -1, -1, -1),
			PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "description");
	assert_panel_ok(panel_domain_type_update(&t, p, &super, "txt",
						 "Texte \xc3\xa9"
						 "crit",
						 NULL, NULL, NULL, -1, -1, -1));
	assert_string_equal(t.description, "Texte \xc3\xa9"
					   "crit");
	assert_panel_rc(panel_domain_type_update(&t, p, &super, "txt", NULL, NULL, "vhost,bogus",
						 NULL, -1, -1, -1),
			PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "compatibility");
	assert_panel_ok(panel_domain_type_update(&t, p, &super, "txt", "Text record", NULL, NULL,
						 "ADMIN", -1, -1, -1));
	assert_string_equal(t.enable, "ADMIN");
	assert_string_equal(t.description, "Text record");
	panel_subdomain s;
	assert_panel_rc(panel_subdomain_set(&s, p, &alice, "every-type.org", "t2", "txt", "x"),
			PANEL_EFORBIDDEN);
	assert_panel_ok(
	    panel_domain_type_update(&t, p, &super, "txt", NULL, NULL, NULL, "ALL", -1, -1, -1));

	/* TLDs: a new one opens names under it; mode 0 closes them. */
	assert_panel_rc(panel_tld_set(p, &alice, "xyz", 4), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_tld_set(p, &super, ".XYZ", 4));
	panel_domain_free(add(&bob, "bob.xyz", 0));
	assert_panel_ok(panel_tld_set(p, &super, "xyz", 0));
	add(&bob, "bob2.xyz", PANEL_EINVALID);
	assert_panel_rc(panel_tld_set(p, &super, "xyz", 9), PANEL_EINVALID);
	assert_panel_ok(panel_tld_list_get(&tlds, p, &bob));
	assert_true(tlds->count >= 14);
	panel_tld_list_free(tlds);
	assert_panel_ok(panel_tld_delete(p, &super, "xyz"));
	assert_panel_rc(panel_tld_delete(p, &super, "xyz"), PANEL_ENOTFOUND);

	/* Forbidden domains. */
	assert_panel_ok(panel_forbidden_add(p, &super, "evil.org"));
	assert_panel_rc(panel_forbidden_add(p, &super, "evil.org"), PANEL_EEXISTS);
	assert_panel_rc(panel_forbidden_add(p, &alice, "good.org"), PANEL_EFORBIDDEN);
	add(&bob, "www.evil.org", PANEL_EINVALID);
	assert_panel_ok(panel_forbidden_list_get(&forbidden, p, &super));
	assert_int_equal(forbidden->total, forbidden->count);
	int seen = 0;
	for (size_t i = 0; i < forbidden->count; i++)
		seen |= strcmp(forbidden->items[i], "evil.org") == 0;
	assert_true(seen);
	panel_forbidden_list_free(forbidden);
	assert_panel_ok(panel_forbidden_delete(p, &super, "evil.org"));
	panel_domain_free(add(&bob, "www.evil.org", 0));
}

/* domains_type_regenerate: every live entry of the type and the zones of their domains are
 * marked; entries waiting for deletion stay so, other domains and types are untouched. */
static void regenerate_a_type(void **state)
{
	(void)state;
	unsigned domains = 9, entries = 9;

	panel_domain_free(add(&alice, "regen-a.org", 0));
	panel_domain_free(add(&bob, "regen-b.org", 0));
	panel_domain_free(add(&bob, "regen-c.org", 0));
	panel_subdomain s;
	assert_panel_ok(panel_subdomain_set(&s, p, &alice, "regen-a.org", "t1", "txt", "one"));
	assert_panel_ok(panel_subdomain_set(&s, p, &bob, "regen-b.org", "t1", "txt", "two"));
	assert_panel_ok(panel_subdomain_set(&s, p, &bob, "regen-b.org", "t2", "txt", "gone"));
	sql("UPDATE sub_domaines SET web_action = 'OK' WHERE domaine LIKE 'regen-%%'");
	sql("UPDATE sub_domaines SET web_action = 'DELETE' WHERE domaine = 'regen-b.org' AND"
	    " sub = 't2'");
	sql("UPDATE domaines SET dns_action = 'OK' WHERE domaine LIKE 'regen-%%'");
	long long serial = number("SELECT serial FROM %s.panel_dns_serials WHERE domaine ="
				  " 'regen-b.org'",
				  db);

	assert_panel_rc(panel_domain_type_regenerate(&domains, &entries, p, &alice, "txt"),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_domain_type_regenerate(NULL, NULL, p, &super, "nosuch"),
			PANEL_ENOTFOUND);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.sub_domaines WHERE domaine LIKE 'regen-%%'"
				" AND web_action = 'UPDATE'",
				db),
			 0);
	assert_panel_ok(panel_domain_type_regenerate(&domains, &entries, p, &super, "TXT"));
	assert_int_equal(entries, 2);
	assert_int_equal(domains, 2);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.sub_domaines WHERE domaine LIKE 'regen-%%'"
				" AND web_action = 'UPDATE'",
				db),
			 2);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.sub_domaines WHERE domaine ="
				" 'regen-b.org' AND sub = 't2' AND web_action = 'DELETE'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.domaines WHERE domaine LIKE 'regen-%%'"
				" AND dns_action = 'UPDATE'",
				db),
			 2);
	assert_int_equal(number("SELECT dns_action = 'OK' FROM %s.domaines WHERE domaine ="
				" 'regen-c.org'",
				db),
			 1);
	assert_true(number("SELECT serial FROM %s.panel_dns_serials WHERE domaine = 'regen-b.org'",
			   db) > serial);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action ="
				" 'domain_type.regenerate'",
				db),
			 1);
}

/* What AlternC 1.0's account page added to a new account: the default FTP account and the
 * domain <login>.<parent>, in the creation's transaction: all of it or nothing. */
static void account_creation_extras(void **state)
{
	(void)state;
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	panel_actor sub = panel_actor_admin(ts_member(p, &super, "subadm"));

	sql("UPDATE membres SET su = 1 WHERE login = 'subadm'");
	sql("INSERT INTO variable (name, value) VALUES ('hosting_tld', 'members.example')"
	    " ON DUPLICATE KEY UPDATE value = 'members.example'");
	spec.login = "cora";
	spec.password = "Cora-pass-2026";
	spec.mail = "cora@example.org";
	spec.ftp = 1;
	spec.install_domain = "members.example";
	assert_panel_ok(panel_account_create(&a, p, &super, &spec));
	panel_account_free(a);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.ftpusers f JOIN %s.membres m ON m.uid ="
				" f.uid WHERE f.name = 'cora' AND m.login = 'cora' AND f.homedir"
				" LIKE '%%/html/c/cora/' AND f.encrypted_password LIKE '$6$%%'",
				db, db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.domaines d JOIN %s.membres m ON m.uid ="
				" d.compte WHERE d.domaine = 'cora.members.example' AND"
				" m.login = 'cora' AND d.gesdns = 1 AND d.noerase = 1",
				db, db),
			 1);

	/* A parent that is neither hosting_tld nor the admin's own domain: nothing is made. */
	panel_domain_free(add(&bob, "bobs-parent.org", 0));
	spec.login = "dave";
	spec.mail = "dave@example.org";
	spec.install_domain = "bobs-parent.org";
	assert_panel_rc(panel_account_create(&a, p, &sub, &spec), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "install_domain");
	/* The domain is taken: the account and its FTP account are not made either. */
	spec.install_domain = "members.example";
	sql("INSERT INTO domaines (compte, domaine, gesdns, gesmx, noerase, dns_action) SELECT uid,"
	    " 'dave.members.example', 1, 1, 0, 'OK' FROM membres WHERE login = 'bob'");
	assert_panel_rc(panel_account_create(&a, p, &super, &spec), PANEL_EEXISTS);
	/* No FTP slot in the type's defaults: nothing made. */
	spec.install_domain = NULL;
	sql("UPDATE defquotas SET value = 0 WHERE quota = 'ftp' AND type = 'default'");
	assert_panel_rc(panel_account_create(&a, p, &super, &spec), PANEL_EQUOTA);
	sql("UPDATE defquotas SET value = 2 WHERE quota = 'ftp' AND type = 'default'");
	assert_int_equal(number("SELECT COUNT(*) FROM %s.membres WHERE login = 'dave'", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.ftpusers WHERE name = 'dave'", db), 0);

	/* The system may use any hosted domain; an update cannot ask for them. */
	spec.install_domain = "bobs-parent.org";
	assert_panel_ok(panel_account_create(&a, p, &sys, &spec));
	panel_account_free(a);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.domaines WHERE domaine ="
				" 'dave.bobs-parent.org'",
				db),
			 1);
	panel_account_spec change = PANEL_ACCOUNT_SPEC_INIT;
	change.ftp = 1;
	assert_panel_rc(panel_account_update(&a, p, &super, "dave", &change, NULL), PANEL_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(add_creates_alternc_defaults),
	    cmocka_unit_test(add_refusals),
	    cmocka_unit_test(others_domains_do_not_exist),
	    cmocka_unit_test(entries_of_every_type),
	    cmocka_unit_test(entry_refusals),
	    cmocka_unit_test(entries_per_domain_capped),
	    cmocka_unit_test(delete_disable_and_serial),
	    cmocka_unit_test(hostile_rows_stay_out_of_the_zone),
	    cmocka_unit_test(missing_settings_are_reported),
	    cmocka_unit_test(edit_lock_and_mail_switch),
	    cmocka_unit_test(delete_cascades),
	    cmocka_unit_test(two_members_race_for_a_domain),
	    cmocka_unit_test(admin_tables),
	    cmocka_unit_test(regenerate_a_type),
	    cmocka_unit_test(account_creation_extras),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
