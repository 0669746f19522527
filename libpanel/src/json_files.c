/* The JSON forms of the file manager's entries and preferences (panel/json.h), for panel-api and
 * panelctl --json. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
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

/* The length of the valid UTF-8 sequence at s (no overlong form, no surrogate, at most
 * U+10FFFF), 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80			  ? 1
		   : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
		   : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
		   : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
						  : 0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F))) ||
	    (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))))
		return 0;
	return n;
}

/* A member's file names are bytes: JSON strings are UTF-8, so a byte that is not part of a
 * valid character shows as '?' (such a name is reached through a folder's delete or FTP). */
static void utf8_clean(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	while (*s && o + 1 < size) {
		size_t n = utf8_len(s);
		if (n == 0 || o + n >= size) {
			dst[o++] = '?';
			s++;
			continue;
		}
		memcpy(dst + o, s, n);
		o += n;
		s += n;
	}
	dst[o] = '\0';
}

json_t *panel_file_to_json(const panel_file *f)
{
	char mode[8], mtime[32] = "", name[sizeof(f->name)], target[sizeof(f->target)];
	time_t t;
	struct tm tm;

	if (!f)
		return NULL;
	t = (time_t)f->mtime;
	if (gmtime_r(&t, &tm))
		strftime(mtime, sizeof(mtime), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(mode, sizeof(mode), "%04o", f->mode & 07777);
	utf8_clean(name, sizeof(name), f->name);
	utf8_clean(target, sizeof(target), f->target);
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:o}", "name", name, "type", type_name(f->type),
			 "size", (json_int_t)f->size, "mode", mode, "mtime", mtime, "target",
			 f->type == PANEL_FILE_LINK ? json_string(target) : json_null());
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
