/*
 * cred.c - credentials: user and group ids, supplementary groups and
 * capabilities, with Linux's rules for changing them (kernel/sys.c and
 * security/commoncap.c of Linux; capabilities(7), credentials(7)).
 *
 * Every task has real, effective, saved and file-system uids and gids
 * (struct cred in kernel/cred.h, held by value in struct task). Init is
 * root with every capability; fork copies the whole cred; execve keeps the
 * ids (Pagoda has no set-user-ID binaries: the set-id bits of a file are
 * ignored) and recomputes the capabilities as Linux does for a file with
 * none: root gets the bounding set, anyone else nothing.
 *
 * Who may change what: a caller with CAP_SETUID (CAP_SETGID for gids and
 * groups) may set any id; anyone else only picks among its current real,
 * effective and saved ids (EPERM otherwise). Capabilities follow the uids
 * (cred_fix_caps): all of real/effective/saved nonzero clears permitted
 * and effective (unless PR_SET_KEEPCAPS), euid 0 -> nonzero clears
 * effective, nonzero -> 0 restores effective from permitted; the fsuid
 * moving away from 0 drops the file-system capabilities.
 *
 * Locking: a task's cred changes only in its own system calls, and readers
 * on other tasks (kill's check, /proc) read plain words, as the rest of
 * struct task's attributes; processes are single-threaded.
 *
 * capget/capset speak _LINUX_CAPABILITY_VERSION_3: two 32-bit halves.
 */
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "mm/usercopy.h"
#include <linux/capability.h>

#define CAP_FULL	((1ull << (CAP_LAST_CAP + 1)) - 1)
#define CAP_BIT(c)	(1ull << (c))
/* The capabilities a change of fsuid to or from 0 moves (Linux CAP_FS_SET). */
#define CAP_FS_MASK	(CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_DAC_OVERRIDE) |	\
			 CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_FOWNER) |	\
			 CAP_BIT(CAP_FSETID) | CAP_BIT(CAP_LINUX_IMMUTABLE) |	\
			 CAP_BIT(CAP_MAC_OVERRIDE))
#define ID_KEEP		((unsigned int)-1)	/* "leave this id alone" */
#define NGROUPS_MAX_LINUX	65536		/* <linux/limits.h> NGROUPS_MAX */

_Static_assert(CAP_IPC_LOCK_BIT == CAP_IPC_LOCK, "cred.h capability bits");
_Static_assert(CAP_SETUID_BIT == CAP_SETUID && CAP_KILL_BIT == CAP_KILL, "cred.h bits");

void cred_init_root(struct task *t)
{
	struct cred *c = &t->cred;

	memset(c, 0, sizeof(*c));
	c->cap_effective = c->cap_permitted = c->cap_bset = CAP_FULL;
}

void cred_exec(struct task *t)
{
	struct cred *c = &t->cred;

	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	c->keep_caps = false;
	if (c->uid == 0 || c->euid == 0) {
		c->cap_permitted = (c->cap_inheritable | c->cap_bset) & CAP_FULL;
		c->cap_effective = c->euid == 0 ? c->cap_permitted : 0;
	} else {
		c->cap_permitted = c->cap_effective = 0;
	}
	t->dumpable = c->uid == c->euid && c->gid == c->egid;
}

bool capable(int cap)
{
	return current()->cred.cap_effective & CAP_BIT(cap);
}

bool cred_in_group(const struct cred *c, gid_t gid)
{
	if (gid == c->fsgid)
		return true;
	for (unsigned int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

bool cred_may_signal(const struct task *t, int sig)
{
	const struct cred *me = &current()->cred, *them = &t->cred;

	if (me->cap_effective & CAP_BIT(CAP_KILL))
		return true;
	if (sig == SIGCONT && t->sid == current()->sid)
		return true;
	return me->euid == them->suid || me->euid == them->uid ||
	       me->uid == them->suid || me->uid == them->uid;
}

bool ptrace_may_access(const struct task *t, unsigned int mode)
{
	const struct cred *me = &current()->cred, *them = &t->cred;
	uid_t uid = mode & PTRACE_MODE_FSCREDS ? me->fsuid : me->uid;
	gid_t gid = mode & PTRACE_MODE_FSCREDS ? me->fsgid : me->gid;
	bool cap = me->cap_effective & CAP_BIT(CAP_SYS_PTRACE);

	if (t == current())
		return true;
	/* Every id of the target must be the caller's: no set-id process. */
	if (!cap && (uid != them->uid || uid != them->euid || uid != them->suid ||
		     gid != them->gid || gid != them->egid || gid != them->sgid))
		return false;
	/* A process that gave up being dumpable (or changed ids) is off limits. */
	return t->dumpable || cap;
}

int cred_permission(const struct cred *c, umode_t mode, uid_t uid, gid_t gid, int mask)
{
	unsigned int bits = mode;
	bool dir = S_ISDIR(mode);

	if (c->fsuid == uid)
		bits >>= 6;
	else if (cred_in_group(c, gid))
		bits >>= 3;
	if (!(mask & ~bits & (MAY_READ | MAY_WRITE | MAY_EXEC)))
		return 0;
	/* The owner/group/other bits say no: do capabilities override them? */
	if (dir && !(mask & MAY_WRITE) &&
	    (c->cap_effective & CAP_BIT(CAP_DAC_READ_SEARCH)))
		return 0;
	if ((c->cap_effective & CAP_BIT(CAP_DAC_OVERRIDE)) &&
	    (dir || !(mask & MAY_EXEC) || (mode & 0111)))
		return 0;
	if (!dir && mask == MAY_READ && (c->cap_effective & CAP_BIT(CAP_DAC_READ_SEARCH)))
		return 0;
	return -EACCES;
}

void cred_for_access(struct cred *c)
{
	*c = current()->cred;
	c->fsuid = c->uid;
	c->fsgid = c->gid;
	c->cap_effective = c->uid ? 0 : c->cap_permitted;
}

/* ---- changing ids ---- */

/*
 * The capability consequences of a uid change from @old to @new
 * (capabilities(7), "Effect of user ID changes on capabilities").
 */
static void cred_fix_caps(const struct cred *old, struct cred *new)
{
	bool had_root = !old->uid || !old->euid || !old->suid;
	bool no_root = new->uid && new->euid && new->suid;

	if (had_root && no_root && !new->keep_caps)
		new->cap_permitted = new->cap_effective = 0;
	if (!old->euid && new->euid)
		new->cap_effective = 0;
	if (old->euid && !new->euid)
		new->cap_effective = new->cap_permitted;
}

/* The fsuid consequences: the file-system capabilities follow fsuid 0. */
static void cred_fix_fs_caps(const struct cred *old, struct cred *new)
{
	if (!old->fsuid && new->fsuid)
		new->cap_effective &= ~CAP_FS_MASK;
	if (old->fsuid && !new->fsuid)
		new->cap_effective |= new->cap_permitted & CAP_FS_MASK;
}

/*
 * Install @new as current's credentials. A change of effective or fs ids
 * makes the process non-dumpable, as Linux's commit_creds() does (with
 * the default fs.suid_dumpable of 0).
 */
static void cred_commit(const struct cred *new)
{
	struct task *t = current();
	const struct cred *old = &t->cred;

	if (old->euid != new->euid || old->egid != new->egid ||
	    old->fsuid != new->fsuid || old->fsgid != new->fsgid)
		t->dumpable = false;
	t->cred = *new;
}

/*
 * The uid and gid calls follow the same rules, each on its own four ids
 * and capability: an id_set names the real, effective, saved and fs id of
 * one kind inside a struct cred. Only uid changes move capabilities.
 */
enum id_kind { UIDS, GIDS };

struct id_set {
	unsigned int *r, *e, *s, *fs;
	int cap;			/* what sets any id: CAP_SETUID or CAP_SETGID */
};

static struct id_set id_set(struct cred *c, enum id_kind kind)
{
	if (kind == UIDS)
		return (struct id_set){ &c->uid, &c->euid, &c->suid, &c->fsuid, CAP_SETUID };
	return (struct id_set){ &c->gid, &c->egid, &c->sgid, &c->fsgid, CAP_SETGID };
}

/* Is @id one of the real, effective or saved ids of @ids? */
static bool id_among(unsigned int id, struct id_set ids)
{
	return id == *ids.r || id == *ids.e || id == *ids.s;
}

/* Install @new after a set*id of @kind ids (not setfs*id): uids move the caps. */
static long commit_setid(struct cred *new, enum id_kind kind)
{
	if (kind == UIDS)
		cred_fix_caps(&current()->cred, new);
	cred_commit(new);
	return 0;
}

/*
 * setuid/setgid: with the capability, real, effective, saved and fs id all
 * become @id; without, only the effective and fs ids, to the real or saved one.
 */
static long do_setid(enum id_kind kind, unsigned int id)
{
	struct cred new = current()->cred;
	struct id_set n = id_set(&new, kind);

	if (id == ID_KEEP)
		return -EINVAL;
	if (capable(n.cap)) {
		*n.r = *n.s = id;
	} else if (id != *n.r && id != *n.s) {
		return -EPERM;
	}
	*n.e = *n.fs = id;
	return commit_setid(&new, kind);
}

static long sys_setuid(unsigned int uid) { return do_setid(UIDS, uid); }
SYSCALL(__NR_setuid, sys_setuid);
static long sys_setgid(unsigned int gid) { return do_setid(GIDS, gid); }
SYSCALL(__NR_setgid, sys_setgid);

/*
 * setreuid/setregid: the real id may become the old real or effective one,
 * the effective id any of the three, unless privileged. The saved id
 * follows the new effective one when the real id is set or the effective
 * one leaves the real one; the fs id follows the effective one.
 */
static long do_setreid(enum id_kind kind, unsigned int rid, unsigned int eid)
{
	struct cred new = current()->cred;
	struct id_set n = id_set(&new, kind);
	unsigned int old_r = *n.r, old_e = *n.e;
	bool priv = capable(n.cap);

	if (rid != ID_KEEP && !priv && rid != old_r && rid != old_e)
		return -EPERM;
	if (eid != ID_KEEP && !priv && !id_among(eid, n))
		return -EPERM;
	if (rid != ID_KEEP)
		*n.r = rid;
	if (eid != ID_KEEP)
		*n.e = eid;
	if (rid != ID_KEEP || (eid != ID_KEEP && eid != old_r))
		*n.s = *n.e;
	*n.fs = *n.e;
	return commit_setid(&new, kind);
}

static long sys_setreuid(unsigned int ruid, unsigned int euid)
{
	return do_setreid(UIDS, ruid, euid);
}
SYSCALL(__NR_setreuid, sys_setreuid);

static long sys_setregid(unsigned int rgid, unsigned int egid)
{
	return do_setreid(GIDS, rgid, egid);
}
SYSCALL(__NR_setregid, sys_setregid);

/*
 * setresuid/setresgid: each id given must be one of the old three unless
 * privileged; the fs id follows the effective one.
 */
static long do_setresid(enum id_kind kind, unsigned int rid, unsigned int eid,
			unsigned int sid)
{
	struct cred new = current()->cred;
	struct id_set n = id_set(&new, kind);

	if (!capable(n.cap) && ((rid != ID_KEEP && !id_among(rid, n)) ||
				(eid != ID_KEEP && !id_among(eid, n)) ||
				(sid != ID_KEEP && !id_among(sid, n))))
		return -EPERM;
	if (rid != ID_KEEP)
		*n.r = rid;
	if (eid != ID_KEEP)
		*n.e = eid;
	if (sid != ID_KEEP)
		*n.s = sid;
	*n.fs = *n.e;
	return commit_setid(&new, kind);
}

static long sys_setresuid(unsigned int ruid, unsigned int euid, unsigned int suid)
{
	return do_setresid(UIDS, ruid, euid, suid);
}
SYSCALL(__NR_setresuid, sys_setresuid);

static long sys_setresgid(unsigned int rgid, unsigned int egid, unsigned int sgid)
{
	return do_setresid(GIDS, rgid, egid, sgid);
}
SYSCALL(__NR_setresgid, sys_setresgid);

/*
 * setfsuid/setfsgid never fail: they return the old fs id whether or not
 * the change was allowed (an id among real/effective/saved/fs, or the
 * capability). -1 only asks for the current value. The fsuid moves the
 * file-system capabilities, not cred_fix_caps's.
 */
static long do_setfsid(enum id_kind kind, unsigned int id)
{
	const struct cred *old = &current()->cred;
	struct cred new = *old;
	struct id_set n = id_set(&new, kind);
	unsigned int prev = *n.fs;

	if (id == ID_KEEP || id == prev)
		return prev;
	if (id_among(id, n) || capable(n.cap)) {
		*n.fs = id;
		if (kind == UIDS)
			cred_fix_fs_caps(old, &new);
		cred_commit(&new);
	}
	return prev;
}

static long sys_setfsuid(unsigned int uid) { return do_setfsid(UIDS, uid); }
SYSCALL(__NR_setfsuid, sys_setfsuid);
static long sys_setfsgid(unsigned int gid) { return do_setfsid(GIDS, gid); }
SYSCALL(__NR_setfsgid, sys_setfsgid);

/* ---- reading ids ---- */

static long sys_getuid(void) { return current()->cred.uid; }
SYSCALL(__NR_getuid, sys_getuid);
static long sys_geteuid(void) { return current()->cred.euid; }
SYSCALL(__NR_geteuid, sys_geteuid);
static long sys_getgid(void) { return current()->cred.gid; }
SYSCALL(__NR_getgid, sys_getgid);
static long sys_getegid(void) { return current()->cred.egid; }
SYSCALL(__NR_getegid, sys_getegid);

static long do_getresid(enum id_kind kind, unsigned int __user *r, unsigned int __user *e,
			unsigned int __user *s)
{
	struct id_set c = id_set(&current()->cred, kind);

	return put_user(*c.r, r) || put_user(*c.e, e) || put_user(*c.s, s) ? -EFAULT : 0;
}

static long sys_getresuid(unsigned int __user *r, unsigned int __user *e, unsigned int __user *s)
{
	return do_getresid(UIDS, r, e, s);
}
SYSCALL(__NR_getresuid, sys_getresuid);

static long sys_getresgid(unsigned int __user *r, unsigned int __user *e, unsigned int __user *s)
{
	return do_getresid(GIDS, r, e, s);
}
SYSCALL(__NR_getresgid, sys_getresgid);

/* ---- supplementary groups ---- */

static long sys_getgroups(int size, unsigned int __user *list)
{
	const struct cred *c = &current()->cred;

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;		/* just the count */
	if ((unsigned int)size < c->ngroups)
		return -EINVAL;
	if (copy_to_user(list, c->groups, c->ngroups * sizeof(gid_t)))
		return -EFAULT;
	return c->ngroups;
}
SYSCALL(__NR_getgroups, sys_getgroups);

/* Insertion sort: at most CRED_NGROUPS entries. */
static void sort_groups(gid_t *g, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		gid_t v = g[i];
		unsigned int j = i;

		for (; j > 0 && g[j - 1] > v; j--)
			g[j] = g[j - 1];
		g[j] = v;
	}
}

static long sys_setgroups(int size, const unsigned int __user *list)
{
	struct cred new = current()->cred;

	if (!capable(CAP_SETGID))
		return -EPERM;
	if ((unsigned int)size > NGROUPS_MAX_LINUX)
		return -EINVAL;
	if (size > CRED_NGROUPS)
		return -ENOMEM;			/* Pagoda's limit, see cred.h */
	if (size && copy_from_user(new.groups, list, size * sizeof(gid_t)))
		return -EFAULT;
	new.ngroups = size;
	sort_groups(new.groups, new.ngroups);
	cred_commit(&new);
	return 0;
}
SYSCALL(__NR_setgroups, sys_setgroups);

/* ---- capget / capset ---- */

static long check_header(struct __user_cap_header_struct __user *uh, pid_t *pid)
{
	struct __user_cap_header_struct h;

	if (copy_from_user(&h, uh, sizeof(h)))
		return -EFAULT;
	if (h.version != _LINUX_CAPABILITY_VERSION_3 &&
	    h.version != _LINUX_CAPABILITY_VERSION_2) {
		h.version = _LINUX_CAPABILITY_VERSION_3;	/* tell the caller */
		return copy_to_user(uh, &h, sizeof(h)) ? -EFAULT : -EINVAL;
	}
	if (h.pid < 0)
		return -EINVAL;
	*pid = h.pid;
	return 0;
}

/* A 64-bit capability set and the two 32-bit words of the user ABI. */
static void cap_split(uint64_t set, uint32_t *lo, uint32_t *hi)
{
	*lo = (uint32_t)set;
	*hi = (uint32_t)(set >> 32);
}

static uint64_t cap_join(uint32_t lo, uint32_t hi)
{
	return lo | (uint64_t)hi << 32;
}

static long sys_capget(struct __user_cap_header_struct __user *uh,
		       struct __user_cap_data_struct __user *ud)
{
	struct __user_cap_data_struct d[2];
	struct task *t = current();
	unsigned long irq;
	pid_t pid;
	long err = check_header(uh, &pid);

	if (err)
		return err;
	irq = spin_lock_irqsave(&tasklist_lock);
	if (pid && pid != t->pid)
		t = task_find(pid);
	if (t) {
		const struct cred *c = &t->cred;

		cap_split(c->cap_effective, &d[0].effective, &d[1].effective);
		cap_split(c->cap_permitted, &d[0].permitted, &d[1].permitted);
		cap_split(c->cap_inheritable, &d[0].inheritable, &d[1].inheritable);
	}
	spin_unlock_irqrestore(&tasklist_lock, irq);
	if (!t)
		return -ESRCH;
	if (ud && copy_to_user(ud, d, sizeof(d)))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_capget, sys_capget);

static long sys_capset(struct __user_cap_header_struct __user *uh,
		       const struct __user_cap_data_struct __user *ud)
{
	struct __user_cap_data_struct d[2];
	struct task *t = current();
	uint64_t eff, perm, inh;
	pid_t pid;
	long err = check_header(uh, &pid);

	if (err)
		return err;
	if (pid && pid != t->pid)
		return -EPERM;			/* only one's own set */
	if (copy_from_user(d, ud, sizeof(d)))
		return -EFAULT;
	eff = cap_join(d[0].effective, d[1].effective);
	perm = cap_join(d[0].permitted, d[1].permitted);
	inh = cap_join(d[0].inheritable, d[1].inheritable);
	/* A set can shrink but not grow; effective within permitted. */
	if ((perm & ~t->cred.cap_permitted) || (eff & ~perm) ||
	    (inh & ~(t->cred.cap_inheritable | t->cred.cap_permitted)))
		return -EPERM;
	t->cred.cap_effective = eff & CAP_FULL;
	t->cred.cap_permitted = perm & CAP_FULL;
	t->cred.cap_inheritable = inh & CAP_FULL;
	return 0;
}
SYSCALL(__NR_capset, sys_capset);
