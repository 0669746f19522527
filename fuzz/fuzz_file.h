/* Fuzz targets' helper: the configuration loaders read a path, so each input is written to an
 * anonymous in-memory file and named through /proc/self/fd (nothing on disk, no clean-up). */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Replaces the content of in-memory file number slot (0 or 1, created on first use) with data
 * and writes its path into path. 0, or -1 when the file cannot be made. */
static inline int fuzz_file(int slot, char *path, size_t pathsz, const uint8_t *data, size_t size)
{
	static int fds[2] = {-1, -1};
	size_t off = 0;
	int fd;

	if (slot < 0 || slot > 1)
		return -1;
	if (fds[slot] < 0) {
		fds[slot] = (int)syscall(SYS_memfd_create, "fuzz-input", 0u);
		if (fds[slot] < 0)
			return -1;
	}
	fd = fds[slot];
	if (ftruncate(fd, 0) != 0)
		return -1;
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	snprintf(path, pathsz, "/proc/self/fd/%d", fd);
	return 0;
}

#endif
