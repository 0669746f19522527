/* Restoring a member's database from a dump in its backups folder, a folder the member can
 * write to: the file is opened without following links, its size checked against the one
 * recorded when the panel wrote it before a byte is read, copied aside (never more than that
 * size) while its SHA-256 is computed (what is checked is what runs), compared with the checksum
 * recorded, and fed to `mariadb --sandbox`, run as panel-restore (else nobody), logged in as the
 * database's restore account, an account with the rights a member has on that one database and
 * nothing else, locked with a forgotten password between restores. Whatever the file says, it
 * cannot reach the panel's tables, another database, the server's settings or the runner's files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "error.h"
#include "jobs_internal.h"
#include "member_file.h"
#include "member_server.h"

/* What a member's own users may be granted on a database (panel_dbright), no more. */
#define MEMBER_RIGHTS                                                                              \
	"SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, CREATE TEMPORARY TABLES, "    \
	"LOCK TABLES, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, EVENT, "     \
	"TRIGGER"

/* The most an unverified restore reads. A file the panel did not write has no recorded size to
 * hold it to, and the member may swap it for a sparse file of terabytes (truncate -s: no disk, no
 * quota) after an administrator queued it; the copy goes to /var/tmp (on disk: /tmp is often a
 * tmpfs, in memory, which a large verified dump filled) and the runner, one for every member,
 * is busy meanwhile. 4 GiB is more than a database restored
 * through the panel needs (a bigger one an administrator restores by hand with mariadb). */
#define UNVERIFIED_MAX (UINT64_C(4) << 30)

/* The copy reads blocks of this size: a line longer than that goes out in pieces, and no buffer
 * grows with the file. A DEFINER clause is in a line's first piece (its account is at most a few
 * hundred bytes after the line's start). */
#define COPY_BLOCK 65536

/* panel_rst_<database>: no member's user can have that name, "panel" being a reserved login. */
static void account_name(char out[96], const char *database)
{
	snprintf(out, 96, "panel_rst_%s", database);
}

/* 48 hex digits from libsodium's generator: safe between quotes. */
static void random_password(char out[49])
{
	unsigned char raw[24];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, 49, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* Creates or unlocks the restore account with a new password, rights on database alone. */
static int account_open(panel *p, const char *database, const char *password)
{
	char user[96], esc[140];
	const char *host = panel__member_client_host(p);
	int error;

	account_name(user, database);
	panel__grant_db_name(esc, sizeof(esc), database);
	if ((error = panel__member_ddl(p, "CREATE USER IF NOT EXISTS '%s'@'%s' ACCOUNT LOCK", user,
				       host)) < 0 ||
	    (error = panel__member_ddl(p,
				       "ALTER USER '%s'@'%s' IDENTIFIED BY '%s' WITH "
				       "MAX_USER_CONNECTIONS 1 ACCOUNT UNLOCK",
				       user, host, password)) < 0)
		return error;
	return panel__member_ddl(p, "GRANT " MEMBER_RIGHTS " ON `%s`.* TO '%s'@'%s'", esc, user,
				 host);
}

/* Locks it again behind a password nobody knows. It stays: views, triggers and routines the
 * dump created have it as their definer, and a locked account still defines them. */
static void account_close(panel *p, const char *database)
{
	char user[96], password[49];

	account_name(user, database);
	random_password(password);
	panel__member_ddl(p, "ALTER USER '%s'@'%s' IDENTIFIED BY '%s' ACCOUNT LOCK", user,
			  panel__member_client_host(p), password);
	sodium_memzero(password, sizeof(password));
}

int panel__restore_account_drop(panel *p, const char *database)
{
	char user[96];

	account_name(user, database);
	return panel__member_drop_user(p, user);
}

/* mariadb-dump writes a DEFINER clause at the start of these lines (triggers, views, routines,
 * events); only an account with SET USER may restore another definer, so the restore account
 * becomes the definer. Lines of data never start so (mariadb-dump escapes new lines). */
static size_t definer_at(const char *line, size_t len)
{
	static const char *const prefixes[] = {
	    "/*!50003 CREATE*/ /*!50017 DEFINER=",
	    "/*!50013 DEFINER=",
	    "CREATE DEFINER=",
	    "/*!50106 CREATE*/ /*!50117 DEFINER=",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (len > n && memcmp(line, prefixes[i], n) == 0)
			return n;
	}
	return 0;
}

/* The length of `user`@`host` at s (backquotes doubled inside), 0 when it is not that. */
static size_t quoted_account(const char *s, size_t len)
{
	size_t i = 0;

	for (int part = 0; part < 2; part++) {
		if (i >= len || s[i] != '`')
			return 0;
		for (i++;; i++) {
			if (i >= len)
				return 0;
			if (s[i] == '`' && i + 1 < len && s[i + 1] == '`')
				i++;
			else if (s[i] == '`')
				break;
		}
		i++;
		if (part == 0 && (i >= len || s[i++] != '@'))
			return 0;
	}
	return i;
}

/* The dump being read: with read(2), never more than limit bytes in all, whatever the file's
 * size becomes meanwhile; buf[start, end) holds what is read and not copied yet. */
struct dump_reader {
	int fd, eof;
	uint64_t limit, total;
	size_t start, end;
	char buf[COPY_BLOCK];
};

/* Moves what is left to the buffer's start and reads more, up to the limit. 0, or -1. */
static int reader_fill(struct dump_reader *r)
{
	size_t want;
	ssize_t n;

	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->end -= r->start;
	r->start = 0;
	want = sizeof(r->buf) - r->end;
	if (want > r->limit - r->total)
		want = (size_t)(r->limit - r->total);
	if (want == 0) {
		r->eof = 1;
		return 0;
	}
	do
		n = read(r->fd, r->buf + r->end, want);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	r->eof = n == 0;
	r->end += (size_t)n;
	r->total += (uint64_t)n;
	return 0;
}

/* The next piece to copy into *piece: a whole line, or a buffer's worth of a longer one. Its
 * length, 0 at the end, -1 when reading failed. */
static ssize_t reader_next(const char **piece, struct dump_reader *r)
{
	for (;;) {
		const char *s = r->buf + r->start;
		size_t have = r->end - r->start;
		const char *nl = memchr(s, '\n', have);
		if (nl || r->eof || have == sizeof(r->buf)) {
			size_t len = nl ? (size_t)(nl - s) + 1 : have;
			*piece = s;
			r->start += len;
			return (ssize_t)len;
		}
		if (reader_fill(r) < 0)
			return -1;
	}
}

/* Whether the file has a byte past the limit, read alone (neither hashed nor copied): it grew
 * after it was measured. A read error counts as a yes. */
static int reader_more(const struct dump_reader *r)
{
	char c;
	ssize_t n;

	do
		n = pread(r->fd, &c, 1, (off_t)r->limit);
	while (n == -1 && errno == EINTR);
	return n != 0;
}

/* Writes one piece of the dump; at a line's start, a DEFINER clause's account becomes
 * CURRENT_USER. */
static void copy_piece(FILE *w, const char *s, size_t len, int line_start)
{
	size_t at = line_start ? definer_at(s, len) : 0;
	size_t skip = at ? quoted_account(s + at, len - at) : 0;

	if (skip) {
		fwrite(s, 1, at, w);
		fputs("CURRENT_USER", w);
		fwrite(s + at + skip, 1, len - at - skip, w);
	} else {
		fwrite(s, 1, len, w);
	}
}

/* Copies what r reads into an unlinked private file, definers replaced, and hashes the original
 * bytes. The copy's descriptor (at offset 0), or -1 with result set. */
static int copy_aside(char *result, size_t size, struct dump_reader *r, char hex[65])
{
	char tmp[] = "/var/tmp/panel-restore-XXXXXX"; /* the unit's PrivateTmp makes it private */
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	const char *piece;
	ssize_t len = 0;
	int out = mkstemp(tmp), line_start = 1, dup_out = -1;
	FILE *w = NULL;

	if (out >= 0) {
		unlink(tmp);
		dup_out = dup(out);
	}
	if (dup_out >= 0 && !(w = fdopen(dup_out, "w")))
		close(dup_out);
	if (!w) {
		snprintf(result, size, "cannot make a private copy of the dump");
		if (out >= 0)
			close(out);
		return -1;
	}
	crypto_hash_sha256_init(&st);
	while (!ferror(w) && (len = reader_next(&piece, r)) > 0) {
		crypto_hash_sha256_update(&st, (const unsigned char *)piece,
					  (unsigned long long)len);
		copy_piece(w, piece, (size_t)len, line_start);
		line_start = piece[len - 1] == '\n';
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	int failed = len < 0 || fflush(w) != 0 || ferror(w);
	int saved = errno;
	fclose(w);
	if (failed || lseek(out, 0, SEEK_SET) != 0) {
		snprintf(result, size, "cannot copy the dump: %s",
			 strerror(failed ? saved : errno));
		close(out);
		return -1;
	}
	return out;
}

/* The checksum and the size recorded when the panel wrote the dump; 0 when found. */
static int recorded_dump(char hex[65], uint64_t *bytes, panel *p, const char *database,
			 const char *base)
{
	panel_db_rows *rows;
	char *end;

	if (panel__db_query(&rows, p->db,
			    "SELECT sha256, size FROM panel_dumps WHERE db = ? AND file = ?",
			    DB_ARGS(DB_STR(database), DB_STR(base))) < 0)
		return -1;
	const char *v = panel__db_cell(rows, 0, 0), *n = panel__db_cell(rows, 0, 1);
	int found = v && strlen(v) == 64 && n && *n >= '0' && *n <= '9';
	if (found) {
		memcpy(hex, v, 65);
		errno = 0;
		*bytes = strtoull(n, &end, 10);
		found = errno == 0 && *end == '\0';
	}
	panel__db_rows_free(rows);
	return found ? 0 : -1;
}

/* The refusal of a file whose size is not the one recorded (verify) or is above the limit. */
static void refuse_size(char *result, size_t size, const char *base, int verify, uint64_t limit)
{
	if (verify)
		snprintf(result, size,
			 "refused: %.100s changed since the panel wrote it (its size differs from "
			 "the %" PRIu64 " bytes the panel wrote)",
			 base, limit);
	else
		snprintf(result, size,
			 "refused: %.100s is larger than %" PRIu64
			 " bytes, the most an unverified restore reads",
			 base, limit);
}

/* Opens the dump without following links and measures it before a byte is read: a regular file
 * of the size the panel recorded (verify), or of limit bytes at most. The descriptor, or -1 with
 * result set. */
static int open_dump(char *result, size_t size, panel *p, const char *file, int verify,
		     uint64_t limit)
{
	const char *rel, *base = strrchr(file, '/') + 1;
	struct stat st;
	int in;

	if (panel__job_rel_path(&rel, p, file) < 0) {
		snprintf(result, size, "refused: %.160s is not under the hosting root", file);
		return -1;
	}
	in = panel__member_file_open(panel__job_root(p), rel, O_RDONLY, 0, 0);
	if (in < 0) {
		snprintf(result, size, "cannot read %.160s: %s", file,
			 errno == ELOOP	   ? "a symbolic link is on the way"
			 : errno == EINVAL ? "not a regular file"
					   : strerror(errno));
		return -1;
	}
	if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode))
		snprintf(result, size, "cannot read %.160s: not a regular file", file);
	else if (verify ? (uint64_t)st.st_size != limit : (uint64_t)st.st_size > limit)
		refuse_size(result, size, base, verify, limit);
	else
		return in;
	close(in);
	return -1;
}

/* Runs the private copy as the restore account. */
static void feed(char *result, size_t size, panel *p, const char *database, int in)
{
	char user[96], password[49], *defaults = NULL, db[65];

	account_name(user, database);
	random_password(password);
	if (account_open(p, database, password) < 0 ||
	    panel__job_defaults(&defaults, p, user, password) < 0) {
		snprintf(result, size, "%.200s", panel_error_last()->message);
		sodium_memzero(password, sizeof(password));
		account_close(p, database);
		return;
	}
	sodium_memzero(password, sizeof(password));
	snprintf(db, sizeof(db), "%s", database); /* argv wants writable strings */
	/* --binary-mode: no client command at all but DELIMITER and \C, whatever the file holds
	 * (--sandbox alone still ran \e, the editor, fed with the rest of the file as keys; and
	 * \r connected elsewhere with these credentials; a routine's body can carry them into a
	 * dump the panel wrote, behind a "--\x01" the server reads as a comment and the client
	 * does not). --sandbox: no \! shell, no \T file, no source, should binary mode miss one;
	 * no LOAD DATA LOCAL from this host. And should all of that miss something, the client is
	 * panel-restore (else nobody), with no descriptor of the runner's. */
	char *const argv[] = {"mariadb",   PANEL__JOB_DEFAULTS_OPT, "--binary-mode",
			      "--sandbox", "--local-infile=0",	    db,
			      NULL};
	panel__job_exec(result, size, argv, in, -1, defaults, PANEL__JOB_AS_NOBODY);
	panel__secret_free(defaults);
	account_close(p, database);
}

/* What was read is what was measured: the file did not grow past the limit while it was copied,
 * nor (a dump the panel wrote) shrink. 0, or -1 with result set. */
static int as_measured(char *result, size_t size, const struct dump_reader *r, int verify,
		       const char *base)
{
	if (verify ? r->total != r->limit || reader_more(r)
		   : r->total == r->limit && reader_more(r)) {
		refuse_size(result, size, base, verify, r->limit);
		return -1;
	}
	return 0;
}

void panel__restore_run(char *result, size_t size, panel *p, const char *database, const char *file,
			int verify)
{
	char got[65], want[65];
	const char *base = strrchr(file, '/') + 1;
	uint64_t recorded = 0;
	struct dump_reader *r;
	int copy = -1;

	if (verify && recorded_dump(want, &recorded, p, database, base) < 0) {
		snprintf(result, size, "refused: %.100s is not a dump the panel wrote", base);
		return;
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		snprintf(result, size, "out of memory");
		return;
	}
	r->limit = verify ? recorded : UNVERIFIED_MAX;
	r->fd = open_dump(result, size, p, file, verify, r->limit);
	if (r->fd >= 0)
		copy = copy_aside(result, size, r, got);
	if (copy >= 0 && as_measured(result, size, r, verify, base) == 0) {
		if (verify && strcmp(got, want) != 0)
			snprintf(
			    result, size,
			    "refused: %.100s changed since the panel wrote it (SHA-256 differs)",
			    base);
		else
			feed(result, size, p, database, copy);
	}
	if (r->fd >= 0)
		close(r->fd);
	if (copy >= 0)
		close(copy);
	free(r);
}
