/* Rows kept for a number of days, removed by the runner's passes (retention.c). */
#ifndef PANEL_SRC_RETENTION_H
#define PANEL_SRC_RETENTION_H

#include <stdint.h>

#include "db/db.h"

enum panel__kept {
	PANEL__KEPT_AUDIT,   /* panel_audit, by its date */
	PANEL__KEPT_ACTIONS, /* panel_actions done (not failed), by the time they were finished */
};

#define PANEL__PURGE_BATCH 1000	  /* rows a statement */
#define PANEL__PURGE_MAX   100000 /* rows a call at most */

/* Removes the rows of what older than days (0: none); *removed (may be NULL) counts them. */
int panel__purge_kept(panel_db *db, enum panel__kept what, unsigned long days, uint64_t *removed);

#endif
