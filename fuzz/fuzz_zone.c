/* Fuzz target: libpanel's zone renderer. Feeds sub_domaines rows joined with their
 * domaines_type ("sub TAB value TAB entry template TAB target kind" per line, \N for SQL NULL)
 * to panel__zone_entries, which checks each row again and expands the templates, and checks that
 * the result is a zone fragment that cannot inject directives or break out of a line. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"
#include "panel/errors.h"

#define MAX_ROWS 64

/* Splits line into at most 4 fields at tabs (in place); returns how many. */
static size_t split(char *line, char *fields[4])
{
	size_t n = 0;

	fields[n++] = line;
	for (char *c = line; *c && n < 4; c++)
		if (*c == '\t') {
			*c = '\0';
			fields[n++] = c + 1;
		}
	return n;
}

/* No control character but the newlines ending lines; no "$" directive at a line start. */
static void check_zone(const char *z)
{
	for (const char *c = z; *c; c++) {
		assert((unsigned char)*c >= 0x20 || *c == '\n');
		assert(*c != 0x7f);
	}
	assert(z[0] != '$' && !strstr(z, "\n$"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const panel__zone_settings full = {"192.0.2.10", "2001:db8::10", "mx.example.net",
						  "mx2.example.net"};
	static const panel__zone_settings none = {NULL, "", NULL, ""};
	panel__zone_entry rows[MAX_ROWS];
	size_t n = 0;
	char *text, *out = NULL, *line, *next;
	int rc;

	if (size > 16384)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line && n < MAX_ROWS; line = next) {
		char *f[4] = {NULL, NULL, NULL, NULL};
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split(line, f) < 4)
			continue;
		/* sub, value and target are NOT NULL columns; the template may be NULL. */
		rows[n].sub = f[0];
		rows[n].value = f[1];
		rows[n].entry = strcmp(f[2], "\\N") == 0 ? NULL : f[2];
		rows[n].target = f[3];
		n++;
	}
	/* A first byte '!': the hosting settings the templates name are not configured. */
	rc = panel__zone_entries(&out, rows, n, size && data[0] == '!' ? &none : &full);
	assert(rc == 0 || rc == PANEL_EINVALID);
	if (rc == 0 && out)
		check_zone(out);
	assert(rc == 0 || !out);
	free(out);
	free(text);
	return 0;
}
