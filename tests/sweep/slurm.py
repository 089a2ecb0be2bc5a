#!/usr/bin/env python3
"""The Slurm path of `ptsim sweep` on a real, one-node Slurm cluster on localhost.

    slurm.py PTSIM [--keep DIR] [--require-cluster | --by-hand]

Starts munged, slurmctld and slurmd (Debian's slurm-wlm and munge) as the current user, in a
temporary directory, with a generated slurm.conf (ProctrackType=proctrack/linuxproc,
TaskPlugin=task/none, ports of its own); writes the job array and the merge job with
`ptsim sweep --emit-slurm`, submits them with the emitted submit.sh (sbatch, afterok), waits
for the merge, and compares the merged CSV with a local run's (byte for byte but for wall_s).

If the daemons cannot run here (not installed, no munge key, a daemon that will not start or
a node that never comes up), it says exactly why and runs the emitted array script's tasks by
hand instead, with SLURM_ARRAY_TASK_ID set as Slurm would, then the merge script -- unless
--require-cluster, when that is a failure. --by-hand takes that path without trying.
"""
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARDS = 3

SWEEP = """\
scenario: {scenario}
set: [workload.frames=150]
parameters:
  - key: vms.0.interrupt_mode
    values: [emulated, eli, vtd_posted]
  - key: workload.rate_gbps
    values: [1, 6]
keep: [throughput_gbps, exits_per_interrupt, wall_s, cpu.cycles_per_op]
"""


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def without_wall(path):
    rows = list(csv.reader(open(path, newline="")))
    w = rows[0].index("wall_s")
    return [[c for i, c in enumerate(r) if i != w] for r in rows]


class Cluster:
    """munged + slurmctld + slurmd in one directory; why() says what failed, if anything."""

    def __init__(self, d):
        self.d = d
        self.procs = []
        self.env = dict(os.environ)
        self.failure = None

    def why_not(self):
        for tool in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol"):
            if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
                return "%s is not installed (scripts/install-deps.sh installs slurm-wlm and " \
                       "munge)" % tool
        return None

    def tool(self, name):
        return shutil.which(name) or "/usr/sbin/" + name

    def start(self):
        d = self.d
        why = self.why_not()
        if why:
            return why
        user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        host = socket.gethostname().split(".")[0]
        for sub in ("state", "spool", "munge"):
            os.makedirs(os.path.join(d, sub), mode=0o700, exist_ok=True)
        key = os.path.join(d, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o600)
        sock = os.path.join(d, "munge", "munge.sock")
        munged = [self.tool("munged"), "--force", "--socket=" + sock, "--key-file=" + key,
                  "--log-file=" + os.path.join(d, "munged.log"),
                  "--pid-file=" + os.path.join(d, "munged.pid"),
                  "--seed-file=" + os.path.join(d, "munge", "seed")]
        p = subprocess.run(munged, capture_output=True, text=True)
        if p.returncode:
            return "munged would not start: %s" % (p.stderr.strip() or p.stdout.strip())
        self.pidfiles = [os.path.join(d, "munged.pid")]
        ctl_port, d_port = free_port(), free_port()
        conf = os.path.join(d, "slurm.conf")
        cpus = os.cpu_count() or 1
        with open(conf, "w") as f:
            f.write("""\
ClusterName=ptsimtest
SlurmctldHost={host}(127.0.0.1)
SlurmUser={user}
SlurmdUser={user}
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
SlurmctldPort={ctl_port}
SlurmdPort={d_port}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=ptsim Nodes={host} Default=YES MaxTime=INFINITE State=UP
""".format(host=host, user=user, sock=sock, ctl_port=ctl_port, d_port=d_port, d=d,
           cpus=cpus))
        self.env["SLURM_CONF"] = conf
        self.pidfiles += [os.path.join(d, "slurmctld.pid"), os.path.join(d, "slurmd.pid")]
        for cmd in ([self.tool("slurmctld"), "-i", "-f", conf],
                    [self.tool("slurmd"), "-f", conf]):
            p = subprocess.run(cmd, capture_output=True, text=True, env=self.env)
            if p.returncode:
                return "%s would not start (exit %d): %s %s" % (
                    os.path.basename(cmd[0]), p.returncode, p.stderr.strip(),
                    self.tail(cmd[0]))
        # the node registers with the controller
        deadline = time.time() + 60
        state = ""
        while time.time() < deadline:
            p = subprocess.run([self.tool("sinfo"), "-h", "-N", "-o", "%t"],
                               capture_output=True, text=True, env=self.env)
            state = (p.stdout.strip() or p.stderr.strip())
            if p.returncode == 0 and state in ("idle", "mix", "alloc"):
                log("slurm: node %s is %s (slurm.conf in %s)" % (host, state, d))
                return None
            time.sleep(1)
        return "the node never came up (sinfo: %r) %s %s" % (
            state, self.tail("slurmctld"), self.tail("slurmd"))

    def tail(self, daemon):
        name = os.path.basename(daemon)
        path = os.path.join(self.d, name + ".log")
        if not os.path.exists(path):
            return "(no %s log)" % name
        lines = [ln for ln in open(path, errors="replace").read().splitlines()
                 if "error" in ln.lower() or "fatal" in ln.lower()]
        return "[%s.log: %s]" % (name, " | ".join(lines[-3:]) or "no error lines")

    def stop(self):
        for pf in reversed(getattr(self, "pidfiles", [])):
            try:
                pid = int(open(pf).read().strip())
                os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError):
                continue
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.1)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        raise SystemExit("FAIL: %s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout,
                                                       p.stderr))
    return p


def main(argv):
    ptsim = os.path.abspath(argv[1])
    require = "--require-cluster" in argv
    by_hand = "--by-hand" in argv
    # ctest's timeout sends SIGTERM: stop the daemons on the way out all the same
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAIL: terminated"))
    keep = argv[argv.index("--keep") + 1] if "--keep" in argv else None
    d = keep or tempfile.mkdtemp(prefix="ptsim-slurm-")
    os.makedirs(d, exist_ok=True)
    cluster = Cluster(os.path.join(d, "cluster"))
    os.makedirs(cluster.d, exist_ok=True)
    try:
        sweep = os.path.join(d, "s.yaml")
        with open(sweep, "w") as f:
            f.write(SWEEP.format(scenario=os.path.join(ROOT, "configs", "default.yaml")))
        out = os.path.join(d, "out")
        os.makedirs(out)
        run([ptsim, "sweep", sweep, "-j", "2", "--csv", os.path.join(d, "local.csv"),
             "--json", os.path.join(d, "local.jsonl")])
        jobs = os.path.join(d, "jobs")
        p = run([ptsim, "sweep", sweep, "--emit-slurm", jobs, "--shards", str(SHARDS),
                 "--max-running", "2", "--csv", os.path.join(out, "r.csv"),
                 "--json", os.path.join(out, "r.jsonl")])
        log(p.stdout.strip())
        array = open(os.path.join(jobs, "sweep.sbatch")).read()
        if "#SBATCH --array=0-%d%%2" % (SHARDS - 1) not in array or \
                '--shard "$SLURM_ARRAY_TASK_ID/%d"' % SHARDS not in array:
            raise SystemExit("FAIL: sweep.sbatch is not the job array wanted:\n" + array)
        if "--dependency=afterok" not in open(os.path.join(jobs, "submit.sh")).read():
            raise SystemExit("FAIL: submit.sh does not chain the merge with afterok")

        why = "--by-hand was given" if by_hand else cluster.start()
        if why is None:
            p = run([os.path.join(jobs, "submit.sh")], env=cluster.env)
            log("submit.sh: " + p.stdout.strip())
            merge_id = p.stdout.split("merge job ")[1].split()[0]
            deadline = time.time() + 300
            while time.time() < deadline:
                q = subprocess.run(["squeue", "-h", "-o", "%i %T"], capture_output=True,
                                   text=True, env=cluster.env)
                if not q.stdout.strip():
                    break
                time.sleep(1)
            else:
                raise SystemExit("FAIL: the jobs did not finish in 300 s: " + q.stdout)
            st = subprocess.run(["scontrol", "show", "job", merge_id], capture_output=True,
                                text=True, env=cluster.env).stdout
            state = [w for w in st.split() if w.startswith("JobState=")]
            log("slurm: merge job %s %s" % (merge_id, state[0] if state else "(gone)"))
            for i in range(SHARDS):
                so = os.path.join(jobs, "shard-%d.out" % i)
                if os.path.exists(so):
                    log("slurm: shard-%d.out: %s" % (i, open(so).read().strip()))
            mo = os.path.join(jobs, "merge.out")
            if os.path.exists(mo):
                log("slurm: merge.out: " + open(mo).read().strip())
        else:
            if require:
                raise SystemExit("FAIL: no Slurm cluster here: " + why)
            log("slurm: the daemons cannot run here: %s" % why)
            log("slurm: running the array's tasks by hand (SLURM_ARRAY_TASK_ID=0..%d), "
                "then the merge" % (SHARDS - 1))
            for i in range(SHARDS):
                env = dict(os.environ, SLURM_ARRAY_TASK_ID=str(i))
                run(["sh", os.path.join(jobs, "sweep.sbatch")], env=env)
            run(["sh", os.path.join(jobs, "merge.sbatch")])

        merged = os.path.join(out, "r.csv")
        if not os.path.exists(merged):
            raise SystemExit("FAIL: no merged CSV %s" % merged)
        a, b = without_wall(os.path.join(d, "local.csv")), without_wall(merged)
        if a != b:
            raise SystemExit("FAIL: the merged CSV differs from the local run's")
        for i in range(SHARDS):
            if not os.path.exists(os.path.join(out, "r.shard-%d-of-%d.jsonl" % (i, SHARDS))):
                raise SystemExit("FAIL: shard %d wrote no output" % i)
        log("ok: %d runs in %d shards %s, merged CSV equal to a local run's (wall_s aside)"
            % (len(a) - 1, SHARDS, "on Slurm" if why is None else "by hand"))
    finally:
        cluster.stop()
        if not keep:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv)
