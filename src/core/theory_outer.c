/* theory_outer.c — rigorous outer bounds of α and β on quadratic problems (MATH.md §9):
 * ∇²f is constant there, so over every direction λ_min(∇²f_kk) ≤ α_k and β_k ≤ λ_max(∇²f_kk),
 * ∇²f_kk the block of module k (the other modules held). The block is assembled column by
 * column from Hessian–vector products and its extreme eigenvalues found by LAPACK. */
#include <math.h>
#include <stdlib.h>

#include "lorascope/theory.h"

ls_status ls_theory_outer_bounds(ls_problem *p, const ls_mat *X, size_t k, double *lmin,
				 double *lmax, ls_error *err)
{
	*lmin = *lmax = NAN;
	size_t dim = p->shape[k].m * p->shape[k].n;
	if (!p->type->quadratic || dim == 0 || dim > LS_THEORY_OUTER_MAX_DIM)
		return LS_OK;
	ls_mat H[LS_MAX_MODULES] = { 0 }, Y[LS_MAX_MODULES] = { 0 }, Hf = { 0 };
	double *w = NULL;
	ls_status st = ls_mat_alloc(&Hf, dim, dim, err);
	for (size_t j = 0; st == LS_OK && j < p->nmod; j++) {
		st = ls_mat_alloc(&H[j], p->shape[j].m, p->shape[j].n, err);
		if (st == LS_OK)
			st = ls_mat_alloc(&Y[j], p->shape[j].m, p->shape[j].n, err);
	}
	if (st == LS_OK && !(w = malloc(dim * sizeof *w)))
		st = ls_error_set(err, LS_ENOMEM, "theory: outer bounds");
	size_t m = p->shape[k].m;
	for (size_t c = 0; st == LS_OK && c < dim; c++) {
		LS_AT(H[k], c % m, c / m) = 1.0;
		st = p->type->hvp_dense(p, X, H, Y);
		LS_AT(H[k], c % m, c / m) = 0.0;
		if (st != LS_OK)
			st = ls_error_set(err, st, "theory: Hessian-vector product");
		for (size_t i = 0; st == LS_OK && i < dim; i++)
			LS_AT(Hf, i, c) = LS_AT(Y[k], i % m, i / m);
	}
	/* Symmetric in exact arithmetic: average the two triangles the products gave. */
	for (size_t c = 0; st == LS_OK && c < dim; c++)
		for (size_t i = 0; i < c; i++)
			LS_AT(Hf, i, c) = 0.5 * (LS_AT(Hf, i, c) + LS_AT(Hf, c, i));
	if (st == LS_OK)
		st = ls_mat_sym_eig(&Hf, w, false, err);
	if (st == LS_OK) {
		*lmin = w[0];
		*lmax = w[dim - 1];
	}
	free(w);
	ls_mat_free(&Hf);
	for (size_t j = 0; j < p->nmod; j++) {
		ls_mat_free(&H[j]);
		ls_mat_free(&Y[j]);
	}
	return st;
}
