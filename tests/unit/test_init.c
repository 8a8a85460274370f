/* test_init.c — every initialisation rule: reproducible from the rng (same seed, same bits;
 * another seed, other bits), the distributions of MATH.md §2 (supports, means and variances
 * against their formulas), PEFT's rules on the right factor, and the spectral and olora
 * rules against a LAPACK SVD / the definition on the approx target. */
#include "training_util.h"

#include "lorascope/init.h"

#define BIG_M 300
#define BIG_N 200
#define BIG_R 40

typedef struct {
	double mean, var, lo, hi;
	size_t count;
} moments;

static moments moments_of(const ls_mat *M)
{
	moments o = { 0.0, 0.0, INFINITY, -INFINITY, M->rows * M->cols };
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double x = LS_AT(*M, i, j);
			o.mean += x;
			o.lo = fmin(o.lo, x);
			o.hi = fmax(o.hi, x);
		}
	o.mean /= (double)o.count;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double d = LS_AT(*M, i, j) - o.mean;
			o.var += d * d;
		}
	o.var /= (double)(o.count - 1);
	return o;
}

/* Sample mean within 5 standard errors, variance within 5% (n = 8000 or 12000). */
static void assert_law(const ls_mat *M, double mean, double var, const char *what)
{
	moments o = moments_of(M);
	double se = sqrt(var / (double)o.count);
	if (!(fabs(o.mean - mean) <= 5 * se && fabs(o.var - var) <= 0.05 * var))
		fail_msg("%s: mean %.5g (want %.5g), variance %.5g (want %.5g)", what, o.mean, mean,
			 o.var, var);
}

static void assert_zero(const ls_mat *M)
{
	assert_true(ls_mat_norm(M) == 0.0);
}

static void init_big(ls_lora *L, ls_config *c, int rule, uint64_t seed)
{
	ls_problem p = tt_shape(BIG_M, BIG_N);
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	assert_ok(ls_lora_alloc(L, &p, BIG_R, LS_SCALING_ONE, 1.0, NULL));
	c->init = rule;
	assert_ok(ls_init_apply(L, &p, c, NULL, &rng, NULL));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ls_init_names[LS_INIT_PEFT], "peft");
	assert_string_equal(ls_init_names[LS_INIT_OLORA], "olora");
	assert_null(ls_init_names[LS_INIT_COUNT]);
	for (int i = 0; i < LS_INIT_COUNT; i++)
		assert_non_null(ls_init_help[i]);
}

static void test_laws(void **state)
{
	(void)state;
	ls_config c;
	ls_config_defaults(&c);
	c.init_a = 0.3;
	c.init_b = 0.05;
	ls_lora L;

	init_big(&L, &c, LS_INIT_PEFT, 1);
	double bound = 1.0 / sqrt((double)BIG_N);
	moments o = moments_of(&L.B[0]);
	assert_zero(&L.A[0]);
	assert_true(o.lo >= -bound && o.hi <= bound && o.hi > 0.99 * bound);
	assert_law(&L.B[0], 0.0, bound * bound / 3.0, "peft B");
	ls_lora_free(&L);

	init_big(&L, &c, LS_INIT_GAUSSIAN, 2);
	assert_zero(&L.A[0]);
	assert_law(&L.B[0], 0.0, 1.0 / (BIG_R * BIG_R), "gaussian B");
	ls_lora_free(&L);

	init_big(&L, &c, LS_INIT_ZERO, 3);
	double zb = sqrt(15.0 / 768.0);
	o = moments_of(&L.A[0]);
	assert_zero(&L.B[0]);
	assert_true(o.lo >= -zb && o.hi <= zb && o.hi > 0.99 * zb);
	assert_law(&L.A[0], 0.0, zb * zb / 3.0, "zero-init A");
	ls_lora_free(&L);

	const struct {
		int rule;
		double ma, va, mb, vb;
	} normal[] = {
		{ LS_INIT_INIT1, 0.0, 1.0 / 30, 0.0, 1.0 / 30 },
		{ LS_INIT_INIT2, 0.0, 1.0 / 10, 0.0, 1.0 / 10 },
		{ LS_INIT_INIT3, -0.1, 1.0 / 20, 0.1, 1.0 / 20 },
		{ LS_INIT_LARGE, 0.0, 1.0 / 5, 0.0, 1.0 / 5 },
		{ LS_INIT_CUSTOM, 0.0, 0.09, 0.0, 0.0025 },
	};
	for (size_t i = 0; i < sizeof normal / sizeof normal[0]; i++) {
		init_big(&L, &c, normal[i].rule, 10 + i);
		assert_law(&L.A[0], normal[i].ma, normal[i].va, ls_init_names[normal[i].rule]);
		assert_law(&L.B[0], normal[i].mb, normal[i].vb, ls_init_names[normal[i].rule]);
		ls_lora_free(&L);
	}
	c.init_b = 0.0;
	init_big(&L, &c, LS_INIT_CUSTOM, 30);
	assert_zero(&L.B[0]);
	ls_lora_free(&L);
}

/* Same seed, same bits; another seed, other bits (the gradient rules use no randomness
 * and must be identical for every seed). */
static void test_reproducible(void **state)
{
	(void)state;
	ls_config c;
	tt_config(&c, LS_PROBLEM_APPROX, 9, 7, 3, 0.05);
	c.init_a = 0.2;
	c.init_b = 0.1;
	ls_problem p;
	tt_problem(&p, &c, 5);
	for (int rule = 0; rule < LS_INIT_COUNT; rule++) {
		ls_lora L[3];
		uint64_t seeds[3] = { 77, 77, 78 };
		c.init = rule;
		for (int i = 0; i < 3; i++) {
			ls_rng rng;
			ls_rng_seed(&rng, seeds[i]);
			assert_ok(ls_lora_alloc(&L[i], &p, 4, LS_SCALING_ONE, 1.0, NULL));
			assert_ok(ls_init_apply(&L[i], &p, &c, NULL, &rng, NULL));
		}
		assert_true(tt_same_bits(&L[0].A[0], &L[1].A[0]));
		assert_true(tt_same_bits(&L[0].B[0], &L[1].B[0]));
		int same = tt_same_bits(&L[0].A[0], &L[2].A[0]) &&
			   tt_same_bits(&L[0].B[0], &L[2].B[0]);
		bool deterministic = rule == LS_INIT_SPECTRAL || rule == LS_INIT_OLORA;
		if (same != deterministic)
			fail_msg("%s: seeds 77 and 78 give %s factors", ls_init_names[rule],
				 same ? "the same" : "different");
		for (int i = 0; i < 3; i++)
			ls_lora_free(&L[i]);
	}
	ls_problem_destroy(&p);
}

/* spectral on approx: A = x0·(top-r left singular vectors of M) up to column signs, B = 0. */
static void test_spectral(void **state)
{
	(void)state;
	size_t m = 10, n = 8, r = 3;
	ls_config c;
	tt_config(&c, LS_PROBLEM_APPROX, (long)m, (long)n, 5, 0.01);
	c.init = LS_INIT_SPECTRAL;
	c.init_scale = 0.25;
	ls_problem p;
	tt_problem(&p, &c, 6);
	ls_lora L;
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	assert_ok(ls_lora_alloc(&L, &p, r, LS_SCALING_ONE, 1.0, NULL));
	assert_ok(ls_init_apply(&L, &p, &c, NULL, &rng, NULL));
	assert_zero(&L.B[0]);
	ls_mat W, U, Vt;
	double sv[8];
	assert_ok(ls_mat_alloc(&W, m, n, NULL));
	assert_ok(ls_mat_alloc(&U, m, n, NULL));
	assert_ok(ls_mat_alloc(&Vt, n, n, NULL));
	assert_ok(ls_mat_copy(&W, &p.target));
	assert_ok(ls_mat_svd(&W, sv, &U, &Vt, NULL));
	for (size_t j = 0; j < r; j++) {
		ls_mat a = ls_mat_cols(L.A[0], j, 1), u = ls_mat_cols(U, j, 1);
		assert_close(fabs(ls_mat_dot(&a, &u)), 0.25, 1e-12, 0);
		assert_close(ls_mat_norm(&a), 0.25, 1e-12, 0);
	}
	ls_mat_free(&W);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
	ls_lora_free(&L);
	ls_problem_destroy(&p);
}

/* olora on approx (R = M): AᵀA = x0²·I, span(A) ⊇ the first r columns of M,
 * B = x0·MᵀA/‖MᵀA‖ (A/x0 = Q), and X0 is a descent direction: ⟨X0, M⟩ > 0. */
static void test_olora(void **state)
{
	(void)state;
	size_t m = 9, n = 11, r = 3;
	double x0 = 0.5;
	ls_config c;
	tt_config(&c, LS_PROBLEM_APPROX, (long)m, (long)n, 4, 0.02);
	c.init = LS_INIT_OLORA;
	c.init_scale = x0;
	ls_problem p;
	tt_problem(&p, &c, 7);
	ls_lora L;
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	assert_ok(ls_lora_alloc(&L, &p, r, LS_SCALING_ALPHA_R, 6.0, NULL));
	assert_ok(ls_init_apply(&L, &p, &c, NULL, &rng, NULL));
	ls_mat G, P, MtA, X;
	assert_ok(ls_mat_alloc(&G, r, r, NULL));
	assert_ok(ls_mat_alloc(&P, m, r, NULL));
	assert_ok(ls_mat_alloc(&MtA, n, r, NULL));
	assert_ok(ls_mat_gemm(true, false, 1.0, &L.A[0], &L.A[0], 0.0, &G));
	for (size_t j = 0; j < r; j++)
		for (size_t i = 0; i < r; i++)
			assert_close(LS_AT(G, i, j), i == j ? x0 * x0 : 0.0, 0, 1e-14);
	/* Projection of M's first r columns on span(A): (A·Aᵀ/x0²)·M_r = M_r. */
	ls_mat Mr = ls_mat_cols(p.target, 0, r);
	assert_ok(ls_mat_gemm(true, false, 1.0 / (x0 * x0), &L.A[0], &Mr, 0.0, &G));
	assert_ok(ls_mat_gemm(false, false, 1.0, &L.A[0], &G, 0.0, &P));
	assert_close(tt_dist(&P, &Mr), 0.0, 0, 1e-12 * ls_mat_norm(&Mr));
	assert_ok(ls_mat_gemm(true, false, 1.0, &p.target, &L.A[0], 0.0, &MtA));
	ls_mat_scale(&MtA, x0 / ls_mat_norm(&MtA));
	assert_close(tt_dist(&MtA, &L.B[0]), 0.0, 0, 1e-14);
	X = tt_form(&L, 0);
	assert_true(ls_mat_dot(&X, &p.target) > 0.0);
	ls_mat_free(&G);
	ls_mat_free(&P);
	ls_mat_free(&MtA);
	ls_mat_free(&X);
	ls_lora_free(&L);
	ls_problem_destroy(&p);
}

static void test_bad_rule(void **state)
{
	(void)state;
	ls_problem p = tt_shape(3, 3);
	ls_lora L;
	ls_config c;
	ls_rng rng;
	ls_error err;
	ls_config_defaults(&c);
	ls_rng_seed(&rng, 1);
	c.init = LS_INIT_COUNT;
	assert_ok(ls_lora_alloc(&L, &p, 1, LS_SCALING_ONE, 1.0, NULL));
	assert_int_equal(ls_init_apply(&L, &p, &c, NULL, &rng, &err), LS_EINVAL);
	ls_lora_free(&L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),        cmocka_unit_test(test_laws),
		cmocka_unit_test(test_reproducible), cmocka_unit_test(test_spectral),
		cmocka_unit_test(test_olora),        cmocka_unit_test(test_bad_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
