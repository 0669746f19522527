/* MySQL/MariaDB wire protocol pieces dbproxy needs: an incremental packet scanner, the
 * greeting and handshake response, OK/EOF/ERR status flags, ERR packets of our own, and the
 * mysql_native_password arithmetic used to move sessions without passwords. */
#ifndef DP_MYSQL_H
#define DP_MYSQL_H

#include <stddef.h>
#include <stdint.h>

/* Capability flags (lower 32 bits). */
#define DP_CLIENT_MYSQL		     0x00000001u /* MariaDB: clear means "extended capabilities present" */
#define DP_CLIENT_FOUND_ROWS	     0x00000002u
#define DP_CLIENT_CONNECT_WITH_DB    0x00000008u
#define DP_CLIENT_COMPRESS	     0x00000020u
#define DP_CLIENT_LOCAL_FILES	     0x00000080u
#define DP_CLIENT_PROTOCOL_41	     0x00000200u
#define DP_CLIENT_SSL		     0x00000800u
#define DP_CLIENT_TRANSACTIONS	     0x00002000u
#define DP_CLIENT_SECURE_CONNECTION  0x00008000u
#define DP_CLIENT_MULTI_STATEMENTS   0x00010000u
#define DP_CLIENT_MULTI_RESULTS	     0x00020000u
#define DP_CLIENT_PS_MULTI_RESULTS   0x00040000u
#define DP_CLIENT_PLUGIN_AUTH	     0x00080000u
#define DP_CLIENT_CONNECT_ATTRS	     0x00100000u
#define DP_CLIENT_PLUGIN_AUTH_LENENC 0x00200000u
#define DP_CLIENT_SESSION_TRACK	     0x00800000u
#define DP_CLIENT_DEPRECATE_EOF	     0x01000000u
#define DP_CLIENT_ZSTD		     0x04000000u
/* MariaDB extended capabilities (the upper 32 bits, sent in the filler). */
#define DP_MARIADB_CACHE_METADATA 0x00000010u

/* A 4-byte little-endian integer of the protocol (statement ids, capability words). */
static inline uint32_t dp_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Server status flags. */
#define DP_STATUS_IN_TRANS		0x0001u
#define DP_STATUS_AUTOCOMMIT		0x0002u
#define DP_STATUS_MORE_RESULTS		0x0008u
#define DP_STATUS_CURSOR_EXISTS		0x0040u
#define DP_STATUS_IN_TRANS_READONLY	0x2000u
#define DP_STATUS_SESSION_STATE_CHANGED 0x4000u

/* Commands. */
enum {
	DP_COM_SLEEP = 0x00,
	DP_COM_QUIT = 0x01,
	DP_COM_INIT_DB = 0x02,
	DP_COM_QUERY = 0x03,
	DP_COM_FIELD_LIST = 0x04,
	DP_COM_CREATE_DB = 0x05,
	DP_COM_DROP_DB = 0x06,
	DP_COM_REFRESH = 0x07,
	DP_COM_SHUTDOWN = 0x08,
	DP_COM_STATISTICS = 0x09,
	DP_COM_PROCESS_INFO = 0x0a,
	DP_COM_CONNECT = 0x0b,
	DP_COM_PROCESS_KILL = 0x0c,
	DP_COM_DEBUG = 0x0d,
	DP_COM_PING = 0x0e,
	DP_COM_CHANGE_USER = 0x11,
	DP_COM_BINLOG_DUMP = 0x12,
	DP_COM_REGISTER_SLAVE = 0x15,
	DP_COM_STMT_PREPARE = 0x16,
	DP_COM_STMT_EXECUTE = 0x17,
	DP_COM_STMT_SEND_LONG_DATA = 0x18,
	DP_COM_STMT_CLOSE = 0x19,
	DP_COM_STMT_RESET = 0x1a,
	DP_COM_SET_OPTION = 0x1b,
	DP_COM_STMT_FETCH = 0x1c,
	DP_COM_DAEMON = 0x1d,
	DP_COM_BINLOG_DUMP_GTID = 0x1e,
	DP_COM_RESET_CONNECTION = 0x1f,
	DP_COM_STMT_BULK_EXECUTE = 0xfa,
};

#define DP_MAX_CHUNK	 0xFFFFFFu
#define DP_NATIVE_PLUGIN "mysql_native_password"
#define DP_SCRAMBLE_LEN	 20

/* One logical packet (all its 16 MiB chunks) as seen by the scanner. */
typedef struct dp_pkt {
	const uint8_t *head; /* the first head_len bytes of the payload */
	uint32_t head_len;
	uint64_t len;	     /* whole payload length */
	uint8_t seq;	     /* sequence id of the first chunk */
	uint8_t last_seq;    /* of the last chunk */
	uint64_t start, end; /* stream offsets of its first header byte and of the byte after it */
} dp_pkt;

/* Returns 0 to continue scanning, non-zero to stop (the rest is not framed). */
typedef int dp_pkt_fn(void *ctx, const dp_pkt *pkt);

typedef struct dp_pktscan {
	uint8_t hdr[4];
	uint8_t hdr_have;
	uint8_t first_seq, cur_seq;
	uint8_t continuing; /* the current chunk continues a logical packet */
	uint32_t chunk_len, left;
	uint64_t total;
	uint32_t head_len, head_cap;
	uint8_t *head;
	uint64_t pos; /* stream bytes consumed before the current feed call */
	uint64_t pkt_start;
} dp_pktscan;

void dp_pktscan_init(dp_pktscan *s, uint8_t *head, uint32_t head_cap);
/* Feeds bytes; calls fn for each completed logical packet. Returns the number of bytes
 * consumed: n, or less when fn asked to stop. */
size_t dp_pktscan_feed(dp_pktscan *s, const uint8_t *data, size_t n, dp_pkt_fn *fn, void *ctx);
/* True between packets (no partial header or payload pending). */
int dp_pktscan_at_boundary(const dp_pktscan *s);
/* Bytes of the current packet that need not be seen: those past its captured head, short of
 * its last byte (fed normally, so that the packet completes). 0 when none. */
uint64_t dp_pktscan_skippable(const dp_pktscan *s);
/* Accounts for n (<= dp_pktscan_skippable) bytes relayed without being fed. */
void dp_pktscan_skip(dp_pktscan *s, uint64_t n);

/* Length-encoded integers: bytes used, or 0 when truncated/invalid (0xFB NULL gives 1 and
 * *null set). */
size_t dp_lenenc(const uint8_t *p, size_t avail, uint64_t *out, int *null);

typedef struct dp_greeting {
	uint8_t protocol;
	char version[64];
	uint32_t conn_id;
	uint8_t scramble[DP_SCRAMBLE_LEN];
	uint8_t scramble_len;
	uint32_t caps;	   /* lower 32 bits */
	uint32_t ext_caps; /* MariaDB extended capabilities */
	uint8_t charset;
	uint16_t status;
	char plugin[64];
} dp_greeting;

int dp_parse_greeting(dp_greeting *g, const uint8_t *p, size_t len);

typedef struct dp_handshake_resp {
	uint32_t caps;
	uint32_t max_packet;
	uint8_t charset;
	uint32_t ext_caps;
	char user[128];
	uint8_t auth[256];
	uint32_t auth_len;
	char db[256];
	char plugin[64];
	int is_ssl_request; /* the short SSLRequest packet: TLS follows */
} dp_handshake_resp;

/* Parses a HandshakeResponse41 given the server's capabilities. 0 or -1. */
int dp_parse_handshake_resp(dp_handshake_resp *h, const uint8_t *p, size_t len,
			    uint32_t server_caps);
/* Builds one; returns the packet length (header included) or 0 when buf is too small. */
size_t dp_build_handshake_resp(uint8_t *buf, size_t size, uint8_t seq, const dp_handshake_resp *h);

/* COM_CHANGE_USER body (after the command byte). 0 or -1. */
int dp_parse_change_user(dp_handshake_resp *h, const uint8_t *p, size_t len, uint32_t caps);

/* Status flags of an OK (0x00 or 0xFE with DEPRECATE_EOF) or EOF packet: 0, or -1 when the
 * packet is too short to say. */
int dp_ok_status(const uint8_t *p, size_t len, uint16_t *status);
int dp_eof_status(const uint8_t *p, size_t len, uint16_t *status);
/* The fields of an OK packet (0x00, or 0xFE ending a result with DEPRECATE_EOF) that say what
 * the statement left in the session: LAST_INSERT_ID(), ROW_COUNT(), warnings. */
typedef struct dp_ok {
	uint64_t affected_rows, insert_id;
	uint16_t status, warnings;
} dp_ok;
int dp_ok_info(const uint8_t *p, size_t len, dp_ok *ok);
/* The warning count of a (short) EOF packet; 0 when too short. */
uint16_t dp_eof_warnings(const uint8_t *p, size_t len);
/* Error code and message of an ERR packet; message truncated into msg. 0 or -1. */
int dp_err_parse(const uint8_t *p, size_t len, uint16_t *code, char *msg, size_t msgsz);

/* Builds an ERR packet (header included); returns its length, or 0 when buf is too small. */
size_t dp_build_err(uint8_t *buf, size_t size, uint8_t seq, uint16_t code, const char *sqlstate,
		    const char *msg);
/* A packet header + payload: COM_QUERY with the text. Length, or 0 when too small. */
size_t dp_build_query(uint8_t *buf, size_t size, const char *sql, size_t sqllen);

/* mysql_native_password. stage2 = SHA1(SHA1(password)), as stored in the "*HEX" hash. */
int dp_native_hash_parse(uint8_t stage2[DP_SCRAMBLE_LEN], const char *hex);
/* From the client's response to scramble and the stored stage2, recovers SHA1(password);
 * 0 when it checks out (SHA1(result) == stage2), -1 otherwise. */
int dp_native_recover(uint8_t stage1[DP_SCRAMBLE_LEN], const uint8_t *scramble,
		      const uint8_t *response, const uint8_t stage2[DP_SCRAMBLE_LEN]);
/* The response to a new scramble from SHA1(password). */
void dp_native_response(uint8_t out[DP_SCRAMBLE_LEN], const uint8_t *scramble,
			const uint8_t stage1[DP_SCRAMBLE_LEN]);

/* The schema named in an OK packet's session-state information (session_track_schema), when
 * present: 1 with db filled, 0 when absent, -1 when malformed or truncated. */
int dp_ok_schema(const uint8_t *p, size_t len, uint32_t caps, char *db, size_t dbsz);
#endif
