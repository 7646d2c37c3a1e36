/*
 * arch/uart.h - the PC's COM1 16550 UART: the first console.
 *
 * Output is polled (it must work before interrupts, and in panic). Input is
 * interrupt driven once uart_enable_irq() has routed IRQ 4 through the I/O
 * APIC: received bytes go to a ring buffer that uart_getc() drains, or to
 * a handler installed with uart_set_rx_handler().
 */
#ifndef ARCH_UART_H
#define ARCH_UART_H

#include <stdbool.h>
#include <stddef.h>

void uart_init(void);
void uart_write(const char *s, size_t n);
/* Next received byte, or -1 when none is waiting. Never blocks. */
int uart_getc(void);
/* Route the receive interrupt (needs the I/O APIC). */
void uart_enable_irq(void);
/* Loopback mode (the 16550 MCR LOOP bit): transmitted bytes come back as
 * received bytes without leaving the chip. For the in-kernel test. */
void uart_set_loopback(bool on);
/* Number of receive interrupts taken so far. */
unsigned long uart_irq_count(void);

/*
 * Hand every received byte to @fn, called from the receive interrupt with
 * @arg, instead of queueing it for uart_getc() (the TTY uses this). NULL
 * goes back to the queue. In loopback mode bytes always go to the queue,
 * so the loopback test keeps working with a handler installed.
 */
typedef void (*uart_rx_handler_t)(unsigned char c, void *arg);
void uart_set_rx_handler(uart_rx_handler_t fn, void *arg);

#endif
