/* SPDX-License-Identifier: MIT */
/*
 * Module parameters: a guest driver declares each of its tunables once, in hal.h's
 * kernel_param table; the guest kernel turns the table into the configuration schema of
 * vms[].guest.<driver> (keys, types, ranges, defaults, units, meanings), so a VM's settings
 * are checked against the driver's own declaration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/guest/drivers/ptnic_drv.h"
#include "models/guest/hal.h"
#include "models/guest/kernel/gk.h"
#include "sim/config.h"

/* ptnic declares its module parameters once (hal.h's kernel_param table); the schema of
 * vms[].guest.ptnic is that table. */
static void test_ptnic_params_are_its_schema(void **state)
{
	const struct cfg_schema *s = gk_param_schema(&ptnic_driver);
	struct gk_module_args a;
	struct cfg_ctx *ctx;
	struct cfg_node *root;
	size_t n = 0;

	(void)state;
	assert_non_null(s);
	assert_ptr_equal(gk_param_schema(&ptnic_driver), s); /* built once */
	for (const struct kernel_param *p = ptnic_driver.params; p->name; p++, n++) {
		const struct cfg_field *f = &s->fields[n];

		assert_string_equal(f->key, p->name);
		assert_string_equal(f->doc, p->desc);
		assert_true(f->def == (double)p->def);
	}
	assert_null(s->fields[n].key);
	cfg_defaults(s, &a);
	assert_int_equal(a.v[0].u32, 256); /* ring_size */
	assert_int_equal(a.v[3].u64, 100); /* desc_cycles */
	assert_false(a.v[4].b);		   /* intx */

	assert_int_equal(cfg_ctx_create(&ctx), 0);
	root = cfg_load_string(ctx, "inline", "ring_size: 100\nintx: true\nbudget: 7\n");
	assert_int_equal(cfg_bind(ctx, s, root, &a), 1);
	assert_string_equal(cfg_error_text(ctx, 0),
			    "inline:1:12: error: 'ring_size' is 100, which is not a power of two");
	assert_true(a.v[4].b);
	assert_int_equal(a.v[1].u32, 7);
	cfg_ctx_destroy(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ptnic_params_are_its_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
