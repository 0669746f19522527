/* Declarative parsing of JSON bodies (spec arrays that answer 400 naming the field, unknown
 * fields refused) and of query parameters and percent-encoded path segments. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

papi_spec papi_spec_string(const char *name, const char **dst)
{
	papi_spec s = {.name = name, .type = PAPI_SPEC_STRING, .dst = dst};
	return s;
}

papi_spec papi_spec_int(const char *name, long long *dst, long long min, long long max)
{
	papi_spec s = {.name = name, .type = PAPI_SPEC_INT, .dst = dst, .min = min, .max = max};
	return s;
}

papi_spec papi_spec_bool(const char *name, int *dst)
{
	papi_spec s = {.name = name, .type = PAPI_SPEC_BOOL, .dst = dst};
	return s;
}

papi_spec papi_spec_string_array(const char *name, json_t **dst)
{
	papi_spec s = {.name = name, .type = PAPI_SPEC_STRING_ARRAY, .dst = dst};
	return s;
}

papi_spec papi_spec_json(const char *name, json_t **dst)
{
	papi_spec s = {.name = name, .type = PAPI_SPEC_JSON, .dst = dst};
	return s;
}

papi_spec papi_spec_optional(papi_spec spec)
{
	spec.optional = 1;
	return spec;
}

papi_spec papi_spec_present(papi_spec spec, int *present)
{
	spec.present = present;
	return spec;
}

papi_spec papi_spec_multiline(papi_spec spec)
{
	spec.multiline = 1;
	return spec;
}

papi_spec papi_spec_end(void)
{
	papi_spec s = {.type = PAPI_SPEC_END};
	return s;
}

/* No control characters in text fields (CR/LF/NUL injection into anything line-based
 * downstream); fields marked multi-line (notes) may hold newlines and tabs. */
static int valid_text(const char *s, size_t len, int multiline)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0' || c == 0x7f)
			return 0;
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
			return 0;
	}
	return 1;
}

static int parse_one(papi_request *r, const papi_spec *s, json_t *v)
{
	switch (s->type) {
	case PAPI_SPEC_STRING: {
		size_t len = json_string_length(v);
		if (!json_is_string(v)) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, s->name, "%s must be a string",
					 s->name);
			return -1;
		}
		if (len > (s->max_len ? s->max_len : PAPI_BODY_MAX) ||
		    !valid_text(json_string_value(v), len, s->multiline)) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, s->name,
					 "%s is too long or holds control characters", s->name);
			return -1;
		}
		*(const char **)s->dst = json_string_value(v);
		return 0;
	}
	case PAPI_SPEC_INT: {
		json_int_t n;
		if (!json_is_integer(v)) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, s->name, "%s must be an integer",
					 s->name);
			return -1;
		}
		n = json_integer_value(v);
		if (n < s->min || n > s->max) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, s->name,
					 "%s must be between %lld and %lld", s->name, s->min,
					 s->max);
			return -1;
		}
		*(long long *)s->dst = n;
		return 0;
	}
	case PAPI_SPEC_BOOL:
		if (!json_is_boolean(v)) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, s->name,
					 "%s must be true or false", s->name);
			return -1;
		}
		*(int *)s->dst = json_is_true(v);
		return 0;
	case PAPI_SPEC_STRING_ARRAY: {
		size_t i;
		json_t *item;
		if (!json_is_array(v)) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, s->name,
					 "%s must be an array of strings", s->name);
			return -1;
		}
		json_array_foreach(v, i, item)
		{
			if (!json_is_string(item) ||
			    !valid_text(json_string_value(item), json_string_length(item), 0)) {
				papi_reply_error(r, PAPI_E_INVALID_FIELD, s->name,
						 "%s must be an array of strings", s->name);
				return -1;
			}
		}
		*(json_t **)s->dst = v;
		return 0;
	}
	case PAPI_SPEC_JSON:
		*(json_t **)s->dst = v;
		return 0;
	case PAPI_SPEC_END:
		break;
	}
	papi_reply_error(r, PAPI_E_INTERNAL, NULL, "internal error (request %s)", r->id);
	return -1;
}

int papi_parse_body(papi_request *r, const papi_spec *specs)
{
	const char *key;
	json_t *v;

	if (r->json) {
		json_object_foreach(r->json, key, v)
		{
			const papi_spec *s;
			for (s = specs; s->type != PAPI_SPEC_END; s++)
				if (strcmp(s->name, key) == 0)
					break;
			if (s->type == PAPI_SPEC_END) {
				/* The name is the client's: cut it, and show no control bytes. */
				char shown[65];
				size_t n = 0;
				for (const char *c = key; *c && n < sizeof(shown) - 1; c++)
					shown[n++] = (unsigned char)*c < 0x20 ? '?' : *c;
				shown[n] = '\0';
				papi_reply_error(r, PAPI_E_UNKNOWN_FIELD, shown,
						 "unknown field \"%s\"", shown);
				return -1;
			}
		}
	}
	for (const papi_spec *s = specs; s->type != PAPI_SPEC_END; s++) {
		v = r->json ? json_object_get(r->json, s->name) : NULL;
		if (!v || json_is_null(v)) {
			if (s->optional)
				continue;
			papi_reply_error(r, PAPI_E_MISSING_FIELD, s->name, "%s is required",
					 s->name);
			return -1;
		}
		if (parse_one(r, s, v) < 0)
			return -1;
		if (s->present)
			*s->present = 1;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int papi_percent_decode(char *dst, size_t dstsz, const char *src, size_t len, int no_slash)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)src[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return -1;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || (no_slash && c == '/'))
			return -1;
		if (o + 1 >= dstsz)
			return -1;
		dst[o++] = (char)c;
	}
	if (o >= dstsz)
		return -1;
	dst[o] = '\0';
	return papi_utf8_valid(dst) ? 0 : -1;
}

struct query_check {
	const char *const *allowed;
	const char *bad;
	uint64_t seen; /* allowed[i] given: bit i */
	int twice;     /* bad was given twice */
};

/* An unknown parameter, or a known one given twice (?limit=1&limit=500: which one a proxy or a
 * cache in front believed is anyone's guess; libmicrohttpd hands us the first). */
static enum MHD_Result query_check_one(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	struct query_check *qc = cls;
	unsigned i = 0;
	(void)kind;
	(void)value;
	for (const char *const *a = qc->allowed; *a; a++, i++) {
		if (strcmp(*a, key) != 0)
			continue;
		uint64_t bit = i < 64 ? UINT64_C(1) << i : 0;
		if (!(qc->seen & bit)) {
			qc->seen |= bit;
			return MHD_YES;
		}
		qc->twice = 1;
		break;
	}
	qc->bad = key;
	return MHD_NO;
}

int papi_query_check(papi_request *r, const char *const *allowed)
{
	struct query_check qc = {.allowed = allowed};
	char shown[65];

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_check_one, &qc);
	if (!qc.bad)
		return 0;
	if (papi_percent_decode(shown, sizeof(shown), qc.bad, strlen(qc.bad), 0) < 0)
		snprintf(shown, sizeof(shown), "?");
	papi_reply_error(r, PAPI_E_INVALID_PARAMETER, shown,
			 qc.twice ? "query parameter \"%s\" given twice"
				  : "unknown query parameter \"%s\"",
			 shown);
	return -1;
}

const char *papi_query(papi_request *r, const char *name, char *buf, size_t bufsz, int *err)
{
	const char *raw = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

	*err = 0;
	if (!raw)
		return NULL;
	if (papi_percent_decode(buf, bufsz, raw, strlen(raw), 0) < 0) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, name,
				 "%s is too long or badly encoded", name);
		*err = -1;
		return NULL;
	}
	return buf;
}

int papi_query_uint(papi_request *r, const char *name, unsigned long long *value,
		    unsigned long long min, unsigned long long max)
{
	char buf[32], *end;
	unsigned long long v;
	int err;
	const char *s = papi_query(r, name, buf, sizeof(buf), &err);

	if (err)
		return -1;
	if (!s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || *s == '+' || v < min || v > max) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, name,
				 "%s must be an integer between %llu and %llu", name, min, max);
		return -1;
	}
	*value = v;
	return 1;
}

int papi_param_id(uint64_t *id, papi_request *r, size_t i, const char *what)
{
	const char *text = papi_param(r, i);
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (!*text || *end || errno || v == 0 || *text < '0' || *text > '9') {
		papi_reply_error(r, PAPI_E_NOT_FOUND, "id", "no %s %s", what, text);
		return -1;
	}
	*id = (uint64_t)v;
	return 0;
}
