/* problem_trace2.c — the trace-squared objective f(X) = ½·Tr²(W0 − X) (MATH.md §1, §7, §9;
 * Rushka–Klabjan §2.2), square n×n.
 *
 * With a = Tr(W0) − Tr(X) and Tr(X) = s·⟨A, B⟩ (X never formed):
 *   f = ½a²,  ∇f = −a·I,  GA = ∇f·B = −a·B,  GB = ∇fᵀ·A = −a·A,  ∇²f[H] = Tr(H)·I.
 * f depends on W0 only through Tr(W0), fixed at 2 (their Assumption 2.6 asks
 * Tr(W0) ≠ 0; a small trace keeps GD at the default step stable), so no W0 is drawn;
 * --w0 (n×n) gives Tr(W0) from a file.
 * ∇²f vanishes on traceless H, so α = 0 (MATH.md §9): Theorem 1 does not
 * apply. L = n (‖Tr(H)·I‖_F ≤ n‖H‖_F, equality at H = I). No samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "problem_util.h"

#define TRACE2_TRACE 2.0

typedef struct {
	double trace_w0;
} trace2_data;

static void trace2_destroy(ls_problem *p)
{
	free(p->data);
	p->data = NULL;
}

static ls_status trace2_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in,
			       ls_rng *rng, ls_error *err)
{
	if (cfg->m != cfg->n)
		return ls_error_set(err, LS_EINVAL,
				    "trace2 needs a square W0: --m %ld and --n %ld differ", cfg->m,
				    cfg->n);
	size_t n = (size_t)cfg->n;
	trace2_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "trace2: out of memory");
	p->data = d;
	p->nmod = 1;
	p->shape[0] = (ls_shape){ n, n };
	p->samples = 0;
	p->alpha_exact = 0.0;
	p->beta_exact = NAN;
	(void)rng;
	d->trace_w0 = TRACE2_TRACE;
	char need[64];
	snprintf(need, sizeof need, "--m %zu --n %zu", n, n);
	ls_mat W0 = { 0 };
	bool loaded;
	ls_status st = ls_probutil_input(cfg, in, LS_PARAM_w0, n, n, need, &W0, &loaded, err);
	if (loaded)
		d->trace_w0 = ls_mat_trace(&W0);
	ls_mat_free(&W0);
	return st;
}

static ls_status trace2_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				  double *loss, ls_mat *GA, ls_mat *GB)
{
	(void)batch;
	trace2_data *d = p->data;
	ls_status st = ls_probutil_check_factors(p, F);
	if (st != LS_OK)
		return st;
	double a = d->trace_w0 - F->s[0] * ls_mat_dot(&F->A[0], &F->B[0]);
	if (loss)
		*loss = 0.5 * a * a;
	if (GA) {
		if ((st = ls_mat_copy(&GA[0], &F->B[0])) != LS_OK)
			return st;
		ls_mat_scale(&GA[0], -a);
	}
	if (GB) {
		if ((st = ls_mat_copy(&GB[0], &F->A[0])) != LS_OK)
			return st;
		ls_mat_scale(&GB[0], -a);
	}
	return LS_OK;
}

static double trace2_loss_dense(ls_problem *p, const ls_mat *X)
{
	trace2_data *d = p->data;
	if (ls_probutil_check_dense(p, X) != LS_OK)
		return NAN;
	double a = d->trace_w0 - ls_mat_trace(&X[0]);
	return 0.5 * a * a;
}

static ls_status trace2_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	trace2_data *d = p->data;
	ls_status st = ls_probutil_check_dense_all(p, X, G, NULL);
	if (st != LS_OK)
		return st;
	ls_mat_set_identity(&G[0]);
	ls_mat_scale(&G[0], -(d->trace_w0 - ls_mat_trace(&X[0])));
	return LS_OK;
}

static ls_status trace2_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	ls_status st = ls_probutil_check_dense_all(p, X, H, out);
	if (st != LS_OK)
		return st;
	double t = ls_mat_trace(&H[0]);
	ls_mat_set_identity(&out[0]);
	ls_mat_scale(&out[0], t);
	return LS_OK;
}

static double trace2_lipschitz(ls_problem *p)
{
	return (double)p->shape[0].n;
}

const ls_problem_type ls_problem_trace2 = {
	.name = "trace2",
	.create = trace2_create,
	.destroy = trace2_destroy,
	.loss_grad = trace2_loss_grad,
	.loss_dense = trace2_loss_dense,
	.grad_dense = trace2_grad_dense,
	.hvp_dense = trace2_hvp_dense,
	.lipschitz = trace2_lipschitz,
	.convex = true,
	.quadratic = true,
	.plants_true_rank = false,
};
