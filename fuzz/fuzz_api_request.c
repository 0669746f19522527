/* Fuzz target: panel-api's request path. Feeds raw HTTP bytes to the daemon's own request
 * handler (on_request of papi_httpd.c, included here) through a real libmicrohttpd daemon on a
 * socket pair: URL limits, routing (404/405/params), X-Forwarded-For, Content-Length, body
 * intake and JSON, query parameters, If-Match, the bearer header and key scopes, then every
 * endpoint's own query and body parsing. No database: the handle is one whose server is
 * unreachable (libpanel answers 503 where it would have queried), and credentials are accepted
 * without a lookup (the link wraps panel_open, panel_auth_token and panel_auth_apikey, and
 * papi_log to keep the output quiet). */
#include <assert.h>
#include <fcntl.h>
#include <sys/socket.h>

/* Every static function of the daemon, with its main renamed. */
int papi_httpd_main(int argc, char **argv);
#define main papi_httpd_main
#include "papi_httpd.c"
#undef main

#include "config_internal.h"
#include "db/db_internal.h"
#include "error.h"
#include "fuzz_file.h"
#include "handle.h"

int __wrap_panel_open(panel **out, const panel_config *cfg);
int __wrap_panel_auth_token(panel_principal *out, panel *p, const char *token);
int __wrap_panel_auth_apikey(panel_principal *out, panel *p, const char *key, const char *ip);
void __wrap_papi_log(const papi_ctx *c, enum papi_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void __wrap_papi_rlog(const papi_request *r, enum papi_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void __wrap_papi_log_access(const papi_request *r, double ms, int ended_early);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Log lines (a warning per 503) are formatted, with whatever the client sent, and dropped. */
void __wrap_papi_log(const papi_ctx *c, enum papi_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)c;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

/* Request lines too: formatted (the format is exercised) and dropped. */
void __wrap_papi_rlog(const papi_request *r, enum papi_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)r;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

void __wrap_papi_log_access(const papi_request *r, double ms, int ended_early)
{
	(void)r;
	(void)ms;
	(void)ended_early;
}

/* A handle whose database is down: every libpanel call fails at its first query, after having
 * checked its arguments, as it would while the server is being failed over. */
int __wrap_panel_open(panel **out, const panel_config *cfg)
{
	panel *p = calloc(1, sizeof(*p));
	panel_db *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (!p || !db || panel__config_dup(&p->cfg, cfg) < 0 ||
	    !(db->socket = strdup("/nonexistent/panel-fuzz.sock")) ||
	    !(db->user = strdup("panel"))) {
		free(db);
		panel_close(p);
		return panel__error(PANEL_ERROR, NULL, "out of memory");
	}
	db->connect_timeout = db->read_timeout = db->write_timeout = 1;
	p->db = db;
	*out = p;
	return 0;
}

/* A token starting with 'a' is an admin's, any other a member's. */
int __wrap_panel_auth_token(panel_principal *out, panel *p, const char *token)
{
	(void)p;
	memset(out, 0, sizeof(*out));
	out->uid = token[0] == 'a' ? 2000 : 1000;
	out->admin = token[0] == 'a';
	snprintf(out->login, sizeof(out->login), "%s", out->admin ? "admin" : "member");
	return 0;
}

/* "pk_KINDS_..." is a member's application key limited to KINDS (dots for commas), read-only
 * when it ends in 'r'. */
int __wrap_panel_auth_apikey(panel_principal *out, panel *p, const char *key, const char *ip)
{
	size_t n = strcspn(key + 3, "_");

	(void)p;
	(void)ip;
	memset(out, 0, sizeof(*out));
	out->uid = 1000;
	out->apikey_id = 1;
	snprintf(out->login, sizeof(out->login), "member");
	if (n >= sizeof(out->kinds))
		n = sizeof(out->kinds) - 1;
	memcpy(out->kinds, key + 3, n);
	for (size_t i = 0; i < n; i++)
		if (out->kinds[i] == '.')
			out->kinds[i] = ',';
	out->read_only = key[strlen(key) - 1] == 'r';
	return 0;
}

static const char config[] = "[database]\n"
			     "host = 127.0.0.1\n"
			     "name = panel\n"
			     "user = panel\n"
			     "[hosting]\n"
			     "fqdn = panel.example.net\n"
			     "ns1 = ns1.example.net\n"
			     "[api]\n"
			     "listen = 127.0.0.1:0\n"
			     "trusted_proxies = 127.0.0.0/8, ::1\n";

static papi_ctx ctx;
static struct MHD_Daemon *daemon_;

/* Instead of on_completed (which logs a line per request): the answer is checked, then freed. */
static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	papi_request *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	*con_cls = NULL;
	/* Every answer has a status; every error has a JSON body naming its code. */
	if (r->queued) {
		assert(r->reply.status >= 200 && r->reply.status < 600);
		if (r->reply.status >= 400)
			assert(r->reply.body &&
			       json_is_string(json_object_get(
				   json_object_get(r->reply.body, "error"), "code")));
	}
	request_free(r);
}

static int setup(void)
{
	char path[64], err[512];

	if (sodium_init() < 0 || pthread_mutex_init(&ctx.lock, NULL) != 0 ||
	    pthread_cond_init(&ctx.idle, NULL) != 0 ||
	    pthread_key_create(&ctx.handle_key, handle_key_destroy) != 0)
		return -1;
	if (fuzz_file(1, path, sizeof(path), (const uint8_t *)config, sizeof(config) - 1) < 0 ||
	    papi_conf_load(&ctx.conf, path, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_api_request: %s\n", err);
		return -1;
	}
	ctx.config_path = "fuzz";
	signal(SIGPIPE, SIG_IGN);
	/* No listening socket and no thread: connections are added and run from here. */
	daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, &ctx,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, &ctx,
				   MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, &ctx, MHD_OPTION_END);
	return daemon_ ? 0 : -1;
}

static unsigned connections(void)
{
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info ? info->num_connections : 0;
}

/* Runs the daemon a few rounds, reading (and dropping) what it answers. */
static void pump(int fd, int rounds)
{
	char buf[16384];

	for (int i = 0; i < rounds; i++) {
		MHD_run(daemon_);
		while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
			;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
	size_t off = 0;
	int sv[2];

	if (!ready) {
		if (setup() < 0)
			abort();
		ready = 1;
	}
	if (size > 2 * PAPI_BODY_MAX)
		return 0;
	peer.sin_addr.s_addr = htonl(0x7f000001); /* a trusted proxy: X-Forwarded-For counts */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	if (MHD_add_connection(daemon_, sv[1], (const struct sockaddr *)&peer, sizeof(peer)) !=
	    MHD_YES) {
		close(sv[0]);
		return 0;
	}
	while (off < size) {
		ssize_t n = write(sv[0], data + off, size - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			break;
		pump(sv[0], 1);
	}
	pump(sv[0], 6);
	/* The client stops sending: a complete request is answered, a partial one dropped. */
	shutdown(sv[0], SHUT_WR);
	pump(sv[0], 6);
	close(sv[0]);
	for (int i = 0; i < 100 && connections() > 0; i++)
		pump(-1, 1);
	assert(connections() == 0);
	return 0;
}
