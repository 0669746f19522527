/* Domain writes beside AlternC 1.0's domain cron (update_domains.sh): see cron_lock.c. */
#ifndef PANEL_SRC_CRON_LOCK_H
#define PANEL_SRC_CRON_LOCK_H

#include <time.h>

#include "db/db.h"
#include "panel/panel.h"

/* 1 when the cron runs now (its lock file, [alternc] cron_lock or <root>/bureau/cron.lock,
 * names a live update_domains.sh); since gets the lock file's time (may be NULL). */
int panel__cron_running(panel *p, time_t *since);

/* Waits while the cron runs, at most [alternc] cron_wait seconds (10): 0, or
 * PANEL_EUNAVAILABLE. */
int panel__cron_wait(panel *p);

/* After a committed domain write: when a cron run is under way (it may have read the rows
 * before the commit and mark them done after it), waits for its end, marks again the domains
 * changed since it began and that it marked done, then runs remark (may be NULL) for what the
 * write changed beyond dns_action. 0, or -1. */
int panel__cron_settle(panel *p, panel_db_tx_fn remark, void *ctx);

/* A domain write: panel__cron_wait, the transaction, panel__cron_settle. */
int panel__domain_write(panel *p, panel_db_tx_fn body, void *ctx, panel_db_tx_fn remark);

#endif
