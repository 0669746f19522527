/* Protected folders (AlternC 1.0's m_hta): folders of a member's web space that Apache serves
 * only to the users listed for them (HTTP Basic authentication). The panel keeps the folders
 * and users; the system-side runner writes each folder's .htaccess and .htpasswd from them
 * (action hta_write, see docs/architecture.md). Passwords follow the "hta" policy and are
 * stored as bcrypt ($2y$), which Apache and htpasswd -v accept. */
#ifndef PANEL_HTA_H
#define PANEL_HTA_H

#include <stddef.h>
#include <stdint.h>

#include "actor.h"
#include "common.h"

#define PANEL_HTA_USER_MAX 64

typedef struct panel_hta_dir {
	char dir[256];	/* relative to the web space, with a leading '/' */
	uint32_t uid;	/* owner */
	uint64_t users; /* how many users it has */
} panel_hta_dir;

typedef struct panel_hta_dir_list {
	panel_hta_dir *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_hta_dir_list;

typedef struct panel_hta_user_list {
	char (*items)[PANEL_HTA_USER_MAX + 1]; /* user names, in order */
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_hta_user_list;

/* The protected folders of login (NULL: the actor's subject), ordered by folder (ListDir). */
PANEL_EXTERN int panel_hta_list_get(panel_hta_dir_list **out, panel *p, const panel_actor *who,
				    const char *login);
PANEL_EXTERN void panel_hta_dir_list_free(panel_hta_dir_list *list);

/* Protects a folder ("/" or "" the web space itself; made when missing, as 1.0's CreateDir);
 * PANEL_EEXISTS when it is already. */
PANEL_EXTERN int panel_hta_protect(panel *p, const panel_actor *who, const char *login,
				   const char *dir);
/* Removes the protection and its users (DelDir). */
PANEL_EXTERN int panel_hta_unprotect(panel *p, const panel_actor *who, const char *login,
				     const char *dir);

/* The users of a protected folder (get_hta_detail). */
PANEL_EXTERN int panel_hta_user_list_get(panel_hta_user_list **out, panel *p,
					 const panel_actor *who, const char *login,
					 const char *dir);
PANEL_EXTERN void panel_hta_user_list_free(panel_hta_user_list *list);

/* Adds a user (1 to 64 of A-Za-z0-9._@-) with its password (add_user); PANEL_EEXISTS when the
 * folder has it. */
PANEL_EXTERN int panel_hta_user_add(panel *p, const panel_actor *who, const char *login,
				    const char *dir, const char *user, const char *password);
/* A user's new password (change_pass). */
PANEL_EXTERN int panel_hta_user_password(panel *p, const panel_actor *who, const char *login,
					 const char *dir, const char *user, const char *password);
/* Removes a user (del_user). */
PANEL_EXTERN int panel_hta_user_delete(panel *p, const panel_actor *who, const char *login,
				       const char *dir, const char *user);

#endif
