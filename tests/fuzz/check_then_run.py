#!/usr/bin/env python3
"""What `check` accepts must run: random --set mutations of the shipped configs, outside CI.

  check_then_run.py PTSIM [--minutes M] [--seed S]

Each trial takes a config from configs/ and a few overrides drawn from the keys and values
below (names from the machine, numbers at and past their ranges, lists). When `ptsim check`
says ok, `ptsim survey` (machine part) and `ptsim run` (a few frames) must not end in a bare
failure of setup (exit 1 with an errno such as "No space left on device", "File exists",
"Invalid argument", or a crash): such a config should have been a config error. Findings are
printed with the command line that reproduces them. A run that ends as a simulation may (a
deadlock, the workload not finishing in run.max_sim_ms, the host refusing to assign a device an
RMRR holds) is not a finding.
"""
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = ["configs/default.yaml", "configs/dma_bench.yaml", "configs/vtd_units.yaml"] + \
    ["configs/teaching/" + f for f in sorted(os.listdir(os.path.join(ROOT, "configs/teaching")))
     if f.endswith(".yaml") and f != "lab-machine.yaml"]
NAMES = ["nic0", "nic1", "rp0", "rp1", "dma0", "vm0", "vm1", "pf", "pf.vf1", "x", "nic0.vf1"]
NUMS = ["0", "1", "2", "3", "4", "7", "8", "9", "15", "16", "17", "31", "32", "64", "255",
        "256", "1024", "4096", "65535", "65536", "1048576", "4294967295"]
SETS = [
    ("machine.cpu.pcpus", NUMS), ("machine.memory.size_mib", ["64", "256", "1024", "2048",
                                                             "3000", "4096", "100000"]),
    ("machine.memory.firmware_mib", ["0", "1", "2", "64", "1024"]),
    ("vms.0.memory_mib", ["16", "64", "1000", "1024", "2047", "2048", "4096", "6000"]),
    ("vms.0.vcpus", ["1", "2", "3", "8", "16"]),
    ("vms.0.pcpus", ["[1]", "[1, 1]", "[2]", "[1, 2]", "[7]"]),
    ("vms.0.devices", ["[]", "[nic0]", "[nic0, nic0]", "[dma0]", "[rp0]", "[nic1]"]),
    ("vms.1", ["{name: vm1}", "{name: vm1, pcpus: [1]}", "{name: vm1, devices: [nic0]}",
               "{name: vm1, pcpus: [1], memory_mib: 4096}"]),
    ("vms.0.interrupt_mode", ["emulated", "eli", "vtd_posted", "cpu_posted"]),
    ("vms.0.dma.strategy", ["none", "direct_map"]),
    ("vms.0.host_irq_pcpu", ["0", "1", "2", "9"]),
    ("vms.0.guest.ptnic.ring_size", ["8", "32", "4096"]),
    ("vms.0.guest.apic", ["xapic", "x2apic"]),
    ("machine.iommu.enabled", ["false", "true"]),
    ("machine.iommu.scalable_mode", ["true", "false"]),
    ("machine.iommu.queued_invalidation", ["false"]),
    ("machine.iommu.interrupt_remapping", ["false"]),
    ("machine.iommu.address_width", ["39", "48", "57", "40"]),
    ("machine.iommu.domains", ["16", "65536"]),
    ("machine.iommu.iotlb.entries", ["1", "64", "65536"]),
    ("machine.iommu.units", ["[{name: a, include_all: true}]", "[{name: a, scope: [rp0]}]",
                             "[{name: a, scope: [nic0]}, {name: b, include_all: true}]",
                             "[{name: a, scope: [rp0]}, {name: b, scope: [rp1]}]"]),
    ("machine.firmware.rmrrs", ["[{device: nic0, base: 0x10000000}]",
                                "[{device: nic0, base: 0x7ff00000}]",
                                "[{device: dma0, base: 0x100000000, size_kib: 1048576}]"]),
    ("machine.pcie.devices.0.below.0", ["{name: nic0, type: ptnic}", "{name: nic0, type: "
                                        "endpoint, sriov: {total_vfs: 8, num_vfs: 8}, ari: true}",
                                        "{name: nic0, type: endpoint, bars: [{index: 0, size: "
                                        "0x100000000}]}", "{name: nic0, type: dma_engine}",
                                        "{name: nic0, type: endpoint, msix_vectors: 2048}"]),
    ("machine.pcie.devices.1", ["{name: rp1, type: root_port, slot: 2, below: [{name: nic1, "
                                "type: ptnic}]}", "{name: rp1, type: root_port, slot: 1}",
                                "{name: pf, type: rciep, slot: 5, sriov: {total_vfs: 64, "
                                "num_vfs: 64}}",
                                "{name: rp1, type: root_port, slot: 3, below: [{name: sw, type: "
                                "switch, ports: [{name: d, below: [{name: pf, type: endpoint, "
                                "ari: true, sriov: {total_vfs: 16, num_vfs: 16}}]}]}]}"]),
    ("workload.device", NAMES), ("workload.kind", ["stream_rx", "dma_bench"]),
    ("workload.window_kib", ["4", "1024", "1048576", "4194304", "8388608"]),
    ("workload.page_kib", ["4", "2048", "1048576"]),
    ("workload.frame_bytes", ["64", "2048"]), ("workload.rate_gbps", ["0.001", "9.9"]),
    ("host.irte_entries", ["2", "65536"]), ("host.flr_wait_us", ["0"]),
]
SETUP_FAILURE = ("No space left", "File exists", "Invalid argument", "Cannot allocate",
                 "No such device", "building the machine failed", "Argument list too long",
                 "not found", "did not find", "Bad address", "Numerical result",
                 "Operation not", "behind no")


def main(argv):
    ptsim = os.path.abspath(argv[0])
    minutes = float(argv[argv.index("--minutes") + 1]) if "--minutes" in argv else 5
    rnd = random.Random(int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1)
    end = time.time() + minutes * 60
    trials = accepted = 0
    findings = {}
    while time.time() < end:
        trials += 1
        cfg = rnd.choice(CONFIGS)
        sets = []
        for _ in range(rnd.randint(1, 4)):
            key, vals = rnd.choice(SETS)
            sets += ["--set", "%s=%s" % (key, rnd.choice(vals))]
        c = subprocess.run([ptsim, "check", cfg] + sets, capture_output=True, text=True,
                           cwd=ROOT)
        if c.returncode < 0:
            findings.setdefault("check crashed", []).append((cfg, sets, c.stderr[-300:]))
            continue
        if c.returncode:
            continue
        accepted += 1
        for cmd in (["survey"], ["run", "--quiet", "--set", "workload.frames=5", "--set",
                                 "workload.reads=50", "--set", "run.max_sim_ms=2000"]):
            try:
                p = subprocess.run([ptsim, cmd[0], cfg] + sets + cmd[1:], capture_output=True,
                                   text=True, cwd=ROOT, timeout=300)
            except subprocess.TimeoutExpired:
                findings.setdefault("%s timed out" % cmd[0], []).append((cfg, sets, ""))
                continue
            # the host refusing a device an RMRR holds is what the model does (README:
            # "an assignment the host refused"), not a config error check missed
            refused = "failed: Operation not permitted" in p.stderr
            if p.returncode < 0 or (p.returncode == 1 and not refused and
                                    any(s in p.stderr for s in SETUP_FAILURE)):
                why = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else \
                    "signal %d" % -p.returncode
                key = "%s: %s" % (cmd[0], why.split(": ", 2)[-1][:80])
                findings.setdefault(key, []).append((cfg, sets, why))
    print("%d trials, %d accepted by check, %d kinds of finding" % (trials, accepted,
                                                                     len(findings)))
    for k, v in sorted(findings.items()):
        cfg, sets, why = v[0]
        print("\n%s (%d times), e.g.\n  ptsim CMD %s %s\n  %s" % (
            k, len(v), cfg, " ".join("'%s'" % s if " " in s else s for s in sets), why))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
