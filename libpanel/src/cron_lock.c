/* AlternC 1.0's domain cron beside the library's domain writes.
 *
 * update_domains.sh (root, every 5 minutes) writes its pid to <root>/bureau/cron.lock, reads
 * the domains marked dns_action = 'UPDATE' and the sub-domains marked enable = 'ENABLE' or
 * 'DISABLE', regenerates their zones and vhosts, and only then marks them done with a plain
 * UPDATE on the domain name (or the entry). A change the library marks between the cron's read
 * and its "done" is overwritten: the new sub-domain never reaches the zone, the disabled entry
 * stays enabled. 1.0's own panel meant to wait while the lock exists (m_dom::lock).
 *
 * So a domain write here waits while the cron runs (bounded by [alternc] cron_wait seconds,
 * then PANEL_EUNAVAILABLE), and after its commit, if a cron run started meanwhile, waits for it
 * to end and marks again what that run may have marked done over it (a harmless extra
 * regeneration when it did not). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cron_lock.h"
#include "error.h"
#include "handle.h"
#include "jobs_internal.h"

#define POLL_MS 100

static void lock_path(char *out, size_t size, panel *p)
{
	const char *path = panel_setting(p, "alternc", "cron_lock");

	if (path && *path)
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "%s/bureau/cron.lock", panel__job_root(p));
}

/* The pid on the file's last line, as the cron itself reads it; 0 when none. */
static pid_t lock_pid(const char *path, time_t *since)
{
	char buf[256];
	struct stat st;
	FILE *f = fopen(path, "re");
	long pid = 0;

	if (!f)
		return 0;
	if (fstat(fileno(f), &st) == 0 && since)
		*since = st.st_mtime;
	while (fgets(buf, sizeof(buf), f)) {
		char *end;
		long v = strtol(buf, &end, 10);
		if (end != buf && v > 0)
			pid = v;
	}
	fclose(f);
	return pid > 0 && pid <= 0x3fffffff ? (pid_t)pid : 0;
}

/* A live process that is update_domains.sh: the cron's own test for a stale lock. Where /proc
 * cannot tell (another pid namespace, hidepid), a live pid counts. */
static int is_cron(pid_t pid)
{
	char path[64], cmd[4096];
	FILE *f;
	size_t n;

	if (kill(pid, 0) < 0 && errno != EPERM)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if (!(f = fopen(path, "re")))
		return 1;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, "update_domains") != NULL;
}

int panel__cron_running(panel *p, time_t *since)
{
	char path[4200];
	pid_t pid;

	lock_path(path, sizeof(path), p);
	pid = lock_pid(path, since);
	return pid > 0 && is_cron(pid);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static unsigned wait_limit_ms(panel *p)
{
	const char *v = panel_setting(p, "alternc", "cron_wait");
	long s = v ? strtol(v, NULL, 10) : 10;

	return (unsigned)(s > 0 ? s : 10) * 1000u;
}

/* Waits while the cron runs, at most the configured time: 1 when it ended, 0 when not. */
static int wait_cron(panel *p, time_t *since)
{
	unsigned waited = 0, limit = wait_limit_ms(p);

	while (panel__cron_running(p, since)) {
		if (waited >= limit)
			return 0;
		sleep_ms(POLL_MS);
		waited += POLL_MS;
	}
	return 1;
}

int panel__cron_wait(panel *p)
{
	char path[4200];

	if (wait_cron(p, NULL))
		return 0;
	lock_path(path, sizeof(path), p);
	return panel__error(PANEL_EUNAVAILABLE, NULL,
			    "AlternC's domain cron (update_domains.sh, lock %s) has been running "
			    "for more than %u s: retry later",
			    path, wait_limit_ms(p) / 1000);
}

/* Domains changed since the cron run began (panel_dns_serials.changed_at, a few seconds of
 * margin for clocks) that it marked done: marked again. */
static int remark_domains(panel_db *db, time_t since)
{
	return panel__db_exec(NULL, db,
			      "UPDATE domaines d JOIN panel_dns_serials s ON s.domaine = d.domaine"
			      " SET d.dns_action = 'UPDATE' WHERE d.dns_action = 'OK' AND"
			      " s.changed_at >= FROM_UNIXTIME(?) - INTERVAL 5 SECOND",
			      DB_ARGS(DB_U64((uint64_t)(since > 0 ? since : 0))));
}

int panel__cron_settle(panel *p, panel_db_tx_fn remark, void *ctx)
{
	time_t since = 0;

	if (!panel__cron_running(p, &since))
		return 0;
	/* The run may have read our rows before the commit: let it finish, then mark again. */
	(void)wait_cron(p, NULL);
	if (remark_domains(p->db, since) < 0)
		return -1;
	return remark ? remark(p->db, ctx) : 0;
}

int panel__domain_write(panel *p, panel_db_tx_fn body, void *ctx, panel_db_tx_fn remark)
{
	int error;

	/* Its settling needs its commit: inside a request's transaction the cron could read the
	 * rows before it and mark them done after it. */
	if (panel__db_request_state(p->db))
		return panel__error(PANEL_ERROR, NULL,
				    "internal: a domain write inside a request's transaction");
	if ((error = panel__cron_wait(p)) < 0 ||
	    (error = panel__db_transaction(p->db, body, ctx)) < 0)
		return error;
	/* The change is committed: reporting a failure to mark it again (a database error just
	 * after the commit) would invite the caller to make it twice. */
	(void)panel__cron_settle(p, remark, ctx);
	return 0;
}
