/* Fuzz target: panelctl's human output (table.c, included here): cells and "key: value" lines
 * with control characters escaped. Input: a column count, then NUL-separated cells. Checks on
 * what a terminal would get: valid UTF-8 only, no C0 control but the newline ending each line,
 * no DEL, no C1 control (U+0080..U+009F), no bidirectional control; one line per row; and a cell
 * of harmless text is shown as it is. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../panelctl/table.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The code point of the valid UTF-8 sequence at s (n bytes left) and its length in *len; -1 when
 * the bytes are not UTF-8. An independent decoder: no overlong form, no surrogate, <= U+10FFFF. */
static long decode(const unsigned char *s, size_t n, size_t *len)
{
	static const struct {
		unsigned char mask, lead;
		size_t len;
		long min;
	} forms[] = {{0x80, 0x00, 1, 0},
		     {0xe0, 0xc0, 2, 0x80},
		     {0xf0, 0xe0, 3, 0x800},
		     {0xf8, 0xf0, 4, 0x10000}};
	for (size_t f = 0; f < 4; f++) {
		if ((s[0] & forms[f].mask) != forms[f].lead)
			continue;
		if (forms[f].len > n)
			return -1;
		long cp = s[0] & (unsigned char)~forms[f].mask;
		for (size_t i = 1; i < forms[f].len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < forms[f].min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return -1;
		*len = forms[f].len;
		return cp;
	}
	return -1;
}

static int harmful(long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Every character of s (n bytes) valid and harmless; newlines allowed when lines is set. */
static int shown_safe(const char *s, size_t n, int lines)
{
	for (size_t i = 0, len; i < n; i += len) {
		long cp = decode((const unsigned char *)s + i, n - i, &len);
		if (cp < 0 || (harmful(cp) && !(lines && cp == '\n')))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cells[64];
	size_t columns, ncells = 0, rows = 1;
	char *copy, *out = NULL;
	size_t outlen = 0;

	if (size < 1)
		return 0;
	columns = 1 + data[0] % 4;
	if (!(copy = malloc(size)))
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (char *c = copy; ncells < 64;) {
		cells[ncells++] = c;
		char *end = memchr(c, '\0', (size_t)(copy + size - c));
		if (!end || end + 1 >= copy + size)
			break;
		c = end + 1;
	}
	/* Each cell alone, as escape() shows it. */
	for (size_t i = 0; i < ncells; i++) {
		char *e = escape(cells[i]);
		assert(e);
		assert(shown_safe(e, strlen(e), 0));
		if (*cells[i] && shown_safe(cells[i], strlen(cells[i]), 0))
			assert(strcmp(e, cells[i]) == 0);
		free(e);
	}
	/* A table of them: the header is the first row. */
	if (ncells >= columns) {
		FILE *f = open_memstream(&out, &outlen);
		cli_table *t;
		assert(f);
		if ((t = cli_table_new(columns, cells))) {
			for (size_t i = columns; i + columns <= ncells; i += columns, rows++)
				assert(cli_table_add(t, cells + i) == 0);
			cli_table_print(t, f);
		}
		fclose(f);
		if (t) {
			size_t nl = 0;
			assert(shown_safe(out, outlen, 1));
			for (size_t i = 0; i < outlen; i++)
				nl += out[i] == '\n';
			assert(nl == rows);
		}
	}
	free(out);
	free(copy);
	return 0;
}
