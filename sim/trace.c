/* SPDX-License-Identifier: MIT */
#include "trace.h"
#include "outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct trace *sim_trace;
static uint64_t flow_seq, flow_current;

uint64_t trace_new_flow(void)
{
	return ++flow_seq;
}

void trace_set_current_flow(uint64_t id)
{
	flow_current = id;
}

uint64_t trace_current_flow(void)
{
	return flow_current;
}

struct track {
	char group[48];
	char name[64];
	int pid;
};

struct trace {
	FILE *f;
	struct outfile *out;
	bool first;
	struct track *tracks;
	int n_tracks, cap_tracks;
	char groups[32][48];
	int n_groups;
};

static void sep(struct trace *t)
{
	fputs(t->first ? "\n" : ",\n", t->f);
	t->first = false;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Microseconds with picosecond resolution, as trace-event timestamps are in us. */
static void ts(FILE *f, uint64_t ps)
{
	fprintf(f, "%llu.%06llu", (unsigned long long)(ps / 1000000ull),
		(unsigned long long)(ps % 1000000ull));
}

int trace_open(const char *path, struct trace **out)
{
	struct trace *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = outfile_open(path, &t->out);
	if (rc) {
		free(t);
		return rc;
	}
	t->f = outfile_stream(t->out);
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", t->f);
	t->first = true;
	*out = t;
	return 0;
}

const char *trace_target(const struct trace *t)
{
	return t ? outfile_target(t->out) : NULL;
}

int trace_close(struct trace *t, bool commit)
{
	int rc = 0;

	if (!t)
		return 0;
	fputs("\n]}\n", t->f);
	if (commit)
		rc = outfile_commit(t->out);
	else
		outfile_discard(t->out);
	free(t->tracks);
	free(t);
	return rc;
}

static int group_pid(struct trace *t, const char *group)
{
	for (int i = 0; i < t->n_groups; i++)
		if (!strcmp(t->groups[i], group))
			return i + 1;
	if (t->n_groups == 32)
		return 32;
	snprintf(t->groups[t->n_groups], sizeof(t->groups[0]), "%s", group);
	t->n_groups++;
	sep(t);
	fprintf(t->f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":",
		t->n_groups);
	json_str(t->f, group);
	fputs("}}", t->f);
	return t->n_groups;
}

int trace_track(struct trace *t, const char *group, const char *name)
{
	if (!t)
		return 0;
	for (int i = 0; i < t->n_tracks; i++)
		if (!strcmp(t->tracks[i].group, group) && !strcmp(t->tracks[i].name, name))
			return i + 1;
	if (t->n_tracks == t->cap_tracks) {
		int nc = t->cap_tracks ? t->cap_tracks * 2 : 16;
		struct track *n = realloc(t->tracks, (size_t)nc * sizeof(*n));

		if (!n)
			return 0;
		t->tracks = n;
		t->cap_tracks = nc;
	}
	struct track *k = &t->tracks[t->n_tracks++];
	snprintf(k->group, sizeof(k->group), "%s", group);
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->pid = group_pid(t, group);
	sep(t);
	fprintf(t->f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
		k->pid, t->n_tracks);
	json_str(t->f, name);
	fputs("}}", t->f);
	return t->n_tracks;
}

static int pid_of(const struct trace *t, int track)
{
	return track >= 1 && track <= t->n_tracks ? t->tracks[track - 1].pid : 0;
}

static void head(struct trace *t, int track, const char *cat, const char *name, char ph,
		 uint64_t at)
{
	sep(t);
	fputs("{\"name\":", t->f);
	json_str(t->f, name);
	fputs(",\"cat\":", t->f);
	json_str(t->f, cat);
	fprintf(t->f, ",\"ph\":\"%c\",\"pid\":%d,\"tid\":%d,\"ts\":", ph, pid_of(t, track), track);
	ts(t->f, at);
}

void trace_span(struct trace *t, int track, const char *cat, const char *name, uint64_t start_ps,
		uint64_t end_ps, const char *args)
{
	if (!t)
		return;
	head(t, track, cat, name, 'X', start_ps);
	fputs(",\"dur\":", t->f);
	ts(t->f, end_ps > start_ps ? end_ps - start_ps : 0);
	if (args)
		fprintf(t->f, ",\"args\":{%s}", args);
	fputc('}', t->f);
}

void trace_instant(struct trace *t, int track, const char *cat, const char *name, uint64_t ts_ps,
		   const char *args)
{
	if (!t)
		return;
	head(t, track, cat, name, 'i', ts_ps);
	fputs(",\"s\":\"t\"", t->f);
	if (args)
		fprintf(t->f, ",\"args\":{%s}", args);
	fputc('}', t->f);
}

void trace_flow(struct trace *t, int track, const char *name, uint64_t id, uint64_t ts_ps,
		char phase)
{
	if (!t)
		return;
	head(t, track, "flow", name, phase, ts_ps);
	fprintf(t->f, ",\"id\":%llu", (unsigned long long)id);
	if (phase == 'f' || phase == 't')
		fputs(",\"bp\":\"e\"", t->f);
	fputc('}', t->f);
}

void trace_counter(struct trace *t, const char *group, const char *name, uint64_t ts_ps,
		   double value)
{
	if (!t)
		return;
	int pid = group_pid(t, group);
	sep(t);
	fputs("{\"name\":", t->f);
	json_str(t->f, name);
	fprintf(t->f, ",\"ph\":\"C\",\"pid\":%d,\"ts\":", pid);
	ts(t->f, ts_ps);
	fprintf(t->f, ",\"args\":{\"value\":%.6g}}", value);
}
