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
#include "kernel/futex.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/random.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/uapi.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/pgtable.h>
#include <arch/trap.h>

#define MAX_PHNUM	64
#define ELF_ET_DYN_BASE	0x555555554000ul

/*
 * Linux's limits on what execve copies (fs/exec.c): each string at most
 * MAX_ARG_STRLEN bytes with its NUL; all strings and their pointers at
 * most a quarter of RLIMIT_STACK, but not below ARG_MIN_LIMIT (Linux's
 * ARG_MAX) nor above ARG_MAX_LIMIT (3/4 of _STK_LIM). More is E2BIG.
 */
/*
 * Every buffer execve needs is one page from the buddy allocator
 * (page_buf_alloc), never a kmalloc of a page or more, whose slab would
 * take 4 pages at once: exec must work when free memory is fragmented.
 */
static void *page_buf_alloc(void)
{
	struct page *p = alloc_page(0);

	return p ? page_address(p) : NULL;
}

static void page_buf_free(void *buf)
{
	if (buf)
		free_page(virt_to_page(buf));
}

#define MAX_ARG_STRLEN	(32 * PAGE_SIZE)
#define MAX_ARG_STRINGS	0x7fffffffu
#define ARG_MIN_LIMIT	(128ul << 10)
#define ARG_MAX_LIMIT	(6ul << 20)

/*
 * argv or envp: a user array (execve) or a kernel one (starting init),
 * and how many strings it has. The strings are never gathered in the
 * kernel: they go straight from the caller's memory onto the new stack,
 * a page at a time (no allocation above order 0, as on Linux).
 */
struct arg_vec {
	char *const __user *uv;
	char *const *kv;
	unsigned int n;
};

static int arg_get(const struct arg_vec *v, unsigned int i, const char **s)
{
	if (v->kv) {
		*s = v->kv[i];
		return 0;
	}
	return get_user(*s, (const char *const __user *)(v->uv + i)) ? -EFAULT : 0;
}

/* Count @v's strings (a NULL array is empty, as Linux allows). */
static int arg_count(struct arg_vec *v)
{
	const char *s;

	v->n = 0;
	if (!v->uv && !v->kv)
		return 0;
	for (;;) {
		if (arg_get(v, v->n, &s))
			return -EFAULT;
		if (!s)
			return 0;
		if (v->n == MAX_ARG_STRINGS)
			return -E2BIG;
		v->n++;
		if (fatal_signal_pending(current()))
			return -EINTR;
	}
}

/* The length of string @s of @v with its NUL: > MAX_ARG_STRLEN, or 0 on a fault. */
static size_t arg_strlen(const struct arg_vec *v, const char *s)
{
	if (v->kv)
		return strnlen(s, MAX_ARG_STRLEN) + 1;
	return (size_t)strnlen_user((const char __user *)s, MAX_ARG_STRLEN);
}

/* ---- ELF checks ---- */

struct elf_image {		/* one page: page_buf_alloc() */
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHNUM];
	loff_t size;
	uint64_t bias;
	bool exec_stack;
};
_Static_assert(sizeof(struct elf_image) <= PAGE_SIZE, "an ELF image's headers fit a page");

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
			mmap_write_lock(mm);
			r = vm_mmap_region_locked(mm, map_start,
						  ALIGN_UP(file_end, PAGE_SIZE) - map_start, flags, f,
						  p->p_offset >> PAGE_SHIFT, MAP_REGION_FIXED);
			mmap_write_unlock(mm);
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

			mmap_write_lock(mm);
			r = vm_mmap_region_locked(mm, bss, ALIGN_UP(mem_end, PAGE_SIZE) - bss,
						  flags, NULL, 0, MAP_REGION_FIXED);
			mmap_write_unlock(mm);
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

/*
 * Copy the @v->n strings of @v onto the new stack, last first, each below
 * the one before (Linux's copy_strings), through @bounce (one page): a
 * string moves a page at a time, its last byte forced to NUL whatever the
 * caller did to it meanwhile. *@room: bytes the limit still allows.
 * 0, -E2BIG, -EFAULT, -EINTR, -ENOMEM.
 */
static int push_strings(struct stack_builder *sb, const struct arg_vec *v, char *bounce,
			size_t *room)
{
	for (unsigned int i = v->n; i-- > 0; ) {
		const char *s;
		size_t len, done;

		if (fatal_signal_pending(current()))
			return -EINTR;
		cond_resched();
		if (arg_get(v, i, &s) || !s)
			return -EFAULT;		/* the array changed under us */
		len = arg_strlen(v, s);
		if (!len)
			return -EFAULT;
		if (len > MAX_ARG_STRLEN || len > *room)
			return -E2BIG;
		*room -= len;
		sb->sp -= len;
		for (done = len; done; ) {	/* from the end: [off, done) */
			size_t off = done > PAGE_SIZE ? done - PAGE_SIZE : 0;
			size_t n = done - off;

			if (v->kv)
				memcpy(bounce, s + off, n);
			else if (copy_from_user(bounce, (const char __user *)s + off, n))
				return -EFAULT;
			if (done == len)
				bounce[n - 1] = 0;
			if (vm_copy_to(sb->mm, sb->sp + off, bounce, n))
				return -EFAULT;
			done = off;
		}
	}
	return 0;
}

/*
 * Both vectors' strings onto the new stack, envp's above argv's, within
 * Linux's limit for strings and pointers together (see MAX_ARG_STRLEN).
 * 0, -E2BIG, -EFAULT, -EINTR, -ENOMEM.
 */
static int push_arg_strings(struct stack_builder *sb, const struct arg_vec *argv,
			    const struct arg_vec *envp, char *bounce)
{
	unsigned long limit = current()->rlim[RLIMIT_STACK].rlim_cur / 4;
	size_t ptr_size = (MAX(argv->n, 1u) + (size_t)envp->n) * sizeof(void *);
	size_t room;
	int err;

	limit = MIN(MAX(limit, ARG_MIN_LIMIT), ARG_MAX_LIMIT);
	if (limit <= ptr_size)
		return -E2BIG;
	room = limit - ptr_size;
	err = push_strings(sb, envp, bounce, &room);
	return err ? err : push_strings(sb, argv, bounce, &room);
}

/*
 * Write argc, argv[] + NULL, envp[] + NULL upward from @sp on the new
 * stack: each pointer found by walking the strings copied at
 * [@strings, @end) (read back a page at a time into @buf), the pointers
 * written a page at a time from @out. Records the argument and
 * environment ranges in the mm (/proc/PID/cmdline, environ).
 */
struct ptr_writer {
	struct mm *mm;
	uint64_t *out;			/* a page of pointers waiting */
	unsigned int n;
	uint64_t at;			/* where out[0] goes */
	int err;
};

static void ptr_flush(struct ptr_writer *w)
{
	if (w->n && vm_copy_to(w->mm, w->at, w->out, w->n * sizeof(uint64_t)))
		w->err = -EFAULT;
	w->at += w->n * sizeof(uint64_t);
	w->n = 0;
}

static void ptr_put(struct ptr_writer *w, uint64_t p)
{
	w->out[w->n++] = p;
	if (w->n == PAGE_SIZE / sizeof(uint64_t))
		ptr_flush(w);
}

static int write_arg_vectors(struct mm *mm, uint64_t sp, unsigned int argc, unsigned int envc,
			     uint64_t strings, uint64_t end, char *buf, uint64_t *out)
{
	struct ptr_writer w = { .mm = mm, .out = out, .at = sp };
	uint64_t pos = strings, chunk = 0, chunk_len = 0;

	ptr_put(&w, argc);
	mm->arg_start = strings;
	for (unsigned int i = 0; i < argc + envc; i++) {
		if (i == argc) {
			ptr_put(&w, 0);
			mm->arg_end = mm->env_start = pos;
		}
		ptr_put(&w, pos);
		for (;;) {			/* past this string's NUL */
			if (pos >= end)
				return -EFAULT;
			if (pos >= chunk + chunk_len) {
				chunk = pos;
				chunk_len = MIN(end - pos, (uint64_t)PAGE_SIZE);
				vm_copy_from(mm, buf, chunk, chunk_len);
			}
			if (!buf[pos++ - chunk])
				break;
		}
	}
	if (envc == 0) {
		ptr_put(&w, 0);
		mm->arg_end = mm->env_start = pos;
	}
	ptr_put(&w, 0);
	mm->env_end = pos;
	ptr_flush(&w);
	return w.err;
}

/*
 * The new program's stack (see the drawing at the top): the strings from
 * the caller's memory, then the auxiliary vector, the pointer arrays and
 * argc. Returns 0 with *@sp_out, or -E2BIG (past the limit, see
 * MAX_ARG_STRLEN), -EFAULT, -EINTR, -ENOMEM.
 */
static int build_stack(struct mm *mm, struct arg_vec *argv, struct arg_vec *envp,
		       const char *execfn, struct elf_image *im, uint64_t phdr_addr,
		       uint64_t *sp_out)
{
	struct stack_builder sb = { mm, STACK_TOP, 0 };
	uint64_t strings, strings_end, random, platform, fn;
	unsigned int nptrs = argv->n + envp->n;
	char *buf = page_buf_alloc(), *buf2 = page_buf_alloc();
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
	int err = -ENOMEM;

	if (!buf || !buf2)
		goto out;
	fn = push_bytes(&sb, execfn, strlen(execfn) + 1);
	strings_end = sb.sp;
	err = push_arg_strings(&sb, argv, envp, buf);
	if (err)
		goto out;
	strings = sb.sp;
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
	sb.sp -= (1 + (uint64_t)nptrs + 2) * sizeof(uint64_t);
	err = -E2BIG;
	if (sb.sp < STACK_TOP - STACK_SIZE + PAGE_SIZE)
		goto out;
	err = sb.err;
	if (!err)
		err = write_arg_vectors(mm, sb.sp, argv->n, envp->n, strings, strings_end, buf,
					(uint64_t *)buf2);
	*sp_out = sb.sp;
	mm->start_stack = sb.sp;
out:
	page_buf_free(buf);
	page_buf_free(buf2);
	return err;
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
		struct sigaction *sa = &t->sighand->action[i].sa;

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
	t->kthread = false;		/* init: a kernel thread until now */
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
	im = page_buf_alloc();
	if (!im)
		return -ENOMEM;
	err = elf_read_headers(f, im);
	if (!err)
		err = elf_check_segments(im);
	if (err) {
		page_buf_free(im);
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
	mmap_write_lock(mm);
	top = vm_mmap_region_locked(mm, STACK_TOP - STACK_SIZE, STACK_SIZE,
				    VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
				    VM_GROWSDOWN | VM_ACCOUNT | (im->exec_stack ? VM_EXEC : 0),
				    NULL, 0, MAP_REGION_FIXED);
	mmap_write_unlock(mm);
	return top < 0 ? top : 0;
}

/* Replace @t's image with @mm and set the trap frame to enter the program. */
static void exec_commit(struct task *t, struct mm *mm, const char *path,
			struct elf_image *im, uint64_t sp)
{
	struct trap_frame *tf = (struct trap_frame *)((char *)t->kstack + KSTACK_SIZE) - 1;
	struct mm *old;
	unsigned long irq;

	/*
	 * Locks held in the old image die with it: they are marked while
	 * its memory is still ours (Linux's exec_mm_release).
	 */
	futex_exit_robust_list(t);
	/* Swapped under tasklist_lock, as exit clears it (kernel/proc.c). */
	irq = spin_lock_irqsave(&tasklist_lock);
	old = t->mm;
	t->mm = mm;
	spin_unlock_irqrestore(&tasklist_lock, irq);
	vm_activate(t->mm);
	if (old)
		mm_put(old);
	flush_old_state(t, path);
	{
		uint64_t vector = tf->vector, orig = tf->error;

		memset(tf, 0, sizeof(*tf));
		tf->vector = vector;	/* still the execve call's frame, for ptrace */
		tf->error = orig;
	}
	tf->rip = im->eh.e_entry + im->bias;
	tf->rsp = sp;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->rflags = RFLAGS_IF | 0x2;
	proc_exec_done(t);
}

static long do_execve(const char *path, struct arg_vec *argv, struct arg_vec *envp)
{
	struct elf_image *im = NULL;
	struct mm *mm = NULL;
	struct file *f;
	uint64_t sp, phdr_addr;
	long err;

	f = file_open_kernel(path, O_RDONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	err = arg_count(argv);		/* after the lookup, as Linux's order */
	if (!err)
		err = arg_count(envp);
	if (err)
		goto out;
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
	err = build_stack(mm, argv, envp, path, im, phdr_addr, &sp);
	if (err)
		goto out;
	/* The other threads die first (and we may become the leader). */
	err = de_thread(current());
	if (err)
		goto out;
	/* Point of no return: the new image replaces the old one. */
	exec_commit(current(), mm, path, im, sp);
	mm = NULL;
	err = 0;
out:
	if (mm)
		mm_put(mm);
	page_buf_free(im);
	fput(f);
	return err;
}

long kernel_execve(const char *path, char *const argv[], char *const envp[])
{
	static char *const none[] = { NULL };
	struct arg_vec a = { .kv = argv ? argv : none }, e = { .kv = envp ? envp : none };

	return do_execve(path, &a, &e);
}

static long sys_execve(const char __user *upath, char *const __user *argv,
		       char *const __user *envp)
{
	struct arg_vec a = { .uv = argv }, e = { .uv = envp };
	char *path = page_buf_alloc();
	pid_t old_tid = current()->pid;	/* a thread's exec takes the leader's pid */
	long err;

	if (!path)
		return -ENOMEM;
	err = strncpy_from_user(path, upath, PATH_MAX);
	if (err >= 0 && !path[0])
		err = -ENOENT;
	if (err >= 0)
		err = do_execve(path, &a, &e);
	page_buf_free(path);
	if (!err)
		ptrace_exec_notify(old_tid);
	return err;
}
SYSCALL(__NR_execve, sys_execve);
