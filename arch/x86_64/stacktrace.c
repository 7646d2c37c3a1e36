/*
 * stacktrace.c - record a kernel call chain by walking frame pointers.
 *
 * Every kernel function starts with "push %rbp; mov %rsp, %rbp", so each
 * frame holds the caller's frame pointer and the return address:
 *
 *      higher addresses (the stack grows down)
 *      | ...                 |
 *      | return address      |  [rbp + 8]  where this frame returns to
 *      | caller's rbp   -----+- [rbp]      the next frame up
 *      | locals ...          |
 *
 * The walk reads each frame with arch_probe_read(), so a corrupt chain or
 * one that runs into a guard page ends the trace instead of faulting; a
 * frame below the previous one, an address outside kernel text (a user
 * rbp reached through the syscall entry) or a zero return address ends it
 * too. arch_backtrace() in trap.c prints the same walk.
 */
#include <arch/stacktrace.h>
#include <arch/memlayout.h>
#include <arch/probe.h>

unsigned int arch_stack_save(uint64_t *pcs, unsigned int max, unsigned int skip)
{
	uint64_t rbp = (uint64_t)__builtin_frame_address(0);
	unsigned int n = 0;

	for (int depth = 0; depth < 32 && n < max; depth++) {
		uint64_t frame[2];

		if ((rbp & 7) || rbp < DIRECT_MAP_BASE ||
		    arch_probe_read(frame, (void *)rbp, sizeof(frame)))
			break;
		if (frame[1] < (uint64_t)__text_start || frame[1] >= (uint64_t)__text_end)
			break;
		if (skip)
			skip--;
		else
			pcs[n++] = frame[1];
		if (frame[0] <= rbp)		/* stacks grow down: must go up */
			break;
		rbp = frame[0];
	}
	return n;
}
