/* SPDX-License-Identifier: MIT */
/*
 * The knobs of a VT-d unit (machine.iommu; `enabled` and `units` are the platform's) and of
 * its IOTLB. Sources are named where a figure was published; the rest are estimates.
 */
#include "models/iommu/vtd.h"
#include "sim/knob.h"

const char *const iotlb_repl_names[] = {"lru", "fifo", "random", NULL};

static void iotlb_check(void *p, const struct cfg_scope *s)
{
	const struct iotlb_cfg *t = p;

	if (t->ways > t->entries || t->entries % t->ways)
		cfg_scope_error(s, "ways", "'ways' (%u) must divide 'entries' (%u)", t->ways,
				t->entries);
}

static const struct cfg_field iotlb_fields[] = {
    CFG_U32("entries", struct iotlb_cfg, entries, 64, 1, 65536, "entries", "IOTLB entries",
	    .source = "pcie-bench inferred a 64-entry IOTLB (SIGCOMM'18, §6)"),
    CFG_U32("ways", struct iotlb_cfg, ways, 4, 1, 65536, "ways",
	    "associativity (ways == entries: fully associative)", .source = "estimate"),
    CFG_ENUM("replacement", struct iotlb_cfg, repl, iotlb_repl_names, IOTLB_LRU,
	     "replacement policy"),
    CFG_END,
};
const struct cfg_schema iotlb_cfg_schema =
    CFG_SCHEMA("iotlb", struct iotlb_cfg, iotlb_fields, .check = iotlb_check);

/* The paging-structure caches' entries, per level, as vtd_cfg.psc_entries holds them. */
struct psc_levels {
	unsigned e[VTD_PSC_LEVELS];
};
_Static_assert(sizeof(struct psc_levels) == sizeof(((struct vtd_cfg *)0)->psc_entries),
	       "psc_levels is psc_entries");

static const struct cfg_field psc_fields[] = {
    CFG_U32("pde", struct psc_levels, e[2], 0, 0, 65536, "entries",
	    "cached page-directory entries (each skips 3 of 4 levels); 0: none"),
    CFG_U32("pdpte", struct psc_levels, e[3], 0, 0, 65536, "entries",
	    "cached page-directory-pointer entries"),
    CFG_U32("pml4e", struct psc_levels, e[4], 0, 0, 65536, "entries", "cached PML4 entries"),
    CFG_U32("pml5e", struct psc_levels, e[5], 0, 0, 65536, "entries", "cached PML5 entries"),
    CFG_END,
};
static const struct cfg_schema psc_schema =
    CFG_SCHEMA("paging-structure caches", struct psc_levels, psc_fields);

/* What a unit can be: CAP.ND's values (VT-d 3.x §11.4.2), and scalable mode's needs. */
static void vtd_cfg_check(void *p, const struct cfg_scope *s)
{
	const struct vtd_cfg *m = p;

	if (m->domains != 16 && m->domains != 64 && m->domains != 256 && m->domains != 1024 &&
	    m->domains != 4096 && m->domains != 16384 && m->domains != 65536)
		cfg_scope_error(s, "domains",
				"'domains' is %u; CAP.ND allows 2^(4+2n): 16, 64, 256, 1024, 4096, "
				"16384 or 65536",
				m->domains);
	if (m->scalable && !m->qi)
		cfg_scope_error(s, "scalable_mode",
				"scalable mode needs queued invalidation (256-bit descriptors)");
	if (m->scalable && !m->first_level && !m->second_level)
		cfg_scope_error(s, "scalable_mode",
				"scalable mode needs first_level or second_level translation");
}

static const struct cfg_field vtd_fields[] = {
    CFG_STRUCT("iotlb", struct vtd_cfg, iotlb, iotlb_cfg_schema, "the IOTLB"),
    CFG_BOOL("superpages", struct vtd_cfg, superpages, false,
	     "2 MiB and 1 GiB second-level pages (CAP.SLLPS)"),
    CFG_U32("context_cache_entries", struct vtd_cfg, ctx_entries, 16, 1, 65536, "entries",
	    "context-cache entries"),
    CFG_U32("interrupt_cache_entries", struct vtd_cfg, iec_entries, 64, 1, 65536, "entries",
	    "interrupt entry cache entries"),
    CFG_U32("fault_records", struct vtd_cfg, nfr, 8, 1, 16, "registers",
	    "fault recording registers (CAP.NFR; 16 fit below the IOTLB registers)"),
    CFG_U32("address_width", struct vtd_cfg, address_width, 48, 39, 57, "bits",
	    "widest supported table (39, 48 or 57 bits: 3, 4 or 5 levels; CAP.SAGAW, MGAW)"),
    CFG_NS("iotlb_hit_ns", struct vtd_cfg, iotlb_hit_ps, 5, 0, 1e5,
	   "translation time on an IOTLB hit", .source = "estimate"),
    CFG_NS("context_hit_ns", struct vtd_cfg, ctx_hit_ps, 2, 0, 1e5, "context-cache hit",
	   .source = "estimate"),
    CFG_NS("walk_step_ns", struct vtd_cfg, walk_step_ps, 5, 0, 1e5,
	   "walker time per paging-structure read, beyond the memory access",
	   .source = "with DRAM reads, a 4-level miss adds ~340 ns; pcie-bench: 280-360 ns"),
    CFG_BOOL("walk_in_llc", struct vtd_cfg, walk_in_llc, false,
	     "paging-structure reads hit the last-level cache"),
    CFG_NS("command_ns", struct vtd_cfg, cmd_ps, 200, 0, 1e8,
	   "a GCMD / register invalidation command's completion time", .source = "estimate"),
    CFG_NS("descriptor_ns", struct vtd_cfg, qi_desc_ps, 100, 0, 1e8,
	   "fetching and executing one invalidation descriptor", .source = "estimate"),
    CFG_NS("register_access_ns", struct vtd_cfg, reg_access_ps, 300, 0, 1e6,
	   "CPU round trip to a VT-d register (and to the I/O APIC's)", .source = "estimate"),
    CFG_NS("interrupt_remap_ns", struct vtd_cfg, ir_ps, 10, 0, 1e6,
	   "interrupt remapping on an interrupt-entry-cache hit", .source = "estimate"),
    CFG_BOOL("queued_invalidation", struct vtd_cfg, qi, true, "ECAP.QI"),
    CFG_BOOL("interrupt_remapping", struct vtd_cfg, ir, true,
	     "ECAP.IR (and the DMAR's INTR_REMAP flag)"),
    CFG_BOOL("posted_interrupts", struct vtd_cfg, posted_interrupts, true, "CAP.PI"),
    CFG_U32("domains", struct vtd_cfg, domains, 256, 16, 65536, "domains",
	    "domain IDs (CAP.ND: 16, 64, 256, ... 65536)", .source = "estimate; Xeons report 64K"),
    CFG_BOOL("caching_mode", struct vtd_cfg, caching_mode, false,
	     "CAP.CM: not-present entries may be cached (what virtual IOMMUs report)",
	     .source = "real hardware has CM=0, VT-d §6.1"),
    CFG_BOOL("pass_through", struct vtd_cfg, pt, true, "ECAP.PT"),
    CFG_BOOL("extended_interrupt_mode", struct vtd_cfg, eim, true,
	     "ECAP.EIM: x2APIC destinations in IRTEs"),
    CFG_BOOL("snoop_control", struct vtd_cfg, snoop_control, false, "ECAP.SC"),
    CFG_BOOL("write_buffer_flush", struct vtd_cfg, rwbf, false,
	     "CAP.RWBF: software must flush the write buffer after changing tables"),
    CFG_BOOL("advanced_fault_log", struct vtd_cfg, afl, false,
	     "CAP.AFL: faults can be logged to memory"),
    CFG_BOOL("device_tlb", struct vtd_cfg, device_tlb, false,
	     "ECAP.DT: ATS (device-side translation caches); the DMAR table gets an ATSR"),
    CFG_BOOL("scalable_mode", struct vtd_cfg, scalable, false,
	     "ECAP.SMTS: scalable-mode tables (PASID directory and tables)",
	     .source = "legacy mode only, as Xeons before Sapphire Rapids"),
    CFG_BOOL("first_level", struct vtd_cfg, first_level, true,
	     "scalable mode: first-level (x86 page table) translation, ECAP.FLTS"),
    CFG_BOOL("second_level", struct vtd_cfg, second_level, true,
	     "scalable mode: second-level translation, ECAP.SLTS"),
    CFG_BOOL("nested", struct vtd_cfg, nested, true,
	     "scalable mode: first level over second level, ECAP.NEST"),
    CFG_BOOL("first_level_1g", struct vtd_cfg, fl_1g, true, "1 GiB first-level pages, CAP.FL1GP"),
    CFG_U32("pasid_bits", struct vtd_cfg, pasid_bits, 20, 0, 20, "bits",
	    "PASID width (ECAP.PSS + 1; 0: no PASID support)", .source = "the VT-d 3.x maximum"),
    CFG_U32("pasid_cache_entries", struct vtd_cfg, pasid_cache_entries, 16, 0, 65536, "entries",
	    "PASID-cache entries (scalable mode)", .source = "estimate"),
    CFG_STRUCT("paging_structure_caches", struct vtd_cfg, psc_entries, psc_schema,
	       "entries of the caches of non-leaf paging entries, per level",
	       .source = "off: a full walk matches pcie-bench's miss penalty; sizes are not "
			 "published"),
    CFG_U32("walkers", struct vtd_cfg, walkers, 4, 0, 1024, "walks",
	    "page walks in flight at once; more misses queue (0: unbounded)",
	    .source = "estimate; not published"),
    CFG_NS("devtlb_timeout_ns", struct vtd_cfg, devtlb_timeout_ps, 1000000, 1, 1e10,
	   "a device-TLB invalidation without completion by then sets FSTS.ITE",
	   .source = "estimate; PCIe allows ~60 s, platforms time out much sooner"),
    CFG_END,
};
const struct cfg_schema vtd_cfg_schema =
    CFG_SCHEMA("vt-d unit", struct vtd_cfg, vtd_fields, .check = vtd_cfg_check);
