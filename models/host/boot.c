/* SPDX-License-Identifier: MIT */
/* Host boot in Linux's order (see boot.h). */
#include "models/host/boot.h"

#include "models/host/iommu_groups.h"
#include "models/host/ioapic_drv.h"
#include "models/host/sched.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/host/host_iommu.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int failed(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", what, strerror(-rc));
	return rc;
}

/* intel_iommu_init: a driver for every DRHD the firmware reported. */
static int iommu_init(struct host_system *s, const struct host_boot_cfg *c, char *err,
		      size_t errlen)
{
	s->iommu = calloc(s->dmar.nunits ? s->dmar.nunits : 1, sizeof(*s->iommu));
	if (!s->iommu)
		return failed(err, errlen, -ENOMEM, "VT-d driver");
	for (unsigned u = 0; u < s->dmar.nunits; u++) {
		struct intel_iommu_cfg dc = {.use_qi = true,
					     .use_ir = true,
					     .x2apic = true,
					     .superpages = c->iommu.superpages,
					     .scalable = c->iommu.scalable,
					     .ats = c->iommu.ats,
					     .no_translation = !c->iommu.dma_remapping,
					     .irt_entries = c->irte_entries,
					     .fault_cpu = 0,
					     .dmar = &s->dmar};
		struct iommu_hal hal = host_iommu_hal(s->host);
		int rc = intel_iommu_init(&hal, s->dmar.unit[u].reg_base, &dc, &s->iommu[u]);

		if (rc)
			return failed(err, errlen, rc, "VT-d driver (unit at %#llx)",
				      (unsigned long long)s->dmar.unit[u].reg_base);
		s->niommu++;
	}
	return 0;
}

static int sriov_enable(struct host_system *s, const struct host_boot_cfg *c)
{
	for (size_t i = 0; i < c->nsriov; i++) {
		struct hpci_dev *d = hpci_find_path(&s->pci, c->sriov[i].path);
		int rc;

		if (!d)
			return -ENODEV;
		rc = hpci_sriov_enable(s->host, &s->pci, (size_t)(d - s->pci.dev),
				       c->sriov[i].numvfs);
		if (rc)
			return rc;
	}
	return 0;
}

int host_boot(const struct host_machine *hm, const struct host_boot_cfg *cfg, struct host_system *s,
	      char *err, size_t errlen)
{
	struct host_cfg kc = cfg->kernel;
	struct iommu_hal hal;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = host_create(&kc, hm, &s->host);
	if (!rc)
		rc = host_sched_create(s->host, &kc.sched, &s->sched);
	if (rc)
		return failed(err, errlen, rc, "host kernel");
	/* detect_intel_iommu: the DMAR table tells where the units are. */
	hal = host_iommu_hal(s->host);
	rc = dmar_parse(&hal, hm->acpi_rsdp, &s->dmar);
	if (rc && rc != -ENODEV)
		return failed(err, errlen, rc, "ACPI DMAR table");
	rc = iommu_init(s, cfg, err, errlen);
	if (rc)
		return rc;
	/* The I/O APIC's messages are remapped by the unit whose scope holds its source ID;
	 * none: its pins send compatibility-format messages. */
	rc = host_ioapic_init(s->host, host_iommu_for(s, hm->ioapic_sid), &s->ioapic);
	if (rc)
		return failed(err, errlen, rc, "I/O APIC driver");
	rc = hpci_enumerate(s->host, &s->pci);
	if (!rc)
		rc = sriov_enable(s, cfg);
	if (rc)
		return failed(err, errlen, rc, "PCI enumeration");
	iommu_groups_compute(s->host, &s->pci);
	if (!cfg->hypervisor)
		return 0;
	struct hv_cfg hvc = {.costs = cfg->hv_costs, .sched = s->sched};

	rc = hv_create(s->host, &hvc, &s->hv);
	if (rc)
		return failed(err, errlen, rc, "hypervisor");
	return 0;
}

struct intel_iommu *host_iommu_for(const struct host_system *s, uint16_t bdf)
{
	struct iommu_hal hal = host_iommu_hal(s->host);
	int u = dmar_unit_for(&hal, &s->dmar, bdf);

	return u >= 0 && (unsigned)u < s->niommu ? s->iommu[u] : NULL;
}

struct intel_iommu *host_iommu_at(const struct host_system *s, uint64_t reg_base)
{
	for (unsigned u = 0; u < s->niommu; u++)
		if (s->dmar.unit[u].reg_base == reg_base)
			return s->iommu[u];
	return NULL;
}

void host_system_destroy(struct host_system *s)
{
	hv_destroy(s->hv);
	hpci_free(&s->pci);
	host_ioapic_destroy(s->ioapic);
	for (unsigned u = 0; u < s->niommu; u++)
		intel_iommu_destroy(s->iommu[u]);
	free(s->iommu);
	host_sched_destroy(s->sched);
	host_destroy(s->host);
	memset(s, 0, sizeof(*s));
}
