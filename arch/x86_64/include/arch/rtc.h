/*
 * arch/rtc.h - wall-clock time from the CMOS RTC (read once at boot).
 */
#ifndef ARCH_RTC_H
#define ARCH_RTC_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds since 1970-01-01 UTC, or 0 if the RTC looks invalid. */
uint64_t rtc_read_epoch(void);

#endif
