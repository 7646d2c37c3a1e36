/*
 * virtio_ring.c - split virtqueues (OASIS VIRTIO 1.1, 2.7): the memory a
 * driver and a virtio device share to pass requests and completions.
 *
 * Life of a request:
 *
 *   driver: virtq_add()   take descriptors off the free list, fill them,
 *                         write the head into avail->ring[avail_idx % N],
 *                         then publish by storing avail->idx = avail_idx + 1
 *           virtq_kick()  write the queue number to the doorbell
 *   device:               reads the chain, does the work, writes
 *                         { head, len } into used->ring and bumps used->idx,
 *                         raises the queue's interrupt
 *   driver: virtq_get_used()  (interrupt handler or poller) consumes used
 *                         entries up to used->idx, returns the chain's
 *                         descriptors to the free list, hands back the token
 *
 * Ordering. The device may look at the avail ring at any time, so the
 * descriptors and the ring entry must be visible before the new idx is: a
 * release fence sits between them (on x86 stores are not reordered with
 * stores, so this costs nothing but stops the compiler). The doorbell check
 * of used->flags must not be satisfied before our idx store is visible to
 * the device (store -> load), which needs a full fence. Reading used
 * entries after used->idx needs an acquire fence.
 *
 * Locking: vq->lock (a spinlock, interrupts off) guards the free list, the
 * shadow indices and the token array; the interrupt handler takes it too.
 * Neighbours: virtio.h (layouts), virtio_pci.c (the doorbell), virtio_blk.c.
 */
#include "kernel/drivers/virtio.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include <arch/pgtable.h>

/* Byte offsets of the three areas for a queue of @size entries. */
static size_t avail_offset(unsigned int size)
{
	return (size_t)size * sizeof(struct vring_desc);
}

static size_t used_offset(unsigned int size)
{
	/* flags + idx + ring[size] + used_event, then 4-byte alignment. */
	return ALIGN_UP(avail_offset(size) + 6 + 2 * (size_t)size, 4);
}

static size_t ring_bytes(unsigned int size)
{
	return used_offset(size) + 6 + sizeof(struct vring_used_elem) * (size_t)size;
}

int virtq_init(struct virtqueue *vq, unsigned int index, unsigned int size)
{
	unsigned int order = 0;
	uint8_t *base;

	if (size == 0 || size > 32768 || (size & (size - 1)))
		return -EINVAL;
	while ((PAGE_SIZE << order) < ring_bytes(size))
		order++;
	vq->pages = alloc_pages(GFP_ZERO, order);
	if (!vq->pages)
		return -ENOMEM;
	vq->tokens = kzalloc(size * sizeof(void *));
	if (!vq->tokens) {
		free_pages(vq->pages, order);
		return -ENOMEM;
	}
	base = page_address(vq->pages);
	spin_lock_init(&vq->lock);
	vq->index = index;
	vq->size = size;
	vq->order = order;
	vq->desc = (volatile struct vring_desc *)base;
	vq->avail = (volatile struct vring_avail *)(base + avail_offset(size));
	vq->used = (volatile struct vring_used *)(base + used_offset(size));
	/* Every descriptor starts on the free list: 0 -> 1 -> ... -> size-1. */
	for (unsigned int i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->nr_free = size;
	vq->avail_idx = 0;
	vq->last_used = 0;
	return 0;
}

phys_addr_t virtq_desc_phys(const struct virtqueue *vq)
{
	return page_to_phys(vq->pages);
}

phys_addr_t virtq_avail_phys(const struct virtqueue *vq)
{
	return page_to_phys(vq->pages) + avail_offset(vq->size);
}

phys_addr_t virtq_used_phys(const struct virtqueue *vq)
{
	return page_to_phys(vq->pages) + used_offset(vq->size);
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int n,
	      void *token)
{
	unsigned long irq;
	uint16_t head, i;

	if (n == 0 || !token)
		return -EINVAL;
	irq = spin_lock_irqsave(&vq->lock);
	if (vq->nr_free < n) {
		spin_unlock_irqrestore(&vq->lock, irq);
		return -ENOSPC;
	}
	/*
	 * Free descriptors are linked through next, so filling them in list
	 * order leaves each one's next already pointing at its successor.
	 */
	head = i = vq->free_head;
	for (unsigned int k = 0; k < n; k++) {
		volatile struct vring_desc *d = &vq->desc[i];

		d->addr = bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (bufs[k].device_writes ? VRING_DESC_F_WRITE : 0) |
			   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		i = d->next;
	}
	vq->free_head = i;
	vq->nr_free -= n;
	vq->tokens[head] = token;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* chain before idx */
	vq->avail->idx = ++vq->avail_idx;
	spin_unlock_irqrestore(&vq->lock, irq);
	return head;
}

void virtq_kick(struct virtqueue *vq)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* idx store before flags load */
	if (!(vq->used->flags & VRING_USED_F_NO_NOTIFY))
		*vq->doorbell = (uint16_t)vq->index;
}

/* Return the chain at @head to the free list; vq->lock held. */
static void free_chain(struct virtqueue *vq, uint16_t head)
{
	uint16_t i = head;
	unsigned int n = 1;

	while ((vq->desc[i].flags & VRING_DESC_F_NEXT) && n < vq->size) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->nr_free += n;
}

void virtq_disable_irq(struct virtqueue *vq)
{
	if (vq->has_irq)
		WRITE_ONCE(vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
}

bool virtq_enable_irq(struct virtqueue *vq)
{
	if (!vq->has_irq)
		return false;
	WRITE_ONCE(vq->avail->flags, 0);
	/* The flag's store before the idx load (2.7.10's race). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return READ_ONCE(vq->used->idx) != READ_ONCE(vq->last_used);
}

void *virtq_get_used(struct virtqueue *vq, uint32_t *len)
{
	unsigned long irq = spin_lock_irqsave(&vq->lock);
	void *token = NULL;

	while (vq->last_used != vq->used->idx) {
		volatile struct vring_used_elem *e;
		uint32_t id;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* idx before entry */
		e = &vq->used->ring[vq->last_used & (vq->size - 1)];
		id = e->id;
		vq->last_used++;
		if (id >= vq->size || !vq->tokens[id]) {
			pr_warn("virtio: queue %u: device returned bad chain %u\n",
				vq->index, id);
			continue;
		}
		if (len)
			*len = e->len;
		token = vq->tokens[id];
		vq->tokens[id] = NULL;
		free_chain(vq, (uint16_t)id);
		break;
	}
	spin_unlock_irqrestore(&vq->lock, irq);
	return token;
}

/*
 * The direct map and the kernel image translate by arithmetic; anything
 * else (kernel stacks, mapped page by page) by a page-table lookup.
 */
phys_addr_t virtio_kva_to_phys(const void *p)
{
	vaddr_t va = (vaddr_t)p;
	struct mmu_mapping m;

	if (is_direct_map_addr(va) || va >= KERNEL_VIRT)
		return virt_to_phys(p);
	if (arch_query(&kernel_pgt, va, &m))
		return 0;
	return m.pa + (va - m.va);
}
