/* test_layer_pass.c — the layer problems' loss_grad in one pass over the samples
 * (ls_probutil_layer_loss_grad, problem_util.c) at sizes where it takes several blocks cut
 * into parts: regression and classify, f and both factor gradients against the dense route
 * (X = s·A·Bᵀ formed, loss_dense and grad_dense over every sample at once, then ∇f·B and
 * ∇fᵀ·A); a mini-batch's gradients against central differences of its f, and a batch of
 * every sample against the full batch; the same bits whether OpenBLAS may use one thread,
 * two or three, whichever way the timed thread choice goes. */
#include <stdlib.h>

#include <cblas.h>

#include "lorascope/config.h"
#include "lorascope/problem.h"
#include "testutil.h"

enum { RANK = 4 };

typedef struct {
	ls_problem p;
	ls_mat A, B;
	double s;
	size_t m, n;
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
	ls_rng rng;
	ls_rng_seed(&rng, 11);
	assert_ok(ls_problem_create(&fx->p, &c, NULL, &rng, &err));
	fx->m = (size_t)m;
	fx->n = (size_t)n;
	assert_ok(ls_mat_alloc(&fx->A, fx->m, RANK, NULL));
	assert_ok(ls_mat_alloc(&fx->B, fx->n, RANK, NULL));
	ls_rng_fill_normal(&rng, &fx->A, 0.0, 0.3);
	ls_rng_fill_normal(&rng, &fx->B, 0.0, 0.3);
	fx->s = 0.8;
}

static void unmake(fixture *fx)
{
	ls_problem_destroy(&fx->p);
	ls_mat_free(&fx->A);
	ls_mat_free(&fx->B);
}

static void run(fixture *fx, const ls_batch *batch, double *f, ls_mat *GA, ls_mat *GB)
{
	ls_factors F = { .nmod = 1, .A = &fx->A, .B = &fx->B, .s = &fx->s };
	assert_ok(fx->p.type->loss_grad(&fx->p, &F, batch, f, GA, GB));
}

static double max_abs_diff(const ls_mat *X, const ls_mat *Y)
{
	double d = 0.0;
	for (size_t j = 0; j < X->cols; j++)
		for (size_t i = 0; i < X->rows; i++)
			d = fmax(d, fabs(LS_AT(*X, i, j) - LS_AT(*Y, i, j)));
	return d;
}

/* The pass against the dense route over every sample. */
static void check_dense(const char *problem, int m, int n, int N)
{
	fixture fx;
	make(&fx, problem, m, n, N);
	ls_mat GA, GB, WA, WB, X, G;
	assert_ok(ls_mat_alloc(&GA, fx.m, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB, fx.n, RANK, NULL));
	assert_ok(ls_mat_alloc(&WA, fx.m, RANK, NULL));
	assert_ok(ls_mat_alloc(&WB, fx.n, RANK, NULL));
	assert_ok(ls_mat_alloc(&X, fx.m, fx.n, NULL));
	assert_ok(ls_mat_alloc(&G, fx.m, fx.n, NULL));
	double f;
	run(&fx, NULL, &f, &GA, &GB);
	assert_ok(ls_mat_gemm(false, true, fx.s, &fx.A, &fx.B, 0.0, &X));
	assert_close(f, fx.p.type->loss_dense(&fx.p, &X), 1e-12, 0.0);
	assert_ok(fx.p.type->grad_dense(&fx.p, &X, &G));
	assert_ok(ls_mat_gemm(false, false, 1.0, &G, &fx.B, 0.0, &WA));
	assert_ok(ls_mat_gemm(true, false, 1.0, &G, &fx.A, 0.0, &WB));
	assert_true(max_abs_diff(&GA, &WA) <= 1e-12 * ls_mat_norm(&WA));
	assert_true(max_abs_diff(&GB, &WB) <= 1e-12 * ls_mat_norm(&WB));
	/* Only one of the gradients wanted: the same bits as when both are. */
	double f2;
	ls_mat GA2, GB2;
	assert_ok(ls_mat_alloc(&GA2, fx.m, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB2, fx.n, RANK, NULL));
	run(&fx, NULL, &f2, &GA2, NULL);
	run(&fx, NULL, NULL, NULL, &GB2);
	assert_true(f2 == f);
	assert_true(max_abs_diff(&GA2, &GA) == 0.0 && max_abs_diff(&GB2, &GB) == 0.0);
	ls_mat *all[] = { &GA, &GB, &WA, &WB, &X, &G, &GA2, &GB2 };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
	unmake(&fx);
}

static void test_against_dense(void **state)
{
	(void)state;
	/* Regression 64×64, N 2048: 256 samples a block, 8 blocks, 8 parts. Classify 16
	 * classes × 64 features, N 4096: 409 samples a block, 11 blocks (the last 6 samples)
	 * in 8 uneven parts. */
	check_dense("regression", 64, 64, 2048);
	check_dense("classify", 16, 64, 4096);
	/* Below the split: one part of several blocks, and of one. */
	check_dense("regression", 8, 8, 600);
	check_dense("classify", 4, 8, 100);
}

/* A mini-batch (every third sample, in reverse) through the pass: its f against central
 * differences along an entry of A and one of B (loss_grad's gradients are over s, MATH.md
 * §2); then f of a batch naming every sample, in reverse order, against the full batch's. */
static void check_batch(const char *problem, int m, int n, int N)
{
	fixture fx;
	make(&fx, problem, m, n, N);
	size_t count = (size_t)N / 3, *idx = malloc((size_t)N * sizeof *idx);
	assert_non_null(idx);
	for (size_t j = 0; j < count; j++)
		idx[j] = (size_t)N - 1 - 3 * j;
	ls_batch bt = { .idx = idx, .count = count };
	ls_mat GA, GB;
	assert_ok(ls_mat_alloc(&GA, fx.m, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB, fx.n, RANK, NULL));
	double f, fp, fm;
	run(&fx, &bt, &f, &GA, &GB);
	const double h = 1e-5;
	ls_mat *Xs[2] = { &fx.A, &fx.B }, *Gs[2] = { &GA, &GB };
	for (int k = 0; k < 2; k++) {
		double *x = &LS_AT(*Xs[k], 2, 1), x0 = *x;
		*x = x0 + h;
		run(&fx, &bt, &fp, NULL, NULL);
		*x = x0 - h;
		run(&fx, &bt, &fm, NULL, NULL);
		*x = x0;
		assert_close((fp - fm) / (2.0 * h), fx.s * LS_AT(*Gs[k], 2, 1), 1e-6, 1e-9);
	}
	for (size_t j = 0; j < (size_t)N; j++)
		idx[j] = (size_t)N - 1 - j;
	bt.count = (size_t)N;
	run(&fx, &bt, &fp, NULL, NULL);
	run(&fx, NULL, &fm, NULL, NULL);
	assert_close(fp, fm, 1e-13, 0.0);
	free(idx);
	ls_mat_free(&GA);
	ls_mat_free(&GB);
	unmake(&fx);
}

static void test_batches(void **state)
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
	ls_mat GA1, GB1, GA2, GB2;
	assert_ok(ls_mat_alloc(&GA1, fx.m, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB1, fx.n, RANK, NULL));
	assert_ok(ls_mat_alloc(&GA2, fx.m, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB2, fx.n, RANK, NULL));
	double f1, f2;
	openblas_set_num_threads(1);
	run(&fx, NULL, &f1, &GA1, &GB1);
	/* The timed choice takes one thread first, then several, then the faster: three calls
	 * run both ways. */
	for (int threads = 2; threads <= 3; threads++)
		for (int call = 0; call < 3; call++) {
			openblas_set_num_threads(threads);
			run(&fx, NULL, &f2, &GA2, &GB2);
			int during = openblas_get_num_threads();
			openblas_set_num_threads(saved);
			assert_true(during >= 2);
			assert_true(f1 == f2);
			assert_true(max_abs_diff(&GA1, &GA2) == 0.0);
			assert_true(max_abs_diff(&GB1, &GB2) == 0.0);
		}
	ls_mat *all[] = { &GA1, &GB1, &GA2, &GB2 };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
	unmake(&fx);
}

static void test_threads_same_bits(void **state)
{
	(void)state;
	check_threads("regression", 64, 64, 2048);
	check_threads("classify", 16, 64, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_dense),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_threads_same_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
