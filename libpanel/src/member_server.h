/* The member database server: names that cannot be bound (databases, users) checked against a
 * strict pattern before they are quoted into DDL, and the statements run there. */
#ifndef PANEL_SRC_MEMBER_SERVER_H
#define PANEL_SRC_MEMBER_SERVER_H

#include "db/db.h"
#include "panel/common.h"

/* login, or login_suffix with suffix [a-z0-9]{1,...}, max characters in all. PANEL_EINVALID
 * (field "suffix") otherwise. login is an account's login ([a-z0-9]{1,16}). */
int panel__member_name(char *out, size_t size, const char *login, const char *suffix, size_t max);

/* 1 when name is made of [a-z0-9_] only (what panel__member_name builds): safe between
 * backticks or single quotes. */
int panel__member_name_safe(const char *name);

/* name with '_' and '%' escaped, for database-level GRANT and REVOKE (where they are
 * wildcards): `login\_suffix`. */
void panel__grant_db_name(char *out, size_t size, const char *name);

/* Runs one DDL statement (built only from checked names) on the member server. */
int panel__member_ddl(panel *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* DROP USER IF EXISTS user (a checked name) at the member accounts' host. */
int panel__member_drop_user(panel *p, const char *user);

/* The host part of members' MySQL accounts ([member_database] client_host). */
const char *panel__member_client_host(panel *p);

/* panel__member_ddl as the undo of a failed step: the step's error stays the last one. */
void panel__member_undo(panel *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
