#!/usr/bin/env python3
"""Run a small grid with `ptsim run` and write it as `ptsim sweep` does (CSV and JSON lines).

usage: make_sweep_csv.py PTSIM CONFIG OUT.csv [--jsonl OUT.jsonl] [--seeds 1,2,3]
                         [--set KEY=VALUE ...] PARAM=V1,V2,... [PARAM=...]

Each PARAM=V1,V2 is varied (the cartesian product of them all), each point run once per seed
with `ptsim run CONFIG --set PARAM=V ... --seed S --json F`; --set fixes a key for every run.
Rows: `point` (a hash of the config, its settings and the seed: this script cannot resolve
the config as the sweep command does), `seed`, `param.<key>` for each varied key, then every
result key flattened with dots, in the results JSON's order (a key only some runs have: an
empty cell in the others). The test fixture until `ptsim sweep` writes sweeps itself.
"""
import csv
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import compare  # noqa: E402


def cell(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return json.dumps(v)


def run(ptsim, config, sets, seed):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [ptsim, "run", config, "--quiet", "--seed", str(seed), "--json", out]
        for k, v in sets:
            cmd += ["--set", "%s=%s" % (k, v)]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if p.returncode:
            raise SystemExit("make_sweep_csv.py: failed: %s\n%s" % (" ".join(cmd), p.stderr))
        with open(out) as f:
            return compare.flatten(json.load(f))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ptsim, config, out_csv = argv[:3]
    jsonl, seeds, fixed, grid = None, [1, 2, 3], [], []
    it = iter(argv[3:])
    for a in it:
        if a == "--jsonl":
            jsonl = next(it)
        elif a == "--seeds":
            seeds = [int(s) for s in next(it).split(",")]
        elif a == "--set":
            k, v = next(it).split("=", 1)
            fixed.append((k, v))
        elif "=" in a:
            k, v = a.split("=", 1)
            grid.append((k, v.split(",")))
        else:
            print("make_sweep_csv.py: what is '%s'?" % a, file=sys.stderr)
            return 2
    runs = []
    for values in itertools.product(*[vs for _, vs in grid]):
        point = list(zip([k for k, _ in grid], values))
        for seed in seeds:
            runs.append((point, seed))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda r: run(ptsim, config, fixed + r[0], r[1]), runs))
    keys = {}
    for res in results:
        keys.update(dict.fromkeys(res))
    header = ["point", "seed"] + ["param." + k for k, _ in grid]
    header += [k for k in keys if k not in header]  # the results' own `seed` is the sweep's
    rows = []
    for (point, seed), res in zip(runs, results):
        h = hashlib.sha256(json.dumps([config, fixed, point, seed]).encode()).hexdigest()[:16]
        row = {"point": h, "seed": str(seed)}
        row.update({"param." + k: v for k, v in point})
        row.update({k: cell(v) for k, v in res.items()})
        rows.append(row)
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([row.get(c, "") for c in header])
    if jsonl:
        with open(jsonl, "w") as f:
            for (point, seed), res, row in zip(runs, results, rows):
                obj = {"point": row["point"], "seed": seed}
                obj.update({"param." + k: v for k, v in point})
                obj.update(res)
                f.write(json.dumps(obj) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
