/* Application keys: created by admins, shown once, stored as SHA-256 hashes, scoped (read,
 * write, or some resource kinds), expiring, and limited to source networks (IPv4/IPv6 CIDRs). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "audit_internal.h"
#include "authz.h"
#include "auth_internal.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/auth.h"
#include "panel/json.h"
#include "validate.h"

#define NAME_MAX_CHARS 128
#define SCOPE_MAX      255
#define NETWORKS_MAX   1023

static const char *const resource_kinds[] = {"accounts",  "quotas",  "domains", "mail",
					     "databases", "dbusers", "ftp",	"audit",
					     "apikeys",	  "metrics", "slaves",	"files"};
#define N_KINDS (sizeof(resource_kinds) / sizeof(resource_kinds[0]))

/* The next item of a comma list, without surrounding spaces (start and len), and *s moves past
 * the comma. 0 at the end of the list. */
static int next_item(const char **s, const char **start, size_t *len)
{
	const char *p = *s, *end;

	if (!p)
		return 0;
	end = strchr(p, ',');
	if (!end)
		end = p + strlen(p);
	while (p < end && *p == ' ')
		p++;
	*start = p;
	*len = (size_t)(end - p);
	while (*len > 0 && p[*len - 1] == ' ')
		(*len)--;
	*s = *end ? end + 1 : NULL;
	return 1;
}

/* "read", "write", or a comma list of distinct resource kinds, rewritten without spaces. */
static int normalize_scope(char *out, size_t outsz, const char *scope)
{
	unsigned seen = 0;
	const char *s = scope, *item;
	size_t len, used = 0;

	if (!scope || !*scope)
		scope = "write";
	if (strcmp(scope, "read") == 0 || strcmp(scope, "write") == 0) {
		snprintf(out, outsz, "%s", scope);
		return 0;
	}
	out[0] = '\0';
	while (next_item(&s, &item, &len)) {
		size_t k;
		for (k = 0; k < N_KINDS; k++)
			if (strlen(resource_kinds[k]) == len &&
			    memcmp(resource_kinds[k], item, len) == 0)
				break;
		if (k == N_KINDS)
			return panel__error(PANEL_EINVALID, "scope",
					    "the scope is \"read\", \"write\" or a comma list of"
					    " accounts, quotas, domains, mail, databases, dbusers,"
					    " ftp, audit, apikeys");
		if (seen & (1u << k))
			return panel__error(PANEL_EINVALID, "scope", "%s is repeated in the scope",
					    resource_kinds[k]);
		seen |= 1u << k;
		if (used + len + 2 > outsz)
			return panel__error(PANEL_EINVALID, "scope", "the scope is too long");
		if (used)
			out[used++] = ',';
		memcpy(out + used, item, len);
		used += len;
		out[used] = '\0';
	}
	return 0;
}

struct cidr {
	int family;
	unsigned char addr[16];
	unsigned prefix;
};

static void mask_host_bits(struct cidr *c)
{
	size_t bytes = c->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < bytes; i++) {
		unsigned keep = c->prefix > i * 8 ? c->prefix - (unsigned)(i * 8) : 0;
		if (keep < 8)
			c->addr[i] &= (unsigned char)(0xff00u >> keep);
	}
}

/* "address" or "address/prefix", IPv4 or IPv6; host bits are cleared. */
static int parse_cidr(struct cidr *c, const char *item, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	unsigned long prefix;
	int mapped;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, item, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		buf[slash - buf] = '\0';
	/* An IPv4-mapped IPv6 network counts as the IPv4 network it carries. */
	mapped = strchr(buf, ':') != NULL;
	if (panel__auth_parse_ip(c->addr, &c->family, buf) < 0)
		return -1;
	mapped = mapped && c->family == AF_INET;
	if (!slash) {
		c->prefix = c->family == AF_INET ? 32 : 128;
	} else {
		unsigned long max = c->family == AF_INET && !mapped ? 32 : 128;
		if (!panel__parse_ulong(&prefix, slash + 1, 0, max))
			return -1;
		/* No "/08" or "/+8": one spelling per network. */
		if (slash[1] == '0' && slash[2] != '\0')
			return -1;
		if (mapped) {
			if (prefix < 96)
				return -1;
			prefix -= 96;
		}
		c->prefix = (unsigned)prefix;
	}
	mask_host_bits(c);
	return 0;
}

static int normalize_networks(char *out, size_t outsz, const char *networks)
{
	const char *s = networks, *item;
	size_t len, used = 0;

	out[0] = '\0';
	if (!networks || !*networks)
		return 0;
	while (next_item(&s, &item, &len)) {
		struct cidr c;
		char text[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];
		int n;
		if (parse_cidr(&c, item, len) < 0 ||
		    !inet_ntop(c.family, c.addr, addr, sizeof(addr)))
			return panel__error(PANEL_EINVALID, "networks",
					    "\"%.*s\" is not an IPv4 or IPv6 network (CIDR)",
					    (int)(len > 64 ? 64 : len), item);
		n = snprintf(text, sizeof(text), "%s/%u", addr, c.prefix);
		if (n < 0 || used + (size_t)n + 2 > outsz)
			return panel__error(PANEL_EINVALID, "networks",
					    "the list of networks is longer than %zu characters",
					    outsz - 1);
		if (used)
			out[used++] = ',';
		memcpy(out + used, text, (size_t)n + 1);
		used += (size_t)n;
	}
	return 0;
}

/* 1 when networks (normalized, "" = anywhere) allows ip. */
static int network_allows(const char *networks, const char *ip)
{
	unsigned char addr[16];
	const char *s = networks, *item;
	size_t len;
	int family;

	if (!networks || !*networks)
		return 1;
	if (panel__auth_parse_ip(addr, &family, ip) < 0)
		return 0;
	while (next_item(&s, &item, &len)) {
		struct cidr c;
		unsigned full, rest;
		if (parse_cidr(&c, item, len) < 0 || c.family != family)
			continue;
		full = c.prefix / 8;
		rest = c.prefix % 8;
		if (memcmp(c.addr, addr, full) != 0)
			continue;
		if (rest && ((c.addr[full] ^ addr[full]) & (unsigned char)(0xff00u >> rest)))
			continue;
		return 1;
	}
	return 0;
}

static int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (midnight) with real calendar values. */
static int normalize_expires(char out[20], const char *s)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	static const char pattern[] = "dddd-dd-dd dd:dd:dd";
	unsigned v[6] = {0};
	size_t len = strlen(s);

	if (len != 10 && len != 19)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (pattern[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pattern[i])
			goto bad;
	}
	for (size_t i = 0, f = 0; i < len && f < 6; f++) {
		size_t digits = f == 0 ? 4 : 2;
		for (size_t d = 0; d < digits; d++)
			v[f] = v[f] * 10 + (unsigned)(s[i + d] - '0');
		i += digits + 1;
	}
	if (v[0] < 1000 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > mdays[v[1] - 1] + (v[1] == 2 && is_leap(v[0])) || v[3] > 23 || v[4] > 59 ||
	    v[5] > 59)
		goto bad;
	snprintf(out, 20, "%.10s %s", s, len == 19 ? s + 11 : "00:00:00");
	return 0;
bad:
	return panel__error(PANEL_EINVALID, "expires",
			    "expires is a date \"YYYY-MM-DD HH:MM:SS\" or \"YYYY-MM-DD\"");
}

static int copy_text(char *dst, size_t dstsz, const char *value)
{
	if (!value)
		value = "";
	if (strlen(value) >= dstsz)
		return panel__error(PANEL_ERROR, NULL, "stored value longer than %zu bytes",
				    dstsz - 1);
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

#define KEY_COLUMNS                                                                                \
	"k.id, k.uid, m.login, k.name, k.scope, k.networks, k.expires, k.created, k.last_used,"    \
	" k.revoked FROM panel_apikeys k JOIN membres m ON m.uid = k.uid"

static int row_to_key(panel_apikey *key, const panel_db_rows *rows, size_t r)
{
	uint64_t id = 0, uid = 0, revoked = 0;
	int error;

	memset(key, 0, sizeof(*key));
	if ((error = panel__db_cell_u64(&id, rows, r, 0)) < 0 ||
	    (error = panel__db_cell_u64(&uid, rows, r, 1)) < 0 ||
	    (error = panel__db_cell_u64(&revoked, rows, r, 9)) < 0)
		return panel__error(PANEL_ERROR, NULL, "unreadable application key row");
	key->id = id;
	key->uid = (uint32_t)uid;
	key->revoked = revoked != 0;
	if ((error = copy_text(key->login, sizeof(key->login), panel__db_cell(rows, r, 2))) < 0 ||
	    (error = copy_text(key->name, sizeof(key->name), panel__db_cell(rows, r, 3))) < 0 ||
	    (error = copy_text(key->scope, sizeof(key->scope), panel__db_cell(rows, r, 4))) < 0 ||
	    (error = copy_text(key->networks, sizeof(key->networks), panel__db_cell(rows, r, 5))) <
		0 ||
	    (error = copy_text(key->expires, sizeof(key->expires), panel__db_cell(rows, r, 6))) <
		0 ||
	    (error = copy_text(key->created, sizeof(key->created), panel__db_cell(rows, r, 7))) <
		0 ||
	    (error =
		 copy_text(key->last_used, sizeof(key->last_used), panel__db_cell(rows, r, 8))) < 0)
		return error;
	return 0;
}

/* The key id visible to who (its owner, or the super admin), locked for update when asked. */
static int load_key(panel_apikey *key, panel_db *db, const panel_actor *who, uint64_t id,
		    int for_update)
{
	panel_db_rows *rows;
	int error;

	if ((error = panel__db_query(&rows, db,
				     for_update ? "SELECT " KEY_COLUMNS " WHERE k.id = ? FOR UPDATE"
						: "SELECT " KEY_COLUMNS " WHERE k.id = ?",
				     DB_ARGS(DB_U64(id)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "id", "no application key %llu",
				    (unsigned long long)id);
	}
	error = row_to_key(key, rows, 0);
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	if (who->uid != PANEL_SUPER_ADMIN_UID && key->uid != who->uid)
		return panel__error(PANEL_ENOTFOUND, "id", "no application key %llu",
				    (unsigned long long)id);
	return 0;
}

static int require_admin(const panel_actor *who)
{
	int error;

	if ((error = panel_actor_check(who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_ADMIN)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only administrators have application keys");
	/* A member has no keys, and the admin's own keys are not the member's business: listing,
	 * creating or revoking them "as" a member would be the admin's act under another name. */
	if (who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, "as",
				    "application keys are not managed while acting as a member");
	return 0;
}

/* ---------------------------------------------------------------- create */

struct create_ctx {
	const panel_actor *who;
	const char *name, *scope, *networks, *expires, *key_hash;
	panel_apikey *out;
};

static int create_body(panel_db *db, void *arg)
{
	struct create_ctx *ctx = arg;
	char id[24];
	uint64_t id_value, future = 0;
	json_t *after;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->expires) {
		if ((error = panel__db_query_u64(&future, db, "SELECT CAST(? AS DATETIME) > NOW()",
						 DB_ARGS(DB_STR(ctx->expires)))) < 0)
			return error;
		if (!future)
			return panel__error(PANEL_EINVALID, "expires",
					    "expires must be in the future");
	}
	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO panel_apikeys (uid, name, key_hash, scope, networks,"
		 " expires) VALUES (?, ?, ?, ?, ?, ?)",
		 DB_ARGS(DB_U64(ctx->who->uid), DB_STR(ctx->name), DB_STR(ctx->key_hash),
			 DB_STR(ctx->scope), DB_STR(ctx->networks), DB_STR(ctx->expires)))) < 0)
		return error;
	id_value = panel__db_insert_id(db);
	if ((error = load_key(ctx->out, db, ctx->who, id_value, 0)) < 0)
		return error;
	if (!(after = panel_apikey_to_json(ctx->out)))
		return panel__error_oom();
	snprintf(id, sizeof(id), "%llu", (unsigned long long)id_value);
	return panel__audit(db, ctx->who, "apikey.create", "apikey", id, ctx->who->uid, NULL,
			    after);
}

int panel_apikey_create(panel_apikey *out, char *secret_out, size_t secret_size, panel *p,
			const panel_actor *who, const panel_apikey_spec *spec)
{
	char scope[SCOPE_MAX + 1], networks[NETWORKS_MAX + 1], expires[20];
	char secret[PANEL_TOKEN_MAX], hash[65];
	struct create_ctx ctx;
	long chars;
	int error;

	if (!out || !secret_out || !p || !spec)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	memset(out, 0, sizeof(*out));
	if (secret_size > 0)
		secret_out[0] = '\0';
	if ((error = require_admin(who)) < 0)
		return error;
	/* A key's scope, networks and expiry would not bind the keys it made. */
	if (who->by_apikey)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "an application key creates no application keys: log in to "
				    "do that");
	if (spec->version < 1 || spec->version > PANEL_APIKEY_SPEC_VERSION)
		return panel__error(PANEL_EINVALID, "version", "unknown spec version %u",
				    spec->version);
	if (!spec->name || !*spec->name || (chars = panel__auth_utf8_chars(spec->name)) < 0 ||
	    chars > NAME_MAX_CHARS)
		return panel__error(PANEL_EINVALID, "name",
				    "the name is required, printable, %d characters at most",
				    NAME_MAX_CHARS);
	if ((error = normalize_scope(scope, sizeof(scope), spec->scope)) < 0 ||
	    (error = normalize_networks(networks, sizeof(networks), spec->networks)) < 0)
		return error;
	if (spec->expires && (error = normalize_expires(expires, spec->expires)) < 0)
		return error;
	if (secret_size < sizeof("pk_") + 43)
		return panel__error(PANEL_EINVALID, NULL, "the secret buffer is too small");

	if ((error = panel__auth_secret_new(secret, sizeof(secret), "pk_")) < 0)
		return error;
	panel__auth_secret_hash(hash, secret);
	ctx = (struct create_ctx){.who = who,
				  .name = spec->name,
				  .scope = scope,
				  .networks = networks,
				  .expires = spec->expires ? expires : NULL,
				  .key_hash = hash,
				  .out = out};
	error = panel__db_transaction(p->db, create_body, &ctx);
	if (error == 0)
		memcpy(secret_out, secret, strlen(secret) + 1);
	else
		memset(out, 0, sizeof(*out));
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(hash, sizeof(hash));
	return error;
}

/* ---------------------------------------------------------------- list */

struct list_ctx {
	const panel_actor *who;
	panel_apikey *items;
	size_t count;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_db_rows *rows;
	int all = ctx->who->uid == PANEL_SUPER_ADMIN_UID, error;
	size_t n;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if ((error = panel__db_query(&rows, db,
				     "SELECT " KEY_COLUMNS " WHERE ? = 1 OR k.uid = ?"
				     " ORDER BY k.created DESC, k.id DESC",
				     DB_ARGS(DB_U64(all), DB_U64(ctx->who->uid)))) < 0)
		return error;
	n = panel__db_rows_count(rows);
	if (n > 0 && !(ctx->items = calloc(n, sizeof(*ctx->items)))) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n && error == 0; i++)
		error = row_to_key(&ctx->items[i], rows, i);
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	ctx->count = n;
	return 0;
}

int panel_apikey_list_get(panel_apikey_list **out, panel *p, const panel_actor *who)
{
	struct list_ctx ctx = {who, NULL, 0};
	int error;

	if (!out || !p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	*out = NULL;
	if ((error = require_admin(who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

void panel_apikey_list_free(panel_apikey_list *list)
{
	PANEL__LIST_FREE(list);
}

/* ---------------------------------------------------------------- revoke */

struct revoke_ctx {
	const panel_actor *who;
	uint64_t id;
};

static int revoke_body(panel_db *db, void *arg)
{
	struct revoke_ctx *ctx = arg;
	panel_apikey key;
	json_t *before, *after;
	char id[24];
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if ((error = load_key(&key, db, ctx->who, ctx->id, 1)) < 0)
		return error;
	if (key.revoked)
		return 0; /* already done: nothing changes, nothing to record */
	if ((error = panel__db_exec(NULL, db, "UPDATE panel_apikeys SET revoked = 1 WHERE id = ?",
				    DB_ARGS(DB_U64(ctx->id)))) < 0)
		return error;
	before = panel_apikey_to_json(&key);
	key.revoked = 1;
	after = panel_apikey_to_json(&key);
	if (!before || !after) {
		json_decref(before);
		json_decref(after);
		return panel__error_oom();
	}
	snprintf(id, sizeof(id), "%llu", (unsigned long long)ctx->id);
	return panel__audit(db, ctx->who, "apikey.revoke", "apikey", id, key.uid, before, after);
}

int panel_apikey_revoke(panel *p, const panel_actor *who, uint64_t id)
{
	struct revoke_ctx ctx = {who, id};
	int error;

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	if ((error = require_admin(who)) < 0)
		return error;
	return panel__db_transaction(p->db, revoke_body, &ctx);
}

/* ---------------------------------------------------------------- authentication */

int panel_auth_apikey(panel_principal *out, panel *p, const char *key, const char *ip)
{
	panel_db_rows *rows;
	uint64_t id = 0, uid = 0, stale = 0;
	const char *scope, *networks;
	int error;

	panel__credential_disarm(p);
	if (!out || !p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	memset(out, 0, sizeof(*out));
	/* Revocation, expiry and the owner's state (enabled admin) are decided by the query. */
	if ((error = panel__auth_secret_lookup(
		 &rows, p->db, key, "pk_",
		 "SELECT k.id, k.uid, m.login, k.scope, k.networks, k.expires,"
		 " k.last_used IS NULL OR k.last_used < NOW() - INTERVAL 1 MINUTE"
		 " FROM panel_apikeys k JOIN membres m ON m.uid = k.uid"
		 " WHERE k.key_hash = ? AND k.revoked = 0"
		 " AND (k.expires IS NULL OR k.expires > NOW())"
		 " AND m.enabled = 1 AND m.su = 1",
		 "invalid application key")) < 0)
		return error;
	scope = panel__db_cell(rows, 0, 3);
	networks = panel__db_cell(rows, 0, 4);
	/* Same answer as an unknown key: the network rule is not revealed to whoever holds a
	 * stolen key elsewhere. */
	if (!network_allows(networks, ip)) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_EAUTH, NULL, "invalid application key");
	}
	if ((error = panel__db_cell_u64(&id, rows, 0, 0)) < 0 ||
	    (error = panel__db_cell_u64(&uid, rows, 0, 1)) < 0 ||
	    (error = panel__db_cell_u64(&stale, rows, 0, 6)) < 0 ||
	    (error = copy_text(out->login, sizeof(out->login), panel__db_cell(rows, 0, 2))) < 0) {
		panel__db_rows_free(rows);
		memset(out, 0, sizeof(*out));
		return error;
	}
	out->uid = (uint32_t)uid;
	out->admin = 1;
	out->apikey_id = id;
	out->read_only = scope && strcmp(scope, "read") == 0;
	if (scope && strcmp(scope, "read") != 0 && strcmp(scope, "write") != 0)
		snprintf(out->kinds, sizeof(out->kinds), "%s", scope);
	snprintf(out->expires, sizeof(out->expires), "%s",
		 panel__db_cell(rows, 0, 5) ? panel__db_cell(rows, 0, 5) : "");
	panel__db_rows_free(rows);
	if (stale)
		panel__auth_secret_touch(
		    p->db,
		    "UPDATE panel_apikeys SET last_used = NOW() WHERE id = ? AND"
		    " (last_used IS NULL OR last_used < NOW() - INTERVAL 1 MINUTE)",
		    id);
	return 0;
}
