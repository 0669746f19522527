/* Configuration of a libpanel handle: an INI file (or values set one by one), validated against
 * the keys libpanel knows. Sections libpanel does not own are kept for the front ends, which
 * claim the keys they read there and refuse the others. */
#ifndef PANEL_CONFIG_H
#define PANEL_CONFIG_H

#include "common.h"

typedef struct panel_config panel_config;

/* A configuration with every libpanel key at its default value. */
PANEL_EXTERN int panel_config_new(panel_config **out);

/* Reads an INI file on top of the defaults. PANEL_EINVALID names "section.key" (or the line)
 * when a key is unknown in a libpanel section or a value is malformed. */
PANEL_EXTERN int panel_config_load(panel_config **out, const char *path);

/* Sets one value with the same validation as the file reader. */
PANEL_EXTERN int panel_config_set(panel_config *cfg, const char *section, const char *key,
				  const char *value);

/* The value of section.key, or NULL when absent. Valid until the next set or free. */
PANEL_EXTERN const char *panel_config_get(const panel_config *cfg, const char *section,
					  const char *key);

/* The value of section.key, as panel_config_get, with the key marked as read for
 * panel_config_check_claimed. A front end reads the keys of its own section through it. */
PANEL_EXTERN const char *panel_config_claim(panel_config *cfg, const char *section,
					    const char *key);

/* PANEL_EINVALID naming "section.key" (and the file and line it was read from) for a key of
 * section that no panel_config_claim read: in a front end's section, a typo that would silently
 * do nothing. To call once every key of section has been claimed. */
PANEL_EXTERN int panel_config_check_claimed(const panel_config *cfg, const char *section);

/* Unsigned value of section.key into *out. PANEL_EINVALID when absent or not a number. */
PANEL_EXTERN int panel_config_get_uint(unsigned long *out, const panel_config *cfg,
				       const char *section, const char *key);

PANEL_EXTERN void panel_config_free(panel_config *cfg);

#endif
