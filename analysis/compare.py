#!/usr/bin/env python3
"""Compare two ptsim results files (JSON from `ptsim run --json`) key by key.

usage: compare.py BASELINE.json NEW.json [--tol KEY=REL ...] [--abs KEY=ABS ...]
                  [--ignore KEY ...] [--only PREFIX ...] [--quiet]

Keys are the dotted paths of the JSON ("exits.by_reason.hlt"). By default numbers must be
equal; --tol KEY=0.02 allows a 2 % relative difference, --abs KEY=5 an absolute one (a KEY
ending in '.' applies to every key under that prefix). wall_s is always ignored.
Prints one line per difference and exits 1 if any value moved beyond its tolerance, 0 if not,
2 on bad usage or unreadable files.
"""
import json
import math
import sys


def flatten(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, prefix + k + ".", out)
    else:
        out[prefix[:-1]] = obj
    return out


def lookup(table, key):
    if key in table:
        return table[key]
    best = None
    for k, v in table.items():
        if k.endswith(".") and key.startswith(k) and (best is None or len(k) > len(best[0])):
            best = (k, v)
    return best[1] if best else None


def compare(base, new, rel_tol, abs_tol, ignore, only):
    a, b = flatten(base), flatten(new)
    diffs = []
    for key in sorted(set(a) | set(b)):
        if key == "wall_s" or key in ignore or any(key.startswith(p) for p in ignore if p.endswith(".")):
            continue
        if only and not any(key.startswith(p) for p in only):
            continue
        if key not in a:
            diffs.append("%s: new key (= %r)" % (key, b[key]))
            continue
        if key not in b:
            diffs.append("%s: missing (was %r)" % (key, a[key]))
            continue
        x, y = a[key], b[key]
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
            if x == y:
                continue
            rt, at = lookup(rel_tol, key), lookup(abs_tol, key)
            d = abs(y - x)
            rel = d / abs(x) if x else math.inf
            if (rt is not None and rel <= rt) or (at is not None and d <= at):
                continue
            allowed = []
            if rt is not None:
                allowed.append("%.3g%%" % (100 * rt))
            if at is not None:
                allowed.append("%g" % at)
            diffs.append("%s: %r -> %r (%+.3g%%%s)" % (
                key, x, y, 100 * (y - x) / x if x else math.inf,
                ", allowed " + " or ".join(allowed) if allowed else ", must be equal"))
        elif x != y:
            diffs.append("%s: %r -> %r" % (key, x, y))
    return diffs


def parse_kv(items, flag):
    out = {}
    for it in items:
        if "=" not in it:
            raise ValueError("%s wants KEY=VALUE, not '%s'" % (flag, it))
        k, v = it.split("=", 1)
        out[k] = float(v)
    return out


def main(argv):
    files, rel, ab, ign, only, quiet = [], [], [], [], [], False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--tol", "--abs", "--ignore", "--only"):
            if i + 1 >= len(argv):
                print("compare.py: %s needs a value" % a, file=sys.stderr)
                return 2
            {"--tol": rel, "--abs": ab, "--ignore": ign, "--only": only}[a].append(argv[i + 1])
            i += 2
            continue
        if a == "--quiet":
            quiet = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            files.append(a)
        i += 1
    if len(files) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(files[0]) as f:
            base = json.load(f)
        with open(files[1]) as f:
            new = json.load(f)
        diffs = compare(base, new, parse_kv(rel, "--tol"), parse_kv(ab, "--abs"), set(ign), only)
    except (OSError, ValueError) as e:
        print("compare.py: %s" % e, file=sys.stderr)
        return 2
    for d in diffs:
        print(d)
    if not quiet:
        print("%s vs %s: %s" % (files[0], files[1],
                                 "%d difference%s" % (len(diffs), "" if len(diffs) == 1 else "s")
                                 if diffs else "same"))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
