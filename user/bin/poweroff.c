/*
 * poweroff.c - /bin/poweroff: flush the file systems and turn the
 * machine off.
 *
 * Invoked under the name "reboot" (a link or copy named reboot) it
 * restarts the machine instead, and as "halt" it halts.  Needs the
 * privilege to call reboot(2); prints the error otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? strrchr(argv[0], '/') : NULL;
	int how = RB_POWER_OFF;

	name = name ? name + 1 : (argc > 0 ? argv[0] : "poweroff");
	if (!strcmp(name, "reboot"))
		how = RB_AUTOBOOT;
	else if (!strcmp(name, "halt"))
		how = RB_HALT_SYSTEM;
	sync();
	if (reboot(how) < 0) {
		perror(name);
		return 1;
	}
	return 0;
}
