/* Rows kept for a number of days, removed by the runner's passes: the audit trail ([runner]
 * audit_days) and the actions done ([runner] actions_days). Oldest first along an index on
 * their date, a batch a statement (its locks short), a bounded number a pass (the next pass
 * goes on). */
#include "retention.h"

#include "error.h"

/* The DELETE of one batch for each kind of row: days, then the batch's size, bound. */
static const char *const purge_sql[] = {
    [PANEL__KEPT_AUDIT] = "DELETE FROM panel_audit WHERE at < NOW() - INTERVAL ? DAY ORDER BY at"
			  " LIMIT ?",
    /* Done ones, and failed dumps and restores (retrying one is asking again; a member can
     * fail them at will): any other failed one stays until an admin retries it (index
     * `pending` on done_at). */
    [PANEL__KEPT_ACTIONS] = "DELETE FROM panel_actions WHERE done_at < NOW() - INTERVAL ? DAY"
			    " AND (state = 'done' OR (state = 'failed' AND action IN ('db_dump',"
			    " 'db_restore'))) ORDER BY done_at LIMIT ?",
};

int panel__purge_kept(panel_db *db, enum panel__kept what, unsigned long days, uint64_t *removed)
{
	uint64_t n, total = 0;
	int error = 0;

	while (days && total < PANEL__PURGE_MAX) {
		if ((error = panel__db_exec(&n, db, purge_sql[what],
					    DB_ARGS(DB_U64(days), DB_U64(PANEL__PURGE_BATCH)))) < 0)
			break;
		total += n;
		if (n < PANEL__PURGE_BATCH)
			break;
	}
	if (removed)
		*removed = total;
	return error;
}
