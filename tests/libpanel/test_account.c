/* Tests of accounts, quotas, password policies and the audit trail against a real MariaDB:
 * every operation and its refusals, who may see and change what, the audit content, deletion
 * cascades, and concurrent creations racing for the last quota slot. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db/db.h"
#include "handle.h"
#include "panel/json.h"
#include "panel/panel.h"
#include "quota_internal.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor sys, super; /* the system, and the super admin uid 2000 */

/* The support library's helpers, bound to this test's cluster, database and admin. */
#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

/* Creates an account as `who`, failing the test on error; returns its uid. */
static uint32_t make_account(const panel_actor *who, const char *login, int admin)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a;
	char mail[64];

	snprintf(mail, sizeof(mail), "%s@example.org", login);
	spec.login = login;
	spec.password = "Correct-Horse-9";
	spec.mail = mail;
	spec.admin = admin;
	if (panel_account_create(&a, p, who, &spec) != 0)
		fail_msg("creating %s: %s", login, panel_error_last()->message);
	uint32_t uid = a->uid;
	panel_account_free(a);
	return uid;
}

static int setup(void **state)
{
	(void)state;
	/* The first admin of a new host is uid 2000, AlternC's super admin (the fixture checks). */
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "accounts", NULL) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	super.ip = "192.0.2.1";
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

/* ---------------------------------------------------------------- create */

static void create_applies_alternc_rules(void **state)
{
	(void)state;
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;

	spec.login = "Alice1";
	spec.password = "Wonder-Land-42";
	spec.mail = "alice@example.org";
	spec.nom = "Liddell";
	spec.prenom = "Alice";
	spec.notes = "two\nlines";
	spec.duration = 12;
	assert_panel_ok(panel_account_create(&a, p, &super, &spec));
	assert_string_equal(a->login, "alice1"); /* lower-cased, as AlternC does */
	assert_true(a->uid > 2000);
	assert_string_equal(a->mail, "alice@example.org");
	assert_string_equal(a->nom, "Liddell");
	assert_string_equal(a->notes, "two\nlines");
	assert_string_equal(a->type, "default");
	assert_int_equal(a->creator, 2000);
	assert_string_equal(a->creator_login, "admin");
	assert_true(a->enabled);
	assert_false(a->admin);
	assert_true(a->canpass);
	assert_int_equal(a->duration, 12);
	assert_true(a->renewed[0] && a->expiry[0]);
	assert_false(a->expired);
	assert_string_equal(a->lastlogin, "");
	assert_int_equal(strlen(a->etag), 32);
	/* The stored password is a SHA512-crypt hash (the default scheme, which AlternC 1.0's PHP
	 * login verifies with crypt()). */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE login='alice1' AND pass "
				"LIKE '$6$rounds=100000$%%'",
				db),
			 1);
	/* Default quotas copied from defquotas (type default). */
	assert_int_equal(
	    number("SELECT total FROM `%s`.quotas WHERE uid=%u AND name='dom'", db, a->uid),
	    number("SELECT value FROM `%s`.defquotas WHERE quota='dom' AND "
		   "type='default'",
		   db));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.quotas WHERE uid=%u", db, a->uid), 7);
	/* The web root is queued for the cron side. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE action='mem_add' AND "
		   "uid=%u AND login='alice1'",
		   db, a->uid),
	    1);
	/* Audited, without any secret. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE action='account.create'"
		   " AND object_id='alice1' AND actor_uid=2000 AND ip='192.0.2.1' AND "
		   "before_data IS NULL AND after_data LIKE '%%Liddell%%' AND "
		   "after_data NOT LIKE '%%argon2%%' AND after_data NOT LIKE "
		   "'%%Wonder-Land%%'",
		   db),
	    1);
	panel_account_free(a);

	/* Taken. */
	assert_panel_rc(panel_account_create(&a, p, &super, &spec), PANEL_EEXISTS);
	assert_null(a);
	assert_string_equal(panel_error_last()->field, "login");
}

static void create_refusals(void **state)
{
	(void)state;
	struct {
		const char *login, *password, *mail, *type;
		int duration;
		int code;
		const char *field;
	} cases[] = {
	    {"", "Pass-word-1", "x@example.org", NULL, -1, PANEL_EINVALID, "login"},
	    {"bad-login", "Pass-word-1", "x@example.org", NULL, -1, PANEL_EINVALID, "login"},
	    {"toolonglogin12345", "Pass-word-1", "x@example.org", NULL, -1, PANEL_EINVALID,
	     "login"},
	    {"mysql", "Pass-word-1", "x@example.org", NULL, -1, PANEL_EINVALID, "login"},
	    {"root", "Pass-word-1", "x@example.org", NULL, -1, PANEL_EINVALID, "login"},
	    {"x'or'1", "Pass-word-1", "x@example.org", NULL, -1, PANEL_EINVALID, "login"},
	    {"bob", NULL, "x@example.org", NULL, -1, PANEL_EINVALID, "password"},
	    {"bob", "Pass-word-1", NULL, NULL, -1, PANEL_EINVALID, "mail"},
	    {"bob", "Pass-word-1", "not-a-mail", NULL, -1, PANEL_EINVALID, "mail"},
	    {"bob", "Pass-word-1", "x@example.org\nBcc: y@example.org", NULL, -1, PANEL_EINVALID,
	     "mail"},
	    {"bob", "Pass-word-1", "x@example.org", "nosuchtype", -1, PANEL_EINVALID, "type"},
	    {"bob", "Pass-word-1", "x@example.org", NULL, 5000, PANEL_EINVALID, "duration"},
	    {"bob", "bob-is-my-name", "x@example.org", NULL, -1, PANEL_EINVALID, "password"},
	};
	panel_account *a = NULL;

	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		panel_account_spec s = PANEL_ACCOUNT_SPEC_INIT;
		s.login = cases[i].login;
		s.password = cases[i].password;
		s.mail = cases[i].mail;
		s.type = cases[i].type;
		s.duration = cases[i].duration;
		int rc = panel_account_create(&a, p, &super, &s);
		if (rc != cases[i].code || !panel_error_last()->field ||
		    strcmp(panel_error_last()->field, cases[i].field) != 0)
			fail_msg("case %zu (%s): got %d field %s: %s", i, cases[i].login, rc,
				 panel_error_last()->field ? panel_error_last()->field : "(none)",
				 panel_error_last()->message);
		assert_null(a);
	}
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE login='bob'", db), 0);

	/* Members do not create accounts. */
	uint32_t m = make_account(&super, "plainmember", 0);
	panel_actor member = panel_actor_member(m);
	spec.login = "bob";
	spec.password = "Pass-word-1";
	spec.mail = "bob@example.org";
	assert_panel_rc(panel_account_create(&a, p, &member, &spec), PANEL_EFORBIDDEN);
}

/* Names and notes are UTF-8 text: accents and emoji (4-byte UTF-8) are stored and read back as
 * they were given, and what is not UTF-8 (a latin1 byte, a surrogate, an overlong form) or holds
 * a C0 control is refused as invalid, for its field. Before, a latin1 byte came back as the
 * server's "database error 1366" (PANEL_ERROR), and a surrogate was stored, after which the
 * account's JSON could not be written (panel_account_to_json gave NULL). */
static void names_and_notes_are_utf8_text(void **state)
{
	(void)state;
	panel_account_spec s = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	static const char nom[] = "Herv\xc3\xa9 \xf0\x9f\x98\x80";
	static const char notes[] = "caf\xc3\xa9\r\n\tno\xc3\xabl \xf0\x9f\x8e\x84";

	s.login = "utftext";
	s.password = "Correct-Horse-9";
	s.mail = "utftext@example.org";
	s.nom = nom;
	s.prenom = "\xc5\x92"
		   "dipe";
	s.notes = notes;
	assert_panel_ok(panel_account_create(&a, p, &super, &s));
	assert_string_equal(a->nom, nom);
	assert_string_equal(a->notes, notes);
	json_t *j = panel_account_to_json(a);
	assert_non_null(j);
	json_decref(j);
	panel_account_free(a);
	a = NULL;
	/* Stored as these bytes: the 4-byte emoji too, not '?'. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.local WHERE HEX(nom) = '%s'", db,
				"48657276C3A920F09F9880"),
			 1);

	static const struct {
		const char *nom, *notes, *field;
	} bad[] = {
	    {"Herv\xe9", NULL, "nom"},		/* latin1 */
	    {"a\xc0\xaf", NULL, "nom"},		/* overlong '/' */
	    {"x\xf0\x9f\x98", NULL, "nom"},	/* cut short */
	    {"x\xf4\x90\x80\x80", NULL, "nom"}, /* above U+10FFFF */
	    {NULL, "x\xed\xa0\x80y", "notes"},	/* a surrogate */
	    {NULL, "line\n\xff", "notes"},	/* not UTF-8 */
	    {NULL, "bell\a", "notes"},		/* C0 control */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		panel_account_spec b = s;
		char login[16];
		snprintf(login, sizeof(login), "utfbad%zu", i);
		b.login = login;
		b.mail = "utfbad@example.org";
		b.nom = bad[i].nom;
		b.notes = bad[i].notes ? bad[i].notes : "";
		int rc = panel_account_create(&a, p, &super, &b);
		if (rc != PANEL_EINVALID || !panel_error_last()->field ||
		    strcmp(panel_error_last()->field, bad[i].field) != 0)
			fail_msg("case %zu: got %d field %s: %s", i, rc,
				 panel_error_last()->field ? panel_error_last()->field : "(none)",
				 panel_error_last()->message);
		assert_null(a);
	}
	/* The same on a change. */
	panel_account_spec ch = PANEL_ACCOUNT_SPEC_INIT;
	ch.prenom = "No\xebl";
	assert_panel_rc(panel_account_update(&a, p, &super, "utftext", &ch, NULL), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "prenom");
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.membres WHERE login LIKE 'utfbad%%'", db), 0);
}

/* ---------------------------------------------------------------- visibility */

static void who_sees_what(void **state)
{
	(void)state;
	uint32_t resel1 = make_account(&super, "resel1", 1);
	uint32_t resel2 = make_account(&super, "resel2", 1);
	panel_actor r1 = panel_actor_admin(resel1), r2 = panel_actor_admin(resel2);
	uint32_t c1 = make_account(&r1, "cust1", 0);
	make_account(&r2, "cust2", 0);
	panel_actor m1 = panel_actor_member(c1);
	panel_account *a = NULL;

	/* A member sees itself only; others do not exist for it. */
	assert_panel_ok(panel_account_get(&a, p, &m1, "cust1"));
	panel_account_free(a);
	assert_panel_rc(panel_account_get(&a, p, &m1, "cust2"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_account_get(&a, p, &m1, "admin"), PANEL_ENOTFOUND);
	/* An admin sees what it created, and itself; not the other reseller's customers. */
	assert_panel_ok(panel_account_get(&a, p, &r1, "cust1"));
	panel_account_free(a);
	assert_panel_ok(panel_account_get(&a, p, &r1, "resel1"));
	panel_account_free(a);
	assert_panel_rc(panel_account_get(&a, p, &r1, "cust2"), PANEL_ENOTFOUND);
	panel_account_lock(&a, p, &r1, "cust2", NULL);
	assert_int_equal(panel_error_last()->code, PANEL_ENOTFOUND);
	assert_panel_rc(panel_account_delete(p, &r1, "cust2"), PANEL_ENOTFOUND);
	assert_int_equal(number("SELECT enabled FROM `%s`.membres WHERE login='cust2'", db), 1);
	/* The super admin sees everything. */
	assert_panel_ok(panel_account_get(&a, p, &super, "cust2"));
	panel_account_free(a);
	/* subadmin_restriction = 1 lets every admin see every account. */
	sql("INSERT INTO variable (name, value) VALUES ('subadmin_restriction', '1') ON DUPLICATE "
	    "KEY UPDATE value = '1'");
	assert_panel_ok(panel_account_get(&a, p, &r1, "cust2"));
	panel_account_free(a);
	sql("UPDATE variable SET value = '0' WHERE name = 'subadmin_restriction'");
	assert_panel_rc(panel_account_get(&a, p, &r1, "cust2"), PANEL_ENOTFOUND);

	/* Acting as a member: sees that member only, and only members it may manage. */
	panel_actor as;
	assert_panel_ok(panel_account_act_as(&as, p, &r1, "cust1"));
	assert_int_equal(as.as_uid, c1);
	assert_panel_ok(panel_account_get(&a, p, &as, "cust1"));
	panel_account_free(a);
	assert_panel_rc(panel_account_get(&a, p, &as, "resel1"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_account_act_as(&as, p, &r1, "cust2"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_account_act_as(&as, p, &m1, "cust1"), PANEL_EFORBIDDEN);
	/* A forged actor: a member claiming to be an admin is refused by the database check. */
	panel_actor forged = panel_actor_admin(c1);
	assert_panel_rc(panel_account_get(&a, p, &forged, "cust1"), PANEL_EFORBIDDEN);
	panel_actor ghost = panel_actor_member(999999);
	assert_panel_rc(panel_account_get(&a, p, &ghost, "cust1"), PANEL_EFORBIDDEN);
	/* An admin whose rights were removed loses them at once. */
	assert_panel_ok(panel_account_set_admin(&a, p, &super, "resel2", 0));
	panel_account_free(a);
	assert_panel_rc(panel_account_get(&a, p, &r2, "cust2"), PANEL_EFORBIDDEN);
}

/* ---------------------------------------------------------------- list */

static void list_pages_with_a_cursor(void **state)
{
	(void)state;
	char login[16];
	panel_account_list *page = NULL;
	panel_account_filter f = PANEL_ACCOUNT_FILTER_INIT;
	size_t seen = 0;
	char last[17] = "";

	for (int i = 0; i < 7; i++) {
		snprintf(login, sizeof(login), "page%02d", i);
		make_account(&super, login, 0);
	}
	f.login_prefix = "page";
	f.limit = 3;
	do {
		assert_panel_ok(panel_account_list_get(&page, p, &super, &f));
		assert_int_equal(page->total, 7);
		for (size_t i = 0; i < page->count; i++) {
			assert_true(strcmp(page->items[i].login, last) > 0); /* stable order */
			snprintf(last, sizeof(last), "%s", page->items[i].login);
			seen++;
		}
		static char cursor[PANEL_CURSOR_MAX + 1];
		snprintf(cursor, sizeof(cursor), "%s", page->next_cursor);
		f.cursor = cursor[0] ? cursor : NULL;
		int done = !page->next_cursor[0];
		panel_account_list_free(page);
		if (done)
			break;
	} while (1);
	assert_int_equal(seen, 7);

	/* Offset paging and filters. */
	panel_account_filter g = PANEL_ACCOUNT_FILTER_INIT;
	g.login_prefix = "page";
	g.offset = 5;
	assert_panel_ok(panel_account_list_get(&page, p, &super, &g));
	assert_int_equal(page->count, 2);
	assert_string_equal(page->items[0].login, "page05");
	panel_account_list_free(page);
	panel_account *a;
	assert_panel_ok(panel_account_lock(&a, p, &super, "page03", NULL));
	panel_account_free(a);
	g = (panel_account_filter)PANEL_ACCOUNT_FILTER_INIT;
	g.login_prefix = "page";
	g.enabled = 0;
	assert_panel_ok(panel_account_list_get(&page, p, &super, &g));
	assert_int_equal(page->total, 1);
	assert_string_equal(page->items[0].login, "page03");
	panel_account_list_free(page);

	/* A member lists itself only; bad filters are refused. */
	panel_actor m = panel_actor_member((uint32_t)number("SELECT uid FROM `%s`.membres WHERE "
							    "login='page01'",
							    db));
	assert_panel_ok(panel_account_list_get(&page, p, &m, NULL));
	assert_int_equal(page->total, 1);
	assert_string_equal(page->items[0].login, "page01");
	panel_account_list_free(page);
	g = (panel_account_filter)PANEL_ACCOUNT_FILTER_INIT;
	g.login_prefix = "%";
	assert_panel_rc(panel_account_list_get(&page, p, &super, &g), PANEL_EINVALID);
	g.login_prefix = NULL;
	g.limit = 501;
	assert_panel_rc(panel_account_list_get(&page, p, &super, &g), PANEL_EINVALID);
}

/* ---------------------------------------------------------------- changes */

static void update_with_etag_and_audit(void **state)
{
	(void)state;
	uint32_t uid = make_account(&super, "carol", 0);
	panel_actor carol = panel_actor_member(uid);
	panel_account *a = NULL, *b = NULL;
	panel_account_spec ch = PANEL_ACCOUNT_SPEC_INIT;

	assert_panel_ok(panel_account_get(&a, p, &super, "carol"));
	ch.nom = "Ward";
	ch.type = "default";
	ch.duration = 6;
	assert_panel_ok(panel_account_update(&b, p, &super, "carol", &ch, a->etag));
	assert_string_equal(b->nom, "Ward");
	assert_int_equal(b->duration, 6);
	assert_true(b->renewed[0] != '\0');
	assert_string_not_equal(a->etag, b->etag);
	/* The old etag is stale now. */
	ch = (panel_account_spec)PANEL_ACCOUNT_SPEC_INIT;
	ch.nom = "Lost";
	panel_account *c = NULL;
	assert_panel_rc(panel_account_update(&c, p, &super, "carol", &ch, a->etag),
			PANEL_ECONFLICT);
	assert_string_equal(panel_error_last()->field, "if_match");
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.local WHERE nom='Lost'", db), 0);
	/* A member changes its own contact details, nothing else. */
	ch = (panel_account_spec)PANEL_ACCOUNT_SPEC_INIT;
	ch.mail = "carol@example.net";
	assert_panel_ok(panel_account_update(&c, p, &carol, "carol", &ch, NULL));
	assert_string_equal(c->mail, "carol@example.net");
	panel_account_free(c);
	ch = (panel_account_spec)PANEL_ACCOUNT_SPEC_INIT;
	ch.duration = 0;
	assert_panel_rc(panel_account_update(&c, p, &carol, "carol", &ch, NULL), PANEL_EFORBIDDEN);
	assert_string_equal(panel_error_last()->field, "duration");
	ch = (panel_account_spec)PANEL_ACCOUNT_SPEC_INIT;
	ch.admin = 1;
	assert_panel_rc(panel_account_update(&c, p, &carol, "carol", &ch, NULL), PANEL_EFORBIDDEN);
	assert_int_equal(number("SELECT su FROM `%s`.membres WHERE login='carol'", db), 0);
	/* Duration 0 clears the period, as AlternC's renew_update. */
	ch = (panel_account_spec)PANEL_ACCOUNT_SPEC_INIT;
	ch.duration = 0;
	assert_panel_ok(panel_account_update(&c, p, &super, "carol", &ch, NULL));
	assert_int_equal(c->duration, 0);
	assert_string_equal(c->renewed, "");
	panel_account_free(c);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE login='carol' AND renewed "
				"IS NULL AND duration IS NULL",
				db),
			 1);
	/* The audit has the before and after values of the update. */
	panel_audit_filter af = PANEL_AUDIT_FILTER_INIT;
	panel_audit_list *trail = NULL;
	af.object_kind = "account";
	af.object_id = "carol";
	assert_panel_ok(panel_audit_list_get(&trail, p, &super, &af));
	assert_true(trail->total >= 4);
	int found = 0;
	for (size_t i = 0; i < trail->count; i++) {
		if (strcmp(trail->items[i].action, "account.update") != 0)
			continue;
		json_t *before = json_loads(trail->items[i].before, 0, NULL);
		json_t *after = json_loads(trail->items[i].after, 0, NULL);
		if (before && after &&
		    strcmp(json_string_value(json_object_get(after, "nom")), "Ward") == 0 &&
		    strcmp(json_string_value(json_object_get(before, "nom")), "") == 0)
			found = 1;
		json_decref(before);
		json_decref(after);
	}
	assert_true(found);
	panel_audit_list_free(trail);
	/* Pages follow the cursor, newest first, without overlap; other cursors are refused. */
	char cursor[PANEL_CURSOR_MAX + 1];
	uint64_t newest;
	af.limit = 1;
	assert_panel_ok(panel_audit_list_get(&trail, p, &super, &af));
	assert_int_equal(trail->count, 1);
	assert_true(trail->next_cursor[0] != '\0');
	newest = trail->items[0].id;
	snprintf(cursor, sizeof(cursor), "%s", trail->next_cursor);
	panel_audit_list_free(trail);
	af.cursor = cursor;
	assert_panel_ok(panel_audit_list_get(&trail, p, &super, &af));
	assert_int_equal(trail->count, 1);
	assert_true(trail->items[0].id < newest);
	panel_audit_list_free(trail);
	af.cursor = "12abc";
	assert_panel_rc(panel_audit_list_get(&trail, p, &super, &af), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "cursor");
	/* Members do not read the audit. */
	assert_panel_rc(panel_audit_list_get(&trail, p, &carol, NULL), PANEL_EFORBIDDEN);
	panel_account_free(a);
	panel_account_free(b);
}

static void lock_renew_and_admin_rights(void **state)
{
	(void)state;
	uint32_t boss = make_account(&super, "boss", 1);
	panel_actor bossa = panel_actor_admin(boss);
	make_account(&bossa, "dave", 0);
	panel_account *a = NULL;

	assert_panel_ok(panel_account_lock(&a, p, &bossa, "dave", NULL));
	assert_false(a->enabled);
	panel_account_free(a);
	assert_panel_ok(panel_account_unlock(&a, p, &bossa, "dave", NULL));
	assert_true(a->enabled);
	char seen[sizeof(a->etag)];
	snprintf(seen, sizeof(seen), "%s", a->etag);
	panel_account_free(a);
	/* If-Match compared under the row's lock: the ETag the caller saw, or 409 conflict and
	 * nothing changed; locked since (the ETag changed), the unlock is refused. */
	assert_panel_ok(panel_account_lock(&a, p, &bossa, "dave", seen));
	panel_account_free(a);
	assert_panel_rc(panel_account_unlock(&a, p, &bossa, "dave", seen), PANEL_ECONFLICT);
	assert_string_equal(panel_error_last()->field, "if_match");
	assert_int_equal(number("SELECT enabled FROM `%s`.membres WHERE login='dave'", db), 0);
	assert_panel_rc(panel_account_renew(&a, p, &bossa, "dave", 1, seen), PANEL_ECONFLICT);
	/* The same for a deletion: the account stays. */
	assert_panel_rc(panel_account_delete_if_match(p, &bossa, "dave", seen), PANEL_ECONFLICT);
	assert_string_equal(panel_error_last()->field, "if_match");
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE login='dave'", db), 1);
	assert_panel_ok(panel_account_unlock(&a, p, &bossa, "dave", NULL));
	panel_account_free(a);
	/* Not oneself, not the super admin, not as a member. */
	assert_panel_rc(panel_account_lock(&a, p, &bossa, "boss", NULL), PANEL_ECONFLICT);
	assert_panel_rc(panel_account_lock(&a, p, &super, "admin", NULL), PANEL_ECONFLICT);
	panel_actor dave = panel_actor_member((uint32_t)number("SELECT uid FROM `%s`.membres "
							       "WHERE login='dave'",
							       db));
	assert_panel_rc(panel_account_lock(&a, p, &dave, "dave", NULL), PANEL_EFORBIDDEN);

	/* Renewal needs a duration; then adds periods x duration months. */
	assert_panel_rc(panel_account_renew(&a, p, &bossa, "dave", 1, NULL), PANEL_EINVALID);
	sql("UPDATE membres SET duration = 12, renewed = '2020-01-15 10:00:00' WHERE login='dave'");
	assert_panel_ok(panel_account_renew(&a, p, &bossa, "dave", 2, NULL));
	assert_string_equal(a->renewed, "2022-01-15 10:00:00");
	assert_string_equal(a->expiry, "2023-01-15 10:00:00");
	assert_true(a->expired);
	panel_account_free(a);
	/* Expiring accounts are listed, the others not. */
	panel_account_filter f = PANEL_ACCOUNT_FILTER_INIT;
	panel_account_list *l;
	f.expiring_days = 30;
	assert_panel_ok(panel_account_list_get(&l, p, &bossa, &f));
	assert_int_equal(l->total, 1);
	assert_string_equal(l->items[0].login, "dave");
	panel_account_list_free(l);
	assert_panel_rc(panel_account_renew(&a, p, &bossa, "dave", 0, NULL), PANEL_EINVALID);

	/* Admin rights. */
	assert_panel_ok(panel_account_set_admin(&a, p, &bossa, "dave", 1));
	assert_true(a->admin);
	panel_account_free(a);
	assert_panel_rc(panel_account_set_admin(&a, p, &bossa, "dave", 1), PANEL_ECONFLICT);
	assert_panel_ok(panel_account_set_admin(&a, p, &bossa, "dave", 0));
	panel_account_free(a);
	assert_panel_rc(panel_account_set_admin(&a, p, &bossa, "boss", 0), PANEL_ECONFLICT);
	assert_panel_rc(panel_account_set_admin(&a, p, &super, "admin", 0), PANEL_ECONFLICT);
	assert_int_equal(number("SELECT su FROM `%s`.membres WHERE uid=2000", db), 1);
}

/* A change locks the account's row as it finds it; a member's lookup of another account finds
 * nothing, so it neither waits behind nor holds that row: with the row of "gina" locked by an
 * open transaction, a member's change of it is refused at once as unknown (a wait would end in
 * a lock timeout instead, and tell the member that the login exists). */
static void member_change_of_another_account_locks_nothing(void **state)
{
	(void)state;
	uint32_t fay = make_account(&super, "fay", 0);
	make_account(&super, "gina", 0);
	panel_actor member = panel_actor_member(fay);
	panel_account_spec ch = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	MYSQL *holder = th_connect(cluster, 0, db);

	assert_non_null(holder);
	assert_int_equal(mysql_query(holder, "BEGIN"), 0);
	assert_int_equal(
	    mysql_query(holder, "SELECT uid FROM membres WHERE login = 'gina' FOR UPDATE"), 0);
	mysql_free_result(mysql_store_result(holder));
	ch.mail = "fay@example.org";
	int rc = panel_account_update(&a, p, &member, "gina", &ch, NULL);
	/* The holder goes before any assertion: a failed one must not leave its transaction
	 * open (the teardown's DROP DATABASE would wait for it). */
	mysql_close(holder);
	if (rc != PANEL_ENOTFOUND)
		fail_msg("a member's change of another account: %d (%s), not PANEL_ENOTFOUND", rc,
			 panel_error_last()->message);
	assert_string_equal(panel_error_last()->field, "login");
	/* Its own row: found and changed as before. */
	assert_panel_ok(panel_account_update(&a, p, &member, "fay", &ch, NULL));
	assert_string_equal(a->mail, "fay@example.org");
	panel_account_free(a);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.membres WHERE mail = 'fay@example.org'", db), 1);
}

static const char *stored_hash(const char *login)
{
	static char hash[PANEL_HASH_MAX];
	MYSQL *m = th_connect(cluster, 0, db);
	char q[128];

	assert_non_null(m);
	snprintf(q, sizeof(q), "SELECT pass FROM membres WHERE login='%s'", login);
	assert_int_equal(mysql_query(m, q), 0);
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = mysql_fetch_row(res);
	snprintf(hash, sizeof(hash), "%s", row && row[0] ? row[0] : "");
	mysql_free_result(res);
	mysql_close(m);
	return hash;
}

static void password_changes(void **state)
{
	(void)state;
	uint32_t uid = make_account(&super, "erin", 0);
	panel_actor erin = panel_actor_member(uid);
	panel_policy pol = {.name = "mem", .minsize = 10, .maxsize = 64, .classcount = 3};

	assert_panel_rc(panel_account_password(p, &erin, "erin", "wrong", "Brand-New-Pass-1"),
			PANEL_EAUTH);
	assert_string_equal(panel_error_last()->field, "old_password");
	assert_panel_rc(panel_account_password(p, &erin, "erin", NULL, "Brand-New-Pass-1"),
			PANEL_EINVALID);
	assert_panel_ok(
	    panel_account_password(p, &erin, "erin", "Correct-Horse-9", "Brand-New-Pass-1"));
	assert_panel_ok(panel_password_verify(stored_hash("erin"), "Brand-New-Pass-1", NULL));

	/* The policy applies. */
	assert_panel_ok(panel_policy_set(p, &super, &pol));
	assert_panel_rc(panel_account_password(p, &erin, "erin", "Brand-New-Pass-1", "short1A!"),
			PANEL_EINVALID);
	assert_non_null(strstr(panel_error_last()->message, "at least 10"));
	assert_panel_rc(
	    panel_account_password(p, &erin, "erin", "Brand-New-Pass-1", "alllowercase"),
	    PANEL_EINVALID);
	assert_panel_rc(
	    panel_account_password(p, &erin, "erin", "Brand-New-Pass-1", "Erin-erin-99x"),
	    PANEL_EINVALID); /* contains the login */
	pol.minsize = 0;
	pol.classcount = 0;
	assert_panel_ok(panel_policy_set(p, &super, &pol));

	/* An admin resets without the old one; canpass = 0 stops the member. */
	assert_panel_ok(panel_account_password(p, &super, "erin", NULL, "Admin-Reset-77"));
	assert_panel_ok(panel_password_verify(stored_hash("erin"), "Admin-Reset-77", NULL));
	panel_account_spec ch = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a;
	ch.canpass = 0;
	assert_panel_ok(panel_account_update(&a, p, &super, "erin", &ch, NULL));
	panel_account_free(a);
	assert_panel_rc(panel_account_password(p, &erin, "erin", "Admin-Reset-77", "Another-One-8"),
			PANEL_EFORBIDDEN);
	/* Another member's password: it does not exist for erin. */
	make_account(&super, "frank", 0);
	assert_panel_rc(panel_account_password(p, &erin, "frank", "Correct-Horse-9", "Hack-3d-It"),
			PANEL_ENOTFOUND);
	assert_panel_ok(panel_password_verify(stored_hash("frank"), "Correct-Horse-9", NULL));
	/* No password reaches the audit trail. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE after_data LIKE "
		   "'%%Brand-New%%' OR after_data LIKE '%%Admin-Reset%%' OR after_data "
		   "LIKE '%%argon2%%' OR before_data LIKE '%%argon2%%'",
		   db),
	    0);
}

/* ---------------------------------------------------------------- delete */

static void delete_removes_everything_owned(void **state)
{
	(void)state;
	uint32_t boss = make_account(&super, "gboss", 1);
	panel_actor bossa = panel_actor_admin(boss);
	uint32_t uid = make_account(&bossa, "grace", 0);
	panel_actor grace = panel_actor_member(uid);

	make_account(&super, "helper", 0);
	sql("UPDATE membres SET creator = %u WHERE login = 'helper'", uid);
	sql("INSERT INTO domaines (compte, domaine, gesdns, gesmx) VALUES (%u, 'grace.example', 1, "
	    "1);"
	    "INSERT INTO sub_domaines (compte, domaine, sub, valeur, type) VALUES (%u, "
	    "'grace.example', 'www', '/www', 'vhost');"
	    "INSERT INTO mail_domain (mail, alias, uid, pop, type) VALUES ('g@grace.example', "
	    "'g_grace.example', %u, 1, 0);"
	    "INSERT INTO mail_users (uid, alias, path, password) VALUES (%u, 'g_grace.example', "
	    "'/var/alternc/mail/g/g_grace.example', 'x'), (%u, 'g@grace.example', "
	    "'/var/alternc/mail/g/g_grace.example', 'x');"
	    "INSERT INTO mail_alias (mail, alias) VALUES ('g_grace.example', "
	    "'/var/alternc/mail/g/g_grace.example/Maildir/');"
	    "INSERT INTO ftpusers (name, password, encrypted_password, homedir, uid) VALUES "
	    "('grace', '', 'xx', '/var/alternc/html/g/grace', %u);"
	    "INSERT INTO sessions (sid, uid, ip) VALUES ('0123456789abcdef0123456789abcdef', %u, "
	    "'')",
	    uid, uid, uid, uid, uid, uid, uid);

	assert_panel_rc(panel_account_delete(p, &grace, "grace"), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_account_delete(p, &bossa, "gboss"), PANEL_ECONFLICT);
	assert_panel_rc(panel_account_delete(p, &super, "admin"), PANEL_ECONFLICT);

	/* Real databases and users on the member server: they go with the account. */
	panel_database *gdb;
	panel_dbuser *gu;
	sql("UPDATE quotas SET total = 5 WHERE uid = %u AND name IN ('mysql', 'mysql_users')", uid);
	assert_panel_ok(panel_database_create(&gdb, p, &bossa, "grace", "shop"));
	panel_database_free(gdb);
	assert_panel_ok(panel_dbuser_create(&gu, p, &bossa, "grace", "app", "Db-User-Pass-1"));
	panel_dbuser_free(gu);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='grace_shop'"),
			 1);
	assert_panel_ok(panel_account_delete(p, &bossa, "grace"));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.local WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.quotas WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_domain WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_users WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.mail_alias WHERE mail="
				"'g_grace.example'",
				db),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.ftpusers WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sessions WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='grace_shop'"),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User='grace_app'"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE uid=%u", db, uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.dbusers WHERE uid=%u", db, uid), 0);
	/* Domains stay for the cron side, marked. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE compte=%u AND "
				"dns_action='DELETE'",
				db, uid),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE compte=%u AND "
				"web_action='DELETE'",
				db, uid),
			 1);
	/* Files go through the cron side. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE uid=%u AND action IN "
		   "('mem_del', 'mail_del')",
		   db, uid),
	    2);
	/* What it created goes to the super admin. */
	assert_int_equal(number("SELECT creator FROM `%s`.membres WHERE login='helper'", db), 2000);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE action="
				"'account.delete' AND object_id='grace' AND after_data IS NULL AND "
				"before_data LIKE '%%grace@example.org%%'",
				db),
			 1);
	panel_account *a;
	assert_panel_rc(panel_account_get(&a, p, &super, "grace"), PANEL_ENOTFOUND);
}

/* ---------------------------------------------------------------- quotas */

static void quotas_count_real_rows(void **state)
{
	(void)state;
	uint32_t uid = make_account(&super, "ivan", 0);
	panel_actor ivan = panel_actor_member(uid);
	panel_quota_list *ql = NULL;
	panel_quota q;

	sql("INSERT INTO domaines (compte, domaine) VALUES (%u, 'ivan1.example'), (%u, "
	    "'ivan2.example');"
	    "INSERT INTO ftpusers (name, homedir, uid) VALUES ('ivan', '/x', %u);"
	    "INSERT INTO size_web (uid, size) VALUES (%u, 12345)",
	    uid, uid, uid, uid);
	assert_panel_ok(panel_quota_list_get(&ql, p, &ivan, "ivan"));
	assert_int_equal(ql->count, 7);
	for (size_t i = 0; i < ql->count; i++) {
		if (strcmp(ql->items[i].name, "dom") == 0)
			assert_int_equal(ql->items[i].used, 2);
		if (strcmp(ql->items[i].name, "ftp") == 0)
			assert_int_equal(ql->items[i].used, 1);
		if (strcmp(ql->items[i].name, "web") == 0)
			assert_int_equal(ql->items[i].used, 12345);
		if (strcmp(ql->items[i].name, "mail") == 0)
			assert_int_equal(ql->items[i].used, 0);
	}
	panel_quota_list_free(ql);

	assert_panel_rc(panel_quota_set(&q, p, &ivan, "ivan", "dom", 50), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_quota_set(&q, p, &super, "ivan", "dom", 5));
	assert_int_equal(q.total, 5);
	assert_int_equal(q.used, 2);
	assert_panel_ok(panel_quota_get(&q, p, &ivan, "ivan", "dom"));
	assert_int_equal(q.total, 5);
	assert_panel_rc(panel_quota_get(&q, p, &ivan, "ivan", "bogus"), PANEL_EINVALID);
	assert_panel_rc(panel_quota_get(&q, p, &ivan, "admin", "dom"), PANEL_ENOTFOUND);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE action='quota.set' AND "
		   "object_id='ivan/dom'",
		   db),
	    1);

	/* Defaults per account type, used by new accounts of that type. */
	assert_panel_ok(panel_quota_default_set(p, &super, "premium", "dom", 20));
	assert_panel_rc(panel_quota_default_set(p, &ivan, "premium", "dom", 99), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_quota_default_set(p, &super, "premium", "nope", 1), PANEL_EINVALID);
	panel_quota_default_list *dl = NULL;
	assert_panel_ok(panel_quota_defaults_get(&dl, p, &super, "premium"));
	assert_int_equal(dl->count, 1);
	assert_string_equal(dl->items[0].name, "dom");
	assert_int_equal(dl->items[0].value, 20);
	panel_quota_default_list_free(dl);
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a;
	spec.login = "judy";
	spec.password = "Premium-Pass-1";
	spec.mail = "judy@example.org";
	spec.type = "premium";
	assert_panel_ok(panel_account_create(&a, p, &super, &spec));
	assert_int_equal(
	    number("SELECT total FROM `%s`.quotas WHERE uid=%u AND name='dom'", db, a->uid), 20);
	assert_int_equal(
	    number("SELECT total FROM `%s`.quotas WHERE uid=%u AND name='mail'", db, a->uid), 0);
	panel_account_free(a);
}

/* Creations racing for the last slots: each thread inserts a domain after the quota check, in
 * one transaction, on its own connection. */
struct racer {
	uint32_t uid;
	int index;
	int rc;
};

struct race_body_ctx {
	uint32_t uid;
	int index;
};

static int race_body(panel_db *dbh, void *arg)
{
	struct race_body_ctx *ctx = arg;
	char name[64];
	int error;

	if ((error = panel__quota_reserve(dbh, ctx->uid, "dom")) < 0)
		return error;
	snprintf(name, sizeof(name), "race%d.example", ctx->index);
	return panel__db_exec(NULL, dbh, "INSERT INTO domaines (compte, domaine) VALUES (?, ?)",
			      DB_ARGS(DB_U64(ctx->uid), DB_STR(name)));
}

static void *race(void *arg)
{
	struct racer *r = arg;
	panel *own = ts_panel_open(cluster, db);
	struct race_body_ctx ctx = {r->uid, r->index};

	r->rc = panel__db_transaction(own->db, race_body, &ctx);
	panel_close(own);
	return NULL;
}

static void concurrent_creations_respect_the_quota(void **state)
{
	(void)state;
	uint32_t uid = make_account(&super, "racer", 0);
	panel_quota q;
	enum { THREADS = 8 };
	pthread_t t[THREADS];
	struct racer r[THREADS];
	int ok = 0, refused = 0;

	assert_panel_ok(panel_quota_set(&q, p, &super, "racer", "dom", 3));
	sql("INSERT INTO domaines (compte, domaine) VALUES (%u, 'already.example')", uid);
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct racer){.uid = uid, .index = i};
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		if (r[i].rc == 0)
			ok++;
		else if (r[i].rc == PANEL_EQUOTA)
			refused++;
	}
	/* Exactly the two free slots were taken. */
	assert_int_equal(ok, 2);
	assert_int_equal(refused, THREADS - 2);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines WHERE compte=%u", db, uid), 3);
}

/* ---------------------------------------------------------------- policies */

static void policies(void **state)
{
	(void)state;
	panel_policy_list *list;
	uint32_t uid = make_account(&super, "kate", 0);
	panel_actor kate = panel_actor_member(uid);

	assert_panel_ok(panel_policy_list_get(&list, p, &kate));
	assert_int_equal(list->count, 5);
	assert_int_equal(list->total, 5);
	assert_string_equal(list->items[0].name, "mem");
	assert_string_equal(list->items[4].name, "hta");
	panel_policy_list_free(list);
	panel_policy bad = {.name = "pop", .minsize = 10, .maxsize = 5};
	assert_panel_rc(panel_policy_set(p, &super, &bad), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "maxsize");
	bad = (panel_policy){.name = "nope", .maxsize = 5};
	assert_panel_rc(panel_policy_set(p, &super, &bad), PANEL_EINVALID);
	panel_policy pop = {.name = "pop", .minsize = 6, .maxsize = 20, .classcount = 2};
	assert_panel_rc(panel_policy_set(p, &kate, &pop), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_policy_set(p, &super, &pop));
	assert_panel_rc(panel_policy_check(p, "pop", "john@example.org", "abc"), PANEL_EINVALID);
	assert_panel_rc(panel_policy_check(p, "pop", "john@example.org", "abcdefgh"),
			PANEL_EINVALID); /* one class only */
	assert_panel_ok(panel_policy_check(p, "pop", "john@example.org", "abcd1234"));
	assert_panel_rc(panel_policy_check(p, "pop", "john@example.org", "xjohn1234"),
			PANEL_EINVALID); /* a part of the login */
	assert_panel_rc(panel_policy_check(p, "pop", "john@example.org", "example.org1"),
			PANEL_EINVALID);
	assert_panel_ok(panel_policy_check(p, "pop", "john@example.org", "éééé1234"));
	assert_panel_rc(panel_policy_check(p, "pop", "j@x.org", "123456789012345678901"),
			PANEL_EINVALID); /* too long */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_applies_alternc_rules),
	    cmocka_unit_test(create_refusals),
	    cmocka_unit_test(names_and_notes_are_utf8_text),
	    cmocka_unit_test(who_sees_what),
	    cmocka_unit_test(list_pages_with_a_cursor),
	    cmocka_unit_test(update_with_etag_and_audit),
	    cmocka_unit_test(lock_renew_and_admin_rights),
	    cmocka_unit_test(password_changes),
	    cmocka_unit_test(delete_removes_everything_owned),
	    cmocka_unit_test(quotas_count_real_rows),
	    cmocka_unit_test(member_change_of_another_account_locks_nothing),
	    cmocka_unit_test(concurrent_creations_respect_the_quota),
	    cmocka_unit_test(policies),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
