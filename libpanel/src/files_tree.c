/* Renaming, copying and deleting in a member's web space (AlternC 1.0's m_bro::RenameFile,
 * MoveFile, CopyFile, DeleteFile). Trees are walked with openat(O_NOFOLLOW), one descriptor per
 * level: a link is moved, copied or removed as a link and never followed, a FIFO or device is
 * never opened, a folder swapped for a link during the walk is not entered. */
#define _GNU_SOURCE /* O_PATH, AT_EMPTY_PATH */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "files_internal.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* 1 when the path to is from itself or below it (paths are walked without links, so their text
 * says where they are). */
static int inside(const char *from, const char *to)
{
	size_t n;

	from += strspn(from, "/");
	to += strspn(to, "/");
	n = strlen(from);
	while (n && from[n - 1] == '/')
		n--;
	return strncmp(from, to, n) == 0 && (to[n] == '/' || to[n] == '\0');
}

/* The two ends of a rename or copy, resolved. */
struct ends {
	int from_dir, to_dir;
	char from[256], to[256];
};

static int resolve(struct ends *e, struct panel__space *s, const char *from, const char *to)
{
	struct stat st;
	int error;

	e->from_dir = e->to_dir = -1;
	if (!from || !to)
		return panel__error(PANEL_EINVALID, from ? "to" : "from", "a path is needed");
	if (inside(from, to))
		return panel__error(PANEL_EINVALID, "to", "%s is %s or inside it", to, from);
	if ((error = panel__space_parent(&e->from_dir, e->from, s, from, "from")) < 0 ||
	    (error = panel__space_parent(&e->to_dir, e->to, s, to, "to")) < 0)
		return error;
	if (fstatat(e->from_dir, e->from, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return panel__space_errno(errno, "from", from);
	if (fstatat(e->to_dir, e->to, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return panel__space_errno(EEXIST, "to", to);
	return 0;
}

static void ends_close(struct ends *e)
{
	if (e->from_dir != -1)
		close(e->from_dir);
	if (e->to_dir != -1)
		close(e->to_dir);
}

int panel_file_rename(panel *p, const panel_actor *who, const char *login, const char *from,
		      const char *to)
{
	struct panel__space s;
	struct ends e = {-1, -1, "", ""};
	int error;

	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = resolve(&e, &s, from, to)) < 0)
		goto out;
	/* The name is moved, whatever it is: a link stays a link, nothing is followed. */
	if (syscall(SYS_renameat2, e.from_dir, e.from, e.to_dir, e.to, RENAME_NOREPLACE) == -1)
		error = panel__space_errno(errno, "to", to);
	else
		panel__space_audit(&s, "file.rename",
				   json_pack("{s:s, s:s}", "from", from, "to", to));
out:
	ends_close(&e);
	panel__space_close(&s);
	return error;
}

int panel_file_delete(panel *p, const panel_actor *who, const char *login, const char *path)
{
	struct panel__space s;
	char name[256];
	int dir = -1, error;

	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = panel__space_parent(&dir, name, &s, path, "path")) < 0)
		goto out;
	if (panel__fs_remove(dir, name) == -1)
		error = panel__space_errno(errno, "path", path);
	else
		panel__space_audit(&s, "file.delete", json_pack("{s:s}", "path", path));
out:
	if (dir != -1)
		close(dir);
	panel__space_close(&s);
	return error;
}

/* ---------------------------------------------------------------- copying */

/* A copy under way: what its reservation still covers. A member's script may grow a file or
 * add entries while the copy runs (a sparse file grown by truncate(1) costs it nothing): the
 * copy stops at what was measured and reserved instead of writing it all. */
struct copy_run {
	const struct panel__space *s;
	uint64_t bytes_left;	    /* of regular files' content */
	unsigned long entries_left; /* files, folders and links */
};

static int copy_at(struct copy_run *run, int from_dir, const char *from, int to_dir, const char *to,
		   unsigned depth);

/* One more entry, or PANEL_EQUOTA when the tree grew past what was measured. */
static int copy_entry_taken(struct copy_run *run, const char *from)
{
	if (run->entries_left == 0)
		return panel__error(PANEL_EQUOTA, "from",
				    "%s grew during the copy: more entries than measured", from);
	run->entries_left--;
	return 0;
}

/* Copies exactly n bytes (the file's size when opened, within the reservation). 0 or -1 with
 * errno (EIO when the file shrank meanwhile: the copy would not be what was read). */
static int copy_bytes(int in, int out, uint64_t n)
{
	char buf[65536];

	while (n) {
		ssize_t got = read(in, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf));
		if (got == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got == 0)
			errno = EIO;
		if (got <= 0)
			return -1;
		n -= (uint64_t)got;
		for (ssize_t done = 0; done < got;) {
			ssize_t w = write(out, buf + done, (size_t)(got - done));
			if (w == -1 && errno != EINTR)
				return -1;
			done += w > 0 ? w : 0;
		}
	}
	return 0;
}

static int copy_file(struct copy_run *run, int from_dir, const char *from, int to_dir,
		     const char *to)
{
	struct stat st;
	int in, out, error;

	if ((error = panel__files_open_regular(&in, &st, from_dir, from, from)) < 0)
		return error;
	if ((uint64_t)st.st_size > run->bytes_left) {
		close(in);
		return panel__error(PANEL_EQUOTA, "from",
				    "%s grew during the copy: more than the space reserved", from);
	}
	run->bytes_left -= (uint64_t)st.st_size;
	/* The member's owner before the first byte: the bytes count in its group's quota as
	 * they are written, not after. */
	out = openat(to_dir, to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out == -1 || panel__space_own(out, &run->s->file_owner, st.st_mode & 0777) == -1 ||
	    copy_bytes(in, out, (uint64_t)st.st_size) == -1)
		error = panel__space_errno(errno, "from", from);
	else
		panel__run_hook(&run->s->run, "copied", to);
	close(in);
	if (out != -1 && close(out) == -1 && error == 0)
		error = panel__space_errno(errno, "to", to);
	return error;
}

/* Copies every entry of the open folder in (taken) into the open folder out (taken). */
static int copy_entries(struct copy_run *run, int in, int out, unsigned depth)
{
	DIR *d = fdopendir(in);
	struct dirent *e;
	int error = 0;

	if (!d) {
		error = panel__space_errno(errno, "from", "a folder");
		close(in);
		close(out);
		return error;
	}
	while (error == 0 && (errno = 0, e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			error = copy_at(run, dirfd(d), e->d_name, out, e->d_name, depth + 1);
	if (error == 0 && errno)
		error = panel__space_errno(errno, "from", "a folder");
	closedir(d);
	close(out);
	return error;
}

static int copy_dir(struct copy_run *run, int from_dir, const char *from, int to_dir,
		    const char *to, mode_t mode, unsigned depth)
{
	int in, out;

	if (depth >= PANEL_FILES_COPY_DEPTH)
		return panel__error(PANEL_EINVALID, "from", "the tree is deeper than %d levels",
				    PANEL_FILES_COPY_DEPTH);
	/* O_NOFOLLOW: a folder swapped for a link since fstatat is not entered. */
	panel__run_hook(&run->s->run, "copy", from);
	if ((in = panel__fs_dir_at(from_dir, from, NULL, NULL)) == -1)
		return panel__space_errno(errno, "from", from);
	if (mkdirat(to_dir, to, 0770) == -1 ||
	    (out = panel__fs_dir_at(to_dir, to, NULL, NULL)) == -1) {
		int error = panel__space_errno(errno, "to", to);
		close(in);
		return error;
	}
	if (panel__space_own(out, &run->s->dir_owner, (mode & 0777) | S_ISGID) == -1) {
		int error = panel__space_errno(errno, "to", to);
		close(in);
		close(out);
		return error;
	}
	return copy_entries(run, in, out, depth);
}

static int copy_at(struct copy_run *run, int from_dir, const char *from, int to_dir, const char *to,
		   unsigned depth)
{
	const struct panel__fs_owner *owner = &run->s->file_owner;
	struct stat st;
	char target[4096];
	ssize_t n;
	int error;

	if (fstatat(from_dir, from, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return panel__space_errno(errno, "from", from);
	if ((error = copy_entry_taken(run, from)) < 0)
		return error;
	if (S_ISDIR(st.st_mode))
		return copy_dir(run, from_dir, from, to_dir, to, st.st_mode, depth);
	if (S_ISREG(st.st_mode))
		return copy_file(run, from_dir, from, to_dir, to);
	if (!S_ISLNK(st.st_mode))
		return panel__error(PANEL_EINVALID, "from",
				    "%s is a FIFO, socket or device: not copied", from);
	/* A link is copied as a link: its text, never what it points to; the member's as the
	 * files are. */
	if ((n = readlinkat(from_dir, from, target, sizeof(target) - 1)) == -1)
		return panel__space_errno(errno, "from", from);
	target[n] = '\0';
	if (symlinkat(target, to_dir, to) == -1)
		return panel__space_errno(errno, "to", to);
	/* Given its owner through a descriptor of the link itself: the folder is the member's,
	 * which may swap the name for a hard link to another file meanwhile. */
	int fd = openat(to_dir, to, O_PATH | O_NOFOLLOW | O_CLOEXEC), err = 0;
	if (fd == -1 || fstat(fd, &st) == -1)
		err = errno;
	else if (!S_ISLNK(st.st_mode))
		err = EEXIST; /* no longer the link made */
	else if (((owner->uid != (uid_t)-1 && st.st_uid != owner->uid) ||
		  (owner->gid != (gid_t)-1 && st.st_gid != owner->gid)) &&
		 fchownat(fd, "", owner->uid, owner->gid, AT_EMPTY_PATH) == -1)
		err = errno;
	if (fd != -1)
		close(fd);
	return err ? panel__space_errno(err, "to", to) : 0;
}

/* The space the copy of name under dir will take, in bytes: what du counts or, when more, the
 * files' sizes (a copy writes a sparse file's holes); and its entries, the walk stopped once
 * they pass most (*entries is then most + 1). */
static int copy_size(uint64_t *bytes, unsigned long *entries, int dir, const char *name,
		     const char *path, unsigned long most)
{
	struct panel__fs_usage u;
	struct stat st;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return panel__space_errno(errno, "from", path);
	if (!S_ISDIR(st.st_mode)) {
		uint64_t used = (uint64_t)st.st_blocks * 512;
		*bytes = S_ISREG(st.st_mode) && (uint64_t)st.st_size > used ? (uint64_t)st.st_size
									    : used;
		*entries = 1;
		return 0;
	}
	if ((fd = panel__fs_dir_at(dir, name, NULL, NULL)) == -1 ||
	    panel__fs_usage(&u, fd, most) == -1)
		return panel__space_errno(errno, "from", path);
	*bytes = u.bytes > u.kb * 1024 ? u.bytes : u.kb * 1024;
	*entries = u.entries + u.deep + 1; /* the folder itself */
	return 0;
}

int panel_file_copy(panel *p, const panel_actor *who, const char *login, const char *from,
		    const char *to)
{
	struct panel__space s;
	struct ends e = {-1, -1, "", ""};
	panel__error_saved saved;
	unsigned long entries = 0;
	uint64_t bytes = 0;
	int error;
	/* Empty files take no space the quota counts: a tree copied into itself again and again
	 * doubled its entries each time, a worker busy for as long; and a tree of millions of
	 * them held a worker for the walk alone. */
	uint64_t most = panel__files_limit(p, "copy_max_entries", PANEL_FILES_COPY_ENTRIES);
	unsigned long most_entries = most < ULONG_MAX ? (unsigned long)most : ULONG_MAX - 1;

	if ((error = panel__space_open(&s, p, who, login)) < 0 ||
	    (error = resolve(&e, &s, from, to)) < 0 ||
	    (error = copy_size(&bytes, &entries, e.from_dir, e.from, from, most_entries)) < 0)
		goto out;
	if (entries > most_entries) {
		error = panel__error(PANEL_EINVALID, "from",
				     "%s holds more than %lu entries, the most a copy may", from,
				     most_entries);
		goto out;
	}
	if ((error = panel__space_reserve(&s, bytes)) < 0)
		goto out;
	struct copy_run run = {.s = &s, .bytes_left = bytes, .entries_left = entries};
	if ((error = copy_at(&run, e.from_dir, e.from, e.to_dir, e.to, 0)) < 0) {
		/* The partial copy is ours: removed, the first error kept. */
		panel__error_save(&saved);
		panel__fs_remove(e.to_dir, e.to);
		panel__error_restore(&saved);
		goto out;
	}
	panel__space_keep(&s);
	panel__space_audit(&s, "file.copy", json_pack("{s:s, s:s}", "from", from, "to", to));
out:
	ends_close(&e);
	panel__space_close(&s);
	return error;
}
