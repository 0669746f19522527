/* dbproxy fail points: a test hook (docs/dbproxy.md §13). With DBPROXY_FAILPOINT=NAME in its
 * environment, dbproxy stops itself (SIGSTOP) when it reaches the point NAME, so that a test can
 * kill it exactly there instead of by timing luck. Without the variable, nothing happens. */
#ifndef DP_FAILPOINT_H
#define DP_FAILPOINT_H

/* Stops the process (SIGSTOP) if DBPROXY_FAILPOINT names this point; logs it first. */
void dp_failpoint(const char *name);

#endif
