/*
 * nic_test.h - what the NIC ktests share (kernel/tests/nic_test.c): frames
 * built and checked by hand, capturing what a netdev receives, and the
 * test bodies every driver runs against QEMU's user-mode network.
 *
 * The network is the harness's -netdev user,restrict=on: the guest is
 * 10.0.2.15 with QEMU's default MAC 52:54:00:12:34:56, and slirp itself
 * (10.0.2.2) answers ARP for its address and ICMP echo to it - the only
 * traffic these helpers send. lwIP, which has its own netif on the NIC,
 * is kept off it while a test captures (net_eth_hold), so that the counts
 * are the tests' own.
 *
 * Everything runs in the ktest runner (the boot CPU's idle task), which
 * cannot sleep: waits let other tasks (the netpoll thread) run until a
 * clock deadline. Users: virtio_net_ktest.c, e1000_ktest.c.
 */
#ifndef KERNEL_TESTS_NIC_TEST_H
#define KERNEL_TESTS_NIC_TEST_H

#include "kernel/drivers/netdev.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"

#define NSEC_PER_SEC		1000000000ull
#define WAIT_NS			(20 * NSEC_PER_SEC)	/* generous: TCG on a busy host */

#define IP_HLEN			20
#define ICMP_HLEN		8
#define ARP_LEN			28			/* Ethernet/IPv4 ARP body */
#define PING_PAYLOAD		56			/* ping(8)'s default */
#define PING_LEN		(ETH_HLEN + IP_HLEN + ICMP_HLEN + PING_PAYLOAD)
#define BURST			1000			/* echo requests in a burst */

extern const uint8_t qemu_default_mac[ETH_ALEN];

/*
 * The receive handler's record, read by the test under nic_cap.lock. The
 * handler runs in the netpoll thread; the test waits in the idle task.
 */
struct nic_capture {
	spinlock_t lock;
	const uint8_t *mac;		/* ours */
	uint8_t gw_mac[ETH_ALEN];	/* from the first ARP reply */
	uint16_t echo_id;		/* echo replies to look for */
	unsigned long frames;		/* every frame the handler saw */
	unsigned long arp_replies;
	unsigned long echo_replies;
	unsigned long echo_dups;	/* a sequence number seen twice */
	uint8_t seen[BURST / 8 + 1];	/* sequence numbers replied to */
};
extern struct nic_capture nic_cap;

/* "Who has 10.0.2.2? Tell 10.0.2.15" from @mac, broadcast; its length. */
size_t nic_build_arp_request(uint8_t *f, const uint8_t *mac);
/* An ICMP echo request @id/@seq to the gateway (PING_LEN bytes). */
size_t nic_build_echo(uint8_t *f, const uint8_t *mac, const uint8_t *gw_mac,
		      uint16_t id, uint16_t seq);

/* Receive @dev's frames into nic_cap (counts reset), lwIP held off. */
void nic_capture_start(struct netdev *dev, uint16_t echo_id);
/* Give @dev back to lwIP. */
void nic_capture_stop(struct netdev *dev);
/* Read a nic_cap counter under its lock. */
unsigned long nic_cap_read(const unsigned long *field);
/* Let other tasks run until *@field reaches @want or @ns pass. */
bool nic_wait_for(const unsigned long *field, unsigned long want, uint64_t ns);
/* ARP for the gateway until answered (capturing): nic_cap.gw_mac is set. */
bool nic_resolve_gateway(struct netdev *dev);
/* Interrupts taken on the vectors PCI devices get (0x30..0xef, arch/irq.h). */
unsigned long nic_pci_vector_irqs(void);
void nic_stats_snapshot(struct netdev *dev, struct netdev_stats *s);

/*
 * The shared test bodies; each returns KT_PASS or KT_FAIL (with the
 * reason recorded). @dev is a NIC with link up on the network above.
 *
 * nic_test_arp_gateway: ARP "who has 10.0.2.2" gets slirp's answer,
 * addressed to our MAC, and both frames are counted.
 *
 * nic_test_icmp_echo: one ICMP echo to 10.0.2.2 comes back with our @id,
 * sequence and payload.
 *
 * nic_test_tx_burst: BURST echo requests as fast as the TX ring takes
 * them (the sender waits for free slots, so the ring fills and
 * completions must be reclaimed to go on) - or, with a nonzero @window,
 * never more than @window unanswered, for a NIC that drops what does not
 * fit its RX ring as real ones do (QEMU's e1000): every frame is sent and
 * counted, every reply arrives exactly once (the RX ring, smaller than
 * the burst, is refilled as it goes and wraps), the counters agree with
 * what the handler saw, interrupts came (@irqs_taken grew), and
 * afterwards @tx_pending (transmits the driver still holds) is 0 and not
 * one page is missing. The capture ends (lwIP gets the NIC back) before
 * anything is judged.
 */
/*
 * nic_test_bad_lengths: a frame shorter than an Ethernet header or longer
 * than the MTU is refused (-EMSGSIZE) and counted as a transmit error,
 * never sent.
 */
int nic_test_bad_lengths(struct netdev *dev);
int nic_test_arp_gateway(struct netdev *dev);
int nic_test_icmp_echo(struct netdev *dev, uint16_t id);
int nic_test_tx_burst(struct netdev *dev, uint16_t id, unsigned int window,
		      long (*tx_pending)(struct netdev *),
		      unsigned long (*irqs_taken)(struct netdev *));

#endif
