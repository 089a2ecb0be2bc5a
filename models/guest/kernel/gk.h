/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel: the pieces of an OS that a passthrough driver relies on. It boots from
 * the hypervisor's boot parameters, enables its x2APIC, enumerates its PCI bus through config
 * space (which traps), binds drivers, offers the DMA API, MSI-X and an IDT, and hands received
 * frames to whoever listens (the workload's application). It runs on its vCPUs in guest mode.
 *
 * It implements the driver API of hal.h, one concern a file: pci_driver.c (config access,
 * enable, iomap), io.c (MMIO accessors), dma.c, msi.c and irq.c (vectors, request_irq),
 * mm.c (kmalloc), delay.c, printk.c, net.c. Everything that touches the CPU goes through
 * isa.c, its instruction set.
 */
#ifndef PTSIM_GK_H
#define PTSIM_GK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_schema;
struct gk;
struct vcpu;
struct pci_driver;

/* Guest kernel costs, in cycles (what its code paths execute). */
struct gk_costs {
	uint64_t irq_entry;  /* interrupt entry: IDT, irq_enter, dispatch */
	uint64_t irq_exit;   /* irq_exit, softirq check, IRET */
	uint64_t net_rx;     /* the network stack's work per received frame */
	uint64_t net_tx;     /* ... per frame sent, from the send call to the driver */
	uint64_t dma_direct; /* a dma_map_* or dma_unmap_* call with no IOMMU (dma-direct) */
	uint64_t dma_pv;     /* the same through the paravirtual IOMMU, its hypercall aside */
	uint64_t dma_iommu;  /* the same through the guest's own VT-d driver, its exits aside */
};

enum gk_idle { GK_IDLE_HALT, GK_IDLE_POLL };
enum gk_pci_config { GK_PCI_CONFIG_ECAM, GK_PCI_CONFIG_IO };
enum gk_apic { GK_APIC_X2APIC, GK_APIC_XAPIC };
/* With a guest-visible IOMMU: how the DMA layer uses it (Linux's iommu.strict and
 * iommu.passthrough): invalidate at each unmap, defer through a flush queue, or identity. */
enum gk_iommu_policy { GK_IOMMU_STRICT, GK_IOMMU_LAZY, GK_IOMMU_PASSTHROUGH };
/* Where the vectors of a driver that asks for spread ones (PCI_IRQ_AFFINITY) go: spread over
 * the CPUs as Linux's managed affinity does, or all to the boot CPU. */
enum gk_irq_affinity { GK_IRQ_SPREAD, GK_IRQ_BOOT_CPU };

/* A kernel. Its knobs (costs, config mechanism, LAPIC interface) are declared in params.c;
 * the name is its creator's. */
struct gk_cfg {
	char name[32];
	/* Where it boots, its creator's: the boot CPU's APIC ID and the boot parameters'
	 * address (0: CPU 0 and BOOTPARAM_GPA, as a VM's virtual firmware has them). */
	uint32_t bsp_apic_id;
	uint64_t bootparam_pa;
	struct gk_costs costs;
	enum gk_pci_config pci_config; /* config space by ECAM (MMIO) or ports 0xCF8/0xCFC */
	enum gk_apic apic;             /* the LAPIC by x2APIC MSRs or the xAPIC MMIO page */
	enum gk_iommu_policy iommu;    /* the DMA layer's policy when the VM has a vIOMMU */
	enum gk_irq_affinity irq_affinity;
};
extern const struct cfg_schema gk_cfg_schema;

/* A module's parameters as a VM's configuration sets them: one value per entry of the module's
 * table (struct kernel_param in hal.h), in its order, bound by gk_param_schema(). */
#define GK_MAX_PARAMS 16
union gk_param_value {
	uint64_t u64; /* KPARAM_ULLONG */
	uint32_t u32; /* KPARAM_UINT */
	bool b;       /* KPARAM_BOOL */
};
struct gk_module_args {
	union gk_param_value v[GK_MAX_PARAMS];
};
/* The configuration schema of a driver's module parameters (keys, types, ranges, defaults,
 * units and meanings from its table), built once. NULL if the table has too many. */
const struct cfg_schema *gk_param_schema(const struct pci_driver *drv);
/* The value of drv's parameter name in args (as the schema bound them), for checks made
 * before the guest runs; false if drv has no such parameter. */
bool gk_module_arg(const struct pci_driver *drv, const struct gk_module_args *args,
		   const char *name, uint64_t *out);

struct gk_stats {
	uint64_t irqs, spurious_irqs, unhandled_irqs, eois;
	uint64_t cfg_reads, cfg_writes;
	uint64_t frames_rx, bytes_rx;
	uint64_t frames_tx, bytes_tx, tx_busy, tx_completed, tx_dropped;
	uint64_t dma_maps, dma_unmaps, coherent_bytes;
	uint64_t dma_map_errors; /* maps refused: dma_mapping_error for the driver */
	uint64_t dma_requests, dma_hypercalls, dma_request_errors; /* paravirtual IOMMU */
	uint64_t dma_cycles;	   /* the DMA layer's own work, hypercalls aside */
	uint64_t dma_hypercall_ps; /* its hypercalls, VMCALL to return, as the guest saw */
	uint64_t pages_used;
	uint64_t napi_polls, napi_frames, napi_budget_exhausted, napi_completions; /* net.c */
	uint64_t boot_done_ps;
	uint64_t printks;
};
/* Its metric table (gk_metrics.c, sim/metrics.h). */
struct metric_table;
extern const struct metric_table gk_metrics;

int gk_create(const struct gk_cfg *cfg, struct gk **out);
void gk_destroy(struct gk *g);
/* A driver built into this kernel, with its module parameters (NULL: their defaults). */
int gk_register_builtin(struct gk *g, struct pci_driver *drv, const struct gk_module_args *args);
/* Bare metal: the kernel is the host's own. Linux is one kernel; in ptsim the host's boot
 * (models/host/boot.c: DMAR, the VT-d driver's bring-up, interrupt remapping, PCI
 * enumeration) and this kernel (drivers, DMA API, interrupts) are its two halves, so this one
 * uses the VT-d driver instances the boot brought up instead of finding a unit of its own:
 * unit_for names the unit that remaps a function (NULL: none). MSI-X messages then go through
 * the unit's interrupt remapping when it is on (Linux's IR irq domain), and with `dma`
 * (intel_iommu=on) every device gets a DMA domain (or identity with iommu.passthrough) and
 * the DMA API maps through it, strict or lazy by cfg.iommu (iommu.strict); without it DMA
 * addresses are physical (dma-direct). Call before the kernel boots. */
struct intel_iommu;
void gk_share_iommu(struct gk *g, struct intel_iommu *(*unit_for)(void *ctx, uint16_t bdf),
		    void *ctx, bool dma);
/* What runs once the kernel is up (the role of /sbin/init), on vCPU 0. */
void gk_set_init(struct gk *g, void (*init)(void *ctx, struct gk *g), void *ctx);
/* The hypervisor's entry point for each vCPU (vm_cfg.guest_entry). */
void gk_entry(void *ctx, struct vcpu *v);

/* For the application: where received frames go (its socket), CPU work, idling. */
void gk_net_set_rx(struct gk *g, void (*rx)(void *ctx, const void *data, unsigned len),
		   void *ctx);
/* Sending, as a packet socket with PACKET_QDISC_BYPASS does (Linux's packet_direct_xmit): the
 * frame (Ethernet header on, no FCS) is copied into an skb and handed straight to the driver's
 * ndo_start_xmit. The network device of the function at devfn (NULL: none has registered),
 * brought up (ndo_open) once before sending. gk_net_xmit returns GK_XMIT_OK, GK_XMIT_BUSY
 * (the queue is stopped or the driver's ring is full: try again once a completion has made
 * room), or a negative errno. */
struct net_device;
enum gk_xmit { GK_XMIT_OK = 0x00, GK_XMIT_BUSY = 0x10 }; /* NETDEV_TX_OK, NETDEV_TX_BUSY */
struct net_device *gk_netdev_of(struct gk *g, uint16_t bdf);
int gk_net_open(struct gk *g, struct net_device *nd);
int gk_net_xmit(struct gk *g, struct net_device *nd, const void *data, unsigned len);
/* Whether the device is down or the queue its last send tried (with one queue: the device's)
 * is stopped: after a refused send, whether the sender must still wait. */
bool gk_net_tx_stopped(const struct net_device *nd);
/* The transmit queue the kernel picks for a frame (Ethernet header on): netdev_pick_tx without
 * XPS maps, a hash of its IPv4 addresses and TCP/UDP ports scaled to the queues in use; 0 with
 * one queue or for a frame that is not IPv4. */
unsigned gk_net_pick_tx(const struct net_device *nd, const void *data, unsigned len);
/* Back off until one of the devices' queues can take a frame again: halt between interrupts
 * (`halt`), or spin, looking again every `spin_ps` of guest time. */
void gk_net_wait_tx(struct gk *g, struct net_device *const *nd, unsigned n, bool halt,
		    uint64_t spin_ps);
/* Block until a frame has gone up the stack since the last call (a blocking recv): halt
 * between interrupts. */
void gk_net_wait_rx(struct gk *g);
/* Told when a sent frame's skb is freed: after it was transmitted (sent), or dropped. */
void gk_net_set_tx_done(struct gk *g,
			void (*fn)(void *ctx, const void *data, unsigned len, bool sent),
			void *ctx);
/* Block I/O, as an application's asynchronous I/O reaches blk-mq (Linux's io_uring or libaio
 * with O_DIRECT: no page cache, the application's buffer is the request's). The disk of the
 * function at devfn (NULL: none was added); a request of `len` bytes at `sector` on hardware
 * queue `hctx` (modulo the disk's queues), with the buffer from gk_blk_alloc_buf; returns 0,
 * GK_BLK_BUSY (no free tag, or the driver said BLK_STS_RESOURCE: try again after a completion),
 * or a negative errno. Each request ends with `done(ctx, cookie, status)` (a blk_status_t) in
 * the completing context (the driver's interrupt). gk_blk_wait returns once a completion has
 * happened since the last wait: halting between interrupts (`halt`) or spinning. */
struct gendisk;
#define GK_BLK_BUSY 0x10
struct gendisk *gk_disk_of(struct gk *g, uint16_t bdf);
unsigned gk_disk_queues(const struct gendisk *d);
uint64_t gk_disk_sectors(const struct gendisk *d);
unsigned gk_disk_max_bytes(const struct gendisk *d);
void *gk_blk_alloc_buf(struct gk *g, size_t len);
void gk_blk_set_done(struct gk *g, void (*done)(void *ctx, uint64_t cookie, int status), void *ctx);
int gk_blk_submit(struct gk *g, struct gendisk *d, unsigned hctx, bool write, uint64_t sector,
		  unsigned len, void *buf, uint64_t cookie);
void gk_blk_wait(struct gk *g, bool halt);
void gk_compute(struct gk *g, uint64_t cycles);
/* Spin until guest time t_ps (a loop on the TSC); interrupts are taken meanwhile, and one that
 * is still running at t_ps ends the spin late. */
void gk_spin_until(struct gk *g, uint64_t t_ps);
void gk_halt(struct gk *g);
/* Guest time, in picoseconds (from the TSC). */
uint64_t gk_now_ps(struct gk *g);
const struct gk_stats *gk_stats(const struct gk *g);
/* Measurement (a tracepoint like Linux's irq_handler_entry): called at the first instruction
 * of the interrupt entry for every vector, with the guest's time. */
void gk_set_irq_probe(struct gk *g, void (*fn)(void *ctx, uint8_t vector, uint64_t t_ps),
		      void *ctx);
/* Called when the guest returns from an interrupt (its iret), and whether it is inside one. */
void gk_set_irq_done_probe(struct gk *g, void (*fn)(void *ctx), void *ctx);
bool gk_in_irq(const struct gk *g);
/* Whether `vector` is one of the interrupt vectors (MSI-X or INTx) of the function at bdf
 * (bus 0 in a VM: its devfn). */
bool gk_vector_of(const struct gk *g, uint8_t vector, uint16_t bdf);
const char *gk_name(const struct gk *g);

#endif
