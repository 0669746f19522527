/* The panel handle: opening the panel database from a configuration, the lazily opened member
 * database server, health check, settings. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "error.h"
#include "handle.h"

/* A value of section, falling back to [database] when empty (member_database inherits). */
static const char *value_or_database(const panel_config *cfg, const char *section, const char *key)
{
	const char *v = panel_config_get(cfg, section, key);

	if (v && *v)
		return v;
	return panel_config_get(cfg, "database", key);
}

static int open_section(panel_db **out, const panel_config *cfg, const char *section)
{
	panel_db_conf conf = {0};
	unsigned long port = 0, ct = 0, rt = 0, wt = 0;
	const char *secret_section = section;
	char *secret = NULL;
	int error;

	/* The member server uses its own credentials only when it names a user. */
	if (strcmp(section, "database") != 0) {
		const char *user = panel_config_get(cfg, section, "user");
		if (!user || !*user)
			secret_section = "database";
	}
	if ((error = panel__config_secret(&secret, cfg, secret_section)) < 0)
		return error;
	panel_config_get_uint(&port, cfg, "database", "port");
	if (strcmp(section, "database") != 0) {
		const char *p = panel_config_get(cfg, section, "port");
		if (p && *p)
			panel_config_get_uint(&port, cfg, section, "port");
	}
	panel_config_get_uint(&ct, cfg, "database", "connect_timeout");
	panel_config_get_uint(&rt, cfg, "database", "read_timeout");
	panel_config_get_uint(&wt, cfg, "database", "write_timeout");
	conf.host = value_or_database(cfg, section, "host");
	conf.socket = value_or_database(cfg, section, "socket");
	conf.user = value_or_database(cfg, section, "user");
	conf.password = secret;
	/* The member server is used without a default database: it creates them. */
	conf.database =
	    strcmp(section, "database") == 0 ? panel_config_get(cfg, "database", "name") : NULL;
	conf.port = (unsigned)port;
	conf.connect_timeout = (unsigned)ct;
	conf.read_timeout = (unsigned)rt;
	conf.write_timeout = (unsigned)wt;
	error = panel__db_open(out, &conf);
	panel__secret_free(secret);
	return error;
}

int panel_open(panel **out, const panel_config *cfg)
{
	panel *p;
	int error;

	*out = NULL;
	if (!cfg)
		return panel__error(PANEL_EINVALID, "config", "no configuration given");
	if (sodium_init() < 0)
		return panel__error(PANEL_ERROR, NULL, "cannot initialize libsodium");
	p = calloc(1, sizeof(*p));
	if (!p)
		return panel__error_oom();
	if ((error = panel__config_dup(&p->cfg, cfg)) < 0)
		goto fail;
	if ((error = open_section(&p->db, p->cfg, "database")) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	panel_close(p);
	return error;
}

int panel__enter(panel *p, const panel_actor *who)
{
	int error;

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if ((error = panel_actor_check(who)) < 0)
		return error;
	return panel__credential_arm(p, who);
}

void panel_close(panel *p)
{
	if (!p)
		return;
	panel__db_close(p->db);
	panel__db_close(p->member_db);
	panel_config_free(p->cfg);
	free(p);
}

int panel_ping(panel *p)
{
	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	return panel__db_ping(p->db);
}

int panel__member_db(panel_db **out, panel *p)
{
	int error;

	/* The check of the actor's token runs on the panel database, before anything here. */
	if ((error = panel__credential_settle(p)) < 0)
		return error;
	if (!p->member_db && (error = open_section(&p->member_db, p->cfg, "member_database")) < 0)
		return error;
	*out = p->member_db;
	return 0;
}

const char *panel_setting(const panel *p, const char *section, const char *key)
{
	return p ? panel_config_get(p->cfg, section, key) : NULL;
}

const char *panel_version(void)
{
	return PANEL_VERSION_STRING;
}
