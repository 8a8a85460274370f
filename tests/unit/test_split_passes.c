/* test_split_passes.c — the one-pass loss_grads of sensing (problem_sensing.c: blocks of
 * measurements) and of the layer problems regression and classify (problem_util.c's
 * ls_probutil_layer_loss_grad: blocks of samples), at sizes where the blocks are cut into
 * parts and below:
 * - sensing: f, GA, GB against the per-sample route (a batch naming every sample: ⟨S_i, X⟩
 *   and ∇f += r_i·S_i one sample at a time, no block, no part);
 * - layer problems: against the dense route (X = s·A·Bᵀ formed, loss_dense and grad_dense
 *   over every sample at once, then ∇f·B and ∇fᵀ·A), one gradient alone with the same bits;
 *   a mini-batch's gradients against central differences of its f, and a batch naming every
 *   sample, in reverse, against the full batch;
 * - all three: the same bits whether OpenBLAS may use one thread, two or three, whichever
 *   way the timed thread choice goes.
 * loss_grad's GA = ∇f·B and GB = ∇fᵀ·A are the factor gradients over s (MATH.md §2). */
#include <stdlib.h>

#include <cblas.h>

#include "lorascope/config.h"
#include "lorascope/problem.h"
#include "testutil.h"

enum { RANK = 4 };

typedef struct {
	ls_problem p;
	ls_mat A, B, GA, GB;
	double s;
} fixture;

static void make(fixture *fx, const char *problem, int m, int n, int N)
{
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	ls_error_clear(&err);
	char buf[16];
	assert_ok(ls_config_set(&c, "problem", problem, &err));
	snprintf(buf, sizeof buf, "%d", m);
	assert_ok(ls_config_set(&c, "m", buf, &err));
	snprintf(buf, sizeof buf, "%d", n);
	assert_ok(ls_config_set(&c, "n", buf, &err));
	snprintf(buf, sizeof buf, "%d", N);
	assert_ok(ls_config_set(&c, "samples", buf, &err));
	assert_ok(ls_config_set(&c, "noise", "0.1", &err));
	ls_rng rng;
	ls_rng_seed(&rng, 11);
	assert_ok(ls_problem_create(&fx->p, &c, NULL, &rng, &err));
	ls_mat *all[] = { &fx->A, &fx->GA, &fx->B, &fx->GB };
	for (size_t i = 0; i < 4; i++)
		assert_ok(ls_mat_alloc(all[i], (size_t)(i < 2 ? m : n), RANK, NULL));
	ls_rng_fill_normal(&rng, &fx->A, 0.0, 0.5);
	ls_rng_fill_normal(&rng, &fx->B, 0.0, 0.5);
	fx->s = 0.8;
}

static void unmake(fixture *fx)
{
	ls_problem_destroy(&fx->p);
	ls_mat *all[] = { &fx->A, &fx->GA, &fx->B, &fx->GB };
	for (size_t i = 0; i < 4; i++)
		ls_mat_free(all[i]);
}

static void run(fixture *fx, const ls_batch *batch, double *f, ls_mat *GA, ls_mat *GB)
{
	ls_factors F = { .nmod = 1, .A = &fx->A, .B = &fx->B, .s = &fx->s };
	assert_ok(fx->p.type->loss_grad(&fx->p, &F, batch, f, GA, GB));
}

/* GA, GB (and f) of two routes agree to rtol of their size. */
static void assert_same(const fixture *fx, double f, const ls_mat *WA, const ls_mat *WB, double w,
			double rtol)
{
	assert_close(f, w, rtol, 0.0);
	assert_true(ls_test_max_abs_diff(&fx->GA, WA) <= rtol * ls_mat_norm(WA));
	assert_true(ls_test_max_abs_diff(&fx->GB, WB) <= rtol * ls_mat_norm(WB));
}

/* A batch of the samples N − 1 − step·j, j = 0.. while ≥ 0 (step 1: every sample,
 * reversed); idx holds N entries. */
static ls_batch reversed(size_t *idx, size_t N, size_t step)
{
	size_t count = 0;
	for (size_t j = 0; step * j < N; j++)
		idx[count++] = N - 1 - step * j;
	return (ls_batch){ .idx = idx, .count = count };
}

static void check_sensing(int m, int n, int N)
{
	fixture fx;
	make(&fx, "sensing", m, n, N);
	ls_mat WA, WB;
	assert_ok(ls_mat_alloc(&WA, (size_t)m, RANK, NULL));
	assert_ok(ls_mat_alloc(&WB, (size_t)n, RANK, NULL));
	size_t *idx = malloc((size_t)N * sizeof *idx);
	assert_non_null(idx);
	ls_batch all = reversed(idx, (size_t)N, 1);
	double f, w;
	run(&fx, NULL, &f, &fx.GA, &fx.GB);
	run(&fx, &all, &w, &WA, &WB);
	assert_same(&fx, f, &WA, &WB, w, 1e-13);
	free(idx);
	ls_mat_free(&WA);
	ls_mat_free(&WB);
	unmake(&fx);
}

static void test_sensing_against_per_sample(void **state)
{
	(void)state;
	/* 32×32, N 600: 32 measurements a block (256 KiB), 19 blocks in 8 parts, the last
	 * block 24 wide; 12×12, N 300: one part of two blocks. */
	check_sensing(32, 32, 600);
	check_sensing(12, 12, 300);
}

static void check_dense(const char *problem, int m, int n, int N)
{
	fixture fx;
	make(&fx, problem, m, n, N);
	ls_mat WA, WB, X, G;
	assert_ok(ls_mat_alloc(&WA, (size_t)m, RANK, NULL));
	assert_ok(ls_mat_alloc(&WB, (size_t)n, RANK, NULL));
	assert_ok(ls_mat_alloc(&X, (size_t)m, (size_t)n, NULL));
	assert_ok(ls_mat_alloc(&G, (size_t)m, (size_t)n, NULL));
	double f;
	run(&fx, NULL, &f, &fx.GA, &fx.GB);
	assert_ok(ls_mat_gemm(false, true, fx.s, &fx.A, &fx.B, 0.0, &X));
	assert_ok(fx.p.type->grad_dense(&fx.p, &X, &G));
	assert_ok(ls_mat_gemm(false, false, 1.0, &G, &fx.B, 0.0, &WA));
	assert_ok(ls_mat_gemm(true, false, 1.0, &G, &fx.A, 0.0, &WB));
	assert_same(&fx, f, &WA, &WB, fx.p.type->loss_dense(&fx.p, &X), 1e-12);
	/* One of the gradients alone: the same bits as when both are wanted. */
	double f2;
	run(&fx, NULL, &f2, &WA, NULL);
	run(&fx, NULL, NULL, NULL, &WB);
	assert_true(f2 == f);
	assert_true(ls_test_max_abs_diff(&WA, &fx.GA) == 0.0);
	assert_true(ls_test_max_abs_diff(&WB, &fx.GB) == 0.0);
	ls_mat *all[] = { &WA, &WB, &X, &G };
	for (size_t i = 0; i < 4; i++)
		ls_mat_free(all[i]);
	unmake(&fx);
}

static void test_layer_against_dense(void **state)
{
	(void)state;
	/* Regression 64×64, N 2048: 256 samples a block, 8 blocks, 8 parts. Classify 16
	 * classes × 64 features, N 4096: 409 samples a block, 11 blocks (the last 6 samples)
	 * in 8 uneven parts. Then below the split: one part of several blocks, and of one. */
	check_dense("regression", 64, 64, 2048);
	check_dense("classify", 16, 64, 4096);
	check_dense("regression", 8, 8, 600);
	check_dense("classify", 4, 8, 100);
}

static void check_batch(const char *problem, int m, int n, int N)
{
	fixture fx;
	make(&fx, problem, m, n, N);
	size_t *idx = malloc((size_t)N * sizeof *idx);
	assert_non_null(idx);
	ls_batch third = reversed(idx, (size_t)N, 3);
	double f, fp, fm;
	run(&fx, &third, &f, &fx.GA, &fx.GB);
	const double h = 1e-5;
	ls_mat *Xs[2] = { &fx.A, &fx.B }, *Gs[2] = { &fx.GA, &fx.GB };
	for (int k = 0; k < 2; k++) {
		double *x = &LS_AT(*Xs[k], 2, 1), x0 = *x;
		*x = x0 + h;
		run(&fx, &third, &fp, NULL, NULL);
		*x = x0 - h;
		run(&fx, &third, &fm, NULL, NULL);
		*x = x0;
		assert_close((fp - fm) / (2.0 * h), fx.s * LS_AT(*Gs[k], 2, 1), 1e-6, 1e-9);
	}
	ls_batch all = reversed(idx, (size_t)N, 1);
	run(&fx, &all, &fp, NULL, NULL);
	run(&fx, NULL, &fm, NULL, NULL);
	assert_close(fp, fm, 1e-13, 0.0);
	free(idx);
	unmake(&fx);
}

static void test_layer_batches(void **state)
{
	(void)state;
	check_batch("regression", 64, 64, 2048);
	check_batch("classify", 16, 64, 4096);
}

/* One OpenBLAS thread (every part in turn), two and three (parts side by side): the same
 * bits, and the thread count given back. */
static void check_threads(const char *problem, int m, int n, int N)
{
	fixture fx;
	make(&fx, problem, m, n, N);
	int saved = openblas_get_num_threads();
	ls_mat WA, WB;
	assert_ok(ls_mat_alloc(&WA, (size_t)m, RANK, NULL));
	assert_ok(ls_mat_alloc(&WB, (size_t)n, RANK, NULL));
	double f1, f2;
	openblas_set_num_threads(1);
	run(&fx, NULL, &f1, &fx.GA, &fx.GB);
	/* The timed choice takes one thread first, then several, then the faster: three calls
	 * run both ways. */
	for (int threads = 2; threads <= 3; threads++)
		for (int call = 0; call < 3; call++) {
			openblas_set_num_threads(threads);
			run(&fx, NULL, &f2, &WA, &WB);
			int during = openblas_get_num_threads();
			openblas_set_num_threads(saved);
			assert_true(during >= 2);
			assert_same(&fx, f1, &WA, &WB, f2, 0.0);
		}
	ls_mat_free(&WA);
	ls_mat_free(&WB);
	unmake(&fx);
}

static void test_threads_same_bits(void **state)
{
	(void)state;
	check_threads("sensing", 32, 32, 600);
	check_threads("regression", 64, 64, 2048);
	check_threads("classify", 16, 64, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensing_against_per_sample),
		cmocka_unit_test(test_layer_against_dense),
		cmocka_unit_test(test_layer_batches),
		cmocka_unit_test(test_threads_same_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
