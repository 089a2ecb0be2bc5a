#!/usr/bin/env python3
"""The DMA protection strategies compared (issue 11): two Markdown tables from real runs.

usage: strategies.py PTSIM [--frames N] [--rate GBPS] [--jobs J]

1. Every strategy x {strict, deferred} on configs/strategies/stream_rx.yaml (frames offered at
   --rate, default the line rate): throughput, cycles per frame, exits per frame, pinned MiB
   (time-weighted mean), invalidations per frame and the use-after-unmap window's p99.
   direct_map and persistent never unmap: one row each.
2. The on_demand quota curve on configs/strategies/reuse.yaml: the working set is what
   on_demand pins with an unbounded quota; quotas from 1/8 of it to twice it, for LRU, FIFO
   and CLOCK: remaps per frame, cycles per frame, throughput.

Each cell is one `ptsim run CONFIG --set ...` (the command is printed above each table).
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

RX = "configs/strategies/stream_rx.yaml"
REUSE = "configs/strategies/reuse.yaml"


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
    opt = dict(zip(argv[1::2], argv[2::2]))
    frames = opt.get("--frames", "20000")
    rate = opt.get("--rate")
    jobs = int(opt.get("--jobs", "2"))
    common = ["workload.frames=" + frames] + (["workload.rate_gbps=" + rate] if rate else [])

    rows = [("direct_map", "-"), ("single_use", "strict"), ("single_use", "deferred"),
            ("shared", "strict"), ("shared", "deferred"), ("persistent", "-"),
            ("on_demand", "strict"), ("on_demand", "deferred")]

    def cell(row):
        s, inv = row
        sets = common + ["vms.0.dma.strategy=" + s]
        if inv != "-":
            sets.append("vms.0.dma.invalidation=" + inv)
        return row, run(ptsim, RX, sets)

    with ThreadPoolExecutor(jobs) as ex:
        res = list(ex.map(cell, rows))
    print("ptsim run %s --set %s --set vms.0.dma.strategy=S [--set vms.0.dma.invalidation=I]\n"
          % (RX, " --set ".join(common)))
    print("| strategy | invalidation | throughput Gb/s | cycles/frame | exits/frame | "
          "pinned MiB | invalidations/frame | window p99 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (s, inv), r in res:
        w = r["dma.unmap_window_ns.p99"]
        win = "never revoked" if s in ("direct_map", "persistent") else (
            "%.2f ms" % (w / 1e6) if w >= 1e5 else "%.0f ns" % w)
        print("| %s | %s | %.2f | %.0f | %.2f | %.2f | %.3f | %s |" % (
            s, inv, r["throughput_gbps"], r["cpu.cycles_per_op"], r["exits_per_op"],
            r["dma.pinned_mib_mean"], r["dma.invalidations_per_op"], win))

    ws = run(ptsim, REUSE, [])["dma.pinned_pages_peak"]
    quotas = sorted({max(1, ws // 8), ws // 4, ws // 2, ws * 3 // 4, ws, ws * 5 // 4,
                     ws * 3 // 2, ws * 2})

    def point(args):
        q, repl = args
        return args, run(ptsim, REUSE, ["vms.0.dma.quota_pages=%d" % q,
                                        "vms.0.dma.replacement=" + repl])

    with ThreadPoolExecutor(jobs) as ex:
        pts = dict(ex.map(point, [(q, r) for q in quotas for r in ("lru", "fifo", "clock")]))
    print("\nworking set: %d pages (ptsim run %s: dma.pinned_pages_peak with quota_pages 4096)"
          % (ws, REUSE))
    print("ptsim run %s --set vms.0.dma.quota_pages=Q --set vms.0.dma.replacement=R\n" % REUSE)
    print("| quota (pages) | of the working set | remaps/frame LRU / FIFO / CLOCK | "
          "cycles/frame LRU / FIFO / CLOCK | throughput Gb/s LRU / FIFO / CLOCK |")
    print("|---:|---:|---|---|---|")
    for q in quotas:
        r = [pts[(q, x)] for x in ("lru", "fifo", "clock")]
        print("| %d | %.2f | %s | %s | %s |" % (
            q, q / ws, " / ".join("%.3f" % x["dma.remaps_per_op"] for x in r),
            " / ".join("%.0f" % x["cpu.cycles_per_op"] for x in r),
            " / ".join("%.2f" % x["throughput_gbps"] for x in r)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
