/*
 * eth_gro.c - receive coalescing for the Ethernet interfaces (Linux's GRO,
 * generic receive offload, in a small form): in-order TCP segments of one
 * connection that arrive in one poll of the NIC are merged into one big
 * segment before lwIP sees them.
 *
 * Why: every frame handed to lwIP costs a trip through the tcpip thread's
 * mailbox and a tcp_input(), and lwIP acknowledges every second segment -
 * under QEMU a transmitted frame (a doorbell write the emulator must take
 * its big lock for) is the most expensive thing the receive path does. A
 * 64 KiB transfer of 1460-byte segments is 45 frames in and 22 ACKs out;
 * merged into one or two segments it is a few mailbox posts and one or
 * two ACKs (tcp.c's input hook acknowledges a merged segment at once).
 *
 * What merges. A frame joins the segment held for its interface when all
 * of these hold (anything else first sends the held segment up, then
 * itself, so lwIP still sees every frame in arrival order):
 *
 *   Ethernet: IPv4 (no VLAN tag)
 *   IPv4:     20-byte header (no options), not a fragment, protocol TCP,
 *             total length within the frame
 *   TCP:      20-byte header (no options), flags ACK or ACK|PSH only,
 *             some payload
 *   and the held segment: same addresses and ports, the sequence number
 *             right after the held data, the same ACK number and window,
 *             held data of even length, and room left (at most
 *             GRO_MAX_SEGS frames, an IP datagram under 64 KiB)
 *
 *   held: [eth|ip|tcp|data 1] -> [data 2] -> [data 3]   (a pbuf chain)
 *          tot_len and checksums rewritten at the end
 *
 * Checksums are not recomputed over the data, and not trusted either. A
 * segment's TCP checksum C is the one's complement of P + H + D (pseudo
 * header, TCP header, data), so its data sums to D = ~C - P - H as its
 * sender claimed. The merged segment gets the checksum of P' + H' + sum
 * of the claimed D's: lwIP then checks it over the real data as it always
 * does, and a corrupted frame makes the whole merged segment fail that
 * check (dropped, sent again by the peer) - the TCP checksum's own
 * strength, no less. Data of even length keeps the next frame's bytes on
 * 16-bit boundaries, so the sums simply add. The IP header checksum is
 * checked before a frame merges (lwIP would check it) and made anew.
 *
 * Context: the netpoll thread only (eth_rx), one held segment per
 * interface (eth_gro is in struct eth_if); eth_gro_flush() at the end of
 * each poll batch. No lock: nobody else touches it.
 */
#include "eth_gro.h"
#include "lwip/def.h"
#include "lwip/pbuf.h"
#include "kernel/lib/string.h"

#define GRO_MAX_SEGS	44		/* 44 x 1460 = 64,240 bytes of data */
#define GRO_MAX_IPLEN	65000		/* an IPv4 total length must fit 16 bits */

#define ETH_HDR		14
#define IP_HDR		20
#define TCP_HDR		20
#define HDRS		(ETH_HDR + IP_HDR + TCP_HDR)

#define TCPF_PSH	0x08
#define TCPF_ACK	0x10

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Fold a 32-bit one's-complement accumulator to 16 bits. */
static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of @n bytes (n even) as big-endian 16-bit words, not folded. */
static uint32_t sum_words(const uint8_t *p, unsigned int n)
{
	uint32_t s = 0;

	for (unsigned int i = 0; i < n; i += 2)
		s += get16(p + i);
	return s;
}

/* The pseudo header's sum (RFC 793) for a TCP segment of @tcp_len bytes. */
static uint32_t pseudo_sum(const uint8_t *ip, unsigned int tcp_len)
{
	return sum_words(ip + 12, 8) + 6 /* TCP */ + tcp_len;
}

/* The TCP header's sum with its checksum field taken as zero. */
static uint32_t tcp_hdr_sum(const uint8_t *tcp)
{
	return sum_words(tcp, TCP_HDR) - get16(tcp + 16);
}

/*
 * Read @p (one whole frame in its first pbuf) into @s if it may merge at
 * all. False for anything else, which then goes up unchanged.
 */
static bool gro_parse(const struct pbuf *p, struct gro_seg *s)
{
	const uint8_t *f = p->payload, *ip = f + ETH_HDR, *tcp = ip + IP_HDR;
	unsigned int tot_len, tcp_len;
	uint32_t claimed;

	if (p->len != p->tot_len || p->len < HDRS)
		return false;
	if (get16(f + 12) != 0x0800 || ip[0] != 0x45 || ip[9] != 6)
		return false;
	if (get16(ip + 6) & 0x3fff)		/* MF set or an offset: a fragment */
		return false;
	tot_len = get16(ip + 2);
	if (tot_len < IP_HDR + TCP_HDR || tot_len > (unsigned int)p->len - ETH_HDR)
		return false;
	if (fold(sum_words(ip, IP_HDR)) != 0xffff)
		return false;			/* a bad IP header: lwIP drops it */
	if ((tcp[12] >> 4) != 5 || (tcp[13] & ~TCPF_PSH) != TCPF_ACK)
		return false;
	tcp_len = tot_len - IP_HDR;
	if (tcp_len == TCP_HDR)
		return false;			/* a pure ACK: nothing to merge */
	s->saddr = get32(ip + 12);
	s->daddr = get32(ip + 16);
	s->sport = get16(tcp);
	s->dport = get16(tcp + 2);
	s->seq = get32(tcp + 4);
	s->ack = get32(tcp + 8);
	s->window = get16(tcp + 14);
	s->flags = tcp[13];
	s->data_len = (uint16_t)(tcp_len - TCP_HDR);
	/* D = ~C - P - H, in one's complement: subtracting is adding ~x. */
	claimed = (uint16_t)~get16(tcp + 16);
	claimed += (uint16_t)~fold(pseudo_sum(ip, tcp_len));
	claimed += (uint16_t)~fold(tcp_hdr_sum(tcp));
	s->data_sum = fold(claimed);
	return true;
}

static bool gro_fits(const struct eth_gro *g, const struct gro_seg *s)
{
	const struct gro_seg *h = &g->seg;

	return s->saddr == h->saddr && s->daddr == h->daddr && s->sport == h->sport &&
	       s->dport == h->dport && s->seq == h->seq + g->data_len &&
	       s->ack == h->ack && s->window == h->window && !(g->data_len & 1) &&
	       g->segs < GRO_MAX_SEGS &&
	       IP_HDR + TCP_HDR + g->data_len + s->data_len <= GRO_MAX_IPLEN;
}

/* Rewrite the held segment's lengths and checksums for what it now holds. */
static void gro_finish(struct eth_gro *g)
{
	uint8_t *ip = (uint8_t *)g->held->payload + ETH_HDR, *tcp = ip + IP_HDR;
	unsigned int tcp_len = TCP_HDR + g->data_len;

	put16(ip + 2, (uint16_t)(IP_HDR + tcp_len));
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(sum_words(ip, IP_HDR)));
	tcp[13] = g->seg.flags;
	put16(tcp + 16, (uint16_t)~fold(pseudo_sum(ip, tcp_len) + tcp_hdr_sum(tcp) +
					 g->data_sum));
}

void eth_gro_flush(struct eth_gro *g, void (*up)(void *arg, struct pbuf *p), void *arg)
{
	struct pbuf *p = g->held;

	if (!p)
		return;
	if (g->segs > 1) {
		gro_finish(g);
		g->merged += g->segs - 1;
	}
	g->held = NULL;
	up(arg, p);
}

void eth_gro_receive(struct eth_gro *g, struct pbuf *p,
		     void (*up)(void *arg, struct pbuf *p), void *arg)
{
	struct gro_seg s;

	if (!gro_parse(p, &s)) {
		eth_gro_flush(g, up, arg);	/* keep the order */
		up(arg, p);
		return;
	}
	if (g->held && gro_fits(g, &s)) {
		/* Only the data joins: the frame's padding and headers go. */
		pbuf_realloc(p, (u16_t)(HDRS + s.data_len));
		pbuf_remove_header(p, HDRS);
		pbuf_cat(g->held, p);
		g->segs++;
		g->data_len += s.data_len;
		g->seg.flags |= s.flags;	/* PSH if any had it */
		g->data_sum = fold(g->data_sum + s.data_sum);
		return;
	}
	eth_gro_flush(g, up, arg);
	pbuf_realloc(p, (u16_t)(HDRS + s.data_len));	/* no padding behind the data */
	g->held = p;
	g->seg = s;
	g->segs = 1;
	g->data_len = s.data_len;
	g->data_sum = s.data_sum;
}
