#!/usr/bin/env python3
"""Per workload kind and interrupt mode, and on bare metal: throughput, latency, exits and
cycles per operation, as one Markdown table made from fresh ptsim runs.

usage: workloads.py [PTSIM] [-j N] [--smoke] [--out DIR] [--kinds K,...] [--modes M,...]
                    [--config KIND=FILE ...] [--set KEY=VALUE ...]

Each kind runs its shipped scenario (KINDS below; --config replaces one): on bare metal first
(`vms: []` with `host.iommu.dma_remapping=false`, Linux's intel_iommu=off, and the VM's
guest kernel, pCPUs and RAM given to the host's kernel: README.md, "Bare metal"), then in
each interrupt mode (`vms.0.interrupt_mode`) with `--baseline` the bare-metal results, so
ptsim itself adds the fractions of bare metal. Every figure is a key of the results JSON
(`ptsim run --json`); none is recomputed here. --set applies to every run (a `vms.0.guest.`,
`vms.0.pcpus` or `vms.0.memory_mib` one to the bare-metal kernel as well); --smoke makes the
runs short (SMOKE below) for tests. The results files and table.md (what was printed) go to
--out (default build/workloads/).

A run ptsim refuses (exit 2: a mode a scenario cannot have) is a row "n/a (ptsim's message)";
a run that fails (exit 1, a signal) a row "failed (...)", and the exit status is then 1. Without
a bare-metal run the modes still run, their fractions "n/a (no bare metal)".
Exit 0 otherwise, 2 on bad usage.
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "reproductions"))
import common  # noqa: E402  (reproductions/common.py: find_ptsim, table)
from compare import flatten  # noqa: E402

MODES = ("emulated", "eli", "vtd_posted")
BARE = "bare metal"
# Each kind: its shipped scenario, the results key of its throughput with the unit to print
# (the JSON's own unit), the operation its per-op figures count, and --smoke's overrides.
KINDS = {
    "stream_rx": {"config": "configs/default.yaml", "throughput": ("throughput_gbps", "Gb/s"),
                  "op": "frame", "smoke": {"workload.frames": 300}},
    "stream_tx": {"config": "configs/eli/guest.yaml",
                  "throughput": ("throughput_gbps", "Gb/s"), "op": "frame",
                  "smoke": {"workload.frames": 300}},
    "rr": {"config": "configs/rr.yaml", "throughput": ("ops_per_s", "transactions/s"),
           "op": "transaction", "smoke": {"workload.rr.transactions": 300}},
    "nvme": {"config": "configs/nvme.yaml", "throughput": ("workload.iops", "IOPS"),
             "op": "request", "smoke": {"workload.nvme.ios": 300}},
}
HEADER = ["kind", "mode", "throughput", "latency mean / p99", "exits/op", "cycles/op",
          "throughput, fraction of bare metal", "cycles/op, fraction of bare metal"]
# What the bare-metal kernel takes from the scenario's first VM (README.md, "Bare metal").
CARRY = {"guest": "kernel", "pcpus": "pcpus", "memory_mib": "ram_mib"}


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ptsim", nargs="?", help="the ptsim binary (default: build/ptsim)")
    ap.add_argument("-j", "--jobs", type=int, default=len(os.sched_getaffinity(0)),
                    help="runs at once (default: the usable cores)")
    ap.add_argument("--smoke", action="store_true", help="short runs (tests)")
    ap.add_argument("--out", help="results directory (default: build/workloads)")
    ap.add_argument("--kinds", default=",".join(KINDS), help="kinds, in order (default: all)")
    ap.add_argument("--modes", default=",".join(MODES),
                    help="interrupt modes, in order (default: %s)" % ",".join(MODES))
    ap.add_argument("--config", action="append", default=[], metavar="KIND=FILE",
                    help="run KIND from FILE instead of its shipped scenario")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a --set for every run")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("-j must be at least 1")
    args.kinds = [k for k in args.kinds.split(",") if k]
    args.modes = [m for m in args.modes.split(",") if m]
    bad = [k for k in args.kinds if k not in KINDS]
    if bad or not args.kinds or not args.modes:
        ap.error("--kinds: one or more of %s" % ", ".join(KINDS))
    args.configs = {k: os.path.join(ROOT, v["config"]) for k, v in KINDS.items()}
    for c in args.config:
        kind, _, path = c.partition("=")
        if kind not in KINDS or not path:
            ap.error("--config %s: KIND=FILE with KIND one of %s" % (c, ", ".join(KINDS)))
        args.configs[kind] = os.path.abspath(path)
    for s in args.set:
        if "=" not in s:
            ap.error("--set %s: KEY=VALUE" % s)
    args.ptsim = common.find_ptsim(args.ptsim)
    args.out = os.path.abspath(args.out or os.path.join(ROOT, "build", "workloads"))
    os.makedirs(args.out, exist_ok=True)
    return args


def load_yaml(path):
    """A scenario as a tree, its `!include`s read (as ptsim reads them: relative to the file)."""
    import yaml  # Debian's python3-yaml

    class Loader(yaml.SafeLoader):
        pass

    def include(loader, node):
        return load_yaml(os.path.join(os.path.dirname(path), loader.construct_scalar(node)))

    Loader.add_constructor("!include", include)
    with open(path) as f:
        return yaml.load(f, Loader=Loader)


def bare_sets(config, user_sets):
    """The --sets that turn a VM scenario into its bare-metal baseline."""
    doc = load_yaml(config) or {}
    vm = (doc.get("vms") or [{}])[0]
    sets = ["vms=[]", "host.iommu.dma_remapping=false"]
    sets += ["baremetal.%s=%s" % (CARRY[k], json.dumps(vm[k])) for k in CARRY if k in vm]
    for s in user_sets:  # the user's own changes to the VM's kernel, after the scenario's
        key, _, val = s.partition("=")
        for k, to in CARRY.items():
            if key == "vms.0." + k or key.startswith("vms.0.%s." % k):
                sets.append("baremetal.%s%s=%s" % (to, key[len("vms.0." + k):], val))
    return sets


class Run:
    """One ptsim run: a kind in a mode (or on bare metal), its results or why there are none."""

    def __init__(self, args, kind, mode):
        self.kind, self.mode = kind, mode
        self.json = os.path.join(args.out, "%s-%s.json" % (kind, mode.replace(" ", "_")))
        sets = ["%s=%s" % kv for kv in KINDS[kind]["smoke"].items()] if args.smoke else []
        sets += args.set
        if mode == BARE:
            sets += bare_sets(args.configs[kind], args.set)
        else:
            sets.append("vms.0.interrupt_mode=%s" % mode)
        self.cmd = [args.ptsim, "run", args.configs[kind], "--quiet", "--json", self.json]
        for s in sets:
            self.cmd += ["--set", s]
        self.results, self.status, self.why = None, None, ""

    def start(self, baseline=None):
        if baseline is not None and baseline.results is not None:
            self.cmd += ["--baseline", baseline.json]
        if os.path.exists(self.json):
            os.unlink(self.json)
        p = subprocess.run(self.cmd, capture_output=True, text=True)
        self.status = p.returncode
        if p.returncode == 0:
            with open(self.json) as f:
                self.results = flatten(json.load(f))
        else:
            self.why = reason(p)
        return self


def reason(p):
    """ptsim's error messages without their positions, or the last line it wrote."""
    errs = [m.group(1) for m in re.finditer(r"error: (.*)", p.stderr)]
    lines = [ln.strip() for ln in p.stderr.splitlines() if ln.strip()]
    why = "; ".join(errs) or (lines[-1] if lines else "")
    if p.returncode < 0:
        why = ("killed by signal %d" % -p.returncode) + (": " + why if why else "")
    return why or "exit %d" % p.returncode


def run_all(args):
    """Bare metal of every kind first, then each kind's modes against its baseline, -j at
    once; the runs in table order."""
    runs = {}
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        bare = {pool.submit(Run(args, k, BARE).start): k for k in args.kinds}
        pending = set(bare)
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for f in done:
                r = f.result()
                runs[(r.kind, r.mode)] = r
                if f in bare:
                    pending |= {pool.submit(Run(args, r.kind, m).start, r) for m in args.modes}
    return [runs[(k, m)] for k in args.kinds for m in list(args.modes) + [BARE]]


def cell(text):
    return str(text).replace("|", "\\|")


def row(r):
    """A run's cells: figures read from its results, or why it has none."""
    label = r.mode if r.mode == BARE else "`%s`" % r.mode
    if r.results is None:
        word = "n/a" if r.status == 2 else "failed"
        return [r.kind, label, "%s (%s)" % (word, cell(r.why))] + [""] * (len(HEADER) - 3)
    v = r.results
    key, unit = KINDS[r.kind]["throughput"]
    tput = ("{:.3f} %s" if unit == "Gb/s" else "{:,.0f} %s") % unit
    tput = tput.format(v[key])
    lat = "{:,.0f} / {:,.0f} ns".format(v["latency_ns.mean"], v["latency_ns.p99"])
    frac = ["1", "1"] if r.mode == BARE else [
        "%.3f" % v[k] if k in v else "n/a (no bare metal)" for k in (
            "fraction_of_bare_metal.throughput", "fraction_of_bare_metal.cycles_per_op")]
    return [r.kind, label, tput, lat, "%.2f" % v["exits_per_op"],
            "{:,.0f}".format(v["cpu.cycles_per_op"])] + frac


def main(argv):
    args = parse_args(argv)
    t0 = time.monotonic()
    runs = run_all(args)
    version = next((r.results["ptsim_version"] for r in runs if r.results), "?")
    lines = ["%d runs of %s (ptsim %s)%s, %.1f s with -j %d" % (
        len(runs), os.path.relpath(args.ptsim, ROOT), version, ", --smoke" if args.smoke else "",
        time.monotonic() - t0, args.jobs), ""]
    lines += common.table(HEADER, [row(r) for r in runs], "llrlrrrr")
    lines += [""] + ["%s: %s, per %s; throughput `%s`" % (
        k, os.path.relpath(args.configs[k], ROOT), KINDS[k]["op"], KINDS[k]["throughput"][0])
        for k in args.kinds]
    lines.append("latency `latency_ns.{mean,p99}`, exits/op `exits_per_op`, cycles/op "
                 "`cpu.cycles_per_op`, fractions `fraction_of_bare_metal.*` (bare metal: "
                 "`vms=[]`, `host.iommu.dma_remapping=false`)")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(text)
    return 1 if any(r.results is None and r.status != 2 for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
