/* Mail delivered to a program (AlternC 1.0's add_wrapper/del_wrapper, used by list managers):
 * a mail_domain row of type 1 whose alias key is local_domain, and the mail_alias row
 * local_domain -> "| command" that postfix's local(8) runs through /bin/sh as its default
 * user. 1.0 wrote any command its caller gave; here the program must be one the host's
 * configuration allows ([mail] wrappers) and every argument a plain word, so that nothing a
 * caller types reaches the shell as syntax. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "domain_internal.h"
#include "error.h"
#include "handle.h"
#include "mail_internal.h"
#include "panel/json.h"
#include "panel/mail.h"

#define WRAPPER_SELECT                                                                             \
	"SELECT d.mail, d.uid, COALESCE(m.login, ''), COALESCE(a.alias, '') FROM mail_domain d"    \
	" LEFT JOIN membres m ON m.uid = d.uid LEFT JOIN mail_alias a ON a.mail = d.alias"         \
	" WHERE d.type = 1"

/* 1 when program is one of the [mail] wrappers (absolute paths between spaces or commas). */
static int program_allowed(panel *p, const char *program, size_t len)
{
	const char *list = panel_setting(p, "mail", "wrappers");

	while (list && *list) {
		list += strspn(list, " ,\t");
		size_t n = strcspn(list, " ,\t");
		if (n && n == len && list[0] == '/' && strncmp(list, program, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

/* The command: an allowed program, then words of A-Za-z0-9._@+=:/- between single spaces. */
static int check_command(panel *p, const char *command)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				   "._@+=:/-";
	size_t n = command ? strlen(command) : 0, program = command ? strcspn(command, " ") : 0;

	if (n == 0 || n > 200)
		return panel__error(PANEL_EINVALID, "command",
				    "a program and its arguments, 200 "
				    "characters at most");
	for (const char *s = command; *s;) {
		size_t w = strspn(s, word);
		if (w == 0 || (s[w] && (s[w] != ' ' || !s[w + 1])))
			return panel__error(
			    PANEL_EINVALID, "command",
			    "arguments are words of A-Za-z0-9._@+=:/- between single "
			    "spaces: no shell syntax, no quotes");
		s += w + (s[w] == ' ');
	}
	if (!program_allowed(p, command, program))
		return panel__error(PANEL_EINVALID, "command",
				    "%.*s is not a program this host delivers mail to ([mail] "
				    "wrappers)",
				    (int)(program > 100 ? 100 : program), command);
	return 0;
}

static void parse_wrapper(panel_mail_wrapper *w, const panel_db_rows *rows, size_t i)
{
	uint64_t uid = 0;
	const char *alias = panel__db_cell(rows, i, 3);

	snprintf(w->address, sizeof(w->address), "%s", panel__db_cell(rows, i, 0));
	panel__db_cell_u64(&uid, rows, i, 1);
	w->uid = (uint32_t)uid;
	snprintf(w->login, sizeof(w->login), "%s", panel__db_cell(rows, i, 2));
	/* "| command" between double quotes, as 1.0 wrote it. */
	if (strncmp(alias, "\"| ", 3) == 0 && strlen(alias) > 4)
		snprintf(w->command, sizeof(w->command), "%.*s", (int)(strlen(alias) - 4),
			 alias + 3);
	else
		snprintf(w->command, sizeof(w->command), "%s", alias);
}

/* The wrapper at address if the actor sees it; PANEL_ENOTFOUND otherwise. */
static int load_owned(panel_mail_wrapper **out, panel_db *db, const panel_actor *who,
		      const char *address, int lock)
{
	panel_db_rows *rows;
	int error;

	*out = NULL;
	if ((error = panel__db_query(&rows, db,
				     lock ? WRAPPER_SELECT " AND d.mail = ? FOR UPDATE"
					  : WRAPPER_SELECT " AND d.mail = ?",
				     DB_ARGS(DB_STR(address)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "address", "no such wrapper");
	}
	if (!(*out = calloc(1, sizeof(**out)))) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	parse_wrapper(*out, rows, 0);
	panel__db_rows_free(rows);
	if ((error = panel__authz_owner(db, who, (*out)->uid, "address", "wrapper")) < 0) {
		free(*out);
		*out = NULL;
	}
	return error;
}

/* ---------------------------------------------------------------- create, delete */

struct write_ctx {
	panel *p;
	const panel_actor *who;
	const char *command;
	char full[256], box[256], domain[PANEL_DOMAIN_MAX + 1];
	panel_mail_wrapper *result;
};

static int create_body(panel_db *db, void *arg)
{
	struct write_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1], alias[300];
	panel_domain *d = NULL;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 1)) < 0 ||
	    (error = panel__domain_load(&d, db, name)) < 0)
		return error;
	int mx = d->mx && strcmp(d->dns_action, "DELETE") != 0;
	panel_domain_free(d);
	if (!mx)
		return panel__error(PANEL_ECONFLICT, "address", "the mail of %s is not hosted here",
				    name);
	snprintf(alias, sizeof(alias), "\"| %s\"", ctx->command);
	error = panel__db_exec(NULL, db,
			       "INSERT INTO mail_domain (mail, alias, uid, pop, type) VALUES (?, ?,"
			       " ?, 0, 1)",
			       DB_ARGS(DB_STR(ctx->full), DB_STR(ctx->box), DB_U64(uid)));
	if (error == PANEL_EEXISTS)
		return panel__error(PANEL_EEXISTS, "address", "%s already exists", ctx->full);
	if (error < 0)
		return error;
	error = panel__db_exec(NULL, db, "INSERT INTO mail_alias (mail, alias) VALUES (?, ?)",
			       DB_ARGS(DB_STR(ctx->box), DB_STR(alias)));
	if (error == PANEL_EEXISTS)
		return panel__error(PANEL_EEXISTS, "address", "%s is a mailbox already", ctx->full);
	if (error < 0 || (error = load_owned(&ctx->result, db, ctx->who, ctx->full, 0)) < 0)
		return error;
	return panel__audit(db, ctx->who, "mail.wrapper_create", "mail", ctx->full, uid, NULL,
			    panel_mail_wrapper_to_json(ctx->result));
}

int panel_mail_wrapper_create(panel_mail_wrapper **out, panel *p, const panel_actor *who,
			      const char *address, const char *command)
{
	struct write_ctx ctx = {.p = p, .who = who, .command = command};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator delivers mail to a program");
	if ((error = panel__mail_parse(ctx.full, ctx.box, ctx.domain, address)) < 0 ||
	    (error = check_command(p, command)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, create_body, &ctx)) < 0) {
		panel_mail_wrapper_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

static int delete_body(panel_db *db, void *arg)
{
	struct write_ctx *ctx = arg;
	panel_mail_wrapper *w = NULL;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = load_owned(&w, db, ctx->who, ctx->full, 1)) < 0)
		return error;
	if ((error = panel__db_exec(NULL, db, "DELETE FROM mail_alias WHERE mail = ?",
				    DB_ARGS(DB_STR(ctx->box)))) == 0 &&
	    (error = panel__db_exec(NULL, db, "DELETE FROM mail_domain WHERE mail = ? AND type = 1",
				    DB_ARGS(DB_STR(ctx->full)))) == 0)
		error = panel__audit(db, ctx->who, "mail.wrapper_delete", "mail", ctx->full, w->uid,
				     panel_mail_wrapper_to_json(w), NULL);
	panel_mail_wrapper_free(w);
	return error;
}

int panel_mail_wrapper_delete(panel *p, const panel_actor *who, const char *address)
{
	struct write_ctx ctx = {.p = p, .who = who};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (panel__mail_parse(ctx.full, ctx.box, ctx.domain, address) < 0)
		return panel__error(PANEL_ENOTFOUND, "address", "no such wrapper");
	return panel__db_transaction(p->db, delete_body, &ctx);
}

int panel__mail_wrappers_purge(panel_db *db, uint32_t uid, const char *domain)
{
	int error = panel__db_exec(NULL, db,
				   "DELETE FROM mail_alias WHERE mail IN (SELECT alias FROM"
				   " mail_domain WHERE uid = ? AND type = 1 AND RIGHT(mail,"
				   " CHAR_LENGTH(?) + 1) = CONCAT('@', ?))",
				   DB_ARGS(DB_U64(uid), DB_STR(domain), DB_STR(domain)));

	return error;
}

/* ---------------------------------------------------------------- list */

struct list_ctx {
	const panel_actor *who;
	const char *domain;
	panel_mail_wrapper_list *out;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1];
	panel_db_rows *rows;
	uint32_t uid;
	int error;

	panel_mail_wrapper_list_free(ctx->out);
	ctx->out = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 0)) < 0 ||
	    (error =
		 panel__db_query(&rows, db,
				 WRAPPER_SELECT " AND d.uid = ? AND RIGHT(d.mail, CHAR_LENGTH(?)"
						" + 1) = CONCAT('@', ?) ORDER BY d.mail",
				 DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(name)))) < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	if (!(ctx->out = calloc(1, sizeof(*ctx->out))) ||
	    (n && !(ctx->out->items = calloc(n, sizeof(*ctx->out->items))))) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++)
		parse_wrapper(&ctx->out->items[i], rows, i);
	ctx->out->count = n;
	ctx->out->total = n;
	panel__db_rows_free(rows);
	return 0;
}

int panel_mail_wrapper_list_get(panel_mail_wrapper_list **out, panel *p, const panel_actor *who,
				const char *domain)
{
	struct list_ctx ctx = {.who = who, .domain = domain};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_mail_wrapper_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

void panel_mail_wrapper_free(panel_mail_wrapper *w)
{
	free(w);
}

void panel_mail_wrapper_list_free(panel_mail_wrapper_list *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}
