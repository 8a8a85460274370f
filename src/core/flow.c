/* flow.c — closed forms of the LoRA gradient flow (MATH.md §7, §9; Rushka–Klabjan
 * eqs. 32–34, 46–53, 313). Pure functions of a few numbers, cheap enough to draw a
 * whole curve every frame, and ls_flow_curve, which decides whether a run has one. */
#include <math.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "lorascope/flow.h"

double ls_flow_scalar_product(double sigma, double x0, double y0, double t)
{
	if ((x0 == 0.0 && y0 == 0.0) || (sigma == 0.0 && x0 * y0 == 0.0))
		return x0 * y0;
	if (sigma < 0.0)
		return NAN;
	double c = x0 * x0 - y0 * y0, w0 = (x0 + y0) * (x0 + y0);
	double R = sqrt(4.0 * sigma * sigma + c * c);
	/* z = w − 2σ obeys z' = (R² − z²)/2. With q = z0/R: |q| < 1 gives
	 * z = R·tanh(R·t/2 + artanh q), q > 1 (a start beyond the limit) z = R·coth(R·t/2 +
	 * arcoth q), both with θ0 = ½·ln|(1 + q)/(1 − q)|; q = 1 is the fixed point. R·(1 + q)
	 * is computed as w0 + c²/(R + 2σ) (R − 2σ = c²/(R + 2σ)) so it does not cancel when
	 * w0 is small. */
	double num = w0 + c * c / (R + 2.0 * sigma), den = R + 2.0 * sigma - w0;
	if (!(num > 0.0))
		return NAN;
	double w = 2.0 * sigma + R;
	if (den > 0.0)
		w = 2.0 * sigma + R * tanh(0.5 * R * t + 0.5 * log(num / den));
	else if (den < 0.0)
		w = 2.0 * sigma + R / tanh(0.5 * R * t + 0.5 * log(num / -den));
	return (w - c) * (w + c) / (4.0 * w);
}

double ls_flow_approx_limit(const double *sv, size_t k, size_t r)
{
	double tail = 0.0;
	for (size_t i = r; i < k; i++)
		tail += sv[i] * sv[i];
	return 0.5 * tail;
}

double ls_flow_approx_loss(const double *sv, size_t k, size_t r, double x0, double s, double t)
{
	double x = sqrt(s) * x0, tau = s * t, acc = 0.0;
	for (size_t i = 0; i < r && i < k; i++) {
		double e = sv[i] - ls_flow_scalar_product(sv[i], x, 0.0, tau);
		acc += e * e;
	}
	return 0.5 * acc + ls_flow_approx_limit(sv, k, r);
}

double ls_flow_trace2_a(double c, double f0sq, double s, double t)
{
	if (c == 0.0 || f0sq == 0.0)
		return c;
	double x2 = s * f0sq, tau = s * t, ac = fabs(c);
	double k1 = x2 * x2 + 4.0 * c * c, sk1 = sqrt(k1);
	double k2 = asinh(x2 / (2.0 * ac)) / sk1;
	double a = k1 / (2.0 * x2 * sinh(sk1 * (tau + k2)) + 4.0 * ac);
	return c > 0.0 ? a : -a;
}

double ls_flow_trace2_loss(double c, double f0sq, double s, double t)
{
	double a = ls_flow_trace2_a(c, f0sq, s, t);
	return 0.5 * a * a;
}

ls_status ls_flow_trace2_limit(const ls_mat *F0, double c, ls_mat *X)
{
	if (X->rows != F0->rows || X->cols != F0->rows)
		return LS_EDIM;
	double nrm = ls_mat_norm(F0);
	if (nrm == 0.0)
		return LS_EINVAL;
	return ls_mat_gemm(false, true, c / (nrm * nrm), F0, F0, 0.0, X);
}

double ls_flow_trace2_rel_error(const ls_mat *F0)
{
	double f2 = 0.0, g2 = 0.0;
	size_t r = F0->cols;
	for (size_t j = 0; j < r; j++)
		for (size_t i = 0; i < r; i++) {
			ls_mat ci = ls_mat_cols(*F0, i, 1), cj = ls_mat_cols(*F0, j, 1);
			double gij = ls_mat_dot(&ci, &cj); /* (F0ᵀF0)_ij */
			g2 += gij * gij;
			if (i == j)
				f2 += gij;
		}
	if (f2 == 0.0)
		return NAN;
	double v = (double)F0->rows * g2 - f2 * f2;
	return sqrt(fmax(v, 0.0)) / f2;
}

double ls_flow_trace2_expected_rel_error2(size_t n, size_t r)
{
	double dn = (double)n, dr = (double)r;
	return (dn * dn + dn - 2.0) / (dn * dr + 2.0);
}

/* −∇f(0) of a one-module problem into R (allocated here). */
static ls_status minus_grad_at_zero(ls_problem *p, ls_mat *R, ls_error *err)
{
	ls_mat Z = { 0 };
	ls_status st = ls_mat_alloc(&Z, p->shape[0].m, p->shape[0].n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(R, p->shape[0].m, p->shape[0].n, err);
	if (st == LS_OK && (st = p->type->grad_dense(p, &Z, R)) != LS_OK)
		ls_error_set(err, st, "%s: gradient at X = 0 failed", p->type->name);
	ls_mat_free(&Z);
	ls_mat_scale(R, -1.0);
	return st;
}

static ls_status curve_approx(ls_flow_curve *fc, ls_problem *p, const ls_lora *L,
			      const ls_config *cfg, ls_error *err)
{
	ls_mat R = { 0 };
	ls_status st = minus_grad_at_zero(p, &R, err);
	size_t k = R.rows < R.cols ? R.rows : R.cols;
	if (st == LS_OK) {
		fc->sv = calloc(k ? k : 1, sizeof *fc->sv);
		if (!fc->sv)
			st = ls_error_set(err, LS_ENOMEM, "flow curve: out of memory");
	}
	if (st == LS_OK)
		st = ls_mat_svd_values(&R, fc->sv, err);
	ls_mat_free(&R);
	if (st != LS_OK) {
		ls_flow_curve_free(fc);
		return st;
	}
	fc->kind = LS_FLOW_APPROX;
	fc->k = k;
	fc->r = L->r;
	fc->x0 = cfg->init_scale;
	return LS_OK;
}

static ls_status curve_trace2(ls_flow_curve *fc, ls_problem *p, const ls_lora *L, ls_error *err)
{
	double na = ls_mat_norm(&L->A[0]), nb = ls_mat_norm(&L->B[0]);
	if ((na == 0.0) == (nb == 0.0)) {
		fc->why = "trace2: the closed form needs exactly one factor zero at the start";
		return LS_OK;
	}
	ls_mat R = { 0 };
	ls_status st = minus_grad_at_zero(p, &R, err);
	if (st == LS_OK) {
		fc->kind = LS_FLOW_TRACE2;
		fc->c = ls_mat_trace(&R) / (double)R.rows; /* −∇f(0) = Tr(W0)·I */
		fc->f0sq = na > 0.0 ? na * na : nb * nb;
	}
	ls_mat_free(&R);
	return st;
}

ls_status ls_flow_curve_init(ls_flow_curve *fc, ls_problem *p, const ls_lora *L,
			     const ls_config *cfg, ls_error *err)
{
	*fc = (ls_flow_curve){ .kind = LS_FLOW_NONE, .s = L->nmod ? L->s[0] : 1.0 };
	bool descent = cfg->optimizer == LS_OPTIM_GD || cfg->optimizer == LS_OPTIM_SGD ||
		       cfg->optimizer == LS_OPTIM_MK;
	if (p->type == &ls_problem_approx) {
		if (cfg->init != LS_INIT_SPECTRAL || ls_mat_norm(&L->B[0]) != 0.0)
			fc->why = "approx: the closed form needs the spectral initialisation";
	} else if (p->type != &ls_problem_trace2) {
		fc->why = "closed forms exist for approx (spectral init) and trace2 only";
	}
	if (!fc->why && cfg->lambda != 0.0)
		fc->why = "the closed forms assume lambda = 0";
	if (!fc->why && !descent)
		fc->why = "the closed form is the flow of gradient descent (gd, sgd, mk)";
	if (fc->why)
		return LS_OK;
	if (p->type == &ls_problem_approx)
		return curve_approx(fc, p, L, cfg, err);
	return curve_trace2(fc, p, L, err);
}

double ls_flow_curve_loss(const ls_flow_curve *fc, double t)
{
	switch (fc->kind) {
	case LS_FLOW_APPROX:
		return ls_flow_approx_loss(fc->sv, fc->k, fc->r, fc->x0, fc->s, t);
	case LS_FLOW_TRACE2:
		return ls_flow_trace2_loss(fc->c, fc->f0sq, fc->s, t);
	default:
		return NAN;
	}
}

void ls_flow_curve_free(ls_flow_curve *fc)
{
	free(fc->sv);
	*fc = (ls_flow_curve){ .kind = LS_FLOW_NONE, .why = "no run" };
}
