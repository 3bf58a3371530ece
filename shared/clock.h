/*
 * clock.h - the one monotonic millisecond clock every deadline and timing in the service uses.
 */
#ifndef EXECUTIONER_CLOCK_H
#define EXECUTIONER_CLOCK_H

#include <time.h>

static inline long clock_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

#endif
