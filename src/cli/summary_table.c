/* summary_table.c — the run summary in table format, grouped the way a reader thinks:
 * training, baseline (X*), theory (α, β, regime, threshold, each with its status: exact,
 * certain or estimated, MATH.md §9) and verdict with its evidence. One "key value" per line
 * (the keys of the CSV/JSONL summary), a few words after the value say what it is; a number
 * not defined reads "n/a (reason)", never nan. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lorascope/optim_kinds.h"
#include "lorascope/spectrum.h"
#include "lorascope/theory.h"
#include "output.h"

static void group(FILE *f, const char *title)
{
	fprintf(f, "\n-- %s\n", title);
}

/* key, then the value and a note (printf format, may be empty). */
static void line(FILE *f, const char *key, const char *fmt, ...)
{
	fprintf(f, "%-16s ", key);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* A real as %.12g, or "n/a (why)" when not finite. */
static const char *num(char *buf, size_t len, double v, const char *why)
{
	if (isfinite(v))
		snprintf(buf, len, "%.12g", v);
	else if (isinf(v))
		snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
	else
		snprintf(buf, len, "n/a (%s)", why);
	return buf;
}

#define NUM(v, why) num((char[96]){ 0 }, 96, (v), (why))

static void training(FILE *f, const ls_session *s, bool timing)
{
	const ls_metrics *m = ls_session_metrics(s);
	group(f, "training: the LoRA run X = s*A*B^T");
	line(f, "steps", "%ld", ls_session_steps(s));
	line(f, "loss", "%s  f(X)", NUM(m->loss, "not measured"));
	line(f, "reg_loss", "%s  g(A, B) = f(X) + lambda/2 (|A|^2 + |B|^2)",
	     NUM(m->reg_loss, "not measured"));
	line(f, "grad_norm", "%s  |grad g|_F", NUM(m->grad_norm, "not measured"));
	line(f, "rank", "%zu  numerical rank of X (sigma_i/|X|_F > %g)", m->num_rank, LS_RANK_TOL);
	line(f, "r", "%zu  LoRA rank", m->r);
	line(f, "norm_fro", "%s  |X|_F", NUM(m->norm_fro, "not measured"));
	line(f, "norm_nuc", "%s  |X|_*", NUM(m->norm_nuc, "not measured"));
	line(f, "balance", "%s  |A^T A - B^T B|_F", NUM(m->balance, "not measured"));
	if (m->mk_checks > 0) {
		line(f, "mk_checks", "%ld  Mu-Klabjan descent inequality checked", m->mk_checks);
		line(f, "mk_failures", "%ld", m->mk_failures);
	}
	if (timing)
		line(f, "steps_per_sec", "%s", NUM(m->steps_per_sec, "no steps timed"));
	line(f, "diverged", "%s", m->diverged ? "true" : "false");
	if (m->diverged)
		line(f, "message", "%s", m->message);
}

/* Whether rep says X* is not unique: α = 0 exactly (trace2) and no weight decay to pick. */
static bool xstar_not_unique(const ls_theory_report *rep)
{
	return rep && rep->nmod > 0 && rep->mod[0].regime_exact == LS_REGIME_NA && rep->lambda == 0;
}

static void baseline(FILE *f, const ls_session *s, const ls_theory_report *rep)
{
	const ls_metrics *m = ls_session_metrics(s);
	const ls_baseline *b = ls_session_baseline(s);
	group(f, "baseline: X*, the global minimiser of F = f + lambda |X|_* (full fine-tuning)");
	if (!b) {
		bool off = ls_session_config(s)->baseline == LS_BASELINE_OFF;
		line(f, "baseline", "%s", off ? "off" : "skipped (auto leaves large problems out)");
		return;
	}
	line(f, "baseline", "%s",
	     b->certified   ? "certified"
	     : b->converged ? "converged"
			    : "not-converged");
	line(f, "baseline_iters", "%ld", b->iters);
	if (xstar_not_unique(rep))
		line(f, "rstar",
		     "%zu  rank of the X* found; X* is not unique here (alpha = 0, "
		     "lambda = 0): global minimisers of other ranks, rank 1 among them, exist",
		     b->rstar);
	else
		line(f, "rstar", "%zu  rank of X*", b->rstar);
	line(f, "f_star", "%s  f(X*)", NUM(b->f_star, "not computed"));
	line(f, "floor", "%s  F(X*)", NUM(b->floor, "not computed"));
	line(f, "nuc_star", "%s  |X*|_*", NUM(b->nuc, "not computed"));
	line(f, "dist_star", "%s  |X - X*|_F", NUM(m->dist_star, "not measured"));
}

static const char *status_word(ls_certainty c)
{
	return c == LS_CERTAINTY_NONE ? "" : ls_certainty_names[c];
}

static void theory_module(FILE *f, const ls_theory_module *m, const char *sfx)
{
	char key[40];
	const ls_alphabeta *ab = &m->ab;
#define KEY(name) (snprintf(key, sizeof key, "%s%s", (name), sfx), key)
	line(f, KEY("alpha"), "%s  estimated: min over %zu samples (moved %.3g); alpha <= this",
	     NUM(ab->alpha, "not estimated"), ab->samples, ab->alpha_move);
	if (isfinite(ab->alpha_exact))
		line(f, KEY("alpha_exact"), "%.12g  exact (closed form)", ab->alpha_exact);
	line(f, KEY("beta"), "%s  estimated: max over %zu samples (moved %.3g); beta >= this",
	     NUM(ab->beta, "not estimated"), ab->samples, ab->beta_move);
	if (isfinite(ab->beta_exact))
		line(f, KEY("beta_exact"), "%.12g  exact (closed form)", ab->beta_exact);
	if (isfinite(m->hess_lmin)) {
		line(f, KEY("hessf_lmin"), "%.12g  bound: lambda_min(Hessian of f) <= alpha",
		     m->hess_lmin);
		line(f, KEY("hessf_lmax"), "%.12g  bound: beta <= lambda_max(Hessian of f)",
		     m->hess_lmax);
	}
	line(f, KEY("ab_samples"), "%zu", ab->samples);
	line(f, KEY("D"), "%.12g  radius about X* of the samples (holds the point judged)", ab->D);
	const char *why = "";
	if (m->regime_status == LS_CERTAINTY_EXACT)
		why = ": alpha, beta in closed form";
	else if (m->regime_status == LS_CERTAINTY_CERTAIN && m->regime_used == LS_REGIME_SPECIAL)
		why = ": 2 lambda_min > lambda_max of the Hessian of f";
	else if (m->regime_status == LS_CERTAINTY_CERTAIN)
		why = ": 2a <= 2a^ <= b^ <= b";
	else if (m->regime_status == LS_CERTAINTY_ESTIMATED)
		why = ": a sampled 2a^ > b^ does not certify SPECIAL";
	line(f, KEY("regime"), "%s%s%s%s",
	     m->regime_used == LS_REGIME_UNKNOWN ? "not known" : ls_regime_text[m->regime_used],
	     m->regime_status == LS_CERTAINTY_NONE ? "" : ", ", status_word(m->regime_status), why);
	double t = isfinite(m->threshold_exact) ? m->threshold_exact : m->threshold;
	if (m->threshold_status == LS_CERTAINTY_EXACT)
		line(f, KEY("threshold"), "%.12g  exact: 2a/b in closed form", t);
	else if (isfinite(t) && isfinite(m->hess_lmin) && m->hess_lmin > 0)
		line(f, KEY("threshold"),
		     "%.12g  estimated: 2a^/b^ >= 2a/b >= 2 lambda_min/lambda_max = %.4g", t,
		     2.0 * m->hess_lmin / m->hess_lmax);
	else
		line(f, KEY("threshold"), "%s  estimated: 2a^/b^ >= 2a/b",
		     NUM(t, "no regime: Theorem 1 does not apply"));
#undef KEY
}

static void verdict_module(FILE *f, const ls_theory_module *m, const char *sfx, bool single,
			   size_t r)
{
	char key[40];
#define KEY(name) (snprintf(key, sizeof key, "%s%s", (name), sfx), key)
	if (!single)
		line(f, KEY("rstar"), "%zu", m->rstar);
	if (m->ratio == 0 && m->rstar > 0)
		line(f, KEY("ratio"), "0  sigma_r/sigma_r*: sigma_r below the rank tolerance %g",
		     LS_RANK_TOL);
	else
		line(f, KEY("ratio"), "%s  sigma_r/sigma_r*", NUM(m->ratio, "r* = 0: X* = 0"));
	line(f, KEY("sigma_r"), "%s", NUM(m->sigma_r, "not measured"));
	line(f, KEY("sigma_rstar"), "%s", NUM(m->sigma_rstar, "r* = 0"));
	line(f, KEY("norm_x"), "%s  |X|_F", NUM(m->norm_x, "not measured"));
	line(f, KEY("norm_xstar"), "%s  |X*|_F", NUM(m->norm_xstar, "not computed"));
	const char *bwhy = m->rstar == 0 || r <= m->rstar
				   ? "needs r > r*"
				   : "sigma_r/sigma_r* <= threshold: only the spurious side has it";
	line(f, KEY("cor1_bound"), "%s  Corollary 1: |X|_F >= this when spurious (%s threshold)",
	     NUM(m->bound, bwhy),
	     m->threshold_status == LS_CERTAINTY_EXACT ? "exact" : "estimated");
	line(f, KEY("module_verdict"), "%s", ls_verdict_text[m->verdict]);
#undef KEY
}

static void theory(FILE *f, const ls_session *s, const ls_theory_report *rep)
{
	char sfx[3] = "_0";
	group(f, "theory: Kim-Kim-Ryu constants about X* (alpha, beta, regime, 2a/b)");
	for (size_t k = 0; k < rep->nmod && k < LS_MAX_MODULES; k++) {
		sfx[1] = (char)('0' + k);
		theory_module(f, &rep->mod[k], rep->nmod > 1 ? sfx : "");
	}
	group(f, "verdict: Corollary 1 / Theorem 2 at the final point, with its evidence");
	line(f, "verdict", "%s", ls_verdict_text[rep->verdict]);
	line(f, "note", "%s", rep->note);
	line(f, "grad_rel", "%.12g  relative gradient, the stationarity test", rep->grad_rel);
	line(f, "stationary", "%s", rep->stationary ? "true" : "false");
	line(f, "lambda_min", "%s  smallest eigenvalue of the Hessian of g (Lanczos)",
	     NUM(rep->lz.lmin, "not computed"));
	line(f, "lanczos_residual", "%s", NUM(rep->lz.residual, "not computed"));
	line(f, "lanczos_iters", "%zu", rep->lz.iterations);
	line(f, "second_order", "%s", rep->second_order ? "true" : "false");
	line(f, "gap", "%s  loss gap F(X) - F(X*)",
	     NUM(rep->convex ? rep->gap : NAN, "f not convex: X* not certified"));
	line(f, "contradiction", "%s", rep->contradiction ? "true" : "false");
	for (size_t k = 0; k < rep->nmod && k < LS_MAX_MODULES; k++) {
		sfx[1] = (char)('0' + k);
		verdict_module(f, &rep->mod[k], rep->nmod > 1 ? sfx : "", rep->nmod == 1, rep->r);
	}
	line(f, "seed_lhs", "%s  sum |X*|_*/s (magnitude check, Kim-Kim-Ryu 3.4)",
	     NUM(rep->seed_lhs, "not computed"));
	line(f, "seed_rhs", "%s  f(0)/lambda", NUM(rep->seed_rhs, "not computed"));
	line(f, "seed_check", "%s", rep->seed_holds ? "holds" : "FAILS");
	if (ls_session_config(s)->optimizer == LS_OPTIM_ADAMW)
		line(f, "optimizer_note",
		     "adamw decays A, B apart from the gradient: it does not minimise "
		     "f + lambda*|X|_*, so the verdict need not reach stationary");
}

void ls_out_summary_table(FILE *f, const ls_session *s, const ls_theory_report *rep,
			  const char *theory_msg, bool timing)
{
	training(f, s, timing);
	baseline(f, s, rep);
	if (rep) {
		theory(f, s, rep);
	} else if (theory_msg) {
		group(f, "theory");
		line(f, "theory", "%s", theory_msg);
	}
}
