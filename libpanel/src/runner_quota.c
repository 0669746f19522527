/* quota_edit: a member's web quota as a group disk quota (gid = the member's uid) on the
 * filesystem of the hosting root, as AlternC 1.0's quota_edit.sh did with `setquota -r -g uid
 * size size 0 0`. The same quotactl(2) call setquota makes, on a descriptor of the root
 * (quotactl_fd, Linux 5.14), so there is neither a device to find nor output to parse. Where the
 * filesystem has no quotas the limit stays recorded only, and the usage is measured by walking
 * the web space instead (runner_usage.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/quota.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "jobs_internal.h"
#include "runner_internal.h"

static int quotactl_root(int root, int cmd, uint32_t gid, struct if_dqblk *q)
{
#ifdef SYS_quotactl_fd
	/* QCMD() shifts an int past its sign bit (Q_SETQUOTA is 0x800008): done unsigned. */
	unsigned qcmd = ((unsigned)cmd << SUBCMDSHIFT) | ((unsigned)GRPQUOTA & SUBCMDMASK);
	return (int)syscall(SYS_quotactl_fd, root, qcmd, gid, q);
#else
	(void)root, (void)cmd, (void)gid, (void)q;
	errno = ENOSYS;
	return -1;
#endif
}

int panel__quota_no_quotas(int err)
{
	return err == ESRCH || err == ENOSYS || err == ENOTTY || err == EOPNOTSUPP ||
	       err == EINVAL || err == ENOENT;
}

/* Sets the limit; 1 when it was applied, 0 when the filesystem has no quotas, -1 after
 * recording the failure. */
static int apply(struct panel__run *r, uint64_t kb)
{
	struct if_dqblk q;

	memset(&q, 0, sizeof(q));
	/* In 1 KiB blocks, soft = hard as 1.0; 0 = no limit. Inodes are left unlimited. */
	q.dqb_bhardlimit = q.dqb_bsoftlimit = kb;
	q.dqb_valid = QIF_BLIMITS;
	if (quotactl_root(r->root, Q_SETQUOTA, r->uid, &q) == 0)
		return 1;
	if (!panel__quota_no_quotas(errno)) {
		panel__run_errno(r, errno, "setting the disk quota");
		return -1;
	}
	r->no_quotas = 1;
	panel__run_done(r,
			"no disk quotas on the filesystem of %.150s (%s): the limit is recorded"
			" only",
			panel__job_root(r->p), strerror(errno));
	return 0;
}

void panel__run_quota(struct panel__run *r)
{
	json_t *kb = json_object_get(r->args, "kb");
	struct if_dqblk q;

	if (!json_is_integer(kb) || json_integer_value(kb) < 0) {
		panel__run_failed(r, "refused: invalid quota");
		return;
	}
	if (r->uid < 1000) {
		panel__run_failed(r, "refused: uid %u is a system group", r->uid);
		return;
	}
	if (apply(r, (uint64_t)json_integer_value(kb)) <= 0)
		return;
	memset(&q, 0, sizeof(q));
	if (quotactl_root(r->root, Q_GETQUOTA, r->uid, &q) == -1) {
		panel__run_errno(r, errno, "reading the disk quota back");
		return;
	}
	uint64_t used = (q.dqb_curspace + 1023) / 1024;
	/* The usage, for the panel's web quota (1.0's nightly spoolsize.php wrote it). */
	if (panel__usage_record(r->p, r->uid, used) < 0) {
		panel__run_retry(r, "%.200s", panel_error_last()->message);
		return;
	}
	panel__run_done(r, "group quota of %u: %llu KB, %llu KB used", r->uid,
			(unsigned long long)q.dqb_bhardlimit, (unsigned long long)used);
}

int panel__quota_used_kb(uint64_t *kb, int root, uint32_t gid)
{
	struct if_dqblk q;

	memset(&q, 0, sizeof(q));
	if (quotactl_root(root, Q_GETQUOTA, gid, &q) == -1)
		return -1;
	*kb = (q.dqb_curspace + 1023) / 1024;
	return 0;
}
