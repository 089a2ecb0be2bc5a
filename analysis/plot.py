#!/usr/bin/env python3
"""Plot a result key of a sweep against a parameter (line plot or grouped bars).

usage: plot.py SWEEP.csv -y KEY -x PARAM [--group PARAM] [--bar] [--logx] [--logy]
               [--where PARAM=VALUE ...] [--title TEXT] [--xlabel TEXT] [--ylabel TEXT]
               [--table] -o OUT.png|OUT.svg [-o ...]

SWEEP is what `ptsim sweep` writes: CSV or JSON lines (.jsonl), one row per run.
KEY is any result column (`throughput_gbps`, `latency_ns.p99`, `cpu.cycles_per_op`); PARAM a
varied parameter, with or without its `param.` prefix (`vms.0.interrupt_mode`).

Each point is the mean over the seeds of that point with its 95 % confidence interval
(Student's t with n-1 degrees of freedom: mean +- t * s / sqrt(n)); a point with one seed has
no interval. --group draws one line (or one bar of each cluster) per value of that parameter.
Parameters that vary but are neither x nor the group must be fixed with --where, or the
means would mix them. A numeric x is placed by value (log scale with --logx), any other in
the order of the values. --bar draws grouped bars: x's values are the clusters.
Axis labels come from the key names, with units (`_ns` -> ns, `_gbps` -> Gb/s, `cycles`,
`_mib` -> MiB, `per_op` -> per frame ...: UNITS below). --table prints the plotted
figures as tab-separated lines (group, x, n, mean, ci_low, ci_high).
The output format follows each -o's extension (.png, .svg, .pdf). Exit status: 0 drawn,
2 bad usage, an unreadable sweep, or a column that is not there (the available ones listed).
"""
import argparse
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep  # noqa: E402


def _import_numeric():
    """numpy and matplotlib (Debian's python3-numpy and python3-matplotlib). A python3 found
    first on PATH (pyenv, a virtualenv) may not see Debian's packages: run the system
    interpreter then, once."""
    try:
        import numpy
        import matplotlib
    except ImportError as e:
        system = "/usr/bin/python3"
        if (os.environ.get("PTSIM_PLOT_REEXEC") is None and os.path.exists(system)
                and os.path.realpath(sys.executable) != os.path.realpath(system)):
            os.environ["PTSIM_PLOT_REEXEC"] = "1"
            os.execv(system, [system] + sys.argv)
        print("plot.py: %s: install python3-numpy and python3-matplotlib "
              "(scripts/install-deps.sh does)" % e, file=sys.stderr)
        sys.exit(2)
    return numpy, matplotlib


# Units by key name: the first pattern that matches a whole word of the key (words are split
# at '.' and '_') wins; the matched words leave the label's text and the unit goes in
# parentheses: latency_ns.p99 -> "latency p99 (ns)", cpu.cycles_per_op -> "cpu (cycles per
# frame)". A "frame" is ptsim's op for the stream workloads (README: cpu.cycles_per_op).
UNITS = [
    ("cycles_per_dma_op", "cycles per DMA op"),
    ("cycles_per_op", "cycles per frame"),
    ("per_dma_op", "per DMA op"),
    ("per_op", "per frame"),
    ("per_interrupt", "per interrupt"),
    ("per_s", "per s"),
    ("ps", "ps"),
    ("ns", "ns"),
    ("us", "µs"),
    ("ms", "ms"),
    ("s", "s"),
    ("gbps", "Gb/s"),
    ("mbps", "Mb/s"),
    ("gib", "GiB"),
    ("mib", "MiB"),
    ("kib", "KiB"),
    ("bytes", "bytes"),
    ("ghz", "GHz"),
    ("mhz", "MHz"),
    ("pct", "%"),
    ("percent", "%"),
    ("cycles", "cycles"),
]


def _strip_param(key):
    return key[len(sweep.PARAM):] if key.startswith(sweep.PARAM) else key


def unit_of(key):
    """The unit of a result key or parameter, '' when its name says none."""
    return _unit_match(_strip_param(key))[1]


def _unit_match(key):
    for pattern, unit in UNITS:
        m = re.search(r"(?:^|[._])%s(?=$|[._])" % re.escape(pattern), key)
        if m:
            return m, unit
    return None, ""


def label_of(key):
    """An axis label: the key's words without its unit, then the unit in parentheses."""
    key = _strip_param(key)
    m, unit = _unit_match(key)
    text = key[:m.start()] + key[m.end():] if m else key
    text = " ".join(w for w in re.split(r"[._]+", text) if w)
    if not unit:
        return text
    return "%s (%s)" % (text, unit) if text else unit


# Student's t: two-sided P(|T| <= t) with integer degrees of freedom nu, closed form in
# theta = atan(t / sqrt(nu)) (Abramowitz & Stegun 26.7.3 and 26.7.4).
def _t_central(t, nu):
    th = math.atan(t / math.sqrt(nu))
    c2 = math.cos(th) ** 2
    if nu % 2:  # odd: 2/pi (theta + sin cos (1 + 2/3 cos^2 + 2.4/3.5 cos^4 ...))
        term, s = math.cos(th), 0.0
        if nu > 1:
            s = term
            for k in range(3, nu - 1, 2):
                term *= c2 * (k - 1) / k
                s += term
        return 2 / math.pi * (th + math.sin(th) * s)
    term, s = 1.0, 1.0  # even: sin (1 + 1/2 cos^2 + 1.3/2.4 cos^4 ...)
    for k in range(2, nu - 1, 2):
        term *= c2 * (k - 1) / k
        s += term
    return math.sin(th) * s


def t_quantile(p, nu):
    """t with P(|T| <= t) = p for nu degrees of freedom (p=0.95: the 0.975 quantile)."""
    if nu < 1 or not 0 < p < 1:
        raise ValueError("t_quantile(%r, %r)" % (p, nu))
    lo, hi = 0.0, 1.0
    while _t_central(hi, nu) < p:
        hi *= 2
    for _ in range(200):  # bisection to full double precision
        mid = (lo + hi) / 2
        if _t_central(mid, nu) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * hi:
            break
    return (lo + hi) / 2


def mean_ci(values, level=0.95):
    """(n, mean, low, high): the mean and its Student-t interval; low = high = None for n=1."""
    import numpy as np
    a = np.asarray(values, dtype=float)
    n = len(a)
    mean = float(a.mean())
    if n < 2:
        return n, mean, None, None
    half = t_quantile(level, n - 1) * float(a.std(ddof=1)) / math.sqrt(n)
    return n, mean, mean - half, mean + half


class UsageError(Exception):
    pass


def _resolve(name, columns, what, want_param):
    """The column a command-line name means; an error listing the choices if none."""
    cands = [name, sweep.PARAM + name] if want_param else [name]
    for c in cands:
        if c in columns and (not want_param or c.startswith(sweep.PARAM)):
            return c
    if want_param:
        avail = [_strip_param(c) for c in sweep.params(columns)]
        msg = "no parameter '%s' in the sweep (%s); varied parameters: %s" % (
            name, what, ", ".join(avail) or "none")
    else:
        avail = [c for c in columns if not c.startswith(sweep.PARAM) and c not in ("point", "seed")]
        if sweep.PARAM + name in columns or name in ("point", "seed"):
            msg = "'%s' is a parameter, not a result key (%s)" % (name, what)
        else:
            msg = "no result key '%s' in the sweep (%s)" % (name, what)
        msg += "; result keys: %s" % ", ".join(avail)
    raise UsageError(msg)


def _order(values):
    """Values in order: by number when all are numbers, else as strings."""
    nums = [sweep.number(v) for v in values]
    if all(n is not None for n in nums):
        return [v for _, v in sorted(zip(nums, values))], True
    return sorted(values), False


def series(rows, columns, y, x, group=None, where=()):
    """The figures to plot: ([(group value, [(x value, n, mean, lo, hi)])], x numeric?)."""
    for col, val in where:
        rows = [r for r in rows if r.get(col) == val or
                (sweep.number(r.get(col)) is not None and
                 sweep.number(r.get(col)) == sweep.number(val))]
        if not rows:
            raise UsageError("no row has %s=%s" % (_strip_param(col), val))
    fixed = {x, group} | {c for c, _ in where}
    mixed = [c for c in sweep.params(columns)
             if c not in fixed and len({r.get(c, "") for r in rows}) > 1]
    if mixed:
        raise UsageError("these parameters vary too and would be averaged together: %s; "
                         "fix each with --where PARAM=VALUE or draw it with --group" %
                         ", ".join(_strip_param(c) for c in mixed))
    cells = {}
    for r in rows:
        if y not in r:
            continue  # this run has no such key (e.g. a counter of another mode)
        v = sweep.number(r[y])
        if v is None:
            raise UsageError("'%s' is not a number in the run %s: '%s'" %
                             (y, sweep.describe(r, sweep.params(columns)), r[y]))
        cells.setdefault((r.get(group, "") if group else "", r.get(x, "")), []).append(v)
    if not cells:
        raise UsageError("no run has a value for '%s'" % y)
    xs, numeric = _order({k[1] for k in cells})
    gs, _ = _order({k[0] for k in cells})
    out = []
    for g in gs:
        pts = [(xv,) + mean_ci(cells[(g, xv)]) for xv in xs if (g, xv) in cells]
        out.append((g, pts))
    return out, xs, numeric


def draw(data, xs, numeric, args, ylabel, xlabel, glabel):
    import matplotlib
    matplotlib.use("Agg")  # headless: no display needed
    import matplotlib.pyplot as plt
    from matplotlib import ticker
    plt.rcParams["svg.hashsalt"] = "ptsim"  # stable ids: the same sweep, the same SVG
    fig, ax = plt.subplots(figsize=(7, 4.5))
    pos = {v: (sweep.number(v) if numeric and not args.bar else i) for i, v in enumerate(xs)}
    ng = len(data)
    for gi, (g, pts) in enumerate(data):
        label = g if args.group else None  # the legend's title names the parameter
        color = "C%d" % (gi % 10)
        px = [pos[p[0]] for p in pts]
        mean = [p[2] for p in pts]
        lo = [p[3] if p[3] is not None else p[2] for p in pts]
        hi = [p[4] if p[4] is not None else p[2] for p in pts]
        has_ci = any(p[3] is not None for p in pts)
        if args.bar:
            width = 0.8 / ng
            bx = [v - 0.4 + width * (gi + 0.5) for v in px]
            bars = ax.bar(bx, mean, width, label=label, color=color)
            for xi, patch in enumerate(bars.patches):
                patch.set_gid("series-%d-bar-%d" % (gi, xi))
            if has_ci:
                # No whisker (nan) where a point has one seed, rather than a zero-length one.
                nan = float("nan")
                below = [p[2] - p[3] if p[3] is not None else nan for p in pts]
                above = [p[4] - p[2] if p[4] is not None else nan for p in pts]
                eb = ax.errorbar(bx, mean, yerr=[below, above],
                                 fmt="none", ecolor="black", capsize=3, lw=1)
                for part in eb.lines[2]:
                    part.set_gid("ci-%d" % gi)
        else:
            (line,) = ax.plot(px, mean, marker="o", ms=4, label=label, color=color)
            line.set_gid("series-%d" % gi)
            if has_ci:
                band = ax.fill_between(px, lo, hi, color=color, alpha=0.2, lw=0)
                band.set_gid("ci-%d" % gi)
    if args.bar or not numeric:
        ax.set_xticks(range(len(xs)))
        ax.set_xticklabels(xs, rotation=30 if max(len(v) for v in xs) > 12 else 0)
    plain = ticker.FuncFormatter(lambda v, _: "%g" % v)  # 0.25, not 2.5 x 10^-1
    if args.logx:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        if len(xs) <= 12:  # a tick at each value swept, when they fit
            ax.set_xticks([sweep.number(v) for v in xs])
    if args.logy:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
        lo, hi = ax.get_ylim()
        # Within one decade the only labels are minor ticks'; over several they would crowd.
        ax.yaxis.set_minor_formatter(plain if hi < 10 * lo else ticker.NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    if args.title:
        ax.set_title(args.title)
    if args.group:
        ax.legend(title=glabel, fontsize="small")
    fig.tight_layout()
    for out in args.output:
        # No date or software version in the files: the same sweep gives the same bytes.
        meta = {"Date": None} if out.endswith(".svg") else {"Software": None}
        if out.endswith(".pdf"):
            meta = {"CreationDate": None}
        fig.savefig(out, dpi=120, metadata=meta)
    plt.close(fig)


FORMATS = (".png", ".svg", ".pdf")


def main(argv):
    ap = argparse.ArgumentParser(prog="plot.py", add_help=True,
                                 description="Plot a result key of a sweep against a parameter.")
    ap.add_argument("sweep")
    ap.add_argument("-y", "--y", required=True, help="result key")
    ap.add_argument("-x", "--x", required=True, help="parameter")
    ap.add_argument("-g", "--group", help="parameter: one line (bar) per value")
    ap.add_argument("--bar", action="store_true", help="grouped bar chart")
    ap.add_argument("--logx", action="store_true")
    ap.add_argument("--logy", action="store_true")
    ap.add_argument("--where", action="append", default=[], metavar="PARAM=VALUE")
    ap.add_argument("--title")
    ap.add_argument("--xlabel")
    ap.add_argument("--ylabel")
    ap.add_argument("--table", action="store_true", help="print the plotted figures")
    ap.add_argument("-o", "--output", action="append", default=[], metavar="FILE")
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if not args.output and not args.table:
            raise UsageError("nothing to do: give -o FILE (.png, .svg, .pdf) or --table")
        for out in args.output:
            if not out.endswith(FORMATS):
                raise UsageError("'%s': the format comes from the extension, one of %s" %
                                 (out, ", ".join(FORMATS)))
        if args.bar and args.logx:
            raise UsageError("--logx does not apply to --bar (x is categories)")
        rows, columns = sweep.load(args.sweep)
        x = _resolve(args.x, columns, "-x", True)
        y = _resolve(args.y, columns, "-y", False)
        group = _resolve(args.group, columns, "--group", True) if args.group else None
        if group == x:
            raise UsageError("--group and -x are the same parameter")
        where = []
        for w in args.where:
            if "=" not in w:
                raise UsageError("--where wants PARAM=VALUE, not '%s'" % w)
            k, v = w.split("=", 1)
            col = _resolve(k, columns, "--where", True)
            if col in (x, group):
                raise UsageError("--where %s: that is the x or the group parameter" % k)
            where.append((col, v))
        data, xs, numeric = series(rows, columns, y, x, group, where)
        if args.logx and not numeric:
            raise UsageError("--logx: '%s' is not numeric" % _strip_param(x))
        if args.logx and any(sweep.number(v) <= 0 for v in xs):
            raise UsageError("--logx: '%s' has values <= 0" % _strip_param(x))
    except (UsageError, sweep.SweepError) as e:
        print("plot.py: %s" % e, file=sys.stderr)
        return 2
    if args.table:
        for g, pts in data:
            for xv, n, mean, lo, hi in pts:
                print("\t".join([g, xv, str(n), repr(mean),
                                 "" if lo is None else repr(lo), "" if hi is None else repr(hi)]))
    if args.output:
        try:
            draw(data, xs, numeric, args, args.ylabel or label_of(y),
                 args.xlabel or label_of(x), _strip_param(group) if group else "")
        except OSError as e:
            print("plot.py: %s" % e, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    _import_numeric()
    sys.exit(main(sys.argv[1:]))
