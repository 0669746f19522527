/* A folder of a member's web space named by the member, made absolute as AlternC 1.0 stores
 * such folders (database backups' bck_dir, raw statistics' folder). */
#ifndef PANEL_SRC_WEB_FOLDER_H
#define PANEL_SRC_WEB_FOLDER_H

#include <stddef.h>

#include "panel/panel.h"

/* dir, relative to login's web space ("sites/x" and "/sites/x" are the same folder, "/" or ""
 * the space itself; "..", "." segments and characters outside A-Za-z0-9._-+~@= refused) into
 * out: <root>/html/<l>/<login><dir>, without a trailing '/' as 1.0's convertabsolute. Nothing
 * on disk is looked at. PANEL_EINVALID with field. */
int panel__web_folder(char *out, size_t size, panel *p, const char *login, const char *dir,
		      const char *field);

#endif
