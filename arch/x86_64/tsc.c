/*
 * tsc.c - how fast the TSC runs: measured at boot against the best
 * reference clock, and re-checked once the system is up.
 *
 * clock_ns() (kernel/time.c) is the TSC scaled by its frequency, so any
 * error here is an error in every timeout and in the time of day. The old
 * calibration counted TSC ticks across one 20 ms PIT countdown; under host
 * load the vCPU can be descheduled between the PIT's expiry and the poll
 * that notices it, and each such millisecond made the clock 5 % slow.
 *
 * Reference, best first (refclock.c drives the hardware):
 *
 *   CPUID 0x15   the CPU states its TSC frequency: nothing to measure
 *   HPET         64-bit (or 32-bit) counter, >= 10 MHz, period in the registers
 *   PM timer     24/32-bit counter at 3.579545 MHz, from the FADT
 *   PIT          ch2 one-shot countdowns at 1.193182 MHz: the old way, kept
 *                as the last resort
 *
 * Measuring against a counter: read it at the start and at the end of a
 * window, each read bracketed by two TSC reads:
 *
 *        t0   ref read   t1                         t0'  ref read  t1'
 *   TSC --|=====x=======|------------ window ---------|=====x=====|--->
 *               ^ the counter value belongs somewhere in [t0, t1]
 *
 *   kHz = (mid' - mid) * ref_hz / (ref' - ref) / 1000,  mid = (t0 + t1) / 2
 *
 * The error is at most the two brackets' width over the window. Each end
 * point is the tightest of five reads, and the window is cut into four
 * samples whose end points are all recorded; an end point whose bracket
 * still costs more than 100 ppm of the window (the vCPU was descheduled
 * through all five reads) is dropped, and the window runs from the first
 * clean end point to the last. What happens in between does not matter:
 * both the TSC and the reference count real time while the vCPU is away.
 *
 * A counter that wraps (PM timer: every 4.69 s) is extended to 64 bits by
 * reading it more than once per wrap; a gap between reads long enough to
 * hide a wrap, even at the slowest TSC we assume (floor_khz), voids the
 * measurement.
 *
 * At boot the window is 100 ms (busy). The timer tick re-checks ~2 s and
 * ~10 s after boot over 1 s and 2 s (one read per tick) and corrects the
 * clock's rate, without a step (clock_set_tsc_khz), when the boot value was
 * off by more than TSC_RECHECK_TOLERANCE_PPM. The LAPIC timer is calibrated
 * against the TSC afterwards (apic.c) and is not re-checked.
 */
#include <arch/tsc.h>
#include <arch/cpu.h>
#include <arch/refclock.h>
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/wait.h"

#define TSC_MIN_KHZ		100000ull	/* 100 MHz: no x86-64 TSC is slower */
#define TSC_MAX_KHZ		20000000ull	/* 20 GHz: nor faster */
#define BOOT_WINDOW_MS		100
#define NR_POINTS		5		/* 4 samples per window */
#define READS_PER_POINT		5
#define CLEAN_POINT_PPM		100		/* bracket width / window */
#define SLEEP_SLICE_NS		(50 * 1000 * 1000ull)
#define MEASURE_TRIES		3

static struct tsc_calibration cal;

const struct tsc_calibration *tsc_calibration(void)
{
	return &cal;
}

/* ---- Following a reference counter ---- */

/* A reference counter extended to 64 bits by reading it often enough. */
struct ref_track {
	const struct refclock *ref;
	uint64_t raw;			/* the last raw value read */
	uint64_t raw_tsc;		/* TSC just before that read */
	uint64_t count;			/* ref ticks since the first read */
	uint64_t max_gap;		/* TSC ticks between reads that may hide a wrap */
	bool lost;			/* such a gap happened */
};

/* One end point: the reference's count at TSC value tsc, +- width / 2. */
struct tsc_point {
	uint64_t tsc, count, width;
};

/*
 * The longest TSC gap between two reads that cannot hide a wrap: half a
 * wrap period, counted in ticks of a TSC running at @floor_khz (a real TSC
 * is faster, so the same gap is even less real time).
 */
static uint64_t wrap_gap_limit(const struct refclock *ref, uint64_t floor_khz)
{
	if (ref->mask == ~0ull)
		return ~0ull;
	return mul_u64_u64_div_u64(ref->mask + 1, floor_khz * 1000, ref->hz * 2);
}

/* Read the counter between two TSC reads; *t0 and *t1 get the bracket. */
static void track_read(struct ref_track *t, uint64_t *t0, uint64_t *t1)
{
	uint64_t raw;

	*t0 = rdtsc_ordered();
	raw = t->ref->read();
	*t1 = rdtsc_ordered();
	if (*t1 - t->raw_tsc > t->max_gap)
		t->lost = true;
	t->count += (raw - t->raw) & t->ref->mask;
	t->raw = raw;
	t->raw_tsc = *t0;
}

static void track_start(struct ref_track *t, const struct refclock *ref, uint64_t floor_khz)
{
	t->ref = ref;
	t->max_gap = wrap_gap_limit(ref, floor_khz);
	t->count = 0;
	t->lost = false;
	t->raw_tsc = rdtsc_ordered();
	t->raw = ref->read();
}

/* The tightest-bracketed of READS_PER_POINT reads. */
static void track_point(struct ref_track *t, struct tsc_point *p)
{
	p->width = ~0ull;
	for (int i = 0; i < READS_PER_POINT; i++) {
		uint64_t t0, t1;

		track_read(t, &t0, &t1);
		if (t1 - t0 < p->width) {
			p->width = t1 - t0;
			p->tsc = t0 + (t1 - t0) / 2;
			p->count = t->count;
		}
	}
}

/*
 * One measurement in progress: NR_POINTS end points spread evenly over the
 * window, taken by meas_step() as the count passes each one's due value.
 * Busy loops, sleeping loops and the timer tick all drive the same steps.
 */
struct tsc_measurement {
	struct ref_track t;
	struct tsc_point p[NR_POINTS];
	unsigned int taken;		/* end points taken so far */
	uint64_t window;		/* in reference ticks */
};

static void meas_start(struct tsc_measurement *m, const struct refclock *ref,
		       unsigned int window_ms, uint64_t floor_khz)
{
	m->window = (uint64_t)window_ms * ref->hz / 1000;
	track_start(&m->t, ref, floor_khz);
	track_point(&m->t, &m->p[0]);
	m->taken = 1;
}

/* Read the reference once, and take the next end point if it is due. True when done. */
static bool meas_step(struct tsc_measurement *m)
{
	uint64_t t0, t1;

	track_read(&m->t, &t0, &t1);
	if (m->t.lost)
		return true;
	if (m->t.count >= m->p[0].count + m->window * m->taken / (NR_POINTS - 1))
		track_point(&m->t, &m->p[m->taken++]);
	return m->taken == NR_POINTS;
}

/* The TSC kHz between the first and the last clean end point; 0 if none fit. */
static uint64_t meas_result(const struct tsc_measurement *m, unsigned int *span_ms)
{
	const struct tsc_point *p = m->p;
	unsigned int first = NR_POINTS, last = 0;
	uint64_t full, dtsc, dref;

	if (m->t.lost || m->taken != NR_POINTS)
		return 0;
	/* Clean end points: bracket within CLEAN_POINT_PPM of the whole window. */
	full = p[NR_POINTS - 1].tsc - p[0].tsc;
	for (unsigned int i = 0; i < NR_POINTS; i++) {
		if (p[i].width > full / (1000000 / CLEAN_POINT_PPM))
			continue;
		if (first == NR_POINTS)
			first = i;
		last = i;
	}
	/* At least half the window between two clean points. */
	if (first == NR_POINTS || last - first < (NR_POINTS - 1) / 2)
		return 0;
	dtsc = p[last].tsc - p[first].tsc;
	dref = p[last].count - p[first].count;
	if (span_ms)
		*span_ms = (unsigned int)(dref * 1000 / m->t.ref->hz);
	return mul_u64_u64_div_u64(dtsc, m->t.ref->hz, dref * 1000);
}

uint64_t tsc_measure(const struct refclock *ref, unsigned int window_ms, uint64_t floor_khz,
		     enum tsc_wait how, unsigned int *span_ms)
{
	struct tsc_measurement m;

	meas_start(&m, ref, window_ms, floor_khz);
	while (!meas_step(&m)) {
		if (how == TSC_WAIT_SLEEP) {
			current()->state = TASK_UNINTERRUPTIBLE;
			schedule_timeout(SLEEP_SLICE_NS);
			current()->state = TASK_RUNNING;
		} else {
			arch_cpu_relax();
		}
	}
	return meas_result(&m, span_ms);
}

/* ---- The PIT ---- */

#define PIT_SAMPLES	4
#define PIT_SAMPLE_US	25000
#define PIT_CLEAN_PPM	4000		/* port reads are slow (tens of us under TCG): 0.4 % */

/*
 * One countdown of PIT_SAMPLE_US: TSC ticks from opening the gate to the
 * output going high. The start is bracketed by the outb that opens the
 * gate; the end lies between the start of the last poll that saw the
 * output low and the end of the first that saw it high. Returns the
 * ticks; *width gets the sum of both brackets. Interrupts are off for the
 * 25 ms, so only the host descheduling the vCPU can stretch a bracket.
 */
static uint64_t pit_sample(uint16_t count, uint64_t *width)
{
	uint64_t a0, a1, low0, b1;
	unsigned long irq = arch_irq_save();	/* no handler between the polls */
	bool high;

	pit_ch2_arm(count);
	a0 = rdtsc_ordered();
	pit_ch2_go();
	a1 = rdtsc_ordered();
	low0 = a1;
	for (;;) {
		uint64_t b0 = rdtsc_ordered();

		high = pit_ch2_expired();
		b1 = rdtsc_ordered();
		if (high)
			break;
		low0 = b0;
	}
	arch_irq_restore(irq);
	*width = (a1 - a0) + (b1 - low0);
	return (low0 + (b1 - low0) / 2) - (a0 + (a1 - a0) / 2);
}

uint64_t tsc_measure_pit(bool *clean)
{
	uint16_t count = (uint16_t)((uint64_t)PIT_SAMPLE_US * PIT_HZ / 1000000);
	uint64_t khz[PIT_SAMPLES], best = 0, best_width_ppm = ~0ull;
	unsigned int n = 0;

	for (int i = 0; i < PIT_SAMPLES; i++) {
		uint64_t width, ticks = pit_sample(count, &width), ppm, k;

		if (!ticks)
			continue;
		k = ticks * PIT_HZ / count / 1000;
		ppm = width * 1000000 / ticks;
		if (ppm < best_width_ppm) {
			best_width_ppm = ppm;
			best = k;
		}
		if (ppm <= PIT_CLEAN_PPM) {	/* insertion sort for the median */
			unsigned int j = n++;

			for (; j > 0 && khz[j - 1] > k; j--)
				khz[j] = khz[j - 1];
			khz[j] = k;
		}
	}
	*clean = n > 0;
	return n ? khz[(n - 1) / 2] : best;	/* no clean sample: the least bad */
}

/* ---- Boot ---- */

static bool khz_sane(uint64_t khz)
{
	return khz >= TSC_MIN_KHZ && khz <= TSC_MAX_KHZ;
}

/* Busy measurement against @ref with a few tries; 0 if all failed. */
static uint64_t measure_boot(const struct refclock *ref, unsigned int *span_ms)
{
	for (int i = 0; i < MEASURE_TRIES; i++) {
		uint64_t khz = tsc_measure(ref, BOOT_WINDOW_MS, TSC_MIN_KHZ, TSC_WAIT_BUSY, span_ms);

		if (khz_sane(khz))
			return khz;
	}
	printk("tsc: could not follow the %s over %u ms; trying the next reference\n",
	       ref->name, BOOT_WINDOW_MS);
	return 0;
}

/* tsc_ref=... on the command line: skip the references better than it. */
static int wanted_rank(void)
{
	static const char *const names[] = { "cpuid", "hpet", "pmtimer", "pit" };
	char want[16];

	if (!cmdline_get("tsc_ref", want, sizeof(want)))
		return 0;
	for (int i = 0; i < 4; i++)
		if (strcmp(want, names[i]) == 0)
			return i;
	printk("tsc: unknown tsc_ref=%s (cpuid, hpet, pmtimer, pit); using the best\n", want);
	return 0;
}

void tsc_calibrate(void)
{
	const struct refclock *hpet = refclock_hpet(), *pm = refclock_pm_timer();
	int rank = wanted_rank();
	uint64_t khz = 0;

	/* Re-checks count against the best counter, whatever set the boot value. */
	cal.ref = hpet && rank <= 1 ? hpet : pm && rank <= 2 ? pm : NULL;
	if (rank <= 0 && khz_sane(khz = refclock_cpuid_tsc_khz())) {
		cal.source = "CPUID 0x15";
	} else if (cal.ref && (khz = measure_boot(cal.ref, &cal.window_ms))) {
		cal.source = cal.ref->name;
	} else if (hpet && cal.ref == hpet && pm && rank <= 2 &&
		   (khz = measure_boot(pm, &cal.window_ms))) {
		cal.ref = pm;
		cal.source = pm->name;
	} else {
		bool clean = false;

		for (int i = 0; i < MEASURE_TRIES && !clean; i++)
			khz = tsc_measure_pit(&clean);
		cal.source = "PIT";
		cal.window_ms = PIT_SAMPLES * PIT_SAMPLE_US / 1000;
	}
	cal.boot_khz = khz;
	clock_init_tsc(khz);
	if (cal.window_ms)
		printk("tsc: %lu kHz calibrated against %s (%u ms window)\n",
		       (unsigned long)khz, cal.source, cal.window_ms);
	else
		printk("tsc: %lu kHz from CPUID 0x15\n", (unsigned long)khz);
	if (!cal.ref)
		printk("tsc: no counting reference clock; the %s value is not re-checked\n",
		       cal.source);
}

/* ---- Re-checks ---- */

/* Log a re-check's result and correct the clock's rate if it is off. */
static long recheck_apply(const struct refclock *ref, uint64_t khz, unsigned int span_ms)
{
	uint64_t old = clock_tsc_khz(), diff;
	bool adjust;

	if (!khz_sane(khz)) {
		printk("tsc: re-check against %s lost the reference %d times; keeping %lu kHz\n",
		       ref->name, MEASURE_TRIES, (unsigned long)old);
		return -EAGAIN;
	}
	diff = khz > old ? khz - old : old - khz;
	adjust = diff * 1000000 > old * TSC_RECHECK_TOLERANCE_PPM;
	if (adjust)
		clock_set_tsc_khz(khz);
	cal.recheck_khz = khz;
	__atomic_add_fetch(&cal.rechecks, 1, __ATOMIC_RELEASE);
	printk("tsc: re-checked against %s over %u ms: %lu kHz (was %lu)%s\n", ref->name,
	       span_ms, (unsigned long)khz, (unsigned long)old,
	       adjust ? "; clock rate corrected" : "");
	return (long)khz;
}

long tsc_recheck(unsigned int window_ms)
{
	const struct refclock *ref = cal.ref;
	uint64_t khz = 0;
	unsigned int span = 0;

	if (!ref || !clock_tsc_khz())
		return -ENODEV;
	for (int i = 0; i < MEASURE_TRIES && !khz_sane(khz); i++)
		khz = tsc_measure(ref, window_ms, clock_tsc_khz() / 2, TSC_WAIT_SLEEP, &span);
	return recheck_apply(ref, khz, span);
}

/*
 * The re-checks after boot run from the timer tick: one reference read per
 * tick (every 10 ms, far more often than any counter wraps) and the end
 * points when due, so no thread, no sleeping and no busy-waiting is needed.
 * Interrupts are off in the tick; nothing else touches `bg`.
 */
static const struct {
	unsigned int at_s, window_ms;
} recheck_plan[] = { { 2, 1000 }, { 10, 2000 } };

static struct {
	struct tsc_measurement m;
	unsigned int next;		/* index into recheck_plan */
	bool running;
	int tries;
} bg;

void tsc_recheck_tick(void)
{
	unsigned int span = 0;
	uint64_t khz;

	if (!cal.ref || bg.next >= sizeof(recheck_plan) / sizeof(recheck_plan[0]))
		return;
	if (!bg.running) {
		if (clock_ns() < recheck_plan[bg.next].at_s * NSEC_PER_SEC)
			return;
		meas_start(&bg.m, cal.ref, recheck_plan[bg.next].window_ms, clock_tsc_khz() / 2);
		bg.running = true;
		return;
	}
	if (!meas_step(&bg.m))
		return;
	bg.running = false;
	khz = meas_result(&bg.m, &span);
	if (!khz_sane(khz) && ++bg.tries < MEASURE_TRIES)
		return;				/* start again on the next tick */
	recheck_apply(cal.ref, khz, span);
	bg.tries = 0;
	bg.next++;
}
