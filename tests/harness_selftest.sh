#!/bin/sh
# End-to-end check of tests/harness.py without the real kernel.
#
# Runs `harness.py --selftest` (pure logic), then builds small fake ISOs
# under a temporary directory in /tmp with grub-mkrescue.  Their grub.cfg
# speaks the kernel's serial protocol (GRUB `echo` on the serial terminal)
# and leaves QEMU through isa-debug-exit (GRUB `outb 0xf4 ...`), so every
# verdict path of the harness is exercised with real QEMU runs: pass, FAIL
# line + exit 35, PANIC, timeout, triple fault (a 20-byte multiboot kernel
# that loads an empty IDT and executes int3), guest power-off, missing
# required test, missing OVMF, missing ISO, failing host test, and killing
# the harness with SIGINT / SIGTERM / SIGKILL (no QEMU may survive).
#
# Needs: python3, qemu-system-x86_64, grub-mkrescue (+ xorriso, mtools),
# GNU as/ld for the triple-fault kernel, OVMF.  Takes about a minute.
# Usage: tests/harness_selftest.sh      (from anywhere; exit 0 = all good)
#        KEEP=1 tests/harness_selftest.sh   keeps the temporary directory

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
H="$HERE/harness.py"
T=$(mktemp -d /tmp/pagoda-harness.XXXXXX)
[ -n "${KEEP:-}" ] && echo "keeping $T" || trap 'rm -rf "$T"' EXIT
passed=0
failed=0

ok()   { echo "PASS selftest/$1"; passed=$((passed + 1)); }
bad()  { echo "FAIL selftest/$1: $2"; failed=$((failed + 1)); }
# check NAME COND-DESCRIPTION -- shell test command...
check() { name=$1; what=$2; shift 2; if "$@"; then ok "$name"; else bad "$name" "$what"; fi; }
has()  { grep -qF -- "$2" "$1"; }
last() { [ "$(tail -n 1 "$1")" = "$2" ]; }
our_qemus() { pgrep -f -- "-serial file:$T/" >/dev/null 2>&1; }

# mkiso NAME: grub.cfg body on stdin (serial terminal preamble is added)
mkiso() {
    mkdir -p "$T/$1/boot/grub"
    { printf 'insmod serial\ninsmod iorw\nserial --unit=0 --speed=115200\n'
      printf 'terminal_output serial\n'
      cat; } > "$T/$1/boot/grub/grub.cfg"
    [ -f "$T/tf.elf" ] && cp "$T/tf.elf" "$T/$1/boot/"
    grub-mkrescue -o "$T/$1.iso" "$T/$1" >"$T/$1.mkrescue.log" 2>&1 ||
        { echo "grub-mkrescue failed for $1:"; cat "$T/$1.mkrescue.log"; exit 2; }
}

# --- 0. pure logic ----------------------------------------------------------
python3 "$H" --selftest > "$T/unit.out" 2>&1
check unit "harness.py --selftest failed: $(grep ^FAIL "$T/unit.out")" \
    last "$T/unit.out" "$(grep -c ^PASS "$T/unit.out") passed, 0 failed"

# --- fake kernels ------------------------------------------------------------
cat > "$T/tf.s" <<'EOF'
        .text
        .code32
        .align 4
        .long 0x1BADB002, 0, -0x1BADB002    # multiboot 1 header
        .globl _start
_start: cli
        lidt idtr                           # limit 0: every vector faults
        int3                                # -> #GP -> #DF -> triple fault
1:      jmp 1b
        .align 4
idtr:   .word 0
        .long 0
EOF
as --32 -o "$T/tf.o" "$T/tf.s" && ld -m elf_i386 -Ttext=0x100000 -e _start \
    -o "$T/tf.elf" "$T/tf.o" || { echo "cannot build the triple-fault kernel"; exit 2; }

BANNER='echo "Pagoda 0.0-fake (harness self-test)"'
mkiso good <<EOF
$BANNER
echo "KTEST PASS fake_one"
echo "KTEST SKIP fake_skip: nothing to do"
echo "KTEST PASS pmm_above_4g"
echo "KTEST DONE 2 passed, 0 failed"
outb 0xf4 0x10
sleep 3600
EOF
mkiso fail <<EOF
$BANNER
echo "KTEST PASS fake_one"
echo "KTEST FAIL fake_two: deliberately broken"
echo "KTEST DONE 1 passed, 1 failed"
outb 0xf4 0x11
sleep 3600
EOF
mkiso noreq <<EOF
$BANNER
echo "KTEST PASS fake_one"
echo "KTEST DONE 1 passed, 0 failed"
outb 0xf4 0x10
sleep 3600
EOF
mkiso panic <<EOF
$BANNER
echo "KTEST PASS fake_one"
echo "PANIC: fake panic in fake_two"
sleep 3600
EOF
mkiso hang <<EOF
$BANNER
echo "KTEST PASS fake_one"
sleep 3600
EOF
mkiso halt <<EOF
$BANNER
halt
EOF
mkiso triple <<EOF
$BANNER
echo "KTEST PASS fake_one"
multiboot /boot/tf.elf
boot
EOF
printf '#!/bin/sh\necho "PASS h_one"\necho "PASS h_two"\n' > "$T/host_ok"
printf '#!/bin/sh\necho "PASS h_one"\necho "FAIL h_two: 1 != 2"\necho "boom on stderr" >&2\nexit 1\n' > "$T/host_bad"
chmod +x "$T/host_ok" "$T/host_bad"

# run NAME [harness args...]: output in $T/NAME.out, status in $T/NAME.rc
run() {
    n=$1; shift
    python3 "$H" --log-dir "$T/logs-$n" "$@" > "$T/$n.out" 2>&1
    echo $? > "$T/$n.rc"
}
rc() { [ "$(cat "$T/$1.rc")" = "$2" ]; }

# --- 1. everything passes, every configuration ------------------------------
run all --iso "$T/good.iso" --host-test "$T/host_ok"
check all-pass "expected rc 0 and '20 passed, 0 failed' (see $T/all.out)" \
    sh -c "[ \"\$(cat $T/all.rc)\" = 0 ] && [ \"\$(tail -n 1 $T/all.out)\" = '20 passed, 0 failed' ]"
for b in bios-cdrom uefi-cdrom bios-usb mem-64M mem-6G smp2; do
    check "all-$b" "no PASS $b/boot line" \
        grep -qE "^PASS $b/boot \\(banner after [0-9]+\\.[0-9]{2}s, 2 tests, exit 33\\)$" "$T/all.out"
done
check usb-really-usb "SeaBIOS did not boot the USB disk" \
    sh -c "grep -q 'USB MSC' $T/logs-all/bios-usb.firmware.log && grep -q 'Booting from Hard Disk' $T/logs-all/bios-usb.firmware.log && ! grep -q 'DVD/CD' $T/logs-all/bios-usb.firmware.log"
check uefi-vars-copy "no per-run OVMF_VARS copy" test -s "$T/logs-all/uefi-cdrom.OVMF_VARS.fd"
check boot-times "no boot times table" has "$T/all.out" "boot times:"

# --- 2. failing kernel test + failing host test ------------------------------
run fail --iso "$T/fail.iso" --boot bios-cdrom --host-test "$T/host_bad"
check fail-rc "expected rc 1" rc fail 1
check fail-ktest "no FAIL line for fake_two" has "$T/fail.out" "FAIL bios-cdrom/fake_two: deliberately broken"
check fail-boot "boot not failed with exit 35" has "$T/fail.out" "FAIL bios-cdrom/boot: kernel reported failure (exit status 35)"
check fail-host "host failure lines missing" sh -c "grep -qF 'FAIL host/h_two: 1 != 2' $T/fail.out && grep -qF 'FAIL host/host_bad: exit status 1' $T/fail.out && grep -qF '    boom on stderr' $T/fail.out"
check fail-last "wrong summary" last "$T/fail.out" "2 passed, 4 failed"

# --- 3. panic: detected, and QEMU stopped long before the timeout ------------
start=$(date +%s)
run panic --iso "$T/panic.iso" --boot bios-cdrom
check panic "no PANIC verdict" has "$T/panic.out" 'FAIL bios-cdrom/boot: PANIC: kernel printed "PANIC: fake panic in fake_two"'
check panic-fast "panic run took $(( $(date +%s) - start )) s" test $(( $(date +%s) - start )) -lt 30

# --- 4. timeout ----------------------------------------------------------------
run hang --iso "$T/hang.iso" --boot bios-cdrom,mem-64M --timeout 5
check timeout "no timeout verdict" sh -c "[ \$(grep -c 'boot: timeout after 5 s (banner after' $T/hang.out) = 2 ]"
check timeout-last "wrong summary" last "$T/hang.out" "2 passed, 2 failed"

# --- 5. triple fault, guest power-off -----------------------------------------
run triple --iso "$T/triple.iso" --boot smp2
check triple "no triple fault verdict" has "$T/triple.out" "FAIL smp2/boot: triple fault"
run halt --iso "$T/halt.iso" --boot bios-cdrom
check halt "no exit status 0 verdict" has "$T/halt.out" "FAIL bios-cdrom/boot: unexpected QEMU exit status 0"

# --- 6. required test, OVMF missing, ISO missing ------------------------------
run noreq --iso "$T/noreq.iso" --boot mem-6G,bios-cdrom
check required "no missing-required verdict" has "$T/noreq.out" "FAIL mem-6G/boot: required test pmm_above_4g missing"
check required-other "bios-cdrom should pass without pmm_above_4g" has "$T/noreq.out" "PASS bios-cdrom/boot"
PAGODA_OVMF_CODE=/nonexistent/OVMF_CODE.fd run noovmf --iso "$T/good.iso" --boot uefi-cdrom
check no-ovmf "no clear OVMF message" has "$T/noovmf.out" "FAIL uefi-cdrom/boot: OVMF firmware not found: /nonexistent/OVMF_CODE.fd"
check no-ovmf-last "wrong summary" last "$T/noovmf.out" "0 passed, 1 failed"
run noiso --iso "$T/nope.iso" --host-test "$T/host_ok"
check no-iso "no missing-ISO failure" sh -c "grep -qF 'FAIL harness/iso:' $T/noiso.out && [ \"\$(tail -n 1 $T/noiso.out)\" = '2 passed, 1 failed' ] && [ \$(cat $T/noiso.rc) = 1 ]"

# --- 7. the harness dies: QEMU must not survive --------------------------------
for sig in INT TERM KILL; do
    python3 "$H" --iso "$T/hang.iso" --log-dir "$T/logs-sig$sig" --boot bios-cdrom,smp2 \
        > "$T/sig$sig.out" 2>&1 &
    pid=$!
    i=0; until our_qemus || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 1
    kill -s "$sig" "$pid"
    { wait "$pid"; st=$?; } 2>/dev/null    # no "Killed" job notice
    i=0; while our_qemus && [ $i -ge 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if our_qemus; then bad "signal-$sig" "QEMU still running after SIG$sig"
    elif [ "$sig" != KILL ] && ! { [ $st = 130 ] && last "$T/sig$sig.out" "0 passed, 1 failed"; }; then
        bad "signal-$sig" "status $st, output: $(tail -n 2 "$T/sig$sig.out")"
    else ok "signal-$sig"; fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
