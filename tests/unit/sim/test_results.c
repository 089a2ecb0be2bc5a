/* SPDX-License-Identifier: MIT */
/*
 * Run results: dotted keys kept in insertion order and written as nested JSON (checked both
 * against an exact text and by parsing it back), numbers in a fixed locale-free format,
 * escaping in JSON and CSV, lookups, and the tmp-file-and-rename write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/results.h"

#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

/* Run a writer into memory and return what it wrote (caller frees). */
static char *capture(int (*fn)(const struct results *, FILE *), const struct results *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(r, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static int csv_with_header(const struct results *r, FILE *f)
{
	return results_write_csv(r, f, true);
}

static int csv_no_header(const struct results *r, FILE *f)
{
	return results_write_csv(r, f, false);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * A strict little JSON reader (RFC 8259 grammar for objects, strings, numbers and null),
 * enough to read results back. Leaves are flattened to dotted keys in document order.
 */
struct jleaf {
	char key[256];
	char val[2048];
	bool is_str;
};

static struct jleaf leaves[64];
static size_t nleaves;

static const char *jws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *jstring(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned c = (unsigned char)*p++;

		if (c < 0x20) /* raw control characters (and the end of input) are not allowed */
			return NULL;
		if (c == '\\') {
			switch (*p++) {
			case '"':
				c = '"';
				break;
			case '\\':
				c = '\\';
				break;
			case '/':
				c = '/';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				c = 0;
				for (int i = 0; i < 4; i++) {
					int h = hexval(p[i]);

					if (h < 0)
						return NULL;
					c = c * 16 + (unsigned)h;
				}
				if (c == 0 || c > 0x7f) /* ASCII is all these tests write */
					return NULL;
				p += 4;
				break;
			default:
				return NULL;
			}
		}
		if (n + 1 >= len)
			return NULL;
		out[n++] = (char)c;
	}
	out[n] = 0;
	return p + 1;
}

static const char *jdigits(const char *p)
{
	const char *s = p;

	while (*p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

static const char *jnumber(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		p = jdigits(p);
	else
		return NULL;
	if (*p == '.' && !(p = jdigits(p + 1)))
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(p = jdigits(p)))
			return NULL;
	}
	return p;
}

static const char *jvalue(const char *p, const char *key);

static const char *jobject(const char *p, const char *prefix)
{
	char keys[32][256];
	size_t nk = 0;

	if (*p++ != '{')
		return NULL;
	p = jws(p);
	if (*p == '}')
		return p + 1;
	for (;;) {
		char full[256];

		if (nk == 32 || !(p = jstring(jws(p), keys[nk], sizeof(keys[nk]))))
			return NULL;
		for (size_t i = 0; i < nk; i++)
			if (!strcmp(keys[i], keys[nk]))
				return NULL; /* a key twice in one object */
		if (strlen(prefix) + 1 + strlen(keys[nk]) >= sizeof(full))
			return NULL; /* deeper than any key ptsim writes */
		memcpy(full, prefix, strlen(prefix) + 1);
		if (*prefix)
			strcat(full, ".");
		strcat(full, keys[nk]);
		nk++;
		p = jws(p);
		if (*p++ != ':')
			return NULL;
		if (!(p = jvalue(jws(p), full)))
			return NULL;
		p = jws(p);
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *jvalue(const char *p, const char *key)
{
	struct jleaf *l;
	const char *end;

	if (*p == '{')
		return jobject(p, key);
	if (nleaves == sizeof(leaves) / sizeof(leaves[0]))
		return NULL;
	l = &leaves[nleaves];
	snprintf(l->key, sizeof(l->key), "%s", key);
	if (*p == '"') {
		end = jstring(p, l->val, sizeof(l->val));
		l->is_str = true;
	} else {
		end = !strncmp(p, "null", 4) ? p + 4 : jnumber(p);
		if (end && (size_t)(end - p) < sizeof(l->val))
			snprintf(l->val, sizeof(l->val), "%.*s", (int)(end - p), p);
		l->is_str = false;
	}
	if (end)
		nleaves++;
	return end;
}

/* Parse a whole JSON document whose top is an object; false if it is not valid. */
static bool json_read(const char *text)
{
	const char *p;

	nleaves = 0;
	p = jws(text);
	if (*p != '{' || !(p = jobject(p, "")))
		return false;
	return *jws(p) == 0;
}

/* ---- tests ---- */

static void test_json_exact(void **state)
{
	struct results *r;
	char *out;

	assert_int_equal(results_create(&r), 0);
	assert_int_equal(results_set_u64(r, "a.x", 1), 0);
	assert_int_equal(results_set_double(r, "a.y", 2.5), 0);
	assert_int_equal(results_set_str(r, "b", "hi"), 0);
	assert_int_equal(results_set_u64(r, "c.d.e", 3), 0);
	assert_int_equal(results_set_u64(r, "c.f", 4), 0);
	out = capture(results_write_json, r);
	assert_string_equal(out, "{\n"
				 "  \"a\": {\n"
				 "    \"x\": 1,\n"
				 "    \"y\": 2.5\n"
				 "  },\n"
				 "  \"b\": \"hi\",\n"
				 "  \"c\": {\n"
				 "    \"d\": {\n"
				 "      \"e\": 3\n"
				 "    },\n"
				 "    \"f\": 4\n"
				 "  }\n"
				 "}\n");
	free(out);
	results_destroy(r);
}

/* Keys set out of group order still come out grouped: a new key joins the deepest group it
 * shares with earlier keys, so every object of the JSON opens once (same order in CSV). */
static void test_groups_stay_together(void **state)
{
	static const char *const set[] = {"a.x", "b.y", "a.z", "c", "b.q.r", "a.w", "b.q.s", "d.e"};
	static const char *const want[] = {"a.x",   "a.z",   "a.w", "b.y",
					   "b.q.r", "b.q.s", "c",   "d.e"};
	struct results *r;
	char *out;

	assert_int_equal(results_create(&r), 0);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		assert_int_equal(results_set_u64(r, set[i], i), 0);
	assert_int_equal(results_count(r), 8);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(results_key(r, i), want[i]);
	out = capture(results_write_json, r);
	assert_string_equal(out, "{\n"
				 "  \"a\": {\n"
				 "    \"x\": 0,\n"
				 "    \"z\": 2,\n"
				 "    \"w\": 5\n"
				 "  },\n"
				 "  \"b\": {\n"
				 "    \"y\": 1,\n"
				 "    \"q\": {\n"
				 "      \"r\": 4,\n"
				 "      \"s\": 6\n"
				 "    }\n"
				 "  },\n"
				 "  \"c\": 3,\n"
				 "  \"d\": {\n"
				 "    \"e\": 7\n"
				 "  }\n"
				 "}\n");
	free(out);
	out = capture(csv_no_header, r);
	assert_string_equal(out, "0,2,5,1,4,6,3,7\n");
	free(out);
	/* replacing a value keeps its place */
	assert_int_equal(results_set_u64(r, "b.y", 9), 0);
	assert_string_equal(results_key(r, 3), "b.y");
	results_destroy(r);
}

static void test_json_empty(void **state)
{
	struct results *r;
	char *out;

	assert_int_equal(results_create(&r), 0);
	out = capture(results_write_json, r);
	assert_true(json_read(out));
	assert_int_equal(nleaves, 0);
	free(out);
	results_destroy(r);
}

static void test_json_round_trip(void **state)
{
	static const char *const keys[] = {
	    "scenario",
	    "sim.time_ps",
	    "sim.events",
	    "iommu.iotlb.hits",
	    "iommu.iotlb.misses",
	    "iommu.iotlb.hit_rate",
	    "iommu.walks.levels",
	    "iommu.faults",
	    "latency.p50_ns",
	    "latency.p99_ns",
	    "a.b.c.d.e",
	    "a.b.f",
	    "a.g",
	    "z",
	    "quirky \"key\".\\odd",
	};
	struct results *r;
	char buf[256], *out;

	assert_int_equal(results_create(&r), 0);
	results_set_str(r, keys[0], "line1\nline2\t\"quoted\" back\\slash \x01 end");
	results_set_u64(r, keys[1], 123456789012345ull);
	results_set_u64(r, keys[2], 0);
	results_set_u64(r, keys[3], UINT64_MAX);
	results_set_u64(r, keys[4], 7);
	results_set_double(r, keys[5], 1.0 / 3.0);
	results_set_double(r, keys[6], 4.0);
	results_set_u64(r, keys[7], 2);
	results_set_double(r, keys[8], 546.25);
	results_set_double(r, keys[9], NAN);
	results_set_double(r, keys[10], -1e-9);
	results_set_double(r, keys[11], 1e300);
	results_set_str(r, keys[12], "");
	results_set_str(r, keys[13], "end");
	results_set_u64(r, keys[14], 1);
	assert_int_equal(results_count(r), 15);

	out = capture(results_write_json, r);
	if (!json_read(out))
		fail_msg("not valid JSON:\n%s", out);
	assert_int_equal(nleaves, 15);
	for (size_t i = 0; i < nleaves; i++) {
		assert_string_equal(leaves[i].key, keys[i]);
		assert_string_equal(results_key(r, i), keys[i]);
		assert_int_equal(leaves[i].is_str, results_type(r, i) == RES_STR);
		if (results_type(r, i) == RES_STR) {
			assert_string_equal(leaves[i].val, results_get_str(r, keys[i]));
		} else {
			results_format_value(r, i, buf, sizeof(buf));
			assert_string_equal(leaves[i].val, buf);
		}
	}
	assert_string_equal(leaves[0].val, "line1\nline2\t\"quoted\" back\\slash \x01 end");
	assert_string_equal(leaves[3].val, "18446744073709551615");
	assert_string_equal(leaves[5].val, "0.3333333333");
	assert_string_equal(leaves[9].val, "null"); /* NaN is not a JSON number */
	assert_string_equal(leaves[10].val, "-1e-09");
	/* The escaped form is what the file holds. */
	assert_non_null(
	    strstr(out, "\"line1\\nline2\\u0009\\\"quoted\\\" back\\\\slash \\u0001 end\""));
	free(out);
	results_destroy(r);
}

static void fmt(const struct results *r, const char *key, char *buf, size_t len)
{
	for (size_t i = 0; i < results_count(r); i++)
		if (!strcmp(results_key(r, i), key)) {
			results_format_value(r, i, buf, len);
			return;
		}
	fail_msg("no key %s", key);
}

static void test_number_format(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
	    {2.5, "2.5"},
	    {3.0, "3.0"}, /* integral doubles keep a decimal point: they stay reals */
	    {0.0, "0.0"},
	    {-2.0, "-2.0"},
	    {0.1, "0.1"},
	    {1.0 / 3.0, "0.3333333333"},
	    {546.125, "546.125"},
	    {1234567890.0, "1234567890.0"},
	    {123456789012.0, "1.23456789e+11"},
	    {1e20, "1e+20"},
	    {1.5e-7, "1.5e-07"},
	    {INFINITY, "null"},
	    {-INFINITY, "null"},
	    {NAN, "null"},
	};
	struct results *r;
	char key[32], buf[64];

	assert_int_equal(results_create(&r), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(key, sizeof(key), "d%zu", i);
		results_set_double(r, key, cases[i].v);
		fmt(r, key, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
	results_set_u64(r, "u.max", UINT64_MAX);
	fmt(r, "u.max", buf, sizeof(buf));
	assert_string_equal(buf, "18446744073709551615");
	results_set_u64(r, "u.zero", 0);
	fmt(r, "u.zero", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	results_set_str(r, "s", "as is, \"raw\"");
	fmt(r, "s", buf, sizeof(buf));
	assert_string_equal(buf, "as is, \"raw\"");
	results_destroy(r);
}

static int restore_locale(void **state)
{
	setlocale(LC_NUMERIC, "C");
	return 0;
}

/* Under a locale whose decimal point is a comma, results are still written with a '.'. */
static void test_number_format_locale(void **state)
{
	static const char *const comma_locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
						    "fr_FR.utf8",  "de_DE",	 "fr_FR",
						    "ru_RU.UTF-8", NULL};
	const char *found = NULL;
	struct results *r;
	char buf[64], *json, *csv;

	for (int i = 0; comma_locales[i] && !found; i++)
		if (setlocale(LC_NUMERIC, comma_locales[i]) &&
		    strcmp(localeconv()->decimal_point, "."))
			found = comma_locales[i];
	if (!found) {
		print_message("no locale with a decimal comma is installed; skipped\n");
		skip();
	}
	assert_int_equal(results_create(&r), 0);
	results_set_double(r, "x.half", 2.5);
	results_set_double(r, "x.whole", 3.0);
	results_set_double(r, "x.small", 1.5e-7);
	fmt(r, "x.half", buf, sizeof(buf));
	assert_string_equal(buf, "2.5");
	fmt(r, "x.whole", buf, sizeof(buf));
	assert_string_equal(buf, "3.0");
	fmt(r, "x.small", buf, sizeof(buf));
	assert_string_equal(buf, "1.5e-07");
	json = capture(results_write_json, r);
	csv = capture(csv_no_header, r);
	assert_true(json_read(json));
	assert_string_equal(leaves[0].val, "2.5");
	assert_string_equal(csv, "2.5,3.0,1.5e-07\n");
	free(json);
	free(csv);
	results_destroy(r);
}

static void test_csv(void **state)
{
	struct results *r;
	char *out;

	assert_int_equal(results_create(&r), 0);
	results_set_str(r, "name", "a,b");
	results_set_str(r, "quote", "say \"hi\"");
	results_set_u64(r, "n", 5);
	results_set_double(r, "x.y", 2.5);
	results_set_str(r, "multi", "l1\nl2");
	results_set_str(r, "plain", "word");
	out = capture(csv_with_header, r);
	assert_string_equal(out, "name,quote,n,x.y,multi,plain\n"
				 "\"a,b\",\"say \"\"hi\"\"\",5,2.5,\"l1\nl2\",word\n");
	free(out);
	out = capture(csv_no_header, r);
	assert_string_equal(out, "\"a,b\",\"say \"\"hi\"\"\",5,2.5,\"l1\nl2\",word\n");
	free(out);
	results_destroy(r);
}

static void test_csv_long_string(void **state)
{
	struct results *r;
	char big[3001], want[3100], *out;

	/* A long description must come out whole, as it does in JSON. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	big[1500] = ',';
	assert_int_equal(results_create(&r), 0);
	results_set_u64(r, "n", 1);
	results_set_str(r, "description", big);
	out = capture(csv_no_header, r);
	snprintf(want, sizeof(want), "1,\"%s\"\n", big);
	assert_int_equal(strlen(out), strlen(want));
	assert_string_equal(out, want);
	free(out);
	results_destroy(r);
}

static void test_lookup(void **state)
{
	struct results *r;
	uint64_t u = 77;
	double d = 7.7;

	assert_int_equal(results_create(&r), 0);
	results_set_u64(r, "iotlb.hits", 42);
	results_set_double(r, "iotlb.rate", 0.75);
	results_set_str(r, "name", "default");

	assert_true(results_get_u64(r, "iotlb.hits", &u));
	assert_int_equal(u, 42);
	assert_true(results_get_double(r, "iotlb.rate", &d));
	assert_true(d == 0.75);
	/* An integer reads as a double too; a real does not read as an integer. */
	assert_true(results_get_double(r, "iotlb.hits", &d));
	assert_true(d == 42.0);
	u = 77;
	assert_false(results_get_u64(r, "iotlb.rate", &u));
	assert_int_equal(u, 77);
	/* Strings only as strings. */
	assert_string_equal(results_get_str(r, "name"), "default");
	assert_null(results_get_str(r, "iotlb.hits"));
	assert_false(results_get_u64(r, "name", &u));
	assert_false(results_get_double(r, "name", &d));
	/* Absent keys, and prefixes of keys, are absent. */
	assert_false(results_get_u64(r, "iotlb", &u));
	assert_false(results_get_u64(r, "iotlb.hit", &u));
	assert_false(results_get_double(r, "nothing", &d));
	assert_null(results_get_str(r, "nam"));
	assert_int_equal(u, 77);

	/* Setting a key again replaces value and type but keeps its place. */
	assert_int_equal(results_count(r), 3);
	results_set_str(r, "iotlb.hits", "many");
	results_set_u64(r, "name", 9);
	assert_int_equal(results_count(r), 3);
	assert_string_equal(results_key(r, 0), "iotlb.hits");
	assert_int_equal(results_type(r, 0), RES_STR);
	assert_string_equal(results_get_str(r, "iotlb.hits"), "many");
	assert_false(results_get_u64(r, "iotlb.hits", &u));
	assert_string_equal(results_key(r, 2), "name");
	assert_int_equal(results_type(r, 2), RES_U64);
	assert_true(results_get_u64(r, "name", &u));
	assert_int_equal(u, 9);
	assert_null(results_get_str(r, "name"));
	assert_null(results_key(r, 3));
	results_set_str(r, "null", NULL);
	assert_string_equal(results_get_str(r, "null"), "");
	results_destroy(r);
	results_destroy(NULL);
}

/* ---- atomic files ---- */

static char dir[64];
static char target[128], target_tmp[160]; /* target_tmp: a user's file, never ours to touch */

/* Entries of dir, "." and ".." left out. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static int file_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ptsim-results-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(target, sizeof(target), "%s/out.json", dir);
	snprintf(target_tmp, sizeof(target_tmp), "%s.tmp", target);
	return 0;
}

static int file_teardown(void **state)
{
	unlink(target);
	unlink(target_tmp);
	return rmdir(dir);
}

static int failing_writer(const struct results *r, FILE *f)
{
	fputs("{\"partial\": ", f);
	return -EIO;
}

/* What the target held while the writer ran. */
static char *seen_during_write;
static int entries_during_write;

static int observing_writer(const struct results *r, FILE *f)
{
	seen_during_write = slurp(target);
	entries_during_write = entries();
	return results_write_json(r, f);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_write_file_failure_leaves_nothing(void **state)
{
	struct results *r;

	assert_int_equal(results_create(&r), 0);
	results_set_u64(r, "a", 1);
	assert_int_equal(results_write_file(target, failing_writer, r), -EIO);
	assert_false(exists(target));
	assert_int_equal(entries(), 0);
	results_destroy(r);
}

static void test_write_file_failure_keeps_old(void **state)
{
	struct results *r;
	char *now;

	put(target, "old\n");
	assert_int_equal(results_create(&r), 0);
	results_set_u64(r, "a", 1);
	assert_int_equal(results_write_file(target, failing_writer, r), -EIO);
	now = slurp(target);
	assert_string_equal(now, "old\n");
	assert_int_equal(entries(), 1);
	free(now);
	results_destroy(r);
}

static void test_write_file_replaces(void **state)
{
	struct results *r;
	char *now, *want;

	put(target, "old\n");
	/* A file named like the old fixed temporary is the user's: it stays as it is. */
	put(target_tmp, "the user's own file");
	assert_int_equal(results_create(&r), 0);
	results_set_u64(r, "a.b", 1);
	results_set_str(r, "c", "d");
	seen_during_write = NULL;
	assert_int_equal(results_write_file(target, observing_writer, r), 0);
	/* The writer wrote to a side file of its own: the target was untouched until the
	 * rename. */
	assert_non_null(seen_during_write);
	assert_string_equal(seen_during_write, "old\n");
	assert_int_equal(entries_during_write, 3);
	now = slurp(target);
	want = capture(results_write_json, r);
	assert_string_equal(now, want);
	assert_int_equal(entries(), 2);
	free(now);
	now = slurp(target_tmp);
	assert_string_equal(now, "the user's own file");
	free(now);
	free(want);
	free(seen_during_write);

	/* No writer: CSV with a header. */
	assert_int_equal(results_write_file(target, NULL, r), 0);
	now = slurp(target);
	assert_string_equal(now, "a.b,c\n1,d\n");
	free(now);
	results_destroy(r);
}

static void test_write_file_bad_dir(void **state)
{
	struct results *r;
	char path[160];

	snprintf(path, sizeof(path), "%s/no/such/dir/out.csv", dir);
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(results_write_file(path, NULL, r), -ENOENT);
	assert_false(exists(path));
	results_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_exact),
	    cmocka_unit_test(test_groups_stay_together),
	    cmocka_unit_test(test_json_empty),
	    cmocka_unit_test(test_json_round_trip),
	    cmocka_unit_test(test_number_format),
	    cmocka_unit_test_teardown(test_number_format_locale, restore_locale),
	    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_csv_long_string),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test_setup_teardown(test_write_file_failure_leaves_nothing, file_setup,
					    file_teardown),
	    cmocka_unit_test_setup_teardown(test_write_file_failure_keeps_old, file_setup,
					    file_teardown),
	    cmocka_unit_test_setup_teardown(test_write_file_replaces, file_setup, file_teardown),
	    cmocka_unit_test_setup_teardown(test_write_file_bad_dir, file_setup, file_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
