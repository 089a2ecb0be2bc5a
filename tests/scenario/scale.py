#!/usr/bin/env python3
"""The wiring scales: a machine with many VMs, each owning several SR-IOV VFs.

  scale.py PTSIM [--vms N] [--vfs K] [--frames F] [--write FILE | --config FILE]

Builds a scenario (written to a temporary file, or to FILE with --write): K ptnic PFs, each
behind its own root port with N VFs enabled; N VMs, VM i pinned to pCPU i+1 and owning VF i+1
of every PF; a stream_rx workload with a stream of F frames into each of the N*K VFs. Runs it
and checks that every stream arrived where it was sent: every VM's guest took an interrupt per
frame of its K streams, every VF received F frames, and the totals add up. Defaults: 64 VMs,
4 VFs each (256 streams). --config FILE runs FILE instead, after checking that it is what
this script writes (configs/scale/64vm-4vf.yaml is, for the defaults).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def scenario(vms, vfs, frames):
    out = ["# A cloud host: %d VMs, each owning %d SR-IOV VFs, one of each of %d ptnic PFs; every"
           % (vms, vfs, vfs),
           "# VF receives a stream. Written by tests/scenario/scale.py --vms %d --vfs %d --frames %d"
           % (vms, vfs, frames),
           "# --write FILE (the scale test checks this file is what it writes).",
           "name: scale-%dvm-%dvf" % (vms, vfs),
           "description: %d VMs, each with %d SR-IOV VFs (one of each of %d ptnic PFs), a "
           "stream of %d frames into every VF" % (vms, vfs, vfs, frames),
           "seed: 1",
           "machine:",
           "  cpu: {pcpus: %d}" % (vms + 1),
           "  memory: {size_mib: %d}" % (vms * 64 + 1024),
           # a domain per assigned function (VFIO gives each its own here), DID 0 reserved
           "  iommu: {domains: %d}" % next(d for d in (256, 1024, 4096, 16384, 65536)
                                           if d > vms * vfs),
           "  pcie:",
           "    devices:"]
    for p in range(vfs):
        out += ["      - name: rp%d" % p,
                "        type: root_port",
                "        slot: %d" % (p + 1),
                "        below:",
                "          - name: nic%d" % p,
                "            type: ptnic",
                "            sriov: {total_vfs: %d, num_vfs: %d}" % (vms, vms)]
    # 4 MSI-X vectors per VF: an IRTE each (Linux sizes its table at 65536)
    out += ["host: {flr_wait_us: 100, irte_entries: %d}" % max(256, 8 * vms * vfs), "vms:"]
    for v in range(vms):
        devs = ", ".join("nic%d.vf%d" % (p, v + 1) for p in range(vfs))
        out += ["  - {name: vm%d, memory_mib: 64, pcpus: [%d], devices: [%s]}" % (v, v + 1, devs)]
    out += ["workload:",
            "  kind: stream_rx",
            "  devices: [%s]" % ", ".join("nic%d.vf%d" % (p, v + 1)
                                          for v in range(vms) for p in range(vfs)),
            "  frames: %d" % frames,
            "  rate_gbps: 1",
            "  guest_idle: halt"]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ptsim")
    ap.add_argument("--vms", type=int, default=64)
    ap.add_argument("--vfs", type=int, default=4)
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--write")
    ap.add_argument("--config")
    a = ap.parse_args()
    text = scenario(a.vms, a.vfs, a.frames)
    if a.write:
        with open(a.write, "w") as f:
            f.write(text)
        return 0
    if a.config:
        with open(a.config) as f:
            if f.read() != text:
                print("FAILED: %s is not what scale.py writes for --vms %d --vfs %d "
                      "--frames %d (regenerate it with --write)" % (a.config, a.vms, a.vfs,
                                                                    a.frames))
                return 1
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
