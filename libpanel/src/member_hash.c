/* Members' panel password hashes, as the configuration asks (see member_hash.h). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "member_hash.h"
#include "panel/account.h"

static panel_hash_scheme scheme_of(panel *p, unsigned long *cost)
{
	const char *s = panel_setting(p, "accounts", "password_scheme");

	*cost = 0;
	if (s && strcmp(s, "argon2id") == 0)
		return PANEL_HASH_ARGON2ID;
	if (s && strcmp(s, "bcrypt") == 0) {
		const char *c = panel_setting(p, "accounts", "bcrypt_cost");
		*cost = c ? strtoul(c, NULL, 10) : 11;
		return PANEL_HASH_BCRYPT;
	}
	const char *r = panel_setting(p, "accounts", "sha512_rounds");
	*cost = r ? strtoul(r, NULL, 10) : 100000;
	return PANEL_HASH_SHA512_CRYPT;
}

int panel__member_hash(panel *p, char out[PANEL_HASH_MAX], const char *password)
{
	unsigned long cost;
	panel_hash_scheme scheme = scheme_of(p, &cost);

	return panel_password_hash_cost(out, PANEL_HASH_MAX, password, scheme, cost);
}

int panel__member_hash_current(panel *p, const char *stored)
{
	unsigned long cost;
	panel_hash_scheme scheme = scheme_of(p, &cost);

	return panel_password_is_current(stored, scheme, cost);
}

int panel_account_password_scheme(panel_hash_scheme *scheme, unsigned long *cost, panel *p)
{
	if (!scheme || !cost || !p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	*scheme = scheme_of(p, cost);
	return 0;
}
