/* Test support on top of the harness: libpanel handles on a harness database, and loading
 * SQL files (fixtures) into a database. */
#ifndef TS_PANEL_H
#define TS_PANEL_H

#include "panel/panel.h"
#include "th_cluster.h"

/* A configuration for database dbname on server idx of the cluster, as the superuser. */
panel_config *ts_config(const th_cluster *c, int idx, const char *dbname);

/* A libpanel handle on dbname (server 0); fails the test (abort) when it cannot open. */
panel *ts_panel_open(const th_cluster *c, const char *dbname);

/* Runs the SQL file at path (relative to the repository root) in dbname. 0 or -1. */
int ts_sql_file(const th_cluster *c, const char *dbname, const char *path);

/* The first column of the first row of sql run on server 0, as a number (-1 on error). */
long long ts_query_number(const th_cluster *c, const char *sql);

/* The first column of the first row of a printf-style query on server 0 (-1 on error). */
long long ts_number(const th_cluster *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs printf-style SQL in database db on server 0; aborts the test program on failure. */
void ts_exec(const th_cluster *c, const char *db, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails the test unless expr returned want, printing both as libpanel names them and the
 * library's last error (code, field, message): "panel_x(...): got invalid (field login: the
 * login is required), expected ok" rather than "-2 != 0". */
#define assert_panel_ok(expr)	    ts_assert_panel_rc((expr), 0, #expr, __FILE__, __LINE__)
#define assert_panel_rc(expr, want) ts_assert_panel_rc((expr), (want), #expr, __FILE__, __LINE__)
void ts_assert_panel_rc(int got, int want, const char *expr, const char *file, int line);

/* Creates the member login (mail login@example.org, a valid password) as admin; aborts on
 * failure. Returns its uid. */
uint32_t ts_member(panel *p, const panel_actor *admin, const char *login);

/* The usual start of a libpanel test: a fresh database (name written to dbname) on the shared
 * cluster, a handle with the extra settings (NULL-terminated "section", "key", "value" triples),
 * the schema migrated, and the super admin "admin" (uid 2000). 0 or -1. */
int ts_panel_fixture(panel **out, th_cluster **cluster, char *dbname, size_t dbnamesz,
		     const char *prefix, const char *const *settings);

#endif
