#!/usr/bin/env python3
"""Test of analysis/workloads.py: the per-kind, per-mode table made from real (short) runs.

usage: check_workloads.py PTSIM OUTDIR

Runs `workloads.py PTSIM --smoke -j 2` and checks the table's shape (the header, a row per
kind and mode in order, bare metal last in each kind, table.md what was printed) and that its
figures are sane: positive throughput in the kind's unit, positive latency and cycles, no exit
on bare metal and a fraction of 1 there, fewer exits per operation with eli and vtd_posted
than emulated in every kind (each operation brings at least one device interrupt), and each
VM's throughput fraction the ratio of its throughput to its kind's bare metal's (the baseline
was its own kind's). Then a mode ptsim refuses (eli with an xAPIC guest) must be a row
"n/a (ptsim's message)" with exit 0, a run that fails a row "failed (...)" with exit 1, a
scenario with no bare metal (its VMs' own workloads) still its modes' rows, without fractions,
and an unknown kind exit 2.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOOL = os.path.join(ROOT, "analysis", "workloads.py")
KINDS = ["stream_rx", "stream_tx", "rr", "nvme"]
MODES = ["`emulated`", "`eli`", "`vtd_posted`", "bare metal"]
UNITS = {"stream_rx": "Gb/s", "stream_tx": "Gb/s", "rr": "transactions/s", "nvme": "IOPS"}
HEADER = ["kind", "mode", "throughput", "latency mean / p99", "exits/op", "cycles/op",
          "throughput, fraction of bare metal", "cycles/op, fraction of bare metal"]
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: %s" % what)


def run(ptsim, out, *extra):
    cmd = [sys.executable, TOOL, ptsim, "--smoke", "-j", "2", "--out", out] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    print("$ %s -> exit %d" % (" ".join(cmd), p.returncode))
    print(p.stdout + p.stderr)
    return p


def table(text):
    """The Markdown table: (header, rows), cells stripped; the separator line skipped."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", ln.strip())[1:-1]] for ln in lines]
    return (cells[0], cells[2:]) if len(cells) >= 2 else ([], [])


def num(text):
    return float(text.replace(",", ""))


def figures(r):
    """A row's figures: throughput and its unit, latency mean and p99, exits, cycles, fractions."""
    m = re.fullmatch(r"([\d,.]+) (\S+)", r[2])
    lat = re.fullmatch(r"([\d,.]+) / ([\d,.]+) ns", r[3])
    if not (m and lat):
        return None
    return {"tput": num(m.group(1)), "unit": m.group(2), "mean": num(lat.group(1)),
            "p99": num(lat.group(2)), "exits": num(r[4]), "cycles": num(r[5]),
            "ftput": num(r[6]), "fcycles": num(r[7])}


def check_full(ptsim, out):
    p = run(ptsim, out)
    check(p.returncode == 0, "workloads.py --smoke exits 0 (got %d)" % p.returncode)
    header, rows = table(p.stdout)
    check(header == HEADER, "header %s" % header)
    want = [(k, m) for k in KINDS for m in MODES]
    check([tuple(r[:2]) for r in rows] == want,
          "rows kind x mode in order: %s" % [tuple(r[:2]) for r in rows])
    try:
        with open(os.path.join(out, "table.md")) as f:
            check(f.read() == p.stdout, "table.md holds what was printed")
    except OSError as e:
        check(False, "table.md: %s" % e)
    got = {}
    for r in rows:
        f = figures(r) if len(r) == len(HEADER) else None
        check(f is not None, "row %s has its figures" % r)
        if f:
            got[(r[0], r[1])] = f
    for (kind, mode), f in got.items():
        what = "%s %s" % (kind, mode)
        check(f["unit"] == UNITS[kind], "%s: throughput in %s (%s)" % (what, UNITS[kind],
                                                                       f["unit"]))
        check(f["tput"] > 0, "%s: throughput positive (%g)" % (what, f["tput"]))
        check(f["mean"] > 0 and f["p99"] > 0, "%s: latency positive" % what)
        check(f["cycles"] > 0, "%s: cycles/op positive (%g)" % (what, f["cycles"]))
        check(f["exits"] >= 0, "%s: exits/op not negative" % what)
        if mode == "bare metal":
            check(f["exits"] == 0, "%s: no exit (%g)" % (what, f["exits"]))
            check(f["ftput"] == 1 and f["fcycles"] == 1, "%s: fractions 1" % what)
            continue
        check(0 < f["ftput"] <= 1.02 and 0 < f["fcycles"] <= 1.02,
              "%s: fractions of bare metal in (0, 1.02] (%g, %g)" % (what, f["ftput"],
                                                                     f["fcycles"]))
        bare = got.get((kind, "bare metal"))
        if bare:
            ratio = f["tput"] / bare["tput"]
            check(abs(ratio - f["ftput"]) <= 0.005 + 0.01 * ratio,
                  "%s: throughput fraction %g is throughput over bare metal's (%g): the "
                  "baseline was this kind's" % (what, f["ftput"], ratio))
    for kind in KINDS:
        emu = got.get((kind, "`emulated`"))
        for mode in ("`eli`", "`vtd_posted`"):
            f = got.get((kind, mode))
            if emu and f:
                check(f["exits"] < emu["exits"], "%s: %s has fewer exits/op than emulated "
                      "(%g, %g)" % (kind, mode, f["exits"], emu["exits"]))


def check_refused_and_failed(ptsim, out):
    p = run(ptsim, os.path.join(out, "refused"), "--kinds", "rr", "--modes", "emulated,eli",
            "--set", "vms.0.guest.apic=xapic")
    check(p.returncode == 0, "a refused mode: exit 0 (got %d)" % p.returncode)
    _, rows = table(p.stdout)
    by_mode = {r[1]: r for r in rows}
    check(sorted(by_mode) == ["`eli`", "`emulated`", "bare metal"], "refused: three rows")
    eli = by_mode.get("`eli`", ["", "", ""])
    check(re.fullmatch(r"n/a \(.*eli.*x2APIC.*\)", eli[2]) is not None,
          "the refused mode's row is n/a with ptsim's message: %s" % eli[2])
    check(figures(by_mode.get("`emulated`", [""] * 8)) is not None,
          "the mode ptsim accepts still has its figures")
    p = run(ptsim, os.path.join(out, "failed"), "--kinds", "rr", "--modes", "emulated",
            "--set", "run.max_sim_ms=50")
    check(p.returncode == 1, "a failed run: exit 1 (got %d)" % p.returncode)
    _, rows = table(p.stdout)
    check(any(r[1] == "`emulated`" and r[2].startswith("failed (") and "max_sim_ms" in r[2]
              for r in rows), "the failed run's row says failed, with ptsim's message")
    # A scenario with no bare metal (its VMs' own workloads, none at the top): the mode runs.
    p = subprocess.run([sys.executable, TOOL, ptsim, "-j", "2", "--out", os.path.join(out, "nn"),
                        "--kinds", "stream_rx", "--modes", "emulated", "--config",
                        "stream_rx=configs/noisy-neighbour.yaml"], capture_output=True,
                       text=True, cwd=ROOT)
    print(p.stdout + p.stderr)
    _, rows = table(p.stdout)
    by_mode = {r[1]: r for r in rows}
    emu, bare = by_mode.get("`emulated`", [""] * 8), by_mode.get("bare metal", ["", "", ""])
    check(p.returncode == 0 and bare[2].startswith("n/a (") and emu[6:] == [
        "n/a (no bare metal)"] * 2 and num(emu[4]) > 0,
        "no bare metal: its row n/a, the mode's figures without fractions")
    p = run(ptsim, os.path.join(out, "bad"), "--kinds", "bogus")
    check(p.returncode == 2, "an unknown kind: exit 2 (got %d)" % p.returncode)


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    ptsim, out = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    check_full(ptsim, out)
    check_refused_and_failed(ptsim, out)
    print("%d failure(s)" % len(FAILS) if FAILS else "ok")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
