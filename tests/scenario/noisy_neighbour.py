#!/usr/bin/env python3
"""The noisy neighbour: one VM's IOMMU traffic slows another's, and the results show it per VM.

  noisy_neighbour.py PTSIM [CONFIG]

Runs configs/noisy-neighbour.yaml (a victim VM's steady stream whose receive ring fits the
IOTLB; an aggressor VM at the line rate with single_use mappings and strict invalidation,
behind the same VT-d unit) twice: as it is, and with the aggressor sending one frame (the
victim alone). Checks that each VM's workload results, exits, interrupts, cycles and IOTLB
figures are there; that they add up to the run's totals; and that the victim's IOTLB misses,
translation time and latency are worse with the aggressor than without, while the victim still
receives every frame at its offered rate; and that the cause is the shared IOTLB's capacity
(the same next to an aggressor that never invalidates, gone with a 512-entry IOTLB).
"""
import json
import os
import subprocess
import sys
import tempfile

PER_VM = ["exits", "interrupts", "cpu.guest_cycles", "cpu.exit_cycles", "cpu.hv_cycles",
          "cpu.cycles_per_op", "exits_per_op", "iotlb.hits", "iotlb.misses", "iotlb.hit_rate",
          "iommu.translations", "iommu.translation_ns_mean", "workload.frames_received",
          "workload.throughput_gbps", "workload.ops_per_s", "workload.latency_ns.p99",
          "workload.interrupts.latency_ns.mean"]
# per-VM key -> the run's total it adds up to
SUMS = {"exits": "exits.total", "interrupts": "interrupts.delivered",
        "cpu.guest_cycles": "cpu.guest_cycles", "cpu.exit_cycles": "cpu.exit_cycles",
        "iotlb.hits": "iotlb.hits", "iotlb.misses": "iotlb.misses",
        "iommu.translations": "iotlb.lookups",
        "workload.frames_received": "workload.frames_received",
        "workload.frames_sent": "workload.frames_sent",
        "workload.bytes_received": "workload.bytes_received"}


def get(r, key):
    for p in key.split("."):
        r = r[p]
    return r


def run(ptsim, config, sets):
    with tempfile.TemporaryDirectory() as d:
        js = os.path.join(d, "r.json")
        cmd = [ptsim, "run", config, "--quiet", "--json", js]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            print("FAILED: %s exited %d\n%s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
            sys.exit(1)
        with open(js) as f:
            return json.load(f)


def main(argv):
    ptsim = argv[0]
    config = argv[1] if len(argv) > 1 else "configs/noisy-neighbour.yaml"
    both = run(ptsim, config, [])
    alone = run(ptsim, config, ["vms.1.workload.frames=1"])
    bad = []
    for name, r in (("with the aggressor", both), ("alone", alone)):
        for vm in ("victim", "aggressor"):
            for k in PER_VM:
                try:
                    get(r, "vms.%s.%s" % (vm, k))
                except (KeyError, TypeError):
                    bad.append("%s: vms.%s.%s is missing" % (name, vm, k))
        if bad:
            continue
        for k, total in SUMS.items():
            s = sum(get(r, "vms.%s.%s" % (vm, k)) for vm in ("victim", "aggressor"))
            # cycles are each VM's time converted and rounded on its own: half a cycle each
            if abs(s - get(r, total)) > (1 if k.endswith("_cycles") else 0):
                bad.append("%s: vms.*.%s add up to %s, %s is %s" % (name, k, s, total,
                                                                     get(r, total)))
    if bad:
        for b in bad:
            print("FAILED: " + b)
        return 1
    v1, v2 = alone["vms"]["victim"], both["vms"]["victim"]
    frames = v1["workload"]["frames_sent"]
    for name, v in (("alone", v1), ("with the aggressor", v2)):
        if v["workload"]["frames_received"] != frames:
            bad.append("the victim %s received %s of %s frames" % (
                name, v["workload"]["frames_received"], frames))
    # the aggressor really ran: many frames, mapped and invalidated one by one
    ag = both["vms"]["aggressor"]
    if ag["workload"]["frames_received"] < 1000 or ag["dma"]["invalidations"]["page"] < 1000:
        bad.append("the aggressor received %s frames with %s page invalidations" % (
            ag["workload"]["frames_received"], ag["dma"]["invalidations"]["page"]))
    # alone, the victim's ring fits the IOTLB: only its first lap misses
    if v1["iotlb"]["misses"] * 20 > v1["iotlb"]["lookups"]:
        bad.append("alone, the victim missed the IOTLB %s times in %s lookups" % (
            v1["iotlb"]["misses"], v1["iotlb"]["lookups"]))
    checks = [("IOTLB misses", v1["iotlb"]["misses"] * 10, v2["iotlb"]["misses"]),
              ("mean translation time", v1["iommu"]["translation_ns_mean"] * 2,
               v2["iommu"]["translation_ns_mean"]),
              ("mean latency", v1["workload"]["latency_ns"]["mean"],
               v2["workload"]["latency_ns"]["mean"]),
              ("p99 latency", v1["workload"]["latency_ns"]["p99"],
               v2["workload"]["latency_ns"]["p99"])]
    for what, base, worse in checks:
        if not worse > base:
            bad.append("the victim's %s with the aggressor (%s) is not above %s" % (
                what, worse, base))
    # what slows it is the shared IOTLB's capacity: the same with an aggressor that never
    # invalidates, gone when the IOTLB holds both working sets
    dm = run(ptsim, config, ["vms.1.dma.strategy=direct_map"])["vms"]["victim"]
    big = run(ptsim, config, ["machine.iommu.iotlb.entries=512"])["vms"]["victim"]
    if dm["iotlb"]["misses"] < v1["iotlb"]["misses"] * 10:
        bad.append("with a direct-mapped aggressor the victim missed %s times (alone %s)" % (
            dm["iotlb"]["misses"], v1["iotlb"]["misses"]))
    if big["iotlb"]["misses"] > v1["iotlb"]["misses"] * 2:
        bad.append("with a 512-entry IOTLB the victim still missed %s times (alone %s)" % (
            big["iotlb"]["misses"], v1["iotlb"]["misses"]))
    for b in bad:
        print("FAILED: " + b)
    if bad:
        return 1
    print("victim alone / with the aggressor: IOTLB misses %d / %d of %d lookups, translation "
          "%.1f / %.1f ns, latency mean %.0f / %.0f ns, p99 %.0f / %.0f ns, %.3f / %.3f Gb/s" % (
              v1["iotlb"]["misses"], v2["iotlb"]["misses"], v2["iotlb"]["lookups"],
              v1["iommu"]["translation_ns_mean"], v2["iommu"]["translation_ns_mean"],
              v1["workload"]["latency_ns"]["mean"], v2["workload"]["latency_ns"]["mean"],
              v1["workload"]["latency_ns"]["p99"], v2["workload"]["latency_ns"]["p99"],
              v1["workload"]["throughput_gbps"], v2["workload"]["throughput_gbps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
