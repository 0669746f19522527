/* The file manager's access to a member's web space: who may use it (the member, or an admin who
 * sees it), its quota, and every path resolved from the hosting root one component at a time
 * with the runner's walk (openat with O_NOFOLLOW | O_DIRECTORY, names checked by
 * panel__fs_name_ok): a link at any component, "..", an absolute escape or a control character
 * never gets past it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "files_internal.h"
#include "jobs_internal.h"
#include "validate.h"

struct open_ctx {
	const panel_actor *who;
	struct panel__space *s;
};

static int open_body(panel_db *db, void *arg)
{
	struct open_ctx *ctx = arg;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error =
		 panel__authz_account(&uid, db, ctx->who, ctx->s->login, PANEL__AUTHZ_OBJECTS)) < 0)
		return error;
	ctx->s->run.uid = uid;
	return 0;
}

/* The owners the runner would give ([runner] web_uid and set_owners; runner.c). */
static void owners(struct panel__space *s, panel *p)
{
	const char *set = panel_setting(p, "runner", "set_owners");
	int yes = !set || strcmp(set, "no") != 0;
	uid_t web = yes ? (uid_t)panel__runner_setting(p, "web_uid", 33) : (uid_t)-1;
	gid_t gid = yes ? (gid_t)s->run.uid : (gid_t)-1;

	s->dir_owner = (struct panel__fs_owner){web, gid, 02770};
	s->file_owner = (struct panel__fs_owner){web, gid, 0660};
}

int panel__space_open(struct panel__space *s, panel *p, const panel_actor *who, const char *login)
{
	struct open_ctx ctx = {.who = who, .s = s};
	char rel[64];
	int error;

	memset(s, 0, sizeof(*s));
	s->root = s->web = -1;
	s->run.p = p;
	s->run.login = s->login;
	s->who = who;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!login || !*login || strlen(login) > PANEL_LOGIN_MAX ||
	    login[strspn(login, "abcdefghijklmnopqrstuvwxyz0123456789")])
		return panel__error(PANEL_ENOTFOUND, "login", "no such account");
	snprintf(s->login, sizeof(s->login), "%s", login);
	if ((error = panel__db_transaction(p->db, open_body, &ctx)) < 0)
		return error;
	owners(s, p);
	s->root = open(panel__job_root(p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root == -1)
		return panel__error(PANEL_ERROR, "hosting.root", "cannot open the hosting root: %s",
				    strerror(errno));
	s->run.root = s->root;
	snprintf(rel, sizeof(rel), "html/%c/%s", login[0], login);
	if ((s->web = panel__fs_walk(&s->run, s->root, rel, NULL)) == -1) {
		if (errno == ENOENT)
			return panel__error(PANEL_ENOTFOUND, "login",
					    "the web space of %s is not made yet", login);
		return panel__error(PANEL_ERROR, "login",
				    "the web space of %s cannot be opened: %s", login,
				    strerror(errno));
	}
	return 0;
}

static void release_unkept(struct panel__space *s);

void panel__space_close(struct panel__space *s)
{
	if (s->run.p)
		release_unkept(s);
	if (s->web != -1)
		close(s->web);
	if (s->root != -1)
		close(s->root);
	s->web = s->root = -1;
}

int panel__space_errno(int err, const char *field, const char *path)
{
	switch (err) {
	case ELOOP:
		return panel__error(PANEL_EINVALID, field,
				    "%s: a symbolic link is on the way (links are never followed)",
				    path);
	case ENOTDIR:
		return panel__error(PANEL_EINVALID, field, "%s: not a folder", path);
	case EISDIR:
		return panel__error(PANEL_EINVALID, field, "%s: a folder", path);
	case EINVAL:
	case ENAMETOOLONG:
		return panel__error(PANEL_EINVALID, field,
				    "%s: invalid path (no \"..\", \".\", empty component, control"
				    " character or leading '-')",
				    path);
	case ENOENT:
		return panel__error(PANEL_ENOTFOUND, field, "%s: no such file or folder", path);
	case EEXIST:
	case ENOTEMPTY:
		return panel__error(PANEL_EEXISTS, field, "%s: already exists", path);
	case EXDEV:
		return panel__error(PANEL_EINVALID, field, "%s: on another filesystem", path);
	case EACCES:
	case EPERM:
		return panel__error(
		    PANEL_ERROR, field,
		    "%s: %s (the file manager's process must run as [runner] web_uid"
		    " or root)",
		    path, strerror(err));
	case EDQUOT:
	case ENOSPC:
		return panel__error(PANEL_EQUOTA, field, "%s: no space left (%s)", path,
				    strerror(err));
	default:
		return panel__error(PANEL_ERROR, field, "%s: %s", path, strerror(err));
	}
}

/* Copies path without its leading and trailing '/' into out, every component checked by
 * panel__fs_name_ok before anything is opened: -1 (errno ENAMETOOLONG or EINVAL) otherwise. */
static int trim(char out[PANEL_FILE_PATH_MAX + 1], const char *path)
{
	char name[256];
	size_t n;

	path += strspn(path, "/");
	n = strlen(path);
	while (n && path[n - 1] == '/')
		n--;
	if (n > PANEL_FILE_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, path, n);
	out[n] = '\0';
	for (const char *c = out; *c;) {
		size_t len = strcspn(c, "/");
		if (len >= sizeof(name)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(name, c, len);
		name[len] = '\0';
		if (!panel__fs_name_ok(name)) {
			errno = EINVAL;
			return -1;
		}
		c += len + (c[len] == '/');
	}
	return 0;
}

int panel__space_dir(int *fd, struct panel__space *s, const char *path, const char *field)
{
	char rel[PANEL_FILE_PATH_MAX + 1];

	*fd = -1;
	if (!path || trim(rel, path) < 0)
		return panel__space_errno(path ? errno : EINVAL, field, "the path");
	if ((*fd = panel__fs_walk(&s->run, s->web, rel, NULL)) == -1)
		return panel__space_errno(errno, field, *rel ? rel : "/");
	return 0;
}

int panel__space_parent(int *parent, char name[256], struct panel__space *s, const char *path,
			const char *field)
{
	char rel[PANEL_FILE_PATH_MAX + 1];
	char *slash;

	*parent = -1;
	name[0] = '\0';
	if (!path || trim(rel, path) < 0)
		return panel__space_errno(path ? errno : EINVAL, field, "the path");
	if (!*rel)
		return panel__error(PANEL_EINVALID, field, "not on the web root itself");
	slash = strrchr(rel, '/');
	const char *last = slash ? slash + 1 : rel;
	if (!panel__fs_name_ok(last))
		return panel__space_errno(EINVAL, field, rel);
	memcpy(name, last, strlen(last) + 1); /* 255 bytes at most: panel__fs_name_ok */
	if (slash)
		*slash = '\0';
	if ((*parent = panel__fs_walk(&s->run, s->web, slash ? rel : "", NULL)) == -1)
		return panel__space_errno(errno, field, rel);
	return 0;
}

#define SIZE_WEB_MAX_KB 4294967295ULL /* size_web.size is INT UNSIGNED */

struct reserve_ctx {
	uint32_t uid;
	uint64_t kb;
};

static int reserve_body(panel_db *db, void *arg)
{
	struct reserve_ctx *ctx = arg;
	panel_db_rows *rows = NULL;
	uint64_t used = 0, quota = 0;
	int error;

	/* An account the runner has not measured yet has no row: one is made, dated long ago (due
	 * for a measurement), so that its writes until then count too. From membres: an account
	 * deleted meanwhile gets none. Then the row is locked: reservations of one account queue
	 * behind each other, each checked against what the others took. */
	if ((error =
		 panel__db_exec(NULL, db,
				"INSERT INTO size_web (uid, size, ts) SELECT uid, 0, '2000-01-01"
				" 00:00:00' FROM membres WHERE uid = ? ON DUPLICATE KEY UPDATE"
				" size_web.size = size_web.size",
				DB_ARGS(DB_U64(ctx->uid)))) < 0 ||
	    (error = panel__db_query(
		 &rows, db,
		 "SELECT size, (SELECT COALESCE(MAX(total), 0) FROM quotas WHERE"
		 " uid = ? AND name = 'web') FROM size_web WHERE uid = ? FOR UPDATE",
		 DB_ARGS(DB_U64(ctx->uid), DB_U64(ctx->uid)))) < 0)
		return error;
	if (!panel__db_rows_count(rows)) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "login", "no such account");
	}
	panel__db_cell_u64(&used, rows, 0, 0);
	panel__db_cell_u64(&quota, rows, 0, 1);
	panel__db_rows_free(rows);
	if (quota && used + ctx->kb > quota)
		return panel__error(PANEL_EQUOTA, "size",
				    "the web quota is %llu KB, %llu KB are used: %llu KB more do"
				    " not fit",
				    (unsigned long long)quota, (unsigned long long)used,
				    (unsigned long long)ctx->kb);
	/* ts kept (ON UPDATE): the runner's next measurement replaces the sum anyway. */
	return panel__db_exec(NULL, db,
			      "UPDATE size_web SET size = LEAST(size + ?, 4294967295), ts = ts"
			      " WHERE uid = ?",
			      DB_ARGS(DB_U64(ctx->kb), DB_U64(ctx->uid)));
}

int panel__space_reserve(struct panel__space *s, uint64_t bytes)
{
	struct reserve_ctx ctx = {.uid = s->run.uid, .kb = (bytes + 1023) / 1024};
	int error;

	if (!ctx.kb) /* takes nothing more: allowed even past the quota */
		return 0;
	if (ctx.kb > SIZE_WEB_MAX_KB)
		ctx.kb = SIZE_WEB_MAX_KB;
	if ((error = panel__db_transaction(s->run.p->db, reserve_body, &ctx)) < 0)
		return error;
	s->reserved_kb += ctx.kb;
	return 0;
}

void panel__space_keep(struct panel__space *s)
{
	s->reserved_kb = 0;
}

/* Gives back what was reserved and not kept (best effort: the next measurement corrects it). */
static void release_unkept(struct panel__space *s)
{
	panel__error_saved saved;

	if (!s->reserved_kb)
		return;
	panel__error_save(&saved);
	panel__db_exec(NULL, s->run.p->db,
		       "UPDATE size_web SET size = size - LEAST(size, ?), ts = ts WHERE uid = ?",
		       DB_ARGS(DB_U64(s->reserved_kb), DB_U64(s->run.uid)));
	panel__error_restore(&saved);
	s->reserved_kb = 0;
}

/* 1 when the process may keep a set-group-id bit on a file of group gid (chmod(2) clears it
 * otherwise): root, or a member of the group. */
static int keeps_setgid(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (geteuid() == 0 || getegid() == gid)
		return 1;
	n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

int panel__space_own(int fd, const struct panel__fs_owner *owner, mode_t mode)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -1;
	/* Only when it differs: a process running as web_uid gets the group from the setgid
	 * folder already, and may not chown to a group it is not in. */
	if (((owner->uid != (uid_t)-1 && st.st_uid != owner->uid) ||
	     (owner->gid != (gid_t)-1 && st.st_gid != owner->gid)) &&
	    fchown(fd, owner->uid, owner->gid) == -1)
		return -1;
	if ((st.st_mode & 07777) == mode)
		return 0;
	/* The web user outside the member's group would lose the folder's inherited setgid bit
	 * (and with it the group of everything made inside): the mode it was made with stays,
	 * which umask 0007 makes the runner's. */
	if ((mode & S_ISGID) && (st.st_mode & S_ISGID) && !keeps_setgid(st.st_gid))
		return 0;
	return fchmod(fd, mode);
}

void panel__space_audit(struct panel__space *s, const char *action, json_t *after)
{
	panel__error_saved saved;

	panel__error_save(&saved);
	panel__audit(s->run.p->db, s->who, action, "files", s->login, s->run.uid, NULL, after);
	panel__error_restore(&saved);
}

uint64_t panel__files_limit(panel *p, const char *key, uint64_t def)
{
	const char *v = panel_setting(p, "files", key);
	unsigned long n;

	return v && *v && panel__parse_ulong(&n, v, 1, ~0UL) ? n : def;
}
