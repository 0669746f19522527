/* The queue of external effects (panel_actions) that the cron side applies: the web root of a
 * new account, the files of a deleted one, maildirs... */
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "error.h"

/* An hta_write writes a protected folder's files from its rows as they are when it runs: while
 * one for the same folder waits, untried, another adds nothing. Each change of a folder's users
 * queued one that rewrites the whole .htpasswd, so a member repeating changes filled the one
 * runner's queue without bound. The waiting row is locked until the caller's transaction
 * commits: a runner skips it meanwhile (SKIP LOCKED), and then reads the rows with this change.
 * 1 when such an action waits, 0 when one must be queued, or an error. */
static int waiting(panel_db *db, const char *action, uint32_t uid, const char *text)
{
	panel_db_rows *rows = NULL;
	int error;

	if (strcmp(action, "hta_write") != 0 || !text)
		return 0;
	if ((error = panel__db_query(&rows, db,
				     "SELECT id FROM panel_actions WHERE state = 'pending' AND"
				     " attempts = 0 AND action = ? AND uid = ? AND args = ? LIMIT 1"
				     " FOR UPDATE SKIP LOCKED",
				     DB_ARGS(DB_STR(action), DB_U64(uid), DB_STR(text)))) < 0)
		return error;
	error = panel__db_rows_count(rows) > 0;
	panel__db_rows_free(rows);
	return error;
}

int panel__action(panel_db *db, const char *action, uint32_t uid, const char *login, json_t *args)
{
	char *text = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int error;

	json_decref(args);
	if (args && !text)
		return panel__error_oom();
	if ((error = waiting(db, action, uid, text)) != 0) {
		free(text);
		return error < 0 ? error : 0;
	}
	error = panel__db_exec(
	    NULL, db, "INSERT INTO panel_actions (action, uid, login, args) VALUES (?, ?, ?, ?)",
	    DB_ARGS(DB_STR(action), DB_U64(uid), DB_STR(login), DB_STR(text)));
	free(text);
	return error;
}
