/* Sub-domains (AlternC sub_domaines): the DNS and web entries of a domain, checked against the
 * type's target kind, its compatibility list and who may use it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_internal.h"
#include "authz.h"
#include "domain_internal.h"
#include "domain_validate.h"
#include "cron_lock.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/json.h"

/* The type is written in upper case, as AlternC 1.0 writes it (its pages compare "VHOST"...
 * exactly); reads compare it case-insensitively. */
/* PANEL_EQUOTA when the domain holds PANEL__ENTRIES_PER_DOMAIN live entries besides the one
 * being set (setting it again, or replacing its value, still passes). */
static int check_entries_cap(panel_db *db, const char *name, const char *sub, const char *type,
			     const char *target)
{
	uint64_t n = 0;
	int error = panel__db_query_u64(
	    &n, db,
	    "SELECT COUNT(*) FROM sub_domaines WHERE domaine = ? AND web_action <> 'DELETE' AND"
	    " NOT (sub = ? AND LOWER(type) = ? AND valeur = ?)",
	    DB_ARGS(DB_STR(name), DB_STR(sub), DB_STR(type), DB_STR(target)));

	if (error < 0 || n < PANEL__ENTRIES_PER_DOMAIN)
		return error;
	return panel__error(PANEL_EQUOTA, "sub", "%d entries a domain at most",
			    PANEL__ENTRIES_PER_DOMAIN);
}

int panel__subdomain_insert(panel_db *db, uint32_t uid, const char *domain, const char *sub,
			    const char *type, const char *target)
{
	return panel__db_exec(
	    NULL, db,
	    "INSERT INTO sub_domaines (compte, domaine, sub, valeur, type,"
	    " web_action, enable) VALUES (?, ?, ?, ?, UPPER(?), 'UPDATE', 'ENABLED')"
	    " ON DUPLICATE KEY UPDATE web_action = 'UPDATE'",
	    DB_ARGS(DB_U64(uid), DB_STR(domain), DB_STR(sub), DB_STR(target), DB_STR(type)));
}

struct type_row {
	char name[31];
	enum panel__target_kind kind;
	char entry[256];
	char compatibility[256];
	char enable[6];
	int need_dns;
};

static int load_type(struct type_row *t, panel_db *db, const char *type)
{
	panel_db_rows *rows;
	uint64_t v = 0;
	int error;

	if (!type || !*type || strlen(type) > 30)
		return panel__error(PANEL_EINVALID, "type", "unknown entry type");
	if ((error = panel__db_query(&rows, db,
				     "SELECT LOWER(name), target, COALESCE(entry, ''),"
				     " COALESCE(compatibility, ''), enable, COALESCE(need_dns, 1)"
				     " FROM domaines_type WHERE name = ?",
				     DB_ARGS(DB_STR(type)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_EINVALID, "type", "unknown entry type %s", type);
	}
	snprintf(t->name, sizeof(t->name), "%s", panel__db_cell(rows, 0, 0));
	t->kind = panel__target_kind(panel__db_cell(rows, 0, 1));
	snprintf(t->entry, sizeof(t->entry), "%s", panel__db_cell(rows, 0, 2));
	snprintf(t->compatibility, sizeof(t->compatibility), "%s", panel__db_cell(rows, 0, 3));
	snprintf(t->enable, sizeof(t->enable), "%s", panel__db_cell(rows, 0, 4));
	panel__db_cell_u64(&v, rows, 0, 5);
	t->need_dns = v != 0;
	panel__db_rows_free(rows);
	return 0;
}

/* Is name in the comma-separated list? (case-insensitive, spaces ignored) */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = list; *s;) {
		while (*s == ',' || *s == ' ')
			s++;
		size_t len = strcspn(s, ", ");
		if (len == n && strncasecmp(s, name, n) == 0)
			return 1;
		s += len;
	}
	return 0;
}

static int renders_cname(const char *entry)
{
	return strstr(entry, " CNAME ") != NULL;
}

/* Who may use a type: ALL everyone; ADMIN admins (also acting as a member); NONE admins only,
 * since AlternC hides it from the members. */
static int check_type_allowed(const struct type_row *t, const panel_actor *who)
{
	if (strcasecmp(t->enable, "ALL") != 0 && !panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, "type",
				    "the type %s is reserved to administrators", t->name);
	return 0;
}

struct set_ctx {
	panel *p;
	const panel_actor *who;
	const char *domain, *sub, *type, *target;
	panel_subdomain result;
};

/* Checks the new entry against the entries already on (domain, sub) and marks for deletion the
 * one it replaces. */
static int make_room(panel_db *db, uint32_t uid, const char *name, const char *sub,
		     const struct type_row *t, const char *target)
{
	panel_db_rows *rows;
	int error, self_compatible = listed(t->compatibility, t->name);

	if ((error =
		 panel__db_query(&rows, db,
				 "SELECT LOWER(s.type), COALESCE(dt.entry, '') FROM"
				 " sub_domaines s LEFT JOIN domaines_type dt ON dt.name = s.type"
				 " WHERE s.compte = ? AND s.domaine = ? AND s.sub = ? AND"
				 " s.web_action <> 'DELETE'",
				 DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(sub)))) < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows) && error == 0; i++) {
		const char *other = panel__db_cell(rows, i, 0);
		const char *entry = panel__db_cell(rows, i, 1);
		/* The same type: a further value of a multi-value type, or replaced below. */
		if (strcmp(other, t->name) == 0)
			continue;
		/* A CNAME owns its name alone: anything beside it makes the zone invalid. */
		if (renders_cname(t->entry) || renders_cname(entry))
			error = panel__error(PANEL_ECONFLICT, "type",
					     "a CNAME cannot share its name with the %s entry",
					     strcmp(other, t->name) ? other : t->name);
		else if (!listed(t->compatibility, other))
			error = panel__error(PANEL_ECONFLICT, "type",
					     "a %s entry cannot share its name with the %s entry",
					     t->name, other);
	}
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	if (self_compatible) {
		/* A further value; but the same host stored without its final dot (as AlternC
		 * 1.0 wrote it: relative in the zone) is this value's old form, replaced. */
		size_t n = strlen(target);
		char bare[256];
		if (t->kind != PANEL_TARGET_DOMAIN || n < 2 || n > sizeof(bare) ||
		    target[n - 1] != '.')
			return 0;
		memcpy(bare, target, n - 1);
		bare[n - 1] = '\0';
		return panel__db_exec(
		    NULL, db,
		    "UPDATE sub_domaines SET web_action = 'DELETE' WHERE compte ="
		    " ? AND domaine = ? AND sub = ? AND LOWER(type) = ? AND"
		    " valeur = ?",
		    DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(sub), DB_STR(t->name), DB_STR(bare)));
	}
	/* One entry of this type per name: the old value goes. */
	return panel__db_exec(
	    NULL, db,
	    "UPDATE sub_domaines SET web_action = 'DELETE' WHERE compte = ? AND"
	    " domaine = ? AND sub = ? AND LOWER(type) = ? AND valeur <> ?",
	    DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(sub), DB_STR(t->name), DB_STR(target)));
}

/* An entry may not publish a name that another account hosts: its FQDN must not be, or be
 * under, another account's domain (B hosts shop.example.org: A, who hosts example.org, may not
 * set shop or www.shop), and a wildcard must not cover one (A may not set * while B hosts
 * shop.example.org). The other order is domain.c's check_available. */
int panel__subdomain_foreign(char *fqdn, size_t size, uint64_t *taken, panel_db *db, uint32_t uid,
			     const char *name, const char *sub)
{
	int wildcard = strcmp(sub, "*") == 0 || strncmp(sub, "*.", 2) == 0;
	const char *base = wildcard ? (sub[1] ? sub + 2 : "") : sub;

	*taken = 0;
	snprintf(fqdn, size, "%s%s%s", base, *base ? "." : "", name);
	return panel__db_query_u64(
	    taken, db,
	    "SELECT COUNT(*) FROM domaines WHERE compte <> ? AND (domaine = ? OR"
	    " RIGHT(?, CHAR_LENGTH(domaine) + 1) = CONCAT('.', domaine) OR"
	    " (? AND RIGHT(domaine, CHAR_LENGTH(?) + 1) = CONCAT('.', ?)))",
	    DB_ARGS(DB_U64(uid), DB_STR(fqdn), DB_STR(fqdn), DB_I64(wildcard), DB_STR(fqdn),
		    DB_STR(fqdn)));
}

static int check_foreign_names(panel_db *db, uint32_t uid, const char *name, const char *sub)
{
	char fqdn[PANEL_DOMAIN_MAX + 110];
	uint64_t n = 0;
	int error, wildcard = sub[0] == '*';

	if ((error = panel__subdomain_foreign(fqdn, sizeof(fqdn), &n, db, uid, name, sub)) < 0)
		return error;
	if (n)
		return panel__error(PANEL_ECONFLICT, "sub", "%s%s is hosted by another account",
				    wildcard ? "a name under " : "", fqdn);
	return 0;
}

static void fill_result(panel_subdomain *r, const char *name, const char *sub, const char *type,
			const char *target)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->domain, sizeof(r->domain), "%s", name);
	snprintf(r->sub, sizeof(r->sub), "%s", sub);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->target, sizeof(r->target), "%s", target);
	snprintf(r->enable, sizeof(r->enable), "ENABLED");
	snprintf(r->web_action, sizeof(r->web_action), "UPDATE");
}

static int set_body(panel_db *db, void *arg)
{
	struct set_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1], sub[101], target[256];
	struct type_row t;
	panel_domain *d = NULL;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 1)) < 0 ||
	    (error = panel__sub_normalize(sub, sizeof(sub), ctx->sub)) < 0 ||
	    (error = load_type(&t, db, ctx->type)) < 0 ||
	    (error = check_type_allowed(&t, ctx->who)) < 0 ||
	    (error = panel__target_check(target, sizeof(target), t.kind, ctx->target)) < 0 ||
	    (error = panel__domain_load(&d, db, name)) < 0)
		return error;
	if (strcmp(d->dns_action, "DELETE") == 0)
		error = panel__error(PANEL_ECONFLICT, "domain", "the domain is being deleted");
	else if (t.need_dns && !d->dns)
		error =
		    panel__error(PANEL_EINVALID, "type",
				 "the %s entry needs the host to manage the domain's DNS", t.name);
	else if (renders_cname(t.entry) && !*sub)
		error = panel__error(PANEL_EINVALID, "sub",
				     "a CNAME cannot be set on the domain itself");
	/* DNS accepts '_' in names of TXT and CNAME records only (_dmarc, _domainkey...). */
	else if (strchr(sub, '_') && !strstr(t.entry, " TXT ") && !renders_cname(t.entry))
		error = panel__error(PANEL_EINVALID, "sub",
				     "'_' is allowed in the names of TXT and CNAME entries only");
	panel_domain_free(d);
	if (error < 0)
		return error;
	if ((error = check_foreign_names(db, uid, name, sub)) < 0 ||
	    (error = make_room(db, uid, name, sub, &t, target)) < 0 ||
	    (error = check_entries_cap(db, name, sub, t.name, target)) < 0 ||
	    (error = panel__subdomain_insert(db, uid, name, sub, t.name, target)) < 0 ||
	    (error = panel__domain_changed(db, name)) < 0)
		return error;
	fill_result(&ctx->result, name, sub, t.name, target);
	char id[512];
	snprintf(id, sizeof(id), "%s/%s/%s", name, *sub ? sub : "@", t.name);
	return panel__audit(db, ctx->who, "subdomain.set", "subdomain", id, uid, NULL,
			    panel_subdomain_to_json(&ctx->result));
}

int panel_subdomain_set(panel_subdomain *out, panel *p, const panel_actor *who, const char *domain,
			const char *sub, const char *type, const char *target)
{
	struct set_ctx ctx = {
	    .p = p, .who = who, .domain = domain, .sub = sub, .type = type, .target = target};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__domain_write(p, set_body, &ctx, NULL)) < 0)
		return error;
	if (out)
		*out = ctx.result;
	return 0;
}

struct change_ctx {
	const panel_actor *who;
	const char *domain, *sub, *type;
	const char *value; /* NULL: every value of the type on that name */
	int op;		   /* 0 delete, 1 enable, 2 disable */
	/* What the body changed, in the stored form, for change_remark. */
	uint32_t uid;
	char name[PANEL_DOMAIN_MAX + 1], sub_stored[101], type_name[64], value_stored[256];
	/* The same value as rows stored before host names kept their final dot (and 1.0's own
	 * rows) may hold it: without the dot. Else value_stored again. */
	char value_legacy[256];
	int all_values;
};

/* After AlternC's cron marked the entries done over this change (it read them before): the
 * change again. Its "done" states are ENABLED/DISABLED and web_action 'OK'. */
static int change_remark(panel_db *db, void *arg)
{
	struct change_ctx *ctx = arg;
	static const char *const set[] = {"web_action = 'DELETE'", "enable = 'ENABLE'",
					  "enable = 'DISABLE'"};
	static const char *const overwritten[] = {"web_action = 'OK'", "enable = 'DISABLED'",
						  "enable = 'ENABLED'"};
	char sql[512];
	const char *only = ctx->all_values ? NULL : ctx->value_stored;

	snprintf(sql, sizeof(sql),
		 "UPDATE sub_domaines SET %s WHERE compte = ? AND domaine = ? AND sub = ? AND"
		 " LOWER(type) = ? AND (? IS NULL OR valeur IN (?, ?)) AND %s",
		 set[ctx->op], overwritten[ctx->op]);
	return panel__db_exec(NULL, db, sql,
			      DB_ARGS(DB_U64(ctx->uid), DB_STR(ctx->name), DB_STR(ctx->sub_stored),
				      DB_STR(ctx->type_name), DB_STR(only), DB_STR(only),
				      DB_STR(ctx->value_legacy)));
}

static int change_body(panel_db *db, void *arg)
{
	struct change_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1], sub[101], id[512], value[256];
	struct type_row t;
	uint64_t affected = 0;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 1)) < 0 ||
	    (error = panel__sub_normalize(sub, sizeof(sub), ctx->sub)) < 0 ||
	    (error = load_type(&t, db, ctx->type)) < 0 ||
	    (error = check_type_allowed(&t, ctx->who)) < 0)
		return error;
	/* One value among several (one TXT, one IP...), in the form panel_subdomain_set
	 * stored it. */
	if (ctx->value &&
	    (error = panel__target_check(value, sizeof(value), t.kind, ctx->value)) < 0)
		return panel__error(PANEL_EINVALID, "value", "%s", panel_error_last()->message);
	const char *only = ctx->value ? value : NULL;
	ctx->uid = uid;
	snprintf(ctx->name, sizeof(ctx->name), "%s", name);
	snprintf(ctx->sub_stored, sizeof(ctx->sub_stored), "%s", sub);
	snprintf(ctx->type_name, sizeof(ctx->type_name), "%s", t.name);
	snprintf(ctx->value_stored, sizeof(ctx->value_stored), "%s", only ? only : "");
	snprintf(ctx->value_legacy, sizeof(ctx->value_legacy), "%s", ctx->value_stored);
	size_t vlen = strlen(ctx->value_legacy);
	if (t.kind == PANEL_TARGET_DOMAIN && vlen > 1 && ctx->value_legacy[vlen - 1] == '.')
		ctx->value_legacy[vlen - 1] = '\0';
	const char *legacy = ctx->value_legacy;
	ctx->all_values = only == NULL;
	if (ctx->op == 0)
		error = panel__db_exec(
		    &affected, db,
		    "UPDATE sub_domaines SET web_action = 'DELETE' WHERE compte = ? AND domaine = ?"
		    " AND sub = ? AND LOWER(type) = ? AND (? IS NULL OR valeur IN (?, ?)) AND"
		    " web_action <> 'DELETE'",
		    DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(sub), DB_STR(t.name), DB_STR(only),
			    DB_STR(only), DB_STR(legacy)));
	else
		error = panel__db_exec(
		    &affected, db,
		    "UPDATE sub_domaines SET enable = ? WHERE compte = ? AND domaine = ? AND sub = "
		    "?"
		    " AND LOWER(type) = ? AND (? IS NULL OR valeur IN (?, ?)) AND"
		    " web_action <> 'DELETE'",
		    DB_ARGS(DB_STR(ctx->op == 1 ? "ENABLE" : "DISABLE"), DB_U64(uid), DB_STR(name),
			    DB_STR(sub), DB_STR(t.name), DB_STR(only), DB_STR(only),
			    DB_STR(legacy)));
	if (error < 0)
		return error;
	if (affected == 0) {
		/* Nothing changed: either no such entry, or already in that state. */
		uint64_t n = 0;
		if ((error = panel__db_query_u64(
			 &n, db,
			 "SELECT COUNT(*) FROM sub_domaines WHERE compte = ? AND domaine = ? AND"
			 " sub = ? AND LOWER(type) = ? AND (? IS NULL OR valeur IN (?, ?)) AND"
			 " web_action <> 'DELETE'",
			 DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(sub), DB_STR(t.name),
				 DB_STR(only), DB_STR(only), DB_STR(legacy)))) < 0)
			return error;
		if (n == 0)
			return panel__error(PANEL_ENOTFOUND, only ? "value" : "sub",
					    "no such entry");
	}
	if ((error = panel__domain_changed(db, name)) < 0)
		return error;
	snprintf(id, sizeof(id), "%s/%s/%s%s%.200s", name, *sub ? sub : "@", t.name,
		 only ? "/" : "", only ? only : "");
	static const char *const actions[] = {"subdomain.delete", "subdomain.enable",
					      "subdomain.disable"};
	return panel__audit(db, ctx->who, actions[ctx->op], "subdomain", id, uid, NULL, NULL);
}

static int change(panel *p, const panel_actor *who, const char *domain, const char *sub,
		  const char *type, const char *value, int op)
{
	struct change_ctx ctx = {
	    .who = who, .domain = domain, .sub = sub, .type = type, .value = value, .op = op};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	return panel__domain_write(p, change_body, &ctx, change_remark);
}

int panel_subdomain_delete(panel *p, const panel_actor *who, const char *domain, const char *sub,
			   const char *type, const char *value)
{
	return change(p, who, domain, sub, type, value, 0);
}

int panel_subdomain_set_enabled(panel *p, const panel_actor *who, const char *domain,
				const char *sub, const char *type, const char *value, int enabled)
{
	return change(p, who, domain, sub, type, value, enabled ? 1 : 2);
}

struct list_ctx {
	const panel_actor *who;
	const char *domain;
	panel_subdomain *items;
	size_t count;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1];
	panel_db_rows *rows;
	uint32_t uid;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 0)) < 0)
		return error;
	if ((error =
		 panel__db_query(&rows, db,
				 "SELECT sub, LOWER(type), valeur, enable, web_action, web_result"
				 " FROM sub_domaines WHERE compte = ? AND domaine = ? AND"
				 " web_action <> 'DELETE' ORDER BY sub, type, valeur",
				 DB_ARGS(DB_U64(uid), DB_STR(name)))) < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	ctx->items = n ? calloc(n, sizeof(*ctx->items)) : NULL;
	if (n && !ctx->items) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		panel_subdomain *s = &ctx->items[i];
		snprintf(s->domain, sizeof(s->domain), "%s", name);
		snprintf(s->sub, sizeof(s->sub), "%s", panel__db_cell(rows, i, 0));
		snprintf(s->type, sizeof(s->type), "%s", panel__db_cell(rows, i, 1));
		snprintf(s->target, sizeof(s->target), "%s", panel__db_cell(rows, i, 2));
		snprintf(s->enable, sizeof(s->enable), "%s", panel__db_cell(rows, i, 3));
		snprintf(s->web_action, sizeof(s->web_action), "%s", panel__db_cell(rows, i, 4));
		snprintf(s->web_result, sizeof(s->web_result), "%s", panel__db_cell(rows, i, 5));
	}
	ctx->count = n;
	panel__db_rows_free(rows);
	return 0;
}

int panel_subdomain_list_get(panel_subdomain_list **out, panel *p, const panel_actor *who,
			     const char *domain)
{
	struct list_ctx ctx = {who, domain, NULL, 0};
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

void panel_subdomain_list_free(panel_subdomain_list *list)
{
	PANEL__LIST_FREE(list);
}
