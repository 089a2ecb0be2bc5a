#!/usr/bin/env python3
"""Scenario tests: run ptsim on real configs and check the results.

  golden.py PTSIM CONFIG GOLDEN [--update] [--set K=V ...]
      run CONFIG with its seed and compare every result key with GOLDEN (exact, wall time
      aside); --update rewrites GOLDEN instead (a reviewed decision: say why in the commit).
  golden.py PTSIM CONFIG --determinism [--set K=V ...]
      run CONFIG twice with the same seed: the JSON (apart from wall_s), the CSV and the
      trace must be byte-identical; then with another seed the results must differ when the
      config draws random numbers (Poisson arrivals are forced for that run).
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))
import compare  # noqa: E402


def run(ptsim, config, extra, outdir, tag):
    js = os.path.join(outdir, tag + ".json")
    csv = os.path.join(outdir, tag + ".csv")
    tr = os.path.join(outdir, tag + ".trace.json")
    cmd = [ptsim, "run", config, "--quiet", "--json", js, "--csv", csv, "--trace", tr] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("FAILED: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
        sys.exit(1)
    return js, csv, tr


def read(path):
    with open(path, "rb") as f:
        return f.read()


def without_wall(data):
    return re.sub(rb'"wall_s": [^,\n]*', b'"wall_s": X', data)


def csv_without_wall(data):
    lines = data.decode().splitlines()
    head = lines[0].split(",")
    i = head.index("wall_s")
    rows = [l.split(",") for l in lines[1:]]
    for r in rows:
        r[i] = "X"
    return "\n".join([lines[0]] + [",".join(r) for r in rows])


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    ptsim, config = argv[0], argv[1]
    rest = argv[2:]
    sets = []
    i = 0
    flags = []
    while i < len(rest):
        if rest[i] == "--set":
            sets += ["--set", rest[i + 1]]
            i += 2
        else:
            flags.append(rest[i])
            i += 1
    with tempfile.TemporaryDirectory() as d:
        if "--determinism" in flags:
            a = run(ptsim, config, sets, d, "a")
            b = run(ptsim, config, sets, d, "b")
            bad = []
            if without_wall(read(a[0])) != without_wall(read(b[0])):
                bad.append("JSON differs between two runs with the same seed")
            if csv_without_wall(read(a[1])) != csv_without_wall(read(b[1])):
                bad.append("CSV differs between two runs with the same seed")
            if read(a[2]) != read(b[2]):
                bad.append("trace differs between two runs with the same seed")
            pois = sets + ["--set", "workload.arrival=poisson"]
            c = run(ptsim, config, pois + ["--seed", "1"], d, "c")
            e = run(ptsim, config, pois + ["--seed", "2"], d, "e")
            if without_wall(read(c[0])).replace(b'"seed": 1', b'"seed": 2') == \
                    without_wall(read(e[0])):
                bad.append("seeds 1 and 2 gave identical results with Poisson arrivals: "
                           "the seed is not reaching the random streams")
            for m in bad:
                print("FAILED: " + m)
            if not bad:
                print("determinism: same seed, same bytes (JSON, CSV, trace); seeds differ")
            return 1 if bad else 0
        golden = flags[0] if flags else None
        if not golden:
            print(__doc__)
            return 2
        js, _, _ = run(ptsim, config, sets, d, "run")
        if "--update" in flags:
            with open(golden, "wb") as f:
                f.write(read(js))
            print("updated %s" % golden)
            return 0
        if not os.path.exists(golden):
            print("FAILED: no golden file %s (run with --update to create it)" % golden)
            return 1
        return compare.main([golden, js])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
