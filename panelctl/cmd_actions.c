/* panelctl actions: the queue of system work (web roots, maildirs, folders, trash, quotas,
 * dumps): one pass of the runner (cron), the list with errors and ages, retrying a failed
 * action, and the counters in Prometheus' text format. `actions watch` is cmd_actions_watch.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_actions.h"

enum { OPT_STATE = 256, OPT_LOGIN, OPT_OUTPUT };

/* ---------------------------------------------------------------- run */

json_t *cli_runner_report_json(const panel_runner_report *r)
{
	static const char *const sources[] = {NULL, "quotas", "walk"};
	const char *source = r->usage_source <= PANEL_USAGE_WALK ? sources[r->usage_source] : NULL;

	return json_pack("{s:i, s:i, s:i, s:i, s:b, s:i, s:o, s:i, s:i, s:o, s:o}", "done",
			 (int)r->done, "failed", (int)r->failed, "retried", (int)r->retried,
			 "purged", (int)r->purged, "no_quotas", r->no_quotas, "next_due",
			 (int)r->next_due, "warning",
			 r->warning[0] ? json_string(r->warning) : json_null(), "measured",
			 (int)r->measured, "unmeasured", (int)r->unmeasured, "usage_source",
			 source ? json_string(source) : json_null(), "usage",
			 r->usage[0] ? json_string(r->usage) : json_null());
}

static int actions_run(cli *c, int argc, char **argv)
{
	panel_runner_report report;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "actions run takes no argument");
	/* The actor is the system unless --admin / --as were given: libpanel refuses those. */
	if (cli_open(c) < 0 || panel_actions_run(&report, c->p, &c->actor, NULL) < 0)
		return cli_fail(c);
	if (!c->json && report.no_quotas)
		fprintf(stderr, "panelctl: no disk quotas on the hosting root's filesystem: web "
				"quotas are recorded only\n");
	if (!c->json && report.warning[0])
		fprintf(stderr, "panelctl: %s\n", report.warning);
	return cli_done(c, cli_runner_report_json(&report),
			"%u done, %u failed, %u to retry, %u trash folder%s emptied%s%s",
			report.done, report.failed, report.retried, report.purged,
			report.purged == 1 ? "" : "s", report.usage[0] ? "; " : "", report.usage);
}

/* ---------------------------------------------------------------- list */

static int action_row(cli_table *t, const void *item)
{
	const panel_action *a = item;
	char id[24], age[24], attempts[16];

	snprintf(id, sizeof(id), "%llu", (unsigned long long)a->id);
	snprintf(age, sizeof(age), "%llus", (unsigned long long)a->age);
	snprintf(attempts, sizeof(attempts), "%u", a->attempts);
	const char *cells[] = {id,
			       a->action,
			       a->login,
			       a->state,
			       attempts,
			       age,
			       a->state[0] == 'f' ? a->result : a->error};
	return cli_table_add(t, cells);
}

static json_t *action_json(const void *item)
{
	return panel_action_to_json(item);
}

static const char *const action_headers[] = {"ID",	 "ACTION", "LOGIN", "STATE",
					     "ATTEMPTS", "AGE",	   "ERROR"};
static const cli_listing action_rows = {7, action_headers, action_row, action_json};

static int action_page(cli_pager *pager, cli *c, void *arg, const char *cursor)
{
	panel_action_filter *filter = arg;
	panel_action_list *page = NULL;
	int error;

	filter->cursor = cursor;
	if (panel_action_list_get(&page, c->p, &c->actor, filter) < 0)
		return -1;
	error = cli_pager_take(pager, CLI_LIST_VIEW(page));
	panel_action_list_free(page);
	return error;
}

static int actions_list(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"state", required_argument, NULL, OPT_STATE},
	    {"login", required_argument, NULL, OPT_LOGIN},
	    CLI_PAGING_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	panel_action_filter filter = PANEL_ACTION_FILTER_INIT;
	cli_paging pg = {0};
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_list_option(&args, c, options, &pg, &rc)) != -1) {
		if (opt == OPT_STATE)
			filter.state = optarg;
		else if (opt == OPT_LOGIN)
			filter.login = optarg;
		else
			return rc;
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "actions list takes no positional argument");
	filter.limit = pg.limit;
	if (cli_open(c) < 0)
		return cli_fail(c);
	return cli_paging_run(c, &pg, &action_rows, action_page, &filter, "actions");
}

/* ---------------------------------------------------------------- retry */

static int actions_retry(cli *c, int argc, char **argv)
{
	uint64_t id;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1 ||
	    cli_parse_u64(&id, cli_positional(&args, 0), UINT64_MAX) < 0)
		return cli_usage_error(c, "actions retry takes the id of a failed action");
	if (cli_open(c) < 0 || panel_action_retry(c->p, &c->actor, id) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "pending"),
			"action %llu queued again", (unsigned long long)id);
}

/* ---------------------------------------------------------------- metrics */

/* The counters as Prometheus' text exposition format. */
static void print_metrics(FILE *out, const panel_action_stats *s)
{
	fprintf(out, "# HELP panel_actions Queued system actions by state.\n"
		     "# TYPE panel_actions gauge\n");
	fprintf(out, "panel_actions{state=\"pending\"} %llu\n", (unsigned long long)s->pending);
	fprintf(out, "panel_actions{state=\"running\"} %llu\n", (unsigned long long)s->running);
	fprintf(out, "panel_actions{state=\"done\"} %llu\n", (unsigned long long)s->done);
	fprintf(out, "panel_actions{state=\"failed\"} %llu\n", (unsigned long long)s->failed);
	fprintf(out,
		"# HELP panel_actions_oldest_pending_seconds Age of the oldest pending action"
		" (0: none).\n# TYPE panel_actions_oldest_pending_seconds gauge\n"
		"panel_actions_oldest_pending_seconds %llu\n",
		(unsigned long long)s->oldest_pending);
}

/* Writes the file atomically (a temporary file renamed over it), as node_exporter's textfile
 * collector expects, so that it never reads half a file. The temporary file is made by mkstemp
 * in the same folder (O_EXCL, random name): run as root into a folder another user can write
 * (node_exporter's textfile folder), a link planted at a predictable name would otherwise make
 * root write through it. Mode 0644: the collector reads it as its own user. */
static int write_metrics(const cli *c, const char *path, const panel_action_stats *s)
{
	char tmp[4096];
	FILE *f;
	int fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return cli_error(c, PANEL_ERROR, "cannot write %s: name too long", path);
	if ((fd = mkstemp(tmp)) < 0)
		return cli_error(c, PANEL_ERROR, "cannot write %s: %s", tmp, strerror(errno));
	if (fchmod(fd, 0644) != 0 || !(f = fdopen(fd, "w"))) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		return cli_error(c, PANEL_ERROR, "cannot write %s: %s", tmp, strerror(saved));
	}
	errno = 0;
	print_metrics(f, s);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		int saved = errno ? errno : EIO;
		fclose(f);
		unlink(tmp);
		return cli_error(c, PANEL_ERROR, "cannot write %s: %s", tmp, strerror(saved));
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int saved = errno;
		unlink(tmp);
		return cli_error(c, PANEL_ERROR, "cannot write %s: %s", path, strerror(saved));
	}
	return 0;
}

static int actions_metrics(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"output", required_argument, NULL, OPT_OUTPUT},
	    {NULL, 0, NULL, 0},
	};
	const char *output = NULL;
	panel_action_stats s;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_OUTPUT)
			return rc;
		output = optarg;
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "actions metrics takes no positional argument");
	if (cli_open(c) < 0 || panel_action_stats_get(&s, c->p, &c->actor) < 0)
		return cli_fail(c);
	if (output)
		return write_metrics(c, output, &s);
	if (c->json)
		return cli_done(c,
				json_pack("{s:I, s:I, s:I, s:I, s:I}", "pending",
					  (json_int_t)s.pending, "running", (json_int_t)s.running,
					  "done", (json_int_t)s.done, "failed",
					  (json_int_t)s.failed, "oldest_pending_seconds",
					  (json_int_t)s.oldest_pending),
				"%s", "");
	print_metrics(stdout, &s);
	return 0;
}

static const struct cli_verb actions_verbs[] = {
    {"run", actions_run, "",
     "one pass of the runner: web roots, maildirs, folders, trash, quotas, dumps (system only; "
     "for cron)"},
    {"watch", cli_actions_watch, "",
     "run new actions as they are queued, until SIGTERM; SIGHUP re-reads the configuration"},
    {"list", actions_list,
     "[--state pending|running|failed|done] [--login LOGIN] [--limit N] "
     "[--cursor C] [--all]",
     "the queued actions, newest first, with their errors and ages"},
    {"retry", actions_retry, "ID", "queue a failed action again"},
    {"metrics", actions_metrics, "[--output FILE]",
     "the queue's counters in Prometheus' text format (FILE: written atomically, for "
     "node_exporter's textfile collector)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_actions = {"actions", actions_verbs};
