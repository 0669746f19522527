/* The body of the panel handle, shared by the modules of libpanel. */
#ifndef PANEL_SRC_HANDLE_H
#define PANEL_SRC_HANDLE_H

#include "db/db.h"
#include "panel/panel.h"

struct panel {
	panel_config *cfg;   /* private copy of the configuration */
	panel_db *db;	     /* the panel database */
	panel_db *member_db; /* the member database server, connected on first use */
};

/* The connection to the member database server ([member_database], defaulting to the values
 * of [database]), opened on first use. */
int panel__member_db(panel_db **out, panel *p);

#endif
