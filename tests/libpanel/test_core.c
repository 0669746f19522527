/* Unit tests of the libpanel core that need no server: the error model, actors, the syntax
 * checks, the configuration reader and the password hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "error.h"
#include "panel/panel.h"
#include "ts_panel.h"
#include "validate.h"

/* ---------------------------------------------------------------- errors */

static void errors_carry_code_message_and_field(void **state)
{
	(void)state;
	panel_error_clear();
	assert_int_equal(panel_error_last()->code, PANEL_OK);
	assert_string_equal(panel_error_last()->message, "");
	assert_null(panel_error_last()->field);
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_NONE);

	assert_panel_rc(panel__error(PANEL_EINVALID, "login", "bad %s", "login"), PANEL_EINVALID);
	assert_int_equal(panel_error_last()->code, PANEL_EINVALID);
	assert_string_equal(panel_error_last()->message, "bad login");
	assert_string_equal(panel_error_last()->field, "login");
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_INPUT);

	/* The class follows the code, unless the database server reported the error. */
	panel__error(PANEL_EEXISTS, "domain", "taken");
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_CONFLICT);
	panel__error(PANEL_EAUTH, NULL, "wrong password");
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_AUTH);
	panel__error(PANEL_ENOTFOUND, NULL, "no such account");
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_NOT_FOUND);
	panel__error_oom();
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_INTERNAL);
	assert_int_equal(panel__error_db(PANEL_EEXISTS, "database: %s", "Duplicate entry"),
			 PANEL_EEXISTS);
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_DATABASE);
	assert_null(panel_error_last()->field);
	panel__error_saved saved_db;
	panel__error_save(&saved_db);
	panel__error(PANEL_ERROR, NULL, "cleanup failed");
	assert_int_equal(panel__error_restore(&saved_db), PANEL_EEXISTS);
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_DATABASE);
	panel__error(PANEL_EINVALID, "login", "bad %s", "login");

	/* The last message may be passed back in (wrapping an error from below). */
	assert_panel_rc(panel__error(PANEL_EINVALID, "dir", "%s", panel_error_last()->message),
			PANEL_EINVALID);
	assert_string_equal(panel_error_last()->message, "bad login");
	assert_string_equal(panel_error_last()->field, "dir");
	panel__error(PANEL_EINVALID, "login", "bad %s", "login");

	panel__error_saved saved;
	panel__error_save(&saved);
	panel__error(PANEL_ERROR, NULL, "cleanup failed");
	assert_panel_rc(panel__error_restore(&saved), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "login");
	assert_string_equal(panel_error_last()->message, "bad login");
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_INPUT);
	panel_error_clear();
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_NONE);
}

static void error_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(panel_error_name(PANEL_OK), "ok");
	assert_string_equal(panel_error_name(PANEL_EINVALID), "invalid");
	assert_string_equal(panel_error_name(PANEL_ENOTFOUND), "not_found");
	assert_string_equal(panel_error_name(PANEL_EEXISTS), "exists");
	assert_string_equal(panel_error_name(PANEL_EQUOTA), "quota");
	assert_string_equal(panel_error_name(PANEL_EFORBIDDEN), "forbidden");
	assert_string_equal(panel_error_name(PANEL_EAUTH), "auth");
	assert_string_equal(panel_error_name(PANEL_EUNAVAILABLE), "unavailable");
	assert_string_equal(panel_error_name(PANEL_ECONFLICT), "conflict");
	assert_string_equal(panel_error_name(PANEL_ERROR), "internal");
	assert_string_equal(panel_error_name(-1000), "unknown");
	assert_true(panel_error_is_retryable(PANEL_EUNAVAILABLE));
	assert_false(panel_error_is_retryable(PANEL_ECONFLICT));
}

/* ---------------------------------------------------------------- actors */

static void actors_are_checked(void **state)
{
	(void)state;
	panel_actor sys = panel_actor_system(), adm = panel_actor_admin(2000),
		    mem = panel_actor_member(2001), as = panel_actor_admin_as(2000, 2001);

	assert_panel_ok(panel_actor_check(&sys));
	assert_panel_ok(panel_actor_check(&adm));
	assert_panel_ok(panel_actor_check(&mem));
	assert_panel_ok(panel_actor_check(&as));
	assert_panel_rc(panel_actor_check(NULL), PANEL_EINVALID);

	panel_actor bad = panel_actor_member(0);
	assert_panel_rc(panel_actor_check(&bad), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "actor");
	bad = panel_actor_member(2001);
	bad.as_uid = 2002; /* a member cannot act as someone else */
	assert_panel_rc(panel_actor_check(&bad), PANEL_EINVALID);
	bad = panel_actor_admin(0);
	assert_panel_rc(panel_actor_check(&bad), PANEL_EINVALID);
	bad = (panel_actor){.kind = (panel_actor_kind)42, .uid = 1};
	assert_panel_rc(panel_actor_check(&bad), PANEL_EINVALID);
	bad = panel_actor_system();
	bad.uid = 3;
	assert_panel_rc(panel_actor_check(&bad), PANEL_EINVALID);

	assert_int_equal(panel_actor_subject(&mem), 2001);
	assert_int_equal(panel_actor_subject(&as), 2001);
	assert_panel_ok(panel_actor_subject(&adm));
	assert_panel_ok(panel_actor_subject(&sys));
	assert_true(panel_actor_is_privileged(&adm));
	assert_true(panel_actor_is_privileged(&as));
	assert_true(panel_actor_is_privileged(&sys));
	assert_false(panel_actor_is_privileged(&mem));
	assert_false(panel_actor_is_privileged(NULL));
}

/* ---------------------------------------------------------------- syntax checks */

static void syntax_checks(void **state)
{
	(void)state;
	unsigned long n;

	assert_true(panel__valid_fqdn("example.org"));
	assert_true(panel__valid_fqdn("a-b.c0.example.ORG"));
	assert_false(panel__valid_fqdn("localhost"));
	assert_false(panel__valid_fqdn("-bad.example.org"));
	assert_false(panel__valid_fqdn("bad-.example.org"));
	assert_false(panel__valid_fqdn("example.org."));
	assert_false(panel__valid_fqdn("exa mple.org"));
	assert_false(panel__valid_fqdn("ex\nample.org"));
	assert_false(panel__valid_fqdn("caf\xc3\xa9.org"));
	assert_false(panel__valid_fqdn(""));
	assert_false(panel__valid_fqdn(NULL));
	char label[80];
	memset(label, 'a', 64);
	strcpy(label + 64, ".org");
	assert_false(panel__valid_fqdn(label)); /* a 64-character label */
	memset(label, 'a', 63);
	strcpy(label + 63, ".org");
	assert_true(panel__valid_fqdn(label)); /* 63 is the longest label */

	assert_true(panel__valid_host("localhost"));
	assert_true(panel__valid_host("127.0.0.1"));
	assert_true(panel__valid_host("::1"));
	assert_false(panel__valid_host("a;b"));

	assert_true(panel__valid_ipv4("192.0.2.1"));
	assert_false(panel__valid_ipv4("192.0.2.256"));
	assert_false(panel__valid_ipv4("192.0.2"));
	assert_true(panel__valid_ipv6("2001:db8::1"));
	assert_false(panel__valid_ipv6("2001:db8::g"));

	assert_true(panel__valid_identifier("alternc_1", 64));
	assert_false(panel__valid_identifier("alt`ernc", 64));
	assert_false(panel__valid_identifier("abc", 2));
	assert_false(panel__valid_identifier("", 2));

	assert_true(panel__parse_ulong(&n, "3306", 1, 65535));
	assert_int_equal(n, 3306);
	assert_false(panel__parse_ulong(&n, "0", 1, 65535));
	assert_false(panel__parse_ulong(&n, "70000", 1, 65535));
	assert_false(panel__parse_ulong(&n, "-1", 0, 10));
	assert_false(panel__parse_ulong(&n, "12abc", 0, 100));
	assert_false(panel__parse_ulong(&n, "", 0, 100));

	assert_true(panel__printable("plain text é"));
	assert_false(panel__printable("line\nbreak"));
	assert_false(panel__printable("tab\there"));
}

/* ---------------------------------------------------------------- configuration */

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/panel-test-config-XXXXXX");
	int fd = mkstemp(path);
	size_t len = strlen(content);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

static void config_defaults_and_overrides(void **state)
{
	(void)state;
	panel_config *cfg;
	unsigned long port;

	assert_panel_ok(panel_config_new(&cfg));
	assert_string_equal(panel_config_get(cfg, "database", "host"), "127.0.0.1");
	assert_string_equal(panel_config_get(cfg, "database", "name"), "alternc");
	assert_string_equal(panel_config_get(cfg, "hosting", "root"), "/var/alternc");
	assert_string_equal(panel_config_get(cfg, "member_database", "client_host"), "localhost");
	assert_null(panel_config_get(cfg, "database", "nope"));
	assert_panel_ok(panel_config_get_uint(&port, cfg, "database", "port"));
	assert_int_equal(port, 3306);

	assert_panel_ok(panel_config_set(cfg, "database", "port", "3307"));
	assert_string_equal(panel_config_get(cfg, "database", "port"), "3307");
	assert_panel_rc(panel_config_set(cfg, "database", "port", "99999"), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "database.port");
	assert_string_equal(panel_config_get(cfg, "database", "port"), "3307");
	assert_panel_rc(panel_config_set(cfg, "database", "colour", "blue"), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "database.colour");
	assert_panel_rc(panel_config_set(cfg, "database", "name", "x`; DROP"), PANEL_EINVALID);
	assert_panel_rc(panel_config_set(cfg, "hosting", "public_ip", "1.2.3"), PANEL_EINVALID);
	assert_panel_ok(panel_config_set(cfg, "hosting", "public_ip", "192.0.2.10"));
	assert_panel_ok(panel_config_set(cfg, "hosting", "fqdn", "panel.example.org"));
	assert_panel_rc(panel_config_set(cfg, "hosting", "fqdn", "not a name"), PANEL_EINVALID);
	assert_panel_ok(panel_config_set(cfg, "member_database", "client_host", "%"));
	assert_panel_rc(panel_config_set(cfg, "hosting", "root", "relative/path"), PANEL_EINVALID);
	/* Sections libpanel does not own are kept for the front ends, unvalidated. */
	assert_panel_ok(panel_config_set(cfg, "api", "listen", "127.0.0.1:8080"));
	assert_string_equal(panel_config_get(cfg, "api", "listen"), "127.0.0.1:8080");
	assert_panel_rc(panel_config_set(cfg, "api", "banner", "two\nlines"), PANEL_EINVALID);
	assert_panel_rc(panel_config_set(cfg, "bad section", "k", "v"), PANEL_EINVALID);
	panel_config_free(cfg);
	panel_config_free(NULL);
}

static void config_file_is_read_and_checked(void **state)
{
	(void)state;
	panel_config *cfg;
	char *secret = write_temp("s3cret-from-file\nsecond line ignored\n");
	char body[1024];

	snprintf(body, sizeof(body),
		 "; panel configuration\n"
		 "[database]\n"
		 "host = db.example.org\n"
		 "port = 3310\n"
		 "password_file = %s\n"
		 "[hosting]\n"
		 "fqdn = panel.example.org\n"
		 "public_ip = 192.0.2.10\n"
		 "[api]\n"
		 "threads = 8\n",
		 secret);
	char *path = write_temp(body);
	assert_panel_ok(panel_config_load(&cfg, path));
	assert_string_equal(panel_config_get(cfg, "database", "host"), "db.example.org");
	assert_string_equal(panel_config_get(cfg, "database", "port"), "3310");
	assert_string_equal(panel_config_get(cfg, "database", "name"), "alternc"); /* default */
	assert_string_equal(panel_config_get(cfg, "api", "threads"), "8");
	panel_config_free(cfg);
	unlink(path);
	free(path);

	path = write_temp("[database]\nhost = ok.example.org\nprot = 3306\n");
	assert_panel_rc(panel_config_load(&cfg, path), PANEL_EINVALID);
	assert_null(cfg);
	assert_string_equal(panel_error_last()->field, "database.prot");
	assert_non_null(strstr(panel_error_last()->message, ":3:"));
	unlink(path);
	free(path);

	path = write_temp("[database\nhost = x\n");
	assert_panel_rc(panel_config_load(&cfg, path), PANEL_EINVALID);
	unlink(path);
	free(path);

	assert_panel_rc(panel_config_load(&cfg, "/nonexistent/panel.conf"), PANEL_EINVALID);
	assert_non_null(strstr(panel_error_last()->message, "/nonexistent/panel.conf"));
	unlink(secret);
	free(secret);
}

/* A front end claims the keys it reads in its section; another key there is refused with its
 * line, one of another section is not looked at. */
static void config_unclaimed_key_is_refused(void **state)
{
	(void)state;
	panel_config *cfg;
	char *path = write_temp("[api]\n"
				"listen = 127.0.0.1:8080\n"
				"\n"
				"thread = 8\n"
				"[other]\n"
				"anything = 1\n");

	assert_panel_ok(panel_config_load(&cfg, path));
	assert_string_equal(panel_config_claim(cfg, "api", "listen"), "127.0.0.1:8080");
	assert_null(panel_config_claim(cfg, "api", "threads"));
	assert_panel_rc(panel_config_check_claimed(cfg, "api"), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "api.thread");
	assert_non_null(
	    strstr(panel_error_last()->message, ":4: configuration: unknown key api.thread"));
	assert_non_null(strstr(panel_error_last()->message, path));
	assert_string_equal(panel_config_claim(cfg, "api", "thread"), "8");
	assert_panel_ok(panel_config_check_claimed(cfg, "api"));
	assert_panel_ok(panel_config_check_claimed(cfg, "absent"));
	panel_config_free(cfg);
	unlink(path);
	free(path);

	/* A value set by the program has no line. */
	assert_panel_ok(panel_config_new(&cfg));
	assert_panel_ok(panel_config_set(cfg, "api", "banner", "hello"));
	assert_panel_rc(panel_config_check_claimed(cfg, "api"), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->message, "configuration: unknown key api.banner");
	panel_config_free(cfg);
}

/* ---------------------------------------------------------------- passwords */

static void argon2id_round_trip(void **state)
{
	(void)state;
	char h1[PANEL_HASH_MAX], h2[PANEL_HASH_MAX];
	int upgrade = -1;

	assert_panel_ok(panel_password_hash(h1, sizeof(h1), "correct horse", PANEL_HASH_ARGON2ID));
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_panel_ok(panel_password_hash(h2, sizeof(h2), "correct horse", PANEL_HASH_ARGON2ID));
	assert_string_not_equal(h1, h2); /* salted */
	assert_panel_ok(panel_password_verify(h1, "correct horse", &upgrade));
	assert_int_equal(upgrade, 0);
	assert_panel_rc(panel_password_verify(h1, "correct horsE", &upgrade), PANEL_EAUTH);
	assert_panel_rc(panel_password_verify(h1, "", &upgrade), PANEL_EAUTH);
	assert_panel_rc(panel_password_hash(h1, sizeof(h1), "", PANEL_HASH_ARGON2ID),
			PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "password");
	assert_panel_rc(panel_password_hash(h1, 16, "x", PANEL_HASH_ARGON2ID), PANEL_ERROR);
}

static void weaker_argon2_parameters_ask_for_an_upgrade(void **state)
{
	(void)state;
	char weak[crypto_pwhash_STRBYTES];
	int upgrade = 0;

	/* Valid argon2id, but cheaper than libpanel's parameters. */
	assert_int_equal(crypto_pwhash_str_alg(weak, "pw", 2, crypto_pwhash_OPSLIMIT_MIN,
					       crypto_pwhash_MEMLIMIT_MIN,
					       crypto_pwhash_ALG_ARGON2ID13),
			 0);
	assert_panel_ok(panel_password_verify(weak, "pw", &upgrade));
	assert_int_equal(upgrade, 1);
	/* argon2i (not id) is verified and upgraded too. */
	upgrade = 0;
	assert_int_equal(crypto_pwhash_str_alg(weak, "pw", 2, crypto_pwhash_argon2i_OPSLIMIT_MIN,
					       crypto_pwhash_argon2i_MEMLIMIT_MIN,
					       crypto_pwhash_ALG_ARGON2I13),
			 0);
	assert_panel_ok(panel_password_verify(weak, "pw", &upgrade));
	assert_int_equal(upgrade, 1);
	assert_panel_rc(panel_password_verify(weak, "pW", &upgrade), PANEL_EAUTH);
}

static void sha512_crypt_for_the_daemons(void **state)
{
	(void)state;
	char h[PANEL_HASH_MAX], tagged[PANEL_HASH_MAX + 32];
	int upgrade = -1;

	assert_panel_ok(panel_password_hash(h, sizeof(h), "mailbox pw", PANEL_HASH_SHA512_CRYPT));
	assert_int_equal(strncmp(h, "$6$", 3), 0);
	assert_panel_ok(panel_password_verify(h, "mailbox pw", &upgrade));
	assert_int_equal(upgrade, 0);
	assert_panel_rc(panel_password_verify(h, "mailbox pW", NULL), PANEL_EAUTH);
	/* Dovecot's "{SCHEME}" prefix is understood. */
	snprintf(tagged, sizeof(tagged), "{SHA512-CRYPT}%s", h);
	assert_panel_ok(panel_password_verify(tagged, "mailbox pw", NULL));
	assert_panel_rc(panel_password_hash(h, sizeof(h), "x", (panel_hash_scheme)99),
			PANEL_EINVALID);
}

static void alternc_legacy_hashes_verify_and_ask_for_an_upgrade(void **state)
{
	(void)state;
	int upgrade = 0;

	/* MD5-crypt as AlternC 1.0 wrote membres.pass and mail_users.password
	 * (openssl passwd -1 -salt Zq3xK9aB hunter2-legacy). */
	const char *md5 = "$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31";
	assert_panel_ok(panel_password_verify(md5, "hunter2-legacy", &upgrade));
	assert_int_equal(upgrade, 1);
	assert_panel_rc(panel_password_verify(md5, "hunter2-Legacy", &upgrade), PANEL_EAUTH);
	assert_panel_ok(panel_password_verify("{MD5-CRYPT}$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31",
					      "hunter2-legacy", NULL));

	/* Traditional DES as MySQL ENCRYPT() wrote ftpusers.encrypted_password
	 * (perl -e 'print crypt("ftp4life","ab")'). */
	upgrade = 0;
	assert_panel_ok(panel_password_verify("abssq7BSnbjC.", "ftp4life", &upgrade));
	assert_int_equal(upgrade, 1);
	assert_panel_rc(panel_password_verify("abssq7BSnbjC.", "ftp4lifE", NULL), PANEL_EAUTH);
	/* DES only reads 8 characters: the reason it must be upgraded. */
	assert_panel_ok(panel_password_verify("abssq7BSnbjC.", "ftp4life-and-more", NULL));

	/* Not hashes at all. */
	assert_panel_rc(panel_password_verify("plaintext-password", "plaintext-password", NULL),
			PANEL_EINVALID);
	assert_panel_rc(panel_password_verify("", "x", NULL), PANEL_EINVALID);
	assert_panel_rc(panel_password_verify(NULL, "x", NULL), PANEL_EINVALID);
	assert_panel_rc(panel_password_verify("$1$broken", "x", NULL), PANEL_EAUTH);
	assert_panel_rc(panel_password_verify("$9$unknown$scheme", "x", NULL), PANEL_EINVALID);
}

/* A stored hash is checked at the cost its parameters ask, before the password is known to be
 * right: past libpanel's limits it is refused at once, not computed (an imported "$2b$31$" was
 * a day of CPU per login attempt, made without credentials), and never imported. */
static void hashes_past_the_work_limits_are_refused(void **state)
{
	(void)state;
	char h[PANEL_HASH_MAX], fill[100];
	int upgrade = 0;

	memset(fill, 'a', sizeof(fill));
	fill[sizeof(fill) - 1] = '\0';
	const struct {
		const char *prefix;
		size_t fill;
		int known;
	} cases[] = {
	    {"$2b$31$abcdefghijklmnopqrstuu", 31, 0}, /* bcrypt, 2^31 rounds */
	    {"$2y$16$abcdefghijklmnopqrstuu", 31, 0},
	    {"$2y$15$abcdefghijklmnopqrstuu", 31, 1}, /* bcrypt_cost's largest */
	    {"$6$rounds=999999999$saltsalt$", 86, 0},
	    {"$6$rounds=5000001$saltsalt$", 86, 0},
	    {"$6$rounds=99999999999999999999999$saltsalt$", 86, 0},
	    {"$6$rounds=5000000$saltsalt$", 86, 1}, /* sha512_rounds' largest */
	    {"$5$rounds=999999999$saltsalt$", 43, 0},
	    {"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$", 43, 0}, /* 4 GiB */
	    {"$argon2id$v=19$m=65536,t=100,p=1$c2FsdHNhbHRzYWx0$", 43, 0},
	    {"$argon2id$v=19$m=65536,t=2,p=64$c2FsdHNhbHRzYWx0$", 43, 0},
	    {"$argon2i$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$", 43, 0},
	    {"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$", 43, 1},
	    {"_zzzzsalt", 11, 0},		 /* BSDi, 16,777,215 iterations */
	    {"$y$j9T$saltsaltsaltsalt$", 43, 0}, /* yescrypt: no one here wrote it */
	    {"$7$CU..../....saltsalt$", 43, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(h, sizeof(h), "%s%.*s", cases[i].prefix, (int)cases[i].fill, fill);
		if (panel_password_hash_known(h) != cases[i].known)
			fail_msg("%s: known %d, want %d", h, !cases[i].known, cases[i].known);
		if (!cases[i].known) {
			assert_panel_rc(panel_password_verify(h, "any password", &upgrade),
					PANEL_EINVALID);
			assert_string_equal(panel_error_last()->field, "hash");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(errors_carry_code_message_and_field),
	    cmocka_unit_test(error_names_are_stable),
	    cmocka_unit_test(actors_are_checked),
	    cmocka_unit_test(syntax_checks),
	    cmocka_unit_test(config_defaults_and_overrides),
	    cmocka_unit_test(config_file_is_read_and_checked),
	    cmocka_unit_test(config_unclaimed_key_is_refused),
	    cmocka_unit_test(argon2id_round_trip),
	    cmocka_unit_test(weaker_argon2_parameters_ask_for_an_upgrade),
	    cmocka_unit_test(sha512_crypt_for_the_daemons),
	    cmocka_unit_test(alternc_legacy_hashes_verify_and_ask_for_an_upgrade),
	    cmocka_unit_test(hashes_past_the_work_limits_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
