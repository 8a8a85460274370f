/* test_stats.c — the --stats report: nearest-rank quantiles against hand-counted values,
 * the sample cap, and the report file's lines. */
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
	ls_stats_first(&s, 0.0125);
	ls_stats_first(&s, 0.5); /* only the first counts */
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
	ls_stats_free(&s);
	assert_int_equal(ls_stats_write(&s, "/nonexistent-dir/x", 1, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
