/*
 * sys_misc.c - the small system calls: time and sleeping, uname, limits,
 * thread-pointer setup, sched_yield, reboot. (futex: kernel/futex.c.)
 *
 * Clocks: CLOCK_MONOTONIC/BOOTTIME count from boot (TSC-based clock_ns);
 * CLOCK_REALTIME adds the CMOS RTC time read once at boot; the CPU-time
 * clocks report the time the task has spent on a CPU.
 *
 * uname(2) says sysname "Linux" with release "6.1.0-pagoda": Pagoda runs
 * unmodified Linux binaries, and programs that look at sysname expect Linux
 * semantics, which is what they get. nodename "pagoda", version names the
 * Pagoda release, so `uname -a` still says honestly what is running.
 */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/uapi.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include <arch/acpi.h>
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/rtc.h>

static uint64_t boot_epoch_ns;		/* CLOCK_REALTIME at clock_ns() == 0 */

void time_init_realtime(void)
{
	uint64_t secs = rtc_read_epoch();

	boot_epoch_ns = secs * NSEC_PER_SEC - MIN(clock_ns(), secs * NSEC_PER_SEC);
}

uint64_t clock_realtime_ns(void)
{
	return boot_epoch_ns + clock_ns();
}

static int clock_read(long clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = boot_epoch_ns + clock_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = task_cpu_time_ns(current());
		return 0;
	default:
		return -EINVAL;
	}
}

static void ns_to_ts(uint64_t ns, struct __kernel_timespec *ts)
{
	ts->tv_sec = ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

/* Contract in kernel/time.h. */
int ts_to_ns(const struct __kernel_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec > UINT64_MAX / NSEC_PER_SEC - 1)
		*ns = UINT64_MAX / 2;		/* "forever" */
	else
		*ns = ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
	return 0;
}

static long sys_clock_gettime(long clk, struct __kernel_timespec __user *uts)
{
	struct __kernel_timespec ts;
	uint64_t ns;
	int err = clock_read(clk, &ns);

	if (err)
		return err;
	ns_to_ts(ns, &ts);
	return copy_to_user(uts, &ts, sizeof(ts)) ? -EFAULT : 0;
}
SYSCALL(__NR_clock_gettime, sys_clock_gettime);

static long sys_clock_getres(long clk, struct __kernel_timespec __user *uts)
{
	struct __kernel_timespec ts = { 0, 1 };
	uint64_t ns;

	if (clock_read(clk, &ns))
		return -EINVAL;
	if (clk == CLOCK_REALTIME_COARSE || clk == CLOCK_MONOTONIC_COARSE)
		ts.tv_nsec = NSEC_PER_SEC / HZ;
	if (uts && copy_to_user(uts, &ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_clock_getres, sys_clock_getres);

static long sys_gettimeofday(struct __kernel_old_timeval __user *utv, void __user *tz)
{
	struct __kernel_old_timeval tv;
	uint64_t ns = boot_epoch_ns + clock_ns();

	tv.tv_sec = ns / NSEC_PER_SEC;
	tv.tv_usec = (ns % NSEC_PER_SEC) / 1000;
	if (utv && copy_to_user(utv, &tv, sizeof(tv)))
		return -EFAULT;
	if (tz && clear_user(tz, 8))		/* struct timezone: UTC */
		return -EFAULT;
	return 0;
}
SYSCALL(__NR_gettimeofday, sys_gettimeofday);

static long sys_time(long __user *t)
{
	long now = (boot_epoch_ns + clock_ns()) / NSEC_PER_SEC;

	if (t && put_user(now, t))
		return -EFAULT;
	return now;
}
SYSCALL(__NR_time, sys_time);

/* Sleep until clock_ns() reaches @deadline; -EINTR (and *left) on a signal. */
static long sleep_until(uint64_t deadline, uint64_t *left)
{
	struct task *t = current();

	for (;;) {
		uint64_t now = clock_ns();

		if (now >= deadline)
			return 0;
		if (signal_pending_current()) {
			*left = deadline - now;
			return -EINTR;
		}
		t->state = TASK_INTERRUPTIBLE;
		if (signal_pending_current()) {
			t->state = TASK_RUNNING;
			continue;
		}
		schedule_timeout(deadline - now);
		t->state = TASK_RUNNING;
	}
}

/* restart_syscall(2) after a relative sleep was stopped: sleep out the rest. */
static long sleep_restart(struct task *t)
{
	uint64_t left;

	return sleep_until(t->restart_deadline_ns, &left) ? -ERESTART_RESTARTBLOCK : 0;
}

/*
 * The call a stop interrupted, going on (Linux's restart_syscall): what the
 * task's restart block says, or EINTR when there is none.
 */
static long sys_restart_syscall(void)
{
	struct task *t = current();
	long (*fn)(struct task *) = t->restart_fn;

	return fn ? fn(t) : -EINTR;
}
SYSCALL(__NR_restart_syscall, sys_restart_syscall);

static long sys_clock_nanosleep(long clk, long flags, const struct __kernel_timespec __user *ureq,
				struct __kernel_timespec __user *urem)
{
	struct __kernel_timespec req, rem;
	uint64_t ns, now = 0, deadline, left = 0;
	long err;

	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID ?
		       -EINVAL : -EINVAL;
	if (flags & ~TIMER_ABSTIME)
		return -EINVAL;
	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	if (ts_to_ns(&req, &ns))
		return -EINVAL;
	clock_read(clk, &now);
	if (flags & TIMER_ABSTIME)
		deadline = clock_ns() + (ns > now ? ns - now : 0);
	else
		deadline = clock_ns() + ns;
	err = sleep_until(deadline, &left);
	if (err == -EINTR && urem && !(flags & TIMER_ABSTIME)) {
		ns_to_ts(left, &rem);
		if (copy_to_user(urem, &rem, sizeof(rem)))
			return -EFAULT;
	}
	if (err == -EINTR) {
		/* EINTR if a handler runs; after a stop the sleep goes on to its deadline. */
		current()->restart_fn = sleep_restart;
		current()->restart_deadline_ns = deadline;
		return -ERESTART_RESTARTBLOCK;
	}
	return err;
}
SYSCALL(__NR_clock_nanosleep, sys_clock_nanosleep);

static long sys_nanosleep(const struct __kernel_timespec __user *req,
			  struct __kernel_timespec __user *rem)
{
	return sys_clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
}
SYSCALL(__NR_nanosleep, sys_nanosleep);

static long sys_sched_yield(void)
{
	schedule();
	return 0;
}
SYSCALL(__NR_sched_yield, sys_sched_yield);

static long sys_uname(struct new_utsname __user *u)
{
	struct new_utsname n;

	memset(&n, 0, sizeof(n));
	strlcpy(n.sysname, "Linux", sizeof(n.sysname));
	strlcpy(n.nodename, "pagoda", sizeof(n.nodename));
	strlcpy(n.release, "6.1.0-pagoda", sizeof(n.release));
	strlcpy(n.version, "#1 Pagoda " PAGODA_VERSION " (a teaching kernel)", sizeof(n.version));
	strlcpy(n.machine, "x86_64", sizeof(n.machine));
	strlcpy(n.domainname, "(none)", sizeof(n.domainname));
	return copy_to_user(u, &n, sizeof(n)) ? -EFAULT : 0;
}
SYSCALL(__NR_uname, sys_uname);

static long sys_arch_prctl(long code, unsigned long addr)
{
	struct task *t = current();

	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_END)
			return -EPERM;
		t->fs_base = addr;
		arch_set_fs_base(addr);
		return 0;
	case ARCH_GET_FS:
		return put_user(t->fs_base, (unsigned long __user *)addr) ? -EFAULT : 0;
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EINVAL;			/* user GS base: not supported */
	default:
		return -EINVAL;
	}
}
SYSCALL(__NR_arch_prctl, sys_arch_prctl);

static long sys_set_tid_address(int __user *tidptr)
{
	current()->clear_child_tid = tidptr;
	return current()->pid;
}
SYSCALL(__NR_set_tid_address, sys_set_tid_address);

/* ---- resource limits ---- */

static long do_prlimit(struct task *t, unsigned int res, const struct rlimit64 *nl,
		       struct rlimit64 *ol)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (ol)
		*ol = t->rlim[res];
	if (nl) {
		if (nl->rlim_cur > nl->rlim_max)
			return -EINVAL;
		if (res == RLIMIT_NOFILE && nl->rlim_max > 4096)
			return -EPERM;		/* fs.nr_open */
		t->rlim[res] = *nl;
	}
	return 0;
}

static long sys_prlimit64(long pid, unsigned long res, const struct rlimit64 __user *unew,
			  struct rlimit64 __user *uold)
{
	struct rlimit64 nl, ol;
	long err;

	if (pid && pid != current()->pid)
		return -ESRCH;			/* other processes: not yet */
	if (unew && copy_from_user(&nl, unew, sizeof(nl)))
		return -EFAULT;
	err = do_prlimit(current(), res, unew ? &nl : NULL, &ol);
	if (!err && uold && copy_to_user(uold, &ol, sizeof(ol)))
		return -EFAULT;
	return err;
}
SYSCALL(__NR_prlimit64, sys_prlimit64);

static long sys_getrlimit(unsigned long res, struct rlimit __user *u)
{
	struct rlimit64 ol;
	struct rlimit r;
	long err = do_prlimit(current(), res, NULL, &ol);

	if (err)
		return err;
	r.rlim_cur = ol.rlim_cur;
	r.rlim_max = ol.rlim_max;
	return copy_to_user(u, &r, sizeof(r)) ? -EFAULT : 0;
}
SYSCALL(__NR_getrlimit, sys_getrlimit);

static long sys_setrlimit(unsigned long res, const struct rlimit __user *u)
{
	struct rlimit r;
	struct rlimit64 nl;

	if (copy_from_user(&r, u, sizeof(r)))
		return -EFAULT;
	nl.rlim_cur = r.rlim_cur;
	nl.rlim_max = r.rlim_max;
	return do_prlimit(current(), res, &nl, NULL);
}
SYSCALL(__NR_setrlimit, sys_setrlimit);

static long sys_getrusage(long who, void __user *ru)
{
	if (who != 0 && who != -1 && who != 1)	/* SELF, CHILDREN, THREAD */
		return -EINVAL;
	return clear_user(ru, 144) ? -EFAULT : 0;	/* sizeof(struct rusage) */
}
SYSCALL(__NR_getrusage, sys_getrusage);

/* ---- reboot ---- */

static long sys_reboot(long magic1, long magic2, unsigned long cmd)
{
	if ((unsigned int)magic1 != LINUX_REBOOT_MAGIC1 ||
	    ((unsigned int)magic2 != LINUX_REBOOT_MAGIC2 &&
	     (unsigned int)magic2 != LINUX_REBOOT_MAGIC2A &&
	     (unsigned int)magic2 != LINUX_REBOOT_MAGIC2B &&
	     (unsigned int)magic2 != LINUX_REBOOT_MAGIC2C))
		return -EINVAL;
	switch ((unsigned int)cmd) {
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
		printk("reboot: power down\n");
		if (init_exit_quits_qemu)
			arch_qemu_exit(QEMU_EXIT_PASS);
		acpi_poweroff();
		return -EIO;
	case LINUX_REBOOT_CMD_RESTART:
		printk("reboot: restarting system\n");
		acpi_reboot();
	case LINUX_REBOOT_CMD_CAD_ON:
	case LINUX_REBOOT_CMD_CAD_OFF:
		return 0;
	default:
		return -EINVAL;
	}
}
SYSCALL(__NR_reboot, sys_reboot);
