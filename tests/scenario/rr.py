#!/usr/bin/env python3
"""rr: what workloads/rr.h and configs/rr.yaml say about request-response, from runs.

  rr.py PTSIM

configs/rr.yaml, 1,000 transactions each run:
  - every transaction completes: each request reached the application, each response the
    peer, none dropped, lost or corrupt; the rate is transactions over the measured span;
  - a transaction takes at least twice the wire latency plus both frames' time on the wire
    (preamble included), and 10 us more wire latency each way adds 20 us to it;
  - emulated interrupts: a receive and a transmit interrupt per transaction, and the exits per
    transaction are what those interrupts cost (interrupts per transaction x exits per
    interrupt, the halts that wait for them included);
  - ELI and VT-d posted interrupts exit less per transaction and give a lower latency and a
    higher rate than emulated ones;
  - several transactions in flight (netperf's burst) raise the rate;
  - bare metal (vms: []): no exit, and a lower latency than any VM.
"""
import json
import os
import subprocess
import sys
import tempfile

CFG = "configs/rr.yaml"
N = 1000


def flat(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            flat(v, prefix + k + ".", out)
    else:
        out[prefix[:-1]] = obj
    return out


def run(ptsim, sets):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [ptsim, "run", CFG, "--quiet", "--json", out,
               "--set", "workload.rr.transactions=%d" % N]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            sys.exit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
        with open(out) as f:
            return flat(json.load(f))


def check(bad, cond, what):
    if not cond:
        bad.append(what)


def all_done(bad, r, what):
    for k in ("transactions", "requests_sent", "requests_received", "responses_sent"):
        check(bad, r["workload." + k] == N, "%s: workload.%s is %s, not %d"
              % (what, k, r["workload." + k], N))
    for k in ("transactions_dropped", "transactions_lost", "responses_corrupt"):
        check(bad, r["workload." + k] == 0, "%s: workload.%s is %s" % (what, k, r["workload." + k]))
    check(bad, r["ops_per_s"] > 0, "%s: ops_per_s %s" % (what, r["ops_per_s"]))


def main(ptsim):
    bad = []
    emu = run(ptsim, [])
    all_done(bad, emu, "emulated")

    # the floor: 2 x 1000 ns of wire, and two 64-byte frames with their preamble at 10 Gb/s
    floor = 2 * 1000 + 2 * (64 + 8) * 8 / 10.0
    check(bad, emu["latency_ns.mean"] >= floor and emu["latency_ns.p50"] >= floor,
          "latency mean %s p50 %s below the wire's %s ns" % (emu["latency_ns.mean"],
                                                             emu["latency_ns.p50"], floor))
    far = run(ptsim, ["workload.rr.wire_latency_ns=11000"])
    all_done(bad, far, "10 us more wire")
    grew = far["latency_ns.mean"] - emu["latency_ns.mean"]
    check(bad, abs(grew - 20000) < 200,
          "10 us more wire each way added %s ns to the mean latency, not 20000" % grew)

    # emulated: a receive and a transmit interrupt per transaction, and their exits
    per_op = emu["interrupts.delivered"] / N
    check(bad, 1.9 <= per_op <= 2.0, "emulated: %s interrupts per transaction" % per_op)
    cost = per_op * emu["exits_per_interrupt"]
    check(bad, emu["exits_per_op"] >= 2 and abs(emu["exits_per_op"] - cost) <= 0.02 * cost,
          "emulated: %s exits per transaction, the interrupts cost %s"
          % (emu["exits_per_op"], cost))

    for mode in ("eli", "vtd_posted"):
        r = run(ptsim, ["vms.0.interrupt_mode=" + mode])
        all_done(bad, r, mode)
        check(bad, r["exits_per_op"] < emu["exits_per_op"],
              "%s: %s exits per transaction, emulated %s" % (mode, r["exits_per_op"],
                                                             emu["exits_per_op"]))
        check(bad, r["latency_ns.mean"] < emu["latency_ns.mean"],
              "%s: latency %s ns, emulated %s" % (mode, r["latency_ns.mean"],
                                                  emu["latency_ns.mean"]))
        check(bad, r["ops_per_s"] > emu["ops_per_s"],
              "%s: %s transactions/s, emulated %s" % (mode, r["ops_per_s"], emu["ops_per_s"]))

    burst = run(ptsim, ["workload.rr.transactions_in_flight=4"])
    all_done(bad, burst, "4 in flight")
    check(bad, burst["ops_per_s"] > 1.2 * emu["ops_per_s"],
          "4 in flight: %s transactions/s, 1 in flight %s" % (burst["ops_per_s"],
                                                               emu["ops_per_s"]))

    bare = run(ptsim, ["vms=[]", "host.iommu.dma_remapping=false"])
    all_done(bad, bare, "bare metal")
    check(bad, bare["exits_per_op"] == 0, "bare metal: %s exits per transaction"
          % bare["exits_per_op"])
    check(bad, floor <= bare["latency_ns.mean"] < emu["latency_ns.mean"],
          "bare metal: latency %s ns, emulated %s" % (bare["latency_ns.mean"],
                                                      emu["latency_ns.mean"]))

    for b in bad:
        print("FAILED: " + b)
    if not bad:
        print("rr: transactions, the wire's floor, interrupt costs, ELI, posted interrupts, "
              "bursts and bare metal behave as documented")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
