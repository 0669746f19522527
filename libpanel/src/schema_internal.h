/* Inside the migration runner: the preview of what migration 0002 would archive, and the
 * opt-in repair of double-encoded text. */
#ifndef PANEL_SRC_SCHEMA_INTERNAL_H
#define PANEL_SRC_SCHEMA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "panel/schema.h"

/* Counts what 0002 would archive and delete (read-only): *total gets the number of rows and
 * values, report a "N what; N what" summary ("" when nothing). 0 or the error. */
int panel__schema_legacy_preview(char *report, size_t size, uint64_t *total, panel_db *db);

/* The repair of panel_schema_repair_utf8, in one transaction (dry_run: the same reads, no
 * write), the schema lock already held. 0 or the error. */
int panel__schema_utf8_repair(panel_db *db, panel_schema_utf8_report *report, int dry_run);

#endif
