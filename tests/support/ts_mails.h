/* The messages kept by tests/support/fake-sendmail (one file "msg.*" each in a folder, named
 * by FAKE_SENDMAIL_DIR), for the tests of the mails the panel sends. Header-only. */
#ifndef TS_MAILS_H
#define TS_MAILS_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Makes a folder from template (ending in XXXXXX), points FAKE_SENDMAIL_DIR at it (children,
 * panel-api included, inherit it) and writes the absolute path of the fake program into
 * program (PATH_MAX bytes). 0 or -1. */
static inline int ts_mails_init(char *dir_template, char *program)
{
	if (!mkdtemp(dir_template) || !realpath("tests/support/fake-sendmail", program))
		return -1;
	return setenv("FAKE_SENDMAIL_DIR", dir_template, 1) == 0 ? 0 : -1;
}

/* Removes every file of dir (the messages, and the fail switch). */
static inline void ts_mails_clear(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
}

/* The number of messages kept; *text (when not NULL) gets one of them, to free. */
static inline int ts_mails_count(const char *dir, char **text)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int n = 0;

	if (text)
		*text = NULL;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "msg.", 4) != 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = text ? fopen(path, "r") : NULL;
		if (f) {
			free(*text);
			*text = calloc(1, 65536);
			if (*text && fread(*text, 1, 65535, f) == 0)
				(*text)[0] = '\0';
			fclose(f);
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* 1 when the header block of msg holds the line, exactly. */
static inline int ts_mail_has_header(const char *msg, const char *line)
{
	const char *end = strstr(msg, "\n\n");
	size_t n = strlen(line);

	for (const char *s = msg; s && (!end || s < end); s = strchr(s, '\n'), s = s ? s + 1 : s)
		if (strncmp(s, line, n) == 0 && s[n] == '\n')
			return 1;
	return 0;
}

/* The value of "<name>: " in the body of msg, up to the end of its line, into out. */
static inline int ts_mail_body_value(char *out, size_t outsz, const char *msg, const char *name)
{
	const char *body = strstr(msg, "\n\n"), *at;
	size_t n;

	if (!body || !(at = strstr(body, name)))
		return -1;
	at += strlen(name);
	n = strcspn(at, "\n");
	if (n >= outsz)
		return -1;
	memcpy(out, at, n);
	out[n] = '\0';
	return 0;
}

/* Makes the fake program fail (exit 75 after reading the message) or work again. 0 or -1. */
static inline int ts_mails_failing(const char *dir, int failing)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/fail", dir);
	if (!failing)
		return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	FILE *f = fopen(path, "w");
	return f && fclose(f) == 0 ? 0 : -1;
}

#endif
