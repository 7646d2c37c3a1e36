/*
 * pagoda_hooks.h - the lwIP hooks Pagoda sets (LWIP_HOOK_FILENAME in
 * lwipopts.h; lwIP includes this in the files that call hooks).
 */
#ifndef KERNEL_NET_LWIP_PAGODA_HOOKS_H
#define KERNEL_NET_LWIP_PAGODA_HOOKS_H

struct ip4_addr;

/* TCP's initial sequence number for a connection (sys_arch.c). */
u32_t pagoda_tcp_isn(const struct ip4_addr *local_ip, u16_t local_port,
		     const struct ip4_addr *remote_ip, u16_t remote_port);

/*
 * Every TCP segment for a connection, before lwIP looks at it
 * (kernel/net/inet/tcp.c explains why). ERR_OK: go on.
 */
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;
s8_t pagoda_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, const struct pbuf *p);

#endif
