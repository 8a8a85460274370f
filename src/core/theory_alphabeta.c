/* theory_alphabeta.c — Monte Carlo α̂ (restricted strong convexity) and β̂ (restricted
 * smoothness) about X*, as Kim–Kim–Ryu Appendix C.2 estimates them (MATH.md §4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "lorascope/theory.h"

/* Everything one estimate needs, allocated once per call. */
typedef struct {
	size_t nmod, r, q[LS_MAX_MODULES];
	ls_mat Xi[LS_MAX_MODULES], Gi[LS_MAX_MODULES], Gs[LS_MAX_MODULES];
	ls_mat H[LS_MAX_MODULES], HV[LS_MAX_MODULES], Gam[LS_MAX_MODULES];
	ls_mat Y[LS_MAX_MODULES], U[LS_MAX_MODULES], Vt[LS_MAX_MODULES];
	ls_mat E1[LS_MAX_MODULES], E2[LS_MAX_MODULES]; /* direction factors, then ∇_P, ∇_Q */
	ls_mat P[LS_MAX_MODULES], Q[LS_MAX_MODULES], Pt[LS_MAX_MODULES], Qt[LS_MAX_MODULES];
	double *sv[LS_MAX_MODULES];
	double *vec; /* a, b, c, d, trial copies, p, q, gradients: 7·(m + n) at most */
} ab_work;

static void ab_free(ab_work *w)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		ls_mat *all[] = { &w->Xi[k],  &w->Gi[k], &w->Gs[k], &w->H[k],  &w->HV[k],
				  &w->Gam[k], &w->Y[k],  &w->U[k],  &w->Vt[k], &w->E1[k],
				  &w->E2[k],  &w->P[k],  &w->Q[k],  &w->Pt[k], &w->Qt[k] };
		for (size_t j = 0; j < sizeof all / sizeof all[0]; j++)
			ls_mat_free(all[j]);
		free(w->sv[k]);
		w->sv[k] = NULL;
	}
	free(w->vec);
	w->vec = NULL;
}

static ls_status ab_alloc(ab_work *w, const ls_problem *p, size_t r, ls_error *err)
{
	memset(w, 0, sizeof *w);
	w->nmod = p->nmod;
	w->r = r;
	size_t maxmn = 0;
	for (size_t k = 0; k < p->nmod; k++) {
		size_t m = p->shape[k].m, n = p->shape[k].n, q = m < n ? m : n;
		w->q[k] = q;
		ls_mat *mn[] = { &w->Xi[k], &w->Gi[k],  &w->Gs[k], &w->H[k],
				 &w->HV[k], &w->Gam[k], &w->Y[k] };
		for (size_t j = 0; j < sizeof mn / sizeof mn[0]; j++)
			if (ls_mat_alloc(mn[j], m, n, err) != LS_OK)
				return err ? err->code : LS_ENOMEM;
		if (ls_mat_alloc(&w->U[k], m, q, err) != LS_OK ||
		    ls_mat_alloc(&w->Vt[k], q, n, err) != LS_OK ||
		    ls_mat_alloc(&w->E1[k], m, r, err) != LS_OK ||
		    ls_mat_alloc(&w->E2[k], n, r, err) != LS_OK ||
		    ls_mat_alloc(&w->P[k], m, r, err) != LS_OK ||
		    ls_mat_alloc(&w->Q[k], n, r, err) != LS_OK ||
		    ls_mat_alloc(&w->Pt[k], m, r, err) != LS_OK ||
		    ls_mat_alloc(&w->Qt[k], n, r, err) != LS_OK)
			return err ? err->code : LS_ENOMEM;
		w->sv[k] = calloc(q ? q : 1, sizeof(double));
		if (!w->sv[k])
			return ls_error_set(err, LS_ENOMEM, "theory: cannot allocate a spectrum");
		if (m + n > maxmn)
			maxmn = m + n;
	}
	w->vec = calloc(7 * maxmn + 1, sizeof(double));
	if (!w->vec)
		return ls_error_set(err, LS_ENOMEM, "theory: cannot allocate vectors");
	return LS_OK;
}

/* Xi[k] := Π_{rank≤r}(Y) (Y is overwritten). */
static ls_status truncate_rank(ab_work *w, size_t k, ls_error *err)
{
	size_t q = w->q[k], r = w->r < q ? w->r : q;
	ls_status st = ls_mat_svd(&w->Y[k], w->sv[k], &w->U[k], &w->Vt[k], err);
	if (st != LS_OK)
		return st;
	for (size_t j = 0; j < r; j++)
		cblas_dscal((int)w->U[k].rows, w->sv[k][j], w->U[k].data + j * w->U[k].ld, 1);
	ls_mat Ur = ls_mat_cols(w->U[k], 0, r);
	ls_mat Vr = ls_mat_block(w->Vt[k], 0, 0, r, w->Vt[k].cols);
	if (r == 0) {
		ls_mat_set_zero(&w->Xi[k]);
		return LS_OK;
	}
	return ls_mat_gemm(false, false, 1.0, &Ur, &Vr, 0.0, &w->Xi[k]);
}

/* One sample X_i of every module with rank ≤ r and ‖X_i − X*‖_F ≤ D. */
static ls_status draw_sample(ab_work *w, const ls_mat *Xstar, double D, ls_rng *rng, ls_error *err)
{
	for (size_t k = 0; k < w->nmod; k++) {
		size_t kr = 1 + (size_t)ls_rng_below(rng, w->r);
		ls_mat E1 = ls_mat_cols(w->E1[k], 0, kr), E2 = ls_mat_cols(w->E2[k], 0, kr);
		ls_rng_fill_normal(rng, &E1, 0.0, 1.0);
		ls_rng_fill_normal(rng, &E2, 0.0, 1.0);
		/* Gam holds the unit direction E/‖E‖_F */
		ls_status st = ls_mat_gemm(false, true, 1.0, &E1, &E2, 0.0, &w->Gam[k]);
		if (st != LS_OK)
			return ls_error_set(err, st, "theory: sampling direction");
		double en = ls_mat_norm(&w->Gam[k]);
		if (!(en > 0))
			return ls_error_set(err, LS_ENUMERIC, "theory: zero sampling direction");
		ls_mat_scale(&w->Gam[k], 1.0 / en);
		double rho = D * ls_rng_uniform(rng);
		bool ok = false;
		for (int tries = 0; tries < 40 && !ok; tries++, rho *= 0.5) {
			ls_mat_copy(&w->Y[k], &Xstar[k]);
			ls_mat_axpy(&w->Y[k], rho, &w->Gam[k]);
			st = truncate_rank(w, k, err);
			if (st != LS_OK)
				return st;
			ls_mat_copy(&w->HV[k], &w->Xi[k]);
			ls_mat_axpy(&w->HV[k], -1.0, &Xstar[k]);
			double dist = ls_mat_norm(&w->HV[k]);
			ok = dist <= D && dist > 0;
		}
		if (!ok)
			return ls_error_set(err, LS_ERANGE,
					    "theory: no rank-%zu matrix within D = %g of X* "
					    "(module %zu): raise D or the rank",
					    w->r, D, k);
	}
	return LS_OK;
}

/* R(H) = ∇²f(X)[H]_k·H/‖H‖² for H = a(Xᵀb)ᵀ + (Xc)dᵀ; fills w->H[k], w->HV[k]. */
static ls_status rayleigh(ls_problem *p, ab_work *w, size_t k, const double *a, const double *b,
			  const double *c, const double *d, double *pv, double *qv, double *R)
{
	const ls_mat *X = &w->Xi[k];
	int m = (int)X->rows, n = (int)X->cols;
	ls_mat_gemv(true, 1.0, X, b, 0.0, pv);  /* p = Xᵀb */
	ls_mat_gemv(false, 1.0, X, c, 0.0, qv); /* q = Xc */
	ls_mat *H = &w->H[k];
	ls_mat_set_zero(H);
	cblas_dger(CblasColMajor, m, n, 1.0, a, 1, pv, 1, H->data, (int)H->ld);
	cblas_dger(CblasColMajor, m, n, 1.0, qv, 1, d, 1, H->data, (int)H->ld);
	double hh = ls_mat_dot(H, H);
	if (!(hh > 0)) {
		*R = NAN;
		return LS_OK;
	}
	ls_status st = p->type->hvp_dense(p, w->Xi, w->H, w->HV);
	if (st != LS_OK)
		return st;
	*R = ls_mat_dot(H, &w->HV[k]) / hh;
	return LS_OK;
}

static void unit_random(ls_rng *rng, double *v, size_t n)
{
	double s;
	do {
		for (size_t i = 0; i < n; i++)
			v[i] = ls_rng_normal(rng);
		s = cblas_dnrm2((int)n, v, 1);
	} while (!(s > 0));
	cblas_dscal((int)n, 1.0 / s, v, 1);
}

/* x := normalise(x + t·(g − (xᵀg)x)) into y. */
static void sphere_step(const double *x, const double *g, double t, double *y, size_t n)
{
	double xg = cblas_ddot((int)n, x, 1, g, 1);
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] + t * (g[i] - xg * x[i]);
	double s = cblas_dnrm2((int)n, y, 1);
	if (s > 0)
		cblas_dscal((int)n, 1.0 / s, y, 1);
}

/* max over rank-1 unit U = abᵀ, V = cdᵀ of R, for module k at the sample w->Xi. */
static ls_status beta_sample(ls_problem *p, ab_work *w, size_t k, size_t iters, ls_rng *rng,
			     double *best)
{
	size_t m = w->Xi[k].rows, n = w->Xi[k].cols;
	double *a = w->vec, *b = a + m, *c = b + m, *d = c + n;        /* current point (2m + 2n) */
	double *ta = d + n, *tb = ta + m, *tc = tb + m, *td = tc + n;  /* trial */
	double *pv = td + n, *qv = pv + n;                             /* p (n), q (m) */
	double *ga = qv + m, *gb = ga + m, *gc = gb + m, *gd = gc + n; /* gradients */
	for (int i = 0; i < 8; i++) {
		unit_random(rng, a, m);
		unit_random(rng, b, m);
		unit_random(rng, c, n);
		unit_random(rng, d, n);
		ls_status st = rayleigh(p, w, k, a, b, c, d, pv, qv, best);
		if (st != LS_OK)
			return st;
		if (isfinite(*best))
			break;
	}
	if (!isfinite(*best))
		return LS_OK; /* X_i^(k) = 0: no direction UX + XV exists */
	double R = *best, t = 1.0;
	for (size_t it = 0; it < iters; it++) {
		/* Γ = 2(∇²f[H] − R·H)/‖H‖² at the current point (H, HV hold it). */
		ls_mat *H = &w->H[k], *G = &w->Gam[k];
		double hh = ls_mat_dot(H, H);
		ls_mat_copy(G, &w->HV[k]);
		ls_mat_axpy(G, -R, H);
		ls_mat_scale(G, 2.0 / hh);
		ls_mat_gemv(true, 1.0, &w->Xi[k], b, 0.0, pv);
		ls_mat_gemv(false, 1.0, &w->Xi[k], c, 0.0, qv);
		ls_mat_gemv(false, 1.0, G, pv, 0.0, ga); /* ∂R/∂a = Γp */
		ls_mat_gemv(true, 1.0, G, a, 0.0, td);   /* Γᵀa, then ∂R/∂b = X·Γᵀa */
		ls_mat_gemv(false, 1.0, &w->Xi[k], td, 0.0, gb);
		ls_mat_gemv(false, 1.0, G, d, 0.0, ta); /* Γd, then ∂R/∂c = Xᵀ·Γd */
		ls_mat_gemv(true, 1.0, &w->Xi[k], ta, 0.0, gc);
		ls_mat_gemv(true, 1.0, G, qv, 0.0, gd); /* ∂R/∂d = Γᵀq */
		double trial = NAN;
		for (int ls = 0; ls < 6; ls++, t *= 0.25) {
			sphere_step(a, ga, t, ta, m);
			sphere_step(b, gb, t, tb, m);
			sphere_step(c, gc, t, tc, n);
			sphere_step(d, gd, t, td, n);
			ls_status st = rayleigh(p, w, k, ta, tb, tc, td, pv, qv, &trial);
			if (st != LS_OK)
				return st;
			it++;
			if (isfinite(trial) && trial > R)
				break;
		}
		if (!(isfinite(trial) && trial > R))
			break; /* no ascent at any step: a stationary point of R */
		memcpy(a, ta, m * sizeof *a);
		memcpy(b, tb, m * sizeof *b);
		memcpy(c, tc, n * sizeof *c);
		memcpy(d, td, n * sizeof *d);
		R = trial;
		t *= 2.0;
	}
	*best = R;
	return LS_OK;
}

/* α quotient of module k at w->Xi given w->Gi = ∇f(X_i); leaves H[k] = Δ, Gam[k] = ∇f − ∇f*. */
static double alpha_quot(ab_work *w, const ls_mat *Xstar, size_t k)
{
	ls_mat_copy(&w->H[k], &w->Xi[k]);
	ls_mat_axpy(&w->H[k], -1.0, &Xstar[k]);
	ls_mat_copy(&w->Gam[k], &w->Gi[k]);
	ls_mat_axpy(&w->Gam[k], -1.0, &w->Gs[k]);
	double dd = ls_mat_dot(&w->H[k], &w->H[k]);
	return dd > 0 ? ls_mat_dot(&w->Gam[k], &w->H[k]) / dd : NAN;
}

/* X_i^(k) := P·Qᵀ from (P, Q), then ∇f there; false when it leaves the ball. */
static ls_status alpha_move_to(ls_problem *p, ab_work *w, const ls_mat *Xstar, size_t k,
			       const ls_mat *P, const ls_mat *Q, double D, bool *inside)
{
	ls_mat_gemm(false, true, 1.0, P, Q, 0.0, &w->Xi[k]);
	ls_mat_copy(&w->HV[k], &w->Xi[k]);
	ls_mat_axpy(&w->HV[k], -1.0, &Xstar[k]);
	double dist = ls_mat_norm(&w->HV[k]);
	*inside = dist <= D && dist > 0;
	return *inside ? p->type->grad_dense(p, w->Xi, w->Gi) : LS_OK;
}

/* Optional refinement of α̂ (o->alpha_iters > 0): descent on the factors X = P·Qᵀ of the
 * sample (rank ≤ r kept, ‖X − X*‖_F ≤ D enforced) of the quotient
 *   R(X) = ⟨∇f(X) − ∇f(X*), Δ⟩/‖Δ‖²,  Δ = X − X*,  ∇_X R = (∇²f(X)[Δ] + ∇f(X) − ∇f(X*) − 2RΔ)/‖Δ‖².
 * Every point visited is in the sampling set, so the result is still an inner bound α̂ ≥ α.
 * On entry w->Xi, w->Gi hold the sample and its gradient; on exit the best point. */
static ls_status alpha_refine(ls_problem *p, ab_work *w, const ls_mat *Xstar, size_t k, double D,
			      size_t iters, double *best)
{
	size_t q = w->q[k], rr = w->r < q ? w->r : q;
	ls_mat_set_zero(&w->P[k]);
	ls_mat_set_zero(&w->Q[k]);
	for (size_t j = 0; j < rr; j++) {
		double sj = w->sv[k][j];
		if (!(sj > 0))
			continue;
		for (size_t i = 0; i < w->P[k].rows; i++)
			LS_AT(w->P[k], i, j) = LS_AT(w->U[k], i, j) / sqrt(sj);
		for (size_t i = 0; i < w->Q[k].rows; i++)
			LS_AT(w->Q[k], i, j) = LS_AT(w->Vt[k], j, i) * sqrt(sj);
	}
	bool inside;
	ls_status st = alpha_move_to(p, w, Xstar, k, &w->P[k], &w->Q[k], D, &inside);
	if (st != LS_OK || !inside)
		return st;
	double R = alpha_quot(w, Xstar, k), t = -1.0;
	for (size_t it = 0; it < iters && isfinite(R); it++) {
		double dd = ls_mat_dot(&w->H[k], &w->H[k]);
		st = p->type->hvp_dense(p, w->Xi, w->H, w->HV);
		if (st != LS_OK)
			return st;
		/* Γ into HV[k]: (∇²f[Δ] + ∇f − ∇f* − 2RΔ)/‖Δ‖²; ∇_P = Γ·Q, ∇_Q = Γᵀ·P */
		ls_mat_axpy(&w->HV[k], 1.0, &w->Gam[k]);
		ls_mat_axpy(&w->HV[k], -2.0 * R, &w->H[k]);
		ls_mat_scale(&w->HV[k], 1.0 / dd);
		ls_mat_gemm(false, false, 1.0, &w->HV[k], &w->Q[k], 0.0, &w->E1[k]);
		ls_mat_gemm(true, false, 1.0, &w->HV[k], &w->P[k], 0.0, &w->E2[k]);
		if (t < 0) {
			double move = ls_mat_norm(&w->E1[k]) * ls_mat_norm(&w->Q[k]) +
				      ls_mat_norm(&w->P[k]) * ls_mat_norm(&w->E2[k]);
			t = move > 0 ? 0.1 * sqrt(dd) / move : 1.0;
		}
		bool accepted = false;
		double Rt = NAN;
		for (int ls = 0; ls < 8 && !accepted; ls++, t *= 0.25) {
			ls_mat_copy(&w->Pt[k], &w->P[k]);
			ls_mat_axpy(&w->Pt[k], -t, &w->E1[k]);
			ls_mat_copy(&w->Qt[k], &w->Q[k]);
			ls_mat_axpy(&w->Qt[k], -t, &w->E2[k]);
			st = alpha_move_to(p, w, Xstar, k, &w->Pt[k], &w->Qt[k], D, &inside);
			if (st != LS_OK)
				return st;
			Rt = inside ? alpha_quot(w, Xstar, k) : NAN;
			accepted = isfinite(Rt) && Rt < R;
		}
		if (!accepted)
			break;
		t *= 8.0; /* undo the last ×0.25 and try a larger step next time */
		ls_mat_copy(&w->P[k], &w->Pt[k]);
		ls_mat_copy(&w->Q[k], &w->Qt[k]);
		R = Rt;
	}
	/* leave X_i at the best point (the last accepted one) */
	st = alpha_move_to(p, w, Xstar, k, &w->P[k], &w->Q[k], D, &inside);
	if (st == LS_OK && isfinite(R) && R < *best)
		*best = R;
	return st;
}

ls_regime ls_theory_regime(double alpha, double beta)
{
	if (!isnan(alpha) && !(alpha > 0))
		return LS_REGIME_NA; /* known α ≤ 0: Theorem 1 does not apply, whatever β is */
	if (isnan(alpha) || isnan(beta))
		return LS_REGIME_UNKNOWN;
	if (!isfinite(beta))
		return LS_REGIME_NA;
	return 2.0 * alpha > beta ? LS_REGIME_SPECIAL : LS_REGIME_GENERIC;
}

/* The running extremum of one module became v at sample n. The movement statistic needs the
 * extremum after half of the samples drawn so far, whenever the result is asked for; a
 * running min (max) of iid samples changes O(log N) times, so these lists stay short. */
typedef struct {
	size_t n;
	double v;
} ab_record;

typedef struct {
	ab_record *r;
	size_t len, cap;
} ab_records;

struct ls_alphabeta_ws {
	ls_problem *p;
	const ls_mat *Xstar;
	double D;
	size_t beta_iters, alpha_iters;
	ls_rng rng;
	size_t n; /* samples drawn */
	bool failed;
	double alpha[LS_MAX_MODULES], beta[LS_MAX_MODULES]; /* running min, max */
	ab_records arec[LS_MAX_MODULES], brec[LS_MAX_MODULES];
	ab_work w;
};

/* Note v at sample n when it differs from the last value noted (init before any). */
static ls_status record(ab_records *l, size_t n, double v, double init, ls_error *err)
{
	if (v == (l->len ? l->r[l->len - 1].v : init))
		return LS_OK;
	if (l->len == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		ab_record *q = realloc(l->r, cap * sizeof *q);
		if (!q)
			return ls_error_set(err, LS_ENOMEM, "theory: cannot record an estimate");
		l->r = q;
		l->cap = cap;
	}
	l->r[l->len++] = (ab_record){ n, v };
	return LS_OK;
}

/* The value noted last at or before sample n (init before any). */
static double recorded(const ab_records *l, size_t n, double init)
{
	double v = init;
	for (size_t i = 0; i < l->len && l->r[i].n <= n; i++)
		v = l->r[i].v;
	return v;
}

ls_status ls_alphabeta_alloc(ls_alphabeta_ws **out, ls_problem *p, const ls_mat *Xstar, size_t r,
			     double D, const ls_theory_opts *o, const ls_rng *rng, ls_error *err)
{
	*out = NULL;
	if (r == 0 || !(D > 0))
		return ls_error_set(err, LS_EINVAL,
				    "theory: alpha/beta need r >= 1 and D > 0 (r = %zu, D = %g)", r,
				    D);
	for (size_t k = 0; k < p->nmod; k++)
		if (Xstar[k].rows != p->shape[k].m || Xstar[k].cols != p->shape[k].n)
			return ls_error_set(err, LS_EDIM,
					    "theory: X* of module %zu is %zu×%zu, "
					    "the problem's is %zu×%zu",
					    k, Xstar[k].rows, Xstar[k].cols, p->shape[k].m,
					    p->shape[k].n);
	ls_alphabeta_ws *ws = calloc(1, sizeof *ws);
	if (!ws)
		return ls_error_set(err, LS_ENOMEM, "theory: cannot allocate an estimate");
	ws->p = p;
	ws->Xstar = Xstar;
	ws->D = D;
	ws->beta_iters = o->beta_iters;
	ws->alpha_iters = o->alpha_iters;
	ws->rng = *rng;
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		ws->alpha[k] = INFINITY;
		ws->beta[k] = -INFINITY;
	}
	ls_status st = ab_alloc(&ws->w, p, r, err);
	if (st == LS_OK) {
		st = p->type->grad_dense(p, Xstar, ws->w.Gs);
		if (st != LS_OK)
			ls_error_set(err, st, "theory: gradient at X*");
	}
	if (st != LS_OK) {
		ls_alphabeta_free(ws);
		return st;
	}
	*out = ws;
	return LS_OK;
}

void ls_alphabeta_free(ls_alphabeta_ws *ws)
{
	if (!ws)
		return;
	ab_free(&ws->w);
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		free(ws->arec[k].r);
		free(ws->brec[k].r);
	}
	free(ws);
}

size_t ls_alphabeta_samples(const ls_alphabeta_ws *ws)
{
	return ws->n;
}

/* One sample of every module merged into the running α̂, β̂. */
static ls_status sample_one(ls_alphabeta_ws *ws, ls_error *err)
{
	ls_problem *p = ws->p;
	ab_work *w = &ws->w;
	const ls_mat *Xstar = ws->Xstar;
	ls_status st = draw_sample(w, Xstar, ws->D, &ws->rng, err);
	if (st != LS_OK)
		return st;
	st = p->type->grad_dense(p, w->Xi, w->Gi);
	if (st != LS_OK)
		return ls_error_set(err, st, "theory: gradient at a sample");
	for (size_t k = 0; k < p->nmod; k++) {
		/* HV := X_i − X*, Gam := ∇f(X_i) − ∇f(X*) */
		ls_mat_copy(&w->HV[k], &w->Xi[k]);
		ls_mat_axpy(&w->HV[k], -1.0, &Xstar[k]);
		ls_mat_copy(&w->Gam[k], &w->Gi[k]);
		ls_mat_axpy(&w->Gam[k], -1.0, &w->Gs[k]);
		double dd = ls_mat_dot(&w->HV[k], &w->HV[k]);
		double ai = ls_mat_dot(&w->Gam[k], &w->HV[k]) / dd;
		if (ai < ws->alpha[k])
			ws->alpha[k] = ai;
	}
	for (size_t k = 0; k < p->nmod; k++)
		ls_mat_set_zero(&w->H[k]);
	for (size_t k = 0; k < p->nmod; k++) {
		double bi = NAN;
		st = beta_sample(p, w, k, ws->beta_iters, &ws->rng, &bi);
		if (st != LS_OK)
			return ls_error_set(err, st, "theory: Hessian-vector product");
		if (isfinite(bi) && bi > ws->beta[k])
			ws->beta[k] = bi;
		ls_mat_set_zero(&w->H[k]);
	}
	for (size_t k = 0; k < p->nmod && ws->alpha_iters > 0; k++) {
		st = p->type->grad_dense(p, w->Xi, w->Gi);
		if (st == LS_OK)
			st = alpha_refine(p, w, Xstar, k, ws->D, ws->alpha_iters, &ws->alpha[k]);
		ls_mat_set_zero(&w->H[k]);
		if (st != LS_OK)
			return ls_error_set(err, st, "theory: refining alpha");
	}
	ws->n++;
	for (size_t k = 0; k < p->nmod && st == LS_OK; k++) {
		st = record(&ws->arec[k], ws->n, ws->alpha[k], INFINITY, err);
		if (st == LS_OK)
			st = record(&ws->brec[k], ws->n, ws->beta[k], -INFINITY, err);
	}
	return st;
}

ls_status ls_alphabeta_sample(ls_alphabeta_ws *ws, size_t n, ls_error *err)
{
	if (ws->failed)
		return ls_error_set(err, LS_EINVAL, "theory: this alpha/beta estimate failed");
	/* On one OpenBLAS thread: a sample is many mid-sized calls (an m×n SVD, gemv and ger on
	 * m×n, the problem's products), each too small to pay for waking the threads; two
	 * threads lost at every size measured (run's start on approx 64², 504 samples: 0.28 s
	 * against 0.15; approx 512², 504 samples: 35 s against 27). */
	int threads = ls_blas_threads_solo();
	for (size_t i = 0; i < n; i++) {
		ls_status st = sample_one(ws, err);
		if (st != LS_OK) {
			ws->failed = true;
			ls_blas_threads_restore(threads);
			return st;
		}
	}
	ls_blas_threads_restore(threads);
	return LS_OK;
}

void ls_alphabeta_result(const ls_alphabeta_ws *ws, ls_alphabeta *out)
{
	size_t half = ws->n / 2;
	for (size_t k = 0; k < ws->p->nmod; k++) {
		double a = ws->n ? ws->alpha[k] : NAN;
		double b = isfinite(ws->beta[k]) ? ws->beta[k] : NAN;
		out[k] = (ls_alphabeta){
			.alpha = a,
			.beta = b,
			.samples = ws->n,
			.alpha_move = half ? fabs(a - recorded(&ws->arec[k], half, INFINITY)) : NAN,
			.beta_move = half ? fabs(b - recorded(&ws->brec[k], half, -INFINITY)) : NAN,
			.alpha_exact = ws->p->alpha_exact,
			.beta_exact = ws->p->beta_exact,
			.D = ws->D,
			.r = ws->w.r,
		};
	}
}

ls_status ls_theory_alphabeta(ls_problem *p, const ls_mat *Xstar, size_t r, double D,
			      const ls_theory_opts *o, ls_rng *rng, ls_alphabeta *out,
			      ls_error *err)
{
	if (r == 0 || !(D > 0) || o->samples == 0)
		return ls_error_set(err, LS_EINVAL,
				    "theory: alpha/beta need r >= 1, D > 0 and "
				    "samples >= 1 (r = %zu, D = %g, samples = %zu)",
				    r, D, o->samples);
	ls_alphabeta_ws *ws;
	ls_status st = ls_alphabeta_alloc(&ws, p, Xstar, r, D, o, rng, err);
	if (st != LS_OK)
		return st;
	st = ls_alphabeta_sample(ws, o->samples, err);
	if (st == LS_OK)
		ls_alphabeta_result(ws, out);
	*rng = ws->rng;
	ls_alphabeta_free(ws);
	return st;
}
