/* worker_commands.c — the training thread's commands: each ls_cmd of the UI applied to
 * the session between batches (parameters set, scaled, stepped and cycled with the
 * presets' rank rule; pause, one step, reset, kick, the speed cap, trace and snapshot
 * files), a lesson's events (caption, pause, stop, its changes, its "when diverged" rules
 * when the run diverges, fast-forward to its next caption), and the message line that
 * says what happened, naming the keys of the UI's key map. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/optim_kinds.h"
#include "lorascope/peft_save.h"
#include "lorascope/snapshot.h"
#include "lorascope/trace.h"
#include "ahead.h"
#include "worker_pacing.h"
#include "worker_priv.h"

#define KICK_SCALE 0.3

void ls_worker_event(ls_worker *w, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->event, sizeof w->event, fmt, ap);
	va_end(ap);
	w->event_error = error;
	w->event_seq++;
}

/* "<what>lower the step size (e) and reset (x)", naming the keys of the key map. */
void ls_worker_diverged_event(ls_worker *w, const char *what)
{
	char lr[LS_KEYS_HINT_LEN], reset[LS_KEYS_HINT_LEN];
	ls_worker_event(w, true, "%slower the step size (%s) and reset (%s)", what,
			ls_keys_hint(&w->keys, LS_ACT_LR_DOWN, lr, sizeof lr),
			ls_keys_hint(&w->keys, LS_ACT_RESET, reset, sizeof reset));
}

/* The current text of a parameter. */
static void current(ls_worker *w, ls_param_id id, char *buf, size_t len)
{
	ls_config_format(ls_session_config(w->s), id, buf, len);
}

/* param := text; M: the matrix of a file parameter's new file (NULL: none). */
static void apply_set(ls_worker *w, const char *param, const char *text, const ls_mat *M)
{
	ls_error err;
	if (!ls_param_find(param)) {
		ls_worker_event(w, true, "unknown parameter '%s'", param);
		return;
	}
	bool was_div = ls_session_diverged(w->s);
	ls_change ch;
	ls_status st = M ? ls_session_set_file(w->s, param, text, M, &ch, &err)
			 : ls_session_set(w->s, param, text, &ch, &err);
	if (st != LS_OK) {
		ls_worker_event(w, true, "refused: %s", err.msg);
		return;
	}
	char what[sizeof w->event];
	ls_change_format(&ch, what, sizeof what);
	ls_worker_event(w, false, "%s", what);
	/* A restart leaves the diverged state: run again. */
	if (was_div && !ls_session_diverged(w->s))
		w->paused = false;
}

/* The p key and F2's problem: the new problem, at the rank a preset is built to show when
 * entering one (its type's showcase_rank: the default 8 does not fit their shapes) and back at
 * the user's rank when leaving the presets. The rank changes first when it shrinks (the
 * current problem holds the smaller rank), after the problem when it grows; then a restart. */
static void cycle_problem(ls_worker *w, const char *name, int prob)
{
	ls_error err;
	const ls_config *cfg = ls_session_config(w->s);
	long rank = cfg->rank, want = rank;
	char from[32], rtext[32];
	snprintf(from, sizeof from, "%s", ls_problem_names[cfg->problem]);
	long showcase = ls_problem_types[prob]->showcase_rank;
	if (showcase) {
		if (!w->user_rank)
			w->user_rank = rank;
		want = showcase;
	} else if (w->user_rank) {
		want = w->user_rank;
		w->user_rank = 0;
	}
	if (want == rank) {
		apply_set(w, "problem", name, NULL);
		return;
	}
	snprintf(rtext, sizeof rtext, "%ld", want);
	bool was_div = ls_session_diverged(w->s);
	ls_status st = want < rank ? ls_session_set(w->s, "rank", rtext, NULL, &err) : LS_OK;
	if (st == LS_OK)
		st = ls_session_set(w->s, "problem", name, NULL, &err);
	if (st == LS_OK && want > rank) {
		st = ls_session_set(w->s, "rank", rtext, NULL, &err);
		if (st == LS_OK)
			st = ls_session_reset(w->s, &err);
	}
	if (st != LS_OK) {
		ls_worker_event(w, true, "refused: %s", err.msg);
		return;
	}
	char down[LS_KEYS_HINT_LEN], up[LS_KEYS_HINT_LEN];
	if (showcase)
		ls_worker_event(
			w, false,
			"problem: %s -> %s, rank %ld -> %ld (the rank it is built for; %s/%s "
			"change it): restarted",
			from, name, rank, want,
			ls_keys_hint(&w->keys, LS_ACT_RANK_DOWN, down, sizeof down),
			ls_keys_hint(&w->keys, LS_ACT_RANK_UP, up, sizeof up));
	else
		ls_worker_event(w, false,
				"problem: %s -> %s, rank %ld -> %ld (back to yours): restarted",
				from, name, rank, want);
	if (was_div && !ls_session_diverged(w->s))
		w->paused = false;
}

/* The history as a trace with the parameter header (trace.h), CSV or JSON Lines by the
 * name's extension (CSV when it has none of theirs). */
static void apply_trace(ls_worker *w, const char *path)
{
	ls_error err;
	ls_trace_format fmt;
	if (!ls_trace_format_of_path(path, &fmt))
		fmt = LS_TRACE_CSV;
	if (ls_trace_save_history(path, fmt, ls_session_config(w->s), ls_session_history(w->s),
				  &err) != LS_OK)
		ls_worker_event(w, true, "trace: %s", err.msg);
	else
		ls_worker_event(w, false, "trace written to %s (%zu rows; lorascope replay %s)",
				path, ls_session_history(w->s)->len, path);
}

/* The save-peft key: the current state as DIR/checkpoint-N, the history as its log. */
static void save_peft(ls_worker *w)
{
	ls_error err;
	ls_peft_log log = { 0 };
	const ls_history *h = ls_session_history(w->s);
	ls_peft_save_opts o = { .max_steps = ls_session_steps(w->s),
				.logging_steps = h->stride,
				.log = &log };
	char written[4400];
	ls_status st = ls_peft_log_from_history(&log, h, &err);
	if (st == LS_OK)
		st = ls_peft_save(w->s, w->save_peft, &o, written, sizeof written, &err);
	ls_peft_log_free(&log);
	if (st != LS_OK)
		ls_worker_event(w, true, "save-peft: %s", err.msg);
	else
		ls_worker_event(w, false, "adapter of step %ld saved to %s/ (lorascope watch %s)",
				ls_session_steps(w->s), written, w->save_peft);
}

/* The speed keys: the cap times factor (worker_pacing.h), the bucket emptied. */
static void apply_speed(ls_worker *w, double factor)
{
	double v = ls_pacing_speed(w->speed, factor, w->rate);
	w->speed = v;
	w->tokens = 0;
	w->bucket_t = ls_worker_now();
	if (v == 0)
		ls_worker_event(w, false, "speed: unlimited");
	else
		ls_worker_event(w, false, "speed: at most %.0f steps/s", v);
}

void ls_worker_apply(ls_worker *w, const ls_cmd *c)
{
	ls_error err;
	const ls_param_info *p = c->kind <= LS_CMD_CYCLE ? ls_param_find(c->param) : NULL;
	char val[64];
	switch (c->kind) {
	case LS_CMD_SET: {
		/* F2's problem: the presets' rank rule of the p key as well. */
		int prob = -1;
		for (int k = 0; strcmp(c->param, "problem") == 0 && ls_problem_names[k]; k++)
			if (strcmp(ls_problem_names[k], c->text) == 0)
				prob = k;
		if (prob >= 0)
			cycle_problem(w, c->text, prob);
		else
			apply_set(w, c->param, c->text, c->mat.data ? &c->mat : NULL);
		break;
	}
	case LS_CMD_SCALE: {
		if (!p || p->type != LS_P_REAL) {
			ls_worker_event(w, true, "'%s' is not a real parameter", c->param);
			break;
		}
		ls_cmd_value(ls_session_config(w->s), c, val, sizeof val);
		apply_set(w, c->param, val, NULL);
		break;
	}
	case LS_CMD_ADD: {
		if (!p || p->type != LS_P_INT) {
			ls_worker_event(w, true, "'%s' is not an integer parameter", c->param);
			break;
		}
		/* The r key at the bottom: say so, rather than the parameter's range. */
		if (!ls_cmd_value(ls_session_config(w->s), c, val, sizeof val)) {
			current(w, (ls_param_id)(p - ls_params), val, sizeof val);
			ls_worker_event(w, true, "%s is already %s, the smallest", c->param, val);
			break;
		}
		apply_set(w, c->param, val, NULL);
		break;
	}
	case LS_CMD_CYCLE: {
		if (!p || p->type != LS_P_CHOICE || !p->choices) {
			ls_worker_event(w, true, "'%s' is not a choice", c->param);
			break;
		}
		int next = ls_cmd_choice_next(ls_session_config(w->s), p, (int)c->factor);
		if (p == &ls_params[LS_PARAM_problem]) {
			cycle_problem(w, p->choices[next], next);
		} else {
			apply_set(w, c->param, p->choices[next], NULL);
			/* MATH.md §2: say what AdamW's verdict means as it is chosen. */
			if (p == &ls_params[LS_PARAM_optimizer] && next == LS_OPTIM_ADAMW &&
			    !w->event_error)
				ls_worker_event(
					w, false,
					"optimizer -> adamw: decoupled decay, not descent on f + "
					"lambda|X|_* (its verdict may stay 'not stationary')");
		}
		break;
	}
	case LS_CMD_PAUSE:
		w->paused = !w->paused;
		w->lesson_wait = false;
		w->ffwd = false;
		w->tokens = 0;
		w->bucket_t = w->rate_t0 = ls_worker_now();
		w->rate_steps = 0;
		ls_worker_event(w, false, w->paused ? "paused" : "running");
		break;
	case LS_CMD_STEP:
		w->paused = true;
		w->lesson_wait = false;
		w->ffwd = false;
		ls_worker_lesson_poll(w);
		/* A lesson's pause fired before this step: wait for the key first. */
		if (w->lesson_wait)
			break;
		if (ls_session_diverged(w->s))
			ls_worker_diverged_event(w, "diverged: ");
		else if (ls_session_step(w->s, 1, &err) != LS_OK)
			ls_worker_event(w, true, "step: %s", err.msg);
		else if (ls_session_diverged(w->s)) {
			ls_worker_on_diverged(w);
			w->paused = true;
		} else
			ls_worker_event(w, false, "one step: now at step %ld",
					ls_session_steps(w->s));
		break;
	case LS_CMD_FFWD:
		if (!w->player || w->lesson_done) {
			ls_worker_event(w, true, "fast-forward: no lesson is playing");
			break;
		}
		w->ffwd = true;
		w->paused = false;
		w->lesson_wait = false;
		w->rate_t0 = ls_worker_now();
		w->rate_steps = 0;
		ls_worker_event(w, false, "fast-forward: no speed cap until the next caption");
		break;
	case LS_CMD_RESET:
		if (ls_session_reset(w->s, &err) != LS_OK) {
			ls_worker_event(w, true, "reset: %s", err.msg);
			break;
		}
		w->paused = false;
		ls_worker_event(w, false, "reset to step 0");
		break;
	case LS_CMD_KICK:
		if (ls_session_kick(w->s, KICK_SCALE, &err) != LS_OK)
			ls_worker_event(w, true, "kick: %s", err.msg);
		else
			ls_worker_event(w, false,
					"kicked: A and B perturbed by %.0f%% of their RMS",
					100 * KICK_SCALE);
		break;
	case LS_CMD_SPEED:
		apply_speed(w, c->factor);
		break;
	case LS_CMD_TRACE: {
		/* Named for the step it ends at, as the worker writes it (not as the key saw it).
		 */
		char path[64];
		snprintf(path, sizeof path, "lorascope-trace-step%ld.csv", ls_session_steps(w->s));
		apply_trace(w, c->text[0] ? c->text : path);
		break;
	}
	case LS_CMD_PEFT:
		save_peft(w);
		break;
	case LS_CMD_SNAPSHOT: {
		char dir[64];
		snprintf(dir, sizeof dir, "lorascope-step%ld", ls_session_steps(w->s));
		const char *to = c->text[0] ? c->text : dir;
		/* A snapshot holds X*: a baseline still being computed is finished first. */
		if (ls_session_baseline_wait(w->s, &err) != LS_OK ||
		    ls_session_save(w->s, to, &err) != LS_OK)
			ls_worker_event(w, true, "snapshot: %s", err.msg);
		else
			ls_worker_event(w, false,
					"snapshot of step %ld saved to %s/ (lorascope --resume %s)",
					ls_session_steps(w->s), to, to);
		break;
	}
	}
}

/* Poll the lesson before steps (see worker_priv.h). */
long ls_worker_lesson_poll(ls_worker *w)
{
	if (!w->player || w->lesson_done)
		return LONG_MAX;
	const ls_lesson_event *ev;
	size_t nev;
	ls_error err;
	if (ls_lesson_run_poll(w->player, w->s, &ev, &nev, &err) != LS_OK) {
		w->lesson_done = true;
		w->paused = true;
		ls_worker_event(w, true, "lesson: %s", err.msg);
		return 0;
	}
	size_t ncap = 0;
	for (size_t i = 0; i < nev; i++) {
		char line[LS_ERROR_MSG_MAX + 64];
		ls_lesson_event_format(&ev[i], line, sizeof line);
		switch (ev[i].kind) {
		case LS_LESSON_EV_CAPTION:
			/* Captions of one poll (rules due together) are shown together. */
			if (ncap++ == 0)
				snprintf(w->caption, sizeof w->caption, "%s", ev[i].text);
			else
				snprintf(w->caption + strlen(w->caption),
					 sizeof w->caption - strlen(w->caption), "\n%s",
					 ev[i].text);
			w->caption_seq++;
			w->ffwd = false;
			break;
		case LS_LESSON_EV_PAUSE:
			w->ffwd = false;
			w->paused = true;
			w->lesson_wait = true;
			ls_worker_event(w, false, "lesson paused: press any key to go on");
			break;
		case LS_LESSON_EV_STOP:
			w->ffwd = false;
			w->lesson_done = true;
			w->paused = true;
			ls_worker_event(w, false, "lesson over: paused (the keys work as usual)");
			break;
		case LS_LESSON_EV_REFUSED:
			ls_worker_event(w, true, "lesson: %s", line);
			break;
		case LS_LESSON_EV_SET:
		case LS_LESSON_EV_KICK:
		case LS_LESSON_EV_RESET:
			ls_worker_event(w, false, "lesson: %s", line);
			ls_worker_flow_restart(w);
			break;
		}
	}
	if (!w->lesson_done && ls_lesson_run_finished(w->player))
		w->lesson_done = true;
	if (w->lesson_done)
		w->ffwd = false;
	if (w->paused)
		return 0;
	return w->lesson_done ? LONG_MAX : ls_lesson_run_budget(w->player);
}

void ls_worker_on_diverged(ls_worker *w)
{
	w->paused = true;
	/* The session's reason, else the step. */
	const char *why = ls_session_metrics(w->s)->message;
	char what[LS_METRICS_MSG_MAX + 32];
	if (why[0])
		snprintf(what, sizeof what, "%s: paused; ", why);
	else
		snprintf(what, sizeof what, "diverged at step %ld: paused; ",
			 ls_session_steps(w->s));
	ls_worker_diverged_event(w, what);
	if (!w->player || w->lesson_done)
		return;
	ls_worker_lesson_poll(w);
	if (!ls_session_diverged(w->s) && !w->lesson_wait && !w->lesson_done)
		w->paused = false;
}
