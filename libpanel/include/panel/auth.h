/* Authentication: password login with throttling, bearer tokens (stored hashed, with an
 * expiry, in the database so that any number of daemons can check them), and application keys
 * (created by admins, shown once, scoped, expiring, limited to source networks). */
#ifndef PANEL_AUTH_H
#define PANEL_AUTH_H

#include "actor.h"
#include "common.h"

#define PANEL_TOKEN_MAX 96 /* room for any token or key this library hands out, with its NUL */

/* Who a token or key belongs to, as checked now in the database. */
typedef struct panel_principal {
	uint32_t uid;
	char login[PANEL_LOGIN_MAX + 1];
	int admin;	    /* membres.su of the account, read at check time */
	uint64_t apikey_id; /* 0 for a login token */
	int read_only;	    /* application key with scope "read" */
	char kinds[256];    /* application key limited to these resource kinds ("accounts,quotas"),
			     * "" = every kind */
	char expires[20];   /* "" = never */
} panel_principal;

/* The actor for a principal: admin or member; ip is kept (not copied) for the audit trail. */
PANEL_EXTERN panel_actor panel_principal_actor(const panel_principal *who, const char *ip);

/* Checks login/password and opens a session: on success *token_out gets a new bearer token
 * (ttl_seconds, 0 = 24 h) and *out the principal. The account's lastlogin/lastip are set and
 * lastfail reset; a legacy hash (MD5-crypt, DES), or one of another scheme than [accounts]
 * password_scheme (SHA512-crypt by default), is rehashed with that scheme. Failures increment
 * lastfail and the failure counters of the login and of the address: after 5 failures within
 * 15 minutes, further attempts are refused with PANEL_ELIMIT for a time that doubles with each
 * failure (1 s ... 15 min). Unknown login, wrong password and locked account all give the same
 * PANEL_EAUTH "wrong login or password" (field NULL), except a locked account with the right
 * password: PANEL_EAUTH "account locked". */
PANEL_EXTERN int panel_auth_login(panel_principal *out, char *token_out, size_t token_size,
				  panel *p, const char *login, const char *password, const char *ip,
				  unsigned ttl_seconds);

/* The principal of a bearer token: PANEL_EAUTH when unknown, expired, revoked, or its account
 * is locked or gone. */
PANEL_EXTERN int panel_auth_token(panel_principal *out, panel *p, const char *token);

/* Revokes a token (logout). Unknown tokens are fine (0). */
PANEL_EXTERN int panel_auth_logout(panel *p, const char *token);

/* ---------------------------------------------------------------- application keys */

#define PANEL_APIKEY_SPEC_VERSION 1

typedef struct panel_apikey_spec {
	unsigned version;     /* PANEL_APIKEY_SPEC_VERSION */
	const char *name;     /* required, printable, 128 characters at most */
	const char *scope;    /* "read", "write" (default), or a comma list of resource kinds */
	const char *expires;  /* "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD", in the future; NULL never */
	const char *networks; /* comma list of CIDRs (IPv4 or IPv6) the key may be used from;
			       * NULL = anywhere */
} panel_apikey_spec;

#define PANEL_APIKEY_SPEC_INIT                                                                     \
	{                                                                                          \
		PANEL_APIKEY_SPEC_VERSION, NULL, NULL, NULL, NULL                                  \
	}

typedef struct panel_apikey {
	uint64_t id;
	uint32_t uid; /* the admin that owns it */
	char login[PANEL_LOGIN_MAX + 1];
	char name[129];
	char scope[256];
	char networks[1024];
	char expires[20]; /* "" = never */
	char created[20];
	char last_used[20]; /* "" = never */
	int revoked;
} panel_apikey;

/* Application keys are managed by admins acting as themselves: create, list and revoke answer
 * PANEL_EFORBIDDEN (field "as") to an admin acting as a member.
 *
 * Creates an application key for the acting admin (admins only). The secret is written to
 * secret_out once and never stored (only its hash is). */
PANEL_EXTERN int panel_apikey_create(panel_apikey *out, char *secret_out, size_t secret_size,
				     panel *p, const panel_actor *who,
				     const panel_apikey_spec *spec);

typedef struct panel_apikey_list {
	panel_apikey *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_apikey_list;

/* The keys the admin owns (all keys for the super admin), newest first; revoked ones included.
 * *out is freed with panel_apikey_list_free. */
PANEL_EXTERN int panel_apikey_list_get(panel_apikey_list **out, panel *p, const panel_actor *who);

/* Revokes a key (its owner, or the super admin). PANEL_ENOTFOUND otherwise. */
PANEL_EXTERN int panel_apikey_revoke(panel *p, const panel_actor *who, uint64_t id);

/* The principal of an application key presented from address ip: PANEL_EAUTH when unknown,
 * revoked, expired, its owner is locked or no longer admin, or ip is outside its networks. */
PANEL_EXTERN int panel_auth_apikey(panel_principal *out, panel *p, const char *key, const char *ip);

PANEL_EXTERN void panel_apikey_list_free(panel_apikey_list *list);

#endif
