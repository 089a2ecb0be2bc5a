"""What every reproduction's run.py shares: its command line, running its sweep files at a
resolution, timing, figures through analysis/plot.py, Markdown tables.

A reproduction is a directory beside this file with a run.py (README.md here: the contract
`make reproduce` and the tests rely on). Its sweep files are the default resolution as they
stand (`ptsim sweep FILE` runs them); --smoke and --full apply the run.py's overrides -- `set`
lines, parameter values, seeds -- to a copy written into the output directory, which also
holds the CSV and JSON lines `ptsim sweep` writes, the figures (PNG and SVG) and table.md,
the table the run printed.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import plot  # noqa: E402
import sweep  # noqa: E402

RESOLUTIONS = ("smoke", "default", "full")


def parse_args(name, argv, doc):
    """The options every run.py takes (README.md here)."""
    ap = argparse.ArgumentParser(prog="%s/run.py" % name, description=doc.split("\n")[0])
    ap.add_argument("ptsim", nargs="?", help="the ptsim binary (default: build/ptsim)")
    ap.add_argument("--out", help="output directory (default: build/reproductions/%s)" % name)
    res = ap.add_mutually_exclusive_group()
    res.add_argument("--smoke", action="store_true", help="a few points, few frames (tests)")
    res.add_argument("--full", action="store_true", help="full resolution (slow)")
    ap.add_argument("-j", "--jobs", type=int, default=len(os.sched_getaffinity(0)),
                    help="runs at once (default: the usable cores)")
    ap.add_argument("--estimate", action="store_true",
                    help="print the runs and a measured cost per run as JSON, run nothing else")
    args = ap.parse_args(argv)
    args.t0 = time.monotonic()
    args.name = name
    args.resolution = "smoke" if args.smoke else "full" if args.full else "default"
    args.ptsim = find_ptsim(args.ptsim)
    args.out = os.path.abspath(args.out or os.path.join(ROOT, "build", "reproductions", name))
    os.makedirs(args.out, exist_ok=True)
    if not args.estimate:
        plot._import_numeric()  # numpy and matplotlib, or the system python3 that has them
    return args


def find_ptsim(path):
    path = path or os.path.join(ROOT, "build", "ptsim")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SystemExit("no ptsim binary at %s: build it (cmake --build build) or give its path"
                         % path)
    return os.path.abspath(path)


class Sweep:
    """A sweep file of the reproduction at a resolution.

    overrides: {resolution: {"set": {KEY: VALUE}, "values": {KEY: [VALUES]}, "seeds": N}};
    "set" replaces (or adds) a KEY=VALUE line of the file's `set`, "values" replaces a
    parameter's values (a list or range becomes that list), "seeds" the seeds per point.
    """

    def __init__(self, args, path, overrides=None):
        import yaml  # Debian's python3-yaml
        self.args = args
        self.path = os.path.abspath(path)
        self.stem = os.path.splitext(os.path.basename(path))[0]
        with open(self.path) as f:
            self.doc = yaml.safe_load(f)
        self.doc["scenario"] = os.path.normpath(
            os.path.join(os.path.dirname(self.path), self.doc["scenario"]))
        ov = (overrides or {}).get(args.resolution, {})
        self.apply(ov.get("set", {}), ov.get("values", {}), ov.get("seeds"))

    def apply(self, sets=None, values=None, seeds=None):
        """Change the copy: set lines, a parameter's values, the seeds."""
        lines = list(self.doc.get("set") or [])
        for key, val in (sets or {}).items():
            line = "%s=%s" % (key, val)
            idx = [i for i, s in enumerate(lines) if s.split("=", 1)[0] == key]
            if idx:
                lines[idx[0]] = line
            else:
                lines.append(line)
        if lines:
            self.doc["set"] = lines
        for key, vals in (values or {}).items():
            found = False
            for p in self._params():
                if p.get("key") == key:
                    p.pop("range", None)
                    p["values"] = list(vals)  # numbers stay numbers (a quoted one is a string)
                    found = True
            if not found:
                raise SystemExit("%s: no parameter %s to change" % (self.path, key))
        if seeds:
            self.doc["seeds"] = seeds

    def _params(self):
        for p in self.doc["parameters"]:
            if "zip" in p:
                for q in p["zip"]:
                    yield q
            else:
                yield p

    def values(self, key):
        for p in self._params():
            if p.get("key") == key and "values" in p:
                return list(p["values"])
        raise SystemExit("%s: parameter %s has no list of values" % (self.path, key))

    def write(self):
        """The copy in the output directory (JSON is YAML; the scenario is absolute)."""
        out = os.path.join(self.args.out, self.stem + ".sweep.yaml")
        with open(out, "w") as f:
            f.write("# %s at %s resolution, written by %s/run.py\n" % (
                os.path.relpath(self.path, ROOT), self.args.resolution, self.args.name))
            json.dump(self.doc, f, indent=1)
            f.write("\n")
        return out

    def listing(self):
        """`ptsim sweep --list`: one (index, {key: value}) per run."""
        p = subprocess.run([self.args.ptsim, "sweep", self.write(), "--list"],
                           capture_output=True, text=True)
        if p.returncode:
            raise SystemExit("ptsim sweep --list %s: %s" % (self.path, p.stderr))
        runs = []
        for line in p.stdout.splitlines():
            f = line.split(None, 3)
            if len(f) >= 3:
                vals = dict(kv.split("=", 1) for kv in (f[3].split(", ") if len(f) > 3 else []))
                runs.append((int(f[0]), vals))
        return runs

    def count(self):
        return len(self.listing())

    def time_some(self, samples):
        """(runs, seconds per run): `samples` of the sweep's runs spread over it, run as
        `ptsim sweep -j JOBS` runs them (so the cost is per run with JOBS at once, on this
        machine's load as it is). They are shard 0 of N (runs 0, N, 2N ...), N chosen so that
        the sample does not keep hitting the same value of a parameter."""
        runs = self.listing()
        n = len(runs)
        counts = {len({v.get(k) for _, v in runs}) for k in (runs[0][1] if runs else {})}
        shards = max(1, -(-n // samples))
        while shards > 1 and any(c > 1 and shards % c == 0 for c in counts):
            shards -= 1
        k = len(range(0, n, shards))
        d = os.path.join(self.args.out, "estimate")
        os.makedirs(d, exist_ok=True)
        t = time.monotonic()
        p = subprocess.run([self.args.ptsim, "sweep", self.write(), "-j", str(self.args.jobs),
                            "--shard", "0/%d" % shards,
                            "--csv", os.path.join(d, self.stem + ".csv"),
                            "--json", os.path.join(d, self.stem + ".jsonl")],
                           capture_output=True, text=True)
        dt = time.monotonic() - t
        shutil.rmtree(d, ignore_errors=True)
        if p.returncode:
            raise SystemExit("ptsim sweep %s --shard 0/%d: %s" % (self.path, shards, p.stderr))
        # k runs on min(jobs, k) cores: the last wave may be part-empty; count whole waves.
        waves = -(-k // max(1, min(self.args.jobs, k)))
        return n, dt / (waves * max(1, min(self.args.jobs, k)))

    def run(self):
        """Run the sweep afresh; its rows and columns (analysis/sweep.py)."""
        path = self.write()
        csv = os.path.join(self.args.out, self.stem + ".csv")
        jsonl = os.path.join(self.args.out, self.stem + ".jsonl")
        for f in (csv, jsonl, jsonl + ".partial"):
            if os.path.exists(f):
                os.unlink(f)
        t = time.monotonic()
        p = subprocess.run([self.args.ptsim, "sweep", path, "-j", str(self.args.jobs),
                            "--csv", csv, "--json", jsonl], capture_output=True, text=True)
        if p.returncode:
            raise SystemExit("ptsim sweep %s failed (exit %d):\n%s" % (path, p.returncode,
                                                                       p.stderr))
        self.wall_s = time.monotonic() - t
        self.rows, self.columns = sweep.load(csv)
        return self.rows, self.columns


def estimate(args, sweeps, extra_runs=0):
    """--estimate: the runs at this resolution and their measured cost, as a JSON line:
    seconds_per_run is wall time per run with -j JOBS runs at once (a few runs of each sweep,
    spread over it: Sweep.time_some), estimate_s the runs times that."""
    runs, secs = 0, 0.0
    for s in sweeps:
        n, per = s.time_some(max(3, 2 * args.jobs))
        runs += n
        secs += n * per
    per = secs / runs if runs else 0.0
    secs += extra_runs * per * max(1, args.jobs)  # an extra run goes alone
    print(json.dumps({"reproduction": args.name, "resolution": args.resolution,
                      "runs": runs + extra_runs, "seconds_per_run": round(per, 3),
                      "jobs": args.jobs, "estimate_s": round(secs, 1)}))


def num(row, key):
    v = sweep.number(row.get(key, ""))
    return float("nan") if v is None else v


def pick(rows, **where):
    """The rows whose parameters have these values (keys with '.' written as '__')."""
    out = rows
    for k, v in where.items():
        col = sweep.PARAM + k.replace("__", ".")
        out = [r for r in out if r.get(col) == str(v)]
    return out


def mean(rows, key):
    vals = [num(r, key) for r in rows]
    vals = [v for v in vals if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else float("nan")


def numbers(row):
    """A sweep row with its numeric cells as numbers (what analysis/strategies.py formats)."""
    return {k: (sweep.number(v) if sweep.number(v) is not None else v) for k, v in row.items()}


def merge(*parts):
    """Rows of several sweeps as one, for a figure across them: each part is (rows, {old
    parameter: new name}, {new name: value}), a value fixed or a function of the row; only
    the named parameters are kept."""
    rows, columns = [], ["point", "seed"]
    for prows, rename, fixed in parts:
        for r in prows:
            new = {k: v for k, v in r.items() if not k.startswith(sweep.PARAM)}
            for old, name in rename.items():
                new[sweep.PARAM + name] = r[sweep.PARAM + old]
            for name, val in fixed.items():
                new[sweep.PARAM + name] = str(val(r) if callable(val) else val)
            rows.append(new)
            for k in new:
                if k not in columns:
                    columns.append(k)
    return rows, columns


def figure(args, stem, rows, columns, y, x, group=None, where=(), bar=False, logx=False,
           logy=False, title=None, xlabel=None, ylabel=None, extra=()):
    """Draw y against x (one series per group value) with plot.py's means, intervals and
    style, into OUT/stem.png and .svg. extra: further series [(label, {x value: y})], such
    as a published model's curve, drawn after ptsim's."""
    col = lambda k: k if k.startswith(sweep.PARAM) else sweep.PARAM + k  # noqa: E731
    data, xs, numeric = plot.series(rows, columns, y, col(x), col(group) if group else None,
                                    [(col(k), str(v)) for k, v in where])
    if extra and not group:
        data = [("ptsim", pts) for _, pts in data]
    for label, pts in extra:
        data.append((label, [(xv, 1, pts[xv], None, None) for xv in xs if xv in pts]))
    outs = [os.path.join(args.out, stem + ext) for ext in (".png", ".svg")]
    ns = argparse.Namespace(bar=bar, logx=logx, logy=logy, title=title,
                            group=group or (extra and "series"), output=outs)
    plot.draw(data, xs, numeric, ns, ylabel or plot.label_of(y), xlabel or plot.label_of(x),
              plot._strip_param(col(group)) if group else "")
    return outs


def table(header, rows, align=None):
    """A Markdown table: header cells, rows of cells, align a string of 'l'/'r' per column."""
    align = align or "l" + "r" * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines


class Report:
    """What run.py prints: the commands, the tables; table.md gets the same text."""

    def __init__(self, args):
        self.args = args
        self.lines = []

    def say(self, *lines):
        for line in lines:
            print(line)
            self.lines.append(line)
        sys.stdout.flush()

    def sweep_line(self, s):
        self.say("%d runs: ptsim sweep %s (%s resolution, %.1f s with -j %d)" % (
            len(s.rows), os.path.relpath(s.path, ROOT), self.args.resolution, s.wall_s,
            self.args.jobs))

    def done(self, figures):
        self.say("", "figures: " + ", ".join(os.path.relpath(f, self.args.out)
                                               for f in figures) +
                 " (in %s)" % self.args.out)
        with open(os.path.join(self.args.out, "table.md"), "w") as f:
            f.write("\n".join(self.lines) + "\n")
        print("%s: %.1f s" % (self.args.name, time.monotonic() - self.args.t0))
