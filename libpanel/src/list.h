/* The list shape shared by every panel_<thing>_list (items, count, total, next_cursor): helpers
 * for the lists that have one page and items without pointers of their own. */
#ifndef PANEL_SRC_LIST_H
#define PANEL_SRC_LIST_H

#include <stdlib.h>

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

#endif
