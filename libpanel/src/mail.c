/* Mail addresses (AlternC m_mail): the rows postfix (mail_domain, mail_alias, mail_users) and
 * dovecot (mail_users) read, for mailboxes, forwards, catch-alls and temporary addresses. */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "domain_internal.h"
#include "domain_validate.h"
#include "error.h"
#include "handle.h"
#include "mail_internal.h"
#include "panel/json.h"
#include "panel/mail.h"
#include "policy_internal.h"
#include "quota_internal.h"
#include "throttle.h"
#include "validate.h"

/* "{CRYPT}$6$...": Courier's authlib (AlternC 1.0's mail stack) strips only "{CRYPT}" before
 * crypt(3); Dovecot's CRYPT scheme is crypt(3) too. "{SHA512-CRYPT}", read by Dovecot only,
 * is still verified when found. */
#define MAIL_SCHEME_TAG "{CRYPT}"

/* ---------------------------------------------------------------- names */

struct address {
	char local[129];
	char domain[PANEL_DOMAIN_MAX + 1];
	char full[256]; /* local@domain, or @domain */
	char box[256];	/* local_domain: the mailbox's internal name */
};

/* AlternC's checkloginmail: [a-z0-9_.:+-]* ending with [a-z0-9_]; "" is the catch-all. */
static int check_local(const char *local)
{
	size_t n = strlen(local);

	if (n == 0)
		return 0;
	if (n > 64)
		return panel__error(PANEL_EINVALID, "local",
				    "the local part is 64 characters at most");
	for (size_t i = 0; i < n; i++)
		if (!((local[i] >= 'a' && local[i] <= 'z') ||
		      (local[i] >= '0' && local[i] <= '9') || strchr("_.:+-", local[i])))
			return panel__error(PANEL_EINVALID, "local",
					    "the local part has a-z, 0-9 and _.:+- only");
	char last = local[n - 1];
	if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9') || last == '_'))
		return panel__error(PANEL_EINVALID, "local",
				    "the local part ends with a letter, a digit or _");
	return 0;
}

static int make_address(struct address *a, const char *local, const char *domain)
{
	int error;
	size_t n = local ? strlen(local) : 0;

	if (n >= sizeof(a->local))
		return panel__error(PANEL_EINVALID, "local", "the local part is too long");
	for (size_t i = 0; i <= n; i++)
		a->local[i] = (char)tolower((unsigned char)(local ? local[i] : 0));
	if ((error = check_local(a->local)) < 0 ||
	    (error = panel__domain_normalize(a->domain, sizeof(a->domain), domain, "domain")) < 0)
		return error;
	snprintf(a->full, sizeof(a->full), "%s@%s", a->local, a->domain);
	snprintf(a->box, sizeof(a->box), "%s_%s", a->local, a->domain);
	return 0;
}

static int parse_address(struct address *a, const char *address)
{
	const char *at = address ? strchr(address, '@') : NULL;
	char local[129];

	if (!at || strchr(at + 1, '@') || (size_t)(at - address) >= sizeof(local))
		return panel__error(PANEL_EINVALID, "address", "not a mail address");
	memcpy(local, address, (size_t)(at - address));
	local[at - address] = '\0';
	int error = make_address(a, local, at + 1);
	if (error < 0)
		return panel__error(PANEL_EINVALID, "address", "%s", panel_error_last()->message);
	return 0;
}

int panel__mail_parse(char full[256], char box[256], char domain[PANEL_DOMAIN_MAX + 1],
		      const char *address)
{
	struct address a;
	int error = parse_address(&a, address);

	if (error < 0)
		return error;
	if (!a.local[0])
		return panel__error(PANEL_EINVALID, "address", "a local part is required");
	memcpy(full, a.full, sizeof(a.full));
	memcpy(box, a.box, sizeof(a.box));
	memcpy(domain, a.domain, sizeof(a.domain));
	return 0;
}

/* The maildir: <root>/mail/<first char or _>/<local>_<domain> (AlternC's layout). */
static void mail_path(char *out, size_t size, panel *p, const struct address *a)
{
	const char *root = panel_setting(p, "hosting", "root");

	snprintf(out, size, "%s/mail/%c/%s", root && *root ? root : "/var/alternc",
		 a->local[0] ? a->local[0] : '_', a->box);
}

/* A forward: an address, or "@domain" (everything to the same local part elsewhere). */
static int check_recipients(const char *const *list, size_t *count)
{
	size_t n = 0;

	for (; list && list[n]; n++) {
		const char *r = list[n];
		int ok = panel__valid_mail(r) || (r[0] == '@' && panel__valid_fqdn(r + 1));
		if (!ok || strlen(r) > 255)
			return panel__error(PANEL_EINVALID, "recipients", "invalid recipient: %s",
					    panel__printable(r) ? r : "(control characters)");
		if (n >= PANEL_MAIL_RECIPIENTS_MAX)
			return panel__error(PANEL_EINVALID, "recipients", "%d recipients at most",
					    PANEL_MAIL_RECIPIENTS_MAX);
	}
	*count = n;
	return 0;
}

/* mail_domain.alias: the box's internal name first when there is a box, then the forwards,
 * one per line. */
static char *alias_text(const char *box, const char *const *recipients)
{
	size_t len = box ? strlen(box) + 1 : 0, o = 0;
	char *text;

	for (size_t i = 0; recipients && recipients[i]; i++)
		len += strlen(recipients[i]) + 1;
	text = malloc(len + 1);
	if (!text)
		return NULL;
	for (size_t i = 0; (box && i == 0) || (recipients && recipients[i - (box ? 1 : 0)]); i++) {
		const char *line = box && i == 0 ? box : recipients[i - (box ? 1 : 0)];
		size_t n = strlen(line);
		if (o)
			text[o++] = '\n';
		memcpy(text + o, line, n);
		o += n;
	}
	text[o] = '\0';
	return text;
}

static int check_expires(const char *expires)
{
	int y, mo, d, h = 0, mi = 0, s = 0;
	char tail;

	if (!expires || !*expires)
		return 0;
	if ((sscanf(expires, "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6 &&
	     sscanf(expires, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
		return panel__error(PANEL_EINVALID, "expires",
				    "expires is YYYY-MM-DD or YYYY-MM-DD HH:MM:SS");
	return 0;
}

/* A temporary address must expire in the future, by the server's clock. */
static int check_future(panel_db *db, const char *expires)
{
	uint64_t future = 0;
	int error;

	if (!expires || !*expires)
		return 0;
	if ((error = panel__db_query_u64(&future, db, "SELECT CAST(? AS DATETIME) > NOW()",
					 DB_ARGS(DB_STR(expires)))) < 0)
		return error;
	if (!future)
		return panel__error(PANEL_EINVALID, "expires", "expires must be in the future");
	return 0;
}

static int hash_box_password(char out[PANEL_HASH_MAX + 16], const char *password)
{
	char h[PANEL_HASH_MAX];
	int error;

	if ((error = panel_password_hash(h, sizeof(h), password, PANEL_HASH_SHA512_CRYPT)) < 0)
		return error;
	snprintf(out, PANEL_HASH_MAX + 16, MAIL_SCHEME_TAG "%s", h);
	sodium_memzero(h, sizeof(h));
	return 0;
}

/* A box's stored hash given instead of its password (spec version 2): the system's imports
 * of AlternC 1.0's boxes, hashes the mail stack's crypt(3) reads, tagged as mail.c stores
 * them. */
static int given_box_hash(char out[PANEL_HASH_MAX + 16], const panel_actor *who,
			  const panel_mail_spec *spec)
{
	const char *h = spec->password_hash;

	if (who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EFORBIDDEN, "password_hash",
				    "only the system imports a mailbox by its stored hash");
	if (spec->password)
		return panel__error(PANEL_EINVALID, "password_hash",
				    "give the password or its hash, not both");
	if (strncmp(h, MAIL_SCHEME_TAG, strlen(MAIL_SCHEME_TAG)) == 0)
		h += strlen(MAIL_SCHEME_TAG);
	if (h[0] == '{' || strncmp(h, "$argon2", 7) == 0 || !panel_password_hash_known(h))
		return panel__error(PANEL_EINVALID, "password_hash",
				    "not a crypt(3) hash the mail servers read");
	snprintf(out, PANEL_HASH_MAX + 16, MAIL_SCHEME_TAG "%s", h);
	return 0;
}

/* ---------------------------------------------------------------- loading */

/* The forwards of m from the alias column: every line, but the box's own name (the first line
 * without '@' of an address with a mailbox), which goes to m->box. */
static int parse_alias(panel_mail *m, const char *alias)
{
	size_t lines = 1;

	for (const char *s = alias; s && *s; s++)
		lines += *s == '\n';
	if (!(m->recipients = calloc(lines + 1, sizeof(*m->recipients))))
		return panel__error_oom();
	for (const char *s = alias; s && *s;) {
		size_t len = strcspn(s, "\n");
		while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
			len--;
		char *line = strndup(s, len);
		if (!line)
			return panel__error_oom();
		if (!*line || (m->mailbox && !m->box[0] && strchr(line, '@') == NULL)) {
			if (*line && !m->box[0])
				snprintf(m->box, sizeof(m->box), "%s", line);
			free(line);
		} else {
			m->recipients[m->nrecipients++] = line;
		}
		s += strcspn(s, "\n");
		if (*s == '\n')
			s++;
	}
	return 0;
}

/* The mailbox's folder and size, for an address with a box. */
static int load_box(panel_mail *m, panel_db *db)
{
	panel_db_rows *rows;
	int error;

	if ((error = panel__db_query(&rows, db,
				     "SELECT u.path, COALESCE(z.size, 0) * 1024 FROM mail_users"
				     " u LEFT JOIN size_mail z ON z.alias = u.alias WHERE"
				     " u.alias = ?",
				     DB_ARGS(DB_STR(m->box)))) < 0)
		return error;
	snprintf(m->path, sizeof(m->path), "%s",
		 panel__db_cell(rows, 0, 0) ? panel__db_cell(rows, 0, 0) : "");
	panel__db_cell_u64(&m->size, rows, 0, 1);
	panel__db_rows_free(rows);
	return 0;
}

static int load_mail(panel_mail **out, panel_db *db, const char *address, int lock)
{
	panel_db_rows *rows;
	panel_mail *m;
	uint64_t v = 0;
	int error;

	*out = NULL;
	if ((error = panel__db_query(&rows, db,
				     lock ? "SELECT mail, alias, uid, pop, COALESCE(DATE_FORMAT("
					    "expiration_date, '%Y-%m-%d %H:%i:%s'), '') FROM"
					    " mail_domain WHERE mail = ? AND type = 0 FOR UPDATE"
					  : "SELECT mail, alias, uid, pop, COALESCE(DATE_FORMAT("
					    "expiration_date, '%Y-%m-%d %H:%i:%s'), '') FROM"
					    " mail_domain WHERE mail = ? AND type = 0",
				     DB_ARGS(DB_STR(address)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "address", "no such address");
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	snprintf(m->address, sizeof(m->address), "%s", panel__db_cell(rows, 0, 0));
	const char *at = strchr(m->address, '@');
	snprintf(m->local, sizeof(m->local), "%.*s", at ? (int)(at - m->address) : 0, m->address);
	snprintf(m->domain, sizeof(m->domain), "%s", at ? at + 1 : "");
	panel__db_cell_u64(&v, rows, 0, 2);
	m->uid = (uint32_t)v;
	m->mailbox = panel__db_cell_u64(&v, rows, 0, 3) == 0 && v == 1;
	snprintf(m->expires, sizeof(m->expires), "%s", panel__db_cell(rows, 0, 4));
	error = parse_alias(m, panel__db_cell(rows, 0, 1));
	panel__db_rows_free(rows);
	if (!error && m->box[0])
		error = load_box(m, db);
	if (error < 0) {
		panel_mail_free(m);
		return error;
	}
	*out = m;
	return 0;
}

/* The address, if who may see it (locked when lock). */
static int owned_mail(panel_mail **out, panel_db *db, const panel_actor *who, const char *address,
		      int lock)
{
	struct address a;
	int error;

	*out = NULL;
	if ((error = parse_address(&a, address)) < 0 ||
	    (error = load_mail(out, db, a.full, lock)) < 0)
		return error;
	if ((error = panel__authz_owner(db, who, (*out)->uid, "address", "address")) < 0) {
		panel_mail_free(*out);
		*out = NULL;
	}
	return error;
}

/* ---------------------------------------------------------------- boxes */

static int create_box(panel_db *db, panel *p, uint32_t uid, const struct address *a,
		      const char *hash)
{
	char path[512], maildir[600];
	int error;

	/* Its folder is mail/<first character>: a "." or "-" there the runner refuses (one is
	 * the folder itself, the other an option to any program given the path). */
	if (a->local[0] == '.' || a->local[0] == '-')
		return panel__error(
		    PANEL_EINVALID, "local",
		    "a mailbox's local part starts with a letter, a digit, _, : or +");
	mail_path(path, sizeof(path), p, a);
	snprintf(maildir, sizeof(maildir), "%s/Maildir/", path);
	if ((error = panel__db_exec(NULL, db,
				    "INSERT INTO mail_users (uid, alias, path, password) VALUES"
				    " (?, ?, ?, ?), (?, ?, ?, ?)",
				    DB_ARGS(DB_U64(uid), DB_STR(a->box), DB_STR(path), DB_STR(hash),
					    DB_U64(uid), DB_STR(a->full), DB_STR(path),
					    DB_STR(hash)))) < 0)
		return error == PANEL_EEXISTS
			   ? panel__error(PANEL_EEXISTS, "local", "the mailbox already exists")
			   : error;
	if ((error = panel__db_exec(NULL, db,
				    "INSERT INTO mail_alias (mail, alias) VALUES (?, ?)"
				    " ON DUPLICATE KEY UPDATE alias = VALUES(alias)",
				    DB_ARGS(DB_STR(a->box), DB_STR(maildir)))) < 0)
		return error;
	panel_account *acct = NULL;
	if ((error = panel__account_load(&acct, db, uid)) < 0)
		return error;
	error = panel__action(db, "mail_add", uid, acct->login,
			      json_pack("{s:s, s:s}", "box", a->box, "path", path));
	panel_account_free(acct);
	return error;
}

static int delete_box(panel_db *db, uint32_t uid, const struct address *a, const char *path)
{
	int error;

	if ((error = panel__db_exec(NULL, db, "DELETE FROM mail_users WHERE alias IN (?, ?)",
				    DB_ARGS(DB_STR(a->box), DB_STR(a->full)))) < 0 ||
	    (error = panel__db_exec(NULL, db, "DELETE FROM mail_alias WHERE mail = ?",
				    DB_ARGS(DB_STR(a->box)))) < 0 ||
	    (error = panel__db_exec(NULL, db, "DELETE FROM size_mail WHERE alias = ?",
				    DB_ARGS(DB_STR(a->box)))) < 0)
		return error;
	panel_account *acct = NULL;
	if ((error = panel__account_load(&acct, db, uid)) < 0 && error != PANEL_ENOTFOUND)
		return error;
	error = panel__action(db, "mail_del", uid, acct ? acct->login : "",
			      json_pack("{s:s, s:s}", "box", a->box, "path", path ? path : ""));
	panel_account_free(acct);
	return error;
}

static int set_box_password(panel_db *db, const struct address *a, const char *hash)
{
	return panel__db_exec(NULL, db, "UPDATE mail_users SET password = ? WHERE alias IN (?, ?)",
			      DB_ARGS(DB_STR(hash), DB_STR(a->box), DB_STR(a->full)));
}

/* ---------------------------------------------------------------- the domain hook */

int panel__mail_domain_enable(panel_db *db, uint32_t uid, const char *domain)
{
	char postmaster[128];
	panel_account *owner = NULL;
	int error;

	/* The marker row makes postfix take the domain as a virtual alias domain. */
	if ((error = panel__db_exec(NULL, db,
				    "INSERT IGNORE INTO mail_domain (mail, alias, uid, pop, type)"
				    " VALUES (?, ?, ?, 0, 0)",
				    DB_ARGS(DB_STR(domain), DB_STR(domain), DB_U64(uid)))) < 0 ||
	    (error = panel__account_load(&owner, db, uid)) < 0)
		return error;
	/* postmaster@ goes to the owner, as AlternC does, when the quota leaves room. */
	snprintf(postmaster, sizeof(postmaster), "postmaster@%s", domain);
	if (owner->mail[0] && panel__quota_reserve(db, uid, "mail") == 0)
		error =
		    panel__db_exec(NULL, db,
				   "INSERT IGNORE INTO mail_domain (mail, alias, uid, pop, type)"
				   " VALUES (?, ?, ?, 0, 0)",
				   DB_ARGS(DB_STR(postmaster), DB_STR(owner->mail), DB_U64(uid)));
	panel_account_free(owner);
	return error;
}

/* ---------------------------------------------------------------- create */

struct create_ctx {
	panel *p;
	const panel_actor *who;
	const char *domain;
	const panel_mail_spec *spec;
	const char *hash;
	panel_mail *result;
};

static int create_body(panel_db *db, void *arg)
{
	struct create_ctx *ctx = arg;
	const panel_mail_spec *s = ctx->spec;
	char name[PANEL_DOMAIN_MAX + 1];
	panel_domain *d = NULL;
	struct address a;
	uint32_t uid;
	int error;

	panel_mail_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 1)) < 0 ||
	    (error = make_address(&a, s->local, name)) < 0 ||
	    (error = panel__domain_load(&d, db, name)) < 0)
		return error;
	const char *fqdn = panel_setting(ctx->p, "hosting", "fqdn");
	if (strcmp(d->dns_action, "DELETE") == 0)
		error = panel__error(PANEL_ECONFLICT, "domain", "the domain is being deleted");
	else if (!d->mx)
		error = panel__error(PANEL_ECONFLICT, "domain",
				     "the mail of this domain is not hosted here");
	else if (!a.local[0] && fqdn && strcmp(name, fqdn) == 0)
		error =
		    panel__error(PANEL_EINVALID, "local", "no catch-all on the panel's own domain");
	panel_domain_free(d);
	if (error < 0 || (error = check_future(db, s->expires)) < 0 ||
	    (error = panel__quota_reserve(db, uid, "mail")) < 0 ||
	    (s->password &&
	     (error = panel__policy_check(ctx->p, db, "pop", a.full, s->password)) < 0))
		return error;
	char *alias = alias_text(ctx->hash ? a.box : NULL, s->recipients);
	if (!alias)
		return panel__error_oom();
	const char *full = a.full; /* "@domain" for the catch-all */
	error = panel__db_exec(NULL, db,
			       "INSERT INTO mail_domain (mail, alias, uid, pop, type,"
			       " expiration_date) VALUES (?, ?, ?, ?, 0, ?)",
			       DB_ARGS(DB_STR(full), DB_STR(alias), DB_U64(uid),
				       DB_I64(ctx->hash ? 1 : 0),
				       s->expires && *s->expires ? DB_STR(s->expires) : DB_NULL));
	free(alias);
	if (error == PANEL_EEXISTS)
		return panel__error(PANEL_EEXISTS, "local", "%s already exists", full);
	if (error < 0 || (ctx->hash && (error = create_box(db, ctx->p, uid, &a, ctx->hash)) < 0) ||
	    (error = load_mail(&ctx->result, db, full, 0)) < 0)
		return error;
	return panel__audit(db, ctx->who, "mail.create", "mail", full, uid, NULL,
			    panel_mail_to_json(ctx->result));
}

int panel_mail_create(panel_mail **out, panel *p, const panel_actor *who, const char *domain,
		      const panel_mail_spec *spec)
{
	struct create_ctx ctx = {.p = p, .who = who, .domain = domain, .spec = spec};
	char hash[PANEL_HASH_MAX + 16];
	size_t n = 0;
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!spec)
		return panel__error(PANEL_EINVALID, NULL, "no spec");
	if (spec->version < 1 || spec->version > PANEL_MAIL_SPEC_VERSION)
		return panel__error(PANEL_EINVALID, "spec", "unknown mail spec version");
	if (!spec->local)
		return panel__error(PANEL_EINVALID, "local",
				    "the local part is required (\"\" for "
				    "the catch-all)");
	if ((error = check_recipients(spec->recipients, &n)) < 0 ||
	    (error = check_expires(spec->expires)) < 0)
		return error;
	const char *given = spec->version >= 2 ? spec->password_hash : NULL;
	if (!spec->password && !given && n == 0)
		return panel__error(PANEL_EINVALID, "recipients",
				    "an address needs a mailbox (password) or recipients");
	if (given && (error = given_box_hash(hash, who, spec)) < 0)
		return error;
	if (spec->password && !given && (error = hash_box_password(hash, spec->password)) < 0)
		return error;
	if (spec->password || given)
		ctx.hash = hash;
	error = panel__db_transaction(p->db, create_body, &ctx);
	sodium_memzero(hash, sizeof(hash));
	if (error < 0) {
		panel_mail_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- get, list */

struct get_ctx {
	const panel_actor *who;
	const char *address;
	panel_mail *result;
};

static int get_body(panel_db *db, void *arg)
{
	struct get_ctx *ctx = arg;
	int error;

	panel_mail_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	return owned_mail(&ctx->result, db, ctx->who, ctx->address, 0);
}

int panel_mail_get(panel_mail **out, panel *p, const panel_actor *who, const char *address)
{
	struct get_ctx ctx = {who, address, NULL};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, get_body, &ctx)) < 0) {
		panel_mail_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

struct list_ctx {
	const panel_actor *who;
	const char *domain, *prefix, *cursor;
	size_t limit, offset;
	panel_mail_list *out;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1], sql[1024], where[512];
	panel_db_param params[8];
	panel_db_rows *rows;
	uint64_t total = 0;
	uint32_t uid;
	size_t n = 0;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 0)) < 0)
		return error;
	snprintf(where, sizeof(where),
		 "uid = ? AND type = 0 AND RIGHT(mail, CHAR_LENGTH(?) + 1) ="
		 " CONCAT('@', ?)");
	params[n++] = DB_U64(uid);
	params[n++] = DB_STR(name);
	params[n++] = DB_STR(name);
	if (ctx->prefix && *ctx->prefix) {
		strcat(where, " AND LEFT(mail, CHAR_LENGTH(?)) = ?");
		params[n++] = DB_STR(ctx->prefix);
		params[n++] = DB_STR(ctx->prefix);
	}
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM mail_domain WHERE %s", where);
	if ((error = panel__db_query_u64(&total, db, sql, params, n)) < 0)
		return error;
	if (ctx->cursor && *ctx->cursor) {
		strcat(where, " AND mail > ?");
		params[n++] = DB_STR(ctx->cursor);
	}
	params[n++] = DB_U64(ctx->limit + 1);
	params[n++] = DB_U64(ctx->cursor && *ctx->cursor ? 0 : ctx->offset);
	snprintf(sql, sizeof(sql),
		 "SELECT mail FROM mail_domain WHERE %s ORDER BY mail LIMIT ?"
		 " OFFSET ?",
		 where);
	if ((error = panel__db_query(&rows, db, sql, params, n)) < 0)
		return error;
	size_t count = panel__db_rows_count(rows);
	int more = count > ctx->limit;
	if (more)
		count = ctx->limit;
	panel_mail_list *list = calloc(1, sizeof(*list));
	if (!list || (count && !(list->items = calloc(count, sizeof(*list->items))))) {
		free(list);
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < count && error == 0; i++) {
		panel_mail *m = NULL;
		if ((error = load_mail(&m, db, panel__db_cell(rows, i, 0), 0)) == 0) {
			list->items[i] = *m;
			free(m);
			list->count = i + 1;
		}
	}
	list->total = total;
	if (!error && more && count)
		snprintf(list->next_cursor, sizeof(list->next_cursor), "%s",
			 list->items[count - 1].address);
	panel__db_rows_free(rows);
	panel_mail_list_free(ctx->out);
	ctx->out = list;
	return error;
}

int panel_mail_list_get(panel_mail_list **out, panel *p, const panel_actor *who, const char *domain,
			const panel_mail_filter *filter)
{
	panel_mail_filter none = PANEL_MAIL_FILTER_INIT;
	const panel_mail_filter *f = filter ? filter : &none;
	struct list_ctx ctx = {who,	  domain, f->prefix, f->cursor, f->limit ? f->limit : 50,
			       f->offset, NULL};
	const char *prefix = f->prefix, *cursor = f->cursor;
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (f->version != PANEL_MAIL_FILTER_VERSION)
		return panel__error(PANEL_EINVALID, "filter", "unknown filter version");
	if (ctx.limit > 500)
		return panel__error(PANEL_EINVALID, "limit", "limit is 500 at most");
	if (prefix &&
	    (strlen(prefix) > 64 ||
	     strspn(prefix, "abcdefghijklmnopqrstuvwxyz0123456789_.:+-") != strlen(prefix)))
		return panel__error(PANEL_EINVALID, "prefix", "invalid prefix");
	if (cursor && (strlen(cursor) > PANEL_CURSOR_MAX || !panel__printable(cursor)))
		return panel__error(PANEL_EINVALID, "cursor", "invalid cursor");
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_mail_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

/* ---------------------------------------------------------------- update */

struct update_ctx {
	panel *p;
	const panel_actor *who;
	const char *address;
	const panel_mail_spec *spec;
	const char *hash;
	panel_mail *result;
};

static int update_body(panel_db *db, void *arg)
{
	struct update_ctx *ctx = arg;
	const panel_mail_spec *s = ctx->spec;
	panel_mail *before = NULL;
	struct address a;
	int error;

	panel_mail_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = owned_mail(&before, db, ctx->who, ctx->address, 1)) < 0)
		return error;
	if ((error = make_address(&a, before->local, before->domain)) < 0)
		goto out;
	int box = s->mailbox == 0 ? 0 : (before->mailbox || s->password != NULL);
	const char *const *recipients =
	    s->recipients ? s->recipients : (const char *const *)before->recipients;
	if (!box && (!recipients || !recipients[0])) {
		error = panel__error(PANEL_EINVALID, "recipients",
				     "without a mailbox, an address needs recipients");
		goto out;
	}
	if ((error = check_future(db, s->expires)) < 0 ||
	    (s->password && box &&
	     (error = panel__policy_check(ctx->p, db, "pop", a.full, s->password)) < 0))
		goto out;
	char *alias = alias_text(box ? a.box : NULL, recipients);
	if (!alias) {
		error = panel__error_oom();
		goto out;
	}
	error = panel__db_exec(NULL, db,
			       "UPDATE mail_domain SET alias = ?, pop = ?, expiration_date ="
			       " IF(? = 1, expiration_date, ?) WHERE mail = ?",
			       DB_ARGS(DB_STR(alias), DB_I64(box), DB_I64(s->expires ? 0 : 1),
				       s->expires && *s->expires ? DB_STR(s->expires) : DB_NULL,
				       DB_STR(before->address)));
	free(alias);
	if (error < 0)
		goto out;
	if (box && !before->mailbox)
		error = create_box(db, ctx->p, before->uid, &a, ctx->hash);
	else if (!box && before->mailbox)
		error = delete_box(db, before->uid, &a, before->path);
	else if (box && ctx->hash)
		error = set_box_password(db, &a, ctx->hash);
	if (error < 0 || (error = load_mail(&ctx->result, db, before->address, 0)) < 0)
		goto out;
	error = panel__audit(db, ctx->who, "mail.update", "mail", before->address, before->uid,
			     panel_mail_to_json(before), panel_mail_to_json(ctx->result));
out:
	panel_mail_free(before);
	return error;
}

int panel_mail_update(panel_mail **out, panel *p, const panel_actor *who, const char *address,
		      const panel_mail_spec *changes)
{
	struct update_ctx ctx = {.p = p, .who = who, .address = address, .spec = changes};
	char hash[PANEL_HASH_MAX + 16];
	size_t n;
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!changes)
		return panel__error(PANEL_EINVALID, NULL, "no changes");
	if (changes->version < 1 || changes->version > PANEL_MAIL_SPEC_VERSION)
		return panel__error(PANEL_EINVALID, "spec", "unknown mail spec version");
	if (changes->local)
		return panel__error(PANEL_EINVALID, "local", "an address cannot be renamed");
	if (changes->mailbox < -1 || changes->mailbox > 1)
		return panel__error(PANEL_EINVALID, "mailbox", "mailbox is 0 or 1");
	if (changes->mailbox == 0 && changes->password)
		return panel__error(PANEL_EINVALID, "password", "no password without a mailbox");
	if ((error = check_recipients(changes->recipients, &n)) < 0 ||
	    (error = check_expires(changes->expires)) < 0)
		return error;
	if (changes->password) {
		if ((error = hash_box_password(hash, changes->password)) < 0)
			return error;
		ctx.hash = hash;
	}
	error = panel__db_transaction(p->db, update_body, &ctx);
	sodium_memzero(hash, sizeof(hash));
	if (error < 0) {
		panel_mail_free(ctx.result);
		return error;
	}
	if (out)
		*out = ctx.result;
	else
		panel_mail_free(ctx.result);
	return 0;
}

/* ---------------------------------------------------------------- passwords */

int panel_mail_password(panel *p, const panel_actor *who, const char *address, const char *password)
{
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	panel_mail *m = NULL;
	int error;

	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the password is required");
	/* Only an existing box: this is not the way to create one. */
	if ((error = panel_mail_get(&m, p, who, address)) < 0)
		return error;
	int box = m->mailbox;
	panel_mail_free(m);
	if (!box)
		return panel__error(PANEL_ECONFLICT, "address", "this address has no mailbox");
	spec.password = password;
	return panel_mail_update(NULL, p, who, address, &spec);
}

struct self_ctx {
	panel *p;
	struct address a;
	const char *old_password, *password, *hash, *ip;
	panel__throttle throttle;
	int wrong;
};

static int self_charge_body(panel_db *db, void *arg)
{
	struct self_ctx *ctx = arg;

	return panel__throttle_charge(db, &ctx->throttle);
}

/* A box's own password changes (self-service) in an hour: each writes the box and an audit
 * row, and the throttle counts failures only; without a limit, whoever knows a box's password
 * could change it in a loop. The owner's and admins' changes do not count. */
#define SELF_CHANGES_PER_HOUR 10

static int self_limit(panel_db *db, const struct address *a)
{
	panel_db_rows *rows;
	uint64_t recent = 0, wait = 0;
	int error;

	if ((error = panel__db_query(
		 &rows, db,
		 "SELECT COUNT(*), GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(),"
		 " MIN(at) + INTERVAL 1 HOUR)) FROM panel_audit"
		 " WHERE object_kind = 'mail' AND object_id = ?"
		 " AND action = 'mail.password_self' AND at > NOW() - INTERVAL 1 HOUR",
		 DB_ARGS(DB_STR(a->full)))) < 0)
		return error;
	panel__db_cell_u64(&recent, rows, 0, 0);
	if (recent >= SELF_CHANGES_PER_HOUR)
		panel__db_cell_u64(&wait, rows, 0, 1);
	panel__db_rows_free(rows);
	if (recent < SELF_CHANGES_PER_HOUR)
		return 0;
	return panel__error(PANEL_ELIMIT, "password",
			    "%d changes of this password an hour at most: try again in %llu "
			    "seconds",
			    SELF_CHANGES_PER_HOUR, (unsigned long long)wait);
}

static int self_body(panel_db *db, void *arg)
{
	struct self_ctx *ctx = arg;
	uint64_t uid = 0;
	panel_db_rows *rows;
	int error;

	ctx->wrong = 0;
	/* The box's row locked first: changes of one box queue, each sees the password and the
	 * count of changes the one before it left (8 at once passed the limit by 4). */
	if ((error = panel__db_query(
		 &rows, db, "SELECT password, uid FROM mail_users WHERE alias = ? FOR UPDATE",
		 DB_ARGS(DB_STR(ctx->a.full)))) < 0)
		return error;
	const char *stored = panel__db_rows_count(rows) ? panel__db_cell(rows, 0, 0) : NULL;
	if (stored)
		panel__db_cell_u64(&uid, rows, 0, 1);
	/* Unknown address and wrong password look the same, in the time they take too (a check
	 * against a box hash of the usual cost); the attempt is already charged. */
	static const char no_box[] = "$6$panelnobox$"
				     "0000000000000000000000000000000000000000000"
				     "0000000000000000000000000000000000000000000";
	ctx->wrong =
	    panel_password_verify(stored ? stored : no_box, ctx->old_password, NULL) != 0 ||
	    !stored;
	panel__db_rows_free(rows);
	if (ctx->wrong)
		return 0;
	if ((error = self_limit(db, &ctx->a)) < 0 ||
	    (error = panel__throttle_success(db, &ctx->throttle)) < 0 ||
	    (error = panel__policy_check(ctx->p, db, "pop", ctx->a.full, ctx->password)) < 0 ||
	    (error = set_box_password(db, &ctx->a, ctx->hash)) < 0)
		return error;
	panel_actor self = panel_actor_system();
	self.ip = ctx->ip;
	return panel__audit(db, &self, "mail.password_self", "mail", ctx->a.full, (uint32_t)uid,
			    NULL, json_pack("{s:s}", "password", "changed"));
}

int panel_mail_password_self(panel *p, const char *address, const char *old_password,
			     const char *password, const char *ip)
{
	struct self_ctx ctx = {
	    .p = p, .old_password = old_password, .password = password, .ip = ip};
	char hash[PANEL_HASH_MAX + 16], key[300], ip_text[64], ip_key[80];
	int error;

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if ((error = parse_address(&ctx.a, address)) < 0 ||
	    (error =
		 panel__throttle_address(ip_text, sizeof(ip_text), ip_key, sizeof(ip_key), ip)) < 0)
		return error;
	if (!old_password || !*old_password)
		return panel__error(PANEL_EINVALID, "old_password",
				    "the current password is required");
	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the new password is required");
	snprintf(key, sizeof(key), "mail:%s", ctx.a.full);
	if ((error = panel__throttle_init(&ctx.throttle, key, ip_key)) < 0)
		return error;
	ctx.ip = ip_text;
	if ((error = panel__db_transaction(p->db, self_charge_body, &ctx)) < 0)
		return error;
	if ((error = panel__throttle_wait(p->db, &ctx.throttle)) < 0)
		return error;
	if ((error = hash_box_password(hash, password)) < 0)
		return error;
	ctx.hash = hash;
	error = panel__db_transaction(p->db, self_body, &ctx);
	sodium_memzero(hash, sizeof(hash));
	if (error == 0 && ctx.wrong)
		return panel__error(PANEL_EAUTH, "old_password", "wrong address or password");
	return error;
}

/* ---------------------------------------------------------------- delete */

static int delete_one(panel_db *db, const panel_actor *who, panel_mail *m)
{
	struct address a;
	int error;

	if ((error = make_address(&a, m->local, m->domain)) < 0 ||
	    (error = panel__db_exec(NULL, db, "DELETE FROM mail_domain WHERE mail = ?",
				    DB_ARGS(DB_STR(m->address)))) < 0 ||
	    (m->mailbox && (error = delete_box(db, m->uid, &a, m->path)) < 0))
		return error;
	return panel__audit(db, who, "mail.delete", "mail", m->address, m->uid,
			    panel_mail_to_json(m), NULL);
}

static int delete_body(panel_db *db, void *arg)
{
	struct get_ctx *ctx = arg;
	panel_mail *m = NULL;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = owned_mail(&m, db, ctx->who, ctx->address, 1)) < 0)
		return error;
	error = delete_one(db, ctx->who, m);
	panel_mail_free(m);
	return error;
}

int panel_mail_delete(panel *p, const panel_actor *who, const char *address)
{
	struct get_ctx ctx = {who, address, NULL};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	return panel__db_transaction(p->db, delete_body, &ctx);
}

struct purge_ctx {
	const panel_actor *who;
	unsigned count;
};

static int purge_body(panel_db *db, void *arg)
{
	struct purge_ctx *ctx = arg;
	panel_db_rows *rows;
	int error;

	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error =
		 panel__db_query(&rows, db,
				 "SELECT mail FROM mail_domain WHERE type = 0 AND expiration_date"
				 " IS NOT NULL AND expiration_date <= NOW() ORDER BY mail FOR"
				 " UPDATE",
				 DB_NOARGS)) < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows) && error == 0; i++) {
		panel_mail *m = NULL;
		if ((error = load_mail(&m, db, panel__db_cell(rows, i, 0), 0)) == 0 &&
		    (error = delete_one(db, ctx->who, m)) == 0)
			ctx->count++;
		panel_mail_free(m);
	}
	panel__db_rows_free(rows);
	return error;
}

int panel_mail_purge_expired(unsigned *count, panel *p, const panel_actor *who)
{
	struct purge_ctx ctx = {who, 0};
	int error;

	if (count)
		*count = 0;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!(who->kind == PANEL_ACTOR_SYSTEM || (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid &&
						  who->uid == PANEL_SUPER_ADMIN_UID)))
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only the system or the super admin purges expired addresses");
	if ((error = panel__db_transaction(p->db, purge_body, &ctx)) < 0)
		return error;
	if (count)
		*count = ctx.count;
	return 0;
}

void panel_mail_free(panel_mail *mail)
{
	if (!mail)
		return;
	for (size_t i = 0; i < mail->nrecipients; i++)
		free(mail->recipients[i]);
	free(mail->recipients);
	free(mail);
}

void panel_mail_list_free(panel_mail_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		for (size_t j = 0; j < list->items[i].nrecipients; j++)
			free(list->items[i].recipients[j]);
		free(list->items[i].recipients);
	}
	free(list->items);
	free(list);
}
