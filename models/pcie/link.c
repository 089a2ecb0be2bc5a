/* SPDX-License-Identifier: MIT */
/*
 * Link timing, PCI Express Base Specification 5.0 (6.0 for 64 GT/s).
 *
 * A link carries TLPs at its TLP-layer rate: the lane rate after line encoding (§4.2: 8b/10b at
 * 2.5 and 5 GT/s, 128b/130b at 8, 16 and 32 GT/s), less what the data link and physical layers
 * spend between TLPs: an Ack DLLP and an UpdateFC DLLP (8 bytes each on the wire) at the
 * spec's recommended rates (§3.6.3.1 Tables 3-7..3-9 for Acks; §2.6.1.2 for UpdateFCs, which
 * pcie-bench's pcie-model takes at the same intervals), and SKP ordered sets (4 symbols every
 * 1538). This is the arithmetic of pcie-bench's pcie-model (model/pcie.py), which the unit test
 * tests/unit/pcie/test_link_model.c checks to 0.5 %. Each TLP adds 8 bytes of framing (STP
 * and sequence number, LCRC; §4.2.2, §3.6.2) to its header (§2.2.1: 3 DW, or 4 DW with a 64-bit
 * address) and payload.
 *
 * At 64 GT/s (PCIe 6.0 §4.2.3.4) links run in FLIT mode: every 256-byte flit carries 236 TLP
 * bytes, 6 data-link payload bytes (where Acks and UpdateFCs travel), 8 CRC and 6 FEC bytes; TLPs
 * carry no framing or LCRC of their own. So the TLP-layer rate is 236/256 of the raw rate, with
 * no further DLLP or SKP overhead modelled. (pcie-model instead applies 242/256 as an encoding
 * and keeps the 8-byte framing; it calls its Gen6 figures a guess.)
 *
 * A conventional PCI bus (behind a PCIe-to-PCI bridge) is a shared bus of `pci_mhz` clocks of
 * `pci_bits` data each; a transaction costs two extra clocks (address phase and turnaround,
 * PCI 3.0 §3.2).
 *
 * A link keeps, per direction, the time its transmitter is next free, so transfers from
 * several devices that share it queue arithmetically, without an engine event per TLP.
 */
#include "models/pcie/pcie_internal.h"
#include "sim/simtime.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static const double gt_per_lane[] = {0, 2.5, 5.0, 8.0, 16.0, 32.0, 64.0};

/* Ack transmission latency limits in symbol times, by width (x1 x2 x4 x8 x16 x32) and max
 * payload size (128 .. 4096): PCIe 5.0 Table 3-7 (2.5 GT/s), 3-8 (5.0 GT/s), 3-9 (8.0 GT/s and
 * above). pcie-model uses them for both the Ack and the UpdateFC rate. */
static const unsigned ack_limit[3][6][6] = {
	{{237, 416, 559, 1071, 2095, 4143},
	 {128, 217, 289, 545, 1057, 2081},
	 {73, 118, 154, 282, 538, 1050},
	 {67, 107, 86, 150, 278, 534},
	 {48, 72, 86, 150, 278, 534},
	 {33, 45, 52, 84, 148, 276}},
	{{288, 467, 610, 1122, 2146, 4194},
	 {179, 268, 340, 596, 1108, 2132},
	 {124, 169, 205, 333, 589, 1101},
	 {118, 158, 137, 201, 329, 585},
	 {99, 123, 137, 201, 329, 585},
	 {84, 96, 103, 135, 199, 237}},
	{{333, 512, 655, 1167, 2191, 4239},
	 {224, 313, 385, 641, 1153, 2177},
	 {169, 214, 250, 378, 634, 1146},
	 {163, 203, 182, 246, 374, 630},
	 {144, 168, 182, 246, 374, 630},
	 {129, 141, 148, 180, 244, 372}},
};

#define DLLP_BYTES    8u /* a DLLP on the wire: 6 bytes plus 2 of framing */
#define SKP_SYMBOLS   4.0
#define SKP_INTERVAL  1538.0
#define FLIT_BYTES    256.0
#define FLIT_TLP      236.0
#define TLP_FRAMING   8u /* STP/sequence number and LCRC, or STP+END with 8b/10b */
#define PCI_OVH_CLOCKS 2u

static int width_index(unsigned width)
{
	switch (width) {
	case 1:
		return 0;
	case 2:
		return 1;
	case 4:
		return 2;
	case 8:
		return 3;
	case 16:
		return 4;
	case 32:
		return 5;
	default:
		return -1;
	}
}

static int mps_index(unsigned mps)
{
	int i = 0;

	while (i < 5 && (128u << i) < mps)
		i++;
	return (128u << i) == mps ? i : -1;
}

double pcie_link_bytes_per_ns(const struct pcie_link_cfg *c)
{
	double enc;

	if (c->gen < 1 || c->gen > 6)
		return 0;
	enc = c->gen <= 2 ? 8.0 / 10.0 : c->gen <= 5 ? 128.0 / 130.0 : 1.0;
	return gt_per_lane[c->gen] * c->width * enc / 8.0;
}

double pcie_link_tlp_bytes_per_ns(const struct pcie_link_cfg *c)
{
	double raw = pcie_link_bytes_per_ns(c);
	int wi = width_index(c->width), mi = mps_index(c->mps);
	unsigned limit;

	if (raw <= 0 || wi < 0 || mi < 0)
		return 0;
	if (c->gen == 6)
		return raw * FLIT_TLP / FLIT_BYTES;
	limit = ack_limit[c->gen >= 3 ? 2 : c->gen - 1][wi][mi];
	/* one Ack and one UpdateFC per `limit` symbol times, and the SKP ordered sets */
	return raw * (1.0 - 2.0 * DLLP_BYTES / limit - SKP_SYMBOLS / SKP_INTERVAL);
}

unsigned pcie_link_tlp_framing(const struct pcie_link_cfg *c)
{
	return c->gen == 6 ? 0 : TLP_FRAMING;
}

static struct pcie_link *link_alloc(const struct pcie_link_cfg *cfg)
{
	struct pcie_link *l = calloc(1, sizeof(*l));

	if (l)
		l->cfg = *cfg;
	return l;
}

int pcie__link_create(const struct pcie_link_cfg *cfg, struct pcie_link **out)
{
	struct pcie_link *l;
	double bpns = pcie_link_tlp_bytes_per_ns(cfg);

	if (bpns <= 0 || !cfg->mrrs || !cfg->rcb)
		return -EINVAL;
	l = link_alloc(cfg);
	if (!l)
		return -ENOMEM;
	l->ps_per_byte = 1000.0 / bpns;
	l->framing = pcie_link_tlp_framing(cfg);
	*out = l;
	return 0;
}

int pcie__link_create_pci(unsigned mhz, unsigned bits, uint64_t latency_ps, struct pcie_link **out)
{
	struct pcie_link_cfg c = {0};
	struct pcie_link *l;

	if (!mhz || (bits != 32 && bits != 64))
		return -EINVAL;
	c.mps = 4096; /* a burst is as long as the initiator wants */
	c.mrrs = 4096;
	c.rcb = 64;
	c.latency_ps = latency_ps;
	l = link_alloc(&c);
	if (!l)
		return -ENOMEM;
	l->conventional = true;
	l->ps_per_byte = 1e6 / ((double)mhz * bits / 8.0);
	l->framing = PCI_OVH_CLOCKS * bits / 8; /* address phase, turnaround */
	l->hdr_free = true;
	*out = l;
	return 0;
}

uint64_t pcie__link_ser_ps(const struct pcie_link *l, uint64_t bytes)
{
	return sim_round_u64((double)bytes * l->ps_per_byte);
}

/* Bytes on this link for a burst: payload plus header and framing per TLP. */
static uint64_t wire_bytes(const struct pcie_link *l, const struct pcie_tlps *b, uint64_t payload,
			   unsigned ntlp)
{
	unsigned per = l->framing + (l->hdr_free ? 0 : b->hdr);

	return payload + (uint64_t)ntlp * per;
}

void pcie__path_send(struct pcie_hop *hops, unsigned n, int dir, const struct pcie_tlps *b,
		     uint64_t t, uint64_t *t_first, uint64_t *t_last)
{
	uint64_t first = t, last = t;

	for (unsigned k = 0; k < n; k++) {
		/* Upstream the hops are walked nearest first; downstream from the root out. */
		const struct pcie_hop *h = &hops[dir == PCIE_UP ? k : n - 1 - k];
		struct pcie_link *l = h->link;
		int d = l->conventional ? 0 : dir; /* a PCI bus is one shared medium */
		uint64_t all = wire_bytes(l, b, b->payload, b->ntlp);
		uint64_t one = wire_bytes(l, b, b->first_payload, 1);
		uint64_t tail = wire_bytes(l, b, b->last_payload, 1);
		uint64_t start, end;

		if (dir == PCIE_DOWN && k) {
			/* through the node above this link (a switch) on the way down */
			first += h->node_ps;
			last += h->node_ps;
		}
		/* Store-and-forward per TLP, cut-through per burst: the first TLP leaves when the
		 * transmitter is free and it has arrived; the last cannot leave before it arrived.
		 */
		start = first > l->busy[d] ? first : l->busy[d];
		end = start + pcie__link_ser_ps(l, all);
		if (last + pcie__link_ser_ps(l, tail) > end)
			end = last + pcie__link_ser_ps(l, tail);
		l->busy[d] = end;
		first = start + pcie__link_ser_ps(l, one) + l->cfg.latency_ps;
		last = end + l->cfg.latency_ps;
		if (dir == PCIE_UP) {
			l->st.tlps_up += b->ntlp;
			l->st.bytes_up += all;
			if (k + 1 < n) {
				first += h->node_ps;
				last += h->node_ps;
			}
		} else {
			l->st.tlps_down += b->ntlp;
			l->st.bytes_down += all;
		}
	}
	if (t_first)
		*t_first = first;
	if (t_last)
		*t_last = last;
}

const struct pcie_link_cfg *pcie_link_config(const struct pcie_link *l)
{
	return &l->cfg;
}

const struct pcie_link_stats *pcie_link_stats(const struct pcie_link *l)
{
	return &l->st;
}
