/* The JSON form of a queued action (panel_action_to_json), for panel-api and panelctl --json. */
#include <jansson.h>

#include "panel/json.h"

static json_t *text_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *panel_action_to_json(const panel_action *a)
{
	json_t *args;

	if (!a)
		return NULL;
	args = json_loads(a->args ? a->args : "{}", 0, NULL);
	if (!json_is_object(args)) {
		json_decref(args);
		args = json_object();
	}
	return json_pack(
	    "{s:I, s:s, s:I, s:s, s:o, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "id",
	    (json_int_t)a->id, "action", a->action, "uid", (json_int_t)a->uid, "login", a->login,
	    "args", args, "state", a->state, "attempts", (json_int_t)a->attempts, "created",
	    a->created, "next_try", text_or_null(a->next_try), "claimed_by",
	    text_or_null(a->claimed_by), "claimed_at", text_or_null(a->claimed_at), "done_at",
	    text_or_null(a->done_at), "result", text_or_null(a->result), "error",
	    text_or_null(a->error), "age", (json_int_t)a->age);
}
