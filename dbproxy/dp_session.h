/* dbproxy sessions: a client connection and its backend connection, relayed byte for byte with
 * bounded buffers, framed by the tracker; states change in one function that logs, and every
 * session end logs one line with its reason. */
#ifndef DP_SESSION_H
#define DP_SESSION_H

#include <stdint.h>

#include "dbproxy.h"
#include "dp_buf.h"
#include "dp_pipe.h"
#include "dp_net.h"
#include "dp_track.h"

enum dp_sstate {
	DP_S_WAIT,	  /* no backend: waiting for a primary (new, or moving) */
	DP_S_CONNECT,	  /* connecting to the backend */
	DP_S_RELAY,	  /* relaying */
	DP_S_MIG_CONNECT, /* moving: connecting to the new primary */
	DP_S_MIG_AUTH,	  /* moving: logging in again and restoring settings */
	DP_S_CLOSING,	  /* flushing a last packet to the client */
	DP_S_CHECK,	  /* the writer closed the backend: is it still up (pass the close on)
			   * or gone (move)? A probe started after the close decides */
};

struct dp_session {
	dp_proxy *px;
	uint64_t id;
	int state;
	dp_session *prev, *next;   /* all sessions */
	dp_session *wprev, *wnext; /* sessions waiting for a primary */
	int waiting;
	dp_session *lprev, *lnext; /* sessions logging in (px->logins_head) */
	int logging_in;
	int cfd, bfd;
	dp_io cio, bio;
	dp_addr peer;
	int is_unix;
	dp_server *server; /* the backend now (NULL when none) */
	uint64_t epoch;	   /* the writer epoch it was routed in */
	dp_buf c2s, s2c;
	dp_pipe c2s_pipe, s2c_pipe; /* zero-copy: holds bytes only while c2s/s2c are empty */
	uint64_t c2s_sent;	    /* client stream bytes written to a backend */
	uint64_t bytes_c2s, bytes_s2c;
	dp_timer timer;
	uint64_t started_ms;
	int held;		/* not reading the client: a switchover holds new commands */
	int client_spoke_last;	/* the last bytes came from the client (opaque streams) */
	int closed_with_answer; /* the server closed its side right after sending bytes */
	int moving;		/* waiting to move to a new primary (not a new session) */
	int retrying;		/* waiting out a short delay after a refused connect */
	int client_eof; /* the client closed before its bytes could reach a server: they go first */
	uint64_t wait_deadline_ms; /* the client gets an error then */
	dp_track trk;
	uint64_t logins_seen, oks_seen;
	/* Moving without a password: SHA1(password), recovered from the login. */
	uint8_t stage1[20];
	int have_stage1; /* 1: stage1 valid, 2: the account has no password */
	dp_buf mig;	 /* bytes from the new backend while logging in again */
	uint8_t mig_out[1400];
	uint32_t mig_out_len, mig_out_off;
	uint8_t mig_seq;
	unsigned mig_set;
	int mig_authed;
	uint16_t mig_status;
	uint32_t mig_conn_id, mig_caps;
	uint8_t mig_scramble[20];
	char end_reason[160];
	dp_server *check_server; /* DP_S_CHECK: the server that closed, when, and what happened */
	uint64_t check_since_ms;
	char check_why[96];
};

#endif
