/* The file manager (AlternC 1.0's m_bro): a member's web space <root>/html/<l>/<login> listed,
 * read, written, renamed, copied and deleted, never following a link out of it; and 1.0's
 * per-member preferences (the browser table). */
#ifndef PANEL_FILES_H
#define PANEL_FILES_H

#include "actor.h"
#include "common.h"

/* A path inside a web space: components separated by '/', a leading '/' allowed ("/" or "" is
 * the web root). Longer paths are refused. */
#define PANEL_FILE_PATH_MAX 1024

typedef enum panel_file_type {
	PANEL_FILE_REGULAR,
	PANEL_FILE_DIRECTORY,
	PANEL_FILE_LINK,  /* a symbolic link: listed, never followed */
	PANEL_FILE_OTHER, /* a FIFO, a socket, a device: listed, never opened */
} panel_file_type;

typedef struct panel_file {
	char name[256];
	panel_file_type type;
	uint64_t size;	  /* bytes (a link: the length of its target) */
	unsigned mode;	  /* permission bits (07777) */
	int64_t mtime;	  /* seconds since the epoch */
	char target[256]; /* a link's target as written (cut at 255 bytes); "" otherwise */
} panel_file;

typedef struct panel_file_list {
	panel_file *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_file_list;

/* The entries of the folder path of login's web space, ordered by name, without "." and "..".
 * For the member itself and the admins who see it (another member's space is
 * PANEL_ENOTFOUND). A link on the way is PANEL_EINVALID (field "path"); a folder of more than
 * 10,000 entries is listed up to that. *out is freed with panel_file_list_free. */
PANEL_EXTERN int panel_file_list_get(panel_file_list **out, panel *p, const panel_actor *who,
				     const char *login, const char *path);

PANEL_EXTERN void panel_file_list_free(panel_file_list *list);

/* The content of the regular file path: *data (size bytes, followed by a NUL not counted) is
 * freed with panel_file_data_free. Refused (PANEL_EINVALID, field "path"): a link, a folder, a
 * FIFO or device (never opened for reading: O_NONBLOCK | O_NOFOLLOW, then fstat), a file with
 * other hard links (they may be outside the space), and a file larger than [files]
 * upload_max_size. */
PANEL_EXTERN int panel_file_read(char **data, size_t *size, panel *p, const panel_actor *who,
				 const char *login, const char *path);

PANEL_EXTERN void panel_file_data_free(char *data);

/* The regular file path opened for reading, with the checks and limits of panel_file_read, for
 * a caller that streams it instead of holding it in memory (panel-api's downloads): *fd (in
 * blocking mode, closed by the caller) and its *size when opened. */
PANEL_EXTERN int panel_file_open(int *fd, uint64_t *size, panel *p, const panel_actor *who,
				 const char *login, const char *path);

/* How panel_file_write writes: an edit (text from the editor: [files] max_size) or an upload
 * (any bytes: [files] upload_max_size). */
typedef enum panel_file_write_kind {
	PANEL_FILE_EDIT,
	PANEL_FILE_UPLOAD,
} panel_file_write_kind;

/* Creates or replaces the regular file path with data: written to a new file beside it, given
 * the runner's owner and mode ([runner] web_uid, the member's uid as group, 0660; a replaced
 * file keeps its mode), then renamed over the name, so that the old file's other hard links and
 * a link put in its place are never written through. Refused: a name that is a link, a folder or
 * anything but a regular file (PANEL_EINVALID), more than the kind's size limit (PANEL_EINVALID,
 * field "size"), more than the web quota allows (PANEL_EQUOTA). *created (may be NULL) says whether
 * the file is new. */
PANEL_EXTERN int panel_file_write(int *created, panel *p, const panel_actor *who, const char *login,
				  const char *path, const void *data, size_t size,
				  panel_file_write_kind kind);

/* Makes the folder path (its parent must exist), with the runner's owner and mode (02770).
 * PANEL_EEXISTS when the name is taken. Changes (this and the others below) are recorded in the
 * audit trail, object kind "files". */
PANEL_EXTERN int panel_file_mkdir(panel *p, const panel_actor *who, const char *login,
				  const char *path);

/* Renames or moves from to to, inside the space (a link is moved as a link). PANEL_EEXISTS when
 * to exists; a folder into itself is PANEL_EINVALID. */
PANEL_EXTERN int panel_file_rename(panel *p, const panel_actor *who, const char *login,
				   const char *from, const char *to);

/* Copies the file or tree from to the new name to: regular files by content, folders
 * recursively (64 levels at most), links as links (never followed); a FIFO, a device, a socket
 * or a file with other hard links is refused, and the partial copy removed. The size of the
 * tree is checked against the web quota first. PANEL_EEXISTS when to exists. */
PANEL_EXTERN int panel_file_copy(panel *p, const panel_actor *who, const char *login,
				 const char *from, const char *to);

/* Deletes the file, link or tree path (a link is removed, never followed; a tree with
 * openat/unlinkat, never leaving it). The web root itself cannot be deleted. */
PANEL_EXTERN int panel_file_delete(panel *p, const panel_actor *who, const char *login,
				   const char *path);

/* AlternC 1.0's ChangePermissions: sets (writable 1) or clears (0) the owner's write permission of
 * the regular file or folder path, its other bits kept (1.0 toggled the bit with XOR when
 * asked to clear it, so clearing twice set it again; here clearing is clearing). A link, a FIFO
 * or device, or a file with other hard links is refused (PANEL_EINVALID). *mode (may be NULL)
 * gets the new permission bits. */
PANEL_EXTERN int panel_file_chmod(unsigned *mode, panel *p, const panel_actor *who,
				  const char *login, const char *path, int writable);

/* ---------------------------------------------------------------- preferences */

/* A member's file manager preferences, AlternC 1.0's browser row; 1.0's defaults (below) when
 * the member has none. */
typedef struct panel_file_prefs {
	unsigned editsizex;   /* editor columns, 1 to 1000 (70) */
	unsigned editsizey;   /* editor lines, 1 to 1000 (21) */
	unsigned listmode;    /* 0 to 2: 1.0's list layouts (0) */
	int showicons;	      /* 0 or 1 (0) */
	unsigned downfmt;     /* folder downloads: 0 tar.gz, 1 tar.bz2, 2 zip, 3 tar.Z (0) */
	int createfile;	      /* after creating a file: 0 back to the list, 1 edit it (0) */
	int showtype;	      /* show MIME types (0) */
	char editor_font[65]; /* ("Arial, Helvetica, Sans-serif") */
	char editor_size[9];  /* ("12px") */
	int golastdir;	      /* open the last folder visited rather than the root (0) */
	char lastdir[256];    /* that folder ("") */
} panel_file_prefs;

/* login's preferences, or 1.0's defaults when it has no row (nothing is written). */
PANEL_EXTERN int panel_file_prefs_get(panel_file_prefs *out, panel *p, const panel_actor *who,
				      const char *login);

/* Sets every field of login's preferences (checked: ranges above, printable text, lastdir a
 * path of the space's form). */
PANEL_EXTERN int panel_file_prefs_set(panel *p, const panel_actor *who, const char *login,
				      const panel_file_prefs *prefs);

/* 1.0's defaults. */
PANEL_EXTERN void panel_file_prefs_defaults(panel_file_prefs *out);

#endif
