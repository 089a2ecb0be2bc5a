#!/usr/bin/env python3
"""The multi-queue ptnic through the whole machine (configs/stream_rx_mq.yaml): the guest's
ptnic driver sets up 4 receive queues, a vector each, and RSS; frames of 16 TCP flows reach
every queue, every queue's vector is delivered to the guest, and every frame reaches the
application in flow order. The same machine with one queue (the driver's queues=1) takes
every frame into queue 0 on one vector. With SR-IOV: two VFs of one PF in two VMs, each
offered 8 Gb/s, receive no more than the 10 Gb/s line in total (the PF's shared port); with
the PF's internal_gbps they are held to that instead.

  ptnic_mq.py PTSIM
"""
import json
import os
import subprocess
import sys
import tempfile

MQ = "configs/stream_rx_mq.yaml"
VFS = "configs/stream_rx_vfs.yaml"


def run(ptsim, config, sets):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [ptsim, "run", config, "--quiet", "--json", out]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            sys.exit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
        with open(out) as f:
            return json.load(f)


def main(ptsim):
    bad = []
    frames = 4000
    four = run(ptsim, MQ, ["workload.frames=%d" % frames])
    q, v, w = four["nic"]["rx_queue_frames"], four["nic"]["vector_msis"], four["workload"]
    if w["frames_received"] != frames or w["frames_out_of_order"]:
        bad.append("4 queues: %s of %d frames, %s out of flow order" % (
            w["frames_received"], frames, w["frames_out_of_order"]))
    if sorted(q) != ["0", "1", "2", "3"] or min(q.values()) == 0 or sum(q.values()) != frames:
        bad.append("4 queues: frames per queue %s" % q)
    if min(v.values()) == 0:
        bad.append("4 queues: messages per vector %s (every queue's vector must fire)" % v)
    it = four["interrupts"]
    # every message is delivered to the guest (one may still be on its way at the end)
    if not 0 <= four["nic"]["msis_sent"] - it["delivered"] <= 1:
        bad.append("4 queues: %s interrupts delivered of %s sent" % (
            it["delivered"], four["nic"]["msis_sent"]))
    one = run(ptsim, MQ, ["workload.frames=%d" % frames, "vms.0.guest.ptnic.queues=1"])
    q1, v1 = one["nic"]["rx_queue_frames"], one["nic"]["vector_msis"]
    if q1["0"] != frames or v1["1"] or v1["2"] or v1["3"]:
        bad.append("1 queue: frames per queue %s, messages per vector %s" % (q1, v1))

    # SR-IOV (configs/stream_rx_vfs.yaml): two VFs of one PF in two VMs, 8 Gb/s offered
    # into each, one 10 Gb/s port.
    two = run(ptsim, VFS, [])
    w = two["workload"]
    total = two["throughput_gbps"]
    held = two["nic"]["port"]["frames_held"]
    if w["frames_received"] != 6000:
        bad.append("two VFs: %s of 6000 frames received" % w["frames_received"])
    if not 9.0 <= total <= 10.0 or not held:
        bad.append("two VFs offered 16 Gb/s on a 10 Gb/s port: %.3f Gb/s, %s frames held" % (
            total, held))
    # One VF alone at 8 Gb/s: nothing to share the port with, nothing held.
    alone = run(ptsim, VFS, ["workload.devices=[nic0.vf1]", "workload.rates_mbps=[8000]"])
    ta = alone["throughput_gbps"]
    if alone["nic"]["port"]["frames_held"] or not 7.5 <= ta <= 8.0:
        bad.append("a VF alone at 8 Gb/s: %.3f Gb/s, %s frames held" % (
            ta, alone["nic"]["port"]["frames_held"]))
    internal = run(ptsim, VFS, ["machine.pcie.devices.0.below.0.internal_gbps=6"])
    ti = internal["throughput_gbps"]
    if not 5.0 <= ti <= 6.0 or not internal["nic"]["internal_wait_ns"]:
        bad.append("two VFs, internal path 6 Gb/s: %.3f Gb/s, waited %s ns" % (
            ti, internal["nic"]["internal_wait_ns"]))
    for b in bad:
        print("FAILED: " + b)
    if not bad:
        print("4 queues: frames per queue %s, messages per vector %s; 1 queue: all on queue 0; "
              "two VFs offered 16 Gb/s: %.3f Gb/s on the 10 Gb/s port (%d frames held), one alone "
              "%.3f Gb/s; internal path 6 Gb/s: %.3f Gb/s" % (q, v, total, held, ta, ti))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
