/* FTP accounts (AlternC m_ftp, table ftpusers read by proftpd's SQL module): named after the
 * member's login or one of its domains, rooted inside the member's web space. */
#ifndef PANEL_FTP_H
#define PANEL_FTP_H

#include "actor.h"
#include "common.h"

typedef struct panel_ftp {
	uint64_t id;
	char name[65];	 /* prefix or prefix_suffix */
	char prefix[65]; /* the member's login or one of its domains */
	char suffix[65];
	uint32_t uid; /* owner */
	char login[PANEL_LOGIN_MAX + 1];
	char dir[256];	   /* inside the member's web space, "/" for its root */
	char homedir[600]; /* the absolute path proftpd uses */
} panel_ftp;

#define PANEL_FTP_SPEC_VERSION 1

typedef struct panel_ftp_spec {
	unsigned version;     /* PANEL_FTP_SPEC_VERSION */
	const char *prefix;   /* the login or a domain of the account; NULL: unchanged (update) */
	const char *suffix;   /* "" or NULL: the name is the prefix alone (create) */
	const char *password; /* create: required (policy "ftp"); update: NULL = unchanged */
	const char *dir;      /* inside the web space, with or without a leading "/" ("/" is its
			       * root); NULL: "/" (create) / unchanged */
} panel_ftp_spec;

#define PANEL_FTP_SPEC_INIT                                                                        \
	{                                                                                          \
		PANEL_FTP_SPEC_VERSION, NULL, NULL, NULL, NULL                                     \
	}

/* Creates an FTP account for login (NULL: the actor's subject), with the ftp quota. */
PANEL_EXTERN int panel_ftp_create(panel_ftp **out, panel *p, const panel_actor *who,
				  const char *login, const panel_ftp_spec *spec);
PANEL_EXTERN int panel_ftp_get(panel_ftp **out, panel *p, const panel_actor *who, const char *name);
typedef struct panel_ftp_list {
	panel_ftp *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_ftp_list;

/* The FTP accounts of login (NULL: the actor's subject), ordered by name. *out is freed with
 * panel_ftp_list_free. */
PANEL_EXTERN int panel_ftp_list_get(panel_ftp_list **out, panel *p, const panel_actor *who,
				    const char *login);
PANEL_EXTERN int panel_ftp_update(panel_ftp **out, panel *p, const panel_actor *who,
				  const char *name, const panel_ftp_spec *changes);
PANEL_EXTERN int panel_ftp_password(panel *p, const panel_actor *who, const char *name,
				    const char *password);
PANEL_EXTERN int panel_ftp_delete(panel *p, const panel_actor *who, const char *name);

PANEL_EXTERN void panel_ftp_free(panel_ftp *ftp);
PANEL_EXTERN void panel_ftp_list_free(panel_ftp_list *list);

#endif
