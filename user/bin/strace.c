/*
 * strace.c - /bin/strace: print the system calls a program makes, one per line.
 *
 *	strace [-o FILE] [-s SIZE] PROG [ARGS...]	run PROG under the tracer
 *	strace [-o FILE] [-s SIZE] -p PID		attach to a running process
 *
 * Each system call becomes one line, in the shape strace(1) made familiar:
 *
 *	mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3a1c2e4000
 *	openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
 *	--- SIGUSR1 ---
 *	+++ exited with 7 +++
 *
 * on stderr, or in FILE with -o. Strings and buffers show at most SIZE
 * bytes (default 32), then "...". The exit status is the program's own,
 * or 128 + the signal that killed it.
 *
 * How it works (ptrace(2)): the child asks to be traced (PTRACE_TRACEME),
 * stops itself with SIGSTOP and only then execs PROG, so the tracer sees
 * everything from the execve on. The tracer resumes it with PTRACE_SYSCALL,
 * which stops it again on the way into and on the way out of every system
 * call. PTRACE_O_TRACESYSGOOD marks those stops as SIGTRAP | 0x80, so they
 * cannot be confused with a real SIGTRAP; entry and exit are told apart
 * only by alternation, so the tracer keeps that bit itself. At entry the
 * number is in orig_rax and the arguments in rdi, rsi, rdx, r10, r8, r9
 * (PTRACE_GETREGS); at exit the result is in rax, a negative errno on
 * failure. The tracee's memory (paths, buffers) is read a word at a time
 * with PTRACE_PEEKDATA. Any other stop is a signal about to be delivered:
 * it is printed and handed back to the tracee with the next PTRACE_SYSCALL
 * (passing 0 would discard it).
 *
 * Only the requests Pagoda's ptrace offers are used: TRACEME, ATTACH,
 * DETACH, PEEKDATA, GETREGS, SYSCALL, and SETOPTIONS with TRACESYSGOOD,
 * TRACEEXEC and EXITKILL (no PTRACE_GET_SYSCALL_INFO, no SEIZE). Only the
 * one process is followed: children it forks run untraced. The launched
 * child's own calls between PTRACE_TRACEME and the execve are not shown.
 *
 * Tests: user/tests/strace_test.c runs this program on itself.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_execve	59
#define NR_execveat	322

/* Pagoda's own mremap flags: Linux has neither. */
#define MREMAP_RELOCATE_ANON		8
#define MREMAP_MUST_RELOCATE_ANON	16

/* Linux values newer than musl 1.2.3's headers. */
#define MADV_POPULATE_READ_		22
#define MADV_POPULATE_WRITE_		23
#define MFD_NOEXEC_SEAL_		8
#define MFD_EXEC_			0x10

#define KERNEL_SIGRTMIN		32
#define KERNEL_SIGRTMAX		64

/* The kernel's "restart me" results: never seen by the program itself. */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

/* ---- The system-call table ---- */

/*
 * One entry per x86-64 system call number. @args has one letter per
 * argument, in register order, saying how to print it; its length is the
 * number of arguments shown:
 *
 *	d int		l long		u unsigned	x hex if > 0xffff
 *	X hex		p pointer	o octal		D dirfd (AT_FDCWD)
 *	s C string	w buffer whose length is the next argument
 *	r buffer the kernel fills: shown at exit, as long as the result
 *	v argv array	e envp array (just counted)	S signal number
 *	_ not shown (the high half of a split offset)
 *
 * and the upper-case / other letters of flag_kinds[] below print flags
 * or named values (P mmap prot, M mmap flags, A madvise advice, ...).
 * A NULL @args prints three arguments in hex.
 */
struct sysent {
	const char *name;
	const char *args;
	bool ret_addr;		/* the result is an address: print it in hex */
};

static const struct sysent sysents[] = {
	[0] = { "read", "dru" }, [1] = { "write", "dwu" }, [2] = { "open", "sOo" },
	[3] = { "close", "d" }, [4] = { "stat", "sp" }, [5] = { "fstat", "dp" },
	[6] = { "lstat", "sp" }, [7] = { "poll", "pud" }, [8] = { "lseek", "dlW" },
	[9] = { "mmap", "puPMdX", true }, [10] = { "mprotect", "puP" }, [11] = { "munmap", "pu" },
	[12] = { "brk", "p", true }, [13] = { "rt_sigaction", "Sppu" },
	[14] = { "rt_sigprocmask", "hppu" }, [15] = { "rt_sigreturn", "" },
	[16] = { "ioctl", "dXx" }, [17] = { "pread64", "drul" }, [18] = { "pwrite64", "dwul" },
	[19] = { "readv", "dpd" }, [20] = { "writev", "dpd" }, [21] = { "access", "sK" },
	[22] = { "pipe", "p" }, [23] = { "select", "dpppp" }, [24] = { "sched_yield", "" },
	[25] = { "mremap", "puuRp", true }, [26] = { "msync", "puY" }, [27] = { "mincore", "pup" },
	[28] = { "madvise", "puA" }, [29] = { "shmget", "xux" }, [30] = { "shmat", "dpx", true },
	[31] = { "shmctl", "dxp" }, [32] = { "dup", "d" }, [33] = { "dup2", "dd" },
	[34] = { "pause", "" }, [35] = { "nanosleep", "pp" }, [36] = { "getitimer", "dp" },
	[37] = { "alarm", "u" }, [38] = { "setitimer", "dpp" }, [39] = { "getpid", "" },
	[40] = { "sendfile", "ddpu" }, [41] = { "socket", "ddd" }, [42] = { "connect", "dpu" },
	[43] = { "accept", "dpp" }, [44] = { "sendto", "dwuxpu" }, [45] = { "recvfrom", "druxpp" },
	[46] = { "sendmsg", "dpx" }, [47] = { "recvmsg", "dpx" }, [48] = { "shutdown", "dd" },
	[49] = { "bind", "dpu" }, [50] = { "listen", "dd" }, [51] = { "getsockname", "dpp" },
	[52] = { "getpeername", "dpp" }, [53] = { "socketpair", "dddp" },
	[54] = { "setsockopt", "dddpu" }, [55] = { "getsockopt", "dddpp" },
	[56] = { "clone", "xpppp" }, [57] = { "fork", "" }, [58] = { "vfork", "" },
	[59] = { "execve", "sve" }, [60] = { "exit", "d" }, [61] = { "wait4", "dpxp" },
	[62] = { "kill", "dS" }, [63] = { "uname", "p" }, [64] = { "semget", "xdx" },
	[65] = { "semop", "dpu" }, [66] = { "semctl", "ddxx" }, [67] = { "shmdt", "p" },
	[68] = { "msgget", "xx" }, [69] = { "msgsnd", "dpux" }, [70] = { "msgrcv", "dpulx" },
	[71] = { "msgctl", "dxp" }, [72] = { "fcntl", "ddx" }, [73] = { "flock", "dx" },
	[74] = { "fsync", "d" }, [75] = { "fdatasync", "d" }, [76] = { "truncate", "sl" },
	[77] = { "ftruncate", "dl" }, [78] = { "getdents", "dpu" }, [79] = { "getcwd", "pu" },
	[80] = { "chdir", "s" }, [81] = { "fchdir", "d" }, [82] = { "rename", "ss" },
	[83] = { "mkdir", "so" }, [84] = { "rmdir", "s" }, [85] = { "creat", "so" },
	[86] = { "link", "ss" }, [87] = { "unlink", "s" }, [88] = { "symlink", "ss" },
	[89] = { "readlink", "sru" }, [90] = { "chmod", "so" }, [91] = { "fchmod", "do" },
	[92] = { "chown", "sdd" }, [93] = { "fchown", "ddd" }, [94] = { "lchown", "sdd" },
	[95] = { "umask", "o" }, [96] = { "gettimeofday", "pp" }, [97] = { "getrlimit", "dp" },
	[98] = { "getrusage", "dp" }, [99] = { "sysinfo", "p" }, [100] = { "times", "p" },
	[101] = { "ptrace", "ddpp" }, [102] = { "getuid", "" }, [103] = { "syslog", "dpd" },
	[104] = { "getgid", "" }, [105] = { "setuid", "d" }, [106] = { "setgid", "d" },
	[107] = { "geteuid", "" }, [108] = { "getegid", "" }, [109] = { "setpgid", "dd" },
	[110] = { "getppid", "" }, [111] = { "getpgrp", "" }, [112] = { "setsid", "" },
	[113] = { "setreuid", "dd" }, [114] = { "setregid", "dd" }, [115] = { "getgroups", "dp" },
	[116] = { "setgroups", "dp" }, [117] = { "setresuid", "ddd" },
	[118] = { "getresuid", "ppp" }, [119] = { "setresgid", "ddd" },
	[120] = { "getresgid", "ppp" }, [121] = { "getpgid", "d" }, [122] = { "setfsuid", "d" },
	[123] = { "setfsgid", "d" }, [124] = { "getsid", "d" }, [125] = { "capget", "pp" },
	[126] = { "capset", "pp" }, [127] = { "rt_sigpending", "pu" },
	[128] = { "rt_sigtimedwait", "pppu" }, [129] = { "rt_sigqueueinfo", "dSp" },
	[130] = { "rt_sigsuspend", "pu" }, [131] = { "sigaltstack", "pp" },
	[132] = { "utime", "sp" }, [133] = { "mknod", "sox" }, [134] = { "uselib", "s" },
	[135] = { "personality", "x" }, [136] = { "ustat", "xp" }, [137] = { "statfs", "sp" },
	[138] = { "fstatfs", "dp" }, [139] = { "sysfs", "dxx" }, [140] = { "getpriority", "dd" },
	[141] = { "setpriority", "ddd" }, [142] = { "sched_setparam", "dp" },
	[143] = { "sched_getparam", "dp" }, [144] = { "sched_setscheduler", "ddp" },
	[145] = { "sched_getscheduler", "d" }, [146] = { "sched_get_priority_max", "d" },
	[147] = { "sched_get_priority_min", "d" }, [148] = { "sched_rr_get_interval", "dp" },
	[149] = { "mlock", "pu" }, [150] = { "munlock", "pu" }, [151] = { "mlockall", "G" },
	[152] = { "munlockall", "" }, [153] = { "vhangup", "" }, [154] = { "modify_ldt", "dpu" },
	[155] = { "pivot_root", "ss" }, [156] = { "_sysctl", "p" }, [157] = { "prctl", "dxxxx" },
	[158] = { "arch_prctl", "qp" }, [159] = { "adjtimex", "p" }, [160] = { "setrlimit", "dp" },
	[161] = { "chroot", "s" }, [162] = { "sync", "" }, [163] = { "acct", "s" },
	[164] = { "settimeofday", "pp" }, [165] = { "mount", "sssxp" },
	[166] = { "umount2", "sx" }, [167] = { "swapon", "sx" }, [168] = { "swapoff", "s" },
	[169] = { "reboot", "xxxp" }, [170] = { "sethostname", "wu" },
	[171] = { "setdomainname", "wu" }, [172] = { "iopl", "d" }, [173] = { "ioperm", "xxd" },
	[174] = { "create_module", "su" }, [175] = { "init_module", "pus" },
	[176] = { "delete_module", "sx" }, [177] = { "get_kernel_syms", "p" },
	[178] = { "query_module", "sdpup" }, [179] = { "quotactl", "xsdp" },
	[180] = { "nfsservctl", "xpp" }, [181] = { "getpmsg", NULL }, [182] = { "putpmsg", NULL },
	[183] = { "afs_syscall", NULL }, [184] = { "tuxcall", NULL }, [185] = { "security", NULL },
	[186] = { "gettid", "" }, [187] = { "readahead", "dlu" }, [188] = { "setxattr", "sspux" },
	[189] = { "lsetxattr", "sspux" }, [190] = { "fsetxattr", "dspux" },
	[191] = { "getxattr", "sspu" }, [192] = { "lgetxattr", "sspu" },
	[193] = { "fgetxattr", "dspu" }, [194] = { "listxattr", "spu" },
	[195] = { "llistxattr", "spu" }, [196] = { "flistxattr", "dpu" },
	[197] = { "removexattr", "ss" }, [198] = { "lremovexattr", "ss" },
	[199] = { "fremovexattr", "ds" }, [200] = { "tkill", "dS" }, [201] = { "time", "p" },
	[202] = { "futex", "pxxppx" }, [203] = { "sched_setaffinity", "dup" },
	[204] = { "sched_getaffinity", "dup" }, [205] = { "set_thread_area", "p" },
	[206] = { "io_setup", "up" }, [207] = { "io_destroy", "x" },
	[208] = { "io_getevents", "xllpp" }, [209] = { "io_submit", "xlp" },
	[210] = { "io_cancel", "xpp" }, [211] = { "get_thread_area", "p" },
	[212] = { "lookup_dcookie", "xpu" }, [213] = { "epoll_create", "d" },
	[214] = { "epoll_ctl_old", NULL }, [215] = { "epoll_wait_old", NULL },
	[216] = { "remap_file_pages", "puxxx" }, [217] = { "getdents64", "dpu" },
	[218] = { "set_tid_address", "p" }, [219] = { "restart_syscall", "" },
	[220] = { "semtimedop", "dpup" }, [221] = { "fadvise64", "dlud" },
	[222] = { "timer_create", "dpp" }, [223] = { "timer_settime", "dxpp" },
	[224] = { "timer_gettime", "dp" }, [225] = { "timer_getoverrun", "d" },
	[226] = { "timer_delete", "d" }, [227] = { "clock_settime", "dp" },
	[228] = { "clock_gettime", "dp" }, [229] = { "clock_getres", "dp" },
	[230] = { "clock_nanosleep", "dxpp" }, [231] = { "exit_group", "d" },
	[232] = { "epoll_wait", "dpdd" }, [233] = { "epoll_ctl", "dddp" },
	[234] = { "tgkill", "ddS" }, [235] = { "utimes", "sp" }, [236] = { "vserver", NULL },
	[237] = { "mbind", "pudpux" }, [238] = { "set_mempolicy", "dpu" },
	[239] = { "get_mempolicy", "ppupx" }, [240] = { "mq_open", "sOop" },
	[241] = { "mq_unlink", "s" }, [242] = { "mq_timedsend", "dwuup" },
	[243] = { "mq_timedreceive", "drupp" }, [244] = { "mq_notify", "dp" },
	[245] = { "mq_getsetattr", "dpp" }, [246] = { "kexec_load", "xupx" },
	[247] = { "waitid", "ddpxp" }, [248] = { "add_key", "sspud" },
	[249] = { "request_key", "sssd" }, [250] = { "keyctl", "dxxxx" },
	[251] = { "ioprio_set", "ddx" }, [252] = { "ioprio_get", "dd" },
	[253] = { "inotify_init", "" }, [254] = { "inotify_add_watch", "dsx" },
	[255] = { "inotify_rm_watch", "dd" }, [256] = { "migrate_pages", "dupp" },
	[257] = { "openat", "DsOo" }, [258] = { "mkdirat", "Dso" }, [259] = { "mknodat", "Dsox" },
	[260] = { "fchownat", "Dsdda" }, [261] = { "futimesat", "Dsp" },
	[262] = { "newfstatat", "Dspa" }, [263] = { "unlinkat", "Dsa" },
	[264] = { "renameat", "DsDs" }, [265] = { "linkat", "DsDsa" },
	[266] = { "symlinkat", "sDs" }, [267] = { "readlinkat", "Dsru" },
	[268] = { "fchmodat", "Dso" }, [269] = { "faccessat", "DsK" },
	[270] = { "pselect6", "dppppp" }, [271] = { "ppoll", "puppu" }, [272] = { "unshare", "x" },
	[273] = { "set_robust_list", "pu" }, [274] = { "get_robust_list", "dpp" },
	[275] = { "splice", "dpdpux" }, [276] = { "tee", "ddux" },
	[277] = { "sync_file_range", "dllx" }, [278] = { "vmsplice", "dpux" },
	[279] = { "move_pages", "dupppx" }, [280] = { "utimensat", "Dspa" },
	[281] = { "epoll_pwait", "dpddpu" }, [282] = { "signalfd", "dpu" },
	[283] = { "timerfd_create", "dC" }, [284] = { "eventfd", "u" },
	[285] = { "fallocate", "dxll" }, [286] = { "timerfd_settime", "dxpp" },
	[287] = { "timerfd_gettime", "dp" }, [288] = { "accept4", "dppC" },
	[289] = { "signalfd4", "dpuC" }, [290] = { "eventfd2", "uC" },
	[291] = { "epoll_create1", "C" }, [292] = { "dup3", "ddC" }, [293] = { "pipe2", "pC" },
	[294] = { "inotify_init1", "C" }, [295] = { "preadv", "dpdl" },
	[296] = { "pwritev", "dpdl" }, [297] = { "rt_tgsigqueueinfo", "ddSp" },
	[298] = { "perf_event_open", "pdddx" }, [299] = { "recvmmsg", "dpuxp" },
	[300] = { "fanotify_init", "xx" }, [301] = { "fanotify_mark", "dxxDs" },
	[302] = { "prlimit64", "ddpp" }, [303] = { "name_to_handle_at", "Dsppa" },
	[304] = { "open_by_handle_at", "dpO" }, [305] = { "clock_adjtime", "dp" },
	[306] = { "syncfs", "d" }, [307] = { "sendmmsg", "dpux" }, [308] = { "setns", "dx" },
	[309] = { "getcpu", "ppp" }, [310] = { "process_vm_readv", "dpupux" },
	[311] = { "process_vm_writev", "dpupux" }, [312] = { "kcmp", "dddxx" },
	[313] = { "finit_module", "dsx" }, [314] = { "sched_setattr", "dpx" },
	[315] = { "sched_getattr", "dpux" }, [316] = { "renameat2", "DsDsx" },
	[317] = { "seccomp", "dxp" }, [318] = { "getrandom", "rux" },
	[319] = { "memfd_create", "sF" }, [320] = { "kexec_file_load", "ddusx" },
	[321] = { "bpf", "dpu" }, [322] = { "execveat", "Dsvea" }, [323] = { "userfaultfd", "C" },
	[324] = { "membarrier", "dxd" }, [325] = { "mlock2", "puL" },
	[326] = { "copy_file_range", "dpdpux" }, [327] = { "preadv2", "dpdl_x" },
	[328] = { "pwritev2", "dpdl_x" }, [329] = { "pkey_mprotect", "puPd" },
	[330] = { "pkey_alloc", "xx" }, [331] = { "pkey_free", "d" }, [332] = { "statx", "Dsaxp" },
	[333] = { "io_pgetevents", "xllppp" }, [334] = { "rseq", "puxx" },
	/* 335-423 are unused on x86-64 (the x32 range starts at 512). */
	[424] = { "pidfd_send_signal", "dSpx" }, [425] = { "io_uring_setup", "up" },
	[426] = { "io_uring_enter", "duuxpu" }, [427] = { "io_uring_register", "ddpu" },
	[428] = { "open_tree", "Dsx" }, [429] = { "move_mount", "DsDsx" },
	[430] = { "fsopen", "sx" }, [431] = { "fsconfig", "ddspd" }, [432] = { "fsmount", "dxx" },
	[433] = { "fspick", "Dsx" }, [434] = { "pidfd_open", "dx" }, [435] = { "clone3", "pu" },
	[436] = { "close_range", "uux" }, [437] = { "openat2", "Dspu" },
	[438] = { "pidfd_getfd", "ddx" }, [439] = { "faccessat2", "DsKx" },
	[440] = { "process_madvise", "dpuAx" }, [441] = { "epoll_pwait2", "dpdppu" },
	[442] = { "mount_setattr", "Dsxpu" }, [443] = { "quotactl_fd", "dxdp" },
	[444] = { "landlock_create_ruleset", "pux" }, [445] = { "landlock_add_rule", "ddpx" },
	[446] = { "landlock_restrict_self", "dx" }, [447] = { "memfd_secret", "C" },
	[448] = { "process_mrelease", "dx" }, [449] = { "futex_waitv", "puxpd" },
	[450] = { "set_mempolicy_home_node", "puux" }, [451] = { "cachestat", "dppx" },
	[452] = { "fchmodat2", "Dsoa" }, [453] = { "map_shadow_stack", "pux", true },
	[454] = { "futex_wake", "pxdx" }, [455] = { "futex_wait", "pxxxpd" },
	[456] = { "futex_requeue", "pxdd" }, [457] = { "statmount", "ppux" },
	[458] = { "listmount", "ppux" }, [459] = { "lsm_get_self_attr", "dppx" },
	[460] = { "lsm_set_self_attr", "dpux" }, [461] = { "lsm_list_modules", "ppx" },
	[462] = { "mseal", "pux" },
};

#define NR_SYSENTS	(sizeof(sysents) / sizeof(sysents[0]))

/* ---- Flags and named values ---- */

/*
 * A value is printed by walking a table: an entry matches when
 * (value & mask) == val, prints its name and clears mask from the value.
 * Single bits have mask == val; a field (the access mode in open flags,
 * the mapping type in mmap flags) has a wider mask; a plain enumeration
 * has mask ~0. An entry whose val is 0 must come first in its table, or
 * it would match the cleared remainder. Bits nobody named print as
 * "|0x..", and a value that printed nothing as the table's @zero.
 */
struct flag {
	unsigned long mask, val;
	const char *name;
};

#define BIT(x)		{ x, x, #x }
#define FIELD(m, x)	{ m, x, #x }
#define VAL(x)		{ ~0UL, x, #x }
#define NVAL(v, name)	{ ~0UL, v, name }
#define NBIT(v, name)	{ v, v, name }

static const struct flag prot_flags[] = {
	BIT(PROT_READ), BIT(PROT_WRITE), BIT(PROT_EXEC), BIT(PROT_GROWSDOWN), BIT(PROT_GROWSUP),
	{ 0 }
};

static const struct flag mmap_flags[] = {
	FIELD(MAP_TYPE, MAP_SHARED), FIELD(MAP_TYPE, MAP_PRIVATE),
	FIELD(MAP_TYPE, MAP_SHARED_VALIDATE),
	BIT(MAP_FIXED), BIT(MAP_ANONYMOUS), BIT(MAP_GROWSDOWN), BIT(MAP_DENYWRITE),
	BIT(MAP_EXECUTABLE), BIT(MAP_LOCKED), BIT(MAP_NORESERVE), BIT(MAP_POPULATE),
	BIT(MAP_NONBLOCK), BIT(MAP_STACK), BIT(MAP_HUGETLB), BIT(MAP_SYNC),
	BIT(MAP_FIXED_NOREPLACE),
	{ 0 }
};

static const struct flag madv_values[] = {
	VAL(MADV_NORMAL), VAL(MADV_RANDOM), VAL(MADV_SEQUENTIAL), VAL(MADV_WILLNEED),
	VAL(MADV_DONTNEED), VAL(MADV_FREE), VAL(MADV_REMOVE), VAL(MADV_DONTFORK),
	VAL(MADV_DOFORK), VAL(MADV_MERGEABLE), VAL(MADV_UNMERGEABLE), VAL(MADV_HUGEPAGE),
	VAL(MADV_NOHUGEPAGE), VAL(MADV_DONTDUMP), VAL(MADV_DODUMP), VAL(MADV_WIPEONFORK),
	VAL(MADV_KEEPONFORK), VAL(MADV_COLD), VAL(MADV_PAGEOUT),
	NVAL(MADV_POPULATE_READ_, "MADV_POPULATE_READ"),
	NVAL(MADV_POPULATE_WRITE_, "MADV_POPULATE_WRITE"),
	VAL(MADV_HWPOISON), VAL(MADV_SOFT_OFFLINE),
	{ 0 }
};

static const struct flag mremap_flags[] = {
	BIT(MREMAP_MAYMOVE), BIT(MREMAP_FIXED), BIT(MREMAP_DONTUNMAP),
	BIT(MREMAP_RELOCATE_ANON), BIT(MREMAP_MUST_RELOCATE_ANON),
	{ 0 }
};

/* O_TMPFILE includes O_DIRECTORY and O_SYNC includes O_DSYNC: the wider ones go first. */
static const struct flag open_flags[] = {
	FIELD(3, O_RDONLY), FIELD(3, O_WRONLY), FIELD(3, O_RDWR),
	BIT(O_CREAT), BIT(O_EXCL), BIT(O_NOCTTY), BIT(O_TRUNC), BIT(O_APPEND), BIT(O_NONBLOCK),
	BIT(O_SYNC), BIT(O_DSYNC), BIT(O_DIRECT), BIT(O_LARGEFILE), BIT(O_TMPFILE),
	BIT(O_DIRECTORY), BIT(O_NOFOLLOW), BIT(O_NOATIME), BIT(O_CLOEXEC), BIT(O_PATH),
	{ 0 }
};

/* The *_CLOEXEC and *_NONBLOCK of pipe2, dup3, eventfd2, memfd_secret... equal O_'s. */
static const struct flag fd_flags[] = {
	BIT(O_NONBLOCK), BIT(O_CLOEXEC),
	{ 0 }
};

static const struct flag memfd_flags[] = {
	BIT(MFD_CLOEXEC), BIT(MFD_ALLOW_SEALING), BIT(MFD_HUGETLB),
	NBIT(MFD_NOEXEC_SEAL_, "MFD_NOEXEC_SEAL"), NBIT(MFD_EXEC_, "MFD_EXEC"),
	{ 0 }
};

static const struct flag mlock2_flags[] = { BIT(MLOCK_ONFAULT), { 0 } };
static const struct flag mlockall_flags[] = {
	BIT(MCL_CURRENT), BIT(MCL_FUTURE), BIT(MCL_ONFAULT), { 0 }
};
static const struct flag msync_flags[] = {
	BIT(MS_ASYNC), BIT(MS_INVALIDATE), BIT(MS_SYNC), { 0 }
};

static const struct flag at_flags[] = {
	BIT(AT_SYMLINK_NOFOLLOW), BIT(AT_REMOVEDIR), BIT(AT_SYMLINK_FOLLOW),
	BIT(AT_NO_AUTOMOUNT), BIT(AT_EMPTY_PATH),
	{ 0 }
};

static const struct flag access_modes[] = {
	BIT(R_OK), BIT(W_OK), BIT(X_OK), { 0 }
};
static const struct flag whence_values[] = {
	VAL(SEEK_SET), VAL(SEEK_CUR), VAL(SEEK_END), { 0 }
};
static const struct flag sigmask_how[] = {
	VAL(SIG_BLOCK), VAL(SIG_UNBLOCK), VAL(SIG_SETMASK), { 0 }
};
static const struct flag arch_prctl_codes[] = {
	NVAL(0x1001, "ARCH_SET_GS"), NVAL(0x1002, "ARCH_SET_FS"),
	NVAL(0x1003, "ARCH_GET_FS"), NVAL(0x1004, "ARCH_GET_GS"),
	{ 0 }
};

/* The argument letters printed from a table, and what 0 prints as. */
static const struct flag_kind {
	char letter;
	const struct flag *table;
	const char *zero;
} flag_kinds[] = {
	{ 'P', prot_flags, "PROT_NONE" },	{ 'M', mmap_flags, "0" },
	{ 'A', madv_values, "0" },		{ 'R', mremap_flags, "0" },
	{ 'O', open_flags, "0" },		{ 'C', fd_flags, "0" },
	{ 'F', memfd_flags, "0" },		{ 'L', mlock2_flags, "0" },
	{ 'G', mlockall_flags, "0" },		{ 'Y', msync_flags, "0" },
	{ 'a', at_flags, "0" },			{ 'K', access_modes, "F_OK" },
	{ 'W', whence_values, "0" },		{ 'h', sigmask_how, "0" },
	{ 'q', arch_prctl_codes, "0" },
	{ 0 }
};

/* ---- Names of errors and signals ---- */

#define E(x)	[x] = #x
static const char *const errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
	E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE),
	E(EMFILE), E(ENOTTY), E(ETXTBSY), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK),
	E(EPIPE), E(EDOM), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
	E(EOVERFLOW), E(ENOTSOCK), E(EOPNOTSUPP), E(EADDRINUSE), E(ETIMEDOUT),
	E(ECONNREFUSED),
};
#undef E

#define S(x)	[x] = #x
static const char *const signal_names[] = {
	S(SIGHUP), S(SIGINT), S(SIGQUIT), S(SIGILL), S(SIGTRAP), S(SIGABRT), S(SIGBUS),
	S(SIGFPE), S(SIGKILL), S(SIGUSR1), S(SIGSEGV), S(SIGUSR2), S(SIGPIPE), S(SIGALRM),
	S(SIGTERM), S(SIGSTKFLT), S(SIGCHLD), S(SIGCONT), S(SIGSTOP), S(SIGTSTP), S(SIGTTIN),
	S(SIGTTOU), S(SIGURG), S(SIGXCPU), S(SIGXFSZ), S(SIGVTALRM), S(SIGPROF), S(SIGWINCH),
	S(SIGIO), S(SIGPWR), S(SIGSYS),
};
#undef S

/*
 * "SIGSEGV"; the real-time ones by the kernel's numbering (musl's own
 * SIGRTMIN is 35, after the three it keeps for itself): "SIGRTMIN",
 * "SIGRT_3"; else "SIG99". The result may be in a static buffer.
 */
static const char *signame(int sig)
{
	static char buf[16];

	if (sig > 0 && sig < (int)(sizeof(signal_names) / sizeof(signal_names[0])) &&
	    signal_names[sig])
		return signal_names[sig];
	if (sig == KERNEL_SIGRTMIN)
		return "SIGRTMIN";
	if (sig > KERNEL_SIGRTMIN && sig <= KERNEL_SIGRTMAX)
		snprintf(buf, sizeof(buf), "SIGRT_%d", sig - KERNEL_SIGRTMIN);
	else
		snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

/* ---- The traced process ---- */

struct tracee {
	pid_t pid;
	bool in_syscall;	/* between the entry stop and the exit stop */
	bool printing;		/* this system call is being shown */
	bool before_exec;	/* launched: hide our own calls until PROG's execve */
	bool eat_sigstop;	/* attached: the SIGSTOP PTRACE_ATTACH sent is still due */
	int stop_sig;		/* a stopping signal just passed on: a group-stop follows */
	unsigned long nr;	/* the system call, from orig_rax at entry */
	unsigned long args[6];
	int next_arg;		/* first argument left for the exit stop, or -1 */
	int shown;		/* arguments printed so far on this line */
};

static FILE *out;
static size_t strsize = 32;
static volatile sig_atomic_t interrupted;

/* ---- Reading the tracee's memory ---- */

/*
 * Copy up to @len bytes at @addr in the tracee into @buf and return how
 * many could be read. PTRACE_PEEKDATA returns one word; reading aligned
 * words means a word never straddles a mapped and an unmapped page.
 */
static size_t peek(pid_t pid, unsigned long addr, void *buf, size_t len)
{
	unsigned char *dst = buf;
	size_t done = 0;

	while (done < len) {
		unsigned long a = addr + done, base = a & ~7UL;
		size_t off = a - base, n = 8 - off;
		long word;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, (void *)base, NULL);
		if (word == -1 && errno)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(dst + done, (unsigned char *)&word + off, n);
		done += n;
	}
	return done;
}

/*
 * Read the NUL-terminated string at @addr into @buf (room for @max bytes,
 * not terminated). Returns its length, @max + 1 if it is longer than
 * that, or -1 if the tracee's memory cannot be read.
 */
static long peek_string(pid_t pid, unsigned long addr, char *buf, size_t max)
{
	size_t len = 0;

	while (len <= max) {
		char word[8];
		size_t n = 8 - ((addr + len) & 7);

		if (peek(pid, addr + len, word, n) != n)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (word[i] == 0)
				return len;
			if (len == max)
				return max + 1;
			buf[len++] = word[i];
		}
	}
	return len;
}

/* ---- Printing arguments ---- */

/* @n bytes in double quotes, with C escapes for the unprintable ones. */
static void print_quoted(const unsigned char *s, size_t n)
{
	static const char esc_from[] = "\"\\\n\t\r\v\f", esc_to[] = "\"\\ntrvf";

	putc('"', out);
	for (size_t i = 0; i < n; i++) {
		const char *e = s[i] ? strchr(esc_from, s[i]) : NULL;

		if (e)
			fprintf(out, "\\%c", esc_to[e - esc_from]);
		else if (isprint(s[i]))
			putc(s[i], out);
		else if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7')
			fprintf(out, "\\%03o", s[i]);	/* full width: a digit follows */
		else
			fprintf(out, "\\%o", s[i]);
	}
	putc('"', out);
}

static void print_ptr(unsigned long v)
{
	if (v)
		fprintf(out, "%#lx", v);
	else
		fputs("NULL", out);
}

/* The string at @addr, "..." after it when longer than strsize. */
static void print_string(struct tracee *t, unsigned long addr)
{
	char buf[strsize + 1];
	long len;

	if (!addr) {
		fputs("NULL", out);
		return;
	}
	len = peek_string(t->pid, addr, buf, strsize);
	if (len < 0) {
		print_ptr(addr);	/* unreadable: show where it pointed */
		return;
	}
	print_quoted((unsigned char *)buf, len > (long)strsize ? strsize : (size_t)len);
	if (len > (long)strsize)
		fputs("...", out);
}

/* @len bytes at @addr (a write's data, a read's result), at most strsize of them. */
static void print_buffer(struct tracee *t, unsigned long addr, unsigned long len)
{
	unsigned char buf[strsize + 1];
	size_t n = len > strsize ? strsize : len;

	if (!addr || peek(t->pid, addr, buf, n) != n) {
		print_ptr(addr);
		return;
	}
	print_quoted(buf, n);
	if (len > n)
		fputs("...", out);
}

/* An argv array: ["a", "b", ...], at most 8 strings. */
static void print_argv(struct tracee *t, unsigned long addr)
{
	unsigned long p;
	int i;

	if (!addr) {
		fputs("NULL", out);
		return;
	}
	putc('[', out);
	for (i = 0;; i++) {
		if (peek(t->pid, addr + i * 8, &p, 8) != 8 || !p)
			break;
		if (i)
			fputs(", ", out);
		if (i == 8) {
			fputs("...", out);
			break;
		}
		print_string(t, p);
	}
	putc(']', out);
}

/* An environment array is only counted: its address, then a comment with the count. */
static void print_envp(struct tracee *t, unsigned long addr)
{
	unsigned long p;
	int n = 0;

	print_ptr(addr);
	if (!addr)
		return;
	while (n < 100000 && peek(t->pid, addr + n * 8, &p, 8) == 8 && p)
		n++;
	fprintf(out, " /* %d var%s */", n, n == 1 ? "" : "s");
}

static void print_flags(unsigned long v, const struct flag *f, const char *zero)
{
	bool any = false;

	for (; f->name; f++) {
		if ((v & f->mask) != f->val)
			continue;
		fprintf(out, "%s%s", any ? "|" : "", f->name);
		v &= ~f->mask;
		any = true;
	}
	if (v)
		fprintf(out, "%s%#lx", any ? "|" : "", v);
	else if (!any)
		fputs(zero, out);
}

/* A number the way strace shows one it knows nothing about. */
static void print_num(unsigned long v)
{
	if (v > 0xffff)
		fprintf(out, "%#lx", v);
	else
		fprintf(out, "%lu", v);
}

/*
 * Print argument @i of the current call as @kind says (see struct sysent;
 * @rv is the result when exiting). Returns true when the rest is not
 * shown: the mode of open() only matters with O_CREAT or O_TMPFILE, the
 * new address of mremap() only with MREMAP_FIXED.
 */
static bool print_arg(struct tracee *t, int i, char kind, long rv)
{
	unsigned long v = t->args[i];
	const struct flag_kind *fk;

	switch (kind) {
	case 'd': fprintf(out, "%d", (int)v); break;
	case 'l': fprintf(out, "%ld", (long)v); break;
	case 'u': fprintf(out, "%lu", v); break;
	case 'x': print_num(v); break;
	case 'X': fprintf(out, v ? "%#lx" : "%lu", v); break;
	case 'p': print_ptr(v); break;
	case 'o': fprintf(out, "%#lo", v); break;
	case 's': print_string(t, v); break;
	case 'v': print_argv(t, v); break;
	case 'e': print_envp(t, v); break;
	case 'S': fputs(signame((int)v), out); break;
	case 'w': print_buffer(t, v, i < 5 ? t->args[i + 1] : 0); break;
	case 'r':
		if (rv < 0)
			print_ptr(v);
		else
			print_buffer(t, v, rv);
		break;
	case 'D':
		if ((int)v == AT_FDCWD)
			fputs("AT_FDCWD", out);
		else
			fprintf(out, "%d", (int)v);
		break;
	default:
		for (fk = flag_kinds; fk->letter && fk->letter != kind; fk++)
			;
		if (fk->letter)
			print_flags(v, fk->table, fk->zero);
		else
			print_num(v);
	}
	if (kind == 'O')
		return !(v & O_CREAT) && (v & O_TMPFILE) != O_TMPFILE;
	if (kind == 'R')
		return !(v & MREMAP_FIXED);
	return false;
}

static const struct sysent *sysent_of(unsigned long nr)
{
	static char name[32];
	static struct sysent unknown = { name, NULL, false };

	if (nr < NR_SYSENTS && sysents[nr].name)
		return &sysents[nr];
	snprintf(name, sizeof(name), "syscall_%lu", nr);
	return &unknown;
}

/*
 * Print the arguments from t->next_arg on. At entry it stops before the
 * first one only the exit can show (a buffer the kernel fills) and leaves
 * t->next_arg there; otherwise it sets t->next_arg to -1.
 */
static void print_args(struct tracee *t, bool exiting, long rv)
{
	const char *spec = sysent_of(t->nr)->args;
	int i;

	if (!spec)
		spec = "xxx";
	for (i = t->next_arg; i >= 0 && i < 6 && spec[i]; i++) {
		if (spec[i] == '_')
			continue;
		if (spec[i] == 'r' && !exiting) {
			t->next_arg = i;
			return;
		}
		if (t->shown++)
			fputs(", ", out);
		if (print_arg(t, i, spec[i], rv))
			break;
	}
	t->next_arg = -1;
}

/* " = 3", " = 0x7f..", " = -1 ENOENT (No such ...)", " = ? ERESTARTSYS (...)". */
static void print_result(const struct sysent *se, long rv)
{
	static const char *const restart[][2] = {
		{ "ERESTARTSYS", "To be restarted if SA_RESTART is set" },
		{ "ERESTARTNOINTR", "To be restarted" },
		{ "ERESTARTNOHAND", "To be restarted if no handler" },
		{ NULL, NULL },
		{ "ERESTART_RESTARTBLOCK", "Interrupted by signal" },
	};
	long err = -rv;

	if (rv < 0 && rv >= -4095) {
		if (err >= ERESTARTSYS && err <= ERESTART_RESTARTBLOCK &&
		    restart[err - ERESTARTSYS][0])
			fprintf(out, " = ? %s (%s)\n", restart[err - ERESTARTSYS][0],
				restart[err - ERESTARTSYS][1]);
		else if (err < (long)(sizeof(errno_names) / sizeof(errno_names[0])) &&
			 errno_names[err])
			fprintf(out, " = -1 %s (%s)\n", errno_names[err], strerror(err));
		else
			fprintf(out, " = -1 E%ld (%s)\n", err, strerror(err));
	} else if (se->ret_addr) {
		fprintf(out, " = %#lx\n", (unsigned long)rv);
	} else {
		fprintf(out, " = %ld\n", rv);
	}
}

/* ---- The trace loop ---- */

/*
 * Fetch the registers; false if the tracee died meanwhile (SIGKILL ends a
 * stop too: the next waitpid() says so). Any other failure is fatal.
 */
static bool get_regs(struct tracee *t, struct user_regs_struct *r)
{
	if (ptrace(PTRACE_GETREGS, t->pid, NULL, r) == 0)
		return true;
	if (errno == ESRCH)
		return false;
	fprintf(stderr, "strace: PTRACE_GETREGS %d: %s\n", t->pid, strerror(errno));
	exit(1);
}

/* A syscall stop: print the entry half of the line, or finish it. */
static void syscall_stop(struct tracee *t)
{
	struct user_regs_struct r;

	if (!get_regs(t, &r))
		return;
	t->stop_sig = 0;
	if (!t->in_syscall) {
		t->in_syscall = true;
		t->nr = r.orig_rax;
		t->args[0] = r.rdi;
		t->args[1] = r.rsi;
		t->args[2] = r.rdx;
		t->args[3] = r.r10;
		t->args[4] = r.r8;
		t->args[5] = r.r9;
		if (t->nr == NR_execve || t->nr == NR_execveat)
			t->before_exec = false;
		t->printing = !t->before_exec;
		if (!t->printing)
			return;
		fprintf(out, "%s(", sysent_of(t->nr)->name);
		t->next_arg = 0;
		t->shown = 0;
		print_args(t, /* exiting= */false, 0);
	} else {
		t->in_syscall = false;
		if (!t->printing)
			return;
		print_args(t, /* exiting= */true, (long)r.rax);
		putc(')', out);
		print_result(sysent_of(t->nr), (long)r.rax);
	}
	fflush(out);
}

static bool stopping_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * A signal-delivery stop: print it and return the signal to pass on.
 * Without PTRACE_SEIZE a group-stop looks like one too: after a stopping
 * signal is passed on, the next stop for the same signal is the tracee
 * stopping, reported and resumed without a signal.
 */
static int signal_stop(struct tracee *t, int sig)
{
	if (t->eat_sigstop && sig == SIGSTOP) {
		t->eat_sigstop = false;
		return 0;
	}
	if (t->stop_sig == sig) {
		t->stop_sig = 0;
		fprintf(out, "--- stopped by %s ---\n", signame(sig));
		fflush(out);
		return 0;
	}
	t->stop_sig = stopping_signal(sig) ? sig : 0;
	fprintf(out, "--- %s ---\n", signame(sig));
	fflush(out);
	return sig;
}

/*
 * Trace @t until it exits; returns its exit status, 128 + the signal that
 * killed it, or 0 after detaching on SIGINT/SIGTERM (-p). The tracee is in
 * a ptrace-stop on entry; @sig is the signal to deliver as it resumes.
 */
static int trace(struct tracee *t, int sig)
{
	int st;

	for (;;) {
		if (interrupted) {
			/* Stopped right now, so it can be let go. */
			ptrace(PTRACE_DETACH, t->pid, NULL, (void *)(long)sig);
			break;
		}
		if (ptrace(PTRACE_SYSCALL, t->pid, NULL, (void *)(long)sig) < 0 && errno != ESRCH) {
			fprintf(stderr, "strace: PTRACE_SYSCALL %d: %s\n", t->pid, strerror(errno));
			return 1;
		}
		sig = 0;
		if (waitpid(t->pid, &st, __WALL) < 0) {
			if (errno == EINTR && interrupted) {
				/*
				 * Probably running, where PTRACE_DETACH fails: then
				 * our exit detaches it (without EXITKILL, alive).
				 */
				ptrace(PTRACE_DETACH, t->pid, NULL, NULL);
				break;
			}
			fprintf(stderr, "strace: waitpid %d: %s\n", t->pid, strerror(errno));
			return 1;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (t->in_syscall && t->printing)
				fputs(") = ?\n", out);	/* exit, exit_group, or killed */
			if (WIFEXITED(st))
				fprintf(out, "+++ exited with %d +++\n", WEXITSTATUS(st));
			else
				fprintf(out, "+++ killed by %s%s +++\n", signame(WTERMSIG(st)),
					WCOREDUMP(st) ? " (core dumped)" : "");
			fflush(out);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (!WIFSTOPPED(st))
			continue;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80))
			syscall_stop(t);
		else if (st >> 16)
			;	/* PTRACE_EVENT_EXEC: the execve's exit stop follows */
		else
			sig = signal_stop(t, WSTOPSIG(st));
	}
	fprintf(stderr, "strace: Process %d detached\n", t->pid);
	return 0;
}

/* ---- Starting: run a program, or attach to one ---- */

/* Find @name the way execvp() would, into @buf; NULL if there is none. */
static const char *find_program(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("PATH"), *end;
	struct stat st;

	if (strchr(name, '/'))
		return stat(name, &st) == 0 ? name : NULL;
	if (!dir || !*dir)
		dir = "/bin:/usr/bin";
	for (; ; dir = end + 1) {
		end = strchrnul(dir, ':');
		if (end == dir)
			snprintf(buf, size, "%s", name);	/* empty entry: "." */
		else
			snprintf(buf, size, "%.*s/%s", (int)(end - dir), dir, name);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return buf;
		if (!*end)
			break;
	}
	errno = ENOENT;
	return NULL;
}

/*
 * Fork and exec @argv under ptrace. The child stops itself before execve
 * so that the options are set before anything worth seeing happens.
 * Returns the child's pid, stopped; exits on failure.
 */
static pid_t launch(const char *path, char **argv)
{
	pid_t pid;
	int st;

	fflush(out);
	pid = fork();
	if (pid < 0) {
		perror("strace: fork");
		exit(1);
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
			fprintf(stderr, "strace: PTRACE_TRACEME: %s\n", strerror(errno));
			_exit(127);
		}
		kill(getpid(), SIGSTOP);
		execv(path, argv);
		fprintf(stderr, "strace: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, __WALL) < 0 || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		fprintf(stderr, "strace: child %d did not stop for tracing\n", pid);
		kill(pid, SIGKILL);
		exit(1);
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD |
			PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) < 0) {
		fprintf(stderr, "strace: PTRACE_SETOPTIONS: %s\n", strerror(errno));
		kill(pid, SIGKILL);
		exit(1);
	}
	return pid;
}

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * Attach to @pid: PTRACE_ATTACH sends it SIGSTOP, and its first stop is
 * waited for. Returns the signal to deliver on resuming (0, unless another
 * signal came first; then the SIGSTOP is still due and swallowed later).
 * A process caught inside execve gets the SIGTRAP a tracee without
 * PTRACE_O_TRACEEXEC gets after exec; it cannot be told from a real one
 * without PTRACE_GETSIGINFO, so it is passed on like any other signal.
 */
static int attach(struct tracee *t)
{
	struct sigaction sa = { .sa_handler = on_interrupt };	/* no SA_RESTART */
	int st;

	if (ptrace(PTRACE_ATTACH, t->pid, NULL, NULL) < 0) {
		fprintf(stderr, "strace: attach %d: %s\n", t->pid, strerror(errno));
		exit(1);
	}
	if (waitpid(t->pid, &st, __WALL) < 0 || !WIFSTOPPED(st)) {
		fprintf(stderr, "strace: %d did not stop for tracing\n", t->pid);
		exit(1);
	}
	if (ptrace(PTRACE_SETOPTIONS, t->pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC)) < 0) {
		fprintf(stderr, "strace: PTRACE_SETOPTIONS: %s\n", strerror(errno));
		ptrace(PTRACE_DETACH, t->pid, NULL, NULL);
		exit(1);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fprintf(stderr, "strace: Process %d attached\n", t->pid);
	if (WSTOPSIG(st) == SIGSTOP)
		return 0;
	t->eat_sigstop = true;
	return WSTOPSIG(st);
}

static void usage(void)
{
	fprintf(stderr, "usage: strace [-o FILE] [-s SIZE] PROG [ARGS...]\n"
			"       strace [-o FILE] [-s SIZE] -p PID\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct tracee t = { .next_arg = -1 };
	const char *outfile = NULL, *path;
	char pathbuf[4096], *end;
	long pid = 0, n;
	int opt, sig = 0;

	while ((opt = getopt(argc, argv, "+o:p:s:")) != -1) {
		switch (opt) {
		case 'o':
			outfile = optarg;
			break;
		case 'p':
			pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0)
				usage();
			break;
		case 's':
			n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 4096)
				usage();
			strsize = n;
			break;
		default:
			usage();
		}
	}
	if ((pid && optind < argc) || (!pid && optind >= argc))
		usage();
	/*
	 * The trace has its own buffered stream, flushed at each half line,
	 * so that every piece reaches the file in one write(); stderr stays
	 * unbuffered for messages, also from the child before its execve.
	 * Either descriptor is close-on-exec: PROG's files are its own.
	 */
	if (outfile)
		out = fopen(outfile, "we");
	else
		out = fdopen(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3), "w");
	if (!out) {
		fprintf(stderr, "strace: %s: %s\n", outfile ? outfile : "stderr", strerror(errno));
		return 1;
	}
	if (pid) {
		t.pid = pid;
		sig = attach(&t);
	} else {
		path = find_program(argv[optind], pathbuf, sizeof(pathbuf));
		if (!path) {
			fprintf(stderr, "strace: Can't stat '%s': %s\n", argv[optind],
				strerror(errno));
			return 1;
		}
		t.pid = launch(path, argv + optind);
		t.before_exec = true;
	}
	return trace(&t, sig);
}
