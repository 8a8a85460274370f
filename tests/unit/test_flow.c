/* test_flow.c — the gradient-flow closed forms (MATH.md §7, §9) against two independent
 * truths: an RK4 integration of the flow ODE (scalar, and the full matrix flow of approx
 * and trace2), and discrete GD of the library on the real problems with a small step
 * (the gap is O(η): it must roughly halve when η halves). Also Rushka–Klabjan eq. (32)
 * (the limit of X), eq. (33) (its error to the full-rank limit) and eq. (34) (the mean of
 * eq. (33)² over Gaussian starts, by Monte Carlo). */
#include "training_util.h"

#include "lorascope/flow.h"

/* RK4 of x' = (σ − xy)y, y' = (σ − xy)x. */
static double rk4_scalar(double sigma, double x, double y, double t, double dt)
{
	long n = lround(t / dt);
	for (long i = 0; i < n; i++) {
		double k1x = (sigma - x * y) * y, k1y = (sigma - x * y) * x;
		double x2 = x + 0.5 * dt * k1x, y2 = y + 0.5 * dt * k1y;
		double k2x = (sigma - x2 * y2) * y2, k2y = (sigma - x2 * y2) * x2;
		double x3 = x + 0.5 * dt * k2x, y3 = y + 0.5 * dt * k2y;
		double k3x = (sigma - x3 * y3) * y3, k3y = (sigma - x3 * y3) * x3;
		double x4 = x + dt * k3x, y4 = y + dt * k3y;
		double k4x = (sigma - x4 * y4) * y4, k4y = (sigma - x4 * y4) * x4;
		x += dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x);
		y += dt / 6 * (k1y + 2 * k2y + 2 * k3y + k4y);
	}
	return x * y;
}

static void test_scalar_vs_rk4(void **state)
{
	(void)state;
	const double cases[][3] = { { 2.0, 0.1, 0.0 },
				    { 0.5, 0.7, 0.2 },
				    { 1.3, 1e-3, 0.0 },
				    { 0.8, 0.0, 0.4 },
				    { 1.0, 1.5, 0.9 } };
	const double times[] = { 0.0, 0.3, 1.0, 2.5, 6.0 };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (size_t j = 0; j < sizeof times / sizeof times[0]; j++) {
			double sg = cases[i][0], x0 = cases[i][1], y0 = cases[i][2], t = times[j];
			double want = rk4_scalar(sg, x0, y0, t, 1e-3);
			assert_close(ls_flow_scalar_product(sg, x0, y0, t), want, 1e-9, 1e-12);
		}
	/* u → σ, stationary starts, and an invalid start (x + y = 0). */
	assert_close(ls_flow_scalar_product(1.5, 0.2, 0.0, 200.0), 1.5, 1e-14, 0);
	assert_true(ls_flow_scalar_product(0.0, 0.3, 0.0, 1.0) == 0.0);
	assert_true(ls_flow_scalar_product(1.0, 0.0, 0.0, 1.0) == 0.0);
	assert_true(isnan(ls_flow_scalar_product(1.0, 0.5, -0.5, 1.0)));
}

/* RK4 of the matrix flow of the run's factors: A' = −s·∇f(X)·B, B' = −s·∇f(X)ᵀ·A. */
typedef struct {
	ls_mat A, B, kA[4], kB[4], tA, tB;
} rk4_ws;

static void flow_rhs(tt_run *t, const ls_mat *A, const ls_mat *B, ls_mat *dA, ls_mat *dB)
{
	ls_mat GA[1], GB[1];
	GA[0] = *dA;
	GB[0] = *dB;
	ls_lora V = t->L;
	V.A[0] = *A;
	V.B[0] = *B;
	assert_ok(ls_optim_grad(t->o, &t->p, &V, 0.0, NULL, NULL, GA, GB, NULL));
	ls_mat_scale(dA, -1.0);
	ls_mat_scale(dB, -1.0);
}

/* Integrate the run's factors (in place) from 0 to T with nsteps of RK4. */
static void rk4_matrix(tt_run *t, double T, long nsteps)
{
	rk4_ws w;
	ls_mat *A = &t->L.A[0], *B = &t->L.B[0];
	assert_ok(ls_mat_alloc(&w.tA, A->rows, A->cols, NULL));
	assert_ok(ls_mat_alloc(&w.tB, B->rows, B->cols, NULL));
	for (int i = 0; i < 4; i++) {
		assert_ok(ls_mat_alloc(&w.kA[i], A->rows, A->cols, NULL));
		assert_ok(ls_mat_alloc(&w.kB[i], B->rows, B->cols, NULL));
	}
	double h = T / (double)nsteps, c[4] = { 0.0, 0.5, 0.5, 1.0 }, wt[4] = { 1, 2, 2, 1 };
	for (long n = 0; n < nsteps; n++) {
		for (int i = 0; i < 4; i++) {
			ls_mat_copy(&w.tA, A);
			ls_mat_copy(&w.tB, B);
			if (i > 0) {
				ls_mat_axpy(&w.tA, c[i] * h, &w.kA[i - 1]);
				ls_mat_axpy(&w.tB, c[i] * h, &w.kB[i - 1]);
			}
			flow_rhs(t, &w.tA, &w.tB, &w.kA[i], &w.kB[i]);
		}
		for (int i = 0; i < 4; i++) {
			ls_mat_axpy(A, h * wt[i] / 6.0, &w.kA[i]);
			ls_mat_axpy(B, h * wt[i] / 6.0, &w.kB[i]);
		}
	}
	ls_mat_free(&w.tA);
	ls_mat_free(&w.tB);
	for (int i = 0; i < 4; i++) {
		ls_mat_free(&w.kA[i]);
		ls_mat_free(&w.kB[i]);
	}
}

#define AP_M 8
#define AP_N 6

/* An approx run with spectral init, scaling s = alpha/r; sv = singular values of M. */
static void approx_spectral(tt_run *t, double x0, long rank, double lr, double *sv)
{
	ls_config c;
	tt_config(&c, LS_PROBLEM_APPROX, AP_M, AP_N, 4, 0.05);
	c.rank = rank;
	c.scaling = LS_SCALING_ALPHA_R;
	c.alpha = 2.0 * (double)rank; /* s = 2 */
	c.init = LS_INIT_SPECTRAL;
	c.init_scale = x0;
	c.lambda = 0.0;
	c.lr = lr;
	c.seed = 3;
	tt_run_start(t, &c);
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, AP_M, AP_N, NULL));
	tt_svd_shrink(&t->p.target, 0, 0.0, &X, sv);
	ls_mat_free(&X);
}

/* The closed form of approx with spectral init against RK4 of the matrix flow. */
static void test_approx_vs_rk4(void **state)
{
	(void)state;
	double sv[AP_N], x0 = 0.3, T = 0.0;
	tt_run t;
	approx_spectral(&t, x0, 2, 0.0, sv);
	const double times[] = { 0.5, 1.5, 3.0, 6.0 };
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		rk4_matrix(&t, times[i] - T, lround((times[i] - T) * 400));
		T = times[i];
		double f;
		assert_ok(ls_optim_eval(t.o, &t.p, &t.L, 0.0, &f, NULL, NULL, NULL));
		assert_close(ls_flow_approx_loss(sv, AP_N, 2, x0, t.L.s[0], T), f, 1e-9, 1e-12);
	}
	tt_run_stop(&t);
}

/* max over steps of |f_GD(step) − f_flow(η·k·step)| for a run to time T, with the
 * Rushka–Klabjan scheme (μ, k): each step makes k updates of each factor. */
static double approx_gd_gap_seq(double lr, double T, double mu, long kin, double *f_end,
				double *limit)
{
	double sv[AP_N], x0 = 0.2, gap = 0.0;
	tt_run t;
	approx_spectral(&t, x0, 3, lr, sv);
	t.c.mu = mu;
	t.c.inner_k = kin;
	double dt = lr * (double)kin;
	long n = lround(T / dt);
	ls_step_info info = { 0 };
	for (long k = 0; k <= n; k++) {
		info = tt_run_steps(&t, 1); /* info.loss is f before this step: time dt·k */
		double want = ls_flow_approx_loss(sv, AP_N, 3, x0, t.L.s[0], dt * (double)k);
		gap = fmax(gap, fabs(info.loss - want));
	}
	*f_end = info.loss;
	*limit = ls_flow_approx_limit(sv, AP_N, 3);
	tt_run_stop(&t);
	return gap;
}

static double approx_gd_gap(double lr, double T, double *f_end, double *limit)
{
	return approx_gd_gap_seq(lr, T, 1.0, 1, f_end, limit);
}

/* Discrete GD tracks the closed form with an O(η) gap, and reaches eq. (53)'s value. */
static void test_approx_gd_tracks_flow(void **state)
{
	(void)state;
	double f1, f2, lim;
	double g1 = approx_gd_gap(4e-3, 12.0, &f1, &lim);
	double g2 = approx_gd_gap(2e-3, 12.0, &f2, &lim);
	print_message("approx spectral: max gap %.3g at eta 4e-3, %.3g at 2e-3\n", g1, g2);
	assert_true(g1 < 0.05);
	assert_true(g1 / g2 > 1.6 && g1 / g2 < 2.4);
	assert_close(f2, lim, 1e-6, 1e-9);
}

/* Sequential updates follow the same flow (Rushka–Klabjan Theorem 2.4): O(η) gap too. */
static void test_sequential_tracks_flow(void **state)
{
	(void)state;
	const double mus[] = { 0.0, 0.5 };
	const long ks[] = { 1, 2 };
	for (int i = 0; i < 2; i++) {
		double f1, f2, lim;
		double g1 = approx_gd_gap_seq(4e-3, 12.0, mus[i], ks[i], &f1, &lim);
		double g2 = approx_gd_gap_seq(2e-3, 12.0, mus[i], ks[i], &f2, &lim);
		print_message("sequential mu %g k %ld: max gap %.3g at eta 4e-3, %.3g at 2e-3\n",
			      mus[i], ks[i], g1, g2);
		assert_true(g1 < 0.05);
		assert_true(g1 / g2 > 1.6 && g1 / g2 < 2.4);
		assert_close(f2, lim, 1e-6, 1e-9);
	}
}

#define TR_N 6

/* A trace2 run with PEFT init (B random, A = 0: Rushka–Klabjan's start), scaling s = 2. */
static void trace2_run(tt_run *t, double lr, double *c)
{
	ls_config cf;
	tt_config(&cf, LS_PROBLEM_TRACE2, TR_N, TR_N, 2, 0.0);
	cf.rank = 2;
	cf.scaling = LS_SCALING_ALPHA_R;
	cf.alpha = 4.0;
	cf.init = LS_INIT_PEFT;
	cf.lambda = 0.0;
	cf.lr = lr;
	cf.seed = 5;
	tt_run_start(t, &cf);
	ls_mat Z, G;
	assert_ok(ls_mat_alloc(&Z, TR_N, TR_N, NULL));
	assert_ok(ls_mat_alloc(&G, TR_N, TR_N, NULL));
	assert_ok(t->p.type->grad_dense(&t->p, &Z, &G));
	*c = -ls_mat_trace(&G) / TR_N;
	ls_mat_free(&Z);
	ls_mat_free(&G);
}

static double trace_gap(tt_run *t, double c)
{
	ls_mat X = tt_form(&t->L, 0);
	double a = c - ls_mat_trace(&X);
	ls_mat_free(&X);
	return a;
}

/* eq. (313) against RK4 of the matrix flow, and a(0) = c. */
static void test_trace2_vs_rk4(void **state)
{
	(void)state;
	double c, T = 0.0;
	tt_run t;
	trace2_run(&t, 0.0, &c);
	double f0 = ls_mat_norm(&t.L.B[0]), s = t.L.s[0];
	f0 *= f0;
	assert_close(ls_flow_trace2_a(c, f0, s, 0.0), c, 1e-14, 0);
	assert_close(ls_flow_trace2_a(-c, f0, s, 0.0), -c, 1e-14, 0);
	const double times[] = { 0.1, 0.4, 1.0, 2.0 };
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		rk4_matrix(&t, times[i] - T, lround((times[i] - T) * 2000));
		T = times[i];
		assert_close(ls_flow_trace2_a(c, f0, s, T), trace_gap(&t, c), 1e-8, 1e-12);
	}
	tt_run_stop(&t);
}

/* max over steps of |f_GD − ½a(η·step)²|. */
static double trace2_gd_gap(double lr, double T)
{
	double c, gap = 0.0;
	tt_run t;
	trace2_run(&t, lr, &c);
	double f0 = ls_mat_norm(&t.L.B[0]);
	f0 *= f0;
	long n = lround(T / lr);
	for (long k = 0; k <= n; k++) {
		ls_step_info info = tt_run_steps(&t, 1);
		double want = ls_flow_trace2_loss(c, f0, t.L.s[0], lr * (double)k);
		gap = fmax(gap, fabs(info.loss - want));
	}
	tt_run_stop(&t);
	return gap;
}

static void test_trace2_gd_tracks_flow(void **state)
{
	(void)state;
	double g1 = trace2_gd_gap(2e-3, 3.0), g2 = trace2_gd_gap(1e-3, 3.0);
	print_message("trace2: max gap %.3g at eta 2e-3, %.3g at 1e-3\n", g1, g2);
	assert_true(g1 < 0.05);
	assert_true(g1 / g2 > 1.6 && g1 / g2 < 2.4);
}

/* GD run to convergence: X → eq. (32), and its error to (c/n)·I is eq. (33). */
static void test_trace2_limits(void **state)
{
	(void)state;
	double c;
	tt_run t;
	trace2_run(&t, 0.01, &c);
	ls_mat B0;
	assert_ok(ls_mat_alloc(&B0, TR_N, 2, NULL));
	assert_ok(ls_mat_copy(&B0, &t.L.B[0]));
	tt_run_steps(&t, 4000);
	ls_mat X = tt_form(&t.L, 0), Xinf, U;
	assert_ok(ls_mat_alloc(&Xinf, TR_N, TR_N, NULL));
	assert_ok(ls_mat_alloc(&U, TR_N, TR_N, NULL));
	assert_ok(ls_flow_trace2_limit(&B0, c, &Xinf));
	/* GD with a finite step converges to a point near, not at, the flow's limit. */
	assert_close(tt_dist(&X, &Xinf), 0.0, 0, 0.02 * ls_mat_norm(&Xinf));
	ls_mat_set_identity(&U);
	ls_mat_scale(&U, c / TR_N);
	assert_close(tt_dist(&Xinf, &U) / ls_mat_norm(&U), ls_flow_trace2_rel_error(&B0), 1e-12, 0);
	assert_close(tt_dist(&X, &U) / ls_mat_norm(&U), ls_flow_trace2_rel_error(&B0), 0.02, 0);
	ls_mat zero;
	assert_ok(ls_mat_alloc(&zero, TR_N, 2, NULL));
	assert_int_equal(ls_flow_trace2_limit(&zero, c, &Xinf), LS_EINVAL);
	assert_int_equal(ls_flow_trace2_limit(&B0, c, &B0), LS_EDIM);
	assert_true(isnan(ls_flow_trace2_rel_error(&zero)));
	ls_mat_free(&zero);
	ls_mat_free(&B0);
	ls_mat_free(&X);
	ls_mat_free(&Xinf);
	ls_mat_free(&U);
	tt_run_stop(&t);
}

/* eq. (34): the mean of eq. (33)² over Gaussian starts, within 4 standard errors. */
static void test_trace2_expectation(void **state)
{
	(void)state;
	const size_t sizes[][2] = { { 6, 2 }, { 10, 3 }, { 4, 1 } };
	ls_rng rng;
	ls_rng_seed(&rng, 99);
	for (size_t i = 0; i < 3; i++) {
		size_t n = sizes[i][0], r = sizes[i][1], N = 20000;
		ls_mat F;
		assert_ok(ls_mat_alloc(&F, n, r, NULL));
		double sum = 0.0, sum2 = 0.0;
		for (size_t k = 0; k < N; k++) {
			ls_rng_fill_normal(&rng, &F, 0.0, 0.7);
			double e = ls_flow_trace2_rel_error(&F);
			sum += e * e;
			sum2 += e * e * e * e;
		}
		double mean = sum / (double)N, var = sum2 / (double)N - mean * mean;
		double se = sqrt(var / (double)N), want = ls_flow_trace2_expected_rel_error2(n, r);
		print_message("eq. 34, n=%zu r=%zu: Monte Carlo %.4f ± %.4f, formula %.4f\n", n, r,
			      mean, se, want);
		assert_close(mean, want, 0, 4 * se);
		ls_mat_free(&F);
	}
	assert_close(ls_flow_trace2_expected_rel_error2(6, 2), 40.0 / 14.0, 1e-15, 0);
}

/* ls_flow_curve picks the closed form of a run, or says why there is none. */
static void test_curve(void **state)
{
	(void)state;
	double sv[AP_N], c;
	ls_flow_curve fc;
	tt_run t;
	approx_spectral(&t, 0.2, 3, 0.01, sv);
	assert_ok(ls_flow_curve_init(&fc, &t.p, &t.L, &t.c, NULL));
	assert_int_equal(fc.kind, LS_FLOW_APPROX);
	for (double tm = 0.0; tm < 5.0; tm += 0.7)
		assert_close(ls_flow_curve_loss(&fc, tm),
			     ls_flow_approx_loss(sv, AP_N, 3, 0.2, 2.0, tm), 1e-13, 0);
	ls_flow_curve_free(&fc);
	t.c.lambda = 0.1;
	assert_ok(ls_flow_curve_init(&fc, &t.p, &t.L, &t.c, NULL));
	assert_int_equal(fc.kind, LS_FLOW_NONE);
	assert_non_null(fc.why);
	assert_true(isnan(ls_flow_curve_loss(&fc, 1.0)));
	t.c.lambda = 0.0;
	t.c.optimizer = LS_OPTIM_ADAM;
	assert_ok(ls_flow_curve_init(&fc, &t.p, &t.L, &t.c, NULL));
	assert_int_equal(fc.kind, LS_FLOW_NONE);
	t.c.optimizer = LS_OPTIM_GD;
	t.c.init = LS_INIT_PEFT;
	assert_ok(ls_flow_curve_init(&fc, &t.p, &t.L, &t.c, NULL));
	assert_int_equal(fc.kind, LS_FLOW_NONE);
	tt_run_stop(&t);

	trace2_run(&t, 0.01, &c);
	assert_ok(ls_flow_curve_init(&fc, &t.p, &t.L, &t.c, NULL));
	assert_int_equal(fc.kind, LS_FLOW_TRACE2);
	assert_close(fc.c, c, 1e-15, 0);
	double f0 = ls_mat_norm(&t.L.B[0]);
	for (double tm = 0.0; tm < 3.0; tm += 0.5)
		assert_close(ls_flow_curve_loss(&fc, tm), ls_flow_trace2_loss(c, f0 * f0, 2.0, tm),
			     1e-13, 0);
	ls_flow_curve_free(&fc);
	ls_rng_fill_normal(&t.rng, &t.L.A[0], 0.0, 0.1); /* both factors nonzero */
	assert_ok(ls_flow_curve_init(&fc, &t.p, &t.L, &t.c, NULL));
	assert_int_equal(fc.kind, LS_FLOW_NONE);
	tt_run_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar_vs_rk4),
		cmocka_unit_test(test_approx_vs_rk4),
		cmocka_unit_test(test_approx_gd_tracks_flow),
		cmocka_unit_test(test_sequential_tracks_flow),
		cmocka_unit_test(test_trace2_vs_rk4),
		cmocka_unit_test(test_trace2_gd_tracks_flow),
		cmocka_unit_test(test_trace2_limits),
		cmocka_unit_test(test_trace2_expectation),
		cmocka_unit_test(test_curve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
