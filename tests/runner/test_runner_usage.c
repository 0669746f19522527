/* The members' web usage measured by the actions runner where the filesystem keeps no quotas: a
 * walk of each web space that counts like du -skx (files of known sizes, a sparse file, a hard
 * link once, a FIFO, a deep tree), never follows a link (to a big file outside, to /, to another
 * member), never enters another filesystem, stops at its depth limit, and records the usage
 * with its time, which the panel shows (used, measured_at). The quota path itself is tested on a
 * loop-mounted ext4 in test_runner.c, where the machine allows it. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "handle.h"
#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-usage-XXXXXX", outside[] = "/tmp/panel-usout-XXXXXX";
static panel *p;
static panel_actor sys, super;
static uint32_t alice, bob, evil, deep;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

static const char *const settings[] = {"hosting", "root", root, NULL};

static panel_runner_report run(panel *h)
{
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report r;

	opts.purge = 0;
	assert_panel_ok(panel_actions_run(&r, h, &sys, &opts));
	return r;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root) || !mkdtemp(outside) ||
	    ts_panel_fixture(&p, &cluster, db, sizeof(db), "usage", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = ts_member(p, &super, "usalice");
	bob = ts_member(p, &super, "usbob");
	evil = ts_member(p, &super, "usevil");
	deep = ts_member(p, &super, "usdeep");
	run(p); /* their web roots */
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

static void web(char *out, size_t size, const char *login, const char *rel)
{
	snprintf(out, size, "%s/html/%c/%s%s%s", root, login[0], login, rel ? "/" : "",
		 rel ? rel : "");
}

/* A file of size bytes (not zeros: no filesystem may compress or skip them). */
static void write_file(const char *path, size_t size)
{
	char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	while (size > 0) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		size -= n;
	}
	assert_int_equal(close(fd), 0);
}

/* du -skx of path: what 1.0's nightly accounting recorded, and what the walk must find. */
static long long du_kb(const char *path)
{
	char cmd[600];
	long long kb = -1;

	snprintf(cmd, sizeof(cmd), "du -skx '%s'", path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lld", &kb), 1);
	assert_int_equal(pclose(f), 0);
	return kb;
}

/* The member's measurement made old: the next pass measures it again. */
static void make_due(uint32_t uid)
{
	sql("UPDATE size_web SET ts = NOW() - INTERVAL 1 HOUR WHERE uid = %u", uid);
}

static long long size_web(uint32_t uid)
{
	return number("SELECT COALESCE((SELECT size FROM `%s`.size_web WHERE uid = %u), -1)", db,
		      uid);
}

/* A chain of levels folders named d under dir, with a file of size bytes at the bottom. */
static void chain(const char *dir, unsigned levels, size_t size)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	for (unsigned i = 0; i < levels; i++) {
		assert_true(mkdirat(fd, "d", 0755) == 0 || errno == EEXIST);
		int sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(sub >= 0);
		close(fd);
		fd = sub;
	}
	int f = openat(fd, "f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(f >= 0);
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	for (size_t done = 0; done < size; done += sizeof(buf))
		assert_int_equal(write(f, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(f);
	close(fd);
}

/* A handle on the test's database and hosting root with one [runner] setting of its own. */
static panel *runner_with(const char *key, const char *value)
{
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *h = NULL;

	assert_int_equal(panel_config_set(cfg, "hosting", "root", root), 0);
	assert_int_equal(panel_config_set(cfg, "runner", key, value), 0);
	assert_panel_ok(panel_open(&h, cfg));
	panel_config_free(cfg);
	return h;
}

/* The pass walked (this machine's kernel keeps no quotas); otherwise the test is skipped. */
static void require_walk(const panel_runner_report *r)
{
	if (r->usage_source == PANEL_USAGE_QUOTAS) {
		fprintf(stderr, "skipped: the hosting root's filesystem has group quotas (%s)\n",
			r->usage);
		skip();
	}
	if (r->usage_source != PANEL_USAGE_WALK)
		fail_msg("usage source %d, usage \"%s\"", (int)r->usage_source, r->usage);
}

/* ---------------------------------------------------------------- tests */

static void test_walk_counts_like_du(void **state)
{
	char w[512], f[600], g[600];
	panel_quota q;
	(void)state;

	/* alice: files of known sizes, a hard link, a sparse file, a FIFO, a deep tree, and links
	 * to a big file outside, to / and to bob's web space, none of which may be counted. */
	web(w, sizeof(w), "usalice", NULL);
	web(f, sizeof(f), "usalice", "a");
	write_file(f, 10000);
	web(f, sizeof(f), "usalice", "b");
	write_file(f, 100 * 1024);
	web(g, sizeof(g), "usalice", "b2");
	assert_int_equal(link(f, g), 0);
	web(f, sizeof(f), "usalice", "sparse");
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	assert_int_equal(pwrite(fd, "sparse!", 7, 1 << 20), 7);
	close(fd);
	web(f, sizeof(f), "usalice", "pipe");
	assert_int_equal(mkfifo(f, 0600), 0);
	chain(w, 40, 4096);
	snprintf(g, sizeof(g), "%s/big", outside);
	write_file(g, 8 << 20);
	web(f, sizeof(f), "usalice", "big");
	assert_int_equal(symlink(g, f), 0);
	web(f, sizeof(f), "usalice", "root");
	assert_int_equal(symlink("/", f), 0);
	web(g, sizeof(g), "usbob", NULL);
	web(f, sizeof(f), "usalice", "bob");
	assert_int_equal(symlink(g, f), 0);
	/* bob: 2 MB of his own. */
	web(f, sizeof(f), "usbob", "mine");
	write_file(f, 2 << 20);

	make_due(alice);
	make_due(bob);
	panel_runner_report r = run(p);
	require_walk(&r);
	assert_true(r.measured >= 2);
	assert_non_null(strstr(r.usage, "walking their web spaces"));
	assert_non_null(strstr(r.usage, "no disk quotas"));

	/* Exactly du -skx: the sparse file's few blocks, b once, no link followed. */
	long long kb = size_web(alice);
	assert_int_equal(kb, du_kb(w));
	assert_true(kb >= 110); /* a and b at least */
	assert_true(kb < 2048); /* neither big (8 MB), nor bob's 2 MB, nor the sparse 64 MB */
	web(g, sizeof(g), "usbob", NULL);
	assert_int_equal(size_web(bob), du_kb(g));
	assert_true(size_web(bob) >= 2048);

	/* The panel shows it with its time, to the member itself. */
	panel_actor member = panel_actor_member(alice);
	assert_panel_ok(panel_quota_get(&q, p, &member, "usalice", "web"));
	assert_int_equal(q.used, kb);
	assert_int_equal(strlen(q.measured_at), 19);
	assert_int_equal(
	    number("SELECT TIMESTAMPDIFF(SECOND, '%s', NOW()) BETWEEN 0 AND 30", q.measured_at), 1);
	json_t *j = panel_quota_to_json(&q);
	assert_string_equal(json_string_value(json_object_get(j, "measured_at")), q.measured_at);
	json_decref(j);
	/* The counted quotas have no measuring time. */
	assert_panel_ok(panel_quota_get(&q, p, &member, "usalice", "dom"));
	assert_string_equal(q.measured_at, "");
	j = panel_quota_to_json(&q);
	assert_true(json_is_null(json_object_get(j, "measured_at")));
	json_decref(j);

	/* Fresh measurements are not taken again; the pass says when the next one is due. */
	r = run(p);
	assert_int_equal(r.measured, 0);
	assert_int_equal(r.usage_source, PANEL_USAGE_NONE);
	assert_string_equal(r.usage, "");
	assert_true(r.next_due > 0 && r.next_due <= 300);

	/* A file added shows at the next measurement. */
	web(f, sizeof(f), "usalice", "more");
	write_file(f, 500 * 1024);
	make_due(alice);
	run(p);
	assert_true(size_web(alice) >= kb + 500);
	assert_int_equal(size_web(alice), du_kb(w));
}

/* usage_refresh = 0: passes never measure; panel_jobs_run's restricted pass never does. */
static void test_refresh_off(void **state)
{
	panel *h = runner_with("usage_refresh", "0");
	unsigned done;
	(void)state;

	make_due(alice);
	panel_runner_report r = run(h);
	assert_int_equal(r.measured, 0);
	panel_close(h);
	assert_panel_ok(panel_jobs_run(&done, p, &sys));
	assert_int_equal(number("SELECT ts < NOW() - INTERVAL 30 MINUTE FROM `%s`.size_web WHERE "
				"uid = %u",
				db, alice),
			 1);
	/* A value out of range is refused with the file's key named. */
	panel_config *cfg = ts_config(cluster, 0, db);
	assert_int_not_equal(panel_config_set(cfg, "runner", "usage_refresh", "86401"), 0);
	panel_config_free(cfg);
	run(p); /* measured again for the next tests */
}

/* A hostile member: its web root swapped for a link to / (then to another member's space) is
 * not measured at all; a folder swapped for a link during the walks is never followed; a
 * filesystem mounted inside a web space (where this machine allows a mount) is not entered. */
static void test_hostile_tree_never_leaves(void **state)
{
	char w[512], moved[600], f[600], cmd[1400];
	(void)state;

	web(w, sizeof(w), "usevil", NULL);
	snprintf(moved, sizeof(moved), "%s.real", w);
	assert_int_equal(rename(w, moved), 0);
	assert_int_equal(symlink("/", w), 0);
	sql("DELETE FROM size_web WHERE uid = %u", evil);
	panel_runner_report r = run(p);
	require_walk(&r);
	assert_true(r.unmeasured >= 1);
	assert_int_equal(size_web(evil), -1);
	assert_non_null(strstr(r.warning, "could not be measured"));

	web(f, sizeof(f), "usbob", NULL);
	assert_int_equal(unlink(w), 0);
	assert_int_equal(symlink(f, w), 0);
	r = run(p);
	assert_true(r.unmeasured >= 1);
	assert_int_equal(size_web(evil), -1);
	assert_int_equal(unlink(w), 0);
	assert_int_equal(rename(moved, w), 0);
	r = run(p);
	assert_int_equal(r.unmeasured, 0);
	assert_int_equal(size_web(evil), du_kb(w));

	/* A folder swapped for a link to outside (8 MB there) and back, over and over, while
	 * passes measure: never followed. */
	web(f, sizeof(f), "usevil", "sw");
	char tmp[700];
	snprintf(tmp, sizeof(tmp), "%s.tmp", f);
	assert_int_equal(mkdir(f, 0755), 0);
	assert_int_equal(symlink(outside, tmp), 0);
	int stop[2];
	assert_int_equal(pipe(stop), 0);
	assert_int_equal(fcntl(stop[0], F_SETFL, O_NONBLOCK), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* renameat2(RENAME_EXCHANGE): sw is the folder and the link in turn, atomically,
		 * two swaps a round, until the parent writes. */
		char c;
		close(stop[1]);
		while (read(stop[0], &c, 1) != 1)
			for (int i = 0; i < 2; i++)
				if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, f, 2) != 0)
					_exit(1);
		_exit(0);
	}
	close(stop[0]);
	for (int i = 0; i < 20; i++) {
		make_due(evil);
		run(p);
		assert_true(size_web(evil) < 1024);
	}
	assert_int_equal(write(stop[1], "x", 1), 1);
	close(stop[1]);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(unlink(tmp), 0); /* an even number of swaps: tmp is the link again */
	assert_int_equal(rmdir(f), 0);

	/* Another filesystem inside the tree: a tmpfs holding 4 MB. */
	web(f, sizeof(f), "usevil", "mnt");
	assert_int_equal(mkdir(f, 0755), 0);
	snprintf(cmd, sizeof(cmd),
		 "mount -t tmpfs -o size=8m tmpfs '%s' 2>/dev/null && dd if=/dev/urandom"
		 " of='%s/four' bs=1M count=4 2>/dev/null",
		 f, f);
	if (geteuid() == 0 && system(cmd) == 0) {
		make_due(evil);
		run(p);
		assert_true(size_web(evil) < 1024);
		assert_int_equal(size_web(evil), du_kb(w));
		snprintf(cmd, sizeof(cmd), "umount '%s'", f);
		assert_int_equal(system(cmd), 0);
	} else {
		fprintf(stderr, "no tmpfs mount here: the other-filesystem case is not checked\n");
		snprintf(cmd, sizeof(cmd), "umount '%s' 2>/dev/null || true", f);
		assert_int_equal(system(cmd), 0);
	}
}

/* A tree deeper than the walk goes: measured down to the limit, the rest said in the warning;
 * the walk neither fails nor runs out of descriptors. */
static void test_deep_tree_is_bounded(void **state)
{
	char w[512];
	(void)state;

	web(w, sizeof(w), "usdeep", NULL);
	chain(w, 140, 1 << 20);
	make_due(deep);
	panel_runner_report r = run(p);
	require_walk(&r);
	assert_non_null(strstr(r.warning, "deeper than 128 levels"));
	assert_non_null(strstr(r.warning, "usdeep"));
	long long kb = size_web(deep);
	/* The 128 levels' folders are counted, the 1 MB file at level 140 is not. */
	assert_true(kb > 0);
	assert_true(kb < du_kb(w));
	assert_true(du_kb(w) - kb >= 1024);
}

/* A web space of more files than usage_max_entries (a member's millions of empty files would
 * hold the runner for as long as their walk took): the walk stops there, records what it
 * counted (a lower bound) and says so. */
static void test_many_files_are_bounded(void **state)
{
	char w[512], name[600];
	(void)state;

	uint32_t large = ts_member(p, &super, "uslarge");
	run(p); /* its web root */
	web(w, sizeof(w), "uslarge", NULL);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "%s/f%03d", w, i);
		write_file(name, 4096);
	}
	panel *h = runner_with("usage_max_entries", "50");
	make_due(large);
	panel_runner_report r = run(h);
	panel_close(h);
	require_walk(&r);
	if (!strstr(r.warning, "(uslarge) holds more than 50 files and folders"))
		fail_msg("warning: \"%s\"", r.warning);
	long long kb = size_web(large);
	assert_true(kb >= 50 * 4);
	assert_true(kb < du_kb(w));
	/* With the default, all of it. */
	make_due(large);
	r = run(p);
	assert_int_equal(size_web(large), du_kb(w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_counts_like_du),
	    cmocka_unit_test(test_refresh_off),
	    cmocka_unit_test(test_hostile_tree_never_leaves),
	    cmocka_unit_test(test_deep_tree_is_bounded),
	    cmocka_unit_test(test_many_files_are_bounded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
