/* SPDX-License-Identifier: MIT */
/*
 * YAML -> node tree (libyaml event API): the context and its arena, diagnostics, includes,
 * anchors and aliases, lookup by path, --set overrides. Binding the tree to the knobs'
 * declarations is config_bind.c.
 */
#include "config.h"
#include "knob_internal.h"
#include "u64map.h"

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

void cfg__error_markv(struct cfg_ctx *ctx, const struct cfg_mark *m, const char *fmt, va_list ap)
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
	cfg__error_markv(ctx, at ? &at->mark : NULL, fmt, ap);
	va_end(ap);
}

void cfg_error_mark(struct cfg_ctx *ctx, const struct cfg_mark *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg__error_markv(ctx, at, fmt, ap);
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
	cfg__error_markv(ctx, n ? &n->mark : (root ? &root->mark : NULL), fmt, ap);
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

static struct cfg_node *copy_node(struct cfg_ctx *ctx, const struct cfg_node *n,
				  struct u64map *done)
{
	struct cfg_node *c;
	uint64_t seen;

	if (u64map_get(done, (uintptr_t)n, &seen))
		return (struct cfg_node *)(uintptr_t)seen;
	c = cfg_alloc(ctx, sizeof(*c));
	*c = *n;
	c->keys_checked = NULL;
	if (u64map_put(done, (uintptr_t)n, (uintptr_t)c))
		return NULL;
	if (n->kind == CFG_SCALAR || !n->n)
		return c;
	c->items = cfg_alloc(ctx, n->n * sizeof(*c->items));
	if (n->kind == CFG_MAP) {
		/* keys and their positions are never changed in place: shared */
		c->used = cfg_alloc(ctx, n->n * sizeof(*c->used));
		c->keys = cfg_alloc(ctx, n->n * sizeof(*c->keys));
		c->key_marks = cfg_alloc(ctx, n->n * sizeof(*c->key_marks));
		memcpy(c->keys, n->keys, n->n * sizeof(*c->keys));
		memcpy(c->key_marks, n->key_marks, n->n * sizeof(*c->key_marks));
	}
	for (size_t i = 0; i < n->n; i++) {
		c->items[i] = copy_node(ctx, n->items[i], done);
		if (!c->items[i])
			return NULL;
	}
	return c;
}

struct cfg_node *cfg_tree_copy(struct cfg_ctx *ctx, const struct cfg_node *root)
{
	struct u64map done;
	struct cfg_node *c;

	u64map_init(&done);
	c = root ? copy_node(ctx, root, &done) : NULL;
	u64map_free(&done);
	return c;
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
