# Pagoda - top-level Makefile: the one entry point.
#
#   make            build build/pagoda.elf and build/pagoda.iso
#   make run        build and boot in QEMU (serial on this terminal)
#                   NOGRAPHIC=1: serial only; ACCEL=kvm: use KVM; MEM=512M;
#                   a NIC on QEMU's user network, the host's 127.0.0.1:8080
#                   forwarded to the guest's port 80 (NIC=, HTTP_PORT=, RESTRICT=)
#   make check      host unit tests + in-kernel tests booted several ways
#   make qemu-gdb   boot halted with a gdb stub on :1234 (GDBPORT=n), see
#                   tools/gdbinit; its pagoda-* commands: docs/debugging.md
#   make iso KCMDLINE='...'   set the kernel command line of the image
#   make bench      compare Pagoda with Linux 6.1 (tools/bench): both boot
#                   user/bench/mmbench as init in the same QEMU machine, 5 runs
#                   each, interleaved, then a bisection of the smallest -m each
#                   needs; report in build/bench/report.md (.json, .svg).
#                   QUICK=1: 2+2 runs of mmbench --quick and a coarse (8 MiB)
#                   bisection.  ACCEL=kvm as for run; BENCH_ARGS='...' overrides
#                   mmbench's arguments (default --size 64); BASELINE=ISO also
#                   runs an older Pagoda bench image, interleaved, and reports
#                   before/after (tools/bench --baseline).  Each round also
#                   boots both kernels with -smp 4 for mmbench's threaded
#                   metrics (mmbench --smp: fault and munmap with 1 and 4
#                   threads; image build/benchsmp); SMP=0 skips those boots.
#                   Each round also boots both kernels with a virtio NIC on
#                   QEMU's user network for user/bench/netbench (TCP
#                   host->guest and guest->host MB/s, connections/s, against
#                   tools/netbench-peer through hostfwd on 127.0.0.1; image
#                   build/benchnet; NET_ARGS, default --size 64); NET=0
#                   skips those boots, ONLY=net runs only them (ONLY=mm:
#                   all but them).
#                   PROFILE=SHIFT boots Pagoda's bench images with the tick
#                   profiler (profile=SHIFT, kernel/profile.h) and mmbench
#                   --profile: PROFILE lines per metric in build/bench/raw.
#   make linux-selftests
#                   Linux 6.12's mm selftests and epoll_wakeup_test (from
#                   Debian's linux-source-6.12, fetched once, ~150 MB)
#                   booted one per boot on Pagoda and
#                   on Linux 6.1 side by side (tools/linux-selftests); table in
#                   build/linux-selftests/report.md.  make check runs the ones
#                   listed in tests/linux-selftests.pass on Pagoda.
#   make fuzz SEED=n CALLS=n [WORKERS=4 TIMEOUT=2 ONLY=k TRACE=1|S.G VERBOSE=1]
#                   boot the system-call fuzzer (user/tests/fuzz) as pid 1 with
#                   these arguments, judged like make check's fuzz boot (no
#                   panic, soft lockup, kernel warning or frame leak); prints
#                   the FUZZ lines. ONLY=k runs worker slot k alone, TRACE=1
#                   logs every call (together: replay a panic), TRACE=S.G
#                   only the calls of worker slot S, generation G; logs in
#                   build/fuzzrun/logs.
#   make lab LAB=name
#                   the student tree of a coursework lab (tools/mklab,
#                   docs/labs/README.md): build/labs/LAB/, a git repository
#                   with one commit, that lab's and later labs' code stubbed.
#   make grade [LAB=name] [STUDENT=dir]
#                   build, boot the lab's graded tests, print one line per
#                   test and Score: N/M; build/grade/results.json in
#                   Gradescope's layout (tools/grade). In a student tree LAB
#                   defaults to its lab; STUDENT=dir grades a copy of dir
#                   with this tree's reference tests copied over it.
#   make clean
#
# Sources are found per directory (ARCH_SRCS, KERNEL_SRCS, MM_SRCS, ...);
# a new .c or .S file in one of these directories is built automatically.
# The first build of the kernel fetches lwIP (Debian's lwip source package)
# into build/lwip with tools/fetch-lwip.sh (as root; see LWIP_FILES).

ARCH    := x86_64
A       := arch/$(ARCH)
B       := build
CC      := gcc
LD      := ld
HOSTCC  := gcc
PYTHON  := python3
VERSION := 0.1.0

KCMDLINE      ?=
# Every image make check boots turns a soft lockup (a task stuck in the
# kernel for 10 s, kernel/watchdog.c) into a panic - a hang becomes a
# failure with a backtrace instead of a timeout - and runs with the debug
# allocator (poisoned free memory, slab redzones, free tracking, leak scan:
# mm/debug_alloc.c). Not make run's image nor the bench images.
# make check DEBUG_KCMDLINE= boots the same images without the allocator.
DEBUG_KCMDLINE ?= debug_alloc=1
# Every image make check boots, the bench smoke image included, also arms
# the sleep-in-atomic checker: a might_sleep() with a spinlock held, in an
# interrupt handler or with interrupts off is a BUG report and a panic
# (kernel/might_sleep.h). It costs a load and a branch per might_sleep().
SLEEPCHECK_KCMDLINE := debug_atomic_sleep=1
CHECK_KCMDLINE := $(DEBUG_KCMDLINE) $(SLEEPCHECK_KCMDLINE) softlockup_panic=1 debugexit
TEST_KCMDLINE := ktest=all $(CHECK_KCMDLINE)
# Images the harness boots to see a panic, a soft-lockup panic, a
# sleep-in-atomic panic, a power-off and a reset.
PANIC_KCMDLINE      := ktest=fault_selftest $(CHECK_KCMDLINE)
SOFTLOCKUP_KCMDLINE := softlockup=2 ktest=softlockup_spin $(CHECK_KCMDLINE)
# ...and one that sleeps under a spinlock: the checker's report, then a panic.
SLEEPBUG_KCMDLINE   := ktest=might_sleep_report_panics $(CHECK_KCMDLINE)
POWEROFF_KCMDLINE   := ktest=acpi_tables after_tests=poweroff $(CHECK_KCMDLINE)
RESET_KCMDLINE      := ktest=acpi_tables after_tests=reboot $(CHECK_KCMDLINE)
# User-level tests: pid 1 is the test runner, a fork storm, or a shell script.
USER_KCMDLINE     := init=/tests/runall $(CHECK_KCMDLINE)
FORK200_KCMDLINE  := init=/tests/fork200 $(CHECK_KCMDLINE)
SHELL_KCMDLINE    := init=/bin/sh $(CHECK_KCMDLINE) -- /tests/pipeline.sh
SWAP_KCMDLINE     := init=/tests/vm_swap_test $(CHECK_KCMDLINE) -- fill
# A 1 GiB MADV_POPULATE_WRITE killed on a 64 MiB machine (harness: populate-64M).
POPULATE64_KCMDLINE := init=/tests/vm_populate_test $(CHECK_KCMDLINE) -- small-machine
# execve with 127 KiB of arguments in fragmented memory, 128 MiB (harness: exec-128M).
EXEC128_KCMDLINE  := init=/tests/exec_args_test $(CHECK_KCMDLINE) -- fragment
# The user tests again with 1 % of their allocations failed on purpose
# (mm/fail_alloc.h): judged on the kernel surviving and leaking nothing.
FAILINJ_KCMDLINE  := init=/tests/runall fail_alloc=1 $(CHECK_KCMDLINE) -- --fail-inject
# The network tests driven from the host (tests/netcheck.py; harness boots
# net-*): /net/nettest as pid 1 serves HTTP, UDP echo and a control port
# on QEMU's user network (DHCP); two guests joined by QEMU's socket
# network, static addresses, pass 64 MiB over TCP.
NET_KCMDLINE      := init=/net/nettest $(CHECK_KCMDLINE) -- serve
NETPAIR1_KCMDLINE := ip=192.168.77.1/24:192.168.77.2 init=/net/nettest $(CHECK_KCMDLINE) \
	-- pair-recv 192.168.77.1 5001
NETPAIR2_KCMDLINE := ip=192.168.77.2/24:192.168.77.1 init=/net/nettest $(CHECK_KCMDLINE) \
	-- pair-send 192.168.77.1 5001 67108864
# The gdb commands (tools/gdb/pagoda.py) against a live guest: pid 1 is
# /bin/gdbdemo, which maps known pages, forks and waits for gdb to let it
# go (harness boot gdb, driven by tests/gdbcheck.py); 150 s is its own
# limit, should gdb never come.
GDB_KCMDLINE      := init=/bin/gdbdemo $(CHECK_KCMDLINE) -- --timeout 150
# The system-call fuzzer as pid 1: make check's bounded run (fixed seed),
# and make fuzz's, whose arguments come from the command line.
FUZZ_KCMDLINE     := init=/fuzz/fuzz $(CHECK_KCMDLINE) -- --seed 1 --calls 25000 --workers 4 --timeout 2
SEED    ?= 1
CALLS   ?= 20000
WORKERS ?= 4
TIMEOUT ?= 2
FUZZRUN_KCMDLINE  := init=/fuzz/fuzz $(CHECK_KCMDLINE) $(KARGS) -- --seed $(SEED) --calls $(CALLS) \
	--workers $(WORKERS) --timeout $(TIMEOUT) $(if $(ONLY),--only $(ONLY)) \
	$(if $(TRACE),$(if $(findstring .,$(TRACE)),--trace-worker $(TRACE),--trace)) \
	$(if $(VERBOSE),--verbose)
# Benchmarks: pid 1 is /bench/mmbench (or netbench), which powers off when done.  The
# smoke image (quick mode) is booted by make check and by tools/bench's
# minimal-memory bisection; the bench image carries BENCH_ARGS.
BENCH_ARGS          ?= $(if $(QUICK),--quick,--size 64)
BENCH_PROFILE       := $(if $(PROFILE),profile=$(PROFILE))
BENCH_KCMDLINE      := $(strip lockcheck=off $(BENCH_PROFILE) init=/bench/mmbench -- $(BENCH_ARGS) $(if $(PROFILE),--profile))
BENCHSMP_KCMDLINE   := $(strip lockcheck=off $(BENCH_PROFILE) init=/bench/mmbench -- $(BENCH_ARGS) --smp $(if $(PROFILE),--profile))
BENCHSMOKE_KCMDLINE := lockcheck=off $(SLEEPCHECK_KCMDLINE) init=/bench/mmbench -- --quick
# ...and the network boots: pid 1 is /bench/netbench (user/bench/netbench.c).
# make check's bench-net-smoke boots it quick with make check's checks (not
# debugexit: netbench powers off, and that must be a clean exit),
# against tools/netbench-peer (tests/harness.py).
NET_ARGS            ?= $(if $(QUICK),--quick,--size 64)
BENCHNET_KCMDLINE   := $(strip lockcheck=off $(BENCH_PROFILE) init=/bench/netbench -- $(NET_ARGS) $(if $(PROFILE),--profile))
BENCHNETSMOKE_KCMDLINE := init=/bench/netbench $(DEBUG_KCMDLINE) $(SLEEPCHECK_KCMDLINE) softlockup_panic=1 -- --quick

# Kernel flags: freestanding, no SSE/x87 (interrupts do not save it),
# no red zone (interrupts push onto the kernel stack), top-2-GiB code model.
KCFLAGS := -std=gnu11 -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=kernel \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-O2 -g -Wall -Wextra -Wno-unused-parameter -Werror \
	-I. -I$(A)/include -DPAGODA_VERSION=\"$(VERSION)\" -MMD -MP
KASFLAGS := -I. -I$(A)/include -MMD -MP -g
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker.ld

# Quiet build lines ("  CC file"); make V=1 shows full commands.
ifeq ($(V),1)
Q :=
say :=@true
else
Q := @
say = @echo "  $(1)	$(2)"
endif

ARCH_SRCS   := $(wildcard $(A)/*.c $(A)/*.S $(A)/tests/*.c)
KERNEL_SRCS := $(wildcard kernel/*.c kernel/lib/*.c kernel/fs/*.c kernel/drivers/*.c kernel/net/*.c kernel/tests/*.c)
MM_SRCS     := $(wildcard mm/*.c mm/tests/*.c)
KSRCS       := $(ARCH_SRCS) $(KERNEL_SRCS) $(MM_SRCS)

# lwIP (kernel/net/lwip/lwipopts.h): Debian's lwip source package, fetched
# and unpacked into build/lwip by tools/fetch-lwip.sh the first time a
# build needs it (the stamp), never committed. The files are named, not
# found by wildcard, as they do not exist before the fetch. Pagoda's port
# (kernel/net/lwip/*.c) and the tests that call lwIP (kernel/net/tests/)
# build with the kernel's flags plus lwIP's include paths; lwIP's own
# files with the same flags but -Werror (a new compiler's new warning in
# third-party code must not break the build; with GCC 12 there is none)
# and freestanding: -nostdinc, so no header of the host's C library can
# slip in (kernel/net/lwip/compat/ stands in for the two lwIP includes).
LWIP_DIR    := $(B)/lwip
LWIP_STAMP  := $(LWIP_DIR)/.fetched
LWIP_FILES  := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c \
	core/mem.c core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c \
	core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
	api/api_lib.c api/api_msg.c api/err.c api/netbuf.c api/tcpip.c \
	netif/ethernet.c
LWIP_SRCS   := $(addprefix $(LWIP_DIR)/src/,$(LWIP_FILES))
LWIP_OBJS   := $(patsubst $(LWIP_DIR)/src/%.c,$(B)/k/lwip/%.c.o,$(LWIP_SRCS))
LWIP_INC    := -Ikernel/net/lwip -I$(LWIP_DIR)/src/include -Ikernel/net/lwip/compat
LWIP_CFLAGS := $(filter-out -Werror,$(KCFLAGS)) -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) $(LWIP_INC)
LWIP_GLUE_SRCS := $(wildcard kernel/net/lwip/*.c kernel/net/inet/*.c kernel/net/tests/*.c)
LWIP_GLUE_OBJS := $(patsubst %,$(B)/k/%.o,$(LWIP_GLUE_SRCS))

KOBJS       := $(patsubst %,$(B)/k/%.o,$(KSRCS) $(LWIP_GLUE_SRCS)) $(LWIP_OBJS)

# Every header must compile on its own (STYLE.md: self-contained headers).
HEADERS     := $(wildcard kernel/*.h kernel/lib/*.h kernel/fs/*.h kernel/drivers/*.h kernel/net/*.h kernel/net/inet/*.h mm/*.h $(A)/include/arch/*.h)
HDRCHECKS   := $(patsubst %,$(B)/hdr/%.o,$(HEADERS))

# The userland (user/user.mk): static musl programs packed into
# $(INITRAMFS), which GRUB loads as a multiboot2 module.
include user/user.mk

ELF := $(B)/pagoda.elf
ISO := $(B)/pagoda.iso
TEST_ISO := $(B)/test/pagoda.iso
EXTRA_ISOS := $(B)/panic/pagoda.iso $(B)/softlockup/pagoda.iso $(B)/sleepbug/pagoda.iso \
	$(B)/poweroff/pagoda.iso $(B)/reset/pagoda.iso $(B)/utest/pagoda.iso \
	$(B)/fork200/pagoda.iso $(B)/shell/pagoda.iso $(B)/benchsmoke/pagoda.iso \
	$(B)/benchnetsmoke/pagoda.iso \
	$(B)/swap/pagoda.iso $(B)/failinj/pagoda.iso \
	$(B)/fuzz/pagoda.iso $(B)/populate64/pagoda.iso $(B)/exec128/pagoda.iso \
	$(B)/net/pagoda.iso $(B)/netpair1/pagoda.iso $(B)/netpair2/pagoda.iso \
	$(B)/gdb/pagoda.iso
BENCH_ISO := $(B)/bench/pagoda.iso
BENCHSMP_ISO := $(B)/benchsmp/pagoda.iso
BENCHNET_ISO := $(B)/benchnet/pagoda.iso

.PHONY: all iso run check fuzz bench linux-selftests qemu-gdb clean deps host-tests lab grade FORCE
all: $(ELF) $(ISO)
iso: $(ISO)

deps:
	@tools/install-deps.sh --check || tools/install-deps.sh

$(B)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@
$(LWIP_STAMP): tools/fetch-lwip.sh tools/apt-source.sh
	$(call say,FETCH,lwIP into $(LWIP_DIR))
	$(Q)tools/fetch-lwip.sh
	@touch $@
# The sources appear with the stamp (no recipe: the fetch made them).
$(LWIP_SRCS): | $(LWIP_STAMP)
$(B)/k/lwip/%.c.o: $(LWIP_DIR)/src/%.c | $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(LWIP_CFLAGS) -c $< -o $@
# err.c's err_to_errno() table: Linux's numbers (compat/pagoda_errno.h).
$(B)/k/lwip/api/err.c.o: LWIP_CFLAGS += -idirafter /usr/include
$(LWIP_GLUE_OBJS): KCFLAGS += $(LWIP_INC)
$(LWIP_GLUE_OBJS): | $(LWIP_STAMP)

$(B)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Generated headers (from the UAPI headers of linux-libc-dev).
$(B)/gen/syscall_names.h: tools/gen-syscall-names.sh
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)tools/gen-syscall-names.sh > $@
$(B)/k/kernel/syscall.c.o: $(B)/gen/syscall_names.h

$(B)/hdr/%.h.o: %.h
	@mkdir -p $(dir $@)
	$(call say,HDR,$<)
	$(Q)$(CC) $(KCFLAGS) -x c -c $< -o $@

# Two-pass link: the first image yields the symbol table that the second
# one embeds (.ksyms sits last in .rodata, so text addresses do not move).
$(B)/ksyms0.S:
	@mkdir -p $(B)
	$(Q)tools/gen-ksyms.sh > $@
$(B)/pagoda.pass1.elf: $(KOBJS) $(B)/ksyms0.o linker.ld $(HDRCHECKS)
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(B)/ksyms0.o
$(B)/ksyms.S: $(B)/pagoda.pass1.elf tools/gen-ksyms.sh
	$(Q)tools/gen-ksyms.sh $< > $@
$(B)/%.o: $(B)/%.S
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@
$(ELF): $(B)/pagoda.pass1.elf $(B)/ksyms.o
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(B)/ksyms.o
	@tools/check-image.sh $@

# The ISO: GRUB (BIOS + UEFI) with the kernel and a grub.cfg carrying the
# command line. The command line is recorded so changing it rebuilds.
$(B)/%/cmdline.txt: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CMDLINE_FOR_$*)' | cmp -s - $@ || echo '$(CMDLINE_FOR_$*)' > $@
CMDLINE_FOR_iso := $(KCMDLINE)
CMDLINE_FOR_test := $(TEST_KCMDLINE)
CMDLINE_FOR_panic := $(PANIC_KCMDLINE)
CMDLINE_FOR_softlockup := $(SOFTLOCKUP_KCMDLINE)
CMDLINE_FOR_sleepbug := $(SLEEPBUG_KCMDLINE)
CMDLINE_FOR_poweroff := $(POWEROFF_KCMDLINE)
CMDLINE_FOR_reset := $(RESET_KCMDLINE)
CMDLINE_FOR_utest := $(USER_KCMDLINE)
CMDLINE_FOR_fork200 := $(FORK200_KCMDLINE)
CMDLINE_FOR_shell := $(SHELL_KCMDLINE)
CMDLINE_FOR_swap := $(SWAP_KCMDLINE)
CMDLINE_FOR_populate64 := $(POPULATE64_KCMDLINE)
CMDLINE_FOR_exec128 := $(EXEC128_KCMDLINE)
CMDLINE_FOR_failinj := $(FAILINJ_KCMDLINE)
CMDLINE_FOR_fuzz := $(FUZZ_KCMDLINE)
CMDLINE_FOR_net := $(NET_KCMDLINE)
CMDLINE_FOR_netpair1 := $(NETPAIR1_KCMDLINE)
CMDLINE_FOR_netpair2 := $(NETPAIR2_KCMDLINE)
CMDLINE_FOR_gdb := $(GDB_KCMDLINE)
CMDLINE_FOR_fuzzrun := $(FUZZRUN_KCMDLINE)
CMDLINE_FOR_bench := $(BENCH_KCMDLINE)
CMDLINE_FOR_benchsmoke := $(BENCHSMOKE_KCMDLINE)
CMDLINE_FOR_benchnetsmoke := $(BENCHNETSMOKE_KCMDLINE)
CMDLINE_FOR_benchsmp := $(BENCHSMP_KCMDLINE)
CMDLINE_FOR_benchnet := $(BENCHNET_KCMDLINE)
# make grade's images, build/grade/img/<boot>/pagoda.iso: tools/grade
# passes each command line as CMDLINE_FOR_grade/img/<boot>=... .

define make-iso
	@rm -rf $(2) && mkdir -p $(2)/boot/grub
	$(call say,ISO,$(1))
	$(Q)cp $(ELF) $(2)/boot/pagoda.elf
	$(Q)cp $(INITRAMFS) $(2)/boot/initramfs.cpio
	$(Q)sed "s|@KCMDLINE@|$$(cat $(3))|" iso/grub.cfg > $(2)/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $(1) $(2) 2>$(B)/grub-mkrescue.log || { cat $(B)/grub-mkrescue.log; exit 1; }
endef

$(ISO): $(ELF) $(INITRAMFS) iso/grub.cfg $(B)/iso/cmdline.txt
	$(call make-iso,$@,$(B)/iso/root,$(B)/iso/cmdline.txt)
$(B)/%/pagoda.iso: $(ELF) $(INITRAMFS) iso/grub.cfg $(B)/%/cmdline.txt
	$(call make-iso,$@,$(B)/$*/root,$(B)/$*/cmdline.txt)

QEMU      := qemu-system-x86_64
ACCEL     ?= tcg
MEM       ?= 512M
QEMU_BASE := -machine q35 -cpu max -m $(MEM) -accel $(ACCEL) -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
ifeq ($(NOGRAPHIC),1)
QEMU_DISPLAY := -nographic
else
QEMU_DISPLAY := $(if $(DISPLAY)$(WAYLAND_DISPLAY),-serial stdio,-nographic)
endif

# make run's network: a NIC (NIC=e1000 etc. picks the model) on QEMU's
# user network, which gives the guest 10.0.2.15 by DHCP; the host's
# 127.0.0.1:$(HTTP_PORT) is forwarded to the guest's port 80 (start httpd
# in the guest, then curl http://127.0.0.1:8080/ here). restrict=on keeps
# the guest from reaching anything else; RESTRICT=off lets it reach
# services of this host as 10.0.2.2.
NIC       ?= virtio-net-pci
HTTP_PORT ?= 8080
RESTRICT  ?= on
QEMU_NET  := -netdev user,id=n0,restrict=$(RESTRICT),hostfwd=tcp:127.0.0.1:$(HTTP_PORT)-:80 \
	-device $(NIC),netdev=n0

run: deps $(ISO)
	$(QEMU) $(QEMU_BASE) -cdrom $(ISO) $(QEMU_DISPLAY) $(QEMU_NET)

# GDBPORT=n: the stub on another port (several users of one machine).
GDBPORT ?= 1234
qemu-gdb: deps $(ISO)
	@echo "QEMU is halted with a gdb stub on localhost:$(GDBPORT). In another terminal:"
	@echo "    $(if $(filter-out 1234,$(GDBPORT)),PAGODA_GDB_PORT=$(GDBPORT) )gdb -x tools/gdbinit"
	$(QEMU) $(QEMU_BASE) -cdrom $(ISO) $(QEMU_DISPLAY) -gdb tcp::$(GDBPORT) -S

# Host unit tests: real kernel/lib and mm sources built for the host with
# sanitizers (tests/host/<module>_test.c includes what it tests).
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Werror -I. -I$(A)/include \
	-fsanitize=address,undefined -fno-sanitize-recover=all
HOST_TESTS  := $(patsubst tests/host/%.c,$(B)/host/%,$(wildcard tests/host/*_test.c))
$(B)/host/%: tests/host/%.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -MMD -MP $< -o $@
host-tests: $(HOST_TESTS)

# The user test programs also run directly on this Linux host
# (tests/user-tests-on-linux): that proves each test itself is right; so
# do the network tools of user/bin (tests/net-tools-on-linux: httpd, wget,
# nc, ping, ifconfig over 127.0.0.1, sha256sum against the host's, and the
# helper commands of user/net/nettest). The net-* boots are driven from
# the host (tests/netcheck.py: the harness's host actions).
# The must-pass Linux selftests (tests/linux-selftests.pass) are a suite:
# tests/linux-selftests-on-pagoda builds them (cached) and boots each on
# Pagoda from $(ELF) and the userland in $(INITRAMFS)'s staging tree.
# The coursework labs check themselves: tests/labs-selftest (tools/mklab,
# tools/grade's results.json) and the suite tests/labs-check (each lab's
# reference scores full marks; its student tree builds, boots to a shell
# and scores less), which a student tree (.pagoda-lab) leaves out.
check: deps $(TEST_ISO) $(EXTRA_ISOS) $(HOST_TESTS) $(USER_TEST_BINS) $(USER_TEST_RUNNER) \
		$(USER_PROGS) $(USER_NET_BINS)
	PAGODA_EXTRA_KCMDLINE='$(DEBUG_KCMDLINE) $(SLEEPCHECK_KCMDLINE)' \
		$(PYTHON) tests/harness.py --iso $(TEST_ISO) --log-dir $(B)/test/logs \
		$(foreach i,$(EXTRA_ISOS),--image $(notdir $(patsubst %/,%,$(dir $(i))))=$(i)) \
		--accel $(ACCEL) $(if $(DEBUG_KCMDLINE),--debug-alloc) --atomic-sleep \
		$(addprefix --host-test ,$(HOST_TESTS) tests/harness-selftest \
		tests/user-tests-on-linux tests/net-tools-on-linux tests/labs-selftest) \
		--suite tests/linux-selftests-on-pagoda $(if $(wildcard .pagoda-lab),,tests/labs-check)

# A longer fuzzer run: make check's fuzz boot with SEED, CALLS, ... (see
# the top). The time limit grows with CALLS (TCG makes about 100 calls/s
# at worst); the FUZZ lines are printed whatever the verdict.
FUZZ_LIMIT = $(shell echo $$(( 120 + $(CALLS) / 50 )))
fuzz: deps $(B)/fuzzrun/pagoda.iso
	@rm -f $(B)/fuzzrun/logs/fuzz.serial
	@$(PYTHON) tests/harness.py --iso $(B)/fuzzrun/pagoda.iso --log-dir $(B)/fuzzrun/logs \
		--image fuzz=$(B)/fuzzrun/pagoda.iso --boot fuzz --accel $(ACCEL) \
		--timeout $(FUZZ_LIMIT); \
	status=$$?; grep -a 'FUZZ \|PANIC\|BUG:\|WARNING:' $(B)/fuzzrun/logs/fuzz.serial | \
		grep -av '^FZT ' | tail -40; exit $$status

# Coursework labs (docs/labs/README.md): the student tree of LAB as a git
# repository (tools/mklab), and grading (tools/grade) of this tree or, with
# STUDENT=dir, of a copy of a student's tree with the reference tests.
# A student tree names its lab in .pagoda-lab.
LAB ?= $(shell cat .pagoda-lab 2>/dev/null)
lab:
	@test -n "$(LAB)" || { echo "make lab LAB=name; labs: $$($(PYTHON) -c \
		'import sys; sys.path.insert(0, "tools"); import labs; print(*labs.lab_names())')"; \
		exit 2; }
	$(PYTHON) tools/mklab --git $(LAB) $(B)/labs/$(LAB)

grade: deps
	$(PYTHON) tools/grade $(LAB) $(if $(STUDENT),--student $(STUDENT)) --accel $(ACCEL)

# Linux 6.12's mm and epoll selftests on Pagoda and on Linux 6.1 (tools/linux-selftests).
linux-selftests: deps $(ELF) $(INITRAMFS)
	$(PYTHON) tools/linux-selftests run --accel $(ACCEL)

# Pagoda against Linux 6.1 in the same QEMU (tools/bench; the Linux kernel
# is fetched once into $(B)/linux-cache by tools/linux-qemu-run's code).
# Timings only: nothing here is pass/fail beyond "every run finished".
SMP ?= 4
bench: deps $(BENCH_ISO) $(BENCHSMP_ISO) $(BENCHNET_ISO) $(B)/benchsmoke/pagoda.iso $(USER_BENCH_BINS)
	$(PYTHON) tools/bench --no-build --accel $(ACCEL) --args='$(BENCH_ARGS)' \
		--iso $(BENCH_ISO) --smoke-iso $(B)/benchsmoke/pagoda.iso \
		--smp $(SMP) --smp-iso $(BENCHSMP_ISO) \
		--net-iso $(BENCHNET_ISO) --net-args='$(NET_ARGS)' \
		--netbench $(USER_OUT)/bench/netbench $(if $(filter 0,$(NET)),--no-net) \
		$(if $(ONLY),--only $(ONLY)) \
		--mmbench $(USER_OUT)/bench/mmbench --elf $(ELF) --out $(B)/bench \
		$(if $(QUICK),--quick) $(if $(BASELINE),--baseline $(BASELINE))

clean:
	rm -rf $(B)

# The recorded command lines are real files, not intermediates to delete
# (.PRECIOUS names the rule's pattern: make grade's images too).
.SECONDARY: $(patsubst %/pagoda.iso,%/cmdline.txt,$(TEST_ISO) $(EXTRA_ISOS) $(BENCH_ISO) $(BENCHSMP_ISO) $(BENCHNET_ISO) \
	$(B)/fuzzrun/pagoda.iso)
.PRECIOUS: $(B)/%/cmdline.txt

# Dependencies of this tree's objects; not of the lab trees built inside
# build/ (make lab, make grade STUDENT=, make check's labs check).
-include $(shell find $(B) \( -path $(B)/labs -o -path $(B)/labs-check -o -path $(B)/grade \) \
	-prune -o -name '*.d' -print 2>/dev/null)
