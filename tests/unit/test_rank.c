/* test_rank.c — one numerical rank for the whole program (MATH.md §3, issue 10): singular
 * values of X/‖X‖_F at or below LS_RANK_TOL are zero. σ = (1, 1, 1, 1, 1.5e-4) tells the
 * rule apart from one relative to σ_1: σ_5/σ_1 = 1.5e-4 is above the tolerance, but
 * σ_5/‖X‖_F = 7.5e-5 is below it, so r* = 4 — in the metrics, the baseline and the verdict
 * alike (on a test-local problem, then through a session the views are drawn from). */
#include "testutil.h"

#include "lorascope/baseline.h"
#include "lorascope/inputs.h"
#include "lorascope/session.h"
#include "lorascope/spectrum.h"
#include "lorascope/theory.h"
#include "theory_testutil.h"

static const double sig5[5] = { 1.0, 1.0, 1.0, 1.0, 1.5e-4 };

/* M := diag(sig5), 5×5 (a new matrix). */
static void diag5(ls_mat *M)
{
	assert_ok(ls_mat_alloc(M, 5, 5, NULL));
	for (size_t i = 0; i < 5; i++)
		LS_AT(*M, i, i) = sig5[i];
}

static void test_rule(void **state)
{
	(void)state;
	assert_int_equal(ls_spectrum_rank(sig5, 5), 4);
	assert_true(sig5[4] > LS_RANK_TOL * sig5[0]); /* a σ_1-relative rule would say 5 */
}

/* The functions each module calls, on f = ½‖X − M‖² with M = diag(sig5) and X = M. */
static void test_modules(void **state)
{
	(void)state;
	ls_mat M;
	diag5(&M);
	ls_problem p;
	tq_approx(&p, &M);
	/* Baseline: X* = M (λ = 0), r* counted on its SVD. */
	ls_baseline b;
	memset(&b, 0, sizeof b);
	assert_ok(ls_baseline_compute(&b, &p, 0.0, 50, 1e-12, NULL));
	assert_true(b.converged);
	assert_int_equal(b.mod[0].rstar, 4);
	assert_int_equal(b.rstar, 4);
	/* Metrics: the cheap spectrum of s·A·Bᵀ (A = M, B = I), counted as the session does. */
	ls_lora L;
	tl_alloc(&L, &p, 5, 1.0);
	ls_mat_copy(&L.A[0], &M);
	ls_mat_set_identity(&L.B[0]);
	ls_spectrum_ws *ws;
	assert_ok(ls_spectrum_ws_alloc(&ws, 5, 5, 5, NULL));
	double sigma[5];
	assert_ok(ls_spectrum_lowrank(ws, &L.A[0], &L.B[0], 1.0, sigma, NULL, NULL, NULL, NULL));
	assert_close(sigma[4], 1.5e-4, 1e-10, 0);
	assert_int_equal(ls_spectrum_rank(sigma, 5), 4);
	/* Verdict: r* of the X* it is given (the whole M here) and the rank of X = M. */
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = 20;
	ls_rng rng;
	ls_rng_seed(&rng, 5);
	ls_theory_report rep;
	assert_ok(ls_theory_report_compute(&p, &L, 0.0, &M, &o, NULL, &rng, &rep, NULL));
	assert_int_equal(rep.mod[0].rstar, 4);
	assert_int_equal(rep.mod[0].rank, 4);
	/* σ_5 of X is below the rank tolerance (rank 4): σ_5/σ_4 reads 0, not 1.5e-4 noise. */
	assert_close(rep.mod[0].ratio, 0.0, 0, 0);
	ls_spectrum_ws_free(ws);
	tl_free(&L);
	ls_baseline_free(&b);
	tq_destroy(&p);
	ls_mat_free(&M);
}

/* Through a session (approx with M as --target): the baseline's r*, the metrics' r* and rank
 * and the theory report's r* and rank agree, and so do the two ratios shown side by side in
 * the verdict panel. */
static void test_session(void **state)
{
	(void)state;
	ls_inputs in = { 0 };
	ls_mat M;
	assert_ok(ls_mat_alloc(&M, 5, 5, NULL));
	for (size_t i = 0; i < 5; i++)
		LS_AT(M, i, i) = i < 4 ? 1 : 1.5e-4;
	assert_ok(ls_inputs_put(&in, LS_INPUT_TARGET, &M, NULL));
	ls_mat_free(&M);
	ls_config c;
	ls_config_defaults(&c);
	const char *const kv[][2] = { { "problem", "approx" },
				      { "target", "m.csv" },
				      { "m", "5" },
				      { "n", "5" },
				      { "rank", "5" },
				      { "lambda", "0" },
				      { "init", "spectral" },
				      { "init-scale", "1" },
				      { "lr", "0.5" } };
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		assert_ok(ls_config_set(&c, kv[i][0], kv[i][1], NULL));
	ls_session *s;
	ls_error err;
	if (ls_session_create(&s, &c, &in, &err) != LS_OK)
		fail_msg("create: %s", err.msg);
	if (ls_session_step(s, 200, &err) != LS_OK)
		fail_msg("step: %s", err.msg);
	const ls_metrics *m = ls_session_metrics(s);
	const ls_module_metrics *mm = &m->mod[0];
	/* X has come to M: its σ_5 is above LS_RANK_TOL·σ_1, so the rule decides. */
	assert_int_equal(mm->nsigma, 5);
	assert_close(mm->sigma[4], 1.5e-4, 1e-6, 0);
	assert_true(mm->sigma[4] > LS_RANK_TOL * mm->sigma[0]);
	assert_int_equal(ls_session_baseline(s)->rstar, 4);
	assert_int_equal(m->rstar, 4);
	assert_int_equal(mm->num_rank, 4);
	assert_int_equal(m->num_rank, 4);
	ls_theory_report rep;
	if (ls_session_theory_report(s, &rep, &err) != LS_OK)
		fail_msg("theory report: %s", err.msg);
	assert_int_equal(rep.mod[0].rstar, 4);
	assert_int_equal(rep.mod[0].rank, 4);
	assert_close(rep.mod[0].ratio, m->ratio, 1e-9, 0);
	ls_session_free(s);
	ls_inputs_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
