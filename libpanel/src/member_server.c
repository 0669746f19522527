/* The member database server: strict names for DDL, the escaping of database names in
 * grants, and DDL statements run there. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "handle.h"
#include "member_server.h"

int panel__member_name_safe(const char *name)
{
	if (!name || !*name)
		return 0;
	for (const char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int panel__member_name(char *out, size_t size, const char *login, const char *suffix, size_t max)
{
	size_t n;

	if (suffix && *suffix) {
		for (const char *s = suffix; *s; s++)
			if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
				return panel__error(PANEL_EINVALID, "suffix",
						    "the suffix has a-z and 0-9 only");
		n = (size_t)snprintf(out, size, "%s_%s", login, suffix);
	} else {
		n = (size_t)snprintf(out, size, "%s", login);
	}
	if (n >= size || n > max)
		return panel__error(PANEL_EINVALID, "suffix", "the name is %zu characters at most",
				    max);
	if (!panel__member_name_safe(out))
		return panel__error(PANEL_EINVALID, "suffix", "invalid name");
	return 0;
}

void panel__grant_db_name(char *out, size_t size, const char *name)
{
	size_t o = 0;

	for (const char *s = name; *s && o + 2 < size; s++) {
		if (*s == '_' || *s == '%')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

int panel__member_ddl(panel *p, const char *fmt, ...)
{
	char sql[1024];
	panel_db *mdb;
	va_list ap;
	int n, error;

	va_start(ap, fmt);
	n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return panel__error(PANEL_ERROR, NULL, "internal: statement too long");
	if ((error = panel__member_db(&mdb, p)) < 0)
		return error;
	/* Callers read the error number of this statement (1141: no such grant), never an
	 * earlier one's. */
	panel__db_errno_reset(mdb);
	return panel__db_batch_reopen(NULL, mdb, sql, (size_t)n);
}

int panel__member_drop_user(panel *p, const char *user)
{
	return panel__member_ddl(p, "DROP USER IF EXISTS '%s'@'%s'", user,
				 panel__member_client_host(p));
}

void panel__member_undo(panel *p, const char *fmt, ...)
{
	panel__error_saved saved;
	char sql[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return;
	panel__error_save(&saved);
	panel__member_ddl(p, "%s", sql);
	panel__error_restore(&saved);
}

const char *panel__member_client_host(panel *p)
{
	const char *h = panel_setting(p, "member_database", "client_host");

	return h && *h ? h : "localhost";
}
