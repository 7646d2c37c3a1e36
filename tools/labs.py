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

# The harness's swap boots' disk (tests/harness.py SWAP_DISK): 512 MiB,
# room for vm_swap_test's fills of more than RAM.
SCRATCH_DISK_512M = ("-drive", "driver=null-co,size=512M,read-zeroes=on,if=none,id=d0,snapshot=on",
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
    Lab("pgtable", 2, "Page tables: walk, map and unmap in the arch contract",
        files=("arch/x86_64/tests/paging_ktest.c", "arch/x86_64/tests/pgtable_ktest.c",
               "user/tests/pgtable_test.c"),
        boots=(
            # The one-shot contract at every page size, on the live kernel
            # tables and on throw-away user pgds; freeing empty tables.
            Boot("pgtable-ktest", "ktest", tests=(
                Test("pt_map_query_unmap_4k", 10, "pt_map_query_unmap_4k"),
                Test("pt_map_2m_and_walk", 10, "pt_map_2m_and_walk"),
                Test("pt_map_1g", 10, "pt_map_1g"),
                Test("pt_huge_rules", 15, "pt_huge_rules"),
                Test("pt_query_levels", 10, "pt_query_levels"),
                Test("pt_free_user_tables", 15, "pt_free_user_tables"),
            )),
            # munmap's freeing of page tables and the boot's direct map,
            # as user space sees them (VmPTE, DirectMap*).
            Boot("pgtable-user", "user", program="pgtable_test", tests=(
                Test("munmap_frees_page_tables", 10, "munmap_frees_page_tables"),
                Test("munmap_keeps_shared_table", 10, "munmap_keeps_shared_table"),
                Test("direct_map_large_pages", 10, "direct_map_large_pages"),
            )),
        )),
    Lab("buddy", 3, "The buddy allocator",
        files=("mm/tests/buddy_ktest.c", "mm/tests/page_alloc_ktest.c"),
        boots=(
            # The algorithm on private zones over a borrowed 4 MiB block:
            # split, merge, the zone's edges, order accounting.
            Boot("buddy-ktest", "ktest", tests=(
                Test("buddy_split_halves", 15, "buddy_split_halves"),
                Test("buddy_merge_pairs", 15, "buddy_merge_pairs"),
                Test("buddy_merge_edges", 10, "buddy_merge_edges"),
                Test("buddy_order_counts", 15, "buddy_order_counts"),
            )),
            # The invariant checker, split and coalesce of a whole block,
            # and the live allocator under a storm (checked by pmm_check).
            Boot("buddy-check", "ktest", tests=(
                Test("buddy_check_corrupt", 20, "buddy_check_corrupt"),
                Test("pmm_split_coalesce", 15, "pmm_split_coalesce"),
                Test("pmm_storm_no_leak", 10, "pmm_storm_no_leak", timeout=60),
            )),
        )),
    Lab("demand", 4, "Demand paging and the zero page",
        files=("mm/tests/demand_ktest.c", "user/tests/demand_test.c"),
        boots=(
            # Faults on a private mm, read back from its page tables.
            Boot("demand-ktest", "ktest", tests=(
                Test("demand_read_zero_page", 15, "demand_read_zero_page"),
                Test("demand_write_replaces_zero", 15, "demand_write_replaces_zero"),
                Test("demand_rss_counts", 10, "demand_rss_counts"),
            )),
            # The same from user space: pagemap PFNs, smaps Rss, RssAnon.
            Boot("demand-user", "user", program="demand_test", tests=(
                Test("read_maps_zero_page", 10, "read_maps_zero_page"),
                Test("read_not_resident", 10, "read_not_resident"),
                Test("write_after_read_replaces", 10, "write_after_read_replaces"),
                Test("write_counts_rss", 10, "write_counts_rss"),
                Test("dontneed_back_to_zero", 10, "dontneed_back_to_zero"),
                Test("shared_anon_counts_shmem", 10, "shared_anon_counts_shmem"),
            )),
        )),
    Lab("cow", 5, "Copy-on-write fork with exclusive reuse",
        files=("user/tests/cow_test.c", "mm/tests/vm_ktest.c"),
        boots=(
            # The fault path and fork on kernel-made address spaces: a
            # fork shares, the last sharer reuses; pins are never shared.
            Boot("cow-ktest", "ktest", tests=(
                Test("cow_kernel_fork_and_reuse", 10, "vm_fault_zero_page_and_cow"),
                Test("cow_kernel_pins", 10, "vm_gup_read_pin_unshares"),
            )),
            # From user space: frames seen in /proc/self/pagemap, faults
            # and Pagoda's cow_fault/cow_reuse counters.
            Boot("cow-user", "user", program="cow_test", tests=(
                Test("cow_fork_shares_frames", 15, "fork_shares_frames"),
                Test("cow_parent_write_copies", 10, "parent_write_copies"),
                Test("cow_child_write_copies", 5, "child_write_copies"),
                Test("cow_last_sharer_reuses", 15, "last_sharer_reuses"),
                Test("cow_reuse_after_child_copied", 10, "reuse_after_child_copied"),
                Test("cow_no_reuse_while_shared", 5, "no_reuse_while_shared"),
                Test("cow_softdirty_wp_reuses", 10, "softdirty_wp_reuses"),
                Test("cow_mprotect_restores_write", 10, "mprotect_restores_write"),
            )),
        )),
    Lab("filemap", 6, "File mappings and the page cache",
        files=("user/tests/filemap_test.c",),
        boots=(
            # Faults on file mappings seen in /proc/self/pagemap, counted
            # (pgfault, and Pagoda's fault_around, file_fault, cow_fault),
            # and mincore(2).
            Boot("filemap-user", "user", program="filemap_test", tests=(
                Test("filemap_fault_around_maps_neighbours", 25, "fault_around_maps_neighbours"),
                Test("filemap_fault_around_holes_and_copies", 15,
                     "fault_around_holes_and_copies"),
                Test("filemap_private_write_copies_at_once", 20, "private_write_copies_at_once"),
                Test("filemap_shared_read_maps_writable", 20, "shared_read_maps_writable"),
                Test("filemap_mincore_sees_page_cache", 20, "mincore_sees_page_cache"),
            )),
        )),
    Lab("rmap", 7, "Reverse mapping: anon_vma and the interval tree",
        files=("mm/tests/rmap_ktest.c", "user/tests/rmap_test.c"),
        boots=(
            # Anonymous pages: the fork family of anon_vmas, and what is
            # built on rmap_walk (referenced, mkclean, unmap).
            Boot("rmap-ktest-anon", "ktest", tests=(
                Test("rmap_fork_child_own_anon_vma", 25, "rmap_fork_child_own_anon_vma"),
                Test("rmap_walk_after_forks", 10, "rmap_walk_after_forks"),
                Test("rmap_anon_referenced_mkclean_unmap", 20,
                     "rmap_anon_referenced_mkclean_unmap"),
            )),
            # File pages: the walk of the file's i_mmap tree.
            Boot("rmap-ktest-file", "ktest", tests=(
                Test("rmap_file_walk_finds_every_mapper", 25,
                     "rmap_file_walk_finds_every_mapper"),
                Test("rmap_file_referenced_mkclean_unmap", 10,
                     "rmap_file_page_referenced_mkclean_unmap"),
            )),
            # From user space: /proc/pagoda/rmap of a file page.
            Boot("rmap-user", "user", program="rmap_test", tests=(
                Test("rmap_file_view", 10, "rmap_file_view"),
            )),
        )),
    Lab("reclaim", 8, "Reclaim and swap: LRU aging, swap out and in",
        files=("mm/tests/lru_ktest.c", "mm/tests/swap_ktest.c", "user/tests/vm_swap_test.c"),
        boots=(
            # In the kernel: the aging policy on pages of real mms (no swap
            # needed) ...
            Boot("reclaim-lru", "ktest", tests=(
                Test("lru_accessed_bit_activates", 10, "lru_accessed_bit_activates"),
                Test("lru_accessed_bit_other_mm", 10, "lru_accessed_bit_other_mm"),
                Test("lru_read_write_keeps", 5, "lru_read_write_keeps"),
                Test("lru_shrink_active_ages", 10, "lru_shrink_active_ages"),
            )),
            # ... and swap-in on the scratch disk: a page swapped out before
            # fork comes back as one frame for both mms; a failed read
            # poisons the PTE. One boot each: a test that fails leaves swap
            # on with pages out, and the next one could not swap on.
            Boot("reclaim-swapin", "ktest", qemu=SCRATCH_DISK_64M, tests=(
                Test("swapin_fork_shares_frame", 15, "swap_pageout_fork_swapin"),
            )),
            Boot("reclaim-swapin-error", "ktest", qemu=SCRATCH_DISK_64M, tests=(
                Test("swapin_read_error_poisons", 10, "swap_read_error_marker_survives_fork"),
            )),
            # From user space on a 48 MiB machine, as make check's swap
            # boot: MADV_PAGEOUT and back, then memory pressure.
            Boot("reclaim-user", "user", program="vm_swap_test", memory="48M",
                 qemu=SCRATCH_DISK_512M, tests=(
                     Test("swap_pageout_and_back", 10, "pageout_and_back"),
                     Test("swap_shared_with_child", 5, "shared_with_child"),
                     Test("swap_softdirty_survives", 5, "softdirty_survives_swap"),
                     Test("reclaim_fill_more_than_ram", 15, "fill_more_than_ram",
                          timeout=240.0),
                     Test("swapoff_brings_pages_back", 5, "swapoff_brings_pages_back",
                          timeout=60.0),
                 )),
        )),
    Lab("populate", 9, "MADV_POPULATE_READ/WRITE: prefault a range, Linux's errors",
        files=("user/tests/vm_populate_test.c", "user/tests/vm_swap_test.c",
               "mm/tests/swap_ktest.c"),
        boots=(
            # What each advice prefaults, and every errno of Linux's
            # madvise_populate().
            Boot("populate-user", "user", program="vm_populate_test", tests=(
                Test("populate_args_and_empty_ranges", 10, "args_and_empty_ranges"),
                Test("populate_read_maps_zero_page", 10, "read_anon_maps_zero_page"),
                Test("populate_write_allocates", 10, "write_anon_allocates"),
                Test("populate_permissions_einval", 10, "permissions_einval"),
                Test("populate_hole_and_mixed_range", 15, "hole_and_mixed_range"),
                Test("populate_beyond_eof_efault", 10, "beyond_eof_efault"),
                Test("populate_file_mappings", 5, "file_mappings"),
                Test("populate_write_breaks_cow", 5, "write_breaks_cow_after_fork"),
            )),
            # 1 GiB populated on a 64 MiB machine: killed, the kernel lives.
            Boot("populate-64M", "user", program="vm_populate_test", memory="64M", tests=(
                Test("populate_killed_beyond_ram", 5, "kill9_populate_write_beyond_ram",
                     timeout=120.0),
            )),
            # Pages on swap read back with the mmap lock dropped: through
            # MADV_POPULATE from user space, and the shared loop in the kernel.
            Boot("populate-swap", "user", program="vm_swap_test", memory="48M",
                 qemu=SCRATCH_DISK_512M, tests=(
                     Test("populate_swapped_pages", 15, "populate_swapped_pages",
                          timeout=60.0),
                 )),
            Boot("populate-ktest", "ktest", qemu=SCRATCH_DISK_64M, tests=(
                Test("populate_swapin_unlocked", 5, "populate_swapin_unlocked"),
            )),
        )),
    Lab("secretmem", 10, "memfd_secret and the direct map",
        files=("mm/tests/secretmem_ktest.c", "arch/x86_64/tests/paging_ktest.c",
               "user/tests/vm_secret_test.c"),
        boots=(
            # The direct-map surgery itself (a 2 MiB page split, a frame
            # out and back in) and secretmem's pages: out of the map while
            # they exist, back in (zeroed) when freed.
            Boot("secretmem-ktest", "ktest", tests=(
                Test("secret_page_leaves_direct_map", 20, "secretmem_page_leaves_direct_map"),
                Test("secret_fault_and_gup", 15, "secretmem_fault_and_gup"),
                Test("dmap_split_2m", 20, "dmap_split_2m"),
                Test("dmap_invalid_pfn", 5, "dmap_invalid_pfn"),
            )),
            # memfd_secret from user space, its pages out of the direct map:
            # Pagoda's rmap view names them secret, and everything a
            # process does with them still works.
            Boot("secretmem-user", "user", program="vm_secret_test", tests=(
                Test("secret_direct_map_and_frames", 15, "direct_map_and_frames"),
                Test("secret_shared_with_child", 5, "shared_with_child"),
                Test("secret_sigbus_beyond_eof", 5, "sigbus_beyond_eof"),
                Test("secret_remote_access_refused", 5, "remote_access_refused"),
                Test("secret_ptrace_peek_refused", 5, "ptrace_peek_refused"),
                Test("secret_memlock_limit", 5, "memlock_limit"),
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
