/* dbproxy protocol tracker: follows both directions of a relayed session without changing a
 * byte, to know where each response ends, whether the session is inside a transaction, which
 * schema and session settings it uses, and how it authenticated (to move it later). */
#ifndef DP_TRACK_H
#define DP_TRACK_H

#include <stdint.h>

#include "dp_mysql.h"

#define DP_TRACK_QMAX	     32
#define DP_TRACK_C2S_HEAD    2048
#define DP_TRACK_S2C_HEAD    256
#define DP_TRACK_MAX_SETS    16
#define DP_TRACK_MAX_SET_LEN 1024
#define DP_TRACK_MAX_STMTS   1024 /* open prepared statements followed; more pin the session */

enum dp_phase {
	DP_PH_GREETING,	 /* waiting for the server's greeting */
	DP_PH_HANDSHAKE, /* waiting for the client's handshake response */
	DP_PH_AUTH,	 /* authentication exchange */
	DP_PH_CMD,	 /* command phase: framed */
	DP_PH_OPAQUE,	 /* no longer framed (TLS, compression, unknown traffic) */
	DP_PH_DONE,	 /* refused login, or COM_QUIT */
};

/* Why a session cannot be moved to another server; several may hold. */
#define DP_PIN_TLS	   0x0001u
#define DP_PIN_COMPRESS	   0x0002u
#define DP_PIN_PROTOCOL	   0x0004u /* traffic we could not follow */
#define DP_PIN_AUTH	   0x0008u /* not mysql_native_password with a plain exchange */
#define DP_PIN_PREPARED	   0x0010u /* binary-protocol statements open (t->prepared, or too many) */
#define DP_PIN_USERVAR	   0x0020u
#define DP_PIN_TEMP	   0x0040u /* temporary tables */
#define DP_PIN_LOCK	   0x0080u /* LOCK TABLES, GET_LOCK, FLUSH, BACKUP */
#define DP_PIN_SQL_PREPARE 0x0100u /* PREPARE, EXECUTE (IMMEDIATE), HANDLER */
#define DP_PIN_SETS	   0x0200u /* session settings we cannot replay */
#define DP_PIN_CURSOR	   0x0400u
/* A statement not read whole, or of a kind whose effects are not known: CALL, compound
 * statements, a statement in an executable comment. */
#define DP_PIN_UNCLASSIFIED 0x0800u
/* LAST_INSERT_ID() may hold a value a new server would not give: an OK packet carried an insert
 * id, or a statement named the function (LAST_INSERT_ID(expr) sets it). The OK's id cannot
 * tell a generated id from one the statement gave, so the value is not restored: the session
 * stays here until a reset. */
#define DP_PIN_INSERT_ID 0x1000u
/* A sequence moved on for the session (NEXTVAL(s), NEXT VALUE FOR s, s.NEXTVAL): LASTVAL(s),
 * PREVIOUS VALUE FOR s and s.CURRVAL read the last value it gave this session, which a new server
 * does not have (NULL there), and which only another NEXTVAL, moving the sequence on, could set:
 * the session stays here until a reset. */
#define DP_PIN_SEQUENCE 0x2000u

/* What the last response left for the next statement only (FOUND_ROWS(), SHOW WARNINGS, GET
 * DIAGNOSTICS): a session is not moved before its next response. ROW_COUNT() is not followed:
 * every write would keep its session from moving, for a function clients read in the OK. */
#define DP_AFTER_FOUND_ROWS 0x1u /* SQL_CALC_FOUND_ROWS */
#define DP_AFTER_WARNINGS   0x2u /* warnings or an error */

typedef struct dp_cmd {
	uint8_t cmd;
	uint8_t kind; /* expected response */
	uint8_t flags;
	uint8_t next_seq; /* sequence id expected on the next response packet */
	uint64_t start;	  /* stream offset of the command's first byte (client to server) */
	char *text;	  /* SET statement or schema to record when the command succeeds */
} dp_cmd;

/* A login as the tracker saw it complete, for moving the session (a new connection logs in
 * the same way). */
typedef struct dp_track_login {
	char user[128];
	char auth_plugin[64];
	uint8_t scramble[DP_SCRAMBLE_LEN];
	uint8_t auth_resp[DP_SCRAMBLE_LEN];
	int auth_resp_ok; /* a 20-byte native response to `scramble` (2: an empty password) */
	int auth_extra;	  /* AuthMoreData or several rounds: not replayable */
	uint8_t charset;
} dp_track_login;

typedef struct dp_track {
	int phase;
	unsigned pins;
	uint32_t server_caps, server_ext_caps;
	uint32_t caps; /* negotiated: server & client */
	uint32_t ext_caps;
	uint16_t status;  /* last status flags from an OK or EOF */
	uint32_t conn_id; /* the backend's connection id */
	uint8_t greet_scramble[DP_SCRAMBLE_LEN];
	uint32_t client_caps, client_ext_caps, max_packet;

	dp_track_login login; /* as last completed */
	/* The same before a COM_CHANGE_USER, back when the server refuses it (the connection
	 * stays, as the user it had). */
	dp_track_login before_change;
	int auth_wait_client; /* an AuthSwitchRequest awaits the client's answer */
	uint64_t logins;      /* completed authentications (handshake, change user) */

	char db[256];		       /* current schema */
	char *sets[DP_TRACK_MAX_SETS]; /* successful session SET statements, in order */
	unsigned nsets;
	unsigned prepared;   /* open prepared statements: how many ids stmt_ids holds */
	uint32_t *stmt_ids;  /* their ids, as the server handed them out: an open-addressing set */
	unsigned stmt_slots; /* its size, a power of two; 0 until the first prepare */

	dp_cmd q[DP_TRACK_QMAX]; /* commands awaiting (the end of) their response */
	unsigned qhead, qlen;
	int rs; /* response state of q[qhead] */
	uint64_t rs_left;
	uint64_t prep_cols; /* columns still to come after a prepare's parameters */

	unsigned after;		 /* DP_AFTER_* of the last completed statement */
	int found_rows_prepared; /* a prepared SQL_CALC_FOUND_ROWS: its executions set it */
	int next_tx;	     /* SET TRANSACTION (READ ONLY, an isolation level) waits for the next
			      * transaction, which a new server would not know: until one is seen */
	unsigned resp_after; /* gathered over the results of the response under way */

	uint64_t responses; /* responses completed */
	uint64_t oks;	    /* of which ended with OK/EOF (not ERR) */
	int quit;

	dp_pktscan c2s, s2c;
	uint8_t c2s_head[DP_TRACK_C2S_HEAD];
	uint8_t s2c_head[DP_TRACK_S2C_HEAD];
} dp_track;

void dp_track_init(dp_track *t);
/* Frees recorded statements and statement ids; the tracker can be reused after dp_track_init. */
void dp_track_clear(dp_track *t);

/* Bytes relayed client -> server and server -> client, in stream order per direction. */
void dp_track_c2s(dp_track *t, const uint8_t *data, size_t n);
void dp_track_s2c(dp_track *t, const uint8_t *data, size_t n);

/* Bytes the tracker need not see next in each direction (UINT64_MAX once the stream is
 * opaque), and accounting for bytes relayed without being seen (zero-copy). */
uint64_t dp_track_c2s_skippable(const dp_track *t);
uint64_t dp_track_s2c_skippable(const dp_track *t);
void dp_track_c2s_skip(dp_track *t, uint64_t n);
void dp_track_s2c_skip(dp_track *t, uint64_t n);

/* Nothing in flight: command phase, no command awaiting a response, both directions between
 * packets. */
int dp_track_idle(const dp_track *t);
/* True unless the session is known to be outside a transaction. */
int dp_track_in_trans(const dp_track *t);
/* Stream offset of the first command the server has not answered, or UINT64_MAX. */
uint64_t dp_track_first_pending(const dp_track *t);
const char *dp_track_pin_reason(unsigned pins);

/* Rebases the tracker on a new backend connection after a session moved: the commands not yet
 * sent are kept (their bytes will be sent to the new server), the rest is dropped. */
void dp_track_rebase(dp_track *t, uint32_t conn_id, uint32_t server_caps, uint16_t status);

#endif
