/* panelctl account import: accounts from JSON lines, one report per line in the file's order.
 * Passwords are hashed on every core by a small pool while the main thread does the inserts. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "import_hosting.h"

/* Longest line accepted: an account with notes at their 65535-byte limit fits easily. */
#define IMPORT_LINE_MAX (256 * 1024)

/* One line of an import file, parsed. Strings point into obj. */
typedef struct import_line {
	json_t *obj;
	panel_account_spec spec;
	const char *login; /* for the report, even when the line is otherwise invalid */
	char stored_login[PANEL_LOGIN_MAX + 1]; /* as libpanel stores it (lower case) */
	int code;				/* 0, or the PANEL_E* code of the first problem */
	char message[256];
	char field[64];
	json_t *domains; /* the line's domains and boxes (borrowed from obj), NULL: none */
	import_hosting_counts made;
	int account_made; /* the account was created, whatever became of its domains and boxes */
} import_line;

static int line_error(import_line *l, int code, const char *field, const char *message)
{
	l->code = code;
	snprintf(l->message, sizeof(l->message), "%s", message);
	snprintf(l->field, sizeof(l->field), "%s", field ? field : "");
	return code;
}

/* Copies libpanel's last error into the line's report; a message that would show the
 * password is withheld. */
static int line_panel_error(import_line *l)
{
	const panel_error *e = panel_error_last();
	const char *pw = l->spec.password;

	if (pw && strlen(pw) >= 3 && strstr(e->message, pw))
		return line_error(l, e->code, e->field,
				  "refused (message withheld: it held the password)");
	return line_error(l, e->code, e->field, e->message);
}

static int string_field(const char **out, import_line *l, const char *key, json_t *v)
{
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return line_error(l, PANEL_EINVALID, key, "must be a string");
	*out = json_string_value(v);
	return 0;
}

static int flag_field(int *out, import_line *l, const char *key, json_t *v)
{
	if (json_is_null(v))
		return 0;
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		*out = (int)json_integer_value(v);
	else
		return line_error(l, PANEL_EINVALID, key, "must be true or false");
	return 0;
}

static int domains_field(import_line *l, json_t *v)
{
	char field[64];
	const char *why = "";

	if (json_is_null(v))
		return 0;
	if (import_hosting_check(v, field, sizeof(field), &why) < 0)
		return line_error(l, PANEL_EINVALID, field, why);
	l->domains = v;
	return 0;
}

/* Parses one line into l->spec, with the checks that need no database. */
static int parse_line(import_line *l, const char *text, size_t len)
{
	json_error_t jerr;
	const char *key;
	json_t *v;
	int error;

	if (!(l->obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
		/* Jansson's text quotes the offending token ("near '...'"), which could be a
		 * password: keep only what precedes it. */
		char message[256];
		char *near;
		snprintf(message, sizeof(message), "not valid JSON at column %d: %s", jerr.column,
			 jerr.text);
		if ((near = strstr(message, " near ")))
			*near = '\0';
		return line_error(l, PANEL_EINVALID, NULL, message);
	}
	if (!json_is_object(l->obj))
		return line_error(l, PANEL_EINVALID, NULL, "each line must be a JSON object");
	if (json_is_string(json_object_get(l->obj, "login")))
		l->login = json_string_value(json_object_get(l->obj, "login"));
	json_object_foreach(l->obj, key, v)
	{
		if (!strcmp(key, "login"))
			error = string_field(&l->spec.login, l, key, v);
		else if (!strcmp(key, "password"))
			error = string_field(&l->spec.password, l, key, v);
		else if (!strcmp(key, "password_hash"))
			error = string_field(&l->spec.password_hash, l, key, v);
		else if (!strcmp(key, "domains"))
			error = domains_field(l, v);
		else if (!strcmp(key, "mail"))
			error = string_field(&l->spec.mail, l, key, v);
		else if (!strcmp(key, "nom"))
			error = string_field(&l->spec.nom, l, key, v);
		else if (!strcmp(key, "prenom"))
			error = string_field(&l->spec.prenom, l, key, v);
		else if (!strcmp(key, "type"))
			error = string_field(&l->spec.type, l, key, v);
		else if (!strcmp(key, "notes"))
			error = string_field(&l->spec.notes, l, key, v);
		else if (!strcmp(key, "enabled"))
			error = flag_field(&l->spec.enabled, l, key, v);
		else if (!strcmp(key, "canpass"))
			error = flag_field(&l->spec.canpass, l, key, v);
		else if (!strcmp(key, "admin"))
			error = flag_field(&l->spec.admin, l, key, v);
		else if (!strcmp(key, "duration")) {
			error = 0;
			if (json_is_integer(v) && json_integer_value(v) >= 0 &&
			    json_integer_value(v) <= INT_MAX)
				l->spec.duration = (int)json_integer_value(v);
			else if (!json_is_null(v))
				error = line_error(l, PANEL_EINVALID, key,
						   "must be a number of months, 0 or more");
		} else {
			error = line_error(l, PANEL_EINVALID, key, "unknown field");
		}
		if (error < 0)
			return error;
	}
	if (!l->spec.login)
		return line_error(l, PANEL_EINVALID, "login", "required");
	if (l->spec.password && l->spec.password_hash)
		return line_error(l, PANEL_EINVALID, "password_hash",
				  "give the password or its hash, not both");
	if ((!l->spec.password || !*l->spec.password) && !l->spec.password_hash)
		return line_error(l, PANEL_EINVALID, "password", "required (or password_hash)");
	if (!l->spec.mail || !*l->spec.mail)
		return line_error(l, PANEL_EINVALID, "mail", "required");
	return 0;
}

/* The login as libpanel stores it (lower case); "" when it cannot be one. */
static void stored_login(char out[PANEL_LOGIN_MAX + 1], const char *login)
{
	size_t n = strlen(login);

	out[0] = '\0';
	if (n == 0 || n > PANEL_LOGIN_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)login[i]);
	out[n] = '\0';
}

/* --dry-run: the checks that only read: login syntax, the password policy, and the login
 * being free (in the database and on the lines before). */
static int check_line(import_line *l, cli *c, json_t *seen)
{
	panel_actor system = panel_actor_system();
	panel_account *existing = NULL;
	char s[PANEL_LOGIN_MAX + 1];
	size_t n = strlen(l->spec.login);
	int error;

	stored_login(s, l->spec.login);
	if (n == 0 || n > PANEL_LOGIN_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789") != n)
		return line_error(l, PANEL_EINVALID, "login",
				  "a login is 1 to 16 characters among a-z and 0-9");
	if (json_object_get(seen, s))
		return line_error(l, PANEL_EEXISTS, "login", "already on an earlier line");
	if (panel_policy_check(c->p, "mem", s, l->spec.password) < 0)
		return line_panel_error(l);
	/* As the system: the create would meet the login whoever may see it. */
	error = panel_account_get(&existing, c->p, &system, s);
	panel_account_free(existing);
	if (error == 0)
		return line_error(l, PANEL_EEXISTS, "login", "login already taken");
	if (error != PANEL_ENOTFOUND)
		return line_panel_error(l);
	json_object_set_new(seen, s, json_true());
	memcpy(l->stored_login, s, sizeof(s));
	l->login = l->stored_login;
	return 0;
}

/* ---------------------------------------------------------------- progress */

/* A line on the terminal (stderr) that is redrawn, or JSON events on stderr with --json; the
 * per-line reports stay on stdout. */
typedef struct progress {
	int tty, json;
	unsigned long done, total; /* total: 0 when unknown (standard input) */
	unsigned long created, skipped, errors;
	unsigned workers;
	struct timespec start, last;
	int shown; /* the terminal line is on screen */
} progress;

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void progress_event(progress *pr, const char *event)
{
	double elapsed = seconds_since(&pr->start);
	double rate = elapsed > 0 ? (double)pr->done / elapsed : 0;
	json_t *e = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "event", event, "done",
			      (json_int_t)pr->done, "created", (json_int_t)pr->created, "skipped",
			      (json_int_t)pr->skipped, "errors", (json_int_t)pr->errors, "workers",
			      (json_int_t)pr->workers, "rate", rate, "elapsed", elapsed);

	if (!e)
		return;
	json_object_set_new(e, "total",
			    pr->total ? json_integer((json_int_t)pr->total) : json_null());
	if (pr->total && rate > 0 && pr->total >= pr->done)
		json_object_set_new(e, "eta", json_real((double)(pr->total - pr->done) / rate));
	else
		json_object_set_new(e, "eta", json_null());
	json_dumpf(e, stderr, JSON_COMPACT);
	fputc('\n', stderr);
	fflush(stderr);
	json_decref(e);
}

/* Clears the terminal line before a report is printed on the same terminal. */
static void progress_hide(progress *pr)
{
	if (pr->tty && pr->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		pr->shown = 0;
	}
}

/* At most ten redraws (one event with --json) a second, and always when final. */
static void progress_update(progress *pr, int final)
{
	double elapsed = seconds_since(&pr->start), rate;
	char left[32] = "";

	if ((!pr->tty && !pr->json) || (!final && seconds_since(&pr->last) < (pr->json ? 1 : 0.1)))
		return;
	clock_gettime(CLOCK_MONOTONIC, &pr->last);
	if (pr->json) {
		progress_event(pr, final ? "done" : "progress");
		return;
	}
	rate = elapsed > 0 ? (double)pr->done / elapsed : 0;
	if (pr->total && rate > 0 && pr->total >= pr->done)
		snprintf(left, sizeof(left), ", %.0f s left",
			 (double)(pr->total - pr->done) / rate);
	if (pr->total)
		fprintf(stderr, "\r\033[Kimport: %lu/%lu lines, %.1f/s%s", pr->done, pr->total,
			rate, left);
	else
		fprintf(stderr, "\r\033[Kimport: %lu lines, %.1f/s", pr->done, rate);
	if (final)
		fprintf(stderr, " (%lu created, %lu skipped, %lu failed in %.1f s)\n", pr->created,
			pr->skipped, pr->errors, elapsed);
	fflush(stderr);
	pr->shown = !final;
}

/* The lines that are not blank, for done/total; only for a regular file, read again after. */
static unsigned long count_lines(FILE *in)
{
	struct stat st;
	char *text = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long n = 0;

	if (fstat(fileno(in), &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	while ((len = getline(&text, &cap, in)) != -1)
		if (strspn(text, " \t\r\n") != (size_t)len)
			n++;
	if (text) {
		cli_wipe(text, cap);
		free(text);
	}
	if (fseek(in, 0, SEEK_SET) == -1)
		return 0;
	clearerr(in);
	return n;
}

/* ---------------------------------------------------------------- hashing pool */

#define JOBS_MAX 64
/* Lines read ahead per worker: enough that no worker waits while the main thread inserts. */
#define AHEAD_PER_WORKER 3

enum slot_state { SLOT_READY, SLOT_QUEUED, SLOT_HASHING };

/* A line in flight. A queued or hashing slot belongs to the pool: the main thread reads its
 * state only, under the lock, until it is ready again. */
typedef struct import_slot {
	import_line l;
	unsigned long n; /* line number */
	int skip;	 /* exists already with the same contact address: reported, not created */
	enum slot_state state;
	char hash[PANEL_HASH_MAX]; /* "" when not hashed ahead: libpanel hashes it */
} import_slot;

/* Workers hash the passwords with panel_password_hash_cost and, when each could get a handle
 * of its own (insert), also create the line's account, domains and boxes on it: the commits
 * of several connections then share the server's log flushes. The main thread reads ahead and
 * reports in the file's order. */
typedef struct import_pool {
	pthread_mutex_t lock;
	pthread_cond_t more, hashed;
	import_slot **queue; /* ring of the slots waiting for a worker */
	size_t cap, head, len;
	int stop;
	panel_hash_scheme scheme;
	unsigned long cost;
	pthread_t *threads;
	unsigned nthreads;
	int insert;	 /* the workers create the lines */
	cli *c;		 /* the command, whose actor the workers act as */
	panel **handles; /* one per worker when insert */
	unsigned nhandles, next_handle;
} import_pool;

static void create_line(cli *c, import_slot *s);

static void *line_worker(void *arg)
{
	import_pool *pool = arg;
	char hash[PANEL_HASH_MAX];
	cli own;

	pthread_mutex_lock(&pool->lock);
	if (pool->insert) {
		own = *pool->c;
		own.p = pool->handles[pool->next_handle++];
	}
	for (;;) {
		import_slot *s;
		while (!pool->stop && pool->len == 0)
			pthread_cond_wait(&pool->more, &pool->lock);
		if (pool->len == 0)
			break;
		s = pool->queue[pool->head];
		pool->head = (pool->head + 1) % pool->cap;
		pool->len--;
		s->state = SLOT_HASHING;
		pthread_mutex_unlock(&pool->lock);
		hash[0] = '\0';
		if (s->l.spec.password && !s->skip &&
		    panel_password_hash_cost(hash, sizeof(hash), s->l.spec.password, pool->scheme,
					     pool->cost) < 0)
			hash[0] = '\0';
		memcpy(s->hash, hash, sizeof(hash));
		if (pool->insert)
			create_line(&own, s);
		pthread_mutex_lock(&pool->lock);
		s->state = SLOT_READY;
		pthread_cond_broadcast(&pool->hashed);
	}
	pthread_mutex_unlock(&pool->lock);
	cli_wipe(hash, sizeof(hash));
	return NULL;
}

static void pool_stop(import_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stop = 1;
	pthread_cond_broadcast(&pool->more);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->more);
	pthread_cond_destroy(&pool->hashed);
	pthread_mutex_destroy(&pool->lock);
	for (unsigned i = 0; pool->handles && i < pool->nhandles; i++)
		panel_close(pool->handles[i]);
	free(pool->handles);
	free(pool->threads);
	free(pool->queue);
}

/* A handle per worker, so that they create lines side by side; 0, or -1 (none kept). */
static int open_handles(import_pool *pool, cli *c, unsigned workers)
{
	panel_config *cfg = NULL;

	if (!(pool->handles = calloc(workers, sizeof(*pool->handles))) ||
	    panel_config_load(&cfg, c->config_path) < 0) {
		panel_error_clear();
		return -1;
	}
	for (; pool->nhandles < workers; pool->nhandles++)
		if (panel_open(&pool->handles[pool->nhandles], cfg) < 0)
			break;
	panel_config_free(cfg);
	if (pool->nhandles == workers)
		return 0;
	panel_error_clear();
	for (unsigned i = 0; i < pool->nhandles; i++)
		panel_close(pool->handles[i]);
	pool->nhandles = 0;
	return -1;
}

/* 0, or -1 (nothing to stop) when not even one worker could start. With insert, the workers
 * create the lines too when a handle could be opened for each. */
static int pool_start(import_pool *pool, cli *c, unsigned workers, size_t slots, int insert)
{
	memset(pool, 0, sizeof(*pool));
	if (panel_account_password_scheme(&pool->scheme, &pool->cost, c->p) < 0)
		return -1;
	pool->c = c;
	pool->insert = insert && open_handles(pool, c, workers) == 0;
	pool->cap = slots;
	pool->queue = calloc(slots, sizeof(*pool->queue));
	pool->threads = calloc(workers, sizeof(*pool->threads));
	if (!pool->queue || !pool->threads) {
		free(pool->queue);
		free(pool->threads);
		return -1;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->more, NULL);
	pthread_cond_init(&pool->hashed, NULL);
	for (unsigned i = 0; i < workers; i++) {
		if (pthread_create(&pool->threads[i], NULL, line_worker, pool) != 0)
			break;
		pool->nthreads++;
	}
	if (pool->nthreads == 0) {
		pool_stop(pool);
		return -1;
	}
	return 0;
}

static void pool_submit(import_pool *pool, import_slot *s)
{
	pthread_mutex_lock(&pool->lock);
	s->state = SLOT_QUEUED;
	pool->queue[(pool->head + pool->len) % pool->cap] = s;
	pool->len++;
	pthread_cond_signal(&pool->more);
	pthread_mutex_unlock(&pool->lock);
}

static void pool_wait(import_pool *pool, import_slot *s)
{
	pthread_mutex_lock(&pool->lock);
	while (s->state != SLOT_READY)
		pthread_cond_wait(&pool->hashed, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

/* ---------------------------------------------------------------- the run */

typedef struct import_run {
	cli *c;
	FILE *in;
	const char *path;
	int dry_run;
	json_t *reports;   /* --json: the array printed at the end */
	json_t *seen;	   /* --dry-run: logins of the earlier lines */
	json_t *earlier;   /* logins of the earlier lines, for the skip decision */
	json_t *domains;   /* domains of the earlier lines (claim_domains) */
	import_pool *pool; /* NULL: no hashing ahead (--dry-run, or no worker could start) */
	import_slot *slots;
	size_t nslots, head, count;
	unsigned long n; /* lines read */
	int eof, read_error, first_failure;
	progress pr;
} import_run;

/* ", domains: 1 made, 0 there; mail: 2 made, 0 there" for a line with hosting. */
static const char *hosting_text(const import_line *l)
{
	static char text[128];

	if (!l->domains)
		return "";
	snprintf(text, sizeof(text), "; domains: %lu made, %lu there; mail: %lu made, %lu there",
		 l->made.domains_created, l->made.domains_skipped, l->made.mail_created,
		 l->made.mail_skipped);
	return text;
}

static void report_line(import_run *r, const import_slot *s)
{
	const import_line *l = &s->l;
	const char *status = l->code	  ? "error"
			     : s->skip	  ? "skipped"
			     : r->dry_run ? "valid"
					  : "created";

	if (r->c->json) {
		json_t *o = json_pack("{s:I, s:s?, s:s}", "line", (json_int_t)s->n, "login",
				      l->login, "status", status);
		if (o && l->code) {
			json_t *e = json_pack("{s:s, s:s}", "code", panel_error_name(l->code),
					      "message", l->message);
			if (e && l->field[0])
				json_object_set_new(e, "field", json_string(l->field));
			json_object_set_new(o, "error", e);
			if (l->account_made) /* its hosting failed: the account stays */
				json_object_set_new(o, "account_created", json_true());
		}
		if (o && l->domains)
			json_object_set_new(
			    o, "hosting",
			    json_pack("{s:I, s:I, s:I, s:I}", "domains_created",
				      (json_int_t)l->made.domains_created, "domains_existing",
				      (json_int_t)l->made.domains_skipped, "mail_created",
				      (json_int_t)l->made.mail_created, "mail_existing",
				      (json_int_t)l->made.mail_skipped));
		if (o)
			json_array_append_new(r->reports, o);
		return;
	}
	progress_hide(&r->pr);
	if (s->skip && !l->code)
		printf("line %lu: skipped %s (exists)%s\n", s->n, l->login, hosting_text(l));
	else if (!l->code)
		printf("line %lu: %s %s%s%s\n", s->n, status, l->login,
		       r->dry_run ? " (dry run)" : "", hosting_text(l));
	else if (l->login && l->field[0])
		printf("line %lu: %s: %s (%s)%s\n", s->n, l->login, l->message, l->field,
		       l->account_made ? "; the account was made, a rerun completes the rest" : "");
	else if (l->login)
		printf("line %lu: %s: %s\n", s->n, l->login, l->message);
	else if (l->field[0])
		printf("line %lu: %s (%s)\n", s->n, l->message, l->field);
	else
		printf("line %lu: %s\n", s->n, l->message);
	fflush(stdout);
}

/* A rerun of the same file goes on where the last one stopped: a line whose account exists
 * already with the same contact address, and that no earlier line of this run named, is
 * skipped without hashing (its domains and boxes, if any, are completed only when its password
 * is the account's: create_line). Any other taken login is the error it always was. Only for an
 * actor that may create accounts (others get their refusal from libpanel). */
static int exists_already(import_run *r, const import_line *l, const char *login)
{
	panel_actor system = panel_actor_system();
	panel_account *a = NULL;
	int same;

	if (r->c->actor.kind == PANEL_ACTOR_MEMBER || r->c->actor.as_uid || !login[0] ||
	    json_object_get(r->earlier, login))
		return 0;
	if (panel_account_get(&a, r->c->p, &system, login) < 0) {
		panel_error_clear();
		return 0;
	}
	same = strcasecmp(a->mail, l->spec.mail) == 0;
	panel_account_free(a);
	return same;
}

/* The name of domains[i] of a line, lower case, as the runs compare them. */
static const char *domain_key(char name[256], json_t *domains, size_t i)
{
	const char *domain =
	    json_string_value(json_object_get(json_array_get(domains, i), "domain"));
	size_t k = 0;

	for (; domain[k] && k < 255; k++)
		name[k] = (char)tolower((unsigned char)domain[k]);
	name[k] = '\0';
	return name;
}

/* The workers may run lines in any order: a domain named on an earlier line of the file is
 * that line's, and a later line naming it again is refused here. */
static void claim_domains(import_run *r, import_line *l)
{
	char field[32], name[256];
	size_t i, n = json_array_size(l->domains);

	for (i = 0; i < n; i++) {
		if (json_object_get(r->domains, domain_key(name, l->domains, i))) {
			snprintf(field, sizeof(field), "domains[%zu]", i);
			line_error(l, PANEL_EEXISTS, field, "already on an earlier line");
			return;
		}
	}
	for (i = 0; i < n; i++)
		json_object_set_new(r->domains, domain_key(name, l->domains, i), json_true());
}

/* Reads the next line that is not blank into slot s, parsed; 0 at the end of the input. */
static int read_slot(import_run *r, import_slot *s, char **text, size_t *cap)
{
	char login[PANEL_LOGIN_MAX + 1];
	ssize_t len;

	for (;;) {
		errno = 0;
		if ((len = getline(text, cap, r->in)) == -1) {
			if (errno)
				r->read_error = cli_error(r->c, PANEL_EINVALID, "%s: %s", r->path,
							  strerror(errno));
			return 0;
		}
		r->n++;
		if (strspn(*text, " \t\r\n") != (size_t)len)
			break; /* blank lines are allowed, and still counted */
	}
	memset(s, 0, sizeof(*s));
	s->l.spec = (panel_account_spec)PANEL_ACCOUNT_SPEC_INIT;
	s->n = r->n;
	if ((size_t)len > IMPORT_LINE_MAX)
		line_error(&s->l, PANEL_EINVALID, NULL, "the line is longer than 256 KiB");
	else
		parse_line(&s->l, *text, (size_t)len);
	cli_wipe(*text, (size_t)len);
	if (r->dry_run || s->l.code)
		return 1;
	stored_login(login, s->l.spec.login);
	s->skip = exists_already(r, &s->l, login);
	/* A login on an earlier line of this run: the first one's (workers may run them in any
	 * order, so the later one is refused here). */
	if (login[0] && json_object_get(r->earlier, login))
		json_object_set_new(r->earlier, login, json_false());
	else if (login[0])
		json_object_set_new(r->earlier, login, json_true());
	if (s->skip) {
		memcpy(s->l.stored_login, login, sizeof(login));
		s->l.login = s->l.stored_login;
	} else if (login[0] && json_object_get(r->earlier, login) != json_true()) {
		line_error(&s->l, PANEL_EEXISTS, "login", "already on an earlier line");
	}
	if (!s->l.code && s->l.domains)
		claim_domains(r, &s->l);
	if (!s->l.code && r->pool && (r->pool->insert || (s->l.spec.password && !s->skip)))
		pool_submit(r->pool, s);
	return 1;
}

/* A line's account (unless it exists from an earlier run), then its domains and boxes, on
 * c's handle: by a worker, or by the main thread when the workers only hash. */
static void create_line(cli *c, import_slot *s)
{
	import_line *l = &s->l;
	import_hosting_error e;
	panel_account *a = NULL;

	if (l->code)
		return;
	if (!s->skip) {
		if (s->hash[0])
			l->spec.password_hash = s->hash;
		if (panel_account_create(&a, c->p, &c->actor, &l->spec) < 0) {
			line_panel_error(l);
			return;
		}
		memcpy(l->stored_login, a->login, sizeof(l->stored_login));
		l->login = l->stored_login;
		l->account_made = 1;
		panel_account_free(a);
	} else if (l->domains &&
		   panel_account_secret_matches(c->p, &c->actor, l->login, l->spec.password,
						l->spec.password_hash) < 0) {
		/* Only a line whose account this file made gets its domains and boxes completed:
		 * naming an account and its contact address must not add boxes, with the line's
		 * own passwords, on that account's domains. */
		if (panel_error_last()->code != PANEL_EAUTH) {
			line_panel_error(l);
			return;
		}
		panel_error_clear();
		line_error(l, PANEL_EEXISTS, "login",
			   "exists already with another password (not made by this file, or"
			   " changed since): its domains and boxes are not added");
		return;
	}
	if (l->domains && import_hosting_apply(&l->made, &e, c, l->login, l->domains) < 0)
		line_error(l, e.code, e.field, e.message);
}

/* The line at the head, once hashed: checked (--dry-run), skipped or created, then reported. */
static void finish_slot(import_run *r, import_slot *s)
{
	import_line *l = &s->l;

	if (r->pool)
		pool_wait(r->pool, s);
	if (r->dry_run && !l->code)
		check_line(l, r->c, r->seen);
	else if (!r->pool || !r->pool->insert)
		create_line(r->c, s);
	cli_wipe(s->hash, sizeof(s->hash));
	report_line(r, s);
	r->pr.done++;
	if (l->code)
		r->pr.errors++;
	else if (s->skip)
		r->pr.skipped++;
	else if (!r->dry_run)
		r->pr.created++;
	if (l->code && !r->first_failure)
		r->first_failure = cli_exit_code(l->code);
	json_decref(l->obj);
	l->obj = NULL;
	progress_update(&r->pr, 0);
}

/* Keeps the slots full (the workers hash ahead) and finishes the head line in order. */
static void import_lines(import_run *r)
{
	char *text = NULL;
	size_t cap = 0;

	for (;;) {
		while (!r->eof && r->count < r->nslots) {
			import_slot *s = &r->slots[(r->head + r->count) % r->nslots];
			if (!read_slot(r, s, &text, &cap))
				r->eof = 1;
			else
				r->count++;
		}
		if (r->count == 0)
			break;
		finish_slot(r, &r->slots[r->head]);
		r->head = (r->head + 1) % r->nslots;
		r->count--;
	}
	if (text) {
		cli_wipe(text, cap);
		free(text);
	}
}

/* Twice the CPUs: a worker waits on the server's commits as much as it hashes. */
static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) * 2;

	return n < 2 ? 2 : n > JOBS_MAX ? JOBS_MAX : (unsigned)n;
}

/* Runs the import of r->in once the handle is open; 0 or the exit code of a read error. */
static int import_run_all(import_run *r, unsigned jobs)
{
	import_pool pool;

	r->nslots = r->dry_run ? 1 : (size_t)jobs * AHEAD_PER_WORKER + 1;
	r->slots = calloc(r->nslots, sizeof(*r->slots));
	if (!r->slots)
		return cli_error(r->c, PANEL_ERROR, "out of memory");
	if (!r->dry_run && pool_start(&pool, r->c, jobs, r->nslots, 1) == 0)
		r->pool = &pool;
	r->pr.workers = r->pool ? r->pool->nthreads : 0;
	r->pr.total = count_lines(r->in);
	clock_gettime(CLOCK_MONOTONIC, &r->pr.start);
	if (r->pr.json)
		progress_event(&r->pr, "start");
	import_lines(r);
	if (r->pool)
		pool_stop(r->pool);
	r->pool = NULL;
	progress_update(&r->pr, 1);
	free(r->slots);
	r->slots = NULL;
	return r->read_error;
}

int cli_account_import(cli *c, int argc, char **argv)
{
	enum { OPT_DRY_RUN = 256, OPT_JOBS };
	static const struct option options[] = {
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"jobs", required_argument, NULL, OPT_JOBS},
	    {NULL, 0, NULL, 0},
	};
	import_run r = {.c = c};
	unsigned jobs = default_jobs();
	uint64_t v;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt == OPT_DRY_RUN)
			r.dry_run = 1;
		else if (opt == OPT_JOBS && cli_parse_u64(&v, optarg, JOBS_MAX) == 0 && v > 0)
			jobs = (unsigned)v;
		else if (opt == OPT_JOBS)
			return cli_usage_error(c, "--jobs: a number from 1 to %d", JOBS_MAX);
		else
			return rc;
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(
		    c, "usage: panelctl account import FILE|- [--dry-run] [--jobs N]");
	r.path = cli_positional(&args, 0);
	if (!strcmp(r.path, "-"))
		r.in = stdin;
	else if (!(r.in = fopen(r.path, "re")))
		return cli_usage_error(c, "%s: %s", r.path, strerror(errno));
	r.pr.json = c->json;
	r.pr.tty = !c->json && isatty(STDERR_FILENO);
	if (cli_open(c) < 0)
		rc = cli_fail(c);
	else if (!(r.reports = json_array()) || !(r.seen = json_object()) ||
		 !(r.earlier = json_object()) || !(r.domains = json_object()))
		rc = cli_error(c, PANEL_ERROR, "out of memory");
	else if ((rc = import_run_all(&r, jobs)) == 0) {
		if (c->json) {
			cli_print_json(r.reports);
			r.reports = NULL;
		}
		rc = r.first_failure;
	}
	if (r.in != stdin)
		fclose(r.in);
	json_decref(r.reports);
	json_decref(r.seen);
	json_decref(r.earlier);
	json_decref(r.domains);
	return rc;
}
