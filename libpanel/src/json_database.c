/* JSON forms of member databases, database users and their grants (panel/json.h). */
#include "panel/json.h"

json_t *panel_database_to_json(const panel_database *d)
{
	if (!d)
		return NULL;
	static const char *const modes[] = {"none", "weekly", "daily"};

	return json_pack("{s:s, s:s, s:I, s:{s:s, s:i, s:b, s:s}}", "name", d->name, "owner",
			 d->login, "size", (json_int_t)d->size, "backup", "mode",
			 d->backup_mode <= PANEL_BACKUP_DAILY ? modes[d->backup_mode] : "none",
			 "history", (int)d->backup_history, "gzip", d->backup_gzip, "dir",
			 d->backup_dir);
}

json_t *panel_dbuser_to_json(const panel_dbuser *u)
{
	if (!u)
		return NULL;
	return json_pack("{s:s, s:s}", "name", u->name, "owner", u->login);
}

json_t *panel_dbgrants_to_json(const panel_dbgrant *grants, size_t count)
{
	json_t *obj = json_object();

	for (size_t i = 0; obj && i < count; i++) {
		json_t *list = json_array();
		for (unsigned r = 0; list && r < PANEL_DBRIGHT_COUNT; r++)
			if (grants[i].rights & (1u << r))
				json_array_append_new(list, json_string(panel_dbright_name(r)));
		json_object_set_new(obj, grants[i].database, list ? list : json_null());
	}
	return obj;
}

json_t *panel_rawstat_to_json(const panel_rawstat *set)
{
	if (!set)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)set->id, "owner", set->login,
			 "hostname", set->hostname, "folder", set->folder);
}

json_t *panel_hta_dir_to_json(const panel_hta_dir *d)
{
	if (!d)
		return NULL;
	return json_pack("{s:s, s:I}", "dir", d->dir, "users", (json_int_t)d->users);
}
