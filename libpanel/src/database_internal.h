/* Member databases and users inside a transaction, shared by database.c, dbuser.c, repair and
 * the account deletion hook. */
#ifndef PANEL_SRC_DATABASE_INTERNAL_H
#define PANEL_SRC_DATABASE_INTERNAL_H

#include "db/db.h"
#include "panel/account.h"
#include "panel/database.h"

/* The account that will own a new object: login, or the actor's subject, or an admin itself. */
int panel__database_owner(panel_account **out, panel_db *db, const panel_actor *who,
			  const char *login);

/* Whether a database of that name exists on the member server. */
int panel__database_exists_on_server(int *exists, panel *p, const char *name);

/* The owner (*uid, login) of database name if who may see it; PANEL_ENOTFOUND otherwise. */
int panel__database_owned(uint32_t *uid, char login[PANEL_LOGIN_MAX + 1], panel_db *db,
			  const panel_actor *who, const char *name, int lock);

/* AlternC 1.0's main MySQL user of a member (named like its login, password in db.pass):
 * *pass gets that password when the member has one on the server, NULL otherwise. */
int panel__main_user(char **pass, panel *p, panel_db *db, uint32_t uid, const char *login);

/* Removes database name of uid: its rows, its users' rights on it, then DROP DATABASE. */
int panel__database_drop(panel *p, panel_db *db, uint32_t uid, const char *name);

/* The parts of panel__database_drop, for the account deletion, which deletes every row
 * before any change on the server. login gets the name of AlternC 1.0's main user of
 * database name's member when it has one, else "". */
int panel__database_main_login(char login[PANEL_LOGIN_MAX + 1], panel *p, panel_db *db,
			       uint32_t uid, const char *name);
/* The rows of database name (db, size_db, panel_dumps). */
int panel__database_rows_drop(panel_db *db, const char *name);
/* On the server: the rights of users (rows of names) and of main_login (when not "") on
 * database name, and its restore account. */
int panel__database_revoke(panel *p, const char *name, const panel_db_rows *users,
			   const char *main_login);

/* Removes database user name: DROP USER, then its row. */
int panel__dbuser_drop(panel *p, panel_db *db, const char *name);

/* The account deletion hook: every database and user of uid, dropped on the server. */
int panel__mysql_member_delete(panel *p, panel_db *db, uint32_t uid);

/* The db table's backup columns, in the order panel__database_backup_parse reads them. */
#define PANEL_BACKUP_COLUMNS "bck_mode, bck_history, bck_gzip, COALESCE(bck_dir, '')"

/* Fills d's backup settings from the four PANEL_BACKUP_COLUMNS starting at col. */
void panel__database_backup_parse(panel_database *d, const panel_db_rows *rows, size_t row,
				  size_t col);

/* Reads d's backup settings (d->name set) from its row. */
int panel__database_backup_read(panel_database *d, panel_db *db);

#endif
