/* Authentication: password login with throttling (throttle.h), bearer tokens
 * stored as SHA-256 hashes, and the secret and address helpers that apikey.c shares. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth_internal.h"
#include "member_hash.h"
#include "error.h"
#include "handle.h"
#include "panel/auth.h"
#include "panel/password.h"
#include "throttle.h"

#define SECRET_BYTES		   32
#define SECRET_B64LEN		   43 /* base64url without padding of 32 bytes */
#define LOGIN_MAX		   128
#define TOKEN_TTL_DEFAULT	   (24u * 3600u)
#define TOKEN_TTL_MAX		   (366u * 24u * 3600u)
#define TOKENS_PER_ACCOUNT_DEFAULT 100

/* When the login does not exist (or has no usable hash), the password is hashed with the
 * configured scheme and thrown away: an unknown login costs the same work as a known one. */
static void same_work(panel *p, const char *password)
{
	char burn[PANEL_HASH_MAX];

	panel__member_hash(p, burn, password);
	sodium_memzero(burn, sizeof(burn));
}

static const char msg_wrong[] = "wrong login or password";

/* ---------------------------------------------------------------- shared helpers */

int panel__auth_secret_new(char *out, size_t outsz, const char *prefix)
{
	unsigned char raw[SECRET_BYTES];
	size_t plen = strlen(prefix);

	if (outsz < plen + SECRET_B64LEN + 1)
		return panel__error(PANEL_EINVALID, NULL,
				    "the buffer for the secret is too small (%zu bytes needed)",
				    plen + SECRET_B64LEN + 1);
	if (sodium_init() < 0)
		return panel__error(PANEL_ERROR, NULL, "cannot initialize libsodium");
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, outsz - plen, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

void panel__auth_secret_hash(char hex[65], const char *secret)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(hex, 65, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}

/* Only what this library hands out is worth a database lookup. */
int panel__auth_secret_wellformed(const char *secret, const char *prefix)
{
	size_t plen = strlen(prefix);

	if (!secret || strlen(secret) != plen + SECRET_B64LEN || strncmp(secret, prefix, plen))
		return 0;
	for (const char *s = secret + plen; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* The number of characters of s when it is valid UTF-8 without control characters, else -1. */
long panel__auth_utf8_chars(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	long n = 0;

	while (*u) {
		size_t len, i;
		uint32_t cp;
		if (*u < 0x80) {
			if (*u < 0x20 || *u == 0x7f)
				return -1;
			u++;
			n++;
			continue;
		}
		if ((*u & 0xe0) == 0xc0) {
			len = 2;
			cp = *u & 0x1f;
		} else if ((*u & 0xf0) == 0xe0) {
			len = 3;
			cp = *u & 0x0f;
		} else if ((*u & 0xf8) == 0xf0) {
			len = 4;
			cp = *u & 0x07;
		} else {
			return -1;
		}
		for (i = 1; i < len; i++) {
			if ((u[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (u[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF, C1 controls. */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    (cp >= 0x80 && cp <= 0x9f))
			return -1;
		u += len;
		n++;
	}
	return n;
}

/* An IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as the IPv4 address it
 * carries, so that a dual-stack socket and an IPv4 rule agree. 0, or -1 when unparsable. */
int panel__auth_parse_ip(unsigned char addr[16], int *family, const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;

	memset(addr, 0, 16);
	if (!ip || !*ip)
		return -1;
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		memcpy(addr, &a4, 4);
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(addr, a6.s6_addr + 12, 4);
		*family = AF_INET;
		return 0;
	}
	memcpy(addr, a6.s6_addr, 16);
	*family = AF_INET6;
	return 0;
}

/* ---------------------------------------------------------------- principals */

panel_actor panel_principal_actor(const panel_principal *who, const char *ip)
{
	panel_actor a = {0};

	/* A zero kind is refused by panel_actor_check: no principal, no rights. */
	if (!who || !who->uid)
		return a;
	a = who->admin ? panel_actor_admin(who->uid) : panel_actor_member(who->uid);
	a.ip = ip;
	a.by_apikey = who->apikey_id != 0;
	return a;
}

static int copy_login(char *dst, size_t dstsz, const char *login)
{
	if (!login || strlen(login) >= dstsz)
		return panel__error(PANEL_ERROR, NULL, "the account's login is longer than %zu",
				    dstsz - 1);
	memcpy(dst, login, strlen(login) + 1);
	return 0;
}

static void copy_date(char dst[20], const char *value)
{
	snprintf(dst, 20, "%s", value ? value : "");
}

/* Best effort, outside any transaction: keeps the tables small without ever failing the
 * caller (a read-only server during a failover must not stop logins being checked). */
static void best_effort(panel_db *db, const char *sql, const panel_db_param *params, size_t nparams)
{
	panel__error_saved saved;

	panel__error_save(&saved);
	panel__db_exec(NULL, db, sql, params, nparams);
	panel__error_restore(&saved);
}

int panel__auth_secret_lookup(panel_db_rows **rows, panel_db *db, const char *secret,
			      const char *prefix, const char *sql, const char *refusal)
{
	char hash[65];
	int error;

	*rows = NULL;
	if (!panel__auth_secret_wellformed(secret, prefix))
		return panel__error(PANEL_EAUTH, NULL, "%s", refusal);
	panel__auth_secret_hash(hash, secret);
	error = panel__db_read(rows, db, sql, DB_ARGS(DB_STR(hash)));
	sodium_memzero(hash, sizeof(hash));
	if (error < 0)
		return error;
	if (panel__db_rows_count(*rows) != 1) {
		panel__db_rows_free(*rows);
		*rows = NULL;
		return panel__error(PANEL_EAUTH, NULL, "%s", refusal);
	}
	return 0;
}

void panel__auth_secret_touch(panel_db *db, const char *sql, uint64_t id)
{
	best_effort(db, sql, DB_ARGS(DB_U64(id)));
}

/* ---------------------------------------------------------------- login */

struct account {
	int found;
	uint32_t uid;
	char login[LOGIN_MAX + 1];
	char *pass;
	int enabled;
};

static int load_account(struct account *acc, panel_db *db, const char *login)
{
	panel_db_rows *rows;
	uint64_t uid = 0, enabled = 0;
	int error;

	memset(acc, 0, sizeof(*acc));
	if ((error = panel__db_read(&rows, db,
				    "SELECT uid, login, pass, enabled FROM membres WHERE login = ?",
				    DB_ARGS(DB_STR(login)))) < 0)
		return error;
	if (panel__db_rows_count(rows) == 1) {
		const char *l = panel__db_cell(rows, 0, 1), *pass = panel__db_cell(rows, 0, 2);
		if ((error = panel__db_cell_u64(&uid, rows, 0, 0)) == 0 &&
		    (error = panel__db_cell_u64(&enabled, rows, 0, 3)) == 0) {
			acc->found = 1;
			acc->uid = (uint32_t)uid;
			acc->enabled = enabled == 1;
			snprintf(acc->login, sizeof(acc->login), "%s", l ? l : "");
			acc->pass = strdup(pass ? pass : "");
			if (!acc->pass)
				error = panel__error_oom();
		}
	}
	panel__db_rows_free(rows);
	return error;
}

static void account_clear(struct account *acc)
{
	if (acc->pass) {
		sodium_memzero(acc->pass, strlen(acc->pass));
		free(acc->pass);
	}
	acc->pass = NULL;
}

static int charge_body(panel_db *db, void *arg)
{
	return panel__throttle_charge(db, arg);
}

static int lastfail_body(panel_db *db, void *arg)
{
	const uint32_t *uid = arg;

	/* lastfail is a TINYINT: it stops at 127 rather than failing the statement. */
	return panel__db_exec(
	    NULL, db, "UPDATE membres SET lastfail = LEAST(lastfail + 1, 127) WHERE uid = ?",
	    DB_ARGS(DB_U64(*uid)));
}

struct success_ctx {
	uint32_t uid;
	const char *ip;
	const panel__throttle *throttle;
	const char *old_hash;
	const char *new_hash; /* NULL when no upgrade */
	const char *token_hash;
	unsigned ttl;
	unsigned long keep; /* the most tokens an account holds (accounts.tokens_per_account) */
	panel_principal *out;
	int hash_changed; /* set when pass no longer held old_hash: the caller checks again */
};

/* An account holds its newest `keep` tokens at most: a script that logs in in a loop would
 * otherwise grow panel_tokens without bound (each row kept until a day after it expires).
 * The older ones are deleted, whatever their state: their sessions end (401), as after a
 * logout. Runs under the lock of the account's row, so concurrent logins count right. */
static int keep_newest_tokens(panel_db *db, uint32_t uid, unsigned long keep)
{
	panel_db_rows *rows;
	uint64_t oldest_kept = 0;
	int error;

	if ((error = panel__db_query(&rows, db,
				     "SELECT id FROM panel_tokens WHERE uid = ? ORDER BY id DESC"
				     " LIMIT 1 OFFSET ?",
				     DB_ARGS(DB_U64(uid), DB_U64(keep - 1)))) < 0)
		return error;
	if (panel__db_rows_count(rows) == 1)
		error = panel__db_cell_u64(&oldest_kept, rows, 0, 0);
	panel__db_rows_free(rows);
	if (error < 0 || !oldest_kept)
		return error;
	return panel__db_exec(NULL, db, "DELETE FROM panel_tokens WHERE uid = ? AND id < ?",
			      DB_ARGS(DB_U64(uid), DB_U64(oldest_kept)));
}

static int success_body(panel_db *db, void *arg)
{
	struct success_ctx *ctx = arg;
	panel_db_rows *rows;
	uint64_t su = 0, enabled = 0, same = 0;
	int error;

	memset(ctx->out, 0, sizeof(*ctx->out));
	/* The account may have been locked or deleted while the password was checked, or its
	 * password changed: then the one given was checked against a hash that is no longer the
	 * account's (an administrator's reset revokes the tokens: none may be issued after it for
	 * the old password). */
	if ((error = panel__db_query(&rows, db,
				     "SELECT login, su, enabled, BINARY pass = ? FROM membres"
				     " WHERE uid = ? FOR UPDATE",
				     DB_ARGS(DB_STR(ctx->old_hash), DB_U64(ctx->uid)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1 || panel__db_cell_u64(&su, rows, 0, 1) < 0 ||
	    panel__db_cell_u64(&enabled, rows, 0, 2) < 0 ||
	    panel__db_cell_u64(&same, rows, 0, 3) < 0 || same != 1) {
		ctx->hash_changed = panel__db_rows_count(rows) == 1 && same != 1;
		panel__db_rows_free(rows);
		return panel__error(PANEL_EAUTH, NULL, "%s", msg_wrong);
	}
	if (enabled != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_EAUTH, NULL, "account locked");
	}
	error = copy_login(ctx->out->login, sizeof(ctx->out->login), panel__db_cell(rows, 0, 0));
	panel__db_rows_free(rows);
	if (error < 0)
		return error;
	ctx->out->uid = ctx->uid;
	ctx->out->admin = su == 1;

	/* Only over the hash that was verified: a password changed meanwhile stays. */
	if (ctx->new_hash &&
	    (error = panel__db_exec(
		 NULL, db, "UPDATE membres SET pass = ? WHERE uid = ? AND BINARY pass = ?",
		 DB_ARGS(DB_STR(ctx->new_hash), DB_U64(ctx->uid), DB_STR(ctx->old_hash)))) < 0)
		return error;
	if ((error = panel__db_exec(
		 NULL, db,
		 "UPDATE membres SET lastlogin = NOW(), lastip = ?, lastfail = 0 WHERE uid = ?",
		 DB_ARGS(DB_STR(ctx->ip ? ctx->ip : ""), DB_U64(ctx->uid)))) < 0)
		return error;
	if ((error = panel__throttle_success(db, ctx->throttle)) < 0)
		return error;
	if ((error = panel__db_query(&rows, db, "SELECT NOW() + INTERVAL ? SECOND",
				     DB_ARGS(DB_U64(ctx->ttl)))) < 0)
		return error;
	copy_date(ctx->out->expires, panel__db_cell(rows, 0, 0));
	panel__db_rows_free(rows);
	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO panel_tokens (token_hash, uid, expires, ip) VALUES (?, ?, ?, ?)",
		 DB_ARGS(DB_STR(ctx->token_hash), DB_U64(ctx->uid), DB_STR(ctx->out->expires),
			 DB_STR(ctx->ip ? ctx->ip : "")))) < 0)
		return error;
	return keep_newest_tokens(db, ctx->uid, ctx->keep);
}

/* The arguments of panel_auth_login that can be checked without the database; *ttl gets its
 * default. */
static int check_login_args(size_t token_size, const char *login, const char *password,
			    unsigned *ttl)
{
	if (token_size < SECRET_B64LEN + 4)
		return panel__error(PANEL_EINVALID, NULL, "the token buffer is too small");
	if (!login || !*login || strlen(login) > LOGIN_MAX || panel__auth_utf8_chars(login) < 0)
		return panel__error(PANEL_EINVALID, "login", "not a login");
	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the password is empty");
	if (*ttl == 0)
		*ttl = TOKEN_TTL_DEFAULT;
	if (*ttl > TOKEN_TTL_MAX)
		return panel__error(PANEL_EINVALID, "ttl_seconds",
				    "a token lives %u seconds at most", TOKEN_TTL_MAX);
	return 0;
}

/* Loads the account and charges the attempt to the login and the address, waiting as long as
 * the throttle says, before the password is looked at. */
static int charge_attempt(struct account *acc, panel__throttle *throttle, panel *p,
			  const char *login, const char *ip_key)
{
	char login_key[LOGIN_MAX + 8];
	int error;

	if ((error = load_account(acc, p->db, login)) < 0)
		return error;
	/* The stored spelling: the key must not change with the case of what was typed. */
	snprintf(login_key, sizeof(login_key), "login:%s", acc->found ? acc->login : login);
	if ((error = panel__throttle_init(throttle, login_key, ip_key)) < 0)
		return error;
	best_effort(p->db,
		    "DELETE FROM panel_login_failures WHERE last_failure < NOW() - INTERVAL 1 HOUR"
		    " ORDER BY last_failure LIMIT 20",
		    DB_NOARGS);
	if ((error = panel__db_transaction(p->db, charge_body, throttle)) < 0)
		return error;
	return panel__throttle_wait(p->db, throttle);
}

/* 0 when the password is the account's and the account is enabled, else PANEL_EAUTH (or an
 * error from below). Unknown logins and malformed hashes cost the same work as a real check;
 * a wrong password is recorded as the account's last failure. */
static int verify_password(int *upgrade, panel *p, const struct account *acc, const char *password)
{
	uint32_t uid = acc->uid; /* lastfail_body reads a uint32_t */
	int error;

	if (acc->found) {
		error = panel_password_verify(acc->pass, password, upgrade);
		/* A hash cheaper than the configured one (AlternC 1.0's MD5-crypt, until its
		 * first login here) answers faster than an unknown login's: the same work too. */
		if (error != PANEL_EINVALID && !panel__member_hash_current(p, acc->pass))
			same_work(p, password); /* (a damaged hash gets it below) */
	} else {
		same_work(p, password);
		error = panel__error(PANEL_EAUTH, NULL, "%s", msg_wrong);
	}
	if (error == PANEL_EINVALID) {
		same_work(p, password);
		error = PANEL_EAUTH;
	}
	if (error < 0 && error != PANEL_EAUTH)
		return error;
	if (!acc->found || error != 0) {
		if (acc->found && (error = panel__db_transaction(p->db, lastfail_body, &uid)) < 0)
			return error;
		return panel__error(PANEL_EAUTH, NULL, "%s", msg_wrong);
	}
	if (!acc->enabled)
		return panel__error(PANEL_EAUTH, NULL, "account locked");
	return 0;
}

static unsigned long tokens_per_account(const panel *p)
{
	const char *v = panel_setting(p, "accounts", "tokens_per_account");
	unsigned long n = v && *v ? strtoul(v, NULL, 10) : 0;

	return n >= 1 ? n : TOKENS_PER_ACCOUNT_DEFAULT;
}

int panel_auth_login(panel_principal *out, char *token_out, size_t token_size, panel *p,
		     const char *login, const char *password, const char *ip, unsigned ttl_seconds)
{
	char ip_text[INET6_ADDRSTRLEN], ip_key[INET6_ADDRSTRLEN + 8];
	char token[PANEL_TOKEN_MAX], token_hash[65], new_hash[PANEL_HASH_MAX];
	struct account acc = {0};
	panel__throttle throttle;
	struct success_ctx ok = {0};
	int error, upgrade = 0;

	panel__credential_disarm(p);
	if (!out || !token_out || !p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	memset(out, 0, sizeof(*out));
	if (token_size > 0)
		token_out[0] = '\0';
	if ((error = check_login_args(token_size, login, password, &ttl_seconds)) < 0)
		return error;
	if ((error =
		 panel__throttle_address(ip_text, sizeof(ip_text), ip_key, sizeof(ip_key), ip)) < 0)
		return error;
	token[0] = new_hash[0] = '\0';

	if ((error = charge_attempt(&acc, &throttle, p, login, ip_key)) < 0 ||
	    (error = verify_password(&upgrade, p, &acc, password)) < 0)
		goto out;
	for (int attempt = 0;; attempt++) {
		/* A legacy hash, or one of another scheme than the configured one (hosts that
		 * switch between PHP-verifiable crypt and argon2id): rehashed now that the
		 * password is known. */
		new_hash[0] = '\0';
		if ((upgrade || !panel__member_hash_current(p, acc.pass)) &&
		    panel__member_hash(p, new_hash, password) < 0)
			new_hash[0] = '\0'; /* the login goes on; the upgrade waits for the next */

		if ((error = panel__auth_secret_new(token, sizeof(token), "pt_")) < 0)
			goto out;
		panel__auth_secret_hash(token_hash, token);
		ok = (struct success_ctx){.uid = acc.uid,
					  .ip = ip_text,
					  .throttle = &throttle,
					  .old_hash = acc.pass,
					  .new_hash = new_hash[0] ? new_hash : NULL,
					  .token_hash = token_hash,
					  .ttl = ttl_seconds,
					  .keep = tokens_per_account(p),
					  .out = out};
		error = panel__db_transaction(p->db, success_body, &ok);
		if (error >= 0)
			break;
		memset(out, 0, sizeof(*out));
		if (!ok.hash_changed || attempt > 0)
			goto out;
		/* The hash changed while the password was checked: another login's rehash of
		 * the same password (a new salt), or a new password. Checked once more against
		 * the hash stored now; a reset's new password refuses the old one. */
		panel_error_clear();
		account_clear(&acc);
		if ((error = load_account(&acc, p->db, login)) < 0 ||
		    (error = verify_password(&upgrade, p, &acc, password)) < 0)
			goto out;
	}
	if (strlen(token) >= token_size) {
		error = panel__error(PANEL_EINVALID, NULL, "the token buffer is too small");
		goto out;
	}
	memcpy(token_out, token, strlen(token) + 1);
	best_effort(p->db,
		    "DELETE FROM panel_tokens WHERE expires < NOW() - INTERVAL 1 DAY"
		    " ORDER BY expires LIMIT 20",
		    DB_NOARGS);
out:
	sodium_memzero(token, sizeof(token));
	sodium_memzero(token_hash, sizeof(token_hash));
	sodium_memzero(new_hash, sizeof(new_hash));
	account_clear(&acc);
	return error;
}

/* ---------------------------------------------------------------- tokens */

int panel_auth_token(panel_principal *out, panel *p, const char *token)
{
	panel_db_rows *rows;
	uint64_t uid = 0, su = 0, stale = 0, id = 0;
	int error;

	panel__credential_disarm(p);
	if (!out || !p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	memset(out, 0, sizeof(*out));
	/* Expiry, revocation and the account's state are all decided by this one query. */
	if ((error = panel__auth_secret_lookup(
		 &rows, p->db, token, "pt_",
		 "SELECT t.id, m.uid, m.login, m.su, t.expires,"
		 " t.last_used IS NULL OR t.last_used < NOW() - INTERVAL 1 MINUTE"
		 " FROM panel_tokens t JOIN membres m ON m.uid = t.uid"
		 " WHERE t.token_hash = ? AND t.revoked = 0 AND t.expires > NOW()"
		 " AND m.enabled = 1",
		 "invalid or expired token")) < 0)
		return error;
	if ((error = panel__db_cell_u64(&id, rows, 0, 0)) < 0 ||
	    (error = panel__db_cell_u64(&uid, rows, 0, 1)) < 0 ||
	    (error = panel__db_cell_u64(&su, rows, 0, 3)) < 0 ||
	    (error = panel__db_cell_u64(&stale, rows, 0, 5)) < 0 ||
	    (error = copy_login(out->login, sizeof(out->login), panel__db_cell(rows, 0, 2))) < 0) {
		panel__db_rows_free(rows);
		memset(out, 0, sizeof(*out));
		return error;
	}
	out->uid = (uint32_t)uid;
	out->admin = su == 1;
	copy_date(out->expires, panel__db_cell(rows, 0, 4));
	panel__db_rows_free(rows);
	/* One write a minute at most per token, not one per request. */
	if (stale)
		panel__auth_secret_touch(
		    p->db,
		    "UPDATE panel_tokens SET last_used = NOW() WHERE id = ? AND"
		    " (last_used IS NULL OR last_used < NOW() - INTERVAL 1 MINUTE)",
		    id);
	return 0;
}

struct logout_ctx {
	const char *hash;
};

static int logout_body(panel_db *db, void *arg)
{
	struct logout_ctx *ctx = arg;

	return panel__db_exec(NULL, db, "UPDATE panel_tokens SET revoked = 1 WHERE token_hash = ?",
			      DB_ARGS(DB_STR(ctx->hash)));
}

int panel_auth_logout(panel *p, const char *token)
{
	char hash[65];
	struct logout_ctx ctx = {hash};
	int error;

	panel__credential_disarm(p);
	if (!p || !token)
		return panel__error(PANEL_EINVALID, "token", "no token given");
	/* Nothing we handed out looks different: nothing to revoke. */
	if (!panel__auth_secret_wellformed(token, "pt_"))
		return 0;
	panel__auth_secret_hash(hash, token);
	error = panel__db_transaction(p->db, logout_body, &ctx);
	sodium_memzero(hash, sizeof(hash));
	return error;
}
