#!/usr/bin/env python3
"""Check ptsim's layering rules (../shared/DESIGN.md, "Layout" and "Dependency direction").

  check_layering.py ROOT        check the tree at ROOT; print every violation; exit 1 if any
  check_layering.py --self-test build trees that break each rule and check they are caught

Rules:
  1. Only sim/ includes SimGrid (<simgrid/...>, <xbt/...>) or libyaml (<yaml.h>).
  2. Guest drivers (models/guest/drivers) include "hal.h", their own headers in that folder
     and the C library, nothing else.
  3. Includes go down the layers only:
       sim (core) <- hardware models (mem pcie iommu apic cpu devices) <- host <- guest
       <- workloads <- app (the application, which may include everything).
  4. The HAL is the only door: host software other than its HAL backends (host.c for
     registers, config space, memory and interrupts; hv.c and hv_irq.c for VMX, EPT and the
     emulated/virtual-APIC state the VMCS points at) and the guest
     kernel never call a hardware model's functions; they include hardware headers only for
     spec constants (*_regs.h), memory-owner tags (mem.h) and the VMX/EPT interface (cpu.h).
"""
import os
import re
import sys
import tempfile

HW = ("mem", "pcie", "iommu", "apic", "cpu", "devices", "platform")
INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SRC_EXT = (".c", ".h", ".cpp")
# Calls into hardware models that host/guest software must not make outside the HAL backends.
HW_CALL = re.compile(
    r"\b(pcie_(?!fn_location)\w+|vtd_(?:translate|reg_read|reg_write|remap_msi|create|stats|"
    r"cap|ecap|iotlb)\w*|iotlb_\w+|mem_(?:read|write|ptr|create|watch)\w*|lapic_\w+|"
    r"apic_bus_\w+|nic_\w+)\s*\(")
HOST_HAL = {"models/host/host.c", "models/host/hv.c", "models/host/hv_irq.c"}


def layer(path):
    p = path.replace(os.sep, "/")
    if p.startswith("app/"):
        return "app"
    if p.startswith("sim/"):
        return "sim"
    for h in HW:
        if p.startswith("models/%s/" % h):
            return "hw"
    if p.startswith("models/host/"):
        return "host"
    if p.startswith("models/guest/"):
        return "guest"
    if p.startswith("workloads/"):
        return "workloads"
    return None


RANK = {"sim": 0, "hw": 1, "host": 2, "guest": 3, "workloads": 4, "app": 5}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def check(root):
    errors = []
    for d, _, files in os.walk(root):
        rel_d = os.path.relpath(d, root)
        if rel_d.startswith(("build", ".git", "tests", "bench", "analysis")):
            continue
        for f in sorted(files):
            if not f.endswith(SRC_EXT):
                continue
            path = os.path.normpath(os.path.join(rel_d, f)).replace(os.sep, "/")
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            code = strip_comments(text)
            me = layer(path)
            for m in INC.finditer(code):
                kind, inc = m.group(1), m.group(2)
                line = code.count("\n", 0, m.start()) + 1
                where = "%s:%d" % (path, line)
                if kind == "<" and (inc.startswith(("simgrid/", "xbt/")) or inc == "yaml.h"):
                    if me != "sim":
                        errors.append("%s: includes <%s>; only sim/ may use SimGrid or "
                                      "libyaml" % (where, inc))
                    continue
                if path.startswith("models/guest/drivers/"):
                    if kind == '"' and inc != "hal.h" and not os.path.exists(
                            os.path.join(root, "models/guest/drivers", inc)):
                        errors.append('%s: a guest driver includes "%s"; drivers include '
                                      '"hal.h" and their own headers only' % (where, inc))
                    if kind == '"' and "/" in inc:
                        errors.append('%s: a guest driver includes "%s" by path' % (where, inc))
                    continue
                if kind != '"' or me is None:
                    continue
                target = layer(inc)
                if target is None:
                    continue
                if RANK[target] > RANK[me]:
                    errors.append('%s: %s code includes "%s" from the %s layer above it'
                                  % (where, me, inc, target))
                if me in ("host", "guest") and target == "hw" and path not in HOST_HAL:
                    base = os.path.basename(inc)
                    allowed = base.endswith("_regs.h") or inc in (
                        "models/mem/mem.h", "models/cpu/cpu.h", "models/cpu/vmx.h")
                    if me == "guest" and path.startswith("models/guest/hal_sim.c"):
                        allowed = allowed or False
                    if not allowed:
                        errors.append('%s: %s software includes the hardware model "%s"; it '
                                      'reaches hardware through its HAL' % (where, me, inc))
            if me in ("host", "guest") and path not in HOST_HAL:
                for m in HW_CALL.finditer(code):
                    line = code.count("\n", 0, m.start()) + 1
                    errors.append("%s:%d: %s software calls the hardware model function %s(); "
                                  "only the HAL backends may" % (path, line, me, m.group(1)))
    return errors


def write(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as fh:
        fh.write(text)


def self_test():
    cases = {
        "simgrid outside sim": ("models/cpu/x.c", "#include <simgrid/actor.h>\n", "SimGrid"),
        "yaml outside sim": ("app/y.c", "#include <yaml.h>\n", "libyaml"),
        "driver includes model": ("models/guest/drivers/d.c",
                                  '#include "hal.h"\n#include "models/cpu/cpu.h"\n',
                                  "guest driver includes"),
        "hardware includes host": ("models/iommu/v.c", '#include "models/host/host.h"\n',
                                   "layer above"),
        "host includes guest": ("models/host/h.c", '#include "models/guest/hal.h"\n',
                                "layer above"),
        "sim core includes model": ("sim/e.c", '#include "models/mem/mem.h"\n', "layer above"),
        "host driver includes model": ("models/host/drv.c", '#include "models/iommu/vtd.h"\n',
                                       "hardware model"),
        "host driver calls model": ("models/host/drv.c", "void f(void){ pcie_cfg_read(0,0,0,0,4); }\n",
                                    "pcie_cfg_read"),
        "guest kernel calls model": ("models/guest/kernel/k.c",
                                     "void f(void){ mem_write64(0,0,0); }\n", "mem_write64"),
    }
    ok = True
    for name, (rel, text, expect) in cases.items():
        with tempfile.TemporaryDirectory() as t:
            write(t, "models/guest/drivers/hal.h", "")
            write(t, rel, text)
            errs = check(t)
            if not any(expect in e for e in errs):
                print("self-test FAILED: '%s' not caught (got %s)" % (name, errs))
                ok = False
    with tempfile.TemporaryDirectory() as t:
        write(t, "models/guest/drivers/d.c", '#include "hal.h"\n#include "d_regs.h"\n'
              "#include <string.h>\n/* #include \"models/cpu/cpu.h\" */\n")
        write(t, "models/guest/drivers/d_regs.h", "")
        write(t, "models/host/drv.c", '#include "models/iommu/vtd_regs.h"\n'
              '#include "models/host/host.h"\nvoid f(void){ hh_readl(0,0); }\n')
        write(t, "models/host/host.c", '#include "models/pcie/pcie.h"\n'
              "void g(void){ pcie_cpu_read(0,0,0,0,0); }\n")
        errs = check(t)
        if errs:
            print("self-test FAILED: a clean tree was flagged: %s" % errs)
            ok = False
    print("self-test %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    errors = check(sys.argv[1])
    for e in errors:
        print(e)
    if errors:
        print("%d layering violation%s" % (len(errors), "" if len(errors) == 1 else "s"))
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
