/* Domain types (AlternC domaines_type): listing them, and their administration (entry
 * template, compatibility, who may use them). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_internal.h"
#include "authz.h"
#include "domain_validate.h"
#include "cron_lock.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/domain.h"
#include "panel/json.h"
#include "validate.h"

#define TYPE_SELECT                                                                                \
	"SELECT LOWER(name), COALESCE(description, ''), target, COALESCE(entry, ''),"              \
	" COALESCE(compatibility, ''), enable, COALESCE(only_dns, 0), COALESCE(need_dns, 1),"      \
	" COALESCE(advanced, 1) FROM domaines_type"

static void parse_type(panel_domain_type *t, const panel_db_rows *rows, size_t i)
{
	uint64_t v = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", panel__db_cell(rows, i, 0));
	snprintf(t->description, sizeof(t->description), "%s", panel__db_cell(rows, i, 1));
	snprintf(t->target, sizeof(t->target), "%s", panel__db_cell(rows, i, 2));
	snprintf(t->entry, sizeof(t->entry), "%s", panel__db_cell(rows, i, 3));
	snprintf(t->compatibility, sizeof(t->compatibility), "%s", panel__db_cell(rows, i, 4));
	snprintf(t->enable, sizeof(t->enable), "%s", panel__db_cell(rows, i, 5));
	t->only_dns = panel__db_cell_u64(&v, rows, i, 6) == 0 && v != 0;
	t->need_dns = panel__db_cell_u64(&v, rows, i, 7) == 0 && v != 0;
	t->advanced = panel__db_cell_u64(&v, rows, i, 8) == 0 && v != 0;
}

struct list_ctx {
	const panel_actor *who;
	const char *only; /* one type, or NULL */
	panel_domain_type *items;
	size_t count;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_db_rows *rows;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	error = ctx->only
		    ? panel__db_query(&rows, db, TYPE_SELECT " WHERE name = ?",
				      DB_ARGS(DB_STR(ctx->only)))
		    : panel__db_query(&rows, db, TYPE_SELECT " ORDER BY advanced, name", DB_NOARGS);
	if (error < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	ctx->items = n ? calloc(n, sizeof(*ctx->items)) : NULL;
	if (n && !ctx->items) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++)
		parse_type(&ctx->items[i], rows, i);
	ctx->count = n;
	panel__db_rows_free(rows);
	return 0;
}

int panel_domain_type_list_get(panel_domain_type_list **out, panel *p, const panel_actor *who)
{
	struct list_ctx ctx = {who, NULL, NULL, 0};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

void panel_domain_type_list_free(panel_domain_type_list *list)
{
	PANEL__LIST_FREE(list);
}

/* Every name of a compatibility list must be a known type. */
static int check_compatibility(panel_db *db, const char *list)
{
	char name[64];
	int error;

	if (strlen(list) > 255 || !panel__printable_list(list))
		return panel__error(PANEL_EINVALID, "compatibility",
				    "a comma-separated list of type names");
	for (const char *s = list; *s;) {
		while (*s == ',' || *s == ' ')
			s++;
		size_t len = strcspn(s, ", ");
		if (!len)
			break;
		if (len >= sizeof(name))
			return panel__error(PANEL_EINVALID, "compatibility", "unknown type");
		memcpy(name, s, len);
		name[len] = '\0';
		uint64_t n = 0;
		if ((error = panel__db_query_u64(
			 &n, db, "SELECT COUNT(*) FROM domaines_type WHERE name = ?",
			 DB_ARGS(DB_STR(name)))) < 0)
			return error;
		if (!n)
			return panel__error(PANEL_EINVALID, "compatibility", "unknown type %s",
					    name);
		s += len;
	}
	return 0;
}

/* The zones of every domain with an entry of the type: marked for the DNS cron, their serial
 * bumped and their change time set, so that panel__cron_settle marks them again after a cron
 * run that overlapped. 1.0's domains_type_regenerate marked every domain of the host (its
 * UPDATE joined domaines and sub_domaines without a condition); only these change. */
static int mark_type_domains(uint64_t *domains, panel_db *db, const char *type)
{
	int error;

	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO panel_dns_serials (domaine, serial) SELECT DISTINCT d.domaine,"
		 " CAST(DATE_FORMAT(NOW(), '%Y%m%d00') AS UNSIGNED) FROM domaines d JOIN"
		 " sub_domaines s ON s.domaine = d.domaine WHERE s.type = ? AND d.dns_action <>"
		 " 'DELETE' ON DUPLICATE KEY UPDATE serial = GREATEST(panel_dns_serials.serial + 1,"
		 " VALUES(serial)), changed_at = NOW()",
		 DB_ARGS(DB_STR(type)))) < 0)
		return error;
	return panel__db_exec(
	    domains, db,
	    "UPDATE domaines SET dns_action = 'UPDATE' WHERE dns_action = 'OK' AND"
	    " domaine IN (SELECT domaine FROM sub_domaines WHERE type = ?)",
	    DB_ARGS(DB_STR(type)));
}

struct update_ctx {
	const panel_actor *who;
	const char *name, *description, *entry, *compatibility, *enable;
	int only_dns, need_dns, advanced;
	panel_domain_type result;
};

static int update_body(panel_db *db, void *arg)
{
	struct update_ctx *ctx = arg;
	struct list_ctx before = {ctx->who, ctx->name, NULL, 0};
	int error;

	/* A type's template reaches every domain of that type, whoever owns it. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0 || (error = list_body(db, &before)) < 0)
		return error;
	if (before.count != 1) {
		free(before.items);
		return panel__error(PANEL_ENOTFOUND, "name", "no such domain type");
	}
	if ((ctx->compatibility && (error = check_compatibility(db, ctx->compatibility)) < 0) ||
	    (error = panel__db_exec(
		 NULL, db,
		 "UPDATE domaines_type SET description = COALESCE(?, description),"
		 " entry = COALESCE(?, entry), compatibility = COALESCE(?, compatibility),"
		 " enable = COALESCE(?, enable), only_dns = COALESCE(?, only_dns),"
		 " need_dns = COALESCE(?, need_dns), advanced = COALESCE(?, advanced)"
		 " WHERE name = ?",
		 DB_ARGS(DB_STR(ctx->description), DB_STR(ctx->entry), DB_STR(ctx->compatibility),
			 DB_STR(ctx->enable), ctx->only_dns >= 0 ? DB_I64(ctx->only_dns) : DB_NULL,
			 ctx->need_dns >= 0 ? DB_I64(ctx->need_dns) : DB_NULL,
			 ctx->advanced >= 0 ? DB_I64(ctx->advanced) : DB_NULL,
			 DB_STR(ctx->name)))) < 0) {
		free(before.items);
		return error;
	}
	/* A new template changes the zones of every domain that uses the type. */
	if (ctx->entry && (error = mark_type_domains(NULL, db, ctx->name)) < 0) {
		free(before.items);
		return error;
	}
	struct list_ctx after = {ctx->who, ctx->name, NULL, 0};
	if ((error = list_body(db, &after)) == 0 && after.count == 1) {
		ctx->result = after.items[0];
		error = panel__audit(db, ctx->who, "domain_type.update", "domain_type", ctx->name,
				     0, panel_domain_type_to_json(&before.items[0]),
				     panel_domain_type_to_json(&ctx->result));
	}
	free(before.items);
	free(after.items);
	return error;
}

int panel_domain_type_update(panel_domain_type *out, panel *p, const panel_actor *who,
			     const char *name, const char *description, const char *entry,
			     const char *compatibility, const char *enable, int only_dns,
			     int need_dns, int advanced)
{
	struct update_ctx ctx = {.who = who,
				 .name = name,
				 .description = description,
				 .entry = entry,
				 .compatibility = compatibility,
				 .enable = enable,
				 .only_dns = only_dns,
				 .need_dns = need_dns,
				 .advanced = advanced};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator changes domain types");
	if (!name || !*name || strlen(name) > 30)
		return panel__error(PANEL_EINVALID, "name", "no such domain type");
	if (description && (strlen(description) > 255 || !panel__utf8_text(description, 0)))
		return panel__error(PANEL_EINVALID, "description", "one line of UTF-8 text");
	if (entry && (error = panel__entry_template_check(entry)) < 0)
		return error;
	if (enable && strcmp(enable, "ALL") != 0 && strcmp(enable, "ADMIN") != 0 &&
	    strcmp(enable, "NONE") != 0)
		return panel__error(PANEL_EINVALID, "enable", "enable is ALL, ADMIN or NONE");
	if (only_dns < -1 || only_dns > 1 || need_dns < -1 || need_dns > 1 || advanced < -1 ||
	    advanced > 1)
		return panel__error(PANEL_EINVALID, "only_dns", "flags are 0 or 1");
	if ((error = panel__domain_write(p, update_body, &ctx, NULL)) < 0)
		return error;
	if (out)
		*out = ctx.result;
	return 0;
}

/* ------------------------------------------------------------------------------ regenerate */

struct regen_ctx {
	const panel_actor *who;
	const char *name;
	uint64_t domains, entries;
};

/* The entries of the type, live ones only: 1.0 also turned entries waiting for deletion back
 * into updates, which brought deleted sites back. */
static int mark_type_entries(uint64_t *entries, panel_db *db, const char *type)
{
	return panel__db_exec(entries, db,
			      "UPDATE sub_domaines SET web_action = 'UPDATE' WHERE type = ? AND"
			      " web_action = 'OK'",
			      DB_ARGS(DB_STR(type)));
}

static int regenerate_body(panel_db *db, void *arg)
{
	struct regen_ctx *ctx = arg;
	struct list_ctx found = {ctx->who, ctx->name, NULL, 0};
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0 || (error = list_body(db, &found)) < 0)
		return error;
	free(found.items);
	if (found.count != 1)
		return panel__error(PANEL_ENOTFOUND, "name", "no such domain type");
	if ((error = mark_type_entries(&ctx->entries, db, ctx->name)) < 0 ||
	    (error = mark_type_domains(&ctx->domains, db, ctx->name)) < 0)
		return error;
	return panel__audit(db, ctx->who, "domain_type.regenerate", "domain_type", ctx->name, 0,
			    NULL,
			    json_pack("{s:I, s:I}", "entries", (json_int_t)ctx->entries, "domains",
				      (json_int_t)ctx->domains));
}

/* After a cron run that overlapped: its entries marked done again become updates. */
static int regenerate_remark(panel_db *db, void *arg)
{
	struct regen_ctx *ctx = arg;

	return mark_type_entries(NULL, db, ctx->name);
}

int panel_domain_type_regenerate(unsigned *domains, unsigned *entries, panel *p,
				 const panel_actor *who, const char *name)
{
	struct regen_ctx ctx = {.who = who, .name = name};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator regenerates domain types");
	if (!name || !*name || strlen(name) > 30)
		return panel__error(PANEL_EINVALID, "name", "no such domain type");
	if ((error = panel__domain_write(p, regenerate_body, &ctx, regenerate_remark)) < 0)
		return error;
	if (domains)
		*domains = (unsigned)ctx.domains;
	if (entries)
		*entries = (unsigned)ctx.entries;
	return 0;
}
