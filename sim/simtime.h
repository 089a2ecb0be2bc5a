/* SPDX-License-Identifier: MIT */
/* Integer-picosecond time: conversions done once, at configuration time. */
#ifndef PTSIM_SIM_SIMTIME_H
#define PTSIM_SIM_SIMTIME_H

#include <math.h>
#include <stdint.h>

#define SIM_PS_PER_NS 1000ull
#define SIM_PS_PER_US 1000000ull
#define SIM_PS_PER_MS 1000000000ull
#define SIM_PS_PER_S  1000000000000ull

/*
 * llround(x) for 0 <= x < 2^63, inline, for per-operation timing on the hot path: x - trunc(x)
 * is exact in binary floating point, so halves round up as llround's do, bit for bit.
 */
static inline uint64_t sim_round_u64(double x)
{
	uint64_t r = (uint64_t)x;

	return r + (x - (double)r >= 0.5);
}

/* Nanoseconds (a config value, possibly fractional) to picoseconds, rounded. */
static inline uint64_t sim_ns_to_ps(double ns)
{
	return ns <= 0 ? 0 : (uint64_t)llround(ns * 1000.0);
}

static inline double sim_ps_to_ns(uint64_t ps)
{
	return (double)ps / 1000.0;
}

/* A clock frequency, kept as integer MHz so cycle<->ps conversions are exact integer math. */
struct sim_clock {
	uint64_t mhz;
};

/* Cycles to picoseconds at this clock, rounded to nearest. */
static inline uint64_t sim_cycles_to_ps(const struct sim_clock *c, uint64_t cycles)
{
	return (cycles * 1000000ull + c->mhz / 2) / c->mhz;
}

/* Picoseconds to whole cycles (rounded to nearest). */
static inline uint64_t sim_ps_to_cycles(const struct sim_clock *c, uint64_t ps)
{
	return (ps * c->mhz + 500000ull) / 1000000ull;
}

#endif
