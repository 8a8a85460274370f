/* test_replay.c — the replay's pure parts: the cursor (one row, a twentieth, the ends,
 * clamped at both ends) and a trace written by the trace writer read back into a view (the
 * parameters from the header, the row at the cursor column by column as written, the
 * history of every row, decimated with the last row kept when longer than the history; a
 * history trace's rows without the factor series show the last ones before them). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/tui/replay_view.h"
#include "lorascope/trace.h"

static void test_cursor(void **state)
{
	(void)state;
	assert_int_equal(ls_replay_jump(0), 1);
	assert_int_equal(ls_replay_jump(19), 1);
	assert_int_equal(ls_replay_jump(100), 5);
	size_t n = 100;
	assert_int_equal(ls_replay_cursor(0, n, LS_REPLAY_ROW_BACK), 0);
	assert_int_equal(ls_replay_cursor(0, n, LS_REPLAY_ROW_NEXT), 1);
	assert_int_equal(ls_replay_cursor(50, n, LS_REPLAY_ROW_BACK), 49);
	assert_int_equal(ls_replay_cursor(99, n, LS_REPLAY_ROW_NEXT), 99);
	assert_int_equal(ls_replay_cursor(50, n, LS_REPLAY_JUMP_NEXT), 55);
	assert_int_equal(ls_replay_cursor(50, n, LS_REPLAY_JUMP_BACK), 45);
	assert_int_equal(ls_replay_cursor(3, n, LS_REPLAY_JUMP_BACK), 0);
	assert_int_equal(ls_replay_cursor(97, n, LS_REPLAY_JUMP_NEXT), 99);
	assert_int_equal(ls_replay_cursor(42, n, LS_REPLAY_FIRST), 0);
	assert_int_equal(ls_replay_cursor(42, n, LS_REPLAY_LAST), 99);
	/* A row past the end is clamped first; an empty trace stays at 0. */
	assert_int_equal(ls_replay_cursor(500, n, LS_REPLAY_ROW_BACK), 98);
	assert_int_equal(ls_replay_cursor(0, 0, LS_REPLAY_ROW_NEXT), 0);
	assert_int_equal(ls_replay_cursor(0, 1, LS_REPLAY_LAST), 0);
}

/* Row i of the synthetic run. */
static void row_metrics(ls_metrics *m, long i)
{
	memset(m, 0, sizeof *m);
	m->step = 10 * i;
	m->loss = 1.0 / (double)(i + 1);
	m->reg_loss = m->loss + 0.5;
	m->grad_norm = 0.1 * (double)i;
	m->eta = 0.02;
	m->num_rank = (size_t)(1 + i % 4);
	m->r = 8;
	m->rstar = 4;
	m->ratio = i % 3 == 0 ? NAN : 0.001 * (double)i;
	m->threshold = 2.0;
	m->norm_fro = sqrt((double)i);
	m->norm_nuc = 2 * sqrt((double)i);
	m->dist_star = 1.0 / (double)(i + 2);
	m->balance = 0.25;
}

static void write_trace(const char *path, long nrows)
{
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	assert_ok(ls_config_set(&c, "lambda", "0.125", &err));
	assert_ok(ls_config_set(&c, "rank", "8", &err));
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	const ls_trace_kv run[] = { { "steps", "1000" } };
	assert_ok(ls_trace_write_header(f, LS_TRACE_CSV, &c, run, 1, false, &err));
	for (long i = 0; i < nrows; i++) {
		ls_metrics m;
		row_metrics(&m, i);
		assert_ok(ls_trace_write_row(f, LS_TRACE_CSV, &m, false, &err));
		if (i == 5)
			assert_ok(ls_trace_write_event(f, LS_TRACE_CSV, "caption", 50, "hello",
						       &err));
	}
	fclose(f);
}

static void test_view_from_trace(void **state)
{
	(void)state;
	char dir[] = "/tmp/lorascope-replay-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/t.csv", dir);
	write_trace(path, 30);
	ls_trace *t;
	ls_error err;
	assert_ok(ls_trace_read(path, &t, &err));
	assert_int_equal(t->nrows, 30);

	ls_view v;
	memset(&v, 0, sizeof v);
	assert_ok(ls_replay_history(&v, t, &err));
	assert_true(v.replay);
	assert_close(v.cfg.lambda, 0.125, 0, 0);
	assert_int_equal(v.cfg.rank, 8);
	assert_int_equal(v.h.len, 30);
	for (size_t i = 0; i < 30; i++) {
		ls_metrics m;
		row_metrics(&m, (long)i);
		assert_int_equal(v.h.step[i], m.step);
		assert_true(v.h.loss[i] == m.loss);
		assert_true(v.h.dist_star[i] == m.dist_star);
		assert_true(isnan(m.ratio) ? isnan(v.h.ratio[i]) : v.h.ratio[i] == m.ratio);
	}
	/* Every row at the cursor, exactly as written. */
	size_t row = 0;
	for (int k = 0; k < 40; k++) {
		ls_replay_row(&v, t, row);
		ls_metrics m;
		row_metrics(&m, (long)row);
		assert_int_equal(v.replay_row, row);
		assert_int_equal(v.replay_rows, 30);
		assert_int_equal(v.m.step, m.step);
		assert_true(v.m.loss == m.loss);
		assert_true(v.m.reg_loss == m.reg_loss);
		assert_true(v.m.grad_norm == m.grad_norm);
		assert_int_equal(v.m.num_rank, m.num_rank);
		assert_int_equal(v.m.rstar, 4);
		assert_true(v.m.threshold == 2.0);
		assert_true(v.m.norm_nuc == m.norm_nuc);
		assert_true(isnan(m.ratio) ? isnan(v.m.ratio) : v.m.ratio == m.ratio);
		assert_int_equal(v.replay_factor_step, m.step); /* every row measured */
		assert_false(v.m.diverged);
		row = ls_replay_cursor(row, t->nrows, LS_REPLAY_ROW_NEXT);
	}
	assert_int_equal(row, 29);
	/* The caption was written after row 5: it is the last event from row 5 on. */
	assert_null(ls_replay_event(t, 4));
	const ls_trace_event *ev = ls_replay_event(t, 5);
	assert_non_null(ev);
	assert_string_equal(ev->text, "hello");
	assert_non_null(ls_replay_event(t, 29));
	ls_view_free(&v);
	ls_trace_free(t);
	unlink(path);
	rmdir(dir);
}

static void test_long_trace_is_decimated(void **state)
{
	(void)state;
	char dir[] = "/tmp/lorascope-replay-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/long.csv", dir);
	long n = 2 * LS_HISTORY_MAX + 1;
	write_trace(path, n);
	ls_trace *t;
	ls_error err;
	assert_ok(ls_trace_read(path, &t, &err));
	ls_view v;
	memset(&v, 0, sizeof v);
	assert_ok(ls_replay_history(&v, t, &err));
	assert_true(v.h.len <= LS_HISTORY_MAX);
	assert_true(v.h.len >= LS_HISTORY_MAX / 2);
	assert_int_equal(v.h.step[0], 0);
	assert_int_equal(v.h.step[v.h.len - 1], 10 * (n - 1));
	for (size_t i = 1; i < v.h.len; i++)
		assert_true(v.h.step[i] > v.h.step[i - 1]);
	/* The cursor still reaches every row, exactly. */
	ls_replay_row(&v, t, (size_t)n - 2);
	assert_int_equal(v.m.step, 10 * (n - 2));
	ls_view_free(&v);
	ls_trace_free(t);
	unlink(path);
	rmdir(dir);
}

/* A history trace has the factor series on their cadence, NaN between: a row without them
 * shows those of the last row before it that has them, and names its step; a trace that
 * never measured them shows none (step -1). */
static void test_history_trace_factor_rows(void **state)
{
	(void)state;
	char dir[] = "/tmp/lorascope-replay-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/h.csv", dir);
	ls_config c;
	ls_config_defaults(&c);
	for (int measured = 1; measured >= 0; measured--) {
		ls_history h;
		ls_history_init(&h);
		for (long i = 0; i < 10; i++) {
			ls_metrics m;
			row_metrics(&m, i);
			m.ratio = 0.5 + (double)i;
			assert_ok(ls_history_push(&h, &m, measured && i % 4 == 0, NULL));
		}
		ls_error err;
		assert_ok(ls_trace_save_history(path, LS_TRACE_CSV, &c, &h, &err));
		ls_trace *t;
		assert_ok(ls_trace_read(path, &t, &err));
		ls_view v;
		memset(&v, 0, sizeof v);
		assert_ok(ls_replay_history(&v, t, &err));
		for (size_t row = 0; row < 10; row++) {
			ls_replay_row(&v, t, row);
			size_t from = row - row % 4; /* the last multiple of 4 */
			ls_metrics m;
			row_metrics(&m, (long)from);
			assert_int_equal(v.m.step, h.step[row]);
			assert_true(v.m.loss == h.loss[row]);
			if (measured) {
				assert_int_equal(v.replay_factor_step, h.step[from]);
				assert_true(v.m.ratio == 0.5 + (double)from);
				assert_true(v.m.norm_fro == m.norm_fro);
				assert_true(v.m.dist_star == m.dist_star);
			} else {
				assert_int_equal(v.replay_factor_step, -1);
				assert_true(isnan(v.m.ratio) && isnan(v.m.norm_fro));
			}
		}
		ls_view_free(&v);
		ls_trace_free(t);
		ls_history_free(&h);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_history_trace_factor_rows),
		cmocka_unit_test(test_view_from_trace),
		cmocka_unit_test(test_long_trace_is_decimated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
