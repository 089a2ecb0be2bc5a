/* SPDX-License-Identifier: MIT */
/*
 * `ptsim survey` and `ptsim lspci`: boot the host on the machine (firmware, enumeration, SR-IOV,
 * IOMMU groups; no VMs), then report what its software found. The survey's verdicts are the
 * host's (models/host/survey.c); this file only names functions and formats. lspci's formats
 * follow pciutils 3.x: `lspci -n` lines, `-t` trees (ls-tree.c) and `-x` hex dumps (lspci.c),
 * which `lspci -F FILE` reads back (lib/dump.c).
 */
#include "app/inspect.h"
#include "app/machine.h"
#include "app/scenario.h"

#include "models/host/hpci.h"
#include "models/host/survey.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int boot(const struct scenario *sc, const char *config, bool snapshot, bool force,
		struct machine **out, char *err, size_t errlen)
{
	struct run_opts o = {.config_path = config, .seed = sc->seed, .host_only = true,
			     .snapshot_config = snapshot, .force = force};
	struct machine *m;
	int rc = machine_create(sc, &o, &m);

	if (rc) {
		snprintf(err, errlen, "building the machine failed: %s", strerror(-rc));
		return 1;
	}
	machine_start(m);
	rc = machine_finish(m, sim_engine_run(), NULL, err, errlen);
	*out = m;
	return rc;
}

/* Configured names by location path, sorted for bsearch: a survey names every function, and
 * a PF with thousands of VFs must not make that quadratic. */
struct name_ent {
	char path[160];
	const char *name;
};

static struct {
	const struct machine *m;
	struct name_ent *e;
	size_t n;
} names;

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name_ent *)a)->path, ((const struct name_ent *)b)->path);
}

/* The configured name of the function at a location path ("" if none). */
static const char *name_of(struct machine *m, const char *path)
{
	struct pcie_fabric *fab = machine_fabric(m);
	struct name_ent key, *hit;

	if (names.m != m) {
		free(names.e);
		names.n = 0;
		names.m = m;
		names.e = calloc(pcie_fabric_nfns(fab) + 1, sizeof(*names.e));
		if (!names.e) {
			names.m = NULL;
			return "";
		}
		for (size_t i = 0; i < pcie_fabric_nfns(fab); i++) {
			struct pcie_fn *fn = pcie_fabric_fn(fab, i);

			pcie_fn_location(fn, names.e[names.n].path, sizeof(names.e[0].path));
			names.e[names.n++].name = pcie_fn_name(fn);
		}
		qsort(names.e, names.n, sizeof(*names.e), name_cmp);
	}
	snprintf(key.path, sizeof(key.path), "%s", path);
	hit = bsearch(&key, names.e, names.n, sizeof(*names.e), name_cmp);
	return hit ? hit->name : "";
}

static void bdf_str(uint16_t bdf, char *buf)
{
	snprintf(buf, 8, "%02x:%02x.%x", bdf >> 8, PCI_SLOT(bdf & 0xff), PCI_FUNC(bdf & 0xff));
}

static int cmp_bdf(const void *a, const void *b, void *arg)
{
	const struct hpci *p = arg;

	return (int)p->dev[*(const size_t *)a].bdf - (int)p->dev[*(const size_t *)b].bdf;
}

/* Indexes of p's functions in bus/device/function order (lspci's and the survey's). */
static size_t *sorted(const struct hpci *p)
{
	size_t *idx = malloc((p->n ? p->n : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < p->n; i++)
		idx[i] = i;
	qsort_r(idx, p->n, sizeof(*idx), cmp_bdf, (void *)p);
	return idx;
}

/* ---- survey ---- */

static void reason_text(struct machine *m, const struct hpci *p, size_t i,
			const struct survey_fn *s, enum survey_reason r, char *buf, size_t len)
{
	const struct hpci_dev *d = &p->dev[i];
	char b1[8];

	switch (r) {
	case SURVEY_R_BRIDGE:
		snprintf(buf, len, "a %s: nothing to assign",
			 d->bridge ? "bridge or port" : "host bridge");
		break;
	case SURVEY_R_RMRR: {
		const struct host_rmrr *rm = NULL;
		const struct platform_firmware_cfg *f = &machine_scenario(m)->machine.firmware;

		if (s->rmrr >= 0 && (size_t)s->rmrr < f->nrmrrs)
			snprintf(buf, len,
				 "firmware keeps using memory 0x%llx-0x%llx through it (RMRR): its "
				 "IOMMU mapping cannot be taken away for a VM",
				 (unsigned long long)f->rmrrs[s->rmrr].base,
				 (unsigned long long)(f->rmrrs[s->rmrr].base +
						      f->rmrrs[s->rmrr].size - 1));
		(void)rm;
		break;
	}
	case SURVEY_R_NO_NATIVE:
		snprintf(buf, len,
			 "firmware did not grant native PCIe control (_OSC): the host may "
			 "not reset the function or contain its errors");
		break;
	case SURVEY_R_NO_ACS_PATH:
		bdf_str(p->dev[s->acs_gap].bdf, b1);
		snprintf(buf, len,
			 "no ACS isolation at %s (%s): peer-to-peer requests can reach other "
			 "devices without the IOMMU",
			 b1, name_of(m, p->dev[s->acs_gap].path));
		break;
	case SURVEY_R_MF_NO_ACS:
		snprintf(buf, len,
			 "multi-function device without ACS: its functions can reach each "
			 "other inside the device");
		break;
	case SURVEY_R_CONVENTIONAL: {
		const struct hpci_dev *a = &p->dev[s->alias];

		bdf_str((uint16_t)(a->secondary << 8), b1);
		snprintf(buf, len,
			 "conventional PCI: its DMA carries requester ID %s, the alias of bridge "
			 "'%s', shared by every device behind it",
			 b1, name_of(m, a->path));
		break;
	}
	case SURVEY_R_IO_BARS:
		snprintf(buf, len, "I/O-port BARs: every port access by the guest traps to the "
				   "hypervisor");
		break;
	case SURVEY_R_INTX_ONLY:
		snprintf(buf, len, "no MSI or MSI-X: INTx only, a shared level-triggered line the "
				   "hypervisor must mask");
		break;
	default:
		buf[0] = 0;
	}
	(void)d;
}

static const char *const sev_names[] = {"blocker", "unsafe", "caveat"};
static const char *const verdict_codes[] = {"assignable", "assignable_forced", "forced_only",
					    "not_assignable"};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int inspect_survey(const struct scenario *sc, const char *config, bool json, bool force,
		   FILE *f, char *err, size_t errlen)
{
	struct machine *m;
	struct hpci *p;
	const struct survey_fn *sv;
	const struct platform_firmware_cfg *fw = &sc->machine.firmware;
	size_t *idx;
	char reason[320], b[8];
	unsigned counts[4] = {0};

	if (boot(sc, config, false, force, &m, err, errlen))
		return 1;
	p = machine_pci(m);
	sv = machine_survey(m);
	idx = sorted(p);
	if (!idx || !sv) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	for (size_t k = 0; k < p->n; k++)
		counts[sv[k].verdict]++;
	if (json) {
		fprintf(f, "{\n  \"config\": ");
		json_str(f, config);
		fprintf(f, ",\n  \"force\": %s,\n  \"pcie_native_control\": %s,\n",
			force ? "true" : "false", fw->pcie_native_control ? "true" : "false");
		fprintf(f, "  \"iommu\": %s,\n  \"functions_total\": %zu,\n  \"groups\": %u,\n",
			sc->machine.iommu.enabled ? "true" : "false", p->n, p->ngroups);
		fprintf(f, "  \"rmrrs\": [");
		for (size_t r = 0; r < fw->nrmrrs; r++) {
			fprintf(f, "%s\n    {\"device\": ", r ? "," : "");
			json_str(f, fw->rmrrs[r].device);
			fprintf(f, ", \"base\": \"0x%llx\", \"size_kib\": %llu}",
				(unsigned long long)fw->rmrrs[r].base,
				(unsigned long long)(fw->rmrrs[r].size >> 10));
		}
		fprintf(f, "%s],\n  \"functions\": [", fw->nrmrrs ? "\n  " : "");
		for (size_t k = 0; k < p->n; k++) {
			size_t i = idx[k];
			const struct hpci_dev *d = &p->dev[i];
			bool first = true;

			bdf_str(d->bdf, b);
			fprintf(f, "%s\n    {\"bdf\": \"%s\", \"name\": ", k ? "," : "", b);
			json_str(f, name_of(m, d->path));
			fprintf(f, ", \"path\": ");
			json_str(f, d->path);
			fprintf(
			    f,
			    ",\n     \"id\": \"%04x:%04x\", \"class\": \"%06x\", \"group\": %d, "
			    "\"group_size\": %u,\n     \"verdict\": \"%s\", \"reasons\": [",
			    d->vendor, d->device, d->class_rev >> 8, d->group, sv[i].group_size,
			    verdict_codes[sv[i].verdict]);
			for (unsigned r = 0; r < SURVEY_R_COUNT; r++) {
				if (!(sv[i].reasons & (1u << r)))
					continue;
				reason_text(m, p, i, &sv[i], r, reason, sizeof(reason));
				fprintf(f, "%s\n       {\"code\": \"%s\", \"severity\": \"%s\", "
					   "\"detail\": ",
					first ? "" : ",", survey_reason_code(r),
					sev_names[survey_reason_severity(r)]);
				json_str(f, reason);
				fprintf(f, "}");
				first = false;
			}
			fprintf(f, "%s]}", first ? "" : "\n     ");
		}
		fprintf(f, "\n  ],\n  \"summary\": {\"assignable\": %u, \"assignable_forced\": %u, "
			   "\"forced_only\": %u, \"not_assignable\": %u}\n}\n",
			counts[0], counts[1], counts[2], counts[3]);
	} else {
		fprintf(f, "Survey of %s: %zu functions in %u IOMMU groups%s\n", config, p->n,
			p->ngroups, force ? " (forced assignment)" : "");
		fprintf(f, "Firmware: native PCIe control %s; %zu RMRR%s; IOMMU %s\n",
			fw->pcie_native_control ? "granted" : "NOT granted", fw->nrmrrs,
			fw->nrmrrs == 1 ? "" : "s",
			sc->machine.iommu.enabled ? "present" : "absent");
		fprintf(f, "\n%-8s %5s  %-28s %-16s %s\n", "BDF", "group", "verdict", "name",
			"location path");
		for (size_t k = 0; k < p->n; k++) {
			size_t i = idx[k];
			const struct hpci_dev *d = &p->dev[i];

			bdf_str(d->bdf, b);
			fprintf(f, "%-8s %5d  %-28s %-16s %s\n", b, d->group,
				survey_verdict_name(sv[i].verdict), name_of(m, d->path), d->path);
			for (unsigned r = 0; r < SURVEY_R_COUNT; r++) {
				if (!(sv[i].reasons & (1u << r)) || r == SURVEY_R_BRIDGE)
					continue;
				reason_text(m, p, i, &sv[i], r, reason, sizeof(reason));
				fprintf(f, "%17s- [%s] %s\n", "",
					sev_names[survey_reason_severity(r)], reason);
			}
		}
		/* each function counted once: forced, its verdict is assignable_forced */
		if (force)
			fprintf(f,
				"\n%u assignable (%u of them only because forced), %u not "
				"assignable (bridges and ports included)\n",
				counts[0] + counts[1], counts[1], counts[3]);
		else
			fprintf(f,
				"\n%u assignable, %u assignable when forced, %u not assignable "
				"(bridges and ports included)\n",
				counts[0], counts[2], counts[3]);
	}
	free(idx);
	return 0;
}

/* ---- lspci ---- */

static unsigned cfg_byte(const struct hpci_dev *d, unsigned off)
{
	return d->config && off < d->config_len ? d->config[off] : 0xff;
}

static void lspci_line(FILE *f, const struct hpci_dev *d)
{
	unsigned rev = d->class_rev & 0xff;
	char b[8];

	bdf_str(d->bdf, b);
	/* `lspci -n`: class, vendor:device, revision when not zero */
	fprintf(f, "%s %04x: %04x:%04x", b, d->class_rev >> 16, d->vendor, d->device);
	if (rev)
		fprintf(f, " (rev %02x)", rev);
	fputc('\n', f);
}

/* The -t tree, as pciutils' ls-tree.c builds and prints it. */
struct tbus {
	unsigned number;
	size_t *devs;
	size_t ndevs;
	int sibling; /* next bus of the same bridge, -1 */
};

struct tbridge {
	long dev; /* hpci index, -1 for the domain */
	unsigned primary, secondary, subordinate;
	int first_bus, last_bus;
	int child, prev, next; /* as in ls-tree.c: children through prev, then next */
};

struct tree {
	const struct hpci *p;
	struct tbridge *br;
	size_t nbr;
	struct tbus *bus;
	size_t nbus;
	FILE *f;
};

static int tree_new_bus(struct tree *t, int b, unsigned n)
{
	struct tbus *bus = &t->bus[t->nbus];

	bus->number = n;
	bus->devs = calloc(t->p->n ? t->p->n : 1, sizeof(size_t));
	bus->ndevs = 0;
	bus->sibling = -1;
	if (t->br[b].last_bus >= 0)
		t->bus[t->br[b].last_bus].sibling = (int)t->nbus;
	t->br[b].last_bus = (int)t->nbus;
	if (t->br[b].first_bus < 0)
		t->br[b].first_bus = (int)t->nbus;
	return (int)t->nbus++;
}

static int tree_find_bus(const struct tree *t, int b, unsigned n)
{
	for (int u = t->br[b].first_bus; u >= 0; u = t->bus[u].sibling)
		if (t->bus[u].number == n)
			return u;
	return -1;
}

static void tree_insert(struct tree *t, size_t i, int b)
{
	unsigned busn = t->p->dev[i].bdf >> 8;
	int u = tree_find_bus(t, b, busn);

	if (u < 0) {
		for (int c = t->br[b].child; c >= 0; c = t->br[c].prev)
			if (t->br[c].secondary <= busn && busn <= t->br[c].subordinate) {
				tree_insert(t, i, c);
				return;
			}
		u = tree_new_bus(t, b, busn);
	}
	t->bus[u].devs[t->bus[u].ndevs++] = i;
}

#define LINE 1024

static char *tprintf(char *line, char *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *tprintf(char *line, char *p, const char *fmt, ...)
{
	va_list ap;
	int space = (int)(line + LINE - 1 - p), r;

	if (space <= 0)
		return p;
	va_start(ap, fmt);
	r = vsnprintf(p, (size_t)space, fmt, ap);
	va_end(ap);
	return p + (r < 0 ? 0 : r >= space ? space - 1 : r);
}

static void print_it(struct tree *t, char *line, char *p)
{
	*p = 0;
	fputs(line, t->f);
	fputc('\n', t->f);
	for (p = line; *p; p++)
		*p = (*p == '+' || *p == '|') ? '|' : ' ';
}

static void show_bridge(struct tree *t, int b, char *line, char *p);

static void show_dev(struct tree *t, size_t i, char *line, char *p)
{
	uint8_t devfn = t->p->dev[i].bdf & 0xff;

	p = tprintf(line, p, "%02x.%x", PCI_SLOT(devfn), PCI_FUNC(devfn));
	for (size_t b = 0; b < t->nbr; b++)
		if (t->br[b].dev == (long)i) {
			if (t->br[b].secondary == 0)
				p = tprintf(line, p, "-");
			else if (t->br[b].secondary == t->br[b].subordinate)
				p = tprintf(line, p, "-[%02x]-", t->br[b].secondary);
			else
				p = tprintf(line, p, "-[%02x-%02x]-", t->br[b].secondary,
					    t->br[b].subordinate);
			show_bridge(t, (int)b, line, p);
			return;
		}
	print_it(t, line, p);
}

static void show_bus(struct tree *t, int u, char *line, char *p)
{
	const struct tbus *bus = &t->bus[u];

	if (!bus->ndevs) {
		print_it(t, line, p);
	} else if (bus->ndevs == 1) {
		p = tprintf(line, p, "--");
		show_dev(t, bus->devs[0], line, p);
	} else {
		for (size_t k = 0; k < bus->ndevs; k++) {
			char *p2 = tprintf(line, p, k + 1 == bus->ndevs ? "\\-" : "+-");

			show_dev(t, bus->devs[k], line, p2);
		}
	}
}

static void show_bridge(struct tree *t, int b, char *line, char *p)
{
	int u = t->br[b].first_bus, count = 0, i = 0;

	*p++ = '-';
	if (u < 0) {
		print_it(t, line, p);
		return;
	}
	if (t->bus[u].sibling < 0) {
		if (t->br[b].dev < 0)
			p = tprintf(line, p, "[%04x:%02x]-", 0, t->bus[u].number);
		show_bus(t, u, line, p);
		return;
	}
	for (int v = u; v >= 0; v = t->bus[v].sibling)
		count++;
	for (int v = u; v >= 0; v = t->bus[v].sibling, i++) {
		char *k = tprintf(line, p, count == i + 1 ? "\\-[%04x:%02x]-" : "+-[%04x:%02x]-", 0,
				  t->bus[v].number);

		show_bus(t, v, line, k);
	}
}

static void lspci_tree(FILE *f, const struct hpci *p, const size_t *idx)
{
	struct tree t = {.p = p, .f = f};
	char line[LINE];

	t.br = calloc(p->n + 1, sizeof(*t.br));
	t.bus = calloc(2 * p->n + 2, sizeof(*t.bus));
	if (!t.br || !t.bus)
		goto out;
	/* the domain, then the bridges in bus order */
	t.br[0] = (struct tbridge){-1, ~0u, 0, ~0u, -1, -1, -1, -1, -1};
	t.nbr = 1;
	for (size_t k = 0; k < p->n; k++) {
		const struct hpci_dev *d = &p->dev[idx[k]];

		if ((d->class_rev >> 24) != 0x06 || !d->bridge)
			continue;
		t.br[t.nbr++] = (struct tbridge){(long)idx[k], d->bdf >> 8, d->secondary,
						 d->subordinate, -1, -1, -1, -1, -1};
	}
	for (size_t b = 1; b < t.nbr; b++) {
		int best = -1;

		for (size_t c = 0; c < t.nbr; c++) {
			if (c == b || t.br[b].primary < t.br[c].secondary ||
			    t.br[b].primary > t.br[c].subordinate)
				continue;
			/* unsigned, as in ls-tree.c: the domain's range counts as 0 */
			if (best < 0 || t.br[best].subordinate - t.br[best].primary >
						t.br[c].subordinate - t.br[c].primary)
				best = (int)c;
		}
		if (best >= 0) {
			t.br[b].prev = t.br[best].child;
			t.br[best].child = (int)b;
		}
	}
	for (size_t b = 1; b < t.nbr; b++)
		if (tree_find_bus(&t, (int)b, t.br[b].secondary) < 0)
			tree_new_bus(&t, (int)b, t.br[b].secondary);
	for (size_t k = 0; k < p->n; k++)
		tree_insert(&t, idx[k], 0);
	show_bridge(&t, 0, line, line);
out:
	for (size_t u = 0; u < t.nbus; u++)
		free(t.bus[u].devs);
	free(t.bus);
	free(t.br);
}

int inspect_lspci(const struct scenario *sc, const char *config, bool tree, unsigned hex,
		  FILE *f, char *err, size_t errlen)
{
	struct machine *m;
	struct hpci *p;
	size_t *idx;

	if (boot(sc, config, hex > 0, false, &m, err, errlen))
		return 1;
	p = machine_pci(m);
	idx = sorted(p);
	if (!idx) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	if (tree) {
		lspci_tree(f, p, idx);
	} else {
		for (size_t k = 0; k < p->n; k++) {
			const struct hpci_dev *d = &p->dev[idx[k]];
			unsigned len = hex >= 4 ? 4096 : hex >= 3 ? 256 : 64;

			lspci_line(f, d);
			if (!hex)
				continue;
			if (len > d->config_len)
				len = d->config_len;
			for (unsigned i = 0; i < len; i++) {
				if (!(i & 15))
					fprintf(f, "%02x:", i);
				fprintf(f, " %02x", cfg_byte(d, i));
				if ((i & 15) == 15)
					fputc('\n', f);
			}
			fputc('\n', f);
		}
	}
	free(idx);
	return 0;
}
