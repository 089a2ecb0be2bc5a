/* SPDX-License-Identifier: MIT */
/* dmaeng's BAR0 registers (32-bit), for the device model and the software that drives it. */
#ifndef PTSIM_DMAENG_REGS_H
#define PTSIM_DMAENG_REGS_H

/* BAR0 registers (32-bit). */
#define DMAENG_CTRL       0x00 /* write 1: start */
#define  DMAENG_CTRL_START 0x1u
#define DMAENG_STATUS     0x04 /* bit 0 busy, bit 1 done (W1C) */
#define  DMAENG_STATUS_BUSY 0x1u
#define  DMAENG_STATUS_DONE 0x2u
#define DMAENG_ADDR_LO    0x08 /* window base, bus address */
#define DMAENG_ADDR_HI    0x0c
#define DMAENG_WINDOW_LO  0x10 /* window size, bytes */
#define DMAENG_WINDOW_HI  0x14
#define DMAENG_COUNT      0x18 /* reads to issue */
#define DMAENG_LEN        0x1c /* bytes per read (power of two, <= 4096) */
#define DMAENG_TAGS       0x20 /* reads in flight at most (1..256) */
#define DMAENG_SEED       0x24
#define DMAENG_DONE_COUNT 0x28 /* reads completed */
#define DMAENG_ERRORS     0x2c /* reads completed with an error */
#define DMAENG_ELAPSED_LO 0x30 /* first issue to last completion, ns */
#define DMAENG_ELAPSED_HI 0x34
#define DMAENG_BAR_SIZE   0x1000

#endif
