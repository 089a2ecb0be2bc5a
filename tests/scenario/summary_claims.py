#!/usr/bin/env python3
"""The summary and logs say only what is true, and README.md shows the real summary.

  summary_claims.py PTSIM

- README.md's first summary excerpt appears line for line in `ptsim run configs/default.yaml`
  (what `make run` prints);
- with dma.strategy=none nothing is translated: no mean translation time is printed as if it
  were one, and with no frame received no per-frame figure (latency, cycles per frame);
- dma_bench has no VM in its window: no Interrupts and exits or CPU section, no interrupt mode
  or DMA strategy in the window line;
- the host's log in a trace names functions by BDF (01:00.0), as lspci does.
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def run(ptsim, *args):
    p = subprocess.run([ptsim, "run"] + list(args), capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("FAILED: ptsim run %s exited %d\n%s"
                         % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def readme_excerpt():
    with open("README.md") as f:
        text = f.read()
    m = re.search(r"Among what it prints:\n\n```\n(.*?)```", text, re.S)
    return m.group(1).splitlines() if m else []


def main(argv):
    ptsim = argv[0]
    bad = []

    def claim(ok, text, detail=""):
        print("%s %s" % ("ok  " if ok else "FAIL", text))
        if not ok:
            print(detail)
            bad.append(text)

    default = run(ptsim, "configs/default.yaml").splitlines()
    excerpt = readme_excerpt()
    missing = [line for line in excerpt if line not in default]
    claim(excerpt and not missing, "README.md's summary excerpt is what make run prints",
          "  not in the output:\n    " + "\n    ".join(missing))

    none = run(ptsim, "configs/default.yaml", "--set", "vms.0.dma.strategy=none",
               "--set", "workload.frames=300")
    m = re.search(r"IOTLB lookups +(\d+)", none)
    lookups = int(m.group(1)) if m else -1
    m = re.search(r"mean translation time +(\S+)", none)
    claim(lookups == 0 and m and m.group(1) == "-",
          "strategy none: no mean translation time without an IOTLB lookup",
          "  IOTLB lookups %d, mean translation time %s" % (lookups, m and m.group(1)))
    received = int(re.search(r"frames received +(\d+)", none).group(1))
    m = re.search(r"total \(guest \+ exits \+ host\) +(\S+)", none)
    lat = re.search(r"latency, wire to application +(\S+)", none)
    claim(received > 0 or (m and m.group(1) == "-" and lat and lat.group(1) == "-"),
          "no frame received: no cycles per frame and no latency printed as 0",
          "  frames %d, cycles per frame %s, latency %s"
          % (received, m and m.group(1), lat and lat.group(1)))

    bench = run(ptsim, "configs/dma_bench.yaml", "--set", "workload.reads=500")
    claim("Interrupts and exits" not in bench and "\nCPU" not in bench and
          "DMA reads" in bench and "\nIOMMU" in bench,
          "dma_bench: no Interrupts and exits or CPU section (there is no VM in it)", bench)
    claim(not re.search(r"Measured window:.*(mode|DMA)", bench),
          "dma_bench: no interrupt mode or DMA strategy in the window line", bench)

    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "t.json")
        run(ptsim, "configs/default.yaml", "--quiet", "--set", "workload.frames=5",
            "--trace", t)
        with open(t) as f:
            msgs = [e["args"]["msg"] for e in json.load(f)["traceEvents"]
                    if e.get("name") == "host log"]
    vfio = [m for m in msgs if m.startswith("vfio:")]
    claim(vfio and all(re.match(r"vfio: [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] assigned", m)
                       for m in vfio),
          "the host log names the assigned function by its BDF", "  " + "\n  ".join(vfio))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
