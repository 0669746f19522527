/* What the dump and the restore jobs share (database_jobs.c, database_restore.c): running a
 * client program, its private defaults file, and checksums of dump files. */
#ifndef PANEL_SRC_JOBS_INTERNAL_H
#define PANEL_SRC_JOBS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "handle.h"

/* Runs argv with stdin and stdout redirected (-1: /dev/null); result gets "ok" or the reason,
 * with the first line of what the program wrote on stderr. */
void panel__job_exec(char *result, size_t size, char *const argv[], int in, int out);

/* Writes a [client] defaults file, mode 0600, with user and password and the member server's
 * address ([member_database], else [database]); path gets its name (unlink it after use).
 * user NULL: the member server's own credentials from the configuration. */
int panel__job_defaults(char path[64], panel *p, const char *user, const char *password);

/* The hex SHA-256 of everything fd holds (read with pread from offset 0). 0, or -1. */
int panel__job_sha256_fd(char hex[65], int fd);

/* The absolute path of a file under the hosting root into rel (relative to that root): -1
 * when file is not under it. */
int panel__job_rel_path(const char **rel, panel *p, const char *file);

/* The hosting root (hosting.root, /var/alternc by default). */
const char *panel__job_root(panel *p);

/* Restores file (a dump of database in its owner's backups folder) with an account that has
 * rights on that database alone; verify: refuse a file whose SHA-256 is not the one recorded
 * when the panel wrote it. */
void panel__restore_run(char *result, size_t size, panel *p, const char *database, const char *file,
			int verify);

/* Runs one db_dump or db_restore action of the queue (args as queue_body wrote them); result
 * gets "ok" or the reason. A dump is given to uid:gid (the web user and the member's group,
 * as its other files; (uid_t)-1: left root's). 0 when it went well, -1 otherwise. */
int panel__job_run(char *result, size_t size, panel *p, const char *action, json_t *args, uid_t uid,
		   gid_t gid);

/* Drops the restore account of a database (when the database is dropped). */
int panel__restore_account_drop(panel *p, const char *database);

#endif
