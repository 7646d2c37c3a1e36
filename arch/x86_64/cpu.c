/*
 * cpu.c - CPU feature discovery (CPUID) and the control-register features
 * Pagoda turns on: NX (EFER.NXE), WP, global pages, SMEP and SMAP.
 *
 * Each is enabled only when CPUID reports it, so the kernel still boots on
 * old CPUs or QEMU's default "qemu64" model; paging.c checks cpu_features
 * before using 1 GiB pages or the NX bit.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include "kernel/lib/string.h"

struct cpu_features cpu_features;

void cpu_detect_features(void)
{
	uint32_t a, b, c, d, max, maxext;

	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(cpu_features.vendor + 0, &b, 4);
	memcpy(cpu_features.vendor + 4, &d, 4);
	memcpy(cpu_features.vendor + 8, &c, 4);
	cpu_features.vendor[12] = 0;

	cpuid(1, 0, &a, &b, &c, &d);
	cpu_features.leaf1_edx = d;
	if (c & (1u << 31)) {			/* hypervisor present: read its name */
		uint32_t e, f, g, h;

		cpuid(0x40000000, 0, &e, &f, &g, &h);
		memcpy(cpu_features.hypervisor + 0, &f, 4);
		memcpy(cpu_features.hypervisor + 4, &g, 4);
		memcpy(cpu_features.hypervisor + 8, &h, 4);
		cpu_features.hypervisor[12] = 0;
	}
	cpu_features.tsc = d & (1u << 4);
	cpu_features.apic = d & (1u << 9);
	cpu_features.pge = d & (1u << 13);
	cpu_features.x2apic = c & (1u << 21);
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_features.smep = b & (1u << 7);
		cpu_features.smap = b & (1u << 20);
	}
	cpuid(0x80000000, 0, &maxext, &b, &c, &d);
	if (maxext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu_features.nx = d & (1u << 20);
		cpu_features.pdpe1gb = d & (1u << 26);
	}
	if (maxext >= 0x80000004) {
		uint32_t *w = (uint32_t *)cpu_features.brand;

		for (uint32_t leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &w[leaf * 4], &w[leaf * 4 + 1],
			      &w[leaf * 4 + 2], &w[leaf * 4 + 3]);
		cpu_features.brand[48] = 0;
	}
	if (maxext >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cpu_features.invariant_tsc = d & (1u << 8);
	}
}

/* Turn on what the CPU has. Must run before paging_init() uses NX bits. */
void cpu_enable_features(void)
{
	uint64_t cr4 = read_cr4();

	if (cpu_features.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	if (cpu_features.pge)
		cr4 |= CR4_PGE;
	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
}

/*
 * QEMU's isa-debug-exit device (the harness adds
 * "-device isa-debug-exit,iobase=0xf4,iosize=0x04"): writing v makes QEMU
 * exit with status (v << 1) | 1. Without the device the write is ignored.
 */
void arch_qemu_exit(uint8_t code)
{
	outl(0xf4, code);
}
