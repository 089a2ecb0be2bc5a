#!/usr/bin/env python3
"""Reproduction 6: strict against deferred IOTLB invalidation on small-packet streams.

usage: run.py [PTSIM] [--out DIR] [--smoke | --full] [-j N] [--estimate]

Runs pv.yaml (the paravirtual IOMMU: single_use strict or deferred, direct_map as the
unprotected baseline) and viommu.yaml (the guest's own VT-d driver on a shadowed or a nested
unit, strict or lazy), frames of 64 to 1500 bytes offered at the 10 Gb/s line rate, and prints
the frames per second the guest received in each setup, then what deferring buys (deferred /
strict) and what each gets of the unprotected baseline. Draws rate.png/.svg (frames received
per second against frame size, a line per setup).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SIZE = "workload.frame_bytes"
RES = {
    "smoke": {"set": {"workload.frames": 2000}, "values": {SIZE: [64, 1500]}},
    "full": {"set": {"workload.frames": 500000},
             "values": {SIZE: [64, 96, 128, 192, 256, 384, 512, 768, 1024, 1280, 1500]}},
}
SETUPS = ["direct_map", "pv strict", "pv deferred", "nested strict", "nested lazy",
          "shadow strict", "shadow lazy"]
PAIRS = [("pv", "pv strict", "pv deferred"), ("nested", "nested strict", "nested lazy"),
         ("shadow", "shadow strict", "shadow lazy")]


def pv_setup(r):
    s = r["param.vms.0.dma.strategy"]
    return s if s == "direct_map" else "pv " + r["param.vms.0.dma.invalidation"]


def viommu_setup(r):
    return "%s %s" % (r["param.vms.0.viommu"], r["param.vms.0.guest.iommu"])


def main(argv):
    args = common.parse_args("strict-deferred", argv, __doc__)
    sw = [common.Sweep(args, os.path.join(HERE, f), RES) for f in ("pv.yaml", "viommu.yaml")]
    if args.estimate:
        return common.estimate(args, sw)
    for s in sw:
        s.run()
    rep = common.Report(args)
    for s in sw:
        rep.sweep_line(s)
    rows, columns = common.merge((sw[0].rows, {SIZE: "frame_bytes"}, {"setup": pv_setup}),
                                 (sw[1].rows, {SIZE: "frame_bytes"}, {"setup": viommu_setup}))
    sizes = sorted({int(r["param.frame_bytes"]) for r in rows})

    def rate(setup, size, key="ops_per_s"):
        return common.mean(common.pick(rows, setup=setup, frame_bytes=size), key)

    rep.say("", "Frames received per second (millions), offered at the 10 Gb/s line rate:", "")
    rep.say(*common.table(["frame bytes", "line rate"] + SETUPS, [
        [s, "%.3f" % (10e9 / ((s + 20) * 8) / 1e6)] +
        ["%.3f" % (rate(x, s) / 1e6) for x in SETUPS] for s in sizes]))
    rep.say("", "Deferred (lazy) over strict, and each against direct_map (no run-time IOMMU "
            "work):", "")
    out = []
    for s in sizes:
        base = rate("direct_map", s)
        row = [s]
        for _, strict, lazy in PAIRS:
            row += ["%.2fx" % (rate(lazy, s) / rate(strict, s)),
                    "%.0f %% / %.0f %%" % (100 * rate(strict, s) / base,
                                           100 * rate(lazy, s) / base)]
        out.append(row)
    rep.say(*common.table(["frame bytes", "pv deferred/strict", "pv strict / deferred of "
                           "direct_map", "nested lazy/strict", "nested strict / lazy of "
                           "direct_map", "shadow lazy/strict", "shadow strict / lazy of "
                           "direct_map"], out))
    rep.say("", "At 1500 B, throughput as a share of the 10 Gb/s line: " + ", ".join(
        "%s %.0f %%" % (x, 10 * rate(x, 1500, "throughput_gbps")) for x in SETUPS)
        if 1500 in sizes else "")
    figs = common.figure(args, "rate", rows, columns, "ops_per_s", "frame_bytes",
                         group="setup", logx=True, logy=True,
                         title="Strict or deferred invalidation: frames received at 10 Gb/s",
                         xlabel="frame size (bytes)", ylabel="frames received per second")
    rep.done(figs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
