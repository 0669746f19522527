/* Authorization: checking actors against the database and deciding who may see or manage an
 * account (AlternC's su flag, creator relationship, super admin 2000, subadmin_restriction). */
#include <string.h>

#include "authz.h"
#include "credential.h"
#include "error.h"

int panel__authz_is_admin(const panel_actor *who)
{
	return who && (who->kind == PANEL_ACTOR_ADMIN || who->kind == PANEL_ACTOR_SYSTEM);
}

int panel__authz_admin_self(const panel_actor *who)
{
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator acting as itself may do this");
	return 0;
}

/* AlternC's variable subadmin_restriction: "1" lets every admin see every account. */
static int admins_see_all(int *all, panel_db *db)
{
	panel_db_rows *rows;
	int error;

	*all = 0;
	if ((error = panel__db_query(&rows, db, "SELECT value FROM variable WHERE name = ?",
				     DB_ARGS(DB_STR("subadmin_restriction")))) < 0)
		return error;
	const char *v = panel__db_cell(rows, 0, 0);
	*all = v && strcmp(v, "1") == 0;
	panel__db_rows_free(rows);
	return 0;
}

int panel__authz_global(panel_db *db, const panel_actor *who)
{
	int all = 0, error;

	if (who->kind == PANEL_ACTOR_SYSTEM)
		return 0;
	if (who->kind != PANEL_ACTOR_ADMIN || who->as_uid)
		return panel__error(
		    PANEL_EFORBIDDEN, NULL,
		    "only an administrator acting as itself changes global settings");
	if (who->uid == PANEL_SUPER_ADMIN_UID)
		return 0;
	if ((error = admins_see_all(&all, db)) < 0)
		return error;
	return all ? 0
		   : panel__error(
			 PANEL_EFORBIDDEN, NULL,
			 "global settings reach every member: only the super admin changes "
			 "them while sub-admins see their own members only "
			 "(subadmin_restriction)");
}

/* May admin_uid see the account uid (created by creator)? */
static int admin_sees(int *yes, panel_db *db, uint32_t admin_uid, uint32_t uid, uint32_t creator)
{
	*yes = admin_uid == PANEL_SUPER_ADMIN_UID || uid == admin_uid || creator == admin_uid;
	if (*yes)
		return 0;
	return admins_see_all(yes, db);
}

struct account_row {
	uint32_t uid, creator;
	int su, enabled;
};

static int load_by_uid(struct account_row *out, panel_db *db, uint32_t uid)
{
	panel_db_rows *rows;
	uint64_t v[4];
	int error;

	if ((error = panel__db_query(&rows, db,
				     "SELECT uid, COALESCE(creator, 0), su, enabled FROM membres"
				     " WHERE uid = ?",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	if (panel__db_rows_count(rows) == 0) {
		panel__db_rows_free(rows);
		return PANEL_ENOTFOUND;
	}
	for (size_t i = 0; i < 4 && error == 0; i++)
		error = panel__db_cell_u64(&v[i], rows, 0, i);
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	*out = (struct account_row){(uint32_t)v[0], (uint32_t)v[1], (int)v[2], (int)v[3]};
	return 0;
}

int panel__authz_facts_parse(panel__authz_facts *out, const panel_db_rows *rows, size_t col)
{
	const char *all = panel__db_cell(rows, 0, col + 3);
	uint64_t v = 0;

	memset(out, 0, sizeof(*out));
	if (panel__db_rows_count(rows) != 1 ||
	    panel__db_rows_columns(rows) < col + PANEL__AUTHZ_FACTS_NCOLS)
		return panel__error(PANEL_ERROR, NULL, "internal: no authorization facts");
	if (panel__db_cell(rows, 0, col)) {
		out->me_found = 1;
		out->me_enabled = panel__db_cell_u64(&v, rows, 0, col) == 0 && v != 0;
		out->me_su = panel__db_cell_u64(&v, rows, 0, col + 1) == 0 && v == 1;
	}
	if (panel__db_cell(rows, 0, col + 2) && panel__db_cell_u64(&v, rows, 0, col + 2) == 0) {
		out->as_found = 1;
		out->as_creator = (uint32_t)v;
	}
	out->admins_see_all = all && strcmp(all, "1") == 0;
	return 0;
}

/* May admin_uid see the account uid (created by creator)? */
static int admin_sees_facts(const panel__authz_facts *f, uint32_t admin_uid, uint32_t uid,
			    uint32_t creator)
{
	return admin_uid == PANEL_SUPER_ADMIN_UID || uid == admin_uid || creator == admin_uid ||
	       f->admins_see_all;
}

int panel__authz_actor_facts(const panel_actor *who, const panel__authz_facts *f)
{
	int error;

	if ((error = panel_actor_check(who)) < 0)
		return error;
	if (who->kind == PANEL_ACTOR_SYSTEM)
		return 0;
	if (!f->me_found || !f->me_enabled)
		return panel__error(PANEL_EFORBIDDEN, "actor",
				    "the acting account does not exist or is locked");
	if (who->kind == PANEL_ACTOR_MEMBER)
		return 0;
	if (!f->me_su)
		return panel__error(PANEL_EFORBIDDEN, "actor",
				    "the acting account is not an administrator");
	if (!who->as_uid)
		return 0;
	/* An administrator acting as itself would be its own manager, its limits its own to
	 * lift (panel__authz_own_limits); panel_account_act_as refuses it, and so does every
	 * call made with such an actor built by hand. */
	if (who->as_uid == who->uid)
		return panel__error(PANEL_EFORBIDDEN, "as",
				    "an administrator does not act as itself");
	if (!f->as_found || !admin_sees_facts(f, who->uid, who->as_uid, f->as_creator))
		return panel__error(PANEL_ENOTFOUND, "as", "no account to act as");
	/* Acting as the super admin's account would let a sub-admin change it (may_change). */
	if (who->as_uid == PANEL_SUPER_ADMIN_UID && who->uid != PANEL_SUPER_ADMIN_UID)
		return panel__error(PANEL_EFORBIDDEN, "as",
				    "only the super admin acts as the super admin's account");
	return 0;
}

int panel__authz_sees(const panel_actor *who, const panel__authz_facts *f, uint32_t uid,
		      uint32_t creator)
{
	switch (who->kind) {
	case PANEL_ACTOR_SYSTEM:
		return 1;
	case PANEL_ACTOR_MEMBER:
		return uid == who->uid;
	case PANEL_ACTOR_ADMIN:
		if (who->as_uid)
			return uid == who->as_uid;
		return admin_sees_facts(f, who->uid, uid, creator);
	}
	return 0;
}

/* One statement for every actor, act-as included (it used to take one to three), and the
 * check of the actor's token when it carries one (credential.h). */
int panel__authz_actor_in(panel_db *db, const panel_actor *who, int read)
{
	panel__authz_facts facts;
	panel_db_rows *rows;
	int error;

	if ((error = panel_actor_check(who)) < 0)
		return error;
	if (who->kind == PANEL_ACTOR_SYSTEM)
		return 0;
	if (who->token_hash)
		error = panel__credential_query(
		    &rows, db, read,
		    "SELECT" PANEL__AUTHZ_FACTS_COLUMNS "," PANEL__CREDENTIAL_SUBQUERIES,
		    DB_ARGS(PANEL__AUTHZ_FACTS_ARGS(who), PANEL__CREDENTIAL_SUBQUERIES_ARGS(who)));
	else if (read)
		error = panel__db_read(&rows, db, "SELECT" PANEL__AUTHZ_FACTS_COLUMNS,
				       DB_ARGS(PANEL__AUTHZ_FACTS_ARGS(who)));
	else
		error = panel__db_query(&rows, db, "SELECT" PANEL__AUTHZ_FACTS_COLUMNS,
					DB_ARGS(PANEL__AUTHZ_FACTS_ARGS(who)));
	if (error < 0)
		return error;
	error = panel__authz_facts_parse(&facts, rows, 0);
	if (error == 0 && who->token_hash)
		error = panel__credential_check(db, who, rows, PANEL__AUTHZ_FACTS_NCOLS,
						facts.me_found, facts.me_enabled, facts.me_su);
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	return panel__authz_actor_facts(who, &facts);
}

int panel__authz_actor(panel_db *db, const panel_actor *who)
{
	return panel__authz_actor_in(db, who, 0);
}

/* Whether who may see the account uid (created by creator). */
static int visible_to(int *visible, panel_db *db, const panel_actor *who, uint32_t uid,
		      uint32_t creator)
{
	*visible = 0;
	switch (who->kind) {
	case PANEL_ACTOR_SYSTEM:
		*visible = 1;
		return 0;
	case PANEL_ACTOR_MEMBER:
		*visible = uid == who->uid;
		return 0;
	case PANEL_ACTOR_ADMIN:
		if (who->as_uid) {
			*visible = uid == who->as_uid;
			return 0;
		}
		return admin_sees(visible, db, who->uid, uid, creator);
	}
	return 0;
}

/* The one account who may see, for a member or an admin acting as one; 0 for the others. */
static uint32_t only_account(const panel_actor *who)
{
	if (who->kind == PANEL_ACTOR_MEMBER)
		return who->uid;
	if (who->kind == PANEL_ACTOR_ADMIN && who->as_uid)
		return who->as_uid;
	return 0;
}

/* The super admin's account and everything in it are changed by the super admin alone (and
 * the system): with subadmin_restriction at 1 a sub-admin sees them, but its mail box's
 * password, then a password reset mailed there, or its FTP account and web space, would make
 * the sub-admin the super admin. */
static int super_admins_own(const panel_actor *who, uint32_t uid, const char *field)
{
	if (uid == PANEL_SUPER_ADMIN_UID && who->kind == PANEL_ACTOR_ADMIN &&
	    who->uid != PANEL_SUPER_ADMIN_UID)
		return panel__error(PANEL_EFORBIDDEN, field,
				    "only the super admin acts in the super admin's account");
	return 0;
}

/* The rules for a change of the account uid (su: its admin flag) beyond seeing it. */
static int may_change(const panel_actor *who, uint32_t uid, int su)
{
	int error;

	/* Whoever holds the super admin's credentials holds every right: with
	 * subadmin_restriction at 1 a sub-admin sees that account, but setting its password or
	 * its mail (then a reset) would make the sub-admin the super admin. */
	if ((error = super_admins_own(who, uid, "login")) < 0)
		return error;
	/* A key is scoped (some resources, some networks); an administrator's password, mail or
	 * rights would give whoever holds the key that administrator's unscoped login. */
	if (who->by_apikey && su)
		return panel__error(PANEL_EFORBIDDEN, "login",
				    "an application key changes no administrator's account (its "
				    "owner's included): log in to do that");
	return 0;
}

/* sql selects uid, creator and su by login (the first parameter); a second parameter, when sql
 * has one, is the only uid the actor may see. */
static int resolve_account(uint32_t *uid, panel_db *db, const panel_actor *who, const char *login,
			   int how, const char *sql, int only_param)
{
	panel_db_rows *rows;
	uint64_t u = 0, creator = 0, su = 0;
	int error, visible = 0;

	if (!login || !*login)
		return panel__error(PANEL_EINVALID, "login", "no login given");
	if (only_param)
		error = panel__db_query(&rows, db, sql,
					DB_ARGS(DB_STR(login), DB_U64(only_account(who))));
	else
		error = panel__db_query(&rows, db, sql, DB_ARGS(DB_STR(login)));
	if (error < 0)
		return error;
	if (panel__db_rows_count(rows) == 1) {
		error = panel__db_cell_u64(&u, rows, 0, 0);
		if (error == 0)
			error = panel__db_cell_u64(&creator, rows, 0, 1);
		if (error == 0)
			error = panel__db_cell_u64(&su, rows, 0, 2);
	}
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	if (u && (error = visible_to(&visible, db, who, (uint32_t)u, (uint32_t)creator)) < 0)
		return error;
	if (!visible)
		return panel__error(PANEL_ENOTFOUND, "login", "no account %s", login);
	if ((how & PANEL__AUTHZ_ADMIN) && !panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, NULL, "only an administrator may do this");
	if ((how & PANEL__AUTHZ_CHANGE) && (error = may_change(who, (uint32_t)u, su == 1)) < 0)
		return error;
	if ((how & PANEL__AUTHZ_OBJECTS) &&
	    (error = super_admins_own(who, (uint32_t)u, "login")) < 0)
		return error;
	*uid = (uint32_t)u;
	return 0;
}

int panel__authz_account(uint32_t *uid, panel_db *db, const panel_actor *who, const char *login,
			 int how)
{
	return resolve_account(uid, db, who, login, how,
			       "SELECT uid, COALESCE(creator, 0), su FROM membres WHERE login = ?",
			       0);
}

/* The row is locked by the statement that finds it: one round trip less for every change of an
 * account (issue 16), and no moment between the lookup and the lock. A member (or an admin
 * acting as one) locks only its own row: another account's lookup finds nothing, so a member
 * can neither hold others' rows nor learn, by waiting on a lock, that a login exists. An
 * admin refused further on (a sub-admin, AlternC's subadmin_restriction) holds the row until
 * its transaction rolls back, at once. Under READ COMMITTED an unknown login locks nothing. */
int panel__authz_account_locked(uint32_t *uid, panel_db *db, const panel_actor *who,
				const char *login, int how)
{
	how |= PANEL__AUTHZ_CHANGE;
	if (only_account(who))
		return resolve_account(uid, db, who, login, how,
				       "SELECT uid, COALESCE(creator, 0), su FROM membres"
				       " WHERE login = ? AND uid = ? FOR UPDATE",
				       1);
	return resolve_account(
	    uid, db, who, login, how,
	    "SELECT uid, COALESCE(creator, 0), su FROM membres WHERE login = ? FOR UPDATE", 0);
}

int panel__authz_own_limits(const panel_actor *who, uint32_t uid)
{
	if (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid && uid == who->uid &&
	    who->uid != PANEL_SUPER_ADMIN_UID)
		return panel__error(PANEL_EFORBIDDEN, "login",
				    "an administrator other than the super admin has a member's "
				    "rights over its own account: its quotas, expiry, type and "
				    "lock are changed by the administrator who manages it");
	return 0;
}

int panel__authz_owner(panel_db *db, const panel_actor *who, uint32_t uid, const char *field,
		       const char *what)
{
	struct account_row owner = {0};
	int error, visible = 0;

	error = load_by_uid(&owner, db, uid);
	if (error < 0 && error != PANEL_ENOTFOUND)
		return error;
	/* Objects of a deleted account (pending the cron side) are the system's and admins'. */
	if (error == PANEL_ENOTFOUND)
		visible = who->kind == PANEL_ACTOR_SYSTEM ||
			  (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid &&
			   who->uid == PANEL_SUPER_ADMIN_UID);
	else if ((error = visible_to(&visible, db, who, uid, owner.creator)) < 0)
		return error;
	if (!visible)
		return panel__error(PANEL_ENOTFOUND, field, "no such %s", what);
	return super_admins_own(who, uid, field);
}
