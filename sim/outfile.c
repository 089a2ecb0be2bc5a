/* SPDX-License-Identifier: MIT */
/* Output files written whole or not at all, and cleaned up on every way out (outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct outfile {
	FILE *f;
	bool atomic;	/* written to tmp, renamed over target */
	bool is_stdout; /* "-": flushed, never closed */
	int slot;	/* in pending[], or -1 */
	char target[PATH_MAX];
	char tmp[PATH_MAX];
};

/*
 * Temporaries not yet renamed, for the signal handler: it may run between any two
 * instructions, so a slot's path is complete before `used` says so, and the handler only
 * reads (unlink and write are async-signal-safe).
 */
#define MAX_PENDING 8
static struct {
	volatile sig_atomic_t used;
	char path[PATH_MAX];
} pending[MAX_PENDING];
static bool atexit_done;

static void remove_pending(void)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i].used)
			unlink(pending[i].path);
}

static int add_pending(const char *path)
{
	for (int i = 0; i < MAX_PENDING; i++) {
		if (pending[i].used)
			continue;
		memcpy(pending[i].path, path, strlen(path) + 1);
		__atomic_signal_fence(__ATOMIC_SEQ_CST); /* the path is whole before it counts */
		pending[i].used = 1;
		return i;
	}
	return -1;
}

static void drop_pending(int slot)
{
	if (slot >= 0)
		pending[slot].used = 0;
}

/* ---- signals ---- */

static bool stderr_tty;

static void put_err(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

static void on_signal(int sig)
{
	remove_pending();
	if (sig == SIGPIPE) {
		/* a reader went away: end as SIGPIPE would have, silently */
		sigset_t pipe;

		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&pipe);
		sigaddset(&pipe, SIGPIPE);
		sigprocmask(SIG_UNBLOCK, &pipe, NULL); /* blocked while its handler runs */
		raise(SIGPIPE);
		_exit(128 + SIGPIPE);
	}
	/* after the progress line, if one is showing */
	put_err(stderr_tty ? "\nptsim: interrupted" : "ptsim: interrupted");
	put_err(sig == SIGINT ? " (SIGINT)" : sig == SIGTERM ? " (SIGTERM)" : " (SIGHUP)");
	put_err("; no partial result file was left\n");
	_exit(128 + sig);
}

static bool catching;

bool outfile_signals_caught(void)
{
	return catching;
}

void outfile_catch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask); /* one handler at a time */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	stderr_tty = isatty(STDERR_FILENO);
	catching = true;
	if (!atexit_done)
		atexit_done = !atexit(remove_pending);
}

/* ---- paths ---- */

const char *outfile_strerror(int rc)
{
	if (rc == OUTFILE_ESPECIAL)
		return "not a regular file, character device or pipe (results are never written to "
		       "block devices or sockets)";
	return strerror(-rc);
}

/* dir (absolute, resolved) + "/" + base of path into out; -errno. */
static int absolute_in_dir(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char dir[PATH_MAX], real[PATH_MAX];
	struct stat st;

	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return -EISDIR;
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	if (!realpath(dir, real))
		return -errno;
	if (stat(real, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((size_t)snprintf(out, len, "%s/%s", strcmp(real, "/") ? real : "", base) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* An open descriptor named as a file (/dev/stdout, /dev/fd/N, /proc/self/fd/N): its number,
 * or -1. Writing goes to that descriptor, where it stands, as a shell's "> /dev/stderr" does:
 * the file behind it is not what the name means. */
static int named_fd(const char *path)
{
	const char *num = NULL;
	char *end;
	long n;

	if (!strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if (!strncmp(path, "/dev/fd/", 8))
		num = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		num = path + 14;
	if (!num || *num < '0' || *num > '9')
		return -1;
	n = strtol(num, &end, 10);
	return *end || n > INT_MAX ? -1 : (int)n;
}

bool outfile_is_stdout(const char *path)
{
	return path && (!strcmp(path, "-") || named_fd(path) == STDOUT_FILENO);
}

/* A path that does not exist: itself, or where its chain of symbolic links ends. */
static int new_target(const char *path, char *out, size_t len)
{
	char cur[PATH_MAX], link[PATH_MAX];

	if (strlen(path) >= sizeof(cur))
		return -ENAMETOOLONG;
	strcpy(cur, path);
	for (int hops = 0;; hops++) {
		struct stat st;
		ssize_t n;

		if (lstat(cur, &st))
			return errno == ENOENT ? absolute_in_dir(cur, out, len) : -errno;
		if (!S_ISLNK(st.st_mode))
			return -EEXIST; /* appeared meanwhile: let the caller look again */
		if (hops == 40)
			return -ELOOP;
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0)
			return -errno;
		link[n] = 0;
		if (link[0] != '/' && strchr(cur, '/')) {
			char joined[PATH_MAX];

			if ((size_t)snprintf(joined, sizeof(joined), "%.*s/%s",
					     (int)(strrchr(cur, '/') - cur), cur,
					     link) >= sizeof(joined))
				return -ENAMETOOLONG;
			strcpy(cur, joined);
		} else {
			strcpy(cur, link);
		}
	}
}

/* A fresh file next to the target, created exclusively (never an existing file). */
static int make_tmp(struct outfile *o, const struct stat *old)
{
	const char *base = strrchr(o->target, '/') + 1;
	int dirlen = (int)(base - o->target);
	static unsigned seq;

	for (int tries = 0; tries < 100; tries++) {
		struct timespec ts;
		int fd;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%.*s.%.100s.%ld.%u%03ld.ptsim-tmp",
				     dirlen, o->target, base, (long)getpid(), seq++,
				     ts.tv_nsec % 1000) >= sizeof(o->tmp))
			return -ENAMETOOLONG;
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -errno;
		o->slot = add_pending(o->tmp);
		if (o->slot < 0) {
			close(fd);
			unlink(o->tmp);
			return -EMFILE;
		}
		if (old) {
			/* the replacement keeps the file's permissions (and owner, when allowed) */
			if (fchown(fd, old->st_uid, old->st_gid))
				(void)0;
			fchmod(fd, old->st_mode & 07777);
		}
		o->f = fdopen(fd, "w");
		if (!o->f) {
			int e = -errno;

			close(fd);
			unlink(o->tmp);
			drop_pending(o->slot);
			return e;
		}
		return 0;
	}
	return -EEXIST;
}

int outfile_open(const char *path, struct outfile **out)
{
	struct outfile *o;
	struct stat st;
	int rc = 0;

	if (!path || !*path)
		return -ENOENT;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->slot = -1;
	if (outfile_is_stdout(path)) {
		o->f = stdout;
		o->is_stdout = true;
		*out = o;
		return 0;
	}
	if (named_fd(path) >= 0) {
		int fd = dup(named_fd(path));

		if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
			rc = -errno;
			if (fd >= 0)
				close(fd);
			free(o);
			return rc;
		}
		*out = o;
		return 0;
	}
	for (int again = 0; again < 3; again++) {
		if (!stat(path, &st)) {
			if (S_ISREG(st.st_mode)) {
				/* replace it whole; a file one may not write stays as it is */
				if (access(path, W_OK))
					rc = -errno;
				else if (!realpath(path, o->target))
					rc = -errno;
				else {
					o->atomic = true;
					rc = make_tmp(o, &st);
				}
			} else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
				int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

				rc = fd < 0 ? -errno : 0;
				if (!rc && !(o->f = fdopen(fd, "w"))) {
					rc = -errno;
					close(fd);
				}
			} else {
				rc = S_ISDIR(st.st_mode) ? -EISDIR : OUTFILE_ESPECIAL;
			}
			break;
		}
		if (errno != ENOENT) {
			rc = -errno;
			break;
		}
		rc = new_target(path, o->target, sizeof(o->target));
		if (rc == -EEXIST)
			continue; /* created while we looked: look again */
		if (!rc) {
			o->atomic = true;
			rc = make_tmp(o, NULL);
		}
		break;
	}
	if (rc) {
		free(o);
		return rc;
	}
	*out = o;
	return 0;
}

FILE *outfile_stream(const struct outfile *o)
{
	return o->f;
}

const char *outfile_target(const struct outfile *o)
{
	return o->atomic ? o->target : NULL;
}

int outfile_commit(struct outfile *o)
{
	int rc = 0;

	if (!o)
		return 0;
	errno = 0;
	if (fflush(o->f) || ferror(o->f))
		rc = errno ? -errno : -EIO;
	if (o->is_stdout) {
		free(o);
		return rc;
	}
	if (o->atomic && !rc && fsync(fileno(o->f)))
		rc = -errno;
	if (fclose(o->f) && !rc)
		rc = -errno;
	if (o->atomic) {
		if (!rc && rename(o->tmp, o->target))
			rc = -errno;
		if (rc)
			unlink(o->tmp);
		drop_pending(o->slot);
	}
	free(o);
	return rc;
}

void outfile_discard(struct outfile *o)
{
	if (!o)
		return;
	if (o->is_stdout) {
		fflush(stdout);
		free(o);
		return;
	}
	fclose(o->f);
	if (o->atomic) {
		unlink(o->tmp);
		drop_pending(o->slot);
	}
	free(o);
}
