/* test_parts_run.c — ls_probutil_parts_run (parts_run.c): every part runs exactly once, on
 * the caller alone or with helpers, for part counts around the thread counts; passes in quick
 * succession (helpers polling) and after a pause longer than their polling (helpers asleep);
 * two callers at once (one runs its parts alone); a forked child, which has none of the
 * parent's helpers, runs its passes to the end; and the helpers do take parts (a pass whose
 * parts wait for a second thread finishes). */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "../../src/core/problem_util.h"

enum { MAX_PARTS = 64 };

typedef struct {
	atomic_int runs[MAX_PARTS];
	atomic_int running; /* parts in progress now */
	atomic_int most;    /* the most ever in progress at once */
	bool wait_for_two;  /* part 0 waits until another part has started */
} tally;

static void count(void *ctx, size_t k)
{
	tally *t = ctx;
	int now = atomic_fetch_add(&t->running, 1) + 1;
	for (int most = atomic_load(&t->most); now > most;)
		if (atomic_compare_exchange_weak(&t->most, &most, now))
			break;
	atomic_fetch_add(&t->runs[k], 1);
	if (t->wait_for_two && k == 0) {
		struct timespec d = { 0, 100000 };
		for (int i = 0; i < 20000 && atomic_load(&t->most) < 2; i++)
			nanosleep(&d, NULL);
	}
	atomic_fetch_sub(&t->running, 1);
}

static void check_pass(size_t parts, int threads)
{
	tally t = { 0 };
	ls_probutil_parts_run(parts, threads, count, &t);
	for (size_t k = 0; k < MAX_PARTS; k++)
		assert_int_equal(atomic_load(&t.runs[k]), k < parts ? 1 : 0);
	assert_int_equal(atomic_load(&t.running), 0);
	if (threads == 1)
		assert_true(atomic_load(&t.most) <= 1);
}

static void test_every_part_once(void **state)
{
	(void)state;
	size_t parts[] = { 0, 1, 2, 3, 5, 8, 9, 20, MAX_PARTS };
	int threads[] = { 1, 2, 3, 8, 100 };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		for (size_t j = 0; j < sizeof threads / sizeof threads[0]; j++)
			check_pass(parts[i], threads[j]);
	/* Many passes back to back, then some after a pause in which the helpers sleep. */
	for (int i = 0; i < 2000; i++)
		check_pass(8, 2);
	for (int i = 0; i < 5; i++) {
		struct timespec d = { 0, 20000000 };
		nanosleep(&d, NULL);
		check_pass(8, 3);
	}
}

/* Part 0 holds on until a second part runs beside it: only a helper can start one. */
static void test_helpers_take_parts(void **state)
{
	(void)state;
	tally t = { .wait_for_two = true };
	ls_probutil_parts_run(4, 2, count, &t);
	assert_int_equal(atomic_load(&t.most), 2);
}

static void *caller(void *arg)
{
	(void)arg;
	for (int i = 0; i < 500; i++)
		check_pass(6, 2);
	return NULL;
}

static void test_two_callers(void **state)
{
	(void)state;
	pthread_t a, b;
	assert_int_equal(pthread_create(&a, NULL, caller, NULL), 0);
	assert_int_equal(pthread_create(&b, NULL, caller, NULL), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

static void test_fork(void **state)
{
	(void)state;
	check_pass(8, 2); /* the parent has a helper */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20); /* a child waiting for a helper it does not have dies of it */
		tally t = { 0 };
		for (int i = 0; i < 100; i++)
			ls_probutil_parts_run(8, 2, count, &t);
		for (size_t k = 0; k < 8; k++)
			if (atomic_load(&t.runs[k]) != 100)
				_exit(1);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	check_pass(8, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_part_once),
		cmocka_unit_test(test_helpers_take_parts),
		cmocka_unit_test(test_two_callers),
		cmocka_unit_test(test_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
