#!/usr/bin/env python3
"""Each teaching lab (configs/teaching/*.yaml) runs, and its trace contains every step its
comments tell a student to look for (the names in double quotes).

  teaching.py PTSIM
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile


def main(argv):
    ptsim = argv[0]
    bad = 0
    labs = sorted(glob.glob("configs/teaching/irq-*.yaml"))
    if not labs:
        print("FAILED: no labs found")
        return 1
    with tempfile.TemporaryDirectory() as d:
        for lab in labs:
            with open(lab) as f:
                text = f.read()
            comments = "\n".join(l for l in text.splitlines() if l.lstrip().startswith("#"))
            # "..." names in the comments; what follows "Add  --set" or "Try" is a variant.
            main_part = re.split(r"\n#.*(?:Add  --set|Try guest_idle)", comments)[0]
            steps = set(re.findall(r'"([^"\n]+)"', main_part))
            tr = os.path.join(d, "t.json")
            p = subprocess.run([ptsim, "run", lab, "--quiet", "--trace", tr],
                               capture_output=True, text=True)
            if p.returncode:
                print("FAIL %s: %s" % (lab, p.stderr.strip()))
                bad += 1
                continue
            with open(tr) as f:
                names = {e.get("name", "") for e in json.load(f)["traceEvents"]}
            missing = sorted(s for s in steps if s not in names and
                             not any(n.startswith(s) for n in names))
            if missing or not steps:
                print("FAIL %s: steps named in its comments are not in its trace: %s"
                      % (lab, missing or "(none named)"))
                bad += 1
            else:
                print("ok   %s: %d steps in the trace" % (lab, len(steps)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
