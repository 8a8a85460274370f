/* problem_util.c — helpers shared by the problem files: random orthonormal bases,
 * planted low-rank matrices, shape and batch checks, batch gathering, the LoRA linear layer
 * and its factor gradients, dense residuals, input Gram eigenvalues, forming X, workspaces. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lorascope/config.h"
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

ls_status ls_probutil_check_dense_all(const ls_problem *p, const ls_mat *X, const ls_mat *Y,
				      const ls_mat *Z)
{
	const ls_mat *all[] = { X, Y, Z };
	for (size_t i = 0; i < 3; i++)
		if (all[i] && ls_probutil_check_dense(p, all[i]) != LS_OK)
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

ls_status ls_probutil_batch_inputs(const ls_mat *Z, const ls_batch *batch, ls_mat *Zg, ls_mat *Zb)
{
	if (!batch) {
		*Zb = *Z;
		return LS_OK;
	}
	ls_status st = ls_probutil_ensure(Zg, Z->rows, batch->count, Zb, NULL);
	return st == LS_OK ? ls_probutil_gather(Z, batch, Zb) : st;
}

ls_status ls_probutil_gather(const ls_mat *src, const ls_batch *batch, ls_mat *dst)
{
	if (!batch)
		return ls_mat_copy(dst, src);
	if (dst->rows != src->rows || dst->cols != batch->count)
		return LS_EDIM;
	for (size_t j = 0; j < batch->count; j++) {
		ls_mat d = ls_mat_cols(*dst, j, 1), s = ls_mat_cols(*src, batch->idx[j], 1);
		ls_mat_copy(&d, &s);
	}
	return LS_OK;
}

ls_status ls_probutil_lowrank_apply(double s, const ls_mat *A, const ls_mat *B, const ls_mat *In,
				    ls_mat *T, ls_mat *Out)
{
	ls_status st = ls_mat_gemm(true, false, 1.0, B, In, 0.0, T);
	return st == LS_OK ? ls_mat_gemm(false, false, s, A, T, 1.0, Out) : st;
}

ls_status ls_probutil_lowrank_grads(double inv, const ls_mat *A, const ls_mat *R, const ls_mat *T,
				    const ls_mat *In, ls_mat *U, ls_mat *GA, ls_mat *GB)
{
	ls_status st;
	if (GA && (st = ls_mat_gemm(false, true, inv, R, T, 0.0, GA)) != LS_OK)
		return st;
	if (GB) {
		if ((st = ls_mat_gemm(true, false, 1.0, A, R, 0.0, U)) != LS_OK)
			return st;
		return ls_mat_gemm(false, true, inv, In, U, 0.0, GB);
	}
	return LS_OK;
}

/* The layer pass's column blocks: at most this many bytes of Z_J and R_J together (a quarter
 * of L2), at least LAYER_BLOCK_MIN samples; parts from this many flops of the pass's thin
 * products, 10·b·r·(m + n) (about 0.1 ms on one core), and how many. */
#define LAYER_BLOCK_BYTES 262144.0
#define LAYER_BLOCK_MIN 16
#define LAYER_SPLIT_FLOPS 4194304.0
#define LAYER_PARTS 8

typedef struct {
	const ls_mat *A, *B, *Base;
	double s;
	const ls_batch *batch;
	ls_mat Z, R, T, U; /* the batch's views */
	ls_mat *GA, *GB;   /* part 0's slots (NULL: not wanted) */
	ls_mat GAs, GBs;   /* parts 1..: r columns each */
	double *loss;      /* a share of f a block */
	ls_probutil_layer_out out;
	void *ctx;
	size_t w, blocks, parts;
} layer_pass;

static void layer_part(void *arg, size_t k)
{
	const layer_pass *c = arg;
	size_t b = c->R.cols, r = c->A->cols;
	size_t q0 = k * c->blocks / c->parts, q1 = (k + 1) * c->blocks / c->parts;
	ls_mat GA = k ? ls_mat_cols(c->GAs, (k - 1) * r, r) : c->GA ? *c->GA : (ls_mat){ 0 };
	ls_mat GB = k ? ls_mat_cols(c->GBs, (k - 1) * r, r) : c->GB ? *c->GB : (ls_mat){ 0 };
	for (size_t q = q0; q < q1; q++) {
		size_t j = q * c->w, w = b - j < c->w ? b - j : c->w;
		ls_mat ZJ = ls_mat_cols(c->Z, j, w), RJ = ls_mat_cols(c->R, j, w);
		ls_mat TJ = ls_mat_cols(c->T, j, w), UJ = ls_mat_cols(c->U, j, w);
		ls_batch sub = { .idx = c->batch ? c->batch->idx + j : NULL, .count = w };
		if (c->batch) {
			ls_probutil_gather(c->Base, &sub, &RJ);
		} else {
			ls_mat BJ = ls_mat_cols(*c->Base, j, w);
			ls_mat_copy(&RJ, &BJ);
		}
		ls_probutil_lowrank_apply(c->s, c->A, c->B, &ZJ, &TJ, &RJ);
		c->loss[q] = c->out(c->ctx, &RJ, j);
		double beta = q > q0 ? 1.0 : 0.0;
		if (c->GA)
			ls_mat_gemm(false, true, 1.0, &RJ, &TJ, beta, &GA);
		if (c->GB) {
			ls_mat_gemm(true, false, 1.0, c->A, &RJ, 0.0, &UJ);
			ls_mat_gemm(false, true, 1.0, &ZJ, &UJ, beta, &GB);
		}
	}
}

ls_status ls_probutil_layer_loss_grad(const ls_problem *p, const ls_factors *F,
				      const ls_batch *batch, const ls_mat *Z, const ls_mat *Base,
				      ls_probutil_layer_ws *ws, ls_probutil_threads *t,
				      ls_probutil_layer_out out, void *ctx, double *loss,
				      ls_mat *GA, ls_mat *GB)
{
	ls_status st = ls_probutil_check_factors(p, F);
	if (st == LS_OK)
		st = ls_probutil_check_batch(p, batch);
	if (st != LS_OK)
		return st;
	const ls_mat *A = &F->A[0], *B = &F->B[0];
	size_t m = A->rows, n = B->rows, r = A->cols, b = ls_probutil_batch_count(p, batch);
	layer_pass c = { .A = A,
			 .B = B,
			 .Base = Base,
			 .s = F->s[0],
			 .batch = batch,
			 .GA = GA ? &GA[0] : NULL,
			 .GB = GB ? &GB[0] : NULL,
			 .out = out,
			 .ctx = ctx };
	double w = LAYER_BLOCK_BYTES / (sizeof(double) * (double)(m + n));
	c.w = w < LAYER_BLOCK_MIN ? LAYER_BLOCK_MIN : w > (double)b ? b : (size_t)w;
	c.blocks = (b + c.w - 1) / c.w;
	c.parts = 10.0 * (double)b * (double)r * (double)(m + n) < LAYER_SPLIT_FLOPS || c.blocks < 2
			  ? 1
		  : c.blocks < LAYER_PARTS ? c.blocks
					   : LAYER_PARTS;
	ls_mat lv;
	if ((st = ls_probutil_ensure(&ws->R, m, b, &c.R, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&ws->T, r, b, &c.T, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&ws->U, r, b, &c.U, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&ws->GAs, m, r * (c.parts - 1), &c.GAs, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&ws->GBs, n, r * (c.parts - 1), &c.GBs, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&ws->loss, c.blocks, 1, &lv, NULL)) != LS_OK ||
	    (st = ls_probutil_batch_inputs(Z, batch, &ws->Zg, &c.Z)) != LS_OK)
		return st;
	c.loss = lv.data;
	int threads = ls_blas_threads_solo();
	ls_probutil_parts_run_chosen(t, b * (r + 1), true, c.parts, threads, layer_part, &c);
	double inv = 1.0 / (double)b, f = 0.0;
	for (size_t q = 0; q < c.blocks; q++)
		f += c.loss[q];
	if (loss)
		*loss = inv * f;
	for (size_t k = 1; k < c.parts; k++) {
		ls_mat a = ls_mat_cols(c.GAs, (k - 1) * r, r),
		       g = ls_mat_cols(c.GBs, (k - 1) * r, r);
		if (c.GA)
			ls_mat_axpy(c.GA, 1.0, &a);
		if (c.GB)
			ls_mat_axpy(c.GB, 1.0, &g);
	}
	if (c.GA)
		ls_mat_scale(c.GA, inv);
	if (c.GB)
		ls_mat_scale(c.GB, inv);
	ls_blas_threads_restore(threads);
	return LS_OK;
}

void ls_probutil_layer_ws_free(ls_probutil_layer_ws *ws)
{
	ls_mat *all[] = { &ws->Zg, &ws->R, &ws->T, &ws->U, &ws->GAs, &ws->GBs, &ws->loss };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
}

ls_status ls_probutil_dense_affine(ls_mat *W, const ls_mat *Base, const ls_mat *X, const ls_mat *Z,
				   ls_mat *R)
{
	ls_status st = ls_probutil_ensure(W, Base->rows, Base->cols, R, NULL);
	if (st == LS_OK)
		st = ls_mat_copy(R, Base);
	if (st == LS_OK)
		st = ls_mat_gemm(false, false, 1.0, X, Z, 1.0, R);
	return st;
}

ls_status ls_probutil_gram_eig(const ls_mat *Z, ls_mat *Sigma, double *lmin, double *lmax,
			       ls_error *err)
{
	size_t n = Z->rows;
	ls_mat S = { 0 };
	double *w = malloc((n ? n : 1) * sizeof *w);
	ls_status st = w ? ls_mat_alloc(&S, n, n, err)
			 : ls_error_set(err, LS_ENOMEM, "eigenvalues of ZZᵀ/N: out of memory");
	if (st == LS_OK)
		st = ls_mat_gemm(false, true, 1.0 / (double)Z->cols, Z, Z, 0.0, &S);
	if (st == LS_OK && Sigma)
		st = ls_mat_copy(Sigma, &S);
	if (st == LS_OK)
		st = ls_mat_sym_eig(&S, w, false, err);
	if (st == LS_OK) {
		if (lmin)
			*lmin = w[0];
		if (lmax)
			*lmax = w[n - 1];
	}
	free(w);
	ls_mat_free(&S);
	return st;
}

ls_status ls_probutil_dense_factor_grads(const ls_mat *G, const ls_factors *F, ls_mat *GA,
					 ls_mat *GB)
{
	ls_status st;
	if (GA && (st = ls_mat_gemm(false, false, 1.0, G, &F->B[0], 0.0, &GA[0])) != LS_OK)
		return st;
	if (GB && (st = ls_mat_gemm(true, false, 1.0, G, &F->A[0], 0.0, &GB[0])) != LS_OK)
		return st;
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

ls_status ls_probutil_prefix(ls_error *err, ls_status st, const char *opt)
{
	if (!err)
		return st;
	char msg[LS_ERROR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s", err->msg);
	return ls_error_set(err, st, "--%s: %s", opt, msg);
}

ls_status ls_probutil_input(const ls_config *cfg, const ls_inputs *in, int id, size_t rows,
			    size_t cols, const char *need, ls_mat *M, bool *loaded, ls_error *err)
{
	const ls_param_info *p = &ls_params[id];
	const char *spec = (const char *)cfg + p->offset;
	if (loaded)
		*loaded = false;
	if (!spec[0])
		return LS_OK;
	int k = ls_input_of_param((ls_param_id)id);
	if (!in || !in->have[k])
		return ls_error_set(err, LS_EINVAL, "--%s: %s: not loaded", p->name, spec);
	ls_mat T = { 0 };
	ls_status st = ls_matrix_expect(spec, &in->mat[k], rows, cols, need, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&T, in->mat[k].rows, in->mat[k].cols, err);
	if (st != LS_OK)
		return ls_probutil_prefix(err, st, p->name);
	ls_mat_copy(&T, &in->mat[k]);
	ls_mat_free(M);
	*M = T;
	if (loaded)
		*loaded = true;
	return LS_OK;
}

double ls_probutil_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool ls_probutil_threads_choose(ls_probutil_threads *t, size_t key)
{
	if (t->key != key || t->calls == 0) {
		t->key = key;
		t->s[0] = t->s[1] = 0.0;
		t->calls = 0;
		t->gap = LS_PROBUTIL_PROBE;
		t->next = 2 + t->gap;
	}
	/* One thread first, then several; afterwards the faster, probing the other now and
	 * then. */
	bool multi = t->s[0] != 0.0;
	t->probing = false;
	if (t->s[0] != 0.0 && t->s[1] != 0.0) {
		multi = t->s[1] < t->s[0];
		if (t->calls >= t->next) {
			multi = !multi;
			t->probing = true;
		}
	}
	t->calls++;
	return multi;
}

void ls_probutil_threads_took(ls_probutil_threads *t, bool multi, double seconds)
{
	int k = multi;
	t->s[k] = seconds > 0.0 ? seconds : 1e-9;
	if (t->probing) {
		/* Lost again: probe half as often; won: the choice changes, probe soon. */
		bool lost = t->s[k] >= t->s[!k];
		t->gap = lost ? (t->gap < LS_PROBUTIL_PROBE_MAX ? 2 * t->gap : t->gap)
			      : LS_PROBUTIL_PROBE;
		t->next = t->calls + t->gap;
	}
}

bool ls_probutil_threads_faster(const ls_probutil_threads *t, size_t key)
{
	return t->key == key && t->calls > 0 && t->s[0] != 0.0 && t->s[1] != 0.0 &&
	       t->s[1] < t->s[0];
}

void ls_probutil_parts_run_chosen(ls_probutil_threads *t, size_t key, bool timed, size_t parts,
				  int threads, void (*part)(void *ctx, size_t k), void *ctx)
{
	bool choice = parts > 1 && threads > 1;
	bool multi = choice && (timed ? ls_probutil_threads_choose(t, key)
				      : ls_probutil_threads_faster(t, key));
	double t0 = ls_probutil_now();
	ls_probutil_parts_run(parts, multi ? threads : 1, part, ctx);
	if (choice && timed)
		ls_probutil_threads_took(t, multi, ls_probutil_now() - t0);
}
