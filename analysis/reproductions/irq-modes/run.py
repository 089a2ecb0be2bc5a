#!/usr/bin/env python3
"""Reproduction 3: exits per interrupt and interrupt latency by delivery mode.

usage: run.py [PTSIM] [--out DIR] [--smoke | --full] [-j N] [--estimate]

Runs sweep.yaml (configs/default.yaml at 1 Gb/s, one interrupt per frame, in the five modes,
guest busy or halted between frames) and prints, per mode, the exits per interrupt beside the
published count for a running vCPU (ELI, Gordon et al., ASPLOS'12; the Intel SDM's APICv and
VT-d posting: REFERENCE.md), the interrupt latency (device's MSI-X write to the guest
handler's first instruction) and what the exits cost the busy guest. Draws exits.png/.svg
and latency.png/.svg (grouped bars: a cluster per mode, a bar per guest_idle).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

RES = {
    "smoke": {"set": {"workload.frames": 100},
              "values": {"vms.0.interrupt_mode": ["emulated", "eli", "vtd_posted"]}},
    "full": {"set": {"workload.frames": 20000}},
}
MODE = "vms.0.interrupt_mode"
# Exits per device interrupt while the vCPU runs (REFERENCE.md, "APIC and VMX"): the emulated
# LAPIC 2 (external interrupt, EOI), EOI not intercepted 1, ELI 0, APICv with CPU posting 1
# on the pCPU that takes the host vector (0 when another pCPU takes it), VT-d posting 0.
PUBLISHED = {"emulated": "2", "eoi_passthrough": "1", "eli": "0", "cpu_posted": "1",
             "vtd_posted": "0"}


def main(argv):
    args = common.parse_args("irq-modes", argv, __doc__)
    sw = common.Sweep(args, os.path.join(HERE, "sweep.yaml"), RES)
    if args.estimate:
        return common.estimate(args, [sw])
    rows, columns = sw.run()
    rep = common.Report(args)
    rep.sweep_line(sw)
    rep.say("")
    out = []
    for mode in sw.values(MODE):
        busy = common.pick(rows, vms__0__interrupt_mode=mode, workload__guest_idle="busy")
        halt = common.pick(rows, vms__0__interrupt_mode=mode, workload__guest_idle="halt")
        g, e, h = (common.mean(busy, "cpu.%s_cycles" % k) for k in ("guest", "exit", "hv"))
        ints = common.mean(busy, "interrupts.delivered")
        out.append([mode, PUBLISHED[mode],
                    "%.2f" % common.mean(busy, "exits_per_interrupt"),
                    "%.2f" % common.mean(halt, "exits_per_interrupt"),
                    "%.0f" % common.mean(busy, "interrupts.latency_ns.mean"),
                    "%.0f" % common.mean(halt, "interrupts.latency_ns.mean"),
                    "%.0f" % ((e + h) / ints), "%.1f %%" % (100 * g / (g + e + h))])
    rep.say(*common.table(
        ["mode", "published exits/interrupt, running", "exits/interrupt busy",
         "exits/interrupt halted", "interrupt latency ns busy", "halted",
         "exit + host cycles per interrupt, busy", "busy guest's share of its pCPU"], out))
    figs = common.figure(args, "exits", rows, columns, "exits_per_interrupt", MODE,
                         group="workload.guest_idle", bar=True,
                         title="VM exits per device interrupt (1 Gb/s, a frame per interrupt)",
                         xlabel="interrupt delivery mode")
    figs += common.figure(args, "latency", rows, columns, "interrupts.latency_ns.mean", MODE,
                          group="workload.guest_idle", bar=True,
                          title="Interrupt latency: MSI-X write to the guest handler",
                          xlabel="interrupt delivery mode", ylabel="mean latency (ns)")
    rep.done(figs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
