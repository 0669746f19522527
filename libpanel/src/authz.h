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
/* The same outside a transaction when read is 1 (one statement under autocommit). */
int panel__authz_actor_in(panel_db *db, const panel_actor *who, int read);

/* What the rules of panel__authz_actor and the visibility of accounts need to know, read by
 * the caller's own statement: a read that one statement answers then needs no transaction and
 * one round trip (GET of one account). Append PANEL__AUTHZ_FACTS_COLUMNS to a SELECT that
 * returns exactly one row, bind PANEL__AUTHZ_FACTS_ARGS(who) at its place, and give the index
 * of its first column to panel__authz_facts_parse. A single statement reads one snapshot, so
 * the facts and the rows read with them agree. */
typedef struct panel__authz_facts {
	int me_found, me_enabled, me_su; /* the acting account */
	int as_found;			 /* ADMIN acting as a member: that member exists */
	uint32_t as_creator;
	int admins_see_all; /* AlternC's subadmin_restriction is "1" */
} panel__authz_facts;

#define PANEL__AUTHZ_FACTS_COLUMNS                                                                 \
	" (SELECT enabled FROM membres WHERE uid = ?), (SELECT su FROM membres WHERE uid = ?),"    \
	" (SELECT COALESCE(creator, 0) FROM membres WHERE uid = ?),"                               \
	" (SELECT value FROM variable WHERE name = 'subadmin_restriction')"
#define PANEL__AUTHZ_FACTS_NCOLS     4
#define PANEL__AUTHZ_FACTS_ARGS(who) DB_U64((who)->uid), DB_U64((who)->uid), DB_U64((who)->as_uid)

/* The same facts joined to a query's row (cheaper than four subqueries for the server): put
 * PANEL__AUTHZ_FACTS_JOINED_COLUMNS in the select list and PANEL__AUTHZ_FACTS_JOINS after the
 * query's own joins, and bind PANEL__AUTHZ_FACTS_JOINS_ARGS(who) there. When the query finds
 * no row, the facts must be read on their own (PANEL__AUTHZ_FACTS_COLUMNS). */
#define PANEL__AUTHZ_FACTS_JOINED_COLUMNS                                                          \
	" authz_me.enabled, authz_me.su,"                                                          \
	" IF(authz_as.uid IS NULL, NULL, COALESCE(authz_as.creator, 0)), authz_var.value"
#define PANEL__AUTHZ_FACTS_JOINS                                                                   \
	" LEFT JOIN membres authz_me ON authz_me.uid = ?"                                          \
	" LEFT JOIN membres authz_as ON authz_as.uid = ?"                                          \
	" LEFT JOIN variable authz_var ON authz_var.name = 'subadmin_restriction'"
#define PANEL__AUTHZ_FACTS_JOINS_ARGS(who) DB_U64((who)->uid), DB_U64((who)->as_uid)

int panel__authz_facts_parse(panel__authz_facts *out, const panel_db_rows *rows, size_t col);

/* panel__authz_actor's decision on facts already read (no database access). */
int panel__authz_actor_facts(const panel_actor *who, const panel__authz_facts *facts);

/* 1 when who may see the account uid (created by creator), decided on facts (no database). */
int panel__authz_sees(const panel_actor *who, const panel__authz_facts *facts, uint32_t uid,
		      uint32_t creator);

/* What panel__authz_account's lookup is for (how; 0: seeing the account). */
#define PANEL__AUTHZ_ADMIN  1 /* an administrator's management of it */
#define PANEL__AUTHZ_CHANGE 2 /* a change of the account itself (its row, password, quotas) */
#define PANEL__AUTHZ_OBJECTS                                                                       \
	4 /* its objects (domains, boxes, databases, FTP, files): made, listed, changed */

/* Resolves login to *uid and checks that who may see it, manage it as an admin (how has
 * PANEL__AUTHZ_ADMIN) or change it (PANEL__AUTHZ_CHANGE). A member sees only itself and manages
 * nothing; an admin acting as a member sees only that member. Nobody but the super admin
 * itself (and the system) changes the super admin's account, and an actor that authenticated
 * with an application key changes no administrator's account. Accounts the actor may not see
 * are PANEL_ENOTFOUND (field "login"), so that their existence does not leak; visible but not
 * manageable is PANEL_EFORBIDDEN. Call inside a transaction, after panel__authz_actor. */
int panel__authz_account(uint32_t *uid, panel_db *db, const panel_actor *who, const char *login,
			 int how);
/* The same for a change (PANEL__AUTHZ_CHANGE is implied), the account's row locked (FOR
 * UPDATE) by the lookup itself: concurrent changes of an account queue behind each other. */
int panel__authz_account_locked(uint32_t *uid, panel_db *db, const panel_actor *who,
				const char *login, int how);

/* PANEL_EFORBIDDEN when who is an administrator other than the super admin acting on its own
 * account uid with an administrator's power (quotas, expiry, type, lock, admin-only fields):
 * the limits set on an admin are not its own to lift. 0 otherwise. */
int panel__authz_own_limits(const panel_actor *who, uint32_t uid);

/* Checks that who may see an object owned by the account uid: PANEL_ENOTFOUND ("no such <what>",
 * with field) otherwise, so that others' objects do not show. The super admin's objects are
 * the super admin's alone (PANEL_EFORBIDDEN for another admin, even one that sees its
 * account under subadmin_restriction): a box's password, then a password reset mailed to it,
 * made a sub-admin the super admin. */
int panel__authz_owner(panel_db *db, const panel_actor *who, uint32_t uid, const char *field,
		       const char *what);

/* Checks that who may change the platform's global settings (domain types, default quotas,
 * TLDs, forbidden domains, password policies, unverified restores), which reach every member:
 * the system, the super admin, or any admin when subadmin_restriction lets every admin see
 * every account, never while acting as a member. PANEL_EFORBIDDEN otherwise. Call after
 * panel__authz_actor. */
int panel__authz_global(panel_db *db, const panel_actor *who);

/* 1 when the actor acts with admin powers (an admin, also acting as a member, or the system). */
int panel__authz_is_admin(const panel_actor *who);

/* 0 for the system or an admin acting as itself, else PANEL_EFORBIDDEN: the check that needs no
 * database before reading admin-only tables (slave servers). Call after panel__enter. */
int panel__authz_admin_self(const panel_actor *who);

#endif
