/* SPDX-License-Identifier: MIT */
/*
 * The network stack, reduced to what a NIC driver calls: a net_device with private data, and
 * a received frame going up (Linux's napi_gro_receive) to whoever listens: the workload's
 * application, through gk_net_set_rx.
 */
#include "models/guest/kernel/gk_internal.h"

#include <stdio.h>

void gk_net_set_rx(struct gk *g, void (*rx)(void *ctx, const void *data, unsigned len),
		   void *ctx)
{
	g->rx = rx;
	g->rx_ctx = ctx;
}

struct net_device *alloc_netdev_priv(size_t priv_size, const char *name)
{
	struct gk *g = gk__self();
	struct net_device *nd;

	if (g->nnetdevs == ARRAY_SIZE(g->netdevs))
		return NULL;
	nd = &g->netdevs[g->nnetdevs++];
	snprintf(nd->name, sizeof(nd->name), "%s", name);
	nd->g = g;
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
	struct gk *g = ndev->g;

	isa_compute(g->cfg.costs.net_rx);
	g->st.frames_rx++;
	g->st.bytes_rx += len;
	if (g->rx)
		g->rx(g->rx_ctx, data, len);
}
