#!/usr/bin/env python3
"""stream_tx: what README.md and configs/stream_tx.yaml say about the transmit path, from runs.

  stream_tx.py PTSIM

configs/stream_tx.yaml, 2,000 frames each run:
  - paced at 1 Gb/s: every frame sent is on the wire intact and handed back, at the offered
    load; the driver mapped each frame once and unmapped it once (guest.dma_maps and
    dma_unmaps equal the frames), the NIC fetched and wrote back one descriptor per frame; one
    completion interrupt per frame, 2 exits each emulated, 0 with vtd_posted; no send refused;
  - flat out on a 1 Gb/s line: the ring fills, sends are refused (NETDEV_TX_BUSY) and retried,
    the halted guest waits in HLT, and the wire runs at its line rate; every frame still arrives;
  - flat out on the 10 Gb/s line: exitless completions (vtd_posted) fill the line, at fewer
    cycles per frame than emulated ones, which leave the vCPU the bottleneck (the ring never
    fills);
  - tx_shared_vector: the same frames and interrupts, with fewer setup exits (no second MSI-X
    entry to program and unmask);
  - two SR-IOV VFs of nic0, a stream out of each (workload.devices): each VF sends its own;
  - no IOMMU and DMA addresses that are guest-physical (dma.strategy none): the NIC reads the
    wrong memory, nothing intact reaches the wire, and the run ends by the drain with the
    frames counted lost (exit status 0).

configs/stream_tx_mq.yaml (8 flows, 4 transmit queues, flat out), 2,000 frames each run:
  - the kernel's flow hash puts the flows 3/1/2/2 on the queues, every frame arrives in order
    within its flow, and each queue's completions come on its own vector (entries 1-3, the
    fourth queue on receive's entry 0); with one queue every frame takes queue 0;
  - emulated: more interrupts per frame and less throughput than one queue; vtd_posted: the
    rings no longer fill, so the median latency falls well below one full queue's;
  - tx_shared_vector: every queue on receive's vector, fewer interrupts than a vector each;
  - a 1 Gb/s line with the guest halting: queues fill and stop on their own, sends are
    refused and retried, every frame arrives.
"""
import json
import os
import subprocess
import sys
import tempfile

CFG = "configs/stream_tx.yaml"
FRAMES = 2000


def flat(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            flat(v, prefix + k + ".", out)
    else:
        out[prefix[:-1]] = obj
    return out


def run(ptsim, sets, config=CFG):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [ptsim, "run", config, "--quiet", "--json", out,
               "--set", "workload.frames=%d" % FRAMES]
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


def all_arrived(bad, r, name, frames=FRAMES):
    for k in ("workload.frames_sent", "workload.frames_received", "workload.frames_completed"):
        check(bad, r[k] == frames, "%s: %s is %s, not %d" % (name, k, r[k], frames))
    for k in ("workload.frames_lost", "workload.frames_dropped", "workload.frames_corrupt"):
        check(bad, r[k] == 0, "%s: %s is %s" % (name, k, r[k]))


def vf_scenario(d):
    path = os.path.join(d, "two_vfs.yaml")
    with open(path, "w") as f:
        f.write("name: stream_tx_vfs\n"
                "machine:\n"
                "  pcie:\n"
                "    devices:\n"
                "      - name: rp0\n"
                "        type: root_port\n"
                "        slot: 1\n"
                "        below:\n"
                "          - {name: nic0, type: ptnic, sriov: {total_vfs: 4, num_vfs: 2}}\n"
                "host: {flr_wait_us: 100}\n"
                "vms:\n"
                "  - {name: vm0, memory_mib: 256, devices: [nic0.vf1, nic0.vf2]}\n"
                "workload:\n"
                "  kind: stream_tx\n"
                "  devices: [nic0.vf1, nic0.vf2]\n"
                "  rate_gbps: 0\n")
    return path


def multi_queue(ptsim, bad):
    mq = "configs/stream_tx_mq.yaml"
    one_q = ["vms.0.guest.ptnic.tx_queues=1"]
    posted = ["vms.0.interrupt_mode=vtd_posted"]
    four = run(ptsim, [], mq)
    one = run(ptsim, one_q, mq)
    queues = lambda r: [r["nic.tx_queue_frames.%d" % q] for q in range(4)]
    vectors = lambda r: [r["nic.vector_msis.%d" % q] for q in range(4)]
    for name, r in (("4 queues", four), ("1 queue", one)):
        all_arrived(bad, r, name)
        check(bad, r["workload.frames_out_of_order"] == 0,
              "%s: %s frames out of order" % (name, r["workload.frames_out_of_order"]))
    check(bad, queues(four) == [750, 250, 500, 500], "4 queues: frames per queue %s"
          % queues(four))
    check(bad, all(v > 0 for v in vectors(four)), "4 queues: messages per entry %s"
          % vectors(four))
    check(bad, queues(one) == [FRAMES, 0, 0, 0], "1 queue: frames per queue %s" % queues(one))
    check(bad, four["interrupts.delivered"] > one["interrupts.delivered"] and
          four["throughput_gbps"] < one["throughput_gbps"],
          "emulated: 4 queues %s interrupts, %s Gb/s; 1 queue %s, %s Gb/s"
          % (four["interrupts.delivered"], four["throughput_gbps"],
             one["interrupts.delivered"], one["throughput_gbps"]))
    four_p = run(ptsim, posted, mq)
    one_p = run(ptsim, posted + one_q, mq)
    check(bad, four_p["latency_ns.p50"] * 5 < one_p["latency_ns.p50"],
          "vtd_posted: median latency %s ns with 4 queues, %s with 1"
          % (four_p["latency_ns.p50"], one_p["latency_ns.p50"]))
    shared = run(ptsim, ["vms.0.guest.ptnic.tx_shared_vector=true"], mq)
    all_arrived(bad, shared, "4 queues, shared vector")
    check(bad, vectors(shared)[1:] == [0, 0, 0] and
          shared["interrupts.delivered"] < four["interrupts.delivered"],
          "4 queues, shared vector: messages per entry %s, %s interrupts"
          % (vectors(shared), shared["interrupts.delivered"]))
    full = run(ptsim, ["workload.line_gbps=1", "workload.guest_idle=halt"], mq)
    all_arrived(bad, full, "4 queues, 1 Gb/s line")
    check(bad, full["workload.send_busy"] > 0 and full["exits.by_reason.hlt"] > 0,
          "4 queues, 1 Gb/s line: %s sends refused, %s halts"
          % (full["workload.send_busy"], full["exits.by_reason.hlt"]))


def main(ptsim):
    bad = []
    line_share = 1500 / 1520  # frame bytes over frame, preamble and gap

    paced = run(ptsim, [])
    all_arrived(bad, paced, "paced")
    check(bad, abs(paced["throughput_gbps"] - line_share) < 0.005 * line_share,
          "paced: %s Gb/s on the wire, offered %.4f" % (paced["throughput_gbps"], line_share))
    for k in ("guest.dma_maps", "guest.dma_unmaps", "nic.tx_frames", "nic.tx_descriptor_reads",
              "nic.tx_writebacks", "interrupts.delivered"):
        check(bad, paced[k] == FRAMES, "paced: %s is %s, not %d" % (k, paced[k], FRAMES))
    check(bad, paced["workload.send_busy"] == 0, "paced: %s sends refused"
          % paced["workload.send_busy"])
    check(bad, paced["exits_per_interrupt"] == 2.0,
          "paced, emulated: %s exits per interrupt" % paced["exits_per_interrupt"])
    # send call to last bit: at least the frame's own time on a 10 Gb/s wire
    check(bad, 1508 * 0.8 < paced["latency_ns.mean"] < 10000,
          "paced: latency %s ns" % paced["latency_ns.mean"])
    posted = run(ptsim, ["vms.0.interrupt_mode=vtd_posted"])
    check(bad, posted["exits_per_interrupt"] == 0.0 and posted["interrupts.delivered"] == FRAMES,
          "paced, vtd_posted: %s exits per interrupt, %s interrupts"
          % (posted["exits_per_interrupt"], posted["interrupts.delivered"]))

    full = run(ptsim, ["workload.rate_gbps=0", "workload.line_gbps=1",
                       "workload.guest_idle=halt"])
    all_arrived(bad, full, "ring-bound")
    check(bad, full["workload.send_busy"] > 0 and full["guest.tx_busy"] > 0,
          "ring-bound: no send was refused (%s)" % full["workload.send_busy"])
    check(bad, full["exits.by_reason.hlt"] > 0, "ring-bound: the guest never halted")
    check(bad, full["throughput_gbps"] > 0.995 * line_share,
          "ring-bound: %s Gb/s on a 1 Gb/s line" % full["throughput_gbps"])
    check(bad, full["guest.dma_maps"] == full["guest.dma_unmaps"] == FRAMES,
          "ring-bound: %s maps, %s unmaps" % (full["guest.dma_maps"], full["guest.dma_unmaps"]))

    emu = run(ptsim, ["workload.rate_gbps=0"])
    vtd = run(ptsim, ["workload.rate_gbps=0", "vms.0.interrupt_mode=vtd_posted"])
    all_arrived(bad, emu, "flat out, emulated")
    all_arrived(bad, vtd, "flat out, vtd_posted")
    check(bad, vtd["throughput_gbps"] > emu["throughput_gbps"],
          "flat out: vtd_posted %s Gb/s, emulated %s" % (vtd["throughput_gbps"],
                                                         emu["throughput_gbps"]))
    check(bad, vtd["throughput_gbps"] > 0.99 * 10 * line_share,
          "flat out: vtd_posted %s Gb/s, not the 10 Gb/s line" % vtd["throughput_gbps"])
    check(bad, emu["throughput_gbps"] < 0.9 * 10 * line_share and
          emu["workload.send_busy"] == 0,
          "flat out: emulated %s Gb/s, %s sends refused: not CPU-bound"
          % (emu["throughput_gbps"], emu["workload.send_busy"]))
    check(bad, vtd["cpu.cycles_per_op"] < emu["cpu.cycles_per_op"],
          "flat out: vtd_posted %s cycles per frame, emulated %s"
          % (vtd["cpu.cycles_per_op"], emu["cpu.cycles_per_op"]))

    shared = run(ptsim, ["vms.0.guest.ptnic.tx_shared_vector=true"])
    all_arrived(bad, shared, "shared vector")
    check(bad, shared["interrupts.delivered"] == FRAMES,
          "shared vector: %s interrupts" % shared["interrupts.delivered"])
    check(bad, shared["setup.exits"] < paced["setup.exits"],
          "shared vector: %s setup exits, own vector %s" % (shared["setup.exits"],
                                                            paced["setup.exits"]))

    with tempfile.TemporaryDirectory() as d:
        vfs = run(ptsim, [], vf_scenario(d))
    all_arrived(bad, vfs, "two VFs", 2 * FRAMES)
    for n in (1, 2):
        k = "devices.nic0.vf%d.tx_frames" % n
        check(bad, vfs.get(k) == FRAMES, "two VFs: %s is %s" % (k, vfs.get(k)))

    none = run(ptsim, ["machine.iommu.enabled=false", "vms.0.dma.strategy=none"])
    check(bad, none["workload.frames_received"] == 0 and none["workload.frames_lost"] > 0,
          "no IOMMU: %s received intact, %s lost" % (none["workload.frames_received"],
                                                     none["workload.frames_lost"]))

    multi_queue(ptsim, bad)

    for b in bad:
        print("FAILED: " + b)
    if not bad:
        print("stream_tx: paced, ring-bound, flat out, shared vector, VFs, no IOMMU and "
              "transmit queues behave as documented")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
