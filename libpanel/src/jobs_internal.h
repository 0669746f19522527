/* What the dump and the restore jobs share (database_jobs.c, database_restore.c): running a
 * client program with its options on a pipe, and checksums of dump files. */
#ifndef PANEL_SRC_JOBS_INTERNAL_H
#define PANEL_SRC_JOBS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "handle.h"

/* Who a job's client runs as: the runner, or an unprivileged user when the runner is root (the
 * restore's client, which reads a file the member wrote): PANEL__JOB_USER, made by the packages
 * (dist/sysusers.d/panel.conf), else nobody. */
enum panel__job_as { PANEL__JOB_AS_RUNNER, PANEL__JOB_AS_NOBODY };
#define PANEL__JOB_USER "panel-restore"

/* The option that points a client at the defaults panel__job_exec hands it; argv[1]. */
#define PANEL__JOB_DEFAULTS_OPT "--defaults-file=/proc/self/fd/3"

/* Runs argv with stdin and stdout redirected (-1: /dev/null), defaults (panel__job_defaults) on
 * descriptor 3 and no other descriptor of the runner's; result gets "ok" or the reason, with
 * the first line of what the program wrote on stderr. */
void panel__job_exec(char *result, size_t size, char *const argv[], int in, int out,
		     const char *defaults, enum panel__job_as as);

/* A client's [client] options: user and password and the member server's address
 * ([member_database], else [database]); user NULL: the member server's own credentials from the
 * configuration. *text is allocated (free it with panel__secret_free): it goes to the client
 * on a pipe, never into a file or argv. */
int panel__job_defaults(char **text, panel *p, const char *user, const char *password);

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

/* Runs one db_dump or db_restore action of the queue (args as queue_body wrote them) for the
 * account owner, which must still own the database; result gets "ok" or the reason. A dump is
 * given to uid:gid (the web user and the member's group, as its other files; (uid_t)-1: left
 * root's). 0 when it went well, -1 otherwise. */
int panel__job_run(char *result, size_t size, panel *p, const char *action, json_t *args,
		   uint32_t owner, uid_t uid, gid_t gid);

/* Drops the restore account of a database (when the database is dropped). */
int panel__restore_account_drop(panel *p, const char *database);

#endif
