/* SPDX-License-Identifier: MIT */
/*
 * The platform's own knobs: whether it has VT-d units and which devices each remaps (the DMAR's
 * DRHDs), and what its firmware reports (_OSC, RMRRs). The rest of machine.* is the models':
 * cpu_cfg_schema, mem_cfg_schema, pcie_fabric_cfg_schema, vtd_cfg_schema.
 */
#include "models/platform/dmar_table.h"
#include "models/platform/platform.h"
#include "sim/knob.h"

#include <string.h>

static const struct cfg_field unit_fields[] = {
    CFG_STR("name", struct platform_unit_cfg, name, NULL, "the unit's name", .flags = CFG_REQUIRED),
    CFG_BOOL("include_all", struct platform_unit_cfg, include_all, false,
	     "DRHD INCLUDE_PCI_ALL: every device no other unit lists (at most one unit)"),
    CFG_STRLIST("scope", struct platform_unit_cfg, scope, nscope,
		"devices (endpoints, or ports with everything below them) this unit remaps"),
    CFG_END,
};
static void unit_check(void *p, const struct cfg_scope *s)
{
	const struct platform_unit_cfg *u = p;

	cfg_scope_check_name(s, "name", "unit", u->name, false);
	/* a DRHD's device scopes as the firmware writes them */
	if (u->nscope > VTD_DMAR_MAX_SCOPES)
		cfg_scope_error(s, "scope",
				"unit '%s' lists %zu devices; a unit's scope holds at most %d "
				"(ports cover everything below them)",
				u->name, u->nscope, VTD_DMAR_MAX_SCOPES);
}

static const struct cfg_schema unit_schema =
    CFG_SCHEMA("iommu unit", struct platform_unit_cfg, unit_fields, .check = unit_check);

/* The DRHDs of one segment (VT-d 3.x §8.3): distinct names, each with a scope, at most one
 * INCLUDE_PCI_ALL. (The unit's own knobs are checked by vtd_cfg_schema first.) */
static void iommu_check(void *p, const struct cfg_scope *s)
{
	const struct platform_iommu_cfg *m = p;
	unsigned include_all = 0;

	for (size_t i = 0; i < m->nunits; i++) {
		include_all += m->units[i].include_all;
		for (size_t k = 0; k < i; k++)
			if (m->units[k].name && m->units[i].name &&
			    !strcmp(m->units[k].name, m->units[i].name))
				cfg_scope_error(s, "units", "two units are named '%s'",
						m->units[i].name);
		if (!m->units[i].include_all && !m->units[i].nscope)
			cfg_scope_error(s, "units",
					"unit '%s' has neither 'include_all' nor a 'scope'",
					m->units[i].name);
	}
	if (include_all > 1)
		cfg_scope_error(s, "units",
				"%u units have 'include_all'; a segment has at most one",
				include_all);
	if (m->nunits > 8)
		cfg_scope_error(s, "units", "%zu units; at most 8", m->nunits);
}

static const struct cfg_field iommu_fields[] = {
    CFG_BOOL("enabled", struct platform_iommu_cfg, enabled, true,
	     "the platform has a VT-d unit (and its DMAR table lists it)"),
    CFG_INLINE(struct platform_iommu_cfg, unit, vtd_cfg_schema),
    CFG_LIST("units", struct platform_iommu_cfg, units, nunits, unit_schema, 0, 8,
	     "DRHD units, each built as above (default: one, dmar0, with include_all)"),
    CFG_END,
};
const struct cfg_schema platform_iommu_cfg_schema =
    CFG_SCHEMA("iommu", struct platform_iommu_cfg, iommu_fields, .check = iommu_check);

static void rmrr_check(void *p, const struct cfg_scope *s)
{
	const struct platform_rmrr_cfg *r = p;

	if (r->base & 0xfff)
		cfg_scope_error(s, "base", "'base' %#llx is not 4 KiB aligned",
				(unsigned long long)r->base);
	if (r->size % 4096)
		cfg_scope_error(s, "size_kib", "'size_kib' %llu is not a multiple of 4 KiB",
				(unsigned long long)(r->size >> 10));
}

static const struct cfg_field rmrr_fields[] = {
    CFG_STR("device", struct platform_rmrr_cfg, device, NULL,
	    "the function that keeps using the region", .flags = CFG_REQUIRED),
    CFG_U64("base", struct platform_rmrr_cfg, base, 0, 0, 0, NULL,
	    "region start (host-physical, 4 KiB aligned, in RAM)", .flags = CFG_REQUIRED | CFG_HEX),
    CFG_KIB("size_kib", struct platform_rmrr_cfg, size, 4, 4, 1 << 30, "region size"),
    CFG_END,
};
static const struct cfg_schema rmrr_schema =
    CFG_SCHEMA("rmrr", struct platform_rmrr_cfg, rmrr_fields, .check = rmrr_check);

static const struct cfg_field firmware_fields[] = {
    CFG_BOOL("pcie_native_control", struct platform_firmware_cfg, pcie_native_control, true,
	     "_OSC grants the OS native control of PCIe features"),
    CFG_LIST("rmrrs", struct platform_firmware_cfg, rmrrs, nrmrrs, rmrr_schema, 0, 16,
	     "DMAR reserved memory regions (RMRR) devices keep using"),
    CFG_END,
};
const struct cfg_schema platform_firmware_cfg_schema =
    CFG_SCHEMA("firmware", struct platform_firmware_cfg, firmware_fields);
