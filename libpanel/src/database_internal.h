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

/* Removes database name of uid: its users' rights on it, its rows, then DROP DATABASE. */
int panel__database_drop(panel *p, panel_db *db, uint32_t uid, const char *name);

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
