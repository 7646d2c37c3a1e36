/*
 * uname.c - /bin/uname: print system information from uname(2).
 *
 *	uname [-asnrvm]		(no option means -s)
 *
 * Fields are printed in the fixed order sysname, nodename, release,
 * version, machine, whatever order the options came in (as coreutils).
 */
#include <stdio.h>
#include <sys/utsname.h>

enum { SYSNAME = 1, NODENAME = 2, RELEASE = 4, VERSION = 8, MACHINE = 16 };

int main(int argc, char **argv)
{
	struct utsname u;
	int i, which = 0, first = 1;
	const char *f;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			goto usage;
		for (f = argv[i] + 1; *f; f++) {
			switch (*f) {
			case 'a': which |= 31; break;
			case 's': which |= SYSNAME; break;
			case 'n': which |= NODENAME; break;
			case 'r': which |= RELEASE; break;
			case 'v': which |= VERSION; break;
			case 'm': which |= MACHINE; break;
			default: goto usage;
			}
		}
	}
	if (!which)
		which = SYSNAME;
	if (uname(&u) < 0) {
		perror("uname");
		return 1;
	}
	{
		const char *field[] = { u.sysname, u.nodename, u.release,
					u.version, u.machine };

		for (i = 0; i < 5; i++) {
			if (!(which & (1 << i)))
				continue;
			printf("%s%s", first ? "" : " ", field[i]);
			first = 0;
		}
	}
	printf("\n");
	return 0;
usage:
	fprintf(stderr, "usage: uname [-asnrvm]\n");
	return 2;
}
