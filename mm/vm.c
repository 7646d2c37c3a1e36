/*
 * vm.c - user address spaces: VMAs, demand-zero faults, mmap/munmap/
 * mprotect/brk, and the fork copy (see mm/vm.h for the layout).
 *
 * Page-table entries are created and removed only through the arch
 * contract (arch_map/arch_unmap/arch_protect/arch_walk); a mapped user page
 * is a buddy frame with refcount 1 owned by exactly one mm.
 */
#include "mm/vm.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/page_alloc.h"
#include "kernel/fs/fs.h"
#include "mm/slab.h"
#include <arch/pgtable.h>

static struct kmem_cache *vma_cache, *mm_cache;

static void vm_caches_init(void)
{
	if (vma_cache)
		return;
	vma_cache = kmem_cache_create("vma", sizeof(struct vma), 8);
	mm_cache = kmem_cache_create("mm", sizeof(struct mm), 8);
	if (!vma_cache || !mm_cache)
		panic("vm: no memory for the vma/mm caches");
}

static unsigned int vm_flags_to_mmu(unsigned long f)
{
	unsigned int m = MMU_USER;

	if (f & VM_WRITE)
		m |= MMU_WRITE;
	if (f & VM_EXEC)
		m |= MMU_EXEC;
	return m;
}

struct mm *mm_create(void)
{
	struct mm *mm;

	vm_caches_init();
	mm = kmem_cache_alloc(mm_cache, 0);
	if (!mm)
		return NULL;
	memset(mm, 0, sizeof(*mm));
	mm->pgd = arch_pgd_create();
	if (!mm->pgd) {
		kmem_cache_free(mm_cache, mm);
		return NULL;
	}
	INIT_LIST_HEAD(&mm->vmas);
	mutex_init(&mm->lock);
	mm->refcount = 1;
	mm->mmap_base = STACK_TOP - STACK_SIZE - MMAP_GAP;
	return mm;
}

void vm_activate(struct mm *mm)
{
	arch_switch_pgd(mm->pgd);
}

struct vma *vma_find(struct mm *mm, vaddr_t addr)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, node) {
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

/* First VMA that ends above @addr (contains or follows it), or NULL. */
static struct vma *vma_next_from(struct mm *mm, vaddr_t addr)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, node)
		if (v->end > addr)
			return v;
	return NULL;
}

static void vma_insert(struct mm *mm, struct vma *nv)
{
	struct vma *v;

	list_for_each_entry(v, &mm->vmas, node) {
		if (v->start >= nv->end) {
			list_add_tail(&nv->node, &v->node);	/* before v */
			goto done;
		}
	}
	list_add_tail(&nv->node, &mm->vmas);
done:
	mm->total_vm += (nv->end - nv->start) >> PAGE_SHIFT;
}

/* ---- tearing down pages ---- */

struct unmap_ctx {
	struct mm *mm;
};

static int unmap_one(const struct mmu_mapping *m, void *arg)
{
	struct unmap_ctx *c = arg;

	arch_unmap(c->mm->pgd, m->va, m->size);
	free_page(pfn_to_page(m->pa >> PAGE_SHIFT));
	c->mm->rss--;
	return 0;
}

static void zap_range(struct mm *mm, vaddr_t start, vaddr_t end)
{
	struct unmap_ctx c = { mm };

	arch_walk(mm->pgd, start, end, unmap_one, &c);
}

/* Split @v at @addr (strictly inside); the new VMA is the upper part. */
static int vma_split(struct vma *v, vaddr_t addr)
{
	struct vma *hi = kmem_cache_alloc(vma_cache, 0);

	if (!hi)
		return -ENOMEM;
	*hi = *v;
	hi->start = addr;
	hi->pgoff = v->pgoff + ((addr - v->start) >> PAGE_SHIFT);
	v->end = addr;
	list_add(&hi->node, &v->node);		/* right after v */
	return 0;
}

int vm_unmap(struct mm *mm, vaddr_t start, size_t len)
{
	vaddr_t end = start + len;
	struct vma *v;

	if ((start & ~PAGE_MASK) || !len || start >= USER_END || len > USER_END - start)
		return -EINVAL;
	while ((v = vma_next_from(mm, start)) && v->start < end) {
		if (v->start < start) {
			if (vma_split(v, start))
				return -ENOMEM;
			continue;	/* the upper part is found next time */
		}
		if (v->end > end && vma_split(v, end))
			return -ENOMEM;
		zap_range(mm, v->start, v->end);
		mm->total_vm -= (v->end - v->start) >> PAGE_SHIFT;
		list_del(&v->node);
		kmem_cache_free(vma_cache, v);
	}
	return 0;
}

/* Find [addr, addr+len) free below mmap_base, highest first. */
static vaddr_t find_gap(struct mm *mm, size_t len)
{
	vaddr_t top = mm->mmap_base;
	struct vma *v;

	list_for_each_entry_reverse(v, &mm->vmas, node) {
		if (v->start >= top)
			continue;
		if (v->end <= top - len && top - len >= USER_MIN)
			return top - len;
		top = v->start;
	}
	return top >= len && top - len >= USER_MIN ? top - len : 0;
}

long vm_map_anon(struct mm *mm, vaddr_t start, size_t len, unsigned long vm_flags,
		 bool fixed)
{
	struct vma *v;
	int err;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -EINVAL;
	if (fixed) {
		if ((start & ~PAGE_MASK) || start < USER_MIN || start >= USER_END ||
		    len > USER_END - start)
			return -EINVAL;
		err = vm_unmap(mm, start, len);
		if (err)
			return err;
	} else {
		struct vma *next;

		/* A hint is used when the range is free. */
		start = ALIGN_DOWN(start, PAGE_SIZE);
		next = start >= USER_MIN && start < USER_END && len <= USER_END - start ?
		       vma_next_from(mm, start) : NULL;
		if (!(start >= USER_MIN && start < USER_END && len <= USER_END - start &&
		      (!next || next->start >= start + len)))
			start = find_gap(mm, len);
		if (!start)
			return -ENOMEM;
	}
	v = kmem_cache_alloc(vma_cache, 0);
	if (!v)
		return -ENOMEM;
	v->start = start;
	v->end = start + len;
	v->flags = vm_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	v->pgoff = start >> PAGE_SHIFT;
	vma_insert(mm, v);
	return (long)start;
}

/* ---- faults ---- */

int vm_fault(struct mm *mm, vaddr_t addr, bool write, bool exec)
{
	struct vma *v;
	struct page *p;
	struct mmu_mapping m;
	int err = 0;

	mutex_lock(&mm->lock);
	v = vma_find(mm, addr);
	if (!v) {
		err = -EFAULT;
		goto out;
	}
	if ((write && !(v->flags & VM_WRITE)) || (exec && !(v->flags & VM_EXEC)) ||
	    !(v->flags & (VM_READ | VM_WRITE | VM_EXEC))) {
		err = -EACCES;
		goto out;
	}
	if (arch_query(mm->pgd, addr, &m) == 0)
		goto out;		/* another path mapped it meanwhile */
	p = alloc_page(GFP_ZERO);
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	err = arch_map(mm->pgd, ALIGN_DOWN(addr, PAGE_SIZE), page_to_phys(p), PAGE_SIZE,
		       vm_flags_to_mmu(v->flags));
	if (err) {
		free_page(p);
		goto out;
	}
	mm->rss++;
out:
	mutex_unlock(&mm->lock);
	return err;
}

/* Make sure the page at @va is present and return its kernel address. */
static void *page_for_kernel_write(struct mm *mm, vaddr_t va)
{
	struct mmu_mapping m;

	if (arch_query(mm->pgd, va, &m)) {
		struct page *p = alloc_page(GFP_ZERO);
		struct vma *v = vma_find(mm, va);

		if (!p || !v) {
			if (p)
				free_page(p);
			return NULL;
		}
		if (arch_map(mm->pgd, ALIGN_DOWN(va, PAGE_SIZE), page_to_phys(p), PAGE_SIZE,
			     vm_flags_to_mmu(v->flags))) {
			free_page(p);
			return NULL;
		}
		mm->rss++;
		return (char *)page_address(p) + (va & ~PAGE_MASK);
	}
	return (char *)phys_to_virt(m.pa) + (va - m.va);
}

int vm_copy_to(struct mm *mm, vaddr_t dst, const void *src, size_t n)
{
	const char *s = src;

	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (dst & ~PAGE_MASK));
		char *d = page_for_kernel_write(mm, dst);

		if (!d)
			return -EFAULT;
		if (s) {
			memcpy(d, s, chunk);
			s += chunk;
		} else {
			memset(d, 0, chunk);
		}
		dst += chunk;
		n -= chunk;
	}
	return 0;
}

int vm_copy_from(struct mm *mm, void *dst, vaddr_t src, size_t n)
{
	char *d = dst;

	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (src & ~PAGE_MASK));
		struct mmu_mapping m;

		if (arch_query(mm->pgd, src, &m))
			memset(d, 0, chunk);		/* never touched: reads as zero */
		else
			memcpy(d, (char *)phys_to_virt(m.pa) + (src - m.va), chunk);
		d += chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}

/* ---- fork and exit ---- */

struct copy_ctx {
	struct mm *dst;
	int err;
};

static int copy_one(const struct mmu_mapping *m, void *arg)
{
	struct copy_ctx *c = arg;
	struct page *p = alloc_page(0);

	if (!p)
		return c->err = -ENOMEM;
	memcpy(page_address(p), phys_to_virt(m->pa), PAGE_SIZE);
	if (arch_map(c->dst->pgd, m->va, page_to_phys(p), PAGE_SIZE, m->flags &
		     (MMU_USER | MMU_WRITE | MMU_EXEC))) {
		free_page(p);
		return c->err = -ENOMEM;
	}
	c->dst->rss++;
	return 0;
}

struct mm *mm_dup(struct mm *src)
{
	struct mm *mm = mm_create();
	struct copy_ctx c = { mm, 0 };
	struct vma *v;

	if (!mm)
		return NULL;
	mutex_lock(&src->lock);
	list_for_each_entry(v, &src->vmas, node) {
		struct vma *nv = kmem_cache_alloc(vma_cache, 0);

		if (!nv) {
			c.err = -ENOMEM;
			break;
		}
		*nv = *v;
		list_add_tail(&nv->node, &mm->vmas);
		mm->total_vm += (v->end - v->start) >> PAGE_SHIFT;
		if (arch_walk(src->pgd, v->start, v->end, copy_one, &c))
			break;
	}
	mm->start_brk = src->start_brk;
	mm->brk = src->brk;
	mm->start_stack = src->start_stack;
	mm->mmap_base = src->mmap_base;
	mm->arg_start = src->arg_start;
	mm->arg_end = src->arg_end;
	mm->env_start = src->env_start;
	mm->env_end = src->env_end;
	mutex_unlock(&src->lock);
	if (c.err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

void mm_put(struct mm *mm)
{
	struct vma *v, *n;

	if (__atomic_sub_fetch(&mm->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	list_for_each_entry_safe(v, n, &mm->vmas, node) {
		zap_range(mm, v->start, v->end);
		kmem_cache_free(vma_cache, v);
	}
	arch_pgd_destroy(mm->pgd);
	kmem_cache_free(mm_cache, mm);
}

void mm_stats_kb(struct mm *mm, unsigned long *vsz, unsigned long *rss)
{
	*vsz = mm ? mm->total_vm * (PAGE_SIZE / 1024) : 0;
	*rss = mm ? mm->rss * (PAGE_SIZE / 1024) : 0;
}

/* ---- system calls ---- */

static unsigned long prot_to_vm(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

static long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot,
		     unsigned long flags, long fd, unsigned long off)
{
	struct mm *mm = current()->mm;
	unsigned long type = flags & MAP_TYPE;
	long ret;

	if (!len || (off & ~PAGE_MASK))
		return -EINVAL;
	if (len > USER_END)
		return -ENOMEM;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if ((flags & MAP_FIXED) && (addr & ~PAGE_MASK))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return fd < 0 ? -EBADF : -ENODEV;	/* file mappings: VM issue */
	if (type != MAP_PRIVATE)
		return -EINVAL;				/* shared anon: VM issue */
	mutex_lock(&mm->lock);
	if ((flags & MAP_FIXED_NOREPLACE) && vma_next_from(mm, addr) &&
	    vma_next_from(mm, addr)->start < addr + ALIGN_UP(len, PAGE_SIZE)) {
		mutex_unlock(&mm->lock);
		return -EEXIST;
	}
	ret = vm_map_anon(mm, addr, len, prot_to_vm(prot),
			  flags & (MAP_FIXED | MAP_FIXED_NOREPLACE));
	mutex_unlock(&mm->lock);
	return ret;
}
SYSCALL(__NR_mmap, sys_mmap);

static long sys_munmap(unsigned long addr, unsigned long len)
{
	struct mm *mm = current()->mm;
	long ret;

	if ((addr & ~PAGE_MASK) || !len)
		return -EINVAL;
	mutex_lock(&mm->lock);
	ret = vm_unmap(mm, addr, ALIGN_UP(len, PAGE_SIZE));
	mutex_unlock(&mm->lock);
	return ret;
}
SYSCALL(__NR_munmap, sys_munmap);

struct protect_ctx {
	struct mm *mm;
	unsigned int mmu;
};

static int protect_one(const struct mmu_mapping *m, void *arg)
{
	struct protect_ctx *c = arg;

	arch_protect(c->mm->pgd, m->va, c->mmu);
	return 0;
}

static long sys_mprotect(unsigned long addr, unsigned long len, unsigned long prot)
{
	struct mm *mm = current()->mm;
	vaddr_t end;
	struct vma *v;
	long ret = 0;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	end = addr + len;
	if (end < addr)
		return -ENOMEM;
	if (!len)
		return 0;
	mutex_lock(&mm->lock);
	/* Every page of the range must be mapped (ENOMEM otherwise). */
	for (vaddr_t a = addr; a < end; ) {
		v = vma_find(mm, a);
		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		a = v->end;
	}
	for (vaddr_t a = addr; a < end; ) {
		struct protect_ctx c = { mm, 0 };

		v = vma_find(mm, a);
		if (v->start < a && vma_split(v, a)) {
			ret = -ENOMEM;
			goto out;
		}
		v = vma_find(mm, a);
		if (v->end > end && vma_split(v, end)) {
			ret = -ENOMEM;
			goto out;
		}
		v->flags = (v->flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | prot_to_vm(prot);
		c.mmu = vm_flags_to_mmu(v->flags);
		if (!(v->flags & (VM_READ | VM_WRITE | VM_EXEC)))
			zap_range(mm, v->start, v->end);	/* PROT_NONE: drop pages */
		else
			arch_walk(mm->pgd, v->start, v->end, protect_one, &c);
		a = v->end;
	}
out:
	mutex_unlock(&mm->lock);
	return ret;
}
SYSCALL(__NR_mprotect, sys_mprotect);

static long sys_brk(unsigned long brk)
{
	struct mm *mm = current()->mm;
	vaddr_t old_end, new_end;
	long ret;

	mutex_lock(&mm->lock);
	ret = mm->brk;
	if (brk < mm->start_brk)
		goto out;
	old_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	new_end = ALIGN_UP(brk, PAGE_SIZE);
	if (new_end < old_end) {
		vm_unmap(mm, new_end, old_end - new_end);
	} else if (new_end > old_end) {
		struct vma *next = vma_next_from(mm, old_end);

		if (new_end > mm->mmap_base || (next && next->start < new_end + PAGE_SIZE))
			goto out;
		if (vm_map_anon(mm, old_end, new_end - old_end, VM_READ | VM_WRITE, true) < 0)
			goto out;
	}
	mm->brk = brk;
	ret = brk;
out:
	mutex_unlock(&mm->lock);
	return ret;
}
SYSCALL(__NR_brk, sys_brk);

static long sys_madvise(unsigned long addr, unsigned long len, long advice)
{
	struct mm *mm = current()->mm;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	switch (advice) {
	case MADV_DONTNEED:
		mutex_lock(&mm->lock);
		zap_range(mm, addr, addr + len);	/* anon private: refault as zeros */
		mutex_unlock(&mm->lock);
		return 0;
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
		return 0;
	default:
		return -EINVAL;
	}
}
SYSCALL(__NR_madvise, sys_madvise);

/* procfs (kernel/fs/fs.h): sizes for /proc/<pid>/stat and status. */
void proc_task_vm_kb(struct task *t, unsigned long *vsz, unsigned long *rss)
{
	mm_stats_kb(t->mm, vsz, rss);
}
