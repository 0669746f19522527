/* Tests of the file manager (panel_file_*) against a real MariaDB and a real hosting root: every
 * operation with the owners and modes the runner gives, the size limits and the web quota, and a
 * hostile member: links to outside folders and files and to another member's space, "..",
 * absolute paths, control characters, hard links to outside files, FIFOs, deep trees, and a
 * folder swapped for a link while an operation walks it. Files outside the space are checked
 * unchanged (content and mtime) after each refusal. Preferences: 1.0's defaults, set, read. */
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
#include <grp.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "handle.h"
#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-filetest-XXXXXX", outside[] = "/tmp/panel-fileout-XXXXXX";
static char space[256], bobspace[256];
static panel *p;
static panel_actor super, alice_a, bob_a;
static uint32_t alice, bob;

#define sql(...) ts_exec(cluster, db, __VA_ARGS__)

static const char *const settings[] = {"hosting",
				       "root",
				       root,
				       "files",
				       "max_size",
				       "2048",
				       "files",
				       "upload_max_size",
				       "8192",
				       "files",
				       "copy_max_entries",
				       "100",
				       NULL};

static void shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shell(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root) || !mkdtemp(outside) ||
	    ts_panel_fixture(&p, &cluster, db, sizeof(db), "fil", settings) != 0)
		return -1;
	super = panel_actor_admin(2000);
	alice = ts_member(p, &super, "flalice");
	bob = ts_member(p, &super, "flbob");
	alice_a = panel_actor_member(alice);
	bob_a = panel_actor_member(bob);
	snprintf(space, sizeof(space), "%s/html/f/flalice", root);
	snprintf(bobspace, sizeof(bobspace), "%s/html/f/flbob", root);
	shell("mkdir -p %s %s && echo secret > %s/secret && echo bobs > %s/private", space,
	      bobspace, outside, bobspace);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	shell("rm -rf '%s' '%s'", root, outside);
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static void at(char *out, size_t size, const char *base, const char *rel)
{
	snprintf(out, size, "%s/%s", base, rel);
}

static int exists(const char *base, const char *rel)
{
	char full[512];
	struct stat st;

	at(full, sizeof(full), base, rel);
	return lstat(full, &st) == 0;
}

/* The content of a file, "" when absent. */
static const char *content(const char *base, const char *rel)
{
	static char buf[4096];
	char full[512];
	int fd;
	ssize_t n;

	at(full, sizeof(full), base, rel);
	buf[0] = '\0';
	if ((fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)) == -1)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* What is outside the space: its files and their times, compared after each refusal. */
struct snapshot {
	char secret[64], priv[64];
	struct timespec secret_mtime, outside_mtime;
};

static struct snapshot snap(void)
{
	struct snapshot s;
	struct stat st;
	char full[512];

	memset(&s, 0, sizeof(s));
	snprintf(s.secret, sizeof(s.secret), "%s", content(outside, "secret"));
	snprintf(s.priv, sizeof(s.priv), "%s", content(bobspace, "private"));
	at(full, sizeof(full), outside, "secret");
	assert_int_equal(lstat(full, &st), 0);
	s.secret_mtime = st.st_mtim;
	assert_int_equal(lstat(outside, &st), 0);
	s.outside_mtime = st.st_mtim;
	return s;
}

static void assert_untouched(const struct snapshot *before)
{
	struct snapshot now = snap();

	assert_string_equal(now.secret, "secret\n");
	assert_string_equal(now.secret, before->secret);
	assert_string_equal(now.priv, before->priv);
	assert_memory_equal(&now.secret_mtime, &before->secret_mtime, sizeof(now.secret_mtime));
	assert_memory_equal(&now.outside_mtime, &before->outside_mtime, sizeof(now.outside_mtime));
	assert_false(exists(outside, "x"));
	assert_false(exists(outside, "copy"));
}

static void assert_field(const char *field, const char *words)
{
	const panel_error *e = panel_error_last();
	if (!e->field || strcmp(e->field, field) != 0 || !strstr(e->message, words))
		fail_msg("error on %s: \"%s\", want %s and \"%s\"", e->field ? e->field : "-",
			 e->message, field, words);
}

static int put(const panel_actor *who, const char *path, const char *text,
	       panel_file_write_kind kind)
{
	return panel_file_write(NULL, p, who, "flalice", path, text, strlen(text), kind);
}

static void assert_owned_mode(const char *rel, mode_t mode)
{
	char full[512];
	struct stat st;

	at(full, sizeof(full), space, rel);
	assert_int_equal(lstat(full, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
}

static void assert_owned(const char *rel, mode_t mode)
{
	char full[512];
	struct stat st;

	at(full, sizeof(full), space, rel);
	assert_int_equal(lstat(full, &st), 0);
	assert_int_equal(st.st_uid, 33);
	assert_int_equal(st.st_gid, alice);
	assert_int_equal(st.st_mode & 07777, mode);
}

/* ---------------------------------------------------------------- operations */

static void test_write_read_list(void **state)
{
	panel_file_list *list;
	char *data;
	size_t size;
	int created;

	(void)state;
	assert_panel_ok(panel_file_mkdir(p, &alice_a, "flalice", "/site"));
	assert_owned("site", 02770);
	assert_panel_rc(panel_file_mkdir(p, &alice_a, "flalice", "site"), PANEL_EEXISTS);
	assert_panel_ok(panel_file_write(&created, p, &alice_a, "flalice", "site/index.html",
					 "<p>hi</p>\n", 10, PANEL_FILE_EDIT));
	assert_int_equal(created, 1);
	assert_owned("site/index.html", 0660);
	assert_string_equal(content(space, "site/index.html"), "<p>hi</p>\n");
	/* Replaced: not created, the mode kept. */
	shell("chmod 0644 %s/site/index.html", space);
	assert_panel_ok(panel_file_write(&created, p, &alice_a, "flalice", "/site/index.html/",
					 "new", 3, PANEL_FILE_EDIT));
	assert_int_equal(created, 0);
	assert_owned("site/index.html", 0644);
	/* Binary bytes, NUL included, through an upload, read back exactly. */
	assert_panel_ok(panel_file_write(NULL, p, &alice_a, "flalice", "site/b.bin", "a\0b\xff", 4,
					 PANEL_FILE_UPLOAD));
	assert_panel_ok(panel_file_read(&data, &size, p, &alice_a, "flalice", "site/b.bin"));
	assert_int_equal(size, 4);
	assert_memory_equal(data, "a\0b\xff", 4);
	panel_file_data_free(data);
	shell("ln -s index.html %s/site/alias", space);
	assert_panel_ok(panel_file_list_get(&list, p, &alice_a, "flalice", "site"));
	assert_int_equal(list->count, 3);
	assert_string_equal(list->items[0].name, "alias");
	assert_int_equal(list->items[0].type, PANEL_FILE_LINK);
	assert_string_equal(list->items[0].target, "index.html");
	assert_string_equal(list->items[1].name, "b.bin");
	assert_int_equal(list->items[2].size, 3);
	assert_int_equal(list->items[2].mode, 0644);
	panel_file_list_free(list);
	assert_panel_ok(panel_file_list_get(&list, p, &alice_a, "flalice", "/"));
	assert_int_equal(list->count, 1);
	assert_int_equal(list->items[0].type, PANEL_FILE_DIRECTORY);
	panel_file_list_free(list);
	/* A name that is not UTF-8 (a member's FTP may make one) is listed, shown with '?'. */
	shell("touch %s/site/$(printf 'bad\\377name')", space);
	assert_panel_ok(panel_file_list_get(&list, p, &alice_a, "flalice", "site"));
	int found = 0;
	for (size_t i = 0; i < list->count; i++) {
		json_t *j = panel_file_to_json(&list->items[i]);
		assert_non_null(j);
		found |= strcmp(json_string_value(json_object_get(j, "name")), "bad?name") == 0;
		json_decref(j);
	}
	assert_true(found);
	panel_file_list_free(list);
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "site/none"),
			PANEL_ENOTFOUND);
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "site"),
			PANEL_EINVALID);
	shell("rm -rf %s/site", space);
}

static void test_rename_copy_delete(void **state)
{
	(void)state;
	shell("mkdir -p %s/t/a/b && echo one > %s/t/a/b/f && ln -s f %s/t/a/b/l", space, space,
	      space);
	assert_panel_ok(panel_file_copy(p, &alice_a, "flalice", "t/a", "t/c"));
	assert_string_equal(content(space, "t/c/b/f"), "one\n");
	assert_owned("t/c/b/f", 0644 & ~022);
	char full[512], target[64] = "";
	at(full, sizeof(full), space, "t/c/b/l");
	assert_true(readlink(full, target, sizeof(target) - 1) == 1 && target[0] == 'f');
	struct stat link_st;
	assert_int_equal(lstat(full, &link_st), 0); /* the link itself, the member's */
	assert_int_equal(link_st.st_uid, 33);
	assert_int_equal(link_st.st_gid, alice);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "t/a", "t/c"), PANEL_EEXISTS);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "t/a", "t/a/b/z"), PANEL_EINVALID);
	assert_panel_ok(panel_file_rename(p, &alice_a, "flalice", "t/c/b/f", "t/moved"));
	assert_string_equal(content(space, "t/moved"), "one\n");
	assert_false(exists(space, "t/c/b/f"));
	assert_panel_rc(panel_file_rename(p, &alice_a, "flalice", "t/moved", "t/a"), PANEL_EEXISTS);
	assert_panel_rc(panel_file_rename(p, &alice_a, "flalice", "t/a", "t/a/b/in"),
			PANEL_EINVALID);
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "t/c"));
	assert_false(exists(space, "t/c"));
	/* Empty files take no space the quota counts: copy_max_entries (100 here) bounds a copy. */
	shell("mkdir -p %s/many && cd %s/many && touch $(seq 1 99)", space, space);
	assert_panel_ok(panel_file_copy(p, &alice_a, "flalice", "many", "many2"));
	shell("touch %s/many2/100 %s/many2/101", space, space);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "many2", "many3"), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "from");
	assert_false(exists(space, "many3"));
	shell("rm -rf %s/many %s/many2", space, space);
	assert_panel_rc(panel_file_delete(p, &alice_a, "flalice", "/"), PANEL_EINVALID);
	assert_panel_rc(panel_file_delete(p, &alice_a, "flalice", "t/none"), PANEL_ENOTFOUND);
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "t"));
	assert_true(exists(space, ""));
}

static void test_chmod(void **state)
{
	struct snapshot before = snap();
	unsigned mode = 0;

	(void)state;
	shell("mkdir %s/cm && echo x > %s/cm/f && chmod 0664 %s/cm/f && ln %s/secret %s/cm/hard"
	      " && ln -s %s/secret %s/cm/sec && chmod 0644 %s/secret",
	      space, space, space, outside, space, outside, space, outside);
	before = snap();
	assert_panel_ok(panel_file_chmod(&mode, p, &alice_a, "flalice", "cm/f", 0));
	assert_int_equal(mode, 0464);
	assert_owned_mode("cm/f", 0464);
	/* Clearing twice stays cleared (1.0 toggled it back). */
	assert_panel_ok(panel_file_chmod(&mode, p, &alice_a, "flalice", "cm/f", 0));
	assert_int_equal(mode, 0464);
	assert_panel_ok(panel_file_chmod(&mode, p, &alice_a, "flalice", "cm/f", 1));
	assert_int_equal(mode, 0664);
	assert_panel_ok(panel_file_chmod(&mode, p, &alice_a, "flalice", "cm", 0));
	assert_int_equal(mode & 0777, 0555);
	assert_panel_ok(panel_file_chmod(NULL, p, &alice_a, "flalice", "cm", 1));
	/* Never through a link or onto another name of an outside file. */
	assert_panel_rc(panel_file_chmod(NULL, p, &alice_a, "flalice", "cm/sec", 0),
			PANEL_EINVALID);
	assert_panel_rc(panel_file_chmod(NULL, p, &alice_a, "flalice", "cm/hard", 0),
			PANEL_EINVALID);
	assert_panel_rc(panel_file_chmod(NULL, p, &bob_a, "flalice", "cm/f", 0), PANEL_ENOTFOUND);
	char full[512];
	struct stat st;
	at(full, sizeof(full), outside, "secret");
	assert_int_equal(stat(full, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_untouched(&before);
	shell("rm -rf %s/cm", space);
}

/* ---------------------------------------------------------------- a hostile member */

static void test_bad_paths(void **state)
{
	static const char *const bad[] = {"..",
					  "../flbob/private",
					  "a/../../flbob/private",
					  "./x",
					  "a//x",
					  "a\nb",
					  "x\x7f",
					  "-rf",
					  "a/-x"};
	struct snapshot before = snap();
	panel_file_list *list;
	char *data;
	size_t size;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_panel_rc(put(&alice_a, bad[i], "x", PANEL_FILE_EDIT), PANEL_EINVALID);
		assert_field("path", "invalid path");
		assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", bad[i]),
				PANEL_EINVALID);
		assert_panel_rc(panel_file_delete(p, &alice_a, "flalice", bad[i]), PANEL_EINVALID);
		assert_panel_rc(panel_file_list_get(&list, p, &alice_a, "flalice", bad[i]),
				PANEL_EINVALID);
		assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "..", bad[i]),
				PANEL_EINVALID);
	}
	/* An absolute path is a path of the space: /tmp/... does not exist there. */
	char abs[512];
	at(abs, sizeof(abs), outside, "secret");
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", abs),
			PANEL_ENOTFOUND);
	assert_panel_rc(panel_file_delete(p, &alice_a, "flalice", abs), PANEL_ENOTFOUND);
	assert_untouched(&before);
}

static void test_links_out(void **state)
{
	struct snapshot before = snap();
	panel_file_list *list;
	char *data;
	size_t size;

	(void)state;
	shell("ln -s %s %s/out && ln -s %s/secret %s/sec && ln -s %s %s/bob", outside, space,
	      outside, space, bobspace, space);
	/* Listed as links, never entered. */
	assert_panel_rc(panel_file_list_get(&list, p, &alice_a, "flalice", "out"), PANEL_EINVALID);
	assert_field("path", "symbolic link");
	assert_panel_rc(panel_file_list_get(&list, p, &alice_a, "flalice", "bob"), PANEL_EINVALID);
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "out/secret"),
			PANEL_EINVALID);
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "bob/private"),
			PANEL_EINVALID);
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "sec"),
			PANEL_EINVALID);
	assert_field("path", "symbolic link");
	/* Writes through or onto a link are refused. */
	assert_panel_rc(put(&alice_a, "out/x", "x", PANEL_FILE_EDIT), PANEL_EINVALID);
	assert_panel_rc(put(&alice_a, "sec", "owned", PANEL_FILE_UPLOAD), PANEL_EINVALID);
	assert_panel_rc(put(&alice_a, "bob/private", "owned", PANEL_FILE_EDIT), PANEL_EINVALID);
	assert_panel_rc(panel_file_mkdir(p, &alice_a, "flalice", "out/x"), PANEL_EINVALID);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "out/secret", "copy"),
			PANEL_EINVALID);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "sec", "out/copy"), PANEL_EINVALID);
	assert_panel_rc(panel_file_rename(p, &alice_a, "flalice", "out/secret", "stolen"),
			PANEL_EINVALID);
	assert_panel_rc(panel_file_delete(p, &alice_a, "flalice", "out/secret"), PANEL_EINVALID);
	assert_panel_rc(panel_file_delete(p, &alice_a, "flalice", "bob/private"), PANEL_EINVALID);
	/* A tree holding links is copied with the links as links, and deleted without following
	 * them. */
	shell("mkdir %s/tree && ln -s %s %s/tree/out && ln -s %s/secret %s/tree/sec", space,
	      outside, space, outside, space);
	assert_panel_ok(panel_file_copy(p, &alice_a, "flalice", "tree", "tree2"));
	char full[512];
	struct stat st;
	at(full, sizeof(full), space, "tree2/sec");
	assert_int_equal(lstat(full, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "tree"));
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "tree2"));
	/* A link itself is deleted, not its target. */
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "out"));
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "sec"));
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "bob"));
	assert_untouched(&before);
	assert_true(exists(outside, "secret"));
}

static void test_hard_links_fifos(void **state)
{
	struct snapshot before = snap();
	char *data;
	size_t size;

	(void)state;
	shell("ln %s/secret %s/hard && mkfifo %s/fifo && mkdir %s/d && ln %s/secret %s/d/h",
	      outside, space, space, space, outside, space);
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "hard"),
			PANEL_EINVALID);
	assert_field("path", "hard links");
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "hard", "copy"), PANEL_EINVALID);
	/* The copy of a tree holding one fails and leaves nothing half made. */
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "d", "d2"), PANEL_EINVALID);
	assert_false(exists(space, "d2"));
	/* A FIFO is never opened (this would block) and never written into. */
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "fifo"),
			PANEL_EINVALID);
	assert_field("path", "FIFO");
	assert_panel_rc(put(&alice_a, "fifo", "x", PANEL_FILE_EDIT), PANEL_EINVALID);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "fifo", "f2"), PANEL_EINVALID);
	/* Writing a hard-linked file replaces the name: the outside file is not written. */
	assert_panel_ok(put(&alice_a, "hard", "mine", PANEL_FILE_EDIT));
	assert_string_equal(content(space, "hard"), "mine");
	/* A device (root may make one here: /dev/zero's numbers) is never opened either. */
	char dev[512];
	at(dev, sizeof(dev), space, "zero");
	if (mknod(dev, S_IFCHR | 0666, makedev(1, 5)) == 0) {
		assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "zero"),
				PANEL_EINVALID);
		assert_field("path", "device");
		assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "zero", "z2"),
				PANEL_EINVALID);
		assert_panel_rc(put(&alice_a, "zero", "x", PANEL_FILE_EDIT), PANEL_EINVALID);
		assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "zero"));
	} else {
		print_message("no device test: mknod: %s\n", strerror(errno));
	}
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "d"));
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "fifo"));
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "hard"));
	assert_untouched(&before);
}

static void test_limits_and_quota(void **state)
{
	static char big[9000];
	char *data;
	size_t size;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	assert_panel_rc(
	    panel_file_write(NULL, p, &alice_a, "flalice", "big", big, 3000, PANEL_FILE_EDIT),
	    PANEL_EINVALID);
	assert_field("size", "2048");
	assert_panel_ok(
	    panel_file_write(NULL, p, &alice_a, "flalice", "big", big, 3000, PANEL_FILE_UPLOAD));
	assert_panel_rc(
	    panel_file_write(NULL, p, &alice_a, "flalice", "big", big, 8193, PANEL_FILE_UPLOAD),
	    PANEL_EINVALID);
	assert_panel_ok(panel_file_read(&data, &size, p, &alice_a, "flalice", "big"));
	assert_int_equal(size, 3000);
	panel_file_data_free(data);
	shell("head -c 10000 /dev/zero > %s/huge", space);
	assert_panel_rc(panel_file_read(&data, &size, p, &alice_a, "flalice", "huge"),
			PANEL_EINVALID);
	assert_field("size", "10000 bytes");
	/* The web quota: 20 KB, 15 used as last measured. */
	sql("INSERT INTO quotas (uid, name, total) VALUES (%u, 'web', 20) ON DUPLICATE KEY UPDATE"
	    " total = 20",
	    alice);
	sql("REPLACE INTO size_web (uid, size, ts) VALUES (%u, 15, '2026-01-01 00:00:00')", alice);
	assert_panel_rc(
	    panel_file_write(NULL, p, &alice_a, "flalice", "q", big, 8000, PANEL_FILE_UPLOAD),
	    PANEL_EQUOTA);
	assert_false(exists(space, "q"));
	assert_panel_ok(
	    panel_file_write(NULL, p, &alice_a, "flalice", "q", big, 3000, PANEL_FILE_UPLOAD));
	/* Charged until the next measurement, its time kept. */
	assert_int_equal(
	    ts_number(cluster, "SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice), 18);
	assert_int_equal(ts_number(cluster,
				   "SELECT ts = '2026-01-01 00:00:00' FROM `%s`.size_web WHERE uid"
				   " = %u",
				   db, alice),
			 1);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "q", "q2"), PANEL_EQUOTA);
	/* Not measured yet (no size_web row): the writes count all the same, from a row dated
	 * long ago (the runner measures it first). Before, each 3 KB write was checked against 0
	 * used, and 10 passed a quota of 20 KB. */
	sql("DELETE FROM size_web WHERE uid = %u", alice);
	int written = 0;
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "w%d", i);
		if (panel_file_write(NULL, p, &alice_a, "flalice", name, big, 3000,
				     PANEL_FILE_UPLOAD) == 0)
			written++;
	}
	assert_int_equal(written, 6); /* 6 x 3 KB = 18 KB; a 7th is 21 KB */
	assert_int_equal(
	    ts_number(cluster, "SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice), 18);
	assert_int_equal(ts_number(cluster,
				   "SELECT ts < '2001-01-01' FROM `%s`.size_web WHERE uid = %u", db,
				   alice),
			 1);
	shell("rm -f %s/w?", space);
	sql("REPLACE INTO size_web (uid, size, ts) VALUES (%u, 18, '2026-01-01 00:00:00')", alice);
	/* A sparse file of 1 GB takes no space, but its copy would write it all. */
	shell("truncate -s 1G %s/sparse && mkdir %s/sp && truncate -s 1G %s/sp/f", space, space,
	      space);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "sparse", "sparse2"), PANEL_EQUOTA);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "sp", "sp2"), PANEL_EQUOTA);
	assert_false(exists(space, "sparse2"));
	assert_false(exists(space, "sp2"));
	shell("rm -rf %s/sparse %s/sp", space, space);
	sql("DELETE FROM quotas WHERE uid = %u AND name = 'web'", alice);
	shell("rm -f %s/big %s/huge %s/q", space, space, space);
}

static void test_deep_tree(void **state)
{
	char rel[1024] = "deep";

	(void)state;
	for (int i = 0; i < 70; i++)
		strcat(rel, "/d");
	shell("mkdir -p %s/%s && echo x > %s/%s/f", space, rel, space, rel);
	assert_panel_rc(panel_file_copy(p, &alice_a, "flalice", "deep", "deep2"), PANEL_EINVALID);
	assert_field("from", "deeper than 64");
	assert_false(exists(space, "deep2"));
	assert_panel_ok(panel_file_delete(p, &alice_a, "flalice", "deep"));
	assert_false(exists(space, "deep"));
}

/* The folder "sub" is swapped for a link to outside once the walk reaches it. */
struct swap {
	int done;
};

static void swap_hook(void *arg, const char *stage, const char *detail)
{
	struct swap *s = arg;

	if (s->done || strcmp(stage, "open") != 0 || strcmp(detail, "sub") != 0)
		return;
	s->done = 1;
	shell("mv %s/sub %s/sub.real && ln -s %s %s/sub", space, space, outside, space);
}

/* Two writes of one member at once: the second starts while the first walks to its folder (after
 * the first read the account, before it checks the quota). */
struct quota_race {
	panel *other; /* a second handle: another panel-api worker */
	int done, rc;
};

static void quota_race_hook(void *arg, const char *stage, const char *detail)
{
	static char six[6000];
	struct quota_race *r = arg;

	if (r->done || strcmp(stage, "open") != 0 || strcmp(detail, "sub") != 0)
		return;
	r->done = 1;
	memset(six, 'b', sizeof(six));
	r->rc = panel_file_write(NULL, r->other, &alice_a, "flalice", "y", six, sizeof(six),
				 PANEL_FILE_UPLOAD);
}

static void test_quota_race(void **state)
{
	static char six[6000];
	struct quota_race r = {0};
	panel_config *cfg = ts_config(cluster, 0, db);

	(void)state;
	memset(six, 'a', sizeof(six));
	assert_int_equal(panel_config_set(cfg, "hosting", "root", root), 0);
	assert_panel_ok(panel_open(&r.other, cfg));
	panel_config_free(cfg);
	shell("mkdir %s/sub", space);
	sql("INSERT INTO quotas (uid, name, total) VALUES (%u, 'web', 20) ON DUPLICATE KEY UPDATE"
	    " total = 20",
	    alice);
	sql("REPLACE INTO size_web (uid, size, ts) VALUES (%u, 12, '2026-01-01 00:00:00')", alice);
	/* 12 + 6 fit, 12 + 6 + 6 do not: one of the two writes passes. Before, both were
	 * checked against the 12 KB read when they began, and both were written. */
	p->runner_hook = quota_race_hook;
	p->runner_hook_arg = &r;
	int rc = panel_file_write(NULL, p, &alice_a, "flalice", "sub/x", six, sizeof(six),
				  PANEL_FILE_UPLOAD);
	p->runner_hook = NULL;
	assert_true(r.done);
	assert_panel_ok(r.rc);
	assert_panel_rc(rc, PANEL_EQUOTA);
	assert_false(exists(space, "sub/x"));
	assert_int_equal(
	    ts_number(cluster, "SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice), 18);
	/* A write that fails after its reservation gives it back: a folder holds the name. */
	shell("rm -f %s/y && mkdir %s/sub/d", space, space);
	assert_int_not_equal(
	    panel_file_write(NULL, p, &alice_a, "flalice", "sub/d", six, 1000, PANEL_FILE_UPLOAD),
	    0);
	assert_int_equal(
	    ts_number(cluster, "SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice), 18);
	/* Over the quota (the runner measured more), a write that takes no more space passes. */
	sql("UPDATE size_web SET size = 25 WHERE uid = %u", alice);
	shell("printf 12345 > %s/same", space);
	assert_panel_ok(put(&alice_a, "same", "54321", PANEL_FILE_EDIT));
	assert_panel_rc(put(&alice_a, "same", "543210", PANEL_FILE_EDIT), PANEL_EQUOTA);
	assert_string_equal(content(space, "same"), "54321");
	sql("DELETE FROM quotas WHERE uid = %u AND name = 'web'", alice);
	shell("rm -rf %s/sub %s/same", space, space);
	panel_close(r.other);
}

static void test_swap_race(void **state)
{
	struct snapshot before = snap();
	struct swap s = {0};

	(void)state;
	shell("mkdir %s/sub", space);
	p->runner_hook = swap_hook;
	p->runner_hook_arg = &s;
	int rc = put(&alice_a, "sub/x", "x", PANEL_FILE_EDIT);
	p->runner_hook = NULL;
	assert_true(s.done);
	assert_panel_rc(rc, PANEL_EINVALID);
	assert_field("path", "symbolic link");
	assert_untouched(&before);
	/* The same for a delete and a copy into it. */
	shell("rm %s/sub && mv %s/sub.real %s/sub && echo in > %s/sub/x", space, space, space,
	      space);
	s.done = 0;
	p->runner_hook = swap_hook;
	rc = panel_file_delete(p, &alice_a, "flalice", "sub/x");
	p->runner_hook = NULL;
	assert_true(s.done);
	assert_panel_rc(rc, PANEL_EINVALID);
	assert_string_equal(content(space, "sub.real/x"), "in\n");
	assert_untouched(&before);
	shell("rm -rf %s/sub %s/sub.real", space, space);
}

/* During a copy, the folder ct/inner is swapped for a link to outside once the copy reaches it. */
static void copy_swap_hook(void *arg, const char *stage, const char *detail)
{
	struct swap *s = arg;

	if (s->done || strcmp(stage, "copy") != 0 || strcmp(detail, "inner") != 0)
		return;
	s->done = 1;
	shell("mv %s/ct/inner %s/ct/inner.real && ln -s %s %s/ct/inner", space, space, outside,
	      space);
}

/* Copies ct to ct2 with hook called at each step of the copy. */
static int copy_ct_hooked(void (*hook)(void *, const char *, const char *), void *arg)
{
	p->runner_hook = hook;
	p->runner_hook_arg = arg;
	int rc = panel_file_copy(p, &alice_a, "flalice", "ct", "ct2");
	p->runner_hook = NULL;
	return rc;
}

static void test_copy_swap_race(void **state)
{
	struct snapshot before = snap();
	struct swap s = {0};

	(void)state;
	shell("mkdir -p %s/ct/inner && echo in > %s/ct/inner/f", space, space);
	int rc = copy_ct_hooked(copy_swap_hook, &s);
	assert_true(s.done);
	assert_panel_rc(rc, PANEL_EINVALID);
	assert_field("from", "symbolic link");
	assert_false(exists(space, "ct2"));
	assert_false(exists(outside, "f"));
	assert_untouched(&before);
	shell("rm -rf %s/ct", space);
}

/* A member's script grows a file or adds entries while a copy runs (its FTP or PHP; a sparse
 * file grown with truncate(1) costs it nothing): the copy stops at what it measured and
 * reserved. Before, a 1-byte file grown to 200 MB was copied whole against a reservation of a
 * few KB. */
struct grow {
	int add_entries, done;
};

static void grow_hook(void *arg, const char *stage, const char *detail)
{
	struct grow *g = arg;

	if (g->done || strcmp(stage, "copy") != 0 || strcmp(detail, "inner") != 0)
		return;
	g->done = 1;
	if (g->add_entries)
		shell("cd %s/ct/inner && touch a b c d e", space);
	else
		shell("truncate -s 200M %s/ct/inner/f", space);
}

static void copy_while_growing(int add_entries, const char *words)
{
	struct grow g = {.add_entries = add_entries};

	shell("rm -rf %s/ct && mkdir -p %s/ct/inner && printf x > %s/ct/inner/f", space, space,
	      space);
	int rc = copy_ct_hooked(grow_hook, &g);
	assert_true(g.done);
	assert_panel_rc(rc, PANEL_EQUOTA);
	assert_field("from", words);
	assert_false(exists(space, "ct2"));
	assert_int_equal(
	    ts_number(cluster, "SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice), 10);
}

static void test_copy_grows_meanwhile(void **state)
{
	(void)state;
	sql("INSERT INTO quotas (uid, name, total) VALUES (%u, 'web', 100) ON DUPLICATE KEY UPDATE"
	    " total = 100",
	    alice);
	sql("REPLACE INTO size_web (uid, size, ts) VALUES (%u, 10, '2026-01-01 00:00:00')", alice);
	copy_while_growing(0, "more than the space reserved");
	copy_while_growing(1, "more entries than measured");
	/* The same tree, left alone, is copied. */
	shell("rm -rf %s/ct && mkdir -p %s/ct/inner && printf x > %s/ct/inner/f", space, space,
	      space);
	assert_panel_ok(panel_file_copy(p, &alice_a, "flalice", "ct", "ct2"));
	assert_string_equal(content(space, "ct2/inner/f"), "x");
	sql("DELETE FROM quotas WHERE uid = %u AND name = 'web'", alice);
	shell("rm -rf %s/ct %s/ct2", space, space);
}

/* The copy and the write give a file the member's group before its first byte, so that the
 * bytes count in the member's disk quota as they are written: in a folder without the
 * set-group-id bit (the member made it by FTP and cleared it), the bytes of a daemon running as
 * root went in root's group, and only the finished file was the member's. */
struct owner_seen {
	const char *stage, *folder;
	gid_t gid;
	int done;
};

static void owner_hook(void *arg, const char *stage, const char *detail)
{
	struct owner_seen *o = arg;
	char full[512];
	struct stat st;

	if (o->done || strcmp(stage, o->stage) != 0)
		return;
	snprintf(full, sizeof(full), "%s/%s/%s", space, o->folder, detail);
	assert_int_equal(lstat(full, &st), 0);
	assert_true(st.st_size > 0);
	o->gid = st.st_gid;
	o->done = 1;
}

static void test_owned_before_bytes(void **state)
{
	struct owner_seen copied = {.stage = "copied", .folder = "ns", .gid = (gid_t)-1};
	struct owner_seen written = {.stage = "written", .folder = "ns", .gid = (gid_t)-1};

	(void)state;
	shell("mkdir %s/ns && chmod 0770 %s/ns && chown 0:0 %s/ns && head -c 1000 /dev/zero > "
	      "%s/src",
	      space, space, space, space);
	p->runner_hook = owner_hook;
	p->runner_hook_arg = &copied;
	assert_panel_ok(panel_file_copy(p, &alice_a, "flalice", "src", "ns/dst"));
	p->runner_hook_arg = &written;
	assert_panel_ok(put(&alice_a, "ns/up", "bytes", PANEL_FILE_UPLOAD));
	p->runner_hook = NULL;
	assert_true(copied.done && written.done);
	assert_int_equal(copied.gid, alice);
	assert_int_equal(written.gid, alice);
	shell("rm -rf %s/ns %s/src", space, space);
}

/* An upload over a file frees what the file's content takes on disk, not its apparent size:
 * sparse files made by FTP with truncate(1) were each an upload's size of quota for free. A
 * file with another hard link frees nothing (its blocks stay). */
static void test_write_over_sparse(void **state)
{
	static char data[8000];

	(void)state;
	memset(data, 'z', sizeof(data));
	sql("INSERT INTO quotas (uid, name, total) VALUES (%u, 'web', 100) ON DUPLICATE KEY UPDATE"
	    " total = 100",
	    alice);
	sql("REPLACE INTO size_web (uid, size, ts) VALUES (%u, 95, '2026-01-01 00:00:00')", alice);
	shell("mkdir %s/sp && cd %s/sp && truncate -s 8000 f1 f2 f3 && head -c 8000 /dev/zero > "
	      "dense && head -c 8000 /dev/zero > linked && ln linked linked2",
	      space, space);
	for (int i = 1; i <= 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "sp/f%d", i);
		assert_panel_rc(panel_file_write(NULL, p, &alice_a, "flalice", name, data,
						 sizeof(data), PANEL_FILE_UPLOAD),
				PANEL_EQUOTA);
	}
	assert_panel_rc(panel_file_write(NULL, p, &alice_a, "flalice", "sp/linked", data,
					 sizeof(data), PANEL_FILE_UPLOAD),
			PANEL_EQUOTA);
	/* A file whose bytes are on disk is replaced at no cost. */
	assert_panel_ok(panel_file_write(NULL, p, &alice_a, "flalice", "sp/dense", data,
					 sizeof(data), PANEL_FILE_UPLOAD));
	assert_int_equal(
	    ts_number(cluster, "SELECT size FROM `%s`.size_web WHERE uid = %u", db, alice), 95);
	sql("DELETE FROM quotas WHERE uid = %u AND name = 'web'", alice);
	shell("rm -rf %s/sp", space);
}

/* The front end as 1.0's panel ran: as the web user (33), not root, in a folder the runner made
 * (33:uid, 02770). Files get their group from the folder; nothing needs chown. */
static void test_as_web_user(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	/* The hosting root and html/<l> are readable by the web server, as the runner makes them.
	 */
	shell("chmod 0755 %s && mkdir %s/web && chown 33:%u %s/web && chmod 02770 %s/web", root,
	      space, alice, space, space);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* As the web user with umask 0007 (the unit's UMask): it is in no member's group.
		 */
		umask(007);
		if (setgroups(0, NULL) == -1 || setgid(33) == -1 || setuid(33) == -1)
			_exit(3);
		int rc = panel_file_write(NULL, p, &alice_a, "flalice", "web/page.html", "x", 1,
					  PANEL_FILE_EDIT);
		rc = rc ? rc : panel_file_mkdir(p, &alice_a, "flalice", "web/sub");
		rc =
		    rc ? rc : panel_file_copy(p, &alice_a, "flalice", "web/page.html", "web/sub/p");
		if (rc)
			fprintf(stderr, "as uid 33: %s\n", panel_error_last()->message);
		_exit(rc ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_owned("web/page.html", 0660);
	assert_owned("web/sub", 02770);
	assert_owned("web/sub/p", 0660);
	shell("rm -rf %s/web", space);
}

static void test_who(void **state)
{
	panel_file_list *list;
	char *data;
	size_t size;

	(void)state;
	/* Another member's space does not exist for it. */
	assert_panel_rc(panel_file_list_get(&list, p, &bob_a, "flalice", "/"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_file_read(&data, &size, p, &bob_a, "flalice", "x"), PANEL_ENOTFOUND);
	assert_panel_rc(put(&bob_a, "x", "x", PANEL_FILE_EDIT), PANEL_ENOTFOUND);
	assert_panel_rc(panel_file_delete(p, &bob_a, "flalice", "x"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_file_list_get(&list, p, &alice_a, "../flbob", "/"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_file_list_get(&list, p, &alice_a, "nobody", "/"), PANEL_ENOTFOUND);
	/* Its admin may. */
	assert_panel_ok(panel_file_list_get(&list, p, &super, "flalice", "/"));
	panel_file_list_free(list);
	panel_actor as = panel_actor_admin_as(2000, alice);
	assert_panel_ok(put(&as, "byadmin", "x", PANEL_FILE_EDIT));
	assert_panel_ok(panel_file_delete(p, &as, "flalice", "byadmin"));
	/* In the audit trail, with both names. */
	assert_int_equal(
	    ts_number(cluster,
		      "SELECT COUNT(*) FROM `%s`.panel_audit WHERE object_kind = 'files'"
		      " AND object_id = 'flalice' AND actor_uid = 2000 AND as_uid = %u AND"
		      " action IN ('file.write', 'file.delete') AND after_data LIKE"
		      " '%%byadmin%%'",
		      db, alice),
	    2);
	/* Refused calls record nothing. */
	assert_int_equal(
	    ts_number(cluster,
		      "SELECT COUNT(*) FROM `%s`.panel_audit WHERE object_kind = 'files'"
		      " AND actor_uid = %u",
		      db, bob),
	    0);
	/* A member without a web root yet. */
	uint32_t carol = ts_member(p, &super, "flcarol");
	panel_actor carol_a = panel_actor_member(carol);
	assert_panel_rc(panel_file_list_get(&list, p, &carol_a, "flcarol", "/"), PANEL_ENOTFOUND);
	assert_field("login", "not made yet");
}

static void test_prefs(void **state)
{
	panel_file_prefs f, g;

	(void)state;
	assert_panel_ok(panel_file_prefs_get(&f, p, &alice_a, "flalice"));
	assert_int_equal(f.editsizex, 70);
	assert_int_equal(f.editsizey, 21);
	assert_string_equal(f.editor_font, "Arial, Helvetica, Sans-serif");
	assert_string_equal(f.editor_size, "12px");
	assert_int_equal(f.golastdir, 0);
	assert_int_equal(ts_number(cluster, "SELECT COUNT(*) FROM `%s`.browser", db), 0);
	f.editsizex = 100;
	f.listmode = 2;
	f.showicons = 1;
	f.golastdir = 1;
	snprintf(f.lastdir, sizeof(f.lastdir), "/site/img");
	assert_panel_ok(panel_file_prefs_set(p, &alice_a, "flalice", &f));
	assert_int_equal(
	    ts_number(cluster,
		      "SELECT COUNT(*) FROM `%s`.panel_audit WHERE action = 'file.prefs'"
		      " AND object_id = 'flalice'",
		      db),
	    1);
	assert_panel_ok(panel_file_prefs_get(&g, p, &super, "flalice"));
	assert_memory_equal(&f, &g, sizeof(f));
	assert_int_equal(
	    ts_number(cluster, "SELECT listmode FROM `%s`.browser WHERE uid = %u", db, alice), 2);
	g.listmode = 3;
	assert_panel_rc(panel_file_prefs_set(p, &alice_a, "flalice", &g), PANEL_EINVALID);
	assert_field("listmode", "0, 1 or 2");
	g.listmode = 0;
	/* AlternC 1.0's order (bro_tgzdown.php, m_bro's l_tgz): 0 tar.gz, 1 tar.bz2, 2 zip. */
	g.downfmt = 4;
	assert_panel_rc(panel_file_prefs_set(p, &alice_a, "flalice", &g), PANEL_EINVALID);
	assert_field("downfmt", "0 (tar.gz), 1 (tar.bz2), 2 (zip) or 3 (tar.Z)");
	g.downfmt = 0;
	snprintf(g.lastdir, sizeof(g.lastdir), "/a/../../etc");
	assert_panel_rc(panel_file_prefs_set(p, &alice_a, "flalice", &g), PANEL_EINVALID);
	assert_panel_rc(panel_file_prefs_get(&g, p, &bob_a, "flalice"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_file_prefs_set(p, &bob_a, "flalice", &f), PANEL_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_read_list),
	    cmocka_unit_test(test_rename_copy_delete),
	    cmocka_unit_test(test_chmod),
	    cmocka_unit_test(test_bad_paths),
	    cmocka_unit_test(test_links_out),
	    cmocka_unit_test(test_hard_links_fifos),
	    cmocka_unit_test(test_limits_and_quota),
	    cmocka_unit_test(test_quota_race),
	    cmocka_unit_test(test_deep_tree),
	    cmocka_unit_test(test_swap_race),
	    cmocka_unit_test(test_copy_swap_race),
	    cmocka_unit_test(test_copy_grows_meanwhile),
	    cmocka_unit_test(test_owned_before_bytes),
	    cmocka_unit_test(test_write_over_sparse),
	    cmocka_unit_test(test_as_web_user),
	    cmocka_unit_test(test_who),
	    cmocka_unit_test(test_prefs),
	};
	return cmocka_run_group_tests_name("files", tests, setup, teardown);
}
