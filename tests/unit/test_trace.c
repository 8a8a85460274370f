/* test_trace.c — traces: what the writer puts in (every parameter, run options, rows of a real
 * session, events with newlines) comes back from ls_trace_read bit for bit, in CSV and JSON
 * Lines; malformed traces are refused with FILE:LINE. */
#include "testutil.h"

#include <stdlib.h>
#include <unistd.h>

#include "lorascope/session.h"
#include "lorascope/trace.h"

static void tmp_path(char *path, size_t len, const char *suffix)
{
	const char *t = getenv("TMPDIR");
	char tmpl[256];
	snprintf(tmpl, sizeof tmpl, "%s/lstrace.XXXXXX", t && *t ? t : "/tmp");
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	unlink(tmpl);
	snprintf(path, len, "%s%s", tmpl, suffix);
}

static bool same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* A real run's rows (with NaN eta at step 0 and a lesson-like event) round trip. */
static void round_trip(ls_trace_format fmt, const char *suffix)
{
	ls_config c;
	ls_config_defaults(&c);
	assert_ok(ls_config_set(&c, "problem", "approx", NULL));
	assert_ok(ls_config_set(&c, "m", "9", NULL));
	assert_ok(ls_config_set(&c, "n", "7", NULL));
	assert_ok(ls_config_set(&c, "rank", "3", NULL));
	assert_ok(ls_config_set(&c, "lambda", "0.1", NULL)); /* not exact in binary */
	assert_ok(ls_config_set(&c, "seed", "18446744073709551615", NULL));
	ls_session *s;
	ls_error err;
	assert_ok(ls_session_create(&s, &c, NULL, &err));
	char path[300];
	tmp_path(path, sizeof path, suffix);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	const ls_trace_kv run[] = { { "steps", "40" }, { "every", "10" } };
	assert_ok(ls_trace_write_header(f, fmt, &c, run, 2, false, &err));
	ls_metrics rows[5];
	memset(rows, 0, sizeof rows);
	for (int i = 0; i < 5; i++) {
		assert_ok(ls_metrics_copy(&rows[i], ls_session_metrics(s), &err));
		assert_ok(ls_trace_write_row(f, fmt, &rows[i], false, &err));
		if (i == 2)
			assert_ok(ls_trace_write_event(f, fmt, "caption", 20,
						       "two\nlines, a \\ and \"quotes\"", &err));
		assert_ok(ls_session_step(s, 10, &err));
	}
	fclose(f);
	ls_trace *t;
	if (ls_trace_read(path, &t, &err) != LS_OK)
		fail_msg("read: %s", err.msg);
	assert_int_equal(t->format, fmt);
	assert_non_null(strstr(t->version, "lorascope "));
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		char a[LS_PARAM_VALUE_MAX], b[LS_PARAM_VALUE_MAX];
		ls_config_format(&c, (ls_param_id)i, a, sizeof a);
		ls_config_format(&t->cfg, (ls_param_id)i, b, sizeof b);
		assert_string_equal(a, b);
	}
	assert_true(t->cfg.lambda == 0.1);
	assert_string_equal(ls_trace_run_option(t, "steps"), "40");
	assert_string_equal(ls_trace_run_option(t, "every"), "10");
	assert_null(ls_trace_run_option(t, "lesson"));
	assert_int_equal(t->nrows, 5);
	assert_int_equal(t->ncols, ls_trace_ncolumns - 1); /* no timing column */
	assert_int_equal(ls_trace_column_index(t, "steps_per_sec"), -1);
	for (size_t j = 0; j < ls_trace_ncolumns; j++) {
		const ls_trace_column *col = &ls_trace_columns[j];
		long ci = ls_trace_column_index(t, col->name);
		if (col->timing)
			continue;
		assert_true(ci >= 0);
		for (size_t i = 0; i < 5; i++) {
			double want = ls_trace_column_value(col, &rows[i]);
			double got = t->data[i * t->ncols + (size_t)ci];
			if (!same_double(got, want))
				fail_msg("row %zu %s: %.17g vs %.17g", i, col->name, got, want);
		}
	}
	assert_true(isnan(t->data[(size_t)ls_trace_column_index(t, "eta")]));
	assert_int_equal(t->nevents, 1);
	assert_string_equal(t->events[0].kind, "caption");
	assert_int_equal(t->events[0].step, 20);
	assert_int_equal(t->events[0].row, 3);
	assert_string_equal(t->events[0].text, "two\nlines, a \\ and \"quotes\"");
	ls_trace_free(t);
	for (int i = 0; i < 5; i++)
		ls_metrics_free(&rows[i]);
	ls_session_free(s);
	unlink(path);
}

static void test_csv_round_trip(void **state)
{
	(void)state;
	round_trip(LS_TRACE_CSV, ".csv");
}

static void test_jsonl_round_trip(void **state)
{
	(void)state;
	round_trip(LS_TRACE_JSONL, ".jsonl");
}

static void test_format_of_path(void **state)
{
	(void)state;
	ls_trace_format f;
	assert_true(ls_trace_format_of_path("a/b.csv", &f) && f == LS_TRACE_CSV);
	assert_true(ls_trace_format_of_path("b.jsonl", &f) && f == LS_TRACE_JSONL);
	assert_true(ls_trace_format_of_path("b.json", &f) && f == LS_TRACE_JSONL);
	assert_false(ls_trace_format_of_path("b.txt", &f));
	assert_false(ls_trace_format_of_path("csv", &f));
}

/* Write text to a file, read it as a trace, expect an error containing want. */
static void expect_bad(const char *text, const char *suffix, const char *want)
{
	char path[300];
	tmp_path(path, sizeof path, suffix);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	ls_trace *t = (ls_trace *)1;
	ls_error err;
	ls_error_clear(&err);
	assert_int_not_equal(ls_trace_read(path, &t, &err), LS_OK);
	assert_null(t);
	if (!strstr(err.msg, want) || !strstr(err.msg, path))
		fail_msg("message \"%s\" lacks \"%s\" or the file name", err.msg, want);
	unlink(path);
}

static void test_bad_traces(void **state)
{
	(void)state;
	expect_bad("step,loss\n1,2\n", ".csv", ":1: not a lorascope trace");
	expect_bad("# lorascope 0\n# lambda=x\n", ".csv", ":2: --lambda");
	expect_bad("# lorascope 0\n# nosuch=1\n", ".csv", ":2: ");
	expect_bad("# lorascope 0\nstep,loss\n1,2\n3\n", ".csv", ":4: fewer fields");
	expect_bad("# lorascope 0\nstep,loss\n1,2,3\n", ".csv", ":3: more fields");
	expect_bad("# lorascope 0\nstep,loss\n1,x\n", ".csv", ":3: a field is not a number");
	expect_bad("# lorascope 0\nstep,loss\n1,2\n# rank=3\n", ".csv", ":4: a parameter after");
	expect_bad("# lorascope 0\n# what is this\n", ".csv", ":2: a comment line");
	expect_bad("", ".csv", "empty");
	expect_bad("{\"params\": {}}\n", ".jsonl", ":1: not a lorascope trace");
	expect_bad("{\"lorascope\": \"0\", \"params\": {\"rank\": 3}}\n", ".jsonl",
		   ":1: a parameter value is not a string");
	expect_bad("{\"lorascope\": \"0\"}\n{\"type\": \"row\", \"step\": 1}\n{\"type\"\n",
		   ".jsonl", ":3: ");
	expect_bad("{\"lorascope\": \"0\"}\n{\"type\": \"row\", \"step\": 1}\n"
		   "{\"type\": \"row\", \"step\": 2, \"loss\": 1}\n",
		   ".jsonl", ":3: a row with other columns");
	expect_bad("{\"lorascope\": \"0\"}\n{\"type\": \"row\", \"step\": \"a\"}\n", ".jsonl",
		   ":2: a row value");
	expect_bad("{\"lorascope\": \"0\"}\n{\"type\": \"what\"}\n", ".jsonl", ":2: an object");
}

/* The history saved as a trace reads back point for point. */
static void test_history_trace(void **state)
{
	(void)state;
	ls_config c;
	ls_config_defaults(&c);
	assert_ok(ls_config_set(&c, "m", "8", NULL));
	assert_ok(ls_config_set(&c, "n", "6", NULL));
	assert_ok(ls_config_set(&c, "rank", "2", NULL));
	ls_session *s;
	ls_error err;
	assert_ok(ls_session_create(&s, &c, NULL, &err));
	assert_ok(ls_session_step(s, 25, &err));
	const ls_history *h = ls_session_history(s);
	const ls_trace_format fmts[] = { LS_TRACE_CSV, LS_TRACE_JSONL };
	for (size_t k = 0; k < 2; k++) {
		char path[300];
		tmp_path(path, sizeof path, k ? ".jsonl" : ".csv");
		assert_ok(ls_trace_save_history(path, fmts[k], &c, h, &err));
		ls_trace *t;
		if (ls_trace_read(path, &t, &err) != LS_OK)
			fail_msg("read: %s", err.msg);
		assert_string_equal(ls_trace_run_option(t, "source"), "history");
		assert_int_equal(t->nrows, h->len);
		long cs = ls_trace_column_index(t, "step"), cl = ls_trace_column_index(t, "loss");
		long ce = ls_trace_column_index(t, "eta");
		assert_true(cs >= 0 && cl >= 0 && ce >= 0);
		for (size_t i = 0; i < h->len; i++) {
			assert_true(t->data[i * t->ncols + (size_t)cs] == (double)h->step[i]);
			assert_true(same_double(t->data[i * t->ncols + (size_t)cl], h->loss[i]));
			assert_true(same_double(t->data[i * t->ncols + (size_t)ce], h->eta[i]));
		}
		ls_trace_free(t);
		unlink(path);
	}
	ls_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_round_trip), cmocka_unit_test(test_jsonl_round_trip),
		cmocka_unit_test(test_format_of_path), cmocka_unit_test(test_bad_traces),
		cmocka_unit_test(test_history_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
