"""labs.py - Pagoda's coursework labs: their order and their grading specs.

The one place that says which labs exist. Each Lab below is

  - a name, used in the source markers (/* LAB name BEGIN */, tools/mklab)
    and on the command line (make lab LAB=name, make grade LAB=name);
  - a number: its place in the course and in its handout's name,
    docs/labs/NN-name.md;
  - its grading spec (tools/grade): the test files that are copied from the
    reference over a student's tree before grading, and the boots that run
    them, each with its tests, their points and their time limits.

Labs are cumulative, as JOS's: the student tree of lab N keeps the code of
labs 1..N-1 and has the code of N and every later lab replaced by stubs.
The list is in course order; a lab's number must grow along it.

A Boot is one QEMU run of the kernel built from the tree being graded:

  kind "ktest"  in-kernel tests, selected by the kernel's ktest= option;
                each Test.case is a ktest name (KTEST PASS <case>)
  kind "user"   a user test program, run by /sbin/init -c as
                /tests/<program> <case,case...> (init mounts /proc, /sys,
                /dev, /tmp first); each Test.case is one of its cases
                (UTEST PASS <program>/<case>; the program calls ut_select())

with its own memory size, CPUs, extra QEMU arguments (disks, NICs) and
extra kernel command-line words. A boot may take BOOT_SECONDS plus the sum
of its tests' time limits. When a boot dies (panic, hang) before some of
its tests reported, tools/grade boots each of those again on its own, so a
test that crashes the kernel costs only its own points.

To add a lab: see docs/labs/README.md.
"""

from __future__ import annotations

import dataclasses

# Kernel command-line words of every grading boot: what make check's boots
# use (Makefile CHECK_KCMDLINE) - the debug allocator, the sleep-in-atomic
# checker, a soft lockup is a panic - and debugexit, so that the kernel
# leaves QEMU when the tests or init are done.
BASE_CMDLINE = "debug_alloc=1 debug_atomic_sleep=1 softlockup_panic=1 debugexit"

# Seconds a boot may take to reach its tests, on top of their own limits
# (TCG with the debug allocator; a loaded build machine).
BOOT_SECONDS = 60.0

# What the kernel keeps of a command line (kernel/cmdline.c), of the
# ktest= selection (kernel/main.c, kmain's sel[]) and of init's arguments
# after " -- " (main.c, run_init's args[]): a boot's tests must fit.
CMDLINE_MAX = 511
KTEST_SEL_MAX = 127
INIT_ARGS_MAX = 255

# Shared test machinery copied from the reference over a student's tree
# with every lab's own test files: the ktest runner, the user tests' macros
# and helpers, and the init that runs user test programs.
GRADER_FILES = (
    "kernel/ktest.c",
    "kernel/ktest.h",
    "user/init.c",
    "user/tests/utest.h",
    "user/tests/vm_util.h",
)


@dataclasses.dataclass(frozen=True)
class Test:
    name: str               # shown and reported: "sysinfo_returns_zero"
    points: int
    case: str               # ktest name, or the user program's case name
    timeout: float = 30.0   # seconds of the boot's time this test may use


@dataclasses.dataclass(frozen=True)
class Boot:
    name: str               # also the image's directory: build/grade/img/<name>
    kind: str               # "ktest" or "user"
    tests: tuple
    program: str = ""       # kind "user": /tests/<program>
    memory: str = "256M"    # QEMU -m
    smp: int = 1            # QEMU -smp
    qemu: tuple = ()        # more QEMU arguments (disks, NICs)
    cmdline: str = ""       # more kernel command-line words

    def result_name(self, test):
        """The name the serial log's PASS/FAIL line carries for @test."""
        return f"{self.program}/{test.case}" if self.kind == "user" else test.case


@dataclasses.dataclass(frozen=True)
class Lab:
    name: str
    number: int
    title: str
    boots: tuple
    files: tuple = ()       # the lab's own test files (reference copies win)

    @property
    def handout(self):
        return f"docs/labs/{self.number:02d}-{self.name}.md"

    @property
    def tests(self):
        return [t for b in self.boots for t in b.tests]

    @property
    def max_score(self):
        return sum(t.points for t in self.tests)


# A throw-away zero-filled virtio disk (nothing on the host), as the
# harness's swap boots have: sysinfo_test swaps on it.
SCRATCH_DISK_64M = ("-drive", "driver=null-co,size=64M,read-zeroes=on,if=none,id=d0,snapshot=on",
                    "-device", "virtio-blk-pci,drive=d0")

# QEMU's user-mode network (slirp) with restrict=on, so that the guest
# reaches nothing outside: only slirp's gateway 10.0.2.2 answers (ARP, ICMP
# echo, DHCP), as in tests/harness.py's net-e1000 and net-e1000e boots.
NET_E1000 = ("-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0")
NET_E1000E = ("-netdev", "user,id=n0,restrict=on", "-device", "e1000e,netdev=n0")

LABS = (
    Lab("syscall", 1, "System calls and processes: add a system call end to end",
        files=("kernel/tests/sysinfo_ktest.c", "user/tests/sysinfo_test.c"),
        boots=(
            # The kernel half: do_sysinfo() against the allocator, the
            # clock and kernel threads started here.
            Boot("syscall-ktest", "ktest", tests=(
                Test("sysinfo_kernel_memory", 10, "sysinfo_memory"),
                Test("sysinfo_kernel_uptime", 10, "sysinfo_uptime"),
                Test("sysinfo_kernel_procs", 10, "sysinfo_procs"),
            )),
            # The system call from user space, on a small machine with a
            # disk to swap on.
            Boot("syscall-user", "user", program="sysinfo_test", memory="128M",
                 qemu=SCRATCH_DISK_64M, tests=(
                     Test("sysinfo_returns_zero", 10, "returns_zero"),
                     Test("sysinfo_memory_matches_meminfo", 15, "memory_matches_meminfo"),
                     Test("sysinfo_uptime_matches_clock", 10, "uptime_matches_clock"),
                     Test("sysinfo_procs_counts_tasks", 10, "procs_counts_tasks"),
                     Test("sysinfo_swap_matches_meminfo", 10, "swap_matches_meminfo"),
                     Test("sysinfo_bad_pointers_efault", 15, "bad_pointers_efault"),
                 )),
        )),
    Lab("mremap", 11, "mremap and MREMAP_RELOCATE_ANON: move page tables, re-file anonymous pages",
        files=("arch/x86_64/tests/pte_move_ktest.c", "mm/tests/mremap_ktest.c",
               "user/tests/vm_mremap_test.c", "user/tests/cap_util.h"),
        boots=(
            # The page-table moves themselves (arch_move_ptes,
            # arch_move_pte_table) on a throw-away pgd, then whole moves
            # and relocations through vm_mremap_locked(), checked by rmap.
            Boot("mremap-ktest", "ktest", tests=(
                Test("mremap_move_entries", 12, "pte_move_entries"),
                Test("mremap_move_whole_table", 10, "pte_move_table"),
                Test("mremap_moves_rmap_exact", 12, "mremap_moves_page_tables_rmap_exact"),
                Test("mremap_relocate_refiles_pages", 10, "mremap_relocate_refiles_pages"),
            )),
            # mremap(2) from user space: moves of every kind keep the data,
            # the frames and the page state.
            Boot("mremap-user", "user", program="vm_mremap_test", tests=(
                Test("mremap_maymove_when_blocked", 5, "maymove_when_blocked"),
                Test("mremap_fixed_replaces_target", 4, "fixed_replaces_target"),
                Test("mremap_dontunmap_private_anon", 4, "dontunmap_private_anon"),
                Test("mremap_file_private_cow_moves", 4, "file_private_cow_moves"),
                Test("mremap_pagemap_pfn_kept", 4, "pagemap_pfn_kept"),
                Test("mremap_fork_cow_after_move", 4, "fork_cow_after_move"),
                Test("mremap_move_64m_aligned", 5, "move_64m_aligned"),
                Test("mremap_move_4m_misaligned", 5, "move_4m_misaligned"),
                Test("mremap_multi_vma_move_keeps_gap", 3, "multi_vma_move_keeps_gap"),
            )),
            # Pagoda's MREMAP_RELOCATE_ANON from user space.
            Boot("mremap-relocate", "user", program="vm_mremap_test", tests=(
                Test("mremap_relocate_anon_merges", 5, "relocate_anon_merges"),
                Test("mremap_must_relocate_after_fork", 4, "must_relocate_after_fork"),
                Test("mremap_must_relocate_unshared_ok", 3, "must_relocate_unshared_ok"),
                Test("mremap_relocate_mprotect_merges", 3, "relocate_anon_mprotect_merges"),
                Test("mremap_relocate_dontunmap_replay", 3, "relocate_dontunmap_replay"),
            )),
        )),
    Lab("smp", 12, "SMP TLB shootdown: flush little, tell only who needs it, batch",
        files=("arch/x86_64/tests/tlb_ktest.c", "arch/x86_64/tests/smp_ktest.c",
               "mm/tests/swap_ktest.c", "user/tests/vm_smp_test.c",
               "user/tests/thread_util.h"),
        boots=(
            # Four CPUs: this CPU's flush (range or full), the cpumask and
            # the IPIs it targets, and reclaim's deferred, batched flushes
            # (the last on a throw-away disk to swap on).
            Boot("smp-ktest", "ktest", smp=4, qemu=SCRATCH_DISK_64M, tests=(
                Test("tlb_flush_local_range", 20, "tlb_flush_local_range"),
                Test("tlb_flush_targets_cpumask", 15, "tlb_flush_targets_cpumask"),
                Test("tlb_shootdown_batched_munmap", 10, "tlb_shootdown_batched_munmap"),
                Test("tlb_batch_defers_flush", 15, "tlb_batch_defers_flush"),
                Test("tlb_reclaim_batched_flush", 10, "tlb_reclaim_batched_flush", timeout=60.0),
            )),
            # User threads on four CPUs never read through a stale entry.
            Boot("smp-user", "user", program="vm_smp_test", smp=4, tests=(
                Test("smp_munmap_no_stale_read", 8, "munmap_no_stale_read", timeout=60.0),
                Test("smp_mprotect_none_no_stale_read", 8, "mprotect_none_no_stale_read",
                     timeout=60.0),
                Test("smp_dontneed_sees_zeros", 7, "dontneed_sees_zeros", timeout=60.0),
                Test("smp_cow_after_fork_with_writers", 7, "cow_after_fork_with_writers",
                     timeout=60.0),
            )),
        )),
    Lab("net", 13, "Networking: the e1000's RX and TX descriptor rings",
        files=("kernel/tests/e1000_ktest.c", "kernel/tests/nic_test.c", "kernel/tests/nic_test.h",
               "kernel/net/tests/netif_ktest.c", "kernel/net/tests/actor.h"),
        boots=(
            # QEMU's 82540EM on its user-mode network, restrict=on: the
            # guest reaches only slirp's gateway 10.0.2.2 (ARP, ICMP echo)
            # and its DHCP server. Hand-built frames, no IP stack.
            Boot("net-e1000", "ktest", qemu=NET_E1000, tests=(
                Test("e1000_rings_programmed", 10, "e1000_eth0"),
                Test("e1000_tx_ring_wraps", 15, "e1000_tx_ring_wraps"),
                Test("e1000_arp_gateway", 10, "e1000_arp_gateway"),
                Test("e1000_icmp_echo", 10, "e1000_icmp_echo"),
                Test("e1000_tx_burst", 15, "e1000_tx_burst", timeout=60.0),
                Test("e1000_rx_overrun", 10, "e1000_rx_overrun", timeout=60.0),
            )),
            # The same driver on the 82574L (MSI-X, q35's PCIe: the rings
            # are the 8254x's), and lwIP on top: DHCP from slirp, a ping.
            Boot("net-e1000e", "ktest", qemu=NET_E1000E, tests=(
                Test("e1000e_tx_burst", 10, "e1000_tx_burst", timeout=60.0),
                Test("net_eth_dhcp", 10, "net_eth_dhcp", timeout=75.0),
                Test("net_eth_ping_gateway", 10, "net_eth_ping_gateway", timeout=75.0),
            )),
        )),
)


def lab_names():
    return [lab.name for lab in LABS]


def find(name):
    """The Lab called @name, or None."""
    return next((lab for lab in LABS if lab.name == name), None)


def check_specs(labs=LABS):
    """Problems with the lab list itself (names, numbers, specs), as strings."""
    problems, seen, last = [], set(), 0
    for lab in labs:
        if lab.name in seen:
            problems.append(f"lab {lab.name}: listed twice")
        seen.add(lab.name)
        if lab.number <= last:
            problems.append(f"lab {lab.name}: number {lab.number} does not follow {last}")
        last = lab.number
        names = [t.name for t in lab.tests]
        if len(set(names)) != len(names):
            problems.append(f"lab {lab.name}: two tests share a name")
        for b in lab.boots:
            if b.kind not in ("ktest", "user") or (b.kind == "user") != bool(b.program):
                problems.append(f"lab {lab.name}: boot {b.name}: kind {b.kind!r}, "
                                f"program {b.program!r}")
            if not b.tests:
                problems.append(f"lab {lab.name}: boot {b.name} has no tests")
            cases = ",".join(t.case for t in b.tests)
            args = f"-c /tests/{b.program} {cases}"
            if (b.kind == "ktest" and len(cases) > KTEST_SEL_MAX) or \
                    (b.kind == "user" and len(args) > INIT_ARGS_MAX) or \
                    len(BASE_CMDLINE) + len(b.cmdline) + len(args) + 40 > CMDLINE_MAX:
                problems.append(f"lab {lab.name}: boot {b.name}: its tests do not fit on "
                                "the kernel command line; split the boot")
        if lab.boots and lab.max_score <= 0:
            problems.append(f"lab {lab.name}: no points")
    boots = [b.name for lab in labs for b in lab.boots]
    if len(set(boots)) != len(boots):
        problems.append("two boots share a name (their images would too)")
    return problems
