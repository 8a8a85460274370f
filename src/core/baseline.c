/* baseline.c — full fine-tuning: proximal gradient with singular-value thresholding (MATH.md §3) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/baseline.h"
#include "lorascope/spectrum.h"

const char *const ls_baseline_mode_names[LS_BASELINE_MODE_COUNT + 1] = {
#define LS_BASELINE_MODE_NAME(id, name, help) [id] = name,
	LS_BASELINE_MODE_LIST(LS_BASELINE_MODE_NAME)
#undef LS_BASELINE_MODE_NAME
};

/* Scratch of one module: the iterate X, the previous one P, the extrapolated point Z,
 * the gradient G (then the change X − P), the prox input Y and its SVD. */
typedef struct {
	ls_mat X, P, Z, Y, G, U, Vt;
	double *sig;
	size_t npos; /* singular values kept by the last SVT */
} module_ws;

static void module_ws_free(module_ws *w)
{
	ls_mat_free(&w->X);
	ls_mat_free(&w->P);
	ls_mat_free(&w->Z);
	ls_mat_free(&w->Y);
	ls_mat_free(&w->G);
	ls_mat_free(&w->U);
	ls_mat_free(&w->Vt);
	free(w->sig);
}

static ls_status module_ws_alloc(module_ws *w, size_t m, size_t n, ls_error *err)
{
	size_t k = m < n ? m : n;
	ls_status st = ls_mat_alloc(&w->X, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&w->P, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&w->Z, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&w->Y, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&w->G, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&w->U, m, k, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&w->Vt, k, n, err);
	if (st != LS_OK)
		return st;
	w->sig = calloc(k ? k : 1, sizeof(double));
	if (!w->sig)
		return ls_error_set(err, LS_ENOMEM, "baseline: singular values");
	return LS_OK;
}

/* X := SVT_tau(Y) (Y is destroyed); the SVD of the result stays in U, sig, Vt. */
static ls_status svt(module_ws *w, double tau, ls_error *err)
{
	ls_status st = ls_mat_svd(&w->Y, w->sig, &w->U, &w->Vt, err);
	if (st != LS_OK)
		return st;
	size_t k = w->U.cols, npos = 0;
	for (size_t i = 0; i < k; i++) {
		w->sig[i] = w->sig[i] > tau ? w->sig[i] - tau : 0.0;
		if (w->sig[i] > 0.0)
			npos = i + 1;
	}
	w->npos = npos;
	ls_mat_set_zero(&w->X);
	if (npos == 0)
		return LS_OK;
	/* X = U_+·diag(σ_+)·Vt_+: scale the rows of Vt (a copy in Y), one gemm. */
	ls_mat W = ls_mat_block(w->Y, 0, 0, npos, w->Vt.cols);
	for (size_t j = 0; j < w->Vt.cols; j++)
		for (size_t i = 0; i < npos; i++)
			LS_AT(W, i, j) = LS_AT(w->Vt, i, j) * w->sig[i];
	ls_mat Up = ls_mat_cols(w->U, 0, npos);
	return ls_mat_gemm(false, false, 1.0, &Up, &W, 0.0, &w->X);
}

static ls_status keep_factors(ls_baseline_module *bm, const module_ws *w, ls_error *err)
{
	size_t k = w->U.cols;
	bm->rstar = ls_spectrum_rank(w->sig, k);
	bm->nuc = 0.0;
	double ss = 0.0;
	for (size_t i = 0; i < k; i++) {
		bm->nuc += w->sig[i];
		ss += w->sig[i] * w->sig[i];
	}
	bm->fro = sqrt(ss);
	size_t rs = bm->rstar;
	ls_status st = ls_mat_alloc(&bm->U, bm->m, rs, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&bm->V, bm->n, rs, err);
	if (st != LS_OK)
		return st;
	bm->sigma = calloc(rs ? rs : 1, sizeof(double));
	if (!bm->sigma)
		return ls_error_set(err, LS_ENOMEM, "baseline: X* singular values");
	for (size_t j = 0; j < rs; j++) {
		bm->sigma[j] = w->sig[j];
		memcpy(bm->U.data + j * bm->U.ld, w->U.data + j * w->U.ld, bm->m * sizeof(double));
		for (size_t i = 0; i < bm->n; i++)
			LS_AT(bm->V, i, j) = LS_AT(w->Vt, j, i);
	}
	return LS_OK;
}

/* The proximal gradient in progress: the modules' scratch, the step, the FISTA momentum
 * and the result's scalar fields filled so far (iters, rel_change, converged, f0). */
struct ls_baseline_ws {
	ls_problem *p;
	module_ws w[LS_MAX_MODULES];
	ls_mat Xs[LS_MAX_MODULES], Zs[LS_MAX_MODULES], Gs[LS_MAX_MODULES];
	double eta, tau, t;
	long cap;
	double tol;
	double rc0; /* the first relative change (the progress scale) */
	double progress;
	bool started, done;
	ls_baseline b;
};

void ls_baseline_ws_free(ls_baseline_ws *ws)
{
	if (!ws)
		return;
	for (size_t k = 0; k < LS_MAX_MODULES; k++)
		module_ws_free(&ws->w[k]);
	free(ws);
}

ls_status ls_baseline_begin(ls_baseline_ws **out, ls_problem *p, double lambda_eff, long iters,
			    double tol, ls_error *err)
{
	*out = NULL;
	if (p->nmod == 0 || p->nmod > LS_MAX_MODULES)
		return ls_error_set(err, LS_EINVAL, "baseline: %zu modules", p->nmod);
	ls_baseline_ws *ws = calloc(1, sizeof *ws);
	if (!ws)
		return ls_error_set(err, LS_ENOMEM, "baseline: workspace");
	ws->p = p;
	ws->cap = iters;
	ws->tol = tol;
	ws->t = 1.0;
	ls_baseline *b = &ws->b;
	b->nmod = p->nmod;
	b->lambda_eff = lambda_eff;
	ls_status st = LS_OK;
	for (size_t k = 0; k < p->nmod && st == LS_OK; k++) {
		b->mod[k].m = p->shape[k].m;
		b->mod[k].n = p->shape[k].n;
		st = module_ws_alloc(&ws->w[k], p->shape[k].m, p->shape[k].n, err);
	}
	if (st != LS_OK) {
		ls_baseline_ws_free(ws);
		return st;
	}
	for (size_t k = 0; k < p->nmod; k++) {
		ws->Xs[k] = ws->w[k].X;
		ws->Zs[k] = ws->w[k].Z;
		ws->Gs[k] = ws->w[k].G;
	}
	b->rel_change = INFINITY;
	ws->done = iters <= 0;
	*out = ws;
	return LS_OK;
}

/* The step 1/L and f(0): with the first slice, not at the beginning (L can take a while,
 * e.g. sensing's Lanczos estimate, and the beginning must be quick). */
static ls_status start(ls_baseline_ws *ws, ls_error *err)
{
	ls_problem *p = ws->p;
	double L = p->type->lipschitz(p);
	if (!(L > 0.0) || !isfinite(L))
		return ls_error_set(err, LS_ENUMERIC, "baseline: Lipschitz constant %g", L);
	ws->eta = 1.0 / L;
	ws->tau = ws->eta * ws->b.lambda_eff;
	ws->b.f0 = p->type->loss_dense(p, ws->Xs);
	ws->started = true;
	return LS_OK;
}

/* One proximal-gradient iteration; sets ws->done when the change falls below tol. */
static ls_status iterate(ls_baseline_ws *ws, ls_error *err)
{
	ls_problem *p = ws->p;
	module_ws *w = ws->w;
	ls_baseline *b = &ws->b;
	/* FISTA extrapolation Z = X + β(X − P) with the gradient restart of O'Donoghue–Candès:
	 * the same fixed point as the plain iteration, far fewer SVDs. */
	ls_status st = p->type->grad_dense(p, ws->Zs, ws->Gs);
	if (st != LS_OK)
		return ls_error_set(err, st, "baseline: dense gradient failed");
	double dd = 0.0, xx = 0.0, turn = 0.0;
	for (size_t k = 0; k < p->nmod && st == LS_OK; k++) {
		/* P = X_old; Y = Z − η∇f(Z); X = SVT(Y); G = X − P. */
		ls_mat_copy(&w[k].P, &w[k].X);
		ls_mat_copy(&w[k].Y, &w[k].Z);
		ls_mat_axpy(&w[k].Y, -ws->eta, &w[k].G);
		st = svt(&w[k], ws->tau, err);
		if (st != LS_OK)
			return st;
		ls_mat_copy(&w[k].G, &w[k].X);
		ls_mat_axpy(&w[k].G, -1.0, &w[k].P);
		double d = ls_mat_norm(&w[k].G), x = ls_mat_norm(&w[k].X);
		dd += d * d;
		xx += x * x;
		turn += ls_mat_dot(&w[k].Z, &w[k].G) - ls_mat_dot(&w[k].X, &w[k].G);
	}
	b->iters++;
	if (!isfinite(dd) || !isfinite(xx))
		return ls_error_set(err, LS_ENUMERIC, "baseline: non-finite iterate at %ld",
				    b->iters);
	b->rel_change = sqrt(dd) / (xx > 0.0 ? sqrt(xx) : 1e-300);
	if (xx == 0.0 && dd == 0.0)
		b->rel_change = 0.0;
	if (b->rel_change <= ws->tol) {
		b->converged = true;
		ws->done = true;
		return LS_OK;
	}
	if (b->iters >= ws->cap) {
		ws->done = true;
		return LS_OK;
	}
	if (turn > 0.0) /* ⟨Z − X, X − P⟩ > 0: the momentum points uphill, restart it */
		ws->t = 1.0;
	double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * ws->t * ws->t)), beta = (ws->t - 1.0) / tn;
	ws->t = tn;
	for (size_t k = 0; k < p->nmod; k++) {
		ls_mat_copy(&w[k].Z, &w[k].X);
		ls_mat_axpy(&w[k].Z, beta, &w[k].G);
	}
	return LS_OK;
}

/* How far the run is: the larger of the iterations done over the cap and the relative
 * change's way down from its first value to tol on a log scale; never back. */
static void update_progress(ls_baseline_ws *ws)
{
	const ls_baseline *b = &ws->b;
	double q = ws->cap > 0 ? (double)b->iters / (double)ws->cap : 1.0;
	if (b->iters == 1)
		ws->rc0 = b->rel_change;
	if (ws->rc0 > ws->tol && ws->tol > 0.0 && b->rel_change > 0.0 && isfinite(ws->rc0))
		q = fmax(q, log(ws->rc0 / b->rel_change) / log(ws->rc0 / ws->tol));
	q = ws->done ? 1.0 : fmin(q, 0.99);
	if (q > ws->progress)
		ws->progress = q;
}

ls_status ls_baseline_iterate(ls_baseline_ws *ws, long n, bool *done, ls_error *err)
{
	ls_status st = ws->started ? LS_OK : start(ws, err);
	for (long i = 0; i < n && !ws->done && st == LS_OK; i++) {
		st = iterate(ws, err);
		update_progress(ws);
	}
	if (done)
		*done = ws->done;
	return st;
}

double ls_baseline_progress(const ls_baseline_ws *ws)
{
	return ws->done ? 1.0 : ws->progress;
}

long ls_baseline_iters_done(const ls_baseline_ws *ws)
{
	return ws->b.iters;
}

ls_status ls_baseline_finish(ls_baseline_ws *ws, ls_baseline *out, ls_error *err)
{
	ls_problem *p = ws->p;
	ls_baseline *b = &ws->b;
	ls_status st = ws->started ? LS_OK : start(ws, err);
	if (st != LS_OK)
		return st;
	/* With no iteration X* = 0: the zeroed factors and singular values say so. */
	b->f_star = p->type->loss_dense(p, ws->Xs);
	double ss = 0.0;
	for (size_t k = 0; k < p->nmod && st == LS_OK; k++) {
		st = keep_factors(&b->mod[k], &ws->w[k], err);
		b->nuc += b->mod[k].nuc;
		ss += b->mod[k].fro * b->mod[k].fro;
		if (b->mod[k].rstar > b->rstar)
			b->rstar = b->mod[k].rstar;
	}
	if (st != LS_OK) {
		ls_baseline_free(b);
		return st;
	}
	b->fro = sqrt(ss);
	b->floor = b->f_star + b->lambda_eff * b->nuc;
	b->seed_check = b->lambda_eff > 0.0 ? b->nuc < b->f0 / b->lambda_eff : true;
	b->certified = b->converged && p->type->convex;
	*out = *b;
	memset(b, 0, sizeof *b);
	return LS_OK;
}

ls_status ls_baseline_compute(ls_baseline *b, ls_problem *p, double lambda_eff, long iters,
			      double tol, ls_error *err)
{
	memset(b, 0, sizeof *b);
	ls_baseline_ws *ws;
	ls_status st = ls_baseline_begin(&ws, p, lambda_eff, iters, tol, err);
	if (st != LS_OK)
		return st;
	st = ls_baseline_iterate(ws, iters, NULL, err);
	if (st == LS_OK)
		st = ls_baseline_finish(ws, b, err);
	ls_baseline_ws_free(ws);
	return st;
}

void ls_baseline_free(ls_baseline *b)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		ls_mat_free(&b->mod[k].U);
		ls_mat_free(&b->mod[k].V);
		free(b->mod[k].sigma);
	}
	memset(b, 0, sizeof *b);
}

double ls_baseline_inner(const ls_baseline *b, size_t k, const ls_mat *A, const ls_mat *B, double s,
			 double *scratch)
{
	const ls_baseline_module *bm = &b->mod[k];
	size_t rs = bm->rstar, r = A->cols;
	if (rs == 0 || r == 0)
		return 0.0;
	/* P = U*ᵀA, Q = V*ᵀB (r*×r); ⟨X, X*⟩ = s·Σ_j σ*_j Σ_i P_ji Q_ji. */
	ls_mat P = ls_mat_view(scratch, rs, r, rs), Q = ls_mat_view(scratch + rs * r, rs, r, rs);
	ls_mat_gemm(true, false, 1.0, &bm->U, A, 0.0, &P);
	ls_mat_gemm(true, false, 1.0, &bm->V, B, 0.0, &Q);
	double sum = 0.0;
	for (size_t j = 0; j < rs; j++) {
		double row = 0.0;
		for (size_t i = 0; i < r; i++)
			row += LS_AT(P, j, i) * LS_AT(Q, j, i);
		sum += bm->sigma[j] * row;
	}
	return s * sum;
}
