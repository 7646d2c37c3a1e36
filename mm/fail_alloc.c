/*
 * fail_alloc.c - allocation-failure injection (see fail_alloc.h): the
 * decision the page and slab allocators ask for, its settings, and
 * /proc/pagoda/fail_alloc.
 *
 * The random draws come from a xorshift generator with a fixed seed, so a
 * boot with the same settings fails the same allocations as long as the
 * same calls happen in the same order (one CPU, no preemption). Settings
 * and counts are plain variables: a reader racing a writer sees an old or
 * a new value, both harmless; the generator and counts are updated with
 * interrupts off.
 */
#include "mm/fail_alloc.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/task.h"
#include <arch/cpu.h>
#include <arch/trap.h>

int fail_alloc_probability;		/* percent, 0..100; 0: off */
static long fail_interval = 1;		/* every interval-th eligible call may fail */
static long fail_times = -1;		/* failures left; -1: no limit */
static int fail_task_filter = 1;	/* only tasks with make_it_fail */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned long nr_eligible, nr_failed;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

bool fail_alloc_should_fail(void)
{
	struct task *t = current();
	unsigned long irq;
	bool fail = false;

	if (get_irq_regs())
		return false;			/* never inside an interrupt handler */
	if (fail_task_filter && (!t || !t->make_it_fail))
		return false;
	irq = arch_irq_save();
	if (fail_times != 0) {
		nr_eligible++;
		if ((fail_interval <= 1 || nr_eligible % (unsigned long)fail_interval == 0) &&
		    (long)(rng_next() % 100) < fail_alloc_probability) {
			fail = true;
			nr_failed++;
			if (fail_times > 0)
				fail_times--;
		}
	}
	arch_irq_restore(irq);
	return fail;
}

/* Parse "P[,I[,T[,F]]]" with decimal fields; false when malformed. */
static bool parse_fields(const char *s, long *out, int n)
{
	for (int i = 0; i < n && *s; i++) {
		bool neg = *s == '-';
		long v = 0;

		if (neg)
			s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			v = v * 10 + (*s++ - '0');
		out[i] = neg ? -v : v;
		if (*s == ',')
			s++;
		else if (*s)
			return false;
	}
	return true;
}

static bool apply(long prob, long interval, long times, long filter)
{
	if (prob < 0 || prob > 100 || interval < 1 || times < -1 || filter < 0 || filter > 1)
		return false;
	fail_interval = interval;
	fail_times = times;
	fail_task_filter = (int)filter;
	WRITE_ONCE(fail_alloc_probability, (int)prob);
	return true;
}

void fail_alloc_init(void)
{
	char buf[64];
	long f[4] = { 0, 1, -1, 1 };

	if (!cmdline_get("fail_alloc", buf, sizeof(buf)))
		return;
	if (!parse_fields(buf, f, 4) || !apply(f[0], f[1], f[2], f[3])) {
		printk("fail_alloc: ignoring malformed fail_alloc=%s\n", buf);
		return;
	}
	printk("fail_alloc: %ld%% of allocations fail (interval %ld, times %ld, %s)\n",
	       f[0], f[1], f[2], f[3] ? "tasks with make-it-fail only" : "every task");
}

int fail_alloc_show(struct proc_buf *b)
{
	proc_printf(b, "probability %d\ninterval %ld\ntimes %ld\ntask_filter %d\n"
		    "eligible %lu\nfailed %lu\n", fail_alloc_probability, fail_interval,
		    fail_times, fail_task_filter, nr_eligible, nr_failed);
	return 0;
}

/* "probability=P interval=I times=T task_filter=F", any subset, any order. */
int fail_alloc_set(const char *req)
{
	long prob = fail_alloc_probability, interval = fail_interval, times = fail_times;
	long filter = fail_task_filter;
	char word[40];

	while (*req) {
		size_t n = 0;
		const char *eq;
		long v;

		while (*req == ' ' || *req == '\t' || *req == '\n')
			req++;
		if (!*req)
			break;
		while (req[n] && req[n] != ' ' && req[n] != '\t' && req[n] != '\n')
			n++;
		if (n >= sizeof(word))
			return -EINVAL;
		memcpy(word, req, n);
		word[n] = 0;
		req += n;
		eq = strchr(word, '=');
		if (!eq || !proc_parse_long(eq + 1, &v))
			return -EINVAL;
		if (!strncmp(word, "probability=", 12))
			prob = v;
		else if (!strncmp(word, "interval=", 9))
			interval = v;
		else if (!strncmp(word, "times=", 6))
			times = v;
		else if (!strncmp(word, "task_filter=", 12))
			filter = v;
		else
			return -EINVAL;
	}
	return apply(prob, interval, times, filter) ? 0 : -EINVAL;
}
