/* Recording an audit entry, inside the transaction of the change it describes. */
#ifndef PANEL_SRC_AUDIT_INTERNAL_H
#define PANEL_SRC_AUDIT_INTERNAL_H

#include <jansson.h>

#include "db/db.h"
#include "panel/actor.h"

/* Records action on (kind, id), belonging to subject_uid, with the before/after JSON values
 * (references stolen; NULL for none). Never put a secret or a hash in them. */
int panel__audit(panel_db *db, const panel_actor *who, const char *action, const char *kind,
		 const char *id, uint32_t subject_uid, json_t *before, json_t *after);

#endif
