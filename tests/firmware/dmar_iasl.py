#!/usr/bin/env python3
"""The DMAR table ptsim's firmware builds, read back by ACPICA's disassembler.

  dmar_iasl.py PTSIM       write configs/vtd_units.yaml's table with `ptsim acpi --dmar`,
                           run `iasl -d` on it and check what iasl says it contains

iasl parses every structure against the ACPI/VT-d layout and recomputes the checksum: a
wrong length, a bad scope or a bad checksum shows up in its output.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXPECT = [
    (r"Signature : \"DMAR\"", "the signature"),
    (r"Host Address Width : 2D", "HAW 46 bits (stored as 45)"),
    (r"Flags : 01", "INTR_REMAP"),
    # the scoped DRHD first, at 0xfed90000, with a bridge scope for 00:02.0
    (r"Subtable Type : 0000 \[Hardware Unit Definition\]", "a DRHD"),
    (r"Register Base Address : 00000000FED90000", "the first unit's registers"),
    (r"Device Scope Type : 02 \[PCI Bridge Device\]", "a bridge scope"),
    (r"PCI Path : 02,00", "the path to root port 00:02.0"),
    # the INCLUDE_PCI_ALL unit last
    (r"Register Base Address : 00000000FED91000", "the second unit's registers"),
    (r"Subtable Type : 0001 \[Reserved Memory Region\]", "an RMRR"),
    (r"Base Address : 000000007E000000", "the RMRR base"),
    (r"End Address \(limit\) : 000000007E00FFFF", "the RMRR limit"),
    (r"Device Scope Type : 01 \[PCI Endpoint Device\]", "the RMRR's endpoint scope"),
    (r"Subtable Type : 0002 \[Root Port ATS Capability\]", "an ATSR"),
]


def main(argv):
    ptsim = argv[0]
    iasl = shutil.which("iasl")
    if not iasl:
        print("FAIL: iasl not found (Debian package acpica-tools; scripts/install-deps.sh)")
        return 1
    bad = []
    with tempfile.TemporaryDirectory() as d:
        dat = os.path.join(d, "dmar.dat")
        p = subprocess.run([ptsim, "acpi", "configs/vtd_units.yaml", "--dmar", dat],
                           capture_output=True, text=True)
        if p.returncode:
            print("FAIL: ptsim acpi: %s" % p.stderr)
            return 1
        p = subprocess.run([iasl, "-d", dat], capture_output=True, text=True, cwd=d)
        dsl = os.path.join(d, "dmar.dsl")
        if p.returncode or not os.path.exists(dsl):
            print("FAIL: iasl -d: %s%s" % (p.stdout, p.stderr))
            return 1
        text = open(dsl, encoding="utf-8", errors="replace").read()
        # iasl reports a checksum it disagrees with, and structures it cannot decode
        for trouble in ("Incorrect checksum", "Invalid", "**** "):
            if trouble in text:
                bad.append("iasl complains: %s" % trouble)
        for pattern, what in EXPECT:
            ok = re.search(pattern, text) is not None
            print("%s %s" % ("ok  " if ok else "FAIL", what))
            if not ok:
                bad.append(what)
        # the INCLUDE_PCI_ALL unit comes after the scoped one (VT-d 8.3)
        a = text.find("FED90000")
        b = text.find("FED91000")
        if not (0 <= a < b):
            bad.append("unit order")
        # a table without the second unit must differ: the check can fail
        p = subprocess.run([ptsim, "acpi", "configs/default.yaml", "--dmar", dat],
                           capture_output=True, text=True)
        subprocess.run([iasl, "-d", dat], capture_output=True, text=True, cwd=d)
        text = open(dsl, encoding="utf-8", errors="replace").read()
        if "FED91000" in text or "Reserved Memory Region" in text:
            bad.append("the default machine's table has a second unit or an RMRR")
        if "PCI Include All" not in text and "Flags : 01" not in text:
            bad.append("the default unit is not INCLUDE_PCI_ALL")
    for b in bad:
        print("FAIL: %s" % b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
