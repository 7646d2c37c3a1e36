/*
 * ifconfig.c - /bin/ifconfig: show and configure network interfaces.
 *
 *	ifconfig [-a]					every interface
 *	ifconfig IFACE					one interface
 *	ifconfig IFACE [ADDR] [netmask MASK] [up|down]	configure it
 *
 * The listing follows net-tools' ifconfig on Linux: a "name: flags=N<...>
 * mtu N" line, then "inet ADDR  netmask MASK  broadcast BCAST", the
 * hardware address, and the RX/TX counters of /proc/net/dev. Every
 * interface is listed, up or down (net-tools needs -a for that; -a is
 * accepted). The names come from /proc/net/dev first (it has interfaces
 * without an address), then from SIOCGIFCONF (which has only those with
 * one); a system without /proc/net/dev still lists its addressed
 * interfaces, only without counters.
 *
 * Configuration applies the address first (SIOCSIFADDR; on Linux it also
 * resets the netmask to the address's class), then the netmask, then the
 * flags: "down" clears IFF_UP; "up", or setting an address, sets it, as
 * net-tools does.
 *
 * Only these ioctls are used, on an AF_INET datagram socket (the kernel's
 * side implements exactly this list): SIOCGIFCONF, SIOCGIFFLAGS,
 * SIOCSIFFLAGS, SIOCGIFADDR, SIOCSIFADDR, SIOCGIFNETMASK, SIOCSIFNETMASK,
 * SIOCGIFBRDADDR, SIOCGIFHWADDR, SIOCGIFMTU, SIOCGIFINDEX.
 *
 * Addresses are numeric IPv4 only. Exit status: 0 done, 1 an interface
 * is missing or an ioctl failed, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_IFACES 256

/* One interface's counters, as the columns of /proc/net/dev. */
struct if_stats {
	unsigned long long rx_bytes, rx_packets, rx_errs, rx_drop, rx_fifo,
		rx_frame, rx_compressed, rx_multicast;
	unsigned long long tx_bytes, tx_packets, tx_errs, tx_drop, tx_fifo,
		tx_colls, tx_carrier, tx_compressed;
};

struct iface {
	char name[IFNAMSIZ];
	int have_stats;
	struct if_stats st;
};

static struct iface ifaces[MAX_IFACES];
static int n_ifaces;

/* Flag names in net-tools' order. */
static const struct { short flag; const char *name; } flag_names[] = {
	{ IFF_UP, "UP" }, { IFF_BROADCAST, "BROADCAST" },
	{ IFF_DEBUG, "DEBUG" }, { IFF_LOOPBACK, "LOOPBACK" },
	{ IFF_POINTOPOINT, "POINTOPOINT" }, { IFF_NOTRAILERS, "NOTRAILERS" },
	{ IFF_RUNNING, "RUNNING" }, { IFF_NOARP, "NOARP" },
	{ IFF_PROMISC, "PROMISC" }, { IFF_ALLMULTI, "ALLMULTI" },
	{ IFF_MASTER, "MASTER" }, { IFF_SLAVE, "SLAVE" },
	{ IFF_MULTICAST, "MULTICAST" }, { IFF_PORTSEL, "PORTSEL" },
	{ IFF_AUTOMEDIA, "AUTOMEDIA" }, { (short)IFF_DYNAMIC, "DYNAMIC" },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: ifconfig [-a]\n"
		"       ifconfig IFACE\n"
		"       ifconfig IFACE [ADDR] [netmask MASK] [up|down]\n");
	exit(2);
}

static struct iface *find_iface(const char *name)
{
	int i;

	for (i = 0; i < n_ifaces; i++)
		if (!strcmp(ifaces[i].name, name))
			return &ifaces[i];
	return NULL;
}

/* Add @name (if new and it fits) and return its entry, or NULL. */
static struct iface *add_iface(const char *name)
{
	struct iface *ifc = find_iface(name);

	if (ifc)
		return ifc;
	if (n_ifaces == MAX_IFACES || strlen(name) >= IFNAMSIZ || !*name)
		return NULL;
	ifc = &ifaces[n_ifaces++];
	memset(ifc, 0, sizeof(*ifc));
	strcpy(ifc->name, name);
	return ifc;
}

/*
 * Read /proc/net/dev: two header lines, then one line per interface,
 *	"  eth0: rxbytes rxpackets rxerrs ... (8 RX, then 8 TX columns)"
 * Missing file: no interfaces from here, no counters.
 */
static void read_proc_net_dev(void)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512];
	int lineno = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *name = line, *colon;
		struct if_stats s;
		struct iface *ifc;

		if (++lineno <= 2)
			continue;
		while (*name == ' ' || *name == '\t')
			name++;
		colon = strchr(name, ':');
		if (!colon)
			continue;
		*colon = 0;
		if (sscanf(colon + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu %llu %llu %llu %llu %llu %llu",
			   &s.rx_bytes, &s.rx_packets, &s.rx_errs, &s.rx_drop,
			   &s.rx_fifo, &s.rx_frame, &s.rx_compressed,
			   &s.rx_multicast, &s.tx_bytes, &s.tx_packets,
			   &s.tx_errs, &s.tx_drop, &s.tx_fifo, &s.tx_colls,
			   &s.tx_carrier, &s.tx_compressed) != 16)
			continue;
		ifc = add_iface(name);
		if (ifc) {
			ifc->st = s;
			ifc->have_stats = 1;
		}
	}
	fclose(f);
}

/*
 * Add the interfaces SIOCGIFCONF reports (those with an IPv4 address).
 * The buffer grows until the kernel's answer leaves room to spare, so a
 * full buffer is never mistaken for the whole list.
 */
static void read_ifconf(int sock)
{
	struct ifconf ifc;
	size_t cap = 16 * sizeof(struct ifreq);
	char *buf = NULL;
	int i, n;

	for (;;) {
		char *nbuf = realloc(buf, cap);

		if (!nbuf) {
			free(buf);
			return;
		}
		buf = nbuf;
		ifc.ifc_len = (int)cap;
		ifc.ifc_buf = buf;
		if (ioctl(sock, SIOCGIFCONF, &ifc) < 0) {
			perror("ifconfig: SIOCGIFCONF");
			free(buf);
			return;
		}
		if ((size_t)ifc.ifc_len + sizeof(struct ifreq) <= cap ||
		    cap >= MAX_IFACES * 4 * sizeof(struct ifreq))
			break;
		cap *= 2;
	}
	n = ifc.ifc_len / (int)sizeof(struct ifreq);
	for (i = 0; i < n; i++) {
		char name[IFNAMSIZ + 1];

		memcpy(name, ifc.ifc_req[i].ifr_name, IFNAMSIZ);
		name[IFNAMSIZ] = 0;
		add_iface(name);
	}
	free(buf);
}

/* Put @name (shorter than IFNAMSIZ: checked by the callers) into @ifr. */
static void set_name(struct ifreq *ifr, const char *name)
{
	size_t n = strnlen(name, IFNAMSIZ - 1);

	memcpy(ifr->ifr_name, name, n);
	ifr->ifr_name[n] = 0;
}

/* ioctl @req on interface @name; the answer is left in @ifr. */
static int if_ioctl(int sock, const char *name, unsigned long req,
		    struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	set_name(ifr, name);
	return ioctl(sock, req, ifr);
}

static const char *sa_addr(const struct sockaddr *sa)
{
	return inet_ntoa(((const struct sockaddr_in *)sa)->sin_addr);
}

/* "58.3 KiB" as net-tools prints byte counts. */
static void human_size(unsigned long long n, char *out, size_t len)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	/* net-tools truncates to tenths rather than rounding */
	snprintf(out, len, "%.1f %s", (double)(unsigned long long)(v * 10) / 10,
		 units[u]);
}

static void print_flags(short flags)
{
	size_t i;
	int first = 1;

	printf("flags=%u<", (unsigned short)flags);
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (!(flags & flag_names[i].flag))
			continue;
		printf("%s%s", first ? "" : ",", flag_names[i].name);
		first = 0;
	}
	printf(">");
}

static void print_hwaddr(int sock, const char *name)
{
	struct ifreq ifr;
	const unsigned char *a;

	if (if_ioctl(sock, name, SIOCGIFHWADDR, &ifr) < 0)
		return;
	a = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
		printf("        ether %02x:%02x:%02x:%02x:%02x:%02x  (Ethernet)\n",
		       a[0], a[1], a[2], a[3], a[4], a[5]);
		break;
	case ARPHRD_LOOPBACK:
		printf("        loop  (Local Loopback)\n");
		break;
	default:
		printf("        unspec  (hardware type %u)\n",
		       ifr.ifr_hwaddr.sa_family);
		break;
	}
}

static void print_stats(const struct if_stats *s)
{
	char h[32];

	human_size(s->rx_bytes, h, sizeof(h));
	printf("        RX packets %llu  bytes %llu (%s)\n",
	       s->rx_packets, s->rx_bytes, h);
	printf("        RX errors %llu  dropped %llu  overruns %llu  frame %llu\n",
	       s->rx_errs, s->rx_drop, s->rx_fifo, s->rx_frame);
	human_size(s->tx_bytes, h, sizeof(h));
	printf("        TX packets %llu  bytes %llu (%s)\n",
	       s->tx_packets, s->tx_bytes, h);
	printf("        TX errors %llu  dropped %llu overruns %llu  carrier %llu  collisions %llu\n",
	       s->tx_errs, s->tx_drop, s->tx_fifo, s->tx_carrier, s->tx_colls);
}

/* Print one interface; 0, or -1 if it does not exist. */
static int show_iface(int sock, const struct iface *ifc)
{
	struct ifreq ifr;
	short flags;

	if (if_ioctl(sock, ifc->name, SIOCGIFFLAGS, &ifr) < 0) {
		fprintf(stderr, "ifconfig: %s: %s\n", ifc->name,
			errno == ENODEV ? "Device not found" : strerror(errno));
		return -1;
	}
	flags = ifr.ifr_flags;
	printf("%s: ", ifc->name);
	print_flags(flags);
	if (if_ioctl(sock, ifc->name, SIOCGIFMTU, &ifr) == 0)
		printf("  mtu %d", ifr.ifr_mtu);
	printf("\n");

	if (if_ioctl(sock, ifc->name, SIOCGIFADDR, &ifr) == 0 &&
	    ifr.ifr_addr.sa_family == AF_INET) {
		printf("        inet %s", sa_addr(&ifr.ifr_addr));
		if (if_ioctl(sock, ifc->name, SIOCGIFNETMASK, &ifr) == 0)
			printf("  netmask %s", sa_addr(&ifr.ifr_netmask));
		if ((flags & IFF_BROADCAST) &&
		    if_ioctl(sock, ifc->name, SIOCGIFBRDADDR, &ifr) == 0)
			printf("  broadcast %s", sa_addr(&ifr.ifr_broadaddr));
		printf("\n");
	}
	print_hwaddr(sock, ifc->name);
	if (ifc->have_stats)
		print_stats(&ifc->st);
	printf("\n");
	return 0;
}

/* Numeric IPv4 address into @sa (an AF_INET sockaddr); -1 if not one. */
static int parse_addr(const char *s, struct sockaddr *sa)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	return inet_pton(AF_INET, s, &sin->sin_addr) == 1 ? 0 : -1;
}

static int set_or_complain(int sock, const char *name, unsigned long req,
			   struct ifreq *ifr, const char *what)
{
	set_name(ifr, name);
	if (ioctl(sock, req, ifr) == 0)
		return 0;
	fprintf(stderr, "ifconfig: %s: %s: %s\n", name, what, strerror(errno));
	return -1;
}

/* ifconfig IFACE [ADDR] [netmask MASK] [up|down] */
static int configure(int sock, const char *name, int argc, char **argv)
{
	struct ifreq addr, mask, ifr;
	int have_addr = 0, have_mask = 0, up = 0, down = 0, i;

	memset(&addr, 0, sizeof(addr));
	memset(&mask, 0, sizeof(mask));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "up")) {
			up = 1;
		} else if (!strcmp(argv[i], "down")) {
			down = 1;
		} else if (!strcmp(argv[i], "netmask")) {
			if (++i == argc || have_mask)
				usage();
			if (parse_addr(argv[i], &mask.ifr_netmask) < 0) {
				fprintf(stderr, "ifconfig: %s: bad netmask\n", argv[i]);
				return 2;
			}
			have_mask = 1;
		} else if (!have_addr) {
			if (parse_addr(argv[i], &addr.ifr_addr) < 0) {
				fprintf(stderr, "ifconfig: %s: not a numeric IPv4 address\n",
					argv[i]);
				return 2;
			}
			have_addr = 1;
		} else {
			usage();
		}
	}
	if (up && down)
		usage();

	if (if_ioctl(sock, name, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "ifconfig: %s: %s\n", name,
			errno == ENODEV ? "Device not found" : strerror(errno));
		return 1;
	}
	if (have_addr && set_or_complain(sock, name, SIOCSIFADDR, &addr,
					 "SIOCSIFADDR") < 0)
		return 1;
	if (have_mask && set_or_complain(sock, name, SIOCSIFNETMASK, &mask,
					 "SIOCSIFNETMASK") < 0)
		return 1;
	if (!(up || down || have_addr))
		return 0;
	if (if_ioctl(sock, name, SIOCGIFFLAGS, &ifr) < 0) {
		fprintf(stderr, "ifconfig: %s: SIOCGIFFLAGS: %s\n", name,
			strerror(errno));
		return 1;
	}
	if (down)
		ifr.ifr_flags &= ~IFF_UP;
	else
		ifr.ifr_flags |= IFF_UP;
	return set_or_complain(sock, name, SIOCSIFFLAGS, &ifr,
			       "SIOCSIFFLAGS") < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	int sock, i, rc = 0;

	if (argc > 1 && !strcmp(argv[1], "-a")) {
		argv++;
		argc--;
		if (argc > 1)
			usage();
	}
	if (argc > 1 && (argv[1][0] == '-' || strlen(argv[1]) >= IFNAMSIZ))
		usage();
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0) {
		perror("ifconfig: socket");
		return 1;
	}
	if (argc > 2)
		return configure(sock, argv[1], argc - 2, argv + 2);

	read_proc_net_dev();
	if (argc == 2) {
		struct iface *ifc = find_iface(argv[1]);
		struct iface one;

		if (!ifc) {
			memset(&one, 0, sizeof(one));
			strcpy(one.name, argv[1]);
			ifc = &one;
		}
		return show_iface(sock, ifc) < 0 ? 1 : 0;
	}
	read_ifconf(sock);
	for (i = 0; i < n_ifaces; i++)
		if (show_iface(sock, &ifaces[i]) < 0)
			rc = 1;
	return rc;
}
