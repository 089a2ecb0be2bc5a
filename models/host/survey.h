/* SPDX-License-Identifier: MIT */
/*
 * What a hypervisor checks before it assigns a function to a VM, for every function the host
 * found: whether firmware granted the OS native PCIe control (ACPI _OSC), whether ACS isolates
 * the function's path and its multi-function siblings (Linux's IOMMU group rules), whether
 * firmware keeps using memory through it (a DMAR RMRR), whether its requester ID is its own
 * (not a PCIe-to-PCI bridge's alias), whether it has I/O-port BARs, and whether it can signal
 * MSI or MSI-X. Host software: everything comes from config space (through the HAL) and from
 * what firmware reported in struct host_machine.
 */
#ifndef PTSIM_SURVEY_H
#define PTSIM_SURVEY_H

#include <stdbool.h>
#include <stddef.h>

struct host;
struct hpci;

enum survey_reason {
	SURVEY_R_BRIDGE,        /* a bridge or port: nothing to assign */
	SURVEY_R_RMRR,          /* firmware-reserved memory in use: never assignable */
	SURVEY_R_NO_NATIVE,     /* _OSC did not grant native PCIe control */
	SURVEY_R_NO_ACS_PATH,   /* a bridge on the path lacks ACS SV/RR/CR/UF */
	SURVEY_R_MF_NO_ACS,     /* a multi-function device without ACS */
	SURVEY_R_CONVENTIONAL,  /* conventional PCI: the requester ID is a bridge's alias */
	SURVEY_R_IO_BARS,       /* I/O-port BARs */
	SURVEY_R_INTX_ONLY,     /* no MSI or MSI-X */
	SURVEY_R_COUNT
};

enum survey_severity {
	SURVEY_BLOCKER, /* not assignable, forcing does not help */
	SURVEY_UNSAFE,  /* assignable only when forced */
	SURVEY_CAVEAT,  /* assignable; worth knowing */
};

enum survey_verdict {
	SURVEY_ASSIGNABLE,
	SURVEY_ASSIGNABLE_FORCED, /* --force overrode what made it unsafe */
	SURVEY_FORCED_ONLY,
	SURVEY_NOT_ASSIGNABLE,
};

struct survey_fn {
	unsigned reasons;     /* 1 << enum survey_reason */
	enum survey_verdict verdict;
	int alias;            /* hpci index whose requester ID its DMA carries */
	int acs_gap;          /* the first bridge (hpci index) on the path lacking ACS, or -1 */
	unsigned group_size;  /* functions in its IOMMU group, bridges included */
	int rmrr;             /* index of the RMRR that names it, or -1 */
};

/* Survey every function of p (groups already computed); out has p->n entries. */
void survey_run(struct host *h, const struct hpci *p, bool force, struct survey_fn *out);
enum survey_severity survey_reason_severity(enum survey_reason r);
const char *survey_reason_code(enum survey_reason r);
const char *survey_verdict_name(enum survey_verdict v);

#endif
