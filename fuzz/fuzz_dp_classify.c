/* Fuzz target: dbproxy's statement classifier (classify_query of dp_track.c, included here), on
 * one COM_QUERY text, against a model of the server's lexer. A SET recorded for replay must call
 * no function but the built-in string ones and read no table, however the server reads its
 * literals: backslash escapes on or off (NO_BACKSLASH_ESCAPES), double quotes as strings or as
 * names (ANSI_QUOTES, whose names take no escapes); an executable comment's version is 5 or 6
 * digits, and one of a version the server may skip is a comment in another reading; a NUL would
 * cut the text replayed; it must set nothing global (GLOBAL or @@global at the start of any
 * assignment). A USE recorded must name exactly the schema the server moves to. Any text with a
 * user variable or GET_LOCK, in any of these readings, pins; so does a sequence moved on (NEXTVAL,
 * also quoted, or NEXT VALUE: LASTVAL() reads what it gave the session). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_track.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The server's modes for literals: which quotes take backslash escapes. */
enum { M_SQ = 1, M_DQ = 2 };

static int m_word(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c == '$' || c >= 0x80;
}

/* The reading in which an executable comment of a version the server skips (a MySQL one from
 * 50700 to 99999, one above its own: from 100001 on here) is a comment, as the server's
 * consume_comment reads it: its end is the first star-slash outside one nested comment. */
static int m_skip_versions;

/* Where the server's lexer goes on from q[k] when a comment or a comment marker starts there
 * (k when none): regular comments are skipped, executable ones entered (their SQL runs), and
 * left at star-slash, which is only that while one is open (*in_exec). */
static size_t m_gap(const uint8_t *q, size_t n, size_t k, int *in_exec)
{
	if (k + 1 < n && q[k] == '/' && q[k + 1] == '*') {
		size_t v = k + 2;
		if (v < n && q[v] == 'M' && v + 1 < n && q[v + 1] == '!')
			v++;
		if (v < n && q[v] == '!') {
			size_t d = 0;
			unsigned long version = 0;
			int mariadb = q[v - 1] == 'M';
			v++;
			while (d < 6 && v + d < n && q[v + d] >= '0' && q[v + d] <= '9')
				version = version * 10 + (unsigned long)(q[v + d++] - '0');
			if (m_skip_versions && d >= 5 && version >= 50700 &&
			    (version > 100000 || !mariadb)) {
				int nested = 0;
				for (k = v + d; k + 1 < n; k++) {
					if (!nested && q[k] == '/' && q[k + 1] == '*') {
						nested = 1;
						k++;
					} else if (q[k] == '*' && q[k + 1] == '/') {
						if (!nested)
							return k + 2;
						nested = 0;
						k++;
					}
				}
				return n;
			}
			*in_exec = 1;
			return v + (d >= 5 ? d : 0);
		}
		for (k += 2; k + 1 < n && !(q[k] == '*' && q[k + 1] == '/'); k++)
			;
		return k + 2 <= n ? k + 2 : n;
	}
	if (*in_exec && k + 1 < n && q[k] == '*' && q[k + 1] == '/') {
		*in_exec = 0;
		return k + 2;
	}
	if (k < n && (q[k] == '#' || (k + 2 <= n && q[k] == '-' && q[k + 1] == '-' &&
				      (k + 2 == n || q[k + 2] <= ' ' || q[k + 2] == 0x7f)))) {
		while (k < n && q[k] != '\n')
			k++;
		return k;
	}
	if (k < n && (q[k] == ' ' || (q[k] >= '\t' && q[k] <= '\r')))
		return k + 1;
	return k;
}

static size_t m_skip(const uint8_t *q, size_t n, size_t k, int *in_exec)
{
	size_t e;
	while ((e = m_gap(q, n, k, in_exec)) > k)
		k = e;
	return k;
}

/* m_skip looking ahead: the state is left as it is. */
static size_t m_peek(const uint8_t *q, size_t n, size_t k, int in_exec)
{
	return m_skip(q, n, k, &in_exec);
}

/* One token of the text as the server's lexer reads it in a mode, between its comments: a
 * literal or a quoted name (its content q[from, to)), a word (q[from, to)), or any other byte
 * (q[from]). */
struct m_token {
	enum { M_QUOTED, M_WORD, M_BYTE } kind;
	size_t from, to;
	size_t next;   /* where the lexer goes on: a visitor may move it further */
	uint8_t quote; /* M_QUOTED: ', " or ` */
	int closed;    /* M_QUOTED: its end quote is there */
	int in_exec;   /* inside an executable comment, for m_peek */
};

/* Gives the tokens of the text, read in mode, to visit in turn; stops at the first that visit
 * answers non-zero, and returns that answer (0 when it went through). */
static int m_walk(const uint8_t *q, size_t n, int mode,
		  int (*visit)(void *ctx, const uint8_t *q, size_t n, struct m_token *t), void *ctx)
{
	int in_exec = 0, stop;
	size_t k = 0, e;
	while (k < n) {
		if ((e = m_skip(q, n, k, &in_exec)) > k) {
			k = e;
			continue;
		}
		struct m_token t = {.kind = M_BYTE, .from = k, .to = k + 1, .in_exec = in_exec};
		uint8_t c = q[k];
		if (c == '\'' || c == '"' || c == '`') {
			int esc = c == '\'' ? mode & M_SQ : c == '"' ? mode & M_DQ : 0;
			for (k++; k < n && q[k] != c; k++)
				if (esc && q[k] == '\\')
					k++;
			t.kind = M_QUOTED;
			t.quote = c;
			t.from++;
			t.closed = k < n;
			t.to = t.closed ? k : n;
			t.next = t.closed ? k + 1 : n;
		} else if (m_word(c)) {
			while (k < n && m_word(q[k]))
				k++;
			t.kind = M_WORD;
			t.to = t.next = k;
		} else {
			t.next = k + 1;
		}
		if ((stop = visit(ctx, q, n, &t)) != 0)
			return stop;
		k = t.next;
	}
	return 0;
}

/* m_calls: a dot just read, NEXT or PREVIOUS just read. */
struct m_calls_state {
	int dot, next;
};

static int m_calls_visit(void *ctx, const uint8_t *q, size_t n, struct m_token *t)
{
	struct m_calls_state *s = ctx;
	size_t e;

	if (t->kind == M_QUOTED) {
		uint8_t c = t->quote;
		/* s.`nextval`, s."currval" (sql_mode=ORACLE): a sequence */
		if (c != '\'' && s->dot && t->closed && t->to - t->from == 7 &&
		    (strncasecmp((const char *)q + t->from, "NEXTVAL", 7) == 0 ||
		     strncasecmp((const char *)q + t->from, "CURRVAL", 7) == 0))
			return 1;
		e = m_peek(q, n, t->next, t->in_exec);
		if (c != '\'' && e < n && q[e] == '(')
			return 1;
		s->dot = s->next = 0;
	} else if (t->kind == M_WORD) {
		char w[32];
		size_t i = 0;
		for (size_t k = t->from; k < t->to; k++)
			if (i + 1 < sizeof(w))
				w[i++] = (char)toupper(q[k]);
		w[i] = 0;
		e = m_peek(q, n, t->next, t->in_exec);
		if (strcmp(w, "FROM") == 0 ||
		    (e < n && q[e] == '(' && (s->dot || !pure_function(w))))
			return 1;
		if ((s->next && strcmp(w, "VALUE") == 0) ||
		    (s->dot && (strcmp(w, "NEXTVAL") == 0 || strcmp(w, "CURRVAL") == 0)))
			return 1; /* a sequence */
		s->next = strcmp(w, "NEXT") == 0 || strcmp(w, "PREVIOUS") == 0;
		s->dot = 0;
	} else {
		s->dot = q[t->from] == '.';
		s->next = 0;
	}
	return 0;
}

/* 1 when the text, read in mode, calls a function other than the pure ones, calls a qualified
 * name, says FROM, or reads a sequence. */
static int m_calls(const uint8_t *q, size_t n, int mode)
{
	struct m_calls_state s = {0};
	return m_walk(q, n, mode, m_calls_visit, &s);
}

/* m_pins: the pins found, the words of the statement so far, the last token was the word NEXT. */
struct m_pins_state {
	unsigned pins;
	int words, next;
};

static int m_pins_visit(void *ctx, const uint8_t *q, size_t n, struct m_token *t)
{
	struct m_pins_state *s = ctx;
	size_t len = t->to - t->from, e;
	int was_next = s->next;

	s->next = 0;
	if (t->kind == M_QUOTED) {
		uint8_t c = t->quote;
		if (c != '\'' && t->closed && len == 7 &&
		    strncasecmp((const char *)q + t->from, "NEXTVAL", 7) == 0)
			s->pins |= DP_PIN_SEQUENCE;
		if (c != '\'' && t->closed && len == 8 && s->words &&
		    strncasecmp((const char *)q + t->from, "GET_LOCK", 8) == 0 &&
		    (e = m_peek(q, n, t->next, t->in_exec)) < n && q[e] == '(')
			s->pins |= DP_PIN_LOCK;
		s->words += c != '\'';
	} else if (t->kind == M_WORD) {
		if (len == 8 && s->words &&
		    strncasecmp((const char *)q + t->from, "GET_LOCK", 8) == 0)
			s->pins |= DP_PIN_LOCK;
		if ((len == 7 && strncasecmp((const char *)q + t->from, "NEXTVAL", 7) == 0) ||
		    (was_next && len == 5 &&
		     strncasecmp((const char *)q + t->from, "VALUE", 5) == 0))
			s->pins |= DP_PIN_SEQUENCE;
		s->next = len == 4 && strncasecmp((const char *)q + t->from, "NEXT", 4) == 0;
		/* SET STATEMENT ... FOR starts a statement again */
		s->words = len == 3 && strncasecmp((const char *)q + t->from, "FOR", 3) == 0
			       ? 0
			       : s->words + 1;
	} else if (q[t->from] == '@' && t->from + 1 < n && q[t->from + 1] == '@') {
		for (t->next = t->from + 2;
		     t->next < n && (m_word(q[t->next]) || q[t->next] == '.'); t->next++)
			;
	} else if (q[t->from] == '@') {
		s->pins |= DP_PIN_USERVAR;
	} else if (q[t->from] == ';') {
		s->words = 0;
	}
	return 0;
}

/* What any statement of the text leaves in the session, read in mode: a user variable (@x, not
 * @@x), a named lock (GET_LOCK, also called by a quoted name, after a statement's first word: a
 * statement cannot start with a call). The pins it must set. */
static unsigned m_pins(const uint8_t *q, size_t n, int mode)
{
	struct m_pins_state s = {0};
	m_walk(q, n, mode, m_pins_visit, &s);
	return s.pins;
}

/* q[k...] starts with the word w (any case), which ends there: no m_word byte follows. */
static int m_at(const uint8_t *q, size_t n, size_t k, const char *w)
{
	size_t len = strlen(w);
	return n - k >= len && strncasecmp((const char *)q + k, w, len) == 0 &&
	       (k + len == n || !m_word(q[k + len]));
}

/* m_global: SET read, at the start of an assignment, in parentheses so deep. */
struct m_global_state {
	int set, start, depth;
};

static int m_global_visit(void *ctx, const uint8_t *q, size_t n, struct m_token *t)
{
	struct m_global_state *s = ctx;

	if (!s->set) {
		if (t->kind != M_WORD || !m_at(q, n, t->from, "SET"))
			return -1; /* not a SET */
		s->set = s->start = 1;
		return 0;
	}
	if (s->start && t->kind != M_QUOTED &&
	    (m_at(q, n, t->from, "GLOBAL") || m_at(q, n, t->from, "@@GLOBAL")))
		return 1;
	if (t->kind == M_QUOTED) {
		s->start = 0;
	} else if (t->kind == M_WORD || q[t->from] == '@') {
		/* a name and the @ around it (@@global.x, @x) */
		while (t->next < n && (m_word(q[t->next]) || q[t->next] == '@'))
			t->next++;
		s->start = 0;
	} else {
		s->depth += q[t->from] == '(' ? 1 : q[t->from] == ')' ? -1 : 0;
		s->start = q[t->from] == ',' && s->depth <= 0;
	}
	return 0;
}

/* 1 when the text, read in mode, is a SET with an assignment that sets a global variable: as
 * MariaDB 10.11 reads it, each assignment has its own scope, GLOBAL or @@global (then spaces and
 * comments may come before the dot) at its start; an assignment starts after SET and after a
 * comma outside parentheses. */
static int m_global(const uint8_t *q, size_t n, int mode)
{
	struct m_global_state s = {0};
	return m_walk(q, n, mode, m_global_visit, &s) == 1;
}

/* The schema a USE moves to, when the text is exactly USE and one name (comments and spaces
 * around): 1 with it in out, 0 when it is anything else. */
static int m_use(const uint8_t *q, size_t n, char *out, size_t size)
{
	int in_exec = 0;
	size_t k = m_skip(q, n, 0, &in_exec), len = 0;
	if (!m_at(q, n, k, "USE"))
		return 0;
	k = m_skip(q, n, k + 3, &in_exec);
	if (k < n && q[k] == '`') {
		for (k++;; k++) {
			if (k >= n)
				return 0;
			if (q[k] == '`' && !(k + 1 < n && q[k + 1] == '`'))
				break;
			k += q[k] == '`';
			if (len + 1 >= size)
				return 0;
			out[len++] = (char)q[k];
		}
		k++;
	} else {
		for (; k < n && m_word(q[k]); k++) {
			if (len + 1 >= size)
				return 0;
			out[len++] = (char)q[k];
		}
	}
	out[len] = 0;
	k = m_skip(q, n, k, &in_exec);
	if (k < n && q[k] == ';')
		k = m_skip(q, n, k + 1, &in_exec);
	return len > 0 && k == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dp_track t;
	dp_cmd e = {0};

	if (size > DP_TRACK_C2S_HEAD)
		return 0;
	dp_track_init(&t);
	classify_query(&t, &e, data, size, 0, 0);
	assert(!(e.flags & CF_SET) || !(e.flags & CF_USE));
	unsigned pins = 0;
	for (m_skip_versions = 0; m_skip_versions < 2; m_skip_versions++)
		pins |= m_pins(data, size, M_SQ | M_DQ) | m_pins(data, size, M_SQ) |
			m_pins(data, size, 0);
	m_skip_versions = 0;
	/* Pinned, for that or another reason (a statement that starts with a quoted name, which
	 * none does, pins as unclassified). */
	assert(!pins || t.pins);
	if (e.flags & CF_SET) {
		assert(e.text && strlen(e.text) == size &&
		       memcmp(e.text, data, size) == 0); /* NUL */
		assert(!m_calls(data, size, M_SQ | M_DQ));
		assert(!m_calls(data, size, M_SQ)); /* ANSI_QUOTES */
		assert(!m_calls(data, size, 0));    /* NO_BACKSLASH_ESCAPES */
		assert(!memchr(data, '@', size) || !(t.pins & DP_PIN_USERVAR));
		/* Nothing global is replayed: executable comments read as SQL, or, when the
		 * server may skip one (pinned then), as comments. */
		for (int mode = 0; mode <= (M_SQ | M_DQ); mode += mode == 0 ? M_SQ : M_DQ)
			assert(!m_global(data, size, mode));
		m_skip_versions = 1;
		for (int mode = 0; mode <= (M_SQ | M_DQ); mode += mode == 0 ? M_SQ : M_DQ)
			assert(t.pins || !m_global(data, size, mode));
		m_skip_versions = 0;
	}
	if (e.flags & CF_USE) {
		char db[sizeof(t.db)];
		assert(e.text);
		assert(m_use(data, size, db, sizeof(db)));
		assert(strcmp(db, e.text) == 0);
	}
	free(e.text);
	dp_track_clear(&t);
	return 0;
}
