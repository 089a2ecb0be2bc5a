#!/usr/bin/env python3
"""What README.md says a user will see, checked on the real program.

  claims.py PTSIM      run each README example (2,000 frames) and check its claim
"""
import json
import os
import subprocess
import sys
import tempfile


def run(ptsim, d, name, *sets):
    out = os.path.join(d, name + ".json")
    cmd = [ptsim, "run", "configs/default.yaml", "--quiet", "--json", out,
           "--set", "workload.frames=2000"]
    for s in sets:
        cmd += ["--set", s]
    if name == "trace":
        cmd += ["--trace", os.path.join(d, "t.json")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
    with open(out) as f:
        return json.load(f)


def main(argv):
    ptsim = argv[0]
    bad = []

    def claim(ok, text):
        print("%s %s" % ("ok  " if ok else "FAIL", text))
        if not ok:
            bad.append(text)

    with tempfile.TemporaryDirectory() as d:
        base = run(ptsim, d, "base")
        ex = base["exits"]["by_reason"]
        claim(base["exits_per_interrupt"] == 2.0 and ex["external_interrupt"] == 2000 and
              ex["msr_write"] == 2000, "emulated LAPIC, busy guest: an external-interrupt exit "
              "and an EOI (MSR-write) exit per interrupt")

        halt = run(ptsim, d, "halt", "workload.guest_idle=halt")
        ex = halt["exits"]["by_reason"]
        claim(ex["external_interrupt"] == 0 and ex["hlt"] == halt["interrupts"]["delivered"] and
              ex["msr_write"] == halt["interrupts"]["delivered"],
              "idle guest: no external-interrupt exits; an HLT and an EOI exit per interrupt")

        fast = run(ptsim, d, "fast", "workload.rate_gbps=9")
        claim(fast["interrupts"]["delivered"] < fast["workload"]["frames_received"] and
              fast["exits"]["by_reason"]["interrupt_window"] > 0 and
              fast["exits_per_interrupt"] > 2.0,
              "9 Gb/s: fewer interrupts than frames, and interrupt-window exits")

        sp = run(ptsim, d, "superpages", "machine.iommu.superpages=true")
        claim(base["iotlb"]["misses"] > 100 and sp["iotlb"]["misses"] <= 2 and
              sp["iommu"]["translation_ns_mean"] < base["iommu"]["translation_ns_mean"] / 4,
              "superpages: IOTLB misses vanish and translation gets much faster")
        claim(0.1 < base["iotlb"]["misses"] / base["iotlb"]["lookups"] < 0.25,
              "4 KiB pages: about one DMA in six misses the IOTLB")

        big = run(ptsim, d, "bigtlb", "machine.iommu.iotlb.entries=256")
        small = run(ptsim, d, "smallring", "vms.0.guest.ptnic.ring_size=32")
        claim(big["iotlb"]["misses"] < 200 and big["iotlb"]["evictions"] == 0 and
              small["iotlb"]["misses"] < 100,
              "the ring's ~130 buffer pages overflow 64 IOTLB entries; 256 entries, or a "
              "32-descriptor ring, fit (only the first lap misses)")

        none = run(ptsim, d, "none", "vms.0.dma.strategy=none")
        w = none["workload"]
        claim(w["frames_received"] == 0 and w["frames_lost"] > 0 and
              none["dma"]["outside_vm_bytes"] > 0 and base["dma"]["outside_vm_bytes"] == 0,
              "no DMA remapping: frames lost, bytes written outside the VM")

        # The interrupt-mode table: exits per interrupt running and halted.
        table = {"emulated": (2, 2), "eoi_passthrough": (1, 1), "eli": (0, 1),
                 "cpu_posted": (1, 1), "vtd_posted": (0, 1)}
        for mode, (busy, halted) in table.items():
            r = run(ptsim, d, mode, "vms.0.interrupt_mode=" + mode)
            h = run(ptsim, d, mode + "-halt", "vms.0.interrupt_mode=" + mode,
                    "workload.guest_idle=halt", "vms.0.halt_poll_ns=0")
            claim(r["exits_per_interrupt"] == busy and h["exits_per_interrupt"] == halted and
                  h["exits"]["by_reason"]["hlt"] == h["interrupts"]["delivered"],
                  "%s: %d exits per interrupt running, %d halted (the HLT among them)"
                  % (mode, busy, halted))
        remote = run(ptsim, d, "remote", "vms.0.interrupt_mode=cpu_posted",
                     "vms.0.host_irq_pcpu=0")
        claim(remote["exits_per_interrupt"] == 0, "cpu_posted with host_irq_pcpu 0: no exit")
        intx = [run(ptsim, d, "intx-" + m, "vms.0.interrupt_mode=" + m,
                    "vms.0.guest.ptnic.intx=true") for m in ("emulated", "vtd_posted")]
        claim(all(r["exits_per_interrupt"] == 2 and r["interrupts"]["intx"]["unmasks"] > 0
                  for r in intx), "INTx: 2 exits in every mode, the line unmasked at the EOI")

        hog = "vms.1={name: vm1, pcpus: [1], guest: {task: cpu_hog}}"
        oc = run(ptsim, d, "overcommit", hog, "workload.guest_idle=halt", "vms.0.halt_poll_ns=0")
        claim(oc["exits_per_interrupt"] == 3 and oc["vms"]["vm0"]["exits"] ==
              2 * oc["interrupts"]["delivered"] and oc["sched"]["wakeup_preemptions"] ==
              oc["interrupts"]["delivered"],
              "a CPU hog sharing vm0's pCPU: 3 exits per interrupt, 2 of them vm0's; the woken "
              "vCPU preempts the hog")
        ocp = run(ptsim, d, "overcommit-posted", hog, "vms.0.interrupt_mode=vtd_posted")
        claim(ocp["vm"]["pi_sn_sets"] > 0 and ocp["interrupts"]["posted_suppressed"] > 0,
              "vtd_posted, busy vm0 sharing its pCPU: SN set while preempted, posts held back")

        run(ptsim, d, "trace")
        with open(os.path.join(d, "t.json")) as f:
            ev = json.load(f)["traceEvents"]
        flows = {}
        for e in ev:
            if e.get("cat") == "flow":
                flows.setdefault(e["id"], []).append(e["ph"])
        names = {e.get("name") for e in ev}
        claim(len(flows) > 0 and all(v == ["s", "t", "f"] for v in flows.values()) and
              "exit external_interrupt" in names and "rx frame DMA" in names and
              "translate (write)" in names and "idle" in names,
              "trace: exits, DMA and translation spans, idle, interrupts as flows")
    if bad:
        print("%d claim%s failed" % (len(bad), "" if len(bad) == 1 else "s"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
