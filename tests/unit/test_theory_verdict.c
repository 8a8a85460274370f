/* test_theory_verdict.c — Corollary 1 verdicts and the theory report (MATH.md §3–§5):
 * the loud5 spurious SOSP and its global minimum, approx after converged LoRA GD against
 * the closed-form X* (singular value thresholding of M), a saddle, trace2 (α = 0), the
 * contradiction flag, and the §3.4 seed check ‖X*‖_* < f(0)/λ on every problem. */
#include "lorascope/spectrum.h"
#include "lorascope/theory.h"
#include "theory_testutil.h"

static void test_helpers(void **state)
{
	(void)state;
	const double s1[3] = { 1.0, 0.5, 1e-6 };
	assert_int_equal(ls_spectrum_rank(s1, 3), 2);
	const double s0[2] = { 0.0, 0.0 };
	assert_int_equal(ls_spectrum_rank(s0, 2), 0);
	const double s2[3] = { 2.0, 1.0, 0.5 };
	assert_close(ls_theory_ratio(s2, 3, 3, 1), 0.25, 0, 1e-15);
	assert_true(isnan(ls_theory_ratio(s2, 3, 3, 0)));
	const double s3[2] = { 1.5, 1.5 };
	/* √(1.5² / (1 − 0.06·1.5/1.5)) − 1 */
	assert_close(ls_theory_cor1_bound(s3, 2, 1, 0.06, 1.0), sqrt(2.25 / 0.94) - 1.0, 0, 1e-14);
	assert_true(isnan(ls_theory_cor1_bound(s2, 3, 1, 0.3, 1.0))); /* ratio 0.25 ≤ 0.3 */
	assert_string_equal(ls_verdict_names[LS_VERDICT_SPURIOUS], "spurious");
	assert_string_equal(ls_regime_names[LS_REGIME_SPECIAL], "special");
}

static void opts_fast(ls_theory_opts *o)
{
	ls_theory_opts_default(o);
	o->samples = 80;
	o->beta_iters = 15;
}

/* loud5 at A = B = √1.5·[e2 e3]: certified spurious, fails loudly. */
static void test_loud5_spurious(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 31);
	ls_problem p;
	tq_loud5(&p);
	ls_mat Xs;
	tq_loud5_xstar(&Xs);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.0);
	tl_loud5_spurious(&L, 0);
	ls_theory_opts o;
	opts_fast(&o);
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&p, &L, 0.0, &Xs, &o, NULL, &rng, &rep, NULL));
	const ls_theory_module *m = &rep.mod[0];
	assert_int_equal(rep.verdict, LS_VERDICT_SPURIOUS);
	assert_false(rep.contradiction);
	assert_true(rep.stationary);
	assert_close(rep.grad_norm, 0.0, 0, 1e-12);
	assert_true(rep.second_order);
	assert_true(rep.lz.lmin >= -rep.hess_tol_abs);
	assert_close(rep.lz.lmin, 0.0, 0, 1e-8);
	assert_int_equal(m->rstar, 1);
	assert_int_equal(m->rank, 2);
	assert_close(m->ratio, 1.0, 1e-12, 0);
	assert_true(m->ratio > m->threshold);
	assert_close(m->norm_x, 3.0 / sqrt(2.0), 1e-12, 0);
	assert_close(m->norm_xstar, 1.0, 1e-12, 0);
	assert_close(rep.loss, 0.55, 1e-12, 0);
	assert_close(rep.gap, 0.55, 1e-12, 0);
	assert_close(rep.f0, 2.125, 1e-12, 0);
	assert_int_equal(m->regime, LS_REGIME_GENERIC);
	assert_true(m->threshold >= 2 * 0.12969 / 5.32031 - 1e-9); /* inner bound side */
	assert_close(m->bound, sqrt(2.25 / (1.0 - m->threshold)) - 1.0, 1e-12, 0);
	assert_true(m->bound_holds && m->norm_x >= m->bound);
	/* the summary entries carry the same numbers under unique names */
	ls_theory_field f[LS_THEORY_MAX_FIELDS];
	size_t nf = ls_theory_fields(&rep, f, LS_THEORY_MAX_FIELDS);
	assert_int_equal(nf, 38);
	for (size_t i = 0; i < nf; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(f[i].name, f[j].name);
	assert_string_equal(f[0].name, "verdict");
	assert_string_equal(f[0].text, "spurious");
	assert_string_equal(f[1].name, "lambda_min");
	assert_close(f[1].value, rep.lz.lmin, 0, 0);
	assert_string_equal(f[13].name, "alpha");
	assert_close(f[13].value, m->ab.alpha, 0, 0);
	assert_int_equal(ls_theory_fields(&rep, f, 5), 5);
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&Xs);
}

/* loud5 at A = B = [e1 0]: X = X* = e1e1ᵀ, certified global. */
static void test_loud5_global(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 32);
	ls_problem p;
	tq_loud5(&p);
	ls_mat Xs;
	tq_loud5_xstar(&Xs);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.0);
	LS_AT(L.A[0], 0, 0) = LS_AT(L.B[0], 0, 0) = 1.0;
	ls_theory_opts o;
	opts_fast(&o);
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&p, &L, 0.0, &Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.verdict, LS_VERDICT_GLOBAL);
	assert_false(rep.contradiction);
	assert_true(rep.stationary && rep.second_order);
	assert_close(rep.gap, 0.0, 0, 1e-12);
	assert_close(rep.mod[0].ratio, 0.0, 0, 1e-12);
	assert_true(isnan(rep.mod[0].bound));
	assert_int_equal(rep.mod[0].rank, 1);
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&Xs);
}

/* Theorem 2: module 0 at its global minimum, module 1 at the loud5 spurious point. */
static void test_two_modules_one_spurious(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 33);
	ls_problem p;
	tq_loud5_pair(&p);
	ls_mat Xs[2];
	for (int k = 0; k < 2; k++)
		tq_loud5_xstar(&Xs[k]);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.0);
	LS_AT(L.A[0], 0, 0) = LS_AT(L.B[0], 0, 0) = 1.0;
	tl_loud5_spurious(&L, 1);
	ls_theory_opts o;
	opts_fast(&o);
	o.samples = 40;
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&p, &L, 0.0, Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.nmod, 2);
	assert_true(rep.stationary && rep.second_order);
	assert_int_equal(rep.verdict, LS_VERDICT_SPURIOUS);
	assert_int_equal(rep.mod[0].verdict, LS_VERDICT_GLOBAL);
	assert_int_equal(rep.mod[1].verdict, LS_VERDICT_SPURIOUS);
	assert_non_null(strstr(rep.note, "module 1"));
	assert_false(rep.contradiction);
	assert_close(rep.gap, 0.55, 1e-12, 0);
	for (int k = 0; k < 2; k++) {
		assert_true(rep.mod[k].ab.alpha >= 0.12969 - 1e-5);
		assert_true(rep.mod[k].ab.beta <= 5.32031 + 1e-5);
		assert_int_equal(rep.mod[k].regime, LS_REGIME_GENERIC);
	}
	assert_close(rep.mod[1].ratio, 1.0, 1e-12, 0);
	ls_theory_field f[LS_THEORY_MAX_FIELDS];
	size_t nf = ls_theory_fields(&rep, f, LS_THEORY_MAX_FIELDS);
	assert_int_equal(nf, 13 + 2 * 25);
	assert_string_equal(f[13].name, "alpha_0");
	assert_string_equal(f[38].name, "alpha_1");
	assert_string_equal(f[62].name, "module_verdict_1");
	assert_string_equal(f[62].text, "spurious");
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&Xs[0]);
	ls_mat_free(&Xs[1]);
}

/* M = U·diag(3, 2, 1.2, 0.5, 0.2)·Vᵀ with random orthogonal U, V; X* = SVT_λ(M) (both new
 * 6×5 matrices); returns ‖X*‖_*. */
static double approx_target(ls_rng *rng, ls_mat *M, ls_mat *Xs, double lambda)
{
	const double sv[5] = { 3.0, 2.0, 1.2, 0.5, 0.2 };
	assert_ok(ls_mat_alloc(M, 6, 5, NULL));
	assert_ok(ls_mat_alloc(Xs, 6, 5, NULL));
	ls_mat U, V, R;
	assert_ok(ls_mat_alloc(&U, 6, 5, NULL));
	assert_ok(ls_mat_alloc(&V, 5, 5, NULL));
	assert_ok(ls_mat_alloc(&R, 5, 5, NULL));
	ls_rng_fill_normal(rng, &U, 0.0, 1.0);
	ls_rng_fill_normal(rng, &V, 0.0, 1.0);
	assert_ok(ls_mat_qr(&U, &R, NULL));
	assert_ok(ls_mat_qr(&V, &R, NULL));
	double nuc = 0.0;
	for (size_t l = 0; l < 5; l++) {
		double t = fmax(sv[l] - lambda, 0.0);
		nuc += t;
		for (size_t i = 0; i < 6; i++)
			for (size_t j = 0; j < 5; j++) {
				LS_AT(*M, i, j) += sv[l] * LS_AT(U, i, l) * LS_AT(V, j, l);
				LS_AT(*Xs, i, j) += t * LS_AT(U, i, l) * LS_AT(V, j, l);
			}
	}
	ls_mat_free(&U);
	ls_mat_free(&V);
	ls_mat_free(&R);
	return nuc;
}

/* approx with λ = 0.8 after converged LoRA GD (r = 4 > r* = 3): global, gap ≈ 0. */
static void test_approx_after_gd(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 41);
	const double lambda = 0.8;
	ls_mat M, Xs;
	double nuc = approx_target(&rng, &M, &Xs, lambda);
	ls_problem p;
	tq_approx(&p, &M);
	ls_lora L;
	tl_alloc(&L, &p, 4, 1.0);
	ls_rng_fill_normal(&rng, &L.A[0], 0.0, 0.1);
	ls_rng_fill_normal(&rng, &L.B[0], 0.0, 0.1);
	ls_theory_opts o;
	opts_fast(&o);
	ls_theory_report rep;
	/* before training: not stationary */
	assert_ok(ls_theory_report_compute(&p, &L, lambda, &Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.verdict, LS_VERDICT_NOT_STATIONARY);
	tg_descend(&p, &L, lambda, 0.1, 4000);
	assert_ok(ls_theory_report_compute(&p, &L, lambda, &Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.verdict, LS_VERDICT_GLOBAL);
	assert_true(rep.exact_used);
	assert_false(rep.contradiction);
	assert_int_equal(rep.mod[0].rstar, 3);
	assert_int_equal(rep.mod[0].regime_exact, LS_REGIME_SPECIAL);
	assert_close(rep.mod[0].threshold_exact, 2.0, 0, 0);
	assert_close(rep.mod[0].ab.alpha, 1.0, 0, 1e-12);
	assert_close(rep.gap, 0.0, 0, 1e-8);
	/* F(X*) = ½Σ min(σ, λ)² + λ‖X*‖_*, closed form */
	double floor = 0.5 * (3 * 0.64 + 0.25 + 0.04) + lambda * nuc;
	assert_close(rep.floor, floor, 1e-12, 0);
	assert_true(rep.seed_holds);
	assert_close(rep.seed_lhs, 3.8, 1e-12, 0);
	assert_close(rep.seed_rhs, 0.5 * (9 + 4 + 1.44 + 0.25 + 0.04) / lambda, 1e-12, 0);
	assert_true(rep.mod[0].dist < 1e-6);
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&M);
	ls_mat_free(&Xs);
}

/* A = B = 0 on approx is stationary with λ_min = λ − σ₁(M) < 0: a saddle, not a verdict. */
static void test_saddle(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 42);
	ls_mat M, Xs;
	approx_target(&rng, &M, &Xs, 0.5);
	ls_problem p;
	tq_approx(&p, &M);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.0);
	ls_theory_opts o;
	opts_fast(&o);
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&p, &L, 0.5, &Xs, &o, NULL, &rng, &rep, NULL));
	assert_true(rep.stationary);
	assert_int_equal(rep.verdict, LS_VERDICT_SADDLE);
	assert_close(rep.lz.lmin, 0.5 - 3.0, 0, 1e-9);
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&M);
	ls_mat_free(&Xs);
}

/* trace2 at a minimiser (Tr X = Tr W0): second-order stationary, but α = 0: n/a. */
static void test_trace2_na(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 43);
	ls_mat W0, Xs;
	assert_ok(ls_mat_alloc(&W0, 3, 3, NULL));
	assert_ok(ls_mat_alloc(&Xs, 3, 3, NULL));
	ls_rng_fill_normal(&rng, &W0, 0.0, 1.0);
	double c = ls_mat_trace(&W0);
	ls_problem p;
	tq_trace2(&p, &W0);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.0);
	LS_AT(L.A[0], 0, 0) = c;
	LS_AT(L.B[0], 0, 0) = 1.0;
	LS_AT(Xs, 0, 0) = c;
	ls_theory_opts o;
	opts_fast(&o);
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&p, &L, 0.0, &Xs, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.mod[0].regime_exact, LS_REGIME_NA);
	assert_int_equal(rep.verdict, LS_VERDICT_NA);
	assert_non_null(strstr(rep.note, "alpha"));
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&W0);
	ls_mat_free(&Xs);
}

/* Synthetic reports: the loss comparison must flag a verdict that contradicts it. */
static void test_contradiction_flag(void **state)
{
	(void)state;
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	ls_theory_report rep;
	memset(&rep, 0, sizeof rep);
	rep.nmod = 1;
	rep.r = 2;
	rep.stationary = rep.second_order = rep.convex = true;
	rep.f0 = 1.0;
	ls_theory_module *m = &rep.mod[0];
	m->rstar = 1;
	m->regime = LS_REGIME_GENERIC;
	m->regime_exact = LS_REGIME_UNKNOWN;
	m->threshold = 0.5;
	m->threshold_exact = NAN;
	m->ab.D = 5.0;
	m->dist = 0.1;
	m->norm_xstar = 1.0;
	m->ratio = 0.0;
	rep.gap = 0.5; /* "global" far above the floor */
	ls_theory_verdict(&rep, &o);
	assert_int_equal(rep.verdict, LS_VERDICT_GLOBAL);
	assert_true(rep.contradiction);
	rep.gap = 1e-9;
	ls_theory_verdict(&rep, &o);
	assert_false(rep.contradiction);
	m->ratio = 0.9; /* "spurious" at the floor */
	ls_theory_verdict(&rep, &o);
	assert_int_equal(rep.verdict, LS_VERDICT_SPURIOUS);
	assert_true(rep.contradiction);
	rep.gap = 0.3;
	ls_theory_verdict(&rep, &o);
	assert_false(rep.contradiction);
	rep.convex = false; /* non-convex f: no comparison */
	rep.gap = 0.0;
	ls_theory_verdict(&rep, &o);
	assert_false(rep.contradiction);
	m->dist = 6.0; /* outside the sampled ball */
	ls_theory_verdict(&rep, &o);
	assert_int_equal(rep.verdict, LS_VERDICT_NA);
	rep.second_order = false;
	ls_theory_verdict(&rep, &o);
	assert_int_equal(rep.verdict, LS_VERDICT_SADDLE);
	rep.stationary = false;
	ls_theory_verdict(&rep, &o);
	assert_int_equal(rep.verdict, LS_VERDICT_NOT_STATIONARY);
}

static double lambda_max_q(ls_problem *p)
{
	size_t N = tq(p)->N;
	ls_mat C;
	double *w = calloc(N, sizeof *w);
	assert_ok(ls_mat_alloc(&C, N, N, NULL));
	ls_mat_copy(&C, &tq(p)->Q);
	assert_ok(ls_mat_sym_eig(&C, w, false, NULL));
	double l = w[N - 1];
	free(w);
	ls_mat_free(&C);
	return l;
}

/* §3.4 on approx, regression, sensing, loud5 with λ > 0 (X* by proximal gradient). */
static void test_seed_check_everywhere(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 44);
	ls_problem probs[4];
	ls_mat M, Sig, X0;
	assert_ok(ls_mat_alloc(&M, 5, 4, NULL));
	ls_rng_fill_normal(&rng, &M, 0.0, 1.0);
	tq_approx(&probs[0], &M);
	assert_ok(ls_mat_alloc(&Sig, 4, 4, NULL));
	assert_ok(ls_mat_alloc(&X0, 5, 4, NULL));
	for (size_t i = 0; i < 4; i++)
		LS_AT(Sig, i, i) = 0.5 + 0.5 * (double)i;
	LS_AT(Sig, 0, 1) = LS_AT(Sig, 1, 0) = 0.2;
	ls_rng_fill_normal(&rng, &X0, 0.0, 1.0);
	tq_regression(&probs[1], 5, &Sig, &X0);
	ls_shape sh = { 4, 4 };
	tq_init(&probs[2], 1, &sh);
	double S[16];
	for (int i = 0; i < 40; i++) {
		for (int j = 0; j < 16; j++)
			S[j] = ls_rng_normal(&rng);
		tq_add_meas(&probs[2], 1.0 / 40, S);
	}
	for (int j = 0; j < 16; j++)
		tq(&probs[2])->x0[j] = (j % 5 == 0) ? 1.0 : 0.0;
	tq_loud5(&probs[3]);
	const double lambdas[3] = { 0.05, 0.3, 1.0 };
	for (int k = 0; k < 4; k++) {
		ls_problem *p = &probs[k];
		double Lq = lambda_max_q(p);
		for (int li = 0; li < 3; li++) {
			ls_mat Xs;
			assert_ok(ls_mat_alloc(&Xs, p->shape[0].m, p->shape[0].n, NULL));
			tq_prox(p, lambdas[li], Lq, 400, &Xs);
			ls_lora L;
			tl_alloc(&L, p, 2, 1.0);
			ls_alphabeta ab = { .alpha = 0.1,
					    .beta = 1.0,
					    .samples = 1,
					    .D = 100.0,
					    .r = 2,
					    .alpha_exact = NAN,
					    .beta_exact = NAN };
			ls_theory_opts o;
			opts_fast(&o);
			ls_theory_report rep;
			assert_ok(ls_theory_report_compute(p, &L, lambdas[li], &Xs, &o, &ab, &rng,
							   &rep, NULL));
			assert_true(rep.seed_holds);
			assert_true(rep.seed_lhs < rep.seed_rhs);
			assert_true(rep.seed_lhs > 0 || lambdas[li] >= 1.0);
			tl_free(&L);
			ls_mat_free(&Xs);
		}
		tq_destroy(p);
	}
	ls_mat_free(&M);
	ls_mat_free(&Sig);
	ls_mat_free(&X0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_loud5_spurious),
		cmocka_unit_test(test_loud5_global),
		cmocka_unit_test(test_two_modules_one_spurious),
		cmocka_unit_test(test_approx_after_gd),
		cmocka_unit_test(test_saddle),
		cmocka_unit_test(test_trace2_na),
		cmocka_unit_test(test_contradiction_flag),
		cmocka_unit_test(test_seed_check_everywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
