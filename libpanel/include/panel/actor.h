/* Who acts: every libpanel operation takes an actor, and authorization is decided from it. */
#ifndef PANEL_ACTOR_H
#define PANEL_ACTOR_H

#include "common.h"

typedef enum panel_actor_kind {
	PANEL_ACTOR_SYSTEM = 1, /* the platform itself: migrations, cron-like jobs, bootstrap */
	PANEL_ACTOR_ADMIN = 2,	/* an administrator (membres.su = 1), possibly acting as a member */
	PANEL_ACTOR_MEMBER = 3, /* a member acting on its own account */
} panel_actor_kind;

typedef struct panel_actor {
	panel_actor_kind kind;
	uint32_t uid;	 /* the authenticated account (0 for the system) */
	uint32_t as_uid; /* ADMIN only: the member the admin acts as, 0 when none */
	const char *ip;	 /* where the request came from, for the audit trail; may be NULL */
	/* NULL: the caller has checked who the actor is (the CLI; panel_auth_token just now).
	 * Otherwise the hex SHA-256 of the bearer token the actor was read from earlier (a daemon's
	 * cache of principals): every operation then checks that token in its first statement (it
	 * exists, belongs to uid, is neither revoked nor expired, its account is enabled and still
	 * has the admin flag kind says) before it reads or writes anything, and fails with
	 * PANEL_EAUTH (field "credential") otherwise: a cached principal never outlives its token.
	 * Appended in 0.x: build callers against this header. */
	const char *token_hash;
	/* 1: the actor authenticated with an application key (panel_principal_actor sets it).
	 * Such an actor changes no administrator's account, its key's owner's included, and grants
	 * no admin rights: a key's scope would otherwise buy an administrator's unscoped login.
	 * Appended in 0.x, like token_hash. */
	int by_apikey;
} panel_actor;

PANEL_EXTERN panel_actor panel_actor_system(void);
PANEL_EXTERN panel_actor panel_actor_admin(uint32_t admin_uid);
PANEL_EXTERN panel_actor panel_actor_member(uint32_t member_uid);
PANEL_EXTERN panel_actor panel_actor_admin_as(uint32_t admin_uid, uint32_t member_uid);

/* 0 when the actor is well formed, PANEL_EINVALID (field "actor") otherwise. */
PANEL_EXTERN int panel_actor_check(const panel_actor *who);

/* The account whose objects the actor works on: the member, the member an admin acts as,
 * or 0 for an admin acting as itself and for the system. */
PANEL_EXTERN uint32_t panel_actor_subject(const panel_actor *who);

/* True for admin actors (also when acting as a member) and for the system. */
PANEL_EXTERN int panel_actor_is_privileged(const panel_actor *who);

#endif
