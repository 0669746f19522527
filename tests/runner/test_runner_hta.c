/* Protected folders (AlternC 1.0's m_hta) from the library to the files Apache reads: folders
 * and users kept by libpanel, .htaccess and .htpasswd written by the runner's hta_write and
 * checked with htpasswd -v (apache2-utils) as Apache checks them; their limits (eight additions
 * at once for the last place: one passes); the member's own
 * .htaccess lines kept, 1.0's lines replaced; and a hostile member's links, FIFOs and hard links on
 * the way never followed, opened or copied. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-hta-XXXXXX", outside[] = "/tmp/panel-htaout-XXXXXX";
static panel *p;
static panel_actor sys, super, alice, bob;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

static const char *const settings[] = {"hosting", "root", root, NULL};

static void run(void)
{
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;

	opts.purge = 0;
	opts.usage = 0;
	assert_panel_ok(panel_actions_run(&r, p, &sys, &opts));
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root) || !mkdtemp(outside) ||
	    ts_panel_fixture(&p, &cluster, db, sizeof(db), "hta", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = panel_actor_member(ts_member(p, &super, "htalice"));
	bob = panel_actor_member(ts_member(p, &super, "htbob"));
	run(); /* their web roots */
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];

	(void)state;
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- helpers */

static void path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/html/h/htalice%s", root, rel);
}

/* The content of a file (at most 64 KiB), "" when absent. */
static char *slurp(const char *file)
{
	static char buf[65536];
	FILE *f = fopen(file, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void spit(const char *file, const char *text)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* htpasswd -v: 1 when Apache's tool accepts user's password in the file. */
static int htpasswd_accepts(const char *file, const char *user, const char *password)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "htpasswd -vb '%s' '%s' '%s' >/dev/null 2>&1", file, user,
		 password);
	return system(cmd) == 0;
}

/* The state and result of the last hta_write of the folder. */
static const char *last_state(const char *dir)
{
	static char out[64];

	snprintf(out, sizeof(out), "%lld",
		 number("SELECT CASE state WHEN 'done' THEN 1 WHEN 'failed' THEN 2 ELSE 0 END"
			" FROM %s.panel_actions WHERE action = 'hta_write' AND"
			" JSON_VALUE(args, '$.dir') = '%s' ORDER BY id DESC LIMIT 1",
			db, dir));
	return out;
}

/* ---------------------------------------------------------------- tests */

static void protect_and_users(void **state)
{
	char htaccess[600], htpasswd[600];
	panel_hta_dir_list *dirs = NULL;
	panel_hta_user_list *users = NULL;

	(void)state;
	if (system("command -v htpasswd >/dev/null") != 0)
		fail_msg("htpasswd (apache2-utils) is not installed: make deps");
	assert_panel_ok(panel_hta_protect(p, &alice, NULL, "private/"));
	assert_panel_rc(panel_hta_protect(p, &alice, NULL, "/private"), PANEL_EEXISTS);
	assert_panel_ok(
	    panel_hta_user_add(p, &alice, NULL, "/private", "reader", "Reader-pass-42"));
	assert_panel_ok(panel_hta_user_add(p, &super, "htalice", "private", "boss@example.org",
					   "Boss-pass-4242"));
	assert_panel_rc(panel_hta_user_add(p, &alice, NULL, "/private", "reader", "Other-pass-42"),
			PANEL_EEXISTS);
	run();
	assert_string_equal(last_state("/private"), "1");
	path(htaccess, sizeof(htaccess), "/private/.htaccess");
	path(htpasswd, sizeof(htpasswd), "/private/.htpasswd");
	char want[700];
	snprintf(want, sizeof(want), "AuthUserFile %s\n", htpasswd);
	assert_non_null(strstr(slurp(htaccess), want));
	assert_non_null(strstr(slurp(htaccess), "require valid-user\n"));
	assert_true(htpasswd_accepts(htpasswd, "reader", "Reader-pass-42"));
	assert_true(htpasswd_accepts(htpasswd, "boss@example.org", "Boss-pass-4242"));
	assert_false(htpasswd_accepts(htpasswd, "reader", "Wrong-pass-42"));

	/* A new password, a user removed: the file follows. */
	assert_panel_ok(
	    panel_hta_user_password(p, &alice, NULL, "/private", "reader", "Newer-pass-4343"));
	assert_panel_ok(panel_hta_user_delete(p, &alice, NULL, "/private", "boss@example.org"));
	assert_panel_rc(panel_hta_user_delete(p, &alice, NULL, "/private", "boss@example.org"),
			PANEL_ENOTFOUND);
	run();
	assert_true(htpasswd_accepts(htpasswd, "reader", "Newer-pass-4343"));
	assert_false(htpasswd_accepts(htpasswd, "reader", "Reader-pass-42"));
	assert_false(htpasswd_accepts(htpasswd, "boss@example.org", "Boss-pass-4242"));

	assert_panel_ok(panel_hta_list_get(&dirs, p, &alice, NULL));
	assert_int_equal(dirs->count, 1);
	assert_string_equal(dirs->items[0].dir, "/private");
	assert_int_equal(dirs->items[0].users, 1);
	panel_hta_dir_list_free(dirs);
	assert_panel_ok(panel_hta_user_list_get(&users, p, &alice, NULL, "/private"));
	assert_int_equal(users->count, 1);
	assert_string_equal(users->items[0], "reader");
	panel_hta_user_list_free(users);

	/* Unprotected: both files go (the panel wrote all of .htaccess). */
	assert_panel_ok(panel_hta_unprotect(p, &alice, NULL, "/private"));
	assert_panel_rc(panel_hta_unprotect(p, &alice, NULL, "/private"), PANEL_ENOTFOUND);
	run();
	assert_int_equal(access(htaccess, F_OK), -1);
	assert_int_equal(access(htpasswd, F_OK), -1);
}

static void refusals(void **state)
{
	panel_hta_dir_list *dirs = NULL;

	(void)state;
	assert_panel_rc(panel_hta_protect(p, &alice, NULL, "../htbob"), PANEL_EINVALID);
	assert_panel_rc(panel_hta_protect(p, &alice, NULL, "a/../../x"), PANEL_EINVALID);
	assert_panel_rc(panel_hta_protect(p, &alice, NULL, "a\nb"), PANEL_EINVALID);
	assert_panel_rc(panel_hta_protect(p, &bob, "htalice", "/x"), PANEL_ENOTFOUND);
	assert_panel_ok(panel_hta_protect(p, &bob, NULL, "/bobs"));
	assert_panel_rc(panel_hta_user_add(p, &alice, NULL, "/bobs", "u", "Some-pass-4242"),
			PANEL_ENOTFOUND);
	assert_panel_rc(panel_hta_user_add(p, &bob, NULL, "/bobs", "a:b", "Some-pass-4242"),
			PANEL_EINVALID);
	assert_panel_rc(panel_hta_user_add(p, &bob, NULL, "/bobs", "a\nb", "Some-pass-4242"),
			PANEL_EINVALID);
	assert_panel_rc(panel_hta_user_add(p, &bob, NULL, "/bobs", "u", ""), PANEL_EINVALID);
	assert_panel_ok(panel_hta_list_get(&dirs, p, &alice, NULL));
	for (size_t i = 0; i < dirs->count; i++)
		assert_string_not_equal(dirs->items[i].dir, "/bobs");
	panel_hta_dir_list_free(dirs);
	assert_panel_ok(panel_hta_unprotect(p, &bob, NULL, "/bobs"));
}

/* At most 1000 protected folders an account and 1000 users a folder, for admins too (1.0 had
 * no limit: a member's loop added hundreds a second); rows past it (an import) stay. */
static void limits(void **state)
{
	(void)state;
	sql("INSERT INTO panel_hta_dirs (uid, dir) SELECT %u, CONCAT('/lim', seq) FROM "
	    "seq_1_to_999",
	    bob.uid);
	assert_panel_ok(panel_hta_protect(p, &bob, NULL, "/last"));
	assert_panel_rc(panel_hta_protect(p, &bob, NULL, "/onemore"), PANEL_EQUOTA);
	assert_panel_rc(panel_hta_protect(p, &super, "htbob", "/onemore"), PANEL_EQUOTA);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_hta_dirs WHERE uid = %u", db, bob.uid), 1000);
	assert_panel_ok(panel_hta_unprotect(p, &bob, NULL, "/lim1"));
	assert_panel_ok(panel_hta_protect(p, &bob, NULL, "/onemore"));

	sql("INSERT INTO panel_hta_users (uid, dir, user, hash)"
	    " SELECT %u, '/last', CONCAT('u', seq), 'x' FROM seq_1_to_1000",
	    bob.uid);
	assert_panel_rc(panel_hta_user_add(p, &bob, NULL, "/last", "extra", "Some-pass-4242"),
			PANEL_EQUOTA);
	assert_panel_ok(panel_hta_user_add(p, &bob, NULL, "/onemore", "extra", "Some-pass-4242"));
	assert_panel_ok(panel_hta_user_delete(p, &bob, NULL, "/last", "u1"));
	assert_panel_ok(panel_hta_user_add(p, &bob, NULL, "/last", "extra", "Some-pass-4242"));
	sql("DELETE FROM panel_hta_users WHERE uid = %u", bob.uid);
	sql("DELETE FROM panel_hta_dirs WHERE uid = %u", bob.uid);
}

struct adder {
	pthread_barrier_t *start;
	int index, rc;
};

static void *add_folder(void *arg)
{
	struct adder *a = arg;
	panel *own = ts_panel_open(cluster, db);
	char dir[32];

	snprintf(dir, sizeof(dir), "/race%d", a->index);
	pthread_barrier_wait(a->start);
	a->rc = panel_hta_protect(own, &bob, NULL, dir);
	panel_close(own);
	return NULL;
}

/* Eight additions at once for the last free place: one passes, seven are refused (each
 * takes the account's row exclusive; with a shared lock they counted 999 together). */
static void limits_under_concurrency(void **state)
{
	enum { THREADS = 8 };
	pthread_barrier_t start;
	pthread_t t[THREADS];
	struct adder a[THREADS];
	int ok = 0, refused = 0;

	(void)state;
	sql("INSERT INTO panel_hta_dirs (uid, dir) SELECT %u, CONCAT('/lim', seq) FROM "
	    "seq_1_to_999",
	    bob.uid);
	assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++) {
		a[i] = (struct adder){.start = &start, .index = i};
		assert_int_equal(pthread_create(&t[i], NULL, add_folder, &a[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ok += a[i].rc == 0;
		refused += a[i].rc == PANEL_EQUOTA;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(ok, 1);
	assert_int_equal(refused, THREADS - 1);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_hta_dirs WHERE uid = %u", db, bob.uid), 1000);
	sql("DELETE FROM panel_hta_dirs WHERE uid = %u", bob.uid);
}

/* The member's lines of .htaccess stay; 1.0's four lines are replaced by the panel's block. */
static void member_lines_kept(void **state)
{
	char dir[600], htaccess[600];

	(void)state;
	path(dir, sizeof(dir), "/public");
	assert_int_equal(mkdir(dir, 0755), 0);
	path(htaccess, sizeof(htaccess), "/public/.htaccess");
	spit(htaccess, "AuthUserFile /var/alternc/html/h/htalice/public/.htpasswd\nAuthName \"Zone"
		       "\"\nAuthType Basic\nrequire valid-user\nErrorDocument 404 /missing.html");
	assert_panel_ok(panel_hta_protect(p, &alice, NULL, "/public"));
	run();
	const char *text = slurp(htaccess);
	assert_non_null(strstr(text, "ErrorDocument 404 /missing.html\n"));
	assert_null(strstr(text, "/var/alternc/"));
	char *first = strstr(text, "require valid-user"),
	     *again = first ? strstr(first + 1, "require valid-user") : NULL;
	assert_non_null(first);
	assert_null(again);
	assert_panel_ok(panel_hta_unprotect(p, &alice, NULL, "/public"));
	run();
	assert_string_equal(slurp(htaccess), "ErrorDocument 404 /missing.html\n");
}

/* Links, FIFOs and hard links a member left: never followed, opened or copied. */
static void hostile_tree(void **state)
{
	char dir[600], target[600], lnk[600], secret[600];

	(void)state;
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	spit(secret, "root:secret-content\n");

	/* The folder is a lnk out of the space: the action fails, nothing is written outside. */
	path(lnk, sizeof(lnk), "/evil");
	assert_int_equal(symlink(outside, lnk), 0);
	assert_panel_ok(panel_hta_protect(p, &alice, NULL, "/evil"));
	run();
	assert_string_equal(last_state("/evil"), "2");
	snprintf(target, sizeof(target), "%s/.htaccess", outside);
	assert_int_equal(access(target, F_OK), -1);

	/* .htaccess a lnk to a file outside, .htpasswd a FIFO: replaced, the outside file intact,
	 * the runner not stuck on the FIFO. */
	path(dir, sizeof(dir), "/linked");
	assert_int_equal(mkdir(dir, 0755), 0);
	path(lnk, sizeof(lnk), "/linked/.htaccess");
	assert_int_equal(symlink(secret, lnk), 0);
	path(target, sizeof(target), "/linked/.htpasswd");
	assert_int_equal(mkfifo(target, 0644), 0);
	assert_panel_ok(panel_hta_protect(p, &alice, NULL, "/linked"));
	assert_panel_ok(panel_hta_user_add(p, &alice, NULL, "/linked", "u1", "Linked-pass-4242"));
	run();
	assert_string_equal(last_state("/linked"), "1");
	struct stat st;
	assert_int_equal(lstat(lnk, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_null(strstr(slurp(lnk), "secret-content"));
	assert_string_equal(slurp(secret), "root:secret-content\n");
	assert_true(htpasswd_accepts(target, "u1", "Linked-pass-4242"));

	/* .htaccess a hard lnk to a file outside: not copied into the new file. */
	path(dir, sizeof(dir), "/hard");
	assert_int_equal(mkdir(dir, 0755), 0);
	path(lnk, sizeof(lnk), "/hard/.htaccess");
	assert_int_equal(link(secret, lnk), 0);
	assert_panel_ok(panel_hta_protect(p, &alice, NULL, "/hard"));
	run();
	assert_null(strstr(slurp(lnk), "secret-content"));
	assert_string_equal(slurp(secret), "root:secret-content\n");

	/* A root-only file hard-linked there, its other name gone since (where
	 * fs.protected_hardlinks is off, a member can make such a link): its only link now, but
	 * not the member's. Neither read into the new .htaccess (the member's to read) nor
	 * replaced: the action is refused. */
	char shadow[600];
	snprintf(shadow, sizeof(shadow), "%s/shadow", outside);
	spit(shadow, "root:$6$SECRETHASH\n");
	assert_int_equal(chmod(shadow, 0600), 0);
	path(dir, sizeof(dir), "/orphan");
	assert_int_equal(mkdir(dir, 0755), 0);
	path(lnk, sizeof(lnk), "/orphan/.htaccess");
	assert_int_equal(link(shadow, lnk), 0);
	assert_int_equal(unlink(shadow), 0);
	assert_panel_ok(panel_hta_protect(p, &alice, NULL, "/orphan"));
	run();
	assert_string_equal(last_state("/orphan"), "2");
	assert_int_equal(lstat(lnk, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 0);
	assert_string_equal(slurp(lnk), "root:$6$SECRETHASH\n");
	path(target, sizeof(target), "/orphan/.htpasswd");
	assert_int_equal(access(target, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(protect_and_users),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(limits),
	    cmocka_unit_test(limits_under_concurrency),
	    cmocka_unit_test(member_lines_kept),
	    cmocka_unit_test(hostile_tree),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
