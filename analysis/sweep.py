"""Reading sweep results (the rows `ptsim sweep` writes), shared by plot.py and compare.py.

A sweep is one row per run: `point` (a hash of the point's resolved config and seed), `seed`,
the varied parameters as `param.<config key>`, then every result key flattened with dots.
It comes as CSV (empty cell: the run has no such key) or as JSON lines with the same keys.
Values are kept as the strings the CSV holds (JSON numbers are written back the same way), so
both forms read the same; number() converts where a figure is wanted.
"""
import csv
import json
import math

PARAM = "param."


class SweepError(Exception):
    """A sweep file that cannot be read (the scripts exit 2 on it)."""


def _flatten(obj, prefix, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(v, prefix + k + ".", out)
    else:
        out[prefix[:-1]] = obj
    return out


def _text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return json.dumps(v)


def is_sweep_file(path):
    """True for a sweep's CSV or JSON lines (by name), False for one run's results JSON."""
    return path.endswith((".csv", ".jsonl", ".ndjson"))


def load(path):
    """The sweep's rows (dicts of strings, missing keys left out) and its columns in order."""
    try:
        with open(path, newline="") as f:
            if path.endswith((".jsonl", ".ndjson")):
                rows, columns = [], {}
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError as e:
                        raise SweepError("%s:%d: not JSON: %s" % (path, n, e)) from None
                    if not isinstance(obj, dict):
                        raise SweepError("%s:%d: a row must be a JSON object" % (path, n))
                    row = {k: _text(v) for k, v in _flatten(obj, "", {}).items()}
                    columns.update(dict.fromkeys(row))
                    rows.append(row)
                columns = list(columns)
            else:
                reader = csv.reader(f)
                columns = next(reader, None)
                if not columns:
                    raise SweepError("%s: empty file, no header" % path)
                rows = []
                for n, cells in enumerate(reader, 2):
                    if not cells:
                        continue
                    if len(cells) != len(columns):
                        raise SweepError("%s:%d: %d cells, the header has %d columns" %
                                         (path, n, len(cells), len(columns)))
                    row = {}
                    for c, v in zip(columns, cells):
                        # A column twice (the results' own `seed` beside the sweep's) is
                        # one key as long as its cells agree.
                        if c in row and row[c] != v:
                            raise SweepError("%s:%d: column '%s' twice, '%s' and '%s'" %
                                             (path, n, c, row[c], v))
                        row[c] = v
                    rows.append({c: v for c, v in row.items() if v != ""})
                columns = list(dict.fromkeys(columns))
    except OSError as e:
        raise SweepError("%s: %s" % (path, e.strerror or e)) from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise SweepError("%s: not a sweep CSV: %s" % (path, e)) from None
    if "seed" not in columns:
        raise SweepError("%s: no 'seed' column: not a sweep (columns: %s)" %
                         (path, ", ".join(columns[:8]) + (" ..." if len(columns) > 8 else "")))
    if not rows:
        raise SweepError("%s: no rows" % path)
    return rows, columns


def params(columns):
    return [c for c in columns if c.startswith(PARAM)]


def number(text):
    """The cell as a float, or None when it is not a number."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if not math.isnan(v) else None


def describe(row, param_cols):
    """A row named by what was varied and its seed, for messages."""
    parts = ["%s=%s" % (c[len(PARAM):], row.get(c, "")) for c in param_cols]
    parts.append("seed=%s" % row.get("seed", ""))
    return " ".join(parts)
