/* The members' web usage (size_web, the `used` of the web quota), measured by the actions runner:
 * reading another group's disk quota needs CAP_SYS_ADMIN, which the runner has (root) and the
 * front ends do not (panel-api runs as its own user, without capabilities), so the runner
 * measures and the panel reads what it recorded, with the time (size_web.ts). A member is
 * measured again once its measurement is [runner] usage_refresh seconds old (300; 0: never).
 *
 * Where the hosting root's filesystem keeps group quotas, the usage is the group's (Q_GETQUOTA,
 * what 1.0's quota_get read). Elsewhere each web space is walked as 1.0's nightly du did, but
 * from the hosting root one folder at a time with openat(O_NOFOLLOW): links are counted as
 * themselves and never followed, mount points are skipped, hard links counted once, and the walk
 * goes no deeper than PANEL_FS_USAGE_DEPTH levels (one descriptor per level) nor past [runner]
 * usage_max_entries files and folders (what it counted is then recorded, a lower bound). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "jobs_internal.h"
#include "runner_internal.h"
#include "validate.h"

#define USAGE_BUDGET 10	 /* seconds of measuring per pass; the members left wait for the next */
#define USAGE_BATCH  200 /* members read from the database at once */
#define SIZE_MAX_KB  4294967295ULL /* size_web.size is INT UNSIGNED */

int panel__usage_record(panel *p, uint32_t uid, uint64_t kb)
{
	/* ts explicitly: ON UPDATE CURRENT_TIMESTAMP leaves it when the size is unchanged. From
	 * membres: a member deleted meanwhile gets no row (the foreign key would refuse it). */
	return panel__db_exec(
	    NULL, p->db,
	    "INSERT INTO size_web (uid, size, ts) SELECT uid, ?, NOW() FROM membres"
	    " WHERE uid = ? ON DUPLICATE KEY UPDATE size = VALUES(size),"
	    " ts = VALUES(ts)",
	    DB_ARGS(DB_U64(kb > SIZE_MAX_KB ? SIZE_MAX_KB : kb), DB_U64(uid)));
}

/* ---------------------------------------------------------------- the walk */

/* Inodes of files with several links already counted (all on one filesystem): open
 * addressing, 0 marks a free slot (no inode is 0). */
struct inodes {
	uint64_t *slots;
	size_t cap, used;
};

/* 1 when ino was seen, else records it and 0; -1 out of memory. */
static int seen(struct inodes *s, uint64_t ino)
{
	if (s->used * 2 >= s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slots[i])
				continue;
			size_t j = (size_t)(s->slots[i] * 0x9E3779B97F4A7C15ULL) & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	size_t j = (size_t)(ino * 0x9E3779B97F4A7C15ULL) & (s->cap - 1);
	for (; s->slots[j]; j = (j + 1) & (s->cap - 1))
		if (s->slots[j] == ino)
			return 1;
	s->slots[j] = ino;
	s->used++;
	return 0;
}

struct walk {
	dev_t dev;
	unsigned long most; /* entries: the walk stops past them (0: no limit) */
	uint64_t blocks;    /* of 512 bytes */
	struct inodes links;
	struct panel__fs_usage *out;
};

/* Adds what the folder fd (closed here) holds. 0, or -1 with errno. */
static int walk_dir(struct walk *w, int fd, unsigned depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	for (;;) {
		struct stat st;
		errno = 0;
		if (!(e = readdir(d))) {
			rc = errno ? -1 : 0;
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (w->most && w->out->entries >= w->most) {
			w->out->entries++; /* one past: the caller sees the limit passed */
			w->out->stopped = 1;
			break;
		}
		w->out->entries++;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT) /* removed meanwhile */
				continue;
			rc = -1;
			break;
		}
		if (st.st_dev != w->dev) {
			w->out->other_fs++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			/* A link, a FIFO, a socket or a device node counts its own blocks (a
			 * fast link none); a file with several links once. */
			int dup = st.st_nlink > 1 ? seen(&w->links, (uint64_t)st.st_ino) : 0;
			if (dup < 0) {
				errno = ENOMEM;
				rc = -1;
				break;
			}
			if (!dup)
				w->blocks += (uint64_t)st.st_blocks;
			if (S_ISREG(st.st_mode))
				w->out->bytes += (uint64_t)st.st_size;
			continue;
		}
		w->blocks += (uint64_t)st.st_blocks;
		if (depth + 1 >= PANEL_FS_USAGE_DEPTH) {
			w->out->deep++;
			continue;
		}
		int sub =
		    openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub == -1) {
			/* Removed, or swapped for a link or a file since fstatat: not entered. */
			if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
				continue;
			rc = -1;
			break;
		}
		/* The folder opened must be the one measured: never another filesystem. */
		struct stat now;
		if (fstat(sub, &now) == -1 || now.st_dev != w->dev || now.st_ino != st.st_ino) {
			close(sub);
			continue;
		}
		if (walk_dir(w, sub, depth + 1) == -1) {
			rc = -1;
			break;
		}
		if (w->out->stopped)
			break;
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return rc;
}

int panel__fs_usage(struct panel__fs_usage *out, int fd, unsigned long most)
{
	struct walk w = {.out = out, .most = most};
	struct stat st = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode)) {
		int saved = S_ISDIR(st.st_mode) ? errno : ENOTDIR;
		close(fd);
		errno = saved;
		return -1;
	}
	w.dev = st.st_dev;
	w.blocks = (uint64_t)st.st_blocks;
	rc = walk_dir(&w, fd, 0);
	int saved = errno;
	free(w.links.slots);
	/* As du -k: bytes rounded up to whole KB. */
	out->kb = (w.blocks * 512 + 1023) / 1024;
	errno = saved;
	return rc;
}

/* ---------------------------------------------------------------- the refresh */

struct refresh {
	panel *p;
	int root;
	panel_runner_report *report;
	enum panel_usage_source source;
	char why[160]; /* walk: why not the quotas */
	unsigned long deep, other_fs, most, large;
	char deep_login[17], large_login[17];
};

/* The web space of login, walked: 0 with *kb, or -1 with errno (ENOENT: no web root). */
static int walk_member(struct refresh *rf, const char *login, uint64_t *kb)
{
	struct panel__fs_usage u;
	char rel[32];
	int fd;

	if (!panel__fs_name_ok(login) || strlen(login) > 16) {
		errno = EINVAL;
		return -1;
	}
	snprintf(rel, sizeof(rel), "html/%c/%s", login[0], login);
	if ((fd = panel__fs_walk(NULL, rf->root, rel, NULL)) == -1)
		return -1;
	if (panel__fs_usage(&u, fd, rf->most) == -1)
		return -1;
	if (u.deep && !rf->deep)
		snprintf(rf->deep_login, sizeof(rf->deep_login), "%s", login);
	if (u.stopped && !rf->large++)
		snprintf(rf->large_login, sizeof(rf->large_login), "%s", login);
	rf->deep += u.deep;
	rf->other_fs += u.other_fs;
	*kb = u.kb;
	return 0;
}

/* Quotas or the walk, from the first member due: once per pass. */
static void choose(struct refresh *rf, uint32_t gid)
{
	uint64_t kb;

	if (panel__quota_used_kb(&kb, rf->root, gid) == 0) {
		rf->source = PANEL_USAGE_QUOTAS;
		return;
	}
	int err = errno;
	rf->source = PANEL_USAGE_WALK;
	if (err == EPERM || err == EACCES)
		snprintf(rf->why, sizeof(rf->why), "the disk quotas of %.100s cannot be read: %s",
			 panel__job_root(rf->p), strerror(err));
	else if (panel__quota_no_quotas(err))
		snprintf(rf->why, sizeof(rf->why), "no disk quotas on the filesystem of %.100s",
			 panel__job_root(rf->p));
	else /* an I/O error: the walk is still an honest measure */
		snprintf(rf->why, sizeof(rf->why), "the disk quotas of %.100s failed: %s",
			 panel__job_root(rf->p), strerror(err));
}

/* Measures one member: 1 measured, 0 not (counted), or a database error. */
static int measure(struct refresh *rf, uint32_t uid, const char *login)
{
	uint64_t kb = 0;
	int error;

	if (uid < 1000) /* a system group: never a member's */
		return 0;
	if (rf->source == PANEL_USAGE_NONE)
		choose(rf, uid);
	if (rf->source == PANEL_USAGE_QUOTAS) {
		if (panel__quota_used_kb(&kb, rf->root, uid) == -1)
			return 0;
	} else if (walk_member(rf, login, &kb) == -1) {
		/* No web root (not made yet, or its mem_add failed): nothing is used. */
		if (errno != ENOENT)
			return 0;
		kb = 0;
	}
	if ((error = panel__usage_record(rf->p, uid, kb)) < 0)
		return error;
	return 1;
}

/* One batch of members due, oldest measurement first. 1 when more may be due, 0 when done or
 * out of time, or an error. */
static int batch(struct refresh *rf, unsigned long every, time_t until, uint32_t *after)
{
	panel_db_rows *rows = NULL;
	int error;

	if ((error =
		 panel__db_query(&rows, rf->p->db,
				 "SELECT m.uid, m.login FROM membres m LEFT JOIN size_web s ON"
				 " s.uid = m.uid WHERE m.uid >= 1000 AND m.uid > ? AND (s.uid IS"
				 " NULL OR s.ts <= NOW() - INTERVAL ? SECOND) ORDER BY m.uid"
				 " LIMIT ?",
				 DB_ARGS(DB_U64(*after), DB_U64(every), DB_U64(USAGE_BATCH)))) < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	for (size_t i = 0; i < n; i++) {
		uint64_t uid = 0;
		panel__db_cell_u64(&uid, rows, i, 0);
		*after = (uint32_t)uid;
		if ((error = measure(rf, (uint32_t)uid, panel__db_cell(rows, i, 1))) < 0)
			break;
		if (error == 1)
			rf->report->measured++;
		else
			rf->report->unmeasured++;
		if (time(NULL) >= until) {
			/* The others wait for the next pass (soon: next_due says 1). */
			rf->report->next_due = 1;
			n = 0;
			break;
		}
	}
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	return n == USAGE_BATCH;
}

/* When the next measurement falls due, into report->next_due (the earliest of that and the
 * actions'). */
static void next_measurement(struct refresh *rf, unsigned long every)
{
	uint64_t due = 0;

	if (rf->report->next_due == 1)
		return;
	if (panel__db_query_u64(&due, rf->p->db,
				"SELECT COALESCE(MIN(TIMESTAMPDIFF(SECOND, NOW(), s.ts + INTERVAL ?"
				" SECOND)), 0) FROM size_web s JOIN membres m ON m.uid = s.uid"
				" WHERE m.uid >= 1000 AND s.ts > NOW() - INTERVAL ? SECOND",
				DB_ARGS(DB_U64(every), DB_U64(every))) < 0 ||
	    due == 0)
		return;
	if (due > 86400)
		due = 86400;
	if (!rf->report->next_due || due < rf->report->next_due)
		rf->report->next_due = (unsigned)due;
}

static void describe(struct refresh *rf)
{
	panel_runner_report *r = rf->report;
	unsigned n = r->measured;

	r->usage_source = rf->source;
	if (rf->source == PANEL_USAGE_QUOTAS)
		snprintf(r->usage, sizeof(r->usage),
			 "web usage of %u member%s read from the group disk quotas of %.100s", n,
			 n == 1 ? "" : "s", panel__job_root(rf->p));
	else if (rf->source == PANEL_USAGE_WALK)
		snprintf(r->usage, sizeof(r->usage),
			 "web usage of %u member%s measured by walking their web spaces (%s)", n,
			 n == 1 ? "" : "s", rf->why);
	if (rf->large && !r->warning[0])
		snprintf(
		    r->warning, sizeof(r->warning),
		    "%lu web space%s (%s) hold%s more than %lu files and folders: measured up to"
		    " them (usage_max_entries), a lower bound",
		    rf->large, rf->large == 1 ? "" : "s", rf->large_login,
		    rf->large == 1 ? "s" : "", rf->most);
	else if (rf->deep && !r->warning[0])
		snprintf(r->warning, sizeof(r->warning),
			 "%lu folder%s deeper than %d levels not entered while measuring web usage"
			 " (%s)",
			 rf->deep, rf->deep == 1 ? "" : "s", PANEL_FS_USAGE_DEPTH, rf->deep_login);
	else if (r->unmeasured && !r->warning[0])
		snprintf(r->warning, sizeof(r->warning),
			 "the web usage of %u member%s could not be measured", r->unmeasured,
			 r->unmeasured == 1 ? "" : "s");
}

int panel__usage_refresh(panel *p, int root, panel_runner_report *report)
{
	struct refresh rf = {.p = p,
			     .root = root,
			     .report = report,
			     .most = panel__runner_setting(p, "usage_max_entries", 1000000)};
	unsigned long every = panel__runner_setting(p, "usage_refresh", 300);
	uint64_t got = 0;
	uint32_t after = 0;
	int error;

	if (every == 0)
		return 0;
	/* One runner measures at a time; the others go on with their actions. */
	if ((error = panel__db_query_u64(&got, p->db, "SELECT GET_LOCK('panel_usage_refresh', 0)",
					 DB_NOARGS)) < 0)
		return error;
	if (got != 1)
		return 0;
	time_t until = time(NULL) + USAGE_BUDGET;
	while ((error = batch(&rf, every, until, &after)) == 1)
		;
	panel__db_exec(NULL, p->db, "DO RELEASE_LOCK('panel_usage_refresh')", DB_NOARGS);
	if (error < 0)
		return error;
	if (report->measured || report->unmeasured)
		describe(&rf);
	next_measurement(&rf, every);
	return 0;
}
