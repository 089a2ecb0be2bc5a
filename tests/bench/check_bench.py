#!/usr/bin/env python3
"""`make bench` prints what it says: run ptsim-bench once and check that every figure it
prints was measured and is consistent (never wall-clock thresholds: speed is not tested).

  check_bench.py PTSIM_BENCH
"""
import re
import subprocess
import sys


def main(argv):
    p = subprocess.run([argv[0]], capture_output=True, text=True)
    out = p.stdout
    bad = []

    def claim(ok, text):
        print("%s %s" % ("ok  " if ok else "FAIL", text))
        if not ok:
            bad.append(text)

    claim(p.returncode == 0, "ptsim-bench exits 0")
    raw = re.search(r"raw SimGrid sleeps:\s+(\d+) /s", out)
    fps = re.search(r"default scenario:\s+(\d+) frames/s", out)
    ratio = re.search(r"ratio frames/s : raw sleeps/s:\s+([\d.]+)", out)
    claim(bool(raw and fps and ratio), "speed figures printed")
    if raw and fps and ratio:
        r = int(fps.group(1)) / int(raw.group(1))
        claim(abs(r - float(ratio.group(1))) <= 0.0002 + 0.01 * r,
              "the ratio is frames/s over raw sleeps/s of the same run")
    setup = re.search(r"(\d+) frames in ([\d.]+) s wall; setup ([\d.]+) s wall", out)
    claim(bool(setup) and float(setup.group(2)) > 0 and float(setup.group(3)) > 0,
          "steady-state wall time and setup wall time reported apart")
    if setup and fps and float(setup.group(2)) > 0:
        f = int(setup.group(1)) / float(setup.group(2))
        claim(abs(f - int(fps.group(1))) <= 1 + 0.01 * f,
              "steady-state frames/s is the window's frames over the window's wall time")
    by_guest = re.search(r"events per frame by guest:\s+emulated ([\d.-]+), vtd_posted "
                         r"([\d.-]+), halting ([\d.-]+)", out)
    claim(bool(by_guest) and all(float(x) > 0 for x in by_guest.groups()),
          "engine events per frame measured for emulated, vtd_posted and halting guests")
    dma = re.search(r"dma_bench:\s+([\d.-]+) reads/s per wall second \(window\), ([\d.-]+) "
                    r"events/read \((\d+) reads\)", out)
    claim(bool(dma) and float(dma.group(1)) > 0 and float(dma.group(2)) > 0
          and int(dma.group(3)) > 0, "dma_bench reads per wall second and events per read "
          "measured")
    runs = re.findall(r"^\s+(default \(1 VM, 1 NIC\)|64 VMs x 4 VFs)\s+(\d+)\s+([\d.]+)"
                      r"\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s*$", out, re.M)
    claim(len(runs) == 2, "whole runs: the default machine and the 64-VM machine (%d rows)"
          % len(runs))
    if len(runs) == 2:
        d, big = [[float(x) for x in r[1:]] for r in runs]
        claim(d[0] == 10000 and big[0] == 2560, "each run received every frame it was sent")
        claim(all(abs(r[2] - r[0] / r[1]) <= 1 + 0.01 * r[2] for r in (d, big) if r[1] > 0),
              "frames/s is frames over the run's own wall time")
        claim(all(r[3] > 0 and r[4] > 0 for r in (d, big)), "events per frame and peak RSS "
              "measured")
        claim(big[4] > d[4], "the 64-VM machine holds more memory than the default one")
    rows = re.findall(r"^\s+(4 KiB|2 MiB)\s+(\d+ [KM]iB)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)"
                      r"\s+([\d.-]+)\s+([\d.-]+)\s*$", out, re.M)
    claim(len(rows) == 16, "IOMMU table: 8 windows x 2 page sizes (%d rows)" % len(rows))
    if len(rows) == 16:
        vals = [[float(x) for x in r[2:]] for r in rows]
        claim(all(0 <= v[0] <= 1 and v[1] > 0 and v[2] > v[1] and v[3] > 0 and v[4] > 0
                  for v in vals), "every cell measured: hit rate in [0,1], read latency above "
              "translation time, bandwidth above 0")
        small = vals[:8]
        claim(all(small[i][0] >= small[i + 1][0] for i in range(7)) and small[-1][0] < 0.05,
              "4 KiB pages: the hit rate falls as the window grows past the IOTLB's reach")
        claim(all(v[0] > 0.99 for v in vals[8:]), "2 MiB pages: 64 MiB stays in the IOTLB")
        claim(small[-1][2] > small[0][2] and small[-1][4] < small[0][4],
              "misses cost read latency and bandwidth")
    if bad:
        print(out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
