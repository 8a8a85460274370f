/* test_session.c — a run and its mid-run changes (SPEC §2): λ without restart, rank grow /
 * shrink, init restart, refused values, divergence and recovery, determinism, the change
 * records and the APPLY column; and the session's metrics against quantities formed the expensive
 * way (LAPACK on X). */
#include "sessiontest.h"

#include <stdlib.h>

#include "lorascope/session.h"
#include "lorascope/spectrum.h"

/* Factor measurements taken by the sessions of this test: a measurement takes the spectrum of
 * each module once, through ls_spectrum_lowrank, which the link wraps (-Wl,--wrap; without a
 * linker that can, the counts are not checked). */
static unsigned long measures;
#ifdef LS_TEST_LD_WRAP
ls_status __real_ls_spectrum_lowrank(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
				     double *sigma, double *gram_diff, double *norm_a,
				     double *norm_b, ls_error *err);
ls_status __wrap_ls_spectrum_lowrank(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
				     double *sigma, double *gram_diff, double *norm_a,
				     double *norm_b, ls_error *err);
ls_status __wrap_ls_spectrum_lowrank(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
				     double *sigma, double *gram_diff, double *norm_a,
				     double *norm_b, ls_error *err)
{
	measures++;
	return __real_ls_spectrum_lowrank(ws, A, B, s, sigma, gram_diff, norm_a, norm_b, err);
}
#define assert_measures(n) assert_int_equal(measures, (n))
#else
#define assert_measures(n) ((void)(n))
#endif

static ls_session *make(const char *const *kv)
{
	static const char *const base[] = { "problem", "approx",    "m",  "20",   "n",
					    "16",      "true-rank", "3",  "rank", "6",
					    "lambda",  "0.2",       "lr", "0.1",  NULL };
	return session_from(base, kv);
}

static void set(ls_session *s, const char *k, const char *v)
{
	ls_error err;
	if (ls_session_set(s, k, v, NULL, &err) != LS_OK)
		fail_msg("set %s %s: %s", k, v, err.msg);
}

static void same_bits(double a, double b, const char *what)
{
	if (memcmp(&a, &b, sizeof a) != 0)
		fail_msg("%s: %.17g vs %.17g", what, a, b);
}

/* Every metric of a and b, to the bit (the timing aside). */
static void assert_same_metrics(const ls_metrics *a, const ls_metrics *b)
{
	assert_int_equal(a->step, b->step);
	assert_int_equal(a->diverged, b->diverged);
	assert_string_equal(a->message, b->message);
	assert_int_equal(a->r, b->r);
	assert_int_equal(a->rstar, b->rstar);
	assert_int_equal(a->num_rank, b->num_rank);
	assert_int_equal(a->mk_checked, b->mk_checked);
	assert_int_equal(a->mk_holds, b->mk_holds);
	assert_int_equal(a->mk_checks, b->mk_checks);
	assert_int_equal(a->mk_failures, b->mk_failures);
#define SAME(f) same_bits(a->f, b->f, #f)
	SAME(loss), SAME(reg_loss), SAME(grad_norm), SAME(eta), SAME(mk_lhs), SAME(mk_rhs);
	SAME(norm_fro), SAME(norm_nuc), SAME(dist_star), SAME(balance), SAME(ratio);
	SAME(threshold);
	assert_int_equal(a->nmod, b->nmod);
	for (size_t k = 0; k < a->nmod; k++) {
		assert_int_equal(a->mod[k].nsigma, b->mod[k].nsigma);
		assert_int_equal(a->mod[k].num_rank, b->mod[k].num_rank);
		for (size_t i = 0; i < a->mod[k].nsigma; i++)
			SAME(mod[k].sigma[i]);
		SAME(mod[k].norm_fro), SAME(mod[k].norm_nuc), SAME(mod[k].norm_a);
		SAME(mod[k].norm_b), SAME(mod[k].balance), SAME(mod[k].dist_star);
		SAME(mod[k].sigma_r), SAME(mod[k].sigma_rstar), SAME(mod[k].ratio);
	}
#undef SAME
}

/* The singular values of the formed X = s·A·Bᵀ (module 0) and ‖X − X*‖_F formed densely. */
static void formed(const ls_session *s, double *sig, double *dist)
{
	const ls_lora *L = ls_session_lora(s);
	const ls_baseline *b = ls_session_baseline(s);
	size_t m = L->A[0].rows, n = L->B[0].rows;
	ls_mat X, D;
	assert_ok(ls_mat_alloc(&X, m, n, NULL));
	assert_ok(ls_mat_alloc(&D, m, n, NULL));
	assert_ok(ls_lora_form(L, 0, &X));
	assert_ok(ls_mat_copy(&D, &X));
	for (size_t j = 0; j < b->mod[0].rstar; j++)
		for (size_t c = 0; c < n; c++)
			for (size_t i = 0; i < m; i++)
				LS_AT(D, i, c) -= b->mod[0].sigma[j] * LS_AT(b->mod[0].U, i, j) *
						  LS_AT(b->mod[0].V, c, j);
	*dist = ls_mat_norm(&D);
	assert_ok(ls_mat_svd_values(&X, sig, NULL));
	ls_mat_free(&X);
	ls_mat_free(&D);
}

static void test_metrics_match_formed(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	step(s, 37);
	const ls_metrics *mt = ls_session_metrics(s);
	assert_int_equal(mt->step, 37);
	assert_int_equal(ls_session_steps(s), 37);
	double sig[16], dist;
	formed(s, sig, &dist);
	double fro2 = 0, nuc = 0;
	for (size_t i = 0; i < 6; i++) {
		assert_close(mt->mod[0].sigma[i], sig[i], 1e-9, 1e-12);
		fro2 += sig[i] * sig[i];
		nuc += sig[i];
	}
	assert_close(mt->norm_fro, sqrt(fro2), 1e-10, 1e-14);
	assert_close(mt->norm_nuc, nuc, 1e-10, 1e-14);
	assert_close(mt->dist_star, dist, 1e-9, 1e-13);
	/* g − f = λ/2 (‖A‖² + ‖B‖²) */
	double na = mt->mod[0].norm_a, nb = mt->mod[0].norm_b;
	assert_close(mt->reg_loss - mt->loss, 0.1 * (na * na + nb * nb), 1e-9, 1e-13);
	assert_true(isfinite(mt->eta) && mt->eta > 0.0);
	/* approx with λ: the run reaches the baseline floor (certified: approx is convex). */
	step(s, 3000);
	const ls_baseline *b = ls_session_baseline(s);
	assert_non_null(b);
	assert_true(b->certified);
	assert_int_equal(b->rstar, 3);
	assert_close(mt->reg_loss, b->floor, 1e-8, 1e-10);
	assert_true(mt->dist_star < 1e-9);
	assert_int_equal(mt->num_rank, 3);
	assert_true(ls_session_history(s)->len > 0);
	ls_session_free(s);
}

static void test_lambda_applies_without_restart(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	step(s, 200);
	double floor_before = ls_session_baseline(s)->floor;
	unsigned long serial = ls_session_baseline(s)->serial;
	size_t hlen = ls_session_history(s)->len;
	set(s, "lambda", "0.05");
	assert_true(ls_session_baseline(s)->serial != serial);
	assert_int_equal(ls_session_steps(s), 200);
	assert_int_equal(ls_session_history(s)->len, hlen);
	assert_close(ls_session_config(s)->lambda, 0.05, 0, 0);
	assert_true(ls_session_baseline(s)->floor < floor_before);
	const ls_metrics *mt = ls_session_metrics(s);
	double na = mt->mod[0].norm_a, nb = mt->mod[0].norm_b;
	assert_close(mt->reg_loss - mt->loss, 0.025 * (na * na + nb * nb), 1e-9, 1e-13);
	step(s, 4000);
	assert_close(mt->reg_loss, ls_session_baseline(s)->floor, 1e-7, 1e-10);
	ls_session_free(s);
}

static void test_rank_grow_and_shrink(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	step(s, 60);
	const ls_metrics *mt = ls_session_metrics(s);
	double before[6], loss = mt->loss;
	memcpy(before, mt->mod[0].sigma, sizeof before);
	set(s, "rank", "9");
	assert_int_equal(ls_session_steps(s), 60);
	assert_int_equal(mt->r, 9);
	assert_int_equal(mt->mod[0].nsigma, 9);
	for (size_t i = 0; i < 6; i++)
		assert_close(mt->mod[0].sigma[i], before[i], 1e-9, 1e-12);
	assert_close(mt->loss, loss, 1e-10, 1e-14);
	step(s, 10);
	/* Shrink to 2: the best rank-2 truncation of X (Eckart–Young–Mirsky). */
	double cur[9];
	memcpy(cur, mt->mod[0].sigma, sizeof cur);
	set(s, "rank", "2");
	assert_int_equal(mt->mod[0].nsigma, 2);
	assert_close(mt->mod[0].sigma[0], cur[0], 1e-9, 1e-12);
	assert_close(mt->mod[0].sigma[1], cur[1], 1e-9, 1e-12);
	assert_close(mt->norm_fro, sqrt(cur[0] * cur[0] + cur[1] * cur[1]), 1e-9, 1e-12);
	assert_int_equal(ls_session_steps(s), 70);
	step(s, 10);
	assert_false(ls_session_diverged(s));
	ls_session_free(s);
}

static void test_init_change_restarts_with_new_seed(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	/* PEFT draws the factor PEFT calls lora_A, our B (n×r); A starts at zero. */
	ls_mat B0;
	assert_ok(ls_mat_alloc(&B0, 16, 6, NULL));
	assert_ok(ls_mat_copy(&B0, &ls_session_lora(s)->B[0]));
	step(s, 50);
	set(s, "init", "gaussian");
	assert_int_equal(ls_session_steps(s), 0);
	assert_int_equal(ls_session_history(s)->len, 0);
	set(s, "init", "peft");
	/* Same rule, a new seed: different factors from the first start. */
	double d2 = 0.0;
	for (size_t j = 0; j < 6; j++)
		for (size_t i = 0; i < 16; i++) {
			double d = LS_AT(ls_session_lora(s)->B[0], i, j) - LS_AT(B0, i, j);
			d2 += d * d;
		}
	assert_true(d2 > 1e-6);
	/* reset keeps the init seed: the factors come back exactly. */
	ls_mat B1;
	assert_ok(ls_mat_alloc(&B1, 16, 6, NULL));
	assert_ok(ls_mat_copy(&B1, &ls_session_lora(s)->B[0]));
	step(s, 30);
	ls_error err;
	assert_ok(ls_session_reset(s, &err));
	assert_int_equal(ls_session_steps(s), 0);
	assert_memory_equal(ls_session_lora(s)->B[0].data, B1.data, 16 * 6 * sizeof(double));
	ls_mat_free(&B0);
	ls_mat_free(&B1);
	ls_session_free(s);
}

static void test_invalid_set_changes_nothing(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	step(s, 25);
	ls_config before = *ls_session_config(s);
	double loss = ls_session_metrics(s)->loss;
	ls_error err;
	assert_int_not_equal(ls_session_set(s, "lambda", "-1", NULL, &err), LS_OK);
	assert_non_null(strstr(err.msg, "--lambda"));
	assert_int_not_equal(ls_session_set(s, "rank", "17", NULL, &err), LS_OK); /* > min(m, n) */
	assert_non_null(strstr(err.msg, "--rank"));
	assert_int_not_equal(ls_session_set(s, "optimizer", "newton", NULL, &err), LS_OK);
	assert_int_not_equal(ls_session_set(s, "no-such", "1", NULL, &err), LS_OK);
	assert_memory_equal(ls_session_config(s), &before, sizeof before);
	assert_int_equal(ls_session_steps(s), 25);
	assert_close(ls_session_metrics(s)->loss, loss, 0, 0);
	ls_session_free(s);
}

static void test_divergence_detected_and_recovered(void **state)
{
	(void)state;
	const char *kv[] = { "lr", "50", "init", "large", NULL };
	ls_session *s = make(kv);
	ls_error err;
	assert_ok(ls_session_step(s, 1000, &err));
	assert_true(ls_session_diverged(s));
	assert_true(ls_session_steps(s) < 1000);
	const ls_metrics *mt = ls_session_metrics(s);
	assert_true(mt->diverged);
	assert_non_null(strstr(mt->message, "diverged"));
	long at = ls_session_steps(s);
	assert_ok(ls_session_step(s, 10, &err)); /* nothing happens while diverged */
	assert_int_equal(ls_session_steps(s), at);
	set(s, "lr", "0.05");
	assert_true(ls_session_diverged(s));
	assert_ok(ls_session_reset(s, &err));
	assert_false(ls_session_diverged(s));
	step(s, 200);
	assert_false(ls_session_diverged(s));
	assert_true(isfinite(mt->loss));
	ls_session_free(s);
}

static void test_same_seed_same_history(void **state)
{
	(void)state;
	const char *kv[] = { "optimizer", "adam", "lr", "0.01", NULL };
	ls_session *a = make(kv), *b = make(kv);
	step(a, 150);
	step(b, 100);
	step(b, 50);
	const ls_history *ha = ls_session_history(a), *hb = ls_session_history(b);
	assert_int_equal(ha->len, 150);
	assert_int_equal(ha->len, hb->len);
	assert_memory_equal(ha->loss, hb->loss, ha->len * sizeof(double));
	assert_memory_equal(ha->grad_norm, hb->grad_norm, ha->len * sizeof(double));
	assert_memory_equal(ha->dist_star, hb->dist_star, ha->len * sizeof(double));
	assert_memory_equal(ls_session_metrics(a)->mod[0].sigma,
			    ls_session_metrics(b)->mod[0].sigma, 6 * sizeof(double));
	const char *kv2[] = { "optimizer", "adam", "lr", "0.01", "seed", "2", NULL };
	ls_session *c = make(kv2);
	step(c, 150);
	assert_true(memcmp(ha->loss, ls_session_history(c)->loss, ha->len * sizeof(double)) != 0);
	ls_session_free(a);
	ls_session_free(b);
	ls_session_free(c);
}

/* ‖X‖_F and ‖X − X*‖_F of the factors as they stand, formed densely. */
static void formed_norms(const ls_session *s, double *fro, double *dist)
{
	double sig[16], ss = 0.0;
	formed(s, sig, dist);
	for (size_t i = 0; i < 6; i++)
		ss += sig[i] * sig[i];
	*fro = sqrt(ss);
}

/* A step call starts from the state that the previous call (or change) ended by measuring:
 * the factor metrics of that state are reused, not measured again, and they are those of the
 * factors it starts from, to the bit what one long call measures; a change between calls is
 * measured afresh. */
static void test_step_reuses_end_measurement(void **state)
{
	(void)state;
	unsigned long m0 = measures;
	ls_session *a = make(NULL);
	assert_measures(m0 + 1);
	ls_session *b = make(NULL);
	assert_measures(m0 + 2);
	for (int i = 0; i < 8; i++) {
		double fro, dist;
		formed_norms(a, &fro, &dist);
		unsigned long before = measures;
		step(a, 1);
		/* One measurement per call: the end state's. */
		assert_measures(before + 1);
		const ls_history *h = ls_session_history(a);
		assert_close(h->norm_fro[h->len - 1], fro, 1e-10, 1e-14);
		assert_close(h->dist_star[h->len - 1], dist, 1e-9, 1e-13);
	}
	m0 = measures;
	step(b, 8);
	assert_measures(m0 + 8);
	const ls_history *ha = ls_session_history(a), *hb = ls_session_history(b);
	assert_int_equal(ha->len, 8);
	assert_int_equal(hb->len, 8);
	assert_memory_equal(ha->norm_fro, hb->norm_fro, 8 * sizeof(double));
	assert_memory_equal(ha->dist_star, hb->dist_star, 8 * sizeof(double));
	assert_memory_equal(ha->ratio, hb->ratio, 8 * sizeof(double));
	assert_memory_equal(ha->loss, hb->loss, 8 * sizeof(double));
	const ls_metrics *ma = ls_session_metrics(a), *mb = ls_session_metrics(b);
	assert_memory_equal(ma->mod[0].sigma, mb->mod[0].sigma, 6 * sizeof(double));
	assert_memory_equal(&ma->mod[0].balance, &mb->mod[0].balance, sizeof(double));
	/* A kick between calls: measured by the kick, and the next call starts from that. */
	double fro0, dist0, fro, dist;
	formed_norms(a, &fro0, &dist0);
	ls_error err;
	m0 = measures;
	assert_ok(ls_session_kick(a, 0.5, &err));
	assert_measures(m0 + 1);
	formed_norms(a, &fro, &dist);
	assert_true(fabs(dist - dist0) > 1e-6);
	step(a, 1);
	assert_measures(m0 + 2);
	assert_close(ha->norm_fro[ha->len - 1], fro, 1e-10, 1e-14);
	assert_close(ha->dist_star[ha->len - 1], dist, 1e-9, 1e-13);
	ls_session_free(a);
	ls_session_free(b);
}

static void test_rebuild_and_kick(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	step(s, 20);
	unsigned long serial = ls_session_baseline(s)->serial;
	set(s, "m", "12");
	assert_true(ls_session_baseline(s)->serial > serial);
	assert_int_equal(ls_session_steps(s), 0);
	assert_int_equal(ls_session_problem(s)->shape[0].m, 12);
	assert_int_equal(ls_session_metrics(s)->mod[0].m, 12);
	step(s, 20);
	double na = ls_session_metrics(s)->mod[0].norm_a;
	ls_error err;
	assert_ok(ls_session_kick(s, 0.5, &err));
	assert_true(fabs(ls_session_metrics(s)->mod[0].norm_a - na) > 1e-6);
	assert_int_equal(ls_session_steps(s), 20);
	assert_int_not_equal(ls_session_kick(s, -1.0, &err), LS_OK);
	set(s, "baseline", "off");
	assert_null(ls_session_baseline(s));
	assert_true(isnan(ls_session_metrics(s)->dist_star));
	ls_session_free(s);
}

static void test_scaling_uses_lambda_over_s(void **state)
{
	(void)state;
	/* s = alpha/r = 2: g = f(s·A·Bᵀ) + λ/2(‖A‖² + ‖B‖²) is F(X) = f(X) + (λ/s)‖X‖_* at
	 * balanced factors (MATH.md §2), so GD must reach the floor computed with λ/s. */
	const char *kv[] = { "scaling", "alpha-r", "alpha", "12", "lr", "0.05", NULL };
	ls_session *s = make(kv);
	const ls_baseline *b = ls_session_baseline(s);
	assert_close(ls_session_lora(s)->s[0], 2.0, 1e-15, 0);
	assert_close(b->lambda_eff, 0.1, 1e-15, 0);
	step(s, 6000);
	const ls_metrics *mt = ls_session_metrics(s);
	assert_close(mt->reg_loss, ls_session_baseline(s)->floor, 1e-8, 1e-10);
	assert_true(mt->dist_star < 1e-7);
	/* Changing alpha changes s (X scales with it) and the baseline's λ/s. */
	set(s, "alpha", "24");
	assert_close(ls_session_lora(s)->s[0], 4.0, 1e-15, 0);
	assert_close(ls_session_baseline(s)->lambda_eff, 0.05, 1e-15, 0);
	assert_int_equal(ls_session_steps(s), 6000);
	ls_session_free(s);
}

static void test_baseline_auto_skips_large(void **state)
{
	(void)state;
	/* 520·520·520 > 512³: auto leaves the baseline out, run_baseline computes it. */
	const char *kv[] = { "m", "520", "n", "520", "true-rank", "2", "rank", "3", NULL };
	ls_session *s = make(kv);
	assert_null(ls_session_baseline(s));
	assert_int_equal(ls_session_metrics(s)->rstar, 0);
	assert_true(isnan(ls_session_metrics(s)->ratio));
	step(s, 2);
	ls_error err;
	assert_ok(ls_session_run_baseline(s, &err));
	const ls_baseline *b = ls_session_baseline(s);
	assert_non_null(b);
	assert_true(b->certified);
	assert_int_equal(b->rstar, 2);
	assert_false(isnan(ls_session_metrics(s)->dist_star));
	assert_int_equal(ls_session_steps(s), 2);
	ls_session_free(s);
}

static void test_two_modules_metrics(void **state)
{
	(void)state;
	/* mlp with LoRA on both layers: each module's spectrum and distance to X*_k against the
	 * formed matrices, and the totals as the root sum of squares / sums over modules. */
	const char *kv[] = { "problem", "mlp",  "modules",   "2",    "m",    "6",
			     "n",       "5",    "true-rank", "1",    "rank", "3",
			     "lambda",  "0.01", "lr",        "0.05", NULL };
	ls_session *s = make(kv);
	step(s, 40);
	const ls_metrics *mt = ls_session_metrics(s);
	const ls_lora *L = ls_session_lora(s);
	const ls_baseline *b = ls_session_baseline(s);
	assert_int_equal(mt->nmod, 2);
	assert_non_null(b);
	double fro2 = 0.0, nuc = 0.0, dist2 = 0.0;
	for (size_t k = 0; k < 2; k++) {
		size_t m = L->A[k].rows, n = L->B[k].rows;
		ls_mat X, D;
		assert_ok(ls_mat_alloc(&X, m, n, NULL));
		assert_ok(ls_mat_alloc(&D, m, n, NULL));
		assert_ok(ls_lora_form(L, k, &X));
		assert_ok(ls_mat_copy(&D, &X));
		for (size_t j = 0; j < b->mod[k].rstar; j++)
			for (size_t c = 0; c < n; c++)
				for (size_t i = 0; i < m; i++)
					LS_AT(D, i, c) -= b->mod[k].sigma[j] *
							  LS_AT(b->mod[k].U, i, j) *
							  LS_AT(b->mod[k].V, c, j);
		double sig[6];
		assert_ok(ls_mat_svd_values(&X, sig, NULL));
		assert_int_equal(mt->mod[k].nsigma, 3);
		for (size_t i = 0; i < 3; i++)
			assert_close(mt->mod[k].sigma[i], sig[i], 1e-9, 1e-13);
		assert_close(mt->mod[k].dist_star, ls_mat_norm(&D), 1e-9, 1e-13);
		fro2 += mt->mod[k].norm_fro * mt->mod[k].norm_fro;
		nuc += mt->mod[k].norm_nuc;
		dist2 += mt->mod[k].dist_star * mt->mod[k].dist_star;
		ls_mat_free(&X);
		ls_mat_free(&D);
	}
	assert_close(mt->norm_fro, sqrt(fro2), 1e-14, 0);
	assert_close(mt->norm_nuc, nuc, 1e-14, 0);
	assert_close(mt->dist_star, sqrt(dist2), 1e-14, 0);
	ls_session_free(s);
}

/* The α̂, β̂ cache: estimating never touches the training stream (bit-identical factors with
 * and without it), the metrics carry the estimate and the exact threshold (approx: α = β = 1,
 * 2α/β = 2), a rank or theory change invalidates it, a report certifies the trained state. */
static void test_theory_cache(void **state)
{
	(void)state;
	const char *kv[] = { "optimizer", "sgd", "batch", "4", NULL };
	ls_session *a = make(kv), *b = make(kv);
	ls_error err;
	const ls_alphabeta *ab;
	const ls_metrics *m = ls_session_metrics(a);
	assert_true(isnan(m->mod[0].alpha_hat));
	assert_int_equal(m->mod[0].regime_exact, LS_REGIME_SPECIAL);
	assert_close(m->threshold, 2.0, 0, 1e-15); /* exact constants, before any estimate */
	assert_ok(ls_session_alphabeta(a, &ab, &err));
	assert_non_null(ab);
	assert_int_equal(ab[0].samples, ls_session_ab_samples(a));
	assert_close(m->mod[0].alpha_hat, 1.0, 1e-9, 0);
	assert_close(m->mod[0].beta_hat, 1.0, 1e-9, 0);
	assert_close(m->mod[0].threshold, 2.0, 1e-9, 0);
	assert_int_equal(m->mod[0].regime, LS_REGIME_SPECIAL);
	step(a, 100);
	step(b, 100);
	set(a, "rank", "4");
	set(b, "rank", "4");
	assert_true(isnan(m->mod[0].alpha_hat)); /* another rank: not estimated yet */
	assert_ok(ls_session_alphabeta(a, &ab, &err));
	assert_int_equal(ab[0].r, 4);
	assert_close(m->mod[0].alpha_hat, 1.0, 1e-9, 0);
	step(a, 100);
	step(b, 100);
	const ls_lora *La = ls_session_lora(a), *Lb = ls_session_lora(b);
	for (size_t j = 0; j < La->r; j++)
		for (size_t i = 0; i < La->A[0].rows; i++)
			assert_true(LS_AT(La->A[0], i, j) == LS_AT(Lb->A[0], i, j));
	assert_true(m->loss == ls_session_metrics(b)->loss);
	/* the history records the threshold (with the factor series: their last point of
	 * steps 0 .. 199 is 192, every 8th step in the octave from 128) */
	const ls_history *h = ls_session_history(a);
	size_t last = h->len - 1;
	while (!ls_history_has_factors(h, last))
		last--;
	assert_int_equal(h->step[last], 192);
	assert_close(h->threshold[last], 2.0, 0, 1e-15);
	/* a theory parameter forgets the estimate; the next one uses it */
	set(a, "ab-samples", "30");
	assert_true(isnan(m->mod[0].alpha_hat));
	assert_ok(ls_session_alphabeta(a, &ab, &err));
	assert_int_equal(ab[0].samples, 30);
	/* the estimate in slices: a theory change forgets the one in progress, a rank change
	 * begins it again for the new rank, it is installed when complete, the threshold is
	 * 2α̂/β̂ of it, and its numbers are the one-shot estimate's bit for bit */
	size_t done;
	set(a, "ab-samples", "31");
	set(b, "ab-samples", "31");
	assert_ok(ls_session_alphabeta_slice(a, 7, &done, &err));
	assert_int_equal(done, 7);
	assert_true(isnan(m->mod[0].alpha_hat)); /* not installed yet */
	set(a, "ab-samples", "25");
	set(b, "ab-samples", "25");
	assert_ok(ls_session_alphabeta_slice(a, 0, &done, &err));
	assert_int_equal(done, 0);
	assert_ok(ls_session_alphabeta_slice(a, 4, &done, &err));
	set(a, "rank", "3");
	set(b, "rank", "3");
	assert_ok(ls_session_alphabeta_slice(a, 10, &done, &err));
	assert_int_equal(done, 10);
	assert_ok(ls_session_alphabeta_slice(a, 100, &done, &err));
	assert_int_equal(done, 25);
	assert_int_equal(m->mod[0].ab_samples, 25);
	assert_close(m->mod[0].threshold, 2.0 * m->mod[0].alpha_hat / m->mod[0].beta_hat, 1e-15, 0);
	const ls_alphabeta *one;
	assert_ok(ls_session_alphabeta(b, &one, &err));
	assert_ok(ls_session_alphabeta(a, &ab, &err));
	assert_int_equal(ab[0].r, 3);
	assert_memory_equal(ab, one, sizeof *ab);
	ls_session_free(a);
	ls_session_free(b);
}

/* Trained to the floor, approx (SPECIAL, r > r*) is certified global by the report. */
static void test_theory_report(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	step(s, 3000);
	ls_theory_report rep;
	ls_error err;
	if (ls_session_theory_report(s, &rep, &err) != LS_OK)
		fail_msg("report: %s", err.msg);
	assert_int_equal(rep.verdict, LS_VERDICT_GLOBAL);
	assert_false(rep.contradiction);
	assert_true(rep.exact_used);
	assert_int_equal(rep.mod[0].ab.samples, ls_session_ab_samples(s));
	ls_session_free(s);
	const char *off[] = { "baseline", "off", NULL };
	s = make(off);
	assert_int_not_equal(ls_session_theory_report(s, &rep, &err), LS_OK);
	const ls_alphabeta *ab = (const ls_alphabeta *)1;
	assert_ok(ls_session_alphabeta(s, &ab, &err));
	assert_null(ab);
	ls_session_free(s);
}

/* The automatic sample count: clamp(2^27 / Σ m·n·(min(m,n) + max(1, N)), 20, 1000). */
static void test_ab_samples_auto(void **state)
{
	(void)state;
	ls_session *s = make(NULL); /* approx 20×16: 2^27/(320·17) > 1000 */
	assert_int_equal(ls_session_ab_samples(s), 1000);
	ls_session_free(s);
	const char *reg[] = { "problem", "regression", "m", "64", "n", "64", NULL };
	s = make(reg);
	size_t N = ls_session_problem(s)->samples;
	size_t want = (size_t)((double)(1UL << 27) / (4096.0 * (64.0 + (double)N)));
	if (want < 20)
		want = 20;
	if (want > 1000)
		want = 1000;
	assert_true(want > 20 && want < 1000); /* the formula, not a clamp, decides here */
	assert_int_equal(ls_session_ab_samples(s), want);
	set(s, "ab-samples", "7");
	assert_int_equal(ls_session_ab_samples(s), 7);
	ls_session_free(s);
}

/* Presets keep their own shape: --rank is checked against it, at creation and when set. */
static void test_rank_against_problem_shape(void **state)
{
	(void)state;
	ls_config c;
	ls_config_defaults(&c);
	assert_ok(ls_config_set(&c, "problem", "loud5", NULL));
	assert_ok(ls_config_set(&c, "rank", "8", NULL));
	ls_session *s = NULL;
	ls_error err;
	assert_int_equal(ls_session_create(&s, &c, NULL, &err), LS_ERANGE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "--rank"));
	assert_non_null(strstr(err.msg, "5x5"));
	assert_ok(ls_config_set(&c, "rank", "2", NULL));
	assert_ok(ls_session_create(&s, &c, NULL, &err));
	assert_int_equal(ls_session_set(s, "rank", "6", NULL, &err), LS_ERANGE);
	assert_non_null(strstr(err.msg, "5x5"));
	assert_int_equal(ls_session_lora(s)->r, 2);
	assert_int_equal(ls_session_config(s)->rank, 2);
	set(s, "rank", "5");
	assert_int_equal(ls_session_lora(s)->r, 5);
	ls_session_free(s);
}

/* set k v on s, which must be accepted; the change record it returns, also the last change. */
static ls_change change(ls_session *s, const char *k, const char *v)
{
	ls_change ch;
	ls_error err;
	if (ls_session_set(s, k, v, &ch, &err) != LS_OK)
		fail_msg("set %s %s: %s", k, v, err.msg);
	assert_memory_equal(ls_session_last_change(s), &ch, sizeof ch);
	return ch;
}

static void assert_words(const ls_change *ch, const char *want)
{
	char got[LS_METRICS_MSG_MAX];
	ls_change_format(ch, got, sizeof got);
	assert_string_equal(got, want);
}

/* Each apply kind gives its record: what changed, from and to, whether the run restarted and
 * whether a baseline was computed, and the words the front-ends print. */
static void test_change_records(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	assert_int_equal(ls_session_last_change(s)->kind, LS_CHANGE_NONE);
	assert_words(ls_session_last_change(s), "");
	step(s, 30);
	ls_change ch = change(s, "lr", "0.05");
	assert_int_equal(ch.kind, LS_CHANGE_SET);
	assert_int_equal(ch.param, LS_PARAM_lr);
	assert_int_equal(ch.apply, LS_APPLY_NEXT_STEP);
	assert_string_equal(ch.from, "0.1");
	assert_string_equal(ch.to, "0.05");
	assert_false(ch.restarted || ch.baseline);
	assert_int_equal(ch.step, 30);
	assert_words(&ch, "lr: 0.1 -> 0.05");
	ch = change(s, "optimizer", "adam");
	assert_int_equal(ch.apply, LS_APPLY_OPTIMIZER);
	assert_false(ch.restarted || ch.baseline);
	assert_words(&ch, "optimizer: gd -> adam");
	ch = change(s, "lambda", "0.1");
	assert_int_equal(ch.apply, LS_APPLY_BASELINE);
	assert_true(ch.baseline);
	assert_false(ch.restarted);
	assert_int_equal(ch.step, 30);
	assert_words(&ch, "lambda: 0.2 -> 0.1");
	ch = change(s, "baseline-iters", "4000");
	assert_int_equal(ch.apply, LS_APPLY_BASELINE);
	assert_true(ch.baseline);
	ch = change(s, "scaling", "rslora");
	assert_int_equal(ch.apply, LS_APPLY_SCALING);
	assert_true(ch.baseline);
	assert_words(&ch, "scaling: one -> rslora");
	/* rslora's s = alpha/sqrt(r) changes with r: the baseline (λ/s) with it. */
	ch = change(s, "rank", "4");
	assert_int_equal(ch.apply, LS_APPLY_RANK);
	assert_int_equal(ch.r0, 6);
	assert_int_equal(ch.r1, 4);
	assert_true(ch.baseline);
	assert_false(ch.restarted);
	assert_int_equal(ch.step, 30);
	assert_words(&ch, "rank 6 -> 4 (best rank-r truncation)");
	change(s, "scaling", "one");
	ch = change(s, "rank", "5");
	assert_int_equal(ch.r0, 4);
	assert_int_equal(ch.r1, 5);
	assert_false(ch.baseline); /* s = 1 whatever r */
	assert_words(&ch, "rank 4 -> 5 (X unchanged)");
	ch = change(s, "rank", "5"); /* the same value: said so, not "rank 5 -> 5" */
	assert_int_equal(ch.r0, 5);
	assert_int_equal(ch.r1, 5);
	assert_words(&ch, "rank stays 5");
	ch = change(s, "ab-samples", "40");
	assert_int_equal(ch.apply, LS_APPLY_THEORY);
	assert_false(ch.restarted || ch.baseline);
	ch = change(s, "init-a", "0.2");
	assert_int_equal(ch.apply, LS_APPLY_INIT);
	assert_true(ch.restarted);
	assert_false(ch.baseline);
	assert_int_equal(ch.step, 0);
	assert_int_equal(ch.restarts, 1);
	assert_words(&ch, "init-a: 0.1 -> 0.2: restarted from step 0 (init seed 1)");
	step(s, 10);
	ch = change(s, "true-rank", "2");
	assert_int_equal(ch.apply, LS_APPLY_REBUILD);
	assert_true(ch.restarted && ch.baseline);
	assert_int_equal(ch.step, 0);
	assert_words(&ch, "true-rank: 3 -> 2: new problem, restarted");
	/* Refused: no record, the last change stays. */
	ls_change before = *ls_session_last_change(s);
	ls_error err;
	memset(&ch, 0x5a, sizeof ch);
	ls_change untouched = ch;
	assert_int_not_equal(ls_session_set(s, "rank", "17", &ch, &err), LS_OK);
	assert_int_not_equal(ls_session_set(s, "lambda", "-1", &ch, &err), LS_OK);
	assert_int_not_equal(ls_session_set(s, "no-such", "1", &ch, &err), LS_OK);
	assert_memory_equal(&ch, &untouched, sizeof ch);
	assert_memory_equal(ls_session_last_change(s), &before, sizeof before);
	/* Kick and reset. */
	step(s, 5);
	assert_ok(ls_session_kick(s, 0.25, &err));
	const ls_change *last = ls_session_last_change(s);
	assert_int_equal(last->kind, LS_CHANGE_KICK);
	assert_int_equal(last->step, 5);
	assert_words(last, "kicked the factors (scale 0.25)");
	assert_ok(ls_session_reset(s, &err));
	assert_int_equal(last->kind, LS_CHANGE_RESET);
	assert_true(last->restarted);
	assert_int_equal(last->step, 0);
	assert_words(last, "reset to step 0");
	ls_session_free(s);
}

/* The factor metrics are measured at the history's points on their cadence (metrics.h),
 * counted here by hand, and at the end of each call; the points between carry the losses
 * and NaN factor series. */
static void test_measures_follow_history(void **state)
{
	(void)state;
	ls_session *s = make(NULL);
	unsigned long m0 = measures;
	long n = LS_HISTORY_MAX + 801;
	step(s, n);
	/* Stride 1 below step 8192: every step of 1 .. 31, 16 steps in each octave 32 .. 1023
	 * (every 2nd, 4th, ..., 32nd), then every 64th step to 8191 (112). Step 8192 decimates
	 * the history (stride 2: points are steps / 2, 4096 a multiple of 64); then every 64th
	 * point, steps 8320 .. 8960 (6). Step 0 was measured when the session was made; and the
	 * end state. */
	assert_measures(m0 + 31 + 5 * 16 + 112 + 1 + 6 + 1);
	const ls_history *h = ls_session_history(s);
	assert_int_equal(h->stride, 2);
	assert_int_equal(h->step[h->len - 1], n - 1);
	size_t with = 0;
	for (size_t i = 0; i < h->len; i++) {
		long t = h->step[i];
		/* The points kept from stride 1 keep the factor series they had. */
		bool expect = t < 32 || (t < 64 && t % 2 == 0) || (t < 128 && t % 4 == 0) ||
			      (t < 256 && t % 8 == 0) || (t < 512 && t % 16 == 0) ||
			      (t < 1024 && t % 32 == 0) || (t < 8192 && t % 64 == 0) ||
			      t % 128 == 0;
		assert_int_equal(ls_history_has_factors(h, i), expect);
		assert_true(isfinite(h->loss[i]) && isfinite(h->grad_norm[i]));
		if (expect)
			assert_true(isfinite(h->norm_fro[i]) && (t == 0 || h->norm_fro[i] > 0.0));
		else
			assert_true(isnan(h->norm_fro[i]) && isnan(h->ratio[i]) &&
				    isnan(h->dist_star[i]) && isnan(h->threshold[i]));
		with += expect;
	}
	/* Of the even steps kept: 16 below 32, 16 in each octave 32 .. 1023, every 64th step
	 * of 1024 .. 8191 (112), and 8192 .. 8960 (7). */
	assert_int_equal(with, 16 + 5 * 16 + 112 + 7);
	ls_session_free(s);
}

/* A session told to keep no history records no points and measures the factors only where
 * each call ends, with the same metrics, to the bit, as one that keeps it, whatever the
 * optimiser (gd and sgd step lean between rows) and across changes between calls; a rank
 * change, a rebuild and a reset keep the setting. */
static void test_history_not_kept(void **state)
{
	(void)state;
	const char *opts[] = { "gd", "sgd", "momentum", "adam", "mk" };
	for (size_t o = 0; o < sizeof opts / sizeof opts[0]; o++) {
		const char *kv[] = { "optimizer", opts[o], "lr", o == 3 ? "0.01" : "0.1", NULL };
		ls_session *a = make(kv), *b = make(kv);
		ls_session_keep_history(b, false);
		ls_error err;
		for (int round = 0; round < 5; round++) {
			step(a, 37);
			step(a, 100);
			unsigned long m0 = measures;
			step(b, 37);
			step(b, 100);
			assert_measures(m0 + 2);
			assert_int_equal(ls_session_history(b)->len, 0);
			assert_same_metrics(ls_session_metrics(a), ls_session_metrics(b));
			const char *change[][2] = { { "lr", "0.05" },
						    { "rank", "4" },
						    { "seed", "7" },
						    { NULL, NULL },
						    { "rank", "6" } };
			if (change[round][0]) {
				set(a, change[round][0], change[round][1]);
				set(b, change[round][0], change[round][1]);
			} else {
				assert_ok(ls_session_reset(a, &err));
				assert_ok(ls_session_reset(b, &err));
			}
			assert_same_metrics(ls_session_metrics(a), ls_session_metrics(b));
		}
		assert_true(ls_session_history(a)->len > 0);
		assert_int_equal(ls_session_history(b)->len, 0);
		/* Kept again: the points come back from the next step on. */
		ls_session_keep_history(b, true);
		step(a, 10);
		step(b, 10);
		assert_int_equal(ls_session_history(b)->len, 10);
		assert_same_metrics(ls_session_metrics(a), ls_session_metrics(b));
		ls_session_free(a);
		ls_session_free(b);
	}
}

/* A divergence reports the metrics of the state it came from, as when every step is measured
 * (one step a call: each call ends measuring its state), also at steps the history skips:
 * after LS_HISTORY_MAX steps the stride is 2, and one more step before a large step size
 * moves the divergence to the other parity; and in a session that keeps no history. */
static void test_divergence_at_unmeasured_step(void **state)
{
	(void)state;
	const char *lrs[] = { "3", "1e3" };
	const char *seq[] = { "mu", "0", "inner-k", "2", NULL };
	int unkept[2] = { 0, 0 }; /* divergences at odd steps, by cause */
	for (size_t i = 0; i < 2 * sizeof lrs / sizeof lrs[0]; i++)
		for (long shift = 0; shift < 2; shift++) {
			const char *const *kv = i % 2 ? seq : NULL;
			ls_session *a = make(kv), *b = make(kv), *c = make(kv);
			ls_session_keep_history(c, false);
			step(a, LS_HISTORY_MAX + 9 + shift);
			step(b, LS_HISTORY_MAX + 9 + shift);
			step(c, LS_HISTORY_MAX + 9 + shift);
			set(a, "lr", lrs[i / 2]);
			set(b, "lr", lrs[i / 2]);
			set(c, "lr", lrs[i / 2]);
			step(a, 5000);
			step(c, 5000);
			for (int k = 0; k < 5000 && !ls_session_diverged(b); k++)
				step(b, 1);
			assert_true(ls_session_diverged(a));
			assert_true(ls_session_diverged(b));
			long at = ls_session_steps(a);
			assert_int_equal(ls_session_steps(b), at);
			const ls_metrics *ma = ls_session_metrics(a), *mb = ls_session_metrics(b);
			assert_int_equal(ma->step, mb->step);
			assert_string_equal(ma->message, mb->message);
			assert_memory_equal(&ma->loss, &mb->loss, sizeof(double));
			assert_memory_equal(&ma->reg_loss, &mb->reg_loss, sizeof(double));
			assert_memory_equal(&ma->norm_fro, &mb->norm_fro, sizeof(double));
			assert_memory_equal(&ma->norm_nuc, &mb->norm_nuc, sizeof(double));
			assert_memory_equal(&ma->balance, &mb->balance, sizeof(double));
			assert_memory_equal(&ma->dist_star, &mb->dist_star, sizeof(double));
			assert_int_equal(ma->num_rank, mb->num_rank);
			assert_memory_equal(ma->mod[0].sigma, mb->mod[0].sigma, 6 * sizeof(double));
			const ls_history *ha = ls_session_history(a), *hb = ls_session_history(b);
			/* A call that diverges in its last step's evaluation leaves that step out
			 * of the history; one long call records its losses first. */
			assert_true(ha->len == hb->len || ha->len == hb->len + 1);
			assert_memory_equal(ha->norm_fro, hb->norm_fro, hb->len * sizeof(double));
			assert_memory_equal(ha->dist_star, hb->dist_star, hb->len * sizeof(double));
			assert_memory_equal(ha->ratio, hb->ratio, hb->len * sizeof(double));
			/* Without a history no step is measured before it diverges: the same row.
			 */
			assert_true(ls_session_diverged(c));
			assert_int_equal(ls_session_history(c)->len, 0);
			assert_same_metrics(ma, ls_session_metrics(c));
			if (at % 2)
				unkept[ls_session_last_change(a)->cause == LS_DIVERGED_LOSS]++;
			ls_session_free(a);
			ls_session_free(b);
			ls_session_free(c);
		}
	/* Both causes were met at a step the history skips (else the test proves nothing). */
	if (!unkept[0] || !unkept[1])
		fail_msg("divergences at odd steps: %d of the factors, %d of the loss", unkept[0],
			 unkept[1]);
}

/* A divergence is a record too; the metrics' message is its wording. */
static void test_divergence_record(void **state)
{
	(void)state;
	const char *kv[] = { "lr", "50", "init", "large", NULL };
	ls_session *s = make(kv);
	step(s, 1000);
	const ls_change *last = ls_session_last_change(s);
	assert_int_equal(last->kind, LS_CHANGE_DIVERGED);
	assert_int_equal(last->step, ls_session_steps(s));
	char what[LS_METRICS_MSG_MAX];
	ls_change_format(last, what, sizeof what);
	assert_string_equal(what, ls_session_metrics(s)->message);
	assert_non_null(strstr(what, "diverged at step"));
	ls_session_free(s);
}

/* The APPLY column of LS_PARAM_LIST says what SPEC §2 says for every parameter: the problem
 * and file groups rebuild, the lora group restarts except rank (grow/shrink) and scaling,
 * alpha (s); the optim group applies next step except optimizer (moments) and lambda (X*);
 * the baseline group recomputes the baseline, the theory group forgets α̂, β̂. */
static void test_apply_column(void **state)
{
	(void)state;
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		const ls_param_info *p = &ls_params[i];
		ls_param_apply want = LS_APPLY_COUNT; /* a group SPEC §2 does not name */
		if (i == LS_PARAM_rank)
			want = LS_APPLY_RANK;
		else if (i == LS_PARAM_scaling || i == LS_PARAM_alpha)
			want = LS_APPLY_SCALING;
		else if (i == LS_PARAM_optimizer)
			want = LS_APPLY_OPTIMIZER;
		else if (i == LS_PARAM_lambda || strcmp(p->group, "baseline") == 0)
			want = LS_APPLY_BASELINE;
		else if (strcmp(p->group, "problem") == 0 || strcmp(p->group, "files") == 0)
			want = LS_APPLY_REBUILD;
		else if (strcmp(p->group, "lora") == 0)
			want = LS_APPLY_INIT;
		else if (strcmp(p->group, "theory") == 0)
			want = LS_APPLY_THEORY;
		else if (strcmp(p->group, "optim") == 0)
			want = LS_APPLY_NEXT_STEP;
		if (p->apply != want)
			fail_msg("--%s: apply %d, SPEC §2 says %d", p->name, (int)p->apply,
				 (int)want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_match_formed),
		cmocka_unit_test(test_lambda_applies_without_restart),
		cmocka_unit_test(test_rank_grow_and_shrink),
		cmocka_unit_test(test_init_change_restarts_with_new_seed),
		cmocka_unit_test(test_invalid_set_changes_nothing),
		cmocka_unit_test(test_divergence_detected_and_recovered),
		cmocka_unit_test(test_same_seed_same_history),
		cmocka_unit_test(test_step_reuses_end_measurement),
		cmocka_unit_test(test_rebuild_and_kick),
		cmocka_unit_test(test_scaling_uses_lambda_over_s),
		cmocka_unit_test(test_baseline_auto_skips_large),
		cmocka_unit_test(test_two_modules_metrics),
		cmocka_unit_test(test_theory_cache),
		cmocka_unit_test(test_theory_report),
		cmocka_unit_test(test_ab_samples_auto),
		cmocka_unit_test(test_rank_against_problem_shape),
		cmocka_unit_test(test_change_records),
		cmocka_unit_test(test_divergence_record),
		cmocka_unit_test(test_measures_follow_history),
		cmocka_unit_test(test_divergence_at_unmeasured_step),
		cmocka_unit_test(test_history_not_kept),
		cmocka_unit_test(test_apply_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
