/* Files in a member's space (its web root, its backups folder), which the member controls over
 * FTP and from its PHP: opened by walking the path one component at a time from a trusted root,
 * never following a symbolic link, so that a link planted anywhere on the way cannot send a
 * root-run job to /etc or into another member's tree. */
#ifndef PANEL_SRC_MEMBER_FILE_H
#define PANEL_SRC_MEMBER_FILE_H

#include <sys/types.h>

/* Opens root/rel: root is trusted (the hosting root from the configuration), every component of
 * rel is opened with O_NOFOLLOW, the folders with O_DIRECTORY. rel is relative, its components
 * are neither empty, "." nor "..". flags are open(2)'s for the last component (O_NOFOLLOW and
 * O_CLOEXEC are added); with O_CREAT, the file's own folder is created with dir_mode when
 * missing (ENOENT when another folder on the way is: those are the account's). What is opened
 * last must be a regular file. The descriptor, or -1 with errno set (ELOOP: a symbolic link on
 * the way; EINVAL: a bad rel or not a regular file). */
int panel__member_file_open(const char *root, const char *rel, int flags, mode_t mode,
			    mode_t dir_mode);

/* As panel__member_file_open, and *dir gets the folder walked to (a descriptor to close, -1 on
 * failure) and leaf the file's name in it: what removing the file later takes without walking
 * the path again (unlinkat(*dir, leaf, 0)), since the member may have moved that folder or put
 * a link in its place meanwhile. */
int panel__member_file_open_in(int *dir, char leaf[256], const char *root, const char *rel,
			       int flags, mode_t mode, mode_t dir_mode);

#endif
