/* SPDX-License-Identifier: MIT */
/* VMX basic exit reasons, Intel SDM vol. 3D appendix C. */
#ifndef PTSIM_VMX_H
#define PTSIM_VMX_H

#define EXIT_REASON_EXCEPTION_NMI       0
#define EXIT_REASON_EXTERNAL_INTERRUPT  1
#define EXIT_REASON_INTERRUPT_WINDOW    7
#define EXIT_REASON_CPUID               10
#define EXIT_REASON_HLT                 12
#define EXIT_REASON_VMCALL              18
#define EXIT_REASON_IO_INSTRUCTION      30
#define EXIT_REASON_MSR_READ            31
#define EXIT_REASON_MSR_WRITE           32
#define EXIT_REASON_TPR_BELOW_THRESHOLD 43
#define EXIT_REASON_APIC_ACCESS         44
#define EXIT_REASON_EOI_INDUCED         45
#define EXIT_REASON_EPT_VIOLATION       48
#define EXIT_REASON_EPT_MISCONFIG       49
#define EXIT_REASON_APIC_WRITE          56
#define EXIT_REASON_MAX                 64

/* The result-key name of an exit reason ("external_interrupt"), or NULL if unnamed. */
const char *vmx_exit_name(unsigned reason);

#endif
