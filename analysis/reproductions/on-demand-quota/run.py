#!/usr/bin/env python3
"""Reproduction 5: the on_demand map cache against its quota (Yassour et al., SYSTOR'10).

usage: run.py [PTSIM] [--out DIR] [--smoke | --full] [-j N] [--estimate]

Measures reuse.yaml's working set (analysis/strategies.py's reuse_working_set: the pages
on_demand pins with an unbounded quota), sets the sweep's quotas to strategies.fractions of it
(1/8 to twice), runs sweep.yaml and prints strategies.py's quota-curve table for the guest that
knows its quota (quota_full: fail), then the guest that does not (quota_full: evict, LRU):
frames received, DMAs lost at evicted pages. Draws remaps.png/.svg (remaps per frame against
the quota, a line per policy, fail) and throughput.png/.svg (throughput against the quota,
fail and evict, LRU).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402
import strategies  # noqa: E402  (analysis/strategies.py: working set, quotas, the table)

QUOTA = "vms.0.dma.quota_pages"
RES = {
    "smoke": {"set": {"workload.frames": 500}},
    "full": {"set": {"workload.frames": 100000}, "seeds": 3},
}


def main(argv):
    args = common.parse_args("on-demand-quota", argv, __doc__)
    sw = common.Sweep(args, os.path.join(HERE, "sweep.yaml"), RES)
    if args.estimate:
        return common.estimate(args, [sw], extra_runs=1)  # + the working-set run
    frames = [x for x in sw.doc["set"] if x.startswith("workload.frames=")]
    ws = int(strategies.reuse_working_set(args.ptsim, frames))
    qs = strategies.fractions(ws)
    if args.smoke:
        qs = [ws // 2, ws]
    sw.apply(values={QUOTA: qs})
    rows, columns = sw.run()
    rep = common.Report(args)
    rep.say("working set: %d pages (ptsim run %s --set %s: dma.pinned_pages_peak with "
            "quota_pages 4096)" % (ws, strategies.REUSE, frames[0]))
    rep.sweep_line(sw)
    seeds = len({r["seed"] for r in rows})

    def cell(q, repl, full):
        rs = common.pick(rows, vms__0__dma__quota_pages=q, vms__0__dma__replacement=repl,
                         vms__0__dma__quota_full=full)
        return {k: common.mean(rs, k) for k in
                ("dma.remaps_per_op", "cpu.cycles_per_op", "throughput_gbps",
                 "workload.frames_received", "dma.lost_dmas", "dma.cache.evictions_in_use",
                 "guest.dma_map_errors")}

    rep.say("", "A guest that knows its quota (quota_full: fail)%s:" % (
        ", means of %d seeds" % seeds if seeds > 1 else ""), "")
    rep.say(*strategies.curve_table(
        qs, 0, ws, {(q, p): cell(q, p, "fail") for q in qs for p in strategies.POLICIES}))
    rep.say("", "A guest that does not (quota_full: evict: the hypervisor evicts pages in use), "
            "LRU:", "")
    out = []
    for q in qs:
        c = cell(q, "lru", "evict")
        out.append([q, "%.2f" % (q / ws), "%.0f" % c["workload.frames_received"],
                    "%.2f" % c["throughput_gbps"], "%.0f" % c["dma.lost_dmas"],
                    "%.0f" % c["dma.cache.evictions_in_use"], "%.3f" % c["dma.remaps_per_op"]])
    rep.say(*common.table(["quota (pages)", "of the working set", "frames received",
                           "throughput Gb/s", "DMAs lost", "evictions in use", "remaps/frame"],
                          out, "rrrrrrr"))
    figs = common.figure(args, "remaps", rows, columns, "dma.remaps_per_op", QUOTA,
                         group="vms.0.dma.replacement", where=[("vms.0.dma.quota_full", "fail")],
                         title="on_demand: remaps against the quota (working set %d pages)" % ws,
                         xlabel="quota (pages)")
    figs += common.figure(args, "throughput", rows, columns, "throughput_gbps", QUOTA,
                          group="vms.0.dma.quota_full", where=[("vms.0.dma.replacement", "lru")],
                          title="on_demand, LRU: the guest refuses (fail) or the hypervisor "
                          "evicts", xlabel="quota (pages)")
    rep.done(figs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
