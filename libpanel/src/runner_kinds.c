/* What each kind of action does on the file server, as AlternC 1.0's setuid helpers did, but
 * without following a member's links: mem_add (the web root <root>/html/<l>/<login>, www-data
 * and the member's group, 02770), mem_del (the web root and 1.0's vhosts) and mail_del (to the
 * trash), mail_add (the Maildir with cur, new and tmp), mkdir (a folder of the web space),
 * quota_edit, the database jobs, and slave_refresh (1.0's flag for its slave_dns cron). The queue
 * is data from the database: every name is checked again here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobs_internal.h"
#include "runner_internal.h"

/* Group ids below this are the system's: a member's files never get one. */
#define MIN_MEMBER_GID 1000

/* html, html/<l>, mail, mail/<c>: the runner's own (root's), readable by the web server. */
static const struct panel__fs_owner system_dir = {(uid_t)-1, (gid_t)-1, 0755};

static int valid_login(const char *login)
{
	size_t n = login ? strlen(login) : 0;

	return n >= 1 && n <= 16 && strspn(login, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

int panel__run_member_ok(struct panel__run *r)
{
	if (!valid_login(r->login))
		return panel__run_failed(r, "refused: invalid login \"%.64s\"", r->login);
	if (r->uid < MIN_MEMBER_GID)
		return panel__run_failed(r, "refused: uid %u would give the files a system group",
					 r->uid);
	return 0;
}

static const char *arg(const struct panel__run *r, const char *key)
{
	return json_string_value(json_object_get(r->args, key));
}

static void mem_add(struct panel__run *r)
{
	const struct panel__fs_owner web = {r->web_uid, r->web_gid, 02770};
	char rel[16];
	struct stat st;
	int created = 0, parent, fd;

	if (panel__run_member_ok(r))
		return;
	snprintf(rel, sizeof(rel), "html/%c", r->login[0]);
	if ((parent = panel__fs_walk(r, r->root, rel, &system_dir)) == -1) {
		panel__run_errno(r, errno, rel);
		return;
	}
	panel__run_hook(r, "open", r->login);
	fd = panel__fs_dir_at(parent, r->login, &web, &created);
	int saved = errno;
	close(parent);
	if (fd == -1) {
		panel__run_errno(r, saved, "the web root");
		return;
	}
	/* An existing folder is adopted only when it is this member's or root's (a dump made it
	 * first): another group means another account's files. */
	if (fstat(fd, &st) == -1) {
		panel__run_errno(r, errno, "the web root");
	} else if (!created && r->web_gid != (gid_t)-1 && st.st_gid != r->web_gid &&
		   st.st_gid != 0) {
		panel__run_failed(r, "refused: %s/%s exists with group %u, not %u", rel, r->login,
				  (unsigned)st.st_gid, r->uid);
	} else if (fchown(fd, r->web_uid, r->web_gid) == -1 || fchmod(fd, 02770) == -1) {
		panel__run_errno(r, errno, "the web root");
	} else {
		panel__run_done(r, "%s %s/%s", created ? "made" : "checked", rel, r->login);
	}
	close(fd);
}

/* <top>/<l>/<login> to the trash as <id>-<tag>-<login>: 1 moved, 0 absent, -1 with errno. */
static int trash_member_folder(struct panel__run *r, const char *top, const char *tag)
{
	char rel[32];
	int parent, moved;

	snprintf(rel, sizeof(rel), "%s/%c", top, r->login[0]);
	if ((parent = panel__fs_walk(r, r->root, rel, NULL)) == -1)
		return errno == ENOENT ? 0 : -1;
	moved = panel__fs_trash(r, parent, r->login, tag);
	int saved = errno;
	close(parent);
	errno = saved;
	return moved;
}

/* The web root, then the vhosts AlternC 1.0's cron wrote for the account
 * (<root>/apache-vhost/<l>/<login>/<fqdn>.conf, its host_create): its host_delete finds them
 * by the login of the entry's owner, and the account's row is gone before the cron runs, so
 * it removed none of them. They stayed in the web server's configuration, ahead of those of
 * the domain's next owner when their folder comes first: a deleted member's redirection kept
 * serving the name that another account hosts now. */
static void mem_del(struct panel__run *r)
{
	int web, vhosts;

	if (!valid_login(r->login)) {
		panel__run_failed(r, "refused: invalid login \"%.64s\"", r->login);
		return;
	}
	if ((web = trash_member_folder(r, "html", "html")) == -1) {
		panel__run_errno(r, errno, "moving the web root to the trash");
		return;
	}
	if ((vhosts = trash_member_folder(r, "apache-vhost", "vhost")) == -1) {
		panel__run_errno(r, errno, "moving the vhosts to the trash");
		return;
	}
	if (!web && !vhosts)
		panel__run_done(r, "nothing to delete: no html/%c/%s", r->login[0], r->login);
	else
		panel__run_done(r, "moved %s%s%s to the trash", web ? "the web root" : "",
				web && vhosts ? " and " : "", vhosts ? "1.0's vhosts" : "");
}

/* local_domain as mail.c names boxes: [a-z0-9_.:+-], with a '_'; its folder letter. */
static int valid_box(const char *box)
{
	size_t n = box ? strlen(box) : 0;

	return panel__fs_name_ok(box) && strchr(box, '_') &&
	       strspn(box, "abcdefghijklmnopqrstuvwxyz0123456789_.:+-") == n;
}

/* mail/<c> of a box; the outcome after failing for a bad box or a path that is not its own. */
static int box_folder(struct panel__run *r, char *rel, size_t size)
{
	const char *box = arg(r, "box"), *path = arg(r, "path");
	char expected[600];
	const char *root = panel__job_root(r->p);

	if (!valid_box(box))
		return panel__run_failed(r, "refused: invalid mailbox name \"%.64s\"",
					 box ? box : "");
	snprintf(rel, size, "mail/%c", box[0]);
	snprintf(expected, sizeof(expected), "%s/%s/%s", root, rel, box);
	if (path && *path && strcmp(path, expected) != 0)
		return panel__run_failed(r, "refused: the path %.100s is not %.100s", path,
					 expected);
	return 0;
}

static void mail_add(struct panel__run *r)
{
	const struct panel__fs_owner mail = {r->web_uid, r->web_gid, 0700};
	static const char *const below[] = {"Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"};
	char rel[16];
	struct stat st;
	int parent, fd, created = 0;

	if (r->uid < MIN_MEMBER_GID) {
		panel__run_failed(r, "refused: uid %u would give the files a system group", r->uid);
		return;
	}
	if (box_folder(r, rel, sizeof(rel)))
		return;
	const char *box = arg(r, "box");
	if ((parent = panel__fs_walk(r, r->root, rel, &system_dir)) == -1) {
		panel__run_errno(r, errno, rel);
		return;
	}
	int top = panel__fs_dir_at(parent, box, &mail, &created);
	int saved = errno;
	close(parent);
	if (top == -1) {
		panel__run_errno(r, saved, "the mailbox folder");
		return;
	}
	/* An existing box folder is adopted only when it is this member's (or root's): another
	 * group means another account's mails, left there when their box's removal failed (the
	 * trash on another filesystem), which the address's next owner must not get. */
	if (fstat(top, &st) == -1) {
		panel__run_errno(r, errno, "the mailbox folder");
		close(top);
		return;
	}
	if (!created && r->web_gid != (gid_t)-1 && st.st_gid != r->web_gid && st.st_gid != 0) {
		panel__run_failed(r, "refused: %s/%s exists with group %u, not %u", rel, box,
				  (unsigned)st.st_gid, (unsigned)r->web_gid);
		close(top);
		return;
	}
	/* Each folder, new or not, gets the owner Courier and Dovecot log in with (AlternC 1.0's
	 * authmysqlrc: uid 33, gid the member's uid). */
	for (size_t i = 0; i <= sizeof(below) / sizeof(below[0]); i++) {
		fd = i == 0 ? dup(top) : panel__fs_walk(r, top, below[i - 1], &mail);
		if (fd == -1 || fchown(fd, mail.uid, mail.gid) == -1 ||
		    fchmod(fd, mail.mode) == -1) {
			panel__run_errno(r, errno, i == 0 ? box : below[i - 1]);
			if (fd != -1)
				close(fd);
			close(top);
			return;
		}
		close(fd);
	}
	close(top);
	panel__run_done(r, "mailbox %s/%s ready", rel, box);
}

static void mail_del(struct panel__run *r)
{
	char rel[16];
	int parent, moved;

	if (box_folder(r, rel, sizeof(rel)))
		return;
	const char *box = arg(r, "box");
	if ((parent = panel__fs_walk(r, r->root, rel, NULL)) == -1) {
		if (errno == ENOENT)
			panel__run_done(r, "nothing to delete: no %s", rel);
		else
			panel__run_errno(r, errno, rel);
		return;
	}
	moved = panel__fs_trash(r, parent, box, "mail");
	int saved = errno;
	close(parent);
	if (moved == -1)
		panel__run_errno(r, saved, "moving the mailbox to the trash");
	else
		panel__run_done(r,
				moved ? "moved %s/%s to the trash" : "nothing to delete: no %s/%s",
				rel, box);
}

/* A folder of the web space ({"dir": "/sites/shop"}), for an FTP account or a domain. */
static void make_dir(struct panel__run *r)
{
	const struct panel__fs_owner web = {r->web_uid, r->web_gid, 02770};
	const char *dir = arg(r, "dir");
	char rel[64];
	int webroot, fd;

	if (panel__run_member_ok(r))
		return;
	if (!dir || dir[0] != '/' || strlen(dir) > 1000) {
		panel__run_failed(r, "refused: invalid folder \"%.64s\"", dir ? dir : "");
		return;
	}
	snprintf(rel, sizeof(rel), "html/%c/%s", r->login[0], r->login);
	if ((webroot = panel__fs_walk(r, r->root, rel, NULL)) == -1) {
		if (errno == ENOENT)
			panel__run_retry(r, "the web root %s is not there yet", rel);
		else
			panel__run_errno(r, errno, rel);
		return;
	}
	dir += strspn(dir, "/");
	fd = *dir ? panel__fs_walk(r, webroot, dir, &web) : dup(webroot);
	int saved = errno;
	close(webroot);
	if (fd == -1) {
		panel__run_errno(r, saved, "the folder");
		return;
	}
	close(fd);
	panel__run_done(r, "folder %s/%.100s ready", rel, dir);
}

static void db_job(struct panel__run *r)
{
	char result[256];

	if (panel__job_run(result, sizeof(result), r->p, r->action, r->args, r->uid, r->web_uid,
			   r->web_gid) == 0)
		panel__run_done(r, "%s", result);
	else
		panel__run_failed(r, "%s", result);
}

/* The slave addresses changed (slave_ip.c): AlternC 1.0's flag file, whose presence makes its
 * hourly slave_dns rewrite bind's ACL (slaveip.conf) from the slaveip table and reload bind. The
 * last component is never followed if it is a link. */
static void slave_refresh(struct panel__run *r)
{
	const char *flag = panel_config_get(r->p->cfg, "alternc", "slave_flag");
	int fd;

	if (!flag || !*flag)
		flag = "/var/run/alternc/refresh_slave";
	fd = open(flag, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd == -1) {
		panel__run_errno(r, errno, flag);
		return;
	}
	ssize_t w = write(fd, "yopla", 5); /* 1.0's content; only the presence counts */
	int saved = errno;
	close(fd);
	if (w != 5)
		panel__run_errno(r, w == -1 ? saved : EIO, flag);
	else
		panel__run_done(r, "flagged %s for slave_dns", flag);
}

static const struct kind {
	const char *name;
	void (*run)(struct panel__run *r);
} kinds[] = {
    {"mem_add", mem_add},	   {"mem_del", mem_del},
    {"mail_add", mail_add},	   {"mail_del", mail_del},
    {"mkdir", make_dir},	   {"quota_edit", panel__run_quota},
    {"db_dump", db_job},	   {"db_restore", db_job},
    {"hta_write", panel__run_hta}, {"slave_refresh", slave_refresh},
};

void panel__run_kind(struct panel__run *r)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].name, r->action) == 0) {
			kinds[i].run(r);
			return;
		}
	}
	panel__run_failed(r, "refused: unknown action \"%.32s\"", r->action);
}
