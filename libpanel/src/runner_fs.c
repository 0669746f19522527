/* The runner's filesystem operations inside members' trees, which members control (FTP, their
 * PHP): every path is walked one folder at a time from the hosting root with openat and
 * O_NOFOLLOW | O_DIRECTORY, owners and modes are set on open descriptors, deletion is a rename
 * into a root-only trash, and the trash is emptied with openat/unlinkat without following links
 * nor entering another mount. */
#define _GNU_SOURCE /* statx */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner_internal.h"

/* Folders deeper than this are moved up to the top of the tree being removed, so that a member's
 * very deep tree costs neither stack nor descriptors. */
#define PURGE_DEPTH 64

int panel__fs_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 255 || name[0] == '-' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || (unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

int panel__fs_dir_at(int at, const char *name, const struct panel__fs_owner *make, int *created)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd, made = 0;

	if (created)
		*created = 0;
	fd = openat(at, name, flags);
	if (fd == -1 && errno == ENOENT && make) {
		if (mkdirat(at, name, 0700) == -1 && errno != EEXIST)
			return -1;
		made = errno != EEXIST;
		fd = openat(at, name, flags);
	}
	if (fd == -1) {
		/* O_DIRECTORY | O_NOFOLLOW on a link fails with ENOTDIR: say it is a link. */
		struct stat st;
		int saved = errno;
		if (saved == ENOTDIR && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			saved = ELOOP;
		errno = saved;
		return -1;
	}
	if (made && (fchown(fd, make->uid, make->gid) == -1 || fchmod(fd, make->mode) == -1)) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (created)
		*created = made;
	return fd;
}

int panel__fs_walk(const struct panel__run *r, int at, const char *rel,
		   const struct panel__fs_owner *make)
{
	char name[256], walked[1024] = "";
	int dir = dup(at);

	if (dir == -1)
		return -1;
	while (*rel) {
		size_t n = strcspn(rel, "/");
		if (n == 0 || n >= sizeof(name)) {
			close(dir);
			errno = EINVAL;
			return -1;
		}
		memcpy(name, rel, n);
		name[n] = '\0';
		rel += n + (rel[n] == '/');
		size_t used = strlen(walked);
		snprintf(walked + used, sizeof(walked) - used, "%s%s", used ? "/" : "", name);
		if (!panel__fs_name_ok(name)) {
			close(dir);
			errno = EINVAL;
			return -1;
		}
		if (r)
			panel__run_hook(r, "open", walked);
		int sub = panel__fs_dir_at(dir, name, make, NULL);
		int saved = errno;
		close(dir);
		if (sub == -1) {
			errno = saved;
			return -1;
		}
		dir = sub;
	}
	return dir;
}

/* <root>/trash/<YYYYMMDD>, made the runner's (root's) alone: moved trees are out of the members'
 * reach. */
static int trash_day(int root)
{
	const struct panel__fs_owner sys = {(uid_t)-1, (gid_t)-1, 0700};
	char day[16];
	time_t now = time(NULL);
	struct tm tm;
	int trash, fd;

	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	if ((trash = panel__fs_dir_at(root, "trash", &sys, NULL)) == -1)
		return -1;
	fd = panel__fs_dir_at(trash, day, &sys, NULL);
	int saved = errno;
	close(trash);
	errno = saved;
	return fd;
}

int panel__fs_trash(const struct panel__run *r, int at, const char *name, const char *tag)
{
	char target[300];
	struct stat st;
	int day, rc;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((day = trash_day(r->root)) == -1)
		return -1;
	snprintf(target, sizeof(target), "%llu-%s-%s", (unsigned long long)r->id, tag, name);
	panel__run_hook(r, "trash", name);
	rc = renameat(at, name, day, target);
	int saved = errno;
	close(day);
	if (rc == -1) {
		errno = saved;
		return saved == ENOENT ? 0 : -1;
	}
	return 1;
}

static int remove_at(int top, uint64_t mnt, int at, const char *name, unsigned depth);

/* The mount that at/name ("" for at itself) is on: its mount id, or its filesystem where the
 * kernel tells no mount id (before Linux 5.8: a bind mount of the same filesystem then goes
 * unseen). 0, or -1 with errno. */
static int mount_of(uint64_t *mnt, int at, const char *name)
{
	struct statx sx;

	if (statx(at, name, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH), STATX_MNT_ID, &sx) ==
	    -1)
		return -1;
	*mnt = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id
					    : ((uint64_t)sx.stx_dev_major << 32 | sx.stx_dev_minor);
	return 0;
}

/* Removes every entry of the folder fd (closed here), on the mount mnt: the number of entries it
 * saw, or -1. */
static long empty_dir(int top, uint64_t mnt, int fd, unsigned depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	long seen = 0;
	int rc = 0, saved = 0;

	if (!d) {
		close(fd);
		return -1;
	}
	rewinddir(d); /* a dup shares the offset of an earlier round */
	for (;;) {
		errno = 0;
		if (!(e = readdir(d)))
			break;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		seen++;
		if (remove_at(top, mnt, dirfd(d), e->d_name, depth + 1) == -1) {
			rc = -1;
			saved = errno;
		}
	}
	if (errno) {
		rc = -1;
		saved = errno;
	}
	closedir(d);
	errno = saved;
	return rc == 0 ? seen : -1;
}

/* A folder on another mount (a bind mount an admin made, a FUSE one) is never entered: what
 * is mounted there is not the tree's to remove (EXDEV). */
static int remove_at(int top, uint64_t mnt, int at, const char *name, unsigned depth)
{
	struct stat st;
	uint64_t here;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(at, name, 0) == -1 && errno != ENOENT ? -1 : 0;
	if (mount_of(&here, at, name) == -1)
		return errno == ENOENT ? 0 : -1;
	if (here != mnt) {
		errno = EXDEV;
		return -1;
	}
	if (depth >= PURGE_DEPTH) {
		/* Moved up to the top of the tree, removed from there on a next round. */
		char up[64];
		snprintf(up, sizeof(up), ".deep-%llu-%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		return renameat(at, name, top, up);
	}
	/* Not a link (O_NOFOLLOW): a link swapped in since fstatat is refused, then unlinked. */
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOTDIR || errno == ELOOP ? unlinkat(at, name, 0) : -1;
	/* Checked again on what was opened: a mount made since. */
	if (mount_of(&here, fd, "") == -1 || here != mnt) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	if (empty_dir(top, mnt, fd, depth) < 0)
		return -1;
	return unlinkat(at, name, AT_REMOVEDIR);
}

int panel__fs_remove(int at, const char *name)
{
	struct stat st;
	uint64_t parent, mnt;
	long seen = 1;
	int top;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(at, name, 0);
	/* Not a link (O_NOFOLLOW): a link swapped in since fstatat is refused, never entered. The
	 * tree's filesystem is its parent's: a mount point is not removed either. */
	if (mount_of(&parent, at, "") == -1 ||
	    (top = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (mount_of(&mnt, top, "") == -1 || mnt != parent) {
		close(top);
		errno = EXDEV;
		return -1;
	}
	/* In rounds: deep folders moved up to the top by one round are removed by the next. */
	for (int round = 0; round < 1000 && seen > 0; round++) {
		int fd = dup(top);
		seen = fd == -1 ? -1 : empty_dir(top, mnt, fd, 0);
	}
	int saved = errno;
	close(top);
	if (seen != 0) {
		errno = seen < 0 ? saved : ENOTEMPTY;
		return -1;
	}
	return unlinkat(at, name, AT_REMOVEDIR);
}

static int old_enough(const char *name, const char *cutoff)
{
	return strlen(name) == 8 && strspn(name, "0123456789") == 8 && strcmp(name, cutoff) <= 0;
}

int panel__fs_purge(int root, unsigned long days, unsigned *removed)
{
	char cutoff[16];
	time_t then = time(NULL) - (time_t)days * 86400;
	struct tm tm;
	struct dirent *e;
	int trash, rc = 0, saved = 0;

	*removed = 0;
	localtime_r(&then, &tm);
	strftime(cutoff, sizeof(cutoff), "%Y%m%d", &tm);
	trash = openat(root, "trash", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (trash == -1)
		return errno == ENOENT ? 0 : -1;
	DIR *d = fdopendir(trash);
	if (!d) {
		close(trash);
		return -1;
	}
	while ((e = readdir(d))) {
		if (!old_enough(e->d_name, cutoff))
			continue;
		if (panel__fs_remove(dirfd(d), e->d_name) == 0) {
			(*removed)++;
		} else {
			rc = -1;
			saved = errno;
		}
	}
	closedir(d);
	errno = saved; /* the reason of the last failure, for the pass's warning */
	return rc;
}
