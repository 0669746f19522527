/* The accounts of slave DNS servers (slaveaccount) and backup MX servers (mxaccount), and the
 * domain lists they fetch with them (AlternC 1.0's m_dom and m_mail add_slave_account,
 * del_slave_account, enum_slave_account, check_slave_account and echo_domain_list).
 * Passwords stay in clear text in 1.0's columns; they are compared in constant time. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/slave.h"
#include "throttle.h"
#include "validate.h"

/* The two tables differ by name only: never a name from the caller. */
static const char *const sql_list[] = {"SELECT login FROM slaveaccount ORDER BY login",
				       "SELECT login FROM mxaccount ORDER BY login"};
static const char *const sql_insert[] = {"INSERT INTO slaveaccount (login, pass) VALUES (?, ?)",
					 "INSERT INTO mxaccount (login, pass) VALUES (?, ?)"};
static const char *const sql_delete[] = {"DELETE FROM slaveaccount WHERE login = ?",
					 "DELETE FROM mxaccount WHERE login = ?"};
static const char *const sql_pass[] = {"SELECT pass FROM slaveaccount WHERE BINARY login = ?",
				       "SELECT pass FROM mxaccount WHERE BINARY login = ?"};
static const char *const sql_domains[] = {
    "SELECT domaine FROM domaines WHERE gesdns = 1 ORDER BY domaine",
    "SELECT domaine FROM domaines WHERE gesmx = 1 ORDER BY domaine"};

const char *panel_slave_kind_name(panel_slave_kind kind)
{
	return kind == PANEL_SLAVE_MX ? "mx" : "dns";
}

static int check_kind(panel_slave_kind kind)
{
	if (kind != PANEL_SLAVE_DNS && kind != PANEL_SLAVE_MX)
		return panel__error(PANEL_EINVALID, "kind", "the kind is dns or mx");
	return 0;
}

/* Logins travel in HTTP Basic, where a colon would end them. */
static int check_login(const char *login)
{
	size_t n = login ? strlen(login) : 0;

	if (n == 0 || n > PANEL_SLAVE_LOGIN_MAX ||
	    strspn(login, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return panel__error(PANEL_EINVALID, "login",
				    "a login is 1 to %d letters, digits, '.', '_' or '-'",
				    PANEL_SLAVE_LOGIN_MAX);
	return 0;
}

static int check_password(const char *password)
{
	size_t n = password ? strlen(password) : 0;

	if (n < PANEL_SLAVE_PASSWORD_MIN || n > PANEL_SLAVE_PASSWORD_MAX)
		return panel__error(PANEL_EINVALID, "password", "a password is %d to %d characters",
				    PANEL_SLAVE_PASSWORD_MIN, PANEL_SLAVE_PASSWORD_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)password[i] < 0x21 || (unsigned char)password[i] > 0x7e)
			return panel__error(PANEL_EINVALID, "password",
					    "a password is printable ASCII without spaces (the "
					    "slave's configuration file holds it)");
	return 0;
}

struct account_ctx {
	const panel_actor *who;
	panel_slave_kind kind;
	const char *login, *password;
	int add; /* 1 add, 0 delete, -1 list */
	panel_slave_account *items;
	size_t count;
};

static void fill_account(void *item, const panel_db_rows *rows, size_t row)
{
	panel_slave_account *a = item;

	snprintf(a->login, sizeof(a->login), "%s", panel__db_cell(rows, row, 0));
}

static int list_body(panel_db *db, void *arg)
{
	struct account_ctx *ctx = arg;
	panel_db_rows *rows;
	void *items = NULL;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__db_query(&rows, db, sql_list[ctx->kind], DB_NOARGS)) < 0)
		return error;
	error = panel__rows_items(&items, &ctx->count, sizeof(*ctx->items), rows, fill_account);
	ctx->items = items;
	for (size_t i = 0; i < ctx->count; i++)
		ctx->items[i].kind = ctx->kind;
	panel__db_rows_free(rows);
	return error;
}

static int change_body(panel_db *db, void *arg)
{
	struct account_ctx *ctx = arg;
	const char *kind = panel_slave_kind_name(ctx->kind);
	uint64_t affected = 0;
	int error;

	/* These accounts read every member's domain names. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	if (ctx->add) {
		error = panel__db_exec(NULL, db, sql_insert[ctx->kind],
				       DB_ARGS(DB_STR(ctx->login), DB_STR(ctx->password)));
		if (error == PANEL_EEXISTS)
			error = panel__error(PANEL_EEXISTS, "login", "the %s account %s exists",
					     kind, ctx->login);
	} else {
		error = panel__db_exec(&affected, db, sql_delete[ctx->kind],
				       DB_ARGS(DB_STR(ctx->login)));
		if (error == 0 && affected == 0)
			error = panel__error(PANEL_ENOTFOUND, "login", "no %s account %s", kind,
					     ctx->login);
	}
	if (error < 0)
		return error;
	json_t *value = json_pack("{s:s, s:s}", "login", ctx->login, "kind", kind);
	return panel__audit(
	    db, ctx->who, ctx->add ? "slave_account.create" : "slave_account.delete",
	    "slave_account", ctx->login, 0, ctx->add ? NULL : value, ctx->add ? value : NULL);
}

int panel_slave_account_list_get(panel_slave_account_list **out, panel *p, const panel_actor *who,
				 panel_slave_kind kind)
{
	struct account_ctx ctx = {.who = who, .kind = kind, .add = -1};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0 || (error = panel__authz_admin_self(who)) < 0 ||
	    (error = check_kind(kind)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

int panel_slave_account_add(panel *p, const panel_actor *who, panel_slave_kind kind,
			    const char *login, const char *password)
{
	struct account_ctx ctx = {
	    .who = who, .kind = kind, .login = login, .password = password, .add = 1};
	int error;

	if ((error = panel__enter(p, who)) < 0 || (error = panel__authz_admin_self(who)) < 0 ||
	    (error = check_kind(kind)) < 0 || (error = check_login(login)) < 0 ||
	    (error = check_password(password)) < 0)
		return error;
	return panel__db_transaction(p->db, change_body, &ctx);
}

int panel_slave_account_delete(panel *p, const panel_actor *who, panel_slave_kind kind,
			       const char *login)
{
	struct account_ctx ctx = {.who = who, .kind = kind, .login = login, .add = 0};
	int error;

	if ((error = panel__enter(p, who)) < 0 || (error = panel__authz_admin_self(who)) < 0 ||
	    (error = check_kind(kind)) < 0 || (error = check_login(login)) < 0)
		return error;
	return panel__db_transaction(p->db, change_body, &ctx);
}

void panel_slave_account_list_free(panel_slave_account_list *list)
{
	PANEL__LIST_FREE(list);
}

/* ---------------------------------------------------------------- the slaves' own requests */

struct fetch_ctx {
	panel_slave_kind kind;
	const char *login, *password;
	panel__throttle throttle;
	int wrong;
	panel_slave_domain *items;
	size_t count;
};

static int fetch_charge_body(panel_db *db, void *arg)
{
	struct fetch_ctx *ctx = arg;

	return panel__throttle_charge(db, &ctx->throttle);
}

/* Compares in constant time over the column's whole width, so that neither the content nor the
 * length of the stored password shows in the time taken. An unknown login is compared against
 * nothing and fails the same way. */
static int password_matches(const char *stored, const char *given)
{
	unsigned char a[PANEL_SLAVE_PASSWORD_MAX + 1] = {0}, b[PANEL_SLAVE_PASSWORD_MAX + 1] = {0};
	size_t ns = stored ? strlen(stored) : 0, ng = strlen(given);
	int same;

	if (ns > PANEL_SLAVE_PASSWORD_MAX || ng > PANEL_SLAVE_PASSWORD_MAX)
		return 0;
	memcpy(a, stored ? stored : "", ns);
	memcpy(b, given, ng);
	a[PANEL_SLAVE_PASSWORD_MAX] = stored != NULL; /* a missing row never matches */
	b[PANEL_SLAVE_PASSWORD_MAX] = 1;
	same = sodium_memcmp(a, b, sizeof(a)) == 0 && ns == ng && ns > 0;
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	return same;
}

static void fill_domain(void *item, const panel_db_rows *rows, size_t row)
{
	panel_slave_domain *d = item;

	snprintf(d->domain, sizeof(d->domain), "%s", panel__db_cell(rows, row, 0));
}

static int read_domains(struct fetch_ctx *ctx, panel_db *db)
{
	panel_db_rows *rows;
	void *items = NULL;
	int error;

	if ((error = panel__db_query(&rows, db, sql_domains[ctx->kind], DB_NOARGS)) < 0)
		return error;
	error = panel__rows_items(&items, &ctx->count, sizeof(*ctx->items), rows, fill_domain);
	ctx->items = items;
	panel__db_rows_free(rows);
	return error;
}

static int fetch_body(panel_db *db, void *arg)
{
	struct fetch_ctx *ctx = arg;
	panel_db_rows *rows;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__db_query(&rows, db, sql_pass[ctx->kind], DB_ARGS(DB_STR(ctx->login)))) <
	    0)
		return error;
	const char *stored = panel__db_rows_count(rows) ? panel__db_cell(rows, 0, 0) : NULL;
	ctx->wrong = !password_matches(stored, ctx->password);
	panel__db_rows_free(rows);
	if (ctx->wrong)
		return 0;
	if ((error = panel__throttle_success(db, &ctx->throttle)) < 0)
		return error;
	return read_domains(ctx, db);
}

/* The throttle's keys: the account ("slave-dns:ns2") and the client's address. */
static int fetch_throttle(struct fetch_ctx *ctx, const char *ip)
{
	char key[PANEL_SLAVE_LOGIN_MAX + 16], ip_text[64], ip_key[80];
	int error;

	if ((error =
		 panel__throttle_address(ip_text, sizeof(ip_text), ip_key, sizeof(ip_key), ip)) < 0)
		return error;
	snprintf(key, sizeof(key), "slave-%s:%s", panel_slave_kind_name(ctx->kind), ctx->login);
	return panel__throttle_init(&ctx->throttle, key, ip_key);
}

int panel_slave_domain_list_get(panel_slave_domain_list **out, panel *p, panel_slave_kind kind,
				const char *login, const char *password, const char *ip)
{
	struct fetch_ctx ctx = {.kind = kind, .login = login, .password = password};
	int error;

	*out = NULL;
	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if ((error = check_kind(kind)) < 0)
		return error;
	/* A malformed login or password cannot be stored: refused as wrong, without a lookup. */
	if (!login || !password || check_login(login) < 0 ||
	    strlen(password) > PANEL_SLAVE_PASSWORD_MAX)
		return panel__error(PANEL_EAUTH, NULL, "wrong login or password");
	if ((error = fetch_throttle(&ctx, ip)) < 0 ||
	    (error = panel__db_transaction(p->db, fetch_charge_body, &ctx)) < 0)
		return error;
	if ((error = panel__throttle_wait(p->db, &ctx.throttle)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, fetch_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	if (ctx.wrong)
		return panel__error(PANEL_EAUTH, NULL, "wrong login or password");
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

void panel_slave_domain_list_free(panel_slave_domain_list *list)
{
	PANEL__LIST_FREE(list);
}
