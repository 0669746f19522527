/* Tests of the actions runner against a real MariaDB and a real hosting root: each kind with its
 * owners and modes, idempotency, retries, the trash and its purge, a runner killed -9 mid-action,
 * two runners racing over one queue, a hostile member's links (planted before, or swapped in
 * during the run), odd names, quotas where the filesystem has none (and, where the machine
 * allows, on a loop-mounted ext4 with group quotas: applied, and the usage read from them), and
 * who may do what. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retention.h"
#include "handle.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-runtest-XXXXXX", outside[] = "/tmp/panel-runout-XXXXXX";
static panel *p;
static panel_actor sys, super;
static uint32_t alice, bob;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

static const char *const settings[] = {"hosting", "root",   root,	  "runner", "lease",
				       "1",	  "runner", "retry_base", "1",	    NULL};

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root) || !mkdtemp(outside) ||
	    ts_panel_fixture(&p, &cluster, db, sizeof(db), "run", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = ts_member(p, &super, "rnalice");
	bob = ts_member(p, &super, "rnbob");
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

/* Queues an action as libpanel does; its id. */
static uint64_t queue(const char *action, uint32_t uid, const char *login, const char *args)
{
	sql("INSERT INTO panel_actions (action, uid, login, args) VALUES ('%s', %u, '%s', '%s')",
	    action, uid, login, args);
	return (uint64_t)number("SELECT MAX(id) FROM `%s`.panel_actions", db);
}

/* A pass without the trash and, unless usage, without measuring web usage
 * (test_runner_usage.c tests that). */
static panel_runner_report run_pass(panel *h, int usage)
{
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;

	opts.purge = 0;
	opts.usage = usage;
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	return r;
}

static panel_runner_report run(panel *h)
{
	return run_pass(h, 0);
}

/* A column of action id as text. */
static const char *column(uint64_t id, const char *col)
{
	static char value[512];
	char q[256];
	MYSQL *m = th_connect(cluster, 0, db);

	assert_non_null(m);
	snprintf(q, sizeof(q), "SELECT %s FROM panel_actions WHERE id = %llu", col,
		 (unsigned long long)id);
	if (mysql_query(m, q) != 0)
		fail_msg("%s: %s", q, mysql_error(m));
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	snprintf(value, sizeof(value), "%s", row && row[0] ? row[0] : "");
	mysql_free_result(res);
	mysql_close(m);
	return value;
}

static void assert_state(uint64_t id, const char *state)
{
	const char *s = column(id, "state");
	if (strcmp(s, state) != 0)
		fail_msg("action %llu: %s (%s), want %s", (unsigned long long)id, s,
			 column(id, "result"), state);
}

/* The action failed, its result containing what. */
static void assert_failed(uint64_t id, const char *what)
{
	assert_state(id, "failed");
	if (!strstr(column(id, "result"), what))
		fail_msg("action %llu: \"%s\" lacks \"%s\"", (unsigned long long)id,
			 column(id, "result"), what);
	assert_int_equal(
	    number("SELECT done_at IS NOT NULL FROM `%s`.panel_actions WHERE id = %llu", db,
		   (unsigned long long)id),
	    1);
}

static void path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", root, rel);
}

/* rel under the root is a folder owned by uid:gid with mode. */
static void assert_dir(const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	char full[512];
	struct stat st;

	path(full, sizeof(full), rel);
	if (lstat(full, &st) != 0)
		fail_msg("%s: %s", full, strerror(errno));
	assert_true(S_ISDIR(st.st_mode));
	if (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode)
		fail_msg("%s: %u:%u %o, want %u:%u %o", rel, (unsigned)st.st_uid,
			 (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777), (unsigned)uid,
			 (unsigned)gid, (unsigned)mode);
}

static int exists(const char *full)
{
	struct stat st;
	return lstat(full, &st) == 0;
}

static void shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shell(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* Runs every pending action of the account creations, so that each test starts clean. */
static void settle(void)
{
	run(p);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE state IN "
				"('pending', 'running')",
				db),
			 0);
}

/* ---------------------------------------------------------------- each kind */

static void test_mem_add_makes_the_web_root(void **state)
{
	(void)state;
	settle();
	/* AlternC 1.0's mem_add: www-data, the member's group, 02770. */
	assert_dir("html/r/rnalice", 33, alice, 02770);
	assert_dir("html/r/rnbob", 33, bob, 02770);
	assert_dir("html/r", 0, 0, 0755);
	assert_true(strstr(column(number("SELECT id FROM `%s`.panel_actions WHERE action = "
					 "'mem_add' AND uid = %u",
					 db, alice),
				  "result"),
			   "html/r/rnalice"));

	/* Run again (a done action re-run, a mode changed meanwhile): the same tree. */
	shell("chmod 0755 %s/html/r/rnalice", root);
	sql("UPDATE panel_actions SET state = 'pending', next_try = NOW() WHERE action = 'mem_add'"
	    " AND uid IN (%u, %u)",
	    alice, bob);
	panel_runner_report r = run(p);
	assert_int_equal(r.done, 2);
	assert_dir("html/r/rnalice", 33, alice, 02770);

	/* A folder left by another account (another group) is not adopted. */
	shell("mkdir -p %s/html/r/rnghost && chown 33:4242 %s/html/r/rnghost", root, root);
	uint64_t id = queue("mem_add", 99999, "rnghost", "{}");
	run(p);
	assert_failed(id, "exists with group 4242");
}

static void test_mkdir_and_retry(void **state)
{
	char full[512];
	(void)state;
	settle();
	uint64_t id = queue("mkdir", alice, "rnalice", "{\"dir\": \"/sites/shop\"}");
	run(p);
	assert_state(id, "done");
	assert_dir("html/r/rnalice/sites", 33, alice, 02770);
	assert_dir("html/r/rnalice/sites/shop", 33, alice, 02770);

	/* An existing folder with the member's own mode is fine and left as it is. */
	shell("chmod 02750 %s/html/r/rnalice/sites/shop", root);
	id = queue("mkdir", alice, "rnalice", "{\"dir\": \"/sites/shop\"}");
	run(p);
	assert_state(id, "done");
	assert_dir("html/r/rnalice/sites/shop", 33, alice, 02750);
	id = queue("mkdir", alice, "rnalice", "{\"dir\": \"/\"}");
	run(p);
	assert_state(id, "done");

	/* No web root yet: retried later, with the reason, then done once it is there. */
	shell("mv %s/html/r/rnbob %s/bobaside", root, outside);
	id = queue("mkdir", bob, "rnbob", "{\"dir\": \"/www\"}");
	panel_runner_report r = run(p);
	assert_int_equal(r.retried, 1);
	assert_state(id, "pending");
	assert_string_equal(column(id, "attempts"), "1");
	assert_true(strstr(column(id, "error"), "not there yet"));
	assert_int_equal(number("SELECT next_try > NOW() - INTERVAL 1 SECOND FROM "
				"`%s`.panel_actions WHERE id = %llu",
				db, (unsigned long long)id),
			 1);
	assert_true(r.next_due >= 1);
	shell("mv %s/bobaside %s/html/r/rnbob", outside, root);
	sql("UPDATE panel_actions SET next_try = NOW() WHERE id = %llu", (unsigned long long)id);
	run(p);
	assert_state(id, "done");
	assert_string_equal(column(id, "attempts"), "2");
	path(full, sizeof(full), "html/r/rnbob/www");
	assert_true(exists(full));

	/* Transient failures that never end: given up after max_attempts. */
	sql("UPDATE panel_actions SET state = 'pending', attempts = 9, next_try = NOW(),"
	    " args = '{\"dir\": \"/www\"}', uid = %u, login = 'rnbob' WHERE id = %llu",
	    bob, (unsigned long long)id);
	shell("mv %s/html/r/rnbob %s/bobaside", root, outside);
	run(p);
	assert_failed(id, "gave up after 10 attempts");
	shell("mv %s/bobaside %s/html/r/rnbob", outside, root);
}

static void test_mail_add_and_del(void **state)
{
	char full[600];
	(void)state;
	settle();
	char args[512];
	snprintf(args, sizeof(args),
		 "{\"box\": \"info_rnalice.example\", \"path\": \"%s/mail/i/"
		 "info_rnalice.example\"}",
		 root);
	uint64_t id = queue("mail_add", alice, "rnalice", args);
	run(p);
	assert_state(id, "done");
	/* Courier and Dovecot log in as uid 33 with the member's gid (1.0's authmysqlrc). */
	assert_dir("mail/i/info_rnalice.example", 33, alice, 0700);
	assert_dir("mail/i/info_rnalice.example/Maildir", 33, alice, 0700);
	assert_dir("mail/i/info_rnalice.example/Maildir/cur", 33, alice, 0700);
	assert_dir("mail/i/info_rnalice.example/Maildir/new", 33, alice, 0700);
	assert_dir("mail/i/info_rnalice.example/Maildir/tmp", 33, alice, 0700);
	/* Twice: the same. */
	sql("UPDATE panel_actions SET state = 'pending' WHERE id = %llu", (unsigned long long)id);
	run(p);
	assert_state(id, "done");
	/* The catch-all's folder letter is '_'. */
	id = queue("mail_add", alice, "rnalice", "{\"box\": \"_rnalice.example\"}");
	run(p);
	assert_dir("mail/_/_rnalice.example/Maildir/new", 33, alice, 0700);

	/* A box folder left by another account (another group: its removal failed, the trash on
	 * another filesystem) is not adopted, its mails not given to the address's new owner. */
	shell("mkdir -p %s/mail/o/old_rnalice.example/Maildir/new && touch "
	      "%s/mail/o/old_rnalice.example/Maildir/new/1.mail && chown -R 33:4242 "
	      "%s/mail/o/old_rnalice.example && chmod 0700 %s/mail/o/old_rnalice.example",
	      root, root, root, root);
	id = queue("mail_add", alice, "rnalice", "{\"box\": \"old_rnalice.example\"}");
	run(p);
	assert_failed(id, "exists with group 4242");
	assert_dir("mail/o/old_rnalice.example", 33, 4242, 0700);
	assert_dir("mail/o/old_rnalice.example/Maildir/new", 33, 4242, 0755);

	/* A path that is not the box's own is refused. */
	id = queue("mail_add", alice, "rnalice",
		   "{\"box\": \"x_rnalice.example\", \"path\": \"/etc/x_rnalice.example\"}");
	run(p);
	assert_failed(id, "is not");
	assert_false(exists("/etc/x_rnalice.example"));

	/* Deleted: moved to the trash, out of reach, not removed. */
	snprintf(args, sizeof(args),
		 "{\"box\": \"info_rnalice.example\", \"path\": \"%s/mail/i/"
		 "info_rnalice.example\"}",
		 root);
	id = queue("mail_del", alice, "rnalice", args);
	run(p);
	assert_state(id, "done");
	path(full, sizeof(full), "mail/i/info_rnalice.example");
	assert_false(exists(full));
	char day[16], trashed[600];
	time_t now = time(NULL);
	strftime(day, sizeof(day), "%Y%m%d", localtime(&now));
	snprintf(trashed, sizeof(trashed), "%s/trash/%s/%llu-mail-info_rnalice.example/Maildir/cur",
		 root, day, (unsigned long long)id);
	assert_true(exists(trashed));
	assert_dir("trash", 0, 0, 0700);
	/* Again: nothing left to delete, done. */
	sql("UPDATE panel_actions SET state = 'pending' WHERE id = %llu", (unsigned long long)id);
	run(p);
	assert_state(id, "done");
	assert_true(strstr(column(id, "result"), "nothing to delete"));
}

/* A second handle on the same database with other [runner] settings. */
static panel *handle_with(const char *key, const char *value)
{
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *h = NULL;

	for (size_t i = 0; settings[i]; i += 3)
		assert_int_equal(
		    panel_config_set(cfg, settings[i], settings[i + 1], settings[i + 2]), 0);
	if (key)
		assert_int_equal(panel_config_set(cfg, "runner", key, value), 0);
	assert_panel_ok(panel_open(&h, cfg));
	panel_config_free(cfg);
	return h;
}

static void test_mem_del_to_trash_and_purge(void **state)
{
	char full[600], day[16], trashed[700];
	time_t now = time(NULL);
	(void)state;
	settle();
	uint32_t carol = ts_member(p, &super, "rncarol");
	run(p);
	shell("echo hello > %s/html/r/rncarol/index.html", root);
	/* A link to outside files inside the tree: the purge removes the link, not its target. */
	shell("echo keep > %s/precious && ln -s %s %s/html/r/rncarol/away", outside, outside, root);
	assert_panel_ok(panel_account_delete(p, &super, "rncarol"));
	uint64_t id = (uint64_t)number(
	    "SELECT id FROM `%s`.panel_actions WHERE action = 'mem_del' AND uid = %u", db, carol);
	run(p);
	assert_state(id, "done");
	path(full, sizeof(full), "html/r/rncarol");
	assert_false(exists(full));
	strftime(day, sizeof(day), "%Y%m%d", localtime(&now));
	snprintf(trashed, sizeof(trashed), "%s/trash/%s/%llu-html-rncarol/index.html", root, day,
		 (unsigned long long)id);
	assert_true(exists(trashed));

	/* trash_days 30: kept. trash_days 0: emptied, the link's target untouched. */
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;
	assert_panel_ok(panel_actions_run(&r, p, &sys, &opts));
	assert_int_equal(r.purged, 0);
	assert_true(exists(trashed));
	panel *h = handle_with("trash_days", "0");
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	panel_close(h);
	assert_true(r.purged >= 1);
	assert_false(exists(trashed));
	snprintf(trashed, sizeof(trashed), "%s/trash/%s", root, day);
	assert_false(exists(trashed));
	snprintf(full, sizeof(full), "%s/precious", outside);
	assert_true(exists(full));
}

/* The vhosts AlternC 1.0's cron wrote for an account (<root>/apache-vhost/<l>/<login>) go to the
 * trash with its web root: that cron looks their folder up by the owner's login, the account's
 * row is gone when it runs, and a deleted member's redirection stayed in the web server's
 * configuration, serving the domain for its next owner. Another account's stay. */
static void test_mem_del_trashes_the_vhosts(void **state)
{
	char full[600], day[16], trashed[700];
	time_t now = time(NULL);
	(void)state;
	settle();
	uint32_t erin = ts_member(p, &super, "rnerin");
	run(p);
	shell("mkdir -p %s/apache-vhost/r/rnerin %s/apache-vhost/r/rnalice", root, root);
	shell("echo 'RewriteRule ^/(.*)$ http://evil.example/$1' > "
	      "%s/apache-vhost/r/rnerin/shop.example.conf",
	      root);
	shell("echo kept > %s/apache-vhost/r/rnalice/alice.example.conf", root);
	assert_panel_ok(panel_account_delete(p, &super, "rnerin"));
	uint64_t id = (uint64_t)number(
	    "SELECT id FROM `%s`.panel_actions WHERE action = 'mem_del' AND uid = %u", db, erin);
	run(p);
	assert_state(id, "done");
	path(full, sizeof(full), "apache-vhost/r/rnerin");
	assert_false(exists(full));
	strftime(day, sizeof(day), "%Y%m%d", localtime(&now));
	snprintf(trashed, sizeof(trashed), "%s/trash/%s/%llu-vhost-rnerin/shop.example.conf", root,
		 day, (unsigned long long)id);
	assert_true(exists(trashed));
	path(full, sizeof(full), "apache-vhost/r/rnalice/alice.example.conf");
	assert_true(exists(full));
	assert_string_equal(column(id, "result"),
			    "moved the web root and 1.0's vhosts to the trash");
}

/* A mount inside a removed account's tree (a folder an admin bind-mounted there, a member's
 * FUSE mount): the purge does not enter it, so what is mounted there stays; the trash keeps
 * the tree, with the reason in the pass's warning, until the mount is gone. */
static void test_purge_stays_on_its_filesystem(void **state)
{
	char mnt[700], day[16], cmd[1600];
	time_t now = time(NULL);
	(void)state;
	settle();
	uint32_t dave = ts_member(p, &super, "rndave");
	run(p);
	shell("mkdir -p %s/shared %s/html/r/rndave/shared && echo keep > %s/shared/precious2",
	      outside, root, outside);
	snprintf(cmd, sizeof(cmd), "mount --bind %s/shared %s/html/r/rndave/shared 2>/dev/null",
		 outside, root);
	if (system(cmd) != 0) {
		panel_account_delete(p, &super, "rndave");
		run(p);
		skip(); /* no mount here (no CAP_SYS_ADMIN): nothing to test */
	}
	assert_panel_ok(panel_account_delete(p, &super, "rndave"));
	uint64_t id = (uint64_t)number(
	    "SELECT id FROM `%s`.panel_actions WHERE action = 'mem_del' AND uid = %u", db, dave);
	run(p);
	assert_state(id, "done");
	strftime(day, sizeof(day), "%Y%m%d", localtime(&now));
	snprintf(mnt, sizeof(mnt), "%s/trash/%s/%llu-html-rndave/shared", root, day,
		 (unsigned long long)id);

	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;
	panel *h = handle_with("trash_days", "0");
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	snprintf(cmd, sizeof(cmd), "%s/shared/precious2", outside);
	int kept = exists(cmd);
	char warning[sizeof(r.warning)];
	snprintf(warning, sizeof(warning), "%s", r.warning);
	shell("umount %s", mnt);
	if (!kept)
		fail_msg("the purge removed a file through a mount point");
	if (!strstr(warning, "emptying the trash: Invalid cross-device link"))
		fail_msg("warning: %s", warning);
	/* The mount gone, the next pass removes the tree. */
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	panel_close(h);
	assert_string_equal(r.warning, "");
	snprintf(mnt, sizeof(mnt), "%s/trash/%s", root, day);
	assert_false(exists(mnt));
	assert_true(exists(cmd));
}

/* ---------------------------------------------------------------- a hostile member */

static void test_links_planted_in_the_tree(void **state)
{
	char full[600];
	(void)state;
	settle();
	/* bob's web root replaced by a link to /etc, then to alice's tree. */
	shell("mv %s/html/r/rnbob %s/bobsaved && ln -s /etc %s/html/r/rnbob", root, outside, root);
	uint64_t id = queue("mkdir", bob, "rnbob", "{\"dir\": \"/evil\"}");
	run(p);
	assert_failed(id, "symbolic link");
	assert_false(exists("/etc/evil"));
	id = queue("mem_add", bob, "rnbob", "{}");
	run(p);
	assert_failed(id, "symbolic link");
	struct stat st;
	assert_int_equal(lstat("/etc", &st), 0);
	assert_int_equal(st.st_uid, 0); /* /etc was not given to www-data */
	shell("rm %s/html/r/rnbob && mv %s/bobsaved %s/html/r/rnbob", root, outside, root);

	/* A folder of the tree replaced by a link into another member's tree. */
	shell("ln -s %s/html/r/rnalice %s/html/r/rnbob/sites", root, root);
	id = queue("mkdir", bob, "rnbob", "{\"dir\": \"/sites/stolen\"}");
	run(p);
	assert_failed(id, "symbolic link");
	path(full, sizeof(full), "html/r/rnalice/stolen");
	assert_false(exists(full));

	/* mem_del of a web root that is a link: the link goes to the trash, /etc stays. */
	shell("mv %s/html/r/rnbob %s/bobsaved && ln -s %s %s/html/r/rnbob", root, outside, outside,
	      root);
	id = queue("mem_del", bob, "rnbob", "{}");
	run(p);
	assert_state(id, "done");
	panel *h = handle_with("trash_days", "0");
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	panel_close(h);
	path(full, sizeof(full), "html/r/rnbob");
	assert_false(exists(full));
	snprintf(full, sizeof(full), "%s/bobsaved", outside);
	assert_true(exists(full));
	shell("mv %s/bobsaved %s/html/r/rnbob", outside, root);
}

struct swap {
	const char *when; /* the detail of the "open" stage at which to swap */
	char target[512], link[512];
	int done;
};

/* Swaps a folder for a link at the moment the runner is about to open it, as a member racing
 * the runner would. */
static void swap_hook(void *arg, const char *stage, const char *detail)
{
	struct swap *s = arg;
	char cmd[1600];

	if (s->done || strcmp(stage, "open") != 0 || strcmp(detail, s->when) != 0)
		return;
	s->done = 1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && ln -s '%s' '%s'", s->link, s->target, s->link);
	if (system(cmd) != 0)
		fail_msg("swap failed");
}

/* Done actions stay [runner] actions_days (30) days after they were finished, then the passes
 * that empty the trash remove them; a failed one stays until an admin retries it, a waiting one
 * however old; 0 keeps them all. */
static void test_finished_actions_retention(void **state)
{
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;
	long long before;
	panel *h;

	(void)state;
	settle();
	sql("INSERT INTO panel_actions (action, uid, login, args, state, done_at, created)"
	    " WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 999)"
	    " SELECT 'mkdir', %u, 'rnalice', '{}', 'done', NOW() - INTERVAL 40 DAY,"
	    " NOW() - INTERVAL 41 DAY FROM seq",
	    alice);
	sql("INSERT INTO panel_actions (action, uid, login, args, state, done_at, created) VALUES"
	    " ('mkdir', %u, 'rnalice', '{}', 'done', NOW() - INTERVAL 20 DAY, NOW()),"
	    " ('mkdir', %u, 'rnalice', '{}', 'failed', NOW() - INTERVAL 40 DAY, NOW()),"
	    " ('mkdir', %u, 'rnalice', '{\"dir\": \"/kept\"}', 'pending', NULL,"
	    " NOW() - INTERVAL 90 DAY)",
	    alice, alice, alice);
	before = number("SELECT COUNT(*) FROM `%s`.panel_actions", db);
	run(p); /* without the trash's purge: nothing removed */
	h = handle_with("actions_days", "0");
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	panel_close(h);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE done_at <"
				" NOW() - INTERVAL 30 DAY",
				db),
			 1000);
	assert_panel_ok(panel_actions_run(&r, p, &sys, &opts));
	assert_string_equal(r.warning, "");
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE done_at <"
				" NOW() - INTERVAL 30 DAY",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE state = 'failed'"
				" AND done_at < NOW() - INTERVAL 30 DAY",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions", db), before - 999);
	/* The old waiting one ran in the pass, and stays, done. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE args LIKE"
				" '%%/kept%%' AND state = 'done'",
				db),
			 1);
	sql("DELETE FROM panel_actions WHERE state = 'failed'");
}

/* Which actions a pass takes: a file action waits behind any earlier unfinished file action of
 * its account (one retried later, one running under a live lease) or of its login (under
 * another uid); dumps and restores do not wait, nor make others wait; other accounts go on. */
static void test_claim_order(void **state)
{
	static const char *const mkdir_only[] = {"mkdir", NULL};
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;

	(void)state;
	settle();
	sql("INSERT INTO panel_actions (action, uid, login, args, state, next_try, claimed_at,"
	    " claimed_by) VALUES"
	    " ('mkdir', %u, 'rnalice', '{\"dir\": \"/o1\"}', 'pending', NOW() + INTERVAL 1 HOUR,"
	    " NULL, ''),"
	    " ('db_dump', %u, 'rnalice', '{}', 'pending', NOW(), NULL, ''),"
	    " ('mkdir', %u, 'rnalice', '{\"dir\": \"/o2\"}', 'pending', NOW(), NULL, ''),"
	    " ('mkdir', %u, 'rnbob', '{\"dir\": \"/o3\"}', 'running', NOW(), NOW(), 'x:1'),"
	    " ('mkdir', 0, 'rnbob', '{\"dir\": \"/o4\"}', 'pending', NOW(), NULL, ''),"
	    " ('mkdir', %u, 'rnbob', '{\"dir\": \"/o5\"}', 'pending', NOW(), NULL, '')",
	    alice, alice, alice, bob, bob);
	opts.purge = 0;
	opts.usage = 0;
	opts.kinds = mkdir_only;
	assert_panel_ok(panel_actions_run(&r, p, &sys, &opts));
	/* o2 waits for o1 (retried in an hour); o4 (no uid, bob's login) and o5 wait for o3. */
	assert_int_equal(r.done + r.failed, 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE args LIKE '%%/o%%'"
				" AND state = 'pending'",
				db),
			 4);
	/* The dump of alice's does not wait for o1 (it runs, and fails: no such database). */
	static const char *const dump_only[] = {"db_dump", NULL};
	opts.kinds = dump_only;
	assert_panel_ok(panel_actions_run(&r, p, &sys, &opts));
	assert_int_equal(r.done + r.failed, 1);
	/* o1 due, o3 finished: the others follow, in order. */
	sql("UPDATE panel_actions SET next_try = NOW() WHERE args LIKE '%%/o1%%'");
	sql("UPDATE panel_actions SET state = 'done', done_at = NOW() WHERE args LIKE '%%/o3%%'");
	opts.kinds = mkdir_only;
	assert_panel_ok(panel_actions_run(&r, p, &sys, &opts));
	assert_int_equal(r.done + r.failed, 4); /* o4 has no account: it fails */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE args LIKE '%%/o%%'"
				" AND state IN ('pending', 'running')",
				db),
			 0);
	sql("DELETE FROM panel_actions WHERE state = 'failed'");
}

/* n audit rows dated days ago, by a member. */
static void audit_rows(int n, int days)
{
	sql("INSERT INTO panel_audit (at, actor_kind, actor_uid, ip, action, object_kind, "
	    "object_id)"
	    " WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 99)"
	    " SELECT NOW() - INTERVAL %d DAY, 'member', 1, '192.0.2.1', 'test.old', 'test',"
	    " a.i * 100 + b.i FROM seq a, seq b WHERE a.i * 100 + b.i < %d",
	    days, n);
}

static long long audit_count(const char *where)
{
	return number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE %s", db, where);
}

/* The audit trail keeps [runner] audit_days (365) days: the passes that empty the trash remove
 * what is older, in batches (three here, entries written after younger ones), and keep the
 * rest; 0 keeps everything. */
static void test_audit_retention(void **state)
{
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;
	long long recent;
	panel *h;

	(void)state;
	settle();
	audit_rows(2 * PANEL__PURGE_BATCH + 500, 400);
	audit_rows(10, 10);
	recent = audit_count("at > NOW() - INTERVAL 1 DAY");
	/* audit_days 0: nothing removed. */
	h = handle_with("audit_days", "0");
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	panel_close(h);
	assert_int_equal(audit_count("object_kind = 'test'"), 2 * PANEL__PURGE_BATCH + 510);
	/* The default, 365 days: the 400-day-old rows go, the others stay. */
	assert_panel_ok(panel_actions_run(&r, p, &sys, &opts));
	assert_string_equal(r.warning, "");
	assert_int_equal(audit_count("at < NOW() - INTERVAL 365 DAY"), 0);
	assert_int_equal(audit_count("object_kind = 'test'"), 10);
	assert_int_equal(audit_count("at > NOW() - INTERVAL 1 DAY"), recent);
	/* A pass without the purge removes nothing. */
	audit_rows(3, 400);
	run(p);
	assert_int_equal(audit_count("at < NOW() - INTERVAL 365 DAY"), 3);
	/* 5 days: the 10-day-old rows go too. */
	h = handle_with("audit_days", "5");
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	panel_close(h);
	assert_int_equal(audit_count("object_kind = 'test'"), 0);
	assert_int_equal(audit_count("at > NOW() - INTERVAL 1 DAY"), recent);
}

static void test_link_swapped_in_during_the_run(void **state)
{
	struct swap s = {.when = "sites"};
	char full[600];
	(void)state;
	settle();
	shell("mkdir -p %s/html/r/rnbob/sites", root);
	snprintf(s.link, sizeof(s.link), "%s/html/r/rnbob/sites", root);
	snprintf(s.target, sizeof(s.target), "%s", outside);
	p->runner_hook = swap_hook;
	p->runner_hook_arg = &s;
	uint64_t id = queue("mkdir", bob, "rnbob", "{\"dir\": \"/sites/shop\"}");
	run(p);
	p->runner_hook = NULL;
	assert_true(s.done);
	assert_failed(id, "symbolic link");
	snprintf(full, sizeof(full), "%s/shop", outside);
	assert_false(exists(full));
	shell("rm %s/html/r/rnbob/sites", root);
}

static void test_odd_names_refused(void **state)
{
	static const char *const dirs[] = {
	    "{\"dir\": \"/../../../etc/x\"}",
	    "{\"dir\": \"/a/./b\"}",
	    "{\"dir\": \"/-rf\"}",
	    "{\"dir\": \"/a\\nb\"}",
	    "{\"dir\": \"/a//b\"}",
	    "{\"dir\": \"relative\"}",
	    "{\"dir\": 5}",
	    "[1]",
	};
	(void)state;
	settle();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		uint64_t id = queue("mkdir", alice, "rnalice", dirs[i]);
		run(p);
		assert_failed(id, "refused");
	}
	uint64_t id = queue("mem_add", 5000, "../x", "{}");
	run(p);
	assert_failed(id, "invalid login");
	id = queue("mem_add", 5000, "-rf", "{}");
	run(p);
	assert_failed(id, "invalid login");
	id = queue("mem_add", 0, "rnroot", "{}");
	run(p);
	assert_failed(id, "system group");
	id = queue("mail_add", alice, "rnalice", "{\"box\": \"../../etc_x\"}");
	run(p);
	assert_failed(id, "invalid mailbox");
	id = queue("mail_add", alice, "rnalice", "{\"box\": \"-x_rnalice.example\"}");
	run(p);
	assert_failed(id, "invalid mailbox");
	id = queue("mail_del", alice, "rnalice", "{\"box\": \"..\"}");
	run(p);
	assert_failed(id, "invalid mailbox");
	id = queue("rm_rf", alice, "rnalice", "{}");
	run(p);
	assert_failed(id, "unknown action");
	assert_false(exists("/etc/x"));
}

/* ---------------------------------------------------------------- runners dying and racing */

struct pause_ctx {
	int fd;
};

/* Tells the parent that an action is claimed, then waits to be killed. */
static void pause_hook(void *arg, const char *stage, const char *detail)
{
	struct pause_ctx *ctx = arg;

	(void)detail;
	if (strcmp(stage, "claimed") != 0)
		return;
	if (write(ctx->fd, "c", 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

static void test_killed_runner_is_taken_over(void **state)
{
	int fds[2];
	char c;
	(void)state;
	settle();
	uint64_t id = queue("mkdir", alice, "rnalice", "{\"dir\": \"/after-kill\"}");
	assert_int_equal(pipe(fds), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(fds[0]);
		panel *h = handle_with(NULL, NULL);
		struct pause_ctx ctx = {fds[1]};
		h->runner_hook = pause_hook;
		h->runner_hook_arg = &ctx;
		panel_actions_run(NULL, h, &sys, NULL);
		_exit(2); /* never reached: the hook waits */
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	assert_state(id, "running");
	char pid[32];
	snprintf(pid, sizeof(pid), ":%ld", (long)child);
	assert_true(strstr(column(id, "claimed_by"), pid));

	/* Past its lease (1 s) but alive, holding its lock: not taken over. */
	sleep(2);
	run(p);
	assert_state(id, "running");
	assert_string_equal(column(id, "attempts"), "1");

	/* Killed mid-action: its connection and lock are gone; the next pass finishes it. */
	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	for (int i = 0; i < 50 && strcmp(column(id, "state"), "running") == 0; i++) {
		struct timespec t = {0, 200000000};
		nanosleep(&t, NULL);
		run(p);
	}
	assert_state(id, "done");
	assert_string_equal(column(id, "attempts"), "2");
	char full[600];
	path(full, sizeof(full), "html/r/rnalice/after-kill");
	assert_true(exists(full));
}

struct log_ctx {
	int fd;
};

/* Appends the claimed action's id to a file shared by the racing runners. */
static void log_hook(void *arg, const char *stage, const char *detail)
{
	struct log_ctx *ctx = arg;
	char line[64];

	if (strcmp(stage, "claimed") != 0)
		return;
	int n = snprintf(line, sizeof(line), "%s\n", detail);
	if (write(ctx->fd, line, (size_t)n) != n)
		_exit(3);
}

static pid_t racer(const char *log)
{
	pid_t child = fork();

	if (child != 0)
		return child;
	panel *h = handle_with(NULL, NULL);
	struct log_ctx ctx = {open(log, O_WRONLY | O_APPEND | O_CREAT, 0600)};
	h->runner_hook = log_hook;
	h->runner_hook_arg = &ctx;
	int rc = panel_actions_run(NULL, h, &sys, NULL);
	panel_close(h);
	_exit(rc == 0 ? 0 : 1);
}

static void test_two_runners_race(void **state)
{
	enum { MEMBERS = 6, DIRS = 5 };
	uint64_t first = 0, last = 0;
	char log[600], login[32], args[64];
	(void)state;
	settle();
	uint32_t uids[MEMBERS];
	for (int m = 0; m < MEMBERS; m++) {
		snprintf(login, sizeof(login), "rnrace%d", m);
		uids[m] = ts_member(p, &super, login);
	}
	run(p);
	for (int d = 0; d < DIRS; d++)
		for (int m = 0; m < MEMBERS; m++) {
			snprintf(login, sizeof(login), "rnrace%d", m);
			snprintf(args, sizeof(args), "{\"dir\": \"/d%d\"}", d);
			last = queue("mkdir", uids[m], login, args);
			if (!first)
				first = last;
		}
	snprintf(log, sizeof(log), "%s/race.log", outside);
	pid_t a = racer(log), b = racer(log);
	int sa, sb;
	assert_int_equal(waitpid(a, &sa, 0), a);
	assert_int_equal(waitpid(b, &sb, 0), b);
	assert_true(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
	assert_true(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
	/* Every action done, claimed once, and run once (each id logged exactly once). */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE id BETWEEN %llu AND "
				"%llu AND state = 'done' AND attempts = 1",
				db, (unsigned long long)first, (unsigned long long)last),
			 MEMBERS * DIRS);
	FILE *f = fopen(log, "r");
	assert_non_null(f);
	unsigned seen[MEMBERS * DIRS] = {0};
	unsigned long long id;
	while (fscanf(f, "%llu", &id) == 1) {
		assert_true(id >= first && id <= last);
		seen[id - first]++;
	}
	fclose(f);
	for (int i = 0; i < MEMBERS * DIRS; i++)
		assert_int_equal(seen[i], 1);
	for (int m = 0; m < MEMBERS; m++) {
		snprintf(login, sizeof(login), "rnrace%d", m);
		assert_panel_ok(panel_account_delete(p, &super, login));
	}
	settle();
}

/* ---------------------------------------------------------------- quotas */

static void test_quota_without_filesystem_quotas(void **state)
{
	panel_quota q;
	(void)state;
	settle();
	sql("INSERT INTO size_web (uid, size) VALUES (%u, 1234) ON DUPLICATE KEY UPDATE size ="
	    " 1234, ts = NOW()",
	    alice);
	assert_panel_ok(panel_quota_set(&q, p, &super, "rnalice", "web", 5000));
	uint64_t id = (uint64_t)number("SELECT MAX(id) FROM `%s`.panel_actions WHERE action = "
				       "'quota_edit' AND uid = %u",
				       db, alice);
	assert_true(id > 0);
	assert_true(strstr(column(id, "args"), "5000"));
	panel_runner_report r = run(p);
	assert_state(id, "done");
	if (r.no_quotas) {
		/* Said in the result and the report; the recorded usage is still what the panel
		 * shows. */
		assert_true(strstr(column(id, "result"), "no disk quotas"));
		assert_panel_ok(panel_quota_get(&q, p, &super, "rnalice", "web"));
		assert_int_equal(q.used, 1234);
		assert_int_equal(q.total, 5000);
	} else {
		fprintf(stderr, "the hosting root's filesystem has group quotas\n");
		assert_true(strstr(column(id, "result"), "group quota of"));
	}
	/* A bad value in the queue is refused. */
	id = queue("quota_edit", alice, "rnalice", "{\"kb\": -1}");
	run(p);
	assert_failed(id, "invalid quota");
}

/* A loop-mounted ext4 with group quotas, where the machine allows it (root, losetup, a kernel
 * with quota support); skipped with the reason otherwise. */
static void test_quota_on_loop_ext4(void **state)
{
	char img[300], mnt[300], cmd[4000];
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: the loop-mounted ext4 quota test needs root\n");
		skip();
	}
	snprintf(img, sizeof(img), "%s/quota.img", outside);
	snprintf(mnt, sizeof(mnt), "%s/quota.mnt", outside);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 32M %s && mkfs.ext4 -q -F -O quota -E quotatype=usrquota:grpquota %s"
		 " >/dev/null 2>&1 && mkdir -p %s && mount -o loop,usrquota,grpquota %s %s"
		 " >/dev/null 2>&1",
		 img, img, mnt, img, mnt);
	if (system(cmd) != 0) {
		fprintf(stderr, "skipped: cannot mount a loop ext4 with quotas here (no loop "
				"device, or a kernel without CONFIG_QUOTA)\n");
		skip();
	}
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *h = NULL;
	assert_int_equal(panel_config_set(cfg, "hosting", "root", mnt), 0);
	assert_panel_ok(panel_open(&h, cfg));
	panel_config_free(cfg);
	uint64_t id = queue("quota_edit", alice, "rnalice", "{\"kb\": 2048}");
	panel_runner_report r = run(h);
	assert_int_equal(r.no_quotas, 0);
	assert_state(id, "done");
	assert_true(strstr(column(id, "result"), "2048 KB"));
	/* 200 KB written in the member's group: the usage is read live. */
	snprintf(cmd, sizeof(cmd),
		 "dd if=/dev/urandom of=%s/f bs=1k count=200 2>/dev/null && "
		 "chown 33:%u %s/f && sync",
		 mnt, alice, mnt);
	shell("%s", cmd);
	id = queue("quota_edit", alice, "rnalice", "{\"kb\": 2048}");
	run(h);
	assert_state(id, "done");
	assert_true(number("SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice) >= 200);
	/* The refresh reads the group quota (no walk): 300 KB more, in a folder that is not the
	 * member's web space, still counts, as 1.0's quota_get did. */
	snprintf(cmd, sizeof(cmd),
		 "dd if=/dev/urandom of=%s/g bs=1k count=300 2>/dev/null && "
		 "chown 33:%u %s/g && sync",
		 mnt, alice, mnt);
	shell("%s", cmd);
	sql("UPDATE size_web SET ts = NOW() - INTERVAL 1 HOUR WHERE uid = %u", alice);
	r = run_pass(h, 1);
	assert_int_equal(r.usage_source, PANEL_USAGE_QUOTAS);
	assert_true(strstr(r.usage, "group disk quotas"));
	assert_true(number("SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice) >= 500);
	panel_close(h);
	shell("umount %s", mnt);
}

/* ---------------------------------------------------------------- who may do what */

static void test_authorization_and_listing(void **state)
{
	panel_actor member = panel_actor_member(alice);
	panel_action_list *list = NULL;
	panel_action_filter f = PANEL_ACTION_FILTER_INIT;
	panel_action_stats st;
	uint64_t last;
	(void)state;
	settle();
	assert_panel_rc(panel_actions_run(NULL, p, &super, NULL), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_actions_run(NULL, p, &member, NULL), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_action_last_id(&last, p, &super), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_action_last_id(&last, p, &sys));
	assert_int_equal(last, number("SELECT MAX(id) FROM `%s`.panel_actions", db));

	/* A member sees its own actions only, and nobody else's by login. */
	uint64_t pending = queue("mkdir", bob, "rnbob", "{\"dir\": \"/x\"}");
	assert_panel_ok(panel_action_list_get(&list, p, &member, &f));
	assert_true(list->count > 0);
	for (size_t i = 0; i < list->count; i++)
		assert_int_equal(list->items[i].uid, alice);
	assert_int_equal(
	    list->total,
	    number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE uid = %u", db, alice));
	panel_action_list_free(list);
	f.login = "rnbob";
	assert_panel_rc(panel_action_list_get(&list, p, &member, &f), PANEL_ENOTFOUND);
	/* An admin sees bob's pending work, newest first, with its age. */
	f.state = "pending";
	assert_panel_ok(panel_action_list_get(&list, p, &super, &f));
	assert_int_equal(list->count, 1);
	assert_int_equal(list->items[0].id, pending);
	assert_string_equal(list->items[0].state, "pending");
	assert_string_equal(list->items[0].args, "{\"dir\": \"/x\"}");
	panel_action_list_free(list);
	f.state = "sleeping";
	assert_panel_rc(panel_action_list_get(&list, p, &super, &f), PANEL_EINVALID);

	/* Paging: two at a time, the cursor continues below the last id. */
	panel_action_filter all = PANEL_ACTION_FILTER_INIT;
	all.limit = 2;
	assert_panel_ok(panel_action_list_get(&list, p, &super, &all));
	assert_int_equal(list->count, 2);
	assert_true(list->items[0].id > list->items[1].id);
	char cursor[64];
	snprintf(cursor, sizeof(cursor), "%s", list->next_cursor);
	uint64_t second = list->items[1].id;
	panel_action_list_free(list);
	all.cursor = cursor;
	assert_panel_ok(panel_action_list_get(&list, p, &super, &all));
	assert_true(list->items[0].id < second);
	panel_action_list_free(list);

	/* Counters. */
	assert_panel_rc(panel_action_stats_get(&st, p, &member), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_action_stats_get(&st, p, &sys));
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.done, number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE state = "
					 "'done'",
					 db));
	assert_int_equal(st.failed, number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE state ="
					   " 'failed'",
					   db));
	run(p);

	/* Retry: a failed action only, by the system or a global admin. */
	uint64_t bad = queue("mkdir", alice, "rnalice", "{\"dir\": \"/../x\"}");
	run(p);
	assert_failed(bad, "refused");
	assert_panel_rc(panel_action_retry(p, &member, bad), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_action_retry(p, &super, pending), PANEL_ECONFLICT);
	assert_panel_rc(panel_action_retry(p, &super, 999999999), PANEL_ENOTFOUND);
	assert_panel_ok(panel_action_retry(p, &super, bad));
	assert_state(bad, "pending");
	assert_string_equal(column(bad, "attempts"), "0");
	assert_string_equal(column(bad, "done_at"), "");
	run(p);
	assert_failed(bad, "refused");
}

/* panel_jobs_run (panelctl jobs run) runs the database jobs alone. */
static void test_jobs_run_is_a_restricted_pass(void **state)
{
	unsigned done = 0;
	(void)state;
	settle();
	uint64_t dir = queue("mkdir", alice, "rnalice", "{\"dir\": \"/later\"}");
	uint64_t job = queue("db_dump", alice, "rnalice", "{\"database\": \"x\"}");
	assert_panel_ok(panel_jobs_run(&done, p, &sys));
	assert_int_equal(done, 1);
	assert_failed(job, "invalid job");
	assert_state(dir, "pending");
	run(p);
	assert_state(dir, "done");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mem_add_makes_the_web_root),
	    cmocka_unit_test(test_mkdir_and_retry),
	    cmocka_unit_test(test_mail_add_and_del),
	    cmocka_unit_test(test_purge_stays_on_its_filesystem),
	    cmocka_unit_test(test_mem_del_to_trash_and_purge),
	    cmocka_unit_test(test_mem_del_trashes_the_vhosts),
	    cmocka_unit_test(test_audit_retention),
	    cmocka_unit_test(test_finished_actions_retention),
	    cmocka_unit_test(test_claim_order),
	    cmocka_unit_test(test_links_planted_in_the_tree),
	    cmocka_unit_test(test_link_swapped_in_during_the_run),
	    cmocka_unit_test(test_odd_names_refused),
	    cmocka_unit_test(test_killed_runner_is_taken_over),
	    cmocka_unit_test(test_two_runners_race),
	    cmocka_unit_test(test_quota_without_filesystem_quotas),
	    cmocka_unit_test(test_quota_on_loop_ext4),
	    cmocka_unit_test(test_authorization_and_listing),
	    cmocka_unit_test(test_jobs_run_is_a_restricted_pass),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
