/* SPDX-License-Identifier: MIT */
/*
 * The driver API's waits and CPU time (Linux's arch/x86/lib/delay.c, get_cycles): every one
 * runs guest instructions for simulated time or reads the TSC, never the host's clock.
 */
#include "models/guest/kernel/gk_internal.h"

static uint64_t ns_to_cycles(uint64_t ns)
{
	return isa_ps_to_tsc(ns * 1000);
}

void ndelay(unsigned long nsecs)
{
	isa_compute(ns_to_cycles(nsecs));
}

void udelay(unsigned long usecs)
{
	ndelay(usecs * 1000);
}

void mdelay(unsigned long msecs)
{
	ndelay(msecs * 1000000);
}

void cpu_relax(void)
{
	/* PAUSE: about 140 cycles on Skylake-SP (Intel optimization manual, §2.5.4). */
	isa_compute(140);
}

u64 get_cycles(void)
{
	return isa_rdtsc();
}

void cpu_cycles(u64 cycles)
{
	isa_compute(cycles);
}
