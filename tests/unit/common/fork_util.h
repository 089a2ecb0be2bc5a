/* SPDX-License-Identifier: MIT */
/* Tests that need several simulations: one engine per process, so each runs in a child that
 * writes what it saw into shared memory. */
#ifndef PTSIM_TEST_FORK_UTIL_H
#define PTSIM_TEST_FORK_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Memory the child's writes reach the parent through. */
static inline void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* Run fn(arg) in a child process; returns its exit status (0 when fn returned 0). */
static inline int run_in_child(int (*fn)(void *arg), void *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg) ? 1 : 0);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif
