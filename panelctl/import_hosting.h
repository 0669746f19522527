/* The domains and mail boxes of an import line (import_hosting.c). */
#ifndef PANELCTL_IMPORT_HOSTING_H
#define PANELCTL_IMPORT_HOSTING_H

#include <jansson.h>
#include <stddef.h>

#include "cli.h"

typedef struct import_hosting_counts {
	unsigned long domains_created, domains_skipped, mail_created, mail_skipped;
} import_hosting_counts;

/* The shape of a line's "domains": -1 with the path of the faulty part in field and the
 * reason in *why. */
int import_hosting_check(json_t *domains, char *field, size_t size, const char **why);

/* Why an object could not be made: libpanel's code and message, and the path of the object
 * in the line ("domains[0].mail[2]"). */
typedef struct import_hosting_error {
	int code;
	char field[64];
	char message[256];
} import_hosting_error;

/* Makes the domains and boxes of login, counting what was made and what existed; -1 and *e
 * at the first object that could not be made. */
int import_hosting_apply(import_hosting_counts *n, import_hosting_error *e, cli *c,
			 const char *login, json_t *domains);

#endif
