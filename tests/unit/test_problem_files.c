/* test_problem_files.c — problems and factors from loaded matrices (SPEC §1 "loaded"), built
 * in memory as a loader would hand them over (inputs.h): every problem gives the f and ∇f
 * computed here from the same matrices; approx from a target trains to the soft-thresholded
 * SVD of it (LAPACK); shapes are resolved from the matrices and mismatches name both files;
 * a file parameter set mid-run comes with its matrix; TEXT parameters. Reading the files
 * (formats, the PEFT fixture, size limits, each file once) is test_inputs.c's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "iotest.h"
#include "lorascope/config.h"
#include "lorascope/init.h"
#include "lorascope/inputs.h"
#include "lorascope/lora.h"
#include "lorascope/problem.h"
#include "lorascope/session.h"

static ls_mat randmat(size_t r, size_t c, ls_rng *rng, double sd)
{
	ls_mat M;
	assert_ok(ls_mat_alloc(&M, r, c, NULL));
	ls_rng_fill_normal(rng, &M, 0.0, sd);
	return M;
}

static void set(ls_config *c, const char *name, const char *value)
{
	ls_error err;
	if (ls_config_set(c, name, value, &err) != LS_OK)
		fail_msg("set --%s %s: %s", name, value, err.msg);
}

/* The file parameter name := file, with M as the matrix loaded from it. */
static void give(ls_config *c, ls_inputs *in, const char *name, const char *file, const ls_mat *M)
{
	set(c, name, file);
	int k = ls_input_of_param((ls_param_id)(ls_param_find(name) - ls_params));
	assert_true(k >= 0);
	assert_ok(ls_inputs_put(in, (ls_input_id)k, M, NULL));
}

/* Resolve (nothing given) and build the problem; fails the test on an error. */
static void build(ls_problem *p, ls_config *c, const ls_inputs *in)
{
	ls_error err;
	ls_error_clear(&err);
	if (ls_config_resolve_inputs(c, NULL, in, &err) != LS_OK)
		fail_msg("resolve: %s", err.msg);
	ls_rng rng;
	ls_rng_seed(&rng, c->seed);
	if (ls_problem_create(p, c, in, &rng, &err) != LS_OK)
		fail_msg("create: %s", err.msg);
}

/* The message of resolving c (which must fail with want). */
static void resolve_fails(ls_config *c, const bool *given, const ls_inputs *in, ls_status want,
			  char *msg)
{
	ls_error err;
	ls_error_clear(&err);
	ls_status st = ls_config_resolve_inputs(c, given, in, &err);
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
	ls_inputs in = { 0 };
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	give(&c, &in, "w0", "w0.npy", &W0);
	give(&c, &in, "inputs", "z.csv", &Z);
	give(&c, &in, "outputs", "y.tsv", &Y);
	ls_problem p;
	build(&p, &c, &in);
	ls_inputs_free(&in);
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
	ls_inputs in = { 0 };
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	give(&c, &in, "w0", "w0.npy", &W0);
	give(&c, &in, "inputs", "z.npy", &Z);
	give(&c, &in, "target", "x.npy", &Xn);
	ls_problem p;
	build(&p, &c, &in);
	ls_inputs_free(&in);
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
	ls_inputs in = { 0 };
	ls_problem p;
	ls_config c;
	/* trace2 */
	ls_mat W = randmat(6, 6, &rng, 1.0), X0;
	ls_config_defaults(&c);
	set(&c, "problem", "trace2");
	give(&c, &in, "w0", "sq.csv", &W);
	build(&p, &c, &in);
	ls_inputs_free(&in);
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
	const char *probs[] = { "sensing", "mlp" };
	for (int k = 0; k < 2; k++) {
		ls_config_defaults(&c);
		set(&c, "problem", probs[k]);
		give(&c, &in, "target", "xn.npy", &Xn);
		build(&p, &c, &in);
		ls_inputs_free(&in);
		assert_int_equal(c.m, 5);
		assert_int_equal(c.n, 4);
		assert_true(p.type->loss_dense(&p, &Xn) < 1e-24);
		assert_true(p.type->loss_dense(&p, &p.target) < 1e-24);
		ls_problem_destroy(&p);
	}
	/* mlp's W1⁰ from a file: f(X♮) = 0 still (the teacher uses the same W1⁰). */
	ls_mat W1 = randmat(5, 4, &rng, 0.5);
	ls_config_defaults(&c);
	set(&c, "problem", "mlp");
	give(&c, &in, "w0", "w1.npy", &W1);
	give(&c, &in, "target", "xn.npy", &Xn);
	build(&p, &c, &in);
	ls_inputs_free(&in);
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
	ls_config_defaults(&c);
	set(&c, "problem", "classify");
	give(&c, &in, "w0", "cw.npy", &W0);
	give(&c, &in, "inputs", "cz.npy", &Z);
	give(&c, &in, "outputs", "labels.csv", &Lab);
	build(&p, &c, &in);
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
	give(&c, &in, "outputs", "badlabels.csv", &Lab);
	ls_rng_seed(&rng, 1);
	ls_error err;
	assert_int_equal(ls_problem_create(&p, &c, &in, &rng, &err), LS_ERANGE);
	ls_inputs_free(&in);
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
	ls_inputs in = { 0 };
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	give(&c, &in, "target", "svt.npy", &M);
	set(&c, "rank", "6");
	set(&c, "lambda", "0.3");
	set(&c, "lr", "0.1");
	set(&c, "init", "init2");
	set(&c, "baseline", "off");
	assert_ok(ls_config_resolve_inputs(&c, NULL, &in, &err));
	ls_session *s;
	if (ls_session_create(&s, &c, &in, &err) != LS_OK)
		fail_msg("session: %s", err.msg);
	ls_inputs_free(&in);
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
	char msg[LS_ERROR_MSG_MAX];
	ls_inputs in = { 0 };
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	give(&c, &in, "w0", "w0.npy", &W0);
	give(&c, &in, "inputs", "z.npy", &Z);
	assert_ok(ls_inputs_put(&in, LS_INPUT_OUTPUTS, &Y, NULL)); /* y.npy, named below */
	resolve_fails(&c, NULL, &in, LS_EDIM, msg);
	assert_contains(msg, "--inputs");
	assert_contains(msg, "z.npy is 5×10");
	assert_contains(msg, "w0.npy");
	assert_contains(msg, "3×*");
	/* outputs vs inputs: N differs */
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	set(&c, "inputs", "z.npy");
	set(&c, "outputs", "y.npy");
	resolve_fails(&c, NULL, &in, LS_EDIM, msg);
	assert_contains(msg, "y.npy is 4×9");
	assert_contains(msg, "z.npy needs *×10");
	/* a given --m disagrees */
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	set(&c, "w0", "w0.npy");
	set(&c, "m", "9");
	bool given[LS_PARAM_COUNT] = { false };
	given[LS_PARAM_m] = true;
	resolve_fails(&c, given, &in, LS_EDIM, msg);
	assert_contains(msg, "w0.npy is 4×3, but --m 9 needs 9×*");
	assert_int_equal(c.m, 9); /* unchanged on failure */
	/* the same --m not given: the file wins */
	assert_ok(ls_config_resolve_inputs(&c, NULL, &in, NULL));
	assert_int_equal(c.m, 4);
	/* a file approx does not read */
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "w0", "w0.npy");
	resolve_fails(&c, NULL, &in, LS_EINVAL, msg);
	assert_contains(msg, "--w0: approx reads no such file");
	ls_config_defaults(&c);
	set(&c, "problem", "loud5");
	set(&c, "target", "w0.npy");
	resolve_fails(&c, NULL, &in, LS_EINVAL, msg);
	assert_contains(msg, "--target");
	/* a file whose matrix was not loaded: named with its option */
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "target", "/nonexistent/t.npy");
	resolve_fails(&c, NULL, &in, LS_EINVAL, msg);
	assert_contains(msg, "--target: /nonexistent/t.npy: not loaded");
	/* unresolved config: the problem itself refuses the file, naming both shapes */
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	give(&c, &in, "target", "w0.npy", &W0);
	ls_problem p;
	ls_error err;
	assert_int_equal(ls_problem_create(&p, &c, &in, &rng, &err), LS_EDIM);
	assert_contains(err.msg, "--target: ");
	assert_contains(err.msg, "w0.npy is 4×3, but --m 64 --n 64 needs 64×64");
	ls_problem_destroy(&p);
	/* a named file without its matrix: the problem refuses it */
	assert_int_equal(ls_problem_create(&p, &c, NULL, &rng, &err), LS_EINVAL);
	assert_contains(err.msg, "--target: w0.npy: not loaded");
	ls_problem_destroy(&p);
	ls_inputs_free(&in);
	ls_mat_free(&W0);
	ls_mat_free(&Z);
	ls_mat_free(&Y);
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
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "m", "10");
	set(&c, "n", "10");
	set(&c, "rank", "6");
	ls_session *s;
	ls_error err;
	ls_error_clear(&err);
	assert_ok(ls_session_create(&s, &c, NULL, &err));
	/* a new file comes with its matrix */
	assert_int_equal(ls_session_set(s, "target", "mid.npy", NULL, &err), LS_EINVAL);
	assert_contains(err.msg, "--target: mid.npy: not loaded");
	if (ls_session_set_file(s, "target", "mid.npy", &M, NULL, &err) != LS_OK)
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
		cmocka_unit_test(test_regression_files),
		cmocka_unit_test(test_regression_planted),
		cmocka_unit_test(test_other_problems),
		cmocka_unit_test(test_approx_trains_to_svt),
		cmocka_unit_test(test_mismatch_messages),
		cmocka_unit_test(test_text_param),
		cmocka_unit_test(test_session_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
