/*
 * secretmem_ktest.c - memfd_secret's promise, checked from inside: a secret
 * page is absent from the kernel's direct map (a page-table walk finds no
 * present entry, a fault-safe read of its direct-map address fails instead
 * of reading it), and comes back, zeroed, when freed; the fault path puts
 * a secretmem file's pages out of the map and get_user_pages refuses them.
 */
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "mm/vmstat.h"
#include <arch/pgtable.h>
#include <arch/probe.h>

#define BASE	0x40000000ul
#define SHARED_RW (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_SHARED | VM_MAYSHARE | \
		   VM_LOCKED | VM_DONTDUMP)

/* Is the direct-map page of @p mapped (a walk of the kernel's tables)? */
static bool in_direct_map(struct page *p)
{
	struct mmu_mapping m;

	return arch_query(&kernel_pgt, (vaddr_t)page_address(p), &m) == 0;
}

KTEST(secretmem_page_leaves_direct_map)
{
	unsigned long free_before = pmm_free_pages(), tables = read_vm_stat(NR_DIRECT_MAP_TABLES);
	struct page *p;
	char buf[8];

	p = secret_page_alloc();
	KT_ASSERT(p != NULL);
	KT_ASSERT(page_test_flag(p, PG_secret));
	KT_ASSERT(!in_direct_map(p));
	/* The kernel cannot read it: the probe faults and says so. */
	KT_ASSERT(arch_probe_read(buf, page_address(p), sizeof(buf)) != 0);
	secret_page_restore(p);
	KT_ASSERT(in_direct_map(p));
	KT_ASSERT_EQ(arch_direct_map_page_size(page_to_pfn(p)), PAGE_SIZE);	/* split stays */
	KT_ASSERT_EQ(arch_probe_read(buf, page_address(p), sizeof(buf)), 0);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		KT_ASSERT_EQ(((char *)page_address(p))[i], 0);	/* zeroed */
	put_page(p);
	/* Split tables stay (as on Linux): counted apart. */
	KT_ASSERT_EQ(pmm_free_pages() + read_vm_stat(NR_DIRECT_MAP_TABLES) - tables, free_before);
	return KT_PASS;
}

KTEST(secretmem_fault_and_gup)
{
	unsigned long free_before = pmm_free_pages(), tables = read_vm_stat(NR_DIRECT_MAP_TABLES);
	struct file *f = secretmem_file_create();
	struct mm *mm = mm_create();
	struct mmu_mapping m;
	struct page *p, *got;
	char buf[8];

	KT_ASSERT(!IS_ERR(f) && mm);
	KT_ASSERT_EQ(vfs_truncate(f->inode, 2 * PAGE_SIZE), 0);
	KT_ASSERT_EQ(vfs_truncate(f->inode, 3 * PAGE_SIZE), -EINVAL);	/* once only */
	mmap_write_lock(mm);
	KT_ASSERT_EQ(vm_mmap_region_locked(mm, BASE, 3 * PAGE_SIZE, SHARED_RW, f, 0,
					   MAP_REGION_FIXED), (long)BASE);
	mmap_write_unlock(mm);
	KT_ASSERT_EQ(vm_fault(mm, BASE, FAULT_WRITE), VM_FAULT_OK);
	KT_ASSERT_EQ(arch_query(&mm->pgt, BASE, &m), 0);
	p = pfn_to_page(m.pa >> PAGE_SHIFT);
	KT_ASSERT(page_test_flag(p, PG_secret) && !in_direct_map(p));
	KT_ASSERT(arch_probe_read(buf, page_address(p), sizeof(buf)) != 0);
	KT_ASSERT(!page_test_flag(p, PG_lru));			/* never reclaimed */
	/* get_user_pages refuses it; vm_copy_from reads zeros, not the page. */
	mmap_read_lock(mm);
	KT_ASSERT_EQ(get_user_pages_locked(mm, BASE, 1, 0, &got), -EFAULT);
	KT_ASSERT_EQ(get_user_pages_locked(mm, BASE, 1, GUP_WRITE | GUP_FORCE, &got), -EFAULT);
	mmap_read_unlock(mm);
	memset(buf, 'x', sizeof(buf));
	vm_copy_from(mm, buf, BASE, sizeof(buf));
	KT_ASSERT_EQ(buf[0], 0);
	/* Beyond EOF: SIGBUS. */
	KT_ASSERT_EQ(vm_fault(mm, BASE + 2 * PAGE_SIZE, 0), VM_FAULT_SIGBUS);
	/* The last user gone: the frame is back in the direct map and free. */
	mm_put(mm);
	fput(f);
	KT_ASSERT(in_direct_map(p));
	/* Split tables stay (as on Linux): counted apart. */
	KT_ASSERT_EQ(pmm_free_pages() + read_vm_stat(NR_DIRECT_MAP_TABLES) - tables, free_before);
	return KT_PASS;
}
