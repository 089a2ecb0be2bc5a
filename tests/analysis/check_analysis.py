#!/usr/bin/env python3
"""Tests of analysis/plot.py and analysis/compare.py on sweeps.

usage: check_analysis.py stats
       check_analysis.py plot SWEEP.csv SWEEP.jsonl OUTDIR
       check_analysis.py compare SWEEP.csv SWEEP.jsonl OUTDIR

stats: the Student-t interval against hand-computed cases, unit inference from key names.
plot: on a real sweep (make_sweep_csv.py's), a line plot and a grouped bar chart to PNG and
SVG; the SVG's series (the gids plot.py sets) read back and counted against the sweep's
values; CSV and JSON lines give the same figures; errors exit 2 with the choices listed.
compare: a sweep against itself, its JSON-lines twin, copies with one value moved (inside
and outside tolerances), a row missing, and bad files: exit 0, 1 or 2 as documented.
"""
import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import compare  # noqa: E402
import plot  # noqa: E402
import sweep  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: %s" % what)


def call(mod, argv):
    """mod.main(argv) in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = mod.main(argv)
    return rc, out.getvalue(), err.getvalue()


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b))


def stats():
    # 0.975 quantiles of Student's t (any statistics table).
    for nu, t in [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (29, 2.0452),
                  (120, 1.9799)]:
        check(abs(plot.t_quantile(0.95, nu) - t) < 5e-5,
              "t(0.975, %d) = %.5f, tables say %.4f" % (nu, plot.t_quantile(0.95, nu), t))
    # 1, 2, 3: mean 2, s = 1, half-width t(2) / sqrt(3) = 4.302653 / 1.732051 = 2.484138.
    n, m, lo, hi = plot.mean_ci([1, 2, 3])
    check(n == 3 and m == 2 and abs(lo - (2 - 2.484138)) < 1e-6 and abs(hi - (2 + 2.484138)) < 1e-6,
          "CI of 1,2,3: %r" % ((n, m, lo, hi),))
    # 10, 14: mean 12, s = 2.828427, s/sqrt(2) = 2, half-width 2 * 12.706205 = 25.412409.
    n, m, lo, hi = plot.mean_ci([10, 14])
    check(abs(hi - m - 25.412409) < 1e-5 and abs(m - lo - 25.412409) < 1e-5,
          "CI of 10,14: %r" % ((n, m, lo, hi),))
    n, m, lo, hi = plot.mean_ci([7.5])
    check((n, m, lo, hi) == (1, 7.5, None, None), "one seed has no interval: %r" %
          ((n, m, lo, hi),))
    # The same through the command line, from a hand-written sweep: point a has seeds 1..3
    # (values 1, 2, 3), point b one seed.
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ptsim_ci_%d.csv" % os.getpid())
    with open(path, "w") as f:
        f.write("point,seed,param.x,param.mode,lat_ns\n"
                "p1,1,1,a,1\np2,2,1,a,2\np3,3,1,a,3\np4,1,2,a,5\np5,1,1,b,4\n")
    try:
        rc, out, err = call(plot, [path, "-y", "lat_ns", "-x", "x", "-g", "mode", "--table"])
    finally:
        os.unlink(path)
    rows = [line.split("\t") for line in out.splitlines()]
    check(rc == 0 and len(rows) == 3, "--table: %d %r %s" % (rc, rows, err))
    if len(rows) == 3:
        check(rows[0][:3] == ["a", "1", "3"] and close(float(rows[0][3]), 2) and
              abs(float(rows[0][5]) - 4.484138) < 1e-6, "--table row a,1: %r" % rows[0])
        check(rows[1][:4] == ["a", "2", "1", "5.0"] and rows[1][4:] == ["", ""],
              "--table row a,2 (one seed, no interval): %r" % rows[1])
        check(rows[2][:3] == ["b", "1", "1"], "--table row b,1: %r" % rows[2])
    # Units from key names.
    for key, unit, label in [
            ("latency_ns.p99", "ns", "latency p99 (ns)"),
            ("interrupts.latency_ns.mean", "ns", "interrupts latency mean (ns)"),
            ("throughput_gbps", "Gb/s", "throughput (Gb/s)"),
            ("cpu.cycles_per_op", "cycles per frame", "cpu (cycles per frame)"),
            ("cpu.guest_cycles", "cycles", "cpu guest (cycles)"),
            ("exits_per_op", "per frame", "exits (per frame)"),
            ("dma.pinned_mib_peak", "MiB", "dma pinned peak (MiB)"),
            ("param.workload.window_kib", "KiB", "workload window (KiB)"),
            ("param.workload.rate_gbps", "Gb/s", "workload rate (Gb/s)"),
            ("param.workload.frame_bytes", "bytes", "workload frame (bytes)"),
            ("dma.cycles_per_dma_op.guest", "cycles per DMA op", "dma guest (cycles per DMA op)"),
            ("exits_per_interrupt", "per interrupt", "exits (per interrupt)"),
            ("wall_s", "s", "wall (s)"),
            ("iotlb.hit_rate", "", "iotlb hit rate"),
            ("param.vms.0.interrupt_mode", "", "vms 0 interrupt mode"),
            # a unit is a whole word: "sched" has an s, "nsec" an ns, neither is a unit
            ("sched.switches", "", "sched switches"),
            ("nsecs_total", "", "nsecs total")]:
        check(plot.unit_of(key) == unit, "unit of %s: '%s', want '%s'" %
              (key, plot.unit_of(key), unit))
        check(plot.label_of(key) == label, "label of %s: '%s', want '%s'" %
              (key, plot.label_of(key), label))


def svg_ids(path):
    with open(path) as f:
        return re.findall(r'<g id="((?:series|ci)-[^"]*)"', f.read())


def plot_tests(csv_path, jsonl_path, outdir):
    rows, columns = sweep.load(csv_path)
    modes = sorted({r["param.vms.0.interrupt_mode"] for r in rows})
    rates = {r["param.workload.rate_gbps"] for r in rows}
    check(len(modes) >= 2 and len(rates) >= 2, "the fixture varies mode and rate: %r %r" %
          (modes, rates))
    # The command line, as a user runs it: a line plot to PNG and SVG.
    png, svg = os.path.join(outdir, "line.png"), os.path.join(outdir, "line.svg")
    for f in (png, svg):
        if os.path.exists(f):
            os.unlink(f)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "plot.py"), csv_path,
                        "-y", "latency_ns.p99", "-x", "workload.rate_gbps",
                        "--group", "vms.0.interrupt_mode", "--logx", "-o", png, "-o", svg],
                       capture_output=True, text=True)
    check(p.returncode == 0, "plot.py line: exit %d: %s" % (p.returncode, p.stderr))
    with open(png, "rb") as f:
        head = f.read(8)
    check(head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(png) > 5000,
          "line.png is a PNG (%r, %d bytes)" % (head, os.path.getsize(png)))
    ids = svg_ids(svg)
    series = [i for i in ids if i.startswith("series-")]
    check(len(series) == len(modes), "line.svg: %d series, the sweep has %d modes" %
          (len(series), len(modes)))
    # Every point has several seeds: one interval band per line.
    check(len([i for i in ids if i.startswith("ci-")]) == len(modes), "line.svg bands: %r" % ids)
    with open(svg) as f:
        text = f.read()
    for m in modes:
        check(">%s<" % m in text or m in text, "line.svg: legend names %s" % m)
    check("latency p99 (ns)" in text and "workload rate (Gb/s)" in text,
          "line.svg: axis labels with units")

    # Grouped bars: a cluster per mode, a bar per rate in each.
    bsvg = os.path.join(outdir, "bars.svg")
    rc, out, err = call(plot, [jsonl_path, "-y", "exits_per_interrupt", "-x",
                               "param.vms.0.interrupt_mode", "-g", "workload.rate_gbps",
                               "--bar", "-o", bsvg])
    check(rc == 0, "plot.py --bar: %d %s" % (rc, err))
    ids = svg_ids(bsvg)
    bars = [i for i in ids if "-bar-" in i]
    check(len({i.split("-bar-")[0] for i in bars}) == len(rates) and
          len(bars) == len(rates) * len(modes),
          "bars.svg: %d series of %d bars, want %d of %d" %
          (len({i.split("-bar-")[0] for i in bars}), len(bars), len(rates), len(modes)))

    # CSV and JSON lines: the same figures.
    a = call(plot, [csv_path, "-y", "cpu.cycles_per_op", "-x", "workload.rate_gbps",
                    "-g", "vms.0.interrupt_mode", "--table"])
    b = call(plot, [jsonl_path, "-y", "cpu.cycles_per_op", "-x", "workload.rate_gbps",
                    "-g", "vms.0.interrupt_mode", "--table"])
    check(a[0] == 0 and a == b and len(a[1].splitlines()) == len(modes) * len(rates),
          "CSV and JSON lines tables differ: %r %r" % (a, b))
    # The table's means are the rows' means.
    for line in a[1].splitlines():
        g, x, n, mean = line.split("\t")[:4]
        vals = [float(r["cpu.cycles_per_op"]) for r in rows
                if r["param.vms.0.interrupt_mode"] == g and r["param.workload.rate_gbps"] == x]
        check(int(n) == len(vals) and close(float(mean), sum(vals) / len(vals)),
              "mean of %s,%s: %s over %s, rows %r" % (g, x, mean, n, vals))
    # One mode only with --where: one series.
    rc, out, err = call(plot, [csv_path, "-y", "throughput_gbps", "-x", "workload.rate_gbps",
                               "--where", "vms.0.interrupt_mode=%s" % modes[0], "--table"])
    check(rc == 0 and len(out.splitlines()) == len(rates), "--where: %d %r %s" % (rc, out, err))

    # Errors: exit 2, the choices listed.
    rc, out, err = call(plot, [csv_path, "-y", "no_such_key", "-x", "workload.rate_gbps",
                               "-g", "vms.0.interrupt_mode", "--table"])
    check(rc == 2 and "no result key 'no_such_key'" in err and "throughput_gbps" in err and
          "latency_ns.p99" in err, "unknown -y: %d %s" % (rc, err))
    rc, out, err = call(plot, [csv_path, "-y", "throughput_gbps", "-x", "rate", "--table"])
    check(rc == 2 and "no parameter 'rate'" in err and "workload.rate_gbps" in err and
          "vms.0.interrupt_mode" in err, "unknown -x: %d %s" % (rc, err))
    rc, out, err = call(plot, [csv_path, "-y", "throughput_gbps", "-x", "workload.rate_gbps",
                               "--table"])
    check(rc == 2 and "vms.0.interrupt_mode" in err and "--where" in err,
          "a parameter left to vary: %d %s" % (rc, err))
    rc, out, err = call(plot, [csv_path, "-y", "throughput_gbps", "-x", "workload.rate_gbps",
                               "-g", "vms.0.interrupt_mode", "-o", "x.jpeg"])
    check(rc == 2 and ".png" in err, "unknown output format: %d %s" % (rc, err))
    rc, out, err = call(plot, [os.path.join(outdir, "absent.csv"), "-y", "a", "-x", "b",
                               "--table"])
    check(rc == 2 and "absent.csv" in err, "missing sweep: %d %s" % (rc, err))


def rewrite(src, dst, change):
    """A copy of a sweep CSV with change(rows) applied."""
    with open(src, newline="") as f:
        r = list(csv.reader(f))
    header, body = r[0], r[1:]
    body = change(header, body)
    with open(dst, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + body)


def compare_tests(csv_path, jsonl_path, outdir):
    rows, _ = sweep.load(csv_path)
    rc, out, err = call(compare, [csv_path, csv_path])
    check(rc == 0 and "%d rows matched, 0 differ; same" % len(rows) in out,
          "sweep against itself: %d %s %s" % (rc, out, err))
    rc, out, err = call(compare, [csv_path, jsonl_path])
    check(rc == 0, "CSV against its JSON lines: %d %s %s" % (rc, out, err))

    # throughput_gbps of the first row moved by +1 %.
    moved = os.path.join(outdir, "moved.csv")

    def move(header, body):
        i = header.index("throughput_gbps")
        body[0][i] = repr(float(body[0][i]) * 1.01)
        return body
    rewrite(csv_path, moved, move)
    base = float(rows[0]["throughput_gbps"])
    for args, want, what in [
            ([], 1, "equal wanted"),
            (["--tol", "throughput_gbps=0.02"], 0, "2 % allowed"),
            (["--tol", "throughput_gbps=0.005"], 1, "0.5 % allowed"),
            (["--tol", "*=0.02"], 0, "2 % on every key"),
            (["--tol", "latency_ns.=0.5"], 1, "a tolerance on other keys"),
            (["--abs", "throughput_gbps=%r" % (base * 0.02)], 0, "2 % of it absolute"),
            (["--abs", "throughput_gbps=%r" % (base * 0.002)], 1, "0.2 % of it absolute"),
            (["--ignore", "throughput_gbps"], 0, "ignored")]:
        rc, out, err = call(compare, [csv_path, moved] + args)
        check(rc == want, "compare %s: exit %d, want %d: %s %s" % (what, rc, want, out, err))
        if want == 1:
            check("throughput_gbps" in out and "1 differ" in out and
                  rows[0]["param.vms.0.interrupt_mode"] in out.splitlines()[0],
                  "the report names the row and key: %s" % out)
            check("by key: throughput_gbps differs in 1 of %d rows, largest +1%%" % len(rows)
                  in out, "the report sums up by key: %s" % out)

    # A row gone; --match params matches by parameters and seed.
    dropped = os.path.join(outdir, "dropped.csv")
    rewrite(csv_path, dropped, lambda h, b: b[1:])
    rc, out, err = call(compare, [csv_path, dropped])
    check(rc == 1 and out.startswith("only in %s: " % csv_path), "a row missing: %d %s" % (rc, out))
    rehashed = os.path.join(outdir, "rehashed.csv")

    def rehash(header, body):
        for r in body:
            r[header.index("point")] = "x" + r[header.index("point")]
        return body
    rewrite(csv_path, rehashed, rehash)
    rc, out, err = call(compare, [csv_path, rehashed])
    check(rc == 1 and "no point in common" in out, "other hashes by point: %d %s" % (rc, out))
    rc, out, err = call(compare, [csv_path, rehashed, "--match", "params"])
    check(rc == 0, "other hashes by params: %d %s %s" % (rc, out, err))

    # Bad input: exit 2.
    bad = os.path.join(outdir, "bad.csv")
    with open(bad, "w") as f:
        f.write("this,is\nnot,a sweep\n")
    for args, what in [([csv_path, bad], "no seed column"),
                       ([csv_path, os.path.join(outdir, "absent.csv")], "a missing file"),
                       ([csv_path, os.path.join(ROOT, "tests/golden/default.json")],
                        "a sweep against a run"),
                       ([csv_path, csv_path, "--match", "nothing"], "a bad --match"),
                       ([csv_path, moved, "--tol", "throughput_gbps"], "a bad --tol")]:
        rc, out, err = call(compare, args)
        check(rc == 2 and err, "%s: exit %d, want 2: %s" % (what, rc, err))
    ragged = os.path.join(outdir, "ragged.csv")
    with open(csv_path) as f, open(ragged, "w") as g:
        lines = f.read().splitlines()
        g.write("\n".join(lines[:2] + [lines[2] + ",extra"]) + "\n")
    rc, out, err = call(compare, [csv_path, ragged])
    check(rc == 2 and "ragged.csv:3" in err, "a ragged row: %d %s" % (rc, err))

    # Two runs' JSON, as before sweeps.
    a, b = os.path.join(outdir, "a.json"), os.path.join(outdir, "b.json")
    with open(a, "w") as f:
        json.dump({"wall_s": 1, "x": {"y": 100, "z": "on"}}, f)
    with open(b, "w") as f:
        json.dump({"wall_s": 9, "x": {"y": 103, "z": "on"}}, f)
    for args, want in [([], 1), (["--tol", "x.y=0.05"], 0), (["--tol", "x.=0.01"], 1),
                       (["--abs", "x.y=3"], 0)]:
        rc, out, err = call(compare, [a, b] + args)
        check(rc == want, "JSON compare %r: %d, want %d: %s" % (args, rc, want, out))


def main(argv):
    if argv[:1] == ["stats"]:
        stats()
    elif argv[:1] == ["plot"] and len(argv) == 4:
        plot_tests(*argv[1:])
    elif argv[:1] == ["compare"] and len(argv) == 4:
        compare_tests(*argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("%s: %s" % (argv[0], "%d failed" % len(FAILS) if FAILS else "ok"))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
