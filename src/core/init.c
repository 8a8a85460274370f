/* init.c — initialisation rules of the LoRA factors (MATH.md §2, SPEC §2).
 *
 * Random rules fill each module's A then B from the rng; spectral and olora read the
 * steepest-descent direction R = −∇f(0) from the problem's dense gradient. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "lorascope/init.h"
#include "lorascope/lora.h"
#include "problem_util.h"

const char *const ls_init_names[LS_INIT_COUNT + 1] = {
#define LS_INIT_NAME(id, name, help) [id] = name,
	LS_INIT_LIST(LS_INIT_NAME)
#undef LS_INIT_NAME
};

const char *const ls_init_help[LS_INIT_COUNT] = {
#define LS_INIT_HELP(id, name, help) [id] = help,
	LS_INIT_LIST(LS_INIT_HELP)
#undef LS_INIT_HELP
};

/* Kim–Kim–Ryu Table 4 zero-init bound √(15/768), and their variances. */
#define KKR_ZERO_BOUND 0.13975424859373686 /* sqrt(15/768) */
#define KKR_VAR_INIT1 (1.0 / 30.0)
#define KKR_VAR_INIT2 (1.0 / 10.0)
#define KKR_VAR_INIT3 (1.0 / 20.0)
#define KKR_MEAN_INIT3 0.1
#define KKR_VAR_LARGE (1.0 / 5.0)

/* A ~ N(ma, va), B ~ N(mb, vb) (variances), module by module, A first. */
static void fill_normal_pair(ls_lora *L, ls_rng *rng, double ma, double va, double mb, double vb)
{
	for (size_t k = 0; k < L->nmod; k++) {
		ls_rng_fill_normal(rng, &L->A[k], ma, sqrt(va));
		ls_rng_fill_normal(rng, &L->B[k], mb, sqrt(vb));
	}
}

/* R_k = −∇_k f(0) for every module into R (nmod m_k×n_k matrices, allocated here). */
static ls_status steepest_descent(ls_problem *p, ls_mat *R, ls_error *err)
{
	ls_mat X[LS_MAX_MODULES] = { 0 };
	ls_status st = LS_OK;
	for (size_t k = 0; k < p->nmod && st == LS_OK; k++) {
		st = ls_mat_alloc(&X[k], p->shape[k].m, p->shape[k].n, err);
		if (st == LS_OK)
			st = ls_mat_alloc(&R[k], p->shape[k].m, p->shape[k].n, err);
	}
	if (st == LS_OK) {
		st = p->type->grad_dense(p, X, R);
		if (st != LS_OK)
			ls_error_set(err, st, "%s: gradient at X = 0 failed", p->type->name);
	}
	for (size_t k = 0; k < p->nmod; k++) {
		ls_mat_free(&X[k]);
		if (st == LS_OK)
			ls_mat_scale(&R[k], -1.0);
	}
	return st;
}

/* A = x0·(top left singular vectors of R), B = 0. R is overwritten. */
static ls_status spectral_module(ls_mat *R, double x0, ls_mat *A, ls_mat *B, ls_error *err)
{
	size_t kk = R->rows < R->cols ? R->rows : R->cols;
	ls_mat U = { 0 }, Vt = { 0 };
	double *sv = calloc(kk ? kk : 1, sizeof *sv);
	ls_status st = sv ? LS_OK : ls_error_set(err, LS_ENOMEM, "spectral init: out of memory");
	if (st == LS_OK && (st = ls_mat_alloc(&U, R->rows, kk, err)) == LS_OK &&
	    (st = ls_mat_alloc(&Vt, kk, R->cols, err)) == LS_OK &&
	    (st = ls_mat_svd(R, sv, &U, &Vt, err)) == LS_OK) {
		size_t rr = A->cols < kk ? A->cols : kk;
		ls_mat_set_zero(A);
		ls_mat dst = ls_mat_cols(*A, 0, rr), src = ls_mat_cols(U, 0, rr);
		ls_mat_copy(&dst, &src);
		ls_mat_scale(A, x0);
		ls_mat_set_zero(B);
	}
	free(sv);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
	return st;
}

/* A = x0·Q_r, B = x0·RᵀQ_r/‖RᵀQ_r‖_F with Q_r from the QR of R's first columns. */
static ls_status olora_module(const ls_mat *R, double x0, ls_mat *A, ls_mat *B, ls_error *err)
{
	size_t rr = A->cols;
	if (rr > R->cols)
		rr = R->cols;
	if (rr > R->rows)
		rr = R->rows;
	ls_mat Q = { 0 }, T = { 0 }, RtQ = { 0 };
	ls_status st;
	ls_mat_set_zero(A);
	ls_mat_set_zero(B);
	if ((st = ls_mat_alloc(&Q, R->rows, rr, err)) == LS_OK &&
	    (st = ls_mat_alloc(&T, rr, rr, err)) == LS_OK &&
	    (st = ls_mat_alloc(&RtQ, R->cols, rr, err)) == LS_OK) {
		ls_mat first = ls_mat_cols(*R, 0, rr);
		ls_mat_copy(&Q, &first);
		st = ls_mat_qr(&Q, &T, err);
	}
	if (st == LS_OK) {
		ls_mat_gemm(true, false, 1.0, R, &Q, 0.0, &RtQ);
		double nrm = ls_mat_norm(&RtQ);
		ls_mat a_top = ls_mat_cols(*A, 0, rr), b_top = ls_mat_cols(*B, 0, rr);
		ls_mat_copy(&a_top, &Q);
		ls_mat_scale(&a_top, x0);
		if (nrm > 0.0) {
			ls_mat_copy(&b_top, &RtQ);
			ls_mat_scale(&b_top, x0 / nrm);
		}
	}
	ls_mat_free(&Q);
	ls_mat_free(&T);
	ls_mat_free(&RtQ);
	return st;
}

static ls_status init_from_gradient(ls_lora *L, ls_problem *p, int rule, double x0, ls_error *err)
{
	if (p->nmod != L->nmod)
		return ls_error_set(err, LS_EDIM, "init: %zu modules in the problem, %zu in LoRA",
				    p->nmod, L->nmod);
	ls_mat R[LS_MAX_MODULES] = { 0 };
	ls_status st = steepest_descent(p, R, err);
	for (size_t k = 0; k < L->nmod && st == LS_OK; k++) {
		if (rule == LS_INIT_SPECTRAL)
			st = spectral_module(&R[k], x0, &L->A[k], &L->B[k], err);
		else
			st = olora_module(&R[k], x0, &L->A[k], &L->B[k], err);
	}
	for (size_t k = 0; k < p->nmod; k++)
		ls_mat_free(&R[k]);
	return st;
}

/* The rule cfg->init on every module. */
static ls_status apply_rule(ls_lora *L, ls_problem *p, const ls_config *cfg, ls_rng *rng,
			    ls_error *err)
{
	double r = (double)L->r;
	switch (cfg->init) {
	case LS_INIT_PEFT:
		/* PEFT: kaiming_uniform_(lora_A, a=√5) gives U(±1/√fan_in), fan_in = n, on
		 * lora_A [r, n] = our Bᵀ; lora_B [m, r] = our A is zero. */
		for (size_t k = 0; k < L->nmod; k++) {
			double bound = 1.0 / sqrt((double)L->B[k].rows);
			ls_mat_set_zero(&L->A[k]);
			ls_rng_fill_uniform(rng, &L->B[k], -bound, bound);
		}
		return LS_OK;
	case LS_INIT_GAUSSIAN:
		/* PEFT "gaussian": normal_(lora_A, std = 1/r) on our Bᵀ; our A = lora_B = 0. */
		for (size_t k = 0; k < L->nmod; k++) {
			ls_mat_set_zero(&L->A[k]);
			ls_rng_fill_normal(rng, &L->B[k], 0.0, 1.0 / r);
		}
		return LS_OK;
	case LS_INIT_ZERO:
		for (size_t k = 0; k < L->nmod; k++) {
			ls_rng_fill_uniform(rng, &L->A[k], -KKR_ZERO_BOUND, KKR_ZERO_BOUND);
			ls_mat_set_zero(&L->B[k]);
		}
		return LS_OK;
	case LS_INIT_INIT1:
		fill_normal_pair(L, rng, 0.0, KKR_VAR_INIT1, 0.0, KKR_VAR_INIT1);
		return LS_OK;
	case LS_INIT_INIT2:
		fill_normal_pair(L, rng, 0.0, KKR_VAR_INIT2, 0.0, KKR_VAR_INIT2);
		return LS_OK;
	case LS_INIT_INIT3:
		fill_normal_pair(L, rng, -KKR_MEAN_INIT3, KKR_VAR_INIT3, KKR_MEAN_INIT3,
				 KKR_VAR_INIT3);
		return LS_OK;
	case LS_INIT_LARGE:
		fill_normal_pair(L, rng, 0.0, KKR_VAR_LARGE, 0.0, KKR_VAR_LARGE);
		return LS_OK;
	case LS_INIT_SPECTRAL:
	case LS_INIT_OLORA:
		return init_from_gradient(L, p, cfg->init, cfg->init_scale, err);
	case LS_INIT_CUSTOM:
		fill_normal_pair(L, rng, 0.0, cfg->init_a * cfg->init_a, 0.0,
				 cfg->init_b * cfg->init_b);
		return LS_OK;
	default:
		return ls_error_set(err, LS_EINVAL, "unknown initialisation %d", cfg->init);
	}
}

/* F := the --init-a-file / --init-b-file matrix (B: n×r, or PEFT's r×n transposed). */
static ls_status fill_from_file(ls_mat *F, const ls_config *cfg, const ls_inputs *in, bool is_b,
				ls_error *err)
{
	const char *spec = is_b ? cfg->init_b_file : cfg->init_a_file;
	const char *opt = is_b ? "init-b-file" : "init-a-file";
	ls_mat M = { 0 };
	ls_status st = ls_probutil_input(cfg, in,
					 is_b ? LS_PARAM_init_b_file : LS_PARAM_init_a_file, LS_ANY,
					 LS_ANY, "", &M, NULL, err);
	if (st != LS_OK)
		return st;
	if (is_b && ls_probutil_b_is_peft(spec, M.rows, M.cols, F->rows) && M.rows == F->cols &&
	    M.cols == F->rows)
		st = ls_mat_transpose(F, &M);
	else if (M.rows == F->rows && M.cols == F->cols)
		st = ls_mat_copy(F, &M);
	else
		st = ls_error_set(err, LS_EDIM, "--%s: %s is %zu×%zu, but %s is %zu×%zu (%s)%s",
				  opt, spec, M.rows, M.cols, is_b ? "B" : "A", F->rows, F->cols,
				  is_b ? "n×r" : "m×r", is_b ? " or r×n (PEFT's lora_A)" : "");
	ls_mat_free(&M);
	return st;
}

ls_status ls_init_apply(ls_lora *L, ls_problem *p, const ls_config *cfg, const ls_inputs *in,
			ls_rng *rng, ls_error *err)
{
	ls_status st = apply_rule(L, p, cfg, rng, err);
	bool a = cfg->init_a_file[0] != '\0', b = cfg->init_b_file[0] != '\0';
	if (st != LS_OK || (!a && !b))
		return st;
	if (L->nmod != 1)
		return ls_error_set(err, LS_EINVAL, "--%s: %zu modules; the init files fill one",
				    a ? "init-a-file" : "init-b-file", L->nmod);
	if (a)
		st = fill_from_file(&L->A[0], cfg, in, false, err);
	if (st == LS_OK && b)
		st = fill_from_file(&L->B[0], cfg, in, true, err);
	return st;
}
