/* test_theory_problems.c — the theory instruments on the library's own problems: α̂, β̂ of
 * approx and regression against their exact values, the loud5 and sense2x2 presets
 * certified by the report (MATH.md §9), the §3.4 seed check ‖X*‖_* < f(0)/λ with the
 * library's baseline on every problem, per-module reports on mlp with two modules, and the
 * outer bounds of α, β on every quadratic problem against a dense Hessian. */
#include "lorascope/baseline.h"
#include "lorascope/config.h"
#include "lorascope/init.h"
#include "lorascope/optim.h"
#include "lorascope/theory.h"
#include "theory_testutil.h"

/* A problem from name=value pairs (NULL-terminated) with its library baseline at λ and X*
 * formed densely. */
typedef struct {
	ls_problem p;
	ls_config c;
	ls_baseline b;
	ls_mat Xs[LS_MAX_MODULES];
} fixture;

static void fixture_make(fixture *f, const char *const *kv, double lambda, long iters)
{
	ls_config_defaults(&f->c);
	for (size_t i = 0; kv[i]; i += 2)
		assert_ok(ls_config_set(&f->c, kv[i], kv[i + 1], NULL));
	ls_rng rng;
	ls_rng_seed(&rng, f->c.seed);
	assert_ok(ls_problem_create(&f->p, &f->c, NULL, &rng, NULL));
	assert_ok(ls_baseline_compute(&f->b, &f->p, lambda, iters, 1e-12, NULL));
	assert_ok(ls_theory_xstar_dense(&f->b, f->Xs, NULL));
}

static void fixture_free(fixture *f)
{
	for (size_t k = 0; k < f->p.nmod; k++)
		ls_mat_free(&f->Xs[k]);
	ls_baseline_free(&f->b);
	ls_problem_destroy(&f->p);
}

static void test_regression_exact(void **state)
{
	(void)state;
	const char *kv[] = { "problem", "regression", "true-rank", "1", "m", "4",
			     "n",       "5",          "kappa",     "3", NULL };
	fixture f;
	fixture_make(&f, kv, 0.1, 2000);
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = 30;
	o.alpha_iters = 40;
	ls_rng rng;
	ls_rng_seed(&rng, 9);
	ls_alphabeta ab;
	/* r = min(m, n): the rank bound is void, so α = λ_min(Σ), β = λ_max(Σ) exactly */
	assert_ok(ls_theory_alphabeta(&f.p, f.Xs, 4, 3.0, &o, &rng, &ab, NULL));
	assert_true(isfinite(f.p.beta_exact));
	assert_true(ab.alpha >= f.p.alpha_exact - 1e-9);
	assert_true(ab.beta <= f.p.beta_exact + 1e-9);
	assert_close(ab.alpha, f.p.alpha_exact, 1e-3, 0);
	assert_close(ab.beta, f.p.beta_exact, 1e-4, 0);
	assert_int_equal(ls_theory_regime(ab.alpha_exact, ab.beta_exact), LS_REGIME_GENERIC);
	fixture_free(&f);
}

/* MATH.md §9: regression is SPECIAL exactly when κ(Σ) < 2; the estimated flag agrees. */
static void test_regression_kappa_boundary(void **state)
{
	(void)state;
	const char *kappas[2] = { "1.6", "2.5" };
	const ls_regime want[2] = { LS_REGIME_SPECIAL, LS_REGIME_GENERIC };
	for (int i = 0; i < 2; i++) {
		const char *kv[] = { "problem",   "regression", "m",     "3",       "n", "4",
				     "true-rank", "2",          "kappa", kappas[i], NULL };
		fixture f;
		fixture_make(&f, kv, 0.1, 2000);
		ls_theory_opts o;
		ls_theory_opts_default(&o);
		o.samples = 20;
		o.alpha_iters = 40;
		ls_rng rng;
		ls_rng_seed(&rng, 16);
		ls_alphabeta ab;
		assert_ok(ls_theory_alphabeta(&f.p, f.Xs, 3, 3.0, &o, &rng, &ab, NULL));
		assert_int_equal(ls_theory_regime(ab.alpha_exact, ab.beta_exact), want[i]);
		assert_int_equal(ls_theory_regime(ab.alpha, ab.beta), want[i]);
		fixture_free(&f);
	}
}

static void test_approx_exact(void **state)
{
	(void)state;
	const char *kv[] = { "problem", "approx", "m", "6", "n", "5", NULL };
	fixture f;
	fixture_make(&f, kv, 0.2, 500);
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = 20;
	ls_rng rng;
	ls_rng_seed(&rng, 10);
	ls_alphabeta ab;
	assert_ok(ls_theory_alphabeta(&f.p, f.Xs, 3, 2.0, &o, &rng, &ab, NULL));
	assert_close(ab.alpha, 1.0, 0, 1e-10);
	assert_close(ab.beta, 1.0, 0, 1e-10);
	fixture_free(&f);
}

/* approx trained by the library's own GD with weight decay: certified global, and the
 * verdict agrees with the loss gap to the library's baseline. */
static void test_approx_trained_global(void **state)
{
	(void)state;
	const char *kv[] = { "problem",   "approx", "m",    "8",        "n",      "6",
			     "true-rank", "3",      "rank", "5",        "lambda", "0.3",
			     "lr",        "0.1",    "init", "gaussian", NULL };
	fixture f;
	fixture_make(&f, kv, 0.3, 5000); /* the λ of kv */
	assert_true(f.b.rstar < 5);
	ls_rng rng;
	ls_rng_seed(&rng, 17);
	ls_lora L;
	ls_optim *opt = NULL;
	assert_ok(ls_lora_alloc(&L, &f.p, 5, f.c.scaling, f.c.alpha, NULL));
	assert_ok(ls_init_apply(&L, &f.p, &f.c, NULL, &rng, NULL));
	assert_ok(ls_optim_alloc(&opt, &L, &f.p, NULL));
	ls_step_info info;
	for (int t = 0; t < 4000; t++)
		assert_ok(ls_optim_step(opt, &f.p, &L, &f.c, &rng, &info, NULL));
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = 30;
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&f.p, &L, f.c.lambda, f.Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.verdict, LS_VERDICT_GLOBAL);
	assert_true(rep.exact_used);
	assert_false(rep.contradiction);
	assert_close(rep.gap, 0.0, 0, 1e-8);
	assert_int_equal(rep.mod[0].rstar, f.b.rstar);
	assert_int_equal(rep.mod[0].rank, f.b.rstar);
	assert_true(rep.seed_holds);
	ls_optim_free(opt);
	ls_lora_free(&L);
	fixture_free(&f);
}

/* The library's loud5: A = B = √1.5·[e2 e3] spurious, A = B = [e1 0] global. */
static void test_loud5_preset(void **state)
{
	(void)state;
	const char *kv[] = { "problem", "loud5", "rank", "2", NULL };
	fixture f;
	fixture_make(&f, kv, 0.0, 20000);
	assert_int_equal(f.b.rstar, 1);
	ls_lora L;
	tl_alloc(&L, &f.p, 2, 1.0);
	tl_loud5_spurious(&L, 0);
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = 60;
	ls_rng rng;
	ls_rng_seed(&rng, 12);
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&f.p, &L, 0.0, f.Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.verdict, LS_VERDICT_SPURIOUS);
	assert_false(rep.contradiction);
	assert_close(rep.gap, 0.55, 1e-6, 0);
	assert_close(rep.mod[0].norm_x, 3.0 / sqrt(2.0), 1e-12, 0);
	assert_close(rep.mod[0].norm_xstar, 1.0, 1e-6, 0);
	assert_true(rep.mod[0].bound_holds);
	ls_mat_set_zero(&L.A[0]);
	ls_mat_set_zero(&L.B[0]);
	LS_AT(L.A[0], 0, 0) = LS_AT(L.B[0], 0, 0) = 1.0;
	assert_ok(ls_theory_report_compute(&f.p, &L, 0.0, f.Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.verdict, LS_VERDICT_GLOBAL);
	assert_false(rep.contradiction);
	tl_free(&L);
	fixture_free(&f);
}

/* sense2x2 with r = r* = 1: a = b = (0, 1/√2) is a spurious SOSP (f = 3/4, exact α = 1,
 * β = 4: generic), decided by Theorem 1 with r = r* since Corollary 1 needs r > r*. */
static void test_sense2x2_preset(void **state)
{
	(void)state;
	const char *kv[] = { "problem", "sense2x2", "rank", "1", NULL };
	fixture f;
	fixture_make(&f, kv, 0.0, 20000);
	ls_lora L;
	tl_alloc(&L, &f.p, 1, 1.0);
	LS_AT(L.A[0], 1, 0) = LS_AT(L.B[0], 1, 0) = sqrt(0.5);
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = 60;
	ls_rng rng;
	ls_rng_seed(&rng, 13);
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&f.p, &L, 0.0, f.Xs, &o, NULL, &rng, &rep, NULL));
	assert_close(rep.loss, 0.75, 1e-12, 0);
	assert_true(rep.stationary && rep.second_order);
	assert_true(rep.exact_used);
	assert_int_equal(rep.mod[0].regime_exact, LS_REGIME_GENERIC);
	assert_true(rep.mod[0].ab.alpha >= 1.0 - 1e-9 && rep.mod[0].ab.beta <= 4.0 + 1e-9);
	assert_int_equal(rep.verdict, LS_VERDICT_SPURIOUS);
	assert_false(rep.contradiction);
	tl_free(&L);
	fixture_free(&f);
}

/* Extreme eigenvalues of the dense ∇²f of module 0 at a random X, assembled here column by
 * column from the problem's Hessian–vector products. */
static void dense_hessf_extremes(ls_problem *p, ls_rng *rng, double *lmin, double *lmax)
{
	ls_mat X[LS_MAX_MODULES], H[LS_MAX_MODULES], Y[LS_MAX_MODULES];
	for (size_t k = 0; k < p->nmod; k++) {
		assert_ok(ls_mat_alloc(&X[k], p->shape[k].m, p->shape[k].n, NULL));
		assert_ok(ls_mat_alloc(&H[k], p->shape[k].m, p->shape[k].n, NULL));
		assert_ok(ls_mat_alloc(&Y[k], p->shape[k].m, p->shape[k].n, NULL));
		for (size_t i = 0; i < X[k].rows * X[k].cols; i++)
			X[k].data[i] = ls_rng_normal(rng);
	}
	size_t m = p->shape[0].m, dim = m * p->shape[0].n;
	ls_mat Hf;
	assert_ok(ls_mat_alloc(&Hf, dim, dim, NULL));
	for (size_t c = 0; c < dim; c++) {
		LS_AT(H[0], c % m, c / m) = 1.0;
		assert_ok(p->type->hvp_dense(p, X, H, Y));
		LS_AT(H[0], c % m, c / m) = 0.0;
		for (size_t i = 0; i < dim; i++)
			LS_AT(Hf, i, c) = LS_AT(Y[0], i % m, i / m);
	}
	double *w = calloc(dim, sizeof *w);
	assert_non_null(w);
	assert_ok(ls_mat_sym_eig(&Hf, w, false, NULL));
	*lmin = w[0];
	*lmax = w[dim - 1];
	free(w);
	ls_mat_free(&Hf);
	for (size_t k = 0; k < p->nmod; k++) {
		ls_mat_free(&X[k]);
		ls_mat_free(&H[k]);
		ls_mat_free(&Y[k]);
	}
}

/* The outer bounds λ_min(∇²f) ≤ α, β ≤ λ_max(∇²f) the report prints (MATH.md §9) are the
 * extreme eigenvalues of the dense Hessian of every quadratic problem (loud5: 0.12969 and
 * 5.32031, sense2x2: 1 and 4); a non-quadratic f has none; the regime status follows. */
static void test_outer_bounds(void **state)
{
	(void)state;
	const char *const cases[][11] = {
		{ "problem", "loud5", "rank", "2", NULL },
		{ "problem", "sense2x2", "rank", "1", NULL },
		{ "problem", "sensing", "true-rank", "1", "m", "4", "n", "3", "rank", "2", NULL },
		{ "problem", "regression", "true-rank", "1", "m", "4", "n", "5", "rank", "2",
		  NULL },
		{ "problem", "approx", "true-rank", "1", "m", "4", "n", "3", "rank", "2", NULL },
		{ "problem", "trace2", "m", "4", "n", "4", "rank", "2", NULL },
		{ "problem", "mlp", "true-rank", "1", "m", "4", "n", "3", "rank", "2", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixture f;
		fixture_make(&f, cases[i], 0.01, 3000);
		ls_lora L;
		tl_alloc(&L, &f.p, (size_t)f.c.rank, 1.0);
		ls_rng rng;
		ls_rng_seed(&rng, 40 + i);
		for (size_t j = 0; j < L.A[0].rows * L.A[0].cols; j++)
			L.A[0].data[j] = ls_rng_normal(&rng);
		ls_theory_opts o;
		ls_theory_opts_default(&o);
		o.samples = 20;
		ls_theory_report rep;
		assert_ok(
			ls_theory_report_compute(&f.p, &L, 0.01, f.Xs, &o, NULL, &rng, &rep, NULL));
		const ls_theory_module *m = &rep.mod[0];
		if (!f.p.type->quadratic) {
			assert_true(isnan(m->hess_lmin) && isnan(m->hess_lmax));
		} else {
			double lo, hi;
			dense_hessf_extremes(&f.p, &rng, &lo, &hi);
			assert_close(m->hess_lmin, lo, 1e-12, 1e-12);
			assert_close(m->hess_lmax, hi, 1e-12, 1e-12);
			/* inner estimates sit inside the outer bounds */
			assert_true(m->ab.alpha >= lo - 1e-9 && m->ab.beta <= hi + 1e-9);
		}
		if (m->regime_exact != LS_REGIME_UNKNOWN)
			assert_int_equal(m->regime_status, LS_CERTAINTY_EXACT);
		else if (m->regime == LS_REGIME_GENERIC)
			assert_int_equal(m->regime_status, LS_CERTAINTY_CERTAIN);
		if (i == 0) {
			assert_close(m->hess_lmin, 0.12969, 0, 1e-5);
			assert_close(m->hess_lmax, 5.32031, 0, 1e-5);
			assert_int_equal(m->regime_used, LS_REGIME_GENERIC);
			assert_int_equal(m->regime_status, LS_CERTAINTY_CERTAIN);
			assert_int_equal(m->threshold_status, LS_CERTAINTY_ESTIMATED);
		} else if (i == 1) {
			assert_close(m->hess_lmin, 1.0, 1e-12, 0);
			assert_close(m->hess_lmax, 4.0, 1e-12, 0);
		}
		tl_free(&L);
		fixture_free(&f);
	}
}

/* §3.4 with the library's baseline on every problem, λ > 0. */
static void test_seed_check_every_problem(void **state)
{
	(void)state;
	for (size_t id = 0; ls_problem_names[id]; id++) {
		const char *kv[] = { "problem", ls_problem_names[id], "m", "5",    "n",
				     "5",       "true-rank",          "2", "rank", "2",
				     NULL };
		fixture f;
		fixture_make(&f, kv, 0.3, 400);
		ls_lora L;
		tl_alloc(&L, &f.p, 2, 1.0);
		ls_alphabeta ab[LS_MAX_MODULES];
		for (size_t k = 0; k < f.p.nmod; k++)
			ab[k] = (ls_alphabeta){ .alpha = 0.5,
						.beta = 1.0,
						.samples = 1,
						.D = 1e3,
						.r = 2,
						.alpha_exact = NAN,
						.beta_exact = NAN };
		ls_theory_opts o;
		ls_theory_opts_default(&o);
		o.lanczos_iters = 30;
		ls_rng rng;
		ls_rng_seed(&rng, 14);
		ls_theory_report rep;
		assert_ok(ls_theory_report_compute(&f.p, &L, 0.3, f.Xs, &o, ab, &rng, &rep, NULL));
		if (!rep.seed_holds)
			fail_msg("%s: |X*|_* = %g >= f(0)/lambda = %g", ls_problem_names[id],
				 rep.seed_lhs, rep.seed_rhs);
		assert_close(rep.seed_lhs, f.b.nuc, 1e-9, 1e-12);
		assert_close(rep.f0, f.b.f0, 1e-12, 1e-14);
		tl_free(&L);
		fixture_free(&f);
	}
}

/* mlp with LoRA on both layers: α̂, β̂, regime, ratio and verdict per module. */
static void test_mlp_two_modules(void **state)
{
	(void)state;
	const char *kv[] = {
		"problem", "mlp", "m", "5", "n", "4", "modules", "2", "rank", "2", NULL
	};
	fixture f;
	fixture_make(&f, kv, 0.05, 300);
	assert_int_equal(f.p.nmod, 2);
	ls_lora L;
	tl_alloc(&L, &f.p, 2, 1.0);
	ls_rng rng;
	ls_rng_seed(&rng, 15);
	for (size_t k = 0; k < 2; k++) {
		ls_rng_fill_normal(&rng, &L.A[k], 0.0, 0.3);
		ls_rng_fill_normal(&rng, &L.B[k], 0.0, 0.3);
	}
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = 10;
	o.beta_iters = 5;
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&f.p, &L, 0.05, f.Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.nmod, 2);
	assert_false(rep.convex);
	assert_false(rep.contradiction); /* no loss comparison for non-convex f */
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(rep.mod[k].ab.samples, 10);
		assert_true(isfinite(rep.mod[k].ab.alpha) && isfinite(rep.mod[k].ab.beta));
		assert_true(rep.mod[k].regime != LS_REGIME_UNKNOWN);
		assert_true(rep.mod[k].verdict != LS_VERDICT_UNKNOWN);
	}
	assert_int_equal(rep.verdict, LS_VERDICT_NOT_STATIONARY); /* a random point */
	tl_free(&L);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regression_exact),
		cmocka_unit_test(test_regression_kappa_boundary),
		cmocka_unit_test(test_approx_exact),
		cmocka_unit_test(test_approx_trained_global),
		cmocka_unit_test(test_loud5_preset),
		cmocka_unit_test(test_sense2x2_preset),
		cmocka_unit_test(test_outer_bounds),
		cmocka_unit_test(test_seed_check_every_problem),
		cmocka_unit_test(test_mlp_two_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
