#!/usr/bin/env python3
"""pciutils reads ptsim's config dumps as the capabilities were meant.

  lspci_decode.py PTSIM

Runs `ptsim lspci configs/machines/server-2s.yaml -xxxx` and `... workstation-noacs.yaml`,
feeds each dump to pciutils' `lspci -F DUMP -vvv` (Debian package pciutils) and checks what it
decodes: MSI-X table size and BIR, ACS capability and control bits, SR-IOV TotalVFs / offset /
stride / VF device, link speed and width, the tree and the VF functions; and that the shorter
-x and -xxx dumps have the rows lspci prints and are read back too.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def dump(ptsim, machine, d, *args):
    path = os.path.join(d, os.path.basename(machine) + ".dump")
    p = subprocess.run([ptsim, "lspci", machine, "-xxxx"] + list(args), capture_output=True,
                       text=True)
    if p.returncode:
        raise SystemExit("FAILED: ptsim lspci %s: %s" % (machine, p.stderr))
    with open(path, "w") as f:
        f.write(p.stdout)
    return path


def lspci(path, slot):
    p = subprocess.run(["lspci", "-F", path, "-vvv", "-s", slot], capture_output=True,
                       text=True)
    if p.returncode:
        raise SystemExit("FAILED: lspci -F %s -s %s: %s" % (path, slot, p.stderr))
    return p.stdout


def main(argv):
    ptsim = argv[0]
    bad = []

    def claim(ok, text):
        print("%s %s" % ("ok  " if ok else "FAIL", text))
        if not ok:
            bad.append(text)

    if not shutil.which("lspci"):
        print("FAILED: lspci is not installed (pciutils; scripts/install-deps.sh installs it)")
        return 1
    with tempfile.TemporaryDirectory() as d:
        server = dump(ptsim, "configs/machines/server-2s.yaml", d)
        noacs = dump(ptsim, "configs/machines/workstation-noacs.yaml", d)

        nic = lspci(server, "06:00.0")
        claim("MSI-X: Enable- Count=129 Masked-" in nic and
              "Vector table: BAR=3 offset=00000000" in nic,
              "X710 PF: MSI-X with 129 vectors, table in BAR 3 at 0")
        claim("Initial VFs: 64, Total VFs: 64, Number of VFs: 64" in nic and
              "VF offset: 16, stride: 1, Device ID: 154c" in nic and
              re.search(r"IOVCtl:\s+Enable\+ .*MSE\+ ARIHierarchy\+", nic) is not None,
              "X710 PF: SR-IOV TotalVFs 64, NumVFs 64, offset 16, stride 1, VF device 154c, "
              "enabled with ARI")
        claim("LnkSta:\tSpeed 8GT/s, Width x8" in nic, "X710 PF: link at 8 GT/s x8")
        claim("Alternative Routing-ID Interpretation (ARI)" in nic and
              "Address Translation Service (ATS)" in nic, "X710 PF: ARI and ATS capabilities")
        vf = lspci(server, "06:02.0")
        claim("Ethernet Virtual Function 700 Series" in vf or "154c" in vf,
              "VF 1 at 06:02.0 (PF RID + 16) with the VF device ID")
        claim("MSI-X: Enable- Count=5 Masked-" in vf, "VF: MSI-X with 5 vectors")

        rp = lspci(server, "00:02.0")
        claim("ACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
              "DirectTrans-" in rp, "root port: ACS capability SV TB RR CR UF")
        claim("ACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
              "DirectTrans-" in rp, "root port: the host enabled SV RR CR UF (as Linux)")
        claim("Bus: primary=00, secondary=06, subordinate=06" in rp,
              "root port: bus numbers the host assigned")
        claim("ARIFwd+" in rp and re.search(r"DevCtl2:.*ARIFwd\+", rp) is not None,
              "root port: ARI forwarding supported and enabled")
        gpu_port = lspci(server, "02:0a.0")
        claim("Downstream Port" in gpu_port and "LnkSta:\tSpeed 8GT/s, Width x16" in gpu_port,
              "switch downstream port: Gen3 x16 link")
        gpu = lspci(server, "05:00.0")
        # (a dump carries no sizes: lspci takes those from sysfs)
        claim(re.search(r"Region 1: Memory at 3[0-9a-f]{11} \(64-bit, prefetchable\)", gpu)
              is not None, "GPU: BAR 1 64-bit prefetchable, above 4 GiB (the 64-bit window)")

        dsp = lspci(noacs, "02:01.0")
        claim("Access Control Services" not in dsp, "no-ACS switch port: no ACS capability")
        nic0 = lspci(noacs, "05:00.0")
        claim("Multi-function device" in nic0 or re.search(r"Region 2: I/O ports", nic0),
              "dual-port NIC: I/O BAR decoded")
        # -x and -xxx: the first 64 and 256 bytes, rows lspci -F also reads
        for flag, rows in (("-x", 4), ("-xxx", 16)):
            text = subprocess.run([ptsim, "lspci", "configs/machines/server-2s.yaml", flag],
                                  capture_output=True, text=True).stdout
            blocks = [b.splitlines() for b in text.strip("\n").split("\n\n")]
            claim(len(blocks) == 84 and
                  all(len(b) == rows + 1 and b[-1].startswith("%02x: " % (16 * (rows - 1)))
                      for b in blocks),
                  "lspci %s: 84 functions, %d rows of 16 bytes each" % (flag, rows))
            path = os.path.join(d, "server%s.dump" % flag)
            with open(path, "w") as f:
                f.write(text)
            nic_x = lspci(path, "06:00.0")
            if flag == "-x":
                claim("Ethernet controller" in nic_x and ("1572" in nic_x or "X710" in nic_x),
                      "lspci -F reads the -x dump: the PF's identity")
            else:
                claim("MSI-X: Enable- Count=129" in nic_x and "SR-IOV" not in nic_x,
                      "lspci -F reads the -xxx dump: MSI-X, no extended capabilities")
        tree = subprocess.run(["lspci", "-F", server, "-t"], capture_output=True,
                              text=True).stdout
        ours = subprocess.run([ptsim, "lspci", "configs/machines/server-2s.yaml", "-t"],
                              capture_output=True, text=True).stdout
        claim(tree == ours, "ptsim lspci -t prints the tree pciutils draws from the dump")
    if bad:
        print("%d claim%s failed" % (len(bad), "" if len(bad) == 1 else "s"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
