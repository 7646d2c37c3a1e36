/*
 * net.h - bringing up the TCP/IP stack (lwIP, kernel/net/lwip/).
 *
 * net_init() starts lwIP: tcpip_init() makes its tcpip kernel thread and
 * the loopback interface lo0 at 127.0.0.1; once that thread runs, it
 * prints "net: lwIP 2.1.3 up, lo 127.0.0.1" and net_ready() turns true.
 * Drivers add their Ethernet netifs afterwards, through lwIP's own API
 * (netifapi or tcpip_callback: the core is the tcpip thread's).
 */
#ifndef KERNEL_NET_NET_H
#define KERNEL_NET_NET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Start lwIP. Call once, from the boot path, after the scheduler can run
 * kernel threads (and after pid 1 exists, which must get pid 1). Never
 * sleeps: the rest happens in the tcpip thread.
 */
void net_init(void);
/* True once the tcpip thread has started and lo0 is up. */
bool net_ready(void);
/* Bytes lwIP has allocated and not freed (its heap and pools). */
size_t pagoda_lwip_mem_in_use(void);

#endif
