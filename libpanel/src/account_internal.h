/* Accounts inside a transaction: loading them, and the queue of external effects, shared by the
 * account files and by the modules whose objects an account owns. */
#ifndef PANEL_SRC_ACCOUNT_INTERNAL_H
#define PANEL_SRC_ACCOUNT_INTERNAL_H

#include <jansson.h>

#include "db/db.h"
#include "panel/account.h"

/* "SELECT <every account column> FROM membres m LEFT JOIN local l ... LEFT JOIN membres c ...":
 * append a WHERE clause. */
extern const char panel__account_select[];

/* The account uid (PANEL_ENOTFOUND when absent). */
int panel__account_load(panel_account **out, panel_db *db, uint32_t uid);

/* out = datetime ("YYYY-MM-DD HH:MM:SS") + months, as DATE_ADD(datetime, INTERVAL months
 * MONTH) gives it: 0, or -1 ("" in out) when datetime is not one or the year passes 9999. */
int panel__account_add_months(char out[20], const char *datetime, unsigned months);

/* Parses count rows of a panel__account_select query into a new array. */
int panel__account_rows(panel_account **items, const panel_db_rows *rows, size_t count);

/* Queues an external effect for the cron side (panel_actions): action, the account, and args (a
 * JSON object, reference stolen, or NULL). */
int panel__action(panel_db *db, const char *action, uint32_t uid, const char *login, json_t *args);

/* The default FTP account and the <login>.<parent> domain a creation asked for (spec version
 * 3), inside its transaction; ftp_hash from panel__ftp_hash(spec->password) when spec->ftp. */
int panel__account_create_extras(panel_db *db, panel *p, const panel_actor *who, const char *login,
				 const panel_account_spec *spec, const char *ftp_hash);
/* After an account was created: mails the notice of AlternC's new_email setting, if any
 * (account_notice.c). Never fails the caller: the last error is left as it was, and a mail that
 * could not be sent is recorded in the audit trail (account.notice_failed). */
void panel__account_notice(panel *p, uint32_t uid, const char *login);
/* The notice held back while a request's transaction was open: sent (commit = 1) or dropped. */
void panel__account_notice_settle(panel *p, int commit);

#endif
