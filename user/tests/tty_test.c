/*
 * tty_test.c - terminal ioctls on the console: termios get/set, window
 * size, foreground process group, isatty, and ENOTTY elsewhere.
 *
 * The terminal is stdin or stdout if either is a tty, else /dev/tty.
 * Under a pipe with no controlling terminal (a Linux host running the
 * tests from a script) the terminal cases print honest SKIP lines and are
 * counted neither as passed nor as failed.  The termios round trip
 * restores the original settings even when it fails half-way.
 */
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>

static int tty_fd = -1;
static int have_ctty;
static const char *why_none = "no terminal on fd 0/1 and no controlling tty";

static void find_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY);

	if (fd >= 0) {
		have_ctty = 1;
		tty_fd = fd;
	}
	if (isatty(0))
		tty_fd = 0;
	else if (isatty(1))
		tty_fd = 1;
}

static void tcgetattr_defaults(void)
{
	struct termios t;

	if (tty_fd < 0)
		SKIP("%s", why_none);
	EXPECT_OK(tcgetattr(tty_fd, &t));
	EXPECT(t.c_lflag & ICANON, "ICANON is off (c_lflag %#o)", t.c_lflag);
	EXPECT(t.c_lflag & ECHO, "ECHO is off (c_lflag %#o)", t.c_lflag);
}

static void tcsetattr_round_trip(void)
{
	struct termios orig, t, back;
	int ok;

	if (tty_fd < 0)
		SKIP("%s", why_none);
	EXPECT_OK(tcgetattr(tty_fd, &orig));
	t = orig;
	t.c_cc[VMIN] = orig.c_cc[VMIN] == 5 ? 6 : 5;
	t.c_cc[VTIME] = 3;
	EXPECT_OK(tcsetattr(tty_fd, TCSANOW, &t));
	ok = tcgetattr(tty_fd, &back) == 0 && back.c_cc[VMIN] == t.c_cc[VMIN] &&
	     back.c_cc[VTIME] == 3 && back.c_lflag == orig.c_lflag;
	tcsetattr(tty_fd, TCSANOW, &orig);
	EXPECT(ok, "VMIN/VTIME did not read back (VMIN %d VTIME %d)",
	       back.c_cc[VMIN], back.c_cc[VTIME]);
	EXPECT_OK(tcgetattr(tty_fd, &back));
	EXPECT(back.c_cc[VMIN] == orig.c_cc[VMIN] && back.c_lflag == orig.c_lflag,
	       "original settings not restored");
}

static void winsize(void)
{
	struct winsize ws;

	if (tty_fd < 0)
		SKIP("%s", why_none);
	memset(&ws, 0, sizeof(ws));
	EXPECT_OK(ioctl(tty_fd, TIOCGWINSZ, &ws));
}

static void foreground_pgrp(void)
{
	pid_t pg;

	if (!have_ctty)
		SKIP("no controlling tty");
	pg = tcgetpgrp(tty_fd);
	EXPECT(pg > 0, "tcgetpgrp: %d (%s)", pg, strerror(errno));
	/*
	 * kill(-pg, 0) probes the group, but -1 means "every process": for
	 * group 1 (init's, when the tests run as pid 1) probe its leader.
	 */
	EXPECT((pg > 1 ? kill(-pg, 0) : kill(pg, 0)) == 0 || errno == EPERM,
	       "foreground pgrp %d does not exist: %s", pg, strerror(errno));
}

static void isatty_consistent(void)
{
	struct stat st;
	int p[2], fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fstat(fd, &st) < 0)
			continue;
		if (isatty(fd))
			EXPECT(S_ISCHR(st.st_mode),
			       "isatty(%d) but not a character device", fd);
	}
	EXPECT_OK(pipe(p));
	errno = 0;
	EXPECT(!isatty(p[0]) && errno == ENOTTY, "isatty(pipe) %s",
	       strerror(errno));
	close(p[0]);
	close(p[1]);
}

static void ioctl_on_regular_file(void)
{
	struct termios t;
	struct winsize ws;
	int fd;

	fd = open(ut_path("plain"), O_RDWR | O_CREAT, 0644);
	EXPECT_OK(fd);
	EXPECT_ERRNO(ioctl(fd, TCGETS, &t), ENOTTY);
	EXPECT_ERRNO(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
	EXPECT(!isatty(fd), "isatty on a regular file");
	close(fd);
}

int main(void)
{
	ut_begin("tty_test");
	find_tty();
	RUN(tcgetattr_defaults);
	RUN(tcsetattr_round_trip);
	RUN(winsize);
	RUN(foreground_pgrp);
	RUN(isatty_consistent);
	RUN(ioctl_on_regular_file);
	return ut_end();
}
