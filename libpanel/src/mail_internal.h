/* Mail inside a transaction: what a domain gets when its mail becomes hosted here. */
#ifndef PANEL_SRC_MAIL_INTERNAL_H
#define PANEL_SRC_MAIL_INTERNAL_H

#include "db/db.h"

/* Makes domain a mail domain of uid: AlternC's marker row (postfix's virtual domain) and
 * postmaster@domain forwarded to the owner's address when the mail quota leaves room. */
int panel__mail_domain_enable(panel_db *db, uint32_t uid, const char *domain);

#endif
