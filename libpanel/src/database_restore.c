/* Restoring a member's database from a dump in its backups folder, a folder the member can
 * write to: the file is opened without following links, copied aside while its SHA-256 is
 * computed (what is checked is what runs), compared with the checksum recorded when the panel
 * wrote it, and fed to `mariadb --sandbox` logged in as the database's restore account, an
 * account with the rights a member has on that one database and nothing else, locked with a
 * forgotten password between restores. Whatever the file says, it cannot reach the panel's
 * tables, another database, the server's settings or the runner's files. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "jobs_internal.h"
#include "member_file.h"
#include "member_server.h"

/* What a member's own users may be granted on a database (panel_dbright), no more. */
#define MEMBER_RIGHTS                                                                              \
	"SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, CREATE TEMPORARY TABLES, "    \
	"LOCK TABLES, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, EVENT, "     \
	"TRIGGER"

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
	return panel__member_ddl(p, "DROP USER IF EXISTS '%s'@'%s'", user,
				 panel__member_client_host(p));
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

/* Copies the file into an unlinked private file, definers replaced, and hashes the original
 * bytes. The copy's descriptor (at offset 0), or -1 with result set. */
static int copy_aside(char *result, size_t size, int in, char hex[65])
{
	char tmp[] = "/tmp/panel-restore-XXXXXX";
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int out = mkstemp(tmp), ok = 1;
	FILE *r = NULL, *w = NULL;

	if (out >= 0)
		unlink(tmp);
	int dup_in = dup(in), dup_out = out >= 0 ? dup(out) : -1;
	if (dup_in >= 0)
		r = fdopen(dup_in, "r");
	if (dup_out >= 0)
		w = fdopen(dup_out, "w");
	if (!r || !w) {
		snprintf(result, size, "cannot make a private copy of the dump");
		ok = 0;
	}
	crypto_hash_sha256_init(&st);
	while (ok && (len = getline(&line, &cap, r)) > 0) {
		crypto_hash_sha256_update(&st, (unsigned char *)line, (unsigned long long)len);
		size_t at = definer_at(line, (size_t)len);
		size_t skip = at ? quoted_account(line + at, (size_t)len - at) : 0;
		if (skip) {
			fwrite(line, 1, at, w);
			fputs("CURRENT_USER", w);
			fwrite(line + at + skip, 1, (size_t)len - at - skip, w);
		} else {
			fwrite(line, 1, (size_t)len, w);
		}
	}
	if (ok && (ferror(r) || fflush(w) != 0 || ferror(w))) {
		snprintf(result, size, "cannot copy the dump: %s", strerror(errno));
		ok = 0;
	}
	free(line);
	if (r)
		fclose(r);
	else if (dup_in >= 0)
		close(dup_in);
	if (w)
		fclose(w);
	else if (dup_out >= 0)
		close(dup_out);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	if (!ok || lseek(out, 0, SEEK_SET) != 0) {
		if (out >= 0)
			close(out);
		if (ok)
			snprintf(result, size, "cannot create a private copy of the dump");
		return -1;
	}
	return out;
}

/* The checksum recorded when the panel wrote the dump; 0 when found. */
static int recorded_sha256(char hex[65], panel *p, const char *database, const char *base)
{
	panel_db_rows *rows;

	if (panel__db_query(&rows, p->db,
			    "SELECT sha256 FROM panel_dumps WHERE db = ? AND file = ?",
			    DB_ARGS(DB_STR(database), DB_STR(base))) < 0)
		return -1;
	const char *v = panel__db_cell(rows, 0, 0);
	int found = v && strlen(v) == 64;
	if (found)
		memcpy(hex, v, 65);
	panel__db_rows_free(rows);
	return found ? 0 : -1;
}

/* Runs the private copy as the restore account. */
static void feed(char *result, size_t size, panel *p, const char *database, int in)
{
	char user[96], password[49], defaults[64], opt[96], db[65];

	account_name(user, database);
	random_password(password);
	if (account_open(p, database, password) < 0 ||
	    panel__job_defaults(defaults, p, user, password) < 0) {
		snprintf(result, size, "%.200s", panel_error_last()->message);
		sodium_memzero(password, sizeof(password));
		account_close(p, database);
		return;
	}
	sodium_memzero(password, sizeof(password));
	snprintf(opt, sizeof(opt), "--defaults-file=%s", defaults);
	snprintf(db, sizeof(db), "%s", database); /* argv wants writable strings */
	/* --sandbox: no \! shell, no \T file, no source; no LOAD DATA LOCAL from this host. */
	char *const argv[] = {"mariadb", opt, "--sandbox", "--local-infile=0", db, NULL};
	panel__job_exec(result, size, argv, in, -1);
	unlink(defaults);
	account_close(p, database);
}

void panel__restore_run(char *result, size_t size, panel *p, const char *database, const char *file,
			int verify)
{
	char got[65], want[65];
	const char *rel, *base = strrchr(file, '/') + 1;
	int in, copy;

	if (verify && recorded_sha256(want, p, database, base) < 0) {
		snprintf(result, size, "refused: %.100s is not a dump the panel wrote", base);
		return;
	}
	if (panel__job_rel_path(&rel, p, file) < 0) {
		snprintf(result, size, "refused: %.160s is not under the hosting root", file);
		return;
	}
	in = panel__member_file_open(panel__job_root(p), rel, O_RDONLY, 0, 0);
	if (in < 0) {
		snprintf(result, size, "cannot read %.160s: %s", file,
			 errno == ELOOP	   ? "a symbolic link is on the way"
			 : errno == EINVAL ? "not a regular file"
					   : strerror(errno));
		return;
	}
	copy = copy_aside(result, size, in, got);
	close(in);
	if (copy < 0)
		return;
	if (verify && strcmp(got, want) != 0)
		snprintf(result, size,
			 "refused: %.100s changed since the panel wrote it (SHA-256 differs)",
			 base);
	else
		feed(result, size, p, database, copy);
	close(copy);
}
