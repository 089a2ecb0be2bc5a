/* SPDX-License-Identifier: MIT */
/*
 * One run: the controller actor, bound to pCPU 0, boots the host software on the machine
 * app/build.c built (DMAR table, VT-d driver per unit, PCI enumeration, hypervisor, VMs,
 * device assignment), starts the workload and idles until its window closes.
 */
#include "app/machine_internal.h"

#include "models/devices/dmaeng.h"
#include "models/devices/gendev.h"
#include "models/devices/nic.h"
#include "models/devices/nvme.h"
#include "models/guest/drivers/nvme_drv.h"
#include "models/guest/drivers/ptnic_drv.h"
#include "models/guest/kernel/gk.h"
#include "models/host/bare.h"
#include "models/host/host.h"
#include "models/host/hv.h"
#include "models/host/iommu_groups.h"
#include "models/host/ioapic_drv.h"
#include "models/host/sched.h"
#include "models/host/survey.h"
#include "models/host/pv_iommu.h"
#include "models/host/vfio.h"
#include "models/host/viommu.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/simtime.h"
#include "sim/trace.h"
#include "workloads/stream_rx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void machine__fail(struct machine *m, const char *fmt, ...)
{
	va_list ap;

	if (m->status)
		return;
	m->status = 1;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
}

int machine__push(void *arrayp, unsigned *n, void *item)
{
	void ***a = arrayp;
	void **grown = realloc(*a, (*n + 1) * sizeof(**a));

	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = item;
	*a = grown;
	return 0;
}

/* ---- the controller: host boot, VMs, the measurement window ---- */

/* The DMA back-ends' books follow the window (their samples, their pinned-page integral). */
static void pv_measure(struct machine *m, bool on)
{
	for (unsigned v = 0; v < m->sc->nvms; v++)
		if (m->pv[v])
			pv_iommu_measure(m->pv[v], on, sim_now());
}

static void on_start(void *ctx)
{
	struct machine *m = ctx;

	m->started = true;
	m->t_start = sim_now();
	clock_gettime(CLOCK_MONOTONIC, &m->wall_start);
	machine__workload_measure(m, true);
	pv_measure(m, true);
	machine__snapshot(m, &m->c0);
}

static void on_sent(void *ctx)
{
	struct machine *m = ctx;

	pcpu_kick(m->pcpu[0]); /* the controller starts the drain clock */
}

/* The window ends when the guest has the last frame and has returned from the interrupt
 * that brought it, so that interrupt's completion (a level interrupt's EOI) is inside. */
static void end_window(struct machine *m)
{
	m->end_pending = false;
	m->done = true;
	m->t_end = sim_now();
	clock_gettime(CLOCK_MONOTONIC, &m->wall_end);
	machine__workload_measure(m, false);
	pv_measure(m, false);
	machine__snapshot(m, &m->c1);
	pcpu_kick(m->pcpu[0]);
}

static void on_irq_done(void *ctx)
{
	struct machine *m = ctx;

	if (m->end_pending && !machine__workload_in_irq(m))
		end_window(m);
}

static void on_done(void *ctx)
{
	struct machine *m = ctx;

	if (m->done || m->end_pending)
		return;
	if (machine__workload_in_irq(m))
		m->end_pending = true;
	else
		end_window(m);
}

/* guest.task cpu_hog: a batch job that never halts. */
static void cpu_hog(void *ctx, struct gk *g)
{
	(void)ctx;
	for (;;)
		gk_compute(g, 1000000);
}

static int boot_vm(struct machine *m, unsigned v)
{
	const struct sc_vm *sv = &m->sc->vms[v];
	struct gk_cfg gc = sv->guest.kernel;
	struct vm_cfg vc = sv->vm;
	int rc;

	snprintf(gc.name, sizeof(gc.name), "%s", sv->name);
	rc = gk_create(&gc, &m->gk[v]);
	if (!rc)
		rc = gk_register_builtin(m->gk[v], &ptnic_driver, &sv->guest.ptnic);
	if (!rc)
		rc = gk_register_builtin(m->gk[v], &nvme_driver, &sv->guest.nvme);
	if (rc)
		return rc;
	if (sv->guest.task == SC_TASK_CPU_HOG)
		gk_set_init(m->gk[v], cpu_hog, NULL);

	vc.id = v;
	snprintf(vc.name, sizeof(vc.name), "%s", sv->name);
	vc.guest_entry = m->guest_entry ? m->guest_entry : gk_entry;
	vc.guest_ctx = m->guest_entry ? m->guest_entry_ctx : m->gk[v];
	rc = hv_vm_create(m->sys.hv, &vc, &m->vm[v]);
	if (rc)
		return rc;
	if (sv->ndevices && sv->viommu.mode != VIOMMU_NONE) {
		/* The guest maps through its own VT-d driver; the vIOMMU decides the physical
		 * unit's mappings (no paravirtual back-end). */
		rc = viommu_create(m->vm[v], &sv->viommu, &m->viommu[v]);
		if (rc)
			return rc;
	} else if (sv->ndevices && sv->dma.strategy != DMA_NONE) {
		rc = pv_iommu_create(m->vm[v], &sv->dma, &m->pv[v]);
		if (rc)
			return rc;
	}
	if (trace_on())
		for (unsigned i = 0; i < vc.nvcpus; i++) {
			char name[48];

			snprintf(name, sizeof(name), "vcpu%u (pcpu%u)", i, vc.pcpu[i]);
			vcpu_set_track(vm_vcpu(m->vm[v], i), trace_track(sim_trace, sv->name, name));
		}

	/* QEMU opens one VFIO container per VM and adds every group to it. */
	if (sv->ndevices) {
		rc = vfio_container_create(m->vm[v], &m->container[v]);
		if (rc)
			return rc;
	}
	for (size_t d = 0; d < sv->ndevices; d++) {
		struct pcie_fn *fn = pcie_fabric_find(m->fab, sv->devices[d]);
		struct vfio_cfg fc = {0};
		struct hpci_dev *hd;
		char path[128];

		pcie_fn_location(fn, path, sizeof(path));
		hd = hpci_find_path(&m->sys.pci, path);
		if (!hd) {
			machine__fail(m, "%s: the host did not find %s at %s", sv->name,
				      sv->devices[d], path);
			return -ENODEV;
		}
		fc.host_bdf = hd->bdf;
		fc.guest_devfn = (uint8_t)PCI_DEVFN(3 + d, 0);
		fc.dma = sv->dma;
		fc.pv = m->pv[v];
		fc.viommu = m->viommu[v];
		fc.container = m->container[v];
		fc.flr_wait_us = m->sc->host.flr_wait_us;
		fc.ioapic = m->sys.ioapic;
		struct intel_iommu *iommu = host_iommu_for(&m->sys, hd->bdf);
		struct vfio_dev *vd;
		struct dev_owner *o;

		if (!iommu && fc.dma.strategy != DMA_NONE) {
			machine__fail(m, "%s: %s is behind no DMA-remapping unit (DMAR)", sv->name,
				      sv->devices[d]);
			return -ENODEV;
		}
		rc = vfio_assign(m->vm[v], iommu, &m->sys.pci, &fc, &vd);
		if (!rc)
			rc = machine__push(&m->vfio, &m->nvfio, vd);
		if (rc) {
			machine__fail(m, "%s: assigning %s (%04x) failed: %s", sv->name,
				      sv->devices[d], hd->bdf, strerror(-rc));
			return rc;
		}
		o = realloc(m->owners, (m->nowners + 1) * sizeof(*o));
		if (!o)
			return -ENOMEM;
		m->owners = o;
		m->owners[m->nowners++] = (struct dev_owner){fn, v, fc.guest_devfn};
		/* The experiment's bookkeeping: DMA from it outside the VM's memory is counted, and
		 * its translations go to the books of the VM's DMA back-end. */
		pcie_fn_set_owner(fn, MEM_OWNER_VM(v));
		m->vm_of_sid[hd->bdf] = (uint16_t)(v + 1);
		if (m->pv[v] && sv->dma.strategy > DMA_DIRECT_MAP)
			m->pv_by_sid[hd->bdf] = m->pv[v];
	}
	return 0;
}

/* Bare metal: the VT-d driver of the unit that remaps bdf, which the host's boot brought up. */
static struct intel_iommu *bare_unit_for(void *ctx, uint16_t bdf)
{
	const struct machine *m = ctx;

	return host_iommu_for(&m->sys, bdf);
}

static void bare_entry(void *ctx, struct vcpu *v)
{
	struct machine *m = ctx;

	if (m->guest_entry)
		m->guest_entry(m->guest_entry_ctx, v);
	else
		gk_entry(m->gk[0], v);
}

/* A function the host's kernel drives, at the BDF the host's enumeration gave it (a VF the
 * administrator did not enable is not there). */
static int add_bare_owner(struct machine *m, struct pcie_fn *fn)
{
	struct dev_owner *o;
	struct hpci_dev *hd;
	char path[128];

	pcie_fn_location(fn, path, sizeof(path));
	hd = hpci_find_path(&m->sys.pci, path);
	if (!hd)
		return 0;
	o = realloc(m->owners, (m->nowners + 1) * sizeof(*o));
	if (!o)
		return -ENOMEM;
	m->owners = o;
	m->owners[m->nowners++] = (struct dev_owner){fn, 0, hd->bdf};
	return 0;
}

/* No VMs: the workload runs on the host itself, in the same kernel a VM runs, on CPUs with
 * VMX off (models/host/bare.h). The host owns every function: each device of the machine is
 * where the kernel's PCI scan finds it, at its host BDF. */
static int boot_bare(struct machine *m)
{
	const struct sc_bare *sb = &m->sc->bare;
	struct gk_cfg gc = sb->kernel.kernel;
	struct host_bare_cfg bc = {.ncpus = (unsigned)sb->npcpus, .ram_bytes = sb->ram_bytes};
	unsigned *pin = calloc(sb->npcpus, sizeof(*pin));
	int rc;

	if (!pin)
		return -ENOMEM;
	for (size_t i = 0; i < sb->npcpus; i++)
		pin[i] = sb->pcpus[i];
	snprintf(gc.name, sizeof(gc.name), "host");
	snprintf(bc.name, sizeof(bc.name), "host");
	bc.pcpu = pin;
	bc.entry = bare_entry;
	bc.ctx = m;
	rc = host_bare_create(m->sys.host, &bc, &m->bare);
	free(pin);
	if (rc)
		return rc;
	gc.bsp_apic_id = host_cpu_apic_id(m->sys.host, sb->pcpus[0]);
	gc.bootparam_pa = host_bare_bootparam(m->bare);
	rc = gk_create(&gc, &m->gk[0]);
	if (!rc)
		rc = gk_register_builtin(m->gk[0], &ptnic_driver, &sb->kernel.ptnic);
	if (!rc)
		rc = gk_register_builtin(m->gk[0], &nvme_driver, &sb->kernel.nvme);
	if (rc)
		return rc;
	/* the kernel's half of Linux: the boot's VT-d drivers, DMA remapping as intel_iommu= */
	gk_share_iommu(m->gk[0], bare_unit_for, m, m->sc->host.iommu.dma_remapping);
	if (trace_on())
		for (unsigned i = 0; i < host_bare_ncpus(m->bare); i++) {
			char name[48];

			snprintf(name, sizeof(name), "cpu%u (pcpu%u)", i,
				 host_bare_pcpu(m->bare, i));
			vcpu_set_track(host_bare_cpu(m->bare, i),
				       trace_track(sim_trace, "bare metal", name));
		}
	for (unsigned i = 0; i < m->nnics + m->nnvmes; i++) {
		struct pcie_fn *fn =
		    i < m->nnics ? nic_fn(m->nic[i]) : nvme_fn(m->nvme[i - m->nnics]);
		int r = add_bare_owner(m, fn);

		if (r)
			return r;
		for (unsigned n = 1; i < m->nnics && n <= nic_total_vfs(m->nic[i]) && !r; n++)
			r = add_bare_owner(m, nic_fn(nic_vf(m->nic[i], n)));
		if (r)
			return r;
	}
	return 0;
}

/* The IOMMU's translations, for the books of the VM whose function made the request: its DMA
 * back-end's, and with several VMs its own counts (the IOTLB and the walkers are shared). */
static void observe_xlate(void *ctx, uint16_t sid, uint64_t addr, const struct vtd_xlate *x,
			  uint64_t t)
{
	struct machine *m = ctx;
	struct pv_iommu *pv = m->pv_by_sid[sid];
	unsigned v = m->vm_of_sid[sid];

	if (pv)
		pv_iommu_observe(pv, sid, addr, x->ok, t);
	if (v && m->sc->nvms > 1) {
		struct vm_xlate_stats *st = &m->vm_xlate[v - 1];

		st->translations++;
		st->iotlb_hits += x->iotlb_hit;
		st->iotlb_misses += x->iotlb_miss;
		st->walk_mem_reads += x->mem_reads;
		st->blocked += !x->ok;
		st->xlate_ps += x->lat_ps;
	}
}

static void bench_done(void *ctx)
{
	struct machine *m = ctx;

	m->done = true;
	m->t_end = sim_now();
	clock_gettime(CLOCK_MONOTONIC, &m->wall_end);
	pv_measure(m, false);
	machine__snapshot(m, &m->c1);
}

/* The administrator's `echo N > sriov_numvfs` for every PF the scenario gives num_vfs, in
 * the order of the topology. */
static int sriov_requests(struct machine *m, const struct sc_node *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int rc;

		if (n[i].has_sriov && n[i].sriov.num_vfs) {
			struct host_sriov_req *r = realloc(m->sriov, (m->nsriov + 1) * sizeof(*r));
			char path[128];

			if (!r)
				return -ENOMEM;
			m->sriov = r;
			pcie_fn_location(pcie_fabric_find(m->fab, n[i].name), path, sizeof(path));
			r[m->nsriov].path = strdup(path);
			r[m->nsriov].numvfs = n[i].sriov.num_vfs;
			if (!r[m->nsriov++].path)
				return -ENOMEM;
		}
		rc = sriov_requests(m, n[i].below, n[i].nbelow);
		if (!rc)
			rc = sriov_requests(m, n[i].ports, n[i].nports);
		if (rc)
			return rc;
	}
	return 0;
}

/* What the host can reach and what firmware tells it (MCFG, _CRS, MADT, _PRT, _OSC, DMAR). */
static void host_machine_of(const struct machine *m, struct host_machine *hm)
{
	memset(hm, 0, sizeof(*hm));
	hm->mem = m->mem;
	hm->fab = m->fab;
	hm->pcpus = m->pcpu;
	hm->npcpus = m->npcpus;
	hm->ecam_base = PLATFORM_ECAM;
	hm->ecam_buses = PLATFORM_ECAM_BUSES;
	hm->mmio32_base = PLATFORM_MMIO32;
	hm->mmio32_size = PLATFORM_MMIO32_SIZE;
	hm->mmio64_base = PLATFORM_MMIO64;
	hm->mmio64_size = PLATFORM_MMIO64_SIZE;
	hm->acpi_rsdp = platform_acpi_rsdp(m->plat);
	hm->ioapic_base = PLATFORM_IOAPIC;
	hm->ioapic_pins = PLATFORM_IOAPIC_PINS;
	hm->ioapic_sid = PLATFORM_IOAPIC_SID;
	for (unsigned d = 0; d < 32; d++)
		for (unsigned p = 1; p <= 4; p++)
			hm->prt[d][p - 1] = (uint8_t)platform_prt_gsi((uint8_t)PCI_DEVFN(d, 0), p);
	hm->pcie_native_control = m->sc->machine.firmware.pcie_native_control;
	hm->rmrrs = m->rmrrs;
	hm->nrmrrs = m->nrmrrs;
}

/* The host's boot configuration: host.* and hypervisor.* as the scenario holds them, and what
 * this run asks of it. */
static void host_boot_cfg_of(const struct machine *m, struct host_boot_cfg *bc)
{
	*bc = m->sc->host;
	bc->sriov = m->sriov;
	bc->nsriov = m->nsriov;
	bc->hypervisor = !m->opts.host_only;
}

static void controller(void *arg)
{
	struct machine *m = arg;
	const struct scenario *sc = m->sc;
	struct host_machine hm;
	struct host_boot_cfg bc;
	uint64_t deadline = (uint64_t)(sc->run.max_sim_ms * (double)SIM_PS_PER_MS);
	char err[256];
	int rc;

	pcpu_bind(m->pcpu[0]);
	for (unsigned i = 0; i < m->nnics; i++)
		nic_start(m->nic[i]);
	for (unsigned i = 0; i < m->neng; i++)
		dmaeng_start(m->eng[i]);
	for (unsigned i = 0; i < m->nnvmes; i++)
		nvme_start(m->nvme[i]);
	platform_start(m->plat);

	host_machine_of(m, &hm);
	host_boot_cfg_of(m, &bc);
	rc = host_boot(&hm, &bc, &m->sys, err, sizeof(err));
	if (rc) {
		machine__fail(m, "%s", err);
		return;
	}
	if (m->opts.host_only) {
		/* survey and lspci: what the host found, as its software sees it */
		if (m->opts.snapshot_config)
			rc = hpci_snapshot(m->sys.host, &m->sys.pci);
		m->survey = calloc(m->sys.pci.n ? m->sys.pci.n : 1, sizeof(*m->survey));
		if (rc || !m->survey) {
			machine__fail(m, "survey: %s", strerror(rc ? -rc : ENOMEM));
			return;
		}
		survey_run(m->sys.host, &m->sys.pci, m->opts.force, m->survey);
		m->t_setup_done = pcpu_sync(m->pcpu[0]);
		m->done = true;
		return;
	}
	for (unsigned v = 0; v < sc->nvms; v++) {
		rc = boot_vm(m, v);
		if (rc) {
			machine__fail(m, "%s: could not start: %s", sc->vms[v].name, strerror(-rc));
			return;
		}
	}
	if (machine__bare(m)) {
		rc = boot_bare(m);
		if (rc) {
			machine__fail(m, "bare metal: could not start: %s", strerror(-rc));
			return;
		}
	}

	for (unsigned i = 0; i < 65536; i++)
		if (m->pv_by_sid[i] || (sc->nvms > 1 && m->vm_of_sid[i])) {
			for (unsigned u = 0; u < m->nunits; u++)
				vtd_set_xlate_observer(platform_unit(m->plat, u), observe_xlate, m);
			break;
		}

	/* The workload: a stream through each of its NICs, received (sent) in the guests that own
	 * them. */
	struct wl_hooks wh = {on_start, on_sent, on_done, m};

	rc = machine__workload_bind(m, &wh, on_irq_done);
	if (rc) {
		machine__fail(m, "workload: %s", strerror(-rc));
		return;
	}
	m->t_setup_done = pcpu_sync(m->pcpu[0]);
	if (sc->workload.kind == SC_WL_DMA_BENCH) {
		machine__run_dma_bench(m, on_start, bench_done);
		return;
	}
	/* The other VMs boot first, so that the measurement holds only the workload's VMs
	 * booting-free; then the workload's VMs. */
	for (unsigned v = 0; v < sc->nvms; v++) {
		if (machine__workload_vm(m, v))
			continue;
		hv_vm_start(m->vm[v]);
		while (!gk_stats(m->gk[v])->boot_done_ps && sim_now() < deadline)
			pcpu_idle_until(m->pcpu[0], sim_now() + 100 * SIM_PS_PER_US);
	}
	for (unsigned v = 0; v < sc->nvms; v++)
		if (machine__workload_vm(m, v))
			hv_vm_start(m->vm[v]);
	if (m->bare)
		host_bare_start(m->bare);

	/* pCPU 0 idles (serving host interrupts) until the workload is done. */
	while (!m->done && sim_now() < deadline) {
		uint64_t until = deadline, look;
		uint64_t give_up = machine__workload_give_up_at(m, sim_now(), &look);
		struct wl_status st;

		if (sim_now() >= give_up && machine__workload_give_up(m, sim_now()))
			break;
		if (look < until)
			until = look;

		if (m->opts.progress && sim_now() + SIM_PS_PER_MS < until)
			until = sim_now() + SIM_PS_PER_MS;
		pcpu_idle_until(m->pcpu[0], until);
		struct timespec now_w;

		clock_gettime(CLOCK_MONOTONIC, &now_w);
		machine__workload_status(m, &st);
		if (m->opts.progress && st.stream && now_w.tv_sec - m->wall0.tv_sec >= 2) {
			m->progress_shown = true;
			fprintf(stderr, "\rptsim: t=%.3f ms  %s %llu/%llu %s, %llu dropped   ",
				(double)sim_now() / SIM_PS_PER_MS, st.units,
				(unsigned long long)st.done, (unsigned long long)st.total,
				st.done_words, (unsigned long long)st.dropped);
		}
	}
	if (m->progress_shown)
		fprintf(stderr, "\r%100s\r", "");
	if (!m->done) {
		struct wl_status st;

		machine__workload_status(m, &st);
		machine__fail(
		    m,
		    "the workload did not finish within run.max_sim_ms = %g ms (%llu of "
		    "%llu %s %s, %llu dropped%s%s%s)",
		    sc->run.max_sim_ms, (unsigned long long)st.done, (unsigned long long)st.total,
		    st.units, st.done_words, (unsigned long long)st.dropped,
		    st.stream && !st.started ? "; the guest application never started" : "",
		    st.why ? ": " : "", st.why ? st.why : "");
	}
}


int machine_create(const struct scenario *sc, const struct run_opts *opts, struct machine **out)
{
	struct machine *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	m->sc = sc;
	m->opts = *opts;
	clock_gettime(CLOCK_MONOTONIC, &m->wall0);
	rc = sim_engine_init();
	if (rc && rc != -EALREADY) {
		free(m);
		return rc;
	}
	m->vm = calloc(sc->nvms ? sc->nvms : 1, sizeof(*m->vm));
	m->gk = calloc(sc->nvms ? sc->nvms : 1, sizeof(*m->gk));
	m->pv = calloc(sc->nvms ? sc->nvms : 1, sizeof(*m->pv));
	m->pv_by_sid = calloc(65536, sizeof(*m->pv_by_sid));
	m->viommu = calloc(sc->nvms ? sc->nvms : 1, sizeof(*m->viommu));
	m->container = calloc(sc->nvms ? sc->nvms : 1, sizeof(*m->container));
	m->vm_xlate = calloc(sc->nvms ? sc->nvms : 1, sizeof(*m->vm_xlate));
	m->vm_of_sid = calloc(65536, sizeof(*m->vm_of_sid));
	rc = m->vm && m->gk && m->pv && m->pv_by_sid && m->viommu && m->container && m->vm_xlate &&
		     m->vm_of_sid
		 ? machine__build(m)
		 : -ENOMEM;
	if (!rc)
		rc = sriov_requests(m, sc->machine.pcie.devices, sc->machine.pcie.ndevices);
	if (rc) {
		/* nothing has run: no actor holds it */
		platform_destroy(m->plat);
		free(m->vm);
		free(m->gk);
		free(m->pv);
		free(m->pv_by_sid);
		free(m->viommu);
		free(m->container);
		free(m->vm_xlate);
		free(m->vm_of_sid);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int machine_start(struct machine *m)
{
	return sim_actor_start("controller", controller, m, 0);
}

/* Whoever creates destroys: the software the run brought up, then the hardware. */
void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	metrics_snap_destroy(m->c0);
	metrics_snap_destroy(m->c1);
	metrics_destroy(m->metrics);
	machine__workload_free(m);
	for (unsigned v = 0; v < m->sc->nvms; v++)
		gk_destroy(m->gk[v]);
	if (m->bare)
		gk_destroy(m->gk[0]);
	host_bare_destroy(m->bare);
	for (unsigned i = 0; i < m->nvfio; i++)
		vfio_destroy(m->vfio[i]);
	for (unsigned v = 0; v < m->sc->nvms; v++) {
		pv_iommu_destroy(m->pv[v]);
		viommu_destroy(m->viommu[v]);
		vfio_container_destroy(m->container[v]);
	}
	host_system_destroy(&m->sys);
	for (unsigned i = 0; i < m->nnics; i++)
		nic_destroy(m->nic[i]);
	for (unsigned i = 0; i < m->neng; i++)
		dmaeng_destroy(m->eng[i]);
	for (unsigned i = 0; i < m->ngendevs; i++)
		gendev_destroy(m->gendev[i]);
	for (unsigned i = 0; i < m->nnvmes; i++)
		nvme_destroy(m->nvme[i]);
	platform_destroy(m->plat);
	for (size_t i = 0; i < m->nsriov; i++)
		free((char *)m->sriov[i].path);
	free(m->sriov);
	free(m->nic);
	free(m->eng);
	free(m->gendev);
	free(m->nvme);
	free(m->vfio);
	free(m->owners);
	free(m->vm);
	free(m->gk);
	free(m->pv);
	free(m->pv_by_sid);
	free(m->viommu);
	free(m->container);
	free(m->vm_xlate);
	free(m->vm_of_sid);
	free(m->rmrrs);
	free(m->survey);
	free(m);
}

int machine_finish(struct machine *m, int engine_rc, struct results *res, char *err,
		   size_t errlen)
{
	/* The machine is never freed: SimGrid still owns actor stacks that point into it, and
	 * the process ends after a run. */
	if (engine_rc == -EDEADLK) {
		snprintf(err, errlen, "%s", sim_deadlock_report());
		return 1;
	}
	if (m->status) {
		snprintf(err, errlen, "%s", m->err);
		return 1;
	}
	if (m->opts.host_only)
		return m->done ? 0 : (snprintf(err, errlen, "the host did not finish booting"), 1);
	if (!m->njobs && !m->bench_ran) {
		snprintf(err, errlen, "no workload ran");
		return 1;
	}
	return machine__fill_results(m, res, err, errlen);
}

int machine_run(const struct scenario *sc, const struct run_opts *opts, struct results *res,
		char *err, size_t errlen)
{
	struct machine *m;
	int rc = machine_create(sc, opts, &m);

	if (rc) {
		snprintf(err, errlen, "building the machine failed: %s", strerror(-rc));
		return 1;
	}
	machine_start(m);
	rc = machine_finish(m, sim_engine_run(), res, err, errlen);
	machine_destroy(m);
	return rc;
}

static double wall_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) * 1e-9;
}

void machine_window_wall(const struct machine *m, double *setup_s, double *window_s)
{
	*setup_s = m->started ? wall_between(&m->wall0, &m->wall_start) : 0;
	*window_s = m->started && m->done ? wall_between(&m->wall_start, &m->wall_end) : 0;
}

void machine_set_msi_observer(struct machine *m,
			      void (*fn)(void *ctx, unsigned entry, uint64_t t_ps), void *ctx)
{
	m->msi_observer = fn;
	m->msi_observer_ctx = ctx;
}

void machine_set_guest_entry(struct machine *m, void (*entry)(void *ctx, struct vcpu *v),
			     void *ctx)
{
	m->guest_entry = entry;
	m->guest_entry_ctx = ctx;
}

void machine_end(struct machine *m)
{
	on_done(m);
}

struct platform *machine_platform(const struct machine *m)
{
	return m->plat;
}

struct mem *machine_mem(const struct machine *m)
{
	return m->mem;
}

struct pcie_fabric *machine_fabric(const struct machine *m)
{
	return m->fab;
}

struct vtd *machine_vtd(const struct machine *m)
{
	return platform_unit(m->plat, 0);
}

struct vtd *machine_unit(const struct machine *m, unsigned i)
{
	return platform_unit(m->plat, i);
}

struct intel_iommu *machine_unit_drv(const struct machine *m, unsigned i)
{
	const struct vtd *u = platform_unit(m->plat, i);

	return u ? host_iommu_at(&m->sys, vtd_config(u)->reg_base) : NULL;
}

const struct dmar_info *machine_dmar(const struct machine *m)
{
	return &m->sys.dmar;
}

struct nic *machine_nic(const struct machine *m, unsigned i)
{
	return i < m->nnics ? m->nic[i] : NULL;
}

struct pcpu *machine_pcpu(const struct machine *m, unsigned i)
{
	return i < m->npcpus ? m->pcpu[i] : NULL;
}

struct host *machine_host(const struct machine *m)
{
	return m->sys.host;
}

struct intel_iommu *machine_iommu(const struct machine *m)
{
	return machine_unit_drv(m, 0);
}

struct vm *machine_vm(const struct machine *m, unsigned i)
{
	return i < m->sc->nvms ? m->vm[i] : NULL;
}

struct gk *machine_gk(const struct machine *m, unsigned i)
{
	return i < m->sc->nvms || (m->bare && !i) ? m->gk[i] : NULL;
}

bool machine__bare(const struct machine *m)
{
	return !m->sc->nvms && m->sc->workload.kind != SC_WL_DMA_BENCH;
}

struct vfio_dev *machine_vfio(const struct machine *m, unsigned i)
{
	return i < m->nvfio ? m->vfio[i] : NULL;
}

struct pv_iommu *machine_pv(const struct machine *m, unsigned i)
{
	return i < m->sc->nvms ? m->pv[i] : NULL;
}

struct viommu *machine_viommu(const struct machine *m, unsigned i)
{
	return i < m->sc->nvms ? m->viommu[i] : NULL;
}

struct vfio_container *machine_vfio_container(const struct machine *m, unsigned i)
{
	return i < m->sc->nvms ? m->container[i] : NULL;
}

struct hpci *machine_pci(struct machine *m)
{
	return &m->sys.pci;
}

const struct scenario *machine_scenario(const struct machine *m)
{
	return m->sc;
}

const struct survey_fn *machine_survey(const struct machine *m)
{
	return m->survey;
}

struct gendev *machine_gendev(const struct machine *m, const char *name)
{
	for (unsigned i = 0; i < m->ngendevs; i++)
		if (!strcmp(pcie_fn_name(gendev_fn(m->gendev[i])), name))
			return m->gendev[i];
	return NULL;
}
