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

#endif
