/*
 * lwipopts.h - Pagoda's configuration of lwIP 2.1.3 (Debian's lwip source,
 * fetched by tools/fetch-lwip.sh into build/lwip; every option not set
 * here keeps lwIP's default from src/include/lwip/opt.h).
 *
 * What is built: IPv4 with ARP/Ethernet, ICMP, UDP, TCP, DHCP and DNS,
 * the sequential "netconn" API (no BSD socket layer of lwIP's own: the
 * kernel's socket system calls sit on netconns), and the loopback
 * interface "lo0" at 127.0.0.1. No IPv6, IGMP, AutoIP, PPP yet.
 *
 * Threads: NO_SYS=0. lwIP's core is single-threaded: its tcpip thread
 * (a Pagoda kernel thread made by tcpip_init()) runs timers and input,
 * and with LWIP_TCPIP_CORE_LOCKING any other thread may call into the
 * core holding the core mutex - a netconn call then runs in the caller
 * rather than costing two thread switches through the tcpip mailbox.
 * LWIP_ASSERT_CORE_LOCKED checks that rule on every core entry.
 *
 * Memory: lwIP's heap (pbuf payloads) comes from the kernel's kmalloc
 * (MEM_LIBC_MALLOC): an idle stack holds none of it, every payload is a
 * slab object the debug allocator redzones, poisons and leak-scans, and
 * MEM_SIZE below, enforced by the port's malloc (sys_arch.c), caps it.
 * The fixed-size pools (PCBs, segments, netbufs, messages, timeouts) are
 * lwIP's own static arrays (MEMP_MEM_MALLOC 0), with the MEMP_NUM_*
 * counts below as their limits: the tcpip thread re-arms its cyclic
 * timers every few hundred milliseconds, each time freeing one timeout
 * and allocating another, and from kmalloc that churn would free and
 * take slab pages behind the back of every test that counts free pages
 * exactly (one such ktest failed on smp4, one page off).
 *
 * Sizes:
 *   MEM_SIZE      2 MiB  the most lwIP may hold at once, all kinds
 *   TCP_MSS       1460   Ethernet's 1500 less IP and TCP headers
 *   TCP_WND       128 KiB, announced with window scaling (RFC 7323,
 *                 shift 2): a window of 16 segments kept a sender waiting
 *                 for ACKs under QEMU, where a round trip takes long
 *   TCP_SND_BUF   64 MSS per connection
 *   window update sent when the reader has opened a quarter of the window
 *                 (lwIP's default, 4 MSS, sent one per 6 KiB read)
 *   PBUF_POOL     256 frames of 1536 bytes (received frames wait in them
 *                 until read: a window's worth, and room for a second)
 *   mailboxes     tcpip 64, per-netconn receive 64, accept 16 entries
 *   loopback      at most 64 packets queued on lo0
 */
#ifndef PAGODA_LWIPOPTS_H
#define PAGODA_LWIPOPTS_H

/* ---- threads and locking ---- */
#define NO_SYS				0
#define SYS_LIGHTWEIGHT_PROT		1	/* SYS_ARCH_PROTECT: a spinlock */
#define LWIP_TCPIP_CORE_LOCKING		1
#define LWIP_TCPIP_CORE_LOCKING_INPUT	0	/* drivers' input goes through the mailbox */
void sys_check_core_locking(void);	/* sys_arch.c */
#define LWIP_ASSERT_CORE_LOCKED()	sys_check_core_locking()
#define TCPIP_THREAD_NAME		"tcpip"
#define TCPIP_THREAD_STACKSIZE		0	/* a kernel stack, whatever the size */
#define TCPIP_THREAD_PRIO		0	/* one scheduling class in Pagoda */
#define TCPIP_MBOX_SIZE			64
#define DEFAULT_THREAD_STACKSIZE	0
#define DEFAULT_RAW_RECVMBOX_SIZE	64
#define DEFAULT_UDP_RECVMBOX_SIZE	64
#define DEFAULT_TCP_RECVMBOX_SIZE	64
#define DEFAULT_ACCEPTMBOX_SIZE		16

/* ---- memory: the heap from kmalloc, the pools static (see the top) ---- */
#define MEM_LIBC_MALLOC			1
#define MEMP_MEM_MALLOC			0
#define MEM_ALIGNMENT			8
#define MEM_SIZE			(2 * 1024 * 1024)
#include <stddef.h>
void *pagoda_lwip_malloc(size_t size);
void *pagoda_lwip_calloc(size_t n, size_t size);
void pagoda_lwip_free(void *p);
#define mem_clib_malloc			pagoda_lwip_malloc
#define mem_clib_calloc			pagoda_lwip_calloc
#define mem_clib_free			pagoda_lwip_free
#define MEMP_NUM_NETCONN		64
#define MEMP_NUM_TCP_PCB		64
#define MEMP_NUM_TCP_PCB_LISTEN		16
#define MEMP_NUM_UDP_PCB		16
#define MEMP_NUM_RAW_PCB		8
#define MEMP_NUM_TCP_SEG		512	/* >= TCP_SND_QUEUELEN */
#define MEMP_NUM_NETBUF			64
#define MEMP_NUM_TCPIP_MSG_API		64
#define MEMP_NUM_TCPIP_MSG_INPKT	64
#define PBUF_POOL_SIZE			256
#define PBUF_POOL_BUFSIZE		1536	/* one Ethernet frame per pool pbuf */

/* ---- protocols ---- */
#define LWIP_IPV4			1
#define LWIP_IPV6			0
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define ETHARP_SUPPORT_STATIC_ENTRIES	1
#define LWIP_ICMP			1
#define LWIP_RAW			1	/* ICMP echo from user space later */
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_DHCP			1
#define LWIP_DNS			1
#define LWIP_AUTOIP			0
#define LWIP_IGMP			0
#define IP_REASSEMBLY			1
#define IP_FRAG				1

#define TCP_MSS				1460
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			2
#define TCP_WND				(128 * 1024)
#define TCP_SND_BUF			(64 * TCP_MSS)
#define TCP_WND_UPDATE_THRESHOLD	(TCP_WND / 4)
#define TCP_SND_QUEUELEN		((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_QUEUE_OOSEQ			1
#define TCP_OOSEQ_MAX_BYTES		TCP_WND	/* out-of-order data kept per connection */
#define TCP_OOSEQ_MAX_PBUFS		128
#define TCP_LISTEN_BACKLOG		1
#define TCP_OVERSIZE			TCP_MSS
#define LWIP_TCP_KEEPALIVE		1
#define SO_REUSE			1
#define LWIP_TCP_PCB_NUM_EXT_ARGS	1	/* inet/tcp.c: told when lwIP frees a pcb */
/* Unguessable initial sequence numbers (RFC 6528), not lwIP's counter. */
#define LWIP_HOOK_FILENAME		"pagoda_hooks.h"
#define LWIP_HOOK_TCP_ISN		pagoda_tcp_isn
/* A fix for lwIP's ACK storm between two zero windows (inet/tcp.c). */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	pagoda_tcp_inpacket(pcb, hdr, p)

/* ---- interfaces ---- */
#define LWIP_NETIF_LOOPBACK		1	/* a netif may send to itself */
#define LWIP_HAVE_LOOPIF		1	/* lo0, 127.0.0.1/8 */
#define LWIP_LOOPBACK_MAX_PBUFS		64
#define LWIP_NETIF_STATUS_CALLBACK	1	/* for DHCP's "address bound" */
#define LWIP_NETIF_LINK_CALLBACK	1	/* for drivers' link changes */
#define LWIP_NETIF_HOSTNAME		1	/* DHCP sends it */

/* ---- the sequential API ---- */
#define LWIP_NETCONN			1
#define LWIP_SOCKET			0
#define LWIP_SO_RCVTIMEO		1	/* netconn_set_recvtimeout() */
#define LWIP_SO_SNDTIMEO		1
#define LWIP_SO_RCVBUF			1
#define LWIP_NETCONN_FULLDUPLEX		0
#define LWIP_NETCONN_SEM_PER_THREAD	0

/* err_to_errno(): Linux's errno numbers (compat/pagoda_errno.h). */
#define LWIP_ERRNO_INCLUDE		"pagoda_errno.h"

/* ---- statistics (read by the tests: nothing leaks; and /proc/net/dev) ---- */
#define LWIP_STATS			1
#define LWIP_STATS_DISPLAY		0
#define LWIP_STATS_LARGE		1	/* 32-bit counters: a flood passes 65535 */
#define MEM_STATS			1
#define MEMP_STATS			1
#define LINK_STATS			1
#define IP_STATS			1
#define TCP_STATS			1
#define UDP_STATS			1
#define ICMP_STATS			1
#define SYS_STATS			1
/*
 * The SNMP interface counters of every netif (netif->mib2_counters):
 * /proc/net/dev prints lo0's (kernel/net/inet/proc_net.c). lwIP's
 * loopback path counts octets and unicast packets both ways, and
 * output discards; nothing counts input errors or discards on lo0.
 */
#define MIB2_STATS			1

/* ---- checks ---- */
#define LWIP_CHECKSUM_ON_COPY		1

#endif
