#!/usr/bin/env python3
"""Hostile input, every command: the expected exit status and message, and nothing damaged.

  run.py PTSIM [-k PATTERN] [-j JOBS] [--quick] [-v]

Runs every case of tests/bad/cases.txt, then the output-path cases below, from the source
tree. A case passes when every command it names
  - exits with the expected status (never by a signal: no crash),
  - prints a message matching the expected pattern on stderr,
  - has file:line:column on every "error:" line (a config error always has a position),
  - prints nothing a sanitizer says (AddressSanitizer, UBSan, LeakSanitizer), and
  - leaves its scratch directory as it was (no stray or temporary file).
Output-path cases check that nothing but the intended file changed, byte for byte, with its
type (a device stays a device, a link stays a link). --quick runs each case through its first
command only (the sanitizer build's share of `make test`; `make check-all` runs them all).

cases.txt, one case a line:  NAME | INPUT | COMMANDS | ARGS | EXIT | PATTERN
  INPUT     a file of tests/bad/, a path from the source tree, gen:NAME (made here: hostile
            sizes), or - (none: ARGS is the whole command line after the command)
  COMMANDS  comma-separated: check, run, survey, lspci, acpi; with an INPUT, acpi gets
            --dmar DIR/t.dat and run --quiet
  ARGS      more arguments (shell words); DIR is the case's scratch directory
  EXIT      the exit status (0: the input is big but fine, and must run: the bounds that
            used to refuse it are gone); a|b for either
  PATTERN   a regular expression searched in stderr (when the exit is not 0); {input}
            stands for INPUT as given
"""
import concurrent.futures
import io
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:|Segmentation fault")
ERROR_LINE = re.compile(r"^(.*?)error: ", re.M)
# file:line:column, or the file alone when the error is about the whole file (cannot open)
POSITIONED = re.compile(r"^.+?(:\d+:\d+)?: $")


# ---- inputs made here (too big to keep in git) ----

def gen_alias_bomb():
    lines = ["x0: &x0 {name: e, type: endpoint}"]
    for i in range(1, 5):
        lines.append("x%d: &x%d {name: p%d, type: root_port, slot: 1, below: [%s]}"
                     % (i, i, i, ", ".join(["*x%d" % (i - 1)] * 200)))
    return "\n".join(lines) + "\nmachine: {pcie: {devices: [*x4]}}\n"


def gen_many_vms():
    return "vms:\n" + "".join("  - {name: v%d}\n" % i for i in range(100000))


def gen_long_name():
    return "name: x\nvms:\n  - name: " + "v" * (8 << 20) + "\n"


def gen_many_keys():
    return "".join("k%d: %d\n" % (i, i) for i in range(20000))


def gen_deep_nesting():
    return "a: " + "[" * 100000 + "]" * 100000 + "\n"


def gen_many_endpoints():
    out = "pcie:\n  devices:\n"
    for r in range(3):
        out += "    - name: rp%d\n      type: root_port\n      slot: %d\n      below:\n" % (r, r + 1)
        out += "        - name: sw%d\n          type: switch\n          ports:\n" % r
        for p in range(32):
            out += ("            - name: dp%d_%d\n              slot: %d\n              below:\n"
                    % (r, p, p))
            for f in range(6):
                out += ("                - {name: e%d_%d_%d, type: endpoint, function: %d}\n"
                        % (r, p, f, f))
    return out


def gen_seventeen_vfs():
    """One VM with 17 VFs of server-2s (app/build.c had room for 16: it crashed the run)."""
    vfs = ", ".join("nic0.vf%d" % i for i in range(1, 18))
    return ("name: vf17\nmachine: !include %s/configs/machines/server-2s.yaml\n"
            "vms:\n  - name: vm0\n    devices: [%s]\nworkload: {kind: dma_bench, device: dma0, "
            "reads: 100}\n" % (ROOT, vfs))


GEN = {name[4:]: fn for name, fn in globals().items() if name.startswith("gen_")}


# ---- running ----

def snapshot(d):
    """Every entry under d: type, size, mode, content (small files), link target."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(base, n)
            st = os.lstat(p)
            rec = (stat.S_IFMT(st.st_mode), st.st_mode & 0o7777, st.st_rdev)
            if stat.S_ISLNK(st.st_mode):
                rec += (os.readlink(p),)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    rec += (f.read(),)
            out[os.path.relpath(p, d)] = rec
    return out


def describe_changes(before, after):
    lines = []
    for k in sorted(set(before) | set(after)):
        if k not in before:
            lines.append("  new: %s" % k)
        elif k not in after:
            lines.append("  gone: %s" % k)
        elif before[k] != after[k]:
            lines.append("  changed: %s" % k)
    return "\n".join(lines)


def check_output(stderr):
    """Problems any command's stderr must not have."""
    bad = []
    if SANITIZER.search(stderr):
        bad.append("a sanitizer report")
    for m in ERROR_LINE.finditer(stderr):
        if not POSITIONED.match(m.group(1)):
            bad.append("an error without file:line:column: %s"
                       % stderr[m.start():stderr.find("\n", m.start())])
    return bad


class Runner:
    def __init__(self, ptsim, verbose, quick):
        self.ptsim = os.path.abspath(ptsim)
        self.verbose = verbose
        self.quick = quick
        self.failed = []
        self.count = 0
        self.gen_dir = tempfile.mkdtemp(prefix="ptsim-bad-gen-")

    def fail(self, name, why, out=None):
        (out if out is not None else sys.stdout).write("FAIL %s: %s\n" % (name, why))
        self.failed.append(name)

    def run(self, args, timeout=120, **kw):
        return subprocess.run([self.ptsim] + args, capture_output=True, text=True,
                              errors="replace", timeout=timeout, cwd=ROOT,
                              stdin=subprocess.DEVNULL, **kw)

    def config_case(self, name, inp, cmds, args, want_exit, pattern):
        """One case; returns what it has to say (cases run in parallel, print in order)."""
        out = io.StringIO()
        with tempfile.TemporaryDirectory(prefix="ptsim-bad-") as d:
            if inp.startswith("gen:"):
                inp_arg = os.path.join(self.gen_dir, inp[4:] + ".yaml")
                with open(inp_arg, "w") as f:
                    f.write(GEN[inp[4:]]())
            elif inp == "-":
                inp_arg = None
            elif os.path.exists(os.path.join(HERE, inp)):
                inp_arg = os.path.relpath(os.path.join(HERE, inp), ROOT)
            else:
                inp_arg = inp
            before = snapshot(d)
            extra = [a.replace("DIR", d) for a in shlex.split(args)]
            ok = True
            for cmd in cmds:
                argv = ([cmd] if cmd else []) + ([inp_arg] if inp_arg else [])
                # with an INPUT: the table goes to the scratch directory, no summary
                if inp_arg and cmd == "acpi":
                    argv += ["--dmar", os.path.join(d, "t.dat")]
                if inp_arg and cmd == "run":
                    argv += ["--quiet"]
                argv += extra
                try:
                    p = self.run(argv)
                except subprocess.TimeoutExpired:
                    self.fail(name, "ptsim %s timed out" % " ".join(argv), out)
                    ok = False
                    continue
                why = []
                if p.returncode not in want_exit:
                    why.append("exit %d, wanted %s" % (p.returncode,
                                                       " or ".join(map(str, want_exit))))
                pat = pattern.replace("{input}", re.escape(inp_arg or ""))
                if pattern and p.returncode and not re.search(pat, p.stderr):
                    why.append("no match for /%s/" % pat)
                why += check_output(p.stderr)
                if why:
                    ok = False
                    self.fail(name, "ptsim %s: %s\n  stderr: %s" % (
                        " ".join(argv), "; ".join(why), p.stderr.strip()[:1500]), out)
                elif self.verbose:
                    out.write("  ok ptsim %s: exit %d\n" % (" ".join(argv), p.returncode))
            # a table acpi wrote on success is the one file it may leave
            dat = os.path.join(d, "t.dat")
            if inp_arg and "acpi" in cmds and 0 in want_exit and os.path.exists(dat) and \
                    "t.dat" not in before:
                if os.path.getsize(dat) == 0:
                    ok = False
                    self.fail(name, "acpi wrote an empty table", out)
                os.unlink(dat)
            after = snapshot(d)
            if before != after:
                ok = False
                self.fail(name, "the scratch directory changed:\n" +
                          describe_changes(before, after), out)
            if ok:
                out.write("ok   %s (%s)\n" % (name, ",".join(cmds)))
        return out.getvalue()

    def run_cases(self, pattern_filter, jobs):
        cases = []
        with open(os.path.join(HERE, "cases.txt")) as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                fields = [x.strip() for x in line.split(" | ")]
                if len(fields) != 6:
                    raise SystemExit("cases.txt:%d: %d fields, wanted 6" % (lineno,
                                                                            len(fields)))
                name, inp, cmds, args, ex, pattern = fields
                if pattern_filter and pattern_filter not in name:
                    continue
                cmds = cmds.split(",")
                cases.append((name, inp, cmds[:1] if self.quick else cmds, args,
                              [int(x) for x in ex.split("|")], pattern))
        self.count += len(cases)
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for text in pool.map(lambda c: self.config_case(*c), cases):
                sys.stdout.write(text)


# ---- output paths: nothing but the intended file changes ----

DEFAULT = ["run", "configs/default.yaml", "--quiet", "--set", "workload.frames=20"]
LONG = ["run", "configs/default.yaml", "--quiet", "--set", "workload.frames=100000000"]


def is_root():
    return os.geteuid() == 0


def as_nobody(argv):
    """Run as an unprivileged user when root (a read-only file stops only them)."""
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv


class OutputCase:
    """setup(d) prepares the scratch directory d and returns the arguments after DEFAULT;
    then only the entries named in `changes` may differ, and check(d, p) has the last word."""

    def __init__(self, name, setup, want_exit, pattern="", changes=(), check=None,
                 root_only=False, base=DEFAULT, unprivileged=False):
        self.name, self.setup, self.want_exit, self.pattern = name, setup, want_exit, pattern
        self.changes, self.check, self.root_only = set(changes), check, root_only
        self.base, self.unprivileged = base, unprivileged


def write(d, name, text, mode=None):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(p, mode)
    return p


def is_json_results(d, name):
    import json
    with open(os.path.join(d, name)) as f:
        return "ptsim_version" in json.load(f)


def mknod_or_none(d, name, kind, major, minor):
    p = os.path.join(d, name)
    try:
        os.mknod(p, kind | 0o666, os.makedev(major, minor))
        return p
    except OSError:
        return None


def symlink(d, target, name):
    os.symlink(target, os.path.join(d, name))
    return os.path.join(d, name)


def dev_null(d):
    """/dev/null for an unprivileged user; for root a copy in d: a regression run as root
    would replace the machine's own /dev/null with a regular file (it happened: the old
    binary did, with this very case)."""
    if not is_root():
        return "/dev/null"
    p = os.path.join(d, "null")
    if not os.path.exists(p):
        os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return p


def output_cases():
    J = lambda d, n: os.path.join(d, n)  # noqa: E731
    return [
        # regular files and new paths: replaced whole, nothing else touched
        OutputCase("out_new_file", lambda d: ["--json", J(d, "r.json")], 0,
                   changes=["r.json"], check=lambda d, p: is_json_results(d, "r.json")),
        OutputCase("out_replaces_file", lambda d: ["--json", write(d, "r.json", "old")], 0,
                   changes=["r.json"], check=lambda d, p: is_json_results(d, "r.json")),
        OutputCase("out_users_tmp_file_stays",
                   lambda d: write(d, "r.json.tmp", "the user's") and ["--json", J(d, "r.json")],
                   0, changes=["r.json"]),
        OutputCase("out_symlink_target_written",
                   lambda d: write(d, "target.json", "old") and
                   ["--json", symlink(d, "target.json", "link.json")], 0,
                   changes=["target.json"],
                   check=lambda d, p: os.path.islink(J(d, "link.json")) and
                   is_json_results(d, "target.json")),
        OutputCase("out_dangling_symlink_creates_target",
                   lambda d: ["--csv", symlink(d, "made.csv", "link.csv")], 0,
                   changes=["made.csv"], check=lambda d, p: os.path.islink(J(d, "link.csv"))),
        OutputCase("out_trace_through_symlink",
                   lambda d: ["--trace", symlink(d, "t.json", "tl")], 0, changes=["t.json"]),
        OutputCase("out_keeps_mode", lambda d: ["--csv", write(d, "r.csv", "old", 0o640)], 0,
                   changes=["r.csv"],
                   check=lambda d, p: stat.S_IMODE(os.stat(J(d, "r.csv")).st_mode) == 0o640),

        # devices and pipes: written straight through, they stay what they are (copies of
        # /dev/null and /dev/full made here, so that a regression cannot replace the real ones)
        OutputCase("out_char_device_stays",
                   lambda d: ["--json", mknod_or_none(d, "null", stat.S_IFCHR, 1, 3)], 0,
                   root_only=True),
        OutputCase("out_full_device",
                   lambda d: ["--json", mknod_or_none(d, "full", stat.S_IFCHR, 1, 7)], 1,
                   "cannot write .*full: No space left on device", root_only=True),
        OutputCase("out_block_device_refused",
                   lambda d: ["--json", mknod_or_none(d, "blk", stat.S_IFBLK, 7, 0)], 1,
                   "not a regular file, character device or pipe", root_only=True),
        OutputCase("out_one_device_three_outputs",
                   lambda d: ["--json", dev_null(d), "--csv", dev_null(d), "--trace",
                              dev_null(d)], 0,
                   check=lambda d, p: stat.S_ISCHR(os.stat(dev_null(d)).st_mode)),
        OutputCase("out_stdout_json", lambda d: ["--json", "-"], 0,
                   check=lambda d, p: p.stdout.lstrip().startswith("{") and
                   "ptsim_version" in p.stdout),
        OutputCase("out_stdout_no_summary", lambda d: ["--csv", "-"], 0,
                   base=[a for a in DEFAULT if a != "--quiet"],
                   check=lambda d, p: p.stdout.startswith("ptsim_version,") and
                   "Interrupts and exits" not in p.stdout),

        # refused before the run: exit 1 (cannot write) or 2 (usage), nothing created
        OutputCase("out_missing_directory", lambda d: ["--json", J(d, "no/such/r.json")], 1,
                   "cannot write .*: No such file or directory"),
        OutputCase("out_is_directory", lambda d: ["--json", d], 1, "Is a directory"),
        OutputCase("out_under_a_file", lambda d: write(d, "f", "x") and
                   ["--json", J(d, "f/r.json")], 1, "Not a directory"),
        OutputCase("out_symlink_loop", lambda d: symlink(d, "b", "a") and symlink(d, "a", "b")
                   and ["--json", J(d, "a")], 1, "Too many levels of symbolic links"),
        OutputCase("out_same_file_twice", lambda d: ["--json", J(d, "x"), "--csv",
                                                     J(d, "./x")], 2,
                   "--json and --csv name the same file"),
        OutputCase("out_two_on_stdout", lambda d: ["--json", "-", "--csv", "-"], 2,
                   "only one of --json, --csv and --trace can go to standard output"),
        OutputCase("out_read_only_file",
                   lambda d: ["--json", write(d, "ro.json", "keep", 0o444)], 1,
                   "cannot write .*ro.json: Permission denied", unprivileged=True),
        OutputCase("out_read_only_directory",
                   lambda d: os.mkdir(J(d, "ro"), 0o555) or ["--json", J(d, "ro/r.json")], 1,
                   "Permission denied", unprivileged=True),
        OutputCase("out_run_fails_keeps_old",
                   lambda d: ["--json", write(d, "r.json", "old"), "--set",
                              "run.max_sim_ms=0.01"], 1, "did not finish"),

        # acpi --dmar writes its table the same way
        OutputCase("acpi_through_symlink", lambda d: ["--dmar", symlink(d, "dmar.dat", "l")],
                   0, changes=["dmar.dat"], base=["acpi", "configs/default.yaml"],
                   check=lambda d, p: os.path.islink(J(d, "l"))),
        OutputCase("acpi_char_device",
                   lambda d: ["--dmar", mknod_or_none(d, "null", stat.S_IFCHR, 1, 3)], 0,
                   base=["acpi", "configs/default.yaml"], root_only=True),
        OutputCase("acpi_machine_file", lambda d: ["--dmar", J(d, "m.dat")], 0,
                   changes=["m.dat"], base=["acpi", "configs/machines/legacy-io.yaml"]),
    ]


def fifo_case(r):
    """A pipe is written straight through (a reader gets the results), and stays a pipe."""
    r.count += 1
    with tempfile.TemporaryDirectory(prefix="ptsim-bad-") as d:
        fifo = os.path.join(d, "pipe")
        os.mkfifo(fifo)
        before = snapshot(d)
        reader = subprocess.Popen(["cat", fifo], stdout=subprocess.PIPE)
        p = r.run(DEFAULT + ["--csv", fifo])
        try:
            got = reader.communicate(timeout=10)[0].decode()
        except subprocess.TimeoutExpired:  # nothing ever opened the pipe to write
            reader.kill()
            got = reader.communicate()[0].decode()
        why = []
        if p.returncode:
            why.append("exit %d" % p.returncode)
        if not got.startswith("ptsim_version,"):
            why.append("the reader got %r" % got[:80])
        if snapshot(d) != before:
            why.append("the directory changed")
        why += check_output(p.stderr)
        if why:
            r.fail("out_fifo", "; ".join(why))
        else:
            print("ok   out_fifo")


def signal_cases(r):
    """Ctrl-C and kill during a long run with every output: exit 128 + signal, a line
    saying so, no result or temporary file, the old file as it was."""
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)):
        r.count += 1
        name = "interrupted_by_%s" % signal.Signals(sig).name
        with tempfile.TemporaryDirectory(prefix="ptsim-bad-") as d:
            write(d, "r.json", "old")
            before = snapshot(d)
            p = subprocess.Popen([r.ptsim] + LONG + ["--json", d + "/r.json", "--csv",
                                                     d + "/r.csv", "--trace", d + "/t.json"],
                                 cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            # wait until the run is under way: its temporaries exist
            deadline = time.time() + 60
            while len(os.listdir(d)) < 4 and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            during = len(os.listdir(d))
            p.send_signal(sig)
            out, err = p.communicate(timeout=60)
            why = []
            if during < 4:
                why.append("the run's temporaries never appeared (%d entries)" % during)
            if p.returncode != code:
                why.append("exit %d, wanted %d" % (p.returncode, code))
            if "interrupted" not in err:
                why.append("no line saying it was interrupted")
            if snapshot(d) != before:
                why.append("the directory changed:\n" + describe_changes(before, snapshot(d)))
            why += check_output(err)
            if why:
                r.fail(name, "; ".join(why) + "\n  stderr: " + err.strip()[:500])
            else:
                print("ok   %s (exit %d)" % (name, code))


def run_output_cases(r, pattern_filter):
    for c in output_cases():
        if pattern_filter and pattern_filter not in c.name:
            continue
        if c.root_only and not is_root():
            print("skip %s (needs root to make a device node)" % c.name)
            continue
        r.count += 1
        with tempfile.TemporaryDirectory(prefix="ptsim-bad-") as d:
            os.chmod(d, 0o777)
            args = c.setup(d)
            if None in args:
                print("skip %s (cannot make a device node here)" % c.name)
                continue
            before = snapshot(d)
            argv = [r.ptsim] + c.base + args
            if c.unprivileged and is_root():
                if not shutil.which("setpriv"):
                    print("skip %s (root, and no setpriv to drop privileges)" % c.name)
                    continue
                argv = as_nobody(argv)
            p = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                               timeout=120, cwd=ROOT, stdin=subprocess.DEVNULL)
            after = snapshot(d)
            why = []
            if p.returncode != c.want_exit:
                why.append("exit %d, wanted %d" % (p.returncode, c.want_exit))
            if c.pattern and not re.search(c.pattern, p.stderr):
                why.append("no match for /%s/" % c.pattern)
            why += check_output(p.stderr)
            changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
            if changed - c.changes:
                why.append("changed beyond %s:\n%s" % (sorted(c.changes) or "nothing",
                                                       describe_changes(before, after)))
            if c.want_exit == 0 and c.changes - changed:
                why.append("%s not written" % sorted(c.changes - changed))
            if c.check and not why and not c.check(d, p):
                why.append("its result is not right")
            if why:
                r.fail(c.name, "; ".join(why) + "\n  stderr: " + p.stderr.strip()[:800])
            else:
                print("ok   %s" % c.name)
    if not pattern_filter or "fifo" in pattern_filter:
        fifo_case(r)
    if not pattern_filter or "interrupt" in pattern_filter:
        signal_cases(r)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    ptsim = argv[0]
    filt = argv[argv.index("-k") + 1] if "-k" in argv else None
    r = Runner(ptsim, "-v" in argv, "--quick" in argv)
    t0 = time.time()
    # the commands run in the source tree: none may leave anything there either
    watched = [ROOT, os.path.join(ROOT, "configs"), HERE]
    tree_before = {w: sorted(os.listdir(w)) for w in watched}
    jobs = int(argv[argv.index("-j") + 1]) if "-j" in argv else 2
    r.run_cases(filt, jobs)
    run_output_cases(r, filt)
    shutil.rmtree(r.gen_dir, ignore_errors=True)
    for w in watched:
        new = sorted(set(os.listdir(w)) - set(tree_before[w]))
        if new:
            r.fail("source_tree_unchanged", "new in %s: %s" % (w, " ".join(new)))
    print("%d cases, %d failed (%.1f s)" % (r.count, len(r.failed), time.time() - t0))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
