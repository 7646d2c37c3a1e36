"""netcheck.py - the host side of Pagoda's network tests: the host actions
of the harness's net-* boots (tests/harness.py, net_boots()), each a class
in ACTIONS. The guest side is user/net/nettest.c.

Where traffic goes
------------------
Only through QEMU. The host side uses 127.0.0.1 and nothing else: QEMU's
user network (slirp) forwards ports of 127.0.0.1 to the guest (hostfwd),
and a guest connection to the gateway 10.0.2.2 becomes a connection of
QEMU's to 127.0.0.1 on the host. Two guests, or the harness and a guest,
are joined by `-netdev socket` over 127.0.0.1. The addresses inside the
guests (10.0.2.x, 192.168.77.x, 192.168.78.x) exist only inside QEMU. No
name is ever resolved.

net-user needs restrict=off (with restrict=on slirp refuses the guest's
connections to 10.0.2.2, which the wget and UDP checks make). That is safe
because the guest programs only ever address 10.0.2.2 (the commands below)
and 10.0.2.15 (itself); lwIP's DHCP talks only to slirp's own server, and
nothing in the image resolves names. net-flood keeps restrict=on.

The actions
-----------
Each class has `ready` (a regex: the serial line after which run() starts,
in a thread, while the guest is up), qemu_args() (the network arguments,
called before QEMU starts: ports are picked and servers started there),
run(match), judge(parser) (after QEMU ended: checks of the serial log) and
close(). Results go through the HostContext: ctx.report(name, ok, why).

  net-user   The guest (nettest serve) serves /tmp/www/big.bin (16 MiB)
             with /bin/httpd and echoes UDP on port 7. The host fetches
             big.bin through hostfwd and checks its SHA-256 against the
             one the guest printed; has the guest wget 16 MiB from a
             Python HTTP server on 127.0.0.1 (reached as 10.0.2.2) and
             sha256sum it; echoes UDP both ways (a Python echo server for
             the guest's `nettest udp-client`); has the guest ping
             10.0.2.2 (slirp answers); then tells the guest to quit.
  net-pair   A second QEMU (the peer) joins the first by -netdev socket;
             the guests pass 64 MiB over TCP with nc and print the
             SHA-256 of what was sent and what arrived; judge() compares.
  net-flood  The guest has a second NIC on a socket link whose other end
             is this harness: 100,000 random and malformed Ethernet frames
             (junk_frame()) go to it while HTTP fetches run through the
             user network, and more after; lwIP's memory use
             (/proc/pagoda/lwip) must come back to where it was.

Guest commands go to nettest's control port (GuestControl): one line per
connection, run by the guest's /bin/sh, the output back, then
"NETTEST-EXIT <status>".
"""

import hashlib
import http.client
import http.server
import random
import re
import socket
import struct
import threading
import time

LO = "127.0.0.1"
GUEST_CTL_PORT = 7777           # user/net/nettest.c CTL_PORT
GUEST_ECHO_PORT = 7             # ECHO_PORT
GUEST_DISCARD_PORT = 9          # DISCARD_PORT: a listener that SYNs may fill
GUEST_BIG_SIZE = 16 << 20       # BIG_SIZE, /tmp/www/big.bin
PAIR_PORT = 5001                # the Makefile's NETPAIR*_KCMDLINE
MAC_USER = "52:54:00:12:34:56"  # the user-network NIC (QEMU's default MAC)
# The flood's socket link: the guest's second NIC and the harness's "host".
FLOOD_GUEST_MAC = bytes.fromhex("525400780001")
FLOOD_GUEST_IP = bytes([192, 168, 78, 1])
FLOOD_HOST_MAC = bytes.fromhex("525400780002")
FLOOD_HOST_IP = bytes([192, 168, 78, 2])
FLOOD_FRAMES = 100000
FLOOD_SEED = 20240601           # fixed: a failure can be replayed
QEMU_FRAME_MAX = 4096 + 65536   # QEMU's NET_BUFSIZE: a longer frame ends the link


def free_port(kind=socket.SOCK_STREAM):
    """A port of 127.0.0.1 that is free now (QEMU binds it a moment later)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((LO, 0))
        return s.getsockname()[1]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# Talking to the guest
# --------------------------------------------------------------------------

EXIT_RE = re.compile(rb"NETTEST-EXIT (\d+)\n\Z")


def parse_reply(data):
    """The control port's answer -> (exit status or None, output text)."""
    m = EXIT_RE.search(data)
    if not m:
        return None, data.decode("utf-8", "replace")
    return int(m.group(1)), data[:m.start()].decode("utf-8", "replace")


class GuestControl:
    """Commands for nettest's control port, through hostfwd on 127.0.0.1."""

    def __init__(self, ctx, port):
        self.ctx, self.port = ctx, port

    def run(self, line, timeout=120):
        """Run @line in the guest: (exit status, output); status None if the
        connection failed or the guest did not say."""
        self.ctx.log(f"guest$ {line}")
        chunks = []
        try:
            with socket.create_connection((LO, self.port), timeout=30) as s:
                s.settimeout(timeout)
                s.sendall(line.encode() + b"\n")
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    chunks.append(b)
        except OSError as e:
            self.ctx.log(f"  control connection: {e!r}")
            return None, f"control connection: {e!r}"
        status, out = parse_reply(b"".join(chunks))
        self.ctx.log(out.rstrip() + f"\n  -> exit {status}")
        return status, out


def http_fetch(port, path, timeout=120):
    """GET http://127.0.0.1:@port@path -> (status, body, why-if-broken)."""
    try:
        c = http.client.HTTPConnection(LO, port, timeout=timeout)
        c.request("GET", path, headers={"Connection": "close"})
        r = c.getresponse()
        body = r.read()
        c.close()
        length = r.getheader("Content-Length")
        if length is not None and int(length) != len(body):
            return r.status, body, f"{len(body)} of {length} bytes"
        return r.status, body, ""
    except (OSError, http.client.HTTPException) as e:
        return None, b"", f"{type(e).__name__}: {e}"


class BlobServer:
    """An HTTP server on 127.0.0.1 (a free port) serving one blob at /blob.bin."""

    def __init__(self, blob):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(h):
                if h.path != "/blob.bin":
                    h.send_error(404)
                    return
                h.send_response(200)
                h.send_header("Content-Type", "application/octet-stream")
                h.send_header("Content-Length", str(len(blob)))
                h.end_headers()
                h.wfile.write(blob)

            def log_message(h, fmt, *args):
                self.requests.append(fmt % args)

        self.requests = []
        self.httpd = http.server.ThreadingHTTPServer((LO, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class UdpEcho:
    """A UDP echo server on 127.0.0.1 (a free port), in a thread."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LO, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.count += 1
            self.sock.sendto(data, peer)

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def udp_exchange(port, count, log):
    """Send @count datagrams (sizes 1 .. 3000, the largest fragmented on the
    guest's side) to 127.0.0.1:@port, each resent up to 5 times until the
    same bytes come back. Returns the number that never did."""
    missing = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        for i in range(count):
            n = 3000 if i == count - 1 else 1 + (i * 613) % 1400
            data = bytes((i * 11 + j * 5) & 0xff for j in range(n))
            for _ in range(5):
                s.sendto(data, (LO, port))
                try:
                    while True:
                        got, _ = s.recvfrom(65536)
                        if got == data:
                            break
                except socket.timeout:
                    continue
                break
            else:
                log(f"datagram {i} ({n} bytes): no echo")
                missing += 1
    return missing


# --------------------------------------------------------------------------
# net-user
# --------------------------------------------------------------------------

READY_SERVE = (r"^NETTEST READY eth0=(?P<addr>\S+) big\.bin=(?P<size>\d+) "
               r"sha256=(?P<sha>[0-9a-f]{64})$")


class NetUser:
    ready = READY_SERVE

    def __init__(self, ctx):
        self.ctx = ctx
        self.blob = random.Random(1).randbytes(16 << 20)
        self.server = BlobServer(self.blob)
        self.echo = UdpEcho()
        self.http_port = free_port()
        self.ctl_port = free_port()
        self.udp_port = free_port(socket.SOCK_DGRAM)

    def qemu_args(self):
        # restrict=off: see the top (the guest reaches the servers above as
        # 10.0.2.2); host ports on 127.0.0.1 only.
        fwd = (f"hostfwd=tcp:{LO}:{self.http_port}-:80,"
               f"hostfwd=tcp:{LO}:{self.ctl_port}-:{GUEST_CTL_PORT},"
               f"hostfwd=udp:{LO}:{self.udp_port}-:{GUEST_ECHO_PORT}")
        return ["-netdev", f"user,id=n0,restrict=off,{fwd}",
                "-device", f"{self.ctx.cfg.nic},netdev=n0,mac={MAC_USER}"]

    def run(self, m):
        ctx, guest = self.ctx, GuestControl(self.ctx, self.ctl_port)
        want = m.group("sha")
        ctx.log(f"guest ready: {m.group(0)}")

        # 1. the guest's httpd -> the host, through hostfwd
        t = time.monotonic()
        status, body, why = http_fetch(self.http_port, "/big.bin")
        ctx.log(f"fetched big.bin: status {status}, {len(body)} bytes, "
                f"{time.monotonic() - t:.1f} s {why}")
        ctx.report("httpd_to_host_16MiB", status == 200 and len(body) == GUEST_BIG_SIZE
                   and sha256(body) == want,
                   f"status {status}, {len(body)} bytes, sha256 {sha256(body)[:16]}.. "
                   f"want {want[:16]}.. {why}")

        # 2. a host server -> the guest's wget, hashed by the guest
        url = f"http://10.0.2.2:{self.server.port}/blob.bin"
        st, out = guest.run(f"/bin/wget -q -O /tmp/blob.bin {url} && "
                            "/bin/sha256sum /tmp/blob.bin && /bin/rm /tmp/blob.bin", 300)
        got = out.split()[0] if out.split() else ""
        ctx.report("wget_from_host_16MiB", st == 0 and got == sha256(self.blob),
                   f"exit {st}, guest sha256 {got[:16]}.. want "
                   f"{sha256(self.blob)[:16]}..: {out.strip()[-200:]}")

        # 3. UDP both ways, then ping
        missing = udp_exchange(self.udp_port, 20, ctx.log)
        ctx.report("udp_host_to_guest", missing == 0, f"{missing} of 20 datagrams "
                   "never echoed")
        st, out = guest.run(f"/net/nettest udp-client 10.0.2.2 {self.echo.port} 20")
        ctx.report("udp_guest_to_host", st == 0 and "20 echoed" in out,
                   f"exit {st}: {out.strip()[-300:]}")
        st, out = guest.run("/bin/ping -c 3 -i 0.2 10.0.2.2")
        ctx.report("ping_gateway", st == 0 and
                   "3 packets transmitted, 3 received" in out, f"exit {st}: {out.strip()}")

        st, out = guest.run("quit")
        ctx.report("guest_quit", st == 0, f"exit {st}: {out.strip()}")

    def judge(self, parser):
        pass

    def close(self):
        self.server.close()
        self.echo.close()


# --------------------------------------------------------------------------
# net-pair
# --------------------------------------------------------------------------

PAIR_RECEIVED_RE = re.compile(r"^NETTEST PAIR received sha256=([0-9a-f]{64})$")
PAIR_SENT_RE = re.compile(r"^NETTEST PAIR sent bytes=(\d+) sha256=([0-9a-f]{64})$")


# How the pair's two QEMUs are joined, both -netdev socket on 127.0.0.1:
#   "udp"  each frame a datagram between two ports (udp=..,localaddr=..)
#   "tcp"  one QEMU listen=, the other connect= (a length-framed stream)
# Measured here (QEMU 7.2, TCG, 64 MiB): udp about 35 s for the transfer,
# tcp 140-155 s: QEMU's stream socket seems to delay the guests' small
# ACK frames (Nagle against delayed ACKs), and lwIP's 23 KB window then
# sends about 0.5 MB/s. So "udp" by default; "tcp" works, only slowly.
PAIR_LINK = "udp"


def pair_socket_args(nic, mac, first, port):
    """The NIC of the first (@first) or second guest of a pair on QEMU's
    socket network, at @port (and @port + 1 for "udp")."""
    if PAIR_LINK == "tcp":
        link = f"listen={LO}:{port}" if first else f"connect={LO}:{port}"
    else:
        mine, theirs = (port, port + 1) if first else (port + 1, port)
        link = f"udp={LO}:{theirs},localaddr={LO}:{mine}"
    return ["-netdev", f"socket,id=n0,{link}", "-device", f"{nic},netdev=n0,mac={mac}"]


def free_port_pair():
    """Two consecutive free ports of 127.0.0.1 (UDP and TCP), or one more try."""
    for _ in range(50):
        p = free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
                a.bind((LO, p))
                b.bind((LO, p + 1))
            return p
        except OSError:
            continue
    return free_port()


def line_match(parser, rx):
    for line in (*parser.watched, *parser.tail):
        m = rx.search(line)
        if m:
            return m
    return None


class NetPair:
    # The first guest is up (its listener about to start): start the second.
    ready = r"^NETTEST READY pair-recv "

    def __init__(self, ctx):
        self.ctx = ctx
        self.port = free_port_pair()
        self.peer = None
        self.t0 = None

    def qemu_args(self):
        return pair_socket_args(self.ctx.cfg.nic, "52:54:00:77:00:01", True, self.port)

    def run(self, m):
        self.t0 = time.monotonic()
        self.peer = self.ctx.start_peer(pair_socket_args(self.ctx.cfg.nic,
                                                         "52:54:00:77:00:02", False,
                                                         self.port))
        self.ctx.wait_peer(self.peer)
        self.ctx.log(f"peer ended after {time.monotonic() - self.t0:.1f} s")

    def judge(self, parser):
        if self.peer is None:
            return
        self.ctx.finish_peers()
        got = line_match(parser, PAIR_RECEIVED_RE)
        sent = line_match(self.peer.parser, PAIR_SENT_RE)
        self.ctx.report("pair_tcp_64MiB_sha256",
                        got is not None and sent is not None and
                        int(sent.group(1)) == 64 << 20 and got.group(1) == sent.group(2),
                        f"sent {sent.group(0) if sent else 'nothing'}; received "
                        f"{got.group(0) if got else 'nothing'}")

    def close(self):
        pass


# --------------------------------------------------------------------------
# net-flood: junk frames
# --------------------------------------------------------------------------

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


BCAST = b"\xff" * 6
BARRIER_ID = 0xbeef             # the ICMP echo identifier of the flood's batch ends
FLOOD_BATCH = 32                # frames per batch: half of lwIP's 64-entry mailbox
BARRIER_WAIT = 0.3              # s: an echo request or its reply may be dropped too
FETCH_EVERY = 2.0               # s between HTTP fetches during the flood
BARRIER_GIVE_UP = 100           # batches unanswered in a row: the guest's link is dead


class GuestSilent(Exception):
    """The guest stopped answering on the flood link."""


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
    g_mac, g_ip, h_mac, h_ip = FLOOD_GUEST_MAC, FLOOD_GUEST_IP, FLOOD_HOST_MAC, FLOOD_HOST_IP
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
# net-flood
# --------------------------------------------------------------------------

# lwIP pools whose use depends on timing, not leaks: TCP_PCB holds the
# control connections in TIME_WAIT (2 MSL: 2 min); SYS_TIMEOUT follows
# which timers are armed.
LWIP_UNJUDGED = ("TCP_PCB", "SYS_TIMEOUT")


def parse_lwip(text):
    """/proc/pagoda/lwip -> ({"heap_bytes": n, "POOL": used, ...},
    {"IP": {"recv": n, ...}, ...}), or None if there is no heap line."""
    mem, protos = {}, {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "heap_bytes":
            mem["heap_bytes"] = int(f[1])
        elif len(f) >= 4 and f[0] == "pool" and f[2] == "used":
            mem[f[1]] = int(f[3])
        elif len(f) >= 4 and f[0] == "proto" and len(f) % 2 == 0:
            protos[f[1]] = {f[i]: int(f[i + 1]) for i in range(2, len(f), 2)}
    return (mem, protos) if "heap_bytes" in mem else None


def lwip_diff(before, after):
    """What lwIP holds that it did not before (the unjudged pools aside):
    a list of "NAME before->after"; empty when all is back."""
    return [f"{k} {before[k]}->{after.get(k)}" for k in before
            if k not in LWIP_UNJUDGED and after.get(k) != before[k]]


def proto_delta(before, after):
    """The protocol counters that moved: "IP recv +5 drop +1; ..."."""
    out = []
    for name, counters in after.items():
        moved = [f"{k} +{v - before.get(name, {}).get(k, 0)}" for k, v in counters.items()
                 if v != before.get(name, {}).get(k, 0)]
        if moved:
            out.append(f"{name} " + " ".join(moved))
    return "; ".join(out)


class NetFlood:
    ready = READY_SERVE

    def __init__(self, ctx):
        self.ctx = ctx
        self.http_port = free_port()
        self.ctl_port = free_port()
        # QEMU connects to us: no port race for the socket link
        self.lsock = socket.socket()
        self.lsock.bind((LO, 0))
        self.lsock.listen(1)
        self.link = None
        self.replies = 0
        self.drainer = None
        self.barrier_cv = threading.Condition()
        self.barrier_seq = 0

    def qemu_args(self):
        fwd = (f"hostfwd=tcp:{LO}:{self.http_port}-:80,"
               f"hostfwd=tcp:{LO}:{self.ctl_port}-:{GUEST_CTL_PORT}")
        nic = self.ctx.cfg.nic
        return ["-netdev", f"user,id=n0,restrict=on,{fwd}",
                "-device", f"{nic},netdev=n0,mac={MAC_USER}",
                "-netdev", f"socket,id=n1,connect={LO}:{self.lsock.getsockname()[1]}",
                "-device", f"{nic},netdev=n1,mac=52:54:00:78:00:01"]

    def _drain(self):
        """Read what the guest sends on the link (so QEMU never blocks on a
        full socket): count it, answer its ARP requests for the link's other
        addresses, and note the echo replies that end each flood batch."""
        buf = b""
        while True:
            try:
                b = self.link.recv(65536)
            except OSError:
                return
            if not b:
                return
            buf += b
            while len(buf) >= 4:
                n = struct.unpack("!I", buf[:4])[0]
                if len(buf) < 4 + n:
                    break
                frame, buf = buf[4:4 + n], buf[4 + n:]
                self.replies += 1
                self._answer(frame)

    def _answer(self, frame):
        arp = parse_arp_request(frame)
        if arp and arp[1][:3] == FLOOD_HOST_IP[:3] and arp[1] != FLOOD_GUEST_IP:
            try:
                self.link.sendall(qemu_frame(arp_reply(arp[0], arp[1], arp[2])))
            except OSError:
                pass
            return
        seq = parse_echo_reply(frame, BARRIER_ID)
        if seq is not None:
            with self.barrier_cv:
                self.barrier_seq = max(self.barrier_seq, seq)
                self.barrier_cv.notify_all()

    def _barrier(self, seq):
        """Send echo request @seq and wait (1 s at most) for its reply: the
        frames before it have been taken off the guest's queues by then."""
        self.link.sendall(qemu_frame(echo_request(seq, BARRIER_ID)))
        with self.barrier_cv:
            return self.barrier_cv.wait_for(lambda: self.barrier_seq >= seq, BARRIER_WAIT)

    def _fetches(self, stop, want, results):
        """Fetch small.bin (1 MiB) over the user network every FETCH_EVERY
        seconds until @stop is set; append (ok, finished while the flood was
        still being sent, what)."""
        while not stop.is_set():
            t = time.monotonic()
            status, body, why = http_fetch(self.http_port, "/small.bin", timeout=120)
            ok = status == 200 and sha256(body) == want
            what = f"status {status}, {len(body)} bytes, {time.monotonic() - t:.1f} s {why}"
            results.append((ok, not self.flood_over.is_set(), what))
            self.ctx.log(f"fetch during the flood: {what}")
            stop.wait(FETCH_EVERY)

    def lwip(self, guest):
        st, out = guest.run("/bin/cat /proc/pagoda/lwip")
        return parse_lwip(out) if st == 0 else None

    def _flood(self, kinds):
        """Send the frames in batches of FLOOD_BATCH, each followed by an echo
        request whose reply the next batch waits for (_barrier). Unpaced,
        the guest's NIC takes frames faster than lwIP's thread handles them,
        and most would be dropped at its mailbox before any parser saw them.
        Returns the number of barriers that timed out."""
        rng = random.Random(FLOOD_SEED)
        batch, late, streak = [], 0, 0
        for i in range(FLOOD_FRAMES):
            kind, frame = junk_frame(rng, i)
            kinds[kind] = kinds.get(kind, 0) + 1
            batch.append(qemu_frame(frame))
            if len(batch) == FLOOD_BATCH or i == FLOOD_FRAMES - 1:
                self.link.sendall(b"".join(batch))
                batch = []
                if self._barrier(i // FLOOD_BATCH + 1):
                    streak = 0
                    continue
                late, streak = late + 1, streak + 1
                if late <= 20:
                    self.ctx.log(f"batch {i // FLOOD_BATCH} unanswered")
                if streak == BARRIER_GIVE_UP:
                    raise GuestSilent(f"no echo reply for {streak} batches in a row "
                                      f"(after {i + 1} frames)")
        return late

    def run(self, m):
        ctx, guest = self.ctx, GuestControl(self.ctx, self.ctl_port)
        want = m.group("sha")
        self.lsock.settimeout(30)
        self.link, _ = self.lsock.accept()     # QEMU connected at its start
        self.drainer = threading.Thread(target=self._drain, daemon=True)
        self.drainer.start()

        st, out = guest.run("/bin/ifconfig eth1 192.168.78.1 netmask 255.255.255.0 up")
        if st != 0:
            ctx.report("flood_setup", False, f"ifconfig eth1: exit {st}: {out.strip()}")
            guest.run("quit")
            return
        status, body, why = http_fetch(self.http_port, "/big.bin")
        ctx.report("flood_fetch_before", status == 200 and sha256(body) == want,
                   f"status {status}, {len(body)} bytes {why}")
        small = sha256(body[:1 << 20])
        before = self.lwip(guest)
        st, meminfo_before = guest.run("/bin/cat /proc/meminfo")

        # the flood, with fetches going on over the other NIC all along
        stop, during, kinds = threading.Event(), [], {}
        self.flood_over = threading.Event()
        fetcher = threading.Thread(target=self._fetches, args=(stop, small, during),
                                   daemon=True)
        fetcher.start()
        t0 = time.monotonic()
        late, why = None, ""
        try:
            late = self._flood(kinds)
        except (OSError, GuestSilent) as e:
            why = f"after {sum(kinds.values())} frames: {e}"
            ctx.log(f"flood stopped {why}")
        self.flood_over.set()
        flood_s = time.monotonic() - t0
        stop.set()
        fetcher.join(150)
        ctx.log(f"flood: {sum(kinds.values())} frames in {flood_s:.1f} s "
                f"({sum(kinds.values()) / max(flood_s, 1e-3):.0f}/s), {late} batches "
                f"unanswered, {self.replies} frames back; "
                + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        ctx.report("flood_100k_frames_sent", not why, f"stopped {why}")
        in_flood = [r for r in during if r[1]]
        bad = [r[2] for r in during if not r[0]]
        ctx.report("flood_fetches_during", len(in_flood) >= 3 and not bad,
                   f"{len(during)} fetches, {len(in_flood)} ended while the flood was "
                   f"being sent (3 wanted); failed: {bad[:3]}")

        # after: HTTP still served, lwIP back where it was
        ok_after = 0
        for _ in range(2):
            status, body, why = http_fetch(self.http_port, "/big.bin")
            ok_after += status == 200 and sha256(body) == want
        ctx.report("flood_fetches_after", ok_after == 2, f"{ok_after} of 2 fetches right")
        after, diff, t_end = None, ["no reading"], time.monotonic() + 90
        while before is not None and diff and time.monotonic() < t_end:
            time.sleep(2)
            after = self.lwip(guest)
            diff = lwip_diff(before[0], after[0]) if after else ["no reading"]
        ctx.report("flood_lwip_memory_back", before is not None and not diff,
                   f"still held: {diff}; before {before and before[0]}, "
                   f"after {after and after[0]}")
        if before and after:
            ctx.log("lwIP counters moved: " + proto_delta(before[1], after[1]))
        st, meminfo_after = guest.run("/bin/cat /proc/meminfo")
        free = [re.search(r"^MemFree:\s+(\d+)", t, re.M) for t in (meminfo_before,
                                                                    meminfo_after)]
        if all(free):
            ctx.log(f"MemFree before {free[0].group(1)} kB, after {free[1].group(1)} kB "
                    "(not judged: caches)")
        st, out = guest.run("quit")
        ctx.report("guest_quit", st == 0, f"exit {st}: {out.strip()}")

    def judge(self, parser):
        pass

    def close(self):
        for s in (self.link, self.lsock):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


ACTIONS = {"net-user": NetUser, "net-pair": NetPair, "net-flood": NetFlood}


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


def st_guest_replies():
    assert parse_reply(b"abc\nNETTEST-EXIT 3\n") == (3, "abc\n")
    assert parse_reply(b"NETTEST-EXIT 0\n") == (0, "")
    assert parse_reply(b"cut short") == (None, "cut short")
    text = ("heap_bytes 120\npool TCP_PCB used 3 max 9 err 0\npool PBUF_POOL used 0 max 5 "
            "err 0\nproto IP xmit 1 recv 7 drop 2\n")
    mem, protos = parse_lwip(text)
    assert mem == {"heap_bytes": 120, "TCP_PCB": 3, "PBUF_POOL": 0}, mem
    assert protos == {"IP": {"xmit": 1, "recv": 7, "drop": 2}}, protos
    assert parse_lwip("nothing") is None
    after = dict(mem, TCP_PCB=9)                    # TIME_WAIT: not judged
    assert lwip_diff(mem, after) == []
    assert lwip_diff(mem, dict(mem, heap_bytes=984)) == ["heap_bytes 120->984"]
    assert proto_delta(protos, {"IP": {"xmit": 1, "recv": 9, "drop": 2}}) == "IP recv +2"


class _FakeCtx:
    def __init__(self, nic):
        self.cfg = type("Cfg", (), {"nic": nic})()


def st_qemu_net_args():
    """Every address given to QEMU is 127.0.0.1; the NIC model is the boot's."""
    ip_re = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
    for nic in ("virtio-net-pci", "e1000", "e1000e"):
        user, flood = NetUser(_FakeCtx(nic)), NetFlood(_FakeCtx(nic))
        pair = NetPair(_FakeCtx(nic))
        try:
            args = {"user": user.qemu_args(), "flood": flood.qemu_args(),
                    "pair1": pair.qemu_args(),
                    "pair2": pair_socket_args(nic, "52:54:00:77:00:02", False, pair.port)}
        finally:
            user.close()
            flood.close()
        for name, a in args.items():
            s = " ".join(a)
            assert set(ip_re.findall(s)) == {LO}, (name, s)
            assert f"-device {nic},netdev=n0," in s, (name, s)
        assert "restrict=off" in " ".join(args["user"])
        assert "restrict=on" in " ".join(args["flood"])
        assert f"-device {nic},netdev=n1,mac=52:54:00:78:00:01" in " ".join(args["flood"])
        assert f"hostfwd=tcp:{LO}:{user.http_port}-:80" in " ".join(args["user"])
        assert f"hostfwd=udp:{LO}:{user.udp_port}-:{GUEST_ECHO_PORT}" in " ".join(args["user"])
    a1 = " ".join(pair_socket_args("e1000", "m", True, 4000))
    a2 = " ".join(pair_socket_args("e1000", "m", False, 4000))
    assert "udp=127.0.0.1:4001,localaddr=127.0.0.1:4000" in a1, a1
    assert "udp=127.0.0.1:4000,localaddr=127.0.0.1:4001" in a2, a2


SELFTESTS = [st_checksums, st_socket_framing, st_junk_frames, st_barrier_and_arp,
             st_guest_replies, st_qemu_net_args]
