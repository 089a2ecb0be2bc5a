/* SPDX-License-Identifier: MIT */
/*
 * Verdicts as hypervisors give them: Linux's intel-iommu refuses to attach a device with an RMRR
 * to a VM's domain (device_rmrr_is_relaxable aside); VFIO assigns whole IOMMU groups, which are
 * larger than the device when ACS is missing (only an override such as pcie_acs_override makes
 * such an assignment, which is what --force stands for); devices behind a PCIe-to-PCI bridge
 * share its requester ID, so the IOMMU cannot keep them apart; I/O-port BARs trap on every
 * access; INTx is a shared, level-triggered line that must be masked around the guest.
 */
#include "models/host/survey.h"
#include "models/host/hpci.h"
#include "models/host/host.h"
#include "models/host/iommu_groups.h"
#include "models/pcie/pcie_regs.h"

#include <stdlib.h>
#include <string.h>

static const char *const codes[SURVEY_R_COUNT] = {
	[SURVEY_R_BRIDGE] = "bridge",
	[SURVEY_R_RMRR] = "rmrr",
	[SURVEY_R_NO_NATIVE] = "no_native_pcie_control",
	[SURVEY_R_NO_ACS_PATH] = "no_acs_on_path",
	[SURVEY_R_MF_NO_ACS] = "multifunction_without_acs",
	[SURVEY_R_CONVENTIONAL] = "conventional_pci",
	[SURVEY_R_IO_BARS] = "io_port_bars",
	[SURVEY_R_INTX_ONLY] = "intx_only",
};

const char *survey_reason_code(enum survey_reason r)
{
	return r < SURVEY_R_COUNT ? codes[r] : "?";
}

enum survey_severity survey_reason_severity(enum survey_reason r)
{
	switch (r) {
	case SURVEY_R_BRIDGE:
	case SURVEY_R_RMRR:
		return SURVEY_BLOCKER;
	case SURVEY_R_IO_BARS:
	case SURVEY_R_INTX_ONLY:
		return SURVEY_CAVEAT;
	default:
		return SURVEY_UNSAFE;
	}
}

const char *survey_verdict_name(enum survey_verdict v)
{
	switch (v) {
	case SURVEY_ASSIGNABLE:
		return "assignable";
	case SURVEY_ASSIGNABLE_FORCED:
		return "assignable (forced)";
	case SURVEY_FORCED_ONLY:
		return "assignable only when forced";
	default:
		return "not assignable";
	}
}

/* The first bridge above i (from i's own port up) that does not isolate with ACS. */
static int acs_gap(struct host *h, const struct hpci *p, int i)
{
	for (int k = p->dev[i].parent; k >= 0; k = p->dev[k].parent) {
		const struct hpci_dev *b = &p->dev[k];

		/* A PCIe-to-PCI bridge never has ACS; the alias reason covers what is behind it. */
		if (b->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE || b->pcie_type < 0)
			continue;
		if (!iommu_acs_enabled(h, p, k, IOMMU_GROUP_ACS_FLAGS))
			return k;
	}
	return -1;
}

static bool mf_without_acs(struct host *h, const struct hpci *p, int i)
{
	const struct hpci_dev *d = &p->dev[i];

	if (!d->multifunction || d->pf >= 0 || iommu_acs_enabled(h, p, i, IOMMU_GROUP_ACS_FLAGS))
		return false;
	for (size_t k = 0; k < p->n; k++) {
		const struct hpci_dev *t = &p->dev[k];

		if ((int)k != i && t->pf < 0 && t->parent == d->parent &&
		    PCI_SLOT(t->bdf) == PCI_SLOT(d->bdf) && (t->bdf >> 8) == (d->bdf >> 8))
			return true;
	}
	return false;
}

void survey_run(struct host *h, const struct hpci *p, bool force, struct survey_fn *out)
{
	const struct host_machine *m = host_machine(h);
	unsigned *members = calloc(p->ngroups + 1, sizeof(*members));

	for (size_t i = 0; members && i < p->n; i++)
		if (p->dev[i].group >= 0 && (unsigned)p->dev[i].group <= p->ngroups)
			members[p->dev[i].group]++;

	for (size_t i = 0; i < p->n; i++) {
		const struct hpci_dev *d = &p->dev[i];
		struct survey_fn *s = &out[i];
		bool blocker = false, unsafe = false;

		memset(s, 0, sizeof(*s));
		s->alias = iommu_dma_alias(p, (int)i);
		s->acs_gap = -1;
		s->rmrr = -1;
		if (members && d->group >= 0 && (unsigned)d->group <= p->ngroups)
			s->group_size = members[d->group];
		if (d->bridge || (d->class_rev >> 16) == 0x0600) {
			s->reasons |= 1u << SURVEY_R_BRIDGE;
		} else {
			for (unsigned r = 0; r < m->nrmrrs; r++)
				if (!strcmp(m->rmrrs[r].path, d->path)) {
					s->rmrr = (int)r;
					s->reasons |= 1u << SURVEY_R_RMRR;
				}
			if (!m->pcie_native_control)
				s->reasons |= 1u << SURVEY_R_NO_NATIVE;
			s->acs_gap = acs_gap(h, p, (int)i);
			if (s->acs_gap >= 0)
				s->reasons |= 1u << SURVEY_R_NO_ACS_PATH;
			if (mf_without_acs(h, p, (int)i))
				s->reasons |= 1u << SURVEY_R_MF_NO_ACS;
			if (s->alias != (int)i)
				s->reasons |= 1u << SURVEY_R_CONVENTIONAL;
			for (int b = 0; b < 6; b++)
				if (d->bar[b].size && d->bar[b].io)
					s->reasons |= 1u << SURVEY_R_IO_BARS;
			if (!d->cap_msi && !d->cap_msix)
				s->reasons |= 1u << SURVEY_R_INTX_ONLY;
		}
		for (unsigned r = 0; r < SURVEY_R_COUNT; r++) {
			if (!(s->reasons & (1u << r)))
				continue;
			blocker |= survey_reason_severity(r) == SURVEY_BLOCKER;
			unsafe |= survey_reason_severity(r) == SURVEY_UNSAFE;
		}
		s->verdict = blocker  ? SURVEY_NOT_ASSIGNABLE
			     : !unsafe ? SURVEY_ASSIGNABLE
			     : force   ? SURVEY_ASSIGNABLE_FORCED
				       : SURVEY_FORCED_ONLY;
	}
	free(members);
}
