#!/usr/bin/env python3
"""Do two ptsim builds simulate the same thing? For refactors and speed work.

  same_results.py OLD_PTSIM NEW_PTSIM [-k PATTERN] [--keep DIR] [--ignore-events] [--by-key]

Runs every case below with both binaries (from the source tree: the configs are read from
configs/) and compares what each writes: the results JSON and CSV (byte for byte after
masking wall_s; `events` and `window.events` too with --ignore-events), the Perfetto trace,
the summary a person reads, and the outputs of survey, lspci, acpi and check --schema.
Prints one line per case and the first differing lines of anything that differs; exit 1 if
anything differs. -k runs only the cases whose name contains PATTERN. --by-key compares the
JSON and CSV key by key instead of byte for byte: every old key must keep its value, keys may
move, and keys the new build adds are listed (once) but are not differences.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

D = "configs/default.yaml"
HOG = "vms.1={name: vm1, memory_mib: 256, pcpus: [1], guest: {task: cpu_hog}}"
HALT = ["workload.guest_idle=halt", "vms.0.halt_poll_ns=0"]


def run_cases():
    """(name, config, sets, trace?) for `ptsim run`."""
    cases = []
    for mode in ("emulated", "eoi_passthrough", "eli", "cpu_posted", "vtd_posted"):
        base = ["vms.0.interrupt_mode=" + mode, "workload.frames=2000"]
        cases.append((mode + "/busy", D, base, mode == "vtd_posted"))
        cases.append((mode + "/halted", D, base + HALT, mode == "emulated"))
        cases.append((mode + "/intx", D, base + ["vms.0.guest.ptnic.intx=true"], False))
    cases += [
        ("default", D, [], False),
        ("emulated/halt-poll", D, ["workload.frames=2000", "workload.guest_idle=halt",
                                   "vms.0.halt_poll_ns=200000"], False),
        ("emulated/no-ir", D, ["machine.iommu.interrupt_remapping=false",
                               "workload.frames=2000"], False),
        ("cpu_posted/remote", D, ["vms.0.interrupt_mode=cpu_posted", "vms.0.host_irq_pcpu=0",
                                  "workload.frames=2000"], False),
        ("overcommit/emulated", D, ["workload.frames=2000", HOG] + HALT, True),
        ("overcommit/vtd_posted", D, ["vms.0.interrupt_mode=vtd_posted",
                                      "workload.frames=2000", HOG], False),
        ("overcommit/vtd_posted-halted", D, ["vms.0.interrupt_mode=vtd_posted",
                                             "workload.frames=2000", HOG] + HALT, False),
        ("overcommit/no-wakeup-preempt", D, ["vms.0.interrupt_mode=vtd_posted",
                                             "workload.frames=500", HOG,
                                             "host.sched.wakeup_preempt=false"], False),
        ("rate/9gbps", D, ["workload.frames=3000", "workload.rate_gbps=9"], False),
        ("rate/9.9gbps-posted", D, ["workload.frames=3000", "workload.rate_gbps=9.9",
                                    "vms.0.interrupt_mode=vtd_posted"], False),
        ("poisson", D, ["workload.frames=2000", "workload.arrival=poisson"], False),
        ("poisson/seed7", D, ["workload.frames=2000", "workload.arrival=poisson",
                              "seed=7"], False),
        ("itr", D, ["workload.frames=2000", "vms.0.guest.ptnic.itr=500",
                    "workload.rate_gbps=5"], False),
        ("xapic", D, ["workload.frames=1000", "vms.0.guest.apic=xapic"], False),
        ("pci-conf-io", D, ["workload.frames=500", "vms.0.guest.pci_config=io"], False),
        ("small-ring", D, ["workload.frames=2000", "vms.0.guest.ptnic.ring_size=32",
                           "workload.rate_gbps=9"], False),
        ("superpages", D, ["workload.frames=1000", "machine.iommu.superpages=true"], False),
        ("legacy-mode", D, ["workload.frames=1000", "host.iommu.scalable_mode=false"], False),
        ("no-iommu", D, ["workload.frames=1000", "machine.iommu.enabled=false",
                         "vms.0.dma.strategy=none"], False),
        ("vtd_units", "configs/vtd_units.yaml", [], True),
        ("dma_bench", "configs/dma_bench.yaml", [], False),
        ("dma_bench/2m", "configs/dma_bench.yaml", ["workload.page_kib=2048",
                                                    "workload.window_kib=65536"], False),
        ("dma_bench/64m-4k", "configs/dma_bench.yaml", ["workload.window_kib=65536",
                                                        "workload.reads=5000"], False),
        ("dma_bench/serial", "configs/dma_bench.yaml", ["workload.outstanding=1",
                                                        "workload.reads=2000"], False),
    ]
    for f in sorted(os.listdir(os.path.join(ROOT, "configs/teaching"))):
        if f.startswith("irq-") and f.endswith(".yaml"):
            cases.append(("teaching/" + f[:-5], "configs/teaching/" + f,
                          ["workload.frames=1000"], False))
    return cases


def other_cases():
    """(name, argv) for the inspection commands; stdout is compared."""
    cases = []
    for m in ("server-2s", "workstation-noacs", "legacy-io"):
        p = "configs/machines/%s.yaml" % m
        cases += [("survey/" + m, ["survey", p, "--json"]),
                  ("survey-text/" + m, ["survey", p]),
                  ("lspci/" + m, ["lspci", p]),
                  ("lspci-t/" + m, ["lspci", p, "-t"]),
                  ("lspci-xxxx/" + m, ["lspci", p, "-xxxx"])]
    cases += [("survey-force/workstation-noacs",
               ["survey", "configs/machines/workstation-noacs.yaml", "--force"]),
              ("survey/default", ["survey", D]),
              ("lspci-xxx/vtd_units", ["lspci", "configs/vtd_units.yaml", "-xxx"]),
              ("check/default", ["check", D]),
              ("check/server-2s", ["check", "configs/machines/server-2s.yaml"])]
    return cases


def mask(data, ignore_events):
    data = re.sub(rb'"wall_s": [^,\n]*', b'"wall_s": 0', data)
    data = re.sub(rb"in [0-9.]+ s of wall time", b"in X s of wall time", data)
    if ignore_events:
        data = re.sub(rb'"events": [0-9]+', b'"events": 0', data)
        data = re.sub(rb"\([0-9]+ engine events\)", b"(X engine events)", data)
    return data


def mask_csv(data, ignore_events):
    lines = data.decode().splitlines()
    if not lines:
        return data
    head = lines[0].split(",")
    drop = {"wall_s"} | ({"events", "window.events"} if ignore_events else set())
    idx = [i for i, h in enumerate(head) if h in drop]
    out = [lines[0]]
    for line in lines[1:]:
        row = line.split(",")
        for i in idx:
            if i < len(row):
                row[i] = "X"
        out.append(",".join(row))
    return ("\n".join(out)).encode()


def flatten(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, prefix + k + ".", out)
    else:
        out[prefix[:-1]] = obj
    return out


NEW_KEYS = set()


def by_key(old, new, ignore_events, csv):
    """Old keys whose value moved or vanished, as text lines; new keys are remembered."""
    if csv:
        def rows(data):
            lines = data.decode().splitlines()
            return dict(zip(lines[0].split(","), lines[1].split(","))) if len(lines) > 1 else {}
        a, b = rows(old), rows(new)
    else:
        a, b = flatten(json.loads(old)), flatten(json.loads(new))
    skip = {"wall_s"} | ({"events", "window.events"} if ignore_events else set())
    out = []
    for k, v in a.items():
        if k in skip:
            continue
        if k not in b:
            out.append("%s: missing (was %r)" % (k, v))
        elif b[k] != v:
            out.append("%s: %r -> %r" % (k, v, b[k]))
    NEW_KEYS.update(k for k in b if k not in a)
    return out


def show_diff(what, a, b, limit=12):
    al = a.decode(errors="replace").splitlines()
    bl = b.decode(errors="replace").splitlines()
    d = list(difflib.unified_diff(al, bl, "old", "new", lineterm="", n=1))
    print("    %s differs:" % what)
    for line in d[2:2 + limit]:
        print("      " + line[:160])


def run(ptsim, argv, out):
    p = subprocess.run([ptsim] + argv, cwd=ROOT, capture_output=True)
    with open(out + ".stdout", "wb") as f:
        f.write(p.stdout)
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("-k", default="")
    ap.add_argument("--keep")
    ap.add_argument("--by-key", action="store_true",
                    help="JSON and CSV: same value for every old key; order and new keys free")
    ap.add_argument("--ignore-events", action="store_true",
                    help="events and window.events may differ (engine work, not behaviour)")
    a = ap.parse_args()
    old, new = os.path.abspath(a.old), os.path.abspath(a.new)
    tmp = a.keep or tempfile.mkdtemp(prefix="same_results.")
    bad = 0
    n = 0
    for name, cfg, sets, trace in run_cases():
        if a.k not in name:
            continue
        n += 1
        outs = {}
        for tag, exe in (("old", old), ("new", new)):
            base = os.path.join(tmp, name.replace("/", "_") + "." + tag)
            argv = ["run", cfg, "--json", base + ".json", "--csv", base + ".csv"]
            if trace:
                argv += ["--trace", base + ".trace"]
            for s in sets:
                argv += ["--set", s]
            p = run(exe, argv, base)
            outs[tag] = (p, base)
        (po, bo), (pn, bn) = outs["old"], outs["new"]
        diffs = []
        if po.returncode != pn.returncode:
            diffs.append(("exit status", str(po.returncode).encode(), str(pn.returncode).encode()))
        for ext, fn in ((".json", mask), (".csv", mask_csv), (".stdout", mask)):
            try:
                xo = fn(open(bo + ext, "rb").read(), a.ignore_events)
                xn = fn(open(bn + ext, "rb").read(), a.ignore_events)
            except OSError as e:
                diffs.append((ext, b"", str(e).encode()))
                continue
            if a.by_key and ext in (".json", ".csv"):
                moved = by_key(xo, xn, a.ignore_events, ext == ".csv")
                if moved:
                    diffs.append((ext + " (by key)", b"", "\n".join(moved).encode()))
            elif xo != xn:
                diffs.append((ext, xo, xn))
        if trace and open(bo + ".trace", "rb").read() != open(bn + ".trace", "rb").read():
            diffs.append((".trace", open(bo + ".trace", "rb").read()[:4000],
                          open(bn + ".trace", "rb").read()[:4000]))
        if po.stderr != pn.stderr:
            diffs.append(("stderr", po.stderr, pn.stderr))
        print("%-4s run %s" % ("ok" if not diffs else "DIFF", name))
        for what, x, y in diffs:
            show_diff(what, x, y)
        bad += bool(diffs)
    for name, argv in other_cases():
        if a.k not in name:
            continue
        n += 1
        base = os.path.join(tmp, name.replace("/", "_"))
        po = run(old, argv, base + ".old")
        pn = run(new, argv, base + ".new")
        diffs = []
        if po.returncode != pn.returncode:
            diffs.append(("exit status", str(po.returncode).encode(), str(pn.returncode).encode()))
        if po.stdout != pn.stdout:
            diffs.append(("stdout", po.stdout, pn.stdout))
        if po.stderr != pn.stderr:
            diffs.append(("stderr", po.stderr, pn.stderr))
        print("%-4s %s" % ("ok" if not diffs else "DIFF", name))
        for what, x, y in diffs:
            show_diff(what, x, y)
        bad += bool(diffs)
    # the DMAR table the firmware builds, byte for byte
    for cfg in ("configs/vtd_units.yaml", D):
        if a.k not in "acpi" + cfg:
            continue
        n += 1
        blobs = []
        for tag, exe in (("old", old), ("new", new)):
            path = os.path.join(tmp, "dmar.%s.%s.dat" % (os.path.basename(cfg), tag))
            subprocess.run([exe, "acpi", cfg, "--dmar", path], cwd=ROOT, capture_output=True)
            blobs.append(open(path, "rb").read() if os.path.exists(path) else b"")
        same = blobs[0] == blobs[1] and blobs[0]
        print("%-4s acpi %s" % ("ok" if same else "DIFF", cfg))
        bad += not same
    if NEW_KEYS:
        print("keys only the new build writes (%d): %s" % (len(NEW_KEYS),
                                                          " ".join(sorted(NEW_KEYS))))
    print("%d of %d cases differ (outputs in %s)" % (bad, n, tmp))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
