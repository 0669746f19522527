/* Figures for monitoring that only the database knows (read at scrape time), and the
 * transaction runner's retries of a handle, for the daemon's counters. */
#ifndef PANEL_METRICS_H
#define PANEL_METRICS_H

#include <stdint.h>

#include "actor.h"
#include "common.h"

typedef struct panel_metrics {
	uint64_t active_tokens;	 /* login tokens neither expired nor revoked */
	uint64_t active_apikeys; /* application keys neither expired nor revoked */
} panel_metrics;

/* Fills *out with two cheap counts (each an index range of live rows). The system and the super
 * admin only (acting as itself): the figures are about every account. PANEL_EFORBIDDEN
 * otherwise. */
PANEL_EXTERN int panel_metrics_get(panel_metrics *out, panel *p, const panel_actor *who);

/* How many times the handle's last database transaction ran its body: 1 without retry, more
 * after deadlocks, lock wait timeouts or a reconnect; 0 before the first. */
PANEL_EXTERN unsigned panel_last_tx_attempts(const panel *p);

#endif
