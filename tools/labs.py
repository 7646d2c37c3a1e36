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
