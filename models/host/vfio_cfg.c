/* SPDX-License-Identifier: MIT */
/* The knobs of a VM's DMA mapping (vms[].dma). */
#include "models/host/vfio.h"
#include "sim/knob.h"

const char *const dma_strategy_names[] = {"none",	"direct_map", "single_use", "shared",
					  "persistent", "on_demand",  NULL};
const char *const dma_repl_names[] = {"lru", "fifo", "clock", NULL};
const char *const dma_inval_names[] = {"strict", "deferred", NULL};
static const char *const quota_full_names[] = {"fail", "evict", NULL};

static const struct cfg_field dma_fields[] = {
    CFG_ENUM("strategy", struct vfio_dma_cfg, strategy, dma_strategy_names, DMA_DIRECT_MAP,
	     "how the VM's DMA is mapped in the IOMMU",
	     .source = "all guest RAM mapped and pinned at assignment, as VFIO does"),
    CFG_U64("quota_pages", struct vfio_dma_cfg, quota_pages, 4096, 1, 1ull << 40, "pages",
	    "on_demand: pages the hypervisor's map cache may keep mapped (and pinned) for the VM"),
    CFG_ENUM("replacement", struct vfio_dma_cfg, replacement, dma_repl_names, DMA_REPL_LRU,
	     "on_demand: which unused mapping a miss evicts when the cache is full"),
    CFG_ENUM("quota_full", struct vfio_dma_cfg, quota_full, quota_full_names, DMA_QUOTA_FAIL,
	     "on_demand: a map when every cached page is in use: fail (the driver sees "
	     "dma_mapping_error) or evict a page in use (counted; the device's next DMA to it "
	     "faults and is lost)"),
    CFG_U32("batch", struct vfio_dma_cfg, batch, 1, 1, 256, "requests",
	    "map and unmap requests the guest puts in one hypercall (flushed early before an "
	    "MMIO write to a device and before the guest halts)"),
    CFG_U32("prefetch", struct vfio_dma_cfg, prefetch, 0, 0, 512, "pages",
	    "on_demand: the pages after a missed one mapped in the same hypercall"),
    CFG_ENUM("invalidation", struct vfio_dma_cfg, invalidation, dma_inval_names, DMA_INVAL_STRICT,
	     "IOTLB invalidation after unmapping: strict (before the unmap returns) or deferred "
	     "(a flush queue)"),
    CFG_U32("flush_entries", struct vfio_dma_cfg, flush_entries, 256, 1, 65536, "entries",
	    "deferred: unmapped ranges the flush queue holds; adding to a full queue flushes it",
	    .source = "Linux's IOVA_FQ_SIZE (drivers/iommu/dma-iommu.c)"),
    CFG_US("flush_timeout_us", struct vfio_dma_cfg, flush_timeout_ps, 10000, 1, 1e9,
	   "deferred: the flush queue's timer, started by the first entry after it last fired",
	   .source = "Linux's IOVA_FQ_TIMEOUT, 10 ms (drivers/iommu/dma-iommu.c)"),
    CFG_END,
};
const struct cfg_schema vfio_dma_cfg_schema = CFG_SCHEMA("dma", struct vfio_dma_cfg, dma_fields);
