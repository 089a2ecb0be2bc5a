#!/usr/bin/env python3
"""Smoke test of one reproduction (analysis/reproductions/NAME/run.py) at --smoke resolution.

usage: check_reproductions.py NAME PTSIM OUTDIR
       check_reproductions.py --discovery

Runs `run.py PTSIM --smoke --out OUTDIR/NAME` (a fresh directory) and checks: exit 0; every
figure it names is there as PNG and SVG; each SVG has the series it should (read back from
the ids analysis/plot.py gives them, as tests/analysis/check_analysis.py reads them); the
Markdown tables it printed have the rows they should, with the first cells expected, and
table.md holds what it printed; and a few figures in them that the model must give (the
published exits per interrupt, the ordering of the strategies...). A reproduction this file
does not know (one that joined later) gets the generic checks: exit 0, at least one figure
with at least one series, at least one table with rows.

--discovery: run_all.py (what `make reproduce` runs) finds exactly the directories with a
run.py, and the Makefile's reproduce target runs it.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REPRO = os.path.join(ROOT, "analysis", "reproductions")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPRO)
from check_analysis import svg_ids  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: %s" % what)


def series_count(svg):
    """(series, bars per series): lines are series-N, bars series-N-bar-M."""
    ids = [i for i in svg_ids(svg) if i.startswith("series-")]
    bars = [i for i in ids if "-bar-" in i]
    if bars:
        per = {}
        for b in bars:
            s, _ = b.split("-bar-")
            per[s] = per.get(s, 0) + 1
        return len(per), sorted(set(per.values()))
    return len(ids), []


def tables(text):
    """The Markdown tables in the output: a list of lists of rows (lists of cells)."""
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cur is None:
                cur = {"header": cells, "rows": []}
                out.append(cur)
            elif not all(re.fullmatch(r":?-+:?", c) for c in cells):
                cur["rows"].append(cells)
        else:
            cur = None
    return out


def num(cell):
    m = re.match(r"-?[0-9.]+", cell.strip())
    return float(m.group(0)) if m else float("nan")


# Per reproduction at --smoke: figures {stem: (series, bars per series or None)}, tables
# [first cells of each row], and checks of the figures in the tables.
def pcie_bandwidth(t):
    rows = {r[0]: r for r in t[0]["rows"]}
    for size in ("64", "4096"):
        ratio = num(rows[size][3])
        check(0.8 < ratio <= 1.01, "pcie-bandwidth: %s B at %.3f of pcie-model" % (size, ratio))
    check(num(rows["4096"][1]) > num(rows["64"][1]), "pcie-bandwidth: bigger reads go faster")
    check(abs(num(rows["4096"][2]) - 53.69) < 0.01, "pcie-bandwidth: the model's 4 KiB figure")


def irq_modes(t):
    for r in t[0]["rows"]:
        check(num(r[2]) == num(r[1]), "irq-modes: %s busy: %s exits per interrupt, published %s"
              % (r[0], r[2], r[1]))
    lat = {r[0]: num(r[4]) for r in t[0]["rows"]}
    check(lat["eli"] < lat["emulated"] and lat["vtd_posted"] < lat["emulated"],
          "irq-modes: exitless modes deliver sooner: %r" % lat)


def protection_strategies(t):
    line = {(r[0], r[1]): r for r in t[0]["rows"]}
    slow = {(r[0], r[1]): r for r in t[1]["rows"]}
    for wl in ("rx", "tx"):
        check(num(line[(wl, "direct_map")][3]) > num(line[(wl, "single_use")][3]),
              "protection-strategies: %s direct_map faster than single_use" % wl)
        check(num(slow[(wl, "single_use")][4]) > num(slow[(wl, "direct_map")][4]),
              "protection-strategies: %s single_use costs more cycles per frame" % wl)
        check(num(line[(wl, "none")][3]) == 0, "protection-strategies: %s none gets nothing" % wl)


def on_demand_quota(t):
    fail, evict = t[0]["rows"], t[1]["rows"]
    below, at = fail[0], fail[1]
    check(all(num(x) > 0 for x in below[2].split("/")) and
          all(num(x) == 0 for x in at[2].split("/")),
          "on-demand-quota: remaps below the working set, none at it: %r %r" % (below, at))
    check(num(evict[0][4]) > 0 and num(evict[1][4]) == 0,
          "on-demand-quota: evicting pages in use loses DMAs, only below the working set")


def strict_deferred(t):
    h = t[0]["header"]
    for r in t[0]["rows"]:
        v = {h[i]: num(r[i]) for i in range(len(h))}
        check(v["pv deferred"] > v["pv strict"] and v["nested lazy"] > v["nested strict"] and
              v["shadow lazy"] > v["shadow strict"] and v["direct_map"] >= 0.98 * v["nested lazy"],
              "strict-deferred: deferred beats strict, none beats direct_map: %r" % v)


KNOWN = {
    "pcie-bandwidth": ({"bandwidth": (2, None)}, [["64", "4096"]], pcie_bandwidth),
    "irq-modes": ({"exits": (2, [3]), "latency": (2, [3])},
                  [["emulated", "eli", "vtd_posted"]], irq_modes),
    "protection-strategies": ({"throughput": (2, [2]), "cycles": (2, [2])},
                              [["rx"] * 3 + ["tx"] * 3] * 2, protection_strategies),
    "on-demand-quota": ({"remaps": (3, None), "throughput": (2, None)}, None, on_demand_quota),
    "strict-deferred": ({"rate": (7, None)}, [["64", "1500"], ["64", "1500"]], strict_deferred),
}


def smoke(name, ptsim, outdir):
    out = os.path.join(outdir, name)
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([sys.executable, os.path.join(REPRO, name, "run.py"), ptsim, "--smoke",
                        "-j", "2", "--out", out], capture_output=True, text=True)
    check(p.returncode == 0, "%s: run.py --smoke exit %d:\n%s%s" % (name, p.returncode,
                                                                     p.stdout, p.stderr))
    if p.returncode:
        return
    t = tables(p.stdout)
    check(len(t) >= 1 and all(x["rows"] for x in t), "%s: tables with rows: %r" % (name, t))
    svgs = sorted(f[:-4] for f in os.listdir(out) if f.endswith(".svg"))
    check(svgs, "%s: no figure in %s" % (name, out))
    for stem in svgs:
        png = os.path.join(out, stem + ".png")
        with open(png, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", "%s: %s.png is a PNG" % (name, stem))
        n, _ = series_count(os.path.join(out, stem + ".svg"))
        check(n >= 1, "%s: %s.svg has no series" % (name, stem))
    if os.path.exists(os.path.join(out, "table.md")):
        with open(os.path.join(out, "table.md")) as f:
            md = f.read()
        check(all(line in p.stdout for line in md.splitlines()),
              "%s: table.md is what run.py printed" % name)
    if name not in KNOWN:
        print("%s: generic checks only (%d figures, %d tables)" % (name, len(svgs), len(t)))
        return
    figs, first, more = KNOWN[name]
    check(sorted(figs) == svgs, "%s: figures %r, want %r" % (name, svgs, sorted(figs)))
    for stem, (n, bars) in figs.items():
        svg = os.path.join(out, stem + ".svg")
        if os.path.exists(svg):
            got = series_count(svg)
            check(got[0] == n and (bars is None or got[1] == bars),
                  "%s: %s.svg has %d series (bars %r), want %d (bars %r)" %
                  (name, stem, got[0], got[1], n, bars))
    if first is not None:
        check([[r[0] for r in x["rows"]] for x in t] == first,
              "%s: table rows %r, want %r" % (name, [[r[0] for r in x["rows"]] for x in t],
                                              first))
    if not FAILS:
        more(t)


def discovery():
    import run_all
    want = sorted(d for d in os.listdir(REPRO)
                  if os.path.isfile(os.path.join(REPRO, d, "run.py")))
    check(run_all.reproductions() == want and len(want) >= 5,
          "run_all finds %r, the directories with run.py are %r" % (run_all.reproductions(),
                                                                   want))
    with open(os.path.join(ROOT, "Makefile")) as f:
        mk = f.read()
    m = re.search(r"^reproduce:.*\n((?:\t.*\n)+)", mk, re.M)
    check(m and "analysis/reproductions/run_all.py" in m.group(1) and "--full" in m.group(1),
          "the Makefile's reproduce target runs run_all.py (with --full for FULL=1)")


def main(argv):
    if argv == ["--discovery"]:
        discovery()
    elif len(argv) == 3:
        smoke(argv[0], os.path.abspath(argv[1]), os.path.abspath(argv[2]))
    else:
        print(__doc__)
        return 2
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
