#!/usr/bin/env python3
"""Bare metal and --baseline: what README.md and configs/eli/ say, from runs.

  baremetal.py PTSIM

configs/eli/ (256 B frames sent flat out, one completion interrupt each), 2,000 frames a run:
  - bare metal (vms: []) takes no VM exit, delivers every completion through interrupt
    remapping to the kernel's own handler, and with intel_iommu=off translates nothing;
  - --baseline: the bare-metal run against its own results reports fraction_of_bare_metal
    1.0 for throughput and cycles per operation, in the JSON, the CSV and the summary;
  - the same kernel in a VM with an emulated LAPIC is below bare metal on both (exits cost
    the CPU-bound sender), ELI and VT-d posting are within 2 % of it;
  - intel_iommu=on maps and unmaps every frame: strict invalidates each unmap, lazy batches
    them through the flush queue, and both cost cycles bare metal without the IOMMU does not
    spend; iommu.passthrough translates nothing again;
  - ptsim sweep --baseline gives each row the fractions ptsim run gives;
  - an NVMe controller on bare metal completes its I/O (configs/nvme.yaml with vms: []);
  - a VF on bare metal: the host enabled it (sriov.num_vfs), the kernel adds it from its
    PF's SR-IOV capability and its ptnic driver sends every frame through it, with no exit,
    one remapped interrupt per frame and, with intel_iommu=on, DMA translated in the VF's own
    domain without a fault; it costs what the PF costs (the same programming model);
  - INTx on bare metal (ptnic intx=1): the line reaches the kernel through the I/O APIC and
    interrupt remapping (or compatibility format with remapping off), every interrupt is
    EOIed and the line fires again (Remote IRR cleared by the EOI broadcast), no exit;
  - without --baseline no fraction key appears.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

BARE = "configs/eli/bare_metal.yaml"
GUEST = "configs/eli/guest.yaml"
FRAMES = ["--set", "workload.frames=2000"]


def flat(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            flat(v, prefix + k + ".", out)
    else:
        out[prefix[:-1]] = obj
    return out


class T:
    def __init__(self, ptsim, tmp):
        self.ptsim, self.tmp, self.failed, self.n = ptsim, tmp, 0, 0

    def run(self, cfg, *args, tag="r", summary=False):
        js = os.path.join(self.tmp, tag + ".json")
        cs = os.path.join(self.tmp, tag + ".csv")
        cmd = [self.ptsim, "run", cfg, "--json", js, "--csv", cs] + list(args)
        if not summary:
            cmd.append("--quiet")
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            print("FAILED: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
            sys.exit(1)
        with open(js) as f:
            r = flat(json.load(f))
        with open(cs) as f:
            row = next(csv.DictReader(f))
        return r, row, p.stdout

    def check(self, what, ok):
        self.n += 1
        if not ok:
            self.failed += 1
            print("FAIL: " + what)


def main(ptsim):
    with tempfile.TemporaryDirectory() as tmp:
        t = T(ptsim, tmp)
        base, _, _ = t.run(BARE, *FRAMES, tag="bare")
        bj = os.path.join(tmp, "bare.json")
        t.check("bare metal: every frame on the wire",
                base["workload.frames_received"] == 2000)
        t.check("bare metal: no VM exit", base["exits.total"] == 0)
        t.check("bare metal: one remapped interrupt per frame, to the kernel's handler",
                base["interrupts.delivered"] == 2000 and
                base["interrupts.by_path.remapped"] == 2000)
        t.check("intel_iommu=off: no IOTLB lookup", base["iotlb.lookups"] == 0)
        t.check("bare metal: cycles are counted", base["cpu.cycles_per_op"] > 0)
        t.check("no --baseline: no fraction key",
                not any(k.startswith("fraction_of_bare_metal") for k in base))

        same, row, out = t.run(BARE, *FRAMES, "--baseline", bj, tag="same", summary=True)
        for k in ("throughput", "cycles_per_op"):
            key = "fraction_of_bare_metal." + k
            t.check("baseline against itself: %s = 1 (JSON %s)" % (key, same.get(key)),
                    abs(same.get(key, 0) - 1.0) < 1e-9)
            t.check("baseline against itself: %s = 1 in the CSV" % key,
                    abs(float(row.get(key, 0)) - 1.0) < 1e-9)
        t.check("the summary has the fractions",
                "Fraction of bare metal" in out and "1.000" in out.split(
                    "Fraction of bare metal")[1])

        frac = {}
        for mode in ("emulated", "eli", "vtd_posted"):
            r, _, _ = t.run(GUEST, *FRAMES, "--baseline", bj,
                            "--set", "vms.0.interrupt_mode=" + mode, tag=mode)
            frac[mode] = (r["fraction_of_bare_metal.throughput"],
                          r["fraction_of_bare_metal.cycles_per_op"])
            t.check("%s: the fraction is its throughput over bare metal's" % mode,
                    abs(frac[mode][0] - r["throughput_gbps"] / base["throughput_gbps"]) < 1e-6)
        t.check("emulated is below bare metal (%r)" % (frac["emulated"],),
                frac["emulated"][0] < 0.9 and frac["emulated"][1] < 0.9)
        for mode in ("eli", "vtd_posted"):
            t.check("%s is within 2 %% of bare metal (%r)" % (mode, frac[mode]),
                    frac[mode][0] > 0.98 and frac[mode][1] > 0.98)

        on = ["--set", "host.iommu.dma_remapping=true"]
        strict, _, _ = t.run(BARE, *FRAMES, *on, tag="strict")
        lazy, _, _ = t.run(BARE, *FRAMES, *on, "--set", "baremetal.kernel.iommu=lazy",
                           tag="lazy")
        pt, _, _ = t.run(BARE, *FRAMES, *on, "--set", "baremetal.kernel.iommu=passthrough",
                         tag="pt")
        t.check("strict: a map and an unmap per frame in the domain",
                strict["iommu.maps"] >= 2000 and strict["iommu.unmaps"] >= 2000)
        t.check("strict: an IOTLB invalidation per unmap (%r)" % strict["iommu.invalidations"],
                strict["iommu.invalidations"] >= 2000)
        t.check("lazy: the flush queue batches them (%r)" % lazy["iommu.invalidations"],
                0 < lazy["iommu.invalidations"] < strict["iommu.invalidations"] / 10)
        t.check("the IOMMU costs cycles: off < lazy < strict (%r %r %r)" %
                (base["cpu.cycles_per_op"], lazy["cpu.cycles_per_op"],
                 strict["cpu.cycles_per_op"]),
                base["cpu.cycles_per_op"] < lazy["cpu.cycles_per_op"]
                < strict["cpu.cycles_per_op"])
        t.check("strict: the device's DMA is translated", strict["iotlb.lookups"] > 0)
        t.check("passthrough: identity, no map, no IOTLB",
                pt["iommu.maps"] == 0 and pt["iotlb.lookups"] == 0)

        # ptsim sweep passes --baseline to every run
        sw = os.path.join(tmp, "s.yaml")
        with open(sw, "w") as f:
            f.write("scenario: %s\nset: [workload.frames=2000]\nparameters:\n"
                    "  - key: vms.0.interrupt_mode\n    values: [emulated, vtd_posted]\n"
                    "keep: [throughput_gbps, fraction_of_bare_metal]\n"
                    % os.path.abspath(GUEST))
        out = os.path.join(tmp, "s.csv")
        p = subprocess.run([ptsim, "sweep", sw, "-j", "1", "--baseline", bj, "--csv", out,
                            "--json", os.path.join(tmp, "s.jsonl")],
                           capture_output=True, text=True)
        t.check("sweep --baseline runs (%s)" % p.stderr.strip(), p.returncode == 0)
        if p.returncode == 0:
            with open(out) as f:
                rows = {r["param.vms.0.interrupt_mode"]: r for r in csv.DictReader(f)}
            t.check("sweep --baseline: the rows' fractions are ptsim run's",
                    abs(float(rows["emulated"]["fraction_of_bare_metal.throughput"])
                        - frac["emulated"][0]) < 1e-9 and
                    abs(float(rows["vtd_posted"]["fraction_of_bare_metal.cycles_per_op"])
                        - frac["vtd_posted"][1]) < 1e-9)

        nv, _, _ = t.run("configs/nvme.yaml", "--set", "vms=[]", "--set",
                         "workload.nvme.ios=500", tag="nvme")
        t.check("nvme on bare metal: every request completes, no exit",
                nv["workload.ios_completed"] == 500 and nv["exits.total"] == 0)
        vf = ["--set", "machine.pcie.devices.0.below.0.sriov={total_vfs: 4, num_vfs: 2}"]
        pf_on, _, _ = t.run(BARE, *FRAMES, *vf, *on, "--set", "baremetal.kernel.iommu=lazy",
                            tag="pf_on")
        for dma, extra in (("off", []), ("on", on + ["--set", "baremetal.kernel.iommu=lazy"])):
            r, _, _ = t.run(BARE, *FRAMES, *vf, *extra, "--set", "workload.device=nic0.vf1",
                            tag="vf_" + dma)
            pf = base if dma == "off" else pf_on
            t.check("VF, intel_iommu=%s: every frame, from the VF (%r)" %
                    (dma, r.get("devices.nic0.vf1.tx_frames")),
                    r["workload.frames_received"] == 2000 and
                    r.get("devices.nic0.vf1.tx_frames") == 2000 and
                    not r.get("devices.nic0.tx_frames"))
            t.check("VF, intel_iommu=%s: no exit, one remapped interrupt per frame" % dma,
                    r["exits.total"] == 0 and
                    r["interrupts.by_path.remapped"] >= 1990 and
                    r["interrupts.delivered"] == r["guest.eois"])
            t.check("VF, intel_iommu=%s: no fault, %s" %
                    (dma, "translated" if dma == "on" else "nothing translated"),
                    r["iommu.faults"] == 0 and
                    (r["iotlb.lookups"] > 0) == (dma == "on"))
            t.check("VF, intel_iommu=%s: the PF's cycles per frame (%r vs %r)" %
                    (dma, r["cpu.cycles_per_op"], pf["cpu.cycles_per_op"]),
                    abs(r["cpu.cycles_per_op"] / pf["cpu.cycles_per_op"] - 1) < 0.01)

        intx, _, _ = t.run(BARE, *FRAMES, "--set", "baremetal.kernel.ptnic.intx=true",
                           tag="intx")
        compat, _, _ = t.run(BARE, *FRAMES, "--set", "baremetal.kernel.ptnic.intx=true",
                             "--set", "machine.iommu.interrupt_remapping=false", tag="compat")
        for name, r, path in (("remapped", intx, "remapped"), ("compatibility", compat,
                                                                "compat")):
            t.check("INTx, %s: every frame on the wire, no exit" % name,
                    r["workload.frames_received"] == 2000 and r["exits.total"] == 0)
            t.check("INTx, %s: the line fired again and again, each interrupt EOIed (%r %r)"
                    % (name, r["interrupts.delivered"], r["guest.eois"]),
                    r["interrupts.delivered"] > 500 and
                    r["interrupts.delivered"] == r["guest.eois"] and
                    r["interrupts.intx.asserts"] - r["interrupts.delivered"] <= 1)
            t.check("INTx, %s: through the I/O APIC's %s messages (%r)" %
                    (name, path, r["interrupts.by_path." + path]),
                    r["interrupts.by_path." + path] >= r["interrupts.delivered"])
        t.check("INTx costs cycles MSI-X does not (the ICR read, the level EOI): %r > %r" %
                (intx["cpu.cycles_per_op"], base["cpu.cycles_per_op"]),
                intx["cpu.cycles_per_op"] > base["cpu.cycles_per_op"])
        print("%d checks, %d failed" % (t.n, t.failed))
        return 1 if t.failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
