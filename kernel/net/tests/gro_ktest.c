/*
 * gro_ktest.c - receive coalescing (kernel/net/lwip/eth_gro.c) on frames
 * made here: in-order TCP segments merge into one whose lengths and
 * checksums lwIP accepts (checked with lwIP's own inet_chksum_pseudo over
 * the merged pbuf chain), the data arrives intact and in order, anything
 * that may not merge goes up unchanged and in arrival order, a merged
 * segment stops below 64 KiB, and a frame whose data was corrupted makes
 * the whole merged segment fail lwIP's checksum rather than pass.
 *
 * No NIC is involved: eth_gro_receive() is called directly with a
 * capturing "up" function, as the netpoll thread calls it.
 */
#include "eth_gro.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"
#include "kernel/compiler.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"

#define MAXUP		64
#define SEG		1460
#define FRAME_HDRS	54		/* Ethernet 14 + IPv4 20 + TCP 20 */

#define F_FIN		0x01
#define F_SYN		0x02
#define F_PSH		0x08
#define F_ACK		0x10

static struct pbuf *up_got[MAXUP];
static unsigned int up_n;

static void capture_up(void *arg, struct pbuf *p)
{
	(void)arg;
	if (up_n < MAXUP)
		up_got[up_n++] = p;
	else
		pbuf_free(p);
}

static void up_reset(void)
{
	for (unsigned int i = 0; i < up_n; i++)
		pbuf_free(up_got[i]);
	up_n = 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* RFC 1071's sum of @n bytes as big-endian words (an odd last byte padded). */
static uint32_t csum_add(uint32_t s, const uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The byte of the stream at offset @i: a pattern no two nearby bytes share. */
static uint8_t stream_byte(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8));
}

struct seg_spec {
	uint32_t seq;			/* offset in the stream (ISN 1000) */
	unsigned int len;
	uint8_t flags;
	uint32_t ack;
	uint16_t window;
	uint16_t sport;
};

/* A whole frame in one pool pbuf, every checksum right. */
static struct pbuf *make_frame(const struct seg_spec *s)
{
	unsigned int tot = FRAME_HDRS + s->len;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)tot, PBUF_POOL);
	uint8_t *f, *ip, *tcp;
	uint32_t sum;

	if (!p)
		return NULL;
	f = p->payload;
	ip = f + 14;
	tcp = ip + 20;
	memset(f, 0, FRAME_HDRS);
	memset(f, 0x52, 6);			/* to: a made-up MAC */
	memset(f + 6, 0x54, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + s->len));
	put16(ip + 4, (uint16_t)s->seq);	/* any id */
	put16(ip + 6, 0x4000);			/* DF */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, 0x0a000202);		/* 10.0.2.2 -> 10.0.2.15 */
	put32(ip + 16, 0x0a00020f);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, s->sport ? s->sport : 5555);
	put16(tcp + 2, 5001);
	put32(tcp + 4, 1000 + s->seq);
	put32(tcp + 8, s->ack ? s->ack : 777);
	tcp[12] = 5 << 4;
	tcp[13] = s->flags ? s->flags : F_ACK;
	put16(tcp + 14, s->window ? s->window : 8000);
	for (unsigned int i = 0; i < s->len; i++)
		tcp[20 + i] = stream_byte(s->seq + i);
	sum = csum_add(0, ip + 12, 8) + 6 + 20 + s->len;
	put16(tcp + 16, csum_fold(csum_add(sum, tcp, 20 + s->len)));
	return p;
}

static int feed(struct eth_gro *g, const struct seg_spec *s)
{
	struct pbuf *p = make_frame(s);

	if (!p)
		return -1;
	eth_gro_receive(g, p, capture_up, NULL);
	return 0;
}

/* Is @p (a frame as lwIP gets it) a TCP segment whose checksums lwIP accepts? */
static bool lwip_accepts(struct pbuf *p, unsigned int *data_len)
{
	uint8_t ip[20];
	ip4_addr_t src, dst;
	unsigned int tot;
	bool ok;

	if (pbuf_copy_partial(p, ip, 20, 14) != 20)
		return false;
	tot = (unsigned int)(ip[2] << 8 | ip[3]);
	if (tot + 14 != p->tot_len || csum_fold(csum_add(0, ip, 20)) != 0)
		return false;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	pbuf_remove_header(p, 34);
	ok = inet_chksum_pseudo(p, 6 /* TCP */, (u16_t)(tot - 20), &src, &dst) == 0;
	pbuf_add_header(p, 34);
	*data_len = tot - 40;
	return ok;
}

/* Does @p carry the stream's bytes from @off on, @len of them? */
static bool data_is_stream(struct pbuf *p, uint32_t off, unsigned int len)
{
	uint8_t b;

	for (unsigned int i = 0; i < len; i++) {
		if (pbuf_copy_partial(p, &b, 1, (u16_t)(FRAME_HDRS + i)) != 1 ||
		    b != stream_byte(off + i))
			return false;
	}
	return true;
}

static uint8_t tcp_flags(struct pbuf *p)
{
	return pbuf_get_at(p, 14 + 20 + 13);
}

KTEST(gro_merges_in_order_segments)
{
	struct eth_gro g = { 0 };
	unsigned int data;

	up_reset();				/* what a failed test left */
	for (unsigned int i = 0; i < 10; i++) {
		struct seg_spec s = { .seq = i * SEG, .len = SEG,
				      .flags = i == 9 ? F_ACK | F_PSH : F_ACK };

		KT_ASSERT_EQ(feed(&g, &s), 0);
	}
	KT_ASSERT_EQ(up_n, 0u);				/* all held */
	eth_gro_flush(&g, capture_up, NULL);
	KT_ASSERT_EQ(up_n, 1u);
	KT_ASSERT(lwip_accepts(up_got[0], &data));
	KT_ASSERT_EQ(data, 10u * SEG);
	KT_ASSERT(data_is_stream(up_got[0], 0, 10 * SEG));
	KT_ASSERT_EQ(tcp_flags(up_got[0]), F_ACK | F_PSH);
	KT_ASSERT_EQ(g.merged, 9ul);
	KT_ASSERT(g.held == NULL);
	up_reset();
	return KT_PASS;
}

KTEST(gro_keeps_arrival_order)
{
	struct eth_gro g = { 0 };
	struct seg_spec a1 = { .seq = 0, .len = SEG }, a2 = { .seq = SEG, .len = SEG };
	struct seg_spec syn = { .seq = 0, .len = 0, .flags = F_SYN, .sport = 6000 };
	struct seg_spec a3 = { .seq = 2 * SEG, .len = SEG };
	unsigned int data;

	up_reset();				/* what a failed test left */
	KT_ASSERT_EQ(feed(&g, &a1), 0);
	KT_ASSERT_EQ(feed(&g, &a2), 0);
	KT_ASSERT_EQ(feed(&g, &syn), 0);	/* not mergeable: a1+a2 first, then it */
	KT_ASSERT_EQ(up_n, 2u);
	KT_ASSERT_EQ(feed(&g, &a3), 0);		/* held: nothing to join */
	eth_gro_flush(&g, capture_up, NULL);
	KT_ASSERT_EQ(up_n, 3u);
	KT_ASSERT(lwip_accepts(up_got[0], &data));
	KT_ASSERT_EQ(data, 2u * SEG);
	KT_ASSERT_EQ(tcp_flags(up_got[1]), F_SYN);
	KT_ASSERT(lwip_accepts(up_got[2], &data));
	KT_ASSERT_EQ(data, (unsigned int)SEG);
	KT_ASSERT(data_is_stream(up_got[2], 2 * SEG, SEG));
	up_reset();
	return KT_PASS;
}

/* A gap, another ACK number, window or flow, FIN, odd data: no merge. */
KTEST(gro_merges_only_what_may)
{
	static const struct seg_spec specs[] = {
		{ .seq = 0, .len = SEG },
		{ .seq = 2 * SEG, .len = SEG },				/* a gap */
		{ .seq = 3 * SEG, .len = SEG, .ack = 778 },		/* new ACK number */
		{ .seq = 4 * SEG, .len = SEG, .ack = 778, .window = 9000 },	/* window */
		{ .seq = 5 * SEG, .len = SEG, .ack = 778, .window = 9000, .sport = 6001 },
		{ .seq = 6 * SEG, .len = 101, .ack = 778, .window = 9000, .sport = 6001,
		  .flags = F_ACK | F_FIN },				/* FIN */
		{ .seq = 7 * SEG, .len = 101 },				/* odd length, */
		{ .seq = 7 * SEG + 101, .len = SEG },			/* so no join */
	};
	struct eth_gro g = { 0 };
	unsigned int data;

	up_reset();				/* what a failed test left */
	for (unsigned int i = 0; i < ARRAY_SIZE(specs); i++)
		KT_ASSERT_EQ(feed(&g, &specs[i]), 0);
	eth_gro_flush(&g, capture_up, NULL);
	KT_ASSERT_EQ(up_n, (unsigned int)ARRAY_SIZE(specs));
	for (unsigned int i = 0; i < up_n; i++) {
		KT_ASSERT(lwip_accepts(up_got[i], &data));
		KT_ASSERT_EQ(data, specs[i].len);
	}
	KT_ASSERT_EQ(g.merged, 0ul);
	up_reset();
	return KT_PASS;
}

KTEST(gro_stops_below_64k)
{
	struct eth_gro g = { 0 };
	unsigned int data, total = 0;

	up_reset();				/* what a failed test left */
	for (unsigned int i = 0; i < 50; i++) {
		struct seg_spec s = { .seq = i * SEG, .len = SEG };

		KT_ASSERT_EQ(feed(&g, &s), 0);
	}
	eth_gro_flush(&g, capture_up, NULL);
	KT_ASSERT_EQ(up_n, 2u);
	for (unsigned int i = 0; i < up_n; i++) {
		KT_ASSERT(lwip_accepts(up_got[i], &data));
		KT_ASSERT(data + 40 <= 65535u);
		KT_ASSERT(data_is_stream(up_got[i], total, data));
		total += data;
	}
	KT_ASSERT_EQ(total, 50u * SEG);
	up_reset();
	return KT_PASS;
}

/* A corrupted frame's checksum field is kept: the merged segment fails. */
KTEST(gro_corrupt_frame_fails_checksum)
{
	struct eth_gro g = { 0 };
	unsigned int data;

	up_reset();				/* what a failed test left */
	for (unsigned int i = 0; i < 3; i++) {
		struct seg_spec s = { .seq = i * SEG, .len = SEG };
		struct pbuf *p = make_frame(&s);

		KT_ASSERT(p != NULL);
		if (i == 1)
			((uint8_t *)p->payload)[FRAME_HDRS + 700] ^= 0x20;	/* a bit flipped */
		eth_gro_receive(&g, p, capture_up, NULL);
	}
	eth_gro_flush(&g, capture_up, NULL);
	KT_ASSERT_EQ(up_n, 1u);
	KT_ASSERT(!lwip_accepts(up_got[0], &data));
	KT_ASSERT_EQ(data, 3u * SEG);
	up_reset();
	return KT_PASS;
}
