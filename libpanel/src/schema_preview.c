/* What migration 0002 would archive into panel_legacy_rows and delete from an AlternC 1.0
 * database (duplicate and orphan rows, the values of dropped columns), counted read-only before
 * it runs, so that an administrator sees it and confirms (PANEL_MIGRATE_ARCHIVE_LEGACY). The
 * counts follow 0002's rules on the tables as they are before its conversion to utf8mb4. */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "schema_internal.h"

struct check {
	const char *what;	  /* "domaines duplicates"... */
	const char *sql;	  /* one number */
	const char *needs_column; /* table.column that must exist, or NULL */
};

#define ORPHANS(t)                                                                                 \
	{                                                                                          \
		t " orphans",                                                                      \
		    "SELECT COUNT(*) FROM " t                                                      \
		    " c WHERE NOT EXISTS (SELECT 1 FROM membres m WHERE m.uid ="                   \
		    " c.uid)",                                                                     \
		    NULL                                                                           \
	}

static const struct check checks[] = {
    {"domaines duplicates",
     "SELECT COUNT(*) FROM domaines d WHERE EXISTS (SELECT 1 FROM domaines k WHERE k.domaine ="
     " d.domaine AND k.compte < d.compte)",
     NULL},
    ORPHANS("local"),
    ORPHANS("quotas"),
    ORPHANS("chgmail"),
    ORPHANS("browser"),
    ORPHANS("size_web"),
    {"sub_domaines duplicates",
     "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM sub_domaines GROUP BY"
     " compte, domaine, sub, COALESCE(type, 'LOCAL'), COALESCE(valeur, '')) g",
     NULL},
    {"sub_domaines orphans",
     "SELECT COUNT(*) FROM sub_domaines s WHERE NOT EXISTS (SELECT 1 FROM domaines d WHERE"
     " d.compte = s.compte AND d.domaine = s.domaine AND NOT EXISTS (SELECT 1 FROM domaines k"
     " WHERE k.domaine = d.domaine AND k.compte < d.compte))",
     NULL},
    {"db duplicates", "SELECT COUNT(*) - COUNT(DISTINCT db) FROM db", NULL},
    {"dbusers duplicates",
     "SELECT GREATEST(COUNT(*) - COUNT(DISTINCT id), COUNT(*) - COUNT(DISTINCT name)) FROM"
     " dbusers",
     NULL},
    {"domaines.mx values (rows kept)",
     "SELECT COUNT(*) FROM domaines WHERE mx IS NOT NULL AND mx <> ''", "domaines.mx"},
};

static int column_exists(int *yes, panel_db *db, const char *table_column)
{
	char table[64];
	const char *dot = strchr(table_column, '.');
	uint64_t n = 0;
	int error;

	snprintf(table, sizeof(table), "%.*s", (int)(dot - table_column), table_column);
	if ((error = panel__db_query_u64(&n, db,
					 "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE"
					 " TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND"
					 " COLUMN_NAME = ?",
					 DB_ARGS(DB_STR(table), DB_STR(dot + 1)))) < 0)
		return error;
	*yes = n > 0;
	return 0;
}

int panel__schema_legacy_preview(char *report, size_t size, uint64_t *total, panel_db *db)
{
	size_t used = 0;
	int error;

	*total = 0;
	report[0] = '\0';
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
		uint64_t n = 0;
		int present = 1;
		if (checks[i].needs_column &&
		    (error = column_exists(&present, db, checks[i].needs_column)) < 0)
			return error;
		if (!present)
			continue;
		if ((error = panel__db_query_u64(&n, db, checks[i].sql, DB_NOARGS)) < 0)
			return error;
		if (!n)
			continue;
		*total += n;
		int w = snprintf(report + used, size - used, "%s%llu %s", used ? "; " : "",
				 (unsigned long long)n, checks[i].what);
		if (w > 0 && (size_t)w < size - used)
			used += (size_t)w;
	}
	return 0;
}
