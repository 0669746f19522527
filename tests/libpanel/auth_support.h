/* Header-only support for the libpanel authentication tests (test_auth_*.c): one database per
 * test program, SQL helpers on it, accounts with known passwords and an error assertion. */
#ifndef AUTH_SUPPORT_H
#define AUTH_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "db/db.h"
#include "handle.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

#define SUPER  2000 /* super admin */
#define ALICE  2001 /* member */
#define BOB    2002 /* admin */
#define HANK   2003 /* another admin */
#define LEGACY 2004 /* member with an AlternC 1.0 MD5-crypt hash */

static th_cluster *cluster;
static char dbname[128];
static panel *p;

/* ---------------------------------------------------------------- helpers */

static inline void sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void sqlf(const char *fmt, ...)
{
	char sql[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (panel__db_exec(NULL, p->db, sql, DB_NOARGS) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
}

/* The first cell as a number: -1 for SQL NULL, -2 when there is no row. */
static inline long long num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline long long num(const char *fmt, ...)
{
	char sql[2048];
	panel_db_rows *rows;
	long long v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (panel__db_query(&rows, p->db, sql, DB_NOARGS) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
	if (panel__db_rows_count(rows) == 0)
		v = -2;
	else if (!panel__db_cell(rows, 0, 0))
		v = -1;
	else
		v = strtoll(panel__db_cell(rows, 0, 0), NULL, 10);
	panel__db_rows_free(rows);
	return v;
}

/* The first cell as text into out ("" for NULL or no row). */
static inline void text(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void text(char *out, size_t outsz, const char *fmt, ...)
{
	char sql[2048];
	panel_db_rows *rows;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (panel__db_query(&rows, p->db, sql, DB_NOARGS) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
	snprintf(out, outsz, "%s",
		 panel__db_rows_count(rows) && panel__db_cell(rows, 0, 0)
		     ? panel__db_cell(rows, 0, 0)
		     : "");
	panel__db_rows_free(rows);
}

static inline void add_account_hash(uint32_t uid, const char *login, const char *hash, int su,
				    int enabled)
{
	if (panel__db_exec(
		NULL, p->db,
		"INSERT INTO membres (uid, login, pass, mail, su, enabled, creator, notes)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, '')",
		DB_ARGS(DB_U64(uid), DB_STR(login), DB_STR(hash), DB_STR("x@example.org"),
			DB_U64(su), DB_U64(enabled), DB_U64(SUPER))) < 0)
		fail_msg("insert %s: %s", login, panel_error_last()->message);
}

static inline void add_account(uint32_t uid, const char *login, const char *password, int su,
			       int enabled)
{
	char hash[PANEL_HASH_MAX];

	assert_panel_ok(panel_password_hash(hash, sizeof(hash), password, PANEL_HASH_ARGON2ID));
	add_account_hash(uid, login, hash, su, enabled);
}

static inline void sha256_hex(char hex[65], const char *s)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	assert_int_equal(crypto_hash_sha256(h, (const unsigned char *)s, strlen(s)), 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* How many rows of table have a text column containing needle (bound, not interpolated). */
static inline uint64_t rows_containing(const char *table, const char *columns, const char *needle)
{
	char sql[512];
	uint64_t n = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM %s WHERE LOCATE(?, CONCAT_WS('|', %s)) > 0", table, columns);
	if (panel__db_query_u64(&n, p->db, sql, DB_ARGS(DB_STR(needle))) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
	return n;
}

static inline void assert_error(int got, int code, const char *field)
{
	if (got != code)
		fail_msg("expected %s, got %s (%s)", panel_error_name(code), panel_error_name(got),
			 panel_error_last()->message);
	if (field) {
		assert_non_null(panel_error_last()->field);
		assert_string_equal(panel_error_last()->field, field);
	}
}

static inline int login(panel_principal *who, char *token, const char *user, const char *password,
			const char *ip)
{
	return panel_auth_login(who, token, PANEL_TOKEN_MAX, p, user, password, ip, 0);
}

static inline long long failures(const char *key)
{
	return num("SELECT failures FROM panel_login_failures WHERE scope_key = '%s'", key);
}

/* The group setup: a fresh database named after prefix, the handle p, the schema migrated. */
static inline int auth_setup(const char *prefix)
{
	panel_actor sys = panel_actor_system();

	if (th_cluster_shared(&cluster) != 0)
		return -1;
	if (th_database_create(cluster, prefix, dbname, sizeof(dbname)) != 0)
		return -1;
	p = ts_panel_open(cluster, dbname);
	if (panel_schema_migrate(NULL, NULL, p, &sys) != 0) {
		fprintf(stderr, "migrate: %s\n", panel_error_last()->message);
		return -1;
	}
	return 0;
}

static inline int auth_teardown(void)
{
	panel_close(p);
	th_database_drop(cluster, dbname);
	th_cluster_free(cluster);
	return 0;
}

/* The first test of a group: the super admin, a member, two admins and a member whose hash is
 * AlternC 1.0's MD5-crypt. */
static inline void accounts(void **state)
{
	(void)state;
	add_account(SUPER, "admin", "super-secret-1", 1, 1);
	add_account(ALICE, "alice", "alice-secret-1", 0, 1);
	add_account(BOB, "bob", "bob-secret-1", 1, 1);
	add_account(HANK, "hank", "hank-secret-1", 1, 1);
	/* openssl passwd -1 -salt Zq3xK9aB hunter2-legacy */
	add_account_hash(LEGACY, "legacy", "$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31", 0, 1);
	assert_int_equal(num("SELECT COUNT(*) FROM membres"), 5);
}

#endif
