/* SPDX-License-Identifier: MIT */
/*
 * The platform (see platform.h): building it, the root complex's side of DMA and interrupts,
 * and the interrupt messages in flight. The firmware's tables are in firmware.c.
 */
#include "models/platform/platform_internal.h"

#include "models/apic/ioapic.h"
#include "models/apic/lapic.h"
#include "models/apic/msi_regs.h"
#include "models/cpu/cpu.h"
#include "models/iommu/vtd_regs.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEVER UINT64_MAX

/* ---- which unit remaps which function ---- */

/* A unit whose scope lists the function or a bridge above it, else the INCLUDE_PCI_ALL unit
 * (VT-d §8.3.2); decided once per function, when it first sends a request. */
struct vtd *platform_unit_for(struct platform *p, const struct pcie_fn *fn)
{
	for (unsigned u = 0; u < p->nunits; u++)
		for (size_t i = 0; i < p->units[u].nscope; i++)
			for (const struct pcie_fn *f = fn; f; f = pcie_fn_parent(f))
				if (f == p->units[u].scope[i])
					return p->units[u].vtd;
	return p->unit_all >= 0 ? p->units[p->unit_all].vtd : NULL;
}

/* The VT-d unit in front of the root complex, as the fabric sees it. */
static void unit_translate(void *unit, uint16_t sid, uint64_t iova, uint32_t len, bool write,
			   uint64_t t, struct pcie_xlate *out)
{
	struct vtd_req r = {.sid = sid, .addr = iova, .write = write, .at = (enum vtd_at)out->at};
	struct vtd_xlate x;

	(void)len;
	vtd_translate_req(unit, &r, t, &x);
	out->hpa = x.hpa;
	out->lat_ps = x.lat_ps;
	out->ok = x.ok;
	out->perm = x.perm;
	out->page_shift = x.page_shift;
}

static void unit_remap_msi(void *unit, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
			   struct pcie_irq *irq)
{
	vtd_remap_msi(unit, sid, addr, data, t, irq);
}

static const struct pcie_iommu_ops unit_ops = {unit_translate, unit_remap_msi};

static void find_iommu(void *ctx, const struct pcie_fn *fn, struct pcie_iommu *out)
{
	struct vtd *u = platform_unit_for(ctx, fn);

	out->ops = u ? &unit_ops : NULL;
	out->unit = u;
}

/* ---- interrupts ---- */

static void note_flow(struct platform *p, uint32_t dest, uint64_t t)
{
	uint64_t flow = trace_current_flow();

	if (flow && dest < p->npcpus) {
		trace_flow(sim_trace, pcpu_track(p->pcpu[dest]), "interrupt", flow, t, 't');
		pcpu_note_flow(p->pcpu[dest], flow);
	}
}

/* An interrupt message reaching the APIC bus (from a unit, or decoded by the root complex). */
static void deliver(void *ctx, uint32_t dest, uint8_t vector, bool level, uint64_t t)
{
	struct platform *p = ctx;

	if (trace_on())
		note_flow(p, dest, t);
	apic_bus_deliver(p->bus, dest, vector, level);
}

/* A compatibility-format MSI of a device no unit covers (Intel SDM vol. 3 §11.11). */
static void compat_commit(void *ctx, const struct pcie_irq *irq)
{
	deliver(ctx, (uint32_t)irq->w[1], (uint8_t)irq->w[2], irq->w[2] & 0x100, irq->t_deliver);
}

static void rc_msi(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		   struct pcie_irq *irq)
{
	struct msi_compat m = msi_compat_decode(addr, data);

	(void)sid;
	irq->commit = compat_commit;
	irq->ctx = ctx;
	irq->t_deliver = t;
	irq->w[1] = m.dest;
	irq->w[2] = m.vector | (m.level_trigger ? 0x100u : 0);
}

/* INTx: a PC-style rotation of INTA-D of each root-bus device over GSIs 16-23. */
unsigned platform_prt_gsi(uint8_t root_devfn, unsigned pin)
{
	return 16 + (PCI_SLOT(root_devfn) + pin - 1) % 8;
}

static void rc_intx(void *ctx, uint8_t root_devfn, unsigned pin, bool asserted)
{
	struct platform *p = ctx;
	unsigned gsi = platform_prt_gsi(root_devfn, pin);

	if (asserted)
		p->gsi_assert[gsi]++;
	else if (p->gsi_assert[gsi])
		p->gsi_assert[gsi]--;
	ioapic_set_irq(p->ioapic, gsi, p->gsi_assert[gsi] > 0);
}

/* The I/O APIC's messages enter the root complex like a device's MSI, from its source ID. */
static void ioapic_send(void *ctx, uint16_t sid, uint64_t addr, uint32_t data)
{
	struct platform *p = ctx;
	struct pcie_irq irq = {0};
	struct vtd *u = NULL;

	/* the unit whose scope holds the I/O APIC: INCLUDE_PCI_ALL (its scope entry is implied) */
	(void)sid;
	if (p->unit_all >= 0)
		u = p->units[p->unit_all].vtd;
	if (u)
		vtd_remap_msi(u, sid, addr, data, sim_now(), &irq);
	else
		rc_msi(p, sid, addr, data, sim_now(), &irq);
	pcie_irq_commit(&irq);
}

static void eoi_broadcast(void *ctx, uint8_t vector)
{
	struct platform *p = ctx;

	ioapic_eoi(p->ioapic, vector);
}

/* A unit's ATS invalidate request travels to the endpoint (VT-d §6.5.2.5, PCIe §10.3). */
static bool devtlb_invalidate(void *ctx, uint16_t sid, bool pasid_present, uint32_t pasid,
			      uint64_t addr, uint64_t size, uint64_t t, uint64_t *t_done)
{
	struct platform *p = ctx;

	(void)pasid_present;
	(void)pasid;
	return pcie_ats_invalidate(p->fab, sid, addr, size, t, t_done);
}

/* ---- interrupt messages in flight ---- */

/* The root complex took a message at the time the device wrote it; it takes effect (APIC bus,
 * or a posted descriptor) at irq->t_deliver, in the order messages arrive. */
static void rc_post(void *ctx, const struct pcie_irq *irq)
{
	struct platform *p = ctx;

	if (p->ninflight == p->capinflight) {
		unsigned cap = p->capinflight ? 2 * p->capinflight : 16;
		struct platform_inflight *n = realloc(p->inflight, cap * sizeof(*n));

		if (!n) {
			p->st.irqs_dropped++;
			return;
		}
		p->inflight = n;
		p->capinflight = cap;
	}
	p->inflight[p->ninflight].irq = *irq;
	p->inflight[p->ninflight].flow = trace_current_flow();
	p->ninflight++;
	p->st.irqs_in_flight_max =
	    p->ninflight > p->st.irqs_in_flight_max ? p->ninflight : p->st.irqs_in_flight_max;
	sim_timer_at(p->delivery, irq->t_deliver);
}

/* The root complex's timer: deliver what is due, in arrival order; when is the next due? */
static uint64_t deliver_due(void *arg)
{
	struct platform *p = arg;
	uint64_t now = sim_now(), next = NEVER;
	/* it may run in another actor's turn (sim_timer_at): keep that actor's flow */
	uint64_t flow = trace_current_flow();

	for (unsigned i = 0; i < p->ninflight;) {
		if (p->inflight[i].irq.t_deliver > now) {
			i++;
			continue;
		}
		struct platform_inflight f = p->inflight[i];

		memmove(&p->inflight[i], &p->inflight[i + 1], (p->ninflight - i - 1) * sizeof(f));
		p->ninflight--;
		p->st.irqs_delivered++;
		trace_set_current_flow(f.flow);
		pcie_irq_commit(&f.irq);
	}
	trace_set_current_flow(flow);
	for (unsigned i = 0; i < p->ninflight; i++)
		if (p->inflight[i].irq.t_deliver < next)
			next = p->inflight[i].irq.t_deliver;
	return next;
}

/* ---- building ---- */

int platform_create(const struct platform_cfg *cfg, struct platform **out)
{
	struct platform *p = calloc(1, sizeof(*p));
	struct mem_cfg mc = cfg->memory;
	struct pcie_fabric_cfg fc = cfg->pcie;
	struct pcie_fn *hb;
	int rc;

	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	p->unit_all = -1;
	mc.low_top = PLATFORM_LOW_RAM_TOP;
	rc = mem_create(&mc, &p->mem);
	if (rc)
		goto fail;
	fc.ecam_base = PLATFORM_ECAM;
	fc.ecam_buses = PLATFORM_ECAM_BUSES;
	fc.mmio32_base = PLATFORM_MMIO32;
	fc.mmio32_size = PLATFORM_MMIO32_SIZE;
	fc.mmio64_base = PLATFORM_MMIO64;
	fc.mmio64_size = PLATFORM_MMIO64_SIZE;
	rc = pcie_fabric_create(&fc, p->mem, &p->fab);
	if (rc)
		goto fail;
	/* The host bridge at 00:00.0 (Sky Lake-E DMI3 registers). */
	rc = pcie_fn_create(p->fab, "host_bridge", PCIE_FN_HOST_BRIDGE, &hb);
	if (rc)
		goto fail;
	pcie_fn_set_ids(hb, 0x8086, 0x2020, 0x06000007, 0x8086, 0x0000);
	pcie_fn_add_cap_exp(hb, PCI_EXP_TYPE_RC_END, false);
	rc = pcie_fn_attach(hb, NULL, 0, NULL);
	if (rc)
		goto fail;
	*out = p;
	return 0;
fail:
	platform_destroy(p);
	return rc;
}

static const struct pcie_mmio_ops vtd_mmio = {vtd_reg_read, vtd_reg_write, 0};
static const struct pcie_mmio_ops ioapic_mmio = {ioapic_mmio_read, ioapic_mmio_write, 0};

/* The VT-d units: each with its registers at its DMAR address and its own caches. */
static int build_units(struct platform *p)
{
	const struct platform_cfg *c = &p->cfg;
	static const struct platform_unit_cfg all = {.name = "dmar0", .include_all = true};
	unsigned n = !c->iommu.enabled ? 0 : c->iommu.nunits ? (unsigned)c->iommu.nunits : 1;
	int rc;

	p->units = calloc(n ? n : 1, sizeof(*p->units));
	if (!p->units)
		return -ENOMEM;
	for (unsigned u = 0; u < n; u++) {
		const struct platform_unit_cfg *uc = c->iommu.nunits ? &c->iommu.units[u] : &all;
		struct platform_unit *pu = &p->units[u];
		struct vtd_cfg vc = c->iommu.unit;
		struct vtd_hooks vh = {
		    .deliver = deliver, .devtlb_invalidate = devtlb_invalidate, .ctx = p};

		snprintf(vc.name, sizeof(vc.name), "%s", uc->name);
		vc.reg_base = PLATFORM_DMAR + (uint64_t)u * 0x1000;
		vc.coherent = true; /* the units' page walks snoop the CPU caches */
		rc = vtd_create(&vc, p->mem, &pu->vtd);
		if (rc)
			return rc;
		p->nunits++;
		vtd_set_hooks(pu->vtd, &vh);
		pu->mmio = vtd_mmio;
		pu->mmio.access_ps = c->iommu.unit.reg_access_ps;
		rc = pcie_fabric_map_mmio(p->fab, vc.reg_base, DMAR_REG_SIZE, &pu->mmio, pu->vtd);
		if (rc)
			return rc;
		pu->cfg = uc;
		if (uc->include_all)
			p->unit_all = (int)u;
		pu->scope = calloc(uc->nscope ? uc->nscope : 1, sizeof(*pu->scope));
		if (!pu->scope)
			return -ENOMEM;
		for (size_t k = 0; k < uc->nscope; k++) {
			pu->scope[k] = pcie_fabric_find(p->fab, uc->scope[k]);
			if (!pu->scope[k])
				return -ENODEV;
			pu->nscope++;
		}
	}
	return 0;
}

/* Firmware's RMRRs: memory it keeps (reserved in E820) for the device named. */
static int reserve_rmrrs(struct platform *p)
{
	for (size_t i = 0; i < p->cfg.firmware.nrmrrs; i++) {
		const struct platform_rmrr_cfg *r = &p->cfg.firmware.rmrrs[i];

		if (!pcie_fabric_find(p->fab, r->device))
			return -ENODEV;
		mem_set_owner(p->mem, r->base, r->size, MEM_OWNER_FIRMWARE);
	}
	return 0;
}

static int build_cpus(struct platform *p)
{
	int rc = apic_bus_create(&p->bus);

	if (rc)
		return rc;
	p->lapic = calloc(p->cfg.cpu.pcpus, sizeof(*p->lapic));
	p->pcpu = calloc(p->cfg.cpu.pcpus, sizeof(*p->pcpu));
	if (!p->lapic || !p->pcpu)
		return -ENOMEM;
	for (unsigned i = 0; i < p->cfg.cpu.pcpus; i++) {
		struct pcpu_cfg pc = {
		    .id = i, .apic_id = i, .clock = {p->cfg.cpu.freq_mhz}, .vmx = p->cfg.cpu.vmx};

		rc = lapic_create(i, &p->lapic[i]);
		if (!rc)
			rc = apic_bus_attach(p->bus, p->lapic[i]);
		if (!rc)
			rc = pcpu_create(&pc, p->lapic[i], &p->pcpu[i]);
		if (rc)
			return rc;
		p->npcpus++;
		lapic_set_bus(p->lapic[i], p->bus);
		lapic_set_eoi_hook(p->lapic[i], eoi_broadcast, p);
		/* Firmware leaves each LAPIC software-enabled for the host kernel. */
		lapic_reg_write(p->lapic[i], 0xf0, 0x1ff);
		if (trace_on()) {
			char name[32];

			snprintf(name, sizeof(name), "pcpu%u", i);
			pcpu_set_track(p->pcpu[i], trace_track(sim_trace, "machine", name));
		}
	}
	return 0;
}

int platform_realize(struct platform *p)
{
	struct pcie_rc_hooks hooks = {.msi = rc_msi, .intx = rc_intx, .post = rc_post, .ctx = p};
	struct ioapic_cfg ic = {.id = 8, .pins = PLATFORM_IOAPIC_PINS, .sid = PLATFORM_IOAPIC_SID};
	struct ioapic_hooks ih = {ioapic_send, p};
	int rc;

	rc = reserve_rmrrs(p);
	if (!rc)
		rc = build_units(p);
	if (!rc)
		rc = platform__firmware_install(p);
	if (rc)
		return rc;
	pcie_fabric_set_hooks(p->fab, &hooks);
	pcie_setup_iommu(p->fab, find_iommu, p);

	/* The I/O APIC, behind the root complex like the VT-d registers. */
	rc = ioapic_create(&ic, &p->ioapic);
	if (rc)
		return rc;
	ioapic_set_hooks(p->ioapic, &ih);
	p->ioapic_mmio = ioapic_mmio;
	/* Behind the root complex like the VT-d registers: the same round trip. */
	p->ioapic_mmio.access_ps = p->cfg.iommu.unit.reg_access_ps;
	rc = pcie_fabric_map_mmio(p->fab, PLATFORM_IOAPIC, 0x1000, &p->ioapic_mmio, p->ioapic);
	if (!rc)
		rc = sim_timer_create("root complex: interrupt messages in flight", deliver_due, p,
				      &p->delivery);
	if (!rc)
		rc = build_cpus(p);
	return rc;
}

int platform_start(struct platform *p)
{
	int rc = 0;

	for (unsigned u = 0; u < p->nunits && !rc; u++)
		rc = vtd_start(p->units[u].vtd);
	if (!rc)
		rc = sim_timer_start(p->delivery);
	return rc;
}

void platform_destroy(struct platform *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->npcpus; i++) {
		pcpu_destroy(p->pcpu[i]);
		lapic_destroy(p->lapic[i]);
	}
	free(p->pcpu);
	free(p->lapic);
	apic_bus_destroy(p->bus);
	ioapic_destroy(p->ioapic);
	sim_timer_destroy(p->delivery);
	free(p->inflight);
	for (unsigned u = 0; u < p->nunits; u++) {
		vtd_destroy(p->units[u].vtd);
		free(p->units[u].scope);
	}
	free(p->units);
	pcie_fabric_destroy(p->fab);
	mem_destroy(p->mem);
	free(p);
}

/* ---- what the rest of the machine reaches ---- */

struct mem *platform_mem(const struct platform *p)
{
	return p->mem;
}

struct pcie_fabric *platform_fabric(const struct platform *p)
{
	return p->fab;
}

unsigned platform_npcpus(const struct platform *p)
{
	return p->npcpus;
}

struct pcpu *platform_pcpu(const struct platform *p, unsigned i)
{
	return i < p->npcpus ? p->pcpu[i] : NULL;
}

struct pcpu **platform_pcpus(const struct platform *p)
{
	return p->pcpu;
}

struct ioapic *platform_ioapic(const struct platform *p)
{
	return p->ioapic;
}

unsigned platform_nunits(const struct platform *p)
{
	return p->nunits;
}

struct vtd *platform_unit(const struct platform *p, unsigned i)
{
	return i < p->nunits ? p->units[i].vtd : NULL;
}

const struct platform_stats *platform_stats(const struct platform *p)
{
	return &p->st;
}

/* Where the platform's counters reach the results (the application places this table at ""). */
static const struct metric platform_rows[] = {
    {METRIC(struct platform_stats, irqs_delivered, COUNT, "platform.interrupt_messages",
	    "interrupt messages the root complex delivered (to the APIC bus or a posted "
	    "descriptor)")},
    {METRIC(struct platform_stats, irqs_in_flight_max, GAUGE,
	    "platform.interrupt_messages_in_flight_max",
	    "most interrupt messages in flight in the root complex at once"),
     .agg = METRIC_AGG_MAX},
    {METRIC(struct platform_stats, irqs_dropped, COUNT, "platform.interrupt_messages_lost",
	    "interrupt messages lost for want of memory (never expected)")},
};
const struct metric_table platform_metrics = METRIC_TABLE(struct platform_stats, platform_rows);
