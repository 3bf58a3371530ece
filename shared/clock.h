/*
 * clock.h - the one monotonic clock every deadline and timing in the service uses: milliseconds
 * for the service's deadlines, microseconds for the helper's step measurements.
 */
#ifndef EXECUTIONER_CLOCK_H
#define EXECUTIONER_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline long clock_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static inline uint64_t clock_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

#endif
