/* theory_verdict.c — Corollary 1 / Theorem 2 verdicts and the one-call theory report
 * (MATH.md §3–§5): stationarity, second order, regime, σ_r/σ_{r*} against 2α/β, the
 * fails-loudly norm bound, the loss gap to the baseline and the §3.4 magnitude check.
 *
 * Thresholds (ls_theory_opts):
 * - stationary: ‖∇g‖_F·max(‖θ‖_F, 1) ≤ grad_tol·max(f(0), g(θ)), θ = (A, B). ‖∇g‖·‖θ‖ is the
 *   first-order change of g under a relative move of θ, so the test reads "a 1 % move of the
 *   factors changes g by less than grad_tol/100 of the loss scale"; max(·, 1) keeps it
 *   meaningful near θ = 0.
 * - second order: λ_min ≥ −hess_tol·max|λ(∇²g)|. ∇²g always has exact zero eigenvalues
 *   along the GL(r) orbit A → AG, B → BG⁻ᵀ (r² of them per module when λ = 0), which
 *   Lanczos finds as ≈ 0 up to rounding and the distance to the exact stationary point,
 *   hence a relative, not an absolute, tolerance.
 * - "at the floor" (convex f): F(X) − F(X*) ≤ gap_tol·max(f(0), |F(X*)|). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/spectrum.h"
#include "lorascope/theory.h"

const char *const ls_regime_names[LS_REGIME_COUNT + 1] = {
#define LS_REGIME_NAME(id, name, text) [id] = name,
	LS_REGIME_LIST(LS_REGIME_NAME)
#undef LS_REGIME_NAME
};
const char *const ls_regime_text[LS_REGIME_COUNT] = {
#define LS_REGIME_TEXT(id, name, text) [id] = text,
	LS_REGIME_LIST(LS_REGIME_TEXT)
#undef LS_REGIME_TEXT
};
const char *const ls_certainty_names[LS_CERTAINTY_COUNT] = {
#define LS_CERTAINTY_NAME(id, name) [id] = name,
	LS_CERTAINTY_LIST(LS_CERTAINTY_NAME)
#undef LS_CERTAINTY_NAME
};
const char *const ls_verdict_names[LS_VERDICT_COUNT + 1] = {
#define LS_VERDICT_NAME(id, name, text) [id] = name,
	LS_VERDICT_LIST(LS_VERDICT_NAME)
#undef LS_VERDICT_NAME
};
const char *const ls_verdict_text[LS_VERDICT_COUNT] = {
#define LS_VERDICT_TEXT(id, name, text) [id] = text,
	LS_VERDICT_LIST(LS_VERDICT_TEXT)
#undef LS_VERDICT_TEXT
};

void ls_theory_opts_default(ls_theory_opts *o)
{
	*o = (ls_theory_opts){ .samples = 1000,
			       .beta_iters = 30,
			       .alpha_iters = 0,
			       .D = 0.0,
			       .lanczos_iters = 200,
			       .grad_tol = 1e-4,
			       .hess_tol = 1e-3,
			       .gap_tol = 1e-3 };
}

double ls_theory_ratio(const double *sigma, size_t k, size_t r, size_t rstar)
{
	if (rstar == 0 || rstar > k || r == 0 || !(sigma[rstar - 1] > 0))
		return NAN;
	/* σ_r at or below the rank tolerance counts as 0 (spectrum.h): the ratio is 0, not noise.
	 */
	return r > ls_spectrum_rank(sigma, k) ? 0.0 : sigma[r - 1] / sigma[rstar - 1];
}

double ls_theory_cor1_bound(const double *sigma, size_t r, size_t rstar, double t,
			    double norm_xstar)
{
	if (rstar == 0 || r <= rstar || !(sigma[rstar - 1] > 0))
		return NAN;
	double ratio = sigma[r - 1] / sigma[rstar - 1];
	if (!(ratio > t))
		return NAN;
	double tail = 0.0;
	for (size_t i = rstar; i < r; i++)
		tail += sigma[i] * sigma[i];
	return sqrt(tail / (1.0 - t / ratio)) - norm_xstar;
}

/* The threshold the verdict uses for a module: exact when known, else the estimate. */
static double use_threshold(const ls_theory_module *m)
{
	return isfinite(m->threshold_exact) ? m->threshold_exact : m->threshold;
}

static ls_regime use_regime(const ls_theory_module *m)
{
	return m->regime_exact != LS_REGIME_UNKNOWN ? m->regime_exact : m->regime;
}

void ls_theory_verdict(ls_theory_report *rep, const ls_theory_opts *o)
{
	rep->contradiction = false;
	rep->exact_used = true;
	for (size_t k = 0; k < rep->nmod; k++)
		if (!isfinite(rep->mod[k].threshold_exact))
			rep->exact_used = false;
	if (!rep->stationary || !rep->second_order)
		for (size_t k = 0; k < rep->nmod; k++)
			rep->mod[k].verdict = !rep->stationary ? LS_VERDICT_NOT_STATIONARY
							       : LS_VERDICT_SADDLE;
	if (!rep->stationary) {
		rep->verdict = LS_VERDICT_NOT_STATIONARY;
		snprintf(rep->note, sizeof rep->note,
			 "relative gradient %.3g > %.3g: not a stationary point yet", rep->grad_rel,
			 o->grad_tol);
		return;
	}
	if (!rep->second_order) {
		rep->verdict = LS_VERDICT_SADDLE;
		snprintf(rep->note, sizeof rep->note,
			 "lambda_min = %.4g < -%.3g: a direction of descent (strict saddle)",
			 rep->lz.lmin, rep->hess_tol_abs);
		return;
	}
	/* Each module by its own Corollary 1 classification; the run is n/a if any module is,
	 * else spurious if any module is (Theorem 2 (ii)), else global. */
	ls_verdict v = LS_VERDICT_GLOBAL;
	const char *why = "every module has sigma_r/sigma_r* <= 2a/b (Corollary 1 (i))";
	size_t why_k = 0;
	for (size_t k = 0; k < rep->nmod; k++) {
		ls_theory_module *m = &rep->mod[k];
		double t = use_threshold(m);
		ls_regime rg = use_regime(m);
		double rel = m->dist / fmax(m->norm_xstar, 1e-300);
		const char *mwhy = NULL;
		m->verdict = LS_VERDICT_GLOBAL;
		if (rg == LS_REGIME_NA || rg == LS_REGIME_UNKNOWN) {
			m->verdict = LS_VERDICT_NA;
			mwhy = rg == LS_REGIME_NA ? "alpha <= 0: Theorem 1 assumes alpha > 0"
						  : "alpha, beta not estimated";
		} else if (m->dist > m->ab.D) {
			m->verdict = LS_VERDICT_NA;
			mwhy = "|X - X*| > D: outside the ball where alpha, beta were sampled";
		} else if (rep->r < m->rstar) {
			m->verdict = LS_VERDICT_NA;
			mwhy = "r < r*: the LoRA rank cannot reach X*";
		} else if (rep->r == m->rstar) {
			/* Theorem 1 with r = r*: special regime means global; in the generic regime
			 * a global minimiser is X* itself (α > 0), so decide by the distance. */
			if (rg == LS_REGIME_GENERIC && !(rel <= 1e-3) &&
			    !(m->norm_xstar == 0 && m->dist <= 1e-12)) {
				m->verdict = LS_VERDICT_SPURIOUS;
				mwhy = "r = r*, generic regime, X != X* (Theorem 1 (ii))";
			}
		} else if (m->ratio > t) {
			m->verdict = LS_VERDICT_SPURIOUS;
			mwhy = "sigma_r/sigma_r* > 2a/b (Corollary 1 (ii))";
		}
		if (m->verdict == LS_VERDICT_NA && v != LS_VERDICT_NA) {
			v = LS_VERDICT_NA;
			why = mwhy;
			why_k = k;
		} else if (m->verdict == LS_VERDICT_SPURIOUS && v == LS_VERDICT_GLOBAL) {
			v = LS_VERDICT_SPURIOUS;
			why = mwhy;
			why_k = k;
		}
	}
	rep->verdict = v;
	if (v == LS_VERDICT_GLOBAL)
		snprintf(rep->note, sizeof rep->note, "%s%s", why,
			 rep->exact_used ? "" : ", with estimated alpha, beta");
	else
		snprintf(rep->note, sizeof rep->note, "module %zu: %s", why_k, why);
	if (rep->convex && (v == LS_VERDICT_GLOBAL || v == LS_VERDICT_SPURIOUS)) {
		bool at_floor = rep->gap <= o->gap_tol * fmax(rep->f0, fabs(rep->floor));
		if ((v == LS_VERDICT_GLOBAL) != at_floor) {
			rep->contradiction = true;
			size_t len = strlen(rep->note);
			snprintf(rep->note + len, sizeof rep->note - len,
				 "; CONTRADICTION: loss gap %.3g", rep->gap);
		}
	}
}

/* Scratch of the report: X_k, copies for the SVDs, gradients, spectra. */
typedef struct {
	ls_mat X[LS_MAX_MODULES], G[LS_MAX_MODULES], S[LS_MAX_MODULES], Z[LS_MAX_MODULES];
	double *sx[LS_MAX_MODULES], *ss[LS_MAX_MODULES];
	ls_mat gA, gB;
} rep_work;

static void rw_free(rep_work *w)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		ls_mat_free(&w->X[k]);
		ls_mat_free(&w->G[k]);
		ls_mat_free(&w->S[k]);
		ls_mat_free(&w->Z[k]);
		free(w->sx[k]);
		free(w->ss[k]);
	}
	ls_mat_free(&w->gA);
	ls_mat_free(&w->gB);
}

static double sum_of(const double *v, size_t k)
{
	double s = 0.0;
	for (size_t i = 0; i < k; i++)
		s += v[i];
	return s;
}

/* Spectra, norms and losses at L and X*; fills everything but α, β, Lanczos and verdict. */
static ls_status measure(ls_problem *p, const ls_lora *L, double lambda, const ls_mat *Xstar,
			 const ls_theory_opts *o, rep_work *w, ls_theory_report *rep, ls_error *err)
{
	size_t r = L->r;
	double theta2 = 0.0, g2 = 0.0, nuc_w = 0.0, nuc_ws = 0.0;
	for (size_t k = 0; k < p->nmod; k++) {
		size_t m = p->shape[k].m, n = p->shape[k].n, q = m < n ? m : n;
		if (Xstar[k].rows != m || Xstar[k].cols != n)
			return ls_error_set(err, LS_EDIM,
					    "theory: X* of module %zu is %zu×%zu, "
					    "expected %zu×%zu",
					    k, Xstar[k].rows, Xstar[k].cols, m, n);
		if (ls_mat_alloc(&w->X[k], m, n, err) || ls_mat_alloc(&w->G[k], m, n, err) ||
		    ls_mat_alloc(&w->S[k], m, n, err) || ls_mat_alloc(&w->Z[k], m, n, err))
			return err ? err->code : LS_ENOMEM;
		w->sx[k] = calloc(q + 1, sizeof(double));
		w->ss[k] = calloc(q + 1, sizeof(double));
		if (!w->sx[k] || !w->ss[k])
			return ls_error_set(err, LS_ENOMEM, "theory: spectra");
		ls_status st = ls_lora_form(L, k, &w->X[k]);
		if (st != LS_OK)
			return ls_error_set(err, st, "theory: forming X of module %zu", k);
	}
	rep->f0 = p->type->loss_dense(p, w->Z);
	rep->loss = p->type->loss_dense(p, w->X);
	double fstar = p->type->loss_dense(p, Xstar);
	ls_status st = p->type->grad_dense(p, w->X, w->G);
	if (st != LS_OK)
		return ls_error_set(err, st, "theory: gradient of f at X");
	for (size_t k = 0; k < p->nmod; k++) {
		ls_theory_module *md = &rep->mod[k];
		size_t m = p->shape[k].m, n = p->shape[k].n, q = m < n ? m : n;
		/* ∇_A g = s·G·B + λA, ∇_B g = s·Gᵀ·A + λB */
		if (ls_mat_realloc(&w->gA, m, r, err) || ls_mat_realloc(&w->gB, n, r, err))
			return err ? err->code : LS_ENOMEM;
		ls_mat_copy(&w->gA, &L->A[k]);
		ls_mat_gemm(false, false, L->s[k], &w->G[k], &L->B[k], lambda, &w->gA);
		ls_mat_copy(&w->gB, &L->B[k]);
		ls_mat_gemm(true, false, L->s[k], &w->G[k], &L->A[k], lambda, &w->gB);
		g2 += ls_mat_dot(&w->gA, &w->gA) + ls_mat_dot(&w->gB, &w->gB);
		theta2 += ls_mat_dot(&L->A[k], &L->A[k]) + ls_mat_dot(&L->B[k], &L->B[k]);
		ls_mat_copy(&w->S[k], &w->X[k]);
		ls_mat_axpy(&w->S[k], -1.0, &Xstar[k]);
		md->dist = ls_mat_norm(&w->S[k]);
		md->norm_x = ls_mat_norm(&w->X[k]);
		md->norm_xstar = ls_mat_norm(&Xstar[k]);
		ls_mat_copy(&w->S[k], &w->X[k]);
		if ((st = ls_mat_svd_values(&w->S[k], w->sx[k], err)) != LS_OK)
			return st;
		ls_mat_copy(&w->S[k], &Xstar[k]);
		if ((st = ls_mat_svd_values(&w->S[k], w->ss[k], err)) != LS_OK)
			return st;
		md->nuc_x = sum_of(w->sx[k], q);
		md->nuc_xstar = sum_of(w->ss[k], q);
		md->rstar = ls_spectrum_rank(w->ss[k], q);
		md->rank = ls_spectrum_rank(w->sx[k], q);
		md->sigma_r = r <= q ? w->sx[k][r - 1] : 0.0;
		md->sigma_rstar = md->rstar >= 1 ? w->sx[k][md->rstar - 1] : NAN;
		md->ratio = ls_theory_ratio(w->sx[k], q, r, md->rstar);
		nuc_w += lambda / L->s[k] * md->nuc_x;
		nuc_ws += lambda / L->s[k] * md->nuc_xstar;
		rep->seed_lhs += md->nuc_xstar / L->s[k];
	}
	rep->reg_loss = rep->loss + 0.5 * lambda * theta2;
	rep->grad_norm = sqrt(g2);
	rep->grad_rel = rep->grad_norm * fmax(sqrt(theta2), 1.0) /
			fmax(fmax(rep->f0, fabs(rep->reg_loss)), 1e-300);
	rep->stationary = rep->grad_rel <= o->grad_tol;
	rep->full_loss = rep->loss + nuc_w;
	rep->floor = fstar + nuc_ws;
	rep->gap = rep->full_loss - rep->floor;
	rep->seed_rhs = lambda > 0 ? rep->f0 / lambda : INFINITY;
	rep->seed_holds = rep->seed_lhs <= rep->seed_rhs * (1.0 + 1e-9);
	return LS_OK;
}

/* The regime a module is judged in and how sure it is (MATH.md §9): exact from the closed
 * form; else SPECIAL certain when the outer bounds give 2α ≥ 2λ_min > λ_max ≥ β; else a
 * sampled GENERIC is certain (2α ≤ 2α̂ ≤ β̂ ≤ β) and a sampled SPECIAL only estimated. */
static void certainty(ls_theory_module *md)
{
	if (md->regime_exact != LS_REGIME_UNKNOWN) {
		md->regime_used = md->regime_exact;
		md->regime_status = LS_CERTAINTY_EXACT;
	} else if (md->hess_lmin > 0 && 2.0 * md->hess_lmin > md->hess_lmax) {
		md->regime_used = LS_REGIME_SPECIAL;
		md->regime_status = LS_CERTAINTY_CERTAIN;
	} else {
		md->regime_used = md->regime;
		md->regime_status = md->regime == LS_REGIME_GENERIC   ? LS_CERTAINTY_CERTAIN
				    : md->regime == LS_REGIME_SPECIAL ? LS_CERTAINTY_ESTIMATED
								      : LS_CERTAINTY_NONE;
	}
	md->threshold_status = isfinite(md->threshold_exact) ? LS_CERTAINTY_EXACT
			       : isfinite(md->threshold)     ? LS_CERTAINTY_ESTIMATED
							     : LS_CERTAINTY_NONE;
}

ls_status ls_theory_report_compute(ls_problem *p, const ls_lora *L, double lambda,
				   const ls_mat *Xstar, const ls_theory_opts *o,
				   const ls_alphabeta *ab, ls_rng *rng, ls_theory_report *rep,
				   ls_error *err)
{
	memset(rep, 0, sizeof *rep);
	rep->nmod = p->nmod;
	rep->r = L->r;
	rep->lambda = lambda;
	rep->convex = p->type->convex;
	rep->verdict = LS_VERDICT_UNKNOWN;
	if (L->nmod != p->nmod || L->r == 0)
		return ls_error_set(err, LS_EDIM,
				    "theory: LoRA (%zu modules, rank %zu) does not "
				    "fit the problem (%zu modules)",
				    L->nmod, L->r, p->nmod);
	rep_work w;
	memset(&w, 0, sizeof w);
	ls_status st = measure(p, L, lambda, Xstar, o, &w, rep, err);
	if (st == LS_OK && !ab) {
		double D = o->D;
		if (!(D > 0)) {
			D = 1.0;
			for (size_t k = 0; k < p->nmod; k++)
				D = fmax(D, fmax(2.0 * rep->mod[k].norm_xstar,
						 1.25 * rep->mod[k].dist));
		}
		ls_alphabeta est[LS_MAX_MODULES];
		st = ls_theory_alphabeta(p, Xstar, L->r, D, o, rng, est, err);
		for (size_t k = 0; st == LS_OK && k < p->nmod; k++)
			rep->mod[k].ab = est[k];
	} else if (st == LS_OK) {
		for (size_t k = 0; k < p->nmod; k++)
			rep->mod[k].ab = ab[k];
	}
	if (st == LS_OK)
		st = ls_theory_lambda_min(p, L, lambda, o->lanczos_iters, rng, &rep->lz, err);
	if (st != LS_OK) {
		rw_free(&w);
		return st;
	}
	rep->hess_tol_abs = o->hess_tol * fmax(fabs(rep->lz.lmin), fabs(rep->lz.lmax));
	rep->second_order = rep->lz.lmin >= -rep->hess_tol_abs;
	for (size_t k = 0; k < p->nmod; k++) {
		ls_theory_module *md = &rep->mod[k];
		size_t q = p->shape[k].m < p->shape[k].n ? p->shape[k].m : p->shape[k].n;
		md->regime = ls_theory_regime(md->ab.alpha, md->ab.beta);
		md->regime_exact = ls_theory_regime(md->ab.alpha_exact, md->ab.beta_exact);
		md->threshold = 2.0 * md->ab.alpha / md->ab.beta;
		md->threshold_exact = md->regime_exact == LS_REGIME_UNKNOWN
					      ? NAN
					      : 2.0 * md->ab.alpha_exact / md->ab.beta_exact;
		double t = use_threshold(md);
		md->bound = L->r <= q ? ls_theory_cor1_bound(w.sx[k], L->r, md->rstar, t,
							     md->norm_xstar)
				      : NAN;
		md->bound_holds = !(md->norm_x < md->bound);
		if (st == LS_OK)
			st = ls_theory_outer_bounds(p, Xstar, k, &md->hess_lmin, &md->hess_lmax,
						    err);
		certainty(md);
	}
	rw_free(&w);
	if (st != LS_OK)
		return st;
	ls_theory_verdict(rep, o);
	return LS_OK;
}

ls_status ls_theory_xstar_dense(const ls_baseline *b, ls_mat *Xstar, ls_error *err)
{
	for (size_t k = 0; k < b->nmod; k++)
		Xstar[k] = (ls_mat){ 0 };
	for (size_t k = 0; k < b->nmod; k++) {
		const ls_baseline_module *bm = &b->mod[k];
		ls_status st = ls_mat_alloc(&Xstar[k], bm->m, bm->n, err);
		if (st != LS_OK)
			return st;
		for (size_t l = 0; l < bm->rstar; l++)
			for (size_t j = 0; j < bm->n; j++) {
				double v = bm->sigma[l] * LS_AT(bm->V, j, l);
				for (size_t i = 0; i < bm->m; i++)
					LS_AT(Xstar[k], i, j) += v * LS_AT(bm->U, i, l);
			}
	}
	return LS_OK;
}
