/* Cancelling a domain's pending deletion (AlternC m_dom::del_domain_cancel): while AlternC's
 * cron has not removed the domain yet, it and its remaining entries go back to 'UPDATE'. */
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "cron_lock.h"
#include "domain_internal.h"
#include "error.h"
#include "handle.h"
#include "mail_internal.h"
#include "panel/json.h"

struct undelete_ctx {
	const panel_actor *who;
	const char *domain;
	char name[PANEL_DOMAIN_MAX + 1]; /* as stored, for the remark */
	int lost;			 /* the cron removed it over the cancellation */
	panel_domain *result;
};

/* The refusals: nothing pending, a domain an admin locked (as for its deletion), an account
 * deleted meanwhile (its domains go with it: restoring one would leave it without owner). */
static int check_pending(panel_db *db, const panel_actor *who, const panel_domain *d, uint32_t uid)
{
	uint64_t owners = 0;
	int error;

	if (strcmp(d->dns_action, "DELETE") != 0)
		return panel__error(PANEL_ECONFLICT, "domain", "no deletion of %s is pending",
				    d->domain);
	if (d->noerase && !panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, "domain",
				    "an administrator locked this domain");
	if ((error = panel__db_query_u64(&owners, db, "SELECT COUNT(*) FROM membres WHERE uid = ?",
					 DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	if (!owners)
		return panel__error(PANEL_ECONFLICT, "domain",
				    "the account of %s was deleted: its domains go with it",
				    d->domain);
	return 0;
}

/* Back to 'UPDATE': the entries the cron has not removed yet (it regenerates them), the domain,
 * and for a mail domain AlternC's marker row and postmaster (its addresses are gone). */
static int restore(panel_db *db, uint32_t uid, const panel_domain *d)
{
	uint64_t live = 0;
	int error;

	if ((error = panel__db_exec(NULL, db,
				    "UPDATE sub_domaines SET web_action = 'UPDATE' WHERE compte = ?"
				    " AND domaine = ? AND web_action = 'DELETE'",
				    DB_ARGS(DB_U64(uid), DB_STR(d->domain)))) < 0 ||
	    (error = panel__db_query_u64(&live, db,
					 "SELECT COUNT(*) FROM sub_domaines WHERE domaine = ? AND"
					 " web_action <> 'DELETE'",
					 DB_ARGS(DB_STR(d->domain)))) < 0)
		return error;
	/* Entries deleted or replaced before the domain come back too, until the cron removes
	 * them: never past the cap (a loop of replacements, deletion and undeletion grew them). */
	if (live > PANEL__ENTRIES_PER_DOMAIN)
		return panel__error(
		    PANEL_EQUOTA, "domain",
		    "the domain would come back with %llu entries, %d at most: retry"
		    " once the cron has removed the deleted ones",
		    (unsigned long long)live, PANEL__ENTRIES_PER_DOMAIN);
	if ((error = panel__db_exec(NULL, db,
				    "UPDATE domaines SET dns_action = 'UPDATE' WHERE domaine = ?",
				    DB_ARGS(DB_STR(d->domain)))) < 0 ||
	    (error = panel__domain_changed(db, d->domain)) < 0)
		return error;
	return d->mx ? panel__mail_domain_enable(db, uid, d->domain) : 0;
}

static int undelete_body(panel_db *db, void *arg)
{
	struct undelete_ctx *ctx = arg;
	panel_domain *before = NULL;
	uint32_t uid;
	int error;

	panel_domain_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, ctx->name, db, ctx->who, ctx->domain, 1)) < 0 ||
	    (error = panel__domain_load(&before, db, ctx->name)) < 0)
		return error;
	if ((error = check_pending(db, ctx->who, before, uid)) < 0 ||
	    (error = restore(db, uid, before)) < 0 ||
	    (error = panel__domain_load(&ctx->result, db, ctx->name)) < 0)
		goto out;
	error = panel__audit(db, ctx->who, "domain.undelete", "domain", ctx->name, uid,
			     panel_domain_to_json(before), panel_domain_to_json(ctx->result));
out:
	panel_domain_free(before);
	return error;
}

/* After a cron run that overlapped the transaction: it may have read the domain as deleted
 * before the commit and removed it after. Then the cancellation did not hold. */
static int undelete_remark(panel_db *db, void *arg)
{
	struct undelete_ctx *ctx = arg;
	uint64_t n = 0;
	int error = panel__db_query_u64(&n, db, "SELECT COUNT(*) FROM domaines WHERE domaine = ?",
					DB_ARGS(DB_STR(ctx->name)));

	ctx->lost = error == 0 && n == 0;
	return error;
}

int panel_domain_undelete(panel_domain **out, panel *p, const panel_actor *who, const char *domain)
{
	struct undelete_ctx ctx = {.who = who, .domain = domain};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__domain_write(p, undelete_body, &ctx, undelete_remark)) < 0) {
		panel_domain_free(ctx.result);
		return error;
	}
	if (ctx.lost) {
		panel_domain_free(ctx.result);
		return panel__error(PANEL_ECONFLICT, "domain",
				    "AlternC's cron removed %s while its deletion was being "
				    "cancelled",
				    ctx.name);
	}
	*out = ctx.result;
	return 0;
}
