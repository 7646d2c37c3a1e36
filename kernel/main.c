/*
 * main.c - kmain(), the C entry point, and the order in which Pagoda boots.
 *
 *   boot.S (32-bit -> long mode) -> kmain(magic, mbi_phys)
 *     0. GS -> this CPU's struct cpu (every spinlock counts itself there)
 *     1. serial console, multiboot2 checks and parsing, banner
 *     2. CPU: features, GDT/TSS, IDT (faults are reported from here on)
 *     3. memory: memblock -> kernel page tables (direct map) -> buddy -> slab
 *     4. framebuffer console (replays the boot log)
 *     5. soft-lockup options, then ACPI, local APIC, I/O APIC, timer tick,
 *        serial input interrupt; the other CPUs start and park (smp.c)
 *     6. scheduler (from here on the sleep-in-atomic check may be armed),
 *        system calls, file systems, initramfs
 *     7. in-kernel tests (ktest=...), init, or the boot monitor on the console;
 *        lwIP (kernel/net/net.h) starts before the tests, or just after
 *        init is created (its thread must not take pid 1)
 *
 * Each step only relies on the ones before it; the order is the design.
 */
#include "kernel/cmdline.h"
#include "kernel/fbcon.h"
#include "kernel/futex.h"
#include "kernel/ktest.h"
#include "kernel/lib/multiboot2.h"
#include "kernel/lib/string.h"
#include "kernel/might_sleep.h"
#include "kernel/monitor.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/fs/vfs.h"
#include "kernel/net/socket.h"
#include "mm/fail_alloc.h"
#include "kernel/drivers/blkdev.h"
#include "kernel/drivers/netdev.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/profile.h"
#include "kernel/time.h"
#include "kernel/watchdog.h"
#include "mm/memblock.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/vm.h"
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/smp.h>
#include <arch/tlb.h>
#include "kernel/net/net.h"
#include <arch/pci.h>
#include <arch/pgtable.h>
#include <arch/trap.h>
#include <arch/uart.h>

static struct console uart_console = { .name = "ttyS0", .write = uart_write };
static struct console fb_console = { .name = "fb0", .write = fbcon_write, .replay = true };

struct boot_info boot_info;

/* Without a sane MBI we cannot even find RAM: say so on the serial port. */
static void check_boot(uint32_t magic, uint64_t mbi_phys)
{
	const char *why;
	uint32_t total;

	/* The boot page tables map the first 4 GiB; GRUB puts the MBI low. */
	if (mbi_phys == 0 || mbi_phys >= (4ul << 30) - 4096 || (mbi_phys & 7)) {
		printk("Pagoda: multiboot2 information at bad address 0x%lx "
		       "(magic 0x%x); halting.\n", mbi_phys, magic);
		__noreturn_halt();
	}
	total = *(uint32_t *)phys_to_virt(mbi_phys);
	why = mb2_boot_check(magic, phys_to_virt(mbi_phys), MIN(total, 1u << 20),
			     &boot_info);
	if (why) {
		printk("Pagoda: %s (magic 0x%x, expected 0x%x); halting.\n", why,
		       magic, MB2_BOOTLOADER_MAGIC);
		__noreturn_halt();
	}
}

static void print_banner(void)
{
	uint64_t usable = mb2_mem_total(&boot_info, MB2_MEM_AVAILABLE);
	uint64_t total = 0;

	for (unsigned int i = 0; i < boot_info.nr_mmap; i++)
		if (boot_info.mmap[i].type != MB2_MEM_RESERVED)
			total += boot_info.mmap[i].len;
	printk("Pagoda %s (x86_64) - a teaching kernel - memory %lu MiB total, %lu MiB usable\n",
	       PAGODA_VERSION, total >> 20, usable >> 20);
	printk("boot: loader '%s', command line '%s'\n", boot_info.loader, boot_info.cmdline);
	for (unsigned int i = 0; i < boot_info.nr_mmap; i++) {
		const struct boot_mem_region *r = &boot_info.mmap[i];
		static const char *const types[] = {
			"?", "usable", "reserved", "ACPI reclaimable", "ACPI NVS", "bad",
		};

		printk("  mem %016lx-%016lx %s\n", r->base, r->base + r->len - 1,
		       r->type < ARRAY_SIZE(types) ? types[r->type] : "other");
	}
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		printk("  module %lx-%lx '%s'\n", boot_info.modules[i].start,
		       boot_info.modules[i].end, boot_info.modules[i].cmdline);
}

static void console_fb_init(void)
{
	const struct boot_framebuffer *b = &boot_info.fb;
	struct fb_info fb = {
		.phys = b->addr, .pitch = b->pitch, .width = b->width,
		.height = b->height, .bpp = b->bpp, .type = b->type,
		.red_pos = b->red_pos, .red_size = b->red_size,
		.green_pos = b->green_pos, .green_size = b->green_size,
		.blue_pos = b->blue_pos, .blue_size = b->blue_size,
	};
	uint64_t bytes = (uint64_t)b->pitch * b->height;
	void *va;

	if (!boot_info.has_fb) {
		printk("fb: no framebuffer from the boot loader\n");
		return;
	}
	if (b->type == FB_TYPE_EGA_TEXT)
		bytes = (uint64_t)b->pitch * b->height;
	va = bytes && bytes < (256ul << 20) ? ioremap(b->addr, bytes) : NULL;
	if (!va || fbcon_init(&fb, va)) {
		printk("fb: cannot use the %ux%u %u bpp type %u framebuffer\n",
		       b->width, b->height, b->bpp, b->type);
		return;
	}
	console_register(&fb_console);
	printk("fb: %ux%u %u bpp framebuffer at %lx\n", b->width, b->height, b->bpp, b->addr);
}

static void mem_init(uint64_t mbi_phys)
{
	memblock_init(&boot_info, mbi_phys);
	cpu_enable_features();
	paging_init(&boot_info);
	page_alloc_init();
	fail_alloc_init();
	slab_init();
	profile_init();		/* profile=: counters for the tick profiler */
	vm_init();
	printk("mm: %lu MiB managed by the buddy allocator, %lu MiB free; "
	       "max pfn %lx; NX %s, 1G pages %s, SMEP %s, SMAP %s\n",
	       pmm_managed_pages() >> 8, pmm_free_pages() >> 8, (unsigned long)max_pfn,
	       cpu_features.nx ? "on" : "off", cpu_features.pdpe1gb ? "yes" : "no",
	       cpu_features.smep ? "on" : "off", cpu_features.smap ? "on" : "off");
}

static void interrupts_init(void)
{
	acpi_init(boot_info.rsdp_version ? boot_info.rsdp : NULL, boot_info.rsdp_len);
	lapic_init();
	ioapic_init();
	pci_init();
	lapic_timer_init(HZ);
	uart_enable_irq();
	arch_irq_enable();
}

static bool userland_ready;

/* Scheduler, system calls, file systems and the initramfs from GRUB. */
static void processes_init(void)
{
	time_init_realtime();
	sched_init();
	/* debug_atomic_sleep=1: there is a task to sleep now, interrupts are on. */
	might_sleep_init();
	syscall_init();
	futex_init();
	vfs_init();
	sockfs_init();
	devices_init();
	blkdev_init();
	netdev_init();
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		int err = initramfs_unpack(phys_to_virt(m->start), m->end - m->start);

		if (err) {
			printk("initramfs: module '%s' is not a valid cpio archive (%d)\n",
			       m->cmdline, err);
			continue;
		}
		printk("initramfs: unpacked '%s' (%lu KiB)\n", m->cmdline,
		       (unsigned long)((m->end - m->start) >> 10));
		userland_ready = true;
	}
}

/*
 * Start pid 1: /sbin/init, or init=/path from the command line. As on Linux,
 * words after " -- " on the command line become init's arguments.
 */
static __noreturn void run_init(void)
{
	static char path[128] = "/sbin/init";
	static char args[256];
	static char *argv[16];
	const char *dashes = strstr(cmdline_raw(), " -- ");
	unsigned int argc = 0;

	cmdline_get("init", path, sizeof(path));
	argv[argc++] = path;
	if (dashes) {
		strlcpy(args, dashes + 4, sizeof(args));
		for (char *p = args; *p && argc < ARRAY_SIZE(argv) - 1; ) {
			while (*p == ' ')
				*p++ = 0;
			if (!*p)
				break;
			argv[argc++] = p;
			while (*p && *p != ' ')
				p++;
		}
	}
	argv[argc] = NULL;
	init_exit_quits_qemu = cmdline_has("debugexit");
	printk("boot: starting %s as pid 1\n", path);
	start_init(path, argv);
}

void kmain(uint32_t magic, uint64_t mbi_phys)
{
	uint64_t tsc_at_entry = rdtsc();
	char sel[128];

	percpu_boot_init();
	uart_init();
	console_register(&uart_console);
	check_boot(magic, mbi_phys);
	cmdline_init(boot_info.cmdline);
	/* lockcheck=off: no lock-order checking (the bench image; lock_order.h) */
	lock_order_on = !(cmdline_get("lockcheck", sel, sizeof(sel)) && strcmp(sel, "off") == 0);
	print_banner();

	cpu_detect_features();
	gdt_init();
	trap_init();
	printk("cpu: %s%s%s\n", cpu_features.vendor, cpu_features.brand[0] ? " " : "",
	       cpu_features.brand);
	mem_init(mbi_phys);
	console_fb_init();
	watchdog_init();		/* before the first tick can check */
	interrupts_init();
	tlb_init();
	smp_init();			/* APs start, then wait to schedule (arch/smp.h) */
	if (clock_tsc_khz())
		printk("boot: kernel ready %lu ms after kmain\n",
		       (unsigned long)((rdtsc() - tsc_at_entry) / clock_tsc_khz()));

	processes_init();
	smp_start_scheduling();		/* the APs take tasks from now on */

	if (cmdline_get("ktest", sel, sizeof(sel))) {
		int failed;
		char after[16];

		net_init();		/* (with init, start_init() does it: pid 1 first) */
		failed = ktest_run(sel);

		if (cmdline_get("after_tests", after, sizeof(after))) {
			if (strcmp(after, "poweroff") == 0) {
				printk("Powering off.\n");
				acpi_poweroff();
			} else if (strcmp(after, "reboot") == 0) {
				printk("Restarting.\n");
				acpi_reboot();
			}
		}
		if (cmdline_has("debugexit"))
			arch_qemu_exit(failed ? QEMU_EXIT_FAIL : QEMU_EXIT_PASS);
		printk("ktest: finished; halting.\n");
		__noreturn_halt();
	}
	if (userland_ready)
		run_init();		/* never returns */
	printk("boot: no initramfs module; starting the boot monitor\n");
	monitor_run();
}
