/* Quotas inside a transaction: the creation check that later slices use, and the quotas a new
 * account starts with. */
#ifndef PANEL_SRC_QUOTA_INTERNAL_H
#define PANEL_SRC_QUOTA_INTERNAL_H

#include "db/db.h"

/* Checks that uid may create one more object counted by quota name: locks the account's row
 * in share mode (so that the account's deletion waits for the creation, or the creation finds
 * no account: PANEL_ENOTFOUND), then its quota row (SELECT ... FOR UPDATE) so that concurrent
 * creations queue behind each other, then counts the real rows. PANEL_EQUOTA (field name) when used
 * >= total or the account has no such quota. Call inside the transaction that inserts the object,
 * before the insert. */
int panel__quota_reserve(panel_db *db, uint32_t uid, const char *name);

/* Gives uid one quota row per known name, valued from defquotas for the account type (0 when
 * the type has no default for a name). */
int panel__quota_init(panel_db *db, uint32_t uid, const char *type);

/* Queues quota_edit for the web quota of uid (its disk quota, applied by the actions runner),
 * when it is not 0: for a new account, whose quotas come from the defaults. */
int panel__quota_queue_web(panel_db *db, uint32_t uid, const char *login);

/* 1 when name is a quota libpanel knows. */
int panel__quota_known(const char *name);

#endif
