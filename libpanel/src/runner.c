/* The actions runner: claims queued actions one at a time (a short transaction, SELECT ... FOR
 * UPDATE SKIP LOCKED, state = 'running'), runs each outside any transaction (runner_kinds.c),
 * and records its outcome: done, failed with a reason, or back in the queue with a doubled
 * delay. A runner killed mid-action leaves its claim; once the claim is older than the lease and
 * the runner's named lock (held by its connection) is gone, another runner takes it again, which
 * is safe because every action is idempotent. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "retention.h"
#include "jobs_internal.h"
#include "panel/actions.h"
#include "runner_internal.h"
#include "validate.h"

#define MAX_KINDS  16
#define CANDIDATES 20
#define MAX_DELAY  3600 /* seconds: the longest wait between two attempts */

/* ---------------------------------------------------------------- outcomes */

__attribute__((format(printf, 3, 0))) static int
outcome(struct panel__run *r, enum panel__run_outcome o, const char *fmt, va_list ap)
{
	r->outcome = o;
	vsnprintf(r->result, sizeof(r->result), fmt, ap);
	return (int)o;
}

int panel__run_done(struct panel__run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int o = outcome(r, PANEL_RUN_DONE, fmt, ap);
	va_end(ap);
	return o;
}

int panel__run_retry(struct panel__run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int o = outcome(r, PANEL_RUN_RETRY, fmt, ap);
	va_end(ap);
	return o;
}

int panel__run_failed(struct panel__run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int o = outcome(r, PANEL_RUN_FAILED, fmt, ap);
	va_end(ap);
	return o;
}

int panel__run_errno(struct panel__run *r, int err, const char *what)
{
	switch (err) {
	case ELOOP:
		return panel__run_failed(r, "refused: a symbolic link is on the way to %s", what);
	case ENOTDIR:
		return panel__run_failed(r,
					 "refused: something that is not a folder is on the way "
					 "to %s",
					 what);
	case EINVAL:
		return panel__run_failed(r, "refused: an invalid name on the way to %s", what);
	case EXDEV:
		return panel__run_failed(r, "%s: the trash is on another filesystem", what);
	default:
		return panel__run_retry(r, "%s: %s", what, strerror(err));
	}
}

void panel__run_hook(const struct panel__run *r, const char *stage, const char *detail)
{
	if (r->p->runner_hook)
		r->p->runner_hook(r->p->runner_hook_arg, stage, detail);
}

unsigned long panel__runner_setting(panel *p, const char *key, unsigned long def)
{
	const char *v = panel_setting(p, "runner", key);
	unsigned long n;

	return v && *v && panel__parse_ulong(&n, v, 0, ~0UL) ? n : def;
}

/* ---------------------------------------------------------------- claiming */

struct claim {
	const panel_runner_options *opts;
	unsigned long lease;
	const char *me; /* host:pid */
	/* the claimed action, when id != 0 */
	uint64_t id;
	unsigned attempts;
	char action[33], login[129];
	uint32_t uid;
	char *args;
};

/* " AND a.action IN (?, ...)" for the options' kinds, into where; their values into params. */
static size_t kinds_clause(char *where, size_t size, panel_db_param *params,
			   const panel_runner_options *opts)
{
	size_t n = 0;

	where[0] = '\0';
	if (!opts->kinds || !opts->kinds[0])
		return 0;
	snprintf(where, size, " AND a.action IN (");
	for (; opts->kinds[n] && n < MAX_KINDS; n++) {
		size_t used = strlen(where);
		snprintf(where + used, size - used, "%s?", n ? ", " : "");
		params[n] = DB_STR(opts->kinds[n]);
	}
	size_t used = strlen(where);
	snprintf(where + used, size - used, ")");
	return n;
}

#define RUNNABLE                                                                                   \
	"((a.state = 'pending' AND a.next_try <= NOW()) OR (a.state = 'running' AND"               \
	" a.claimed_at < NOW() - INTERVAL ? SECOND))"

/* No earlier unfinished file action whose col is a's, in the given state (each check reaches
 * the account's unfinished actions through index idx, never its finished ones). */
#define NONE_EARLIER(idx, col, state)                                                              \
	"NOT EXISTS (SELECT 1 FROM panel_actions b FORCE INDEX (" idx ") WHERE b." col " = a." col \
	" AND b.state = '" state                                                                   \
	"' AND b.id < a.id AND b.action NOT IN ('db_dump', 'db_restore'))"

/* The actions that may run now, oldest first: runnable, and (files only) no earlier action of
 * the same account or login still unfinished, so that one member's actions keep their order. A
 * plain read: the row is locked afterwards, and checked again then. Each check is two lookups
 * of the indexes on (uid, state, id) and (login, state, id): through (uid, id) it walked the
 * account's whole history (1.4 s a claim after one member's 500,000 finished actions), and a
 * GROUP BY over every unfinished action, tried next, grew with the queue and could turn into a
 * walk of the history again (tests/bench/runner-queue.sh). */
static int candidates(panel_db_rows **rows, panel_db *db, const struct claim *c)
{
	panel_db_param params[MAX_KINDS + 2];
	char kinds[MAX_KINDS * 4 + 32], sql[1600];
	size_t n;

	params[0] = DB_U64(c->lease);
	n = 1 + kinds_clause(kinds, sizeof(kinds), params + 1, c->opts);
	params[n++] = DB_U64(CANDIDATES);
	snprintf(
	    sql, sizeof(sql),
	    "SELECT a.id FROM panel_actions a WHERE " RUNNABLE "%s AND (a.action IN"
	    " ('db_dump', 'db_restore') OR (" NONE_EARLIER(
		"unfinished_uid", "uid",
		"pending") " AND " NONE_EARLIER("unfinished_uid", "uid",
						"running") " AND (a.login = '' OR"
							   " (" NONE_EARLIER(
							       "unfinished_login", "login",
							       "pending") " AND " NONE_EARLIER("unf"
											       "ini"
											       "she"
											       "d_"
											       "log"
											       "in",
											       "log"
											       "in",
											       "run"
											       "nin"
											       "g") "))))"
												    " ORDER BY a.id "
												    "LIMIT ?",
	    kinds);
	return panel__db_query(rows, db, sql, params, n);
}

/* Locks candidate id if it is still runnable and nobody else holds it, then claims it. 1
 * claimed, 0 taken by someone else meanwhile, or an error. */
static int try_claim(panel_db *db, struct claim *c, uint64_t id)
{
	panel_db_rows *rows = NULL;
	char lock[48];
	uint64_t v;
	int error;

	if ((error = panel__db_query(&rows, db,
				     "SELECT a.state, a.attempts, a.action, a.uid, a.login,"
				     " COALESCE(a.args, '{}') FROM panel_actions a WHERE a.id = ?"
				     " AND " RUNNABLE " FOR UPDATE SKIP LOCKED",
				     DB_ARGS(DB_U64(id), DB_U64(c->lease)))) < 0)
		return error;
	if (panel__db_rows_count(rows) == 0) {
		panel__db_rows_free(rows);
		return 0;
	}
	/* A claim whose lease expired is taken only when its runner's connection is gone. */
	snprintf(lock, sizeof(lock), "panel_action_%llu", (unsigned long long)id);
	if (strcmp(panel__db_cell(rows, 0, 0), "running") == 0 &&
	    ((error = panel__db_query_u64(&v, db, "SELECT IS_FREE_LOCK(?)",
					  DB_ARGS(DB_STR(lock)))) < 0 ||
	     v != 1)) {
		panel__db_rows_free(rows);
		return error < 0 ? error : 0;
	}
	c->id = id;
	panel__db_cell_u64(&v, rows, 0, 1);
	c->attempts = (unsigned)v + 1;
	snprintf(c->action, sizeof(c->action), "%s", panel__db_cell(rows, 0, 2));
	panel__db_cell_u64(&v, rows, 0, 3);
	c->uid = (uint32_t)v;
	snprintf(c->login, sizeof(c->login), "%s", panel__db_cell(rows, 0, 4));
	c->args = strdup(panel__db_cell(rows, 0, 5));
	panel__db_rows_free(rows);
	if (!c->args)
		return panel__error_oom();
	if ((error = panel__db_exec(NULL, db,
				    "UPDATE panel_actions SET state = 'running', attempts = ?,"
				    " claimed_by = ?, claimed_at = NOW() WHERE id = ?",
				    DB_ARGS(DB_U64(c->attempts), DB_STR(c->me), DB_U64(id)))) < 0)
		return error;
	return 1;
}

static int claim_body(panel_db *db, void *arg)
{
	struct claim *c = arg;
	panel_db_rows *rows = NULL;
	int error = 0;

	free(c->args);
	c->args = NULL;
	c->id = 0;
	if ((error = candidates(&rows, db, c)) < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows); i++) {
		uint64_t id = 0;
		panel__db_cell_u64(&id, rows, i, 0);
		if ((error = try_claim(db, c, id)) != 0)
			break;
	}
	panel__db_rows_free(rows);
	return error < 0 ? error : 0;
}

/* ---------------------------------------------------------------- recording */

struct record {
	const struct claim *c;
	const struct panel__run *r;
	unsigned long retry_base, max_attempts;
};

static int record_body(panel_db *db, void *arg)
{
	const struct record *rec = arg;
	const struct claim *c = rec->c;
	enum panel__run_outcome o = rec->r->outcome;
	char result[256];

	snprintf(result, sizeof(result), "%s", rec->r->result);
	if (o == PANEL_RUN_RETRY && c->attempts >= rec->max_attempts) {
		snprintf(result, sizeof(result), "gave up after %u attempts: %.200s", c->attempts,
			 rec->r->result);
		o = PANEL_RUN_FAILED;
	}
	/* Only our own claim: if it was taken over meanwhile, the other runner records. */
#define OURS " WHERE id = ? AND state = 'running' AND claimed_by = ? AND attempts = ?"
	if (o == PANEL_RUN_DONE)
		return panel__db_exec(
		    NULL, db,
		    "UPDATE panel_actions SET state = 'done', done_at = NOW(),"
		    " result = ?" OURS,
		    DB_ARGS(DB_STR(result), DB_U64(c->id), DB_STR(c->me), DB_U64(c->attempts)));
	if (o == PANEL_RUN_FAILED)
		return panel__db_exec(NULL, db,
				      "UPDATE panel_actions SET state = 'failed', done_at = NOW(),"
				      " result = ?, error = ?" OURS,
				      DB_ARGS(DB_STR(result), DB_STR(result), DB_U64(c->id),
					      DB_STR(c->me), DB_U64(c->attempts)));
	unsigned long delay = rec->retry_base;
	for (unsigned i = 1; i < c->attempts && delay < MAX_DELAY; i++)
		delay *= 2;
	return panel__db_exec(NULL, db,
			      "UPDATE panel_actions SET state = 'pending', next_try = NOW() +"
			      " INTERVAL ? SECOND, error = ?" OURS,
			      DB_ARGS(DB_U64(delay < MAX_DELAY ? delay : MAX_DELAY), DB_STR(result),
				      DB_U64(c->id), DB_STR(c->me), DB_U64(c->attempts)));
#undef OURS
}

/* ---------------------------------------------------------------- the pass */

struct pass {
	panel *p;
	const panel_runner_options *opts;
	panel_runner_report *report;
	int root;
	char me[128];
	unsigned long lease, retry_base, max_attempts;
	uid_t web_uid;
	int set_owners;
};

/* The hosting root, made (the last component only, root's, 0755) when missing. */
static int open_root(panel *p)
{
	const char *path = panel__job_root(p);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 && errno == ENOENT && mkdir(path, 0755) == 0)
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return panel__error(PANEL_ERROR, "hosting.root",
				    "cannot open the hosting root %s: %s", path, strerror(errno));
	return fd;
}

/* Runs the claimed action and records how it went; counts it in the report. */
static int run_claimed(struct pass *ps, struct claim *c)
{
	struct panel__run r = {.p = ps->p,
			       .id = c->id,
			       .action = c->action,
			       .uid = c->uid,
			       .login = c->login,
			       .root = ps->root,
			       .web_uid = ps->set_owners ? ps->web_uid : (uid_t)-1,
			       .web_gid = ps->set_owners ? (gid_t)c->uid : (gid_t)-1};
	struct record rec = {c, &r, ps->retry_base, ps->max_attempts};
	char lock[48];
	uint64_t got;
	int error;

	/* Held by this connection while the action runs: its death frees the claim. */
	snprintf(lock, sizeof(lock), "panel_action_%llu", (unsigned long long)c->id);
	panel__db_query_u64(&got, ps->p->db, "SELECT GET_LOCK(?, 0)", DB_ARGS(DB_STR(lock)));
	r.args = json_loads(c->args, 0, NULL);
	if (!json_is_object(r.args)) {
		panel__run_failed(&r, "refused: the arguments are not a JSON object");
	} else {
		char id[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
		panel__run_hook(&r, "claimed", id);
		panel__run_kind(&r);
	}
	json_decref(r.args);
	r.args = NULL;
	error = panel__db_transaction(ps->p->db, record_body, &rec);
	panel__db_exec(NULL, ps->p->db, "DO RELEASE_LOCK(?)", DB_ARGS(DB_STR(lock)));
	if (error < 0)
		return error;
	if (r.no_quotas)
		ps->report->no_quotas = 1;
	if (r.outcome == PANEL_RUN_DONE)
		ps->report->done++;
	else if (r.outcome == PANEL_RUN_FAILED || c->attempts >= ps->max_attempts)
		ps->report->failed++;
	else
		ps->report->retried++;
	return 0;
}

/* Seconds until the next pending action is due or a claim's lease expires (0: none known). */
static void next_due(struct pass *ps)
{
	uint64_t due = 0;

	if (panel__db_query_u64(
		&due, ps->p->db,
		"SELECT COALESCE(MIN(IF(state = 'pending', TIMESTAMPDIFF(SECOND, NOW(), next_try),"
		" TIMESTAMPDIFF(SECOND, NOW(), claimed_at + INTERVAL ? SECOND))), 0) FROM"
		" panel_actions WHERE (state = 'pending' AND next_try > NOW()) OR (state ="
		" 'running' AND claimed_at + INTERVAL ? SECOND > NOW())",
		DB_ARGS(DB_U64(ps->lease), DB_U64(ps->lease))) == 0)
		ps->report->next_due = (unsigned)(due > 86400 ? 86400 : due);
}

static int pass_loop(struct pass *ps)
{
	struct claim c = {.opts = ps->opts, .lease = ps->lease, .me = ps->me};
	int error = 0;

	for (unsigned n = 0; !ps->opts->max_actions || n < ps->opts->max_actions; n++) {
		if ((error = panel__db_transaction(ps->p->db, claim_body, &c)) < 0 || !c.id)
			break;
		if ((error = run_claimed(ps, &c)) < 0)
			break;
	}
	free(c.args);
	return error;
}

/* The audit entries and done actions past their days ([runner] audit_days, actions_days);
 * a failure is the report's warning, unless the trash's came first. */
static void purge_kept(struct pass *ps)
{
	static const struct {
		enum panel__kept what;
		const char *setting, *name;
		unsigned long days;
	} kept[] = {
	    {PANEL__KEPT_AUDIT, "audit_days", "audit entries", 365},
	    {PANEL__KEPT_ACTIONS, "actions_days", "done actions", 30},
	};

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (panel__purge_kept(ps->p->db, kept[i].what,
				      panel__runner_setting(ps->p, kept[i].setting, kept[i].days),
				      NULL) == 0)
			continue;
		if (!ps->report->warning[0])
			snprintf(ps->report->warning, sizeof(ps->report->warning),
				 "removing old %s: %s", kept[i].name, panel_error_last()->message);
		panel_error_clear();
	}
}

int panel_actions_run(panel_runner_report *out, panel *p, const panel_actor *who,
		      const panel_runner_options *opts)
{
	panel_runner_options none = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report report = {0};
	struct pass ps = {.p = p, .opts = opts ? opts : &none, .report = &report};
	char host[64] = "";
	int error;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EFORBIDDEN, NULL, "only the system runs actions");
	ps.lease = panel__runner_setting(p, "lease", 300);
	ps.retry_base = panel__runner_setting(p, "retry_base", 30);
	ps.max_attempts = panel__runner_setting(p, "max_attempts", 10);
	ps.web_uid = (uid_t)panel__runner_setting(p, "web_uid", 33);
	/* Not root (a demo, a developer's machine): folders are made, owners left alone. */
	const char *owners = panel_setting(p, "runner", "set_owners");
	ps.set_owners = !owners || strcmp(owners, "no") != 0;
	gethostname(host, sizeof(host) - 1);
	snprintf(ps.me, sizeof(ps.me), "%s:%ld", host, (long)getpid());
	if ((ps.root = open_root(p)) < 0)
		return ps.root;
	if (ps.opts->purge && panel__fs_purge(ps.root, panel__runner_setting(p, "trash_days", 30),
					      &report.purged) < 0)
		snprintf(report.warning, sizeof(report.warning), "emptying the trash: %s",
			 strerror(errno));
	if (ps.opts->purge)
		purge_kept(&ps);
	error = pass_loop(&ps);
	if (error == 0)
		next_due(&ps);
	/* The members' web usage, once the queued work is done (a pass restricted to some kinds,
	 * panel_jobs_run's, does not measure). */
	if (error == 0 && ps.opts->version >= 2 && ps.opts->usage && !ps.opts->kinds)
		error = panel__usage_refresh(p, ps.root, &report);
	close(ps.root);
	if (out)
		*out = report;
	return error;
}
