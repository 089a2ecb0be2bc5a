#!/usr/bin/env python3
"""The DMA protection strategies compared (issue 11): Markdown tables from real runs.

usage: strategies.py PTSIM [--frames N] [--rate GBPS] [--tx-line GBPS] [--jobs J]

1. Every strategy x {rx, tx} x {strict, deferred}: configs/strategies/stream_rx.yaml (frames
   offered at --rate, default the line rate) and configs/strategies/stream_tx.yaml (frames sent
   as fast as the ring takes them, on a line of --tx-line Gb/s, default 10): throughput, cycles
   per frame, exits per frame, pinned MiB (time-weighted mean), invalidations per frame and the
   use-after-unmap window's p99. direct_map and persistent never unmap: their strict and
   deferred rows run too, and come out the same.
2. The on_demand quota curve on configs/strategies/reuse.yaml: the working set is what
   on_demand pins with an unbounded quota; quotas from 1/8 of it to twice it, for LRU, FIFO
   and CLOCK: remaps per frame, cycles per frame, throughput.
3. The same curve on stream_tx on a 1 Gb/s line (a ring of frames in flight): the quota is the
   pages mapped before the window (the receive ring's buffers, in use all along) plus 1/8 to
   twice the transmit working set (the pages the window maps with an unbounded quota).

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
TX = "configs/strategies/stream_tx.yaml"
REUSE = "configs/strategies/reuse.yaml"
STRATEGIES = ("direct_map", "single_use", "shared", "persistent", "on_demand")
NEVER_UNMAP = ("direct_map", "persistent")
POLICIES = ("lru", "fifo", "clock")


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


def fractions(ws):
    """Quotas from 1/8 of a working set to twice it."""
    return sorted({max(1, ws // 8), ws // 4, ws // 2, ws * 3 // 4, ws, ws * 5 // 4,
                   ws * 3 // 2, ws * 2})


def curve(ptsim, jobs, config, sets, base, ws, title, cmd):
    """The quota curve: base + fractions of the working set ws, for each policy."""
    qs = fractions(ws)

    def point(args):
        q, repl = args
        return args, run(ptsim, config, sets + ["vms.0.dma.quota_pages=%d" % (base + q),
                                                "vms.0.dma.replacement=" + repl])

    with ThreadPoolExecutor(jobs) as ex:
        pts = dict(ex.map(point, [(q, r) for q in qs for r in POLICIES]))
    print(title)
    print(cmd + "\n")
    print("\n".join(curve_table(qs, base, ws, pts)))


# The tables' formats, shared with analysis/reproductions/ (protection-strategies,
# on-demand-quota), which make the same figures with ptsim sweep. A result r is a mapping of
# flattened result keys to numbers.
STRATEGY_HEADER = [
    "| workload | strategy | invalidation | throughput Gb/s | cycles/frame | exits/frame | "
    "pinned MiB | invalidations/frame | window p99 |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|"]


def window_text(strategy, r):
    """The use-after-unmap window's p99, or why there is none."""
    if strategy == "none":
        return "no IOMMU mapping"
    w = r["dma.unmap_window_ns.p99"]
    return "never revoked" if strategy in NEVER_UNMAP else (
        "%.2f ms" % (w / 1e6) if w >= 1e5 else "%.0f ns" % w)


def strategy_row(wl, s, inv, r):
    return "| %s | %s | %s | %.2f | %.0f | %.2f | %.2f | %.3f | %s |" % (
        wl, s, inv, r["throughput_gbps"], r["cpu.cycles_per_op"], r["exits_per_op"],
        r["dma.pinned_mib_mean"], r["dma.invalidations_per_op"], window_text(s, r))


def curve_table(qs, base, ws, pts):
    """The quota curve's lines: pts[(q, policy)] is the run at quota base + q."""
    lines = ["| quota (pages) | of the working set | remaps/frame LRU / FIFO / CLOCK | "
             "cycles/frame LRU / FIFO / CLOCK | throughput Gb/s LRU / FIFO / CLOCK |",
             "|---:|---:|---|---|---|"]
    for q in qs:
        r = [pts[(q, x)] for x in POLICIES]
        lines.append("| %d | %.2f | %s | %s | %s |" % (
            base + q, q / ws, " / ".join("%.3f" % x["dma.remaps_per_op"] for x in r),
            " / ".join("%.0f" % x["cpu.cycles_per_op"] for x in r),
            " / ".join("%.2f" % x["throughput_gbps"] for x in r)))
    return lines


def reuse_working_set(ptsim, sets=()):
    """reuse.yaml's working set: the pages on_demand pins with its default (unbounded) quota."""
    return run(ptsim, REUSE, list(sets))["dma.pinned_pages_peak"]


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    ptsim = os.path.abspath(argv[0])
    opt = dict(zip(argv[1::2], argv[2::2]))
    frames = opt.get("--frames", "20000")
    rate = opt.get("--rate")
    tx_line = opt.get("--tx-line")
    jobs = int(opt.get("--jobs", "2"))
    common = {
        "rx": (RX, ["workload.frames=" + frames] +
               (["workload.rate_gbps=" + rate] if rate else [])),
        "tx": (TX, ["workload.frames=" + frames] +
               (["workload.line_gbps=" + tx_line] if tx_line else [])),
    }
    rows = [(wl, s, inv) for wl in ("rx", "tx") for s in STRATEGIES
            for inv in ("strict", "deferred")]

    def cell(row):
        wl, s, inv = row
        config, sets = common[wl]
        return row, run(ptsim, config, sets + ["vms.0.dma.strategy=" + s,
                                               "vms.0.dma.invalidation=" + inv])

    with ThreadPoolExecutor(jobs) as ex:
        res = list(ex.map(cell, rows))
    for wl in ("rx", "tx"):
        config, sets = common[wl]
        print("%s: ptsim run %s --set %s --set vms.0.dma.strategy=S "
              "--set vms.0.dma.invalidation=I" % (wl, config, " --set ".join(sets)))
    print("\n" + "\n".join(STRATEGY_HEADER))
    for (wl, s, inv), r in res:
        print(strategy_row(wl, s, inv, r))

    ws = reuse_working_set(ptsim)
    curve(ptsim, jobs, REUSE, [], 0, ws,
          "\nreuse: working set %d pages (ptsim run %s: dma.pinned_pages_peak with "
          "quota_pages 4096)" % (ws, REUSE),
          "ptsim run %s --set vms.0.dma.quota_pages=Q --set vms.0.dma.replacement=R" % REUSE)

    tx_sets = ["workload.line_gbps=1"]
    od = run(ptsim, TX, tx_sets + ["vms.0.dma.strategy=on_demand"])
    tx_ws = od["dma.maps"]
    base = od["dma.pinned_pages_peak"] - tx_ws
    curve(ptsim, jobs, TX, tx_sets + ["vms.0.dma.strategy=on_demand"], base, tx_ws,
          "\ntx: %d pages mapped before the window, a transmit working set of %d (ptsim run %s "
          "--set %s --set vms.0.dma.strategy=on_demand: dma.pinned_pages_peak - dma.maps, "
          "dma.maps)" % (base, tx_ws, TX, " --set ".join(tx_sets)),
          "ptsim run %s --set %s --set vms.0.dma.strategy=on_demand "
          "--set vms.0.dma.quota_pages=Q --set vms.0.dma.replacement=R"
          % (TX, " --set ".join(tx_sets)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
