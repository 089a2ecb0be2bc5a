/* SPDX-License-Identifier: MIT */
/*
 * Host physical memory: RAM regions backed sparsely (pages cost nothing until touched), page
 * owners (host, VM n, firmware) and an access-latency model. Below 4 GiB the map keeps a hole
 * for MMIO, as a PC does: RAM [0, low_top) and [4 GiB, 4 GiB + rest).
 */
#ifndef PTSIM_MEM_H
#define PTSIM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_schema;
struct mem;

/* Owners of physical pages. */
#define MEM_OWNER_NONE     0u
#define MEM_OWNER_HOST     1u
#define MEM_OWNER_FIRMWARE 2u
#define MEM_OWNER_VM(n)    (0x100u + (unsigned)(n))
#define MEM_OWNER_IS_VM(o) ((o) >= 0x100u)
#define MEM_OWNER_VM_ID(o) ((o) - 0x100u)

#define MEM_4G (4ull << 30)

struct mem_cfg {
	uint64_t size;          /* bytes of RAM in all */
	uint64_t low_top;       /* RAM below 4 GiB ends here (the rest goes above 4 GiB) */
	uint64_t firmware_size; /* bytes at the top of low RAM reserved for firmware (ACPI) */
	uint64_t latency_ps;    /* DRAM access latency, first bytes */
	uint64_t llc_latency_ps; /* an access that hits the CPU's last-level cache */
	double bandwidth_gbps;  /* sustained bandwidth, GB/s: adds len/bandwidth per access */
};
/* The knobs of mem_cfg (machine.memory; low_top is the platform's): mem_cfg.c. */
extern const struct cfg_schema mem_cfg_schema;

struct mem_stats {
	uint64_t reads, writes, read_bytes, write_bytes;
};

int mem_create(const struct mem_cfg *cfg, struct mem **out);
void mem_destroy(struct mem *m);

/* The RAM ranges: index i in [0, mem_nranges). */
unsigned mem_nranges(const struct mem *m);
void mem_range(const struct mem *m, unsigned i, uint64_t *base, uint64_t *size);

/* True if [pa, pa+len) is RAM. */
bool mem_is_ram(const struct mem *m, uint64_t pa, uint64_t len);
/* Host pointer to [pa, pa+len) if it is one RAM range, else NULL. Contents are the memory. */
void *mem_ptr(struct mem *m, uint64_t pa, uint64_t len);

/* Copy out/in. Non-RAM bytes read as all-ones and ignore writes; returns -EFAULT then. */
int mem_read(struct mem *m, uint64_t pa, void *buf, size_t len);
int mem_write(struct mem *m, uint64_t pa, const void *buf, size_t len);
/* Little-endian word access, as tables in memory are defined. */
uint64_t mem_read64(struct mem *m, uint64_t pa);
uint32_t mem_read32(struct mem *m, uint64_t pa);
void mem_write64(struct mem *m, uint64_t pa, uint64_t v);
void mem_write32(struct mem *m, uint64_t pa, uint32_t v);

/* Time for one access of `bytes` (from DRAM, or from the LLC when llc is set). */
uint64_t mem_access_ps(const struct mem *m, size_t bytes, bool llc);

/* Page owners, by byte range (rounded out to 4 KiB pages). */
int mem_set_owner(struct mem *m, uint64_t pa, uint64_t len, unsigned owner);
unsigned mem_owner(const struct mem *m, uint64_t pa);

/* Watch [pa, pa+len): a write that touches it calls fn(ctx) (how a CPU spinning on a
 * location learns it changed, without simulating every poll). Returns a handle, or -errno. */
int mem_watch(struct mem *m, uint64_t pa, uint64_t len, void (*fn)(void *ctx), void *ctx);
void mem_unwatch(struct mem *m, int handle);

const struct mem_stats *mem_stats(const struct mem *m);
const struct mem_cfg *mem_cfg(const struct mem *m);

#endif
