/* Authorization, decided once for every front end: is the actor still what it claims (an
 * enabled admin, an existing member), and may it see or manage a given account. */
#ifndef PANEL_SRC_AUTHZ_H
#define PANEL_SRC_AUTHZ_H

#include "db/db.h"
#include "panel/actor.h"

/* The super admin of AlternC: sees every account, cannot be demoted or deleted. */
#define PANEL_SUPER_ADMIN_UID 2000

/* Checks the actor against the database inside the current transaction: an admin must exist
 * with su = 1 and enabled = 1; a member must exist and be enabled (PANEL_EFORBIDDEN
 * otherwise). The system is always valid. */
int panel__authz_actor(panel_db *db, const panel_actor *who);

/* Resolves login to *uid and checks that who may see it (need_admin = 0) or manage it as an
 * admin (need_admin = 1). A member sees only itself and manages nothing; an admin acting as a
 * member sees only that member. Accounts the actor may not see are PANEL_ENOTFOUND (field
 * "login"), so that their existence does not leak; visible but not manageable is
 * PANEL_EFORBIDDEN. Call inside a transaction, after panel__authz_actor. */
int panel__authz_account(uint32_t *uid, panel_db *db, const panel_actor *who, const char *login,
			 int need_admin);

/* Checks that who may see an object owned by the account uid: PANEL_ENOTFOUND ("no such <what>",
 * with field) otherwise, so that others' objects do not show. */
int panel__authz_owner(panel_db *db, const panel_actor *who, uint32_t uid, const char *field,
		       const char *what);

/* Checks that who may change the platform's global settings (domain types, default quotas,
 * TLDs, forbidden domains, unverified restores), which reach every member: the system, the
 * super admin, or any admin when subadmin_restriction lets every admin see every account, never
 * while acting as a member. PANEL_EFORBIDDEN otherwise. Call after panel__authz_actor. */
int panel__authz_global(panel_db *db, const panel_actor *who);

/* 1 when the actor acts with admin powers (an admin, also acting as a member, or the system). */
int panel__authz_is_admin(const panel_actor *who);

#endif
