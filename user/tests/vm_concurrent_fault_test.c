/*
 * vm_concurrent_fault_test.c - page faults of one address space at the
 * same time. Tasks sharing an mm (clone(CLONE_VM | SIGCHLD): Pagoda has
 * no threads yet) fault the same pages of one region together, every one
 * of them reading and writing its own word of each page (vm_clone_util.h
 * draws it), while one more task keeps mapping, re-protecting and
 * unmapping other ranges of the same mm, and one of the faulters
 * populates the region ahead of the others (MADV_POPULATE_WRITE/READ).
 * The region is private anonymous memory (zero page, COW from it, new
 * pages) or a MAP_SHARED memfd (page-cache pages); between rounds its
 * pages are dropped (MADV_DONTNEED, punch hole) so every round faults
 * them all again.
 *
 * Faults take the mmap lock only for reading (mm/vm.h), so this is what
 * the fault path's re-checks (mm/memory.c: the PTE looked at again under
 * the page-table lock, a loser backing out) must get right:
 *
 *   every write survives      no address got two pages, one of them lost
 *   reads see 0 or the tag    never a page of another address or round
 *   RSS == the region's size  no page mapped twice or leaked in a PTE
 *   memfd: read(2) == mapping the page cache and the PTEs agree
 *
 * On one CPU faults overlap only where one of them sleeps or yields:
 * here the populate (a cond_resched() per page) and, under memory
 * pressure, allocation; the swap boot's vm_swap_test/
 * concurrent_swapin_clone_vm has swap-in I/O sleep in the middle of
 * faults on the same pages. Runs on Linux too (the reference).
 */
#include "vm_clone_util.h"

#include <fcntl.h>
#include <sys/mman.h>

#define NPAGES		256
#define KIDS		4
#define ROUNDS		8
#define MAPPER_PAGES	16

static struct vm_race race;
static volatile long mapper_loops;

/*
 * Faulter @arg: its words in every round; kid 0 also populates the region
 * first, MADV_POPULATE_WRITE and _READ in turn, so the populate loop
 * (mm/gup.c) runs next to the others' faults.
 */
static int faulter(void *arg)
{
	unsigned int kid = (unsigned int)(uintptr_t)arg;

	for (int round = 0; vm_race_wait_go(&race, round); round++) {
		if (kid == 0 && round % 2 == 0) {
			int advice = round % 4 ? MADV_POPULATE_READ : MADV_POPULATE_WRITE;

			if (madvise(race.region, race.npages * PAGE, advice)) {
				vm_race_fail(&race, "round %d: MADV_POPULATE_%s: %s", round,
					     advice == MADV_POPULATE_READ ? "READ" : "WRITE",
					     strerror(errno));
				return 1;
			}
		}
		if (!vm_race_touch(&race, kid, round))
			return 1;
		vm_race_done(&race);
	}
	return 0;
}

/*
 * The VMA changer: map a few pages (populated every third time), write
 * them, split the mapping with mprotect, check, merge it back, unmap it
 * in two pieces - all needing the mmap lock for writing - until told to
 * stop.
 */
static int mapper(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&race.failed, __ATOMIC_ACQUIRE)) {
		int populate = mapper_loops % 3 == 0 ? MAP_POPULATE : 0;
		char *p = mmap(NULL, MAPPER_PAGES * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0);

		if (p == MAP_FAILED) {
			vm_race_fail(&race, "mapper: mmap: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < MAPPER_PAGES; i++)
			p[i * PAGE] = (char)(i + 1);
		if (mprotect(p + 4 * PAGE, 4 * PAGE, PROT_READ)) {
			vm_race_fail(&race, "mapper: mprotect: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < MAPPER_PAGES; i++) {
			if (p[i * PAGE] != (char)(i + 1)) {
				vm_race_fail(&race, "mapper: page %d reads %d", i, p[i * PAGE]);
				return 1;
			}
		}
		if (mprotect(p + 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE) ||
		    munmap(p + 8 * PAGE, (MAPPER_PAGES - 8) * PAGE) || munmap(p, 8 * PAGE)) {
			vm_race_fail(&race, "mapper: mprotect/munmap: %s", strerror(errno));
			return 1;
		}
		mapper_loops++;
		sched_yield();
	}
	return 0;
}

/* Drop every page of the region, so the next round faults them all again. */
static int drop_pages(int memfd)
{
	if (memfd >= 0)
		return fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				 NPAGES * PAGE);
	return madvise(race.region, NPAGES * PAGE, MADV_DONTNEED);
}

/* The file's pages read with pread(2) must be what the mapping shows. */
static bool file_matches_mapping(int memfd, int round)
{
	static char buf[NPAGES * PAGE];

	if (pread(memfd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
		vm_race_fail(&race, "after round %d: pread: %s", round, strerror(errno));
		return false;
	}
	for (unsigned long p = 0; p < NPAGES; p++) {
		if (memcmp(buf + p * PAGE, race.region + p * PAGE, PAGE)) {
			vm_race_fail(&race, "after round %d: page %lu of the file differs "
				     "from the mapping", round, p);
			return false;
		}
	}
	return true;
}

/*
 * One round after the other: start it, wait for the kids, check every
 * word, the RSS and (memfd) the file, drop the pages. The first failure
 * ends the rounds.
 */
static void run_rounds(int memfd)
{
	for (int round = 0; round < ROUNDS && !race.failed; round++) {
		long rss;

		vm_race_go(&race, round);
		vm_race_wait_round(&race, round);
		if (race.failed || !vm_race_check(&race, round))
			return;
		if (memfd >= 0 && !file_matches_mapping(memfd, round))
			return;
		rss = vm_smaps_kb(race.region, "Rss");
		if (rss != (long)(NPAGES * PAGE / 1024)) {
			vm_race_fail(&race, "after round %d: Rss %ld kB, want %lu", round, rss,
				     NPAGES * PAGE / 1024);
			return;
		}
		if (drop_pages(memfd)) {
			vm_race_fail(&race, "after round %d: dropping the pages: %s", round,
				     strerror(errno));
			return;
		}
	}
}

/* The kids and the mapper on @region (a memfd's mapping when @memfd >= 0). */
static void race_on(char *region, int memfd)
{
	void *stacks[KIDS + 1];
	pid_t pids[KIDS + 1];
	int started = 0, bad_exit = -1;

	race = (struct vm_race){ .region = region, .npages = NPAGES, .kids = KIDS, .round = -1 };
	mapper_loops = 0;
	for (; started < KIDS + 1; started++) {
		pids[started] = started < KIDS ?
			vm_clone_vm(faulter, (void *)(uintptr_t)started, &stacks[started]) :
			vm_clone_vm(mapper, NULL, &stacks[started]);
		if (pids[started] < 0) {
			vm_race_fail(&race, "clone: %s", strerror(errno));
			break;
		}
	}
	if (started == KIDS + 1)
		run_rounds(memfd);
	__atomic_store_n(&race.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < started; i++)
		if (vm_clone_wait(pids[i], stacks[i]) != 0 && bad_exit < 0)
			bad_exit = i;
	EXPECT(!race.failed, "%s", race.msg);
	EXPECT(bad_exit < 0, "clone child %d ended badly", bad_exit);
	EXPECT(mapper_loops > 0, "the mapper never finished a loop");
}

/* Guarded (vm_util.h): the mapper's mappings never merge into the region's VMA. */
static void anon_private_same_pages(void)
{
	char *region = vm_anon(NPAGES);

	EXPECT(region != MAP_FAILED, "mmap: %s", strerror(errno));
	race_on(region, -1);
	vm_unmap_guarded(region, NPAGES);
}

static void memfd_shared_same_pages(void)
{
	int fd = memfd_create("vm_concurrent_fault", 0);
	char *region;

	EXPECT_OK(fd);
	EXPECT_OK(ftruncate(fd, NPAGES * PAGE));
	region = vm_map_guarded(NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(region != MAP_FAILED, "mmap: %s", strerror(errno));
	race_on(region, fd);
	vm_unmap_guarded(region, NPAGES);
	close(fd);
}

int main(void)
{
	ut_begin("vm_concurrent_fault_test");
	RUN(anon_private_same_pages);
	RUN(memfd_shared_same_pages);
	return ut_end();
}
