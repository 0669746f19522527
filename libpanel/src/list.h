/* The list shape shared by every panel_<thing>_list (items, count, total, next_cursor): helpers
 * for the lists that have one page and items without pointers of their own. */
#ifndef PANEL_SRC_LIST_H
#define PANEL_SRC_LIST_H

#include <stdlib.h>

#include "db/db.h"
#include "error.h"

/* Hands a one-page list to the caller: *out gets a new list holding the array items (n of them,
 * taken over), total n, next_cursor "". Evaluates to 0, or, when the list cannot be allocated,
 * frees items and evaluates to the out-of-memory error. A macro because each list has its own
 * type; the assignment of items checks that the array is of the list's item type. */
#define PANEL__LIST_TAKE(out, items_, n)                                                           \
	((*(out) = calloc(1, sizeof(**(out))))                                                     \
	     ? ((*(out))->items = (items_), (*(out))->total = (*(out))->count = (n), 0)            \
	     : (free(items_), panel__error_oom()))

/* Frees a list whose items hold no pointers; NULL is fine. */
#define PANEL__LIST_FREE(list)                                                                     \
	do {                                                                                       \
		if (list) {                                                                        \
			free((list)->items);                                                       \
			free(list);                                                                \
		}                                                                                  \
	} while (0)

/* The items of a one-page list from a query's rows: *items gets a zeroed array of one item of
 * item_size bytes per row (NULL when there is none), each filled by fill, and *count their
 * number. 0, or the out-of-memory error with *items NULL. list.c. */
typedef void (*panel__row_fill)(void *item, const panel_db_rows *rows, size_t row);
int panel__rows_items(void **items, size_t *count, size_t item_size, const panel_db_rows *rows,
		      panel__row_fill fill);

#endif
