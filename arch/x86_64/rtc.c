/*
 * rtc.c - read the wall-clock time once from the CMOS real-time clock.
 *
 * The MC146818-compatible RTC is reached through two ports: write a
 * register number to 0x70, read its value from 0x71.
 *
 *   reg 0x00 seconds  0x02 minutes  0x04 hours  0x07 day  0x08 month
 *   reg 0x09 year (two digits)      0x0a status A (bit 7: update in progress)
 *   reg 0x0b status B (bit 2: binary, not BCD; bit 1: 24-hour mode)
 *
 * Values are BCD unless status B says binary. We read until two reads agree
 * (so an update in the middle cannot give a torn time) and convert to
 * seconds since the Unix epoch, assuming the RTC keeps UTC (QEMU's does).
 */
#include <arch/io.h>
#include <arch/rtc.h>

#define RTC_INDEX	0x70
#define RTC_DATA	0x71

static uint8_t rtc_reg(uint8_t r)
{
	outb(RTC_INDEX, r);
	return inb(RTC_DATA);
}

struct rtc_time {
	uint8_t sec, min, hour, day, mon, year;
};

static void rtc_snapshot(struct rtc_time *t)
{
	while (rtc_reg(0x0a) & 0x80)
		;				/* update in progress */
	t->sec = rtc_reg(0x00);
	t->min = rtc_reg(0x02);
	t->hour = rtc_reg(0x04);
	t->day = rtc_reg(0x07);
	t->mon = rtc_reg(0x08);
	t->year = rtc_reg(0x09);
}

static unsigned int bcd(uint8_t v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
	static const uint16_t before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	uint64_t days = (y - 1970) * 365ul;

	for (unsigned int yy = 1970; yy < y; yy++)
		days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0));
	days += before[(m - 1) % 12] + d - 1;
	if (m > 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		days++;
	return days;
}

uint64_t rtc_read_epoch(void)
{
	struct rtc_time a, b;
	uint8_t status_b;
	unsigned int hour;
	bool pm;

	for (int tries = 0; tries < 10; tries++) {
		rtc_snapshot(&a);
		rtc_snapshot(&b);
		if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day &&
		    a.mon == b.mon && a.year == b.year)
			break;
	}
	status_b = rtc_reg(0x0b);
	pm = a.hour & 0x80;
	a.hour &= 0x7f;
	if (!(status_b & 0x04)) {
		a.sec = bcd(a.sec);
		a.min = bcd(a.min);
		a.hour = bcd(a.hour);
		a.day = bcd(a.day);
		a.mon = bcd(a.mon);
		a.year = bcd(a.year);
	}
	hour = a.hour;
	if (!(status_b & 0x02)) {		/* 12-hour clock */
		hour %= 12;
		if (pm)
			hour += 12;
	}
	if (!a.mon || a.mon > 12 || !a.day || a.day > 31)
		return 0;
	return days_from_civil(2000 + a.year, a.mon, a.day) * 86400 + hour * 3600 +
	       a.min * 60 + a.sec;
}
