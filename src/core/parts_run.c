/* parts_run.c — ls_probutil_parts_run (problem_util.h): the parts of a split pass on helper
 * threads that claim them.
 *
 * The helpers are started when a pass first asks for them and kept for the process. Waking a
 * sleeping thread, or starting one, costs about 80 µs on this machine's virtual CPUs (sensing
 * 48², N 1152 on two threads: 508 µs a pass with a thread started per pass, 428 with helpers
 * polling), a tenth of a small pass; so after a pass each helper polls for the next one for
 * up to PARTS_SPIN_S seconds, yielding its core to anything runnable, which covers the gap
 * between two steps of a training loop, then sleeps on a condition variable. A pass's caller
 * works on the parts too and returns when every helper it asked for has checked in. One pass
 * at a time: a caller that finds the helpers busy (another thread's pass) runs its parts
 * alone. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "problem_util.h"

/* How long an idle helper polls for the next pass before it sleeps. */
#define PARTS_SPIN_S 0.002
#define PARTS_HELPERS (LS_PROBUTIL_PARTS_MAX - 1)

static struct {
	pthread_mutex_t busy; /* held by the caller of the pass in progress */
	pthread_mutex_t lock; /* guards sleeping helpers' wake-up */
	pthread_cond_t wake;
	size_t started; /* helpers running */
	unsigned gen;   /* the pass in progress, or the last one */
	/* Helper i takes part in pass assigned[i] and says it is done in acked[i]; the pass's
	 * fields below are written before the assignments and left alone until the acks. */
	atomic_uint assigned[PARTS_HELPERS], acked[PARTS_HELPERS];
	atomic_size_t next; /* the next unclaimed part */
	void (*part)(void *, size_t);
	void *ctx;
	size_t parts;
} pool = { .busy = PTHREAD_MUTEX_INITIALIZER,
	   .lock = PTHREAD_MUTEX_INITIALIZER,
	   .wake = PTHREAD_COND_INITIALIZER };

static void claim(void)
{
	for (size_t k; (k = atomic_fetch_add(&pool.next, 1)) < pool.parts;)
		pool.part(pool.ctx, k);
}

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void *helper(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg;
	/* Idle, a helper has acknowledged its last assignment (it may have one already). */
	unsigned seen = atomic_load(&pool.acked[i]);
	for (;;) {
		double until = seconds() + PARTS_SPIN_S;
		while (atomic_load(&pool.assigned[i]) == seen && seconds() < until)
			sched_yield();
		pthread_mutex_lock(&pool.lock);
		while (atomic_load(&pool.assigned[i]) == seen)
			pthread_cond_wait(&pool.wake, &pool.lock);
		pthread_mutex_unlock(&pool.lock);
		seen = atomic_load(&pool.assigned[i]);
		claim();
		atomic_store(&pool.acked[i], seen);
	}
	return NULL;
}

/* A forked child has none of the parent's helpers. */
static void forget_helpers(void)
{
	pthread_mutex_init(&pool.busy, NULL);
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.wake, NULL);
	pool.started = 0;
	for (size_t i = 0; i < PARTS_HELPERS; i++)
		atomic_store(&pool.acked[i], atomic_load(&pool.assigned[i]));
}

static void install_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_helpers);
}

void ls_probutil_parts_run(size_t parts, int threads, void (*part)(void *ctx, size_t k), void *ctx)
{
	size_t want = threads > 1 ? (size_t)threads - 1 : 0;
	want = parts == 0 ? 0 : want < parts - 1 ? want : parts - 1;
	want = want < PARTS_HELPERS ? want : PARTS_HELPERS;
	if (want == 0 || pthread_mutex_trylock(&pool.busy) != 0) {
		for (size_t k = 0; k < parts; k++)
			part(ctx, k);
		return;
	}
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, install_atfork);
	while (pool.started < want) {
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		bool ok = pthread_create(&t, &at, helper, (void *)(uintptr_t)pool.started) == 0;
		pthread_attr_destroy(&at);
		if (!ok)
			break;
		pool.started++;
	}
	want = want < pool.started ? want : pool.started;
	pool.part = part;
	pool.ctx = ctx;
	pool.parts = parts;
	atomic_store(&pool.next, 0);
	unsigned g = ++pool.gen;
	pthread_mutex_lock(&pool.lock);
	for (size_t i = 0; i < want; i++)
		atomic_store(&pool.assigned[i], g);
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.lock);
	claim();
	for (size_t i = 0; i < want; i++)
		while (atomic_load(&pool.acked[i]) != g)
			sched_yield();
	pthread_mutex_unlock(&pool.busy);
}
