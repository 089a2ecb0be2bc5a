/* SPDX-License-Identifier: MIT */
/* Shared by sim/knob.c, sim/config.c and sim/config_bind.c: what binding needs of the
 * declarations and of the diagnostics. */
#ifndef PTSIM_SIM_KNOB_INTERNAL_H
#define PTSIM_SIM_KNOB_INTERNAL_H

#include "sim/knob.h"

#include <stdarg.h>

struct cfg_mark;

/* The field's sub-schema (static or built at run time). */
const struct cfg_schema *cfg__sub(const struct cfg_field *f);
/* Store v, given in the YAML's unit, into the field's member (converted to the member's unit);
 * a string field stores its declared default. */
void cfg__store(const struct cfg_field *f, void *obj, double v);
/* Record an error at m (NULL: no position); counted always, its text kept for the first 500. */
void cfg__error_markv(struct cfg_ctx *ctx, const struct cfg_mark *m, const char *fmt, va_list ap);

#endif
