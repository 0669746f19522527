/* Monitoring figures read from the database at scrape time (live tokens and keys), and the
 * transaction attempts of a handle for the daemon's retry counter. */
#include <string.h>

#include "authz.h"
#include "db/db.h"
#include "error.h"
#include "handle.h"
#include "panel/metrics.h"

int panel_metrics_get(panel_metrics *out, panel *p, const panel_actor *who)
{
	panel_db_rows *rows = NULL;
	int error;

	if (!out)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	memset(out, 0, sizeof(*out));
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_SYSTEM &&
	    (who->kind != PANEL_ACTOR_ADMIN || who->uid != PANEL_SUPER_ADMIN_UID || who->as_uid))
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only the super admin reads the metrics");
	/* The tokens' count walks the index on expires over live tokens only; keys are few. */
	if ((error = panel__db_read(&rows, p->db,
				    "SELECT (SELECT COUNT(*) FROM panel_tokens"
				    " WHERE expires > NOW() AND revoked = 0),"
				    " (SELECT COUNT(*) FROM panel_apikeys WHERE revoked = 0"
				    " AND (expires IS NULL OR expires > NOW()))",
				    DB_NOARGS)) < 0)
		return error;
	if ((error = panel__db_cell_u64(&out->active_tokens, rows, 0, 0)) < 0 ||
	    (error = panel__db_cell_u64(&out->active_apikeys, rows, 0, 1)) < 0)
		memset(out, 0, sizeof(*out));
	panel__db_rows_free(rows);
	return error;
}

unsigned panel_last_tx_attempts(const panel *p)
{
	return p ? panel__db_tx_attempts(p->db) : 0;
}
