/* What the parts of the actions runner share: one action being run, its outcome, and the
 * filesystem helpers that never follow a link (runner.c, runner_kinds.c, runner_fs.c,
 * runner_quota.c, runner_usage.c). */
#ifndef PANEL_SRC_RUNNER_INTERNAL_H
#define PANEL_SRC_RUNNER_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "handle.h"
#include "panel/actions.h"

enum panel__run_outcome {
	PANEL_RUN_DONE,	  /* finished (also: nothing left to do) */
	PANEL_RUN_RETRY,  /* failed for now (I/O, a folder not there yet): retried later */
	PANEL_RUN_FAILED, /* failed for good: a bad name, a path that escapes, a link on the way */
};

/* One action being run, outside any transaction. */
struct panel__run {
	panel *p;
	uint64_t id;
	const char *action;
	uint32_t uid;
	const char *login;
	json_t *args;  /* an object, never NULL */
	int root;      /* the hosting root, opened once per pass */
	uid_t web_uid; /* [runner] web_uid; -1 (unchanged) when set_owners is no */
	gid_t web_gid; /* the member's uid; -1 when set_owners is no */
	enum panel__run_outcome outcome;
	char result[256]; /* what was done, or why not */
	int no_quotas;	  /* set by quota_edit on a filesystem without quotas */
};

/* Records the outcome and a printf-style message into r->result; returns the outcome. */
int panel__run_done(struct panel__run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int panel__run_retry(struct panel__run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int panel__run_failed(struct panel__run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A failed system call on what: permanent for a link on the way (ELOOP), something that is not
 * a folder (ENOTDIR), another filesystem (EXDEV) or a bad name (EINVAL); retried otherwise. */
int panel__run_errno(struct panel__run *r, int err, const char *what);

/* The test hook of the handle, if any (handle.h). */
void panel__run_hook(const struct panel__run *r, const char *stage, const char *detail);

/* Runs one action by its kind (runner_kinds.c). r->outcome and r->result say how it went. */
void panel__run_kind(struct panel__run *r);

/* The login and uid of a member whose files are made: 0, or the outcome after failing. */
int panel__run_member_ok(struct panel__run *r);

/* hta_write: a protected folder's .htaccess and .htpasswd (runner_hta.c). */
void panel__run_hta(struct panel__run *r);

/* A [runner] setting as a number, its default when unset or unreadable. */
unsigned long panel__runner_setting(panel *p, const char *key, unsigned long def);

/* ---------------------------------------------------------------- runner_fs.c */

/* 1 when name may be one component of a path the runner makes: not empty, ".", "..", no '/',
 * no control character, no leading '-', 255 bytes at most. */
int panel__fs_name_ok(const char *name);

/* Who owns a folder the runner makes, and its mode (applied with fchown/fchmod on the open
 * folder, so never through a link). */
struct panel__fs_owner {
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

/* Opens the folder name under at without following a link (O_NOFOLLOW | O_DIRECTORY). With
 * make, a missing folder is created and given make's owner and mode; *created says so (may be
 * NULL). The descriptor, or -1 with errno (ELOOP: a link; ENOTDIR: not a folder). */
int panel__fs_dir_at(int at, const char *name, const struct panel__fs_owner *make, int *created);

/* Walks rel ("a/b/c", components checked by panel__fs_name_ok) from at, one folder at a time
 * with panel__fs_dir_at, making missing ones with make when it is not NULL. The test hook sees
 * each component before it is opened (stage "open", detail the path walked so far). The last
 * folder's descriptor, or -1 with errno (EINVAL: a bad component). */
int panel__fs_walk(const struct panel__run *r, int at, const char *rel,
		   const struct panel__fs_owner *make);

/* Moves name (under at) into the trash, <root>/trash/<YYYYMMDD>/<id>-<tag>-<name>, with
 * renameat: nothing of the member's tree is read or followed. 1 moved, 0 nothing to move (name
 * absent), -1 with errno. */
int panel__fs_trash(const struct panel__run *r, int at, const char *name, const char *tag);

/* Removes the file, link or tree name under at with openat/unlinkat, never following a link (a
 * link met is unlinked, a folder swapped for a link is not entered), moving folders deeper than
 * 64 levels up to the top of the tree rather than recursing further. 0, or -1 with errno. */
int panel__fs_remove(int at, const char *name);

/* Removes the dated trash folders at least days old (days 0: every one); *removed counts them.
 * The trees are removed with openat/unlinkat, never following a link. 0, or -1 with errno. */
int panel__fs_purge(int root, unsigned long days, unsigned *removed);

/* ---------------------------------------------------------------- runner_quota.c */

/* quota_edit: applies the group disk quota of r->uid ({"kb": N}) on the filesystem of the
 * hosting root and records the usage it reads back into size_web. */
void panel__run_quota(struct panel__run *r);

/* 1 when err (of quotactl) means "this filesystem, or kernel, keeps no group quotas". */
int panel__quota_no_quotas(int err);

/* The space used by group gid on the filesystem of root, in KB (rounded up), from its disk
 * quota (Q_GETQUOTA: needs CAP_SYS_ADMIN for a group the caller is not in). 0, or -1 with
 * errno. */
int panel__quota_used_kb(uint64_t *kb, int root, uint32_t gid);

/* ---------------------------------------------------------------- runner_usage.c */

/* Records uid's web usage (KB) into size_web, measured now. 0 or an error. */
int panel__usage_record(panel *p, uint32_t uid, uint64_t kb);

/* What walking one web space found. */
struct panel__fs_usage {
	uint64_t kb;		/* st_blocks of everything met, hard links once, in KB */
	uint64_t bytes;		/* st_size of the regular files met, each name: what a copy
				 * writes (a sparse file's holes included) */
	unsigned long entries;	/* entries seen */
	unsigned long deep;	/* folders counted but not entered: deeper than the limit */
	unsigned long other_fs; /* entries on another filesystem (mount points): skipped */
	int stopped;		/* the walk stopped at its limit of entries */
};

/* Measures the tree of the folder fd (taken: closed here) as du -skx would: st_blocks of every
 * entry, the folder's own included, without following a link, entering another filesystem or
 * going deeper than PANEL_FS_USAGE_DEPTH levels. With most > 0, stops once more than most
 * entries are met (out->stopped, out->entries most + 1: the rest is not counted). 0, or -1
 * with errno. */
#define PANEL_FS_USAGE_DEPTH 128
int panel__fs_usage(struct panel__fs_usage *out, int fd, unsigned long most);

/* The measuring step of a pass: the web usage of the members due, into size_web, said in
 * report (measured, unmeasured, usage_source, usage, warning, next_due). */
int panel__usage_refresh(panel *p, int root, panel_runner_report *report);

#endif
