/* The file manager's operations on one entry (AlternC 1.0's m_bro: filelist, content,
 * CreateDir, ChangePermissions): listing a folder, reading a file, making a folder, changing the
 * owner's write permission. Paths
 * go through files_space.c; files are opened with O_NOFOLLOW | O_NONBLOCK and checked with fstat
 * before a byte is read, and written to a new file renamed over the old one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "files_internal.h"
#include "list.h"

#define LIST_MAX 10000 /* entries listed of one folder */

static void fill_entry(panel_file *f, int dir, const char *name, const struct stat *st)
{
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->size = (uint64_t)st->st_size;
	f->mode = (unsigned)(st->st_mode & 07777);
	f->mtime = (int64_t)st->st_mtime;
	if (S_ISREG(st->st_mode))
		f->type = PANEL_FILE_REGULAR;
	else if (S_ISDIR(st->st_mode))
		f->type = PANEL_FILE_DIRECTORY;
	else if (S_ISLNK(st->st_mode)) {
		f->type = PANEL_FILE_LINK;
		ssize_t n = readlinkat(dir, name, f->target, sizeof(f->target) - 1);
		f->target[n > 0 ? n : 0] = '\0';
	} else
		f->type = PANEL_FILE_OTHER;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const panel_file *)a)->name, ((const panel_file *)b)->name);
}

/* The entries of the open folder fd (taken: closed here) into *items. */
static int read_folder(panel_file **items, size_t *count, int fd, const char *path)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	size_t cap = 0;

	*items = NULL;
	*count = 0;
	if (!d) {
		close(fd);
		return panel__space_errno(errno, "path", path);
	}
	while (*count < LIST_MAX && (errno = 0, e = readdir(d))) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (*count == cap) {
			size_t more = cap ? cap * 2 : 64;
			panel_file *grown = realloc(*items, more * sizeof(**items));
			if (!grown) {
				closedir(d);
				return panel__error_oom();
			}
			*items = grown;
			cap = more;
		}
		memset(&(*items)[*count], 0, sizeof(**items));
		fill_entry(&(*items)[(*count)++], dirfd(d), e->d_name, &st);
	}
	closedir(d);
	if (*count)
		qsort(*items, *count, sizeof(**items), by_name);
	return 0;
}

int panel_file_list_get(panel_file_list **out, panel *p, const panel_actor *who, const char *login,
			const char *path)
{
	struct panel__space s;
	panel_file *items = NULL;
	size_t count = 0;
	int fd, error;

	*out = NULL;
	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = panel__space_dir(&fd, &s, path, "path")) < 0 ||
	    (error = read_folder(&items, &count, fd, path)) < 0) {
		free(items);
		goto out;
	}
	error = PANEL__LIST_TAKE(out, items, count);
out:
	panel__space_close(&s);
	return error;
}

void panel_file_list_free(panel_file_list *list)
{
	PANEL__LIST_FREE(list);
}

void panel_file_data_free(char *data)
{
	free(data);
}

/* Why st (of path) is not a file that may be read or replaced: 0 when it is one. */
static int not_regular(const struct stat *st, const char *path)
{
	if (S_ISREG(st->st_mode)) {
		if (st->st_nlink > 1)
			return panel__error(PANEL_EINVALID, "path",
					    "%s has other hard links, which may be outside the"
					    " space: refused",
					    path);
		return 0;
	}
	if (S_ISLNK(st->st_mode))
		return panel__space_errno(ELOOP, "path", path);
	if (S_ISDIR(st->st_mode))
		return panel__space_errno(EISDIR, "path", path);
	return panel__error(PANEL_EINVALID, "path",
			    "%s is not a regular file (a FIFO, socket or device is never opened)",
			    path);
}

/* Opens the regular file name under dir for reading: never a link (O_NOFOLLOW), never blocking
 * on a FIFO (O_NONBLOCK), and checked with fstat once open. */
int panel__files_open_regular(int *fd, struct stat *st, int dir, const char *name, const char *path)
{
	struct stat before;
	int error;

	*fd = -1;
	if (fstatat(dir, name, &before, AT_SYMLINK_NOFOLLOW) == -1)
		return panel__space_errno(errno, "path", path);
	if ((error = not_regular(&before, path)) < 0)
		return error;
	*fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (*fd == -1)
		return panel__space_errno(errno, "path", path);
	if (fstat(*fd, st) == -1 || (error = not_regular(st, path)) < 0 ||
	    st->st_ino != before.st_ino || st->st_dev != before.st_dev) {
		error = error < 0 ? error
				  : panel__error(PANEL_ECONFLICT, "path", "%s changed while opened",
						 path);
		close(*fd);
		*fd = -1;
		return error;
	}
	return 0;
}

static int read_all(char **data, size_t *size, int fd, size_t want, const char *path)
{
	size_t got = 0;

	if (!(*data = malloc(want + 1)))
		return panel__error_oom();
	while (got < want) {
		ssize_t n = read(fd, *data + got, want - got);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1) {
			int saved = errno;
			free(*data);
			*data = NULL;
			return panel__space_errno(saved, "path", path);
		}
		if (n == 0)
			break; /* shrunk meanwhile */
		got += (size_t)n;
	}
	(*data)[got] = '\0';
	*size = got;
	return 0;
}

int panel_file_open(int *fd, uint64_t *size, panel *p, const panel_actor *who, const char *login,
		    const char *path)
{
	struct panel__space s;
	struct stat st;
	char name[256];
	int dir = -1, error;

	*fd = -1;
	*size = 0;
	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = panel__space_parent(&dir, name, &s, path, "path")) < 0 ||
	    (error = panel__files_open_regular(fd, &st, dir, name, path)) < 0)
		goto out;
	uint64_t limit = panel__files_limit(p, "upload_max_size", PANEL_FILES_UPLOAD_MAX_SIZE);
	if ((uint64_t)st.st_size > limit) {
		error = panel__error(PANEL_EINVALID, "size",
				     "%s is %llu bytes, more than the %llu read at most", path,
				     (unsigned long long)st.st_size, (unsigned long long)limit);
		goto out;
	}
	/* Opened without blocking so that a FIFO could not hold it; a regular file now. */
	if (fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		error = panel__space_errno(errno, "path", path);
		goto out;
	}
	*size = (uint64_t)st.st_size;
out:
	if (error < 0 && *fd != -1) {
		close(*fd);
		*fd = -1;
	}
	if (dir != -1)
		close(dir);
	panel__space_close(&s);
	return error;
}

int panel_file_read(char **data, size_t *size, panel *p, const panel_actor *who, const char *login,
		    const char *path)
{
	uint64_t want;
	int fd, error;

	*data = NULL;
	*size = 0;
	if ((error = panel_file_open(&fd, &want, p, who, login, path)) < 0)
		return error;
	error = read_all(data, size, fd, (size_t)want, path);
	close(fd);
	return error;
}

int panel_file_mkdir(panel *p, const panel_actor *who, const char *login, const char *path)
{
	struct panel__space s;
	char name[256];
	int dir = -1, fd = -1, error;

	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = panel__space_parent(&dir, name, &s, path, "path")) < 0 ||
	    (error = panel__space_reserve(&s, 4096)) < 0)
		goto out;
	if (mkdirat(dir, name, 0770) == -1) {
		error = panel__space_errno(errno, "path", path);
		goto out;
	}
	/* Opened again without following: a link swapped in meanwhile is refused. */
	if ((fd = panel__fs_dir_at(dir, name, NULL, NULL)) == -1 ||
	    panel__space_own(fd, &s.dir_owner, s.dir_owner.mode) == -1) {
		error = panel__space_errno(errno, "path", path);
		goto out;
	}
	panel__space_keep(&s);
	panel__space_audit(&s, "file.mkdir", json_pack("{s:s}", "path", path));
out:
	if (fd != -1)
		close(fd);
	if (dir != -1)
		close(dir);
	panel__space_close(&s);
	return error;
}

/* Opens name under dir for fchmod: a folder without following a link, or a regular file as
 * panel__files_open_regular does (never a link, FIFO, device or hard-linked file). */
static int open_for_chmod(int *fd, struct stat *st, int dir, const char *name, const char *path)
{
	if (fstatat(dir, name, st, AT_SYMLINK_NOFOLLOW) == -1)
		return panel__space_errno(errno, "path", path);
	if (!S_ISDIR(st->st_mode))
		return panel__files_open_regular(fd, st, dir, name, path);
	if ((*fd = panel__fs_dir_at(dir, name, NULL, NULL)) == -1 || fstat(*fd, st) == -1)
		return panel__space_errno(errno, "path", path);
	return 0;
}

int panel_file_chmod(unsigned *mode, panel *p, const panel_actor *who, const char *login,
		     const char *path, int writable)
{
	struct panel__space s;
	struct stat st;
	char name[256];
	int dir = -1, fd = -1, error;

	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = panel__space_parent(&dir, name, &s, path, "path")) < 0 ||
	    (error = open_for_chmod(&fd, &st, dir, name, path)) < 0)
		goto out;
	mode_t m = writable ? (st.st_mode & 07777) | S_IWUSR : (st.st_mode & 07777) & ~S_IWUSR;
	if (fchmod(fd, m) == -1) {
		error = panel__space_errno(errno, "path", path);
		goto out;
	}
	if (mode)
		*mode = (unsigned)m;
	char text[8];
	snprintf(text, sizeof(text), "%04o", (unsigned)m);
	panel__space_audit(&s, "file.chmod", json_pack("{s:s, s:s}", "path", path, "mode", text));
out:
	if (fd != -1)
		close(fd);
	if (dir != -1)
		close(dir);
	panel__space_close(&s);
	return error;
}
