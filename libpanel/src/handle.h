/* The body of the panel handle, shared by the modules of libpanel. */
#ifndef PANEL_SRC_HANDLE_H
#define PANEL_SRC_HANDLE_H

#include "credential.h"
#include "db/db.h"
#include "panel/account.h"
#include "panel/panel.h"

struct panel {
	panel_config *cfg;   /* private copy of the configuration */
	panel_db *db;	     /* the panel database */
	panel_db *member_db; /* the member database server, connected on first use */
	/* Tests only: called by the actions runner at fixed points of a run (runner_internal.h),
	 * to pause it or to swap a folder for a link as a hostile member would. NULL otherwise. */
	void (*runner_hook)(void *arg, const char *stage, const char *detail);
	void *runner_hook_arg;
	panel__credential cred;	    /* the token the current operation's actor carries */
	panel__token_ids token_ids; /* tokens found valid on this handle (credential.h) */
	/* The notice of a new account made inside a request's transaction, sent once it has
	 * committed (account_notice.c); uid 0: none. */
	uint32_t notice_uid;
	char notice_login[PANEL_LOGIN_MAX + 1];
	int claim_locked; /* the open request's claim holds its named lock (idempotency.c) */
};

/* The entry check of every public operation: a handle (PANEL_EINVALID "no handle") and a
 * well-formed actor (panel_actor_check). An actor that carries a token arms the check of that
 * token before the operation's first statement (credential.h). 0 or the error. */
int panel__enter(panel *p, const panel_actor *who);

/* The connection to the member database server ([member_database], defaulting to the values
 * of [database]), opened on first use. */
int panel__member_db(panel_db **out, panel *p);

#endif
