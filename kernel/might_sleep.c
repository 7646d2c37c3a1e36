/*
 * might_sleep.c - the report side of the sleep-in-atomic checker (the
 * counting and the inline check are in kernel/might_sleep.h).
 *
 * A report is Linux's wording, so a reader who knows one knows the other:
 *
 *   BUG: sleeping function called from invalid context at mm/usercopy.c:58
 *   in_atomic(): 1, irqs_disabled(): 1, pid: 7, name: sh
 *   atomic count: 0x1 (1 spinlock held, hardirq depth 0)
 *   first spinlock taken at: [<ffffffff80123456>] do_foo+0x4c
 *   locks held:
 *     mm->mmap_lock rank mmap_lock, taken at do_page_fault+0x3a
 *     &pgt->lock rank page-table lock, taken at pte_cursor_lock+0x21
 *   PANIC: might_sleep: sleeping function called from invalid context at ...
 *   Call trace: ...
 *
 * "first spinlock taken at" is where this CPU's spinlock count last went
 * from 0 to 1 (the outermost lock); the locks held are the current task's
 * record (kernel/lock_order.h), which also lists mutexes, since holding a
 * mutex is no reason not to sleep but tells where the task is.
 */
#include "kernel/might_sleep.h"
#include "kernel/cmdline.h"
#include "kernel/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/lock_order.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/task.h"

bool might_sleep_armed;
static bool armed_by_cmdline;		/* debug_atomic_sleep=1 and past sched_init */
static struct might_sleep_report *recorder;	/* the test hook; NULL: panic */

void might_sleep_init(void)
{
	char val[8];

	if (!cmdline_get("debug_atomic_sleep", val, sizeof(val)) || strcmp(val, "1"))
		return;
	armed_by_cmdline = true;
	WRITE_ONCE(might_sleep_armed, true);
	printk("might_sleep: sleep-in-atomic checks on (debug_atomic_sleep=1)\n");
}

void might_sleep_record(struct might_sleep_report *r)
{
	unsigned long irq = arch_irq_save();

	if (r)
		memset(r, 0, sizeof(*r));
	recorder = r;
	WRITE_ONCE(might_sleep_armed, r || armed_by_cmdline);
	arch_irq_restore(irq);
}

static void print_first_spinlock(void)
{
	uint64_t ip = this_cpu_atomic_ip(), off;
	const char *name = ksyms_lookup(ip, &off);

	if (name)
		printk("first spinlock taken at: [<%016lx>] %s+0x%lx\n", ip, name, off);
	else
		printk("first spinlock taken at: [<%016lx>] ?\n", ip);
}

void __might_sleep_report(const char *file, int line)
{
	unsigned int count = atomic_count();
	bool irqs_off = !arch_irqs_enabled();
	struct task *t = current();

	if (panic_in_progress())
		return;
	if (recorder) {
		if (!recorder->nr++) {
			recorder->file = file;
			recorder->line = line;
			recorder->count = count;
			recorder->irqs_disabled = irqs_off;
		}
		return;
	}
	arch_irq_disable();		/* the panic below turns them off anyway */
	printk("BUG: sleeping function called from invalid context at %s:%d\n", file, line);
	printk("in_atomic(): %d, irqs_disabled(): %d, pid: %d, name: %s\n", count != 0,
	       irqs_off, t ? t->pid : 0, t ? t->comm : "(boot)");
	printk("atomic count: 0x%x (%u spinlock%s held, hardirq depth %u)\n", count,
	       count & SPINLOCK_COUNT_MASK, (count & SPINLOCK_COUNT_MASK) == 1 ? "" : "s",
	       count / HARDIRQ_OFFSET);
	if (count & SPINLOCK_COUNT_MASK)
		print_first_spinlock();
	lock_order_print_held(t);
	panic("might_sleep: sleeping function called from invalid context at %s:%d", file, line);
}
