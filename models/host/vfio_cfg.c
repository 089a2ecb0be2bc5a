/* SPDX-License-Identifier: MIT */
/* The knobs of a VM's DMA mapping (vms[].dma). */
#include "models/host/vfio.h"
#include "sim/knob.h"

const char *const dma_strategy_names[] = {"none",	"direct_map", "single_use", "shared",
					  "persistent", "on_demand",  NULL};
static const char *const repl_names[] = {"lru", "fifo", "random", NULL};
static const char *const inval_names[] = {"strict", "deferred", NULL};

static const struct cfg_field dma_fields[] = {
    CFG_ENUM("strategy", struct vfio_dma_cfg, strategy, dma_strategy_names, DMA_DIRECT_MAP,
	     "how the VM's DMA is mapped in the IOMMU",
	     .source = "all guest RAM mapped and pinned at assignment, as VFIO does"),
    CFG_U64("quota_pages", struct vfio_dma_cfg, quota_pages, 4096, 1, 1ull << 40, "pages",
	    "on_demand: pages the map cache may keep mapped"),
    CFG_ENUM("replacement", struct vfio_dma_cfg, replacement, repl_names, DMA_REPL_LRU,
	     "on_demand: which mapping the cache drops"),
    CFG_U32("batch", struct vfio_dma_cfg, batch, 1, 1, 65536, "mappings",
	    "mappings set up or torn down per operation"),
    CFG_BOOL("prefetch", struct vfio_dma_cfg, prefetch, false, "on_demand: map ahead of use"),
    CFG_ENUM("invalidation", struct vfio_dma_cfg, invalidation, inval_names, DMA_INVAL_STRICT,
	     "IOTLB invalidation after unmapping"),
    CFG_END,
};
const struct cfg_schema vfio_dma_cfg_schema = CFG_SCHEMA("dma", struct vfio_dma_cfg, dma_fields);
