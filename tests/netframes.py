"""netframes.py - Ethernet frames for the harness's network tests
(tests/netcheck.py): the Internet checksum, IPv4/UDP/TCP/ARP/ICMP
builders, QEMU's socket-network framing, and junk_frame(), the 100,000
random and malformed frames that net-flood sends to a guest, reproducible
from a seed.

Addresses: the flood link is a -netdev socket between QEMU and the harness
on 127.0.0.1; the guest's second NIC is FLOOD_GUEST_MAC/FLOOD_GUEST_IP on
it, the harness plays FLOOD_HOST_MAC/FLOOD_HOST_IP. Every frame with a
well-formed IPv4 header goes to the guest's address on that link (or a
broadcast) from an address of the link's own /24, so whatever the guest
answers goes back out on the same link, to the harness, and nowhere else.
"""

import random
import struct

GUEST_CTL_PORT = 7777           # user/net/nettest.c CTL_PORT
GUEST_ECHO_PORT = 7             # ECHO_PORT
GUEST_DISCARD_PORT = 9          # DISCARD_PORT: a listener that SYNs may fill
FLOOD_GUEST_MAC = bytes.fromhex("525400780001")
FLOOD_GUEST_IP = bytes([192, 168, 78, 1])
FLOOD_HOST_MAC = bytes.fromhex("525400780002")
FLOOD_HOST_IP = bytes([192, 168, 78, 2])
FLOOD_SEED = 20240601           # fixed: a failure can be replayed
QEMU_FRAME_MAX = 4096 + 65536   # QEMU's NET_BUFSIZE: a longer frame ends the link
BCAST = b"\xff" * 6
BARRIER_ID = 0xbeef             # the ICMP echo identifier of the flood's batch ends


def csum(data):
    """The Internet checksum (RFC 1071) of @data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def ipv4_header(src, dst, proto, payload_len, ident=0, frag=0, ttl=64, options=b"",
                good_csum=True):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + payload_len, ident, frag,
                    ttl, proto, 0, src, dst) + options
    c = csum(h)
    if not good_csum:
        c ^= 0x1 + (ident & 0xff)
    return h[:10] + struct.pack("!H", c) + h[12:]


def l4_checksum(src, dst, proto, segment):
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(segment))
    return csum(pseudo + segment)


def udp_packet(src, dst, sport, dport, data, good_csum=True, length=None):
    ln = 8 + len(data) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, ln, 0) + data
    c = l4_checksum(src, dst, 17, seg) or 0xffff
    if not good_csum:
        c ^= 0x5a5a
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp_segment(src, dst, sport, dport, seq, ack, flags, options=b"", data=b"",
                good_csum=True, offset=None, window=8192):
    off = (5 + len(options) // 4) if offset is None else offset
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, window, 0,
                      0) + options + data
    c = l4_checksum(src, dst, 6, seg)
    if not good_csum:
        c ^= 0xa5a5
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def qemu_frame(frame):
    """QEMU's socket network framing: a 4-byte big-endian length, then the frame
    (net/net.c net_fill_rstate; no virtio header on a plain socket netdev)."""
    return struct.pack("!I", len(frame)) + frame




def echo_request(seq, ident):
    """A good ICMP echo request from the harness to the guest on the flood link."""
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xffff) + b"barrier!"
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return eth(FLOOD_GUEST_MAC, FLOOD_HOST_MAC, 0x0800,
               ipv4_header(FLOOD_HOST_IP, FLOOD_GUEST_IP, 1, len(body), ident=seq & 0xffff)
               + body)


def parse_echo_reply(frame, ident):
    """The sequence number of an ICMP echo reply with @ident, or None."""
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00" or frame[23] != 1:
        return None
    ihl = (frame[14] & 0xf) * 4
    icmp = frame[14 + ihl:]
    if len(icmp) < 8 or icmp[0] != 0:
        return None
    rid, seq = struct.unpack("!HH", icmp[4:8])
    return seq if rid == ident else None


def parse_arp_request(frame):
    """(sender MAC, target IP, sender IP) of an Ethernet/IPv4 ARP request, or None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06" or \
            frame[14:22] != b"\x00\x01\x08\x00\x06\x04\x00\x01":
        return None
    return frame[22:28], frame[38:42], frame[28:32]


def arp_reply(to_mac, my_ip, to_ip):
    """The harness's ARP reply: @my_ip is at FLOOD_HOST_MAC."""
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + FLOOD_HOST_MAC + my_ip + to_mac + to_ip
    return eth(to_mac, FLOOD_HOST_MAC, 0x0806, body)


def _rand_ip_options(rng):
    n = rng.choice((4, 8, 12, 20, 40))
    return rng.randbytes(n)


def _tcp_options_garbage(rng):
    """Option bytes a parser must survive: known kinds with wrong lengths
    (0, 1, past the end), unknown kinds, NOPs, EOL in the middle."""
    parts = []
    for _ in range(rng.randint(1, 8)):
        kind = rng.choice((0, 1, 2, 3, 4, 5, 8, 30, 254, rng.randrange(256)))
        if kind in (0, 1):
            parts.append(bytes([kind]))
        else:
            ln = rng.choice((0, 1, 2, 3, 4, 10, 40, 255))
            parts.append(bytes([kind, ln]) + rng.randbytes(rng.randrange(0, 6)))
    opts = b"".join(parts)[:40]
    return opts + b"\0" * (-len(opts) % 4)


def junk_frame(rng, i):
    """Frame @i of the flood: (kind, bytes). Kinds, by weight: random bytes,
    truncated or oversized frames, broken IPv4 headers, fragments (overlapping,
    beyond 64 KiB, never completed), UDP and TCP with bad checksums, bad
    lengths or garbage options, ARP junk, ICMP junk, other EtherTypes. Frames
    with good checksums go to the guest's address on this link only (or to a
    broadcast); their source addresses are on this link too, so no reply of
    the guest leaves through its other NIC."""
    g_mac, g_ip, h_mac = FLOOD_GUEST_MAC, FLOOD_GUEST_IP, FLOOD_HOST_MAC
    src_ip = bytes([192, 168, 78, rng.choice((2, 3, 77, 200, 254))])
    dst = rng.choice((g_mac, g_mac, g_mac, BCAST))
    kind = rng.choices(("random", "short", "jumbo", "ip_hdr", "frag", "udp", "tcp",
                        "tcp_opts", "arp", "icmp", "ethertype"),
                       weights=(10, 6, 3, 12, 12, 12, 12, 10, 10, 8, 5))[0]
    if kind == "random":
        return kind, dst + h_mac + rng.randbytes(rng.randint(2, 1500))
    if kind == "short":                     # shorter than the headers say
        full = eth(dst, h_mac, rng.choice((0x0800, 0x0806)), rng.randbytes(60))
        return kind, full[:rng.randint(1, 40)]
    if kind == "jumbo":                     # longer than any MTU here
        return kind, eth(dst, h_mac, 0x0800,
                         ipv4_header(src_ip, g_ip, 17, 8000) + rng.randbytes(8000))[
                             :rng.randint(1515, 9018)]
    if kind == "ip_hdr":
        payload = rng.randbytes(rng.randint(0, 200))
        h = bytearray(ipv4_header(src_ip, g_ip, rng.choice((1, 6, 17, 99)), len(payload),
                                  ident=i & 0xffff, options=_rand_ip_options(rng)
                                  if rng.random() < 0.3 else b""))
        what = rng.randrange(6)
        if what == 0:
            h[0] = (rng.choice((0, 5, 6, 15)) << 4) | (h[0] & 0xf)     # version
        elif what == 1:
            h[0] = 0x40 | rng.randrange(5)                             # IHL < 5
        elif what == 2:
            h[2:4] = struct.pack("!H", rng.choice((0, 1, 19, 1500, 65535)))  # total length
        elif what == 3:
            h[10:12] = struct.pack("!H", rng.randrange(65536))         # checksum
        elif what == 4:
            h[0] = 0x4f                                                # IHL 15, short packet
        else:
            h[8] = 0                                                   # TTL 0
        return kind, eth(dst, h_mac, 0x0800, bytes(h) + payload)
    if kind == "frag":
        # pieces of UDP datagrams to the echo port, with good checksums:
        # out of order, overlapping, duplicated, past 64 KiB, never finished
        ident = 0x4000 + rng.randrange(64)
        off8 = rng.choice((0, 1, 2, 3, 100, 185, 8189, 8191, rng.randrange(8192)))
        more = rng.random() < 0.7
        data = rng.randbytes(rng.choice((8, 16, 24, 512, 1472 - 1472 % 8)))
        if off8 == 0:
            data = udp_packet(src_ip, g_ip, 40000, GUEST_ECHO_PORT, data[8:],
                              length=rng.choice((len(data), 3000, 65000)))
        frag = (0x2000 if more else 0) | off8
        return kind, eth(dst, h_mac, 0x0800,
                         ipv4_header(src_ip, g_ip, 17, len(data), ident=ident, frag=frag)
                         + data)
    if kind == "udp":
        data = rng.randbytes(rng.randint(0, 600))
        dport = rng.choice((GUEST_ECHO_PORT, GUEST_ECHO_PORT, 68, 53, 9999))
        what = rng.randrange(4)
        pkt = udp_packet(src_ip, g_ip, rng.randrange(1024, 65536), dport, data,
                         good_csum=what != 0,
                         length={1: 0, 2: 7, 3: len(data) + 8 + rng.randint(1, 100)}
                         .get(what))
        return kind, eth(dst, h_mac, 0x0800, ipv4_header(src_ip, g_ip, 17, len(pkt)) + pkt)
    if kind in ("tcp", "tcp_opts"):
        # SYNs only to the discard listener (its backlog may fill, httpd's
        # must not); other segments to any port, httpd's included
        flags = rng.randrange(256)
        dport = GUEST_DISCARD_PORT if flags & 0x02 else \
            rng.choice((80, GUEST_DISCARD_PORT, GUEST_CTL_PORT, 1234))
        opts = _tcp_options_garbage(rng) if kind == "tcp_opts" else b""
        data = rng.randbytes(rng.choice((0, 0, 1, 100, 1000)))
        good = kind == "tcp_opts" or rng.random() < 0.5
        off = None if rng.random() < 0.8 else rng.choice((0, 1, 4, 15))
        seg = tcp_segment(src_ip, g_ip, rng.randrange(1024, 65536), dport,
                          rng.randrange(1 << 32), rng.randrange(1 << 32), flags, opts, data,
                          good_csum=good, offset=off)
        return kind, eth(dst, h_mac, 0x0800, ipv4_header(src_ip, g_ip, 6, len(seg)) + seg)
    if kind == "arp":
        op = rng.choice((1, 2, 3, 0, 0xffff))
        body = struct.pack("!HHBBH", rng.choice((1, 1, 6, 0xffff)),
                           rng.choice((0x0800, 0x0800, 0x86dd)), rng.choice((6, 6, 0, 255)),
                           rng.choice((4, 4, 16, 0)), op)
        body += h_mac + rng.choice((src_ip, g_ip, b"\0\0\0\0")) + \
            rng.choice((b"\0" * 6, BCAST, g_mac)) + rng.choice((g_ip, src_ip))
        return kind, eth(rng.choice((BCAST, g_mac)), h_mac, 0x0806,
                         body[:rng.choice((len(body), 8, 20))])
    if kind == "icmp":
        t = rng.choice((0, 3, 5, 8, 8, 11, 13, 255))
        body = struct.pack("!BBHI", t, rng.randrange(16), 0, rng.randrange(1 << 32))
        if t in (3, 11):                    # an error quoting a made-up header
            body += ipv4_header(g_ip, src_ip, 6, 20) + rng.randbytes(8)
        else:
            body += rng.randbytes(rng.randint(0, 1400))
        c = csum(body)
        if rng.random() < 0.5:
            c ^= 0x1111
        body = body[:2] + struct.pack("!H", c) + body[4:]
        return kind, eth(dst, h_mac, 0x0800, ipv4_header(src_ip, g_ip, 1, len(body)) + body)
    # ethertype: IPv6, VLAN-tagged IPv4, LLDP, and arbitrary
    et = rng.choice((0x86dd, 0x8100, 0x88cc, rng.randrange(65536)))
    return kind, eth(dst, h_mac, et, rng.randbytes(rng.randint(0, 400)))


# --------------------------------------------------------------------------
# Self tests (run by tests/harness.py --selftest)
# --------------------------------------------------------------------------

def st_checksums():
    # RFC 1071's example header (a classic: checksum 0xb861)
    h = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert csum(h) == 0xb861, hex(csum(h))
    good = ipv4_header(FLOOD_HOST_IP, FLOOD_GUEST_IP, 17, 8)
    assert csum(good) == 0 and len(good) == 20, good.hex()
    assert csum(ipv4_header(FLOOD_HOST_IP, FLOOD_GUEST_IP, 17, 8, good_csum=False)) != 0
    seg = udp_packet(FLOOD_HOST_IP, FLOOD_GUEST_IP, 1, 7, b"abc")
    assert l4_checksum(FLOOD_HOST_IP, FLOOD_GUEST_IP, 17, seg) == 0
    seg = tcp_segment(FLOOD_HOST_IP, FLOOD_GUEST_IP, 1, 9, 5, 6, 0x02, b"\x02\x04\x05\xb4")
    assert l4_checksum(FLOOD_HOST_IP, FLOOD_GUEST_IP, 6, seg) == 0 and seg[12] >> 4 == 6
    bad = tcp_segment(FLOOD_HOST_IP, FLOOD_GUEST_IP, 1, 9, 5, 6, 0x02, good_csum=False)
    assert l4_checksum(FLOOD_HOST_IP, FLOOD_GUEST_IP, 6, bad) != 0


def st_socket_framing():
    assert qemu_frame(b"\x01\x02\x03") == b"\x00\x00\x00\x03\x01\x02\x03"
    assert qemu_frame(b"x" * 300)[:4] == b"\x00\x00\x01\x2c"


def st_junk_frames():
    a = [junk_frame(random.Random(7), i) for i in range(3)]
    rng1, rng2 = random.Random(FLOOD_SEED), random.Random(FLOOD_SEED)
    kinds = set()
    for i in range(3000):
        k1, f1 = junk_frame(rng1, i)
        k2, f2 = junk_frame(rng2, i)
        assert (k1, f1) == (k2, f2), f"frame {i} not reproducible"
        assert 1 <= len(f1) <= 9018 < QEMU_FRAME_MAX, (k1, len(f1))
        kinds.add(k1)
        if len(f1) >= 34 and f1[12:14] == b"\x08\x00" and f1[14] == 0x45 and k1 != "ip_hdr":
            # IPv4 with a well-formed header: to the guest's address only, from
            # the flood link's own network (no reply leaves by the other NIC)
            assert f1[30:34] == FLOOD_GUEST_IP and f1[26:29] == FLOOD_HOST_IP[:3], (k1, i)
            assert csum(f1[14:34]) == 0, (k1, i)
    assert len(kinds) == 11, kinds
    assert a == [junk_frame(random.Random(7), i) for i in range(3)]


def st_barrier_and_arp():
    req = echo_request(513, BARRIER_ID)
    assert csum(req[14:34]) == 0 and csum(req[34:]) == 0
    # the guest's answer: swap addresses, type 0
    icmp = bytearray(req[34:])
    icmp[0], icmp[2:4] = 0, b"\0\0"
    icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
    reply = eth(FLOOD_HOST_MAC, FLOOD_GUEST_MAC, 0x0800,
                ipv4_header(FLOOD_GUEST_IP, FLOOD_HOST_IP, 1, len(icmp)) + bytes(icmp))
    assert parse_echo_reply(reply, BARRIER_ID) == 513
    assert parse_echo_reply(reply, BARRIER_ID + 1) is None
    assert parse_echo_reply(req, BARRIER_ID) is None        # a request is no reply
    # the guest asks who has .2; the harness says: FLOOD_HOST_MAC
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + FLOOD_GUEST_MAC + FLOOD_GUEST_IP + \
        b"\0" * 6 + FLOOD_HOST_IP
    asked = parse_arp_request(eth(BCAST, FLOOD_GUEST_MAC, 0x0806, body))
    assert asked == (FLOOD_GUEST_MAC, FLOOD_HOST_IP, FLOOD_GUEST_IP), asked
    ans = arp_reply(asked[0], asked[1], asked[2])
    assert ans[:6] == FLOOD_GUEST_MAC and ans[20:22] == b"\0\x02"
    assert ans[22:28] == FLOOD_HOST_MAC and ans[28:32] == FLOOD_HOST_IP
    assert ans[32:38] == FLOOD_GUEST_MAC and ans[38:42] == FLOOD_GUEST_IP
    assert parse_arp_request(ans) is None


SELFTESTS = [st_checksums, st_socket_framing, st_junk_frames, st_barrier_and_arp]
