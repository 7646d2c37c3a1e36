/*
 * proc_net.c - /proc/net: the network's files in Linux's text formats, so
 * that programs written for Linux (ifconfig, netstat, a test's parser)
 * read them unchanged.
 *
 *   /proc/net/         a plain directory (Linux's is a symlink to self/net,
 *   |                  one per network namespace; Pagoda has one network);
 *   |                  /proc/<pid>/net is the same directory again
 *   |-- dev            counters of every interface: lo, then eth0, eth1...
 *   |-- tcp            one line per TCP socket   (Linux's net/ipv4/tcp_ipv4.c)
 *   `-- udp            one line per bound UDP socket   (net/ipv4/udp.c)
 *
 * The facts come from the stack through kernel/net/proc_net.h (lwIP's
 * side: kernel/net/inet/proc_net.c) and, for the NICs, from their struct
 * netdev counters; only the formatting is here. Every file is PROC_GLOBAL:
 * generated whole at open (and by a read from offset 0), no lock held by
 * procfs; the socket walks call back under lwIP's core lock, and the
 * lines are appended to the proc_buf there, to be copied to the reader
 * later without it.
 *
 * Layouts, column by column as Linux prints them:
 *
 *   dev  "%6s:" name, then 8 receive columns (bytes packets errs drop fifo
 *        frame compressed multicast) and 8 transmit ones (bytes packets
 *        errs drop fifo colls carrier compressed); Pagoda counts the first
 *        four of each, the rest are 0.
 *   tcp  sl, local and remote address:port (the network-order address
 *        printed as a host u32, so 127.0.0.1 is 0100007F; port in hex),
 *        st, tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout
 *        (probes), inode; full sockets then ref, pointer, rto, ato,
 *        quick/pingpong, cwnd, ssthresh. SYN_RECV and TIME_WAIT lines stop
 *        after the pointer (Linux's get_openreq4, get_timewait4_sock).
 *        Each line is padded with blanks to 149 characters.
 *   udp  the same first columns, then ref, pointer and drops; padded to
 *        127. Its sl is a running number here (Linux: the hash bucket).
 *
 * Kernel pointers are never shown: the pointer column is zeros, as Linux
 * prints %pK to a reader without CAP_SYSLOG. "ref" is 1 (Pagoda counts no
 * references to a socket; 0 on SYN_RECV lines, as Linux); "drops" is 0.
 * Inode numbers: PROC_NET_INO for the directory, + 1 + i for its files
 * (procfs.c's proc_ino comment draws the whole scheme).
 */
#include "kernel/drivers/netdev.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/proc_internal.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/net/proc_net.h"
#include <stdarg.h>

#define TCP_LINE_WIDTH	149		/* Linux's TMPSZ - 1 */
#define UDP_LINE_WIDTH	127
#define LINE_MAX	256		/* longer than any line before padding */
#define NO_POINTER	"0000000000000000"	/* %pK, restricted */
#define SOCK_REFS	1

/* ---- dev ---- */

static void dev_line(struct proc_buf *b, const char *name, const struct net_if_stats *s)
{
	proc_printf(b, "%6s: %7lu %7lu %4lu %4lu %4lu %5lu %10lu %9lu "
		    "%8lu %7lu %4lu %4lu %4lu %5lu %7lu %10lu\n", name,
		    (unsigned long)s->rx_bytes, (unsigned long)s->rx_packets,
		    (unsigned long)s->rx_errors, (unsigned long)s->rx_dropped, 0ul, 0ul, 0ul, 0ul,
		    (unsigned long)s->tx_bytes, (unsigned long)s->tx_packets,
		    (unsigned long)s->tx_errors, (unsigned long)s->tx_dropped, 0ul, 0ul, 0ul, 0ul);
}

static void netdev_if_stats(struct netdev *dev, struct net_if_stats *s)
{
	const struct netdev_stats *d = &dev->stats;

	*s = (struct net_if_stats){
		.rx_bytes = netdev_stat_read(&d->rx_bytes),
		.rx_packets = netdev_stat_read(&d->rx_packets),
		.rx_errors = netdev_stat_read(&d->rx_errors),
		.rx_dropped = netdev_stat_read(&d->rx_dropped),
		.tx_bytes = netdev_stat_read(&d->tx_bytes),
		.tx_packets = netdev_stat_read(&d->tx_packets),
		.tx_errors = netdev_stat_read(&d->tx_errors),
		.tx_dropped = netdev_stat_read(&d->tx_dropped),
	};
}

/* The loopback first (when the stack is up), then the NICs in their order. */
static int proc_show_net_dev(struct proc_buf *b, const struct proc_ctx *unused)
{
	struct net_if_stats s;
	struct netdev *dev = NULL;

	proc_printf(b, "Inter-|   Receive                            "
		    "                    |  Transmit\n"
		    " face |bytes    packets errs drop fifo frame "
		    "compressed multicast|bytes    packets errs "
		    "drop fifo colls carrier compressed\n");
	if (net_proc_lo_stats(&s))
		dev_line(b, "lo", &s);
	while ((dev = netdev_next(dev)) != NULL) {
		netdev_if_stats(dev, &s);
		dev_line(b, dev->name, &s);
	}
	return 0;
}

/* ---- tcp and udp ---- */

/* What a walk's callback appends to, and the next line's number. */
struct sock_lines {
	struct proc_buf *b;
	int sl;
};

/* Format one line, then pad it with blanks to @width, as Linux's seq_pad. */
static void __printf(3, 4) padded_line(struct proc_buf *b, int width, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	proc_printf(b, "%-*s\n", width, line);
}

/* Linux's first columns, common to every layout: "sl: local remote st". */
#define SOCK_HEAD_FMT	"%4d: %08X:%04X %08X:%04X %02X "
#define SOCK_HEAD(n, r)	(n), (r)->laddr, (r)->lport, (r)->raddr, (r)->rport, (r)->state

/* Called under lwIP's core lock: append only. */
static void tcp_line(void *arg, const struct net_sock_row *r)
{
	struct sock_lines *s = arg;
	unsigned long when = (unsigned long)r->timer_when;

	switch (r->kind) {
	case NET_ROW_SOCK:
		padded_line(s->b, TCP_LINE_WIDTH,
			    SOCK_HEAD_FMT "%08X:%08X %02X:%08lX %08X %5u %8u %lu %d %s %lu %lu %u %u %d",
			    SOCK_HEAD(s->sl, r), r->tx_queue, r->rx_queue, r->timer, when,
			    r->retransmits, r->uid, r->probes, (unsigned long)r->ino, SOCK_REFS,
			    NO_POINTER, (unsigned long)r->rto, (unsigned long)r->ato, 0u, r->cwnd,
			    r->ssthresh);
		break;
	case NET_ROW_OPENREQ:
		padded_line(s->b, TCP_LINE_WIDTH,
			    SOCK_HEAD_FMT "%08X:%08X %02X:%08lX %08X %5u %8d %u %d %s",
			    SOCK_HEAD(s->sl, r), 0u, 0u, r->timer, when, r->retransmits, r->uid,
			    0, 0u, 0, NO_POINTER);
		break;
	case NET_ROW_TIMEWAIT:
		padded_line(s->b, TCP_LINE_WIDTH,
			    SOCK_HEAD_FMT "%08X:%08X %02X:%08lX %08X %5d %8d %d %d %s",
			    SOCK_HEAD(s->sl, r), 0u, 0u, r->timer, when, 0u, 0, 0, 0, SOCK_REFS,
			    NO_POINTER);
		break;
	}
	s->sl++;
}

static int proc_show_net_tcp(struct proc_buf *b, const struct proc_ctx *unused)
{
	struct sock_lines s = { .b = b };

	padded_line(b, TCP_LINE_WIDTH, "  sl  local_address rem_address   st tx_queue "
		    "rx_queue tr tm->when retrnsmt   uid  timeout inode");
	net_proc_tcp_walk(tcp_line, &s);
	return 0;
}

/* Called under lwIP's core lock: append only. */
static void udp_line(void *arg, const struct net_sock_row *r)
{
	struct sock_lines *s = arg;

	padded_line(s->b, UDP_LINE_WIDTH,
		    "%5d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %s %u",
		    s->sl, r->laddr, r->lport, r->raddr, r->rport, r->state, r->tx_queue,
		    r->rx_queue, 0u, 0ul, 0u, r->uid, 0, (unsigned long)r->ino, SOCK_REFS,
		    NO_POINTER, 0u);
	s->sl++;
}

static int proc_show_net_udp(struct proc_buf *b, const struct proc_ctx *unused)
{
	struct sock_lines s = { .b = b };

	padded_line(b, UDP_LINE_WIDTH, "   sl  local_address rem_address   st tx_queue "
		    "rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops");
	net_proc_udp_walk(udp_line, &s);
	return 0;
}

/* ---- the directory ---- */

#define PROC_NET_FILE_INO	(PROC_NET_INO + 1)

static const struct proc_entry proc_net_files[] = {
	{ "dev", PROC_GLOBAL, .show = proc_show_net_dev },
	{ "tcp", PROC_GLOBAL, .show = proc_show_net_tcp },
	{ "udp", PROC_GLOBAL, .show = proc_show_net_udp },
};

static struct dentry *proc_net_lookup(struct dentry *parent, const char *name)
{
	return proc_table_lookup(parent, name, proc_net_files, ARRAY_SIZE(proc_net_files), 0,
				 PROC_NET_FILE_INO);
}

static int proc_net_iterate(struct file *f, struct dir_context *ctx)
{
	return proc_table_iterate(f, ctx, proc_net_files, ARRAY_SIZE(proc_net_files),
				  PROC_NET_FILE_INO);
}

const struct inode_operations proc_net_iops = {
	.lookup = proc_net_lookup,
	.iterate = proc_net_iterate,
	.evict = proc_evict,
};
