#!/usr/bin/env python3
"""configs/README.md carries the schema (`ptsim check --schema`) between two markers; this
keeps it true.   config_reference.py PTSIM README [--update]"""
import difflib
import subprocess
import sys

BEGIN, END = "<!-- schema:begin -->", "<!-- schema:end -->"


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    ptsim, readme = argv[0], argv[1]
    schema = subprocess.run([ptsim, "check", "--schema"], capture_output=True, text=True,
                            check=True).stdout
    with open(readme) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        print("FAILED: %s has no %s ... %s block" % (readme, BEGIN, END))
        return 1
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    want = "\n```yaml\n" + schema + "```\n"
    if "--update" in argv:
        with open(readme, "w") as f:
            f.write(head + BEGIN + want + END + tail)
        print("updated %s" % readme)
        return 0
    if body != want:
        sys.stdout.writelines(difflib.unified_diff(body.splitlines(True), want.splitlines(True),
                                                   readme, "ptsim check --schema"))
        print("FAILED: %s is out of date; run: %s %s %s --update" % (readme, sys.argv[0], ptsim,
                                                                      readme))
        return 1
    print("%s matches the schema" % readme)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
