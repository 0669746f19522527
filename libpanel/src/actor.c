/* Actors: who performs an operation (the system, an admin, possibly as a member, or a member). */
#include "panel/actor.h"
#include "panel/errors.h"

#include "error.h"

panel_actor panel_actor_system(void)
{
	return (panel_actor){.kind = PANEL_ACTOR_SYSTEM};
}

panel_actor panel_actor_admin(uint32_t admin_uid)
{
	return (panel_actor){.kind = PANEL_ACTOR_ADMIN, .uid = admin_uid};
}

panel_actor panel_actor_member(uint32_t member_uid)
{
	return (panel_actor){.kind = PANEL_ACTOR_MEMBER, .uid = member_uid};
}

panel_actor panel_actor_admin_as(uint32_t admin_uid, uint32_t member_uid)
{
	return (panel_actor){.kind = PANEL_ACTOR_ADMIN, .uid = admin_uid, .as_uid = member_uid};
}

int panel_actor_check(const panel_actor *who)
{
	if (!who)
		return panel__error(PANEL_EINVALID, "actor", "no actor given");
	switch (who->kind) {
	case PANEL_ACTOR_SYSTEM:
		if (who->uid || who->as_uid || who->token_hash)
			return panel__error(PANEL_EINVALID, "actor",
					    "the system actor has no uid and no token");
		return 0;
	case PANEL_ACTOR_ADMIN:
		if (!who->uid)
			return panel__error(PANEL_EINVALID, "actor",
					    "an admin actor needs its uid");
		return 0;
	case PANEL_ACTOR_MEMBER:
		if (!who->uid)
			return panel__error(PANEL_EINVALID, "actor",
					    "a member actor needs its uid");
		if (who->as_uid)
			return panel__error(PANEL_EINVALID, "actor",
					    "only an admin can act as another account");
		return 0;
	}
	return panel__error(PANEL_EINVALID, "actor", "unknown actor kind %d", (int)who->kind);
}

uint32_t panel_actor_subject(const panel_actor *who)
{
	if (!who)
		return 0;
	switch (who->kind) {
	case PANEL_ACTOR_MEMBER:
		return who->uid;
	case PANEL_ACTOR_ADMIN:
		return who->as_uid;
	case PANEL_ACTOR_SYSTEM:
		return 0;
	}
	return 0;
}

int panel_actor_is_privileged(const panel_actor *who)
{
	return who && (who->kind == PANEL_ACTOR_ADMIN || who->kind == PANEL_ACTOR_SYSTEM);
}
