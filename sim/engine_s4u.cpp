// SPDX-License-Identifier: MIT
// The one C++ file: SimGrid's platform API and its on_deadlock signal are C++ only.
#include "engine_s4u.h"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

namespace sg4 = simgrid::s4u;

static int deadlocked;

extern "C" int sim_s4u_setup(void)
{
	static int argc = 1;
	static char arg0[] = "ptsim";
	static char *argv[] = {arg0, nullptr};

	// Quiet before the engine prints its configuration changes.
	xbt_log_control_set("root.thres:warning");
	// We report deadlocks ourselves, with what each actor waits on.
	xbt_log_control_set("ker_engine.app:file:/dev/null");
	new sg4::Engine(&argc, argv);
	// Raw contexts: thread contexts are 40-100x slower (DESIGN.md, measured).
	sg4::Engine::set_config("contexts/factory:raw");
	sg4::Engine::set_config("contexts/stack-size:1024");
	// No network activity is simulated through SimGrid, but keep link timing undistorted.
	sg4::Engine::set_config("network/model:CM02");
	sg4::Engine::set_config("network/crosstraffic:0");
	// SimGrid's clock counts picoseconds (sim/engine.c, sg_date): durations are whole numbers,
	// and a precision well under one keeps every date exact.
	sg4::Engine::set_config("surf/precision:1e-6");

	auto *zone = sg4::create_full_zone("ptsim");
	zone->create_host("machine", 1e9);
	zone->seal();
	sg4::Engine::on_deadlock_cb([]() { deadlocked = 1; });
	return 0;
}

extern "C" int sim_s4u_deadlocked(void)
{
	return deadlocked;
}
