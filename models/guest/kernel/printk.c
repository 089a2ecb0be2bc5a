/* SPDX-License-Identifier: MIT */
/* printk: counted in the kernel's stats and, when tracing, an instant on this CPU's track. */
#include "models/guest/kernel/gk_internal.h"
#include "sim/engine.h"
#include "sim/trace.h"

#include <stdarg.h>
#include <stdio.h>

int printk(const char *fmt, ...)
{
	struct gk *g = gk__self();
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (g)
		g->st.printks++;
	if (trace_on()) {
		char args[300];
		size_t j = 0;

		j = (size_t)snprintf(args, sizeof(args), "\"msg\":\"");
		for (const char *s = buf; *s && j + 4 < sizeof(args); s++) {
			if (*s == '"' || *s == '\\')
				args[j++] = '\\';
			args[j++] = *s;
		}
		args[j++] = '"';
		args[j] = 0;
		trace_instant(sim_trace, isa_trace_track(), "guest", "printk", sim_now(), args);
	}
	return n;
}
