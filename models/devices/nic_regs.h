/* SPDX-License-Identifier: MIT */
/*
 * ptnic register interface: the device side of its datasheet. ptnic is a simple, fictional
 * Ethernet controller in the style of Intel's e1000 family (8254x SDM §13, §3.2, §3.3): a
 * receive and a transmit ring of 16-byte legacy descriptors, head/tail registers, interrupt
 * cause/mask registers with auto-masking, an interrupt throttle, and MSI-X with a vector
 * allocation register (the 82574's IVAR) that gives each cause its entry. Receive has up to
 * PTNIC_MAX_QUEUES queues (the device's `queues` knob says how many it implements), each with
 * its ring registers at the 82574/igb per-queue offsets, its own cause bit, its own IVAR and a
 * per-vector throttle (igb's EITR); receive-side scaling picks a frame's queue as the 82599
 * does (82599 datasheet §7.1.2.8): a Toeplitz hash of its IPv4/TCP 4-tuple under a 40-byte key
 * (RSSRK), its low 7 bits indexing a 128-entry redirection table (RETA). Transmit likewise has
 * up to PTNIC_MAX_QUEUES queues (`tx_queues`), each with its ring registers at igb's offsets,
 * its own cause bit and its entry in the queue's IVAR; the transmitter serves the queues with
 * frames waiting round-robin, frame by frame (82599 datasheet §7.2.1.2.1 in its non-DCB
 * mode: the descriptor queues are served in round robin).
 * Vendor 0x7074 is not assigned in pci.ids; it marks the device as ptsim's own.
 */
#ifndef PTSIM_NIC_REGS_H
#define PTSIM_NIC_REGS_H

#define PTNIC_VENDOR_ID 0x7074
#define PTNIC_DEVICE_ID 0x0001
#define PTNIC_VF_DEVICE_ID 0x0011 /* its SR-IOV virtual functions */
#define PTNIC_CLASS     0x02000001 /* Ethernet controller, revision 1 */

#define PTNIC_BAR0_SIZE    0x20000 /* 128 KiB */
#define PTNIC_MSIX_TABLE   0x10000 /* its own page, so it can trap while registers do not */
#define PTNIC_MSIX_PBA     0x18000
#define PTNIC_MSIX_VECTORS 4

#define PTNIC_CTRL   0x0000
#define  PTNIC_CTRL_SLU 0x00000040
#define  PTNIC_CTRL_RST 0x04000000
#define PTNIC_STATUS 0x0008
#define  PTNIC_STATUS_LU 0x00000002
#define PTNIC_ICR    0x00c0 /* cause, read to clear */
#define PTNIC_ITR    0x00c4 /* minimum interval between interrupts, 256 ns units */
/* Vector v's own interval, 256 ns units (igb's EITR); 0: ITR's applies. */
#define PTNIC_EITR(v) (0x1680 + 4 * (v))
#define PTNIC_ICS    0x00c8 /* write: set causes */
#define PTNIC_IMS    0x00d0 /* write 1: enable causes; read: enabled causes */
#define PTNIC_IMC    0x00d8 /* write 1: disable causes */
#define PTNIC_EIAM   0x00e0 /* causes masked automatically when their MSI-X message goes */
#define  PTNIC_INT_TXDW 0x00000001 /* transmit descriptor written back */
#define  PTNIC_INT_RXT0 0x00000080 /* receive descriptor written back */
/* Receive queue q's cause: RXT0 for queue 0, bit 16 + q for the others. */
#define  PTNIC_INT_RXQ(q) ((q) ? 0x00010000u << (q) : PTNIC_INT_RXT0)
#define  PTNIC_INT_RXQ_ALL (PTNIC_INT_RXT0 | 0x000e0000u)
/* Transmit queue q's cause: TXDW for queue 0, bit 20 + q for the others. */
#define  PTNIC_INT_TXQ(q) ((q) ? 0x00100000u << (q) : PTNIC_INT_TXDW)
#define  PTNIC_INT_TXQ_ALL (PTNIC_INT_TXDW | 0x00e00000u)
#define PTNIC_IVAR   0x00e4 /* MSI-X entry of each cause (82574 IVAR; e1000e's E1000_IVAR_*) */
#define  PTNIC_IVAR_RX(entry)   ((entry) & 7u)         /* receive: entry, 2:0 */
#define  PTNIC_IVAR_RX_VALID    0x00000008
#define  PTNIC_IVAR_TX(entry)   (((entry) & 7u) << 8)  /* transmit: entry, 10:8 */
#define  PTNIC_IVAR_TX_VALID    0x00000800
#define  PTNIC_IVAR_RX_ENTRY(v) ((v) & 7u)
#define  PTNIC_IVAR_TX_ENTRY(v) (((v) >> 8) & 7u)
/* At reset receive goes to entry 0 and transmit to entry 1, each valid. */
#define  PTNIC_IVAR_RESET                                                                          \
	(PTNIC_IVAR_RX(0) | PTNIC_IVAR_RX_VALID | PTNIC_IVAR_TX(1) | PTNIC_IVAR_TX_VALID)
/* Queue q's allocation, the same format (q >= 1, reset invalid): receive queue q's entry where
 * the device has that receive queue, transmit queue q's where it has that transmit queue. */
#define PTNIC_IVAR_Q(q) ((q) ? 0x1700 + 4 * (q) : PTNIC_IVAR)
#define PTNIC_RCTL   0x0100
#define  PTNIC_RCTL_EN 0x00000002
#define PTNIC_TCTL   0x0400 /* transmit control */
#define  PTNIC_TCTL_EN  0x00000002
#define  PTNIC_TCTL_PSP 0x00000008 /* pad short packets to 64 bytes */
#define PTNIC_MAX_QUEUES 4
#define PTNIC_RDBAL  0x2800 /* queue 0's; queue q's are 0x100 * q further (igb's RDBAL(n)) */
#define PTNIC_RDBAH  0x2804
#define PTNIC_RDLEN  0x2808
#define PTNIC_RDH    0x2810
#define PTNIC_RDT    0x2818
#define PTNIC_RXQ(reg, q) ((reg) + 0x100 * (q))
#define PTNIC_TDBAL  0x3800
#define PTNIC_TDBAH  0x3804
#define PTNIC_TDLEN  0x3808
#define PTNIC_TDH    0x3810
#define PTNIC_TDT    0x3818
#define PTNIC_TXQ(reg, q) ((reg) + 0x100 * (q)) /* queue q's (igb's TDBAL(n), n < 4) */
#define PTNIC_MPC    0x4010 /* missed packets (no descriptor) */
#define PTNIC_GPRC   0x4074 /* good packets received */
#define PTNIC_GPTC   0x4080 /* good packets transmitted */
#define PTNIC_GORC   0x4088 /* good octets received, low 32 bits */
#define PTNIC_GOTC   0x4090 /* good octets transmitted, low 32 bits */
#define PTNIC_MRQC   0x5818 /* multiple receive queues command (82599 §8.2.3.7.12) */
#define  PTNIC_MRQC_RSS_EN         0x00000001 /* RSS picks the queue */
#define  PTNIC_MRQC_RSS_FIELD_TCP4 0x00010000 /* hash TCP/IPv4 over the 4-tuple */
#define  PTNIC_MRQC_RSS_FIELD_IPV4 0x00020000 /* hash other IPv4 over the addresses */
#define PTNIC_RXQCAP 0x5824 /* read-only: receive queues implemented */
#define PTNIC_TXQCAP 0x5828 /* read-only: transmit queues implemented */
#define PTNIC_RETA(i)  (0x5c00 + 4 * (i)) /* 32 registers, entry 4i + k in byte k */
#define PTNIC_RETA_ENTRIES 128
#define PTNIC_RSSRK(i) (0x5c80 + 4 * (i)) /* 10 registers, key byte 4i + k in byte k */
#define PTNIC_RSS_KEY_BYTES 40

/* Legacy receive descriptor, 16 bytes (8254x SDM §3.2.3). */
#define PTNIC_RXD_SIZE      16
#define PTNIC_RXD_ADDR      0
#define PTNIC_RXD_LENGTH    8
#define PTNIC_RXD_STATUS    12
#define  PTNIC_RXD_STAT_DD  0x01
#define  PTNIC_RXD_STAT_EOP 0x02
#define PTNIC_RX_BUF_SIZE   2048

/* Legacy transmit descriptor, 16 bytes (8254x SDM §3.3.3): buffer address, length, CSO, CMD,
 * status (written back with DD when CMD.RS asked for a report), CSS, special. */
#define PTNIC_TXD_SIZE      16
#define PTNIC_TXD_ADDR      0
#define PTNIC_TXD_LENGTH    8
#define PTNIC_TXD_CMD       11
#define  PTNIC_TXD_CMD_EOP  0x01 /* end of packet */
#define  PTNIC_TXD_CMD_IFCS 0x02 /* insert the FCS */
#define  PTNIC_TXD_CMD_RS   0x08 /* report status: write DD back */
#define PTNIC_TXD_STATUS    12
#define  PTNIC_TXD_STAT_DD  0x01
/* What one transmitted frame may gather (ptnic's limits; longer frames are discarded). */
#define PTNIC_TX_MAX_FRAME  16384
#define PTNIC_TX_MAX_DESC   64

#endif
