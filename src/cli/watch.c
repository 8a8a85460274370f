/* watch.c — `lorascope watch DIR --once | --follow`: the run-directory model (watch.h) as rows,
 * one per checkpoint and module (or the training curves with --curves), through output.c's
 * table, CSV and JSON Lines; --follow adds the rows of each checkpoint as it is completed
 * until SIGINT/SIGTERM/SIGHUP. Only formatting and the wait loop live here. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "interrupt.h"
#include "lorascope/adapter.h"
#include "lorascope/opts.h"
#include "lorascope/watch.h"
#include "output.h"
#include "../tui/tui.h"

/* Room for a name from a file as shown: every byte may become a 4-character escape. */
#define NAME_SHOWN 1024
#define SIGMA_TEXT 8192

typedef struct {
	bool once, follow, curves, sigma, poll, help;
	int format;
	double interval;
	ls_screen_opts look; /* the live view's (tui.h) */
} watch_options;

static const ls_opt watch_rows[] = {
	{ .name = "once",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "print one row per checkpoint and module (or the curves) and exit",
	  .offset = offsetof(watch_options, once) },
	{ .name = "follow",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "print the rows of the checkpoints there, then those of each new checkpoint "
		  "as it is completed, until interrupted (SIGINT, SIGTERM)",
	  .offset = offsetof(watch_options, follow) },
	{ .name = "format",
	  .kind = LS_OPT_CHOICE,
	  .arg = "FORMAT",
	  .group = "options",
	  .def = "table",
	  .help = "output format of the rows",
	  .choices = ls_out_format_names,
	  .offset = offsetof(watch_options, format) },
	{ .name = "curves",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "print the training curves (log_history of the newest trainer_state.json: "
		  "step, epoch, loss, eval_loss, grad_norm, learning_rate) instead",
	  .offset = offsetof(watch_options, curves) },
	{ .name = "sigma",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "add a column with every singular value of the module's update",
	  .offset = offsetof(watch_options, sigma) },
	{ .name = "poll",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "look for changes every --interval seconds instead of through inotify (the "
		  "default on NFS, CIFS/SMB and FUSE file systems, and when inotify fails)",
	  .offset = offsetof(watch_options, poll) },
	{ .name = "interval",
	  .kind = LS_OPT_REAL,
	  .arg = "S",
	  .group = "options",
	  .def = "1",
	  .help = "seconds between two looks at DIR when polling (with inotify: the longest "
		  "wait between two looks)",
	  .lo = 0.05,
	  .hi = 3600,
	  .offset = offsetof(watch_options, interval) },
	LS_SCREEN_OPT_ROWS(watch_options, look, "live view"),
	LS_OPT_MAX_MEMORY_ROW("options"),
	LS_OPT_HELP_ROW(watch_options, help, "options"),
};

static const ls_opts_spec watch_spec = {
	.opts = watch_rows,
	.nopts = sizeof watch_rows / sizeof watch_rows[0],
	.max_args = 1,
	.usage = "usage: lorascope watch DIR [--once | --follow] [options]\n\n"
		 "DIR is a training run's output directory (checkpoint-N/ subdirectories,\n"
		 "each a PEFT adapter, and trainer_state.json), a directory of adapters, or\n"
		 "one adapter. Per checkpoint and module: |dW|_F, |dW|_2, stable and\n"
		 "effective rank, the drift from the previous checkpoint having the module\n"
		 "(relative change, largest principal angle in degrees) and flags. A\n"
		 "checkpoint still being written is skipped until complete.\n"
		 "Without --once or --follow: the live view on the terminal (? for its keys).\n"
		 "Exit status 0; 2 for a bad DIR, file or option; 128 + the signal that ends\n"
		 "--follow.\n",
};

typedef struct {
	ls_out out;
	bool sigma;
	ls_out_col cols[14];
	size_t ncols;
} printer;

static void module_columns(printer *p, const ls_watch *w)
{
	int wc = 10, wm = 6;
	char shown[NAME_SHOWN];
	for (size_t i = 0; i < ls_watch_nckpt(w); i++) {
		int l = (int)strlen(
			ls_text_printable(shown, sizeof shown, ls_watch_ckpt_at(w, i)->name));
		wc = l > wc ? l : wc;
	}
	for (size_t j = 0; j < ls_watch_nmod(w); j++) {
		int l = (int)strlen(
			ls_text_printable(shown, sizeof shown, ls_watch_module_at(w, j)->name));
		wm = l > wm ? l : wm;
	}
	const ls_out_col cols[] = {
		{ "step", LS_COL_NUM, 8 },
		{ "checkpoint", LS_COL_TEXT, -wc },
		{ "module", LS_COL_TEXT, -wm },
		{ "out", LS_COL_NUM, 6 },
		{ "in", LS_COL_NUM, 6 },
		{ "r", LS_COL_NUM, 4 },
		{ "fro", LS_COL_NUM, 11 },
		{ "spec", LS_COL_NUM, 11 },
		{ "stable_rank", LS_COL_NUM, 11 },
		{ "effective_rank", LS_COL_NUM, 14 },
		{ "drift", LS_COL_NUM, 16 },
		{ "max_angle", LS_COL_NUM, 16 },
		{ "flags", LS_COL_TEXT, p->sigma ? -12 : -5 },
		{ "sigma", LS_COL_JSON, -5 },
	};
	p->ncols = sizeof cols / sizeof cols[0] - !p->sigma;
	memcpy(p->cols, cols, sizeof cols);
}

/* The drift or angle cell: the number, or why it is not defined (text in every format but
 * JSON, which gets null and a drift_why field). */
static void drift_cell(const printer *p, char *buf, size_t len, double v, const char *why)
{
	if (isfinite(v) || !why || p->out.fmt == LS_OUT_JSONL)
		ls_out_real(buf, len, v, p->out.fmt);
	else
		snprintf(buf, len, "%s", why);
}

static void print_ckpt(const printer *p, const ls_watch *w, const ls_watch_ckpt *k)
{
	static char sig[SIGMA_TEXT];
	char step[32], out[32], in[32], r[32], fro[64], spec[64], sr[64], er[64], drift[64],
		angle[64], flags[64], ck[NAME_SHOWN], mod[NAME_SHOWN];
	bool json = p->out.fmt == LS_OUT_JSONL;
	if (k->step >= 0)
		snprintf(step, sizeof step, "%ld", k->step);
	else
		snprintf(step, sizeof step, "%s", json ? "null" : "-");
	if (json)
		snprintf(ck, sizeof ck, "%s", k->name);
	else
		ls_text_printable(ck, sizeof ck, k->name);
	for (size_t j = 0; j < ls_watch_nmod(w); j++) {
		const ls_watch_cell *c = &k->cells[j];
		const ls_watch_module *m = ls_watch_module_at(w, j);
		if (!c->present)
			continue;
		if (json)
			snprintf(mod, sizeof mod, "%s", m->name);
		else
			ls_text_printable(mod, sizeof mod, m->name);
		snprintf(out, sizeof out, "%zu", m->out);
		snprintf(in, sizeof in, "%zu", m->in);
		snprintf(r, sizeof r, "%zu", m->r);
		ls_out_real(fro, sizeof fro, c->fro, p->out.fmt);
		ls_out_real(spec, sizeof spec, c->spec, p->out.fmt);
		ls_out_real(sr, sizeof sr, c->stable_rank, p->out.fmt);
		ls_out_real(er, sizeof er, c->effective_rank, p->out.fmt);
		drift_cell(p, drift, sizeof drift, c->drift, c->drift_why);
		/* The reason once: in the angle's cell only when the drift is a number. */
		drift_cell(p, angle, sizeof angle, c->angle_max,
			   isfinite(c->drift) ? c->drift_why : "-");
		ls_adapter_flags_text(c->flags, flags, sizeof flags);
		size_t n = 0;
		if (p->sigma) {
			n += (size_t)snprintf(sig, sizeof sig, "%s", json ? "[" : "");
			for (size_t i = 0; i < c->k && n < sizeof sig; i++) {
				char v[64];
				ls_out_real(v, sizeof v, c->sigma[i], p->out.fmt);
				n += (size_t)snprintf(sig + n, sizeof sig - n, "%s%s",
						      i ? (json ? "," : " ") : "", v);
			}
			if (n < sizeof sig)
				snprintf(sig + n, sizeof sig - n, "%s", json ? "]" : "");
		}
		const char *vals[] = { step, ck, mod, out,   in,    r,     fro,
				       spec, sr, er,  drift, angle, flags, sig };
		if (json && c->drift_why) {
			/* JSON's drift and max_angle are null: the reason in its own field. */
			ls_out_col cols[15];
			const char *v2[15];
			memcpy(cols, p->cols, p->ncols * sizeof *cols);
			memcpy(v2, vals, p->ncols * sizeof *v2);
			cols[p->ncols] = (ls_out_col){ "drift_why", LS_COL_TEXT, 0 };
			v2[p->ncols] = c->drift_why;
			ls_out_cols_row(&p->out, "module", cols, p->ncols + 1, v2);
		} else {
			ls_out_cols_row(&p->out, "module", p->cols, p->ncols, vals);
		}
	}
}

static const ls_out_col curve_cols[] = {
	{ "step", LS_COL_NUM, 10 },      { "epoch", LS_COL_NUM, 10 },
	{ "loss", LS_COL_NUM, 12 },      { "eval_loss", LS_COL_NUM, 12 },
	{ "grad_norm", LS_COL_NUM, 12 }, { "learning_rate", LS_COL_NUM, 14 },
};

static void print_curves(const printer *p, const ls_watch_curves *c, size_t from)
{
	const double *col[] = { c->step,      c->epoch,     c->loss,
				c->eval_loss, c->grad_norm, c->learning_rate };
	for (size_t i = from; i < c->n; i++) {
		char buf[6][64];
		const char *vals[6];
		for (size_t j = 0; j < 6; j++) {
			ls_out_real(buf[j], sizeof buf[j], col[j][i], p->out.fmt);
			vals[j] = buf[j];
		}
		ls_out_cols_row(&p->out, "log", curve_cols, 6, vals);
	}
}

/* What is printed of the run so far, to print only what is new. */
typedef struct {
	unsigned long last_seq;
	size_t ncurve;
	char source[4096]; /* the trainer_state.json the curve rows came from */
} seen;

static void print_new(const printer *p, const ls_watch *w, bool curves, seen *s)
{
	if (curves) {
		const ls_watch_curves *c = ls_watch_curves_get(w);
		if (c->source && strcmp(c->source, s->source) != 0) {
			snprintf(s->source, sizeof s->source, "%s", c->source);
			if (c->n < s->ncurve)
				s->ncurve = 0;
		}
		print_curves(p, c, s->ncurve);
		s->ncurve = c->n;
	} else {
		unsigned long top = s->last_seq;
		for (size_t i = 0; i < ls_watch_nckpt(w); i++) {
			const ls_watch_ckpt *k = ls_watch_ckpt_at(w, i);
			if (k->seq > s->last_seq) {
				print_ckpt(p, w, k);
				top = k->seq > top ? k->seq : top;
			}
		}
		s->last_seq = top;
	}
	fflush(p->out.f);
}

/* Wait for a change (the inotify descriptor) or the interval, a signal ending the wait. */
static void wait_change(const ls_watch *w)
{
	double left = ls_watch_interval(w);
	struct pollfd pfd = { .fd = ls_watch_fd(w), .events = POLLIN };
	while (left > 0 && !ls_interrupt_signal()) {
		double slice = left < 0.2 ? left : 0.2;
		int rc = poll(&pfd, pfd.fd >= 0 ? 1 : 0, (int)(slice * 1000));
		if (rc > 0)
			return;
		left -= slice;
	}
}

static int fail(ls_status s, const char *msg)
{
	fprintf(stderr, "lorascope watch: %s\n", msg);
	return s == LS_ENOMEM || s == LS_ENUMERIC ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
}

/* --once refuses what --follow would wait for: a checkpoint that does not load, a
 * trainer_state.json that does not parse, nothing to show. */
static int check_once(const ls_watch *w, bool curves)
{
	char msg[LS_ERROR_MSG_MAX + 64];
	if (curves) {
		const char *why = ls_watch_curves_problem(w);
		if (why)
			return fail(LS_EFORMAT, why);
		if (!ls_watch_curves_get(w)->source) {
			snprintf(msg, sizeof msg, "%s: no trainer_state.json", ls_watch_dir(w));
			return fail(LS_EIO, msg);
		}
		return LS_EXIT_OK;
	}
	if (ls_watch_npending(w)) {
		const char *why;
		ls_watch_pending_at(w, 0, &why);
		return fail(LS_EFORMAT, why);
	}
	if (!ls_watch_nckpt(w)) {
		snprintf(msg, sizeof msg, "%s: no checkpoints or adapters in this directory",
			 ls_watch_dir(w));
		return fail(LS_EIO, msg);
	}
	return LS_EXIT_OK;
}

int ls_cli_watch(int argc, char **argv)
{
	ls_keymap keys;
	ls_keymap_defaults(&keys);
	watch_options opt = { .look.km = &keys };
	const char *dir = NULL;
	ls_error err;
	if (ls_opts_defaults(&watch_spec, &opt, &err) != LS_OK ||
	    ls_opts_parse(&watch_spec, argc, argv, &opt, &dir, NULL, &err) != LS_OK) {
		fprintf(stderr, "lorascope watch: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	if (opt.help) {
		ls_opts_help(&watch_spec, stdout);
		return LS_EXIT_OK;
	}
	if (!dir) {
		fprintf(stderr, "lorascope watch: missing DIR, a training run's output directory "
				"(see --help)\n");
		return LS_EXIT_USAGE;
	}
	if (opt.once && opt.follow) {
		fprintf(stderr, "lorascope watch: --once and --follow exclude each other\n");
		return LS_EXIT_USAGE;
	}
	ls_watch_opts wo = { .poll = opt.poll, .interval = opt.interval };
	if (!opt.once && !opt.follow)
		return ls_tui_watch(dir, &wo, &opt.look);
	ls_watch *w;
	ls_error_clear(&err);
	ls_status st = ls_watch_open(&w, dir, &wo, &err);
	if (st != LS_OK)
		return fail(st, err.msg);
	int rc = opt.once ? check_once(w, opt.curves) : LS_EXIT_OK;
	printer p = { .out = { .f = stdout, .fmt = (ls_out_format)opt.format },
		      .sigma = opt.sigma };
	seen s = { 0 };
	if (rc == LS_EXIT_OK) {
		if (opt.curves) {
			ls_out_cols_header(&p.out, curve_cols, 6);
		} else {
			module_columns(&p, w);
			ls_out_cols_header(&p.out, p.cols, p.ncols);
		}
		print_new(&p, w, opt.curves, &s);
	}
	if (rc == LS_EXIT_OK && opt.follow) {
		ls_interrupt_install();
		while (!ls_interrupt_signal()) {
			wait_change(w);
			if (ls_interrupt_signal())
				break;
			unsigned changed;
			st = ls_watch_refresh(w, &changed, &err);
			if (st != LS_OK) {
				rc = fail(st, err.msg);
				break;
			}
			if (changed & (LS_WATCH_ADDED | LS_WATCH_CURVES))
				print_new(&p, w, opt.curves, &s);
		}
		if (ls_interrupt_signal() && rc == LS_EXIT_OK)
			rc = 128 + ls_interrupt_signal();
		ls_interrupt_restore();
	}
	ls_watch_free(w);
	return rc;
}
