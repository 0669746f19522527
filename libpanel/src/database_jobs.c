/* Dumps and restores of members' databases, off the request path: requests are queued in
 * panel_actions, and the actions runner (runner.c; panel_jobs_run, `panelctl jobs run`, runs
 * these kinds alone) carries them out through panel__job_run. A dump
 * runs mariadb-dump with the member server's credentials (handed over on a pipe, never in a file
 * or argv) and records the file's SHA-256 in panel_dumps; a restore is database_restore.c's. Files
 * are opened under the hosting root without following symbolic links (member_file.h). The
 * clients run with an environment of their own (job_environment). */
#define _GNU_SOURCE /* execvpe */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "config_internal.h"
#include "database_internal.h"
#include "error.h"
#include "handle.h"
#include "jobs_internal.h"
#include "member_file.h"
#include "member_server.h"
#include "panel/actions.h"
#include "panel/database.h"
#include "runner_internal.h"

const char *panel__job_root(panel *p)
{
	const char *root = panel_setting(p, "hosting", "root");

	return root && *root ? root : "/var/alternc";
}

/* <root>/html/<l>/<login>/backups: inside the member's web space, as AlternC's bck_dir. */
static void backup_dir(char *out, size_t size, panel *p, const char *login)
{
	snprintf(out, size, "%s/html/%c/%s/backups", panel__job_root(p), login[0], login);
}

/* A dump's file name: <db>-<date>.sql, letters, digits, '.', '_' and '-' only. */
static int valid_dump_name(const char *file, const char *db)
{
	size_t n = file ? strlen(file) : 0, d = strlen(db);

	if (n < d + 6 || n > 200 || strncmp(file, db, d) != 0 || file[d] != '-' ||
	    strcmp(file + n - 4, ".sql") != 0)
		return 0;
	return strspn(file, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		   n &&
	       !strstr(file, "..");
}

struct queue_ctx {
	panel *p;
	const panel_actor *who;
	const char *name, *file; /* file: NULL for a dump */
	unsigned flags;		 /* PANEL_RESTORE_* */
	uint64_t job;
};

static int verify(const struct queue_ctx *ctx)
{
	return !(ctx->flags & PANEL_RESTORE_UNVERIFIED);
}

/* A restore is of a dump the panel wrote, unless an administrator who may change global
 * settings takes the risk (the file is still run with the database's rights alone). */
static int restore_allowed(panel_db *db, const struct queue_ctx *ctx)
{
	uint64_t known = 0;
	int error;

	if (!verify(ctx))
		return panel__authz_global(db, ctx->who);
	if ((error = panel__db_query_u64(
		 &known, db, "SELECT COUNT(*) FROM panel_dumps WHERE db = ? AND file = ?",
		 DB_ARGS(DB_STR(ctx->name), DB_STR(ctx->file)))) < 0)
		return error;
	return known ? 0
		     : panel__error(PANEL_ENOTFOUND, "file",
				    "%s is not a dump the panel wrote of %s (an administrator may "
				    "restore other files)",
				    ctx->file, ctx->name);
}

/* One dump or restore of a database waits in the queue at a time: each runs mariadb-dump or
 * mariadb on the whole database and a dump writes a file, so a member repeating the request
 * would otherwise hold the jobs runner (every account's) and fill the disk without bound. */
static int none_queued(panel_db *db, uint32_t uid, const char *name)
{
	uint64_t job = 0;
	int error;

	if ((error = panel__db_query_u64(
		 &job, db,
		 "SELECT COALESCE(MIN(id), 0) FROM panel_actions WHERE state IN ('pending',"
		 " 'running') AND action IN ('db_dump', 'db_restore') AND uid = ? AND"
		 " JSON_VALUE(args, '$.database') = ?",
		 DB_ARGS(DB_U64(uid), DB_STR(name)))) < 0)
		return error;
	return job ? panel__error(PANEL_ECONFLICT, "name",
				  "a dump or restore of %s is queued already (job %llu): wait "
				  "for it to be done",
				  name, (unsigned long long)job)
		   : 0;
}

/* A member's dumps and restores an hour, whatever becomes of them: one that fails at once (its
 * backups folder made a file) can be asked again at once, and each leaves its action and audit
 * rows. Administrators acting as themselves are not limited. */
#define JOBS_PER_HOUR 12

static int hourly_limit(panel_db *db, const panel_actor *who, uint32_t uid)
{
	panel_db_rows *rows = NULL;
	uint64_t n = 0, wait = 0;
	int error;

	if (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid)
		return 0;
	/* The account's row locked: requests for its several databases count one by one. */
	if ((error = panel__db_query_u64(&n, db,
					 "SELECT COUNT(*) FROM membres WHERE uid = ? FOR UPDATE",
					 DB_ARGS(DB_U64(uid)))) < 0 ||
	    (error = panel__db_query(
		 &rows, db,
		 "SELECT COUNT(*), GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(), MIN(created) +"
		 " INTERVAL 1 HOUR)) FROM panel_actions WHERE uid = ? AND action IN ('db_dump',"
		 " 'db_restore') AND created > NOW() - INTERVAL 1 HOUR",
		 DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	panel__db_cell_u64(&n, rows, 0, 0);
	panel__db_cell_u64(&wait, rows, 0, 1);
	panel__db_rows_free(rows);
	return n >= JOBS_PER_HOUR
		   ? panel__error(PANEL_ELIMIT, "name",
				  "%d dumps and restores an hour at most for an account: try again "
				  "in %llu seconds",
				  JOBS_PER_HOUR, (unsigned long long)wait)
		   : 0;
}

static int queue_body(panel_db *db, void *arg)
{
	struct queue_ctx *ctx = arg;
	char login[PANEL_LOGIN_MAX + 1], dir[300], path[600];
	panel_db_rows *rows;
	uint32_t uid;
	int error;

	/* The database's row locked: two requests for it queue one after the other. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owned(&uid, login, db, ctx->who, ctx->name, 1)) < 0)
		return error;
	backup_dir(dir, sizeof(dir), ctx->p, login);
	if (ctx->file) {
		if (!valid_dump_name(ctx->file, ctx->name))
			return panel__error(PANEL_EINVALID, "file",
					    "a dump of this database: %s-<date>.sql in its backups "
					    "folder",
					    ctx->name);
		if ((error = restore_allowed(db, ctx)) < 0)
			return error;
		snprintf(path, sizeof(path), "%s/%s", dir, ctx->file);
	} else {
		if ((error = panel__db_query(&rows, db,
					     "SELECT DATE_FORMAT(NOW(6), '%Y%m%d-%H%i%s-%f')",
					     DB_NOARGS)) < 0)
			return error;
		snprintf(path, sizeof(path), "%s/%s-%s.sql", dir, ctx->name,
			 panel__db_cell(rows, 0, 0));
		panel__db_rows_free(rows);
	}
	/* After the request's own checks: a bad file name is 400 whatever is queued. */
	if ((error = none_queued(db, uid, ctx->name)) < 0 ||
	    (error = hourly_limit(db, ctx->who, uid)) < 0)
		return error;
	const char *action = ctx->file ? "db_restore" : "db_dump";
	json_t *args = json_pack("{s:s, s:s}", "database", ctx->name, "file", path);
	if (args && ctx->file && json_object_set_new(args, "verify", json_boolean(verify(ctx))) < 0)
		json_decref(args), args = NULL;
	if ((error = panel__action(db, action, uid, login, args)) < 0)
		return error;
	ctx->job = panel__db_insert_id(db);
	char id[96];
	snprintf(id, sizeof(id), "%s", ctx->name);
	return panel__audit(db, ctx->who, ctx->file ? "database.restore" : "database.dump",
			    "database", id, uid, NULL,
			    json_pack("{s:I, s:s}", "job", (json_int_t)ctx->job, "file", path));
}

static int queue(uint64_t *job, panel *p, const panel_actor *who, const char *name,
		 const char *file, unsigned flags)
{
	struct queue_ctx ctx = {p, who, name, file, flags, 0};
	int error;

	if (job)
		*job = 0;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, queue_body, &ctx)) < 0)
		return error;
	if (job)
		*job = ctx.job;
	return 0;
}

int panel_database_dump(uint64_t *job, panel *p, const panel_actor *who, const char *name)
{
	return queue(job, p, who, name, NULL, 0);
}

int panel_database_restore(uint64_t *job, panel *p, const panel_actor *who, const char *name,
			   const char *file, unsigned flags)
{
	if (!file || !*file)
		return panel__error(PANEL_EINVALID, "file", "which dump to restore");
	if (flags & ~(unsigned)PANEL_RESTORE_UNVERIFIED)
		return panel__error(PANEL_EINVALID, "flags", "unknown restore flags");
	return queue(job, p, who, name, file, flags);
}

/* ---------------------------------------------------------------- running */

int panel__job_defaults(char **text, panel *p, const char *user, const char *password)
{
	const char *section = "member_database";
	char *secret = NULL, *out = NULL;
	size_t len = 0;
	int error;

	*text = NULL;
	if (!panel_setting(p, section, "user") || !*panel_setting(p, section, "user"))
		section = "database";
#define SETTING(key)                                                                               \
	(panel_setting(p, "member_database", key) && *panel_setting(p, "member_database", key)     \
	     ? panel_setting(p, "member_database", key)                                            \
	     : panel_setting(p, "database", key))
	if (!user) {
		if ((error = panel__config_secret(&secret, p->cfg, section)) < 0)
			return error;
		user = SETTING("user");
		password = secret;
	}
	const char *socket = SETTING("socket");
	/* Twice: to measure, then to write. */
	for (int pass = 0; pass < 2; pass++) {
		int n = socket && *socket
			    ? snprintf(out, len, "[client]\nuser=%s\npassword=%s\nsocket=%s\n",
				       user, password, socket)
			    : snprintf(out, len,
				       "[client]\nuser=%s\npassword=%s\nhost=%s\nport=%s\n"
				       "protocol=tcp\n",
				       user, password, SETTING("host"), SETTING("port"));
		if (n < 0 || (pass == 0 && !(out = malloc(len = (size_t)n + 1)))) {
			if (out)
				sodium_memzero(out, len);
			free(out);
			panel__secret_free(secret);
			return panel__error_oom();
		}
	}
#undef SETTING
	panel__secret_free(secret);
	*text = out;
	return 0;
}

/* The environment of a client: the runner's PATH, and nothing else of the runner's (no
 * MYSQL_HOST, MYSQL_PWD or MARIADB_HOME to send it elsewhere, no HOME with a .my.cnf); an editor
 * and a pager that do nothing, in case a member's bytes reach the client's \e or \P. */
static void job_environment(char *env[6], char *path, size_t size)
{
	const char *now = getenv("PATH");

	snprintf(path, size, "PATH=%s", now && *now ? now : "/usr/sbin:/usr/bin:/sbin:/bin");
	env[0] = path;
	env[1] = "HOME=/nonexistent";
	env[2] = "EDITOR=/bin/false";
	env[3] = "VISUAL=/bin/false";
	env[4] = "PAGER=/bin/cat";
	env[5] = NULL;
}

/* Who the client runs as: the runner itself, or PANEL__JOB_USER (the packages make it; a
 * process of its own, which no other program shares), else nobody. uid and gid are read
 * from the user database before the fork. 0, or -1 when it should drop root and cannot
 * know for whom. */
static int job_identity(uid_t *uid, gid_t *gid, enum panel__job_as as)
{
	static const char *const users[] = {PANEL__JOB_USER, "nobody"};
	struct passwd pw, *found = NULL;
	char buf[1024];

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (as == PANEL__JOB_AS_RUNNER || geteuid() != 0)
		return 0;
	/* The next name only when this one does not exist: a failed lookup is not "missing". */
	for (size_t i = 0; i < 2 && !found; i++)
		if (getpwnam_r(users[i], &pw, buf, sizeof(buf), &found) != 0)
			return -1;
	if (!found || pw.pw_uid == 0)
		return -1;
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

/* In the child, after the fork: drops root when asked, hands the defaults over on descriptor 3
 * through a pipe made after the drop (so that the client may open it again by its /proc name),
 * closes every other descriptor the runner had open (its database connections among them),
 * and runs the client. Never returns. */
static void job_child(char *const argv[], char *const env[], const char *defaults, uid_t uid,
		      gid_t gid)
{
	int fds[2];
	size_t len = strlen(defaults);

	if (uid != (uid_t)-1 && (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0))
		_exit(126);
	/* The client reads the pipe after exec: what is written must fit in it. */
	if (len > 4096 || pipe(fds) != 0 || write(fds[1], defaults, len) != (ssize_t)len)
		_exit(126);
	close(fds[1]);
	if (fds[0] != 3 && (dup2(fds[0], 3) != 3 || close(fds[0]) != 0))
		_exit(126);
	if (close_range(4, ~0U, 0) != 0) {
		long max = sysconf(_SC_OPEN_MAX);
		for (int fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close(fd);
	}
	execvpe(argv[0], argv, env);
	_exit(127);
}

void panel__job_exec(char *result, size_t size, char *const argv[], int in, int out,
		     const char *defaults, enum panel__job_as as)
{
	char errpath[] = "/tmp/panel-job-err-XXXXXX", path[4096], *env[6];
	int errfd, status = 0;
	uid_t uid;
	gid_t gid;
	pid_t pid;

	if (job_identity(&uid, &gid, as) < 0) {
		snprintf(result, size,
			 "cannot run %s: no user " PANEL__JOB_USER " or nobody to run it as",
			 argv[0]);
		return;
	}
	if ((errfd = mkstemp(errpath)) < 0) {
		snprintf(result, size, "cannot create a temporary file");
		return;
	}
	unlink(errpath);
	job_environment(env, path, sizeof(path));
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(in >= 0 ? in : null, 0);
		dup2(out >= 0 ? out : null, 1);
		dup2(errfd, 2);
		job_child(argv, env, defaults, uid, gid);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		snprintf(result, size, "cannot run %s", argv[0]);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(result, size, "ok");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 126) {
		snprintf(result, size, "cannot run %s: %s", argv[0],
			 uid != (uid_t)-1 ? "cannot drop root, or hand it its options"
					  : "cannot hand it its options");
	} else {
		char err[4096] = "";
		ssize_t n = pread(errfd, err, sizeof(err) - 1, 0);
		err[n > 0 ? n : 0] = '\0';
		/* The client's "ERROR ..." line, after the statement it may echo between dashes. */
		char *line = strstr(err, "ERROR ");
		if (!line)
			line = err + strspn(err, "-\n");
		line[strcspn(line, "\n")] = '\0';
		snprintf(result, size, "%s exited with %d: %.180s", argv[0],
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, line);
	}
	close(errfd);
}

int panel__job_sha256_fd(char hex[65], int fd)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], digest[crypto_hash_sha256_BYTES];
	off_t off = 0;
	ssize_t n;

	crypto_hash_sha256_init(&st);
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		off += n;
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	return n < 0 ? -1 : 0;
}

int panel__job_rel_path(const char **rel, panel *p, const char *file)
{
	const char *root = panel__job_root(p);
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(file, root, n) != 0 || file[n] != '/')
		return -1;
	*rel = file + n + 1;
	return 0;
}

/* Records the dump's checksum, so that a restore can tell it from a file the member wrote. */
static int record_dump(panel *p, const char *database, const char *file, int fd)
{
	char hex[65];
	struct stat st;

	if (panel__job_sha256_fd(hex, fd) < 0 || fstat(fd, &st) != 0)
		return panel__error(PANEL_ERROR, NULL, "cannot read the dump back");
	return panel__db_exec(
	    NULL, p->db,
	    "INSERT INTO panel_dumps (db, uid, file, sha256, size) SELECT ?, uid, ?, ?, ? FROM db"
	    " WHERE db = ? ON DUPLICATE KEY UPDATE sha256 = VALUES(sha256), size = VALUES(size),"
	    " uid = VALUES(uid), created = NOW()",
	    DB_ARGS(DB_STR(database), DB_STR(strrchr(file, '/') + 1), DB_STR(hex),
		    DB_U64((uint64_t)st.st_size), DB_STR(database)));
}

/* The dumps of database past the newest [runner] dumps_kept (5): their rows, and their files
 * if they still are regular files of that name in the folder this dump was written to (never by
 * a path: the member may have moved things since). The panel's own dumps only (panel_dumps):
 * AlternC 1.0's scheduled ones (sqlbackup.sh, bck_history) are its cron's. Best effort. */
static void prune_dumps(panel *p, const char *database, int dir)
{
	unsigned long kept = panel__runner_setting(p, "dumps_kept", 5);
	panel_db_rows *rows = NULL;
	struct stat st;

	if (panel__db_query(
		&rows, p->db,
		"SELECT file FROM panel_dumps WHERE db = ? ORDER BY created DESC, file DESC"
		" LIMIT 1000 OFFSET ?",
		DB_ARGS(DB_STR(database), DB_U64(kept))) < 0) {
		panel_error_clear();
		return;
	}
	for (size_t i = 0; i < panel__db_rows_count(rows); i++) {
		const char *leaf = panel__db_cell(rows, i, 0);
		if (!valid_dump_name(leaf, database))
			continue;
		if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			unlinkat(dir, leaf, 0);
		if (panel__db_exec(NULL, p->db, "DELETE FROM panel_dumps WHERE db = ? AND file = ?",
				   DB_ARGS(DB_STR(database), DB_STR(leaf))) < 0)
			panel_error_clear();
	}
	panel__db_rows_free(rows);
}

/* Removes a failed dump by its name in the folder the walk opened, never by its path: the
 * member may have moved that folder since, or put a link to someone else's in its place, and
 * only while the name still is the file created there (the member may have swapped it too). */
static void remove_failed(int dir, const char *leaf, int fd)
{
	struct stat ours, there;

	if (fstat(fd, &ours) == 0 && fstatat(dir, leaf, &there, AT_SYMLINK_NOFOLLOW) == 0 &&
	    ours.st_dev == there.st_dev && ours.st_ino == there.st_ino)
		unlinkat(dir, leaf, 0);
}

/* The record of a dump that is removed after all. Best effort. */
static void forget_dump(panel *p, const char *database, const char *file)
{
	if (panel__db_exec(NULL, p->db, "DELETE FROM panel_dumps WHERE db = ? AND file = ?",
			   DB_ARGS(DB_STR(database), DB_STR(strrchr(file, '/') + 1))) < 0)
		panel_error_clear();
}

/* A dump is the member's, as its other files: in its group's disk quota (however many it
 * keeps, moves or renames, it pays for them), and its to read and remove over FTP or from its
 * PHP. Its backups folder too, when the runner made it (or an older version, root's). */
static int give_to_member(int dir, int out, uid_t uid, gid_t gid)
{
	struct stat st;

	if (uid == (uid_t)-1 || gid == (gid_t)-1)
		return 0;
	if (fchown(out, uid, gid) == -1 || fchmod(out, 0640) == -1)
		return -1;
	if (fstat(dir, &st) == -1)
		return -1;
	if (st.st_uid == 0 && (fchown(dir, uid, gid) == -1 || fchmod(dir, 02770) == -1))
		return -1;
	return 0;
}

static void dump_run(char *result, size_t size, panel *p, const char *database, const char *file,
		     uid_t uid, gid_t gid)
{
	char *defaults = NULL, db[65], leaf[256];
	const char *rel;
	int out, dir;

	if (panel__job_rel_path(&rel, p, file) < 0) {
		snprintf(result, size, "refused: %.160s is not under the hosting root", file);
		return;
	}
	/* The folders on the way are the member's: a symbolic link there is refused. The folder
	 * stays open until the dump is done, for remove_failed. */
	out = panel__member_file_open_in(&dir, leaf, panel__job_root(p), rel,
					 O_RDWR | O_CREAT | O_EXCL, 0600, 0700);
	if (out < 0) {
		snprintf(result, size, "cannot create %.160s: %s", file,
			 errno == ELOOP	   ? "a symbolic link is on the way"
			 : errno == ENOENT ? "the account's folders are not made yet (its mem_add "
					     "action has not run): ask again later"
					   : strerror(errno));
		return;
	}
	if (panel__job_defaults(&defaults, p, NULL, NULL) < 0) {
		snprintf(result, size, "%.200s", panel_error_last()->message);
	} else {
		snprintf(db, sizeof(db), "%s", database); /* argv wants writable strings */
		char *const argv[] = {"mariadb-dump",
				      PANEL__JOB_DEFAULTS_OPT,
				      "--single-transaction",
				      "--routines",
				      "--events",
				      "--triggers",
				      "--skip-comments",
				      db,
				      NULL};
		panel__job_exec(result, size, argv, -1, out, defaults, PANEL__JOB_AS_RUNNER);
		panel__secret_free(defaults);
		/* Root's until its SHA-256 is recorded: given to the member before, it could be
		 * rewritten or made a sparse file of terabytes while it was written, then hashed
		 * and trusted as the panel's. After, a change fails the restore's checks. */
		if (strcmp(result, "ok") == 0 && record_dump(p, database, file, out) < 0) {
			snprintf(result, size, "%.200s", panel_error_last()->message);
		} else if (strcmp(result, "ok") == 0 && give_to_member(dir, out, uid, gid) == -1) {
			snprintf(result, size, "cannot give %.160s to the member: %s", file,
				 strerror(errno));
			forget_dump(p, database, file);
		} else if (strcmp(result, "ok") == 0) {
			prune_dumps(p, database, dir);
		}
	}
	if (strcmp(result, "ok") != 0)
		remove_failed(dir, leaf, out);
	close(out);
	close(dir);
}

/* 1 when owner still owns database, 0 when not (result says why). Database jobs keep no order
 * with the other actions of their account: one queued by an account deleted since would
 * otherwise run on the database of the same name that a new account of the same login made. */
static int still_owned(char *result, size_t size, panel *p, const char *database, uint32_t owner)
{
	uint64_t n = 0;

	if (panel__db_query_u64(&n, p->db, "SELECT COUNT(*) FROM db WHERE db = ? AND uid = ?",
				DB_ARGS(DB_STR(database), DB_U64(owner))) < 0) {
		snprintf(result, size, "%.200s", panel_error_last()->message);
		return 0;
	}
	if (!n)
		snprintf(result, size, "refused: %s is no longer a database of the account",
			 database);
	return n > 0;
}

int panel__job_run(char *result, size_t size, panel *p, const char *action, json_t *args,
		   uint32_t owner, uid_t uid, gid_t gid)
{
	const char *database = json_string_value(json_object_get(args, "database"));
	const char *file = json_string_value(json_object_get(args, "file"));
	/* Jobs queued before verification existed were queued for verified files too. */
	int verify = !json_is_false(json_object_get(args, "verify"));

	/* The queue is data from the database: checked again before it is used. */
	if (!database || !file || !panel__member_name_safe(database) || file[0] != '/' ||
	    strstr(file, "/../") || !valid_dump_name(strrchr(file, '/') + 1, database))
		snprintf(result, size, "refused: invalid job");
	else if (!still_owned(result, size, p, database, owner))
		return -1;
	else if (strcmp(action, "db_dump") == 0)
		dump_run(result, size, p, database, file, uid, gid);
	else
		panel__restore_run(result, size, p, database, file, verify);
	return strcmp(result, "ok") == 0 ? 0 : -1;
}

int panel_jobs_run(unsigned *done, panel *p, const panel_actor *who)
{
	static const char *const kinds[] = {"db_dump", "db_restore", NULL};
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report report = {0};
	int error;

	/* The database jobs alone, by the actions runner (runner.c). */
	opts.kinds = kinds;
	opts.purge = 0;
	opts.usage = 0;
	error = panel_actions_run(&report, p, who, &opts);
	if (done)
		*done = report.done + report.failed;
	return error;
}
