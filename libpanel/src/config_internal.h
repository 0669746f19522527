/* Internal access to a configuration: copies and secrets. */
#ifndef PANEL_SRC_CONFIG_INTERNAL_H
#define PANEL_SRC_CONFIG_INTERNAL_H

#include "panel/config.h"

int panel__config_dup(panel_config **out, const panel_config *cfg);

/* The secret of a section: its "password" value, or the first line of its "password_file".
 * *out is allocated (free it with panel__secret_free); "" when neither is set. */
int panel__config_secret(char **out, const panel_config *cfg, const char *section);

/* Wipes and frees a secret. NULL is fine. */
void panel__secret_free(char *secret);

#endif
