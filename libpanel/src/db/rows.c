/* Queries that return rows: prepared, executed, and fully buffered as text cells. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"
#include "error.h"

/* Bytes fetched per column before asking for the rest of a longer value. */
#define FIRST_FETCH 256

struct panel_db_rows {
	size_t ncols;
	size_t nrows;
	size_t cap;   /* cells allocated */
	char **cells; /* nrows * ncols, row-major; NULL = SQL NULL */
};

static int grow(panel_db_rows *r)
{
	size_t need = (r->nrows + 1) * r->ncols;

	if (need <= r->cap)
		return 0;
	size_t cap = r->cap ? r->cap * 2 : r->ncols * 16;
	while (cap < need)
		cap *= 2;
	char **cells = realloc(r->cells, cap * sizeof(*cells));
	if (!cells)
		return panel__error_oom();
	r->cells = cells;
	r->cap = cap;
	return 0;
}

void panel__db_rows_free(panel_db_rows *rows)
{
	if (!rows)
		return;
	for (size_t i = 0; i < rows->nrows * rows->ncols; i++)
		free(rows->cells[i]);
	free(rows->cells);
	free(rows);
}

/* Copies the current row of st into rows; long values are fetched again in full. */
static int take_row(panel_db_rows *rows, MYSQL_STMT *st, panel_db *db, const char *scratch,
		    const unsigned long *lengths, const my_bool *nulls)
{
	char **row;
	int error;

	if ((error = grow(rows)) < 0)
		return error;
	row = &rows->cells[rows->nrows * rows->ncols];
	for (size_t c = 0; c < rows->ncols; c++)
		row[c] = NULL;
	rows->nrows++;
	for (size_t c = 0; c < rows->ncols; c++) {
		unsigned long len = lengths[c];
		char *cell;
		if (nulls[c])
			continue;
		cell = malloc((size_t)len + 1);
		if (!cell)
			return panel__error_oom();
		if (len > FIRST_FETCH) {
			MYSQL_BIND full = {0};
			unsigned long got = 0;
			full.buffer_type = MYSQL_TYPE_STRING;
			full.buffer = cell;
			full.buffer_length = len;
			full.length = &got;
			if (mysql_stmt_fetch_column(st, &full, (unsigned)c, 0) != 0) {
				free(cell);
				return panel__db_fail(db, mysql_stmt_errno(st),
						      mysql_stmt_error(st));
			}
		} else {
			memcpy(cell, scratch + c * FIRST_FETCH, len);
		}
		cell[len] = '\0';
		row[c] = cell;
	}
	return 0;
}

int panel__db_query(panel_db_rows **out, panel_db *db, const char *sql,
		    const panel_db_param *params, size_t nparams)
{
	panel_db_rows *rows = NULL;
	MYSQL_BIND *binds = NULL;
	unsigned long *lengths = NULL;
	my_bool *nulls = NULL, *errors = NULL;
	char *scratch = NULL;
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
	binds = calloc(rows->ncols, sizeof(*binds));
	lengths = calloc(rows->ncols, sizeof(*lengths));
	nulls = calloc(rows->ncols, sizeof(*nulls));
	errors = calloc(rows->ncols, sizeof(*errors));
	scratch = malloc(rows->ncols * FIRST_FETCH);
	if (!binds || !lengths || !nulls || !errors || !scratch) {
		error = panel__error_oom();
		goto out;
	}
	for (size_t c = 0; c < rows->ncols; c++) {
		binds[c].buffer_type = MYSQL_TYPE_STRING;
		binds[c].buffer = scratch + c * FIRST_FETCH;
		binds[c].buffer_length = FIRST_FETCH;
		binds[c].length = &lengths[c];
		binds[c].is_null = &nulls[c];
		binds[c].error = &errors[c];
	}
	if (mysql_stmt_bind_result(st, binds) != 0) {
		error = panel__db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	while ((status = mysql_stmt_fetch(st)) == 0 || status == MYSQL_DATA_TRUNCATED) {
		if ((error = take_row(rows, st, db, scratch, lengths, nulls)) < 0)
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
	free(binds);
	free(lengths);
	free(nulls);
	free(errors);
	free(scratch);
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

int panel__db_query_u64(uint64_t *out, panel_db *db, const char *sql, const panel_db_param *params,
			size_t nparams)
{
	panel_db_rows *rows;
	int error;

	if ((error = panel__db_query(&rows, db, sql, params, nparams)) < 0)
		return error;
	if (panel__db_rows_count(rows) == 0)
		error = panel__error(PANEL_ENOTFOUND, NULL, "no row");
	else
		error = panel__db_cell_u64(out, rows, 0, 0);
	panel__db_rows_free(rows);
	return error;
}
