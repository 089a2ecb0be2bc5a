/* SPDX-License-Identifier: MIT */
/* What only SimGrid's C++ API offers, behind C functions (sim/engine_s4u.cpp). */
#ifndef PTSIM_SIM_ENGINE_S4U_H
#define PTSIM_SIM_ENGINE_S4U_H

#ifdef __cplusplus
extern "C" {
#endif

/* Create the engine, apply the settings, build the one-host platform, hook on_deadlock. */
int sim_s4u_setup(void);
/* Non-zero once SimGrid has reported a deadlock. */
int sim_s4u_deadlocked(void);

#ifdef __cplusplus
}
#endif
#endif
