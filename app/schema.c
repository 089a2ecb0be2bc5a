/* SPDX-License-Identifier: MIT */
/*
 * The scenario schema: the top level, machine, vms, workload and run. Every model's knobs are
 * its own (cpu_cfg_schema, mem_cfg_schema, platform_iommu_cfg_schema with vtd_cfg_schema,
 * host_boot_cfg_schema, hv_costs_schema, vm_cfg_schema, gk_cfg_schema, the drivers' module
 * parameters, the workloads'); this file composes them and declares what is the application's:
 * names, lists, pinning, the workload's selection, run control. The topology is in
 * schema_topology.c. `ptsim check --schema` and configs/README.md are generated from these
 * tables.
 */
#include "app/scenario.h"
#include "models/guest/drivers/nvme_drv.h"
#include "models/guest/drivers/ptnic_drv.h"
#include "sim/config.h"

#include <stdio.h>

const char *const sc_wl_kind_names[] = {"stream_rx", "stream_tx", "rr", "nvme", "dma_bench", NULL};
static const char *const task_names[] = {"idle", "cpu_hog", NULL};

/* ---- machine ---- */

static const struct cfg_field machine_fields[] = {
    CFG_STRUCT("firmware", struct sc_machine, firmware, platform_firmware_cfg_schema,
	       "what firmware reports to the host (ACPI _OSC, DMAR RMRRs)"),
    CFG_STRUCT("cpu", struct sc_machine, cpu, cpu_cfg_schema, "processors"),
    CFG_STRUCT("memory", struct sc_machine, memory, mem_cfg_schema, "host memory"),
    CFG_STRUCT("pcie", struct sc_machine, pcie, sc_pcie_schema, "the PCIe fabric"),
    CFG_STRUCT("iommu", struct sc_machine, iommu, platform_iommu_cfg_schema, "the VT-d units"),
    CFG_END,
};
static const struct cfg_schema machine_schema =
    CFG_SCHEMA("machine", struct sc_machine, machine_fields);

/* ---- vms ---- */

static const struct cfg_schema vm_wl_schema; /* vms[].workload, below with the workload's */

/* vms[].guest.ptnic: the ptnic driver's own parameter table, as a schema. */
static const struct cfg_schema *ptnic_params_schema(void)
{
	return gk_param_schema(&ptnic_driver);
}

/* vms[].guest.nvme: the nvme driver's parameter table, as a schema. */
static const struct cfg_schema *nvme_params_schema(void)
{
	return gk_param_schema(&nvme_driver);
}

static const struct cfg_field guest_fields[] = {
    CFG_INLINE(struct sc_guest, kernel, gk_cfg_schema),
    CFG_ENUM("task", struct sc_guest, task, task_names, SC_TASK_IDLE,
	     "what a VM that is not the workload's runs: idle (halts) or cpu_hog (never "
	     "halts, like a batch job)"),
    {.key = "ptnic",
     .type = CFG_F_STRUCT,
     .off = offsetof(struct sc_guest, ptnic),
     .sub_fn = ptnic_params_schema,
     .doc = "ptnic driver parameters (its module_param table)"},
    {.key = "nvme",
     .type = CFG_F_STRUCT,
     .off = offsetof(struct sc_guest, nvme),
     .sub_fn = nvme_params_schema,
     .doc = "nvme driver parameters (its module_param table)"},
    CFG_END,
};
static const struct cfg_schema guest_schema = CFG_SCHEMA("guest", struct sc_guest, guest_fields);

static void vm_check(void *p, const struct cfg_scope *s)
{
	struct sc_vm *v = p;

	cfg_scope_check_name(s, "name", "VM", v->name, false);
	if (v->npcpus && v->npcpus != v->vm.nvcpus)
		cfg_scope_error(s, "pcpus", "'pcpus' lists %zu pCPU%s for %u vCPU%s", v->npcpus,
				v->npcpus == 1 ? "" : "s", v->vm.nvcpus,
				v->vm.nvcpus == 1 ? "" : "s");
	if ((v->vm.irq_mode == HV_IRQ_EOI_PASSTHROUGH || v->vm.irq_mode == HV_IRQ_ELI) &&
	    v->guest.kernel.apic != GK_APIC_X2APIC)
		cfg_scope_error(s, "interrupt_mode",
				"interrupt_mode '%s' passes the x2APIC EOI MSR through; it needs "
				"guest.apic: x2apic",
				hv_irq_mode_names[v->vm.irq_mode]);
	if (v->vm.irq_mode == HV_IRQ_ELI && cfg_scope_has(s, "host_irq_pcpu"))
		cfg_scope_error(
		    s, "host_irq_pcpu",
		    "with interrupt_mode 'eli' the host vector must land on the vCPU's own "
		    "pCPU (its shadow IDT takes it); leave host_irq_pcpu out");
	if (v->viommu.mode != VIOMMU_NONE && v->dma.strategy != DMA_DIRECT_MAP)
		cfg_scope_error(s, "viommu",
				"viommu '%s' decides the VM's DMA mappings itself (the guest maps "
				"through its own VT-d driver); leave dma.strategy at direct_map",
				viommu_mode_names[v->viommu.mode]);
}

static const struct cfg_field vm_fields[] = {
    CFG_STR("name", struct sc_vm, name, NULL, "the VM's name", .flags = CFG_REQUIRED),
    CFG_INLINE(struct sc_vm, vm, vm_cfg_schema),
    CFG_U32LIST("pcpus", struct sc_vm, pcpus, npcpus, 0, 255, NULL,
		"pCPU each vCPU is pinned to (default: 1, 2, ...)", .flags = CFG_ID),
    CFG_STRUCT("dma", struct sc_vm, dma, vfio_dma_cfg_schema, "DMA protection strategy"),
    CFG_INLINE(struct sc_vm, viommu, viommu_cfg_schema),
    CFG_STRLIST("devices", struct sc_vm, devices, ndevices,
		"functions assigned to the VM, by name"),
    CFG_STRUCT("guest", struct sc_vm, guest, guest_schema, "the guest kernel and drivers"),
    CFG_STRUCT("workload", struct sc_vm, workload, vm_wl_schema,
	       "what this VM runs on its own devices (stream_rx, stream_tx, rr, nvme), with the "
	       "keys of the top-level workload, which VMs with workloads of their own replace"),
    CFG_END,
};
static const struct cfg_schema vm_schema =
    CFG_SCHEMA("vm", struct sc_vm, vm_fields, .check = vm_check);

/* ---- baremetal ---- */

static const struct cfg_field bare_fields[] = {
    CFG_U32LIST("pcpus", struct sc_bare, pcpus, npcpus, 1, 255, NULL,
		"the pCPUs the kernel runs on, the first booting (default: 1; pCPU 0 runs the "
		"host's own work)",
		.flags = CFG_ID),
    CFG_MIB("ram_mib", struct sc_bare, ram_bytes, 256, 4, 1 << 20,
	    "RAM the host sets aside for the kernel (its buffers, rings, skbs)"),
    CFG_STRUCT("kernel", struct sc_bare, kernel, guest_schema,
	       "the kernel and its drivers: the same keys as vms[].guest (iommu: strict, lazy "
	       "or passthrough is Linux's iommu.strict / iommu.passthrough)"),
    CFG_END,
};
static const struct cfg_schema bare_schema = CFG_SCHEMA("baremetal", struct sc_bare, bare_fields);

/* ---- workload, run ---- */

/* What a workload's own values must satisfy, wherever it is given. That it names a device is
 * checked with the VMs (scenario_check.c): the top-level one is left out when VMs have their
 * own. */
static void wl_check(void *p, const struct cfg_scope *s)
{
	const struct sc_workload *w = p;
	uint64_t page_kib = w->dma_bench.page_bytes / 1024;
	bool stream = w->kind == SC_WL_STREAM_RX || w->kind == SC_WL_STREAM_TX;

	if (w->kind == SC_WL_DMA_BENCH && page_kib != 4 && page_kib != 2048 && page_kib != 1048576)
		cfg_scope_error(s, "page_kib",
				"'page_kib' is %llu; IOMMU pages are 4, 2048 or "
				"1048576 KiB",
				(unsigned long long)page_kib);
	if (w->kind == SC_WL_DMA_BENCH && w->dma_bench.window_bytes < w->dma_bench.read_bytes)
		cfg_scope_error(s, "window_kib", "the window is smaller than one read");
	if (w->stream.rate_gbps > w->stream.line_gbps)
		cfg_scope_error(s, "rate_gbps", "'rate_gbps' (%g) is above the line rate (%g)",
				w->stream.rate_gbps, w->stream.line_gbps);
	if (w->stream.flows > 1 && !stream)
		cfg_scope_error(s, "flows", "'flows' is for stream_rx and stream_tx");
	/* stream_tx's frame holds its fields before the FCS the NIC appends */
	if (w->stream.flows > 1 &&
	    w->stream.frame_bytes < (w->kind == SC_WL_STREAM_TX ? WL_STREAM_TX_FLOW_MIN_BYTES
								: WL_FLOW_HDR_LEN + WL_PAYLOAD_LEN))
		cfg_scope_error(s, "frame_bytes",
				"frames of several flows carry IPv4 and TCP headers: 'frame_bytes' "
				"must be at least %d",
				w->kind == SC_WL_STREAM_TX ? WL_STREAM_TX_FLOW_MIN_BYTES
							   : WL_FLOW_HDR_LEN + WL_PAYLOAD_LEN);
	if (w->stream.rate_gbps == 0 && w->kind == SC_WL_STREAM_RX)
		cfg_scope_error(s, "rate_gbps",
				"stream_rx needs an offered load: 'rate_gbps' 0 (as fast as the "
				"ring allows) is for stream_tx");
	if (w->stream.rate_gbps == 0 && w->kind == SC_WL_STREAM_TX &&
	    w->stream.arrival == WL_ARRIVAL_POISSON)
		cfg_scope_error(s, "arrival",
				"Poisson send times need a rate; 'rate_gbps' is 0 (as fast as the "
				"ring allows)");
	if (w->device && w->ndevices)
		cfg_scope_error(s, "devices", "give 'device' or 'devices', not both");
	if (w->ndevices && !stream)
		cfg_scope_error(s, "devices",
				"'devices' (a stream through each) is for stream_rx and stream_tx");
	if (w->nrates && (w->kind != SC_WL_STREAM_RX || w->nrates != w->ndevices))
		cfg_scope_error(s, "rates_mbps",
				"'rates_mbps' gives %zu rates for %zu devices of a stream_rx workload",
				w->nrates, w->ndevices);
	for (size_t i = 0; i < w->nrates; i++)
		if (w->rates_mbps[i] > w->stream.line_gbps * 1000)
			cfg_scope_error(s, "rates_mbps",
					"rate %u Mb/s is above the line rate (%g Gb/s)",
					w->rates_mbps[i], w->stream.line_gbps);
}

static const struct cfg_field wl_fields[] = {
    CFG_ENUM("kind", struct sc_workload, kind, sc_wl_kind_names, SC_WL_STREAM_RX, "what runs"),
    CFG_STR("device", struct sc_workload, device, NULL,
	    "the NIC the traffic goes through (dma_bench: the DMA engine; nvme: the NVMe "
	    "controller)"),
    CFG_STRLIST("devices", struct sc_workload, devices, ndevices,
		"stream_rx, stream_tx: NICs (or their VFs) that each receive (send) a stream of "
		"'frames' frames, instead of one 'device'"),
    CFG_U32LIST("rates_mbps", struct sc_workload, rates_mbps, nrates, 1, 1000000, "Mb/s",
		"stream_rx with 'devices': each stream's offered load, in the devices' order "
		"(default: rate_gbps for every stream)"),
    CFG_INLINE(struct sc_workload, stream, wl_stream_cfg_schema),
    CFG_NS("drain_ns", struct sc_workload, drain_ps, 10000000, 1, 1e13,
	   "after the last frame, how long the guest has to account for every frame (stream_tx: "
	   "how long nothing may move while the senders wait on their devices); what is not "
	   "accounted for by then is reported lost"),
    CFG_INLINE(struct sc_workload, dma_bench, wl_dma_bench_cfg_schema),
    CFG_STRUCT("nvme", struct sc_workload, nvme, wl_nvme_cfg_schema,
	       "nvme: the fio-like jobs (pattern, block size, queue depth, jobs, requests)"),
    CFG_STRUCT("rr", struct sc_workload, rr, wl_rr_cfg_schema,
	       "rr: the request-response transactions (sizes, count, in flight, the peer's wire "
	       "latency); the port's rate is line_gbps"),
    CFG_END,
};
static const struct cfg_schema wl_schema =
    CFG_SCHEMA("workload", struct sc_workload, wl_fields, .check = wl_check);

/* vms[].workload: the same keys; checked only when given, and never the host's dma_bench. */
static void vm_wl_check(void *p, const struct cfg_scope *s)
{
	const struct sc_workload *w = p;

	if (!s->map)
		return;
	if (w->kind == SC_WL_DMA_BENCH) {
		cfg_scope_error(s, "kind",
				"dma_bench is driven by the host, not by a VM: give it as the "
				"top-level workload");
		return;
	}
	wl_check(p, s);
}
static const struct cfg_schema vm_wl_schema =
    CFG_SCHEMA("workload", struct sc_workload, wl_fields, .check = vm_wl_check);

static const struct cfg_field run_fields[] = {
    CFG_DOUBLE("max_sim_ms", struct sc_run, max_sim_ms, 60000, 0.001, 1e7, "ms",
	       "give up (exit 1) if the workload is not done by this simulated time"),
    CFG_END,
};
static const struct cfg_schema run_schema = CFG_SCHEMA("run", struct sc_run, run_fields);

/* ---- top level ---- */

static const struct cfg_field scenario_fields[] = {
    CFG_STR("name", struct scenario, name, "unnamed", "scenario name"),
    CFG_STR("description", struct scenario, description, "", "what it shows"),
    CFG_U64("seed", struct scenario, seed, 1, 0, 0, NULL, "random seed (--seed overrides)",
	    .flags = CFG_ID),
    CFG_STRUCT("machine", struct scenario, machine, machine_schema, "the hardware"),
    CFG_STRUCT("host", struct scenario, host, host_boot_cfg_schema,
	       "host kernel costs and choices"),
    CFG_STRUCT("hypervisor", struct scenario, host.hv_costs, hv_costs_schema,
	       "VM-exit handler costs, beyond the hardware's exit and entry"),
    CFG_LIST("vms", struct scenario, vms, nvms, vm_schema, 0, 4096,
	     "the virtual machines; none (`vms: []`): the workload runs on bare metal"),
    CFG_STRUCT("baremetal", struct scenario, bare, bare_schema,
	       "with `vms: []`: the kernel that runs the workload on the host, with no "
	       "virtualization (the baseline of --baseline)"),
    CFG_STRUCT("workload", struct scenario, workload, wl_schema, "what runs"),
    CFG_STRUCT("run", struct scenario, run, run_schema, "run control"),
    CFG_END,
};
const struct cfg_schema scenario_schema = CFG_SCHEMA("scenario", struct scenario, scenario_fields);
