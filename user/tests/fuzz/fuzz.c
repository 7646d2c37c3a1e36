/*
 * fuzz.c - the system-call fuzzer's supervisor (/fuzz/fuzz).
 *
 *	fuzz [--seed S] [--calls N] [--workers W] [--timeout T] [--only K]
 *	     [--trace] [--verbose]
 *
 * Booted as pid 1 (init=/fuzz/fuzz, the "fuzz" image of make check and
 * make fuzz) it mounts /proc, /sys, /dev and /tmp like runall, then keeps
 * W workers (worker.c) running until N calls have been made between them
 * (each slot makes N/W). A worker that dies - of a signal, of exit(), of
 * the OOM killer, or SIGKILLed by the watchdog here because no call of
 * its started for T seconds - is counted and replaced by the next
 * generation of its slot, which draws from its own reproducible stream.
 *
 * Output (kept short: the harness reads the last 200 serial lines):
 *
 *	FUZZ START seed=S calls=N workers=W timeout=T
 *	FUZZ PROGRESS calls=<k> workers=<spawned>			(every tenth)
 *	FUZZ DEATH w<slot>.<gen> <signal> after <k> calls: <last call>	(first few)
 *	FUZZ ANOMALY w<slot>.<gen>: <what>	a wrong result a worker saw (fails)
 *	FUZZ CORRUPT slot <k>: ...		its shared counter was overwritten (fails)
 *	FUZZ DONE seed=S calls=<made> workers=<spawned> killed=<by signal>
 *	    stuck=<watchdog kills> exited=<k> faults_caught=... signals: SIGSEGV:<n> ...
 *	FUZZ MEMFREE before <kB> after <kB>
 *	UTEST PASS fuzz/run, UTEST PASS|FAIL fuzz/memfree_restored, UTEST DONE ...
 *
 * The memory check: MemFree once everything is set up, before the first
 * worker, must come back exactly after every worker and every orphan is
 * gone and the scratch tree /tmp/fz is removed (Pagoda's slab returns
 * empty slabs, so a difference is a leaked frame). --trace prints every
 * call before it is made; --only K runs slot K alone, exactly as it runs
 * among W workers (its share, its generations), for replaying what it did;
 * --verbose prints the whole call log of each worker that dies.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEATHS_SHOWN	12	/* FUZZ DEATH lines printed at most */
#define NO_PROGRESS_GENS 50	/* generations in a row without a call: give up */

static struct {
	uint64_t seed, calls;
	int workers, timeout_s, trace, verbose, only;
	int trace_slot, trace_gen;	/* --trace-worker S.G: trace that worker only */
} opt = { 1, 2000, 4, 2, 0, 0, -1, -1, -1 };

static struct fz_shared *shared;
static struct termios console_termios;
static int have_termios;

/* Supervisor-private view of each slot (the shared one is untrusted). */
static struct {
	pid_t pid;
	int gen;
	int stuck_killed;	/* we SIGKILLed it for not making progress */
	int idle_gens;		/* generations in a row that made no call */
	uint64_t calls_at_spawn;
} slots[FZ_MAX_WORKERS];

static struct {
	uint64_t spawned, exited, stuck, by_signal[65], other_children;
	int deaths_shown;
	uint64_t next_progress;
	uint64_t last_calls[FZ_MAX_WORKERS];
	int corrupt;
	uint32_t anomalies_seen[FZ_MAX_WORKERS];
	uint64_t anomalies;
} stats;

/* printf to stdout with one write, after putting the console's modes back. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	if (have_termios)
		tcsetattr(1, TCSANOW, &console_termios);
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (n > 0 && write(1, buf, n) < 0)
		return;
}

static const char *signame(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
		[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};
	static char other[16];

	if (sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig])
		return names[sig];
	snprintf(other, sizeof(other), "SIG%d", sig);
	return other;
}

/* ---- pid 1 duties -------------------------------------------------------- */

static char meminfo_before[4096], meminfo_after[4096];
static char slabinfo_before[16384], slabinfo_after[16384];
static char leak_req[1024], leak_answer[8192];

/* @path's contents (as much as fits) in @buf, NUL-terminated. */
static void read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	while (fd >= 0 && (size_t)got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * In @text, a table of "name<sep> value ..." lines: the value of @name's
 * line, or -1 when there is none.
 */
static long value_of(const char *text, const char *name, char sep)
{
	size_t len = strlen(name);
	long v = -1;

	for (const char *p = text; (p = strstr(p, name)); p++)
		if ((p == text || p[-1] == '\n') && p[len] == sep) {
			sscanf(p + len + 1, " %ld", &v);
			break;
		}
	return v;
}

/*
 * MemFree from /proc/meminfo, whose text is left in @buf (4096 bytes),
 * plus the page tables the direct map gained by splits (memfd_secret;
 * never merged back, as on Linux): kernel structure, not a leak.
 */
static long mem_free_kb(char *buf)
{
	char vm[8192];
	long tables;

	read_text("/proc/vmstat", vm, sizeof(vm));
	tables = value_of(vm, "nr_direct_map_split_tables", ' ');
	read_text("/proc/meminfo", buf, 4096);
	return value_of(buf, "MemFree", ':') + (tables > 0 ? tables * 4 : 0);
}

static int leak_fd = -1;		/* /proc/pagoda/slab_leaks (debug_alloc=1) */
static char leak_mark[64];		/* its answer to "mark" at the start */

/* Ask /proc/pagoda/slab_leaks @req (proc_slab.c); the answer in @out. */
static int leak_query(const char *req, char *out, size_t len)
{
	ssize_t n;

	if (leak_fd < 0 || write(leak_fd, req, strlen(req)) < 0)
		return -1;
	n = pread(leak_fd, out, len - 1, 0);
	if (n < 0)
		return -1;
	out[n] = 0;
	return (int)n;
}

/*
 * Kernel objects still alive: each /proc/slabinfo cache whose count
 * changed, and with debug_alloc=1 where the objects of those caches that
 * are younger than the start were allocated.
 */
static void show_slabinfo_diff(void)
{
	char *save = NULL, *line, *req = leak_req, *answer = leak_answer;
	uint64_t mark;
	int n;

	n = sscanf(leak_mark, "mark %lu", (unsigned long *)&mark) == 1 ?
	    snprintf(req, sizeof(leak_req), "check %lu", (unsigned long)mark) : -1;

	read_text("/proc/slabinfo", slabinfo_after, sizeof(slabinfo_after));
	for (line = strtok_r(slabinfo_after, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long a, b;

		if (sscanf(line, "%63s %ld", name, &a) != 2)
			continue;
		if ((b = value_of(slabinfo_before, name, ' ')) == a)
			continue;
		say("FUZZ   slab %s: %ld -> %ld objects\n", name, b, a);
		if (n > 0 && n + strlen(name) + 2 < sizeof(leak_req))
			n += snprintf(req + n, sizeof(leak_req) - n, " %s", name);
	}
	if (n > 0 && leak_query(req, answer, sizeof(leak_answer)) > 0)
		for (line = strtok_r(answer, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			say("FUZZ   %s\n", line);
}

static struct timespec run_start;	/* CLOCK_REALTIME at FUZZ START */
static int new_files_shown;

/* Files a worker made or changed outside its scratch tree: tmpfs memory too. */
static void show_new_files(const char *dir, int depth)
{
	char sub[512];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (depth > 12 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL && new_files_shown < 20) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name);
		if (!strcmp(sub, "/proc") || !strcmp(sub, "/tmp/fz") || lstat(sub, &st) < 0)
			continue;
		if (st.st_ctim.tv_sec > run_start.tv_sec ||
		    (st.st_ctim.tv_sec == run_start.tv_sec &&
		     st.st_ctim.tv_nsec >= run_start.tv_nsec)) {
			new_files_shown++;
			say("FUZZ   changed during the run: %s (mode %o, %ld bytes)\n", sub,
			    (unsigned)st.st_mode, (long)st.st_size);
		}
		if (S_ISDIR(st.st_mode))
			show_new_files(sub, depth + 1);
	}
	closedir(d);
}

/* Where did the memory go? Every /proc/meminfo line that changed. */
static void show_meminfo_diff(void)
{
	char *save = NULL, *line;

	for (line = strtok_r(meminfo_after, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long a, b;

		if (sscanf(line, "%63[^:]: %ld", name, &a) != 2)
			continue;
		if ((b = value_of(meminfo_before, name, ':')) != a)
			say("FUZZ   meminfo %s: %ld -> %ld\n", name, b, a);
	}
}

/*
 * MemFree before the first worker, with what a mismatch at the end will
 * be explained by (meminfo, slabinfo, a slab_leaks mark). The buffers the
 * end's diagnostics use are touched first, so they are in the baseline.
 */
static long memory_baseline(void)
{
	memset(meminfo_after, 0, sizeof(meminfo_after));
	memset(slabinfo_after, 0, sizeof(slabinfo_after));
	memset(leak_req, 0, sizeof(leak_req));
	memset(leak_answer, 0, sizeof(leak_answer));
	clock_gettime(CLOCK_REALTIME, &run_start);
	leak_fd = open("/proc/pagoda/slab_leaks", O_RDWR | O_CLOEXEC);	/* -1: not Pagoda */
	if (leak_query("mark", leak_mark, sizeof(leak_mark)) < 0)
		leak_mark[0] = 0;
	read_text("/proc/slabinfo", slabinfo_before, sizeof(slabinfo_before));
	return mem_free_kb(meminfo_before);
}

static void mount_one(const char *fstype, const char *dir, mode_t mode)
{
	char parent[64];
	struct stat a, b;

	mkdir(dir, mode);
	snprintf(parent, sizeof(parent), "%s/..", dir);
	if (stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev)
		return;
	mount(fstype, dir, fstype, 0, NULL);
}

static void setup_as_init(void)
{
	int fd;

	mount_one("proc", "/proc", 0555);
	mount_one("sysfs", "/sys", 0555);
	mount_one("devtmpfs", "/dev", 0755);
	mount_one("tmpfs", "/tmp", 01777);
	/* The console, but not as a controlling tty: no job control for us. */
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* ---- workers ------------------------------------------------------------ */

static uint64_t share_of(int slot)
{
	uint64_t share = opt.calls / opt.workers;

	return share + ((uint64_t)slot < opt.calls % opt.workers ? 1 : 0);
}

static void spawn(int i)
{
	static struct fz_config cfg;	/* copied by fork, read by the child */
	pid_t pid;

	cfg.seed = opt.seed;
	cfg.share = share_of(i);
	cfg.slot = i;
	cfg.gen = slots[i].gen;
	cfg.timeout_s = opt.timeout_s;
	cfg.trace = opt.trace || (i == opt.trace_slot && slots[i].gen == opt.trace_gen);
	cfg.supervisor = getpid();
	cfg.console_fd = 1;
	cfg.shared = shared;
	shared->slot[i].gen = slots[i].gen;
	shared->slot[i].heartbeat_ms = fz_now_ms();
	slots[i].calls_at_spawn = shared->slot[i].calls;
	slots[i].stuck_killed = 0;
	pid = fork();
	if (pid == 0)
		fz_worker_main(&cfg);
	if (pid < 0) {
		say("FUZZ fork failed: %s\n", strerror(errno));
		return;
	}
	slots[i].pid = pid;
	stats.spawned++;
}

static void show_log(int i)
{
	struct fz_slot *s = &shared->slot[i];
	uint32_t head = s->head;
	char line[320];
	int n = opt.verbose ? FZ_LOG : 1;

	for (int k = n; k >= 1; k--) {
		if (head < (uint32_t)k)
			continue;
		fz_format_rec(line, sizeof(line), &s->log[(head - k) % FZ_LOG]);
		say("FUZZ   w%d #%u %s\n", i, s->log[(head - k) % FZ_LOG].seq, line);
	}
}

/*
 * Where did @v, found where a counter should be, come from? Every worker
 * fills its buffer (fzw.buf) from its own PRNG first thing, so the
 * supervisor can regenerate each buffer and look for @v in it: a match
 * names the worker whose data the kernel wrote to the wrong place.
 */
static void explain_value(uint64_t v)
{
	static uint64_t buf[FZ_BUF / 8];
	int found = 0;

	for (int i = 0; i < opt.workers; i++)
		for (int g = 0; g <= slots[i].gen; g++) {
			uint64_t rng = fz_seed(opt.seed, i, g);
			unsigned char *b = (unsigned char *)buf, *at;

			for (size_t k = 0; k < FZ_BUF / 8; k++)
				buf[k] = fz_next(&rng);
			at = memmem(b, FZ_BUF, &v, sizeof(v));
			if (at && found++ < 4)
				say("FUZZ   the value is at byte %#lx of the buffer of w%d.%d\n",
				    (unsigned long)(at - b), i, g);
		}
	if (!found)
		say("FUZZ   the value %#lx is in no worker's buffer\n", (unsigned long)v);
}

/* The frame behind @addr in process @pid (0: self), from its pagemap; 0 if none. */
static uint64_t frame_of(pid_t pid, uint64_t addr)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)(addr / FZ_PAGE * 8)) != sizeof(e))
		e = 0;
	close(fd);
	return e & (1ULL << 63) ? e & ((1ULL << 55) - 1) : 0;
}

/*
 * After a corruption: the first bytes of the log, and which frame each
 * process sees behind it - they must all see the same one.
 */
/*
 * The workers' fence (worker.c) refuses what would reach the log and only
 * that: checked once at startup, so a change to it cannot quietly let
 * workers scribble on the log again (the false "kernel corruption" seed 5
 * once reported) or stop them unmapping their own memory.
 */
static int fence_selftest(void)
{
	const uint64_t log = FZ_SHARED_ADDR, lo = fz_fence_lo(), hi = fz_fence_hi();
	const uint64_t low = 0x10000000, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	const struct {
		const char *what;
		long nr;
		uint64_t a[6];
		int refused;
	} cases[] = {
		{ "MAP_FIXED on the log", SYS_mmap, { log, FZ_PAGE, PROT_READ, anon | MAP_FIXED, -1 }, 1 },
		{ "a hint in the fence", SYS_mmap, { hi - FZ_PAGE, FZ_PAGE, PROT_READ, anon, -1 }, 1 },
		{ "munmap of everything", SYS_munmap, { low, 1ULL << 47 }, 1 },
		{ "MADV_REMOVE ending in the fence", SYS_madvise, { lo - FZ_PAGE, 2 * FZ_PAGE, 9 }, 1 },
		{ "a wrapping mprotect", SYS_mprotect, { low, ~0ULL, PROT_NONE }, 1 },
		{ "mremap into the fence", SYS_mremap, { low, FZ_PAGE, FZ_PAGE, 3, hi - 1 }, 1 },
		{ "brk up to the log", SYS_brk, { log }, 1 },
		{ "munmap below the fence", SYS_munmap, { lo - 2 * FZ_PAGE, FZ_PAGE }, 0 },
		{ "mprotect above it", SYS_mprotect, { hi, FZ_PAGE, PROT_NONE }, 0 },
		{ "a 1 TiB mmap anywhere", SYS_mmap, { 0, 1ULL << 40, PROT_READ, anon, -1 }, 0 },
		{ "getrandom into the log", SYS_getrandom, { log + 8, 15 }, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t a[6];
		long nr;

		memcpy(a, cases[i].a, sizeof(a));
		nr = fz_fence_filter(cases[i].nr, a);
		if ((nr != cases[i].nr) != cases[i].refused ||
		    (a[0] >= log && a[0] < log + sizeof(*shared))) {
			say("FUZZ BUG: the fence around the log is wrong about %s\n", cases[i].what);
			return -1;
		}
	}
	return 0;
}

static void show_shared(void)
{
	const unsigned char *b = (const unsigned char *)shared;
	char line[128];

	for (int off = 0; off < 128; off += 32) {
		int n = snprintf(line, sizeof(line), "FUZZ   log+%02x:", off);

		for (int k = 0; k < 32; k++)
			n += snprintf(line + n, sizeof(line) - n, "%s%02x", k % 8 ? "" : " ", b[off + k]);
		say("%s\n", line);
	}
	say("FUZZ   frame of the log: supervisor %#lx", (unsigned long)frame_of(0, (uint64_t)shared));
	for (int i = 0; i < opt.workers; i++)
		if (slots[i].pid)
			say(", w%d %#lx", i, (unsigned long)frame_of(slots[i].pid, (uint64_t)shared));
	say("\n");
}

/* A worker of slot @i ended with wait status @st. */
static void worker_ended(int i, int st)
{
	uint64_t made = shared->slot[i].calls - slots[i].calls_at_spawn;

	if (WIFSIGNALED(st) && slots[i].stuck_killed) {
		stats.stuck++;
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		stats.by_signal[sig < 65 ? sig : 0]++;
		if (stats.deaths_shown < DEATHS_SHOWN || opt.verbose) {
			stats.deaths_shown++;
			say("FUZZ DEATH w%d.%d %s after %lu calls, last:\n", i, slots[i].gen,
			    signame(sig), (unsigned long)made);
			show_log(i);
		}
	} else {
		stats.exited++;
	}
	if (slots[i].stuck_killed && opt.verbose) {
		say("FUZZ STUCK w%d.%d, last:\n", i, slots[i].gen);
		show_log(i);
	}
	/* Whatever it left behind in its session goes with it. */
	kill(-slots[i].pid, SIGKILL);
	slots[i].idle_gens = made ? 0 : slots[i].idle_gens + 1;
	slots[i].pid = 0;
	slots[i].gen++;
}

static int slot_of(pid_t pid)
{
	for (int i = 0; i < opt.workers; i++)
		if (slots[i].pid == pid)
			return i;
	return -1;
}

static void watchdog(void)
{
	uint64_t now = fz_now_ms();

	for (int i = 0; i < opt.workers; i++) {
		uint64_t hb = __atomic_load_n(&shared->slot[i].heartbeat_ms, __ATOMIC_RELAXED);

		if (slots[i].pid && !slots[i].stuck_killed &&
		    now > hb + (uint64_t)opt.timeout_s * 1000) {
			slots[i].stuck_killed = 1;
			kill(slots[i].pid, SIGKILL);
		}
	}
}

/* A line at every tenth of the calls: where a hang or panic happened. */
static void progress(void)
{
	uint64_t calls = 0;

	for (int i = 0; i < opt.workers; i++) {
		uint64_t c = shared->slot[i].calls;

		/*
		 * A counter that runs backwards or leaps: someone wrote over the
		 * shared page - a worker gone astray, or the kernel.
		 */
		if ((c < stats.last_calls[i] || c > stats.last_calls[i] + 1000000) &&
		    stats.corrupt < 4) {
			stats.corrupt++;
			say("FUZZ CORRUPT slot %d: calls %lu -> %lu (gen %d)\n", i,
			    (unsigned long)stats.last_calls[i], (unsigned long)c, slots[i].gen);
			explain_value(c);
			show_shared();
			/* The culprit may be any worker: show what each was doing. */
			for (int k = 0; k < opt.workers; k++)
				show_log(k);
		}
		stats.last_calls[i] = c;
		calls += c;
		if (shared->slot[i].anomalies != stats.anomalies_seen[i]) {
			stats.anomalies_seen[i] = shared->slot[i].anomalies;
			if (stats.anomalies++ < 8) {
				shared->slot[i].anomaly[sizeof(shared->slot[i].anomaly) - 1] = 0;
				say("FUZZ ANOMALY w%d.%d: %s\n", i, slots[i].gen,
				    shared->slot[i].anomaly);
				show_log(i);
			}
		}
	}
	if (calls < stats.next_progress)
		return;
	say("FUZZ PROGRESS calls=%lu workers=%lu\n", (unsigned long)calls,
	    (unsigned long)stats.spawned);
	stats.next_progress = calls + (opt.calls + 9) / 10;
}

/* Run until every slot has made its share; 0, or -1 if a slot stalls. */
static int supervise(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int st, running, failed = 0;
	pid_t r;

	for (;;) {
		running = 0;
		for (int i = 0; i < opt.workers; i++) {
			if (opt.only >= 0 && i != opt.only)
				continue;
			if (!slots[i].pid && shared->slot[i].calls < share_of(i) &&
			    slots[i].idle_gens < NO_PROGRESS_GENS)
				spawn(i);
			if (slots[i].idle_gens >= NO_PROGRESS_GENS && !(failed & (1 << i))) {
				say("FUZZ slot %d: %d generations in a row made no call\n", i,
				    NO_PROGRESS_GENS);
				failed |= 1 << i;
			}
			running += slots[i].pid != 0;
		}
		while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
			int i = slot_of(r);

			if (i >= 0)
				worker_ended(i, st);
			else
				stats.other_children++;
		}
		if (!running)
			break;
		watchdog();
		progress();
		nanosleep(&tick, NULL);
	}
	return failed ? -1 : 0;
}

/* Kill and reap everything but us (we are pid 1: kill(-1) spares us). */
static void kill_everything(void)
{
	int st;

	for (int round = 0; round < 50; round++) {
		if (getpid() == 1)
			kill(-1, SIGKILL);
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
		if (waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD)
			return;
		usleep(20000);
	}
}

/* ---- main ----------------------------------------------------------------- */

static void usage(void)
{
	say("usage: fuzz [--seed S] [--calls N] [--workers W] [--timeout T] [--only K] "
	    "[--trace] [--trace-worker S.G] [--verbose]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--trace")) {
			opt.trace = 1;
		} else if (v && !strcmp(a, "--trace-worker")) {
			if (sscanf(v, "%d.%d", &opt.trace_slot, &opt.trace_gen) != 2)
				usage();
			i++;
		} else if (!strcmp(a, "--verbose")) {
			opt.verbose = 1;
		} else if (v && !strcmp(a, "--seed")) {
			opt.seed = strtoull(v, NULL, 0), i++;
		} else if (v && !strcmp(a, "--calls")) {
			opt.calls = strtoull(v, NULL, 0), i++;
		} else if (v && !strcmp(a, "--workers")) {
			opt.workers = atoi(v), i++;
		} else if (v && !strcmp(a, "--timeout")) {
			opt.timeout_s = atoi(v), i++;
		} else if (v && !strcmp(a, "--only")) {
			opt.only = atoi(v), i++;
		} else {
			usage();
		}
	}
	if (opt.workers < 1 || opt.workers > FZ_MAX_WORKERS || opt.timeout_s < 1 ||
	    opt.only >= opt.workers)
		usage();
}

int main(int argc, char **argv)
{
	long before, after = -1;
	uint64_t calls = 0, killed = 0;
	char sigs[512] = "";
	int stalled, fd, ok;

	if (getpid() == 1)
		setup_as_init();
	parse_args(argc, argv);
	have_termios = tcgetattr(1, &console_termios) == 0;
	signal(SIGPIPE, SIG_IGN);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) < 0)
			say("FUZZ cannot protect the supervisor from the OOM killer\n");
		close(fd);
	}
	/* At the address the workers' fence is drawn around (fuzz.h). */
	shared = mmap((void *)FZ_SHARED_ADDR, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (shared == MAP_FAILED || (uint64_t)shared != FZ_SHARED_ADDR) {
		say("FUZZ cannot map the shared log at %#llx: %s\n", FZ_SHARED_ADDR,
		    shared == MAP_FAILED ? strerror(errno) : "placed elsewhere");
		return 1;
	}
	if (fence_selftest())
		return 1;
	memset(shared, 0, sizeof(*shared));
	/*
	 * Do once now what the end does (opendir's malloc grows our heap), so
	 * that the baseline already holds it.
	 */
	mkdir("/tmp/fz", 0777);
	fz_remove_tree("/tmp/fz", 0);
	mkdir("/tmp/fz", 0777);
	say("FUZZ START seed=%lu calls=%lu workers=%d timeout=%d\n",
	    (unsigned long)opt.seed, (unsigned long)opt.calls, opt.workers, opt.timeout_s);
	before = memory_baseline();

	stalled = supervise();
	progress();			/* the last anomalies and corruptions */
	kill_everything();
	fz_remove_tree("/tmp/fz", 0);
	mkdir("/tmp/fz", 0777);
	/* Frees can trail the last exit by a moment (the OOM reaper): wait for them. */
	for (int i = 0; i < 50 && (after = mem_free_kb(meminfo_after)) != before; i++)
		usleep(100000);

	for (int i = 0; i < opt.workers; i++)
		calls += shared->slot[i].calls;
	for (int s = 0; s < 65; s++) {
		if (!stats.by_signal[s])
			continue;
		killed += stats.by_signal[s];
		snprintf(sigs + strlen(sigs), sizeof(sigs) - strlen(sigs), " %s:%lu",
			 signame(s), (unsigned long)stats.by_signal[s]);
	}
	say("FUZZ DONE seed=%lu calls=%lu workers=%lu killed=%lu stuck=%lu exited=%lu "
	    "orphans=%lu anomalies=%lu corrupt=%d signals:%s\n",
	    (unsigned long)opt.seed, (unsigned long)calls, (unsigned long)stats.spawned,
	    (unsigned long)killed, (unsigned long)stats.stuck, (unsigned long)stats.exited,
	    (unsigned long)stats.other_children, (unsigned long)stats.anomalies, stats.corrupt,
	    sigs[0] ? sigs : " none");
	say("FUZZ MEMFREE before %ld after %ld\n", before, after);
	ok = stalled == 0 && (calls >= opt.calls || opt.only >= 0) && !stats.anomalies &&
	     !stats.corrupt;
	say("UTEST %s fuzz/run%s\n", ok ? "PASS" : "FAIL",
	    ok ? "" : ": a slot stalled, calls are missing, an anomaly or a corrupt counter");
	if (before > 0 && before == after) {
		say("UTEST PASS fuzz/memfree_restored\n");
	} else {
		show_meminfo_diff();
		show_slabinfo_diff();
		show_new_files("/", 0);
		say("UTEST FAIL fuzz/memfree_restored: %ld kB before, %ld kB after\n", before,
		    after);
	}
	ok += before > 0 && before == after;
	say("UTEST DONE fuzz %d passed, %d failed\n", ok, 2 - ok);
	return ok == 2 ? 0 : 1;
}
