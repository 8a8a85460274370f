/* test_approx_blocked.c — the blocked, split pass of approx's loss_grad (problem_approx.c)
 * at a size where it takes many column blocks cut into parts: f and both products against
 * the formed X (MATH.md §1), and the same bits whether OpenBLAS may use one thread, two or
 * three (threads claim parts in any order; each part's sum has its own slot), whichever
 * way the timed thread choice goes. */
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

static double max_abs_diff(const ls_mat *X, const ls_mat *Y)
{
	double d = 0.0;
	for (size_t j = 0; j < X->cols; j++)
		for (size_t i = 0; i < X->rows; i++)
			d = fmax(d, fabs(LS_AT(*X, i, j) - LS_AT(*Y, i, j)));
	return d;
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
	assert_true(max_abs_diff(&GA, &WA) <= 1e-10 * ls_mat_norm(&WA));
	assert_true(max_abs_diff(&GB, &WB) <= 1e-10 * ls_mat_norm(&WB));
	/* Only GA wanted: the same M·B without Mᵀ·A. */
	ls_mat GA2;
	assert_ok(ls_mat_alloc(&GA2, M_ROWS, RANK, NULL));
	double f2;
	run(fx, &f2, &GA2, NULL);
	assert_true(f2 == f);
	assert_true(max_abs_diff(&GA2, &GA) == 0.0);
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
			assert_true(max_abs_diff(&GA1, &GA2) == 0.0);
			assert_true(max_abs_diff(&GB1, &GB2) == 0.0);
		}
	ls_mat_free(&GA1);
	ls_mat_free(&GB1);
	ls_mat_free(&GA2);
	ls_mat_free(&GB2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_against_formed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_same_bits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
