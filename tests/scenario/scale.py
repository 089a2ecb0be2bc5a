#!/usr/bin/env python3
"""The wiring scales: a machine with many VMs, each owning several SR-IOV VFs.

  scale.py PTSIM [--vms N] [--vfs K] [--frames F] [--machine M [--host-vms H]]
                 [--write FILE | --write-machine FILE |
                  --config FILE [--machine-file FILE] [--check-only]]

Builds a scenario (written to a temporary file, or to FILE with --write): K ptnic PFs, each
behind its own root port with N VFs enabled (or the machine file M, included: K PFs with H VFs
each, --write-machine writes it); N VMs, VM i pinned to pCPU i+1, owning VF i+1 of every PF
and running a workload of its own, a stream_rx of F frames into each of its K VFs. Runs it
and checks that every stream arrived where it was sent: every VM's workload received its
frames and its guest took interrupts from each of its devices, every VF received F frames, and
the VMs' results add up to the run's. Defaults: 64 VMs, 4 VFs each (256 streams). --config
FILE runs FILE instead, after checking that it is what this script writes
(configs/scale/64vm-4vf.yaml is, for the defaults with --machine
../machines/cloud-host.yaml), and --machine-file that the machine is
(configs/machines/cloud-host.yaml).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def machine(pfs, vfs):
    """The host: pfs ptnic PFs, each behind its own root port with vfs VFs enabled, a pCPU for
    the host and one per VM, 64 MiB of RAM per VM beyond the host's GiB."""
    out = ["# A cloud host: %d ptnic PFs, each behind its own root port with %d SR-IOV VFs "
           "enabled;" % (pfs, vfs),
           "# a pCPU for the host and one for each of up to %d single-vCPU VMs. Written by"
           % vfs,
           "# tests/scenario/scale.py --vms %d --vfs %d --write-machine FILE (the scale test "
           "checks" % (vfs, pfs),
           "# this file is what it writes); configs/scale/*vm-%dvf.yaml run VMs on it." % pfs,
           "cpu: {pcpus: %d}" % (vfs + 1),
           "memory: {size_mib: %d}" % (vfs * 64 + 1024),
           # a domain per assigned function (VFIO gives each its own here), DID 0 reserved
           "iommu: {domains: %d}" % next(d for d in (256, 1024, 4096, 16384, 65536)
                                         if d > vfs * pfs),
           "pcie:",
           "  devices:"]
    for p in range(pfs):
        out += ["    - name: rp%d" % p,
                "      type: root_port",
                "      slot: %d" % (p + 1),
                "      below:",
                "        - name: nic%d" % p,
                "          type: ptnic",
                "          sriov: {total_vfs: %d, num_vfs: %d}" % (vfs, vfs)]
    return "\n".join(out) + "\n"


def scenario(vms, vfs, frames, machine_file=None, host_vms=None):
    """VM i on pCPU i+1 owns VF i+1 of every PF and receives a stream of `frames` frames into
    each (its own workload). The machine inline, sized for these VMs, or machine_file (a
    machine for host_vms VMs, included)."""
    host_vms = host_vms or vms
    out = ["# %d VMs, each owning %d SR-IOV VFs, one of each of %d ptnic PFs, and receiving a"
           % (vms, vfs, vfs),
           "# stream into each (its own workload). Written by tests/scenario/scale.py --vms %d"
           % vms,
           "# --vfs %d --frames %d%s" % (
               vfs, frames, " --machine %s --host-vms %d" % (machine_file, host_vms)
               if machine_file else ""),
           "# --write FILE (the scale test checks this file is what it writes).",
           "name: scale-%dvm-%dvf" % (vms, vfs),
           "description: %d VMs, each with %d SR-IOV VFs (one of each of %d ptnic PFs) and a "
           "workload of its own, a stream of %d frames into every VF" % (vms, vfs, vfs, frames),
           "seed: 1"]
    if machine_file:
        out += ["machine: !include %s" % machine_file]
    else:
        out += ["machine:"] + ["  " + l for l in machine(vfs, vms).splitlines()
                                if not l.startswith("#")]
    # 4 MSI-X vectors per VF: an IRTE each (Linux sizes its table at 65536)
    out += ["host: {flr_wait_us: 100, irte_entries: %d}" % max(256, 8 * host_vms * vfs),
            "vms:"]
    for v in range(vms):
        devs = ", ".join("nic%d.vf%d" % (p, v + 1) for p in range(vfs))
        out += ["  - name: vm%d" % v,
                "    memory_mib: 64",
                "    pcpus: [%d]" % (v + 1),
                "    devices: [%s]" % devs,
                "    workload: {kind: stream_rx, devices: [%s], frames: %d, rate_gbps: 1, "
                "guest_idle: halt}" % (devs, frames)]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ptsim")
    ap.add_argument("--vms", type=int, default=64)
    ap.add_argument("--vfs", type=int, default=4)
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--machine")
    ap.add_argument("--host-vms", type=int)
    ap.add_argument("--write")
    ap.add_argument("--write-machine")
    ap.add_argument("--config")
    ap.add_argument("--machine-file")
    ap.add_argument("--check-only", action="store_true",
                    help="only check that --config (and --machine-file) are what this writes")
    a = ap.parse_args()
    host_vms = a.host_vms or a.vms
    if a.write_machine:
        with open(a.write_machine, "w") as f:
            f.write(machine(a.vfs, host_vms))
        return 0
    text = scenario(a.vms, a.vfs, a.frames, a.machine, host_vms)
    if a.write:
        with open(a.write, "w") as f:
            f.write(text)
        return 0
    if a.machine_file:
        with open(a.machine_file) as f:
            if f.read() != machine(a.vfs, host_vms):
                print("FAILED: %s is not what scale.py writes for --vms %d --vfs %d "
                      "(regenerate it with --write-machine)" % (a.machine_file, host_vms, a.vfs))
                return 1
    if a.config:
        with open(a.config) as f:
            if f.read() != text:
                print("FAILED: %s is not what scale.py writes for --vms %d --vfs %d "
                      "--frames %d (regenerate it with --write)" % (a.config, a.vms, a.vfs,
                                                                    a.frames))
                return 1
    elif a.machine:
        print("FAILED: --machine needs --config (the include is relative to it)")
        return 1
    if a.check_only:
        print("%s is what scale.py writes" % a.config)
        return 0
    with tempfile.TemporaryDirectory() as d:
        cfg = a.config or os.path.join(d, "scale.yaml")
        js = os.path.join(d, "scale.json")
        if not a.config:
            with open(cfg, "w") as f:
                f.write(text)
        p = subprocess.run([a.ptsim, "run", cfg, "--quiet", "--json", js],
                           capture_output=True, text=True)
        if p.returncode:
            print("FAILED: ptsim run exited %d\n%s" % (p.returncode, p.stderr[-3000:]))
            return 1
        with open(js) as f:
            r = json.load(f)
    bad = []
    n = a.vms * a.vfs
    w = r["workload"]
    if w["frames_sent"] != n * a.frames or w["frames_received"] != n * a.frames:
        bad.append("%s of %d frames received" % (w["frames_received"], n * a.frames))
    for v in range(a.vms):
        k = r["vms"]["vm%d" % v]
        if k["frames_received"] != a.vfs * a.frames:
            bad.append("vm%d's guest received %s of %d frames" % (v, k["frames_received"],
                                                                  a.vfs * a.frames))
        if k["workload"]["frames_received"] != a.vfs * a.frames:
            bad.append("vm%d's workload received %s of %d frames" % (
                v, k["workload"]["frames_received"], a.vfs * a.frames))
        # each of its devices interrupted it (one interrupt may bring several frames)
        if k["interrupts"] < a.vfs:
            bad.append("vm%d took %s interrupts from %d devices" % (v, k["interrupts"], a.vfs))
    for v in range(a.vms):
        for p in range(a.vfs):
            d = r["devices"]["nic%d" % p]["vf%d" % (v + 1)]
            if d["rx_frames"] != a.frames:
                bad.append("nic%d.vf%d received %s frames" % (p, v + 1, d["rx_frames"]))
    if sum(r["vms"]["vm%d" % v]["interrupts"] for v in range(a.vms)) != r["interrupts"]["delivered"]:
        bad.append("per-VM interrupts do not add up to interrupts.delivered")
    for key, total in (("exits", r["exits"]["total"]),
                       ("cpu.guest_cycles", r["cpu"]["guest_cycles"]),
                       ("workload.bytes_received", w["bytes_received"])):
        got = 0
        for v in range(a.vms):
            x = r["vms"]["vm%d" % v]
            for part in key.split("."):
                x = x[part]
            got += x
        # cycles are each VM's time converted and rounded on its own: half a cycle per VM
        slack = a.vms / 2 if key.endswith("_cycles") else 0
        if abs(got - total) > slack:
            bad.append("per-VM %s add up to %s, the run's is %s" % (key, got, total))
    for b in bad[:20]:
        print("FAILED: " + b)
    if not bad:
        print("%d VMs x %d VFs: %d streams of %d frames, every frame received by its VM; "
              "%d interrupts, %s exits, %.3f s wall" % (
                  a.vms, a.vfs, n, a.frames, r["interrupts"]["delivered"],
                  r["exits"]["total"], r["wall_s"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
