/* FTP accounts inside another operation's transaction (the account creation's default FTP
 * account, as AlternC 1.0's admin page made it). */
#ifndef PANEL_SRC_FTP_INTERNAL_H
#define PANEL_SRC_FTP_INTERNAL_H

#include "db/db.h"
#include "panel/ftp.h"
#include "panel/password.h"

/* The hash of an FTP password, as proftpd checks it (SHA512-crypt). */
int panel__ftp_hash(char out[PANEL_HASH_MAX], const char *password);

/* panel_ftp_create's checks and rows inside the caller's transaction; hash from
 * panel__ftp_hash(spec->password). */
int panel__ftp_create_in(panel_db *db, panel *p, const panel_actor *who, const char *login,
			 const panel_ftp_spec *spec, const char *hash);

#endif
