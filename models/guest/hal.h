/* SPDX-License-Identifier: MIT */
/*
 * The guest driver HAL: what a guest device driver may use, with the names and signatures of
 * Linux's driver API so that a driver reads like a real one. Drivers include this file and
 * the C library only. The guest kernel (models/guest/kernel) implements it, as Linux's kernel
 * implements its driver API: each call becomes what the vCPU really does, through the
 * kernel's instruction-set file (kernel/isa.c): an MMIO access (mapped, or trapping), a
 * config-space access (trapping), memory, a wait in simulated time.
 */
#ifndef PTSIM_HAL_H
#define PTSIM_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u64 dma_addr_t;
typedef u64 resource_size_t;
typedef unsigned int gfp_t;

#define __iomem
#define GFP_KERNEL 0u
#define GFP_ATOMIC 1u

/* x86 is little-endian: the conversions are identities, kept for the reader. */
#define cpu_to_le16(x) ((u16)(x))
#define cpu_to_le32(x) ((u32)(x))
#define cpu_to_le64(x) ((u64)(x))
#define le16_to_cpu(x) ((u16)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
/* Ordering is program order in the model; barriers are compiler barriers. */
#define barrier() __asm__ __volatile__("" ::: "memory")
#define mb()      barrier()
#define rmb()     barrier()
#define wmb()     barrier()
#define dma_rmb() barrier()
#define dma_wmb() barrier()

#define BIT(n)         (1ul << (n))
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ull : ((1ull << (n)) - 1))
#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))

#define EINVAL 22
#define ENOMEM 12
#define ENODEV 19
#define EIO    5
#define ENOSPC 28
#define ETIMEDOUT 110
#define EBUSY  16
#define ENOTSUPP 524

/* ---- devices ---- */

struct device {
	const char *name;
	void *hal; /* backend's */
};

#define IORESOURCE_MEM    0x00000200ul
#define IORESOURCE_IO     0x00000100ul
#define IORESOURCE_MEM_64 0x00100000ul

struct resource {
	resource_size_t start, end;
	unsigned long flags;
};

#define PCI_NUM_RESOURCES 6

struct pci_dev {
	struct device dev;
	u16 vendor, device;
	u16 subsystem_vendor, subsystem_device;
	u32 class;  /* class code << 8 | prog-if (24 bits) */
	u8 revision;
	u8 devfn;
	u8 msix_cap;
	u8 pcie_cap;
	unsigned int msix_enabled : 1; /* set by pci_alloc_irq_vectors when it chose MSI-X */
	unsigned int is_virtfn : 1;    /* an SR-IOV VF (Linux's pci_dev.is_virtfn) */
	struct resource resource[PCI_NUM_RESOURCES];
	unsigned int irq;
	void *driver_data;
};

struct pci_device_id {
	u16 vendor, device;
	unsigned long driver_data;
};
#define PCI_DEVICE(v, d) .vendor = (v), .device = (d)

struct pci_driver {
	const char *name;
	const struct pci_device_id *id_table; /* ends with a zero entry */
	const struct kernel_param *params;    /* its module parameters; ends with a zero entry */
	int (*probe)(struct pci_dev *pdev, const struct pci_device_id *id);
	void (*remove)(struct pci_dev *pdev);
};

int pci_register_driver(struct pci_driver *drv);
int pci_enable_device(struct pci_dev *pdev);
void pci_disable_device(struct pci_dev *pdev);
void pci_set_master(struct pci_dev *pdev);
void pci_clear_master(struct pci_dev *pdev);
int pci_read_config_byte(const struct pci_dev *pdev, int where, u8 *val);
int pci_read_config_word(const struct pci_dev *pdev, int where, u16 *val);
int pci_read_config_dword(const struct pci_dev *pdev, int where, u32 *val);
int pci_write_config_byte(const struct pci_dev *pdev, int where, u8 val);
int pci_write_config_word(const struct pci_dev *pdev, int where, u16 val);
int pci_write_config_dword(const struct pci_dev *pdev, int where, u32 val);
int pci_find_capability(struct pci_dev *pdev, int cap);
void __iomem *pci_iomap(struct pci_dev *pdev, int bar, unsigned long maxlen);
void pci_iounmap(struct pci_dev *pdev, void __iomem *addr);
static inline void pci_set_drvdata(struct pci_dev *pdev, void *data)
{
	pdev->driver_data = data;
}
static inline void *pci_get_drvdata(struct pci_dev *pdev)
{
	return pdev->driver_data;
}
static inline resource_size_t pci_resource_start(const struct pci_dev *pdev, int bar)
{
	return pdev->resource[bar].start;
}
static inline resource_size_t pci_resource_len(const struct pci_dev *pdev, int bar)
{
	const struct resource *r = &pdev->resource[bar];

	return r->end > r->start ? r->end - r->start + 1 : 0;
}

/* ---- MMIO ---- */

u8 readb(const volatile void __iomem *addr);
u16 readw(const volatile void __iomem *addr);
u32 readl(const volatile void __iomem *addr);
u64 readq(const volatile void __iomem *addr);
void writeb(u8 val, volatile void __iomem *addr);
void writew(u16 val, volatile void __iomem *addr);
void writel(u32 val, volatile void __iomem *addr);
void writeq(u64 val, volatile void __iomem *addr);

/* ---- DMA ---- */

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};
#define DMA_MAPPING_ERROR (~(dma_addr_t)0)

int dma_set_mask_and_coherent(struct device *dev, u64 mask);
void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp);
void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle);
dma_addr_t dma_map_single(struct device *dev, void *ptr, size_t size,
			  enum dma_data_direction dir);
void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum dma_data_direction dir);
static inline int dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	(void)dev;
	return addr == DMA_MAPPING_ERROR;
}

/* ---- interrupts ---- */

typedef int irqreturn_t;
#define IRQ_NONE    0
#define IRQ_HANDLED 1
typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);

#define PCI_IRQ_LEGACY 1u /* INTx through the I/O APIC */
#define PCI_IRQ_MSI  2u
#define PCI_IRQ_MSIX 4u
/* Spread the vectors over the CPUs, as Linux's managed affinity does (kernel/irq/affinity.c,
 * lib/group_cpus.c): each vector's message targets the first CPU of its group. */
#define PCI_IRQ_AFFINITY 8u

int pci_alloc_irq_vectors(struct pci_dev *pdev, unsigned int min_vecs, unsigned int max_vecs,
			  unsigned int flags);
void pci_free_irq_vectors(struct pci_dev *pdev);
int pci_irq_vector(struct pci_dev *pdev, unsigned int nr);
/* Dynamic MSI-X allocation (Linux 6.2, drivers/pci/msi/api.c): one more entry after
 * pci_alloc_irq_vectors enabled MSI-X, programmed now, masked until request_irq. index: the
 * entry, or MSI_ANY_INDEX for the first free one; map.index < 0 is an error. */
struct irq_affinity_desc;
struct msi_map {
	int index; /* the MSI-X entry, or a negative errno */
	int virq;  /* what request_irq takes */
};
#define MSI_ANY_INDEX (~0u)
bool pci_msix_can_alloc_dyn(struct pci_dev *pdev);
struct msi_map pci_msix_alloc_irq_at(struct pci_dev *pdev, unsigned int index,
				     const struct irq_affinity_desc *affdesc);
void pci_msix_free_irq(struct pci_dev *pdev, struct msi_map map);
int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name,
		void *dev);
void free_irq(unsigned int irq, void *dev);
void local_irq_disable(void);
void local_irq_enable(void);

/* ---- memory ---- */

void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
void kfree(const void *ptr);

/* ---- time and CPU ---- */

void udelay(unsigned long usecs);
void ndelay(unsigned long nsecs);
void mdelay(unsigned long msecs);
void cpu_relax(void);
u64 get_cycles(void);
/* The CPU time of the instructions a piece of driver code stands for, in cycles: the model's
 * way of saying "this loop body costs this much". */
void cpu_cycles(u64 cycles);

/* ---- module parameters ----
 * A driver declares each of its tunables once, in a table its struct pci_driver points to:
 * name, type, default, accepted range, unit and meaning (Linux's module_param_named and
 * MODULE_PARM_DESC in one entry). The VM's configuration sets them (vms[].guest.<driver>,
 * checked against the table); the kernel hands the driver each value. */
enum kernel_param_type { KPARAM_UINT, KPARAM_ULLONG, KPARAM_BOOL };

struct kernel_param {
	const char *name;
	enum kernel_param_type type;
	u64 def;          /* the value when the configuration does not set one */
	u64 min, max;     /* accepted values, inclusive */
	bool pow2;        /* must be a power of two */
	const char *unit; /* what the value counts: "descriptors", "cycles" ... */
	const char *desc; /* MODULE_PARM_DESC */
};
#define module_param_uint(name_, def_, min_, max_, unit_, desc_, ...)                            \
	{                                                                                          \
		.name = #name_, .type = KPARAM_UINT, .def = (def_), .min = (min_), .max = (max_),  \
		.unit = (unit_), .desc = (desc_), __VA_ARGS__                                      \
	}
#define module_param_ullong(name_, def_, min_, max_, unit_, desc_, ...)                          \
	{                                                                                          \
		.name = #name_, .type = KPARAM_ULLONG, .def = (def_), .min = (min_),               \
		.max = (max_), .unit = (unit_), .desc = (desc_), __VA_ARGS__                       \
	}
#define module_param_bool(name_, def_, desc_)                                                      \
	{                                                                                          \
		.name = #name_, .type = KPARAM_BOOL, .def = (def_), .max = 1, .desc = (desc_)      \
	}

/* This kernel's value of parameter `name` of `module` (a registered driver's name). */
u64 module_param_u64(const char *module, const char *name);

/* ---- logging ---- */

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define dev_info(dev, fmt, ...)  printk("%s: " fmt, (dev)->name, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)  printk("%s: warning: " fmt, (dev)->name, ##__VA_ARGS__)
#define dev_err(dev, fmt, ...)   printk("%s: error: " fmt, (dev)->name, ##__VA_ARGS__)

/* ---- networking (Linux's netdevice.h, skbuff.h) ----
 * A NIC driver allocates a net_device with its private data, points it at its parent device
 * and its operations, and registers it. Received frames go up the stack (Linux:
 * napi_gro_receive). Frames to send come down as sk_buffs to ndo_start_xmit, which takes the
 * frame (NETDEV_TX_OK) or, its ring full, refuses it (NETDEV_TX_BUSY); a driver stops its
 * queue before the ring fills and wakes it when completions have freed room, and hands each
 * transmitted skb back with dev_consume_skb_any (or drops one with dev_kfree_skb_any).
 * A device of several transmit queues says how many it uses (netif_set_real_num_tx_queues);
 * the kernel picks each frame's queue by a hash of its flow (skb_tx_hash) and says which in
 * skb->queue_mapping; the driver stops and wakes each queue on its own (netif_tx_*). The
 * single-queue calls (netif_stop_queue, ...) act on queue 0, as Linux's do. */

struct sk_buff {
	void *data; /* the frame, from its Ethernet header (no FCS) */
	unsigned int len;
	struct net_device *dev;
	u16 queue_mapping; /* the transmit queue the kernel picked */
	void *hal;	   /* backend's */
};

typedef enum netdev_tx {
	NETDEV_TX_OK = 0x00,
	NETDEV_TX_BUSY = 0x10,
} netdev_tx_t;

struct net_device_ops {
	int (*ndo_open)(struct net_device *dev); /* the interface goes up: transmit set up */
	int (*ndo_stop)(struct net_device *dev);
	netdev_tx_t (*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
};

#define NETDEV_MAX_TX_QUEUES   8
#define __QUEUE_STATE_DRV_XOFF 0x1ul /* the driver stopped the queue */
struct netdev_queue {
	unsigned long state;
};

struct net_device {
	char name[16];
	const struct net_device_ops *netdev_ops; /* set by the driver before register_netdev */
	struct device *parent;			 /* SET_NETDEV_DEV */
	unsigned long state;			 /* the kernel's: up, transmit queue stopped */
	void *priv;				 /* netdev_priv */
	void *hal;				 /* backend's */
	struct netdev_queue _tx[NETDEV_MAX_TX_QUEUES];
	unsigned int real_num_tx_queues; /* in use (0 reads as 1) */
	u16 tx_last;			 /* the kernel's: the queue of the last send tried */
};
#define SET_NETDEV_DEV(ndev, pdev) ((ndev)->parent = (pdev))

struct net_device *alloc_netdev_priv(size_t priv_size, const char *name);
void *netdev_priv(const struct net_device *ndev);
int register_netdev(struct net_device *ndev);
void netif_receive_frame(struct net_device *ndev, const void *data, unsigned int len);
void netif_start_queue(struct net_device *ndev);
void netif_stop_queue(struct net_device *ndev);
void netif_wake_queue(struct net_device *ndev);
bool netif_queue_stopped(const struct net_device *ndev);
void dev_consume_skb_any(struct sk_buff *skb); /* transmitted: the sender is told */
void dev_kfree_skb_any(struct sk_buff *skb);   /* dropped */

/* NAPI (Linux's include/linux/netdevice.h, net/core/dev.c). A driver gives each receive queue
 * a napi_struct with its poll function. Its interrupt handler leaves the queue's interrupt
 * masked (auto-masked by the message, or masked by the handler) and calls napi_schedule; the
 * kernel then runs the poll in softirq context on the CPU that took the interrupt, with
 * interrupts on, passing the weight as budget. A poll cleans at most `budget` frames and
 * returns how many; one that cleaned fewer calls napi_complete_done and, when that returns
 * true, re-enables the queue's interrupt; one that used its whole budget stays scheduled and
 * is polled again without an interrupt. */
#define NAPI_POLL_WEIGHT 64 /* Linux's default weight (include/linux/netdevice.h) */
struct napi_struct {
	struct net_device *dev;
	int (*poll)(struct napi_struct *napi, int budget);
	int weight;
	unsigned long state;	  /* the kernel's: scheduled, missed */
	struct napi_struct *next; /* the kernel's: on a CPU's poll list */
};
void netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi,
			   int (*poll)(struct napi_struct *napi, int budget), int weight);
void netif_napi_add(struct net_device *dev, struct napi_struct *napi,
		    int (*poll)(struct napi_struct *napi, int budget));
void netif_napi_del(struct napi_struct *napi);
bool napi_schedule_prep(struct napi_struct *napi);
void __napi_schedule(struct napi_struct *napi);
bool napi_schedule(struct napi_struct *napi); /* true if this call scheduled it */
bool napi_complete_done(struct napi_struct *napi, int work_done);

static inline int netif_set_real_num_tx_queues(struct net_device *dev, unsigned int n)
{
	if (n < 1 || n > NETDEV_MAX_TX_QUEUES)
		return -EINVAL;
	dev->real_num_tx_queues = n;
	return 0;
}

static inline struct netdev_queue *netdev_get_tx_queue(struct net_device *dev, unsigned int i)
{
	return &dev->_tx[i];
}

static inline u16 skb_get_queue_mapping(const struct sk_buff *skb)
{
	return skb->queue_mapping;
}

static inline void netif_tx_start_queue(struct netdev_queue *q)
{
	q->state &= ~__QUEUE_STATE_DRV_XOFF;
}

static inline void netif_tx_stop_queue(struct netdev_queue *q)
{
	q->state |= __QUEUE_STATE_DRV_XOFF;
}

/* Linux also reschedules the qdisc here; a sender waiting on the queue was woken by the
 * interrupt that brought the completion, and looks again. */
static inline void netif_tx_wake_queue(struct netdev_queue *q)
{
	q->state &= ~__QUEUE_STATE_DRV_XOFF;
}

static inline bool netif_tx_queue_stopped(const struct netdev_queue *q)
{
	return q->state & __QUEUE_STATE_DRV_XOFF;
}

/* ---- block devices (Linux's blk-mq, include/linux/blk-mq.h and blkdev.h, reduced) ----
 * A block driver describes its hardware queues in a tag set (how many, how deep, the per-request
 * data it wants), allocates a disk on it, sets its capacity and adds it. The kernel hands it each
 * request through queue_rq on the hardware queue the submitter chose, with a tag unique in that
 * queue; the driver completes it with blk_mq_end_request, usually from its interrupt handler,
 * finding it again by tag (blk_mq_tag_to_rq). A request's data is one buffer in kernel memory,
 * at most max_hw_sectors long (no bio segments). */
typedef u64 sector_t;
typedef u8 blk_status_t;
#define SECTOR_SHIFT	 9
#define BLK_STS_OK	 0
#define BLK_STS_RESOURCE 9
#define BLK_STS_IOERR	 10

enum req_op { REQ_OP_READ = 0, REQ_OP_WRITE = 1, REQ_OP_FLUSH = 2 };

struct blk_mq_hw_ctx;
struct request {
	enum req_op op;
	sector_t sector;       /* the first 512-byte sector */
	unsigned int data_len; /* bytes */
	void *buf;	       /* the data, in kernel memory */
	int tag;	       /* unique within its hardware queue while in flight */
	struct blk_mq_hw_ctx *mq_hctx;
	void *hal; /* backend's */
};
struct blk_mq_hw_ctx {
	unsigned int queue_num;
	void *driver_data; /* set by the driver's init_hctx */
	void *hal;	   /* backend's */
};
struct blk_mq_queue_data {
	struct request *rq;
	bool last; /* the last of a batch: ring the doorbell */
};
struct blk_mq_ops {
	blk_status_t (*queue_rq)(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd);
	int (*init_hctx)(struct blk_mq_hw_ctx *hctx, void *driver_data, unsigned int hctx_idx);
};
struct blk_mq_tag_set {
	const struct blk_mq_ops *ops;
	unsigned int nr_hw_queues;
	unsigned int queue_depth; /* tags per hardware queue */
	unsigned int cmd_size;	  /* driver's bytes after each request (blk_mq_rq_to_pdu) */
	void *driver_data;
	void *hal; /* backend's */
};
struct gendisk {
	char disk_name[32];
	struct blk_mq_tag_set *tag_set;
	sector_t capacity;	     /* set_capacity */
	unsigned int max_hw_sectors; /* the largest request, in sectors */
	struct device *parent;	     /* device_add_disk */
	void *private_data;
	void *hal; /* backend's */
};
int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set);
void blk_mq_free_tag_set(struct blk_mq_tag_set *set);
struct gendisk *blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata);
static inline void set_capacity(struct gendisk *disk, sector_t sectors)
{
	disk->capacity = sectors;
}
int device_add_disk(struct device *parent, struct gendisk *disk);
static inline void *blk_mq_rq_to_pdu(struct request *rq)
{
	return rq + 1;
}
static inline enum req_op req_op(const struct request *rq)
{
	return rq->op;
}
static inline sector_t blk_rq_pos(const struct request *rq)
{
	return rq->sector;
}
static inline unsigned int blk_rq_bytes(const struct request *rq)
{
	return rq->data_len;
}
struct request *blk_mq_tag_to_rq(struct blk_mq_hw_ctx *hctx, unsigned int tag);
void blk_mq_start_request(struct request *rq);
void blk_mq_end_request(struct request *rq, blk_status_t error);
/* CPUs the kernel brought up (the VM's vCPUs). */
unsigned int num_online_cpus(void);

/* PCI config registers a driver uses (include/uapi/linux/pci_regs.h). */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define  PCI_COMMAND_MEMORY 0x0002
#define  PCI_COMMAND_MASTER 0x0004
#define PCI_CAP_ID_MSIX     0x11
#define PCI_CAP_ID_EXP      0x10

#endif
