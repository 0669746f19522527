/* Password hashes: SHA512-crypt and bcrypt through libxcrypt (what PHP's crypt(), the mail and
 * the FTP daemons verify), argon2id through libsodium, and verification of every legacy
 * crypt(3) scheme AlternC 1.0 stored (MD5-crypt "$1$", traditional DES). */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "panel/password.h"

/* Longer inputs are refused: hashing them would only serve a denial of service. */
#define PASSWORD_MAX 1024

static int check_input(const char *password)
{
	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the password is empty");
	if (strlen(password) > PASSWORD_MAX)
		return panel__error(PANEL_EINVALID, "password",
				    "the password is too long (%d bytes at most)", PASSWORD_MAX);
	return 0;
}

static int hash_argon2id(char *out, size_t outsz, const char *password)
{
	if (outsz < crypto_pwhash_STRBYTES)
		return panel__error(PANEL_ERROR, NULL, "internal: hash buffer too small");
	if (sodium_init() < 0)
		return panel__error(PANEL_ERROR, NULL, "cannot initialize libsodium");
	if (crypto_pwhash_str_alg(
		out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
		crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return panel__error(PANEL_ERROR, NULL, "argon2id hashing failed (out of memory?)");
	return 0;
}

static int hash_crypt(char *out, size_t outsz, const char *password, const char *prefix,
		      unsigned long cost)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data;
	const char *h;
	int error = 0;

	if (!crypt_gensalt_rn(prefix, cost, NULL, 0, salt, (int)sizeof(salt)))
		return panel__error(PANEL_ERROR, NULL, "cannot make a %s salt", prefix);
	data = calloc(1, sizeof(*data));
	if (!data)
		return panel__error_oom();
	h = crypt_rn(password, salt, data, (int)sizeof(*data));
	if (!h || h[0] == '*')
		error = panel__error(PANEL_ERROR, NULL, "crypt(3) failed for %s", prefix);
	else if (strlen(h) >= outsz)
		error = panel__error(PANEL_ERROR, NULL, "internal: hash buffer too small");
	else
		memcpy(out, h, strlen(h) + 1);
	sodium_memzero(data, sizeof(*data));
	free(data);
	return error;
}

int panel_password_hash(char *out, size_t outsz, const char *password, panel_hash_scheme scheme)
{
	return panel_password_hash_cost(out, outsz, password, scheme, 0);
}

int panel_password_hash_cost(char *out, size_t outsz, const char *password,
			     panel_hash_scheme scheme, unsigned long cost)
{
	int error;

	if (!out || outsz == 0)
		return panel__error(PANEL_ERROR, NULL, "internal: no hash buffer");
	out[0] = '\0';
	if ((error = check_input(password)) < 0)
		return error;
	switch (scheme) {
	case PANEL_HASH_ARGON2ID:
		return hash_argon2id(out, outsz, password);
	case PANEL_HASH_SHA512_CRYPT:
		if (cost && (cost < 5000 || cost > 5000000))
			return panel__error(PANEL_EINVALID, "cost", "5000 to 5000000 rounds");
		return hash_crypt(out, outsz, password, "$6$", cost);
	case PANEL_HASH_BCRYPT:
		if (cost && (cost < 4 || cost > 31))
			return panel__error(PANEL_EINVALID, "cost", "a bcrypt cost of 4 to 31");
		return hash_crypt(out, outsz, password, "$2y$", cost ? cost : 11);
	}
	return panel__error(PANEL_EINVALID, "scheme", "unknown hash scheme %d", (int)scheme);
}

/* Dovecot writes hashes as "{SCHEME}hash"; for the crypt(3) family the hash itself says all. */
static const char *strip_scheme_tag(const char *stored)
{
	static const char *const tags[] = {"{CRYPT}",	     "{MD5-CRYPT}", "{SHA256-CRYPT}",
					   "{SHA512-CRYPT}", "{BLF-CRYPT}", "{ARGON2ID}",
					   "{ARGON2I}"};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strncmp(stored, tags[i], strlen(tags[i])) == 0)
			return stored + strlen(tags[i]);
	return stored;
}

static int is_des_hash(const char *s)
{
	static const char alphabet[] =
	    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	if (strlen(s) != 13)
		return 0;
	return strspn(s, alphabet) == 13;
}

static int verify_argon2(const char *stored, const char *password, int *needs_upgrade)
{
	if (sodium_init() < 0)
		return panel__error(PANEL_ERROR, NULL, "cannot initialize libsodium");
	if (crypto_pwhash_str_verify(stored, password, strlen(password)) != 0)
		return panel__error(PANEL_EAUTH, "password", "wrong password");
	*needs_upgrade = strncmp(stored, "$argon2id$", 10) != 0 ||
			 crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_OPSLIMIT_INTERACTIVE,
							crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
	return 0;
}

static int verify_crypt(const char *stored, const char *password, int *needs_upgrade)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	const char *h;
	int error = 0;

	if (!data)
		return panel__error_oom();
	h = crypt_rn(password, stored, data, (int)sizeof(*data));
	if (!h || h[0] == '*')
		error =
		    panel__error(PANEL_EINVALID, "hash", "unsupported or damaged password hash");
	else if (strlen(h) != strlen(stored) || sodium_memcmp(h, stored, strlen(h)) != 0)
		error = panel__error(PANEL_EAUTH, "password", "wrong password");
	else
		/* DES keeps 8 characters, MD5-crypt is fast to brute force, BSDi too. */
		*needs_upgrade =
		    is_des_hash(stored) || stored[0] == '_' || strncmp(stored, "$1$", 3) == 0;
	sodium_memzero(data, sizeof(*data));
	free(data);
	return error;
}

/* The rounds of a "$6$" hash: "$6$rounds=N$salt$..." or crypt's default 5000. */
static unsigned long sha512_rounds(const char *h)
{
	if (strncmp(h, "$6$rounds=", 10) != 0)
		return 5000;
	return strtoul(h + 10, NULL, 10);
}

/* The most work a stored hash may ask of one check: about the most libpanel's configuration may
 * choose for its own hashes ([accounts] sha512_rounds up to 5,000,000, bcrypt_cost up to 15;
 * argon2id with libsodium's moderate memory). Whoever checks a password pays for the hash's
 * parameters before knowing whether it is right: an imported "$2b$31$" cost a day of CPU per
 * login attempt, made without any credential. Anything asking more is refused, not computed,
 * and so are schemes that neither AlternC 1.0 nor libpanel wrote (yescrypt, scrypt, ...). */
#define WORK_ROUNDS_MAX	       5000000UL /* $5$, $6$ and BSDi's iteration count */
#define WORK_BCRYPT_COST_MAX   15UL
#define WORK_ARGON2_KIB_MAX    (256UL * 1024)
#define WORK_ARGON2_PASSES_MAX 4UL
#define WORK_ARGON2_LANES_MAX  4UL

/* The value after "name=" at s, which must end with end; ULONG_MAX when malformed. */
static unsigned long parameter(const char **s, const char *name, char end)
{
	size_t n = strlen(name);
	unsigned long v;
	char *after;

	if (strncmp(*s, name, n) != 0 || !isdigit((unsigned char)(*s)[n]))
		return ULONG_MAX;
	errno = 0;
	v = strtoul(*s + n, &after, 10);
	if (errno || *after != end)
		return ULONG_MAX;
	*s = after + 1;
	return v;
}

static int argon2_within_limits(const char *h)
{
	const char *params = strstr(h, "$m=");
	unsigned long m, t, lanes;

	if (!params)
		return 0;
	params++;
	m = parameter(&params, "m=", ',');
	t = m == ULONG_MAX ? ULONG_MAX : parameter(&params, "t=", ',');
	lanes = t == ULONG_MAX ? ULONG_MAX : parameter(&params, "p=", '$');
	return m <= WORK_ARGON2_KIB_MAX && t <= WORK_ARGON2_PASSES_MAX &&
	       lanes <= WORK_ARGON2_LANES_MAX;
}

/* BSDi's extended DES: "_" then the iteration count, 4 characters of crypt's base 64, least
 * significant first. */
static unsigned long bsdi_count(const char *h)
{
	static const char alphabet[] =
	    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned long count = 0;

	for (int i = 4; i >= 1; i--) {
		const char *at = h[i] ? strchr(alphabet, h[i]) : NULL;
		if (!at)
			return ULONG_MAX;
		count = count << 6 | (unsigned long)(at - alphabet);
	}
	return count;
}

static int within_work_limits(const char *h)
{
	if (strncmp(h, "$argon2id$", 10) == 0 || strncmp(h, "$argon2i$", 9) == 0)
		return argon2_within_limits(h);
	if (strncmp(h, "$5$", 3) == 0 || strncmp(h, "$6$", 3) == 0) {
		const char *r = h + 3;
		return strncmp(r, "rounds=", 7) != 0 ||
		       parameter(&r, "rounds=", '$') <= WORK_ROUNDS_MAX;
	}
	if (h[0] == '$' && h[1] == '2' && strchr("abxy", h[2]) && h[2] && h[3] == '$') {
		const char *c = h + 4;
		return isdigit((unsigned char)c[0]) && isdigit((unsigned char)c[1]) &&
		       c[2] == '$' &&
		       (unsigned long)((c[0] - '0') * 10 + (c[1] - '0')) <= WORK_BCRYPT_COST_MAX;
	}
	if (h[0] == '_')
		return bsdi_count(h) <= WORK_ROUNDS_MAX;
	return strncmp(h, "$1$", 3) == 0 || is_des_hash(h);
}

int panel_password_is_current(const char *stored, panel_hash_scheme scheme, unsigned long cost)
{
	if (!stored)
		return 0;
	stored = strip_scheme_tag(stored);
	switch (scheme) {
	case PANEL_HASH_ARGON2ID:
		return strncmp(stored, "$argon2id$", 10) == 0 && sodium_init() >= 0 &&
		       crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_OPSLIMIT_INTERACTIVE,
						      crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
	case PANEL_HASH_SHA512_CRYPT:
		return strncmp(stored, "$6$", 3) == 0 && sha512_rounds(stored) >= cost;
	case PANEL_HASH_BCRYPT:
		return (strncmp(stored, "$2y$", 4) == 0 || strncmp(stored, "$2b$", 4) == 0) &&
		       strtoul(stored + 4, NULL, 10) >= cost;
	}
	return 0;
}

int panel_password_verify(const char *stored, const char *password, int *needs_upgrade)
{
	int upgrade = 0, error;

	if (needs_upgrade)
		*needs_upgrade = 0;
	if (!stored || !*stored)
		return panel__error(PANEL_EINVALID, "hash", "no password hash stored");
	if (!password || !*password)
		return panel__error(PANEL_EAUTH, "password", "wrong password");
	if (strlen(password) > PASSWORD_MAX)
		return panel__error(PANEL_EAUTH, "password", "wrong password");
	stored = strip_scheme_tag(stored);
	if (!within_work_limits(stored))
		return panel__error(
		    PANEL_EINVALID, "hash",
		    "a password hash libpanel does not check (unknown scheme, or more"
		    " work than its limits)");
	if (strncmp(stored, "$argon2", 7) == 0)
		error = verify_argon2(stored, password, &upgrade);
	else if (stored[0] == '$' || stored[0] == '_' || is_des_hash(stored))
		error = verify_crypt(stored, password, &upgrade);
	else
		error = panel__error(PANEL_EINVALID, "hash", "not a password hash libpanel knows");
	if (error == 0 && needs_upgrade)
		*needs_upgrade = upgrade;
	return error;
}

int panel_password_hash_known(const char *stored)
{
	size_t n;

	if (!stored)
		return 0;
	stored = strip_scheme_tag(stored);
	n = strlen(stored);
	if (n == 0 || n >= PANEL_HASH_MAX || strpbrk(stored, ": \t\r\n"))
		return 0;
	if (!within_work_limits(stored))
		return 0;
	if (strncmp(stored, "$argon2id$", 10) == 0)
		return 1;
	/* crypt_checksalt reads the setting part of a whole hash too; DES and MD5-crypt are
	 * "legacy" to it, which is what 1.0 stored. */
	int r = crypt_checksalt(stored);
	return (r == CRYPT_SALT_OK || r == CRYPT_SALT_METHOD_LEGACY) &&
	       (stored[0] == '$' ? n > 20 : n == 13);
}
