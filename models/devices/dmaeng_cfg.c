/* SPDX-License-Identifier: MIT */
/* The DMA engine's parameters, declared with their defaults; none is a YAML key yet. */
#include "models/devices/dmaeng.h"
#include "sim/knob.h"

static const struct cfg_field dmaeng_fields[] = {
    CFG_NS("issue_ns", struct dmaeng_cfg, issue_ps, 4, 0, 1e6,
	   "the engine's own time between two requests",
	   .source = "estimate: a request per cycle of 250 MHz logic"),
    CFG_END,
};
const struct cfg_schema dmaeng_cfg_schema =
    CFG_SCHEMA("dma_engine", struct dmaeng_cfg, dmaeng_fields);
