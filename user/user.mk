# user/user.mk - build Pagoda's user programs and the initramfs that
# carries them.  Included by the top-level Makefile; also usable alone:
#
#	make -f user/user.mk [B=build]		programs + initramfs
#	make -f user/user.mk user-host-tests	run the ABI tests on this host
#
# Every program is ordinary POSIX C linked statically against musl
# (musl-gcc), so the same binaries run on Linux and on Pagoda; the tests
# are proven against the Linux host before they judge Pagoda.
#
#   user/init.c          -> /sbin/init
#   user/sh.c            -> /bin/sh
#   user/bin/<name>.c    -> /bin/<name>
#   user/tests/<name>.c  -> /tests/<name>   (runall is the driver)
#   user/tests/<name>.sh -> /tests/<name>.sh (scripts for sh, mode 0644)
#   user/bench/<name>.c  -> /bench/<name>   (benchmarks, see mmbench.c)
#   user/tests/fuzz/*.{c,S} -> /fuzz/fuzz   (the system-call fuzzer: not in
#                           /tests, so neither runall nor the host pass runs it)
#   user/net/<name>.c    -> /net/<name>     (guest side of the host-driven
#                           network tests, tests/netcheck.py; not in /tests either)
#
# The initramfs ($(INITRAMFS)) is cpio "newc", built reproducibly by
# tools/mkinitramfs.sh from the staging tree $(B)/user/rootfs.  Pass
# EXTRA_INITRD=<dir> to lay the files under <dir> over it.
#
# Exports: INITRAMFS, USER_TEST_BINS (the test programs, without the
# runner), USER_TEST_RUNNER, USER_BENCH_BINS, USER_FUZZ, USER_NET_BINS.  Targets: user, initramfs, user-host-tests.

B ?= build
# Fallbacks for the quiet-build helpers when used without the top Makefile.
ifndef say
ifeq ($(V),1)
Q ?=
say = @true
else
Q ?= @
say = @echo "  $(1)	$(2)"
endif
endif

USER_CC     ?= musl-gcc
USER_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror
USER_MOTD   ?= Welcome to Pagoda$(if $(VERSION), $(VERSION)). Try ls /bin, ps, free, or runall.

USER_OUT     := $(B)/user
USER_ROOT    := $(USER_OUT)/rootfs
USER_PROGS   := $(patsubst user/bin/%.c,$(USER_OUT)/bin/%,$(wildcard user/bin/*.c))
USER_BINS    := $(USER_OUT)/init $(USER_OUT)/sh $(USER_PROGS)
USER_TEST_RUNNER := $(USER_OUT)/tests/runall
USER_TEST_BINS := $(filter-out $(USER_TEST_RUNNER), \
	$(patsubst user/tests/%.c,$(USER_OUT)/tests/%,$(wildcard user/tests/*.c)))
# Tests written ahead of the kernel (threads, futexes, SMP, AF_INET
# sockets): built, and run on this host by runall like every test, but
# left out of the initramfs, so that no Pagoda boot runs them yet. Every
# program in the image's /tests is run by runall in the boots
# (tests/harness.py "user", and make check's fail-injection boot): drop a
# name from this list once Pagoda passes it.
USER_TEST_PENDING :=
USER_TEST_BOOT_BINS := $(filter-out $(USER_TEST_PENDING),$(USER_TEST_BINS))
# Shell scripts the tests run with sh (not executables: runall skips them).
USER_TEST_SCRIPTS := $(wildcard user/tests/*.sh)
# Benchmarks: like the tests, they also run on Linux (tools/linux-qemu-run).
USER_BENCH_BINS := $(patsubst user/bench/%.c,$(USER_OUT)/bench/%,$(wildcard user/bench/*.c))
# The fuzzer: several sources, one program, its own directory.
USER_FUZZ    := $(USER_OUT)/fuzz/fuzz
USER_FUZZ_SRCS := $(wildcard user/tests/fuzz/*.c user/tests/fuzz/*.S)
# The guest side of the network tests run from the host (tests/netcheck.py).
USER_NET_BINS := $(patsubst user/net/%.c,$(USER_OUT)/net/%,$(wildcard user/net/*.c))
INITRAMFS    := $(B)/initramfs.cpio

# EXTRA_INITRD's files are prerequisites; its name is recorded so that
# changing (or dropping) it rebuilds the archive.
USER_EXTRA_FILES := $(if $(EXTRA_INITRD),$(shell find $(EXTRA_INITRD) 2>/dev/null))

# Remember whether a default goal was already chosen: see the end.
USER_GOAL_BEFORE := $(.DEFAULT_GOAL)

.PHONY: user initramfs user-all user-host-tests user-force
user: $(USER_BINS) $(USER_TEST_BINS) $(USER_TEST_RUNNER) $(USER_BENCH_BINS) $(USER_FUZZ) \
	$(USER_NET_BINS)
initramfs: $(INITRAMFS)
user-all: user initramfs

# One rule for every program: user/<path>.c -> $(B)/user/<path>.
$(USER_OUT)/%: user/%.c
	@mkdir -p $(dir $@)
	$(call say,UCC,$<)
	$(Q)$(USER_CC) $(USER_CFLAGS) -MMD -MP -MT $@ -MF $@.d $< -o $@

# pie_test is a static PIE (ET_DYN, no interpreter). musl-gcc's specs
# link PIEs with Scrt1.o, which does not relocate a static program, so link
# by hand with musl's rcrt1.o (self-relocating start code) and libc.a.
MUSL_LIB := /usr/lib/x86_64-linux-musl
$(USER_OUT)/tests/pie_test: user/tests/pie_test.c
	@mkdir -p $(dir $@)
	$(call say,UCC,$< (static-pie))
	$(Q)$(USER_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIE -MMD -MP -MT $@ -MF $@.d \
		-c $< -o $@.o
	$(Q)gcc -static-pie -nostdlib -o $@ $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o $@.o \
		$(MUSL_LIB)/libc.a $$(gcc -print-libgcc-file-name) $(MUSL_LIB)/crtn.o

$(USER_FUZZ): $(USER_FUZZ_SRCS) user/tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	$(call say,UCC,user/tests/fuzz (fuzzer))
	$(Q)$(USER_CC) $(USER_CFLAGS) $(USER_FUZZ_SRCS) -o $@

$(USER_OUT)/extra-initrd.txt: user-force
	@mkdir -p $(dir $@)
	@echo '$(EXTRA_INITRD)' | cmp -s - $@ || echo '$(EXTRA_INITRD)' > $@

$(INITRAMFS): $(USER_BINS) $(USER_TEST_BINS) $(USER_TEST_RUNNER) $(USER_TEST_SCRIPTS) \
		$(USER_BENCH_BINS) $(USER_FUZZ) $(USER_NET_BINS) \
		tools/mkinitramfs.sh user/user.mk $(USER_OUT)/extra-initrd.txt \
		user/etc/hosts user/etc/resolv.conf \
		$(USER_EXTRA_FILES)
	$(call say,CPIO,$@)
	$(Q)rm -rf $(USER_ROOT)
	$(Q)install -d -m 0755 $(USER_ROOT) $(USER_ROOT)/sbin $(USER_ROOT)/bin \
		$(USER_ROOT)/tests $(USER_ROOT)/bench $(USER_ROOT)/fuzz $(USER_ROOT)/net $(USER_ROOT)/dev $(USER_ROOT)/proc $(USER_ROOT)/sys \
		$(USER_ROOT)/etc
	$(Q)install -d -m 1777 $(USER_ROOT)/tmp
	$(Q)install -m 0755 $(USER_OUT)/init $(USER_ROOT)/sbin/init
	$(Q)install -m 0755 $(USER_OUT)/sh $(USER_PROGS) $(USER_ROOT)/bin/
	$(Q)install -m 0755 $(USER_TEST_BOOT_BINS) $(USER_TEST_RUNNER) $(USER_ROOT)/tests/
	$(Q)install -m 0644 $(USER_TEST_SCRIPTS) $(USER_ROOT)/tests/
	$(if $(USER_BENCH_BINS),$(Q)install -m 0755 $(USER_BENCH_BINS) $(USER_ROOT)/bench/)
	$(Q)install -m 0755 $(USER_FUZZ) $(USER_ROOT)/fuzz/
	$(Q)install -m 0755 $(USER_NET_BINS) $(USER_ROOT)/net/
	$(Q)echo '$(USER_MOTD)' > $(USER_ROOT)/etc/motd
	$(Q)chmod 0644 $(USER_ROOT)/etc/motd
	$(Q)install -m 0644 user/etc/hosts user/etc/resolv.conf $(USER_ROOT)/etc/
	$(Q)tools/mkinitramfs.sh $@ $(USER_ROOT) $(EXTRA_INITRD)

# The ABI tests on this Linux host: they must all pass here first.
user-host-tests: $(USER_TEST_BINS) $(USER_TEST_RUNNER)
	$(USER_TEST_RUNNER) $(USER_OUT)/tests

-include $(wildcard $(USER_OUT)/*.d $(USER_OUT)/*/*.d)

# Alone, "make -f user/user.mk" builds everything.  Included before any
# target of the includer, clear the goal again so the includer's first
# target (its "all") stays the default rather than our "user".
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),user.mk)
.DEFAULT_GOAL := user-all
else ifeq ($(USER_GOAL_BEFORE),)
.DEFAULT_GOAL :=
endif
