#!/usr/bin/env python3
"""Reproduction 2: DMA read bandwidth and latency against window size with the IOMMU on,
4 KiB and 2 MiB IOMMU pages (the IOTLB reach effect pcie-bench measured).

usage: run.py [PTSIM] [--out DIR] [--smoke | --full] [-j N] [--estimate]

Runs sweep.yaml (configs/calibrated/pciebench-broadwell.yaml: dma_bench with the IOMMU
parameters `ptsim calibrate` fitted to pcie-bench's Broadwell tables; 64 B random reads, 32 in
flight and one) and sets it beside pcie-bench's measurements (Neugebauer et al., SIGCOMM'18;
the raw tables of github.com/pcie-bench/data in configs/calibrated/pciebench/, host cache
cold): the Broadwell Xeon E5-2630 v4 with 4 KiB IOMMU pages and without the IOMMU, and, for
2 MiB pages, the Haswell Xeon E5-2620 v3 with superpages on (pcie-bench published no Broadwell
run with them). Prints the table (Markdown) and draws bandwidth.png/.svg and
latency.png/.svg against the window.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

ROOT = common.ROOT
DATA = os.path.join(ROOT, "configs", "calibrated", "pciebench")

RES = {
    "smoke": {"set": {"workload.reads": 1000},
              "values": {"workload.window_kib": [16, 1024, 65536]}},
    "full": {"set": {"workload.reads": 100000}, "seeds": 3},
}

# (label, file stem, machine)
MEASURED = [
    ("4k", "bdw-iommu-4k", "Broadwell E5-2630 v4, IOMMU, 4 KiB pages"),
    ("none", "bdw-noiommu", "Broadwell E5-2630 v4, no IOMMU"),
    ("2m", "hsw-iommu-2m", "Haswell E5-2620 v3, IOMMU, superpages"),
]


def measured(stem, kind, column):
    """{window KiB (as the sweep writes it): value} of a pcie-bench table, cache cold."""
    name = "%s-%s_dma%s_rd_rnd_64.csv" % (stem, "bw" if kind == "bw" else "lat",
                                           "_win_sweep" if kind == "bw" else "_sweep")
    with open(os.path.join(DATA, name)) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {"%g" % (float(r["WinSZ"]) / 1024): float(r[column])
                for r in rows if r["Cache"] == "Cold"}


def figure(args, stem, rows, columns, y, outstanding, extra, title, ylabel):
    """ptsim's two page sizes and the measured curves against the window (plot.py's style)."""
    plot = common.plot
    p = common.sweep.PARAM
    data, xs, numeric = plot.series(rows, columns, y, p + "workload.window_kib",
                                    p + "workload.page_kib",
                                    [(p + "workload.outstanding", str(outstanding))])
    names = {"4": "ptsim, 4 KiB pages", "2048": "ptsim, 2 MiB pages"}
    data = [(names.get(g, g), pts) for g, pts in data]
    for label, pts in extra:
        data.append((label, [(xv, 1, pts[xv], None, None) for xv in xs if xv in pts]))
    outs = [os.path.join(args.out, stem + ext) for ext in (".png", ".svg")]
    ns = common.argparse.Namespace(bar=False, logx=True, logy=False, title=title,
                                   group="series", output=outs)
    plot.draw(data, xs, numeric, ns, ylabel, "window (KiB)", "")
    return outs


def main(argv):
    args = common.parse_args("iotlb-reach", argv, __doc__)
    sw = common.Sweep(args, os.path.join(HERE, "sweep.yaml"), RES)
    if args.estimate:
        return common.estimate(args, [sw])
    rows, columns = sw.run()
    rep = common.Report(args)
    rep.sweep_line(sw)
    bw = {k: measured(s, "bw", "BW (GB/s)") for k, s, _ in MEASURED}
    lat = {k: measured(s, "lat", "Avg(ns)") for k, s, _ in MEASURED}
    med = {k: measured(s, "lat", "Med(ns)") for k, s, _ in MEASURED}
    rep.say("measured: pcie-bench (github.com/pcie-bench/data), host cache cold; "
            "Gb/s with 32 reads in flight, ns with one", "")
    out = []
    for w in sw.values("workload.window_kib"):
        x = "%g" % w

        def sim(page, outstanding, key):
            rs = common.pick(rows, workload__window_kib=x, workload__page_kib=page,
                             workload__outstanding=outstanding)
            return common.mean(rs, key) if rs else float("nan")

        def m(tab, k):
            v = tab[k].get(x)
            return "-" if v is None else "%.0f" % v if v > 100 else "%.1f" % v

        out.append([x, m(bw, "4k"), "%.1f" % sim(4, 32, "throughput_gbps"),
                    m(bw, "2m"), "%.1f" % sim(2048, 32, "throughput_gbps"),
                    m(lat, "4k"), "%.0f" % sim(4, 1, "latency_ns.mean"),
                    m(med, "4k"), "%.0f" % sim(4, 1, "latency_ns.p50"),
                    m(lat, "2m"), "%.0f" % sim(2048, 1, "latency_ns.mean"),
                    "%.3f" % sim(4, 1, "iotlb.hit_rate")])
    rep.say(*common.table(
        ["window KiB", "Gb/s 4K measured", "Gb/s 4K ptsim", "Gb/s 2M measured (hsw)",
         "Gb/s 2M ptsim", "ns mean 4K measured", "ns mean 4K ptsim", "ns median 4K measured",
         "ns p50 4K ptsim", "ns mean 2M measured (hsw)", "ns mean 2M ptsim",
         "IOTLB hit rate 4K ptsim"], out))
    figs = figure(args, "bandwidth", rows, columns, "throughput_gbps", 32,
                  [("measured, " + d, bw[k]) for k, _, d in MEASURED],
                  "64 B random DMA reads, 32 in flight", "read bandwidth (Gb/s)")
    figs += figure(args, "latency", rows, columns, "latency_ns.mean", 1,
                   [("measured, " + d, lat[k]) for k, _, d in MEASURED],
                   "64 B random DMA reads, one in flight", "read latency, mean (ns)")
    rep.done(figs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
