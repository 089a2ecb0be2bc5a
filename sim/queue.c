/* SPDX-License-Identifier: MIT */
/*
 * A FIFO of pointers between actors (sim/engine.h): a ring that grows, and a latched event the
 * consumer waits on while it is empty. Built on the engine's events alone, so a push costs an
 * engine call only when it wakes a blocked consumer.
 */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>

struct sim_queue {
	void **items;
	size_t cap, head, len;
	struct sim_event *nonempty;
};

int sim_queue_create(size_t capacity_hint, struct sim_queue **out)
{
	struct sim_queue *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	q->cap = capacity_hint ? capacity_hint : 16;
	q->items = calloc(q->cap, sizeof(*q->items));
	if (!q->items) {
		free(q);
		return -ENOMEM;
	}
	r = sim_event_create(&q->nonempty);
	if (r) {
		free(q->items);
		free(q);
		return r;
	}
	*out = q;
	return 0;
}

void sim_queue_destroy(struct sim_queue *q)
{
	if (!q)
		return;
	sim_event_destroy(q->nonempty);
	free(q->items);
	free(q);
}

int sim_queue_push(struct sim_queue *q, void *item)
{
	if (!item)
		return -EINVAL;
	if (q->len == q->cap) {
		size_t ncap = q->cap * 2, i;
		void **n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < q->len; i++)
			n[i] = q->items[(q->head + i) % q->cap];
		free(q->items);
		q->items = n;
		q->cap = ncap;
		q->head = 0;
	}
	q->items[(q->head + q->len) % q->cap] = item;
	q->len++;
	sim_event_signal(q->nonempty);
	return 0;
}

static void *queue_take(struct sim_queue *q)
{
	void *it = q->items[q->head];

	q->head = (q->head + 1) % q->cap;
	q->len--;
	return it;
}

void *sim_queue_pop(struct sim_queue *q)
{
	while (q->len == 0)
		sim_event_wait(q->nonempty);
	return queue_take(q);
}

void *sim_queue_pop_until(struct sim_queue *q, uint64_t deadline_ps)
{
	while (q->len == 0) {
		if (!sim_event_wait_until(q->nonempty, deadline_ps))
			return q->len ? queue_take(q) : NULL;
	}
	return queue_take(q);
}

size_t sim_queue_len(const struct sim_queue *q)
{
	return q->len;
}
