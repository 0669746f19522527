/* An account as JSON text written directly, for the hottest answer (GET of one account): the
 * same bytes as json_dumps(panel_account_to_json(a), JSON_COMPACT), without building and
 * walking a Jansson object (issue 16: 18% of panel-api's user time per read). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

struct out {
	char *p;
};

static void put(struct out *o, const char *s, size_t n)
{
	memcpy(o->p, s, n);
	o->p += n;
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* The length of the UTF-8 sequence at s as Jansson accepts it (utf8_check_first and
 * utf8_check_full: no overlong form, no surrogate, nothing above U+10FFFF), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	v = c & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || (v >= 0xd800 && v <= 0xdfff) ||
	    v > 0x10ffff)
		return 0;
	return n;
}

/* A JSON string as Jansson's dump_string writes it (no JSON_ESCAPE_SLASH, no
 * JSON_ENSURE_ASCII): -1 on invalid UTF-8. The room was counted by the caller (6 bytes per
 * input byte at most, plus the quotes). */
static int put_string(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *c = (const unsigned char *)s;

	*o->p++ = '"';
	while (*c) {
		size_t n = utf8_len(c);
		if (!n)
			return -1;
		if (n > 1) {
			put(o, (const char *)c, n);
			c += n;
			continue;
		}
		switch (*c) {
		case '\\':
			PUT_LIT(o, "\\\\");
			break;
		case '"':
			PUT_LIT(o, "\\\"");
			break;
		case '\b':
			PUT_LIT(o, "\\b");
			break;
		case '\f':
			PUT_LIT(o, "\\f");
			break;
		case '\n':
			PUT_LIT(o, "\\n");
			break;
		case '\r':
			PUT_LIT(o, "\\r");
			break;
		case '\t':
			PUT_LIT(o, "\\t");
			break;
		default:
			if (*c < 0x20) {
				PUT_LIT(o, "\\u00");
				*o->p++ = hex[*c >> 4];
				*o->p++ = hex[*c & 0xf];
			} else {
				*o->p++ = (char)*c;
			}
		}
		c++;
	}
	*o->p++ = '"';
	return 0;
}

static void put_uint(struct out *o, uint64_t v)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o->p++ = digits[--n];
}

static void put_bool(struct out *o, int v)
{
	if (v)
		PUT_LIT(o, "true");
	else
		PUT_LIT(o, "false");
}

/* A date, or null when empty (date_or_null in libpanel's json.c). */
static int put_date(struct out *o, const char *s)
{
	if (!*s) {
		PUT_LIT(o, "null");
		return 0;
	}
	return put_string(o, s);
}

char *papi_account_json(const panel_account *a)
{
	const char *notes = a->notes ? a->notes : "";
	size_t strings = strlen(a->login) + strlen(a->mail) + strlen(a->nom) + strlen(a->prenom) +
			 strlen(a->type) + strlen(notes) + strlen(a->creator_login) +
			 strlen(a->created) + strlen(a->renewed) + strlen(a->expiry) +
			 strlen(a->lastlogin) + strlen(a->lastip) + strlen(a->etag);
	/* Names, punctuation and numbers take less than 512 bytes; a string byte at most 6. */
	size_t cap = 512 + 6 * strings;
	char *buf = malloc(cap);
	struct out o = {buf};

	if (!buf)
		return NULL;
	PUT_LIT(&o, "{\"uid\":");
	put_uint(&o, a->uid);
	PUT_LIT(&o, ",\"login\":");
	if (put_string(&o, a->login) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"mail\":");
	if (put_string(&o, a->mail) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"nom\":");
	if (put_string(&o, a->nom) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"prenom\":");
	if (put_string(&o, a->prenom) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"type\":");
	if (put_string(&o, a->type) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"notes\":");
	if (put_string(&o, notes) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"enabled\":");
	put_bool(&o, a->enabled);
	PUT_LIT(&o, ",\"admin\":");
	put_bool(&o, a->admin);
	PUT_LIT(&o, ",\"canpass\":");
	put_bool(&o, a->canpass);
	PUT_LIT(&o, ",\"creator\":");
	if (a->creator_login[0]) {
		if (put_string(&o, a->creator_login) < 0)
			goto invalid;
	} else {
		PUT_LIT(&o, "null");
	}
	PUT_LIT(&o, ",\"created\":");
	if (put_date(&o, a->created) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"renewed\":");
	if (put_date(&o, a->renewed) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"duration\":");
	put_uint(&o, a->duration);
	PUT_LIT(&o, ",\"expiry\":");
	if (put_date(&o, a->expiry) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"expired\":");
	put_bool(&o, a->expired);
	PUT_LIT(&o, ",\"lastlogin\":");
	if (put_date(&o, a->lastlogin) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"lastip\":");
	if (put_string(&o, a->lastip) < 0)
		goto invalid;
	PUT_LIT(&o, ",\"lastfail\":");
	put_uint(&o, a->lastfail);
	PUT_LIT(&o, ",\"etag\":");
	if (put_string(&o, a->etag) < 0)
		goto invalid;
	PUT_LIT(&o, "}");
	*o.p = '\0';
	return buf;
invalid:
	free(buf);
	return NULL;
}
