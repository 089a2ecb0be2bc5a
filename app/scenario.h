/* SPDX-License-Identifier: MIT */
/*
 * A scenario: the machine, the host software, the VMs and the workload, as read from YAML (see
 * configs/README.md for every key). It embeds the models' configuration structs, whose knobs
 * each model declares beside its struct (mem_cfg_schema, vtd_cfg_schema, host_boot_cfg_schema
 * ...); what is the application's own (the PCIe topology, the VMs' names, pinning and devices,
 * the workload's selection, run control) is declared in app/schema*.c. scenario_load binds a
 * file to it and checks what spans sections (app/scenario_check.c, app/topology_check.c).
 */
#ifndef PTSIM_SCENARIO_H
#define PTSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/devices/nic.h"
#include "models/devices/nvme.h"
#include "models/guest/kernel/gk.h"
#include "models/host/boot.h"
#include "models/host/hv.h"
#include "models/host/vfio.h"
#include "models/host/viommu.h"
#include "models/pcie/pcie.h"
#include "models/platform/platform.h"
#include "workloads/dma_bench.h"
#include "workloads/nvme.h"
#include "workloads/rr.h"
#include "workloads/stream.h"

struct cfg_ctx;
struct cfg_node;

/* Where RAM below 4 GiB ends in the machine's address map (the rest goes above 4 GiB). */
#define PTSIM_LOW_RAM_TOP PLATFORM_LOW_RAM_TOP

enum sc_node_type { SC_ROOT_PORT, SC_PTNIC, SC_SWITCH, SC_DOWNSTREAM_PORT, SC_ENDPOINT, SC_RCIEP,
		   SC_PCI_BRIDGE, SC_PCI_DEVICE, SC_DMA_ENGINE, SC_NVME };
enum sc_bar_type { SC_BAR_MEM32, SC_BAR_MEM64, SC_BAR_IO };
enum sc_intx { SC_INTX_NONE, SC_INTX_A, SC_INTX_B, SC_INTX_C, SC_INTX_D };
enum sc_wl_kind { SC_WL_STREAM_RX, SC_WL_STREAM_TX, SC_WL_RR, SC_WL_NVME, SC_WL_DMA_BENCH };
enum sc_guest_task { SC_TASK_IDLE, SC_TASK_CPU_HOG };

/* ---- machine.pcie.devices: the topology (the application's description of each function) */

struct sc_bar {
	uint32_t index;
	uint64_t size;
	int type; /* enum sc_bar_type */
	bool prefetch;
};

struct sc_sriov {
	uint32_t total_vfs, num_vfs, offset, stride, vf_device, vf_msix_vectors;
	struct sc_bar *vf_bars;
	size_t nvf_bars;
	bool has_vf_bars;
};

struct sc_node {
	const char *name;
	int type;
	uint32_t slot, function;
	struct pcie_link_cfg link; /* a port's link to what is below it (models/pcie) */
	struct sc_node *below;
	size_t nbelow;
	struct sc_node *ports; /* switch: its downstream ports */
	size_t nports;
	struct nic_cfg nic; /* ptnic (models/devices); its name is the node's */
	struct nvme_cfg nvme; /* nvme (models/devices) */
	/* generic functions: identity, BARs, interrupts, capabilities */
	uint32_t vendor, device, class_code, revision, subsys_vendor, subsys;
	struct sc_bar *bars;
	size_t nbars;
	uint32_t msi_vectors, msix_vectors, msix_bar;
	int intx;
	bool flr, ari, ats, ari_forwarding;
	uint32_t pasid_bits;
	/* endpoints with ATS: the device-side translation cache (ATC) entries */
	uint32_t atc_entries;
	const char **acs;
	size_t nacs;
	uint16_t acs_bits; /* from `acs` (ACS capability bits, PCI_ACS_SV...), or the type's */
	struct sc_sriov sriov;
	bool has_sriov, has_type, has_ids, has_bars, has_acs, acs_given;
	/* switch: forwarding latency; pci_bridge: its latency and conventional bus */
	uint64_t latency_ps;
	uint32_t pci_mhz, pci_bits;
};

/* ---- machine: the platform's parts (platform_cfg's members), with the topology ---- */

struct sc_pcie {
	struct pcie_fabric_cfg fabric; /* root complex latencies (models/pcie) */
	struct sc_node *devices;
	size_t ndevices;
};

struct sc_machine {
	struct cpu_cfg cpu;
	struct mem_cfg memory;
	struct sc_pcie pcie;
	struct platform_iommu_cfg iommu;
	struct platform_firmware_cfg firmware;
};

/* ---- workloads: the top-level one, or each VM's own (vms[].workload) ---- */

struct sc_workload {
	int kind;
	const char *device;
	const char **devices; /* stream_rx, stream_tx: a stream through each (instead of device) */
	size_t ndevices;
	uint32_t *rates_mbps; /* stream_rx with devices: each stream's rate (none: rate_gbps) */
	size_t nrates;
	struct wl_stream_cfg stream; /* workloads/stream.h: stream_rx's and stream_tx's */
	uint64_t drain_ps;
	struct wl_dma_bench_cfg dma_bench; /* workloads/dma_bench.h */
	struct wl_nvme_cfg nvme;	   /* workloads/nvme.h */
	struct wl_rr_cfg rr;		   /* workloads/rr.h */
};

/* ---- vms ---- */

struct sc_guest {
	struct gk_cfg kernel;          /* the guest kernel's knobs (models/guest/kernel) */
	int task;                      /* enum sc_guest_task */
	struct gk_module_args ptnic;   /* the ptnic driver's module parameters */
	struct gk_module_args nvme;    /* the nvme driver's */
};

struct sc_vm {
	const char *name;
	struct vm_cfg vm; /* the hypervisor's knobs (models/host/hv.h); vm.pcpu is resolved */
	uint32_t *pcpus;
	size_t npcpus;
	struct vfio_dma_cfg dma; /* models/host/vfio.h */
	struct viommu_cfg viommu; /* vms[].viommu (models/host/viommu.h) */
	const char **devices;
	size_t ndevices;
	struct sc_guest guest;
	/* vms[].workload: what this VM runs on its own devices (has_workload: it was given; the
	 * top-level workload is then absent) */
	struct sc_workload workload;
	bool has_workload;
};

/* ---- baremetal: with no VMs, the kernel that runs the workload on the host itself ---- */

struct sc_bare {
	uint32_t *pcpus; /* its CPUs (default: pCPU 1) */
	size_t npcpus;
	uint64_t ram_bytes;
	struct sc_guest kernel; /* the same kernel and driver knobs as a VM's guest */
};

/* ---- run ---- */

struct sc_run {
	double max_sim_ms;
};

struct scenario {
	const char *name, *description;
	uint64_t seed;
	struct sc_machine machine;
	struct host_boot_cfg host; /* host.*, and hypervisor.* in host.hv_costs (models/host) */
	struct sc_vm *vms;
	size_t nvms;
	struct sc_bare bare; /* used when nvms is 0 */
	struct sc_workload workload;
	struct sc_run run;
};

extern const struct cfg_schema scenario_schema;
extern const char *const sc_wl_kind_names[];
extern const char *const sc_node_type_names[];
/* schema_topology.c: machine.pcie (the fabric's knobs and the topology) */
extern const struct cfg_schema sc_pcie_schema;
extern const struct cfg_schema sc_bar_schema;

/* Load, override and bind a scenario, then check what spans sections (device names, pinning).
 * Returns 0, or the number of errors (all recorded in ctx). */
int scenario_load(struct cfg_ctx *ctx, const char *path, const char *const *sets, size_t nsets,
		  struct scenario *out);

/* The same from a tree already loaded with cfg_load_file in ctx (`ptsim sweep` parses the base
 * scenario once); the overrides change the tree, and *root is the tree they leave. */
int scenario_load_tree(struct cfg_ctx *ctx, struct cfg_node **root, const char *const *sets,
		       size_t nsets, struct scenario *out);

/* Find a topology node by name (depth-first, switch ports included), or NULL. */
const struct sc_node *scenario_find_node(const struct scenario *s, const char *name,
					 const struct sc_node **parent);
/* Is `name` a VF of a configured PF ("<pf>.vf<n>", n <= its num_vfs)? Its PF, and n. */
const struct sc_node *scenario_find_vf(const struct scenario *s, const char *name, unsigned *n);

/* Does any VM run a workload of its own (vms[].workload)? */
bool scenario_vm_workloads(const struct scenario *s);

/* The VF BAR ranges etc. are checked; a scenario may describe a machine only (survey, lspci):
 * then `vms` and `workload` are optional. */
int scenario_load_machine(struct cfg_ctx *ctx, const char *path, const char *const *sets,
			  size_t nsets, struct scenario *out);

/* topology_check.c: the topology below machine.pcie (`prefix` "machine." or "" for a machine
 * file) and the firmware's RMRRs against it. */
void scenario_check_machine(struct cfg_ctx *ctx, const struct cfg_node *root, const char *prefix,
			    struct scenario *out);
/* resource_check.c: what the scenario asks of the address spaces, checked before the boot.
 * The host's BAR windows for the topology at `path` (machine.pcie.devices). */
void scenario_check_bar_windows(struct cfg_ctx *ctx, const struct cfg_node *root,
				const struct scenario *sc, const char *path);
/* Host RAM for the VMs, their direct maps and dma_bench's window. */
void scenario_check_host_ram(struct cfg_ctx *ctx, const struct cfg_node *root,
			     const struct scenario *sc);
/* One function assigned to VM `vm`: its BARs in the guest's window for assigned devices, from
 * *next on (GUEST_MMIO_BASE for the first); an error at p when they do not fit. */
void scenario_check_vm_mmio(struct cfg_ctx *ctx, const struct cfg_node *root, const char *p,
			    const char *vm, const char *name, const struct sc_node *n, bool vf,
			    uint64_t *next);
bool scenario_node_is_bridge(const struct sc_node *n);

#endif
