/* The panel database schema: numbered migrations shipped inside the library, recorded in the
 * table panel_schema_version, applied by panel_schema_migrate. */
#ifndef PANEL_SCHEMA_H
#define PANEL_SCHEMA_H

#include "actor.h"
#include "common.h"

/* The current version of the database (0 for an empty database or an AlternC 1.0 database
 * never migrated) and the latest version this library ships. Either pointer may be NULL. */
PANEL_EXTERN int panel_schema_version(unsigned *current, unsigned *latest, panel *p);

/* Brings the database to the latest version: an empty database, an AlternC 1.0 database or
 * one at an older version. Only the system actor may migrate. Concurrent callers are serialized
 * by a named server lock. *from and *to (may be NULL) receive the versions before and after. */
PANEL_EXTERN int panel_schema_migrate(unsigned *from, unsigned *to, panel *p,
				      const panel_actor *who);

#endif
