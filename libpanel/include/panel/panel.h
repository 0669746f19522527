/* libpanel: the AlternC-compatible hosting operations, with authorization built in.
 * The umbrella header: include this one. */
#ifndef PANEL_PANEL_H
#define PANEL_PANEL_H

#include "account.h"
#include "account_mail.h"
#include "actions.h"
#include "actor.h"
#include "audit.h"
#include "auth.h"
#include "common.h"
#include "config.h"
#include "creator.h"
#include "database.h"
#include "domain.h"
#include "errors.h"
#include "files.h"
#include "ftp.h"
#include "hta.h"
#include "idempotency.h"
#include "mail.h"
#include "metrics.h"
#include "password.h"
#include "policy.h"
#include "quota.h"
#include "rawstat.h"
#include "schema.h"
#include "slave.h"
#include "variable.h"

/* Opens a handle on the panel database described by cfg (section [database]); the member
 * database server ([member_database]) is connected on first use. cfg may be freed afterwards.
 * PANEL_EUNAVAILABLE when the server cannot be reached. */
PANEL_EXTERN int panel_open(panel **out, const panel_config *cfg);

/* Closes the handle. NULL is fine. */
PANEL_EXTERN void panel_close(panel *p);

/* 0 when the panel database answers, PANEL_EUNAVAILABLE otherwise (reconnects once). */
PANEL_EXTERN int panel_ping(panel *p);

/* A setting of the handle's configuration (for instance "hosting", "public_ip"). */
PANEL_EXTERN const char *panel_setting(const panel *p, const char *section, const char *key);

/* The library version, "MAJOR.MINOR.PATCH". */
PANEL_EXTERN const char *panel_version(void);

#endif
