/*
 * elf_test.c - execve() of malformed programs must fail cleanly.
 *
 * Each case writes a file into the temp directory (mode 0755 unless the
 * case is about permissions) and execve()s it in a child, which reports
 * errno through its exit status; a child that is killed instead shows up
 * as a signal in the wait status.  The files are variations of one tiny
 * valid program, built by make_elf():
 *
 *	0x00  Elf64_Ehdr  (64 bytes)
 *	0x40  Elf64_Phdr  PT_LOAD: file 0..0x84 -> vaddr 0x400000, R+X
 *	0x78  code        mov $42,%edi; mov $60,%eax; syscall   (exit(42))
 *
 * The expected results are what Linux 6.x does; Linux is the reference:
 * where its answer is "execve succeeds, then the process dies", that is
 * what is asserted, and the comment at the case says so.
 */
#include "utest.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define LOAD_ADDR	0x400000ul
#define CODE_OFF	0x78

static const unsigned char exit42[] = {
	0xbf, 0x2a, 0x00, 0x00, 0x00,	/* mov $42, %edi */
	0xb8, 0x3c, 0x00, 0x00, 0x00,	/* mov $60, %eax (exit) */
	0x0f, 0x05,			/* syscall */
};

struct image {
	union {
		unsigned char bytes[512];
		struct {
			Elf64_Ehdr eh;
			Elf64_Phdr ph[2];
		};
	};
	size_t len;
};

/* The valid program: one PT_LOAD mapping the whole file, entry at code. */
static void make_elf(struct image *im)
{
	Elf64_Ehdr *eh = &im->eh;
	Elf64_Phdr *ph = &im->ph[0];

	memset(im, 0, sizeof(*im));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = LOAD_ADDR + CODE_OFF;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = 0;
	ph->p_vaddr = ph->p_paddr = LOAD_ADDR;
	ph->p_filesz = ph->p_memsz = CODE_OFF + sizeof(exit42);
	ph->p_align = 0x1000;
	memcpy(im->bytes + CODE_OFF, exit42, sizeof(exit42));
	im->len = CODE_OFF + sizeof(exit42);
}

_Static_assert(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) == CODE_OFF,
	       "code follows one program header");

static int write_file(const char *path, const void *data, size_t len,
		      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	if (len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	return chmod(path, mode);
}

/*
 * Run @path in a child.  Returns the wait status; a failed execve is
 * reported as exit status 100 + errno, so it cannot be confused with
 * the program's own exit(42).
 */
static int run(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	char *envp[] = { NULL };
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(100 + errno);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static char *describe(int st)
{
	static char buf[64];

	if (st == -1)
		snprintf(buf, sizeof(buf), "fork/wait failed");
	else if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		snprintf(buf, sizeof(buf), "execve failed: %s",
			 strerror(WEXITSTATUS(st) - 100));
	else if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "ran, exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, sizeof(buf), "status %#x", st);
	return buf;
}

/* Write @im as @name (0755), run it, and expect execve to fail with @err. */
#define EXPECT_EXEC_ERRNO(im, name, err) do {				\
	const char *p_ = ut_path(name);					\
	int st_;							\
	EXPECT(write_file(p_, (im)->bytes, (im)->len, 0755) == 0,	\
	       "write %s: %s", p_, strerror(errno));			\
	st_ = run(p_);							\
	EXPECT(WIFEXITED(st_) && WEXITSTATUS(st_) == 100 + (err),	\
	       "%s; want execve to fail with %s", describe(st_), #err);	\
} while (0)

/* Write @im as @name with @mode and run it, its wait status into @st. */
#define WRITE_AND_RUN(im, name, mode, st) do {				\
	const char *p_ = ut_path(name);					\
	EXPECT(write_file(p_, (im)->bytes, (im)->len, (mode)) == 0,	\
	       "write: %s", strerror(errno));				\
	(st) = run(p_);							\
} while (0)

/* The control case: the unmodified image runs and exits 42. */
static void valid_program_runs(void)
{
	struct image im;
	int st;

	make_elf(&im);
	WRITE_AND_RUN(&im, "good", 0755, st);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 42, "%s; want exit 42",
	       describe(st));
}

static void bad_magic(void)
{
	struct image im;

	make_elf(&im);
	im.eh.e_ident[EI_MAG1] = 'X';
	EXPECT_EXEC_ERRNO(&im, "badmagic", ENOEXEC);
}

/*
 * e_machine must be EM_X86_64.  (Linux does not look at EI_CLASS: a
 * header saying ELFCLASS32 with EM_X86_64 runs, so that is not tested.)
 */
static void wrong_machine(void)
{
	struct image im;

	make_elf(&im);
	im.eh.e_machine = EM_386;
	EXPECT_EXEC_ERRNO(&im, "i386", ENOEXEC);
	make_elf(&im);
	im.eh.e_machine = 0x7777;
	EXPECT_EXEC_ERRNO(&im, "nonsense", ENOEXEC);
}

static void wrong_type(void)
{
	struct image im;

	make_elf(&im);
	im.eh.e_type = ET_REL;
	EXPECT_EXEC_ERRNO(&im, "reloc", ENOEXEC);
}

static void truncated_header(void)
{
	struct image im;

	make_elf(&im);
	im.len = 30;
	EXPECT_EXEC_ERRNO(&im, "trunc30", ENOEXEC);
}

static void bad_phentsize(void)
{
	struct image im;

	make_elf(&im);
	im.eh.e_phentsize = 40;
	EXPECT_EXEC_ERRNO(&im, "phentsize", ENOEXEC);
}

/*
 * The program headers lie past the end of the file.  Linux 6.x answers
 * ENOEXEC (short read in elf_read(); some older kernels said EIO).
 */
static void phoff_beyond_file(void)
{
	struct image im;

	make_elf(&im);
	im.eh.e_phoff = 0x10000;
	EXPECT_EXEC_ERRNO(&im, "phoff", ENOEXEC);
}

/* Linux refuses more than 64 KiB of program headers with ENOEXEC. */
static void too_many_phdrs(void)
{
	struct image im;

	make_elf(&im);
	im.eh.e_phnum = 0xffff;
	EXPECT_EXEC_ERRNO(&im, "phnum", ENOEXEC);
	make_elf(&im);
	im.eh.e_phnum = 0;
	EXPECT_EXEC_ERRNO(&im, "phnum0", ENOEXEC);
}

/*
 * PT_LOAD at a kernel address.  Linux passes the point of no return
 * before it maps segments, so execve "succeeds" and the new process is
 * killed (SIGSEGV) when the mapping fails.  Pagoda checks every segment
 * before it touches the old image, so execve itself fails with EINVAL
 * (the malformed-ELF rule of Pagoda's userland issue).
 */
static void load_in_kernel_space(void)
{
	struct image im;
	int st;

	make_elf(&im);
	im.ph[0].p_vaddr = im.ph[0].p_paddr = 0xffff800000000000ul;
	im.eh.e_entry = 0xffff800000000000ul + CODE_OFF;
	WRITE_AND_RUN(&im, "kaddr", 0755, st);
	if (ut_on_pagoda())
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 100 + EINVAL,
		       "%s; want execve to fail with EINVAL", describe(st));
	else
		EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		       "%s; want killed by SIGSEGV", describe(st));
}

/*
 * Two PT_LOADs covering the same page.  Linux maps them in order with
 * MAP_FIXED, the second replacing the first, and the program runs:
 * assert that it exits 42 like the valid one.  Pagoda refuses overlapping
 * segments as malformed (EINVAL), as its userland issue asks.
 */
static void overlapping_loads(void)
{
	struct image im;
	int st;

	make_elf(&im);
	memmove(im.bytes + CODE_OFF + sizeof(Elf64_Phdr), exit42,
		sizeof(exit42));
	im.eh.e_phnum = 2;
	im.eh.e_entry = LOAD_ADDR + CODE_OFF + sizeof(Elf64_Phdr);
	im.ph[0].p_filesz = im.ph[0].p_memsz =
		CODE_OFF + sizeof(Elf64_Phdr) + sizeof(exit42);
	im.ph[1] = im.ph[0];
	im.ph[1].p_memsz += 0x100;
	im.len = im.ph[0].p_filesz;
	WRITE_AND_RUN(&im, "overlap", 0755, st);
	if (ut_on_pagoda())
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 100 + EINVAL,
		       "%s; want execve to fail with EINVAL", describe(st));
	else
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 42, "%s; want exit 42",
		       describe(st));
}

/* Entry point outside every segment: runs, faults at once (SIGSEGV). */
static void entry_outside_segments(void)
{
	struct image im;
	int st;

	make_elf(&im);
	im.eh.e_entry = 0x10000000ul;
	WRITE_AND_RUN(&im, "entry", 0755, st);
	EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "%s; want killed by SIGSEGV", describe(st));
}

static void empty_file(void)
{
	struct image im;

	memset(&im, 0, sizeof(im));
	im.len = 0;
	EXPECT_EXEC_ERRNO(&im, "empty", ENOEXEC);
}

static void not_executable(void)
{
	struct image im;
	int st;

	make_elf(&im);
	WRITE_AND_RUN(&im, "noexec", 0644, st);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 100 + EACCES,
	       "%s; want EACCES", describe(st));
}

static void directory(void)
{
	int st = run(ut_tmpdir());

	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 100 + EACCES,
	       "%s; want EACCES", describe(st));
}

static void missing_file(void)
{
	int st = run(ut_path("does-not-exist"));

	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 100 + ENOENT,
	       "%s; want ENOENT", describe(st));
}

int main(void)
{
	ut_begin("elf_test");
	ut_tmpdir();
	RUN(valid_program_runs);
	RUN(bad_magic);
	RUN(wrong_machine);
	RUN(wrong_type);
	RUN(truncated_header);
	RUN(bad_phentsize);
	RUN(phoff_beyond_file);
	RUN(too_many_phdrs);
	RUN(load_in_kernel_space);
	RUN(overlapping_loads);
	RUN(entry_outside_segments);
	RUN(empty_file);
	RUN(not_executable);
	RUN(directory);
	RUN(missing_file);
	return ut_end();
}
