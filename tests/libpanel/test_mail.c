/* Tests of mail addresses and FTP accounts against a real MariaDB: the exact lookups postfix,
 * dovecot and proftpd run on these tables, hashes checked by doveadm and crypt(3), refusals,
 * ownership, temporary addresses, self-service with throttling, and the mail quota under
 * concurrency. */
#include <crypt.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor sys, super, alice, bob;

/* The support library's helpers, bound to this test's cluster, database and admin. */
#define number(...)   ts_number(cluster, __VA_ARGS__)
#define sql(...)      ts_exec(cluster, db, __VA_ARGS__)
#define member(login) ts_member(p, &super, login)

/* The first column of the lookup query with %s replaced by key (no quote in our keys), as a
 * daemon would run it; "" when there is no row. */
static const char *lookup(const char *query, const char *key)
{
	static char value[2048];
	char q[1024];
	MYSQL *m = th_connect(cluster, 0, db);
	MYSQL_RES *res;
	MYSQL_ROW row;

	assert_non_null(m);
	assert_null(strchr(key, '\''));
	const char *hole = strstr(query, "%s");
	assert_non_null(hole);
	snprintf(q, sizeof(q), "%.*s%s%s", (int)(hole - query), query, key, hole + 2);
	if (mysql_query(m, q) != 0)
		fail_msg("%s: %s", q, mysql_error(m));
	res = mysql_store_result(m);
	row = res ? mysql_fetch_row(res) : NULL;
	snprintf(value, sizeof(value), "%s", row && row[0] ? row[0] : "");
	mysql_free_result(res);
	mysql_close(m);
	return value;
}

/* Postfix (AlternC's postfix map templates) and dovecot (dovecot-sql.conf) queries. */
#define VIRTUAL_ALIAS	"SELECT alias FROM mail_domain WHERE mail='%s'"
#define LOCAL_ALIAS	"SELECT alias FROM mail_alias WHERE mail='%s'"
#define VIRTUAL_MAILBOX "SELECT path FROM mail_users WHERE alias='%s'"
#define VIRTUAL_GID	"SELECT uid FROM mail_users WHERE alias='%s'"
#define DOVECOT_PASS                                                                               \
	"SELECT password, alias AS user, path AS userdb_home, 33 AS userdb_uid, uid AS "           \
	"userdb_gid FROM mail_users WHERE alias='%s'"
#define DOVECOT_USER                                                                               \
	"SELECT path AS home, 33 AS uid, mail_users.uid AS gid FROM mail_users WHERE alias='%s'"
#define PROFTPD_USER                                                                               \
	"SELECT encrypted_password, name, 33, uid, homedir FROM ftpusers WHERE name='%s'"

/* doveadm pw -t: does dovecot accept password for this stored hash? */
static int dovecot_verifies(const char *hash, const char *password)
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		int null = open("/dev/null", 1);
		dup2(null, 1);
		dup2(null, 2);
		execlp("doveadm", "doveadm", "pw", "-t", hash, "-p", password, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void domain_for(const panel_actor *who, const char *name, int mx)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d;

	spec.domain = name;
	spec.mx = mx;
	if (panel_domain_add(&d, p, who, NULL, &spec) != 0)
		fail_msg("%s: %s", name, panel_error_last()->message);
	panel_domain_free(d);
}

static int setup(void **state)
{
	(void)state;
	static const char *const settings[] = {
	    "hosting", "fqdn", "panel.host.example", "hosting", "root", "/srv/alternc", NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "mail", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = panel_actor_member(member("alice"));
	bob = panel_actor_member(member("bob"));
	sql("UPDATE quotas SET total = 40 WHERE name IN ('dom', 'mail', 'ftp')");
	domain_for(&alice, "alice.org", 1);
	domain_for(&alice, "nomail.org", 0);
	domain_for(&bob, "bob.org", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

static panel_mail *create(const panel_actor *who, const char *domain, const char *local,
			  const char *password, const char *const *recipients, int expect)
{
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	panel_mail *m = NULL;

	spec.local = local;
	spec.password = password;
	spec.recipients = recipients;
	int rc = panel_mail_create(&m, p, who, domain, &spec);
	if (rc != expect)
		fail_msg("%s@%s: %d, expected %d: %s", local, domain, rc, expect,
			 panel_error_last()->message);
	return m;
}

/* ---------------------------------------------------------------- what the daemons see */

static void mailbox_as_postfix_and_dovecot_see_it(void **state)
{
	(void)state;
	const char *fw[] = {"john.backup@example.net", NULL};
	panel_mail *m = create(&alice, "alice.org", "John", "Mail-Box-Pass-7", fw, 0);

	assert_string_equal(m->address, "john@alice.org");
	assert_true(m->mailbox);
	assert_string_equal(m->box, "john_alice.org");
	assert_string_equal(m->path, "/srv/alternc/mail/j/john_alice.org");
	assert_int_equal(m->nrecipients, 1);
	panel_mail_free(m);

	/* postfix: the address expands to the box's internal name and the forward... */
	assert_string_equal(lookup(VIRTUAL_ALIAS, "john@alice.org"),
			    "john_alice.org\njohn.backup@example.net");
	/* ...which local(8) delivers to the maildir. */
	assert_string_equal(lookup(LOCAL_ALIAS, "john_alice.org"),
			    "/srv/alternc/mail/j/john_alice.org/Maildir/");
	assert_string_equal(lookup(VIRTUAL_MAILBOX, "john@alice.org"),
			    "/srv/alternc/mail/j/john_alice.org");
	char gid[16];
	snprintf(gid, sizeof(gid), "%u", alice.uid);
	assert_string_equal(lookup(VIRTUAL_GID, "john@alice.org"), gid);
	/* The domain is a virtual domain for postfix through its marker row. */
	assert_string_equal(lookup(VIRTUAL_ALIAS, "alice.org"), "alice.org");
	assert_string_equal(lookup(VIRTUAL_ALIAS, "postmaster@alice.org"), "alice@example.org");
	/* dovecot: both login forms, the password accepted by doveadm itself. */
	char hash[512];
	snprintf(hash, sizeof(hash), "%s", lookup(DOVECOT_PASS, "john@alice.org"));
	assert_true(dovecot_verifies(hash, "Mail-Box-Pass-7"));
	assert_false(dovecot_verifies(hash, "Mail-Box-Pass-8"));
	snprintf(hash, sizeof(hash), "%s", lookup(DOVECOT_PASS, "john_alice.org"));
	assert_true(dovecot_verifies(hash, "Mail-Box-Pass-7"));
	assert_string_equal(lookup(DOVECOT_USER, "john@alice.org"),
			    "/srv/alternc/mail/j/john_alice.org");
	/* The maildir is created by the cron side. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE action='mail_add' "
				"AND args LIKE '%%john_alice.org%%'",
				db),
			 1);
	/* No clear password anywhere. */
	assert_int_equal(number("SELECT (SELECT COUNT(*) FROM `%s`.mail_users WHERE password LIKE "
				"'%%Mail-Box%%') + (SELECT COUNT(*) FROM `%s`.panel_audit WHERE "
				"after_data LIKE '%%Mail-Box%%' OR after_data LIKE '%%SHA512%%') + "
				"(SELECT COUNT(*) FROM `%s`.panel_actions WHERE args LIKE "
				"'%%Mail-Box%%')",
				db, db, db),
			 0);
}

static void aliases_catch_all_and_deletion(void **state)
{
	(void)state;
	const char *fw[] = {"alice@owner.example", "@elsewhere.example", NULL};
	const char *catchall[] = {"alice@owner.example", NULL};

	panel_mail_free(create(&alice, "alice.org", "info", NULL, fw, 0));
	assert_string_equal(lookup(VIRTUAL_ALIAS, "info@alice.org"),
			    "alice@owner.example\n@elsewhere.example");
	assert_string_equal(lookup(VIRTUAL_MAILBOX, "info@alice.org"), ""); /* no box */
	panel_mail *m = create(&alice, "alice.org", "", NULL, catchall, 0);
	assert_string_equal(m->address, "@alice.org");
	panel_mail_free(m);
	assert_string_equal(lookup(VIRTUAL_ALIAS, "@alice.org"), "alice@owner.example");

	/* Deleted: every lookup answers nothing, the maildir is queued for removal. */
	const char *fw2[] = {"x@example.net", NULL};
	panel_mail_free(create(&alice, "alice.org", "gone", "Gone-Box-Pass-1", fw2, 0));
	assert_panel_ok(panel_mail_delete(p, &alice, "gone@alice.org"));
	assert_string_equal(lookup(VIRTUAL_ALIAS, "gone@alice.org"), "");
	assert_string_equal(lookup(LOCAL_ALIAS, "gone_alice.org"), "");
	assert_string_equal(lookup(VIRTUAL_MAILBOX, "gone@alice.org"), "");
	assert_string_equal(lookup(DOVECOT_PASS, "gone_alice.org"), "");
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE action='mail_del' "
				"AND args LIKE '%%gone_alice.org%%'",
				db),
			 1);
	assert_panel_rc(panel_mail_delete(p, &alice, "gone@alice.org"), PANEL_ENOTFOUND);

	/* Mail hosting switched off: postfix no longer takes the domain. */
	const char *fw3[] = {"x@example.net", NULL};
	domain_for(&alice, "switch.org", 1);
	panel_mail_free(create(&alice, "switch.org", "a", NULL, fw3, 0));
	panel_domain *d;
	assert_panel_ok(panel_domain_edit(&d, p, &alice, "switch.org", -1, 0, -1, NULL));
	panel_domain_free(d);
	assert_string_equal(lookup(VIRTUAL_ALIAS, "switch.org"), "");
	assert_string_equal(lookup(VIRTUAL_ALIAS, "a@switch.org"), "");
}

static void update_forwards_and_box(void **state)
{
	(void)state;
	const char *fw[] = {"one@example.net", NULL}, *fw2[] = {"two@example.net", NULL};
	panel_mail_spec ch = PANEL_MAIL_SPEC_INIT;
	panel_mail *m = NULL;

	panel_mail_free(create(&alice, "alice.org", "upd", NULL, fw, 0));
	/* A box is added with a password. */
	ch.password = "Added-Box-Pass-3";
	assert_panel_ok(panel_mail_update(&m, p, &alice, "upd@alice.org", &ch));
	assert_true(m->mailbox);
	panel_mail_free(m);
	assert_string_equal(lookup(VIRTUAL_ALIAS, "upd@alice.org"),
			    "upd_alice.org\none@example.net");
	assert_true(dovecot_verifies(lookup(DOVECOT_PASS, "upd@alice.org"), "Added-Box-Pass-3"));
	/* Forwards replaced. */
	ch = (panel_mail_spec)PANEL_MAIL_SPEC_INIT;
	ch.recipients = fw2;
	assert_panel_ok(panel_mail_update(&m, p, &alice, "upd@alice.org", &ch));
	panel_mail_free(m);
	assert_string_equal(lookup(VIRTUAL_ALIAS, "upd@alice.org"),
			    "upd_alice.org\ntwo@example.net");
	/* The box removed: forwards only, maildir queued for removal. */
	ch = (panel_mail_spec)PANEL_MAIL_SPEC_INIT;
	ch.mailbox = 0;
	assert_panel_ok(panel_mail_update(&m, p, &alice, "upd@alice.org", &ch));
	assert_false(m->mailbox);
	panel_mail_free(m);
	assert_string_equal(lookup(VIRTUAL_ALIAS, "upd@alice.org"), "two@example.net");
	assert_string_equal(lookup(DOVECOT_PASS, "upd@alice.org"), "");
	/* Without box nor forwards an address is refused. */
	const char *none[] = {NULL};
	ch = (panel_mail_spec)PANEL_MAIL_SPEC_INIT;
	ch.recipients = none;
	assert_panel_rc(panel_mail_update(&m, p, &alice, "upd@alice.org", &ch), PANEL_EINVALID);
	assert_string_equal(lookup(VIRTUAL_ALIAS, "upd@alice.org"), "two@example.net");
}

static void refusals_and_ownership(void **state)
{
	(void)state;
	const char *fw[] = {"x@example.net", NULL}, *bad_fw[] = {"not an address", NULL},
		   *inj[] = {"x@example.net\nroot@localhost", NULL};
	panel_mail *m = NULL;

	create(&alice, "alice.org", "bad local", NULL, fw, PANEL_EINVALID);
	create(&alice, "alice.org", "ends.", NULL, fw, PANEL_EINVALID);
	create(&alice, "alice.org", "x'y", NULL, fw, PANEL_EINVALID);
	/* A box's folder is mail/<first character>: "." and "-" the runner refuses there. As
	 * forwards alone (no folder) they are fine, as in 1.0. */
	create(&alice, "alice.org", ".y", "Box-Pass-Dot-1", NULL, PANEL_EINVALID);
	create(&alice, "alice.org", "-y", "Box-Pass-Dash-1", NULL, PANEL_EINVALID);
	panel_mail_free(create(&alice, "alice.org", ".fw", NULL, fw, PANEL_OK));
	assert_panel_ok(panel_mail_delete(p, &alice, ".fw@alice.org"));
	create(&alice, "alice.org", "ok", NULL, bad_fw, PANEL_EINVALID);
	create(&alice, "alice.org", "ok", NULL, inj, PANEL_EINVALID);
	create(&alice, "alice.org", "ok", NULL, NULL, PANEL_EINVALID);
	create(&alice, "alice.org", "john", NULL, fw, PANEL_EEXISTS);
	create(&alice, "nomail.org", "ok", NULL, fw, PANEL_ECONFLICT);
	/* bob on alice's domain, or reading alice's address: they do not exist for him. */
	create(&bob, "alice.org", "evil", NULL, fw, PANEL_ENOTFOUND);
	assert_panel_rc(panel_mail_get(&m, p, &bob, "john@alice.org"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_mail_delete(p, &bob, "john@alice.org"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_mail_password(p, &bob, "john@alice.org", "Hijack-Pass-1"),
			PANEL_ENOTFOUND);
	panel_mail_list *l;
	panel_mail_filter mf = PANEL_MAIL_FILTER_INIT;
	assert_panel_rc(panel_mail_list_get(&l, p, &bob, "alice.org", NULL), PANEL_ENOTFOUND);
	/* The pop policy applies to box passwords. */
	panel_policy pol = {.name = "pop", .minsize = 12, .maxsize = 64};
	assert_panel_ok(panel_policy_set(p, &super, &pol));
	create(&alice, "alice.org", "short", "Short-1", NULL, PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "password");
	pol.minsize = 0;
	assert_panel_ok(panel_policy_set(p, &super, &pol));

	/* Lists page through a domain's addresses, and filter by first letters. */
	mf.prefix = "in";
	assert_panel_ok(panel_mail_list_get(&l, p, &alice, "alice.org", &mf));
	assert_int_equal(l->total, 1);
	assert_string_equal(l->items[0].address, "info@alice.org");
	panel_mail_list_free(l);
	mf.prefix = NULL;
	mf.limit = 2;
	assert_panel_ok(panel_mail_list_get(&l, p, &alice, "alice.org", &mf));
	assert_int_equal(l->count, 2);
	assert_true(l->total >= 4);
	assert_true(l->next_cursor[0] != '\0');
	/* The next page starts after the cursor. */
	char last[256];
	snprintf(last, sizeof(last), "%s", l->items[1].address);
	mf.cursor = l->next_cursor;
	panel_mail_list *next;
	assert_panel_ok(panel_mail_list_get(&next, p, &alice, "alice.org", &mf));
	assert_true(next->count >= 1);
	assert_true(strcmp(next->items[0].address, last) > 0);
	panel_mail_list_free(next);
	panel_mail_list_free(l);
	mf.cursor = NULL;
	mf.version = 99;
	assert_panel_rc(panel_mail_list_get(&l, p, &alice, "alice.org", &mf), PANEL_EINVALID);
}

static void temporary_addresses_expire(void **state)
{
	(void)state;
	const char *fw[] = {"x@example.net", NULL};
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	panel_mail *m = NULL;
	unsigned purged = 0;

	spec.local = "temp";
	spec.recipients = fw;
	spec.expires = "2099-01-01 12:00:00";
	assert_panel_ok(panel_mail_create(&m, p, &alice, "alice.org", &spec));
	assert_string_equal(m->expires, "2099-01-01 12:00:00");
	panel_mail_free(m);
	spec.local = "bad";
	spec.expires = "tomorrow";
	assert_panel_rc(panel_mail_create(&m, p, &alice, "alice.org", &spec), PANEL_EINVALID);
	spec.expires = "2001-01-01";
	assert_panel_rc(panel_mail_create(&m, p, &alice, "alice.org", &spec), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "expires");
	assert_panel_rc(panel_mail_purge_expired(&purged, p, &alice), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_mail_purge_expired(&purged, p, &sys));
	assert_int_equal(purged, 0);
	sql("UPDATE mail_domain SET expiration_date = NOW() - INTERVAL 1 HOUR WHERE mail = "
	    "'temp@alice.org'");
	assert_panel_ok(panel_mail_purge_expired(&purged, p, &sys));
	assert_int_equal(purged, 1);
	assert_string_equal(lookup(VIRTUAL_ALIAS, "temp@alice.org"), "");
	assert_string_equal(lookup(VIRTUAL_ALIAS, "info@alice.org"), /* others stay */
			    "alice@owner.example\n@elsewhere.example");
}

struct self_racer {
	int i, rc;
};

/* One self-service change of john's password from Self-Loop-Pass-18, on a handle of its own. */
static void *self_race(void *arg)
{
	struct self_racer *r = arg;
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *own = NULL;
	char to[32], ip[32];

	r->rc = panel_open(&own, cfg);
	panel_config_free(cfg);
	if (r->rc)
		return NULL;
	snprintf(to, sizeof(to), "Self-Race-Pass-%d", r->i);
	snprintf(ip, sizeof(ip), "198.51.100.%d", 40 + r->i);
	r->rc = panel_mail_password_self(own, "john@alice.org", "Self-Loop-Pass-18", to, ip);
	panel_close(own);
	return NULL;
}

static void self_service_password(void **state)
{
	(void)state;
	assert_panel_rc(panel_mail_password_self(p, "john@alice.org", "wrong", "Self-Chosen-Pass-9",
						 "198.51.100.20"),
			PANEL_EAUTH);
	assert_panel_rc(panel_mail_password_self(p, "nobody@alice.org", "x", "Self-Chosen-Pass-9",
						 "198.51.100.20"),
			PANEL_EAUTH);
	assert_panel_ok(panel_mail_password_self(p, "john@alice.org", "Mail-Box-Pass-7",
						 "Self-Chosen-Pass-9", "198.51.100.20"));
	assert_true(dovecot_verifies(lookup(DOVECOT_PASS, "john@alice.org"), "Self-Chosen-Pass-9"));
	assert_true(dovecot_verifies(lookup(DOVECOT_PASS, "john_alice.org"), "Self-Chosen-Pass-9"));
	/* Guessing is slowed down: after 5 failures even the right password waits. */
	for (int i = 0; i < 5; i++)
		assert_panel_rc(panel_mail_password_self(p, "john@alice.org", "guess",
							 "Self-Chosen-Pass-10", "198.51.100.21"),
				PANEL_EAUTH);
	assert_panel_rc(panel_mail_password_self(p, "john@alice.org", "Self-Chosen-Pass-9",
						 "Self-Chosen-Pass-10", "198.51.100.21"),
			PANEL_ELIMIT);
	assert_true(dovecot_verifies(lookup(DOVECOT_PASS, "john@alice.org"), "Self-Chosen-Pass-9"));
	/* The owner still can (and resets the counter's effect on nobody else). */
	assert_panel_ok(panel_mail_password(p, &alice, "john@alice.org", "Owner-Reset-Pass-2"));
	assert_true(dovecot_verifies(lookup(DOVECOT_PASS, "john@alice.org"), "Owner-Reset-Pass-2"));

	/* Ten changes of a box's own password an hour: the eleventh is refused, with the wait,
	 * and changes nothing; an hour later it goes through. The owner's change counted none. */
	char from[32], to[32];
	for (int i = 1; i < 10; i++) {
		snprintf(from, sizeof(from), i == 1 ? "Owner-Reset-Pass-2" : "Self-Loop-Pass-%d",
			 i - 1);
		snprintf(to, sizeof(to), "Self-Loop-Pass-%d", i);
		assert_panel_ok(
		    panel_mail_password_self(p, "john@alice.org", from, to, "198.51.100.22"));
	}
	assert_panel_rc(panel_mail_password_self(p, "john@alice.org", "Self-Loop-Pass-9",
						 "Self-Loop-Pass-10", "198.51.100.22"),
			PANEL_ELIMIT);
	assert_non_null(strstr(panel_error_last()->message, "try again in "));
	assert_true(dovecot_verifies(lookup(DOVECOT_PASS, "john@alice.org"), "Self-Loop-Pass-9"));
	sql("UPDATE panel_audit SET at = at - INTERVAL 61 MINUTE WHERE action = "
	    "'mail.password_self' AND object_id = 'john@alice.org'");
	assert_panel_ok(panel_mail_password_self(p, "john@alice.org", "Self-Loop-Pass-9",
						 "Self-Loop-Pass-10", "198.51.100.22"));

	/* Eight at once with the right password, nine changes already in the hour: one passes
	 * (the tenth); the others find the password changed, or the limit reached. */
	for (int i = 11; i < 19; i++) {
		snprintf(from, sizeof(from), "Self-Loop-Pass-%d", i - 1);
		snprintf(to, sizeof(to), "Self-Loop-Pass-%d", i);
		assert_panel_ok(
		    panel_mail_password_self(p, "john@alice.org", from, to, "198.51.100.22"));
	}
	enum { SELVES = 8 };
	pthread_t t[SELVES];
	struct self_racer r[SELVES];
	for (int i = 0; i < SELVES; i++) {
		r[i] = (struct self_racer){.i = i, .rc = 99};
		assert_int_equal(pthread_create(&t[i], NULL, self_race, &r[i]), 0);
	}
	int passed = 0;
	for (int i = 0; i < SELVES; i++) {
		pthread_join(t[i], NULL);
		passed += r[i].rc == 0;
		assert_true(r[i].rc == 0 || r[i].rc == PANEL_EAUTH || r[i].rc == PANEL_ELIMIT);
	}
	assert_int_equal(passed, 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE action ="
				" 'mail.password_self' AND object_id = 'john@alice.org' AND at >"
				" NOW() - INTERVAL 1 HOUR",
				db),
			 10);
}

/* ---------------------------------------------------------------- quota race */

struct racer {
	int i, rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *own = NULL;
	const char *fw[] = {"x@example.net", NULL};
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	panel_mail *m = NULL;
	char local[16];

	r->rc = panel_open(&own, cfg);
	panel_config_free(cfg);
	if (r->rc)
		return NULL;
	snprintf(local, sizeof(local), "race%d", r->i);
	spec.local = local;
	spec.recipients = fw;
	r->rc = panel_mail_create(&m, own, &bob, "bob.org", &spec);
	panel_mail_free(m);
	panel_close(own);
	return NULL;
}

static void concurrent_creations_respect_the_mail_quota(void **state)
{
	(void)state;
	enum { THREADS = 8 };
	pthread_t t[THREADS];
	struct racer r[THREADS];
	int ok = 0, full = 0;
	long long used =
	    number("SELECT COUNT(*) FROM `%s`.mail_domain WHERE uid=%u AND type=0", db, bob.uid);

	sql("UPDATE quotas SET total = %lld WHERE uid = %u AND name = 'mail'", used + 3, bob.uid);
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct racer){.i = i, .rc = 99};
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ok += r[i].rc == 0;
		full += r[i].rc == PANEL_EQUOTA;
	}
	assert_int_equal(ok, 3);
	assert_int_equal(full, THREADS - 3);
}

/* ---------------------------------------------------------------- FTP */

static void ftp_accounts(void **state)
{
	(void)state;
	panel_ftp_spec spec = PANEL_FTP_SPEC_INIT;
	panel_ftp *f = NULL;
	panel_ftp_list *list = NULL;

	spec.prefix = "alice";
	spec.password = "Ftp-Pass-Alice-1";
	assert_panel_ok(panel_ftp_create(&f, p, &alice, NULL, &spec));
	assert_string_equal(f->name, "alice");
	assert_string_equal(f->dir, "/");
	assert_string_equal(f->homedir,
			    "/srv/alternc/html/a/alice/" /* 1.0 writes the root with its slash */);
	panel_ftp_free(f);
	spec.prefix = "alice.org";
	spec.suffix = "web";
	spec.dir = "/sites//shop/";
	spec.password = "Ftp-Pass-Shop-2";
	assert_panel_ok(panel_ftp_create(&f, p, &alice, NULL, &spec));
	assert_string_equal(f->name, "alice.org_web");
	assert_string_equal(f->dir, "/sites/shop");
	panel_ftp_free(f);

	/* proftpd's SQLUserInfo query, and its crypt(3) check of the password. */
	char hash[256];
	snprintf(hash, sizeof(hash), "%s", lookup(PROFTPD_USER, "alice.org_web"));
	struct crypt_data cd = {0};
	const char *c = crypt_r("Ftp-Pass-Shop-2", hash, &cd);
	assert_non_null(c);
	assert_string_equal(c, hash);
	c = crypt_r("Ftp-Pass-Shop-3", hash, &cd);
	assert_string_not_equal(c, hash);
	assert_string_equal(lookup("SELECT homedir FROM ftpusers WHERE name='%s'", "alice.org_web"),
			    "/srv/alternc/html/a/alice/sites/shop");

	/* Refusals: a prefix not the member's, escapes, duplicates, another member. */
	struct {
		const char *prefix, *suffix, *dir;
		int code;
		const char *field;
	} bad[] = {
	    {"bob", NULL, NULL, PANEL_EINVALID, "prefix"},
	    {"bob.org", "x", NULL, PANEL_EINVALID, "prefix"},
	    {"alice", "../x", NULL, PANEL_EINVALID, "suffix"},
	    {"alice", "sp ace", NULL, PANEL_EINVALID, "suffix"},
	    {"alice", "up", "/../../etc", PANEL_EINVALID, "dir"},
	    {"alice", "up", "relative/..", PANEL_EINVALID, "dir"},
	    /* The runner would refuse to make them: an option to a program. */
	    {"alice", "up", "/-rf", PANEL_EINVALID, "dir"},
	    {"alice", "up", "sites/-x", PANEL_EINVALID, "dir"},
	    {"alice", NULL, NULL, PANEL_EEXISTS, "name"},
	    /* The member's domain only as it is stored: the column's collation
	     * (utf8mb4_unicode_ci) finds alice.org for each of these, which became FTP names
	     * that are not the domain (proftpd's login, 1.0's prefix list). */
	    {"ALICE.ORG", "up", NULL, PANEL_EINVALID, "prefix"},
	    {"alice.org ", "up", NULL, PANEL_EINVALID, "prefix"},
	    {"al\xc3\xad"
	     "ce.org",
	     "up", NULL, PANEL_EINVALID, "prefix"},
	    {"\xef\xbd\x81"
	     "lice.org",
	     "up", NULL, PANEL_EINVALID, "prefix"},
	    {"Alice", "up", NULL, PANEL_EINVALID, "prefix"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		panel_ftp_spec s = PANEL_FTP_SPEC_INIT;
		s.prefix = bad[i].prefix;
		s.suffix = bad[i].suffix;
		s.dir = bad[i].dir;
		s.password = "Ftp-Pass-Bad-1";
		int rc = panel_ftp_create(&f, p, &alice, NULL, &s);
		if (rc != bad[i].code || strcmp(panel_error_last()->field, bad[i].field) != 0)
			fail_msg("case %zu: %d %s: %s", i, rc, panel_error_last()->field,
				 panel_error_last()->message);
	}
	assert_panel_rc(panel_ftp_get(&f, p, &bob, "alice"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_ftp_delete(p, &bob, "alice"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_ftp_password(p, &bob, "alice", "Stolen-Pass-1"), PANEL_ENOTFOUND);

	/* Update, password, list, delete. */
	panel_ftp_spec ch = PANEL_FTP_SPEC_INIT;
	ch.dir = "www"; /* relative to the web space */
	assert_panel_ok(panel_ftp_update(&f, p, &alice, "alice.org_web", &ch));
	assert_string_equal(f->homedir, "/srv/alternc/html/a/alice/www");
	panel_ftp_free(f);
	/* ftpusers.homedir is 1.0's VARCHAR(128): "/srv/alternc/html/a/alice/" and a folder of
	 * 102 characters fill it; one more was the server's "database error 1406". */
	char longdir[110];
	memset(longdir, 'd', 103);
	longdir[103] = '\0';
	ch.dir = longdir;
	assert_panel_rc(panel_ftp_update(&f, p, &alice, "alice.org_web", &ch), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "dir");
	panel_ftp_spec lf = PANEL_FTP_SPEC_INIT;
	lf.prefix = "alice";
	lf.suffix = "deep";
	lf.dir = longdir;
	lf.password = "Ftp-Pass-Deep-8";
	assert_panel_rc(panel_ftp_create(&f, p, &alice, NULL, &lf), PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "dir");
	longdir[102] = '\0';
	assert_panel_ok(panel_ftp_update(&f, p, &alice, "alice.org_web", &ch));
	assert_int_equal(strlen(f->homedir), 128);
	panel_ftp_free(f);
	ch.dir = "www";
	assert_panel_ok(panel_ftp_update(&f, p, &alice, "alice.org_web", &ch));
	panel_ftp_free(f);
	assert_panel_ok(panel_ftp_password(p, &alice, "alice", "New-Ftp-Pass-4"));
	snprintf(hash, sizeof(hash), "%s", lookup(PROFTPD_USER, "alice"));
	assert_string_equal(crypt_r("New-Ftp-Pass-4", hash, &cd), hash);
	assert_panel_ok(panel_ftp_list_get(&list, p, &alice, NULL));
	assert_int_equal(list->count, 2);
	assert_int_equal(list->total, 2);
	assert_string_equal(list->next_cursor, "");
	assert_string_equal(list->items[0].name, "alice");
	panel_ftp_list_free(list);
	assert_panel_ok(panel_ftp_delete(p, &alice, "alice.org_web"));
	assert_string_equal(lookup(PROFTPD_USER, "alice.org_web"), "");
	/* The ftp quota. */
	sql("UPDATE quotas SET total = 1 WHERE uid = %u AND name = 'ftp'", alice.uid);
	spec = (panel_ftp_spec)PANEL_FTP_SPEC_INIT;
	spec.prefix = "alice";
	spec.suffix = "more";
	spec.password = "Ftp-Pass-More-5";
	assert_panel_rc(panel_ftp_create(&f, p, &alice, NULL, &spec), PANEL_EQUOTA);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.ftpusers WHERE password <> '' OR "
				"encrypted_password LIKE '%%Pass%%'",
				db),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mailbox_as_postfix_and_dovecot_see_it),
	    cmocka_unit_test(aliases_catch_all_and_deletion),
	    cmocka_unit_test(update_forwards_and_box),
	    cmocka_unit_test(refusals_and_ownership),
	    cmocka_unit_test(temporary_addresses_expire),
	    cmocka_unit_test(self_service_password),
	    cmocka_unit_test(concurrent_creations_respect_the_mail_quota),
	    cmocka_unit_test(ftp_accounts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
