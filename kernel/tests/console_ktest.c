/*
 * console_ktest.c - the consoles came up: the framebuffer console is drawing
 * when the boot loader gave a framebuffer, and the kernel command line was
 * read from the multiboot2 information.
 */
#include "kernel/cmdline.h"
#include "kernel/fbcon.h"
#include "kernel/ktest.h"
#include "kernel/lib/multiboot2.h"
#include "kernel/lib/string.h"

extern struct boot_info boot_info;

KTEST(fb_console)
{
	if (!boot_info.has_fb)
		KT_SKIP("the boot loader gave no framebuffer");
	KT_ASSERT(fbcon_active());
	return KT_PASS;
}

KTEST(cmdline_from_loader)
{
	char v[16];

	/* This very test runs because the command line said ktest=... */
	KT_ASSERT(cmdline_get("ktest", v, sizeof(v)));
	KT_ASSERT(strstr(cmdline_raw(), "ktest=") != NULL);
	KT_ASSERT(strcmp(cmdline_raw(), boot_info.cmdline) == 0);
	KT_ASSERT(!cmdline_has("kt"));		/* whole words only */
	KT_ASSERT(boot_info.loader[0] != '\0');
	return KT_PASS;
}
