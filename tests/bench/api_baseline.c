/* The floor panel-api is measured against (tests/bench/api-throughput.sh): a bare libmicrohttpd
 * thread pool, one libpanel database connection per worker (same setup, same statement cache),
 * one prepared statement on membres per request, the row as JSON; no authentication, no checks. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "db/db.h"

#define BODY_MAX 4096

static const char *const columns[] = {"uid",	 "login",   "mail",	 "type",
				      "notes",	 "enabled", "su",	 "canpass",
				      "creator", "created", "lastlogin", "lastip"};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))
#define SELECT_COLUMNS                                                                             \
	"SELECT uid, login, mail, type, notes, enabled, su, canpass, creator, created,"            \
	" lastlogin, lastip FROM membres"

static panel_db_conf conf;
static pthread_key_t db_key;

typedef struct request {
	char body[BODY_MAX + 1];
	size_t len;
} request;

static void db_destroy(void *db)
{
	panel__db_close(db);
}

static panel_db *thread_db(void)
{
	panel_db *db = pthread_getspecific(db_key);

	if (!db && panel__db_open(&db, &conf) == 0)
		pthread_setspecific(db_key, db);
	return db;
}

static json_t *row_json(const panel_db_rows *rows, size_t i)
{
	json_t *o = json_object();

	for (size_t c = 0; o && c < NCOLUMNS; c++) {
		const char *v = panel__db_cell(rows, i, c);
		json_object_set_new(o, columns[c], v ? json_string(v) : json_null());
	}
	return o;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	json_decref(body);
	if (!text)
		text = strdup("{}");
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* GET /api/v1/accounts/{login}, GET /api/v1/accounts?limit=N, PATCH /api/v1/accounts/{login}
 * with {"notes": "..."}: the shapes of panel-api's read, list and write. */
static enum MHD_Result serve(struct MHD_Connection *conn, panel_db *db, const char *url,
			     const char *method, const request *r)
{
	static const char prefix[] = "/api/v1/accounts";
	const char *login =
	    strncmp(url, prefix, sizeof(prefix) - 1) == 0 ? url + sizeof(prefix) - 1 : NULL;
	panel_db_rows *rows = NULL;
	json_t *out = NULL;
	int rc;

	if (!login || (*login && *login != '/'))
		return reply(conn, MHD_HTTP_NOT_FOUND, NULL);
	if (!strcmp(method, "PATCH") && *login) {
		json_t *body = json_loadb(r->body, r->len, 0, NULL);
		const char *notes = json_string_value(json_object_get(body, "notes"));
		uint64_t changed = 0;
		rc = notes ? panel__db_exec(&changed, db,
					    "UPDATE membres SET notes = ? WHERE login = ?",
					    DB_ARGS(DB_STR(notes), DB_STR(login + 1)))
			   : -1;
		json_decref(body);
		if (rc < 0)
			return reply(conn, MHD_HTTP_BAD_REQUEST, NULL);
		rc = panel__db_query(&rows, db, SELECT_COLUMNS " WHERE login = ?",
				     DB_ARGS(DB_STR(login + 1)));
	} else if (!strcmp(method, "GET") && *login) {
		rc = panel__db_query(&rows, db, SELECT_COLUMNS " WHERE login = ?",
				     DB_ARGS(DB_STR(login + 1)));
	} else if (!strcmp(method, "GET")) {
		const char *l = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
		rc = panel__db_query(&rows, db, SELECT_COLUMNS " ORDER BY login LIMIT ?",
				     DB_ARGS(DB_U64(l ? strtoul(l, NULL, 10) : 50)));
	} else {
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL);
	}
	if (rc < 0)
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, NULL);
	if (*login && panel__db_rows_count(rows) == 0) {
		panel__db_rows_free(rows);
		return reply(conn, MHD_HTTP_NOT_FOUND, NULL);
	}
	if (*login) {
		out = row_json(rows, 0);
	} else {
		json_t *items = json_array();
		for (size_t i = 0; items && i < panel__db_rows_count(rows); i++)
			json_array_append_new(items, row_json(rows, i));
		out = json_pack("{s:o}", "items", items);
	}
	panel__db_rows_free(rows);
	return reply(conn, MHD_HTTP_OK, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	request *r = *con_cls;
	panel_db *db;

	(void)cls;
	(void)version;
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size < BODY_MAX - r->len ? *upload_size : BODY_MAX - r->len;
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!(db = thread_db()))
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, NULL);
	return serve(conn, db, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static char *read_secret(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	unsigned port = 0, threads = 4;
	struct MHD_Daemon *d;
	sigset_t set;
	int opt, sig;

	conf.host = "127.0.0.1";
	while ((opt = getopt(argc, argv, "p:t:H:P:u:s:d:")) != -1) {
		switch (opt) {
		case 'p':
			port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'H':
			conf.host = optarg;
			break;
		case 'P':
			conf.port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			conf.user = optarg;
			break;
		case 's':
			conf.password = read_secret(optarg);
			break;
		case 'd':
			conf.database = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: api_baseline -p PORT [-t THREADS] -H DBHOST -P DBPORT "
				"-u USER -s PASSWORD_FILE -d DATABASE\n");
			return 2;
		}
	}
	if (!port || !conf.user || !conf.password || !conf.database ||
	    pthread_key_create(&db_key, db_destroy) != 0) {
		fprintf(stderr, "api_baseline: missing arguments (-p, -u, -s, -d)\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_LIMIT, 4000u,
	    MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "api_baseline: cannot listen on %u: %s\n", port, strerror(errno));
		return 1;
	}
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	return 0;
}
