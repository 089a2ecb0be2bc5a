#!/usr/bin/env python3
"""Check ptsim's layering rules (../shared/DESIGN.md, "Layout" and "Dependency direction").

  check_layering.py ROOT        check the tree at ROOT; print every violation; exit 1 if any
  check_layering.py --self-test build trees that break each rule and check they are caught

Rules:
  1. Only sim/ includes SimGrid (<simgrid/...>, <xbt/...>) or libyaml (<yaml.h>).
  2. Guest drivers (models/guest/drivers) include "hal.h", their own headers in that folder
     and the C library, nothing else.
  3. Includes go down the layers only:
       sim (core) <- hardware models (mem pcie iommu apic cpu devices) <- shared drivers
       <- host <- guest <- workloads <- app (the application, which may include everything).
  4. The HAL is the only door: host software other than its HAL backends (host.c for
     registers, config space, memory and interrupts; hv.c and hv_irq.c for VMX, EPT and the
     emulated/virtual-APIC state the VMCS points at) and the guest
     kernel never call a hardware model's functions; host software includes hardware headers
     only for spec constants (*_regs.h), memory-owner tags (mem.h) and the pCPU and VMX/EPT
     interface (cpu.h, vmx.h); the guest only for spec constants (*_regs.h).
  5. The guest kernel reaches the CPU only through its instruction-set file
     (models/guest/kernel/isa.c): no other guest file includes a models/cpu header or calls
     a vcpu_/pcpu_/ept_/vmx_ function, and the ISA file includes the guest's side of the CPU
     (models/cpu/guest_isa.h), not the hypervisor's (vmx.h) or the pCPU's (cpu.h). Host
     software does not include the guest's side.
  6. Host and guest software include none of each other's headers; what they share is the
     ABI (models/abi/: the boot parameters and the guest-physical map), which includes
     nothing of ptsim and which only software (host, guest, workloads, app) includes.
  7. Drivers that host and guest software share (models/drivers/<driver>/: the VT-d driver,
     built once and run in either kernel) include their own folder's headers (among them
     the HAL each kernel implements for them), hardware *_regs.h and the C library, nothing
     else: no sim/, no hardware model, no host or guest header. They call no hardware model
     and no CPU model; only software (host, guest, workloads, app) includes them.
"""
import os
import re
import sys
import tempfile

HW = ("mem", "pcie", "iommu", "apic", "cpu", "devices", "platform")
INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SRC_EXT = (".c", ".h", ".cpp")
# Calls into hardware models that host/guest software must not make outside the HAL backends.
# (A call through a member, ops->mem_read64(), is a HAL's, not the model's.)
HW_CALL = re.compile(
    r"(?<!->)(?<!\.)\b(pcie_(?!fn_location)\w+|"
    r"vtd_(?:translate|reg_read|reg_write|remap_msi|create|stats|"
    r"cap|ecap|iotlb)\w*|iotlb_\w+|mem_(?:read|write|ptr|create|watch)\w*|lapic_\w+|"
    r"apic_bus_\w+|nic_\w+)\s*\(")
HOST_HAL = {"models/host/host.c", "models/host/hv.c", "models/host/hv_irq.c"}
# The guest kernel's instruction set: its only door to the CPU model.
GUEST_ISA = "models/guest/kernel/isa.c"
GUEST_SIDE_CPU = "models/cpu/guest_isa.h"
HOST_CPU = ("models/cpu/cpu.h", "models/cpu/vmx.h")
CPU_CALL = re.compile(r"(?<!->)(?<!\.)\b((?:vcpu|pcpu|ept|vmx)_\w+)\s*\(")
SOFTWARE = ("host", "guest", "workloads", "app")


def layer(path):
    p = path.replace(os.sep, "/")
    if p.startswith("app/"):
        return "app"
    if p.startswith("sim/"):
        return "sim"
    for h in HW:
        if p.startswith("models/%s/" % h):
            return "hw"
    if p.startswith("models/drivers/"):
        return "drivers"
    if p.startswith("models/host/"):
        return "host"
    if p.startswith("models/guest/"):
        return "guest"
    if p.startswith("models/abi/"):
        return "abi"
    if p.startswith("workloads/"):
        return "workloads"
    return None


RANK = {"sim": 0, "hw": 1, "drivers": 2, "host": 3, "guest": 4, "workloads": 5, "app": 6}


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
                    elif kind == '"' and os.path.exists(os.path.join(root, "models/devices", inc)):
                        # "nvme.h" beside the driver reads as the device model's header
                        errors.append('%s: a guest driver includes "%s", the name of a device '
                                      "model's header; name its own <driver>_regs.h or "
                                      "<driver>_drv.h" % (where, inc))
                    continue
                if me == "abi" and kind == '"':
                    errors.append('%s: the ABI header includes "%s"; it includes nothing of '
                                  'ptsim, so host and guest can both include it' % (where, inc))
                    continue
                if me == "drivers" and kind == '"':
                    own = os.path.dirname(path) + "/"
                    if not (inc.startswith(own) or (layer(inc) == "hw" and
                                                    os.path.basename(inc).endswith("_regs.h"))):
                        errors.append('%s: the shared driver includes "%s"; it includes its own '
                                      'headers (its HAL), hardware *_regs.h and the C library '
                                      'only' % (where, inc))
                    continue
                if kind != '"' or me is None:
                    continue
                target = layer(inc)
                if target is None:
                    continue
                if target == "drivers" and me not in SOFTWARE:
                    errors.append('%s: %s code includes the shared driver "%s"; only software '
                                  'runs it' % (where, me, inc))
                    continue
                if target == "abi":
                    if me not in SOFTWARE:
                        errors.append('%s: %s code includes the ABI header "%s"; it is the '
                                      'contract between host and guest software' % (where, me, inc))
                    continue
                if RANK[target] > RANK[me]:
                    errors.append('%s: %s code includes "%s" from the %s layer above it'
                                  % (where, me, inc, target))
                if me == "guest" and target == "host":
                    errors.append('%s: guest software includes the host header "%s"; what they '
                                  'share lives in models/abi/' % (where, inc))
                if me == "guest" and inc.startswith("models/cpu/"):
                    if path != GUEST_ISA:
                        errors.append('%s: guest code includes "%s"; the guest kernel reaches '
                                      'the CPU only through its instruction-set file %s'
                                      % (where, inc, GUEST_ISA))
                    elif inc != GUEST_SIDE_CPU:
                        errors.append('%s: the guest\'s instruction-set file includes "%s"; '
                                      'the guest\'s side of the CPU is %s'
                                      % (where, inc, GUEST_SIDE_CPU))
                    continue
                if me == "host" and inc == GUEST_SIDE_CPU:
                    errors.append('%s: host software includes "%s", the guest\'s side of the '
                                  'CPU; the hypervisor\'s side is vmx.h' % (where, inc))
                    continue
                if me in ("host", "guest") and target == "hw" and path not in HOST_HAL:
                    base = os.path.basename(inc)
                    allowed = base.endswith("_regs.h") or (
                        me == "host" and inc in ("models/mem/mem.h",) + HOST_CPU)
                    if not allowed:
                        errors.append('%s: %s software includes the hardware model "%s"; it '
                                      'reaches hardware through its HAL' % (where, me, inc))
            if me == "guest" and path != GUEST_ISA:
                for m in CPU_CALL.finditer(code):
                    line = code.count("\n", 0, m.start()) + 1
                    errors.append("%s:%d: guest code calls the CPU model's %s(); the guest "
                                  "kernel reaches the CPU only through %s"
                                  % (path, line, m.group(1), GUEST_ISA))
            if me == "drivers":
                for m in CPU_CALL.finditer(code):
                    line = code.count("\n", 0, m.start()) + 1
                    errors.append("%s:%d: the shared driver calls the CPU model's %s(); it "
                                  "reaches the kernel it runs in through its HAL"
                                  % (path, line, m.group(1)))
            if me in ("host", "guest", "drivers") and path not in HOST_HAL:
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
        "hardware includes guest": ("models/cpu/x.c", '#include "models/guest/hal.h"\n',
                                    "layer above"),
        "guest kernel includes the CPU": ("models/guest/kernel/k.c",
                                          '#include "models/cpu/guest_isa.h"\n',
                                          "only through its instruction-set file"),
        "guest kernel calls the vCPU": ("models/guest/kernel/k.c",
                                        "void f(void){ vcpu_mmio_write(0,0,4,0); }\n",
                                        "vcpu_mmio_write"),
        "guest kernel calls the pCPU": ("models/guest/kernel/k.c",
                                        "void *f(void){ return pcpu_self(); }\n", "pcpu_self"),
        "guest ISA includes the hypervisor's side": ("models/guest/kernel/isa.c",
                                                     '#include "models/cpu/vmx.h"\n',
                                                     "guest's side of the CPU is"),
        "host includes the guest's side": ("models/host/h.c",
                                           '#include "models/cpu/guest_isa.h"\n',
                                           "the guest's side of the CPU"),
        "guest includes host": ("models/guest/kernel/k.c", '#include "models/host/hv.h"\n',
                                "includes the host header"),
        "ABI includes ptsim": ("models/abi/bootparam.h", '#include "sim/simtime.h"\n',
                               "the ABI header includes"),
        "hardware includes the ABI": ("models/iommu/v.c", '#include "models/abi/bootparam.h"\n',
                                      "contract between host and guest"),
        "shared driver includes host": ("models/drivers/intel_iommu/d.c",
                                        '#include "models/host/host.h"\n', "the shared driver"),
        "shared driver includes sim": ("models/drivers/intel_iommu/d.c",
                                       '#include "sim/metrics.h"\n', "the shared driver"),
        "shared driver includes a model": ("models/drivers/intel_iommu/d.c",
                                           '#include "models/iommu/vtd.h"\n', "the shared driver"),
        "shared driver includes guest": ("models/drivers/intel_iommu/d.c",
                                         '#include "models/guest/hal.h"\n', "the shared driver"),
        "shared driver includes another driver": ("models/drivers/intel_iommu/d.c",
                                                  '#include "models/drivers/x/x.h"\n',
                                                  "the shared driver"),
        "shared driver calls a model": ("models/drivers/intel_iommu/d.c",
                                        "void f(void){ mem_write64(0,0,0); }\n", "mem_write64"),
        "shared driver calls the vCPU": ("models/drivers/intel_iommu/d.c",
                                         "void f(void){ vcpu_mmio_write(0,0,4,0); }\n",
                                         "vcpu_mmio_write"),
        "driver header named as a device's": ("models/guest/drivers/nvme.c",
                                              '#include "hal.h"\n#include "nvme.h"\n',
                                              "the name of a device model's header"),
        "hardware includes the shared driver": ("models/iommu/v.c",
                                                '#include "models/drivers/intel_iommu/d.h"\n',
                                                "only software runs it"),
        "sim includes the shared driver": ("sim/e.c",
                                           '#include "models/drivers/intel_iommu/d.h"\n',
                                           "only software runs it"),
    }
    ok = True
    for name, (rel, text, expect) in cases.items():
        with tempfile.TemporaryDirectory() as t:
            write(t, "models/guest/drivers/hal.h", "")
            write(t, "models/guest/drivers/nvme.h", "")
            write(t, "models/devices/nvme.h", "")
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
              '#include "models/host/host.h"\nvoid f(void){ host_readl(0,0); }\n')
        write(t, "models/host/host.c", '#include "models/pcie/pcie.h"\n'
              "void g(void){ pcie_cpu_read(0,0,0,0,0); }\n")
        write(t, "models/host/hv.c", '#include "models/cpu/vmx.h"\n'
              '#include "models/abi/bootparam.h"\nvoid h(void){ vcpu_launch(0,0); }\n')
        write(t, "models/abi/bootparam.h", "#include <stdint.h>\n")
        write(t, "models/guest/kernel/isa.c", '#include "models/guest/kernel/isa.h"\n'
              '#include "models/cpu/guest_isa.h"\nvoid isa_compute(unsigned long c)'
              "{ vcpu_compute(vcpu_current(), c); }\n")
        write(t, "models/guest/kernel/k.c", '#include "models/guest/kernel/isa.h"\n'
              '#include "models/abi/bootparam.h"\n#include "models/pcie/pcie_regs.h"\n'
              '#include "models/drivers/intel_iommu/d.h"\n'
              "void k(void){ isa_compute(1); }\n")
        write(t, "models/drivers/intel_iommu/d.h", '#include "models/drivers/intel_iommu/hal.h"\n'
              '#include "models/iommu/vtd_regs.h"\n#include <stdint.h>\n')
        write(t, "models/drivers/intel_iommu/d.c", '#include "models/drivers/intel_iommu/d.h"\n'
              "void d(struct hal *h){ h->ops->readl(h->ctx, 0); h->ops->mem_read64(h->ctx, 0); }\n")
        write(t, "models/host/hal.c", '#include "models/drivers/intel_iommu/d.h"\n'
              '#include "models/host/host.h"\n')
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
