/* SPDX-License-Identifier: MIT */
/*
 * ptnic register layout, as the driver knows it from the device's datasheet (the device
 * model keeps its own copy in models/devices/nic_regs.h; tests/unit/devices checks that the
 * two agree, as a driver and its hardware must).
 */
#ifndef PTNIC_REGS_H
#define PTNIC_REGS_H

#define PTNIC_VENDOR 0x7074
#define PTNIC_DEVICE 0x0001
#define PTNIC_VF_DEVICE 0x0011

#define REG_CTRL   0x0000
#define  CTRL_RST  0x04000000u
#define REG_STATUS 0x0008
#define  STATUS_LU 0x00000002u
#define REG_ICR    0x00c0
#define REG_ITR    0x00c4
#define REG_IMS    0x00d0
#define REG_IMC    0x00d8
#define  INT_RXT0  0x00000080u
#define REG_RCTL   0x0100
#define  RCTL_EN   0x00000002u
#define REG_RDBAL  0x2800
#define REG_RDBAH  0x2804
#define REG_RDLEN  0x2808
#define REG_RDH    0x2810
#define REG_RDT    0x2818
#define REG_MPC    0x4010

#define RXD_STAT_DD  0x01
#define RXD_STAT_EOP 0x02
#define RX_BUF_SIZE  2048

#endif
