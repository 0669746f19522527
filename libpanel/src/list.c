/* Helpers of the one-page lists (list.h): the array of items made from a query's rows. */
#include "list.h"

int panel__rows_items(void **items, size_t *count, size_t item_size, const panel_db_rows *rows,
		      panel__row_fill fill)
{
	size_t n = panel__db_rows_count(rows);
	unsigned char *array = n ? calloc(n, item_size) : NULL;

	*items = NULL;
	*count = 0;
	if (n && !array)
		return panel__error_oom();
	for (size_t i = 0; i < n; i++)
		fill(array + i * item_size, rows, i);
	*items = array;
	*count = n;
	return 0;
}
