/* Raw web statistics (AlternC 1.0's m_sta2): the stats2 rows that 1.0's rawstat.daily reads to
 * copy each host's access log into a folder of its owner's web space. 1.0 let a member name
 * any host (another member's logs too) and deleted, with a domain, the sets of every host
 * ending with its name; here a set names a host its owner publishes, and a domain's deletion
 * takes the sets of that domain and its sub-domains only (domain.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "database_internal.h"
#include "error.h"
#include "handle.h"
#include "panel/json.h"
#include "panel/rawstat.h"
#include "quota_internal.h"
#include "web_folder.h"

#define RAWSTAT_SELECT                                                                             \
	"SELECT s.id, s.mid, COALESCE(m.login, ''), s.hostname, s.folder FROM stats2 s"            \
	" LEFT JOIN membres m ON m.uid = s.mid"

static void parse_set(panel_rawstat *s, const panel_db_rows *rows, size_t i)
{
	uint64_t v = 0;

	panel__db_cell_u64(&s->id, rows, i, 0);
	panel__db_cell_u64(&v, rows, i, 1);
	s->uid = (uint32_t)v;
	snprintf(s->login, sizeof(s->login), "%s", panel__db_cell(rows, i, 2));
	snprintf(s->hostname, sizeof(s->hostname), "%s", panel__db_cell(rows, i, 3));
	snprintf(s->folder, sizeof(s->folder), "%s", panel__db_cell(rows, i, 4));
}

/* The set id if who may see it (its owner's), else PANEL_ENOTFOUND; lock: FOR UPDATE. */
static int load_owned(panel_rawstat **out, panel_db *db, const panel_actor *who, uint64_t id,
		      int lock)
{
	panel_db_rows *rows;
	int error;

	*out = NULL;
	if ((error = panel__db_query(&rows, db,
				     lock ? RAWSTAT_SELECT " WHERE s.id = ? FOR UPDATE"
					  : RAWSTAT_SELECT " WHERE s.id = ?",
				     DB_ARGS(DB_U64(id)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "id", "no such raw statistics set");
	}
	if (!(*out = calloc(1, sizeof(**out)))) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	parse_set(*out, rows, 0);
	panel__db_rows_free(rows);
	if ((error = panel__authz_owner(db, who, (*out)->uid, "id", "raw statistics set")) < 0) {
		free(*out);
		*out = NULL;
	}
	return error;
}

/* A host name as stored: lower case letters, digits, '-' and '.' between labels. */
static int normalize_host(char out[256], const char *hostname)
{
	size_t n = hostname ? strlen(hostname) : 0;

	if (n && hostname[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || hostname[0] == '.' || hostname[0] == '-')
		return panel__error(PANEL_EINVALID, "hostname",
				    "a host name, such as www.example.org");
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)hostname[i]);

		if (!(isalnum((unsigned char)c) || c == '-' || c == '.') ||
		    (c == '.' && i + 1 < n && hostname[i + 1] == '.'))
			return panel__error(PANEL_EINVALID, "hostname",
					    "a host name, such as www.example.org");
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

/* The host is one the account publishes: a domain it hosts or the name of one of its live
 * entries. */
static int check_host(panel_db *db, uint32_t uid, const char *host)
{
	uint64_t n = 0;
	int error;

	/* The domain the host is of, read with a lock: a deletion of it under way is waited
	 * for and then seen, and one that starts after waits for this commit, and its purge of
	 * the statistics sets finds this one. A plain read let a set outlive its domain and get
	 * the next owner's access logs. */
	if ((error = panel__db_query_u64(
		 &n, db,
		 "SELECT COUNT(*) FROM domaines WHERE compte = ? AND dns_action <> 'DELETE' AND"
		 " (domaine = ? OR RIGHT(?, CHAR_LENGTH(domaine) + 1) = CONCAT('.', domaine))"
		 " LOCK IN SHARE MODE",
		 DB_ARGS(DB_U64(uid), DB_STR(host), DB_STR(host)))) < 0)
		return error;
	if (!n)
		return panel__error(PANEL_EINVALID, "hostname", "%s is not a host of this account",
				    host);
	if ((error = panel__db_query_u64(
		 &n, db,
		 "SELECT (SELECT COUNT(*) FROM domaines WHERE compte = ? AND domaine = ? AND"
		 " dns_action <> 'DELETE') + (SELECT COUNT(*) FROM sub_domaines WHERE compte = ?"
		 " AND web_action <> 'DELETE' AND IF(sub = '', domaine, CONCAT(sub, '.', domaine))"
		 " = ?)",
		 DB_ARGS(DB_U64(uid), DB_STR(host), DB_U64(uid), DB_STR(host)))) < 0)
		return error;
	if (!n)
		return panel__error(PANEL_EINVALID, "hostname", "%s is not a host of this account",
				    host);
	return 0;
}

/* ---------------------------------------------------------------- list */

struct list_ctx {
	const panel_actor *who;
	const char *login;
	panel_rawstat_list *out;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_account *owner = NULL;
	panel_db_rows *rows;
	int error;

	panel_rawstat_list_free(ctx->out);
	ctx->out = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	error =
	    panel__db_query(&rows, db, RAWSTAT_SELECT " WHERE s.mid = ? ORDER BY s.hostname, s.id",
			    DB_ARGS(DB_U64(owner->uid)));
	panel_account_free(owner);
	if (error < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	ctx->out = calloc(1, sizeof(*ctx->out));
	if (ctx->out && n)
		ctx->out->items = calloc(n, sizeof(*ctx->out->items));
	if (!ctx->out || (n && !ctx->out->items)) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++)
		parse_set(&ctx->out->items[i], rows, i);
	ctx->out->count = n;
	ctx->out->total = n;
	panel__db_rows_free(rows);
	return 0;
}

int panel_rawstat_list_get(panel_rawstat_list **out, panel *p, const panel_actor *who,
			   const char *login)
{
	struct list_ctx ctx = {.who = who, .login = login};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_rawstat_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

/* ---------------------------------------------------------------- create, get, update, delete */

struct one_ctx {
	panel *p;
	const panel_actor *who;
	const char *login, *dir;
	char host[256];
	uint64_t id;
	int op; /* 0 get, 1 create, 2 update, 3 delete */
	panel_rawstat *result;
};

static int create_in(panel_db *db, struct one_ctx *ctx)
{
	panel_account *owner = NULL;
	char folder[256];
	int error;

	if ((error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	if ((error = check_host(db, owner->uid, ctx->host)) < 0 ||
	    (error = panel__web_folder(folder, sizeof(folder), ctx->p, owner->login, ctx->dir,
				       "dir")) < 0 ||
	    (error = panel__quota_reserve(db, owner->uid, "sta2")) < 0 ||
	    (error = panel__db_exec(
		 NULL, db, "INSERT INTO stats2 (mid, hostname, folder) VALUES (?, ?, ?)",
		 DB_ARGS(DB_U64(owner->uid), DB_STR(ctx->host), DB_STR(folder)))) < 0) {
		panel_account_free(owner);
		return error;
	}
	ctx->id = panel__db_insert_id(db);
	panel_account_free(owner);
	if ((error = load_owned(&ctx->result, db, ctx->who, ctx->id, 0)) < 0)
		return error;
	return panel__audit(db, ctx->who, "rawstat.create", "rawstat", ctx->host, ctx->result->uid,
			    NULL, panel_rawstat_to_json(ctx->result));
}

static int update_in(panel_db *db, struct one_ctx *ctx, panel_rawstat *before)
{
	char folder[256];
	int error;

	if ((error = panel__web_folder(folder, sizeof(folder), ctx->p, before->login, ctx->dir,
				       "dir")) < 0 ||
	    (error = panel__db_exec(NULL, db, "UPDATE stats2 SET folder = ? WHERE id = ?",
				    DB_ARGS(DB_STR(folder), DB_U64(before->id)))) < 0 ||
	    (error = load_owned(&ctx->result, db, ctx->who, before->id, 0)) < 0)
		return error;
	return panel__audit(db, ctx->who, "rawstat.update", "rawstat", before->hostname,
			    before->uid, panel_rawstat_to_json(before),
			    panel_rawstat_to_json(ctx->result));
}

static int one_body(panel_db *db, void *arg)
{
	struct one_ctx *ctx = arg;
	panel_rawstat *before = NULL;
	int error;

	panel_rawstat_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->op == 1)
		return create_in(db, ctx);
	if ((error = load_owned(&before, db, ctx->who, ctx->id, ctx->op != 0)) < 0)
		return error;
	if (ctx->op == 0) {
		ctx->result = before;
		return 0;
	}
	if (ctx->op == 2)
		error = update_in(db, ctx, before);
	else if ((error = panel__db_exec(NULL, db, "DELETE FROM stats2 WHERE id = ?",
					 DB_ARGS(DB_U64(before->id)))) == 0)
		error = panel__audit(db, ctx->who, "rawstat.delete", "rawstat", before->hostname,
				     before->uid, panel_rawstat_to_json(before), NULL);
	panel_rawstat_free(before);
	return error;
}

static int run_one(panel_rawstat **out, struct one_ctx *ctx)
{
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(ctx->p, ctx->who)) < 0)
		return error;
	if (ctx->op != 1 && !ctx->id)
		return panel__error(PANEL_ENOTFOUND, "id", "no such raw statistics set");
	if ((ctx->op == 1 || ctx->op == 2) && !ctx->dir)
		return panel__error(PANEL_EINVALID, "dir", "the folder is required");
	if ((error = panel__db_transaction(ctx->p->db, one_body, ctx)) < 0) {
		panel_rawstat_free(ctx->result);
		return error;
	}
	if (out)
		*out = ctx->result;
	else
		panel_rawstat_free(ctx->result);
	return 0;
}

int panel_rawstat_create(panel_rawstat **out, panel *p, const panel_actor *who, const char *login,
			 const char *hostname, const char *dir)
{
	struct one_ctx ctx = {.p = p, .who = who, .login = login, .dir = dir, .op = 1};
	int error;

	if ((error = normalize_host(ctx.host, hostname)) < 0)
		return error;
	return run_one(out, &ctx);
}

int panel_rawstat_get(panel_rawstat **out, panel *p, const panel_actor *who, uint64_t id)
{
	struct one_ctx ctx = {.p = p, .who = who, .id = id, .op = 0};

	return run_one(out, &ctx);
}

int panel_rawstat_update(panel_rawstat **out, panel *p, const panel_actor *who, uint64_t id,
			 const char *dir)
{
	struct one_ctx ctx = {.p = p, .who = who, .id = id, .dir = dir, .op = 2};

	return run_one(out, &ctx);
}

int panel_rawstat_delete(panel *p, const panel_actor *who, uint64_t id)
{
	struct one_ctx ctx = {.p = p, .who = who, .id = id, .op = 3};

	return run_one(NULL, &ctx);
}

void panel_rawstat_free(panel_rawstat *set)
{
	free(set);
}

void panel_rawstat_list_free(panel_rawstat_list *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}
