#!/usr/bin/env python3
"""Survey goldens: `ptsim survey MACHINE [ARGS]` must print exactly GOLDEN.

  survey.py PTSIM MACHINE GOLDEN [--update] [-- ARGS...]

A change to a golden file is a reviewed decision: say why in the commit message.
"""
import os
import re
import subprocess
import sys


def counts_add_up(text):
    """The footer counts each function once: its numbers add up to the listed functions."""
    rows = len(re.findall(r"^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] ", text, re.M))
    footer = text.rstrip().splitlines()[-1]
    m = re.match(r"(\d+) assignable \((\d+) of them only because forced\), (\d+) not "
                 r"assignable", footer)
    if m:
        total = int(m.group(1)) + int(m.group(3))
    else:
        m = re.match(r"(\d+) assignable, (\d+) assignable when forced(?: \(forced here\))?, "
                     r"(\d+) not assignable", footer)
        total = sum(int(g) for g in m.groups()) if m else -1
    if total != rows:
        print("FAILED: the footer counts %d functions, the survey lists %d:\n  %s"
              % (total, rows, footer))
        return False
    return True


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    ptsim, machine, golden = argv[:3]
    rest = argv[3:]
    update = "--update" in rest
    extra = rest[rest.index("--") + 1:] if "--" in rest else []
    p = subprocess.run([ptsim, "survey", machine] + extra, capture_output=True, text=True)
    if p.returncode != 0:
        print("FAILED: ptsim survey %s exited %d\n%s" % (machine, p.returncode, p.stderr))
        return 1
    if "--json" not in extra and not counts_add_up(p.stdout):
        return 1
    if update:
        with open(golden, "w") as f:
            f.write(p.stdout)
        print("updated %s" % golden)
        return 0
    if not os.path.exists(golden):
        print("FAILED: no golden file %s (run with --update to create it)" % golden)
        return 1
    with open(golden) as f:
        want = f.read()
    if want != p.stdout:
        import difflib
        sys.stdout.writelines(difflib.unified_diff(want.splitlines(True),
                                                   p.stdout.splitlines(True), golden, "ptsim"))
        print("FAILED: %s differs from the golden file" % machine)
        return 1
    print("%s: survey matches %s" % (machine, golden))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
