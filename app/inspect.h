/* SPDX-License-Identifier: MIT */
/* `ptsim survey` and `ptsim lspci`: the host booted alone, and what its software found. */
#ifndef PTSIM_INSPECT_H
#define PTSIM_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct scenario;

/* Boot the host, survey every function, print text or JSON. 0, or 1 with a message in err. */
int inspect_survey(const struct scenario *sc, const char *config, bool json, bool force,
		   FILE *f, char *err, size_t errlen);
/* Boot the host, print the functions as `lspci -n` does, the tree (-t), or hex dumps of
 * 64/256/4096 bytes (hex 1/3/4, as -x/-xxx/-xxxx). */
int inspect_lspci(const struct scenario *sc, const char *config, bool tree, unsigned hex,
		  FILE *f, char *err, size_t errlen);

#endif
