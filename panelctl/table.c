/* Human output of panelctl: tables with aligned columns under a header line, and "key: value"
 * lines, both with control characters escaped so that stored data cannot drive the terminal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_table {
	size_t columns;
	size_t rows;  /* including the header */
	size_t alloc; /* rows allocated */
	char **cells; /* rows x columns, already escaped */
	size_t *width;
};

/* The length of the UTF-8 character at s when it is valid and harmless on a terminal, else 0:
 * a byte that is not UTF-8 (0x9b is CSI to an 8-bit terminal), a C1 control (U+0080..U+009F:
 * U+009B is CSI and U+009D OSC to xterm, which could write the clipboard or redraw the
 * screen), and the bidirectional controls (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069:
 * "txt.exe" shown reversed as "exe.txt") are escaped byte by byte. */
static size_t shown_char(const unsigned char *s)
{
	size_t len = (*s & 0xe0) == 0xc0   ? 2
		     : (*s & 0xf0) == 0xe0 ? 3
		     : (*s & 0xf8) == 0xf0 ? 4
					   : 0;
	uint32_t cp = len == 2 ? *s & 0x1fu : len == 3 ? *s & 0x0fu : *s & 0x07u;

	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (!len || (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    cp <= 0x9f || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

/* The length of the next character of s as shown: 1 for printable ASCII, the UTF-8 length for
 * a harmless character, 0 for a byte to escape. */
static size_t kept(const unsigned char *s)
{
	if (*s < 0x80)
		return *s >= 0x20 && *s != 0x7f;
	return shown_char(s);
}

/* A malloc'ed copy of s with control characters (C0, DEL, C1), bidirectional controls and
 * bytes that are not UTF-8 escaped (\n, \t, \r, \xNN); "-" for NULL or "". */
static char *escape(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0, n;
	char *out, *o;

	if (!s || !*s)
		s = "-";
	for (const unsigned char *i = (const unsigned char *)s; *i; i += n ? n : 1)
		len += (n = kept(i)) ? n : 4;
	if (!(out = malloc(len + 1)))
		return NULL;
	o = out;
	for (const unsigned char *i = (const unsigned char *)s; *i; i += n ? n : 1) {
		if ((n = kept(i))) {
			memcpy(o, i, n);
			o += n;
		} else if (*i == '\n' || *i == '\t' || *i == '\r') {
			*o++ = '\\';
			*o++ = *i == '\n' ? 'n' : *i == '\t' ? 't' : 'r';
		} else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[*i >> 4];
			*o++ = hex[*i & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Width on screen: UTF-8 continuation bytes take no column. */
static size_t display_width(const char *s)
{
	size_t w = 0;

	for (const unsigned char *i = (const unsigned char *)s; *i; i++)
		w += (*i & 0xc0) != 0x80;
	return w;
}

static int add_row(cli_table *t, const char *const *cells)
{
	if (t->rows == t->alloc) {
		size_t alloc = t->alloc ? t->alloc * 2 : 16;
		char **grown;
		if (alloc > SIZE_MAX / sizeof(char *) / t->columns)
			return -1;
		if (!(grown = realloc(t->cells, alloc * t->columns * sizeof(char *))))
			return -1;
		t->cells = grown;
		t->alloc = alloc;
	}
	char **row = t->cells + t->rows * t->columns;
	for (size_t i = 0; i < t->columns; i++) {
		if (!(row[i] = escape(cells[i]))) {
			while (i-- > 0)
				free(row[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < t->columns; i++) {
		size_t w = display_width(row[i]);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->rows++;
	return 0;
}

cli_table *cli_table_new(size_t columns, const char *const *headers)
{
	cli_table *t = calloc(1, sizeof(*t));

	if (!t || !columns || !(t->width = calloc(columns, sizeof(size_t)))) {
		free(t);
		return NULL;
	}
	t->columns = columns;
	if (add_row(t, headers) < 0) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

int cli_table_add(cli_table *t, const char *const *cells)
{
	return t ? add_row(t, cells) : -1;
}

void cli_table_print(cli_table *t, FILE *out)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->rows; r++) {
		char **row = t->cells + r * t->columns;
		for (size_t i = 0; i < t->columns; i++) {
			fputs(row[i], out);
			if (i + 1 == t->columns)
				break;
			/* Two spaces between columns; the last one is not padded. */
			for (size_t w = display_width(row[i]); w < t->width[i] + 2; w++)
				fputc(' ', out);
		}
		fputc('\n', out);
	}
	cli_table_free(t);
}

void cli_table_free(cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * t->columns; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}

void cli_kv(const char *key, const char *value)
{
	char *v = escape(value);

	printf("%s: %s\n", key, v ? v : "?");
	free(v);
}

void cli_kv_u64(const char *key, uint64_t value)
{
	printf("%s: %llu\n", key, (unsigned long long)value);
}
