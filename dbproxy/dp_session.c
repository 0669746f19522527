/* dbproxy sessions: a client connection and its backend connection, relayed byte for byte with
 * bounded buffers, framed by the tracker; states change in one function that logs, and every
 * session end logs one line with its reason. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "dp_log.h"
#include "dp_session.h"

#define ACCEPT_BATCH 64

static void update_masks(dp_session *s);
static void on_client(dp_loop *loop, dp_io *io, unsigned events);
static void on_backend(dp_loop *loop, dp_io *io, unsigned events);
static void on_timer(dp_loop *loop, dp_timer *t);
static void backend_lost(dp_session *s, const char *why);
static void migrate_start(dp_session *s);
static void connect_start(dp_session *s);

static const char *state_name(int st)
{
	static const char *const names[] = {"wait",	 "connect", "relay", "move-connect",
					    "move-auth", "closing", "check"};
	return st >= 0 && st <= DP_S_CHECK ? names[st] : "?";
}

static void set_state(dp_session *s, int st)
{
	if (s->state == st)
		return;
	dp_debug("session %llu: %s -> %s", (unsigned long long)s->id, state_name(s->state),
		 state_name(st));
	s->state = st;
}

static void peer_str(const dp_session *s, char *buf, size_t size)
{
	dp_addr_str(&s->peer, buf, size);
}

/* ---------------------------------------------------------------- lists */

static void wait_add(dp_session *s)
{
	dp_proxy *px = s->px;
	dp_session *head;
	if (s->waiting)
		return;
	s->waiting = 1;
	head = px->waiters;
	s->wprev = NULL;
	s->wnext = head;
	if (head)
		head->wprev = s;
	px->waiters = s;
}

static void wait_del(dp_session *s)
{
	dp_proxy *px = s->px;
	if (!s->waiting)
		return;
	s->waiting = 0;
	if (s->wprev)
		s->wprev->wnext = s->wnext;
	else
		px->waiters = s->wnext;
	if (s->wnext)
		s->wnext->wprev = s->wprev;
	s->wprev = s->wnext = NULL;
}

/* New clients connected (or connecting) to a server that have not logged in yet, oldest
 * first. Each holds one of the server's connections, so sockets that never log in could hold
 * them all (and every slot of max_clients) until their timeouts. Past max_handshakes, a new
 * client closes the oldest: a client that logs in at once is never the oldest, and logged-in
 * sessions are not in the list. A session joins it when it is accepted and goes to a server at
 * once (on_listen), never when a new writer takes it after a wait (a failover's clients would
 * be closed by the next arrivals), and leaves it at its login, when its server connection
 * closes, or when its stream turns opaque before a login (TLS: its login cannot be seen; the
 * server's connect_timeout bounds it). */
static void logins_add(dp_session *s)
{
	dp_proxy *px = s->px;
	if (s->logging_in || s->moving || s->trk.logins)
		return;
	s->logging_in = 1;
	s->lnext = NULL;
	s->lprev = px->logins_tail;
	if (px->logins_tail)
		px->logins_tail->lnext = s;
	else
		px->logins_head = s;
	px->logins_tail = s;
	px->nlogins++;
}

static void logins_del(dp_session *s)
{
	dp_proxy *px = s->px;
	if (!s->logging_in)
		return;
	s->logging_in = 0;
	if (s->lprev)
		s->lprev->lnext = s->lnext;
	else
		px->logins_head = s->lnext;
	if (s->lnext)
		s->lnext->lprev = s->lprev;
	else
		px->logins_tail = s->lprev;
	s->lprev = s->lnext = NULL;
	px->nlogins--;
}

static void set_server(dp_session *s, dp_server *srv)
{
	if (s->server)
		s->server->sessions--;
	s->server = srv;
	if (srv) {
		srv->sessions++;
		srv->sessions_total++;
		s->epoch = s->px->epoch;
	}
}

/* ---------------------------------------------------------------- end */

static void session_free(void *p)
{
	dp_session *s = p;
	dp_track_clear(&s->trk);
	sodium_memzero(s->stage1, sizeof(s->stage1));
	sodium_memzero(s->mig_out, sizeof(s->mig_out));
	free(s);
}

static void close_backend(dp_session *s)
{
	if (s->bfd >= 0) {
		dp_io_del(s->px->loop, &s->bio);
		close(s->bfd);
		s->bfd = -1;
	}
	dp_buf_release(&s->mig, s->px->pool);
	logins_del(s); /* no server connection held now (logins_add) */
	/* Bytes spliced towards the lost backend went nowhere; the session's fate was decided
	 * from c2s_sent, which does not count them. */
	dp_pipe_release(&s->c2s_pipe, s->px->pipes);
	set_server(s, NULL);
}

/* Ends the session with one log line that gives the reason; returns -1, for callers that stop
 * there. */
static int session_end(dp_session *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void check_del(dp_session *s)
{
	if (s->check_server) {
		s->check_server->checking--;
		s->check_server = NULL;
	}
}

static int session_end(dp_session *s, int level, const char *fmt, ...)
{
	dp_proxy *px = s->px;
	char peer[128], why[200];
	const char *server = s->server ? s->server->conf.name : "-";
	uint64_t ms = dp_now_ms() - s->started_ms;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	peer_str(s, peer, sizeof(peer));
	/* The line is logged once the connections are closed: a client whose server closed its
	 * session must see the close before it can send its next command, as directly. */
	wait_del(s);
	check_del(s);
	logins_del(s);
	dp_timer_cancel(px->loop, &s->timer);
	close_backend(s);
	if (s->cfd >= 0) {
		dp_io_del(px->loop, &s->cio);
		close(s->cfd);
		s->cfd = -1;
	}
	dp_buf_release(&s->c2s, px->pool);
	dp_buf_release(&s->s2c, px->pool);
	dp_pipe_release(&s->s2c_pipe, px->pipes);
	if (s->prev)
		s->prev->next = s->next;
	else
		px->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	px->nsessions--;
	px->n.sessions_closed++;
	s->state = DP_S_CLOSING;
	dp_log(level,
	       "session %llu end: %s (client %s, user '%s', server %s, %llu ms, %llu/%llu bytes)",
	       (unsigned long long)s->id, why, peer, s->trk.login.user, server,
	       (unsigned long long)ms, (unsigned long long)s->bytes_c2s,
	       (unsigned long long)s->bytes_s2c);
	dp_loop_defer_free(px->loop, s, session_free);
	if (px->draining && px->nsessions == 0)
		dp_proxy_stop(px);
	return -1;
}

/* Sends an ERR packet after whatever the client still has to receive, then closes. */
static void error_close(dp_session *s, uint8_t seq, uint16_t code, const char *sqlstate,
			const char *msg)
{
	uint8_t pkt[512];
	size_t n = dp_build_err(pkt, sizeof(pkt), seq, code, sqlstate, msg);
	s->px->n.sessions_errored++;
	snprintf(s->end_reason, sizeof(s->end_reason), "error %u sent: %.140s", code, msg);
	close_backend(s);
	wait_del(s);
	dp_timer_cancel(s->px->loop, &s->timer);
	if (n == 0 || dp_buf_append(&s->s2c, s->px->pool, pkt, (uint32_t)n) < 0) {
		session_end(s, DP_LOG_INFO, "%s (could not send the error)", s->end_reason);
		return;
	}
	set_state(s, DP_S_CLOSING);
	/* Give a slow client a moment to take the packet, not forever. */
	dp_timer_set(s->px->loop, &s->timer, 5000);
	update_masks(s);
}

/* ---------------------------------------------------------------- buffers and masks */

static void update_masks(dp_session *s)
{
	dp_proxy *px = s->px;
	unsigned cm = 0, bm = 0;
	if (s->cfd < 0)
		return;
	if (s->state != DP_S_CLOSING && !s->held && !s->client_eof &&
	    dp_pipe_len(&s->c2s_pipe) == 0 && dp_buf_room(&s->c2s, px->pool) > 0)
		cm |= DP_EV_READ;
	if (dp_buf_len(&s->s2c) > 0 || dp_pipe_len(&s->s2c_pipe) > 0)
		cm |= DP_EV_WRITE;
	dp_io_set(px->loop, &s->cio, cm);
	if (s->bfd < 0)
		return;
	switch (s->state) {
	case DP_S_CONNECT:
	case DP_S_MIG_CONNECT:
		bm = DP_EV_WRITE;
		break;
	case DP_S_MIG_AUTH:
		bm = DP_EV_READ | (s->mig_out_off < s->mig_out_len ? DP_EV_WRITE : 0);
		break;
	case DP_S_RELAY:
		if (dp_pipe_len(&s->s2c_pipe) == 0 && dp_buf_room(&s->s2c, px->pool) > 0)
			bm |= DP_EV_READ;
		if (dp_buf_len(&s->c2s) > 0 || dp_pipe_len(&s->c2s_pipe) > 0)
			bm |= DP_EV_WRITE;
		break;
	default:
		break;
	}
	dp_io_set(px->loop, &s->bio, bm);
}

/* Writes pending client bytes to the backend. -1 when the backend is gone. */
static int flush_c2s(dp_session *s)
{
	ssize_t n;
	if (s->state != DP_S_RELAY || s->bfd < 0)
		return 0;
	if (dp_pipe_len(&s->c2s_pipe) > 0)
		n = dp_pipe_drain(&s->c2s_pipe, s->px->pipes, s->bfd);
	else if (dp_buf_len(&s->c2s) > 0)
		n = dp_buf_write_fd(&s->c2s, s->px->pool, s->bfd);
	else
		return 0;
	if (n < 0)
		return -1;
	s->c2s_sent += (uint64_t)n;
	return 0;
}

/* -1 when the client is gone (the session has ended). */
static int flush_s2c(dp_session *s)
{
	ssize_t n;
	/* Spliced bytes come first: the buffer is filled only once the pipe is empty. */
	if (dp_pipe_len(&s->s2c_pipe) > 0) {
		n = dp_pipe_drain(&s->s2c_pipe, s->px->pipes, s->cfd);
		if (n >= 0 && dp_pipe_len(&s->s2c_pipe) == 0 && dp_buf_len(&s->s2c) > 0)
			n = dp_buf_write_fd(&s->s2c, s->px->pool, s->cfd);
	} else if (dp_buf_len(&s->s2c) > 0) {
		n = dp_buf_write_fd(&s->s2c, s->px->pool, s->cfd);
	} else {
		return 0;
	}
	if (n < 0)
		return session_end(s, DP_LOG_INFO, "client write failed: %s", strerror(errno));
	if (s->state == DP_S_CLOSING && dp_buf_len(&s->s2c) == 0 && dp_pipe_len(&s->s2c_pipe) == 0)
		return session_end(s, DP_LOG_INFO, "%s", s->end_reason);
	return 0;
}

/* Ends the session because its server connection is gone, with one log line (fmt): the
 * client first gets what the server sent before the close, then the close, as it would
 * directly. Its reading side is shut at once, so that a command it sends after those last bytes
 * fails to be sent (on a Unix socket; EPIPE, its library reports 2006), as into a connection
 * its server has closed, instead of being read by a connection about to close. -1. */
static int end_after_server(dp_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int end_after_server(dp_session *s, const char *fmt, ...)
{
	dp_proxy *px = s->px;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->end_reason, sizeof(s->end_reason), fmt, ap);
	va_end(ap);
	if (s->cfd < 0 || (dp_buf_len(&s->s2c) == 0 && dp_pipe_len(&s->s2c_pipe) == 0))
		return session_end(s, DP_LOG_INFO, "%s", s->end_reason);
	shutdown(s->cfd, SHUT_RD);
	if (s->bfd >= 0) { /* s->server stays, for the end's log line */
		dp_io_del(px->loop, &s->bio);
		close(s->bfd);
		s->bfd = -1;
	}
	wait_del(s);
	check_del(s);
	set_state(s, DP_S_CLOSING);
	/* Give a slow client a moment to take the bytes, not forever. */
	dp_timer_set(px->loop, &s->timer, 5000);
	if (flush_s2c(s) == 0 && s->cfd >= 0)
		update_masks(s);
	return -1;
}

/* ---------------------------------------------------------------- passwords */

/* Recovers SHA1(password) from the login we relayed and the account's stored hash. */
static int derive_stage1(dp_session *s)
{
	dp_proxy *px = s->px;
	const dp_user_hash *u;
	unsigned next = 0;
	if (s->have_stage1)
		return 1;
	if (!s->trk.login.auth_resp_ok || s->trk.login.auth_extra ||
	    strcmp(s->trk.login.auth_plugin, DP_NATIVE_PLUGIN) != 0)
		return 0;
	while ((u = dp_users_find(px, s->trk.login.user, &next))) {
		static const uint8_t zero[20];
		if (s->trk.login.auth_resp_ok == 2) {
			if (memcmp(u->stage2, zero, sizeof(zero)) == 0) {
				s->have_stage1 = 2;
				return 1;
			}
			continue;
		}
		if (dp_native_recover(s->stage1, s->trk.login.scramble, s->trk.login.auth_resp,
				      u->stage2) == 0) {
			s->have_stage1 = 1;
			sodium_memzero(s->trk.login.auth_resp, sizeof(s->trk.login.auth_resp));
			return 1;
		}
	}
	return 0;
}

/* Can the session continue on another server without the client noticing? */
static int movable(dp_session *s, const char **why)
{
	dp_track *t = &s->trk;
	uint64_t unsent_start;
	if (!s->px->cfg.migrate_sessions)
		return *why = "session moves are disabled", 0;
	if (t->phase != DP_PH_CMD)
		return *why = t->pins ? dp_track_pin_reason(t->pins) : "not logged in", 0;
	if (t->pins || t->prepared)
		return *why = dp_track_pin_reason(t->pins | (t->prepared ? DP_PIN_PREPARED : 0)), 0;
	if (t->status & DP_STATUS_IN_TRANS)
		return *why = "inside a transaction", 0;
	if (t->after & DP_AFTER_FOUND_ROWS)
		return *why = "FOUND_ROWS() of the last statement", 0;
	if (t->after & DP_AFTER_WARNINGS)
		return *why = "warnings or error of the last statement", 0;
	if (t->next_tx)
		return *why = "SET TRANSACTION waits for the next transaction", 0;
	if (!dp_pktscan_at_boundary(&t->s2c))
		return *why = "in the middle of a response", 0;
	if (t->qlen)
		unsent_start = dp_track_first_pending(t);
	else
		unsent_start = dp_pktscan_at_boundary(&t->c2s) ? t->c2s.pos : t->c2s.pkt_start;
	if (s->c2s_sent != unsent_start)
		return *why = "a statement was in flight", 0;
	if (strcmp(t->login.auth_plugin, DP_NATIVE_PLUGIN) != 0 || t->login.auth_extra ||
	    !t->login.auth_resp_ok)
		return *why = "authentication other than mysql_native_password", 0;
	if (!derive_stage1(s))
		return *why = s->px->users_denied ? "account hashes not readable"
						  : "account hash unknown",
		       0;
	return 1;
}

/* ---------------------------------------------------------------- waiting */

static void enter_wait(dp_session *s, int moving)
{
	dp_proxy *px = s->px;
	close_backend(s);
	s->moving = moving;
	s->closed_with_answer = 0;
	/* No backend now: the client's next command may arrive and wait in the buffer. */
	s->held = 0;
	set_state(s, DP_S_WAIT);
	s->wait_deadline_ms = dp_now_ms() + px->cfg.client_wait_ms;
	wait_add(s);
	dp_timer_set(px->loop, &s->timer, px->cfg.client_wait_ms);
	update_masks(s);
	if (dp_backend_pick(px))
		dp_timer_set(px->loop, &px->wake_timer, 0);
}

/* The writer refused a connection: the monitor is told and will decide; meanwhile this
 * session retries on its own timer rather than spinning through the wake list. */
static void retry_later(dp_session *s, int moving)
{
	dp_proxy *px = s->px;
	uint64_t now = dp_now_ms();
	close_backend(s);
	s->moving = moving;
	if (s->state != DP_S_WAIT || !s->wait_deadline_ms)
		s->wait_deadline_ms = now + px->cfg.client_wait_ms;
	set_state(s, DP_S_WAIT);
	wait_del(s);
	s->retrying = 1;
	dp_timer_set(px->loop, &s->timer,
		     s->wait_deadline_ms > now + 50 ? 50 : s->wait_deadline_ms - now);
	update_masks(s);
}

static void wake_one(dp_session *s)
{
	wait_del(s);
	if (s->moving)
		migrate_start(s);
	else
		connect_start(s);
}

void dp_sessions_wake(dp_proxy *px)
{
	/* Bounded work per call, the rest on the next loop iteration, so that thousands of
	 * waiting clients do not stall the loop in one go. */
	int budget = 256;
	while (px->waiters && budget-- > 0 && dp_backend_pick(px))
		wake_one(px->waiters);
	if (px->waiters && dp_backend_pick(px))
		dp_timer_set(px->loop, &px->wake_timer, 0);
}

static void on_wake(dp_loop *loop, dp_timer *t)
{
	(void)loop;
	dp_sessions_wake(t->arg);
}

/* ---------------------------------------------------------------- backend connect */

static size_t proxy_header(dp_session *s, uint8_t *out, size_t size)
{
	static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
					0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
	dp_addr local;
	size_t n = 16;
	if (size < 16 + 36)
		return 0;
	memcpy(out, sig, 12);
	if (s->is_unix || dp_local_addr(s->cfd, &local) == -1 ||
	    local.ss.ss_family != s->peer.ss.ss_family) {
		out[12] = 0x20; /* LOCAL: the server uses the connection's own addresses */
		out[13] = 0x00;
		out[14] = out[15] = 0;
		return 16;
	}
	out[12] = 0x21; /* version 2, PROXY */
	if (s->peer.ss.ss_family == AF_INET) {
		const struct sockaddr_in *src = (const struct sockaddr_in *)&s->peer.ss;
		const struct sockaddr_in *dst = (const struct sockaddr_in *)&local.ss;
		out[13] = 0x11;
		memcpy(out + n, &src->sin_addr, 4);
		memcpy(out + n + 4, &dst->sin_addr, 4);
		memcpy(out + n + 8, &src->sin_port, 2);
		memcpy(out + n + 10, &dst->sin_port, 2);
		n += 12;
	} else {
		const struct sockaddr_in6 *src = (const struct sockaddr_in6 *)&s->peer.ss;
		const struct sockaddr_in6 *dst = (const struct sockaddr_in6 *)&local.ss;
		out[13] = 0x21;
		memcpy(out + n, &src->sin6_addr, 16);
		memcpy(out + n + 16, &dst->sin6_addr, 16);
		memcpy(out + n + 32, &src->sin6_port, 2);
		memcpy(out + n + 34, &dst->sin6_port, 2);
		n += 36;
	}
	out[14] = (uint8_t)((n - 16) >> 8);
	out[15] = (uint8_t)(n - 16);
	return n;
}

/* Opens the backend socket to srv; -1 when it cannot even start. */
static int open_backend(dp_session *s, dp_server *srv)
{
	int fd = dp_connect(&srv->conf.addr);
	if (fd == -1) {
		dp_warn("session %llu: connect to %s: %s", (unsigned long long)s->id,
			srv->conf.name, strerror(errno));
		dp_monitor_probe_now(s->px, srv);
		return -1;
	}
	s->bfd = fd;
	dp_io_init(&s->bio, on_backend, s);
	if (dp_io_add(s->px->loop, &s->bio, fd, DP_EV_WRITE) == -1) {
		close(fd);
		s->bfd = -1;
		return -1;
	}
	set_server(s, srv);
	return 0;
}

static void connect_start(dp_session *s)
{
	dp_server *srv = dp_backend_pick(s->px);
	if (!srv) {
		wait_add(s);
		return;
	}
	dp_timer_set(s->px->loop, &s->timer, s->px->cfg.handshake_timeout_ms);
	if (open_backend(s, srv) < 0) {
		retry_later(s, 0);
		return;
	}
	set_state(s, DP_S_CONNECT);
	update_masks(s);
}

/* The backend socket became writable: connected, or failed. */
static int connect_finished(dp_session *s)
{
	int e = dp_socket_error(s->bfd);
	if (e) {
		dp_info("session %llu: connect to %s failed: %s", (unsigned long long)s->id,
			s->server->conf.name, strerror(e));
		dp_monitor_probe_now(s->px, s->server);
		return -1;
	}
	if (s->px->cfg.proxy_protocol) {
		uint8_t hdr[64];
		size_t n = proxy_header(s, hdr, sizeof(hdr));
		/* A fresh socket's send buffer takes 16-52 bytes at once. */
		if (n && send(s->bfd, hdr, n, MSG_NOSIGNAL) != (ssize_t)n)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- relay */

static void after_s2c(dp_session *s)
{
	dp_proxy *px = s->px;
	dp_track *t = &s->trk;
	if (t->logins != s->logins_seen) {
		s->logins_seen = t->logins;
		s->have_stage1 = 0;
		sodium_memzero(s->stage1, sizeof(s->stage1));
		if (px->cfg.migrate_sessions && t->phase == DP_PH_CMD)
			derive_stage1(s);
		/* Logged in: no more handshake timeout, even when the stream turned opaque right
		 * after the server's OK (compression). A stream opaque before any login (a
		 * handshake not understood) stays bounded by the timer. */
		dp_timer_cancel(px->loop, &s->timer);
		logins_del(s);
	}
	if (t->phase == DP_PH_OPAQUE && dp_timer_armed(&s->timer) && t->pins & DP_PIN_TLS) {
		dp_timer_cancel(px->loop,
				&s->timer); /* TLS: the server enforces its connect_timeout */
		logins_del(s);
	}
	if (t->oks != s->oks_seen) {
		s->oks_seen = t->oks;
		if (!px->first_write_logged && px->epoch == s->epoch && px->nhistory &&
		    s->server == px->primary) {
			dp_event *ev = &px->history[px->next_event_id % DP_HISTORY_MAX];
			px->first_write_logged = 1;
			if (ev->epoch_after == px->epoch && ev->epoch_after != ev->epoch_before)
				dp_event_phase(px, ev, "first_ok",
					       "first statement completed on %s",
					       px->primary->conf.name);
		}
	}
	if (dp_track_idle(t) && !dp_track_in_trans(t)) {
		/* Stop before the client can send its next command: before the response's last
		 * bytes reach it. */
		if (px->routing_paused && s->server == px->primary && !s->held) {
			s->held = 1;
		} else if (px->draining) {
			snprintf(s->end_reason, sizeof(s->end_reason), "shutting down (idle)");
			close_backend(s);
			set_state(s, DP_S_CLOSING);
		}
	}
}

/* ---------------------------------------------------------------- zero-copy */

/* Below this many bytes that the tracker need not see, copying is as cheap as splicing. */
#define SPLICE_MIN 16384u

/* How many bytes may be spliced from src into pipe now: 0 means copy through the buffer
 * (small packets, which the tracker reads, or bytes already waiting in the buffer). */
static size_t splice_budget(const dp_session *s, const dp_buf *buf, uint64_t skippable)
{
	if (!s->px->cfg.zero_copy || s->state != DP_S_RELAY || s->bfd < 0 || dp_buf_len(buf) > 0 ||
	    skippable < SPLICE_MIN)
		return 0;
	return skippable > SIZE_MAX ? SIZE_MAX : (size_t)skippable;
}

/* Splices from fd into the pipe. >0 bytes moved, 0 on EOF, -1 with errno; errno EAGAIN or
 * ENOBUFS: nothing to do now; ENOSYS: no pipe could be had, copy instead. */
static ssize_t splice_in(dp_session *s, dp_pipe *pipe, int fd, size_t budget)
{
	ssize_t n = dp_pipe_fill(pipe, s->px->pipes, fd, budget);
	if (n < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == EINVAL)) {
		dp_debug("session %llu: no pipe for splice (%s): copying",
			 (unsigned long long)s->id, strerror(errno));
		errno = ENOSYS;
	}
	if (n > 0)
		s->px->n.bytes_spliced += (uint64_t)n;
	return n;
}

/* ---------------------------------------------------------------- relaying */

/* Reads what the client sent into c2s, or splices it when it is the body of a large packet
 * (or an opaque stream). >0 bytes, 0 on EOF, -1 with errno. */
static ssize_t client_read(dp_session *s)
{
	dp_proxy *px = s->px;
	size_t budget = splice_budget(s, &s->c2s, dp_track_c2s_skippable(&s->trk));
	if (dp_pipe_len(&s->c2s_pipe) > 0) {
		errno = EAGAIN; /* the backend must take the pipe's bytes first */
		return -1;
	}
	if (budget > 0) {
		ssize_t n = splice_in(s, &s->c2s_pipe, s->cfd, budget);
		if (n > 0)
			dp_track_c2s_skip(&s->trk, (uint64_t)n);
		if (n >= 0 || errno != ENOSYS)
			return n;
	}
	ssize_t n = dp_buf_read_fd(&s->c2s, px->pool, s->cfd);
	if (n > 0)
		dp_track_c2s(&s->trk, (const uint8_t *)s->c2s.data + s->c2s.end - n, (size_t)n);
	return n;
}

static void client_readable(dp_session *s)
{
	dp_proxy *px = s->px;
	ssize_t n;
	n = client_read(s);
	if (n == 0) {
		if ((s->state == DP_S_CONNECT || s->state == DP_S_WAIT) &&
		    (dp_buf_len(&s->c2s) > 0 || dp_pipe_len(&s->c2s_pipe) > 0)) {
			/* Bytes sent before the greeting (a PROXY header, garbage), then a close:
			 * directly, the server would read them (and count a connect error). They
			 * are delivered once the server is connected, then the session ends. */
			s->client_eof = 1;
			return;
		}
		/* Forward what the client sent last (COM_QUIT) so the server ends it cleanly. */
		flush_c2s(s);
		session_end(s, DP_LOG_INFO,
			    s->trk.quit ? "client quit" : "client closed the connection");
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return;
		session_end(s, DP_LOG_INFO, "client read failed: %s", strerror(errno));
		return;
	}
	s->bytes_c2s += (uint64_t)n;
	px->n.bytes_c2s += (uint64_t)n;
	s->client_spoke_last = 1;
	if (s->state == DP_S_RELAY && flush_c2s(s) < 0)
		backend_lost(s, strerror(errno));
}

/* Passes the server's bytes on. When the server closed its side right after them (its close
 * came with them), the session learns it first: the client then gets those bytes and the close
 * together, as from its server directly, rather than the bytes, time to send its next command,
 * and the close. */
static void relay_s2c(dp_session *s, unsigned events)
{
	char b;
	if ((events & DP_EV_RDHUP) && s->state == DP_S_RELAY && s->bfd >= 0 &&
	    recv(s->bfd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
		s->closed_with_answer = 1; /* a crashing server sends nothing before its close */
		backend_lost(s, "the server closed the connection");
		return;
	}
	flush_s2c(s);
}

static void backend_readable(dp_session *s, unsigned events)
{
	dp_proxy *px = s->px;
	size_t budget = splice_budget(s, &s->s2c, dp_track_s2c_skippable(&s->trk));
	ssize_t n = -1;
	if (dp_pipe_len(&s->s2c_pipe) > 0)
		return; /* the client must take the pipe's bytes first */
	if (budget > 0) {
		n = splice_in(s, &s->s2c_pipe, s->bfd, budget);
		if (n > 0) {
			s->bytes_s2c += (uint64_t)n;
			px->n.bytes_s2c += (uint64_t)n;
			s->client_spoke_last = 0;
			dp_track_s2c_skip(&s->trk, (uint64_t)n);
			after_s2c(s); /* e.g. the TLS handshake timer, on the first spliced bytes */
			relay_s2c(s, events);
			return;
		}
	}
	if (budget == 0 || (n < 0 && errno == ENOSYS))
		n = dp_buf_read_fd(&s->s2c, px->pool, s->bfd);
	if (n == 0) {
		backend_lost(s, "the server closed the connection");
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return;
		backend_lost(s, strerror(errno));
		return;
	}
	s->bytes_s2c += (uint64_t)n;
	px->n.bytes_s2c += (uint64_t)n;
	s->client_spoke_last = 0;
	dp_track_s2c(&s->trk, (const uint8_t *)s->s2c.data + s->s2c.end - n, (size_t)n);
	after_s2c(s);
	relay_s2c(s, events);
}

/* ---------------------------------------------------------------- losing the backend */

/* The server went away with a statement in flight: its outcome is unknown. The client sees
 * what it would see directly, the connection closed (its library reports 2013 itself): client
 * error codes (2000-2999) are not for servers to send, and Connector/C reads such an ERR
 * packet as malformed. */
static void lost_in_flight(dp_session *s, const char *why)
{
	end_after_server(s, "server connection lost with a statement in flight (%s)", why);
}

/* The backend is gone for good (its server crashed or stopped being the writer): move the
 * session when nothing is lost by it; else close it, as the server's own end would. */
static void leave_gone(dp_session *s, dp_server *srv, const char *why)
{
	const char *reason = "";
	if (s->trk.phase == DP_PH_GREETING && s->bytes_s2c == 0 && !s->moving) {
		/* Nothing reached the client yet: as if the connect had failed. */
		retry_later(s, 0);
		return;
	}
	if (s->trk.phase == DP_PH_OPAQUE) {
		end_after_server(s, "server connection lost (%s); the session cannot move (%s)",
				 why, dp_track_pin_reason(s->trk.pins));
		return;
	}
	if (s->trk.phase != DP_PH_CMD) {
		end_after_server(
		    s,
		    "server connection lost before login completed: %s (%zu client byte(s) "
		    "buffered, client read %s, held %d)",
		    why, (size_t)dp_buf_len(&s->c2s), s->cio.mask & DP_EV_READ ? "on" : "off",
		    s->held);
		return;
	}
	if (movable(s, &reason)) {
		dp_info("session %llu: server %s gone (%s): will move to the next primary",
			(unsigned long long)s->id, srv ? srv->conf.name : "-", why);
		enter_wait(s, 1);
		return;
	}
	uint64_t unsent = s->trk.qlen ? dp_track_first_pending(&s->trk) : UINT64_MAX;
	if (s->trk.qlen && s->c2s_sent > unsent) {
		lost_in_flight(s, why);
		return;
	}
	/* Its session state (a transaction, temporary tables, locks...) is gone with the server:
	 * the client learns it the way it would directly, from the closed connection. */
	end_after_server(s, "server %s gone (%s); the session cannot move (%s)",
			 srv ? srv->conf.name : "-", why, reason);
}

/* The writer closed this session's backend while it looked healthy: a KILL, wait_timeout or
 * a transaction timeout closes one connection of a live server, a crash closes them all. A
 * probe started after the close tells the two apart (dp_sessions_checked); meanwhile the
 * client's next command waits in the buffer. */
static void check_start(dp_session *s, dp_server *srv, const char *why)
{
	dp_proxy *px = s->px;
	close_backend(s);
	s->check_server = srv;
	srv->checking++;
	s->check_since_ms = dp_now_ms();
	snprintf(s->check_why, sizeof(s->check_why), "%s", why);
	set_state(s, DP_S_CHECK);
	dp_timer_set(px->loop, &s->timer,
		     px->cfg.connect_timeout_ms + px->cfg.probe_timeout_ms + 250);
	dp_monitor_probe_now(px, srv);
	update_masks(s);
}

static void check_done(dp_session *s, int alive)
{
	dp_proxy *px = s->px;
	dp_server *srv = s->check_server;
	char why[96];
	snprintf(why, sizeof(why), "%s", s->check_why);
	check_del(s);
	dp_timer_cancel(px->loop, &s->timer);
	if (alive && srv == px->primary && !px->op) {
		end_after_server(s,
				 "the server closed the connection (%s) and is up: the close is "
				 "passed on",
				 why);
		return;
	}
	set_state(s, DP_S_RELAY); /* no backend: leave_gone decides */
	leave_gone(s, srv, why);
}

void dp_sessions_checked(dp_proxy *px, dp_server *srv, int alive, uint64_t probe_started_ms)
{
	dp_session *s = px->sessions, *next;
	for (; s && srv->checking; s = next) {
		next = s->next;
		if (s->state == DP_S_CHECK && s->check_server == srv &&
		    s->check_since_ms <= probe_started_ms)
			check_done(s, alive);
	}
}

/* The backend went away (crash, kill, or we closed it because its server stopped being the
 * writer). */
static void leave_backend(dp_session *s, const char *why, int probe)
{
	dp_proxy *px = s->px;
	dp_server *srv = s->server;
	if (s->state == DP_S_MIG_CONNECT || s->state == DP_S_MIG_AUTH) {
		dp_info("session %llu: move to %s interrupted: %s", (unsigned long long)s->id,
			srv ? srv->conf.name : "-", why);
		px->n.migrate_failures++;
		enter_wait(s, 1);
		return;
	}
	if (probe && srv && srv == px->primary && !px->op && s->trk.phase == DP_PH_CMD &&
	    srv->health == DP_H_UP) {
		/* A crash or a shutdown closes every connection of the server at once, the
		 * monitor's too; KILL or a timeout closes this one. A monitor connection already
		 * closed tells a crash at once. One still open tells nothing yet: a dying server's
		 * sockets close one after the other, and this one may have been first (a kill -9
		 * of the primary was taken for a KILL of this session, whose client then lost a
		 * session that could have moved). A probe sent now decides (check_start). */
		int alive = dp_sqlc_peer_alive(srv->probe);
		if (alive < 0)
			alive = dp_sqlc_peer_alive(srv->cmd);
		if (alive > 0 && s->closed_with_answer) {
			/* It answered, then closed (init_connect failed, a KILL during a
			 * statement): a live server's deliberate close, passed on at once, as
			 * directly. */
			end_after_server(s,
					 "the server closed the connection (%s) and is up: the "
					 "close is passed on",
					 why);
			return;
		}
		if (alive != 0) {
			check_start(s, srv, why);
			return;
		}
	}
	/* The session first (the client must see the close before it sends its next command, as
	 * directly), the probe after. */
	leave_gone(s, srv, why);
	if (probe && srv)
		dp_monitor_probe_now(px, srv);
}

static void backend_lost(dp_session *s, const char *why)
{
	leave_backend(s, why, 1);
}

/* ---------------------------------------------------------------- moving a session */

static int mig_fail(dp_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int mig_fail(dp_session *s, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	s->px->n.migrate_failures++;
	dp_warn("session %llu: could not move to %s: %s", (unsigned long long)s->id,
		s->server ? s->server->conf.name : "-", why);
	/* Its server is gone: the client sees the connection closed, as it would directly. */
	return session_end(s, DP_LOG_INFO, "could not move to the new primary: %s", why);
}

static void migrate_start(dp_session *s)
{
	dp_server *srv = dp_backend_pick(s->px);
	if (!srv) {
		wait_add(s);
		return;
	}
	if (open_backend(s, srv) < 0) {
		retry_later(s, 1);
		return;
	}
	s->mig_out_len = s->mig_out_off = 0;
	s->mig_set = 0;
	s->mig_authed = 0;
	set_state(s, DP_S_MIG_CONNECT);
	update_masks(s);
}

static int mig_send(dp_session *s, const uint8_t *p, size_t n)
{
	if (n > sizeof(s->mig_out))
		return -1;
	memcpy(s->mig_out, p, n);
	s->mig_out_len = (uint32_t)n;
	s->mig_out_off = 0;
	ssize_t w = send(s->bfd, s->mig_out, n, MSG_NOSIGNAL);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	if (w > 0)
		s->mig_out_off = (uint32_t)w;
	return 0;
}

static int mig_send_set(dp_session *s)
{
	uint8_t pkt[DP_TRACK_MAX_SET_LEN + 16];
	const char *sql = s->trk.sets[s->mig_set];
	size_t n = dp_build_query(pkt, sizeof(pkt), sql, strlen(sql));
	return n ? mig_send(s, pkt, n) : -1;
}

static void mig_done(dp_session *s)
{
	dp_proxy *px = s->px;
	dp_buf_release(&s->mig, px->pool);
	dp_track_rebase(&s->trk, s->mig_conn_id, s->mig_caps, s->mig_status);
	s->moving = 0;
	s->held = 0;
	s->epoch = px->epoch;
	px->n.sessions_migrated++;
	dp_timer_cancel(px->loop, &s->timer);
	dp_info("session %llu: moved to %s (user '%s', schema '%s', %u setting(s) restored)",
		(unsigned long long)s->id, s->server->conf.name, s->trk.login.user, s->trk.db,
		s->trk.nsets);
	set_state(s, DP_S_RELAY);
	if (flush_c2s(s) < 0) {
		backend_lost(s, strerror(errno));
		return;
	}
	update_masks(s);
}

/* One complete packet from the new backend while logging in again. 0, or -1 when it failed. */
/* The server's greeting: log in as the client did, answering its scramble from the stored
 * stage-1 hash. 0 or -1. */
static int mig_login(dp_session *s, const uint8_t *p, size_t len, uint8_t seq)
{
	dp_track *t = &s->trk;
	uint8_t out[700], resp[20];
	dp_greeting g;
	dp_handshake_resp h;
	if (dp_parse_greeting(&g, p, len) < 0 || g.scramble_len != 20)
		return mig_fail(s, "bad greeting");
	s->mig_conn_id = g.conn_id;
	s->mig_caps = g.caps;
	memcpy(s->mig_scramble, g.scramble, 20);
	memset(&h, 0, sizeof(h));
	h.caps = t->client_caps;
	h.ext_caps = t->client_ext_caps;
	h.max_packet = t->max_packet;
	h.charset = t->login.charset;
	snprintf(h.user, sizeof(h.user), "%s", t->login.user);
	snprintf(h.db, sizeof(h.db), "%s", t->db);
	strcpy(h.plugin, DP_NATIVE_PLUGIN);
	if (s->have_stage1 == 1) {
		dp_native_response(resp, g.scramble, s->stage1);
		memcpy(h.auth, resp, 20);
		h.auth_len = 20;
	}
	size_t n = dp_build_handshake_resp(out, sizeof(out), (uint8_t)(seq + 1), &h);
	sodium_memzero(&h, sizeof(h));
	sodium_memzero(resp, sizeof(resp));
	if (!n || mig_send(s, out, n) < 0)
		return mig_fail(s, "could not send the login");
	sodium_memzero(out, sizeof(out));
	return 0;
}

/* AuthSwitchRequest: the plugin name, NUL-terminated inside the packet, then the new
 * scramble. Only the native plugin can be answered without the password. 0 or -1. */
static int mig_auth_switch(dp_session *s, const uint8_t *p, size_t len, uint8_t seq)
{
	uint8_t resp[20];
	const uint8_t *nul = memchr(p + 1, 0, len - 1);
	size_t off = nul ? (size_t)(nul - p) + 1 : len + 1;
	if (!nul || strcmp((const char *)p + 1, DP_NATIVE_PLUGIN) != 0 || off + 20 > len ||
	    s->have_stage1 != 1)
		return mig_fail(s, "the server asked for another authentication method");
	dp_native_response(resp, p + off, s->stage1);
	uint8_t pkt[24] = {20, 0, 0, (uint8_t)(seq + 1)};
	memcpy(pkt + 4, resp, 20);
	sodium_memzero(resp, sizeof(resp));
	if (mig_send(s, pkt, sizeof(pkt)) < 0)
		return mig_fail(s, "could not send the login");
	return 0;
}

static int mig_packet(dp_session *s, const uint8_t *p, size_t len, uint8_t seq)
{
	dp_track *t = &s->trk;
	uint16_t code;
	char msg[200];

	if (len && p[0] == 0xFF) {
		if (dp_err_parse(p, len, &code, msg, sizeof(msg)) < 0)
			snprintf(msg, sizeof(msg), "error packet");
		return mig_fail(s, "server said: %s", msg);
	}
	if (!s->mig_authed && s->mig_out_len == 0)
		return mig_login(s, p, len, seq);
	if (!s->mig_authed) {
		if (len && p[0] == 0x00) {
			if (dp_ok_status(p, len, &s->mig_status) < 0)
				s->mig_status = DP_STATUS_AUTOCOMMIT;
			s->mig_authed = 1;
		} else if (len && p[0] == 0xFE) {
			return mig_auth_switch(s, p, len, seq);
		} else {
			return mig_fail(s, "unexpected packet during login");
		}
	} else {
		/* The answer to a replayed SET. */
		if (!len || p[0] != 0x00)
			return mig_fail(s, "replaying a setting gave an unexpected answer");
		dp_ok_status(p, len, &s->mig_status);
		s->mig_set++;
	}
	if (s->mig_set < t->nsets) {
		if (mig_send_set(s) < 0)
			return mig_fail(s, "could not replay a setting");
		return 0;
	}
	mig_done(s);
	return 1;
}

static void mig_readable(dp_session *s)
{
	dp_proxy *px = s->px;
	ssize_t n = dp_buf_read_fd(&s->mig, px->pool, s->bfd);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		leave_backend(s, n == 0 ? "closed during login" : strerror(errno), 1);
		return;
	}
	while (dp_buf_len(&s->mig) >= 4) {
		const uint8_t *p = (const uint8_t *)s->mig.data + s->mig.start;
		uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
		if (len > 4096) {
			mig_fail(s, "oversized packet during login");
			return;
		}
		if (dp_buf_len(&s->mig) < 4 + len)
			break;
		uint8_t seq = p[3];
		int r = mig_packet(s, p + 4, len, seq);
		if (r < 0)
			return;
		if (r > 0)
			return; /* moved; mig buffer released */
		dp_buf_consume(&s->mig, px->pool, 4 + len);
	}
	update_masks(s);
}

/* ---------------------------------------------------------------- events */

static void on_client(dp_loop *loop, dp_io *io, unsigned events)
{
	dp_session *s = io->arg;
	(void)loop;
	if (s->cfd < 0)
		return;
	if ((events & DP_EV_WRITE) && flush_s2c(s) < 0)
		return;
	if ((events & DP_EV_READ) && s->cfd >= 0 && s->state != DP_S_CLOSING) {
		client_readable(s);
		if (s->cfd < 0)
			return;
	}
	/* An error or hang-up is reported at every pass until the socket is closed, read interest
	 * or not: a read that cannot progress now (the bytes before still on their way to the
	 * server, behind a long statement) would spin a core until the statement ended. The
	 * client is gone (reset, or both directions shut): so is the session. */
	if ((events & DP_EV_ERROR) && s->cfd >= 0) {
		session_end(s, DP_LOG_INFO, "client connection error");
		return;
	}
	if (s->cfd >= 0)
		update_masks(s);
}

/* A client that closed before its bytes reached the server: once they are all written, the
 * session ends. 1 when it ended. */
static int client_eof_done(dp_session *s)
{
	if (dp_buf_len(&s->c2s) > 0 || dp_pipe_len(&s->c2s_pipe) > 0)
		return 0;
	session_end(s, DP_LOG_INFO, "client closed the connection (what it sent was delivered)");
	return 1;
}

static void on_backend(dp_loop *loop, dp_io *io, unsigned events)
{
	dp_session *s = io->arg;
	(void)loop;
	if (s->bfd < 0 || s->cfd < 0)
		return;
	switch (s->state) {
	case DP_S_CONNECT:
		if (!(events & (DP_EV_WRITE | DP_EV_ERROR)))
			return;
		if (connect_finished(s) < 0) {
			retry_later(s, 0);
			return;
		}
		set_state(s, DP_S_RELAY);
		if (s->client_eof) {
			flush_c2s(s);
			if (client_eof_done(s))
				return;
		}
		break;
	case DP_S_MIG_CONNECT:
		if (!(events & (DP_EV_WRITE | DP_EV_ERROR)))
			return;
		if (connect_finished(s) < 0) {
			retry_later(s, 1);
			return;
		}
		set_state(s, DP_S_MIG_AUTH);
		break;
	case DP_S_MIG_AUTH:
		if ((events & DP_EV_WRITE) && s->mig_out_off < s->mig_out_len) {
			ssize_t w = send(s->bfd, s->mig_out + s->mig_out_off,
					 s->mig_out_len - s->mig_out_off, MSG_NOSIGNAL);
			if (w > 0)
				s->mig_out_off += (uint32_t)w;
		}
		if (events & (DP_EV_READ | DP_EV_ERROR))
			mig_readable(s);
		break;
	case DP_S_RELAY:
		if ((events & DP_EV_WRITE) && flush_c2s(s) < 0) {
			backend_lost(s, strerror(errno));
			return;
		}
		if (s->client_eof && client_eof_done(s))
			return;
		if (events & (DP_EV_READ | DP_EV_ERROR))
			backend_readable(s, events);
		/* The same for the server's side (its connection killed while its answer waits
		 * for a client that does not read): lost, as when it closes. */
		if ((events & DP_EV_ERROR) && s->cfd >= 0 && s->bfd >= 0 &&
		    s->state == DP_S_RELAY) {
			backend_lost(s, "server connection error");
			return;
		}
		break;
	default:
		break;
	}
	if (s->cfd >= 0)
		update_masks(s);
}

static void on_timer(dp_loop *loop, dp_timer *t)
{
	dp_session *s = t->arg;
	dp_proxy *px = s->px;
	char msg[160];
	(void)loop;
	switch (s->state) {
	case DP_S_WAIT:
		if (s->retrying && dp_now_ms() < s->wait_deadline_ms) {
			uint64_t left = s->wait_deadline_ms - dp_now_ms();
			s->retrying = 0;
			dp_timer_set(px->loop, &s->timer, left);
			if (dp_backend_pick(px))
				wake_one(s);
			else
				wait_add(s);
			return;
		}
		px->n.sessions_no_primary++;
		snprintf(msg, sizeof(msg), "dbproxy: no primary available (waited %u ms)",
			 px->cfg.client_wait_ms);
		if (!s->moving)
			error_close(s, 0, 1927, "08S01",
				    msg); /* a new client: in place of a greeting */
		else
			session_end(s, DP_LOG_INFO, "no primary within %u ms to move to",
				    px->cfg.client_wait_ms);
		return;
	case DP_S_CLOSING:
		session_end(s, DP_LOG_INFO, "%s (client did not read it)", s->end_reason);
		return;
	case DP_S_CHECK:
		check_done(s, 0); /* no probe answered in time: the server is not healthy */
		return;
	case DP_S_MIG_CONNECT:
	case DP_S_MIG_AUTH:
		mig_fail(s, "the new primary did not answer in time");
		return;
	default:
		px->n.handshake_timeouts++;
		session_end(s, DP_LOG_INFO,
			    "no login within %u ms (state %s, %zu client byte(s) buffered, client "
			    "read %s, %zu byte(s) for the client unsent, client write %s, held %d)",
			    px->cfg.handshake_timeout_ms, state_name(s->state),
			    (size_t)dp_buf_len(&s->c2s), s->cio.mask & DP_EV_READ ? "on" : "off",
			    (size_t)dp_buf_len(&s->s2c) + (size_t)dp_pipe_len(&s->s2c_pipe),
			    s->cio.mask & DP_EV_WRITE ? "on" : "off", s->held);
		return;
	}
}

/* ---------------------------------------------------------------- accept */

static void refuse(dp_proxy *px, int fd, uint16_t code, const char *msg)
{
	uint8_t pkt[256];
	size_t n = dp_build_err(pkt, sizeof(pkt), 0, code, "08004", msg);
	/* A fresh socket's buffer takes the packet; never wait for a client we refuse. */
	if (n && send(fd, pkt, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)px;
	close(fd);
}

static void on_accept_timer(dp_loop *loop, dp_timer *t)
{
	dp_proxy *px = t->arg;
	(void)loop;
	px->accept_paused = 0;
	if (px->listen_fd >= 0)
		dp_io_set(px->loop, &px->listen_io, DP_EV_READ);
	if (px->unix_fd >= 0)
		dp_io_set(px->loop, &px->unix_io, DP_EV_READ);
}

static void accept_pause(dp_proxy *px, const char *why)
{
	if (!px->accept_paused)
		dp_warn("accepting paused for 100 ms: %s", why);
	px->accept_paused = 1;
	if (px->listen_fd >= 0)
		dp_io_set(px->loop, &px->listen_io, 0);
	if (px->unix_fd >= 0)
		dp_io_set(px->loop, &px->unix_io, 0);
	dp_timer_set(px->loop, &px->accept_timer, 100);
}

/* Past max_handshakes logins in progress, the oldest goes (logins_add). */
static void evict_oldest_login(dp_proxy *px)
{
	dp_session *s = px->logins_head;
	uint64_t now = dp_now_ms();
	if (!s)
		return;
	px->n.handshakes_evicted++;
	if (now - px->evict_warned_ms >= 10000) {
		px->evict_warned_ms = now;
		dp_warn(
		    "%u logins in progress (max_handshakes): the oldest are closed to admit new "
		    "clients (%llu so far); is a client holding connections without logging in?",
		    px->nlogins, (unsigned long long)px->n.handshakes_evicted);
	}
	session_end(s, DP_LOG_INFO, "closed before its login, the oldest of %u in progress",
		    px->nlogins);
}

static void on_listen(dp_loop *loop, dp_io *io, unsigned events)
{
	dp_proxy *px = io->arg;
	int is_unix = io == &px->unix_io;
	(void)loop;
	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		dp_addr peer;
		int fd = dp_accept(io->fd, &peer);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				accept_pause(px, strerror(errno));
			else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
				px->n.accept_errors++;
			return;
		}
		px->n.accepted++;
		if (px->draining) {
			px->n.refused_draining++;
			refuse(px, fd, 1053, "dbproxy: shutting down");
			continue;
		}
		if (px->nsessions >= px->cfg.max_clients) {
			px->n.refused_full++;
			refuse(px, fd, 1040, "dbproxy: too many connections");
			continue;
		}
		dp_session *s = calloc(1, sizeof(*s));
		if (!s) {
			close(fd);
			accept_pause(px, "out of memory");
			return;
		}
		s->px = px;
		s->id = ++px->next_session_id;
		s->cfd = fd;
		s->bfd = -1;
		s->peer = peer;
		s->is_unix = is_unix;
		s->started_ms = dp_now_ms();
		s->state = DP_S_WAIT;
		dp_pipe_init(&s->c2s_pipe);
		dp_pipe_init(&s->s2c_pipe);
		dp_track_init(&s->trk);
		dp_timer_init(&s->timer, on_timer, s);
		dp_socket_tune(fd, !is_unix);
		if (!is_unix) /* its server session, locks and transaction end with it */
			dp_socket_dead_after(fd, px->cfg.client_dead_ms);
		dp_io_init(&s->cio, on_client, s);
		if (dp_io_add(px->loop, &s->cio, fd, 0) == -1) {
			close(fd);
			free(s);
			continue;
		}
		s->next = px->sessions;
		if (px->sessions)
			px->sessions->prev = s;
		px->sessions = s;
		px->nsessions++;
		s->wait_deadline_ms = s->started_ms + px->cfg.client_wait_ms;
		dp_timer_set(px->loop, &s->timer, px->cfg.client_wait_ms);
		connect_start(s);
		if (s->state == DP_S_WAIT) {
			/* No writer now: the client waits (bounded) for one. */
			update_masks(s);
		} else {
			dp_timer_set(px->loop, &s->timer, px->cfg.handshake_timeout_ms);
			logins_add(s);
			if (px->nlogins > px->cfg.max_handshakes)
				evict_oldest_login(px); /* never s, the newest */
		}
	}
}

int dp_listen_start(dp_proxy *px, char *err, size_t errsz)
{
	dp_addr a;
	px->listen_fd = px->unix_fd = -1;
	dp_timer_init(&px->accept_timer, on_accept_timer, px);
	dp_timer_init(&px->wake_timer, on_wake, px);
	if (px->cfg.listen[0]) {
		px->listen_fd = dp_listen(&px->cfg.listen_addr, 1024, err, errsz);
		if (px->listen_fd < 0)
			return -1;
		dp_io_init(&px->listen_io, on_listen, px);
		dp_io_add(px->loop, &px->listen_io, px->listen_fd, DP_EV_READ);
	}
	if (px->cfg.listen_socket[0]) {
		if (dp_addr_parse(&a, px->cfg.listen_socket, 1, err, errsz) < 0)
			return -1;
		px->unix_fd = dp_listen(&a, 1024, err, errsz);
		if (px->unix_fd < 0)
			return -1;
		dp_io_init(&px->unix_io, on_listen, px);
		dp_io_add(px->loop, &px->unix_io, px->unix_fd, DP_EV_READ);
	}
	return 0;
}

void dp_listen_stop(dp_proxy *px)
{
	dp_timer_cancel(px->loop, &px->accept_timer);
	if (px->listen_fd >= 0) {
		dp_io_del(px->loop, &px->listen_io);
		close(px->listen_fd);
		px->listen_fd = -1;
	}
	if (px->unix_fd >= 0) {
		dp_io_del(px->loop, &px->unix_io);
		close(px->unix_fd);
		px->unix_fd = -1;
		unlink(px->cfg.listen_socket);
	}
}

/* ---------------------------------------------------------------- operations on all */

void dp_sessions_leave(dp_proxy *px, dp_server *srv, int graceful)
{
	dp_session *s = px->sessions, *next;
	for (; s; s = next) {
		next = s->next;
		if (s->server != srv || s->state == DP_S_CLOSING)
			continue;
		s->held = 0;
		if (s->state == DP_S_CONNECT) {
			close_backend(s);
			enter_wait(s, 0);
			continue;
		}
		leave_backend(s, graceful ? "switchover" : "failover", 0);
		if (s->state != DP_S_CLOSING && s->cfd >= 0)
			update_masks(s);
	}
}

/* An opaque stream (TLS) cannot be read, so whether it is inside a transaction is unknown:
 * it counts as quiet when the server spoke last and nothing waits in either direction, that
 * is when no statement is in flight. */
static int opaque_quiet(const dp_session *s)
{
	return s->trk.phase == DP_PH_OPAQUE && !s->client_spoke_last && dp_buf_len(&s->c2s) == 0 &&
	       dp_pipe_len(&s->c2s_pipe) == 0 && dp_buf_len(&s->s2c) == 0 &&
	       dp_pipe_len(&s->s2c_pipe) == 0;
}

int dp_sessions_quiet(dp_proxy *px, dp_server *srv, unsigned *busy)
{
	*busy = 0;
	for (dp_session *s = px->sessions; s; s = s->next) {
		if (s->server != srv || s->held || s->state == DP_S_CLOSING)
			continue;
		if (s->state == DP_S_RELAY && dp_track_idle(&s->trk) &&
		    !dp_track_in_trans(&s->trk) && s->trk.after) {
			(*busy)++; /* its next statement reads what the last left: not held before
				    */
			continue;
		}
		if (s->state == DP_S_RELAY &&
		    ((dp_track_idle(&s->trk) && !dp_track_in_trans(&s->trk)) || opaque_quiet(s))) {
			/* Held: the session moves, or (opaque) ends, with the writer change. */
			s->held = 1;
			update_masks(s);
			continue;
		}
		if (s->state == DP_S_RELAY && s->trk.phase == DP_PH_CMD && dp_track_idle(&s->trk) &&
		    dp_track_in_trans(&s->trk)) {
			(*busy)++; /* an open transaction may still commit */
			continue;
		}
		if (s->state == DP_S_RELAY)
			(*busy)++;
	}
	return *busy == 0;
}

void dp_sessions_release(dp_proxy *px)
{
	for (dp_session *s = px->sessions; s; s = s->next) {
		if (s->held && s->state != DP_S_CLOSING) {
			s->held = 0;
			update_masks(s);
		}
	}
}

void dp_sessions_close_all(dp_proxy *px, const char *reason)
{
	while (px->sessions)
		session_end(px->sessions, DP_LOG_INFO, "%s", reason);
}

void dp_sessions_drain(dp_proxy *px)
{
	dp_session *s = px->sessions, *next;
	for (; s; s = next) {
		next = s->next;
		/* An opaque session (TLS) may be inside a transaction that nobody can see: it
		 * stays until its client closes it or drain_timeout_ms. */
		if (s->state == DP_S_WAIT || s->state == DP_S_CHECK ||
		    (s->state == DP_S_RELAY && dp_track_idle(&s->trk) &&
		     !dp_track_in_trans(&s->trk)) ||
		    (s->state == DP_S_RELAY && s->trk.phase != DP_PH_CMD &&
		     s->trk.phase != DP_PH_OPAQUE))
			session_end(s, DP_LOG_INFO, "shutting down");
	}
}

void dp_sessions_free_all(dp_proxy *px)
{
	dp_sessions_close_all(px, "exit");
}
