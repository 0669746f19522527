/* Inside the migration runner: the preview of what migration 0002 would archive. */
#ifndef PANEL_SRC_SCHEMA_INTERNAL_H
#define PANEL_SRC_SCHEMA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Counts what 0002 would archive and delete (read-only): *total gets the number of rows and
 * values, report a "N what; N what" summary ("" when nothing). 0 or the error. */
int panel__schema_legacy_preview(char *report, size_t size, uint64_t *total, panel_db *db);

#endif
