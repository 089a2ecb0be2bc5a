#!/usr/bin/env python3
"""The top-level workload is the shorthand for one VM's own: a scenario whose single VM runs it
as vms[0].workload gives the same results, key for key and value for value (the run's wall
time and config path apart), for each kind a VM runs: stream_rx, stream_tx, nvme.

  vm_workload.py PTSIM
"""
import json
import os
import subprocess
import sys
import re
import tempfile

CASES = [("configs/default.yaml", ["workload.frames=2000"]),
         ("configs/stream_tx.yaml", ["workload.frames=2000"]),
         ("configs/nvme.yaml", ["workload.nvme.ios=2000", "workload.nvme.iodepth=4"])]


def top_block(text, key):
    """(start, end) of the top-level block `key:` of a YAML file: up to the next top-level key."""
    m = re.search(r"^%s:.*$" % key, text, re.M)
    nxt = re.search(r"^[A-Za-z_]", text[m.end():], re.M)
    return m.start(), m.end() + (nxt.start() if nxt else len(text) - m.end())


def move_workload(text):
    """The file with its top-level workload moved into its only VM (vms[0].workload)."""
    a, b = top_block(text, "workload")
    block, text = text[a:b], text[:a] + text[b:]
    _, v = top_block(text, "vms")
    moved = "".join("    " + l if l.strip() else l for l in block.splitlines(True))
    return text[:v] + moved + text[v:]


def flat(d, p=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, p + k + "."))
        else:
            out[p + k] = v
    return out


def run(ptsim, config, sets, d, name):
    js = os.path.join(d, name + ".json")
    cmd = [ptsim, "run", config, "--quiet", "--json", js]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("FAILED: %s exited %d\n%s" % (" ".join(cmd), p.returncode,
                                                     p.stderr[-2000:]))
    with open(js) as f:
        return flat(json.load(f))


def main(argv):
    ptsim = argv[0]
    bad = []
    with tempfile.TemporaryDirectory() as d:
        for config, sets in CASES:
            name = os.path.basename(config)[:-5]
            with open(config) as f:
                text = move_workload(f.read())
            moved = os.path.join(d, name + "-vm.yaml")
            with open(moved, "w") as f:
                f.write(text)
            top = run(ptsim, config, sets, d, name)
            own = run(ptsim, moved, [s.replace("workload.", "vms.0.workload.", 1)
                                     for s in sets], d, name + "-vm")
            diff = sorted(k for k in set(top) | set(own)
                          if k not in ("wall_s", "config") and top.get(k) != own.get(k))
            for k in diff[:10]:
                bad.append("%s: %s is %s with the top-level workload, %s with vms[0]'s"
                           % (name, k, top.get(k, "absent"), own.get(k, "absent")))
            if not diff:
                print("ok   %s: %d keys the same either way" % (name, len(top)))
    for b in bad:
        print("FAILED: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
