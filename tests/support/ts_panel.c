/* Test support on top of the harness: libpanel handles and SQL files. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ts_panel.h"

void ts_assert_panel_rc(int got, int want, const char *expr, const char *file, int line)
{
	if (got == want)
		return;
	const panel_error *e = panel_error_last();
	print_error("%s\n  got %s (%d)", expr, got < 0 ? panel_error_name(got) : "ok", got);
	if (got < 0 && e->field)
		print_error(": field %s: %s", e->field, e->message);
	else if (got < 0)
		print_error(": %s", e->message);
	print_error("\n  expected %s (%d)\n", want < 0 ? panel_error_name(want) : "ok", want);
	_fail(file, line);
}

panel_config *ts_config(const th_cluster *c, int idx, const char *dbname)
{
	panel_config *cfg = NULL;
	char port[16];

	snprintf(port, sizeof(port), "%d", c->servers[idx].port);
	if (panel_config_new(&cfg) < 0 || panel_config_set(cfg, "database", "host", "127.0.0.1") ||
	    panel_config_set(cfg, "database", "port", port) ||
	    panel_config_set(cfg, "database", "user", c->user) ||
	    panel_config_set(cfg, "database", "password", c->password) ||
	    panel_config_set(cfg, "database", "name", dbname)) {
		fprintf(stderr, "ts_config: %s\n", panel_error_last()->message);
		abort();
	}
	return cfg;
}

panel *ts_panel_open(const th_cluster *c, const char *dbname)
{
	panel_config *cfg = ts_config(c, 0, dbname);
	panel *p = NULL;

	if (panel_open(&p, cfg) < 0) {
		fprintf(stderr, "ts_panel_open: %s\n", panel_error_last()->message);
		abort();
	}
	panel_config_free(cfg);
	return p;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

int ts_sql_file(const th_cluster *c, const char *dbname, const char *path)
{
	char *body = read_file(path), *sql;
	size_t len;
	int rc;

	if (!body) {
		fprintf(stderr, "ts_sql_file: cannot read %s\n", path);
		return -1;
	}
	len = strlen(body) + strlen(dbname) + 16;
	sql = malloc(len);
	if (!sql) {
		free(body);
		return -1;
	}
	snprintf(sql, len, "USE `%s`;\n%s", dbname, body);
	rc = th_sql(c, 0, sql);
	free(sql);
	free(body);
	return rc;
}

long long ts_query_number(const th_cluster *c, const char *sql)
{
	MYSQL *m = th_connect(c, 0, NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long v = -1;

	if (!m)
		return -1;
	if (mysql_query(m, sql) == 0 && (res = mysql_store_result(m))) {
		if ((row = mysql_fetch_row(res)) && row[0])
			v = strtoll(row[0], NULL, 10);
		mysql_free_result(res);
	} else {
		fprintf(stderr, "ts_query_number: %s: %s\n", sql, mysql_error(m));
	}
	mysql_close(m);
	return v;
}

long long ts_number(const th_cluster *c, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return ts_query_number(c, sql);
}

void ts_exec(const th_cluster *c, const char *db, const char *fmt, ...)
{
	char text[4096], full[4300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "USE `%s`; %s", db, text);
	if (th_sql(c, 0, full) != 0) {
		fprintf(stderr, "ts_exec failed: %s\n", text);
		abort();
	}
}

uint32_t ts_member(panel *p, const panel_actor *admin, const char *login)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a;
	char mail[64];

	snprintf(mail, sizeof(mail), "%s@example.org", login);
	spec.login = login;
	spec.password = "Correct-Horse-9";
	spec.mail = mail;
	if (panel_account_create(&a, p, admin, &spec) != 0) {
		fprintf(stderr, "creating %s: %s\n", login, panel_error_last()->message);
		abort();
	}
	uint32_t uid = a->uid;
	panel_account_free(a);
	return uid;
}

int ts_panel_fixture(panel **out, th_cluster **cluster, char *dbname, size_t dbnamesz,
		     const char *prefix, const char *const *settings)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_actor sys = panel_actor_system();
	panel_account *a = NULL;
	panel_config *cfg;

	*out = NULL;
	if (th_cluster_shared(cluster) != 0 ||
	    th_database_create(*cluster, prefix, dbname, dbnamesz) != 0)
		return -1;
	cfg = ts_config(*cluster, 0, dbname);
	for (size_t i = 0; settings && settings[i]; i += 3)
		if (panel_config_set(cfg, settings[i], settings[i + 1], settings[i + 2]) != 0) {
			fprintf(stderr, "ts_panel_fixture: %s\n", panel_error_last()->message);
			panel_config_free(cfg);
			return -1;
		}
	if (panel_open(out, cfg) != 0) {
		panel_config_free(cfg);
		return -1;
	}
	panel_config_free(cfg);
	spec.login = "admin";
	spec.password = "Super-Admin-2000";
	spec.admin = 1;
	if (panel_schema_migrate(NULL, NULL, *out, &sys) != 0 ||
	    panel_account_create(&a, *out, &sys, &spec) != 0 || a->uid != 2000) {
		fprintf(stderr, "ts_panel_fixture: %s\n", panel_error_last()->message);
		panel_account_free(a);
		return -1;
	}
	panel_account_free(a);
	return 0;
}
