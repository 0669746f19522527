/* The schema migrations compiled into the library (generated from sql/migrations/ by
 * tools/sql2c at build time). */
#ifndef PANEL_SRC_MIGRATIONS_H
#define PANEL_SRC_MIGRATIONS_H

#include <stddef.h>

struct panel__migration {
	unsigned version; /* 1, 2, 3... without gaps */
	const char *name; /* file name without ".sql" */
	const char *sql;
	size_t len;
};

extern const struct panel__migration panel__migrations[];
extern const size_t panel__migrations_count;

#endif
