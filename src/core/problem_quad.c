/* problem_quad.c — the engine of the quadratic presets (MATH.md §9):
 * f(X) = ½·dᵀK d with d = vec(X − M*) (column-major), ∇f = K d, ∇²f[H] = K·vec(H).
 * The shapes are tiny (2×2, 5×5), so loss_grad forms X; GA = ∇f·B, GB = ∇fᵀ·A. */
#include <math.h>
#include <stdlib.h>

#include "problem_util.h"

typedef struct {
	ls_mat K;       /* mn×mn */
	ls_mat X, D, G; /* m×n workspaces */
	double L;
} quad_data;

void ls_probquad_destroy(ls_problem *p)
{
	quad_data *d = p->data;
	if (!d)
		return;
	ls_mat_free(&d->K);
	ls_mat_free(&d->X);
	ls_mat_free(&d->D);
	ls_mat_free(&d->G);
	free(d);
	p->data = NULL;
}

ls_status ls_probquad_create(ls_problem *p, const ls_mat *K, const ls_mat *Mstar, ls_error *err)
{
	size_t m = Mstar->rows, n = Mstar->cols, mn = m * n;
	if (K->rows != mn || K->cols != mn)
		return ls_error_set(err, LS_EDIM, "quadratic preset: K is %zu×%zu, want %zu×%zu",
				    K->rows, K->cols, mn, mn);
	quad_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "quadratic preset: out of memory");
	p->data = d;
	p->nmod = 1;
	p->shape[0] = (ls_shape){ m, n };
	p->samples = 0;
	ls_mat E = { 0 };
	double *w = malloc(mn * sizeof *w);
	ls_status st = w ? LS_OK : ls_error_set(err, LS_ENOMEM, "quadratic preset: out of memory");
	if (st == LS_OK)
		st = ls_mat_alloc(&d->K, mn, mn, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&E, mn, mn, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->X, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->D, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->G, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&p->target, m, n, err);
	if (st == LS_OK)
		st = ls_mat_copy(&d->K, K);
	if (st == LS_OK)
		st = ls_mat_copy(&E, K);
	if (st == LS_OK)
		st = ls_mat_copy(&p->target, Mstar);
	if (st == LS_OK)
		st = ls_mat_sym_eig(&E, w, false, err);
	if (st == LS_OK)
		d->L = w[mn - 1];
	ls_mat_free(&E);
	free(w);
	return st;
}

/* d->G := K·vec(X − M*) and return ½·dᵀK d; X has p's shape. */
static double quad_eval(ls_problem *p, const ls_mat *X)
{
	quad_data *d = p->data;
	size_t mn = d->K.rows;
	ls_mat_copy(&d->D, X);
	ls_mat_axpy(&d->D, -1.0, &p->target);
	ls_mat_gemv(false, 1.0, &d->K, d->D.data, 0.0, d->G.data);
	ls_mat dv = ls_mat_view(d->D.data, mn, 1, mn), gv = ls_mat_view(d->G.data, mn, 1, mn);
	return 0.5 * ls_mat_dot(&dv, &gv);
}

ls_status ls_probquad_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				double *loss, ls_mat *GA, ls_mat *GB)
{
	(void)batch;
	quad_data *d = p->data;
	ls_status st = ls_probutil_check_factors(p, F);
	if (st == LS_OK)
		st = ls_probutil_form(F, 0, &d->X);
	if (st != LS_OK)
		return st;
	double f = quad_eval(p, &d->X);
	if (loss)
		*loss = f;
	return ls_probutil_dense_factor_grads(&d->G, F, GA, GB);
}

double ls_probquad_loss_dense(ls_problem *p, const ls_mat *X)
{
	if (ls_probutil_check_dense(p, X) != LS_OK)
		return NAN;
	return quad_eval(p, &X[0]);
}

ls_status ls_probquad_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	ls_status st = ls_probutil_check_dense_all(p, X, G, NULL);
	if (st != LS_OK)
		return st;
	quad_eval(p, &X[0]);
	return ls_mat_copy(&G[0], &((quad_data *)p->data)->G);
}

ls_status ls_probquad_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	quad_data *d = p->data;
	ls_status st = ls_probutil_check_dense_all(p, X, H, out);
	if (st != LS_OK)
		return st;
	ls_mat_copy(&d->D, &H[0]);
	ls_mat_gemv(false, 1.0, &d->K, d->D.data, 0.0, d->G.data);
	return ls_mat_copy(&out[0], &d->G);
}

double ls_probquad_lipschitz(ls_problem *p)
{
	return ((quad_data *)p->data)->L;
}
