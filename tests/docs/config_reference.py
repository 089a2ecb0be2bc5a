#!/usr/bin/env python3
"""configs/README.md carries the schema (`ptsim check --schema`) between two markers, and the
sweep file's (`ptsim sweep --schema`) and the calibration file's (`ptsim calibrate --schema`)
between others; this keeps them true.
    config_reference.py PTSIM README [--update]"""
import difflib
import subprocess
import sys

BLOCKS = [("<!-- schema:begin -->", "<!-- schema:end -->", ["check", "--schema"]),
          ("<!-- sweep-schema:begin -->", "<!-- sweep-schema:end -->", ["sweep", "--schema"]),
          ("<!-- calib-schema:begin -->", "<!-- calib-schema:end -->",
           ["calibrate", "--schema"])]


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    ptsim, readme = argv[0], argv[1]
    with open(readme) as f:
        text = f.read()
    failed = False
    for BEGIN, END, args in BLOCKS:
        schema = subprocess.run([ptsim] + args, capture_output=True, text=True,
                                check=True).stdout
        if BEGIN not in text or END not in text:
            print("FAILED: %s has no %s ... %s block" % (readme, BEGIN, END))
            return 1
        head, rest = text.split(BEGIN, 1)
        body, tail = rest.split(END, 1)
        want = "\n```yaml\n" + schema + "```\n"
        if "--update" in argv:
            text = head + BEGIN + want + END + tail
            continue
        if body != want:
            sys.stdout.writelines(difflib.unified_diff(body.splitlines(True),
                                                       want.splitlines(True), readme,
                                                       "ptsim " + " ".join(args)))
            print("FAILED: %s is out of date; run: %s %s %s --update" % (
                readme, sys.argv[0], ptsim, readme))
            failed = True
    if "--update" in argv:
        with open(readme, "w") as f:
            f.write(text)
        print("updated %s" % readme)
        return 0
    if failed:
        return 1
    print("%s matches the schema" % readme)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
