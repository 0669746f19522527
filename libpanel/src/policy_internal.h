/* Checking a password against a policy inside a transaction. */
#ifndef PANEL_SRC_POLICY_INTERNAL_H
#define PANEL_SRC_POLICY_INTERNAL_H

#include "db/db.h"

/* 0, or PANEL_EINVALID (field "password") naming the rule of policy name (mem, pop, ftp, mysql,
 * hta) that password breaks for login. */
int panel__policy_check(panel *p, panel_db *db, const char *name, const char *login,
			const char *password);

#endif
