/* FTP accounts (AlternC m_ftp): rows of ftpusers that proftpd's SQL module reads (name,
 * crypt(3) password, home directory, the owner's uid as group). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "domain_validate.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "ftp_internal.h"
#include "panel/ftp.h"
#include "panel/json.h"
#include "policy_internal.h"
#include "quota_internal.h"

/* <root>/html/<first letter>/<login>: the account's web space, AlternC's layout. */
static void web_root(char *out, size_t size, panel *p, const char *login)
{
	const char *root = panel_setting(p, "hosting", "root");

	snprintf(out, size, "%s/html/%c/%s", root && *root ? root : "/var/alternc", login[0],
		 login);
}

#define FTP_HOMEDIR_MAX 128 /* ftpusers.homedir */

static int check_suffix(const char *suffix)
{
	size_t n = suffix ? strlen(suffix) : 0;

	if (n > 32)
		return panel__error(PANEL_EINVALID, "suffix",
				    "the suffix is 32 characters at most");
	for (size_t i = 0; i < n; i++)
		if (!((suffix[i] >= 'a' && suffix[i] <= 'z') ||
		      (suffix[i] >= '0' && suffix[i] <= '9') || strchr("._-", suffix[i])))
			return panel__error(PANEL_EINVALID, "suffix",
					    "the suffix has a-z, 0-9, '.', '_' and '-' only");
	return 0;
}

/* The prefix must be the account's login or one of its domains (not being deleted). */
static int check_prefix(panel_db *db, uint32_t uid, const char *login, const char *prefix)
{
	uint64_t n = 0;
	int error;

	if (!prefix || !*prefix)
		return panel__error(PANEL_EINVALID, "prefix", "the prefix is required");
	if (strcmp(prefix, login) == 0)
		return 0;
	/* Domains are stored in lower case ASCII. Only that form is looked for: the column's
	 * collation (utf8mb4_unicode_ci) finds alice.org for "ALICE.ORG", "alice.org " (PAD
	 * SPACE), "al\u00edce.org" or a fullwidth "\uff41lice.org", and the prefix as typed became
	 * the FTP account's name. */
	if (strspn(prefix, "abcdefghijklmnopqrstuvwxyz0123456789.-") != strlen(prefix))
		return panel__error(PANEL_EINVALID, "prefix",
				    "the prefix is the account's login or one of its domains");
	/* With a lock: a deletion of the domain under way is waited for and seen, and one after
	 * waits for this commit, and its purge finds the account (a plain read let an account
	 * named after a deleted domain outlive it). */
	if ((error =
		 panel__db_query_u64(&n, db,
				     "SELECT COUNT(*) FROM domaines WHERE compte = ? AND domaine ="
				     " ? AND dns_action <> 'DELETE' LOCK IN SHARE MODE",
				     DB_ARGS(DB_U64(uid), DB_STR(prefix)))) < 0)
		return error;
	if (!n)
		return panel__error(PANEL_EINVALID, "prefix",
				    "the prefix is the account's login or one of its domains");
	return 0;
}

static int parse_row(panel_ftp *f, const panel_db_rows *rows, size_t i, panel *p)
{
	uint64_t v = 0;
	char root[300];

	memset(f, 0, sizeof(*f));
	panel__db_cell_u64(&f->id, rows, i, 0);
	snprintf(f->name, sizeof(f->name), "%s", panel__db_cell(rows, i, 1));
	snprintf(f->homedir, sizeof(f->homedir), "%s", panel__db_cell(rows, i, 2));
	panel__db_cell_u64(&v, rows, i, 3);
	f->uid = (uint32_t)v;
	snprintf(f->login, sizeof(f->login), "%s", panel__db_cell(rows, i, 4));
	/* AlternC splits the name on its first '_': logins and domains have none. */
	const char *us = strchr(f->name, '_');
	snprintf(f->prefix, sizeof(f->prefix), "%.*s", us ? (int)(us - f->name) : 64, f->name);
	snprintf(f->suffix, sizeof(f->suffix), "%s", us ? us + 1 : "");
	web_root(root, sizeof(root), p, f->login[0] ? f->login : "?");
	size_t rl = strlen(root);
	if (strncmp(f->homedir, root, rl) == 0 && (f->homedir[rl] == '/' || !f->homedir[rl]))
		snprintf(f->dir, sizeof(f->dir), "%.255s", f->homedir[rl] ? f->homedir + rl : "/");
	else
		snprintf(f->dir, sizeof(f->dir), "%.255s", f->homedir);
	return 0;
}

#define FTP_SELECT                                                                                 \
	"SELECT f.id, f.name, f.homedir, f.uid, COALESCE(m.login, '') FROM ftpusers f"             \
	" LEFT JOIN membres m ON m.uid = f.uid"

static int load(panel_ftp **out, panel_db *db, panel *p, const char *name, int lock)
{
	panel_db_rows *rows;
	int error;

	*out = NULL;
	if ((error = panel__db_query(&rows, db,
				     lock ? FTP_SELECT " WHERE f.name = ? FOR UPDATE"
					  : FTP_SELECT " WHERE f.name = ?",
				     DB_ARGS(DB_STR(name)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "name", "no such FTP account");
	}
	*out = malloc(sizeof(**out));
	if (*out)
		parse_row(*out, rows, 0, p);
	panel__db_rows_free(rows);
	return *out ? 0 : panel__error_oom();
}

static int owned(panel_ftp **out, panel_db *db, panel *p, const panel_actor *who, const char *name,
		 int lock)
{
	int error;

	if (!name || !*name || strlen(name) > 64)
		return panel__error(PANEL_ENOTFOUND, "name", "no such FTP account");
	if ((error = load(out, db, p, name, lock)) < 0)
		return error;
	if ((error = panel__authz_owner(db, who, (*out)->uid, "name", "FTP account")) < 0) {
		panel_ftp_free(*out);
		*out = NULL;
	}
	return error;
}

/* What an FTP account of login would be named and rooted at, after every check. */
struct plan {
	char name[65], dir[256], homedir[600];
};

/* A folder given for an FTP account: the runner makes it, and refuses a name that starts with
 * "-" (an option to any program given the path). Rows written before (AlternC 1.0's) are
 * kept as they are. 0, or PANEL_EINVALID. */
static int check_new_dir(const char *dir)
{
	for (const char *s = dir; s && *s; s++)
		if (*s == '-' && (s == dir || s[-1] == '/'))
			return panel__error(PANEL_EINVALID, "dir",
					    "a folder's name cannot start with -");
	return 0;
}

static int make_plan(struct plan *pl, panel_db *db, panel *p, uint32_t uid, const char *login,
		     const char *prefix, const char *suffix, const char *dir)
{
	char root[300];
	int error;

	if ((error = check_prefix(db, uid, login, prefix)) < 0 ||
	    (error = check_suffix(suffix)) < 0)
		return error;
	if (suffix && *suffix)
		snprintf(pl->name, sizeof(pl->name), "%s_%s", prefix, suffix);
	else
		snprintf(pl->name, sizeof(pl->name), "%s", prefix);
	if (strlen(prefix) + (suffix && *suffix ? strlen(suffix) + 1 : 0) > 64)
		return panel__error(PANEL_EINVALID, "suffix", "the name is 64 characters at most");
	/* Inside the web space only: no "..", no "." segment, a plain alphabet. */
	/* Relative to the web space: "sites/shop" and "/sites/shop" are the same folder. */
	char rooted[260];
	snprintf(rooted, sizeof(rooted), "%s%s", dir && dir[0] == '/' ? "" : "/", dir ? dir : "");
	if ((error =
		 panel__target_check(pl->dir, sizeof(pl->dir), PANEL_TARGET_DIRECTORY, rooted)) < 0)
		return panel__error(PANEL_EINVALID, "dir", "%s", panel_error_last()->message);
	web_root(root, sizeof(root), p, login);
	/* The web space's root itself ends with '/', as AlternC 1.0 writes it (its is_ftp
	 * compares it so). */
	snprintf(pl->homedir, sizeof(pl->homedir), "%s%s", root, pl->dir);
	/* ftpusers.homedir is AlternC 1.0's VARCHAR(128), read by proftpd: a longer one was the
	 * server's "database error 1406" (and, in 1.0's non-strict sql_mode, a cut path). The
	 * folder is ASCII (panel__target_check), so bytes are characters. */
	if (strlen(pl->homedir) > FTP_HOMEDIR_MAX)
		return panel__error(
		    PANEL_EINVALID, "dir",
		    "the folder is too long: its full path is %d characters at most",
		    FTP_HOMEDIR_MAX);
	return 0;
}

struct create_ctx {
	panel *p;
	const panel_actor *who;
	const char *login;
	const panel_ftp_spec *spec;
	const char *hash;
	panel_ftp *result;
};

static int create_body(panel_db *db, void *arg)
{
	struct create_ctx *ctx = arg;
	uint32_t uid = panel_actor_subject(ctx->who);
	panel_account *owner = NULL;
	struct plan pl;
	int error;

	panel_ftp_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->login && (error = panel__authz_account(&uid, db, ctx->who, ctx->login,
							PANEL__AUTHZ_OBJECTS)) < 0)
		return error;
	if (!uid && ctx->who->kind == PANEL_ACTOR_ADMIN)
		uid = ctx->who->uid;
	if (!uid)
		return panel__error(PANEL_EINVALID, "login",
				    "say which account owns the FTP account");
	if ((error = panel__account_load(&owner, db, uid)) < 0)
		return error;
	if ((error = check_new_dir(ctx->spec->dir)) < 0 ||
	    (error = make_plan(&pl, db, ctx->p, uid, owner->login, ctx->spec->prefix,
			       ctx->spec->suffix, ctx->spec->dir)) < 0 ||
	    (error = panel__policy_check(ctx->p, db, "ftp", pl.name, ctx->spec->password)) < 0 ||
	    (error = panel__quota_reserve(db, uid, "ftp")) < 0)
		goto out;
	error = panel__db_exec(
	    NULL, db,
	    "INSERT INTO ftpusers (name, password, encrypted_password, homedir, uid)"
	    " VALUES (?, '', ?, ?, ?)",
	    DB_ARGS(DB_STR(pl.name), DB_STR(ctx->hash), DB_STR(pl.homedir), DB_U64(uid)));
	if (error == PANEL_EEXISTS)
		error = panel__error(PANEL_EEXISTS, "name", "the FTP account %s exists", pl.name);
	if (error < 0 ||
	    (error = panel__action(db, "mkdir", uid, owner->login,
				   json_pack("{s:s}", "dir", pl.dir))) < 0 ||
	    (error = load(&ctx->result, db, ctx->p, pl.name, 0)) < 0)
		goto out;
	error = panel__audit(db, ctx->who, "ftp.create", "ftp", pl.name, uid, NULL,
			     panel_ftp_to_json(ctx->result));
out:
	panel_account_free(owner);
	return error;
}

/* proftpd checks with crypt(3): SHA512-crypt, which glibc and libxcrypt both read. */
int panel__ftp_hash(char out[PANEL_HASH_MAX], const char *password)
{
	return panel_password_hash(out, PANEL_HASH_MAX, password, PANEL_HASH_SHA512_CRYPT);
}

int panel__ftp_create_in(panel_db *db, panel *p, const panel_actor *who, const char *login,
			 const panel_ftp_spec *spec, const char *hash)
{
	struct create_ctx ctx = {.p = p, .who = who, .login = login, .spec = spec, .hash = hash};
	int error = create_body(db, &ctx);

	panel_ftp_free(ctx.result);
	return error;
}

int panel_ftp_create(panel_ftp **out, panel *p, const panel_actor *who, const char *login,
		     const panel_ftp_spec *spec)
{
	struct create_ctx ctx = {.p = p, .who = who, .login = login, .spec = spec};
	char hash[PANEL_HASH_MAX];
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!spec)
		return panel__error(PANEL_EINVALID, NULL, "no spec");
	if (spec->version != PANEL_FTP_SPEC_VERSION)
		return panel__error(PANEL_EINVALID, "spec", "unknown FTP spec version");
	if (!spec->password || !*spec->password)
		return panel__error(PANEL_EINVALID, "password", "the password is required");
	if ((error = panel__ftp_hash(hash, spec->password)) < 0)
		return error;
	ctx.hash = hash;
	error = panel__db_transaction(p->db, create_body, &ctx);
	sodium_memzero(hash, sizeof(hash));
	if (error < 0) {
		panel_ftp_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

struct one_ctx {
	panel *p;
	const panel_actor *who;
	const char *name;
	const panel_ftp_spec *spec;
	const char *hash;
	int op; /* 0 get, 1 update, 2 delete */
	panel_ftp *result;
};

static int one_body(panel_db *db, void *arg)
{
	struct one_ctx *ctx = arg;
	panel_ftp *before = NULL;
	int error;

	panel_ftp_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = owned(&before, db, ctx->p, ctx->who, ctx->name, ctx->op != 0)) < 0)
		return error;
	if (ctx->op == 0) {
		ctx->result = before;
		return 0;
	}
	if (ctx->op == 2) {
		error = panel__db_exec(NULL, db, "DELETE FROM ftpusers WHERE id = ?",
				       DB_ARGS(DB_U64(before->id)));
		if (error == 0)
			error = panel__audit(db, ctx->who, "ftp.delete", "ftp", before->name,
					     before->uid, panel_ftp_to_json(before), NULL);
		panel_ftp_free(before);
		return error;
	}
	const panel_ftp_spec *s = ctx->spec;
	struct plan pl;
	if ((error = check_new_dir(s->dir)) < 0 ||
	    (error = make_plan(&pl, db, ctx->p, before->uid, before->login,
			       s->prefix ? s->prefix : before->prefix,
			       s->suffix ? s->suffix : before->suffix,
			       s->dir ? s->dir : before->dir)) < 0 ||
	    (s->password &&
	     (error = panel__policy_check(ctx->p, db, "ftp", pl.name, s->password)) < 0))
		goto out;
	error = panel__db_exec(
	    NULL, db,
	    "UPDATE ftpusers SET name = ?, homedir = ?, encrypted_password ="
	    " COALESCE(?, encrypted_password), password = '' WHERE id = ?",
	    DB_ARGS(DB_STR(pl.name), DB_STR(pl.homedir), DB_STR(ctx->hash), DB_U64(before->id)));
	if (error == PANEL_EEXISTS)
		error = panel__error(PANEL_EEXISTS, "name", "the FTP account %s exists", pl.name);
	if (error < 0 || (error = load(&ctx->result, db, ctx->p, pl.name, 0)) < 0)
		goto out;
	error = panel__audit(db, ctx->who,
			     s->password && !s->prefix && !s->suffix && !s->dir ? "ftp.password"
										: "ftp.update",
			     "ftp", before->name, before->uid, panel_ftp_to_json(before),
			     panel_ftp_to_json(ctx->result));
out:
	panel_ftp_free(before);
	return error;
}

static int run_one(panel_ftp **out, struct one_ctx *ctx)
{
	char hash[PANEL_HASH_MAX];
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(ctx->p, ctx->who)) < 0)
		return error;
	if (ctx->spec && ctx->spec->password) {
		if ((error = panel__ftp_hash(hash, ctx->spec->password)) < 0)
			return error;
		ctx->hash = hash;
	}
	error = panel__db_transaction(ctx->p->db, one_body, ctx);
	if (ctx->hash)
		sodium_memzero(hash, sizeof(hash));
	if (error < 0 || !out)
		panel_ftp_free(ctx->result);
	else
		*out = ctx->result;
	return error;
}

int panel_ftp_get(panel_ftp **out, panel *p, const panel_actor *who, const char *name)
{
	struct one_ctx ctx = {.p = p, .who = who, .name = name, .op = 0};

	return run_one(out, &ctx);
}

int panel_ftp_update(panel_ftp **out, panel *p, const panel_actor *who, const char *name,
		     const panel_ftp_spec *changes)
{
	struct one_ctx ctx = {.p = p, .who = who, .name = name, .spec = changes, .op = 1};

	if (!changes || changes->version != PANEL_FTP_SPEC_VERSION)
		return panel__error(PANEL_EINVALID, "spec", "no changes, or unknown spec version");
	if (changes->password && !*changes->password)
		return panel__error(PANEL_EINVALID, "password", "the password is empty");
	return run_one(out, &ctx);
}

int panel_ftp_password(panel *p, const panel_actor *who, const char *name, const char *password)
{
	panel_ftp_spec spec = PANEL_FTP_SPEC_INIT;

	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the password is required");
	spec.password = password;
	return panel_ftp_update(NULL, p, who, name, &spec);
}

int panel_ftp_delete(panel *p, const panel_actor *who, const char *name)
{
	struct one_ctx ctx = {.p = p, .who = who, .name = name, .op = 2};

	return run_one(NULL, &ctx);
}

struct list_ctx {
	panel *p;
	const panel_actor *who;
	const char *login;
	panel_ftp *items;
	size_t count;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	uint32_t uid = panel_actor_subject(ctx->who);
	panel_db_rows *rows;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->login && (error = panel__authz_account(&uid, db, ctx->who, ctx->login,
							PANEL__AUTHZ_OBJECTS)) < 0)
		return error;
	if (!uid && ctx->who->kind == PANEL_ACTOR_ADMIN)
		uid = ctx->who->uid;
	if ((error = panel__db_query(&rows, db, FTP_SELECT " WHERE f.uid = ? ORDER BY f.name",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	ctx->items = n ? calloc(n, sizeof(*ctx->items)) : NULL;
	if (n && !ctx->items) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++)
		parse_row(&ctx->items[i], rows, i, ctx->p);
	ctx->count = n;
	panel__db_rows_free(rows);
	return 0;
}

int panel_ftp_list_get(panel_ftp_list **out, panel *p, const panel_actor *who, const char *login)
{
	struct list_ctx ctx = {p, who, login, NULL, 0};
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

void panel_ftp_free(panel_ftp *ftp)
{
	free(ftp);
}

void panel_ftp_list_free(panel_ftp_list *list)
{
	PANEL__LIST_FREE(list);
}
