/* Opening a file under a trusted root without following a symbolic link at any component of
 * the path below it (see member_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "member_file.h"

/* The next component of *rel into name (NUL-terminated); *rel moves past it and its slash.
 * 0, or -1 for an empty, ".", ".." or too long component. */
static int next_component(char name[256], const char **rel)
{
	size_t n = strcspn(*rel, "/");

	if (n == 0 || n > 255)
		return -1;
	memcpy(name, *rel, n);
	name[n] = '\0';
	*rel += n + ((*rel)[n] == '/');
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ? -1 : 0;
}

static int open_dir_at(int at, const char *name, int create, mode_t dir_mode)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(at, name, flags);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(at, name, dir_mode) != 0 && errno != EEXIST)
			return -1;
		fd = openat(at, name, flags);
	}
	/* O_DIRECTORY | O_NOFOLLOW on a symbolic link fails with ENOTDIR: say what it is. */
	if (fd < 0 && errno == ENOTDIR) {
		struct stat st;
		if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			errno = ELOOP;
		else
			errno = ENOTDIR;
	}
	return fd;
}

int panel__member_file_open_in(int *dir, char leaf[256], const char *root, const char *rel,
			       int flags, mode_t mode, mode_t dir_mode)
{
	struct stat st;
	int at, fd, saved;

	*dir = -1;
	if (!root || !*root || !rel || !*rel || rel[0] == '/') {
		errno = EINVAL;
		return -1;
	}
	at = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (at < 0)
		return -1;
	for (;;) {
		if (next_component(leaf, &rel) != 0) {
			close(at);
			errno = EINVAL;
			return -1;
		}
		if (!*rel)
			break;
		/* Only the file's own folder is made: the others are the account's, made with their
		 * owners and modes by its mem_add action; one made here would be root's. */
		int sub = open_dir_at(at, leaf, (flags & O_CREAT) && !strchr(rel, '/'), dir_mode);
		saved = errno;
		close(at);
		if (sub < 0) {
			errno = saved;
			return -1;
		}
		at = sub;
	}
	/* O_NONBLOCK: a FIFO planted under the file's name must not hang the job. */
	fd = openat(at, leaf, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
	if (fd < 0) {
		saved = errno;
		close(at);
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		close(at);
		errno = EINVAL;
		return -1;
	}
	/* Regular files do not block: the flag is dropped for the reader's sake. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*dir = at;
	return fd;
}

int panel__member_file_open(const char *root, const char *rel, int flags, mode_t mode,
			    mode_t dir_mode)
{
	char leaf[256];
	int dir, fd = panel__member_file_open_in(&dir, leaf, root, rel, flags, mode, dir_mode);

	if (fd >= 0)
		close(dir);
	return fd;
}
