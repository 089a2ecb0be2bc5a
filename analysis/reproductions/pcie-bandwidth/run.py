#!/usr/bin/env python3
"""Reproduction 1: PCIe effective DMA read bandwidth against transfer size, Gen3 x8.

usage: run.py [PTSIM] [--out DIR] [--smoke | --full] [-j N] [--estimate]

Runs sweep.yaml (dma_bench: random reads of 4 B to 4 KiB, 256 in flight, every translation an
IOTLB hit) and sets ptsim's bandwidth beside pcie-bench's model of the same link (Neugebauer
et al., SIGCOMM'18; github.com/pcie-bench/pcie-model, model/pcie.py), computed here from the
model's formulas: Gen3 x8 at MPS 256 carries 57.88 Gb/s of TLPs (REFERENCE.md); a read of s
bytes costs ceil(s/MPS) completions of 20 bytes of header and framing plus its data downstream,
and ceil(s/MRRS) requests of 24 bytes upstream, whichever direction fills first. Prints the
table (Markdown) and draws bandwidth.png/.svg (ptsim and the model against read size).
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

RES = {
    "smoke": {"set": {"workload.reads": 1000}, "values": {"workload.read_bytes": [64, 4096]}},
    "full": {"set": {"workload.reads": 200000}, "seeds": 3},
}

# pcie-model's link: Gen3 x8 (8 GT/s x 8 lanes, 128b/130b), MPS 256, MRRS 512; Acks and
# UpdateFCs every 203 symbol times (PCIe 5.0 Table 3-9), SKP ordered sets 4 of every 1538.
GEN3_X8_RAW_GBPS = 8.0 * 8 * 128 / 130
ACK_LIMIT = 203
MPS, MRRS = 256, 512
CPL_OVERHEAD, MRD_BYTES = 20, 24   # CplD: 8 framing + 12 header; 64-bit MRd: 8 + 16
ISSUE_NS = 4.0                     # the DMA engine's time between two requests (dmaeng_cfg.c)


def tlp_gbps():
    return GEN3_X8_RAW_GBPS * (1 - 2 * 8.0 / ACK_LIMIT - 4.0 / 1538)


def model_read_gbps(size):
    """pcie-model's effective read bandwidth for back-to-back reads of `size` bytes."""
    bw = tlp_gbps()
    down = math.ceil(size / MPS) * CPL_OVERHEAD + size   # completions per read
    up = math.ceil(size / MRRS) * MRD_BYTES              # requests per read
    reads_per_ns = min(bw / 8 / down, bw / 8 / up)
    return size * 8 * reads_per_ns


def main(argv):
    args = common.parse_args("pcie-bandwidth", argv, __doc__)
    sw = common.Sweep(args, os.path.join(HERE, "sweep.yaml"), RES)
    if args.estimate:
        return common.estimate(args, [sw])
    rows, columns = sw.run()
    rep = common.Report(args)
    rep.sweep_line(sw)
    rep.say("pcie-model: Gen3 x8, MPS %d, MRRS %d: %.2f Gb/s of TLPs" % (MPS, MRRS, tlp_gbps()),
            "")
    sizes = sorted({int(r["param.workload.read_bytes"]) for r in rows})
    out = []
    for s in sizes:
        rs = common.pick(rows, workload__read_bytes=s)
        sim = common.mean(rs, "throughput_gbps")
        model = model_read_gbps(s)
        out.append([s, "%.2f" % sim, "%.2f" % model, "%.3f" % (sim / model),
                    "%.2f" % (s * 8 / ISSUE_NS), "%.0f" % common.mean(rs, "latency_ns.mean")])
    rep.say(*common.table(["read bytes", "ptsim Gb/s", "pcie-model Gb/s", "ptsim / model",
                           "engine issue limit Gb/s", "read latency ns (mean)"], out))
    figs = common.figure(args, "bandwidth", rows, columns, "throughput_gbps",
                         "workload.read_bytes", logx=True,
                         title="DMA read bandwidth, Gen3 x8 (MPS 256, MRRS 512)",
                         xlabel="read size (bytes)", ylabel="effective bandwidth (Gb/s)",
                         extra=[("pcie-model (Neugebauer et al.)",
                                 {str(s): model_read_gbps(s) for s in sizes})])
    rep.done(figs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
