/* Shared definitions of the public libpanel headers: export marker and the opaque handle.
 * Include <panel/panel.h> rather than this file. */
#ifndef PANEL_COMMON_H
#define PANEL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define PANEL_EXTERN __attribute__((visibility("default")))
#else
#define PANEL_EXTERN
#endif

#define PANEL_VERSION_STRING "0.1.0"

/* One open connection to the panel database and its settings. Not thread-safe: one per thread. */
typedef struct panel panel;

/* An account's login (AlternC: [a-z0-9], 16 characters at most); structs hold it in
 * char login[PANEL_LOGIN_MAX + 1]. */
#define PANEL_LOGIN_MAX 16

/* Every list function fills a panel_<thing>_list: items (an array of count), total (how many
 * match over all pages; count for the lists that have one page) and next_cursor (pass it as the
 * filter's cursor for the next page; "" on the last page). The list is freed, items included,
 * by its panel_<thing>_list_free (NULL is fine). */
#define PANEL_CURSOR_MAX 255

#endif
