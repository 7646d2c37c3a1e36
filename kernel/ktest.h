/*
 * ktest.h - in-kernel tests, registered without a central list.
 *
 *   KTEST(buddy_coalesce)
 *   {
 *           struct page *p = alloc_pages(0);
 *           KT_ASSERT(p != NULL);
 *           ...
 *           return KT_PASS;
 *   }
 *
 * KTEST() places a struct ktest in the .ktests linker section; the runner
 * (kernel/ktest.c) walks __ktests_start..__ktests_end, so adding a test is
 * adding a file. Tests run when the command line says ktest=all (or a comma
 * list of names); each prints one stable line the harness parses:
 *
 *   KTEST PASS <name>
 *   KTEST FAIL <name>: <file>:<line>: <what>
 *   KTEST SKIP <name>: <why>
 *   KTEST DONE <p> passed, <f> failed
 *
 * With "debugexit" the run ends by leaving QEMU with QEMU_EXIT_PASS/FAIL.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/compiler.h"
#include "kernel/printk.h"
#include <stdbool.h>

/* isa-debug-exit values: QEMU exits with (v << 1) | 1, i.e. 33 and 35. */
#define QEMU_EXIT_PASS	0x10
#define QEMU_EXIT_FAIL	0x11

enum ktest_result { KT_PASS, KT_FAIL, KT_SKIP };

struct ktest {
	const char *name;
	const char *file;
	enum ktest_result (*fn)(void);
	bool manual;		/* only run when named, never by ktest=all */
};

#define __KTEST(tname, is_manual)					\
	static enum ktest_result ktest_fn_##tname(void);		\
	static const struct ktest ktest_##tname				\
		__attribute__((used, section(".ktests"), aligned(8))) = { \
		.name = #tname, .file = __FILE__, .fn = ktest_fn_##tname, \
		.manual = is_manual,					\
	};								\
	static enum ktest_result ktest_fn_##tname(void)

#define KTEST(tname)		__KTEST(tname, false)
/*
 * A test that does not return (it panics or resets on purpose): selected
 * only by name, e.g. ktest=fault_selftest, and judged by the harness from
 * the serial log and QEMU's exit status.
 */
#define KTEST_MANUAL(tname)	__KTEST(tname, true)

/* Record why the current test failed (first failure wins). */
void ktest_fail_reason(const char *file, int line, const char *fmt, ...) __printf(3, 4);
void ktest_skip_reason(const char *fmt, ...) __printf(1, 2);

#define KT_ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			ktest_fail_reason(__FILE__, __LINE__, "%s", #cond); \
			return KT_FAIL;					\
		}							\
	} while (0)

#define KT_ASSERT_EQ(a, b)						\
	do {								\
		long long __a = (long long)(a), __b = (long long)(b);	\
		if (__a != __b) {					\
			ktest_fail_reason(__FILE__, __LINE__,		\
				"%s == %s (0x%llx != 0x%llx)", #a, #b, __a, __b); \
			return KT_FAIL;					\
		}							\
	} while (0)

#define KT_SKIP(...)							\
	do {								\
		ktest_skip_reason(__VA_ARGS__);				\
		return KT_SKIP;						\
	} while (0)

/* Run the tests the command line selects. Returns the number that failed. */
int ktest_run(const char *selection);

struct mm;
/*
 * For TLB-shootdown tests: a kernel thread pinned to each other online CPU
 * loads @mm's page tables there and keeps them (as a lazy-TLB CPU keeps
 * the last ones), so every flush of @mm must reach those CPUs. Returns how
 * many CPUs have it loaded once all are in place. One user at a time.
 */
unsigned int ktest_load_mm_elsewhere(struct mm *mm);
/* Let them go, and return once the threads are gone (their stacks freed). */
void ktest_unload_mm_elsewhere(void);

#endif
