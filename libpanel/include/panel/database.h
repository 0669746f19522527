/* Members' MySQL databases and database users (AlternC m_mysql, tables db and dbusers): real
 * CREATE DATABASE, CREATE USER and GRANT on the member database server, kept consistent with
 * the panel's rows, plus repair, and dumps and restores run off the request path. */
#ifndef PANEL_DATABASE_H
#define PANEL_DATABASE_H

#include "actor.h"
#include "common.h"

typedef struct panel_database {
	char name[65]; /* login, or login_suffix */
	uint32_t uid;  /* owner */
	char login[PANEL_LOGIN_MAX + 1];
	uint64_t size; /* bytes (data + index), read from the server now */
	/* AlternC's backup settings, read by its sqlbackup.sh: */
	unsigned backup_mode;	 /* bck_mode: PANEL_BACKUP_NONE, _WEEKLY (1) or _DAILY (2) */
	unsigned backup_history; /* bck_history: dumps kept */
	int backup_gzip;	 /* bck_gzip */
	char backup_dir[256];	 /* bck_dir: absolute, inside the member's web space */
} panel_database;

enum { PANEL_BACKUP_NONE = 0, PANEL_BACKUP_WEEKLY = 1, PANEL_BACKUP_DAILY = 2 };

/* Creates the database login (suffix NULL or "") or login_suffix (suffix [a-z0-9]+) for login
 * (NULL: the actor's subject), utf8mb4, with the mysql quota. If any step fails, the server
 * and the rows are left as they were. PANEL_EEXISTS when taken. */
PANEL_EXTERN int panel_database_create(panel_database **out, panel *p, const panel_actor *who,
				       const char *login, const char *suffix);
PANEL_EXTERN int panel_database_get(panel_database **out, panel *p, const panel_actor *who,
				    const char *name);
typedef struct panel_database_list {
	panel_database *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_database_list;

/* The databases of login (NULL: the actor's subject), ordered by name, with their sizes (also
 * cached in size_db as AlternC does). *out is freed with panel_database_list_free. */
PANEL_EXTERN int panel_database_list_get(panel_database_list **out, panel *p,
					 const panel_actor *who, const char *login);
/* DROP DATABASE, its grants, and its row. */
PANEL_EXTERN int panel_database_delete(panel *p, const panel_actor *who, const char *name);

/* Sets a database's backup settings as AlternC's put_mysql_backup (its owner or the owner's
 * admin): mode PANEL_BACKUP_*, history the dumps kept (1 to 255 when mode is not NONE), gzip 0
 * or 1, dir a folder of the member's web space ("/" or "" for the space itself; "..", "." and
 * control characters refused; NULL keeps the current one, or <web space>/backups when none).
 * The folder is stored absolute (<root>/html/<l>/<login>/dir), as sqlbackup.sh reads it. *out
 * (may be NULL) gets the database after the change. */
PANEL_EXTERN int panel_database_backup_set(panel_database **out, panel *p, const panel_actor *who,
					   const char *name, unsigned mode, unsigned history,
					   int gzip, const char *dir);

/* ---------------------------------------------------------------- users */

typedef struct panel_dbuser {
	char name[81]; /* login, or login_suffix (MariaDB allows 80 characters) */
	uint32_t uid;
	char login[PANEL_LOGIN_MAX + 1];
} panel_dbuser;

/* CREATE USER name@client_host (the [member_database] client_host) with the mysql_users quota
 * and the "mysql" password policy; undone if a later step fails. */
PANEL_EXTERN int panel_dbuser_create(panel_dbuser **out, panel *p, const panel_actor *who,
				     const char *login, const char *suffix, const char *password);
PANEL_EXTERN int panel_dbuser_get(panel_dbuser **out, panel *p, const panel_actor *who,
				  const char *name);

typedef struct panel_dbuser_list {
	panel_dbuser *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_dbuser_list;

/* The users of login (NULL: the actor's subject), ordered by name. *out is freed with
 * panel_dbuser_list_free. */
PANEL_EXTERN int panel_dbuser_list_get(panel_dbuser_list **out, panel *p, const panel_actor *who,
				       const char *login);
PANEL_EXTERN int panel_dbuser_password(panel *p, const panel_actor *who, const char *name,
				       const char *password);
PANEL_EXTERN int panel_dbuser_delete(panel *p, const panel_actor *who, const char *name);

/* The rights a user can hold on a database, as bits. */
enum panel_dbright {
	PANEL_DBRIGHT_SELECT = 1 << 0,
	PANEL_DBRIGHT_INSERT = 1 << 1,
	PANEL_DBRIGHT_UPDATE = 1 << 2,
	PANEL_DBRIGHT_DELETE = 1 << 3,
	PANEL_DBRIGHT_CREATE = 1 << 4,
	PANEL_DBRIGHT_DROP = 1 << 5,
	PANEL_DBRIGHT_ALTER = 1 << 6,
	PANEL_DBRIGHT_INDEX = 1 << 7,
	PANEL_DBRIGHT_CREATE_TEMPORARY_TABLES = 1 << 8,
	PANEL_DBRIGHT_LOCK_TABLES = 1 << 9,
	PANEL_DBRIGHT_CREATE_VIEW = 1 << 10,
	PANEL_DBRIGHT_SHOW_VIEW = 1 << 11,
	PANEL_DBRIGHT_CREATE_ROUTINE = 1 << 12,
	PANEL_DBRIGHT_ALTER_ROUTINE = 1 << 13,
	PANEL_DBRIGHT_EXECUTE = 1 << 14,
	PANEL_DBRIGHT_EVENT = 1 << 15,
	PANEL_DBRIGHT_TRIGGER = 1 << 16,
};
#define PANEL_DBRIGHT_COUNT 17

/* The SQL name of right number i (0..PANEL_DBRIGHT_COUNT-1): "SELECT", "CREATE TEMPORARY
 * TABLES"...; and the bit of a name (case-insensitive), 0 when unknown. */
PANEL_EXTERN const char *panel_dbright_name(unsigned i);
PANEL_EXTERN unsigned panel_dbright_parse(const char *name);

typedef struct panel_dbgrant {
	char database[65];
	unsigned rights; /* PANEL_DBRIGHT_* bits */
} panel_dbgrant;

typedef struct panel_dbgrant_list {
	panel_dbgrant *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_dbgrant_list;

/* A user's rights on each of its owner's databases (ordered by name), read from the server's
 * grant tables. *out is freed with panel_dbgrant_list_free. */
PANEL_EXTERN int panel_dbuser_grants_get(panel_dbgrant_list **out, panel *p, const panel_actor *who,
					 const char *name);

/* Sets a user's rights: each listed database (which must belong to the user's owner) gets
 * exactly those rights (0: none); databases not listed are left as they are. On a failure the
 * previous rights are put back. */
PANEL_EXTERN int panel_dbuser_grants_set(panel *p, const panel_actor *who, const char *name,
					 const panel_dbgrant *grants, size_t count);

/* ---------------------------------------------------------------- repair, backups */

typedef struct panel_db_problem {
	char kind[9]; /* "database" or "user" */
	char name[81];
	char problem[40]; /* "no_row" (on the server only) or "not_on_server" (row only) */
	char action[80];  /* what repair does, or did */
} panel_db_problem;

typedef struct panel_db_problem_list {
	panel_db_problem *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_db_problem_list;

/* Compares the server with the rows (the super admin or the system): databases and users named
 * after an account (login or login_*) that have no row, and rows whose database or user is gone.
 * With fix = 1, adds the missing rows (for existing accounts) and removes the rows of what is gone.
 * *out lists what was found (and fixed); it is freed with panel_db_problem_list_free. */
PANEL_EXTERN int panel_database_repair(panel_db_problem_list **out, panel *p,
				       const panel_actor *who, int fix);

/* Queues a dump of a database into its owner's backup folder (<root>/html/<l>/<login>/
 * backups/<db>-<date>.sql); *job gets the job's id. panel_jobs_run does the work. */
PANEL_EXTERN int panel_database_dump(uint64_t *job, panel *p, const panel_actor *who,
				     const char *name);

/* Restores a file that the panel did not write (one the member uploaded). Only for those who
 * may change global settings; the file still runs with rights on that one database alone. */
#define PANEL_RESTORE_UNVERIFIED 1u

/* Queues a restore of one of the database's own dumps (a file name from that folder). The
 * file must be a dump the panel wrote, unchanged since (PANEL_ENOTFOUND, field "file",
 * otherwise), unless flags has PANEL_RESTORE_UNVERIFIED. */
PANEL_EXTERN int panel_database_restore(uint64_t *job, panel *p, const panel_actor *who,
					const char *name, const char *file, unsigned flags);

/* Runs the queued dump and restore jobs (the system actor: a cron job or `panelctl jobs run`),
 * with mariadb-dump and mariadb: a pass of panel_actions_run (actions.h) restricted to them. *done
 * gets the number of jobs run; each job's result is in panel_actions.result ("ok" or the error).
 * Files in members' folders are opened without following symbolic links; a dump's SHA-256 is
 * recorded, and checked before a restore (the file changed: "refused: ..."); a restore runs as a
 * locked-between-uses account that has a member's rights on that database alone, with `mariadb
 * --sandbox --local-infile=0`, and views, triggers, routines and events it creates get that account
 * as their definer. */
PANEL_EXTERN int panel_jobs_run(unsigned *done, panel *p, const panel_actor *who);

PANEL_EXTERN void panel_database_free(panel_database *db);
PANEL_EXTERN void panel_database_list_free(panel_database_list *list);
PANEL_EXTERN void panel_dbuser_free(panel_dbuser *user);
PANEL_EXTERN void panel_dbuser_list_free(panel_dbuser_list *list);
PANEL_EXTERN void panel_dbgrant_list_free(panel_dbgrant_list *list);
PANEL_EXTERN void panel_db_problem_list_free(panel_db_problem_list *list);

#endif
