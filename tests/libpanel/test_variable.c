/* Tests of the global settings (AlternC's variable table) against a real MariaDB: who reads and
 * who changes them, the kinds of the known names, free text, comments, deletion, the audit, and
 * subadmin_restriction's effect on what a sub-admin sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor sys, super, subb, subc, member, subb_as_member;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

static uint32_t admin_account(const char *login)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	char mail[64];

	snprintf(mail, sizeof(mail), "%s@example.org", login);
	spec.login = login;
	spec.password = "Correct-Horse-9";
	spec.mail = mail;
	spec.admin = 1;
	assert_panel_ok(panel_account_create(&a, p, &super, &spec));
	uint32_t uid = a->uid;
	panel_account_free(a);
	return uid;
}

static int setup(void **state)
{
	(void)state;
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "variables", NULL) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	subb = panel_actor_admin(admin_account("subb"));
	subc = panel_actor_admin(admin_account("subc"));
	uint32_t m = ts_member(p, &subb, "membb");
	member = panel_actor_member(m);
	subb_as_member = panel_actor_admin_as(subb.uid, m);
	ts_member(p, &subc, "membc");
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

/* The kind of the listed setting name; -1 when it is not listed. */
static int kind_in(const panel_variable_list *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return (int)l->items[i].kind;
	return -1;
}

/* AlternC's four settings are seeded by the schema; admins read them, with their kinds. */
static void test_read(void **state)
{
	panel_variable_list *list = NULL;
	panel_variable *v = NULL;

	(void)state;
	assert_panel_ok(panel_variable_list_get(&list, p, &subb));
	assert_int_equal(list->count, 4);
	assert_int_equal(list->total, 4);
	assert_string_equal(list->next_cursor, "");
	assert_string_equal(list->items[0].name, "hosting_tld"); /* ordered by name */
	assert_int_equal(kind_in(list, "subadmin_restriction"), PANEL_VARIABLE_FLAG);
	assert_int_equal(kind_in(list, "hosting_tld"), PANEL_VARIABLE_DOMAIN);
	assert_int_equal(kind_in(list, "new_email"), PANEL_VARIABLE_MAIL);
	assert_int_equal(kind_in(list, "rss_feed"), PANEL_VARIABLE_URL);
	assert_non_null(list->items[2].comment); /* new_email */
	panel_variable_list_free(list);

	assert_panel_ok(panel_variable_get(&v, p, &sys, "subadmin_restriction"));
	assert_string_equal(v->value, "");
	json_t *j = panel_variable_to_json(v);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "flag");
	json_decref(j);
	panel_variable_free(v);

	/* Members, and admins acting as members, read nothing. */
	assert_panel_rc(panel_variable_list_get(&list, p, &member), PANEL_EFORBIDDEN);
	assert_null(list);
	assert_panel_rc(panel_variable_get(&v, p, &member, "hosting_tld"), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_variable_get(&v, p, &subb_as_member, "hosting_tld"),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_variable_get(&v, p, &super, "nosuchsetting"), PANEL_ENOTFOUND);
	assert_string_equal(panel_error_last()->field, "name");
	assert_panel_rc(panel_variable_get(&v, p, &super, "bad name"), PANEL_EINVALID);
	assert_null(v);
}

/* Only the system and the super admin change settings, even when subadmin_restriction lets
 * sub-admins manage other global tables. */
static void test_who_writes(void **state)
{
	panel_variable *v = NULL;

	(void)state;
	assert_panel_rc(panel_variable_set(&v, p, &subb, "subadmin_restriction", "1", NULL),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_variable_set(NULL, p, &member, "new_email", "0", NULL),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_variable_set(NULL, p, &subb_as_member, "new_email", "0", NULL),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_variable_delete(p, &subb, "rss_feed"), PANEL_EFORBIDDEN);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.variable WHERE name = 'subadmin_restriction'"
		   " AND value = ''",
		   db),
	    1);

	/* subadmin_restriction = 1 is what the sub-admin wanted: it now sees subc's member. */
	panel_account *a = NULL;
	assert_panel_rc(panel_account_get(&a, p, &subb, "membc"), PANEL_ENOTFOUND);
	assert_panel_ok(panel_variable_set(&v, p, &super, "subadmin_restriction", "1", NULL));
	assert_string_equal(v->value, "1");
	panel_variable_free(v);
	assert_panel_ok(panel_account_get(&a, p, &subb, "membc"));
	panel_account_free(a);
	/* ...and still may not change a setting (nor turn the restriction back). */
	assert_panel_rc(panel_variable_set(NULL, p, &subb, "subadmin_restriction", "0", NULL),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_variable_set(NULL, p, &subc, "new_email", "x@example.org", NULL),
			PANEL_EFORBIDDEN);
	assert_panel_ok(panel_variable_set(NULL, p, &sys, "subadmin_restriction", "0", NULL));
	assert_panel_rc(panel_account_get(&a, p, &subb, "membc"), PANEL_ENOTFOUND);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action = 'setting.set'"
				" AND object_id = 'subadmin_restriction'",
				db),
			 2);
}

/* Values of the known names are checked against their kind. */
static void test_kinds(void **state)
{
	static const char *const refused[][2] = {
	    {"subadmin_restriction", "2"},   {"subadmin_restriction", "yes"},
	    {"hosting_tld", "not a domain"}, {"hosting_tld", "localhost"},
	    {"new_email", "nobody"},	     {"new_email", "a@b"},
	    {"rss_feed", "javascript:x()"},  {"rss_feed", "http://"},
	    {"rss_feed", "http://a b"},
	};
	panel_variable *v = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_panel_rc(
		    panel_variable_set(&v, p, &super, refused[i][0], refused[i][1], NULL),
		    PANEL_EINVALID);
		assert_string_equal(panel_error_last()->field, "value");
		assert_null(v);
	}
	assert_panel_ok(
	    panel_variable_set(&v, p, &super, "hosting_tld", "Members.Example.ORG", NULL));
	assert_string_equal(v->value, "members.example.org");
	panel_variable_free(v);
	assert_panel_ok(panel_variable_set(NULL, p, &super, "hosting_tld", "0", NULL));
	assert_panel_ok(panel_variable_set(NULL, p, &super, "new_email", "ops@example.org", NULL));
	assert_panel_ok(
	    panel_variable_set(NULL, p, &super, "rss_feed", "https://example.org/f?a=1", NULL));
	assert_panel_ok(panel_variable_set(NULL, p, &super, "subadmin_restriction", "", NULL));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.variable WHERE name = 'new_email' AND"
				" value = 'ops@example.org'",
				db),
			 1);
}

/* Other names take free text (a PHP-serialized array may span lines), comments are kept unless
 * given, and deletion removes the row. */
static void test_free_text(void **state)
{
	panel_variable *v = NULL;
	char long_name[64];

	(void)state;
	assert_panel_ok(panel_variable_set(&v, p, &super, "plugin.opt-1", "a:1:{i:0;s:1:\"x\";}\nb",
					   "a plugin's option"));
	assert_int_equal(v->kind, PANEL_VARIABLE_TEXT);
	assert_string_equal(v->value, "a:1:{i:0;s:1:\"x\";}\nb");
	assert_string_equal(v->comment, "a plugin's option");
	panel_variable_free(v);
	assert_panel_ok(panel_variable_set(&v, p, &sys, "plugin.opt-1", "", NULL));
	assert_string_equal(v->value, "");
	assert_string_equal(v->comment, "a plugin's option"); /* kept */
	panel_variable_free(v);
	assert_panel_ok(panel_variable_set(&v, p, &sys, "plugin.nocomment", "x", NULL));
	assert_null(v->comment); /* AlternC's admin page hides it */
	panel_variable_free(v);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.variable WHERE name = 'plugin.nocomment'"
				" AND comment IS NULL",
				db),
			 1);

	assert_panel_rc(panel_variable_set(NULL, p, &super, "plugin.x", "esc\x1b[2J", NULL),
			PANEL_EINVALID);
	assert_panel_rc(panel_variable_set(NULL, p, &super, "plugin.x", "\xff\xfe", NULL),
			PANEL_EINVALID);
	assert_panel_rc(panel_variable_set(NULL, p, &super, "plugin.x", NULL, NULL),
			PANEL_EINVALID);
	assert_panel_rc(panel_variable_set(NULL, p, &super, "plugin x", "1", NULL), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "name");
	assert_panel_rc(panel_variable_set(NULL, p, &super, "", "1", NULL), PANEL_EINVALID);
	memset(long_name, 'a', 49);
	long_name[49] = '\0';
	assert_panel_rc(panel_variable_set(NULL, p, &super, long_name, "1", NULL), PANEL_EINVALID);
	long_name[48] = '\0';
	assert_panel_ok(panel_variable_set(NULL, p, &super, long_name, "1", NULL));
	char *big = malloc(PANEL_VARIABLE_VALUE_MAX + 2);
	assert_non_null(big);
	memset(big, 'v', PANEL_VARIABLE_VALUE_MAX + 1);
	big[PANEL_VARIABLE_VALUE_MAX + 1] = '\0';
	assert_panel_rc(panel_variable_set(NULL, p, &super, "plugin.big", big, NULL),
			PANEL_EINVALID);
	free(big);

	assert_panel_ok(panel_variable_delete(p, &super, "plugin.opt-1"));
	assert_panel_rc(panel_variable_get(&v, p, &super, "plugin.opt-1"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_variable_delete(p, &super, "plugin.opt-1"), PANEL_ENOTFOUND);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.panel_audit WHERE action IN"
		   " ('setting.create', 'setting.delete') AND object_id = 'plugin.opt-1'",
		   db),
	    2);
	/* A known setting deleted reads as its default: "" restricts sub-admins again. */
	assert_panel_ok(panel_variable_delete(p, &sys, "subadmin_restriction"));
	panel_account *a = NULL;
	assert_panel_rc(panel_account_get(&a, p, &subb, "membc"), PANEL_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read),
	    cmocka_unit_test(test_who_writes),
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_free_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
