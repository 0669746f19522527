/* Member accounts (AlternC m_admin / m_mem): reading, creating, changing (with If-Match), locking,
 * renewing, admin rights and password changes. Deletion is in account_delete.c. */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "credential.h"
#include "cron_lock.h"
#include "error.h"
#include "ftp_internal.h"
#include "handle.h"
#include "member_hash.h"
#include "panel/json.h"
#include "policy_internal.h"
#include "quota_internal.h"
#include "throttle.h"
#include "validate.h"

/* Every column of panel_account as stored, in the order parse_row reads them, and the server's
 * clock: dates are formatted, defaults applied and the expiry computed in C (parse_row), which
 * costs the server much less than DATE_FORMAT, DATE_ADD and COALESCE on every row. */
#define ACCOUNT_COLUMNS                                                                            \
	"m.uid, m.login, m.mail, l.nom, l.prenom, m.type, m.notes, m.enabled, m.su, m.canpass,"    \
	" m.creator, c.login, m.created, m.renewed, m.duration, m.lastlogin, m.lastip, "           \
	"m.lastfail,"                                                                              \
	" NOW()"
#define ACCOUNT_NCOLUMNS 19

const char panel__account_select[] =
    "SELECT " ACCOUNT_COLUMNS " FROM membres m LEFT JOIN local l ON l.uid = m.uid"
    " LEFT JOIN membres c ON c.uid = m.creator AND m.creator <> 0";

/* src cut to size - 1 bytes, as snprintf("%s") would (without its cost: a read parses 13). */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* ".../" then v, for the etag's numbers. */
static char *put_number(char *out, uint64_t v, int slash)
{
	char digits[24];
	size_t n = 0;

	if (slash)
		*out++ = '/';
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*out++ = digits[--n];
	return out;
}

/* The etag covers what an update can change, not the login bookkeeping (lastlogin...). */
static void compute_etag(panel_account *a)
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char numbers[128];

	crypto_hash_sha256_init(&st);
	const char *fields[] = {a->login, a->mail,  a->nom,	a->prenom,
				a->type,  a->notes, a->renewed, a->creator_login};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		crypto_hash_sha256_update(&st, (const unsigned char *)fields[i],
					  strlen(fields[i]) + 1);
	}
	/* "%u/%d/%d/%d/%u/%u" of uid, enabled, admin, canpass, creator, duration (the flags are
	 * 0 or 1) */
	char *end = put_number(numbers, a->uid, 0);
	end = put_number(end, (uint64_t)a->enabled, 1);
	end = put_number(end, (uint64_t)a->admin, 1);
	end = put_number(end, (uint64_t)a->canpass, 1);
	end = put_number(end, a->creator, 1);
	end = put_number(end, a->duration, 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)numbers, (size_t)(end - numbers));
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(a->etag, sizeof(a->etag), digest, 16);
}

/* A number cell; def when NULL (the COALESCE of the old columns). */
static uint64_t cell_or(const panel_db_rows *rows, size_t i, size_t col, uint64_t def)
{
	uint64_t v;

	return panel__db_cell_u64(&v, rows, i, col) == 0 ? v : def;
}

/* A DATETIME cell as "YYYY-MM-DD HH:MM:SS" ("" for NULL). */
static void copy_date(char dst[20], const char *src)
{
	copy(dst, 20, src);
}

static int parse_row(panel_account *a, const panel_db_rows *rows, size_t i)
{
	const char *type = panel__db_cell(rows, i, 5), *duration = panel__db_cell(rows, i, 14);
	const char *renewed = panel__db_cell(rows, i, 13), *lastlogin = panel__db_cell(rows, i, 15);
	const char *now = panel__db_cell(rows, i, 18);

	memset(a, 0, sizeof(*a));
	a->uid = (uint32_t)cell_or(rows, i, 0, 0);
	copy(a->login, sizeof(a->login), panel__db_cell(rows, i, 1));
	copy(a->mail, sizeof(a->mail), panel__db_cell(rows, i, 2));
	copy(a->nom, sizeof(a->nom), panel__db_cell(rows, i, 3));
	copy(a->prenom, sizeof(a->prenom), panel__db_cell(rows, i, 4));
	copy(a->type, sizeof(a->type), type ? type : "default");
	const char *notes = panel__db_cell(rows, i, 6);
	a->notes = strdup(notes ? notes : "");
	if (!a->notes)
		return panel__error_oom();
	a->enabled = cell_or(rows, i, 7, 0) != 0;
	a->admin = cell_or(rows, i, 8, 0) == 1;
	a->canpass = cell_or(rows, i, 9, 1) != 0;
	a->creator = (uint32_t)cell_or(rows, i, 10, 0);
	copy(a->creator_login, sizeof(a->creator_login),
	     a->creator ? panel__db_cell(rows, i, 11) : NULL);
	copy_date(a->created, panel__db_cell(rows, i, 12));
	/* duration is a signed INT: only a positive one makes a period. */
	if (duration && *duration && *duration != '-' && strtoul(duration, NULL, 10) > 0) {
		a->duration = (unsigned)strtoul(duration, NULL, 10);
		copy_date(a->renewed, renewed);
		if (renewed && panel__account_add_months(a->expiry, a->renewed, a->duration) == 0)
			a->expired = now && strcmp(a->expiry, now) <= 0;
	}
	if (lastlogin && strcmp(lastlogin, "0000-00-00 00:00:00") != 0)
		copy_date(a->lastlogin, lastlogin);
	copy(a->lastip, sizeof(a->lastip), panel__db_cell(rows, i, 16));
	a->lastfail = (unsigned)cell_or(rows, i, 17, 0);
	compute_etag(a);
	return 0;
}

int panel__account_load(panel_account **out, panel_db *db, uint32_t uid)
{
	char sql[sizeof(panel__account_select) + 32];
	panel_db_rows *rows;
	panel_account *a;
	int error;

	*out = NULL;
	snprintf(sql, sizeof(sql), "%s WHERE m.uid = ?", panel__account_select);
	if ((error = panel__db_query(&rows, db, sql, DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "login", "no such account");
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		error = panel__error_oom();
	else if ((error = parse_row(a, rows, 0)) < 0) {
		panel_account_free(a);
		a = NULL;
	}
	panel__db_rows_free(rows);
	*out = a;
	return error;
}

int panel__account_rows(panel_account **items, const panel_db_rows *rows, size_t count)
{
	int error;

	*items = count ? calloc(count, sizeof(**items)) : NULL;
	if (count && !*items)
		return panel__error_oom();
	for (size_t i = 0; i < count; i++)
		if ((error = parse_row(&(*items)[i], rows, i)) < 0)
			return error;
	return 0;
}

void panel_account_free(panel_account *account)
{
	if (!account)
		return;
	free(account->notes);
	free(account);
}

/* ---------------------------------------------------------------- validation */

/* 1 when word is one of the words (separated by spaces or commas) of list. */
static int listed_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *s = list ? list : ""; *s;) {
		s += strspn(s, " ,\t");
		size_t len = strcspn(s, " ,\t");
		if (len == n && strncasecmp(s, word, n) == 0)
			return 1;
		s += len;
	}
	return 0;
}

/* Lower-cases login into out and checks AlternC's rules and the reserved names: names of the
 * panel database and its user, and names a member database could not take. */
static int check_login(char out[PANEL_LOGIN_MAX + 1], const panel *p, const char *login)
{
	/* "panel": panel_rst_<db> are the restore accounts (database_restore.c). */
	static const char *const reserved[] = {
	    "mysql", "mariadb", "root", "sys", "panel", "information_schema", "performance_schema",
	    "test"};
	size_t n;

	if (!login || !*login)
		return panel__error(PANEL_EINVALID, "login", "the login is required");
	n = strlen(login);
	if (n > PANEL_LOGIN_MAX)
		return panel__error(PANEL_EINVALID, "login", "the login has %d characters at most",
				    PANEL_LOGIN_MAX);
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)login[i]);
	for (size_t i = 0; i < n; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9')))
			return panel__error(PANEL_EINVALID, "login",
					    "the login may only contain a-z and 0-9");
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(out, reserved[i]) == 0)
			return panel__error(PANEL_EINVALID, "login", "the login %s is reserved",
					    out);
	const char *dbname = panel_setting(p, "database", "name");
	const char *dbuser = panel_setting(p, "database", "user");
	const char *memberuser = panel_setting(p, "member_database", "user");
	if ((dbname && strcasecmp(out, dbname) == 0) || (dbuser && strcasecmp(out, dbuser) == 0) ||
	    (memberuser && strcasecmp(out, memberuser) == 0))
		return panel__error(PANEL_EINVALID, "login",
				    "the login %s is the panel's own database name or user", out);
	/* A member's MySQL user is named after its login: these are the usual names of
	 * replication, proxy, monitoring and backup accounts, which it would shadow. */
	if (listed_word("repl replication replicator slave dbproxy dbmon monitor maxscale "
			"proxysql mysqlrouter haproxy backup mariabackup xtrabackup",
			out) ||
	    listed_word(panel_setting(p, "accounts", "reserved_logins"), out))
		return panel__error(PANEL_EINVALID, "login",
				    "the login %s is reserved ([accounts] reserved_logins)", out);
	return 0;
}

/* The member server has a MySQL account of that user name that is not a member's (a
 * replication or monitoring account made by hand): a member of that login would get a user
 * of the same name, which could shadow it. PANEL_EINVALID then. */
static int check_server_accounts(panel *p, const char *login)
{
	panel_db *mdb;
	panel_db_rows *rows;
	uint64_t known = 0;
	int error;

	/* A read, run again on a new connection when the member server's was lost (a failover:
	 * dbproxy closes the sessions it cannot move, and this is the first statement on it). */
	if ((error = panel__member_db(&mdb, p)) < 0 ||
	    (error = panel__db_read(&rows, mdb, "SELECT COUNT(*) FROM mysql.user WHERE user = ?",
				    DB_ARGS(DB_STR(login)))) < 0)
		return error;
	error = panel__db_cell_u64(&known, rows, 0, 0);
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	return known ? panel__error(PANEL_EINVALID, "login",
				    "the login %s is the name of an account of the database server",
				    login)
		     : 0;
}

static int check_text(const char *value, const char *field, size_t max)
{
	if (!value)
		return 0;
	if (strlen(value) > max)
		return panel__error(PANEL_EINVALID, field, "%s is longer than %zu characters",
				    field, max);
	if (!panel__utf8_text(value, 0))
		return panel__error(PANEL_EINVALID, field,
				    "%s is not UTF-8 text without control characters", field);
	return 0;
}

/* Notes may span lines, but carry no other control character. */
static int check_notes(const char *notes)
{
	if (!notes)
		return 0;
	if (strlen(notes) > 65535)
		return panel__error(PANEL_EINVALID, "notes", "notes are 65535 bytes at most");
	if (!panel__utf8_text(notes, 1))
		return panel__error(PANEL_EINVALID, "notes",
				    "notes are UTF-8 text without control characters other than"
				    " line breaks and tabs");
	return 0;
}

static int check_flag(int value, const char *field)
{
	if (value < -1 || value > 1)
		return panel__error(PANEL_EINVALID, field, "%s must be 0 or 1", field);
	return 0;
}

/* An actor that authenticated with an application key grants no admin rights: the key's scope
 * would otherwise buy a new administrator's unscoped login (panel_actor.by_apikey). */
static int key_grants_no_admin(const panel_actor *who, int admin)
{
	if (who && who->by_apikey && admin == 1)
		return panel__error(PANEL_EFORBIDDEN, "admin",
				    "an application key grants no admin rights: log in to do that");
	return 0;
}

/* The checks that need no database, shared by create and update. */
static int check_spec_fields(const panel_actor *who, const panel_account_spec *spec)
{
	int error;

	if ((error = key_grants_no_admin(who, spec->admin)) < 0)
		return error;

	if (spec->version < 1 || spec->version > PANEL_ACCOUNT_SPEC_VERSION)
		return panel__error(PANEL_EINVALID, "spec", "unknown account spec version");
	if (spec->mail && !panel__valid_mail(spec->mail))
		return panel__error(PANEL_EINVALID, "mail", "invalid e-mail address");
	if (spec->mail && strlen(spec->mail) > 128)
		return panel__error(PANEL_EINVALID, "mail",
				    "the address is 128 characters at most");
	if ((error = check_text(spec->nom, "nom", 128)) < 0 ||
	    (error = check_text(spec->prenom, "prenom", 128)) < 0 ||
	    (error = check_notes(spec->notes)) < 0 ||
	    (error = check_flag(spec->enabled, "enabled")) < 0 ||
	    (error = check_flag(spec->canpass, "canpass")) < 0 ||
	    (error = check_flag(spec->admin, "admin")) < 0 ||
	    (spec->version >= 3 && (error = check_flag(spec->ftp, "ftp")) < 0))
		return error;
	if (spec->type && (!*spec->type || check_text(spec->type, "type", 128) < 0))
		return panel__error(PANEL_EINVALID, "type", "invalid account type");
	if (spec->duration < -1 || spec->duration > 1200)
		return panel__error(
		    PANEL_EINVALID, "duration",
		    "duration is a number of months from 0 (never expires) to 1200");
	return 0;
}

static int check_type_exists(panel_db *db, const char *type)
{
	uint64_t n = 0;
	int error;

	if (strcmp(type, "default") == 0)
		return 0;
	/* A shared lock: a concurrent panel_quota_type_delete (quota_type.c) either waits for this
	 * account to commit and then sees it, or deletes the type first and this sees none. */
	if ((error = panel__db_query_u64(&n, db,
					 "SELECT COUNT(*) FROM defquotas WHERE type = ?"
					 " LOCK IN SHARE MODE",
					 DB_ARGS(DB_STR(type)))) < 0)
		return error;
	if (n == 0)
		return panel__error(PANEL_EINVALID, "type",
				    "unknown account type %s (define its default quotas first)",
				    type);
	return 0;
}

/* Hashes password for the panel ([accounts] password_scheme), outside any transaction: it is
 * slow on purpose. */
static int hash_password(panel *p, char out[PANEL_HASH_MAX], const char *password)
{
	return panel__member_hash(p, out, password);
}

/* The caller's hash (spec version 2, bulk imports hashing on several threads) when it is of
 * the configured scheme and work factor, else a new one. */
static int given_or_new_hash(char out[PANEL_HASH_MAX], panel *p, const panel_account_spec *spec)
{
	const char *given = spec->version >= 2 ? spec->password_hash : NULL;
	size_t len;

	if (!given)
		return hash_password(p, out, spec->password);
	len = strlen(given);
	/* Without the password (a migration from 1.0), any hash the login can verify; it is
	 * upgraded to the configured scheme at the member's next login. */
	if (!spec->password && panel_password_hash_known(given)) {
		/* Stored as PHP's crypt() reads it: AlternC 1.0's login compares crypt($password,
		 * $stored) with $stored, which a mail server's "{CRYPT}" tag never equals. */
		const char *end = given[0] == '{' ? strchr(given, '}') : NULL;
		if (end)
			given = end + 1;
		memcpy(out, given, strlen(given) + 1);
		return 0;
	}
	if (len == 0 || len >= PANEL_HASH_MAX || !spec->password ||
	    !panel__member_hash_current(p, given))
		return panel__error(PANEL_EINVALID, "password_hash",
				    spec->password
					? "not a hash of the configured scheme and work factor"
					: "not a password hash AlternC or the panel writes");
	memcpy(out, given, len + 1);
	return 0;
}

/* ---------------------------------------------------------------- create */

struct create_ctx {
	panel *p;
	const panel_actor *who;
	const panel_account_spec *spec;
	char login[PANEL_LOGIN_MAX + 1];
	const char *hash, *ftp_hash;
	panel_account *result;
};

static int create_body(panel_db *db, void *arg)
{
	struct create_ctx *ctx = arg;
	const panel_account_spec *s = ctx->spec;
	const char *type = s->type ? s->type : "default";
	int duration = s->duration > 0 ? s->duration : 0;
	uint32_t uid;
	int error;

	panel_account_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = check_server_accounts(ctx->p, ctx->login)) < 0 ||
	    (error = check_type_exists(db, type)) < 0 ||
	    (s->password &&
	     (error = panel__policy_check(ctx->p, db, "mem", ctx->login, s->password)) < 0))
		return error;
	error = panel__db_exec(
	    NULL, db,
	    "INSERT INTO membres (login, pass, mail, creator, canpass, enabled, su, type,"
	    " created, notes, duration, renewed)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NOW(), ?, ?, IF(? > 0, NOW(), NULL))",
	    DB_ARGS(DB_STR(ctx->login), DB_STR(ctx->hash), DB_STR(s->mail ? s->mail : ""),
		    DB_U64(ctx->who->kind == PANEL_ACTOR_ADMIN ? ctx->who->uid : 0),
		    DB_I64(s->canpass == 0 ? 0 : 1), DB_I64(s->enabled == 0 ? 0 : 1),
		    DB_I64(s->admin == 1 ? 1 : 0), DB_STR(type), DB_STR(s->notes ? s->notes : ""),
		    duration ? DB_I64(duration) : DB_NULL, DB_I64(duration)));
	if (error == PANEL_EEXISTS)
		return panel__error(PANEL_EEXISTS, "login", "the login %s is already taken",
				    ctx->login);
	if (error < 0)
		return error;
	uid = (uint32_t)panel__db_insert_id(db);
	if ((error =
		 panel__db_exec(NULL, db, "INSERT INTO local (uid, nom, prenom) VALUES (?, ?, ?)",
				DB_ARGS(DB_U64(uid), DB_STR(s->nom ? s->nom : ""),
					DB_STR(s->prenom ? s->prenom : "")))) < 0 ||
	    (error = panel__quota_init(db, uid, type)) < 0 ||
	    (error = panel__action(db, "mem_add", uid, ctx->login, NULL)) < 0 ||
	    (error = panel__quota_queue_web(db, uid, ctx->login)) < 0 ||
	    (error = panel__account_load(&ctx->result, db, uid)) < 0)
		return error;
	if ((error = panel__audit(db, ctx->who, "account.create", "account", ctx->login, uid, NULL,
				  panel_account_to_json(ctx->result))) < 0)
		return error;
	return panel__account_create_extras(db, ctx->p, ctx->who, ctx->login, s, ctx->ftp_hash);
}

int panel_account_create(panel_account **out, panel *p, const panel_actor *who,
			 const panel_account_spec *spec)
{
	struct create_ctx ctx = {.p = p, .who = who, .spec = spec};
	char hash[PANEL_HASH_MAX], ftp_hash[PANEL_HASH_MAX] = "";
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!spec)
		return panel__error(PANEL_EINVALID, NULL, "no spec");
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator creates accounts");
	if ((error = check_login(ctx.login, p, spec->login)) < 0 ||
	    (error = check_spec_fields(who, spec)) < 0)
		return error;
	/* A stored hash instead of the password: the system's migrations only (no policy can
	 * check it). */
	if (spec->version >= 2 && spec->password_hash && !spec->password &&
	    who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EFORBIDDEN, "password_hash",
				    "only the system imports an account by its stored hash");
	if ((!spec->password || !*spec->password) &&
	    !(spec->version >= 2 && spec->password_hash && !spec->password))
		return panel__error(PANEL_EINVALID, "password", "the password is required");
	if (!spec->mail && who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EINVALID, "mail", "the contact address is required");
	if ((error = given_or_new_hash(hash, p, spec)) < 0)
		return error;
	ctx.hash = hash;
	if (spec->version >= 3 && spec->ftp == 1 && spec->password &&
	    (error = panel__ftp_hash(ftp_hash, spec->password)) < 0)
		return error;
	ctx.ftp_hash = ftp_hash;
	/* A domain to install makes the creation a domain write (AlternC's cron lock). */
	if (spec->version >= 3 && spec->install_domain && *spec->install_domain)
		error = panel__domain_write(p, create_body, &ctx, NULL);
	else
		error = panel__db_transaction(p->db, create_body, &ctx);
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(ftp_hash, sizeof(ftp_hash));
	if (error < 0) {
		panel_account_free(ctx.result);
		return error;
	}
	panel__account_notice(p, ctx.result->uid, ctx.result->login);
	*out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- get */

/* The account by login, the actor's facts and the check of its token in one statement, outside
 * any transaction: a GET of one account is one round trip and one snapshot, however the actor
 * acts. Only the joins the actor needs are made: the account it acts as, AlternC's
 * subadmin_restriction (an admin other than the super admin, acting as itself) and its token.
 * The facts take the columns of PANEL__AUTHZ_FACTS_JOINED_COLUMNS (NULL when not joined), the
 * token those of PANEL__CREDENTIAL_ROW_COLUMNS, compared in C with the row's NOW(). An unknown
 * login gives no row: the facts are then read on their own (the rare path, two statements).
 * The creator's row is joined even for creator 0 (no such uid; parse_row ignores its login
 * then): a condition less for the server to set up on every execution. */
#define GET_SELECT "SELECT " ACCOUNT_COLUMNS ", authz_me.enabled, authz_me.su,"
#define GET_AS	   " IF(authz_as.uid IS NULL, NULL, COALESCE(authz_as.creator, 0)),"
#define GET_VAR	   " authz_var.value"
#define GET_FROM                                                                                   \
	" FROM membres m LEFT JOIN local l ON l.uid = m.uid"                                       \
	" LEFT JOIN membres c ON c.uid = m.creator"                                                \
	" LEFT JOIN membres authz_me ON authz_me.uid = ?"
#define GET_AS_JOIN  " LEFT JOIN membres authz_as ON authz_as.uid = ?"
#define GET_VAR_JOIN " LEFT JOIN variable authz_var ON authz_var.name = 'subadmin_restriction'"
#define GET_WHERE    " WHERE m.login = ?"
#define GET_SQL(as_col, var_col, cred_col, as_join, var_join, cred_join)                           \
	GET_SELECT as_col var_col cred_col GET_FROM as_join var_join cred_join GET_WHERE

#define GET_CRED      "," PANEL__CREDENTIAL_ROW_COLUMNS
#define GET_CRED_HASH PANEL__CREDENTIAL_ROW_JOIN
#define GET_CRED_ID   PANEL__CREDENTIAL_ROW_JOIN_BY_ID
#define GET_SQL3(as_col, var_col, as_join, var_join)                                               \
	GET_SQL(as_col, var_col, "", as_join, var_join, ""),                                       \
	    GET_SQL(as_col, var_col, GET_CRED, as_join, var_join, GET_CRED_HASH),                  \
	    GET_SQL(as_col, var_col, GET_CRED, as_join, var_join, GET_CRED_ID)

/* Indexed by ((as << 1) | var) * 3 + credential (0: none, 1: by hash, 2: by id). */
static const char *const get_sql[12] = {
    GET_SQL3(" NULL,", " NULL", "", ""),
    GET_SQL3(" NULL,", GET_VAR, "", GET_VAR_JOIN),
    GET_SQL3(GET_AS, " NULL", GET_AS_JOIN, ""),
    GET_SQL3(GET_AS, GET_VAR, GET_AS_JOIN, GET_VAR_JOIN),
};

/* The rules of panel__authz_actor (the token first), then those of panel__authz_account, on a
 * row of get_sql. */
static int get_decide(panel_account **out, panel *p, const panel_actor *who, const char *login,
		      const panel_db_rows *rows)
{
	panel_db *db = p->db;
	panel__authz_facts facts;
	panel_account *a;
	uint64_t uid = 0, creator = 0;
	int error;

	if ((error = panel__authz_facts_parse(&facts, rows, ACCOUNT_NCOLUMNS)) < 0 ||
	    (who->token_hash &&
	     (error = panel__credential_check_row(
		  db, &p->token_ids, who, rows, ACCOUNT_NCOLUMNS + PANEL__AUTHZ_FACTS_NCOLS,
		  panel__db_cell(rows, 0, ACCOUNT_NCOLUMNS - 1), facts.me_found, facts.me_enabled,
		  facts.me_su)) < 0) ||
	    (error = panel__authz_actor_facts(who, &facts)) < 0)
		return error;
	if ((error = panel__db_cell_u64(&uid, rows, 0, 0)) < 0)
		return error;
	creator = panel__db_cell(rows, 0, 10) ? strtoull(panel__db_cell(rows, 0, 10), NULL, 10) : 0;
	if (!uid || !panel__authz_sees(who, &facts, (uint32_t)uid, (uint32_t)creator))
		return panel__error(PANEL_ENOTFOUND, "login", "no account %s", login);
	if (!(a = calloc(1, sizeof(*a))))
		return panel__error_oom();
	if ((error = parse_row(a, rows, 0)) < 0) {
		panel_account_free(a);
		return error;
	}
	*out = a;
	return 0;
}

int panel_account_get(panel_account **out, panel *p, const panel_actor *who, const char *login)
{
	panel_db_param params[6];
	panel_db_rows *rows;
	size_t n = 0;
	uint64_t id;
	int error, as, var, cred;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!login || !*login) {
		if ((error = panel__authz_actor_in(p->db, who, 1)) < 0)
			return error;
		return panel__error(PANEL_EINVALID, "login", "no login given");
	}
	if (who->kind == PANEL_ACTOR_SYSTEM) {
		char sql[sizeof(panel__account_select) + 32];
		snprintf(sql, sizeof(sql), "%s WHERE m.login = ?", panel__account_select);
		if ((error = panel__db_read(&rows, p->db, sql, DB_ARGS(DB_STR(login)))) < 0)
			return error;
		if (panel__db_rows_count(rows) != 1)
			error = panel__error(PANEL_ENOTFOUND, "login", "no account %s", login);
		else if (!(*out = calloc(1, sizeof(**out))))
			error = panel__error_oom();
		else if ((error = parse_row(*out, rows, 0)) < 0) {
			panel_account_free(*out);
			*out = NULL;
		}
		panel__db_rows_free(rows);
		return error;
	}
	as = who->as_uid != 0;
	var = who->kind == PANEL_ACTOR_ADMIN && !as && who->uid != PANEL_SUPER_ADMIN_UID;
	cred = who->token_hash != NULL;
	params[n++] = DB_U64(who->uid);
	if (as)
		params[n++] = DB_U64(who->as_uid);
	if (cred && (id = panel__credential_id(&p->token_ids, who->token_hash))) {
		cred = 2;
		params[n++] = DB_U64(id);
	} else if (cred) {
		params[n++] = DB_STR(who->token_hash);
	}
	params[n++] = DB_STR(login);
	if ((error = panel__credential_query(&rows, p->db, 1, get_sql[((as << 1) | var) * 3 + cred],
					     params, n)) < 0)
		return error;
	if (panel__db_rows_count(rows) == 1) {
		error = get_decide(out, p, who, login, rows);
		panel__db_rows_free(rows);
		return error;
	}
	panel__db_rows_free(rows);
	if ((error = panel__authz_actor_in(p->db, who, 1)) < 0)
		return error;
	return panel__error(PANEL_ENOTFOUND, "login", "no account %s", login);
}

/* ---------------------------------------------------------------- changes */

struct modify_ctx;
typedef int (*modify_fn)(panel_db *db, struct modify_ctx *ctx, const panel_account *before);

struct modify_ctx {
	panel *p;
	const panel_actor *who;
	const char *login;
	int need_admin;
	const char *if_match;
	const char *action;
	modify_fn apply;
	const void *op;
	uint32_t uid;
	panel_account *result;
};

static int modify_body(panel_db *db, void *arg)
{
	struct modify_ctx *ctx = arg;
	panel_account *before = NULL;
	int error;

	panel_account_free(ctx->result);
	ctx->result = NULL;
	/* The row locked as it is found: concurrent changes of one account queue behind each
	 * other. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account_locked(&ctx->uid, db, ctx->who, ctx->login,
						 ctx->need_admin)) < 0 ||
	    (error = panel__account_load(&before, db, ctx->uid)) < 0)
		return error;
	if (ctx->if_match && strcmp(ctx->if_match, before->etag) != 0) {
		panel_account_free(before);
		return panel__error(PANEL_ECONFLICT, "if_match",
				    "the account was changed since it was read (etag %s)",
				    ctx->if_match);
	}
	if ((error = ctx->apply(db, ctx, before)) < 0 ||
	    (error = panel__account_load(&ctx->result, db, ctx->uid)) < 0) {
		panel_account_free(before);
		return error;
	}
	error = panel__audit(db, ctx->who, ctx->action, "account", before->login, ctx->uid,
			     panel_account_to_json(before), panel_account_to_json(ctx->result));
	panel_account_free(before);
	return error;
}

static int run_modify(panel_account **out, struct modify_ctx *ctx)
{
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(ctx->p, ctx->who)) < 0)
		return error;
	if (ctx->need_admin && !panel__authz_is_admin(ctx->who))
		return panel__error(PANEL_EFORBIDDEN, NULL, "only an administrator may do this");
	if ((error = panel__db_transaction(ctx->p->db, modify_body, ctx)) < 0) {
		panel_account_free(ctx->result);
		return error;
	}
	if (out)
		*out = ctx->result;
	else
		panel_account_free(ctx->result);
	return 0;
}

static int is_self(const struct modify_ctx *ctx)
{
	return ctx->who->kind == PANEL_ACTOR_ADMIN && !ctx->who->as_uid &&
	       ctx->uid == ctx->who->uid;
}

/* A lock ends the account's sessions: refused while it is locked, a thief's token came back
 * with the unlock. */
static int revoke_sessions(panel_db *db, uint32_t uid)
{
	return panel__db_exec(NULL, db,
			      "UPDATE panel_tokens SET revoked = 1 WHERE uid = ? AND revoked = 0",
			      DB_ARGS(DB_U64(uid)));
}

static int set_enabled(panel_db *db, struct modify_ctx *ctx, const panel_account *before)
{
	int enable = *(const int *)ctx->op, error;

	if (!enable && (is_self(ctx) || before->uid == PANEL_SUPER_ADMIN_UID))
		return panel__error(PANEL_ECONFLICT, "login",
				    "an administrator cannot lock itself or the super admin");
	if ((error = panel__db_exec(NULL, db, "UPDATE membres SET enabled = ? WHERE uid = ?",
				    DB_ARGS(DB_I64(enable), DB_U64(ctx->uid)))) < 0)
		return error;
	return enable ? 0 : revoke_sessions(db, ctx->uid);
}

int panel_account_lock(panel_account **out, panel *p, const panel_actor *who, const char *login,
		       const char *if_match)
{
	static const int off = 0;
	struct modify_ctx ctx = {.p = p,
				 .who = who,
				 .login = login,
				 .need_admin = 1,
				 .if_match = if_match,
				 .action = "account.lock",
				 .apply = set_enabled,
				 .op = &off};

	return run_modify(out, &ctx);
}

int panel_account_unlock(panel_account **out, panel *p, const panel_actor *who, const char *login,
			 const char *if_match)
{
	static const int on = 1;
	struct modify_ctx ctx = {.p = p,
				 .who = who,
				 .login = login,
				 .need_admin = 1,
				 .if_match = if_match,
				 .action = "account.unlock",
				 .apply = set_enabled,
				 .op = &on};

	return run_modify(out, &ctx);
}

static int set_admin_flag(panel_db *db, struct modify_ctx *ctx, const panel_account *before)
{
	int admin = *(const int *)ctx->op;

	if (before->admin == admin)
		return panel__error(PANEL_ECONFLICT, "admin",
				    admin ? "the account is already an administrator"
					  : "the account is not an administrator");
	if (!admin && (is_self(ctx) || before->uid == PANEL_SUPER_ADMIN_UID))
		return panel__error(PANEL_ECONFLICT, "admin",
				    "an administrator cannot remove its own rights or the super "
				    "admin's");
	return panel__db_exec(NULL, db, "UPDATE membres SET su = ? WHERE uid = ?",
			      DB_ARGS(DB_I64(admin), DB_U64(ctx->uid)));
}

int panel_account_set_admin(panel_account **out, panel *p, const panel_actor *who,
			    const char *login, int admin)
{
	struct modify_ctx ctx = {.p = p,
				 .who = who,
				 .login = login,
				 .need_admin = 1,
				 .action = admin ? "account.grant_admin" : "account.revoke_admin",
				 .apply = set_admin_flag,
				 .op = &admin};
	int error;

	if (admin != 0 && admin != 1)
		return panel__error(PANEL_EINVALID, "admin", "admin must be 0 or 1");
	if ((error = key_grants_no_admin(who, admin)) < 0)
		return error;
	if (who && who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "admin rights are not changed while acting as a member");
	return run_modify(out, &ctx);
}

static int renew_period(panel_db *db, struct modify_ctx *ctx, const panel_account *before)
{
	unsigned periods = *(const unsigned *)ctx->op;
	int error;

	if ((error = panel__authz_own_limits(ctx->who, ctx->uid)) < 0)
		return error;
	if (before->duration == 0)
		return panel__error(PANEL_EINVALID, "duration",
				    "the account never expires: set a duration first");
	return panel__db_exec(NULL, db,
			      "UPDATE membres SET renewed = DATE_ADD(COALESCE(renewed, NOW()),"
			      " INTERVAL duration * ? MONTH) WHERE uid = ?",
			      DB_ARGS(DB_U64(periods), DB_U64(ctx->uid)));
}

int panel_account_renew(panel_account **out, panel *p, const panel_actor *who, const char *login,
			unsigned periods, const char *if_match)
{
	struct modify_ctx ctx = {.p = p,
				 .who = who,
				 .login = login,
				 .need_admin = 1,
				 .if_match = if_match,
				 .action = "account.renew",
				 .apply = renew_period,
				 .op = &periods};

	if (periods < 1 || periods > 100)
		return panel__error(PANEL_EINVALID, "periods", "periods must be 1 to 100");
	return run_modify(out, &ctx);
}

/* A password set by someone else than the account's owner (an admin's reset, after a theft, a
 * departure) ends the account's login tokens, as the reset by mail does: whoever held one
 * must log in with the new password. The owner's own change keeps its sessions. */
static int revoke_if_reset(panel_db *db, const panel_actor *who, uint32_t uid)
{
	if (who->kind == PANEL_ACTOR_MEMBER ||
	    (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid && who->uid == uid))
		return 0;
	return revoke_sessions(db, uid);
}

struct update_op {
	const panel_account_spec *spec;
	const char *hash; /* the admin's password reset, hashed; NULL for none */
};

/* The first field of s that a member may not change on its own account (it changes its mail,
 * nom and prenom), or NULL. */
static const char *member_forbidden_field(const panel_account_spec *s)
{
	return s->type		   ? "type"
	       : s->notes	   ? "notes"
	       : s->password	   ? "password"
	       : s->enabled != -1  ? "enabled"
	       : s->canpass != -1  ? "canpass"
	       : s->admin != -1	   ? "admin"
	       : s->duration != -1 ? "duration"
				   : NULL;
}

static int member_may_change(const panel_account_spec *s)
{
	const char *field = member_forbidden_field(s);

	if (field)
		return panel__error(PANEL_EFORBIDDEN, field,
				    "a member may only change its mail, nom and prenom");
	return 0;
}

static int apply_update(panel_db *db, struct modify_ctx *ctx, const panel_account *before)
{
	const struct update_op *op = ctx->op;
	const panel_account_spec *s = op->spec;
	int error;

	if (member_forbidden_field(s) && (error = panel__authz_own_limits(ctx->who, ctx->uid)) < 0)
		return error;
	if (s->type && (error = check_type_exists(db, s->type)) < 0)
		return error;
	if (s->enabled == 0 && before->enabled &&
	    (is_self(ctx) || before->uid == PANEL_SUPER_ADMIN_UID))
		return panel__error(PANEL_ECONFLICT, "enabled",
				    "an administrator cannot lock itself or the super admin");
	if (s->admin == 0 && before->admin &&
	    (is_self(ctx) || before->uid == PANEL_SUPER_ADMIN_UID))
		return panel__error(PANEL_ECONFLICT, "admin",
				    "an administrator cannot remove its own rights or the super "
				    "admin's");
	if (s->password &&
	    (error = panel__policy_check(ctx->p, db, "mem", before->login, s->password)) < 0)
		return error;
	/* AlternC's renew_update: no duration clears the period; a new duration starts one. */
	error = panel__db_exec(
	    NULL, db,
	    "UPDATE membres SET mail = COALESCE(?, mail), type = COALESCE(?, type),"
	    " notes = COALESCE(?, notes), enabled = COALESCE(?, enabled),"
	    " canpass = COALESCE(?, canpass), su = COALESCE(?, su), pass = COALESCE(?, pass),"
	    " renewed = CASE WHEN ? < 0 THEN renewed WHEN ? = 0 THEN NULL"
	    "  ELSE COALESCE(renewed, NOW()) END,"
	    " duration = CASE WHEN ? < 0 THEN duration WHEN ? = 0 THEN NULL ELSE ? END"
	    " WHERE uid = ?",
	    DB_ARGS(DB_STR(s->mail), DB_STR(s->type), DB_STR(s->notes),
		    s->enabled >= 0 ? DB_I64(s->enabled) : DB_NULL,
		    s->canpass >= 0 ? DB_I64(s->canpass) : DB_NULL,
		    s->admin >= 0 ? DB_I64(s->admin) : DB_NULL, DB_STR(op->hash),
		    DB_I64(s->duration), DB_I64(s->duration), DB_I64(s->duration),
		    DB_I64(s->duration), DB_I64(s->duration), DB_U64(ctx->uid)));
	if (error < 0 || (op->hash && (error = revoke_if_reset(db, ctx->who, ctx->uid)) < 0) ||
	    (s->enabled == 0 && (error = revoke_sessions(db, ctx->uid)) < 0))
		return error;
	if (!s->nom && !s->prenom)
		return 0;
	/* Old databases may lack the local row. */
	if ((error = panel__db_exec(NULL, db, "INSERT IGNORE INTO local (uid) VALUES (?)",
				    DB_ARGS(DB_U64(ctx->uid)))) < 0)
		return error;
	return panel__db_exec(
	    NULL, db,
	    "UPDATE local SET nom = COALESCE(?, nom), prenom = COALESCE(?, prenom)"
	    " WHERE uid = ?",
	    DB_ARGS(DB_STR(s->nom), DB_STR(s->prenom), DB_U64(ctx->uid)));
}

struct may_set_password_ctx {
	panel *p;
	const panel_actor *who;
	const char *login, *password;
};

/* Before hashing a new password (slow on purpose): may the actor manage the account, and does
 * the password meet the policy? So that nobody makes the server hash for nothing. */
static int may_set_password_body(panel_db *db, void *arg)
{
	struct may_set_password_ctx *ctx = arg;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login,
					  PANEL__AUTHZ_ADMIN | PANEL__AUTHZ_CHANGE)) < 0)
		return error;
	return panel__policy_check(ctx->p, db, "mem", ctx->login, ctx->password);
}

int panel_account_update(panel_account **out, panel *p, const panel_actor *who, const char *login,
			 const panel_account_spec *changes, const char *if_match)
{
	char hash[PANEL_HASH_MAX];
	struct update_op op = {.spec = changes};
	struct modify_ctx ctx = {.p = p,
				 .who = who,
				 .login = login,
				 .if_match = if_match,
				 .action = "account.update",
				 .apply = apply_update,
				 .op = &op};
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!changes)
		return panel__error(PANEL_EINVALID, NULL, "no changes given");
	if ((error = check_spec_fields(who, changes)) < 0)
		return error;
	if (changes->login)
		return panel__error(PANEL_EINVALID, "login", "a login cannot be changed");
	if (changes->version >= 3 && (changes->ftp == 1 || changes->install_domain))
		return panel__error(PANEL_EINVALID, changes->ftp == 1 ? "ftp" : "install_domain",
				    "only a new account gets a default FTP account or domain");
	if (!panel__authz_is_admin(who) && (error = member_may_change(changes)) < 0)
		return error;
	if ((changes->admin != -1) && who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, "admin",
				    "admin rights are not changed while acting as a member");
	if (changes->password) {
		struct may_set_password_ctx check = {p, who, login, changes->password};
		if ((error = panel__db_transaction(p->db, may_set_password_body, &check)) < 0 ||
		    (error = hash_password(p, hash, changes->password)) < 0)
			return error;
		op.hash = hash;
	}
	error = run_modify(out, &ctx);
	sodium_memzero(hash, sizeof(hash));
	return error;
}

/* ---------------------------------------------------------------- password */

/* In three steps, so that nobody makes the server hash for nothing: authorize (and check the
 * policy), then for a member check the old password under the login's throttling, and only
 * then hash the new one and store it. */
struct password_ctx {
	panel *p;
	const panel_actor *who;
	const char *login, *old_password, *new_password, *hash;
	uint32_t uid;
	char stored_login[PANEL_LOGIN_MAX + 1];
	char *stored; /* a member's current hash, checked against old_password */
	panel__throttle throttle;
};

/* Who changes its own password gives the current one: a member, and an administrator other
 * than the super admin on its own account, where it has a member's rights. */
static int self_service(const panel_actor *who, uint32_t uid)
{
	return who->kind == PANEL_ACTOR_MEMBER ||
	       (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid && uid == who->uid &&
		who->uid != PANEL_SUPER_ADMIN_UID);
}

static int password_check_body(panel_db *db, void *arg)
{
	struct password_ctx *ctx = arg;
	panel_db_rows *rows;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&ctx->uid, db, ctx->who, ctx->login,
					  PANEL__AUTHZ_CHANGE)) < 0)
		return error;
	if (self_service(ctx->who, ctx->uid)) {
		if ((error = panel__db_query(&rows, db,
					     "SELECT pass, COALESCE(canpass, 1), login FROM membres"
					     " WHERE uid = ?",
					     DB_ARGS(DB_U64(ctx->uid)))) < 0)
			return error;
		const char *stored = panel__db_cell(rows, 0, 0),
			   *canpass = panel__db_cell(rows, 0, 1),
			   *login = panel__db_cell(rows, 0, 2);
		if (!canpass || strcmp(canpass, "0") == 0)
			error = panel__error(PANEL_EFORBIDDEN, "password",
					     "this account may not change its own password");
		else if (!ctx->old_password || !*ctx->old_password)
			error = panel__error(PANEL_EINVALID, "old_password",
					     "the current password is required");
		else if (!(ctx->stored = strdup(stored ? stored : "")))
			error = panel__error_oom();
		else
			snprintf(ctx->stored_login, sizeof(ctx->stored_login), "%s",
				 login ? login : ctx->login);
		panel__db_rows_free(rows);
		if (error < 0)
			return error;
	}
	return panel__policy_check(ctx->p, db, "mem", ctx->login, ctx->new_password);
}

static int password_charge_body(panel_db *db, void *arg)
{
	struct password_ctx *ctx = arg;

	return panel__throttle_charge(db, &ctx->throttle);
}

static int password_body(panel_db *db, void *arg)
{
	struct password_ctx *ctx = arg;
	uint32_t uid;
	uint64_t same = 1;
	int error;

	/* Again: the rights or the account may have changed while the password was checked. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login, PANEL__AUTHZ_CHANGE)) < 0)
		return error;
	if (uid != ctx->uid)
		return panel__error(PANEL_ECONFLICT, "login", "the account changed meanwhile");
	if (self_service(ctx->who, ctx->uid)) {
		/* The old password was checked against this hash: not against a newer one. */
		if ((error = panel__db_query_u64(&same, db,
						 "SELECT COUNT(*) FROM membres WHERE uid = ? AND"
						 " BINARY pass = ? FOR UPDATE",
						 DB_ARGS(DB_U64(uid), DB_STR(ctx->stored)))) < 0)
			return error;
		if (!same)
			return panel__error(PANEL_ECONFLICT, "old_password",
					    "the password changed meanwhile");
		if ((error = panel__throttle_success(db, &ctx->throttle)) < 0)
			return error;
	}
	if ((error = panel__db_exec(NULL, db, "UPDATE membres SET pass = ? WHERE uid = ?",
				    DB_ARGS(DB_STR(ctx->hash), DB_U64(uid)))) < 0 ||
	    (error = revoke_if_reset(db, ctx->who, uid)) < 0)
		return error;
	return panel__audit(db, ctx->who, "account.password", "account", ctx->login, uid, NULL,
			    json_pack("{s:s}", "password", "changed"));
}

int panel_account_password(panel *p, const panel_actor *who, const char *login,
			   const char *old_password, const char *new_password)
{
	struct password_ctx ctx = {.p = p,
				   .who = who,
				   .login = login,
				   .old_password = old_password,
				   .new_password = new_password};
	char hash[PANEL_HASH_MAX], ip_text[64], ip_key[80], subject[PANEL_LOGIN_MAX + 8];
	int error;

	hash[0] = '\0';
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!new_password || !*new_password)
		return panel__error(PANEL_EINVALID, "password", "the new password is required");
	if ((error = panel__db_transaction(p->db, password_check_body, &ctx)) < 0)
		goto out;
	if (self_service(who, ctx.uid)) {
		/* The same counters as a login: a stolen token does not buy more guesses. */
		snprintf(subject, sizeof(subject), "login:%s", ctx.stored_login);
		if ((error = panel__throttle_address(ip_text, sizeof(ip_text), ip_key,
						     sizeof(ip_key), who->ip)) < 0 ||
		    (error = panel__throttle_init(&ctx.throttle, subject, ip_key)) < 0 ||
		    (error = panel__db_transaction(p->db, password_charge_body, &ctx)) < 0)
			goto out;
		if ((error = panel__throttle_wait(p->db, &ctx.throttle)) < 0)
			goto out;
		if (panel_password_verify(ctx.stored, old_password, NULL) != 0) {
			error = panel__error(PANEL_EAUTH, "old_password",
					     "the current password is wrong");
			goto out;
		}
	}
	if ((error = hash_password(p, hash, new_password)) < 0)
		goto out;
	ctx.hash = hash;
	error = panel__db_transaction(p->db, password_body, &ctx);
out:
	sodium_memzero(hash, sizeof(hash));
	if (ctx.stored) {
		sodium_memzero(ctx.stored, strlen(ctx.stored));
		free(ctx.stored);
	}
	return error;
}

/* ---------------------------------------------------------------- act as */

struct act_ctx {
	const panel_actor *admin;
	const char *login;
	uint32_t uid;
};

static int act_body(panel_db *db, void *arg)
{
	struct act_ctx *ctx = arg;
	int error;

	if ((error = panel__authz_actor(db, ctx->admin)) < 0)
		return error;
	/* What the admin may then change through the account, the rules of a change decide: not
	 * the super admin's account for a sub-admin, no admin's account through a key. */
	return panel__authz_account(&ctx->uid, db, ctx->admin, ctx->login,
				    PANEL__AUTHZ_ADMIN | PANEL__AUTHZ_CHANGE);
}

int panel_account_act_as(panel_actor *out, panel *p, const panel_actor *admin, const char *login)
{
	struct act_ctx ctx = {admin, login, 0};
	int error;

	if ((error = panel__enter(p, admin)) < 0)
		return error;
	if (admin->kind != PANEL_ACTOR_ADMIN || admin->as_uid)
		return panel__error(PANEL_EFORBIDDEN, "as",
				    "only an administrator may act as a member");
	if ((error = panel__db_transaction(p->db, act_body, &ctx)) < 0)
		return error;
	/* Acting as oneself made an administrator a member of its own account, and its own
	 * account's rules (quotas, expiry, canpass, the old password) the manager's to waive. */
	if (ctx.uid == admin->uid)
		return panel__error(PANEL_EFORBIDDEN, "as",
				    "an administrator does not act as itself: its own account is "
				    "changed as itself, under its own account's rules");
	*out = panel_actor_admin_as(admin->uid, ctx.uid);
	out->ip = admin->ip;
	out->token_hash = admin->token_hash; /* checked again by every operation it runs */
	out->by_apikey = admin->by_apikey;
	return 0;
}
