/* test_approx_blocked.c — the blocked, split pass of approx's loss_grad (problem_approx.c)
 * at a size where it takes many column blocks cut into parts: f and both products against
 * the formed X (MATH.md §1), and the same bits whether OpenBLAS may use one thread, two or
 * three (threads claim parts in any order; each part's sum has its own slot), whichever
 * way the timed thread choice goes. Then the fused kernel's edges (the BLAS pass on a CPU
 * without one): shapes with r not a multiple of 8, r = 1, odd m and n, m below a row tile
 * and above a kernel call's rows, ld > rows, against BLAS products and finite
 * differences, and the same bits on 1 and 3 threads. */
#include <stdlib.h>

#include <cblas.h>

#include "lorascope/config.h"
#include "lorascope/problem.h"
#include "testutil.h"

/* 300×2000, r = 16: m·n·r = 9.6·10⁶ ≥ the split size (8·2²⁰), 416 columns a block, 5 blocks
 * and so 5 parts, the last one narrower. */
enum { M_ROWS = 300, N_COLS = 2000, RANK = 16 };

typedef struct {
	ls_problem p;
	ls_mat A, B;
	double s;
} fixture;

static void fill(ls_mat *X, ls_rng *rng)
{
	for (size_t j = 0; j < X->cols; j++)
		for (size_t i = 0; i < X->rows; i++)
			LS_AT(*X, i, j) = ls_rng_normal(rng);
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	ls_error_clear(&err);
	char buf[16];
	ls_config_set(&c, "problem", "approx", &err);
	snprintf(buf, sizeof buf, "%d", M_ROWS);
	ls_config_set(&c, "m", buf, &err);
	snprintf(buf, sizeof buf, "%d", N_COLS);
	ls_config_set(&c, "n", buf, &err);
	ls_config_set(&c, "noise", "0.1", &err);
	ls_rng rng;
	ls_rng_seed(&rng, 42);
	if (ls_problem_create(&fx->p, &c, NULL, &rng, &err) != LS_OK ||
	    ls_mat_alloc(&fx->A, M_ROWS, RANK, &err) != LS_OK ||
	    ls_mat_alloc(&fx->B, N_COLS, RANK, &err) != LS_OK)
		return -1;
	fill(&fx->A, &rng);
	fill(&fx->B, &rng);
	fx->s = 0.37;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	ls_problem_destroy(&fx->p);
	ls_mat_free(&fx->A);
	ls_mat_free(&fx->B);
	free(fx);
	return 0;
}

static void run(fixture *fx, double *f, ls_mat *GA, ls_mat *GB)
{
	ls_factors F = { .nmod = 1, .A = &fx->A, .B = &fx->B, .s = &fx->s };
	assert_ok(fx->p.type->loss_grad(&fx->p, &F, NULL, f, GA, GB));
}

/* Against the formed residual R = s·A·Bᵀ − M: f = ½‖R‖², GA = R·B, GB = Rᵀ·A. */
static void test_against_formed(void **state)
{
	fixture *fx = *state;
	ls_mat GA, GB, R, WA, WB;
	assert_ok(ls_mat_alloc(&GA, M_ROWS, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB, N_COLS, RANK, NULL));
	assert_ok(ls_mat_alloc(&WA, M_ROWS, RANK, NULL));
	assert_ok(ls_mat_alloc(&WB, N_COLS, RANK, NULL));
	assert_ok(ls_mat_alloc(&R, M_ROWS, N_COLS, NULL));
	double f;
	run(fx, &f, &GA, &GB);
	assert_ok(ls_mat_copy(&R, &fx->p.target));
	assert_ok(ls_mat_gemm(false, true, fx->s, &fx->A, &fx->B, -1.0, &R));
	double nr = ls_mat_norm(&R);
	assert_ok(ls_mat_gemm(false, false, 1.0, &R, &fx->B, 0.0, &WA));
	assert_ok(ls_mat_gemm(true, false, 1.0, &R, &fx->A, 0.0, &WB));
	assert_close(f, 0.5 * nr * nr, 1e-10, 0.0);
	assert_true(ls_test_max_abs_diff(&GA, &WA) <= 1e-10 * ls_mat_norm(&WA));
	assert_true(ls_test_max_abs_diff(&GB, &WB) <= 1e-10 * ls_mat_norm(&WB));
	/* Only GA wanted: the same M·B without Mᵀ·A. */
	ls_mat GA2;
	assert_ok(ls_mat_alloc(&GA2, M_ROWS, RANK, NULL));
	double f2;
	run(fx, &f2, &GA2, NULL);
	assert_true(f2 == f);
	assert_true(ls_test_max_abs_diff(&GA2, &GA) == 0.0);
	ls_mat_free(&GA);
	ls_mat_free(&GA2);
	ls_mat_free(&GB);
	ls_mat_free(&WA);
	ls_mat_free(&WB);
	ls_mat_free(&R);
}

/* One OpenBLAS thread (every part in turn), two and three (parts side by side): same bits,
 * and the pass gives the thread count back. */
static void test_threads_same_bits(void **state)
{
	fixture *fx = *state;
	int saved = openblas_get_num_threads();
	ls_mat GA1, GB1, GA2, GB2;
	assert_ok(ls_mat_alloc(&GA1, M_ROWS, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB1, N_COLS, RANK, NULL));
	assert_ok(ls_mat_alloc(&GA2, M_ROWS, RANK, NULL));
	assert_ok(ls_mat_alloc(&GB2, N_COLS, RANK, NULL));
	double f1, f2;
	openblas_set_num_threads(1);
	run(fx, &f1, &GA1, &GB1);
	/* A new problem times its first split pass on one thread and its second on several,
	 * then takes the faster: three calls run both ways. */
	for (int threads = 2; threads <= 3; threads++)
		for (int call = 0; call < 3; call++) {
			openblas_set_num_threads(threads);
			run(fx, &f2, &GA2, &GB2);
			int during = openblas_get_num_threads();
			openblas_set_num_threads(saved);
			/* OpenBLAS caps the count at its build's maximum, at least 2 here. */
			assert_true(during >= 2);
			assert_true(f1 == f2);
			assert_true(ls_test_max_abs_diff(&GA1, &GA2) == 0.0);
			assert_true(ls_test_max_abs_diff(&GB1, &GB2) == 0.0);
		}
	ls_mat_free(&GA1);
	ls_mat_free(&GB1);
	ls_mat_free(&GA2);
	ls_mat_free(&GB2);
}

/* An approx problem m×n whose target is copied into a view with ld = m + pad (owned by
 * *store), and factors A (m×r), B (n×r) of N(0, 1) entries. */
static void make_shape(ls_problem *p, ls_mat *store, ls_mat *A, ls_mat *B, int m, int n, int r,
		       int pad)
{
	ls_config c;
	ls_config_defaults(&c);
	char buf[16];
	ls_config_set(&c, "problem", "approx", NULL);
	snprintf(buf, sizeof buf, "%d", m);
	ls_config_set(&c, "m", buf, NULL);
	snprintf(buf, sizeof buf, "%d", n);
	ls_config_set(&c, "n", buf, NULL);
	ls_config_set(&c, "true-rank", m < 2 || n < 2 ? "1" : "2", NULL);
	ls_config_set(&c, "noise", "0.1", NULL);
	ls_rng rng;
	ls_rng_seed(&rng, (uint64_t)(m * 7 + n * 3 + r));
	assert_ok(ls_problem_create(p, &c, NULL, &rng, NULL));
	assert_ok(ls_mat_alloc(store, (size_t)(m + pad), (size_t)n, NULL));
	ls_mat V = ls_mat_view(store->data, (size_t)m, (size_t)n, (size_t)(m + pad));
	for (size_t j = 0; j < (size_t)n; j++)
		for (size_t i = 0; i < (size_t)(m + pad); i++)
			LS_AT(*store, i, j) = i < (size_t)m ? LS_AT(p->target, i, j) : NAN;
	ls_mat_free(&p->target);
	p->target = V;
	assert_ok(ls_mat_alloc(A, (size_t)m, (size_t)r, NULL));
	assert_ok(ls_mat_alloc(B, (size_t)n, (size_t)r, NULL));
	fill(A, &rng);
	fill(B, &rng);
}

static double loss_at(ls_problem *p, ls_mat *A, ls_mat *B, double s)
{
	ls_factors F = { .nmod = 1, .A = A, .B = B, .s = &s };
	double f;
	assert_ok(p->type->loss_grad(p, &F, NULL, &f, NULL, NULL));
	return f;
}

/* f's central difference in X(i, k) (exact for a quadratic but for rounding) against s·g:
 * loss_grad's GA, GB are (X − M)·B and (X − M)ᵀ·A, the chain rule's factor s left out. */
static void check_fd(ls_problem *p, ls_mat *A, ls_mat *B, double s, ls_mat *X, size_t i, size_t k,
		     double g)
{
	const double h = 1e-3;
	double x = LS_AT(*X, i, k);
	LS_AT(*X, i, k) = x + h;
	double fp = loss_at(p, A, B, s);
	LS_AT(*X, i, k) = x - h;
	double fm = loss_at(p, A, B, s);
	LS_AT(*X, i, k) = x;
	assert_close((fp - fm) / (2.0 * h), s * g, 1e-6, 1e-6);
}

/* The shapes under one kernel (LORASCOPE_KERNEL: "blas", "avx2" or "avx512"; a kernel the
 * CPU lacks falls back to the next one down, which is then tested again). */
static void shapes_with(const char *kernel)
{
	setenv("LORASCOPE_KERNEL", kernel, 1);
	/* The first row: the small kernel's sizes (m·n·⌈r/4⌉ ≤ 131072; rows past the last
	 * vector, odd n, r not a multiple of 4, the largest one); the others the fused pass's,
	 * the last one split into parts. */
	static const int shapes[][4] = {
		{ 64, 64, 4, 0 },    { 13, 9, 3, 2 },      { 7, 64, 5, 1 },     { 64, 7, 8, 0 },
		{ 33, 17, 1, 3 },    { 16, 16, 12, 0 },    { 1, 1, 1, 0 },      { 50, 1, 6, 1 },
		{ 256, 256, 8, 0 },  { 401, 357, 1, 0 },   { 557, 259, 3, 5 },  { 129, 515, 8, 0 },
		{ 77, 1031, 13, 3 }, { 200, 300, 16, 1 },  { 63, 1000, 20, 0 }, { 5, 30001, 5, 2 },
		{ 2100, 40, 17, 0 }, { 331, 2003, 13, 7 },
	};
	int saved = openblas_get_num_threads();
	for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
		int m = shapes[c][0], n = shapes[c][1], r = shapes[c][2], pad = shapes[c][3];
		ls_problem p = { 0 };
		ls_mat store, A, B, GA, GB, MB, MtA, AtA, BtB, WA, WB, GA3, GB3;
		make_shape(&p, &store, &A, &B, m, n, r, pad);
		double s = 0.37;
		assert_ok(ls_mat_alloc(&GA, (size_t)m, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&GB, (size_t)n, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&GA3, (size_t)m, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&GB3, (size_t)n, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&MB, (size_t)m, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&MtA, (size_t)n, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&AtA, (size_t)r, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&BtB, (size_t)r, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&WA, (size_t)m, (size_t)r, NULL));
		assert_ok(ls_mat_alloc(&WB, (size_t)n, (size_t)r, NULL));
		ls_factors F = { .nmod = 1, .A = &A, .B = &B, .s = &s };
		double f, f3;
		openblas_set_num_threads(1);
		assert_ok(p.type->loss_grad(&p, &F, NULL, &f, &GA, &GB));
		/* BLAS: GA = s·A·(BᵀB) − M·B, GB = s·B·(AᵀA) − Mᵀ·A. */
		assert_ok(ls_mat_gemm(false, false, 1.0, &p.target, &B, 0.0, &MB));
		assert_ok(ls_mat_gemm(true, false, 1.0, &p.target, &A, 0.0, &MtA));
		assert_ok(ls_mat_gemm(true, false, 1.0, &A, &A, 0.0, &AtA));
		assert_ok(ls_mat_gemm(true, false, 1.0, &B, &B, 0.0, &BtB));
		assert_ok(ls_mat_copy(&WA, &MB));
		assert_ok(ls_mat_gemm(false, false, s, &A, &BtB, -1.0, &WA));
		assert_ok(ls_mat_copy(&WB, &MtA));
		assert_ok(ls_mat_gemm(false, false, s, &B, &AtA, -1.0, &WB));
		/* Rounding of an r-column product of M: a few ulps of ‖M‖·‖factor‖. */
		double nm = ls_mat_norm(&p.target);
		assert_true(ls_test_max_abs_diff(&GA, &WA) <= 1e-12 * nm * ls_mat_norm(&B));
		assert_true(ls_test_max_abs_diff(&GB, &WB) <= 1e-12 * nm * ls_mat_norm(&A));
		size_t mi = (size_t)m - 1, nj = (size_t)n - 1, rk = (size_t)r - 1;
		check_fd(&p, &A, &B, s, &A, mi, rk, LS_AT(GA, mi, rk));
		check_fd(&p, &A, &B, s, &A, 0, 0, LS_AT(GA, 0, 0));
		check_fd(&p, &A, &B, s, &B, nj, rk, LS_AT(GB, nj, rk));
		check_fd(&p, &A, &B, s, &B, (size_t)n / 2, 0, LS_AT(GB, (size_t)n / 2, 0));
		/* Three threads (three calls: both thread choices are timed): same bits. */
		for (int call = 0; call < 3; call++) {
			openblas_set_num_threads(3);
			assert_ok(p.type->loss_grad(&p, &F, NULL, &f3, &GA3, &GB3));
			assert_true(f3 == f);
			assert_true(ls_test_max_abs_diff(&GA3, &GA) == 0.0);
			assert_true(ls_test_max_abs_diff(&GB3, &GB) == 0.0);
		}
		openblas_set_num_threads(saved);
		ls_mat *all[] = { &GA, &GB, &GA3, &GB3, &MB, &MtA, &AtA, &BtB, &WA, &WB, &A, &B };
		for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
			ls_mat_free(all[k]);
		ls_problem_destroy(&p);
		ls_mat_free(&store);
	}
	unsetenv("LORASCOPE_KERNEL");
}

static void test_shapes(void **state)
{
	(void)state;
	shapes_with("avx512");
	shapes_with("avx2");
	shapes_with("blas");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_against_formed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_same_bits, setup, teardown),
		cmocka_unit_test(test_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
