/*
 * worker.c - one fuzzer worker: its setting, its pools, the safety
 * filter and the call log.
 *
 * A worker runs in a session of its own (so kill(0, ...) and job control
 * reach only it and its children), with stdin/stdout/stderr on /dev/null
 * and its cwd in a scratch directory /tmp/fz/w<slot> that it empties and
 * refills at start. Everything it passes to the kernel comes from pools
 * built here:
 *
 *	maps	mappings it made (anon, shared, file, memfd, read-only,
 *		PROT_NONE, a run of VMAs with different protections), kept
 *		even after munmap: stale addresses are good input too
 *	fds	every kind of file: regular, directory, pipe ends, unix
 *		sockets, memfd, /dev/zero, /dev/null, /dev/urandom, the
 *		console (read-only), /proc files, and new ones as made
 *	paths	scratch paths (which may be created, renamed, removed) and
 *		read-only ones (/dev, /proc, the fuzzer itself)
 *	kids	its children, the only processes it may signal
 *	threads	its threads (op_thread), which make pre-drawn calls of
 *		their own with every signal blocked; tgkill may reach them
 *
 * fz_call() is the one door to the kernel: it refuses calls that would
 * wreck the run rather than test the kernel (reboot, mount, swapon,
 * execve, ...), rewrites pid arguments so no signal or limit reaches pid
 * 1, the supervisor or another worker, logs the call in shared memory,
 * and makes it. Neighbours: fuzz.c (supervisor), calls.c (generators).
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fz_worker fzw;

uint64_t fz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- random numbers ---------------------------------------------------- */

uint64_t fz_rnd(void)
{
	return fz_next(&fzw.rng);
}

uint64_t fz_below(uint64_t n)
{
	return n ? fz_rnd() % n : 0;
}

int fz_chance(int percent)
{
	return (int)fz_below(100) < percent;
}

/* ---- argument generators ----------------------------------------------- */

/* Is @a in the shared log? (No argument may point there: fz_fence_filter.) */
static int in_log(uint64_t a)
{
	return a >= FZ_SHARED_ADDR && a < FZ_SHARED_ADDR + sizeof(struct fz_shared);
}

/* Addresses every kernel must refuse or handle: null, kernel, non-canonical. */
static const uint64_t hostile_addrs[] = {
	0, 0x1000, 0x10000, 0xffffffff80000000ULL, 0xffffffff80100000ULL,
	0xffff888000000000ULL, 0xffffc80000000000ULL, 0x0000800000000000ULL,
	0x00007ffffffff000ULL, 0x8000000000000000ULL, 0xfffffffffffff000ULL,
	0x00007fffffffffffULL, 0x0000700000000000ULL, 0x7ffffffff000ULL - 0x100000,
};

static uint64_t pick_map_addr(void)
{
	struct fz_map *m;
	uint64_t base;
	int64_t delta;

	if (!fzw.nmaps)
		return 0x10000000;
	m = &fzw.maps[fz_below(fzw.nmaps)];
	switch (fz_below(4)) {
	case 0: case 1:
		base = m->addr;
		break;
	case 2:
		base = m->addr + m->len;	/* the end: the next VMA or a hole */
		break;
	default:
		base = m->addr + (fz_below(m->len / FZ_PAGE + 1) * FZ_PAGE);
		break;
	}
	delta = fz_chance(60) ? 0 : (int64_t)fz_below(5) - 2;
	return base + delta * (int64_t)FZ_PAGE;
}

static uint64_t gen_addr(void)
{
	unsigned r = fz_below(100);

	if (r < 70)
		return pick_map_addr();
	if (r < 74)
		return 0;
	if (r < 79)
		return pick_map_addr() + 1 + fz_below(FZ_PAGE - 1);	/* misaligned */
	if (r < 90)
		return hostile_addrs[fz_below(sizeof(hostile_addrs) / sizeof(hostile_addrs[0]))];
	if (r < 92)
		return fzw.brk0 + fz_below(16) * FZ_PAGE;
	if (r < 93)
		return fz_chance(50) ? fzw.text_page : fzw.stack_page;	/* self-harm */
	if (r < 97)
		return fz_rnd() & 0x00007ffffffff000ULL;
	return fz_rnd();
}

static uint64_t gen_ptr(void)
{
	unsigned r = fz_below(100);

	if (r < 40)
		return (uint64_t)fzw.buf + fz_below(FZ_BUF / 2);
	if (r < 62) {
		uint64_t a = pick_map_addr();
		return fz_chance(70) ? a : a + fz_below(FZ_PAGE);
	}
	if (r < 67)
		return fzw.ro_page + fz_below(64);
	if (r < 72)
		return fzw.none_page;
	if (r < 75)
		return (uint64_t)fzw.buf + FZ_BUF - 8;	/* straddles the end */
	if (r < 78)
		return fzw.text_page;			/* readable, not writable */
	if (r < 92)
		return hostile_addrs[fz_below(sizeof(hostile_addrs) / sizeof(hostile_addrs[0]))];
	if (r < 96)
		return pick_map_addr() - 8;		/* across a VMA boundary */
	return fz_rnd();
}

/* Never into the shared log: for iovecs and the like, which fz_call never sees. */
uint64_t fz_gen_addr(void)
{
	uint64_t a = gen_addr();

	return in_log(a) ? fzw.none_page : a;
}

uint64_t fz_gen_ptr(void)
{
	uint64_t p = gen_ptr();

	return in_log(p) ? fzw.none_page : p;
}

uint64_t fz_gen_len(void)
{
	static const uint64_t huge[] = {
		1ULL << 40, ~0ULL, 1ULL << 47, -FZ_PAGE, 0x7fffffffULL, 0x80000000ULL,
		(1ULL << 47) - FZ_PAGE, 1ULL << 32, 1ULL << 63,
	};
	unsigned r = fz_below(100);

	if (r < 8)
		return fz_below(17);
	if (r < 14)
		return FZ_PAGE - 1 + fz_below(3);		/* PAGE-1, PAGE, PAGE+1 */
	if (r < 45)
		return (1 + fz_below(8)) * FZ_PAGE;
	if (r < 60)
		return (1 + fz_below(64)) * FZ_PAGE + (fz_chance(20) ? fz_below(FZ_PAGE) : 0);
	if (r < 78 && fzw.nmaps) {
		struct fz_map *m = &fzw.maps[fz_below(fzw.nmaps)];
		return m->len + ((int64_t)fz_below(5) - 2) * (int64_t)FZ_PAGE;
	}
	if (r < 95)
		return (1 + fz_below(512)) * FZ_PAGE;	/* up to 2 MiB */
	if (r < 98)
		return huge[fz_below(sizeof(huge) / sizeof(huge[0]))];
	return fz_rnd();
}

uint64_t fz_gen_fd(void)
{
	unsigned r = fz_below(100);

	if (r < 75 && fzw.nfds)
		return fzw.fds[fz_below(fzw.nfds)];
	if (r < 83)
		return fz_below(24);
	if (r < 87)
		return (uint64_t)-1;
	if (r < 91)
		return fzw.closed_fd;
	if (r < 95) {
		static const uint64_t odd[] = { 1 << 20, 0x7fffffff, (uint64_t)-100, 1023, 1024,
						0x100000000ULL };
		return odd[fz_below(6)];
	}
	return fz_rnd();
}

uint64_t fz_gen_path(int writable)
{
	unsigned r = fz_below(100);

	if (r < 88)
		return (uint64_t)fzw.paths[fz_below(writable ? FZ_WPATHS : FZ_PATHS)];
	if (r < 92) {
		/* A name far too long: ENAMETOOLONG, never a real file. */
		char *p = (char *)fzw.buf + FZ_BUF / 2;
		memset(p, 'z', 5000);
		p[5000] = 0;
		return (uint64_t)p;
	}
	if (r < 96)
		return fz_gen_ptr();
	return (uint64_t)"";
}

uint64_t fz_gen_prot(void)
{
	static const uint64_t common[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE, PROT_EXEC,
	};
	unsigned r = fz_below(100);

	if (r < 70)
		return common[fz_below(sizeof(common) / sizeof(common[0]))];
	if (r < 85)
		return fz_below(8);
	if (r < 93)
		return fz_below(8) | (fz_chance(50) ? PROT_GROWSDOWN : PROT_GROWSUP);
	return fz_rnd() & (fz_chance(50) ? 0xffffffffULL : ~0ULL);
}

uint64_t fz_gen_off(void)
{
	unsigned r = fz_below(100);

	if (r < 60)
		return 0;
	if (r < 85)
		return fz_below(20) * FZ_PAGE;
	if (r < 90)
		return fz_below(FZ_PAGE * 4);		/* misaligned */
	if (r < 95)
		return (uint64_t)-FZ_PAGE;
	return fz_rnd() & ~(FZ_PAGE - 1);
}

/* A pid a worker may aim at: itself, its group, its children, nobody. */
static int pid_ok(int64_t p)
{
	if (p == 0 || p == fzw.pid || p == -(int64_t)fzw.pid)
		return 1;
	if (p >= (1 << 22) || p <= -(1 << 22))
		return 1;			/* beyond pid_max: ESRCH */
	for (int i = 0; i < fzw.nkids; i++)
		if (p == fzw.kids[i] || p == -(int64_t)fzw.kids[i])
			return 1;
	return 0;
}

/* ... whether the kernel reads the argument as a long or as an int. */
static int pid_allowed(int64_t p)
{
	return pid_ok(p) && pid_ok((int32_t)p);
}

int fz_own_thread(int64_t tid)
{
	if (tid == fzw.pid || tid == (int64_t)FZ_TID_SELF)
		return 1;
	for (int i = 0; i < fzw.nthreads; i++)
		if (tid == fzw.threads[i].tid)
			return 1;
	return 0;
}

pid_t fz_gen_pid(void)
{
	unsigned r = fz_below(100);

	if (r < 30 && fzw.nkids)
		return fzw.kids[fz_below(fzw.nkids)];
	if (r < 50)
		return fzw.pid;
	if (r < 60)
		return 0;
	if (r < 70)
		return -fzw.pid;
	return 0x7ffff000;			/* no such process */
}

/* ---- anomalies: wrong results the worker can see for itself ----------- */

static void __attribute__((format(printf, 1, 2))) anomaly(const char *fmt, ...)
{
	struct fz_slot *s = fzw.slot;
	va_list ap;

	if (fzw.in_child)
		return;
	if (!s->anomalies) {
		va_start(ap, fmt);
		vsnprintf(s->anomaly, sizeof(s->anomaly), fmt, ap);
		va_end(ap);
	}
	__atomic_add_fetch(&s->anomalies, 1, __ATOMIC_RELEASE);
}

/*
 * mmap without MAP_FIXED must place a mapping in a hole. The shared page
 * is a VMA the worker always has (unless it unmapped it, which mincore
 * tells), so a new mapping across it means overlapping VMAs.
 */
void fz_check_new_map(uint64_t addr, uint64_t len, uint64_t flags)
{
	uint64_t lo = (uint64_t)fzw.cfg->shared, hi = lo + sizeof(struct fz_shared);
	unsigned char vec[8];

	if (flags & MAP_FIXED)
		return;
	len = (len + FZ_PAGE - 1) & ~(FZ_PAGE - 1);
	if (addr < hi && addr + len > lo &&
	    fz_syscall6(SYS_mincore, lo, FZ_PAGE, (uint64_t)vec, 0, 0, 0) == 0)
		anomaly("mmap(len %#lx, flags %#lx) = %#lx overlaps the live mapping at %#lx",
			(unsigned long)len, (unsigned long)flags, (unsigned long)addr,
			(unsigned long)lo);
}

/* ---- pools ------------------------------------------------------------- */

void fz_add_map(uint64_t addr, uint64_t len)
{
	int i;

	if (fz_fence_meets(addr, len))
		return;			/* fz_call unmapped it */
	i = fzw.nmaps < FZ_MAPS ? fzw.nmaps++ : (int)fz_below(FZ_MAPS);

	fzw.maps[i].addr = addr;
	fzw.maps[i].len = (len + FZ_PAGE - 1) & ~(FZ_PAGE - 1);
}

/* Drop the pool entries that [addr, addr+len) covered entirely. */
void fz_forget_maps(uint64_t addr, uint64_t len)
{
	for (int i = 0; i < fzw.nmaps; i++) {
		struct fz_map *m = &fzw.maps[i];

		if (m->addr >= addr && m->addr + m->len <= addr + len &&
		    m->addr + m->len >= m->addr && fzw.nmaps > 8 && fz_chance(70))
			fzw.maps[i--] = fzw.maps[--fzw.nmaps];
	}
}

void fz_add_fd(long fd)
{
	if (fd < 0)
		return;
	if (fzw.nfds < FZ_FDS)
		fzw.fds[fzw.nfds++] = fd;
	else
		fzw.fds[12 + fz_below(FZ_FDS - 12)] = fd;	/* keep the first kinds */
}

void fz_add_kid(long pid)
{
	if (pid <= 0)
		return;
	if (fzw.nkids == FZ_KIDS)
		fz_reap(1);
	if (fzw.nkids < FZ_KIDS)
		fzw.kids[fzw.nkids++] = pid;
}

static void forget_kid(pid_t pid)
{
	for (int i = 0; i < fzw.nkids; i++)
		if (fzw.kids[i] == pid) {
			fzw.kids[i] = fzw.kids[--fzw.nkids];
			return;
		}
}

/* Free the regions of threads that are gone (the kernel cleared ctid). */
static void reap_threads(void)
{
	for (int i = 0; i < fzw.nthreads;) {
		struct fz_thread *t = &fzw.threads[i];

		if (__atomic_load_n(&t->ctid, __ATOMIC_ACQUIRE) != 0) {
			i++;
			continue;
		}
		fz_syscall6(SYS_munmap, t->region, t->len, 0, 0, 0, 0);
		*t = fzw.threads[--fzw.nthreads];
	}
}

/*
 * Reap children. Blocking waits only for our own kids, and only if there
 * is one: a child that never ends is the supervisor's watchdog's business.
 */
void fz_reap(int block)
{
	int st;
	long r;

	reap_threads();
	while ((r = fz_syscall6(SYS_wait4, -1, (uint64_t)&st, WNOHANG, 0, 0, 0)) > 0)
		forget_kid(r);
	if (block && fzw.nkids) {
		r = fz_syscall6(SYS_wait4, fzw.kids[0], (uint64_t)&st, 0, 0, 0, 0);
		if (r > 0)
			forget_kid(r);
		else
			fzw.nkids--;			/* not ours after all */
	}
}

/* ---- the call log ------------------------------------------------------ */

/* --trace: the console, duplicated before stdout became /dev/null. */
static int console = -1;

struct fz_rec *fz_log_begin(int nr, const uint64_t *args)
{
	struct fz_slot *s = fzw.slot;
	struct fz_rec *r;

	if (fzw.in_child)
		return NULL;
	r = &s->log[s->head % FZ_LOG];
	r->ret = FZ_PENDING;
	r->seq = ++fzw.seq;
	r->nr = nr;
	memcpy(r->arg, args, sizeof(r->arg));
	__atomic_store_n(&s->head, s->head + 1, __ATOMIC_RELEASE);
	s->heartbeat_ms = fz_now_ms();
	s->calls++;
	if (fzw.cfg->trace) {
		char line[256];
		int n;

		fz_format_rec(line, sizeof(line) - 1, r);
		n = strlen(line);
		line[n++] = '\n';
		dprintf(console, "FZT w%d.%d ", fzw.cfg->slot, fzw.cfg->gen);
		if (write(console, line, n) < 0)
			return r;
	}
	return r;
}

void fz_log_end(struct fz_rec *r, long ret)
{
	if (!r)
		return;
	r->ret = ret;
	if (fzw.cfg->trace)
		dprintf(console, "FZT w%d.%d #%u = %ld\n", fzw.cfg->slot, fzw.cfg->gen, r->seq,
			ret);
}

/* ---- names for the log ------------------------------------------------- */

#define N(name)	[SYS_##name] = #name
static const char *const names[] = {
	N(read), N(write), N(open), N(close), N(fstat), N(poll), N(lseek), N(mmap),
	N(mprotect), N(munmap), N(brk), N(rt_sigaction), N(rt_sigreturn), N(ioctl),
	N(pread64), N(pwrite64), N(readv), N(writev), N(access), N(pipe), N(mremap),
	N(msync), N(mincore), N(madvise), N(dup), N(nanosleep), N(getpid), N(sendmsg),
	N(recvmsg), N(socketpair), N(clone), N(fork), N(vfork), N(exit), N(wait4),
	N(kill), N(fcntl), N(truncate), N(ftruncate), N(getcwd), N(chdir), N(rename),
	N(mkdir), N(rmdir), N(unlink), N(chmod), N(mknod), N(prlimit64), N(mlock),
	N(munlock), N(mlockall), N(munlockall), N(getppid), N(exit_group), N(openat),
	N(newfstatat), N(fallocate), N(dup3), N(pipe2), N(getdents64), N(memfd_create),
	N(mlock2), N(statx), N(getrandom), N(process_vm_readv), N(process_vm_writev),
	N(pidfd_open), N(pidfd_send_signal), N(tkill), N(tgkill),
	N(sched_yield), N(prctl), N(rt_sigprocmask), N(setrlimit), N(sigaltstack),
	N(select), N(pselect6), N(ppoll), N(futex), N(set_tid_address), N(arch_prctl),
};

const char *fz_call_name(int nr)
{
	switch (nr) {
	case FZ_OP_TOUCH: return "<touch>";
	case FZ_OP_FORKCHILD: return "<fork child>";
	case FZ_OP_VMCHILD: return "<clone_vm child>";
	case FZ_OP_CLONE_EXIT: return "<clone>";
	case FZ_OP_VFORK_OP: return "<vfork child call>";
	case FZ_OP_THREAD: return "<thread>";
	}
	if (nr >= 0 && nr < (int)(sizeof(names) / sizeof(names[0])) && names[nr])
		return names[nr];
	return NULL;
}

void fz_format_rec(char *buf, size_t size, const struct fz_rec *r)
{
	const char *name = fz_call_name(r->nr);
	char num[24], ret[40];

	if (!name) {
		snprintf(num, sizeof(num), "syscall_%d", r->nr);
		name = num;
	}
	if (r->ret == FZ_PENDING)
		snprintf(ret, sizeof(ret), "(in flight)");
	else
		snprintf(ret, sizeof(ret), "= %ld", (long)r->ret);
	snprintf(buf, size, "%s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) %s", name,
		 (unsigned long)r->arg[0], (unsigned long)r->arg[1], (unsigned long)r->arg[2],
		 (unsigned long)r->arg[3], (unsigned long)r->arg[4], (unsigned long)r->arg[5],
		 ret);
}

/* ---- the filter -------------------------------------------------------- */

/* Calls that would wreck the run environment rather than test anything. */
static int forbidden(long nr)
{
	switch (nr) {
	case SYS_reboot: case SYS_mount: case SYS_umount2: case SYS_swapon:
	case SYS_swapoff: case SYS_pivot_root: case SYS_chroot: case SYS_sethostname:
	case SYS_setdomainname: case SYS_settimeofday: case SYS_clock_settime:
	case SYS_adjtimex: case SYS_clock_adjtime: case SYS_kexec_load:
	case SYS_kexec_file_load: case SYS_init_module: case SYS_finit_module:
	case SYS_delete_module: case SYS_acct: case SYS_iopl: case SYS_ioperm:
	case SYS_execve: case SYS_execveat: case SYS_fork: case SYS_vfork:
	case SYS_clone: case 435 /* clone3 */: case SYS_vhangup: case SYS_syslog:
	case SYS_quotactl: case SYS_unshare: case SYS_setns: case SYS_ptrace:
	case SYS_bpf: case SYS_perf_event_open: case SYS_fanotify_init:
	case SYS_open_by_handle_at: case SYS_move_mount: case SYS_fsmount:
	case SYS_mount_setattr: case SYS_kcmp:
		return 1;
	}
	return 0;
}

/* Which argument of @nr names a process (-1: none). */
static int pid_arg(long nr)
{
	switch (nr) {
	case SYS_kill: case SYS_tkill: case SYS_rt_sigqueueinfo: case SYS_prlimit64:
	case SYS_pidfd_open: case SYS_process_vm_readv: case SYS_process_vm_writev:
	case SYS_sched_setaffinity: case SYS_sched_setparam: case SYS_sched_setscheduler:
	case SYS_migrate_pages: case SYS_move_pages: case SYS_get_robust_list:
		return 0;
	case SYS_tgkill: case SYS_rt_tgsigqueueinfo: case SYS_setpriority:
	case SYS_ioprio_set:
		return 1;
	}
	return -1;
}

/* ---- the fence around the shared log (fuzz.h) ---------------------------- */

uint64_t fz_fence_lo(void)
{
	return FZ_SHARED_ADDR - FZ_FENCE;
}

uint64_t fz_fence_hi(void)
{
	return FZ_SHARED_ADDR + sizeof(struct fz_shared) + FZ_FENCE;
}

/* A length that wraps runs to the end; the kernel rounds lengths up a page. */
int fz_fence_meets(uint64_t addr, uint64_t len)
{
	uint64_t end = len >= UINT64_MAX - FZ_PAGE - addr ? UINT64_MAX : addr + len + FZ_PAGE;

	return addr < fz_fence_hi() && end > fz_fence_lo();
}

/*
 * Seed 5 once reported the kernel corrupting the log: a worker had called
 * getrandom(log, 15) with an address from its pool (a mapping the kernel
 * had placed right below the log). The fence keeps such self-inflicted
 * writes out, and with them unmaps, MADV_REMOVE and MAP_FIXED over it.
 */
long fz_fence_filter(long nr, uint64_t *a)
{
	int refuse = 0;

	switch (nr) {
	case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_pkey_mprotect:
	case SYS_madvise: case SYS_msync: case SYS_mlock: case SYS_munlock:
	case SYS_mlock2: case SYS_remap_file_pages: case SYS_mbind:
	case 453 /* map_shadow_stack */:
		refuse = fz_fence_meets(a[0], a[1]);
		break;
	case SYS_mremap:		/* grows in place, or moves to a[4] */
		refuse = fz_fence_meets(a[0], a[1] > a[2] ? a[1] : a[2]) ||
			 fz_fence_meets(a[4], a[2]);
		break;
	case SYS_brk:			/* the heap would grow up to a[0] */
		refuse = a[0] >= fz_fence_lo();
		break;
	case SYS_shmat:			/* the segment's size is not an argument */
		refuse = fz_fence_meets(a[1], 1ULL << 36);
		break;
	}
	for (int i = 0; i < 6; i++)
		if (in_log(a[i]))
			a[i] = fzw.none_page;
	return refuse ? SYS_getpid : nr;
}

/* tgkill(the worker, one of its threads, ...): the one pid rule threads add. */
static int own_tgkill(long nr, const uint64_t *args)
{
	return (nr == SYS_tgkill || nr == SYS_rt_tgsigqueueinfo) &&
	       (int64_t)args[0] == fzw.pid && fz_own_thread((int64_t)args[1]);
}

/* Calls a thread must not make: they would break the thread, not test the kernel. */
static int thread_forbidden(long nr)
{
	switch (nr) {
	case SYS_rt_sigprocmask: case SYS_rt_sigsuspend: case SYS_pselect6:
	case SYS_ppoll: case SYS_epoll_pwait: case 441 /* epoll_pwait2 */:
	case SYS_rt_sigreturn: case SYS_arch_prctl: case SYS_set_tid_address:
	case SYS_sigaltstack: case SYS_rt_sigaction: case SYS_signalfd4:
		return 1;
	}
	return 0;
}

long fz_filter_thread_call(long nr, uint64_t *args)
{
	int pa;

	nr = fz_fence_filter(nr, args);
	if (forbidden(nr) || thread_forbidden(nr))
		return SYS_getpid;
	if ((pa = pid_arg(nr)) >= 0 && !own_tgkill(nr, args)) {
		/* Kids may be reaped and their pids reused before the thread calls. */
		for (int i = 0; i < 6; i++) {
			int64_t p = (int64_t)(int32_t)args[i];

			if ((i == pa || (pa == 1 && i == 0)) && p != 0 && p != fzw.pid &&
			    p != -(int64_t)fzw.pid && p < (1 << 22) && p > -(1 << 22))
				args[i] = 0x7ffff000;
		}
	}
	return nr;
}

long fz_call(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
	     uint64_t f)
{
	uint64_t args[6] = { a, b, c, d, e, f };
	struct fz_rec *r;
	long ret, asked = nr;
	int pa;

	nr = fz_fence_filter(nr, args);
	if (forbidden(nr)) {
		nr = SYS_getpid;
	} else if (own_tgkill(nr, args)) {
		/* a signal for one of our own threads: allowed as it is */
	} else if ((pa = pid_arg(nr)) >= 0) {
		/* Signals go nowhere; limits and the like fall back to "self". */
		int sig = nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill ||
			  nr == SYS_pidfd_open || nr == SYS_rt_sigqueueinfo ||
			  nr == SYS_rt_tgsigqueueinfo;

		if (pa == 1 && !pid_allowed((int64_t)args[0]))
			args[0] = sig ? 0x7ffff000 : 0;
		if (!pid_allowed((int64_t)args[pa]))
			args[pa] = sig ? 0x7ffff000 : 0;
	}
	r = fz_log_begin(nr, args);
	ret = fz_syscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
	fz_log_end(r, ret);
	/* A mapping the kernel placed inside the fence goes again at once. */
	if ((nr == SYS_mmap || nr == SYS_mremap) && ret > 0 && (uint64_t)ret < 0x800000000000ULL &&
	    fz_fence_meets(ret, nr == SYS_mmap ? args[1] : args[2]))
		fz_syscall6(SYS_munmap, ret, nr == SYS_mmap ? args[1] : args[2], 0, 0, 0, 0);
	/* Refused (forbidden, or at the fence): the getpid made instead is no answer. */
	return nr != asked && nr == SYS_getpid ? -EPERM : ret;
}

/* ---- touching memory ---------------------------------------------------- */

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touching;

static void on_fault(int sig)
{
	if (touching) {
		touching = 0;
		siglongjmp(touch_jmp, sig);
	}
	signal(sig, SIG_DFL);		/* a real crash: die of it on return */
}

void fz_touch(uint64_t addr, uint64_t len, int write)
{
	uint64_t args[6] = { addr, len, write, 0, 0, 0 };
	struct fz_rec *r = fz_log_begin(FZ_OP_TOUCH, args);
	volatile unsigned char *p = (volatile unsigned char *)addr;
	volatile unsigned sum = 0;

	if (sigsetjmp(touch_jmp, 1)) {
		fzw.faults_caught++;
		fz_log_end(r, -EFAULT);
		return;
	}
	touching = 1;
	for (uint64_t off = 0; off < len; off += FZ_PAGE) {
		if (write)
			p[off] = (unsigned char)off;
		else
			sum += p[off];
	}
	touching = 0;
	fz_log_end(r, sum & 1);
}

/* ---- setup ---------------------------------------------------------------- */

void fz_remove_tree(const char *path, int depth)
{
	DIR *d;
	struct dirent *de;
	char sub[512];

	if (depth > 16)
		return;
	chmod(path, 0700);
	d = opendir(path);
	if (!d) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (unlink(sub) < 0)
			fz_remove_tree(sub, depth + 1);
	}
	closedir(d);
	rmdir(path);
}

static void make_file(const char *name, size_t size)
{
	int fd = open(name, O_CREAT | O_RDWR | O_TRUNC, 0644);

	if (fd < 0)
		return;
	for (size_t off = 0; off < size; off += FZ_BUF / 4)
		if (write(fd, fzw.buf, size - off < FZ_BUF / 4 ? size - off : FZ_BUF / 4) < 0)
			break;
	close(fd);
}

static void setup_scratch(void)
{
	static const char *const wnames[FZ_WPATHS] = {
		"file", "small", "empty", "d", "d/x", "new0", "new1", "new2", "d/new3",
		"link", "fifo", "d/e",
	};
	static const char *const rnames[FZ_PATHS - FZ_WPATHS] = {
		"/dev/null", "/dev/zero", "/dev/urandom", "/proc/self/maps",
		"/proc/self/smaps", "/proc/self/pagemap", "/proc/self/status", "/proc/meminfo",
		"/fuzz/fuzz", "/proc/self", "/tmp/fz/nonexistent/x", "/dev",
	};

	mkdir("/tmp/fz", 0777);
	snprintf(fzw.dir, sizeof(fzw.dir), "/tmp/fz/w%d", fzw.cfg->slot);
	fz_remove_tree(fzw.dir, 0);
	mkdir(fzw.dir, 0777);
	if (chdir(fzw.dir) < 0)
		_exit(120);
	make_file("file", 64 * 1024);
	make_file("small", 100);
	make_file("empty", 0);
	mkdir("d", 0755);
	mkdir("d/e", 0755);
	for (int i = 0; i < FZ_WPATHS; i++)
		snprintf(fzw.paths[i], sizeof(fzw.paths[i]), "%s%s%s",
			 i % 3 ? fzw.dir : "", i % 3 ? "/" : "", wnames[i]);
	for (int i = FZ_WPATHS; i < FZ_PATHS; i++)
		snprintf(fzw.paths[i], sizeof(fzw.paths[i]), "%s", rnames[i - FZ_WPATHS]);
}

static void open_fd(const char *path, int flags)
{
	fz_add_fd(open(path, flags, 0644));
}

static void setup_fds(void)
{
	int p[2], sv[2];
	long m;

	open_fd("file", O_RDWR);
	open_fd("file", O_RDONLY);
	open_fd("small", O_WRONLY | O_APPEND);
	open_fd(".", O_RDONLY | O_DIRECTORY);
	/*
	 * Pipes and sockets: blocking in one generation in five (a read
	 * there waits for the watchdog), non-blocking otherwise.
	 */
	int nb = fz_chance(80) ? O_NONBLOCK : 0;

	if (pipe2(p, nb) == 0) {
		fz_add_fd(p[0]);
		fz_add_fd(p[1]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | nb, 0, sv) == 0) {
		fz_add_fd(sv[0]);
		fz_add_fd(sv[1]);
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM | nb, 0, sv) == 0) {
		fz_add_fd(sv[0]);
		fz_add_fd(sv[1]);
	}
	m = fz_syscall6(SYS_memfd_create, (uint64_t)"fz", 0, 0, 0, 0, 0);
	if (m >= 0 && ftruncate(m, 16 * FZ_PAGE) == 0)
		fz_add_fd(m);
	open_fd("/dev/zero", O_RDWR);
	open_fd("/dev/null", O_RDWR);
	open_fd("/dev/urandom", O_RDONLY);
	open_fd("/dev/console", O_RDONLY | O_NOCTTY | O_NONBLOCK);
	open_fd("/proc/self/maps", O_RDONLY);
	open_fd("/proc/self/smaps", O_RDONLY);
	open_fd("/proc/self/pagemap", O_RDONLY);
	open_fd("/proc/meminfo", O_RDONLY);
	open_fd("/fuzz/fuzz", O_RDONLY);
	fzw.closed_fd = open("/dev/null", O_RDONLY);
	close(fzw.closed_fd);
}

static uint64_t map(uint64_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		return 0;
	fz_add_map((uint64_t)p, len);
	return (uint64_t)p;
}

static void setup_maps(void)
{
	uint64_t run;
	int fd;

	map(16 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	map(8 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
	fd = open("file", O_RDWR);
	if (fd >= 0) {
		map(16 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
		map(8 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
		close(fd);
	}
	fd = open("/fuzz/fuzz", O_RDONLY);
	if (fd >= 0) {
		map(4 * FZ_PAGE, PROT_READ, MAP_PRIVATE, fd);
		close(fd);
	}
	fzw.ro_page = map(FZ_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1);
	fzw.none_page = map(FZ_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	/* Five VMAs in a row, alternating protections: boundaries to cut across. */
	run = map(10 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (run) {
		for (int i = 0; i < 5; i++) {
			if (i & 1)
				mprotect((void *)(run + 2 * i * FZ_PAGE), 2 * FZ_PAGE, PROT_READ);
			fz_add_map(run + 2 * i * FZ_PAGE, 2 * FZ_PAGE);
		}
		memset((void *)run, 1, 2 * FZ_PAGE);
	}
	fzw.text_page = (uint64_t)&fz_worker_main & ~(FZ_PAGE - 1);
	fzw.stack_page = (uint64_t)&run & ~(FZ_PAGE - 1);
	fzw.brk0 = (uint64_t)sbrk(0);
}

void fz_worker_main(const struct fz_config *cfg)
{
	struct sigaction sa;
	int fd;

	memset(&fzw, 0, sizeof(fzw));
	fzw.cfg = cfg;
	fzw.slot = &cfg->shared->slot[cfg->slot];
	fzw.rng = fz_seed(cfg->seed, cfg->slot, cfg->gen);
	fzw.pid = getpid();
	fzw.seq = 0;
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "500", 3) < 0)
			_exit(121);
		close(fd);
	}
	/* The trace goes to the console, kept above the fds the pools use. */
	console = cfg->trace ? fcntl(cfg->console_fd, F_DUPFD_CLOEXEC, 200) : -1;
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	if (cfg->console_fd > 2)
		close(cfg->console_fd);

	fzw.buf = malloc(FZ_BUF);
	if (!fzw.buf)
		_exit(122);
	for (size_t i = 0; i < FZ_BUF; i += 8) {
		uint64_t v = fz_rnd();
		memcpy(fzw.buf + i, &v, 8);
	}
	setup_scratch();
	setup_fds();
	setup_maps();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (__atomic_load_n(&fzw.slot->calls, __ATOMIC_RELAXED) < cfg->share) {
		fz_one_op();
		if ((fzw.seq & 15) == 0)
			fz_reap(0);
	}
	_exit(0);
}
