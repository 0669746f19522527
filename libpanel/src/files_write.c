/* Writing a file of a member's web space (AlternC 1.0's m_bro::save and UploadFile): the bytes go
 * to a new file beside the target (O_CREAT | O_EXCL | O_NOFOLLOW), which gets the runner's owner
 * and mode and is then renamed over the name. The old inode is never opened for writing, so
 * neither its other hard links nor a link swapped in place of it are written through. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "files_internal.h"

/* What name under dir holds now: *old_size, the space its content takes (its size, or less
 * when sparse; 0 when other hard links keep its blocks) and *mode (0 and 0660 when absent).
 * Refuses anything but a regular file. */
static int current(uint64_t *old_size, mode_t *mode, int *exists, int dir, const char *name,
		   const char *path, mode_t def)
{
	struct stat st;

	*old_size = 0;
	*mode = def;
	*exists = 0;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : panel__space_errno(errno, "path", path);
	if (S_ISLNK(st.st_mode))
		return panel__space_errno(ELOOP, "path", path);
	if (S_ISDIR(st.st_mode))
		return panel__space_errno(EISDIR, "path", path);
	if (!S_ISREG(st.st_mode))
		return panel__error(PANEL_EINVALID, "path", "%s is not a regular file", path);
	*exists = 1;
	/* A write replaces the file: what it frees is its blocks, not its apparent size (sparse
	 * files made with truncate(1) were each an upload's size of quota for free). */
	uint64_t allocated = (uint64_t)st.st_blocks * 512;
	*old_size = (uint64_t)st.st_size < allocated ? (uint64_t)st.st_size : allocated;
	if (st.st_nlink > 1)
		*old_size = 0;
	*mode = st.st_mode & 0777; /* kept, without set-id bits */
	return 0;
}

static int write_all(int fd, const char *data, size_t size)
{
	while (size) {
		ssize_t n = write(fd, data, size);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		data += n;
		size -= (size_t)n;
	}
	return 0;
}

/* Writes data into a new temporary file under dir, named into tmp. -1 with errno. */
static int write_new(char tmp[64], int dir, const void *data, size_t size,
		     const struct panel__space *s, mode_t mode)
{
	int fd = -1;

	for (int i = 0; i < 100 && fd == -1; i++) {
		snprintf(tmp, 64, ".panel-write-%ld-%lx.tmp", (long)getpid(),
			 (unsigned long)random() ^ (unsigned long)time(NULL));
		fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST)
			return -1;
	}
	if (fd == -1)
		return -1;
	/* The member's owner before the first byte: the bytes count in its group's quota as they
	 * are written, not after. */
	int failed =
	    panel__space_own(fd, &s->file_owner, mode) == -1 || write_all(fd, data, size) == -1;
	int saved = errno;
	if (!failed)
		panel__run_hook(&s->run, "written", tmp);
	if (close(fd) == -1 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		unlinkat(dir, tmp, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

static int check_size(panel *p, size_t size, panel_file_write_kind kind)
{
	uint64_t limit = kind == PANEL_FILE_UPLOAD
			     ? panel__files_limit(p, "upload_max_size", PANEL_FILES_UPLOAD_MAX_SIZE)
			     : panel__files_limit(p, "max_size", PANEL_FILES_MAX_SIZE);

	if (kind != PANEL_FILE_EDIT && kind != PANEL_FILE_UPLOAD)
		return panel__error(PANEL_EINVALID, "kind", "an edit or an upload");
	if ((uint64_t)size > limit)
		return panel__error(PANEL_EINVALID, "size", "%zu bytes: more than the %llu allowed",
				    size, (unsigned long long)limit);
	return 0;
}

int panel_file_write(int *created, panel *p, const panel_actor *who, const char *login,
		     const char *path, const void *data, size_t size, panel_file_write_kind kind)
{
	struct panel__space s;
	char name[256], tmp[64];
	uint64_t old_size;
	mode_t mode;
	int dir = -1, exists = 0, error;

	if (created)
		*created = 0;
	if (!data && size)
		return panel__error(PANEL_EINVALID, "data", "no data");
	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = check_size(p, size, kind)) < 0 ||
	    (error = panel__space_parent(&dir, name, &s, path, "path")) < 0 ||
	    (error = current(&old_size, &mode, &exists, dir, name, path, s.file_owner.mode)) < 0 ||
	    (error = panel__space_reserve(&s, size > old_size ? size - old_size : 0)) < 0)
		goto out;
	if (write_new(tmp, dir, data, size, &s, mode) == -1) {
		error = panel__space_errno(errno, "path", path);
		goto out;
	}
	/* A folder put in its place meanwhile fails (EISDIR); a link is replaced, not followed. */
	if (renameat(dir, tmp, dir, name) == -1) {
		error = panel__space_errno(errno, "path", path);
		unlinkat(dir, tmp, 0);
		goto out;
	}
	panel__space_keep(&s);
	panel__space_audit(&s, "file.write",
			   json_pack("{s:s, s:I, s:b}", "path", path, "size", (json_int_t)size,
				     "created", !exists));
	if (created)
		*created = !exists;
out:
	if (dir != -1)
		close(dir);
	panel__space_close(&s);
	return error;
}
