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

/* A malloc'ed copy of s with control characters escaped; "-" for NULL or "". */
static char *escape(const char *s)
{
	size_t len = 0;
	char *out, *o;

	if (!s || !*s)
		s = "-";
	for (const unsigned char *i = (const unsigned char *)s; *i; i++)
		len += (*i < 0x20 || *i == 0x7f) ? 4 : 1;
	if (!(out = malloc(len + 1)))
		return NULL;
	o = out;
	for (const unsigned char *i = (const unsigned char *)s; *i; i++) {
		if (*i == '\n' || *i == '\t' || *i == '\r') {
			*o++ = '\\';
			*o++ = *i == '\n' ? 'n' : *i == '\t' ? 't' : 'r';
		} else if (*i < 0x20 || *i == 0x7f) {
			static const char hex[] = "0123456789abcdef";
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[*i >> 4];
			*o++ = hex[*i & 15];
		} else {
			*o++ = (char)*i;
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
