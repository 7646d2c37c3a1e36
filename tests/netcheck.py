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
             (netframes.py) go to it while HTTP fetches run through the
             user network, and more after; lwIP's memory use
             (/proc/pagoda/lwip) must come back to where it was. The
             frames go in batches of 32, each ended by an ICMP echo
             request whose reply the next batch waits for: sent as fast as
             QEMU takes them, most would be dropped at lwIP's mailbox
             before any parser saw them (measured: 80 % dropped unpaced,
             none paced; 100,000 frames take 12-26 s under TCG).
  net-bench  bench-net-smoke: /bench/netbench --quick is pid 1 and listens
             on 10.0.2.15:5001, forwarded from a free port of 127.0.0.1;
             tools/netbench-peer's code (the same that `make bench` runs)
             serves it: 8 MiB each way and 20 connections. No timing is
             judged, only that the session ran to netbench's "bye" (the
             boot's must_log lines check netbench's figures).

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

from netframes import (BARRIER_ID, FLOOD_HOST_IP, FLOOD_GUEST_IP, FLOOD_SEED,
                       GUEST_CTL_PORT, GUEST_ECHO_PORT, arp_reply, echo_request,
                       junk_frame, parse_arp_request, parse_echo_reply, qemu_frame)

LO = "127.0.0.1"
GUEST_BIG_SIZE = 16 << 20       # user/net/nettest.c BIG_SIZE, /tmp/www/big.bin
MAC_USER = "52:54:00:12:34:56"  # the user-network NIC (QEMU's default MAC)


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
        st, out = guest.run("/bin/ping -c 3 10.0.2.2")
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
# Measured here (QEMU 7.2, TCG, 64 MiB): udp 20-35 s for the transfer,
# tcp 107-155 s. QEMU 7.2 sets TCP_NODELAY on the connect= side's socket
# but not on the connection the listen= side accepts (strace), so Nagle
# holds back the listening guest's small frames (the receiver's ACKs)
# against the kernel's delayed ACKs, and lwIP's 23 KB window then moves
# about 0.5 MB/s. So "udp" by default; "tcp" passes too, only slowly.
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
# net-flood
# --------------------------------------------------------------------------

FLOOD_FRAMES = 100000
FLOOD_BATCH = 32                # frames per batch: half of lwIP's 64-entry mailbox
BARRIER_WAIT = 0.3              # s: an echo request or its reply may be dropped too
FETCH_EVERY = 2.0               # s between HTTP fetches during the flood
BARRIER_GIVE_UP = 100           # batches unanswered in a row: the guest's link is dead


class GuestSilent(Exception):
    """The guest stopped answering on the flood link."""


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


# --------------------------------------------------------------------------
# net-bench
# --------------------------------------------------------------------------

NETBENCH_PORT = 5001            # user/bench/netbench.c's port in the guest


def load_netbench_peer():
    """tools/netbench-peer as a module (it has no .py suffix)."""
    import importlib.machinery
    import importlib.util
    import os
    import sys
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "tools", "netbench-peer")
    sys.dont_write_bytecode = True          # no tools/__pycache__
    loader = importlib.machinery.SourceFileLoader("netbench_peer", path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class NetBench:
    ready = r"^netbench: listening on port "

    def __init__(self, ctx):
        self.ctx = ctx
        self.port = free_port()
        self.peer = None

    def qemu_args(self):
        return ["-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:{LO}:{self.port}-"
                f":{NETBENCH_PORT}", "-device", f"{self.ctx.cfg.nic},netdev=n0,mac={MAC_USER}"]

    def run(self, m):
        nbp = load_netbench_peer()
        self.peer = nbp.Peer(self.port, timeout=60.0, hello_wait=10.0, log=self.ctx.log)
        try:
            self.peer.run()
            ok, why = True, ""
        except (nbp.PeerError, OSError) as e:
            ok, why = False, str(e) or type(e).__name__
        self.ctx.report("netbench_session", ok, why)

    def judge(self, parser):
        pass

    def close(self):
        if self.peer is not None:
            self.peer.stop()


ACTIONS = {"net-user": NetUser, "net-pair": NetPair, "net-flood": NetFlood,
           "net-bench": NetBench}


# --------------------------------------------------------------------------
# Self tests (run by tests/harness.py --selftest)
# --------------------------------------------------------------------------

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
        bench = NetBench(_FakeCtx(nic))
        pair = NetPair(_FakeCtx(nic))
        try:
            args = {"user": user.qemu_args(), "flood": flood.qemu_args(),
                    "pair1": pair.qemu_args(), "bench": bench.qemu_args(),
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
        assert f"restrict=on,hostfwd=tcp:{LO}:{bench.port}-:5001 " in \
            " ".join(args["bench"])
        assert f"hostfwd=udp:{LO}:{user.udp_port}-:{GUEST_ECHO_PORT}" in " ".join(args["user"])
    a1 = " ".join(pair_socket_args("e1000", "m", True, 4000))
    a2 = " ".join(pair_socket_args("e1000", "m", False, 4000))
    assert "udp=127.0.0.1:4001,localaddr=127.0.0.1:4000" in a1, a1
    assert "udp=127.0.0.1:4000,localaddr=127.0.0.1:4001" in a2, a2


SELFTESTS = [st_guest_replies, st_qemu_net_args]
