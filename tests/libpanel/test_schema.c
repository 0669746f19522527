/* Tests of the schema migrations against a real MariaDB: an empty database, an AlternC 1.0
 * database (tests/fixtures/alternc-1.0.sql) that must keep every row, idempotence, the lock,
 * and the refusals (tampered or newer schema, non-system actor). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;

/* The AlternC 1.0 tables (alternc-1.0.md section 1) that every migrated database has. */
static const char *const alternc_tables[] = {
    "membres",	    "local",	  "quotas",	  "defquotas",	   "sessions",	"chgmail",
    "browser",	    "domaines",	  "sub_domaines", "domaines_type", "tld",	"forbidden_domains",
    "mail_domain",  "mail_users", "mail_alias",	  "mxaccount",	   "size_mail", "db",
    "dbusers",	    "size_db",	  "ftpusers",	  "variable",	   "policy",	"slaveip",
    "slaveaccount", "size_web",	  "size_mailman", "stats2",
};
#define N_ALTERNC_TABLES (sizeof(alternc_tables) / sizeof(alternc_tables[0]))

static int setup(void **state)
{
	(void)state;
	return th_cluster_shared(&cluster);
}

static int teardown(void **state)
{
	(void)state;
	th_cluster_free(cluster);
	return 0;
}

static long long number(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long number(const char *fmt, ...)
{
	char sql[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return ts_query_number(cluster, sql);
}

static void assert_all_innodb_utf8mb4(const char *db)
{
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.tables WHERE "
				"table_schema='%s' AND table_type='BASE TABLE' AND "
				"(engine <> 'InnoDB' OR table_collation NOT LIKE 'utf8mb4%%')",
				db),
			 0);
	/* Text columns too, not only the table default; the panel's hash columns are ASCII on
	 * purpose (hex digests compared byte for byte). */
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.columns WHERE "
				"table_schema='%s' AND character_set_name IS NOT NULL AND "
				"character_set_name <> 'utf8mb4' AND NOT (table_name LIKE "
				"'panel\\_%%' AND collation_name = 'ascii_bin')",
				db),
			 0);
}

static void fresh_database_migrates_to_latest(void **state)
{
	(void)state;
	char db[128];
	unsigned current = 99, latest = 0, from = 99, to = 0;
	panel_actor sys = panel_actor_system();

	assert_int_equal(th_database_create(cluster, "schema_fresh", db, sizeof(db)), 0);
	panel *p = ts_panel_open(cluster, db);
	assert_panel_ok(panel_schema_version(&current, &latest, p));
	assert_int_equal(current, 0);
	assert_true(latest >= 2);

	assert_panel_ok(panel_schema_migrate(&from, &to, p, &sys));
	assert_int_equal(from, 0);
	assert_int_equal(to, latest);
	assert_panel_ok(panel_schema_version(&current, NULL, p));
	assert_int_equal(current, latest);
	for (size_t i = 0; i < N_ALTERNC_TABLES; i++) {
		long long n = number("SELECT COUNT(*) FROM information_schema.tables WHERE "
				     "table_schema='%s' AND table_name='%s'",
				     db, alternc_tables[i]);
		if (n != 1)
			fail_msg("table %s missing after migration", alternc_tables[i]);
	}
	assert_all_innodb_utf8mb4(db);
	/* The 1.0 seeds: the stable-1.0 domain types, the TLDs, the default quotas. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines_type", db), 12);
	assert_int_equal(number("SELECT mode FROM `%s`.tld WHERE tld='fr'", db), 4);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines_type WHERE name='defmx'"
				" AND enable='ADMIN'",
				db),
			 1);
	assert_true(number("SELECT COUNT(*) FROM `%s`.defquotas WHERE type='default'", db) >= 6);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres", db), 0);

	/* Again: nothing to do, nothing changed. */
	assert_panel_ok(panel_schema_migrate(&from, &to, p, &sys));
	assert_int_equal(from, latest);
	assert_int_equal(to, latest);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_schema_version", db), latest);
	panel_close(p);
	th_database_drop(cluster, db);
}

static void only_the_system_migrates(void **state)
{
	(void)state;
	char db[128];
	panel_actor admin = panel_actor_admin(2000), member = panel_actor_member(2001);

	assert_int_equal(th_database_create(cluster, "schema_actor", db, sizeof(db)), 0);
	panel *p = ts_panel_open(cluster, db);
	assert_panel_rc(panel_schema_migrate(NULL, NULL, p, &admin), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_schema_migrate(NULL, NULL, p, &member), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_schema_migrate(NULL, NULL, p, NULL), PANEL_EINVALID);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.tables WHERE "
				"table_schema='%s'",
				db),
			 0);
	panel_close(p);
	th_database_drop(cluster, db);
}

static void changed_or_newer_schema_is_refused(void **state)
{
	(void)state;
	char db[128], sql[512];
	unsigned latest;
	panel_actor sys = panel_actor_system();

	assert_int_equal(th_database_create(cluster, "schema_tamper", db, sizeof(db)), 0);
	panel *p = ts_panel_open(cluster, db);
	assert_panel_ok(panel_schema_migrate(NULL, &latest, p, &sys));

	snprintf(
	    sql, sizeof(sql),
	    "UPDATE `%s`.panel_schema_version SET checksum = REPEAT('0', 64) WHERE version = 1",
	    db);
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	assert_panel_rc(panel_schema_migrate(NULL, NULL, p, &sys), PANEL_ECONFLICT);
	assert_non_null(strstr(panel_error_last()->message, "changed after it was applied"));
	assert_panel_rc(panel_schema_version(NULL, NULL, p), PANEL_ECONFLICT);

	snprintf(sql, sizeof(sql),
		 "DELETE FROM `%s`.panel_schema_version WHERE version = 1;"
		 "INSERT INTO `%s`.panel_schema_version (version, name, checksum)"
		 " SELECT %u + 1, 'from_the_future', REPEAT('f', 64)",
		 db, db, latest);
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	assert_panel_rc(panel_schema_migrate(NULL, NULL, p, &sys), PANEL_ECONFLICT);
	assert_non_null(strstr(panel_error_last()->message, "gap before version 2"));

	/* Every version of this library applied, and one more: a newer libpanel migrated it. */
	snprintf(sql, sizeof(sql), "DELETE FROM `%s`.panel_schema_version", db);
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	assert_panel_ok(panel_schema_migrate(NULL, NULL, p, &sys));
	snprintf(sql, sizeof(sql),
		 "INSERT INTO `%s`.panel_schema_version (version, name, checksum)"
		 " SELECT %u + 1, 'from_the_future', REPEAT('f', 64)",
		 db, latest);
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	assert_panel_rc(panel_schema_migrate(NULL, NULL, p, &sys), PANEL_ECONFLICT);
	assert_non_null(strstr(panel_error_last()->message, "newer than this libpanel"));
	assert_panel_rc(panel_schema_version(NULL, NULL, p), PANEL_ECONFLICT);
	assert_non_null(strstr(panel_error_last()->message, "newer than this libpanel"));
	panel_close(p);
	th_database_drop(cluster, db);
}

struct racer {
	const char *db;
	int rc;
	unsigned from, to;
};

static void *race_migrate(void *arg)
{
	struct racer *r = arg;
	panel_actor sys = panel_actor_system();
	panel *p = ts_panel_open(cluster, r->db);

	r->rc = panel_schema_migrate(&r->from, &r->to, p, &sys);
	panel_close(p);
	return NULL;
}

static void concurrent_migrations_apply_once(void **state)
{
	(void)state;
	char db[128];
	struct racer a = {.db = db}, b = {.db = db};
	pthread_t ta, tb;

	assert_int_equal(th_database_create(cluster, "schema_race", db, sizeof(db)), 0);
	assert_int_equal(pthread_create(&ta, NULL, race_migrate, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, race_migrate, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	assert_int_equal(a.to, b.to);
	/* The lock serialized them: one did the work, the other found it done. */
	assert_true((a.from == 0 && b.from == b.to) || (b.from == 0 && a.from == a.to));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_schema_version", db), a.to);
	th_database_drop(cluster, db);
}

static void *hold_then_release(void *arg)
{
	MYSQL *holder = arg;

	mysql_query(holder, "DO SLEEP(6)");
	mysql_close(holder); /* releases the lock */
	return NULL;
}

/* A handle on a new database named after name, whose client gives up on an answer after 3 s
 * (the default is 30): a single wait for the lock past that drops the connection. */
static panel *open_with_short_read_timeout(char *db, size_t dbsz, const char *name)
{
	panel_config *cfg;
	panel *p = NULL;

	assert_int_equal(th_database_create(cluster, name, db, dbsz), 0);
	cfg = ts_config(cluster, 0, db);
	assert_int_equal(panel_config_set(cfg, "database", "read_timeout", "3"), 0);
	assert_panel_ok(panel_open(&p, cfg));
	panel_config_free(cfg);
	return p;
}

/* Another session holds the schema lock for 6 s, in thread *t. */
static void hold_schema_lock(pthread_t *t, const char *db)
{
	MYSQL *holder = th_connect(cluster, 0, db);

	assert_non_null(holder);
	assert_int_equal(mysql_query(holder, "DO GET_LOCK('panel_schema_migrate', 0)"), 0);
	assert_int_equal(pthread_create(t, NULL, hold_then_release, holder), 0);
}

/* A migration waits for the one that holds the schema lock even past the client's read
 * timeout (3 s here, 30 s by default): it used to wait in one GET_LOCK(name, 60), and the
 * client dropped the connection at the read timeout ("Lost connection to server"). */
static void migration_waits_for_the_lock_past_the_read_timeout(void **state)
{
	(void)state;
	char db[128];
	unsigned from = 99, to = 0, latest;
	panel_actor sys = panel_actor_system();
	panel *p;
	pthread_t t;

	p = open_with_short_read_timeout(db, sizeof(db), "schema_lockwait");
	hold_schema_lock(&t, db);
	assert_panel_ok(panel_schema_migrate(&from, &to, p, &sys));
	pthread_join(t, NULL);
	assert_panel_ok(panel_schema_version(NULL, &latest, p));
	assert_int_equal(from, 0);
	assert_int_equal(to, latest);
	panel_close(p);
	th_database_drop(cluster, db);
}

/* The repair of double-encoded text takes the same lock, and waits for it the same way: it
 * asked for it in one GET_LOCK(name, 60), and a migration holding it past the read timeout
 * dropped the connection ("Lost connection to server"). */
static void repair_waits_for_the_lock_past_the_read_timeout(void **state)
{
	(void)state;
	char db[128];
	panel_actor sys = panel_actor_system();
	panel_schema_utf8_report r;
	panel *p;
	pthread_t t;

	p = open_with_short_read_timeout(db, sizeof(db), "schema_repair_lockwait");
	assert_panel_ok(panel_schema_migrate(NULL, NULL, p, &sys));
	hold_schema_lock(&t, db);
	assert_panel_ok(panel_schema_repair_utf8(&r, p, &sys, PANEL_REPAIR_UTF8_DRY_RUN));
	pthread_join(t, NULL);
	assert_int_equal(r.total, 0);
	panel_close(p);
	th_database_drop(cluster, db);
}

/* A migration that alters a table another session holds (a long query of AlternC 1.0's cron,
 * an open transaction of its PHP panel, a backup) gives up after a few seconds with a message
 * saying so, instead of waiting (and making every later query of that table wait behind it)
 * until the long one ends; run again once the other session is done, it resumes. */
static void migration_does_not_queue_behind_a_long_query(void **state)
{
	(void)state;
	char db[128];
	unsigned from, to, latest;
	panel_actor sys = panel_actor_system();
	struct timespec t0, t1;

	assert_int_equal(th_database_create(cluster, "schema_mdl", db, sizeof(db)), 0);
	panel *p = ts_panel_open(cluster, db);
	assert_panel_ok(panel_schema_migrate(NULL, &latest, p, &sys));
	/* 0008 alters dbusers (a 1.0 table); the later ones are idempotent. */
	ts_exec(cluster, db, "DELETE FROM panel_schema_version WHERE version >= 8");

	MYSQL *holder = th_connect(cluster, 0, db);
	assert_non_null(holder);
	assert_int_equal(mysql_query(holder, "START TRANSACTION"), 0);
	assert_int_equal(mysql_query(holder, "SELECT * FROM dbusers"), 0);
	mysql_free_result(mysql_store_result(holder));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_panel_rc(panel_schema_migrate(&from, &to, p, &sys), PANEL_EUNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(panel_error_last()->message, "0008_dbusers_name_80"));
	assert_non_null(strstr(panel_error_last()->message, "another session held"));
	assert_true(t1.tv_sec - t0.tv_sec < 20);
	assert_int_equal(from, 7);
	assert_int_equal(to, 7);
	assert_int_equal(number("SELECT MAX(version) FROM `%s`.panel_schema_version", db), 7);

	assert_int_equal(mysql_query(holder, "COMMIT"), 0);
	mysql_close(holder);
	assert_panel_ok(panel_schema_migrate(&from, &to, p, &sys));
	assert_int_equal(from, 7);
	assert_int_equal(to, latest);
	panel_close(p);
	th_database_drop(cluster, db);
}

/* The superuser (who bypasses read_only) pointed at a replica: migrating there would create
 * the tables with the replica's own GTIDs, and the primary's migration would then stop
 * replication. Refused while there is something to do; an up-to-date replica is fine. */
static void replica_is_not_migrated(void **state)
{
	(void)state;
	th_options opts = {.replicas = 1};
	th_cluster *rc = NULL;
	panel_config *cfg;
	panel *primary, *replica = NULL;
	char sql[256];
	unsigned from = 99, to = 99, latest;
	panel_actor sys = panel_actor_system();
	long long gtids;

	assert_int_equal(th_cluster_start(&rc, &opts), 0);
	assert_int_equal(th_sql(rc, 0, "CREATE DATABASE schema_replica"), 0);
	assert_int_equal(th_server_replicate(rc, 1, 0), 0);
	cfg = ts_config(rc, 1, "schema_replica");
	assert_panel_ok(panel_open(&replica, cfg));
	panel_config_free(cfg);

	assert_panel_rc(panel_schema_migrate(&from, &to, replica, &sys), PANEL_ECONFLICT);
	assert_non_null(strstr(panel_error_last()->message, "read-only"));
	assert_non_null(strstr(panel_error_last()->message, "version 0 of"));
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM information_schema.tables WHERE "
		 "table_schema = 'schema_replica'");
	MYSQL *m = th_connect(rc, 1, NULL);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, sql), 0);
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = mysql_fetch_row(res);
	assert_string_equal(row[0], "0");
	mysql_free_result(res);
	/* No transaction of the replica's own (server_id 2) in its binary log. */
	assert_int_equal(mysql_query(m, "SELECT @@GLOBAL.gtid_binlog_pos LIKE '%-2-%'"), 0);
	res = mysql_store_result(m);
	row = mysql_fetch_row(res);
	gtids = atoll(row[0]);
	mysql_free_result(res);
	assert_int_equal(gtids, 0);

	/* Migrated on the primary, the replica follows and is up to date: nothing to do there. */
	cfg = ts_config(rc, 0, "schema_replica");
	assert_panel_ok(panel_open(&primary, cfg));
	panel_config_free(cfg);
	assert_panel_ok(panel_schema_migrate(NULL, &latest, primary, &sys));
	panel_close(primary);
	assert_int_equal(th_server_replicate(rc, 1, 0), 0);
	assert_panel_ok(panel_schema_migrate(&from, &to, replica, &sys));
	assert_int_equal(from, latest);
	assert_int_equal(to, latest);
	/* Nor is text repaired there (panelctl schema repair-utf8): a twice-encoded value
	 * replicated from the primary is counted by a dry run, and left for the primary. */
	assert_int_equal(th_sql(rc, 0,
				"INSERT INTO schema_replica.variable (name, value) VALUES"
				" ('panel_test_fr', CONVERT(X'C383C2A9' USING utf8mb4))"),
			 0);
	for (int w = 0; w < 100; w++) {
		assert_int_equal(mysql_query(m, "SELECT COUNT(*) FROM schema_replica.variable"
						" WHERE name = 'panel_test_fr'"),
				 0);
		res = mysql_store_result(m);
		row = mysql_fetch_row(res);
		int there = row && strcmp(row[0], "1") == 0;
		mysql_free_result(res);
		if (there)
			break;
		usleep(50 * 1000);
	}
	panel_schema_utf8_report r;
	assert_panel_ok(panel_schema_repair_utf8(&r, replica, &sys, PANEL_REPAIR_UTF8_DRY_RUN));
	assert_int_equal(r.total, 1);
	assert_panel_rc(panel_schema_repair_utf8(&r, replica, &sys, 0), PANEL_ECONFLICT);
	assert_non_null(strstr(panel_error_last()->message, "read-only"));
	assert_int_equal(r.total, 0);
	assert_int_equal(mysql_query(m, "SELECT @@GLOBAL.gtid_binlog_pos LIKE '%-2-%'"), 0);
	res = mysql_store_result(m);
	row = mysql_fetch_row(res);
	assert_int_equal(atoll(row[0]), 0);
	mysql_free_result(res);
	assert_int_equal(mysql_query(m, "SHOW SLAVE STATUS"), 0);
	res = mysql_store_result(m);
	row = mysql_fetch_row(res);
	assert_non_null(row);
	for (unsigned i = 0; i < mysql_num_fields(res); i++)
		if (strcmp(mysql_fetch_fields(res)[i].name, "Slave_SQL_Running") == 0)
			assert_string_equal(row[i], "Yes");
	mysql_free_result(res);
	mysql_close(m);
	panel_close(replica);
	th_cluster_free(rc);
}

/* New binaries on a database not migrated yet (a rolling upgrade before its migration): an
 * operation that needs a table or column the database lacks says where to look. */
static void missing_table_points_at_the_schema(void **state)
{
	(void)state;
	th_cluster *c = NULL;
	char db[128];
	panel *p = NULL;
	panel_actor super = panel_actor_admin(2000);
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	assert_int_equal(ts_panel_fixture(&p, &c, db, sizeof(db), "schema_behind", NULL), 0);
	/* As if 0014 had not run. */
	ts_exec(c, db, "DROP TABLE panel_name_locks");
	ts_exec(c, db, "DELETE FROM panel_schema_version WHERE version = 14");
	spec.domain = "behind.example.com";
	assert_panel_rc(panel_domain_add(&d, p, &super, NULL, &spec), PANEL_ERROR);
	assert_non_null(strstr(panel_error_last()->message, "panel_name_locks"));
	assert_non_null(strstr(panel_error_last()->message, "panelctl schema status"));
	panel_close(p);
	th_database_drop(c, db);
	th_cluster_free(c);
}

/* ---------------------------------------------------------------- the AlternC 1.0 fixture */

struct table_count {
	char name[65];
	long long rows;
};

static size_t count_rows(struct table_count *out, size_t max, const char *db)
{
	MYSQL *m = th_connect(cluster, 0, db);
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t n = 0;

	assert_non_null(m);
	assert_int_equal(mysql_query(m, "SELECT table_name FROM information_schema.tables WHERE "
					"table_schema = DATABASE() AND table_type = 'BASE TABLE' "
					"ORDER BY table_name"),
			 0);
	res = mysql_store_result(m);
	assert_non_null(res);
	while ((row = mysql_fetch_row(res)) && n < max) {
		snprintf(out[n].name, sizeof(out[n].name), "%s", row[0]);
		out[n].rows = number("SELECT COUNT(*) FROM `%s`.`%s`", db, row[0]);
		n++;
	}
	mysql_free_result(res);
	mysql_close(m);
	return n;
}

/* The hash selected by sql in db matches secret, and is flagged for an upgrade. */
static void assert_legacy_secret(const char *db, const char *sql, const char *secret)
{
	MYSQL *m = th_connect(cluster, 0, db);
	MYSQL_RES *res;
	MYSQL_ROW row;
	int upgrade = 0;

	assert_non_null(m);
	assert_int_equal(mysql_query(m, sql), 0);
	res = mysql_store_result(m);
	assert_non_null(res);
	row = mysql_fetch_row(res);
	assert_non_null(row);
	assert_non_null(row[0]);
	if (panel_password_verify(row[0], secret, &upgrade) != 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
	assert_int_equal(upgrade, 1);
	assert_panel_rc(panel_password_verify(row[0], "not-the-password", NULL), PANEL_EAUTH);
	mysql_free_result(res);
	mysql_close(m);
}

static void alternc_1_0_database_keeps_every_row(void **state)
{
	(void)state;
	struct table_count before[64];
	char db[128];
	size_t nbefore;
	long long total = 0, archived;
	unsigned to;
	panel_actor sys = panel_actor_system();

	assert_int_equal(th_database_create(cluster, "schema_alternc10", db, sizeof(db)), 0);
	assert_int_equal(ts_sql_file(cluster, db, "tests/fixtures/alternc-1.0.sql"), 0);
	/* It really is an old database: MyISAM and latin1. */
	assert_true(number("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema="
			   "'%s' AND engine='MyISAM' AND table_collation LIKE 'latin1%%'",
			   db) >= 20);
	nbefore = count_rows(before, 64, db);
	assert_true(nbefore >= N_ALTERNC_TABLES);
	for (size_t i = 0; i < nbefore; i++)
		total += before[i].rows;
	assert_true(total >= 50);

	panel *p = ts_panel_open(cluster, db);
	/* Without the administrator's say-so, 0002 does not archive: it stops, saying what it
	 * would move, and nothing of the legacy data moved. */
	assert_panel_rc(panel_schema_migrate(NULL, &to, p, &sys), PANEL_ECONFLICT);
	assert_string_equal(panel_error_last()->field, "schema");
	char said[1024];
	snprintf(said, sizeof(said), "%s", panel_error_last()->message);
	if (!strstr(said, "--archive-legacy-rows") || !strstr(said, "quotas orphans"))
		fail_msg("the refusal does not say what would move: %s", said);
	assert_int_equal(to, 1);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema="
				"'%s' AND table_name='panel_legacy_rows'",
				db),
			 0);
	for (size_t i = 0; i < nbefore; i++)
		if (number("SELECT COUNT(*) FROM `%s`.`%s`", db, before[i].name) != before[i].rows)
			fail_msg("%s changed before the confirmation", before[i].name);
	assert_panel_ok(
	    panel_schema_migrate_flags(NULL, &to, p, &sys, PANEL_MIGRATE_ARCHIVE_LEGACY));
	assert_all_innodb_utf8mb4(db);
	/* What was announced is what moved. */
	static const char *const announced[][2] = {
	    {"orphan:fk_quotas_membres", "quotas orphans"},
	    {"duplicate:db", "db duplicates"},
	    {"duplicate:domaine", "domaines duplicates"},
	    {"orphan:fk_size_web_membres", "size_web orphans"}};
	for (size_t i = 0; i < sizeof(announced) / sizeof(*announced); i++) {
		char line[160];
		snprintf(line, sizeof(line), "%lld %s",
			 number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE reason = '%s'",
				db, announced[i][0]),
			 announced[i][1]);
		if (!strstr(said, line))
			fail_msg("announced: %s; moved: %s", said, line);
	}

	/* Every row is still in its table, or archived in panel_legacy_rows with its data. */
	for (size_t i = 0; i < nbefore; i++) {
		long long now = number("SELECT COUNT(*) FROM `%s`.`%s`", db, before[i].name);
		/* Moved rows; "dropped_column:" entries are copies of values, rows stay. */
		long long moved =
		    number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE "
			   "source_table='%s' AND reason NOT LIKE 'dropped_column:%%'",
			   db, before[i].name);
		if (now + moved != before[i].rows)
			fail_msg("%s: %lld rows before, %lld after + %lld archived", before[i].name,
				 before[i].rows, now, moved);
	}
	/* The fixture has orphans and duplicates: they were archived, not dropped. */
	archived = number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE reason LIKE "
			  "'orphan:%%' OR reason LIKE 'duplicate:%%'",
			  db);
	assert_true(archived >= 2);
	/* The values of the dropped domaines.mx column are kept too. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE "
		   "reason='dropped_column:mx' AND source_table='domaines'",
		   db),
	    number("SELECT COUNT(*) FROM `%s`.domaines WHERE domaine IN (SELECT "
		   "JSON_VALUE(row_data, '$.domaine') FROM `%s`.panel_legacy_rows WHERE "
		   "reason='dropped_column:mx')",
		   db, db));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE "
				"JSON_VALID(row_data) = 0",
				db),
			 0);

	/* Latin1 text came out right. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.local WHERE nom = 'Hervé' COLLATE "
				"utf8mb4_bin AND prenom = 'Noël' COLLATE utf8mb4_bin",
				db),
			 1);
	/* Nothing lost in the hash columns, and they now fit argon2id. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE pass LIKE '$1$%%'", db),
			 number("SELECT COUNT(*) FROM `%s`.membres", db));
	assert_true(number("SELECT character_maximum_length FROM information_schema.columns WHERE "
			   "table_schema='%s' AND table_name='membres' AND column_name='pass'",
			   db) >= 128);

	/* The legacy hashes still verify, and ask to be upgraded. */
	assert_legacy_secret(db, "SELECT pass FROM membres WHERE login='jean'", "jeanpass42");
	assert_legacy_secret(db, "SELECT pass FROM membres WHERE login='admin'", "Adm1n-2000");
	assert_legacy_secret(
	    db, "SELECT password FROM mail_users WHERE alias='jean@jean-dupont.fr'", "MailJean9");
	assert_legacy_secret(db, "SELECT encrypted_password FROM ftpusers WHERE name='jean'",
			     "jeanftp1");

	/* The migrated legacy tables have the same columns as a fresh install. */
	char fresh[128];
	assert_int_equal(th_database_create(cluster, "schema_fresh_cmp", fresh, sizeof(fresh)), 0);
	panel *pf = ts_panel_open(cluster, fresh);
	assert_panel_ok(panel_schema_migrate(NULL, NULL, pf, &sys));
	panel_close(pf);
	long long differ =
	    number("SELECT COUNT(*) FROM ("
		   " SELECT table_name, column_name, column_type, is_nullable, column_default,"
		   "  collation_name, COUNT(*) c FROM information_schema.columns"
		   " WHERE table_schema IN ('%s', '%s')"
		   " GROUP BY table_name, column_name, column_type, is_nullable, column_default,"
		   "  collation_name HAVING c <> 2) d",
		   db, fresh);
	if (differ != 0)
		fail_msg("%lld column definitions differ between a migrated 1.0 database and a "
			 "fresh one",
			 differ);
	/* ... and the same keys. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM (SELECT table_name, index_name, non_unique,"
		   " cols, COUNT(*) c FROM (SELECT table_schema, table_name, index_name,"
		   " non_unique, GROUP_CONCAT(column_name ORDER BY seq_in_index) cols"
		   " FROM information_schema.statistics WHERE table_schema IN ('%s', '%s')"
		   " GROUP BY table_schema, table_name, index_name, non_unique) s"
		   " GROUP BY table_name, index_name, non_unique, cols HAVING c <> 2) d",
		   db, fresh),
	    0);
	th_database_drop(cluster, fresh);

	/* Migrating again is a no-op. */
	unsigned from2, to2;
	assert_panel_ok(panel_schema_migrate(&from2, &to2, p, &sys));
	assert_int_equal(from2, to);
	assert_int_equal(to2, to);
	panel_close(p);
	th_database_drop(cluster, db);
}

/* True when every s:N:"..." of a PHP-serialized value is followed, N bytes after its opening
 * quote, by its closing quote: what PHP's unserialize needs (N counts bytes). */
static int serialized_lengths_hold(const char *v)
{
	int strings = 0;

	for (const char *s = strstr(v, "s:"); s; s = strstr(s + 1, "s:")) {
		char *end;
		unsigned long n = strtoul(s + 2, &end, 10);
		if (end == s + 2 || end[0] != ':' || end[1] != '"')
			continue;
		if (strlen(end + 2) < n || end[2 + n] != '"')
			return 0;
		strings++;
		s = end + 2 + n;
	}
	return strings > 0;
}

static void account_names(const char *login, const char *nom, const char *prenom, const char *notes,
			  panel *p)
{
	panel_actor sys = panel_actor_system();
	panel_account *a = NULL;

	assert_panel_ok(panel_account_get(&a, p, &sys, login));
	if (strcmp(a->nom, nom) || strcmp(a->prenom, prenom) || (notes && strcmp(a->notes, notes)))
		fail_msg("%s: nom '%s' prenom '%s' notes '%s', want '%s' '%s' '%s'", login, a->nom,
			 a->prenom, a->notes, nom, prenom, notes ? notes : "(any)");
	panel_account_free(a);
}

static uint64_t repaired(const panel_schema_utf8_report *r, const char *column)
{
	for (size_t i = 0; i < PANEL_SCHEMA_UTF8_COLUMNS; i++)
		if (!strcmp(r->columns[i].column, column))
			return r->columns[i].changed;
	fail_msg("no column %s in the report", column);
	return 0;
}

/* The documented undo (docs/operations.md), for every column the repair covers. */
static const char *const undo[][3] = {
    {"local", "uid", "nom"},	   {"local", "uid", "prenom"},
    {"membres", "uid", "notes"},   {"variable", "name", "value"},
    {"browser", "uid", "lastdir"}, {"domaines_type", "name", "description"},
};

/* A French AlternC 1.0 host (UTF-8 pages over a latin1 connection) stored UTF-8 bytes in its
 * latin1 columns, which 0002 encodes twice; the opt-in repair re-reads them, and nothing
 * else, archives what it changed, and changes nothing the second time. */
static void double_encoded_text_is_repaired_on_request(void **state)
{
	(void)state;
	char db[128], fresh[128];
	panel_actor sys = panel_actor_system(), admin = panel_actor_admin(2000);
	panel_schema_utf8_report r;
	panel_variable *v = NULL;

	/* Not before 0002. */
	assert_int_equal(th_database_create(cluster, "schema_utf8_fresh", fresh, sizeof(fresh)), 0);
	panel *pf = ts_panel_open(cluster, fresh);
	assert_panel_rc(panel_schema_repair_utf8(&r, pf, &sys, 0), PANEL_ECONFLICT);
	assert_string_equal(panel_error_last()->field, "schema");
	panel_close(pf);
	th_database_drop(cluster, fresh);

	assert_int_equal(th_database_create(cluster, "schema_utf8", db, sizeof(db)), 0);
	assert_int_equal(ts_sql_file(cluster, db, "tests/fixtures/alternc-1.0.sql"), 0);
	/* As 1.0's pages wrote them, byte for byte, into the latin1 columns. French (UTF-8):
	 * herve "Hervé 😀" / "Noël", notes "Payé\nRéunion"; jean's notes "Ã©" typed on a French
	 * page (encoded four times after 0002); a serialized setting; a folder; a domain type;
	 * a backup folder (read by 1.0's cron: not repaired). English (latin1): jean "Hervé", a
	 * serialized setting. A lone C3: sylvie's prenom. ASCII: admin. */
	ts_exec(
	    cluster, db,
	    "UPDATE local SET nom = CONVERT(X'48657276C3A920F09F9880' USING latin1),"
	    " prenom = CONVERT(X'4E6FC3AB6C' USING latin1) WHERE uid = 2003;"
	    "UPDATE membres SET notes = CONVERT(X'506179C3A90A52C3A9756E696F6E' USING latin1)"
	    " WHERE uid = 2003;"
	    "UPDATE membres SET notes = CONVERT(X'C383C2A9' USING latin1) WHERE uid = 2002;"
	    "UPDATE local SET nom = CONVERT(X'48657276E9' USING latin1) WHERE uid = 2002;"
	    "UPDATE local SET prenom = CONVERT(X'53796C766965C3' USING latin1) WHERE uid = 2001;"
	    "INSERT INTO variable (name, value, comment) VALUES"
	    " ('panel_test_fr', CONVERT(CONCAT('a:2:{i:0;s:6:\"Herv', X'C3A9', '\";i:1;s:4:\"',"
	    "  X'F09F9880', '\";}') USING latin1), CONVERT(CONCAT('R', X'C3A9', 'glage') USING"
	    "  latin1)),"
	    " ('panel_test_en', CONVERT(CONCAT('a:1:{i:0;s:5:\"Herv', X'E9', '\";}') USING latin1),"
	    "  NULL);"
	    "UPDATE browser SET lastdir = CONVERT(X'2F7777772FC3A974C3A9' USING latin1)"
	    " WHERE uid = 2002;"
	    "UPDATE domaines_type SET description ="
	    " CONVERT(X'48C3A962657267C3A920696369' USING latin1) WHERE name = 'vhost';"
	    "UPDATE db SET bck_dir = CONVERT(CONCAT('/var/alternc/html/h/herve/sauv', X'C3A9')"
	    " USING latin1) WHERE db = 'herve'");

	panel *p = ts_panel_open(cluster, db);
	assert_panel_ok(
	    panel_schema_migrate_flags(NULL, NULL, p, &sys, PANEL_MIGRATE_ARCHIVE_LEGACY));
	/* Written since, in UTF-8, with a character latin1 does not have. */
	ts_exec(cluster, db,
		"UPDATE local SET nom = CONVERT(X'48657276C383C2A920E697A5E69CAC' USING utf8mb4)"
		" WHERE uid = 2004");

	/* What 0002 made of them, as libpanel reads it. */
	account_names("herve", "Herv\xc3\x83\xc2\xa9 \xc3\xb0\xc5\xb8\xcb\x9c\xe2\x82\xac",
		      "No\xc3\x83\xc2\xabl", NULL, p);
	assert_panel_ok(panel_variable_get(&v, p, &admin, "panel_test_fr"));
	assert_false(serialized_lengths_hold(v->value));
	panel_variable_free(v);

	/* The repair is the system's, and opt-in. */
	assert_panel_rc(panel_schema_repair_utf8(&r, p, &admin, 0), PANEL_EFORBIDDEN);

	/* The dry run counts, and writes nothing. */
	assert_panel_ok(panel_schema_repair_utf8(&r, p, &sys, PANEL_REPAIR_UTF8_DRY_RUN));
	assert_int_equal(repaired(&r, "local.nom"), 1);
	assert_int_equal(repaired(&r, "local.prenom"), 1);
	assert_int_equal(repaired(&r, "membres.notes"), 2);
	assert_int_equal(repaired(&r, "variable.value"), 1);
	assert_int_equal(repaired(&r, "browser.lastdir"), 1);
	assert_int_equal(repaired(&r, "domaines_type.description"), 1);
	assert_int_equal(r.total, 7);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE reason LIKE "
				"'double\\_utf8:%%'",
				db),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.local WHERE uid = 2003 AND HEX(nom) ="
				" '48657276C383C2A920C3B0C5B8CB9CE282AC'",
				db),
			 1);

	/* The repair changes what the dry run counted. */
	panel_schema_utf8_report run;
	assert_panel_ok(panel_schema_repair_utf8(&run, p, &sys, 0));
	assert_memory_equal(&run, &r, sizeof(r));

	/* Through libpanel: the French text is what was typed, emoji included; the latin1, lone
	 * C3, ASCII and non-latin1 values are as they were. */
	account_names("herve", "Herv\xc3\xa9 \xf0\x9f\x98\x80", "No\xc3\xabl",
		      "Pay\xc3\xa9\nR\xc3\xa9union", p);
	account_names("jean", "Herv\xc3\xa9", "Jean", "\xc3\x83\xc2\xa9", p);
	account_names("sylvie", "Lef\xc3\xa8vre", "Sylvie\xc3\x83", NULL, p);
	account_names("admin", "Administrateur", "AlternC", NULL, p);
	account_names("marc", "Herv\xc3\x83\xc2\xa9 \xe6\x97\xa5\xe6\x9c\xac", "Marc", NULL, p);
	/* The serialized French setting's byte lengths hold again for a utf8mb4 reader. */
	assert_panel_ok(panel_variable_get(&v, p, &admin, "panel_test_fr"));
	assert_string_equal(v->value,
			    "a:2:{i:0;s:6:\"Herv\xc3\xa9\";i:1;s:4:\"\xf0\x9f\x98\x80\";}");
	assert_true(serialized_lengths_hold(v->value));
	assert_string_equal(v->comment, "R\xc3\x83\xc2\xa9glage"); /* no 1.0 page writes it */
	panel_variable_free(v);
	assert_panel_ok(panel_variable_get(&v, p, &admin, "panel_test_en"));
	assert_string_equal(v->value, "a:1:{i:0;s:5:\"Herv\xc3\xa9\";}");
	panel_variable_free(v);
	/* With SQL. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.browser WHERE uid = 2002 AND"
				" HEX(lastdir) = '2F7777772FC3A974C3A9'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines_type WHERE name = 'vhost' AND"
				" HEX(description) = '48C3A962657267C3A920696369'",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db = 'herve' AND bck_dir ="
				" CONCAT('/var/alternc/html/h/herve/sauv', X'C383C2A9')",
				db),
			 1);
	/* Each before-value is archived. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE reason LIKE "
				"'double\\_utf8:%%'",
				db),
			 7);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE source_table ="
				" 'local' AND reason = 'double_utf8:nom' AND JSON_VALUE(row_data,"
				" '$.uid') = 2003 AND HEX(JSON_VALUE(row_data, '$.nom')) ="
				" '48657276C383C2A920C3B0C5B8CB9CE282AC'",
				db),
			 1);

	/* A second run changes nothing, not even jean's "Ã©", whose latin1 form is UTF-8 too. */
	assert_panel_ok(panel_schema_repair_utf8(&run, p, &sys, PANEL_REPAIR_UTF8_DRY_RUN));
	assert_int_equal(run.total, 0);
	assert_panel_ok(panel_schema_repair_utf8(&run, p, &sys, 0));
	assert_int_equal(run.total, 0);
	account_names("jean", "Herv\xc3\xa9", "Jean", "\xc3\x83\xc2\xa9", p);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_legacy_rows WHERE reason LIKE "
				"'double\\_utf8:%%'",
				db),
			 7);

	/* The documented undo puts every value back as 0002 left it. */
	for (size_t i = 0; i < sizeof(undo) / sizeof(*undo); i++)
		ts_exec(cluster, db,
			"UPDATE %1$s t JOIN panel_legacy_rows l ON l.source_table = '%1$s' AND"
			" l.reason = 'double_utf8:%3$s' AND JSON_VALUE(l.row_data, '$.%2$s') ="
			" t.%2$s SET t.%3$s = JSON_VALUE(l.row_data, '$.%3$s')",
			undo[i][0], undo[i][1], undo[i][2]);
	ts_exec(cluster, db, "DELETE FROM panel_legacy_rows WHERE reason LIKE 'double\\_utf8:%%'");
	account_names("herve", "Herv\xc3\x83\xc2\xa9 \xc3\xb0\xc5\xb8\xcb\x9c\xe2\x82\xac",
		      "No\xc3\x83\xc2\xabl", NULL, p);
	assert_panel_ok(panel_schema_repair_utf8(&run, p, &sys, PANEL_REPAIR_UTF8_DRY_RUN));
	assert_memory_equal(&run, &r, sizeof(r));
	panel_close(p);
	th_database_drop(cluster, db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fresh_database_migrates_to_latest),
	    cmocka_unit_test(only_the_system_migrates),
	    cmocka_unit_test(changed_or_newer_schema_is_refused),
	    cmocka_unit_test(concurrent_migrations_apply_once),
	    cmocka_unit_test(migration_waits_for_the_lock_past_the_read_timeout),
	    cmocka_unit_test(repair_waits_for_the_lock_past_the_read_timeout),
	    cmocka_unit_test(migration_does_not_queue_behind_a_long_query),
	    cmocka_unit_test(replica_is_not_migrated),
	    cmocka_unit_test(missing_table_points_at_the_schema),
	    cmocka_unit_test(alternc_1_0_database_keeps_every_row),
	    cmocka_unit_test(double_encoded_text_is_repaired_on_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
