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

/* Is @id one of the real, effective or saved ids @r, @e, @s? */
static bool id_among(unsigned int id, unsigned int r, unsigned int e, unsigned int s)
{
	return id == r || id == e || id == s;
}

static long sys_setuid(unsigned int uid)
{
	struct cred new = current()->cred;
	const struct cred *old = &current()->cred;

	if (uid == ID_KEEP)
		return -EINVAL;
	if (capable(CAP_SETUID)) {
		new.uid = new.suid = uid;
	} else if (uid != old->uid && uid != old->suid) {
		return -EPERM;
	}
	new.euid = new.fsuid = uid;
	cred_fix_caps(old, &new);
	cred_commit(&new);
	return 0;
}
SYSCALL(__NR_setuid, sys_setuid);

static long sys_setgid(unsigned int gid)
{
	struct cred new = current()->cred;
	const struct cred *old = &current()->cred;

	if (gid == ID_KEEP)
		return -EINVAL;
	if (capable(CAP_SETGID)) {
		new.gid = new.sgid = gid;
	} else if (gid != old->gid && gid != old->sgid) {
		return -EPERM;
	}
	new.egid = new.fsgid = gid;
	cred_commit(&new);
	return 0;
}
SYSCALL(__NR_setgid, sys_setgid);

/*
 * setreuid/setregid on the id triple @r/@e/@s (uids or gids of @new): the
 * real id may become the old real or effective one, the effective id any
 * of the three, unless @priv. The saved id follows the new effective one
 * when the real id is set or the effective one leaves the real one.
 */
static long set_re(unsigned int *r, unsigned int *e, unsigned int *s,
		   unsigned int rid, unsigned int eid, bool priv)
{
	unsigned int or = *r, oe = *e, os = *s;

	if (rid != ID_KEEP) {
		if (!priv && rid != or && rid != oe)
			return -EPERM;
		*r = rid;
	}
	if (eid != ID_KEEP) {
		if (!priv && !id_among(eid, or, oe, os))
			return -EPERM;
		*e = eid;
	}
	if (rid != ID_KEEP || (eid != ID_KEEP && eid != or))
		*s = *e;
	return 0;
}

static long sys_setreuid(unsigned int ruid, unsigned int euid)
{
	struct cred new = current()->cred;
	long err = set_re(&new.uid, &new.euid, &new.suid, ruid, euid, capable(CAP_SETUID));

	if (err)
		return err;
	new.fsuid = new.euid;
	cred_fix_caps(&current()->cred, &new);
	cred_commit(&new);
	return 0;
}
SYSCALL(__NR_setreuid, sys_setreuid);

static long sys_setregid(unsigned int rgid, unsigned int egid)
{
	struct cred new = current()->cred;
	long err = set_re(&new.gid, &new.egid, &new.sgid, rgid, egid, capable(CAP_SETGID));

	if (err)
		return err;
	new.fsgid = new.egid;
	cred_commit(&new);
	return 0;
}
SYSCALL(__NR_setregid, sys_setregid);

/* setresuid/setresgid: each id given must be one of the old three unless @priv. */
static long set_res(unsigned int *r, unsigned int *e, unsigned int *s,
		    unsigned int rid, unsigned int eid, unsigned int sid, bool priv)
{
	unsigned int or = *r, oe = *e, os = *s;

	if (!priv && ((rid != ID_KEEP && !id_among(rid, or, oe, os)) ||
		      (eid != ID_KEEP && !id_among(eid, or, oe, os)) ||
		      (sid != ID_KEEP && !id_among(sid, or, oe, os))))
		return -EPERM;
	if (rid != ID_KEEP)
		*r = rid;
	if (eid != ID_KEEP)
		*e = eid;
	if (sid != ID_KEEP)
		*s = sid;
	return 0;
}

static long sys_setresuid(unsigned int ruid, unsigned int euid, unsigned int suid)
{
	struct cred new = current()->cred;
	long err = set_res(&new.uid, &new.euid, &new.suid, ruid, euid, suid,
			   capable(CAP_SETUID));

	if (err)
		return err;
	new.fsuid = new.euid;
	cred_fix_caps(&current()->cred, &new);
	cred_commit(&new);
	return 0;
}
SYSCALL(__NR_setresuid, sys_setresuid);

static long sys_setresgid(unsigned int rgid, unsigned int egid, unsigned int sgid)
{
	struct cred new = current()->cred;
	long err = set_res(&new.gid, &new.egid, &new.sgid, rgid, egid, sgid,
			   capable(CAP_SETGID));

	if (err)
		return err;
	new.fsgid = new.egid;
	cred_commit(&new);
	return 0;
}
SYSCALL(__NR_setresgid, sys_setresgid);

/*
 * setfsuid/setfsgid never fail: they return the old fs id whether or not
 * the change was allowed (an id among real/effective/saved/fs, or the
 * capability). -1 only asks for the current value.
 */
static long sys_setfsuid(unsigned int uid)
{
	const struct cred *old = &current()->cred;
	struct cred new = *old;
	unsigned int prev = old->fsuid;

	if (uid == ID_KEEP || uid == prev)
		return prev;
	if (id_among(uid, old->uid, old->euid, old->suid) || capable(CAP_SETUID)) {
		new.fsuid = uid;
		cred_fix_fs_caps(old, &new);
		cred_commit(&new);
	}
	return prev;
}
SYSCALL(__NR_setfsuid, sys_setfsuid);

static long sys_setfsgid(unsigned int gid)
{
	const struct cred *old = &current()->cred;
	struct cred new = *old;
	unsigned int prev = old->fsgid;

	if (gid == ID_KEEP || gid == prev)
		return prev;
	if (id_among(gid, old->gid, old->egid, old->sgid) || capable(CAP_SETGID)) {
		new.fsgid = gid;
		cred_commit(&new);
	}
	return prev;
}
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

static long put_three(unsigned int a, unsigned int b, unsigned int c, unsigned int __user *ua,
		      unsigned int __user *ub, unsigned int __user *uc)
{
	return put_user(a, ua) || put_user(b, ub) || put_user(c, uc) ? -EFAULT : 0;
}

static long sys_getresuid(unsigned int __user *r, unsigned int __user *e, unsigned int __user *s)
{
	const struct cred *c = &current()->cred;

	return put_three(c->uid, c->euid, c->suid, r, e, s);
}
SYSCALL(__NR_getresuid, sys_getresuid);

static long sys_getresgid(unsigned int __user *r, unsigned int __user *e, unsigned int __user *s)
{
	const struct cred *c = &current()->cred;

	return put_three(c->gid, c->egid, c->sgid, r, e, s);
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

		d[0].effective = c->cap_effective, d[1].effective = c->cap_effective >> 32;
		d[0].permitted = c->cap_permitted, d[1].permitted = c->cap_permitted >> 32;
		d[0].inheritable = c->cap_inheritable;
		d[1].inheritable = c->cap_inheritable >> 32;
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
	eff = d[0].effective | (uint64_t)d[1].effective << 32;
	perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
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
