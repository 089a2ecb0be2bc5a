/* SPDX-License-Identifier: MIT */
/*
 * A scenario: the machine, the host software's costs, the VMs and the workload, as read from
 * YAML (see configs/README.md for every key). The schema tables in schema.c bind YAML to these
 * structs with positions for every error; machine.c builds the simulated machine from them.
 */
#ifndef PTSIM_SCENARIO_H
#define PTSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_ctx;
struct cfg_node;

/* Where RAM below 4 GiB ends in the machine's address map (the rest goes above 4 GiB). */
#define PTSIM_LOW_RAM_TOP 0x80000000ull

enum sc_node_type { SC_ROOT_PORT, SC_PTNIC, SC_SWITCH, SC_DOWNSTREAM_PORT, SC_ENDPOINT, SC_RCIEP,
		   SC_PCI_BRIDGE, SC_PCI_DEVICE, SC_DMA_ENGINE };
enum sc_bar_type { SC_BAR_MEM32, SC_BAR_MEM64, SC_BAR_IO };
enum sc_intx { SC_INTX_NONE, SC_INTX_A, SC_INTX_B, SC_INTX_C, SC_INTX_D };
enum sc_repl { SC_REPL_LRU, SC_REPL_FIFO, SC_REPL_RANDOM };
enum sc_irq_mode { SC_IRQ_EMULATED, SC_IRQ_EOI_PASSTHROUGH, SC_IRQ_ELI, SC_IRQ_CPU_POSTED,
		   SC_IRQ_VTD_POSTED };
enum sc_strategy { SC_DMA_NONE, SC_DMA_DIRECT_MAP, SC_DMA_SINGLE_USE, SC_DMA_SHARED,
		   SC_DMA_PERSISTENT, SC_DMA_ON_DEMAND };
enum sc_inval { SC_INVAL_STRICT, SC_INVAL_DEFERRED };
enum sc_viommu { SC_VIOMMU_NONE, SC_VIOMMU_SHADOW, SC_VIOMMU_NESTED };
enum sc_wl_kind { SC_WL_STREAM_RX, SC_WL_STREAM_TX, SC_WL_RR, SC_WL_NVME, SC_WL_DMA_BENCH };
enum sc_arrival { SC_ARRIVAL_CONSTANT, SC_ARRIVAL_POISSON };
enum sc_idle { SC_IDLE_HALT, SC_IDLE_BUSY };
enum sc_pciconf { SC_PCICONF_ECAM, SC_PCICONF_IO };

struct sc_link {
	uint32_t gen, width, mps, mrrs, rcb;
	uint64_t latency_ps;
};

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

/* ACS capability bits as configured (PCI_ACS_SV...; see schema.c) */
struct sc_node {
	const char *name;
	int type;
	uint32_t slot, function;
	struct sc_link link;
	struct sc_node *below;
	size_t nbelow;
	struct sc_node *ports; /* switch: its downstream ports */
	size_t nports;
	/* ptnic */
	uint32_t max_inflight;
	uint64_t reset_ps;
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
	uint16_t acs_bits; /* from `acs`, or the type's default */
	struct sc_sriov sriov;
	bool has_sriov, has_type, has_ids, has_bars, has_acs, acs_given;
	/* switch: forwarding latency; pci_bridge: its latency and conventional bus */
	uint64_t latency_ps;
	uint32_t pci_mhz, pci_bits;
};

struct sc_cpu {
	uint32_t pcpus;
	uint32_t freq_mhz;
	uint64_t vmexit_cycles, vmentry_cycles, mmio_write_cycles;
};

struct sc_memory {
	uint64_t size_mib, firmware_mib;
	uint64_t latency_ps, llc_latency_ps;
	double bandwidth_gbps;
};

struct sc_pcie {
	uint64_t root_complex_ps, config_access_ps, device_mmio_ps;
	bool root_p2p;
	struct sc_node *devices;
	size_t ndevices;
};

struct sc_iotlb {
	uint32_t entries, ways;
	int replacement;
};

/* ---- machine.iommu (VT-d) ---- */

/* One DRHD: a unit with its own registers and caches, for the devices in its scope. */
struct sc_iommu_unit {
	const char *name;
	bool include_all; /* INCLUDE_PCI_ALL: every device no other unit lists */
	const char **scope;
	size_t nscope;
};

/* Paging-structure cache entries per level (entries read at level 2 = PDE .. 5 = PML5E). */
struct sc_psc {
	uint32_t pde, pdpte, pml4e, pml5e;
};

struct sc_iommu {
	bool enabled;
	struct sc_iotlb iotlb;
	bool superpages;
	uint32_t context_cache_entries, interrupt_cache_entries, fault_records;
	uint64_t iotlb_hit_ps, context_hit_ps, walk_step_ps, command_ps, descriptor_ps;
	uint64_t register_access_ps, interrupt_remap_ps;
	bool walk_in_llc, queued_invalidation, interrupt_remapping, posted_interrupts;
	uint32_t address_width;
	struct sc_iommu_unit *units;
	size_t nunits;
	uint32_t domains;
	bool caching_mode, pass_through, extended_interrupt_mode, snoop_control;
	bool write_buffer_flush, advanced_fault_log, device_tlb;
	bool scalable_mode, first_level, second_level, nested, first_level_1g;
	uint32_t pasid_bits, pasid_cache_entries, walkers;
	struct sc_psc psc;
	uint64_t devtlb_timeout_ps;
};

/* ---- machine.firmware ---- */

/* An RMRR: memory a device keeps using (for the BIOS) across the OS's IOMMU setup. */
struct sc_rmrr {
	const char *device;
	uint64_t base;
	uint64_t size_kib;
};

/* What firmware reports to the host (ACPI _OSC, DMAR RMRR structures). */
struct sc_firmware {
	bool pcie_native_control; /* _OSC grants the OS native PCIe control */
	struct sc_rmrr *rmrrs;
	size_t nrmrrs;
};

struct sc_machine {
	struct sc_cpu cpu;
	struct sc_memory memory;
	struct sc_pcie pcie;
	struct sc_iommu iommu;
	struct sc_firmware firmware;
};

/* What the host's VT-d driver chooses to use when the hardware offers it. */
struct sc_host_iommu {
	bool scalable_mode; /* scalable-mode tables when ECAP.SMTS (Linux's default) */
	bool ats;           /* enable ATS on endpoints that have it, when ECAP.DT and the ATSR allow */
};

struct sc_sched {
	uint64_t slice_us, switch_cycles;
	bool wakeup_preempt;
};

struct sc_host {
	uint64_t mem_access_cycles, irq_entry_cycles, eoi_cycles, page_zero_cycles;
	uint64_t poll_ps, flr_wait_us;
	uint32_t irte_entries;
	struct sc_sched sched;
	struct sc_host_iommu iommu;
};

struct sc_hv {
	uint64_t ext_int, intr_window, hlt, wakeup, apic_msr, inject, irqfd, user_exit,
		kernel_mmio, vmcall, apic_access, apic_write, eoi_induced, exception, pi_wakeup,
		post;
};

struct sc_dma {
	int strategy;
	uint64_t quota_pages;
	int replacement;
	uint32_t batch;
	bool prefetch;
	int invalidation;
};

struct sc_ptnic_params {
	uint32_t ring_size, budget, itr;
	uint64_t desc_cycles;
	bool intx;
};

enum sc_apic { SC_APIC_X2APIC, SC_APIC_XAPIC };
enum sc_guest_task { SC_TASK_IDLE, SC_TASK_CPU_HOG };

struct sc_guest {
	uint64_t irq_entry_cycles, irq_exit_cycles, net_rx_cycles;
	int pci_config;
	int apic;
	int task;
	struct sc_ptnic_params ptnic;
};

struct sc_vm {
	const char *name;
	uint32_t vcpus;
	uint32_t *pcpus;
	size_t npcpus;
	uint32_t pinned[16]; /* resolved: the pCPU of each vCPU */
	uint64_t memory_mib;
	int interrupt_mode;
	uint32_t host_irq_pcpu;
	bool host_irq_pcpu_set;
	uint64_t halt_poll_ps;
	struct sc_dma dma;
	int viommu;
	const char **devices;
	size_t ndevices;
	struct sc_guest guest;
};

struct sc_workload {
	int kind;
	const char *device;
	uint64_t frames;
	uint32_t frame_bytes;
	double rate_gbps, line_gbps;
	int arrival;
	uint64_t app_cycles;
	int guest_idle;
	uint64_t start_delay_ps;
	uint64_t drain_ps;
	/* dma_bench */
	uint64_t window_kib, page_kib, reads;
	uint32_t read_bytes, outstanding;
};

struct sc_run {
	double max_sim_ms;
};

struct scenario {
	const char *name, *description;
	uint64_t seed;
	struct sc_machine machine;
	struct sc_host host;
	struct sc_hv hypervisor;
	struct sc_vm *vms;
	size_t nvms;
	struct sc_workload workload;
	struct sc_run run;
};

extern const struct cfg_schema scenario_schema;
extern const char *const sc_irq_mode_names[];
extern const char *const sc_strategy_names[];
extern const char *const sc_wl_kind_names[];
extern const char *const sc_node_type_names[];

/* Load, override and bind a scenario, then check what spans sections (device names, pinning).
 * Returns 0, or the number of errors (all recorded in ctx). */
int scenario_load(struct cfg_ctx *ctx, const char *path, const char *const *sets, size_t nsets,
		  struct scenario *out);

/* Find a topology node by name (depth-first, switch ports included), or NULL. */
const struct sc_node *scenario_find_node(const struct scenario *s, const char *name,
					 const struct sc_node **parent);
/* Is `name` a VF of a configured PF ("<pf>.vf<n>", n <= its num_vfs)? Its PF, and n. */
const struct sc_node *scenario_find_vf(const struct scenario *s, const char *name, unsigned *n);

/* The VF BAR ranges etc. are checked; a scenario may describe a machine only (survey, lspci):
 * then `vms` and `workload` are optional. */
int scenario_load_machine(struct cfg_ctx *ctx, const char *path, const char *const *sets,
			  size_t nsets, struct scenario *out);

#endif
