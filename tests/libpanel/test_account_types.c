/* Tests of account types and creators against a real MariaDB: deleting a type (refused while
 * accounts have it), resetting an account's quotas to its type's defaults, and the list of the
 * admins with the number of accounts each created. */
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
static panel_actor sys, super, subb, subc, member;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

/* An account created by who (an admin when admin, of type type when not NULL); its uid. */
static uint32_t account(const panel_actor *who, const char *login, int admin, const char *type)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	char mail[64];

	snprintf(mail, sizeof(mail), "%s@example.org", login);
	spec.login = login;
	spec.password = "Correct-Horse-9";
	spec.mail = mail;
	spec.admin = admin;
	spec.type = type;
	assert_panel_ok(panel_account_create(&a, p, who, &spec));
	uint32_t uid = a->uid;
	panel_account_free(a);
	return uid;
}

static int setup(void **state)
{
	(void)state;
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "acctypes", NULL) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	subb = panel_actor_admin(account(&super, "subb", 1, NULL));
	subc = panel_actor_admin(account(&super, "subc", 1, NULL));
	member = panel_actor_member(account(&subb, "memb1", 0, NULL));
	account(&subb, "memb2", 0, NULL);
	account(&subc, "memc1", 0, NULL);
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

/* The item of login, or one with an empty login when it is not listed. */
static panel_creator creator(const panel_creator_list *l, const char *login)
{
	panel_creator none = {0};

	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i].login, login) == 0)
			return l->items[i];
	return none;
}

static void test_creators(void **state)
{
	panel_creator_list *list = NULL;
	panel_creator c;

	(void)state;
	/* subc, demoted, keeps its accounts: still a creator, no longer an admin. */
	panel_account *a = NULL;
	assert_panel_ok(panel_account_set_admin(&a, p, &super, "subc", 0));
	panel_account_free(a);
	assert_panel_ok(panel_creator_list_get(&list, p, &super));
	assert_int_equal(list->count, 3); /* admin, subb, subc; no member */
	assert_int_equal(list->total, 3);
	assert_string_equal(list->items[0].login, "admin"); /* ordered by login */
	c = creator(list, "admin");
	assert_int_equal(c.uid, 2000);
	assert_int_equal(c.members, 2); /* subb, subc */
	assert_true(c.admin && c.enabled);
	c = creator(list, "subb");
	assert_int_equal(c.members, 2);
	assert_true(c.admin);
	c = creator(list, "subc");
	assert_int_equal(c.members, 1);
	assert_false(c.admin);
	assert_string_equal(creator(list, "memb1").login, "");
	panel_creator_list_free(list);
	assert_panel_ok(panel_account_set_admin(&a, p, &super, "subc", 1));
	panel_account_free(a);
	assert_panel_ok(panel_creator_list_get(&list, p, &sys));
	panel_creator_list_free(list);

	/* The list names the other admins and their customer counts: the super admin's only. */
	assert_panel_rc(panel_creator_list_get(&list, p, &subb), PANEL_EFORBIDDEN);
	assert_null(list);
	assert_panel_rc(panel_creator_list_get(&list, p, &member), PANEL_EFORBIDDEN);
	panel_actor super_as = panel_actor_admin_as(2000, member.uid);
	assert_panel_rc(panel_creator_list_get(&list, p, &super_as), PANEL_EFORBIDDEN);
	sql("UPDATE variable SET value = '1' WHERE name = 'subadmin_restriction'");
	assert_panel_rc(panel_creator_list_get(&list, p, &subb), PANEL_EFORBIDDEN);
	sql("UPDATE variable SET value = '' WHERE name = 'subadmin_restriction'");
}

static void test_reset(void **state)
{
	panel_quota_list *list = NULL;
	panel_quota q;

	(void)state;
	assert_panel_ok(panel_quota_default_set(p, &super, "gold", "dom", 7));
	assert_panel_ok(panel_quota_default_set(p, &super, "gold", "web", 1000));
	account(&subb, "goldie", 0, "gold");
	assert_panel_ok(panel_quota_set(&q, p, &subb, "goldie", "dom", 99));
	assert_panel_ok(panel_quota_set(&q, p, &subb, "goldie", "web", 5));
	assert_panel_ok(panel_quota_set(&q, p, &subb, "goldie", "mail", 42));
	long long queued = number("SELECT COUNT(*) FROM %s.panel_actions WHERE action ="
				  " 'quota_edit' AND login = 'goldie'",
				  db);

	assert_panel_ok(panel_quota_reset(&list, p, &subb, "goldie"));
	assert_int_equal(list->count, 7);
	for (size_t i = 0; i < list->count; i++) {
		const panel_quota *x = &list->items[i];
		uint64_t want = strcmp(x->name, "dom") == 0   ? 7
				: strcmp(x->name, "web") == 0 ? 1000
							      : 0;
		assert_int_equal(x->total, want); /* mail: gold has no default, so 0 */
	}
	panel_quota_list_free(list);
	/* The disk quota follows the new web limit (1000 KB at creation, 5, 1000 again). */
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_actions WHERE action = 'quota_edit'"
				" AND login = 'goldie' AND JSON_VALUE(args, '$.kb') = 1000",
				db),
			 2);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_actions WHERE action ="
				" 'quota_edit' AND login = 'goldie'",
				db),
			 queued + 1);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.panel_audit WHERE action = 'quota.reset'"
		   " AND object_id = 'goldie' AND JSON_VALUE(before_data, '$.dom') = 99"
		   " AND JSON_VALUE(after_data, '$.dom') = 7",
		   db),
	    1);
	/* Unchanged web limit: nothing more queued. */
	assert_panel_ok(panel_quota_reset(NULL, p, &super, "goldie"));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_actions WHERE action ="
				" 'quota_edit' AND login = 'goldie'",
				db),
			 queued + 1);

	/* Who may: the admins who manage the account. */
	assert_panel_rc(panel_quota_reset(&list, p, &subc, "goldie"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_quota_reset(&list, p, &member, "memb1"), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_quota_reset(&list, p, &member, "goldie"), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_quota_reset(&list, p, &super, "nobody"), PANEL_ENOTFOUND);
	assert_null(list);
}

static void test_type_delete(void **state)
{
	panel_account_spec change = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;

	(void)state;
	assert_panel_ok(panel_quota_default_set(p, &super, "silver", "dom", 3));
	account(&subb, "silvie", 0, "silver");
	assert_panel_rc(panel_quota_type_delete(p, &super, "silver"), PANEL_ECONFLICT);
	assert_string_equal(panel_error_last()->field, "type");
	assert_int_equal(number("SELECT COUNT(*) FROM %s.defquotas WHERE type = 'silver'", db), 1);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.membres WHERE type = 'silver'", db), 1);

	/* Not for members, admins acting as one, nor sub-admins without subadmin_restriction. */
	assert_panel_rc(panel_quota_type_delete(p, &member, "silver"), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_quota_type_delete(p, &subb, "silver"), PANEL_EFORBIDDEN);
	panel_actor subb_as = panel_actor_admin_as(subb.uid, member.uid);
	assert_panel_rc(panel_quota_type_delete(p, &subb_as, "silver"), PANEL_EFORBIDDEN);

	change.type = "default";
	assert_panel_ok(panel_account_update(&a, p, &subb, "silvie", &change, NULL));
	panel_account_free(a);
	assert_panel_ok(panel_quota_type_delete(p, &super, "silver"));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.defquotas WHERE type = 'silver'", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action ="
				" 'quota.type_delete' AND object_id = 'silver'",
				db),
			 1);
	assert_panel_rc(panel_quota_type_delete(p, &super, "silver"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_quota_type_delete(p, &super, "default"), PANEL_EINVALID);
	assert_panel_rc(panel_quota_type_delete(p, &super, ""), PANEL_EINVALID);
	assert_panel_rc(panel_quota_type_delete(p, &super, "bad\ntype"), PANEL_EINVALID);
	/* The type is gone: no new account gets it. */
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	spec.login = "late";
	spec.password = "Correct-Horse-9";
	spec.mail = "late@example.org";
	spec.type = "silver";
	assert_panel_rc(panel_account_create(&a, p, &super, &spec), PANEL_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_creators),
	    cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_type_delete),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
