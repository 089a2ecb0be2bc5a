#!/usr/bin/env python3
"""The multi-queue ptnic through the whole machine (configs/stream_rx_mq.yaml): the guest's
ptnic driver sets up 4 receive queues, a vector each, and RSS; frames of 16 TCP flows reach
every queue, every queue's vector is delivered to the guest, and every frame reaches the
application in flow order. The same machine with one queue (the driver's queues=1) takes
every frame into queue 0 on one vector.

  ptnic_mq.py PTSIM
"""
import json
import os
import subprocess
import sys
import tempfile

MQ = "configs/stream_rx_mq.yaml"


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

    for b in bad:
        print("FAILED: " + b)
    if not bad:
        print("4 queues: frames per queue %s, messages per vector %s; 1 queue: all on queue 0"
              % (q, v))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
