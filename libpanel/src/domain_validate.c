/* Checks and normalization of domain names, sub-domain names, entry targets and entry
 * templates (libidn2 for internationalized names). */
#include <ctype.h>
#include <idn2.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "domain_validate.h"
#include "error.h"
#include "validate.h"

enum panel__target_kind panel__target_kind(const char *name)
{
	static const char *const names[] = {"NONE", "URL",    "DIRECTORY", "IP",
					    "IPV6", "DOMAIN", "TXT"};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return (enum panel__target_kind)i;
	return PANEL_TARGET_UNKNOWN;
}

int panel__domain_normalize(char *out, size_t size, const char *input, const char *field)
{
	char *ascii = NULL;
	size_t n;
	int rc;

	if (!input || !*input)
		return panel__error(PANEL_EINVALID, field, "the domain name is required");
	if (strlen(input) > 253 || !panel__printable(input) || strchr(input, ' '))
		return panel__error(PANEL_EINVALID, field, "invalid domain name");
	rc = idn2_to_ascii_8z(input, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		/* IDNA2008 refuses some names UTS#46 maps; try the transitional mapping. */
		rc = idn2_to_ascii_8z(input, &ascii, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
	}
	if (rc != IDN2_OK || !ascii)
		return panel__error(PANEL_EINVALID, field, "invalid domain name: %s",
				    idn2_strerror(rc));
	n = strlen(ascii);
	if (n && ascii[n - 1] == '.')
		ascii[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		ascii[i] = (char)tolower((unsigned char)ascii[i]);
	if (n >= size || n > 64) {
		idn2_free(ascii);
		return panel__error(PANEL_EINVALID, field,
				    "the domain name is longer than 64 "
				    "characters");
	}
	if (!panel__valid_fqdn(ascii)) {
		idn2_free(ascii);
		return panel__error(
		    PANEL_EINVALID, field,
		    "invalid domain name: labels of a-z, 0-9 and '-', at least two");
	}
	memcpy(out, ascii, n + 1);
	idn2_free(ascii);
	return 0;
}

int panel__sub_normalize(char *out, size_t size, const char *input)
{
	const char *start = input ? input : "";
	size_t len;

	while (*start == ' ' || *start == '.')
		start++;
	len = strlen(start);
	while (len && (start[len - 1] == ' ' || start[len - 1] == '.'))
		len--;
	if (len >= size || len > 100)
		return panel__error(PANEL_EINVALID, "sub",
				    "the sub-domain is 100 characters at most");
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)start[i]);
	out[len] = '\0';
	if (strcmp(out, "@") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (len == 0 || strcmp(out, "*") == 0)
		return 0;
	/* A wildcard label may lead: "*.dev". */
	const char *labels = strncmp(out, "*.", 2) == 0 ? out + 2 : out;
	if (*labels == '\0')
		return panel__error(PANEL_EINVALID, "sub", "invalid sub-domain");
	/* Labels as in a host name; one label alone is fine here. */
	const char *p = labels;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l < 1 || l > 63 || p[0] == '-' || p[l - 1] == '-')
			return panel__error(PANEL_EINVALID, "sub", "invalid sub-domain");
		for (size_t i = 0; i < l; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
			      p[i] == '-' || p[i] == '_'))
				return panel__error(PANEL_EINVALID, "sub",
						    "invalid sub-domain: a-z, 0-9, '-' and '_'");
		if (!dot)
			break;
		p = dot + 1;
	}
	return 0;
}

static int bad_target(const char *why)
{
	return panel__error(PANEL_EINVALID, "target", "invalid target: %s", why);
}

static int copy_out(char *out, size_t size, const char *value, size_t len)
{
	if (len >= size || len > 255)
		return bad_target("255 characters at most");
	memcpy(out, value, len);
	out[len] = '\0';
	return 0;
}

/* scheme://host[:port][/path...] with nothing that could break out of a vhost or a zone.
 * AlternC 1.0's cron (functions_hosting.sh, host_create) writes the URL into the vhost with
 * sed -e "s#%%redirect%%#$REDIRECT#g", as root: a # ends that expression and lets the rest be
 * sed commands (GNU sed's e runs one in a shell), and & stands for the matched text. Neither
 * can be written there, so neither is accepted. */
static int check_url(char *out, size_t size, const char *url)
{
	static const char *const schemes[] = {"http://", "https://", "ftp://"};
	const char *host = NULL;
	char name[256];
	size_t n;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			host = url + strlen(schemes[i]);
	if (!host)
		return bad_target("a URL starts with http://, https:// or ftp://");
	for (const char *s = url; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || strchr("\"'<>\\`{}|^", c))
			return bad_target("a URL has no space, quote or control character");
		if (c == '#' || c == '&')
			return bad_target(
			    "a redirection has no # or & (AlternC's cron writes it into "
			    "the vhost with sed, which reads them as commands)");
	}
	n = strcspn(host, ":/?");
	if (n == 0 || n >= sizeof(name))
		return bad_target("the URL has no host");
	memcpy(name, host, n);
	name[n] = '\0';
	if (!panel__valid_fqdn(name) && !panel__valid_ipv4(name))
		return bad_target("the URL's host is not a valid name");
	if (host[n] == ':') {
		unsigned long port;
		char digits[8];
		size_t d = strcspn(host + n + 1, "/?");
		if (d == 0 || d >= sizeof(digits))
			return bad_target("bad port");
		memcpy(digits, host + n + 1, d);
		digits[d] = '\0';
		if (!panel__parse_ulong(&port, digits, 1, 65535))
			return bad_target("bad port");
	}
	return copy_out(out, size, url, strlen(url));
}

/* An absolute path inside the account's web root: no "." or ".." segment, a safe alphabet,
 * "//" collapsed and no trailing "/" (except "/" itself). */
static int check_directory(char *out, size_t size, const char *path)
{
	char norm[256];
	size_t o = 0;

	if (path[0] != '/')
		return bad_target("a directory starts with /");
	for (const char *s = path; *s;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, "/");
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return bad_target("a directory cannot contain . or .. segments");
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];
			if (!(isalnum(c) && c < 0x80) && !strchr("._-+~@=,", c))
				return bad_target(
				    "a directory has letters, digits and ._-+~@=, only");
		}
		if (o + 1 + len >= sizeof(norm))
			return bad_target("255 characters at most");
		norm[o++] = '/';
		memcpy(norm + o, s, len);
		o += len;
		s += len;
	}
	if (o == 0)
		norm[o++] = '/';
	norm[o] = '\0';
	return copy_out(out, size, norm, o);
}

int panel__target_check(char *out, size_t size, enum panel__target_kind kind, const char *input)
{
	const char *v = input ? input : "";
	char name[256];

	switch (kind) {
	case PANEL_TARGET_NONE:
		if (*v)
			return bad_target("this type takes no target");
		return copy_out(out, size, "", 0);
	case PANEL_TARGET_URL:
		return check_url(out, size, v);
	case PANEL_TARGET_DIRECTORY:
		return check_directory(out, size, v);
	case PANEL_TARGET_IP:
		if (!panel__valid_ipv4(v))
			return bad_target("an IPv4 address is expected");
		return copy_out(out, size, v, strlen(v));
	case PANEL_TARGET_IPV6:
		if (!panel__valid_ipv6(v))
			return bad_target("an IPv6 address is expected");
		return copy_out(out, size, v, strlen(v));
	case PANEL_TARGET_DOMAIN:
		if (panel__domain_normalize(name, sizeof(name), v, "target") < 0) {
			/* Longer host names than the stored domains are fine as targets. */
			size_t n = strlen(v);
			if (n && v[n - 1] == '.')
				n--;
			if (n == 0 || n >= sizeof(name))
				return bad_target("a host name is expected");
			memcpy(name, v, n);
			name[n] = '\0';
			for (size_t i = 0; i < n; i++)
				name[i] = (char)tolower((unsigned char)name[i]);
			if (!panel__valid_fqdn(name))
				return bad_target("a host name is expected");
		}
		/* Stored absolute, with its final dot: AlternC 1.0's cron writes the value into
		 * the zone as it is, and a name without it is relative to the zone (a CNAME to
		 * ghs.googlehosted.com published as ghs.googlehosted.com.<domain>). */
		if (strlen(name) + 1 >= sizeof(name))
			return bad_target("255 characters at most");
		strcat(name, ".");
		return copy_out(out, size, name, strlen(name));
	case PANEL_TARGET_TXT:
		if (!*v)
			return bad_target("the text is empty");
		if (!panel__printable(v))
			return bad_target("the text must be one line without control characters");
		/* AlternC 1.0's cron reads the rows over a latin1 connection (functions.sh's
		 * mysql, no character set): UTF-8 text reached the zone as "?", and the row,
		 * marked done by that value, was never done. */
		for (const char *c = v; *c; c++)
			if ((unsigned char)*c > 0x7e)
				return bad_target(
				    "a TXT text is ASCII (AlternC's DNS cron reads it as "
				    "latin1)");
		/* AlternC 1.0's cron puts the text between single quotes in its SQL
		 * (update_domains.sh), between double quotes in the zone, and through echo -e
		 * (functions_dns.sh), all unescaped: a quote or a backslash would write SQL, zone
		 * lines or commands of the member's choosing, as root. */
		if (strpbrk(v, "'\"\\"))
			return bad_target(
			    "a TXT text has no quote and no backslash (AlternC's cron "
			    "writes it unescaped into SQL and the zone)");
		/* 1.0's cron reads its rows with `read type domain valeur`, which drops spaces
		 * at either end, then marks the row done by that value: never done. And it greps
		 * the zone file it wrote for these (functions_dns.sh): "; serial" gives it a serial
		 * it cannot add to (the zone never loads again), LOCKED:YES freezes the zone, and
		 * its end tag keeps every line after it as the admin's own, for ever. */
		if (v[0] == ' ' || v[strlen(v) - 1] == ' ')
			return bad_target("a TXT text does not begin or end with a space");
		if (strstr(v, "; serial") || strstr(v, "LOCKED:YES") ||
		    strstr(v, "END ALTERNC AUTOGENERATE"))
			return bad_target("a TXT text may not hold \"; serial\", \"LOCKED:YES\" or "
					  "\"END ALTERNC AUTOGENERATE\": AlternC's DNS cron reads "
					  "them in the zone file");
		/* And replaces its markers in the entry once the text is in it (SQL replace()
		 * of %SUB% after %TARGET%, sed over the zone for @@...@@ and %%...%%): the text
		 * published would not be the one set. SPF's own %{...} macros are fine. */
		if (strstr(v, "%SUB%") || strstr(v, "%TARGET%") || strstr(v, "%%") ||
		    strstr(v, "@@"))
			return bad_target("a TXT text may not hold %SUB%, %TARGET%, %% or @@: "
					  "AlternC's DNS cron replaces them");
		return copy_out(out, size, v, strlen(v));
	case PANEL_TARGET_UNKNOWN:
		break;
	}
	return panel__error(PANEL_ERROR, "type", "the type has an unknown target kind");
}

int panel__entry_template_check(const char *entry)
{
	/* The markers AlternC's DNS cron fills in (@@PUBLIC_IP@@ in 1.0, the MX ones since its
	 * stable-1.0, which 1.0's own types use): any other stays in the zone as text, and BIND
	 * refuses the whole zone (@@PUBLIC_IPV6@@ was accepted, filled by zone.c only). */
	static const char *const markers[] = {"@@PUBLIC_IP@@", "@@DEFAULT_MX@@",
					      "@@DEFAULT_SECONDARY_MX@@"};

	if (!entry || !*entry || !panel__printable(entry) || strlen(entry) > 255)
		return panel__error(PANEL_EINVALID, "entry", "an entry is one printable line");
	/* AlternC 1.0's DNS cron reads the template over a latin1 connection (functions.sh's
	 * mysql, no character set), as the TXT texts: UTF-8 reached the zone as "?". */
	for (const char *c = entry; *c; c++)
		if ((unsigned char)*c > 0x7e)
			return panel__error(
			    PANEL_EINVALID, "entry",
			    "an entry is ASCII (AlternC's DNS cron reads it as latin1)");
	if (strchr(entry, '$') || strchr(entry, ';') || strchr(entry, '(') || strchr(entry, ')'))
		return panel__error(
		    PANEL_EINVALID, "entry",
		    "an entry cannot contain $ directives, comments or parentheses");
	if (strncmp(entry, "%SUB% ", 6) != 0)
		return panel__error(PANEL_EINVALID, "entry", "an entry starts with %%SUB%%");
	for (const char *s = strstr(entry, "@@"); s; s = strstr(s, "@@")) {
		size_t i, n = sizeof(markers) / sizeof(markers[0]);
		for (i = 0; i < n; i++)
			if (strncmp(s, markers[i], strlen(markers[i])) == 0)
				break;
		if (i == n)
			return panel__error(PANEL_EINVALID, "entry",
					    "unknown @@ marker in the entry");
		s += strlen(markers[i]);
	}
	for (const char *s = strchr(entry, '%'); s; s = strchr(s + 1, '%')) {
		if (strncmp(s, "%SUB%", 5) == 0 || strncmp(s, "%TARGET%", 8) == 0) {
			s = strchr(s + 1, '%');
			continue;
		}
		return panel__error(PANEL_EINVALID, "entry", "unknown %% marker in the entry");
	}
	return 0;
}
