/* The panel database schema: numbered migrations shipped inside the library, recorded in the
 * table panel_schema_version, applied by panel_schema_migrate. */
#ifndef PANEL_SCHEMA_H
#define PANEL_SCHEMA_H

#include "actor.h"
#include "common.h"

/* The current version of the database (0 for an empty database or an AlternC 1.0 database
 * never migrated) and the latest version this library ships. Either pointer may be NULL. */
PANEL_EXTERN int panel_schema_version(unsigned *current, unsigned *latest, panel *p);

/* Lets migration 0002 archive (into panel_legacy_rows) and delete the duplicate and orphan
 * rows it finds in an AlternC 1.0 database. */
#define PANEL_MIGRATE_ARCHIVE_LEGACY 1u

/* Brings the database to the latest version: an empty database, an AlternC 1.0 database or
 * one at an older version. Only the system actor may migrate. Concurrent callers are serialized
 * by a named server lock. *from and *to (may be NULL) receive the versions before and after.
 * Before migration 0002 runs on a database where it would archive and delete rows, it stops
 * with PANEL_ECONFLICT (field "schema"), the message saying what it would do, unless flags has
 * PANEL_MIGRATE_ARCHIVE_LEGACY; the migrations before it stay applied. */
PANEL_EXTERN int panel_schema_migrate_flags(unsigned *from, unsigned *to, panel *p,
					    const panel_actor *who, unsigned flags);

/* panel_schema_migrate_flags without flags. */
PANEL_EXTERN int panel_schema_migrate(unsigned *from, unsigned *to, panel *p,
				      const panel_actor *who);

/* The columns panel_schema_repair_utf8 looks at: local.nom, local.prenom, membres.notes,
 * variable.value, browser.lastdir, domaines_type.description. */
#define PANEL_SCHEMA_UTF8_COLUMNS 6

typedef struct panel_schema_utf8_column {
	char column[48];  /* "local.nom" */
	uint64_t changed; /* values re-read (or, in a dry run, that would be) */
} panel_schema_utf8_column;

typedef struct panel_schema_utf8_report {
	panel_schema_utf8_column columns[PANEL_SCHEMA_UTF8_COLUMNS];
	uint64_t total;
} panel_schema_utf8_report;

/* Only counts: nothing is written. */
#define PANEL_REPAIR_UTF8_DRY_RUN 1u

/* Opt-in repair of the text an AlternC 1.0 panel's UTF-8 (French) pages stored in its latin1
 * tables, which migration 0002 then encoded twice ("HervÃ©"): in the columns above, a value
 * whose latin1 form is well-formed UTF-8 other than ASCII is re-read as UTF-8 ("Hervé"). A
 * value with a character outside latin1, or whose latin1 bytes are not UTF-8 (real latin1
 * text), is left as it is. Each value changed is archived first in panel_legacy_rows (reason
 * "double_utf8:<column>", row_data its key and its value before), and an archived value is
 * never changed again: a second run changes nothing. One transaction; the schema lock of
 * panel_schema_migrate_flags is held. Run it once AlternC 1.0's own panel, if it still runs,
 * connects in utf8mb4 (it shows a repaired value wrongly over its latin1 connection).
 * *report gets the count per column and the total; with PANEL_REPAIR_UTF8_DRY_RUN the counts
 * are those a run would change, and nothing is written. The system actor only; the database
 * must be at schema version 2 or later, and the server writable unless it is a dry run (a
 * replica: PANEL_ECONFLICT, field "schema", otherwise). */
PANEL_EXTERN int panel_schema_repair_utf8(panel_schema_utf8_report *report, panel *p,
					  const panel_actor *who, unsigned flags);

#endif
