/* Member accounts (AlternC m_admin / m_mem): create, get, list, update, lock, renew, admin
 * rights, password change, delete; and acting as a member. */
#ifndef PANEL_ACCOUNT_H
#define PANEL_ACCOUNT_H

#include "actor.h"
#include "common.h"
#include "password.h"

/* An account as stored in membres + local. Dates are "YYYY-MM-DD HH:MM:SS" (server time), or ""
 * when unset. */
typedef struct panel_account {
	uint32_t uid;
	char login[PANEL_LOGIN_MAX + 1];
	char mail[129];
	char nom[129];	  /* last name (local.nom) */
	char prenom[129]; /* first name (local.prenom) */
	char type[129];	  /* account type: selects the default quotas */
	char *notes;	  /* admin notes, never NULL */
	int enabled;	  /* 0 = locked: cannot log in */
	int admin;	  /* membres.su */
	int canpass;	  /* may change its own password */
	uint32_t creator; /* uid of the admin who created it (0: none) */
	char creator_login[PANEL_LOGIN_MAX + 1];
	char created[20];
	char renewed[20];   /* start of the current period, "" when the account never expires */
	unsigned duration;  /* period in months, 0 = never expires */
	char expiry[20];    /* renewed + duration, "" when it never expires */
	int expired;	    /* expiry is in the past */
	char lastlogin[20]; /* "" = never logged in */
	char lastip[256];
	unsigned lastfail; /* failed logins since the last success */
	char etag[33];	   /* changes whenever the account changes: for If-Match */
} panel_account;

#define PANEL_ACCOUNT_SPEC_VERSION 3

/* What to create, or what to change (update). NULL strings and -1 numbers mean "default" on
 * create and "unchanged" on update. Fields are only ever appended. */
typedef struct panel_account_spec {
	unsigned version;     /* PANEL_ACCOUNT_SPEC_VERSION */
	const char *login;    /* create only: [a-z0-9]{1,16}, not reserved */
	const char *password; /* create: required (policy "mem"); update: an admin's reset */
	const char *mail;     /* create: required unless the system creates */
	const char *nom;
	const char *prenom;
	const char *type;  /* default "default" */
	const char *notes; /* default "" */
	int enabled;	   /* 0 or 1; default 1 */
	int canpass;	   /* 0 or 1; default 1 */
	int admin;	   /* 0 or 1; default 0; only admins may set it */
	int duration;	   /* months; 0 = never expires; default 0 */
	/* Version 2. Create only, optional: the hash of password, computed by the caller with
	 * panel_password_hash_cost and the parameters of panel_account_password_scheme (bulk
	 * imports hash on several threads, without a handle). It must be of the configured
	 * scheme and work factor (PANEL_EINVALID otherwise); password is still required, for
	 * the policy. libpanel does not hash password again to compare: that would cost what
	 * the caller saved. NULL: libpanel hashes password itself. */
	const char *password_hash;
	/* Version 3. Create only, what AlternC 1.0's account page did after creating one: */
	int ftp; /* 1: the default FTP account, named like the login, with the same password, on
		  * the web space's root; 0 or -1: none */
	const char *install_domain; /* the parent of a domain <login>.<parent> to host for the
				     * account (DNS hosted, locked, the TLD rules not applied): the
				     * hosting_tld setting, or a domain the creating admin hosts
				     * (the system: any hosted domain); NULL or "": none */
} panel_account_spec;

#define PANEL_ACCOUNT_SPEC_INIT                                                                    \
	{                                                                                          \
		PANEL_ACCOUNT_SPEC_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, -1, -1,  \
		    -1, NULL, -1, NULL                                                             \
	}

#define PANEL_ACCOUNT_FILTER_VERSION 1

/* Filters of panel_account_list_get; zero/NULL fields do not filter. */
typedef struct panel_account_filter {
	unsigned version;	  /* PANEL_ACCOUNT_FILTER_VERSION */
	const char *login_prefix; /* accounts whose login starts with this */
	const char *mail;	  /* exact contact address */
	const char *type;	  /* exact account type */
	int enabled;		  /* -1 any, 0 locked only, 1 enabled only */
	uint32_t creator;	  /* created by this uid; 0 any */
	int expiring_days;  /* -1 any; N >= 0: periods ending within N days, expired included */
	size_t limit;	    /* page size: 0 means 50; at most 500 */
	const char *cursor; /* next_cursor of the previous page; NULL for the first */
	size_t offset;	    /* alternative to cursor: skip this many (ignored with a cursor) */
} panel_account_filter;

#define PANEL_ACCOUNT_FILTER_INIT                                                                  \
	{                                                                                          \
		PANEL_ACCOUNT_FILTER_VERSION, NULL, NULL, NULL, -1, 0, -1, 0, NULL, 0              \
	}

typedef struct panel_account_list {
	panel_account *items;
	size_t count;
	uint64_t total;				/* matching accounts over all pages */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* "" on the last page */
} panel_account_list;

/* Creates an account (admins and the system): login rules, reserved names, password policy
 * "mem", contact address, the quotas of its type copied from defquotas, creator = the actor.
 * PANEL_EEXISTS when the login is taken. */
PANEL_EXTERN int panel_account_create(panel_account **out, panel *p, const panel_actor *who,
				      const panel_account_spec *spec);

/* The scheme and work factor members' panel passwords are hashed with ([accounts]
 * password_scheme, sha512_rounds, bcrypt_cost). With them panel_password_hash_cost needs no
 * handle and may run on any thread: see panel_account_spec.password_hash. */
PANEL_EXTERN int panel_account_password_scheme(panel_hash_scheme *scheme, unsigned long *cost,
					       panel *p);

/* An account the actor may see (a member: itself; an admin: those it created, all for the
 * super admin or when subadmin_restriction allows). PANEL_ENOTFOUND otherwise. */
PANEL_EXTERN int panel_account_get(panel_account **out, panel *p, const panel_actor *who,
				   const char *login);

/* The accounts the actor may see, ordered by login (filter NULL: the first page of all). *out is
 * freed with panel_account_list_free. */
PANEL_EXTERN int panel_account_list_get(panel_account_list **out, panel *p, const panel_actor *who,
					const panel_account_filter *filter);

/* Changes the non-NULL / non-negative fields of changes (admins; a member may only change its
 * mail, nom and prenom). if_match: NULL, or the etag the caller last saw (PANEL_ECONFLICT when
 * the account changed meanwhile). */
PANEL_EXTERN int panel_account_update(panel_account **out, panel *p, const panel_actor *who,
				      const char *login, const panel_account_spec *changes,
				      const char *if_match);

/* Locks (enabled = 0) or unlocks an account (admins). An admin cannot lock itself. if_match as
 * panel_account_update's, compared under the account's row lock. */
PANEL_EXTERN int panel_account_lock(panel_account **out, panel *p, const panel_actor *who,
				    const char *login, const char *if_match);
PANEL_EXTERN int panel_account_unlock(panel_account **out, panel *p, const panel_actor *who,
				      const char *login, const char *if_match);

/* Extends the account's period by periods x duration months (admins). PANEL_EINVALID when the
 * account never expires or periods is 0. if_match as panel_account_update's. */
PANEL_EXTERN int panel_account_renew(panel_account **out, panel *p, const panel_actor *who,
				     const char *login, unsigned periods, const char *if_match);

/* For an import's rerun (the system, or an administrator who may change the account): 0 when
 * password (plain, checked against the stored hash) or password_hash (compared as stored) is
 * the existing account login's, PANEL_EAUTH when it is not. One of the two, not both. */
PANEL_EXTERN int panel_account_secret_matches(panel *p, const panel_actor *who, const char *login,
					      const char *password, const char *password_hash);

/* Grants (admin = 1) or removes (0) admin rights (admins). PANEL_ECONFLICT when nothing would
 * change, or when removing the rights of the super admin (uid 2000) or of oneself. */
PANEL_EXTERN int panel_account_set_admin(panel_account **out, panel *p, const panel_actor *who,
					 const char *login, int admin);

/* Changes a password. A member changing its own needs old_password (and canpass = 1); an admin
 * (or the system) resets without it. The policy "mem" applies. */
PANEL_EXTERN int panel_account_password(panel *p, const panel_actor *who, const char *login,
					const char *old_password, const char *new_password);

/* Deletes an account and everything it owns, in one transaction (admins; not oneself, not the
 * super admin). Domains are marked for the cron side (dns_action = 'DELETE'); accounts it
 * created are given to the super admin. */
PANEL_EXTERN int panel_account_delete(panel *p, const panel_actor *who, const char *login);

/* The same when the account's etag is still if_match (NULL: always), compared under the
 * account row's lock: PANEL_ECONFLICT, field if_match, when it changed since it was read. */
PANEL_EXTERN int panel_account_delete_if_match(panel *p, const panel_actor *who, const char *login,
					       const char *if_match);

/* An admin actor acting as the member login: checks that admin may manage it. *out is
 * panel_actor_admin_as(admin, uid of login); its ip is copied from admin. */
PANEL_EXTERN int panel_account_act_as(panel_actor *out, panel *p, const panel_actor *admin,
				      const char *login);

PANEL_EXTERN void panel_account_free(panel_account *account);
PANEL_EXTERN void panel_account_list_free(panel_account_list *list);

#endif
