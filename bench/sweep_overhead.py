#!/usr/bin/env python3
"""Per-run cost of `ptsim sweep` (a forked child of a parent that has loaded the libraries and
parsed the base scenario) against a fresh `ptsim run` process for each run.

    sweep_overhead.py PTSIM [--runs N] [--frames F] [--repeat R]

Both do the same N runs one at a time (-j 1): default.yaml with workload.frames=F and
workload.rate_gbps varied over N values. Prints the wall time per run of each way and the
difference (best of R repeats), and the cost of a process that simulates nothing (`ptsim
check`) for scale."""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def best(fn, repeat):
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return min(t)


def main(argv):
    ptsim = os.path.abspath(argv[1])
    opt = dict(zip(argv[2::2], argv[3::2]))
    n, frames, repeat = int(opt.get("--runs", 20)), int(opt.get("--frames", 10)), \
        int(opt.get("--repeat", 3))
    base = os.path.join(ROOT, "configs", "default.yaml")
    rates = ["%.3f" % (0.5 + 0.02 * i) for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="ptsim-ovh-") as d:
        sweep = os.path.join(d, "s.yaml")
        with open(sweep, "w") as f:
            f.write("scenario: %s\nset: [workload.frames=%d]\nparameters:\n"
                    "  - key: workload.rate_gbps\n    values: [%s]\n"
                    % (base, frames, ", ".join(rates)))
        out = ["--csv", os.path.join(d, "s.csv"), "--json", os.path.join(d, "s.jsonl")]

        def sweep_once():
            for p in out[1::2]:
                if os.path.exists(p):
                    os.unlink(p)
            subprocess.run([ptsim, "sweep", sweep, "-j", "1"] + out, check=True,
                           stdout=subprocess.DEVNULL)

        def fresh():
            for r in rates:
                subprocess.run([ptsim, "run", base, "--quiet", "--set",
                                "workload.frames=%d" % frames, "--set",
                                "workload.rate_gbps=" + r, "--json", os.devnull], check=True)

        def nothing():
            for _ in range(n):
                subprocess.run([ptsim, "check", base], check=True, stdout=subprocess.DEVNULL)

        ts, tf, tn = best(sweep_once, repeat), best(fresh, repeat), best(nothing, repeat)
    print("%d runs of default.yaml, %d frames each, one at a time (best of %d):" % (
        n, frames, repeat))
    print("  ptsim sweep -j 1 (forked children)   %7.1f ms a run" % (1e3 * ts / n))
    print("  ptsim run, a fresh process each      %7.1f ms a run" % (1e3 * tf / n))
    print("  saved by forking                     %7.1f ms a run (%.0f %%)" % (
        1e3 * (tf - ts) / n, 100 * (tf - ts) / tf))
    print("  ptsim check, a process that simulates nothing: %.1f ms" % (1e3 * tn / n))


if __name__ == "__main__":
    main(sys.argv)
