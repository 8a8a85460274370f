/* test_lesson.c — lessons: every construct of the language and every parse error with its
 * line and column; the interpreter driving a real session (an "at" change lands at exactly
 * its step, compared with the same change made by hand; a "when" rule fires once, at the
 * first step its condition holds; captions come out in order; the lesson clock across
 * restarts; refused changes; budgets); verdict and regime conditions (a spurious and a
 * global verdict found within LS_LESSON_VERDICT_EVERY steps, checked against theory reports
 * made by hand; the stationarity gate and the rate limit seen through the report counter);
 * caption fields ("{ratio}") against the metrics at the moment; and every lesson shipped in
 * demos/lessons played headless to its end, each of its rules firing. */
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#include "lorascope/lesson.h"
#include "lorascope/lesson_parse.h"

static ls_lesson *parse_ok(const char *text)
{
	ls_lesson *l;
	ls_error err;
	ls_error_clear(&err);
	if (ls_lesson_parse("t.lesson", text, strlen(text), &l, &err) != LS_OK)
		fail_msg("parse: %s", err.msg);
	return l;
}

/* text (len bytes) must fail with exactly "t.lesson:LINE:COL: " + a message containing what. */
static void parse_fails_n(const char *text, size_t len, size_t line, size_t col, const char *what)
{
	ls_lesson *l = (ls_lesson *)1;
	ls_error err;
	ls_error_clear(&err);
	ls_status st = ls_lesson_parse("t.lesson", text, len, &l, &err);
	if (st != LS_EFORMAT)
		fail_msg("'%s': status %s, message '%s'", text, ls_strerror(st), err.msg);
	assert_null(l);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "t.lesson:%zu:%zu: ", line, col);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, what))
		fail_msg("'%s': got '%s', expected '%s...%s'", text, err.msg, prefix, what);
	assert_null(strchr(err.msg, '\n'));
}

static void parse_fails(const char *text, size_t line, size_t col, const char *what)
{
	parse_fails_n(text, strlen(text), line, col, what);
}

static void test_every_construct(void **state)
{
	(void)state;
	const char *text =
		"\xEF\xBB\xBF# a comment line\r\n"
		"title \"Ti\" \"tle\"   # joined\r\n"
		"\n"
		"set problem approx; set lambda 0.25;\n"
		"  set init-scale \"0.01\"\n"
		"at 10: set lr 0.01; caption \"a \\\"q\\\" \\\\ b\\nc\"; pause; kick; kick 0.5; "
		"reset; stop;\n"
		"after 20 when loss < 1 and grad <= 2 and rank > 3 and rstar >= 1 and ratio == 0.5 "
		"and norm != 2 and dist < 3e-1 and step>=4: pause\n"
		"when diverged: caption \"x\" \\  \n"
		"     \"y\"\n"
		"at 0: caption \"\xC3\xA9t\xC3\xA9\"";
	ls_lesson *l = parse_ok(text);
	assert_string_equal(l->file, "t.lesson");
	assert_string_equal(l->title, "Title");
	assert_int_equal(l->nsetup, 3);
	assert_string_equal(l->setup[0].name, "problem");
	assert_string_equal(l->setup[0].value, "approx");
	assert_string_equal(l->setup[1].name, "lambda");
	assert_string_equal(l->setup[1].value, "0.25");
	assert_int_equal(l->setup[1].pos.line, 4);
	assert_int_equal(l->setup[1].pos.col, 21);
	assert_string_equal(l->setup[2].value, "0.01");
	assert_int_equal(l->setup[2].pos.line, 5);
	assert_int_equal(l->setup[2].pos.col, 3);
	assert_int_equal(l->nrules, 4);
	assert_int_equal(l->nactions, 10);

	const ls_lesson_rule *r = &l->rules[0];
	assert_false(r->is_when);
	assert_int_equal(r->step, 10);
	assert_int_equal(r->pos.line, 6);
	assert_int_equal(r->first, 0);
	assert_int_equal(r->count, 7);
	const ls_lesson_action_kind kinds[] = { LS_LESSON_SET,  LS_LESSON_CAPTION, LS_LESSON_PAUSE,
						LS_LESSON_KICK, LS_LESSON_KICK,    LS_LESSON_RESET,
						LS_LESSON_STOP };
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(l->actions[i].kind, kinds[i]);
	assert_string_equal(l->actions[0].name, "lr");
	assert_string_equal(l->actions[0].text, "0.01");
	assert_string_equal(l->actions[1].text, "a \"q\" \\ b\nc");
	assert_int_equal(l->actions[1].pos.col, 21);
	assert_close(l->actions[3].scale, LS_LESSON_KICK_SCALE, 0, 0);
	assert_close(l->actions[4].scale, 0.5, 0, 0);

	r = &l->rules[1];
	assert_true(r->is_when);
	assert_int_equal(r->step, 20);
	assert_int_equal(r->ncond, 8);
	const ls_lesson_var vars[] = { LS_LESSON_VAR_LOSS,  LS_LESSON_VAR_GRAD,  LS_LESSON_VAR_RANK,
				       LS_LESSON_VAR_RSTAR, LS_LESSON_VAR_RATIO, LS_LESSON_VAR_NORM,
				       LS_LESSON_VAR_DIST,  LS_LESSON_VAR_STEP };
	const ls_lesson_op ops[] = { LS_LESSON_LT, LS_LESSON_LE, LS_LESSON_GT, LS_LESSON_GE,
				     LS_LESSON_EQ, LS_LESSON_NE, LS_LESSON_LT, LS_LESSON_GE };
	const double vals[] = { 1, 2, 3, 1, 0.5, 2, 0.3, 4 };
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(r->cond[i].var, vars[i]);
		assert_int_equal(r->cond[i].op, ops[i]);
		assert_close(r->cond[i].value, vals[i], 0, 0);
	}
	assert_int_equal(r->count, 1);
	assert_int_equal(l->actions[r->first].kind, LS_LESSON_PAUSE);

	r = &l->rules[2];
	assert_true(r->is_when);
	assert_int_equal(r->step, 0);
	assert_int_equal(r->ncond, 1);
	assert_int_equal(r->cond[0].var, LS_LESSON_VAR_DIVERGED);
	assert_string_equal(l->actions[r->first].text, "xy");

	r = &l->rules[3];
	assert_int_equal(r->pos.line, 10);
	assert_string_equal(l->actions[r->first].text, "\xC3\xA9t\xC3\xA9");

	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	assert_ok(ls_lesson_configure(l, &c, &err));
	assert_int_equal(c.problem, LS_PROBLEM_APPROX);
	assert_close(c.lambda, 0.25, 0, 0);
	assert_close(c.init_scale, 0.01, 0, 0);
	ls_lesson_free(l);

	/* An empty file and a file of comments are lessons with nothing in them. */
	l = parse_ok("");
	assert_int_equal(l->nrules + l->nsetup, 0);
	assert_null(l->title);
	ls_lesson_free(l);
	l = parse_ok("# only\n\n   # comments\n");
	assert_int_equal(l->nrules + l->nsetup, 0);
	ls_lesson_free(l);
	/* The names of the condition variables, in the order of the enum. */
	assert_string_equal(ls_lesson_var_names[LS_LESSON_VAR_RSTAR], "rstar");
	assert_string_equal(ls_lesson_var_names[LS_LESSON_VAR_VERDICT], "verdict");
	assert_string_equal(ls_lesson_var_names[LS_LESSON_VAR_REGIME], "regime");
	assert_null(ls_lesson_var_names[LS_LESSON_VAR_COUNT]);

	/* Verdict and regime names: words, or strings ("n/a" must be one). */
	l = parse_ok("when verdict == global and verdict != \"n/a\" and verdict==not-stationary "
		     "and verdict != \"spurious\" and verdict == saddle and regime == special "
		     "and regime != generic and regime == \"n/a\": pause\n");
	assert_int_equal(l->nrules, 1);
	const ls_lesson_cond want[] = {
		{ LS_LESSON_VAR_VERDICT, LS_LESSON_EQ, LS_VERDICT_GLOBAL },
		{ LS_LESSON_VAR_VERDICT, LS_LESSON_NE, LS_VERDICT_NA },
		{ LS_LESSON_VAR_VERDICT, LS_LESSON_EQ, LS_VERDICT_NOT_STATIONARY },
		{ LS_LESSON_VAR_VERDICT, LS_LESSON_NE, LS_VERDICT_SPURIOUS },
		{ LS_LESSON_VAR_VERDICT, LS_LESSON_EQ, LS_VERDICT_SADDLE },
		{ LS_LESSON_VAR_REGIME, LS_LESSON_EQ, LS_REGIME_SPECIAL },
		{ LS_LESSON_VAR_REGIME, LS_LESSON_NE, LS_REGIME_GENERIC },
		{ LS_LESSON_VAR_REGIME, LS_LESSON_EQ, LS_REGIME_NA }
	};
	assert_int_equal(l->rules[0].ncond, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(l->rules[0].cond[i].var, want[i].var);
		assert_int_equal(l->rules[0].cond[i].op, want[i].op);
		assert_close(l->rules[0].cond[i].value, want[i].value, 0, 0);
	}
	ls_lesson_free(l);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("bogus 1", 1, 1,
		    "expected 'set', 'title', 'at', 'after' or 'when', got 'bogus'");
	parse_fails("set lambda x", 1, 12, "set lambda: 'x' is not a finite number");
	parse_fails("set lamda 0.1", 1, 5, "unknown parameter 'lamda'");
	parse_fails("set lambda", 1, 11, "expected a value for 'lambda'");
	parse_fails("set lambda -1", 1, 12, "set lambda: -1 is outside");
	parse_fails("set problem nope", 1, 13, "set problem:");
	parse_fails("set rank 2.5", 1, 10, "set rank: '2.5' is not an integer");
	parse_fails("set", 1, 4, "expected a parameter name after 'set', got the end of the file");
	parse_fails("at x: pause", 1, 4, "'x' is not a step number");
	parse_fails("at 1000000000001: stop", 1, 4, "is not a step number");
	parse_fails("at -1: stop", 1, 4, "'-1' is not a step number");
	parse_fails("at 5 pause", 1, 6, "expected ':' after the step, got 'pause'");
	parse_fails("at 5:", 1, 6,
		    "expected an action (set, caption, pause, kick, reset or stop), "
		    "got the end of the file");
	parse_fails("at 5:\n", 1, 6, "got the end of the line");
	parse_fails("at 5: jump", 1, 7, "unknown action 'jump'");
	parse_fails("at 5: caption hello", 1, 15, "expected a string after 'caption', got 'hello'");
	parse_fails("at 5: caption \"abc", 1, 15, "unterminated string");
	parse_fails("at 5: caption \"abc\ndef\"", 1, 15, "unterminated string");
	parse_fails("at 5: caption \"a\\qb\"", 1, 17, "unknown escape");
	parse_fails("at 5: caption \"a\tb\"", 1, 17, "control character 0x09");
	parse_fails("at 5: caption \"\xFF\"", 1, 16, "invalid UTF-8");
	parse_fails("at 5: caption \"\xC0\xAF\"", 1, 16, "invalid UTF-8");     /* overlong */
	parse_fails("at 5: caption \"\xED\xA0\x80\"", 1, 16, "invalid UTF-8"); /* surrogate */
	parse_fails("at 5: set rank 0", 1, 16, "set rank: 0 is outside");
	/* Found by the fuzzer: a quoted value with a line break made a two-line message. */
	parse_fails("set lambda \"a \\\"b\\\"\\n\"; pause", 1, 12,
		    "set lambda: a value is one line");
	parse_fails("when foo < 1: pause", 1, 6, "unknown condition 'foo'");
	parse_fails("when loss 1: pause", 1, 11,
		    "expected a comparison (<, <=, >, >=, ==, !=) after 'loss', got '1'");
	parse_fails(
		"when verdict == globl: pause", 1, 17,
		"unknown verdict 'globl' (not-stationary, saddle, global, spurious or \"n/a\")");
	parse_fails("at 0: pause\nafter 5 when loss < 1 and verdict != unknown: stop", 2, 38,
		    "unknown verdict 'unknown'");
	parse_fails("when verdict == n/a: pause", 1, 17,
		    "unknown verdict 'n' (write \"n/a\" in quotes: '/' ends a word)");
	parse_fails("when regime != n/a: pause", 1, 16, "unknown regime 'n' (write \"n/a\"");
	parse_fails("when verdict == \"na\": pause", 1, 17, "unknown verdict \"na\" (");
	/* Found by the fuzzer: a quoted name with a line break made a two-line message. */
	parse_fails("when regime == \"generic: \\n\"\n", 1, 16,
		    "unknown regime \"generic: ...\" (");
	parse_fails("when verdict == 3: pause", 1, 17, "unknown verdict '3'");
	parse_fails("when verdict ==: pause", 1, 16,
		    "expected a verdict (not-stationary, saddle, global, spurious or \"n/a\"), "
		    "got ':'");
	parse_fails("when verdict < global: pause", 1, 14,
		    "expected a comparison (== or !=) after 'verdict', got an operator");
	parse_fails("when verdict global: pause", 1, 14,
		    "expected a comparison (== or !=) after 'verdict', got 'global'");
	parse_fails("when regime >= special: pause", 1, 13,
		    "expected a comparison (== or !=) after 'regime'");
	parse_fails("when regime == global: pause", 1, 16,
		    "unknown regime 'global' (special, generic or \"n/a\")");
	parse_fails("when regime != \"unknown\": pause", 1, 16, "unknown regime \"unknown\"");
	parse_fails("when verdicts == global: pause", 1, 6, "unknown condition 'verdicts'");
	parse_fails("when loss < abc: pause", 1, 13, "'abc' is not a finite number");
	parse_fails("when loss < inf: pause", 1, 13, "'inf' is not a finite number");
	parse_fails("when loss = 1: pause", 1, 11, "'=' is not an operator");
	parse_fails("when loss ! 1: pause", 1, 11, "'!' is not an operator");
	parse_fails("when loss < 1 pause", 1, 15, "expected 'and' or ':', got 'pause'");
	parse_fails("when loss < 1 and: pause", 1, 18, "expected a condition");
	parse_fails("when diverged and diverged and diverged and diverged and diverged and "
		    "diverged and diverged and diverged and diverged: stop",
		    1, 110, "more than 8 conditions");
	parse_fails("after 10 if loss < 1: pause", 1, 10,
		    "expected 'when' after 'after STEP', got 'if'");
	parse_fails("at 5: pause stop", 1, 13,
		    "expected ';' or the end of the line after an action, got 'stop'");
	parse_fails("at 5: pause\nset lambda 1", 2, 1, "setup lines come before the first rule");
	parse_fails("at 5: pause\ntitle \"x\"", 2, 1, "setup lines come before the first rule");
	parse_fails("title \"a\"\ntitle \"b\"", 2, 1, "a second title");
	parse_fails("title x", 1, 7, "expected a string after 'title', got 'x'");
	parse_fails("set m 4; lambda 1", 1, 10, "expected 'set' or 'title' after ';'");
	parse_fails("set m 4 set n 4", 1, 9, "expected ';' or the end of the line, got 'set'");
	parse_fails("at 5: kick 0", 1, 12, "kick scale 0 is outside (0, 1e6]");
	parse_fails("at 5: kick x", 1, 12, "'x' is not a finite number");
	parse_fails("at 5: pause @", 1, 13, "unexpected character '@'");
	parse_fails("at 5: \\ pause", 1, 7, "unexpected character '\\'");
	parse_fails("at 5: pause \x80", 1, 13, "unexpected byte 0x80");
	parse_fails_n("at 5: pause \0 x", 15, 1, 13, "NUL byte");
	/* Columns count characters: the é before the error is one column. */
	parse_fails("# \xC3\xA9\nat 5: caption \"\xC3\xA9\" pause", 2, 19,
		    "expected ';' or the end of the line after an action, got 'pause'");
	/* A continued line keeps its own line numbers. */
	parse_fails("at 5: caption \"a\" \\\n  bogus", 2, 3, "got 'bogus'");
	/* Long words are shortened in messages. */
	parse_fails(
		"at 5: "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		1, 7, "unknown action 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
	/* The setup applied to the defaults must be a valid run (rank 8 > min(m, n) = 4). */
	parse_fails("set m 4\nset n 4 # both", 2, 1,
		    "the setup lines give an invalid run: --rank: 8 exceeds min(m, n) = 4");
	parse_fails("set rank 6; set n 5", 1, 13, "invalid run: --rank: 6 exceeds min(m, n) = 5");
}

static void test_file_errors(void **state)
{
	(void)state;
	ls_lesson *l;
	ls_error err;
	ls_error_clear(&err);
	assert_int_not_equal(ls_lesson_load("/nonexistent/dir/x.lesson", &l, &err), LS_OK);
	assert_null(l);
	assert_non_null(strstr(err.msg, "/nonexistent/dir/x.lesson"));
	size_t big = LS_LESSON_MAX_BYTES + 1;
	char *text = malloc(big);
	assert_non_null(text);
	memset(text, '\n', big);
	assert_int_equal(ls_lesson_parse("big.lesson", text, big, &l, &err), LS_ETOOBIG);
	assert_non_null(strstr(err.msg, "big.lesson"));
	free(text);
	/* A lesson written to a file and read back. */
	char path[] = "/tmp/test_lesson_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("title \"From a file\"\nat 3: stop\n", f);
	fclose(f);
	assert_ok(ls_lesson_load(path, &l, &err));
	assert_string_equal(l->file, path);
	assert_string_equal(l->title, "From a file");
	ls_lesson_free(l);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("at 3: stop\nat 4: halt\n", f);
	fclose(f);
	assert_int_equal(ls_lesson_load(path, &l, &err), LS_EFORMAT);
	char want[128];
	snprintf(want, sizeof want,
		 "%s:2:7: unknown action 'halt' (set, caption, pause, kick, reset or stop)", path);
	assert_string_equal(err.msg, want);
	remove(path);
}

/* ---- The interpreter on real sessions. */

static const char *const small_approx =
	"set problem approx; set m 20; set n 16; set true-rank 3; set rank 6; set lambda 0.2; "
	"set lr 0.1\n";

static ls_session *session_for(const ls_lesson *l)
{
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	if (ls_lesson_configure(l, &c, &err) != LS_OK || ls_config_check(&c, &err) != LS_OK)
		fail_msg("configure: %s", err.msg);
	ls_session *s;
	if (ls_session_create(&s, &c, NULL, &err) != LS_OK)
		fail_msg("create: %s", err.msg);
	return s;
}

/* Play headless as a front-end does: poll, then at most min(budget, cap) steps, until the
 * lesson stops, the clock reaches max_clock, or the run stays diverged after a poll. */
static void play(ls_lesson_run *r, ls_session *s, long max_clock, long cap)
{
	ls_error err;
	for (;;) {
		const ls_lesson_event *ev;
		size_t nev;
		if (ls_lesson_run_poll(r, s, &ev, &nev, &err) != LS_OK)
			fail_msg("poll: %s", err.msg);
		long clock = ls_lesson_run_clock(r);
		if (ls_lesson_run_stopped(r) || clock >= max_clock || ls_session_diverged(s))
			return;
		long k = ls_lesson_run_budget(r);
		assert_true(k >= 1);
		if (k > cap)
			k = cap;
		if (k > max_clock - clock)
			k = max_clock - clock;
		if (ls_session_step(s, k, &err) != LS_OK)
			fail_msg("step: %s", err.msg);
	}
}

static ls_lesson_run *run_new(const ls_lesson *l)
{
	ls_lesson_run *r;
	ls_error err;
	if (ls_lesson_run_new(&r, l, &err) != LS_OK)
		fail_msg("run: %s", err.msg);
	return r;
}

/* A session set up by l (*s) and a player of l on it. */
static ls_lesson_run *start(const ls_lesson *l, ls_session **s)
{
	*s = session_for(l);
	return run_new(l);
}

static void finish(ls_lesson_run *r, ls_session *s, ls_lesson *l)
{
	ls_lesson_run_free(r);
	ls_session_free(s);
	ls_lesson_free(l);
}

/* The event's line as a front-end shows it must be want. */
static void assert_event_line(const ls_lesson_event *ev, const char *want)
{
	char line[LS_ERROR_MSG_MAX + 128];
	ls_lesson_event_format(ev, line, sizeof line);
	assert_string_equal(line, want);
}

static ls_lesson *parse_cat(const char *a, const char *b)
{
	char text[1024];
	snprintf(text, sizeof text, "%s%s", a, b);
	return parse_ok(text);
}

/* The final loss of approx after `total` steps with λ changed to 0.05 after `at` steps. */
static double by_hand(long at, long total)
{
	ls_lesson *l = parse_ok(small_approx);
	ls_session *s = session_for(l);
	ls_error err;
	assert_ok(ls_session_step(s, at, &err));
	assert_ok(ls_session_set(s, "lambda", "0.05", NULL, &err));
	assert_ok(ls_session_step(s, total - at, &err));
	double loss = ls_session_metrics(s)->loss;
	ls_session_free(s);
	ls_lesson_free(l);
	return loss;
}

static void test_at_exact_step(void **state)
{
	(void)state;
	ls_lesson *l = parse_cat(small_approx, "at 100: set lambda 0.05\nat 230: stop\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	assert_close(ls_session_config(s)->lambda, 0.2, 0, 0);
	/* Batches of 37 do not divide 100: the budget must cut the batch at the rule. */
	play(r, s, 100000, 37);
	assert_true(ls_lesson_run_stopped(r));
	assert_int_equal(ls_lesson_run_clock(r), 230);
	assert_int_equal(ls_session_steps(s), 230);
	assert_close(ls_session_config(s)->lambda, 0.05, 0, 0);
	size_t n;
	const ls_lesson_event *ev = ls_lesson_run_events(r, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].kind, LS_LESSON_EV_SET);
	assert_int_equal(ev[0].clock, 100);
	assert_int_equal(ev[0].step, 100);
	/* The set carries the session's change record. */
	assert_int_equal(ev[0].change.kind, LS_CHANGE_SET);
	assert_int_equal(ev[0].change.param, LS_PARAM_lambda);
	assert_int_equal(ev[0].change.apply, LS_APPLY_BASELINE);
	assert_string_equal(ev[0].change.from, "0.2");
	assert_string_equal(ev[0].change.to, "0.05");
	assert_int_equal(ev[1].kind, LS_LESSON_EV_STOP);
	assert_int_equal(ev[1].change.kind, LS_CHANGE_NONE);
	assert_int_equal(ev[1].clock, 230);
	/* The same change made by hand at step 100 gives the same run, bit for bit; one step
	 * early or late does not (so the comparison can tell). */
	double loss = ls_session_metrics(s)->loss;
	assert_true(loss == by_hand(100, 230));
	assert_true(loss != by_hand(99, 230));
	assert_true(loss != by_hand(101, 230));
	finish(r, s, l);
}

static void test_when_fires_once(void **state)
{
	(void)state;
	/* The first step at which the loss is below a quarter of its start, stepping by hand. */
	ls_lesson *l0 = parse_ok(small_approx);
	ls_session *s = session_for(l0);
	double thr = 0.25 * ls_session_metrics(s)->loss;
	long first = -1;
	ls_error err;
	for (long k = 1; k <= 300 && first < 0; k++) {
		assert_ok(ls_session_step(s, 1, &err));
		if (ls_session_metrics(s)->loss < thr)
			first = k;
	}
	ls_session_free(s);
	ls_lesson_free(l0);
	assert_true(first > 1 && first < 300);

	char rules[256];
	snprintf(rules, sizeof rules,
		 "when loss < %.17g: caption \"low\"\nwhen step >= 0: caption \"start\"\n"
		 "at 400: stop\n",
		 thr);
	ls_lesson *l = parse_cat(small_approx, rules);
	ls_lesson_run *r = start(l, &s);
	play(r, s, 100000, 1000);
	size_t n;
	const ls_lesson_event *ev = ls_lesson_run_events(r, &n);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].kind, LS_LESSON_EV_CAPTION);
	assert_string_equal(ev[0].action->text, "start");
	assert_int_equal(ev[0].clock, 0);
	assert_string_equal(ev[1].action->text, "low");
	assert_int_equal(ev[1].clock, first);
	assert_int_equal(ev[1].step, first);
	assert_int_equal(ev[2].kind, LS_LESSON_EV_STOP);
	finish(r, s, l);
}

static void test_caption_order(void **state)
{
	(void)state;
	ls_lesson *l = parse_cat(small_approx, "at 50: caption \"f\"\n"
					       "at 10: caption \"b\"\n"
					       "when step >= 30: caption \"e\"\n"
					       "at 10: caption \"c\"; caption \"c2\"\n"
					       "at 30: caption \"d\"\n"
					       "at 0: caption \"a\"\n"
					       "at 60: stop\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	play(r, s, 100000, 7);
	size_t n;
	const ls_lesson_event *ev = ls_lesson_run_events(r, &n);
	const char *want[] = { "a", "b", "c", "c2", "d", "e", "f" };
	const long at[] = { 0, 10, 10, 10, 30, 30, 50 };
	assert_int_equal(n, 8);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(ev[i].kind, LS_LESSON_EV_CAPTION);
		assert_string_equal(ev[i].action->text, want[i]);
		assert_int_equal(ev[i].clock, at[i]);
	}
	assert_int_equal(ev[7].kind, LS_LESSON_EV_STOP);
	finish(r, s, l);
}

static void test_clock_across_restarts(void **state)
{
	(void)state;
	/* An init change restarts the session at step 0; the lesson clock goes on. */
	ls_lesson *l = parse_cat(small_approx, "at 50: set init large\n"
					       "at 80: caption \"x\"\n"
					       "after 60 when step >= 20: caption \"y\"\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	play(r, s, 200, 1000);
	size_t n;
	const ls_lesson_event *ev = ls_lesson_run_events(r, &n);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].kind, LS_LESSON_EV_SET);
	assert_int_equal(ev[0].clock, 50);
	assert_string_equal(ev[1].action->text, "y"); /* the session's step 20 = clock 70 */
	assert_int_equal(ev[1].clock, 70);
	assert_int_equal(ev[1].step, 20);
	assert_string_equal(ev[2].action->text, "x");
	assert_int_equal(ev[2].clock, 80);
	assert_int_equal(ev[2].step, 30);
	assert_int_equal(ls_session_steps(s), 150);
	assert_true(ls_lesson_run_finished(r));
	assert_int_equal(ls_lesson_run_budget(r), LONG_MAX);
	finish(r, s, l);

	/* A restart made by the front-end (the TUI's reset key) between polls. */
	l = parse_cat(small_approx, "at 100: stop\n");
	r = start(l, &s);
	const ls_lesson_event *e;
	ls_error err;
	assert_ok(ls_lesson_run_poll(r, s, &e, &n, &err));
	assert_int_equal(ls_lesson_run_budget(r), 100);
	assert_ok(ls_session_step(s, 40, &err));
	assert_ok(ls_lesson_run_poll(r, s, &e, &n, &err));
	assert_int_equal(ls_lesson_run_clock(r), 40);
	assert_ok(ls_session_reset(s, &err));
	assert_ok(ls_session_step(s, 10, &err));
	assert_ok(ls_lesson_run_poll(r, s, &e, &n, &err));
	assert_int_equal(ls_lesson_run_clock(r), 50);
	assert_int_equal(n, 0);
	assert_int_equal(ls_lesson_run_budget(r), 50);
	finish(r, s, l);
}

static void test_actions_and_refusals(void **state)
{
	(void)state;
	ls_lesson *l = parse_ok("set problem approx; set m 8; set n 8; set rank 4; set lr 0.1\n"
				"at 0: set rank 9; caption \"goes on\"\n"
				"at 5: kick 0.5; pause; reset\n"
				"after 20 when loss >= 0: stop\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	ls_error err;
	const ls_lesson_event *ev;
	size_t n;
	assert_ok(ls_lesson_run_poll(r, s, &ev, &n, &err));
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].kind, LS_LESSON_EV_REFUSED);
	assert_int_equal(ev[0].change.kind, LS_CHANGE_NONE);
	assert_non_null(strstr(ev[0].msg, "exceeds min(m, n) = 8"));
	assert_int_equal(ls_session_config(s)->rank, 4);
	assert_event_line(&ev[0], "[step 0] refused: set rank 9 (line 2): --rank: 9 exceeds "
				  "min(m, n) = 8");
	assert_int_equal(ev[1].kind, LS_LESSON_EV_CAPTION);
	assert_event_line(&ev[1], "[step 0] goes on");
	assert_int_equal(ls_lesson_run_budget(r), 5);

	assert_ok(ls_session_step(s, 5, &err));
	double norm_before = ls_session_metrics(s)->norm_fro;
	assert_ok(ls_lesson_run_poll(r, s, &ev, &n, &err));
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].kind, LS_LESSON_EV_KICK);
	assert_int_equal(ev[1].kind, LS_LESSON_EV_PAUSE);
	assert_int_equal(ev[2].kind, LS_LESSON_EV_RESET);
	assert_int_equal(ev[0].step, 5);
	assert_int_equal(ls_session_steps(s), 0); /* reset */
	assert_true(norm_before > 0);
	assert_event_line(&ev[0], "[step 5] kick 0.5");
	assert_event_line(&ev[1], "[step 5] pause");
	assert_event_line(&ev[2], "[step 5] reset");
	/* Their change records; the text without the step for logs that give it apart. */
	assert_int_equal(ev[0].change.kind, LS_CHANGE_KICK);
	assert_int_equal(ev[0].change.step, 5);
	assert_close(ev[0].change.scale, 0.5, 0, 0);
	assert_int_equal(ev[1].change.kind, LS_CHANGE_NONE);
	assert_int_equal(ev[2].change.kind, LS_CHANGE_RESET);
	assert_true(ev[2].change.restarted);
	char text[64];
	ls_lesson_event_text(&ev[0], text, sizeof text);
	assert_string_equal(text, "kick 0.5");
	/* The "when" rule waits for its "after" step: the budget runs to it, then goes to 1. */
	assert_int_equal(ls_lesson_run_budget(r), 15);
	assert_false(ls_lesson_run_finished(r));
	assert_ok(ls_session_step(s, 14, &err));
	assert_ok(ls_lesson_run_poll(r, s, &ev, &n, &err));
	assert_int_equal(n, 0);
	assert_int_equal(ls_lesson_run_budget(r), 1);
	assert_ok(ls_session_step(s, 1, &err));
	assert_ok(ls_lesson_run_poll(r, s, &ev, &n, &err));
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].kind, LS_LESSON_EV_STOP);
	assert_int_equal(ev[0].clock, 20);
	assert_event_line(&ev[0], "[step 20] stop");
	assert_true(ls_lesson_run_stopped(r));
	assert_true(ls_lesson_run_finished(r));
	assert_int_equal(ls_lesson_run_budget(r), 0);
	/* Nothing fires after stop. */
	assert_ok(ls_lesson_run_poll(r, s, &ev, &n, &err));
	assert_int_equal(n, 0);
	finish(r, s, l);
}

static void test_diverged_and_undefined(void **state)
{
	(void)state;
	ls_lesson *l = parse_ok("set problem approx; set m 8; set n 8; set rank 4; set lr 50; "
				"set init large\n"
				"when diverged: caption \"boom\"; set lr 0.1; reset\n"
				"at 200: stop\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	play(r, s, 100000, 1000);
	size_t n;
	const ls_lesson_event *ev = ls_lesson_run_events(r, &n);
	assert_int_equal(n, 4);
	assert_string_equal(ev[0].action->text, "boom");
	assert_true(ev[0].clock > 0 && ev[0].clock < 200);
	assert_int_equal(ev[1].kind, LS_LESSON_EV_SET);
	char want[64];
	snprintf(want, sizeof want, "[step %ld] set lr 0.1", ev[0].clock);
	assert_event_line(&ev[1], want);
	assert_int_equal(ev[2].kind, LS_LESSON_EV_RESET);
	assert_int_equal(ev[3].kind, LS_LESSON_EV_STOP);
	assert_false(ls_session_diverged(s));
	assert_int_equal(ls_session_steps(s), 200 - ev[0].clock);
	assert_true(ls_session_metrics(s)->loss < 1e3);
	finish(r, s, l);

	/* Without a baseline rstar, ratio and dist are undefined: every comparison is false. */
	const char *rules =
		"when rstar >= 0: caption \"r\"\nwhen dist != 5: caption \"d\"\n"
		"when ratio != 5: caption \"q\"\nwhen rank >= 0 and norm >= 0 and grad >= 0: "
		"caption \"n\"\nat 3: stop\n";
	l = parse_cat("set problem approx; set m 8; set n 8; set rank 4; set baseline off\n",
		      rules);
	r = start(l, &s);
	play(r, s, 100000, 1000);
	ev = ls_lesson_run_events(r, &n);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].action->text, "n");
	assert_int_equal(ev[1].kind, LS_LESSON_EV_STOP);
	finish(r, s, l);
	/* With one, rstar and dist are defined (ratio stays undefined while X = 0). */
	l = parse_cat("set problem approx; set m 8; set n 8; set rank 4\n", rules);
	r = start(l, &s);
	play(r, s, 100000, 1000);
	ev = ls_lesson_run_events(r, &n);
	assert_true(n >= 3);
	assert_string_equal(ev[0].action->text, "r");
	assert_string_equal(ev[1].action->text, "d");
	finish(r, s, l);
}

/* The clock of the first event whose caption is text, -1 if none. */
static long caption_clock(const ls_lesson_run *r, const char *text)
{
	size_t n;
	const ls_lesson_event *ev = ls_lesson_run_events(r, &n);
	for (size_t j = 0; j < n; j++)
		if (ev[j].kind == LS_LESSON_EV_CAPTION && strcmp(ev[j].action->text, text) == 0)
			return ev[j].clock;
	return -1;
}

/* The theory report's verdict on a fresh session of l run for `steps` steps. */
static ls_verdict verdict_after(const ls_lesson *l, long steps)
{
	ls_session *s = session_for(l);
	ls_error err;
	ls_theory_report rep;
	assert_ok(ls_session_step(s, steps, &err));
	assert_ok(ls_session_theory_report(s, &rep, &err));
	ls_session_free(s);
	return rep.verdict;
}

/* loud5 from a large initialisation ends at a spurious point: "verdict == spurious" fires at
 * a state the theory report calls spurious, at most LS_LESSON_VERDICT_EVERY steps after the
 * verdict turns (the report 101 steps earlier does not say spurious yet), and no "global" or
 * "n/a" rule fires. Polled every step, reports are computed only past the gate: far fewer
 * than the steps. */
static void test_verdict_spurious(void **state)
{
	(void)state;
	ls_lesson *l = parse_ok("set problem loud5; set rank 2; set lambda 0.01; set lr 0.02; "
				"set seed 1; set init custom; set init-a 2; set init-b 2\n"
				"when verdict == global: caption \"g\"\n"
				"when verdict == \"n/a\": caption \"na\"\n"
				"when verdict != not-stationary: caption \"st\"\n"
				"when verdict == spurious: caption \"s\"; stop\n"
				"at 40000: stop\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	play(r, s, 100000, 1000);
	long t = caption_clock(r, "s");
	assert_true(t > 0 && t < 40000);
	assert_int_equal(caption_clock(r, "st"), t);
	assert_int_equal(caption_clock(r, "g"), -1);
	assert_int_equal(caption_clock(r, "na"), -1);
	assert_int_equal(ls_session_steps(s), t);
	ls_theory_report rep;
	ls_error err;
	assert_ok(ls_session_theory_report(s, &rep, &err));
	assert_int_equal(rep.verdict, LS_VERDICT_SPURIOUS);
	assert_true(rep.mod[0].ratio > 0.5);
	assert_true(verdict_after(l, t - LS_LESSON_VERDICT_EVERY - 1) != LS_VERDICT_SPURIOUS);
	long reports = ls_lesson_run_reports(r);
	assert_true(reports >= 1);
	assert_true(reports <= 1 + (t - 1) / LS_LESSON_VERDICT_EVERY);
	assert_true(reports <= 20); /* the gate held the report back for thousands of steps */
	finish(r, s, l);
}

/* approx with weight decay converges to its global minimum: "verdict == global" fires where
 * the report agrees; an unreachable "verdict == spurious" keeps being tested while the run
 * sits at the minimum, and the rate limit allows one report per LS_LESSON_VERDICT_EVERY
 * steps (more than one, no more); a verdict rule whose cheap condition fails computes none. */
static void test_verdict_global(void **state)
{
	(void)state;
	ls_lesson *l = parse_cat(small_approx, "when verdict == global: caption \"g\"\n"
					       "when verdict == spurious: caption \"s\"\n"
					       "when verdict == saddle: caption \"sd\"\n"
					       "at 4000: stop\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	long t = -1, at_t = -1;
	ls_error err;
	for (;;) {
		const ls_lesson_event *ev;
		size_t nev;
		assert_ok(ls_lesson_run_poll(r, s, &ev, &nev, &err));
		if (t < 0 && (t = caption_clock(r, "g")) >= 0) {
			at_t = ls_lesson_run_reports(r);
			ls_theory_report rep;
			assert_ok(ls_session_theory_report(s, &rep, &err));
			assert_int_equal(rep.verdict, LS_VERDICT_GLOBAL);
		}
		if (ls_lesson_run_stopped(r))
			break;
		assert_ok(ls_session_step(s, ls_lesson_run_budget(r), &err));
	}
	assert_true(t > 0 && t < 3000);
	assert_true(verdict_after(l, t - LS_LESSON_VERDICT_EVERY - 1) != LS_VERDICT_GLOBAL);
	assert_int_equal(caption_clock(r, "s"), -1);
	assert_int_equal(caption_clock(r, "sd"), -1);
	/* From t to 4000 the run is at the minimum, the gate is open and every poll tests the
	 * spurious rule: reports come exactly once per LS_LESSON_VERDICT_EVERY steps. */
	long after = ls_lesson_run_reports(r) - at_t;
	long span = 4000 - t;
	assert_true(after >= span / LS_LESSON_VERDICT_EVERY - 1);
	assert_true(after <= span / LS_LESSON_VERDICT_EVERY + 1);
	finish(r, s, l);

	/* A verdict is computed only for a rule whose other conditions hold. */
	l = parse_cat(small_approx, "when loss < 0 and verdict == global: caption \"g\"\n"
				    "at 3000: stop\n");
	r = start(l, &s);
	play(r, s, 100000, 1000);
	assert_int_equal(caption_clock(r, "g"), -1);
	assert_int_equal(ls_lesson_run_reports(r), 0);
	finish(r, s, l);
}

/* A run that is not stationary (a tiny step): "verdict == global" never fires, and
 * "not-stationary" is answered by the gate alone, every step, without a single report. Without
 * a baseline every verdict comparison is false. */
static void test_verdict_gate(void **state)
{
	(void)state;
	const char *rules = "when verdict == global: caption \"g\"\n"
			    "when verdict != global: caption \"ng\"\n"
			    "after 1000 when verdict == not-stationary: caption \"ns\"\n"
			    "at 2000: stop\n";
	ls_lesson *l = parse_cat("set problem approx; set m 20; set n 16; set true-rank 3; "
				 "set rank 6; set lambda 0.2; set lr 0.0001\n",
				 rules);
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	play(r, s, 100000, 1000);
	assert_int_equal(caption_clock(r, "g"), -1);
	assert_int_equal(caption_clock(r, "ng"), 0);
	assert_int_equal(caption_clock(r, "ns"), 1000);
	assert_int_equal(ls_lesson_run_reports(r), 0);
	ls_theory_report rep;
	ls_error err;
	assert_ok(ls_session_theory_report(s, &rep, &err));
	assert_int_equal(rep.verdict, LS_VERDICT_NOT_STATIONARY);
	finish(r, s, l);

	l = parse_cat("set problem approx; set m 20; set n 16; set true-rank 3; set rank 6; "
		      "set lambda 0.2; set lr 0.1; set baseline off\n",
		      rules);
	r = start(l, &s);
	play(r, s, 100000, 1000);
	assert_int_equal(caption_clock(r, "g"), -1);
	assert_int_equal(caption_clock(r, "ng"), -1);
	assert_int_equal(caption_clock(r, "ns"), -1);
	assert_int_equal(ls_lesson_run_reports(r), 0);
	finish(r, s, l);
}

/* regime reads the metrics: regression knows its exact α, β (special for κ < 2), and a
 * change of κ moves it to generic at once; the metrics say the same. */
static void test_regime(void **state)
{
	(void)state;
	ls_lesson *l = parse_ok("set problem regression; set m 8; set n 8; set true-rank 2; "
				"set rank 3; set kappa 1.5\n"
				"when regime == special: caption \"sp\"\n"
				"when regime == generic: caption \"ge\"\n"
				"when regime != special and regime != generic: caption \"x\"\n"
				"at 10: set kappa 8\n"
				"at 20: stop\n");
	ls_session *s;
	ls_lesson_run *r = start(l, &s);
	assert_int_equal(ls_session_metrics(s)->mod[0].regime_exact, LS_REGIME_SPECIAL);
	play(r, s, 100000, 1000);
	assert_int_equal(caption_clock(r, "sp"), 0);
	assert_int_equal(caption_clock(r, "ge"), 10);
	assert_int_equal(caption_clock(r, "x"), -1);
	assert_int_equal(ls_session_metrics(s)->mod[0].regime_exact, LS_REGIME_GENERIC);
	assert_int_equal(ls_lesson_run_reports(r), 0);
	finish(r, s, l);
}

/* A caption's "{FIELD}"s read the values at the moment it is shown: each number within the
 * rounding of 4 significant digits of the metrics after the poll, the names those of the
 * verdict and regime; braces that are no field stay. */
static void check_fields(const ls_lesson_event *ev, ls_session *s)
{
	const ls_metrics *m = ls_session_metrics(s);
	const ls_module_metrics *m0 = &m->mod[0];
	double alpha = isfinite(m0->alpha_exact) ? m0->alpha_exact : m0->alpha_hat;
	double beta = isfinite(m0->beta_exact) ? m0->beta_exact : m0->beta_hat;
	double want[] = { (double)ls_session_steps(s),
			  m->loss,
			  m->grad_norm,
			  (double)m->num_rank,
			  (double)m->rstar,
			  m->ratio,
			  m->norm_fro,
			  m->dist_star,
			  m->threshold,
			  alpha,
			  beta };
	const char *names[] = { "step", "loss", "grad",      "rank",  "rstar", "ratio",
				"norm", "dist", "threshold", "alpha", "beta" };
	assert_int_equal(ev->kind, LS_LESSON_EV_CAPTION);
	const char *p = ev->text;
	for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
		char label[32];
		snprintf(label, sizeof label, "%s=", names[k]);
		p = strstr(p, label);
		assert_non_null(p);
		p += strlen(label);
		if (!isfinite(want[k])) { /* undefined: "n/a" */
			if (strncmp(p, "n/a ", 4) != 0)
				fail_msg("{%s}: not n/a in '%s'", names[k], ev->text);
			continue;
		}
		char *end;
		double got = strtod(p, &end);
		if (end == p)
			fail_msg("{%s}: no number in '%s'", names[k], ev->text);
		if (fabs(got - want[k]) > 5e-4 * fabs(want[k]) + 1e-300)
			fail_msg("{%s}: caption says %g, the metrics %.17g (%s)", names[k], got,
				 want[k], ev->text);
	}
	assert_non_null(strstr(p, " #{i : x} {NotAField}"));
}

static void test_caption_fields(void **state)
{
	(void)state;
	const char *fields = "caption \"step={step} loss={loss} grad={grad} rank={rank} "
			     "rstar={rstar} ratio={ratio} norm={norm} dist={dist} "
			     "threshold={threshold} alpha={alpha} beta={beta} #{i : x} "
			     "{NotAField} v={verdict} g={regime}\"";
	char text[2048];
	/* approx: exact alpha, beta; loud5: estimated (the caption estimates them). */
	const char *setups[] = { small_approx, "set problem loud5; set rank 2; set init zero; "
					       "set init-a 2; set init-b 2; set lr 0.02\n" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(text, sizeof text, "%sat 0: %s\nat 300: %s\n", setups[i], fields, fields);
		ls_lesson *l = parse_ok(text);
		ls_session *s;
		ls_lesson_run *r = start(l, &s);
		ls_error err;
		const ls_lesson_event *ev;
		size_t nev;
		for (int k = 0; k < 2; k++) {
			if (k && ls_session_step(s, 300, &err) != LS_OK)
				fail_msg("step: %s", err.msg);
			if (ls_lesson_run_poll(r, s, &ev, &nev, &err) != LS_OK)
				fail_msg("poll: %s", err.msg);
			assert_int_equal(nev, 1);
			check_fields(&ev[0], s);
			char want[64];
			snprintf(
				want, sizeof want, " g=%s",
				ls_regime_names[ls_session_metrics(s)->mod[0].regime_exact !=
								LS_REGIME_UNKNOWN
							? ls_session_metrics(s)->mod[0].regime_exact
							: ls_session_metrics(s)->mod[0].regime]);
			assert_non_null(strstr(ev[0].text, want));
			assert_non_null(strstr(ev[0].text, " v=not-stationary"));
		}
		finish(r, s, l);
	}
	/* "is" reads as "==" for the verdict and the regime. */
	ls_lesson *l = parse_ok("when verdict is spurious: stop\nwhen regime is generic: stop\n");
	assert_int_equal(l->rules[0].cond[0].var, LS_LESSON_VAR_VERDICT);
	assert_int_equal(l->rules[0].cond[0].op, LS_LESSON_EQ);
	assert_int_equal((int)l->rules[0].cond[0].value, LS_VERDICT_SPURIOUS);
	assert_int_equal(l->rules[1].cond[0].op, LS_LESSON_EQ);
	assert_int_equal((int)l->rules[1].cond[0].value, LS_REGIME_GENERIC);
	ls_lesson_free(l);
	parse_fails("when loss is 3: stop\n", 1, 11, "a comparison");
	/* A word in braces must be a field. */
	parse_fails("at 0: caption \"x\" \"a {lose} b\"\n", 1, 15, "unknown caption field {lose}");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every lesson in demos/lessons parses, sets up a valid run and plays headless to its stop,
 * with no change refused and every rule fired (so each "when" in it really happens). */
static void test_shipped_lessons(void **state)
{
	(void)state;
	DIR *d = opendir(LS_LESSON_DIR);
	assert_non_null(d);
	char *names[64];
	size_t count = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t len = strlen(e->d_name);
		if (len > 7 && strcmp(e->d_name + len - 7, ".lesson") == 0 && count < 64)
			names[count++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, count, sizeof *names, by_name);
	const char *required[] = { "init-fails-loudly.lesson", "mk-step.lesson",
				   "rank-accuracy.lesson", "regimes.lesson",
				   "weight-decay.lesson" };
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		assert_non_null(bsearch(&required[i], names, count, sizeof *names, by_name));
	for (size_t i = 0; i < count; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", LS_LESSON_DIR, names[i]);
		ls_lesson *l;
		ls_error err;
		if (ls_lesson_load(path, &l, &err) != LS_OK)
			fail_msg("%s", err.msg);
		assert_non_null(l->title);
		ls_session *s;
		ls_lesson_run *r = start(l, &s);
		play(r, s, 40000, 5000);
		if (!ls_lesson_run_stopped(r))
			fail_msg("%s: did not reach its stop (clock %ld)", names[i],
				 ls_lesson_run_clock(r));
		size_t n, captions = 0;
		const ls_lesson_event *ev = ls_lesson_run_events(r, &n);
		for (size_t k = 0; k < l->nrules; k++) {
			bool fired = false;
			for (size_t j = 0; j < n; j++)
				fired = fired || ev[j].rule == &l->rules[k];
			if (!fired)
				fail_msg("%s:%zu: the rule never fired", names[i],
					 l->rules[k].pos.line);
		}
		for (size_t j = 0; j < n; j++) {
			char line[LS_ERROR_MSG_MAX + 512];
			ls_lesson_event_format(&ev[j], line, sizeof line);
			if (ev[j].kind == LS_LESSON_EV_REFUSED)
				fail_msg("%s: %s", names[i], line);
			captions += ev[j].kind == LS_LESSON_EV_CAPTION;
		}
		assert_true(captions >= 3);
		finish(r, s, l);
		free(names[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_construct),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_at_exact_step),
		cmocka_unit_test(test_when_fires_once),
		cmocka_unit_test(test_caption_order),
		cmocka_unit_test(test_clock_across_restarts),
		cmocka_unit_test(test_actions_and_refusals),
		cmocka_unit_test(test_diverged_and_undefined),
		cmocka_unit_test(test_verdict_spurious),
		cmocka_unit_test(test_verdict_global),
		cmocka_unit_test(test_verdict_gate),
		cmocka_unit_test(test_regime),
		cmocka_unit_test(test_caption_fields),
		cmocka_unit_test(test_shipped_lessons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
