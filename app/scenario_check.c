/* SPDX-License-Identifier: MIT */
/*
 * Loading a scenario (or a machine file on its own): YAML, --set overrides, binding to the
 * schema, then what spans sections: the topology (topology_check.c), the VMs' names, pinning
 * and devices, the workload's device, the VT-d units' scopes and firmware memory.
 */
#include "app/scenario.h"
#include "models/abi/bootparam.h"
#include "models/guest/drivers/ptnic_drv.h"
#include "models/guest/kernel/gk.h"
#include "sim/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define node_types sc_node_type_names

static void not_assigned(struct cfg_ctx *ctx, const struct cfg_node *root,
			 const struct scenario *out, long vm, const char *device, const char *path)
{
	if (vm >= 0)
		cfg_error_path(ctx, root, path, "'%s' is not assigned to '%s'", device,
			       out->vms[vm].name);
	else
		cfg_error_path(ctx, root, path, "'%s' is not assigned to any VM", device);
}

/* A device workload w drives: a NIC (or its VF) some VM owns -- VM `vm`, for a VM's own
 * workload (vm >= 0) -- an NVMe controller likewise, or dma_bench's engine. */
static void check_workload_device(struct cfg_ctx *ctx, const struct cfg_node *root,
				  const struct scenario *out, const struct sc_workload *w, long vm,
				  const char *device, const char *path)
{
	const struct sc_node *n = scenario_find_node(out, device, NULL);
	/* no VMs: the host owns every device, and the workload runs on bare metal */
	bool assigned = out->nvms == 0, owned = false;

	if (!n)
		n = scenario_find_vf(out, device, NULL); /* its PF's type */
	for (size_t k = 0; k < out->nvms; k++)
		for (size_t e = 0; e < out->vms[k].ndevices; e++)
			if (!strcmp(out->vms[k].devices[e], device)) {
				char p[96];

				if (vm >= 0 && (size_t)vm != k) {
					cfg_error_path(
					    ctx, root, path,
					    "'%s' is assigned to '%s'; a VM's workload runs "
					    "on the VM's own devices",
					    device, out->vms[k].name);
					return;
				}
				assigned = owned = true;
				if (out->vms[k].guest.task == SC_TASK_IDLE)
					continue;
				snprintf(p, sizeof(p), "vms.%zu.guest.task", k);
				cfg_error_path(ctx, root, p,
					       "'%s' runs the workload (it owns %s); "
					       "guest.task is for the other VMs",
					       out->vms[k].name, device);
			}
	if (w->kind == SC_WL_DMA_BENCH) {
		/* The host drives the engine itself, as pcie-bench's driver does. */
		if (!n || n->type != SC_DMA_ENGINE)
			cfg_error_path(ctx, root, path, "'%s' is not a dma_engine in machine.pcie",
				       device);
		else if (owned)
			cfg_error_path(ctx, root, path,
				       "'%s' is assigned to a VM; dma_bench drives it from the host",
				       device);
		else if (!out->machine.iommu.enabled)
			cfg_error_path(ctx, root, "workload.kind",
				       "dma_bench measures the IOMMU; the machine has none");
	} else if (w->kind == SC_WL_NVME) {
		if (!n || n->type != SC_NVME)
			cfg_error_path(ctx, root, path,
				       "'%s' is not an nvme controller in machine.pcie", device);
		else if (!assigned)
			not_assigned(ctx, root, out, vm, device, path);
	} else if (!n || n->type != SC_PTNIC) {
		cfg_error_path(ctx, root, path, "'%s' is not a NIC in machine.pcie", device);
	} else if (!assigned) {
		not_assigned(ctx, root, out, vm, device, path);
	}
}

/* A workload's devices: each once, each where it must be. */
static void check_workload_devices(struct cfg_ctx *ctx, const struct cfg_node *root,
				   const struct scenario *out, const struct sc_workload *w, long vm,
				   const char *prefix)
{
	char p[96];

	snprintf(p, sizeof(p), "%sworkload.device", prefix);
	if (w->device)
		check_workload_device(ctx, root, out, w, vm, w->device, p);
	for (size_t i = 0; i < w->ndevices; i++) {
		snprintf(p, sizeof(p), "%sworkload.devices.%zu", prefix, i);
		check_workload_device(ctx, root, out, w, vm, w->devices[i], p);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(w->devices[k], w->devices[i]))
				cfg_error_path(ctx, root, p, "'%s' is listed twice", w->devices[i]);
	}
}

/* The top-level workload, or the VMs' own: one of them, each naming its devices. */
static void check_workloads_given(struct cfg_ctx *ctx, const struct cfg_node *root,
				  struct scenario *out)
{
	const struct sc_workload *top = &out->workload;
	size_t given = 0;

	for (size_t v = 0; v < out->nvms; v++) {
		struct sc_vm *vm = &out->vms[v];
		char p[64];

		snprintf(p, sizeof(p), "vms.%zu.workload", v);
		vm->has_workload = cfg_node_at(root, p) != NULL;
		given += vm->has_workload;
		if (vm->has_workload && !vm->workload.device && !vm->workload.ndevices)
			cfg_error_path(
			    ctx, root, p, "'%s.device' is required: the %s of '%s' it uses", p,
			    vm->workload.kind == SC_WL_NVME ? "NVMe controller" : "NIC", vm->name);
	}
	if (given && cfg_map_get(root, "workload"))
		cfg_error_path(
		    ctx, root, "workload",
		    "VMs run workloads of their own (vms[].workload): leave the top-level "
		    "workload out");
	else if (!given && !top->device && !top->ndevices)
		cfg_error_path(ctx, root, "workload", "'workload.device' is required: the %s",
			       top->kind == SC_WL_DMA_BENCH   ? "DMA engine that reads"
			       : top->kind == SC_WL_STREAM_TX ? "NIC that sends"
			       : top->kind == SC_WL_RR	      ? "NIC the transactions go through"
			       : top->kind == SC_WL_NVME      ? "NVMe controller the jobs use"
							      : "NIC that receives");
}

bool scenario_vm_workloads(const struct scenario *s)
{
	for (size_t v = 0; v < s->nvms; v++)
		if (s->vms[v].has_workload)
			return true;
	return false;
}

/* Bare metal (no VMs): its CPUs; and intel_iommu=off, which leaves no VM a device. */
static void check_baremetal(struct cfg_ctx *ctx, const struct cfg_node *root, struct scenario *out)
{
	static uint32_t first = 1;
	struct sc_bare *b = &out->bare;

	for (size_t v = 0; v < out->nvms && !out->host.iommu.dma_remapping; v++)
		if (out->vms[v].ndevices && out->vms[v].dma.strategy != DMA_NONE) {
			cfg_error_path(ctx, root, "host.iommu.dma_remapping",
				       "intel_iommu=off leaves no DMA remapping to assign devices "
				       "with; '%s' is given %s",
				       out->vms[v].name, out->vms[v].devices[0]);
			break;
		}
	if (out->nvms)
		return;
	/* A VM's ports 0xCF8/0xCFC trap to the hypervisor, which emulates them; on bare metal
	 * nothing would answer: the model has no port-I/O path from a CPU to the platform (no
	 * device decodes I/O space), so the kernel's scan would find no function. */
	if (b->kernel.kernel.pci_config == GK_PCI_CONFIG_IO)
		cfg_error_path(ctx, root, "baremetal.kernel.pci_config",
			       "config mechanism #1 (ports 0xCF8/0xCFC) is not modelled on bare "
			       "metal: no CPU reaches an I/O port; use ecam");
	if (!b->npcpus) {
		b->pcpus = &first;
		b->npcpus = 1;
	}
	for (size_t c = 0; c < b->npcpus; c++) {
		char p[64];

		snprintf(p, sizeof(p), "baremetal.pcpus.%zu", c);
		/* (pCPU 0, the host's own, is outside the key's range) */
		if (b->pcpus[c] >= out->machine.cpu.pcpus)
			cfg_error_path(ctx, root, p,
				       "pCPU %u does not exist (machine.cpu.pcpus is %u)",
				       b->pcpus[c], out->machine.cpu.pcpus);
		for (size_t k = 0; k < c; k++)
			if (b->pcpus[k] == b->pcpus[c])
				cfg_error_path(ctx, root, p, "pCPU %u is listed twice",
					       b->pcpus[c]);
	}
}

int scenario_load(struct cfg_ctx *ctx, const char *path, const char *const *sets, size_t nsets,
		  struct scenario *out)
{
	struct cfg_node *root = cfg_load_file(ctx, path);

	if (!root)
		return (int)cfg_error_count(ctx);
	return scenario_load_tree(ctx, &root, sets, nsets, out);
}

int scenario_load_tree(struct cfg_ctx *ctx, struct cfg_node **rootp, const char *const *sets,
		       size_t nsets, struct scenario *out)
{
	struct cfg_node *root = *rootp;
	uint64_t vm_mib = 0;

	/* A bad --set is reported, and the file is still checked: every error at once (unless
	 * the file is not even a mapping, which the --set error has said already). */
	for (size_t i = 0; i < nsets; i++)
		cfg_override(ctx, &root, sets[i]);
	*rootp = root;
	if (cfg_error_count(ctx) && root->kind != CFG_MAP)
		return (int)cfg_error_count(ctx);
	cfg_bind(ctx, &scenario_schema, root, out);
	if (!cfg_error_count(ctx))
		check_workloads_given(ctx, root, out);
	if (cfg_error_count(ctx))
		return (int)cfg_error_count(ctx);

	scenario_check_machine(ctx, root, "machine.", out);
	uint32_t next_pcpu = 1;
	for (size_t v = 0; v < out->nvms; v++) {
		const struct sc_vm *vm = &out->vms[v];
		char p[128];

		vm_mib += vm->vm.ram_bytes >> 20;
		for (size_t k = 0; k < v; k++)
			if (!strcmp(out->vms[k].name, vm->name)) {
				snprintf(p, sizeof(p), "vms.%zu.name", v);
				cfg_error_path(ctx, root, p, "duplicate VM name '%s'", vm->name);
			}
		/* Nested translation (VT-d §3.8) needs a physical unit in scalable mode that nests,
		 * and a host driver that uses scalable mode. */
		if (vm->viommu.mode == VIOMMU_NESTED &&
		    (!out->machine.iommu.unit.scalable || !out->machine.iommu.unit.nested ||
		     !out->host.iommu.scalable)) {
			snprintf(p, sizeof(p), "vms.%zu.viommu", v);
			cfg_error_path(
			    ctx, root, p,
			    "viommu 'nested' needs the VT-d unit in scalable mode with nested "
			    "translation (machine.iommu.scalable_mode and nested, "
			    "host.iommu.scalable_mode)");
		}
		unsigned *pin = cfg_alloc(ctx, (vm->vm.nvcpus ? vm->vm.nvcpus : 1) * sizeof(*pin));

		((struct sc_vm *)vm)->vm.pcpu = pin;
		for (size_t c = 0; c < vm->npcpus; c++) {
			snprintf(p, sizeof(p), "vms.%zu.pcpus.%zu", v, c);
			if (vm->pcpus[c] >= out->machine.cpu.pcpus)
				cfg_error_path(ctx, root, p,
					       "pCPU %u does not exist (machine.cpu.pcpus is %u)",
					       vm->pcpus[c], out->machine.cpu.pcpus);
			else if (vm->pcpus[c] == 0)
				cfg_error_path(ctx, root, p,
					       "pCPU 0 runs the host's own work; pin vCPUs to pCPUs "
					       "1..%u", out->machine.cpu.pcpus - 1);
			else if (pin && c < vm->vm.nvcpus)
				pin[c] = vm->pcpus[c];
		}
		/* Without a list, each VM's vCPUs take the next free pCPUs from 1; sharing a
		 * pCPU (overcommit) is asked for by listing it. */
		if (!vm->npcpus) {
			if (next_pcpu + vm->vm.nvcpus > out->machine.cpu.pcpus) {
				snprintf(p, sizeof(p), "vms.%zu.vcpus", v);
				cfg_error_path(ctx, root, p,
					       "%u vCPU%s from pCPU %u need%s %u pCPUs; the machine "
					       "has %u (add pCPUs, or list 'pcpus' to share them)",
					       vm->vm.nvcpus, vm->vm.nvcpus == 1 ? "" : "s", next_pcpu,
					       vm->vm.nvcpus == 1 ? "s" : "", next_pcpu + vm->vm.nvcpus,
					       out->machine.cpu.pcpus);
			}
			for (uint32_t c = 0; pin && c < vm->vm.nvcpus; c++)
				pin[c] = next_pcpu + c;
			next_pcpu += vm->vm.nvcpus;
		}
		uint64_t mmio_next = GUEST_MMIO_BASE;

		for (size_t d = 0; d < vm->ndevices; d++) {
			const struct sc_node *n = scenario_find_node(out, vm->devices[d], NULL);
			bool vf = false;
			uint64_t intx = 0;

			snprintf(p, sizeof(p), "vms.%zu.devices.%zu", v, d);
			if (!n && scenario_find_vf(out, vm->devices[d], NULL)) {
				n = scenario_find_vf(out, vm->devices[d], NULL);
				vf = true;
			}
			if (!n) {
				cfg_error_path(ctx, root, p, "no device named '%s' in machine.pcie",
					       vm->devices[d]);
				continue;
			}
			if (n->type == SC_ROOT_PORT)
				cfg_error_path(ctx, root, p, "'%s' is a root port; ports are not "
					       "assignable", vm->devices[d]);
			else if (scenario_node_is_bridge(n))
				cfg_error_path(ctx, root, p, "'%s' is a %s; bridges are not "
					       "assignable", vm->devices[d], node_types[n->type]);
			else
				scenario_check_vm_mmio(ctx, root, p, vm->name, vm->devices[d], n, vf,
						       &mmio_next);
			if (n->type == SC_PTNIC && (vf || n->intx == SC_INTX_NONE) &&
			    gk_module_arg(&ptnic_driver, &vm->guest.ptnic, "intx", &intx) && intx) {
				/* the driver's pci_alloc_irq_vectors(PCI_IRQ_LEGACY) would fail and
				 * the device would stay unprobed */
				char q[64];

				snprintf(q, sizeof(q), "vms.%zu.guest.ptnic.intx", v);
				cfg_error_path(ctx, root, q,
					       "'%s' has no INTx line (%s): the ptnic driver needs "
					       "MSI-X there; leave intx false",
					       vm->devices[d],
					       vf ? "a VF's Interrupt Pin is 0, SR-IOV 1.1 §3.4.1"
						  : "its intx is none");
			}
			for (size_t k = 0; k < out->nvms; k++)
				for (size_t e = 0; e < out->vms[k].ndevices; e++)
					if ((k < v || (k == v && e < d)) &&
					    !strcmp(out->vms[k].devices[e], vm->devices[d]))
						cfg_error_path(ctx, root, p,
							       "'%s' is already assigned to '%s'",
							       vm->devices[d], out->vms[k].name);
		}
		if (vm->vm.host_irq_pcpu >= 0 &&
		    (unsigned)vm->vm.host_irq_pcpu >= out->machine.cpu.pcpus) {
			snprintf(p, sizeof(p), "vms.%zu.host_irq_pcpu", v);
			cfg_error_path(ctx, root, p, "pCPU %u does not exist (machine.cpu.pcpus is %u)",
				       (unsigned)vm->vm.host_irq_pcpu, out->machine.cpu.pcpus);
		}
		if (vm->vm.irq_mode == HV_IRQ_VTD_POSTED &&
		    !(out->machine.iommu.enabled && out->machine.iommu.unit.ir &&
		      out->machine.iommu.unit.posted_interrupts)) {
			snprintf(p, sizeof(p), "vms.%zu.interrupt_mode", v);
			cfg_error_path(ctx, root, p,
				       "'vtd_posted' needs machine.iommu.enabled, "
				       "interrupt_remapping and posted_interrupts");
		}
		if (!out->machine.iommu.enabled && vm->ndevices && vm->dma.strategy != DMA_NONE) {
			snprintf(p, sizeof(p), "vms.%zu.dma.strategy", v);
			cfg_error_path(ctx, root, p,
				       "the machine has no IOMMU (machine.iommu.enabled: false): "
				       "only strategy 'none' can assign devices");
		}
	}
	if (vm_mib + 256 > out->machine.memory.size >> 20)
		cfg_error_path(ctx, root, "machine.memory.size_mib",
			       "the VMs need %llu MiB and the host at least 256 MiB more; the machine "
			       "has %llu MiB",
			       (unsigned long long)vm_mib,
			       (unsigned long long)(out->machine.memory.size >> 20));
	else if (!cfg_error_count(ctx))
		scenario_check_host_ram(ctx, root, out);
	check_baremetal(ctx, root, out);
	if (!scenario_vm_workloads(out))
		check_workload_devices(ctx, root, out, &out->workload, -1, "");
	for (size_t v = 0; v < out->nvms; v++) {
		char p[48];

		snprintf(p, sizeof(p), "vms.%zu.", v);
		if (out->vms[v].has_workload)
			check_workload_devices(ctx, root, out, &out->vms[v].workload, (long)v, p);
	}
	return (int)cfg_error_count(ctx);
}

/* The schema of a section of the top level. */
static const struct cfg_schema *section(const struct cfg_schema *top, const char *key)
{
	return cfg_schema_field(top, key, NULL)->sub;
}

int scenario_load_machine(struct cfg_ctx *ctx, const char *path, const char *const *sets,
			  size_t nsets, struct scenario *out)
{
	struct cfg_node *root = cfg_load_file(ctx, path);
	const struct cfg_node *mach;
	bool whole;

	if (!root)
		return (int)cfg_error_count(ctx);
	for (size_t i = 0; i < nsets; i++)
		cfg_override(ctx, &root, sets[i]);
	if (root->kind != CFG_MAP) {
		if (!cfg_error_count(ctx))
			cfg_error(ctx, root, "expected a mapping of keys at the top");
		return (int)cfg_error_count(ctx);
	}
	/* A scenario (with `machine:`) or a machine file on its own (configs/machines/). */
	mach = cfg_map_get(root, "machine");
	whole = mach != NULL;
	cfg_defaults(&scenario_schema, out);
	if (whole) {
		const struct cfg_node *nm = cfg_map_get(root, "name"),
				      *sd = cfg_map_get(root, "seed");

		if (nm && nm->kind == CFG_SCALAR)
			out->name = nm->text;
		if (sd && sd->kind == CFG_SCALAR)
			out->seed = strtoull(sd->text, NULL, 0);
		if (cfg_map_get(root, "host")) {
			cfg_bind(ctx, section(&scenario_schema, "host"), cfg_map_get(root, "host"),
				 &out->host);
			cfg_bind(ctx, section(&scenario_schema, "hypervisor"), NULL,
				 &out->host.hv_costs);
		}
	}
	cfg_bind(ctx, section(&scenario_schema, "machine"), whole ? mach : root, &out->machine);
	if (cfg_error_count(ctx))
		return (int)cfg_error_count(ctx);
	scenario_check_machine(ctx, root, whole ? "machine." : "", out);
	return (int)cfg_error_count(ctx);
}

