/*
 * cred.h - who a task is: user and group ids, supplementary groups and
 * capability sets (kernel/cred.c), with Linux's rules for changing them.
 *
 * Each task carries its struct cred by value (processes are single-
 * threaded, so nobody else reads it while it changes): fork copies it,
 * execve keeps the ids (no set-user-ID binaries) and recomputes the
 * capabilities from them as Linux does for a file without capabilities.
 */
#ifndef KERNEL_CRED_H
#define KERNEL_CRED_H

#include "kernel/uapi.h"

struct task;

#define CAP_CHOWN_BIT		0	/* <linux/capability.h> CAP_CHOWN */
#define CAP_DAC_OVERRIDE_BIT	1	/* CAP_DAC_OVERRIDE */
#define CAP_DAC_READ_SEARCH_BIT	2	/* CAP_DAC_READ_SEARCH */
#define CAP_FOWNER_BIT		3	/* CAP_FOWNER */
#define CAP_KILL_BIT		5	/* CAP_KILL */
#define CAP_SETGID_BIT		6	/* CAP_SETGID */
#define CAP_SETUID_BIT		7	/* CAP_SETUID */
#define CAP_SETPCAP_BIT		8	/* CAP_SETPCAP */
#define CAP_NET_BIND_SERVICE_BIT 10	/* CAP_NET_BIND_SERVICE */
#define CAP_NET_ADMIN_BIT	12	/* CAP_NET_ADMIN */
#define CAP_NET_RAW_BIT		13	/* CAP_NET_RAW */
#define CAP_IPC_LOCK_BIT	14	/* CAP_IPC_LOCK */
#define CAP_SYS_RESOURCE_BIT	24	/* CAP_SYS_RESOURCE */

/*
 * Supplementary groups a task can hold. Linux allows NGROUPS_MAX (65536);
 * Pagoda keeps them inside struct cred, so setgroups(2) with more than
 * this many returns ENOMEM (Linux's error when it cannot allocate them).
 */
#define CRED_NGROUPS		32

struct cred {
	uid_t uid, euid, suid, fsuid;	/* real, effective, saved, file system */
	gid_t gid, egid, sgid, fsgid;
	unsigned int ngroups;
	gid_t groups[CRED_NGROUPS];	/* sorted ascending, as Linux keeps them */
	uint64_t cap_effective, cap_permitted, cap_inheritable;
	uint64_t cap_bset;		/* bounding set (PR_CAPBSET_*) */
	bool keep_caps;			/* PR_SET_KEEPCAPS (SECBIT_KEEP_CAPS); off at exec */
	bool no_new_privs;		/* PR_SET_NO_NEW_PRIVS: sticky, inherited */
};

/* Make @t root (all ids 0, no groups) with every capability: init. */
void cred_init_root(struct task *t);
/*
 * The credentials after execve of a program without set-id bits or file
 * capabilities: saved ids become the effective ones; uid 0 (real or
 * effective) gets the bounding set as permitted, effective if euid is 0;
 * anyone else no capabilities.
 */
void cred_exec(struct task *t);
bool capable(int cap);			/* in current's effective set? */
/* Is @gid @c's fsgid or one of its supplementary groups? */
bool cred_in_group(const struct cred *c, gid_t gid);
/*
 * May current send signal @sig to @t (kill(2)'s rule)? True with CAP_KILL,
 * when current's real or effective uid is @t's real or saved uid, or for
 * SIGCONT within current's session. Caller keeps @t alive (tasklist_lock,
 * or no sleep since finding it).
 */
bool cred_may_signal(const struct task *t, int sig);
/*
 * May current reach into @t's memory (Linux's ptrace_may_access() with
 * PTRACE_MODE_ATTACH: process_vm_readv/writev, /proc/PID/mem)? @mode says
 * which of current's ids are compared: PTRACE_MODE_REALCREDS the real
 * uid/gid, PTRACE_MODE_FSCREDS the fs ones. True for current itself;
 * otherwise those ids must equal all three of @t's uids (real, effective,
 * saved) and gids, and @t must be dumpable, unless current has
 * CAP_SYS_PTRACE. Caller keeps @t alive (tasklist_lock); does not sleep.
 */
#define PTRACE_MODE_FSCREDS	0x04	/* Linux's values */
#define PTRACE_MODE_REALCREDS	0x08
bool ptrace_may_access(const struct task *t, unsigned int mode);
/*
 * The access @c's fs ids and effective capabilities give to an inode with
 * @mode/@uid/@gid; @mask is MAY_READ|MAY_WRITE|MAY_EXEC (the rwx bits).
 * Returns 0 or -EACCES. CAP_DAC_OVERRIDE passes read and write always and
 * exec when some x bit is set (or @mode is a directory); CAP_DAC_READ_SEARCH
 * passes read, and search of directories (Linux's generic_permission).
 */
int cred_permission(const struct cred *c, umode_t mode, uid_t uid, gid_t gid, int mask);
/*
 * access(2) checks with the real ids: @c becomes current's credentials
 * with fsuid/fsgid set to the real ones and, for a nonzero real uid, no
 * effective capabilities (Linux's faccessat override).
 */
void cred_for_access(struct cred *c);

#define MAY_EXEC	1
#define MAY_WRITE	2
#define MAY_READ	4

#endif
