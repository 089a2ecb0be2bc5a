/* SPDX-License-Identifier: MIT */
/*
 * YAML -> node tree (libyaml event API) -> typed structs by schema.
 */
#include "config.h"
#include "knob_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#define MAX_INCLUDE_DEPTH 8
/* Errors kept with their text: a hostile file can have a hundred thousand (one per alias of a
 * node with an unknown key); the rest are counted. */
#define MAX_ERROR_TEXTS 500
#define MAX_NEST_DEPTH 64

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

struct anchor {
	const char *name;
	struct cfg_node *node;
};

struct cfg_ctx {
	struct arena_block *arena;
	char **errs;
	size_t n_errs;		 /* every error */
	size_t n_text, cap_errs; /* the first MAX_ERROR_TEXTS of them, formatted */
	/* anchors of the document being parsed */
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	int include_depth;
};

/* ---- arena ---- */

void *cfg_alloc(struct cfg_ctx *ctx, size_t size)
{
	struct arena_block *b = ctx->arena;
	size_t need = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);

	if (!need)
		need = sizeof(max_align_t);
	if (!b || b->cap - b->used < need) {
		size_t cap = need > 65536 ? need : 65536;

		b = malloc(sizeof(*b) + cap);
		if (!b) {
			fprintf(stderr, "ptsim: out of memory reading configuration\n");
			exit(1);
		}
		b->next = ctx->arena;
		b->used = 0;
		b->cap = cap;
		ctx->arena = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += need;
	memset(p, 0, need);
	return p;
}

const char *cfg_strdup(struct cfg_ctx *ctx, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = cfg_alloc(ctx, n);

	memcpy(d, s, n);
	return d;
}

int cfg_ctx_create(struct cfg_ctx **out)
{
	struct cfg_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	*out = c;
	return 0;
}

void cfg_ctx_destroy(struct cfg_ctx *ctx)
{
	if (!ctx)
		return;
	while (ctx->arena) {
		struct arena_block *n = ctx->arena->next;

		free(ctx->arena);
		ctx->arena = n;
	}
	for (size_t i = 0; i < ctx->n_text; i++)
		free(ctx->errs[i]);
	free(ctx->errs);
	free(ctx->anchors);
	free(ctx);
}

/* ---- diagnostics ---- */

static void add_error(struct cfg_ctx *ctx, const struct cfg_mark *m, const char *fmt, va_list ap)
{
	char msg[1024], *full;
	int n;

	ctx->n_errs++; /* counted even when its text is not kept */
	if (ctx->n_text >= MAX_ERROR_TEXTS)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (m && m->file && !m->line)
		n = asprintf(&full, "%s: error: %s", m->file, msg);
	else if (m && m->file)
		n = asprintf(&full, "%s:%u:%u: error: %s", m->file, m->line, m->col, msg);
	else
		n = asprintf(&full, "error: %s", msg);
	if (n < 0)
		return;
	if (ctx->n_text == ctx->cap_errs) {
		size_t nc = ctx->cap_errs ? ctx->cap_errs * 2 : 16;
		char **ne = realloc(ctx->errs, nc * sizeof(*ne));

		if (!ne) {
			free(full);
			return;
		}
		ctx->errs = ne;
		ctx->cap_errs = nc;
	}
	ctx->errs[ctx->n_text++] = full;
}

void cfg_error(struct cfg_ctx *ctx, const struct cfg_node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(ctx, at ? &at->mark : NULL, fmt, ap);
	va_end(ap);
}

void cfg_error_mark(struct cfg_ctx *ctx, const struct cfg_mark *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(ctx, at, fmt, ap);
	va_end(ap);
}

void cfg_error_path(struct cfg_ctx *ctx, const struct cfg_node *root, const char *path,
		    const char *fmt, ...)
{
	const struct cfg_node *n = cfg_node_at(root, path);
	char up[512];
	va_list ap;

	/* A key left at its default has no position: point at the nearest enclosing node. */
	snprintf(up, sizeof(up), "%s", path);
	while (!n && root) {
		char *dot = strrchr(up, '.');

		if (!dot)
			break;
		*dot = 0;
		n = cfg_node_at(root, up);
	}
	va_start(ap, fmt);
	add_error(ctx, n ? &n->mark : (root ? &root->mark : NULL), fmt, ap);
	va_end(ap);
}

size_t cfg_error_count(const struct cfg_ctx *ctx)
{
	return ctx->n_errs;
}

size_t cfg_error_shown(const struct cfg_ctx *ctx)
{
	return ctx->n_text;
}

const char *cfg_error_text(const struct cfg_ctx *ctx, size_t i)
{
	return i < ctx->n_text ? ctx->errs[i] : NULL;
}

/* ---- tree building ---- */

static struct cfg_node *new_node(struct cfg_ctx *ctx, enum cfg_kind k, const struct cfg_mark *m)
{
	struct cfg_node *n = cfg_alloc(ctx, sizeof(*n));

	n->kind = k;
	n->mark = *m;
	return n;
}

/* Growable child arrays live in the arena; grow by doubling and copying. */
static void node_append(struct cfg_ctx *ctx, struct cfg_node *n, size_t *cap, const char *key,
			const struct cfg_mark *km, struct cfg_node *child)
{
	if (n->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct cfg_node **ni = cfg_alloc(ctx, nc * sizeof(*ni));

		if (n->n)
			memcpy(ni, n->items, n->n * sizeof(*ni));
		n->items = ni;
		if (n->kind == CFG_MAP) {
			const char **nk = cfg_alloc(ctx, nc * sizeof(*nk));
			struct cfg_mark *nm = cfg_alloc(ctx, nc * sizeof(*nm));
			bool *nu = cfg_alloc(ctx, nc * sizeof(*nu));

			if (n->n) {
				memcpy(nk, n->keys, n->n * sizeof(*nk));
				memcpy(nm, n->key_marks, n->n * sizeof(*nm));
				memcpy(nu, n->used, n->n * sizeof(*nu));
			}
			n->keys = nk;
			n->key_marks = nm;
			n->used = nu;
		}
		*cap = nc;
	}
	n->items[n->n] = child;
	if (n->kind == CFG_MAP) {
		n->keys[n->n] = key;
		n->key_marks[n->n] = *km;
		n->used[n->n] = false;
	}
	n->n++;
}

struct parse {
	struct cfg_ctx *ctx;
	yaml_parser_t p;
	const char *file; /* arena copy */
	const char *dir;  /* directory of the file, for includes */
	FILE *in;	  /* the input: a file, or text (to locate encoding errors) */
	const char *text;
	size_t len;
	bool failed;
};

static struct cfg_mark mark_of(const struct parse *ps, yaml_mark_t m)
{
	struct cfg_mark r = {ps->file, (unsigned)m.line + 1, (unsigned)m.column + 1};

	return r;
}

/* libyaml reports an encoding error as a byte offset only: count lines and characters to it. */
static struct cfg_mark offset_mark(const struct parse *ps, size_t off)
{
	struct cfg_mark m = {ps->file, 1, 1};

	if (ps->in && fseek(ps->in, 0, SEEK_SET))
		return m;
	for (size_t i = 0; i < off; i++) {
		int c = ps->in ? getc(ps->in) : i < ps->len ? (unsigned char)ps->text[i] : EOF;

		if (c == EOF)
			break;
		if (c == '\n') {
			m.line++;
			m.col = 1;
		} else if ((c & 0xc0) != 0x80) {
			m.col++;
		}
	}
	return m;
}

static bool next_event(struct parse *ps, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ps->p, ev)) {
		struct cfg_mark m = ps->p.error == YAML_READER_ERROR
					? offset_mark(ps, ps->p.problem_offset)
					: mark_of(ps, ps->p.problem_mark);

		cfg_error_mark(ps->ctx, &m, "YAML syntax: %s%s%s",
			       ps->p.problem ? ps->p.problem : "parse error",
			       ps->p.context ? " " : "", ps->p.context ? ps->p.context : "");
		ps->failed = true;
		return false;
	}
	return true;
}

/* A map or list is remembered with a NULL node until it is complete, so that an alias inside
 * it (a cycle) can be refused. Returns the anchor's index, or -1. */
static long remember_anchor(struct parse *ps, const yaml_char_t *anchor, struct cfg_node *n)
{
	struct cfg_ctx *ctx = ps->ctx;

	if (!anchor)
		return -1;
	if (ctx->n_anchors == ctx->cap_anchors) {
		size_t nc = ctx->cap_anchors ? ctx->cap_anchors * 2 : 8;
		struct anchor *na = realloc(ctx->anchors, nc * sizeof(*na));

		if (!na)
			return -1;
		ctx->anchors = na;
		ctx->cap_anchors = nc;
	}
	ctx->anchors[ctx->n_anchors].name = cfg_strdup(ctx, (const char *)anchor);
	ctx->anchors[ctx->n_anchors].node = n;
	return (long)ctx->n_anchors++;
}

static void complete_anchor(struct parse *ps, long i, struct cfg_node *n)
{
	if (i >= 0)
		ps->ctx->anchors[i].node = n;
}

static struct anchor *find_anchor(struct cfg_ctx *ctx, const char *name)
{
	for (size_t i = ctx->n_anchors; i-- > 0;)
		if (!strcmp(ctx->anchors[i].name, name))
			return &ctx->anchors[i];
	return NULL;
}

static struct cfg_node *load_path(struct cfg_ctx *ctx, const char *path, const struct cfg_mark *from);

static bool is_null_text(const char *t)
{
	return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") ||
	       !strcmp(t, "NULL");
}

static struct cfg_node *parse_node(struct parse *ps, yaml_event_t *ev, int depth);

static struct cfg_node *parse_scalar(struct parse *ps, yaml_event_t *ev)
{
	struct cfg_mark m = mark_of(ps, ev->start_mark);
	const char *text = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct cfg_node *n;

	if (tag && !strcmp(tag, "!include")) {
		char path[4096];

		if (text[0] == '/' || !ps->dir)
			snprintf(path, sizeof(path), "%s", text);
		else
			snprintf(path, sizeof(path), "%s/%s", ps->dir, text);
		n = load_path(ps->ctx, path, &m);
		if (!n)
			ps->failed = true;
		return n;
	}
	if (tag && strcmp(tag, "!") && strncmp(tag, "tag:yaml.org,2002:", 18)) {
		cfg_error_mark(ps->ctx, &m, "unknown tag '%s' (only !include is understood)", tag);
		ps->failed = true;
	}
	n = new_node(ps->ctx, CFG_SCALAR, &m);
	n->text = cfg_strdup(ps->ctx, text);
	n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
	n->null = !n->quoted && is_null_text(n->text);
	remember_anchor(ps, ev->data.scalar.anchor, n);
	return n;
}

static struct cfg_node *parse_seq(struct parse *ps, yaml_event_t *start, int depth)
{
	struct cfg_mark m = mark_of(ps, start->start_mark);
	struct cfg_node *n = new_node(ps->ctx, CFG_SEQ, &m);
	size_t cap = 0;
	yaml_event_t ev;
	long anchor = remember_anchor(ps, start->data.sequence_start.anchor, NULL);

	for (;;) {
		if (!next_event(ps, &ev))
			return NULL;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			complete_anchor(ps, anchor, n);
			return n;
		}
		struct cfg_node *c = parse_node(ps, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!c)
			return NULL;
		node_append(ps->ctx, n, &cap, NULL, NULL, c);
	}
}

/* A mapping's keys by hash, to find a duplicate in constant time: a file may hold a mapping
 * of a hundred thousand keys (an error, but found in linear time). */
struct keyset {
	size_t *slot; /* index + 1 into the map's keys, 0: empty */
	size_t cap;
};

static size_t key_hash(const char *s)
{
	size_t h = 14695981039346656037ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void keyset_put(struct keyset *ks, const struct cfg_node *n, size_t i)
{
	size_t h = key_hash(n->keys[i]) & (ks->cap - 1);

	while (ks->slot[h])
		h = (h + 1) & (ks->cap - 1);
	ks->slot[h] = i + 1;
}

/* The index of `key` among the map's first keys, or -1. */
static long keyset_find(const struct keyset *ks, const struct cfg_node *n, const char *key)
{
	size_t h;

	if (!ks->cap)
		return -1;
	for (h = key_hash(key) & (ks->cap - 1); ks->slot[h]; h = (h + 1) & (ks->cap - 1))
		if (!strcmp(n->keys[ks->slot[h] - 1], key))
			return (long)(ks->slot[h] - 1);
	return -1;
}

/* Remember key n->n - 1 (just appended) unless an earlier one has its name. */
static void keyset_add(struct cfg_ctx *ctx, struct keyset *ks, const struct cfg_node *n)
{
	if (n->n * 2 > ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 16;
		ks->slot = cfg_alloc(ctx, ks->cap * sizeof(*ks->slot));
		for (size_t i = 0; i < n->n; i++)
			if (keyset_find(ks, n, n->keys[i]) < 0)
				keyset_put(ks, n, i);
		return;
	}
	if (keyset_find(ks, n, n->keys[n->n - 1]) < 0)
		keyset_put(ks, n, n->n - 1);
}

static struct cfg_node *parse_map(struct parse *ps, yaml_event_t *start, int depth)
{
	struct cfg_mark m = mark_of(ps, start->start_mark);
	struct cfg_node *n = new_node(ps->ctx, CFG_MAP, &m);
	struct keyset ks = {NULL, 0};
	size_t cap = 0;
	long first;
	yaml_event_t ev;
	long anchor = remember_anchor(ps, start->data.mapping_start.anchor, NULL);

	for (;;) {
		if (!next_event(ps, &ev))
			return NULL;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			complete_anchor(ps, anchor, n);
			return n;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			struct cfg_mark km = mark_of(ps, ev.start_mark);

			cfg_error_mark(ps->ctx, &km, "a mapping key must be a plain name");
			yaml_event_delete(&ev);
			ps->failed = true;
			return NULL;
		}
		struct cfg_mark km = mark_of(ps, ev.start_mark);
		const char *key = cfg_strdup(ps->ctx, (const char *)ev.data.scalar.value);
		yaml_event_delete(&ev);

		first = keyset_find(&ks, n, key);
		if (first >= 0) {
			cfg_error_mark(ps->ctx, &km, "duplicate key '%s' (first given at line %u)",
				       key, n->key_marks[first].line);
			ps->failed = true;
		}
		if (!next_event(ps, &ev))
			return NULL;
		struct cfg_node *v = parse_node(ps, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!v)
			return NULL;
		node_append(ps->ctx, n, &cap, key, &km, v);
		keyset_add(ps->ctx, &ks, n);
	}
}

static struct cfg_node *parse_node(struct parse *ps, yaml_event_t *ev, int depth)
{
	struct cfg_mark m = mark_of(ps, ev->start_mark);

	if (depth > MAX_NEST_DEPTH) {
		cfg_error_mark(ps->ctx, &m, "nesting deeper than %d levels", MAX_NEST_DEPTH);
		ps->failed = true;
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return parse_scalar(ps, ev);
	case YAML_SEQUENCE_START_EVENT:
		return parse_seq(ps, ev, depth);
	case YAML_MAPPING_START_EVENT:
		return parse_map(ps, ev, depth);
	case YAML_ALIAS_EVENT: {
		struct anchor *a = find_anchor(ps->ctx, (const char *)ev->data.alias.anchor);

		if (!a) {
			cfg_error_mark(ps->ctx, &m, "unknown alias '*%s'",
				       (const char *)ev->data.alias.anchor);
			ps->failed = true;
		} else if (!a->node) {
			cfg_error_mark(ps->ctx, &m, "alias '*%s' refers to a node that contains it",
				       (const char *)ev->data.alias.anchor);
			ps->failed = true;
		}
		return a ? a->node : NULL;
	}
	default:
		cfg_error_mark(ps->ctx, &m, "unexpected YAML structure");
		ps->failed = true;
		return NULL;
	}
}

static struct cfg_node *parse_stream(struct cfg_ctx *ctx, struct parse *ps)
{
	yaml_event_t ev;
	struct cfg_node *root = NULL;
	size_t saved_anchors = ctx->n_anchors;

	ps->ctx = ctx;
	while (!ps->failed) {
		if (!next_event(ps, &ev))
			break;
		yaml_event_type_t t = ev.type;

		if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
		    t == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (root) {
			struct cfg_mark m = mark_of(ps, ev.start_mark);

			cfg_error_mark(ctx, &m, "more than one YAML document in a file");
			yaml_event_delete(&ev);
			ps->failed = true;
			break;
		}
		root = parse_node(ps, &ev, 0);
		yaml_event_delete(&ev);
		if (!root)
			ps->failed = true;
	}
	ctx->n_anchors = saved_anchors; /* anchors do not cross files */
	if (ps->failed)
		return NULL;
	if (!root) {
		struct cfg_mark m = {ps->file, 1, 1};

		cfg_error_mark(ctx, &m, "the file is empty");
		return NULL;
	}
	return root;
}

static const char *dir_of(struct cfg_ctx *ctx, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return ".";
	d = cfg_alloc(ctx, (size_t)(slash - path) + 1);
	memcpy(d, path, (size_t)(slash - path));
	return d;
}

static struct cfg_node *load_path(struct cfg_ctx *ctx, const char *path, const struct cfg_mark *from)
{
	struct parse ps = {0};
	struct cfg_node *root;
	struct stat st;
	struct cfg_mark whole = {cfg_strdup(ctx, path), 0, 0};
	FILE *f;

	/* the top-level file: its errors name it (line 0: no line) */
	if (!from)
		from = &whole;
	if (ctx->include_depth >= MAX_INCLUDE_DEPTH) {
		cfg_error_mark(ctx, from, "includes nested deeper than %d (a loop?)",
			       MAX_INCLUDE_DEPTH);
		return NULL;
	}
	f = fopen(path, "rb");
	if (!f) {
		cfg_error_mark(ctx, from, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	/* fopen opens a directory; reading it fails later with a bare "input error" */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		cfg_error_mark(ctx, from, "cannot open '%s': %s", path, strerror(EISDIR));
		return NULL;
	}
	ps.file = cfg_strdup(ctx, path);
	ps.dir = dir_of(ctx, path);
	if (!yaml_parser_initialize(&ps.p)) {
		fclose(f);
		cfg_error_mark(ctx, from, "cannot initialise the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_file(&ps.p, f);
	ps.in = f;
	ctx->include_depth++;
	root = parse_stream(ctx, &ps);
	ctx->include_depth--;
	yaml_parser_delete(&ps.p);
	fclose(f);
	return root;
}

struct cfg_node *cfg_load_file(struct cfg_ctx *ctx, const char *path)
{
	return load_path(ctx, path, NULL);
}

struct cfg_node *cfg_load_string(struct cfg_ctx *ctx, const char *name, const char *text)
{
	struct parse ps = {0};
	struct cfg_node *root;

	ps.file = cfg_strdup(ctx, name);
	ps.dir = NULL;
	if (!yaml_parser_initialize(&ps.p))
		return NULL;
	yaml_parser_set_input_string(&ps.p, (const unsigned char *)text, strlen(text));
	ps.text = text;
	ps.len = strlen(text);
	root = parse_stream(ctx, &ps);
	yaml_parser_delete(&ps.p);
	return root;
}

/* ---- lookup ---- */

const struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key)
{
	if (!map || map->kind != CFG_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i], key))
			return map->items[i];
	return NULL;
}

static bool parse_index(const char *s, size_t len, size_t *out)
{
	size_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (size_t)(s[i] - '0');
		if (v > 1000000)
			return false;
	}
	*out = v;
	return true;
}

const struct cfg_node *cfg_node_at(const struct cfg_node *root, const char *path)
{
	const struct cfg_node *n = root;
	const char *p = path;

	while (n && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		char seg[256];

		if (len >= sizeof(seg))
			return NULL;
		memcpy(seg, p, len);
		seg[len] = 0;
		if (n->kind == CFG_MAP) {
			n = cfg_map_get(n, seg);
		} else if (n->kind == CFG_SEQ) {
			size_t i;

			if (!parse_index(seg, len, &i) || i >= n->n)
				return NULL;
			n = n->items[i];
		} else {
			return NULL;
		}
		p += len;
		if (*p == '.')
			p++;
	}
	return n;
}

/* ---- overrides ---- */

/* A private copy of a map or list on an override's path: a node reached through an alias is
 * shared with the anchor, and the override must change only the place it names. */
static struct cfg_node *own_copy(struct cfg_ctx *ctx, const struct cfg_node *n)
{
	struct cfg_node *c;
	size_t cap = 0;

	if (n->kind == CFG_SCALAR)
		return (struct cfg_node *)n;
	c = new_node(ctx, n->kind, &n->mark);
	for (size_t i = 0; i < n->n; i++)
		node_append(ctx, c, &cap, n->kind == CFG_MAP ? n->keys[i] : NULL,
			    n->kind == CFG_MAP ? &n->key_marks[i] : NULL, n->items[i]);
	return c;
}

int cfg_override(struct cfg_ctx *ctx, struct cfg_node **root, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	struct cfg_mark m;
	char *file;
	struct cfg_node *n, *val;
	const char *p;

	if (asprintf(&file, "--set %s", assignment) < 0)
		return -1;
	m.file = cfg_strdup(ctx, file);
	free(file);
	m.line = 1;
	m.col = 1;
	if (!eq || eq == assignment) {
		cfg_error_mark(ctx, &m, "expected --set key.path=value");
		return -1;
	}
	if (!*root) {
		*root = new_node(ctx, CFG_MAP, &m);
	}

	/* The value is read as a YAML scalar (plain text, or a quoted string), or, when it
	 * starts with '[' or '{', as a flow list or map: --set vms.1.pcpus=[2,3]. */
	struct cfg_mark vm = m;
	vm.col = (unsigned)(eq - assignment) + 2;
	if (eq[1] == '[' || eq[1] == '{') {
		size_t pad = (size_t)(eq - assignment) + 1;
		size_t vl = strlen(eq + 1);
		char *text = cfg_alloc(ctx, pad + vl + 1);

		/* indented so that positions in errors are columns of the whole assignment */
		memset(text, ' ', pad);
		memcpy(text + pad, eq + 1, vl + 1);
		val = cfg_load_string(ctx, m.file, text);
		if (!val)
			return -1;
	} else {
		val = new_node(ctx, CFG_SCALAR, &vm);
	}
	if (val->kind == CFG_SCALAR) {
		const char *v = eq + 1;
		size_t vl = strlen(v);

		if (vl >= 2 && ((v[0] == '"' && v[vl - 1] == '"') ||
				(v[0] == '\'' && v[vl - 1] == '\''))) {
			char *t = cfg_alloc(ctx, vl - 1);

			memcpy(t, v + 1, vl - 2);
			val->text = t;
			val->quoted = true;
		} else {
			val->text = cfg_strdup(ctx, v);
			val->null = is_null_text(val->text);
		}
	}

	n = *root;
	p = assignment;
	for (;;) {
		const char *dot = memchr(p, '.', (size_t)(eq - p));
		size_t len = dot ? (size_t)(dot - p) : (size_t)(eq - p);
		bool last = !dot;
		char *seg;
		struct cfg_mark sm = m;

		sm.col = (unsigned)(p - assignment) + 1;
		if (!len) {
			cfg_error_mark(ctx, &sm, "empty path segment");
			return -1;
		}
		seg = cfg_alloc(ctx, len + 1);
		memcpy(seg, p, len);

		if (n->kind == CFG_SEQ) {
			size_t i;

			if (!parse_index(seg, len, &i)) {
				cfg_error_mark(ctx, &sm,
					       "'%.*s' is a list: expected an index, got '%s'",
					       n == *root ? 6 : (int)(p - assignment - 1),
					       n == *root ? "(root)" : assignment, seg);
				return -1;
			}
			if (i == n->n && last) {
				/* one past the end appends: --set 'vms.1={name: vm1, ...}' */
				size_t cap = n->n; /* force a grow */

				node_append(ctx, n, &cap, NULL, NULL, val);
				return 0;
			}
			if (i >= n->n) {
				cfg_error_mark(ctx, &sm,
					       "index %zu is out of range: the list at %s:%u:%u has %zu "
					       "item%s (index %zu appends one)",
					       i, n->mark.file, n->mark.line, n->mark.col, n->n,
					       n->n == 1 ? "" : "s", n->n);
				return -1;
			}
			if (last) {
				n->items[i] = val;
				return 0;
			}
			n = n->items[i] = own_copy(ctx, n->items[i]);
		} else if (n->kind == CFG_MAP) {
			size_t i;

			for (i = 0; i < n->n; i++)
				if (!strcmp(n->keys[i], seg))
					break;
			if (i == n->n) {
				/* Not in the file: add it, the binder judges whether it exists. */
				size_t cap = n->n; /* force a grow */
				struct cfg_node *child = last ? val : new_node(ctx, CFG_MAP, &sm);

				node_append(ctx, n, &cap, seg, &sm, child);
				if (last)
					return 0;
				n = child;
			} else if (last) {
				n->items[i] = val;
				return 0;
			} else {
				if (n->items[i]->kind == CFG_SCALAR && n->items[i]->null)
					n->items[i] = new_node(ctx, CFG_MAP, &sm);
				n = n->items[i] = own_copy(ctx, n->items[i]);
			}
		} else {
			cfg_error_mark(ctx, &sm, "'%s' goes below a plain value", seg);
			return -1;
		}
		p += len + 1;
	}
}

/* ---- binding ---- */

/* A name's mistake, or NULL. */
static const char *name_problem(const char *name, bool dots, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (!n)
		return "is empty";
	if (n > CFG_NAME_MAX) {
		snprintf(buf, len, "is %zu characters long; at most %d", n, CFG_NAME_MAX);
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || (c == '.' && dots))
			continue;
		if (c > 0x20 && c < 0x7f)
			snprintf(buf, len, "has '%c'; names are letters, digits, '_', '-'%s", c,
				 dots ? " and '.'" : "");
		else
			snprintf(buf, len, "has byte 0x%02x; names are letters, digits, '_', '-'%s",
				 c, dots ? " and '.'" : "");
		return buf;
	}
	return NULL;
}

void cfg_scope_check_name(const struct cfg_scope *s, const char *key, const char *what,
			  const char *name, bool dots)
{
	char buf[96];
	const char *why = name ? name_problem(name, dots, buf, sizeof(buf)) : NULL;

	if (why)
		cfg_scope_error(s, key, "%s name '%.40s%s' %s", what, name,
				strlen(name) > 40 ? "..." : "", why);
}

void cfg_scope_error(const struct cfg_scope *s, const char *key, const char *fmt, ...)
{
	const struct cfg_node *at = key ? cfg_map_get(s->map, key) : NULL;
	const struct cfg_mark *m = NULL;
	va_list ap;

	if (at)
		m = &at->mark;
	else if (s->map)
		m = &s->map->mark;
	else if (s->anchor)
		m = &s->anchor->mark;
	va_start(ap, fmt);
	add_error(s->ctx, m, fmt, ap);
	va_end(ap);
}

bool cfg_scope_has(const struct cfg_scope *s, const char *key)
{
	return cfg_map_get(s->map, key) != NULL;
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			unsigned c = prev + (a[i - 1] != b[j - 1]);
			unsigned d = row[j] + 1, e = row[j - 1] + 1;

			row[j] = c < d ? (c < e ? c : e) : (d < e ? d : e);
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *kind_name(const struct cfg_node *n)
{
	if (n->kind == CFG_MAP)
		return "a mapping";
	if (n->kind == CFG_SEQ)
		return "a list";
	if (n->null)
		return "nothing";
	return n->quoted ? "a string" : "a plain value";
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char buf[64];
	size_t j = 0;
	int base = 10;
	char *end;

	/* Underscores separate digits, as YAML 1.1 allows: 1_000_000. */
	for (const char *p = s; *p; p++) {
		if (*p == '_')
			continue;
		if (j + 1 >= sizeof(buf))
			return false;
		buf[j++] = *p;
	}
	buf[j] = 0;
	if (!j || buf[0] == '-' || buf[0] == '+' || isspace((unsigned char)buf[0]))
		return false;
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		base = 16;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/*
 * Values a binding may visit: aliases let a small file stand for an exponentially large tree
 * (a list of 256 aliases of a list of 256 aliases...). Far above any real machine (a PCI
 * segment has 256 buses), far below what takes long to bind.
 */
#define MAX_BOUND_VALUES (1u << 15)

struct binder {
	struct cfg_ctx *ctx;
	size_t errs_before;
	size_t values; /* values bound so far */
	bool too_many; /* MAX_BOUND_VALUES reached: bind nothing more */
};

static void bind_struct(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
			const struct cfg_node *anchor, void *obj, const char *path);

/* A bound as the file would write it: integers exactly (1073741824, not 1.07374e+09). */
static void fmt_bound(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 0x1p63)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%g", v);
}

static bool check_range(struct binder *b, const struct cfg_field *f, const struct cfg_node *v,
			double x)
{
	char lo[32], hi[32];

	if (f->min == 0 && f->max == 0)
		return true;
	if (x < f->min || x > f->max) {
		fmt_bound(lo, sizeof(lo), f->min);
		fmt_bound(hi, sizeof(hi), f->max);
		cfg_error(b->ctx, v, "'%s' is %s, outside the allowed range %s..%s", f->key,
			  v->text, lo, hi);
		return false;
	}
	return true;
}

/* Count one more value; false (with one error, at the first value past the limit) when the
 * file expands to more than MAX_BOUND_VALUES. */
static bool count_value(struct binder *b, const struct cfg_node *v)
{
	if (b->too_many)
		return false;
	if (++b->values <= MAX_BOUND_VALUES)
		return true;
	b->too_many = true;
	cfg_error(b->ctx, v,
		  "the configuration expands to more than %u values (aliases repeating aliases?)",
		  MAX_BOUND_VALUES);
	return false;
}

/* One scalar into its member: parsed, checked in the YAML's unit, stored in the member's. */
static void bind_scalar(struct binder *b, const struct cfg_field *f, const struct cfg_node *v,
			void *obj)
{
	char *dst = (char *)obj + f->off;

	if (!count_value(b, v))
		return;
	if (v->kind != CFG_SCALAR || v->null) {
		cfg_error(b->ctx, v, "'%s' expects %s, got %s", f->key,
			  f->type == CFG_F_BOOL	  ? "true or false"
			  : f->type == CFG_F_STR  ? "a string"
			  : f->type == CFG_F_ENUM ? "one of its names"
						  : "a number",
			  kind_name(v));
		return;
	}
	switch (f->type) {
	case CFG_F_BOOL: {
		static const char *const t[] = {"true", "yes", "on", "True", "TRUE", NULL};
		static const char *const fa[] = {"false", "no", "off", "False", "FALSE", NULL};
		bool val = false, ok = false;

		for (int i = 0; t[i]; i++)
			if (!strcmp(v->text, t[i]))
				val = ok = true;
		for (int i = 0; fa[i]; i++)
			if (!strcmp(v->text, fa[i]))
				ok = true;
		if (!ok || v->quoted) {
			cfg_error(b->ctx, v, "'%s' expects true or false, got '%s'", f->key,
				  v->text);
			return;
		}
		*(bool *)dst = val;
		return;
	}
	case CFG_F_U32:
	case CFG_F_U64:
	case CFG_F_INT: {
		uint64_t x;

		if (v->quoted || !parse_u64(v->text, &x)) {
			cfg_error(b->ctx, v, "'%s' expects a non-negative integer, got '%s'", f->key,
				  v->text);
			return;
		}
		if (f->type != CFG_F_U64 && x > UINT32_MAX) {
			cfg_error(b->ctx, v, "'%s' is %s, too large (at most %u)", f->key, v->text,
				  UINT32_MAX);
			return;
		}
		if (!check_range(b, f, v, (double)x))
			return;
		if ((f->flags & CFG_POW2) && !is_pow2(x)) {
			cfg_error(b->ctx, v, "'%s' is %s, which is not a power of two", f->key,
				  v->text);
			return;
		}
		if (f->type == CFG_F_U64)
			*(uint64_t *)dst = x * (uint64_t)(f->scale ? f->scale : 1);
		else
			cfg__store(f, obj, (double)x);
		return;
	}
	case CFG_F_DOUBLE:
	case CFG_F_NS: {
		double x;

		if (v->quoted || !parse_double(v->text, &x)) {
			cfg_error(b->ctx, v, "'%s' expects a number, got '%s'", f->key, v->text);
			return;
		}
		if (f->type == CFG_F_NS && x < 0) {
			cfg_error(b->ctx, v, "'%s' is a time in ns and cannot be negative", f->key);
			return;
		}
		if (!check_range(b, f, v, x))
			return;
		cfg__store(f, obj, x);
		return;
	}
	case CFG_F_STR:
		*(const char **)dst = v->text; /* arena-owned */
		return;
	case CFG_F_ENUM: {
		char choices[512];
		size_t n = 0;

		for (int i = 0; f->names[i]; i++) {
			if (!strcmp(v->text, f->names[i])) {
				*(int *)dst = i;
				return;
			}
			n += (size_t)snprintf(choices + n, n < sizeof(choices) ? sizeof(choices) - n : 0,
					      "%s%s", i ? ", " : "", f->names[i]);
		}
		cfg_error(b->ctx, v, "'%s' is '%s'; expected one of: %s", f->key, v->text, choices);
		return;
	}
	default:
		return;
	}
}

static void bind_field(struct binder *b, const struct cfg_field *f, const struct cfg_node *v,
		       void *obj, const char *path)
{
	const struct cfg_schema *sub = cfg__sub(f);
	char subpath[512];

	snprintf(subpath, sizeof(subpath), "%s%s%s", path, *path ? "." : "", f->key);
	if (f->type == CFG_F_STRUCT) {
		if (v->kind == CFG_SCALAR && v->null) {
			/* `key:` with nothing: defaults, errors pointing at the empty key */
			bind_struct(b, sub, NULL, v, (char *)obj + f->off, subpath);
			return;
		}
		if (v->kind != CFG_MAP) {
			cfg_error(b->ctx, v, "'%s' expects a mapping of keys, got %s", f->key,
				  kind_name(v));
			return;
		}
		bind_struct(b, sub, v, v, (char *)obj + f->off, subpath);
		return;
	}
	if (f->type == CFG_F_LIST) {
		size_t count = 0;
		void *arr = NULL;

		if (!(v->kind == CFG_SCALAR && v->null)) {
			if (v->kind != CFG_SEQ) {
				cfg_error(b->ctx, v, "'%s' expects a list, got %s", f->key,
					  kind_name(v));
				return;
			}
			count = v->n;
		}
		if ((f->min || f->max) && (count < f->min || count > f->max)) {
			char lo[32], hi[32];

			fmt_bound(lo, sizeof(lo), f->min);
			fmt_bound(hi, sizeof(hi), f->max);
			cfg_error(b->ctx, v, "'%s' has %zu item%s; between %s and %s are allowed",
				  f->key, count, count == 1 ? "" : "s", lo, hi);
			return;
		}
		if (count) {
			arr = cfg_alloc(b->ctx, count * sub->size);
			for (size_t i = 0; i < count; i++) {
				char ipath[600];
				const struct cfg_node *it = v->items[i];
				void *el = (char *)arr + i * sub->size;

				snprintf(ipath, sizeof(ipath), "%s.%zu", subpath, i);
				if (!count_value(b, it)) {
					cfg_defaults(sub, el);
					continue;
				}
				if (it->kind != CFG_MAP) {
					cfg_error(b->ctx, it,
						  "each item of '%s' must be a mapping, got %s",
						  f->key, kind_name(it));
					cfg_defaults(sub, el);
					continue;
				}
				bind_struct(b, sub, it, it, el, ipath);
			}
		}
		*(void **)((char *)obj + f->off) = arr;
		*(size_t *)((char *)obj + f->count_off) = count;
		return;
	}
	if (f->type == CFG_F_STRLIST || f->type == CFG_F_U32LIST) {
		size_t count = 0;

		if (!(v->kind == CFG_SCALAR && v->null)) {
			if (v->kind != CFG_SEQ) {
				cfg_error(b->ctx, v, "'%s' expects a list, got %s", f->key,
					  kind_name(v));
				return;
			}
			count = v->n;
		}
		void *arr = count ? cfg_alloc(b->ctx, count * (f->type == CFG_F_STRLIST
								      ? sizeof(const char *)
								      : sizeof(uint32_t)))
				  : NULL;
		for (size_t i = 0; i < count; i++) {
			const struct cfg_node *it = v->items[i];
			struct cfg_field ef = *f;

			ef.type = f->type == CFG_F_STRLIST ? CFG_F_STR : CFG_F_U32;
			ef.off = f->type == CFG_F_STRLIST ? i * sizeof(const char *)
							  : i * sizeof(uint32_t);
			bind_scalar(b, &ef, it, arr);
		}
		*(void **)((char *)obj + f->off) = arr;
		*(size_t *)((char *)obj + f->count_off) = count;
		return;
	}
	bind_scalar(b, f, v, obj);
}

/* The fields of s from map, in the order declared; an inline struct's fields in its place. */
static void bind_fields(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
			const struct cfg_node *at, void *obj, const char *path)
{
	for (const struct cfg_field *f = s->fields; f->key && !b->too_many; f++) {
		const struct cfg_node *v;

		if (f->type == CFG_F_INLINE) {
			bind_fields(b, cfg__sub(f), map, at, (char *)obj + f->off, path);
			continue;
		}
		v = cfg_map_get(map, f->key);
		if (!v) {
			if (f->type == CFG_F_LIST && f->min > 0)
				cfg_error(b->ctx, at, "'%s%s%s' is required: at least %g item%s",
					  path, *path ? "." : "", f->key, f->min,
					  f->min == 1 ? "" : "s");
			else if (f->flags & CFG_REQUIRED)
				cfg_error(b->ctx, at, "'%s%s%s' is required", path,
					  *path ? "." : "", f->key);
			else if (f->type == CFG_F_STRUCT) {
				char sub[512];

				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", f->key);
				bind_struct(b, cfg__sub(f), NULL, at, (char *)obj + f->off, sub);
			}
			continue;
		}
		bind_field(b, f, v, obj, path);
	}
}

/* Is key one of s's (inline structs included)? If not, the closest key within 2 edits. */
static bool known_key(const struct cfg_schema *s, const char *key, const char **best,
		      unsigned *bestd)
{
	for (const struct cfg_field *f = s->fields; f->key; f++) {
		if (f->type == CFG_F_INLINE) {
			if (known_key(cfg__sub(f), key, best, bestd))
				return true;
			continue;
		}
		if (!strcmp(f->key, key))
			return true;
		unsigned d = edit_distance(f->key, key);
		if (d < *bestd) {
			*bestd = d;
			*best = f->key;
		}
	}
	return false;
}

/* The checks of the inline structs (in order), then the struct's own. */
static void run_checks(const struct cfg_schema *s, void *obj, const struct cfg_scope *scope)
{
	for (const struct cfg_field *f = s->fields; f->key; f++)
		if (f->type == CFG_F_INLINE)
			run_checks(cfg__sub(f), (char *)obj + f->off, scope);
	if (s->check)
		s->check(obj, scope);
}

/*
 * Bind one struct. `anchor` is where its errors point when it is not in the file (map NULL):
 * the nearest enclosing node that is. Its checks run only when its own values bound without
 * an error: a check may rely on every required value being there and well-typed (a name is a
 * string, not NULL), and the errors it would add would only repeat the first.
 */
static void bind_struct(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
			const struct cfg_node *anchor, void *obj, const char *path)
{
	const struct cfg_node *at = map ? map : anchor;
	struct cfg_scope scope = {b->ctx, map, path, at};
	size_t errs = b->ctx->n_errs;
	bool bound;

	memset(obj, 0, s->size);
	cfg__defaults_in_place(s, obj);
	bind_fields(b, s, map, at, obj, path);
	bound = b->ctx->n_errs == errs && !b->too_many;
	/* Every key must be known: said once per mapping and schema, however many aliases bind
	 * it. */
	if (map && map->keys_checked != s) {
		((struct cfg_node *)map)->keys_checked = s;
		for (size_t i = 0; i < map->n; i++) {
			const char *best = NULL;
			unsigned bestd = 3;

			if (known_key(s, map->keys[i], &best, &bestd)) {
				map->used[i] = true;
				continue;
			}
			if (best)
				cfg_error_mark(b->ctx, &map->key_marks[i],
					       "unknown key '%s' in %s (did you mean '%s'?)",
					       map->keys[i], *path ? path : "the top level", best);
			else
				cfg_error_mark(b->ctx, &map->key_marks[i], "unknown key '%s' in %s",
					       map->keys[i], *path ? path : "the top level");
		}
	}
	if (bound)
		run_checks(s, obj, &scope);
}

size_t cfg_bind(struct cfg_ctx *ctx, const struct cfg_schema *schema, const struct cfg_node *map,
		void *obj)
{
	struct binder b = {.ctx = ctx, .errs_before = ctx->n_errs};

	if (map && map->kind != CFG_MAP) {
		/* Nothing below can be right: one error, not one per missing key. */
		cfg_error(ctx, map, "expected a mapping of keys at the top, got %s", kind_name(map));
		return ctx->n_errs - b.errs_before;
	}
	bind_struct(&b, schema, map, map, obj, "");
	return ctx->n_errs - b.errs_before;
}
