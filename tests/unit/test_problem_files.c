/* test_problem_files.c — problems and factors from matrix files (SPEC §1 "loaded"):
 * every problem built from files written with ls_matrix_save gives the f and ∇f computed
 * here from the same matrices in memory; approx from a target file trains to the soft-
 * thresholded SVD of that file (LAPACK); shapes are resolved from the files and mismatches
 * name both sides; a PEFT pair of the fixture adapter maps as A = lora_B, Bᵀ = lora_A;
 * sizes over the readers' limit are refused before allocation; TEXT parameters. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "iotest.h"
#include "lorascope/config.h"
#include "lorascope/fileio.h"
#include "lorascope/init.h"
#include "lorascope/lora.h"
#include "lorascope/problem.h"
#include "lorascope/session.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	scratch_dir(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_dir(dir);
	return 0;
}

/* path := dir/name */
static const char *at(char *path, const char *name)
{
	snprintf(path, 512, "%s/%s", dir, name);
	return path;
}

static ls_mat randmat(size_t r, size_t c, ls_rng *rng, double sd)
{
	ls_mat M;
	assert_ok(ls_mat_alloc(&M, r, c, NULL));
	ls_rng_fill_normal(rng, &M, 0.0, sd);
	return M;
}

static void save(const char *path, const ls_mat *M)
{
	ls_error err;
	if (ls_matrix_save(path, M, &err) != LS_OK)
		fail_msg("save %s: %s", path, err.msg);
}

static void set(ls_config *c, const char *name, const char *value)
{
	ls_error err;
	if (ls_config_set(c, name, value, &err) != LS_OK)
		fail_msg("set --%s %s: %s", name, value, err.msg);
}

/* Resolve (nothing given) and build the problem; fails the test on an error. */
static void build(ls_problem *p, ls_config *c)
{
	ls_error err;
	ls_error_clear(&err);
	if (ls_config_resolve_files(c, NULL, &err) != LS_OK)
		fail_msg("resolve: %s", err.msg);
	ls_rng rng;
	ls_rng_seed(&rng, c->seed);
	if (ls_problem_create(p, c, &rng, &err) != LS_OK)
		fail_msg("create: %s", err.msg);
}

/* The message of resolving c (which must fail with want). */
static void resolve_fails(ls_config *c, const bool *given, ls_status want, char *msg)
{
	ls_error err;
	ls_error_clear(&err);
	ls_status st = ls_config_resolve_files(c, given, &err);
	if (st != want)
		fail_msg("status %s, not %s: %s", ls_strerror(st), ls_strerror(want), err.msg);
	snprintf(msg, LS_ERROR_MSG_MAX, "%s", err.msg);
}

/* f and the factor gradients from the problem against fX(X) and G = ∇f(X) given here. */
static void check_factors(ls_problem *p, const ls_mat *A, const ls_mat *B, double s, double f,
			  const ls_mat *G)
{
	ls_factors F = { .nmod = 1, .A = A, .B = B, .s = &s };
	ls_mat GA, GB, WA, WB;
	assert_ok(ls_mat_alloc(&GA, A->rows, A->cols, NULL));
	assert_ok(ls_mat_alloc(&GB, B->rows, B->cols, NULL));
	assert_ok(ls_mat_alloc(&WA, A->rows, A->cols, NULL));
	assert_ok(ls_mat_alloc(&WB, B->rows, B->cols, NULL));
	double loss;
	assert_ok(p->type->loss_grad(p, &F, NULL, &loss, &GA, &GB));
	assert_close(loss, f, 1e-12, 1e-12);
	ls_mat_gemm(false, false, 1.0, G, B, 0.0, &WA); /* GA = ∇f·B */
	ls_mat_gemm(true, false, 1.0, G, A, 0.0, &WB);  /* GB = ∇fᵀ·A */
	ls_mat_axpy(&WA, -1.0, &GA);
	ls_mat_axpy(&WB, -1.0, &GB);
	assert_true(ls_mat_norm(&WA) <= 1e-12 * (1.0 + ls_mat_norm(&GA)));
	assert_true(ls_mat_norm(&WB) <= 1e-12 * (1.0 + ls_mat_norm(&GB)));
	ls_mat_free(&GA);
	ls_mat_free(&GB);
	ls_mat_free(&WA);
	ls_mat_free(&WB);
}

/* approx: M from .npy and from .csv gives f = ½‖M − X‖², ∇f = X − M; sizes from the file. */
static void test_approx_files(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 11);
	ls_mat M = randmat(7, 5, &rng, 1.0), A = randmat(7, 3, &rng, 0.5),
	       B = randmat(5, 3, &rng, 0.5);
	char path[512];
	const char *names[] = { "m.npy", "m.csv", "m.tsv" };
	for (int k = 0; k < 3; k++) {
		save(at(path, names[k]), &M);
		ls_config c;
		ls_config_defaults(&c);
		set(&c, "problem", "approx");
		set(&c, "target", path);
		ls_problem p;
		build(&p, &c);
		assert_int_equal(c.m, 7);
		assert_int_equal(c.n, 5);
		assert_int_equal(c.rank, 5); /* the default 8 lowered to min(m, n) */
		ls_mat X, G;
		assert_ok(ls_mat_alloc(&X, 7, 5, NULL));
		assert_ok(ls_mat_alloc(&G, 7, 5, NULL));
		ls_mat_gemm(false, true, 1.5, &A, &B, 0.0, &X);
		ls_mat_copy(&G, &X);
		ls_mat_axpy(&G, -1.0, &M);
		double e = ls_mat_norm(&G);
		check_factors(&p, &A, &B, 1.5, 0.5 * e * e, &G);
		ls_mat_free(&X);
		ls_mat_free(&G);
		ls_problem_destroy(&p);
	}
	ls_mat_free(&M);
	ls_mat_free(&A);
	ls_mat_free(&B);
}

/* regression: W0 (.npy), Z (.csv), Y (.tsv) give f = ‖(W0 + X)Z − Y‖²/(2N) and
 * ∇f = ((W0 + X)Z − Y)Zᵀ/N; m, n, N from the files. */
static void test_regression_files(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 12);
	size_t m = 4, n = 3, N = 10;
	ls_mat W0 = randmat(m, n, &rng, 1.0), Z = randmat(n, N, &rng, 1.0),
	       Y = randmat(m, N, &rng, 1.0), A = randmat(m, 2, &rng, 0.5),
	       B = randmat(n, 2, &rng, 0.5);
	char pw[512], pz[512], py[512];
	save(at(pw, "w0.npy"), &W0);
	save(at(pz, "z.csv"), &Z);
	save(at(py, "y.tsv"), &Y);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	set(&c, "w0", pw);
	set(&c, "inputs", pz);
	set(&c, "outputs", py);
	ls_problem p;
	build(&p, &c);
	assert_int_equal(c.m, (long)m);
	assert_int_equal(c.n, (long)n);
	assert_int_equal(c.samples, (long)N);
	assert_int_equal(p.samples, N);
	ls_mat W, R, G;
	assert_ok(ls_mat_alloc(&W, m, n, NULL));
	assert_ok(ls_mat_alloc(&R, m, N, NULL));
	assert_ok(ls_mat_alloc(&G, m, n, NULL));
	ls_mat_copy(&W, &W0);
	ls_mat_gemm(false, true, 1.0, &A, &B, 1.0, &W);
	ls_mat_copy(&R, &Y);
	ls_mat_gemm(false, false, 1.0, &W, &Z, -1.0, &R);
	ls_mat_gemm(false, true, 1.0 / (double)N, &R, &Z, 0.0, &G);
	double e = ls_mat_norm(&R);
	check_factors(&p, &A, &B, 1.0, 0.5 * e * e / (double)N, &G);
	/* α, β = extreme eigenvalues of ZZᵀ/N: every Rayleigh quotient lies between them. */
	for (int t = 0; t < 20; t++) {
		ls_mat v = randmat(n, 1, &rng, 1.0), u;
		assert_ok(ls_mat_alloc(&u, N, 1, NULL));
		ls_mat_gemm(true, false, 1.0, &Z, &v, 0.0, &u);
		double q = ls_mat_dot(&u, &u) / (double)N / ls_mat_dot(&v, &v);
		assert_true(q >= p.alpha_exact * (1 - 1e-12) && q <= p.beta_exact * (1 + 1e-12));
		ls_mat_free(&v);
		ls_mat_free(&u);
	}
	ls_problem_destroy(&p);
	ls_mat_free(&W);
	ls_mat_free(&R);
	ls_mat_free(&G);
	ls_mat_free(&W0);
	ls_mat_free(&Z);
	ls_mat_free(&Y);
	ls_mat_free(&A);
	ls_mat_free(&B);
}

/* Y made from files W0, Z and the planted update X♮ (--target), no noise: f(X♮) = 0 and
 * f(0) = ‖X♮Z‖²/(2N). */
static void test_regression_planted(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 13);
	size_t m = 5, n = 4, N = 9;
	ls_mat W0 = randmat(m, n, &rng, 1.0), Z = randmat(n, N, &rng, 1.0),
	       Xn = randmat(m, n, &rng, 1.0);
	char pw[512], pz[512], px[512];
	save(at(pw, "w0.npy"), &W0);
	save(at(pz, "z.npy"), &Z);
	save(at(px, "x.npy"), &Xn);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	set(&c, "w0", pw);
	set(&c, "inputs", pz);
	set(&c, "target", px);
	ls_problem p;
	build(&p, &c);
	assert_true(p.type->loss_dense(&p, &Xn) < 1e-24);
	ls_mat X0, T;
	assert_ok(ls_mat_alloc(&X0, m, n, NULL));
	assert_ok(ls_mat_alloc(&T, m, N, NULL));
	ls_mat_set_zero(&X0);
	ls_mat_gemm(false, false, 1.0, &Xn, &Z, 0.0, &T);
	double e = ls_mat_norm(&T);
	assert_close(p.type->loss_dense(&p, &X0), 0.5 * e * e / (double)N, 1e-12, 1e-14);
	ls_problem_destroy(&p);
	ls_mat_free(&X0);
	ls_mat_free(&T);
	ls_mat_free(&W0);
	ls_mat_free(&Z);
	ls_mat_free(&Xn);
}

/* trace2: f(0) = ½Tr²(W0); sensing and mlp: f(X♮) = 0 without noise; classify: f(0) is the
 * mean cross-entropy of softmax(W0·z_i) computed here. */
static void test_other_problems(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 14);
	char pw[512], px[512], pz[512], py[512];
	ls_problem p;
	ls_config c;
	/* trace2 */
	ls_mat W = randmat(6, 6, &rng, 1.0), X0;
	save(at(pw, "sq.csv"), &W);
	ls_config_defaults(&c);
	set(&c, "problem", "trace2");
	set(&c, "w0", pw);
	build(&p, &c);
	assert_int_equal(c.m, 6);
	assert_int_equal(c.n, 6);
	assert_ok(ls_mat_alloc(&X0, 6, 6, NULL));
	ls_mat_set_zero(&X0);
	double tr = ls_mat_trace(&W);
	assert_close(p.type->loss_dense(&p, &X0), 0.5 * tr * tr, 1e-12, 1e-14);
	ls_problem_destroy(&p);
	ls_mat_free(&X0);
	ls_mat_free(&W);
	/* sensing and mlp with the planted update from a file */
	ls_mat Xn = randmat(5, 4, &rng, 0.3);
	save(at(px, "xn.npy"), &Xn);
	const char *probs[] = { "sensing", "mlp" };
	for (int k = 0; k < 2; k++) {
		ls_config_defaults(&c);
		set(&c, "problem", probs[k]);
		set(&c, "target", px);
		build(&p, &c);
		assert_int_equal(c.m, 5);
		assert_int_equal(c.n, 4);
		assert_true(p.type->loss_dense(&p, &Xn) < 1e-24);
		assert_true(p.type->loss_dense(&p, &p.target) < 1e-24);
		ls_problem_destroy(&p);
	}
	/* mlp's W1⁰ from a file: f(X♮) = 0 still (the teacher uses the same W1⁰). */
	ls_mat W1 = randmat(5, 4, &rng, 0.5);
	save(at(pw, "w1.npy"), &W1);
	ls_config_defaults(&c);
	set(&c, "problem", "mlp");
	set(&c, "w0", pw);
	set(&c, "target", px);
	build(&p, &c);
	assert_true(p.type->loss_dense(&p, &Xn) < 1e-24);
	ls_problem_destroy(&p);
	ls_mat_free(&W1);
	ls_mat_free(&Xn);
	/* classify */
	size_t m = 3, n = 4, N = 7;
	ls_mat W0 = randmat(m, n, &rng, 1.0), Z = randmat(n, N, &rng, 1.0), Lab;
	assert_ok(ls_mat_alloc(&Lab, N, 1, NULL));
	for (size_t i = 0; i < N; i++)
		Lab.data[i] = (double)(i % m);
	save(at(pw, "cw.npy"), &W0);
	save(at(pz, "cz.npy"), &Z);
	save(at(py, "labels.csv"), &Lab);
	ls_config_defaults(&c);
	set(&c, "problem", "classify");
	set(&c, "w0", pw);
	set(&c, "inputs", pz);
	set(&c, "outputs", py);
	build(&p, &c);
	assert_int_equal(c.samples, (long)N);
	double ce = 0.0;
	for (size_t i = 0; i < N; i++) {
		double u[3], mx = -INFINITY, sum = 0.0;
		for (size_t a = 0; a < m; a++) {
			u[a] = 0.0;
			for (size_t j = 0; j < n; j++)
				u[a] += LS_AT(W0, a, j) * LS_AT(Z, j, i);
			mx = fmax(mx, u[a]);
		}
		for (size_t a = 0; a < m; a++)
			sum += exp(u[a] - mx);
		ce += log(sum) + mx - u[i % m];
	}
	assert_ok(ls_mat_alloc(&X0, m, n, NULL));
	ls_mat_set_zero(&X0);
	assert_close(p.type->loss_dense(&p, &X0), ce / (double)N, 1e-12, 1e-14);
	ls_problem_destroy(&p);
	/* a label outside [0, m) is refused naming the file and the label */
	Lab.data[2] = 3.0;
	save(at(py, "badlabels.csv"), &Lab);
	set(&c, "outputs", py);
	ls_rng_seed(&rng, 1);
	ls_error err;
	assert_int_equal(ls_problem_create(&p, &c, &rng, &err), LS_ERANGE);
	assert_contains(err.msg, "badlabels.csv");
	assert_contains(err.msg, "label 3 is 3");
	ls_problem_destroy(&p);
	ls_mat_free(&X0);
	ls_mat_free(&W0);
	ls_mat_free(&Z);
	ls_mat_free(&Lab);
}

/* approx from a target file, GD with weight decay λ and s = 1: X → SVT_λ(M) (the
 * soft-thresholded SVD of the file, MATH.md §3 / Kim–Kim–Ryu), checked with LAPACK. */
static void test_approx_trains_to_svt(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 15);
	size_t m = 8, n = 6;
	ls_mat M = randmat(m, n, &rng, 0.4), U, Vt, W;
	double sv[6];
	ls_error err;
	ls_error_clear(&err);
	assert_ok(ls_mat_alloc(&U, m, n, NULL));
	assert_ok(ls_mat_alloc(&Vt, n, n, NULL));
	assert_ok(ls_mat_alloc(&W, m, n, NULL));
	/* M with singular values away from λ = 0.3 (GD is slow on those near it). */
	const double want[6] = { 2.0, 1.2, 0.8, 0.1, 0.05, 0.02 };
	assert_ok(ls_mat_svd(&M, sv, &U, &Vt, &err));
	for (size_t i = 0; i < n; i++) {
		ls_mat ui = ls_mat_cols(U, i, 1);
		ls_mat_scale(&ui, want[i]);
	}
	ls_mat_gemm(false, false, 1.0, &U, &Vt, 0.0, &M);
	char path[512];
	save(at(path, "svt.npy"), &M);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "target", path);
	set(&c, "rank", "6");
	set(&c, "lambda", "0.3");
	set(&c, "lr", "0.1");
	set(&c, "init", "init2");
	set(&c, "baseline", "off");
	assert_ok(ls_config_resolve_files(&c, NULL, &err));
	ls_session *s;
	if (ls_session_create(&s, &c, &err) != LS_OK)
		fail_msg("session: %s", err.msg);
	assert_ok(ls_session_step(s, 20000, &err));
	const ls_lora *L = ls_session_lora(s);
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, m, n, NULL));
	ls_mat_gemm(false, true, L->s[0], &L->A[0], &L->B[0], 0.0, &X);
	ls_mat_copy(&W, &M);
	assert_ok(ls_mat_svd(&W, sv, &U, &Vt, &err));
	int kept = 0;
	for (size_t i = 0; i < n; i++) {
		double t = sv[i] > 0.3 ? sv[i] - 0.3 : 0.0;
		kept += t > 0.0;
		ls_mat ui = ls_mat_cols(U, i, 1);
		ls_mat_scale(&ui, t);
	}
	assert_true(kept > 0 && kept < (int)n); /* the threshold bites, and not everywhere */
	ls_mat_gemm(false, false, 1.0, &U, &Vt, 0.0, &W);
	ls_mat_axpy(&W, -1.0, &X);
	if (!(ls_mat_norm(&W) < 1e-6))
		fail_msg("|X - SVT(M)| = %g", ls_mat_norm(&W));
	ls_session_free(s);
	ls_mat_free(&X);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
	ls_mat_free(&W);
	ls_mat_free(&M);
}

/* Mismatches name both files (or the option) and both shapes; files a problem does not read
 * are refused naming the option; the problems refuse a file that disagrees with --m/--n. */
static void test_mismatch_messages(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 16);
	ls_mat W0 = randmat(4, 3, &rng, 1.0), Z = randmat(5, 10, &rng, 1.0),
	       Y = randmat(4, 9, &rng, 1.0);
	char pw[512], pz[512], py[512], msg[LS_ERROR_MSG_MAX];
	save(at(pw, "w0.npy"), &W0);
	save(at(pz, "z.npy"), &Z);
	save(at(py, "y.npy"), &Y);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	set(&c, "w0", pw);
	set(&c, "inputs", pz);
	resolve_fails(&c, NULL, LS_EDIM, msg);
	assert_contains(msg, "--inputs");
	assert_contains(msg, "z.npy is 5×10");
	assert_contains(msg, "w0.npy");
	assert_contains(msg, "3×*");
	/* outputs vs inputs: N differs */
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	set(&c, "inputs", pz);
	set(&c, "outputs", py);
	resolve_fails(&c, NULL, LS_EDIM, msg);
	assert_contains(msg, "y.npy is 4×9");
	assert_contains(msg, "z.npy needs *×10");
	/* a given --m disagrees */
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	set(&c, "w0", pw);
	set(&c, "m", "9");
	bool given[LS_PARAM_COUNT] = { false };
	given[LS_PARAM_m] = true;
	resolve_fails(&c, given, LS_EDIM, msg);
	assert_contains(msg, "w0.npy is 4×3, but --m 9 needs 9×*");
	assert_int_equal(c.m, 9); /* unchanged on failure */
	/* the same --m not given: the file wins */
	assert_ok(ls_config_resolve_files(&c, NULL, NULL));
	assert_int_equal(c.m, 4);
	/* a file approx does not read */
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "w0", pw);
	resolve_fails(&c, NULL, LS_EINVAL, msg);
	assert_contains(msg, "--w0: approx reads no such file");
	ls_config_defaults(&c);
	set(&c, "problem", "loud5");
	set(&c, "target", pw);
	resolve_fails(&c, NULL, LS_EINVAL, msg);
	assert_contains(msg, "--target");
	/* a missing file: one line naming the option and the file */
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "target", "/nonexistent/t.npy");
	resolve_fails(&c, NULL, LS_EIO, msg);
	assert_contains(msg, "--target: /nonexistent/t.npy");
	assert_null(strchr(msg, '\n'));
	/* unresolved config: the problem itself refuses the file, naming both shapes */
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "target", pw);
	ls_problem p;
	ls_error err;
	assert_int_equal(ls_problem_create(&p, &c, &rng, &err), LS_EDIM);
	assert_contains(err.msg, "--target: ");
	assert_contains(err.msg, "w0.npy is 4×3, but --m 64 --n 64 needs 64×64");
	ls_problem_destroy(&p);
	ls_mat_free(&W0);
	ls_mat_free(&Z);
	ls_mat_free(&Y);
}

/* The fixture adapter's q_lin pair of layer 0: --init-a-file lora_B, --init-b-file lora_A
 * (r×n, transposed); sizes and r from the files; s·A·Bᵀ = (16/8)·B_peft·A_peft formed here
 * by loops. A B file of the wrong shape is refused naming it and both shapes. */
static void test_peft_pair(void **state)
{
	(void)state;
	const char *mod = "base_model.model.distilbert.transformer.layer.0.attention.q_lin";
	char a[600], b[600];
	snprintf(a, sizeof a, "%s/peft-distilbert-imdb/adapter_model.safetensors:%s.lora_B.weight",
		 LS_TEST_DATA, mod);
	snprintf(b, sizeof b, "%s/peft-distilbert-imdb/adapter_model.safetensors:%s.lora_A.weight",
		 LS_TEST_DATA, mod);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "trace2");
	set(&c, "init-a-file", a);
	set(&c, "init-b-file", b);
	set(&c, "scaling", "alpha-r");
	set(&c, "alpha", "16");
	ls_problem p;
	build(&p, &c);
	assert_int_equal(c.m, 768);
	assert_int_equal(c.n, 768);
	assert_int_equal(c.rank, 8);
	ls_lora L;
	ls_rng rng;
	ls_rng_seed(&rng, 3);
	ls_error err;
	assert_ok(ls_lora_alloc(&L, &p, (size_t)c.rank, c.scaling, c.alpha, &err));
	if (ls_init_apply(&L, &p, &c, &rng, &err) != LS_OK)
		fail_msg("init: %s", err.msg);
	assert_close(L.s[0], 2.0, 0, 0);
	ls_mat Bp, Ap, X;
	assert_ok(ls_matrix_load(a, &Bp, &err)); /* lora_B 768×8 */
	assert_ok(ls_matrix_load(b, &Ap, &err)); /* lora_A 8×768 */
	assert_int_equal(Bp.rows, 768);
	assert_int_equal(Ap.rows, 8);
	assert_ok(ls_mat_alloc(&X, 768, 768, NULL));
	ls_mat_gemm(false, true, L.s[0], &L.A[0], &L.B[0], 0.0, &X);
	double maxerr = 0.0, maxval = 0.0;
	for (size_t j = 0; j < 768; j += 7)
		for (size_t i = 0; i < 768; i += 5) {
			double d = 0.0;
			for (size_t k = 0; k < 8; k++)
				d += LS_AT(Bp, i, k) * LS_AT(Ap, k, j);
			d *= 2.0;
			maxerr = fmax(maxerr, fabs(d - LS_AT(X, i, j)));
			maxval = fmax(maxval, fabs(d));
		}
	assert_true(maxval > 0.0);
	assert_true(maxerr <= 1e-12 * maxval);
	ls_mat_free(&X);
	ls_mat_free(&Bp);
	ls_mat_free(&Ap);
	ls_lora_free(&L);
	ls_problem_destroy(&p);
	/* A given --rank that disagrees with the files */
	ls_config_defaults(&c);
	set(&c, "problem", "trace2");
	set(&c, "init-a-file", a);
	set(&c, "rank", "4");
	bool given[LS_PARAM_COUNT] = { false };
	given[LS_PARAM_rank] = true;
	char msg[LS_ERROR_MSG_MAX];
	resolve_fails(&c, given, LS_EDIM, msg);
	assert_contains(msg, "is 768×8, but --rank 4 needs *×4");
	/* our own n×r B from .npy; then a B of the wrong shape */
	ls_rng_seed(&rng, 17);
	ls_mat M = randmat(6, 5, &rng, 1.0), Bo = randmat(5, 2, &rng, 1.0),
	       Bbad = randmat(4, 2, &rng, 1.0);
	char pm[512], pb[512];
	save(at(pm, "m.npy"), &M);
	save(at(pb, "b.npy"), &Bo);
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "target", pm);
	set(&c, "init-b-file", pb);
	build(&p, &c);
	assert_int_equal(c.rank, 2);
	assert_ok(ls_lora_alloc(&L, &p, (size_t)c.rank, c.scaling, c.alpha, &err));
	assert_ok(ls_init_apply(&L, &p, &c, &rng, &err));
	ls_mat_axpy(&L.B[0], -1.0, &Bo);
	assert_true(ls_mat_norm(&L.B[0]) == 0.0);
	ls_lora_free(&L);
	ls_problem_destroy(&p);
	save(at(pb, "bbad.npy"), &Bbad);
	set(&c, "init-b-file", pb);
	resolve_fails(&c, NULL, LS_EDIM, msg);
	assert_contains(msg, "bbad.npy is 4×2, but --target");
	assert_contains(msg, "m.npy needs 5×r");
	ls_mat_free(&M);
	ls_mat_free(&Bo);
	ls_mat_free(&Bbad);
}

/* Sizes over the readers' limit (2^31 elements) are refused from the header, before any
 * allocation: .npy and Matrix Market files announcing 2^20 × 2^20 (8 TiB), a safetensors
 * tensor of 2^31 + 2^16 bytes, and a CSV over the 1 GiB text limit, each through --target. */
static void test_size_limit(void **state)
{
	(void)state;
	char pn[512], pm[512];
	at(pn, "huge.npy");
	char hdr[128];
	int len = snprintf(
		hdr, sizeof hdr,
		"{'descr': '<f8', 'fortran_order': False, 'shape': (1048576, 1048576), }");
	int total = 10 + len + 1, pad = (64 - total % 64) % 64;
	FILE *f = fopen(pn, "wb");
	assert_non_null(f);
	unsigned short hl = (unsigned short)(len + pad + 1);
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc(hl & 0xff, f);
	fputc(hl >> 8, f);
	fwrite(hdr, 1, (size_t)len, f);
	for (int i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	fwrite("\0\0\0\0\0\0\0\0", 1, 8, f);
	fclose(f);
	f = fopen(at(pm, "huge.mtx"), "w");
	assert_non_null(f);
	fputs("%%MatrixMarket matrix array real general\n1048576 1048576\n1.0\n", f);
	fclose(f);
	char ps[512], pc[512];
	/* safetensors: the byte range must hold the tensor, so it is one just over 2^31 one-byte
	 * elements in a sparse file (2 GiB announced, a few bytes on disk). */
	f = fopen(at(ps, "huge.safetensors"), "wb");
	assert_non_null(f);
	const char *js = "{\"t\":{\"dtype\":\"U8\",\"shape\":[65536,32769],"
			 "\"data_offsets\":[0,2147549184]}}";
	unsigned long long jl = strlen(js);
	for (int i = 0; i < 8; i++)
		fputc((int)((jl >> (8 * i)) & 0xff), f);
	fputs(js, f);
	fclose(f);
	assert_int_equal(truncate(ps, (off_t)(8 + jl + 2147549184ULL)), 0);
	/* A CSV over the text limit (a sparse file: nothing is written to disk). */
	f = fopen(at(pc, "huge.csv"), "wb");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(truncate(pc, (off_t)LS_TEXT_MAX_BYTES + 1), 0);
	char pst[600];
	snprintf(pst, sizeof pst, "%s:t", ps);
	const char *paths[] = { pn, pm, pst, pc };
	const char *names[] = { "huge.npy", "huge.mtx", "huge.safetensors", "huge.csv" };
	for (int k = 0; k < 4; k++) {
		ls_config c;
		ls_config_defaults(&c);
		set(&c, "problem", "approx");
		set(&c, "target", paths[k]);
		char msg[LS_ERROR_MSG_MAX];
		resolve_fails(&c, NULL, LS_ETOOBIG, msg);
		assert_contains(msg, "--target: ");
		assert_contains(msg, names[k]);
	}
}

/* TEXT parameters: round trip through format/set, "" clears, control characters and
 * over-long names refused, configs copy by value. */
static void test_text_param(void **state)
{
	(void)state;
	ls_config c, d;
	ls_config_defaults(&c);
	assert_string_equal(c.target, "");
	set(&c, "target", "dir/with space/a.safetensors:x.lora_A.weight");
	char buf[LS_PARAM_VALUE_MAX];
	ls_config_format(&c, LS_PARAM_target, buf, sizeof buf);
	assert_string_equal(buf, "dir/with space/a.safetensors:x.lora_A.weight");
	d = c;
	set(&c, "target", "");
	assert_string_equal(c.target, "");
	assert_string_equal(d.target, buf);
	ls_error err;
	assert_int_equal(ls_config_set(&c, "w0", "a\nb.npy", &err), LS_EINVAL);
	assert_contains(err.msg, "--w0");
	char longname[LS_PARAM_TEXT_MAX + 8];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(ls_config_set(&c, "w0", longname, &err), LS_ERANGE);
	assert_string_equal(c.w0, "");
	const ls_param_info *p = ls_param_find("init-b-file");
	assert_non_null(p);
	assert_int_equal(p->type, LS_P_TEXT);
	assert_string_equal(p->group, "files");
}

/* Mid-run: setting --target rebuilds the session with the file's shape (the default rank
 * lowered to fit); a later --m that disagrees is refused naming the file; "" clears it. */
static void test_session_set(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 18);
	ls_mat M = randmat(7, 5, &rng, 1.0);
	char path[512];
	save(at(path, "mid.npy"), &M);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "m", "10");
	set(&c, "n", "10");
	set(&c, "rank", "6");
	ls_session *s;
	ls_error err;
	ls_error_clear(&err);
	assert_ok(ls_session_create(&s, &c, &err));
	if (ls_session_set(s, "target", path, NULL, &err) != LS_OK)
		fail_msg("set --target: %s", err.msg);
	const ls_problem *p = ls_session_problem(s);
	assert_int_equal(p->shape[0].m, 7);
	assert_int_equal(p->shape[0].n, 5);
	assert_int_equal(ls_session_config(s)->m, 7);
	assert_int_equal(ls_session_lora(s)->r, 5);
	assert_true(ls_mat_norm(&p->target) == ls_mat_norm(&M));
	assert_int_equal(ls_session_set(s, "m", "9", NULL, &err), LS_EDIM);
	assert_contains(err.msg, "mid.npy is 7×5, but --m 9 needs 9×*");
	assert_int_equal(ls_session_config(s)->m, 7);
	assert_ok(ls_session_set(s, "target", "", NULL, &err));
	assert_ok(ls_session_set(s, "m", "9", NULL, &err));
	assert_int_equal(ls_session_problem(s)->shape[0].m, 9);
	ls_session_free(s);
	ls_mat_free(&M);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_approx_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regression_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regression_planted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approx_trains_to_svt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatch_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peft_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test(test_text_param),
		cmocka_unit_test_setup_teardown(test_session_set, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
