/* SPDX-License-Identifier: MIT */
/*
 * The network stack, reduced to what a NIC driver calls and what an application needs: a
 * net_device with private data; a received frame going up (Linux's napi_gro_receive) to whoever
 * listens (the workload's application, through gk_net_set_rx); and a frame going down from the
 * application's send call straight to the driver's ndo_start_xmit, as a packet socket with
 * PACKET_QDISC_BYPASS does (Linux's packet_direct_xmit): no qdisc, so a full ring is the
 * sender's to wait out. Each of the driver's transmit queues is one bit, stopped or not
 * (netif_tx_stop_queue / netif_tx_wake_queue; netif_stop_queue acts on queue 0); a frame's
 * queue is picked as netdev_pick_tx does without XPS maps (skb_tx_hash: its flow hash scaled
 * to the queues in use); an skb handed back after transmission tells the sender, as the
 * socket's write-space callback does (sock_wfree).
 *
 * NAPI as net/core/dev.c has it: a driver's interrupt handler schedules a queue's napi_struct
 * on the poll list of the CPU that took the interrupt (____napi_schedule) and returns; at the
 * interrupt's exit (irq_exit's invoke_softirq) that CPU runs net_rx_action with interrupts on.
 * It takes each scheduled napi in turn and calls its poll with the napi's weight as budget; a
 * poll that used its whole budget goes to the back of the list and is polled again with no
 * interrupt; one that did less has completed (napi_complete_done) and the driver re-enabled
 * its interrupt. Left out: net_rx_action's own limits (net.core.netdev_budget, 300 frames, and
 * netdev_budget_usecs) and ksoftirqd, to which Linux defers the rest of a long softirq: here
 * the softirq runs until its poll list is empty; and GRO.
 */
#include "models/guest/kernel/gk_internal.h"

#include <stdio.h>
#include <string.h>

#define NETDEV_UP      0x1ul /* __LINK_STATE_START: opened */

_Static_assert((int)GK_XMIT_OK == (int)NETDEV_TX_OK && (int)GK_XMIT_BUSY == (int)NETDEV_TX_BUSY,
	       "gk_net_xmit returns what the driver returned");

static struct gk *gk_of(const struct net_device *nd)
{
	return nd->hal;
}

void gk_net_set_rx(struct gk *g, void (*rx)(void *ctx, const void *data, unsigned len),
		   void *ctx)
{
	g->rx = rx;
	g->rx_ctx = ctx;
}

void gk_net_set_tx_done(struct gk *g,
			void (*fn)(void *ctx, const void *data, unsigned len, bool sent), void *ctx)
{
	g->tx_done = fn;
	g->tx_done_ctx = ctx;
}

struct net_device *alloc_netdev_priv(size_t priv_size, const char *name)
{
	struct gk *g = gk__self();
	struct net_device *nd;

	if (g->nnetdevs == ARRAY_SIZE(g->netdevs))
		return NULL;
	nd = &g->netdevs[g->nnetdevs++];
	snprintf(nd->name, sizeof(nd->name), "%s", name);
	nd->hal = g;
	nd->priv = kzalloc(priv_size, GFP_KERNEL);
	return nd->priv ? nd : NULL;
}

void *netdev_priv(const struct net_device *ndev)
{
	return ndev->priv;
}

int register_netdev(struct net_device *ndev)
{
	printk("%s: registered", ndev->name);
	return 0;
}

void netif_receive_frame(struct net_device *ndev, const void *data, unsigned int len)
{
	struct gk *g = gk_of(ndev);

	isa_compute(g->cfg.costs.net_rx);
	g->st.frames_rx++;
	g->st.bytes_rx += len;
	if (g->rx)
		g->rx(g->rx_ctx, data, len);
}

/* ---- NAPI (net/core/dev.c) ---- */

#define NAPI_STATE_SCHED  0x1ul /* on a poll list, or being polled */
#define NAPI_STATE_MISSED 0x2ul /* scheduled again while it was: poll once more */

void netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi,
			   int (*poll)(struct napi_struct *napi, int budget), int weight)
{
	napi->dev = dev;
	napi->poll = poll;
	napi->weight = weight;
	napi->state = 0;
	napi->next = NULL;
}

void netif_napi_add(struct net_device *dev, struct napi_struct *napi,
		    int (*poll)(struct napi_struct *napi, int budget))
{
	netif_napi_add_weight(dev, napi, poll, NAPI_POLL_WEIGHT);
}

void netif_napi_del(struct napi_struct *napi)
{
	struct gk *g = gk_of(napi->dev);

	for (unsigned c = 0; c < GK_MAX_CPUS; c++) {
		struct gk_softnet *sn = &g->softnet[c];

		for (struct napi_struct **p = &sn->head, *prev = NULL; *p;
		     prev = *p, p = &(*p)->next)
			if (*p == napi) {
				*p = napi->next;
				if (sn->tail == napi)
					sn->tail = prev;
				break;
			}
	}
	napi->state = 0;
	napi->next = NULL;
}

/* Linux's napi_schedule_prep: take the right to poll, or note that an event came meanwhile. */
bool napi_schedule_prep(struct napi_struct *napi)
{
	if (napi->state & NAPI_STATE_SCHED) {
		napi->state |= NAPI_STATE_MISSED;
		return false;
	}
	napi->state |= NAPI_STATE_SCHED;
	return true;
}

static void poll_list_add(struct gk_softnet *sn, struct napi_struct *napi)
{
	napi->next = NULL;
	if (sn->tail)
		sn->tail->next = napi;
	else
		sn->head = napi;
	sn->tail = napi;
}

/* On this CPU's poll list, the softirq raised. Outside an interrupt Linux wakes ksoftirqd;
 * here the softirq runs at once. */
void __napi_schedule(struct napi_struct *napi)
{
	struct gk *g = gk_of(napi->dev);
	struct gk_softnet *sn = gk__softnet(g);

	poll_list_add(sn, napi);
	if (!sn->hardirq && !sn->in_softirq)
		gk__do_softirq(g);
}

bool napi_schedule(struct napi_struct *napi)
{
	if (!napi_schedule_prep(napi))
		return false;
	__napi_schedule(napi);
	return true;
}

bool napi_complete_done(struct napi_struct *napi, int work_done)
{
	struct gk *g = gk_of(napi->dev);

	(void)work_done;
	if (napi->state & NAPI_STATE_MISSED) {
		/* an interrupt came while it ran: poll again rather than re-enable */
		napi->state &= ~NAPI_STATE_MISSED;
		poll_list_add(gk__softnet(g), napi);
		return false;
	}
	napi->state &= ~NAPI_STATE_SCHED;
	g->st.napi_completions++;
	return true;
}

/* net_rx_action: poll each scheduled napi with its weight as budget until none is left. */
static void net_rx_action(struct gk *g, struct gk_softnet *sn)
{
	while (sn->head) {
		struct napi_struct *n = sn->head;
		int work;

		sn->head = n->next;
		if (!sn->head)
			sn->tail = NULL;
		n->next = NULL;
		work = n->poll(n, n->weight);
		g->st.napi_polls++;
		g->st.napi_frames += (uint64_t)work;
		if (work < n->weight)
			continue; /* the driver completed it (napi_complete_done) */
		g->st.napi_budget_exhausted++;
		if (n->state & NAPI_STATE_SCHED)
			poll_list_add(sn, n); /* more may be waiting: poll again, no interrupt */
	}
}

void gk__do_softirq(struct gk *g)
{
	struct gk_softnet *sn = gk__softnet(g);
	bool irqs_were_on = isa_irqs_enabled();

	sn->in_softirq = true;
	isa_sti(); /* __do_softirq runs with interrupts on */
	net_rx_action(g, sn);
	if (!irqs_were_on)
		isa_cli();
	sn->in_softirq = false;
}

/* ---- the transmit queue ---- */

void netif_start_queue(struct net_device *ndev)
{
	netif_tx_start_queue(netdev_get_tx_queue(ndev, 0));
}

void netif_stop_queue(struct net_device *ndev)
{
	netif_tx_stop_queue(netdev_get_tx_queue(ndev, 0));
}

void netif_wake_queue(struct net_device *ndev)
{
	netif_tx_wake_queue(netdev_get_tx_queue(ndev, 0));
}

bool netif_queue_stopped(const struct net_device *ndev)
{
	return netif_tx_queue_stopped(&ndev->_tx[0]);
}

/* A sender refused waits for the queue its last send tried, the one that refused it (with one
 * queue: the device's). */
bool gk_net_tx_stopped(const struct net_device *nd)
{
	return !(nd->state & NETDEV_UP) || netif_tx_queue_stopped(&nd->_tx[nd->tx_last]);
}

/* Linux's jhash_3words (include/linux/jhash.h, Bob Jenkins' lookup3): its final mix is seven
 * steps x ^= y, x -= rol32(y, r) over (c, b), (a, c), (b, a), ... with these rotations. */
static u32 rol32(u32 w, unsigned int s)
{
	return w << s | w >> (32 - s);
}

static u32 jhash_3words(u32 a, u32 b, u32 c, u32 initval)
{
	static const unsigned int rot[7] = {14, 11, 25, 16, 4, 14, 24};
	u32 v[3]; /* c, a, b */

	initval += 0xdeadbeef + (3 << 2);
	v[0] = c + initval;
	v[1] = a + initval;
	v[2] = b + initval;
	for (unsigned int k = 0; k < 7; k++) {
		v[k % 3] ^= v[(k + 2) % 3];
		v[k % 3] -= rol32(v[(k + 2) % 3], rot[k]);
	}
	return v[0];
}

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* The flow hash of a frame (skb_get_hash), as Linux 3.x's __skb_get_rxhash computed it: the
 * IPv4 addresses, and for TCP or UDP the ports, ordered so that both directions hash alike,
 * through jhash_3words under a boot-time random (fixed here, so that runs repeat); 0 for
 * frames that are not IPv4. */
#define FLOW_HASHRND 0x5eed1e55u
static u32 flow_hash(const u8 *d, unsigned int len)
{
	u32 src, dst, ports = 0, ihl;

	if (len < 34 || d[12] != 0x08 || d[13] != 0x00 || d[14] >> 4 != 4)
		return 0;
	ihl = (d[14] & 15u) * 4;
	if (ihl < 20 || len < 14 + ihl)
		return 0;
	src = get_be32(d + 26);
	dst = get_be32(d + 30);
	if ((d[23] == 6 || d[23] == 17) && !(d[20] & 0x3f) && !d[21] && len >= 14 + ihl + 4) {
		u32 sp = (u32)d[14 + ihl] << 8 | d[15 + ihl],
		    dp = (u32)d[16 + ihl] << 8 | d[17 + ihl];

		ports = dst < src || (dst == src && dp < sp) ? dp << 16 | sp : sp << 16 | dp;
	}
	if (dst < src) {
		u32 t = dst;

		dst = src;
		src = t;
	}
	return jhash_3words(dst, src, ports, FLOW_HASHRND);
}

/* netdev_pick_tx without XPS maps: skb_tx_hash, reciprocal_scale of the flow hash over the
 * queues in use. */
unsigned gk_net_pick_tx(const struct net_device *nd, const void *data, unsigned len)
{
	if (nd->real_num_tx_queues <= 1)
		return 0;
	return (unsigned)(((u64)flow_hash(data, len) * nd->real_num_tx_queues) >> 32);
}

/* ---- sk_buffs: the struct from kmalloc, the data from a block of a power-of-two size aligned
 * to its size, as Linux's kmalloc slabs give it (kmalloc-2k for a full frame), so that the
 * data of a frame up to 4 KiB never crosses a page ---- */

static size_t data_block(unsigned len)
{
	size_t b = 64;

	while (b < len)
		b <<= 1;
	return b;
}

static struct sk_buff *alloc_skb(struct gk *g, struct net_device *nd, unsigned len)
{
	struct sk_buff *skb = kmalloc(sizeof(*skb), GFP_ATOMIC);
	size_t b = data_block(len);

	if (!skb)
		return NULL;
	skb->data = gk__alloc(g, b, b < 4096 ? b : 4096, NULL);
	if (!skb->data) {
		kfree(skb);
		return NULL;
	}
	skb->len = len;
	skb->dev = nd;
	skb->hal = g;
	return skb;
}

static void free_skb(struct sk_buff *skb, bool sent)
{
	struct gk *g = skb->hal;

	if (sent)
		g->st.tx_completed++;
	else
		g->st.tx_dropped++;
	if (g->tx_done)
		g->tx_done(g->tx_done_ctx, skb->data, skb->len, sent);
	gk__free(g, skb->data, data_block(skb->len));
	kfree(skb);
}

void dev_consume_skb_any(struct sk_buff *skb)
{
	if (skb)
		free_skb(skb, true);
}

void dev_kfree_skb_any(struct sk_buff *skb)
{
	if (skb)
		free_skb(skb, false);
}

/* ---- the application's side ---- */

struct net_device *gk_netdev_of(struct gk *g, uint16_t bdf)
{
	for (unsigned i = 0; i < g->nnetdevs; i++) {
		const struct device *p = g->netdevs[i].parent;
		const struct pci_dev *pdev =
		    p ? (const struct pci_dev *)((const char *)p - offsetof(struct pci_dev, dev))
		      : NULL;

		if (pdev && ((const struct gk_dev *)pdev->dev.hal)->bdf == bdf)
			return &g->netdevs[i];
	}
	return NULL;
}

/* dev_open: the driver's ndo_open sets up its transmit side; the queue starts awake. */
int gk_net_open(struct gk *g, struct net_device *nd)
{
	int rc = 0;

	(void)g;
	if (nd->state & NETDEV_UP)
		return 0;
	if (nd->netdev_ops && nd->netdev_ops->ndo_open)
		rc = nd->netdev_ops->ndo_open(nd);
	if (!rc)
		nd->state |= NETDEV_UP;
	return rc;
}

int gk_net_xmit(struct gk *g, struct net_device *nd, const void *data, unsigned len)
{
	struct sk_buff *skb;
	netdev_tx_t rc;
	u16 q;

	if (!(nd->state & NETDEV_UP) || !nd->netdev_ops || !nd->netdev_ops->ndo_start_xmit)
		return -ENODEV;
	q = (u16)gk_net_pick_tx(nd, data, len);
	nd->tx_last = q;
	if (netif_tx_queue_stopped(&nd->_tx[q])) {
		g->st.tx_busy++;
		return GK_XMIT_BUSY;
	}
	/* The socket's send path: the skb, the copy from the caller, the headers. */
	isa_compute(g->cfg.costs.net_tx);
	skb = alloc_skb(g, nd, len);
	if (!skb)
		return -ENOMEM;
	memcpy(skb->data, data, len);
	skb->queue_mapping = q;
	rc = nd->netdev_ops->ndo_start_xmit(skb, nd);
	if (rc == NETDEV_TX_BUSY) {
		/* The driver did not take it: it is still ours to free, unsent and uncounted. */
		g->st.tx_busy++;
		gk__free(g, skb->data, data_block(skb->len));
		kfree(skb);
		return GK_XMIT_BUSY;
	}
	g->st.frames_tx++;
	g->st.bytes_tx += len;
	return GK_XMIT_OK;
}

static bool all_stopped(struct net_device *const *nd, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!gk_net_tx_stopped(nd[i]))
			return false;
	return true;
}

void gk_net_wait_tx(struct gk *g, struct net_device *const *nd, unsigned n, bool halt,
		    uint64_t spin_ps)
{
	uint64_t spin = isa_ps_to_tsc(spin_ps);

	if (!halt) {
		while (all_stopped(nd, n))
			isa_compute(spin ? spin : 1);
		return;
	}
	/* Look with interrupts off, then STI;HLT: a completion between the look and the halt
	 * still wakes us (the interrupt is taken right after STI). */
	isa_cli();
	while (all_stopped(nd, n)) {
		/* as every halt does: nothing the DMA layer queued waits while the CPU sleeps */
		gk__dma_flush(g);
		isa_safe_halt();
		isa_cli();
	}
	isa_sti();
}

void gk_net_wait_rx(struct gk *g)
{
	/* Look with interrupts off, then STI;HLT, as gk_net_wait_tx: a frame between the look
	 * and the halt still wakes us. */
	isa_cli();
	while (g->st.frames_rx == g->rx_seen) {
		gk__dma_flush(g);
		isa_safe_halt();
		isa_cli();
	}
	isa_sti();
	g->rx_seen = g->st.frames_rx;
}
