/* What AlternC 1.0's account page did right after creating an account (admin/adm_doadd.php),
 * here inside the creation's own transaction so that either all of it exists or none: the
 * default FTP account (named like the login, the same password, the web space's root) and the
 * domain <login>.<parent>, hosted with its DNS, locked (noerase) and past the TLD rules, under
 * the hosting_tld setting or a domain of the creating admin. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "account_internal.h"
#include "authz.h"
#include "domain_internal.h"
#include "error.h"
#include "ftp_internal.h"

/* The parent may be the hosting_tld setting; otherwise a domain the creating admin hosts (any
 * hosted domain for the system), as 1.0's page offered them. */
static int check_parent(panel_db *db, const panel_actor *who, const char *parent)
{
	uint64_t owner = 0;
	panel_db_rows *rows;
	int error;

	if ((error = panel__db_query(
		 &rows, db, "SELECT value FROM variable WHERE name = 'hosting_tld'", NULL, 0)) < 0)
		return error;
	const char *tld = panel__db_rows_count(rows) == 1 ? panel__db_cell(rows, 0, 0) : NULL;
	int is_tld = tld && strcasecmp(tld, parent) == 0;
	panel__db_rows_free(rows);
	if (is_tld)
		return 0;
	error = panel__db_query_u64(&owner, db, "SELECT compte FROM domaines WHERE domaine = ?",
				    DB_ARGS(DB_STR(parent)));
	if (error < 0 && error != PANEL_ENOTFOUND)
		return error;
	if (error == 0 && (who->kind == PANEL_ACTOR_SYSTEM || owner == who->uid))
		return 0;
	return panel__error(PANEL_EINVALID, "install_domain",
			    "%s is neither the hosting_tld setting nor a domain of yours", parent);
}

int panel__account_create_extras(panel_db *db, panel *p, const panel_actor *who, const char *login,
				 const panel_account_spec *spec, const char *ftp_hash)
{
	int error;

	if (spec->version < 3)
		return 0;
	if (spec->ftp == 1) {
		panel_ftp_spec ftp = PANEL_FTP_SPEC_INIT;

		if (!spec->password)
			return panel__error(PANEL_EINVALID, "ftp",
					    "the default FTP account needs the password");

		ftp.prefix = login;
		ftp.password = spec->password;
		ftp.dir = "/";
		if ((error = panel__ftp_create_in(db, p, who, login, &ftp, ftp_hash)) < 0)
			return error;
	}
	if (spec->install_domain && *spec->install_domain) {
		panel_domain_spec dom = PANEL_DOMAIN_SPEC_INIT;
		char name[PANEL_DOMAIN_MAX + 2];
		const char *parent = spec->install_domain;

		/* 1.0 dropped the leading dots of the parent. */
		while (*parent == '.')
			parent++;
		if ((error = check_parent(db, who, parent)) < 0)
			return error;
		if (snprintf(name, sizeof(name), "%s.%s", login, parent) > PANEL_DOMAIN_MAX)
			return panel__error(PANEL_EINVALID, "install_domain",
					    "%s.%s is longer than a domain may be", login, parent);
		dom.domain = name;
		dom.dns = 1;
		dom.noerase = 1;
		dom.force = 1;
		if ((error = panel__domain_add_in(db, p, who, login, &dom, parent)) < 0)
			return error;
	}
	return 0;
}
