/* SPDX-License-Identifier: MIT */
/*
 * Output files (sim/outfile.h): a regular file or a new path is replaced whole through a
 * temporary of its own in the same directory, never a file that happens to have the
 * temporary's name; character devices and pipes are written straight through and stay what
 * they are; symbolic links are followed and stay links; an error, a discard or a signal
 * leaves the directory as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static const char *in_dir(const char *name)
{
	static char paths[4][256];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ptsim-outfile-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Names in dir, sorted, joined by spaces ("." and ".." left out). */
static const char *listing(void)
{
	static char out[1024];
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t len = 0;

	assert_true(n >= 0);
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
						len ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return out;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static const char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void write_whole(const char *path, const char *text)
{
	struct outfile *o;

	assert_int_equal(outfile_open(path, &o), 0);
	fputs(text, outfile_stream(o));
	assert_int_equal(outfile_commit(o), 0);
}

static void test_new_and_existing(void **state)
{
	struct outfile *o;
	struct stat st;

	write_whole(in_dir("out.json"), "one\n");
	assert_string_equal(listing(), "out.json");
	assert_string_equal(slurp(in_dir("out.json")), "one\n");

	/* a file named like the old fixed temporary is not ours */
	put(in_dir("out.json.tmp"), "user's");
	chmod(in_dir("out.json"), 0640);
	assert_int_equal(outfile_open(in_dir("out.json"), &o), 0);
	assert_non_null(outfile_target(o));
	fputs("two\n", outfile_stream(o));
	/* while written: the old file as it was, and a temporary of our own */
	assert_string_equal(slurp(in_dir("out.json")), "one\n");
	assert_int_equal(strlen(listing()) > strlen("out.json out.json.tmp"), 1);
	assert_int_equal(outfile_commit(o), 0);
	assert_string_equal(listing(), "out.json out.json.tmp");
	assert_string_equal(slurp(in_dir("out.json")), "two\n");
	assert_string_equal(slurp(in_dir("out.json.tmp")), "user's");
	/* the replacement keeps the file's permissions */
	assert_int_equal(stat(in_dir("out.json"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
}

static void test_discard_leaves_nothing(void **state)
{
	struct outfile *o;

	put(in_dir("old.csv"), "old\n");
	assert_int_equal(outfile_open(in_dir("old.csv"), &o), 0);
	fputs("partial", outfile_stream(o));
	outfile_discard(o);
	assert_int_equal(outfile_open(in_dir("new.csv"), &o), 0);
	fputs("partial", outfile_stream(o));
	outfile_discard(o);
	outfile_discard(NULL);
	assert_string_equal(listing(), "old.csv");
	assert_string_equal(slurp(in_dir("old.csv")), "old\n");
}

static void test_two_writers_of_one_path(void **state)
{
	struct outfile *a, *b;

	/* each gets its own exclusive temporary; the last rename wins, whole */
	assert_int_equal(outfile_open(in_dir("x"), &a), 0);
	assert_int_equal(outfile_open(in_dir("x"), &b), 0);
	fputs("a", outfile_stream(a));
	fputs("b", outfile_stream(b));
	assert_int_equal(outfile_commit(a), 0);
	assert_int_equal(outfile_commit(b), 0);
	assert_string_equal(listing(), "x");
	assert_string_equal(slurp(in_dir("x")), "b");
}

static void test_symlinks_followed(void **state)
{
	char buf[256];
	struct stat st;
	ssize_t n;

	/* to an existing file: the target is replaced, the link stays a link */
	put(in_dir("target"), "old");
	assert_int_equal(symlink("target", in_dir("link")), 0);
	write_whole(in_dir("link"), "new");
	assert_int_equal(lstat(in_dir("link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(slurp(in_dir("target")), "new");

	/* dangling, through a chain and a subdirectory: the end of the chain is created */
	assert_int_equal(mkdir(in_dir("sub"), 0755), 0);
	assert_int_equal(symlink("sub/hop", in_dir("chain")), 0);
	assert_int_equal(symlink("made", in_dir("sub/hop")), 0);
	write_whole(in_dir("chain"), "made");
	assert_string_equal(slurp(in_dir("sub/made")), "made");
	n = readlink(in_dir("chain"), buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, "sub/hop");
	assert_string_equal(listing(), "chain link sub target");

	/* a loop is an error, and nothing is created */
	assert_int_equal(symlink("loop2", in_dir("loop1")), 0);
	assert_int_equal(symlink("loop1", in_dir("loop2")), 0);
	struct outfile *o;

	assert_int_equal(outfile_open(in_dir("loop1"), &o), -ELOOP);
	assert_string_equal(listing(), "chain link loop1 loop2 sub target");
}

static void test_pipe_straight_through(void **state)
{
	struct outfile *o;
	struct stat st;
	char buf[64];
	int rd;
	ssize_t n;

	assert_int_equal(mkfifo(in_dir("fifo"), 0600), 0);
	rd = open(in_dir("fifo"), O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(outfile_open(in_dir("fifo"), &o), 0);
	assert_null(outfile_target(o));
	fputs("through", outfile_stream(o));
	assert_int_equal(outfile_commit(o), 0);
	n = read(rd, buf, sizeof(buf) - 1);
	assert_int_equal(n, 7);
	buf[n] = 0;
	assert_string_equal(buf, "through");
	close(rd);
	assert_int_equal(stat(in_dir("fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_string_equal(listing(), "fifo");
}

static void test_devices(void **state)
{
	struct outfile *o;
	struct stat st;

	/* A copy of /dev/null and of /dev/full in our directory (root only): the real ones are
	 * not put at risk of being replaced by a regular file should this regress. */
	if (mknod(in_dir("null"), S_IFCHR | 0666, makedev(1, 3)) ||
	    mknod(in_dir("full"), S_IFCHR | 0666, makedev(1, 7)) ||
	    mknod(in_dir("block"), S_IFBLK | 0600, makedev(7, 0))) {
		skip();
		return;
	}
	assert_int_equal(outfile_open(in_dir("null"), &o), 0);
	assert_null(outfile_target(o));
	fputs("gone", outfile_stream(o));
	assert_int_equal(outfile_commit(o), 0);
	assert_int_equal(stat(in_dir("null"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));

	assert_int_equal(outfile_open(in_dir("full"), &o), 0);
	fputs("no room", outfile_stream(o));
	assert_int_equal(outfile_commit(o), -ENOSPC);
	assert_int_equal(stat(in_dir("full"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));

	assert_int_equal(outfile_open(in_dir("block"), &o), OUTFILE_ESPECIAL);
	assert_string_equal(listing(), "block full null");
}

static void test_refused(void **state)
{
	struct outfile *o;

	assert_int_equal(outfile_open(dir, &o), -EISDIR);
	assert_int_equal(outfile_open(in_dir("sub/"), &o), -EISDIR);
	assert_int_equal(outfile_open(in_dir("no/such/dir/x"), &o), -ENOENT);
	put(in_dir("file"), "x");
	assert_int_equal(outfile_open(in_dir("file/x"), &o), -ENOTDIR);
	assert_int_equal(outfile_open("", &o), -ENOENT);
	assert_string_equal(listing(), "file");
}

static void test_stdout(void **state)
{
	struct outfile *o;

	assert_int_equal(outfile_open("-", &o), 0);
	assert_ptr_equal(outfile_stream(o), stdout);
	assert_null(outfile_target(o));
	assert_int_equal(outfile_commit(o), 0);
	assert_int_equal(outfile_open("/dev/stdout", &o), 0);
	assert_ptr_equal(outfile_stream(o), stdout);
	outfile_discard(o);
	assert_int_not_equal(fileno(stdout), -1); /* still open */
}

/* A signal while a temporary is pending: it is removed, and the process ends with 128 + the
 * signal after saying it was interrupted. */
static void test_signal_removes_temporaries(void **state)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

	put(in_dir("keep"), "old");
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct outfile *a, *b;

			outfile_catch_signals();
			if (outfile_open(in_dir("keep"), &a) || outfile_open(in_dir("new"), &b))
				_exit(99);
			fputs("half", outfile_stream(a));
			fflush(outfile_stream(a));
			raise(sigs[i]);
			_exit(98);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (sigs[i] == SIGPIPE) {
			assert_true(WIFSIGNALED(status));
			assert_int_equal(WTERMSIG(status), SIGPIPE);
		} else {
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 128 + sigs[i]);
		}
		assert_string_equal(listing(), "keep");
		assert_string_equal(slurp(in_dir("keep")), "old");
	}
}

/* exit() on the way out (an error deep in the program) removes them too. */
static void test_exit_removes_temporaries(void **state)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct outfile *o;

		outfile_catch_signals();
		if (outfile_open(in_dir("new"), &o))
			_exit(99);
		exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_string_equal(listing(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_new_and_existing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_discard_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_writers_of_one_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinks_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipe_straight_through, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stdout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signal_removes_temporaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exit_removes_temporaries, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
