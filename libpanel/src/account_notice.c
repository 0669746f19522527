/* The notice of a new account (AlternC 1.0's m_admin::alternc_add_member): mailed to the
 * setting new_email when it holds an address, from the setting new_email_template (1.0's text
 * when it is not stored) with 1.0's placeholders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "error.h"
#include "handle.h"
#include "sendmail.h"
#include "validate.h"

/* 1.0's text, typo included ("createor"), so that filters written for it still match. */
static const char default_template[] = "A new AlternC account was created on %fqdn by %creator.\n"
				       "\n"
				       "Account details\n"
				       "---------------\n"
				       "\n"
				       "login: %login (%uid)\n"
				       "email: %mail\n"
				       "createor: %creator (%cuid)\n"
				       "can change password: %canpass\n"
				       "type: %type\n"
				       "notes: %notes";

enum { F_FQDN, F_CREATOR, F_UID, F_LOGIN, F_MAIL, F_CUID, F_CANPASS, F_TYPE, F_NOTES, NFIELDS };

/* Longest names first, as PHP's strtr tries them: %canpass before a shorter key. */
static const char *const names[NFIELDS] = {"%fqdn", "%creator", "%uid",	 "%login", "%mail",
					   "%cuid", "%canpass", "%type", "%notes"};

static int placeholder_at(const char *s, size_t *len)
{
	int best = -1;

	*len = 0;
	for (int i = 0; i < NFIELDS; i++) {
		size_t n = strlen(names[i]);
		if (n > *len && strncmp(s, names[i], n) == 0) {
			best = i;
			*len = n;
		}
	}
	return best;
}

/* The template with each placeholder replaced once (values are not scanned again). */
static char *expand(const char *tpl, const char *const values[NFIELDS])
{
	size_t cap = strlen(tpl) + 1, n = 0, len;
	int f;

	for (const char *s = tpl; *s; s++)
		if (*s == '%' && (f = placeholder_at(s, &len)) >= 0)
			cap += strlen(values[f]);
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (const char *s = tpl; *s;) {
		if (*s == '%' && (f = placeholder_at(s, &len)) >= 0) {
			memcpy(out + n, values[f], strlen(values[f]));
			n += strlen(values[f]);
			s += len;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return out;
}

/* A setting's value, "" when it is not stored. */
static int setting(char **out, panel *p, const char *name)
{
	panel_db_rows *rows;
	int error;

	*out = NULL;
	if ((error = panel__db_read(&rows, p->db, "SELECT value FROM variable WHERE name = ?",
				    DB_ARGS(DB_STR(name)))) < 0)
		return error;
	*out = strdup(panel__db_rows_count(rows) ? panel__db_cell(rows, 0, 0) : "");
	panel__db_rows_free(rows);
	return *out ? 0 : panel__error_oom();
}

static int send_notice(panel *p, const char *to, const char *tpl, uint32_t uid)
{
	panel_db_rows *rows;
	char subject[400];
	int error;

	if ((error = panel__db_read(
		 &rows, p->db,
		 "SELECT m.uid, m.login, m.mail, COALESCE(m.creator, 0), COALESCE(m.canpass, 1),"
		 " COALESCE(m.type, ''), m.notes, COALESCE(parent.login, '') FROM membres m"
		 " LEFT JOIN membres parent ON parent.uid = m.creator WHERE m.uid = ?",
		 DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "login", "the new account is gone");
	}
	const char *fqdn = panel_config_get(p->cfg, "hosting", "fqdn");
	const char *values[NFIELDS] = {
	    [F_FQDN] = fqdn ? fqdn : "",
	    [F_CREATOR] = panel__db_cell(rows, 0, 7),
	    [F_UID] = panel__db_cell(rows, 0, 0),
	    [F_LOGIN] = panel__db_cell(rows, 0, 1),
	    [F_MAIL] = panel__db_cell(rows, 0, 2),
	    [F_CUID] = panel__db_cell(rows, 0, 3),
	    [F_CANPASS] = panel__db_cell(rows, 0, 4),
	    [F_TYPE] = panel__db_cell(rows, 0, 5),
	    [F_NOTES] = panel__db_cell(rows, 0, 6),
	};
	snprintf(subject, sizeof(subject), "New account (%s from %s) on %s", values[F_LOGIN],
		 values[F_CREATOR], panel__sendmail_hosting(p));
	char *body = expand(tpl, values);
	error = body ? panel__sendmail(p, to, subject, body) : panel__error_oom();
	free(body);
	panel__db_rows_free(rows);
	return error;
}

struct failed_ctx {
	uint32_t uid;
	const char *login, *to, *reason;
};

static int failed_body(panel_db *db, void *arg)
{
	const struct failed_ctx *ctx = arg;
	panel_actor sys = panel_actor_system();

	return panel__audit(db, &sys, "account.notice_failed", "account", ctx->login, ctx->uid,
			    NULL, json_pack("{s:s, s:s}", "to", ctx->to, "error", ctx->reason));
}

void panel__account_notice(panel *p, uint32_t uid, const char *login)
{
	char *to = NULL, *tpl = NULL;
	panel__error_saved saved;

	if (panel__db_request_state(p->db)) {
		/* The account exists only once the request's transaction commits. */
		p->notice_uid = uid;
		snprintf(p->notice_login, sizeof(p->notice_login), "%s", login);
		return;
	}

	/* The account exists whatever happens here: the caller's outcome stays 0. */
	panel__error_save(&saved);
	if (setting(&to, p, "new_email") < 0 || !panel__valid_mail(to))
		goto out;
	if (setting(&tpl, p, "new_email_template") < 0)
		goto out;
	if (send_notice(p, to, *tpl ? tpl : default_template, uid) < 0) {
		char reason[256];
		snprintf(reason, sizeof(reason), "%s", panel_error_last()->message);
		struct failed_ctx ctx = {uid, login, to, reason};
		panel__db_transaction(p->db, failed_body, &ctx);
	}
out:
	free(to);
	free(tpl);
	panel__error_restore(&saved);
}

void panel__account_notice_settle(panel *p, int commit)
{
	uint32_t uid = p->notice_uid;

	p->notice_uid = 0;
	if (uid && commit)
		panel__account_notice(p, uid, p->notice_login);
}
