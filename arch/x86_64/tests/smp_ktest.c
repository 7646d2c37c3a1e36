/*
 * smp_ktest.c - application processor start-up (smp.c): with more than one
 * CPU in the MADT (the harness's smp2 and smp4 boots), every CPU it lists
 * is online and parked, each with its own APIC id.
 */
#include "kernel/ktest.h"
#include "kernel/cmdline.h"
#include <arch/acpi.h>
#include <arch/percpu.h>
#include <arch/smp.h>

KTEST(smp_aps_online)
{
	if (acpi.nr_cpus < 2)
		KT_SKIP("the MADT lists %u CPU", acpi.nr_cpus);
	if (cmdline_has("nosmp") || cmdline_has("maxcpus"))
		KT_SKIP("nosmp or maxcpus= on the command line");
	KT_ASSERT(cpu_online(0));
	KT_ASSERT_EQ(num_online_cpus(), acpi.nr_cpus);
	KT_ASSERT_EQ(nr_cpus, acpi.nr_cpus);
	/* Each online CPU has its own APIC id, one the MADT lists. */
	for (unsigned int i = 0; i < nr_cpus; i++) {
		bool listed = false;

		KT_ASSERT(cpu_online(i));
		for (unsigned int j = 0; j < i; j++)
			KT_ASSERT(cpus[j].apic_id != cpus[i].apic_id);
		for (unsigned int k = 0; k < acpi.nr_cpus; k++)
			listed |= acpi.cpu_apic_ids[k] == cpus[i].apic_id;
		KT_ASSERT(listed);
	}
	return KT_PASS;
}
