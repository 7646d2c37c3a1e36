/*
 * secretmem.c - memfd_secret(2): memory that even the kernel cannot read
 * (Linux's mm/secretmem.c).
 *
 * memfd_secret() returns a file of size 0 (set once with ftruncate) that
 * can only be mapped MAP_SHARED. Its pages are allocated at fault time,
 * zeroed, and then taken out of the kernel's direct map, so that the only
 * mapping of the frame left anywhere is the owner's user PTE:
 *
 *   user VA  --PTE-->  frame F  <--X--  direct map (0xffff888000000000 + F)
 *                                        the 4 KiB entry cleared, its
 *                                        1 GiB / 2 MiB page split first
 *                                        (arch_set_direct_map_valid)
 *
 * A kernel path that reads user memory through the direct map would fault
 * on it, so every such path refuses secret memory first:
 * get_user_pages() gives EFAULT (vma_is_secretmem: process_vm_readv,
 * /proc/PID/mem, ptrace, vmsplice), MADV_POPULATE_* EINVAL, MAP_POPULATE
 * and mlock skip it, vm_copy_from() reads zeros. copy_to_user() and
 * copy_from_user() still work on it: they go through the user's own PTE.
 *
 * The pages live in the file's page tree (inode->pages, under pages_lock)
 * until the inode dies - after the last close and the last munmap, since
 * each VMA holds the file - when each is put back into the direct map,
 * zeroed and freed (secretmem_evict). They are never on an LRU list (so
 * never reclaimed or swapped), never migrated, never mapped by
 * fault-around (no map_pages), never in a core dump (VM_DONTDUMP). A
 * mapping is VM_LOCKED from its creation, charged to RLIMIT_MEMLOCK like
 * mlock, and stays locked (munlock leaves it alone, as on Linux).
 *
 * secretmem.enable=0 on the kernel command line makes memfd_secret()
 * return ENOSYS. Unlike Linux 6.1, where it is off unless asked for, it
 * is on by default.
 */
#include "mm/internal.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/uapi.h"
#include "mm/page_alloc.h"
#include "mm/page_tree.h"
#include "mm/shmem.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>

static const struct inode_operations secretmem_iops;
static const struct file_operations secretmem_fops;

/* Is @inode a memfd_secret file? */
bool inode_is_secretmem(const struct inode *inode)
{
	return inode && inode->i_op == &secretmem_iops;
}

/* Frame @p back in the direct map, zeroed (internal.h; the ktest uses it). Never sleeps. */
void secret_page_restore(struct page *p)
{
	/* LAB secretmem BEGIN */
	/* LAB secretmem STUB: memset(page_address(p), 0, PAGE_SIZE); */
	int err = arch_set_direct_map_valid(page_to_pfn(p), true);

	BUG_ON(err);			/* it was in the map when we took it out */
	memset(page_address(p), 0, PAGE_SIZE);
	page_clear_flag(p, PG_secret);
	/* LAB secretmem END */
	p->mapping = NULL;
	mod_vm_stat(NR_SECRETMEM, -1);
}

/*
 * Free secret page @p, which must hold no other reference (no PTE maps it
 * any more; GUP never took it): restored and zeroed first. Never sleeps.
 */
static void secret_page_free(struct page *p)
{
	secret_page_restore(p);
	BUG_ON(page_count(p) != 1);
	put_page(p);
}

/* A new secret page (internal.h): zeroed, then out of the direct map; NULL when out of memory. */
struct page *secret_page_alloc(void)
{
	/*
	 * GFP_NO_PCP: neighbouring frames, so that a few split 2 MiB pages of
	 * the direct map serve many secret pages (page_alloc.h).
	 */
	struct page *p = alloc_page(GFP_ZERO | GFP_RECLAIM | GFP_NO_PCP);

	if (!p)
		return NULL;
	/* LAB secretmem BEGIN */
	/* Splitting a huge direct-map page needs a page-table page. */
	if (arch_set_direct_map_valid(page_to_pfn(p), false)) {
		free_page(p);
		return NULL;
	}
	page_set_flag(p, PG_secret);
	/* LAB secretmem END */
	mod_vm_stat(NR_SECRETMEM, 1);
	return p;
}

/*
 * vm_operations.fault: the page at vmf->pgoff, allocated (and removed
 * from the direct map) on the first fault. SIGBUS at or beyond EOF.
 */
static enum vm_fault_result secretmem_fault(struct vm_fault *vmf)
{
	struct inode *inode = vmf->vma->file->inode;
	struct page *p, *fresh = NULL;
	unsigned long irq;

	for (;;) {
		irq = spin_lock_irqsave(&inode->pages_lock);
		if (vmf->pgoff >= (unsigned long)((inode->size + PAGE_SIZE - 1) >> PAGE_SHIFT)) {
			spin_unlock_irqrestore(&inode->pages_lock, irq);
			if (fresh)
				secret_page_free(fresh);
			return VM_FAULT_SIGBUS;
		}
		p = page_tree_lookup(&inode->pages, vmf->pgoff);
		if (!p && fresh && !page_tree_insert(&inode->pages, vmf->pgoff, fresh)) {
			fresh->mapping = inode;
			fresh->index = vmf->pgoff;
			inode->nr_pages++;
			p = fresh;		/* the tree keeps fresh's own reference */
			fresh = NULL;
		}
		if (p)
			get_page(p);		/* the PTE's */
		spin_unlock_irqrestore(&inode->pages_lock, irq);
		if (p)
			break;
		if (fresh) {			/* no room in the tree */
			secret_page_free(fresh);
			return VM_FAULT_OOM;
		}
		fresh = secret_page_alloc();
		if (!fresh)
			return VM_FAULT_OOM;
	}
	if (fresh)
		secret_page_free(fresh);	/* someone else's came first */
	count_vm_event(FILE_FAULT);
	vmf->page = p;
	vmf->writable = vmf->flags & FAULT_WRITE;
	return VM_FAULT_OK;
}

const struct vm_operations secretmem_vm_ops = {
	.name = NULL,
	.fault = secretmem_fault,	/* no map_pages: never fault-around */
};

/* The last reference to the file's inode: every page back to the direct map. */
static void secretmem_evict(struct inode *inode)
{
	unsigned long index = 0;
	struct page *p;

	while ((p = page_tree_next(&inode->pages, &index))) {
		page_tree_remove(&inode->pages, index);
		secret_page_free(p);
		index++;
	}
	page_tree_truncate(&inode->pages, 0, NULL);	/* the empty nodes */
	inode->nr_pages = 0;
}

/* ftruncate: the size is set once; any later change is EINVAL (Linux's secretmem_setattr). */
static int secretmem_setsize(struct inode *inode, loff_t size)
{
	unsigned long irq;

	if (inode->size)
		return -EINVAL;
	irq = spin_lock_irqsave(&inode->pages_lock);
	inode->size = size;
	spin_unlock_irqrestore(&inode->pages_lock, irq);
	return 0;
}

static const struct inode_operations secretmem_iops = {
	.setsize = secretmem_setsize,
	.evict = secretmem_evict,
	/* no read/write/fallocate: read(2), write(2) & co. fail as on Linux */
};

/*
 * Files: no read/write (EINVAL) and no seeking (ESPIPE, pread too), as
 * Linux's; mmap goes through mm/mmap.c's secretmem checks.
 */
static const struct file_operations secretmem_fops = {};

/*
 * mmap of a secretmem file (called by do_mmap): MAP_SHARED only, never
 * executable (Linux's internal mount is noexec: EPERM, and VM_MAYEXEC is
 * gone so mprotect cannot add it), locked and kept out of core dumps.
 */
int secretmem_mmap_flags(unsigned long type, unsigned long prot, unsigned long *vm_flags)
{
	if (type == MAP_PRIVATE)
		return -EINVAL;
	if (prot & PROT_EXEC)
		return -EPERM;
	*vm_flags = (*vm_flags & ~VM_MAYEXEC) | VM_LOCKED | VM_DONTDUMP;
	return 0;
}

static bool secretmem_enabled(void)
{
	char v[8];

	return !(cmdline_get("secretmem.enable", v, sizeof(v)) && !strcmp(v, "0"));
}

/*
 * A new secretmem file of size 0, open O_RDWR (internal.h): unlinked, so
 * /proc/PID/maps shows "/secretmem (deleted)" as Linux does. File or
 * ERR_PTR(-ENOMEM). May sleep.
 */
struct file *secretmem_file_create(void)
{
	struct inode *inode = tmpfs_new_inode(vfs_root->sb, S_IFREG | 0600, 0);

	if (!inode)
		return ERR_PTR(-ENOMEM);
	inode->i_op = &secretmem_iops;
	inode->fop = &secretmem_fops;
	return open_unlinked_inode(inode, "secretmem", O_RDWR);
}

/* memfd_secret(2): flags may only be O_CLOEXEC (FD_CLOEXEC, 1, is EINVAL too). */
static long sys_memfd_secret(unsigned int flags)
{
	struct file *f;
	int fd;

	if (!secretmem_enabled())
		return -ENOSYS;
	if (flags & ~(unsigned int)O_CLOEXEC)
		return -EINVAL;
	f = secretmem_file_create();
	if (IS_ERR(f))
		return PTR_ERR(f);
	fd = fd_install(f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}
SYSCALL(__NR_memfd_secret, sys_memfd_secret);
