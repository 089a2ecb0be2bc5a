#!/usr/bin/env python3
"""Regression baselines: exits per interrupt, exits by reason and interrupt latency for each
interrupt delivery mode on a reference scenario, with the vCPU running and halted
(modes.json); what each DMA protection strategy costs and leaves exposed (strategies.json).

  check.py PTSIM [BASELINES.json] [--update] [--only NAME]

A baselines file may name the keys it pins ("pinned": exact keys, or prefixes ending in '.')
and the keys its ok line shows ("show"); modes.json uses the defaults below.

Each case runs `ptsim run CONFIG --set ...` and compares the pinned keys with the recorded
values: counts must be equal, latencies may move by the case's stated relative tolerance.
A value outside its tolerance fails with a line saying what moved and by how much.
--update re-records the values (a reviewed decision: say why in the commit message).
The same comparison for any two results files: analysis/compare.py A.json B.json --tol ...
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))
import compare  # noqa: E402

PINNED = ["exits_per_interrupt", "interrupt_exits_per_interrupt", "exits.total",
          "exits.interrupt_related", "exits.by_reason.", "interrupts.delivered",
          "interrupts.by_path.", "interrupts.latency_ns.mean", "interrupts.latency_ns.p50",
          "interrupts.latency_ns.p99", "vm.wakeups", "vm.posted_wakeups",
          "workload.frames_received", "interrupts.intx.",
          "interrupts.posted_notifications", "interrupts.posted_suppressed",
          "vm.halt_polls_won", "vm.pi_sn_sets", "vm.pi_on_at_resume", "sched.", "vms."]


SHOW = ["exits_per_interrupt", "interrupts.latency_ns.mean"]


def pinned(flat, keys=None):
    out = {}
    for k, v in flat.items():
        if any(k == p or (p.endswith(".") and k.startswith(p)) for p in (keys or PINNED)):
            out[k] = v
    return out


def nest(flat):
    root = {}
    for k, v in sorted(flat.items()):
        d = root
        parts = k.split(".")
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v
    return root


def run(ptsim, case, d):
    out = os.path.join(d, "r.json")
    cmd = [ptsim, "run", case["config"], "--quiet", "--json", out]
    for s in case["set"]:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("FAILED to run %s: %s\n%s" % (case["name"], " ".join(cmd), p.stderr))
    with open(out) as f:
        return compare.flatten(json.load(f))


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    ptsim = argv[0]
    path = os.path.join(HERE, "modes.json")
    rest = argv[1:]
    if rest and rest[0].endswith(".json"):
        path, rest = rest[0], rest[1:]
    only = rest[rest.index("--only") + 1] if "--only" in rest else None
    with open(path) as f:
        doc = json.load(f)
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for case in doc["cases"]:
            if only and case["name"] != only:
                continue
            got = pinned(run(ptsim, case, d), doc.get("pinned"))
            if "--update" in rest:
                case["expect"] = nest(got)
                continue
            tol = dict(doc.get("tolerance", {}))
            tol.update(case.get("tolerance", {}))
            diffs = compare.compare(case["expect"], nest(got), tol, {}, set(), [])
            if diffs:
                failed += 1
                print("FAIL %s (%s)" % (case["name"], case["description"]))
                for x in diffs:
                    print("     " + x)
            else:
                e = compare.flatten(case["expect"])
                print("ok   %-26s %s" % (case["name"], ", ".join(
                    "%s %.6g" % (k, e[k]) for k in doc.get("show", SHOW) if k in e)))
    if "--update" in rest:
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print("updated %s" % path)
        return 0
    if failed:
        print("%d baseline%s moved beyond tolerance" % (failed, "" if failed == 1 else "s"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
