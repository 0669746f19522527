/* What the parts of the file manager share (files_space.c, files.c, files_tree.c): a member's
 * web space opened for one operation, its paths resolved one component at a time from the
 * hosting root through the runner's link-safe walk (runner_fs.c), and its limits. */
#ifndef PANEL_SRC_FILES_INTERNAL_H
#define PANEL_SRC_FILES_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "panel/files.h"
#include "runner_internal.h"

/* Defaults of [files] max_size (editing: reads in the editor, writes from it) and
 * upload_max_size (uploads, and any read). */
#define PANEL_FILES_MAX_SIZE	    (4UL << 20)
#define PANEL_FILES_UPLOAD_MAX_SIZE (64UL << 20)

/* Trees deeper than this are not copied. */
#define PANEL_FILES_COPY_DEPTH	 64
#define PANEL_FILES_COPY_ENTRIES 100000 /* entries of one copy: [files] copy_max_entries */

/* One member's web space, open for one operation. */
struct panel__space {
	struct panel__run run; /* p, uid, login: for the walk and its test hook */
	const panel_actor *who;
	char login[PANEL_LOGIN_MAX + 1];
	int root;				      /* the hosting root */
	int web;				      /* <root>/html/<l>/<login> */
	struct panel__fs_owner dir_owner, file_owner; /* what the runner gives (set_owners) */
	uint64_t reserved_kb; /* taken by panel__space_reserve, not kept yet */
};

/* Checks who may use login's space (the member, or an admin who sees it: else PANEL_ENOTFOUND),
 * and opens the hosting root and the web root without following
 * a link. Closed with panel__space_close, also after a failure. */
int panel__space_open(struct panel__space *s, panel *p, const panel_actor *who, const char *login);

void panel__space_close(struct panel__space *s);

/* Resolves path: *parent is the open folder holding its last component, copied into name. The
 * web root itself (path "" or "/") is refused. Errors name field. */
int panel__space_parent(int *parent, char name[256], struct panel__space *s, const char *path,
			const char *field);

/* Opens the folder path (the web root for "" or "/"): *fd, or an error naming field. */
int panel__space_dir(int *fd, struct panel__space *s, const char *path, const char *field);

/* The panel error for a failed system call on path (errno err): a link on the way or a bad
 * name is PANEL_EINVALID, a missing entry PANEL_ENOTFOUND, a taken name PANEL_EEXISTS. */
int panel__space_errno(int err, const char *field, const char *path);

/* Takes bytes of the web quota before they are written: added to the recorded usage (size_web,
 * its time kept, until the runner measures again) under the row's lock, or PANEL_EQUOTA when
 * they would take the space past its quota; concurrent writes are each checked against what
 * the others took. panel__space_close gives back what was not kept with panel__space_keep
 * (the operation failed). */
int panel__space_reserve(struct panel__space *s, uint64_t bytes);

/* The reservation is used (the operation is done): panel__space_close keeps it. */
void panel__space_keep(struct panel__space *s);

/* Opens the regular file name under dir for reading (files.c): never a link, a FIFO or a device
 * (checked before and after opening with O_NOFOLLOW | O_NONBLOCK), never a file with other hard
 * links. *st is its fstat. Errors name "path" (path in the message). */
struct stat;
int panel__files_open_regular(int *fd, struct stat *st, int dir, const char *name,
			      const char *path);

/* Gives the open file or folder fd owner's owner (fchown, only when it differs) and mode
 * (fchmod, unless that would cost a folder its inherited setgid bit: a process outside the
 * member's group, the web user, keeps the mode the folder was made with). 0, or -1 with
 * errno. */
int panel__space_own(int fd, const struct panel__fs_owner *owner, mode_t mode);

/* Records a change made in the space in the audit trail (object kind "files", id the login,
 * what in after, stolen), after the fact and on its own: a failure to record is not the
 * change's failure (the files are already changed), so nothing is returned. */
void panel__space_audit(struct panel__space *s, const char *action, json_t *after);

/* A [files] size setting in bytes, def when unset. */
uint64_t panel__files_limit(panel *p, const char *key, uint64_t def);

#endif
