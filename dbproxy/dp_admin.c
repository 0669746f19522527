/* dbproxy admin endpoint: HTTP on a loopback address with a bearer token, run by libmicrohttpd
 * in external-epoll mode inside our own loop (so handlers read the state without locks).
 * JSON status, Prometheus metrics, failover history, and commands. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "dbproxy.h"
#include "dp_log.h"
#include "dp_session.h"
#include "dp_ui.h"

/* Requests still arriving, at most, and the time one may take. Every local process shares the
 * loopback address, so a limit per address let one of them (a member's script, where dbproxy
 * runs on a web server) hold every slot by sending a byte now and then: libmicrohttpd's timeout
 * counts only silence. Past ADMIN_MAX_ARRIVING, a new connection closes the oldest request
 * still arriving, so an operator's request, which arrives whole at once, is never the one
 * closed. */
#define ADMIN_MAX_ARRIVING	  8
#define ADMIN_REQUEST_DEADLINE_MS 5000

/* One connection of the endpoint, from its start to its close (MHD_OPTION_NOTIFY_CONNECTION). */
typedef struct admin_conn {
	struct admin_conn *prev, *next;
	int fd;
	uint64_t since_ms; /* the request being received began then (connect, or last answer) */
	int answering;	   /* the request is whole: its answer or operation is under way */
	int cut;	   /* shut down for being too slow: libmicrohttpd closes it next */
} admin_conn;

struct dp_admin {
	dp_proxy *px;
	struct MHD_Daemon *mhd;
	dp_io io;
	dp_timer timer;
	admin_conn *conns;
	dp_timer sweep; /* every second while connections are open: cuts the slow ones */
};

typedef struct req {
	int started; /* the command was started (suspended until it ends) */
	int finished;
	int orphan; /* the HTTP request ended before the operation: op_done frees */
	int ok;
	json_t *result;
	struct MHD_Connection *conn;
	dp_admin *ad;
} req;

static void admin_schedule(dp_admin *ad);

/* ---------------------------------------------------------------- JSON */

static json_t *event_json(const dp_event *ev)
{
	json_t *phases = json_array();
	char ts[40];
	for (int i = 0; i < ev->nphases; i++) {
		dp_log_timestamp(ts, sizeof(ts), ev->phases[i].wall_ms);
		json_array_append_new(phases, json_pack("{s:s, s:s, s:I, s:s}", "phase",
							ev->phases[i].name, "at", ts, "elapsed_ms",
							(json_int_t)ev->phases[i].elapsed_ms,
							"detail", ev->phases[i].detail));
	}
	dp_log_timestamp(ts, sizeof(ts), ev->started_wall_ms);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o}", "id",
			 (json_int_t)ev->id, "kind", ev->kind, "trigger", ev->trigger, "from",
			 ev->from, "to", ev->to, "epoch_before", (json_int_t)ev->epoch_before,
			 "epoch_after", (json_int_t)ev->epoch_after, "started", ts, "result",
			 ev->result, "error", ev->error, "gtid_gap", ev->gtid_gap, "phases",
			 phases);
}

static json_t *history_json(dp_proxy *px)
{
	json_t *a = json_array();
	for (uint64_t id = px->next_event_id >= px->nhistory ? px->next_event_id - px->nhistory + 1
							     : 1;
	     id <= px->next_event_id && id > 0; id++)
		json_array_append_new(a, event_json(&px->history[id % DP_HISTORY_MAX]));
	return a;
}

static unsigned count_waiting(dp_proxy *px)
{
	unsigned n = 0;
	for (dp_session *s = px->waiters; s; s = s->wnext)
		n++;
	return n;
}

/* The settings that can stall replication or lose writes (dp_settings.c), with their fix. */
static json_t *settings_json(dp_proxy *px, dp_server *s)
{
	json_t *a = json_array();
	unsigned found = dp_settings_check(px, s);
	for (unsigned bit = 1; bit < (1u << DP_SET_COUNT); bit <<= 1) {
		const dp_setting_check *c = dp_setting_info(bit);
		if (!(found & bit) || !c)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "setting", c->name,
						   "problem", c->problem, "fix", c->fix,
						   "fixed_by_dbproxy", c->auto_fixed));
	}
	return a;
}

static json_t *server_json(dp_proxy *px, dp_server *s)
{
	uint64_t now = dp_now_ms();
	json_t *repl = json_null();
	if (s->slave.present)
		repl = json_pack(
		    "{s:s, s:s, s:b, s:s, s:I, s:I, s:s, s:I, s:s, s:f, s:I}", "master",
		    s->slave.master_host, "io_running", s->slave.io_running, "sql_running",
		    s->slave.sql_running, "gtid_io_pos", s->slave.gtid_io_pos, "master_port",
		    (json_int_t)s->slave.master_port, "last_io_errno",
		    (json_int_t)s->slave.last_io_errno, "last_io_error", s->slave.last_io_error,
		    "last_sql_errno", (json_int_t)s->slave.last_sql_errno, "last_sql_error",
		    s->slave.last_sql_error, "heartbeat_period", s->slave.heartbeat_period,
		    "heard_from_primary_ms_ago", (json_int_t)(now - s->io_progress_ms));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:b, s:I}", "name",
			      s->conf.name, "address", s->conf.addr_text, "role",
			      dp_role_name(s->role), "health", dp_health_name(s->health), "writer",
			      s == px->primary, "read_only", s->read_only, "maintenance",
			      s->maintenance, "quarantine_reason", s->quarantine_reason,
			      "quarantined", s->quarantined, "server_id", (json_int_t)s->server_id);
	json_object_set_new(o, "gtid_binlog_pos", json_string(s->gtid_binlog));
	json_object_set_new(o, "gtid_current_pos", json_string(s->gtid_current));
	json_object_set_new(o, "gtid_slave_pos", json_string(s->gtid_slave));
	json_object_set_new(o, "semi_sync",
			    json_pack("{s:b, s:b, s:I, s:b, s:b, s:b}", "enabled", s->semi_enabled,
				      "on", s->semi_on, "clients", (json_int_t)s->semi_clients,
				      "replica_enabled", s->set.semi_slave_enabled, "replica_on",
				      s->set.semi_slave_on, "master_off_by_dbproxy",
				      s->semi_master_off));
	json_object_set_new(o, "replication", repl);
	json_object_set_new(o, "lag_seconds",
			    s->slave.present && s->slave.seconds_behind >= 0
				? json_integer(s->slave.seconds_behind)
				: json_null());
	json_object_set_new(o, "probe_rtt_us", json_integer((json_int_t)s->rtt_us));
	json_object_set_new(o, "last_probe_ok_ms_ago",
			    s->last_ok_ms ? json_integer((json_int_t)(now - s->last_ok_ms))
					  : json_null());
	json_object_set_new(o, "last_error", json_string(s->last_error));
	json_object_set_new(o, "connections", json_integer(s->sessions));
	json_object_set_new(o, "connections_total", json_integer((json_int_t)s->sessions_total));
	json_object_set_new(o, "probes", json_integer((json_int_t)s->probes));
	json_object_set_new(o, "probe_failures", json_integer((json_int_t)s->probe_failures));
	json_object_set_new(o, "no_promotion", json_boolean(s->conf.no_promotion));
	json_object_set_new(o, "enforcing", json_string(s->enforcing));
	json_object_set_new(o, "settings", settings_json(px, s));
	return o;
}

/* Cooperative monitoring (docs/ha.md): this dbproxy's part and each server's register. */
static json_t *coop_json(dp_proxy *px)
{
	if (!px->cfg.cooperative)
		return json_pack("{s:s}", "mode", "none");
	json_t *regs = json_array();
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		json_array_append_new(regs, json_pack("{s:s, s:b, s:I, s:s, s:s, s:s}", "server",
						      s->conf.name, "lock_held", s->coop_held,
						      "epoch", (json_int_t)s->reg_epoch, "writer",
						      s->reg_writer, "published_by", s->reg_leader,
						      "error", s->coop_error));
	}
	return json_pack("{s:s, s:s, s:b, s:I, s:I, s:b, s:b, s:o}", "mode", "majority", "role",
			 px->coop.leader ? "leader" : "follower", "leader", px->coop.leader,
			 "locks", (json_int_t)px->coop.locks, "majority",
			 (json_int_t)(px->nservers / 2 + 1), "routable", dp_coop_routable(px),
			 "stepping_down", dp_now_ms() < px->coop.step_down_until_ms, "registers",
			 regs);
}

static json_t *status_json(dp_proxy *px)
{
	json_t *servers = json_array();
	const dp_event *cur = dp_op_current(px);
	for (int i = 0; i < px->nservers; i++)
		json_array_append_new(servers, server_json(px, px->servers[i]));
	dp_counters *n = &px->n;
	json_t *counters = json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "accepted", (json_int_t)n->accepted, "refused_full", (json_int_t)n->refused_full,
	    "refused_draining", (json_int_t)n->refused_draining, "sessions_closed",
	    (json_int_t)n->sessions_closed, "sessions_errored", (json_int_t)n->sessions_errored,
	    "sessions_migrated", (json_int_t)n->sessions_migrated, "migrate_failures",
	    (json_int_t)n->migrate_failures, "sessions_no_primary",
	    (json_int_t)n->sessions_no_primary, "handshake_timeouts",
	    (json_int_t)n->handshake_timeouts, "handshakes_evicted",
	    (json_int_t)n->handshakes_evicted, "bytes_client_to_server", (json_int_t)n->bytes_c2s,
	    "bytes_server_to_client", (json_int_t)n->bytes_s2c, "failovers",
	    (json_int_t)n->failovers, "switchovers", (json_int_t)n->switchovers,
	    "failover_refusals", (json_int_t)n->failover_refusals, "fences", (json_int_t)n->fences);
	uint64_t spins, sleeps;
	dp_loop_poll_counts(px->loop, &spins, &sleeps);
	json_object_set_new(counters, "bytes_spliced", json_integer((json_int_t)n->bytes_spliced));
	json_object_set_new(counters, "polls_spinning", json_integer((json_int_t)spins));
	json_object_set_new(counters, "polls_sleeping", json_integer((json_int_t)sleeps));
	dp_server *w = dp_backend_pick(px);
	json_t *st =
	    json_pack("{s:I, s:s?, s:s, s:b, s:I, s:o, s:{s:I, s:I, s:I}, s:o, s:o, s:b}", "epoch",
		      (json_int_t)px->epoch, "primary", px->primary ? px->primary->conf.name : NULL,
		      "routing",
		      w			   ? "open"
		      : px->routing_paused ? "paused"
					   : "no writer",
		      "draining", px->draining, "uptime_s",
		      (json_int_t)((dp_wall_ms() - px->started_wall_ms) / 1000), "operation",
		      cur ? event_json(cur) : json_null(), "sessions", "total",
		      (json_int_t)px->nsessions, "waiting", (json_int_t)count_waiting(px),
		      "logging_in", (json_int_t)px->nlogins, "servers", servers, "counters",
		      counters, "session_moves", px->cfg.migrate_sessions && !px->users_denied);
	json_object_set_new(st, "cooperative", coop_json(px));
	return st;
}

/* ---------------------------------------------------------------- metrics */

typedef struct strbuf {
	char *p;
	size_t len, cap;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		char *q = realloc(b->p, cap);
		if (!q)
			return;
		b->p = q;
		b->cap = cap;
	}
}

/* The gauges of each server, one metric at a time. */
static void server_metrics(strbuf *b, dp_proxy *px)
{
	/* The TYPE line, then one line per server for which cond holds; fmt closes the labels. */
#define G(metric, help, cond, fmt, v)                                                              \
	do {                                                                                       \
		sb_printf(b, "# HELP dbproxy_server_" metric " " help "\n");                       \
		sb_printf(b, "# TYPE dbproxy_server_" metric " gauge\n");                          \
		for (int i = 0; i < px->nservers; i++) {                                           \
			const dp_server *s = px->servers[i];                                       \
			if (cond)                                                                  \
				sb_printf(b, "dbproxy_server_" metric "{server=\"%s\"" fmt "\n",   \
					  s->conf.name, v);                                        \
		}                                                                                  \
	} while (0)
	G("up", "1 when the server answers the probes.", 1, "} %d", s->health == DP_H_UP);
	G("role", "The server's role (label role), always 1.", 1, ",role=\"%s\"} 1",
	  dp_role_name(s->role));
	G("read_only", "The server's read_only variable.", 1, "} %d", s->read_only);
	G("probe_rtt_seconds", "Round trip of the last probe.", 1, "} %.6f", s->rtt_us / 1e6);
	G("lag_seconds", "Seconds_Behind_Master of a replica.",
	  s->slave.present && s->slave.seconds_behind >= 0, "} %lld", s->slave.seconds_behind);
	G("connections", "Client sessions relayed to the server.", 1, "} %u", s->sessions);
	G("semisync_on", "1 when semi-synchronous replication is on (primary).", 1, "} %d",
	  s->semi_on);
	G("quarantined", "1 when the server is kept out of routing.", 1, "} %d", s->quarantined);
#undef G
}

static char *metrics_text(dp_proxy *px, size_t *len)
{
	strbuf b = {0};
	dp_counters *n = &px->n;
	sb_printf(
	    &b,
	    "# HELP dbproxy_epoch Writer epoch decided by dbproxy.\n# TYPE dbproxy_epoch gauge\n"
	    "dbproxy_epoch %llu\n",
	    (unsigned long long)px->epoch);
	sb_printf(&b,
		  "# HELP dbproxy_routing_open 1 when a primary can take new sessions.\n"
		  "# TYPE dbproxy_routing_open gauge\ndbproxy_routing_open %d\n",
		  dp_backend_pick(px) != NULL);
	sb_printf(&b,
		  "# HELP dbproxy_sessions Client sessions open.\n"
		  "# TYPE dbproxy_sessions gauge\ndbproxy_sessions %u\n",
		  px->nsessions);
	sb_printf(&b,
		  "# HELP dbproxy_sessions_waiting Sessions waiting for a primary.\n"
		  "# TYPE dbproxy_sessions_waiting gauge\ndbproxy_sessions_waiting %u\n",
		  count_waiting(px));
	sb_printf(
	    &b,
	    "# HELP dbproxy_sessions_logging_in Sessions connected to a server, not logged in "
	    "yet.\n# TYPE dbproxy_sessions_logging_in gauge\ndbproxy_sessions_logging_in %u\n",
	    px->nlogins);
	sb_printf(&b,
		  "# HELP dbproxy_buffers_in_use Relay buffers taken from the pool.\n"
		  "# TYPE dbproxy_buffers_in_use gauge\ndbproxy_buffers_in_use %zu\n",
		  dp_bufpool_in_use(px->pool));
	sb_printf(&b,
		  "# HELP dbproxy_pipes_in_use Splice pipes taken from the pool.\n"
		  "# TYPE dbproxy_pipes_in_use gauge\ndbproxy_pipes_in_use %zu\n",
		  dp_pipepool_in_use(px->pipes));
#define C(name, v)                                                                                 \
	sb_printf(&b,                                                                              \
		  "# HELP dbproxy_" name " Since dbproxy started.\n# TYPE dbproxy_" name           \
		  " counter\ndbproxy_" name " %llu\n",                                             \
		  (unsigned long long)(v))
	C("connections_accepted_total", n->accepted);
	C("connections_refused_full_total", n->refused_full);
	C("sessions_closed_total", n->sessions_closed);
	C("sessions_errored_total", n->sessions_errored);
	C("sessions_moved_total", n->sessions_migrated);
	C("session_move_failures_total", n->migrate_failures);
	C("sessions_no_primary_total", n->sessions_no_primary);
	C("handshake_timeouts_total", n->handshake_timeouts);
	C("handshakes_evicted_total", n->handshakes_evicted);
	C("failovers_total", n->failovers);
	C("switchovers_total", n->switchovers);
	C("failover_refusals_total", n->failover_refusals);
	C("fences_total", n->fences);
	C("bytes_spliced_total", n->bytes_spliced);
#undef C
	uint64_t spins, sleeps;
	dp_loop_poll_counts(px->loop, &spins, &sleeps);
	sb_printf(&b,
		  "# HELP dbproxy_event_polls_total Event loop waits, spinning or sleeping.\n"
		  "# TYPE dbproxy_event_polls_total counter\n"
		  "dbproxy_event_polls_total{mode=\"spinning\"} %llu\n"
		  "dbproxy_event_polls_total{mode=\"sleeping\"} %llu\n",
		  (unsigned long long)spins, (unsigned long long)sleeps);
	sb_printf(&b,
		  "# HELP dbproxy_bytes_total Bytes relayed, by direction.\n"
		  "# TYPE dbproxy_bytes_total "
		  "counter\ndbproxy_bytes_total{direction=\"client_to_server\"} %llu\n"
		  "dbproxy_bytes_total{direction=\"server_to_client\"} %llu\n",
		  (unsigned long long)n->bytes_c2s, (unsigned long long)n->bytes_s2c);
	if (px->cfg.cooperative)
		sb_printf(&b,
			  "# HELP dbproxy_coop_leader 1 when this dbproxy is the cooperative "
			  "leader.\n# TYPE dbproxy_coop_leader gauge\ndbproxy_coop_leader %d\n"
			  "# HELP dbproxy_coop_locks Monitor locks held (a majority makes the "
			  "leader).\n# TYPE dbproxy_coop_locks gauge\ndbproxy_coop_locks %u\n",
			  px->coop.leader, px->coop.locks);
	server_metrics(&b, px);
	*len = b.len;
	return b.p;
}

/* ---------------------------------------------------------------- HTTP */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type,
				 char *text, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* One of the status page's static files (no data in them: no token needed). */
static enum MHD_Result send_static(struct MHD_Connection *c, const char *type, const char *body,
				   size_t len)
{
	void *persistent; /* libmicrohttpd never writes a PERSISTENT buffer: const is dropped */
	memcpy(&persistent, &body, sizeof(persistent));
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, persistent, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", dp_ui_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	/* One file a connection: they need no token, and a local process pipelined thousands of
	 * them on every connection it could open, read slowly, so that the operators' /status
	 * found none free. */
	MHD_add_response_header(r, "Connection", "close");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (!text)
		return MHD_NO;
	size_t len = strlen(text);
	char *nl = realloc(text, len + 2);
	if (nl) {
		text = nl;
		text[len++] = '\n';
		text[len] = 0;
	}
	return send_text(c, status, "application/json", text, len);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return send_json(c, status, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

static int authorized(dp_proxy *px, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	size_t tlen = strlen(px->cfg.admin_token);
	if (!h || strncmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	if (strlen(h) != tlen)
		return 0;
	return sodium_memcmp(h, px->cfg.admin_token, tlen) == 0;
}

static void op_done(dp_proxy *px, const dp_event *ev, void *arg)
{
	req *rq = arg;
	(void)px;
	if (rq->orphan) {
		free(rq);
		return;
	}
	rq->finished = 1;
	rq->ok = strcmp(ev->result, "done") == 0;
	rq->result = event_json(ev);
	if (rq->started) {
		MHD_resume_connection(rq->conn);
		admin_schedule(rq->ad);
	}
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static int flag(struct MHD_Connection *c, const char *name)
{
	const char *v = arg(c, name);
	return v &&
	       (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"));
}

/* The answer to a command whose operation has ended. */
static enum MHD_Result send_result(struct MHD_Connection *c, const req *rq)
{
	return send_json(c, rq->ok ? 200 : 409,
			 json_pack("{s:b, s:o}", "ok", rq->ok, "event", json_incref(rq->result)));
}

static enum MHD_Result maintenance(dp_proxy *px, struct MHD_Connection *c)
{
	const char *name = arg(c, "server");
	dp_server *s;
	if (!name || !arg(c, "on"))
		return send_error(c, 400, "maintenance needs server=NAME and on=1|0");
	if (!(s = dp_backend_find(px, name)))
		return send_error(c, 404, "no such server");
	int on = flag(c, "on");
	if (on && s == px->primary)
		return send_error(c, 409,
				  "the primary cannot go into maintenance: switch over first");
	s->maintenance = on;
	dp_info("admin: server %s maintenance %s", s->conf.name, on ? "on" : "off");
	return send_json(
	    c, 200,
	    json_pack("{s:b, s:s, s:b}", "ok", 1, "server", s->conf.name, "maintenance", on));
}

/* Starts the operation of one kind for the request rq; 0, or -1 with a message in err. */
static int start_op(dp_proxy *px, struct MHD_Connection *c, int kind, dp_server *target, req *rq,
		    char *err, size_t errsz)
{
	switch (kind) {
	case DP_OP_FAILOVER:
		return dp_op_failover(px, target, flag(c, "allow_loss") ? DP_OP_ALLOW_LOSS : 0,
				      op_done, rq, err, errsz);
	case DP_OP_SWITCHOVER:
		return dp_op_switchover(px, target, op_done, rq, err, errsz);
	default:
		return dp_op_rejoin(px, target, op_done, rq, err, errsz);
	}
}

static enum MHD_Result command(dp_admin *ad, struct MHD_Connection *c, const char *url, req *rq)
{
	dp_proxy *px = ad->px;
	char err[256];
	int kind;
	dp_server *target = NULL;
	const char *name;

	if (rq->finished)
		return send_result(c, rq);
	if (!strcmp(url, "/reload")) {
		dp_info("admin: reload requested");
		kill(getpid(), SIGHUP);
		return send_json(c, 202, json_pack("{s:b}", "ok", 1));
	}
	if (!strcmp(url, "/maintenance"))
		return maintenance(px, c);
	if (!strcmp(url, "/failover"))
		kind = DP_OP_FAILOVER;
	else if (!strcmp(url, "/switchover"))
		kind = DP_OP_SWITCHOVER;
	else if (!strcmp(url, "/rejoin"))
		kind = DP_OP_REJOIN;
	else
		return send_error(c, 404, "unknown command");
	name = arg(c, kind == DP_OP_REJOIN ? "server" : "to");
	if (name && !(target = dp_backend_find(px, name)))
		return send_error(c, 404, "no such server");
	if (kind == DP_OP_REJOIN && !target)
		return send_error(c, 400, "rejoin needs server=NAME");
	rq->conn = c;
	rq->ad = ad;
	if (start_op(px, c, kind, target, rq, err, sizeof(err)) < 0) {
		rq->ad = NULL;
		return send_error(c, 409, err);
	}
	if (rq->finished)
		return send_result(c, rq);
	if (arg(c, "wait") && !flag(c, "wait")) {
		/* Asynchronous: the caller polls /history. The operation still calls op_done. */
		rq->started = 0;
		rq->conn = NULL;
		return send_json(
		    c, 202,
		    json_pack("{s:b, s:I}", "ok", 1, "event_id", (json_int_t)px->next_event_id));
	}
	rq->started = 1;
	MHD_suspend_connection(c);
	return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	dp_admin *ad = cls;
	dp_proxy *px = ad->px;
	req *rq = *con_cls;
	(void)version;
	(void)upload;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		/* Answered from the headers, before any body is read: no endpoint takes one (a
		 * local process sent gigabytes the single thread read before the token check),
		 * and a request without the token is refused before it sends more. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if ((cl && strtoull(cl, NULL, 10) > 0) ||
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding"))
			return send_error(c, 413, "no request takes a body");
		const char *asset_type, *asset;
		size_t asset_len;
		if (!dp_ui_asset(url, &asset_type, &asset, &asset_len) && !authorized(px, c))
			return send_error(c, 401, "missing or wrong bearer token");
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* bodies are not used: parameters are in the query string */
		return MHD_YES;
	}
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci && ci->socket_context)
		((admin_conn *)ci->socket_context)->answering = 1;
	int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	const char *type, *body;
	size_t len;
	if (dp_ui_asset(url, &type, &body, &len))
		return get || !strcmp(method, "HEAD") ? send_static(c, type, body, len)
						      : send_error(c, 405, "use GET");
	if (!authorized(px, c))
		return send_error(c, 401, "missing or wrong bearer token");
	if (!strcmp(url, "/status") || !strcmp(url, "/history") || !strcmp(url, "/metrics")) {
		if (!get)
			return send_error(c, 405, "use GET");
		if (!strcmp(url, "/status"))
			return send_json(c, 200, status_json(px));
		if (!strcmp(url, "/history"))
			return send_json(c, 200, json_pack("{s:o}", "events", history_json(px)));
		char *text = metrics_text(px, &len);
		if (!text)
			return MHD_NO;
		return send_text(c, 200, "text/plain; version=0.0.4", text, len);
	}
	if (!strcmp(url, "/failover") || !strcmp(url, "/switchover") || !strcmp(url, "/rejoin") ||
	    !strcmp(url, "/maintenance") || !strcmp(url, "/reload")) {
		if (!post)
			return send_error(c, 405, "use POST");
		return command(ad, c, url, rq);
	}
	return send_error(c, 404, "unknown path");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	req *rq = *con_cls;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	(void)cls;
	(void)toe;
	if (ci && ci->socket_context) { /* the next request on this connection starts now */
		admin_conn *ac = ci->socket_context;
		ac->answering = 0;
		ac->since_ms = dp_now_ms();
	}
	if (!rq)
		return;
	if (!rq->finished && rq->ad) {
		/* The request ended while its operation runs: op_done frees it later. */
		rq->conn = NULL;
		rq->started = 0;
		rq->orphan = 1;
		*con_cls = NULL;
		return;
	}
	json_decref(rq->result);
	free(rq);
	*con_cls = NULL;
}

/* ---------------------------------------------------------------- slow clients */

static int arriving(const admin_conn *ac)
{
	return !ac->answering && !ac->cut;
}

/* Not closed here: libmicrohttpd owns the socket, reads its end and closes it. */
static void cut(admin_conn *ac, const char *why)
{
	ac->cut = 1;
	shutdown(ac->fd, SHUT_RDWR);
	dp_info("admin endpoint: a connection closed, %s", why);
}

static void on_sweep(dp_loop *loop, dp_timer *t)
{
	dp_admin *ad = t->arg;
	uint64_t now = dp_now_ms();
	for (admin_conn *ac = ad->conns; ac; ac = ac->next)
		if (arriving(ac) && now - ac->since_ms >= ADMIN_REQUEST_DEADLINE_MS)
			cut(ac, "its request not whole after 5 s");
	if (ad->conns)
		dp_timer_set(loop, &ad->sweep, 1000);
}

static void cut_oldest_past_limit(dp_admin *ad)
{
	admin_conn *oldest = NULL;
	unsigned n = 0;
	for (admin_conn *ac = ad->conns; ac; ac = ac->next) {
		if (!arriving(ac))
			continue;
		n++;
		if (!oldest || ac->since_ms <= oldest->since_ms)
			oldest = ac;
	}
	if (n > ADMIN_MAX_ARRIVING)
		cut(oldest, "the oldest of too many requests still arriving");
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	dp_admin *ad = cls;
	admin_conn *ac = *socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		ac = calloc(1, sizeof(*ac));
		if (!ac || !ci) {
			free(ac); /* untracked: libmicrohttpd's inactivity timeout still applies */
			return;
		}
		ac->fd = ci->connect_fd;
		ac->since_ms = dp_now_ms();
		ac->next = ad->conns;
		if (ad->conns)
			ad->conns->prev = ac;
		ad->conns = ac;
		*socket_context = ac;
		cut_oldest_past_limit(ad);
		if (!dp_timer_armed(&ad->sweep))
			dp_timer_set(ad->px->loop, &ad->sweep, 1000);
		return;
	}
	if (!ac)
		return;
	if (ac->prev)
		ac->prev->next = ac->next;
	else
		ad->conns = ac->next;
	if (ac->next)
		ac->next->prev = ac->prev;
	free(ac);
	*socket_context = NULL;
}

/* ---------------------------------------------------------------- loop integration */

static void admin_run(dp_admin *ad)
{
	MHD_run(ad->mhd);
	admin_schedule(ad);
}

static void on_io(dp_loop *loop, dp_io *io, unsigned events)
{
	(void)loop;
	(void)events;
	admin_run(io->arg);
}

static void on_timer(dp_loop *loop, dp_timer *t)
{
	(void)loop;
	admin_run(t->arg);
}

static void admin_schedule(dp_admin *ad)
{
	MHD_UNSIGNED_LONG_LONG to;
	if (MHD_get_timeout(ad->mhd, &to) == MHD_YES)
		dp_timer_set(ad->px->loop, &ad->timer, to);
	else
		dp_timer_set(ad->px->loop, &ad->timer, 1000);
}

int dp_admin_start(dp_proxy *px, char *err, size_t errsz)
{
	dp_admin *ad;
	const union MHD_DaemonInfo *info;
	if (!px->cfg.admin[0])
		return 0;
	ad = calloc(1, sizeof(*ad));
	if (!ad)
		return dp_seterr(err, errsz, "out of memory");
	ad->px = px;
	dp_timer_init(&ad->sweep, on_sweep, ad);
	ad->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handler, ad,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&px->cfg.admin_addr.ss,
	    /* Requests are one line of headers: a client silent for 5 s is gone, one whose
	     * request is not whole after 5 s too, and past 8 requests arriving the oldest
	     * (notify_connection); 64 connections at most. */
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
	    notify_connection, ad, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_END);
	if (!ad->mhd) {
		snprintf(err, errsz, "admin endpoint %s: cannot listen", px->cfg.admin);
		free(ad);
		return -1;
	}
	info = MHD_get_daemon_info(ad->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		MHD_stop_daemon(ad->mhd);
		free(ad);
		return dp_seterr(err, errsz, "admin endpoint: no epoll fd");
	}
	dp_io_init(&ad->io, on_io, ad);
	dp_timer_init(&ad->timer, on_timer, ad);
	dp_io_add(px->loop, &ad->io, info->epoll_fd, DP_EV_READ);
	px->admin = ad;
	admin_schedule(ad);
	dp_info("admin endpoint on http://%s/ (bearer token from %s)", px->cfg.admin,
		px->cfg.admin_token_file);
	return 0;
}

void dp_admin_stop(dp_proxy *px)
{
	dp_admin *ad = px->admin;
	if (!ad)
		return;
	dp_io_del(px->loop, &ad->io);
	dp_timer_cancel(px->loop, &ad->timer);
	dp_timer_cancel(px->loop, &ad->sweep);
	MHD_stop_daemon(ad->mhd);
	free(ad);
	px->admin = NULL;
}
