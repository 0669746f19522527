/* Global settings (AlternC's variable table): listing, reading, setting and deleting them, with
 * the values of the names libpanel and AlternC 1.0's panel read checked against their kind. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/json.h"
#include "panel/variable.h"
#include "validate.h"

/* The names with a kind of their own; docs/architecture.md ("Global settings") says who reads
 * each one and what it does. */
static const struct known {
	const char *name;
	panel_variable_kind kind;
} known[] = {
    {"subadmin_restriction", PANEL_VARIABLE_FLAG},
    {"hosting_tld", PANEL_VARIABLE_DOMAIN},
    {"new_email", PANEL_VARIABLE_MAIL},
    {"rss_feed", PANEL_VARIABLE_URL},
};

panel_variable_kind panel_variable_kind_of(const char *name)
{
	for (size_t i = 0; name && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].kind;
	return PANEL_VARIABLE_TEXT;
}

const char *panel_variable_kind_name(panel_variable_kind kind)
{
	switch (kind) {
	case PANEL_VARIABLE_FLAG:
		return "flag";
	case PANEL_VARIABLE_DOMAIN:
		return "domain";
	case PANEL_VARIABLE_MAIL:
		return "mail";
	case PANEL_VARIABLE_URL:
		return "url";
	case PANEL_VARIABLE_TEXT:
		break;
	}
	return "text";
}

/* AlternC's names are identifiers; dots and dashes for the names of plugins. */
static int check_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > PANEL_VARIABLE_NAME_MAX)
		return panel__error(PANEL_EINVALID, "name",
				    "a setting's name has 1 to %d characters",
				    PANEL_VARIABLE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return panel__error(PANEL_EINVALID, "name",
					    "a setting's name is made of letters, digits, '_', "
					    "'.' and '-'");
	return 0;
}

/* Valid UTF-8 without control characters other than tab, CR and LF: a value may be a PHP
 * serialized array spanning lines, never a NUL or an escape sequence. */
static int check_text(const char *s, const char *field, size_t max)
{
	json_t *utf8;

	if (strlen(s) > max)
		return panel__error(PANEL_EINVALID, field, "%s longer than %zu bytes", field, max);
	/* Jansson checks UTF-8 (overlong forms and surrogates included) when it copies. */
	if (!(utf8 = json_string(s)))
		return panel__error(PANEL_EINVALID, field, "%s is not valid UTF-8", field);
	json_decref(utf8);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if ((*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r') || *c == 0x7f)
			return panel__error(PANEL_EINVALID, field, "%s holds a control character",
					    field);
	return 0;
}

static int check_url(const char *v)
{
	const char *rest = strncmp(v, "https://", 8) == 0  ? v + 8
			   : strncmp(v, "http://", 7) == 0 ? v + 7
							   : NULL;

	if (!rest || !*rest || strlen(v) > 1024)
		return 0;
	for (; *rest; rest++)
		if ((unsigned char)*rest <= 0x20 || (unsigned char)*rest >= 0x7f)
			return 0;
	return 1;
}

/* The value as it will be stored, into *stored (malloc'd): checked against the name's kind. */
static int check_value(char **stored, const char *name, const char *value)
{
	panel_variable_kind kind = panel_variable_kind_of(name);
	int ok = 1, error;

	*stored = NULL;
	if (!value)
		return panel__error(PANEL_EINVALID, "value", "no value given");
	if ((error = check_text(value, "value", PANEL_VARIABLE_VALUE_MAX)) < 0)
		return error;
	if (kind == PANEL_VARIABLE_FLAG)
		ok = !*value || strcmp(value, "0") == 0 || strcmp(value, "1") == 0;
	else if (kind != PANEL_VARIABLE_TEXT && strcmp(value, "0") != 0)
		ok = kind == PANEL_VARIABLE_DOMAIN ? panel__valid_fqdn(value)
		     : kind == PANEL_VARIABLE_MAIL ? panel__valid_mail(value)
						   : check_url(value);
	if (!ok)
		return panel__error(PANEL_EINVALID, "value",
				    kind == PANEL_VARIABLE_FLAG ? "%s is \"\", \"0\" or \"1\""
				    : kind == PANEL_VARIABLE_DOMAIN
					? "%s is \"0\" (off) or a domain name"
				    : kind == PANEL_VARIABLE_MAIL
					? "%s is \"0\" (nobody) or an e-mail address"
					: "%s is \"0\" (none) or an http:// or https:// URL",
				    name);
	if (!(*stored = strdup(value)))
		return panel__error_oom();
	if (kind == PANEL_VARIABLE_DOMAIN)
		for (char *c = *stored; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	return 0;
}

static void clear(panel_variable *v)
{
	free(v->value);
	free(v->comment);
	memset(v, 0, sizeof(*v));
}

/* Row i of (name, value, comment) into v. */
static int parse_row(panel_variable *v, const panel_db_rows *rows, size_t i)
{
	const char *value = panel__db_cell(rows, i, 1), *comment = panel__db_cell(rows, i, 2);

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", panel__db_cell(rows, i, 0));
	v->kind = panel_variable_kind_of(v->name);
	v->value = strdup(value ? value : "");
	v->comment = comment ? strdup(comment) : NULL;
	if (!v->value || (comment && !v->comment)) {
		clear(v);
		return panel__error_oom();
	}
	return 0;
}

/* The stored setting name into *out (malloc'd), or PANEL_ENOTFOUND. */
static int load(panel_variable **out, panel_db *db, const char *name, int lock)
{
	panel_db_rows *rows;
	int error;

	*out = NULL;
	if ((error =
		 panel__db_query(&rows, db,
				 lock ? "SELECT name, value, comment FROM variable WHERE name = ?"
					" FOR UPDATE"
				      : "SELECT name, value, comment FROM variable WHERE name = ?",
				 DB_ARGS(DB_STR(name)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1)
		error = panel__error(PANEL_ENOTFOUND, "name", "no setting %s", name);
	else if (!(*out = calloc(1, sizeof(**out))))
		error = panel__error_oom();
	else if ((error = parse_row(*out, rows, 0)) < 0) {
		free(*out);
		*out = NULL;
	}
	panel__db_rows_free(rows);
	return error;
}

/* Who reads the settings: the system and admins acting as themselves. */
static int may_read(const panel_actor *who)
{
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator acting as itself reads the settings");
	return 0;
}

/* Who changes them: the system and the super admin. Stricter than panel__authz_global: with
 * subadmin_restriction at 1 a sub-admin may change TLDs or default quotas, but never the
 * setting that decides what sub-admins see, nor where every new account is announced. */
static int may_write(const panel_actor *who)
{
	if (who->kind == PANEL_ACTOR_SYSTEM ||
	    (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid && who->uid == PANEL_SUPER_ADMIN_UID))
		return 0;
	return panel__error(PANEL_EFORBIDDEN, NULL,
			    "settings apply to every account: only the super admin changes them");
}

/* ---------------------------------------------------------------- list, get */

struct list_ctx {
	const panel_actor *who;
	panel_variable_list *out;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_db_rows *rows;
	panel_variable_list *list;
	size_t n;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__db_query(&rows, db,
				     "SELECT name, value, comment FROM variable ORDER BY name",
				     DB_NOARGS)) < 0)
		return error;
	n = panel__db_rows_count(rows);
	list = calloc(1, sizeof(*list));
	if (!list || (n && !(list->items = calloc(n, sizeof(*list->items))))) {
		free(list);
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (; list->count < n && error == 0; list->count++)
		error = parse_row(&list->items[list->count], rows, list->count);
	list->total = list->count;
	panel__db_rows_free(rows);
	panel_variable_list_free(ctx->out);
	ctx->out = list;
	return error;
}

int panel_variable_list_get(panel_variable_list **out, panel *p, const panel_actor *who)
{
	struct list_ctx ctx = {.who = who};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0 || (error = may_read(who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_variable_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

struct get_ctx {
	const panel_actor *who;
	const char *name;
	panel_variable *result;
};

static int get_body(panel_db *db, void *arg)
{
	struct get_ctx *ctx = arg;
	int error;

	panel_variable_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	return load(&ctx->result, db, ctx->name, 0);
}

int panel_variable_get(panel_variable **out, panel *p, const panel_actor *who, const char *name)
{
	struct get_ctx ctx = {.who = who, .name = name};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0 || (error = may_read(who)) < 0 ||
	    (error = check_name(name)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, get_body, &ctx)) < 0) {
		panel_variable_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- set, delete */

struct set_ctx {
	const panel_actor *who;
	const char *name, *value, *comment;
	panel_variable *result;
};

static int set_body(panel_db *db, void *arg)
{
	struct set_ctx *ctx = arg;
	panel_variable *before = NULL;
	int error;

	panel_variable_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	error = load(&before, db, ctx->name, 1);
	if (error < 0 && error != PANEL_ENOTFOUND)
		return error;
	/* comment NULL binds NULL: COALESCE keeps the stored one. */
	if ((error = panel__db_exec(NULL, db,
				    "INSERT INTO variable (name, value, comment) VALUES (?, ?, ?)"
				    " ON DUPLICATE KEY UPDATE value = VALUES(value),"
				    " comment = COALESCE(?, comment)",
				    DB_ARGS(DB_STR(ctx->name), DB_STR(ctx->value),
					    DB_STR(ctx->comment), DB_STR(ctx->comment)))) < 0 ||
	    (error = load(&ctx->result, db, ctx->name, 0)) < 0)
		goto out;
	error = panel__audit(db, ctx->who, before ? "setting.set" : "setting.create", "setting",
			     ctx->name, 0, before ? panel_variable_to_json(before) : NULL,
			     panel_variable_to_json(ctx->result));
out:
	panel_variable_free(before);
	return error;
}

int panel_variable_set(panel_variable **out, panel *p, const panel_actor *who, const char *name,
		       const char *value, const char *comment)
{
	struct set_ctx ctx = {.who = who, .name = name, .comment = comment};
	char *stored = NULL;
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(p, who)) < 0 || (error = may_write(who)) < 0 ||
	    (error = check_name(name)) < 0 ||
	    (comment && (error = check_text(comment, "comment", PANEL_VARIABLE_COMMENT_MAX)) < 0) ||
	    (error = check_value(&stored, name, value)) < 0)
		return error;
	ctx.value = stored;
	error = panel__db_transaction(p->db, set_body, &ctx);
	free(stored);
	if (error < 0 || !out)
		panel_variable_free(ctx.result);
	else
		*out = ctx.result;
	return error < 0 ? error : 0;
}

struct delete_ctx {
	const panel_actor *who;
	const char *name;
};

static int delete_body(panel_db *db, void *arg)
{
	struct delete_ctx *ctx = arg;
	panel_variable *before = NULL;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = load(&before, db, ctx->name, 1)) < 0)
		return error;
	if ((error = panel__db_exec(NULL, db, "DELETE FROM variable WHERE name = ?",
				    DB_ARGS(DB_STR(ctx->name)))) == 0)
		error = panel__audit(db, ctx->who, "setting.delete", "setting", ctx->name, 0,
				     panel_variable_to_json(before), NULL);
	panel_variable_free(before);
	return error;
}

int panel_variable_delete(panel *p, const panel_actor *who, const char *name)
{
	struct delete_ctx ctx = {who, name};
	int error;

	if ((error = panel__enter(p, who)) < 0 || (error = may_write(who)) < 0 ||
	    (error = check_name(name)) < 0)
		return error;
	return panel__db_transaction(p->db, delete_body, &ctx);
}

void panel_variable_free(panel_variable *variable)
{
	if (!variable)
		return;
	clear(variable);
	free(variable);
}

void panel_variable_list_free(panel_variable_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		clear(&list->items[i]);
	free(list->items);
	free(list);
}
