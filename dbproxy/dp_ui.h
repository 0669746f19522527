/* dbproxy's status page (dp_ui.c): the static files the admin endpoint serves without a
 * token. */
#ifndef DBPROXY_DP_UI_H
#define DBPROXY_DP_UI_H

#include <stddef.h>

/* The Content-Security-Policy sent with them. */
extern const char dp_ui_csp[];

/* 1 when url is one of the page's files (type, body and len then describe it, static), else
 * 0. */
int dp_ui_asset(const char *url, const char **type, const char **body, size_t *len);

#endif
