/* What panelctl's two actions files share (cmd_actions.c, cmd_actions_watch.c). */
#ifndef PANELCTL_CLI_ACTIONS_H
#define PANELCTL_CLI_ACTIONS_H

#include "cli.h"

/* A pass's report as {"done", "failed", "retried", "purged", "no_quotas", "next_due",
 * "warning"}. */
json_t *cli_runner_report_json(const panel_runner_report *r);

/* panelctl actions watch. */
int cli_actions_watch(cli *c, int argc, char **argv);

#endif
