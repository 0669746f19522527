/* The queue of system work (panel_actions): web roots, maildirs, FTP folders, deletions to the
 * trash, disk quotas, database dumps and restores. Listing it, retrying a failed action, its
 * counters, and the runner that carries it out as root on the file server. */
#ifndef PANEL_ACTIONS_H
#define PANEL_ACTIONS_H

#include "actor.h"
#include "common.h"

/* One queued action. Dates are "YYYY-MM-DD HH:MM:SS" (server time), or "" when unset. */
typedef struct panel_action {
	uint64_t id;
	char action[33]; /* mem_add, mem_del, mail_add, mail_del, mkdir, quota_edit, db_dump... */
	uint32_t uid;	 /* the account concerned */
	char login[129];
	char *args;	      /* its arguments, a JSON object as text; never NULL */
	char state[8];	      /* pending, running, done, failed */
	unsigned attempts;    /* runs started so far */
	char created[20];     /* when it was queued */
	char next_try[20];    /* pending: not before this date */
	char claimed_by[129]; /* running: the runner (host:pid) */
	char claimed_at[20];
	char done_at[20]; /* done or failed: when */
	char result[256]; /* "ok", what was done, or the reason it failed */
	char error[256];  /* the last failure, also of an attempt retried since */
	uint64_t age;	  /* seconds since it was queued */
} panel_action;

#define PANEL_ACTION_FILTER_VERSION 1

typedef struct panel_action_filter {
	unsigned version;   /* PANEL_ACTION_FILTER_VERSION */
	const char *login;  /* the actions of this account; NULL: every account the actor sees */
	const char *state;  /* pending, running, failed or done; NULL: any */
	size_t limit;	    /* page size: 0 means 50; at most 500 */
	const char *cursor; /* next_cursor of the previous page; NULL for the first */
} panel_action_filter;

#define PANEL_ACTION_FILTER_INIT                                                                   \
	{                                                                                          \
		PANEL_ACTION_FILTER_VERSION, NULL, NULL, 0, NULL                                   \
	}

typedef struct panel_action_list {
	panel_action *items; /* newest first */
	size_t count;
	uint64_t total;	      /* matching actions over all pages */
	char next_cursor[64]; /* "" on the last page */
} panel_action_list;

/* The actions the actor may see, newest first: an admin those of the accounts it sees (the
 * system and the super admin: all, including those of deleted accounts), a member its own. With
 * filter->login, PANEL_ENOTFOUND for an account the actor may not see. */
PANEL_EXTERN int panel_action_list_get(panel_action_list **out, panel *p, const panel_actor *who,
				       const panel_action_filter *filter);

/* Puts a failed action back in the queue, to run at once with its attempts counted from zero
 * (the system, or an admin who may change global settings). PANEL_ENOTFOUND for an unknown id,
 * PANEL_ECONFLICT when it has not failed. */
PANEL_EXTERN int panel_action_retry(panel *p, const panel_actor *who, uint64_t id);

/* The queue's counters, for monitoring (the system, or an admin who may change global
 * settings). */
typedef struct panel_action_stats {
	uint64_t pending, running, done, failed;
	uint64_t oldest_pending; /* seconds since the oldest pending action was queued; 0: none */
	uint64_t last_id;	 /* the highest id in the queue: changes when work is queued */
} panel_action_stats;

PANEL_EXTERN int panel_action_stats_get(panel_action_stats *out, panel *p, const panel_actor *who);

/* The highest action id (0 when the queue is empty): one indexed read, what a watching runner
 * polls to learn that work was queued (the system only). */
PANEL_EXTERN int panel_action_last_id(uint64_t *out, panel *p, const panel_actor *who);

#define PANEL_RUNNER_OPTIONS_VERSION 2

typedef struct panel_runner_options {
	unsigned version;	  /* PANEL_RUNNER_OPTIONS_VERSION */
	const char *const *kinds; /* NULL-terminated action names to run; NULL: every kind */
	unsigned max_actions;	  /* stop after this many; 0: until nothing is runnable */
	int purge;		  /* 1: also empty the trash of what is older than trash_days */
	/* Version 2. 1: also measure the web usage (size_web) of every member whose last
	 * measurement is [runner] usage_refresh seconds old or more (0 there: never). */
	int usage;
} panel_runner_options;

#define PANEL_RUNNER_OPTIONS_INIT                                                                  \
	{                                                                                          \
		PANEL_RUNNER_OPTIONS_VERSION, NULL, 0, 1, 1                                        \
	}

/* How a pass measured the members' web usage. */
enum panel_usage_source {
	PANEL_USAGE_NONE,   /* nobody was due */
	PANEL_USAGE_QUOTAS, /* read from the group disk quotas of the hosting root's filesystem */
	PANEL_USAGE_WALK,   /* no disk quotas there: the web spaces were walked, as du does */
};

typedef struct panel_runner_report {
	unsigned done;	  /* finished well */
	unsigned failed;  /* failed for good (a bad name, a path that escapes, a link...) */
	unsigned retried; /* failed for now: back in the queue for later */
	unsigned purged;  /* trash folders removed */
	int no_quotas;	  /* a disk quota was asked where the filesystem has none */
	unsigned
	    next_due; /* seconds until a pending action or a measurement is due; 0: none known */
	char
	    warning[256]; /* a problem beside the actions (the trash could not be emptied), or "" */
	unsigned measured;   /* members whose web usage was measured (size_web) */
	unsigned unmeasured; /* members whose web space could not be measured: tried next pass */
	enum panel_usage_source usage_source;
	char usage[256]; /* how the usage was measured (and why), when anybody was; or "" */
} panel_runner_report;

/* One pass of the runner (the system only): claims runnable actions one at a time (a pending
 * one whose next_try has come, or a running one whose runner died and whose lease, [runner]
 * lease seconds, has expired), runs each outside any transaction, and records its outcome.
 * Several runners may run at once, on one host or several: each action runs once. Actions of
 * one account run in the order they were queued. Then (opts->usage) the web usage of the
 * members due is measured: from the group disk quotas where the hosting root's filesystem keeps
 * them, else by walking each web space without following links or leaving its filesystem; one
 * runner at a time (a named lock), the others skip it. 0, or the error that stopped the pass (the
 * database gone); out (may be NULL) says what was done. */
PANEL_EXTERN int panel_actions_run(panel_runner_report *out, panel *p, const panel_actor *who,
				   const panel_runner_options *opts);

PANEL_EXTERN void panel_action_list_free(panel_action_list *list);

#endif
