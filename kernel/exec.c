/*
 * exec.c - execve: load a static ELF64 x86-64 program into a fresh address
 * space and build its initial stack (System V x86-64 ABI, 3.4.1):
 *
 *   STACK_TOP  +------------------------------+
 *              | execfn, argv and env strings |
 *              | AT_RANDOM bytes, "x86_64"    |
 *              +------------------------------+  16-byte aligned below
 *              | auxv pairs ... AT_NULL       |
 *              | NULL, envp[n-1] ... envp[0]  |
 *              | NULL, argv[argc-1] .. argv[0]|
 *   rsp ->     | argc                         |
 *              +------------------------------+
 *
 * Both static ET_EXEC and static-PIE ET_DYN (loaded at ELF_ET_DYN_BASE)
 * work; a program that asks for an interpreter (PT_INTERP, dynamic
 * linking) is refused with ENOEXEC. A malformed file fails with ENOEXEC
 * (or EINVAL for impossible segment layouts) before the old image is
 * touched, so a failed execve returns to the caller intact.
 */
#include "kernel/exec.h"
#include "kernel/cred.h"
#include "kernel/errno.h"
#include "kernel/sched.h"
#include "mm/kstack.h"
#include "kernel/fs/vfs.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/random.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/pgtable.h>
#include <arch/trap.h>

#define ARG_BUF_MAX	(128ul << 10)	/* argv + envp strings (musl's ARG_MAX) */
#define MAX_PHNUM	64
#define ELF_ET_DYN_BASE	0x555555554000ul

/* argv/envp gathered into one kernel buffer: "a\0b\0" plus counts. */
struct exec_args {
	char *buf;
	size_t len;
	unsigned int argc, envc;
};

static int args_add(struct exec_args *a, const char *s, size_t n)
{
	if (a->len + n + 1 > ARG_BUF_MAX)
		return -E2BIG;
	memcpy(a->buf + a->len, s, n);
	a->buf[a->len + n] = 0;
	a->len += n + 1;
	return 0;
}

static int args_from_kernel(struct exec_args *a, char *const v[], unsigned int *count)
{
	for (; v && *v; v++, (*count)++) {
		int err = args_add(a, *v, strlen(*v));

		if (err)
			return err;
	}
	return 0;
}

static int args_from_user(struct exec_args *a, char *const __user *v, unsigned int *count)
{
	if (!v)
		return 0;
	for (;; v++, (*count)++) {
		char *p;
		long n;

		if (get_user(p, v))
			return -EFAULT;
		if (!p)
			return 0;
		if (a->len >= ARG_BUF_MAX)
			return -E2BIG;
		n = strncpy_from_user(a->buf + a->len, p, ARG_BUF_MAX - a->len);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		a->len += n + 1;
	}
}

/* ---- ELF checks ---- */

struct elf_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHNUM];
	loff_t size;
	uint64_t bias;
	bool exec_stack;
};

static int elf_read_headers(struct file *f, struct elf_image *im)
{
	Elf64_Ehdr *eh = &im->eh;
	size_t phsize;

	im->size = file_size(f);
	if (kernel_read(f, eh, sizeof(*eh), 0) != sizeof(*eh))
		return -ENOEXEC;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_machine != EM_X86_64 || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum < 1 ||
	    eh->e_phnum > MAX_PHNUM)
		return -ENOEXEC;
	phsize = (size_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > (uint64_t)im->size || phsize > (uint64_t)im->size - eh->e_phoff)
		return -ENOEXEC;
	if (kernel_read(f, im->ph, phsize, eh->e_phoff) != (ssize_t)phsize)
		return -ENOEXEC;
	return 0;
}

static int elf_check_segments(struct elf_image *im)
{
	uint64_t prev_end = 0;
	bool any = false;

	im->bias = im->eh.e_type == ET_DYN ? ELF_ET_DYN_BASE : 0;
	im->exec_stack = false;
	for (unsigned int i = 0; i < im->eh.e_phnum; i++) {
		Elf64_Phdr *p = &im->ph[i];
		uint64_t start, end;

		if (p->p_type == PT_INTERP)
			return -ENOEXEC;		/* dynamic linking: not supported */
		if (p->p_type == PT_GNU_STACK)
			im->exec_stack = p->p_flags & PF_X;
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz || p->p_offset > (uint64_t)im->size ||
		    p->p_filesz > (uint64_t)im->size - p->p_offset)
			return -ENOEXEC;
		if ((p->p_vaddr - p->p_offset) & (PAGE_SIZE - 1))
			return -EINVAL;			/* file and memory pages must line up */
		start = p->p_vaddr + im->bias;
		if (start < p->p_vaddr || p->p_memsz > USER_END || start > USER_END - p->p_memsz)
			return -EINVAL;			/* wraps or leaves user space */
		end = start + p->p_memsz;
		if (ALIGN_DOWN(start, PAGE_SIZE) < USER_MIN || (any && start < prev_end))
			return -EINVAL;			/* below mmap_min_addr, or overlapping */
		prev_end = end;
		any = true;
	}
	if (!any)
		return -ENOEXEC;
	if (im->eh.e_entry + im->bias >= USER_END)
		return -EINVAL;
	return 0;
}

static unsigned long phdr_vm_flags(const Elf64_Phdr *p)
{
	return (p->p_flags & PF_R ? VM_READ : 0) | (p->p_flags & PF_W ? VM_WRITE : 0) |
	       (p->p_flags & PF_X ? VM_EXEC : 0);
}

/*
 * Map the PT_LOAD segments as Linux does: the file part as a private
 * mapping of the executable (so /proc/<pid>/maps names it and the text is
 * shared through the page cache until written), the tail of the last file
 * page zeroed (bss starts mid-page), and the rest of the bss anonymous.
 *
 *   vaddr      filesz end             memsz end
 *   [ file pages ... | zeroed tail ][ anonymous bss pages ]
 *
 * Returns the end of the highest segment, or -errno.
 */
static long elf_load(struct file *f, struct elf_image *im, struct mm *mm,
		     uint64_t *phdr_addr)
{
	uint64_t top = 0;

	*phdr_addr = 0;
	for (unsigned int i = 0; i < im->eh.e_phnum; i++) {
		Elf64_Phdr *p = &im->ph[i];
		uint64_t start = p->p_vaddr + im->bias;
		uint64_t file_end = start + p->p_filesz, mem_end = start + p->p_memsz;
		unsigned long flags = phdr_vm_flags(p) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

		if (flags & VM_WRITE)
			flags |= VM_ACCOUNT;		/* private writable, as mmap */
		uint64_t map_start = ALIGN_DOWN(start, PAGE_SIZE);
		long r;

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz) {
			mmap_lock(mm);
			r = vm_mmap_region_locked(mm, map_start,
						  ALIGN_UP(file_end, PAGE_SIZE) - map_start, flags, f,
						  p->p_offset >> PAGE_SHIFT, MAP_REGION_FIXED);
			mmap_unlock(mm);
			if (r < 0)
				return r;
			/* The rest of the last file page belongs to the bss: zero it. */
			if ((file_end & ~PAGE_MASK) && mem_end > file_end &&
			    vm_copy_to(mm, file_end, NULL,
				       MIN(ALIGN_UP(file_end, PAGE_SIZE), mem_end) - file_end))
				return -ENOMEM;
		}
		if (ALIGN_UP(mem_end, PAGE_SIZE) > ALIGN_UP(file_end, PAGE_SIZE)) {
			uint64_t bss = p->p_filesz ? ALIGN_UP(file_end, PAGE_SIZE) : map_start;

			mmap_lock(mm);
			r = vm_mmap_region_locked(mm, bss, ALIGN_UP(mem_end, PAGE_SIZE) - bss,
						  flags, NULL, 0, MAP_REGION_FIXED);
			mmap_unlock(mm);
			if (r < 0)
				return r;
		}
		/* The program headers, if a segment carries them (for AT_PHDR). */
		if (im->eh.e_phoff >= p->p_offset && im->eh.e_phoff < p->p_offset + p->p_filesz)
			*phdr_addr = start + (im->eh.e_phoff - p->p_offset);
		top = MAX(top, mem_end);
	}
	return (long)top;
}

/* ---- the initial stack ---- */

struct stack_builder {
	struct mm *mm;
	uint64_t sp;
	int err;
};

static uint64_t push_bytes(struct stack_builder *sb, const void *p, size_t n)
{
	sb->sp -= n;
	if (vm_copy_to(sb->mm, sb->sp, p, n))
		sb->err = -ENOMEM;
	return sb->sp;
}

static void push_word(struct stack_builder *sb, uint64_t v)
{
	push_bytes(sb, &v, sizeof(v));
}

/*
 * Fill @ptrs with the user addresses of argv[], NULL, envp[], NULL (the
 * strings start at @strings) and record the argument and environment
 * ranges in @mm.
 */
static void fill_arg_ptrs(struct mm *mm, struct exec_args *a, uint64_t strings,
			  uint64_t *ptrs)
{
	uint64_t s = strings;
	unsigned int k = 0;

	for (unsigned int i = 0; i < a->argc; i++) {
		ptrs[k++] = s;
		s += strlen(a->buf + (s - strings)) + 1;
	}
	ptrs[k++] = 0;
	mm->arg_start = strings;
	mm->arg_end = s;
	mm->env_start = s;
	for (unsigned int i = 0; i < a->envc; i++) {
		ptrs[k++] = s;
		s += strlen(a->buf + (s - strings)) + 1;
	}
	ptrs[k++] = 0;
	mm->env_end = s;
}

/* Push the envp and argv pointer arrays, then argc, onto the new stack. */
static int push_arg_vectors(struct stack_builder *sb, struct exec_args *a, uint64_t strings)
{
	unsigned int nptrs = a->argc + a->envc;
	uint64_t *ptrs;

	ptrs = kmalloc((nptrs + 2) * sizeof(uint64_t), 0);
	if (!ptrs)
		return -ENOMEM;
	fill_arg_ptrs(sb->mm, a, strings, ptrs);
	push_bytes(sb, ptrs + a->argc + 1, (a->envc + 1) * sizeof(uint64_t));
	push_bytes(sb, ptrs, (a->argc + 1) * sizeof(uint64_t));
	push_word(sb, a->argc);
	kfree(ptrs);
	return 0;
}

static int build_stack(struct mm *mm, struct exec_args *a, const char *execfn,
		       struct elf_image *im, uint64_t phdr_addr, uint64_t *sp_out)
{
	struct stack_builder sb = { mm, STACK_TOP, 0 };
	uint64_t strings, random, platform, fn;
	unsigned int nptrs = a->argc + a->envc;
	uint8_t rnd[16];
	uint64_t auxv[][2] = {
		{ AT_PHDR, phdr_addr }, { AT_PHENT, sizeof(Elf64_Phdr) },
		{ AT_PHNUM, im->eh.e_phnum }, { AT_PAGESZ, PAGE_SIZE },
		{ AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, im->eh.e_entry + im->bias },
		{ AT_UID, current()->cred.uid }, { AT_EUID, current()->cred.euid },
		{ AT_GID, current()->cred.gid }, { AT_EGID, current()->cred.egid },
		{ AT_SECURE, 0 }, { AT_HWCAP, cpu_hwcap() }, { AT_CLKTCK, 100 },
		{ AT_RANDOM, 0 }, { AT_PLATFORM, 0 }, { AT_EXECFN, 0 }, { AT_NULL, 0 },
	};
	const unsigned int nauxv = ARRAY_SIZE(auxv);
	int err;

	fn = push_bytes(&sb, execfn, strlen(execfn) + 1);
	strings = push_bytes(&sb, a->buf, a->len);
	get_random_bytes(rnd, sizeof(rnd));
	random = push_bytes(&sb, rnd, sizeof(rnd));
	platform = push_bytes(&sb, "x86_64", 7);
	auxv[nauxv - 4][1] = random;
	auxv[nauxv - 3][1] = platform;
	auxv[nauxv - 2][1] = fn;

	/* argc + argv + NULL + envp + NULL + auxv must leave rsp 16-aligned. */
	sb.sp &= ~15ul;
	if ((1 + nptrs + 2 + nauxv * 2) % 2)
		sb.sp -= 8;
	push_bytes(&sb, auxv, sizeof(auxv));
	err = push_arg_vectors(&sb, a, strings);
	if (err)
		return err;
	if (sb.sp < STACK_TOP - STACK_SIZE + PAGE_SIZE)
		return -E2BIG;
	*sp_out = sb.sp;
	mm->start_stack = sb.sp;
	return sb.err;
}

/* ---- putting it together ---- */

static void flush_old_state(struct task *t, const char *path)
{
	const char *base = path;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	strlcpy(t->comm, base, sizeof(t->comm));
	/* Handlers point into the old image: back to default (ignored stays ignored). */
	for (int i = 0; i < NR_SIGNALS; i++) {
		struct sigaction *sa = &t->sigaction[i].sa;

		if (sa->sa_handler != SIG_IGN)
			sa->sa_handler = SIG_DFL;
		sa->sa_flags = 0;
		sa->sa_mask = 0;
		sa->sa_restorer = NULL;
	}
	memset(&t->altstack, 0, sizeof(t->altstack));
	t->altstack.ss_flags = SS_DISABLE;
	t->clear_child_tid = NULL;
	t->robust_list = NULL;
	t->fs_base = 0;
	arch_set_fs_base(0);
	cred_exec(t);			/* ids kept, capabilities recomputed */
	arch_fpu_init_state(t->fpu);
	arch_fpu_restore(t->fpu);
	if (t->files)
		files_close_on_exec(t->files);
}

/*
 * Check that @f may be executed and read and validate its ELF headers into
 * a newly allocated image, returned in @imp.
 */
static long exec_read_image(struct file *f, struct elf_image **imp)
{
	struct elf_image *im;
	long err;

	if (!file_is_regular(f) || !file_may_exec(f))
		return -EACCES;
	im = kmalloc(sizeof(*im), 0);
	if (!im)
		return -ENOMEM;
	err = elf_read_headers(f, im);
	if (!err)
		err = elf_check_segments(im);
	if (err) {
		kfree(im);
		return err;
	}
	*imp = im;
	return 0;
}

/* Map the program's segments, set up the brk and map the stack VMA into @mm. */
static long exec_map_image(struct file *f, struct elf_image *im, struct mm *mm,
			   uint64_t *phdr_addr)
{
	long top;

	top = elf_load(f, im, mm, phdr_addr);
	if (top < 0)
		return top;
	mm->start_brk = mm->brk = ALIGN_UP((uint64_t)top, PAGE_SIZE);
	mmap_lock(mm);
	top = vm_mmap_region_locked(mm, STACK_TOP - STACK_SIZE, STACK_SIZE,
				    VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
				    VM_GROWSDOWN | VM_ACCOUNT | (im->exec_stack ? VM_EXEC : 0),
				    NULL, 0, MAP_REGION_FIXED);
	mmap_unlock(mm);
	return top < 0 ? top : 0;
}

/* Replace @t's image with @mm and set the trap frame to enter the program. */
static void exec_commit(struct task *t, struct mm *mm, const char *path,
			struct elf_image *im, uint64_t sp)
{
	struct trap_frame *tf = (struct trap_frame *)((char *)t->kstack + KSTACK_SIZE) - 1;
	struct mm *old;

	old = t->mm;
	t->mm = mm;
	vm_activate(t->mm);
	if (old)
		mm_put(old);
	flush_old_state(t, path);
	memset(tf, 0, sizeof(*tf));
	tf->rip = im->eh.e_entry + im->bias;
	tf->rsp = sp;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->rflags = RFLAGS_IF | 0x2;
	proc_exec_done(t);
}

static long do_execve(const char *path, struct exec_args *a)
{
	struct elf_image *im = NULL;
	struct mm *mm = NULL;
	struct file *f;
	uint64_t sp, phdr_addr;
	long err;

	f = file_open_kernel(path, O_RDONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	err = -ENOMEM;
	mm = mm_create();
	if (!mm)
		goto out;
	/* Denied to writers while it runs; a file open for writing: ETXTBSY. */
	err = mm_set_exe_file(mm, f);
	if (err)
		goto out;
	err = exec_read_image(f, &im);
	if (err)
		goto out;
	err = exec_map_image(f, im, mm, &phdr_addr);
	if (err)
		goto out;
	err = build_stack(mm, a, path, im, phdr_addr, &sp);
	if (err)
		goto out;
	/* Point of no return: the new image replaces the old one. */
	exec_commit(current(), mm, path, im, sp);
	mm = NULL;
	err = 0;
out:
	if (mm)
		mm_put(mm);
	kfree(im);
	fput(f);
	return err;
}

long kernel_execve(const char *path, char *const argv[], char *const envp[])
{
	struct exec_args a = { 0 };
	long err;

	a.buf = kmalloc(ARG_BUF_MAX, 0);
	if (!a.buf)
		return -ENOMEM;
	err = args_from_kernel(&a, argv, &a.argc);
	if (!err)
		err = args_from_kernel(&a, envp, &a.envc);
	if (!err)
		err = do_execve(path, &a);
	kfree(a.buf);
	return err;
}

static long sys_execve(const char __user *upath, char *const __user *argv,
		       char *const __user *envp)
{
	struct exec_args a = { 0 };
	char *path;
	long err;

	path = kmalloc(PATH_MAX, 0);
	a.buf = kmalloc(ARG_BUF_MAX, 0);
	err = -ENOMEM;
	if (!path || !a.buf)
		goto out;
	err = strncpy_from_user(path, upath, PATH_MAX);
	if (err >= 0 && !path[0])
		err = -ENOENT;
	if (err >= 0)
		err = args_from_user(&a, argv, &a.argc);
	if (err >= 0)
		err = args_from_user(&a, envp, &a.envc);
	if (err >= 0)
		err = do_execve(path, &a);
out:
	kfree(path);
	kfree(a.buf);
	return err;
}
SYSCALL(__NR_execve, sys_execve);
