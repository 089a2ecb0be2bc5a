/* SPDX-License-Identifier: MIT */
/*
 * Output files (results JSON and CSV, traces, ACPI tables) that never damage what is there:
 *
 * - a regular file, or a path that does not exist yet, is written to a temporary file created
 *   with O_EXCL in the same directory and renamed over the path when complete: readers see
 *   the old file or the whole new one, and an unwritable, failed or interrupted write leaves
 *   the old one as it was;
 * - a character device (/dev/null, a terminal), a pipe, or "-" (standard output) is written
 *   straight through: such a file is not replaced by a regular one;
 * - a symbolic link is followed: its target is written (atomically, if a regular file or a
 *   new path), the link stays a link;
 * - block devices, sockets and directories are refused.
 *
 * Temporaries not yet renamed are removed on every way out: an error, exit(), and SIGINT,
 * SIGTERM, SIGHUP or SIGPIPE once outfile_catch_signals() is installed.
 */
#ifndef PTSIM_SIM_OUTFILE_H
#define PTSIM_SIM_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct outfile;

/* Open path for writing. 0, or -errno (or OUTFILE_ESPECIAL): see outfile_strerror. */
int outfile_open(const char *path, struct outfile **out);
/* Whether path names standard output ("-", /dev/stdout, /dev/fd/1, /proc/self/fd/1). */
bool outfile_is_stdout(const char *path);
/* What to write to. */
FILE *outfile_stream(const struct outfile *o);
/* The absolute path that the rename will replace, or NULL when written straight through. */
const char *outfile_target(const struct outfile *o);
/* Finish: flush, sync and rename into place (or close). Frees o. 0 or -errno. */
int outfile_commit(struct outfile *o);
/* Give up: remove the temporary (what went straight through stays). Frees o; NULL is fine. */
void outfile_discard(struct outfile *o);

/* A path that is neither a regular file, a character device, a pipe nor a new file. */
#define OUTFILE_ESPECIAL (-4096)
/* The reason for an error code of outfile_*. */
const char *outfile_strerror(int rc);

/*
 * From now on SIGINT, SIGTERM and SIGHUP end the process with 128 + the signal (SIGINT: 130)
 * and a line on stderr saying it was interrupted, after removing every pending temporary;
 * SIGPIPE removes them too and ends the process as SIGPIPE does. Call again after a library
 * that installs its own handlers (SimGrid takes SIGINT when its engine starts).
 */
void outfile_catch_signals(void);
/* Whether outfile_catch_signals() was called. */
bool outfile_signals_caught(void);

#endif
