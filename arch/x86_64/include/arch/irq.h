/*
 * arch/irq.h - interrupt vectors and device interrupt routing.
 *
 * Vector allocation:
 *   0x00-0x1f  CPU exceptions
 *   0x20-0x2f  ISA IRQ n arrives on vector 0x20+n (routed by the I/O APIC)
 *   0x30-0xef  free for PCI devices (later issues)
 *   0xf0       local APIC timer tick
 *   0xf1       reschedule IPI (kernel/sched.c: a task for an idle CPU)
 *   0xf2       TLB shootdown IPI (arch/x86_64/tlb.c)
 *   0xfe       local APIC error
 *   0xff       spurious
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stdint.h>

#define IRQ_VECTOR_ISA_BASE	0x20
#define IRQ_VECTOR_TIMER	0xf0
#define IRQ_VECTOR_RESCHED	0xf1
#define IRQ_VECTOR_TLB		0xf2
#define IRQ_VECTOR_ERROR	0xfe
#define IRQ_VECTOR_SPURIOUS	0xff

typedef void (*irq_handler_t)(void *arg);

/* Install @fn for interrupt vector @vec. Returns 0 or -EBUSY/-EINVAL. */
int irq_register_vector(unsigned int vec, irq_handler_t fn, void *arg);
/* Route ISA IRQ @irq (honouring ACPI overrides) to vector 0x20+irq and
 * install @fn. Returns 0 or a negative errno. */
int irq_register_isa(unsigned int irq, irq_handler_t fn, void *arg);
/* Interrupts taken on @vec so far. */
unsigned long irq_count(unsigned int vec);

#endif
