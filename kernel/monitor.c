/*
 * monitor.c - the boot monitor (see monitor.h).
 *
 * A line editor (printable characters, backspace/DEL, Enter) on top of
 * uart_getc(), whose bytes arrive by interrupt; between keystrokes the CPU
 * sleeps in hlt, so an idle monitor costs nothing. Commands are a table of
 * name, help text and handler.
 */
#include "kernel/monitor.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "kernel/watchdog.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/uart.h>

struct command {
	const char *name;
	const char *help;
	void (*fn)(void);
};

static void cmd_help(void);

static void cmd_mem(void)
{
	printk("free %lu KiB of %lu KiB managed\n", pmm_free_pages() * 4,
	       pmm_managed_pages() * 4);
	slab_report();
}

static void cmd_uptime(void)
{
	uint64_t ns = clock_ns();

	printk("up %lu.%03lu s, %lu ticks at %d Hz\n", (unsigned long)(ns / NSEC_PER_SEC),
	       (unsigned long)(ns / 1000000 % 1000), (unsigned long)jiffies_read(), HZ);
}

static void cmd_acpi(void)
{
	printk("ACPI %s: %u CPUs, %u I/O APICs, PM1a %x, S5 %s (%u/%u), reset %s\n",
	       acpi.present ? "present" : "absent", acpi.nr_cpus, acpi.nr_ioapics,
	       acpi.pm1a_cnt, acpi.has_s5 ? "yes" : "no", acpi.slp_typa, acpi.slp_typb,
	       acpi.has_reset_reg ? "yes" : "no");
}

static void cmd_poweroff(void)
{
	printk("Powering off.\n");
	acpi_poweroff();
}

static void cmd_reboot(void)
{
	printk("Restarting.\n");
	acpi_reboot();
}

static const struct command commands[] = {
	{ "help", "list commands", cmd_help },
	{ "mem", "free memory and slab caches", cmd_mem },
	{ "uptime", "time since the clock started", cmd_uptime },
	{ "acpi", "what the ACPI tables said", cmd_acpi },
	{ "poweroff", "switch the machine off (ACPI S5)", cmd_poweroff },
	{ "reboot", "restart the machine", cmd_reboot },
};

static void cmd_help(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(commands); i++)
		printk("  %-10s %s\n", commands[i].name, commands[i].help);
}

static int getc_blocking(void)
{
	int c;

	while ((c = uart_getc()) < 0) {
		touch_softlockup_watchdog();	/* waiting for a key is idling */
		arch_idle();		/* sti; hlt: wake on the next interrupt */
	}
	return c;
}

static void read_line(char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		int c = getc_blocking();

		if (c == '\r' || c == '\n') {
			printk("\n");
			break;
		}
		if ((c == 8 || c == 127) && n > 0) {
			n--;
			printk("\b \b");
		} else if (c >= 32 && c < 127 && n + 1 < size) {
			buf[n++] = (char)c;
			printk("%c", c);
		}
	}
	buf[n] = '\0';
}

void monitor_run(void)
{
	char line[80];

	printk("Pagoda boot monitor: type 'help' (serial console).\n");
	for (;;) {
		printk("pagoda> ");
		read_line(line, sizeof(line));
		if (!line[0])
			continue;
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (strcmp(line, commands[i].name) == 0)
				break;
		if (i < ARRAY_SIZE(commands))
			commands[i].fn();
		else
			printk("unknown command '%s' (try 'help')\n", line);
	}
}
