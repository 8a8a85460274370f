/* problem_util.c — helpers shared by the problem files: random orthonormal bases,
 * planted low-rank matrices, shape and batch checks, forming X, workspaces. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lorascope/config.h"
#include "lorascope/fileio.h"
#include "problem_util.h"

ls_status ls_probutil_orthonormal(ls_rng *rng, ls_mat *Q, ls_error *err)
{
	size_t k = Q->cols;
	if (Q->rows < k)
		return ls_error_set(err, LS_EDIM, "orthonormal basis: %zu columns in R^%zu", k,
				    Q->rows);
	ls_mat R;
	ls_status st = ls_mat_alloc(&R, k, k, err);
	if (st != LS_OK)
		return st;
	ls_rng_fill_normal(rng, Q, 0.0, 1.0);
	st = ls_mat_qr(Q, &R, err);
	for (size_t j = 0; st == LS_OK && j < k; j++)
		if (LS_AT(R, j, j) < 0.0) {
			ls_mat c = ls_mat_cols(*Q, j, 1);
			ls_mat_scale(&c, -1.0);
		}
	ls_mat_free(&R);
	return st;
}

ls_status ls_probutil_planted(ls_rng *rng, ls_mat *X, size_t rank, double sigma1, double decay,
			      double *sigma, ls_error *err)
{
	size_t m = X->rows, n = X->cols;
	if (rank > m || rank > n)
		return ls_error_set(err, LS_ERANGE, "planted rank %zu exceeds the size %zu×%zu",
				    rank, m, n);
	ls_mat U = { 0 }, V = { 0 };
	ls_status st = ls_mat_alloc(&U, m, rank, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&V, n, rank, err);
	if (st == LS_OK)
		st = ls_probutil_orthonormal(rng, &U, err);
	if (st == LS_OK)
		st = ls_probutil_orthonormal(rng, &V, err);
	if (st == LS_OK) {
		double sv = sigma1;
		for (size_t i = 0; i < rank; i++, sv *= decay) {
			ls_mat c = ls_mat_cols(U, i, 1);
			ls_mat_scale(&c, sv);
			if (sigma)
				sigma[i] = sv;
		}
		st = ls_mat_gemm(false, true, 1.0, &U, &V, 0.0, X);
	}
	ls_mat_free(&U);
	ls_mat_free(&V);
	return st;
}

ls_status ls_probutil_check_factors(const ls_problem *p, const ls_factors *F)
{
	if (!F || F->nmod != p->nmod)
		return LS_EDIM;
	for (size_t k = 0; k < F->nmod; k++) {
		const ls_mat *A = &F->A[k], *B = &F->B[k];
		if (A->rows != p->shape[k].m || B->rows != p->shape[k].n || A->cols != B->cols ||
		    A->cols != F->A[0].cols)
			return LS_EDIM;
	}
	return LS_OK;
}

ls_status ls_probutil_check_dense(const ls_problem *p, const ls_mat *X)
{
	for (size_t k = 0; k < p->nmod; k++)
		if (X[k].rows != p->shape[k].m || X[k].cols != p->shape[k].n)
			return LS_EDIM;
	return LS_OK;
}

ls_status ls_probutil_check_batch(const ls_problem *p, const ls_batch *b)
{
	if (!b)
		return LS_OK;
	if (b->count == 0 || !b->idx)
		return LS_EINVAL;
	for (size_t j = 0; j < b->count; j++)
		if (b->idx[j] >= p->samples)
			return LS_EINVAL;
	return LS_OK;
}

ls_status ls_probutil_form(const ls_factors *F, size_t k, ls_mat *X)
{
	return ls_mat_gemm(false, true, F->s[k], &F->A[k], &F->B[k], 0.0, X);
}

ls_status ls_probutil_ensure(ls_mat *W, size_t rows, size_t cols, ls_mat *view, ls_error *err)
{
	if (!W->data || W->rows != rows || W->cols < cols) {
		size_t c = cols ? cols : 1;
		ls_status st = ls_mat_realloc(W, rows, c, err);
		if (st != LS_OK)
			return st;
	}
	*view = ls_mat_cols(*W, 0, cols);
	return LS_OK;
}

ls_status ls_probutil_load(const ls_config *cfg, int id, size_t rows, size_t cols,
			   const char *need, ls_mat *M, bool *loaded, ls_error *err)
{
	const ls_param_info *p = &ls_params[id];
	const char *spec = (const char *)cfg + p->offset;
	if (loaded)
		*loaded = false;
	if (!spec[0])
		return LS_OK;
	ls_mat T = { 0 };
	ls_status st = ls_matrix_load(spec, &T, err);
	if (st == LS_OK)
		st = ls_matrix_expect(spec, &T, rows, cols, need, err);
	if (st != LS_OK) {
		ls_mat_free(&T);
		if (err) {
			char msg[LS_ERROR_MSG_MAX];
			snprintf(msg, sizeof msg, "%s", err->msg);
			ls_error_set(err, st, "--%s: %s", p->name, msg);
		}
		return st;
	}
	ls_mat_free(M);
	*M = T;
	if (loaded)
		*loaded = true;
	return LS_OK;
}
