/* panel-api internals: the daemon context, one request, the route table entry, and the helpers
 * every endpoint file uses (replies, body specs, query parameters, ETags). */
#ifndef PAPI_H
#define PAPI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "panel/json.h"
#include "panel/panel.h"

#define PAPI_BODY_MAX	  (64 * 1024) /* larger bodies get 413 */
#define PAPI_URL_MAX	  2048	      /* longer URLs (path and query) get 414 */
#define PAPI_HEADERS_MAX  (16 * 1024) /* larger request headers get 431 */
#define PAPI_CONN_MEMORY  (64 * 1024) /* libmicrohttpd's buffer per connection */
#define PAPI_MAX_PARAMS	  4	      /* {placeholders} in one route */
#define PAPI_PARAM_MAX	  256	      /* a decoded path parameter */
#define PAPI_DRAIN_SECS	  30	      /* SIGTERM: longest wait for in-flight requests */
#define PAPI_RETRY_AFTER  2	      /* seconds, on 503 */
#define PAPI_UPLOAD_RETRY 5	      /* seconds, when the uploads' memory is full */
#define PAPI_LOOKUP_RETRY 5	      /* seconds, when DNS lookups are busy */
#define PAPI_LOOKUPS_MAX  64	      /* DNS lookups in flight in an instance, at most */
/* Bytes of a body read and dropped once it is answered already, or past its limit (a chunked
 * body, whose size is not declared), before its connection is closed. */
#define PAPI_DRAIN_MAX	    (1024 * 1024)
#define PAPI_REQUEST_ID_MAX 64 /* a client's X-Request-Id, longer ones are replaced */

/* ---------------------------------------------------------------- errors (papi_errors.def) */

typedef enum papi_error_id {
#define PAPI_ERROR(id, code, status, hint) PAPI_E_##id,
#include "papi_errors.def"
#undef PAPI_ERROR
	PAPI_E_COUNT
} papi_error_id;

/* The stable code ("not_found"), HTTP status and hint of an error. */
const char *papi_error_code(papi_error_id id);
unsigned papi_error_status(papi_error_id id);
const char *papi_error_hint(papi_error_id id);

/* ---------------------------------------------------------------- configuration */

typedef struct papi_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
} papi_cidr;

/* One loaded configuration. Never changed once published; requests hold a reference, and a
 * SIGHUP publishes a new one (generation + 1). */
typedef struct papi_conf {
	atomic_uint refs; /* one per request, one per worker thread, one for papi_ctx.conf */
	unsigned long generation;
	panel_config *cfg;
	char listen_host[64];
	unsigned listen_port;
	unsigned threads;
	unsigned token_ttl; /* seconds */
	papi_cidr *trusted; /* peers whose X-Forwarded-For is believed */
	size_t ntrusted;
	/* Connections (read at start only): */
	unsigned max_connections; /* in all */
	unsigned per_address; /* from one address (IPv6: one /64), trusted proxies apart; 0 none */
	unsigned header_timeout; /* seconds of silence allowed before a request's headers are in */
	unsigned idle_timeout;	 /* seconds of silence allowed once a request is being served */
	int log_json;		 /* log_format = json (read at start only) */
	unsigned member_write_rate;	  /* writes a second of one member account; 0: no limit */
	unsigned member_write_burst;	  /* ... of which this many at once */
	unsigned upload_memory_mb;	  /* files' bytes held in memory until their requests run */
	unsigned member_upload_memory_mb; /* ... for one account */
	unsigned upload_timeout;	  /* seconds a file's body may take to arrive */
	unsigned upload_min_rate;	  /* KiB a second a file's body must keep up; 0: none */
	unsigned upload_rate_window;	  /* ... over each of these many seconds */
} papi_conf;

/* Command line values that override the file. */
typedef struct papi_overrides {
	const char *listen;  /* "host:port" or NULL */
	const char *threads; /* or NULL */
} papi_overrides;

/* Loads path (libpanel's sections and [api]) and applies the overrides. On failure returns -1
 * with a message in err. */
int papi_conf_load(papi_conf **out, const char *path, const papi_overrides *ov, char *err,
		   size_t errsz);
void papi_conf_free(papi_conf *conf);

/* Parses "1.2.3.0/24" or "2001:db8::/32" (a bare address is a /32 or /128). 0 or -1. */
int papi_cidr_parse(papi_cidr *out, const char *text);
/* 1 when the textual address ip is inside one of the n ranges. */
int papi_cidr_match(const papi_cidr *ranges, size_t n, const char *ip);

/* ---------------------------------------------------------------- daemon context */

typedef struct papi_route papi_route;
typedef struct papi_metrics papi_metrics;
typedef struct papi_principals papi_principals;

/* DNS lookups in flight (papi_lookups.c): the accounts they count for. */
struct papi_lookups {
	pthread_mutex_t lock;
	unsigned n, max;
	uint32_t uid[PAPI_LOOKUPS_MAX];
};

/* The one daemon context, reached through the MHD closure (no other mutable globals). */
typedef struct papi_ctx {
	pthread_mutex_t lock; /* conf; idle with inflight and draining */
	pthread_cond_t idle;  /* signalled when inflight drops to 0 while draining */
	papi_conf *conf;
	atomic_ulong generation; /* conf's, for the worker threads' copies (papi_httpd.c) */
	atomic_ulong inflight;
	atomic_int draining;
	pthread_key_t handle_key; /* per worker thread: struct papi_thread_handle */
	int use_syslog;
	int log_json;		/* one JSON object per log line */
	const char *log_format; /* --log-format, or NULL: the file's */
	papi_metrics *metrics;	/* papi_metrics.c */
	const char *config_path;
	papi_overrides overrides;
	/* Open connections per client address (papi_conns.c). */
	pthread_mutex_t peers_lock;
	struct papi_peer *peers;
	size_t npeers, peers_cap;
	unsigned per_address; /* the limit, fixed at start; 0 none */
	unsigned header_timeout, idle_timeout;
	struct papi_logq
	    *logq; /* the access log's queue (papi_logq.c), NULL: lines written at once */
	struct papi_rate *rate;	      /* writes per member account (papi_ratelimit.c) */
	struct papi_uploads *uploads; /* files' bytes held in memory (papi_uploads.c) */
	struct papi_lookups lookups;  /* DNS lookups in flight (papi_lookups.c) */
} papi_ctx;

/* ---------------------------------------------------------------- writes per member
 * (papi_ratelimit.c) */

int papi_rate_init(papi_ctx *ctx);
void papi_rate_free(papi_ctx *ctx);
/* Takes cost writes from uid's bucket (rate a second, burst at most; a cost above burst counts
 * as burst): 0 when it may write now, else the seconds until it may (1 at least). uid 0 or
 * rate 0: never limited. */
unsigned papi_rate_take(papi_ctx *ctx, uint32_t uid, unsigned rate, unsigned burst, unsigned cost);

/* ---------------------------------------------------------------- uploads in memory
 * (papi_uploads.c) */

enum papi_upload_room {
	PAPI_UPLOAD_ROOM,	 /* reserved */
	PAPI_UPLOAD_MEMBER_FULL, /* the account's other uploads hold member_max */
	PAPI_UPLOAD_DAEMON_FULL, /* the daemon's hold total_max */
	PAPI_UPLOAD_NO_MEMORY,
};

int papi_uploads_init(papi_ctx *ctx);
void papi_uploads_free(papi_ctx *ctx);
/* Reserves more bytes for a request of account uid that already holds own: refused when the
 * bytes held by others (the account's, the daemon's) would pass member_max or total_max with
 * them. */
enum papi_upload_room papi_uploads_reserve(papi_ctx *ctx, uint32_t uid, uint64_t own, uint64_t more,
					   uint64_t total_max, uint64_t member_max);
void papi_uploads_release(papi_ctx *ctx, uint32_t uid, uint64_t bytes);
/* The bytes held in all (the metrics' gauge). */
uint64_t papi_uploads_held(papi_ctx *ctx);

/* The current configuration with a reference taken; release with papi_conf_release (no lock:
 * the count is atomic). */
papi_conf *papi_conf_acquire(papi_ctx *ctx);
void papi_conf_release(papi_ctx *ctx, papi_conf *conf);

/* ---------------------------------------------------------------- connections (papi_conns.c) */

/* The numeric text of a peer address; an IPv4-mapped IPv6 address as IPv4. */
void papi_sockaddr_text(char *out, size_t outsz, const struct sockaddr *sa);
/* The table of connections per address, sized for max_connections. 0 or -1. */
int papi_conns_init(papi_ctx *ctx, unsigned max_connections, unsigned threads);
void papi_conns_free(papi_ctx *ctx);
/* The accept policy of MHD_start_daemon and the MHD_OPTION_NOTIFY_CONNECTION callback (closure: the
 * context). */
enum MHD_Result papi_conns_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void papi_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		       enum MHD_ConnectionNotificationCode code);

/* ---------------------------------------------------------------- logging */

enum papi_log_level { PAPI_LOG_ERR, PAPI_LOG_WARNING, PAPI_LOG_INFO };
void papi_log(const papi_ctx *ctx, enum papi_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
typedef struct papi_request papi_request;
/* A line about one request: it carries the request's id ("request ID: ..." in text, a
 * "request_id" member in JSON). */
void papi_rlog(const papi_request *r, enum papi_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The one line that ends each request (method, path, status, duration, who, address, id):
 * queued, written within a few milliseconds (papi_logq.c). */
void papi_log_access(const papi_request *r, double ms, int ended_early);

/* The access log's queue and its writing thread, for stderr (syslog writes each line itself):
 * started once the daemon's context is ready, stopped (and flushed) after the last request. */
int papi_logq_start(papi_ctx *ctx);
void papi_logq_stop(papi_ctx *ctx);
/* text (n bytes, whole lines) to stderr: queued, or (queued = 0) after the queue, at once. */
void papi_logq_write(const papi_ctx *ctx, const char *text, size_t n, int queued);

/* ---------------------------------------------------------------- one request */

typedef struct papi_reply {
	unsigned status;	  /* 0 until an answer is set */
	json_t *body;		  /* NULL: no body (204, 304) */
	char *text;		  /* serialized body, set when the answer is queued */
	char etag[40];		  /* without quotes; "" none */
	char location[320];	  /* "" none */
	char allow[64];		  /* 405 only */
	unsigned retry_after;	  /* 0 none */
	int replayed;		  /* answered from the idempotency store */
	const char *secret_field; /* a body field holding a secret: stored as null */
	const char *content_type; /* papi_reply_text, papi_reply_file: a non-JSON body */
	const char *challenge;	  /* WWW-Authenticate of a 401 (HTTP Basic routes), or NULL */
	int has_file;		  /* papi_reply_file: file_fd is the body, file_size long */
	int file_fd;
	uint64_t file_size;
} papi_reply;

struct papi_request {
	papi_ctx *ctx;
	papi_conf *conf;
	struct MHD_Connection *conn;
	const papi_route *route;
	const char *method;
	const char *url; /* as received (not decoded), without the query string */
	char *params[PAPI_MAX_PARAMS];
	size_t nparams;
	char id[PAPI_REQUEST_ID_MAX + 1]; /* the client's X-Request-Id when safe, else random hex */
	size_t route_index;		  /* the route's rank in the table (metrics) */
	struct timespec start;
	char ip[64]; /* the client: peer, or X-Forwarded-For from a trusted proxy */
	char *body;  /* raw body received so far */
	size_t body_len;
	size_t body_cap; /* PAPI_RAW: the size of body's buffer */
	int body_too_large;
	uint64_t dropped; /* bytes read and dropped (PAPI_DRAIN_MAX) */
	/* PAPI_RAW (papi_uploads.c): no room for the body (answered at its end), the account its
	 * bytes are counted for, the bytes counted, the most it can hold, since when it arrives;
	 * the bytes received (kept or dropped), and those at the start of the current window of
	 * api.upload_rate_window. */
	enum papi_upload_room upload_refused;
	uint32_t upload_uid;
	uint64_t upload_held, upload_most;
	struct timespec upload_since;
	uint64_t upload_received, upload_window_bytes;
	struct timespec upload_window_since;
	int queued;	     /* a response was queued */
	json_t *json;	     /* parsed body (an object) or NULL */
	panel *p;	     /* this worker thread's handle */
	void *thread_handle; /* its per-thread state (papi_httpd.c) */
	int authenticated;
	const char *credential;	     /* the bearer credential (points into the headers) */
	papi_principals *principals; /* this worker thread's cache, or NULL */
	int principal_cached;	     /* r->principal came from it: libpanel checks the token */
	int credential_refused;	     /* libpanel refused that token during the request */
	char token_hash[65];	     /* of a bearer token, "" otherwise */
	panel_principal principal;
	panel_actor actor;
	char act_as[PANEL_LOGIN_MAX + 1]; /* "" unless X-Panel-Act-As was honoured */
	const char *idem_key;		  /* the Idempotency-Key claimed, or NULL */
	char idem_principal[48];
	int idem_atomic; /* the handler runs in the request's transaction (PAPI_ATOMIC) */
	int idem_reruns; /* times it ran again after that transaction was lost */
	papi_reply reply;
};

/* ---------------------------------------------------------------- principals (papi_principals.c)
 */

/* A worker thread's cache of bearer-token principals (not thread-safe: one per thread). */
papi_principals *papi_principals_new(void);
void papi_principals_free(papi_principals *c);
/* The hex SHA-256 of a token: the cache's key, and the hash libpanel checks it by. */
void papi_principals_hash(char hash[65], const char *token);
/* 1 with *out set when the token of that hash is cached, else 0. */
int papi_principals_get(papi_principals *c, panel_principal *out, const char *hash);
void papi_principals_put(papi_principals *c, const panel_principal *who, const char *hash);
void papi_principals_drop(papi_principals *c, const char *hash);

typedef void (*papi_handler)(papi_request *r);

/* Builds the answer of a GET from the request's path parameters: 0 with *out set (NULL when out
 * of memory), or a libpanel code. */
typedef int (*papi_json_fn)(json_t **out, papi_request *r);
/* A change to the object named by the first path parameter: 0 or a libpanel code. */
typedef int (*papi_name_fn)(panel *p, const panel_actor *who, const char *name);
typedef int (*papi_password_fn)(panel *p, const panel_actor *who, const char *name,
				const char *password);

enum papi_route_flags {
	PAPI_PUBLIC = 1 << 0, /* no authentication */
	PAPI_BODY = 1 << 1,   /* takes a JSON body */
	PAPI_EMPTY = 1 << 2,  /* takes no body, or {} (checked before the handler) */
	PAPI_RAW = 1 << 3,    /* takes the body as bytes (application/octet-stream), up to
			       * [files] upload_max_size: r->body, r->body_len */
	/* Every answer but an error comes from a libpanel operation run as r->actor before
	 * anything else: a bearer token this thread has seen is then checked by that operation
	 * (papi_principals.c), errors by a full check afterwards (papi_httpd.c). */
	PAPI_TOKEN_IN_OP = 1 << 4,
	/* With an Idempotency-Key, the claim, the handler's operations and the stored answer
	 * commit in one transaction (panel_idempotency_begin_atomic): only for routes whose
	 * effects are all in the panel database (no DDL on the member server, no files, no
	 * domain writes). */
	PAPI_ATOMIC = 1 << 5,
};

struct papi_route {
	const char *method;
	const char *pattern; /* "/api/v1/accounts/{login}": a {name} matches one segment */
	const char *kind;    /* resource kind, for application key scopes; NULL: any principal */
	unsigned flags;
	papi_handler handler;
	/* The query parameters the route takes (NULL-terminated), checked before the handler;
	 * NULL: none. */
	const char *const *query;
	/* What tells apart the routes that share a handler. */
	union {
		int flag;
		papi_json_fn json;
		papi_name_fn name;
		papi_password_fn password;
	} arg;
};

/* One file's slice of the route table (routes/: one file per resource). */
typedef struct papi_route_table {
	const papi_route *routes;
	size_t count;
} papi_route_table;

#define PAPI_ROUTE_TABLE(array)                                                                    \
	{                                                                                          \
		array, sizeof(array) / sizeof((array)[0])                                          \
	}

extern const papi_route_table papi_routes_auth, papi_routes_accounts, papi_routes_admin,
    papi_routes_domains, papi_routes_mail, papi_routes_ftp, papi_routes_databases,
    papi_routes_rawstats, papi_routes_hta, papi_routes_mail_wrappers, papi_routes_metrics,
    papi_routes_slaves, papi_routes_account_mail, papi_routes_files;

/* Path parameter i (0-based, in pattern order), percent-decoded. */
const char *papi_param(const papi_request *r, size_t i);
/* Path parameter i as a positive decimal id into *id; otherwise answers 404 (field "id", "no
 * <what> <text>") and returns -1. */
int papi_param_id(uint64_t *id, papi_request *r, size_t i, const char *what);

/* A request header, or NULL. */
const char *papi_header(const papi_request *r, const char *name);

/* ---------------------------------------------------------------- replies (papi_reply.c) */

/* Success answers; body references are stolen (NULL body on allocation failure gives 500). */
void papi_reply_ok(papi_request *r, json_t *body);
void papi_reply_created(papi_request *r, json_t *body, const char *location);
void papi_reply_no_content(papi_request *r);
void papi_reply_not_modified(papi_request *r);
/* {"items": [...], "total": N, "next_cursor": "..." | null}; items is stolen. */
void papi_reply_list(papi_request *r, json_t *items, uint64_t total, const char *next_cursor);

/* An error of the registry; field may be NULL; message printf-style. */
void papi_reply_error(papi_request *r, papi_error_id id, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copies src into dst as valid UTF-8 without control characters: every byte that is not part
 * of a valid character, and every bidirectional control, becomes '?', and a character that
 * does not fit is left out whole. */
void papi_utf8_clean(char *dst, size_t dstsz, const char *src);
/* 1 when s is valid UTF-8 without control characters (C0, DEL, C1), else 0. */
int papi_utf8_valid(const char *s);
/* The answer for libpanel's last error (code is the value the call returned). */
void papi_reply_panel_error(papi_request *r, int code);
void papi_reply_oom(papi_request *r);
/* Forgets the answer set so far (body and text freed, the text wiped). */
void papi_reply_clear(papi_request *r);

/* Turns r->reply into an MHD response and queues it (JSON, or the text of papi_reply_text). */
enum MHD_Result papi_reply_queue(papi_request *r);

/* ---------------------------------------------------------------- bodies (papi_parse.c) */

typedef enum papi_spec_type {
	PAPI_SPEC_END = 0,
	PAPI_SPEC_STRING,
	PAPI_SPEC_INT,
	PAPI_SPEC_BOOL,
	PAPI_SPEC_STRING_ARRAY,
	PAPI_SPEC_JSON,
} papi_spec_type;

/* One field of a JSON body. Built with the papi_spec_* functions; the array ends with
 * papi_spec_end(). Destinations are left untouched when an optional field is absent (or null). */
typedef struct papi_spec {
	const char *name;
	papi_spec_type type;
	void *dst;
	int optional;
	long long min, max; /* PAPI_SPEC_INT */
	size_t max_len;	    /* strings: 0 = PAPI_BODY_MAX */
	int multiline;	    /* strings: newlines and tabs allowed */
	int *present;	    /* set to 1 when the field was given */
} papi_spec;

papi_spec papi_spec_string(const char *name, const char **dst);
papi_spec papi_spec_int(const char *name, long long *dst, long long min, long long max);
papi_spec papi_spec_bool(const char *name, int *dst);
papi_spec papi_spec_string_array(const char *name, json_t **dst); /* borrowed reference */
papi_spec papi_spec_json(const char *name, json_t **dst);	  /* borrowed reference */
papi_spec papi_spec_optional(papi_spec spec);
papi_spec papi_spec_present(papi_spec spec, int *present);
papi_spec papi_spec_multiline(papi_spec spec);
papi_spec papi_spec_end(void);

/* Fills the destinations from r->json (an absent body counts as {}). Unknown fields, missing
 * required fields and wrong types answer 400 naming the field: returns -1 then. */
int papi_parse_body(papi_request *r, const papi_spec *specs);

/* Rejects query parameters not in allowed (NULL-terminated): 400, returns -1. */
int papi_query_check(papi_request *r, const char *const *allowed);
/* A query parameter, percent-decoded into buf; NULL when absent. -1 (400 set) when too long or
 * holding control characters, through *err. */
const char *papi_query(papi_request *r, const char *name, char *buf, size_t bufsz, int *err);
/* An unsigned query parameter in [min, max]: 0 absent (value untouched), 1 present, -1 error
 * (400 set). */
int papi_query_uint(papi_request *r, const char *name, unsigned long long *value,
		    unsigned long long min, unsigned long long max);

/* Percent-decodes src into dst (dstsz bytes). -1 for a bad escape, an overflow, a decoded
 * control character (and '/' when no_slash), or a result that is not valid UTF-8 (a name that
 * no JSON answer could hold). */
int papi_percent_decode(char *dst, size_t dstsz, const char *src, size_t len, int no_slash);

/* ---------------------------------------------------------------- preconditions (papi_etag.c) */

/* If-Match against the current ETag: 1 when absent or matching, 0 (412 set) when not, -1 (400
 * set) when malformed. */
int papi_if_match(papi_request *r, const char *current_etag);
/* 1 when If-None-Match lists the current ETag (the caller answers 304). */
int papi_if_none_match(const papi_request *r, const char *current_etag);

/* ---------------------------------------------------------------- objects (papi_objects.c) */

/* Helpers of the endpoints (routes/). */

/* Appends item to *items (stolen); on failure *items is released and set to NULL, so that
 * papi_reply_list answers 500. */
void papi_append(json_t **items, json_t *item);
/* A whole, short list in the envelope: total = its size, next_cursor null. */
void papi_reply_all(papi_request *r, json_t *items);
/* *out = the items of list (any panel_<thing>_list *) as a JSON array, to_json taking a pointer
 * to one item; NULL when out of memory. Macros because each list has its own type. */
#define PAPI_ITEMS_JSON(out, list, to_json)                                                        \
	do {                                                                                       \
		*(out) = json_array();                                                             \
		for (size_t papi_i_ = 0; papi_i_ < (list)->count; papi_i_++)                       \
			papi_append((out), to_json(&(list)->items[papi_i_]));                      \
	} while (0)
/* Answers list (any panel_<thing>_list *) in the list envelope: its items through to_json, its
 * total and next_cursor. */
#define PAPI_REPLY_LIST(r, list, to_json)                                                          \
	do {                                                                                       \
		json_t *papi_items_;                                                               \
		PAPI_ITEMS_JSON(&papi_items_, list, to_json);                                      \
		papi_reply_list((r), papi_items_, (list)->total, (list)->next_cursor);             \
	} while (0)
/* 201 with Location: prefix + the percent-encoded name. body is stolen. */
void papi_reply_created_at(papi_request *r, json_t *body, const char *prefix, const char *name);
/* 202 (a job was queued); body is stolen. */
void papi_reply_accepted(papi_request *r, json_t *body);
/* A 200 answer whose body is text of content_type (copied), not JSON (zones: text/dns). Call it
 * last: nothing may answer after it. */
void papi_reply_text(papi_request *r, const char *content_type, const char *text);
/* 200 with the open file fd as the body (size bytes, sent from the file as the client reads it:
 * nothing held in memory); the reply owns fd from now on. */
void papi_reply_file(papi_request *r, const char *content_type, int fd, uint64_t size);
/* The largest body of a PAPI_RAW route: [files] upload_max_size (64 MiB by default). */
size_t papi_raw_body_max(const papi_request *r);

/* ---------------------------------------------------------------- DNS lookups in flight
 * (papi_lookups.c) */

void papi_lookups_init(papi_ctx *ctx);
/* Before a DNS lookup on r's thread: 0 to go on (then papi_lookup_leave), or -1 with the
 * answer set (429 the account has one running, 503 the instance has its most). */
int papi_lookup_enter(papi_request *r);
void papi_lookup_leave(papi_request *r);

/* ---------------------------------------------------------------- a file's body
 * (papi_uploads.c) */

/* A file's request once its headers and credentials are in: its account, its buffer when its
 * size is declared, its first MiB counted. -1 with the answer set (no room, out of memory). */
int papi_upload_start(papi_request *r);
/* n more bytes of the file: kept, or dropped once it was refused or is too large (answered at
 * its end, papi_upload_refusal). -1: close the connection (out of memory, api.upload_timeout
 * passed, a window of api.upload_rate_window below api.upload_min_rate). */
int papi_upload_data(papi_request *r, const char *data, size_t n);
/* Frees the file's bytes and gives back what they held (refused, or its request has run). */
void papi_upload_drop(papi_request *r);
/* The answer to a file that found no room (r->upload_refused): 429 or 503, Retry-After. */
void papi_upload_refusal(papi_request *r);
/* A JSON array of strings (already checked by papi_spec_string_array) as a NULL-terminated
 * list borrowing its strings; free() the list. NULL with 500 set when out of memory. */
const char **papi_string_list(papi_request *r, json_t *array);
/* A list field given as an array of strings or one comma-separated string, joined with commas
 * into out. -1 with 400 (naming field) set when malformed or too long. */
int papi_comma_list(papi_request *r, const char *field, json_t *value, char *out, size_t outsz);
/* The pagination query parameters (limit 1-500, cursor, offset, not both): 0, or -1 with 400
 * set. cursor is NULL when absent. */
int papi_page_query(papi_request *r, size_t *limit, const char **cursor, char *cursor_buf,
		    size_t cursor_bufsz, size_t *offset);

/* ---------------------------------------------------------------- auth (papi_auth.c) */

/* Authenticates r (Authorization: Bearer), enforces the key's scope for the route, and applies
 * X-Panel-Act-As. 0, or -1 with the answer set. */
int papi_auth(papi_request *r);
/* The client address: the peer, or the X-Forwarded-For hop a trusted proxy reported. */
void papi_client_ip(papi_request *r);

/* ---------------------------------------------------------------- idempotency (papi_idem.c) */

/* For writes with an Idempotency-Key: claims the key (for a PAPI_ATOMIC route, inside the
 * request's transaction, which the handler's operations then run in). Returns 1 when the
 * handler should run,
 * 0 when the answer is already set (a replay, or an error). *claimed is set when the key must be
 * completed or released afterwards with papi_idempotency_finish. */
int papi_idempotency_begin(papi_request *r, int *claimed);
/* After the handler: 1 when the request's transaction was lost (a deadlock, a lost connection)
 * and the request may run once more (once per request): the transaction is rolled back, the
 * key given up and the reply cleared; the caller claims the key again and runs the handler. 0
 * otherwise: r->reply stands. */
int papi_idempotency_rerun(papi_request *r);
/* Stores r->reply (text already serialized) for the claimed key, or releases it on 5xx. In the
 * request's transaction, the store commits it; when that fails, the reply becomes a 503. */
void papi_idempotency_finish(papi_request *r);

/* ---------------------------------------------------------------- shared handlers (papi_objects.c)
 */

/* For routes that differ only by the libpanel call, which their arg names. */

/* arg.json: 200 with the object it builds. */
void papi_object_handler(papi_request *r);
/* arg.json: the array it builds, whole, in the list envelope. */
void papi_list_handler(papi_request *r);
/* arg.name: deletes the object named by the first path parameter. 204. */
void papi_delete_handler(papi_request *r);
/* arg.password: {"password"} for the object named by the first path parameter. 204. */
void papi_password_handler(papi_request *r);

/* ---------------------------------------------------------------- metrics (papi_metrics.c) */

/* The counters, for every route of tables (ctx->metrics). 0 or -1 (out of memory). */
int papi_metrics_init(papi_ctx *ctx, const papi_route_table *const *tables, size_t ntables);
void papi_metrics_free(papi_ctx *ctx);
/* One answered request: route_index (past the last route: none matched), status, duration. */
void papi_metrics_request(papi_metrics *m, size_t route_index, unsigned status, uint64_t us);
/* A 503 because the panel database could not be reached. */
void papi_metrics_db_unavailable(papi_metrics *m);
/* Extra runs of a request's last transaction. */
void papi_metrics_tx_retries(papi_metrics *m, unsigned retries);
/* The Prometheus text of every metric, with the database's figures; free() it. NULL when out
 * of memory. */
char *papi_metrics_text(papi_ctx *ctx, const panel_metrics *db);

#endif
