/* lora.c — the trainable LoRA modules X_k = s·A_k·B_kᵀ: scaling rules, allocation,
 * forming X, and mid-run rank changes (MATH.md §2, §8; SPEC §2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/lora.h"

const char *const ls_scaling_names[LS_SCALING_COUNT + 1] = {
#define LS_SCALING_NAME(id, name, help) [id] = name,
	LS_SCALING_LIST(LS_SCALING_NAME)
#undef LS_SCALING_NAME
};

const char *const ls_scaling_help[LS_SCALING_COUNT] = {
#define LS_SCALING_HELP(id, name, help) [id] = help,
	LS_SCALING_LIST(LS_SCALING_HELP)
#undef LS_SCALING_HELP
};

double ls_lora_scale(int scaling, double alpha, size_t r)
{
	switch (scaling) {
	case LS_SCALING_ALPHA_R:
		return alpha / (double)r;
	case LS_SCALING_RSLORA:
		return alpha / sqrt((double)r);
	default:
		return 1.0;
	}
}

void ls_lora_free(ls_lora *L)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		ls_mat_free(&L->A[k]);
		ls_mat_free(&L->B[k]);
	}
	memset(L, 0, sizeof *L);
}

ls_status ls_lora_alloc(ls_lora *L, const ls_problem *p, size_t r, int scaling, double alpha,
			ls_error *err)
{
	memset(L, 0, sizeof *L);
	if (r == 0)
		return ls_error_set(err, LS_EINVAL, "LoRA rank must be at least 1");
	if (p->nmod == 0 || p->nmod > LS_MAX_MODULES)
		return ls_error_set(err, LS_EINVAL, "problem has %zu modules (1..%d allowed)",
				    p->nmod, LS_MAX_MODULES);
	if (scaling < 0 || scaling >= LS_SCALING_COUNT)
		return ls_error_set(err, LS_EINVAL, "unknown scaling rule %d", scaling);
	L->nmod = p->nmod;
	L->r = r;
	L->scaling = scaling;
	L->alpha = alpha;
	for (size_t k = 0; k < p->nmod; k++) {
		ls_status st = ls_mat_alloc(&L->A[k], p->shape[k].m, r, err);
		if (st == LS_OK)
			st = ls_mat_alloc(&L->B[k], p->shape[k].n, r, err);
		if (st != LS_OK) {
			ls_lora_free(L);
			return st;
		}
		L->s[k] = ls_lora_scale(scaling, alpha, r);
	}
	return LS_OK;
}

ls_status ls_lora_copy(ls_lora *dst, const ls_lora *src, ls_error *err)
{
	memset(dst, 0, sizeof *dst);
	dst->nmod = src->nmod;
	dst->r = src->r;
	dst->scaling = src->scaling;
	dst->alpha = src->alpha;
	for (size_t k = 0; k < src->nmod; k++) {
		ls_status st = ls_mat_alloc(&dst->A[k], src->A[k].rows, src->A[k].cols, err);
		if (st == LS_OK)
			st = ls_mat_alloc(&dst->B[k], src->B[k].rows, src->B[k].cols, err);
		if (st != LS_OK) {
			ls_lora_free(dst);
			return st;
		}
		ls_mat_copy(&dst->A[k], &src->A[k]);
		ls_mat_copy(&dst->B[k], &src->B[k]);
		dst->s[k] = src->s[k];
	}
	return LS_OK;
}

ls_factors ls_lora_factors(const ls_lora *L)
{
	return (ls_factors){ .nmod = L->nmod, .A = L->A, .B = L->B, .s = L->s };
}

void ls_lora_set_scaling(ls_lora *L, int scaling, double alpha)
{
	L->scaling = scaling;
	L->alpha = alpha;
	for (size_t k = 0; k < L->nmod; k++)
		L->s[k] = ls_lora_scale(scaling, alpha, L->r);
}

ls_status ls_lora_form(const ls_lora *L, size_t k, ls_mat *X)
{
	if (k >= L->nmod)
		return LS_EINVAL;
	if (X->rows != L->A[k].rows || X->cols != L->B[k].rows)
		return LS_EDIM;
	return ls_mat_gemm(false, true, L->s[k], &L->A[k], &L->B[k], 0.0, X);
}

/* New factors of rank r for module k, old columns scaled by c, the rest A random, B zero. */
static ls_status grow_module(const ls_mat *A, const ls_mat *B, double c, size_t r, ls_rng *rng,
			     ls_mat *A2, ls_mat *B2, ls_error *err)
{
	ls_status st = ls_mat_alloc(A2, A->rows, r, err);
	if (st == LS_OK)
		st = ls_mat_alloc(B2, B->rows, r, err);
	if (st != LS_OK)
		return st;
	size_t r0 = A->cols;
	ls_mat a_old = ls_mat_cols(*A2, 0, r0), b_old = ls_mat_cols(*B2, 0, r0);
	ls_mat_copy(&a_old, A);
	ls_mat_copy(&b_old, B);
	ls_mat_scale(&a_old, c);
	ls_mat_scale(&b_old, c);
	ls_mat a_new = ls_mat_cols(*A2, r0, r - r0);
	ls_rng_fill_normal(rng, &a_new, 0.0, LS_LORA_GROW_STD);
	return LS_OK;
}

/* Thin factorisation F = Q·R with Q m×k orthonormal (k = min(m, r)): Householder QR when
 * F is tall, else Q = I_m (returned empty) and R = F. */
static ls_status thin_factor(const ls_mat *F, ls_mat *Q, ls_mat *R, ls_error *err)
{
	ls_status st;
	if (F->rows >= F->cols) {
		if ((st = ls_mat_alloc(Q, F->rows, F->cols, err)) != LS_OK ||
		    (st = ls_mat_alloc(R, F->cols, F->cols, err)) != LS_OK)
			return st;
		ls_mat_copy(Q, F);
		return ls_mat_qr(Q, R, err);
	}
	*Q = (ls_mat){ 0 };
	if ((st = ls_mat_alloc(R, F->rows, F->cols, err)) != LS_OK)
		return st;
	return ls_mat_copy(R, F);
}

/* out := Q·small (or small itself when Q is the identity, i.e. empty). */
static ls_status apply_q(const ls_mat *Q, const ls_mat *small, ls_mat *out)
{
	if (Q->data == NULL)
		return ls_mat_copy(out, small);
	return ls_mat_gemm(false, false, 1.0, Q, small, 0.0, out);
}

/* Best rank-r truncation of s_old·A·Bᵀ as balanced factors for the scaling s_new. */
static ls_status shrink_module(const ls_mat *A, const ls_mat *B, double s_old, double s_new,
			       size_t r, ls_mat *A2, ls_mat *B2, ls_error *err)
{
	ls_mat QA = { 0 }, RA = { 0 }, QB = { 0 }, RB = { 0 }, C = { 0 }, U = { 0 }, Vt = { 0 };
	ls_mat V = { 0 }, Ur = { 0 }, Vr = { 0 };
	double *sv = NULL;
	ls_status st;
	if ((st = thin_factor(A, &QA, &RA, err)) != LS_OK ||
	    (st = thin_factor(B, &QB, &RB, err)) != LS_OK ||
	    (st = ls_mat_alloc(&C, RA.rows, RB.rows, err)) != LS_OK)
		goto out;
	ls_mat_gemm(false, true, 1.0, &RA, &RB, 0.0, &C);
	size_t kc = C.rows < C.cols ? C.rows : C.cols;
	size_t rr = r < kc ? r : kc;
	sv = calloc(kc ? kc : 1, sizeof *sv);
	if (!sv) {
		st = ls_error_set(err, LS_ENOMEM, "rank change: out of memory");
		goto out;
	}
	if ((st = ls_mat_alloc(&U, C.rows, kc, err)) != LS_OK ||
	    (st = ls_mat_alloc(&Vt, kc, C.cols, err)) != LS_OK ||
	    (st = ls_mat_svd(&C, sv, &U, &Vt, err)) != LS_OK ||
	    (st = ls_mat_alloc(&V, C.cols, kc, err)) != LS_OK ||
	    (st = ls_mat_transpose(&V, &Vt)) != LS_OK ||
	    (st = ls_mat_alloc(&Ur, C.rows, rr, err)) != LS_OK ||
	    (st = ls_mat_alloc(&Vr, C.cols, rr, err)) != LS_OK ||
	    (st = ls_mat_alloc(A2, A->rows, r, err)) != LS_OK ||
	    (st = ls_mat_alloc(B2, B->rows, r, err)) != LS_OK)
		goto out;
	for (size_t j = 0; j < rr; j++) {
		double w = sqrt(s_old * sv[j] / s_new);
		for (size_t i = 0; i < Ur.rows; i++)
			LS_AT(Ur, i, j) = LS_AT(U, i, j) * w;
		for (size_t i = 0; i < Vr.rows; i++)
			LS_AT(Vr, i, j) = LS_AT(V, i, j) * w;
	}
	/* Columns rr..r-1 (only when X has rank below r) stay zero. */
	ls_mat a_top = ls_mat_cols(*A2, 0, rr), b_top = ls_mat_cols(*B2, 0, rr);
	if ((st = apply_q(&QA, &Ur, &a_top)) == LS_OK)
		st = apply_q(&QB, &Vr, &b_top);
out:
	free(sv);
	ls_mat_free(&QA);
	ls_mat_free(&RA);
	ls_mat_free(&QB);
	ls_mat_free(&RB);
	ls_mat_free(&C);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
	ls_mat_free(&V);
	ls_mat_free(&Ur);
	ls_mat_free(&Vr);
	return st;
}

ls_status ls_lora_set_rank(ls_lora *L, size_t r, ls_rng *rng, ls_error *err)
{
	if (r == 0)
		return ls_error_set(err, LS_EINVAL, "LoRA rank must be at least 1");
	if (r == L->r)
		return LS_OK;
	double s_new = ls_lora_scale(L->scaling, L->alpha, r);
	ls_mat A2[LS_MAX_MODULES] = { 0 }, B2[LS_MAX_MODULES] = { 0 };
	ls_status st = LS_OK;
	for (size_t k = 0; k < L->nmod && st == LS_OK; k++) {
		if (r > L->r)
			st = grow_module(&L->A[k], &L->B[k], sqrt(L->s[k] / s_new), r, rng, &A2[k],
					 &B2[k], err);
		else
			st = shrink_module(&L->A[k], &L->B[k], L->s[k], s_new, r, &A2[k], &B2[k],
					   err);
	}
	if (st != LS_OK) {
		for (size_t k = 0; k < L->nmod; k++) {
			ls_mat_free(&A2[k]);
			ls_mat_free(&B2[k]);
		}
		return st;
	}
	for (size_t k = 0; k < L->nmod; k++) {
		ls_mat_free(&L->A[k]);
		ls_mat_free(&L->B[k]);
		L->A[k] = A2[k];
		L->B[k] = B2[k];
		L->s[k] = s_new;
	}
	L->r = r;
	return LS_OK;
}
