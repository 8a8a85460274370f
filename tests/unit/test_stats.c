/* test_stats.c — the --stats report: nearest-rank quantiles against hand-counted values,
 * the sample cap, the report file's lines, and which frame times which key (a view key at
 * the next frame, a command shown ahead at the next frame and applied later, a command only
 * the worker shows at the frame of the view that has applied it). */
#include "testutil.h"

#include <stdlib.h>
#include <unistd.h>

#include "../../src/tui/stats.h"

static void test_quantiles(void **state)
{
	(void)state;
	double x[] = { 5, 1, 4, 2, 3, 10, 9, 8, 7, 6 };
	assert_close(ls_stats_quantile(x, 10, 0.5), 5, 0, 0);
	assert_close(ls_stats_quantile(x, 10, 0.95), 10, 0, 0);
	assert_close(ls_stats_quantile(x, 10, 0.9), 9, 0, 0);
	assert_close(ls_stats_quantile(x, 10, 0.0), 1, 0, 0);
	assert_close(ls_stats_quantile(x, 10, 1.0), 10, 0, 0);
	assert_true(isnan(ls_stats_quantile(x, 0, 0.5)));
	double one[] = { 3.5 };
	assert_close(ls_stats_quantile(one, 1, 0.95), 3.5, 0, 0);
}

static void test_report(void **state)
{
	(void)state;
	ls_stats s;
	ls_stats_init(&s);
	for (int i = 1; i <= 100; i++) {
		ls_stats_frame(&s, i * 1e-3);
		ls_stats_key(&s, 2e-3);
	}
	for (int i = 0; i < LS_STATS_MAX + 5; i++)
		ls_stats_applied(&s, 1e-3);
	assert_int_equal(s.napplied, LS_STATS_MAX);
	ls_stats_first(&s, 0.0125, false); /* the starting screen */
	ls_stats_first(&s, 0.25, true);    /* the first with the session */
	ls_stats_first(&s, 0.5, true);     /* only the first of each counts */
	char path[] = "/tmp/lorascope-stats-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ls_stats_write(&s, path, 200, 50), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[512] = "";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	assert_non_null(strstr(buf, "size 200x50\n"));
	assert_non_null(strstr(buf, "frames 100 ms p50 50.000 p95 95.000 max 100.000\n"));
	assert_non_null(strstr(buf, "keys 100 ms p50 2.000 p95 2.000 max 2.000\n"));
	assert_non_null(strstr(buf, "applied 100000 ms p50 1.000"));
	assert_non_null(strstr(buf, "first-frame ms 12.5\n"));
	assert_non_null(strstr(buf, "ready-frame ms 250.0\n"));
	ls_stats_free(&s);
	assert_int_equal(ls_stats_write(&s, "/nonexistent-dir/x", 1, 1), -1);
}

static void test_wait(void **state)
{
	(void)state;
	ls_stats s;
	ls_stats_init(&s);
	ls_stats_wait w = { 0 };
	ls_stats_wait_key(&w, 1.0, 0, false); /* a view key */
	ls_stats_wait_key(&w, 1.1, 5, true);  /* λ, shown ahead */
	ls_stats_wait_key(&w, 1.2, 6, false); /* reset: the worker's result */
	assert_false(ls_stats_wait_acked(&w, 4));
	/* A frame before the worker applied anything: the view key and λ are visible. */
	ls_stats_wait_frame(&s, &w, 1.5, 4);
	assert_int_equal(s.nkey, 2);
	assert_close(s.key[0], 0.5, 1e-12, 0);
	assert_close(s.key[1], 0.4, 1e-12, 0);
	assert_int_equal(s.napplied, 0);
	assert_int_equal(w.n, 2);
	/* λ applied: timed as applied only (its key was timed already). */
	assert_true(ls_stats_wait_acked(&w, 5));
	ls_stats_wait_frame(&s, &w, 1.6, 5);
	assert_int_equal(s.nkey, 2);
	assert_int_equal(s.napplied, 1);
	assert_close(s.applied[0], 0.5, 1e-12, 0);
	assert_int_equal(w.n, 1);
	/* The reset applied: its key and its application at that frame. */
	ls_stats_wait_frame(&s, &w, 2.0, 6);
	assert_int_equal(s.nkey, 3);
	assert_close(s.key[2], 0.8, 1e-12, 0);
	assert_int_equal(s.napplied, 2);
	assert_close(s.applied[1], 0.8, 1e-12, 0);
	assert_int_equal(w.n, 0);
	assert_false(ls_stats_wait_acked(&w, 6));
	/* Beyond the cap keys go untimed. */
	for (int i = 0; i < LS_STATS_WAIT_MAX + 3; i++)
		ls_stats_wait_key(&w, 3.0, 0, false);
	assert_int_equal(w.n, LS_STATS_WAIT_MAX);
	ls_stats_wait_frame(&s, &w, 3.5, 6);
	assert_int_equal(s.nkey, 3 + LS_STATS_WAIT_MAX);
	ls_stats_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
