/*
 * uart.c - 16550A UART driver for COM1 (I/O ports 0x3f8..0x3ff).
 *
 * Register map (offset from the base port; DLAB is LCR bit 7):
 *
 *   +0  RBR (read) / THR (write)     DLAB=1: divisor latch low
 *   +1  IER interrupt enable         DLAB=1: divisor latch high
 *   +2  IIR (read) / FCR (write)     FIFO control
 *   +3  LCR line control             word length, stop bits, parity, DLAB
 *   +4  MCR modem control            DTR, RTS, OUT2 (gates the IRQ line), LOOP
 *   +5  LSR line status              bit 0 data ready, bit 5 THR empty
 *
 * Transmit polls LSR.THRE; receive runs from IRQ 4 into rx_ring. The ring
 * has a single producer (the interrupt) and one consumer under rx_lock.
 * Once the TTY installs rx_handler, received bytes go to it instead (after
 * rx_lock is dropped, so the handler may echo and print), except in
 * loopback mode, whose bytes are the loopback test's.
 */
#include <arch/uart.h>
#include <arch/io.h>
#include <arch/irq.h>
#include "kernel/compiler.h"
#include "kernel/spinlock.h"

#define COM1		0x3f8
#define UART_RBR	0
#define UART_THR	0
#define UART_IER	1
#define UART_DLL	0
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5

#define IER_RX		0x01
#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define FCR_ENABLE_CLR	0x07		/* enable FIFOs, clear rx and tx */
#define MCR_DTR_RTS	0x03
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20

#define COM1_IRQ	4
#define RX_RING		256

static unsigned char rx_ring[RX_RING];
static unsigned int rx_head, rx_tail;	/* head: next write; tail: next read */
static spinlock_t rx_lock = SPINLOCK_INIT(rx_lock);
static unsigned long rx_irqs;
static bool present;
static bool loopback;			/* MCR LOOP set: bytes are the test's */
static uart_rx_handler_t rx_handler;	/* under rx_lock */
static void *rx_handler_arg;

void uart_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);		/* 115200 baud: divisor 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	/* A missing UART reads back 0xff from every port. */
	present = inb(COM1 + UART_LSR) != 0xff;
}

static void uart_putc(char c)
{
	/* Bounded wait: a wedged or absent UART must not hang the kernel. */
	for (int spins = 0; spins < 100000; spins++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (unsigned char)c);
}

void uart_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

/*
 * Drain the receiver: into rx_ring, or in batches to rx_handler, called
 * without rx_lock. Everything waiting is read before returning, since the
 * ISA interrupt is edge-triggered and would not fire again for it.
 */
static void uart_irq(void *arg)
{
	(void)arg;
	unsigned char got[16];		/* the 16550's FIFO depth */
	unsigned int n;
	uart_rx_handler_t fn;
	void *fn_arg;

	do {
		unsigned long flags = spin_lock_irqsave(&rx_lock);

		fn = loopback ? NULL : rx_handler;
		fn_arg = rx_handler_arg;
		n = 0;
		while (n < sizeof(got) && (inb(COM1 + UART_LSR) & LSR_DR)) {
			unsigned char c = inb(COM1 + UART_RBR);

			if (fn)
				got[n++] = c;
			else if (rx_head - rx_tail < RX_RING)	/* drop when full */
				rx_ring[rx_head++ % RX_RING] = c;
		}
		spin_unlock_irqrestore(&rx_lock, flags);
		for (unsigned int i = 0; i < n; i++)
			fn(got[i], fn_arg);
	} while (n == sizeof(got));
	WRITE_ONCE(rx_irqs, rx_irqs + 1);
}

void uart_set_rx_handler(uart_rx_handler_t fn, void *arg)
{
	unsigned long flags = spin_lock_irqsave(&rx_lock);

	rx_handler = fn;
	rx_handler_arg = arg;
	spin_unlock_irqrestore(&rx_lock, flags);
}

int uart_getc(void)
{
	unsigned long flags = spin_lock_irqsave(&rx_lock);
	int c = -1;

	if (rx_tail != rx_head)
		c = rx_ring[rx_tail++ % RX_RING];
	else if (!rx_irqs && (inb(COM1 + UART_LSR) & LSR_DR))
		c = inb(COM1 + UART_RBR);	/* before IRQs are routed: poll */
	spin_unlock_irqrestore(&rx_lock, flags);
	return c;
}

void uart_enable_irq(void)
{
	if (!present)
		return;
	irq_register_isa(COM1_IRQ, uart_irq, NULL);
	outb(COM1 + UART_IER, IER_RX);
}

void uart_set_loopback(bool on)
{
	unsigned long flags = spin_lock_irqsave(&rx_lock);

	loopback = on;
	outb(COM1 + UART_MCR, MCR_DTR_RTS | MCR_OUT2 | (on ? MCR_LOOP : 0));
	spin_unlock_irqrestore(&rx_lock, flags);
}

unsigned long uart_irq_count(void)
{
	return READ_ONCE(rx_irqs);
}
