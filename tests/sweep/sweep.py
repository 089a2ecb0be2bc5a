#!/usr/bin/env python3
"""`ptsim sweep` on one machine: expansion, hashing, rows, resume, shards and merge.

    sweep.py PTSIM [SECTION ...]      sections: expand hash rows keep resume interrupt shard

- expand: the runs of a product of a list, a zip of a linear and a log range (rounded) and a
  log range by factor, with seeds, against the same expansion computed here; linear `points`;
- hash: a run's point is the same however its config is reached (a parameter or a fixed
  `set`), differs with the seed and with the base scenario, and is stable;
- rows: each CSV row and JSON line holds every result key `ptsim run` gives for that point
  (flattened with dots, equal values but wall_s), plus point, seed and param.*; the CSV's
  columns are the JSON keys; `keep` keeps only what it names;
- resume: a sweep killed (SIGKILL) after some runs resumes from its journal, skipping them
  (their rows come back byte for byte), and ends equal to an uninterrupted run; a torn last
  journal line is ignored; Ctrl-C (SIGINT) exits 130 with the finished rows in both outputs;
- shard: shards (3 and 2) merged give the local run's CSV and JSON lines (wall_s aside); a
  merge with a shard missing fails and writes nothing.
"""
import csv
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT = os.path.join(ROOT, "configs", "default.yaml")
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def ptsim(*args, ok=True, **kw):
    p = subprocess.run([PTSIM] + list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, **kw)
    if ok and p.returncode:
        raise SystemExit("FAIL: ptsim %s: exit %d\n%s%s" % (" ".join(args), p.returncode,
                                                            p.stdout, p.stderr))
    return p


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def list_runs(sweep):
    """The runs --list prints: (index, point, seed, {key: value})."""
    runs = []
    for line in ptsim("sweep", sweep, "--list").stdout.splitlines():
        m = re.match(r"(\d+) ([0-9a-f]{16}) seed=(\d+) (.*)$", line)
        check(m is not None, "--list line %r" % line)
        vals = dict(kv.split("=", 1) for kv in m.group(4).split(", "))
        runs.append((int(m.group(1)), m.group(2), int(m.group(3)), vals))
    return runs


def g(x):
    """%.12g, as ptsim writes range values."""
    s = "%.12g" % x
    return s


def without(rows, col="wall_s"):
    i = rows[0].index(col)
    return [[c for k, c in enumerate(r) if k != i] for r in rows]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def jsonl_without_wall(path):
    out = []
    for line in open(path):
        o = json.loads(line)
        o.pop("wall_s", None)
        out.append(json.dumps(o))
    return out


def flatten(o, prefix=""):
    out = {}
    for k, v in o.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


# ---- expansion ----

def test_expand(d):
    sweep = write(d, "expand.yaml", """\
scenario: {base}
set: [workload.frames=40]
parameters:
  - key: vms.0.interrupt_mode
    values: [emulated, "eli"]
  - zip:
      - key: workload.rate_gbps
        range: {{from: 0.5, to: 1.5, step: 0.5}}
      - key: machine.iommu.iotlb.entries
        range: {{from: 16, to: 64, log: true, points: 3, round: true}}
  - key: vms.0.halt_poll_ns
    range: {{from: 1000, to: 200000, log: true, factor: 10}}
seeds: 2
first_seed: 5
""".format(base=DEFAULT))
    modes = ["emulated", "eli"]
    rates = [g(0.5 + i * 0.5) for i in range(3)]
    entries = [g(round(16 * (64 / 16) ** (i / 2))) for i in range(3)]
    polls = [g(1000 * 10 ** i) for i in range(3)]  # 1e6 would pass 200000
    want = []
    for m in modes:  # the first parameter varies slowest
        for z in range(3):
            for hp in polls:
                for s in (5, 6):
                    want.append(({"vms.0.interrupt_mode": m, "workload.rate_gbps": rates[z],
                                  "machine.iommu.iotlb.entries": entries[z],
                                  "vms.0.halt_poll_ns": hp}, s))
    runs = list_runs(sweep)
    got = [(v, s) for _, _, s, v in runs]
    check(got == want, "expand: product x zip x log ranges: got %d runs %s..., want %d %s..."
          % (len(got), got[:2], len(want), want[:2]))
    check(entries == ["16", "32", "64"] and polls == ["1000", "10000", "100000"],
          "expand: the expected ranges themselves")
    p = ptsim("check", sweep)
    check("2 x 3 x 3 = " not in p.stdout and "18 points x 2 seeds = 36 runs" in p.stdout,
          "expand: check's count: " + p.stdout.strip())

    lin = write(d, "lin.yaml", """\
scenario: {base}
parameters:
  - key: workload.rate_gbps
    range: {{from: 0.2, to: 1, points: 5}}
  - key: vms.0.halt_poll_ns
    range: {{from: 1, to: 100, log: true, points: 3}}
""".format(base=DEFAULT))
    got = [(v["workload.rate_gbps"], v["vms.0.halt_poll_ns"]) for _, _, _, v in list_runs(lin)]
    want = [(r, h) for r in ["0.2", "0.4", "0.6", "0.8", "1"] for h in ["1", "10", "100"]]
    check(got == want, "expand: linear points and log points: %s" % got)
    print("ok   expand", flush=True)


# ---- hashing ----

def test_hash(d):
    a = write(d, "ha.yaml", """\
scenario: {base}
set: [workload.frames=40]
parameters:
  - key: vms.0.interrupt_mode
    values: [emulated, eli, vtd_posted]
seeds: 2
""".format(base=DEFAULT))
    b = write(d, "hb.yaml", """\
scenario: {base}
set: [workload.frames=40, vms.0.interrupt_mode=eli]
parameters:
  - key: workload.rate_gbps
    values: [1]
seeds: 2
""".format(base=DEFAULT))
    c = write(d, "hc.yaml", """\
scenario: {base}
set: [workload.frames=41]
parameters:
  - key: vms.0.interrupt_mode
    values: [emulated, eli, vtd_posted]
seeds: 2
""".format(base=DEFAULT))
    ra, rb, rc = list_runs(a), list_runs(b), list_runs(c)
    hashes = [r[1] for r in ra]
    check(len(set(hashes)) == len(hashes), "hash: every run its own point")
    check(hashes == [r[1] for r in list_runs(a)], "hash: stable from one listing to the next")
    check(ra[0][2] == 1 and ra[1][2] == 2, "hash: seeds start at the scenario's seed (1)")
    # workload.rate_gbps=1 is default.yaml's own value: the same resolved config as a's eli
    eli = [r for r in ra if r[3]["vms.0.interrupt_mode"] == "eli"]
    check([r[1] for r in rb] == [r[1] for r in eli],
          "hash: the same config reached by `set` and a parameter has the same point "
          "(%s vs %s)" % ([r[1] for r in rb], [r[1] for r in eli]))
    check(not set(hashes) & set(r[1] for r in rc), "hash: another base config, other points")
    print("ok   hash", flush=True)


# ---- rows ----

def test_rows(d):
    sweep = write(d, "rows.yaml", """\
scenario: {base}
set: [workload.frames=40]
parameters:
  - key: vms.0.interrupt_mode
    values: [emulated, vtd_posted]
  - key: vms.0.dma.strategy
    values: [direct_map, single_use]
""".format(base=DEFAULT))
    csvp, jsp = os.path.join(d, "rows.csv"), os.path.join(d, "rows.jsonl")
    ptsim("sweep", sweep, "-j", "2", "--csv", csvp, "--json", jsp)
    rows = read_csv(csvp)
    lines = [json.loads(x) for x in open(jsp)]
    check(len(rows) == 5 and len(lines) == 4, "rows: 4 runs, 4 CSV rows and 4 JSON lines")
    header = rows[0]
    check(header[:4] == ["point", "seed", "param.vms.0.interrupt_mode",
                         "param.vms.0.dma.strategy"], "rows: the first columns: %s" % header[:4])
    union = []
    for o in lines:
        for k in o:
            if k not in union:
                union.append(k)
    check(sorted(header) == sorted(union), "rows: the CSV's columns are the JSON lines' keys")
    for i, o in enumerate(lines):
        mode, strat = o["param.vms.0.interrupt_mode"], o["param.vms.0.dma.strategy"]
        out = os.path.join(d, "one.json")
        ptsim("run", DEFAULT, "--quiet", "--set", "workload.frames=40", "--set",
              "vms.0.interrupt_mode=" + mode, "--set", "vms.0.dma.strategy=" + strat,
              "--seed", str(o["seed"]), "--json", out)
        ref = flatten(json.load(open(out)))
        missing = [k for k in ref if k != "seed" and k not in o]
        extra = [k for k in o if k not in ref and k not in ("point",) and
                 not k.startswith("param.")]
        differ = [k for k in ref if k not in ("wall_s", "seed") and k in o and o[k] != ref[k]]
        check(not missing, "rows: run %d lacks %d result keys of ptsim run: %s" % (
            i, len(missing), missing[:5]))
        check(not extra, "rows: run %d has keys ptsim run does not: %s" % (i, extra[:5]))
        check(not differ, "rows: run %d differs from ptsim run at %s" % (i, differ[:5]))
        check(o["seed"] == ref["seed"], "rows: the seed column is the run's seed")
        cells = dict(zip(header, rows[i + 1]))
        bad = [k for k, v in o.items()
               if cells.get(k) != (v if isinstance(v, str) else json.dumps(v)) and
               not (isinstance(v, float) and float(cells.get(k, "nan")) == v)]
        check(not bad, "rows: CSV row %d and JSON line %d disagree at %s" % (i, i, bad[:5]))
    print("ok   rows (%d columns)" % len(header), flush=True)


def test_keep(d):
    sweep = write(d, "keep.yaml", """\
scenario: {base}
set: [workload.frames=40]
parameters:
  - key: vms.0.interrupt_mode
    values: [emulated, eli]
keep: [throughput_gbps, iotlb, "exits.by_reason.*"]
""".format(base=DEFAULT))
    jsp = os.path.join(d, "keep.jsonl")
    ptsim("sweep", sweep, "--csv", os.path.join(d, "keep.csv"), "--json", jsp)
    for line in open(jsp):
        keys = list(json.loads(line))
        fixed = keys[:3]
        rest = keys[3:]
        check(fixed == ["point", "seed", "param.vms.0.interrupt_mode"], "keep: fixed columns")
        check(rest and all(k == "throughput_gbps" or k.startswith("iotlb.") or
                           k.startswith("exits.by_reason.") for k in rest),
              "keep: only the kept keys: %s" % rest)
        check("iotlb.hits" in rest and "exits.by_reason.hlt" in rest,
              "keep: a group and a glob keep their keys")
    print("ok   keep", flush=True)


# ---- resume ----

RESUME = """\
scenario: {base}
set: [workload.frames={frames}]
parameters:
  - key: vms.0.interrupt_mode
    values: [emulated, eoi_passthrough, eli, cpu_posted, vtd_posted]
  - key: workload.rate_gbps
    values: [1, 2]
"""


def wait_for_rows(path, n, proc, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and sum(1 for _ in open(path)) >= n:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def test_resume(d):
    sweep = write(d, "resume.yaml", RESUME.format(base=DEFAULT, frames=1500))
    ref_csv, ref_js = os.path.join(d, "ref.csv"), os.path.join(d, "ref.jsonl")
    ptsim("sweep", sweep, "-j", "2", "--csv", ref_csv, "--json", ref_js)
    csvp, jsp = os.path.join(d, "r.csv"), os.path.join(d, "r.jsonl")
    journal = jsp + ".partial"
    p = subprocess.Popen([PTSIM, "sweep", sweep, "-j", "1", "--csv", csvp, "--json", jsp],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    got = wait_for_rows(journal, 2, p)
    p.kill()
    p.wait()
    check(got, "resume: the journal never had 2 rows before the sweep ended")
    check(not os.path.exists(csvp) and not os.path.exists(jsp),
          "resume: a killed sweep wrote no final output")
    before = open(journal).read().splitlines()
    time.sleep(0.3)  # the child in flight ends with its parent (PDEATHSIG)
    ps = subprocess.run(["pgrep", "-f", "sweep " + re.escape(sweep)], capture_output=True,
                        text=True).stdout.split()
    check(not ps, "resume: processes of the killed sweep are left: %s" % ps)
    with open(journal, "a") as f:
        f.write('{"point":"0123456789abcdef","seed":1,"param.vms.0.inter')  # a torn line
    r = ptsim("sweep", sweep, "-j", "2", "--csv", csvp, "--json", jsp)
    m = re.search(r"10 runs \((\d+) done before\)", r.stdout)
    check(m and int(m.group(1)) == len(before),
          "resume: %d rows were done, the rerun says %r" % (len(before), r.stdout.strip()))
    final = open(jsp).read().splitlines()
    check(all(line in final for line in before),
          "resume: the rows of the first attempt come back byte for byte (not run again)")
    check(without(read_csv(csvp)) == without(read_csv(ref_csv)),
          "resume: the resumed CSV equals an uninterrupted run's (wall_s aside)")
    check(jsonl_without_wall(jsp) == jsonl_without_wall(ref_js),
          "resume: the resumed JSON lines equal an uninterrupted run's (wall_s aside)")
    check(not os.path.exists(journal), "resume: the journal is gone once the sweep is done")
    r = ptsim("sweep", sweep, "--csv", csvp, "--json", jsp)
    check("(10 done before)" in r.stdout, "resume: a finished sweep runs nothing again")
    print("ok   resume (killed after %d runs)" % len(before), flush=True)


def test_interrupt(d):
    sweep = write(d, "intr.yaml", RESUME.format(base=DEFAULT, frames=1500))
    csvp, jsp = os.path.join(d, "i.csv"), os.path.join(d, "i.jsonl")
    p = subprocess.Popen([PTSIM, "sweep", sweep, "-j", "1", "--csv", csvp, "--json", jsp],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = wait_for_rows(jsp + ".partial", 1, p)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    check(got, "interrupt: no row before the sweep ended")
    check(p.returncode == 130, "interrupt: Ctrl-C exits 130, not %d" % p.returncode)
    check("interrupted" in err and "the same command resumes" in err,
          "interrupt: says so: %r" % err)
    n_js = sum(1 for _ in open(jsp)) if os.path.exists(jsp) else -1
    n_csv = len(read_csv(csvp)) - 1 if os.path.exists(csvp) else -1
    check(n_js >= 1 and n_js == n_csv and n_js < 10,
          "interrupt: the finished rows are in both outputs (%d, %d)" % (n_js, n_csv))
    check(not os.path.exists(jsp + ".partial"), "interrupt: no journal left after Ctrl-C")
    check(not [f for f in os.listdir(d) if f.startswith(".") or "tmp" in f],
          "interrupt: no temporary left: %s" % os.listdir(d))
    r = ptsim("sweep", sweep, "-j", "2", "--csv", csvp, "--json", jsp)
    check("(%d done before)" % n_js in r.stdout, "interrupt: resumes: %r" % r.stdout)
    check(len(read_csv(csvp)) == 11, "interrupt: all 10 rows after resuming")
    print("ok   interrupt (%d of 10 rows saved)" % n_js, flush=True)


# ---- shards ----

def test_shard(d):
    sweep = write(d, "shard.yaml", RESUME.format(base=DEFAULT, frames=40) + "seeds: 2\n")
    ref_csv, ref_js = os.path.join(d, "l.csv"), os.path.join(d, "l.jsonl")
    ptsim("sweep", sweep, "-j", "2", "--csv", ref_csv, "--json", ref_js)
    for n in (3, 2):
        out = os.path.join(d, "s%d" % n)
        os.makedirs(out)
        csvp, jsp = os.path.join(out, "m.csv"), os.path.join(out, "m.jsonl")
        counts = []
        for i in range(n):
            r = ptsim("sweep", sweep, "--shard", "%d/%d" % (i, n), "-j", "2", "--csv", csvp,
                      "--json", jsp)
            counts.append(int(re.search(r"(\d+) runs", r.stdout).group(1)))
        check(sum(counts) == 20 and max(counts) - min(counts) <= 1,
              "shard: %d shards share the 20 runs evenly: %s" % (n, counts))
        ptsim("sweep", sweep, "--merge", "--csv", csvp, "--json", jsp)
        check(without(read_csv(csvp)) == without(read_csv(ref_csv)),
              "shard: %d shards merged give the local CSV (wall_s aside)" % n)
        check(jsonl_without_wall(jsp) == jsonl_without_wall(ref_js),
              "shard: %d shards merged give the local JSON lines (wall_s aside)" % n)
        if n == 3:
            os.unlink(os.path.join(out, "m.shard-1-of-3.jsonl"))
            os.unlink(csvp)
            r = ptsim("sweep", sweep, "--merge", "--csv", csvp, "--json", jsp, ok=False)
            check(r.returncode == 1 and "cannot merge" in r.stderr and
                  "no output from shard 1" in r.stderr,
                  "shard: a merge with shard 1 missing fails: %d %r" % (r.returncode, r.stderr))
            check(not os.path.exists(csvp), "shard: a failed merge writes nothing")
    print("ok   shard", flush=True)


SECTIONS = {"expand": test_expand, "hash": test_hash, "rows": test_rows, "keep": test_keep,
            "resume": test_resume, "interrupt": test_interrupt, "shard": test_shard}


def main(argv):
    global PTSIM
    PTSIM = os.path.abspath(argv[1])
    names = argv[2:] or list(SECTIONS)
    d = tempfile.mkdtemp(prefix="ptsim-sweep-")
    try:
        for name in names:
            sub = os.path.join(d, name)
            os.makedirs(sub)
            SECTIONS[name](sub)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if FAILS:
        raise SystemExit("%d checks failed" % len(FAILS))
    print("ok: " + " ".join(names))


if __name__ == "__main__":
    main(sys.argv)
