/* SPDX-License-Identifier: MIT */
/*
 * PCIe fabric of one segment: the root complex (host bridge, root ports), the functions below
 * them, their config spaces (register behaviour as data) and links; address decoding for CPU
 * accesses (ECAM, BAR windows, registered MMIO ranges such as the VT-d units) and the upstream
 * path of device DMA and MSI writes to the root complex's hooks (IOMMU and memory).
 *
 * Nothing here is pre-numbered: bus numbers and BAR addresses are whatever host software
 * programs into config space; routing reads them from there.
 */
#ifndef PTSIM_PCIE_H
#define PTSIM_PCIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem;
struct pcie_fabric;
struct pcie_fn;
struct pcie_link;

enum pcie_fn_type {
	PCIE_FN_HOST_BRIDGE, /* type 0, on bus 0 */
	PCIE_FN_ROOT_PORT,   /* type 1, on bus 0, owns a link to what is below */
	PCIE_FN_ENDPOINT,    /* type 0 */
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

struct pcie_link_stats {
	uint64_t tlps_up, tlps_down, bytes_up, bytes_down; /* bytes on the wire */
};

struct pcie_fabric_cfg {
	uint64_t ecam_base;     /* ECAM window (256 buses x 1 MiB) */
	unsigned ecam_buses;    /* buses the ECAM window covers */
	uint64_t mmio32_base, mmio32_size; /* where the RC forwards 32-bit MMIO to PCIe */
	uint64_t mmio64_base, mmio64_size; /* and 64-bit MMIO */
	uint64_t rc_latency_ps;  /* one pass through the root complex (either direction) */
	uint64_t cfg_access_ps;  /* a config read/write's completion time at the function */
	uint64_t mmio_dev_ps;    /* a device's response time to an MMIO read */
};

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
/* Place fn at devfn on the root bus (parent NULL) or below a root port's link. */
int pcie_fn_attach(struct pcie_fn *fn, struct pcie_fn *parent, uint8_t devfn,
		   const struct pcie_link_cfg *link);
void pcie_fn_set_ops(struct pcie_fn *fn, const struct pcie_fn_ops *ops, void *ctx);

/* Config-space construction helpers (the function's "silicon"). */
void pcie_fn_set_ids(struct pcie_fn *fn, uint16_t vendor, uint16_t device, uint32_t class_rev,
		     uint16_t subsys_vendor, uint16_t subsys);
/* A memory BAR (size a power of two, >= 16); 64-bit BARs take two slots. */
int pcie_fn_add_bar(struct pcie_fn *fn, int bar, uint64_t size, bool is64, bool prefetch);
/* Capabilities; each returns the offset it was placed at (or negative errno). */
int pcie_fn_add_cap_pm(struct pcie_fn *fn);
int pcie_fn_add_cap_exp(struct pcie_fn *fn, unsigned port_type, bool flr);
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

/* ---- inspection ---- */

const char *pcie_fn_name(const struct pcie_fn *fn);
enum pcie_fn_type pcie_fn_type(const struct pcie_fn *fn);
struct pcie_fabric *pcie_fn_fabric(const struct pcie_fn *fn);
/* The requester ID as currently numbered: (secondary bus of the parent or 0) << 8 | devfn. */
uint16_t pcie_fn_rid(const struct pcie_fn *fn);
uint8_t pcie_fn_devfn(const struct pcie_fn *fn);
struct pcie_fn *pcie_fn_parent(const struct pcie_fn *fn);
struct pcie_link *pcie_fn_link(const struct pcie_fn *fn); /* link to parent, or NULL */
unsigned pcie_fn_cap_offset(const struct pcie_fn *fn, uint8_t cap_id); /* 0 if absent */
/* Durable location path: PCIROOT(0)#PCI(DDFF) per hop from the root bus (ACPI style). */
void pcie_fn_location(const struct pcie_fn *fn, char *buf, size_t len);
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
};

/* One DMA transfer. submit() routes it, translates it and times it; the data moves with
 * pcie_dma_read_data / pcie_dma_write_data at the time the caller chooses (its completion). */
struct pcie_dma {
	uint64_t addr;   /* bus address (IOVA) */
	uint32_t len;
	bool write;
	uint64_t t_issue;
	/* results */
	uint64_t t_done; /* read: last completion at the device; write: globally visible */
	enum pcie_dma_status status;
	unsigned nseg;
	struct {
		uint64_t hpa;
		uint32_t len;
		bool ok;
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

struct pcie_rc_hooks {
	/* Translate one request of `len` bytes (not crossing 4 KiB) from requester sid. */
	void (*translate)(void *ctx, uint16_t sid, uint64_t iova, uint32_t len, bool write,
			  uint64_t t, struct pcie_xlate *out);
	/* Route an MSI write that reached the root complex at t; fill irq. */
	void (*msi)(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		    struct pcie_irq *irq);
	/* An INTx line changed: the root-bus function it arrives through and the pin there. */
	void (*intx)(void *ctx, uint8_t root_devfn, unsigned pin, bool asserted);
	void *ctx;
};
void pcie_fabric_set_hooks(struct pcie_fabric *fab, const struct pcie_rc_hooks *hooks);

int pcie_dma_submit(struct pcie_fn *fn, struct pcie_dma *d);
/* Copy the read's data out of memory (blocked parts read as all-ones). */
void pcie_dma_read_data(struct pcie_fn *fn, const struct pcie_dma *d, void *buf);
/* Make the write's data visible in memory (blocked parts are dropped). */
void pcie_dma_write_data(struct pcie_fn *fn, const struct pcie_dma *d, const void *buf);

/* An MSI/MSI-X write issued by fn at t: routed now, delivered by pcie_irq_commit at
 * irq->t_deliver. Returns 0, or -EPERM if bus mastering is off (nothing sent). */
int pcie_msi_send(struct pcie_fn *fn, uint64_t addr, uint32_t data, uint64_t t,
		  struct pcie_irq *irq);
void pcie_irq_commit(const struct pcie_irq *irq);

/* ---- links ---- */

const struct pcie_link_cfg *pcie_link_config(const struct pcie_link *l);
const struct pcie_link_stats *pcie_link_stats(const struct pcie_link *l);
/* Data rate after line encoding, in bytes per nanosecond. */
double pcie_link_bytes_per_ns(const struct pcie_link_cfg *c);

struct pcie_stats {
	uint64_t cfg_reads, cfg_writes, mmio_reads, mmio_writes;
	uint64_t dma_reads, dma_writes, dma_read_bytes, dma_write_bytes, dma_blocked;
	uint64_t dma_no_master, dma_ur, msi_sent, msi_no_master;
};
const struct pcie_stats *pcie_fabric_stats(const struct pcie_fabric *fab);

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
