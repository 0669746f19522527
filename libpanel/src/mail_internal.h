/* Mail inside a transaction: what a domain gets when its mail becomes hosted here. */
#ifndef PANEL_SRC_MAIL_INTERNAL_H
#define PANEL_SRC_MAIL_INTERNAL_H

#include "db/db.h"
#include "panel/domain.h"

/* Makes domain a mail domain of uid: AlternC's marker row (postfix's virtual domain) and
 * postmaster@domain forwarded to the owner's address when the mail quota leaves room. */
int panel__mail_domain_enable(panel_db *db, uint32_t uid, const char *domain);

/* "local@domain" checked and normalized as mail addresses are (a local part required): full
 * "local@domain", box "local_domain" (the alias key), domain. */
int panel__mail_parse(char full[256], char box[256], char domain[PANEL_DOMAIN_MAX + 1],
		      const char *address);

/* The wrappers of domain owned by uid, removed with the domain's mail (mail_wrapper.c). */
int panel__mail_wrappers_purge(panel_db *db, uint32_t uid, const char *domain);

#endif
