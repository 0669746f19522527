/* The runner's hta_write ({"dir": "/private"}): a protected folder's .htaccess and .htpasswd
 * written from panel_hta_dirs and panel_hta_users (hta.c), or the protection removed once the
 * folder is no longer listed. The folder is reached with the runner's walk, never through a
 * link; each file is written beside its final name and renamed over it (a link or a FIFO the
 * member left there is replaced, never followed or opened); the member's own lines in
 * .htaccess are kept, the panel's are one marked block. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "jobs_internal.h"
#include "runner_internal.h"

#define BLOCK_BEGIN  "# BEGIN panel protected folder (edits between these lines are replaced)\n"
#define BLOCK_END    "# END panel protected folder\n"
#define HTACCESS_MAX 65536
/* What AlternC 1.0's CreateDir wrote, whole: replaced by the block when found. */
static const char *const alternc_lines[] = {"AuthUserFile ", "AuthName ", "AuthType Basic",
					    "require valid-user"};

/* A growing text. */
struct text {
	char *s;
	size_t len, cap;
};

static int text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *grown = realloc(t->s, cap);
		if (!grown)
			return -1;
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
	return 0;
}

/* Whether a file is the member's: of its group (what its PHP, its FTP account and the panel
 * write in its set-group-id folders; the web user owns every member's files, so its uid tells
 * nothing). Not root's /etc/shadow hard-linked there before its name was replaced (where
 * fs.protected_hardlinks is off), whose only link it then is, nor another member's file. */
static int members_file(const struct panel__run *r, const struct stat *st)
{
	if (r->web_gid == (gid_t)-1)
		return st->st_uid == geteuid();
	return st->st_gid == r->web_gid;
}

/* The member's .htaccess, if it is a plain file of this folder (not a link, not a hard link to
 * a file elsewhere, not a FIFO): 1 read into t, 0 none to keep, -1 with errno, -2 when it is a
 * plain file that is not the member's (members_file: never read, never replaced). */
static int read_member_file(struct text *t, const struct panel__run *r, int dir, const char *name)
{
	char buf[4096];
	struct stat st;
	ssize_t n;
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd == -1)
		return errno == ENOENT || errno == ELOOP ? 0 : -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return 0;
	}
	if (!members_file(r, &st)) {
		close(fd);
		return -2;
	}
	if (st.st_size > HTACCESS_MAX) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (text_add(t, buf, (size_t)n) < 0 || t->len > HTACCESS_MAX) {
			close(fd);
			errno = t->len > HTACCESS_MAX ? EFBIG : ENOMEM;
			return -1;
		}
	close(fd);
	return n == 0 ? 1 : -1;
}

static int is_alternc_line(const char *line, size_t n)
{
	for (size_t i = 0; i < sizeof(alternc_lines) / sizeof(alternc_lines[0]); i++)
		if (n >= strlen(alternc_lines[i]) &&
		    strncmp(line, alternc_lines[i], strlen(alternc_lines[i])) == 0)
			return 1;
	return 0;
}

/* The member's lines of an .htaccess: without the panel's block, and without 1.0's four lines
 * when the file held nothing else of them. */
static int member_lines(struct text *out, const struct text *in)
{
	const char *s = in->s ? in->s : "";
	int inside = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (strncmp(s, BLOCK_BEGIN, n) == 0 && n == strlen(BLOCK_BEGIN))
			inside = 1;
		else if (inside && strncmp(s, BLOCK_END, n) == 0 && n == strlen(BLOCK_END))
			inside = 0;
		else if (!inside && !is_alternc_line(s, n) && text_add(out, s, n) < 0)
			return -1;
		s += n;
	}
	if (out->len && out->s[out->len - 1] != '\n')
		return text_add(out, "\n", 1);
	return 0;
}

/* Writes data as name in dir: a new file beside it, renamed over it. 0, or -1 with errno. */
static int replace_file(const struct panel__run *r, int dir, const char *name, const char *data,
			size_t len)
{
	char tmp[64];
	int fd;

	snprintf(tmp, sizeof(tmp), ".%s.panel-new", name);
	if (unlinkat(dir, tmp, 0) == -1 && errno != ENOENT)
		return -1;
	if ((fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640)) ==
	    -1)
		return -1;
	int ok = write(fd, data, len) == (ssize_t)len && fchown(fd, r->web_uid, r->web_gid) == 0 &&
		 fchmod(fd, 0640) == 0 && fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!ok || renameat(dir, tmp, dir, name) == -1) {
		saved = ok ? errno : saved;
		unlinkat(dir, tmp, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

/* "user:hash\n" for each user of the folder, read now. 0, or an error of the database. */
static int htpasswd_text(struct text *t, const struct panel__run *r, const char *dir)
{
	panel_db_rows *rows;
	int error =
	    panel__db_query(&rows, r->p->db,
			    "SELECT user, hash FROM panel_hta_users WHERE uid = ? AND dir = ?"
			    " ORDER BY user",
			    DB_ARGS(DB_U64(r->uid), DB_STR(dir)));

	if (error < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows) && error == 0; i++) {
		const char *user = panel__db_cell(rows, i, 0), *hash = panel__db_cell(rows, i, 1);
		/* The panel checked both; a row written by hand with a separator is skipped. */
		if (strpbrk(user, ":\n") || strchr(hash, '\n'))
			continue;
		if (text_add(t, user, strlen(user)) < 0 || text_add(t, ":", 1) < 0 ||
		    text_add(t, hash, strlen(hash)) < 0 || text_add(t, "\n", 1) < 0)
			error = -1;
	}
	panel__db_rows_free(rows);
	return error;
}

static void not_members(struct panel__run *r, const char *dir)
{
	panel__run_failed(r,
			  "refused: %.100s/.htaccess is not the member's (neither uid %d nor group "
			  "%d): give it to them or remove it, then protect the folder again",
			  dir, (int)r->web_uid, (int)r->web_gid);
}

/* The folder protected: both files written. */
static void protect(struct panel__run *r, int fd, const char *dir)
{
	struct text old = {0}, htaccess = {0}, users = {0};
	char line[1200];
	const char *what = ".htaccess";

	snprintf(line, sizeof(line),
		 BLOCK_BEGIN "AuthUserFile %s/html/%c/%s%s/.htpasswd\nAuthName \"Protected "
			     "area\"\nAuthType Basic\nrequire valid-user\n" BLOCK_END,
		 panel__job_root(r->p), r->login[0], r->login, strcmp(dir, "/") ? dir : "");
	int rc = read_member_file(&old, r, fd, ".htaccess");

	if (rc == -2) {
		not_members(r, dir);
	} else if (rc == -1 || text_add(&htaccess, line, strlen(line)) < 0 ||
		   member_lines(&htaccess, &old) < 0) {
		panel__run_errno(r, errno, "reading the folder's .htaccess");
	} else if (htpasswd_text(&users, r, dir) < 0) {
		panel__run_retry(r, "the users of %.100s could not be read", dir);
	} else if (replace_file(r, fd, ".htpasswd", users.s ? users.s : "", users.len) == -1 ||
		   (what = ".htaccess",
		    replace_file(r, fd, ".htaccess", htaccess.s, htaccess.len) == -1)) {
		panel__run_errno(r, errno, what);
	} else {
		panel__run_done(r, "%.100s protected", dir);
	}
	free(old.s);
	free(htaccess.s);
	free(users.s);
}

/* The protection removed: .htpasswd deleted, the panel's block out of .htaccess (deleted when
 * nothing of the member's is left). */
static void unprotect(struct panel__run *r, int fd, const char *dir)
{
	struct text old = {0}, kept = {0};
	int rc = read_member_file(&old, r, fd, ".htaccess");

	if (rc == -2) {
		not_members(r, dir);
	} else if (rc == -1 || member_lines(&kept, &old) < 0) {
		panel__run_errno(r, errno, "reading the folder's .htaccess");
	} else if (unlinkat(fd, ".htpasswd", 0) == -1 && errno != ENOENT) {
		panel__run_errno(r, errno, ".htpasswd");
	} else if (rc == 1 && kept.len &&
		   replace_file(r, fd, ".htaccess", kept.s, kept.len) == -1) {
		panel__run_errno(r, errno, ".htaccess");
	} else if (rc == 1 && !kept.len && unlinkat(fd, ".htaccess", 0) == -1 && errno != ENOENT) {
		panel__run_errno(r, errno, ".htaccess");
	} else {
		panel__run_done(r, "%.100s no longer protected", dir);
	}
	free(old.s);
	free(kept.s);
}

void panel__run_hta(struct panel__run *r)
{
	const struct panel__fs_owner web = {r->web_uid, r->web_gid, 02770};
	const char *dir = json_string_value(json_object_get(r->args, "dir"));
	uint64_t listed = 0;
	char rel[64];
	int webroot, fd;

	if (panel__run_member_ok(r) != 0)
		return;
	if (!dir || dir[0] != '/' || strlen(dir) > 255) {
		panel__run_failed(r, "refused: invalid folder \"%.64s\"", dir ? dir : "");
		return;
	}
	if (panel__db_query_u64(&listed, r->p->db,
				"SELECT COUNT(*) FROM panel_hta_dirs WHERE uid = ? AND dir = ?",
				DB_ARGS(DB_U64(r->uid), DB_STR(dir))) < 0) {
		panel__run_retry(r, "the protected folders could not be read");
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
	const char *sub = dir + strspn(dir, "/");
	fd = *sub ? panel__fs_walk(r, webroot, sub, listed ? &web : NULL) : dup(webroot);
	int saved = errno;
	close(webroot);
	if (fd == -1 && !listed && saved == ENOENT) {
		panel__run_done(r, "%.100s is gone: nothing to unprotect", dir);
	} else if (fd == -1) {
		panel__run_errno(r, saved, "the folder");
	} else {
		if (listed)
			protect(r, fd, dir);
		else
			unprotect(r, fd, dir);
		close(fd);
	}
}
