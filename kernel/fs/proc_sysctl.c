/*
 * proc_sysctl.c - /proc/sys: kernel knobs as small text files, as Linux's
 * fs/proc/proc_sysctl.c and kernel/sysctl.c.
 *
 *   /proc/sys/                 (this file's directories)
 *   `-- vm/
 *       |-- max_map_count      VMAs per address space (mm/mmap.c)
 *       |-- mmap_min_addr      lowest user mapping; writing needs CAP_SYS_RAWIO
 *       |-- overcommit_kbytes  \
 *       |-- overcommit_memory   > committed-memory policy (mm/overcommit.c)
 *       `-- overcommit_ratio   /
 *
 * Table-driven: a knob is one row of a directory's table (a struct
 * proc_entry of kind PROC_SYSCTL pointing at a struct ctl_knob), so a new
 * integer knob is one line. Reading gives the value and a newline, taken
 * when the file is opened (procfs.c's buffers). A write is parsed whole,
 * as Linux's proc_dointvec_minmax(): optional blanks, an optional sign,
 * decimal digits, optional trailing blanks/newline; anything else, or a
 * value outside [min, max], is EINVAL and leaves the knob alone.
 *
 * Inode numbers: PROC_SYS_INO for sys/, + 1 for vm/, + 16 + i for the
 * vm/ files: all above the <pid> range of procfs.c.
 */
#include <linux/capability.h>
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/string.h"
#include "mm/overcommit.h"

#define PROC_SYS_VM_INO		(PROC_SYS_INO + 1)
#define PROC_SYS_VM_FILE_INO	(PROC_SYS_INO + 16)
#define SYSCTL_WRITE_MAX	32	/* longer writes are not a number: EINVAL */
#define NO_CAP			(-1)
#define INT_MAX_L		((long)INT32_MAX)	/* proc_dointvec limit */

/* Linux: the ratio and the kbytes exclude each other; setting one clears the other. */
static void ratio_written(long v)
{
	sysctl_overcommit_kbytes = 0;
}

static void kbytes_written(long v)
{
	sysctl_overcommit_ratio = 0;
}

static const struct ctl_knob knob_max_map_count = {
	&sysctl_max_map_count, 0, INT_MAX_L, NO_CAP, NULL };
static const struct ctl_knob knob_mmap_min_addr = {
	&mmap_min_addr, 0, INT64_MAX, CAP_SYS_RAWIO, NULL };
static const struct ctl_knob knob_overcommit_memory = {
	&sysctl_overcommit_memory, OVERCOMMIT_GUESS, OVERCOMMIT_NEVER, NO_CAP, NULL };
static const struct ctl_knob knob_overcommit_ratio = {
	&sysctl_overcommit_ratio, 0, INT_MAX_L, NO_CAP, ratio_written };
static const struct ctl_knob knob_overcommit_kbytes = {
	&sysctl_overcommit_kbytes, 0, INT64_MAX, NO_CAP, kbytes_written };

static const struct proc_entry proc_sys_vm_files[] = {
	{ "max_map_count", PROC_SYSCTL, .knob = &knob_max_map_count, .mode = 0644 },
	{ "mmap_min_addr", PROC_SYSCTL, .knob = &knob_mmap_min_addr, .mode = 0644 },
	{ "overcommit_kbytes", PROC_SYSCTL, .knob = &knob_overcommit_kbytes, .mode = 0644 },
	{ "overcommit_memory", PROC_SYSCTL, .knob = &knob_overcommit_memory, .mode = 0644 },
	{ "overcommit_ratio", PROC_SYSCTL, .knob = &knob_overcommit_ratio, .mode = 0644 },
};

int proc_sysctl_show(struct proc_buf *b, const struct ctl_knob *k)
{
	proc_printf(b, "%ld\n", __atomic_load_n(k->data, __ATOMIC_RELAXED));
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

bool proc_parse_long(const char *s, long *out)
{
	bool neg = false, digits = false;
	unsigned long v = 0;

	while (is_blank(*s))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits = true) {
		if (v > ((unsigned long)INT64_MAX - (unsigned long)(*s - '0')) / 10)
			return false;			/* overflow */
		v = v * 10 + (unsigned long)(*s - '0');
	}
	while (is_blank(*s))
		s++;
	if (!digits || *s)
		return false;
	*out = neg ? -(long)v : (long)v;
	return true;
}

ssize_t proc_sysctl_write(const struct ctl_knob *k, struct fs_buf buf, size_t n)
{
	char text[SYSCTL_WRITE_MAX + 1];
	long v;

	if (k->write_cap != NO_CAP && !capable(k->write_cap))
		return -EPERM;
	if (n > SYSCTL_WRITE_MAX)
		return -EINVAL;
	if (fsbuf_copy_in(text, buf, 0, n))
		return -EFAULT;
	text[n] = 0;
	if (!proc_parse_long(text, &v) || v < k->min || v > k->max)
		return -EINVAL;
	__atomic_store_n(k->data, v, __ATOMIC_RELAXED);
	if (k->written)
		k->written(v);
	return (ssize_t)n;
}

/* ---- the directories (procfs.c's plumbing for a table of files) ---- */

static struct dentry *proc_sys_vm_lookup(struct dentry *parent, const char *name)
{
	return proc_table_lookup(parent, name, proc_sys_vm_files, ARRAY_SIZE(proc_sys_vm_files),
				 0, PROC_SYS_VM_FILE_INO);
}

static int proc_sys_vm_iterate(struct file *f, struct dir_context *ctx)
{
	return proc_table_iterate(f, ctx, proc_sys_vm_files, ARRAY_SIZE(proc_sys_vm_files),
				  PROC_SYS_VM_FILE_INO);
}

static const struct inode_operations proc_sys_vm_iops = {
	.lookup = proc_sys_vm_lookup,
	.iterate = proc_sys_vm_iterate,
	.evict = proc_evict,
};

static struct dentry *proc_sys_lookup(struct dentry *parent, const char *name)
{
	if (!strcmp(name, "vm"))
		return proc_dir_dentry(parent, name, &proc_sys_vm_iops, PROC_SYS_VM_INO);
	return ERR_PTR(-ENOENT);
}

static int proc_sys_iterate(struct file *f, struct dir_context *ctx)
{
	if (!dir_emit_dots(f, ctx))
		return 0;
	if (ctx->pos < DIR_COOKIE_FIRST)
		dir_emit(ctx, "vm", 2, PROC_SYS_VM_INO, DT_DIR, DIR_COOKIE_FIRST);
	return 0;
}

const struct inode_operations proc_sys_iops = {
	.lookup = proc_sys_lookup,
	.iterate = proc_sys_iterate,
	.evict = proc_evict,
};
