/* The queue of external effects (panel_actions) that the cron side applies: the web root of a
 * new account, the files of a deleted one, maildirs... */
#include <stdlib.h>

#include "account_internal.h"
#include "error.h"

int panel__action(panel_db *db, const char *action, uint32_t uid, const char *login, json_t *args)
{
	char *text = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int error;

	json_decref(args);
	if (args && !text)
		return panel__error_oom();
	error = panel__db_exec(
	    NULL, db, "INSERT INTO panel_actions (action, uid, login, args) VALUES (?, ?, ?, ?)",
	    DB_ARGS(DB_STR(action), DB_U64(uid), DB_STR(login), DB_STR(text)));
	free(text);
	return error;
}
