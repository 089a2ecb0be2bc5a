/* SPDX-License-Identifier: MIT */
/*
 * PCIe fabric of one segment: the root complex (host bridge, root ports, integrated endpoints),
 * switches (an upstream port over an internal bus of downstream ports), PCIe-to-PCI bridges with
 * conventional PCI functions behind them, endpoints (multi-function, SR-IOV physical functions
 * and their virtual functions), their config spaces (register behaviour as data) and links;
 * address decoding for CPU accesses (ECAM, BAR windows, registered MMIO ranges such as the VT-d
 * units); and the routing of device DMA and MSI writes: up to the root complex's hooks (IOMMU
 * and memory), or peer to peer where the topology and ACS let a request turn.
 *
 * Nothing here is pre-numbered: bus numbers, BAR addresses, bridge windows, VF enables are
 * whatever host software programs into config space; routing reads them from there.
 */
#ifndef PTSIM_PCIE_H
#define PTSIM_PCIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_schema;
struct mem;
struct pcie_fabric;
struct pcie_fn;
struct pcie_link;

enum pcie_fn_type {
	PCIE_FN_HOST_BRIDGE, /* type 0, on bus 0 */
	PCIE_FN_ROOT_PORT,   /* type 1, on bus 0, owns a link to what is below */
	PCIE_FN_ENDPOINT,    /* type 0: endpoint, RCiEP, conventional PCI function, VF */
	PCIE_FN_SWITCH_UP,   /* type 1: switch upstream port; its secondary bus is internal */
	PCIE_FN_SWITCH_DOWN, /* type 1: switch downstream port, owns a link to what is below */
	PCIE_FN_PCI_BRIDGE,  /* type 1: PCIe-to-PCI bridge; its secondary is a conventional bus */
};

/* Link parameters (PCIe 5.0 §4.2, §2.2). */
struct pcie_link_cfg {
	unsigned gen;        /* 1..6 */
	unsigned width;      /* lanes: 1, 2, 4, 8, 16 */
	unsigned mps;        /* max payload size, bytes */
	unsigned mrrs;       /* max read request size, bytes */
	unsigned rcb;        /* read completion boundary, bytes */
	uint64_t latency_ps; /* one-way PHY + data-link latency of the hop */
};
/* The knobs of a link (a port's `link` in machine.pcie.devices): pcie_cfg.c. */
extern const struct cfg_schema pcie_link_cfg_schema;

/* Data rate after line encoding, in bytes per nanosecond (PCIe 5.0 §4.2). */
double pcie_link_bytes_per_ns(const struct pcie_link_cfg *c);
/* The rate TLPs get: after encoding, Ack/UpdateFC DLLPs and SKP ordered sets (or FLIT mode at
 * 64 GT/s), in bytes per nanosecond; 0 for an impossible configuration. See link.c. */
double pcie_link_tlp_bytes_per_ns(const struct pcie_link_cfg *c);
/* Bytes of framing each TLP carries on the wire beyond its header (8; 0 in FLIT mode). */
unsigned pcie_link_tlp_framing(const struct pcie_link_cfg *c);

/* TLP header sizes, PCIe 5.0 §2.2.1: 3 DW, or 4 DW for a 64-bit address. */
#define PCIE_TLP_HDR_3DW 12u
#define PCIE_TLP_HDR_4DW 16u

struct pcie_link_stats {
	uint64_t tlps_up, tlps_down, bytes_up, bytes_down; /* bytes on the wire */
};

struct pcie_fabric_cfg {
	uint64_t ecam_base;     /* ECAM window (256 buses x 1 MiB) */
	unsigned ecam_buses;    /* buses the ECAM window covers */
	uint64_t mmio32_base, mmio32_size; /* where the RC forwards 32-bit MMIO to PCIe */
	uint64_t mmio64_base, mmio64_size; /* and 64-bit MMIO */
	uint64_t rc_latency_ps;  /* one pass through the root complex (either direction) */
	bool rc_p2p;             /* the root complex routes requests between its root ports */
	uint64_t cfg_access_ps;  /* a config read/write's completion time at the function */
	uint64_t mmio_dev_ps;    /* a device's response time to an MMIO read */
};
/* The knobs of the fabric (machine.pcie; the windows are the platform's): pcie_cfg.c. */
extern const struct cfg_schema pcie_fabric_cfg_schema;

/* Device-model callbacks. Offsets are within the BAR. */
struct pcie_fn_ops {
	uint64_t (*mmio_read)(void *ctx, int bar, uint64_t off, unsigned size);
	void (*mmio_write)(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val);
	/* After a config write has been applied through the masks. */
	void (*cfg_written)(void *ctx, uint32_t off, unsigned size);
	/* Function level reset: config space is back at reset values; clear device state. */
	void (*flr)(void *ctx);
};

/* ---- building ---- */

int pcie_fabric_create(const struct pcie_fabric_cfg *cfg, struct mem *mem,
		       struct pcie_fabric **out);
void pcie_fabric_destroy(struct pcie_fabric *fab);
const struct pcie_fabric_cfg *pcie_fabric_config(const struct pcie_fabric *fab);

/* A function with an empty config space of `type`; the creator fills IDs and capabilities. */
int pcie_fn_create(struct pcie_fabric *fab, const char *name, enum pcie_fn_type type,
		   struct pcie_fn **out);
/*
 * Place fn at devfn on the root bus (parent NULL) or on a bridge's secondary bus: below a root
 * or downstream port on its link (`link` creates the link the first time; the other functions
 * of the same device share it and may pass NULL), on a switch's internal bus (downstream ports
 * only, no link), or on a PCIe-to-PCI bridge's conventional bus (no link).
 */
int pcie_fn_attach(struct pcie_fn *fn, struct pcie_fn *parent, uint8_t devfn,
		   const struct pcie_link_cfg *link);
void pcie_fn_set_ops(struct pcie_fn *fn, const struct pcie_fn_ops *ops, void *ctx);
/* Latency of passing through this function's element: a switch's upstream port (forwarding
 * through the switch) or a PCIe-to-PCI bridge. */
void pcie_fn_set_fwd_latency(struct pcie_fn *fn, uint64_t ps);
/* A PCIe-to-PCI bridge's conventional bus: clock and width (PCI 3.0: 33/66 MHz, 32/64 bits). */
int pcie_fn_set_pci_bus(struct pcie_fn *bridge, unsigned mhz, unsigned bits, uint64_t latency_ps);
/* The function is a conventional PCI function (no PCI Express capability, on a PCI bus). */
void pcie_fn_set_conventional(struct pcie_fn *fn);

/* Config-space construction helpers (the function's "silicon"). */
void pcie_fn_set_ids(struct pcie_fn *fn, uint16_t vendor, uint16_t device, uint32_t class_rev,
		     uint16_t subsys_vendor, uint16_t subsys);
/* A memory BAR (size a power of two, >= 16); 64-bit BARs take two slots. */
int pcie_fn_add_bar(struct pcie_fn *fn, int bar, uint64_t size, bool is64, bool prefetch);
/* An I/O BAR (size a power of two, 4..256 bytes; PCI 3.0 §6.2.5.1). */
int pcie_fn_add_io_bar(struct pcie_fn *fn, int bar, uint32_t size);
/* Capabilities; each returns the offset it was placed at (or negative errno). */
int pcie_fn_add_cap_pm(struct pcie_fn *fn);
int pcie_fn_add_cap_exp(struct pcie_fn *fn, unsigned port_type, bool flr);
int pcie_fn_add_cap_msi(struct pcie_fn *fn, unsigned nvec, bool addr64, bool maskable);
int pcie_fn_add_cap_msix(struct pcie_fn *fn, unsigned nvec, int table_bar, uint32_t table_off,
			 int pba_bar, uint32_t pba_off);
/* The ATS extended capability (PCIe 5.0 §10.5.1) and the device's address translation cache
 * of atc_entries (fully associative, LRU): once software sets ATS Enable, the function's DMA
 * looks up its ATC, sends translation requests on a miss and translated requests on a hit. */
int pcie_fn_add_ats(struct pcie_fn *fn, unsigned atc_entries);

/* Legacy INTx (PCI 3.0 §2.2.6, §6.2.4): the function's interrupt pin, 1..4 for INTA..INTD
 * (0: none). The device drives its line with pcie_intx; the line reaches the root complex
 * unless Interrupt Disable is set, swizzled at each bridge (PCI-to-PCI Bridge 1.2 §9.1). */
void pcie_fn_set_intx_pin(struct pcie_fn *fn, unsigned pin);
void pcie_intx(struct pcie_fn *fn, bool asserted);

/* A downstream-facing port that can forward ARI (DEVCAP2.ARI Forwarding Supported). */
void pcie_fn_set_ari_forwarding(struct pcie_fn *fn, bool supported);
/* Extended capabilities (PCIe 5.0 §7.6..7.9). ACS: the capability bits the function implements
 * (PCI_ACS_SV...), and the egress control vector size when PCI_ACS_EC is among them. */
int pcie_fn_add_ext_acs(struct pcie_fn *fn, uint16_t cap, unsigned egress_bits);
int pcie_fn_add_ext_ari(struct pcie_fn *fn);
int pcie_fn_add_ext_ats(struct pcie_fn *fn);
int pcie_fn_add_ext_pasid(struct pcie_fn *fn, unsigned width);

/* SR-IOV physical function: its capability and the virtual functions it can enable. */
struct pcie_sriov_cfg {
	unsigned total_vfs;           /* TotalVFs (and InitialVFs) */
	uint16_t offset, stride;      /* First VF Offset, VF Stride */
	uint16_t vf_device;           /* VF Device ID */
	uint64_t vf_bar_size[6];      /* per VF; 0: no BAR */
	bool vf_bar_is64[6], vf_bar_prefetch[6];
	unsigned vf_msix_vectors;     /* MSI-X in each VF (0: none) */
	int vf_msix_bar;              /* which VF BAR holds the table and the PBA */
	uint32_t vf_msix_table_off;   /* their offsets in that BAR */
	uint32_t vf_msix_pba_off;
};
int pcie_fn_add_ext_sriov(struct pcie_fn *pf, const struct pcie_sriov_cfg *cfg);

/* ---- inspection ---- */

const char *pcie_fn_name(const struct pcie_fn *fn);
enum pcie_fn_type pcie_fn_type(const struct pcie_fn *fn);
struct pcie_fabric *pcie_fn_fabric(const struct pcie_fn *fn);
bool pcie_fn_is_bridge(const struct pcie_fn *fn);
bool pcie_fn_is_conventional(const struct pcie_fn *fn);
/* The requester ID as currently numbered: (secondary bus of the parent or 0) << 8 | devfn; for
 * a VF, PF RID + First VF Offset + (n-1) * VF Stride (SR-IOV 1.1 §2.1.2). */
uint16_t pcie_fn_rid(const struct pcie_fn *fn);
/* The requester ID the root complex sees on fn's requests: its own, or the alias a PCIe-to-PCI
 * bridge above it gives them (secondary bus, device 0, function 0: PCIe-to-PCI Bridge 1.0
 * §2.3). */
uint16_t pcie_fn_dma_rid(const struct pcie_fn *fn);
/* SR-IOV: the PF's VF n (1-based), NULL if none; a VF's PF and index (0 for a PF). */
struct pcie_fn *pcie_fn_vf(const struct pcie_fn *pf, unsigned n);
unsigned pcie_fn_total_vfs(const struct pcie_fn *pf);
struct pcie_fn *pcie_fn_pf(const struct pcie_fn *vf);
unsigned pcie_fn_vf_index(const struct pcie_fn *fn);
/* Present: attached and, for a VF, enabled by its PF (VF Enable and n <= NumVFs). */
bool pcie_fn_present(const struct pcie_fn *fn);
uint8_t pcie_fn_devfn(const struct pcie_fn *fn);
struct pcie_fn *pcie_fn_parent(const struct pcie_fn *fn);
struct pcie_link *pcie_fn_link(const struct pcie_fn *fn); /* link to parent, or NULL */
unsigned pcie_fn_cap_offset(const struct pcie_fn *fn, uint8_t cap_id); /* 0 if absent */
unsigned pcie_fn_ext_cap_offset(const struct pcie_fn *fn, uint16_t cap_id); /* 0 if absent */
/* Durable location path: PCIROOT(0)#PCI(DDFF) per hop from the root bus (ACPI style); a VF is
 * its PF's path followed by #VF(n). */
void pcie_fn_location(const struct pcie_fn *fn, char *buf, size_t len);
/* Functions on fn's secondary bus (bridges), in attach order. */
size_t pcie_fn_nchildren(const struct pcie_fn *fn);
struct pcie_fn *pcie_fn_child(const struct pcie_fn *fn, size_t i);
/* The BAR's current base as programmed (0 if unassigned), and its size. */
uint64_t pcie_fn_bar_base(const struct pcie_fn *fn, int bar);
uint64_t pcie_fn_bar_size(const struct pcie_fn *fn, int bar);
bool pcie_fn_bus_master(const struct pcie_fn *fn);
bool pcie_fn_mem_enabled(const struct pcie_fn *fn);
/* Direct config-space access for the device model itself (no masks, no side effects). */
uint64_t pcie_fn_cfg_get(const struct pcie_fn *fn, uint32_t off, unsigned size);
void pcie_fn_cfg_set(struct pcie_fn *fn, uint32_t off, unsigned size, uint64_t v);

size_t pcie_fabric_nfns(const struct pcie_fabric *fab);
struct pcie_fn *pcie_fabric_fn(const struct pcie_fabric *fab, size_t i);
struct pcie_fn *pcie_fabric_find(const struct pcie_fabric *fab, const char *name);
/* The function currently answering at bus:devfn, or NULL. */
struct pcie_fn *pcie_fabric_lookup(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn);

/* ---- config and MMIO access from the CPU ---- */

/* Config access (what an ECAM access turns into). Absent functions read all-ones. */
uint32_t pcie_cfg_read(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn, uint32_t off,
		       unsigned size);
void pcie_cfg_write(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn, uint32_t off,
		    unsigned size, uint32_t v);

/* Other MMIO ranges the root complex decodes (VT-d register sets...). */
struct pcie_mmio_ops {
	uint64_t (*read)(void *ctx, uint64_t off, unsigned size, uint64_t t);
	void (*write)(void *ctx, uint64_t off, unsigned size, uint64_t v, uint64_t t);
	uint64_t access_ps; /* time for the CPU to reach it and back */
};
int pcie_fabric_map_mmio(struct pcie_fabric *fab, uint64_t base, uint64_t size,
			 const struct pcie_mmio_ops *ops, void *ctx);

/* A CPU load/store to physical address pa that is not RAM. Returns the time the CPU waits
 * (a read: the round trip; a write: until it is posted). Unclaimed reads are all-ones. */
uint64_t pcie_cpu_read(struct pcie_fabric *fab, uint64_t pa, unsigned size, uint64_t t,
		       uint64_t *val);
uint64_t pcie_cpu_write(struct pcie_fabric *fab, uint64_t pa, unsigned size, uint64_t val,
			uint64_t t);
/* True if the root complex would claim pa (ECAM, mapped ranges or a PCIe window). */
bool pcie_claims(const struct pcie_fabric *fab, uint64_t pa);

/* ---- DMA and interrupts from devices ---- */

#define PCIE_DMA_MAX_SEGS 32

enum pcie_dma_status {
	PCIE_DMA_OK = 0,
	PCIE_DMA_BLOCKED,   /* the IOMMU refused (a fault was recorded) */
	PCIE_DMA_NO_MASTER, /* Bus Master Enable is off: the function issued nothing */
	PCIE_DMA_UR,        /* no one claimed the address */
	PCIE_DMA_ACS,       /* an ACS check blocked it (source validation, egress control) */
};

/* Where a request went (PCIe 5.0 §6.12, the ACS rules; §2.2.4 routing by address). */
enum pcie_route {
	PCIE_ROUTE_RC = 0,    /* up to the root complex: IOMMU, then memory or a peer */
	PCIE_ROUTE_INTRA,     /* to a sibling function inside the same device */
	PCIE_ROUTE_SWITCH,    /* turned at a switch (or a PCI bus) straight to the peer */
	PCIE_ROUTE_RC_PEER,   /* through the root complex to a peer's BAR */
	PCIE_ROUTE_BLOCKED,   /* ACS violation or unsupported request */
};

/* One DMA transfer. submit() routes it, translates it and times it; the data moves with
 * pcie_dma_read_data / pcie_dma_write_data at the time the caller chooses (its completion). */
struct pcie_dma {
	uint64_t addr;   /* bus address (IOVA) */
	uint32_t len;
	bool write;
	uint64_t t_issue;
	bool spoof;      /* tests: issue with requester ID `rid` instead of the function's own */
	uint16_t rid;
	/* results */
	uint64_t t_done; /* read: last completion at the device; write: globally visible */
	enum pcie_dma_status status;
	enum pcie_route route;
	uint16_t sid;    /* the requester ID the root complex saw */
	unsigned nseg;
	struct {
		uint64_t hpa;          /* memory address, or the offset in the peer's BAR */
		uint32_t len;
		bool ok;
		int bar;               /* the peer's BAR */
		struct pcie_fn *peer;  /* a peer function's BAR, or NULL for memory */
	} seg[PCIE_DMA_MAX_SEGS];
};

/* Address type of a memory request (PCIe 5.0 §2.2.4.1, AT field; ATS ch. 10). */
enum pcie_at {
	PCIE_AT_UNTRANSLATED = 0,
	PCIE_AT_TRANSLATION = 1, /* an ATS translation request */
	PCIE_AT_TRANSLATED = 2,  /* the address comes from the device's ATC */
};

/* The root complex's view of translation, provided by whoever wires the IOMMU in. */
struct pcie_xlate {
	uint64_t hpa;     /* translated address */
	uint64_t lat_ps;  /* translation time (caches, walk) */
	uint64_t span;    /* bytes from iova the translation covers (to the end of its page) */
	bool ok;
	enum pcie_at at;  /* in: the request's address type (set before the hook is called) */
	unsigned perm;    /* translation requests: rights granted (bit 0 read, bit 1 write) */
	unsigned page_shift; /* translation requests: the translation's page size */
};

/* An interrupt message routed by the root complex, to take effect at t_deliver. */
struct pcie_irq {
	uint64_t t_deliver;
	void (*commit)(void *ctx, const struct pcie_irq *irq);
	void *ctx;
	uint64_t w[4]; /* the router's payload */
	int status;    /* 0 ok, else blocked */
};

/* The root complex's own side of what reaches it, provided by the platform. */
struct pcie_rc_hooks {
	/* Route an MSI write that no IOMMU remaps (compatibility format); fill irq. */
	void (*msi)(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		    struct pcie_irq *irq);
	/* An INTx line changed: the root-bus function it arrives through and the pin there. */
	void (*intx)(void *ctx, uint8_t root_devfn, unsigned pin, bool asserted);
	/* An interrupt message is in flight: it takes effect (pcie_irq_commit) at t_deliver.
	 * Without this hook pcie_msi_send leaves the commit to its caller. */
	void (*post)(void *ctx, const struct pcie_irq *irq);
	void *ctx;
};
void pcie_fabric_set_hooks(struct pcie_fabric *fab, const struct pcie_rc_hooks *hooks);

/*
 * An IOMMU in front of the root complex (QEMU's pci_setup_iommu): `find` tells, once per
 * requester function (when it first sends a request), which unit translates its DMA and
 * remaps its MSIs; ops NULL: none, its requests reach memory untranslated and its MSIs are
 * the root complex's (pcie_rc_hooks.msi).
 */
struct pcie_iommu_ops {
	/* Translate one request of `len` bytes (not crossing 4 KiB) from requester sid at t. */
	void (*translate)(void *unit, uint16_t sid, uint64_t iova, uint32_t len, bool write,
			  uint64_t t, struct pcie_xlate *out);
	/* Remap an MSI write from sid that reached the root complex at t; fill irq. */
	void (*remap_msi)(void *unit, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
			  struct pcie_irq *irq);
};
struct pcie_iommu {
	const struct pcie_iommu_ops *ops;
	void *unit;
};
void pcie_setup_iommu(struct pcie_fabric *fab,
		      void (*find)(void *opaque, const struct pcie_fn *fn, struct pcie_iommu *out),
		      void *opaque);

/* The memory owner (MEM_OWNER_*) of whoever the function is assigned to, 0 for none: a DMA
 * write from it that lands in memory someone else owns is counted (pcie_stats.
 * dma_outside_owner_bytes) -- what an IOMMU exists to prevent. Bookkeeping of the
 * experiment, not a register: the device does not know. */
void pcie_fn_set_owner(struct pcie_fn *fn, unsigned owner);

int pcie_dma_submit(struct pcie_fn *fn, struct pcie_dma *d);
/* Copy the read's data out of memory (blocked parts read as all-ones). */
void pcie_dma_read_data(struct pcie_fn *fn, const struct pcie_dma *d, void *buf);
/* Make the write's data visible in memory (blocked parts are dropped). */
void pcie_dma_write_data(struct pcie_fn *fn, const struct pcie_dma *d, const void *buf);

/* An MSI/MSI-X write issued by fn at t: routed now (interrupt remapping), then in flight in
 * the root complex until it takes effect at irq->t_deliver (pcie_rc_hooks.post; without that
 * hook the caller commits it). The current trace flow goes with it. Returns 0, or -EPERM if
 * bus mastering is off (nothing sent). */
int pcie_msi_send(struct pcie_fn *fn, uint64_t addr, uint32_t data, uint64_t t,
		  struct pcie_irq *irq);
void pcie_irq_commit(const struct pcie_irq *irq);

/* ---- links ---- */

const struct pcie_link_cfg *pcie_link_config(const struct pcie_link *l);
const struct pcie_link_stats *pcie_link_stats(const struct pcie_link *l);

struct pcie_stats {
	uint64_t cfg_reads, cfg_writes, mmio_reads, mmio_writes;
	uint64_t dma_reads, dma_writes, dma_read_bytes, dma_write_bytes, dma_blocked;
	uint64_t dma_no_master, dma_ur, msi_sent, msi_no_master;
	/* routing decisions */
	uint64_t p2p_intra;       /* to a sibling function inside the device */
	uint64_t p2p_switch;      /* turned at a switch or PCI bus to the peer */
	uint64_t p2p_rc;          /* through the root complex to a peer */
	uint64_t acs_redirected;  /* sent up by ACS P2P Request Redirect or Upstream Forwarding */
	uint64_t acs_blocked;     /* refused by ACS Source Validation or P2P Egress Control */
	uint64_t cpl_redirected;  /* peer completions sent up by ACS P2P Completion Redirect */
	uint64_t dma_outside_owner_bytes; /* written by an assigned function outside its owner */
};
const struct pcie_stats *pcie_fabric_stats(const struct pcie_fabric *fab);
/* The metric tables of struct pcie_stats and struct pcie_atc_stats (sim/metrics.h). */
struct metric_table;
extern const struct metric_table pcie_metrics, pcie_atc_metrics;

/* ---- ATS ---- */

struct pcie_atc_stats {
	uint64_t lookups, hits, misses, inserts, evictions, invalidations, inval_entries;
	uint64_t translation_requests, translation_faults, translated_requests;
};
/* The function's ATC counters, or NULL without ATS. */
const struct pcie_atc_stats *pcie_fn_atc_stats(const struct pcie_fn *fn);
bool pcie_fn_ats_enabled(const struct pcie_fn *fn);
/* An ATS invalidate request from the root complex to function sid at t for [addr, addr+size)
 * (size 0: all). The ATC drops what overlaps; true with *t_done when the invalidation
 * completion message is back at the root complex, false if nothing answers (no function,
 * or ATS not enabled). */
bool pcie_ats_invalidate(struct pcie_fabric *fab, uint16_t sid, uint64_t addr, uint64_t size,
			 uint64_t t, uint64_t *t_done);

#endif
