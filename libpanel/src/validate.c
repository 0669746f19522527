/* Syntax checks shared by the configuration reader and the operations. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

int panel__valid_ipv4(const char *s)
{
	struct in_addr a;

	return s && inet_pton(AF_INET, s, &a) == 1;
}

int panel__valid_ipv6(const char *s)
{
	struct in6_addr a;

	return s && inet_pton(AF_INET6, s, &a) == 1;
}

static int valid_label(const char *s, size_t len)
{
	if (len < 1 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-')
			return 0;
		if (c >= 0x80)
			return 0;
	}
	return 1;
}

static int valid_labels(const char *s, size_t min_labels)
{
	size_t total, labels = 0;
	const char *p = s;

	if (!s)
		return 0;
	total = strlen(s);
	if (total == 0 || total > 253)
		return 0;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (!valid_label(p, len))
			return 0;
		labels++;
		if (!dot)
			break;
		p = dot + 1;
	}
	return labels >= min_labels;
}

int panel__valid_fqdn(const char *s)
{
	return valid_labels(s, 2);
}

int panel__valid_host(const char *s)
{
	return valid_labels(s, 1) || panel__valid_ipv4(s) || panel__valid_ipv6(s);
}

int panel__valid_identifier(const char *s, size_t maxlen)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 1 || n > maxlen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum(c) && c < 0x80) && c != '_')
			return 0;
	}
	return 1;
}

int panel__parse_ulong(unsigned long *out, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

int panel__printable(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return s != NULL;
}

size_t panel__utf8_sequence(const unsigned char *u, size_t avail)
{
	unsigned c = u[0], cp;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07;
	else
		return 0; /* ASCII, a continuation byte, an overlong lead (c0, c1) or beyond f4 */
	if (avail <= n)
		return 0;
	for (size_t i = 1; i <= n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

int panel__utf8_text(const char *s, int newlines)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left, n;

	if (!s)
		return 0;
	left = strlen(s);
	while (*u) {
		unsigned c = *u;

		if (c < 0x80) {
			if ((c < 0x20 && !(newlines && (c == '\n' || c == '\r' || c == '\t'))) ||
			    c == 0x7f)
				return 0;
			u++;
			left--;
			continue;
		}
		if (!(n = panel__utf8_sequence(u, left)))
			return 0;
		u += n;
		left -= n;
	}
	return 1;
}

int panel__valid_mail(const char *s)
{
	const char *at;
	size_t local;

	if (!s || strlen(s) > 255)
		return 0;
	at = strchr(s, '@');
	if (!at || strchr(at + 1, '@'))
		return 0;
	local = (size_t)(at - s);
	/* A leading ':' would start Postfix's ":include:" (a file of addresses, local(8)). */
	if (local == 0 || s[0] == ':' || !panel__valid_fqdn(at + 1))
		return 0;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum(c) && c < 0x80) && !strchr("_.:+-", c))
			return 0;
	}
	unsigned char last = (unsigned char)s[local - 1];
	return (isalnum(last) && last < 0x80) || last == '_';
}

int panel__printable_list(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(isalnum(c) && c < 0x80) && !strchr("_-, ", c))
			return 0;
	}
	return s != NULL;
}
