/* Dumps and restores of members' databases, off the request path: requests are queued in
 * panel_actions, and panel_jobs_run (a cron job, `panelctl jobs run`) runs mariadb-dump and
 * mariadb with the member server's credentials in a private defaults file, never in argv. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
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
#include "member_server.h"
#include "panel/database.h"

/* <root>/html/<l>/<login>/backups: inside the member's web space, as AlternC's bck_dir. */
static void backup_dir(char *out, size_t size, panel *p, const char *login)
{
	const char *root = panel_setting(p, "hosting", "root");

	snprintf(out, size, "%s/html/%c/%s/backups", root && *root ? root : "/var/alternc",
		 login[0], login);
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
	uint64_t job;
};

static int queue_body(panel_db *db, void *arg)
{
	struct queue_ctx *ctx = arg;
	char login[17], dir[300], path[600];
	panel_db_rows *rows;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owned(&uid, login, db, ctx->who, ctx->name, 0)) < 0)
		return error;
	backup_dir(dir, sizeof(dir), ctx->p, login);
	if (ctx->file) {
		if (!valid_dump_name(ctx->file, ctx->name))
			return panel__error(PANEL_EINVALID, "file",
					    "a dump of this database: %s-<date>.sql in its backups "
					    "folder",
					    ctx->name);
		snprintf(path, sizeof(path), "%s/%s", dir, ctx->file);
	} else {
		if ((error = panel__db_query(
			 &rows, db, "SELECT DATE_FORMAT(NOW(), '%Y%m%d-%H%i%s')", DB_NOARGS)) < 0)
			return error;
		snprintf(path, sizeof(path), "%s/%s-%s.sql", dir, ctx->name,
			 panel__db_cell(rows, 0, 0));
		panel__db_rows_free(rows);
	}
	const char *action = ctx->file ? "db_restore" : "db_dump";
	if ((error = panel__action(db, action, uid, login,
				   json_pack("{s:s, s:s}", "database", ctx->name, "file", path))) <
	    0)
		return error;
	ctx->job = panel__db_insert_id(db);
	char id[96];
	snprintf(id, sizeof(id), "%s", ctx->name);
	return panel__audit(db, ctx->who, ctx->file ? "database.restore" : "database.dump",
			    "database", id, uid, NULL,
			    json_pack("{s:I, s:s}", "job", (json_int_t)ctx->job, "file", path));
}

static int queue(uint64_t *job, panel *p, const panel_actor *who, const char *name,
		 const char *file)
{
	struct queue_ctx ctx = {p, who, name, file, 0};
	int error;

	if (job)
		*job = 0;
	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if ((error = panel_actor_check(who)) < 0 ||
	    (error = panel__db_transaction(p->db, queue_body, &ctx)) < 0)
		return error;
	if (job)
		*job = ctx.job;
	return 0;
}

int panel_database_dump(uint64_t *job, panel *p, const panel_actor *who, const char *name)
{
	return queue(job, p, who, name, NULL);
}

int panel_database_restore(uint64_t *job, panel *p, const panel_actor *who, const char *name,
			   const char *file)
{
	if (!file || !*file)
		return panel__error(PANEL_EINVALID, "file", "which dump to restore");
	return queue(job, p, who, name, file);
}

/* ---------------------------------------------------------------- running */

/* A [client] defaults file with the member server's credentials, mode 0600. */
static int write_defaults(char path[64], panel *p)
{
	const char *section = "member_database";
	const char *user = panel_setting(p, section, "user");
	char *secret = NULL;
	int fd, error;

	if (!user || !*user)
		section = "database";
#define SETTING(key)                                                                               \
	(panel_setting(p, "member_database", key) && *panel_setting(p, "member_database", key)     \
	     ? panel_setting(p, "member_database", key)                                            \
	     : panel_setting(p, "database", key))
	if ((error = panel__config_secret(&secret, p->cfg, section)) < 0)
		return error;
	snprintf(path, 64, "/tmp/panel-jobs-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		panel__secret_free(secret);
		return panel__error(PANEL_ERROR, NULL, "cannot create a defaults file: %s",
				    strerror(errno));
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		panel__secret_free(secret);
		return panel__error_oom();
	}
	const char *socket = SETTING("socket");
	fprintf(f, "[client]\nuser=%s\npassword=%s\n", SETTING("user"), secret);
	if (socket && *socket)
		fprintf(f, "socket=%s\n", socket);
	else
		fprintf(f, "host=%s\nport=%s\nprotocol=tcp\n", SETTING("host"), SETTING("port"));
#undef SETTING
	panel__secret_free(secret);
	if (fclose(f) != 0) {
		unlink(path);
		return panel__error(PANEL_ERROR, NULL, "cannot write the defaults file");
	}
	return 0;
}

/* mkdir -p, each level 0700 when created. */
static int make_dirs(const char *path)
{
	char tmp[600];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Runs argv with stdin/stdout redirected (-1: inherited /dev/null); "ok" or the reason. */
static void run(char *result, size_t size, char *const argv[], int in, int out)
{
	char errpath[] = "/tmp/panel-job-err-XXXXXX";
	int errfd = mkstemp(errpath), status = 0;
	pid_t pid;

	if (errfd < 0) {
		snprintf(result, size, "cannot create a temporary file");
		return;
	}
	unlink(errpath);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(in >= 0 ? in : null, 0);
		dup2(out >= 0 ? out : null, 1);
		dup2(errfd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		snprintf(result, size, "cannot run %s", argv[0]);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(result, size, "ok");
	} else {
		char err[200] = "";
		ssize_t n = pread(errfd, err, sizeof(err) - 1, 0);
		err[n > 0 ? n : 0] = '\0';
		err[strcspn(err, "\n")] = '\0';
		snprintf(result, size, "%s exited with %d: %s", argv[0],
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
	}
	close(errfd);
}

static void run_job(char *result, size_t size, const char *defaults, const char *action,
		    const char *database, const char *file)
{
	char opt[96], dir[600], db[65];

	snprintf(opt, sizeof(opt), "--defaults-extra-file=%s", defaults);
	snprintf(db, sizeof(db), "%s", database); /* argv wants writable strings */
	if (strcmp(action, "db_dump") == 0) {
		snprintf(dir, sizeof(dir), "%s", file);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		if (make_dirs(dir) != 0) {
			snprintf(result, size, "cannot create %.160s: %s", dir, strerror(errno));
			return;
		}
		int out = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
		if (out < 0) {
			snprintf(result, size, "cannot create %.160s: %s", file, strerror(errno));
			return;
		}
		char *const argv[] = {"mariadb-dump",	 opt,	     "--single-transaction",
				      "--routines",	 "--events", "--triggers",
				      "--skip-comments", db,	     NULL};
		run(result, size, argv, -1, out);
		close(out);
		if (strcmp(result, "ok") != 0)
			unlink(file);
		return;
	}
	int in = open(file, O_RDONLY | O_NOFOLLOW);
	if (in < 0) {
		snprintf(result, size, "cannot read %.160s: %s", file, strerror(errno));
		return;
	}
	char *const argv[] = {"mariadb", opt, db, NULL};
	run(result, size, argv, in, -1);
	close(in);
}

int panel_jobs_run(unsigned *done, panel *p, const panel_actor *who)
{
	panel_db_rows *rows = NULL;
	char defaults[64] = "";
	uint64_t locked = 0;
	int error;

	if (done)
		*done = 0;
	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if ((error = panel_actor_check(who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EFORBIDDEN, NULL, "only the system runs jobs");
	/* One runner at a time, whatever the number of hosts running the cron job. */
	if ((error = panel__db_query_u64(&locked, p->db, "SELECT GET_LOCK('panel_jobs', 0)",
					 DB_NOARGS)) < 0)
		return error;
	if (locked != 1)
		return 0;
	if ((error = panel__db_query(&rows, p->db,
				     "SELECT id, action, args FROM panel_actions WHERE action IN"
				     " ('db_dump', 'db_restore') AND done_at IS NULL ORDER BY id"
				     " LIMIT 50",
				     DB_NOARGS)) < 0 ||
	    (panel__db_rows_count(rows) && (error = write_defaults(defaults, p)) < 0))
		goto out;
	for (size_t i = 0; i < panel__db_rows_count(rows); i++) {
		uint64_t id = 0;
		char result[256];
		json_t *args = json_loads(panel__db_cell(rows, i, 2), 0, NULL);
		const char *database = json_string_value(json_object_get(args, "database"));
		const char *file = json_string_value(json_object_get(args, "file"));
		panel__db_cell_u64(&id, rows, i, 0);
		/* The queue is data from the database: checked again before it is used. */
		if (!database || !file || !panel__member_name_safe(database) || file[0] != '/' ||
		    strstr(file, "/../") || !valid_dump_name(strrchr(file, '/') + 1, database))
			snprintf(result, sizeof(result), "refused: invalid job");
		else
			run_job(result, sizeof(result), defaults, panel__db_cell(rows, i, 1),
				database, file);
		json_decref(args);
		panel__db_exec(NULL, p->db,
			       "UPDATE panel_actions SET done_at = NOW(), result = ? WHERE id = ?",
			       DB_ARGS(DB_STR(result), DB_U64(id)));
		if (done)
			(*done)++;
	}
out:
	if (defaults[0])
		unlink(defaults);
	panel__db_rows_free(rows);
	panel__error_saved saved;
	panel__error_save(&saved);
	panel__db_exec(NULL, p->db, "DO RELEASE_LOCK('panel_jobs')", DB_NOARGS);
	return error < 0 ? panel__error_restore(&saved) : 0;
}
