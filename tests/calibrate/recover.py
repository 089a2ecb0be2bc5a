#!/usr/bin/env python3
"""`ptsim calibrate` recovers parameters it knows: a table made by ptsim itself.

usage: recover.py PTSIM [--keep DIR]

Runs configs/dma_bench.yaml (1,000 reads) with known values of two discrete parameters
(machine.iommu.iotlb.entries, machine.iommu.walkers) and one continuous one
(machine.iommu.walk_step_ns) at a few windows, bandwidth with 32 reads in flight and mean
latency with one, writes the results as a measured table (parameter,key,value) and a
calibration file whose bounds hold the known values but start elsewhere, runs `ptsim
calibrate` and checks that the overlay and the residuals give back the known values: the
discrete ones exactly, the continuous one within 3 % (a simplex on a simulated objective stops
near, not at, the minimum), and every residual under 1 %; that `ptsim run --overlay` with the
overlay gives the fitted value at a measured point; then analysis/calibration.py draws
the fit (a PNG, and an SVG with a measured and a fitted series per table).
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KNOWN = {"machine.iommu.iotlb.entries": "32", "machine.iommu.walkers": "2",
         "machine.iommu.walk_step_ns": 40.0}
WINDOWS = [64, 128, 1024, 16384]
TABLES = [("throughput_gbps", "workload.outstanding=32"),
          ("latency_ns.mean", "workload.outstanding=1")]
COMMON = ["workload.reads=1000"]


def run_point(ptsim, d, window, extra):
    out = os.path.join(d, "r.json")
    args = [ptsim, "run", os.path.join(ROOT, "configs/dma_bench.yaml"), "--quiet", "--json", out,
            "--set", "workload.window_kib=%d" % window, "--set", extra]
    for s in COMMON:
        args += ["--set", s]
    for k, v in KNOWN.items():
        args += ["--set", "%s=%s" % (k, v)]
    subprocess.run(args, check=True)
    return json.load(open(out))


def lookup(res, key):
    for part in key.split("."):
        res = res[part]
    return res


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ptsim = os.path.abspath(argv[1])
    keep = argv[argv.index("--keep") + 1] if "--keep" in argv else None
    d = keep or tempfile.mkdtemp(prefix="ptsim-calib-")
    os.makedirs(d, exist_ok=True)
    tables = []
    for ti, (key, extra) in enumerate(TABLES):
        path = os.path.join(d, "measured%d.csv" % ti)
        with open(path, "w") as f:
            f.write("# made by tests/calibrate/recover.py with %s\n" % KNOWN)
            f.write("parameter,key,value\n")
            for w in WINDOWS:
                f.write("%d,%s,%r\n" % (w, key, lookup(run_point(ptsim, d, w, extra), key)))
        tables.append((path, extra))
    calib = os.path.join(d, "calib.yaml")
    with open(calib, "w") as f:
        f.write("scenario: %s\n" % os.path.join(ROOT, "configs/dma_bench.yaml"))
        f.write("set: [%s]\n" % ", ".join(COMMON))
        f.write("measured:\n")
        for path, extra in tables:
            f.write("  - {file: %s, parameter: workload.window_kib, set: [%s]}\n" %
                    (os.path.basename(path), extra))
        f.write("fit:\n")
        f.write("  - {key: machine.iommu.iotlb.entries, values: [16, 32, 64]}\n")
        f.write("  - {key: machine.iommu.walkers, min: 1, max: 4, integer: true, start: 4}\n")
        f.write("  - {key: machine.iommu.walk_step_ns, min: 0, max: 100, start: 15}\n")
        f.write("search: {rounds: 3, iterations: 40, tolerance: 0.002}\n")
    r = subprocess.run([ptsim, "calibrate", calib, "-j", "2"], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode:
        print("FAIL: ptsim calibrate exited %d" % r.returncode)
        return 1
    fitted = {}
    for line in open(os.path.join(d, "calib.fit.yaml")):
        if line.startswith("#   --set") or line.startswith("#  "):
            for part in line.split("--set")[1:]:
                k, v = part.strip().split("=", 1)
                fitted[k] = v
    bad = []
    for k, v in KNOWN.items():
        got = fitted.get(k)
        if got is None:
            bad.append("%s missing from the overlay" % k)
        elif isinstance(v, float):
            if abs(float(got) - v) > 0.03 * v:
                bad.append("%s = %s, known %g" % (k, got, v))
        elif got != v:
            bad.append("%s = %s, known %s" % (k, got, v))
    with open(os.path.join(d, "calib.fit.csv")) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(WINDOWS) * len(TABLES):
        bad.append("%d residual rows, want %d" % (len(rows), len(WINDOWS) * len(TABLES)))
    for row in rows:
        if abs(float(row["rel_error"])) > 0.01:
            bad.append("residual %s at %s=%s: %s" % (row["key"], row["parameter"], row["value"],
                                                     row["rel_error"]))
    # the overlay is usable with the scenario: `ptsim run --overlay` at a measured point gives
    # the fitted value the residuals report (the same runs, the same seed)
    row = rows[-1] if rows else None
    if row:
        extra = dict(TABLES)[row["key"]]
        out = os.path.join(d, "overlay.json")
        args = [ptsim, "run", os.path.join(ROOT, "configs/dma_bench.yaml"), "--quiet", "--json",
                out, "--overlay", os.path.join(d, "calib.fit.yaml"),
                "--set", "%s=%s" % (row["parameter"], row["value"]), "--set", extra]
        for s in COMMON:
            args += ["--set", s]
        subprocess.run(args, check=True)
        got = lookup(json.load(open(out)), row["key"])
        if abs(got - float(row["fitted"])) > 1e-6 * abs(got):
            bad.append("ptsim run --overlay gives %s=%r at %s=%s, the fit %s" % (
                row["key"], got, row["parameter"], row["value"], row["fitted"]))
    # analysis/calibration.py draws it: a panel per table (measured and fitted series)
    png, svg = os.path.join(d, "fit.png"), os.path.join(d, "fit.svg")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "calibration.py"),
                        os.path.join(d, "calib.fit.csv"), "--logx", "-o", png, "-o", svg],
                       capture_output=True, text=True)
    if p.returncode or not os.path.getsize(png):
        bad.append("calibration.py failed: %s" % p.stderr.strip())
    else:
        text = open(svg).read()
        for kind in ("measured", "fitted"):
            n = sum('id="%s-%d"' % (kind, i) in text for i in range(len(TABLES)))
            if n != len(TABLES):
                bad.append("the SVG has %d %s series, want %d" % (n, kind, len(TABLES)))
    print("recovered:", ", ".join("%s=%s" % kv for kv in fitted.items()))
    if bad:
        print("FAIL: " + "; ".join(bad))
        return 1
    print("ok: calibration recovered the known parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
