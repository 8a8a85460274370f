/* training_util.h — helpers shared by the training tests (lora, init, optim, flow):
 * building a problem from a few knobs, factors from an rng, dense matrix comparisons and
 * the dense SVD truncation that serves as independent truth (LAPACK on a formed matrix). */
#ifndef LORASCOPE_TRAINING_UTIL_H
#define LORASCOPE_TRAINING_UTIL_H

#include <stdlib.h>

#include "lorascope/config.h"
#include "lorascope/init.h"
#include "lorascope/lora.h"
#include "lorascope/mat.h"
#include "lorascope/optim.h"
#include "lorascope/problem.h"
#include "lorascope/rng.h"
#include "testutil.h"

/* A config for problem id of size m×n with the given planted rank and noise. */
static inline void tt_config(ls_config *c, int id, long m, long n, long true_rank, double noise)
{
	ls_config_defaults(c);
	c->problem = id;
	c->m = m;
	c->n = n;
	c->true_rank = true_rank;
	c->noise = noise;
}

static inline void tt_problem(ls_problem *p, const ls_config *c, uint64_t seed)
{
	ls_rng rng;
	ls_error err;
	ls_rng_seed(&rng, seed);
	if (ls_problem_create(p, c, NULL, &rng, &err) != LS_OK)
		fail_msg("creating %s: %s", ls_problem_names[c->problem], err.msg);
}

/* A problem-shaped stand-in for lora tests that need no objective. */
static inline ls_problem tt_shape(size_t m, size_t n)
{
	ls_problem p = { .nmod = 1 };
	p.shape[0] = (ls_shape){ m, n };
	return p;
}

/* Factors with N(0, std²) entries. */
static inline void tt_fill(ls_lora *L, uint64_t seed, double std)
{
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	for (size_t k = 0; k < L->nmod; k++) {
		ls_rng_fill_normal(&rng, &L->A[k], 0.0, std);
		ls_rng_fill_normal(&rng, &L->B[k], 0.0, std);
	}
}

/* ‖P − Q‖_F. */
static inline double tt_dist(const ls_mat *P, const ls_mat *Q)
{
	double acc = 0.0;
	for (size_t j = 0; j < Q->cols; j++)
		for (size_t i = 0; i < Q->rows; i++) {
			double e = LS_AT(*P, i, j) - LS_AT(*Q, i, j);
			acc += e * e;
		}
	return sqrt(acc);
}

/* Bitwise equality of two matrices of the same shape. */
static inline int tt_same_bits(const ls_mat *P, const ls_mat *Q)
{
	if (P->rows != Q->rows || P->cols != Q->cols)
		return 0;
	for (size_t j = 0; j < Q->cols; j++)
		if (memcmp(P->data + j * P->ld, Q->data + j * Q->ld, Q->rows * sizeof(double)))
			return 0;
	return 1;
}

/* The dense X_k of a LoRA state (caller frees). */
static inline ls_mat tt_form(const ls_lora *L, size_t k)
{
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, L->A[k].rows, L->B[k].rows, NULL));
	assert_ok(ls_lora_form(L, k, &X));
	return X;
}

/* out := U·diag(φ(σ))·Vᵀ from a LAPACK SVD of M, φ(σ) = max(σ − tau, 0) for the first
 * keep values and 0 after: the Eckart–Young–Mirsky truncation (tau = 0) or singular-value
 * soft-thresholding (keep = all). sv (optional) receives the singular values of M. */
static inline void tt_svd_shrink(const ls_mat *M, size_t keep, double tau, ls_mat *out, double *sv)
{
	size_t m = M->rows, n = M->cols, k = m < n ? m : n;
	ls_mat W, U, Vt;
	double *s = calloc(k, sizeof *s);
	assert_non_null(s);
	assert_ok(ls_mat_alloc(&W, m, n, NULL));
	assert_ok(ls_mat_alloc(&U, m, k, NULL));
	assert_ok(ls_mat_alloc(&Vt, k, n, NULL));
	assert_ok(ls_mat_copy(&W, M));
	assert_ok(ls_mat_svd(&W, s, &U, &Vt, NULL));
	ls_mat_set_zero(out);
	for (size_t l = 0; l < k && l < keep; l++) {
		double w = fmax(s[l] - tau, 0.0);
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i < m; i++)
				LS_AT(*out, i, j) += w * LS_AT(U, i, l) * LS_AT(Vt, l, j);
	}
	if (sv)
		memcpy(sv, s, k * sizeof *s);
	free(s);
	ls_mat_free(&W);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
}

/* A whole training setup: problem, factors initialised by c->init, optimiser, rng. */
typedef struct {
	ls_config c;
	ls_problem p;
	ls_lora L;
	ls_optim *o;
	ls_rng rng;
} tt_run;

/* Build a run from c (problem drawn from seed 1000 + c->seed, init and batches from
 * c->seed), rank c->rank with c->scaling and c->alpha. */
static inline void tt_run_start(tt_run *t, const ls_config *c)
{
	ls_error err;
	t->c = *c;
	tt_problem(&t->p, c, 1000 + c->seed);
	ls_rng_seed(&t->rng, c->seed);
	assert_ok(ls_lora_alloc(&t->L, &t->p, (size_t)c->rank, c->scaling, c->alpha, NULL));
	if (ls_init_apply(&t->L, &t->p, c, NULL, &t->rng, &err) != LS_OK)
		fail_msg("init: %s", err.msg);
	assert_ok(ls_optim_alloc(&t->o, &t->L, &t->p, NULL));
}

static inline void tt_run_stop(tt_run *t)
{
	ls_optim_free(t->o);
	ls_lora_free(&t->L);
	ls_problem_destroy(&t->p);
}

/* n steps; returns the info of the last one (fails the test on an error). */
static inline ls_step_info tt_run_steps(tt_run *t, long n)
{
	ls_step_info info = { 0 };
	ls_error err;
	for (long i = 0; i < n; i++)
		if (ls_optim_step(t->o, &t->p, &t->L, &t->c, &t->rng, &info, &err) != LS_OK)
			fail_msg("step %ld: %s", i, err.msg);
	return info;
}

/* g at the current state. */
static inline double tt_run_g(tt_run *t)
{
	double g = NAN;
	assert_ok(ls_optim_eval(t->o, &t->p, &t->L, t->c.lambda, NULL, &g, NULL, NULL));
	return g;
}

#endif
