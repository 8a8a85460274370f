/* test_optim.c — the optimisers (MATH.md §2, §3, §6, §7):
 *   ∇g (ls_optim_grad) against central differences of g, with λ > 0 and s ≠ 1, on every
 *   problem; one step of GD, momentum, Adam and the Rushka–Klabjan sequential scheme
 *   against the update written out by hand from ls_optim_grad; LoRA GD on approx with
 *   λ > 0 converges to the singular-value soft-thresholding of M by λ/s (LAPACK SVD);
 *   every optimiser decreases g; Mu–Klabjan's descent inequality holds at every step on
 *   several problems (checked again here from ls_optim_eval) and fails for a too-long
 *   step; AdamW equals Adam at λ = 0 and differs at λ > 0; same seed, same bits. */
#include "training_util.h"

#define FD_H 1e-6

static void base_config(ls_config *c, int problem, long m, long n)
{
	tt_config(c, problem, m, n, 3, problem == LS_PROBLEM_TRACE2 ? 0.0 : 0.05);
	c->rank = 3;
	c->scaling = LS_SCALING_ONE;
	c->init = LS_INIT_INIT2;
	c->lambda = 0.0;
	c->seed = 1;
}

static const int problems[] = { LS_PROBLEM_APPROX, LS_PROBLEM_TRACE2, LS_PROBLEM_SENSING,
				LS_PROBLEM_REGRESSION };
#define NPROB (sizeof problems / sizeof problems[0])

static double max_abs(const ls_mat *M)
{
	double v = 0.0;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++)
			v = fmax(v, fabs(LS_AT(*M, i, j)));
	return v;
}

/* Each entry of T perturbed by ±h: (g₊ − g₋)/2h against G. */
static void fd_factor(tt_run *t, ls_mat *T, const ls_mat *G, const char *what)
{
	double scale = fmax(1.0, max_abs(G));
	for (size_t j = 0; j < T->cols; j++)
		for (size_t i = 0; i < T->rows; i++) {
			double x = LS_AT(*T, i, j);
			LS_AT(*T, i, j) = x + FD_H;
			double gp = tt_run_g(t);
			LS_AT(*T, i, j) = x - FD_H;
			double gm = tt_run_g(t);
			LS_AT(*T, i, j) = x;
			double fd = (gp - gm) / (2 * FD_H);
			if (!(fabs(fd - LS_AT(*G, i, j)) <= 1e-6 * scale))
				fail_msg("%s: d g/d %s(%zu,%zu): finite difference %.10g, gradient "
					 "%.10g",
					 t->p.type->name, what, i, j, fd, LS_AT(*G, i, j));
		}
}

/* ∇g of every module against central differences of g, with λ > 0 and s = 2. */
static void check_grad_fd(ls_config *c)
{
	c->scaling = LS_SCALING_ALPHA_R;
	c->alpha = 2.0 * (double)c->rank; /* s = 2 */
	c->lambda = 0.3;
	tt_run t;
	tt_run_start(&t, c);
	ls_mat GA[LS_MAX_MODULES], GB[LS_MAX_MODULES];
	double sq = 0.0, sq_ab = 0.0;
	for (size_t k = 0; k < t.L.nmod; k++) {
		assert_ok(ls_mat_alloc(&GA[k], t.L.A[k].rows, t.L.r, NULL));
		assert_ok(ls_mat_alloc(&GB[k], t.L.B[k].rows, t.L.r, NULL));
	}
	double f, g, g2, gn;
	assert_ok(ls_optim_grad(t.o, &t.p, &t.L, c->lambda, &f, &g, GA, GB, NULL));
	assert_ok(ls_optim_eval(t.o, &t.p, &t.L, c->lambda, NULL, &g2, &gn, NULL));
	for (size_t k = 0; k < t.L.nmod; k++) {
		double na = ls_mat_norm(&GA[k]), nb = ls_mat_norm(&GB[k]);
		double nA = ls_mat_norm(&t.L.A[k]), nB = ls_mat_norm(&t.L.B[k]);
		sq += na * na + nb * nb;
		sq_ab += nA * nA + nB * nB;
	}
	assert_close(gn, sqrt(sq), 1e-13, 0);
	assert_close(g2, g, 1e-15, 0);
	assert_close(g, f + 0.15 * sq_ab, 1e-15, 0);
	for (size_t k = 0; k < t.L.nmod; k++) {
		fd_factor(&t, &t.L.A[k], &GA[k], "A");
		fd_factor(&t, &t.L.B[k], &GB[k], "B");
		ls_mat_free(&GA[k]);
		ls_mat_free(&GB[k]);
	}
	tt_run_stop(&t);
}

static void test_grad_fd(void **state)
{
	(void)state;
	ls_config c;
	for (size_t i = 0; i < NPROB; i++) {
		base_config(&c, problems[i], 6, 6);
		check_grad_fd(&c);
	}
	/* two modules of different shapes (mlp: X1 4×5, X2 4×4) */
	base_config(&c, LS_PROBLEM_MLP, 4, 5);
	c.modules = 2;
	c.rank = 2;
	c.init = LS_INIT_INIT1;
	check_grad_fd(&c);
}

/* ∇g at the run's state into fresh matrices. */
static void grads_at(tt_run *t, const ls_lora *L, double lambda, ls_mat *GA, ls_mat *GB)
{
	assert_ok(ls_mat_alloc(GA, L->A[0].rows, L->r, NULL));
	assert_ok(ls_mat_alloc(GB, L->B[0].rows, L->r, NULL));
	assert_ok(ls_optim_grad(t->o, &t->p, L, lambda, NULL, NULL, GA, GB, NULL));
}

static void grads(tt_run *t, const ls_lora *L, ls_mat *GA, ls_mat *GB)
{
	grads_at(t, L, t->c.lambda, GA, GB);
}

/* First step of each rule on one entry: θ, its ∇g entry g and f-part entry p = g − λθ. */
static double first_step(int kind, const ls_config *c, double th, double g, double p)
{
	switch (kind) {
	case LS_OPTIM_ADAM: /* m̂ = g, v̂ = g² */
		return th - c->lr * (g / (fabs(g) + c->eps));
	case LS_OPTIM_ADAMW: /* moments of p only, decay decoupled */
		return th - c->lr * (p / (fabs(p) + c->eps) + c->lambda * th);
	default: /* gd, and heavy ball with v = g */
		return th - c->lr * g;
	}
}

/* GD, heavy ball (two steps), Adam and AdamW (first step) written out by hand. */
static void test_updates_by_hand(void **state)
{
	(void)state;
	ls_config c;
	base_config(&c, LS_PROBLEM_APPROX, 7, 5);
	c.lambda = 0.2;
	c.lr = 0.03;
	c.scaling = LS_SCALING_RSLORA;
	c.alpha = 2.0;
	const int kinds[] = { LS_OPTIM_GD, LS_OPTIM_MOMENTUM, LS_OPTIM_ADAM, LS_OPTIM_ADAMW };
	for (size_t q = 0; q < sizeof kinds / sizeof kinds[0]; q++) {
		c.optimizer = kinds[q];
		tt_run t;
		tt_run_start(&t, &c);
		ls_lora W;
		assert_ok(ls_lora_copy(&W, &t.L, NULL));
		ls_mat GA, GB, PA, PB, GA1, GB1;
		grads(&t, &W, &GA, &GB);
		grads_at(&t, &W, 0.0, &PA, &PB);
		tt_run_steps(&t, 1);
		for (size_t j = 0; j < 3; j++) {
			for (size_t i = 0; i < 7; i++)
				LS_AT(W.A[0], i, j) = first_step(kinds[q], &c, LS_AT(W.A[0], i, j),
								 LS_AT(GA, i, j), LS_AT(PA, i, j));
			for (size_t i = 0; i < 5; i++)
				LS_AT(W.B[0], i, j) = first_step(kinds[q], &c, LS_AT(W.B[0], i, j),
								 LS_AT(GB, i, j), LS_AT(PB, i, j));
		}
		assert_close(tt_dist(&W.A[0], &t.L.A[0]), 0.0, 0, 1e-15);
		assert_close(tt_dist(&W.B[0], &t.L.B[0]), 0.0, 0, 1e-15);
		if (kinds[q] == LS_OPTIM_MOMENTUM) {
			grads(&t, &W, &GA1, &GB1);
			tt_run_steps(&t, 1);
			ls_mat_axpy(&GA1, c.momentum, &GA); /* v2 = β·g0 + g1 */
			ls_mat_axpy(&GB1, c.momentum, &GB);
			ls_mat_axpy(&W.A[0], -c.lr, &GA1);
			ls_mat_axpy(&W.B[0], -c.lr, &GB1);
			assert_close(tt_dist(&W.A[0], &t.L.A[0]), 0.0, 0, 1e-15);
			assert_close(tt_dist(&W.B[0], &t.L.B[0]), 0.0, 0, 1e-15);
			ls_mat_free(&GA1);
			ls_mat_free(&GB1);
		}
		ls_mat_free(&GA);
		ls_mat_free(&GB);
		ls_mat_free(&PA);
		ls_mat_free(&PB);
		ls_lora_free(&W);
		tt_run_stop(&t);
	}
}

/* Rushka–Klabjan eqs. (4)–(5) in our letters, by hand: k GD steps on A with B fixed, then
 * A* = μ·A_start + (1 − μ)·A_k, then k GD steps on B against A*. */
static void test_sequential_by_hand(void **state)
{
	(void)state;
	const double mus[] = { 0.0, 0.5, 1.0 };
	const long ks[] = { 1, 3, 2 };
	for (size_t q = 0; q < 3; q++) {
		ls_config c;
		base_config(&c, LS_PROBLEM_SENSING, 5, 4);
		c.lambda = 0.1;
		c.lr = 0.02;
		c.mu = mus[q];
		c.inner_k = ks[q];
		tt_run t;
		tt_run_start(&t, &c);
		ls_lora W, S;
		assert_ok(ls_lora_copy(&W, &t.L, NULL));
		assert_ok(ls_lora_copy(&S, &t.L, NULL));
		ls_mat GA, GB;
		for (long j = 0; j < ks[q]; j++) {
			grads(&t, &W, &GA, &GB);
			ls_mat_axpy(&W.A[0], -c.lr, &GA);
			ls_mat_free(&GA);
			ls_mat_free(&GB);
		}
		ls_mat_scale(&S.A[0], c.mu); /* S holds A*, B */
		ls_mat_axpy(&S.A[0], 1.0 - c.mu, &W.A[0]);
		for (long j = 0; j < ks[q]; j++) {
			grads(&t, &S, &GA, &GB);
			ls_mat_axpy(&S.B[0], -c.lr, &GB);
			ls_mat_free(&GA);
			ls_mat_free(&GB);
		}
		tt_run_steps(&t, 1);
		assert_close(tt_dist(&W.A[0], &t.L.A[0]), 0.0, 0, 1e-14);
		assert_close(tt_dist(&S.B[0], &t.L.B[0]), 0.0, 0, 1e-14);
		ls_lora_free(&W);
		ls_lora_free(&S);
		tt_run_stop(&t);
	}
}

/* LoRA GD on approx with λ > 0 and r ≥ r* from the zero-init converges to
 * X* = U·max(Σ − λ/s, 0)·Vᵀ (Kim–Kim–Ryu §1.3; nuclear weight λ/s). */
static void check_soft_threshold(int scaling, double alpha, long rank, double lambda)
{
	ls_config c;
	base_config(&c, LS_PROBLEM_APPROX, 10, 8);
	c.noise = 0.02;
	c.rank = rank;
	c.scaling = scaling;
	c.alpha = alpha;
	c.init = LS_INIT_ZERO;
	c.lambda = lambda;
	c.lr = 0.05;
	tt_run t;
	tt_run_start(&t, &c);
	ls_mat Xs;
	double sv[8];
	assert_ok(ls_mat_alloc(&Xs, 10, 8, NULL));
	tt_svd_shrink(&t.p.target, 8, lambda / t.L.s[0], &Xs, sv);
	size_t rstar = 0;
	while (rstar < 8 && sv[rstar] > lambda / t.L.s[0])
		rstar++;
	assert_true(rstar >= 2 && rstar <= (size_t)rank);
	tt_run_steps(&t, 6000);
	ls_mat X = tt_form(&t.L, 0);
	double d = tt_dist(&X, &Xs);
	print_message("soft-threshold, s = %g, r = %ld, r* = %zu: |X - X*| = %.3g\n", t.L.s[0],
		      rank, rstar, d);
	assert_close(d, 0.0, 0, 1e-8 * ls_mat_norm(&Xs));
	ls_mat_free(&X);
	ls_mat_free(&Xs);
	tt_run_stop(&t);
}

static void test_soft_threshold(void **state)
{
	(void)state;
	check_soft_threshold(LS_SCALING_ONE, 1.0, 4, 0.3);
	check_soft_threshold(LS_SCALING_ALPHA_R, 10.0, 5, 0.5); /* s = 2 */
}

/* Every optimiser, simultaneous and sequential, lowers g on approx by a wide margin. */
static void test_all_decrease(void **state)
{
	(void)state;
	for (int kind = 0; kind < LS_OPTIM_COUNT; kind++)
		for (int seq = 0; seq < 2; seq++) {
			ls_config c;
			base_config(&c, LS_PROBLEM_APPROX, 9, 7);
			c.optimizer = kind;
			c.lambda = 0.05;
			c.lr = kind == LS_OPTIM_ADAM || kind == LS_OPTIM_ADAMW ? 0.01 : 0.05;
			if (seq) {
				c.mu = 0.3;
				c.inner_k = 2;
			}
			tt_run t;
			tt_run_start(&t, &c);
			double g0 = tt_run_g(&t);
			tt_run_steps(&t, 300);
			double g1 = tt_run_g(&t);
			if (!(g1 < 0.5 * g0))
				fail_msg("%s%s: g %.6g -> %.6g", ls_optim_names[kind],
					 seq ? " (sequential)" : "", g0, g1);
			tt_run_stop(&t);
		}
	/* SGD with real mini-batches on sensing. */
	ls_config c;
	base_config(&c, LS_PROBLEM_SENSING, 6, 5);
	c.optimizer = LS_OPTIM_SGD;
	c.batch = 20;
	c.lr = 0.02;
	tt_run t;
	tt_run_start(&t, &c);
	assert_true(t.p.samples > (size_t)c.batch);
	double g0 = tt_run_g(&t);
	ls_step_info info = tt_run_steps(&t, 400);
	assert_int_equal(info.batch, 20);
	assert_true(tt_run_g(&t) < 0.3 * g0);
	tt_run_stop(&t);
}

/* Mu–Klabjan: the inequality at every step, re-checked from ls_optim_eval, and η_t recomputed
 * from its formula (optim.h) with the problem's dense gradient of every module. */
static void check_mk_config(ls_config *c, long steps)
{
	c->optimizer = LS_OPTIM_MK;
	tt_run t;
	tt_run_start(&t, c);
	ls_mat X[LS_MAX_MODULES], G[LS_MAX_MODULES];
	for (size_t k = 0; k < t.L.nmod; k++) {
		X[k] = tt_form(&t.L, k);
		assert_ok(ls_mat_alloc(&G[k], X[k].rows, X[k].cols, NULL));
	}
	double s = t.L.s[0], Lf = t.p.type->lipschitz(&t.p), lambda = c->lambda;
	double g_first = tt_run_g(&t);
	for (long step = 0; step < steps; step++) {
		double gt, gn, vsq = 0.0, gsq = 0.0;
		assert_ok(ls_optim_eval(t.o, &t.p, &t.L, lambda, NULL, &gt, &gn, NULL));
		for (size_t k = 0; k < t.L.nmod; k++)
			assert_ok(ls_lora_form(&t.L, k, &X[k]));
		assert_ok(t.p.type->grad_dense(&t.p, X, G));
		for (size_t k = 0; k < t.L.nmod; k++) {
			double na = ls_mat_norm(&t.L.A[k]), nb = ls_mat_norm(&t.L.B[k]);
			double ng = s * ls_mat_norm(&G[k]);
			vsq += na * na + nb * nb;
			gsq += ng * ng;
		}
		double Lm = fmax(1.0, s * s * Lf);
		double eta = fmin(1.0, 1.0 / (5 * sqrt(2.0) * Lm * (vsq + sqrt(gsq) + lambda / 2)));
		ls_step_info info = tt_run_steps(&t, 1);
		assert_close(info.eta, eta, 1e-12, 0);
		assert_close(info.reg_loss, gt, 1e-14, 1e-15);
		assert_true(info.mk_checked);
		double g1 = tt_run_g(&t);
		assert_close(info.mk_lhs, g1, 1e-14, 1e-15);
		if (!info.mk_holds || !(g1 <= gt - eta / 5 * gn * gn + 1e-12 * fmax(1.0, fabs(gt))))
			fail_msg("%s s=%g lambda=%g step %ld: g %.17g -> %.17g, bound %.17g",
				 t.p.type->name, s, lambda, step, gt, g1, gt - eta / 5 * gn * gn);
	}
	assert_true(tt_run_g(&t) < g_first);
	for (size_t k = 0; k < t.L.nmod; k++) {
		ls_mat_free(&X[k]);
		ls_mat_free(&G[k]);
	}
	tt_run_stop(&t);
}

static void check_mk(int problem, int scaling, double lambda, int init, long steps)
{
	ls_config c;
	base_config(&c, problem, 6, 6);
	c.scaling = scaling;
	c.alpha = 6.0;
	c.lambda = lambda;
	c.init = init;
	check_mk_config(&c, steps);
}

static void test_mk_descent(void **state)
{
	(void)state;
	for (size_t i = 0; i < NPROB; i++) {
		check_mk(problems[i], LS_SCALING_ONE, 0.0, LS_INIT_INIT2, 150);
		check_mk(problems[i], LS_SCALING_ALPHA_R, 0.1, LS_INIT_LARGE, 150);
	}
	ls_config c;
	base_config(&c, LS_PROBLEM_MLP, 4, 5);
	c.modules = 2;
	c.rank = 2;
	c.lambda = 0.05;
	c.init = LS_INIT_INIT1;
	check_mk_config(&c, 100);
	base_config(&c, LS_PROBLEM_CLASSIFY, 4, 5);
	c.rank = 2;
	check_mk_config(&c, 100);
}

/* The inequality is not vacuous: a GD step 60 times longer than η_t breaks it on approx. */
static void test_mk_inequality_can_fail(void **state)
{
	(void)state;
	ls_config c;
	base_config(&c, LS_PROBLEM_APPROX, 6, 6);
	c.optimizer = LS_OPTIM_MK;
	c.init = LS_INIT_LARGE;
	tt_run t;
	tt_run_start(&t, &c);
	ls_lora L0;
	assert_ok(ls_lora_copy(&L0, &t.L, NULL));
	ls_step_info info = tt_run_steps(&t, 1);
	ls_lora_free(&t.L);
	assert_ok(ls_lora_copy(&t.L, &L0, NULL));
	t.c.optimizer = LS_OPTIM_GD;
	t.c.lr = 60 * info.eta;
	double g0, gn;
	assert_ok(ls_optim_eval(t.o, &t.p, &t.L, 0.0, NULL, &g0, &gn, NULL));
	tt_run_steps(&t, 1);
	assert_true(tt_run_g(&t) > g0 - t.c.lr / 5 * gn * gn);
	ls_lora_free(&L0);
	tt_run_stop(&t);
}

static void run_pair(int kind, double lambda, ls_lora *out)
{
	ls_config c;
	base_config(&c, LS_PROBLEM_APPROX, 8, 6);
	c.optimizer = kind;
	c.lambda = lambda;
	c.lr = 0.01;
	tt_run t;
	tt_run_start(&t, &c);
	tt_run_steps(&t, 50);
	assert_ok(ls_lora_copy(out, &t.L, NULL));
	tt_run_stop(&t);
}

static void test_adamw_vs_adam(void **state)
{
	(void)state;
	ls_lora a, w;
	run_pair(LS_OPTIM_ADAM, 0.0, &a);
	run_pair(LS_OPTIM_ADAMW, 0.0, &w);
	assert_true(tt_same_bits(&a.A[0], &w.A[0]) && tt_same_bits(&a.B[0], &w.B[0]));
	ls_lora_free(&a);
	ls_lora_free(&w);
	run_pair(LS_OPTIM_ADAM, 0.2, &a);
	run_pair(LS_OPTIM_ADAMW, 0.2, &w);
	assert_true(tt_dist(&a.A[0], &w.A[0]) > 1e-3 * ls_mat_norm(&a.A[0]));
	ls_lora_free(&a);
	ls_lora_free(&w);
}

/* Same seed: the same A and B bit for bit after SGD with mini-batches; another seed:
 * other factors. */
static void sgd_run(uint64_t seed, ls_lora *out)
{
	ls_config c;
	base_config(&c, LS_PROBLEM_SENSING, 6, 5);
	c.optimizer = LS_OPTIM_SGD;
	c.batch = 10;
	c.lr = 0.02;
	c.seed = seed;
	tt_run t;
	tt_run_start(&t, &c);
	tt_run_steps(&t, 100);
	assert_ok(ls_lora_copy(out, &t.L, NULL));
	tt_run_stop(&t);
}

static void test_determinism(void **state)
{
	(void)state;
	ls_lora a, b, d;
	sgd_run(7, &a);
	sgd_run(7, &b);
	sgd_run(8, &d);
	assert_true(tt_same_bits(&a.A[0], &b.A[0]) && tt_same_bits(&a.B[0], &b.B[0]));
	assert_false(tt_same_bits(&a.A[0], &d.A[0]));
	ls_lora_free(&a);
	ls_lora_free(&b);
	ls_lora_free(&d);
}

/* Lean steps (ls_optim_set_lean): the same factors, losses and counters to the bit as exact
 * steps, g and ‖∇g‖ within rounding for gd and sgd (info.exact false), exact for the other
 * rules and whenever they are not finite. */
static void test_lean_steps(void **state)
{
	(void)state;
	const int kinds[] = { LS_OPTIM_GD, LS_OPTIM_SGD, LS_OPTIM_ADAM, LS_OPTIM_MOMENTUM };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		ls_config c;
		base_config(&c, LS_PROBLEM_REGRESSION, 6, 5);
		c.optimizer = kinds[i];
		c.lambda = 0.1;
		c.lr = 0.01;
		tt_run a, b;
		tt_run_start(&a, &c);
		tt_run_start(&b, &c);
		ls_optim_set_lean(b.o, true);
		for (int k = 0; k < 20; k++) {
			ls_step_info ia = tt_run_steps(&a, 1), ib = tt_run_steps(&b, 1);
			assert_true(ia.exact);
			bool lean = kinds[i] == LS_OPTIM_GD || kinds[i] == LS_OPTIM_SGD;
			assert_true(ib.exact == !lean);
			assert_memory_equal(&ia.loss, &ib.loss, sizeof(double));
			assert_close(ib.reg_loss, ia.reg_loss, 1e-13, 0);
			assert_close(ib.grad_norm, ia.grad_norm, 1e-13, 0);
			if (!lean) {
				assert_memory_equal(&ia.reg_loss, &ib.reg_loss, sizeof(double));
				assert_memory_equal(&ia.grad_norm, &ib.grad_norm, sizeof(double));
			}
		}
		assert_true(tt_same_bits(&a.L.A[0], &b.L.A[0]) &&
			    tt_same_bits(&a.L.B[0], &b.L.B[0]));
		tt_run_stop(&a);
		tt_run_stop(&b);
	}
	/* A gradient beyond the quick sums' proof: exact, and not finite. */
	ls_config c;
	base_config(&c, LS_PROBLEM_APPROX, 6, 5);
	c.optimizer = LS_OPTIM_GD;
	c.lambda = 1.0;
	tt_run t;
	tt_run_start(&t, &c);
	ls_optim_set_lean(t.o, true);
	LS_AT(t.L.A[0], 0, 0) = 1e200;
	ls_step_info info = tt_run_steps(&t, 1);
	assert_true(info.exact);
	assert_false(isfinite(info.grad_norm));
	tt_run_stop(&t);
}

/* Mini-batches differ from step to step and from the full batch: the same start, one SGD
 * step with batch 10 and one with batch ≥ samples (GD) give different factors, and the
 * counters and moments are exposed for snapshots. */
static void test_batches_and_state(void **state)
{
	(void)state;
	ls_config c;
	base_config(&c, LS_PROBLEM_SENSING, 5, 4);
	c.optimizer = LS_OPTIM_SGD;
	c.batch = 10;
	tt_run t;
	tt_run_start(&t, &c);
	ls_lora L0;
	assert_ok(ls_lora_copy(&L0, &t.L, NULL));
	ls_step_info info = tt_run_steps(&t, 1);
	assert_int_equal(info.batch, 10);
	double full;
	assert_ok(ls_optim_eval(t.o, &t.p, &L0, 0.0, &full, NULL, NULL, NULL));
	assert_close(info.loss, full, 1e-15, 0); /* the reported loss is on all samples */
	ls_lora sgd;
	assert_ok(ls_lora_copy(&sgd, &t.L, NULL));
	ls_lora_free(&t.L);
	assert_ok(ls_lora_copy(&t.L, &L0, NULL));
	t.c.batch = (long)t.p.samples;
	info = tt_run_steps(&t, 1);
	assert_int_equal(info.batch, 0);
	assert_false(tt_same_bits(&sgd.A[0], &t.L.A[0]));
	ls_optim_counts k = ls_optim_get_counts(t.o);
	assert_int_equal(k.t, 2);
	ls_mat mA, mB, vA, vB;
	assert_ok(ls_optim_moments(t.o, 0, &mA, &mB, &vA, &vB));
	assert_int_equal(mA.rows, 5);
	assert_int_equal(vB.rows, 4);
	ls_optim_reset(t.o);
	assert_int_equal(ls_optim_get_counts(t.o).t, 0);
	ls_lora_free(&L0);
	ls_lora_free(&sgd);
	tt_run_stop(&t);
}

/* A rank change without reallocating the optimiser is refused, not a crash. */
static void test_shape_mismatch(void **state)
{
	(void)state;
	ls_config c;
	base_config(&c, LS_PROBLEM_APPROX, 6, 5);
	tt_run t;
	tt_run_start(&t, &c);
	assert_ok(ls_lora_set_rank(&t.L, 4, &t.rng, NULL));
	ls_error err;
	ls_step_info info;
	assert_int_equal(ls_optim_step(t.o, &t.p, &t.L, &t.c, &t.rng, &info, &err), LS_EDIM);
	ls_optim_free(t.o);
	assert_ok(ls_optim_alloc(&t.o, &t.L, &t.p, NULL));
	tt_run_steps(&t, 3);
	tt_run_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grad_fd),
		cmocka_unit_test(test_updates_by_hand),
		cmocka_unit_test(test_sequential_by_hand),
		cmocka_unit_test(test_soft_threshold),
		cmocka_unit_test(test_all_decrease),
		cmocka_unit_test(test_mk_descent),
		cmocka_unit_test(test_mk_inequality_can_fail),
		cmocka_unit_test(test_adamw_vs_adam),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_lean_steps),
		cmocka_unit_test(test_batches_and_state),
		cmocka_unit_test(test_shape_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
