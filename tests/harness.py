#!/usr/bin/env python3
"""Pagoda test harness: the runner behind `make check`.

What it is for
--------------
One command that answers "does Pagoda still work?".  It runs

  1. the host unit-test binaries (kernel library code compiled for Linux,
     usually with sanitizers), and
  2. the kernel's own in-kernel tests, by booting the test ISO in QEMU in
     several machine configurations (SeaBIOS and UEFI firmware, CD-ROM and
     USB boot media, small and large memory, up to eight CPUs, the q35
     and pc machines),

and prints one line per test.  The last line of output is always exactly
`N passed, M failed`; the exit status is 0 iff M == 0 and N > 0.

Usage
-----
  tests/harness.py --iso build/test/pagoda.iso --log-dir build/test/logs \\
      [--host-test BIN ...] [--suite BIN ...] [--boot NAME ...] [--accel tcg|kvm] \\
      [--jobs N] [--timeout SEC] [--debug-alloc] [--atomic-sleep] [--list]
      [--selftest]

  --boot NAME     run only these boot configurations (repeatable, or
                  comma-separated); default: all of them.  --list shows them.
  --accel         QEMU accelerator, default tcg.  (/dev/kvm on the build
                  machine is unreliable, so KVM is only used when asked.)
  --jobs N        boots run in parallel, default os.cpu_count().
  --timeout SEC   per-boot limit, default 180 s (UEFI under TCG is slow).
  --debug-alloc   the images boot with debug_alloc=1 (make check): every
                  boot but bench-smoke must print the kernel's line
                  `debug_alloc: page poisoning, slab redzones+poison, free
                  tracking on` (anywhere in the log), or it fails.
  --atomic-sleep  the images boot with debug_atomic_sleep=1 (make check):
                  every boot must print the kernel's line `might_sleep:
                  sleep-in-atomic checks on` (kernel/might_sleep.c), or it
                  fails; a report itself ends in a PANIC line.
  --selftest      check the harness itself: feeds synthetic serial logs and
                  exit codes to the classification code, runs tiny fake
                  host tests, checks the QEMU command lines.  Needs no ISO.
                  tests/harness_selftest.sh goes further: it boots fake GRUB
                  ISOs that speak the protocol below through every verdict.

Host tests
----------
Each --host-test binary runs with a 120 s limit; a --suite binary is a host
test that boots QEMU itself (tests/linux-selftests-on-pagoda) and gets
1800 s.  Every stdout line
`PASS <name>` is a pass, `FAIL <name>: <reason>` a failure; they are printed
as `PASS host/<name>` / `FAIL host/<name>: <reason>`.  A binary that exits
non-zero, is killed by a signal (sanitizer abort, segfault), times out or
prints no PASS line adds one more failure `FAIL host/<basename>: exit
status ...`, followed by its stderr (the sanitizer report if there is one,
else the tail), indented.

Boots
-----
Every configuration boots the same ISO with the common QEMU options
(`-machine q35` unless the configuration says `pc`, `-cpu max`, `-nodefaults -vga std`, no display, `-no-reboot`, serial port
to a file, isa-debug-exit at port 0xf4, `-d cpu_reset,guest_errors`) plus
its own firmware, boot medium, memory size, CPU count and extra arguments.
The table BOOTS below defines them; adding a configuration is one line.
`-nodefaults` matters: without it QEMU adds an empty CD-ROM drive and a
network card with a PXE ROM, so in `bios-usb` the USB stick is the only
boot device there is (and `-boot strict=on` stops SeaBIOS looking further).

The harness watches the serial log while QEMU runs (every 20 ms) and
records when the banner line (the first line starting with `Pagoda `)
appears: that wall time since QEMU started is the "boot time" reported per
configuration.  Serial lines the kernel prints (anywhere in a line; ANSI
escape sequences and carriage returns from firmware are stripped first):

  Pagoda <version> ...                      banner
  KTEST PASS <name>
  KTEST FAIL <name>: <reason>
  KTEST SKIP <name>: <reason>               printed, not counted
  KTEST DONE <passed> passed, <failed> failed
  PANIC: ...                                kernel panic

The kernel then leaves QEMU through isa-debug-exit: QEMU exit status 33
means the kernel said "pass", 35 "fail".  A triple fault makes QEMU (with
-no-reboot) exit with status 0 and log `Triple fault` to its -D log.

Each boot prints its tests (`PASS <boot>/<test>`, `FAIL <boot>/<test>: ..`,
`SKIP <boot>/<test>: ..`) and one overall line that counts as a test:
`PASS <boot>/boot (banner after X.XXs, N tests, exit 33)` or
`FAIL <boot>/boot: <why>`, where why is (most specific first) a setup
problem (e.g. OVMF missing), a PANIC line, a triple fault, a timeout, or
the list of everything else that is wrong: unexpected QEMU exit status,
no `KTEST DONE`, DONE counts disagreeing with the PASS/FAIL lines, zero
tests run, exit status 35 (the kernel reported a failure), a required
test missing or not passed, no banner.  A failed boot is followed by the
last 30 serial lines, indented, and the paths of its logs.

Boots of other images expect a panic, a power-off or a reset instead (the
`expect` field); those with `summary="none"` print no test lines at all and
are judged by their `must_log` lines and how QEMU ended (bench-smoke:
/bench/mmbench --quick as pid 1 must print `BENCH DONE` and power off;
no timing is judged).

bench-net-smoke boots /bench/netbench --quick as pid 1 with a virtio NIC
whose QEMU forwards a free port of 127.0.0.1 to the guest's 10.0.2.15:5001
(the host action net-bench, below): once netbench's `netbench: listening
on port` line is on the serial port, tools/netbench-peer's code runs
against that port - the only address it ever connects to - and netbench
must print a value for each of its three metrics, `BENCH DONE`, and power
off.

After a PANIC line the kernel gets 3 s to leave QEMU by itself, after
`KTEST DONE` 15 s; then it is killed rather than waiting for the timeout.

Boots run in parallel (--jobs) in one polling loop; each boot's results
are printed as one block, in table order.  QEMU never sees the terminal's
stdin, runs in its own process group (killed as a group on timeout,
Ctrl-C, SIGTERM, SIGHUP or harness exit) and, where util-linux `setpriv`
exists, with a parent-death signal so it dies even if the harness is
SIGKILLed.  At the end a `boot times:` table, then the summary line.

Host actions
------------
A configuration with `host=NAME` has a host action (ACTIONS[NAME] of
tests/netcheck.py: the network tests, or of tests/gdbcheck.py: the gdb
commands, driven through QEMU's gdb stub). Before QEMU starts, the action
picks free ports of 127.0.0.1, starts its servers and adds its QEMU
arguments (the NIC, model `nic=`, and its network; or the gdb stub).
When the serial log shows the action's ready line, its run() starts in a thread of its own (the main
loop goes on polling every boot): it talks to the guest through QEMU's
networks and reports checks, which are printed and counted as this
boot's tests (`PASS <boot>/<check>`); a failed check fails the boot, and
so does a ready line that never comes. After QEMU has ended, the action
gets HOST_JOIN s to finish and then judges the whole serial log. If
QEMU is still running HOST_GRACE s after the action's run() returned, it
is stopped and the boot fails. An action may start a peer, a second QEMU
(`peer=`, another configuration; net-pair) with the same common options:
it is judged like a boot of its own, its block printed after this one's.
Should QEMU fail at once because a host port it was to bind was taken
meanwhile, the boot is started again with new ports (twice at most).
Boots with `summary="none"` and expect "tests" are judged by must_log,
QEMU's exit status and the host checks.

Files per boot in --log-dir: <name>.serial (serial port), <name>.qemu.log
(QEMU -D log: resets, guest errors), <name>.firmware.log (SeaBIOS debug
port 0x402), <name>.stderr (QEMU's own messages), <name>.cmd (the command,
ready to paste into a shell), for UEFI <name>.OVMF_VARS.fd (a fresh
copy of the variable store per run) and, with a host action, <name>.host.log
(what it did: commands, replies, timings).  OVMF paths can be overridden with
the environment variables PAGODA_OVMF_CODE / PAGODA_OVMF_VARS.
"""

from __future__ import annotations

import argparse
import atexit
import collections
import dataclasses
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

QEMU = "qemu-system-x86_64"
DEFAULT_ACCEL = "tcg"           # the one place the accelerator is chosen
OVMF_CODE = os.environ.get("PAGODA_OVMF_CODE", "/usr/share/OVMF/OVMF_CODE.fd")
OVMF_VARS = os.environ.get("PAGODA_OVMF_VARS", "/usr/share/OVMF/OVMF_VARS.fd")

HOST_TEST_TIMEOUT = 120.0       # seconds per host test binary
SUITE_TIMEOUT = 1800.0          # seconds per --suite binary (boots QEMU)
BOOT_TIMEOUT = 180.0            # seconds per boot (default for --timeout)
POLL_INTERVAL = 0.02            # how often the serial logs are read
PANIC_GRACE = 3.0               # after PANIC: time to exit QEMU by itself
DONE_GRACE = 15.0               # after KTEST DONE: time to exit QEMU
HOST_GRACE = 30.0               # after a host action's checks: time to exit QEMU
HOST_JOIN = 30.0                # after QEMU ended: time for the host action to end
KILL_GRACE = 3.0                # SIGTERM -> SIGKILL delay when killing QEMU
TAIL_LINES = 30                 # serial lines shown for a failed boot
RECAP_LINES = 14                # lines of a kernel report repeated at the end
RECAP_RE = re.compile(r"(BUG:|PANIC:|soft lockup)")   # not WARNING: tests provoke some

EXIT_PASS = 33                  # isa-debug-exit: (0x10 << 1) | 1
EXIT_FAIL = 35                  # isa-debug-exit: (0x11 << 1) | 1


# --------------------------------------------------------------------------
# Boot configurations
# --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BootConfig:
    name: str
    machine: str = "q35"            # -machine: q35 (ICH9, PCIe) or pc (i440FX + PIIX3)
    firmware: str = "bios"          # key of FIRMWARE
    media: str = "cdrom"            # key of MEDIA
    memory: str = "512M"            # -m
    smp: int = 1                    # -smp
    extra: tuple = ()               # further QEMU arguments
    required: tuple = ()            # tests that must PASS in this boot
    image: str = "test"             # which ISO (--iso is "test", --image adds more)
    expect: str = "tests"           # "tests" | "panic" | "poweroff" | "reset"
    must_log: tuple = ()            # regexes that must each match a serial line
    no_reboot: bool = True          # -no-reboot (off where a reset is expected)
    summary: str = "ktest"          # "ktest": KTEST DONE line; "user": UTEST DONE/ALL lines;
                                    # "none": no test lines expected (judged by must_log)
    debug_alloc: bool = True        # with --debug-alloc: its image boots with
                                    # debug_alloc=1 and must print DEBUG_ALLOC_RE
    atomic_sleep: bool = True       # with --atomic-sleep: its image boots with
                                    # debug_atomic_sleep=1 and must print ATOMIC_SLEEP_RE
    no_warnings: bool = False       # fail on any kernel "WARNING:"/"BUG:" line (fuzz)
    slow: float = 1.0               # this boot may take slow x --timeout (4 vCPUs under TCG)
    host: str = ""                  # a host action (netcheck.py/gdbcheck.py ACTIONS) runs while
                                    # the guest is up; its checks count as this boot's tests
    nic: str = ""                   # the QEMU NIC model a host action gives the guest
    peer: "BootConfig | None" = None  # a second QEMU the host action starts (net-pair)


# A throw-away zero-filled virtio disk (a snapshot overlay, nothing on the host).
SCRATCH_DISK = ("-drive", "driver=null-co,size=64M,read-zeroes=on,if=none,id=d0,snapshot=on",
                "-device", "virtio-blk-pci,drive=d0")

# The swap boots (1 and 4 CPUs): a 512 MiB throw-away disk, and the cases
# of vm_swap_test that must pass there.
SWAP_DISK = ("-drive", "driver=null-co,size=512M,read-zeroes=on,if=none,id=d0,snapshot=on",
             "-device", "virtio-blk-pci,drive=d0")
SWAP_REQUIRED = tuple("vm_swap_test/" + c for c in (
    "pageout_and_back", "shared_with_child", "softdirty_survives_swap",
    "read_error_poisons_page", "mremap_swapped_pages", "pageout_shared_memory",
    "fill_more_than_ram", "shmem_file_larger_than_ram", "shared_anon_larger_than_ram",
    "shared_anon_two_writers", "concurrent_swapin_clone_vm", "swapoff_killable",
    "swapoff_brings_pages_back", "no_page_leak_after_swapoff"))

# A virtio-net NIC on a user-mode network that reaches nothing outside.
NET_VIRTIO = ("-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0")
# The same network behind Intel's 82540EM ("e1000") and 82574L ("e1000e").
NET_E1000 = ("-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0")
NET_E1000E = ("-netdev", "user,id=n0,restrict=on", "-device", "e1000e,netdev=n0")
# What every NIC boot checks of lwIP on eth0 (kernel/net/tests/netif_ktest.c).
NETIF_REQUIRED = ("net_ip_config_parse", "net_eth_dhcp", "net_eth_ping_gateway",
                  "net_eth_static")
NETIF_MUST_LOG = (r"^net: eth0 10\.0\.2\.15/24 gw none \(dhcp\)$",
                  r"^net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(static\)$")
E1000_REQUIRED = ("e1000_eth0", "e1000_arp_gateway", "e1000_icmp_echo", "e1000_tx_burst",
                  "e1000_tx_ring_wraps", "e1000_rx_overrun", "e1000_link_change") + NETIF_REQUIRED
NETBENCH_MUST_LOG = tuple(rf"^BENCH {m} \d+\.\d+ " for m in
                          ("tcp_host_to_guest", "tcp_guest_to_host",
                           "tcp_connections")) + (r"^BENCH DONE$",)

# The network tests driven from the host (tests/netcheck.py says what each
# checks, and why every address they use is 127.0.0.1 or inside QEMU).
# One call per NIC model (the QEMU -device name) makes its three boots:
#   net-user-<tag>   image net: HTTP from the guest's httpd to the host and
#                    from a host server to the guest's wget, UDP echo both
#                    ways, ping of the gateway (user network, restrict=off)
#   net-pair-<tag>   images netpair1 and netpair2, two QEMUs joined by
#                    -netdev socket: 64 MiB over TCP, both hashes compared
#   net-flood-<tag>  image net plus a NIC on a socket link that the harness
#                    floods with 100,000 malformed frames while it fetches
#                    over HTTP; lwIP must hold no more memory afterwards
NET_DONE = (r"^NETTEST DONE 0 problems$", r"^init exited with status 0$")


def net_boots(tag, nic):
    return (
        BootConfig(f"net-user-{tag}", image="net", summary="none", host="net-user", nic=nic,
                   must_log=NET_DONE),
        BootConfig(f"net-pair-{tag}", image="netpair1", summary="none", host="net-pair",
                   nic=nic, slow=2.0, must_log=(r"^NETTEST PAIR received sha256=[0-9a-f]{64}$",
                                      r"^init exited with status 0$"),
                   peer=BootConfig(f"net-pair-{tag}.2", image="netpair2", summary="none",
                                   must_log=(r"^NETTEST PAIR sent bytes=\d+ sha256=[0-9a-f]{64}$",
                                             r"^NETTEST PAIR send status=0 ",
                                             r"^init exited with status 0$"))),
        BootConfig(f"net-flood-{tag}", image="net", summary="none", host="net-flood", nic=nic,
                   slow=2.0, no_warnings=True, must_log=NET_DONE),
    )


# One line per configuration.  Order = order of the printed result blocks.
BOOTS = (
    BootConfig("bios-cdrom"),
    BootConfig("uefi-cdrom", firmware="uefi", required=("fb_console",)),
    BootConfig("bios-usb", media="usb"),
    BootConfig("mem-64M", memory="64M"),
    BootConfig("mem-6G", memory="6G", required=("pmm_above_4g", "dmap_split_1g")),
    # Application processors start and run tasks (arch/x86_64/smp.c): the
    # ktest compares the online CPUs with the MADT (the "online" lines are
    # early, beyond the kept tail of a long log), and
    # a munmap shoots down the other CPUs in one batch (tlb.c); so does a
    # batch of reclaim's swap-out, to the scratch disk (vmscan.c); a flush
    # interrupts just the CPUs with the tree loaded, and a deferred batch
    # sends one request (tlb_ktest.c).
    BootConfig("smp2", smp=2, extra=SCRATCH_DISK,
               required=("smp_aps_online", "tlb_shootdown_batched_munmap",
                         "tlb_reclaim_batched_flush", "tlb_flush_targets_cpumask",
                         "tlb_batch_defers_flush"),
               must_log=(r"^smp: 2 CPUs run tasks$",)),
    # The APs under UEFI firmware too (OVMF starts them in its own way first).
    BootConfig("uefi-smp4", firmware="uefi", smp=4,
               required=("smp_aps_online", "tlb_shootdown_batched_munmap"),
               must_log=(r"^smp: 4 CPUs run tasks$",)),
    # And OVMF on the PC chipset (its framebuffer BAR elsewhere): two CPUs.
    BootConfig("uefi-smp2-pc", machine="pc", firmware="uefi", smp=2,
               required=("smp_aps_online", "tlb_shootdown_batched_munmap", "fb_console"),
               must_log=(r"^smp: 2 CPUs run tasks$",)),
    BootConfig("smp4", smp=4, extra=SCRATCH_DISK,
               required=("smp_aps_online", "tlb_shootdown_batched_munmap",
                         "tlb_reclaim_batched_flush", "pcp_smp_alloc_free_exact",
                         "pte_cursor_split_locks_two_cpus", "tlb_flush_targets_cpumask",
                         "tlb_batch_defers_flush"),
               must_log=(r"^smp: 4 CPUs run tasks$",)),
    # Eight CPUs on the older PC chipset (i440FX + PIIX3: the CD-ROM on IDE,
    # the scratch disk on a conventional PCI bus, PIIX4 ACPI; its MADT and
    # MSI-X work as on q35).
    BootConfig("smp8-pc", machine="pc", smp=8, slow=2.0, extra=SCRATCH_DISK,
               required=("smp_aps_online", "tlb_shootdown_batched_munmap",
                         "tlb_reclaim_batched_flush", "pcp_smp_alloc_free_exact",
                         "pte_cursor_split_locks_two_cpus"),
               must_log=(r"^smp: 8 CPUs run tasks$",)),
    # Images with other command lines (see the Makefile): the kernel must
    # report an unhandled fault and panic, power off, and restart.
    BootConfig("panic", image="panic", expect="panic",
               must_log=(r"Exception 14 \(page fault\)", r"CR2 = ffffc800dead0000",
                         r"not-present page on read in kernel mode",
                         r"Call trace:", r"ktest_fn_fault_selftest\+0x")),
    # A ktest spins in the kernel with softlockup=2: the timer tick must
    # report it (Linux's wording) with the interrupted RIP inside the loop
    # (the handler's own trace never names it), then panic.
    BootConfig("softlockup", image="softlockup", expect="panic",
               must_log=(r"^BUG: soft lockup - CPU#0 stuck for [2-9]s! \[idle:0\]$",
                         r"^\s*\[<[0-9a-f]+>\] softlockup_spin_loop\+0x",
                         r"^\s*\[<[0-9a-f]+>\] ktest_fn_softlockup_spin\+0x",
                         r"PANIC: softlockup: hung tasks")),
    # A ktest sleeps under a ranked spinlock with debug_atomic_sleep=1: the
    # checker's report (Linux's wording) names the file and line, the
    # count, where the lock was taken, the lock, and the call chain.
    BootConfig("sleep-in-atomic", image="sleepbug", expect="panic",
               must_log=(r"^BUG: sleeping function called from invalid context at "
                         r"kernel/tests/might_sleep_ktest\.c:\d+$",
                         r"^in_atomic\(\): 1, irqs_disabled\(\): 1, pid: 0, name: idle$",
                         r"^atomic count: 0x1 \(1 spinlock held, hardirq depth 0\)$",
                         r"^first spinlock taken at: \[<[0-9a-f]+>\] "
                         r"ktest_fn_might_sleep_report_panics\+0x",
                         r"^locks held:$",
                         r"^  &l rank lru_lock, taken at ktest_fn_might_sleep_report_panics\+0x",
                         r"PANIC: might_sleep: sleeping function called from invalid context",
                         r"^\s*\[<[0-9a-f]+>\] ktest_fn_might_sleep_report_panics\+0x")),
    BootConfig("poweroff", image="poweroff", expect="poweroff", no_reboot=False,
               must_log=(r"Powering off",
                         # the TSC's reference clock (arch/x86_64/tsc.c); a short log, so
                         # the boot line is still in the parser's tail
                         r"^tsc: \d+ kHz (calibrated against (HPET|PM timer|PIT) "
                         r"\(\d+ ms window\)|from CPUID 0x15)$")),
    BootConfig("reset", image="reset", expect="reset", no_reboot=False,
               must_log=(r"Restarting",)),
    # User-level tests: pid 1 is /tests/runall (every program in /tests),
    # /tests/fork200, or the shell running /tests/pipeline.sh.
    BootConfig("user", image="utest", summary="user",
               required=("runall/memfree_restored", "runall/no_slab_leaks"),
               must_log=(r"^init exited with status 0$",)),
    # The same user tests with four CPUs running tasks (threads really in
    # parallel, TLB shootdowns between them).
    BootConfig("user-smp4", image="utest", summary="user", smp=4, slow=2.0,
               required=("runall/memfree_restored", "runall/no_slab_leaks",
                         "thread_test/getcpu_pinned",
                         "vm_smp_test/munmap_no_stale_read",
                         "vm_smp_test/mprotect_none_no_stale_read",
                         "vm_smp_test/dontneed_sees_zeros",
                         "vm_smp_test/cow_after_fork_with_writers",
                         "vm_smp_test/reclaim_4_threads"),
               must_log=(r"^init exited with status 0$",)),
    BootConfig("fork200", image="fork200", summary="user",
               must_log=(r"^init exited with status 0$",)),
    # fork200, swap and the benchmark smoke test again with four CPUs.
    BootConfig("fork200-smp4", smp=4, image="fork200", summary="user",
               must_log=(r"^init exited with status 0$",)),
    BootConfig("shell", image="shell", summary="user",
               must_log=(r"^one two three$", r"^appended$", r"^status after false: 1$",
                         r"^init exited with status 0$")),
    # pid 1 is /bench/mmbench --quick, which powers off when done: a smoke
    # test that the benchmark runs to its end (no timings are judged).
    # A virtio disk (a throw-away zero-filled overlay, nothing on the host):
    # PCI enumeration, the virtio-blk driver, /dev/vda, error injection.
    BootConfig("virtio-blk",
               extra=("-drive", "driver=null-co,size=64M,read-zeroes=on,if=none,id=d0,snapshot=on",
                      "-device", "virtio-blk-pci,drive=d0"),
               required=("pci_enumerate", "virtio_blk_pci_caps", "virtio_blk_rw",
                         "virtio_blk_inject_error", "virtio_blk_concurrent",
                         "virtio_blk_bytes_and_devnode", "swap_swapon_swapoff_vda",
                         "swap_pageout_fork_swapin", "swap_read_error_marker_survives_fork",
                         "swap_shmem_out_and_back", "populate_swapin_unlocked")),
    # A virtio NIC on QEMU's user-mode network (slirp), restrict=on so the
    # guest reaches nothing outside; slirp itself still answers ARP for its
    # gateway 10.0.2.2 and ICMP echo sent to it, the only traffic the tests
    # send (kernel/tests/virtio_net_ktest.c), besides lwIP's DHCP with
    # slirp's server (which, restricted, offers no router) and its ARP
    # (kernel/net/tests/netif_ktest.c).
    BootConfig("net-virtio", extra=NET_VIRTIO,
               required=("virtio_net_eth0", "virtio_net_arp_gateway",
                         "virtio_net_icmp_echo", "virtio_net_tx_burst") + NETIF_REQUIRED,
               must_log=NETIF_MUST_LOG),
    # The same tests through Intel's NICs (kernel/tests/e1000_ktest.c):
    # QEMU's 82540EM on the PC chipset has no MSI, so its interrupts come
    # over the shared, level-triggered INTx# line through the I/O APIC
    # (PIRQ link -> ISA IRQ 11 -> MADT override -> GSI 11); the 82574L on
    # q35 uses MSI-X, one vector each for RX, TX and link changes.
    BootConfig("net-e1000", machine="pc", extra=NET_E1000, required=E1000_REQUIRED,
               must_log=NETIF_MUST_LOG + (
                   r"^pci: 00:03\.0 INTA# -> IRQ 11 -> GSI 11 \(level, active high\), "
                   r"vector 0x[3-9a-e][0-9a-f]$",
                   r"^e1000: eth0 at 00:03\.0: 82540EM, 52:54:00:12:34:56 \(RAL0\), INTx ")),
    BootConfig("net-e1000e", extra=NET_E1000E, required=E1000_REQUIRED,
               must_log=NETIF_MUST_LOG + (
                   r"^e1000e: eth0 at 00:02\.0: 82574L, 52:54:00:12:34:56 \(RAL0\), MSI-X ",)),
    # Network traffic from and to the host (tests/netcheck.py), per NIC
    # model: everything through virtio-net; the 16 MiB httpd fetch (with
    # wget, UDP and ping) through each Intel NIC too.
    *net_boots("virtio", "virtio-net-pci"),
    net_boots("e1000", "e1000")[0],           # 82540EM
    net_boots("e1000e", "e1000e")[0],         # 82574L
    # Swap to a virtio disk with 48 MiB of RAM: pid 1 formats the disk,
    # swaps on, pages 8 MiB out and back, shares it with a child, fills
    # 160 MiB so that reclaim must swap (about 25 s under TCG), has
    # clone(CLONE_VM) children fault 40 MiB of swapped pages together,
    # swaps off.
    BootConfig("swap", image="swap", summary="user", memory="48M",
               extra=SWAP_DISK, required=SWAP_REQUIRED,
               must_log=(r"^init exited with status 0$",)),
    # And with 4 CPUs: also 4 threads faulting, and zapping, more than RAM
    # while reclaim works (vm_smp_test).
    BootConfig("swap-smp4", smp=4, slow=3.0, image="swap", summary="user", memory="48M",
               extra=SWAP_DISK, required=SWAP_REQUIRED + (
                   "vm_swap_test/threads_fault_beyond_ram", "vm_smp_test/reclaim_4_threads",
                   "vm_smp_test/dontneed_under_reclaim"),
               must_log=(r"^init exited with status 0$",)),
    # A populate of 1 GiB on a 64 MiB machine, killed (vm_populate_test
    # small-machine): the process dies of SIGKILL, the kernel lives on.
    BootConfig("populate-64M", image="populate64", summary="user", memory="64M",
               required=("vm_populate_test/kill9_populate_write_beyond_ram",),
               must_log=(r"^init exited with status 0$",)),
    # execve of 127 KiB of arguments after free memory was cut into single
    # pages (exec_args_test fragment): no allocation above a page.
    BootConfig("exec-128M", image="exec128", summary="user", memory="128M",
               required=("exec_args_test/exec_when_fragmented",),
               must_log=(r"^init exited with status 0$",)),
    # The user tests once more with 1 % of their allocations failed on
    # purpose (fail_alloc=1, runall --fail-inject): every program must end,
    # leave no kernel object behind and give back every frame; the kernel
    # must not panic.
    BootConfig("failinj", image="failinj", summary="user",
               must_log=(r"^fail_alloc: 1% of allocations fail", r"^# fail_alloc: probability 1",
                         r"^init exited with status 0$")),
    # The system-call fuzzer (user/tests/fuzz) as pid 1: a fixed seed, a
    # bounded number of calls; every worker reaped, not a frame leaked, no
    # kernel warning, no panic or soft lockup (softlockup_panic=1).
    BootConfig("fuzz", image="fuzz", summary="user", memory="256M", no_warnings=True,
               required=("fuzz/run", "fuzz/memfree_restored"),
               must_log=(r"^FUZZ DONE seed=\d+ calls=\d+ ", r"^init exited with status 0$")),
    # The gdb commands of tools/gdb/pagoda.py (tests/gdbcheck.py): QEMU's gdb
    # stub on a free port, /bin/gdbdemo as pid 1 maps known pages, forks
    # and spins until gdb - having run every command and checked it
    # against what the guest reported - lets it go.
    BootConfig("gdb", image="gdb", summary="none", host="gdb",
               must_log=(r"^GDBDEMO DONE$", r"^init exited with status 0$")),
    BootConfig("bench-smoke", image="benchsmoke", expect="poweroff", no_reboot=False,
               summary="none", must_log=(r"^BENCH DONE$",), debug_alloc=False),
    BootConfig("bench-smoke-smp4", smp=4, image="benchsmoke", expect="poweroff", no_reboot=False,
               summary="none", must_log=(r"^BENCH DONE$",), debug_alloc=False),
    # TCP through the NIC against a peer on the host (user/bench/netbench
    # --quick; tools/netbench-peer): 8 MiB each way and 20 connections.
    BootConfig("bench-net-smoke", image="benchnetsmoke", expect="poweroff", no_reboot=False,
               summary="none", host="net-bench", nic="virtio-net-pci",
               must_log=NETBENCH_MUST_LOG),
)


class SetupError(Exception):
    """A boot cannot even be attempted (e.g. firmware missing)."""


def qemu_opt(value):
    """Escape a value for QEMU's comma-separated option syntax."""
    return str(value).replace(",", ",,")


@dataclasses.dataclass(frozen=True)
class LogPaths:
    serial: str
    qemu_log: str
    firmware_log: str
    stderr: str
    cmd: str
    vars: str
    host: str                       # a host action's log (tests/netcheck.py)

    @classmethod
    def make(cls, log_dir, name):
        def p(suffix):
            return os.path.join(log_dir, name + suffix)
        return cls(serial=p(".serial"), qemu_log=p(".qemu.log"),
                   firmware_log=p(".firmware.log"), stderr=p(".stderr"),
                   cmd=p(".cmd"), vars=p(".OVMF_VARS.fd"), host=p(".host.log"))

    def all(self):
        return dataclasses.astuple(self)


def _bios_args(paths):
    return []          # SeaBIOS is QEMU's default firmware


def _uefi_args(paths):
    return ["-drive", "if=pflash,format=raw,readonly=on,file=" + qemu_opt(OVMF_CODE),
            "-drive", "if=pflash,format=raw,file=" + qemu_opt(paths.vars)]


def _uefi_prepare(paths):
    for f in (OVMF_CODE, OVMF_VARS):
        if not os.path.isfile(f):
            raise SetupError(f"OVMF firmware not found: {f} (install the 'ovmf' "
                             "package or set PAGODA_OVMF_CODE/PAGODA_OVMF_VARS)")
    shutil.copyfile(OVMF_VARS, paths.vars)   # fresh writable copy per run


# firmware name -> (function returning QEMU args, preparation step or None)
FIRMWARE = {
    "bios": (_bios_args, None),
    "uefi": (_uefi_args, _uefi_prepare),
}

# boot medium name -> function(iso path) returning QEMU args
MEDIA = {
    "cdrom": lambda iso: ["-cdrom", iso],
    "usb": lambda iso: [
        "-drive", f"if=none,id=stick,format=raw,file={qemu_opt(iso)},readonly=on",
        "-device", "qemu-xhci,id=xhci",
        "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=1",
        "-boot", "strict=on"],
}


def qemu_command(cfg, iso, log_dir, accel=DEFAULT_ACCEL):
    """The full QEMU argv for one boot configuration."""
    paths = LogPaths.make(log_dir, cfg.name)
    # Several vCPUs: one host thread each (multi-threaded TCG), so a CPU
    # waiting for another's answer (a TLB shootdown) is not waiting for
    # QEMU's round-robin to reach it.
    if accel == "tcg" and cfg.smp > 1:
        accel = "tcg,thread=multi"
    cmd = [QEMU,
           "-machine", cfg.machine, "-accel", accel, "-cpu", "max",
           "-smp", str(cfg.smp), "-m", cfg.memory,
           "-nodefaults", "-vga", "std", "-display", "none",
           "-monitor", "none",
           "-serial", "file:" + paths.serial,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-chardev", "file,id=fwlog,path=" + qemu_opt(paths.firmware_log),
           "-device", "isa-debugcon,iobase=0x402,chardev=fwlog",
           "-d", "cpu_reset,guest_errors", "-D", paths.qemu_log]
    if cfg.no_reboot:
        cmd.append("-no-reboot")
    cmd += FIRMWARE[cfg.firmware][0](paths)
    cmd += MEDIA[cfg.media](iso)
    cmd += list(cfg.extra)
    return cmd


def describe(cfg):
    fw = {"bios": "SeaBIOS", "uefi": "OVMF"}.get(cfg.firmware, cfg.firmware)
    media = {"cdrom": "ISO as CD-ROM", "usb": "ISO as USB stick (xHCI)"}.get(
        cfg.media, cfg.media)
    s = f"{fw}, {media}, -m {cfg.memory}, -smp {cfg.smp}"
    if cfg.machine != "q35":
        s = f"-machine {cfg.machine}, " + s
    if cfg.extra:
        s += ", " + " ".join(cfg.extra)
    if cfg.required:
        s += ", requires " + ", ".join(cfg.required)
    if cfg.image != "test":
        s += f", image '{cfg.image}'"
    if cfg.expect != "tests":
        s += f", expects {cfg.expect}"
    if cfg.host:
        s += f", host action {cfg.host}" + (f" ({cfg.nic})" if cfg.nic else "")
    if cfg.peer:
        s += f", with a second QEMU (image '{cfg.peer.image}')"
    return s


# --------------------------------------------------------------------------
# Serial log parsing
# --------------------------------------------------------------------------

# ANSI/VT100 escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST),
# charset selection (ESC ( B) and other two-byte escapes (ESC 7, ESC c, ...).
ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]"
                     r"|\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                     r"|[()*+\-./][ -~]"
                     r"|[ -/]*[0-~])")
CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")    # keep \t
BANNER_RE = re.compile(r"^Pagoda \S")
# In-kernel tests print "KTEST ...", user programs "UTEST ..." (user/tests).
KTEST_RE = re.compile(r"(?<![\w])[KU]TEST (PASS|FAIL|SKIP) ([^\s:]+)(?::\s*(.*))?")
DONE_RE = re.compile(r"(?<![\w])KTEST DONE (\d+) passed, (\d+) failed")
UDONE_RE = re.compile(r"(?<![\w])UTEST DONE (\S+) (\d+) passed, (\d+) failed")
UALL_RE = re.compile(r"(?<![\w])UTEST ALL (\d+) programs passed, (\d+) failed")
PANIC_RE = re.compile(r"PANIC:")
# The kernel's boot line when debug_alloc=1 took effect (mm/debug_alloc.c).
DEBUG_ALLOC_RE = re.compile(r"^debug_alloc: page poisoning, slab redzones\+poison, "
                            r"free tracking on")
# The kernel's boot line when debug_atomic_sleep=1 took effect (kernel/might_sleep.c).
ATOMIC_SLEEP_RE = re.compile(r"^might_sleep: sleep-in-atomic checks on")
# What the kernel prints for a recoverable "cannot happen" (WARN_ON_ONCE,
# pr_warn) or a detected bug that may not panic (soft lockup, poison).
WARN_RE = re.compile(r"^(WARNING|BUG): ")


def clean_line(raw):
    """bytes of one serial line (without \\n) -> list of printable lines.

    Escape sequences are removed; a carriage return starts a new line (so
    `\\r`-terminated and `\\r`-prefixed lines both work); blank lines dropped.
    """
    text = ANSI_RE.sub("", raw.decode("utf-8", "replace"))
    out = []
    for seg in text.split("\r"):
        seg = CTRL_RE.sub("", seg).rstrip()
        if seg:
            out.append(seg)
    return out


_MUST_LOG_RE = None


def must_log_re():
    """One regex matching what any boot's must_log matches."""
    global _MUST_LOG_RE
    if _MUST_LOG_RE is None:
        cfgs = [c for b in BOOTS for c in (b, b.peer) if c is not None]
        _MUST_LOG_RE = re.compile("|".join(f"(?:{rx})" for c in cfgs for rx in c.must_log))
    return _MUST_LOG_RE


def logged(parser, rx):
    """Does a serial line match @rx: a watched line, or one in the tail?"""
    return any(re.search(rx, line) for line in (*parser.watched, *parser.tail))


class SerialParser:
    """Incremental parser for the serial log; feed() it bytes as they come."""

    def __init__(self, keep_lines=200):
        self._buf = b""
        self.tail = collections.deque(maxlen=keep_lines)
        # Lines any boot's must_log looks for, wherever they are: an early
        # one ("smp: 4 CPUs run tasks") falls out of the tail once enough
        # tests follow it.
        self.watched = []
        self.banner = None          # the banner line
        self.banner_count = 0       # banners seen (2 after a reset)
        self.tests = []             # (status, name, reason or None)
        self.done = None            # (passed, failed) from the first DONE
        self.done_count = 0
        self.udone = []             # (program, passed, failed) per user program
        self.uall = None            # (programs passed, failed) from runall
        self.panic = None           # the first line containing PANIC:
        self.debug_alloc = None     # the debug_alloc "on" line, wherever it is
        self.atomic_sleep = None    # the might_sleep "on" line, wherever it is
        self.warnings = []          # the first few WARNING:/BUG: lines
        self.ready_rx = None        # a host action's ready line (regex), set by its BootRun
        self.ready = None           # the first line matching ready_rx (a re.Match)

    def feed(self, data):
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for raw in lines:
            self._line(raw)

    def finish(self):
        if self._buf:
            self._line(self._buf)
            self._buf = b""

    def _line(self, raw):
        for line in clean_line(raw):
            self.tail.append(line)
            if len(self.watched) < 1000 and must_log_re().search(line):
                self.watched.append(line)
            if BANNER_RE.match(line):
                self.banner_count += 1
                if self.banner is None:
                    self.banner = line
            m = KTEST_RE.search(line)
            if m:
                reason = m.group(3).strip() if m.group(3) else None
                self.tests.append((m.group(1), m.group(2), reason))
            m = UDONE_RE.search(line)
            if m:
                self.udone.append((m.group(1), int(m.group(2)), int(m.group(3))))
            m = UALL_RE.search(line)
            if m and self.uall is None:
                self.uall = (int(m.group(1)), int(m.group(2)))
            m = DONE_RE.search(line)
            if m:
                self.done_count += 1
                if self.done is None:
                    self.done = (int(m.group(1)), int(m.group(2)))
            if self.panic is None and PANIC_RE.search(line):
                self.panic = line
            if self.debug_alloc is None and DEBUG_ALLOC_RE.search(line):
                self.debug_alloc = line
            if self.atomic_sleep is None and ATOMIC_SLEEP_RE.search(line):
                self.atomic_sleep = line
            if len(self.warnings) < 5 and WARN_RE.search(line):
                self.warnings.append(line)
            if self.ready is None and self.ready_rx is not None:
                self.ready = self.ready_rx.search(line)


def parse_serial_text(data):
    p = SerialParser()
    p.feed(data if isinstance(data, bytes) else data.encode())
    p.finish()
    return p


# --------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------

@dataclasses.dataclass
class RunInfo:
    """What happened to the QEMU process (everything except the serial log)."""
    exit_status: int | None = None  # None: still running when we killed it
    timed_out: bool = False
    timeout: float = BOOT_TIMEOUT
    stopped: str | None = None      # "panic" / "done": killed after grace
    setup_error: str | None = None
    banner_time: float | None = None
    stderr_text: str = ""
    qemu_log_text: str = ""
    host_ready: str | None = None   # a host action's ready regex, if the boot has one
    host_started: bool = False      # ... and the guest printed it, so the action ran
    host_results: list = dataclasses.field(default_factory=list)  # its (status, name, reason)


@dataclasses.dataclass
class Verdict:
    tests: list                     # (status, name, reason)
    ok: bool
    why: str                        # boot line text after "PASS/FAIL name/boot"
    details: list                   # extra lines (unindented) for a failure
    n_tests: int


def _signame(n):
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def describe_exit(status):
    if status is None:
        return "none (killed)"
    if status < 0:
        return f"{status} (killed by {_signame(-status)})"
    return str(status)


def classify(cfg, parser, run):
    """Decide the verdict for one boot from its serial log and QEMU outcome."""
    tests = list(parser.tests)
    n_pass = sum(1 for t in tests if t[0] == "PASS")
    n_fail = sum(1 for t in tests if t[0] == "FAIL")
    details = []
    # A host action's checks are tests of this boot too, after the guest's.
    host_fails = [t[1] for t in run.host_results if t[0] == "FAIL"]
    tests += run.host_results
    n_host = sum(1 for t in run.host_results if t[0] in ("PASS", "FAIL"))

    def fail(why):
        return Verdict(tests, False, why, details, n_pass + n_fail + n_host)

    if run.setup_error:
        return fail(run.setup_error)

    if cfg.expect != "tests":
        return classify_expected(cfg, parser, run, tests, details)

    if parser.panic is not None:
        details.append(f'panic line: "{parser.panic}"')
        return fail(f'PANIC: kernel printed "{parser.panic}"')

    tf = run.qemu_log_text.find("Triple fault")
    if tf >= 0:
        after = run.qemu_log_text[tf:].splitlines()[1:26]
        if after:
            details.append("QEMU log after the triple fault:")
            details += ["  " + line for line in after]
        details.append("hint: rerun the .cmd with `-d int,cpu_reset` added to "
                       "see the exceptions that led to it")
        return fail("triple fault (QEMU log says 'Triple fault'; "
                    f"exit status {describe_exit(run.exit_status)})")

    if run.timed_out:
        seen = (f"banner after {run.banner_time:.2f}s"
                if run.banner_time is not None else "no banner")
        return fail(f"timeout after {run.timeout:g} s ({seen}, "
                    f"{n_pass + n_fail} tests reported, "
                    f"{'KTEST DONE seen' if parser.done else 'no KTEST DONE'})")

    problems = []
    status = run.exit_status
    if run.stopped == "done" and status is None:
        problems.append(f"QEMU still running {DONE_GRACE:g} s after KTEST DONE "
                        "(kernel did not write to isa-debug-exit)")
    elif run.stopped == "host" and status is None:
        problems.append(f"QEMU still running {HOST_GRACE:g} s after the host checks "
                        "ended (the guest did not exit)")
    elif status == EXIT_PASS:
        if n_fail or (parser.done and parser.done[1]):
            problems.append("QEMU exit status 33 (pass) although tests failed")
    elif status == EXIT_FAIL:
        if n_fail or (parser.done and parser.done[1]):
            problems.append("kernel reported failure (exit status 35)")
        else:
            problems.append("exit status 35 (fail) although no test failed")
    elif status == 0:
        problems.append("unexpected QEMU exit status 0 (guest shut down or "
                        "reset without isa-debug-exit; no 'Triple fault' logged)")
    elif not parser.tail:       # QEMU failed before the guest printed anything
        problems.append(f"unexpected QEMU exit status {describe_exit(status)} "
                        "before any serial output")
    else:
        problems.append(f"unexpected QEMU exit status {describe_exit(status)}")

    early = problems[0].endswith("before any serial output") if problems else False
    if early:
        pass                    # everything else follows from that
    elif cfg.summary == "user":
        problems += check_user_summary(parser, tests)
    elif cfg.summary == "none":
        pass                    # judged by must_log and the host checks
    elif parser.done is None:
        problems.append("no `KTEST DONE` line")
    else:
        dp, df = parser.done
        if (dp, df) != (n_pass, n_fail):
            problems.append(f"KTEST DONE says {dp} passed, {df} failed but the "
                            f"log has {n_pass} PASS and {n_fail} FAIL lines")
        if parser.done_count > 1:
            problems.append(f"KTEST DONE printed {parser.done_count} times")
        if dp + df == 0 and n_pass + n_fail == 0:
            problems.append("zero tests ran")

    for name in cfg.required:
        mine = [t for t in tests if t[1] == name]
        if not mine:
            problems.append(f"required test {name} missing")
        elif any(t[0] == "FAIL" for t in mine):
            problems.append(f"required test {name} failed")
        elif not any(t[0] == "PASS" for t in mine):
            reason = mine[0][2] or "no reason given"
            problems.append(f"required test {name} was skipped ({reason})")

    for rx in cfg.must_log:
        if not logged(parser, rx):
            problems.append(f"no serial line matches /{rx}/")
    if run.host_ready is not None and not run.host_started:
        problems.append(f"the host checks never ran: no serial line matches "
                        f"/{run.host_ready}/")
    if host_fails:
        problems.append("host check(s) failed: " + ", ".join(host_fails))
    if not early:
        problems += check_debug_options(cfg, parser)
    if cfg.no_warnings and parser.warnings:
        problems.append(f'kernel warning: "{parser.warnings[0]}"')
        details += [f"warning line: {w}" for w in parser.warnings]

    if parser.banner is None and not early:
        problems.append("no `Pagoda ` banner line on serial" if parser.tail
                        else "nothing at all on serial")

    stderr_lines = run.stderr_text.strip().splitlines()
    if problems and stderr_lines:
        details.append("QEMU stderr:")
        details += ["  " + line for line in stderr_lines[-10:]]

    if problems:
        return fail("; ".join(problems))
    return Verdict(tests, True,
                   f"banner after {run.banner_time:.2f}s, {n_pass + n_fail + n_host} "
                   f"tests, exit {status}", details, n_pass + n_fail + n_host)


def check_debug_options(cfg, parser):
    """make check boots with debug_alloc=1 and debug_atomic_sleep=1: the
    kernel must say that each is on."""
    problems = []
    if cfg.debug_alloc and parser.debug_alloc is None:
        problems.append("no `debug_alloc: ... on` line although the image boots with "
                        "debug_alloc=1")
    if cfg.atomic_sleep and parser.atomic_sleep is None:
        problems.append("no `might_sleep: ... on` line although the image boots with "
                        "debug_atomic_sleep=1")
    return problems


def check_user_summary(parser, tests):
    """Problems with the UTEST summary lines of a user-level boot."""
    problems = []
    if not parser.udone:
        return ["no `UTEST DONE` line (no user test program finished)"]
    for prog, dp, df in parser.udone:
        mine = [t for t in tests if t[1].startswith(prog + "/")]
        np = sum(1 for t in mine if t[0] == "PASS")
        nf = sum(1 for t in mine if t[0] == "FAIL")
        if (np, nf) != (dp, df):
            problems.append(f"UTEST DONE {prog} says {dp} passed, {df} failed but "
                            f"the log has {np} PASS and {nf} FAIL lines")
    if parser.uall is not None and parser.uall[1]:
        problems.append(f"runall: {parser.uall[1]} programs failed")
    if not any(t[0] == "PASS" for t in tests):
        problems.append("zero user tests passed")
    return problems


def classify_expected(cfg, parser, run, tests, details):
    """Verdict for a boot that must end in a panic, a power-off or a reset."""
    n_pass = sum(1 for t in tests if t[0] == "PASS")
    n_fail = sum(1 for t in tests if t[0] == "FAIL")
    problems = []
    status = run.exit_status
    if run.timed_out:
        problems.append(f"timeout after {run.timeout:g} s")
    # After a reset SeaBIOS notices it already ran and forces a hard reboot
    # itself (0xcf9, then a deliberate triple fault), so a triple fault in
    # the QEMU log is normal for the reset boot; the second banner is what
    # proves the kernel's reset worked.
    if "Triple fault" in run.qemu_log_text and cfg.expect != "reset":
        problems.append("triple fault")
    if cfg.expect == "panic":
        if parser.panic is None:
            problems.append("no PANIC: line although a panic was expected")
        if status != EXIT_FAIL:
            problems.append(f"exit status {describe_exit(status)}, expected "
                            f"{EXIT_FAIL} (panic leaves QEMU with the failure code)")
    else:
        if parser.panic is not None:
            problems.append(f'PANIC: "{parser.panic}"')
        if cfg.summary == "none":       # no KTEST DONE expected, but no FAIL
            if n_fail:
                problems.append(f"{n_fail} test(s) failed before the {cfg.expect}")
        elif parser.done is None or n_fail or parser.done[1]:
            problems.append("the tests before the " + cfg.expect + " did not all pass")
    if cfg.expect == "poweroff":
        if status != 0:
            problems.append(f"exit status {describe_exit(status)}, expected 0 "
                            "(QEMU exits cleanly when the guest powers off)")
        if parser.banner_count != 1:
            problems.append(f"{parser.banner_count} banners (a reset, not a power-off?)")
    if cfg.expect == "reset" and parser.banner_count < 2:
        problems.append("the kernel did not boot a second time (no reset seen)")
    problems += check_debug_options(cfg, parser)
    for rx in cfg.must_log:
        if not logged(parser, rx):
            problems.append(f"no serial line matches /{rx}/")
    if problems:
        return Verdict(tests, False, "; ".join(problems), details, n_pass + n_fail)
    what = {"panic": "panicked as expected, exit 35",
            "poweroff": "powered off, QEMU exit 0",
            "reset": f"reset and booted again ({parser.banner_count} banners)"}
    return Verdict(tests, True, f"banner after {run.banner_time:.2f}s, "
                   f"{what[cfg.expect]}", details, n_pass + n_fail)


def format_boot(cfg, verdict, parser, paths):
    """Lines to print for one boot, plus (passed, failed) counts."""
    out, passed, failed = [], 0, 0
    for status, name, reason in verdict.tests:
        if status == "PASS":
            out.append(f"PASS {cfg.name}/{name}")
            passed += 1
        elif status == "FAIL":
            out.append(f"FAIL {cfg.name}/{name}: {reason or '(no reason given)'}")
            failed += 1
        else:
            out.append(f"SKIP {cfg.name}/{name}: {reason or '(no reason given)'}")
    if verdict.ok:
        out.append(f"PASS {cfg.name}/boot ({verdict.why})")
        passed += 1
    else:
        out.append(f"FAIL {cfg.name}/boot: {verdict.why}")
        failed += 1
        out += ["  " + line for line in verdict.details]
        tail = list(parser.tail)[-TAIL_LINES:]
        if tail:
            out.append(f"  last {len(tail)} serial lines ({paths.serial}):")
            out += ["    " + line for line in tail]
        else:
            out.append(f"  serial log ({paths.serial}) is empty")
        out.append(f"  logs: {paths.serial} {paths.qemu_log} "
                   f"{paths.firmware_log} {paths.stderr}"
                   + (f" {paths.host}" if cfg.host else ""))
        out.append(f"  command: {paths.cmd}")
        report = recap_lines(tail)
        if report:
            RECAP.append((cfg.name, report))
    return out, passed, failed


# The kernel reports (BUG:, PANIC:) of failed boots, printed again just before the
# summary: a long run's output may reach its reader cut in the middle
# (CI keeps the head and the tail), and the report - what was freed where,
# which lock, which address - is what one needs to see first.
RECAP = []


def recap_lines(tail):
    """From the first kernel report line of @tail (BUG:, PANIC:) on,
    at most RECAP_LINES lines; [] when there is none."""
    for i, line in enumerate(tail):
        if RECAP_RE.search(line):
            return tail[i:i + RECAP_LINES]
    return []


# --------------------------------------------------------------------------
# Running QEMU
# --------------------------------------------------------------------------

_LIVE = set()       # Popen objects of QEMUs that may still be running


def kill_group(proc):
    """SIGTERM QEMU's process group, SIGKILL it if it does not go away."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(KILL_GRACE)
        except subprocess.TimeoutExpired:
            pass
    try:            # also anything left in the group after QEMU itself exited
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    _LIVE.discard(proc)


def kill_all():
    for proc in list(_LIVE):
        kill_group(proc)


atexit.register(kill_all)


def _pdeathsig_prefix():
    """Make QEMU die with the harness even if the harness is SIGKILLed."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


def _read_text(path, limit=16 << 20):
    """The last `limit` bytes of a file (a triple fault is logged at the end)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class HostContext:
    """What a host action (tests/netcheck.py, tests/gdbcheck.py) gets from the harness.

    The action's run() is called in a thread of its own once the guest
    prints the action's ready line, while the main loop goes on polling
    every boot; everything here may be called from that thread. report()
    adds a test of this boot (`PASS <boot>/<name>`); log() writes to the
    boot's .host.log. A peer is a second QEMU (cfg.peer) with the same
    common options, started and polled by the action and judged like a
    boot of its own (its block is printed after this boot's).
    """

    def __init__(self, run):
        self._run = run
        self.name = run.cfg.name
        self.cfg = run.cfg
        self.iso = run.iso              # the image booted
        self.log_dir = run.log_dir      # where the boot's logs go
        self.serial = run.paths.serial  # its serial log (the guest's lines so far)
        self.deadline = None            # time.monotonic() by which run() must end
        self.results = []               # (status, name, reason)
        self.blocks = []                # (lines, passed, failed) of peers
        self.peers = []
        self._lock = threading.Lock()
        self._log = open(run.paths.host, "w")

    def log(self, text):
        with self._lock:
            stamp = time.monotonic() - self._run._t0
            for line in str(text).splitlines() or [""]:
                self._log.write(f"[{stamp:7.2f}] {line}\n")
            self._log.flush()

    def report(self, name, ok, why=""):
        status = "PASS" if ok else "FAIL"
        with self._lock:
            self.results.append((status, name, None if ok else (why or "(no reason)")))
        self.log(f"{status} {name}" + ("" if ok else f": {why}"))

    def start_peer(self, extra):
        """Start cfg.peer's QEMU with @extra arguments; returns its BootRun."""
        r = self._run
        pcfg = dataclasses.replace(r.cfg.peer, debug_alloc=r.cfg.peer.debug_alloc and
                                   r.cfg.debug_alloc, atomic_sleep=r.cfg.peer.atomic_sleep
                                   and r.cfg.atomic_sleep)
        peer = BootRun(pcfg, r.images, r.log_dir, r.accel, r.info.timeout, extra=extra)
        peer.start()
        with self._lock:
            self.peers.append(peer)
        return peer

    def wait_peer(self, peer):
        """Poll @peer until its QEMU has ended (or the deadline passed: it is killed)."""
        while not peer.poll():
            if time.monotonic() > self.deadline:
                peer.abort()
                break
            time.sleep(POLL_INTERVAL * 5)

    def finish_peers(self):
        """Judge the peers (main thread, after run()); their parsers stay readable."""
        for peer in self.peers:
            if not peer.finished:
                self.blocks.append(peer.finish())

    def close(self):
        for peer in self.peers:
            peer.abort()
        self._log.close()


def _host_actions():
    """The ACTIONS of tests/netcheck.py and tests/gdbcheck.py (imported when
    a boot needs one)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gdbcheck
    import netcheck
    return {**netcheck.ACTIONS, **gdbcheck.ACTIONS}


class BootRun:
    """One QEMU boot, advanced by poll() from the main loop."""

    def __init__(self, cfg, images, log_dir, accel, timeout, extra=()):
        self.cfg, self.log_dir = cfg, log_dir
        self.images = images
        self.iso = images.get(cfg.image)
        self.accel = accel
        self.extra = list(extra)        # more QEMU arguments (a peer's network)
        self.paths = LogPaths.make(log_dir, cfg.name)
        self.parser = SerialParser()
        self.info = RunInfo(timeout=timeout)
        self.proc = None
        self.finished = False
        self._serial = None
        self._stderr = None
        self._t0 = 0.0
        self._panic_at = None
        self._done_at = None
        self.host = None                # HostContext, with cfg.host
        self.action = None
        self._thread = None
        self._host_done_at = None
        self._starts = 0

    def _start_action(self):
        """Make the host action and its QEMU arguments (ports, servers)."""
        if self.action is not None:
            self.action.close()         # a restart: new ports
        else:
            self.host = HostContext(self)
        self.action = _host_actions()[self.cfg.host](self.host)
        self.parser.ready_rx = re.compile(self.action.ready)
        self.info.host_ready = self.action.ready
        return self.action.qemu_args()

    def _run_action(self, match):
        try:
            self.action.run(match)
        except Exception as e:      # a bug in the action, or a socket error it missed
            import traceback
            self.host.log(traceback.format_exc())
            self.host.report("host_action", False, f"{type(e).__name__}: {e}")

    def start(self):
        self._starts += 1
        for f in self.paths.all():      # a stale serial log would fake a banner
            if f == self.paths.host and self.host is not None:
                continue
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
        try:
            if not self.iso or not os.path.isfile(self.iso):
                raise SetupError(f"image '{self.cfg.image}' not given or missing "
                                 f"({self.iso}); pass --image {self.cfg.image}=PATH")
            prepare = FIRMWARE[self.cfg.firmware][1]
            if prepare:
                prepare(self.paths)
            cmd = qemu_command(self.cfg, self.iso, self.log_dir, self.accel) + self.extra
            if self.cfg.host:
                cmd += self._start_action()
            with open(self.paths.cmd, "w") as f:
                f.write(f"cd {shlex.quote(os.getcwd())} && {shlex.join(cmd)}\n")
            self._stderr = open(self.paths.stderr, "wb")
            self._t0 = time.monotonic()
            self.proc = subprocess.Popen(
                _pdeathsig_prefix() + cmd, stdin=subprocess.DEVNULL,
                stdout=self._stderr, stderr=subprocess.STDOUT,
                start_new_session=True)
            _LIVE.add(self.proc)
        except (SetupError, OSError) as e:
            self.info.setup_error = (str(e) if isinstance(e, SetupError)
                                     else f"cannot start QEMU: {e}")

    def _port_taken(self):
        """Did QEMU fail at once because a host port it was to bind was taken?
        (The host action picks free ports, but another program may get there
        first.)"""
        self._stderr.flush()
        text = _read_text(self.paths.stderr, 1 << 16)
        return (self.parser.banner is None and self._starts < 3 and
                ("host forwarding rule" in text or "Address already in use" in text))

    def _read_serial(self):
        if self._serial is None:
            try:
                self._serial = open(self.paths.serial, "rb")
            except FileNotFoundError:
                return
        data = self._serial.read()
        if data:
            had_banner = self.parser.banner is not None
            self.parser.feed(data)
            if not had_banner and self.parser.banner is not None:
                self.info.banner_time = time.monotonic() - self._t0

    def poll(self):
        """Advance; returns True once the boot is over."""
        if self.proc is None:
            return True
        status = self.proc.poll()
        self._read_serial()
        elapsed = time.monotonic() - self._t0
        if self.action and self._thread is None and self.parser.ready is not None:
            self.info.host_started = True
            self.host.deadline = self._t0 + self.info.timeout
            self._thread = threading.Thread(target=self._run_action, daemon=True,
                                            args=(self.parser.ready,))
            self._thread.start()
        if self._thread is not None and self._host_done_at is None and \
                not self._thread.is_alive():
            self._host_done_at = elapsed
        if status is not None:
            if self.cfg.host and status != 0 and self._thread is None and self._port_taken():
                self.host.log("QEMU could not bind a host port (taken meanwhile): "
                              "starting again with new ports")
                _LIVE.discard(self.proc)
                self._stderr.close()
                if self._serial:
                    self._serial.close()
                self._serial = None
                self.parser = SerialParser()
                self.start()            # new ports (the action is made anew)
                return self.proc is None
            self.info.exit_status = status
            # the action may still be judging what QEMU did (the pair's peer)
            if self._thread is not None and self._thread.is_alive() and \
                    elapsed < self.info.timeout:
                return False
            return True
        if self.parser.panic is not None and self._panic_at is None:
            self._panic_at = elapsed
        if self.parser.done is not None and self._done_at is None:
            self._done_at = elapsed
        if elapsed >= self.info.timeout:
            self.info.timed_out = True
        elif self.cfg.expect == "reset" and self.parser.banner_count >= 2:
            self.info.stopped = "reset"     # seen what we wanted: stop it
        elif self._panic_at is not None and elapsed - self._panic_at >= PANIC_GRACE:
            self.info.stopped = "panic"
        elif self._done_at is not None and elapsed - self._done_at >= DONE_GRACE:
            self.info.stopped = "done"
        elif self._host_done_at is not None and elapsed - self._host_done_at >= HOST_GRACE:
            self.info.stopped = "host"
        else:
            return False
        kill_group(self.proc)
        self.info.exit_status = None
        return True

    def abort(self):
        if self.proc is not None:
            kill_group(self.proc)
        if self.host is not None:
            for peer in self.host.peers:
                peer.abort()

    def _finish_action(self):
        """After QEMU ended: let the action end and judge; collect its checks."""
        if self._thread is not None:
            self._thread.join(HOST_JOIN)
            if self._thread.is_alive():
                self.host.report("host_action", False, f"still running {HOST_JOIN:g} s "
                                 "after QEMU ended")
        if self.info.host_started:
            try:
                self.action.judge(self.parser)
            except Exception as e:
                import traceback
                self.host.log(traceback.format_exc())
                self.host.report("host_judge", False, f"{type(e).__name__}: {e}")
        self.host.finish_peers()
        self.action.close()
        self.host.close()
        self.info.host_results = list(self.host.results)

    def finish(self):
        """Collect the logs and classify; returns (lines, passed, failed)."""
        self.finished = True
        if self.proc is not None:
            kill_group(self.proc)           # no-op when it has exited
            self._read_serial()
            had_banner = self.parser.banner is not None
            self.parser.finish()            # a last line without '\n'
            if not had_banner and self.parser.banner is not None:
                self.info.banner_time = time.monotonic() - self._t0
        for f in (self._serial, self._stderr):
            if f:
                f.close()
        if self.action is not None:
            self._finish_action()
        self.info.stderr_text = _read_text(self.paths.stderr, 1 << 20)
        self.info.qemu_log_text = _read_text(self.paths.qemu_log)
        verdict = classify(self.cfg, self.parser, self.info)
        lines, passed, failed = format_boot(self.cfg, verdict, self.parser, self.paths)
        for plines, p, f in (self.host.blocks if self.host else ()):
            lines, passed, failed = lines + plines, passed + p, failed + f
        return lines, passed, failed


def run_boots(configs, images, log_dir, accel, timeout, jobs, emit):
    """Boot all configs, at most `jobs` at a time; emit() each block in order.

    Returns (passed, failed, {name: banner_time}).
    """
    pending = collections.deque(configs)
    running, results = [], {}
    order = [c.name for c in configs]
    next_print = 0
    passed = failed = 0
    times = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                cfg = pending.popleft()
                r = BootRun(cfg, images, log_dir, accel, timeout * cfg.slow)
                r.start()
                running.append(r)
            for r in list(running):
                if r.poll():
                    running.remove(r)
                    results[r.cfg.name] = r.finish()
                    times[r.cfg.name] = r.info.banner_time
            while next_print < len(order) and order[next_print] in results:
                lines, p, f = results[order[next_print]]
                emit(lines)
                passed += p
                failed += f
                next_print += 1
            if running:
                time.sleep(POLL_INTERVAL)
    finally:
        for r in running:
            r.abort()
    return passed, failed, times


# --------------------------------------------------------------------------
# Host tests
# --------------------------------------------------------------------------

HOST_LINE_RE = re.compile(r"^(PASS|FAIL) ([^\s:]+)(?::\s*(.*))?")
SANITIZER_RE = re.compile(r"==\d+==\s*ERROR:|runtime error:|"
                          r"(Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer")


def parse_host_output(text):
    results = []
    for line in text.splitlines():
        m = HOST_LINE_RE.match(line.rstrip("\r"))
        if m:
            reason = m.group(3).strip() if m.group(3) else None
            results.append((m.group(1), m.group(2), reason))
    return results


def report_excerpt(text, n=30):
    """The sanitizer report if there is one (from its start), else the tail."""
    lines = text.rstrip().splitlines()
    for i, line in enumerate(lines):
        if SANITIZER_RE.search(line):
            return lines[i:i + n]
    return lines[-n:]


def run_host_test(path, timeout=HOST_TEST_TIMEOUT):
    """Run one host test binary; returns (lines, passed, failed)."""
    base = os.path.basename(path)
    argv0 = path if os.sep in path else os.path.join(".", path)
    out_b = err_b = b""
    problem = None
    try:
        cp = subprocess.run([argv0], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout)
        out_b, err_b, rc = cp.stdout, cp.stderr, cp.returncode
        if rc < 0:
            problem = f"exit status {rc} (killed by {_signame(-rc)})"
        elif rc != 0:
            problem = f"exit status {rc}"
    except subprocess.TimeoutExpired as e:
        out_b, err_b = e.stdout or b"", e.stderr or b""
        problem = f"exit status: timed out after {timeout:g} s (killed)"
    except OSError as e:
        problem = f"exit status: cannot run {path}: {e}"
    out = out_b.decode("utf-8", "replace")
    err = err_b.decode("utf-8", "replace")
    results = parse_host_output(out)
    if problem is None and not any(r[0] == "PASS" for r in results):
        problem = "exit status 0 but no PASS line"
    lines, passed, failed = [], 0, 0
    for status, name, reason in results:
        if status == "PASS":
            lines.append(f"PASS host/{name}")
            passed += 1
        else:
            lines.append(f"FAIL host/{name}: {reason or '(no reason given)'}")
            failed += 1
    if problem:
        lines.append(f"FAIL host/{base}: {problem}")
        failed += 1
    if failed:
        if err.strip():
            lines.append(f"  stderr of {base}:")
            lines += ["    " + l for l in report_excerpt(err)]
        elif problem and out.strip():
            lines.append(f"  stdout of {base} (stderr empty):")
            lines += ["    " + l for l in out.rstrip().splitlines()[-10:]]
    return lines, passed, failed


# --------------------------------------------------------------------------
# Self test
# --------------------------------------------------------------------------

def _cfg(name, debug_alloc=False, atomic_sleep=False):
    return dataclasses.replace(next(c for c in BOOTS if c.name == name),
                               debug_alloc=debug_alloc, atomic_sleep=atomic_sleep)


def _verdict(serial, status=EXIT_PASS, cfg="bios-cdrom", banner_time=1.25,
             debug_alloc=False, atomic_sleep=False, **kw):
    parser = parse_serial_text(serial)
    run = RunInfo(exit_status=status, banner_time=banner_time, **kw)
    return classify(_cfg(cfg, debug_alloc, atomic_sleep), parser, run), parser


GOOD_LOG = ("SeaBIOS (version x)\r\n"
            "Pagoda 0.1 (x86_64) test build\r\n"
            "KTEST PASS string_basic\r\n"
            "KTEST SKIP acpi_tables: no RSDP\r\n"
            "KTEST PASS pmm_alloc\r\n"
            "KTEST PASS pmm_above_4g\r\n"
            "KTEST DONE 3 passed, 0 failed\r\n")


def _expect_fail(v, *phrases):
    assert not v.ok, f"expected a failed boot, got PASS ({v.why})"
    for ph in phrases:
        assert ph in v.why, f"{ph!r} not in why: {v.why!r}"


def st_pass():
    v, p = _verdict(GOOD_LOG)
    assert v.ok, v.why
    assert v.n_tests == 3 and p.banner.startswith("Pagoda 0.1"), (v.n_tests, p.banner)
    lines, np, nf = format_boot(_cfg("bios-cdrom"), v, p,
                               LogPaths.make("logs", "bios-cdrom"))
    assert (np, nf) == (4, 0), (np, nf)
    assert lines == ["PASS bios-cdrom/string_basic",
                     "SKIP bios-cdrom/acpi_tables: no RSDP",
                     "PASS bios-cdrom/pmm_alloc",
                     "PASS bios-cdrom/pmm_above_4g",
                     "PASS bios-cdrom/boot (banner after 1.25s, 3 tests, exit 33)"], lines


def st_noisy_log():
    log = (b"\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001\r\n"
           b"\x1b[0m\x1b[30m\x1b[47mWelcome to GRUB!\n\r\n"
           b"\x1b[4;2H Pagoda menu entry (not a banner)\n"
           b"*Pagoda 0.1\n"
           b"Booting `Pagoda 0.1'\n"
           b"\r\x1b[0m\x1b[37m\x1b[40m\x1b[H\x1b[J\x1b[1;1HPagoda 0.1 real banner\n"
           b"Pagoda 0.1 later line that is not the banner\n"
           b"\rKTEST PASS a\n"
           b"\r\x1b[32mKTEST PASS b\x1b[0m\r\n"
           b"NOTKTEST PASS c\r\n"
           b"log: \x1b[31mKTEST FAIL d: bad \xff byte\x1b[0m\r\n"
           b"\rKTEST DONE 2 passed, 1 failed\n\r")
    whole = parse_serial_text(log)
    assert whole.banner == "Pagoda 0.1 real banner", repr(whole.banner)
    assert whole.tests == [("PASS", "a", None), ("PASS", "b", None),
                           ("FAIL", "d", "bad \ufffd byte")], whole.tests
    assert whole.done == (2, 1), whole.done
    # byte-at-a-time feeding must give the same result (chunk boundaries)
    inc = SerialParser()
    for i in range(len(log)):
        inc.feed(log[i:i + 1])
    inc.finish()
    assert (inc.banner, inc.tests, inc.done, list(inc.tail)) == \
        (whole.banner, whole.tests, whole.done, list(whole.tail))
    v = classify(_cfg("bios-cdrom"), whole, RunInfo(exit_status=EXIT_FAIL,
                                                    banner_time=3.0))
    _expect_fail(v, "kernel reported failure")


def st_fail_line():
    log = GOOD_LOG.replace("KTEST PASS pmm_alloc", "KTEST FAIL pmm_alloc: got 0x0") \
                  .replace("DONE 3 passed, 0 failed", "DONE 2 passed, 1 failed")
    v, p = _verdict(log, EXIT_FAIL)
    _expect_fail(v, "kernel reported failure (exit status 35)")
    lines, np, nf = format_boot(_cfg("bios-cdrom"), v, p,
                                LogPaths.make("logs", "bios-cdrom"))
    assert "FAIL bios-cdrom/pmm_alloc: got 0x0" in lines, lines
    assert (np, nf) == (2, 2), (np, nf)
    assert "  last 7 serial lines (logs/bios-cdrom.serial):" in lines, lines
    # a long log: exactly the last TAIL_LINES lines are shown
    v, p = _verdict(log + "".join(f"line {i}\n" for i in range(50)), EXIT_FAIL)
    lines, _, _ = format_boot(_cfg("bios-cdrom"), v, p,
                              LogPaths.make("logs", "bios-cdrom"))
    i = lines.index("  last 30 serial lines (logs/bios-cdrom.serial):")
    assert lines[i + 1] == "    line 20" and lines[i + 30] == "    line 49", lines


def st_panic():
    log = ("Pagoda 0.1\nKTEST PASS a\n"
           "\x1b[31mPANIC: page fault at 0xdeadbeef\x1b[0m\r\nregs...\n")
    v, p = _verdict(log, None, stopped="panic")
    _expect_fail(v, "PANIC", "page fault at 0xdeadbeef")
    lines, _, nf = format_boot(_cfg("bios-cdrom"), v, p,
                               LogPaths.make("logs", "bios-cdrom"))
    assert '  panic line: "PANIC: page fault at 0xdeadbeef"' in lines, lines
    assert "    regs..." in lines and nf == 1, lines
    # ... and the report is kept for the recap at the end
    assert RECAP[-1] == ("bios-cdrom", ["PANIC: page fault at 0xdeadbeef", "regs..."]), RECAP
    RECAP.clear()
    assert recap_lines(["a", "WARNING: provoked by a test", "b"]) == []
    assert recap_lines(["x", "BUG: use-after-free"] + [str(i) for i in range(20)]) == \
        ["BUG: use-after-free"] + [str(i) for i in range(RECAP_LINES - 1)]
    # a panicking kernel that also exits (even with 33) is still a panic
    v, _ = _verdict(log + "KTEST DONE 1 passed, 0 failed\n", EXIT_PASS)
    _expect_fail(v, "PANIC")


def st_triple_fault():
    qlog = ("CPU Reset (CPU 0)\nRAX=0\n" * 3 +
            "check_exception old: 0x8 new 0xd\nTriple fault\nCPU Reset (CPU 0)\n"
            "RAX=0000000000000000 RBX=0\nRIP=0000000000100013\n")
    v, p = _verdict("Pagoda 0.1\nKTEST PASS a\n", 0, qemu_log_text=qlog)
    _expect_fail(v, "triple fault")
    assert any("RIP=0000000000100013" in d for d in v.details), v.details
    # exit 0 without the log line: still a failure, but not called triple fault
    v, _ = _verdict("Pagoda 0.1\nKTEST PASS a\n", 0)
    _expect_fail(v, "unexpected QEMU exit status 0")
    assert "triple fault (" not in v.why


def st_timeout():
    v, _ = _verdict("Pagoda 0.1\nKTEST PASS a\n", None, timed_out=True,
                    timeout=180.0)
    _expect_fail(v, "timeout after 180 s", "banner after 1.25s")
    v, _ = _verdict("", None, timed_out=True, timeout=7.5, banner_time=None)
    _expect_fail(v, "timeout after 7.5 s", "no banner")


def st_missing_required():
    log = GOOD_LOG.replace("KTEST PASS pmm_above_4g\r\n", "") \
                  .replace("DONE 3 passed", "DONE 2 passed")
    v, _ = _verdict(log, cfg="mem-6G")
    _expect_fail(v, "required test pmm_above_4g missing")
    v, _ = _verdict(log, cfg="bios-cdrom")      # only mem-6G requires it
    assert v.ok, v.why


def st_required_skipped():
    log = GOOD_LOG.replace("KTEST PASS pmm_above_4g",
                           "KTEST SKIP pmm_above_4g: no RAM above 4 GiB") \
                  .replace("DONE 3 passed", "DONE 2 passed")
    v, _ = _verdict(log, cfg="mem-6G")
    _expect_fail(v, "required test pmm_above_4g was skipped (no RAM above 4 GiB)")


def st_required_passes():
    log = GOOD_LOG.replace("KTEST DONE 3 passed", "KTEST PASS dmap_split_1g\r\n"
                           "KTEST DONE 4 passed")
    v, _ = _verdict(log, cfg="mem-6G")
    assert v.ok, v.why


def st_must_log_early():
    # smp2's "smp: 2 CPUs run tasks" comes before the tests: 300 of them
    # push it out of the parser's tail, and it must still count.
    many = "".join(f"KTEST PASS t{i}\r\n" for i in range(300))
    req = "".join(f"KTEST PASS {n}\r\n" for n in _cfg("smp2").required)
    log = GOOD_LOG.replace("KTEST PASS string_basic\r\n",
                           "smp: 2 CPUs run tasks\r\nKTEST PASS string_basic\r\n" + many + req) \
                  .replace("DONE 3 passed", f"DONE {303 + len(_cfg('smp2').required)} passed")
    v, p = _verdict(log, cfg="smp2")
    assert v.ok, v.why
    assert not any("CPUs run tasks" in line for line in p.tail), "test needs a longer log"
    v, _ = _verdict(log.replace("smp: 2 CPUs", "smp: 1 CPUs"), cfg="smp2")
    _expect_fail(v, "no serial line matches /^smp: 2 CPUs run tasks$/")


def st_required_failed():
    log = GOOD_LOG.replace("KTEST PASS pmm_above_4g", "KTEST FAIL pmm_above_4g: x") \
                  .replace("DONE 3 passed, 0 failed", "DONE 2 passed, 1 failed")
    v, _ = _verdict(log, EXIT_FAIL, cfg="mem-6G")
    _expect_fail(v, "required test pmm_above_4g failed")


def st_done_mismatch():
    v, _ = _verdict(GOOD_LOG.replace("DONE 3 passed", "DONE 4 passed"))
    _expect_fail(v, "KTEST DONE says 4 passed, 0 failed but the log has 3 PASS")
    v, _ = _verdict(GOOD_LOG + "KTEST DONE 3 passed, 0 failed\n")
    _expect_fail(v, "KTEST DONE printed 2 times")


def st_no_done():
    v, _ = _verdict(GOOD_LOG.replace("KTEST DONE 3 passed, 0 failed\r\n", ""))
    _expect_fail(v, "no `KTEST DONE` line")


def st_zero_tests():
    v, _ = _verdict("Pagoda 0.1\nKTEST DONE 0 passed, 0 failed\n")
    _expect_fail(v, "zero tests ran")


def st_unexpected_exit():
    v, p = _verdict("", 1, banner_time=None,
                    stderr_text="qemu-system-x86_64: -foo: invalid option\n")
    _expect_fail(v, "unexpected QEMU exit status 1 before any serial output")
    assert "KTEST DONE" not in v.why, v.why
    assert "  qemu-system-x86_64: -foo: invalid option" in v.details, v.details
    v, p = _verdict("Pagoda 0.1\n", 1)
    _expect_fail(v, "unexpected QEMU exit status 1; no `KTEST DONE` line")
    v, p = _verdict("", 0, banner_time=None)
    _expect_fail(v, "exit status 0", "no `KTEST DONE`", "nothing at all on serial")
    v, _ = _verdict(GOOD_LOG, -9)
    _expect_fail(v, "unexpected QEMU exit status -9 (killed by SIGKILL)")


def st_exit_status_contradicts():
    log = GOOD_LOG.replace("KTEST PASS pmm_alloc", "KTEST FAIL pmm_alloc: x") \
                  .replace("DONE 3 passed, 0 failed", "DONE 2 passed, 1 failed")
    v, _ = _verdict(log, EXIT_PASS)
    _expect_fail(v, "exit status 33 (pass) although tests failed")
    v, _ = _verdict(GOOD_LOG, EXIT_FAIL)
    _expect_fail(v, "exit status 35 (fail) although no test failed")


def st_no_banner():
    v, _ = _verdict(GOOD_LOG.replace("Pagoda 0.1", "Pagod 0.1"), banner_time=None)
    _expect_fail(v, "no `Pagoda ` banner")


def st_done_without_exit():
    v, _ = _verdict(GOOD_LOG, None, stopped="done")
    _expect_fail(v, "still running 15 s after KTEST DONE")


def st_setup_error():
    v, p = _verdict("", None, cfg="uefi-cdrom", banner_time=None,
                    setup_error="OVMF firmware not found: /nope")
    _expect_fail(v, "OVMF firmware not found")
    lines, np, nf = format_boot(_cfg("uefi-cdrom"), v, p,
                                LogPaths.make("logs", "uefi-cdrom"))
    assert lines[0] == "FAIL uefi-cdrom/boot: OVMF firmware not found: /nope"
    assert (np, nf) == (0, 1)


PANIC_LOG = ("Pagoda 0.1 (x86_64)\r\n"
             "fault_selftest: reading 0xffffc800dead0000, which is not mapped\r\n"
             "Exception 14 (page fault), error code 0x0, kernel mode\r\n"
             "  CR2 = ffffc800dead0000\r\n"
             "  page fault: not-present page on read in kernel mode\r\n"
             "  [<ffffffff80008f74>] ktest_fn_fault_selftest+0x24\r\n"
             "Call trace:\r\n"
             "PANIC: trap: unhandled page fault at ffffffff80008f74\r\n")


def st_expect_panic():
    v, _ = _verdict(PANIC_LOG, status=EXIT_FAIL, cfg="panic")
    assert v.ok, v.why
    _expect_fail(_verdict(PANIC_LOG, status=EXIT_PASS, cfg="panic")[0], "exit status 33")
    _expect_fail(_verdict(PANIC_LOG.replace("PANIC:", "x"), status=EXIT_FAIL,
                          cfg="panic")[0], "no PANIC: line")
    _expect_fail(_verdict(PANIC_LOG.replace("Call trace:", ""), status=EXIT_FAIL,
                          cfg="panic")[0], "Call trace")


def st_expect_poweroff_reset():
    ok = ("Pagoda 0.1\r\ntsc: 2694858 kHz calibrated against HPET (100 ms window)\r\n"
          "KTEST PASS acpi_tables\r\nKTEST DONE 1 passed, 0 failed\r\n")
    v, _ = _verdict(ok + "Powering off.\r\n", status=0, cfg="poweroff")
    assert v.ok, v.why
    _expect_fail(_verdict(ok.replace("HPET", "a guess") + "Powering off.\r\n", status=0,
                          cfg="poweroff")[0], "tsc:")
    _expect_fail(_verdict(ok + "Powering off.\r\n" + ok, status=0, cfg="poweroff")[0],
                 "2 banners")
    _expect_fail(_verdict(ok, status=0, cfg="poweroff")[0], "Powering off")
    _expect_fail(_verdict(ok + "Powering off.\r\n", status=EXIT_PASS,
                          cfg="poweroff")[0], "expected 0")
    v, _ = _verdict(ok + "Restarting.\r\n" + ok, status=None, cfg="reset")
    assert v.ok, v.why
    _expect_fail(_verdict(ok + "Restarting.\r\n", status=None, cfg="reset")[0],
                 "did not boot a second time")


def st_expect_poweroff_bench():
    log = ("Pagoda 0.1\r\nboot: starting /bench/mmbench as pid 1\r\n"
           "BENCH kernel Linux 6.1.0-pagoda\r\n"
           "BENCH anon_write_fault 4254.0 ns/page min 4000.0 max 4400.0 n 3\r\n"
           "BENCH memfd_secret_fault unsupported ENOSYS memfd_secret(0)\r\n")
    v, _ = _verdict(log + "BENCH DONE\r\nreboot: power down\r\n", status=0,
                    cfg="bench-smoke")
    assert v.ok, v.why                   # no KTEST lines needed
    _expect_fail(_verdict(log + "init exited with signal 11\r\n", status=0,
                          cfg="bench-smoke")[0], "BENCH DONE")
    _expect_fail(_verdict(log + "BENCH DONE\r\n", status=EXIT_PASS,
                          cfg="bench-smoke")[0], "expected 0")
    _expect_fail(_verdict(log + "BENCH DONE\r\n", status=None, timed_out=True,
                          cfg="bench-smoke")[0], "timeout")
    _expect_fail(_verdict(log + "KTEST FAIL x: y\r\nBENCH DONE\r\n", status=0,
                          cfg="bench-smoke")[0], "1 test(s) failed")
    # The power-off boot still needs its KTEST summary.
    _expect_fail(_verdict("Pagoda 0.1\r\nPowering off.\r\n", status=0,
                          cfg="poweroff")[0], "did not all pass")


def st_debug_alloc_line():
    on = "debug_alloc: page poisoning, slab redzones+poison, free tracking on (frame table 3072 KiB)\r\n"
    # Early in a long log (beyond the kept tail) still counts.
    log = GOOD_LOG.replace("Pagoda 0.1 (x86_64) test build\r\n",
                           "Pagoda 0.1 (x86_64) test build\r\n" + on + "x\r\n" * 300)
    v, p = _verdict(log, debug_alloc=True)
    assert v.ok and p.debug_alloc, v.why
    _expect_fail(_verdict(GOOD_LOG, debug_alloc=True)[0], "no `debug_alloc: ... on` line")
    assert _verdict(GOOD_LOG)[0].ok                 # not asked for: not needed
    _expect_fail(_verdict(PANIC_LOG, status=EXIT_FAIL, cfg="panic", debug_alloc=True)[0],
                 "no `debug_alloc: ... on` line")
    # bench-smoke never boots with it, whatever make check passes.
    args = parse_args(["--debug-alloc"])
    assert {c.name for c in args.configs if not c.debug_alloc} == {"bench-smoke",
                                                                    "bench-smoke-smp4"}
    assert not any(c.debug_alloc for c in parse_args([]).configs)


def st_atomic_sleep_line():
    on = "might_sleep: sleep-in-atomic checks on (debug_atomic_sleep=1)\r\n"
    log = GOOD_LOG.replace("Pagoda 0.1 (x86_64) test build\r\n",
                           "Pagoda 0.1 (x86_64) test build\r\n" + on + "x\r\n" * 300)
    v, p = _verdict(log, atomic_sleep=True)
    assert v.ok and p.atomic_sleep, v.why
    _expect_fail(_verdict(GOOD_LOG, atomic_sleep=True)[0], "no `might_sleep: ... on` line")
    assert _verdict(GOOD_LOG)[0].ok                 # not asked for: not needed
    _expect_fail(_verdict(PANIC_LOG, status=EXIT_FAIL, cfg="panic", atomic_sleep=True)[0],
                 "no `might_sleep: ... on` line")
    # Every make check boot has it, bench-smoke included (no debug_alloc there).
    args = parse_args(["--atomic-sleep"])
    assert all(c.atomic_sleep for c in args.configs)
    assert not any(c.atomic_sleep for c in parse_args([]).configs)
    # A report is a BUG line and then a panic.
    bug = GOOD_LOG.replace("KTEST PASS pmm_alloc\r\n",
                           "BUG: sleeping function called from invalid context at mm/x.c:1\r\n"
                           "PANIC: might_sleep: sleeping function called from invalid "
                           "context at mm/x.c:1\r\n")
    _expect_fail(_verdict(bug, status=EXIT_FAIL)[0], "PANIC")
FUZZ_LOG = ("Pagoda 0.1\r\nFUZZ START seed=1 calls=100 workers=2 timeout=3\r\n"
            "FUZZ DONE seed=1 calls=100 workers=3 killed=1 stuck=0 exited=2 orphans=0 "
            "signals: SIGSEGV:1\r\nFUZZ MEMFREE before 100 after 100\r\n"
            "UTEST PASS fuzz/run\r\nUTEST PASS fuzz/memfree_restored\r\n"
            "UTEST DONE fuzz 2 passed, 0 failed\r\ninit exited with status 0\r\n")


def st_fuzz():
    v, _ = _verdict(FUZZ_LOG, cfg="fuzz")
    assert v.ok, v.why
    # A kernel warning anywhere in the log fails the fuzz boot ...
    warned = FUZZ_LOG.replace("FUZZ DONE", "WARNING: mm/vma.c:12: x\r\nFUZZ DONE")
    _expect_fail(_verdict(warned, cfg="fuzz")[0], 'kernel warning: "WARNING: mm/vma.c:12')
    _expect_fail(_verdict(FUZZ_LOG.replace("FUZZ DONE", "BUG: poison\r\nFUZZ DONE"),
                          cfg="fuzz")[0], "kernel warning")
    # ... as does a leak or a missing summary.
    leak = FUZZ_LOG.replace("UTEST PASS fuzz/memfree_restored",
                            "UTEST FAIL fuzz/memfree_restored: 100 kB before, 96 kB after") \
                   .replace("2 passed, 0 failed", "1 passed, 1 failed")
    _expect_fail(_verdict(leak, cfg="fuzz")[0], "required test fuzz/memfree_restored failed")
    _expect_fail(_verdict(FUZZ_LOG.replace("FUZZ DONE", "FUZZ"), cfg="fuzz")[0],
                 "FUZZ DONE")
    # Other boots do not judge warnings.
    assert _verdict(GOOD_LOG + "WARNING: x\r\n")[0].ok


def st_qemu_commands():
    cmds = {c.name: qemu_command(c, "t.iso", "L", "tcg") for c in BOOTS}
    for name, cmd in cmds.items():
        s = " ".join(cmd)
        assert cmd.count("-accel") == 1 and "-accel tcg" in s, name
        smp = BOOTS[[c.name for c in BOOTS].index(name)].smp
        assert ("-accel tcg,thread=multi" in s) == (smp > 1), name
        assert f"-serial file:L/{name}.serial" in s, name
        assert "-device isa-debug-exit,iobase=0xf4,iosize=0x04" in s, name
        assert ("-no-reboot" in cmd) == BOOTS[[c.name for c in BOOTS].index(name)].no_reboot
        machine = BOOTS[[c.name for c in BOOTS].index(name)].machine
        assert cmd.count("-machine") == 1 and f"-machine {machine}" in s, name
        assert "-cpu max" in s
        assert "-vga std" in s and "-nodefaults" in cmd and "-display none" in s
        assert f"-D L/{name}.qemu.log" in s and "-d cpu_reset,guest_errors" in s
        assert cmd.count("-smp") == 1 and cmd.count("-m") == 1, name
    assert "-smp 2" in " ".join(cmds["smp2"])
    assert "-machine q35" in " ".join(cmds["bios-cdrom"])
    pc = " ".join(cmds["smp8-pc"])
    assert "-machine pc" in pc and "-smp 8" in pc and "-accel tcg,thread=multi" in pc
    assert "-smp 1" in " ".join(cmds["bios-cdrom"])
    assert "-m 64M" in " ".join(cmds["mem-64M"])
    assert "-m 6G" in " ".join(cmds["mem-6G"])
    net = " ".join(cmds["net-virtio"])
    assert "-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0" in net
    net = " ".join(cmds["net-e1000"])
    assert "-machine pc" in net and "-device e1000,netdev=n0" in net
    assert "-netdev user,id=n0,restrict=on" in net
    net = " ".join(cmds["net-e1000e"])
    assert "-machine q35" in net and "-device e1000e,netdev=n0" in net
    assert "-netdev user,id=n0,restrict=on" in net
    # No other boot has a NIC (-nodefaults adds none): the net ktests skip there.
    # (The net-user/pair/flood and bench-net-smoke boots get theirs from
    # their host action.)
    nic_boots = ("net-virtio", "net-e1000", "net-e1000e")
    assert all("-netdev" not in c for n, c in cmds.items() if n not in nic_boots)
    usb = " ".join(cmds["bios-usb"])
    assert "-cdrom" not in cmds["bios-usb"] and "pflash" not in usb
    assert "-drive if=none,id=stick,format=raw,file=t.iso,readonly=on" in usb
    assert "-device usb-storage,bus=xhci.0,drive=stick,bootindex=1" in usb
    uefi = " ".join(cmds["uefi-cdrom"])
    assert f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}" in uefi
    assert "if=pflash,format=raw,file=L/uefi-cdrom.OVMF_VARS.fd" in uefi
    assert "-cdrom t.iso" in uefi
    kvm = qemu_command(BOOTS[0], "t.iso", "L", "kvm")
    assert "-accel kvm" in " ".join(kvm) and "tcg" not in " ".join(kvm)
    assert "file=a,,b.iso" in " ".join(MEDIA["usb"]("a,b.iso"))
    assert len({c.name for c in BOOTS}) == len(BOOTS)


def st_host_tests():
    with tempfile.TemporaryDirectory(prefix="pagoda-harness-") as d:
        def script(name, body):
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body)
            os.chmod(path, 0o755)
            return path

        lines, p, f = run_host_test(script("ok", "echo 'PASS a'; echo noise; "
                                                  "printf 'PASS b\\r\\n'\n"))
        assert (lines, p, f) == (["PASS host/a", "PASS host/b"], 2, 0), lines

        lines, p, f = run_host_test(script("mixed", "echo 'PASS a'\n"
                                            "echo 'FAIL b: 1 != 2'\n"
                                            "echo 'oops' >&2\nexit 1\n"))
        assert (p, f) == (1, 2), (lines, p, f)
        assert lines[:3] == ["PASS host/a", "FAIL host/b: 1 != 2",
                             "FAIL host/mixed: exit status 1"], lines
        assert "    oops" in lines, lines

        asan = ("noise\n" * 50 + "=================\n"
                "==123==ERROR: AddressSanitizer: heap-use-after-free on 0x1\n"
                "    #0 0x1 in f x.c:3\n" + "shadow\n" * 60)
        lines, p, f = run_host_test(script("crash", "echo 'PASS a'\n"
                                           f"cat >&2 <<'EOF'\n{asan}EOF\n"
                                           "kill -SEGV $$\n"))
        assert "FAIL host/crash: exit status -11 (killed by SIGSEGV)" in lines, lines
        assert "    ==123==ERROR: AddressSanitizer: heap-use-after-free on 0x1" \
            in lines, lines
        assert (p, f) == (1, 1)

        lines, p, f = run_host_test(script("silent", "echo hello\n"))
        assert lines[0] == "FAIL host/silent: exit status 0 but no PASS line", lines
        assert (p, f) == (0, 1)

        lines, p, f = run_host_test(script("slow", "echo 'PASS a'\nexec sleep 10\n"),
                                    timeout=0.5)
        assert "FAIL host/slow: exit status: timed out after 0.5 s (killed)" \
            in lines, lines
        assert (p, f) == (1, 1), lines

        lines, p, f = run_host_test(os.path.join(d, "does-not-exist"))
        assert (p, f) == (0, 1) and "cannot run" in lines[0], lines


NET_LOG = ("Pagoda 0.1\r\nboot: starting /net/nettest as pid 1\r\n"
           "NETTEST READY eth0=10.0.2.15 big.bin=16777216 sha256=" + "ab" * 32 + "\r\n"
           "NETTEST RUN quit\r\nNETTEST DONE 0 problems\r\ninit exited with status 0\r\n")


def st_host_verdicts():
    """A host action's checks are the boot's tests; its failures fail the boot."""
    ready = r"^NETTEST READY "
    ok = [("PASS", "httpd_to_host_16MiB", None), ("PASS", "guest_quit", None)]
    v, p = _verdict(NET_LOG, cfg="net-user-virtio", host_ready=ready, host_started=True,
                    host_results=list(ok))
    assert v.ok and v.n_tests == 2, v.why
    lines, np, nf = format_boot(_cfg("net-user-virtio"), v, p,
                                LogPaths.make("L", "net-user-virtio"))
    assert lines[:2] == ["PASS net-user-virtio/httpd_to_host_16MiB",
                         "PASS net-user-virtio/guest_quit"] and (np, nf) == (3, 0), lines
    bad = ok + [("FAIL", "ping_gateway", "exit 1: 0 received")]
    v, p = _verdict(NET_LOG, cfg="net-user-virtio", host_ready=ready, host_started=True,
                    host_results=bad)
    _expect_fail(v, "host check(s) failed: ping_gateway")
    assert "although tests failed" not in v.why, v.why      # exit 33 is the guest's word
    lines, np, nf = format_boot(_cfg("net-user-virtio"), v, p,
                                LogPaths.make("L", "net-user-virtio"))
    assert "FAIL net-user-virtio/ping_gateway: exit 1: 0 received" in lines and nf == 2
    assert any("L/net-user-virtio.host.log" in line for line in lines), lines
    # the ready line never came: the checks never ran
    v, _ = _verdict("Pagoda 0.1\r\nNETTEST FATAL eth0 has no address\r\n"
                    "init exited with status 1\r\n", EXIT_FAIL, cfg="net-user-virtio",
                    host_ready=ready)
    _expect_fail(v, "the host checks never ran", "NETTEST DONE 0 problems")
    # the guest lingers after the checks
    v, _ = _verdict(NET_LOG.replace("init exited", "x"), None, cfg="net-user-virtio",
                    host_ready=ready, host_started=True, host_results=list(ok),
                    stopped="host")
    _expect_fail(v, "after the host checks ended")
    # the peer of a pair is judged by its own must_log
    peer = dataclasses.replace(_cfg("net-pair-virtio").peer, debug_alloc=False,
                               atomic_sleep=False)
    plog = ("Pagoda 0.1\r\nNETTEST PAIR sent bytes=67108864 sha256=" + "cd" * 32 +
            "\r\nNETTEST PAIR send status=0 tries=1 seconds=30.1\r\n"
            "init exited with status 0\r\n")
    assert classify(peer, parse_serial_text(plog), RunInfo(exit_status=EXIT_PASS,
                                                           banner_time=1.0)).ok
    _expect_fail(classify(peer, parse_serial_text(plog.replace("status=0", "status=1")),
                          RunInfo(exit_status=EXIT_PASS, banner_time=1.0)),
                 "NETTEST PAIR send status=0")


def st_net_boots():
    """Each NIC model is one net_boots() line: three boots, the model as a parameter."""
    for tag, nic in (("virtio", "virtio-net-pci"), ("e1000", "e1000"), ("e1000e", "e1000e")):
        cfgs = net_boots(tag, nic)
        assert [c.name for c in cfgs] == [f"net-user-{tag}", f"net-pair-{tag}",
                                          f"net-flood-{tag}"], cfgs
        assert all(c.nic == nic and c.host for c in cfgs)
        assert cfgs[1].peer.name == f"net-pair-{tag}.2" and cfgs[1].peer.image == "netpair2"
    names = {c.name for c in BOOTS}
    assert {"net-user-virtio", "net-pair-virtio", "net-flood-virtio"} <= names
    # The Intel NICs run the host-traffic boot (httpd, wget, UDP, ping) only.
    assert {"net-user-e1000", "net-user-e1000e"} <= names
    assert not names & {"net-pair-e1000", "net-flood-e1000", "net-pair-e1000e",
                        "net-flood-e1000e"}
    actions = _host_actions()
    assert all(c.host in actions for c in BOOTS if c.host)
    # the peer's lines are watched too (a long log must not lose them)
    assert must_log_re().search("NETTEST PAIR sent bytes=1 sha256=" + "0" * 64)


def st_host_action_run():
    """A whole boot with a host action, QEMU played by a script: the action
    starts on the ready line, tells the 'guest' to quit, its checks count."""
    global QEMU
    with tempfile.TemporaryDirectory(prefix="pagoda-harness-") as d:
        fake = os.path.join(d, "qemu")
        with open(fake, "w") as f:
            f.write("#!/usr/bin/env python3\n"
                    "import os, sys, time\n"
                    "a = sys.argv\n"
                    "serial = a[a.index('-serial') + 1][5:]\n"
                    "quit = os.path.join(os.path.dirname(serial), 'quit')\n"
                    "out = open(serial, 'w')\n"
                    "out.write('Pagoda 0.1\\nNETTEST READY eth0=10.0.2.15 big.bin=1 sha256="
                    + "ab" * 32 + "\\n'); out.flush()\n"
                    "while not os.path.exists(quit): time.sleep(0.02)\n"
                    "out.write('NETTEST DONE 0 problems\\ninit exited with status 0\\n')\n"
                    "out.close(); sys.exit(33)\n")
        os.chmod(fake, 0o755)
        iso = os.path.join(d, "net.iso")
        open(iso, "w").close()

        class Action:
            ready = r"^NETTEST READY eth0=(?P<addr>\S+) "

            def __init__(self, ctx):
                self.ctx, self.judged = ctx, None

            def qemu_args(self):
                return ["-netdev", "user,id=n0"]

            def run(self, m):
                self.ctx.report("saw_address", m.group("addr") == "10.0.2.15", m.group(0))
                open(os.path.join(d, "quit"), "w").close()

            def judge(self, parser):
                self.ctx.report("judged_after_exit", parser.done is None and
                                any("init exited" in x for x in parser.watched),
                                "judge() did not see the whole log")

            def close(self):
                pass

        global _host_actions
        saved = QEMU, _host_actions
        QEMU, _host_actions = fake, (lambda: {"fake": Action})
        try:
            cfg = dataclasses.replace(_cfg("net-user-virtio"), host="fake")
            out = []
            p, f, _ = run_boots([cfg], {"net": iso}, d, "tcg", 30, 1, out.extend)
        finally:
            QEMU, _host_actions = saved
        assert (p, f) == (3, 0), out
        assert out[:2] == ["PASS net-user-virtio/saw_address",
                           "PASS net-user-virtio/judged_after_exit"], out
        assert "-netdev user,id=n0" in open(os.path.join(d, "net-user-virtio.cmd")).read()
        log = open(os.path.join(d, "net-user-virtio.host.log")).read()
        assert "PASS saw_address" in log, log


SELFTESTS = [(fn.__name__[3:], fn) for fn in (
    st_pass, st_noisy_log, st_fail_line, st_panic, st_triple_fault, st_timeout,
    st_missing_required, st_required_skipped, st_required_passes, st_must_log_early,
    st_required_failed, st_done_mismatch, st_no_done, st_zero_tests,
    st_unexpected_exit, st_exit_status_contradicts, st_no_banner,
    st_done_without_exit, st_setup_error, st_qemu_commands, st_host_tests,
    st_expect_panic, st_expect_poweroff_reset, st_expect_poweroff_bench,
    st_debug_alloc_line, st_atomic_sleep_line, st_fuzz, st_host_verdicts, st_net_boots,
    st_host_action_run)]


def _netcheck_selftests():
    """tests/netcheck.py's and netframes.py's own checks (frames, checksums,
    replies, QEMU arguments)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import netcheck
    import netframes
    return [("net_" + fn.__name__[3:], fn) for fn in netframes.SELFTESTS + netcheck.SELFTESTS]


def _gdbcheck_selftests():
    """tests/gdbcheck.py's own checks (its verdicts on canned gdb output)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gdbcheck
    return [("gdb_" + fn.__name__[3:], fn) for fn in gdbcheck.SELFTESTS]


def selftest():
    passed = failed = 0
    for name, fn in SELFTESTS + _netcheck_selftests() + _gdbcheck_selftests():
        try:
            fn()
        except Exception as e:      # AssertionError and anything unexpected
            print(f"FAIL harness/{name}: {type(e).__name__}: {e}", flush=True)
            failed += 1
        else:
            print(f"PASS harness/{name}", flush=True)
            passed += 1
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Run Pagoda's host unit tests and boot the test ISO in QEMU.",
        epilog="Boot configurations: " + ", ".join(c.name for c in BOOTS))
    ap.add_argument("--iso", default="build/test/pagoda.iso",
                    help="the test image (ktest=all)")
    ap.add_argument("--image", action="append", default=[], metavar="NAME=PATH",
                    help="another image, for configurations with image=NAME")
    ap.add_argument("--log-dir", default="build/test/logs")
    ap.add_argument("--host-test", action="extend", nargs="+", default=[],
                    metavar="BIN")
    ap.add_argument("--suite", action="extend", nargs="+", default=[],
                    metavar="BIN")
    ap.add_argument("--boot", action="extend", nargs="+", default=[],
                    metavar="NAME")
    ap.add_argument("--accel", choices=("tcg", "kvm"), default=DEFAULT_ACCEL)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=BOOT_TIMEOUT, metavar="SEC")
    ap.add_argument("--list", action="store_true",
                    help="list the boot configurations and exit")
    ap.add_argument("--debug-alloc", action="store_true",
                    help="the images boot with debug_alloc=1: require its boot line")
    ap.add_argument("--atomic-sleep", action="store_true",
                    help="the images boot with debug_atomic_sleep=1: require its boot line")
    ap.add_argument("--selftest", action="store_true",
                    help="test the harness's own logic and exit")
    args = ap.parse_args(argv)
    names = [n for arg in args.boot for n in arg.split(",") if n]
    known = {c.name for c in BOOTS}
    unknown = [n for n in names if n not in known]
    if unknown:
        ap.error(f"unknown boot configuration(s) {', '.join(unknown)}; "
                 f"known: {', '.join(c.name for c in BOOTS)}")
    args.configs = [dataclasses.replace(c, debug_alloc=c.debug_alloc and args.debug_alloc,
                                        atomic_sleep=c.atomic_sleep and args.atomic_sleep)
                    for c in BOOTS if not names or c.name in names]
    if args.jobs < 1 or args.timeout <= 0:
        ap.error("--jobs and --timeout must be positive")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.selftest:
        return selftest()
    if args.list:
        for c in BOOTS:
            print(f"{c.name:<12} {describe(c)}")
        return 0

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)

    def emit(lines):
        for line in lines:
            print(line)
        sys.stdout.flush()

    passed = failed = 0
    times = {}
    try:
        for binary, limit in ([(b, HOST_TEST_TIMEOUT) for b in args.host_test] +
                              [(b, SUITE_TIMEOUT) for b in args.suite]):
            lines, p, f = run_host_test(binary, limit)
            emit(lines)
            passed += p
            failed += f

        problems = []
        if not os.path.isfile(args.iso):
            problems.append(("iso", f"{args.iso} does not exist (build it first)"))
        if shutil.which(QEMU) is None:
            problems.append(("qemu", f"{QEMU} not found on PATH"))
        if problems:
            emit([f"FAIL harness/{what}: {msg}; not booting" for what, msg in problems])
            failed += len(problems)
        elif args.configs:
            os.makedirs(args.log_dir, exist_ok=True)
            emit([f"booting {len(args.configs)} configuration(s) "
                  f"(accel {args.accel}, {min(args.jobs, len(args.configs))} at a "
                  f"time, timeout {args.timeout:g} s, logs in {args.log_dir})"])
            images = {"test": args.iso}
            for spec in args.image:
                name, _, path = spec.partition("=")
                images[name] = path
            p, f, times = run_boots(args.configs, images, args.log_dir,
                                    args.accel, args.timeout, args.jobs, emit)
            passed += p
            failed += f
    except KeyboardInterrupt:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)      # let the cleanup finish
        kill_all()
        print("FAIL harness/interrupted: stopped by a signal; QEMU processes killed")
        print(f"{passed} passed, {failed + 1} failed", flush=True)
        return 130

    if RECAP:
        print("kernel reports of the failed boots (each also above, in its block):")
        for name, report in RECAP:
            print(f"  {name}:")
            print("\n".join("    " + line for line in report))
    if times:
        print("boot times:")
        for c in args.configs:
            t = times.get(c.name)
            print(f"  {c.name:<12} " + (f"{t:6.2f}s" if t is not None else "     - (no banner)"))
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
