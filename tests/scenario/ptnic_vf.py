#!/usr/bin/env python3
"""A ptnic's SR-IOV virtual functions are NICs of their own.

  ptnic_vf.py PTSIM

configs/default.yaml with nic0 given 4 VFs (2 enabled): VF 2 assigned to vm0 receives the
stream through its own ring, MSI-X and IOMMU context; the host enumerates the VFs with the
VF Device ID; two VMs each own a VF of the same PF and the workload's VM receives every frame
while the other's VF stays idle.
"""
import json
import os
import subprocess
import sys
import tempfile

VF = "machine.pcie.devices.0.below.0.sriov={total_vfs: 4, num_vfs: 2}"


def run(ptsim, sets):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [ptsim, "run", "configs/default.yaml", "--quiet", "--json", out]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            sys.exit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
        with open(out) as f:
            return json.load(f)


def main(ptsim):
    bad = []
    pf = run(ptsim, ["workload.frames=500"])
    vf = run(ptsim, [VF, "vms.0.devices=[nic0.vf2]", "workload.device=nic0.vf2",
                     "workload.frames=500"])
    w = vf["workload"]
    if w["frames_received"] != 500 or w["frames_dropped"] or w["frames_lost"]:
        bad.append("VF 2 received %s of 500 frames" % w["frames_received"])
    if vf["interrupts"]["delivered"] != pf["interrupts"]["delivered"]:
        bad.append("VF: %s interrupts, PF: %s" % (vf["interrupts"]["delivered"],
                                                   pf["interrupts"]["delivered"]))
    if vf["exits_per_interrupt"] != pf["exits_per_interrupt"]:
        bad.append("VF exits per interrupt %s, PF %s" % (vf["exits_per_interrupt"],
                                                         pf["exits_per_interrupt"]))
    if vf["dma"]["requests"] != pf["dma"]["requests"] or vf["dma"]["blocked"]:
        bad.append("VF DMA %s requests (%s blocked), PF %s" % (
            vf["dma"]["requests"], vf["dma"]["blocked"], pf["dma"]["requests"]))
    two = run(ptsim, [VF, "vms.0.devices=[nic0.vf2]", "workload.device=nic0.vf2",
                      "workload.frames=300",
                      "vms.1={name: vm1, memory_mib: 256, pcpus: [1], devices: [nic0.vf1]}"])
    if two["workload"]["frames_received"] != 300:
        bad.append("two VMs: vm0's VF received %s of 300" % two["workload"]["frames_received"])
    p = subprocess.run([ptsim, "lspci", "configs/default.yaml", "--set", VF],
                       capture_output=True, text=True)
    vfs = [l for l in p.stdout.splitlines() if "7074:0011" in l]
    if p.returncode or len(vfs) != 2:
        bad.append("lspci shows %d VFs with ID 7074:0011, not 2:\n%s" % (len(vfs), p.stdout))
    for b in bad:
        print("FAILED: " + b)
    if not bad:
        print("ptnic VFs: 500 of 500 frames on VF 2, same interrupts, exits and DMA as the PF;"
              " two VMs on VFs of one PF; lspci shows the 2 enabled VFs")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
