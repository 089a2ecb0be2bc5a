#!/usr/bin/env python3
"""Run every reproduction (what `make reproduce` does): first say how long it will take.

usage: run_all.py [PTSIM] [--full] [-j N] [--out DIR] [--only NAME ...] [--estimate-only]

A reproduction is a directory beside this script with a run.py (README.md here); they run in
name order. Before running anything, each is asked for its runs and their measured cost
(`run.py PTSIM --estimate`: up to three runs spread over each of its sweeps, timed as `ptsim
sweep` runs them, JOBS at once, so the machine's load counts); the estimate is runs x wall
seconds per run, plus the time to start Python with matplotlib and draw (timed here), per
reproduction and in all. A run.py that does
not answer --estimate is run all the same, its time unknown beforehand.
Each writes into OUT/<name>/ (default build/reproductions/) and prints its tables; at the
end, the time each took. Exit status: 0 all ran, 1 one failed (the others still run).
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def reproductions():
    return sorted(d for d in os.listdir(HERE)
                  if os.path.isfile(os.path.join(HERE, d, "run.py")))


def minutes(s):
    return "%.0f s" % s if s < 90 else "%.1f min" % (s / 60)


def main(argv):
    ap = argparse.ArgumentParser(prog="run_all.py", description=__doc__.split("\n")[0])
    ap.add_argument("ptsim", nargs="?", default=os.path.join(ROOT, "build", "ptsim"))
    ap.add_argument("--full", action="store_true", help="full resolution (slow)")
    ap.add_argument("-j", "--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "reproductions"))
    ap.add_argument("--only", action="append", default=[], metavar="NAME")
    ap.add_argument("--estimate-only", action="store_true", help="say how long, run nothing")
    args = ap.parse_args(argv)
    ptsim = os.path.abspath(args.ptsim)
    names = reproductions()
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            print("run_all.py: no reproduction %s (there are: %s)" % (
                ", ".join(sorted(unknown)), ", ".join(names)), file=sys.stderr)
            return 2
        names = [n for n in names if n in args.only]
    res = ["--full"] if args.full else []

    def cmd(name, *more):
        return [sys.executable, os.path.join(HERE, name, "run.py"), ptsim, "-j",
                str(args.jobs), "--out", os.path.join(args.out, name)] + res + list(more)

    print("Reproductions (%s resolution, -j %d): estimating from a few "
          "timed runs of each sweep ..." % ("full" if args.full else "default", args.jobs))
    sys.stdout.flush()
    # Each run.py also starts Python with numpy and matplotlib and draws: timed once here.
    t = time.monotonic()
    for py in (sys.executable, "/usr/bin/python3"):  # plot.py's choice: the system one next
        if subprocess.run([py, "-c", "import numpy, matplotlib.pyplot"],
                          capture_output=True).returncode == 0:
            break
    start = 2 * (time.monotonic() - t)  # the import, and about as much again to draw
    total, unknown, est_of = 0.0, [], {}
    for name in names:
        p = subprocess.run(cmd(name, "--estimate"), capture_output=True, text=True)
        est = None
        for line in p.stdout.splitlines()[::-1]:
            try:
                est = json.loads(line)
                break
            except ValueError:
                continue
        if p.returncode or not est or "estimate_s" not in est:
            unknown.append(name)
            print("  %-24s time unknown (run.py --estimate did not answer)" % name)
            continue
        est_of[name] = est["estimate_s"] + start
        total += est_of[name]
        print("  %-24s %4d runs x %.2f s a run (%d at once) + %.0f s to start and draw = "
              "about %s" % (name, est["runs"], est["seconds_per_run"], args.jobs, start,
                            minutes(est_of[name])))
    print("About %s in all%s (per-run costs measured now, under this machine's load; more if "
          "other work takes the cores the jobs need)." % (
              minutes(total), " plus %s" % ", ".join(unknown) if unknown else ""))
    sys.stdout.flush()
    if args.estimate_only:
        return 0
    took, failed = [], []
    for name in names:
        print("\n## %s\n" % name)
        sys.stdout.flush()
        t = time.monotonic()
        rc = subprocess.run(cmd(name)).returncode
        took.append((name, time.monotonic() - t, rc))
        if rc:
            failed.append(name)
    print("\nTime per reproduction:")
    for name, dt, rc in took:
        print("  %-24s %s%s%s" % (name, minutes(dt), " (estimated %s)" % minutes(est_of[name])
                                  if name in est_of else "",
                                  "  FAILED (exit %d)" % rc if rc else ""))
    print("  %-24s %s; figures and tables in %s" % ("all", minutes(sum(t[1] for t in took)),
                                                    args.out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
