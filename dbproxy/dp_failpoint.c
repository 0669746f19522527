/* dbproxy fail points (dp_failpoint.h): a test stops dbproxy at a named point of an operation
 * (DBPROXY_FAILPOINT=after_publish, say) and kills it there. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "dp_failpoint.h"
#include "dp_log.h"

void dp_failpoint(const char *name)
{
	const char *want = getenv("DBPROXY_FAILPOINT");
	if (!want || strcmp(want, name) != 0)
		return;
	dp_warn("fail point %s reached (DBPROXY_FAILPOINT): stopping (SIGSTOP)", name);
	raise(SIGSTOP);
	dp_warn("fail point %s: resumed", name);
}
