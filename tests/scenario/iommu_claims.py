#!/usr/bin/env python3
"""What README.md and configs/ say about the IOMMU scenarios, checked on the real program.

  iommu_claims.py PTSIM     run configs/dma_bench.yaml and configs/vtd_units.yaml briefly and
                            check their claims; dma_bench twice with one seed: identical
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def run(ptsim, d, name, config, *sets):
    out = os.path.join(d, name + ".json")
    cmd = [ptsim, "run", config, "--quiet", "--json", out]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
    with open(out) as f:
        return f.read(), json.loads(open(out).read())


def main(argv):
    ptsim = argv[0]
    bad = []

    def claim(ok, text):
        print("%s %s" % ("ok  " if ok else "FAIL", text))
        if not ok:
            bad.append(text)

    with tempfile.TemporaryDirectory() as d:
        cfg = "configs/dma_bench.yaml"
        n = "workload.reads=4000"
        _, small = run(ptsim, d, "small", cfg, n, "workload.window_kib=64")
        _, big = run(ptsim, d, "big", cfg, n, "workload.window_kib=16384")
        _, big2m = run(ptsim, d, "big2m", cfg, n, "workload.window_kib=16384",
                       "workload.page_kib=2048")
        _, one = run(ptsim, d, "one", cfg, n, "workload.window_kib=16384",
                     "workload.outstanding=1")
        claim(small["iotlb"]["hit_rate"] > 0.98 and big["iotlb"]["hit_rate"] < 0.05,
              "4 KiB pages: a 64 KiB window fits the 64-entry IOTLB, 16 MiB does not")
        claim(big2m["iotlb"]["hit_rate"] > 0.98,
              "2 MiB pages: 16 MiB is eight IOTLB entries")
        claim(300 < one["iommu"]["translation_ns_mean"] < 400 and
              one["iommu"]["walks_queued"] == 0,
              "one read in flight: a miss costs a 4-level walk (~340 ns), no queueing")
        claim(big["iommu"]["translation_ns_mean"] > 2 * one["iommu"]["translation_ns_mean"] and
              big["iommu"]["walks_queued"] > 0,
              "32 reads in flight: misses queue for the 4 walkers")
        claim(big2m["throughput_gbps"] > 3 * big["throughput_gbps"],
              "DMA bandwidth collapses when every read misses")
        claim(small["workload"]["reads"] == 4000 and small["workload"]["read_errors"] == 0 and
              small["iommu"]["faults"] == 0, "every read translated, no faults")
        a, _ = run(ptsim, d, "a", cfg, n)
        b, _ = run(ptsim, d, "b", cfg, n)
        strip = lambda s: re.sub(r'"wall_s": [^,\n]*', "", s)
        claim(strip(a) == strip(b), "dma_bench: same seed, identical results")

        _, u = run(ptsim, d, "units", "configs/vtd_units.yaml", "workload.frames=300")
        claim(u["iommu"]["units"] == 2 and u["workload"]["frames_received"] == 300,
              "two DRHD units; the NIC behind the INCLUDE_PCI_ALL one receives every frame")
        claim(u["ats"]["atc"]["hits"] > 0 and u["ats"]["translation_requests"] > 0 and
              u["ats"]["translated_requests"] >= u["ats"]["atc"]["hits"],
              "ATS: translation requests fill the NIC's ATC, whose hits go translated")
        claim(u["iommu"]["pinned_pages_peak"] == 256 * 1024 // 4,
              "direct_map on the second unit: vm0's 256 MiB mapped in its tables (peaks summed "
              "over the units)")
        p = subprocess.run([ptsim, "run", "configs/vtd_units.yaml", "--set",
                            "workload.frames=300"], capture_output=True, text=True)
        rows = {}
        for line in p.stdout.splitlines():
            m = re.match(r"    (IOTLB|context cache|interrupt entry cache|device TLBs \(ATS\))"
                         r" +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", line)
            if m:
                rows[m.group(1)] = [int(x) for x in m.groups()[1:]]
        claim(rows.get("IOTLB", [None])[0] == u["iotlb"]["lookups"] and
              rows.get("context cache", [None])[0] ==
              u["iommu"]["context_cache"]["lookups"] and
              rows.get("device TLBs (ATS)", [None, None])[1] == u["ats"]["atc"]["hits"] and
              "interrupt entry cache" in rows,
              "the summary lists every cache used, with the results' counts")
    if bad:
        print("%d claim%s failed" % (len(bad), "" if len(bad) == 1 else "s"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
