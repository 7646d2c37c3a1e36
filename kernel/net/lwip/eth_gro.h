/*
 * eth_gro.h - receive coalescing of TCP segments for the Ethernet
 * interfaces (eth_gro.c says what merges and why), used by netif_eth.c.
 */
#ifndef KERNEL_NET_LWIP_ETH_GRO_H
#define KERNEL_NET_LWIP_ETH_GRO_H

#include <stdbool.h>
#include <stdint.h>

struct pbuf;

/*
 * The headers of a frame that may merge, as read from it:
 *
 *   IPv4 (offset 14)                     TCP (offset 34)
 *   0      ver|ihl tos  tot_len           0   src port   dst port
 *   4      id           frag|off          4   seq
 *   8      ttl  proto   checksum          8   ack
 *   12     src address                    12  off|flags  window
 *   16     dst address                    16  checksum   urgent
 */
struct gro_seg {
	uint32_t saddr, daddr;		/* host order, as the rest */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t window;
	uint8_t flags;
	uint16_t data_len;
	uint32_t data_sum;		/* the data's one's-complement sum, folded */
};

/* One interface's held segment; the netpoll thread's alone. */
struct eth_gro {
	struct pbuf *held;		/* the merged frame so far, or NULL */
	struct gro_seg seg;		/* its first frame's fields (flags: all of them) */
	unsigned int segs;		/* frames in it */
	unsigned int data_len;		/* its data bytes */
	uint32_t data_sum;		/* their claimed sum, folded */
	unsigned long merged;		/* frames merged into another, ever */
};

/*
 * Take a received frame @p (the whole frame in its first pbuf): merge it
 * into the held segment, hold it, or pass it on. @up(@arg, p) hands a
 * frame to lwIP; it is called in arrival order, with the held segment
 * first whenever the new frame cannot join it.
 */
void eth_gro_receive(struct eth_gro *g, struct pbuf *p,
		     void (*up)(void *arg, struct pbuf *p), void *arg);
/* The end of a poll batch: hand the held segment (if any) to @up. */
void eth_gro_flush(struct eth_gro *g, void (*up)(void *arg, struct pbuf *p), void *arg);

#endif
