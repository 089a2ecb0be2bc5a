#!/usr/bin/env python3
"""The guest-visible IOMMU compared (issue 11): a Markdown table from real runs.

usage: viommu.py PTSIM [--frames N] [--rate GBPS] [--jobs J]

No vIOMMU, then shadow and nested with the guest's strict, lazy and passthrough policies, on
configs/strategies/viommu_shadow.yaml and viommu_nested.yaml (the same machine, its VT-d unit
in scalable mode; frames offered at --rate, default the config's line rate): throughput,
cycles per frame, exits per frame, vIOMMU register traps per frame, pages the shadow installed
per frame, memory reads per IOTLB-miss walk of the physical unit, and the pages mapped in its
tables at the peak. Each row is one `ptsim run CONFIG --set ...` (printed above the table).
"""
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import compare  # noqa: E402

CONFIG = {"shadow": "configs/strategies/viommu_shadow.yaml",
          "nested": "configs/strategies/viommu_nested.yaml"}


def run(ptsim, config, sets):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [ptsim, "run", config, "--quiet", "--json", out]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if p.returncode:
            raise SystemExit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
        with open(out) as f:
            return compare.flatten(json.load(f))


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    ptsim = os.path.abspath(argv[0])
    opts = dict(zip(argv[1::2], argv[2::2]))
    common = []
    if "--frames" in opts:
        common.append("workload.frames=" + opts["--frames"])
    if "--rate" in opts:
        common.append("workload.rate_gbps=" + opts["--rate"])
    rows = [("none", "-", CONFIG["shadow"], common + ["vms.0.viommu=none"])]
    for mode in ("shadow", "nested"):
        for pol in ("strict", "lazy", "passthrough"):
            rows.append((mode, pol, CONFIG[mode], common + ["vms.0.guest.iommu=" + pol]))
    with ThreadPoolExecutor(int(opts.get("--jobs", "2"))) as ex:
        res = list(ex.map(lambda r: run(ptsim, r[2], r[3]), rows))
    print("`%s run CONFIG --set vms.0.guest.iommu=POLICY%s` (CONFIG: %s; no vIOMMU: %s "
          "--set vms.0.viommu=none)\n" % (os.path.relpath(argv[0], ROOT),
                                          "".join(" --set " + s for s in common),
                                          ", ".join(CONFIG.values()), CONFIG["shadow"]))
    print("| viommu | guest.iommu | throughput Gb/s | cycles/frame | exits/frame | vIOMMU "
          "traps/frame | shadow installs/frame | reads per IOTLB-miss walk | pages mapped "
          "(peak) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (mode, pol, _, _), x in zip(rows, res):
        per = x["exits_per_op"]
        ops = x["exits.total"] / per if per else 0
        traps = x.get("viommu.reg_reads", 0) + x.get("viommu.reg_writes", 0)
        walks = x["iommu.walks"]
        print("| %s | %s | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %d |"
              % (mode, pol, x["throughput_gbps"], x["cpu.cycles_per_op"], per,
                 traps / ops if ops else 0, x.get("viommu.shadow.installs", 0) / ops if ops else 0,
                 x["iommu.walk_mem_reads"] / walks if walks else 0,
                 x["iommu.pinned_pages_peak"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
