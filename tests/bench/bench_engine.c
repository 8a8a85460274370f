/* bench_engine.c — `make bench`: steps/s and GFLOP/s of training steps, the approx step at
 * 2048×2048, r = 16 against one read pass over M with one and two BLAS threads, and the
 * cheap spectrum (MATH.md §8). Figures only, no assertions: timing belongs here, never in
 * make check. Every figure comes from this one run, so compare them as ratios. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "lorascope/optim.h"
#include "lorascope/session.h"
#include "lorascope/spectrum.h"

/* Seconds per timed figure, in windows whose best is reported. */
#define BENCH_T 0.5
#define BENCH_WINDOWS 5
#define SESSION_WINDOWS 3
#define SESSION_MIN 32
#define SESSION_MAX 4096
#define OPT_STEPS 256

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU seconds of every thread of the process. */
static double cpu_now(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what, const ls_error *err)
{
	fprintf(stderr, "bench: %s: %s\n", what, err->msg);
	exit(1);
}

static void set(ls_config *c, const char *name, long v)
{
	char buf[32];
	ls_error err;
	ls_error_clear(&err);
	snprintf(buf, sizeof buf, "%ld", v);
	if (ls_config_set(c, name, buf, &err) != LS_OK)
		die(name, &err);
}

static ls_session *make(const char *problem, long m, long n, long r, const char *optimizer)
{
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	ls_error_clear(&err);
	if (ls_config_set(&c, "problem", problem, &err) != LS_OK ||
	    ls_config_set(&c, "optimizer", optimizer, &err) != LS_OK ||
	    ls_config_set(&c, "lr", "0.01", &err) != LS_OK ||
	    ls_config_set(&c, "baseline", "off", &err) != LS_OK)
		die("config", &err);
	set(&c, "m", m);
	set(&c, "n", n);
	set(&c, "rank", r);
	ls_session *s;
	if (ls_session_create(&s, &c, NULL, &err) != LS_OK)
		die("session", &err);
	return s;
}

/* Seconds per session step: the best of SESSION_WINDOWS calls of k steps (at least
 * SESSION_MIN, about BENCH_T/BENCH_WINDOWS seconds), each from a fresh start (the reset is
 * not timed): a long run reaches a fixed point in floating point, where a step from the
 * same factors reuses its gradient, and would flatter the figure. Each call ends with one
 * evaluation of the final state, 1/SESSION_MIN of a step or less per step. */
static double time_session(ls_session *s)
{
	ls_error err;
	double t0 = now();
	if (ls_session_step(s, 1, &err) != LS_OK)
		die("step", &err);
	double est = now() - t0, best = INFINITY;
	long k = (long)(BENCH_T / BENCH_WINDOWS / (est > 1e-7 ? est : 1e-7));
	k = k < SESSION_MIN ? SESSION_MIN : k > SESSION_MAX ? SESSION_MAX : k;
	for (int w = 0; w < SESSION_WINDOWS; w++) {
		if (ls_session_reset(s, &err) != LS_OK)
			die("reset", &err);
		t0 = now();
		if (ls_session_step(s, k, &err) != LS_OK)
			die("step", &err);
		double t = (now() - t0) / (double)k;
		best = t < best ? t : best;
	}
	return best;
}

static void one_step(void *arg)
{
	ls_error err;
	if (ls_session_step(arg, 1, &err) != LS_OK)
		die("step", &err);
}

static double time_fn(void (*f)(void *), void *arg, double *cpu);

static void row(const char *what, int threads, double sec, double flops)
{
	printf("%-40s %7d %12.1f %12.4f %9.2f\n", what, threads, 1.0 / sec, 1e3 * sec,
	       flops > 0 ? flops / sec * 1e-9 : NAN);
}

/* One approx GD step: M·B and Mᵀ·A (4mnr), two Grams and two r×r products (8(m+n)r²). */
static double approx_flops(double m, double n, double r)
{
	return 4 * m * n * r + 8 * (m + n) * r * r;
}

static void session_row(const char *problem, long m, long n, long r, const char *opt, int threads)
{
	openblas_set_num_threads(threads);
	ls_session *s = make(problem, m, n, r, opt);
	double dm = (double)m, dn = (double)n, dr = (double)r;
	double N = (double)ls_session_problem(s)->samples, flops = 0.0;
	char what[64];
	if (strcmp(problem, "approx") == 0) {
		flops = approx_flops(dm, dn, dr);
		snprintf(what, sizeof what, "approx %ldx%ld r=%ld %s", m, n, r, opt);
	} else if (strcmp(problem, "sensing") == 0) {
		/* X formed (2mnr), residuals and Σ r_i S_i over the mn×N matrix (4mnN), the
		 * two factor products (4mnr). */
		flops = 4 * dm * dn * N + 6 * dm * dn * dr;
		snprintf(what, sizeof what, "sensing %ldx%ld r=%ld N=%.0f %s", m, n, r, N, opt);
	} else {
		/* BᵀZ, A·(BᵀZ), R·(BᵀZ)ᵀ, AᵀR, Z·(AᵀR)ᵀ over N samples: 2rN(3m + 2n). */
		flops = 2 * dr * N * (3 * dm + 2 * dn);
		snprintf(what, sizeof what, "%s %ldx%ld r=%ld N=%.0f %s", problem, m, n, r, N, opt);
	}
	row(what, threads, time_session(s), flops);
	ls_session_free(s);
}

/* Seconds per call of f(arg): the best of BENCH_WINDOWS windows of about
 * BENCH_T/BENCH_WINDOWS seconds (and at least 2 calls) each; *cpu (may be NULL) gets the
 * CPU seconds per call, all threads, of that window. */
static double time_fn(void (*f)(void *), void *arg, double *cpu)
{
	double best = INFINITY;
	f(arg);
	for (int w = 0; w < BENCH_WINDOWS; w++) {
		double t0 = now(), c0 = cpu_now(), t;
		long reps = 0;
		while ((t = now() - t0) < BENCH_T / BENCH_WINDOWS || reps < 2) {
			f(arg);
			reps++;
		}
		t /= (double)reps;
		if (t < best) {
			best = t;
			if (cpu)
				*cpu = (cpu_now() - c0) / (double)reps;
		}
	}
	return best;
}

typedef struct {
	const ls_mat *M;
	double *copy;
	double sink;
	ls_problem *p;
	ls_factors F;
	ls_mat GA, GB;
	ls_spectrum_ws *ws;
	const ls_lora *L;
	ls_optim *o;
	ls_lora Lo, L0;
	const ls_config *cfg;
	ls_rng rng;
} bench_ctx;

static void read_pass(void *arg)
{
	bench_ctx *c = arg;
	c->sink += cblas_dasum((int)(c->M->rows * c->M->cols), c->M->data, 1);
}

static void copy_pass(void *arg)
{
	bench_ctx *c = arg;
	memcpy(c->copy, c->M->data, c->M->rows * c->M->cols * sizeof(double));
	c->sink += c->copy[c->M->rows];
}

static void loss_grad(void *arg)
{
	bench_ctx *c = arg;
	double f;
	c->p->type->loss_grad(c->p, &c->F, NULL, &f, &c->GA, &c->GB);
	c->sink += f;
}

static void spectrum(void *arg)
{
	bench_ctx *c = arg;
	double sig[64], gd;
	ls_error err;
	if (ls_spectrum_lowrank(c->ws, &c->L->A[0], &c->L->B[0], c->L->s[0], sig, &gd, NULL, NULL,
				&err) != LS_OK)
		die("spectrum", &err);
	c->sink += sig[0] + gd;
}

/* OPT_STEPS optimiser steps from the initial factors (restored first: see time_session). */
static void optim_step(void *arg)
{
	bench_ctx *c = arg;
	ls_step_info info;
	ls_error err;
	if (ls_lora_copy(&c->Lo, &c->L0, &err) != LS_OK)
		die("copy", &err);
	ls_optim_reset(c->o);
	for (int k = 0; k < OPT_STEPS; k++)
		if (ls_optim_step(c->o, c->p, &c->Lo, c->cfg, &c->rng, &info, &err) != LS_OK)
			die("optimiser step", &err);
}

/* The optimiser step alone, the cheap spectrum alone and the session step at m×n, rank r. */
static void breakdown(long m, long n, long r, double *sink)
{
	openblas_set_num_threads(1);
	ls_session *s = make("approx", m, n, r, "gd");
	bench_ctx c;
	memset(&c, 0, sizeof c);
	ls_error err;
	c.p = (ls_problem *)ls_session_problem(s);
	c.cfg = ls_session_config(s);
	c.L = ls_session_lora(s);
	ls_rng_seed(&c.rng, 1);
	if (ls_lora_copy(&c.L0, c.L, &err) != LS_OK || ls_lora_copy(&c.Lo, c.L, &err) != LS_OK ||
	    ls_optim_alloc(&c.o, &c.Lo, c.p, &err) != LS_OK ||
	    ls_spectrum_ws_alloc(&c.ws, (size_t)m, (size_t)n, (size_t)r, &err) != LS_OK)
		die("breakdown", &err);
	double flops = approx_flops((double)m, (double)n, (double)r);
	/* The session first: the spectrum is then timed on trained factors (an SVD of the
	 * initial, nearly rank-deficient core converges at once). */
	double sess = time_session(s);
	double opt = time_fn(optim_step, &c, NULL) / OPT_STEPS;
	double spec = time_fn(spectrum, &c, NULL);
	char what[64];
	snprintf(what, sizeof what, "approx %ldx%ld r=%ld: optimiser step", m, n, r);
	row(what, 1, opt, flops);
	snprintf(what, sizeof what, "approx %ldx%ld r=%ld: cheap spectrum", m, n, r);
	row(what, 1, spec, 0);
	snprintf(what, sizeof what, "approx %ldx%ld r=%ld: session step", m, n, r);
	row(what, 1, sess, flops);
	printf("%-40s %7s %12s %12.2f   (spectrum %.2f, rest %.2f)\n",
	       "  session step / optimiser step", "", "", sess / opt, spec / opt,
	       (sess - opt - spec) / opt);
	*sink += c.sink;
	ls_optim_free(c.o);
	ls_lora_free(&c.Lo);
	ls_lora_free(&c.L0);
	ls_spectrum_ws_free(c.ws);
	ls_session_free(s);
}

/* The 2048×2048, r = 16 step against one read pass over M at a given BLAS thread count. */
static void big(int threads, double out[6], double *sink)
{
	openblas_set_num_threads(threads);
	ls_session *s = make("approx", 2048, 2048, 16, "gd");
	bench_ctx c;
	memset(&c, 0, sizeof c);
	ls_error err;
	c.M = &ls_session_problem(s)->target;
	c.p = (ls_problem *)ls_session_problem(s);
	c.L = ls_session_lora(s);
	c.F = ls_lora_factors(c.L);
	c.copy = malloc(c.M->rows * c.M->cols * sizeof(double));
	if (!c.copy || ls_mat_alloc(&c.GA, 2048, 16, &err) != LS_OK ||
	    ls_mat_alloc(&c.GB, 2048, 16, &err) != LS_OK ||
	    ls_spectrum_ws_alloc(&c.ws, 2048, 2048, 16, &err) != LS_OK)
		die("2048 bench", &err);
	out[3] = time_session(s);
	out[0] = time_fn(read_pass, &c, NULL);
	out[1] = time_fn(copy_pass, &c, NULL);
	out[2] = time_fn(loss_grad, &c, &out[5]);
	out[4] = time_fn(spectrum, &c, NULL);
	*sink += c.sink;
	free(c.copy);
	ls_mat_free(&c.GA);
	ls_mat_free(&c.GB);
	ls_spectrum_ws_free(c.ws);
	ls_session_free(s);
}

int main(void)
{
	double sink = 0.0;
	double load[3] = { NAN, NAN, NAN };
	getloadavg(load, 3);
	printf("lorascope engine bench (one run; compare figures as ratios). Load average at "
	       "start %.2f on %d cores\n\n",
	       load[0], openblas_get_num_procs());
	printf("%-40s %7s %12s %12s %9s\n", "benchmark (session steps, gd)", "threads", "steps/s",
	       "ms/step", "GFLOP/s");
	session_row("approx", 64, 64, 4, "gd", 1);
	session_row("approx", 512, 512, 8, "gd", 1);
	session_row("approx", 2048, 2048, 16, "gd", 1);
	session_row("approx", 2048, 2048, 16, "gd", 2);
	{
		/* The TUI's pattern at this size: one step per call, the state evaluated after
		 * each (the next step reuses that gradient). */
		openblas_set_num_threads(1);
		ls_session *s = make("approx", 2048, 2048, 16, "gd");
		row("approx 2048x2048 r=16 gd, 1 step a call", 1, time_fn(one_step, s, NULL),
		    approx_flops(2048, 2048, 16));
		ls_session_free(s);
	}
	session_row("approx", 512, 512, 8, "adam", 1);
	session_row("sensing", 48, 48, 8, "gd", 1);
	session_row("regression", 256, 256, 8, "gd", 1);
	printf("\n");
	breakdown(64, 64, 8, &sink);

	double t1[6], t2[6];
	big(1, t1, &sink);
	big(2, t2, &sink);
	printf("\n%-40s %10s %8s %10s %8s\n", "approx 2048x2048 r=16", "1 thr ms", "passes",
	       "2 thr ms", "passes");
	const char *names[5] = { "one read pass over M (dasum, 32 MiB)",
				 "copy of M (memcpy, read + write)",
				 "loss_grad alone (f, M*B, M^T*A)", "session step (with metrics)",
				 "cheap spectrum sigma(A*B^T) + balance" };
	for (int i = 0; i < 5; i++)
		printf("%-40s %10.3f %8.2f %10.3f %8.2f\n", names[i], 1e3 * t1[i], t1[i] / t1[0],
		       1e3 * t2[i], t2[i] / t2[0]);
	printf("%-40s %10.3f %8.2f %10.3f %8.2f\n", "loss_grad CPU time (all threads)", 1e3 * t1[5],
	       t1[5] / t1[0], 1e3 * t2[5], t2[5] / t2[0]);
	printf("%-40s %10.2f %8s %10.2f\n", "loss_grad GFLOP/s (4mnr = 268 Mflop)",
	       4.0 * 2048 * 2048 * 16 / t1[2] * 1e-9, "", 4.0 * 2048 * 2048 * 16 / t2[2] * 1e-9);
	/* Keep the reductions observable so they are not optimised away. */
	if (!isfinite(sink))
		printf("(non-finite result)\n");
	return 0;
}
