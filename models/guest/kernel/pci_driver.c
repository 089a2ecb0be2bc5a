/* SPDX-License-Identifier: MIT */
/*
 * The driver API's PCI calls (Linux's drivers/pci/access.c, pci.c and iomap.c): config
 * accessors over the kernel's config mechanism (every access traps to the hypervisor),
 * enabling decoding and bus mastering in the Command register, and ioremapped BARs.
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/pcie/pcie_regs.h"

int pci_register_driver(struct pci_driver *drv)
{
	return gk_register_builtin(gk__self(), drv, NULL);
}

int pci_read_config_byte(const struct pci_dev *pdev, int where, u8 *val)
{
	*val = (u8)gk__cfg_read(gk__self(), ((const struct gk_dev *)pdev->dev.hal)->bdf,
				(uint32_t)where, 1);
	return 0;
}

int pci_read_config_word(const struct pci_dev *pdev, int where, u16 *val)
{
	*val = (u16)gk__cfg_read(gk__self(), ((const struct gk_dev *)pdev->dev.hal)->bdf,
				 (uint32_t)where, 2);
	return 0;
}

int pci_read_config_dword(const struct pci_dev *pdev, int where, u32 *val)
{
	*val = gk__cfg_read(gk__self(), ((const struct gk_dev *)pdev->dev.hal)->bdf,
			    (uint32_t)where, 4);
	return 0;
}

int pci_write_config_byte(const struct pci_dev *pdev, int where, u8 val)
{
	gk__cfg_write(gk__self(), ((const struct gk_dev *)pdev->dev.hal)->bdf, (uint32_t)where, 1,
		      val);
	return 0;
}

int pci_write_config_word(const struct pci_dev *pdev, int where, u16 val)
{
	gk__cfg_write(gk__self(), ((const struct gk_dev *)pdev->dev.hal)->bdf, (uint32_t)where, 2,
		      val);
	return 0;
}

int pci_write_config_dword(const struct pci_dev *pdev, int where, u32 val)
{
	gk__cfg_write(gk__self(), ((const struct gk_dev *)pdev->dev.hal)->bdf, (uint32_t)where, 4,
		      val);
	return 0;
}

int pci_find_capability(struct pci_dev *pdev, int cap)
{
	if (cap == PCI_CAP_ID_MSIX)
		return pdev->msix_cap;
	if (cap == PCI_CAP_ID_EXP)
		return pdev->pcie_cap;
	return 0;
}

static void set_command(struct pci_dev *pdev, u16 set, u16 clear)
{
	u16 cmd;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (((cmd | set) & ~clear) != cmd)
		pci_write_config_word(pdev, PCI_COMMAND, (u16)((cmd | set) & ~clear));
}

int pci_enable_device(struct pci_dev *pdev)
{
	set_command(pdev, PCI_COMMAND_MEMORY, 0);
	return 0;
}

void pci_disable_device(struct pci_dev *pdev)
{
	set_command(pdev, 0, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void pci_set_master(struct pci_dev *pdev)
{
	set_command(pdev, PCI_COMMAND_MASTER, 0);
}

void pci_clear_master(struct pci_dev *pdev)
{
	set_command(pdev, 0, PCI_COMMAND_MASTER);
}

void __iomem *pci_iomap(struct pci_dev *pdev, int bar, unsigned long maxlen)
{
	(void)maxlen;
	if (bar < 0 || bar >= PCI_NUM_RESOURCES || !pci_resource_len(pdev, bar))
		return NULL;
	return gk__iomem(pci_resource_start(pdev, bar));
}

void pci_iounmap(struct pci_dev *pdev, void __iomem *addr)
{
	(void)pdev;
	(void)addr;
}
