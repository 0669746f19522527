/* Fuzz target: libpanel's syntax checks (validate.c) and the domain and sub-domain name
 * normalization (domain_validate.c), each against the whitelist it documents, written as a POSIX
 * regular expression: a name accepted matches it, and (for the checks) a name that matches it is
 * accepted. A normalized name is accepted again unchanged. */
#include <assert.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_validate.h"
#include "panel/errors.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LABEL	 "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
#define LABEL_CI "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#define SUB	 "[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"

enum { RE_FQDN, RE_HOSTLABELS, RE_STORED_DOMAIN, RE_MAIL_LOCAL, RE_IDENT, RE_LIST, RE_SUB, RE_N };

static const char *const patterns[RE_N] = {
    "^(" LABEL_CI "\\.)+" LABEL_CI "$",
    "^(" LABEL_CI "\\.)*" LABEL_CI "$",
    "^(" LABEL "\\.)+" LABEL "$",
    "^[a-zA-Z0-9_.:+-]*[a-zA-Z0-9_]$",
    "^[A-Za-z0-9_]+$",
    "^[A-Za-z0-9_, -]*$",
    "^(|\\*|(\\*\\.)?" SUB "(\\." SUB ")*)$",
};

static regex_t re[RE_N];

static int matches(int i, const char *s)
{
	return regexec(&re[i], s, 0, NULL, 0) == 0;
}

static void check_mail(const char *s)
{
	const char *at = strchr(s, '@');
	int expect = 0;
	if (at && strlen(s) <= 255 && s[0] != ':' && !strchr(at + 1, '@')) {
		char local[256];
		size_t n = (size_t)(at - s);
		memcpy(local, s, n);
		local[n] = '\0';
		expect = matches(RE_MAIL_LOCAL, local) && matches(RE_FQDN, at + 1) &&
			 strlen(at + 1) <= 253;
	}
	assert(panel__valid_mail(s) == expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *s, out[512], again[512];

	if (!ready) {
		for (int i = 0; i < RE_N; i++)
			assert(regcomp(&re[i], patterns[i], REG_EXTENDED | REG_NOSUB) == 0);
		ready = 1;
	}
	if (size > 1024 || !(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	size_t len = strlen(s);

	assert(panel__valid_fqdn(s) == (len <= 253 && matches(RE_FQDN, s)));
	assert(!panel__valid_host(s) || (len <= 253 && matches(RE_HOSTLABELS, s)) ||
	       panel__valid_ipv4(s) || panel__valid_ipv6(s));
	assert(panel__valid_identifier(s, 16) == (len <= 16 && matches(RE_IDENT, s)));
	assert(panel__printable_list(s) == matches(RE_LIST, s));
	int printable = 1;
	for (size_t i = 0; i < len; i++)
		printable &= (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
	assert(panel__printable(s) == printable);
	check_mail(s);

	unsigned long v;
	if (panel__parse_ulong(&v, s, 10, 100000)) {
		char back[32];
		assert(v >= 10 && v <= 100000);
		snprintf(back, sizeof(back), "%lu", v);
		size_t z = strspn(s, "0"); /* leading zeros are read */
		assert(strcmp(s + (z == len ? len - 1 : z), back) == 0);
	}

	if (panel__domain_normalize(out, sizeof(out), s, "domain") == 0) {
		assert(strlen(out) <= 64 && matches(RE_STORED_DOMAIN, out));
		assert(panel__domain_normalize(again, sizeof(again), out, "domain") == 0);
		assert(strcmp(again, out) == 0);
	}
	panel_error_clear();
	if (panel__sub_normalize(out, sizeof(out), s) == 0) {
		assert(strlen(out) <= 100 && matches(RE_SUB, out));
		assert(panel__sub_normalize(again, sizeof(again), out) == 0);
		assert(strcmp(again, out) == 0);
	}
	panel_error_clear();
	free(s);
	return 0;
}
