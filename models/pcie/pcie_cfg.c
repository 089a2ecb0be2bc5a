/* SPDX-License-Identifier: MIT */
/* The knobs of the PCIe fabric (machine.pcie) and of a link (a port's `link`). */
#include "models/pcie/pcie.h"
#include "sim/knob.h"

/* A link the model can time: PCIe 5.0 §4.2 widths, and the completion boundary (§2.3.1.1). */
static void link_check(void *p, const struct cfg_scope *s)
{
	const struct pcie_link_cfg *l = p;

	/* x12 has no Ack/UpdateFC table in the model (and PCIe 6.0 dropped it) */
	if (l->width != 1 && l->width != 2 && l->width != 4 && l->width != 8 && l->width != 16 &&
	    l->width != 32)
		cfg_scope_error(s, "width", "'width' is %u; a link has 1, 2, 4, 8, 16 or 32 lanes",
				l->width);
	if (l->gen == 6 && l->width == 32)
		cfg_scope_error(s, "width", "64 GT/s (gen 6) links are x1 to x16");
	if (l->rcb != 64 && l->rcb != 128)
		cfg_scope_error(s, "rcb", "'rcb' is %u; the read completion boundary is 64 or 128",
				l->rcb);
	if (l->mps < l->rcb)
		cfg_scope_error(s, "mps", "'mps' (%u) is smaller than 'rcb' (%u)", l->mps, l->rcb);
}

static const struct cfg_field link_fields[] = {
    CFG_U32("gen", struct pcie_link_cfg, gen, 3, 1, 6, "generation",
	    "PCIe generation: 2.5, 5, 8, 16, 32, 64 GT/s"),
    CFG_U32("width", struct pcie_link_cfg, width, 8, 1, 32, "lanes", "link width"),
    CFG_U32("mps", struct pcie_link_cfg, mps, 256, 128, 4096, "bytes", "max payload size",
	    .flags = CFG_POW2),
    CFG_U32("mrrs", struct pcie_link_cfg, mrrs, 512, 128, 4096, "bytes", "max read request size",
	    .flags = CFG_POW2),
    CFG_U32("rcb", struct pcie_link_cfg, rcb, 64, 64, 128, "bytes", "read completion boundary",
	    .flags = CFG_POW2),
    CFG_NS("latency_ns", struct pcie_link_cfg, latency_ps, 70, 0, 1e6,
	   "one-way PHY + data-link latency of the hop",
	   .source = "set with root_complex_ns to pcie-bench's 546 ns 64 B read (SIGCOMM'18)"),
    CFG_END,
};
const struct cfg_schema pcie_link_cfg_schema =
    CFG_SCHEMA("link", struct pcie_link_cfg, link_fields, .check = link_check);

static const struct cfg_field fabric_fields[] = {
    CFG_NS("root_complex_ns", struct pcie_fabric_cfg, rc_latency_ps, 150, 0, 1e6,
	   "one pass through the root complex",
	   .source = "with the link latency, pcie-bench's 546 ns 64 B DMA read on a Gen3 x8 "
		     "Xeon E5 (Neugebauer et al., SIGCOMM'18)"),
    CFG_NS("config_access_ns", struct pcie_fabric_cfg, cfg_access_ps, 100, 0, 1e6,
	   "a function's config-space response time", .source = "estimate"),
    CFG_NS("device_mmio_ns", struct pcie_fabric_cfg, mmio_dev_ps, 150, 0, 1e6,
	   "a device's response time to an MMIO read", .source = "estimate"),
    CFG_BOOL("root_p2p", struct pcie_fabric_cfg, rc_p2p, true,
	     "the root complex routes peer-to-peer requests between its root ports"),
    CFG_END,
};
const struct cfg_schema pcie_fabric_cfg_schema =
    CFG_SCHEMA("pcie", struct pcie_fabric_cfg, fabric_fields);
