/* panelctl actions watch: the long-running runner. Once a second it reads the queue's highest id
 * (one read of the primary key's end, SELECT MAX(id)): a new id means new work, and a pass runs
 * at once; otherwise a pass runs when a retried action is due (the pass says when), and at least
 * every minute (expired leases, the trash). Nothing else touches the database while idle. SIGTERM
 * and SIGINT end it after the current pass; SIGHUP re-reads the configuration. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_actions.h"

#define IDLE_PASS 60 /* seconds: the longest time without a pass */

/* Set by the signal handlers, read by the loop (the only state they may touch). */
static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL); /* no SA_RESTART: a signal ends the sleep at once */
}

static void say(const char *what, const char *detail)
{
	time_t now = time(NULL);
	char when[32];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "panelctl actions watch: %s %s%s%s\n", when, what, detail ? ": " : "",
		detail ? detail : "");
}

/* A new handle on the configuration file; the old one stays when the file is refused. */
static void reload(cli *c)
{
	panel_config *cfg = NULL;
	panel *fresh = NULL;

	if (panel_config_load(&cfg, c->config_path) < 0 || panel_open(&fresh, cfg) < 0) {
		say("configuration not reloaded", panel_error_last()->message);
	} else {
		panel_close(c->p);
		c->p = fresh;
		say("configuration reloaded from", c->config_path);
	}
	panel_config_free(cfg);
}

/* How the web usage is measured, said once per process (and again if it changes). */
static int said_source;

/* One pass, logged when it did something. *said_no_quotas: say it once per process. */
static int pass(cli *c, unsigned *next_due, int *said_no_quotas)
{
	panel_runner_report r;
	char line[160];

	if (panel_actions_run(&r, c->p, &c->actor, NULL) < 0) {
		say("pass failed", panel_error_last()->message);
		*next_due = 1;
		return -1;
	}
	if (r.no_quotas && !*said_no_quotas) {
		say("no disk quotas on the hosting root's filesystem: web quotas are recorded only",
		    NULL);
		*said_no_quotas = 1;
	}
	if (r.usage_source != PANEL_USAGE_NONE && (int)r.usage_source != said_source) {
		say(r.usage, NULL);
		said_source = (int)r.usage_source;
	}
	if (r.warning[0])
		say(r.warning, NULL);
	if (r.done || r.failed || r.retried || r.purged) {
		snprintf(line, sizeof(line), "%u done, %u failed, %u to retry, %u purged", r.done,
			 r.failed, r.retried, r.purged);
		say(line, NULL);
	}
	*next_due = r.next_due;
	return 0;
}

int cli_actions_watch(cli *c, int argc, char **argv)
{
	uint64_t seen = 0, last = 0;
	time_t next_pass = 0;
	unsigned due = 0;
	int said = 0, first = 1;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "actions watch takes no argument");
	if (cli_open(c) < 0)
		return cli_fail(c);
	if (c->actor.kind != PANEL_ACTOR_SYSTEM)
		return cli_error(c, PANEL_EFORBIDDEN, "only the system runs actions");
	install(SIGTERM, on_stop);
	install(SIGINT, on_stop);
	install(SIGHUP, on_reload);
	say("watching the queue; configuration", c->config_path);
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			reload(c);
		}
		if (panel_action_last_id(&last, c->p, &c->actor) < 0)
			say("cannot read the queue", panel_error_last()->message);
		else if (first || last != seen || time(NULL) >= next_pass) {
			/* Read before the pass: what is queued during it starts the next one. */
			seen = last;
			first = 0;
			pass(c, &due, &said);
			next_pass = time(NULL) + (due && due < IDLE_PASS ? due : IDLE_PASS);
		}
		struct timespec second = {1, 0};
		if (!stop_requested && nanosleep(&second, NULL) == -1 && errno != EINTR)
			break;
	}
	say("stopped", NULL);
	return 0;
}
