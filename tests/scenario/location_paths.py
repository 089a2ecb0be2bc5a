#!/usr/bin/env python3
"""Location paths are durable: adding a device elsewhere renumbers buses but changes no path.

  location_paths.py PTSIM MACHINE [SLOT]

Surveys MACHINE, then a copy with a new root port at SLOT (default 3, a free slot) holding a two-port switch (its buses
come before those of every port at a higher slot), and checks that every named function keeps
its location path, that at least one of them moved to another bus, and that the new functions'
paths start at their own root port. The paths come from the host's enumeration (ptsim survey).
"""
import json
import os
import subprocess
import sys
import tempfile

EXTRA = """\
    - name: added_rp3
      type: root_port
      slot: {slot}
      below:
        - name: added_sw
          type: switch
          ports:
            - name: added_sw.p1
              slot: 1
              below: [{name: added_ep1, type: endpoint}]
            - name: added_sw.p2
              slot: 2
              below: [{name: added_ep2, type: endpoint}]
"""


def survey(ptsim, path):
    p = subprocess.run([ptsim, "survey", path, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAILED: ptsim survey %s exited %d\n%s" % (path, p.returncode, p.stderr))
    return {f["name"]: f for f in json.loads(p.stdout)["functions"] if f["name"]}


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    ptsim, machine = argv[:2]
    slot = int(argv[2]) if len(argv) == 3 else 3
    with open(machine) as f:
        text = f.read()
    marker = "pcie:\n  devices:\n"
    if marker not in text:
        print("FAILED: %s has no 'pcie:\\n  devices:' block to add to" % machine)
        return 1
    before = survey(ptsim, machine)
    with tempfile.TemporaryDirectory() as d:
        grown = os.path.join(d, os.path.basename(machine))
        with open(grown, "w") as f:
            f.write(text.replace(marker, marker + EXTRA.replace("{slot}", str(slot)), 1))
        after = survey(ptsim, grown)
    bad, moved = [], []
    for name, f in before.items():
        g = after.get(name)
        if g is None or g["path"] != f["path"]:
            bad.append("%s: %s -> %s" % (name, f["path"], g and g["path"]))
        elif g["bdf"] != f["bdf"]:
            moved.append("%s %s -> %s" % (name, f["bdf"], g["bdf"]))
    for name in ("added_ep1", "added_ep2"):
        if name not in after or not after[name]["path"].startswith("PCIROOT(0)#PCI(%02x00)#" % slot):
            bad.append("%s: %s" % (name, after.get(name, {}).get("path")))
    if bad:
        print("FAILED: location paths changed:\n  " + "\n  ".join(bad))
        return 1
    if not moved:
        print("FAILED: adding a switch at slot %d moved no function to another bus; the test "
              "proves nothing on this machine" % slot)
        return 1
    print("%d paths unchanged; %d functions renumbered, e.g. %s" %
          (len(before), len(moved), moved[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
