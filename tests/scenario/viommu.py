#!/usr/bin/env python3
"""The guest-visible IOMMU (issue 11, vms[].viommu): golden results for shadow and nested on
stream_rx, and the behaviour README.md describes, asserted from runs.

  viommu.py PTSIM [--update]

Goldens: configs/strategies/viommu_shadow.yaml and viommu_nested.yaml (2,000 frames) with the
guest's strict and lazy policies, and stream_tx through each, compared key by key with
tests/golden/viommu/*.json (exact; wall time aside). --update rewrites them (a reviewed
decision: say why in the commit).

Behaviour (every figure from a run, none typed in), at 1 Gb/s (a frame per interrupt):
  - shadow (caching mode) costs an exit per guest map: invalidation-queue tail writes at least
    the guest's dma_map calls plus, strict, its unmaps; every trap is an EPT exit; the VMM
    walks the guest's tables and installs at least a page per map;
  - lazy defers the unmaps' invalidations: fewer traps than strict, still one per map;
  - nested costs no exit per map: tail writes are the unmaps' (strict), almost none (lazy);
  - nested walks longer on IOTLB misses: more memory reads per walk than shadow on the same
    machine (first level over second level);
  - shadow pins what the guest maps, nested all of the VM's RAM (its second level);
  - passthrough: no maps, no traps, the cost of no vIOMMU;
  - shadow costs more cycles per frame than nested;
  - with several VMs each has its own keys (vms.<name>.viommu.*), only those with a vIOMMU.
"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
from runs import flat, goldens, run  # noqa: E402 (tests/scenario is on the path)

SHADOW = "configs/strategies/viommu_shadow.yaml"
NESTED = "configs/strategies/viommu_nested.yaml"
TX = "configs/stream_tx.yaml"
GOLDEN = os.path.join(ROOT, "tests", "golden", "viommu")
SCALABLE = "machine.iommu.scalable_mode=true"

GOLDEN_CASES = [
    ("shadow-strict", SHADOW, ["workload.frames=2000"]),
    ("shadow-lazy", SHADOW, ["workload.frames=2000", "vms.0.guest.iommu=lazy"]),
    ("nested-strict", NESTED, ["workload.frames=2000"]),
    ("nested-lazy", NESTED, ["workload.frames=2000", "vms.0.guest.iommu=lazy"]),
    ("shadow-stream_tx", TX, ["workload.frames=2000", "vms.0.viommu=shadow", SCALABLE]),
    ("nested-stream_tx", TX, ["workload.frames=2000", "vms.0.viommu=nested", SCALABLE]),
]



def behaviour(ptsim, d):
    bad = []

    def check(ok, what):
        if not ok:
            bad.append(what)

    slow = ["workload.frames=4000", "workload.rate_gbps=1"]
    r = {}
    for name, config in (("shadow", SHADOW), ("nested", NESTED)):
        for pol in ("strict", "lazy", "passthrough"):
            r[name + "/" + pol] = flat(run(ptsim, config, slow + ["vms.0.guest.iommu=" + pol], d))
    r["none"] = flat(run(ptsim, SHADOW, slow + ["vms.0.viommu=none"], d))

    def traps(x):
        return x["viommu.reg_reads"] + x["viommu.reg_writes"]

    def ept(x):
        return x.get("exits.by_reason.ept_violation", 0) + x.get("exits.by_reason.ept_misconfig", 0)

    def per_walk(x):
        return x["iommu.walk_mem_reads"] / x["iommu.walks"]

    s, sl = r["shadow/strict"], r["shadow/lazy"]
    maps, unmaps = s["guest.dma_maps"], s["guest.dma_unmaps"]
    check(maps > 0 and s["viommu.iq_tail_writes"] >= maps + unmaps,
          "shadow strict: %d tail writes for %d maps and %d unmaps"
          % (s["viommu.iq_tail_writes"], maps, unmaps))
    check(ept(s) >= traps(s) > 0, "shadow: %d EPT exits for %d register traps" % (ept(s), traps(s)))
    check(s["viommu.shadow.installs"] >= maps,
          "shadow: %d pages installed for %d maps" % (s["viommu.shadow.installs"], maps))
    check(s["viommu.shadow.removals"] >= unmaps and s["iommu.faults"] == 0,
          "shadow: %d pages removed for %d unmaps, %d faults"
          % (s["viommu.shadow.removals"], unmaps, s["iommu.faults"]))
    check(sl["guest.dma_maps"] <= sl["viommu.iq_tail_writes"] < s["viommu.iq_tail_writes"],
          "shadow lazy: %d tail writes for %d maps (strict %d)"
          % (sl["viommu.iq_tail_writes"], sl["guest.dma_maps"], s["viommu.iq_tail_writes"]))

    n, nl = r["nested/strict"], r["nested/lazy"]
    check(n["viommu.iq_tail_writes"] <= n["guest.dma_unmaps"] and
          n["viommu.iq_tail_writes"] + n["guest.dma_maps"] <= s["viommu.iq_tail_writes"],
          "nested strict: %d tail writes for %d maps and %d unmaps"
          % (n["viommu.iq_tail_writes"], n["guest.dma_maps"], n["guest.dma_unmaps"]))
    check(n["viommu.forwarded_invalidations"] >= n["viommu.iq_tail_writes"] > 0,
          "nested: %d invalidations forwarded" % n["viommu.forwarded_invalidations"])
    check(n["viommu.shadow.walks"] == 0, "nested walked the guest's tables in the VMM")
    check(nl["viommu.iq_tail_writes"] * 20 < nl["guest.dma_maps"],
          "nested lazy: %d tail writes for %d maps"
          % (nl["viommu.iq_tail_writes"], nl["guest.dma_maps"]))
    check(per_walk(n) > 1.5 * per_walk(s),
          "nested walks %.2f reads per IOTLB miss, shadow %.2f" % (per_walk(n), per_walk(s)))
    check(n["cpu.cycles_per_op"] < s["cpu.cycles_per_op"],
          "nested %.0f cycles per frame, shadow %.0f"
          % (n["cpu.cycles_per_op"], s["cpu.cycles_per_op"]))
    ram = 1024 * 256
    check(n["iommu.pinned_pages_peak"] >= ram and s["viommu.shadow.pages_peak"] * 100 < ram,
          "pinned: nested %d pages, shadow %d" % (n["iommu.pinned_pages_peak"],
                                                 s["viommu.shadow.pages_peak"]))
    for name in ("shadow", "nested"):
        p = r[name + "/passthrough"]
        check(traps(p) == 0 and p["cpu.cycles_per_op"] == r["none"]["cpu.cycles_per_op"],
              "%s passthrough: %d traps, %.0f cycles per frame (no vIOMMU %.0f)"
              % (name, traps(p), p["cpu.cycles_per_op"], r["none"]["cpu.cycles_per_op"]))
    # several VMs: each VM's own keys, for the VMs that have a vIOMMU only, adding up
    v = flat(run(ptsim, "configs/scale/8vm-4vf.yaml",
                 ["vms.0.viommu=shadow", "vms.1.viommu=nested", SCALABLE], d))
    check(v.get("vms.vm0.viommu.shadow.installs", 0) > 0 and
          v.get("vms.vm1.viommu.forwarded_invalidations", 0) > 0 and
          "vms.vm2.viommu.reg_writes" not in v and
          v["viommu.reg_writes"] == v["vms.vm0.viommu.reg_writes"] +
          v["vms.vm1.viommu.reg_writes"],
          "per-VM keys: vm0 %s installs, vm1 %s forwarded, vm2 %s"
          % (v.get("vms.vm0.viommu.shadow.installs"),
             v.get("vms.vm1.viommu.forwarded_invalidations"),
             v.get("vms.vm2.viommu.reg_writes")))
    for x in bad:
        print("FAILED: " + x)
    if not bad:
        print("viommu: shadow %.2f traps and %.0f cycles per frame (lazy %.2f, %.0f); nested "
              "%.2f and %.0f (lazy %.2f, %.0f); reads per walk shadow %.2f, nested %.2f"
              % (traps(s) / 4000, s["cpu.cycles_per_op"], traps(sl) / 4000,
                 sl["cpu.cycles_per_op"], traps(n) / 4000, n["cpu.cycles_per_op"],
                 traps(nl) / 4000, nl["cpu.cycles_per_op"], per_walk(s), per_walk(n)))
    return len(bad)


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    ptsim = os.path.abspath(argv[0])
    update = "--update" in argv
    with tempfile.TemporaryDirectory() as d:
        bad = goldens(ptsim, d, update, GOLDEN_CASES, GOLDEN)
        if update:
            return 0
        bad += behaviour(ptsim, d)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
