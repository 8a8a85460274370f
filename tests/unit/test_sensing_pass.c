/* test_sensing_pass.c — sensing's full-batch pass (problem_sensing.c): column blocks of the
 * measurements, cut into parts at this size. f and both factor gradients against the
 * per-sample route (a batch naming every sample: ⟨S_i, X⟩ and ∇f += r_i·S_i one sample at a
 * time, no block, no part) and against central differences of f; then the same bits
 * whether OpenBLAS may use one thread, two or three, whichever way the timed thread choice
 * goes. A size below the split checks the one-part pass the same way. */
#include <stdlib.h>

#include <cblas.h>

#include "lorascope/config.h"
#include "lorascope/problem.h"
#include "testutil.h"

/* 32×32, N 600: 32 columns of S a block (256 KiB), 19 blocks in 8 parts, the last block 24
 * columns wide; 12×12, N 300: 43200 entries of S, one part. */
enum { RANK = 4 };

typedef struct {
	ls_problem p;
	ls_mat A, B;
	double s;
} fixture;

static void make(fixture *fx, int m, int n, int N)
{
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	ls_error_clear(&err);
	char buf[16];
	assert_ok(ls_config_set(&c, "problem", "sensing", &err));
	snprintf(buf, sizeof buf, "%d", m);
	assert_ok(ls_config_set(&c, "m", buf, &err));
	snprintf(buf, sizeof buf, "%d", n);
	assert_ok(ls_config_set(&c, "n", buf, &err));
	snprintf(buf, sizeof buf, "%d", N);
	assert_ok(ls_config_set(&c, "samples", buf, &err));
	assert_ok(ls_config_set(&c, "noise", "0.1", &err));
	ls_rng rng;
	ls_rng_seed(&rng, 7);
	assert_ok(ls_problem_create(&fx->p, &c, NULL, &rng, &err));
	assert_ok(ls_mat_alloc(&fx->A, (size_t)m, RANK, NULL));
	assert_ok(ls_mat_alloc(&fx->B, (size_t)n, RANK, NULL));
	ls_rng_fill_normal(&rng, &fx->A, 0.0, 1.0);
	ls_rng_fill_normal(&rng, &fx->B, 0.0, 0.5);
	fx->s = 0.37;
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

static void check_size(int m, int n, int N)
{
	fixture fx;
	make(&fx, m, n, N);
	ls_mat GA, GB, WA, WB;
	assert_ok(ls_mat_alloc(&GA, (size_t)m, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB, (size_t)n, RANK, NULL));
	assert_ok(ls_mat_alloc(&WA, (size_t)m, RANK, NULL));
	assert_ok(ls_mat_alloc(&WB, (size_t)n, RANK, NULL));
	double f, w;
	run(&fx, NULL, &f, &GA, &GB);
	size_t *idx = malloc((size_t)N * sizeof *idx);
	assert_non_null(idx);
	for (int i = 0; i < N; i++)
		idx[i] = (size_t)i;
	ls_batch all = { .count = (size_t)N, .idx = idx };
	run(&fx, &all, &w, &WA, &WB);
	assert_close(f, w, 1e-13, 0.0);
	assert_true(max_abs_diff(&GA, &WA) <= 1e-13 * ls_mat_norm(&WA));
	assert_true(max_abs_diff(&GB, &WB) <= 1e-13 * ls_mat_norm(&WB));
	/* Central differences of f along one entry of A and one of B: loss_grad's GA = ∇f·B
	 * and GB = ∇fᵀ·A are the factor gradients over s (MATH.md §2). */
	const double h = 1e-5;
	ls_mat *Xs[2] = { &fx.A, &fx.B }, *Gs[2] = { &GA, &GB };
	for (int k = 0; k < 2; k++) {
		double *x = &LS_AT(*Xs[k], 3, 1), x0 = *x, fp, fm;
		*x = x0 + h;
		run(&fx, NULL, &fp, NULL, NULL);
		*x = x0 - h;
		run(&fx, NULL, &fm, NULL, NULL);
		*x = x0;
		assert_close((fp - fm) / (2.0 * h), fx.s * LS_AT(*Gs[k], 3, 1), 1e-6, 1e-9);
	}
	free(idx);
	ls_mat_free(&GA);
	ls_mat_free(&GB);
	ls_mat_free(&WA);
	ls_mat_free(&WB);
	unmake(&fx);
}

static void test_against_per_sample(void **state)
{
	(void)state;
	check_size(32, 32, 600);
	check_size(12, 12, 300);
}

/* One OpenBLAS thread (every part in turn), two and three (parts side by side): same bits,
 * and the thread count given back. */
static void test_threads_same_bits(void **state)
{
	(void)state;
	fixture fx;
	make(&fx, 32, 32, 600);
	int saved = openblas_get_num_threads();
	ls_mat GA1, GB1, GA2, GB2;
	assert_ok(ls_mat_alloc(&GA1, 32, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB1, 32, RANK, NULL));
	assert_ok(ls_mat_alloc(&GA2, 32, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB2, 32, RANK, NULL));
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
	ls_mat_free(&GA1);
	ls_mat_free(&GB1);
	ls_mat_free(&GA2);
	ls_mat_free(&GB2);
	unmake(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_per_sample),
		cmocka_unit_test(test_threads_same_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
