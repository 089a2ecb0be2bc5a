#!/usr/bin/env python3
"""NAPI and interrupt affinity through the whole machine, as README.md describes them.

configs/stream_rx_mq_4vcpu.yaml (4 queues, 4 vCPUs, 10 Gb/s, application work per frame):
with the vectors spread (vector q to vCPU q) every frame arrives, every vector fires, the
halted vCPUs 1-3 are woken by their queues' interrupts and no poll uses its whole budget;
with every vector on vCPU 0 (irq_affinity=boot_cpu), or one queue on one vCPU, the polls use
their budget again and again, the NIC drops frames and the throughput is lower. The NAPI
counters add up: every frame the guest received was cleaned by a poll, and no more polls
re-enabled the interrupt than there were polls. configs/stream_rx_mq.yaml at 10 Gb/s: four
queues on one vCPU drop nothing (their polls share the softirq). configs/default.yaml: one
queue on one vCPU keeps 2 exits per frame in emulated mode, one poll per interrupt.

  napi.py PTSIM
"""
import json
import sys
import tempfile

import runs

MQ4 = "configs/stream_rx_mq_4vcpu.yaml"
MQ = "configs/stream_rx_mq.yaml"
DEFAULT = "configs/default.yaml"


def run(ptsim, config, sets):
    with tempfile.TemporaryDirectory() as d:
        with open(runs.run(ptsim, config, sets, d)) as f:
            return json.load(f)


def napi_adds_up(name, r, bad):
    n = r["napi"]
    if n["frames"] != r["guest"]["frames_received"]:
        bad.append("%s: polls cleaned %s frames, the stack got %s" % (
            name, n["frames"], r["guest"]["frames_received"]))
    if n["irq_reenables"] > n["polls"] or n["budget_exhausted"] > n["polls"]:
        bad.append("%s: napi %s" % (name, n))


def main(ptsim):
    bad = []
    spread = run(ptsim, MQ4, [])
    pinned = run(ptsim, MQ4, ["vms.0.guest.irq_affinity=boot_cpu"])
    one = run(ptsim, MQ4, ["vms.0.vcpus=1", "vms.0.pcpus=[1]", "vms.0.guest.ptnic.queues=1"])
    for name, r in (("spread", spread), ("boot_cpu", pinned), ("1 queue, 1 vCPU", one)):
        napi_adds_up(name, r, bad)
    w = spread["workload"]
    if w["frames_dropped"] or spread["throughput_gbps"] < 9.5:
        bad.append("4 queues on 4 vCPUs: %.3f Gb/s, %s dropped" % (
            spread["throughput_gbps"], w["frames_dropped"]))
    if min(spread["nic"]["vector_msis"].values()) == 0 or spread["napi"]["budget_exhausted"]:
        bad.append("4 queues on 4 vCPUs: messages per vector %s, %s polls used their budget" % (
            spread["nic"]["vector_msis"], spread["napi"]["budget_exhausted"]))
    # vCPUs 1-3 only halt and wake when their queues' interrupts reach them
    if not spread["vcpu"]["hlts"] or pinned["vcpu"]["hlts"]:
        bad.append("HLTs: %s spread, %s with every vector on vCPU 0" % (
            spread["vcpu"]["hlts"], pinned["vcpu"]["hlts"]))
    for name, r in (("boot_cpu", pinned), ("1 queue, 1 vCPU", one)):
        if (not r["workload"]["frames_dropped"] or not r["napi"]["budget_exhausted"]
                or r["throughput_gbps"] > spread["throughput_gbps"] - 2):
            bad.append("%s: %.3f Gb/s, %s dropped, %s polls used their budget (one vCPU "
                       "cannot keep up)" % (name, r["throughput_gbps"],
                                            r["workload"]["frames_dropped"],
                                            r["napi"]["budget_exhausted"]))
    mq = run(ptsim, MQ, ["workload.rate_gbps=10"])
    napi_adds_up("4 queues on 1 vCPU", mq, bad)
    if mq["workload"]["frames_dropped"]:
        bad.append("4 queues on 1 vCPU at 10 Gb/s: %s dropped" % mq["workload"]["frames_dropped"])
    d = run(ptsim, DEFAULT, ["workload.frames=2000"])
    napi_adds_up("default", d, bad)
    if (d["exits_per_op"] != 2.0 or d["napi"]["polls"] != d["interrupts"]["delivered"]
            or d["napi"]["irq_reenables"] != d["napi"]["polls"]):
        bad.append("1 queue, 1 vCPU, emulated: %s exits per frame, %s polls for %s interrupts" % (
            d["exits_per_op"], d["napi"]["polls"], d["interrupts"]["delivered"]))
    for b in bad:
        print("FAILED: " + b)
    if not bad:
        print("4 queues on 4 vCPUs %.3f Gb/s (%.2f frames per poll); every vector on vCPU 0 "
              "%.3f Gb/s, %d dropped; 1 queue on 1 vCPU %.3f Gb/s, %d dropped; 4 queues on 1 "
              "vCPU at 10 Gb/s: none dropped" % (
                  spread["throughput_gbps"], spread["napi"]["frames_per_poll"],
                  pinned["throughput_gbps"], pinned["workload"]["frames_dropped"],
                  one["throughput_gbps"], one["workload"]["frames_dropped"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
