/* SPDX-License-Identifier: MIT */
/*
 * Bare metal: the host runs a kernel on pCPUs of its own, with no virtualization -- the
 * baseline every passthrough figure is set against. The kernel is the one VMs run
 * (models/guest/kernel, with the same drivers), started on CPUs whose VMX is off (vcpu_cfg.bare:
 * nothing exits, addresses are host-physical, physical interrupts go straight to its IDT, its
 * EOIs reach the LAPIC), in RAM the host set aside for it, with boot parameters that describe
 * the machine as it is: the host's ECAM and MMIO windows and the RAM the kernel was given. What
 * Linux does in one kernel is split in two here: this host's boot (boot.c: DMAR, the VT-d driver,
 * interrupt remapping, PCI enumeration) and the kernel's driver half, which shares the boot's
 * VT-d driver instances for its DMA API and MSI-X (gk_share_iommu; the application connects
 * the two, as neither includes the other's headers). The kernel's CPUs cost cycles as a VM's
 * vCPUs do, so cycles per operation compare.
 */
#ifndef PTSIM_HOST_BARE_H
#define PTSIM_HOST_BARE_H

#include <stdint.h>

struct host;
struct host_bare;
struct vcpu;

struct host_bare_cfg {
	char name[32];
	unsigned ncpus;
	const unsigned *pcpu; /* CPU i runs on pCPU pcpu[i]; CPU 0 boots */
	uint64_t ram_bytes;   /* the kernel's RAM: one host allocation */
	/* The kernel's entry, run on each CPU. */
	void (*entry)(void *ctx, struct vcpu *v);
	void *ctx;
};

/* Set the RAM aside, write the boot parameters into its first page, make the CPUs. */
int host_bare_create(struct host *h, const struct host_bare_cfg *cfg, struct host_bare **out);
void host_bare_destroy(struct host_bare *b);
/* Start the kernel: one actor per CPU, bound to its pCPU. */
int host_bare_start(struct host_bare *b);
/* The host-physical address of its boot parameters (models/abi/bootparam.h). */
uint64_t host_bare_bootparam(const struct host_bare *b);
struct vcpu *host_bare_cpu(const struct host_bare *b, unsigned i);
unsigned host_bare_ncpus(const struct host_bare *b);
unsigned host_bare_pcpu(const struct host_bare *b, unsigned i);

#endif
