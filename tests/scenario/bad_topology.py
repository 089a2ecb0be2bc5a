#!/usr/bin/env python3
"""An impossible topology is a config error for every command: file:line:column, exit 2.

  bad_topology.py PTSIM

Writes machine files with one mistake each and runs `ptsim check`, `ptsim survey` and
`ptsim lspci` on them: each must exit 2 and name the file, line and column. (The messages and
positions of every topology error are checked in tests/unit/sim/test_topology.c.) And
`ptsim check` accepts the shipped machine files as they are.
"""
import os
import subprocess
import sys
import tempfile

HEAD = "pcie:\n  devices:\n    - name: rp1\n      type: root_port\n      slot: 1\n      below:\n"
CASES = [
    ("bar_not_power_of_two",
     HEAD + "        - {name: ep, type: endpoint, bars: [{index: 0, size: 12288}]}\n",
     "7:", "not a power of two"),
    ("numvfs_above_totalvfs",
     HEAD + "        - {name: pf, type: endpoint, sriov: {total_vfs: 8, num_vfs: 9}}\n",
     "7:", "NumVFs 9 is above TotalVFs 8"),
    ("conventional_on_pcie",
     HEAD + "        - {name: usb, type: pci_device}\n",
     "7:", "conventional PCI device on a PCIe"),
    ("duplicate_name",
     HEAD + "        - {name: rp1, type: endpoint}\n",
     "7:", "duplicate device name 'rp1'"),
]


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    ptsim = argv[0]
    bad = []
    with tempfile.TemporaryDirectory() as d:
        for name, yaml, line, msg in CASES:
            path = os.path.join(d, name + ".yaml")
            with open(path, "w") as f:
                f.write(yaml)
            for cmd in (["check"], ["survey"], ["lspci", "-t"]):
                p = subprocess.run([ptsim] + cmd[:1] + [path] + cmd[1:], capture_output=True,
                                   text=True)
                want = "%s:%s" % (path, line)
                ok = p.returncode == 2 and want in p.stderr and msg in p.stderr
                print("%s %s %s: exit %d" % ("ok  " if ok else "FAIL", name, cmd[0],
                                             p.returncode))
                if not ok:
                    print("  wanted %s... %s; got:\n%s" % (want, msg, p.stderr))
                    bad.append(name)
    machines = sorted(os.listdir("configs/machines"))
    for m in machines:
        p = subprocess.run([ptsim, "check", os.path.join("configs/machines", m)],
                           capture_output=True, text=True)
        ok = p.returncode == 0 and "ok (machine" in p.stdout
        print("%s check configs/machines/%s: exit %d" % ("ok  " if ok else "FAIL", m,
                                                         p.returncode))
        if not ok:
            print(p.stderr)
            bad.append(m)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
