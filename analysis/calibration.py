#!/usr/bin/env python3
"""Draw what `ptsim calibrate` fitted against what was measured.

usage: calibration.py FIT.csv -o OUT.png|OUT.svg [-o ...] [--logx] [--title TEXT] [--no-first]

FIT.csv is the residuals table `ptsim calibrate` writes (CALIB.fit.csv: table, parameter,
value, key, measured, fitted, rel_error, first_guess). One panel per measured table (its
result key against its parameter): the measured points as markers, the fitted values as a
line, the first guess dashed (--no-first leaves it out), and each point's relative error
under it. Axis labels take their units from the key names as analysis/plot.py's do. Exit
status: 0 drawn, 2 bad usage or an unreadable table.
"""
import argparse
import csv
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

COLUMNS = ("table", "parameter", "value", "key", "measured", "fitted", "rel_error")


def load(path):
    """The panels: [(table, parameter, key, [(x, measured, fitted, first)])], x numeric?"""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise plot.UsageError("cannot read %s: %s" % (path, e))
    if not rows or any(c not in rows[0] for c in COLUMNS):
        raise plot.UsageError("%s is not a `ptsim calibrate` residuals table (columns %s)" %
                              (path, ", ".join(COLUMNS)))
    panels = {}
    numeric = True
    for r in rows:
        key = (r["table"], r["parameter"], r["key"])
        try:
            pt = (r["value"], float(r["measured"]), float(r["fitted"]),
                  float(r.get("first_guess") or "nan"))
        except ValueError:
            raise plot.UsageError("%s: a row with a value that is not a number: %s" % (path, r))
        numeric = numeric and _num(r["value"]) is not None
        panels.setdefault(key, []).append(pt)
    out = []
    for (t, p, k), pts in panels.items():
        if numeric:
            pts.sort(key=lambda q: _num(q[0]))
        out.append((t, p, k, pts))
    return out, numeric


def _num(s):
    try:
        v = float(s)
        return v if math.isfinite(v) else None
    except ValueError:
        return None


def draw(panels, numeric, args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker
    plt.rcParams["svg.hashsalt"] = "ptsim"
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 4.5), squeeze=False)
    plain = ticker.FuncFormatter(lambda v, _: "%g" % v)
    for i, (t, p, k, pts) in enumerate(panels):
        ax = axes[0][i]
        xs = [_num(q[0]) if numeric else j for j, q in enumerate(pts)]
        ax.plot(xs, [q[1] for q in pts], "o", color="black", ms=5, label="measured",
                gid="measured-%d" % i)
        ax.plot(xs, [q[2] for q in pts], "-", color="C0", marker=".", label="fitted",
                gid="fitted-%d" % i)
        if not args.no_first and any(math.isfinite(q[3]) for q in pts):
            ax.plot(xs, [q[3] for q in pts], "--", color="C7", lw=1, label="first guess",
                    gid="first-%d" % i)
        for x, q in zip(xs, pts):
            ax.annotate("%+.0f%%" % (100 * (q[2] - q[1]) / q[1]), (x, q[2]),
                        textcoords="offset points", xytext=(0, -12), ha="center",
                        fontsize=6, color="C0")
        if args.logx and numeric:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(plain)
            ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        if not numeric:
            ax.set_xticks(xs)
            ax.set_xticklabels([q[0] for q in pts])
        ax.set_xlabel(plot.label_of(p))
        ax.set_ylabel(plot.label_of(k))
        ax.set_title("table %s: %s" % (t, k), fontsize="medium")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    for out in args.output:
        meta = {"Date": None} if out.endswith(".svg") else {"Software": None}
        if out.endswith(".pdf"):
            meta = {"CreationDate": None}
        fig.savefig(out, dpi=120, metadata=meta)
    plt.close(fig)


def main(argv):
    ap = argparse.ArgumentParser(prog="calibration.py", add_help=False)
    ap.add_argument("fit")
    ap.add_argument("-o", "--output", action="append", default=[])
    ap.add_argument("--logx", action="store_true")
    ap.add_argument("--no-first", action="store_true")
    ap.add_argument("--title")
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if not args.output:
            raise plot.UsageError("nothing to do: give -o FILE (.png, .svg, .pdf)")
        for out in args.output:
            if not out.endswith(plot.FORMATS):
                raise plot.UsageError("'%s': the format comes from the extension, one of %s" %
                                      (out, ", ".join(plot.FORMATS)))
        panels, numeric = load(args.fit)
    except plot.UsageError as e:
        print("calibration.py: %s" % e, file=sys.stderr)
        return 2
    try:
        draw(panels, numeric, args)
    except OSError as e:
        print("calibration.py: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    plot._import_numeric()
    sys.exit(main(sys.argv[1:]))
