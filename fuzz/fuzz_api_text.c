/* Fuzz target: panel-api's text guards: papi_utf8_clean (what error messages and fields quote
 * of the client's bytes), papi_utf8_valid, papi_percent_decode (path and query parameters) and
 * the access log's token escaping (log_token of papi_log.c, included here). Input: a flag byte
 * (output size, no_slash), then the text. Checks: a cleaned text is valid UTF-8 without control
 * or bidirectional character and fits; a valid text that fits comes out the same; a decoded
 * parameter has no control character (nor '/' when refused), is valid UTF-8 and re-encodes to
 * the input; a log token is printable ASCII without spaces, a prefix of the target with every
 * other byte as %XX, cut only where the next byte does not fit. */
#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "papi_log.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* papi_httpd.c (the request accessors) is not linked: the functions under test use neither. */
const char *papi_param(const papi_request *r, size_t i)
{
	(void)r;
	(void)i;
	return NULL;
}

const char *papi_header(const papi_request *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

static int bidi(const unsigned char *s, size_t n)
{
	static const char *const seqs[] = {"\xd8\x9c",	   "\xe2\x80\x8e", "\xe2\x80\x8f",
					   "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
					   "\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6",
					   "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9"};
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		size_t l = strlen(seqs[i]);
		if (n >= l && memcmp(s, seqs[i], l) == 0)
			return 1;
	}
	return 0;
}

static int hexval_of(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, out[300], tok[300];
	size_t outsz, n;

	if (size < 1 || size > 4096)
		return 0;
	outsz = 1 + data[0] % 255;
	n = size - 1;
	if (!(in = malloc(n + 1)))
		return 0;
	memcpy(in, data + 1, n);
	in[n] = '\0';
	size_t len = strlen(in);

	/* papi_utf8_clean */
	papi_utf8_clean(out, outsz, in);
	size_t olen = strlen(out);
	assert(olen < outsz);
	assert(papi_utf8_valid(out));
	for (size_t i = 0; i < olen; i++)
		assert(!bidi((const unsigned char *)out + i, olen - i));
	if (papi_utf8_valid(in) && len < outsz) {
		int has_bidi = 0;
		for (size_t i = 0; i < len; i++)
			has_bidi |= bidi((const unsigned char *)in + i, len - i);
		if (!has_bidi)
			assert(strcmp(out, in) == 0);
	}
	/* papi_utf8_valid: no C0, DEL or C1 byte sequence in what it accepts */
	if (papi_utf8_valid(in)) {
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)in[i];
			assert(c >= 0x20 && c != 0x7f && c != 0xc0 && c != 0xc1 && c < 0xf5);
			if (c == 0xc2 && i + 1 < len)
				assert((unsigned char)in[i + 1] > 0x9f);
		}
	}

	/* papi_percent_decode */
	int no_slash = data[0] >> 7;
	if (papi_percent_decode(out, outsz, in, len, no_slash) == 0) {
		size_t dlen = strlen(out), j = 0;
		assert(dlen < outsz && papi_utf8_valid(out));
		assert(!no_slash || !strchr(out, '/'));
		for (size_t i = 0; i < len; i++, j++) { /* re-encode: the input again */
			int c = (unsigned char)in[i];
			if (c == '%') {
				int hi = hexval_of(toupper((unsigned char)in[i + 1])),
				    lo = hexval_of(toupper((unsigned char)in[i + 2]));
				assert(hi >= 0 && lo >= 0);
				c = hi * 16 + lo;
				i += 2;
			}
			assert(j < dlen && (unsigned char)out[j] == c);
		}
		assert(j == dlen);
	}

	/* log_token: each byte of the target as it came (the target is not decoded: '%' stays),
	 * but spaces, controls and bytes past ASCII as %XX, never half an escape. */
	log_token(tok, outsz, in);
	size_t tlen = strlen(tok), j = 0;
	assert(tlen < outsz);
	for (size_t i = 0; i < tlen; j++) {
		unsigned char c = (unsigned char)in[j];
		assert(j < len);
		if (c > 0x20 && c < 0x7f) {
			assert((unsigned char)tok[i] == c);
			i++;
			continue;
		}
		assert(i + 2 < tlen && tok[i] == '%');
		assert(hexval_of(tok[i + 1]) == c >> 4 && hexval_of(tok[i + 2]) == (c & 15));
		i += 3;
	}
	for (size_t i = 0; i < tlen; i++)
		assert(tok[i] > 0x20 && tok[i] < 0x7f);
	/* cut only where the next byte did not fit */
	if (j < len)
		assert(tlen +
			   ((unsigned char)in[j] > 0x20 && (unsigned char)in[j] < 0x7f ? 1 : 3) >=
		       outsz);
	free(in);
	return 0;
}
