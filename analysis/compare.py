#!/usr/bin/env python3
"""Compare two ptsim results files, or two sweeps point by point, key by key.

usage: compare.py BASELINE.json NEW.json [options]      two runs (`ptsim run --json`)
       compare.py BASELINE.csv NEW.csv [options]        two sweeps (`ptsim sweep`: CSV, or
                                                        JSON lines .jsonl)
options: [--tol KEY=REL ...] [--abs KEY=ABS ...] [--ignore KEY ...] [--only PREFIX ...]
         [--match point|params] [--max-lines N] [--quiet]

Keys are the dotted paths of the JSON ("exits.by_reason.hlt"). By default numbers must be
equal; --tol KEY=0.02 allows a 2 % relative difference, --abs KEY=5 an absolute one (a KEY
ending in '.' applies to every key under that prefix, '*' to every key; the longest match
wins). wall_s is always ignored.

Sweeps: the rows are matched by `point` (the hash of the point's resolved config and seed),
or with --match params by the varied parameters (`param.*`) and the seed, for sweeps whose
configs differ (another ptsim version, another base scenario). Every matched row is compared
key by key as above; a row in one sweep only is a difference, and so is a result key only one
sweep has (listed once). With --match params the sweeps must vary the same parameters, and
`point`, `ptsim_version` and `config` are not compared. --max-lines caps the lines printed
(the count still says how many differences there are).

Prints one line per difference and exits 1 if any value moved beyond its tolerance (or rows
or keys do not match), 0 if not, 2 on bad usage or unreadable files.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep  # noqa: E402


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
    if best is None and "*" in table:
        return table["*"]
    return best[1] if best else None


def _num(v):
    """A number to compare: JSON numbers as they are, sweep cells parsed."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        n = sweep.number(v)
        if n is not None and n == int(n) and abs(n) < 2 ** 53:
            return int(n)
        return n
    return None


def skipped(key, ignore, only):
    if key == "wall_s" or key in ignore:
        return True
    if any(key.startswith(p) for p in ignore if p.endswith(".")):
        return True
    return bool(only) and not any(key.startswith(p) for p in only)


def compare(base, new, rel_tol, abs_tol, ignore, only, flat=False, record=None):
    """Lines for the keys that differ; record[key] gets each one's relative change (None when
    it has none: a string, a key on one side only)."""
    a, b = (base, new) if flat else (flatten(base), flatten(new))
    diffs = []
    record = {} if record is None else record
    for key in sorted(set(a) | set(b)):
        if skipped(key, ignore, only):
            continue
        if key not in a:
            diffs.append("%s: new key (= %r)" % (key, b[key]))
            record.setdefault(key, []).append(None)
            continue
        if key not in b:
            diffs.append("%s: missing (was %r)" % (key, a[key]))
            record.setdefault(key, []).append(None)
            continue
        x, y = a[key], b[key]
        if flat and _num(x) is not None and _num(y) is not None:
            x, y = _num(x), _num(y)
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
            record.setdefault(key, []).append((y - x) / x if x else math.inf)
            diffs.append("%s: %r -> %r (%+.3g%%%s)" % (
                key, x, y, 100 * (y - x) / x if x else math.inf,
                ", allowed " + " or ".join(allowed) if allowed else ", must be equal"))
        elif x != y:
            diffs.append("%s: %r -> %r" % (key, x, y))
            record.setdefault(key, []).append(None)
    return diffs


def _index(rows, columns, match, path):
    """The rows by their match key: `point`, or the varied parameters and the seed."""
    if match == "point":
        if "point" not in columns:
            raise ValueError("%s: no 'point' column; try --match params" % path)
        keyf = lambda r: r.get("point", "")  # noqa: E731
    else:
        pcols = sweep.params(columns)
        keyf = lambda r: tuple(r.get(c, "") for c in pcols) + (r.get("seed", ""),)  # noqa: E731
    out = {}
    for r in rows:
        k = keyf(r)
        if k in out:
            raise ValueError("%s: two rows for %s (%s)" % (
                path, "point " + k if match == "point" else "the same parameters and seed",
                sweep.describe(r, sweep.params(columns))))
        out[k] = r
    return out


def compare_sweeps(pa, pb, rel_tol, abs_tol, ignore, only, match):
    """Differences between two sweeps, as lines; ValueError/SweepError on bad input."""
    ra, ca = sweep.load(pa)
    rb, cb = sweep.load(pb)
    pcols = sweep.params(ca)
    if match == "params":
        if sorted(pcols) != sorted(sweep.params(cb)):
            raise ValueError("the sweeps vary different parameters: %s against %s" % (
                ", ".join(pcols) or "none", ", ".join(sweep.params(cb)) or "none"))
        ignore = set(ignore) | {"point", "ptsim_version", "config"}
    ia, ib = _index(ra, ca, match, pa), _index(rb, cb, match, pb)
    diffs = []
    # A result key one sweep has and the other has not, once for the sweep, not per row.
    keys_a = {c for c in ca if not skipped(c, ignore, only)}
    keys_b = {c for c in cb if not skipped(c, ignore, only)}
    for k in sorted(keys_b - keys_a):
        diffs.append("%s: new key (only in %s)" % (k, pb))
    for k in sorted(keys_a - keys_b):
        diffs.append("%s: missing (only in %s)" % (k, pa))
    ignore = set(ignore) | (keys_a ^ keys_b)
    common = [k for k in ia if k in ib]
    for k in ia:
        if k not in ib:
            diffs.append("only in %s: %s" % (pa, sweep.describe(ia[k], pcols)))
    for k in ib:
        if k not in ia:
            diffs.append("only in %s: %s" % (pb, sweep.describe(ib[k], pcols)))
    if match == "point" and not common and ia and ib:
        diffs.append("no point in common: the configs differ? --match params matches the rows "
                     "by their parameters and seed")
    rows_differ, by_key = 0, {}
    for k in common:
        record = {}
        d = compare(ia[k], ib[k], rel_tol, abs_tol, ignore, only, flat=True, record=record)
        if d:
            rows_differ += 1
            where = sweep.describe(ia[k], pcols)
            diffs.extend("%s: %s" % (where, line) for line in d)
            for key, changes in record.items():
                by_key.setdefault(key, []).extend((c, where) for c in changes)
    # What moved, key by key: in how many rows, and the largest relative change.
    summary = []
    for key in sorted(by_key):
        changes = by_key[key]
        rel = [(abs(c), c, w) for c, w in changes if c is not None]
        line = "by key: %s differs in %d of %d rows" % (key, len(changes), len(common))
        if rel:
            _, c, w = max(rel, key=lambda t: t[0])
            line += ", largest %+.3g%% (%s)" % (100 * c, w)
        summary.append(line)
    return diffs, len(common), rows_differ, summary


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
    match, max_lines = "point", None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--tol", "--abs", "--ignore", "--only", "--match", "--max-lines"):
            if i + 1 >= len(argv):
                print("compare.py: %s needs a value" % a, file=sys.stderr)
                return 2
            v = argv[i + 1]
            if a == "--match":
                if v not in ("point", "params"):
                    print("compare.py: --match point or params, not '%s'" % v, file=sys.stderr)
                    return 2
                match = v
            elif a == "--max-lines":
                try:
                    max_lines = int(v)
                except ValueError:
                    max_lines = -1
                if max_lines < 0:
                    print("compare.py: --max-lines wants a count, not '%s'" % v, file=sys.stderr)
                    return 2
            else:
                {"--tol": rel, "--abs": ab, "--ignore": ign, "--only": only}[a].append(v)
            i += 2
            continue
        if a == "--quiet":
            quiet = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-") and a != "-":
            print("compare.py: unknown option '%s'" % a, file=sys.stderr)
            return 2
        else:
            files.append(a)
        i += 1
    if len(files) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    kinds = [sweep.is_sweep_file(f) for f in files]
    if kinds[0] != kinds[1]:
        print("compare.py: %s is %s, %s is %s: compare two runs or two sweeps" % (
            files[0], "a sweep" if kinds[0] else "one run's JSON",
            files[1], "a sweep" if kinds[1] else "one run's JSON"), file=sys.stderr)
        return 2
    summary, by_key = "", []
    try:
        rt, at = parse_kv(rel, "--tol"), parse_kv(ab, "--abs")
        if kinds[0]:
            diffs, matched, differ, by_key = compare_sweeps(files[0], files[1], rt, at,
                                                            set(ign), only, match)
            summary = "%d row%s matched, %d differ; " % (matched, "" if matched == 1 else "s",
                                                        differ)
        else:
            with open(files[0]) as f:
                base = json.load(f)
            with open(files[1]) as f:
                new = json.load(f)
            diffs = compare(base, new, rt, at, set(ign), only)
    except (OSError, ValueError, sweep.SweepError) as e:
        print("compare.py: %s" % e, file=sys.stderr)
        return 2
    try:
        shown = diffs if max_lines is None else diffs[:max_lines]
        for d in shown:
            print(d)
        if len(shown) < len(diffs):
            print("... %d more" % (len(diffs) - len(shown)))
        if not quiet:
            for line in by_key:
                print(line)
        if not quiet:
            count = "%d difference%s" % (len(diffs), "" if len(diffs) == 1 else "s")
            print("%s vs %s: %s%s" % (files[0], files[1], summary, count if diffs else "same"))
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the status still says what was found
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
