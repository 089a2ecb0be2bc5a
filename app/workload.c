/* SPDX-License-Identifier: MIT */
/*
 * The workloads of a run: the top-level workload, or each VM's own (vms[].workload), each a
 * job with its own streams (stream_rx, stream_tx: one per device, received or sent by the
 * application of the guest that owns it) or NVMe jobs, its own interrupt-latency probes (from
 * a device's MSI write to its guest's interrupt entry), and its own window: the run's window
 * opens when the first job's application is ready and closes when the last job is done. Or
 * dma_bench, which the host drives.
 */
#include "app/machine_internal.h"

#include "models/devices/dmaeng.h"
#include "models/devices/nic.h"
#include "models/devices/nvme.h"
#include "models/guest/kernel/gk.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/rng.h"
#include "sim/simtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct nic *machine__find_nic(const struct machine *m, const char *name)
{
	for (unsigned i = 0; i < m->nnics; i++) {
		if (!strcmp(pcie_fn_name(nic_fn(m->nic[i])), name))
			return m->nic[i];
		for (unsigned n = 1; n <= nic_total_vfs(m->nic[i]); n++)
			if (!strcmp(pcie_fn_name(nic_fn(nic_vf(m->nic[i], n))), name))
				return nic_vf(m->nic[i], n);
	}
	return NULL;
}

/* ---- interrupt latency probes ---- */

static void msi_probe(void *ctx, unsigned entry, uint64_t t_ps)
{
	struct irq_probe *p = ctx;
	struct irq_latency *il = p->il;

	if (p->n == MSI_FIFO) {
		p->head = (p->head + 1) % MSI_FIFO;
		p->n--;
		il->overflow++;
	}
	p->t[(p->head + p->n) % MSI_FIFO] = t_ps;
	p->n++;
	if (il->observer)
		il->observer(il->observer_ctx, entry, t_ps);
}

/* A vector entered in guest g: the oldest message of the device it belongs to. */
static void irq_entered(struct irq_probe *p, uint64_t t_ps)
{
	struct irq_latency *il = p->il;
	uint64_t first = p->t[p->head];

	p->head = (p->head + 1) % MSI_FIFO;
	p->n--;
	while (p->n && p->t[p->head] <= t_ps) {
		p->head = (p->head + 1) % MSI_FIFO;
		p->n--;
		if (il->measuring)
			il->coalesced++;
	}
	if (il->measuring && t_ps >= first)
		sim_samples_add(&il->lat, t_ps - first);
}

static void irq_probe(void *ctx, uint8_t vector, uint64_t t_ps)
{
	const struct workload_guest *wg = ctx;
	const struct machine *m = wg->m;

	for (unsigned i = 0; i < m->nprobes; i++)
		if (m->probes[i]->g == wg->g && m->probes[i]->n &&
		    gk_vector_of(wg->g, vector, m->probes[i]->devfn)) {
			irq_entered(m->probes[i], t_ps);
			return;
		}
}

/* ---- the jobs: each a workload with its own window hooks ---- */

static void job_on_start(void *ctx)
{
	struct wl_job *j = ctx;
	struct machine *m = j->m;

	j->started = true;
	if (!m->started)
		m->hooks.on_start(m->hooks.ctx); /* the window opens with the first application */
}

static void job_on_sent(void *ctx)
{
	struct wl_job *j = ctx;

	j->m->hooks.on_sent(j->m->hooks.ctx);
}

static void job_on_done(void *ctx)
{
	struct wl_job *j = ctx;
	struct machine *m = j->m;

	j->done = true;
	for (unsigned i = 0; i < m->njobs; i++)
		if (!m->jobs[i]->done)
			return;
	m->hooks.on_done(m->hooks.ctx); /* it closes when the last is done */
}

/* The owner of function fn (the VM it is assigned to, its BDF there), or a failed run. */
static const struct dev_owner *owner_of(struct machine *m, const struct pcie_fn *fn,
					const char *device)
{
	for (unsigned k = 0; fn && k < m->nowners; k++)
		if (m->owners[k].fn == fn)
			return &m->owners[k];
	machine__fail(m, "workload: %s is not assigned to a VM", device);
	return NULL;
}

/* A probe for the interrupts of the owner's function, timed into job j's latencies, and its
 * guest among those whose interrupt entries are watched. The caller points the device's MSI
 * probe at it. */
static struct irq_probe *watch(struct wl_job *j, const struct dev_owner *o)
{
	struct machine *m = j->m;
	struct irq_probe *p = calloc(1, sizeof(*p));
	struct workload_guest *wg;

	if (!p || machine__push(&m->probes, &m->nprobes, p)) {
		free(p);
		return NULL;
	}
	p->il = &j->il;
	p->g = m->gk[o->vm];
	p->devfn = o->guest_devfn;
	for (unsigned i = 0; i < m->nwgk; i++)
		if (m->wgk[i]->g == p->g)
			return p;
	wg = calloc(1, sizeof(*wg));
	if (!wg || machine__push(&m->wgk, &m->nwgk, wg)) {
		free(wg);
		return NULL;
	}
	wg->m = m;
	wg->g = p->g;
	return p;
}

/* ---- stream_rx, stream_tx ---- */

static int add_stream(struct wl_job *j, const char *device, double rate_gbps)
{
	struct machine *m = j->m;
	struct nic *nic = machine__find_nic(m, device);
	const struct dev_owner *o = owner_of(m, nic ? nic_fn(nic) : NULL, device);
	struct irq_probe *p;
	int rc;

	if (!o)
		return -ENODEV;
	rc = j->rx ? wl_stream_rx_add(j->rx, nic, m->gk[o->vm], rate_gbps)
		   : wl_stream_tx_add(j->tx, nic, m->gk[o->vm], o->guest_devfn);
	if (rc)
		return rc;
	p = watch(j, o);
	if (!p)
		return -ENOMEM;
	nic_set_msi_probe(nic, msi_probe, p);
	return 0;
}

/* ---- nvme: the jobs in the guest that owns the controller ---- */

static int bind_nvme(struct wl_job *j, uint64_t seed)
{
	struct machine *m = j->m;
	const struct sc_workload *wl = j->cfg;
	const struct dev_owner *o;
	struct nvme *c = NULL;
	struct irq_probe *p;
	int rc;

	for (unsigned i = 0; i < m->nnvmes; i++)
		if (!strcmp(pcie_fn_name(nvme_fn(m->nvme[i])), wl->device))
			c = m->nvme[i];
	o = owner_of(m, c ? nvme_fn(c) : NULL, wl->device);
	if (!o)
		return -ENODEV;
	j->nvme = c;
	rc = wl_nvme_create(&wl->nvme, seed, &j->nv);
	if (!rc)
		rc = wl_nvme_bind(j->nv, m->gk[o->vm], o->guest_devfn, &j->hooks);
	if (rc)
		return rc;
	p = watch(j, o);
	if (!p)
		return -ENOMEM;
	nvme_set_msi_probe(c, msi_probe, p);
	return 0;
}

/* ---- rr: the peer beyond the NIC, the application in the guest that owns it ---- */

static int bind_rr(struct wl_job *j)
{
	struct machine *m = j->m;
	const struct sc_workload *wl = j->cfg;
	struct nic *nic = machine__find_nic(m, wl->device);
	const struct dev_owner *o = owner_of(m, nic ? nic_fn(nic) : NULL, wl->device);
	struct irq_probe *p;
	int rc;

	if (!o)
		return -ENODEV;
	rc = wl_rr_create(&wl->rr, wl->stream.line_gbps, wl->stream.start_delay_ps, nic,
			  m->gk[o->vm], o->guest_devfn, &j->rr);
	if (rc)
		return rc;
	wl_rr_bind(j->rr, &j->hooks);
	p = watch(j, o);
	if (!p)
		return -ENOMEM;
	nic_set_msi_probe(nic, msi_probe, p);
	return 0;
}

/* One workload: the top-level one (vm -1: in the VMs that own its devices) or VM vm's. */
static int bind_job(struct machine *m, const struct sc_workload *wl, int vm, uint64_t seed)
{
	struct wl_job *j = calloc(1, sizeof(*j));
	int rc;

	if (!j || machine__push(&m->jobs, &m->njobs, j)) {
		free(j);
		return -ENOMEM;
	}
	j->m = m;
	j->cfg = wl;
	j->vm = vm;
	j->hooks = (struct wl_hooks){job_on_start, job_on_sent, job_on_done, j};
	j->il.observer = m->msi_observer;
	j->il.observer_ctx = m->msi_observer_ctx;
	sim_samples_init(&j->il.lat);
	if (wl->kind == SC_WL_NVME)
		return bind_nvme(j, seed);
	if (wl->kind == SC_WL_RR)
		return bind_rr(j);
	if (wl->kind == SC_WL_STREAM_RX)
		rc = wl_stream_rx_create(&wl->stream, seed, &j->rx);
	else
		rc = wl_stream_tx_create(&wl->stream, seed, &j->tx);
	if (!rc && wl->device)
		rc = add_stream(j, wl->device, 0);
	for (size_t i = 0; !rc && i < wl->ndevices; i++)
		rc = add_stream(j, wl->devices[i], i < wl->nrates ? wl->rates_mbps[i] / 1000.0 : 0);
	if (rc)
		return rc;
	if (j->rx)
		wl_stream_rx_bind(j->rx, &j->hooks);
	else
		wl_stream_tx_bind(j->tx, &j->hooks);
	return 0;
}

int machine__workload_bind(struct machine *m, const struct wl_hooks *hooks,
			   void (*irq_done)(void *ctx))
{
	const struct scenario *sc = m->sc;
	unsigned njobs = 0;
	int rc = 0;

	m->hooks = *hooks;
	if (!scenario_vm_workloads(sc)) {
		if (sc->workload.kind == SC_WL_DMA_BENCH)
			return 0; /* the host drives it (machine__run_dma_bench) */
		rc = bind_job(m, &sc->workload, -1, m->opts.seed);
	}
	for (unsigned v = 0; v < sc->nvms; v++)
		njobs += sc->vms[v].has_workload;
	for (unsigned v = 0; v < sc->nvms && !rc; v++) {
		char name[64];

		if (!sc->vms[v].has_workload)
			continue;
		/* One VM's workload draws as the top-level one does; several, each its own. */
		snprintf(name, sizeof(name), "vms.%s.workload", sc->vms[v].name);
		rc = bind_job(m, &sc->vms[v].workload, (int)v,
			      njobs > 1 ? sim_rng_derive_seed(m->opts.seed, name) : m->opts.seed);
	}
	if (rc)
		return rc;
	for (unsigned i = 0; i < m->nwgk; i++) {
		gk_set_irq_probe(m->wgk[i]->g, irq_probe, m->wgk[i]);
		gk_set_irq_done_probe(m->wgk[i]->g, irq_done, hooks->ctx);
	}
	return 0;
}

bool machine__workload_vm(const struct machine *m, unsigned v)
{
	for (unsigned i = 0; i < m->nwgk; i++)
		if (m->wgk[i]->g == m->gk[v])
			return true;
	return false;
}

bool machine__workload_in_irq(const struct machine *m)
{
	for (unsigned i = 0; i < m->nwgk; i++)
		if (gk_in_irq(m->wgk[i]->g))
			return true;
	return false;
}

void machine__workload_measure(struct machine *m, bool on)
{
	for (unsigned i = 0; i < m->njobs; i++)
		m->jobs[i]->il.measuring = on;
}

void machine__job_status(const struct wl_job *j, struct wl_status *st)
{
	memset(st, 0, sizeof(*st));
	st->units = "frames";
	st->done_words = "received";
	if (j->rx) {
		const struct wl_stream_rx_result *r = wl_stream_rx_result(j->rx);

		st->stream = true;
		st->started = r->started;
		st->total = wl_stream_rx_frames(j->rx);
		st->sent = r->sent;
		st->done = r->received;
		st->dropped = r->dropped;
	} else if (j->tx) {
		const struct wl_stream_tx_result *r = wl_stream_tx_result(j->tx);

		st->stream = true;
		st->started = r->started;
		st->total = wl_stream_tx_frames(j->tx);
		st->sent = r->sent;
		st->done = r->received;
		st->dropped = r->dropped;
		st->done_words = "on the wire";
	} else if (j->rr) {
		const struct wl_rr_result *r = wl_rr_result(j->rr);

		st->stream = true;
		st->started = r->started;
		st->total = j->cfg->rr.transactions;
		st->sent = r->requests;
		st->done = r->completed;
		st->dropped = r->dropped;
		st->units = "transactions";
		st->done_words = "completed";
	} else if (j->nv) {
		const struct wl_nvme_result *r = wl_nvme_result(j->nv);

		st->stream = true;
		st->started = r->started;
		st->total = wl_nvme_total(j->nv);
		st->sent = r->submitted;
		st->done = r->completed;
		st->units = "I/O requests";
		st->done_words = "completed";
		st->why = wl_nvme_error(j->nv);
	}
}

/* Every job's together (started: every one has); the words of the first. */
void machine__workload_status(const struct machine *m, struct wl_status *st)
{
	memset(st, 0, sizeof(*st));
	st->units = "frames";
	st->done_words = "received";
	for (unsigned i = 0; i < m->njobs; i++) {
		struct wl_status js;

		machine__job_status(m->jobs[i], &js);
		if (!i) {
			*st = js;
			continue;
		}
		st->started &= js.started;
		st->total += js.total;
		st->sent += js.sent;
		st->done += js.done;
		st->dropped += js.dropped;
		if (!st->why)
			st->why = js.why;
	}
}

/* stream_rx: every frame is out; the guest has the drain time to account for them.
 * stream_tx: the senders wait on their devices and nothing has moved for the drain time;
 * until they do, look again every drain time. */
static uint64_t job_give_up_at(const struct wl_job *j, uint64_t now, uint64_t *look)
{
	uint64_t drain = j->cfg->drain_ps;

	*look = UINT64_MAX;
	if (j->done)
		return UINT64_MAX;
	if (j->rx) {
		const struct wl_stream_rx_result *wr = wl_stream_rx_result(j->rx);

		if (wr->sent != wl_stream_rx_frames(j->rx))
			return UINT64_MAX;
		*look = wr->t_last_ps + drain;
		return *look;
	}
	if (j->tx) {
		uint64_t since = wl_stream_tx_stalled_since(j->tx);

		*look = since == UINT64_MAX ? now + drain : since + drain;
		return since == UINT64_MAX ? UINT64_MAX : since + drain;
	}
	if (j->rr) {
		/* nothing has moved (no request received, no response back) for the drain time */
		uint64_t since = wl_rr_progress(j->rr);

		*look = since == UINT64_MAX ? now + drain : since + drain;
		return since == UINT64_MAX ? UINT64_MAX : since + drain;
	}
	return UINT64_MAX;
}

/* The first job's time to give up, and the first time one should look again. */
uint64_t machine__workload_give_up_at(const struct machine *m, uint64_t now, uint64_t *look)
{
	uint64_t first = UINT64_MAX;

	*look = UINT64_MAX;
	for (unsigned i = 0; i < m->njobs; i++) {
		uint64_t l, g = job_give_up_at(m->jobs[i], now, &l);

		first = g < first ? g : first;
		*look = l < *look ? l : *look;
	}
	return first;
}

bool machine__workload_give_up(struct machine *m, uint64_t now)
{
	bool all = true;

	for (unsigned i = 0; i < m->njobs; i++) {
		struct wl_job *j = m->jobs[i];
		uint64_t look;

		if (!j->done && now >= job_give_up_at(j, now, &look)) {
			if (j->rx)
				wl_stream_rx_give_up(j->rx);
			if (j->tx)
				wl_stream_tx_give_up(j->tx);
			if (j->rr)
				wl_rr_give_up(j->rr);
			j->done = true;
		}
		all &= j->done;
	}
	return all;
}

void machine__workload_free(struct machine *m)
{
	for (unsigned i = 0; i < m->njobs; i++) {
		wl_stream_rx_destroy(m->jobs[i]->rx);
		wl_stream_tx_destroy(m->jobs[i]->tx);
		wl_nvme_destroy(m->jobs[i]->nv);
		wl_rr_destroy(m->jobs[i]->rr);
		sim_samples_free(&m->jobs[i]->il.lat);
		free(m->jobs[i]);
	}
	free(m->jobs);
	for (unsigned i = 0; i < m->nprobes; i++)
		free(m->probes[i]);
	free(m->probes);
	for (unsigned i = 0; i < m->nwgk; i++)
		free(m->wgk[i]);
	free(m->wgk);
	if (m->bench_ran)
		wl_dma_bench_free(m->sys.host, &m->bench);
}

/* ---- dma_bench: the host maps a window for the engine and lets it read ---- */

void machine__run_dma_bench(struct machine *m, void (*on_start)(void *), void (*on_done)(void *))
{
	const struct sc_workload *w = &m->sc->workload;
	struct pcie_fn *fn = pcie_fabric_find(m->fab, w->device);
	struct wl_dma_bench_cfg bc = w->dma_bench;
	struct wl_dma_bench_hooks bh = {on_start, on_done, m};
	struct intel_iommu *iommu;
	struct hpci_dev *hd;
	char path[128];
	int rc;

	bc.seed = (uint32_t)m->opts.seed;
	bc.poll_ps = 10 * SIM_PS_PER_US; /* how often the host looks at the engine */
	bc.deadline_ps = (uint64_t)(m->sc->run.max_sim_ms * (double)SIM_PS_PER_MS);
	for (unsigned i = 0; i < m->neng; i++)
		if (dmaeng_fn(m->eng[i]) == fn)
			m->bench_eng = m->eng[i];
	pcie_fn_location(fn, path, sizeof(path));
	hd = hpci_find_path(&m->sys.pci, path);
	if (!hd || !m->bench_eng) {
		machine__fail(m, "dma_bench: the host did not find %s", w->device);
		return;
	}
	iommu = host_iommu_for(&m->sys, hd->bdf);
	if (!iommu) {
		machine__fail(m, "dma_bench: %s is behind no DMA-remapping unit (DMAR)", w->device);
		return;
	}
	rc = wl_dma_bench_run(m->sys.host, iommu, &m->sys.pci, hd->bdf, &bc, &bh, &m->bench);
	if (rc == -ETIMEDOUT)
		machine__fail(m,
			      "the workload did not finish within run.max_sim_ms = %g ms (%llu of "
			      "%llu reads issued)",
			      m->sc->run.max_sim_ms,
			      (unsigned long long)dmaeng_stats(m->bench_eng)->reads,
			      (unsigned long long)bc.reads);
	else if (rc)
		machine__fail(m, "dma_bench: %s", strerror(-rc));
	m->bench_ran = !rc;
}
