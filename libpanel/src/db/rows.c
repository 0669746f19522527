/* Queries that return rows: prepared, executed, and fully buffered as text cells. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db/db_internal.h"
#include "error.h"

/* Bytes fetched per column before asking for the rest of a longer value. */
#define FIRST_FETCH 256

/* How a column is fetched: as text, or (dates without fractions) as a MYSQL_TIME written out
 * here exactly as libmariadb's conversion to text writes it, without its sprintf (a read
 * fetches five dates: 4% of panel-api's user time). */
enum { KIND_TEXT, KIND_DATETIME, KIND_DATE };

struct panel_db_rows {
	size_t ncols;
	size_t nrows;
	size_t cap;    /* cells allocated */
	char **cells;  /* nrows * ncols, row-major; NULL = SQL NULL; pointing into blocks */
	char **blocks; /* one allocation per row, holding all its cells (cap / ncols of them) */
};

static int grow(panel_db_rows *r)
{
	size_t need = (r->nrows + 1) * r->ncols;

	if (need <= r->cap)
		return 0;
	size_t cap = r->cap ? r->cap * 2 : r->ncols * 4;
	while (cap < need)
		cap *= 2;
	char **cells = realloc(r->cells, cap * sizeof(*cells));
	if (!cells)
		return panel__error_oom();
	r->cells = cells;
	char **blocks = realloc(r->blocks, cap / r->ncols * sizeof(*blocks));
	if (!blocks)
		return panel__error_oom();
	r->blocks = blocks;
	r->cap = cap;
	return 0;
}

void panel__db_rows_free(panel_db_rows *rows)
{
	if (!rows)
		return;
	for (size_t i = 0; i < rows->nrows; i++)
		free(rows->blocks[i]);
	free(rows->blocks);
	free(rows->cells);
	free(rows);
}

/* Copies the current row of st into rows, all its cells in one allocation; long values are
 * fetched again in full. */
static void put2(char *out, unsigned v)
{
	out[0] = (char)('0' + v / 10 % 10);
	out[1] = (char)('0' + v % 10);
}

/* "%04u-%02u-%02u" and, for a DATETIME, " %02u:%02u:%02u": its length. */
static size_t put_date(char *out, const MYSQL_TIME *t, int kind)
{
	if (t->year > 9999 || t->month > 99 || t->day > 99 || t->hour > 99 || t->minute > 99 ||
	    t->second > 99) /* never from a DATETIME; kept exact all the same */
		return kind == KIND_DATE
			   ? (size_t)sprintf(out, "%04u-%02u-%02u", t->year, t->month, t->day)
			   : (size_t)sprintf(out, "%04u-%02u-%02u %02u:%02u:%02u", t->year,
					     t->month, t->day, t->hour, t->minute, t->second);
	put2(out, t->year / 100);
	put2(out + 2, t->year % 100);
	out[4] = '-';
	put2(out + 5, t->month);
	out[7] = '-';
	put2(out + 8, t->day);
	if (kind == KIND_DATE)
		return 10;
	out[10] = ' ';
	put2(out + 11, t->hour);
	out[13] = ':';
	put2(out + 14, t->minute);
	out[16] = ':';
	put2(out + 17, t->second);
	return 19;
}

static int take_row(panel_db_rows *rows, MYSQL_STMT *st, panel_db *db,
		    const struct panel_db_fetch *f)
{
	const char *scratch = f->scratch;
	const unsigned long *lengths = f->lengths;
	const my_bool *nulls = f->nulls;
	char **row, *block, *at;
	size_t total = 1;
	int error;

	if ((error = grow(rows)) < 0)
		return error;
	for (size_t c = 0; c < rows->ncols; c++)
		if (!nulls[c])
			total += (f->kind[c] ? 40 : (size_t)lengths[c]) + 1;
	if (!(block = malloc(total)))
		return panel__error_oom();
	row = &rows->cells[rows->nrows * rows->ncols];
	rows->blocks[rows->nrows++] = block;
	at = block;
	for (size_t c = 0; c < rows->ncols; c++) {
		unsigned long len = lengths[c];
		row[c] = NULL;
		if (nulls[c])
			continue;
		if (f->kind[c]) {
			len = (unsigned long)put_date(at, &f->times[c], f->kind[c]);
		} else if (len > FIRST_FETCH) {
			MYSQL_BIND full = {0};
			unsigned long got = 0;
			full.buffer_type = MYSQL_TYPE_STRING;
			full.buffer = at;
			full.buffer_length = len;
			full.length = &got;
			if (mysql_stmt_fetch_column(st, &full, (unsigned)c, 0) != 0) {
				for (size_t k = c + 1; k < rows->ncols; k++)
					row[k] = NULL;
				return panel__db_fail(db, mysql_stmt_errno(st),
						      mysql_stmt_error(st));
			}
		} else {
			memcpy(at, scratch + c * FIRST_FETCH, len);
		}
		at[len] = '\0';
		row[c] = at;
		at += len + 1;
	}
	return 0;
}

/* The result buffers of db, kept from one query to the next (grown to ncols). */
static int fetch_buffers(panel_db *db, size_t ncols)
{
	struct panel_db_fetch *f = &db->fetch;

	if (ncols <= f->cap)
		return 0;
	panel__db_fetch_free(db); /* the old ones, their cells wiped */
	f->binds = calloc(ncols, sizeof(*f->binds));
	f->lengths = calloc(ncols, sizeof(*f->lengths));
	f->nulls = calloc(ncols, sizeof(*f->nulls));
	f->errors = calloc(ncols, sizeof(*f->errors));
	f->scratch = malloc(ncols * FIRST_FETCH);
	f->times = calloc(ncols, sizeof(*f->times));
	f->kind = calloc(ncols, sizeof(*f->kind));
	if (!f->binds || !f->lengths || !f->nulls || !f->errors || !f->scratch || !f->times ||
	    !f->kind) {
		panel__db_fetch_free(db);
		return panel__error_oom();
	}
	f->cap = ncols;
	return 0;
}

void panel__db_fetch_free(panel_db *db)
{
	struct panel_db_fetch *f = &db->fetch;

	if (f->scratch) /* the last cells fetched: password hashes among them, maybe */
		sodium_memzero(f->scratch, f->cap * FIRST_FETCH);
	free(f->binds);
	free(f->lengths);
	free(f->nulls);
	free(f->errors);
	free(f->scratch);
	free(f->times);
	free(f->kind);
	memset(f, 0, sizeof(*f));
}

int panel__db_query(panel_db_rows **out, panel_db *db, const char *sql,
		    const panel_db_param *params, size_t nparams)
{
	struct panel_db_fetch *f = &db->fetch;
	panel_db_rows *rows = NULL;
	MYSQL_STMT *st;
	int error, status;

	*out = NULL;
	if ((error = panel__db_prepare_execute(&st, db, sql, params, nparams)) < 0)
		return error;
	rows = calloc(1, sizeof(*rows));
	if (!rows) {
		error = panel__error_oom();
		goto out;
	}
	rows->ncols = mysql_stmt_field_count(st);
	if (rows->ncols == 0)
		goto done;
	if (mysql_stmt_store_result(st) != 0) {
		error = panel__db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	if ((error = fetch_buffers(db, rows->ncols)) < 0)
		goto out;
	memset(f->binds, 0, rows->ncols * sizeof(*f->binds));
	for (size_t c = 0; c < rows->ncols; c++) {
		const MYSQL_FIELD *field = &st->fields[c];
		f->kind[c] = KIND_TEXT;
		if (field->decimals == 0 &&
		    (field->type == MYSQL_TYPE_DATETIME || field->type == MYSQL_TYPE_TIMESTAMP))
			f->kind[c] = KIND_DATETIME;
		else if (field->type == MYSQL_TYPE_DATE)
			f->kind[c] = KIND_DATE;
		if (f->kind[c]) {
			f->binds[c].buffer_type = field->type;
			f->binds[c].buffer = &f->times[c];
			f->binds[c].buffer_length = sizeof(f->times[c]);
		} else {
			f->binds[c].buffer_type = MYSQL_TYPE_STRING;
			f->binds[c].buffer = f->scratch + c * FIRST_FETCH;
			f->binds[c].buffer_length = FIRST_FETCH;
		}
		f->binds[c].length = &f->lengths[c];
		f->binds[c].is_null = &f->nulls[c];
		f->binds[c].error = &f->errors[c];
	}
	if (mysql_stmt_bind_result(st, f->binds) != 0) {
		error = panel__db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	while ((status = mysql_stmt_fetch(st)) == 0 || status == MYSQL_DATA_TRUNCATED) {
		if ((error = take_row(rows, st, db, f)) < 0)
			goto out;
	}
	if (status != MYSQL_NO_DATA) {
		error = panel__db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
done:
	*out = rows;
	rows = NULL;
out:
	if (st && mysql_stmt_field_count(st) > 0)
		mysql_stmt_free_result(st);
	panel__db_rows_free(rows);
	return error;
}

size_t panel__db_rows_count(const panel_db_rows *rows)
{
	return rows ? rows->nrows : 0;
}

size_t panel__db_rows_columns(const panel_db_rows *rows)
{
	return rows ? rows->ncols : 0;
}

const char *panel__db_cell(const panel_db_rows *rows, size_t row, size_t col)
{
	if (!rows || row >= rows->nrows || col >= rows->ncols)
		return NULL;
	return rows->cells[row * rows->ncols + col];
}

int panel__db_cell_u64(uint64_t *out, const panel_db_rows *rows, size_t row, size_t col)
{
	const char *v = panel__db_cell(rows, row, col);
	char *end;
	unsigned long long n;

	if (!v || !*v || *v == '-')
		return panel__error(PANEL_ERROR, NULL, "internal: column %zu is not a number", col);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return panel__error(PANEL_ERROR, NULL, "internal: column %zu is not a number", col);
	*out = (uint64_t)n;
	return 0;
}

/* The first cell of rows as a number; rows is freed. */
static int first_u64(uint64_t *out, panel_db_rows *rows)
{
	int error;

	if (panel__db_rows_count(rows) == 0)
		error = panel__error(PANEL_ENOTFOUND, NULL, "no row");
	else
		error = panel__db_cell_u64(out, rows, 0, 0);
	panel__db_rows_free(rows);
	return error;
}

int panel__db_query_u64(uint64_t *out, panel_db *db, const char *sql, const panel_db_param *params,
			size_t nparams)
{
	panel_db_rows *rows;
	int error;

	if ((error = panel__db_query(&rows, db, sql, params, nparams)) < 0)
		return error;
	return first_u64(out, rows);
}

int panel__db_read_u64(uint64_t *out, panel_db *db, const char *sql, const panel_db_param *params,
		       size_t nparams)
{
	panel_db_rows *rows;
	int error;

	if ((error = panel__db_read(&rows, db, sql, params, nparams)) < 0)
		return error;
	return first_u64(out, rows);
}
