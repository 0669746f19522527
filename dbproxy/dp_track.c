/* dbproxy protocol tracker: follows both directions of a relayed session without changing a
 * byte, to know where each response ends, whether the session is inside a transaction, which
 * schema and session settings it uses, and how it authenticated (to move it later). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_track.h"

enum { RK_NONE, RK_RESULT, RK_PREPARE, RK_FIELDS, RK_FETCH, RK_SIMPLE, RK_ONE, RK_AUTH };

enum {
	RS_FIRST,
	RS_COLDEF,
	RS_COLDEF_EOF,
	RS_ROWS,
	RS_INFILE_DATA,
	RS_PREP_PARAMS,
	RS_PREP_PARAMS_EOF,
	RS_PREP_COLS,
	RS_PREP_COLS_EOF,
};

#define CF_SET	      0x01u /* record the text as a session setting on success */
#define CF_USE	      0x02u /* the text is the new schema on success */
#define CF_RESET      0x04u /* session state is reset on success */
#define CF_CURSOR     0x08u
#define CF_FOUND_ROWS 0x10u /* SQL_CALC_FOUND_ROWS: FOUND_ROWS() reads it next */
#define CF_MULTI_ON   0x20u /* COM_SET_OPTION: multi-statements on, on success */
#define CF_MULTI_OFF  0x40u /* ... and off */
#define CF_NEXT_TX    0x80u /* SET TRANSACTION: the next transaction's characteristics */

void dp_track_init(dp_track *t)
{
	memset(t, 0, sizeof(*t));
	t->phase = DP_PH_GREETING;
	dp_pktscan_init(&t->c2s, t->c2s_head, sizeof(t->c2s_head));
	dp_pktscan_init(&t->s2c, t->s2c_head, sizeof(t->s2c_head));
}

static void clear_sets(dp_track *t)
{
	for (unsigned i = 0; i < t->nsets; i++)
		free(t->sets[i]);
	t->nsets = 0;
}

void dp_track_clear(dp_track *t)
{
	clear_sets(t);
	for (unsigned i = 0; i < t->qlen; i++) {
		dp_cmd *e = &t->q[(t->qhead + i) % DP_TRACK_QMAX];
		free(e->text);
		e->text = NULL;
	}
	t->qlen = 0;
	free(t->stmt_ids);
	t->stmt_ids = NULL;
	t->stmt_slots = 0;
	t->prepared = 0;
	memset(t->login.auth_resp, 0, sizeof(t->login.auth_resp));
	memset(t->before_change.auth_resp, 0, sizeof(t->before_change.auth_resp));
}

/* Framing stops (the session is still relayed, never moved); returns 1, which tells the
 * packet scanner to stop too. */
static int go_opaque(dp_track *t, unsigned pin)
{
	t->pins |= pin;
	if (t->phase != DP_PH_DONE)
		t->phase = DP_PH_OPAQUE;
	return 1;
}

/* The session ends (an ERR ends the login, COM_QUIT); returns 1 like go_opaque. */
static int track_done(dp_track *t)
{
	t->phase = DP_PH_DONE;
	return 1;
}

const char *dp_track_pin_reason(unsigned pins)
{
	static const struct {
		unsigned pin;
		const char *why;
	} reasons[] = {
	    {DP_PIN_TLS, "TLS"},
	    {DP_PIN_COMPRESS, "compressed protocol"},
	    {DP_PIN_PROTOCOL, "traffic not followed"},
	    {DP_PIN_AUTH, "authentication other than mysql_native_password"},
	    {DP_PIN_PREPARED, "prepared statements"},
	    {DP_PIN_USERVAR, "user variables"},
	    {DP_PIN_TEMP, "temporary tables"},
	    {DP_PIN_LOCK, "locks"},
	    {DP_PIN_SQL_PREPARE, "SQL PREPARE, EXECUTE or HANDLER"},
	    {DP_PIN_SETS, "session settings"},
	    {DP_PIN_CURSOR, "cursors"},
	    {DP_PIN_UNCLASSIFIED, "statements not classified"},
	    {DP_PIN_INSERT_ID, "LAST_INSERT_ID()"},
	    {DP_PIN_SEQUENCE, "a sequence's LASTVAL()"},
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (pins & reasons[i].pin)
			return reasons[i].why;
	return "none";
}

/* ---------------------------------------------------------------- queries */

static int is_word(int c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Where the SQL of an executable comment at q[i] starts (after slash-star-bang and its version
 * number, or slash-star-M-bang and its), or 0 when there is none at q[i]. As the server's lexer,
 * a version is 5 or 6 digits, no more: in slash-star-bang-1000002CONCAT( the SQL is 2CONCAT(, a
 * stored function's name, not CONCAT(; fewer than 5 digits are no version but SQL. */
static size_t exec_comment(const uint8_t *q, size_t n, size_t i)
{
	size_t k = i + 2, digits = 0;
	if (k >= n || q[i] != '/' || q[i + 1] != '*')
		return 0;
	if (q[k] == 'M' && k + 1 < n && q[k + 1] == '!')
		k++;
	if (q[k] != '!')
		return 0;
	for (k++; digits < 6 && k + digits < n && isdigit(q[k + digits]); digits++)
		;
	return k + (digits >= 5 ? digits : 0);
}

/* 1 when the executable comment at q[i] has a version the server may not run: the server
 * reads its text as a comment then (a quote in it starts no literal), not as SQL. MariaDB skips
 * slash-star-bang with a MySQL version from 50700 to 99999, and any version above its own, which
 * the tracker does not know (any above 100000, 10.0.0). Such a comment pins: the tracker reads it
 * as SQL (in SELECT 1 slash-star-bang-99999 ' star-slash, @x := 1 -- ', the server sets @x). */
static int exec_comment_skippable(const uint8_t *q, size_t n, size_t i)
{
	size_t k = i + 2, e = exec_comment(q, n, i);
	unsigned long version = 0;
	int mariadb = 0;
	if (e == 0)
		return 0;
	if (q[k] == 'M')
		mariadb = 1, k++;
	for (k++; k < e; k++)
		version = version * 10 + (unsigned long)(q[k] - '0');
	if (version < 50700)
		return 0;
	return version > 100000 || !mariadb;
}

/* The end of the comment at q[i] (slash-star, #, "-- "), or i when there is none, or when it is
 * an executable comment, which holds SQL. As the server's lexer: "--" must be followed by a
 * space or a control character. */
static size_t comment_end(const uint8_t *q, size_t n, size_t i)
{
	if (i + 1 < n && q[i] == '/' && q[i + 1] == '*') {
		if (exec_comment(q, n, i))
			return i;
		for (i += 2; i + 1 < n && !(q[i] == '*' && q[i + 1] == '/'); i++)
			;
		return i + 2 <= n ? i + 2 : n;
	}
	if (i < n && (q[i] == '#' || (i + 1 < n && q[i] == '-' && q[i + 1] == '-' &&
				      (i + 2 == n || q[i + 2] <= ' ' || q[i + 2] == 0x7f)))) {
		while (i < n && q[i] != '\n')
			i++;
	}
	return i;
}

/* Skips spaces and comments, but not the executable comments that carry SQL. */
static size_t skip_space(const uint8_t *q, size_t n, size_t i)
{
	for (;;) {
		size_t e;
		while (i < n && isspace(q[i]))
			i++;
		if ((e = comment_end(q, n, i)) == i)
			return i;
		i = e;
	}
}

/* skip_space, and the markers of executable comments too (an opening with its version number,
 * a closing): the server reads a name, an empty executable comment and "()" as a call. *in_exec
 * says whether an executable comment is open: as the server's lexer, only then is star-slash its
 * closing; elsewhere it is "*" then "/", and a slash-star after that star opens a comment. */
static size_t skip_gap(const uint8_t *q, size_t n, size_t i, int *in_exec)
{
	for (;;) {
		size_t e;
		i = skip_space(q, n, i);
		if ((e = exec_comment(q, n, i)) > 0) {
			i = e;
			*in_exec = 1;
		} else if (*in_exec && i + 1 < n && q[i] == '*' && q[i + 1] == '/') {
			i += 2;
			*in_exec = 0;
		} else {
			return i;
		}
	}
}

static size_t word_at(const uint8_t *q, size_t n, size_t i, char *w, size_t wsz)
{
	size_t k = 0;
	while (i < n && is_word(q[i])) {
		if (k + 1 < wsz)
			w[k++] = (char)toupper(q[i]);
		i++;
	}
	w[k] = 0;
	return i;
}

/* How the server reads literals, which depends on the session's sql_mode, which the tracker
 * does not follow: by default a backslash escapes in '...' and "..." (ESC_ALL); with ANSI_QUOTES,
 * "..." is a name, in which it does not (ESC_SINGLE); with NO_BACKSLASH_ESCAPES, nowhere
 * (ESC_NONE). A text with a backslash is read in each of these modes. */
#define ESC_NONE   0
#define ESC_SINGLE 1
#define ESC_ALL	   3

/* The end of the string literal or quoted identifier that starts at q[k], read in mode escapes
 * (ESC_*): *backslash says one was met in a literal or a double-quoted name. */
static size_t skip_literal(const uint8_t *q, size_t n, size_t k, int escapes, int *backslash)
{
	uint8_t quote = q[k++];
	int esc = quote == '\'' ? escapes & 1 : quote == '"' ? (escapes >> 1) & 1 : 0;
	while (k < n && q[k] != quote) {
		if (q[k] == '\\' && quote != '`') {
			*backslash = 1;
			k += (size_t)esc;
		}
		k++;
	}
	return k < n ? k + 1 : n;
}

/* What a query's text holds beyond its first words. */
typedef struct query_marks {
	unsigned pins;
	int found_rows; /* SQL_CALC_FOUND_ROWS */
	int semicolon;	/* another statement follows */
	int backslash;	/* a literal holds a backslash */
} query_marks;

/* The statement being read: its first words say what it may leave behind. */
typedef struct stmt_lex {
	unsigned words; /* seen since the statement started */
	int later;	/* not the query's first statement */
	int create;	/* a CREATE: TEMPORARY makes a temporary table */
	int set_for;	/* SET STATEMENT ... FOR: the statement after FOR runs */
	int next;	/* the last word was NEXT: NEXT VALUE FOR s moves a sequence on */
	char first[32];
} stmt_lex;

/* Statements that pin by their first word, wherever they start. */
static unsigned first_word_pins(const char *w)
{
	static const struct {
		const char *word;
		unsigned pin;
	} words[] = {
	    {"LOCK", DP_PIN_LOCK},
	    {"FLUSH", DP_PIN_LOCK},  /* FLUSH TABLES ... WITH READ LOCK, FOR EXPORT */
	    {"BACKUP", DP_PIN_LOCK}, /* BACKUP LOCK, BACKUP STAGE */
	    {"PREPARE", DP_PIN_SQL_PREPARE},
	    {"EXECUTE", DP_PIN_SQL_PREPARE}, /* EXECUTE IMMEDIATE: SQL in a string */
	    {"HANDLER", DP_PIN_SQL_PREPARE},
	    {"CALL", DP_PIN_UNCLASSIFIED}, /* a procedure may leave anything behind */
	    {"XA", DP_PIN_UNCLASSIFIED},   /* a prepared XA transaction outlives its statement */
	    /* Compound statements: their inner statements need not follow a semicolon. */
	    {"DECLARE", DP_PIN_UNCLASSIFIED},
	    {"IF", DP_PIN_UNCLASSIFIED},
	    {"CASE", DP_PIN_UNCLASSIFIED},
	    {"LOOP", DP_PIN_UNCLASSIFIED},
	    {"REPEAT", DP_PIN_UNCLASSIFIED},
	    {"WHILE", DP_PIN_UNCLASSIFIED},
	    {"FOR", DP_PIN_UNCLASSIFIED},
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (w[0] == words[i].word[0] && strcmp(w, words[i].word) == 0)
			return words[i].pin;
	return 0;
}

static void lex_word(query_marks *m, stmt_lex *s, const char *w)
{
	/* A sequence moved on: NEXTVAL(s), s.NEXTVAL (sql_mode=ORACLE), NEXT VALUE FOR s. Any word
	 * NEXTVAL pins (a column of that name too: erring towards pinning). */
	if (strcmp(w, "NEXTVAL") == 0 || (s->next && strcmp(w, "VALUE") == 0))
		m->pins |= DP_PIN_SEQUENCE;
	s->next = strcmp(w, "NEXT") == 0;
	if (s->words++ == 0) {
		memcpy(s->first, w, strlen(w) + 1); /* both 32 bytes */
		m->pins |= first_word_pins(w);
		s->create = strcmp(w, "CREATE") == 0;
		/* Settings and schema are recorded from a query's only statement. */
		if (s->later && (strcmp(w, "SET") == 0 || strcmp(w, "USE") == 0))
			m->pins |= DP_PIN_SETS;
		return;
	}
	if (s->words == 2 && strcmp(s->first, "BEGIN") == 0 && strcmp(w, "NOT") == 0)
		m->pins |= DP_PIN_UNCLASSIFIED; /* BEGIN NOT ATOMIC: a compound statement */
	else if (s->words == 2 && strcmp(s->first, "SET") == 0 && strcmp(w, "ROLE") == 0)
		m->pins |= DP_PIN_SETS;
	else if (s->words == 2 && strcmp(s->first, "SET") == 0 && strcmp(w, "STATEMENT") == 0)
		s->set_for = 1;
	else if (strcmp(w, "GET_LOCK") == 0)
		m->pins |= DP_PIN_LOCK;
	else if (strcmp(w, "LAST_INSERT_ID") == 0)
		m->pins |= DP_PIN_INSERT_ID;
	else if (strcmp(w, "SQL_CALC_FOUND_ROWS") == 0)
		m->found_rows = 1;
	else if (s->create && strcmp(w, "TEMPORARY") == 0)
		m->pins |= DP_PIN_TEMP;
	else if (s->set_for && strcmp(w, "FOR") == 0)
		*s = (stmt_lex){.later = 1};
}

/* A quoted name called as a function: `GET_LOCK`('k', 0) is GET_LOCK (and "GET_LOCK"(...) under
 * ANSI_QUOTES; elsewhere a literal before "(" is a syntax error). 1 with the name, upper case,
 * in w, when the quote at q[k] (ending before end) holds one word followed by "(" (in_exec:
 * skip_gap's). */
static int quoted_call(const uint8_t *q, size_t n, size_t k, size_t end, int in_exec, char *w,
		       size_t wsz)
{
	size_t from = k + 1, to = end > from && q[end - 1] == q[k] ? end - 1 : end;
	size_t next = skip_gap(q, n, end, &in_exec);

	if (to <= from || to - from >= wsz || next >= n || q[next] != '(')
		return 0;
	for (size_t i = from; i < to; i++)
		if (!is_word(q[i]))
			return 0;
	return word_at(q, to, from, w, wsz) == to;
}

/* A small lexer over the statements of a query: string literals, quoted identifiers (but a
 * quoted function name: quoted_call) and comments are skipped (so an e-mail address in a literal is
 * not a user variable, nor a quote in a comment the start of a literal), the SQL of executable
 * comments is read. What cannot be classified pins: a statement that starts with an executable
 * comment or anything but a word or a parenthesis, a label (compound statement). One pass, no
 * allocation. */
static query_marks scan_query(const uint8_t *q, size_t n, int escapes)
{
	query_marks m = {0};
	stmt_lex s = {0};
	char w[32];
	int in_exec = 0; /* an executable comment is open */
	size_t k = 0, e;
	while (k < n) {
		uint8_t c = q[k];
		if (is_word(c)) {
			k = word_at(q, n, k, w, sizeof(w));
			lex_word(&m, &s, w);
			continue;
		}
		if (isspace(c)) {
			k++;
			continue;
		}
		if ((c == '/' || c == '#' || c == '-') && (e = comment_end(q, n, k)) > k) {
			k = e;
			continue;
		}
		if (c == '/' && (e = exec_comment(q, n, k)) > 0) {
			if (s.words == 0 || exec_comment_skippable(q, n, k))
				m.pins |= DP_PIN_UNCLASSIFIED;
			k = e;
			in_exec = 1;
			continue;
		}
		if (c == '*' && in_exec && k + 1 < n && q[k + 1] == '/') {
			k += 2; /* the executable comment's end: what follows is SQL, not a comment
				 */
			in_exec = 0;
			continue;
		}
		if (s.words == 0 && c != '(' && c != ';')
			m.pins |= DP_PIN_UNCLASSIFIED;
		if (c == '\'' || c == '"' || c == '`') {
			e = skip_literal(q, n, k, escapes, &m.backslash);
			if (c != '\'' && quoted_call(q, n, k, e, in_exec, w, sizeof(w)))
				lex_word(&m, &s, w);
			/* s.`nextval` (sql_mode=ORACLE), `nextval`(s): a sequence moved on. */
			else if (c != '\'' && e - k == 9 && q[e - 1] == c &&
				 strncasecmp((const char *)q + k + 1, "NEXTVAL", 7) == 0)
				m.pins |= DP_PIN_SEQUENCE;
			k = e;
		} else if (c == '@' && k + 1 < n && q[k + 1] == '@') {
			for (k += 2; k < n && (is_word(q[k]) || q[k] == '.'); k++)
				;
		} else if (c == '@') {
			m.pins |= DP_PIN_USERVAR;
			k++;
		} else if (c == ';') {
			if (skip_space(q, n, k + 1) < n)
				m.semicolon = 1;
			s = (stmt_lex){.later = 1};
			k++;
		} else {
			/* "label:" starts a compound statement. */
			if (c == ':' && s.words == 1 && !(k + 1 < n && q[k + 1] == '='))
				m.pins |= DP_PIN_UNCLASSIFIED;
			k++;
		}
	}
	return m;
}

/* Built-in functions a replayed SET may call: they read only their arguments and the
 * session (CONCAT(@@sql_mode, ...) is common). */
static int pure_function(const char *w)
{
	static const char *const names[] = {"CONCAT", "CONCAT_WS", "REPLACE", "IF",	"IFNULL",
					    "NULLIF", "COALESCE",  "LOWER",   "UPPER",	"TRIM",
					    "LEAST",  "GREATEST",  "CAST",    "CONVERT"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(w, names[i]) == 0)
			return 1;
	return 0;
}

/* 1 when a SET's text calls any other function (a stored one: app.tz(), `tz`(), `my-tz`(),
 * app . CONCAT()) or reads a table (FROM: a view may call one; a sequence): replayed on the new
 * server, it would run again, a stored function's writes twice. (SELECT REPLACE(@@sql_mode, ...))
 * is common and replayed. Literals and comments are skipped as the server's lexer does (a quote in
 * a comment starts no literal), literals read in each mode of escapes (ESC_*); the SQL of
 * executable comments is read. */
static int set_calls(const uint8_t *q, size_t n, int escapes)
{
	char w[32];
	int backslash = 0, dot = 0; /* dot: the last token was ".", a qualified name follows */
	int next = 0;		    /* the last token was NEXT or PREVIOUS */
	int in_exec = 0, look;	    /* skip_gap's */
	size_t k = 0, e;
	while (k < n) {
		if ((e = skip_gap(q, n, k, &in_exec)) > k) {
			k = e;
		} else if (q[k] == '\'' || q[k] == '"' || q[k] == '`') {
			int name = q[k] != '\'';
			size_t from = k + 1;
			k = skip_literal(q, n, k, escapes, &backslash);
			/* A quoted name before "(" is a call, whatever the name. */
			look = in_exec;
			if (name && (e = skip_gap(q, n, k, &look)) < n && q[e] == '(')
				return 1;
			/* s.`nextval`, s."currval" (sql_mode=ORACLE): a sequence read too. */
			if (name && dot && k - from == 8 &&
			    (strncasecmp((const char *)q + from, "NEXTVAL", 7) == 0 ||
			     strncasecmp((const char *)q + from, "CURRVAL", 7) == 0))
				return 1;
			dot = next = 0;
		} else if (is_word(q[k])) {
			k = word_at(q, n, k, w, sizeof(w));
			look = in_exec;
			e = skip_gap(q, n, k, &look);
			/* A sequence read: NEXT VALUE FOR s (it moves on again when replayed),
			 * PREVIOUS VALUE FOR s, s.NEXTVAL and s.CURRVAL (sql_mode=ORACLE). */
			if (strcmp(w, "FROM") == 0 ||
			    (e < n && q[e] == '(' && (dot || !pure_function(w))) ||
			    (next && strcmp(w, "VALUE") == 0) ||
			    (dot && (strcmp(w, "NEXTVAL") == 0 || strcmp(w, "CURRVAL") == 0)))
				return 1;
			next = strcmp(w, "NEXT") == 0 || strcmp(w, "PREVIOUS") == 0;
			dot = 0;
		} else {
			dot = q[k++] == '.';
			next = 0;
		}
	}
	return 0;
}

/* 1 when a SET's text, read in mode escapes, holds a comma outside literals and parentheses:
 * more than one assignment. */
static int set_list(const uint8_t *q, size_t n, int escapes)
{
	int backslash = 0, in_exec = 0;
	long depth = 0;
	size_t k = 0, e;
	while (k < n) {
		if ((e = skip_gap(q, n, k, &in_exec)) > k)
			k = e;
		else if (q[k] == '\'' || q[k] == '"' || q[k] == '`')
			k = skip_literal(q, n, k, escapes, &backslash);
		else if (q[k] == ',' && depth <= 0)
			return 1;
		else
			depth += q[k] == '(' ? 1 : q[k] == ')' ? -1 : 0, k++;
	}
	return 0;
}

/* 1 when an assignment of a SET's text, read in mode escapes, sets a global variable: one that
 * starts with GLOBAL or @@global (the server reads SET a = 1, GLOBAL b = 2 and @@global . b,
 * each assignment its own scope), executable comments read as SQL (SET slash-star-bang GLOBAL
 * star-slash b = 1 sets the global b). An assignment starts after SET and after a comma outside
 * parentheses. @@global.x read in a value (SET x = @@global.x) sets nothing global. */
static int set_global(const uint8_t *q, size_t n, size_t k, int escapes)
{
	char w[32];
	int backslash = 0, in_exec = 0, start = 1;
	long depth = 0;
	size_t e;
	while (k < n) {
		if ((e = skip_gap(q, n, k, &in_exec)) > k) {
			k = e;
			continue;
		}
		if (is_word(q[k]) || (q[k] == '@' && k + 2 < n && q[k + 1] == '@')) {
			k = word_at(q, n, k + (q[k] == '@' ? 2 : 0), w, sizeof(w));
			if (start && strcmp(w, "GLOBAL") == 0)
				return 1;
		} else if (q[k] == '\'' || q[k] == '"' || q[k] == '`') {
			k = skip_literal(q, n, k, escapes, &backslash);
		} else {
			depth += q[k] == '(' ? 1 : q[k] == ')' ? -1 : 0;
			start = q[k++] == ',' && depth <= 0;
			continue;
		}
		start = 0;
	}
	return 0;
}

/* A SET statement (first word SET) that is the query's only one: recorded to be replayed when
 * the session moves, unless it is not session state or cannot be replayed. */
static void classify_set(dp_track *t, dp_cmd *e, const uint8_t *q, size_t n, size_t i,
			 const char *second, int replayable, int prepare)
{
	/* For the next transaction: dp_track.next_tx. Prepared, each execution sets it, which
	 * is not followed (the prepare's answer sets nothing): pinned. */
	if (strcmp(second, "TRANSACTION") == 0 && prepare)
		t->pins |= DP_PIN_SETS;
	else if (strcmp(second, "TRANSACTION") == 0)
		e->flags |= CF_NEXT_TX;
	int global = set_global(q, n, i, ESC_ALL) || set_global(q, n, i, ESC_SINGLE) ||
		     set_global(q, n, i, ESC_NONE);
	/* SET GLOBAL a = 1, SESSION b = 2 (or b = 2, GLOBAL a = 1): replayed, the global part
	 * would change the new server; not replayed, the session's part would be lost. */
	if (global &&
	    (set_list(q, n, ESC_ALL) || set_list(q, n, ESC_SINGLE) || set_list(q, n, ESC_NONE)))
		t->pins |= DP_PIN_SETS;
	if (global || strcmp(second, "TRANSACTION") == 0 || strcmp(second, "PASSWORD") == 0 ||
	    strcmp(second, "ROLE") == 0 || strcmp(second, "DEFAULT") == 0 ||
	    strcmp(second, "STATEMENT") == 0)
		return; /* not session state, applies to one statement or transaction only, or
			 * pinned by the lexer (ROLE) */
	/* A NUL (in a literal or a comment) would cut the text replayed (a C string). */
	if (!replayable || n > DP_TRACK_MAX_SET_LEN || memchr(q, 0, n) ||
	    set_calls(q, n, ESC_ALL) || set_calls(q, n, ESC_SINGLE) || set_calls(q, n, ESC_NONE)) {
		t->pins |= DP_PIN_SETS;
		return;
	}
	e->text = malloc(n + 1);
	if (!e->text) {
		t->pins |= DP_PIN_SETS;
		return;
	}
	memcpy(e->text, q, n);
	e->text[n] = 0;
	e->flags |= CF_SET;
}

/* The schema a USE names from q[k] into out (size bytes): a bare name (word characters only:
 * in USE db/ * x * /, the name is db), or a quoted one in which a doubled backquote stands for
 * one (`a``b` is a`b: cut at the first backquote, it was a, another schema, after a move), then
 * nothing but spaces, comments and a semicolon. Its length, or 0 when empty, too long, or
 * anything else (a double-quoted name under ANSI_QUOTES, an executable comment): unknown. */
static size_t use_schema(const uint8_t *q, size_t n, size_t k, char *out, size_t size)
{
	size_t len = 0;
	int quoted = k < n && q[k] == '`';
	for (k += (size_t)quoted; k < n; k++) {
		if (quoted && q[k] == '`') {
			if (k + 1 >= n || q[k + 1] != '`')
				break;
			k++;
		} else if (!quoted && !is_word(q[k])) {
			break;
		}
		if (len + 1 >= size)
			return 0;
		out[len++] = (char)q[k];
	}
	out[len] = 0;
	if (quoted && k >= n)
		return 0; /* no closing backquote */
	k = skip_space(q, n, k + (size_t)quoted);
	if (k < n && q[k] == ';')
		k = skip_space(q, n, k + 1);
	return k == n ? len : 0;
}

/* Looks at the text of a COM_QUERY or COM_STMT_PREPARE (what the statement does when it is
 * executed): which statements change session state we can replay (SET, USE) and which pin the
 * session to its server (user variables, temporary tables, locks...). A heuristic over the
 * captured head of the statement, erring towards pinning: a text longer than the head pins. */
static void classify_query(dp_track *t, dp_cmd *e, const uint8_t *q, size_t n, int truncated,
			   int prepare)
{
	char first[32], second[32];
	size_t i = skip_space(q, n, 0);
	query_marks m = scan_query(q, n, ESC_ALL);

	/* read it again as with ANSI_QUOTES, and with NO_BACKSLASH_ESCAPES */
	for (int mode = ESC_SINGLE; m.backslash && mode >= ESC_NONE; mode--) {
		query_marks m2 = scan_query(q, n, mode);
		m.pins |= m2.pins;
		m.semicolon |= m2.semicolon;
		m.found_rows |= m2.found_rows;
	}
	t->pins |= m.pins;
	if (m.found_rows && !prepare)
		e->flags |= CF_FOUND_ROWS;
	if (m.found_rows && prepare) /* not followed by statement id: every execution counts */
		t->found_rows_prepared = 1;
	if (truncated)
		t->pins |= DP_PIN_UNCLASSIFIED;

	i = word_at(q, n, i, first, sizeof(first));
	/* The second word may be in an executable comment: SET slash-star-bang DEFAULT ROLE
	 * star-slash r is SET DEFAULT ROLE r. */
	int in_exec = 0;
	word_at(q, n, skip_gap(q, n, i, &in_exec), second, sizeof(second));

	if (strcmp(first, "SET") == 0 && !(m.pins & DP_PIN_USERVAR)) {
		/* A prepared SET takes effect at each execution: not replayed. */
		classify_set(t, e, q, n, i, second, !prepare && !m.semicolon && !truncated,
			     prepare);
	} else if (strcmp(first, "USE") == 0 && (prepare || m.semicolon || truncated)) {
		t->pins |= DP_PIN_SETS;
	} else if (strcmp(first, "USE") == 0) {
		char db[sizeof(t->db)];
		size_t len = use_schema(q, n, skip_space(q, n, i), db, sizeof(db));
		if (len && (e->text = malloc(len + 1))) {
			memcpy(e->text, db, len + 1);
			e->flags |= CF_USE;
		} else {
			t->pins |= DP_PIN_SETS; /* a schema not known, or no memory */
		}
	}
}

/* ---------------------------------------------------------------- prepared statement ids */

/* The ids of the statements the server prepared and has not closed, so that only the close of
 * one of them counts: a set with open addressing (linear probing; 0 marks a free slot, the
 * server's ids start at 1), at most half full. It is allocated at the first prepare, grows by
 * doubling and is kept until the session ends: no allocation per statement. Past
 * DP_TRACK_MAX_STMTS ids, or without memory, the session is pinned until a reset. */
static size_t stmt_home(uint32_t id, unsigned slots)
{
	return (size_t)((id * 2654435761u) & (slots - 1));
}

static int stmt_grow(dp_track *t)
{
	unsigned slots = t->stmt_slots ? t->stmt_slots * 2 : 8;
	uint32_t *ids = calloc(slots, sizeof(*ids));
	if (!ids)
		return -1;
	for (unsigned i = 0; i < t->stmt_slots; i++) {
		size_t k;
		if (!t->stmt_ids[i])
			continue;
		for (k = stmt_home(t->stmt_ids[i], slots); ids[k]; k = (k + 1) & (slots - 1))
			;
		ids[k] = t->stmt_ids[i];
	}
	free(t->stmt_ids);
	t->stmt_ids = ids;
	t->stmt_slots = slots;
	return 0;
}

static void stmt_opened(dp_track *t, uint32_t id)
{
	size_t k;
	if (id == 0 || t->prepared >= DP_TRACK_MAX_STMTS ||
	    ((t->prepared + 1) * 2 > t->stmt_slots && stmt_grow(t) < 0)) {
		t->pins |= DP_PIN_PREPARED;
		return;
	}
	for (k = stmt_home(id, t->stmt_slots); t->stmt_ids[k]; k = (k + 1) & (t->stmt_slots - 1))
		if (t->stmt_ids[k] == id)
			return;
	t->stmt_ids[k] = id;
	t->prepared++;
}

/* COM_STMT_CLOSE: an id that is not open (never handed out, closed already) closes nothing on
 * the server either. 0xFFFFFFFF (MariaDB: "the last statement prepared") is not followed: the
 * statement stays counted, which only errs towards pinning. */
static void stmt_closed(dp_track *t, uint32_t id)
{
	size_t mask = t->stmt_slots - 1, k, j;
	if (!t->prepared || id == 0)
		return;
	for (k = stmt_home(id, t->stmt_slots); t->stmt_ids[k] != id; k = (k + 1) & mask)
		if (!t->stmt_ids[k])
			return;
	/* Backward shift: an id further along the run moves into the hole unless its home slot
	 * lies between the hole and itself. */
	for (j = (k + 1) & mask; t->stmt_ids[j]; j = (j + 1) & mask) {
		if (((j - stmt_home(t->stmt_ids[j], t->stmt_slots)) & mask) >= ((j - k) & mask)) {
			t->stmt_ids[k] = t->stmt_ids[j];
			k = j;
		}
	}
	t->stmt_ids[k] = 0;
	t->prepared--;
}

/* COM_RESET_CONNECTION, COM_CHANGE_USER: the server closed them all. */
static void stmt_reset(dp_track *t)
{
	if (t->stmt_ids)
		memset(t->stmt_ids, 0, t->stmt_slots * sizeof(*t->stmt_ids));
	t->prepared = 0;
}

/* ---------------------------------------------------------------- client to server */

static void set_auth_response(dp_track *t, const uint8_t *p, size_t len)
{
	if (len == DP_SCRAMBLE_LEN) {
		memcpy(t->login.auth_resp, p, DP_SCRAMBLE_LEN);
		t->login.auth_resp_ok = 1;
	} else if (len == 0) {
		memset(t->login.auth_resp, 0, sizeof(t->login.auth_resp));
		t->login.auth_resp_ok = 2; /* empty password */
	} else {
		t->login.auth_resp_ok = 0;
	}
}

static int on_handshake(dp_track *t, const dp_pkt *p)
{
	dp_handshake_resp h;
	if (dp_parse_handshake_resp(&h, p->head, p->head_len, t->server_caps) < 0)
		return go_opaque(t, DP_PIN_PROTOCOL);
	t->client_caps = h.caps;
	t->client_ext_caps = h.ext_caps;
	t->max_packet = h.max_packet;
	t->login.charset = h.charset;
	t->caps = t->server_caps & h.caps;
	t->ext_caps = (t->server_caps & DP_CLIENT_MYSQL) ? 0 : t->server_ext_caps & h.ext_caps;
	if (h.is_ssl_request)
		return go_opaque(t, DP_PIN_TLS);
	memcpy(t->login.user, h.user, sizeof(t->login.user));
	memcpy(t->db, h.db, sizeof(t->db));
	if (h.plugin[0])
		memcpy(t->login.auth_plugin, h.plugin, sizeof(t->login.auth_plugin));
	else
		strcpy(t->login.auth_plugin, DP_NATIVE_PLUGIN);
	memcpy(t->login.scramble, t->greet_scramble, DP_SCRAMBLE_LEN);
	set_auth_response(t, h.auth, h.auth_len);
	memset(&h, 0, sizeof(h));
	t->login.auth_extra = 0;
	t->auth_wait_client = 0;
	t->phase = DP_PH_AUTH;
	return 0;
}

static dp_cmd *q_head(dp_track *t)
{
	return t->qlen ? &t->q[t->qhead] : NULL;
}

static int enqueue(dp_track *t, const dp_pkt *p, uint8_t cmd, uint8_t kind, dp_cmd **out)
{
	if (t->qlen == DP_TRACK_QMAX) {
		go_opaque(t, DP_PIN_PROTOCOL);
		return -1;
	}
	dp_cmd *e = &t->q[(t->qhead + t->qlen) % DP_TRACK_QMAX];
	memset(e, 0, sizeof(*e));
	e->cmd = cmd;
	e->kind = kind;
	e->next_seq = (uint8_t)(p->last_seq + 1);
	e->start = p->start;
	t->qlen++;
	if (t->qlen == 1)
		t->rs = kind == RK_FETCH ? RS_ROWS : RS_FIRST;
	*out = e;
	return 0;
}

/* COM_CHANGE_USER, queued as e: a new login on the same connection. */
static void change_user(dp_track *t, const dp_pkt *p, dp_cmd *e)
{
	dp_handshake_resp h;
	e->flags |= CF_RESET;
	t->before_change = t->login;
	if (p->len != p->head_len ||
	    dp_parse_change_user(&h, p->head + 1, p->head_len - 1, t->caps) < 0) {
		t->login.auth_extra = 1;
		return;
	}
	memcpy(t->login.user, h.user, sizeof(t->login.user));
	if ((e->text = malloc(strlen(h.db) + 1)))
		strcpy(e->text, h.db);
	strcpy(t->login.auth_plugin, h.plugin[0] ? h.plugin : DP_NATIVE_PLUGIN);
	memcpy(t->login.scramble, t->greet_scramble, DP_SCRAMBLE_LEN);
	set_auth_response(t, h.auth, h.auth_len);
	if (h.charset)
		t->login.charset = h.charset;
	memset(&h, 0, sizeof(h));
	t->login.auth_extra = 0;
	t->auth_wait_client = 0;
}

/* COM_SET_OPTION, queued as e: multi-statements on (0) or off (1). A moved session logs in
 * again with the capability as it is then: a client that turned them off (stacked
 * statements refused, a defence against SQL injection) must not get them back. */
static void set_option(dp_track *t, const dp_pkt *p, dp_cmd *e)
{
	if (p->head_len < 3) {
		t->pins |= DP_PIN_UNCLASSIFIED;
		return;
	}
	if (p->head[1] == 0 && p->head[2] == 0)
		e->flags |= CF_MULTI_ON;
	else if (p->head[1] == 1 && p->head[2] == 0)
		e->flags |= CF_MULTI_OFF;
}

/* What a successful COM_SET_OPTION changed. */
static void multi_statements(dp_track *t, const dp_cmd *e)
{
	if (e->flags & CF_MULTI_ON) {
		t->client_caps |= DP_CLIENT_MULTI_STATEMENTS;
		t->caps |= t->server_caps & DP_CLIENT_MULTI_STATEMENTS;
	} else if (e->flags & CF_MULTI_OFF) {
		t->client_caps &= ~DP_CLIENT_MULTI_STATEMENTS;
		t->caps &= ~DP_CLIENT_MULTI_STATEMENTS;
	}
}

/* One case per command byte: a table of the response each expects, clearer whole. */
static int on_command(dp_track *t, const dp_pkt *p)
{
	dp_cmd *e;
	uint8_t cmd;
	if (p->seq != 0 || p->head_len < 1)
		return go_opaque(t, DP_PIN_PROTOCOL);
	cmd = p->head[0];
	switch (cmd) {
	case DP_COM_QUIT:
		t->quit = 1;
		return track_done(t);
	case DP_COM_STMT_CLOSE:
		if (p->head_len >= 5)
			stmt_closed(t, dp_le32(p->head + 1));
		return 0;
	case DP_COM_STMT_SEND_LONG_DATA:
		return 0;
	case DP_COM_QUERY:
		if (enqueue(t, p, cmd, RK_RESULT, &e) < 0)
			return 1;
		classify_query(t, e, p->head + 1, p->head_len - 1, p->len > p->head_len, 0);
		return 0;
	case DP_COM_STMT_EXECUTE:
		if (enqueue(t, p, cmd, RK_RESULT, &e) < 0)
			return 1;
		if (p->head_len > 5 && (p->head[5] & 0x07)) {
			e->flags |= CF_CURSOR;
			t->pins |= DP_PIN_CURSOR;
			if (t->caps & DP_CLIENT_DEPRECATE_EOF)
				return go_opaque(t, DP_PIN_PROTOCOL);
		}
		return 0;
	case DP_COM_STMT_BULK_EXECUTE:
		return enqueue(t, p, cmd, RK_RESULT, &e) < 0;
	case DP_COM_STMT_PREPARE:
		if (enqueue(t, p, cmd, RK_PREPARE, &e) < 0)
			return 1;
		classify_query(t, e, p->head + 1, p->head_len - 1, p->len > p->head_len, 1);
		return 0;
	case DP_COM_FIELD_LIST:
		return enqueue(t, p, cmd, RK_FIELDS, &e) < 0;
	case DP_COM_STMT_FETCH:
		return enqueue(t, p, cmd, RK_FETCH, &e) < 0;
	case DP_COM_STATISTICS:
		return enqueue(t, p, cmd, RK_ONE, &e) < 0;
	case DP_COM_INIT_DB:
		if (enqueue(t, p, cmd, RK_SIMPLE, &e) < 0)
			return 1;
		if (p->len == p->head_len && p->len - 1 < sizeof(t->db) &&
		    (e->text = malloc(p->len))) {
			memcpy(e->text, p->head + 1, p->len - 1);
			e->text[p->len - 1] = 0;
			e->flags |= CF_USE;
		}
		return 0;
	case DP_COM_RESET_CONNECTION:
		if (enqueue(t, p, cmd, RK_SIMPLE, &e) < 0)
			return 1;
		e->flags |= CF_RESET;
		return 0;
	case DP_COM_PING:
	case DP_COM_PROCESS_KILL:
	case DP_COM_REFRESH:
	case DP_COM_SHUTDOWN:
	case DP_COM_DEBUG:
	case DP_COM_STMT_RESET:
	case DP_COM_CREATE_DB:
	case DP_COM_DROP_DB:
		return enqueue(t, p, cmd, RK_SIMPLE, &e) < 0;
	case DP_COM_SET_OPTION:
		if (enqueue(t, p, cmd, RK_SIMPLE, &e) < 0)
			return 1;
		set_option(t, p, e);
		return 0;
	case DP_COM_CHANGE_USER:
		if (enqueue(t, p, cmd, RK_AUTH, &e) < 0)
			return 1;
		change_user(t, p, e);
		return 0;
	default:
		/* Replication, COM_DAEMON, or anything we do not know the response shape of. */
		return go_opaque(t, DP_PIN_PROTOCOL);
	}
}

static int on_c2s(void *ctx, const dp_pkt *p)
{
	dp_track *t = ctx;
	dp_cmd *e;
	switch (t->phase) {
	case DP_PH_HANDSHAKE:
		return on_handshake(t, p);
	case DP_PH_AUTH:
		if (t->auth_wait_client && p->len == p->head_len) {
			set_auth_response(t, p->head, p->head_len);
			t->auth_wait_client = 0;
		} else {
			t->login.auth_extra = 1;
		}
		return 0;
	case DP_PH_CMD:
		e = q_head(t);
		if (e && t->rs == RS_INFILE_DATA) {
			e->next_seq = (uint8_t)(p->last_seq + 1);
			if (p->len == 0)
				t->rs = RS_FIRST; /* the server's OK/ERR follows */
			return 0;
		}
		if (e && e->kind == RK_AUTH) {
			if (t->auth_wait_client && p->len == p->head_len) {
				set_auth_response(t, p->head, p->head_len);
				t->auth_wait_client = 0;
			} else {
				t->login.auth_extra = 1;
			}
			e->next_seq = (uint8_t)(p->last_seq + 1);
			return 0;
		}
		return on_command(t, p);
	case DP_PH_GREETING:
		/* The client spoke first: not a MySQL client, nothing to follow. */
		return go_opaque(t, DP_PIN_PROTOCOL);
	default:
		return 1;
	}
}

void dp_track_c2s(dp_track *t, const uint8_t *data, size_t n)
{
	if (t->phase == DP_PH_OPAQUE || t->phase == DP_PH_DONE) {
		t->c2s.pos += n;
		return;
	}
	size_t used = dp_pktscan_feed(&t->c2s, data, n, on_c2s, t);
	if (used < n)
		t->c2s.pos += n - used;
}

/* ---------------------------------------------------------------- server to client */

static void complete(dp_track *t, int ok)
{
	dp_cmd *e = q_head(t);
	if (!e)
		return;
	/* Each response replaces what the last one left. A ping does not clear the server's
	 * warnings, but keeping them past it kept idle sessions that clients ping from moving, and
	 * the clients' next statement then found its connection closed. */
	t->after =
	    t->resp_after | (ok ? 0 : DP_AFTER_WARNINGS) |
	    (ok && (e->flags & CF_FOUND_ROWS) ? DP_AFTER_FOUND_ROWS : 0) |
	    (ok && e->cmd == DP_COM_STMT_EXECUTE && t->found_rows_prepared ? DP_AFTER_FOUND_ROWS
									   : 0);
	t->resp_after = 0;
	if (ok) {
		if (e->flags & CF_RESET) {
			clear_sets(t);
			stmt_reset(t);
			t->after = 0;
			t->found_rows_prepared = 0;
			t->next_tx = 0;
			t->pins &= DP_PIN_TLS | DP_PIN_COMPRESS | DP_PIN_PROTOCOL;
			if (e->kind == RK_AUTH) {
				t->logins++;
				if (e->text)
					snprintf(t->db, sizeof(t->db), "%s", e->text);
			}
		}
		if ((e->flags & CF_SET) && e->text) {
			if (t->nsets < DP_TRACK_MAX_SETS) {
				t->sets[t->nsets++] = e->text;
				e->text = NULL;
			} else {
				t->pins |= DP_PIN_SETS;
			}
		}
		if ((e->flags & CF_USE) && e->text)
			snprintf(t->db, sizeof(t->db), "%s", e->text);
		multi_statements(t, e);
		if (e->flags & CF_NEXT_TX)
			t->next_tx = 1;
		t->oks++;
	}
	free(e->text);
	e->text = NULL;
	t->responses++;
	t->qhead = (t->qhead + 1) % DP_TRACK_QMAX;
	t->qlen--;
	e = q_head(t);
	t->rs = e && e->kind == RK_FETCH ? RS_ROWS : RS_FIRST;
}

static int deprecate_eof(const dp_track *t)
{
	return (t->caps & DP_CLIENT_DEPRECATE_EOF) != 0;
}

static int is_terminator(const dp_track *t, const dp_pkt *p)
{
	return p->head_len >= 1 && p->head[0] == 0xFE &&
	       (deprecate_eof(t) ? p->len < DP_MAX_CHUNK : p->len < 9);
}

/* Status flags of a terminating OK/EOF; returns 0 if unreadable (then assume nothing). */
static void take_status(dp_track *t, const dp_pkt *p, int is_eof)
{
	uint16_t st = 0;
	dp_ok ok = {0};
	int r = is_eof ? dp_eof_status(p->head, p->head_len, &st)
		       : dp_ok_info(p->head, p->head_len, &ok);
	if (r != 0) {
		t->status |= DP_STATUS_IN_TRANS; /* unknown: assume the worst */
		t->resp_after |= DP_AFTER_WARNINGS;
		return;
	}
	if (is_eof) {
		if (dp_eof_warnings(p->head, p->head_len))
			t->resp_after |= DP_AFTER_WARNINGS;
	} else {
		st = ok.status;
		if (ok.insert_id)
			t->pins |= DP_PIN_INSERT_ID;
		if (ok.warnings)
			t->resp_after |= DP_AFTER_WARNINGS;
	}
	t->status = st;
	if (st & DP_STATUS_IN_TRANS)
		t->next_tx = 0; /* the transaction that took SET TRANSACTION's characteristics */
	if (!is_eof && (st & DP_STATUS_SESSION_STATE_CHANGED)) {
		char db[sizeof(t->db)];
		if (p->len == p->head_len &&
		    dp_ok_schema(p->head, p->head_len, t->caps, db, sizeof(db)) == 1)
			memcpy(t->db, db, sizeof(db));
	}
}

/* After an OK/EOF that ends a result: more results follow, or the response is complete. */
static void end_result(dp_track *t)
{
	if (t->status & DP_STATUS_MORE_RESULTS)
		t->rs = RS_FIRST;
	else
		complete(t, 1);
}

static void result_packet(dp_track *t, dp_cmd *e, const dp_pkt *p)
{
	uint8_t b = p->head_len ? p->head[0] : 0;
	uint64_t n;
	size_t used;

	switch (t->rs) {
	case RS_FIRST:
		if (p->len == 0) {
			go_opaque(t, DP_PIN_PROTOCOL);
		} else if (b == 0x00) {
			take_status(t, p, 0);
			end_result(t);
		} else if (b == 0xFF) {
			complete(t, 0);
		} else if (b == 0xFB && e->cmd == DP_COM_QUERY) {
			t->rs = RS_INFILE_DATA;
		} else if (b == 0xFE) {
			take_status(t, p, p->len < 9);
			end_result(t);
		} else if ((used = dp_lenenc(p->head, p->head_len, &n, NULL)) == 0) {
			go_opaque(t, DP_PIN_PROTOCOL);
		} else {
			int meta = 1;
			if ((t->ext_caps & DP_MARIADB_CACHE_METADATA) && used < p->head_len)
				meta = p->head[used] != 0;
			if (meta && n > 0) {
				t->rs = RS_COLDEF;
				t->rs_left = n;
			} else {
				t->rs = deprecate_eof(t) ? RS_ROWS : RS_COLDEF_EOF;
			}
		}
		break;
	case RS_COLDEF:
		if (--t->rs_left == 0)
			t->rs = deprecate_eof(t) ? RS_ROWS : RS_COLDEF_EOF;
		break;
	case RS_COLDEF_EOF:
		if (b == 0xFF) {
			complete(t, 0);
		} else if (is_terminator(t, p)) {
			take_status(t, p, 1);
			if ((e->flags & CF_CURSOR) && (t->status & DP_STATUS_CURSOR_EXISTS))
				complete(t, 1);
			else
				t->rs = RS_ROWS;
		} else {
			go_opaque(t, DP_PIN_PROTOCOL);
		}
		break;
	case RS_ROWS:
		if (b == 0xFF && p->len < DP_MAX_CHUNK) {
			complete(t, 0);
		} else if (is_terminator(t, p)) {
			take_status(t, p, !deprecate_eof(t));
			end_result(t);
		}
		break;
	default:
		go_opaque(t, DP_PIN_PROTOCOL);
		break;
	}
}

/* COM_STMT_PREPARE responses: OK (stmt id, columns, params), then the parameter
 * definitions, then the column definitions, each list followed by an EOF unless
 * DEPRECATE_EOF. Kept apart from result sets for clarity. */
static void prepare_packet(dp_track *t, const dp_pkt *p, uint64_t *cols)
{
	uint8_t b = p->head_len ? p->head[0] : 0;
	switch (t->rs) {
	case RS_FIRST:
		if (b == 0xFF) {
			complete(t, 0);
			return;
		}
		if (b != 0x00 || p->head_len < 9) {
			go_opaque(t, DP_PIN_PROTOCOL);
			return;
		}
		stmt_opened(t, dp_le32(p->head + 1));
		*cols = (uint64_t)(p->head[5] | p->head[6] << 8);
		t->rs_left = (uint64_t)(p->head[7] | p->head[8] << 8);
		if (t->rs_left > 0)
			t->rs = RS_PREP_PARAMS;
		else if (*cols > 0)
			t->rs = RS_PREP_COLS, t->rs_left = *cols;
		else
			complete(t, 1);
		return;
	case RS_PREP_PARAMS:
		if (--t->rs_left > 0)
			return;
		if (!deprecate_eof(t)) {
			t->rs = RS_PREP_PARAMS_EOF;
			return;
		}
		/* fall through */
	case RS_PREP_PARAMS_EOF:
		if (*cols > 0)
			t->rs = RS_PREP_COLS, t->rs_left = *cols;
		else
			complete(t, 1);
		return;
	case RS_PREP_COLS:
		if (--t->rs_left > 0)
			return;
		if (!deprecate_eof(t)) {
			t->rs = RS_PREP_COLS_EOF;
			return;
		}
		complete(t, 1);
		return;
	case RS_PREP_COLS_EOF:
		complete(t, 1);
		return;
	default:
		go_opaque(t, DP_PIN_PROTOCOL);
	}
}

static void auth_switch(dp_track *t, const dp_pkt *p)
{
	size_t off = 1;
	char plugin[64];
	size_t k = 0;
	if (p->len != p->head_len) {
		t->login.auth_extra = 1;
		return;
	}
	while (off < p->head_len && p->head[off] && k + 1 < sizeof(plugin))
		plugin[k++] = (char)p->head[off++];
	plugin[k] = 0;
	off++;
	if (!plugin[0]) {
		t->login.auth_extra = 1; /* the pre-4.1 "old password" switch */
		return;
	}
	memcpy(t->login.auth_plugin, plugin, sizeof(plugin));
	if (off + DP_SCRAMBLE_LEN <= p->head_len)
		memcpy(t->login.scramble, p->head + off, DP_SCRAMBLE_LEN);
	else
		t->login.auth_extra = 1;
	t->auth_wait_client = 1;
}

/* The greeting: the server's capabilities, the connection id, the scramble. */
static int s2c_greeting(dp_track *t, const dp_pkt *p, uint8_t b)
{
	dp_greeting g;
	if (b == 0xFF)
		return track_done(t);
	if (p->len != p->head_len || dp_parse_greeting(&g, p->head, p->head_len) < 0 ||
	    g.scramble_len != DP_SCRAMBLE_LEN)
		return go_opaque(t, DP_PIN_PROTOCOL);
	t->server_caps = g.caps;
	t->server_ext_caps = g.ext_caps;
	t->conn_id = g.conn_id;
	t->status = g.status;
	memcpy(t->greet_scramble, g.scramble, DP_SCRAMBLE_LEN);
	t->phase = DP_PH_HANDSHAKE;
	return 0;
}

/* The server's answers during the login: OK, ERR, AuthSwitchRequest, AuthMoreData. */
static int s2c_login(dp_track *t, const dp_pkt *p, uint8_t b)
{
	if (b == 0x00) {
		uint16_t st;
		if (dp_ok_status(p->head, p->head_len, &st) == 0)
			t->status = st;
		t->logins++;
		t->phase = DP_PH_CMD;
		if (t->caps & (DP_CLIENT_COMPRESS | DP_CLIENT_ZSTD))
			return go_opaque(t, DP_PIN_COMPRESS);
	} else if (b == 0xFF) {
		return track_done(t);
	} else if (b == 0xFE) {
		auth_switch(t, p);
	} else if (b == 0x01) {
		t->login.auth_extra = 1;
	} else {
		return go_opaque(t, DP_PIN_PROTOCOL);
	}
	return 0;
}

/* A packet of the answer to the command at the head of the queue. */
static int s2c_response(dp_track *t, const dp_pkt *p, uint8_t b)
{
	dp_cmd *e = q_head(t);
	if (!e) {
		if (b == 0xFF)
			return 0; /* an error the server sends before closing (killed, timeout) */
		return go_opaque(t, DP_PIN_PROTOCOL);
	}
	if (p->seq != e->next_seq)
		return go_opaque(t, DP_PIN_PROTOCOL);
	e->next_seq = (uint8_t)(p->last_seq + 1);
	if (b == 0xFF && p->head_len >= 3 && p->head[1] == 0xFF && p->head[2] == 0xFF)
		return 0; /* MariaDB progress report: not the end of anything */

	switch (e->kind) {
	case RK_RESULT:
		result_packet(t, e, p);
		break;
	case RK_FETCH:
		if (b == 0xFF && p->len < DP_MAX_CHUNK) {
			complete(t, 0);
		} else if (is_terminator(t, p)) {
			take_status(t, p, !deprecate_eof(t));
			complete(t, 1);
		}
		break;
	case RK_FIELDS:
		if (b == 0xFF)
			complete(t, 0);
		else if (is_terminator(t, p))
			complete(t, 1);
		break;
	case RK_PREPARE:
		prepare_packet(t, p, &t->prep_cols);
		break;
	case RK_SIMPLE:
		if (b == 0x00)
			take_status(t, p, 0);
		else if (b == 0xFE)
			take_status(t, p, p->len < 9);
		complete(t, b != 0xFF);
		break;
	case RK_ONE:
		complete(t, 1);
		break;
	case RK_AUTH:
		if (b == 0x00) {
			uint16_t st;
			if (dp_ok_status(p->head, p->head_len, &st) == 0)
				t->status = st;
			complete(t, 1);
		} else if (b == 0xFF) {
			/* A refused change of user: the server keeps the connection as the user it
			 * had, who the log names again. Whether it reset the session first is not
			 * followed: pinned until a reset or change of user succeeds. */
			complete(t, 0);
			t->login = t->before_change;
			t->auth_wait_client = 0;
			t->pins |= DP_PIN_AUTH;
		} else if (b == 0xFE) {
			auth_switch(t, p);
		} else {
			t->login.auth_extra = 1;
		}
		break;
	default:
		return go_opaque(t, DP_PIN_PROTOCOL);
	}
	return t->phase == DP_PH_OPAQUE;
}

static int on_s2c(void *ctx, const dp_pkt *p)
{
	dp_track *t = ctx;
	uint8_t b = p->head_len ? p->head[0] : 0;

	switch (t->phase) {
	case DP_PH_GREETING:
		return s2c_greeting(t, p, b);
	case DP_PH_AUTH:
		return s2c_login(t, p, b);
	case DP_PH_CMD:
		return s2c_response(t, p, b);
	case DP_PH_HANDSHAKE:
		if (b == 0xFF)
			return track_done(t);
		/* fall through */
	default:
		return go_opaque(t, DP_PIN_PROTOCOL);
	}
}

void dp_track_s2c(dp_track *t, const uint8_t *data, size_t n)
{
	if (t->phase == DP_PH_OPAQUE || t->phase == DP_PH_DONE) {
		t->s2c.pos += n;
		return;
	}
	size_t used = dp_pktscan_feed(&t->s2c, data, n, on_s2c, t);
	if (used < n)
		t->s2c.pos += n - used;
}

/* ---------------------------------------------------------------- bytes not seen */

static int unframed(const dp_track *t)
{
	return t->phase == DP_PH_OPAQUE || t->phase == DP_PH_DONE;
}

uint64_t dp_track_c2s_skippable(const dp_track *t)
{
	return unframed(t) ? UINT64_MAX : dp_pktscan_skippable(&t->c2s);
}

uint64_t dp_track_s2c_skippable(const dp_track *t)
{
	return unframed(t) ? UINT64_MAX : dp_pktscan_skippable(&t->s2c);
}

void dp_track_c2s_skip(dp_track *t, uint64_t n)
{
	if (unframed(t))
		t->c2s.pos += n;
	else
		dp_pktscan_skip(&t->c2s, n);
}

void dp_track_s2c_skip(dp_track *t, uint64_t n)
{
	if (unframed(t))
		t->s2c.pos += n;
	else
		dp_pktscan_skip(&t->s2c, n);
}

/* ---------------------------------------------------------------- queries on state */

int dp_track_idle(const dp_track *t)
{
	return t->phase == DP_PH_CMD && t->qlen == 0 && dp_pktscan_at_boundary(&t->c2s) &&
	       dp_pktscan_at_boundary(&t->s2c);
}

int dp_track_in_trans(const dp_track *t)
{
	if (t->phase != DP_PH_CMD)
		return t->phase != DP_PH_GREETING && t->phase != DP_PH_HANDSHAKE &&
		       t->phase != DP_PH_AUTH;
	return (t->status & DP_STATUS_IN_TRANS) != 0;
}

uint64_t dp_track_first_pending(const dp_track *t)
{
	return t->qlen ? t->q[t->qhead].start : UINT64_MAX;
}

void dp_track_rebase(dp_track *t, uint32_t conn_id, uint32_t server_caps, uint16_t status)
{
	t->conn_id = conn_id;
	t->server_caps = server_caps;
	t->status = (uint16_t)(status & ~DP_STATUS_IN_TRANS);
	t->rs = RS_FIRST;
	dp_pktscan_init(&t->s2c, t->s2c_head, sizeof(t->s2c_head));
}
