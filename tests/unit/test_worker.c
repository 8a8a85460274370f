/* test_worker.c — the TUI's training thread without a screen: commands pushed from this
 * thread are applied between steps with the session's semantics and show up in the
 * published view (λ scaled, rank grown, init cycled with a restart, invalid values refused
 * and not applied, one step, a trace file with the parameter header written), and the view
 * keeps advancing; what the UI shows ahead of a command (ahead.h) is what the worker then
 * applies, chained over several pending commands; the α̂, β̂ it samples in slices are
 * `lorascope run`'s; the session is made on the thread, commands waiting for it and a
 * failure coming as a view. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../src/tui/ahead.h"
#include "../../src/tui/worker.h"
#include "lorascope/lesson.h"
#include "lorascope/lesson_parse.h"
#include "lorascope/snapshot.h"
#include "lorascope/trace.h"

/* Wait (up to 20 s) until the worker has applied command seq; returns the locked view. */
static const ls_view *wait_applied(ls_worker *w, unsigned long seq)
{
	for (int i = 0; i < 20000; i++) {
		const ls_view *v = ls_worker_lock_view(w);
		if (v->applied_seq >= seq)
			return v;
		ls_worker_unlock_view(w);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("command %lu never applied", seq);
	return NULL;
}

static bool published(const ls_view *v)
{
	return v->pub_seq > 0;
}

/* Wait (up to 20 s) until the view satisfies ok; returns it locked. */
static const ls_view *wait_view(ls_worker *w, bool (*ok)(const ls_view *))
{
	for (int i = 0; i < 20000; i++) {
		const ls_view *v = ls_worker_lock_view(w);
		if (ok(v))
			return v;
		ls_worker_unlock_view(w);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("the view never came");
	return NULL;
}

static unsigned long push(ls_worker *w, ls_cmd_kind k, const char *param, const char *text,
			  double factor)
{
	ls_cmd c;
	memset(&c, 0, sizeof c);
	c.kind = k;
	if (param)
		snprintf(c.param, sizeof c.param, "%s", param);
	if (text)
		snprintf(c.text, sizeof c.text, "%s", text);
	c.factor = factor;
	unsigned long seq = ls_worker_push(w, &c);
	assert_true(seq > 0);
	return seq;
}

/* The defaults on a 12×10 problem of true rank 2, LoRA rank 3. */
static void small_config(ls_config *cfg)
{
	ls_config_defaults(cfg);
	assert_ok(ls_config_set(cfg, "m", "12", NULL));
	assert_ok(ls_config_set(cfg, "n", "10", NULL));
	assert_ok(ls_config_set(cfg, "rank", "3", NULL));
	assert_ok(ls_config_set(cfg, "true-rank", "2", NULL));
}

static void test_commands_reach_the_view(void **state)
{
	(void)state;
	ls_config cfg;
	small_config(&cfg);
	ls_error err;
	ls_worker *w;
	assert_ok(ls_worker_start(&w, &cfg, true, -1, &err));

	/* λ ×√10, from the next step. */
	const ls_view *v = wait_applied(w, push(w, LS_CMD_SCALE, "lambda", NULL, sqrt(10.0)));
	assert_close(v->cfg.lambda, 0.5 * sqrt(10.0), 1e-5, 0);
	assert_false(v->event_error);
	assert_non_null(strstr(v->event, "lambda"));
	assert_true(v->paused);
	ls_worker_unlock_view(w);

	/* Rank +1: one more singular value in the published metrics. */
	v = wait_applied(w, push(w, LS_CMD_ADD, "rank", NULL, 1));
	assert_int_equal(v->cfg.rank, 4);
	assert_int_equal(v->m.mod[0].nsigma, 4);
	ls_worker_unlock_view(w);

	/* One step (paused): the step count moves by exactly one. */
	v = wait_applied(w, push(w, LS_CMD_STEP, NULL, NULL, 0));
	long s1 = v->m.step;
	ls_worker_unlock_view(w);
	v = wait_applied(w, push(w, LS_CMD_STEP, NULL, NULL, 0));
	assert_int_equal(v->m.step, s1 + 1);
	ls_worker_unlock_view(w);

	/* Next initialisation: restart from step 0 with it. */
	v = wait_applied(w, push(w, LS_CMD_CYCLE, "init", NULL, 1));
	assert_string_equal(ls_init_names[v->cfg.init], ls_init_names[1]);
	assert_int_equal(v->m.step, 0);
	ls_worker_unlock_view(w);
	v = wait_applied(w, push(w, LS_CMD_CYCLE, "init", NULL, -2));
	assert_string_equal(ls_init_names[v->cfg.init], ls_init_names[LS_INIT_COUNT - 1]);
	ls_worker_unlock_view(w);

	/* An invalid value is refused with a message and nothing changes. */
	v = wait_applied(w, push(w, LS_CMD_SET, "lambda", "-3", 0));
	assert_true(v->event_error);
	assert_non_null(strstr(v->event, "refused"));
	assert_close(v->cfg.lambda, 0.5 * sqrt(10.0), 1e-5, 0);
	ls_worker_unlock_view(w);

	/* The trace: a CSV with a header and the recorded rows (one step recorded first:
	 * the restart above cleared the history). */
	v = wait_applied(w, push(w, LS_CMD_STEP, NULL, NULL, 0));
	ls_worker_unlock_view(w);
	char dir[] = "/tmp/lorascope-worker-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/trace.csv", dir);
	v = wait_applied(w, push(w, LS_CMD_TRACE, NULL, path, 0));
	assert_false(v->event_error);
	ls_worker_unlock_view(w);
	/* Read back with the trace reader: the parameters as changed above, the rows. */
	ls_trace *t;
	assert_ok(ls_trace_read(path, &t, &err));
	assert_close(t->cfg.lambda, 0.5 * sqrt(10.0), 1e-5, 0);
	assert_int_equal(t->cfg.rank, 4);
	assert_true(t->nrows >= 1);
	long cstep = ls_trace_column_index(t, "step");
	assert_true(cstep >= 0);
	double st = t->data[(size_t)cstep];
	assert_true(st >= 0 && st <= 1);
	ls_trace_free(t);
	unlink(path);
	rmdir(dir);

	/* Run: publications keep coming with a growing step count. */
	v = wait_applied(w, push(w, LS_CMD_PAUSE, NULL, NULL, 0));
	assert_false(v->paused);
	unsigned long pub = v->pub_seq;
	ls_worker_unlock_view(w);
	long step = -1;
	for (int i = 0; i < 20000 && step <= 0; i++) {
		v = ls_worker_lock_view(w);
		if (v->pub_seq > pub)
			step = v->m.step;
		ls_worker_unlock_view(w);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	assert_true(step > 0);
	ls_worker_stop(w);
}

static void test_bad_config_is_reported(void **state)
{
	(void)state;
	ls_config cfg;
	ls_config_defaults(&cfg);
	cfg.rank = 100000; /* larger than min(m, n): refused by the session */
	ls_worker *w = NULL;
	ls_error err;
	assert_int_not_equal(ls_worker_start(&w, &cfg, true, -1, &err), LS_OK);
	assert_true(strlen(err.msg) > 0);
	assert_null(w);
}

/* Not waiting for the session (start_wait 0, the TUI's way past its short wait): commands
 * pushed at once wait in the queue and are applied to the session once it is made; the first
 * view is published only with the session in it. */
static void test_session_made_on_the_thread(void **state)
{
	(void)state;
	ls_config cfg;
	small_config(&cfg);
	ls_error err;
	ls_worker_opts o = { .cfg = &cfg, .paused = true, .notify_fd = -1, .start_wait = 0 };
	ls_worker *w;
	assert_ok(ls_worker_start_opts(&w, &o, &err));
	unsigned long seq = push(w, LS_CMD_SCALE, "lambda", NULL, 2);
	const ls_view *v = ls_worker_lock_view(w);
	/* Either nothing yet, or a whole view of the session. */
	assert_true(v->pub_seq == 0 || (v->cfg.m == 12 && v->m.nmod == 1));
	assert_false(v->failed);
	ls_worker_unlock_view(w);
	v = wait_applied(w, seq);
	assert_false(v->failed);
	assert_int_equal(v->cfg.m, 12);
	assert_true(v->cfg.lambda == 2 * cfg.lambda);
	ls_worker_unlock_view(w);
	assert_false(ls_worker_building(w));
	ls_worker_stop(w);
}

/* A session that cannot be made, not waited for: the failure comes as a view (failed, the
 * session's own message), or from the start when the thread was done before it looked. */
static void test_late_failure_is_a_view(void **state)
{
	(void)state;
	ls_config cfg;
	small_config(&cfg);
	cfg.rank = 100000;
	ls_error want, err;
	ls_session *s = NULL;
	assert_int_not_equal(ls_session_create(&s, &cfg, NULL, &want), LS_OK);
	assert_true(strlen(want.msg) > 0);
	ls_worker_opts o = { .cfg = &cfg, .paused = true, .notify_fd = -1, .start_wait = 0 };
	ls_worker *w = NULL;
	if (ls_worker_start_opts(&w, &o, &err) != LS_OK) {
		assert_null(w);
		assert_string_equal(err.msg, want.msg);
		return;
	}
	const ls_view *v = wait_view(w, published);
	assert_true(v->failed);
	assert_true(v->event_error);
	assert_string_equal(v->event, want.msg);
	assert_int_equal(v->pub_seq, 1);
	ls_worker_unlock_view(w);
	ls_worker_stop(w);
}

/* The speed cap doubles and halves, past the top it is unlimited, and from unlimited a
 * halving caps again; a snapshot command writes a directory the session loader reads back
 * at the same step with the same parameters. */
static void test_speed_and_snapshot(void **state)
{
	(void)state;
	ls_config cfg;
	small_config(&cfg);
	ls_error err;
	assert_ok(ls_config_set(&cfg, "lambda", "0.07", &err));
	ls_worker_opts o = { .cfg = &cfg, .paused = true, .speed = 60, .notify_fd = -1 };
	ls_worker *w;
	assert_ok(ls_worker_start_opts(&w, &o, &err));
	const ls_view *v = wait_applied(w, push(w, LS_CMD_SPEED, NULL, NULL, 2));
	assert_true(v->speed == 120);
	ls_worker_unlock_view(w);
	v = wait_applied(w, push(w, LS_CMD_SPEED, NULL, NULL, 0.25));
	assert_true(v->speed == 30);
	ls_worker_unlock_view(w);
	for (int i = 0; i < 20; i++)
		push(w, LS_CMD_SPEED, NULL, NULL, 2);
	v = wait_applied(w, push(w, LS_CMD_STEP, NULL, NULL, 0));
	assert_true(v->speed == 0);
	assert_non_null(strstr(v->event, "one step"));
	ls_worker_unlock_view(w);
	v = wait_applied(w, push(w, LS_CMD_SPEED, NULL, NULL, 0.5));
	assert_true(v->speed >= 1);
	ls_worker_unlock_view(w);

	for (int i = 0; i < 6; i++)
		push(w, LS_CMD_STEP, NULL, NULL, 0);
	char dir[] = "/tmp/lorascope-worker-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char snap[128];
	snprintf(snap, sizeof snap, "%s/snap", dir);
	v = wait_applied(w, push(w, LS_CMD_SNAPSHOT, NULL, snap, 0));
	assert_false(v->event_error);
	long step = v->m.step;
	double loss = v->m.loss;
	assert_int_equal(step, 7);
	ls_worker_unlock_view(w);
	ls_worker_stop(w);

	ls_session *s;
	assert_ok(ls_session_load(&s, snap, &err));
	assert_int_equal(ls_session_steps(s), step);
	assert_true(ls_session_metrics(s)->loss == loss);
	assert_close(ls_session_config(s)->lambda, 0.07, 0, 0);
	ls_session_free(s);

	/* --resume: the worker starts on the loaded snapshot. */
	ls_worker_opts r = { .resume = snap, .paused = true, .notify_fd = -1 };
	assert_ok(ls_worker_start_opts(&w, &r, &err));
	v = wait_applied(w, push(w, LS_CMD_STEP, NULL, NULL, 0));
	assert_int_equal(v->m.step, step + 1);
	ls_worker_unlock_view(w);
	ls_worker_stop(w);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Wait (up to 60 s) until the view carries a theory report with the complete α̂, β̂
 * estimate for rank r; returns the locked view. */
static const ls_view *wait_ab(ls_worker *w, size_t r)
{
	for (int i = 0;; i++) {
		const ls_view *v = ls_worker_lock_view(w);
		if (v->has_theory && v->rep.mod[0].ab.r == r && v->ab_samples == v->ab_target &&
		    v->rep.mod[0].ab.samples == v->ab_target && v->m.mod[0].ab_samples > 0)
			return v;
		ls_worker_unlock_view(w);
		if (i == 60000)
			fail_msg("alpha/beta for rank %zu never installed", r);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

/* The α̂, β̂ the worker samples in slices between training batches are `lorascope run`'s
 * (ls_session_alphabeta on the same problem and seed) bit for bit, movement and radius
 * included: started training, from a large initialisation so that the radius rule depends on
 * the state (the estimate begins before the first batch, as run's does), and paused after a
 * rank change (begun again for the new rank). */
static void test_alphabeta_as_run(void **state)
{
	(void)state;
	ls_config cfg;
	small_config(&cfg);
	ls_error err;
	const char *kv[] = { "problem", "regression", "kappa", "3", "init",
			     "large",   "ab-samples", "40",    NULL };
	for (size_t i = 0; kv[i]; i += 2)
		assert_ok(ls_config_set(&cfg, kv[i], kv[i + 1], &err));
	for (int paused = 0; paused < 2; paused++) {
		ls_worker *w;
		assert_ok(ls_worker_start(&w, &cfg, paused, -1, &err));
		if (paused) {
			wait_applied(w, push(w, LS_CMD_ADD, "rank", NULL, 1));
			ls_worker_unlock_view(w);
		}
		const ls_view *v = wait_ab(w, paused ? 4 : 3);
		ls_alphabeta tui = v->rep.mod[0].ab;
		double alpha_hat = v->m.mod[0].alpha_hat, beta_hat = v->m.mod[0].beta_hat;
		assert_int_equal(v->m.mod[0].ab_samples, 40);
		ls_worker_unlock_view(w);
		ls_worker_stop(w);

		ls_session *s;
		assert_ok(ls_session_create(&s, &cfg, NULL, &err));
		if (paused)
			assert_ok(ls_session_set(s, "rank", "4", NULL, &err));
		const ls_alphabeta *run;
		assert_ok(ls_session_alphabeta(s, &run, &err));
		assert_memory_equal(&tui, &run[0], sizeof tui);
		assert_true(alpha_hat == run[0].alpha && beta_hat == run[0].beta);
		/* a varied estimate: the comparison bites */
		assert_true(run[0].alpha_move > 0 || run[0].beta_move > 0);
		ls_session_free(s);
	}
}

/* A lesson played by the worker: its caption reaches the view, its pause holds the run
 * (lesson_wait) until a pause command goes on, and the next caption follows. */
static void test_lesson(void **state)
{
	(void)state;
	const char *text = "set m 12; set n 10; set rank 3; set true-rank 2\n"
			   "at 0: caption \"one\"\n"
			   "at 5: caption \"two\"; pause\n"
			   "at 8: caption \"three\"\n";
	ls_lesson *l;
	ls_error err;
	assert_ok(ls_lesson_parse("t.lesson", text, strlen(text), &l, &err));
	ls_config cfg;
	ls_config_defaults(&cfg);
	assert_ok(ls_lesson_configure(l, &cfg, &err));
	ls_worker_opts o = { .cfg = &cfg, .lesson = l, .paused = true, .notify_fd = -1 };
	ls_worker *w;
	assert_ok(ls_worker_start_opts(&w, &o, &err));
	const ls_view *v = wait_applied(w, push(w, LS_CMD_STEP, NULL, NULL, 0));
	assert_true(v->has_lesson);
	assert_string_equal(v->caption, "one");
	ls_worker_unlock_view(w);
	for (int i = 0; i < 4; i++)
		push(w, LS_CMD_STEP, NULL, NULL, 0);
	/* The poll before the sixth step fires "two" and the pause: the step waits. */
	v = wait_applied(w, push(w, LS_CMD_STEP, NULL, NULL, 0));
	assert_string_equal(v->caption, "two");
	assert_true(v->lesson_wait);
	assert_true(v->paused);
	assert_int_equal(v->m.step, 5);
	assert_non_null(strstr(v->event, "press any key"));
	ls_worker_unlock_view(w);
	/* A key goes on: "three" comes. */
	v = wait_applied(w, push(w, LS_CMD_PAUSE, NULL, NULL, 0));
	assert_false(v->lesson_wait);
	ls_worker_unlock_view(w);
	bool three = false;
	for (int i = 0; i < 20000 && !three; i++) {
		v = ls_worker_lock_view(w);
		three = strcmp(v->caption, "three") == 0;
		ls_worker_unlock_view(w);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	assert_true(three);
	ls_worker_stop(w);
	ls_lesson_free(l);
}

/* Every parameter of a and b formatted the same. */
static void assert_same_config(const ls_config *a, const ls_config *b)
{
	for (int id = 0; id < LS_PARAM_COUNT; id++) {
		char x[LS_PARAM_VALUE_MAX], y[LS_PARAM_VALUE_MAX];
		ls_config_format(a, (ls_param_id)id, x, sizeof x);
		ls_config_format(b, (ls_param_id)id, y, sizeof y);
		assert_string_equal(x, y);
	}
}

static unsigned long push_cmd(ls_worker *w, ls_cmd *c, ls_cmd_kind k, const char *param,
			      const char *text, double factor)
{
	memset(c, 0, sizeof *c);
	c->kind = k;
	if (param)
		snprintf(c->param, sizeof c->param, "%s", param);
	if (text)
		snprintf(c->text, sizeof c->text, "%s", text);
	c->factor = factor;
	unsigned long seq = ls_worker_push(w, c);
	assert_true(seq > 0);
	return seq;
}

/* The keys' change shown ahead of the worker is the worker's result: each command folded
 * into the prediction from the view it was pushed on, then compared with the view once the
 * worker has applied it; several commands pushed before any is applied chain. */
static void test_ahead_is_what_the_worker_applies(void **state)
{
	(void)state;
	ls_config cfg;
	small_config(&cfg);
	ls_error err;
	ls_worker *w;
	assert_ok(ls_worker_start(&w, &cfg, true, -1, &err));
	/* Nothing is shown ahead of a view not published yet. */
	ls_view none = { 0 };
	ls_ahead a = { 0 };
	ls_cmd c = { .kind = LS_CMD_PAUSE };
	assert_false(ls_ahead_push(&a, &none, &c, 1));
	wait_view(w, published);
	ls_worker_unlock_view(w);
	struct {
		ls_cmd_kind k;
		const char *param, *text;
		double factor;
	} cmds[] = {
		{ LS_CMD_SCALE, "lambda", NULL, 3.1622776601683795 },
		{ LS_CMD_SCALE, "lr", NULL, 0.5 },
		{ LS_CMD_ADD, "rank", NULL, 1 },
		{ LS_CMD_CYCLE, "init", NULL, 1 },
		{ LS_CMD_CYCLE, "optimizer", NULL, -1 },
		{ LS_CMD_SET, "lambda", "0.25", 0 },
		{ LS_CMD_PAUSE, NULL, NULL, 0 },
		{ LS_CMD_PAUSE, NULL, NULL, 0 },
		{ LS_CMD_SPEED, NULL, NULL, 2 }, /* unlimited stays unlimited */
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		const ls_view *v = ls_worker_lock_view(w);
		ls_view before = *v;
		ls_worker_unlock_view(w);
		unsigned long seq = push_cmd(w, &c, cmds[i].k, cmds[i].param, cmds[i].text,
					     cmds[i].factor);
		assert_true(ls_ahead_push(&a, &before, &c, seq));
		assert_ptr_equal(ls_ahead_shown(&a, &before), &a);
		v = wait_applied(w, seq);
		assert_false(v->event_error);
		assert_same_config(&a.cfg, &v->cfg);
		assert_int_equal(a.paused, v->paused);
		assert_close(a.speed, v->speed, 0, 0);
		assert_null(ls_ahead_shown(&a, v));
		ls_worker_unlock_view(w);
	}
	/* Chained: three commands pushed on one view, shown together, then applied. */
	const ls_view *v = ls_worker_lock_view(w);
	ls_view before = *v;
	ls_worker_unlock_view(w);
	unsigned long seq = push_cmd(w, &c, LS_CMD_SCALE, "lambda", NULL, 2);
	assert_true(ls_ahead_push(&a, &before, &c, seq));
	seq = push_cmd(w, &c, LS_CMD_ADD, "rank", NULL, -1);
	assert_true(ls_ahead_push(&a, &before, &c, seq));
	seq = push_cmd(w, &c, LS_CMD_SCALE, "lambda", NULL, 2);
	assert_true(ls_ahead_push(&a, &before, &c, seq));
	assert_close(a.cfg.lambda, 4 * before.cfg.lambda, 1e-12, 0);
	v = wait_applied(w, seq);
	assert_same_config(&a.cfg, &v->cfg);
	ls_worker_unlock_view(w);
	/* Not shown ahead: a refused value, a reset (only the worker knows its result), the rank
	 * below its range; nothing is shown ahead after them. */
	v = ls_worker_lock_view(w);
	before = *v;
	ls_worker_unlock_view(w);
	seq = push_cmd(w, &c, LS_CMD_SET, "lambda", "-3", 0);
	assert_false(ls_ahead_push(&a, &before, &c, seq));
	assert_null(ls_ahead_shown(&a, &before));
	seq = push_cmd(w, &c, LS_CMD_RESET, NULL, NULL, 0);
	assert_false(ls_ahead_push(&a, &before, &c, seq));
	ls_cmd low = { .kind = LS_CMD_ADD, .param = "rank", .factor = -1000 };
	char val[LS_PARAM_VALUE_MAX];
	assert_false(ls_cmd_value(&before.cfg, &low, val, sizeof val));
	wait_applied(w, seq);
	ls_worker_unlock_view(w);
	ls_worker_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_reach_the_view),
		cmocka_unit_test(test_ahead_is_what_the_worker_applies),
		cmocka_unit_test(test_bad_config_is_reported),
		cmocka_unit_test(test_session_made_on_the_thread),
		cmocka_unit_test(test_late_failure_is_a_view),
		cmocka_unit_test(test_speed_and_snapshot),
		cmocka_unit_test(test_lesson),
		cmocka_unit_test(test_alphabeta_as_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
