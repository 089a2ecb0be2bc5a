"""What the scenario checks share: one `ptsim run` to a JSON file, its flattened keys, and a
set of golden cases compared key by key (exact; wall time aside) or rewritten with --update."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import compare  # noqa: E402


def run(ptsim, config, sets, d, tag="r"):
    """Run CONFIG with --set SETS; the results JSON's path in D (exits on failure)."""
    out = os.path.join(d, tag + ".json")
    cmd = [ptsim, "run", config, "--quiet", "--json", out]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        raise SystemExit("FAILED to run: %s\n%s" % (" ".join(cmd), p.stderr))
    return out


def flat(path):
    with open(path) as f:
        return compare.flatten(json.load(f))


def goldens(ptsim, d, update, cases, golden_dir):
    """Run each (name, config, sets) of CASES against GOLDEN_DIR/name.json; the failures."""
    bad = 0
    os.makedirs(golden_dir, exist_ok=True)
    for name, config, sets in cases:
        got = run(ptsim, config, sets, d, name)
        gold = os.path.join(golden_dir, name + ".json")
        if update:
            with open(got) as f, open(gold, "w") as g:
                g.write(f.read())
            print("updated %s" % os.path.relpath(gold, ROOT))
            continue
        if not os.path.exists(gold):
            print("FAILED: no golden %s (run with --update)" % gold)
            bad += 1
            continue
        with open(gold) as f:
            a = json.load(f)
        with open(got) as f:
            b = json.load(f)
        diffs = compare.compare(a, b, {}, {}, set(), [])
        if diffs:
            bad += 1
            print("FAILED golden %s: %d differences" % (name, len(diffs)))
            for x in diffs[:20]:
                print("     " + x)
    return bad
