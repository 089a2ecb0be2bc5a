/* SPDX-License-Identifier: MIT */
/*
 * One simulated run: the hardware built from a scenario, the host software booted on it by
 * the controller actor, the VMs and the workload, and the results measured over the
 * workload's window (from the application's start to the last frame).
 */
#ifndef PTSIM_MACHINE_H
#define PTSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct scenario;
struct results;
struct machine;
struct dmar_info;

struct run_opts {
	const char *config_path;
	uint64_t seed;
	const char *trace_path; /* NULL: no trace */
	bool progress;          /* a progress line on stderr */
	/* Boot the host only (firmware, enumeration, SR-IOV, IOMMU groups), then survey what it
	 * found: no VMs, no workload (`ptsim survey`, `ptsim lspci`). */
	bool host_only;
	bool snapshot_config; /* host_only: copy every function's config space (lspci -x) */
	bool force;           /* host_only: the survey's verdicts for a forced assignment */
};

/* Build, boot, run. 0 with results filled, or non-zero with a message in err. */
int machine_run(const struct scenario *sc, const struct run_opts *opts, struct results *res,
		char *err, size_t errlen);

/*
 * The same in steps, for tests and benchmarks that add actors of their own:
 * machine_create brings up the engine (once per process) and builds the hardware;
 * machine_start starts the controller actor (host boot, VMs, workload); the caller runs the
 * engine (sim_engine_run) and hands its return code to machine_finish.
 */
int machine_create(const struct scenario *sc, const struct run_opts *opts, struct machine **out);
int machine_start(struct machine *m);
int machine_finish(struct machine *m, int engine_rc, struct results *res, char *err,
		   size_t errlen);
/* Free the machine and everything in it, once the engine has stopped. */
void machine_destroy(struct machine *m);

/* Tests: run this instead of the guest kernel on every vCPU of every VM. */
struct vcpu;
void machine_set_guest_entry(struct machine *m, void (*entry)(void *ctx, struct vcpu *v),
			     void *ctx);
/* Tests: told of each MSI-X write of the workload's device (the NIC's own probe is the
 * machine's, for interrupt latency). */
void machine_set_msi_observer(struct machine *m,
			      void (*fn)(void *ctx, unsigned entry, uint64_t t_ps), void *ctx);
/* Wall time from machine_create to the measurement window's start (setup: building, host
 * boot, VM boot) and of the window itself (steady state), in seconds; 0 if not reached. */
void machine_window_wall(const struct machine *m, double *setup_s, double *window_s);
/* Tests: end the run as if the workload were done (from any actor). */
void machine_end(struct machine *m);

/* What tests and commands look at. */
struct platform *machine_platform(const struct machine *m);
struct mem *machine_mem(const struct machine *m);
struct pcie_fabric *machine_fabric(const struct machine *m);
struct vtd *machine_vtd(const struct machine *m);
/* VT-d unit i (DMAR order of machine.iommu.units) and the host's driver for it, or NULL. */
struct vtd *machine_unit(const struct machine *m, unsigned i);
struct intel_iommu *machine_unit_drv(const struct machine *m, unsigned i);
/* The DMAR table as the host parsed it. */
const struct dmar_info *machine_dmar(const struct machine *m);
struct nic *machine_nic(const struct machine *m, unsigned i);
struct pcpu *machine_pcpu(const struct machine *m, unsigned i);
struct host *machine_host(const struct machine *m);
struct intel_iommu *machine_iommu(const struct machine *m);
struct vm *machine_vm(const struct machine *m, unsigned i);
struct gk *machine_gk(const struct machine *m, unsigned i);
struct vfio_dev *machine_vfio(const struct machine *m, unsigned i);
/* VM i's DMA back-end (models/host/pv_iommu.h), NULL with strategy none or no device. */
struct pv_iommu *machine_pv(const struct machine *m, unsigned i);
/* VM i's guest-visible IOMMU (models/host/viommu.h), NULL without one. */
struct viommu *machine_viommu(const struct machine *m, unsigned i);
/* VM i's VFIO container (models/host/vfio.h), NULL for a VM without devices. */
struct vfio_container *machine_vfio_container(const struct machine *m, unsigned i);
struct hpci *machine_pci(struct machine *m);
/* host_only: the survey of machine_pci(m)'s functions, index for index. */
struct survey_fn;
const struct survey_fn *machine_survey(const struct machine *m);
const struct scenario *machine_scenario(const struct machine *m);
struct gendev;
struct gendev *machine_gendev(const struct machine *m, const char *name);

/* The summary table a person reads after `ptsim run`. */
void machine_print_summary(const struct scenario *sc, const struct results *res, FILE *f);

#endif
