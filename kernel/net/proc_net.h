/*
 * proc_net.h - what /proc/net (kernel/fs/proc_net.c) asks of the TCP/IP
 * stack, in plain C: procfs formats Linux's text and knows no lwIP type;
 * kernel/net/inet/proc_net.c, built with lwIP's headers, walks lwIP's
 * control blocks and interfaces under its core lock and answers here.
 *
 *   /proc/net/dev  lo's counters: net_proc_lo_stats() (the NICs' come from
 *                  kernel/drivers/netdev.h directly)
 *   /proc/net/tcp  net_proc_tcp_walk(): one struct net_sock_row per pcb
 *   /proc/net/udp  net_proc_udp_walk(): the same, per UDP pcb
 *
 * A walk calls its callback with lwIP's core lock held (a mutex): the
 * callback may allocate and sleep, but must not touch user memory (a
 * fault would stall the whole stack, inet.h) and must not call back into
 * the stack. procfs appends to its proc_buf there and copies to the
 * reader later, without the lock.
 */
#ifndef KERNEL_NET_PROC_NET_H
#define KERNEL_NET_PROC_NET_H

#include <stdbool.h>
#include <stdint.h>

/* An interface's counters, as Linux's struct rtnl_link_stats64 names them. */
struct net_if_stats {
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

/*
 * The counters of lwIP's loopback interface lo0 (Linux's "lo"): its SNMP
 * counters (lwipopts.h: MIB2_STATS), which lwIP's loopback path keeps for
 * every packet sent to 127/8 or to one of our own addresses. Returns
 * false, @st untouched, before the stack is up. Takes the core lock: a
 * task that may sleep.
 */
bool net_proc_lo_stats(struct net_if_stats *st);

/* Linux's socket states (include/net/tcp_states.h), the "st" column. */
enum net_tcp_state {
	NET_TCP_ESTABLISHED = 1,	/* UDP: connected */
	NET_TCP_SYN_SENT,
	NET_TCP_SYN_RECV,
	NET_TCP_FIN_WAIT1,
	NET_TCP_FIN_WAIT2,
	NET_TCP_TIME_WAIT,
	NET_TCP_CLOSE,			/* UDP: not connected */
	NET_TCP_CLOSE_WAIT,
	NET_TCP_LAST_ACK,
	NET_TCP_LISTEN,
	NET_TCP_CLOSING,
};

/* Which of Linux's three line layouts a row takes (net/ipv4/tcp_ipv4.c). */
enum net_row_kind {
	NET_ROW_SOCK,		/* a full socket: get_tcp4_sock, udp4_format_sock */
	NET_ROW_OPENREQ,	/* TCP SYN_RECV under a listener: get_openreq4 */
	NET_ROW_TIMEWAIT,	/* TCP TIME_WAIT: get_timewait4_sock */
};

/*
 * One line of /proc/net/tcp or udp, in Linux's units. Addresses are in
 * network order (Linux prints the u32 as it lies in memory), ports in
 * host order. Timer codes: 0 none, 1 retransmit (or the SYN-ACK's), 2
 * keepalive, 3 TIME_WAIT, 4 zero-window probe; timer_when is how long
 * until it fires, in clock ticks (USER_HZ, 100 a second).
 */
struct net_sock_row {
	enum net_row_kind kind;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t state;			/* enum net_tcp_state */
	uint32_t tx_queue, rx_queue;	/* bytes: unacknowledged / unread (listener: accept queue) */
	uint8_t timer;
	uint64_t timer_when;
	uint32_t retransmits;		/* timeouts of the oldest unacked segment (retrnsmt) */
	uint32_t probes;		/* unanswered keepalive or window probes (timeout) */
	uint32_t uid;			/* the owning socket's creator; 0 for none */
	uint64_t ino;			/* the socket's inode number; 0 for none */
	/* TCP full sockets only: */
	uint64_t rto, ato;		/* retransmit and delayed-ACK timeouts, clock ticks */
	uint32_t cwnd;			/* congestion window, segments */
	int32_t ssthresh;		/* slow-start threshold, segments; listener: 0 */
};

typedef void (*net_row_fn)(void *arg, const struct net_sock_row *row);

/*
 * Call @fn(@arg, row) for every TCP connection lwIP holds, in Linux's
 * order: listeners, then the rest (SYN_RECV among them), TIME_WAIT last.
 * Bound sockets that neither listen nor connect are not listed, as on
 * Linux (they are in no hash /proc/net/tcp walks). The core lock is held
 * across the walk (see the top). Nothing happens before the stack is up.
 */
void net_proc_tcp_walk(net_row_fn fn, void *arg);
/* The same for every bound UDP socket (lwIP's udp_pcbs). */
void net_proc_udp_walk(net_row_fn fn, void *arg);

#endif
