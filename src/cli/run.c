/* run.c — `lorascope run`: options (LS_PARAM_LIST and its own rows, opts.h), a headless loop. */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../plot/figure.h"
#include "cli.h"
#include "interrupt.h"
#include "lorascope/fileio.h"
#include "lorascope/lesson.h"
#include "lorascope/lesson_parse.h"
#include "lorascope/loader.h"
#include "lorascope/opts.h"
#include "lorascope/peft_save.h"
#include "lorascope/session.h"
#include "lorascope/snapshot.h"
#include "lorascope/trace.h"
#include "output.h"
#include "run_prepare.h"

/* A config parameter given on the command line (applied after a lesson's setup, or as a
 * mid-run change after --resume). */
typedef struct {
	const char *name, *value;
} given_param;

typedef struct {
	ls_config *cfg; /* the parameters given, applied over the defaults as they come */
	long steps, every;
	int format;
	bool no_timing, help, version;
	const char *trace, *snapshot, *resume, *lesson, *save_peft, *plot;
	bool steps_given;
	given_param given[LS_PARAM_COUNT * 4];
	size_t ngiven;
} run_options;

/* A parameter: applied to cfg and recorded. */
static ls_status run_param(void *target, const ls_opt *o, const char *value, ls_error *err)
{
	run_options *ro = target;
	if (ro->ngiven == sizeof ro->given / sizeof ro->given[0])
		return ls_error_set(err, LS_EINVAL, "too many options");
	ro->given[ro->ngiven++] = (given_param){ .name = o->name, .value = value };
	return ls_config_set(ro->cfg, o->name, value, err);
}

/* --steps notes that it was given: a lesson otherwise plays until it ends. */
static ls_status note_steps(void *target, const ls_opt *o, const char *value, ls_error *err)
{
	(void)o, (void)value, (void)err;
	((run_options *)target)->steps_given = true;
	return LS_OK;
}

#define RUN_PARAM_ROW(...) LS_OPT_PARAM_ROW(run_param, __VA_ARGS__)
static const ls_opt run_rows[] = {
	LS_PARAM_LIST(RUN_PARAM_ROW)
	/* The options of run only. */
	{ .name = "steps",
	  .kind = LS_OPT_INT,
	  .arg = "VALUE",
	  .group = "run",
	  .def = "3000",
	  .help = "optimiser steps to run",
	  .lo = 0,
	  .hi = 1e12,
	  .offset = offsetof(run_options, steps),
	  .call = note_steps },
	{ .name = "every",
	  .kind = LS_OPT_INT,
	  .arg = "VALUE",
	  .group = "run",
	  .def = "100",
	  .help = "print a row (and with --save-peft, write a checkpoint) every K steps; losses "
		  "every step, the spectrum, norms, distance to X* and rank only for rows, and for "
		  "the history when --plot or --snapshot keeps one (its losses at each of the "
		  "first " LS_HISTORY_MAX_TEXT " steps, then every 2nd, ...; its factor "
		  "metrics " LS_HISTORY_FACTOR_TEXT ")",
	  .lo = 1,
	  .hi = 1e12,
	  .offset = offsetof(run_options, every) },
	{ .name = "format",
	  .kind = LS_OPT_CHOICE,
	  .arg = "VALUE",
	  .group = "run",
	  .def = "table",
	  .help = "output: aligned table, csv or jsonl (JSON Lines)",
	  .choices = ls_out_format_names,
	  .offset = offsetof(run_options, format) },
	{ .name = "no-timing",
	  .kind = LS_OPT_FLAG,
	  .group = "run",
	  .help = "leave out steps/s so the output depends only on the options",
	  .offset = offsetof(run_options, no_timing) },
	{ .name = "trace",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "run",
	  .help = "also write the rows to FILE (CSV, or JSON Lines for .jsonl/.json; else as "
		  "--format), headed by every parameter; written atomically when the run ends",
	  .offset = offsetof(run_options, trace) },
	{ .name = "snapshot",
	  .kind = LS_OPT_TEXT,
	  .arg = "DIR",
	  .group = "run",
	  .help = "save the session to the directory DIR when the run ends (factors, optimiser "
		  "moments, rng state, history; see lorascope(1))",
	  .offset = offsetof(run_options, snapshot) },
	{ .name = "plot",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "run",
	  .help = "draw the TUI's panels as they stand when the run ends into FILE.svg, "
		  "FILE.png or FILE.pdf (lorascope plot's default size and light theme)",
	  .offset = offsetof(run_options, plot) },
	{ .name = "save-peft",
	  .kind = LS_OPT_TEXT,
	  .arg = "DIR",
	  .group = "run",
	  .help = "write DIR/checkpoint-N every --every steps and at the end, as a Hugging Face "
		  "Trainer does: a PEFT adapter (adapter_model.safetensors, adapter_config.json) "
		  "and trainer_state.json, for lorascope watch, inspect and PEFT",
	  .offset = offsetof(run_options, save_peft) },
	{ .name = "resume",
	  .kind = LS_OPT_TEXT,
	  .arg = "DIR",
	  .group = "run",
	  .help = "continue the run saved in DIR for --steps more steps; parameters given as "
		  "well are changed as mid-run changes",
	  .offset = offsetof(run_options, resume) },
	{ .name = "lesson",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "run",
	  .help = "play the lesson FILE headless: its setup first, then these options; captions "
		  "printed, pauses ignored; --steps counts the lesson clock (default: until it "
		  "stops or every rule has fired, at most 10^6 steps)",
	  .offset = offsetof(run_options, lesson) },
	LS_OPT_MAX_MEMORY_ROW("run"),
	LS_OPT_HELP_ROW(run_options, help, "run"),
	{ .name = "version",
	  .kind = LS_OPT_FLAG,
	  .group = "run",
	  .help = "print the version and exit",
	  .offset = offsetof(run_options, version) },
};
#undef RUN_PARAM_ROW

static const ls_opts_spec run_spec = {
	.opts = run_rows,
	.nopts = sizeof run_rows / sizeof run_rows[0],
	.usage = "usage: lorascope run [options]\n"
		 "       lorascope run --resume DIR [--steps T] [options]\n"
		 "       lorascope run --lesson FILE [options]\n\n"
		 "Train LoRA factors headless on a synthetic problem and print a row every K\n"
		 "steps, then a summary with what Kim-Kim-Ryu's theorems say about the end point\n"
		 "(alpha^, beta^, regime, threshold 2a/b, lambda_min, Corollary 1, verdict).\n"
		 "Options take --name VALUE or --name=VALUE.\n"
		 "Exit status: 0 done, 1 runtime failure, 2 bad option, value, lesson or\n"
		 "snapshot, 3 diverged.\n",
};

/* Fill cfg and ro from argv; returns LS_EXIT_OK or LS_EXIT_USAGE (message printed). */
static int parse(int argc, char **argv, ls_config *cfg, run_options *ro)
{
	ls_config_defaults(cfg);
	ro->cfg = cfg;
	ls_error err;
	if (ls_opts_defaults(&run_spec, ro, &err) != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg);
		return LS_EXIT_FAILURE;
	}
	if (ls_opts_parse(&run_spec, argc, argv, ro, NULL, NULL, &err) != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	return LS_EXIT_OK;
}

/* Everything the loop needs; the loop runs inside the trace's atomic writer when there is
 * a trace, so a failed run leaves no trace file behind. */
typedef struct {
	ls_session *s;
	const run_options *ro;
	ls_out out;
	ls_trace_format tfmt;
	ls_lesson *lesson;
	ls_lesson_run *player;
	long start;      /* the session's step when this invocation began */
	long last_row;   /* the step of the last row written, -1 before the first */
	long last_ckpt;  /* the step of the last --save-peft checkpoint, -1 before the first */
	long max_steps;  /* the step the run ends at unless cut short (trainer_state.json) */
	ls_peft_log log; /* the rows so far, for trainer_state.json's log_history */
	long chunk;      /* steps per ls_session_step call: about 20 ms, so a signal stops soon */
	double flushed;  /* when stdout was last flushed */
	ls_error err;
	int rc; /* exit status decided inside the loop */
	/* The theory report of the summary, for --plot's verdict band. */
	bool has_rep;
	ls_theory_report rep;
} run_ctx;

/* Largest lesson clock a lesson plays to without --steps. */
#define LESSON_DEFAULT_LIMIT 1000000L

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One row to stdout (flushed, at most every 0.2 s: a pipe sees it soon) and the trace. */
static ls_status emit_row(run_ctx *c, FILE *trace)
{
	const ls_metrics *m = ls_session_metrics(c->s);
	c->last_row = ls_session_steps(c->s);
	ls_out_row(&c->out, m);
	if (seconds() - c->flushed >= 0.2 && fflush(c->out.f) == 0)
		c->flushed = seconds();
	if (c->ro->save_peft && ls_peft_log_add(&c->log, m, &c->err) != LS_OK)
		return LS_ENOMEM;
	return trace ? ls_trace_write_row(trace, c->tfmt, m, c->out.timing, &c->err) : LS_OK;
}

/* A lesson event to stdout and the trace (pauses are ignored headless). */
static ls_status emit_event(run_ctx *c, FILE *trace, const ls_lesson_event *ev)
{
	if (ev->kind == LS_LESSON_EV_PAUSE)
		return LS_OK;
	char text[LS_ERROR_MSG_MAX + 512];
	ls_lesson_event_text(ev, text, sizeof text); /* the step goes separately */
	const char *kind = ev->kind == LS_LESSON_EV_CAPTION ? "caption" : "lesson";
	ls_out_event(&c->out, kind, ev->clock, text);
	return trace ? ls_trace_write_event(trace, c->tfmt, kind, ev->clock, text, &c->err) : LS_OK;
}

/* --save-peft: DIR/checkpoint-N of the current state, with the rows so far as its log. */
static ls_status checkpoint(run_ctx *c)
{
	ls_peft_save_opts o = { .max_steps = c->max_steps,
				.save_steps = c->ro->every,
				.logging_steps = c->ro->every,
				.log = &c->log };
	c->last_ckpt = ls_session_steps(c->s);
	return ls_peft_save(c->s, c->ro->save_peft, &o, NULL, 0, &c->err);
}

/* k more steps, in calls of about 20 ms, ending early at a step boundary when a signal asks
 * to stop (interrupt.h) or the run diverges. The steps are the same however they are split. */
static ls_status step_some(run_ctx *c, long k)
{
	while (k > 0 && !ls_interrupt_signal() && !ls_session_diverged(c->s)) {
		long n = k < c->chunk ? k : c->chunk;
		double t0 = seconds();
		ls_status st = ls_session_step(c->s, n, &c->err);
		if (st != LS_OK)
			return st;
		double dt = seconds() - t0;
		if (dt < 0.005 && c->chunk < (1L << 24))
			c->chunk *= 2;
		else if (dt > 0.04 && c->chunk > 1)
			c->chunk /= 2;
		k -= n;
	}
	return LS_OK;
}

static ls_status run_loop(FILE *trace, const void *vctx, ls_error *err)
{
	run_ctx *c = (run_ctx *)vctx;
	const run_options *ro = c->ro;
	ls_status st = ls_run_prepare(c->s, c->player != NULL, &c->err);
	if (st == LS_OK && trace) {
		char steps[32], every[32], start[32];
		snprintf(steps, sizeof steps, "%ld", ro->steps);
		snprintf(every, sizeof every, "%ld", ro->every);
		snprintf(start, sizeof start, "%ld", c->start);
		char shape[96];
		const ls_problem *p = ls_session_problem(c->s);
		size_t used = 0;
		for (size_t k = 0; k < p->nmod && used < sizeof shape; k++)
			used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%zux%zu",
						 k ? "+" : "", p->shape[k].m, p->shape[k].n);
		ls_trace_kv kv[7];
		size_t n = 0;
		kv[n++] = (ls_trace_kv){ "shape", shape };
		kv[n++] = (ls_trace_kv){ "steps", steps };
		kv[n++] = (ls_trace_kv){ "every", every };
		kv[n++] = (ls_trace_kv){ "start_step", start };
		if (ro->lesson)
			kv[n++] = (ls_trace_kv){ "lesson", ro->lesson };
		if (ro->resume)
			kv[n++] = (ls_trace_kv){ "resume", ro->resume };
		st = ls_trace_write_header(trace, c->tfmt, ls_session_config(c->s), kv, n,
					   c->out.timing, &c->err);
	}
	if (st == LS_OK) {
		ls_out_header(&c->out, c->s);
		st = emit_row(c, trace);
	}
	/* Steps to run in this invocation: the lesson clock with a lesson, else session steps. */
	long limit = ro->steps;
	if (c->lesson && !ro->steps_given)
		limit = LESSON_DEFAULT_LIMIT;
	c->max_steps = c->start + limit;
	long done = 0;
	while (st == LS_OK && done < limit && !ls_interrupt_signal()) {
		if (c->player) {
			const ls_lesson_event *ev;
			size_t nev;
			st = ls_lesson_run_poll(c->player, c->s, &ev, &nev, &c->err);
			for (size_t i = 0; st == LS_OK && i < nev; i++)
				st = emit_event(c, trace, &ev[i]);
			done = ls_lesson_run_clock(c->player);
			if (st != LS_OK || ls_lesson_run_stopped(c->player) || done >= limit)
				break;
			if (ls_lesson_run_finished(c->player) && !ro->steps_given)
				break;
		}
		if (ls_session_diverged(c->s))
			break;
		st = ls_run_theory(c->s, c->player != NULL, &c->err); /* α̂, β̂ (run_prepare.h) */
		if (st != LS_OK)
			break;
		long step = ls_session_steps(c->s);
		long k = ro->every - step % ro->every;
		if (k > limit - done)
			k = limit - done;
		if (c->player) {
			long b = ls_lesson_run_budget(c->player);
			if (b <= 0)
				break;
			if (k > b)
				k = b;
		}
		st = step_some(c, k);
		if (st != LS_OK)
			break;
		long ran = ls_session_steps(c->s) - step;
		if (!c->player)
			done += ran;
		step = ls_session_steps(c->s);
		if (step % ro->every == 0 || (!c->player && done >= limit) ||
		    ls_session_diverged(c->s))
			st = emit_row(c, trace);
		if (st == LS_OK && ro->save_peft && step % ro->every == 0)
			st = checkpoint(c);
		/* A divergence ends the loop at the next poll unless a lesson rule (when
		 * diverged: ... reset) brings the run back. */
	}
	if (st == LS_OK && ls_interrupt_signal()) {
		/* Stopped by a signal: the row of the step reached, then the summary so far. */
		fprintf(stderr,
			"lorascope run: interrupted by %s at step %ld; writing what was done\n",
			strsignal(ls_interrupt_signal()), ls_session_steps(c->s));
		if (c->last_row != ls_session_steps(c->s))
			st = emit_row(c, trace);
	} else if (st == LS_OK && c->player) {
		/* Rules due at the last step (a caption at the end, "stop"). */
		const ls_lesson_event *ev;
		size_t nev;
		st = ls_lesson_run_poll(c->player, c->s, &ev, &nev, &c->err);
		for (size_t i = 0; st == LS_OK && i < nev; i++)
			st = emit_event(c, trace, &ev[i]);
		if (st == LS_OK && ls_session_steps(c->s) % ro->every != 0)
			st = emit_row(c, trace);
	}
	/* The final save, unless the last checkpoint holds this step already. */
	if (st == LS_OK && ro->save_peft && c->last_ckpt != ls_session_steps(c->s))
		st = checkpoint(c);
	if (st == LS_OK) /* α̂, β̂ drawn now if not yet (a diverged run's snapshot has them) */
		st = ls_session_alphabeta(c->s, NULL, &c->err);
	if (st != LS_OK) {
		*err = c->err;
		return st;
	}
	ls_theory_report rep;
	const ls_theory_report *prep = NULL;
	char why[LS_ERROR_MSG_MAX + 32] = "";
	if (!ls_session_baseline(c->s)) {
		snprintf(why, sizeof why, "skipped: no baseline (X*) to compare with");
	} else if (ls_session_diverged(c->s)) {
		snprintf(why, sizeof why, "skipped: the run diverged");
	} else {
		ls_error terr;
		ls_error_clear(&terr);
		if (ls_session_theory_report(c->s, &rep, &terr) == LS_OK) {
			prep = &rep;
			c->rep = rep;
			c->has_rep = true;
		} else
			snprintf(why, sizeof why, "failed: %s", terr.msg);
	}
	ls_out_summary(&c->out, c->s, prep, prep ? NULL : why);
	if (trace && ferror(trace))
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

/* Whether --plot FILE could be written: a figure's extension, a place we may write in. */
static ls_status plot_check(const char *path, ls_error *err)
{
	ls_fig_format fmt;
	if (!ls_fig_format_of_path(path, &fmt))
		return ls_error_set(err, LS_EINVAL,
				    "%s: unknown figure format (the name must end in .svg, .png or "
				    ".pdf)",
				    path);
	return ls_file_write_check(path, err);
}

/* --plot: the panels of the session as the run ends, with the summary's theory report. */
static ls_status write_plot(const run_ctx *c, const char *path, ls_error *err)
{
	ls_view v;
	memset(&v, 0, sizeof v);
	ls_status st = ls_view_session(&v, c->s, err);
	v.has_theory = c->has_rep;
	if (c->has_rep)
		v.rep = c->rep;
	ls_fig_opts o = { .width = LS_FIG_WIDTH, .height = LS_FIG_HEIGHT, .panel = LS_FIG_ALL };
	if (st == LS_OK)
		st = ls_fig_write(path, &v, &o, err);
	ls_view_free(&v);
	return st;
}

/* name := value on s; a new matrix file is read here and set with its matrix. */
static ls_status set_given(ls_session *s, const char *name, const char *value, ls_error *err)
{
	ls_mat M = { 0 };
	bool loaded;
	ls_status st = ls_input_load_change(ls_session_config(s), name, value, &M, &loaded, err);
	if (st == LS_OK)
		st = loaded ? ls_session_set_file(s, name, value, &M, NULL, err)
			    : ls_session_set(s, name, value, NULL, err);
	ls_mat_free(&M);
	return st;
}

/* Apply the parameters given on the command line to a resumed session, in order. */
static int apply_given(ls_session *s, const run_options *ro)
{
	for (size_t i = 0; i < ro->ngiven; i++) {
		ls_error err;
		ls_error_clear(&err);
		if (set_given(s, ro->given[i].name, ro->given[i].value, &err) != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n", err.msg);
			return LS_EXIT_USAGE;
		}
	}
	return LS_EXIT_OK;
}

/* The session to run: resumed, or built from the options (after a lesson's setup). */
static int make_session(run_ctx *c, ls_config *cfg, const run_options *ro)
{
	ls_error err;
	ls_error_clear(&err);
	if (ro->resume) {
		if (ro->lesson) {
			fprintf(stderr, "lorascope run: --lesson and --resume do not combine (a "
					"lesson sets its run up from the start)\n");
			return LS_EXIT_USAGE;
		}
		ls_status st = ls_session_load(&c->s, ro->resume, &err);
		if (st != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n",
				err.msg[0] ? err.msg : ls_strerror(st));
			return st == LS_ENOMEM ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
		}
		return apply_given(c->s, ro);
	}
	if (ro->lesson) {
		ls_status st = ls_lesson_load(ro->lesson, &c->lesson, &err);
		if (st == LS_OK) {
			ls_config_defaults(cfg);
			st = ls_lesson_configure(c->lesson, cfg, &err);
		}
		for (size_t i = 0; st == LS_OK && i < ro->ngiven; i++)
			st = ls_config_set(cfg, ro->given[i].name, ro->given[i].value, &err);
		if (st != LS_OK) {
			fprintf(stderr, "%s\n", err.msg[0] ? err.msg : ls_strerror(st));
			return st == LS_ENOMEM ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
		}
	}
	/* The files fix --m, --n, --samples, --rank unless given; given ones must agree. */
	bool given[LS_PARAM_COUNT] = { false };
	for (size_t i = 0; i < ro->ngiven; i++)
		given[ls_param_find(ro->given[i].name) - ls_params] = true;
	ls_problem_type_fit_rank(cfg, given[LS_PARAM_rank]);
	ls_inputs in;
	ls_status st = ls_inputs_load(cfg, given, &in, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg);
		return st == LS_ENOMEM ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
	}
	if (ls_config_check(cfg, &err) != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg);
		ls_inputs_free(&in);
		return LS_EXIT_USAGE;
	}
	/* The baseline comes in slices before the first row (prepare); changes compute theirs
	 * at once. */
	st = ls_session_create_deferred(&c->s, cfg, &in, &err);
	if (st == LS_OK)
		ls_session_defer_baseline(c->s, false);
	ls_inputs_free(&in);
	if (st == LS_OK && c->lesson)
		st = ls_lesson_run_new(&c->player, c->lesson, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg[0] ? err.msg : ls_strerror(st));
		return st == LS_ENOMEM || st == LS_ENUMERIC ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
	}
	return LS_EXIT_OK;
}

int ls_cli_run(int argc, char **argv)
{
	ls_config cfg;
	run_options ro;
	memset(&ro, 0, sizeof ro);
	int rc = parse(argc, argv, &cfg, &ro);
	if (rc != LS_EXIT_OK)
		return rc;
	if (ro.help) {
		ls_opts_help(&run_spec, stdout);
		return LS_EXIT_OK;
	}
	if (ro.version) {
		printf("lorascope %s\n", PACKAGE_VERSION);
		return LS_EXIT_OK;
	}
	/* The destinations are checked now, not after the run has been spent. */
	ls_error derr;
	const char *bad = NULL;
	if (ro.trace && ls_file_write_check(ro.trace, &derr) != LS_OK)
		bad = "trace";
	else if (ro.snapshot && ls_session_save_check(ro.snapshot, &derr) != LS_OK)
		bad = "snapshot";
	else if (ro.save_peft && ls_peft_save_check(ro.save_peft, &derr) != LS_OK)
		bad = "save-peft";
	else if (ro.plot && (plot_check(ro.plot, &derr) != LS_OK))
		bad = "plot";
	if (bad) {
		fprintf(stderr, "lorascope run: --%s: %s\n", bad, derr.msg);
		return LS_EXIT_USAGE;
	}
	run_ctx c = { .ro = &ro, .last_row = -1, .last_ckpt = -1, .chunk = 1 };
	ls_interrupt_install();
	rc = make_session(&c, &cfg, &ro);
	if (rc == LS_EXIT_OK) {
		/* Only --plot and --snapshot read the history: none is kept (nor measured) else. */
		ls_session_keep_history(c.s, ro.plot || ro.snapshot);
		c.start = ls_session_steps(c.s);
		c.out = (ls_out){ .f = stdout,
				  .fmt = (ls_out_format)ro.format,
				  .timing = !ro.no_timing };
		if (!ro.trace || !ls_trace_format_of_path(ro.trace, &c.tfmt))
			c.tfmt = ro.format == LS_OUT_JSONL ? LS_TRACE_JSONL : LS_TRACE_CSV;
		ls_error err;
		ls_error_clear(&err);
		ls_status st = ro.trace ? ls_file_write_atomic(ro.trace, run_loop, &c, &err)
					: run_loop(NULL, &c, &err);
		if (st != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n",
				err.msg[0] ? err.msg : ls_strerror(st));
			rc = LS_EXIT_FAILURE;
		} else if (ls_interrupt_signal()) {
			rc = 128 + ls_interrupt_signal();
		} else {
			rc = ls_session_diverged(c.s) ? LS_EXIT_DIVERGED : LS_EXIT_OK;
		}
		if (st == LS_OK && ro.plot && write_plot(&c, ro.plot, &err) != LS_OK) {
			fprintf(stderr, "lorascope run: plot: %s\n", err.msg);
			rc = LS_EXIT_FAILURE;
		}
		if (st == LS_OK && ro.snapshot) {
			st = ls_session_save(c.s, ro.snapshot, &err);
			if (st != LS_OK) {
				fprintf(stderr, "lorascope run: snapshot: %s\n", err.msg);
				rc = LS_EXIT_FAILURE;
			}
		}
	}
	ls_peft_log_free(&c.log);
	ls_lesson_run_free(c.player);
	ls_lesson_free(c.lesson);
	ls_session_free(c.s);
	if (fflush(stdout) != 0 && rc == LS_EXIT_OK)
		rc = LS_EXIT_FAILURE;
	ls_interrupt_restore();
	return rc;
}
