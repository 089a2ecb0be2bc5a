#!/usr/bin/env python3
"""Reproduction 4: DMA protection strategies on a NIC stream (Willmann et al., ATC'08).

usage: run.py [PTSIM] [--out DIR] [--smoke | --full] [-j N] [--estimate]

Runs rx.yaml and tx.yaml (no IOMMU mapping, direct_map, single_use, shared, persistent and
on_demand, strict invalidation; at the 10 Gb/s line rate and at 1 Gb/s) and prints
analysis/strategies.py's table for each rate (its format, from these sweeps' rows), then what
the guest got with no IOMMU mapping. Draws throughput.png/.svg (line rate: throughput by
strategy, rx and tx) and cycles.png/.svg (1 Gb/s, where every strategy keeps up: cycles per
frame, the strategy's own work).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402
import strategies  # noqa: E402  (analysis/strategies.py: the issue-11 tables' format)

STRATEGY = "vms.0.dma.strategy"
RES = {
    "smoke": {"set": {"workload.frames": 200},
              "values": {STRATEGY: ["none", "direct_map", "single_use"]}},
    "full": {"set": {"workload.frames": 100000}},
}
RATE = {"rx": "workload.rate_gbps", "tx": "workload.line_gbps"}


def main(argv):
    args = common.parse_args("protection-strategies", argv, __doc__)
    sw = {wl: common.Sweep(args, os.path.join(HERE, wl + ".yaml"), RES) for wl in ("rx", "tx")}
    if args.estimate:
        return common.estimate(args, list(sw.values()))
    for s in sw.values():
        s.run()
    rep = common.Report(args)
    for s in sw.values():
        rep.sweep_line(s)
    names = sw["rx"].values(STRATEGY)
    for rate, what in (("10", "at the 10 Gb/s line rate (rx: offered; tx: flat out on the line)"),
                       ("1", "at 1 Gb/s (rx: offered; tx: flat out on a 1 Gb/s line)")):
        rep.say("", "Strict invalidation, %s:" % what, "")
        rep.say(*strategies.STRATEGY_HEADER)
        for wl in ("rx", "tx"):
            for name in names:
                r = common.pick(sw[wl].rows, **{STRATEGY.replace(".", "__"): name,
                                                RATE[wl].replace(".", "__"): rate})
                rep.say(strategies.strategy_row(wl, name, "strict", common.numbers(r[0])))
    if "none" in names:
        rep.say("", "No IOMMU mapping (strategy none): what reached the guest")
        for wl in ("rx", "tx"):
            r = common.pick(sw[wl].rows, vms__0__dma__strategy="none",
                            **{RATE[wl].replace(".", "__"): "10"})[0]
            frames = int(dict(x.split("=", 1) for x in sw[wl].doc["set"])["workload.frames"])
            if wl == "rx":
                what = "received (%d dropped by the NIC, %d lost)" % (
                    common.num(r, "workload.frames_dropped"), common.num(r, "workload.frames_lost"))
                got = common.num(r, "workload.frames_received")
            else:
                what = "sent and completed (%d lost)" % common.num(r, "workload.frames_lost")
                got = common.num(r, "workload.frames_completed")
            rep.say("  %s: %d of %d frames %s; %d bytes of DMA writes outside the VM" % (
                wl, got, frames, what, common.num(r, "dma.outside_vm_bytes")))
    rows, columns = common.merge(
        (sw["rx"].rows, {STRATEGY: "strategy", RATE["rx"]: "rate_gbps"}, {"path": "rx"}),
        (sw["tx"].rows, {STRATEGY: "strategy", RATE["tx"]: "rate_gbps"}, {"path": "tx"}))
    rows = [r for r in rows if r["param.strategy"] != "none"]  # nothing to draw: no frames
    figs = common.figure(args, "throughput", rows, columns, "throughput_gbps", "strategy",
                         group="path", where=[("rate_gbps", "10")], bar=True,
                         title="Throughput at the 10 Gb/s line rate, strict invalidation",
                         xlabel="DMA protection strategy")
    figs += common.figure(args, "cycles", rows, columns, "cpu.cycles_per_op", "strategy",
                          group="path", where=[("rate_gbps", "1")], bar=True,
                          title="CPU cycles per frame at 1 Gb/s (every strategy keeps up)",
                          xlabel="DMA protection strategy")
    rep.done(figs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
