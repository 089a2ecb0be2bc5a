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
#define  INT_TXDW  0x00000001u /* transmit descriptor written back */
#define  INT_RXT0  0x00000080u
#define REG_IVAR   0x00e4 /* which MSI-X entry each cause raises */
#define  IVAR_RX(entry)  ((entry) & 7u)
#define  IVAR_RX_VALID   0x00000008u
#define  IVAR_TX(entry)  (((entry) & 7u) << 8)
#define  IVAR_TX_VALID   0x00000800u
#define  INT_RXQ(q) ((q) ? 0x00010000u << (q) : INT_RXT0) /* receive queue q */
#define  INT_RXQ_ALL(n) (INT_RXT0 | (((1u << (n)) - 2u) << 16)) /* queues 0..n-1 */
#define  INT_TXQ(q) ((q) ? 0x00100000u << (q) : INT_TXDW) /* transmit queue q */
#define REG_IVAR_Q(q) ((q) ? 0x1700 + 4 * (q) : REG_IVAR) /* queue q's entries, rx and tx */
#define REG_EITR(v) (0x1680 + 4 * (v)) /* vector v's own interval (0: ITR's) */
#define REG_RCTL   0x0100
#define  RCTL_EN   0x00000002u
#define REG_TCTL   0x0400
#define  TCTL_EN   0x00000002u
#define  TCTL_PSP  0x00000008u /* pad short frames */
#define REG_RDBAL  0x2800
#define REG_RDBAH  0x2804
#define REG_RDLEN  0x2808
#define REG_RDH    0x2810
#define REG_RDT    0x2818
#define REG_TDBAL  0x3800
#define REG_TDBAH  0x3804
#define REG_TDLEN  0x3808
#define REG_TDH    0x3810
#define REG_TDT    0x3818
#define REG_MPC    0x4010
#define REG_MRQC   0x5818 /* multiple receive queues: RSS */
#define  MRQC_RSS_EN         0x00000001u
#define  MRQC_RSS_FIELD_TCP4 0x00010000u
#define  MRQC_RSS_FIELD_IPV4 0x00020000u
#define REG_RXQCAP 0x5824 /* receive queues the device has */
#define REG_TXQCAP 0x5828 /* transmit queues the device has */
#define REG_RETA(i)  (0x5c00 + 4 * (i)) /* entries 4i..4i+3, a byte each */
#define REG_RSSRK(i) (0x5c80 + 4 * (i)) /* key bytes 4i..4i+3 */
#define RETA_ENTRIES  128
#define RSS_KEY_BYTES 40
#define PTNIC_QUEUES  4
#define REG_RXQ(q) (0x100 * (q)) /* queue q's ring registers: queue 0's plus this */
#define REG_TXQ(q) (0x100 * (q)) /* transmit queue q's, likewise */

#define RXD_STAT_DD  0x01
#define RXD_STAT_EOP 0x02
#define RX_BUF_SIZE  2048

/* Legacy transmit descriptor: CMD and status bits. */
#define TXD_CMD_EOP  0x01 /* end of packet */
#define TXD_CMD_IFCS 0x02 /* the device appends the FCS */
#define TXD_CMD_RS   0x08 /* report status: write DD back */
#define TXD_STAT_DD  0x01

#endif
