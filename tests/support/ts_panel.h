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

#endif
