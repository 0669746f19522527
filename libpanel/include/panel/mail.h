/* Mail addresses (AlternC m_mail, tables mail_domain, mail_users, mail_alias): mailboxes,
 * forwards, catch-alls and temporary addresses on a member's domains, in the rows postfix and
 * dovecot read. */
#ifndef PANEL_MAIL_H
#define PANEL_MAIL_H

#include "actor.h"
#include "common.h"

#define PANEL_MAIL_RECIPIENTS_MAX 64

typedef struct panel_mail {
	char address[256]; /* local@domain, or @domain for the catch-all */
	char local[129];   /* "" for the catch-all */
	char domain[65];
	uint32_t uid;	   /* owner */
	int mailbox;	   /* has a POP/IMAP box (mail_domain.pop) */
	char box[256];	   /* the box's internal name local_domain ("" without a box) */
	char path[256];	   /* the maildir's folder */
	char **recipients; /* forwards, NULL-terminated */
	size_t nrecipients;
	char expires[20]; /* "" = never */
	uint64_t size;	  /* bytes, from the nightly accounting (size_mail) */
} panel_mail;

typedef struct panel_mail_list {
	panel_mail *items;
	size_t count;
	uint64_t total;
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* "" on the last page */
} panel_mail_list;

#define PANEL_MAIL_FILTER_VERSION 1

/* Filters of panel_mail_list_get; zero/NULL fields do not filter. */
typedef struct panel_mail_filter {
	unsigned version;   /* PANEL_MAIL_FILTER_VERSION */
	const char *prefix; /* addresses whose local part starts with this ("a" for AlternC's letter
			     * view) */
	size_t limit;	    /* page size: 0 means 50; at most 500 */
	const char *cursor; /* next_cursor of the previous page; NULL for the first */
	size_t offset;	    /* alternative to cursor: skip this many (ignored with a cursor) */
} panel_mail_filter;

#define PANEL_MAIL_FILTER_INIT                                                                     \
	{                                                                                          \
		PANEL_MAIL_FILTER_VERSION, NULL, 0, NULL, 0                                        \
	}

#define PANEL_MAIL_SPEC_VERSION 2

/* A new address, or the changes to one (NULL / -1: unchanged). */
typedef struct panel_mail_spec {
	unsigned version;	       /* PANEL_MAIL_SPEC_VERSION */
	const char *local;	       /* create only: "" for the catch-all */
	const char *password;	       /* create: a mailbox with this password, NULL: forwards only;
					* update: new box password (creates the box if there is none) */
	const char *const *recipients; /* NULL-terminated list, NULL: none (create) / unchanged */
	const char
	    *expires; /* "YYYY-MM-DD[ HH:MM:SS]" in the future, "" = never, NULL: unchanged */
	int mailbox;  /* update: 0 removes the box (forwards must remain), -1 unchanged */
	/* Version 2. Create only: the box's stored hash instead of its password, for the system's
	 * imports of AlternC 1.0 (MD5-crypt, DES, SHA-crypt, bcrypt: what crypt(3) reads). */
	const char *password_hash;
} panel_mail_spec;

#define PANEL_MAIL_SPEC_INIT                                                                       \
	{                                                                                          \
		PANEL_MAIL_SPEC_VERSION, NULL, NULL, NULL, NULL, -1, NULL                          \
	}

/* Creates an address on a domain of the actor's (or the acted-as member's): the local part as
 * AlternC checks it, a mailbox (password, policy "pop") and/or forwards (each a valid address or
 * @domain), the mail quota, the domain's mail hosted here. PANEL_EEXISTS when taken. */
PANEL_EXTERN int panel_mail_create(panel_mail **out, panel *p, const panel_actor *who,
				   const char *domain, const panel_mail_spec *spec);

PANEL_EXTERN int panel_mail_get(panel_mail **out, panel *p, const panel_actor *who,
				const char *address);

/* The addresses of a domain ordered by address, one page (filter NULL: the first page of all).
 * *out is freed with panel_mail_list_free. */
PANEL_EXTERN int panel_mail_list_get(panel_mail_list **out, panel *p, const panel_actor *who,
				     const char *domain, const panel_mail_filter *filter);

/* Changes forwards, expiry, the box's password, or removes the box (queued for the cron). */
PANEL_EXTERN int panel_mail_update(panel_mail **out, panel *p, const panel_actor *who,
				   const char *address, const panel_mail_spec *changes);

/* Sets a mailbox's password (the owner, or an admin). */
PANEL_EXTERN int panel_mail_password(panel *p, const panel_actor *who, const char *address,
				     const char *password);

/* A mail user's self-service: changes the box's password given its current one, no account
 * needed. PANEL_EAUTH (throttled like logins, PANEL_ELIMIT) on a wrong old password. */
PANEL_EXTERN int panel_mail_password_self(panel *p, const char *address, const char *old_password,
					  const char *password, const char *ip);

/* Deletes an address; its maildir is removed by the cron side. */
PANEL_EXTERN int panel_mail_delete(panel *p, const panel_actor *who, const char *address);

/* Deletes the temporary addresses whose expiry has passed (system and admins): the cron job
 * AlternC 1.0 never had. *count gets the number removed. */
PANEL_EXTERN int panel_mail_purge_expired(unsigned *count, panel *p, const panel_actor *who);

PANEL_EXTERN void panel_mail_free(panel_mail *mail);
PANEL_EXTERN void panel_mail_list_free(panel_mail_list *list);

/* ---------------------------------------------------------------- wrappers */

/* An address delivered to a program (AlternC's add_wrapper): mail_domain type 1 and a
 * mail_alias "| command" that the MTA's local(8) runs through /bin/sh. */
typedef struct panel_mail_wrapper {
	char address[256];
	uint32_t uid; /* owner */
	char login[PANEL_LOGIN_MAX + 1];
	char command[256]; /* the program, then its arguments */
} panel_mail_wrapper;

typedef struct panel_mail_wrapper_list {
	panel_mail_wrapper *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_mail_wrapper_list;

/* Delivers address (of a mail domain of the owner) to command: its program must be one the host
 * allows ([mail] wrappers), its arguments plain words (A-Za-z0-9 and ._@+=:/-), so that the
 * shell local(8) runs it through sees no metacharacter. Admins only (also acting as the
 * member). PANEL_EEXISTS when the address is taken. */
PANEL_EXTERN int panel_mail_wrapper_create(panel_mail_wrapper **out, panel *p,
					   const panel_actor *who, const char *address,
					   const char *command);
/* The wrappers of a domain the actor sees. */
PANEL_EXTERN int panel_mail_wrapper_list_get(panel_mail_wrapper_list **out, panel *p,
					     const panel_actor *who, const char *domain);
/* Deletes a wrapper (its owner or an admin). */
PANEL_EXTERN int panel_mail_wrapper_delete(panel *p, const panel_actor *who, const char *address);
PANEL_EXTERN void panel_mail_wrapper_free(panel_mail_wrapper *w);
PANEL_EXTERN void panel_mail_wrapper_list_free(panel_mail_wrapper_list *list);

#endif
