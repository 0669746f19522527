/* The JSON forms of the file manager's entries and preferences (panel/json.h), for panel-api and
 * panelctl --json. */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "panel/json.h"

static const char *type_name(panel_file_type t)
{
	switch (t) {
	case PANEL_FILE_REGULAR:
		return "file";
	case PANEL_FILE_DIRECTORY:
		return "folder";
	case PANEL_FILE_LINK:
		return "link";
	case PANEL_FILE_OTHER:
		break;
	}
	return "other";
}

json_t *panel_file_to_json(const panel_file *f)
{
	char mode[8], mtime[32] = "";
	time_t t;
	struct tm tm;

	if (!f)
		return NULL;
	t = (time_t)f->mtime;
	if (gmtime_r(&t, &tm))
		strftime(mtime, sizeof(mtime), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(mode, sizeof(mode), "%04o", f->mode & 07777);
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:o}", "name", f->name, "type",
			 type_name(f->type), "size", (json_int_t)f->size, "mode", mode, "mtime",
			 mtime, "target",
			 f->type == PANEL_FILE_LINK ? json_string(f->target) : json_null());
}

json_t *panel_file_prefs_to_json(const panel_file_prefs *f)
{
	if (!f)
		return NULL;
	return json_pack("{s:I, s:I, s:I, s:b, s:I, s:b, s:b, s:s, s:s, s:b, s:s}", "editsizex",
			 (json_int_t)f->editsizex, "editsizey", (json_int_t)f->editsizey,
			 "listmode", (json_int_t)f->listmode, "showicons", f->showicons, "downfmt",
			 (json_int_t)f->downfmt, "createfile", f->createfile, "showtype",
			 f->showtype, "editor_font", f->editor_font, "editor_size", f->editor_size,
			 "golastdir", f->golastdir, "lastdir", f->lastdir);
}
