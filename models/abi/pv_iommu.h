/* SPDX-License-Identifier: MIT */
/*
 * The paravirtual IOMMU interface between a guest kernel's DMA layer and the hypervisor: with
 * no IOMMU of its own to program, the guest asks the hypervisor to map and unmap its DMA
 * buffers in the VT-d domain of its assigned functions (Willmann, Rixner and Cox, USENIX
 * ATC'08; Yassour, Ben-Yehuda and Wasserman, SYSTOR'10). A contract like bootparam.h: the
 * hypervisor (models/host/pv_iommu.c) and the guest kernel (models/guest/kernel/dma.c) both
 * include it and nothing of each other.
 *
 * Discovery: the hypervisor's virtual firmware fills the pv_iommu words of the boot
 * parameters (bootparam.h) before the guest starts; flags 0 means no paravirtual IOMMU (the
 * guest's DMA addresses are guest-physical, dma-direct).
 *
 * A request batch: up to `batch` requests of PV_IOMMU_REQ_WORDS little-endian 64-bit words
 * each, in guest RAM; VMCALL with RAX = KVM_HC_PV_IOMMU, RBX = the batch's guest-physical
 * address, RCX = the number of requests. The hypervisor carries them out in order and writes
 * each one's status word (0, or a negative errno); the call returns 0, or a negative errno if
 * the batch itself was refused.
 */
#ifndef PTSIM_ABI_PV_IOMMU_H
#define PTSIM_ABI_PV_IOMMU_H

#include <stdint.h>

/* The hypercall (KVM numbers its own from 1; this one sits far above them). */
#define KVM_HC_PV_IOMMU 0x70760001ull

/* bootparam.pv_iommu_flags */
#define PV_IOMMU_PRESENT    0x1ull /* map and unmap through the hypervisor */
#define PV_IOMMU_PERSISTENT 0x2ull /* a mapped page stays mapped: send no unmaps, no remaps */
#define PV_IOMMU_QUOTA_FAIL 0x4ull /* a map fails when the quota is full of pages in use */
#define PV_IOMMU_IOVA_ALLOC                                                                        \
	0x8ull /* the guest gives each mapping IOVAs of its own from the                           \
		* window (else a page's IOVA is its guest-physical address) */

/* One request: op word, IOVA, guest-physical address, length in bytes, the guest's TSC when
 * its driver asked (so the hypervisor can time what follows from the driver's call), and the
 * status the hypervisor writes back. Mappings cover whole 4 KiB pages: iova and gpa are page
 * aligned and len a multiple of 4 KiB. */
#define PV_IOMMU_REQ_WORDS 6
#define PV_IOMMU_W_OP	   0
#define PV_IOMMU_W_IOVA	   1
#define PV_IOMMU_W_GPA	   2
#define PV_IOMMU_W_LEN	   3
#define PV_IOMMU_W_TSC	   4
#define PV_IOMMU_W_STATUS  5

/* op word: bits 7:0 the operation, 9:8 the DMA direction (hal.h's enum dma_data_direction),
 * 23:16 the device's guest devfn (bus 0). */
#define PV_IOMMU_OP_MAP	  1u
#define PV_IOMMU_OP_UNMAP 2u
#define PV_IOMMU_OP(op, dir, devfn)                                                                \
	((uint64_t)(op) | ((uint64_t)(dir)&3) << 8 | ((uint64_t)(devfn)&0xff) << 16)
static inline unsigned pv_iommu_op(uint64_t w)
{
	return (unsigned)(w & 0xff);
}
static inline unsigned pv_iommu_dir(uint64_t w)
{
	return (unsigned)(w >> 8 & 3);
}
static inline unsigned pv_iommu_devfn(uint64_t w)
{
	return (unsigned)(w >> 16 & 0xff);
}

/* With PV_IOMMU_IOVA_ALLOC, the guest's IOVAs come from [base, base + size) of the window the
 * boot parameters give, above any guest-physical address. */
#define PV_IOMMU_IOVA_BASE 0x10000000000ull /* 1 TiB */
#define PV_IOMMU_IOVA_SIZE 0x1000000000ull  /* 64 GiB */

#endif
