/* Attacks on database dumps and restores, as a hostile member would make them: its backups
 * folder is its own (FTP, its PHP), so it can rewrite a dump after the panel wrote it, plant a
 * file of its own (a huge sparse one too), or swap a folder or a file for a symbolic link or a
 * FIFO, even while a dump runs. Each test makes the attack and checks that no privilege, no
 * foreign database and no file outside the member's tree changed, that the runner neither
 * filled its memory nor its disk, and that a genuine restore still works (views, triggers,
 * routines). */
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-rsttest-XXXXXX", outside[] = "/tmp/panel-rstout-XXXXXX";
static panel *p;
static panel_actor sys, super, subadmin, alice, bob;

#define number(...)   ts_number(cluster, __VA_ARGS__)
#define member(login) ts_member(p, &super, login)

static int setup(void **state)
{
	(void)state;
	const char *const settings[] = {
	    "member_database", "client_host", "127.0.0.1", "hosting", "root", root, NULL};
	if (!mkdtemp(root) || !mkdtemp(outside) ||
	    ts_panel_fixture(&p, &cluster, db, sizeof(db), "rst", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = panel_actor_member(member("rstalice"));
	bob = panel_actor_member(member("rstbob"));
	/* Their web roots, as their mem_add actions make them. */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/html/r/rstalice' '%s/html/r/rstbob'", root, root);
	if (system(cmd) != 0)
		return -1;
	/* A sub-admin: an admin who sees only the accounts it created (subadmin_restriction). */
	subadmin = panel_actor_admin(member("rstsub"));
	ts_exec(cluster, db, "UPDATE membres SET su = 1 WHERE uid = %u", subadmin.uid);
	ts_exec(cluster, db, "UPDATE quotas SET total = 10 WHERE name IN ('mysql', 'mysql_users')");
	panel_database *d = NULL;
	if (panel_database_create(&d, p, &alice, NULL, NULL) != 0)
		return -1;
	panel_database_free(d);
	if (panel_database_create(&d, p, &bob, NULL, NULL) != 0)
		return -1;
	panel_database_free(d);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_account_delete(p, &super, "rstalice");
	panel_account_delete(p, &super, "rstbob");
	panel_account_delete(p, &super, "rstsub");
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return 0;
}

/* The first column of the first row of a query on server 0, into out ("" when none). */
static void text(char *out, size_t size, const char *fmt, ...)
{
	char sql[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	MYSQL *m = th_connect(cluster, 0, db);
	assert_non_null(m);
	if (mysql_query(m, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(m));
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	if (row && row[0])
		snprintf(out, size, "%s", row[0]);
	if (res)
		mysql_free_result(res);
	mysql_close(m);
}

/* Runs the queue; the result of job. */
static void run_job(char *result, size_t size, uint64_t job)
{
	unsigned done = 0;

	assert_panel_ok(panel_jobs_run(&done, p, &sys));
	assert_true(done >= 1);
	text(result, size, "SELECT result FROM panel_actions WHERE id = %llu",
	     (unsigned long long)job);
	/* Out of the hour that limits a member's jobs (tested on its own below). */
	ts_exec(cluster, db,
		"UPDATE panel_actions SET created = created - INTERVAL 2 HOUR WHERE action IN"
		" ('db_dump', 'db_restore')");
}

/* Dumps alice's database; the dump's path. */
static void dump(char *path, size_t size)
{
	char result[256];
	uint64_t job = 0;

	assert_panel_ok(panel_database_dump(&job, p, &alice, "rstalice"));
	run_job(result, sizeof(result), job);
	assert_string_equal(result, "ok");
	text(path, size, "SELECT JSON_VALUE(args, '$.file') FROM panel_actions WHERE id = %llu",
	     (unsigned long long)job);
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static void read_all(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void backups(char *out, size_t size)
{
	snprintf(out, size, "%s/html/r/rstalice/backups", root);
}

/* Nothing an attack aims at has changed. */
static void nothing_escaped(void)
{
	assert_int_equal(number("SELECT su FROM `%s`.membres WHERE login = 'rstalice'", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.tables WHERE "
				"table_schema = 'rstbob'"),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE user = 'rstevil'"), 0);
	assert_int_equal(number("SELECT @@global.max_connections > 10"), 1);
	char path[128];
	snprintf(path, sizeof(path), "%s/pwned", outside);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/outfile", outside);
	assert_int_equal(access(path, F_OK), -1);
}

/* ---------------------------------------------------------------- the issue's attack */

static void a_dump_rewritten_by_the_member_is_refused(void **state)
{
	(void)state;
	char path[512], result[256], sql[8192];
	uint64_t job = 0;

	dump(path, sizeof(path));
	/* The member rewrites its dump, keeping the name the panel gave it. */
	snprintf(sql, sizeof(sql),
		 "UPDATE `%s`.membres SET su=1 WHERE login='rstalice';\n"
		 "CREATE TABLE rstbob.x (i INT);\n",
		 db);
	unlink(path);
	write_file(path, sql);
	assert_panel_ok(
	    panel_database_restore(&job, p, &alice, "rstalice", strrchr(path, '/') + 1, 0));
	run_job(result, sizeof(result), job);
	assert_non_null(strstr(result, "refused"));
	assert_non_null(strstr(result, "changed"));
	nothing_escaped();

	/* The same, padded to the exact size the panel recorded: the checksum tells it. */
	struct stat st;
	dump(path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_true((size_t)st.st_size > strlen(sql) && (size_t)st.st_size < sizeof(sql));
	memset(sql + strlen(sql), ' ', (size_t)st.st_size - strlen(sql));
	sql[st.st_size - 1] = '\n';
	sql[st.st_size] = '\0';
	unlink(path);
	write_file(path, sql);
	assert_panel_ok(
	    panel_database_restore(&job, p, &alice, "rstalice", strrchr(path, '/') + 1, 0));
	run_job(result, sizeof(result), job);
	if (!strstr(result, "refused") || !strstr(result, "SHA-256 differs"))
		fail_msg("a rewrite of the same size: %s", result);
	nothing_escaped();
}

static void a_file_the_panel_did_not_write_needs_the_super_admin(void **state)
{
	(void)state;
	char dir[256], path[512];
	uint64_t job = 0;

	backups(dir, sizeof(dir));
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/rstalice-planted.sql", dir);
	write_file(path, "CREATE TABLE planted (i INT);\n");
	assert_panel_rc(
	    panel_database_restore(&job, p, &alice, "rstalice", "rstalice-planted.sql", 0),
	    PANEL_ENOTFOUND);
	assert_string_equal(panel_error_last()->field, "file");
	assert_panel_rc(panel_database_restore(&job, p, &alice, "rstalice", "rstalice-planted.sql",
					       PANEL_RESTORE_UNVERIFIED),
			PANEL_EFORBIDDEN);
	panel_actor as_alice = panel_actor_admin_as(2000, alice.uid);
	assert_panel_rc(panel_database_restore(&job, p, &as_alice, "rstalice",
					       "rstalice-planted.sql", PANEL_RESTORE_UNVERIFIED),
			PANEL_EFORBIDDEN);
	/* A sub-admin restricted to its own members (alice is not one). */
	assert_panel_rc(panel_database_restore(&job, p, &subadmin, "rstalice",
					       "rstalice-planted.sql", PANEL_RESTORE_UNVERIFIED),
			PANEL_ENOTFOUND);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE action = "
				"'db_restore' AND done_at IS NULL",
				db),
			 0);
}

/* ---------------------------------------------------------------- least privilege */

/* Keys for vi, should the client start it (600 times: vi drops what arrives while it starts):
 * each runs touch. */
static const char *sled(void)
{
	static char keys[600 * 64];
	size_t o = 0;

	for (int i = 0; i < 600 && o < sizeof(keys); i++)
		o +=
		    (size_t)snprintf(keys + o, sizeof(keys) - o, "\x1b:!touch %s/pwned\r", outside);
	return keys;
}

/* template with @DB@ (the panel's database), @OUT@ (a folder outside any member's tree) and
 * @SLED@ (sled()). */
static void expand(char *out, size_t size, const char *template)
{
	size_t o = 0;

	for (const char *s = template; *s && o + 1 < size;) {
		const char *with = NULL;
		if (strncmp(s, "@DB@", 4) == 0)
			with = db;
		else if (strncmp(s, "@SLED@", 6) == 0)
			with = sled();
		else if (strncmp(s, "@OUT@", 5) == 0)
			with = outside;
		if (!with) {
			out[o++] = *s++;
			continue;
		}
		o += (size_t)snprintf(out + o, size - o, "%s", with);
		s += strlen(with == db ? "@DB@" : with == outside ? "@OUT@" : "@SLED@");
	}
	out[o < size ? o : size - 1] = '\0';
}

/* The super admin restores a member's file unverified: it runs, but with the rights of that
 * database alone. */
static void an_unverified_restore_has_the_database_rights_alone(void **state)
{
	(void)state;
	static char sql[65536];
	char dir[256], path[512], result[256];
	const char *attacks[] = {
	    "UPDATE `@DB@`.membres SET su=1 WHERE login='rstalice';\n",
	    "INSERT INTO `@DB@`.membres (login) VALUES ('rstevil');\n",
	    "CREATE TABLE rstbob.x (i INT);\n",
	    "USE rstbob;\nCREATE TABLE x (i INT);\n",
	    "CREATE USER rstevil IDENTIFIED BY 'x';\n",
	    "GRANT ALL ON *.* TO CURRENT_USER;\n",
	    "SET GLOBAL max_connections = 2;\n",
	    "\\! touch @OUT@/pwned\n",
	    "system touch @OUT@/pwned\n",
	    /* The client's editor (vi), fed with the rest of the file as keys: --sandbox let it. */
	    "SELECT 1;\n\\e\n@SLED@\n",
	    "SELECT 1 \\e\n@SLED@\n",
	    "edit\n@SLED@\n",
	    /* Another connection with the restore account's credentials. */
	    "\\r rstbob 127.0.0.1\nCREATE TABLE x (i INT);\n",
	    "SELECT 'x' INTO OUTFILE '@OUT@/outfile';\n",
	    "CREATE TABLE leak (l TEXT);\nLOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE "
	    "leak;\n",
	    "CREATE TABLE leak2 (l TEXT);\nLOAD DATA INFILE '/etc/hostname' INTO TABLE leak2;\n",
	    "SET SESSION sql_log_bin = 0;\nCREATE TABLE unlogged (i INT);\n",
	};
	uint64_t job = 0;

	backups(dir, sizeof(dir));
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/rstalice-attack.sql", dir);
	for (size_t i = 0; i < sizeof(attacks) / sizeof(*attacks); i++) {
		expand(sql, sizeof(sql), attacks[i]);
		unlink(path);
		write_file(path, sql);
		assert_panel_ok(panel_database_restore(
		    &job, p, &super, "rstalice", "rstalice-attack.sql", PANEL_RESTORE_UNVERIFIED));
		run_job(result, sizeof(result), job);
		if (strcmp(result, "ok") == 0)
			fail_msg("attack %zu ran: %s", i, sql);
		nothing_escaped();
	}
	/* The tables were created (the statements before the refused one ran), but stay empty. */
	assert_int_equal(number("SELECT COUNT(*) FROM rstalice.leak"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM rstalice.leak2"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.tables WHERE "
				"table_schema = 'rstalice' AND table_name = 'unlogged'"),
			 0);

	/* What the database's owner may do works: the account is not merely broken. */
	write_file(path, "CREATE TABLE fine (i INT);\nINSERT INTO fine VALUES (42);\n");
	assert_panel_ok(panel_database_restore(&job, p, &super, "rstalice", "rstalice-attack.sql",
					       PANEL_RESTORE_UNVERIFIED));
	run_job(result, sizeof(result), job);
	assert_string_equal(result, "ok");
	assert_int_equal(number("SELECT i FROM rstalice.fine"), 42);

	/* Between restores the account is locked; its password was never written anywhere. */
	assert_int_equal(number("SELECT JSON_VALUE(priv, '$.account_locked') IN ('true', '1') FROM "
				"mysql.global_priv WHERE user = 'panel_rst_rstalice'"),
			 1);
}

/* A routine of the member's, made through its own connection: "--" then a control character
 * is a comment to the server, which keeps the body as sent, and mariadb-dump writes it out as
 * it is; the client does not read it as a comment. Its \e started vi as root (--sandbox does
 * not stop it) in the restore of a dump the panel wrote itself, so the checksum matched. */
static void a_routine_cannot_reach_the_restore_client(void **state)
{
	(void)state;
	static char sql[65536];
	char path[512], result[256];
	uint64_t job = 0;

	expand(sql, sizeof(sql),
	       "CREATE PROCEDURE sneaky()\nBEGIN\n  SELECT 1; --\x01\\e\n  /*@SLED@*/\nEND");
	MYSQL *m = th_connect(cluster, 0, "rstalice");
	assert_non_null(m);
	if (mysql_real_query(m, sql, strlen(sql)) != 0)
		fail_msg("the member's routine: %s", mysql_error(m));
	mysql_close(m);
	dump(path, sizeof(path));
	assert_panel_ok(
	    panel_database_restore(&job, p, &alice, "rstalice", strrchr(path, '/') + 1, 0));
	run_job(result, sizeof(result), job);
	nothing_escaped();
	/* The client refuses the command it does not run: the restore fails, nothing else. */
	if (strcmp(result, "ok") != 0 && !strstr(result, "exited with"))
		fail_msg("restore: %s", result);
	ts_exec(cluster, "rstalice", "DROP PROCEDURE IF EXISTS sneaky");
}

/* A dump asked before the account's mem_add action ran (a second runner, or mem_add waiting to
 * be retried) fails and makes nothing: it made the account's folders as root's, mode 0700,
 * html/<letter> among them, so the web server could reach no site under that letter. */
static void a_dump_before_the_accounts_folders_makes_none(void **state)
{
	(void)state;
	char result[256], path[512];
	uint64_t job = 0;
	struct stat st;
	panel_actor carol = panel_actor_member(member("rsucarol"));
	panel_database *d = NULL;

	assert_panel_ok(panel_database_create(&d, p, &carol, NULL, NULL));
	panel_database_free(d);
	assert_panel_ok(panel_database_dump(&job, p, &carol, "rsucarol"));
	run_job(result, sizeof(result), job);
	if (!strstr(result, "folders are not made yet"))
		fail_msg("dump before mem_add: %s", result);
	snprintf(path, sizeof(path), "%s/html/r/rsucarol", root);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/html/r", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755); /* made by the test's mkdir -p, untouched */
	panel_account_delete(p, &super, "rsucarol");
}

/* A member's dumps and restores are 12 an hour, whatever becomes of them: one that fails at
 * once (the backups folder made a file) could be asked again at once, each leaving its rows.
 * An administrator is not limited. Failed ones are removed with the done ones. */
static void a_member_has_twelve_jobs_an_hour(void **state)
{
	(void)state;
	char dir[256], result[256];
	uint64_t job = 0;

	backups(dir, sizeof(dir));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && echo x > '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
	for (int i = 0; i < 12; i++) {
		assert_panel_ok(panel_database_dump(&job, p, &alice, "rstalice"));
		unsigned done = 0;
		assert_panel_ok(panel_jobs_run(&done, p, &sys));
		text(result, sizeof(result), "SELECT state FROM panel_actions WHERE id = %llu",
		     (unsigned long long)job);
		assert_string_equal(result, "failed");
	}
	assert_panel_rc(panel_database_dump(&job, p, &alice, "rstalice"), PANEL_ELIMIT);
	assert_non_null(strstr(panel_error_last()->message, "12 dumps and restores an hour"));
	assert_panel_ok(panel_database_dump(&job, p, &super, "rstalice"));
	run_job(result, sizeof(result), job); /* ages them all out of the hour */
	/* Failed dumps go with the done actions after actions_days. */
	ts_exec(cluster, db,
		"UPDATE panel_actions SET done_at = done_at - INTERVAL 40 DAY WHERE action ="
		" 'db_dump' AND state = 'failed'");
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report report;
	assert_panel_ok(panel_actions_run(&report, p, &sys, &opts));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE action = 'db_dump'"
				" AND state = 'failed'",
				db),
			 0);
	snprintf(cmd, sizeof(cmd), "rm -f '%s' && mkdir '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
}

/* ---------------------------------------------------------------- links and FIFOs */

static void symbolic_links_and_fifos_in_the_member_folder_are_refused(void **state)
{
	(void)state;
	char dir[256], path[512], target[512], result[256], before[512];
	uint64_t job = 0;

	/* The backups folder swapped for a link to a folder outside the member's tree. */
	backups(dir, sizeof(dir));
	snprintf(before, sizeof(before), "%s.real", dir);
	assert_int_equal(rename(dir, before), 0);
	assert_int_equal(symlink(outside, dir), 0);
	assert_panel_ok(panel_database_dump(&job, p, &alice, "rstalice"));
	run_job(result, sizeof(result), job);
	assert_non_null(strstr(result, "symbolic link"));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_dumps WHERE id > 0 AND file "
				"LIKE 'rstalice-%%' AND created > NOW() - INTERVAL 2 SECOND AND "
				"size = 0",
				db),
			 0);
	char listing[600];
	snprintf(listing, sizeof(listing), "test -z \"$(ls -A '%s')\"", outside);
	assert_int_equal(system(listing), 0);
	/* A restore through the linked folder is refused too. */
	snprintf(target, sizeof(target), "%s/rstalice-viafolder.sql", outside);
	write_file(target, "CREATE TABLE viafolder (i INT);\n");
	assert_panel_ok(panel_database_restore(&job, p, &super, "rstalice",
					       "rstalice-viafolder.sql", PANEL_RESTORE_UNVERIFIED));
	run_job(result, sizeof(result), job);
	assert_non_null(strstr(result, "symbolic link"));
	unlink(target);
	assert_int_equal(unlink(dir), 0);
	assert_int_equal(rename(before, dir), 0);

	/* The dump file itself swapped for a link to a file outside. */
	snprintf(target, sizeof(target), "%s/secret.sql", outside);
	write_file(target, "CREATE TABLE vialink (i INT);\n");
	snprintf(path, sizeof(path), "%s/rstalice-link.sql", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_panel_ok(panel_database_restore(&job, p, &super, "rstalice", "rstalice-link.sql",
					       PANEL_RESTORE_UNVERIFIED));
	run_job(result, sizeof(result), job);
	assert_non_null(strstr(result, "symbolic link"));
	unlink(target);

	/* A FIFO under a dump's name does not hang the runner. */
	snprintf(path, sizeof(path), "%s/rstalice-fifo.sql", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_panel_ok(panel_database_restore(&job, p, &super, "rstalice", "rstalice-fifo.sql",
					       PANEL_RESTORE_UNVERIFIED));
	run_job(result, sizeof(result), job);
	assert_non_null(strstr(result, "not a regular file"));
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.tables WHERE "
				"table_schema = 'rstalice' AND table_name IN ('viafolder', "
				"'vialink')"),
			 0);
}

/* ---------------------------------------------------------------- huge files */

#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

/* A sparse file of size bytes at path (it takes no disk): holes alone, which a line reader
 * reads as one endless line, or with a newline at the end of each MiB, which a copier writes
 * out line by line. */
static void plant_sparse(const char *path, unsigned long long size, int newlines)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	for (unsigned long long at = MiB - 1; newlines && at < size; at += MiB)
		assert_int_equal(pwrite(fd, "\n", 1, (off_t)at), 1);
	assert_int_equal(close(fd), 0);
}

/* A field of /proc/self/io: wchar, the bytes this process handed to write(2) (to any file
 * system, tmpfs included, even to a file unlinked since). */
static unsigned long long proc_io(const char *field)
{
	char name[32];
	unsigned long long v, found = 0;
	FILE *f = fopen("/proc/self/io", "r");

	assert_non_null(f);
	while (fscanf(f, "%31[^:]: %llu\n", name, &v) == 2)
		if (strcmp(name, field) == 0)
			found = v;
	fclose(f);
	return found;
}

/* Bounds on the process while a job reads a planted file, so that a runner that reads it all
 * fails the assertions below instead of taking the machine with it: no file written past
 * 256 MiB (SIGXFSZ ignored: the write fails with EFBIG), and outside the sanitizers (whose
 * shadow memory needs terabytes of address space) 2 GiB more address space at most. */
struct guard {
	struct rlimit fsize, as;
	void (*xfsz)(int);
};

#if defined(__SANITIZE_ADDRESS__)
#define ADDRESS_LIMIT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ADDRESS_LIMIT 0
#endif
#endif
#ifndef ADDRESS_LIMIT
#define ADDRESS_LIMIT 1
#endif

/* Lowers the soft limit res to at most want (never above the hard one). */
static void limit(int res, rlim_t want)
{
	struct rlimit r;

	assert_int_equal(getrlimit(res, &r), 0);
	if (r.rlim_max != RLIM_INFINITY && want > r.rlim_max)
		want = r.rlim_max;
	if (r.rlim_cur == RLIM_INFINITY || want < r.rlim_cur)
		r.rlim_cur = want;
	assert_int_equal(setrlimit(res, &r), 0);
}

static void guard_on(struct guard *g)
{
	unsigned long long pages = 0;
	FILE *f;

	g->xfsz = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &g->fsize), 0);
	assert_int_equal(getrlimit(RLIMIT_AS, &g->as), 0);
	limit(RLIMIT_FSIZE, 256 * MiB);
	if (!ADDRESS_LIMIT)
		return;
	f = fopen("/proc/self/statm", "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &pages), 1);
	fclose(f);
	limit(RLIMIT_AS, pages * (unsigned long long)sysconf(_SC_PAGESIZE) + 2 * GiB);
}

static void guard_off(struct guard *g)
{
	assert_int_equal(setrlimit(RLIMIT_AS, &g->as), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &g->fsize), 0);
	signal(SIGXFSZ, g->xfsz);
}

/* Runs job with the guard on; fails unless the process's peak resident size stayed far below
 * the planted file's (under 512 MiB, ru_maxrss being the peak of the process's whole life) and
 * it wrote less than 64 MiB in all (the copy goes to an unlinked file in /tmp: what was written
 * shows in wchar, not in a listing). */
static void run_guarded(char *result, size_t size, uint64_t job)
{
	struct guard g;
	struct rusage ru;
	unsigned long long before = proc_io("wchar");

	guard_on(&g);
	run_job(result, size, job);
	guard_off(&g);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	if ((unsigned long long)ru.ru_maxrss * 1024 >= 512 * MiB)
		fail_msg("peak RSS %ld KiB reading a planted file (%s)", ru.ru_maxrss, result);
	if (proc_io("wchar") - before >= 64 * MiB)
		fail_msg("%llu bytes written reading a planted file (%s)",
			 proc_io("wchar") - before, result);
}

/* The member swaps its dump for a sparse file of 8 GiB under the recorded name (truncate -s:
 * no disk, no quota), holes alone (a line reader grows its buffer to the file's size) or with
 * a newline each MiB (a copier fills /tmp); the super admin's unverified restore gets the same
 * file. The runner, root, must refuse both from the file's size, without reading them. */
static void a_huge_sparse_file_under_a_dumps_name_is_refused_unread(void **state)
{
	(void)state;
	char path[512], planted[512], result[256];
	uint64_t job = 0;

	dump(path, sizeof(path));
	for (int newlines = 0; newlines < 2; newlines++) {
		assert_int_equal(unlink(path), 0);
		plant_sparse(path, 8 * GiB, newlines);
		assert_panel_ok(
		    panel_database_restore(&job, p, &alice, "rstalice", strrchr(path, '/') + 1, 0));
		run_guarded(result, sizeof(result), job);
		if (!strstr(result, "refused") || !strstr(result, "size differs"))
			fail_msg("a sparse file of 8 GiB: %s", result);
	}
	assert_int_equal(unlink(path), 0);

	/* Not a dump the panel wrote: no size to compare, but a most the runner reads. */
	backups(planted, sizeof(planted));
	strncat(planted, "/rstalice-huge.sql", sizeof(planted) - strlen(planted) - 1);
	plant_sparse(planted, 8 * GiB, 1);
	assert_panel_ok(panel_database_restore(&job, p, &super, "rstalice", "rstalice-huge.sql",
					       PANEL_RESTORE_UNVERIFIED));
	run_guarded(result, sizeof(result), job);
	if (!strstr(result, "refused") || !strstr(result, "larger than"))
		fail_msg("an unverified sparse file of 8 GiB: %s", result);
	assert_int_equal(unlink(planted), 0);
	nothing_escaped();
}

/* ---------------------------------------------------------------- a failed dump */

/* The member swaps its backups folder for a link to a folder of someone else's (here
 * `outside`) holding a file with the dump's exact name, after the runner created the dump in
 * the real folder and before the dump fails (a view over a dropped table: mariadb-dump exits
 * with 2). The swap is made deterministic by a mariadb-dump found first in PATH that makes it,
 * then runs the real one. The runner's cleanup must remove its own file, never the victim. */
static void a_failed_dump_removes_its_own_file_alone(void **state)
{
	(void)state;
	char dir[256], real[300], wrap[300], script[1200], path[512], victim[512], ours[600];
	char result[256], oldpath[4096];
	const char *env = getenv("PATH");
	struct stat st;
	uint64_t job = 0;

	ts_exec(cluster, "rstalice",
		"CREATE TABLE gone (i INT); CREATE VIEW broken AS SELECT i FROM gone; "
		"DROP TABLE gone");
	backups(dir, sizeof(dir));
	mkdir(dir, 0700);
	snprintf(real, sizeof(real), "%s.real", dir);
	assert_panel_ok(panel_database_dump(&job, p, &alice, "rstalice"));
	text(path, sizeof(path),
	     "SELECT JSON_VALUE(args, '$.file') FROM panel_actions WHERE id = %llu",
	     (unsigned long long)job);
	snprintf(victim, sizeof(victim), "%s%s", outside, strrchr(path, '/'));
	snprintf(ours, sizeof(ours), "%s%s", real, strrchr(path, '/'));
	write_file(victim, "not the member's\n");

	snprintf(oldpath, sizeof(oldpath), "%s", env ? env : "/usr/bin:/bin");
	snprintf(wrap, sizeof(wrap), "%s/wrap", root);
	assert_int_equal(mkdir(wrap, 0700), 0);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\nmv '%s' '%s' && ln -s '%s' '%s' || exit 99\n"
		 "PATH=\"${PATH#*:}\"; export PATH; exec mariadb-dump \"$@\"\n",
		 dir, real, outside, dir);
	strncat(wrap, "/mariadb-dump", sizeof(wrap) - strlen(wrap) - 1);
	write_file(wrap, script);
	assert_int_equal(chmod(wrap, 0700), 0);
	*strrchr(wrap, '/') = '\0';
	/* The wrapper's folder first; the wrapper takes it off again for the real one. */
	char newpath[4400];
	snprintf(newpath, sizeof(newpath), "%s:%s", wrap, oldpath);
	assert_int_equal(setenv("PATH", newpath, 1), 0);
	run_job(result, sizeof(result), job);
	assert_int_equal(setenv("PATH", oldpath, 1), 0);
	/* What happened, then the member's folder put back before any assertion can stop us. */
	int swapped = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode);
	int victim_kept = access(victim, F_OK) == 0, ours_left = access(ours, F_OK) == 0;
	if (swapped && (unlink(dir) != 0 || rename(real, dir) != 0))
		fail_msg("cannot put %s back", dir);
	unlink(victim);
	snprintf(script, sizeof(script), "rm -rf '%s'", wrap);
	assert_int_equal(system(script), 0);
	ts_exec(cluster, "rstalice", "DROP VIEW broken");

	/* The attack happened as planned: the folder was swapped, the dump failed. */
	assert_true(swapped);
	if (!strstr(result, "mariadb-dump exited with 2"))
		fail_msg("the dump did not fail as planned: %s", result);
	/* The victim is intact, the runner's own file gone, nothing recorded. */
	if (!victim_kept)
		fail_msg("the runner deleted %s through the member's link", victim);
	assert_false(ours_left);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_dumps WHERE file = '%s'", db,
				strrchr(path, '/') + 1),
			 0);
}

/* ---------------------------------------------------------------- the restore client itself */

/* The restore's client reads bytes the member wrote: should its --binary-mode and --sandbox miss
 * something, it runs as nobody (the runner is root), with no descriptor of the runner's (its
 * connections to the database as the panel's own account), and its options come on a pipe,
 * not in a file. A mariadb found first in PATH writes down what it was given, then runs the
 * real one, and the restore still works. Only as root: otherwise nothing is dropped. */
static void the_restore_client_is_unprivileged_with_nothing_of_the_runners(void **state)
{
	(void)state;
	char dir[] = "/tmp/panel-rstwrap-XXXXXX", wrap[128], seen[128], fds[160], script[1024];
	char path[512], result[256], got[1024], leads[2048], oldpath[4096];
	const char *env = getenv("PATH");
	uint64_t job = 0;

	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(wrap, sizeof(wrap), "%s/mariadb", dir);
	snprintf(seen, sizeof(seen), "%s/seen", dir);
	snprintf(fds, sizeof(fds), "%s.fds", seen);
	write_file(seen, "");
	write_file(fds, "");
	assert_int_equal(chmod(seen, 0666), 0);
	assert_int_equal(chmod(fds, 0666), 0);
	/* Its uid, its first option, what that option names, and what its descriptors lead to
	 * (listed by a command of their own, so that the shell's own redirections are not). */
	snprintf(script, sizeof(script),
		 "#!/bin/sh\nreadlink /proc/$$/fd/* > '%s.fds' 2>/dev/null\n"
		 "{ id -u; echo \"$1\"; stat -L -c %%F /proc/$$/fd/3; } > '%s'\n"
		 "PATH=\"${PATH#*:}\"; export PATH; exec mariadb \"$@\"\n",
		 seen, seen);
	write_file(wrap, script);
	assert_int_equal(chmod(wrap, 0755), 0);

	dump(path, sizeof(path));
	assert_panel_ok(
	    panel_database_restore(&job, p, &alice, "rstalice", strrchr(path, '/') + 1, 0));
	snprintf(oldpath, sizeof(oldpath), "%s", env ? env : "/usr/bin:/bin");
	char newpath[4400];
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, oldpath);
	assert_int_equal(setenv("PATH", newpath, 1), 0);
	run_job(result, sizeof(result), job);
	assert_int_equal(setenv("PATH", oldpath, 1), 0);
	read_all(seen, got, sizeof(got));
	read_all(fds, leads, sizeof(leads));
	snprintf(script, sizeof(script), "rm -rf '%s'", dir);
	assert_int_equal(system(script), 0);

	assert_string_equal(result, "ok");
	/* panel-restore or nobody; the options on descriptor 3, a pipe. */
	char want[128];
	struct passwd *user = getpwnam("panel-restore"); /* where the packages made it */
	if (!user)
		user = getpwnam("nobody");
	assert_non_null(user);
	snprintf(want, sizeof(want), "%u\n--defaults-file=/proc/self/fd/3\nfifo\n",
		 (unsigned)user->pw_uid);
	assert_string_equal(got, want);
	/* Five descriptors: the dump's copy, /dev/null, the error file, the options' pipe and
	 * the shell's script; none of the runner's (its database connections). */
	int lines = 0;
	for (const char *c = leads; *c; c++)
		lines += *c == '\n';
	if (lines != 5 || strstr(leads, "socket:"))
		fail_msg("the client holds other descriptors:\n%s", leads);
}

/* ---------------------------------------------------------------- a genuine restore */

static void views_triggers_and_routines_come_back(void **state)
{
	(void)state;
	char path[512], result[256], definer[160];
	panel_dbuser *u = NULL;
	uint64_t job = 0;

	/* With binary logging on, creating triggers and routines without SUPER needs this, for the
	 * member's own users as for the restore account: a host that offers them sets it. */
	ts_exec(cluster, "rstalice", "SET GLOBAL log_bin_trust_function_creators = 1");
	/* Objects defined by the member's own user, as its applications create them. */
	assert_panel_ok(panel_dbuser_create(&u, p, &alice, NULL, NULL, "Rst-pass-2026!x"));
	panel_dbuser_free(u);
	ts_exec(cluster, "rstalice",
		"CREATE TABLE t (i INT); CREATE TABLE audit_log (i INT); "
		"INSERT INTO t VALUES (1), (2);"
		"CREATE DEFINER='rstalice'@'127.0.0.1' VIEW v AS SELECT SUM(i) AS s FROM t;"
		"CREATE DEFINER='rstalice'@'127.0.0.1' TRIGGER tr AFTER INSERT ON t FOR EACH ROW "
		"INSERT INTO audit_log VALUES (NEW.i);"
		"CREATE DEFINER='rstalice'@'127.0.0.1' PROCEDURE twice(IN x INT) "
		"BEGIN INSERT INTO t VALUES (x); INSERT INTO t VALUES (x); END");
	/* A line of the dump longer than the blocks the copy reads (64 KiB), a DEFINER after it. */
	ts_exec(
	    cluster, "rstalice",
	    "CREATE TABLE big (t LONGTEXT); INSERT INTO big VALUES (REPEAT('0123456789', 30000))");
	dump(path, sizeof(path));
	ts_exec(cluster, "rstalice",
		"DROP VIEW v; DROP TRIGGER tr; DROP PROCEDURE twice; DROP TABLE t; "
		"DROP TABLE audit_log; DROP TABLE big");
	assert_panel_ok(
	    panel_database_restore(&job, p, &alice, "rstalice", strrchr(path, '/') + 1, 0));
	run_job(result, sizeof(result), job);
	ts_exec(cluster, "rstalice", "SET GLOBAL log_bin_trust_function_creators = 0");
	assert_string_equal(result, "ok");
	assert_int_equal(number("SELECT s FROM rstalice.v"), 3);
	assert_int_equal(number("SELECT t = REPEAT('0123456789', 30000) FROM rstalice.big"), 1);
	ts_exec(cluster, "rstalice", "CALL twice(5)");
	assert_int_equal(number("SELECT COUNT(*) FROM rstalice.audit_log WHERE i = 5"), 2);
	assert_int_equal(number("SELECT s FROM rstalice.v"), 13);
	text(definer, sizeof(definer),
	     "SELECT definer FROM information_schema.views WHERE table_schema = 'rstalice'");
	assert_string_equal(definer, "panel_rst_rstalice@127.0.0.1");

	/* Dropping the database drops its restore account and forgets its dumps. */
	assert_panel_ok(panel_database_delete(p, &alice, "rstalice"));
	assert_int_equal(
	    number("SELECT COUNT(*) FROM mysql.user WHERE user = 'panel_rst_rstalice'"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_dumps WHERE db = 'rstalice'", db),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_dump_rewritten_by_the_member_is_refused),
	    cmocka_unit_test(a_file_the_panel_did_not_write_needs_the_super_admin),
	    cmocka_unit_test(an_unverified_restore_has_the_database_rights_alone),
	    cmocka_unit_test(a_routine_cannot_reach_the_restore_client),
	    cmocka_unit_test(a_dump_before_the_accounts_folders_makes_none),
	    cmocka_unit_test(a_member_has_twelve_jobs_an_hour),
	    cmocka_unit_test(symbolic_links_and_fifos_in_the_member_folder_are_refused),
	    cmocka_unit_test(a_huge_sparse_file_under_a_dumps_name_is_refused_unread),
	    cmocka_unit_test(a_failed_dump_removes_its_own_file_alone),
	    cmocka_unit_test(the_restore_client_is_unprivileged_with_nothing_of_the_runners),
	    cmocka_unit_test(views_triggers_and_routines_come_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
