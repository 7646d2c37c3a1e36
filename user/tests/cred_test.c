/*
 * cred_test.c - user and group ids, supplementary groups, capabilities
 * after id changes, the kill(2) and file permission rules for an
 * unprivileged process, and prctl(2).
 *
 * Every case that changes ids runs in a forked child, so the rest of the
 * program stays what it started as; a child reports a broken expectation
 * on stderr and exits 1, or exits SKIP_STATUS with a reason. Cases that
 * need root probe geteuid() == 0 and SKIP otherwise (the host run may not
 * be root; CI runs as root). Where the host may legitimately differ (a
 * container's bounding set, an inherited no_new_privs), the case probes
 * and compares with what the kernel itself reports elsewhere (/proc).
 */
#include "utest.h"
#include "cap_util.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/fsuid.h>

#define NOBODY		65534
#define SKIP_STATUS	77
#define PAGE		4096

/* Capability numbers of <linux/capability.h>. */
#define CAP_CHOWN_		0
#define CAP_DAC_OVERRIDE_	1
#define CAP_SETUID_		7
#define CAP_SYS_BOOT_		22

/* In a child: report and leave. */
#define CHILD_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		char m_[256];						\
		int n_ = snprintf(m_, sizeof(m_), __VA_ARGS__);		\
		if (n_ > 0 && write(2, m_, n_) < 0)			\
			_exit(2);					\
		if (write(2, "\n", 1) < 0)				\
			_exit(2);					\
		_exit(1);						\
	}								\
} while (0)

#define CHILD_SKIP(...) do {						\
	ut_say("cred_test: skip: " __VA_ARGS__);			\
	ut_say("\n");							\
	_exit(SKIP_STATUS);						\
} while (0)

/* -1 with errno @err? */
#define FAILS_WITH(expr, err) ((errno = 0, (long)(expr)) == -1 && errno == (err))

static const char *self_path;

/* Run @fn in a child and turn its exit status into PASS/FAIL/SKIP. */
#define CHILD_CASE(fn) do {						\
	int st_;							\
	pid_t pid_ = fork();						\
	EXPECT(pid_ >= 0, "fork: %s", strerror(errno));			\
	if (pid_ == 0) {						\
		fn();							\
		_exit(0);						\
	}								\
	EXPECT(waitpid(pid_, &st_, 0) == pid_, "waitpid: %s", strerror(errno)); \
	if (WIFEXITED(st_) && WEXITSTATUS(st_) == SKIP_STATUS)		\
		SKIP("see the skip line above");			\
	EXPECT(WIFEXITED(st_) && WEXITSTATUS(st_) == 0,			\
	       "child status %#x (reason on stderr)", st_);		\
} while (0)

#define NEED_ROOT() do {						\
	if (geteuid() != 0)						\
		SKIP("needs root (euid %d)", (int)geteuid());		\
} while (0)

static uint64_t cap_eff(void)
{
	struct cap_data d[2];

	if (cap_get_self(d) < 0)
		return ~0ull;
	return d[0].effective | (uint64_t)d[1].effective << 32;
}

static uint64_t cap_prm(void)
{
	struct cap_data d[2];

	if (cap_get_self(d) < 0)
		return ~0ull;
	return d[0].permitted | (uint64_t)d[1].permitted << 32;
}

/* Value of "<key>:" in /proc/self/status, copied into @out; 0 or -1. */
static int status_line(const char *key, char *out, size_t len)
{
	char buf[4096];
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY);
	size_t kl = strlen(key);
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p - kl - 1) : strlen(p + kl + 1);

			if (l >= len)
				l = len - 1;
			memcpy(out, p + kl + 1, l);
			out[l] = 0;
			return 0;
		}
	}
	return -1;
}

/* The four ids of a Uid:/Gid: status line. */
static int status_ids(const char *key, unsigned int ids[4])
{
	char v[128];

	if (status_line(key, v, sizeof(v)))
		return -1;
	return sscanf(v, "%u %u %u %u", &ids[0], &ids[1], &ids[2], &ids[3]) == 4 ? 0 : -1;
}

/* Drop to nobody for good (groups, gids, uids), as a daemon or a test does. */
static void drop_to_nobody(void)
{
	CHILD_CHECK(setgroups(0, NULL) == 0, "setgroups(0): %s", strerror(errno));
	CHILD_CHECK(setgid(NOBODY) == 0, "setgid: %s", strerror(errno));
	CHILD_CHECK(setuid(NOBODY) == 0, "setuid: %s", strerror(errno));
}

/* ---- reading ids ---- */

static void ids_consistent(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	EXPECT_OK(getresuid(&r, &e, &s));
	EXPECT_OK(getresgid(&gr, &ge, &gs));
	EXPECT(r == getuid() && e == geteuid(), "getresuid %u/%u vs %u/%u", r, e, getuid(),
	       geteuid());
	EXPECT(gr == getgid() && ge == getegid(), "getresgid %u/%u vs %u/%u", gr, ge,
	       getgid(), getegid());
	EXPECT((uid_t)setfsuid(-1) == e, "fsuid %d, euid %u", setfsuid(-1), e);
	EXPECT((gid_t)setfsgid(-1) == ge, "fsgid %d, egid %u", setfsgid(-1), ge);
}

static void auxv_ids(void)
{
	EXPECT(getauxval(AT_UID) == getuid(), "AT_UID %lu", getauxval(AT_UID));
	EXPECT(getauxval(AT_EUID) == geteuid(), "AT_EUID %lu", getauxval(AT_EUID));
	EXPECT(getauxval(AT_GID) == getgid(), "AT_GID %lu", getauxval(AT_GID));
	EXPECT(getauxval(AT_EGID) == getegid(), "AT_EGID %lu", getauxval(AT_EGID));
}

static void status_shows_ids(void)
{
	unsigned int u[4], g[4];
	uid_t r, e, s;
	gid_t gr, ge, gs;

	EXPECT_OK(getresuid(&r, &e, &s));
	EXPECT_OK(getresgid(&gr, &ge, &gs));
	EXPECT(status_ids("Uid", u) == 0, "no Uid: line");
	EXPECT(status_ids("Gid", g) == 0, "no Gid: line");
	EXPECT(u[0] == r && u[1] == e && u[2] == s && u[3] == (unsigned)setfsuid(-1),
	       "Uid: %u %u %u %u", u[0], u[1], u[2], u[3]);
	EXPECT(g[0] == gr && g[1] == ge && g[2] == gs && g[3] == (unsigned)setfsgid(-1),
	       "Gid: %u %u %u %u", g[0], g[1], g[2], g[3]);
}

static void setid_minus_one_einval(void)
{
	EXPECT_ERRNO(syscall(SYS_setuid, -1), EINVAL);
	EXPECT_ERRNO(syscall(SYS_setgid, -1), EINVAL);
	EXPECT_ERRNO(getgroups(-1, NULL), EINVAL);
}

/* ---- root drops to nobody ---- */

static void drop_child(void)
{
	uid_t r, e, s;
	char v[128];
	unsigned int u[4];

	drop_to_nobody();
	CHILD_CHECK(getresuid(&r, &e, &s) == 0 && r == NOBODY && e == NOBODY && s == NOBODY,
		    "resuid %u/%u/%u", r, e, s);
	CHILD_CHECK(getuid() == NOBODY && geteuid() == NOBODY && getgid() == NOBODY,
		    "ids %u %u %u", getuid(), geteuid(), getgid());
	/* No way back to root. */
	CHILD_CHECK(FAILS_WITH(setuid(0), EPERM), "setuid(0): %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(seteuid(0), EPERM), "seteuid(0): %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(setreuid(0, -1), EPERM), "setreuid(0,-1): %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(setresuid(-1, -1, 0), EPERM), "setresuid: %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(setgid(0), EPERM), "setgid(0): %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(setgroups(0, NULL), EPERM), "setgroups: %s", strerror(errno));
	CHILD_CHECK(setfsuid(0) == NOBODY && setfsuid(-1) == NOBODY, "setfsuid(0) took");
	/* Setting an id to itself is allowed. */
	CHILD_CHECK(setuid(NOBODY) == 0, "setuid(nobody) again: %s", strerror(errno));
	/* Capabilities: permitted and effective are gone. */
	CHILD_CHECK(cap_eff() == 0 && cap_prm() == 0, "caps eff %#llx prm %#llx",
		    (unsigned long long)cap_eff(), (unsigned long long)cap_prm());
	CHILD_CHECK(status_line("CapEff", v, sizeof(v)) == 0 && strtoull(v, NULL, 16) == 0,
		    "status CapEff %s", v);
	CHILD_CHECK(status_ids("Uid", u) == 0 && u[0] == NOBODY && u[3] == NOBODY,
		    "status Uid %u .. %u", u[0], u[3]);
	CHILD_CHECK(getauxval(AT_UID) == 0, "auxv changes only at exec");
}

static void root_drops_to_nobody(void)
{
	NEED_ROOT();
	CHILD_CASE(drop_child);
}

/* seteuid away and back: the saved uid 0 allows it; caps follow euid. */
static void seteuid_child(void)
{
	uint64_t prm = cap_prm();

	CHILD_CHECK(seteuid(1000) == 0, "seteuid(1000): %s", strerror(errno));
	CHILD_CHECK(getuid() == 0 && geteuid() == 1000, "ids %u %u", getuid(), geteuid());
	CHILD_CHECK(cap_eff() == 0, "effective %#llx after euid 0 -> 1000",
		    (unsigned long long)cap_eff());
	CHILD_CHECK(cap_prm() == prm, "permitted changed");
	CHILD_CHECK(FAILS_WITH(setuid(2000), EPERM), "setuid(2000) without CAP_SETUID");
	CHILD_CHECK(seteuid(0) == 0, "seteuid(0): %s", strerror(errno));
	CHILD_CHECK(cap_eff() == prm, "effective %#llx, want permitted %#llx",
		    (unsigned long long)cap_eff(), (unsigned long long)prm);
}

static void seteuid_round_trip(void)
{
	NEED_ROOT();
	CHILD_CASE(seteuid_child);
}

static void setreuid_child(void)
{
	uid_t r, e, s;

	/* Root: both set, saved follows the new effective id. */
	CHILD_CHECK(setreuid(1000, 2000) == 0, "setreuid(1000,2000): %s", strerror(errno));
	getresuid(&r, &e, &s);
	CHILD_CHECK(r == 1000 && e == 2000 && s == 2000, "resuid %u/%u/%u", r, e, s);
	CHILD_CHECK(cap_prm() == 0, "permitted kept with no root id left");
	/* Unprivileged: swap real and effective. */
	CHILD_CHECK(setreuid(2000, 1000) == 0, "swap: %s", strerror(errno));
	getresuid(&r, &e, &s);
	CHILD_CHECK(r == 2000 && e == 1000 && s == 1000, "after swap %u/%u/%u", r, e, s);
	CHILD_CHECK(FAILS_WITH(setreuid(3000, -1), EPERM), "setreuid(3000): %s",
		    strerror(errno));
	CHILD_CHECK(FAILS_WITH(setreuid(-1, 0), EPERM), "setreuid(-1,0): %s", strerror(errno));
}

static void setreuid_rules(void)
{
	NEED_ROOT();
	CHILD_CASE(setreuid_child);
}

static void setresuid_child(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	CHILD_CHECK(setresgid(100, 200, 300) == 0, "setresgid: %s", strerror(errno));
	CHILD_CHECK(setresuid(1000, 2000, 3000) == 0, "setresuid: %s", strerror(errno));
	/* Any permutation of the three is allowed, anything else not. */
	CHILD_CHECK(setresuid(3000, 1000, 2000) == 0, "permute: %s", strerror(errno));
	getresuid(&r, &e, &s);
	CHILD_CHECK(r == 3000 && e == 1000 && s == 2000, "resuid %u/%u/%u", r, e, s);
	CHILD_CHECK(FAILS_WITH(setresuid(4000, -1, -1), EPERM), "setresuid(4000)");
	CHILD_CHECK(FAILS_WITH(setresuid(-1, 0, -1), EPERM), "setresuid(-1,0,-1)");
	CHILD_CHECK(setresuid(-1, -1, -1) == 0, "no change: %s", strerror(errno));
	/* Gids without CAP_SETGID (it went with the uids). */
	CHILD_CHECK(setgid(300) == 0, "setgid(saved 300): %s", strerror(errno));
	getresgid(&gr, &ge, &gs);
	CHILD_CHECK(gr == 100 && ge == 300 && gs == 300, "resgid %u/%u/%u", gr, ge, gs);
	CHILD_CHECK(FAILS_WITH(setgid(400), EPERM), "setgid(400)");
	CHILD_CHECK(FAILS_WITH(setregid(-1, 400), EPERM), "setregid(-1,400)");
	CHILD_CHECK(setregid(-1, 100) == 0, "setregid(-1,100): %s", strerror(errno));
}

static void setresuid_rules(void)
{
	NEED_ROOT();
	CHILD_CASE(setresuid_child);
}

/* setfsuid: returns the old value; leaving fsuid 0 drops the fs capabilities. */
static void setfsuid_child(void)
{
	unsigned int u[4];
	uint64_t fsmask = (1ull << CAP_CHOWN_) | (1ull << CAP_DAC_OVERRIDE_);

	CHILD_CHECK(setfsuid(1234) == 0, "setfsuid(1234) did not return 0");
	CHILD_CHECK(setfsuid(-1) == 1234, "fsuid %d", setfsuid(-1));
	CHILD_CHECK(geteuid() == 0, "euid moved");
	CHILD_CHECK(status_ids("Uid", u) == 0 && u[3] == 1234, "status fsuid %u", u[3]);
	CHILD_CHECK(!(cap_eff() & fsmask), "fs caps kept: %#llx", (unsigned long long)cap_eff());
	CHILD_CHECK(cap_eff() & (1ull << CAP_SETUID_), "CAP_SETUID went too");
	CHILD_CHECK(setfsuid(0) == 1234, "setfsuid(0)");
	CHILD_CHECK((cap_eff() & fsmask) == fsmask, "fs caps not back: %#llx",
		    (unsigned long long)cap_eff());
	drop_to_nobody();
	CHILD_CHECK(setfsuid(0) == NOBODY && setfsuid(-1) == NOBODY, "unprivileged setfsuid(0)");
	CHILD_CHECK(setfsgid(0) == NOBODY && setfsgid(-1) == NOBODY, "unprivileged setfsgid(0)");
}

static void setfsuid_rules(void)
{
	NEED_ROOT();
	CHILD_CASE(setfsuid_child);
}

static void groups_child(void)
{
	gid_t set[3] = { 30, 10, 20 }, got[8];
	int n, seen = 0;
	char v[128];

	CHILD_CHECK(setgroups(3, set) == 0, "setgroups: %s", strerror(errno));
	CHILD_CHECK(getgroups(0, NULL) == 3, "count %d", getgroups(0, NULL));
	CHILD_CHECK(FAILS_WITH(getgroups(2, got), EINVAL), "getgroups(2) of 3");
	n = getgroups(8, got);
	CHILD_CHECK(n == 3, "getgroups(8): %d", n);
	for (int i = 0; i < n; i++)
		seen |= got[i] == 10 ? 1 : got[i] == 20 ? 2 : got[i] == 30 ? 4 : 8;
	CHILD_CHECK(seen == 7, "groups %u %u %u", got[0], got[1], got[2]);
	CHILD_CHECK(status_line("Groups", v, sizeof(v)) == 0 && strstr(v, "10") &&
		    strstr(v, "20") && strstr(v, "30"), "status Groups:%s", v);
	CHILD_CHECK(FAILS_WITH(setgroups(70000, set), EINVAL), "setgroups(70000)");
	CHILD_CHECK(FAILS_WITH(setgroups(1, (gid_t *)8), EFAULT), "setgroups bad pointer");
	CHILD_CHECK(setuid(NOBODY) == 0, "setuid: %s", strerror(errno));
	CHILD_CHECK(getgroups(0, NULL) == 3, "groups lost with the uid");
	CHILD_CHECK(FAILS_WITH(setgroups(0, NULL), EPERM), "unprivileged setgroups");
}

static void supplementary_groups(void)
{
	NEED_ROOT();
	CHILD_CASE(groups_child);
}

/* An unprivileged exec gets no capabilities; the program says so by exit status. */
static int capcheck_main(void)
{
	return cap_eff() == 0 && cap_prm() == 0 && getuid() == NOBODY &&
	       getauxval(AT_UID) == NOBODY && getauxval(AT_EUID) == NOBODY ? 0 : 1;
}

static void exec_child(void)
{
	char *argv[] = { (char *)self_path, "--capcheck", NULL };

	if (self_path[0] != '/')
		CHILD_SKIP("argv[0] %s is not absolute", self_path);
	drop_to_nobody();
	if (access(self_path, X_OK) != 0)
		CHILD_SKIP("nobody cannot execute %s: %s", self_path, strerror(errno));
	execv(self_path, argv);
	CHILD_CHECK(0, "execv: %s", strerror(errno));
}

static void exec_keeps_ids_no_caps(void)
{
	NEED_ROOT();
	CHILD_CASE(exec_child);
}

/* ---- what nobody may do ---- */

static void kill_child(void)
{
	pid_t root_pid = getppid(), root_pgrp = getpgid(root_pid);

	CHILD_CHECK(setpgid(0, 0) == 0, "setpgid: %s", strerror(errno));
	drop_to_nobody();
	CHILD_CHECK(FAILS_WITH(kill(-root_pgrp, 0), EPERM), "kill(root's group, 0): %s",
		    strerror(errno));
	CHILD_CHECK(kill(0, 0) == 0, "kill(own group, 0): %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(kill(root_pid, 0), EPERM), "kill(root parent, 0): %s",
		    strerror(errno));
	/* SIGWINCH: harmless to the parent if this check were wrong. */
	CHILD_CHECK(FAILS_WITH(kill(root_pid, SIGWINCH), EPERM), "kill(root parent, WINCH)");
	CHILD_CHECK(kill(getpid(), 0) == 0, "kill(self, 0): %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(kill(999999, 0), ESRCH), "kill(no such pid)");
}

static void kill_needs_same_uid(void)
{
	NEED_ROOT();
	CHILD_CASE(kill_child);
}

static const char *perm_dir;

static void perm_child(void)
{
	char own[512], secret[512];
	int fd;

	snprintf(secret, sizeof(secret), "%s/secret", perm_dir);
	snprintf(own, sizeof(own), "%s/own", perm_dir);
	drop_to_nobody();
	if (access(perm_dir, W_OK | X_OK) != 0)
		CHILD_SKIP("nobody cannot use %s: %s", perm_dir, strerror(errno));
	CHILD_CHECK(FAILS_WITH(open(secret, O_RDONLY), EACCES), "open 0600 root file: %s",
		    strerror(errno));
	CHILD_CHECK(FAILS_WITH(open(secret, O_WRONLY), EACCES), "open for write");
	CHILD_CHECK(FAILS_WITH(access(secret, R_OK), EACCES), "access R_OK");
	CHILD_CHECK(access(secret, F_OK) == 0, "access F_OK: %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(chmod(secret, 0666), EPERM), "chmod someone else's file");
	CHILD_CHECK(FAILS_WITH(chown(secret, NOBODY, -1), EPERM), "chown to self");
	fd = open(own, O_CREAT | O_RDWR, 0600);
	CHILD_CHECK(fd >= 0, "create own file: %s", strerror(errno));
	close(fd);
	CHILD_CHECK(access(own, R_OK | W_OK) == 0, "own file: %s", strerror(errno));
	CHILD_CHECK(chmod(own, 0400) == 0, "chmod own: %s", strerror(errno));
	CHILD_CHECK(FAILS_WITH(open(own, O_WRONLY), EACCES), "write to own 0400 file");
	CHILD_CHECK(unlink(own) == 0, "unlink own: %s", strerror(errno));
}

static void file_permissions(void)
{
	struct stat st;
	int fd;

	NEED_ROOT();
	perm_dir = ut_path("perm");
	EXPECT_OK(mkdir(perm_dir, 0777));
	EXPECT_OK(chmod(perm_dir, 0777));
	EXPECT_OK(chmod(ut_tmpdir(), 0755));	/* mkdtemp made it 0700 */
	fd = open(ut_path("perm/secret"), O_CREAT | O_RDWR, 0600);
	EXPECT_OK(fd);
	close(fd);
	EXPECT_OK(stat(ut_path("perm/secret"), &st));
	EXPECT(st.st_uid == 0 && (st.st_mode & 0777) == 0600, "secret %u %o", st.st_uid,
	       st.st_mode & 0777);
	/* Root's CAP_DAC_OVERRIDE ignores the bits. */
	EXPECT_OK(chmod(ut_path("perm/secret"), 0));
	fd = open(ut_path("perm/secret"), O_RDWR);
	EXPECT(fd >= 0, "root open of a 0000 file: %s", strerror(errno));
	close(fd);
	EXPECT_OK(chmod(ut_path("perm/secret"), 0600));
	CHILD_CASE(perm_child);
}

/* on-fault-limit's setup: root sets RLIMIT_MEMLOCK, becomes nobody, MAP_LOCKED beyond it fails. */
static void memlock_child(void)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	void *p;

	CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0, "setrlimit: %s", strerror(errno));
	drop_to_nobody();
	p = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	CHILD_CHECK(p == MAP_FAILED && errno == EAGAIN, "MAP_LOCKED 128 KiB over 64 KiB: %p %s",
		    p, strerror(errno));
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	CHILD_CHECK(p != MAP_FAILED, "MAP_LOCKED 16 KiB: %s", strerror(errno));
}

static void nobody_memlock_limit(void)
{
	NEED_ROOT();
	CHILD_CASE(memlock_child);
}

/* ---- prctl ---- */

static void name_child(void)
{
	char name[32] = { 0 }, stat[256], v[64];
	int fd;
	ssize_t n;

	CHILD_CHECK(prctl(PR_SET_NAME, "cred-name-0123456789") == 0, "PR_SET_NAME: %s",
		    strerror(errno));
	CHILD_CHECK(prctl(PR_GET_NAME, name) == 0, "PR_GET_NAME: %s", strerror(errno));
	CHILD_CHECK(!strcmp(name, "cred-name-01234"), "name \"%s\"", name);
	fd = open("/proc/self/stat", O_RDONLY);
	CHILD_CHECK(fd >= 0, "open stat: %s", strerror(errno));
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	CHILD_CHECK(n > 0, "read stat");
	stat[n] = 0;
	CHILD_CHECK(strstr(stat, "(cred-name-01234)") != NULL, "stat: %.60s", stat);
	CHILD_CHECK(status_line("Name", v, sizeof(v)) == 0 && !strcmp(v, "\tcred-name-01234"),
		    "status Name:%s", v);
	CHILD_CHECK(FAILS_WITH(prctl(PR_SET_NAME, (char *)8), EFAULT), "PR_SET_NAME bad ptr");
	CHILD_CHECK(FAILS_WITH(prctl(PR_GET_NAME, (char *)8), EFAULT), "PR_GET_NAME bad ptr");
}

static void prctl_name(void)
{
	CHILD_CASE(name_child);
}

static int pd_pipe[2];

static void on_usr1(int sig)
{
	(void)sig;
	if (write(pd_pipe[1], "x", 1) < 0)
		_exit(3);
	_exit(0);
}

/* The middle process: a grandchild with PDEATHSIG, then exit on the parent's word. */
static void pdeath_middle(int go_fd)
{
	char c;
	pid_t g = fork();

	if (g == 0) {
		pid_t middle = getppid();

		signal(SIGUSR1, on_usr1);
		if (prctl(PR_SET_PDEATHSIG, SIGUSR1) < 0 || getppid() != middle)
			_exit(4);
		if (write(pd_pipe[1], "r", 1) < 0)
			_exit(5);
		for (int i = 0; i < 100; i++)
			sleep(1);	/* the signal ends this */
		_exit(6);
	}
	if (read(go_fd, &c, 1) < 0)
		_exit(7);
	_exit(0);
}

static void prctl_pdeathsig(void)
{
	int go[2], sig = -1, st;
	char c = 0;
	pid_t m;

	EXPECT_OK(prctl(PR_GET_PDEATHSIG, &sig));
	EXPECT(sig == 0, "initial pdeathsig %d", sig);
	EXPECT_ERRNO(prctl(PR_SET_PDEATHSIG, 65), EINVAL);
	EXPECT_ERRNO(prctl(PR_GET_PDEATHSIG, (int *)8), EFAULT);
	EXPECT_OK(pipe(pd_pipe));
	EXPECT_OK(pipe(go));
	m = fork();
	EXPECT(m >= 0, "fork: %s", strerror(errno));
	if (m == 0) {
		close(go[1]);
		pdeath_middle(go[0]);
	}
	close(go[0]);
	close(pd_pipe[1]);
	EXPECT(read(pd_pipe[0], &c, 1) == 1 && c == 'r', "grandchild not ready (%c)", c);
	EXPECT(write(go[1], "g", 1) == 1, "go: %s", strerror(errno));
	EXPECT(waitpid(m, &st, 0) == m && WIFEXITED(st), "middle status %#x", st);
	alarm(20);
	c = 0;
	EXPECT(read(pd_pipe[0], &c, 1) == 1 && c == 'x', "no SIGUSR1 after the parent died (%c)",
	       c);
	alarm(0);
	close(pd_pipe[0]);
	close(go[1]);
}

static void pdeathsig_child(void)
{
	int sig = -1;

	CHILD_CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == 0, "fork kept pdeathsig %d",
		    sig);
}

static void pdeathsig_not_inherited(void)
{
	EXPECT_OK(prctl(PR_SET_PDEATHSIG, SIGUSR2));
	{
		int sig = 0;

		EXPECT_OK(prctl(PR_GET_PDEATHSIG, &sig));
		EXPECT(sig == SIGUSR2, "pdeathsig %d", sig);
	}
	CHILD_CASE(pdeathsig_child);
	EXPECT_OK(prctl(PR_SET_PDEATHSIG, 0));
}

static void prctl_dumpable(void)
{
	int d = prctl(PR_GET_DUMPABLE);

	EXPECT(d == 1, "PR_GET_DUMPABLE %d", d);
	EXPECT_OK(prctl(PR_SET_DUMPABLE, 0));
	EXPECT(prctl(PR_GET_DUMPABLE) == 0, "not cleared");
	EXPECT_ERRNO(prctl(PR_SET_DUMPABLE, 2), EINVAL);
	EXPECT_ERRNO(prctl(PR_SET_DUMPABLE, 3), EINVAL);
	EXPECT_OK(prctl(PR_SET_DUMPABLE, 1));
	EXPECT(prctl(PR_GET_DUMPABLE) == 1, "not set again");
}

static void nnp_grandchild(void)
{
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "fork lost no_new_privs");
}

static void nnp_child(void)
{
	int before = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	CHILD_CHECK(before == 0 || before == 1, "PR_GET_NO_NEW_PRIVS %d: %s", before,
		    strerror(errno));
	CHILD_CHECK(FAILS_WITH(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL), "arg2 2");
	CHILD_CHECK(FAILS_WITH(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL), "arg3 1");
	CHILD_CHECK(FAILS_WITH(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL), "get arg2");
	CHILD_CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "set: %s", strerror(errno));
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "not set");
	{
		int st;
		pid_t g = fork();

		if (g == 0) {
			nnp_grandchild();
			_exit(0);
		}
		CHILD_CHECK(waitpid(g, &st, 0) == g && WIFEXITED(st) && !WEXITSTATUS(st),
			    "grandchild");
	}
}

static void prctl_no_new_privs(void)
{
	CHILD_CASE(nnp_child);
}

static void prctl_capbset(void)
{
	char v[64];
	unsigned long long bnd;

	EXPECT(status_line("CapBnd", v, sizeof(v)) == 0, "no CapBnd: line");
	bnd = strtoull(v, NULL, 16);
	for (int cap = 0; cap <= 40; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap);

		if (r < 0 && errno == EINVAL && !(bnd >> cap))
			break;		/* beyond this kernel's CAP_LAST_CAP */
		EXPECT(r == (int)((bnd >> cap) & 1), "cap %d: %d, CapBnd %llx", cap, r, bnd);
	}
	EXPECT_ERRNO(prctl(PR_CAPBSET_READ, 63), EINVAL);
	EXPECT_ERRNO(prctl(PR_CAPBSET_READ, -1), EINVAL);
}

static void capbset_drop_child(void)
{
	if (prctl(PR_CAPBSET_READ, CAP_SYS_BOOT_) != 1)
		CHILD_SKIP("CAP_SYS_BOOT not in the bounding set");
	CHILD_CHECK(prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT_) == 0, "drop: %s", strerror(errno));
	CHILD_CHECK(prctl(PR_CAPBSET_READ, CAP_SYS_BOOT_) == 0, "still in the set");
	CHILD_CHECK(FAILS_WITH(prctl(PR_CAPBSET_DROP, 63), EINVAL), "drop 63");
	drop_to_nobody();
	CHILD_CHECK(FAILS_WITH(prctl(PR_CAPBSET_DROP, CAP_CHOWN_), EPERM), "nobody drops");
}

static void prctl_capbset_drop(void)
{
	NEED_ROOT();
	CHILD_CASE(capbset_drop_child);
}

static void prctl_keepcaps(void)
{
	EXPECT(prctl(PR_GET_KEEPCAPS) == 0, "keepcaps initially %d", prctl(PR_GET_KEEPCAPS));
	EXPECT_ERRNO(prctl(PR_SET_KEEPCAPS, 2), EINVAL);
}

static void prctl_unknown(void)
{
	EXPECT_ERRNO(prctl(9999, 0, 0, 0, 0), EINVAL);
	EXPECT_ERRNO(prctl(-1, 0, 0, 0, 0), EINVAL);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	static char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (argc > 1 && !strcmp(argv[1], "--capcheck"))
		return capcheck_main();
	if (n > 0) {
		exe[n] = 0;
		self_path = exe;
	} else {
		self_path = argv[0];	/* Pagoda has no /proc/self/exe: runall's absolute path */
	}
	{
		struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

		sigaction(SIGALRM, &sa, NULL);	/* a timed-out read returns EINTR */
	}
	ut_begin("cred_test");
	RUN(ids_consistent);
	RUN(auxv_ids);
	RUN(status_shows_ids);
	RUN(setid_minus_one_einval);
	RUN(root_drops_to_nobody);
	RUN(seteuid_round_trip);
	RUN(setreuid_rules);
	RUN(setresuid_rules);
	RUN(setfsuid_rules);
	RUN(supplementary_groups);
	RUN(exec_keeps_ids_no_caps);
	RUN(kill_needs_same_uid);
	RUN(file_permissions);
	RUN(nobody_memlock_limit);
	RUN(prctl_name);
	RUN(prctl_pdeathsig);
	RUN(pdeathsig_not_inherited);
	RUN(prctl_dumpable);
	RUN(prctl_no_new_privs);
	RUN(prctl_capbset);
	RUN(prctl_capbset_drop);
	RUN(prctl_keepcaps);
	RUN(prctl_unknown);
	return ut_end();
}
